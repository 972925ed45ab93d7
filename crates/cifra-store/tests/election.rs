//! create and open: the spec round trip on both backends, and every file `open` and
//! `create` refuse (SQLite's; PostgreSQL's databases are in postgres.rs).

mod common;

use std::fs;
use std::path::Path;

use cifra_store::{ElectionSpec, SqliteStore, Store, StoreError};
use common::{assert_names, files_in, spec, Place};

fn assert_names_path(error: &StoreError, path: &Path) {
    assert_names(error, &path.display().to_string());
}

on_both!(
    the_spec_round_trips_through_create_and_open,
    an_election_without_territory_columns_or_mesas_round_trips,
    create_refuses_an_existing_election,
    create_refuses_an_invalid_spec_and_leaves_nothing,
    open_refuses_another_schema_version,
    damaged_election_data_is_reported_as_corrupt,
);

fn the_spec_round_trips_through_create_and_open(place: &dyn Place) {
    let store = place.create(&spec()).unwrap();
    assert_eq!(store.election().unwrap(), spec());
    assert_eq!(store.size().unwrap(), 0);
    assert!(store.tokens().unwrap().is_empty());
    drop(store);

    let store = place.open().unwrap();
    assert_eq!(store.election().unwrap(), spec());
    assert_eq!(store.size().unwrap(), 0);
}

fn an_election_without_territory_columns_or_mesas_round_trips(place: &dyn Place) {
    let spec = ElectionSpec {
        territory_columns: Vec::new(),
        mesas: Vec::new(),
        ..spec()
    };
    drop(place.create(&spec).unwrap());
    assert_eq!(place.open().unwrap().election().unwrap(), spec);
}

fn create_refuses_an_existing_election(place: &dyn Place) {
    let store = place.create(&spec()).unwrap();
    let other = ElectionSpec {
        name: "cifra.example/other".into(),
        ..spec()
    };
    let error = place.create(&other).err().unwrap();
    assert!(matches!(error, StoreError::Exists { .. }), "{error:?}");
    assert_names(&error, &place.name());
    assert_eq!(store.election().unwrap(), spec());
    assert_eq!(place.open().unwrap().election().unwrap(), spec());
}

fn create_refuses_an_invalid_spec_and_leaves_nothing(place: &dyn Place) {
    let mut cases: Vec<(ElectionSpec, &str)> = Vec::new();
    let mut case = |change: fn(&mut ElectionSpec), expected| {
        let mut spec = spec();
        change(&mut spec);
        cases.push((spec, expected));
    };
    case(|s| s.name = " ".into(), "no name");
    case(|s| s.system = String::new(), "no electoral system");
    case(|s| s.options.clear(), "no options");
    case(
        |s| s.options[1] = "boric".into(),
        "the option \"boric\" appears twice",
    );
    case(
        |s| s.options[2] = String::new(),
        "option number 3 has an empty name",
    );
    case(|s| s.id_columns.clear(), "no id columns");
    case(
        |s| s.territory_columns[1] = "region".into(),
        "the territory column \"region\" appears twice",
    );
    case(
        |s| s.mesas[2].id = "ANTOFAGASTA/1".into(),
        "the mesa \"ANTOFAGASTA/1\" appears twice",
    );
    case(|s| s.mesas[1].id = String::new(), "a mesa has an empty id");
    case(
        |s| s.mesas[1].territory.pop().map(drop).unwrap_or_default(),
        "the mesa \"ANTOFAGASTA/2\" has 1 territory values, but the election has 2 territory columns",
    );
    case(
        |s| s.mesas[0].electors = Some(u64::MAX),
        "the mesa \"ANTOFAGASTA/1\" has more electors than can be stored",
    );

    // One place for every case: each must leave it as it found it.
    for (spec, expected) in cases {
        let error = place.create(&spec).err().unwrap();
        assert!(matches!(error, StoreError::Invalid { .. }), "{error:?}");
        assert_names(&error, &place.name());
        assert!(
            error.to_string().contains(expected),
            "{error} lacks {expected:?}"
        );
        assert!(place.holds_nothing(), "{expected}: something was written");
    }
}

fn open_refuses_another_schema_version(place: &dyn Place) {
    drop(place.create(&spec()).unwrap());
    place.tamper_with(
        "UPDATE meta SET value = '99' WHERE key = 'cifra_schema'",
        "INSERT INTO cifra_migrations (version, description) VALUES (99, 'a later cifra')",
    );
    let error = place.open().err().unwrap();
    // PostgreSQL's schema is at its second migration (the kept checkpoints); SQLite's
    // gained that table without a new version.
    let ours = match place.backend() {
        common::Backend::Sqlite => "1",
        common::Backend::Postgres => "2",
    };
    match &error {
        StoreError::SchemaVersion {
            found, expected, ..
        } => assert_eq!((found.as_str(), expected.as_str()), ("99", ours)),
        other => panic!("{other:?}"),
    }
    assert_names(&error, &place.name());
}

fn damaged_election_data_is_reported_as_corrupt(place: &dyn Place) {
    let store = place.create(&spec()).unwrap();
    // A mesa that lost a territory value (foreign keys do not cover this).
    place.tamper("DELETE FROM mesa_territory WHERE mesa = 1 AND position = 1");
    let error = store.election().unwrap_err();
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
    assert_names(&error, &place.name());
    assert!(error.to_string().contains("ANTOFAGASTA/2"), "{error}");
}

#[test]
fn a_sqlite_election_is_in_write_ahead_logging_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("election.db");
    drop(SqliteStore::create(&path, &spec()).unwrap());
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.election().unwrap(), spec());

    // Write-ahead logging is a property of the file: other connections see it.
    let mode: String = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn the_file_is_private_to_its_owner() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("election.db");
    SqliteStore::create(&path, &spec()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "mode {mode:o}");
    }
}

#[test]
fn debug_leaves_the_signing_key_out() {
    let spec = ElectionSpec {
        signing_key: [0xAB; 32],
        ..spec()
    };
    let debug = format!("{spec:?}");
    assert!(debug.contains("<redacted>"), "{debug}");
    assert!(!debug.contains("171"), "{debug}");
}

#[test]
fn create_refuses_an_existing_file_and_leaves_it_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("election.db");
    fs::write(&path, "keep me").unwrap();
    let error = SqliteStore::create(&path, &spec()).unwrap_err();
    assert!(matches!(error, StoreError::Exists { .. }), "{error:?}");
    assert_names_path(&error, &path);
    assert_eq!(fs::read_to_string(&path).unwrap(), "keep me");
    assert_eq!(files_in(dir.path()), ["election.db"]);
}

#[test]
fn create_refuses_a_leftover_journal_it_would_replay() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("election.db");
    let wal = dir.path().join("election.db-wal");
    fs::write(&wal, "an old write-ahead log").unwrap();
    let error = SqliteStore::create(&path, &spec()).unwrap_err();
    assert!(matches!(error, StoreError::Exists { .. }), "{error:?}");
    assert_names_path(&error, &wal);
    assert_eq!(files_in(dir.path()), ["election.db-wal"]);
}

#[test]
fn create_in_a_missing_directory_fails_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("election.db");
    let error = SqliteStore::create(&path, &spec()).unwrap_err();
    assert!(matches!(error, StoreError::Io { .. }), "{error:?}");
    assert_names_path(&error, &path);
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn open_refuses_a_missing_file_and_does_not_create_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("election.db");
    let error = SqliteStore::open(&path).unwrap_err();
    assert!(matches!(error, StoreError::Missing { .. }), "{error:?}");
    assert_names_path(&error, &path);
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn open_refuses_a_file_that_is_not_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.csv");
    let text = "region,mesa,boric,kast\n".repeat(100);
    fs::write(&path, &text).unwrap();
    let error = SqliteStore::open(&path).unwrap_err();
    assert!(
        matches!(error, StoreError::NotAnElection { .. }),
        "{error:?}"
    );
    assert_names_path(&error, &path);
    assert!(
        error.to_string().contains("not a SQLite database"),
        "{error}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn open_refuses_an_empty_file_and_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.db");
    fs::write(&empty, "").unwrap();
    let error = SqliteStore::open(&empty).unwrap_err();
    assert!(
        matches!(error, StoreError::NotAnElection { .. }),
        "{error:?}"
    );
    assert_names_path(&error, &empty);
    assert_eq!(fs::read(&empty).unwrap().len(), 0);

    let error = SqliteStore::open(dir.path()).unwrap_err();
    assert!(
        matches!(error, StoreError::NotAnElection { .. }),
        "{error:?}"
    );
    assert_names_path(&error, dir.path());
}

#[test]
fn open_refuses_another_sqlite_database_without_changing_it() {
    let dir = tempfile::tempdir().unwrap();
    for (name, table) in [
        ("votes.db", "CREATE TABLE votes (mesa TEXT, boric INTEGER)"),
        // A `meta` table of another shape is not cifra's either.
        ("meta.db", "CREATE TABLE meta (name TEXT, data BLOB)"),
        ("keyvalue.db", "CREATE TABLE meta (key TEXT, value TEXT)"),
    ] {
        let path = dir.path().join(name);
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch(table)
            .unwrap();
        let error = SqliteStore::open(&path).unwrap_err();
        assert!(
            matches!(error, StoreError::NotAnElection { .. }),
            "{error:?}"
        );
        assert_names_path(&error, &path);
        // Not switched to WAL: opening a foreign file must not modify it.
        let mode: String = rusqlite::Connection::open(&path)
            .unwrap()
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "delete", "{name}");
    }
}
