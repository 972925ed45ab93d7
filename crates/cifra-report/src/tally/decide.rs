//! Deciding and rendering every contest of a results file, in parallel, with output the
//! same whatever the number of threads.

use super::{head, tail, ContestReport, Contests, Format};
use cifra_core::{Ballot, Contest, Corrections, Decision, Lottery, System, SystemError};
use cifra_results::{InputError, Seats, Totals};
use rayon::prelude::*;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// How to decide and render a tally: the system, the lottery's seed, whether the
/// system's corrections apply, and the format.
#[derive(Clone, Copy, Debug)]
pub struct Tally {
    /// The electoral system.
    pub system: System,
    /// The seed of the lottery that breaks the ties the law sends to lot.
    pub seed: u64,
    /// Whether the corrections after apportionment apply.
    pub corrections: Corrections,
    /// The output format.
    pub format: Format,
}

/// A tally rendered: the output, and warnings and notes for people.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rendered {
    /// The output, in pieces to write one after the other (UTF-8 text).
    pub out: Vec<Vec<u8>>,
    /// Warnings (e.g. unfilled seats).
    pub warnings: Vec<String>,
    /// Every tie decided by lot, so that a draw is reported whatever the format.
    pub notes: Vec<String>,
}

/// Why a tally could not be decided: the first contest that fails, in natural order.
#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    /// The seats of a contest are missing or wrong.
    #[error(transparent)]
    Seats(#[from] InputError),
    /// The system cannot decide a contest.
    #[error("district \"{district}\": {source}")]
    Contest {
        /// The contest's district.
        district: String,
        /// Why.
        source: SystemError,
    },
}

impl Tally {
    /// Decides and renders every contest of `totals` with `seats`: head, contests, tail.
    ///
    /// Contests are decided and rendered in parallel, in runs of consecutive contests
    /// joined in order; each contest's decision and report are dropped once rendered,
    /// so memory holds the output and the contests, not every intermediate value at
    /// once. Only a system whose corrections span contests ([`System::spans_contests`])
    /// has every contest made and decided at once, then rendered the same way.
    pub fn render(&self, seats: &Seats, totals: Totals) -> Result<Rendered, DecideError> {
        let count = totals.len();
        let applied = self.corrections == Corrections::Apply;
        let head = head(self.format, self.system.id(), self.seed, applied);
        let runs = if self.system.spans_contests() {
            vec![self.decide_together(seats, totals)]
        } else {
            self.decide_in_runs(seats, &totals)
        };
        let mut rendered = Rendered {
            out: vec![head.into_bytes()],
            ..Rendered::default()
        };
        for run in runs {
            let run = run?;
            rendered.out.extend(run.out);
            rendered.warnings.extend(run.warnings);
            rendered.notes.extend(run.notes);
        }
        rendered.out.push(tail(self.format, count).into_bytes());
        Ok(rendered)
    }

    /// Decides and renders every contest in parallel runs of consecutive contests, in
    /// order: after a run fails, later runs are skipped (earlier ones still run, so that
    /// the first error in natural order is the one reported).
    fn decide_in_runs(&self, seats: &Seats, totals: &Totals) -> Vec<Result<Rendered, DecideError>> {
        let count = totals.len();
        let size = count
            .div_ceil(rayon::current_num_threads() * 8)
            .clamp(1, 1024);
        let failed = AtomicUsize::new(usize::MAX);
        (0..count.div_ceil(size))
            .into_par_iter()
            .map(|k| {
                if k > failed.load(Relaxed) {
                    return Ok(Rendered::default());
                }
                let run = k * size..count.min((k + 1) * size);
                let done = self.decide_run(seats, totals, run);
                if done.is_err() {
                    failed.fetch_min(k, Relaxed);
                }
                done
            })
            .collect()
    }

    /// Decides and renders the contests numbered `run` (in natural order of districts).
    fn decide_run(
        &self,
        seats: &Seats,
        totals: &Totals,
        run: Range<usize>,
    ) -> Result<Rendered, DecideError> {
        let lottery = Lottery::new(self.seed);
        let mut rendered = Run::new(self, run.start, run.len());
        for contest in run.map(|k| totals.contest(k)) {
            let given = seats.for_district(&contest.district)?;
            let decision = self
                .system
                .decide_with(&contest, given, &lottery, self.corrections)
                .map_err(|source| DecideError::Contest {
                    district: contest.district.clone(),
                    source,
                })?;
            rendered.push(contest, decision);
        }
        Ok(rendered.finish())
    }

    /// Decides every contest together, for a system whose corrections span contests
    /// (see [`System::spans_contests`]): all contests are made at once, decided by
    /// [`System::decide_all`], and rendered as one run.
    fn decide_together(&self, seats: &Seats, totals: Totals) -> Result<Rendered, DecideError> {
        let lottery = Lottery::new(self.seed);
        let contests = totals.into_contests();
        let ballots = contests
            .iter()
            .map(|contest| {
                Ok(Ballot {
                    contest,
                    seats: seats.for_district(&contest.district)?,
                    registered: seats.registered_for(&contest.district),
                })
            })
            .collect::<Result<Vec<_>, InputError>>()?;
        let decisions = self
            .system
            .decide_all(&ballots, &lottery, self.corrections)
            .map_err(|e| DecideError::Contest {
                district: e.district,
                source: e.source,
            })?;
        drop(ballots);
        let mut rendered = Run::new(self, 0, contests.len());
        for (contest, decision) in contests.into_iter().zip(decisions) {
            rendered.push(contest, decision);
        }
        Ok(rendered.finish())
    }
}

/// A run of contests rendered as they are decided, with the warnings and notes they give.
struct Run<'a> {
    tally: &'a Tally,
    contests: Contests,
    warnings: Vec<String>,
    notes: Vec<String>,
}

impl<'a> Run<'a> {
    /// An empty run of `count` contests whose first is number `first` (in natural
    /// order).
    fn new(tally: &'a Tally, first: usize, count: usize) -> Self {
        Run {
            tally,
            contests: Contests::new(tally.format, tally.system.id(), first).with_room_for(count),
            warnings: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Renders the next contest and its decision, then drops them.
    fn push(&mut self, contest: Contest, decision: Decision) {
        let tally = self.tally;
        if decision.unfilled_seats > 0 {
            self.warnings.push(format!(
                "district \"{}\": {} of {} seats unfilled: more seats than candidates able to take them",
                contest.district, decision.unfilled_seats, decision.seats
            ));
        }
        let report = ContestReport::from_parts(tally.system, contest, decision, tally.corrections);
        self.notes.extend(report.lotteries.iter().map(|lot| {
            format!(
                "district \"{}\": drawn by lot (seed {}): {}",
                report.district, tally.seed, lot.description
            )
        }));
        self.contests.push(&report);
    }

    /// The bytes of the contests pushed, with their warnings and notes.
    fn finish(self) -> Rendered {
        Rendered {
            out: vec![self.contests.finish()],
            warnings: self.warnings,
            notes: self.notes,
        }
    }
}
