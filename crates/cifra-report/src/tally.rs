//! What `cifra tally` shows: one report built from the engine's values, rendered as
//! JSON (the contract other tools rely on), CSV (tidy, for R and pandas) or text (for
//! people).

use crate::csv_text;
use crate::table::{percent, plural, thousands, Align, Table};
use cifra_core::{
    apportion::{Divisor, Quota},
    Basis, Contest, Correction, CorrectionRule, Corrections, Decision, Level, ListKey,
    LotteryRecord, Outcome, PartyKey, Pool, Purpose, Sex, System,
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
    /// Whether the corrections the system makes after apportionment (gender parity) were
    /// applied; `false` for the result without them.
    pub corrections_applied: bool,
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
    /// The changes made to the elected after apportionment (gender parity), in the order
    /// made; empty for systems without corrections.
    pub corrections: Vec<CorrectionRow>,
}

/// One change made after apportionment: who left, who entered, the rule, and the figures
/// that ranked them.
#[derive(Debug, Clone, Serialize)]
pub struct CorrectionRow {
    /// `gender-parity` (in a district) or `indigenous-parity` (among peoples).
    pub rule: &'static str,
    /// Who left the elected.
    pub left: String,
    /// Their sex, `F` or `M`.
    pub left_sex: Option<String>,
    /// Their votes.
    pub left_votes: u64,
    /// Who took the seat.
    pub entered: String,
    /// Their sex (an alternate is of the other sex than their candidate).
    pub entered_sex: Option<String>,
    /// Their votes; null for an alternate, who has none of their own.
    pub entered_votes: Option<u64>,
    /// Where they came from: `party` (the most voted of the other sex of the same party),
    /// `list` (of the same list, for an independent of no party), `list-past-party` (of
    /// the same list, the party having none left) or `alternate` (the candidate's own).
    pub from: &'static str,
    /// The party, for `party` and `list-past-party`.
    pub party: Option<String>,
    /// The list, for `party`, `list` and `list-past-party`.
    pub list: Option<String>,
    /// Among peoples: the voters registered for the people.
    pub registered: Option<u64>,
    /// What ranked who left: votes, or among peoples votes ÷ registered (display only).
    pub ranked_by: f64,
    /// The same, in a sentence.
    pub description: String,
}

/// A candidate's line.
#[derive(Debug, Clone, Serialize)]
pub struct CandidateRow {
    /// Name.
    pub candidate: String,
    /// Ballot list, if any.
    pub list: Option<String>,
    /// Party, if any (as normalised by the reader: an independent on a party's slot
    /// carries the party).
    pub party: Option<String>,
    /// Votes.
    pub votes: u64,
    /// Share of valid votes, as a fraction.
    pub share: f64,
    /// Whether elected, holding the seat in person (a candidate whose alternate holds it
    /// is not).
    pub elected: bool,
    /// The list's name (pact, party or list of independents), if the input gives it.
    pub pact: Option<String>,
    /// The sub-pact, if any.
    pub subpact: Option<String>,
    /// `F` or `M`, if the input gives it.
    pub sex: Option<String>,
    /// The candidate's alternate, if the input gives one.
    pub alternate: Option<String>,
    /// Whether the candidate won the seat and their alternate holds it (a correction).
    pub seated_by_alternate: bool,
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
/// their own: `party` is null and `candidate` names them. Under the councils' systems a
/// sub-pact is a group too: `party` is null and `subpact` names it.
#[derive(Debug, Clone, Serialize)]
pub struct PartyRow {
    /// The party; null for an unaffiliated independent or a sub-pact.
    pub party: Option<String>,
    /// The sub-pact, for a sub-pact's line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subpact: Option<String>,
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
    /// The report of `decision` on `contest` under `system`, corrections applied.
    pub fn new(system: System, contest: &Contest, decision: &Decision) -> Self {
        ContestReport::with_corrections(system, contest, decision, Corrections::Apply)
    }

    /// The report of `decision` on `contest` under `system`, made with or without the
    /// system's corrections (the explanation says which).
    pub fn with_corrections(
        system: System,
        contest: &Contest,
        decision: &Decision,
        corrections: Corrections,
    ) -> Self {
        Self::from_parts(system, contest.clone(), decision.clone(), corrections)
    }

    /// The report of `decision` on `contest` under `system`, as
    /// [`ContestReport::with_corrections`] makes it, taking the contest and the decision
    /// to move their names into the report instead of copying them: what a caller that
    /// reports millions of contests uses.
    pub fn from_parts(
        system: System,
        contest: Contest,
        decision: Decision,
        corrections: Corrections,
    ) -> Self {
        let valid = contest.valid_votes();
        let share = |votes: u64| {
            if valid == 0 {
                0.0
            } else {
                votes as f64 / valid as f64
            }
        };
        let explanation = explain(system, &contest, &decision, corrections);
        let cifra_repartidora = decision.cifra_repartidora().map(|q| q.value());
        let runoff = decision
            .runoff_names(&contest)
            .map(|pair| pair.map(str::to_string));
        // Corrections name candidates by their place in the contest: rows made before
        // the candidates move out.
        let correction_rows = decision
            .corrections
            .iter()
            .map(|c| correction_row(&contest, c))
            .collect();
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
                elected: decision.holds_seat(i),
                pact: c.affiliation.pact,
                subpact: c.affiliation.subpact,
                sex: c.sex.map(|s| s.letter().to_string()),
                alternate: c.alternate,
                seated_by_alternate: decision.seated_by_alternate(i),
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
                                let (party, subpact) = match p.level {
                                    Level::Subpact => (None, party),
                                    _ => (party, None),
                                };
                                PartyRow {
                                    party,
                                    subpact,
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
            corrections: correction_rows,
        }
    }
}

/// A correction as its report row, with its description.
fn correction_row(contest: &Contest, c: &Correction) -> CorrectionRow {
    let left = &contest.candidates[c.left];
    let sex = left.sex;
    let letter = |s: Option<Sex>| s.map(|s| s.letter().to_string());
    let noun = |s: Option<Sex>| s.map_or("candidate", Sex::noun);
    let other = sex.map(Sex::other);
    let (entered, entered_votes) = match c.pool {
        Pool::Alternate => (left.alternate.clone().unwrap_or_default(), None),
        _ => {
            let e = &contest.candidates[c.entered];
            (e.name.clone(), Some(e.votes))
        }
    };
    let (from, party, list) = match &c.pool {
        Pool::Party(p) => ("party", Some(p.clone()), left.list().map(str::to_string)),
        Pool::List(l) => ("list", None, Some(l.name().to_string())),
        Pool::ListPastParty(l) => (
            "list-past-party",
            left.party().map(str::to_string),
            Some(l.name().to_string()),
        ),
        Pool::Alternate => ("alternate", None, None),
    };
    let registered = (c.rule == CorrectionRule::IndigenousParity).then_some(c.ranked_by.divisor);
    let (her, she) = match sex {
        Some(Sex::Female) => ("her", "she"),
        Some(Sex::Male) => ("his", "he"),
        None => ("their", "they"),
    };
    let leaves = format!(
        "{} ({}, {} votes), the least voted {} elected who can give way, leaves",
        left.name,
        letter(sex).unwrap_or_default(),
        thousands(left.votes),
        noun(sex),
    );
    let enters = |votes: u64| {
        format!(
            "{entered} ({}, {} votes), the most voted {}",
            letter(other).unwrap_or_default(),
            thousands(votes),
            noun(other)
        )
    };
    let description = match (&c.pool, entered_votes) {
        (Pool::Party(p), Some(v)) => format!("{leaves}; {} of {her} party, {p}, enters.", enters(v)),
        (Pool::ListPastParty(l), Some(v)) => format!(
            "{leaves}; {her} party, {}, has no {} left, so {} of {her} list, {}, enters.",
            left.party().unwrap_or_default(),
            noun(other),
            enters(v),
            l.label()
        ),
        (Pool::List(l), Some(v)) => format!(
            "{leaves}; as an independent of no party {she} gives way within {her} list: {} of {}, enters.",
            enters(v),
            l.label()
        ),
        _ => format!(
            "{} ({}, {} votes: {} of the {} voters registered for the {} people), the {} elected with the fewest votes per registered voter, gives way to {her} alternate {entered} ({}).",
            left.name,
            letter(sex).unwrap_or_default(),
            thousands(left.votes),
            percent(c.ranked_by.value()),
            thousands(c.ranked_by.divisor),
            contest.district,
            noun(sex),
            letter(other).unwrap_or_default()
        ),
    };
    CorrectionRow {
        rule: c.rule.id(),
        left: left.name.clone(),
        left_sex: letter(sex),
        left_votes: left.votes,
        entered,
        entered_sex: letter(other),
        entered_votes,
        from,
        party,
        list,
        registered,
        ranked_by: c.ranked_by.value(),
        description,
    }
}

impl From<&LotteryRecord> for LotteryRow {
    fn from(r: &LotteryRecord) -> Self {
        let purpose = purpose_text(r.purpose, &r.scope.label);
        let tied: Vec<String> = r.tied_labels().into_iter().map(str::to_string).collect();
        let chosen: Vec<String> = r.chosen_labels().into_iter().map(str::to_string).collect();
        LotteryRow {
            description: format!(
                "{purpose}: tie between {} for {} {}; the lot chose {}",
                tied.join(", "),
                chosen.len(),
                plural(chosen.len() as u64, "place", "places"),
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
        Purpose::ParityLeaves => "who gives way under the parity correction".to_string(),
        Purpose::ParityEnters => format!("who enters under the parity correction, of {scope}"),
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
fn explain(
    system: System,
    contest: &Contest,
    decision: &Decision,
    corrections: Corrections,
) -> String {
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
            settled,
        } => {
            let (method, what) = match divisor {
                Divisor::DHondt => ("D'Hondt", "cifra repartidora"),
                Divisor::SainteLague => ("Sainte-Laguë", "last winning quotient"),
            };
            let pacts = match (system.apportions_pacts(), system.apportions_subpacts()) {
                (true, _) => " Inside each pact, D'Hondt again among its parties; each party's most voted candidates take its seats.",
                (false, Some(false)) => " Inside each pact, D'Hondt again among its sub-pacts, its parties outside sub-pacts and each independent outside a sub-pact, each up to its number of candidates; the most voted candidates of each take its seats. A party's own list elects its most voted candidates.",
                (false, Some(true)) => " Inside each list, D'Hondt again among its sub-pacts, its parties outside sub-pacts and each independent outside a sub-pact (in a party's own list too: the party and each independent on it), each up to its number of candidates; the most voted candidates of each take its seats.",
                (false, None) => " Each list's most voted candidates take its seats.",
            };
            let mut text = match last_quotient {
                Some(q) => format!(
                    "{method} among lists: {what} {:.2} (= {} ÷ {}); each list wins one seat per quotient at or above it{}.{pacts}",
                    q.value(),
                    thousands(q.votes),
                    q.divisor,
                    capped_clause(capped)
                ),
                None => format!("{method} among lists.{pacts}"),
            };
            if let Some(tie) = settled {
                text.push_str(&format!(
                    " The last seat was a tie of quotients ({:.2}) between {} ÷ {} and {} ÷ {}: it goes to {}, whose candidate {} has more individual votes ({}) than {} ({}) of {}.",
                    tie.quotient.value(),
                    tie.won.list.label(),
                    tie.won.divisor,
                    tie.lost.list.label(),
                    tie.lost.divisor,
                    tie.won.list.label(),
                    tie.won.candidate,
                    thousands(tie.won.votes),
                    tie.lost.candidate,
                    thousands(tie.lost.votes),
                    tie.lost.list.label(),
                ));
            }
            if system.ties_by_individual_votes() {
                text.push_str(" Equal quotients go to the candidate with more individual votes, then to lot.");
            }
            text
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
    text.push_str(&correction_clause(system, decision, corrections));
    if decision.unfilled_seats > 0 {
        let n = decision.unfilled_seats as u64;
        text.push_str(&format!(
            " {n} {} {} unfilled: more seats than candidates able to take them.",
            plural(n, "seat", "seats"),
            plural(n, "stays", "stay")
        ));
    }
    text
}

/// What the system's correction does, and whether it changed anything here.
fn correction_clause(system: System, decision: &Decision, corrections: Corrections) -> String {
    let Some(rule) = system.correction() else {
        return String::new();
    };
    let what = match rule {
        CorrectionRule::GenderParity => " Then gender parity in the district (Ley 21.200, Ley 21.216): as many women as men, or one more of either when it elects an odd number; while it is not so, the least voted elected member of the over-represented sex gives way to the most voted candidate of the other sex of their party (of their list for an independent of no party, or when the party has none left); an independent outside any list is never replaced.",
        CorrectionRule::IndigenousParity if decision.seats > 1 => {
            return format!(" This people elects {} seats: the parity correction among peoples concerns those electing one (Ley 21.298).", decision.seats);
        }
        CorrectionRule::IndigenousParity => " Then gender parity among the peoples electing one seat each (Ley 21.298): while they elect more of one sex than the rule allows, the elected candidate of that sex with the fewest votes per voter registered for their people gives way to their own alternate.",
    };
    let done = match (corrections, decision.corrections.len()) {
        (Corrections::Omit, _) => " Shown without that correction.".to_string(),
        (Corrections::Apply, 0) => " No correction here.".to_string(),
        (Corrections::Apply, 1) => " 1 correction here (below).".to_string(),
        (Corrections::Apply, n) => format!(" {n} corrections here (below)."),
    };
    format!("{what}{done}")
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

const CSV_HEADER: [&str; 23] = [
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
    "pact",
    "subpact",
    "sex",
    "alternate",
    "seated_by_alternate",
    "correction",
];

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
        row.text(c.pact.as_deref().unwrap_or(""));
        row.text(c.subpact.as_deref().unwrap_or(""));
        row.text(c.sex.as_deref().unwrap_or(""));
        row.text(c.alternate.as_deref().unwrap_or(""));
        row.text(if c.seated_by_alternate {
            "true"
        } else {
            "false"
        });
        let correction = contest
            .corrections
            .iter()
            .find(|x| x.left == c.candidate || x.entered == c.candidate)
            .map_or("", |x| x.description.as_str());
        row.text(correction);
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
        "District {} · {system} · {} {}\nValid votes {}   blank {}   null {}\n\n",
        c.district,
        c.seats,
        plural(c.seats as u64, "seat", "seats"),
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
    for correction in &c.corrections {
        let _ = writeln!(out, "Correction: {}", correction.description);
    }
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
    // The list's name on the ballot, where the input gives it: "A · POR CHILE, SEGUIMOS".
    let pacts: HashMap<&str, &str> = c
        .candidates
        .iter()
        .filter_map(|x| Some((x.list.as_deref()?, x.pact.as_deref()?)))
        .collect();
    for l in &c.lists {
        let label = l
            .list
            .as_ref()
            .map(|list| match pacts.get(list.as_str()) {
                Some(pact) => format!("{list} · {pact}"),
                None => list.clone(),
            })
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
                .or_else(|| p.subpact.as_ref().map(|n| format!("{n} (sub-pact)")))
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
    columns.push(("Party", Align::Left));
    let has_sex = c.candidates.iter().any(|x| x.sex.is_some());
    if has_sex {
        columns.push(("Sex", Align::Left));
    }
    columns.extend([
        ("Votes", Align::Right),
        ("Share", Align::Right),
        ("", Align::Left),
    ]);
    let mut table = Table::new(&columns);
    let left: Vec<&str> = c.corrections.iter().map(|x| x.left.as_str()).collect();
    let entered: Vec<&str> = c.corrections.iter().map(|x| x.entered.as_str()).collect();
    for cand in &c.candidates {
        let mut row = vec![cand.candidate.clone()];
        if has_lists {
            row.push(cand.list.clone().unwrap_or_default());
        }
        let mark = if cand.elected && entered.contains(&cand.candidate.as_str()) {
            "elected (parity)"
        } else if cand.elected {
            "elected"
        } else if cand.seated_by_alternate {
            ""
        } else if left.contains(&cand.candidate.as_str()) {
            "gave way (parity)"
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
        // The one mark with a name in it, written only for the candidate it concerns.
        let mark = if cand.seated_by_alternate && !cand.elected {
            format!(
                "won; alternate {} holds the seat (parity)",
                cand.alternate.as_deref().unwrap_or_default()
            )
        } else {
            mark.to_string()
        };
        row.push(cand.party.clone().unwrap_or_default());
        if has_sex {
            row.push(cand.sex.clone().unwrap_or_default());
        }
        row.extend([thousands(cand.votes), percent(cand.share), mark]);
        table.row(row);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use cifra_core::{Candidate, Lottery, Sex};

    /// A report with a pact (parties inside a list), a candidate outside any list, a tie
    /// drawn by lot, an unfilled seat, a runoff, sub-pacts, and a gender-parity correction
    /// with every descriptive field (pact, sub-pact, sex, alternate): every nesting and
    /// every key the JSON and CSV have.
    fn report(contests: usize) -> TallyReport {
        let (man, woman) = (Sex::Male, Sex::Female);
        // Three men most voted in pact A: parity hands Dan's seat to Fay, of his party.
        let convention = Contest::new(
            "Distrito 7",
            vec![
                Candidate::new("Bo", 100).in_list("A").of_party("P"),
                Candidate::new("Cy", 90).in_list("A").of_party("P"),
                Candidate::new("Dan", 80).in_list("A").of_party("Q"),
                Candidate::new("Eva", 10).in_list("A").of_party("P"),
                Candidate::new("Fay", 5).in_list("A").of_party("Q"),
                Candidate::new("Gil", 3).in_list("B"),
            ]
            .into_iter()
            .map(|c| {
                let sex = if "BoCyDan".contains(c.name.as_str()) {
                    man
                } else {
                    woman
                };
                let pact = if c.affiliation.list.is_some() {
                    "A \"APRUEBO\", DIGNIDAD"
                } else {
                    "B"
                };
                let alternate = format!("{} alternate", c.name);
                c.in_pact(pact).with_sex(sex).with_alternate(alternate)
            })
            .collect(),
        );
        let council = Contest::new(
            "Comuna",
            vec![
                Candidate::new("a1", 50)
                    .in_list("A")
                    .in_subpact("S, 1")
                    .of_party("P"),
                Candidate::new("a2", 40).in_list("A").in_subpact("S, 1"),
                Candidate::new("a3", 30).in_list("A").of_party("R"),
                Candidate::new("b1", 20).in_list("B").of_party("T"),
            ],
        );
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
            (System::ClConvention2021, Some(3), convention),
            (System::ClCouncil, Some(3), council),
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
            corrections_applied: true,
            contests,
        }
    }

    #[test]
    fn json_is_the_whole_report_pretty_printed() {
        for n in 0..6 {
            let mut report = report(n);
            let whole = serde_json::to_string_pretty(&report).unwrap() + "\n";
            assert_eq!(to_json(&report), whole, "{n} contests");
            report.corrections_applied = false;
            let whole = serde_json::to_string_pretty(&report).unwrap() + "\n";
            assert_eq!(to_json(&report), whole, "{n} contests, without corrections");
        }
        let report = report(5);
        assert!(!report.contests[4].lotteries.is_empty(), "a tie is drawn");
        assert_eq!(report.contests[2].corrections.len(), 1, "a parity swap");
        assert!(
            report.contests[3].lists[0].parties[0].subpact.is_some(),
            "a sub-pact"
        );
    }

    #[test]
    fn csv_is_what_the_csv_crate_writes() {
        let report = report(10);
        let ours = to_csv(&report);
        // Every record read back and written again by the csv crate gives the same bytes.
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(ours.as_bytes());
        let mut writer = csv_text::writer();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.unwrap();
            csv_text::record(&mut writer, record.iter());
            rows.push(record);
        }
        assert_eq!(csv_text::finish(writer), ours);
        assert_eq!(rows[0].iter().collect::<Vec<_>>(), CSV_HEADER);
        assert!(rows.iter().all(|row| row.len() == CSV_HEADER.len()));
        // The parity swap: Dan gave way to Fay, both rows describing it.
        let row = |name: &str| {
            rows.iter()
                .find(|r| &r[0] == "Distrito 7" && &r[1] == name)
                .unwrap()
        };
        let (dan, fay) = (row("Dan"), row("Fay"));
        assert_eq!(
            dan.iter().skip(17).take(5).collect::<Vec<_>>(),
            ["A \"APRUEBO\", DIGNIDAD", "", "M", "Dan alternate", "false"]
        );
        assert_eq!((&dan[6], &fay[6]), ("false", "true"));
        assert!(!dan[22].is_empty() && dan[22] == fay[22], "{}", &dan[22]);
        let council = rows.iter().find(|r| &r[1] == "a2").unwrap();
        assert_eq!(&council[18], "S, 1");
    }

    #[test]
    fn contests_rendered_in_runs_join_into_the_whole_report() {
        let report = report(6);
        for format in [Format::Json, Format::Csv, Format::Text] {
            let whole = render(&report, format);
            for cut in 0..=report.contests.len() {
                let mut out = head(
                    format,
                    &report.system,
                    report.seed,
                    report.corrections_applied,
                )
                .into_bytes();
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
