//! The report as CSV: tidy, one row per candidate and contest, for R and pandas.

use super::model::{CandidateRow, ContestReport, ListRow, TallyReport};
use super::{render, Format};
use crate::csv_text;
use std::collections::HashMap;

/// The report as CSV: one row per candidate and contest. The column `lotteries` repeats on
/// every row of a contest the ties its result drew by lot (descriptions joined by ` | `;
/// empty when none), so a draw is never lost to a reader of the CSV alone. After it come
/// the candidate's `pact`, `subpact`, `sex`, `alternate`, `seated_by_alternate`, and
/// `correction`: the description of the correction the candidate left or entered by
/// (empty when none).
pub fn to_csv(report: &TallyReport) -> String {
    render(report, Format::Csv)
}

/// Look-ups by key among a contest's rows: a scan for the few rows of a small contest,
/// a hash map built once for many (per-candidate scans of the lists and of the elected
/// made 100,000 candidates take half a minute).
struct Lookup<'a, T, K> {
    rows: &'a [T],
    key: fn(&'a T) -> K,
    map: Option<HashMap<K, usize>>,
}

impl<'a, T, K: Eq + std::hash::Hash> Lookup<'a, T, K> {
    /// Up to this many rows are scanned.
    const FEW: usize = 16;

    fn new(rows: &'a [T], key: fn(&'a T) -> K) -> Self {
        let map = (rows.len() > Self::FEW).then(|| {
            rows.iter()
                .enumerate()
                .map(|(i, row)| (key(row), i))
                .collect()
        });
        Lookup { rows, key, map }
    }

    /// The position of the first row with this key (the last, with many rows: keys are
    /// unique in both uses).
    fn position(&self, wanted: &K) -> Option<usize> {
        match &self.map {
            Some(map) => map.get(wanted).copied(),
            None => self.rows.iter().position(|row| (self.key)(row) == *wanted),
        }
    }
}

/// One contest's rows of the CSV report.
pub(super) fn csv_contest(out: &mut Vec<u8>, contest: &ContestReport) {
    let lists = Lookup::new(&contest.lists, |l: &ListRow| {
        (l.list.as_deref(), l.candidate.as_deref())
    });
    let order = Lookup::new(&contest.elected, String::as_str);
    let lotteries = contest
        .lotteries
        .iter()
        .map(|l| l.description.as_str())
        .collect::<Vec<_>>()
        .join(" | ");
    for candidate in &contest.candidates {
        let list = match &candidate.list {
            Some(name) => lists.position(&(Some(name.as_str()), None)),
            None => lists.position(&(None, Some(candidate.candidate.as_str()))),
        }
        .map(|i| &contest.lists[i]);
        let row = Row {
            contest,
            candidate,
            list,
            order: order.position(&candidate.candidate.as_str()).map(|k| k + 1),
            lotteries: &lotteries,
        };
        let mut record = csv_text::Record::new(out);
        for (_, field) in COLUMNS {
            field(&row, &mut record);
        }
        record.end();
    }
}

/// One candidate's row: the candidate, and what its columns read of the contest.
struct Row<'a> {
    contest: &'a ContestReport,
    candidate: &'a CandidateRow,
    /// The candidate's list (their own when outside any).
    list: Option<&'a ListRow>,
    /// The place in the order of election, from 1, if elected.
    order: Option<usize>,
    /// The contest's draws, described and joined by ` | `.
    lotteries: &'a str,
}

impl Row<'_> {
    fn in_runoff(&self) -> bool {
        let name = &self.candidate.candidate;
        self.contest
            .runoff
            .as_ref()
            .is_some_and(|pair| pair.contains(name))
    }

    /// The description of the correction the candidate left or entered by.
    fn correction(&self) -> &str {
        let name = &self.candidate.candidate;
        self.contest
            .corrections
            .iter()
            .find(|x| x.left == *name || x.entered == *name)
            .map_or("", |x| x.description.as_str())
    }
}

/// A column of the CSV report: its name in the header, and how a row writes its field.
/// The header and every row come from this one list, so neither can miss a column.
type Column = (&'static str, fn(&Row, &mut csv_text::Record));

fn text(record: &mut csv_text::Record, field: Option<&str>) {
    record.text(field.unwrap_or(""));
}

fn boolean(record: &mut csv_text::Record, value: bool) {
    record.text(if value { "true" } else { "false" });
}

fn number(record: &mut csv_text::Record, value: Option<u64>) {
    match value {
        Some(n) => record.number(n),
        None => record.text(""),
    }
}

/// The columns, in order.
const COLUMNS: [Column; 23] = [
    ("district", |r, f| f.text(&r.contest.district)),
    ("candidate", |r, f| f.text(&r.candidate.candidate)),
    ("list", |r, f| text(f, r.candidate.list.as_deref())),
    ("party", |r, f| text(f, r.candidate.party.as_deref())),
    ("votes", |r, f| f.number(r.candidate.votes)),
    ("share", |r, f| {
        f.formatted(format_args!("{:.6}", r.candidate.share))
    }),
    ("elected", |r, f| boolean(f, r.candidate.elected)),
    ("election_order", |r, f| {
        number(f, r.order.map(|o| o as u64))
    }),
    ("list_votes", |r, f| number(f, r.list.map(|l| l.votes))),
    ("list_seats", |r, f| {
        number(f, r.list.map(|l| l.seats.into()))
    }),
    ("seats", |r, f| f.number(r.contest.seats.into())),
    ("valid_votes", |r, f| f.number(r.contest.valid_votes)),
    ("blank", |r, f| f.number(r.contest.blank)),
    ("null", |r, f| f.number(r.contest.null)),
    ("outcome", |r, f| f.text(r.contest.outcome.id())),
    ("in_runoff", |r, f| boolean(f, r.in_runoff())),
    ("lotteries", |r, f| f.text(r.lotteries)),
    ("pact", |r, f| text(f, r.candidate.pact.as_deref())),
    ("subpact", |r, f| text(f, r.candidate.subpact.as_deref())),
    ("sex", |r, f| text(f, r.candidate.sex.as_deref())),
    ("alternate", |r, f| {
        text(f, r.candidate.alternate.as_deref())
    }),
    ("seated_by_alternate", |r, f| {
        boolean(f, r.candidate.seated_by_alternate)
    }),
    ("correction", |r, f| f.text(r.correction())),
];

/// The header row's fields.
pub(super) fn header() -> impl Iterator<Item = &'static str> {
    COLUMNS.iter().map(|(name, _)| *name)
}
