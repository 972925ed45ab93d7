//! Checking a log from the outside: the checkpoint's signature, the tree rebuilt from the
//! entries, the published tiles, an earlier checkpoint as a prefix, every total and the
//! outcome recomputed from the entries alone, and one mesa's acta proved included.
//!
//! The pure part ([`check_log`], [`recount`]) works on bytes and is what the offline
//! `cifra verify --entries --checkpoint --key` runs; [`online`] fetches the same bytes
//! from a server and adds what only a server can be asked.

use crate::ClientError;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use cifra_core::System;
use cifra_log::{Checkpoint, Entry, Hash, NoteVerifier, Tree};
use cifra_report::live::{Counts, LiveResults};
use std::collections::{BTreeMap, HashMap};

/// A log checked against its signed checkpoint.
#[derive(Debug)]
pub struct CheckedLog {
    /// The checkpoint, signature verified.
    pub checkpoint: Checkpoint,
    /// The entries, parsed, index by index.
    pub entries: Vec<Entry>,
    /// The tree rebuilt from the entries' lines.
    pub tree: Tree,
}

/// Checks that `note` is a checkpoint signed by `key` and that `lines` (one entry per
/// line) rebuild exactly its tree. The first failure is the error.
pub fn check_log(note: &str, key: &str, lines: &[&[u8]]) -> Result<CheckedLog, ClientError> {
    let checkpoint = verified_checkpoint(note, key)?;
    if lines.len() as u64 != checkpoint.size {
        return Err(ClientError::Failed(format!(
            "the checkpoint says the log has {} entries; there are {}",
            checkpoint.size,
            lines.len()
        )));
    }
    let mut tree = Tree::new();
    let mut entries = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let entry =
            Entry::parse(line).map_err(|e| ClientError::Failed(format!("entry {i}: {e}")))?;
        if entry.index != i as u64 {
            return Err(ClientError::Failed(format!(
                "entry {i} says it is entry {}: entries are missing or out of order",
                entry.index
            )));
        }
        tree.push(cifra_log::leaf_hash(line));
        entries.push(entry);
    }
    if tree.root() != checkpoint.root {
        return Err(ClientError::Failed(format!(
            "the entries' Merkle root {} is not the checkpoint's {}: the log was changed",
            BASE64.encode(tree.root()),
            BASE64.encode(checkpoint.root)
        )));
    }
    Ok(CheckedLog {
        checkpoint,
        entries,
        tree,
    })
}

/// The checkpoint in `note`, once its signature by `key` is verified.
pub fn verified_checkpoint(note: &str, key: &str) -> Result<Checkpoint, ClientError> {
    let verifier = NoteVerifier::parse(key.trim())
        .map_err(|e| ClientError::Failed(format!("the verifier key: {e}")))?;
    let text = verifier
        .verify(note)
        .map_err(|e| ClientError::Failed(format!("the checkpoint's signature: {e}")))?;
    let checkpoint =
        Checkpoint::parse(text).map_err(|e| ClientError::Failed(format!("the checkpoint: {e}")))?;
    if checkpoint.origin != verifier.name() {
        return Err(ClientError::Failed(format!(
            "the checkpoint is of log {:?}, the key of {:?}",
            checkpoint.origin,
            verifier.name()
        )));
    }
    Ok(checkpoint)
}

/// Checks that `previous` (an earlier signed checkpoint) is a prefix of `log`: its root
/// is the root of the log's first entries.
pub fn check_prefix(log: &CheckedLog, previous: &Checkpoint) -> Result<(), ClientError> {
    let root = log.tree.root_at(previous.size).map_err(|_| {
        ClientError::Failed(format!(
            "the earlier checkpoint has {} entries, today's log only {}: history was rewritten",
            previous.size, log.checkpoint.size
        ))
    })?;
    if root != previous.root {
        return Err(ClientError::Failed(format!(
            "the log's first {} entries are not those of the earlier checkpoint: history was rewritten",
            previous.size
        )));
    }
    let proof = log
        .tree
        .consistency_proof(previous.size, log.checkpoint.size)
        .map_err(|e| ClientError::Failed(e.to_string()))?;
    cifra_log::verify_consistency(
        previous.size,
        log.checkpoint.size,
        &previous.root,
        &log.checkpoint.root,
        &proof,
    )
    .map_err(|e| ClientError::Failed(format!("consistency: {e}")))
}

/// Checks that each of `notes` (checkpoints the log's server signed earlier and kept)
/// is signed by `key` and is a prefix of `log`: a signed size has one root, forever.
/// Returns how many were checked; the error names the first differing entry, bounded
/// by the signed sizes, or the removed ones.
pub fn check_kept(log: &CheckedLog, notes: &[String], key: &str) -> Result<usize, ClientError> {
    let mut signed = Vec::with_capacity(notes.len());
    for note in notes {
        let checkpoint = verified_checkpoint(note, key)?;
        signed.push((checkpoint.size, checkpoint.root));
    }
    cifra_log::check_history(&log.tree, signed).map_err(|divergence| {
        ClientError::Failed(format!(
            "a checkpoint the server signed earlier is not a prefix of today's log: {divergence}: history was rewritten"
        ))
    })?;
    Ok(notes.len())
}

/// The totals the log decides: each mesa's latest acta, summed.
#[derive(Debug, Clone, PartialEq)]
pub struct Recount {
    /// The options, as the entries name them, in the election's order when known.
    pub options: Vec<String>,
    /// Votes per option.
    pub votes: Vec<u64>,
    /// Mesas with an acta.
    pub mesas: u64,
    /// Mesas whose latest acta is flagged.
    pub flagged: u64,
    /// Entries that are corrections (version above 1).
    pub corrections: u64,
    /// Each mesa's latest entry's index.
    pub latest: HashMap<String, u64>,
}

/// Recounts `entries`: checks each mesa's versions follow 1, 2, 3… and every entry counts
/// the same options, then sums the latest acta of each mesa. `options` gives the
/// election's order (else the entries' own, sorted).
pub fn recount(entries: &[Entry], options: Option<&[String]>) -> Result<Recount, ClientError> {
    let mut latest: HashMap<String, (u32, u64)> = HashMap::new();
    let names: Vec<String> = match (options, entries.first()) {
        (Some(o), _) => o.to_vec(),
        (None, Some(e)) => e.votes.keys().cloned().collect(),
        (None, None) => Vec::new(),
    };
    let mut corrections = 0;
    for entry in entries {
        let expected = latest.get(&entry.mesa).map_or(1, |(v, _)| v + 1);
        if entry.version != expected {
            return Err(ClientError::Failed(format!(
                "entry {}: mesa {:?} version {}, expected {expected}",
                entry.index, entry.mesa, entry.version
            )));
        }
        if entry.votes.len() != names.len() || names.iter().any(|o| !entry.votes.contains_key(o)) {
            return Err(ClientError::Failed(format!(
                "entry {}: its options are not the election's ({})",
                entry.index,
                names.join(", ")
            )));
        }
        corrections += u64::from(entry.version > 1);
        latest.insert(entry.mesa.clone(), (entry.version, entry.index));
    }
    let mut votes = vec![0u64; names.len()];
    let mut flagged = 0;
    for &(_, index) in latest.values() {
        let entry = &entries[index as usize];
        for (total, name) in votes.iter_mut().zip(&names) {
            *total += entry.votes.get(name).copied().unwrap_or(0);
        }
        flagged += u64::from(!entry.flags.is_empty());
    }
    Ok(Recount {
        options: names,
        votes,
        mesas: latest.len() as u64,
        flagged,
        corrections,
        latest: latest.into_iter().map(|(m, (_, i))| (m, i)).collect(),
    })
}

/// The results the recount decides under `system`, for `mesas_total` mesas.
pub fn results(
    election: &str,
    system: System,
    recount: &Recount,
    mesas_total: u64,
) -> Result<LiveResults, ClientError> {
    let counts = Counts {
        options: &recount.options,
        votes: &recount.votes,
        mesas_counted: recount.mesas,
        mesas_total,
        mesas_flagged: recount.flagged,
        electors_counted: None,
    };
    LiveResults::new(election, system, None, counts)
        .map_err(|e| ClientError::Failed(format!("the law engine: {e}")))
}

/// One mesa's latest acta, proved included in the checkpoint's tree.
#[derive(Debug)]
pub struct MesaProof {
    /// The entry.
    pub entry: Entry,
    /// The inclusion proof's length.
    pub path_len: usize,
}

/// Verifies that `line` is entry `index` of the tree of `checkpoint` with `path`.
pub fn check_inclusion(
    line: &[u8],
    index: u64,
    checkpoint: &Checkpoint,
    path: &[Hash],
) -> Result<(), ClientError> {
    cifra_log::verify_inclusion(
        &cifra_log::leaf_hash(line),
        index,
        checkpoint.size,
        path,
        &checkpoint.root,
    )
    .map_err(|e| ClientError::Failed(format!("inclusion of entry {index}: {e}")))
}

/// Votes of an entry in the given option order.
pub fn votes_in_order(entry: &Entry, options: &[String]) -> Vec<(String, u64)> {
    let votes: &BTreeMap<String, u64> = &entry.votes;
    options
        .iter()
        .map(|o| (o.clone(), votes.get(o).copied().unwrap_or(0)))
        .collect()
}

/// Decodes a base64 hash.
pub fn hash_of(text: &str) -> Result<Hash, ClientError> {
    let bytes = BASE64
        .decode(text)
        .map_err(|e| ClientError::Failed(format!("a hash {text:?}: {e}")))?;
    bytes
        .try_into()
        .map_err(|_| ClientError::Failed(format!("a hash {text:?} is not 32 bytes")))
}
