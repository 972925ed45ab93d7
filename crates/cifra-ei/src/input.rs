//! Reading mesas from CSV: the columns asked for, validated, with errors that name the file,
//! the line and the column.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};

use crate::{Error, Problem};

/// Mesas read from a file: the problem plus the names and, with `--by`, each mesa's key.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The file's name as given (for messages).
    pub path: String,
    /// Group columns, in the order asked for.
    pub groups: Vec<String>,
    /// Option columns, in the order asked for.
    pub options: Vec<String>,
    /// All mesas.
    pub problem: Problem,
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

/// Opens `path` for reading (`-` is stdin); gzip input (magic bytes 1f 8b) is decompressed.
pub fn open(path: &str) -> Result<Box<dyn Read + Send>, Error> {
    let io = |source| Error::Io {
        path: path.to_string(),
        source,
    };
    let raw: Box<dyn Read + Send> = if path == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path).map_err(io)?)
    };
    let mut buffered = BufReader::with_capacity(1 << 16, raw);
    let gzip = buffered.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
    Ok(if gzip {
        Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::read::MultiGzDecoder::new(buffered),
        ))
    } else {
        Box::new(buffered)
    })
}

/// Reads mesas from CSV with a header line. `groups` and `options` name the columns to use
/// (each must be present, at most once in each list); `by` names the territory column.
/// Counts must be non-negative integers.
pub fn read_mesas<R: Read>(
    reader: R,
    path: &str,
    groups: &[String],
    options: &[String],
    by: Option<&str>,
) -> Result<Dataset, Error> {
    check_names(groups, "--groups", 1)?;
    check_names(options, "--options", 2)?;
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(reader);
    let header = csv.byte_headers().map_err(|e| csv_error(path, e))?.clone();
    if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
        return Err(Error::Csv {
            path: path.into(),
            line: 1,
            message: "empty file, expected a header line".into(),
        });
    }
    let names: Vec<String> = header
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    let find = |column: &str| {
        names
            .iter()
            .position(|n| n == column)
            .ok_or_else(|| Error::MissingColumn {
                path: path.into(),
                column: column.into(),
                available: names.join(", "),
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
        return Err(Error::Csv {
            path: path.into(),
            line: 2,
            message: "no mesas: the file has a header but no rows".into(),
        });
    }
    let problem = Problem::new(groups.len(), options.len(), votes, voters)?.with_lines(lines);
    Ok(Dataset {
        path: path.into(),
        groups: groups.to_vec(),
        options: options.to_vec(),
        problem,
        by: by.map(str::to_string),
        keys,
    })
}

fn check_names(names: &[String], flag: &str, at_least: usize) -> Result<(), Error> {
    if names.len() < at_least || names.iter().any(|n| n.is_empty()) {
        return Err(Error::Invalid(format!(
            "{flag} needs at least {at_least} comma-separated column name{}, got \"{}\"",
            if at_least == 1 { "" } else { "s" },
            names.join(",")
        )));
    }
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err(Error::Invalid(format!(
                "{flag}: column \"{n}\" is listed twice"
            )));
        }
    }
    Ok(())
}

fn parse_count(raw: &[u8], path: &str, line: u64, column: &str) -> Result<f64, Error> {
    let text = raw.trim_ascii();
    let value = (!text.is_empty() && text.len() <= 9 && text.iter().all(u8::is_ascii_digit))
        .then(|| text.iter().fold(0u32, |v, d| v * 10 + u32::from(d - b'0')));
    value.map(f64::from).ok_or_else(|| Error::Field {
        path: path.into(),
        line,
        column: column.into(),
        expected: "a non-negative integer".into(),
        found: String::from_utf8_lossy(raw).into_owned(),
    })
}

fn csv_error(path: &str, e: csv::Error) -> Error {
    let line = e.position().map_or(0, |p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(source) => Error::Io {
            path: path.into(),
            source,
        },
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => Error::Csv {
            path: path.into(),
            line,
            message: format!("expected {expected_len} fields like the header, found {len}"),
        },
        other => Error::Csv {
            path: path.into(),
            line,
            message: format!("{other:?}"),
        },
    }
}
