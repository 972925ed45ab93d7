//! Checks on an election spec before anything is written (every backend stores only
//! specs that can be read back and used), and after it is read back (every backend
//! reports damaged data the same way).

use std::collections::HashSet;
use std::path::Path;

use crate::{ElectionSpec, Mesa, StoreError, Token};

/// What is wrong with `spec`, if anything, in words for the operator.
pub(crate) fn problem(spec: &ElectionSpec) -> Option<String> {
    if spec.name.trim().is_empty() {
        return Some("the election has no name (the log's origin)".into());
    }
    if spec.system.trim().is_empty() {
        return Some("the election has no electoral system".into());
    }
    names_problem("option", &spec.options)
        .or_else(|| names_problem("id column", &spec.id_columns))
        .or_else(|| names_problem_allow_none("territory column", &spec.territory_columns))
        .or_else(|| mesas_problem(spec))
}

/// A list that must be non-empty, of non-blank, distinct names.
fn names_problem(what: &str, names: &[String]) -> Option<String> {
    if names.is_empty() {
        return Some(format!("the election has no {what}s"));
    }
    names_problem_allow_none(what, names)
}

/// A list, possibly empty, of non-blank, distinct names.
fn names_problem_allow_none(what: &str, names: &[String]) -> Option<String> {
    let mut seen = HashSet::new();
    for (position, name) in names.iter().enumerate() {
        if name.trim().is_empty() {
            return Some(format!("{what} number {} has an empty name", position + 1));
        }
        if !seen.insert(name.as_str()) {
            return Some(format!("the {what} {name:?} appears twice"));
        }
    }
    None
}

fn mesas_problem(spec: &ElectionSpec) -> Option<String> {
    let columns = spec.territory_columns.len();
    let mut seen = HashSet::with_capacity(spec.mesas.len());
    for mesa in &spec.mesas {
        if mesa.id.trim().is_empty() {
            return Some("a mesa has an empty id".into());
        }
        if !seen.insert(mesa.id.as_str()) {
            return Some(format!("the mesa {:?} appears twice", mesa.id));
        }
        if mesa.territory.len() != columns {
            return Some(format!(
                "the mesa {:?} has {} territory values, but the election has {columns} territory columns",
                mesa.id,
                mesa.territory.len()
            ));
        }
        if mesa.electors.is_some_and(|n| i64::try_from(n).is_err()) {
            return Some(format!(
                "the mesa {:?} has more electors than can be stored",
                mesa.id
            ));
        }
    }
    None
}

/// What the lists of names are, in the order [`StoredSpec::names`] holds them.
pub(crate) const NAME_LISTS: [&str; 3] = ["option", "id column", "territory column"];

/// An election spec as a backend read it: every list's rows with their stored
/// positions, not yet checked.
pub(crate) struct StoredSpec {
    /// The election's name (the log's origin).
    pub name: String,
    /// The electoral system's id.
    pub system: String,
    /// The signing key's bytes.
    pub signing_key: Vec<u8>,
    /// The `(position, name)` rows of the options, id columns and territory columns
    /// (as [`NAME_LISTS`]), each ordered by position.
    pub names: [Vec<(i64, String)>; 3],
    /// The `(position, id, electors)` rows of the mesas, ordered by position.
    pub mesas: Vec<(i64, String, Option<i64>)>,
    /// The `(mesa position, column position, value)` rows of the mesas' territory
    /// values, ordered by mesa, then column.
    pub territory: Vec<(i64, i64, String)>,
}

impl StoredSpec {
    /// The spec, once every list is whole (positions 0, 1, 2, ...) and every mesa has
    /// one value per territory column.
    pub(crate) fn check(self, path: &Path) -> Result<ElectionSpec, StoreError> {
        let signing_key = <[u8; 32]>::try_from(self.signing_key.as_slice())
            .map_err(|_| StoreError::corrupt(path, "the signing key is not 32 bytes"))?;
        let [options, id_columns, territory_columns] = self.names;
        let [options_what, id_what, territory_what] = NAME_LISTS;
        let territory_columns = check_names(path, territory_columns, territory_what)?;
        let mesas = check_mesas(path, self.mesas, self.territory, territory_columns.len())?;
        Ok(ElectionSpec {
            name: self.name,
            system: self.system,
            options: check_names(path, options, options_what)?,
            id_columns: check_names(path, id_columns, id_what)?,
            territory_columns,
            mesas,
            signing_key,
        })
    }
}

fn check_names(
    path: &Path,
    rows: Vec<(i64, String)>,
    what: &str,
) -> Result<Vec<String>, StoreError> {
    let mut names = Vec::with_capacity(rows.len());
    for (position, name) in rows {
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

fn check_mesas(
    path: &Path,
    rows: Vec<(i64, String, Option<i64>)>,
    territory: Vec<(i64, i64, String)>,
    columns: usize,
) -> Result<Vec<Mesa>, StoreError> {
    let mut mesas = Vec::with_capacity(rows.len());
    for (position, id, electors) in rows {
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
            territory: Vec::with_capacity(columns),
            electors,
        });
    }
    for (mesa, position, value) in territory {
        let values = usize::try_from(mesa)
            .ok()
            .and_then(|mesa| mesas.get_mut(mesa))
            .map(|mesa| &mut mesa.territory)
            .ok_or_else(|| {
                StoreError::corrupt(
                    path,
                    format!("a territory value belongs to no mesa (position {mesa})"),
                )
            })?;
        if !is_position(position, values.len()) {
            return Err(StoreError::corrupt(
                path,
                format!("mesa position {mesa} has a territory value at position {position}"),
            ));
        }
        values.push(value);
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

/// Whether a stored position is the next one expected in a list.
fn is_position(stored: i64, expected: usize) -> bool {
    usize::try_from(stored) == Ok(expected)
}

/// A token from its stored hash and scope text.
pub(crate) fn token_from_row(path: &Path, hash: &[u8], scope: &str) -> Result<Token, StoreError> {
    let hash = <[u8; 32]>::try_from(hash).map_err(|_| {
        StoreError::corrupt(
            path,
            format!("a token hash has {} bytes, not 32", hash.len()),
        )
    })?;
    let scope = scope
        .parse()
        .map_err(|error| StoreError::corrupt(path, format!("a token's {error}")))?;
    Ok(Token { hash, scope })
}

/// A token scope names a column that is not a territory column; `columns` lists the
/// election's territory columns (comma-separated), if it has any.
pub(crate) fn not_a_territory_column(
    path: &Path,
    column: &str,
    value: &str,
    columns: Option<String>,
) -> StoreError {
    let scope = format!("{column}={value}");
    let known = match columns {
        Some(columns) => format!("the election's territory columns are {columns}"),
        None => "the election has no territory columns".to_string(),
    };
    StoreError::invalid(
        path,
        format!("token scope {scope:?}: {column:?} is not a territory column ({known})"),
    )
}

/// A token scope whose territory value no mesa has.
pub(crate) fn no_mesa_has(path: &Path, column: &str, value: &str) -> StoreError {
    let scope = format!("{column}={value}");
    StoreError::invalid(
        path,
        format!("token scope {scope:?}: no mesa has {column} {value:?}"),
    )
}
