//! The embedded backend: one SQLite file in WAL mode.
//!
//! One writer connection behind a mutex serializes this process's writes; readers have
//! their own connections (a small pool), so that reading the log never waits behind a
//! write transaction: in WAL mode a reader sees the last commit while a write is under
//! way. Every write transaction is `BEGIN IMMEDIATE`, so another process writing the
//! same file (e.g. an operator adding a token while the server runs) waits for the lock
//! (up to [`BUSY_TIMEOUT`]) instead of failing halfway.
//!
//! [`Store::lock_log`] is that same transaction left open for its caller: `BEGIN
//! IMMEDIATE` on the writer connection, whose mutex guard the lock keeps, so appenders
//! of this store wait on the mutex and those of other processes (other stores of the
//! file) wait on SQLite's lock, up to [`BUSY_TIMEOUT`]. The lock's `append` commits it;
//! dropping the lock rolls it back.

mod schema;

use std::ffi::OsString;
use std::fmt;
use std::fs::{self, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior};

use crate::error::SCHEMA_VERSION;
use crate::{
    spec, ElectionSpec, LogLock, Record, Scope, SignedCheckpoint, Store, StoreError, StoreOptions,
    Token,
};

/// How long a statement waits for another connection's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How many idle reader connections are kept for reuse; more are opened when needed.
const IDLE_READERS: usize = 4;

/// The files SQLite may keep next to the database.
const SIDE_FILES: [&str; 3] = ["-wal", "-shm", "-journal"];

/// The file beside the database holding the latest kept checkpoint's signed note.
const CHECKPOINT_FILE: &str = "-checkpoint";

/// An election in one SQLite file (WAL journal, `synchronous=FULL`).
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Attaches the database's path to a driver error.
trait At<T> {
    fn at(self, path: &Path) -> Result<T, StoreError>;
}

impl<T> At<T> for rusqlite::Result<T> {
    fn at(self, path: &Path) -> Result<T, StoreError> {
        self.map_err(|error| classify(path, error))
    }
}

/// The store's error for a driver error: a full disk and a read-only database are told
/// apart (a server says why it cannot record), anything else is [`StoreError::Database`].
fn classify(path: &Path, error: rusqlite::Error) -> StoreError {
    match error.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => StoreError::disk_full(path, error),
        Some(ErrorCode::ReadOnly) => StoreError::read_only(path, error),
        _ => StoreError::database(path, error),
    }
}

impl SqliteStore {
    /// Creates the election's database at `path` and writes `spec` into it, in one
    /// transaction.
    ///
    /// Refuses an invalid spec ([`StoreError::Invalid`]) and a path that exists
    /// ([`StoreError::Exists`], also for a leftover `-wal` or `-journal` file, which
    /// SQLite would replay into the new database). On any failure no file is left
    /// behind. The file is readable by its owner only: it holds the log's signing key.
    pub fn create(path: &Path, spec: &ElectionSpec) -> Result<SqliteStore, StoreError> {
        if let Some(problem) = spec::problem(spec) {
            return Err(StoreError::invalid(
                path,
                format!("invalid election: {problem}"),
            ));
        }
        refuse_leftovers(path)?;
        create_file(path)?;
        let store = initialize(path, spec).and_then(|store| {
            sync_parent(path)?;
            Ok(store)
        });
        if store.is_err() {
            remove_database(path);
        }
        store
    }

    /// Opens the election at `path`.
    ///
    /// Refuses a missing file ([`StoreError::Missing`]; nothing is created), a file
    /// that is not a cifra election ([`StoreError::NotAnElection`]; the file is not
    /// modified), another schema version ([`StoreError::SchemaVersion`]) and a log
    /// with missing entries ([`StoreError::Corrupt`]).
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with(path, &StoreOptions::default())
    }

    /// [`SqliteStore::open`] with options: [`StoreOptions::unsafe_no_fsync`] turns
    /// `synchronous` OFF (benchmarks only: a power loss may lose acknowledged appends).
    pub fn open_with(path: &Path, options: &StoreOptions) -> Result<SqliteStore, StoreError> {
        match fs::metadata(path) {
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Err(StoreError::Missing {
                    path: path.to_path_buf(),
                })
            }
            Err(error) => return Err(StoreError::io(path, error)),
            Ok(metadata) if !metadata.is_file() => {
                return Err(not_an_election(path, "it is not a regular file"))
            }
            Ok(_) => {}
        }
        let writer = connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE).at(path)?;
        // Check before configuring: switching a foreign file to WAL would modify it.
        check_schema(&writer, path)?;
        configure_writer(&writer, path, options)?;
        writer.execute_batch(schema::CHECKPOINTS).at(path)?;
        check_log(&writer, path)?;
        SqliteStore::new(path, writer)
    }

    fn new(path: &Path, writer: Connection) -> Result<SqliteStore, StoreError> {
        // One reader up front, so that a file readers cannot open fails here.
        let reader = connect(path, OpenFlags::SQLITE_OPEN_READ_ONLY).at(path)?;
        Ok(SqliteStore {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            readers: Mutex::new(vec![reader]),
        })
    }

    /// The writer connection, outside any transaction.
    fn writer(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        // A panic while holding the lock cannot have left a transaction open (a
        // Transaction rolls back when dropped, also while unwinding), so the
        // connection is still usable; make sure of it anyway.
        let conn = lock(&self.writer);
        if !conn.is_autocommit() {
            conn.execute_batch("ROLLBACK").at(&self.path)?;
        }
        Ok(conn)
    }

    /// Runs `read` on a reader connection from the pool (or a new one).
    fn read<T>(
        &self,
        read: impl FnOnce(&mut Connection, &Path) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let idle = lock(&self.readers).pop();
        let mut conn = match idle {
            Some(conn) => conn,
            None => connect(&self.path, OpenFlags::SQLITE_OPEN_READ_ONLY).at(&self.path)?,
        };
        let result = read(&mut conn, &self.path);
        let mut idle = lock(&self.readers);
        if idle.len() < IDLE_READERS {
            idle.push(conn);
        }
        result
    }
}

impl Store for SqliteStore {
    fn election(&self) -> Result<ElectionSpec, StoreError> {
        self.read(|conn, path| {
            let tx = conn.transaction().at(path)?;
            schema::read_spec(&tx, path)
        })
    }

    fn add_token(&self, token: &Token) -> Result<(), StoreError> {
        let path = &self.path;
        let mut conn = self.writer()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(path)?;
        if let Scope::Territory { column, value } = &token.scope {
            check_territory(&tx, path, column, value)?;
        }
        let exists: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM tokens WHERE hash = ?1)",
                [token.hash],
                |row| row.get(0),
            )
            .at(path)?;
        if exists {
            return Err(StoreError::TokenExists { path: path.clone() });
        }
        tx.execute(
            "INSERT INTO tokens (hash, scope) VALUES (?1, ?2)",
            params![token.hash, token.scope.to_string()],
        )
        .at(path)?;
        tx.commit().at(path)
    }

    fn revoke_token(&self, hash: &[u8; 32]) -> Result<bool, StoreError> {
        let path = &self.path;
        let conn = self.writer()?;
        let removed = conn
            .execute("DELETE FROM tokens WHERE hash = ?1", [hash])
            .at(path)?;
        Ok(removed > 0)
    }

    fn tokens(&self) -> Result<Vec<Token>, StoreError> {
        self.read(|conn, path| {
            let mut select = conn
                .prepare_cached("SELECT hash, scope FROM tokens ORDER BY rowid")
                .at(path)?;
            let rows = select
                .query_map([], |row| {
                    Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, String>(1)?))
                })
                .at(path)?;
            let mut tokens = Vec::new();
            for row in rows {
                let (hash, scope) = row.at(path)?;
                tokens.push(spec::token_from_row(path, &hash, &scope)?);
            }
            Ok(tokens)
        })
    }

    fn append(&self, records: &[Record]) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        let path = &self.path;
        let mut conn = self.writer()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(path)?;
        // Dropping the transaction on an error rolls back what was inserted.
        insert(&tx, path, records)?;
        tx.commit().at(path)
    }

    fn lock_log(&self, known: u64) -> Result<Box<dyn LogLock + '_>, StoreError> {
        let path = &self.path;
        let conn = self.writer()?;
        conn.execute_batch("BEGIN IMMEDIATE").at(path)?;
        // From here on, dropping the lock (also on an error below) rolls back.
        let mut lock = SqliteLogLock {
            conn,
            path,
            appended: Vec::new(),
        };
        let size = log_size(&lock.conn, path)?;
        if known > size {
            return Err(StoreError::Gap {
                path: path.clone(),
                expected: size,
                got: known,
            });
        }
        lock.appended = read_lines(&lock.conn, path, known, size)?;
        Ok(Box::new(lock))
    }

    fn size(&self) -> Result<u64, StoreError> {
        self.read(|conn, path| log_size(conn, path))
    }

    fn entries(&self, from: u64, to: u64) -> Result<Vec<String>, StoreError> {
        if from >= to {
            return Ok(Vec::new());
        }
        self.read(|conn, path| read_lines(conn, path, from, to))
    }

    fn probe_write(&self) -> Result<(), StoreError> {
        // A committed write of its own row (a counter, so that the page really
        // changes): it goes through the WAL and its fsync as an append does.
        self.writer()?
            .execute(
                "INSERT INTO meta (key, value) VALUES ('write_probe', '1') \
                 ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)",
                [],
            )
            .at(&self.path)
            .map(drop)
    }
    fn keep_checkpoint(
        &self,
        checkpoint: &SignedCheckpoint,
    ) -> Result<SignedCheckpoint, StoreError> {
        let path = &self.path;
        let size = stored_size(path, checkpoint.size)?;
        let mut conn = self.writer()?;
        // Immediate: servers of other processes keep theirs in turn, and the file beside
        // the database is written by one of them at a time.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(path)?;
        let inserted = tx
            .execute(
                "INSERT INTO checkpoints (size, root, note) VALUES (?1, ?2, ?3) ON CONFLICT (size) DO NOTHING",
                params![size, checkpoint.root, checkpoint.note],
            )
            .at(path)?;
        let kept = tx
            .query_row(
                "SELECT size, root, note FROM checkpoints WHERE size = ?1",
                [size],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .at(path)?;
        let kept = signed_checkpoint(path, kept)?;
        let largest: i64 = tx
            .query_row("SELECT MAX(size) FROM checkpoints", [], |row| row.get(0))
            .at(path)?;
        if inserted == 1 && largest == size {
            // Written before the commit: if it fails, nothing is kept and the note is
            // not served; if the commit fails after it, the file holds a checkpoint of
            // this same log, which the next start-up checks like any other.
            write_checkpoint_file(path, &kept.note)?;
        }
        tx.commit().at(path)?;
        Ok(kept)
    }

    fn checkpoints(&self, from: u64, limit: usize) -> Result<Vec<SignedCheckpoint>, StoreError> {
        let from = i64::try_from(from).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(|conn, path| {
            let mut select = conn
                .prepare_cached(
                    "SELECT size, root, note FROM checkpoints WHERE size >= ?1 ORDER BY size LIMIT ?2",
                )
                .at(path)?;
            let rows = select
                .query_map([from, limit], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })
                .at(path)?;
            let mut kept = Vec::new();
            for row in rows {
                kept.push(signed_checkpoint(path, row.at(path)?)?);
            }
            Ok(kept)
        })
    }

    fn checkpoint_at_most(&self, size: u64) -> Result<Option<SignedCheckpoint>, StoreError> {
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        self.read(|conn, path| {
            let row = conn
                .query_row(
                    "SELECT size, root, note FROM checkpoints WHERE size <= ?1 ORDER BY size DESC LIMIT 1",
                    [size],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()
                .at(path)?;
            row.map(|row| signed_checkpoint(path, row)).transpose()
        })
    }

    fn outside_checkpoint(&self) -> Result<Option<String>, StoreError> {
        let file = side_file(&self.path, CHECKPOINT_FILE);
        match fs::read(&file) {
            Ok(bytes) => String::from_utf8(bytes)
                .map(Some)
                .map_err(|_| StoreError::corrupt(&file, "the kept checkpoint is not UTF-8 text")),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(StoreError::io(&file, error)),
        }
    }
}

/// A checkpoint's size as SQLite stores it.
fn stored_size(path: &Path, size: u64) -> Result<i64, StoreError> {
    i64::try_from(size)
        .map_err(|_| StoreError::invalid(path, format!("a log of {size} entries cannot be stored")))
}

/// A kept checkpoint from its row, checked.
fn signed_checkpoint(
    path: &Path,
    (size, root, note): (i64, Vec<u8>, String),
) -> Result<SignedCheckpoint, StoreError> {
    let bad = || {
        StoreError::corrupt(
            path,
            format!("the kept checkpoint of size {size} is damaged"),
        )
    };
    Ok(SignedCheckpoint {
        size: u64::try_from(size).map_err(|_| bad())?,
        root: root.try_into().map_err(|_| bad())?,
        note,
    })
}

/// Replaces the file beside the database with `note`, durably and atomically (a crash
/// leaves the old file or the new one, never half of one).
fn write_checkpoint_file(path: &Path, note: &str) -> Result<(), StoreError> {
    let file = side_file(path, CHECKPOINT_FILE);
    let temporary = side_file(path, "-checkpoint.new");
    let written = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut out = options.open(&temporary)?;
        io::Write::write_all(&mut out, note.as_bytes())?;
        out.sync_all()?;
        fs::rename(&temporary, &file)
    })();
    written.map_err(|error| StoreError::io(&file, error))?;
    sync_parent(path)
}

/// The log held for one appender: the writer connection (its mutex guard) in a
/// `BEGIN IMMEDIATE` transaction, rolled back when dropped unless committed.
struct SqliteLogLock<'a> {
    conn: MutexGuard<'a, Connection>,
    path: &'a Path,
    appended: Vec<String>,
}

impl LogLock for SqliteLogLock<'_> {
    fn appended(&self) -> &[String] {
        &self.appended
    }

    fn append(self: Box<Self>, records: &[Record]) -> Result<(), StoreError> {
        if records.is_empty() {
            // Dropping the lock rolls back: nothing was written.
            return Ok(());
        }
        insert(&self.conn, self.path, records)?;
        // A failed COMMIT may leave the transaction open: dropping the lock ends it.
        self.conn.execute_batch("COMMIT").at(self.path)
    }
}

impl Drop for SqliteLogLock<'_> {
    fn drop(&mut self) {
        if !self.conn.is_autocommit() {
            // If this fails, the next use of the writer rolls back (see `writer`).
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// Inserts `records` at the log's end, in the write transaction open on `conn`; on an
/// error some may have been inserted, and the caller rolls back.
fn insert(conn: &Connection, path: &Path, records: &[Record]) -> Result<(), StoreError> {
    // The size is read under the write lock: no other writer, in this process or
    // another, can append between this check and the commit.
    let size = log_size(conn, path)?;
    let mut insert = conn
        .prepare_cached("INSERT INTO entries (idx, mesa, version, line) VALUES (?1, ?2, ?3, ?4)")
        .at(path)?;
    for (expected, record) in (size..).zip(records) {
        // Checked as records are inserted: a bad index anywhere in the slice returns
        // before the commit.
        if record.index != expected {
            return Err(StoreError::Gap {
                path: path.to_path_buf(),
                expected,
                got: record.index,
            });
        }
        insert
            .execute(params![
                record.index,
                record.mesa,
                record.version,
                record.line
            ])
            .at(path)?;
    }
    Ok(())
}

/// The lines of entries `from..to` (clamped to the log), checking none is missing.
fn read_lines(
    conn: &Connection,
    path: &Path,
    from: u64,
    to: u64,
) -> Result<Vec<String>, StoreError> {
    if from >= to {
        return Ok(Vec::new());
    }
    // Indexes are stored as i64: anything past i64::MAX is past the end.
    let bound = |index: u64| i64::try_from(index).unwrap_or(i64::MAX);
    let mut select = conn
        .prepare_cached("SELECT idx, line FROM entries WHERE idx >= ?1 AND idx < ?2 ORDER BY idx")
        .at(path)?;
    let rows = select
        .query_map([bound(from), bound(to)], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })
        .at(path)?;
    let mut lines = Vec::new();
    for (expected, row) in (from..).zip(rows) {
        let (index, line) = row.at(path)?;
        if u64::try_from(index) != Ok(expected) {
            return Err(StoreError::corrupt(
                path,
                format!("log entry {expected} is missing"),
            ));
        }
        lines.push(line);
    }
    Ok(lines)
}

/// The number of entries, from the last index (the log is gap-free; `open` checks).
fn log_size(conn: &Connection, path: &Path) -> Result<u64, StoreError> {
    // MAX of the rowid is one B-tree descent; COUNT(*) would read the whole table.
    let last: Option<i64> = conn
        .query_row("SELECT MAX(idx) FROM entries", [], |row| row.get(0))
        .at(path)?;
    match last {
        None => Ok(0),
        Some(last) => u64::try_from(last)
            .ok()
            .and_then(|last| last.checked_add(1))
            .ok_or_else(|| StoreError::corrupt(path, format!("a log entry has index {last}"))),
    }
}

/// Refuses a token scope no mesa can match: it could never submit anything, so it is
/// a typo.
fn check_territory(
    conn: &Connection,
    path: &Path,
    column: &str,
    value: &str,
) -> Result<(), StoreError> {
    let position: Option<i64> = conn
        .query_row(
            "SELECT position FROM territory_columns WHERE name = ?1",
            [column],
            |row| row.get(0),
        )
        .optional()
        .at(path)?;
    let Some(position) = position else {
        let columns: Option<String> = conn
            .query_row(
                "SELECT group_concat(name, ', ') FROM (SELECT name FROM territory_columns ORDER BY position)",
                [],
                |row| row.get(0),
            )
            .at(path)?;
        return Err(spec::not_a_territory_column(path, column, value, columns));
    };
    let found: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM mesa_territory WHERE position = ?1 AND value = ?2)",
            params![position, value],
            |row| row.get(0),
        )
        .at(path)?;
    if found {
        Ok(())
    } else {
        Err(spec::no_mesa_has(path, column, value))
    }
}

/// Opens a connection that waits for locks instead of failing at once.
fn connect(path: &Path, flags: OpenFlags) -> rusqlite::Result<Connection> {
    // No SQLITE_OPEN_CREATE: opening never creates a file. No SQLITE_OPEN_URI: a path
    // is a path. NO_MUTEX: each connection is used by one thread at a time.
    let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// WAL (readers do not wait for the writer), synced on every commit (unless the options
/// say otherwise, for benchmarks), foreign keys on.
fn configure_writer(
    conn: &Connection,
    path: &Path,
    options: &StoreOptions,
) -> Result<(), StoreError> {
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .at(path)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::database(
            path,
            format!("cannot use write-ahead logging here (the journal mode stays {mode:?})"),
        ));
    }
    // In WAL mode, FULL syncs the WAL on every commit: a commit survives power loss.
    let synchronous = if options.unsafe_no_fsync {
        "OFF"
    } else {
        "FULL"
    };
    conn.pragma_update(None, "synchronous", synchronous)
        .at(path)?;
    conn.pragma_update(None, "foreign_keys", true).at(path)
}

/// Whether the file is a cifra election this version reads, without writing to it.
fn check_schema(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let has_meta: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta')",
            [],
            |row| row.get(0),
        )
        .map_err(|error| match error.sqlite_error_code() {
            Some(ErrorCode::NotADatabase) => not_an_election(path, "it is not a SQLite database"),
            _ => StoreError::database(path, error),
        })?;
    if !has_meta {
        return Err(not_an_election(
            path,
            "it is a SQLite database without cifra's tables",
        ));
    }
    let version: Option<String> = conn
        .query_row(
            "SELECT CAST(value AS TEXT) FROM meta WHERE key = 'cifra_schema'",
            [],
            |row| row.get(0),
        )
        .optional()
        .map_err(|error| {
            // The statement does not fit this `meta` table (e.g. no such column).
            let misfit = matches!(error, rusqlite::Error::SqlInputError { .. })
                || error.sqlite_error_code() == Some(ErrorCode::Unknown);
            if misfit {
                not_an_election(
                    path,
                    "it is a SQLite database whose meta table is not cifra's",
                )
            } else {
                StoreError::database(path, error)
            }
        })?;
    match version {
        None => Err(not_an_election(
            path,
            "it is a SQLite database whose meta table has no cifra_schema",
        )),
        Some(version) if version == SCHEMA_VERSION => Ok(()),
        Some(found) => Err(StoreError::SchemaVersion {
            path: path.to_path_buf(),
            found,
            expected: SCHEMA_VERSION.to_string(),
        }),
    }
}

/// The log must be entries 0, 1, 2, ... without holes: `size` relies on it.
fn check_log(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let (count, first, last): (i64, Option<i64>, Option<i64>) = conn
        .query_row(
            "SELECT COUNT(*), MIN(idx), MAX(idx) FROM entries",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .at(path)?;
    match (first, last) {
        (None, None) => Ok(()),
        (Some(0), Some(last)) if last == count - 1 => Ok(()),
        (first, last) => Err(StoreError::corrupt(
            path,
            format!(
                "the log has {count} entries but its indexes run from {} to {}: entries are missing",
                first.unwrap_or_default(),
                last.unwrap_or_default()
            ),
        )),
    }
}

fn not_an_election(path: &Path, reason: &str) -> StoreError {
    StoreError::NotAnElection {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// Writes the schema and the spec into the new (empty) file.
fn initialize(path: &Path, spec: &ElectionSpec) -> Result<SqliteStore, StoreError> {
    let mut writer = connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE).at(path)?;
    configure_writer(&writer, path, &StoreOptions::default())?;
    let tx = writer
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .at(path)?;
    tx.execute_batch(schema::TABLES).at(path)?;
    tx.execute_batch(schema::CHECKPOINTS).at(path)?;
    schema::write_spec(&tx, path, spec)?;
    tx.commit().at(path)?;
    SqliteStore::new(path, writer)
}

/// Creates the empty database file, failing if anything is already there (atomically:
/// two `create`s of one path cannot both succeed).
fn create_file(path: &Path) -> Result<(), StoreError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => Err(StoreError::Exists {
            path: path.to_path_buf(),
        }),
        Err(error) => Err(StoreError::io(path, error)),
    }
}

/// A journal left from an earlier database at this path would be replayed into the
/// new one: refuse it like an existing file.
fn refuse_leftovers(path: &Path) -> Result<(), StoreError> {
    // A checkpoint file left from an earlier election would make the new one's server
    // refuse to start: a new election starts clean, and a file that says otherwise is
    // for its operator to look at.
    for suffix in ["-wal", "-journal", CHECKPOINT_FILE] {
        let leftover = side_file(path, suffix);
        if fs::symlink_metadata(&leftover).is_ok() {
            return Err(StoreError::Exists { path: leftover });
        }
    }
    Ok(())
}

/// Makes the new file's directory entry durable (SQLite syncs the file, not its name).
fn sync_parent(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        let parent = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        fs::File::open(parent)
            .and_then(|dir| dir.sync_all())
            .map_err(|error| StoreError::io(parent, error))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Removes a half-created database and SQLite's files beside it. Best effort: this
/// runs after a failure, which is the error reported.
fn remove_database(path: &Path) {
    let _ = fs::remove_file(path);
    for suffix in SIDE_FILES {
        let _ = fs::remove_file(side_file(path, suffix));
    }
}

fn side_file(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
