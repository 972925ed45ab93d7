//! The shared backend: one PostgreSQL database that several servers use at once, with
//! one gap-free log.
//!
//! Every connection belongs to a thread of the store's own (see [`pool`]), so the
//! store's synchronous methods can be called from any thread, including a tokio
//! runtime's workers. Connections that the database closed are replaced on the next
//! call: while the database is away calls fail with [`StoreError::Unavailable`], and
//! once it is back they succeed, without reopening the store.
//!
//! The log's order is decided inside each append's transaction, under a lock every
//! appender takes (an advisory lock, held until commit): the log's size is read after
//! the lock is taken, so two servers appending at the same index get one success and
//! one [`StoreError::Gap`]. [`Store::lock_log`] takes the same lock in a transaction
//! that stays open for its caller: one job on one connection takes the lock, reads the
//! entries past what the caller knew and sends them back, then waits for the caller's
//! records (or for the lock to be dropped), inserts them as `append` does and commits.
//! The caller blocks on std channels only; a hold longer than [`pool::HOLD_LIMIT`] is
//! ended (by the job, and by the database's `idle_in_transaction_session_timeout`).
//! Commits wait for the write-ahead log to be flushed (the
//! default `synchronous_commit = on`), so an acknowledged append survives a crash of
//! the database's machine. Each connection reads `fsync` and `synchronous_commit` when
//! it is made, and appends are refused on one where either is `off`
//! ([`StoreError::NotDurable`]) unless the store was opened with
//! [`StoreOptions::unsafe_no_fsync`].
//!
//! Connections are not encrypted (no TLS): use a local or private network, or a Unix
//! socket (`postgres://user@%2Fvar%2Frun%2Fpostgresql/db`).

mod pool;
mod schema;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::mpsc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::{timeout, timeout_at, Instant};

use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::error::SqlState;
use tokio_postgres::Config;

use crate::{
    spec, ElectionSpec, LogLock, Record, Scope, SignedCheckpoint, Store, StoreError, StoreOptions,
    Token,
};

use pool::{column, describe, Conn, Pool, Worker, CONNECT_TIMEOUT, HOLD_LIMIT};

/// How long a call may take before it fails as [`StoreError::Unavailable`] (the
/// database, or the network to it, has stopped answering).
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// How long `create` may take (it writes every mesa).
const CREATE_TIMEOUT: Duration = Duration::from_secs(120);

/// The advisory lock every append holds from its size check to its commit
/// ("cifra_lg"). Advisory locks belong to one database: elections in other databases
/// do not share it.
const APPEND_LOCK: i64 = 0x6369_6672_615f_6c67;

/// An election in a PostgreSQL database, shared by any number of servers.
pub struct PgStore {
    name: PathBuf,
    worker: Worker,
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore")
            .field("address", &self.name)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Creates the election's schema (the PostgreSQL schema `cifra`) and records `spec`
    /// in the database at `url` (`postgres://user[:password]@host[:port]/db`), in one
    /// transaction.
    ///
    /// Refuses an invalid spec ([`StoreError::Invalid`]), a database that already
    /// holds a cifra election ([`StoreError::Exists`]), a database that does not exist
    /// ([`StoreError::Missing`]: cifra creates tables, not databases) and a database it
    /// cannot reach within a few seconds ([`StoreError::Unavailable`]). On any failure
    /// nothing is left in the database. Errors name the database by its address
    /// without the password.
    ///
    /// The signing key is stored in the database: whoever can read the `cifra` schema
    /// can sign as the log (PostgreSQL gives other roles no access to a new schema).
    pub fn create(url: &str, spec: &ElectionSpec) -> Result<PgStore, StoreError> {
        let (name, config) = parse(url)?;
        if let Some(problem) = spec::problem(spec) {
            return Err(StoreError::invalid(
                &name,
                format!("invalid election: {problem}"),
            ));
        }
        let store = PgStore::start(name, config, false)?;
        let spec = spec.clone();
        store.worker.call(CREATE_TIMEOUT, move |pool| async move {
            pool.write(async |conn: &mut Conn| schema::create(conn, &spec).await)
                .await
        })?;
        Ok(store)
    }

    /// Opens the election in the database at `url`, first applying the migrations an
    /// election of an earlier schema version lacks.
    ///
    /// Refuses a database without a cifra election ([`StoreError::NotAnElection`]; the
    /// database is not modified), one of another schema version
    /// ([`StoreError::SchemaVersion`]), a log with missing entries
    /// ([`StoreError::Corrupt`]), a database that does not exist
    /// ([`StoreError::Missing`]) and one it cannot reach within a few seconds
    /// ([`StoreError::Unavailable`]).
    pub fn open(url: &str) -> Result<PgStore, StoreError> {
        PgStore::open_with(url, &StoreOptions::default())
    }

    /// [`PgStore::open`] with options. Without [`StoreOptions::unsafe_no_fsync`], the
    /// store reads `fsync` and `synchronous_commit` on each new connection and refuses
    /// to append on one where either is `off` ([`StoreError::NotDurable`]).
    pub fn open_with(url: &str, options: &StoreOptions) -> Result<PgStore, StoreError> {
        let (name, config) = parse(url)?;
        let store = PgStore::start(name, config, options.unsafe_no_fsync)?;
        store.worker.call(CALL_TIMEOUT, |pool| async move {
            pool.write(async |conn: &mut Conn| schema::upgrade(conn).await)
                .await?;
            pool.read(async |conn: &mut Conn| schema::check(conn).await)
                .await
        })?;
        Ok(store)
    }

    fn start(name: PathBuf, config: Config, unsafe_no_fsync: bool) -> Result<PgStore, StoreError> {
        let worker = Worker::start(name.clone(), config, unsafe_no_fsync)?;
        Ok(PgStore { name, worker })
    }

    /// Runs a read on the connections' thread.
    fn read<T: Send + 'static>(
        &self,
        op: impl AsyncFn(&mut Conn) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.worker
            .call(CALL_TIMEOUT, |pool| async move { pool.read(op).await })
    }
}

impl Store for PgStore {
    fn election(&self) -> Result<ElectionSpec, StoreError> {
        self.read(async |conn: &mut Conn| schema::read_spec(conn).await)
    }

    fn add_token(&self, token: &Token) -> Result<(), StoreError> {
        let token = token.clone();
        self.worker.call(CALL_TIMEOUT, move |pool| async move {
            pool.write(async |conn: &mut Conn| add_token(conn, &token).await)
                .await
        })
    }

    fn revoke_token(&self, hash: &[u8; 32]) -> Result<bool, StoreError> {
        let hash = *hash;
        self.worker.call(CALL_TIMEOUT, move |pool| async move {
            pool.write(async |conn: &mut Conn| {
                let removed = conn
                    .execute("DELETE FROM cifra.tokens WHERE hash = $1", &[&&hash[..]])
                    .await?;
                Ok(removed > 0)
            })
            .await
        })
    }

    fn tokens(&self) -> Result<Vec<Token>, StoreError> {
        self.read(async |conn: &mut Conn| {
            let rows = conn
                .rows("SELECT hash, scope FROM cifra.tokens ORDER BY added", &[])
                .await?;
            let name = conn.name();
            let mut tokens = Vec::with_capacity(rows.len());
            for row in rows {
                let hash: Vec<u8> = column(&row, 0, name)?;
                let scope: String = column(&row, 1, name)?;
                tokens.push(spec::token_from_row(name, &hash, &scope)?);
            }
            Ok(tokens)
        })
    }

    fn append(&self, records: &[Record]) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        let batch = Batch::new(records);
        self.worker.call(CALL_TIMEOUT, move |pool| async move {
            append(&pool, &batch).await
        })
    }

    fn lock_log(&self, known: u64) -> Result<Box<dyn LogLock + '_>, StoreError> {
        let (ready, held) = mpsc::sync_channel(1);
        let (records, batch) = oneshot::channel();
        let (reply, done) = mpsc::sync_channel(1);
        self.worker
            .spawn(move |pool| hold_log(pool, known, ready, batch, reply))?;
        let appended = held.recv().map_err(|_| self.worker.stopped())??;
        Ok(Box::new(PgLogLock {
            worker: &self.worker,
            appended,
            records: Some(records),
            done,
        }))
    }

    fn size(&self) -> Result<u64, StoreError> {
        self.read(async |conn: &mut Conn| log_size(conn).await)
    }

    fn entries(&self, from: u64, to: u64) -> Result<Vec<String>, StoreError> {
        if from >= to {
            return Ok(Vec::new());
        }
        self.read(async move |conn: &mut Conn| read_lines(conn, from, to).await)
    }

    fn keep_checkpoint(
        &self,
        checkpoint: &SignedCheckpoint,
    ) -> Result<SignedCheckpoint, StoreError> {
        let checkpoint = checkpoint.clone();
        self.worker.call(CALL_TIMEOUT, move |pool| async move {
            pool.write(async |conn: &mut Conn| keep_checkpoint(conn, &checkpoint).await)
                .await
        })
    }

    fn checkpoints(&self, from: u64, limit: usize) -> Result<Vec<SignedCheckpoint>, StoreError> {
        let from = i64::try_from(from).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(async move |conn: &mut Conn| {
            let rows = conn
                .rows(
                    "SELECT size, root, note FROM cifra.checkpoints WHERE size >= $1 ORDER BY size LIMIT $2",
                    &[&from, &limit],
                )
                .await?;
            rows.iter()
                .map(|row| signed_checkpoint(conn.name(), row))
                .collect()
        })
    }

    fn checkpoint_at_most(&self, size: u64) -> Result<Option<SignedCheckpoint>, StoreError> {
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        self.read(async move |conn: &mut Conn| {
            let rows = conn
                .rows(
                    "SELECT size, root, note FROM cifra.checkpoints WHERE size <= $1 ORDER BY size DESC LIMIT 1",
                    &[&size],
                )
                .await?;
            rows.first()
                .map(|row| signed_checkpoint(conn.name(), row))
                .transpose()
        })
    }

    fn outside_checkpoint(&self) -> Result<Option<String>, StoreError> {
        Ok(None)
    }
    fn probe_write(&self) -> Result<(), StoreError> {
        self.worker
            .call(CALL_TIMEOUT, |pool| async move { probe_write(&pool).await })
    }
}

/// A write that is rolled back: it fails as an append would on a read-only database
/// or session, or on one whose commits are not durable, and costs no flush.
async fn probe_write(pool: &Pool) -> Result<(), StoreError> {
    let mut conn = pool.begin().await?;
    let result = async {
        conn.check_durable()?;
        conn.execute(
            "UPDATE cifra.election SET name = name WHERE singleton = 1",
            &[],
        )
        .await
        .map(drop)
    }
    .await;
    // `finish` rolls the transaction back.
    pool.finish(conn, &result).await;
    result
}

/// Keeps `checkpoint` unless its size is kept, and returns the one kept for its size,
/// in the transaction open on `conn`.
async fn keep_checkpoint(
    conn: &mut Conn,
    checkpoint: &SignedCheckpoint,
) -> Result<SignedCheckpoint, StoreError> {
    let size = i64::try_from(checkpoint.size).map_err(|_| {
        StoreError::invalid(
            conn.name(),
            format!("a log of {} entries cannot be stored", checkpoint.size),
        )
    })?;
    // Two servers keeping one size at once: the second waits for the first's commit,
    // then does nothing, and the select below (a statement of its own) sees the first's.
    conn.execute(
        "INSERT INTO cifra.checkpoints (size, root, note) VALUES ($1, $2, $3) ON CONFLICT (size) DO NOTHING",
        &[&size, &&checkpoint.root[..], &checkpoint.note],
    )
    .await?;
    let row = conn
        .row(
            "SELECT size, root, note FROM cifra.checkpoints WHERE size = $1",
            &[&size],
        )
        .await?;
    signed_checkpoint(conn.name(), &row)
}

/// A kept checkpoint from its row, checked.
fn signed_checkpoint(
    name: &Path,
    row: &tokio_postgres::Row,
) -> Result<SignedCheckpoint, StoreError> {
    let size: i64 = column(row, 0, name)?;
    let root: Vec<u8> = column(row, 1, name)?;
    let bad = || {
        StoreError::corrupt(
            name,
            format!("the kept checkpoint of size {size} is damaged"),
        )
    };
    Ok(SignedCheckpoint {
        size: u64::try_from(size).map_err(|_| bad())?,
        root: root.try_into().map_err(|_| bad())?,
        note: column(row, 2, name)?,
    })
}

/// The lines of entries `from..to` (clamped to the log), checking none is missing.
async fn read_lines(conn: &mut Conn, from: u64, to: u64) -> Result<Vec<String>, StoreError> {
    // Indexes are stored as i64: anything past i64::MAX is past the end.
    let bound = |index: u64| i64::try_from(index).unwrap_or(i64::MAX);
    let (low, high) = (bound(from), bound(to));
    let rows = conn
        .rows(
            "SELECT idx, line FROM cifra.entries WHERE idx >= $1 AND idx < $2 ORDER BY idx",
            &[&low, &high],
        )
        .await?;
    let name = conn.name();
    let mut lines = Vec::with_capacity(rows.len());
    for (expected, row) in (from..).zip(rows) {
        let index: i64 = column(&row, 0, name)?;
        if u64::try_from(index) != Ok(expected) {
            return Err(StoreError::corrupt(
                name,
                format!("log entry {expected} is missing"),
            ));
        }
        lines.push(column(&row, 1, name)?);
    }
    Ok(lines)
}

/// The log held for a caller of `lock_log`: the job holding it ([`hold_log`]) waits
/// for the records on `records`, and answers on `done` once it committed or rolled
/// back.
struct PgLogLock<'a> {
    worker: &'a Worker,
    appended: Vec<String>,
    /// Dropped unused to release the log.
    records: Option<oneshot::Sender<Batch>>,
    done: mpsc::Receiver<Result<(), StoreError>>,
}

impl LogLock for PgLogLock<'_> {
    fn appended(&self) -> &[String] {
        &self.appended
    }

    fn append(mut self: Box<Self>, records: &[Record]) -> Result<(), StoreError> {
        if records.is_empty() {
            // Dropping the lock releases the log.
            return Ok(());
        }
        let Some(sender) = self.records.take() else {
            return Err(self.worker.stopped());
        };
        // If the job has given up waiting (the hold lasted too long), the records are
        // refused here and `done` says why.
        let _ = sender.send(Batch::new(records));
        self.done.recv().map_err(|_| self.worker.stopped())?
    }
}

impl Drop for PgLogLock<'_> {
    fn drop(&mut self) {
        // Unused: the job rolls back when the sender is gone. Waiting for it makes the
        // log free for the next appender when this returns (within the job's bound).
        if let Some(sender) = self.records.take() {
            drop(sender);
            let _ = self.done.recv();
        }
    }
}

/// The job behind `lock_log`, on one connection: takes the log's lock and sends the
/// entries past `known` on `ready`, waits for the records (at most [`HOLD_LIMIT`]),
/// inserts them and commits, and answers on `done`. If the records never come it
/// rolls back. Each step is bounded as a call is ([`CALL_TIMEOUT`]).
async fn hold_log(
    pool: Rc<Pool>,
    known: u64,
    ready: mpsc::SyncSender<Result<Vec<String>, StoreError>>,
    records: oneshot::Receiver<Batch>,
    done: mpsc::SyncSender<Result<(), StoreError>>,
) {
    let timed_out = |pool: &Pool| {
        StoreError::unavailable(
            pool.name(),
            format!("no answer within {} s", CALL_TIMEOUT.as_secs()),
        )
    };
    let deadline = Instant::now() + CALL_TIMEOUT;
    let Ok(_turn) = timeout_at(deadline, pool.turn()).await else {
        let _ = ready.send(Err(timed_out(&pool)));
        return;
    };
    let mut conn = match timeout_at(deadline, pool.begin()).await {
        Ok(Ok(conn)) => conn,
        Ok(Err(error)) => {
            let _ = ready.send(Err(error));
            return;
        }
        // The connection is dropped, which closes it.
        Err(_) => {
            let _ = ready.send(Err(timed_out(&pool)));
            return;
        }
    };
    let held = timeout_at(deadline, lock_and_read(&mut conn, known))
        .await
        .unwrap_or_else(|_| Err(timed_out(&pool)));
    let lines = match held {
        Ok(lines) => lines,
        Err(error) => {
            let failed: Result<(), StoreError> = Err(error);
            finish(&pool, conn, &failed).await;
            let _ = ready.send(failed.map(|()| Vec::new()));
            return;
        }
    };
    // The caller waits for this, then holds the lock until it sends the records or
    // drops the sender.
    let _ = ready.send(Ok(lines));
    let result = match timeout(HOLD_LIMIT, records).await {
        Ok(Ok(batch)) => timeout(CALL_TIMEOUT, async {
            insert(&mut conn, &batch).await?;
            conn.commit().await
        })
        .await
        .unwrap_or_else(|_| Err(timed_out(&pool))),
        // Released unused: `finish` rolls back.
        Ok(Err(_)) => Ok(()),
        Err(_) => {
            let result = Ok(());
            finish(&pool, conn, &result).await;
            let _ = done.send(Err(StoreError::unavailable(
                pool.name(),
                format!(
                    "the log was held for {} s without an append: it was released, and nothing was written",
                    HOLD_LIMIT.as_secs()
                ),
            )));
            return;
        }
    };
    finish(&pool, conn, &result).await;
    let _ = done.send(result);
}

/// Gives the connection back after a job (rolling back a transaction left open),
/// within [`CALL_TIMEOUT`]: if the database does not answer the connection is closed.
async fn finish(pool: &Pool, conn: Conn, result: &Result<(), StoreError>) {
    let _ = timeout(CALL_TIMEOUT, pool.finish(conn, result)).await;
}

/// Takes the log's lock in the transaction open on `conn`, and reads the lines past
/// `known`.
async fn lock_and_read(conn: &mut Conn, known: u64) -> Result<Vec<String>, StoreError> {
    conn.check_durable()?;
    conn.execute("SELECT pg_advisory_xact_lock($1)", &[&APPEND_LOCK])
        .await?;
    // A statement of its own: it sees every append committed before the lock was ours.
    let size = log_size(conn).await?;
    if known > size {
        return Err(gap(conn.name(), size, known));
    }
    read_lines(conn, known, size).await
}

/// An append's records, as columns, with what can be checked before the database is
/// asked.
struct Batch {
    /// The first record's index.
    first: u64,
    /// The first record (by position in the batch) whose index does not follow the
    /// one before it, and its index.
    broken: Option<(usize, u64)>,
    /// The mesa and version of the first record that repeats an earlier one's.
    repeated: Option<(String, u32)>,
    mesas: Vec<String>,
    versions: Vec<i64>,
    lines: Vec<String>,
}

impl Batch {
    fn new(records: &[Record]) -> Batch {
        let first = records.first().map_or(0, |record| record.index);
        let broken = (0u64..)
            .zip(records)
            .position(|(offset, record)| first.checked_add(offset) != Some(record.index))
            .map(|position| (position, records[position].index));
        let mut seen = HashSet::with_capacity(records.len());
        let repeated = records
            .iter()
            .find(|record| !seen.insert((record.mesa.as_str(), record.version)))
            .map(|record| (record.mesa.clone(), record.version));
        Batch {
            first,
            broken,
            repeated,
            mesas: records.iter().map(|record| record.mesa.clone()).collect(),
            versions: records
                .iter()
                .map(|record| i64::from(record.version))
                .collect(),
            lines: records.iter().map(|record| record.line.clone()).collect(),
        }
    }
}

/// Appends the batch at the log's end, or refuses it with nothing written.
async fn append(pool: &Pool, batch: &Batch) -> Result<(), StoreError> {
    pool.write(async |conn: &mut Conn| {
        conn.check_durable()?;
        // Appenders of every server take turns from here to their commit.
        conn.execute("SELECT pg_advisory_xact_lock($1)", &[&APPEND_LOCK])
            .await?;
        insert(conn, batch).await
    })
    .await
}

/// Inserts the batch at the log's end, in the transaction open on `conn` which holds
/// the log's lock; on an error the caller rolls back (the transaction may be over).
async fn insert(conn: &mut Conn, batch: &Batch) -> Result<(), StoreError> {
    // A statement of its own, not part of the lock's: under READ COMMITTED each
    // statement sees what was committed before it started, so this one sees the
    // append of whoever held the lock before.
    let size = log_size(conn).await?;
    let name = conn.name();
    if batch.first != size {
        return Err(gap(name, size, batch.first));
    }
    if let Some((position, got)) = batch.broken {
        return Err(gap(name, size.saturating_add(position as u64), got));
    }
    if let Some((mesa, version)) = &batch.repeated {
        return Err(conflict(name, mesa, *version));
    }
    let count = batch.lines.len();
    let indexes: Vec<i64> = i64::try_from(size)
        .ok()
        .filter(|start| start.checked_add(count as i64).is_some())
        .map(|start| (start..).take(count).collect())
        .ok_or_else(|| {
            StoreError::database(name, format!("the log cannot grow past {size} entries"))
        })?;
    let inserted = conn
        .try_execute(
            "INSERT INTO cifra.entries (idx, mesa, version, line) \
             SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::BIGINT[], $4::TEXT[])",
            &[&indexes, &batch.mesas, &batch.versions, &batch.lines],
        )
        .await;
    match inserted {
        Ok(_) => Ok(()),
        Err(error) if repeats_an_entry(&error) => {
            // The transaction is aborted: end it, then find the record (entries are
            // never removed, so what was found stays there).
            conn.rollback().await?;
            Err(find_conflict(conn, batch)
                .await?
                .unwrap_or_else(|| StoreError::database(conn.name(), describe(&error))))
        }
        Err(error) => Err(conn.fail(&error)),
    }
}

/// Whether an insert was refused because the log holds an entry of the same mesa and
/// version.
fn repeats_an_entry(error: &tokio_postgres::Error) -> bool {
    error.as_db_error().is_some_and(|db| {
        *db.code() == SqlState::UNIQUE_VIOLATION && db.constraint() == Some("entries_mesa_version")
    })
}

/// The conflict of the batch's first record whose mesa and version the log holds.
async fn find_conflict(conn: &mut Conn, batch: &Batch) -> Result<Option<StoreError>, StoreError> {
    let rows = conn
        .rows(
            "SELECT r.mesa, r.version \
             FROM UNNEST($1::TEXT[], $2::BIGINT[]) WITH ORDINALITY AS r (mesa, version, position) \
             WHERE EXISTS (SELECT 1 FROM cifra.entries e WHERE e.mesa = r.mesa AND e.version = r.version) \
             ORDER BY r.position LIMIT 1",
            &[&batch.mesas, &batch.versions],
        )
        .await?;
    let name = conn.name();
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let mesa: String = column(row, 0, name)?;
    let version: i64 = column(row, 1, name)?;
    Ok(u32::try_from(version)
        .ok()
        .map(|version| conflict(name, &mesa, version)))
}

fn gap(name: &Path, expected: u64, got: u64) -> StoreError {
    StoreError::Gap {
        path: name.to_path_buf(),
        expected,
        got,
    }
}

fn conflict(name: &Path, mesa: &str, version: u32) -> StoreError {
    StoreError::Conflict {
        path: name.to_path_buf(),
        mesa: mesa.to_string(),
        version,
    }
}

/// The number of entries, from the last index (the log is gap-free; `open` checks).
async fn log_size(conn: &mut Conn) -> Result<u64, StoreError> {
    let row = conn.row("SELECT MAX(idx) FROM cifra.entries", &[]).await?;
    let name = conn.name();
    match column::<Option<i64>>(&row, 0, name)? {
        None => Ok(0),
        Some(last) => u64::try_from(last)
            .ok()
            .and_then(|last| last.checked_add(1))
            .ok_or_else(|| StoreError::corrupt(name, format!("a log entry has index {last}"))),
    }
}

async fn add_token(conn: &mut Conn, token: &Token) -> Result<(), StoreError> {
    if let Scope::Territory { column, value } = &token.scope {
        check_territory(conn, column, value).await?;
    }
    let added = conn
        .execute(
            "INSERT INTO cifra.tokens (hash, scope) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING",
            &[&&token.hash[..], &token.scope.to_string()],
        )
        .await?;
    if added == 0 {
        return Err(StoreError::TokenExists {
            path: conn.name().to_path_buf(),
        });
    }
    Ok(())
}

/// Refuses a token scope no mesa can match: it could never submit anything, so it is
/// a typo.
async fn check_territory(conn: &mut Conn, name: &str, value: &str) -> Result<(), StoreError> {
    let rows = conn
        .rows(
            "SELECT position FROM cifra.territory_columns WHERE name = $1",
            &[&name],
        )
        .await?;
    let Some(row) = rows.first() else {
        let row = conn
            .row(
                "SELECT string_agg(name, ', ' ORDER BY position) FROM cifra.territory_columns",
                &[],
            )
            .await?;
        let columns = column(&row, 0, conn.name())?;
        return Err(spec::not_a_territory_column(
            conn.name(),
            name,
            value,
            columns,
        ));
    };
    let position: i64 = column(row, 0, conn.name())?;
    let row = conn
        .row(
            "SELECT EXISTS (SELECT 1 FROM cifra.mesa_territory WHERE position = $1 AND value = $2)",
            &[&position, &value],
        )
        .await?;
    if column(&row, 0, conn.name())? {
        Ok(())
    } else {
        Err(spec::no_mesa_has(conn.name(), name, value))
    }
}

/// The connection settings from `url`, and the name errors give the database: its
/// address without the password.
fn parse(url: &str) -> Result<(PathBuf, Config), StoreError> {
    // A URL's scheme is case-insensitive; the driver knows it in lower case.
    let lowered;
    let url = match url.split_once("://") {
        Some((scheme, rest)) if scheme.bytes().any(|byte| byte.is_ascii_uppercase()) => {
            lowered = format!("{}://{rest}", scheme.to_ascii_lowercase());
            lowered.as_str()
        }
        _ => url,
    };
    let mut config: Config = url.parse().map_err(|error| {
        StoreError::invalid(
            Path::new(&redact(url)),
            format!(
                "not a PostgreSQL address ({}); write postgres://user@host:port/database",
                describe(&error)
            ),
        )
    })?;
    let name = PathBuf::from(address(&config));
    if !matches!(config.get_ssl_mode(), SslMode::Disable | SslMode::Prefer) {
        return Err(StoreError::invalid(
            &name,
            "the address requires TLS (sslmode), but cifra connects without it: use a private network or a Unix socket, and sslmode=prefer or disable",
        ));
    }
    // Unless the address says otherwise: give up on a silent server within seconds,
    // notice a dead idle connection within about half a minute, and show up as
    // "cifra" among the database's sessions.
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_tcp_user_timeout().is_none() {
        config.tcp_user_timeout(Duration::from_secs(20));
    }
    if config.get_keepalives_interval().is_none() && config.get_keepalives_retries().is_none() {
        config
            .keepalives_idle(Duration::from_secs(10))
            .keepalives_interval(Duration::from_secs(5))
            .keepalives_retries(3);
    }
    if config.get_application_name().is_none() {
        config.application_name("cifra");
    }
    Ok((name, config))
}

/// The database's address as errors name it: `postgres://user@host:port/db`, never
/// with the password (nor other settings, which may hold one).
fn address(config: &Config) -> String {
    let mut address = String::from("postgres://");
    if let Some(user) = config.get_user() {
        address.push_str(user);
        address.push('@');
    }
    let ports = config.get_ports();
    let port = |i: usize| ports.get(i).or(ports.first()).copied().unwrap_or(5432);
    let hosts: Vec<String> = if config.get_hosts().is_empty() {
        config
            .get_hostaddrs()
            .iter()
            .map(|address| address.to_string())
            .collect()
    } else {
        config
            .get_hosts()
            .iter()
            .map(|host| match host {
                Host::Tcp(host) if host.contains(':') => format!("[{host}]"),
                Host::Tcp(host) => host.clone(),
                #[cfg(unix)]
                Host::Unix(path) => path.display().to_string(),
            })
            .collect()
    };
    let hosts: Vec<String> = hosts
        .into_iter()
        .enumerate()
        .map(|(i, host)| format!("{host}:{}", port(i)))
        .collect();
    address.push_str(&hosts.join(","));
    if let Some(db) = config.get_dbname() {
        address.push('/');
        address.push_str(db);
    }
    address
}

/// An address that does not parse, without what may be a password: the user info's
/// part after `:`, and everything after `?`.
fn redact(url: &str) -> String {
    let url = url.split(['?', '#']).next().unwrap_or_default();
    let Some((scheme, rest)) = url.split_once("://") else {
        return "the PostgreSQL address given (not shown: it may hold a password)".to_string();
    };
    // The user info ends at the last '@' (a password may hold '/' or '@').
    match rest.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}@{host}")
        }
        None => format!("{scheme}://{rest}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_named_without_their_password() {
        for (url, name) in [
            (
                "postgres://postgres:secret@127.0.0.1:5432/test",
                "postgres://postgres@127.0.0.1:5432/test",
            ),
            (
                "postgresql://db.example/cifra",
                "postgres://db.example:5432/cifra",
            ),
            (
                "postgres://u:p%40ss@a:1,b:2/x?password=other&application_name=y",
                "postgres://u@a:1,b:2/x",
            ),
            (
                "host=/run/postgresql user=cifra password=secret dbname=night",
                "postgres://cifra@/run/postgresql:5432/night",
            ),
        ] {
            let (found, _) = parse(url).unwrap();
            assert_eq!(found, Path::new(name), "{url}");
        }
    }

    #[test]
    fn an_address_that_does_not_parse_is_named_without_its_password() {
        for (url, name) in [
            (
                "postgres://u:se/cr@et@host:port/db",
                "postgres://u@host:port/db",
            ),
            (
                "postgres://host:99999999/db?password=x",
                "postgres://host:99999999/db",
            ),
        ] {
            let error = parse(url).unwrap_err();
            assert!(matches!(error, StoreError::Invalid { .. }), "{error:?}");
            let message = error.to_string();
            assert!(message.starts_with(name), "{message}");
            assert!(
                !message.contains("se/cr") && !message.contains("password=x"),
                "{message}"
            );
        }
        let error = parse("host=h password=secret port=x").unwrap_err();
        assert!(!error.to_string().contains("secret"), "{error}");
    }
}
