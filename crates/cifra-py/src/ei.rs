//! `ei`: what `cifra ei` does, for Python, from a file or from a DataFrame's columns.

use crate::errors::Failure;
use crate::interruptible;
use cifra_ei::{estimate_with_errors, Adjust, Bootstrap, Error, Method, Options};
use cifra_report::ei::{self as report, Labels, Territorial};
use cifra_report::plot;
use cifra_results::mesas::{read_mesas, Dataset};
use cifra_results::source::open;
use cifra_results::InputError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// One count column of a DataFrame: its name, its values' type (`"i8"`: little-endian
/// 64-bit integers, `"f8"`: 64-bit floats) and their bytes, one value per row.
type Column<'py> = (String, String, Bound<'py, PyBytes>);

/// Estimates how groups voted, as `cifra ei --format json` does; returns the JSON, the
/// warnings (options without votes) and, without `by`, the SVG heatmap of `cifra ei
/// --plot`. The mesas come from `path` (CSV, gzip), from `csv` (a DataFrame's CSV
/// bytes) or from `columns` (its count columns, groups then options, and with `by`
/// each row's territory in `keys`). `progress` is called once per bootstrap resample.
#[pyfunction]
#[pyo3(signature = (name, groups, options, *, path=None, csv=None, columns=None, keys=None,
                    method="mult", bootstrap=0, by=None, seed=Bootstrap::DEFAULT_SEED,
                    tolerance=0.001, max_iterations=1000, adjust="project", progress=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn ei(
    py: Python<'_>,
    name: String,
    groups: Vec<String>,
    options: Vec<String>,
    path: Option<String>,
    csv: Option<&[u8]>,
    columns: Option<Vec<Column<'_>>>,
    keys: Option<Vec<String>>,
    method: &str,
    bootstrap: usize,
    by: Option<String>,
    seed: u64,
    tolerance: f64,
    max_iterations: usize,
    adjust: &str,
    progress: Option<PyObject>,
) -> PyResult<(String, Vec<String>, Option<String>)> {
    let settings = Options {
        method: match method {
            "mult" => Method::Mult,
            "mvn_pdf" => Method::MvnPdf,
            "exact" => Method::Exact,
            other => {
                return Err(usage(format!(
                    "method {other:?}: \"mult\", \"mvn_pdf\" or \"exact\""
                )))
            }
        },
        adjust: match adjust {
            "project" => Adjust::Project,
            "none" => Adjust::None,
            other => return Err(usage(format!("adjust {other:?}: \"project\" or \"none\""))),
        },
        tolerance,
        max_iterations,
        ..Options::default()
    };
    settings.check().map_err(with_argument)?;
    if bootstrap == 1 {
        return Err(with_argument(Error::TooFewReplicates(1)));
    }
    check_columns(&groups, "groups", 1)?;
    check_columns(&options, "options", 2)?;
    if let Some(both) = groups.iter().find(|g| options.contains(g)) {
        return Err(usage(format!(
            "column \"{both}\" is given both in groups and in options: a column counts either a group's voters or an option's votes"
        )));
    }
    // A DataFrame's columns are checked and laid out here (fast, linear); files are read
    // on the worker thread.
    let framed = match columns {
        Some(columns) => Some(from_columns(
            &name,
            &groups,
            &options,
            &columns,
            keys,
            by.clone(),
        )?),
        None => None,
    };
    let csv = csv.map(<[u8]>::to_vec);
    let resampling = (bootstrap > 0).then_some(Bootstrap {
        replicates: bootstrap,
        seed,
    });
    let work = move || -> Result<_, Failure> {
        let data = match (framed, csv, path) {
            (Some(data), _, _) => data,
            (None, Some(bytes), _) => {
                read_mesas(bytes.as_slice(), &name, &groups, &options, by.as_deref())?
            }
            (None, None, Some(path)) => {
                read_mesas(open(&path)?, &name, &groups, &options, by.as_deref())?
            }
            (None, None, None) => return Err(Failure::Usage("no mesas given".into())),
        };
        let warnings = data.options_without_votes()?;
        let problem = report::problem(&data).map_err(|e| in_input(e, &name))?;
        let labels = Labels {
            groups: &data.groups,
            options: &data.options,
        };
        let tick = || {
            if let Some(callback) = &progress {
                // A failing progress bar must not stop the estimate.
                Python::with_gil(|py| drop(callback.call0(py)));
            }
        };
        Ok(match &data.by {
            None => {
                let est = estimate_with_errors(&problem, &settings, resampling, &tick)
                    .map_err(|e| in_input(e, &name))?;
                let title = format!("Who voted how ({}, {} mesas)", settings.method, est.mesas);
                let svg = plot::heatmap(&est, labels, &title);
                (report::json(&est, labels), warnings, Some(svg))
            }
            Some(by) => {
                let results =
                    Territorial::estimate_each(&data, &problem, &settings, resampling, &tick)
                        .map_err(|e| in_input(e, &name))?;
                (report::json_by(by, &results, labels), warnings, None)
            }
        })
    };
    Ok(interruptible(py, work)??)
}

fn usage(message: String) -> PyErr {
    Failure::Usage(message).into()
}

/// An estimation error in the words of the Python call: the argument that set it.
fn with_argument(e: Error) -> PyErr {
    usage(match e {
        Error::BadTolerance(t) => format!("tolerance must be a positive number, got {t}"),
        Error::ZeroIterations => "max_iterations must be at least 1".into(),
        Error::TooFewReplicates(_) => "bootstrap needs at least 2 resamples (or 0 for none)".into(),
        other => other.to_string(),
    })
}

/// An estimation error found in the data (e.g. a mesa too large for `exact`).
fn in_input(e: Error, name: &str) -> Failure {
    match e {
        Error::MesaTooLarge { .. } => {
            Failure::Usage(format!("{name}: {e}; use method=\"mult\" or \"mvn_pdf\""))
        }
        other => Failure::Usage(format!("{name}: {other}")),
    }
}

/// At least `at_least` column names, none empty, none twice.
fn check_columns(names: &[String], what: &str, at_least: usize) -> PyResult<()> {
    if names.len() < at_least {
        return Err(usage(format!(
            "{what} needs at least {at_least} column name{}, got {}",
            if at_least == 1 { "" } else { "s" },
            names.len()
        )));
    }
    if names.iter().any(|n| n.trim().is_empty()) {
        return Err(usage(format!("{what} has an empty column name")));
    }
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err(usage(format!("{what}: column \"{n}\" is listed twice")));
        }
    }
    Ok(())
}

/// The largest count a mesa can hold, as the file reader says it.
const MAX_COUNT: u32 = 999_999_999;

/// The mesas of a DataFrame's count columns (groups then options, in order): every value
/// a whole number from 0 to 999,999,999, checked as the file reader checks a field, row
/// by row, with the row's line as in a CSV file (the header is line 1).
fn from_columns(
    name: &str,
    groups: &[String],
    options: &[String],
    columns: &[Column<'_>],
    keys: Option<Vec<String>>,
    by: Option<String>,
) -> Result<Dataset, Failure> {
    if columns.len() != groups.len() + options.len() {
        return Err(Failure::Usage("one column per group and option".into()));
    }
    let decoded: Vec<(&str, Values<'_>)> = columns
        .iter()
        .map(|(column, kind, bytes)| {
            let bytes = bytes.as_bytes();
            let values = match kind.as_str() {
                "i8" => Values::Int(bytes),
                "f8" => Values::Float(bytes),
                other => return Err(Failure::Usage(format!("column type {other:?}"))),
            };
            Ok((column.as_str(), values))
        })
        .collect::<Result<_, _>>()?;
    let rows = decoded.first().map_or(0, |(_, v)| v.len());
    if decoded.iter().any(|(_, v)| v.len() != rows)
        || keys.as_ref().is_some_and(|k| k.len() != rows)
    {
        return Err(Failure::Usage("the columns differ in length".into()));
    }
    if rows == 0 {
        return Err(
            InputError::line(name, 2, "no mesas: the DataFrame has columns but no rows").into(),
        );
    }
    let (group_columns, option_columns) = decoded.split_at(groups.len());
    let mut votes = Vec::with_capacity(rows * options.len());
    let mut voters = Vec::with_capacity(rows * groups.len());
    // Row after row, options then groups, as the file reader reads a record: the first
    // bad field is the one a CSV of the same DataFrame would report.
    for row in 0..rows {
        let line = row as u64 + 2;
        for (column, values) in option_columns {
            votes.push(
                values
                    .count(row)
                    .map_err(|m| InputError::field(name, line, column, m))?,
            );
        }
        for (column, values) in group_columns {
            voters.push(
                values
                    .count(row)
                    .map_err(|m| InputError::field(name, line, column, m))?,
            );
        }
    }
    Ok(Dataset {
        path: name.to_string(),
        groups: groups.to_vec(),
        options: options.to_vec(),
        votes,
        voters,
        lines: (2..rows as u64 + 2).collect(),
        by,
        keys: keys.unwrap_or_default(),
    })
}

/// A column's values as the bytes of a numpy array.
enum Values<'a> {
    Int(&'a [u8]),
    Float(&'a [u8]),
}

impl Values<'_> {
    fn len(&self) -> usize {
        match self {
            Values::Int(b) | Values::Float(b) => b.len() / 8,
        }
    }

    /// The count in `row`, or what is wrong with it (in the file reader's words).
    fn count(&self, row: usize) -> Result<u32, String> {
        let at = |b: &[u8]| -> [u8; 8] {
            let mut v = [0; 8];
            v.copy_from_slice(&b[row * 8..row * 8 + 8]);
            v
        };
        let too_large = |shown: String| {
            format!("expected a count of at most 999,999,999, found {shown}: too large")
        };
        match self {
            Values::Int(b) => {
                let v = i64::from_le_bytes(at(b));
                match u32::try_from(v) {
                    Ok(v) if v <= MAX_COUNT => Ok(v),
                    _ if v < 0 => Err(format!("expected a non-negative integer, found \"{v}\"")),
                    _ => Err(too_large(v.to_string())),
                }
            }
            Values::Float(b) => {
                let v = f64::from_le_bytes(at(b));
                if v.is_nan() {
                    Err("expected a non-negative integer, found \"\" (a missing value)".into())
                } else if v < 0.0 || v.fract() != 0.0 {
                    Err(format!("expected a non-negative integer, found \"{v}\""))
                } else if v > f64::from(MAX_COUNT) {
                    Err(too_large(v.to_string()))
                } else {
                    Ok(v as u32)
                }
            }
        }
    }
}
