//! The canonical entry line: exact bytes, round trips, and rejection of every other way
//! of writing the same entry.

mod common;

use std::collections::BTreeMap;

use cifra_log::{Entry, EntryError};
use proptest::prelude::*;

fn example() -> Entry {
    Entry {
        flags: vec!["votes_exceed_electors".into()],
        image_sha256: Some(
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
        ),
        index: 41,
        mesa: "ANTOFAGASTA NORTE/126".into(),
        reason: None,
        time: "2026-11-21T18:30:00.123Z".into(),
        version: 1,
        votes: BTreeMap::from([
            ("NULO".into(), 4),
            ("KAST".into(), 98),
            ("BLANCO".into(), 2),
            ("JARA".into(), 120),
        ]),
    }
}

const EXAMPLE_LINE: &str = concat!(
    r#"{"flags":["votes_exceed_electors"],"#,
    r#""image_sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","#,
    r#""index":41,"mesa":"ANTOFAGASTA NORTE/126","reason":null,"#,
    r#""time":"2026-11-21T18:30:00.123Z","version":1,"#,
    r#""votes":{"BLANCO":2,"JARA":120,"KAST":98,"NULO":4}}"#
);

#[test]
fn the_line_is_sorted_with_no_spaces() {
    assert_eq!(example().to_line(), EXAMPLE_LINE);
    assert_eq!(Entry::parse(EXAMPLE_LINE.as_bytes()), Ok(example()));
}

#[test]
fn entries_round_trip() {
    let mut unusual = example();
    unusual.mesa = "ÑUÑOA/12 \"bis\" \\ ok".into();
    unusual.reason = Some("acta ilegible;\nrecuento".into());
    unusual.image_sha256 = None;
    unusual.flags = vec![];
    unusual.votes = BTreeMap::new();
    unusual.version = u32::MAX;
    unusual.index = u64::MAX;
    for entry in common::entries(30).into_iter().chain([unusual]) {
        let line = entry.to_line();
        assert!(!line.contains('\n'), "{line}");
        assert_eq!(Entry::parse(line.as_bytes()), Ok(entry));
    }
}

#[test]
fn non_canonical_lines_are_rejected() {
    let spaced = EXAMPLE_LINE.replace("\"index\":41", "\"index\": 41");
    let reordered = EXAMPLE_LINE.replace(
        r#""index":41,"mesa":"ANTOFAGASTA NORTE/126","#,
        r#""mesa":"ANTOFAGASTA NORTE/126","index":41,"#,
    );
    let votes_reordered =
        EXAMPLE_LINE.replace(r#""BLANCO":2,"JARA":120"#, r#""JARA":120,"BLANCO":2"#);
    let escaped = EXAMPLE_LINE.replace("NORTE", "NORT\\u0045");
    let missing_null = EXAMPLE_LINE.replace(r#""reason":null,"#, "");
    let cases = [
        spaced,
        reordered,
        votes_reordered,
        escaped,
        missing_null,
        format!("{EXAMPLE_LINE}\n"),
        format!(" {EXAMPLE_LINE}"),
        EXAMPLE_LINE.replace("\"version\":1", "\"version\":1e0"), // not an integer
    ];
    for line in &cases {
        match Entry::parse(line.as_bytes()) {
            Err(EntryError::NotCanonical { .. }) | Err(EntryError::Json(_)) => {}
            other => panic!("{line:?} was accepted: {other:?}"),
        }
    }
    // The ones that are valid JSON of an entry are refused as non-canonical, saying so.
    for line in &cases[..7] {
        let err = Entry::parse(line.as_bytes()).unwrap_err();
        assert!(
            matches!(err, EntryError::NotCanonical { .. }),
            "{line:?}: {err}"
        );
        assert!(err.to_string().contains("not canonical JSON"), "{err}");
    }
    assert_eq!(
        Entry::parse(cases[0].as_bytes()),
        Err(EntryError::NotCanonical {
            offset: EXAMPLE_LINE.find("41").unwrap()
        })
    );
}

#[test]
fn invalid_entries_are_rejected() {
    let extra = EXAMPLE_LINE.replacen('{', r#"{"extra":1,"#, 1);
    let negative = EXAMPLE_LINE.replace("\"KAST\":98", "\"KAST\":-98");
    let wrong_type = EXAMPLE_LINE.replace("\"index\":41", "\"index\":\"41\"");
    let duplicated = EXAMPLE_LINE.replace("\"index\":41", "\"index\":41,\"index\":41");
    for line in [
        extra,
        negative,
        wrong_type,
        duplicated,
        "".into(),
        "{}".into(),
        "null".into(),
    ] {
        let err = Entry::parse(line.as_bytes()).unwrap_err();
        assert!(matches!(err, EntryError::Json(_)), "{line:?}: {err}");
    }
    assert!(matches!(
        Entry::parse(&[0xff, 0xfe]),
        Err(EntryError::Json(_))
    ));
}

fn arb_entry() -> impl Strategy<Value = Entry> {
    (
        prop::collection::vec("\\PC{0,12}", 0..3),
        prop::option::of("[0-9a-f]{64}"),
        any::<u64>(),
        "\\PC{0,30}",
        prop::option::of(any::<String>()),
        "\\PC{0,30}",
        any::<u32>(),
        prop::collection::btree_map(any::<String>(), any::<u64>(), 0..6),
    )
        .prop_map(
            |(flags, image_sha256, index, mesa, reason, time, version, votes)| Entry {
                flags,
                image_sha256,
                index,
                mesa,
                reason,
                time,
                version,
                votes,
            },
        )
}

proptest! {
    #[test]
    fn arbitrary_entries_round_trip(entry in arb_entry()) {
        let line = entry.to_line();
        prop_assert_eq!(Entry::parse(line.as_bytes()), Ok(entry));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(entry) = Entry::parse(&bytes) {
            prop_assert_eq!(entry.to_line().into_bytes(), bytes);
        }
    }

    #[test]
    fn near_misses_never_panic(line in r#"\{("[a-z_]{1,12}":(null|[0-9]{1,3}|"[ -~]{0,5}"|\[\]|\{\}),?){0,9}\}\n?"#) {
        if let Ok(entry) = Entry::parse(line.as_bytes()) {
            prop_assert_eq!(entry.to_line(), line);
        }
    }
}
