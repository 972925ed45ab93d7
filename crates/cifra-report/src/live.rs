//! What `cifra serve` publishes while actas arrive, and what `cifra verify` recomputes
//! from the log: the results of one election of a single office (the nation or one
//! territory), with the law engine's outcome. Options and shares come from the same
//! [`ContestReport`] as `cifra tally`'s, so the same votes give the same numbers.
//!
//! Words that are true: a territory elects nobody, so its results say only who leads
//! there; the nation's say what the law decides only once every mesa is counted, and
//! until then who leads and what the law would decide if the count ended now.

use crate::table::{percent, thousands};
use crate::tally::ContestReport;
use cifra_core::{Candidate, Contest, Lottery, Outcome, SeatsRule, System, SystemError};
use serde::{Deserialize, Serialize};

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionRow {
    /// The option's id.
    pub option: String,
    /// Its votes.
    pub votes: u64,
    /// Its share of the valid votes, 0 to 1.
    pub share: f64,
}

/// What the law decides from a count: who is elected, or the two of a runoff or of
/// Congress. Serialised with its `kind`: `{"kind": "runoff", "runoff": [A, B]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Verdict {
    /// Elected outright.
    Elected {
        /// The winner.
        winner: String,
    },
    /// A second round between the first two.
    Runoff {
        /// The two, most voted first.
        runoff: [String; 2],
    },
    /// Congress chooses between the first two (1925 Constitution).
    Congress {
        /// The two, most voted first.
        congress: [String; 2],
    },
}

/// Where the nation's count stands: leading while mesas are uncounted, decided once
/// every one is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Standing {
    /// Mesas are uncounted: nothing is decided yet.
    Leading {
        /// The most voted option so far.
        leader: String,
        /// What the law would decide if the count ended now.
        if_final: Verdict,
    },
    /// Every mesa is counted: what the law decides (its own `kind`).
    #[serde(untagged)]
    Decided(Verdict),
}

/// The nation's outcome: `{"kind": "leading", "leader", "if_final", ...}` while mesas
/// are uncounted, then `{"kind": "elected"|"runoff"|"congress", ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveOutcome {
    /// Leading, or decided.
    #[serde(flatten)]
    pub standing: Standing,
    /// True while leading (until every mesa is counted).
    pub provisional: bool,
    /// Why, in a sentence (as `cifra tally` explains it; while leading, with how many
    /// mesas are counted and that it is what the law would decide if the count ended now).
    pub explanation: String,
}

/// The results of the nation or of one territory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// The most voted option (the first of `options`); `None` while there are no valid
    /// votes.
    pub leader: Option<String>,
    /// For the nation, where the count stands (see [`LiveOutcome`]); `None` for a
    /// territory (it elects nobody) and while there are no valid votes.
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
            let options = options_of(&report);
            // A territory elects nobody: the law is asked of the nation alone.
            let outcome = territory
                .is_none()
                .then(|| outcome_of(report, &options[0].option, counts));
            (options, outcome)
        };
        let leader = (valid > 0).then(|| options[0].option.clone());
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
            leader,
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

/// The nation's outcome: what the law decides once every mesa is counted; before, who
/// leads and what the law would decide if the count ended now.
fn outcome_of(report: ContestReport, leader: &str, counts: Counts<'_>) -> LiveOutcome {
    let verdict = verdict_of(&report);
    if counts.mesas_counted >= counts.mesas_total {
        return LiveOutcome {
            standing: Standing::Decided(verdict),
            provisional: false,
            explanation: report.explanation,
        };
    }
    let explanation = format!(
        "Provisional: {} of {} mesas counted ({}); {leader} leads. What the law would decide if the count ended now: {}",
        thousands(counts.mesas_counted),
        thousands(counts.mesas_total),
        percent(counted_share(counts)),
        report.explanation
    );
    LiveOutcome {
        standing: Standing::Leading {
            leader: leader.to_string(),
            if_final: verdict,
        },
        provisional: true,
        explanation,
    }
}

/// The share of mesas counted, rounded down to a hundredth of a percent (100 % only when
/// every mesa is).
fn counted_share(counts: Counts<'_>) -> f64 {
    let ten_thousandths =
        u128::from(counts.mesas_counted) * 10_000 / u128::from(counts.mesas_total.max(1));
    ten_thousandths as f64 / 10_000.0
}

/// The law's decision in a report, as a [`Verdict`].
fn verdict_of(report: &ContestReport) -> Verdict {
    // The engine names the two whenever its outcome is a runoff or Congress.
    let two = || report.runoff.clone().unwrap_or_default();
    match report.outcome {
        Outcome::Elected => Verdict::Elected {
            winner: report.elected.first().cloned().unwrap_or_default(),
        },
        Outcome::Runoff => Verdict::Runoff { runoff: two() },
        Outcome::Congress => Verdict::Congress { congress: two() },
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

    fn nation(options: &[String], votes: &[u64], counted: u64) -> LiveResults {
        LiveResults::new(
            "e",
            System::ClPresidential,
            None,
            counts(options, votes, counted),
        )
        .unwrap()
    }

    #[test]
    fn a_partial_count_leads_with_what_the_law_would_decide_if_it_ended_now() {
        let options = names(&["a", "b", "c", "blank", "null"]);
        let votes = [40, 35, 25, 7, 3];
        let r = nation(&options, &votes, 4);
        assert_eq!(r.valid_votes, 100);
        assert_eq!((r.blank, r.null), (7, 3));
        let order: Vec<&str> = r.options.iter().map(|o| o.option.as_str()).collect();
        assert_eq!(order, ["a", "b", "c"]);
        assert_eq!(r.options[0].share, 0.4);
        assert_eq!(r.leader.as_deref(), Some("a"));
        let outcome = r.outcome.unwrap();
        assert_eq!(
            outcome.standing,
            Standing::Leading {
                leader: "a".into(),
                if_final: Verdict::Runoff {
                    runoff: ["a".into(), "b".into()]
                }
            }
        );
        assert!(outcome.provisional);
        assert!(
            outcome.explanation.starts_with(
                "Provisional: 4 of 10 mesas counted (40.00 %); a leads. What the law would decide if the count ended now: No candidate"
            ),
            "{}",
            outcome.explanation
        );
        let json = serde_json::to_value(&outcome).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "leading", "leader": "a",
                               "if_final": {"kind": "runoff", "runoff": ["a", "b"]},
                               "provisional": true, "explanation": outcome.explanation})
        );
    }

    #[test]
    fn an_absolute_majority_is_elected_only_when_every_mesa_is_counted() {
        let options = names(&["a", "b", "blank"]);
        let votes = [51, 49, 100];
        let partial = nation(&options, &votes, 9).outcome.unwrap();
        let json = serde_json::to_value(&partial).unwrap();
        assert_eq!(json["kind"], "leading");
        assert_eq!(
            json["if_final"],
            serde_json::json!({"kind": "elected", "winner": "a"})
        );
        assert!(json.get("winner").is_none());
        // 9,999 of 10,000 is not 100 %: the share counted is rounded down.
        let mut almost = counts(&options, &votes, 9_999);
        almost.mesas_total = 10_000;
        assert!(counted_share(almost) < 1.0);

        let outcome = nation(&options, &votes, 10).outcome.unwrap();
        assert_eq!(
            outcome.standing,
            Standing::Decided(Verdict::Elected { winner: "a".into() })
        );
        assert!(!outcome.provisional);
        let json = serde_json::to_value(&outcome).unwrap();
        assert_eq!(json["kind"], "elected");
        assert_eq!(json["winner"], "a");
        assert_eq!(json["provisional"], false);
        assert!(json.get("runoff").is_none());
        assert!(json.get("if_final").is_none());
        assert!(json.get("leader").is_none());
    }

    #[test]
    fn congress_chooses_once_every_mesa_is_counted() {
        let options = names(&["a", "b", "c"]);
        let r = LiveResults::new(
            "e",
            System::ClPresidential1925,
            None,
            counts(&options, &[40, 35, 25], 10),
        )
        .unwrap();
        let json = serde_json::to_value(r.outcome.unwrap()).unwrap();
        assert_eq!(json["kind"], "congress");
        assert_eq!(json["congress"], serde_json::json!(["a", "b"]));
    }

    #[test]
    fn a_territory_has_a_leader_and_no_outcome() {
        let options = names(&["a", "b", "blank"]);
        let territory = TerritoryRef {
            column: "region".into(),
            value: "NORTE".into(),
        };
        let r = LiveResults::new(
            "e",
            System::ClPresidential,
            Some(territory),
            counts(&options, &[70, 30, 0], 10),
        )
        .unwrap();
        assert_eq!(r.leader.as_deref(), Some("a"));
        assert_eq!(r.outcome, None);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["outcome"], serde_json::Value::Null);
        assert_eq!(json["leader"], "a");
    }

    #[test]
    fn a_tie_leads_in_the_order_of_the_options() {
        let options = names(&["b", "a"]);
        let r = nation(&options, &[5, 5], 1);
        assert_eq!(r.options[0].option, "a");
        assert_eq!(r.leader.as_deref(), Some("a"));
    }

    #[test]
    fn no_valid_votes_is_no_leader_and_no_outcome_yet() {
        let options = names(&["a", "b", "null"]);
        let r = nation(&options, &[0, 0, 5], 1);
        assert_eq!(r.outcome, None);
        assert_eq!(r.leader, None);
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
