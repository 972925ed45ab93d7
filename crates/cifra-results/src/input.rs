//! Reading the long results format: one row per (district, unit, option), summed per
//! (district, candidate) into [`Contest`]s.
//!
//! Columns `district`, `kind`, `candidate`, `votes` are required; `unit`, `list`, `party`,
//! `pact`, `subpact`, `sex` (`F` or `M`) and `alternate` optional; any other column (such
//! as `elected`) is ignored. UTF-8 with or without BOM, LF or CRLF. Parties are read as
//! the sources write them and normalised by [`crate::parties::normalise`].
//!
//! [`read_results`] reads a whole file. When the file has no quote character, no field can
//! hold a comma or a line break: rows are split directly at line breaks and commas, and
//! large files are cut at line breaks into chunks summed in parallel and merged. A file with
//! quotes is read by the `csv` crate on one thread. Both paths give the same totals and the
//! same error lines.
//!
//! [`ResultsBuilder`] is what both paths sum into, open to callers that receive rows one at
//! a time (an election-night server taking the actas as they come): [`Header`] says where
//! each column is, [`ResultsBuilder::add_record`] adds one row of text fields,
//! [`ResultsBuilder::add_row`] one row of values, [`ResultsBuilder::merge`] joins builders
//! filled apart, and [`ResultsBuilder::finish`] checks the totals and returns the contests.

use crate::error::InputError;
use crate::totals::{hash, Full, Store, Totals};
use cifra_core::Contest;
use hashbrown::HashTable;
use rayon::prelude::*;

/// Chunks smaller than this are not worth a thread.
const MIN_CHUNK: usize = 1 << 20;

/// Reads results in the long format from `bytes`; `file` names the source in errors.
/// Returns one contest per district, in natural order of district names (see
/// [`natural_order`]), each with its candidates sorted by name.
pub fn read_results(file: &str, bytes: &[u8]) -> Result<Vec<Contest>, InputError> {
    read_totals(file, bytes).map(Totals::into_contests)
}

/// Reads results in the long format from `bytes` as [`read_results`] does, with the same
/// checks, and returns every district's totals, each to be made a contest when asked for
/// (see [`Totals`]).
pub fn read_totals(file: &str, bytes: &[u8]) -> Result<Totals, InputError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let (header, body, body_line) = split_header(file, bytes)?;
    let header = Header::read(file, header)?;
    let quoted = memchr::memchr(b'"', body).is_some();
    let parts: Vec<ResultsBuilder> = if quoted {
        vec![read_quoted(file, &header, body, body_line)?]
    } else {
        let chunks = split_chunks(body);
        // Each chunk's first line, from line breaks counted in parallel, so every line
        // a message or a tally records is the file's own.
        let breaks: Vec<u64> = chunks
            .par_iter()
            .map(|chunk| memchr::memchr_iter(b'\n', chunk).count() as u64)
            .collect();
        let first_lines = breaks.iter().scan(body_line, |line, &n| {
            let first = *line;
            *line += n;
            Some(first)
        });
        let work: Vec<(&[u8], u64)> = chunks.iter().copied().zip(first_lines).collect();
        work.into_par_iter()
            .map(|(chunk, first_line)| read_plain(file, &header, chunk, first_line))
            .collect::<Result<_, _>>()?
    };
    if parts.iter().all(|part| part.rows == 0) {
        return Err(InputError::file(
            file,
            "the file has a header but no rows of results",
        ));
    }
    // The chunks' districts are merged in order, not hashed again.
    Totals::new(file, parts.into_iter().map(|part| part.store).collect())
}

/// Orders district names as people expect: pure numbers (ASCII digits, surrounding
/// whitespace ignored) first, by value; then names, compared byte by byte except that
/// runs of digits compare by value (`D1 < D2 < D10`, `Distrito 9 < Distrito 10`). A digit
/// run against any other character compares as its first digit does (`A 1 < A1 < AB`).
/// Names equal so far (leading zeros: `D01` and `D1`; whitespace around a number) are
/// ordered by their bytes, so the order is total and never depends on the input's order.
pub fn natural_order(a: &str, b: &str) -> std::cmp::Ordering {
    natural_bytes(a.as_bytes(), b.as_bytes())
}

/// [`natural_order`] on the bytes of UTF-8 names, without allocating: what sorts the
/// districts.
pub(crate) fn natural_bytes(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let (x, y) = (trimmed(a), trimmed(b));
    let (x_number, y_number) = (is_number(x), is_number(y));
    let natural = match (x_number, y_number) {
        (true, true) => digit_runs(x, y),
        (true, false) => std::cmp::Ordering::Less,
        (false, true) => std::cmp::Ordering::Greater,
        (false, false) => digit_runs(a, b),
    };
    natural.then_with(|| a.cmp(b))
}

/// A name without surrounding whitespace (as `str::trim`), looked for only when the name
/// does not start and end with visible ASCII.
fn trimmed(name: &[u8]) -> &[u8] {
    match (name.first(), name.last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => name,
        _ => std::str::from_utf8(name).map_or(name, |s| s.trim().as_bytes()),
    }
}

/// Whether a (trimmed) name is a pure number: one or more ASCII digits.
fn is_number(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(u8::is_ascii_digit)
}

/// Compares byte by byte, each maximal run of ASCII digits as one number (by value, of any
/// length: leading zeros skipped, then the longer run is larger, then digit by digit).
fn digit_runs(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        if !(x.is_ascii_digit() && y.is_ascii_digit()) {
            // A digit against anything else: every digit compares alike, so the first
            // digit's byte stands for the whole run.
            if x != y {
                return x.cmp(&y);
            }
            i += 1;
            j += 1;
            continue;
        }
        let ((x, end_a), (y, end_b)) = (digit_run(a, i), digit_run(b, j));
        match x.len().cmp(&y.len()).then_with(|| x.cmp(y)) {
            Ordering::Equal => (i, j) = (end_a, end_b),
            unequal => return unequal,
        }
    }
    (a.len() - i).cmp(&(b.len() - j))
}

/// The digits of the run that starts at `from`, leading zeros skipped, and where it ends.
fn digit_run(s: &[u8], from: usize) -> (&[u8], usize) {
    let end = s[from..]
        .iter()
        .position(|b| !b.is_ascii_digit())
        .map_or(s.len(), |n| from + n);
    let digits = &s[from..end];
    let zeros = digits.iter().take_while(|&&d| d == b'0').count();
    (&digits[zeros..], end)
}

fn split_header<'a>(file: &str, bytes: &'a [u8]) -> Result<(&'a [u8], &'a [u8], u64), InputError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(InputError::file(
            file,
            "the file is empty: expected a header row with the columns district, kind, candidate, votes",
        ));
    }
    // The header never holds a line break inside quotes in practice; if it did, the
    // column check below reports a missing column.
    match memchr::memchr(b'\n', bytes) {
        Some(end) => Ok((&bytes[..end], &bytes[end + 1..], 2)),
        None => Ok((bytes, &[], 2)),
    }
}

/// Splits an unquoted body into chunks at line breaks.
fn split_chunks(body: &[u8]) -> Vec<&[u8]> {
    let threads = rayon::current_num_threads().max(1);
    let wanted = (body.len() / MIN_CHUNK).clamp(1, threads * 4);
    let mut chunks = Vec::with_capacity(wanted);
    let mut start = 0;
    for k in 1..=wanted {
        let end = if k == wanted {
            body.len()
        } else {
            let target = (body.len() * k / wanted).max(start);
            memchr::memchr(b'\n', &body[target..]).map_or(body.len(), |at| target + at + 1)
        };
        if end > start || chunks.is_empty() {
            chunks.push(&body[start..end]);
        }
        start = end;
    }
    chunks
}

/// Sums a chunk with no quote character: fields are split at commas.
fn read_plain(
    file: &str,
    header: &Header,
    chunk: &[u8],
    first_line: u64,
) -> Result<ResultsBuilder, InputError> {
    let mut builder = ResultsBuilder::new(file);
    let mut fields: Vec<&[u8]> = Vec::with_capacity(header.count);
    let mut line = first_line;
    let mut field_start = 0;
    // One pass over the chunk finds every comma and line break.
    for at in memchr::memchr2_iter(b',', b'\n', chunk).chain(std::iter::once(chunk.len())) {
        fields.push(&chunk[field_start..at]);
        field_start = at + 1;
        if at < chunk.len() && chunk[at] == b',' {
            continue;
        }
        if let Some(last_field) = fields.last_mut() {
            *last_field = last_field.strip_suffix(b"\r").unwrap_or(last_field);
        }
        let blank_line = fields.len() == 1 && trim(fields[0]).is_empty();
        if !blank_line {
            builder.add_record(header, &fields, line)?;
        }
        fields.clear();
        line += 1;
    }
    Ok(builder)
}

/// Sums a body with quotes, through the `csv` crate.
fn read_quoted(
    file: &str,
    header: &Header,
    body: &[u8],
    first_line: u64,
) -> Result<ResultsBuilder, InputError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut record = csv::ByteRecord::new();
    let mut builder = ResultsBuilder::new(file);
    loop {
        let line = first_line + reader.position().line() - 1;
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(InputError::line(file, line, format!("malformed CSV: {e}"))),
        }
        let line = first_line + record.position().map_or(1, |p| p.line()) - 1;
        if record.len() == 1 && record[0].iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let fields: Vec<&[u8]> = record.iter().collect();
        builder.add_record(header, &fields, line)?;
    }
    Ok(builder)
}

/// Where each column of the long format is in a record, from a header row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    district: usize,
    kind: usize,
    candidate: usize,
    votes: usize,
    list: Option<usize>,
    party: Option<usize>,
    details: DetailColumns,
    count: usize,
}

/// Where the optional descriptive columns are: `pact`, `subpact`, `sex`, `alternate`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct DetailColumns {
    pact: Option<usize>,
    subpact: Option<usize>,
    sex: Option<usize>,
    alternate: Option<usize>,
}

impl Header {
    const REQUIRED: [&'static str; 4] = ["district", "kind", "candidate", "votes"];

    /// The header of a file whose header row holds `names`, in order. Names are compared
    /// trimmed and in any case; `district`, `kind`, `candidate` and `votes` are required,
    /// `list`, `party`, `pact`, `subpact`, `sex` and `alternate` optional, any other
    /// column is ignored. `file` names the source
    /// in errors.
    pub fn new<S: AsRef<str>>(file: &str, names: &[S]) -> Result<Header, InputError> {
        let given: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
        let names: Vec<String> = given.iter().map(|n| n.trim().to_lowercase()).collect();
        let position = |wanted: &str| names.iter().position(|n| n == wanted);
        for (i, name) in names.iter().enumerate() {
            if !name.is_empty() && names[..i].contains(name) {
                return Err(InputError::line(
                    file,
                    1,
                    format!("the header names the column \"{name}\" twice"),
                ));
            }
        }
        let required = |wanted: &str| {
            position(wanted).ok_or_else(|| {
                InputError::line(
                    file,
                    1,
                    format!(
                        "missing required column \"{wanted}\" (required: {}; found: {})",
                        Self::REQUIRED.join(", "),
                        given.join(", ")
                    ),
                )
            })
        };
        Ok(Header {
            district: required("district")?,
            kind: required("kind")?,
            candidate: required("candidate")?,
            votes: required("votes")?,
            list: position("list"),
            party: position("party"),
            details: DetailColumns {
                pact: position("pact"),
                subpact: position("subpact"),
                sex: position("sex"),
                alternate: position("alternate"),
            },
            count: names.len(),
        })
    }

    /// The header of a file from its first line, split as CSV.
    fn read(file: &str, line: &[u8]) -> Result<Header, InputError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line);
        let mut record = csv::StringRecord::new();
        let read = reader.read_record(&mut record).map_err(|e| {
            InputError::line(file, 1, format!("the header row cannot be read: {e}"))
        })?;
        if !read {
            return Err(InputError::file(file, "the file has no header row"));
        }
        Header::new(file, &record.iter().collect::<Vec<_>>())
    }

    /// How many fields every record has: as many as the header.
    pub fn fields(&self) -> usize {
        self.count
    }
}

/// What a row's votes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A candidate's votes.
    Candidate,
    /// Blank votes.
    Blank,
    /// Null votes.
    Null,
}

/// One row of results given as values instead of text fields: one option's votes in one
/// district (at one unit, which is not kept). Text is taken trimmed, as in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row<'a> {
    /// The district (the contest).
    pub district: &'a str,
    /// Whose votes these are.
    pub kind: Kind,
    /// The candidate's name; ignored for blank and null votes.
    pub candidate: &'a str,
    /// The candidate's ballot list; empty for none.
    pub list: &'a str,
    /// The candidate's party; empty for none.
    pub party: &'a str,
    /// The votes.
    pub votes: u64,
}

/// A candidate's optional descriptive fields (pact, sub-pact, sex, alternate), trimmed;
/// empty when the column is absent or the field empty. Checked to be the same on every
/// row of the candidate, as the list and party are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Details<T> {
    pub(crate) pact: T,
    pub(crate) subpact: T,
    pub(crate) sex: T,
    pub(crate) alternate: T,
}

/// A candidate's row as added: name, list, party and details (`None` when the rows have
/// none of the details' columns: nothing to check), trimmed.
pub(crate) type Who<'a> = (&'a [u8], &'a [u8], &'a [u8], Option<Details<&'a [u8]>>);

impl<T> Details<T> {
    /// The fields with their columns' names, in the order of the format.
    pub(crate) fn columns(self) -> [(&'static str, T); 4] {
        [
            ("pact", self.pact),
            ("subpact", self.subpact),
            ("sex", self.sex),
            ("alternate", self.alternate),
        ]
    }
}

impl Details<&[u8]> {
    /// No details: every field empty.
    pub(crate) const NONE: Details<&'static [u8]> = Details {
        pact: b"",
        subpact: b"",
        sex: b"",
        alternate: b"",
    };

    /// Whether every field is empty.
    pub(crate) fn is_empty(&self) -> bool {
        self.columns().iter().all(|(_, field)| field.is_empty())
    }
}

/// Running totals of rows in the long format, one row at a time: the incremental form of
/// [`read_results`], which sums each chunk of a file in one builder and merges them.
///
/// Rows may come in any order and from any number of units; they are summed per
/// (district, candidate), with a candidate's list and party checked to be the same on
/// every row. Every error names the builder's file and the line given with the row.
///
/// ```
/// use cifra_results::{Header, Kind, ResultsBuilder, Row};
///
/// // Rows of text fields, as a file has them: the header says where each column is.
/// let header = Header::new("night", &["district", "unit", "kind", "candidate", "votes"])?;
/// let mut north = ResultsBuilder::new("night");
/// north.add_record(&header, &["1", "mesa 1", "candidate", "Ana", "10"], 2)?;
/// north.add_record(&header, &["1", "mesa 1", "blank", "", "3"], 3)?;
///
/// // Rows of values, filled apart (on another thread, from another source).
/// let mut south = ResultsBuilder::new("night");
/// let row = Row { district: "1", kind: Kind::Candidate, candidate: "Ana", list: "", party: "", votes: 5 };
/// south.add_row(row, 4)?;
/// south.add_row(Row { candidate: "Bo", votes: 7, ..row }, 5)?;
///
/// north.merge(south)?;
/// assert_eq!(north.rows(), 4);
/// let contests = north.finish()?;
/// assert_eq!(contests[0].district, "1");
/// assert_eq!(contests[0].candidates[0].votes, 15); // Ana: 10 + 5
/// assert_eq!(contests[0].blank, 3);
/// # Ok::<(), cifra_results::InputError>(())
/// ```
#[derive(Debug)]
pub struct ResultsBuilder {
    file: String,
    store: Store,
    /// The districts of `store`, by name.
    /// (hash, district): the hash kept, so that growing the table reads no name.
    index: HashTable<(u64, u32)>,
    rows: u64,
    /// The last district added to: rows of one district usually come together, and
    /// this skips a hash look-up per row.
    last: Option<usize>,
    /// The candidate added to last, and its district.
    last_candidate: Option<(usize, usize)>,
}

impl ResultsBuilder {
    /// An empty builder; `file` names the source in errors.
    pub fn new(file: &str) -> Self {
        ResultsBuilder {
            file: file.to_string(),
            store: Store::default(),
            index: HashTable::new(),
            rows: 0,
            last: None,
            last_candidate: None,
        }
    }

    /// Rows added so far (merged builders' rows included).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Adds one row of text fields in the order of `header` (as many as it has; surrounding
    /// whitespace ignored), found at `line`. The kind is `candidate`, `blank` or `null` in
    /// any case; votes a whole number.
    pub fn add_record<F: AsRef<[u8]>>(
        &mut self,
        header: &Header,
        record: &[F],
        line: u64,
    ) -> Result<(), InputError> {
        if record.len() != header.count {
            return Err(InputError::line(
                &self.file,
                line,
                format!(
                    "expected {} fields as in the header, found {}",
                    header.count,
                    record.len()
                ),
            ));
        }
        let field = |i: usize| trim(record[i].as_ref());
        let optional = |i: Option<usize>| i.map_or(&b""[..], |i| trim(record[i].as_ref()));
        let kind = parse_kind(&self.file, line, field(header.kind))?;
        let votes = parse_votes(&self.file, line, field(header.votes))?;
        let columns = &header.details;
        // Most files have none of the optional descriptive columns: nothing to read or
        // check then.
        let details = if *columns == DetailColumns::default() {
            None
        } else {
            let details = Details {
                pact: optional(columns.pact),
                subpact: optional(columns.subpact),
                sex: optional(columns.sex),
                alternate: optional(columns.alternate),
            };
            if !matches!(details.sex, b"" | b"F" | b"M" | b"f" | b"m") {
                return Err(InputError::field(
                    &self.file,
                    line,
                    "sex",
                    format!(
                        "expected F or M (or nothing), found \"{}\"",
                        String::from_utf8_lossy(details.sex)
                    ),
                ));
            }
            Some(details)
        };
        self.add(
            field(header.district),
            kind,
            || {
                let name = field(header.candidate);
                (name, optional(header.list), optional(header.party), details)
            },
            votes,
            line,
        )
    }

    /// Adds one row of values, found at `line` (the line or any number that locates the
    /// row for whoever reads the errors).
    pub fn add_row(&mut self, row: Row<'_>, line: u64) -> Result<(), InputError> {
        fn trimmed(s: &str) -> &[u8] {
            trim(s.as_bytes())
        }
        self.add(
            trimmed(row.district),
            row.kind,
            || {
                let name = trimmed(row.candidate);
                (
                    name,
                    trimmed(row.list),
                    trimmed(row.party),
                    Some(Details::NONE),
                )
            },
            row.votes,
            line,
        )
    }

    /// Adds `votes` to a district's blank, null or candidate total; `who` gives the
    /// candidate's name, list, party and details (`None` when the rows have none of their
    /// columns: nothing to check), trimmed, and is called for candidates only.
    #[inline]
    fn add<'r>(
        &mut self,
        district_name: &[u8],
        kind: Kind,
        who: impl FnOnce() -> Who<'r>,
        votes: u64,
        line: u64,
    ) -> Result<(), InputError> {
        if district_name.is_empty() {
            return Err(InputError::field(
                &self.file,
                line,
                "district",
                "expected a district, found an empty field",
            ));
        }
        self.rows += 1;
        let d = self.district(district_name, line)?;
        let file = self.file.as_str();
        let total = match kind {
            Kind::Blank => self.store.blank_or_null(d, false),
            Kind::Null => self.store.blank_or_null(d, true),
            Kind::Candidate => {
                let (name, list, party, details) = who();
                if name.is_empty() {
                    return Err(InputError::field(
                        file,
                        line,
                        "candidate",
                        "expected the candidate's name in a row of kind candidate, found an empty field",
                    ));
                }
                let hint = self
                    .last_candidate
                    .filter(|&(of, _)| of == d)
                    .map(|(_, c)| c);
                let c = match self.store.find_candidate(d, name, hint) {
                    Some(c) => c,
                    None => self
                        .store
                        .new_candidate(d, name, list, party, details, line)
                        .map_err(|_| Full::error(file, line))?,
                };
                self.last_candidate = Some((d, c));
                self.store.candidate_votes(
                    file,
                    district_name,
                    c,
                    (name, list, party, details),
                    line,
                )?
            }
        };
        *total = total.checked_add(votes).ok_or_else(|| {
            InputError::field(file, line, "votes", "the sum of votes overflows 64 bits")
        })?;
        Ok(())
    }

    /// The district called `name`, new at `line` if not seen before.
    #[inline]
    fn district(&mut self, name: &[u8], line: u64) -> Result<usize, InputError> {
        if let Some(last) = self.last {
            if same_bytes(self.store.district_name(last), name) {
                return Ok(last);
            }
        }
        let hash = hash(name);
        let d = match self.find(hash, name) {
            Some(d) => d,
            None => {
                let d = (self.store.new_district(name, line))
                    .map_err(|_| Full::error(&self.file, line))?;
                self.index
                    .insert_unique(hash, (hash, d as u32), |&(h, _)| h);
                d
            }
        };
        self.last = Some(d);
        Ok(d)
    }

    /// The district called `name`, whose hash is `hash`, if any.
    fn find(&self, hash: u64, name: &[u8]) -> Option<usize> {
        let store = &self.store;
        self.index
            .find(hash, |&(h, d)| {
                h == hash && store.district_name(d as usize) == name
            })
            .map(|&(_, d)| d as usize)
    }

    /// Adds the rows of `other` (filled apart, e.g. from another part of the file), with
    /// the same checks as adding them one by one; errors name this builder's file.
    pub fn merge(&mut self, other: ResultsBuilder) -> Result<(), InputError> {
        self.rows += other.rows;
        let theirs = &other.store;
        for d in 0..theirs.len() {
            let hash = hash(theirs.district_name(d));
            match self.find(hash, theirs.district_name(d)) {
                Some(ours) => self.store.absorb(&self.file, ours, theirs, d)?,
                None => {
                    let ours = self.store.adopt(&self.file, theirs, d)?;
                    self.index
                        .insert_unique(hash, (hash, ours as u32), |&(h, _)| h);
                }
            }
        }
        Ok(())
    }

    /// Every district's totals, in natural order of district names (numbers by value;
    /// see [`natural_order`]), each to be made a contest when asked for. Fails if a name
    /// is not UTF-8 or a district's votes add up to more than 64 bits hold.
    pub fn totals(self) -> Result<Totals, InputError> {
        Totals::new(&self.file, vec![self.store])
    }

    /// The contests: one per district, in natural order of district names (numbers by
    /// value; see [`natural_order`]), each with its candidates sorted by name. Fails if a
    /// name is not UTF-8 or a district's votes add up to more than 64 bits hold. No rows
    /// give no contests.
    pub fn finish(self) -> Result<Vec<Contest>, InputError> {
        self.totals().map(Totals::into_contests)
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn check_same_list(
    file: &str,
    district: &[u8],
    name: &[u8],
    seen_list: &[u8],
    seen_party: &[u8],
    seen_line: u64,
    list: &[u8],
    party: &[u8],
    line: u64,
) -> Result<(), InputError> {
    let show = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let (first, second) = (seen_line.min(line), seen_line.max(line));
    if !same_bytes(seen_list, list) {
        return Err(InputError::field(
            file,
            second,
            "list",
            format!(
                "candidate \"{}\" of district \"{}\" appears in list \"{}\" and in list \"{}\" (lines {first} and {second}); a candidate runs in one list",
                show(name), show(district), show(seen_list), show(list)
            ),
        ));
    }
    if !same_bytes(seen_party, party) {
        return Err(InputError::field(
            file,
            second,
            "party",
            format!(
                "candidate \"{}\" of district \"{}\" appears with party \"{}\" and with party \"{}\" (lines {first} and {second})",
                show(name), show(district), show(seen_party), show(party)
            ),
        ));
    }
    Ok(())
}

/// Checks that a candidate's pact, sub-pact, sex and alternate (`details`, at `line`) are
/// the ones first seen (`seen`, at `seen_line`).
pub(crate) fn check_same_details(
    file: &str,
    district: &[u8],
    name: &[u8],
    (seen, seen_line): (Details<&[u8]>, u64),
    details: Details<&[u8]>,
    line: u64,
) -> Result<(), InputError> {
    for ((column, a), (_, b)) in seen.columns().into_iter().zip(details.columns()) {
        if !same_bytes(a, b) {
            let show = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            let (first, second) = (seen_line.min(line), seen_line.max(line));
            return Err(InputError::field(
                file,
                second,
                column,
                format!(
                    "candidate \"{}\" of district \"{}\" has {column} \"{}\" and \"{}\" (lines {first} and {second})",
                    show(name), show(district), show(a), show(b)
                ),
            ));
        }
    }
    Ok(())
}

/// Byte equality that skips the library call for short names: in profiles, glibc's
/// `memcmp` on two empty slices (the usual list and party of a presidential file) cost
/// a third of the whole read, and on the short names of districts and candidates, compared
/// on every row, the call costs more than the comparison.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && if a.len() <= 16 {
            a.iter().zip(b).all(|(x, y)| x == y)
        } else {
            a == b
        }
}

pub(crate) fn add_votes(file: &str, line: u64, a: u64, b: u64) -> Result<u64, InputError> {
    a.checked_add(b)
        .ok_or_else(|| InputError::field(file, line, "votes", "the sum of votes overflows 64 bits"))
}

#[inline]
fn parse_kind(file: &str, line: u64, kind: &[u8]) -> Result<Kind, InputError> {
    // Case does not matter: `Candidate`, `BLANK` and `null` are all accepted.
    let is = |word: &[u8]| kind.eq_ignore_ascii_case(word);
    if is(b"candidate") {
        Ok(Kind::Candidate)
    } else if is(b"blank") {
        Ok(Kind::Blank)
    } else if is(b"null") {
        Ok(Kind::Null)
    } else {
        Err(InputError::field(
            file,
            line,
            "kind",
            format!(
                "expected candidate, blank or null, found \"{}\"",
                String::from_utf8_lossy(kind)
            ),
        ))
    }
}

#[inline]
fn parse_votes(file: &str, line: u64, votes: &[u8]) -> Result<u64, InputError> {
    let mut value: u64 = 0;
    let mut ok = !votes.is_empty();
    for &b in votes {
        let digit = b.wrapping_sub(b'0');
        ok &= digit < 10;
        value = match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(digit as u64))
        {
            Some(v) if ok => v,
            _ => {
                ok = false;
                break;
            }
        };
    }
    if ok {
        return Ok(value);
    }
    // Off the hot path: all digits but more than 64 bits hold is a size, not a shape,
    // problem.
    let too_large = if !votes.is_empty() && votes.iter().all(u8::is_ascii_digit) {
        format!(": too large (at most {})", u64::MAX)
    } else {
        String::new()
    };
    Err(InputError::field(
        file,
        line,
        "votes",
        format!(
            "expected a whole number of votes, 0 or more, found \"{}\"{too_large}",
            String::from_utf8_lossy(votes)
        ),
    ))
}

fn trim(field: &[u8]) -> &[u8] {
    field.trim_ascii()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cifra_core::{Candidate, Sex};

    const HEADER: &str = "district,unit,kind,list,party,candidate,votes,elected\n";

    fn read(body: &str) -> Result<Vec<Contest>, InputError> {
        read_results("t.csv", format!("{HEADER}{body}").as_bytes())
    }

    #[test]
    fn sums_rows_per_district_and_candidate() {
        let contests = read(
            "1,a,candidate,A,P,Ana,10,\n1,b,candidate,A,P,Ana,5,yes\n1,a,blank,,,,3,\n1,b,null,,,,2,\n2,a,candidate,,,Bo,7,\n",
        )
        .unwrap();
        assert_eq!(contests.len(), 2);
        assert_eq!(
            contests[0].candidates,
            [Candidate::new("Ana", 15).in_list("A").of_party("P")]
        );
        assert_eq!((contests[0].blank, contests[0].null), (3, 2));
        assert_eq!(contests[1].candidates, [Candidate::new("Bo", 7)]);
    }

    #[test]
    fn bom_and_crlf_are_accepted() {
        let bytes = "\u{FEFF}district,kind,candidate,votes\r\nX,Candidate,Ana,4\r\nX,BLANK,,1\r\n";
        let contests = read_results("t.csv", bytes.as_bytes()).unwrap();
        assert_eq!(contests[0].candidates, [Candidate::new("Ana", 4)]);
        assert_eq!(contests[0].blank, 1);
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let err = read("1,a,candidate,A,P,Ana,-3,\n").unwrap_err();
        assert_eq!(err.to_string(), "t.csv: line 2, column \"votes\": expected a whole number of votes, 0 or more, found \"-3\"");
        let err = read("1,a,candidate,A,P,Ana,99999999999999999999,\n").unwrap_err();
        assert_eq!(err.to_string(), "t.csv: line 2, column \"votes\": expected a whole number of votes, 0 or more, found \"99999999999999999999\": too large (at most 18446744073709551615)");
        let most = format!("1,a,candidate,A,P,Ana,00{},\n", u64::MAX);
        assert_eq!(read(&most).unwrap()[0].candidates[0].votes, u64::MAX);
        let err = read("1,a,candidate,A,P,Ana,18446744073709551616,\n").unwrap_err();
        assert!(
            err.message
                .ends_with(": too large (at most 18446744073709551615)"),
            "{err}"
        );
        let err = read("1,a,candidate,A,P,Ana,1e400,\n").unwrap_err();
        assert!(err.message.ends_with("found \"1e400\""), "{err}");
        let err = read("1,a,candidate,A,P,Ana,3,\n1,a,candidate,B,P,Ana,3,\n").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(
            err.message.contains("list \"A\" and in list \"B\""),
            "{err}"
        );
        let err = read_results("t.csv", b"district,kind,votes\n1,blank,3\n").unwrap_err();
        assert!(
            err.to_string()
                .contains("missing required column \"candidate\""),
            "{err}"
        );
    }

    #[test]
    fn quoted_and_plain_files_give_the_same_contests() {
        let plain = "1,a,candidate,A,P,Ana,10,\n1,b,candidate,A,P,Ana,5,\n2,a,null,,,,2,\n2,a,candidate,,,Bo,7,\n";
        let quoted = plain.replace("Ana", "\"Ana\"");
        assert_eq!(read(plain).unwrap(), read(&quoted).unwrap());
        let quoted_error = read(&format!("{quoted}2,a,candidate,,,Bo,x,\n")).unwrap_err();
        let plain_error = read(&format!("{plain}2,a,candidate,,,Bo,x,\n")).unwrap_err();
        assert_eq!(quoted_error, plain_error);
        assert_eq!(plain_error.line, Some(6));
    }

    #[test]
    fn pact_subpact_sex_and_alternate_are_read_and_parties_normalised() {
        let body = "district,kind,list,pact,subpact,party,candidate,sex,votes,alternate\n\
                    1,candidate,A,POR CHILE,PS E IND,IND-RN,Ana,F,3,Bo\n\
                    1,candidate,A,POR CHILE,PS E IND,IND-RN,Ana,F,4,Bo\n\
                    1,candidate,,,,INDEPENDIENTES,Eva,m,2,\n";
        let contests = read_results("t.csv", body.as_bytes()).unwrap();
        let ana = Candidate::new("Ana", 7)
            .in_list("A")
            .in_pact("POR CHILE")
            .in_subpact("PS E IND")
            .of_party("RN")
            .with_sex(Sex::Female)
            .with_alternate("Bo");
        let eva = Candidate::new("Eva", 2).with_sex(Sex::Male);
        assert_eq!(contests[0].candidates, [ana, eva]);
    }

    #[test]
    fn a_bad_sex_or_a_changing_detail_is_an_error_with_line_and_column() {
        let head = "district,kind,candidate,sex,subpact,votes\n";
        let err =
            read_results("t.csv", format!("{head}1,candidate,Ana,X,,3\n").as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.csv: line 2, column \"sex\": expected F or M (or nothing), found \"X\""
        );
        let rows = "1,candidate,Ana,F,S1,3\n1,candidate,Ana,F,S2,3\n";
        let err = read_results("t.csv", format!("{head}{rows}").as_bytes()).unwrap_err();
        assert_eq!(
            (err.line, err.column.as_deref()),
            (Some(3), Some("subpact"))
        );
    }

    #[test]
    fn details_are_summed_and_checked_across_chunks_and_builders() {
        // Rows of every district scattered over every chunk of a file (read in parallel
        // and merged), a district's details the same on every row.
        let head = "district,kind,candidate,party,pact,subpact,sex,alternate,votes\n";
        let mut body = String::from(head);
        for i in 0..150_000u64 {
            let (d, c) = (i % 40, i / 40 % 3);
            let sex = if c == 1 { "F" } else { "M" };
            body.push_str(&format!(
                "D{d},candidate,C{c},IND-P{c},Pacto {c},S{c},{sex},Alt {c},1\n"
            ));
        }
        let contests = read_results("t.csv", body.as_bytes()).unwrap();
        assert_eq!(contests.len(), 40);
        let expected = Candidate::new("C1", 1250)
            .of_party("P1")
            .in_pact("Pacto 1")
            .in_subpact("S1")
            .with_sex(Sex::Female)
            .with_alternate("Alt 1");
        assert_eq!(contests[7].candidates[1], expected);
        // A sub-pact that changes in a later chunk is caught when the chunks are merged.
        body.push_str("D3,candidate,C1,IND-P1,Pacto 1,S9,F,Alt 1,1\n");
        let err = read_results("t.csv", body.as_bytes()).unwrap_err();
        assert_eq!(
            (err.line, err.column.as_deref()),
            (Some(150_002), Some("subpact"))
        );
        // Builders filled apart: the details travel with the candidate when merged, and
        // a row without them is a change.
        let header = Header::new("t.csv", &head.trim_end().split(',').collect::<Vec<_>>());
        let header = header.unwrap();
        let row = ["D1", "candidate", "Ana", "", "P", "", "F", "Bo", "2"];
        let mut north = ResultsBuilder::new("t.csv");
        north.add_record(&header, &row, 2).unwrap();
        let mut south = ResultsBuilder::new("t.csv");
        south.add_record(&header, &row, 3).unwrap();
        north.merge(south).unwrap();
        let ana = Candidate::new("Ana", 4)
            .in_pact("P")
            .with_sex(Sex::Female)
            .with_alternate("Bo");
        assert_eq!(north.finish().unwrap()[0].candidates, [ana]);
        let mut north = ResultsBuilder::new("t.csv");
        north.add_record(&header, &row, 2).unwrap();
        let bare = Row {
            district: "D1",
            kind: Kind::Candidate,
            candidate: "Ana",
            list: "",
            party: "",
            votes: 1,
        };
        let err = north.add_row(bare, 3).unwrap_err();
        assert_eq!((err.line, err.column.as_deref()), (Some(3), Some("pact")));
        // A detail that is not UTF-8 is named by its column.
        let bytes = b"district,kind,candidate,alternate,votes\nA,candidate,Ana,B\xff,1\n";
        let err = read_results("t.csv", bytes).unwrap_err();
        assert_eq!(
            (err.line, err.column.as_deref()),
            (Some(2), Some("alternate"))
        );
    }

    #[test]
    fn natural_order_puts_numbers_by_value() {
        let mut names = vec!["10", "2", "Arica", "1"];
        names.sort_by(|a, b| natural_order(a, b));
        assert_eq!(names, ["1", "2", "10", "Arica"]);
    }

    #[test]
    fn natural_order_compares_numbers_inside_names_by_value() {
        let mut names = vec![
            "D10",
            "Distrito 10",
            "D2",
            "Arica",
            "D1",
            "Distrito 9",
            "10",
            "D01",
            "2 Norte",
            "D1a",
            "D1 a",
            "9",
            "D18446744073709551616",
            "D99999999999999999999",
            "D002",
        ];
        names.sort_by(|a, b| natural_order(a, b));
        assert_eq!(
            names,
            [
                "9",
                "10",
                "2 Norte",
                "Arica",
                "D01",
                "D1",
                "D1 a",
                "D1a",
                "D002",
                "D2",
                "D10",
                "D18446744073709551616",
                "D99999999999999999999",
                "Distrito 9",
                "Distrito 10",
            ]
        );
        // Leading zeros and surrounding whitespace tie by value, then go by bytes.
        use std::cmp::Ordering::*;
        assert_eq!(natural_order("007", "7"), Less);
        assert_eq!(natural_order(" 7", "7"), Less);
        assert_eq!(natural_order("7", "7"), Equal);
        assert_eq!(natural_order("D7x", "D07x"), Greater);
    }

    #[test]
    fn parallel_chunks_give_the_same_totals_and_lines() {
        let mut body = String::new();
        for i in 0..200_000 {
            body.push_str(&format!(
                "{},u{i},candidate,L,P,C{},{},\n",
                i % 7,
                i % 5,
                i % 13
            ));
        }
        let contests = read(&body).unwrap();
        let total: u64 = contests.iter().map(|c| c.valid_votes()).sum();
        assert_eq!(total, (0..200_000u64).map(|i| i % 13).sum::<u64>());
        body.push_str("3,u,candidate,L,P,C1,x,\n");
        let err = read(&body).unwrap_err();
        assert_eq!(err.line, Some(200_002));
    }

    #[test]
    fn many_candidates_and_scattered_districts_sum_as_counted_by_hand() {
        // 50 districts of up to 30 candidates (past the scan, into the index), rows
        // scattered over every chunk of the file.
        let mut body = String::new();
        let mut by_hand: std::collections::BTreeMap<(u64, String), u64> = Default::default();
        for i in 0..300_000u64 {
            let (d, c, v) = (i % 50, i / 7 % 30, i % 11);
            body.push_str(&format!("D{d},u,candidate,L{},,C{c},{v},\n", c % 3));
            let c = format!("C{c}");
            *by_hand.entry((d, c)).or_default() += v;
        }
        let contests = read(&body).unwrap();
        assert_eq!(contests.len(), 50);
        for (d, contest) in contests.iter().enumerate() {
            assert_eq!(contest.district, format!("D{d}"), "natural order");
            let got: Vec<(String, u64)> = contest
                .candidates
                .iter()
                .map(|c| (c.name.clone(), c.votes))
                .collect();
            let mut expected: Vec<(String, u64)> = by_hand
                .iter()
                .filter(|((district, _), _)| *district == d as u64)
                .map(|((_, name), &votes)| (name.clone(), votes))
                .collect();
            expected.sort();
            assert_eq!(got, expected, "D{d}");
        }
        // The same rows one by one into one builder.
        let header =
            Header::new("t.csv", &HEADER.trim_end().split(',').collect::<Vec<_>>()).unwrap();
        let mut builder = ResultsBuilder::new("t.csv");
        for (i, line) in body.lines().enumerate() {
            let fields: Vec<&str> = line.split(',').collect();
            builder.add_record(&header, &fields, i as u64 + 2).unwrap();
        }
        assert_eq!(builder.finish().unwrap(), contests);
        // A list that changes in a later chunk is caught when the chunks are merged.
        body.push_str("D3,u,candidate,L9,,C1,1,\n");
        let Err(err) = read(&body) else {
            panic!("a list that changes is an error")
        };
        assert_eq!(err.line, Some(300_002));
        assert!(
            err.message.contains("list \"L1\" and in list \"L9\""),
            "{err}"
        );
    }

    #[test]
    fn the_first_name_that_is_not_utf8_is_reported() {
        let cases: [(&[u8], u64, &str); 4] = [
            (
                b"A,candidate,Ana,1\nB\xff,candidate,Bo,2\nA,candidate,C\xff,3\n",
                3,
                "district",
            ),
            (b"A,candidate,Ana,1\nB,candidate,C\xff,3\n", 3, "candidate"),
            // Two halves of one character, in two names kept side by side.
            (b"A\xc3,candidate,\xa9B,1\n", 2, "district"),
            (
                b"A,candidate,B\xc3,1\nA,candidate,\xa9C,1\n",
                2,
                "candidate",
            ),
        ];
        for (rows, line, column) in cases {
            let bytes = [&b"district,kind,candidate,votes\n"[..], rows].concat();
            let err = read_results("t.csv", &bytes).unwrap_err();
            assert_eq!(
                (err.line, err.column.as_deref()),
                (Some(line), Some(column))
            );
            assert_eq!(err.message, "the text is not valid UTF-8");
        }
    }

    #[test]
    fn the_builder_row_by_row_gives_what_the_reader_gives() {
        let body = "1,a,candidate,A,P,Ana,10,\n1,b,candidate,A,P,Ana,5,yes\n1,a,blank,,,,3,\n2,a,candidate,,,Bo,7,\n";
        let header =
            Header::new("t.csv", &HEADER.trim_end().split(',').collect::<Vec<_>>()).unwrap();
        let (mut first, mut second) = (ResultsBuilder::new("t.csv"), ResultsBuilder::new("t.csv"));
        for (i, line) in body.lines().enumerate() {
            let fields: Vec<&str> = line.split(',').collect();
            let builder = if i % 2 == 0 { &mut first } else { &mut second };
            builder.add_record(&header, &fields, i as u64 + 2).unwrap();
        }
        first.merge(second).unwrap();
        assert_eq!(first.rows(), 4);
        assert_eq!(first.finish().unwrap(), read(body).unwrap());
    }

    #[test]
    fn rows_of_values_are_checked_as_rows_of_text() {
        let ana = Row {
            district: "1",
            kind: Kind::Candidate,
            candidate: " Ana ",
            list: "A",
            party: "",
            votes: 4,
        };
        let mut builder = ResultsBuilder::new("server");
        builder.add_row(ana, 10).unwrap();
        let err = builder.add_row(Row { list: "B", ..ana }, 11).unwrap_err();
        assert_eq!(err.to_string(), "server: line 11, column \"list\": candidate \"Ana\" of district \"1\" appears in list \"A\" and in list \"B\" (lines 10 and 11); a candidate runs in one list");
        let err = builder
            .add_row(
                Row {
                    district: "",
                    ..ana
                },
                12,
            )
            .unwrap_err();
        assert_eq!(
            (err.line, err.column.as_deref()),
            (Some(12), Some("district"))
        );
        builder
            .add_row(
                Row {
                    kind: Kind::Null,
                    candidate: "",
                    votes: 2,
                    ..ana
                },
                13,
            )
            .unwrap();
        let contests = builder.finish().unwrap();
        assert_eq!(
            contests[0].candidates,
            [Candidate::new("Ana", 4).in_list("A")]
        );
        assert_eq!(contests[0].null, 2);
        assert!(ResultsBuilder::new("empty").finish().unwrap().is_empty());
    }
}
