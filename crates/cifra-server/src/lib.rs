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
pub mod election;
pub mod events;
mod http;
pub mod intake;
pub mod live;
pub mod writer;

pub use api::router;
pub use http::{serve, Limits};

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
    /// The signed checkpoint of the latest size asked for.
    checkpoint: Mutex<Option<(u64, Arc<str>)>>,
    /// The results and breakdown JSON of the latest size asked for (shared by every
    /// event stream).
    snapshot: Mutex<Option<Arc<events::Snapshot>>>,
}

impl State {
    /// Opens the election in `store`: indexes it, replays its log into the live totals
    /// (checking that every entry follows the one before), and starts the writer.
    pub fn open(store: Arc<dyn Store>) -> Result<Arc<State>, ServerError> {
        let spec = store.election()?;
        let signer = NoteSigner::new(&spec.name, spec.signing_key)?;
        let election = Arc::new(Election::new(spec)?);
        let mut live = Live::new(&election);
        load(&*store, &election, &mut live)?;
        let size = live.size();
        let live = Arc::new(RwLock::new(live));
        let (size_tx, size_rx) = watch::channel(size);
        // Unbounded: what waits is bounded by the connections and the body limit.
        let (queue, receiver) = std::sync::mpsc::channel();
        let store_down = Arc::new(AtomicBool::new(false));
        let writer = Writer {
            store_down: Arc::clone(&store_down),
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
            checkpoint: Mutex::new(None),
            snapshot: Mutex::new(None),
        }))
    }

    /// Whether what is served may be behind the store (it cannot be reached now).
    pub fn stale(&self) -> bool {
        self.store_down.load(Ordering::Relaxed)
    }

    /// The signed checkpoint of the log as it is now, and its size.
    pub fn checkpoint(&self) -> (u64, Arc<str>) {
        let (size, root) = {
            let live = self.live.read().unwrap_or_else(|e| e.into_inner());
            (live.size(), live.tree.root())
        };
        let mut cached = self.checkpoint.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((s, note)) = cached.as_ref() {
            if *s == size {
                return (size, Arc::clone(note));
            }
        }
        let body = cifra_log::Checkpoint {
            origin: self.signer.name().to_string(),
            size,
            root,
        }
        .body();
        // The body always ends with a newline, which is all signing asks of a text.
        let note: Arc<str> = match self.signer.sign(&body) {
            Ok(note) => note.into(),
            Err(e) => format!("cannot sign: {e}\n").into(),
        };
        *cached = Some((size, Arc::clone(&note)));
        (size, note)
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
