//! The connections' thread: a current-thread tokio runtime that owns every connection
//! of one [`PgStore`](super::PgStore), and the small pool it keeps them in.
//!
//! The store's methods are synchronous and may be called from any thread, also from a
//! tokio runtime's workers (where blocking on another runtime would panic). So they do
//! not drive the connections themselves: each call sends a job to this thread (an
//! unbounded channel, whose `send` never blocks nor needs a runtime) and waits for the
//! answer on a std channel. The thread runs the jobs concurrently, each on its own
//! connection, so reads do not wait behind an append.
//!
//! A connection that the database closed (a restart, a network cut) is dropped and the
//! next job connects again: a call fails with [`StoreError::Unavailable`] while the
//! database is away, and the first call after it is back succeeds.

use std::cell::RefCell;
use std::collections::HashMap;
use std::error::Error as _;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use tokio::sync::{mpsc as queue, Semaphore, SemaphorePermit};
use tokio::task::{JoinHandle, LocalSet};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{FromSql, ToSql};
use tokio_postgres::{Client, Config, NoTls, Row, Statement};

use crate::StoreError;

/// How long connecting (TCP, then the startup and authentication exchange) may take.
pub(super) const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How many connections one store opens at most; more concurrent calls wait their turn.
const MAX_CONNECTIONS: usize = 8;

/// How many idle connections are kept for reuse.
const IDLE_CONNECTIONS: usize = 4;

/// How long closing the connections may take when the store is dropped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// Set on every new connection. A transaction left idle (its client stopped, say)
/// would hold the log's lock and stop every server's appends: the database ends such
/// a session. cifra's own transactions wait between statements only while a caller
/// holds the log ([`HOLD_LIMIT`]).
const SESSION_SETUP: &str = "SET idle_in_transaction_session_timeout = '60s'";

/// How long the log may be held for a caller of `lock_log` (the same as
/// [`SESSION_SETUP`]'s limit): then it is released, and the lock's `append` fails.
pub(super) const HOLD_LIMIT: Duration = Duration::from_secs(60);

/// A unit of work for the connections' thread.
type Job = Box<dyn FnOnce(Rc<Pool>) -> Pin<Box<dyn Future<Output = ()>>> + Send>;

/// The handle on the connections' thread; dropping it closes the connections and ends
/// the thread.
pub(super) struct Worker {
    name: PathBuf,
    jobs: Option<queue::UnboundedSender<Job>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Worker {
    /// Starts the thread; it connects when the first job needs a connection.
    pub(super) fn start(
        name: PathBuf,
        config: Config,
        unsafe_no_fsync: bool,
    ) -> Result<Worker, StoreError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| {
                StoreError::database(
                    &name,
                    format!("cannot start the database connections' runtime: {error}"),
                )
            })?;
        let (jobs, mut received) = queue::unbounded_channel::<Job>();
        let pool_name = name.clone();
        let thread = thread::Builder::new()
            .name("cifra-postgres".into())
            .spawn(move || {
                let pool = Rc::new(Pool::new(pool_name, config, unsafe_no_fsync));
                LocalSet::new().block_on(&runtime, async move {
                    while let Some(job) = received.recv().await {
                        tokio::task::spawn_local(job(Rc::clone(&pool)));
                    }
                    // The store was dropped: no call is waiting for anything.
                    pool.close().await;
                });
                // Not a plain drop: that would wait for a host name lookup still under
                // way on the runtime's blocking threads, however long it takes.
                runtime.shutdown_timeout(CLOSE_TIMEOUT);
            })
            .map_err(|error| {
                StoreError::database(
                    &name,
                    format!("cannot start the database connections' thread: {error}"),
                )
            })?;
        Ok(Worker {
            name,
            jobs: Some(jobs),
            thread: Some(thread),
        })
    }

    /// Runs `work` on the connections' thread and waits for its answer, at most
    /// `limit` (then [`StoreError::Unavailable`]; the connection it used is closed).
    pub(super) fn call<T, F, Fut>(&self, limit: Duration, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(Rc<Pool>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, StoreError>> + 'static,
    {
        let (reply, answer) = mpsc::sync_channel(1);
        let name = self.name.clone();
        self.spawn(move |pool: Rc<Pool>| {
            async move {
                let work = async {
                    let _turn = pool.turn().await;
                    work(Rc::clone(&pool)).await
                };
                let result = match tokio::time::timeout(limit, work).await {
                    Ok(result) => result,
                    Err(_) => Err(StoreError::unavailable(
                        &name,
                        format!("no answer within {} s", limit.as_secs()),
                    )),
                };
                // The caller waits for this; it cannot have gone away.
                let _ = reply.send(result);
            }
        })?;
        answer.recv().map_err(|_| self.stopped())?
    }

    /// Runs `work` on the connections' thread, without waiting for it: `work` answers
    /// its caller itself, and bounds its own waits. Unlike [`Worker::call`]'s, it
    /// takes its turn for a connection itself ([`Pool::turn`]).
    pub(super) fn spawn<F, Fut>(&self, work: F) -> Result<(), StoreError>
    where
        F: FnOnce(Rc<Pool>) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let job: Job = Box::new(move |pool: Rc<Pool>| Box::pin(work(pool)));
        let jobs = self.jobs.as_ref().ok_or_else(|| self.stopped())?;
        jobs.send(job).map_err(|_| self.stopped())
    }

    /// The error for a call whose job is gone without an answer.
    pub(super) fn stopped(&self) -> StoreError {
        StoreError::database(
            &self.name,
            "the database connections' thread has stopped (this is a bug in cifra)",
        )
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing the queue ends the thread's loop; it then closes the connections.
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The connections of one store, on its connections' thread.
pub(super) struct Pool {
    name: PathBuf,
    config: Config,
    idle: RefCell<Vec<Conn>>,
    /// The tasks driving the connections' sockets.
    tasks: RefCell<Vec<JoinHandle<()>>>,
    turns: Semaphore,
    /// Append although the server may lose acknowledged commits (benchmarks only).
    unsafe_no_fsync: bool,
}

impl Pool {
    fn new(name: PathBuf, config: Config, unsafe_no_fsync: bool) -> Pool {
        Pool {
            name,
            config,
            unsafe_no_fsync,
            idle: RefCell::new(Vec::new()),
            tasks: RefCell::new(Vec::new()),
            turns: Semaphore::new(MAX_CONNECTIONS),
        }
    }

    /// Waits for this job's turn to use a connection: a store's jobs use
    /// [`MAX_CONNECTIONS`] at most, one each.
    pub(super) async fn turn(&self) -> Option<SemaphorePermit<'_>> {
        // The semaphore is never closed.
        self.turns.acquire().await.ok()
    }

    /// The database's address, without its password.
    pub(super) fn name(&self) -> &Path {
        &self.name
    }

    /// Runs `op` on a connection. If the connection was an idle one that turns out to
    /// be gone (the database restarted since it was last used), `op` runs once more on
    /// a new connection: `op` must only read, or do all its writes in one transaction.
    pub(super) async fn read<T>(
        &self,
        op: impl AsyncFn(&mut Conn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.get().await?;
        let mut result = op(&mut conn).await;
        if is_unavailable(&result) && !conn.fresh {
            self.discard(conn);
            conn = self.connect().await?;
            result = op(&mut conn).await;
        }
        self.finish(conn, &result).await;
        result
    }

    /// Runs `op` in a READ COMMITTED transaction, committed if `op` succeeds and rolled
    /// back otherwise. An idle connection found gone at `BEGIN` (nothing was sent that
    /// writes) is replaced by a new one.
    ///
    /// If the connection is lost during `COMMIT`, the error is
    /// [`StoreError::Unavailable`] and whether the transaction committed is unknown.
    pub(super) async fn write<T>(
        &self,
        op: impl AsyncFnOnce(&mut Conn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.begin().await?;
        let result = match op(&mut conn).await {
            Ok(value) => conn.commit().await.map(|()| value),
            Err(error) => Err(error),
        };
        self.finish(conn, &result).await;
        result
    }

    /// A connection in a new READ COMMITTED transaction, for a write that the caller
    /// commits or rolls back, then gives to [`Pool::finish`]. An idle connection found
    /// gone at `BEGIN` is replaced by a new one.
    pub(super) async fn begin(&self) -> Result<Conn, StoreError> {
        // Explicit: the database's default isolation may have been changed, and
        // `append` relies on each statement seeing what committed before it started.
        const BEGIN: &str = "BEGIN ISOLATION LEVEL READ COMMITTED";
        let mut conn = self.get().await?;
        let mut begun = conn.begin(BEGIN).await;
        if is_unavailable(&begun) && !conn.fresh {
            self.discard(conn);
            conn = self.connect().await?;
            begun = conn.begin(BEGIN).await;
        }
        match begun {
            Ok(()) => Ok(conn),
            Err(error) => {
                let failed: Result<Conn, StoreError> = Err(error);
                self.finish(conn, &failed).await;
                failed
            }
        }
    }

    /// An idle connection that is still open, or a new one.
    async fn get(&self) -> Result<Conn, StoreError> {
        loop {
            let conn = self.idle.borrow_mut().pop();
            match conn {
                Some(conn) if conn.client.is_closed() => continue,
                Some(conn) => return Ok(conn),
                None => return self.connect().await,
            }
        }
    }

    /// A new connection, within [`CONNECT_TIMEOUT`].
    async fn connect(&self) -> Result<Conn, StoreError> {
        let (client, connection) =
            match tokio::time::timeout(CONNECT_TIMEOUT, self.config.connect(NoTls)).await {
                Ok(Ok(pair)) => pair,
                Ok(Err(error)) => return Err(classify(&self.name, &error)),
                Err(_) => {
                    return Err(StoreError::unavailable(
                        &self.name,
                        format!(
                            "no answer within {} s of connecting",
                            CONNECT_TIMEOUT.as_secs()
                        ),
                    ))
                }
            };
        let task = tokio::task::spawn_local(async move {
            // Ends when the socket closes; the client then reports itself closed.
            let _ = connection.await;
        });
        {
            let mut tasks = self.tasks.borrow_mut();
            tasks.retain(|task| !task.is_finished());
            tasks.push(task);
        }
        let mut conn = Conn {
            client,
            statements: HashMap::new(),
            name: self.name.clone(),
            fresh: true,
            in_transaction: false,
            not_durable: None,
        };
        conn.batch(SESSION_SETUP).await?;
        if !self.unsafe_no_fsync {
            conn.not_durable = not_durable(&mut conn).await?;
        }
        Ok(conn)
    }

    /// Returns a connection to the pool after a job (rolling back a transaction still
    /// open), or drops it: when the job's `result` says the database is away (the other
    /// idle connections are likely gone too), or when its transaction cannot be rolled
    /// back.
    pub(super) async fn finish<T>(&self, mut conn: Conn, result: &Result<T, StoreError>) {
        if is_unavailable(result) {
            self.discard(conn);
            return;
        }
        if conn.in_transaction && conn.rollback().await.is_err() {
            return;
        }
        if conn.client.is_closed() {
            return;
        }
        conn.fresh = false;
        let mut idle = self.idle.borrow_mut();
        if idle.len() < IDLE_CONNECTIONS {
            idle.push(conn);
        }
    }

    /// Drops a connection that is gone, and the idle ones with it.
    fn discard(&self, conn: Conn) {
        drop(conn);
        self.idle.borrow_mut().clear();
    }

    /// Closes every connection (dropping a client makes its task say goodbye to the
    /// server and end).
    async fn close(&self) {
        self.idle.borrow_mut().clear();
        let tasks = std::mem::take(&mut *self.tasks.borrow_mut());
        let ended = async {
            for task in tasks {
                let _ = task.await;
            }
        };
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, ended).await;
    }
}

fn is_unavailable<T>(result: &Result<T, StoreError>) -> bool {
    matches!(result, Err(StoreError::Unavailable { .. }))
}

/// One connection, with the statements it has prepared.
pub(super) struct Conn {
    client: Client,
    statements: HashMap<&'static str, Statement>,
    name: PathBuf,
    /// Made for this job (not taken from the idle ones).
    fresh: bool,
    in_transaction: bool,
    /// The setting that makes this session's commits not durable, read when it
    /// connected (never set on a store opened with `unsafe_no_fsync`).
    not_durable: Option<String>,
}

/// The setting, in words, that lets the server acknowledge a commit a power loss could
/// undo: `fsync` off (nothing is flushed), or `synchronous_commit` off (the commit is
/// answered before its WAL is flushed). `local`, `remote_write`, `remote_apply` and `on`
/// all flush the local WAL before answering.
async fn not_durable(conn: &mut Conn) -> Result<Option<String>, StoreError> {
    for setting in ["fsync", "synchronous_commit"] {
        let sql = match setting {
            "fsync" => "SHOW fsync",
            _ => "SHOW synchronous_commit",
        };
        let value: String = column(&conn.row(sql, &[]).await?, 0, &conn.name)?;
        if value.eq_ignore_ascii_case("off") {
            return Ok(Some(format!("PostgreSQL has {setting}={value}")));
        }
    }
    Ok(None)
}

/// A statement's parameters.
pub(super) type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

impl Conn {
    /// The error for a driver error on this connection.
    pub(super) fn fail(&self, error: &tokio_postgres::Error) -> StoreError {
        classify(&self.name, error)
    }

    /// The database's address, without its password.
    pub(super) fn name(&self) -> &Path {
        &self.name
    }

    /// Refuses to append on a session whose commits a power loss could undo
    /// ([`StoreError::NotDurable`]).
    pub(super) fn check_durable(&self) -> Result<(), StoreError> {
        match &self.not_durable {
            None => Ok(()),
            Some(setting) => Err(StoreError::NotDurable {
                path: self.name.clone(),
                setting: setting.clone(),
            }),
        }
    }

    /// Starts a transaction (`begin` is the whole `BEGIN ...` statement).
    pub(super) async fn begin(&mut self, begin: &str) -> Result<(), StoreError> {
        self.batch(begin).await?;
        self.in_transaction = true;
        Ok(())
    }

    /// Commits the transaction.
    pub(super) async fn commit(&mut self) -> Result<(), StoreError> {
        // Whatever COMMIT answers, the transaction is over (or the connection is).
        self.in_transaction = false;
        self.batch("COMMIT").await
    }

    /// Rolls the transaction back.
    pub(super) async fn rollback(&mut self) -> Result<(), StoreError> {
        self.in_transaction = false;
        self.batch("ROLLBACK").await
    }

    /// Runs statements without parameters (the simple query protocol).
    pub(super) async fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.client
            .batch_execute(sql)
            .await
            .map_err(|error| self.fail(&error))
    }

    /// The rows of a statement (prepared once per connection).
    pub(super) async fn rows(
        &mut self,
        sql: &'static str,
        params: Params<'_>,
    ) -> Result<Vec<Row>, StoreError> {
        self.try_rows(sql, params)
            .await
            .map_err(|error| self.fail(&error))
    }

    /// The rows of a statement, or the driver's error.
    pub(super) async fn try_rows(
        &mut self,
        sql: &'static str,
        params: Params<'_>,
    ) -> Result<Vec<Row>, tokio_postgres::Error> {
        let statement = self.statement_raw(sql).await?;
        self.client.query(&statement, params).await
    }

    /// The one row of a statement that always returns one (an aggregate, say).
    pub(super) async fn row(
        &mut self,
        sql: &'static str,
        params: Params<'_>,
    ) -> Result<Row, StoreError> {
        let rows = self.rows(sql, params).await?;
        let count = rows.len();
        match (rows.into_iter().next(), count) {
            (Some(row), 1) => Ok(row),
            _ => Err(StoreError::database(
                &self.name,
                format!("expected one row from {sql:?}, got {count}"),
            )),
        }
    }

    /// Runs a statement; returns how many rows it changed, or the driver's error.
    pub(super) async fn try_execute(
        &mut self,
        sql: &'static str,
        params: Params<'_>,
    ) -> Result<u64, tokio_postgres::Error> {
        let statement = self.statement_raw(sql).await?;
        self.client.execute(&statement, params).await
    }

    /// Runs a statement; returns how many rows it changed.
    pub(super) async fn execute(
        &mut self,
        sql: &'static str,
        params: Params<'_>,
    ) -> Result<u64, StoreError> {
        self.try_execute(sql, params)
            .await
            .map_err(|error| self.fail(&error))
    }

    async fn statement_raw(
        &mut self,
        sql: &'static str,
    ) -> Result<Statement, tokio_postgres::Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql).await?;
        self.statements.insert(sql, statement.clone());
        Ok(statement)
    }
}

/// A column of a row, or an error naming the database (never a panic, whatever the
/// database holds).
pub(super) fn column<'a, T: FromSql<'a>>(
    row: &'a Row,
    index: usize,
    name: &Path,
) -> Result<T, StoreError> {
    row.try_get(index)
        .map_err(|error| StoreError::database(name, describe(&error)))
}

/// The store's error for a driver error: [`StoreError::Unavailable`] when the
/// connection is gone or cannot be made, [`StoreError::Missing`] when the database does
/// not exist, [`StoreError::Database`] otherwise.
pub(super) fn classify(name: &Path, error: &tokio_postgres::Error) -> StoreError {
    let message = describe(error);
    let unavailable = match error.as_db_error() {
        Some(db) => {
            let code = db.code();
            if *code == SqlState::INVALID_CATALOG_NAME {
                return StoreError::Missing {
                    path: name.to_path_buf(),
                };
            }
            if *code == SqlState::READ_ONLY_SQL_TRANSACTION {
                return StoreError::read_only(name, message);
            }
            if *code == SqlState::DISK_FULL {
                return StoreError::disk_full(name, message);
            }
            // Connection exceptions (class 08), and a server shutting down, starting
            // up or full: all pass by themselves.
            code.code().starts_with("08")
                || [
                    SqlState::ADMIN_SHUTDOWN,
                    SqlState::CRASH_SHUTDOWN,
                    SqlState::CANNOT_CONNECT_NOW,
                    SqlState::TOO_MANY_CONNECTIONS,
                    SqlState::IDLE_IN_TRANSACTION_SESSION_TIMEOUT,
                ]
                .contains(code)
        }
        // Not the server's answer: the socket (refused, reset, timed out) or a closed
        // connection.
        None => {
            error.is_closed()
                || error
                    .source()
                    .is_some_and(|source| source.is::<io::Error>())
        }
    };
    if unavailable {
        StoreError::unavailable(name, message)
    } else {
        StoreError::database(name, message)
    }
}

/// A driver error in words: the server's message and SQLSTATE, or the driver's with
/// its cause (the driver's own `Display` leaves the cause out).
pub(super) fn describe(error: &tokio_postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        let mut text = format!("{} (SQLSTATE {})", db.message(), db.code().code());
        if let Some(detail) = db.detail() {
            text.push_str("; ");
            text.push_str(detail);
        }
        return text;
    }
    match error.source() {
        Some(source) => format!("{error}: {source}"),
        None => error.to_string(),
    }
}
