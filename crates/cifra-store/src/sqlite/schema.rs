//! The SQLite schema, and the election spec written into it and read back.
//!
//! Lists (options, columns, mesas, territory values) are rows with their positions, not
//! encoded text, so that the database can be queried and checked by SQLite itself.

use std::path::Path;

use rusqlite::{params, Transaction};

use super::At;
use crate::error::SCHEMA_VERSION;
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

/// The tables holding the spec's lists of names, by what they list.
const NAME_LISTS: [(&str, &str); 3] = [
    ("options", "option"),
    ("id_columns", "id column"),
    ("territory_columns", "territory column"),
];

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
    for ((table, _), names) in NAME_LISTS.iter().zip(lists) {
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
    let signing_key = <[u8; 32]>::try_from(signing_key.as_slice())
        .map_err(|_| StoreError::corrupt(path, "the signing key is not 32 bytes"))?;
    let [options, id_columns, territory_columns] =
        NAME_LISTS.map(|(table, what)| read_names(tx, path, table, what));
    let territory_columns = territory_columns?;
    let mesas = read_mesas(tx, path, territory_columns.len())?;
    Ok(ElectionSpec {
        name,
        system,
        options: options?,
        id_columns: id_columns?,
        territory_columns,
        mesas,
        signing_key,
    })
}

fn read_names(
    tx: &Transaction,
    path: &Path,
    table: &str,
    what: &str,
) -> Result<Vec<String>, StoreError> {
    let mut select = tx
        .prepare(&format!(
            "SELECT position, name FROM {table} ORDER BY position"
        ))
        .at(path)?;
    let rows = select
        .query_map([], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })
        .at(path)?;
    let mut names = Vec::new();
    for row in rows {
        let (position, name) = row.at(path)?;
        if !is_position(position, names.len()) {
            return Err(StoreError::corrupt(
                path,
                format!("{what} {} is stored at position {position}", names.len()),
            ));
        }
        names.push(name);
    }
    Ok(names)
}

fn read_mesas(tx: &Transaction, path: &Path, columns: usize) -> Result<Vec<Mesa>, StoreError> {
    let mut mesas = read_mesa_rows(tx, path)?;
    let mut select = tx
        .prepare("SELECT mesa, position, value FROM mesa_territory ORDER BY mesa, position")
        .at(path)?;
    let rows = select
        .query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, String>(2)?,
            ))
        })
        .at(path)?;
    for row in rows {
        let (mesa, position, value) = row.at(path)?;
        let territory = usize::try_from(mesa)
            .ok()
            .and_then(|mesa| mesas.get_mut(mesa))
            .map(|mesa| &mut mesa.territory)
            .ok_or_else(|| {
                StoreError::corrupt(
                    path,
                    format!("a territory value belongs to no mesa (position {mesa})"),
                )
            })?;
        if !is_position(position, territory.len()) {
            return Err(StoreError::corrupt(
                path,
                format!("mesa position {mesa} has a territory value at position {position}"),
            ));
        }
        territory.push(value);
    }
    match mesas.iter().find(|mesa| mesa.territory.len() != columns) {
        Some(mesa) => Err(StoreError::corrupt(
            path,
            format!(
                "the mesa {:?} has {} territory values, but the election has {columns} territory columns",
                mesa.id,
                mesa.territory.len()
            ),
        )),
        None => Ok(mesas),
    }
}

/// The mesas without their territory values.
fn read_mesa_rows(tx: &Transaction, path: &Path) -> Result<Vec<Mesa>, StoreError> {
    let mut select = tx
        .prepare("SELECT position, id, electors FROM mesas ORDER BY position")
        .at(path)?;
    let rows = select
        .query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Option<i64>>(2)?,
            ))
        })
        .at(path)?;
    let mut mesas = Vec::new();
    for row in rows {
        let (position, id, electors) = row.at(path)?;
        if !is_position(position, mesas.len()) {
            return Err(StoreError::corrupt(
                path,
                format!("mesa {} is stored at position {position}", mesas.len()),
            ));
        }
        let electors = electors.map(u64::try_from).transpose().map_err(|_| {
            StoreError::corrupt(
                path,
                format!("the mesa {id:?} has a negative number of electors"),
            )
        })?;
        mesas.push(Mesa {
            id,
            territory: Vec::new(),
            electors,
        });
    }
    Ok(mesas)
}

/// Whether a stored position is the next one expected in a list.
fn is_position(stored: i64, expected: usize) -> bool {
    usize::try_from(stored) == Ok(expected)
}
