//! The log's entry: one per recorded acta version, one line of canonical JSON.
//!
//! The line is the leaf of the Merkle tree ([`crate::leaf_hash`] of its bytes), so its
//! bytes must be reproducible by anyone from the same values: *canonical* here means
//! exactly what `serde_json` writes for [`Entry`] — keys sorted (the fields are declared
//! in alphabetical order and `votes` is a `BTreeMap`, sorted by the UTF-8 bytes of the
//! option names), no whitespace, absent values as `null`, strings escaped the way
//! `serde_json` escapes them (only `"`, `\` and control characters; other characters
//! as UTF-8), and no trailing newline.
//!
//! Invariant: `Entry::parse(e.to_line().as_bytes()) == Ok(e)` for every entry, and
//! [`Entry::parse`] accepts a line only if `to_line` of what it read gives back the
//! same bytes, so one entry has exactly one line and one leaf hash.

use std::collections::BTreeMap;

/// One recorded version of one mesa's acta.
///
/// Fields are declared in alphabetical order: serde writes them in declaration order,
/// which makes the JSON keys sorted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Consistency flags raised on this acta, e.g. `"votes_exceed_electors"`.
    pub flags: Vec<String>,
    /// Hex SHA-256 of the scanned sheet, or `None` (JSON `null`).
    pub image_sha256: Option<String>,
    /// Position in the log, from 0.
    pub index: u64,
    /// The mesa id, e.g. `"ANTOFAGASTA NORTE/126"`.
    pub mesa: String,
    /// A correction's reason, or `None` (JSON `null`) for a first acta.
    pub reason: Option<String>,
    /// When it was recorded, RFC 3339 UTC, e.g. `"2026-11-21T18:30:00.123Z"`.
    pub time: String,
    /// 1 for a mesa's first acta, +1 per correction.
    pub version: u32,
    /// Votes per option (candidate, blank, null), sorted by option name.
    pub votes: BTreeMap<String, u64>,
}

/// What is wrong with an entry line.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EntryError {
    /// Not JSON, or not the JSON of an entry (a field missing, unknown or of wrong type).
    #[error("entry line is not a valid entry: {0}")]
    Json(String),
    /// A valid entry, but not written in its canonical form.
    #[error("entry line is not canonical JSON (sorted keys, no spaces, no trailing newline): it departs from the canonical form at byte {offset}")]
    NotCanonical {
        /// The first byte where the line and its canonical form differ.
        offset: usize,
    },
}

impl Entry {
    /// The entry's canonical JSON line, without a newline.
    pub fn to_line(&self) -> String {
        // Cannot fail: every map key is a string and every value serialisable.
        serde_json::to_string(self).expect("an Entry always serialises to JSON")
    }

    /// Reads an entry line, rejecting any line that is not the entry's canonical form.
    pub fn parse(line: &[u8]) -> Result<Entry, EntryError> {
        let entry: Entry =
            serde_json::from_slice(line).map_err(|e| EntryError::Json(e.to_string()))?;
        let canonical = entry.to_line();
        if canonical.as_bytes() != line {
            let offset = canonical
                .bytes()
                .zip(line)
                .position(|(a, &b)| a != b)
                .unwrap_or(canonical.len().min(line.len()));
            return Err(EntryError::NotCanonical { offset });
        }
        Ok(entry)
    }
}
