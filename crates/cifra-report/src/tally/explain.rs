//! The explanation of the law: why a contest's decision is what it is, what each
//! correction did and what each draw decided, in sentences for people.

use super::model::{CorrectionRow, LotteryRow, TicketRow};
use crate::table::{percent, plural, thousands};
use cifra_core::{
    apportion::{Divisor, Quota},
    Basis, Contest, Correction, CorrectionRule, Corrections, Decision, ListKey, LotteryRecord,
    Outcome, Pool, Purpose, Sex, System,
};

/// A correction as its report row, with its description.
pub(super) fn correction_row(contest: &Contest, c: &Correction) -> CorrectionRow {
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
pub(super) fn explain(
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
