//! The witness's decision on an add-checkpoint request, as pure functions: first what
//! needs no state ([`check_submission`]: parse, known log, signature, sizes), then what
//! needs the latest checkpoint it cosigned for that log ([`check_consistency`]).
//! [`crate::state::WitnessState::record`] runs the second inside the transaction that
//! records the new checkpoint, so check and record are one step.

use crate::request::AddCheckpoint;
use cifra_log::{empty_root, verify_consistency, Checkpoint, Hash, NoteError, NoteVerifier};
use std::collections::BTreeMap;

/// Why a witness does not cosign, with the HTTP status C2SP tlog-witness gives it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// 400: the body is not an add-checkpoint request, or old size > checkpoint size.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 404: the checkpoint's origin is not a log this witness witnesses.
    #[error("unknown log {0:?}")]
    UnknownLog(String),
    /// 403: no valid signature by the log's key.
    #[error("the checkpoint is not signed by the log's key: {0}")]
    Forbidden(String),
    /// 409: the old size is not the size of the latest checkpoint cosigned.
    #[error("the old size is not {latest}, the size of the latest checkpoint cosigned")]
    Conflict {
        /// The size of the latest checkpoint the witness cosigned for the log.
        latest: u64,
    },
    /// 422: the checkpoint is not consistent with the latest one cosigned.
    #[error("the checkpoint is not consistent with the latest one cosigned: {0}")]
    Inconsistent(String),
}

impl Refusal {
    /// The HTTP status code of this refusal.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::BadRequest(_) => 400,
            Refusal::UnknownLog(_) => 404,
            Refusal::Forbidden(_) => 403,
            Refusal::Conflict { .. } => 409,
            Refusal::Inconsistent(_) => 422,
        }
    }
}

/// The logs a witness witnesses: their verifier keys by origin (the key's name).
#[derive(Debug, Clone, Default)]
pub struct Logs {
    by_origin: BTreeMap<String, Vec<NoteVerifier>>,
}

impl Logs {
    /// The logs of these verifier keys (`name+id+key`, as `cifra init` prints them).
    pub fn parse(vkeys: &[String]) -> Result<Logs, NoteError> {
        let mut logs = Logs::default();
        for vkey in vkeys {
            let verifier = NoteVerifier::parse(vkey.trim())?;
            logs.by_origin
                .entry(verifier.name().to_owned())
                .or_default()
                .push(verifier);
        }
        Ok(logs)
    }

    /// The origins witnessed.
    pub fn origins(&self) -> impl Iterator<Item = &str> {
        self.by_origin.keys().map(String::as_str)
    }
}

/// A request that passed every check that needs no state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    /// The old size the log sent.
    pub old_size: u64,
    /// The consistency proof.
    pub proof: Vec<Hash>,
    /// The checkpoint (origin, size, root).
    pub checkpoint: Checkpoint,
    /// The note's text (what cosignatures sign), extension lines included.
    pub body: String,
    /// The whole signed note, kept as evidence of what the log signed.
    pub note: String,
}

/// Reads an add-checkpoint body and checks what needs no state: its form (400), its
/// origin (404), the log's signature (403), old size ≤ size (400), the empty tree's root
/// (422), no proof from size zero (422).
pub fn check_submission(logs: &Logs, body: &str) -> Result<Submitted, Refusal> {
    let request = AddCheckpoint::parse(body).map_err(Refusal::BadRequest)?;
    let note = request.checkpoint;
    let text_end = note
        .rfind("\n\n")
        .ok_or_else(|| Refusal::BadRequest("the checkpoint is not a signed note".into()))?;
    let origin = note[..text_end].split('\n').next().unwrap_or("");
    let verifiers = logs
        .by_origin
        .get(origin)
        .ok_or_else(|| Refusal::UnknownLog(origin.to_owned()))?;
    let mut verified = None;
    let mut last_error = None;
    for verifier in verifiers {
        match verifier.verify(&note) {
            Ok(text) => verified = Some(text),
            Err(e @ NoteError::InvalidSignature { .. }) => {
                return Err(Refusal::Forbidden(e.to_string()))
            }
            Err(e) => last_error = Some(e),
        }
    }
    let text = match (verified, last_error) {
        (Some(text), _) => text,
        (None, e) => {
            let why = e.map_or_else(|| "no signature".to_owned(), |e| e.to_string());
            return Err(Refusal::Forbidden(why));
        }
    };
    let checkpoint =
        Checkpoint::parse(text).map_err(|e| Refusal::BadRequest(format!("checkpoint: {e}")))?;
    if request.old_size > checkpoint.size {
        return Err(Refusal::BadRequest(format!(
            "the old size {} is larger than the checkpoint's size {}",
            request.old_size, checkpoint.size
        )));
    }
    if checkpoint.size == 0 && checkpoint.root != empty_root() {
        return Err(Refusal::Inconsistent(
            "a checkpoint of size 0 must have the empty tree's root".into(),
        ));
    }
    if request.old_size == 0 && !request.proof.is_empty() {
        return Err(Refusal::Inconsistent(
            "a proof from size 0 must be empty".into(),
        ));
    }
    Ok(Submitted {
        old_size: request.old_size,
        proof: request.proof,
        body: text.to_owned(),
        checkpoint,
        note,
    })
}

/// Checks a submission against the latest checkpoint cosigned for its log, `latest`
/// (size, root), `None` if none was: 409 with the latest size if the old size is not
/// it, 422 if the proof does not show the checkpoint extends it.
pub fn check_consistency(
    latest: Option<(u64, Hash)>,
    submitted: &Submitted,
) -> Result<(), Refusal> {
    let (size, root) = latest.unwrap_or((0, empty_root()));
    if submitted.old_size != size {
        return Err(Refusal::Conflict { latest: size });
    }
    let new = &submitted.checkpoint;
    verify_consistency(size, new.size, &root, &new.root, &submitted.proof)
        .map_err(|e| Refusal::Inconsistent(e.to_string()))
}
