//! `tally`, `systems` and `read_results`: what `cifra tally` and `cifra systems` do, for
//! Python.

use crate::errors::Failure;
use crate::interruptible;
use cifra_core::{Corrections, SeatsRule, System, SystemError};
use cifra_report::tally as report;
use cifra_results::{read_seats_file, read_source, read_totals, InputError, Seats, SeatsRefused};
use pyo3::prelude::*;

/// Where a results or seats table comes from: a file (`-` is not accepted: Python has no
/// terminal to read), or the CSV bytes of a DataFrame, named `name` in errors.
enum Input {
    Path(String),
    Bytes(Vec<u8>),
}

impl Input {
    fn new(path: Option<String>, data: Option<&[u8]>) -> Result<Input, Failure> {
        match (path, data) {
            (Some(p), None) => Ok(Input::Path(p)),
            (None, Some(d)) => Ok(Input::Bytes(d.to_vec())),
            _ => Err(Failure::Usage(
                "give either a path or the table's bytes".into(),
            )),
        }
    }

    /// Runs `read` on the input's bytes (a file memory-mapped, gzip decompressed).
    fn with_bytes<T>(&self, read: impl FnOnce(&[u8]) -> Result<T, Failure>) -> Result<T, Failure> {
        match self {
            Input::Path(p) => read(&read_source(p)?),
            Input::Bytes(b) => read(b),
        }
    }
}

/// The system of `id`, or a `ValueError` listing them all.
pub(crate) fn system(id: &str) -> Result<System, Failure> {
    id.parse().map_err(|e: cifra_core::UnknownSystem| {
        let ids: Vec<&str> = System::ALL.into_iter().map(System::id).collect();
        Failure::Usage(format!("{e} (systems: {})", ids.join(", ")))
    })
}

/// Decides every contest of a results table and renders it as `cifra tally --format
/// FORMAT` would: returns the output (UTF-8), the warnings (unfilled seats) and the
/// notes (every tie decided by lot).
#[pyfunction]
#[pyo3(signature = (name, system_id, *, path=None, data=None, seats=None, seats_name=None,
                    seats_path=None, seats_data=None, seed=1925, without_corrections=false,
                    format="json"))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn tally(
    py: Python<'_>,
    name: String,
    system_id: &str,
    path: Option<String>,
    data: Option<&[u8]>,
    seats: Option<u32>,
    seats_name: Option<String>,
    seats_path: Option<String>,
    seats_data: Option<&[u8]>,
    seed: u64,
    without_corrections: bool,
    format: &str,
) -> PyResult<(String, Vec<String>, Vec<String>)> {
    let system = system(system_id)?;
    let format = match format {
        "json" => report::Format::Json,
        "csv" => report::Format::Csv,
        "text" => report::Format::Text,
        other => return Err(Failure::Usage(format!("format {other:?}: json, csv or text")).into()),
    };
    let input = Input::new(path, data)?;
    let seats_input = match (seats_path, seats_data) {
        (None, None) => None,
        (p, d) => Some(Input::new(p, d)?),
    };
    if seats.is_some() && seats_input.is_some() {
        return Err(Failure::Usage("give seats or seats_file, not both".into()).into());
    }
    let tally = report::Tally {
        system,
        seed,
        corrections: if without_corrections {
            Corrections::Omit
        } else {
            Corrections::Apply
        },
        format,
    };
    let result = interruptible(py, move || -> Result<_, Failure> {
        let seats = match (seats, seats_input) {
            (Some(n), _) => Seats::Everywhere(n),
            (None, Some(input)) => {
                let file = seats_name.unwrap_or_else(|| "<seats>".into());
                input.with_bytes(|b| Ok(read_seats_file(&file, b)?))?
            }
            (None, None) => Seats::Unset,
        };
        check_seats(system, &seats)?;
        let totals = input.with_bytes(|b| Ok(read_totals(&name, b)?))?;
        seats.check_districts(totals.districts())?;
        let rendered = tally.render(&seats, totals).map_err(|e| match e {
            report::DecideError::Seats(e) => Failure::Input(e),
            report::DecideError::Contest {
                district,
                source: source @ SystemError::RegisteredRequired,
            } if system.spans_contests() => Failure::Law {
                district: Some(district),
                message: format!("{source} (a registered column in seats_file gives them)"),
            },
            report::DecideError::Contest { district, source } => Failure::Law {
                district: Some(district),
                message: source.to_string(),
            },
        })?;
        let mut out = Vec::with_capacity(rendered.out.iter().map(Vec::len).sum());
        rendered
            .out
            .iter()
            .for_each(|piece| out.extend_from_slice(piece));
        // The renderers write UTF-8 only.
        let text = String::from_utf8(out)
            .map_err(|_| Failure::Usage("the output is not UTF-8 (a bug)".into()))?;
        Ok((text, rendered.warnings, rendered.notes))
    })??;
    Ok(result)
}

/// The seats as given, checked against the system's rule ([`Seats::check_rule`], as
/// `cifra tally` does), in the words of the Python call.
fn check_seats(system: System, seats: &Seats) -> Result<(), Failure> {
    let hinted = |e: SystemError| {
        let hint = match e {
            SystemError::SeatsNotAllowed { .. } => " (remove seats / seats_file)",
            SystemError::SeatsRequired { .. } => ": seats=N or seats_file=FILE",
            _ => "",
        };
        format!("{e}{hint}")
    };
    seats.check_rule(system).map_err(|refused| match refused {
        SeatsRefused::Everywhere(e) => Failure::Law {
            district: None,
            message: hinted(e),
        },
        SeatsRefused::Row {
            file,
            line,
            district,
            source,
        } => {
            let message = format!("district \"{district}\": {}", hinted(source));
            Failure::Input(InputError::field(&file, line, "seats", message))
        }
    })
}

/// The systems the engine knows: `(id, seats, summary)` each, as `cifra systems` lists
/// them.
#[pyfunction]
pub(crate) fn systems() -> Vec<(String, String, Option<u32>, String)> {
    System::ALL
        .into_iter()
        .map(|s| {
            let (rule, default) = match s.seats_rule() {
                SeatsRule::SingleOffice => ("single office", None),
                SeatsRule::Exactly(n) => ("exactly", Some(n)),
                SeatsRule::DefaultsTo(n) => ("any, with a default", Some(n)),
                SeatsRule::Required => ("required", None),
            };
            (
                s.id().to_string(),
                rule.to_string(),
                default,
                s.summary().to_string(),
            )
        })
        .collect()
}

/// One row of `read_results`: district, kind, list, pact, subpact, party, candidate,
/// sex, alternate, votes.
type ResultRow = (
    String,
    &'static str,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    u64,
);

/// Reads a results table with the validation of `cifra tally`: every candidate's votes
/// summed per district (units added up), parties normalised, districts in natural
/// order, then each district's blank and null votes.
#[pyfunction]
#[pyo3(signature = (name, *, path=None, data=None))]
pub(crate) fn read_results(
    py: Python<'_>,
    name: String,
    path: Option<String>,
    data: Option<&[u8]>,
) -> PyResult<Vec<ResultRow>> {
    let input = Input::new(path, data)?;
    let contests = interruptible(py, move || {
        input.with_bytes(|b| Ok(cifra_results::read_results(&name, b)?))
    })??;
    let mut rows = Vec::new();
    for c in contests {
        for k in &c.candidates {
            let a = &k.affiliation;
            rows.push((
                c.district.clone(),
                "candidate",
                a.list.clone(),
                a.pact.clone(),
                a.subpact.clone(),
                a.party.clone(),
                Some(k.name.clone()),
                k.sex.map(|s| s.letter().to_string()),
                k.alternate.clone(),
                k.votes,
            ));
        }
        for (kind, votes) in [("blank", c.blank), ("null", c.null)] {
            rows.push((
                c.district.clone(),
                kind,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                votes,
            ));
        }
    }
    Ok(rows)
}
