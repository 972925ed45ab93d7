//! Checks on an election spec before anything is written: every backend stores only
//! specs that can be read back and used.

use std::collections::HashSet;

use crate::ElectionSpec;

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
