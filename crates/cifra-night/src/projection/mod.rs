//! The projection: from the mesas counted so far and the election's definition (each
//! mesa's place and registered electors), an estimate of the final result of a contest of
//! one office (each candidate's share of valid votes with an interval, projected votes,
//! turnout, the expected fraction of the final vote already counted) and the calls that
//! can be made (by mathematics, by projection).
//!
//! Pure and deterministic: a function of the counted votes and the definition, with no
//! randomness, no I/O and a fixed order of every sum, so anyone recomputes the same numbers
//! from the same log prefix. The method is in `docs/projection.md`:
//!
//! - every uncounted mesa is predicted as its electors times the rate (votes per elector)
//!   of its polling place, shrunk towards its comuna's, shrunk towards its region's, shrunk
//!   towards the nation's (credibility weights with a fixed prior size, [`PRIOR_ELECTORS`]);
//! - the error of the sum of those predictions is estimated analytically, as for a ratio
//!   estimator with polling places as clusters inside comunas, comunas inside regions
//!   ([`model`]), and intervals are normal at the level asked for;
//! - a call by mathematics asks whether any completion of the uncounted mesas (each
//!   casting between 0 and its electors' ballots, any split) changes the outcome
//!   ([`call`]); a call by projection whether the outcome holds at [`CALL_LEVEL`].
//!
//! Seat contests (lists, pacts, districts) are not projected yet: the [`Count`] of each
//! district and the same rates would feed the apportionment; the design keeps the
//! per-option rates for that.

pub mod call;
pub mod model;

pub use call::{math_call, projection_call, Call, CallBy, Outcome};
pub use model::{Count, Design, DesignError};

use serde::{Deserialize, Serialize};

/// The levels an interval may be asked at (0.9 is the default).
pub const LEVELS: [f64; 5] = [0.5, 0.8, 0.9, 0.95, 0.99];

/// The default level of the intervals.
pub const DEFAULT_LEVEL: f64 = 0.9;

/// The level at which a projected outcome is called (the probability, under the
/// projection's normal model, that the outcome holds; split over the comparisons the
/// outcome needs, Bonferroni).
pub const CALL_LEVEL: f64 = 0.999;

/// A projection is not called before this fraction of the mesas is counted, nor before
/// this fraction of the projected votes: before, the model's variances rest on too few
/// polling places to be trusted with a call.
pub const CALL_MIN_COUNTED: f64 = 0.05;

/// The prior size, in electors, of the credibility weights: a place's own rate weighs
/// `x / (x + PRIOR_ELECTORS)` against its parent's, where `x` are its counted electors
/// (about 3 mesas). Chosen by backtest on the 2021 first round (`BENCHMARKS.md`).
pub const PRIOR_ELECTORS: f64 = 1000.0;

/// An estimate with an interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The point estimate.
    pub estimate: f64,
    /// The interval's lower end.
    pub low: f64,
    /// The interval's upper end.
    pub high: f64,
}

/// One option's projection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionProjection {
    /// The option's id.
    pub option: String,
    /// Projected share of valid votes (0..1).
    pub share: f64,
    /// The share's interval at the projection's level.
    pub low: f64,
    /// The share's interval's upper end.
    pub high: f64,
    /// Projected final votes.
    pub votes: f64,
    /// The votes' interval's lower end (never below the votes counted).
    pub votes_low: f64,
    /// The votes' interval's upper end (never above what the electors allow); `None`
    /// when nothing bounds it (too little counted, and electors unknown).
    pub votes_high: Option<f64>,
}

/// The projection of a contest of one office.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    /// Mesas counted.
    pub mesas_counted: u64,
    /// Mesas of the election.
    pub mesas_total: u64,
    /// The intervals' level.
    pub level: f64,
    /// The fraction of the final votes (valid, blank and null) already counted.
    pub expected_counted: Interval,
    /// Votes cast over registered electors, if every mesa's electors are known.
    pub turnout: Option<Interval>,
    /// The candidates (not blank nor null), in the election's order.
    pub options: Vec<OptionProjection>,
    /// How it was computed, in a few words.
    pub method: String,
}

/// Why no projection can be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectionError {
    /// Nothing is counted (or only mesas without electors nor votes).
    #[error("no mesa counted yet: nothing to project from")]
    NothingCounted,
    /// The level is not one of [`LEVELS`].
    #[error("level {0} is not one of 0.5, 0.8, 0.9, 0.95, 0.99")]
    BadLevel(String),
}

/// The standard normal quantile at `p` (0 < p < 1): Acklam's rational approximation,
/// relative error below 1.2e-9 (far below what an interval's width can tell).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p_low = 0.02425;
    if p < p_low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - p_low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    }
}

/// Checks that `level` is one of [`LEVELS`].
pub fn check_level(level: f64) -> Result<f64, ProjectionError> {
    LEVELS
        .iter()
        .copied()
        .find(|l| (l - level).abs() < 1e-9)
        .ok_or_else(|| ProjectionError::BadLevel(level.to_string()))
}

/// The projection of the contest at `level` from `count`, the counted mesas' sums.
pub fn project(design: &Design, count: &Count, level: f64) -> Result<Projection, ProjectionError> {
    let level = check_level(level)?;
    let z = normal_quantile(0.5 + level / 2.0);
    let fit = model::Fit::new(design, count).ok_or(ProjectionError::NothingCounted)?;
    let k = design.options.len();
    // Projected final votes per option: counted + predicted for the uncounted mesas.
    let totals: Vec<f64> = (0..k)
        .map(|j| count.counted_votes(j) + fit.predict(|y| y[j]))
        .collect();
    let valid: f64 = design.valid.iter().map(|&j| totals[j]).sum();
    let all: f64 = totals.iter().sum();
    let counted_all: f64 = (0..k).map(|j| count.counted_votes(j)).sum();
    let uncounted_electors = count.uncounted_size();

    let mut options = Vec::with_capacity(design.valid.len());
    for &j in &design.valid {
        let share = if valid > 0.0 { totals[j] / valid } else { 0.0 };
        // The share's error is the error of sum(y_j - share * y_valid) over valid votes.
        let valid_idx = &design.valid;
        let d = |y: &[f64]| y[j] - share * valid_idx.iter().map(|&v| y[v]).sum::<f64>();
        let sd_share = if valid > 0.0 {
            fit.variance(d).sqrt() / valid
        } else {
            0.0
        };
        let sd_votes = fit.variance(|y| y[j]).sqrt();
        let counted = count.counted_votes(j);
        let max_votes = if design.knows_electors {
            counted + uncounted_electors
        } else {
            f64::INFINITY
        };
        options.push(OptionProjection {
            option: design.options[j].clone(),
            share,
            low: (share - z * sd_share).clamp(0.0, 1.0),
            high: (share + z * sd_share).clamp(0.0, 1.0),
            votes: totals[j],
            votes_low: (totals[j] - z * sd_votes).max(counted),
            votes_high: Some((totals[j] + z * sd_votes).min(max_votes)).filter(|v| v.is_finite()),
        });
    }
    let sd_all = fit.variance(|y| y.iter().sum()).sqrt();
    let predicted_all = all - counted_all;
    let fraction = |uncounted: f64| {
        let total = counted_all + uncounted.max(0.0);
        if total > 0.0 {
            counted_all / total
        } else {
            0.0
        }
    };
    let expected_counted = Interval {
        estimate: fraction(predicted_all),
        low: fraction(predicted_all + z * sd_all),
        high: fraction(predicted_all - z * sd_all),
    };
    let turnout = design.knows_electors.then(|| {
        let electors = design.total_size;
        let max = (counted_all + uncounted_electors) / electors;
        Interval {
            estimate: all / electors,
            low: ((all - z * sd_all) / electors).max(counted_all / electors),
            high: ((all + z * sd_all) / electors).min(max),
        }
    });
    Ok(Projection {
        mesas_counted: count.mesas_counted(),
        mesas_total: design.mesas() as u64,
        level,
        expected_counted,
        turnout,
        options,
        method: format!(
            "hierarchical ratio estimator (polling place > comuna > region > nation; places shrunk to their comuna with a prior of {}), normal intervals from a hierarchical variance model; docs/projection.md",
            if design.knows_electors {
                format!("{PRIOR_ELECTORS} electors")
            } else {
                format!("{:.1} mesas", PRIOR_ELECTORS / 300.0)
            }
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_normal_quantile_matches_known_values() {
        for (p, x) in [
            (0.5, 0.0),
            (0.95, 1.644_853_626_951_472_2),
            (0.975, 1.959_963_984_540_054),
            (0.995, 2.575_829_303_548_900_4),
            (0.9995, 3.290_526_731_491_926),
            (0.01, -2.326_347_874_040_841),
        ] {
            assert!(
                (normal_quantile(p) - x).abs() < 1e-6,
                "{p}: {}",
                normal_quantile(p)
            );
        }
    }

    #[test]
    fn a_level_outside_the_list_is_refused() {
        assert!(check_level(0.9).is_ok());
        assert_eq!(
            check_level(0.7).unwrap_err().to_string(),
            "level 0.7 is not one of 0.5, 0.8, 0.9, 0.95, 0.99"
        );
    }
}

/// A call as recorded: the first made, with the log size and mesas counted when it was
/// made; never withdrawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRecord {
    /// The outcome called.
    pub outcome: Outcome,
    /// How.
    pub by: CallBy,
    /// The log's size when it was made.
    pub at_log_size: u64,
    /// Mesas counted when it was made.
    pub at_mesas_counted: u64,
}

/// The projection's state during the night: the design, the count kept per acta, and the
/// call once made.
///
/// Calls are checked when the count crosses a whole percent of the mesas (and at the
/// last mesa), so the call is a function of the log prefix: replaying the log at start
/// (or in a verifier) finds the same call at the same log size.
#[derive(Debug, Clone)]
pub struct Tracker {
    /// The election's design.
    pub design: Design,
    /// The counted mesas' sums.
    pub count: Count,
    /// The call, once made.
    pub call: Option<CallRecord>,
}

impl Tracker {
    /// Nothing counted for `election` yet.
    pub fn new(election: &crate::Election) -> Result<Tracker, DesignError> {
        let design = Design::from_election(election)?;
        let count = Count::new(&design);
        Ok(Tracker {
            design,
            count,
            call: None,
        })
    }

    /// Mesa `mesa`'s acta `votes` replaces `old` (its previous version, if any); the log
    /// now has `log_size` entries.
    pub fn apply(&mut self, mesa: usize, old: Option<&[u64]>, votes: &[u64], log_size: u64) {
        let before = self.percent();
        if let Some(old) = old {
            self.count.remove(&self.design, mesa, old);
        }
        self.count.add(&self.design, mesa, votes);
        let total = self.design.mesas() as u64;
        let crossed = self.percent() > before || self.count.mesas_counted() == total;
        if self.call.is_none() && crossed {
            if let Some(c) = call::call(&self.design, &self.count) {
                self.call = Some(CallRecord {
                    outcome: c.outcome,
                    by: c.by,
                    at_log_size: log_size,
                    at_mesas_counted: self.count.mesas_counted(),
                });
            }
        }
    }

    /// The whole percent of mesas counted.
    fn percent(&self) -> u64 {
        self.count.mesas_counted() * 100 / (self.design.mesas().max(1) as u64)
    }
}
