//! The election as the server holds it, fixed for the night: its options, its mesas and
//! where each lies, indexed for the intake's look-ups.

use crate::scope::Scope;
use crate::spec::ElectionSpec;
use cifra_core::System;
use std::collections::HashMap;

/// The election, indexed. Built once at start from the store; never changes.
#[derive(Debug)]
pub struct Election {
    /// What `cifra init` recorded.
    pub spec: ElectionSpec,
    /// The system deciding the outcome.
    pub system: System,
    /// Mesa id → position in `spec.mesas`.
    mesa_index: HashMap<String, u32>,
    /// Option id → position in `spec.options`.
    option_index: HashMap<String, usize>,
    /// Per territory column, its values in the order they first appear in the mesa file.
    pub values: Vec<Vec<String>>,
    /// Per territory column, value → position in `values`.
    value_index: Vec<HashMap<String, u32>>,
    /// Per mesa, per territory column, the position of its value.
    pub mesa_values: Vec<Vec<u32>>,
    /// Per territory column, per value, the number of mesas.
    pub mesas_per_value: Vec<Vec<u64>>,
    /// Whether the mesa file gave registered electors (then results count them).
    pub knows_electors: bool,
}

/// Why a stored election cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum ElectionError {
    /// The system is unknown to this build.
    #[error("the election's system {0:?} is not known to this version of cifra")]
    UnknownSystem(String),
    /// The system decides seats among lists, not one office.
    #[error("cifra serve decides elections of one office ({served}); {system} is not one", served = cifra_report::live::served_systems().join(", "))]
    NotServed {
        /// The system's id.
        system: &'static str,
    },
}

impl Election {
    /// Indexes `spec`.
    pub fn new(spec: ElectionSpec) -> Result<Election, ElectionError> {
        let system: System = spec
            .system
            .parse()
            .map_err(|_| ElectionError::UnknownSystem(spec.system.clone()))?;
        if !cifra_report::live::serves(system) {
            return Err(ElectionError::NotServed {
                system: system.id(),
            });
        }
        let mesa_index = (0u32..)
            .zip(&spec.mesas)
            .map(|(i, m)| (m.id.clone(), i))
            .collect();
        let option_index = spec
            .options
            .iter()
            .enumerate()
            .map(|(i, o)| (o.clone(), i))
            .collect();
        let columns = spec.territory_columns.len();
        let mut values: Vec<Vec<String>> = vec![Vec::new(); columns];
        let mut value_index: Vec<HashMap<String, u32>> = vec![HashMap::new(); columns];
        let mut mesas_per_value: Vec<Vec<u64>> = vec![Vec::new(); columns];
        let mut mesa_values = Vec::with_capacity(spec.mesas.len());
        for mesa in &spec.mesas {
            let mut positions = Vec::with_capacity(columns);
            for (c, value) in mesa.territory.iter().enumerate() {
                let next = values[c].len() as u32;
                let v = *value_index[c].entry(value.clone()).or_insert(next);
                if v == next {
                    values[c].push(value.clone());
                    mesas_per_value[c].push(0);
                }
                mesas_per_value[c][v as usize] += 1;
                positions.push(v);
            }
            mesa_values.push(positions);
        }
        let knows_electors = spec.mesas.iter().any(|m| m.electors.is_some());
        Ok(Election {
            knows_electors,
            spec,
            system,
            mesa_index,
            option_index,
            values,
            value_index,
            mesa_values,
            mesas_per_value,
        })
    }

    /// The position of mesa `id`.
    pub fn mesa(&self, id: &str) -> Option<u32> {
        self.mesa_index.get(id).copied()
    }

    /// The position of option `id`.
    pub fn option(&self, id: &str) -> Option<usize> {
        self.option_index.get(id).copied()
    }

    /// The position of territory column `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.spec.territory_columns.iter().position(|c| c == name)
    }

    /// The position of `value` in territory column `column`.
    pub fn value(&self, column: usize, value: &str) -> Option<u32> {
        self.value_index.get(column)?.get(value).copied()
    }

    /// Whether a token of `scope` may submit mesa `mesa`.
    pub fn in_scope(&self, scope: &Scope, mesa: u32) -> bool {
        match scope {
            Scope::National => true,
            Scope::Territory { column, value } => {
                let m = &self.spec.mesas[mesa as usize];
                self.column(column)
                    .is_some_and(|c| m.territory.get(c) == Some(value))
            }
        }
    }

    /// Whether `scope` names a territory of this election (a token for no mesa is a
    /// mistake worth refusing when it is issued); if not, what would be valid.
    pub fn check_scope(&self, scope: &Scope) -> Result<(), UnknownScope> {
        let Scope::Territory { column, value } = scope else {
            return Ok(());
        };
        let Some(c) = self.column(column) else {
            return Err(UnknownScope::Column {
                column: column.clone(),
                columns: self.spec.territory_columns.clone(),
            });
        };
        if self.value(c, value).is_some() {
            return Ok(());
        }
        let values = &self.values[c];
        // The one value holding what was given, ignoring case: the value meant.
        let wanted = value.to_lowercase();
        let mut close = values
            .iter()
            .filter(|v| !wanted.is_empty() && v.to_lowercase().contains(&wanted));
        let meant = match (close.next(), close.next()) {
            (Some(v), None) => Some(v.clone()),
            _ => None,
        };
        Err(UnknownScope::Value {
            column: column.clone(),
            value: value.clone(),
            values: values.clone(),
            meant,
        })
    }
}

/// The values of a territory an [`UnknownScope`] lists in full; past these, only their
/// number.
const VALUES_LISTED: usize = 20;

/// A scope that names no territory of the election, with what is valid instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnknownScope {
    /// The column is not one of the election's territory columns.
    Column {
        /// The column given.
        column: String,
        /// The election's territory columns (maybe none).
        columns: Vec<String>,
    },
    /// The column has no such value.
    Value {
        /// The column given.
        column: String,
        /// The value given.
        value: String,
        /// The column's values.
        values: Vec<String>,
        /// The one value that contains what was given, ignoring case, if exactly one does.
        meant: Option<String>,
    },
}

impl std::fmt::Display for UnknownScope {
    /// What is wrong and what is valid: the territory columns, or the column's values
    /// (the first [`VALUES_LISTED`] and how many more) and the one meant.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UnknownScope::Column { column, columns } if columns.is_empty() => write!(
                f,
                "{column:?} is not a territory column of this election (its territory columns: none: only the national scope)"
            ),
            UnknownScope::Column { column, columns } => write!(
                f,
                "{column:?} is not a territory column of this election (its territory columns: {})",
                columns.join(", ")
            ),
            UnknownScope::Value { column, value, values, meant } => {
                let mut listed: Vec<String> =
                    values.iter().take(VALUES_LISTED).map(|v| format!("{v:?}")).collect();
                if values.len() > VALUES_LISTED {
                    listed.push(format!("and {} more", values.len() - VALUES_LISTED));
                }
                write!(
                    f,
                    "no {column} {value:?} in this election (its {} values: {})",
                    values.len(),
                    listed.join(", ")
                )?;
                match meant {
                    Some(v) => write!(f, "; did you mean \"{column}={v}\"?"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl std::error::Error for UnknownScope {}
