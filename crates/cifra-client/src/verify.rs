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
use cifra_log::{Checkpoint, Entry, Hash, NoteVerifier, Tree};
use cifra_report::live::LiveResults;
use std::collections::BTreeMap;

/// What a server says its election is (`GET /api/v1/election`, or that answer saved
/// beside the entries).
pub use cifra_night::api::ElectionView;

/// A verifier key as given to `cifra verify --key`: the key's text (it holds a `+`), or
/// else a file holding it.
pub fn read_key(given: &str) -> Result<String, cifra_results::ReadError> {
    if given.contains('+') && !std::path::Path::new(given).exists() {
        return Ok(given.trim().to_string());
    }
    cifra_results::read_text(given).map(|k| k.trim().to_string())
}

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

/// Checks that the checkpoint `note` carries valid `cosignature/v1` cosignatures by at
/// least `quorum` of the `witnesses` (verifier keys, as `cifra witness init` prints
/// them, or files holding them); returns the report's line naming who cosigned. A
/// cosignature line by a known witness that does not verify fails the whole note.
pub fn check_quorum(
    note: &str,
    witnesses: &[String],
    quorum: usize,
) -> Result<String, ClientError> {
    let verifiers = witnesses
        .iter()
        .map(|w| {
            let key = read_key(w).map_err(|e| ClientError::Failed(format!("--witness: {e}")))?;
            cifra_witness::CosignatureVerifier::parse(&key)
                .map_err(|e| ClientError::Failed(format!("--witness: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let names = cifra_witness::cosigned_by(note, &verifiers)
        .map_err(|e| ClientError::Failed(format!("the checkpoint's cosignatures: {e}")))?;
    let who = if names.is_empty() {
        "nobody".to_owned()
    } else {
        names.join(", ")
    };
    if names.len() < quorum {
        return Err(ClientError::Failed(format!(
            "the checkpoint is cosigned by {} of the {} witnesses given ({who}); the quorum is {quorum}: \
             it may be a view shown to you alone",
            names.len(),
            verifiers.len()
        )));
    }
    Ok(format!(
        "witnesses: cosigned by {who} ({} of {}, quorum {quorum}) · cosignatures verified",
        names.len(),
        verifiers.len()
    ))
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

/// The count a log decides, recounted by the same code the server counts with.
pub use cifra_night::Recount;

/// Recounts `entries` (the whole log) of election `name` under `system` over `options`:
/// checks each entry follows the log (index, each mesa's versions 1, 2, 3…, exactly the
/// election's options) and sums the latest acta of each mesa, as a server does
/// ([`cifra_night::tally::recount`]).
pub fn recount(
    name: &str,
    system: &str,
    options: &[String],
    entries: &[Entry],
) -> Result<Recount, ClientError> {
    cifra_night::tally::recount(name, system, options, entries)
        .map_err(|e| ClientError::Failed(e.to_string()))
}

/// The national results the recount decides, for an election of `mesas_total` mesas.
pub fn results(recount: &Recount, mesas_total: u64) -> Result<LiveResults, ClientError> {
    recount
        .results(mesas_total)
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

/// What offline verification knows of the election besides its log: its name and
/// options (from the saved `GET /api/v1/election`, when given), its system and its
/// number of mesas (without which a partial count would look complete).
#[derive(Debug, Clone)]
pub struct OfflineElection {
    /// The election's name, which must be the log's origin; `None`: not known.
    pub name: Option<String>,
    /// The system that decides the outcome.
    pub system: cifra_core::System,
    /// The options in order; `None`: the ones the first entry counts.
    pub options: Option<Vec<String>>,
    /// The election's number of mesas.
    pub mesas_total: u64,
}

impl OfflineElection {
    /// The election of `json`, the answer of `GET /api/v1/election` saved beside the
    /// entries; `Err`: why it is not one.
    pub fn from_saved(json: &[u8]) -> Result<OfflineElection, String> {
        let view: ElectionView = serde_json::from_slice(json)
            .map_err(|e| format!("not the JSON of GET /api/v1/election: {e}"))?;
        let system = view
            .system
            .parse()
            .map_err(|e: cifra_core::UnknownSystem| e.to_string())?;
        Ok(OfflineElection {
            name: Some(view.name),
            system,
            options: Some(view.options),
            mesas_total: view.mesas_total,
        })
    }

    /// An election known only by its number of mesas and its system's id.
    pub fn from_count(
        mesas_total: u64,
        system: &str,
    ) -> Result<OfflineElection, cifra_core::UnknownSystem> {
        Ok(OfflineElection {
            name: None,
            system: system.parse()?,
            options: None,
            mesas_total,
        })
    }
}

/// Verifies a log offline: `note` (the signed checkpoint's bytes) signed by `key`, the
/// `entries` (NDJSON, as `/api/v1/log/entries` serves them) rebuilding its tree, an
/// earlier checkpoint `previous` as a prefix, and every total and the outcome recounted
/// for `election`. Returns the report's lines; the first failure is the error.
pub fn offline(
    election: &OfflineElection,
    entries: &[u8],
    note: &[u8],
    key: &str,
    previous: Option<&str>,
) -> Result<Vec<String>, ClientError> {
    let note = std::str::from_utf8(note)
        .map_err(|_| ClientError::Failed("the checkpoint is not UTF-8".into()))?;
    let lines: Vec<&[u8]> = entries
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let log = check_log(note, key, &lines)?;
    let mut report = vec![
        format!(
            "checkpoint: {} · {} entries · signature verified",
            log.checkpoint.origin, log.checkpoint.size
        ),
        "log: the tree rebuilt from the entries has the checkpoint's root".to_string(),
    ];
    if let Some(previous) = previous {
        let earlier = verified_checkpoint(previous, key)?;
        check_prefix(&log, &earlier)?;
        report.push(format!(
            "previous: the checkpoint of {} entries is a prefix of this log",
            earlier.size
        ));
    }
    report.extend(offline_results(election, &log)?);
    report.push("verified (offline)".into());
    Ok(report)
}

/// The recount of a checked log for `election`, described; refused when the log is of
/// another election or counts more mesas than it has.
fn offline_results(
    election: &OfflineElection,
    log: &CheckedLog,
) -> Result<Vec<String>, ClientError> {
    let origin = &log.checkpoint.origin;
    if let Some(name) = election.name.as_ref().filter(|name| *name != origin) {
        return Err(ClientError::Failed(format!(
            "the election file is of {name:?}, the log of {origin:?}"
        )));
    }
    // Without the election file, its options are the ones the entries count.
    let options: Vec<String> = election.options.clone().unwrap_or_else(|| {
        log.entries
            .first()
            .map(|e| e.votes.keys().cloned().collect())
            .unwrap_or_default()
    });
    let recount = recount(origin, election.system.id(), &options, &log.entries)?;
    let counted = recount.tally.national.counted;
    if counted > election.mesas_total {
        return Err(ClientError::Failed(format!(
            "the log has actas of {counted} mesas; the election has {}",
            election.mesas_total
        )));
    }
    let results = results(&recount, election.mesas_total)?;
    Ok(crate::describe(&results, &recount))
}
