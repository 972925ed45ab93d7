//! cifra-store: where an election lives on election night.
//!
//! An election's mesas (polling stations), its submitter tokens (as hashes), the
//! transparency log's signing key and the log's entries live behind one small trait,
//! [`Store`]. The servers know only the trait; SQL stays inside this crate.
//!
//! [`SqliteStore`] is the embedded backend: one SQLite file in WAL mode, every commit
//! synced to disk before [`Store::append`] returns. [`PgStore`] is the shared one: a
//! PostgreSQL database that several servers use at once, with one gap-free log. Either
//! way the log's order is decided inside the backend's transaction ([`Store::append`]
//! refuses a record whose index is not the next one), never by a counter kept in one
//! process. A server that decides what to append from the log's contents holds the log
//! while it decides ([`Store::lock_log`]): it sees every entry before its own and its
//! append cannot lose a race, however many servers share the log. [`open`] and [`create`] pick the backend from an address: `postgres://...`
//! or a file's path.
//!
//! ```
//! use cifra_store::{ElectionSpec, Mesa, Record, SqliteStore, Store};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let spec = ElectionSpec {
//!     name: "cifra.example/demo".into(),
//!     system: "cl-presidential".into(),
//!     options: vec!["a".into(), "b".into(), "blank".into(), "null".into()],
//!     id_columns: vec!["mesa".into()],
//!     territory_columns: vec!["region".into()],
//!     mesas: vec![Mesa { id: "1".into(), territory: vec!["NORTE".into()], electors: Some(300) }],
//!     signing_key: [7; 32],
//! };
//! let store = SqliteStore::create(&dir.path().join("election.db"), &spec).unwrap();
//! let record = Record { index: 0, mesa: "1".into(), version: 1, line: "{}".into() };
//! store.append(&[record]).unwrap();
//! assert_eq!(store.size().unwrap(), 1);
//! assert_eq!(store.entries(0, 10).unwrap(), ["{}"]);
//!
//! // A server that knew entries 0..1 holds the log, catches up, decides, appends.
//! let lock = store.lock_log(1).unwrap();
//! assert!(lock.appended().is_empty());
//! let next = 1 + lock.appended().len() as u64;
//! lock.append(&[Record { index: next, mesa: "1".into(), version: 2, line: "{}".into() }])
//!     .unwrap();
//! assert_eq!(store.size().unwrap(), 2);
//! ```

#![warn(missing_docs)]

mod error;
mod postgres;
mod spec;
mod sqlite;

use std::path::Path;

pub use cifra_night::{ElectionSpec, Mesa, ParseScopeError, Scope};
pub use error::StoreError;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// Opens the election at `address`: a PostgreSQL database if the address starts with
/// `postgres://` or `postgresql://` ([`PgStore::open`]), otherwise a SQLite file's
/// path ([`SqliteStore::open`]).
pub fn open(address: &str) -> Result<Box<dyn Store>, StoreError> {
    open_with(address, &StoreOptions::default())
}

/// [`open`] with options ([`StoreOptions`]).
pub fn open_with(address: &str, options: &StoreOptions) -> Result<Box<dyn Store>, StoreError> {
    if is_postgres_address(address) {
        Ok(Box::new(PgStore::open_with(address, options)?))
    } else {
        Ok(Box::new(SqliteStore::open_with(
            Path::new(address),
            options,
        )?))
    }
}

/// How a store is opened. The default is the safe one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreOptions {
    /// For benchmarks only: accept that a commit is acknowledged before it is on disk,
    /// so that a power loss may lose acknowledged appends. SQLite then runs with
    /// `synchronous=OFF` (no fsync); PostgreSQL appends although the server runs with
    /// `fsync` or `synchronous_commit` off (without it such a store refuses to append:
    /// [`StoreError::NotDurable`]).
    pub unsafe_no_fsync: bool,
}

/// An election's default name for the database at `db`: `cifra/` and the database's
/// name (a file's stem, or a URL's last path segment).
pub fn default_name(db: &str) -> String {
    let last = db.rsplit('/').next().unwrap_or(db);
    let stem = last.split(['?', '#']).next().unwrap_or(last);
    let stem = std::path::Path::new(stem).file_stem().map_or_else(
        || "election".to_string(),
        |s| s.to_string_lossy().to_string(),
    );
    format!("cifra/{}", stem.replace([' ', '+'], "-"))
}

/// A database address fit to print: a URL's password left out.
pub fn without_password(db: &str) -> String {
    let Some((scheme, rest)) = db.split_once("://") else {
        return db.to_string();
    };
    match rest.split_once('@') {
        Some((user, host)) if user.contains(':') => {
            let user = user.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}")
        }
        _ => db.to_string(),
    }
}

/// Creates the election `spec` at `address`: in a PostgreSQL database if the address
/// starts with `postgres://` or `postgresql://` ([`PgStore::create`]), otherwise in a
/// new SQLite file at that path ([`SqliteStore::create`]).
pub fn create(address: &str, spec: &ElectionSpec) -> Result<Box<dyn Store>, StoreError> {
    if is_postgres_address(address) {
        Ok(Box::new(PgStore::create(address, spec)?))
    } else {
        Ok(Box::new(SqliteStore::create(Path::new(address), spec)?))
    }
}

/// Whether `address` names a PostgreSQL database (its scheme, in any case).
pub(crate) fn is_postgres_address(address: &str) -> bool {
    ["postgres://", "postgresql://"].iter().any(|scheme| {
        address
            .get(..scheme.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(scheme))
    })
}

/// A submitter's token as stored: its hash and what it may submit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// SHA-256 of the secret token; the secret itself is never stored.
    pub hash: [u8; 32],
    /// What the token may submit.
    pub scope: Scope,
}

/// One log entry as stored: its canonical JSON line (built elsewhere) and the fields
/// needed to find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The entry's position in the log, from 0.
    pub index: u64,
    /// The id of the mesa the entry is about.
    pub mesa: String,
    /// The mesa's acta version this entry records.
    pub version: u32,
    /// The entry's canonical line, exactly as it is hashed into the log.
    pub line: String,
}

/// A checkpoint the log's server signed, as kept: its size, its root and the signed
/// note that was served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The log's size the checkpoint is of.
    pub size: u64,
    /// The Merkle root of the log's first `size` entries.
    pub root: [u8; 32],
    /// The signed note (C2SP tlog-checkpoint), exactly as served.
    pub note: String,
}

/// The log held for one appender: see [`Store::lock_log`].
pub trait LogLock {
    /// The lines of the entries others appended past the `known` index given to
    /// `lock_log`, in index order (empty when the caller was up to date).
    fn appended(&self) -> &[String];

    /// Appends `records` (the first at `known + appended().len()`, indexes consecutive;
    /// an empty slice is allowed and just releases), commits durably, and releases the
    /// log. On error nothing is written and the log is released.
    ///
    /// The records are checked as [`Store::append`] checks them ([`StoreError::Gap`],
    /// [`StoreError::Conflict`]); with the log held, a caller that counted right never
    /// meets either.
    fn append(self: Box<Self>, records: &[Record]) -> Result<(), StoreError>;
}

/// Where an election lives: its spec, its tokens and its log.
///
/// Every method is safe to call from several threads at once. Backends keep the log
/// gap-free and in index order whatever the number of writers.
pub trait Store: Send + Sync {
    /// The election as `create` recorded it.
    fn election(&self) -> Result<ElectionSpec, StoreError>;

    /// Registers a token. Refuses a hash already registered
    /// ([`StoreError::TokenExists`]) and a territory scope that cannot match any mesa:
    /// a column that is not one of the election's territory columns, or a value no mesa
    /// has ([`StoreError::Invalid`]).
    fn add_token(&self, token: &Token) -> Result<(), StoreError>;

    /// The registered tokens, in the order they were added.
    fn tokens(&self) -> Result<Vec<Token>, StoreError>;

    /// Removes the token whose hash is `hash`; `Ok(false)` if there is none. Servers stop
    /// accepting it when they next re-read the tokens.
    fn revoke_token(&self, hash: &[u8; 32]) -> Result<bool, StoreError>;

    /// Appends records atomically (all or none) and durably: on `Ok` they survive
    /// kill -9 and power loss.
    ///
    /// `records[0].index` must equal the current size and indexes must be consecutive;
    /// otherwise [`StoreError::Gap`] and nothing is written. The check is made inside
    /// the write transaction, so concurrent writers racing for the same index get
    /// exactly one success, whether they share a store, a file or a database. An empty
    /// slice is `Ok`.
    ///
    /// A backend that keeps one entry per mesa and version (PostgreSQL) refuses a
    /// record whose mesa and version the log (or the slice) already holds
    /// ([`StoreError::Conflict`]), and nothing is written. A backend reached over a
    /// network fails with [`StoreError::Unavailable`] while it cannot be reached; if
    /// that happens while committing, the log tells whether the records were written.
    fn append(&self, records: &[Record]) -> Result<(), StoreError>;

    /// Holds the log against every other appender, in this process or any other, until
    /// the returned lock is used ([`LogLock::append`]) or dropped (which writes nothing
    /// and releases it), and reads the entries past `known`: the caller catches up with
    /// them and decides what to append on the log as it is, with no race. `known`
    /// beyond the log's size is [`StoreError::Gap`] `{ expected: size, got: known }`.
    ///
    /// Unlike [`Store::append`], which loses to whoever appended since the caller last
    /// looked, this never has to be retried: appenders take turns. Other appenders
    /// (and `append`) wait while the lock is held, so hold it only to decide: never
    /// across a wait for a client. A backend reached over a network ends a hold that
    /// lasts a minute (its `append` then fails with [`StoreError::Unavailable`] and
    /// writes nothing); on a SQLite file, appenders of other processes wait for it at
    /// most 10 s, then fail. Reads never wait for the lock.
    fn lock_log(&self, known: u64) -> Result<Box<dyn LogLock + '_>, StoreError>;

    /// The number of entries in the log (the next index).
    fn size(&self) -> Result<u64, StoreError>;

    /// The lines of entries `from..to` (`to` exclusive, clamped to the size), in index
    /// order. Empty when `from >= to` or `from >= size`.
    fn entries(&self, from: u64, to: u64) -> Result<Vec<String>, StoreError>;

    /// Whether an append could be recorded now, found by writing (reads may work while
    /// writes fail): `Ok` or the error an append would meet, e.g.
    /// [`StoreError::DiskFull`], [`StoreError::ReadOnly`], [`StoreError::NotDurable`],
    /// [`StoreError::Unavailable`]. The log is never touched.
    ///
    /// SQLite commits a one-row write to its `meta` table (one small WAL frame and one
    /// fsync): a rolled-back write never reaches the disk, so it could not see a full
    /// disk. PostgreSQL updates the election's row in a transaction it rolls back
    /// (read-only and durability settings show; a full disk shows at the next commit).
    fn probe_write(&self) -> Result<(), StoreError>;

    /// Keeps a signed checkpoint, durably, unless one of the same size is kept already
    /// (by this server or another), and returns the one kept for that size: `checkpoint`
    /// itself, or the earlier one, whose root may differ (the caller must then not serve
    /// its own). A size is kept once, forever.
    ///
    /// A backend with a copy outside the database (SQLite: a file beside it, see
    /// [`Store::outside_checkpoint`]) also writes the latest kept there before
    /// returning.
    fn keep_checkpoint(
        &self,
        checkpoint: &SignedCheckpoint,
    ) -> Result<SignedCheckpoint, StoreError>;

    /// The kept checkpoints of sizes `from` and above, smallest first, at most `limit`.
    fn checkpoints(&self, from: u64, limit: usize) -> Result<Vec<SignedCheckpoint>, StoreError>;

    /// The kept checkpoint of the largest size not above `size`, if any.
    fn checkpoint_at_most(&self, size: u64) -> Result<Option<SignedCheckpoint>, StoreError>;

    /// The signed note of the latest checkpoint as copied outside the database, which
    /// survives the database being rewritten or replaced: for SQLite, the file beside it
    /// (the database's path and `-checkpoint`); `None` when there is none yet, and for
    /// backends without such a copy (PostgreSQL, where the database is the one truth
    /// every server shares).
    fn outside_checkpoint(&self) -> Result<Option<String>, StoreError>;
}
