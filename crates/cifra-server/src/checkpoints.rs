//! The checkpoints the server signs, kept so that a signed size has one root, forever.
//!
//! Every checkpoint is kept in the store (and, for SQLite, the latest in a file beside
//! the database) before its note is served. At start-up the log the store holds is
//! checked against every kept checkpoint ([`check_at_start`]); before signing a new
//! size, against the latest kept one at or below it ([`Signer::sign`]). A log that was
//! rewritten, or lost entries, is refused with the first differing entry, bounded by
//! the signed sizes ([`cifra_log::check_history`]).

use crate::ServerError;
use cifra_log::{Checkpoint, Hash, NoteSigner, NoteVerifier, Tree};
use cifra_store::{SignedCheckpoint, Store};

/// Kept checkpoints read from the store at a time.
const PAGE: usize = 10_000;

/// Every checkpoint kept for this election, as (size, root): the store's, and the copy
/// beside the database. Each is read from its signed note (its signature checked with
/// the election's key), never from the store's columns alone: whoever can rewrite an
/// entry in the database can rewrite a root column too. Read before the log is loaded,
/// so every one of them was signed of a log the store held then.
pub(crate) fn kept(
    store: &dyn Store,
    signer: &NoteSigner,
) -> Result<Vec<(u64, Hash)>, ServerError> {
    let verifier = NoteVerifier::parse(&signer.verifier_key())?;
    let mut kept = Vec::new();
    let mut from = 0;
    loop {
        let page = store.checkpoints(from, PAGE)?;
        let Some(last) = page.last() else { break };
        from = last.size.saturating_add(1);
        let full = page.len() == PAGE;
        for checkpoint in &page {
            kept.push(signed(checkpoint, &verifier)?);
        }
        if !full || from == u64::MAX {
            break;
        }
    }
    if let Some(note) = store.outside_checkpoint()? {
        kept.push(read_note(
            &note,
            &verifier,
            "the checkpoint kept beside the database",
        )?);
    }
    Ok(kept)
}

/// The (size, root) a kept checkpoint's note signs, which must be its row's.
fn signed(kept: &SignedCheckpoint, verifier: &NoteVerifier) -> Result<(u64, Hash), ServerError> {
    let what = format!("the kept checkpoint of {} entries", kept.size);
    let point = read_note(&kept.note, verifier, &what)?;
    if point != (kept.size, kept.root) {
        return Err(ServerError::Rewritten {
            reason: format!("{what} was altered: its note signs another size or root"),
        });
    }
    Ok(point)
}

/// The (size, root) of a signed checkpoint note, its signature checked; `what` names it
/// in the refusal.
fn read_note(note: &str, verifier: &NoteVerifier, what: &str) -> Result<(u64, Hash), ServerError> {
    let refuse = |why: String| ServerError::Rewritten {
        reason: format!("{what} {why}"),
    };
    let text = verifier
        .verify(note)
        .map_err(|e| refuse(format!("is not signed by this election's key ({e})")))?;
    let checkpoint =
        Checkpoint::parse(text).map_err(|e| refuse(format!("is not a checkpoint ({e})")))?;
    Ok((checkpoint.size, checkpoint.root))
}

/// Refuses a log (its tree) that departs from a checkpoint kept for it.
pub(crate) fn check_at_start(tree: &Tree, kept: Vec<(u64, Hash)>) -> Result<(), ServerError> {
    cifra_log::check_history(tree, kept).map_err(|divergence| ServerError::Rewritten {
        reason: divergence.to_string(),
    })
}

/// The log as this server holds it, for [`sign`]: its tree under the lock it lives in.
pub(crate) trait Held {
    /// The root of the first `size` entries, if the log has them.
    fn root_at(&self, size: u64) -> Option<Hash>;
    /// How the log departs from `kept`, if it does.
    fn departs(&self, kept: Vec<(u64, Hash)>) -> Option<cifra_log::Divergence>;
}

/// Signs the checkpoint of `size` entries of the log `held` after checking that it
/// extends the latest checkpoint kept at or below that size, keeps it, and returns the
/// note to serve: the one kept for that size (by this server or another).
pub(crate) fn sign(
    store: &dyn Store,
    signer: &NoteSigner,
    size: u64,
    held: &dyn Held,
) -> Result<String, ServerError> {
    if let Some(kept) = store.checkpoint_at_most(size)? {
        let verifier = NoteVerifier::parse(&signer.verifier_key())?;
        let (kept_size, kept_root) = signed(&kept, &verifier)?;
        if held.root_at(kept_size) != Some(kept_root) {
            return Err(departed(store, signer, held, kept_size));
        }
        if kept_size == size {
            return Ok(kept.note);
        }
    }
    let root = held.root_at(size).ok_or_else(|| ServerError::Rewritten {
        reason: format!("the log has fewer than {size} entries"),
    })?;
    let body = Checkpoint {
        origin: signer.name().to_string(),
        size,
        root,
    }
    .body();
    let note = signer.sign(&body)?;
    let kept = store.keep_checkpoint(&SignedCheckpoint { size, root, note })?;
    if kept.root != root {
        return Err(departed(store, signer, held, size));
    }
    Ok(kept.note)
}

/// The refusal to sign a log that departs from the kept checkpoint of `size` entries,
/// with the first differing entry bounded by every kept checkpoint.
fn departed(store: &dyn Store, signer: &NoteSigner, held: &dyn Held, size: u64) -> ServerError {
    let found = kept(store, signer).ok().and_then(|kept| held.departs(kept));
    let reason = match found {
        Some(divergence) => divergence.to_string(),
        None => format!("the checkpoint of {size} entries was signed with another root"),
    };
    ServerError::Rewritten {
        reason: format!("{reason}; no second root is signed for a signed size"),
    }
}
