//! The PostgreSQL schema, as numbered migrations, and the election spec written into
//! it and read back.
//!
//! Everything lives in one PostgreSQL schema, `cifra`, so that an election can share a
//! database with other tables, and a database holds at most one election. The schema's
//! version is the last migration applied, recorded in `cifra.cifra_migrations`; a
//! later version of cifra adds steps to [`MIGRATIONS`], never changes applied ones.

use tokio_postgres::error::SqlState;

use crate::spec::StoredSpec;
use crate::{ElectionSpec, StoreError};

use super::pool::{column, Conn};

/// The advisory lock `create` holds while it checks that the database holds no
/// election and writes one ("cifra_cr").
const CREATE_LOCK: i64 = 0x6369_6672_615f_6372;

/// A snapshot of the database for reads made of several statements.
pub(super) const SNAPSHOT: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

/// The schema and the table recording migrations, made before the first migration.
const BOOTSTRAP: &str = "
CREATE SCHEMA cifra;

CREATE TABLE cifra.cifra_migrations (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
";

/// One step of the schema.
struct Migration {
    version: i32,
    description: &'static str,
    sql: &'static str,
}

/// Every step, in order; the schema's version is the last one's.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "the election's tables",
        sql: TABLES,
    },
    Migration {
        version: 2,
        description: "the signed checkpoints kept",
        sql: CHECKPOINTS,
    },
];

/// The signed checkpoints the servers kept: one per size, forever, whichever server
/// signed it first.
const CHECKPOINTS: &str = "
CREATE TABLE cifra.checkpoints (
    size BIGINT PRIMARY KEY CHECK (size >= 0),
    root BYTEA NOT NULL CHECK (octet_length(root) = 32),
    note TEXT NOT NULL
);
";

/// The tables of the first version: SQLite's, in PostgreSQL's types.
///
/// `entries.version` is a BIGINT, not an INTEGER: an acta version is a `u32`, which an
/// INTEGER (`i32`) cannot hold whole. `UNIQUE (mesa, version)` is a second line of
/// defence across servers: however a server decided, the log never records one acta
/// version of a mesa twice.
const TABLES: &str = "
CREATE TABLE cifra.election (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    name TEXT NOT NULL,
    system TEXT NOT NULL,
    signing_key BYTEA NOT NULL CHECK (octet_length(signing_key) = 32)
);

CREATE TABLE cifra.options (
    position BIGINT PRIMARY KEY CHECK (position >= 0),
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE cifra.id_columns (
    position BIGINT PRIMARY KEY CHECK (position >= 0),
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE cifra.territory_columns (
    position BIGINT PRIMARY KEY CHECK (position >= 0),
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE cifra.mesas (
    position BIGINT PRIMARY KEY CHECK (position >= 0),
    id TEXT NOT NULL UNIQUE,
    electors BIGINT CHECK (electors >= 0)
);

CREATE TABLE cifra.mesa_territory (
    mesa BIGINT NOT NULL REFERENCES cifra.mesas (position),
    position BIGINT NOT NULL REFERENCES cifra.territory_columns (position),
    value TEXT NOT NULL,
    PRIMARY KEY (mesa, position)
);

CREATE TABLE cifra.tokens (
    added BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hash BYTEA NOT NULL UNIQUE CHECK (octet_length(hash) = 32),
    scope TEXT NOT NULL
);

CREATE TABLE cifra.entries (
    idx BIGINT PRIMARY KEY CHECK (idx >= 0),
    mesa TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version BETWEEN 0 AND 4294967295),
    line TEXT NOT NULL,
    CONSTRAINT entries_mesa_version UNIQUE (mesa, version)
);
";

/// The schema version this cifra writes and reads.
pub(super) fn schema_version() -> i32 {
    MIGRATIONS.last().map_or(0, |migration| migration.version)
}

/// Writes the schema and `spec` (already checked) into the database, in the caller's
/// transaction; refuses a database that holds an election (or a `cifra` schema).
pub(super) async fn create(conn: &mut Conn, spec: &ElectionSpec) -> Result<(), StoreError> {
    // Two `create`s on one database: the second waits, then finds the first's schema.
    conn.execute("SELECT pg_advisory_xact_lock($1)", &[&CREATE_LOCK])
        .await?;
    let row = conn
        .row("SELECT to_regnamespace('cifra') IS NOT NULL", &[])
        .await?;
    if column::<bool>(&row, 0, conn.name())? {
        return Err(StoreError::Exists {
            path: conn.name().to_path_buf(),
        });
    }
    conn.batch(BOOTSTRAP).await?;
    apply(conn, MIGRATIONS).await?;
    write_spec(conn, spec).await
}

/// Applies `migrations` in order, recording each, in the caller's transaction.
async fn apply(conn: &mut Conn, migrations: &[Migration]) -> Result<(), StoreError> {
    for migration in migrations {
        conn.batch(migration.sql).await?;
        conn.execute(
            "INSERT INTO cifra.cifra_migrations (version, description) VALUES ($1, $2)",
            &[&migration.version, &migration.description],
        )
        .await?;
    }
    Ok(())
}

/// Brings an election of an earlier schema version up to this one, in the caller's
/// transaction: the migrations after the last one applied. Anything else (no
/// election, a later version, a table that is not cifra's) is left as it is, for
/// [`check`] to name.
pub(super) async fn upgrade(conn: &mut Conn) -> Result<(), StoreError> {
    // Two servers opening one database: the second waits, then finds it done.
    conn.execute("SELECT pg_advisory_xact_lock($1)", &[&CREATE_LOCK])
        .await?;
    // Only a migrations table whose version column is cifra's is read: a statement
    // that fails would end the transaction, and `check` names what is wrong.
    let rows = conn
        .rows(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = 'cifra' \
             AND table_name = 'cifra_migrations' AND column_name = 'version' AND data_type = 'integer'",
            &[],
        )
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let row = conn
        .row("SELECT max(version) FROM cifra.cifra_migrations", &[])
        .await?;
    let applied: Option<i32> = column(&row, 0, conn.name())?;
    match applied {
        Some(applied) if applied >= 1 && applied < schema_version() => {
            let pending = MIGRATIONS.iter().position(|m| m.version > applied);
            apply(conn, &MIGRATIONS[pending.unwrap_or(MIGRATIONS.len())..]).await
        }
        _ => Ok(()),
    }
}

/// Positions 0, 1, 2, ... as stored.
fn positions(count: usize) -> Vec<i64> {
    // A Vec never holds more than isize::MAX elements: every position fits.
    (0..count).map(|position| position as i64).collect()
}

async fn write_spec(conn: &mut Conn, spec: &ElectionSpec) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO cifra.election (singleton, name, system, signing_key) VALUES (1, $1, $2, $3)",
        &[&spec.name, &spec.system, &&spec.signing_key[..]],
    )
    .await?;
    // One statement per table, whatever the number of rows (46,606 mesas, say).
    for (sql, names) in [
        (
            "INSERT INTO cifra.options (position, name) SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[])",
            &spec.options,
        ),
        (
            "INSERT INTO cifra.id_columns (position, name) SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[])",
            &spec.id_columns,
        ),
        (
            "INSERT INTO cifra.territory_columns (position, name) SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[])",
            &spec.territory_columns,
        ),
    ] {
        conn.execute(sql, &[&positions(names.len()), names]).await?;
    }
    let ids: Vec<&str> = spec.mesas.iter().map(|mesa| mesa.id.as_str()).collect();
    let mut electors = Vec::with_capacity(spec.mesas.len());
    for mesa in &spec.mesas {
        let count = mesa.electors.map(i64::try_from).transpose().map_err(|_| {
            StoreError::invalid(
                conn.name(),
                format!(
                    "invalid election: the mesa {:?} has more electors than can be stored",
                    mesa.id
                ),
            )
        })?;
        electors.push(count);
    }
    conn.execute(
        "INSERT INTO cifra.mesas (position, id, electors) SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::BIGINT[])",
        &[&positions(spec.mesas.len()), &ids, &electors],
    )
    .await?;
    let mut mesa_positions = Vec::new();
    let mut column_positions = Vec::new();
    let mut values = Vec::new();
    for (mesa, position) in spec.mesas.iter().zip(positions(spec.mesas.len())) {
        for (value, column) in mesa.territory.iter().zip(positions(mesa.territory.len())) {
            mesa_positions.push(position);
            column_positions.push(column);
            values.push(value.as_str());
        }
    }
    conn.execute(
        "INSERT INTO cifra.mesa_territory (mesa, position, value) SELECT * FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::TEXT[])",
        &[&mesa_positions, &column_positions, &values],
    )
    .await?;
    Ok(())
}

/// Whether the database holds a cifra election this version reads, with a whole log.
/// Reads only.
pub(super) async fn check(conn: &mut Conn) -> Result<(), StoreError> {
    conn.begin(SNAPSHOT).await?;
    let row = conn
        .row(
            "SELECT to_regnamespace('cifra') IS NOT NULL, to_regclass('cifra.cifra_migrations') IS NOT NULL",
            &[],
        )
        .await?;
    let name = conn.name().to_path_buf();
    let (schema, migrations): (bool, bool) = (column(&row, 0, &name)?, column(&row, 1, &name)?);
    if !schema {
        return Err(not_an_election(
            conn,
            "the database has no schema named cifra",
        ));
    }
    if !migrations {
        return Err(not_an_election(
            conn,
            "the database's schema named cifra is not cifra's (it has no cifra_migrations table)",
        ));
    }
    let version = match conn
        .try_rows("SELECT max(version)::TEXT FROM cifra.cifra_migrations", &[])
        .await
    {
        Ok(rows) => match rows.first() {
            Some(row) => column::<Option<String>>(row, 0, &name)?,
            None => None,
        },
        Err(error)
            if error.code().is_some_and(|code| {
                *code == SqlState::UNDEFINED_COLUMN || *code == SqlState::UNDEFINED_FUNCTION
            }) =>
        {
            // The statement does not fit the table (no such column, say).
            return Err(not_an_election(
                conn,
                "the database's cifra.cifra_migrations table is not cifra's",
            ));
        }
        Err(error) => return Err(conn.fail(&error)),
    };
    let expected = schema_version().to_string();
    match version {
        None => {
            return Err(not_an_election(
                conn,
                "the database's schema named cifra records no migration",
            ))
        }
        Some(found) if found != expected => {
            return Err(StoreError::SchemaVersion {
                path: name,
                found,
                expected,
            })
        }
        Some(_) => {}
    }
    check_log(conn).await?;
    conn.commit().await
}

/// The log must be entries 0, 1, 2, ... without holes: `size` relies on it.
async fn check_log(conn: &mut Conn) -> Result<(), StoreError> {
    let row = conn
        .row(
            "SELECT COUNT(*), MIN(idx), MAX(idx) FROM cifra.entries",
            &[],
        )
        .await?;
    let name = conn.name();
    let count: i64 = column(&row, 0, name)?;
    let first: Option<i64> = column(&row, 1, name)?;
    let last: Option<i64> = column(&row, 2, name)?;
    match (first, last) {
        (None, None) => Ok(()),
        (Some(0), Some(last)) if last == count - 1 => Ok(()),
        (first, last) => Err(StoreError::corrupt(
            name,
            format!(
                "the log has {count} entries but its indexes run from {} to {}: entries are missing",
                first.unwrap_or_default(),
                last.unwrap_or_default()
            ),
        )),
    }
}

fn not_an_election(conn: &Conn, reason: &str) -> StoreError {
    StoreError::NotAnElection {
        path: conn.name().to_path_buf(),
        reason: reason.to_string(),
    }
}

/// Reads the spec back, in one snapshot, checking it as SQLite's is checked.
pub(super) async fn read_spec(conn: &mut Conn) -> Result<ElectionSpec, StoreError> {
    conn.begin(SNAPSHOT).await?;
    let name = conn.name().to_path_buf();
    let rows = conn
        .rows(
            "SELECT name, system, signing_key FROM cifra.election WHERE singleton = 1",
            &[],
        )
        .await?;
    let row = rows
        .first()
        .ok_or_else(|| StoreError::corrupt(&name, "the election table is empty"))?;
    let (election, system, signing_key) = (
        column(row, 0, &name)?,
        column(row, 1, &name)?,
        column(row, 2, &name)?,
    );
    let mut names: [Vec<(i64, String)>; 3] = Default::default();
    for (list, sql) in names.iter_mut().zip([
        "SELECT position, name FROM cifra.options ORDER BY position",
        "SELECT position, name FROM cifra.id_columns ORDER BY position",
        "SELECT position, name FROM cifra.territory_columns ORDER BY position",
    ]) {
        for row in conn.rows(sql, &[]).await? {
            list.push((column(&row, 0, &name)?, column(&row, 1, &name)?));
        }
    }
    let mut mesas = Vec::new();
    for row in conn
        .rows(
            "SELECT position, id, electors FROM cifra.mesas ORDER BY position",
            &[],
        )
        .await?
    {
        mesas.push((
            column(&row, 0, &name)?,
            column(&row, 1, &name)?,
            column(&row, 2, &name)?,
        ));
    }
    let mut territory = Vec::new();
    for row in conn
        .rows(
            "SELECT mesa, position, value FROM cifra.mesa_territory ORDER BY mesa, position",
            &[],
        )
        .await?
    {
        territory.push((
            column(&row, 0, &name)?,
            column(&row, 1, &name)?,
            column(&row, 2, &name)?,
        ));
    }
    conn.commit().await?;
    StoredSpec {
        name: election,
        system,
        signing_key,
        names,
        mesas,
        territory,
    }
    .check(&name)
}
