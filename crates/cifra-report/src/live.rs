//! What `cifra serve` publishes while actas arrive, and what `cifra verify` recomputes
//! from the log: the results of one election of a single office (the nation or one
//! territory), with the law engine's outcome. Options and shares come from the same
//! [`ContestReport`] as `cifra tally`'s, so the same votes give the same numbers.

use crate::tally::ContestReport;
use cifra_core::{Candidate, Contest, Lottery, Outcome, SeatsRule, System, SystemError};
use serde::Serialize;

/// The option that counts blank votes.
pub const BLANK: &str = "blank";
/// The option that counts null votes.
pub const NULL: &str = "null";

/// Whether `cifra serve` can decide `system`: it serves elections of one office among
/// named options (candidates), which is what a mesa's acta counts.
pub fn serves(system: System) -> bool {
    matches!(
        system.seats_rule(),
        SeatsRule::SingleOffice | SeatsRule::Exactly(1) | SeatsRule::DefaultsTo(1)
    )
}

/// The systems `cifra serve` can decide, by id (for messages).
pub fn served_systems() -> Vec<&'static str> {
    System::ALL
        .into_iter()
        .filter(|s| serves(*s))
        .map(System::id)
        .collect()
}

/// A territory: one value of one territory column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TerritoryRef {
    /// The column, e.g. `region`.
    pub column: String,
    /// Its value, e.g. `DE ANTOFAGASTA`.
    pub value: String,
}

/// The counts of one territory (or the nation) so far.
#[derive(Debug, Clone, Copy)]
pub struct Counts<'a> {
    /// The election's options, in the election's order (`blank` and `null` included when
    /// the election has them).
    pub options: &'a [String],
    /// Votes per option, in the same order.
    pub votes: &'a [u64],
    /// Mesas whose acta has been recorded.
    pub mesas_counted: u64,
    /// Mesas in the territory.
    pub mesas_total: u64,
    /// Counted mesas whose latest acta is flagged.
    pub mesas_flagged: u64,
    /// Registered electors of the counted mesas, if the election knows them.
    pub electors_counted: Option<u64>,
}

/// One option's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptionRow {
    /// The option's id.
    pub option: String,
    /// Its votes.
    pub votes: u64,
    /// Its share of the valid votes, 0 to 1.
    pub share: f64,
}

/// What the law decides from the votes counted so far.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveOutcome {
    /// `elected`, `runoff` or `congress`.
    pub kind: Outcome,
    /// The winner, when elected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub winner: Option<String>,
    /// The two in the second round.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runoff: Option<[String; 2]>,
    /// The two Congress chooses between (1925 Constitution).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub congress: Option<[String; 2]>,
    /// True until every mesa of the territory is counted.
    pub provisional: bool,
    /// Why, in a sentence (as `cifra tally` explains it).
    pub explanation: String,
}

/// The results of the nation or of one territory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveResults {
    /// The election's name.
    pub election: String,
    /// The system's id.
    pub system: String,
    /// The territory, or `None` for the nation.
    pub territory: Option<TerritoryRef>,
    /// The options but blank and null, most voted first (ties by name).
    pub options: Vec<OptionRow>,
    /// Valid votes: the options' but blank and null.
    pub valid_votes: u64,
    /// Blank votes.
    pub blank: u64,
    /// Null votes.
    pub null: u64,
    /// Mesas whose acta has been recorded.
    pub mesas_counted: u64,
    /// Mesas in the territory.
    pub mesas_total: u64,
    /// Counted mesas whose latest acta is flagged.
    pub mesas_flagged: u64,
    /// Registered electors of the counted mesas, if known.
    pub electors_counted: Option<u64>,
    /// What the law decides from the counted votes; `None` while there are no valid votes.
    pub outcome: Option<LiveOutcome>,
}

impl LiveResults {
    /// The results of `counts` under `system`, for `territory` (or the nation). Ties are
    /// decided by the default lottery, as `cifra tally` decides them without `--seed`.
    pub fn new(
        election: &str,
        system: System,
        territory: Option<TerritoryRef>,
        counts: Counts<'_>,
    ) -> Result<LiveResults, SystemError> {
        let contest = contest(counts);
        let valid = contest.valid_votes();
        let (blank, null) = (contest.blank, contest.null);
        let provisional = counts.mesas_counted < counts.mesas_total;
        let (options, outcome) = if valid == 0 {
            // All tied at 0: by name, as every tie in the rows.
            let mut options: Vec<OptionRow> = contest
                .candidates
                .into_iter()
                .map(|c| OptionRow {
                    option: c.name,
                    votes: 0,
                    share: 0.0,
                })
                .collect();
            options.sort_by(|a, b| a.option.cmp(&b.option));
            (options, None)
        } else {
            let decision = system.decide(&contest, None, &Lottery::default())?;
            let report = ContestReport::new(system, &contest, &decision);
            (options_of(&report), Some(outcome_of(report, provisional)))
        };
        Ok(LiveResults {
            election: election.to_string(),
            system: system.id().to_string(),
            territory,
            options,
            valid_votes: valid,
            blank,
            null,
            mesas_counted: counts.mesas_counted,
            mesas_total: counts.mesas_total,
            mesas_flagged: counts.mesas_flagged,
            electors_counted: counts.electors_counted,
            outcome,
        })
    }
}

/// The counts as a contest: every option a candidate but blank and null.
fn contest(counts: Counts<'_>) -> Contest {
    let mut contest = Contest::new("", Vec::new());
    for (option, &votes) in counts.options.iter().zip(counts.votes) {
        match option.as_str() {
            BLANK => contest.blank += votes,
            NULL => contest.null += votes,
            _ => contest
                .candidates
                .push(Candidate::new(option.clone(), votes)),
        }
    }
    contest
}

fn options_of(report: &ContestReport) -> Vec<OptionRow> {
    report
        .candidates
        .iter()
        .map(|c| OptionRow {
            option: c.candidate.clone(),
            votes: c.votes,
            share: c.share,
        })
        .collect()
}

fn outcome_of(report: ContestReport, provisional: bool) -> LiveOutcome {
    let (winner, runoff, congress) = match report.outcome {
        Outcome::Elected => (report.elected.into_iter().next(), None, None),
        Outcome::Runoff => (None, report.runoff, None),
        Outcome::Congress => (None, None, report.runoff),
    };
    LiveOutcome {
        kind: report.outcome,
        winner,
        runoff,
        congress,
        provisional,
        explanation: report.explanation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn counts<'a>(options: &'a [String], votes: &'a [u64], counted: u64) -> Counts<'a> {
        Counts {
            options,
            votes,
            mesas_counted: counted,
            mesas_total: 10,
            mesas_flagged: 0,
            electors_counted: None,
        }
    }

    #[test]
    fn a_runoff_without_an_absolute_majority_names_the_first_two() {
        let options = names(&["a", "b", "c", "blank", "null"]);
        let votes = [40, 35, 25, 7, 3];
        let r = LiveResults::new(
            "e",
            System::ClPresidential,
            None,
            counts(&options, &votes, 4),
        )
        .unwrap();
        assert_eq!(r.valid_votes, 100);
        assert_eq!((r.blank, r.null), (7, 3));
        let order: Vec<&str> = r.options.iter().map(|o| o.option.as_str()).collect();
        assert_eq!(order, ["a", "b", "c"]);
        assert_eq!(r.options[0].share, 0.4);
        let outcome = r.outcome.unwrap();
        assert_eq!(outcome.kind, Outcome::Runoff);
        assert_eq!(outcome.runoff, Some(["a".to_string(), "b".to_string()]));
        assert!(outcome.provisional);
    }

    #[test]
    fn an_absolute_majority_elects_and_is_final_when_every_mesa_is_counted() {
        let options = names(&["a", "b", "blank"]);
        let votes = [51, 49, 100];
        let r = LiveResults::new(
            "e",
            System::ClPresidential,
            None,
            counts(&options, &votes, 10),
        )
        .unwrap();
        let outcome = r.outcome.unwrap();
        assert_eq!(outcome.kind, Outcome::Elected);
        assert_eq!(outcome.winner.as_deref(), Some("a"));
        assert!(!outcome.provisional);
        let json = serde_json::to_value(&outcome).unwrap();
        assert_eq!(json["kind"], "elected");
        assert!(json.get("runoff").is_none());
    }

    #[test]
    fn no_valid_votes_is_no_outcome_yet() {
        let options = names(&["a", "b", "null"]);
        let votes = [0, 0, 5];
        let r = LiveResults::new(
            "e",
            System::ClPresidential,
            None,
            counts(&options, &votes, 1),
        )
        .unwrap();
        assert_eq!(r.outcome, None);
        assert_eq!(r.options.len(), 2);
    }

    #[test]
    fn single_offices_are_served_and_seat_systems_are_not() {
        assert!(serves(System::ClPresidential));
        assert!(serves(System::ClMayor));
        assert!(serves(System::Plurality));
        assert!(!serves(System::ClDhondt));
        assert!(!serves(System::ClBinomial));
    }
}
