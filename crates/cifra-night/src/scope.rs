//! What a token may submit, and its text form (`national`, `region=DE ANTOFAGASTA`),
//! which is how operators write it and how it is stored.

use std::fmt;
use std::str::FromStr;

/// What a token may submit: every mesa, or the mesas of one territory.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Any mesa of the election.
    National,
    /// The mesas whose territory column `column` has the value `value`.
    Territory {
        /// A territory column of the election, e.g. `region`.
        column: String,
        /// The column's value, e.g. `DE ANTOFAGASTA`.
        value: String,
    },
}

impl fmt::Display for Scope {
    /// `national`, or `column=value`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::National => f.write_str("national"),
            Scope::Territory { column, value } => write!(f, "{column}={value}"),
        }
    }
}

impl FromStr for Scope {
    type Err = ParseScopeError;

    /// `national` (surrounding spaces ignored), or `COLUMN=VALUE` split at the first
    /// `=`: the column is trimmed, the value is kept as written (it may hold spaces and
    /// `=`); neither may be empty.
    fn from_str(text: &str) -> Result<Scope, ParseScopeError> {
        let error = |reason| ParseScopeError {
            input: text.to_string(),
            reason,
        };
        if text.trim() == "national" {
            return Ok(Scope::National);
        }
        let (column, value) = text.split_once('=').ok_or_else(|| error("no '='"))?;
        let column = column.trim();
        if column.is_empty() {
            return Err(error("the column before '=' is empty"));
        }
        if value.trim().is_empty() {
            return Err(error("the value after '=' is empty"));
        }
        Ok(Scope::Territory {
            column: column.to_string(),
            value: value.to_string(),
        })
    }
}

/// A scope's text is neither `national` nor `COLUMN=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid scope {input:?}: {reason}; a scope is \"national\" or COLUMN=VALUE, e.g. \"region=DE ANTOFAGASTA\"")]
pub struct ParseScopeError {
    input: String,
    reason: &'static str,
}
