//! What only the PostgreSQL backend does: databases that are not elections, addresses
//! and passwords, a database that goes away and comes back, several servers on one
//! log, one entry per mesa and version, calls from inside a tokio runtime, and a held
//! log whose connection is lost.

mod common;

use std::io;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use cifra_store::{ElectionSpec, PgStore, Record, Scope, Store, StoreError, Token};
use common::{
    assert_gap, assert_names, line, lines, maintenance_url, record, records, spec, Place, Session,
    TestDatabase,
};

/// The advisory lock every append holds (the store's constant, "cifra_lg").
const APPEND_LOCK: i64 = 0x6369_6672_615f_6c67;

fn assert_unavailable(error: &StoreError, address: &str) {
    assert!(matches!(error, StoreError::Unavailable { .. }), "{error:?}");
    assert_names(error, address);
}

/// The tables of a database outside PostgreSQL's own schemas, as `schema.table`.
fn tables(db: &TestDatabase) -> Vec<String> {
    db.session()
        .sql(
            "SELECT schemaname || '.' || tablename FROM pg_tables \
             WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
        )
        .into_iter()
        .map(|row| row[0].clone().unwrap())
        .collect()
}

#[test]
fn open_refuses_a_database_without_an_election_and_leaves_it_alone() {
    let db = TestDatabase::new();
    let error = PgStore::open(&db.url).unwrap_err();
    assert!(
        matches!(error, StoreError::NotAnElection { .. }),
        "{error:?}"
    );
    assert_names(&error, &db.url);
    assert!(
        error.to_string().contains("no schema named cifra"),
        "{error}"
    );
    assert!(db.holds_nothing());

    // Other tables are not an election either, nor a schema named cifra of another's.
    for (setup, reason) in [
        (
            "CREATE TABLE public.votes (mesa TEXT, boric INTEGER)",
            "no schema named cifra",
        ),
        (
            "CREATE SCHEMA cifra; CREATE TABLE cifra.votes (mesa TEXT)",
            "has no cifra_migrations table",
        ),
        (
            "CREATE TABLE cifra.cifra_migrations (name TEXT, data BYTEA)",
            "cifra_migrations table is not cifra's",
        ),
    ] {
        db.session().sql(setup);
        let before = tables(&db);
        let error = PgStore::open(&db.url).unwrap_err();
        assert!(
            matches!(error, StoreError::NotAnElection { .. }),
            "{error:?}"
        );
        assert_names(&error, &db.url);
        assert!(
            error.to_string().contains(reason),
            "{error} lacks {reason:?}"
        );
        assert_eq!(tables(&db), before);
    }

    // A schema named cifra is never written into.
    let before = tables(&db);
    let error = PgStore::create(&db.url, &spec()).unwrap_err();
    assert!(matches!(error, StoreError::Exists { .. }), "{error:?}");
    assert_eq!(tables(&db), before);
}

#[test]
fn an_empty_migrations_table_is_not_an_election() {
    let db = TestDatabase::new();
    drop(PgStore::create(&db.url, &spec()).unwrap());
    db.tamper("DELETE FROM cifra_migrations");
    let error = PgStore::open(&db.url).unwrap_err();
    assert!(
        matches!(error, StoreError::NotAnElection { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("records no migration"),
        "{error}"
    );
}

#[test]
fn the_schema_is_recorded_as_numbered_migrations() {
    let db = TestDatabase::new();
    drop(PgStore::create(&db.url, &spec()).unwrap());
    let rows = db
        .session()
        .sql("SELECT version, description FROM cifra.cifra_migrations ORDER BY version");
    assert_eq!(
        rows,
        [
            [
                Some("1".to_string()),
                Some("the election's tables".to_string())
            ],
            [
                Some("2".to_string()),
                Some("the signed checkpoints kept".to_string())
            ]
        ]
    );
    assert_eq!(
        tables(&db),
        [
            "cifra.checkpoints",
            "cifra.cifra_migrations",
            "cifra.election",
            "cifra.entries",
            "cifra.id_columns",
            "cifra.mesa_territory",
            "cifra.mesas",
            "cifra.options",
            "cifra.territory_columns",
            "cifra.tokens",
        ]
    );
}

#[test]
fn a_database_that_does_not_exist_is_missing() {
    let url = common::database_url("cifra_test_no_such_database");
    for error in [
        PgStore::open(&url).unwrap_err(),
        PgStore::create(&url, &spec()).unwrap_err(),
    ] {
        assert!(matches!(error, StoreError::Missing { .. }), "{error:?}");
        assert_names(&error, &url);
        assert!(error.to_string().contains("no such database"), "{error}");
    }
}

#[test]
fn errors_name_the_database_without_its_password() {
    let db = TestDatabase::new();
    // The tests' server trusts local connections: the password is not checked.
    let with_password = db.url.replacen("://postgres@", "://postgres:s3cret@", 1);
    assert_ne!(
        with_password, db.url,
        "the tests' address has no user postgres"
    );
    let store = PgStore::create(&with_password, &spec()).unwrap();
    store.append(&records(0, 1, "w")).unwrap();
    let errors = [
        PgStore::create(&with_password, &spec()).unwrap_err(),
        store.append(&records(5, 6, "w")).unwrap_err(),
        store.append(&[record(1, "w"), record(0, "w")]).unwrap_err(),
    ];
    for error in errors {
        let message = error.to_string();
        assert!(message.contains(&db.url), "{message}");
        assert!(!message.contains("s3cret"), "{message}");
        assert!(!format!("{error:?}").contains("s3cret"), "{error:?}");
    }
    assert!(!format!("{store:?}").contains("s3cret"));
}

#[test]
fn open_and_create_pick_the_backend_by_address() {
    let db = TestDatabase::new();
    drop(cifra_store::create(&db.url, &spec()).unwrap());
    for url in [
        db.url.clone(),
        db.url.replacen("postgres://", "postgresql://", 1),
        db.url.replacen("postgres://", "POSTGRES://", 1),
    ] {
        let store = cifra_store::open(&url).unwrap();
        assert_eq!(store.election().unwrap(), spec());
    }
    // The same spec in a SQLite file, by its path.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("election.db");
    let address = path.to_str().unwrap();
    drop(cifra_store::create(address, &spec()).unwrap());
    assert_eq!(
        cifra_store::open(address).unwrap().election().unwrap(),
        spec()
    );
    // Missing, each in its backend's words.
    let error = cifra_store::open("/some/file.db").err().unwrap();
    assert!(matches!(error, StoreError::Missing { .. }), "{error:?}");
    assert!(
        error.to_string().starts_with("/some/file.db: no such file"),
        "{error}"
    );
    let url = common::database_url("cifra_test_no_such_database");
    let error = cifra_store::open(&url).err().unwrap();
    assert!(
        error
            .to_string()
            .starts_with(&format!("{url}: no such database")),
        "{error}"
    );
}

#[test]
fn an_address_that_does_not_parse_is_invalid() {
    for url in [
        "postgres://h:notaport/db",
        "postgres://h/db?sslmode=sometimes",
    ] {
        let error = PgStore::open(url).unwrap_err();
        assert!(matches!(error, StoreError::Invalid { .. }), "{error:?}");
        assert!(
            error.to_string().contains("not a PostgreSQL address"),
            "{error}"
        );
    }
    // cifra does not speak TLS: said before anything is tried.
    let error = PgStore::open("postgres://u@h/db?sslmode=require").unwrap_err();
    assert!(matches!(error, StoreError::Invalid { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("postgres://u@h:5432/db: the address requires TLS"),
        "{error}"
    );
}

/// A free local port (bound, then released).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_port_where_nothing_listens_is_unavailable_at_once() {
    let address = format!("127.0.0.1:{}", free_port());
    let url = format!("postgres://postgres@{address}/cifra");
    let started = Instant::now();
    let errors = [
        PgStore::open(&url).unwrap_err(),
        PgStore::create(&url, &spec()).unwrap_err(),
        cifra_store::open(&url).err().unwrap(),
    ];
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    for error in errors {
        assert_unavailable(&error, &address);
        assert!(error.to_string().contains("refused"), "{error}");
    }
}

#[test]
fn a_server_that_never_answers_is_unavailable_within_seconds() {
    // Accepts connections (the kernel does, into the backlog) and never says a word.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let started = Instant::now();
    let error = PgStore::open(&format!("postgres://postgres@{address}/cifra")).unwrap_err();
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    assert_unavailable(&error, &address);
    drop(listener);
}

/// A TCP proxy to the tests' server that can be stopped (every connection cut, the
/// port closed) and started again on the same port: the database going away and
/// coming back, as the store sees it.
struct Proxy {
    port: u16,
    stop: Arc<AtomicBool>,
    accepting: Option<thread::JoinHandle<()>>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
}

/// The tests' server, as host:port.
fn server_address() -> String {
    let url = maintenance_url();
    let after_user = url.rsplit_once('@').map_or(url.as_str(), |(_, rest)| rest);
    after_user.split('/').next().unwrap().to_string()
}

impl Proxy {
    fn start(port: u16) -> Proxy {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let streams = Arc::new(Mutex::new(Vec::new()));
        let accepting = {
            let (stop, streams) = (Arc::clone(&stop), Arc::clone(&streams));
            let server = server_address();
            thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((client, _)) => {
                            client.set_nonblocking(false).unwrap();
                            let Ok(upstream) = TcpStream::connect(&server) else {
                                continue;
                            };
                            let mut kept = streams.lock().unwrap();
                            kept.push(client.try_clone().unwrap());
                            kept.push(upstream.try_clone().unwrap());
                            for (from, to) in [
                                (client.try_clone().unwrap(), upstream.try_clone().unwrap()),
                                (upstream, client),
                            ] {
                                thread::spawn(move || {
                                    let (mut from, mut to) = (from, to);
                                    let _ = io::copy(&mut from, &mut to);
                                    let _ = to.shutdown(Shutdown::Both);
                                    let _ = from.shutdown(Shutdown::Both);
                                });
                            }
                        }
                        Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                            thread::sleep(Duration::from_millis(5));
                        }
                        Err(_) => return,
                    }
                }
            })
        };
        Proxy {
            port,
            stop,
            accepting: Some(accepting),
            streams,
        }
    }

    /// Closes the port and cuts every connection.
    fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(accepting) = self.accepting.take() {
            accepting.join().unwrap();
        }
        for stream in self.streams.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

#[test]
fn the_store_carries_on_when_the_database_goes_away_and_comes_back() {
    let db = TestDatabase::new();
    drop(PgStore::create(&db.url, &spec()).unwrap());
    let proxy = Proxy::start(0);
    let port = proxy.port;
    let address = format!("127.0.0.1:{port}");
    let url = db.url.replacen(&server_address(), &address, 1);
    let store = PgStore::open(&url).unwrap();
    store.append(&records(0, 2, "w")).unwrap();
    store
        .add_token(&Token {
            hash: [1; 32],
            scope: Scope::National,
        })
        .unwrap();

    proxy.stop();
    let started = Instant::now();
    let errors = [
        store.size().unwrap_err(),
        store.append(&records(2, 4, "lost")).unwrap_err(),
        store.entries(0, 10).unwrap_err(),
        store.tokens().unwrap_err(),
        store.election().unwrap_err(),
        store
            .add_token(&Token {
                hash: [2; 32],
                scope: Scope::National,
            })
            .unwrap_err(),
    ];
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    for error in &errors {
        assert_unavailable(error, &address);
    }

    // Back on the same address: the same store works again, without reopening.
    let proxy = Proxy::start(port);
    assert_eq!(store.size().unwrap(), 2);
    store.append(&records(2, 4, "w")).unwrap();
    assert_eq!(store.entries(0, 10).unwrap(), lines(0, 4, "w"));
    assert_eq!(store.election().unwrap(), spec());
    assert_eq!(store.tokens().unwrap().len(), 1);
    drop(store);
    proxy.stop();
}

#[test]
fn connections_the_database_closed_are_replaced_without_a_failed_call() {
    let db = TestDatabase::new();
    let store = PgStore::create(&db.url, &spec()).unwrap();
    store.append(&records(0, 2, "w")).unwrap();
    // Several idle connections, as after concurrent calls.
    thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| store.entries(0, 10).unwrap());
        }
    });
    let terminated = Session::connect(&maintenance_url()).unwrap().sql(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}'",
        db.name
    ));
    assert!(!terminated.is_empty());
    // The database restarted, as far as the store's connections know.
    assert_eq!(store.size().unwrap(), 2);
    Session::connect(&maintenance_url()).unwrap().sql(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}'",
        db.name
    ));
    store.append(&records(2, 3, "w")).unwrap();
    assert_eq!(store.entries(0, 10).unwrap(), lines(0, 3, "w"));
}

fn assert_conflict(error: StoreError, expected_mesa: &str, expected_version: u32) {
    match &error {
        StoreError::Conflict { mesa, version, .. } => {
            assert_eq!((mesa.as_str(), *version), (expected_mesa, expected_version))
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(
        error.to_string().contains(&format!(
            "version {expected_version} of mesa {expected_mesa:?}"
        )),
        "{error}"
    );
}

#[test]
fn an_acta_version_is_recorded_once_and_a_conflict_writes_nothing() {
    let db = TestDatabase::new();
    let store = PgStore::create(&db.url, &spec()).unwrap();
    store.append(&records(0, 3, "w")).unwrap();
    let again = |index: u64, of: u64| Record {
        index,
        ..record(of, "again")
    };

    // Entry 1's mesa and version again, at the next index.
    assert_conflict(store.append(&[again(3, 1)]).unwrap_err(), "mesa-1", 1);
    // At the end of a large batch: nothing of the batch is written.
    let mut batch = records(3, 10_002, "x");
    batch.push(again(10_002, 2));
    assert_conflict(store.append(&batch).unwrap_err(), "mesa-2", 1);
    // Twice in one batch.
    let batch = [record(3, "x"), record(4, "x"), again(5, 4)];
    assert_conflict(store.append(&batch).unwrap_err(), "mesa-4", 1);
    assert_eq!(store.size().unwrap(), 3);
    assert_eq!(store.entries(0, u64::MAX).unwrap(), lines(0, 3, "w"));

    // A gap is found first; and the log goes on after a conflict.
    assert_gap(store.append(&[again(4, 1)]).unwrap_err(), 3, 4);
    store.append(&records(3, 5, "w")).unwrap();
    assert_eq!(store.entries(0, u64::MAX).unwrap(), lines(0, 5, "w"));
}

#[test]
fn what_postgresql_cannot_store_is_an_error_not_a_panic() {
    // PostgreSQL text cannot hold NUL, which SQLite's can.
    let db = TestDatabase::new();
    let mut bad = spec();
    bad.mesas[0].id = "ANTOFAGASTA\0/1".into();
    let error = PgStore::create(&db.url, &bad).unwrap_err();
    assert!(matches!(error, StoreError::Database { .. }), "{error:?}");
    assert_names(&error, &db.url);
    assert!(db.holds_nothing());

    let store = PgStore::create(&db.url, &spec()).unwrap();
    let mut bad = records(0, 3, "w");
    bad[2].line = "a\0b".into();
    let error = store.append(&bad).unwrap_err();
    assert!(matches!(error, StoreError::Database { .. }), "{error:?}");
    assert_eq!(store.size().unwrap(), 0);
    // The largest version a record can have is stored.
    let mut last = record(0, "w");
    last.version = u32::MAX;
    store.append(&[last.clone()]).unwrap();
    assert_eq!(store.entries(0, 1).unwrap(), [last.line]);
}

#[test]
fn an_append_waits_for_another_servers_append_and_then_sees_it() {
    let db = TestDatabase::new();
    let store = Arc::new(PgStore::create(&db.url, &spec()).unwrap());
    store.append(&records(0, 3, "w")).unwrap();
    // Another server is appending entry 3: it holds the lock, not yet committed.
    let other = db.session();
    other.sql("BEGIN");
    other.sql(&format!("SELECT pg_advisory_xact_lock({APPEND_LOCK})"));
    other.sql(&format!(
        "INSERT INTO entries (idx, mesa, version, line) VALUES (3, 'mesa-3', 1, '{}')",
        line(3, "other")
    ));
    // Reads do not wait, and see only what is committed.
    assert_eq!(store.size().unwrap(), 3);
    assert_eq!(store.entries(0, 10).unwrap(), lines(0, 3, "w"));
    assert_eq!(store.election().unwrap(), spec());

    // This server's append at 3 waits for the other's commit, then finds 3 taken.
    let (done, finished) = mpsc::channel();
    let appending = {
        let store = Arc::clone(&store);
        thread::spawn(move || done.send(store.append(&records(3, 4, "w"))).unwrap())
    };
    assert!(
        finished.recv_timeout(Duration::from_millis(500)).is_err(),
        "the append did not wait for the lock"
    );
    other.sql("COMMIT");
    let result = finished.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_gap(result.unwrap_err(), 4, 3);
    appending.join().unwrap();
    let mut expected = lines(0, 3, "w");
    expected.push(line(3, "other"));
    assert_eq!(store.entries(0, 10).unwrap(), expected);
}

/// Four servers, each with its own store, appending batches as a server does: on a
/// gap, look at the log again and retry. One gap-free log, every batch whole.
#[test]
fn several_servers_append_to_one_gap_free_log() {
    const SERVERS: usize = 4;
    const BATCHES: u64 = 40;
    const BATCH: u64 = 3;
    let db = TestDatabase::new();
    drop(PgStore::create(&db.url, &spec()).unwrap());
    let start = Arc::new(Barrier::new(SERVERS));
    let servers: Vec<_> = (0..SERVERS)
        .map(|server| {
            let (url, start) = (db.url.clone(), Arc::clone(&start));
            thread::spawn(move || {
                let store = PgStore::open(&url).unwrap();
                let name = format!("server-{server}");
                let mut gaps = 0;
                start.wait();
                let mut mine = Vec::new();
                for _ in 0..BATCHES {
                    loop {
                        let size = store.size().unwrap();
                        match store.append(&records(size, size + BATCH, &name)) {
                            Ok(()) => {
                                mine.push(size);
                                break;
                            }
                            Err(StoreError::Gap { .. }) => gaps += 1,
                            Err(other) => panic!("{other}"),
                        }
                    }
                }
                (name, mine, gaps)
            })
        })
        .collect();
    let store = PgStore::open(&db.url).unwrap();
    let total = SERVERS as u64 * BATCHES * BATCH;
    let mut expected = vec![String::new(); total as usize];
    for server in servers {
        let (name, mine, _gaps) = server.join().unwrap();
        for start in mine {
            for index in start..start + BATCH {
                expected[index as usize] = line(index, &name);
            }
        }
    }
    assert_eq!(store.size().unwrap(), total);
    assert_eq!(store.entries(0, u64::MAX).unwrap(), expected);
}

#[test]
fn the_store_is_called_from_inside_tokio_runtimes() {
    let db = TestDatabase::new();
    let store: Arc<dyn Store> = Arc::new(PgStore::create(&db.url, &spec()).unwrap());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // As the server does: from async handlers on the runtime's workers, and inside
    // block_on.
    runtime.block_on(async {
        assert_eq!(store.election().unwrap(), spec());
        let tasks: Vec<_> = (0..8u8)
            .map(|i| {
                let store = Arc::clone(&store);
                tokio::spawn(async move {
                    store
                        .add_token(&Token {
                            hash: [i; 32],
                            scope: Scope::National,
                        })
                        .unwrap();
                    store.tokens().unwrap().len()
                })
            })
            .collect();
        for task in tasks {
            assert!(task.await.unwrap() >= 1);
        }
        store.append(&records(0, 5, "w")).unwrap();
    });
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    current.block_on(async {
        assert_eq!(store.size().unwrap(), 5);
        assert_eq!(store.tokens().unwrap().len(), 8);
    });
    // Dropped inside a runtime too.
    let opened = PgStore::open(&db.url).unwrap();
    runtime.block_on(async move {
        assert_eq!(opened.entries(0, 10).unwrap(), lines(0, 5, "w"));
        drop(opened);
    });
}

#[test]
fn a_large_election_is_created_in_one_statement_per_table() {
    let db = TestDatabase::new();
    let spec = ElectionSpec {
        mesas: (0..20_000)
            .map(|i| cifra_store::Mesa {
                id: format!("M{i}"),
                territory: vec![format!("R{}", i % 16), format!("C{}", i / 50)],
                electors: Some(i),
            })
            .collect(),
        ..spec()
    };
    let started = Instant::now();
    drop(PgStore::create(&db.url, &spec).unwrap());
    let created = started.elapsed();
    assert_eq!(PgStore::open(&db.url).unwrap().election().unwrap(), spec);
    assert!(created < Duration::from_secs(30), "{created:?}");
}

/// How long taking a free lock may take at most, however loaded the machine.
const AT_ONCE: Duration = Duration::from_secs(2);

#[test]
fn a_held_log_whose_connection_is_cut_writes_nothing_and_is_free_again() {
    let db = TestDatabase::new();
    let other = PgStore::create(&db.url, &spec()).unwrap();
    other.append(&records(0, 2, "w")).unwrap();
    let proxy = Proxy::start(0);
    let port = proxy.port;
    let address = format!("127.0.0.1:{port}");
    let store = PgStore::open(&db.url.replacen(&server_address(), &address, 1)).unwrap();

    let lock = store.lock_log(1).unwrap();
    assert_eq!(lock.appended(), lines(1, 2, "w"));
    proxy.stop();
    let started = Instant::now();
    assert_unavailable(&lock.append(&records(2, 4, "lost")).unwrap_err(), &address);
    assert_unavailable(&store.lock_log(2).err().unwrap(), &address);
    // A lock that is dropped while the database is away does not hang either.
    let proxy = Proxy::start(port);
    let lock = store.lock_log(2).unwrap();
    proxy.stop();
    drop(lock);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );

    // The database ended the cut sessions: another server holds the log at once.
    let started = Instant::now();
    let lock = other.lock_log(2).unwrap();
    assert!(started.elapsed() < AT_ONCE, "{:?}", started.elapsed());
    assert!(lock.appended().is_empty(), "nothing was written");
    lock.append(&records(2, 3, "x")).unwrap();

    // Back on the same address: the same store holds the log again.
    let proxy = Proxy::start(port);
    let lock = store.lock_log(2).unwrap();
    assert_eq!(lock.appended(), lines(2, 3, "x"));
    lock.append(&records(3, 4, "w")).unwrap();
    let mut expected = lines(0, 2, "w");
    expected.extend(lines(2, 3, "x"));
    expected.extend(lines(3, 4, "w"));
    assert_eq!(other.entries(0, 10).unwrap(), expected);
    drop(store);
    proxy.stop();
}

/// What the database does to a hold that outlasts `idle_in_transaction_session_timeout`
/// (a minute, too long for a test): it ends the session.
#[test]
fn a_held_log_whose_session_the_database_ends_writes_nothing_and_is_free_again() {
    let db = TestDatabase::new();
    let store = PgStore::create(&db.url, &spec()).unwrap();
    store.append(&records(0, 2, "w")).unwrap();
    let lock = store.lock_log(2).unwrap();
    let ended = Session::connect(&maintenance_url()).unwrap().sql(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = '{}' AND state = 'idle in transaction'",
        db.name
    ));
    assert_eq!(
        ended.len(),
        1,
        "the holding session is idle in its transaction"
    );
    assert_unavailable(&lock.append(&records(2, 3, "lost")).unwrap_err(), &db.url);
    let other = PgStore::open(&db.url).unwrap();
    let started = Instant::now();
    let lock = other.lock_log(2).unwrap();
    assert!(started.elapsed() < AT_ONCE, "{:?}", started.elapsed());
    assert!(lock.appended().is_empty());
    lock.append(&records(2, 3, "x")).unwrap();
    // The store that lost its session carries on.
    store
        .lock_log(3)
        .unwrap()
        .append(&records(3, 4, "w"))
        .unwrap();
    assert_eq!(store.size().unwrap(), 4);
}

#[test]
fn a_database_whose_commits_are_not_durable_is_refused_appends_unless_the_store_accepts_it() {
    let db = TestDatabase::new();
    PgStore::create(&db.url, &spec()).unwrap();
    Session::connect(&maintenance_url()).unwrap().sql(&format!(
        "ALTER DATABASE {} SET synchronous_commit = off",
        db.name
    ));
    // New sessions (a store opened now) have the setting.
    let store = PgStore::open(&db.url).unwrap();
    for error in [
        store.append(&records(0, 1, "w")).unwrap_err(),
        store.lock_log(0).map(drop).unwrap_err(),
        store.probe_write().unwrap_err(),
    ] {
        assert!(matches!(error, StoreError::NotDurable { .. }), "{error:?}");
        assert!(
            error
                .to_string()
                .contains("PostgreSQL has synchronous_commit=off"),
            "{error}"
        );
        assert_names(&error, &db.url);
    }
    assert_eq!(store.size().unwrap(), 0, "reads work; nothing was written");

    let options = cifra_store::StoreOptions {
        unsafe_no_fsync: true,
    };
    let store = PgStore::open_with(&db.url, &options).unwrap();
    store.probe_write().unwrap();
    store.append(&records(0, 1, "w")).unwrap();
    assert_eq!(store.size().unwrap(), 1);
}

#[test]
fn a_read_only_database_is_told_apart_and_the_probe_writes_nothing() {
    let db = TestDatabase::new();
    let store = PgStore::create(&db.url, &spec()).unwrap();
    store.probe_write().unwrap();
    assert_eq!(store.size().unwrap(), 0, "the probe touches no entry");
    Session::connect(&maintenance_url()).unwrap().sql(&format!(
        "ALTER DATABASE {} SET default_transaction_read_only = on",
        db.name
    ));
    let store = PgStore::open(&db.url).unwrap();
    let error = store.probe_write().unwrap_err();
    assert!(matches!(error, StoreError::ReadOnly { .. }), "{error:?}");
    let error = store.append(&records(0, 1, "w")).unwrap_err();
    assert!(matches!(error, StoreError::ReadOnly { .. }), "{error:?}");
    assert_eq!(store.size().unwrap(), 0);
}
