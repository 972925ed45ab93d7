//! What `cifra tally` shows: one report built from the engine's values, rendered as
//! JSON (the contract other tools rely on), CSV (tidy, for R and pandas) or text (for
//! people).
//!
//! One module per job: [`model`]'s values (made from the engine's), the explanation of
//! the law in sentences (`explain`), and the three formats (`json`, `csv`, `text`), which
//! all render contest by contest through [`head`], [`Contests`] and [`tail`] here;
//! [`Tally`] decides every contest of a results file in parallel and renders them so.

mod csv;
mod decide;
mod explain;
mod json;
mod model;
#[cfg(test)]
mod tests;
mod text;

pub use csv::to_csv;
pub use decide::{DecideError, Rendered, Tally};
pub use json::to_json;
pub use model::{
    CandidateRow, ContestReport, CorrectionRow, ListRow, LotteryRow, PartyRow, TallyReport,
    TicketRow,
};
pub use text::to_text;

use crate::csv_text;

/// The formats a tally report renders to: aligned tables for people ([`to_text`]), one
/// pretty JSON object ([`to_json`]), one row per candidate and contest ([`to_csv`]).
pub use crate::Format;

/// The start of a report's output, before its first contest: for JSON the object's
/// `system`, `seed` and `corrections_applied` and the opening of `contests`, for CSV the
/// header row, for text nothing.
///
/// A report is rendered contest by contest as [`head`], then the contests in order
/// through one or more [`Contests`] (each a run of consecutive contests, which may be
/// rendered apart, e.g. on several threads, and joined in order), then [`tail`]: the
/// bytes are those of [`to_json`], [`to_csv`] or [`to_text`] of the whole report, without
/// every contest's report in memory at once.
pub fn head(format: Format, system: &str, seed: u64, corrections_applied: bool) -> String {
    match format {
        Format::Json => {
            // A JSON string of a `&str` cannot fail to serialise.
            let system = serde_json::to_string(system).unwrap_or_default();
            format!(
                "{{\n  \"system\": {system},\n  \"seed\": {seed},\n  \"corrections_applied\": {corrections_applied},\n  \"contests\": ["
            )
        }
        Format::Csv => {
            let mut writer = csv_text::writer();
            csv_text::record(&mut writer, csv::header());
            csv_text::finish(writer)
        }
        Format::Text => String::new(),
    }
}

/// The end of a report's output, after its `contests` contests (see [`head`]).
pub fn tail(format: Format, contests: usize) -> String {
    match (format, contests) {
        (Format::Json, 0) => "]\n}\n".to_string(),
        (Format::Json, _) => "\n  ]\n}\n".to_string(),
        (Format::Csv | Format::Text, _) => String::new(),
    }
}

/// A run of consecutive contests of a report, rendered one at a time into bytes (UTF-8):
/// each contest's report can be dropped as soon as it is pushed. See [`head`].
#[derive(Debug)]
pub struct Contests {
    format: Format,
    system: String,
    /// The position in the whole report of the next contest pushed.
    next: usize,
    out: Vec<u8>,
    /// The text format's output.
    text: String,
    /// How many contests the run will have, if said ([`Contests::with_room_for`]), and
    /// how many were pushed.
    room: usize,
    pushed: usize,
}

impl Contests {
    /// An empty run whose first contest is the report's contest number `first` (from 0),
    /// for a report of `system` (its id) in `format`.
    pub fn new(format: Format, system: &str, first: usize) -> Self {
        Contests {
            format,
            system: system.to_string(),
            next: first,
            out: Vec::new(),
            text: String::new(),
            room: 0,
            pushed: 0,
        }
    }

    /// Renders the next contest.
    pub fn push(&mut self, contest: &ContestReport) {
        let first = self.next == 0;
        self.next += 1;
        match self.format {
            Format::Json => json::json_contest(&mut self.out, first, contest),
            Format::Csv => csv::csv_contest(&mut self.out, contest),
            Format::Text => {
                if !first {
                    self.text.push('\n');
                }
                text::contest_text(&mut self.text, &self.system, contest);
            }
        }
        self.pushed += 1;
        if self.pushed == 1 && self.room > 1 {
            // Room for the rest at once, guessed from the first contest's size, rather
            // than a buffer grown (copied, and its pages touched) step by step.
            let more = (self.out.len() + self.text.len()) * (self.room - 1);
            self.out
                .reserve(if self.format == Format::Text { 0 } else { more });
            self.text
                .reserve(if self.format == Format::Text { more } else { 0 });
        }
    }

    /// The same run, told it will have `contests` contests: room for them is made once the
    /// first is rendered.
    pub fn with_room_for(mut self, contests: usize) -> Self {
        self.room = contests;
        self
    }

    /// The bytes of the contests pushed.
    pub fn finish(self) -> Vec<u8> {
        match self.format {
            Format::Text => self.text.into_bytes(),
            Format::Json | Format::Csv => self.out,
        }
    }
}

/// Renders a whole report through [`head`], [`Contests`] and [`tail`].
fn render(report: &TallyReport, format: Format) -> String {
    let mut contests = Contests::new(format, &report.system, 0);
    for contest in &report.contests {
        contests.push(contest);
    }
    let mut out = head(
        format,
        &report.system,
        report.seed,
        report.corrections_applied,
    )
    .into_bytes();
    out.extend(contests.finish());
    out.extend(tail(format, report.contests.len()).into_bytes());
    // Every piece is UTF-8 (serde_json, the csv crate and the text all write text).
    String::from_utf8(out).unwrap_or_default()
}
