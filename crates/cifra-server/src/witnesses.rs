//! Gathering witnesses' cosignatures (C2SP tlog-witness) off the intake path.
//!
//! One task watches the log's size and signs a checkpoint of it at most every
//! [`SIGN_EVERY`] (the writer only announces sizes; intake never waits on this); one task
//! per witness asks it to cosign each new checkpoint ([`cifra_witness::gather`]). The
//! checkpoint served at `/log/checkpoint` carries the cosignatures gathered, and
//! `GET /api/v1/witnesses` says where each witness stands.

use crate::State;
use cifra_witness::gather::{Gatherer, Proofs, Target};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The shortest time between two checkpoints signed for the witnesses.
pub const SIGN_EVERY: Duration = Duration::from_millis(500);
/// How long to wait before trying again to sign a checkpoint that could not be.
const RETRY: Duration = Duration::from_secs(5);

impl Proofs for State {
    fn consistency_proof(&self, from: u64, to: u64) -> Result<Vec<cifra_log::Hash>, String> {
        let live = self.live.read().unwrap_or_else(|e| e.into_inner());
        live.tree
            .consistency_proof(from, to)
            .map_err(|e| format!("no consistency proof from {from} to {to}: {e}"))
    }
}

impl State {
    /// Starts gathering cosignatures from `targets` on the current runtime; the served
    /// checkpoint is the latest one with `quorum` cosignatures when there is one. Call
    /// it once, before serving.
    pub fn gather_cosignatures(self: &Arc<Self>, targets: Vec<Target>, quorum: usize) {
        if targets.is_empty() {
            return;
        }
        let gatherer = Arc::new(Gatherer::new(targets, quorum));
        if self.witnesses.set(Arc::clone(&gatherer)).is_err() {
            return; // already gathering
        }
        let (notes, latest) = watch::channel(None);
        gatherer.spawn(latest, Arc::clone(self) as Arc<dyn Proofs>);
        let state = Arc::clone(self);
        tokio::spawn(async move { sign_new_sizes(state, notes).await });
    }

    /// The witnesses' states, if the server gathers cosignatures.
    pub fn witness_statuses(&self) -> Vec<cifra_witness::gather::Status> {
        self.witnesses
            .get()
            .map(|g| g.statuses())
            .unwrap_or_default()
    }

    /// `note` (the latest signed checkpoint) as served: with the cosignatures gathered
    /// (or the latest checkpoint that has a quorum of them).
    pub fn cosigned(&self, note: &str) -> String {
        match self.witnesses.get() {
            Some(gatherer) => gatherer.served(note),
            None => note.to_owned(),
        }
    }
}

/// Signs a checkpoint of each new size (at most every [`SIGN_EVERY`]) and announces it
/// to the witnesses' tasks.
async fn sign_new_sizes(state: Arc<State>, notes: watch::Sender<Option<Arc<str>>>) {
    let mut sizes = state.size.clone();
    let mut signed = None;
    loop {
        let size = *sizes.borrow_and_update();
        if signed != Some(size) {
            let signer = Arc::clone(&state);
            let failed = match tokio::task::spawn_blocking(move || signer.checkpoint()).await {
                Ok(Ok((size, note))) => {
                    signed = Some(size);
                    let _ = notes.send(Some(note));
                    None
                }
                Ok(Err(error)) => Some(error.to_string()),
                Err(error) => Some(error.to_string()),
            };
            if let Some(error) = failed {
                // The store is away, say: try again in a while, acta or not.
                tracing::warn!(%error, "no checkpoint for the witnesses");
                tokio::time::sleep(RETRY).await;
                continue;
            }
        }
        tokio::time::sleep(SIGN_EVERY).await;
        if sizes.changed().await.is_err() {
            return;
        }
    }
}
