//! Calls: when the outcome of the contest is known before the count ends.
//!
//! - By **mathematics**: no completion of the uncounted mesas, each casting between 0 and
//!   its registered electors' ballots with any split, changes the outcome. Without every
//!   mesa's electors nothing bounds the uncounted ballots, and mathematics cannot call.
//!   Counted actas are taken as final (a correction that changes a counted mesa is not a
//!   completion).
//! - By **projection**: every comparison the outcome rests on (the winner over half the
//!   valid votes; or nobody over half and each of the pair ahead of each other candidate)
//!   holds in the projection with probability at least [`CALL_LEVEL`] overall (split
//!   evenly over the comparisons, Bonferroni), once [`CALL_MIN_COUNTED`] of the mesas and
//!   of the projected votes are counted.

use super::model::{Count, Design, Fit, Rule};
use super::{normal_quantile, CALL_LEVEL, CALL_MIN_COUNTED};
use serde::{Deserialize, Serialize};

/// The outcome of a contest of one office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// This option is elected.
    Winner(String),
    /// These two options go to the runoff (in the election's order of options).
    Runoff(String, String),
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Winner(w) => write!(f, "{w} elected"),
            Outcome::Runoff(a, b) => write!(f, "runoff {a} vs {b}"),
        }
    }
}

/// How a call was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallBy {
    /// No completion of the uncounted mesas changes the outcome.
    Mathematics,
    /// The projection holds the outcome at [`CALL_LEVEL`].
    Projection,
}

/// A call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    /// The outcome called.
    pub outcome: Outcome,
    /// How.
    pub by: CallBy,
}

/// One comparison an outcome rests on, a linear function of the votes per option that
/// must be positive: `votes[plus] - votes[minus] + half * valid`.
#[derive(Debug, Clone, Copy)]
struct Condition {
    plus: Option<usize>,
    minus: Option<usize>,
    half: f64,
    /// Whether 0 also keeps the outcome (exactly half the valid votes is no majority).
    zero_holds: bool,
}

impl Condition {
    fn value(&self, design: &Design, y: &[f64]) -> f64 {
        let valid: f64 = design.valid.iter().map(|&v| y[v]).sum();
        self.plus.map_or(0.0, |a| y[a]) - self.minus.map_or(0.0, |b| y[b]) + self.half * valid
    }

    /// How much one more ballot can lower the value at worst: cast for `minus`
    /// (`1 - half`), or for another candidate (`-half`), or blank (0).
    fn worst_ballot(&self) -> f64 {
        let for_minus = if self.minus.is_some() {
            1.0 - self.half
        } else {
            0.0
        };
        for_minus.max(-self.half).max(0.0)
    }
}

/// The comparisons `outcome` rests on under the design's rule.
fn conditions(design: &Design, outcome: &Outcome) -> Vec<Condition> {
    let index = |name: &str| design.options.iter().position(|o| o == name);
    let cond = |plus, minus, half| Condition {
        plus,
        minus,
        half,
        zero_holds: false,
    };
    let mut out = Vec::new();
    match (design.rule, outcome) {
        (Rule::MajorityOrRunoff, Outcome::Winner(w)) => out.push(cond(index(w), None, -0.5)),
        (Rule::Plurality, Outcome::Winner(w)) => {
            let w = index(w);
            for &c in design.valid.iter().filter(|&&c| Some(c) != w) {
                out.push(cond(w, Some(c), 0.0));
            }
        }
        (_, Outcome::Runoff(a, b)) => {
            let (a, b) = (index(a), index(b));
            for &c in &design.valid {
                // Nobody has more than half: half the valid votes minus c's, positive.
                out.push(Condition {
                    zero_holds: true,
                    ..cond(None, Some(c), 0.5)
                });
                if Some(c) != a && Some(c) != b {
                    out.push(cond(a, Some(c), 0.0));
                    out.push(cond(b, Some(c), 0.0));
                }
            }
        }
    }
    out
}

/// The outcome of `votes` per option (the leader wins; under majority-or-runoff only with
/// more than half the valid votes, else the two first). `None` when a tie decides it.
pub fn outcome_of(design: &Design, votes: &[f64]) -> Option<Outcome> {
    let mut order: Vec<usize> = design.valid.clone();
    // Stable: among equal votes the election's order (a tie is reported as None below).
    order.sort_by(|&a, &b| votes[b].total_cmp(&votes[a]));
    let valid: f64 = design.valid.iter().map(|&v| votes[v]).sum();
    let name = |j: usize| design.options[j].clone();
    let first = order[0];
    if order.len() == 1 {
        return Some(Outcome::Winner(name(first)));
    }
    match design.rule {
        Rule::MajorityOrRunoff if 2.0 * votes[first] > valid => Some(Outcome::Winner(name(first))),
        Rule::MajorityOrRunoff => {
            let second = order[1];
            if order.len() > 2 && votes[order[2]] == votes[second] {
                return None;
            }
            let (a, b) = if first < second {
                (first, second)
            } else {
                (second, first)
            };
            Some(Outcome::Runoff(name(a), name(b)))
        }
        Rule::Plurality if votes[first] == votes[order[1]] => None,
        Rule::Plurality => Some(Outcome::Winner(name(first))),
    }
}

/// The call by mathematics, if any: the counted outcome, when no completion of the
/// uncounted mesas (each 0 to its electors' ballots, any split) changes it.
///
/// Each condition of the outcome is checked against its worst completion: all uncounted
/// ballots valid and cast for whoever hurts it most (the rival compared, or anyone but
/// the winner for a majority).
pub fn math_call(design: &Design, count: &Count) -> Option<Call> {
    if !design.knows_electors {
        return None;
    }
    let u = count.uncounted_size();
    let votes: Vec<f64> = (0..design.options.len())
        .map(|j| count.counted_votes(j))
        .collect();
    let outcome = outcome_of(design, &votes)?;
    // Each condition against its own worst completion: all U uncounted ballots cast
    // where they lower it most. The outcome stands if every condition survives its worst.
    let holds = conditions(design, &outcome).iter().all(|c| {
        let worst = c.value(design, &votes) - c.worst_ballot() * u;
        worst > 0.0 || (c.zero_holds && worst == 0.0)
    });
    holds.then_some(Call {
        outcome,
        by: CallBy::Mathematics,
    })
}

/// The call by projection, if any: the projected outcome when every condition it rests on
/// is positive at [`CALL_LEVEL`] (Bonferroni over the conditions) and at least
/// [`CALL_MIN_COUNTED`] of the mesas and of the projected votes are counted.
pub fn projection_call(design: &Design, count: &Count) -> Option<Call> {
    let fit = Fit::new(design, count)?;
    if (count.mesas_counted() as f64) < CALL_MIN_COUNTED * design.mesas() as f64 {
        return None;
    }
    let k = design.options.len();
    let counted: Vec<f64> = (0..k).map(|j| count.counted_votes(j)).collect();
    let totals: Vec<f64> = (0..k).map(|j| counted[j] + fit.predict(|y| y[j])).collect();
    let counted_all: f64 = counted.iter().sum();
    let all: f64 = totals.iter().sum();
    if all <= 0.0 || counted_all < CALL_MIN_COUNTED * all {
        return None;
    }
    let outcome = outcome_of(design, &totals)?;
    let conditions = conditions(design, &outcome);
    let z = normal_quantile(1.0 - (1.0 - CALL_LEVEL) / conditions.len() as f64);
    let holds = conditions.into_iter().all(|c| {
        let projected = c.value(design, &totals);
        let sd = fit.variance(|y| c.value(design, y)).sqrt();
        projected > z * sd
    });
    holds.then_some(Call {
        outcome,
        by: CallBy::Projection,
    })
}

/// The call at this count: by mathematics if it can, else by projection, else none.
pub fn call(design: &Design, count: &Count) -> Option<Call> {
    math_call(design, count).or_else(|| projection_call(design, count))
}
