//! The SQLite schema, and the election spec written into it and read back.
//!
//! Lists (options, columns, mesas, territory values) are rows with their positions, not
//! encoded text, so that the database can be queried and checked by SQLite itself.

use std::path::Path;

use rusqlite::{params, Transaction};

use super::At;
use crate::error::SCHEMA_VERSION;
use crate::spec::StoredSpec;
use crate::{ElectionSpec, Mesa, StoreError};

/// Every table, created in `create`'s one transaction. STRICT tables refuse values of
/// the wrong type, so what is read back is what was written.
///
/// `entries` has no index beyond its primary key: nothing reads it by mesa yet, and a
/// second index costs about 15% of `append`'s time. One can be added on open, without
/// a new schema version, when a reader needs it.
pub(super) const TABLES: &str = "
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID, STRICT;

CREATE TABLE election (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    name TEXT NOT NULL,
    system TEXT NOT NULL,
    signing_key BLOB NOT NULL CHECK (length(signing_key) = 32)
) STRICT;

CREATE TABLE options (
    position INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE id_columns (
    position INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE territory_columns (
    position INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE mesas (
    position INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    electors INTEGER CHECK (electors >= 0)
) STRICT;

CREATE TABLE mesa_territory (
    mesa INTEGER NOT NULL REFERENCES mesas (position),
    position INTEGER NOT NULL REFERENCES territory_columns (position),
    value TEXT NOT NULL,
    PRIMARY KEY (mesa, position)
) WITHOUT ROWID, STRICT;

CREATE TABLE tokens (
    hash BLOB PRIMARY KEY CHECK (length(hash) = 32),
    scope TEXT NOT NULL
) STRICT;

CREATE TABLE entries (
    idx INTEGER PRIMARY KEY CHECK (idx >= 0),
    mesa TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 0),
    line TEXT NOT NULL
) STRICT;
";

/// The signed checkpoints the server kept: one per size, forever. Created on `open`
/// too (`IF NOT EXISTS`), so that a file written before checkpoints were kept gains the
/// table without a new schema version: the table only adds to what older files hold.
pub(super) const CHECKPOINTS: &str = "
CREATE TABLE IF NOT EXISTS checkpoints (
    size INTEGER PRIMARY KEY CHECK (size >= 0),
    root BLOB NOT NULL CHECK (length(root) = 32),
    note TEXT NOT NULL
) STRICT;
";

/// The tables holding the spec's lists of names, in [`StoredSpec::names`]' order.
const NAME_LISTS: [&str; 3] = ["options", "id_columns", "territory_columns"];

/// Writes the schema version and `spec` (already validated) into a new database.
pub(super) fn write_spec(
    tx: &Transaction,
    path: &Path,
    spec: &ElectionSpec,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('cifra_schema', ?1)",
        [SCHEMA_VERSION],
    )
    .at(path)?;
    tx.execute(
        "INSERT INTO election (singleton, name, system, signing_key) VALUES (1, ?1, ?2, ?3)",
        params![spec.name, spec.system, spec.signing_key],
    )
    .at(path)?;
    let lists = [&spec.options, &spec.id_columns, &spec.territory_columns];
    for (table, names) in NAME_LISTS.iter().zip(lists) {
        let mut insert = tx
            .prepare(&format!(
                "INSERT INTO {table} (position, name) VALUES (?1, ?2)"
            ))
            .at(path)?;
        for (position, name) in names.iter().enumerate() {
            insert.execute(params![position, name]).at(path)?;
        }
    }
    write_mesas(tx, path, &spec.mesas)
}

fn write_mesas(tx: &Transaction, path: &Path, mesas: &[Mesa]) -> Result<(), StoreError> {
    let mut insert_mesa = tx
        .prepare("INSERT INTO mesas (position, id, electors) VALUES (?1, ?2, ?3)")
        .at(path)?;
    let mut insert_value = tx
        .prepare("INSERT INTO mesa_territory (mesa, position, value) VALUES (?1, ?2, ?3)")
        .at(path)?;
    for (position, mesa) in mesas.iter().enumerate() {
        insert_mesa
            .execute(params![position, mesa.id, mesa.electors])
            .at(path)?;
        for (column, value) in mesa.territory.iter().enumerate() {
            insert_value
                .execute(params![position, column, value])
                .at(path)?;
        }
    }
    Ok(())
}

/// Reads the spec back, checking that every list is whole (positions 0, 1, 2, ...)
/// and every mesa has one value per territory column.
pub(super) fn read_spec(tx: &Transaction, path: &Path) -> Result<ElectionSpec, StoreError> {
    let (name, system, signing_key) = tx
        .query_row(
            "SELECT name, system, signing_key FROM election WHERE singleton = 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get::<_, Vec<u8>>(2)?)),
        )
        .map_err(|error| match error {
            rusqlite::Error::QueryReturnedNoRows => {
                StoreError::corrupt(path, "the election table is empty")
            }
            other => StoreError::database(path, other),
        })?;
    let [options, id_columns, territory_columns] = NAME_LISTS.map(|table| {
        rows(
            tx,
            path,
            &format!("SELECT position, name FROM {table} ORDER BY position"),
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
    });
    let stored = StoredSpec {
        name,
        system,
        signing_key,
        names: [options?, id_columns?, territory_columns?],
        mesas: rows(
            tx,
            path,
            "SELECT position, id, electors FROM mesas ORDER BY position",
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?,
        territory: rows(
            tx,
            path,
            "SELECT mesa, position, value FROM mesa_territory ORDER BY mesa, position",
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?,
    };
    stored.check(path)
}

/// Every row of a query.
fn rows<T>(
    tx: &Transaction,
    path: &Path,
    sql: &str,
    read: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, StoreError> {
    let mut select = tx.prepare(sql).at(path)?;
    let rows = select.query_map([], read).at(path)?;
    rows.collect::<rusqlite::Result<Vec<T>>>().at(path)
}
