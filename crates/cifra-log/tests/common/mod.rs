//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test file uses its own subset

use std::collections::BTreeMap;

use cifra_log::{Entry, Hash};

/// Bytes of a hex string (test vectors are published in hex).
pub fn unhex(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2), "odd hex length: {text}");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("test vector is hex"))
        .collect()
}

/// A 32-byte hash from hex.
pub fn hash(text: &str) -> Hash {
    unhex(text).try_into().expect("test vector is 32 bytes")
}

/// A plausible night of `n` actas: mesa `i % 7` of a few comunas, with corrections.
pub fn entries(n: u64) -> Vec<Entry> {
    (0..n)
        .map(|index| {
            let correction = index % 5 == 4;
            Entry {
                flags: if index % 6 == 5 {
                    vec!["votes_exceed_electors".into()]
                } else {
                    vec![]
                },
                image_sha256: (index % 3 != 0).then(|| format!("{:064x}", index * 7919)),
                index,
                mesa: format!("ANTOFAGASTA NORTE/{}", 100 + index % 7),
                reason: correction.then(|| "recuento en mesa".into()),
                time: format!("2026-11-21T18:{:02}:00.123Z", index % 60),
                version: if correction { 2 } else { 1 },
                votes: BTreeMap::from([
                    ("BLANCO".into(), index % 4),
                    ("JARA".into(), 100 + index),
                    ("KAST".into(), 90 + 2 * index),
                    ("NULO".into(), index % 3),
                ]),
            }
        })
        .collect()
}

/// The canonical lines of `entries`.
pub fn lines(entries: &[Entry]) -> Vec<Vec<u8>> {
    entries.iter().map(|e| e.to_line().into_bytes()).collect()
}

/// Borrowed views of `lines`, the form `rebuild` and `entry_bundle` take.
pub fn refs(lines: &[Vec<u8>]) -> Vec<&[u8]> {
    lines.iter().map(Vec::as_slice).collect()
}
