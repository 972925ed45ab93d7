//! Shared by the integration tests: a small election and records for it, and the
//! places an election can live (a SQLite file, a PostgreSQL database), so that each
//! behaviour is written once and run on both backends ([`on_both!`]).
//!
//! PostgreSQL tests use the server at `CIFRA_STORE_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/test`, a maintenance database): each creates
//! its own database there and drops it when done, so they run in parallel and leave
//! nothing behind.

#![allow(dead_code)] // Each test binary uses part of this module.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use cifra_store::{ElectionSpec, Mesa, Record, Store, StoreError};
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

/// A three-mesa election in two regions, with a mesa whose electors are unknown.
pub fn spec() -> ElectionSpec {
    let mesa = |id: &str, region: &str, circ: &str, electors| Mesa {
        id: id.to_string(),
        territory: vec![region.to_string(), circ.to_string()],
        electors,
    };
    ElectionSpec {
        name: "cifra.example/cl-2021-presidential-r1".into(),
        system: "cl-presidential".into(),
        options: ["boric", "kast", "blank", "null"]
            .map(String::from)
            .to_vec(),
        id_columns: ["circunscripcion", "mesa"].map(String::from).to_vec(),
        territory_columns: ["region", "circunscripcion"].map(String::from).to_vec(),
        mesas: vec![
            mesa("ANTOFAGASTA/1", "DE ANTOFAGASTA", "ANTOFAGASTA", Some(350)),
            mesa("ANTOFAGASTA/2", "DE ANTOFAGASTA", "ANTOFAGASTA", None),
            mesa("ARICA/1", "DE ARICA Y PARINACOTA", "ARICA", Some(0)),
        ],
        signing_key: std::array::from_fn(|i| i as u8),
    }
}

/// The record at `index`, with a line that says which index and which writer. Each
/// index has its own mesa and version (a log records a mesa's acta version once).
pub fn record(index: u64, writer: &str) -> Record {
    Record {
        index,
        mesa: format!("mesa-{}", index % 7),
        version: (index / 7) as u32 + 1,
        line: line(index, writer),
    }
}

pub fn line(index: u64, writer: &str) -> String {
    format!(r#"{{"index":{index},"writer":"{writer}","note":"a = b, ñandú"}}"#)
}

/// Records `from..to` by one writer.
pub fn records(from: u64, to: u64, writer: &str) -> Vec<Record> {
    (from..to).map(|index| record(index, writer)).collect()
}

/// The lines of records `from..to` by one writer.
pub fn lines(from: u64, to: u64, writer: &str) -> Vec<String> {
    (from..to).map(|index| line(index, writer)).collect()
}

/// Which backend a place is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where one election lives during a test; removed when dropped.
pub trait Place {
    fn backend(&self) -> Backend;
    /// The address `cifra_store::open` and `create` take.
    fn address(&self) -> String;
    /// How errors name the database.
    fn name(&self) -> String;
    /// Runs SQL on the database behind the stores' back (tables unqualified).
    fn tamper(&self, sql: &str);
    /// Whether nothing was written here (no file; no cifra schema).
    fn holds_nothing(&self) -> bool;

    fn create(&self, spec: &ElectionSpec) -> Result<Box<dyn Store>, StoreError> {
        cifra_store::create(&self.address(), spec)
    }

    fn open(&self) -> Result<Box<dyn Store>, StoreError> {
        cifra_store::open(&self.address())
    }

    /// Runs the backend's SQL of the two.
    fn tamper_with(&self, sqlite: &str, postgres: &str) {
        match self.backend() {
            Backend::Sqlite => self.tamper(sqlite),
            Backend::Postgres => self.tamper(postgres),
        }
    }
}

/// Runs one test function on each backend, as `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both {
    ($($test:ident),* $(,)?) => {
        $(
            mod $test {
                #[test]
                fn sqlite() {
                    super::$test(&$crate::common::sqlite());
                }

                #[test]
                fn postgres() {
                    super::$test(&$crate::common::postgres());
                }
            }
        )*
    };
}

/// A place for a SQLite file in a new temporary directory.
pub fn sqlite() -> SqlitePlace {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("election.db");
    SqlitePlace { dir, path }
}

/// A place in a new PostgreSQL database.
pub fn postgres() -> TestDatabase {
    TestDatabase::new()
}

pub struct SqlitePlace {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl Place for SqlitePlace {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn address(&self) -> String {
        self.path.to_str().unwrap().to_string()
    }

    fn name(&self) -> String {
        self.path.display().to_string()
    }

    fn tamper(&self, sql: &str) {
        rusqlite::Connection::open(&self.path)
            .unwrap()
            .execute_batch(sql)
            .unwrap();
    }

    fn holds_nothing(&self) -> bool {
        files_in(self.dir.path()).is_empty()
    }
}

/// The names of the files in `dir`, sorted.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The PostgreSQL server the tests use, by its maintenance database's address.
pub fn maintenance_url() -> String {
    std::env::var("CIFRA_STORE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// The address of database `name` on the tests' server.
pub fn database_url(name: &str) -> String {
    let url = maintenance_url();
    let (server, _) = url.rsplit_once('/').unwrap();
    format!("{server}/{name}")
}

/// A database of its own for one test, dropped (with whatever is connected to it)
/// when the test ends, passed or failed.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    pub fn new() -> TestDatabase {
        static COUNT: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!(
            "cifra_test_{}_{}_{nanos}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        );
        Session::connect(&maintenance_url())
            .unwrap_or_else(|error| {
                panic!(
                    "PostgreSQL at {} is needed by these tests ({error}); start it with \
                     pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
                    maintenance_url()
                )
            })
            .sql(&format!("CREATE DATABASE {name}"));
        let url = database_url(&name);
        TestDatabase { name, url }
    }

    /// A session on this database, with the `cifra` schema first on the search path.
    pub fn session(&self) -> Session {
        let session = Session::connect(&self.url).unwrap();
        session.sql("SET search_path = cifra, public");
        session
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Best effort: a failure here must not hide the test's own.
        if let Ok(session) = Session::connect(&maintenance_url()) {
            let _ = session.try_sql(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

impl Place for TestDatabase {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn address(&self) -> String {
        self.url.clone()
    }

    fn name(&self) -> String {
        self.url.clone()
    }

    fn tamper(&self, sql: &str) {
        self.session().sql(sql);
    }

    fn holds_nothing(&self) -> bool {
        let rows = self.session().sql(
            "SELECT count(*) FROM pg_namespace WHERE nspname = 'cifra' \
             UNION ALL SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
        );
        rows.iter().all(|row| row[0].as_deref() == Some("0"))
    }
}

/// A plain connection to a database, for what the tests do behind the stores' back.
pub struct Session {
    runtime: tokio::runtime::Runtime,
    client: Client,
}

impl Session {
    pub fn connect(url: &str) -> Result<Session, tokio_postgres::Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = runtime.block_on(async {
            let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
            tokio::spawn(connection);
            Ok::<_, tokio_postgres::Error>(client)
        })?;
        Ok(Session { runtime, client })
    }

    /// Runs statements; returns their rows, as text.
    pub fn sql(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        self.try_sql(sql)
            .unwrap_or_else(|error| panic!("{sql}: {error:?}"))
    }

    pub fn try_sql(&self, sql: &str) -> Result<Vec<Vec<Option<String>>>, tokio_postgres::Error> {
        let messages = self.runtime.block_on(self.client.simple_query(sql))?;
        let mut rows = Vec::new();
        for message in messages {
            if let SimpleQueryMessage::Row(row) = message {
                rows.push(
                    (0..row.len())
                        .map(|i| row.get(i).map(String::from))
                        .collect(),
                );
            }
        }
        Ok(rows)
    }
}

/// Asserts an error's message names the database.
pub fn assert_names(error: &StoreError, name: &str) {
    let message = error.to_string();
    assert!(message.contains(name), "{message:?} does not name {name}");
}

/// Asserts an error is a gap at the given indexes.
pub fn assert_gap(error: StoreError, expected_index: u64, got_index: u64) {
    match error {
        StoreError::Gap { expected, got, .. } => {
            assert_eq!((expected, got), (expected_index, got_index))
        }
        other => panic!("expected a gap, got {other:?}"),
    }
}
