//! Reading mesas from a wide CSV, one row per mesa: the count columns asked for, validated,
//! with errors that name the file, the line and the column.

use std::collections::HashMap;
use std::io::Read;

use crate::error::{InputError, ReadError};

/// Mesas read from a file: per mesa, the counts of the columns asked for and, with `by`,
/// the mesa's territory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    /// The file's name as given (for messages).
    pub path: String,
    /// Group columns, in the order asked for.
    pub groups: Vec<String>,
    /// Option columns, in the order asked for.
    pub options: Vec<String>,
    /// Votes per option, mesa after mesa: `votes[b * options.len() + c]`.
    pub votes: Vec<u32>,
    /// Voters per group, mesa after mesa: `voters[b * groups.len() + g]`.
    pub voters: Vec<u32>,
    /// Each mesa's line in the file.
    pub lines: Vec<u64>,
    /// The column territories are taken from, if any.
    pub by: Option<String>,
    /// Each mesa's value of the `by` column (empty without `by`).
    pub keys: Vec<String>,
}

/// The mesas sharing one value of the `by` column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Territory {
    /// The value of the `by` column.
    pub key: String,
    /// Indices of its mesas in the dataset, in file order.
    pub mesas: Vec<usize>,
}

impl Dataset {
    /// Number of mesas.
    pub fn mesas(&self) -> usize {
        self.lines.len()
    }

    /// Votes of mesa `b`, one per option.
    pub fn votes(&self, b: usize) -> &[u32] {
        let n = self.options.len();
        &self.votes[b * n..(b + 1) * n]
    }

    /// Territories in the order their first mesa appears in the file.
    pub fn territories(&self) -> Vec<Territory> {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut out: Vec<Territory> = Vec::new();
        for (b, key) in self.keys.iter().enumerate() {
            let i = *index.entry(key.as_str()).or_insert_with(|| {
                out.push(Territory {
                    key: key.clone(),
                    mesas: Vec::new(),
                });
                out.len() - 1
            });
            out[i].mesas.push(b);
        }
        out
    }
}

/// Reads mesas from CSV with a header line. `groups` and `options` name the count columns
/// to read (each must be in the header); `by` names the territory column. Counts must be
/// whole numbers of at most 999,999,999; `path` names the file in errors.
pub fn read_mesas<R: Read>(
    reader: R,
    path: &str,
    groups: &[String],
    options: &[String],
    by: Option<&str>,
) -> Result<Dataset, ReadError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(reader);
    let header = csv.byte_headers().map_err(|e| csv_error(path, e))?.clone();
    if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
        return Err(InputError::line(path, 1, "empty file, expected a header line").into());
    }
    let names: Vec<String> = header
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    let find = |column: &str| {
        names.iter().position(|n| n == column).ok_or_else(|| {
            InputError::file(
                path,
                format!("no column \"{column}\" (columns are: {})", names.join(", ")),
            )
        })
    };
    let group_idx = groups
        .iter()
        .map(|g| find(g))
        .collect::<Result<Vec<_>, _>>()?;
    let option_idx = options
        .iter()
        .map(|o| find(o))
        .collect::<Result<Vec<_>, _>>()?;
    let by_idx = by.map(find).transpose()?;

    let mut votes = Vec::new();
    let mut voters = Vec::new();
    let mut keys = Vec::new();
    let mut lines = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(path, e)),
        }
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize, column: &str| parse_count(&record[i], path, line, column);
        for (&i, name) in option_idx.iter().zip(options) {
            votes.push(field(i, name)?);
        }
        for (&i, name) in group_idx.iter().zip(groups) {
            voters.push(field(i, name)?);
        }
        if let Some(i) = by_idx {
            keys.push(String::from_utf8_lossy(&record[i]).trim().to_string());
        }
        lines.push(line);
    }
    if lines.is_empty() {
        return Err(
            InputError::line(path, 2, "no mesas: the file has a header but no rows").into(),
        );
    }
    Ok(Dataset {
        path: path.into(),
        groups: groups.to_vec(),
        options: options.to_vec(),
        votes,
        voters,
        lines,
        by: by.map(str::to_string),
        keys,
    })
}

/// The largest count a mesa can hold: 9 digits.
const MAX_COUNT: &str = "999,999,999";

fn parse_count(raw: &[u8], path: &str, line: u64, column: &str) -> Result<u32, InputError> {
    let text = raw.trim_ascii();
    let error = |message: String| InputError::field(path, line, column, message);
    if text.is_empty() || !text.iter().all(u8::is_ascii_digit) {
        return Err(error(format!(
            "expected a non-negative integer, found \"{}\"",
            String::from_utf8_lossy(raw)
        )));
    }
    let digits = &text[text.iter().position(|&d| d != b'0').unwrap_or(text.len())..];
    if digits.len() > 9 {
        return Err(error(format!(
            "expected a count of at most {MAX_COUNT}, found {}: too large",
            String::from_utf8_lossy(text)
        )));
    }
    Ok(digits
        .iter()
        .fold(0u32, |v, d| v * 10 + u32::from(d - b'0')))
}

fn csv_error(path: &str, e: csv::Error) -> ReadError {
    let line = e.position().map_or(0, |p| p.line());
    let message = match e.into_kind() {
        csv::ErrorKind::Io(source) => {
            return ReadError::Io {
                file: path.into(),
                source,
            }
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields like the header, found {len}"),
        other => format!("{other:?}"),
    };
    InputError::line(path, line, message).into()
}
