//! cifra-server: election night over HTTP.
//!
//! One program on one store: it takes actas from authorised submitters ([`intake`],
//! [`auth`]), records them durably in groups through one writer ([`writer`]), keeps the
//! totals of the nation and every territory up to date per acta ([`live`]), decides the
//! outcome with the law engine (`cifra-core`, through `cifra-report`'s live results, the
//! same rows `cifra tally` prints), streams updates ([`events`]), and publishes the
//! transparency log with its proofs, checkpoints and tiles (`cifra-log`).
//!
//! The boundaries: no SQL here (it is in `cifra-store`), no hashing of the log's own
//! (it is in `cifra-log`), no law (it is in `cifra-core`). The API is in `docs/api.md`.

#![warn(missing_docs)]

mod api;
pub mod auth;
mod checkpoints;
pub mod error;
pub mod events;
pub mod health;
mod http;
pub mod intake;
pub mod live;
mod witnesses;
pub mod writer;

pub use api::{routes, Routes};
pub use cifra_night::election;
pub use http::{serve, stop_signal, Limits, Listening};
pub use witnesses::SIGN_EVERY;

use cifra_log::NoteSigner;
use cifra_store::{Store, StoreError};
use election::{Election, ElectionError};
use live::Live;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::watch;
use writer::{Submission, Writer};

/// Entries read from the store at a time when a server starts.
const LOAD_CHUNK: u64 = 10_000;

/// Why a server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The stored election cannot be served.
    #[error(transparent)]
    Election(#[from] ElectionError),
    /// The stored log is not a log this server wrote.
    #[error("the stored log is damaged at entry {index}: {reason}")]
    Log {
        /// The entry.
        index: u64,
        /// What is wrong.
        reason: String,
    },
    /// The log the store holds departs from a checkpoint this election's server signed
    /// (an entry was changed or removed): it is neither served nor signed again.
    #[error("the stored log is not the log that was signed: {reason}")]
    Rewritten {
        /// The first differing entry, as the kept checkpoints bound it.
        reason: String,
    },
    /// The signing key is unusable.
    #[error("the log's signing key: {0}")]
    Key(#[from] cifra_log::NoteError),
}

/// Everything the handlers share.
pub struct State {
    /// The election.
    pub election: Arc<Election>,
    /// The night so far.
    pub live: Arc<RwLock<Live>>,
    /// The store.
    pub store: Arc<dyn Store>,
    /// Known tokens.
    pub tokens: auth::Tokens,
    /// Failed authentications.
    pub failures: auth::Failures,
    /// Each token's intake turns.
    pub turns: auth::Turns,
    /// The log's signer.
    pub signer: NoteSigner,
    /// The writer's queue.
    pub queue: std::sync::mpsc::Sender<Submission>,
    /// The log's size, as announced by the writer after each group.
    pub size: watch::Receiver<u64>,
    /// Whether the writer's last contact with the store failed.
    store_down: Arc<AtomicBool>,
    /// Whether the writer's last write reached the store.
    writes: Arc<health::Writability>,
    /// The signed checkpoint of the latest size asked for.
    checkpoint: Mutex<Option<(u64, Arc<str>)>>,
    /// The results and breakdown JSON of the latest size asked for (shared by every
    /// event stream).
    snapshot: Mutex<Option<Arc<events::Snapshot>>>,
    /// The witnesses' cosignatures, when the server gathers them.
    witnesses: std::sync::OnceLock<Arc<cifra_witness::gather::Gatherer>>,
    /// The projection's JSON at the latest size asked for, per level: computed once per
    /// size (milliseconds for a national count), so a reader costs a copy.
    projections: Mutex<Vec<CachedProjection>>,
}

/// A projection's JSON: the bits of its level, the log size it is of, the body.
type CachedProjection = (u64, u64, Arc<[u8]>);

impl State {
    /// Opens the election in `store`: indexes it, replays its log into the live totals
    /// (checking that every entry follows the one before), checks the log against every
    /// checkpoint signed of it ([`ServerError::Rewritten`] if it departs from one), and
    /// starts the writer.
    pub fn open(store: Arc<dyn Store>) -> Result<Arc<State>, ServerError> {
        let spec = store.election()?;
        let signer = NoteSigner::new(&spec.name, spec.signing_key)?;
        let election = Arc::new(Election::new(spec)?);
        let mut live = Live::new(&election);
        // Read before the log: each was signed of a log the store held by then.
        let kept = checkpoints::kept(&*store, &signer)?;
        load(&*store, &election, &mut live)?;
        checkpoints::check_at_start(&live.tree, kept)?;
        let size = live.size();
        let live = Arc::new(RwLock::new(live));
        let (size_tx, size_rx) = watch::channel(size);
        // Unbounded: what waits is bounded by the connections and the body limit.
        let (queue, receiver) = std::sync::mpsc::channel();
        let store_down = Arc::new(AtomicBool::new(false));
        let writes = Arc::new(health::Writability::default());
        // Known before the first request: a server whose store cannot record says so
        // from the start.
        if let Err(e) = store.probe_write() {
            let _ = writes.note(Err(&e));
            tracing::warn!(
                message = %health::WriteProblem::of(&e).message,
                "the store cannot record actas: refusing them (503), health 503"
            );
        }
        let writer = Writer {
            store_down: Arc::clone(&store_down),
            writes: Arc::clone(&writes),
            election: Arc::clone(&election),
            live: Arc::clone(&live),
            store: Arc::clone(&store),
            size: size_tx,
        };
        std::thread::Builder::new()
            .name("cifra-writer".into())
            .spawn(move || writer.run(receiver))
            .map_err(|e| ServerError::Log {
                index: size,
                reason: format!("cannot start the writer thread: {e}"),
            })?;
        Ok(Arc::new(State {
            tokens: auth::Tokens::load(&*store)?,
            failures: auth::Failures::default(),
            turns: auth::Turns::default(),
            election,
            live,
            store,
            signer,
            queue,
            size: size_rx,
            store_down,
            writes,
            checkpoint: Mutex::new(None),
            snapshot: Mutex::new(None),
            witnesses: std::sync::OnceLock::new(),
            projections: Mutex::new(Vec::new()),
        }))
    }

    /// The projection's JSON at `level` for the log's `size`, if computed already.
    pub(crate) fn cached_projection(&self, level: f64, size: u64) -> Option<Arc<[u8]>> {
        let cache = self.projections.lock().unwrap_or_else(|e| e.into_inner());
        (cache.iter())
            .find(|(l, s, _)| *l == level.to_bits() && *s == size)
            .map(|(_, _, body)| Arc::clone(body))
    }

    /// Keeps the projection's JSON at `level` for `size`, replacing an older one.
    pub(crate) fn keep_projection(&self, level: f64, size: u64, body: Arc<[u8]>) {
        let mut cache = self.projections.lock().unwrap_or_else(|e| e.into_inner());
        cache.retain(|(l, s, _)| *l != level.to_bits() || *s > size);
        if !cache.iter().any(|(l, _, _)| *l == level.to_bits()) {
            cache.push((level.to_bits(), size, body));
        }
    }

    /// Whether what is served may be behind the store (it cannot be reached now).
    pub fn stale(&self) -> bool {
        self.store_down.load(Ordering::Relaxed)
    }

    /// Why actas cannot be recorded now (the last write or probe failed), if so.
    pub fn write_problem(&self) -> Option<health::WriteProblem> {
        self.writes.problem()
    }

    /// The signed checkpoint of the log as it is now, and its size: signed once per
    /// size, kept in the store before it is returned, and refused
    /// ([`ServerError::Rewritten`]) if the log departs from a checkpoint kept for it.
    /// Asks the store when the size is new: call it off the async workers.
    pub fn checkpoint(&self) -> Result<(u64, Arc<str>), ServerError> {
        let size = self.live.read().unwrap_or_else(|e| e.into_inner()).size();
        let mut cached = self.checkpoint.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((s, note)) = cached.as_ref() {
            if *s == size {
                return Ok((size, Arc::clone(note)));
            }
        }
        let note: Arc<str> = checkpoints::sign(&*self.store, &self.signer, size, self)?.into();
        *cached = Some((size, Arc::clone(&note)));
        Ok((size, note))
    }
}

impl checkpoints::Held for State {
    fn root_at(&self, size: u64) -> Option<cifra_log::Hash> {
        let live = self.live.read().unwrap_or_else(|e| e.into_inner());
        live.tree.root_at(size).ok()
    }

    fn departs(&self, kept: Vec<(u64, cifra_log::Hash)>) -> Option<cifra_log::Divergence> {
        let live = self.live.read().unwrap_or_else(|e| e.into_inner());
        cifra_log::check_history(&live.tree, kept).err()
    }
}

/// Replays the stored log into `live`, each entry checked ([`Live::take`]).
fn load(store: &dyn Store, election: &Election, live: &mut Live) -> Result<(), ServerError> {
    let size = store.size()?;
    let mut from = 0;
    while from < size {
        let to = (from + LOAD_CHUNK).min(size);
        live.take_all(election, from, store.entries(from, to)?)?;
        from = to;
    }
    Ok(())
}
