//! What `cifra tally` shows: one report built from the engine's values, rendered as
//! JSON (the contract other tools rely on), CSV (tidy, for R and pandas) or text (for
//! people).

use crate::csv_text;
use crate::table::{percent, thousands, Align, Table};
use cifra_core::{
    apportion::{Divisor, Quota},
    Basis, Contest, Decision, ListKey, LotteryRecord, Outcome, PartyKey, Purpose, System,
};
use serde::Serialize;
use std::collections::HashMap;

/// The whole output of `cifra tally`.
#[derive(Debug, Clone, Serialize)]
pub struct TallyReport {
    /// The system's id.
    pub system: String,
    /// The lottery's seed.
    pub seed: u64,
    /// One per district, in natural order.
    pub contests: Vec<ContestReport>,
}

/// One contest's results and decision.
#[derive(Debug, Clone, Serialize)]
pub struct ContestReport {
    /// The district.
    pub district: String,
    /// Seats at stake.
    pub seats: u32,
    /// Valid votes (candidates' votes).
    pub valid_votes: u64,
    /// Blank votes.
    pub blank: u64,
    /// Null votes.
    pub null: u64,
    /// Every candidate, most voted first.
    pub candidates: Vec<CandidateRow>,
    /// Every list, most voted first.
    pub lists: Vec<ListRow>,
    /// The elected, in order of election.
    pub elected: Vec<String>,
    /// `elected`, `runoff` or `congress`.
    pub outcome: Outcome,
    /// The two candidates of the second round or of Congress's choice.
    pub runoff: Option<[String; 2]>,
    /// Ties decided by lot.
    pub lotteries: Vec<LotteryRow>,
    /// D'Hondt systems: the cifra repartidora (the last quotient that won a seat).
    pub cifra_repartidora: Option<f64>,
    /// Seats nobody could take (more seats than candidates).
    pub unfilled_seats: u32,
    /// Why the elected are elected, in a sentence.
    pub explanation: String,
}

/// A candidate's line.
#[derive(Debug, Clone, Serialize)]
pub struct CandidateRow {
    /// Name.
    pub candidate: String,
    /// Ballot list, if any.
    pub list: Option<String>,
    /// Party, if any.
    pub party: Option<String>,
    /// Votes.
    pub votes: u64,
    /// Share of valid votes, as a fraction.
    pub share: f64,
    /// Whether elected.
    pub elected: bool,
}

/// A list's line. A candidate outside any list is a list of their own: `list` is null
/// and `candidate` names them.
#[derive(Debug, Clone, Serialize)]
pub struct ListRow {
    /// The list's letter or name; null for a candidate alone.
    pub list: Option<String>,
    /// The lone candidate, for a candidate outside any list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidate: Option<String>,
    /// Votes.
    pub votes: u64,
    /// Share of valid votes, as a fraction.
    pub share: f64,
    /// Seats won.
    pub seats: u32,
    /// Inside a pact, each party's votes and seats.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<PartyRow>,
}

/// A party's line inside a pact. An independent associated with no party is a group of
/// their own: `party` is null and `candidate` names them.
#[derive(Debug, Clone, Serialize)]
pub struct PartyRow {
    /// The party; null for an unaffiliated independent.
    pub party: Option<String>,
    /// The unaffiliated independent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidate: Option<String>,
    /// Votes.
    pub votes: u64,
    /// Seats won.
    pub seats: u32,
}

/// A tie decided by lot.
#[derive(Debug, Clone, Serialize)]
pub struct LotteryRow {
    /// What was decided.
    pub purpose: String,
    /// The tied items.
    pub tied: Vec<String>,
    /// What the lot chose, in the order drawn.
    pub chosen: Vec<String>,
    /// The same, in a sentence.
    pub description: String,
    /// What was decided, as the frozen id that goes into every ticket.
    pub purpose_id: &'static str,
    /// The bare name of the list or party inside which the draw happened ("" for none).
    pub scope: String,
    /// Every tied item's ticket (README, "Lottery tickets"); the smallest win.
    pub tickets: Vec<TicketRow>,
}

/// One tied item's lottery ticket.
#[derive(Debug, Clone, Serialize)]
pub struct TicketRow {
    /// The item as `tied` shows it.
    pub item: String,
    /// Its bare name, as hashed.
    pub name: String,
    /// For a quotient, its divisor, as hashed.
    pub divisor: Option<u64>,
    /// The SHA-256 ticket in hexadecimal, as `sha256sum` prints it.
    pub ticket: String,
}

impl ContestReport {
    /// The report of `decision` on `contest` under `system`.
    pub fn new(system: System, contest: &Contest, decision: &Decision) -> Self {
        Self::from_parts(system, contest.clone(), decision.clone())
    }

    /// The report of `decision` on `contest` under `system`, as [`ContestReport::new`]
    /// makes it, taking the contest and the decision to move their names into the report
    /// instead of copying them: what a caller that reports millions of contests uses.
    pub fn from_parts(system: System, contest: Contest, decision: Decision) -> Self {
        let valid = contest.valid_votes();
        let share = |votes: u64| {
            if valid == 0 {
                0.0
            } else {
                votes as f64 / valid as f64
            }
        };
        let explanation = explain(system, &contest, &decision);
        let cifra_repartidora = decision.cifra_repartidora().map(|q| q.value());
        let runoff = decision
            .runoff_names(&contest)
            .map(|pair| pair.map(str::to_string));
        let mut candidates: Vec<CandidateRow> = contest
            .candidates
            .into_iter()
            .enumerate()
            .map(|(i, c)| CandidateRow {
                share: share(c.votes),
                candidate: c.name,
                list: c.affiliation.list,
                party: c.affiliation.party,
                votes: c.votes,
                elected: decision.is_elected(i),
            })
            .collect();
        // Most voted first, ties by name (as Contest::by_votes).
        candidates.sort_by(|a, b| {
            b.votes
                .cmp(&a.votes)
                .then_with(|| a.candidate.cmp(&b.candidate))
        });
        ContestReport {
            district: contest.district,
            seats: decision.seats,
            valid_votes: valid,
            blank: contest.blank,
            null: contest.null,
            candidates,
            lists: decision
                .lists
                .into_iter()
                .map(|l| {
                    let (list, candidate) = split_list(l.key);
                    ListRow {
                        list,
                        candidate,
                        votes: l.votes,
                        share: share(l.votes),
                        seats: l.seats,
                        parties: l
                            .parties
                            .into_iter()
                            .map(|p| {
                                let (party, candidate) = split_party(p.key);
                                PartyRow {
                                    party,
                                    candidate,
                                    votes: p.votes,
                                    seats: p.seats,
                                }
                            })
                            .collect(),
                    }
                })
                .collect(),
            elected: decision.elected_names,
            outcome: decision.outcome,
            runoff,
            lotteries: decision.lotteries.iter().map(LotteryRow::from).collect(),
            cifra_repartidora,
            unfilled_seats: decision.unfilled_seats,
            explanation,
        }
    }
}

impl From<&LotteryRecord> for LotteryRow {
    fn from(r: &LotteryRecord) -> Self {
        let purpose = purpose_text(r.purpose, &r.scope.label);
        let tied: Vec<String> = r.tied_labels().into_iter().map(str::to_string).collect();
        let chosen: Vec<String> = r.chosen_labels().into_iter().map(str::to_string).collect();
        LotteryRow {
            description: format!(
                "{purpose}: tie between {} for {} place{}; the lot chose {}",
                tied.join(", "),
                chosen.len(),
                if chosen.len() == 1 { "" } else { "s" },
                chosen.join(", ")
            ),
            purpose,
            tied,
            chosen,
            purpose_id: r.purpose.id(),
            scope: r.scope.name.clone(),
            tickets: r
                .tickets
                .iter()
                .map(|t| TicketRow {
                    item: t.item.label.clone(),
                    name: t.item.name.clone(),
                    divisor: t.item.divisor,
                    ticket: t.hex(),
                })
                .collect(),
        }
    }
}

/// What a draw decided, for people: "seats among lists", "candidates of list A", ...
fn purpose_text(purpose: Purpose, scope: &str) -> String {
    match purpose {
        Purpose::Runoff => "places in the second round".to_string(),
        Purpose::Congress => "places in Congress's choice".to_string(),
        Purpose::BinomialLists => "places among lists".to_string(),
        Purpose::ListSeats => "seats among lists".to_string(),
        Purpose::PartySeats => format!("seats among the parties of {scope}"),
        Purpose::ListCandidates | Purpose::PartyCandidates => format!("candidates of {scope}"),
        Purpose::Plurality => "seats by most votes".to_string(),
    }
}

fn split_list(key: ListKey) -> (Option<String>, Option<String>) {
    match key {
        ListKey::Named(list) => (Some(list), None),
        ListKey::Alone(name) => (None, Some(name)),
    }
}

fn split_party(key: PartyKey) -> (Option<String>, Option<String>) {
    match key {
        PartyKey::Named(party) => (Some(party), None),
        PartyKey::Alone(name) => (None, Some(name)),
    }
}

/// ", up to its number of candidates: list A ..." for the lists whose cap bound.
fn capped_clause(capped: &[ListKey]) -> String {
    let names: Vec<String> = capped.iter().map(ListKey::label).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => format!(
            ", up to its number of candidates: {one} has as many seats as candidates, and the seat it cannot take goes to the next quotient"
        ),
        [init @ .., last] => format!(
            ", up to its number of candidates: {} and {last} have as many seats as candidates, and the seats they cannot take go to the next quotients",
            init.join(", ")
        ),
    }
}

/// Why the decision is what it is, in one or two sentences.
fn explain(system: System, contest: &Contest, decision: &Decision) -> String {
    let valid = contest.valid_votes();
    let share_of = |i: usize| contest.candidates[i].votes as f64 / valid.max(1) as f64;
    let name = |i: usize| contest.candidates[i].name.as_str();
    let list_votes = |key: &ListKey| {
        decision
            .lists
            .iter()
            .find(|l| &l.key == key)
            .map_or(0, |l| l.votes)
    };
    let mut text = match &decision.basis {
        Basis::AbsoluteMajority => format!(
            "{} has {} of valid votes, more than half: elected.",
            name(decision.elected[0]),
            percent(share_of(decision.elected[0]))
        ),
        Basis::NoAbsoluteMajority => {
            let [a, b] = decision.runoff.unwrap_or([0, 0]);
            let then = if decision.outcome == Outcome::Congress {
                format!("the full Congress chooses between {} and {} (1925 Constitution, art. 64)", name(a), name(b))
            } else {
                format!("second round between {} and {}", name(a), name(b))
            };
            format!(
                "No candidate has more than half of valid votes (the most voted, {}, has {}): {then}.",
                name(a),
                percent(share_of(a))
            )
        }
        Basis::Plurality if decision.seats == 1 => "The most voted candidate wins.".to_string(),
        Basis::Plurality => format!("The {} most voted candidates win.", decision.seats),
        Basis::Doblaje { first, second } => format!(
            "Doblaje: {} ({}) has more than twice the votes of {}: both its candidates are elected.",
            first.label(),
            thousands(list_votes(first)),
            second.as_ref().map_or("any other list (there is none)".to_string(), |s| format!("{} ({})", s.label(), thousands(list_votes(s))))
        ),
        Basis::DoblajeWithOneCandidate { first, second } => match second {
            Some(second) => format!(
                "{} ({}) has more than twice the votes of {} ({}) but presents one candidate only: it elects that candidate, and {} its most voted candidate.",
                first.label(),
                thousands(list_votes(first)),
                second.label(),
                thousands(list_votes(second)),
                second.label()
            ),
            None => format!(
                "{} is the only list and presents one candidate only: it elects that candidate.",
                first.label()
            ),
        },
        Basis::TopTwoLists { first, second } => match second {
            Some(second) => format!(
                "{} ({}) does not have more than twice the votes of {} ({}): each of the two first lists elects its most voted candidate.",
                first.label(),
                thousands(list_votes(first)),
                second.label(),
                thousands(list_votes(second))
            ),
            None => format!("{} is the only list and elects its candidate.", first.label()),
        },
        Basis::Quotients {
            divisor,
            last_quotient,
            capped,
        } => {
            let (method, what) = match divisor {
                Divisor::DHondt => ("D'Hondt", "cifra repartidora"),
                Divisor::SainteLague => ("Sainte-Laguë", "last winning quotient"),
            };
            let pacts = if system.apportions_pacts() {
                " Inside each pact, D'Hondt again among its parties; each party's most voted candidates take its seats."
            } else {
                " Each list's most voted candidates take its seats."
            };
            match last_quotient {
                Some(q) => format!(
                    "{method} among lists: {what} {:.2} (= {} ÷ {}); each list wins one seat per quotient at or above it{}.{pacts}",
                    q.value(),
                    thousands(q.votes),
                    q.divisor,
                    capped_clause(capped)
                ),
                None => format!("{method} among lists.{pacts}"),
            }
        }
        Basis::Remainders { quota, value } => {
            let name = match quota {
                Quota::Hare => "Hare",
                Quota::Droop => "Droop",
            };
            format!(
                "{name} quota {:.2}: one seat per full quota, then the seats left to the largest remainders.",
                value.value()
            )
        }
    };
    if decision.unfilled_seats > 0 {
        let (n, verb) = match decision.unfilled_seats {
            1 => ("1 seat".to_string(), "stays"),
            n => (format!("{n} seats"), "stay"),
        };
        text.push_str(&format!(
            " {n} {verb} unfilled: more seats than candidates able to take them."
        ));
    }
    text
}

/// The formats a tally report renders to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned tables for people ([`to_text`]).
    Text,
    /// One pretty JSON object ([`to_json`]).
    Json,
    /// One row per candidate and contest ([`to_csv`]).
    Csv,
}

/// The start of a report's output, before its first contest: for JSON the object's
/// `system` and `seed` and the opening of `contests`, for CSV the header row, for text
/// nothing.
///
/// A report is rendered contest by contest as [`head`], then the contests in order
/// through one or more [`Contests`] (each a run of consecutive contests, which may be
/// rendered apart, e.g. on several threads, and joined in order), then [`tail`]: the
/// bytes are those of [`to_json`], [`to_csv`] or [`to_text`] of the whole report, without
/// every contest's report in memory at once.
pub fn head(format: Format, system: &str, seed: u64) -> String {
    match format {
        Format::Json => {
            // A JSON string of a `&str` cannot fail to serialise.
            let system = serde_json::to_string(system).unwrap_or_default();
            format!("{{\n  \"system\": {system},\n  \"seed\": {seed},\n  \"contests\": [")
        }
        Format::Csv => {
            let mut writer = csv_text::writer();
            csv_text::record(&mut writer, CSV_HEADER);
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
            Format::Json => json_contest(&mut self.out, first, contest),
            Format::Csv => csv_contest(&mut self.out, contest),
            Format::Text => {
                if !first {
                    self.text.push('\n');
                }
                contest_text(&mut self.text, &self.system, contest);
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
    let mut out = head(format, &report.system, report.seed).into_bytes();
    out.extend(contests.finish());
    out.extend(tail(format, report.contests.len()).into_bytes());
    // Every piece is UTF-8 (serde_json, the csv crate and the text all write text).
    String::from_utf8(out).unwrap_or_default()
}

/// The report as pretty JSON: `serde_json::to_string_pretty` of the report and a line
/// break.
pub fn to_json(report: &TallyReport) -> String {
    render(report, Format::Json)
}

/// One contest of the JSON report, as `serde_json::to_string_pretty` of the whole report
/// writes it: after its separator, indented two levels (inside the report's object and
/// its `contests` array).
fn json_contest(out: &mut Vec<u8>, first: bool, contest: &ContestReport) {
    out.extend_from_slice(if first { b"\n    " } else { b",\n    " });
    let pretty = Pretty {
        level: 2,
        has_value: false,
    };
    // These structs have string keys and finite or null numbers: serialising them cannot
    // fail, and writing into memory neither.
    let _ = contest.serialize(&mut serde_json::Serializer::with_formatter(out, pretty));
}

/// `serde_json`'s pretty format (two spaces a level) starting `level` levels in, with
/// each line break and its indentation written at once (`PrettyFormatter` writes the
/// indentation level by level, and the writes were a fifth of the JSON's time).
struct Pretty {
    level: usize,
    has_value: bool,
}

impl Pretty {
    /// A line break and the indentation of the current level.
    fn line<W: ?Sized + std::io::Write>(&self, writer: &mut W) -> std::io::Result<()> {
        const LINE: &[u8] = b"\n                                                                ";
        match LINE.get(..1 + 2 * self.level) {
            Some(line) => writer.write_all(line),
            None => {
                writer.write_all(b"\n")?;
                (0..self.level).try_for_each(|_| writer.write_all(b"  "))
            }
        }
    }
}

/// What a JSON writer takes.
type Io = std::io::Result<()>;

impl Pretty {
    /// Opens an array or object.
    fn open<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> Io {
        self.level += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    /// Closes an array or object, on a line of its own if it holds anything.
    fn close<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> Io {
        self.level -= 1;
        if self.has_value {
            self.line(writer)?;
        }
        writer.write_all(bracket)
    }

    /// Starts an element or a key: after a comma unless it is the first, on a new line.
    fn item<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, first: bool) -> Io {
        if !first {
            writer.write_all(b",")?;
        }
        self.line(writer)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> Io {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> Io {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> Io {
        self.item(w, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> Io {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> Io {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> Io {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> Io {
        self.item(w, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> Io {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> Io {
        self.has_value = true;
        Ok(())
    }
}

const CSV_HEADER: [&str; 17] = [
    "district",
    "candidate",
    "list",
    "party",
    "votes",
    "share",
    "elected",
    "election_order",
    "list_votes",
    "list_seats",
    "seats",
    "valid_votes",
    "blank",
    "null",
    "outcome",
    "in_runoff",
    "lotteries",
];

/// The report as CSV: one row per candidate and contest. The last column, `lotteries`,
/// repeats on every row of a contest the ties its result drew by lot (descriptions joined
/// by ` | `; empty when none), so a draw is never lost to a reader of the CSV alone.
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
fn csv_contest(out: &mut Vec<u8>, contest: &ContestReport) {
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
    for c in &contest.candidates {
        let list = match &c.list {
            Some(name) => lists.position(&(Some(name.as_str()), None)),
            None => lists.position(&(None, Some(c.candidate.as_str()))),
        }
        .map(|i| &contest.lists[i]);
        let order = order.position(&c.candidate.as_str()).map(|k| k + 1);
        let in_runoff = contest
            .runoff
            .as_ref()
            .is_some_and(|r| r.contains(&c.candidate));
        let mut row = csv_text::Record::new(out);
        row.text(&contest.district);
        row.text(&c.candidate);
        row.text(c.list.as_deref().unwrap_or(""));
        row.text(c.party.as_deref().unwrap_or(""));
        row.number(c.votes);
        row.formatted(format_args!("{:.6}", c.share));
        row.text(if c.elected { "true" } else { "false" });
        match order {
            Some(o) => row.number(o as u64),
            None => row.text(""),
        }
        match list {
            Some(l) => {
                row.number(l.votes);
                row.number(l.seats.into());
            }
            None => {
                row.text("");
                row.text("");
            }
        }
        row.number(contest.seats.into());
        row.number(contest.valid_votes);
        row.number(contest.blank);
        row.number(contest.null);
        row.text(contest.outcome.id());
        row.text(if in_runoff { "true" } else { "false" });
        row.text(&lotteries);
        row.end();
    }
}

/// The report as text for people: per contest, lists and candidates with votes and
/// shares, who is elected and why.
pub fn to_text(report: &TallyReport) -> String {
    render(report, Format::Text)
}

/// One contest of the text report, written at the end of `out`.
fn contest_text(out: &mut String, system: &str, c: &ContestReport) {
    use std::fmt::Write;
    // Writing into a string cannot fail.
    let _ = write!(
        out,
        "District {} · {system} · {} seat{}\nValid votes {}   blank {}   null {}\n\n",
        c.district,
        c.seats,
        if c.seats == 1 { "" } else { "s" },
        thousands(c.valid_votes),
        thousands(c.blank),
        thousands(c.null)
    );
    let has_lists = c.lists.iter().any(|l| l.list.is_some());
    if has_lists {
        lists_table(c).render_into("  ", out);
        out.push('\n');
    }
    candidates_table(c, has_lists).render_into("  ", out);
    out.push('\n');
    if let Some((first, rest)) = c.elected.split_first() {
        out.push_str("Elected: ");
        out.push_str(first);
        for name in rest {
            out.push_str(", ");
            out.push_str(name);
        }
        out.push('\n');
    }
    if let Some([a, b]) = &c.runoff {
        let what = if c.outcome == Outcome::Congress {
            "Congress chooses between"
        } else {
            "Runoff"
        };
        let _ = writeln!(out, "{what}: {a} and {b}");
    }
    let _ = writeln!(out, "Why: {}", c.explanation);
    for lottery in &c.lotteries {
        let _ = writeln!(out, "Lot: {}", lottery.description);
    }
}

fn lists_table(c: &ContestReport) -> Table {
    let mut table = Table::new(&[
        ("List", Align::Left),
        ("Votes", Align::Right),
        ("Share", Align::Right),
        ("Seats", Align::Right),
    ]);
    for l in &c.lists {
        let label = l
            .list
            .clone()
            .or_else(|| l.candidate.as_ref().map(|n| format!("{n} (no list)")));
        table.row(vec![
            label.unwrap_or_default(),
            thousands(l.votes),
            percent(l.share),
            l.seats.to_string(),
        ]);
        for p in &l.parties {
            let label = p
                .party
                .clone()
                .or_else(|| p.candidate.as_ref().map(|n| format!("{n} (independent)")));
            table.row(vec![
                format!("  {}", label.unwrap_or_default()),
                thousands(p.votes),
                String::new(),
                p.seats.to_string(),
            ]);
        }
    }
    table
}

fn candidates_table(c: &ContestReport, has_lists: bool) -> Table {
    let mut columns = vec![("Candidate", Align::Left)];
    if has_lists {
        columns.push(("List", Align::Left));
    }
    columns.extend([
        ("Party", Align::Left),
        ("Votes", Align::Right),
        ("Share", Align::Right),
        ("", Align::Left),
    ]);
    let mut table = Table::new(&columns);
    for cand in &c.candidates {
        let mut row = vec![cand.candidate.clone()];
        if has_lists {
            row.push(cand.list.clone().unwrap_or_default());
        }
        let mark = if cand.elected {
            "elected"
        } else if c
            .runoff
            .as_ref()
            .is_some_and(|r| r.contains(&cand.candidate))
        {
            if c.outcome == Outcome::Congress {
                "to Congress"
            } else {
                "to runoff"
            }
        } else {
            ""
        };
        row.extend([
            cand.party.clone().unwrap_or_default(),
            thousands(cand.votes),
            percent(cand.share),
            mark.to_string(),
        ]);
        table.row(row);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use cifra_core::{Candidate, Lottery};

    /// A report with a pact (parties inside a list), a candidate outside any list, a tie
    /// drawn by lot, an unfilled seat and a runoff: every nesting the JSON has.
    fn report(contests: usize) -> TallyReport {
        let made = [
            (
                System::ClDhondt,
                Some(3),
                Contest::new(
                    "Distrito \"1\"",
                    vec![
                        Candidate::new("Ana", 100).in_list("A").of_party("P"),
                        Candidate::new("Bo", 60).in_list("A").of_party("Q"),
                        Candidate::new("Cy", 50).in_list("B"),
                        Candidate::new("Di", 50).in_list("B"),
                        Candidate::new("Eve, alone", 10),
                    ],
                ),
            ),
            (
                System::Plurality,
                Some(3),
                Contest::new("2", vec![Candidate::new("Ana", 5)]),
            ),
            (
                System::ClPresidential,
                None,
                Contest::new(
                    "Ñuble",
                    vec![
                        Candidate::new("X", 40),
                        Candidate::new("Y", 30),
                        Candidate::new("Z", 30),
                    ],
                ),
            ),
        ];
        let lottery = Lottery::default();
        let contests = made
            .iter()
            .cycle()
            .take(contests)
            .map(|(system, seats, contest)| {
                let decision = system.decide(contest, *seats, &lottery).unwrap();
                ContestReport::new(*system, contest, &decision)
            })
            .collect();
        TallyReport {
            system: "cl-dhondt".to_string(),
            seed: lottery.seed(),
            contests,
        }
    }

    #[test]
    fn json_is_the_whole_report_pretty_printed() {
        for n in 0..4 {
            let report = report(n);
            let whole = serde_json::to_string_pretty(&report).unwrap() + "\n";
            assert_eq!(to_json(&report), whole, "{n} contests");
        }
        assert!(
            !report(3).contests[2].lotteries.is_empty(),
            "a tie is drawn"
        );
    }

    #[test]
    fn contests_rendered_in_runs_join_into_the_whole_report() {
        let report = report(6);
        for format in [Format::Json, Format::Csv, Format::Text] {
            let whole = render(&report, format);
            for cut in 0..=report.contests.len() {
                let mut out = head(format, &report.system, report.seed).into_bytes();
                for (first, run) in [(0, &report.contests[..cut]), (cut, &report.contests[cut..])] {
                    let mut contests =
                        Contests::new(format, &report.system, first).with_room_for(run.len());
                    run.iter().for_each(|c| contests.push(c));
                    out.extend(contests.finish());
                }
                out.extend(tail(format, report.contests.len()).into_bytes());
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    whole,
                    "{format:?}, cut {cut}"
                );
            }
        }
    }
}
