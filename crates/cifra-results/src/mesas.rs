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

    /// Refuses mesas without a single vote (an estimate would be its starting point), and
    /// warns of each option without votes (its estimate is 0: a wrong column?).
    pub fn options_without_votes(&self) -> Result<Vec<String>, InputError> {
        let mut voted = vec![false; self.options.len()];
        for b in 0..self.mesas() {
            for (voted, &x) in voted.iter_mut().zip(self.votes(b)) {
                *voted |= x > 0;
            }
        }
        if !voted.contains(&true) {
            return Err(InputError::file(
                &self.path,
                format!(
                    "no mesa has a vote for any of the options ({}): nothing to estimate",
                    self.options.join(", ")
                ),
            ));
        }
        Ok(self
            .options
            .iter()
            .zip(voted)
            .filter(|(_, voted)| !voted)
            .map(|(option, _)| {
                format!(
                    "{}: option \"{option}\" has no votes in any mesa: every group's estimate for it is 0",
                    self.path
                )
            })
            .collect())
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
///
/// A quoted field that is never closed is reported at the line where its quote opens,
/// unless a problem on an earlier line comes first.
pub fn read_mesas<R: Read>(
    mut reader: R,
    path: &str,
    groups: &[String],
    options: &[String],
    by: Option<&str>,
) -> Result<Dataset, ReadError> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|source| ReadError::Io {
            file: path.into(),
            source,
        })?;
    let read = read_records(&bytes, path, groups, options, by);
    unclosed_quote_first(&bytes, path, read)
}

/// `read`, unless a quoted field is never closed: then that, at the line where the quote
/// opens, unless a problem on an earlier line comes first.
fn unclosed_quote_first<T>(
    bytes: &[u8],
    path: &str,
    read: Result<T, ReadError>,
) -> Result<T, ReadError> {
    let Some(quote) = memchr::memchr(b'"', bytes).and_then(|_| unclosed_quote(bytes)) else {
        return read;
    };
    let opened = Lines::new(bytes).at(quote);
    // A problem on an earlier line is not the quote's doing: it is reported first.
    let earlier = match &read {
        Ok(_) => false,
        Err(ReadError::Input(e)) => e.line.unwrap_or(1) < opened,
        Err(ReadError::Io { .. }) => true,
    };
    if earlier {
        read
    } else {
        Err(InputError::line(path, opened, "a quoted field opened here is never closed").into())
    }
}

/// The offset of a quote that opens a field and is never closed, if any. As in the csv
/// crate, a quote opens a quoted field only at the start of a field (elsewhere it is an
/// ordinary character), and inside one a doubled quote is a quote and a single one closes
/// it. The csv crate reads such a field to the end of the input without complaint.
fn unclosed_quote(bytes: &[u8]) -> Option<usize> {
    const BOM: &[u8] = b"\xef\xbb\xbf";
    let mut at = 0;
    loop {
        let open = at + memchr::memchr(b'"', &bytes[at..])?;
        let starts_field = open == 0
            || (open == BOM.len() && bytes.starts_with(BOM))
            || matches!(bytes[open - 1], b',' | b'\n' | b'\r');
        at = open + 1;
        if !starts_field {
            continue;
        }
        loop {
            let Some(close) = memchr::memchr(b'"', &bytes[at..]).map(|i| at + i) else {
                return Some(open);
            };
            at = close + 1;
            if bytes.get(at) != Some(&b'"') {
                break;
            }
            at += 1;
        }
    }
}

/// A CSV reader past the header line, its line counter, and the header's names.
type Opened<'a> = (csv::Reader<&'a [u8]>, Lines<'a>, Vec<String>);

/// Opens `bytes` as CSV and reads its header line (which must name columns).
fn open_csv<'a>(bytes: &'a [u8], path: &str) -> Result<Opened<'a>, ReadError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    let mut at = Lines::new(bytes);
    let header = csv
        .byte_headers()
        .map_err(|e| csv_error(path, &mut at, e))?
        .clone();
    if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
        return Err(InputError::line(path, 1, "empty file, expected a header line").into());
    }
    let names = header
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    Ok((csv, at, names))
}

/// The position of `column` among the header's `names`.
fn find_column(names: &[String], path: &str, column: &str) -> Result<usize, InputError> {
    names.iter().position(|n| n == column).ok_or_else(|| {
        InputError::file(
            path,
            format!("no column \"{column}\" (columns are: {})", names.join(", ")),
        )
    })
}

/// The positions of `columns` among the header's `names`.
fn find_columns(
    names: &[String],
    path: &str,
    columns: &[String],
) -> Result<Vec<usize>, InputError> {
    columns
        .iter()
        .map(|c| find_column(names, path, c))
        .collect()
}

fn read_records(
    bytes: &[u8],
    path: &str,
    groups: &[String],
    options: &[String],
    by: Option<&str>,
) -> Result<Dataset, ReadError> {
    let (mut csv, mut at, names) = open_csv(bytes, path)?;
    let find = |column: &str| find_column(&names, path, column);
    let group_idx = find_columns(&names, path, groups)?;
    let option_idx = find_columns(&names, path, options)?;
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
            Err(e) => return Err(csv_error(path, &mut at, e)),
        }
        let line = at.record(record.position());
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

fn csv_error(path: &str, at: &mut Lines<'_>, e: csv::Error) -> ReadError {
    let line = at.record(e.position());
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

/// The line of each record, from its position in the bytes. (The csv crate's own line is
/// one short for a record after a `\r\n` or a blank line: it counts the line breaks before
/// the record's position, which is that of the line break it has yet to skip.)
struct Lines<'a> {
    bytes: &'a [u8],
    /// Line breaks before `offset` are counted in `line`.
    offset: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Lines {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// The line of the first byte of the record at `position`, past any line breaks. Records
    /// come in order, so the line breaks are counted once.
    fn record(&mut self, position: Option<&csv::Position>) -> u64 {
        let start = position.map_or(0, |p| p.byte()) as usize;
        let start = start.min(self.bytes.len());
        let first = self.bytes[start..]
            .iter()
            .position(|b| !matches!(b, b'\r' | b'\n'))
            .map_or(self.bytes.len(), |i| start + i);
        self.at(first)
    }

    /// The line of the byte at `offset`.
    fn at(&mut self, offset: usize) -> u64 {
        if offset < self.offset {
            (self.offset, self.line) = (0, 1);
        }
        self.line += memchr::memchr_iter(b'\n', &self.bytes[self.offset..offset]).count() as u64;
        self.offset = offset;
        self.line
    }
}

/// Mesas identified by name, for an election served live (`cifra init`, `cifra replay`):
/// each mesa's id, territory and registered electors and, if asked for, its votes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MesaList {
    /// The file's name as given (for messages).
    pub path: String,
    /// The columns whose values, joined by `/`, identify a mesa.
    pub id_columns: Vec<String>,
    /// The territory columns (`region`, `circunscripcion`, …), in file order.
    pub territory_columns: Vec<String>,
    /// The option columns read, in the order asked for.
    pub options: Vec<String>,
    /// The mesas, in file order.
    pub mesas: Vec<MesaRow>,
}

/// One mesa of a [`MesaList`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MesaRow {
    /// The values of the id columns joined by `/` (e.g. `ANTOFAGASTA NORTE/126`).
    pub id: String,
    /// One value per territory column.
    pub territory: Vec<String>,
    /// Registered electors, if the file has an `electors` column.
    pub electors: Option<u64>,
    /// Votes per option, in the order of [`MesaList::options`].
    pub votes: Vec<u32>,
    /// The mesa's line in the file.
    pub line: u64,
}

/// The column of registered electors in a mesa file.
pub const ELECTORS: &str = "electors";

/// Which columns of a mesa file are territories: `Some(names)` exactly those, or `None`
/// for every column that is not an id, an option or `electors` and does not hold a
/// count or a `true`/`false` flag on every row (voters by age, a "mismatch" mark: not
/// territories).
pub type TerritoryColumns<'a> = Option<&'a [String]>;

/// Reads a list of mesas from CSV with a header line: ids from `id_columns` (joined by
/// `/`; each id once), territories as [`TerritoryColumns`] says, electors from the
/// `electors` column if there is one, and the counts of `options`. Errors name the file,
/// the line and the column.
pub fn read_mesa_list(
    bytes: &[u8],
    path: &str,
    id_columns: &[String],
    options: &[String],
    territories: TerritoryColumns<'_>,
) -> Result<MesaList, ReadError> {
    let read = read_mesa_rows(bytes, path, id_columns, options, territories);
    unclosed_quote_first(bytes, path, read)
}

fn read_mesa_rows(
    bytes: &[u8],
    path: &str,
    id_columns: &[String],
    options: &[String],
    territories: TerritoryColumns<'_>,
) -> Result<MesaList, ReadError> {
    if id_columns.is_empty() {
        return Err(InputError::file(path, "no id columns: name at least one").into());
    }
    let (mut csv, mut at, names) = open_csv(bytes, path)?;
    let id_idx = find_columns(&names, path, id_columns)?;
    let option_idx = find_columns(&names, path, options)?;
    let electors_idx = names.iter().position(|n| n == ELECTORS);
    let candidates: Vec<usize> = match territories {
        Some(columns) => find_columns(&names, path, columns)?,
        None => (0..names.len())
            .filter(|i| !id_idx.contains(i) && !option_idx.contains(i) && Some(*i) != electors_idx)
            .collect(),
    };
    let mut all_counts = vec![true; candidates.len()];

    let mut rows: Vec<(MesaRow, Vec<String>)> = Vec::new();
    let mut seen: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    let mut record = csv::ByteRecord::new();
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(path, &mut at, e)),
        }
        let line = at.record(record.position());
        let text = |i: usize| String::from_utf8_lossy(&record[i]).trim().to_string();
        let mut parts = Vec::with_capacity(id_idx.len());
        for (&i, column) in id_idx.iter().zip(id_columns) {
            let value = text(i);
            if value.is_empty() {
                return Err(InputError::field(path, line, column, "empty mesa id").into());
            }
            parts.push(value);
        }
        let id = parts.join("/");
        if let Some(first) = seen.insert(id.clone(), line) {
            let message = format!("mesa \"{id}\" again (first on line {first})");
            return Err(InputError::line(path, line, message).into());
        }
        let electors = electors_idx
            .map(|i| parse_count(&record[i], path, line, ELECTORS).map(u64::from))
            .transpose()?;
        let votes = option_idx
            .iter()
            .zip(options)
            .map(|(&i, name)| parse_count(&record[i], path, line, name))
            .collect::<Result<Vec<_>, _>>()?;
        let values: Vec<String> = candidates.iter().map(|&i| text(i)).collect();
        for (all, value) in all_counts.iter_mut().zip(&values) {
            *all &= is_count_or_flag(value);
        }
        let row = MesaRow {
            id,
            territory: Vec::new(),
            electors,
            votes,
            line,
        };
        rows.push((row, values));
    }
    if rows.is_empty() {
        return Err(
            InputError::line(path, 2, "no mesas: the file has a header but no rows").into(),
        );
    }
    // Named territory columns are kept whatever they hold; found ones only if not counts.
    let keep: Vec<bool> = match territories {
        Some(_) => vec![true; candidates.len()],
        None => all_counts.iter().map(|all| !all).collect(),
    };
    let territory_columns = candidates
        .iter()
        .zip(&keep)
        .filter(|(_, &k)| k)
        .map(|(&i, _)| names[i].clone())
        .collect();
    let mesas = rows
        .into_iter()
        .map(|(mut row, values)| {
            row.territory = values
                .into_iter()
                .zip(&keep)
                .filter(|(_, &k)| k)
                .map(|(v, _)| v)
                .collect();
            row
        })
        .collect();
    Ok(MesaList {
        path: path.into(),
        id_columns: id_columns.to_vec(),
        territory_columns,
        options: options.to_vec(),
        mesas,
    })
}

/// Whether a value is a count or a flag, which no territory is named.
/// When the values of `id_columns` repeat in a mesa file (CSV with a header): the
/// columns that together identify every row once, in file order — `id_columns` and the
/// fewest others (one, else two) among those that are not `skip` (the options),
/// `electors` nor counts on every row — or an empty list when none do. `None` when the
/// ids do not repeat, or the file cannot be read: there is nothing to suggest.
pub fn unique_id_columns(
    bytes: &[u8],
    id_columns: &[String],
    skip: &[String],
) -> Option<Vec<String>> {
    let (mut csv, _, names) = open_csv(bytes, "").ok()?;
    let ids = find_columns(&names, "", id_columns).ok()?;
    let others: Vec<usize> = (0..names.len())
        .filter(|i| !ids.contains(i) && !skip.contains(&names[*i]) && names[*i] != ELECTORS)
        .collect();
    // Per row, a hash of its id and of each other column's value: 8 bytes a field.
    let hash = |fields: &mut dyn Iterator<Item = &[u8]>| {
        let mut h = std::hash::DefaultHasher::new();
        fields.for_each(|f| std::hash::Hash::hash(f, &mut h));
        std::hash::Hasher::finish(&h)
    };
    let (mut rows, mut counts) = (Vec::new(), vec![true; others.len()]);
    let mut record = csv::ByteRecord::new();
    while csv.read_byte_record(&mut record).ok()? {
        let id = hash(&mut ids.iter().map(|&i| &record[i]));
        let values: Vec<u64> = others
            .iter()
            .map(|&i| hash(&mut [&record[i]].into_iter()))
            .collect();
        for (count, &i) in counts.iter_mut().zip(&others) {
            *count &= is_count_or_flag(String::from_utf8_lossy(&record[i]).trim());
        }
        rows.push((id, values));
    }
    let unique = |with: &[usize]| {
        let mut seen = std::collections::HashSet::with_capacity(rows.len());
        rows.iter().all(|(id, values)| {
            seen.insert((*id, with.iter().map(|&k| values[k]).collect::<Vec<_>>()))
        })
    };
    if unique(&[]) {
        return None;
    }
    let candidates: Vec<usize> = (0..others.len()).filter(|&k| !counts[k]).collect();
    let singles = candidates.iter().map(|&k| vec![k]);
    // Pairs of the first few only: each try is a pass over every row.
    let paired = &candidates[..candidates.len().min(PAIRED)];
    let pairs = paired
        .iter()
        .enumerate()
        .flat_map(|(n, &a)| paired[n + 1..].iter().map(move |&b| vec![a, b]));
    let Some(added) = singles.chain(pairs).find(|with| unique(with)) else {
        return Some(Vec::new());
    };
    let mut columns: Vec<usize> = ids
        .into_iter()
        .chain(added.iter().map(|&k| others[k]))
        .collect();
    columns.sort_unstable();
    Some(columns.into_iter().map(|i| names[i].clone()).collect())
}

/// How many columns [`unique_id_columns`] tries in pairs.
const PAIRED: usize = 8;

fn is_count_or_flag(value: &str) -> bool {
    let count = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
    count || value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false")
}

#[cfg(test)]
mod mesa_list_tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    const FILE: &str = "region,circ,mesa,electors,age_18,mismatch,a,b\n\
                        NORTE,N1,1,100,5,false,10,20\n\
                        NORTE,N1,2,90,7,true,11,21\n\
                        SUR,S1,1,80,3,false,12,22\n";

    #[test]
    fn ids_join_their_columns_and_territories_leave_out_counts_and_flags() {
        let list = read_mesa_list(
            FILE.as_bytes(),
            "m.csv",
            &names(&["circ", "mesa"]),
            &names(&["a", "b"]),
            None,
        )
        .unwrap();
        let ids: Vec<&str> = list.mesas.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["N1/1", "N1/2", "S1/1"]);
        assert_eq!(list.territory_columns, ["region"]);
        assert_eq!(list.mesas[2].territory, ["SUR"]);
        assert_eq!(list.mesas[1].electors, Some(90));
        assert_eq!(list.mesas[1].votes, [11, 21]);
        assert_eq!(list.mesas[2].line, 4);
    }

    #[test]
    fn named_territories_are_kept_whatever_they_hold() {
        let list = read_mesa_list(
            FILE.as_bytes(),
            "m.csv",
            &names(&["circ", "mesa"]),
            &[],
            Some(&names(&["region", "age_18"])),
        )
        .unwrap();
        assert_eq!(list.territory_columns, ["region", "age_18"]);
        assert_eq!(list.mesas[0].territory, ["NORTE", "5"]);
    }

    #[test]
    fn a_mesa_twice_a_bad_count_and_a_missing_column_name_the_place() {
        let twice = "mesa,a\n1,5\n2,6\n1,7\n";
        let e = read_mesa_list(twice.as_bytes(), "m.csv", &names(&["mesa"]), &[], None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("m.csv") && e.contains('4') && e.contains("first on line 2"),
            "{e}"
        );
        let bad = "mesa,a\n1,x\n";
        let e = read_mesa_list(
            bad.as_bytes(),
            "m.csv",
            &names(&["mesa"]),
            &names(&["a"]),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("line 2") && e.contains('a'), "{e}");
        let e = read_mesa_list(FILE.as_bytes(), "m.csv", &names(&["nope"]), &[], None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no column \"nope\""), "{e}");
    }
}
