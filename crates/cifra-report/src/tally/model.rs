//! The report's model: what `cifra tally` shows of a contest, made from the engine's
//! values (`cifra-core`'s contest and decision), before any format.

use super::explain::{correction_row, explain};
use cifra_core::{Contest, Corrections, Decision, Level, ListKey, Outcome, PartyKey, System};
use serde::Serialize;

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
