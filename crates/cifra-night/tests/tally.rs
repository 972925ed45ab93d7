//! The one count: sums per acta with corrections taken out, and the checks every entry of
//! a log must pass, the same for a server taking in its log and a verifier recounting it.

use cifra_log::Entry;
use cifra_night::{tally, Election, ElectionSpec, Mesa, Tally};
use std::collections::BTreeMap;

const OPTIONS: [&str; 4] = ["ana", "beto", "blank", "null"];

fn election() -> Election {
    let mesa = |id: &str, region: &str, electors| Mesa {
        id: id.into(),
        territory: vec![region.into()],
        electors: Some(electors),
    };
    Election::new(ElectionSpec {
        name: "test".into(),
        system: "cl-presidential".into(),
        options: OPTIONS.iter().map(|o| o.to_string()).collect(),
        id_columns: vec!["mesa".into()],
        territory_columns: vec!["region".into()],
        mesas: vec![
            mesa("1", "NORTE", 100),
            mesa("2", "NORTE", 50),
            mesa("3", "SUR", 80),
        ],
        signing_key: [7; 32],
    })
    .unwrap()
}

fn entry(index: u64, mesa: &str, version: u32, votes: [u64; 4]) -> Entry {
    Entry {
        flags: Vec::new(),
        image_sha256: None,
        index,
        mesa: mesa.into(),
        reason: (version > 1).then(|| "recount".into()),
        time: "2021-11-21T20:00:00Z".into(),
        version,
        votes: OPTIONS.iter().map(|o| o.to_string()).zip(votes).collect(),
    }
}

#[test]
fn a_correction_replaces_the_mesas_votes_in_every_sum() {
    let e = election();
    let mut t = Tally::new(&e);
    t.take(&e, 0, &entry(0, "1", 1, [10, 5, 1, 0])).unwrap();
    t.take(&e, 1, &entry(1, "3", 1, [1, 20, 0, 2])).unwrap();
    t.take(&e, 2, &entry(2, "1", 2, [12, 5, 1, 0])).unwrap();
    assert_eq!(t.national.votes, [13, 25, 1, 2]);
    assert_eq!(t.national.counted, 2);
    assert_eq!(t.national.electors, 180);
    assert_eq!(t.corrections, 1);
    let north = e.value(0, "NORTE").unwrap() as usize;
    assert_eq!(t.territories[0][north].votes, [12, 5, 1, 0]);
    assert_eq!(t.territories[0][north].counted, 1);
    let latest = t.current[e.mesa("1").unwrap() as usize].as_ref().unwrap();
    assert_eq!((latest.version, latest.index), (2, 2));
}

#[test]
fn every_entry_must_follow_the_log() {
    let e = election();
    let mut t = Tally::new(&e);
    t.take(&e, 0, &entry(0, "1", 1, [1, 1, 1, 1])).unwrap();
    let reason = |r: Result<(), cifra_night::TallyError>| r.unwrap_err().reason;
    assert!(reason(t.take(&e, 1, &entry(5, "2", 1, [1, 1, 1, 1]))).contains("entry 5"));
    assert!(reason(t.take(&e, 1, &entry(1, "9", 1, [1, 1, 1, 1]))).contains("unknown mesa"));
    assert!(reason(t.take(&e, 1, &entry(1, "1", 3, [1, 1, 1, 1]))).contains("expected 2"));
    assert!(reason(t.take(&e, 1, &entry(1, "2", 2, [1, 1, 1, 1]))).contains("expected 1"));
    // An acta changed without a correction, and a first acta posing as one.
    let mut unexplained = entry(1, "1", 2, [2, 1, 1, 1]);
    unexplained.reason = None;
    assert!(reason(t.take(&e, 1, &unexplained)).contains("without a correction's reason"));
    let mut posing = entry(1, "2", 1, [1, 1, 1, 1]);
    posing.reason = Some("recount".into());
    assert!(reason(t.take(&e, 1, &posing)).contains("carries a correction's reason"));
    let mut missing = entry(1, "2", 1, [1, 1, 1, 1]);
    missing.votes.remove("null");
    assert!(reason(t.take(&e, 1, &missing)).contains("not the election's options"));
    // Nothing refused was counted.
    assert_eq!((t.entries, t.national.counted), (1, 1));
}

#[test]
fn a_verifier_recounts_with_the_same_checks_and_sums() {
    let options: Vec<String> = OPTIONS.iter().map(|o| o.to_string()).collect();
    let log = [
        entry(0, "1", 1, [10, 5, 1, 0]),
        entry(1, "3", 1, [1, 20, 0, 2]),
        entry(2, "1", 2, [12, 5, 1, 0]),
    ];
    let recount = tally::recount("test", "cl-presidential", &options, &log).unwrap();
    assert_eq!(recount.tally.national.votes, [13, 25, 1, 2]);
    assert_eq!(recount.latest("1").map(|c| c.index), Some(2));
    assert!(recount.latest("2").is_none());
    let results = recount.results(3).unwrap();
    assert_eq!((results.mesas_counted, results.mesas_total), (2, 3));
    assert_eq!(results.options[0].option, "beto");

    let skipped = [
        entry(0, "1", 1, [1, 0, 0, 0]),
        entry(1, "1", 3, [2, 0, 0, 0]),
    ];
    let error = tally::recount("test", "cl-presidential", &options, &skipped).unwrap_err();
    assert_eq!(
        error.to_string(),
        "entry 1: mesa \"1\" version 3, expected 2"
    );
    let seats = tally::recount("test", "dhondt", &options, &[]).unwrap_err();
    assert!(seats.to_string().contains("one office"), "{seats}");
}

#[test]
fn votes_keep_the_elections_order_whatever_the_entrys() {
    let e = election();
    let mut t = Tally::new(&e);
    let mut one = entry(0, "2", 1, [0, 0, 0, 0]);
    one.votes = BTreeMap::from([
        ("null".to_string(), 4),
        ("ana".to_string(), 1),
        ("blank".to_string(), 3),
        ("beto".to_string(), 2),
    ]);
    t.take(&e, 0, &one).unwrap();
    assert_eq!(t.national.votes, [1, 2, 3, 4]);
}
