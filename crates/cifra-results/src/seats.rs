//! Seats per district: one number for all, or a `district,seats` file (with, optionally,
//! a `registered` column: the voters registered in each district, which some corrections
//! rank by).

use crate::error::InputError;
use cifra_core::{System, SystemError};
use std::collections::BTreeMap;

/// The seats of every district, as the user gave them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seats {
    /// No seats given: the system's rule decides.
    Unset,
    /// The same number for every district.
    Everywhere(u32),
    /// A number per district, from a file.
    PerDistrict {
        /// The seats file's name, for messages.
        file: String,
        /// District → (seats, line).
        seats: BTreeMap<String, (u32, u64)>,
        /// District → registered voters, for the districts whose row gives them.
        registered: BTreeMap<String, u64>,
    },
}

impl Seats {
    /// The seats given for `district`, or an error if a seats file leaves it out.
    pub fn for_district(&self, district: &str) -> Result<Option<u32>, InputError> {
        match self {
            Seats::Unset => Ok(None),
            Seats::Everywhere(n) => Ok(Some(*n)),
            Seats::PerDistrict { file, seats, .. } => match seats.get(district) {
                Some(&(n, _)) => Ok(Some(n)),
                None => Err(InputError::file(
                    file,
                    format!("no seats for district \"{district}\", which has votes"),
                )),
            },
        }
    }

    /// The voters registered in `district`, if a seats file gives them.
    pub fn registered_for(&self, district: &str) -> Option<u64> {
        match self {
            Seats::PerDistrict { registered, .. } => registered.get(district).copied(),
            _ => None,
        }
    }

    /// Checks the seats given against `system`'s rule ([`System::resolve_seats`]): none
    /// where the system fixes them, some where it needs them, a number it allows.
    pub fn check_rule(&self, system: System) -> Result<(), SeatsRefused> {
        let check = |given| system.resolve_seats(given).map(drop);
        match self {
            Seats::Unset => check(None).map_err(SeatsRefused::Everywhere),
            Seats::Everywhere(n) => check(Some(*n)).map_err(SeatsRefused::Everywhere),
            Seats::PerDistrict { file, seats, .. } => {
                for (district, &(n, line)) in seats {
                    check(Some(n)).map_err(|source| SeatsRefused::Row {
                        file: file.clone(),
                        line,
                        district: district.clone(),
                        source,
                    })?;
                }
                Ok(())
            }
        }
    }

    /// Checks that a seats file names only districts that have votes.
    pub fn check_districts<'a>(
        &self,
        districts: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), InputError> {
        let Seats::PerDistrict { file, seats, .. } = self else {
            return Ok(());
        };
        let known: std::collections::HashSet<&str> = districts.into_iter().collect();
        let mut unknown: Vec<(&String, &u64)> = seats
            .iter()
            .filter(|(d, _)| !known.contains(d.as_str()))
            .map(|(d, (_, line))| (d, line))
            .collect();
        unknown.sort_by(|a, b| a.1.cmp(b.1));
        match unknown.first() {
            None => Ok(()),
            Some((district, &line)) => Err(InputError::field(
                file,
                line,
                "district",
                format!("district \"{district}\" has no votes in the results"),
            )),
        }
    }
}

/// Seats that a system's rule refuses ([`Seats::check_rule`]); a front end words it with
/// the flag or argument that fixes it.
#[derive(Debug, Clone, PartialEq)]
pub enum SeatsRefused {
    /// The seats of every district (or none given).
    Everywhere(SystemError),
    /// One district's row of a seats file.
    Row {
        /// The seats file's name.
        file: String,
        /// The row's line.
        line: u64,
        /// The district.
        district: String,
        /// What the rule says.
        source: SystemError,
    },
}

/// Reads a seats file: a header with `district` and `seats` (and optionally `registered`,
/// the voters registered in the district: a whole number, or empty), then one row per
/// district.
pub fn read_seats_file(file: &str, bytes: &[u8]) -> Result<Seats, InputError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header = reader
        .headers()
        .map_err(|e| InputError::line(file, 1, format!("the header row cannot be read: {e}")))?
        .clone();
    let names: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let column = |wanted: &str| {
        names.iter().position(|n| n == wanted).ok_or_else(|| {
            let message = if names.iter().all(|n| n.is_empty()) {
                "the seats file is empty: expected a header row with the columns district, seats".to_string()
            } else {
                format!("missing required column \"{wanted}\" (a seats file has the columns district, seats)")
            };
            InputError::line(file, 1, message)
        })
    };
    let (district_col, seats_col) = (column("district")?, column("seats")?);
    let registered_col = names.iter().position(|n| n == "registered");
    let mut seats = BTreeMap::new();
    let mut registered = BTreeMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            InputError::line(file, line, format!("malformed CSV: {e}"))
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let district = record.get(district_col).unwrap_or("").trim();
        let raw = record.get(seats_col).unwrap_or("").trim();
        if district.is_empty() {
            return Err(InputError::field(
                file,
                line,
                "district",
                "expected a district, found an empty field",
            ));
        }
        let n: u32 = raw.parse().map_err(|_| {
            InputError::field(
                file,
                line,
                "seats",
                format!("expected a whole number of seats, found \"{raw}\""),
            )
        })?;
        if n == 0 {
            return Err(InputError::field(
                file,
                line,
                "seats",
                format!("district \"{district}\" has 0 seats; seats must be at least 1"),
            ));
        }
        let voters = registered_col.map_or("", |c| record.get(c).unwrap_or("").trim());
        if !voters.is_empty() {
            let voters: u64 = voters.parse().map_err(|_| {
                InputError::field(
                    file,
                    line,
                    "registered",
                    format!("expected a whole number of registered voters, found \"{voters}\""),
                )
            })?;
            registered.insert(district.to_string(), voters);
        }
        if let Some((_, first)) = seats.insert(district.to_string(), (n, line)) {
            return Err(InputError::field(
                file,
                line,
                "district",
                format!("district \"{district}\" appears twice (lines {first} and {line})"),
            ));
        }
    }
    if seats.is_empty() {
        return Err(InputError::file(
            file,
            "the seats file has a header but no rows",
        ));
    }
    Ok(Seats::PerDistrict {
        file: file.to_string(),
        seats,
        registered,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_voters_are_optional_and_checked() {
        let seats = read_seats_file(
            "s.csv",
            b"district,seats,registered\nAimara,2,75743\nColla,1,\n",
        )
        .unwrap();
        assert_eq!(seats.for_district("Aimara"), Ok(Some(2)));
        assert_eq!(seats.registered_for("Aimara"), Some(75743));
        assert_eq!(seats.registered_for("Colla"), None);
        let err =
            read_seats_file("s.csv", b"district,seats,registered\nColla,1,many\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "s.csv: line 2, column \"registered\": expected a whole number of registered voters, found \"many\""
        );
    }
}
