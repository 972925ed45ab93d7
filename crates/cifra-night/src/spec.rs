//! What an election is, as `cifra init` records it: its name, system, options, mesas and
//! where each lies. The store keeps it; the server and the verifier index it
//! ([`crate::Election`]).

use std::fmt;

/// Why an election cannot be created from what was given (in the domain's words: the
/// caller says which input to change).
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// An option's id is empty or holds spaces.
    #[error("{0:?} is not an option id (no spaces, not empty)")]
    BadOption(String),
    /// An option is given twice.
    #[error("{0:?} twice")]
    RepeatedOption(String),
    /// Only blank and null were given.
    #[error("no candidate (blank and null are not candidates)")]
    NoCandidate,
    /// The system is no system the engine knows.
    #[error(transparent)]
    UnknownSystem(#[from] cifra_core::UnknownSystem),
    /// The system is known, but not one the live count decides.
    #[error("cifra serve decides elections of one office ({})", cifra_report::live::served_systems().join(", "))]
    NotServed,
    /// The name cannot be a log's origin, or no key could be generated.
    #[error(transparent)]
    Key(#[from] cifra_log::NoteError),
}

/// What `cifra init` records about an election.
///
/// `Debug` leaves the signing key out, so that the spec can be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct ElectionSpec {
    /// The log's origin (the checkpoint's first line), e.g.
    /// `"cifra.example/cl-2021-presidential-r1"`.
    pub name: String,
    /// The electoral system's id, e.g. `"cl-presidential"`.
    pub system: String,
    /// The counted options in order, e.g. `["boric", ..., "blank", "null"]`.
    pub options: Vec<String>,
    /// The columns that identify a mesa, e.g. `["circunscripcion", "mesa"]`.
    pub id_columns: Vec<String>,
    /// The territory columns, broadest first, e.g. `["region", "circunscripcion"]`.
    pub territory_columns: Vec<String>,
    /// The mesas, in the order they were given.
    pub mesas: Vec<Mesa>,
    /// The Ed25519 secret seed of the log's key.
    pub signing_key: [u8; 32],
}

impl fmt::Debug for ElectionSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The seed is the log's identity: it must not end up in a log file by accident.
        f.debug_struct("ElectionSpec")
            .field("name", &self.name)
            .field("system", &self.system)
            .field("options", &self.options)
            .field("id_columns", &self.id_columns)
            .field("territory_columns", &self.territory_columns)
            .field("mesas", &self.mesas)
            .field("signing_key", &"<redacted>")
            .finish()
    }
}

/// One mesa (polling station) of the election.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mesa {
    /// The mesa's id, unique in the election.
    pub id: String,
    /// One value per territory column of the election, in the same order.
    pub territory: Vec<String>,
    /// The mesa's registered electors, if known.
    pub electors: Option<u64>,
}

impl ElectionSpec {
    /// A new election named `name`, decided by `system`, counting `options` in order, of
    /// `mesas` identified by `id_columns` and lying in `territory_columns` (broadest
    /// first), with a fresh signing key. Territory columns that are options are dropped
    /// (they are counts, not places); the options are checked (ids without spaces, none
    /// twice, at least one candidate) and the system must be one the live count decides.
    pub fn new(
        name: &str,
        system: &str,
        options: &[String],
        id_columns: Vec<String>,
        territory_columns: Vec<String>,
        mesas: Vec<Mesa>,
    ) -> Result<ElectionSpec, SpecError> {
        let (territory_columns, mesas) = without_options(territory_columns, mesas, options);
        check_options(options)?;
        let parsed: cifra_core::System = system.parse()?;
        if !cifra_report::live::serves(parsed) {
            return Err(SpecError::NotServed);
        }
        let (_, signing_key) = cifra_log::NoteSigner::generate(name)?;
        Ok(ElectionSpec {
            name: name.to_string(),
            system: system.to_string(),
            options: options.to_vec(),
            id_columns,
            territory_columns,
            mesas,
            signing_key,
        })
    }

    /// [`ElectionSpec::new`] for the mesas of a mesa file as `cifra-results` reads it (its
    /// id and territory columns, each mesa's id, territory and electors).
    pub fn from_mesa_list(
        name: &str,
        system: &str,
        options: &[String],
        list: &cifra_results::MesaList,
    ) -> Result<ElectionSpec, SpecError> {
        let mesas = list.mesas.iter().map(|m| Mesa {
            id: m.id.clone(),
            territory: m.territory.clone(),
            electors: m.electors,
        });
        let (ids, territories) = (list.id_columns.clone(), list.territory_columns.clone());
        ElectionSpec::new(name, system, options, ids, territories, mesas.collect())
    }

    /// What the election holds, in one line: its mesas, system, options and territory
    /// columns.
    pub fn summary(&self) -> String {
        let territories = match self.territory_columns.is_empty() {
            true => "none".to_string(),
            false => self.territory_columns.join(","),
        };
        format!(
            "{} mesas, system {}, options {}; territories: {territories}",
            self.mesas.len(),
            self.system,
            self.options.join(",")
        )
    }

    /// The verifier key of the election's log, to publish: what checks its checkpoints.
    pub fn verifier_key(&self) -> Result<String, cifra_log::NoteError> {
        Ok(cifra_log::NoteSigner::new(&self.name, self.signing_key)?.verifier_key())
    }
}

/// The territory columns and every mesa's territory without the columns that are options.
fn without_options(
    columns: Vec<String>,
    mut mesas: Vec<Mesa>,
    options: &[String],
) -> (Vec<String>, Vec<Mesa>) {
    let keep: Vec<bool> = columns.iter().map(|c| !options.contains(c)).collect();
    let filter = |values: Vec<String>| -> Vec<String> {
        values
            .into_iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(v, _)| v)
            .collect()
    };
    for m in &mut mesas {
        m.territory = filter(std::mem::take(&mut m.territory));
    }
    (filter(columns), mesas)
}

/// Option ids are not empty and hold no spaces, none is given twice, and at least one
/// is a candidate (not `blank` or `null`).
fn check_options(options: &[String]) -> Result<(), SpecError> {
    let mut seen = std::collections::HashSet::new();
    for o in options {
        if o.is_empty() || o.chars().any(char::is_whitespace) {
            return Err(SpecError::BadOption(o.clone()));
        }
        if !seen.insert(o) {
            return Err(SpecError::RepeatedOption(o.clone()));
        }
    }
    if options
        .iter()
        .all(|o| matches!(o.as_str(), "blank" | "null"))
    {
        return Err(SpecError::NoCandidate);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn mesa(id: &str, territory: &[&str]) -> Mesa {
        Mesa {
            id: id.into(),
            territory: strings(territory),
            electors: None,
        }
    }

    #[test]
    fn a_territory_column_that_is_an_option_is_dropped_from_every_mesa() {
        let spec = ElectionSpec::new(
            "cifra.test/e",
            "cl-presidential",
            &strings(&["a", "b", "blank", "null"]),
            strings(&["mesa"]),
            strings(&["region", "a", "comuna"]),
            vec![mesa("1", &["R", "7", "C"])],
        )
        .unwrap();
        assert_eq!(spec.territory_columns, strings(&["region", "comuna"]));
        assert_eq!(spec.mesas[0].territory, strings(&["R", "C"]));
    }

    #[test]
    fn options_and_systems_that_cannot_be_served_are_refused_in_the_domains_words() {
        let new = |system: &str, options: &[&str]| {
            ElectionSpec::new(
                "cifra.test/e",
                system,
                &strings(options),
                vec![],
                vec![],
                vec![],
            )
            .unwrap_err()
            .to_string()
        };
        assert_eq!(
            new("cl-presidential", &["blank", "null"]),
            "no candidate (blank and null are not candidates)"
        );
        assert_eq!(new("cl-presidential", &["a", "a"]), "\"a\" twice");
        assert_eq!(
            new("cl-presidential", &["a b"]),
            "\"a b\" is not an option id (no spaces, not empty)"
        );
        assert!(new("cl-dhondt", &["a"]).starts_with("cifra serve decides elections of one office"));
    }
}
