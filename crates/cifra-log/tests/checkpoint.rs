//! C2SP tlog-checkpoint bodies: round trips, extension lines, and every malformation.

use cifra_log::{empty_root, leaf_hash, Checkpoint, NoteError};
use proptest::prelude::*;

/// base64 of `leaf_hash(b"x")` = SHA-256(0x00 || "x"), computed with Python's hashlib.
fn root_b64() -> &'static str {
    "PH6byTDck/AfppmF7yQtn56GHzxTVaokzl70tLinDMs="
}

#[test]
fn body_has_the_spec_layout() {
    let c = Checkpoint {
        origin: "cifra.example/log".into(),
        size: 3,
        root: leaf_hash(b"x"),
    };
    assert_eq!(c.body(), format!("cifra.example/log\n3\n{}\n", root_b64()));
    let empty = Checkpoint {
        origin: "o".into(),
        size: 0,
        root: empty_root(),
    };
    assert_eq!(
        empty.body(),
        "o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    );
    assert_eq!(Checkpoint::parse(&empty.body()), Ok(empty));
}

#[test]
fn extension_lines_are_accepted_and_ignored() {
    let body = format!("o\n12\n{}\nextension one\nextension two\n", root_b64());
    let c = Checkpoint::parse(&body).unwrap();
    assert_eq!(
        (c.origin.as_str(), c.size, c.root),
        ("o", 12, leaf_hash(b"x"))
    );
}

#[test]
fn malformed_bodies_are_rejected() {
    let root = root_b64();
    let short_root = "PH6byTDck/AfppmF7yQtn56GHzxTVaokzl70tLinDA==";
    let long_root = "PH6byTDck/AfppmF7yQtn56GHzxTVaokzl70tLinDMsA";
    let cases = [
        String::new(),
        "o\n".into(),
        "o\n5\n".into(),              // missing the root
        format!("o\n5\n{root}"),      // no final newline
        format!("\n5\n{root}\n"),     // empty origin
        format!("o\n\n{root}\n"),     // empty size
        format!("o\nfive\n{root}\n"), // non-numeric size
        format!("o\n05\n{root}\n"),   // leading zero
        format!("o\n-5\n{root}\n"),
        format!("o\n+5\n{root}\n"),
        format!("o\n 5\n{root}\n"),
        format!("o\n18446744073709551616\n{root}\n"), // u64::MAX + 1
        "o\n5\nnot base64!\n".into(),
        format!("o\n5\n{}\n", root.trim_end_matches('=')), // unpadded
        format!("o\n5\n{short_root}\n"),                   // 31 bytes
        format!("o\n5\n{long_root}\n"),                    // 33 bytes
        format!("o\n5\n{root}\n\n"),                       // an empty extension line
        format!("o\n5\n{root}\next\n\nmore\n"),
        format!("o\r\n5\n{root}\n"), // a control character
    ];
    for body in cases {
        let err = Checkpoint::parse(&body).unwrap_err();
        assert!(
            matches!(err, NoteError::MalformedCheckpoint(_)),
            "{body:?}: {err}"
        );
    }
    assert_eq!(
        Checkpoint::parse(&format!("o\n5\n{short_root}\n"))
            .unwrap_err()
            .to_string(),
        "malformed checkpoint: the root (line 3) is 31 bytes, not 32"
    );
    assert!(Checkpoint::parse(&format!("o\n18446744073709551615\n{root}\n")).is_ok());
}

proptest! {
    #[test]
    fn body_round_trips(
        origin in "[a-z0-9./_-]{1,40}",
        size in any::<u64>(),
        root in any::<[u8; 32]>(),
    ) {
        let c = Checkpoint { origin, size, root };
        prop_assert_eq!(Checkpoint::parse(&c.body()), Ok(c));
    }

    #[test]
    fn arbitrary_text_never_panics(body in prop_oneof!["\\PC*(\n\\PC*){0,5}", any::<String>()]) {
        if let Ok(c) = Checkpoint::parse(&body) {
            // Whatever parses has three non-empty lines, the first three of the body.
            prop_assert!(body.starts_with(&c.body()));
        }
    }
}
