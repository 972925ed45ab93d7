//! The backtest: a past election's mesas replayed in many arrival orders; at 5, 10, 25,
//! 50, 75 and 90 % of the mesas counted the projection is compared with the final result,
//! beside the naive count (the shares counted so far) and a plain ratio estimator (each
//! region's votes per elector counted, times its electors: the quick count's method). At
//! every whole percent counted the calls are checked (made once, never withdrawn; wrong
//! if the final outcome differs).
//!
//! Deterministic: run `i` draws its order from `seed` and `i` alone, runs go in parallel
//! and are summed in run order.

use crate::projection::call::{call, outcome_of, CallBy, Outcome};
use crate::projection::{project, Count, Design, DesignError, ProjectionError};
use cifra_ei::rng::Rng;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

/// The fractions of mesas counted at which the projection is compared.
pub const CHECKPOINTS: [f64; 6] = [0.05, 0.10, 0.25, 0.50, 0.75, 0.90];

/// Why a backtest cannot run.
#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    /// The mesas do not make a design.
    #[error(transparent)]
    Design(#[from] DesignError),
    /// The arrival file is not a night's per-comuna progress.
    #[error("{file}: {message}")]
    Arrival {
        /// The file's name.
        file: String,
        /// What is wrong (with the line).
        message: String,
    },
    /// No projection can be made.
    #[error(transparent)]
    Projection(#[from] ProjectionError),
    /// Nothing to replay.
    #[error("{0}")]
    Usage(String),
    /// The mesa file cannot be read.
    #[error(transparent)]
    Mesas(#[from] cifra_results::ReadError),
}

/// A night's per-comuna progress: per comuna, the fraction of its mesas counted at each
/// snapshot (seconds from the first), and the median curve for comunas not in it.
#[derive(Debug, Clone)]
pub struct Arrival {
    times: Vec<f64>,
    curves: HashMap<String, Vec<f64>>,
    median: Vec<f64>,
}

/// The order the mesas arrive in.
#[derive(Debug, Clone)]
pub enum Order {
    /// Uniformly at random.
    Random,
    /// Regions at different paces: each region starts after a random delay (0 to half
    /// the night) and counts at its own speed (0.5x to 1.5x); random inside.
    RegionPace,
    /// The mesas with the most electors first.
    LargeFirst,
    /// The mesas with the fewest electors first.
    SmallFirst,
    /// Each comuna along its curve in a real night's file, random inside it.
    Arrival(Box<Arrival>),
}

impl Order {
    /// The order named `arg` (`random`, `region-pace`, `large-first`, `small-first` or
    /// `arrival:FILE`, with `arrival` the file's name and bytes).
    pub fn parse(arg: &str, arrival: Option<(&str, &[u8])>) -> Result<Order, BacktestError> {
        Ok(match (arg, arrival) {
            ("random", _) => Order::Random,
            ("region-pace", _) => Order::RegionPace,
            ("large-first", _) => Order::LargeFirst,
            ("small-first", _) => Order::SmallFirst,
            (other, Some((file, bytes))) if other.starts_with("arrival:") => Order::Arrival(
                Box::new(Arrival::parse(file, &String::from_utf8_lossy(bytes))?),
            ),
            (other, _) => {
                return Err(BacktestError::Usage(format!(
                "--order {other:?}: random, region-pace, large-first, small-first or arrival:FILE"
            )))
            }
        })
    }

    /// The order's name, as the CLI takes it (`arrival:FILE` is `arrival`).
    pub fn name(&self) -> &'static str {
        match self {
            Order::Random => "random",
            Order::RegionPace => "region-pace",
            Order::LargeFirst => "large-first",
            Order::SmallFirst => "small-first",
            Order::Arrival(_) => "arrival",
        }
    }
}

/// The past election to replay.
#[derive(Debug, Clone)]
pub struct Replay {
    design: Design,
    /// Per mesa and option, votes.
    votes: Vec<u64>,
    /// Per mesa, its region (the first territory value's position).
    region: Vec<u32>,
    /// Per mesa, its comuna's name (the second territory value, else the first).
    comuna: Vec<String>,
    /// Per region, its electors (or mesas).
    region_size: Vec<f64>,
    /// The final shares of valid votes, per candidate.
    final_shares: Vec<f64>,
    /// The final outcome.
    final_outcome: Option<Outcome>,
}

/// One mesa of a replay: its territory values (broadest first), electors and votes.
pub type ReplayMesa = (Vec<String>, Option<u64>, Vec<u64>);

impl Replay {
    /// The replay of `mesas`, counting `options`, decided by `system`.
    pub fn new(
        options: &[String],
        system: &str,
        mesas: &[ReplayMesa],
    ) -> Result<Replay, BacktestError> {
        if mesas.is_empty() {
            return Err(BacktestError::Usage("no mesas to replay".into()));
        }
        let design = Design::new(
            options,
            system,
            mesas.iter().map(|(t, e, _)| (t.as_slice(), *e)),
        )?;
        let k = options.len();
        let mut votes = Vec::with_capacity(mesas.len() * k);
        let mut regions: HashMap<&str, u32> = HashMap::new();
        let (mut region, mut comuna) = (Vec::new(), Vec::new());
        for (territory, _, v) in mesas {
            votes.extend(v.iter().copied().chain(std::iter::repeat(0)).take(k));
            let name = territory.first().map_or("", String::as_str);
            let next = regions.len() as u32;
            region.push(*regions.entry(name).or_insert(next));
            comuna.push(
                territory
                    .get(1)
                    .or(territory.first())
                    .cloned()
                    .unwrap_or_default(),
            );
        }
        let mut region_size = vec![0.0; regions.len()];
        for (m, &r) in region.iter().enumerate() {
            region_size[r as usize] += design.size(m) as f64;
        }
        let totals: Vec<f64> = (0..k)
            .map(|j| (0..mesas.len()).map(|m| votes[m * k + j] as f64).sum())
            .collect();
        let valid: f64 = design.valid.iter().map(|&j| totals[j]).sum();
        let final_shares = design.valid.iter().map(|&j| totals[j] / valid).collect();
        let final_outcome = outcome_of(&design, &totals);
        Ok(Replay {
            design,
            votes,
            region,
            comuna,
            region_size,
            final_shares,
            final_outcome,
        })
    }

    /// The design replayed.
    pub fn design(&self) -> &Design {
        &self.design
    }

    /// The final outcome (`None` on a tie).
    pub fn final_outcome(&self) -> Option<&Outcome> {
        self.final_outcome.as_ref()
    }

    fn mesa_votes(&self, m: usize) -> &[u64] {
        let k = self.design.options.len();
        &self.votes[m * k..(m + 1) * k]
    }

    /// The arrival order of run `seed`.
    pub fn order(&self, order: &Order, seed: u64) -> Vec<usize> {
        let n = self.design.mesas();
        let mut rng = Rng::new(seed);
        let mut keyed: Vec<(f64, usize)> = match order {
            Order::Random => (0..n).map(|m| (rng.uniform(), m)).collect(),
            Order::LargeFirst | Order::SmallFirst => {
                let sign = if matches!(order, Order::LargeFirst) {
                    -1.0
                } else {
                    1.0
                };
                // Ties (same electors) in random order.
                (0..n)
                    .map(|m| (sign * self.design.size(m) as f64 + rng.uniform() * 0.5, m))
                    .collect()
            }
            Order::RegionPace => {
                let regions = self.region_size.len();
                let pace: Vec<(f64, f64)> = (0..regions)
                    .map(|_| (rng.uniform() * 0.5, 0.5 + rng.uniform()))
                    .collect();
                (0..n)
                    .map(|m| {
                        let (delay, speed) = pace[self.region[m] as usize];
                        (delay + rng.uniform() / speed, m)
                    })
                    .collect()
            }
            // A millisecond of jitter: mesas counted at the same snapshot (a comuna
            // already partly counted at the first) arrive in random order, not the file's.
            Order::Arrival(arrival) => (0..n)
                .map(|m| {
                    let t = arrival.time(&self.comuna[m], rng.uniform());
                    (t + rng.uniform() * 1e-3, m)
                })
                .collect(),
        };
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        keyed.into_iter().map(|(_, m)| m).collect()
    }
}

impl Arrival {
    /// Reads a night's per-comuna progress: CSV with columns `snapshot_time` (or
    /// `snapshot_local_time`, `YYYY-MM-DD HH:MM:SS[.ffffff]`), `comuna`,
    /// `mesas_escrutadas` and `mesas_total`.
    pub fn parse(file: &str, text: &str) -> Result<Arrival, BacktestError> {
        let err = |message: String| BacktestError::Arrival {
            file: file.to_string(),
            message,
        };
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers = reader.headers().map_err(|e| err(e.to_string()))?.clone();
        let column = |names: &[&str]| {
            headers
                .iter()
                .position(|h| names.contains(&h.trim()))
                .ok_or_else(|| err(format!("no column {} (line 1)", names.join(" or "))))
        };
        let time_c = column(&["snapshot_time", "snapshot_local_time"])?;
        let comuna_c = column(&["comuna"])?;
        let done_c = column(&["mesas_escrutadas"])?;
        let total_c = column(&["mesas_total"])?;
        let mut rows: Vec<(f64, String, f64)> = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let line = i + 2;
            let record = record.map_err(|e| err(format!("line {line}: {e}")))?;
            let field = |c: usize| record.get(c).unwrap_or("").trim();
            let time = parse_time(field(time_c)).ok_or_else(|| {
                err(format!(
                    "line {line}: snapshot time {:?} is not YYYY-MM-DD HH:MM:SS",
                    field(time_c)
                ))
            })?;
            let number = |c: usize, name: &str| {
                field(c)
                    .parse::<f64>()
                    .ok()
                    .filter(|x| *x >= 0.0)
                    .ok_or_else(|| {
                        err(format!("line {line}: {name} {:?} is not a count", field(c)))
                    })
            };
            let done = number(done_c, "mesas_escrutadas")?;
            let total = number(total_c, "mesas_total")?;
            let fraction = if total > 0.0 {
                (done / total).min(1.0)
            } else {
                1.0
            };
            rows.push((time, field(comuna_c).to_uppercase(), fraction));
        }
        if rows.is_empty() {
            return Err(err("no snapshots (line 2)".into()));
        }
        let mut times: Vec<f64> = rows.iter().map(|r| r.0).collect();
        times.sort_by(f64::total_cmp);
        times.dedup();
        let start = times[0];
        let mut curves: HashMap<String, Vec<f64>> = HashMap::new();
        for (time, comuna, fraction) in rows {
            let at = times.iter().position(|t| *t == time).unwrap_or(0);
            curves
                .entry(comuna)
                .or_insert_with(|| vec![f64::NAN; times.len()])[at] = fraction;
        }
        // Missing snapshots carry the last value; a curve never goes back.
        for curve in curves.values_mut() {
            let mut last: f64 = 0.0;
            for f in curve.iter_mut() {
                last = if f.is_nan() { last } else { last.max(*f) };
                *f = last;
            }
        }
        let median = (0..times.len())
            .map(|i| {
                let mut values: Vec<f64> = curves.values().map(|c| c[i]).collect();
                values.sort_by(f64::total_cmp);
                values[values.len() / 2]
            })
            .collect();
        Ok(Arrival {
            times: times.iter().map(|t| t - start).collect(),
            curves,
            median,
        })
    }

    /// The time at which the mesa at quantile `u` (0..1) of comuna `comuna` arrives: its
    /// curve inverted, linear between snapshots; after the last snapshot, what remains
    /// arrives in the following hour.
    fn time(&self, comuna: &str, u: f64) -> f64 {
        let curve = self
            .curves
            .get(&comuna.to_uppercase())
            .unwrap_or(&self.median);
        let mut before = (0.0, 0.0);
        for (t, &f) in self.times.iter().zip(curve) {
            if f >= u && f > before.1 {
                return before.0 + (t - before.0) * (u - before.1) / (f - before.1);
            }
            before = (*t, f);
        }
        before.0 + 3600.0 * (u - before.1) / (1.0 - before.1).max(1e-9)
    }
}

/// Seconds of `YYYY-MM-DD HH:MM:SS[.f]` from the month's start (the nights compared lie
/// inside one month).
fn parse_time(text: &str) -> Option<f64> {
    let (date, time) = text.split_once([' ', 'T'])?;
    let day: f64 = date.split('-').nth(2)?.parse().ok()?;
    let mut parts = time.split(':');
    let h: f64 = parts.next()?.parse().ok()?;
    let m: f64 = parts.next()?.parse().ok()?;
    let s: f64 = parts.next()?.trim_end_matches('Z').parse().ok()?;
    Some(day * 86_400.0 + h * 3600.0 + m * 60.0 + s)
}

/// A backtest as `cifra backtest` asks for it (its flags, with the `cli` feature): the
/// past election's mesa file, how to read it, and the replays.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct Backtest {
    /// The past election's mesas: CSV (or .csv.gz), one row per mesa, with `electors`.
    #[cfg_attr(feature = "cli", arg(long, value_name = "FILE"))]
    pub results: String,
    /// The system that decides the outcome.
    #[cfg_attr(feature = "cli", arg(long, default_value = "cl-presidential"))]
    pub system: String,
    /// The columns that identify a mesa.
    #[cfg_attr(
        feature = "cli",
        arg(
            long,
            value_delimiter = ',',
            default_value = "circ_electoral,local,mesa"
        )
    )]
    pub id: Vec<String>,
    /// Territory columns, broadest first: region, comuna, polling place.
    #[cfg_attr(
        feature = "cli",
        arg(long, value_delimiter = ',', default_value = "region,comuna,local")
    )]
    pub territories: Vec<String>,
    /// The option columns (default: every column right of `electors`/`voters`).
    #[cfg_attr(feature = "cli", arg(long, value_delimiter = ','))]
    pub options: Option<Vec<String>>,
    /// random | region-pace | large-first | small-first | arrival:FILE.
    #[cfg_attr(feature = "cli", arg(long))]
    pub order: String,
    /// Number of arrival orders replayed.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 100))]
    pub runs: u32,
    /// Seed of the first run (run i uses seed + i).
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 1))]
    pub seed: u64,
    /// Level of the intervals: 0.5, 0.8, 0.9, 0.95 or 0.99.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 0.9))]
    pub level: f64,
    /// text or json.
    #[cfg_attr(feature = "cli", arg(long, default_value = "text", value_parser = ["text", "json"]))]
    pub format: String,
    /// Also write coverage and error against the share counted as an SVG chart.
    #[cfg_attr(feature = "cli", arg(long, value_name = "FILE.svg"))]
    pub plot: Option<String>,
}

impl Backtest {
    /// The file an `arrival:FILE` order names, which the caller reads.
    pub fn arrival_file(&self) -> Option<&str> {
        self.order.strip_prefix("arrival:")
    }

    /// Runs the backtest on the mesa file's `bytes` (and, for `arrival:FILE`, that
    /// file's `arrival` bytes).
    pub fn run(&self, bytes: &[u8], arrival: Option<&[u8]>) -> Result<Report, BacktestError> {
        let name = cifra_results::display_name(&self.results);
        let options = match &self.options {
            Some(o) => o.clone(),
            None => default_options(bytes, &name)?,
        };
        let list = cifra_results::read_mesa_list(
            bytes,
            &name,
            &self.id,
            &options,
            Some(&self.territories),
        )?;
        let mesas: Vec<ReplayMesa> = (list.mesas.into_iter())
            .map(|m| {
                (
                    m.territory,
                    m.electors,
                    m.votes.into_iter().map(u64::from).collect(),
                )
            })
            .collect();
        let replay = Replay::new(&options, &self.system, &mesas)?;
        let arrival = self.arrival_file().zip(arrival);
        let settings = Options {
            order: Order::parse(&self.order, arrival)?,
            runs: self.runs,
            seed: self.seed,
            level: self.level,
            contest: format!("{} ({name})", self.system),
        };
        run(&replay, &settings)
    }

    /// `report` in the format asked: [`text`] or [`json`].
    pub fn render(&self, report: &Report) -> String {
        match self.format.as_str() {
            "json" => json(report),
            _ => text(report),
        }
    }
}

/// What a backtest is asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// The order.
    pub order: Order,
    /// Number of runs.
    pub runs: u32,
    /// The seed of run 0 (run `i` uses `seed + i`).
    pub seed: u64,
    /// The intervals' level.
    pub level: f64,
    /// The contest's name in the report.
    pub contest: String,
}

/// One checkpoint's figures over all runs.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Checkpoint {
    /// The fraction of mesas counted.
    pub counted: f64,
    /// The fraction of (run, candidate) pairs whose interval holds the final share.
    pub coverage: f64,
    /// Mean absolute error of the projected shares (fraction, not points).
    pub mae: f64,
    /// Mean absolute error of the shares counted so far.
    pub naive_mae: f64,
    /// Mean absolute error of the plain ratio estimator (regions' votes per elector).
    pub ratio_mae: f64,
    /// Mean width of the intervals.
    pub mean_width: f64,
    /// Runs that had called by this checkpoint.
    pub calls: u32,
    /// Of them, runs whose call differs from the final outcome.
    pub wrong_calls: u32,
}

/// The calls over all runs.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Calls {
    /// Runs that called before the count ended.
    pub made: u32,
    /// Of them, wrong.
    pub wrong: u32,
    /// The median fraction of mesas counted when the call was made (`null` if none).
    pub median_counted_at_call: Option<f64>,
    /// Of the calls, those made by mathematics (the rest by projection).
    pub by_mathematics: u32,
}

/// A backtest's result (the JSON of `cifra backtest --format json`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    /// The contest.
    pub contest: String,
    /// Number of runs.
    pub runs: u32,
    /// The intervals' level.
    pub level: f64,
    /// The order's name.
    pub order: String,
    /// One per [`CHECKPOINTS`].
    pub checkpoints: Vec<Checkpoint>,
    /// The calls.
    pub calls: Calls,
}

/// One run's figures.
struct RunResult {
    /// Per checkpoint: covered pairs, sum of absolute errors, naive, ratio, widths.
    points: Vec<[f64; 5]>,
    /// The first call: fraction counted, whether wrong, whether by mathematics.
    call: Option<(f64, bool, bool)>,
}

/// Runs the backtest.
pub fn run(replay: &Replay, options: &Options) -> Result<Report, BacktestError> {
    if options.runs == 0 {
        return Err(BacktestError::Usage("--runs must be at least 1".into()));
    }
    crate::projection::check_level(options.level)?;
    let results: Vec<Result<RunResult, BacktestError>> = (0..options.runs)
        .into_par_iter()
        .map(|i| one_run(replay, options, options.seed.wrapping_add(u64::from(i))))
        .collect();
    let results: Vec<RunResult> = results.into_iter().collect::<Result<_, _>>()?;
    let pairs = f64::from(options.runs) * replay.final_shares.len() as f64;
    let checkpoints = CHECKPOINTS
        .iter()
        .enumerate()
        .map(|(c, &counted)| {
            let sum = |i: usize| results.iter().map(|r| r.points[c][i]).sum::<f64>() / pairs;
            let called = |wrong: bool| {
                results
                    .iter()
                    .filter(|r| {
                        r.call
                            .is_some_and(|(at, w, _)| at <= counted + 1e-12 && (!wrong || w))
                    })
                    .count() as u32
            };
            Checkpoint {
                counted,
                coverage: sum(0),
                mae: sum(1),
                naive_mae: sum(2),
                ratio_mae: sum(3),
                mean_width: sum(4),
                calls: called(false),
                wrong_calls: called(true),
            }
        })
        .collect();
    let mut at: Vec<f64> = results.iter().filter_map(|r| r.call.map(|c| c.0)).collect();
    at.sort_by(f64::total_cmp);
    let median = (!at.is_empty()).then(|| {
        let n = at.len();
        if n % 2 == 1 {
            at[n / 2]
        } else {
            (at[n / 2 - 1] + at[n / 2]) / 2.0
        }
    });
    Ok(Report {
        contest: options.contest.clone(),
        runs: options.runs,
        level: options.level,
        order: options.order.name().to_string(),
        checkpoints,
        calls: Calls {
            made: at.len() as u32,
            wrong: results
                .iter()
                .filter(|r| r.call.is_some_and(|c| c.1))
                .count() as u32,
            median_counted_at_call: median,
            by_mathematics: results
                .iter()
                .filter(|r| r.call.is_some_and(|c| c.2))
                .count() as u32,
        },
    })
}

fn one_run(replay: &Replay, options: &Options, seed: u64) -> Result<RunResult, BacktestError> {
    let design = &replay.design;
    let n = design.mesas();
    let k = design.options.len();
    let order = replay.order(&options.order, seed);
    let mut count = Count::new(design);
    // Per region: counted size and votes, for the ratio estimator.
    let regions = replay.region_size.len();
    let mut region_x = vec![0.0; regions];
    let mut region_y = vec![0.0; regions * k];
    let mut points = Vec::with_capacity(CHECKPOINTS.len());
    let mut first_call = None;
    let mut next_checkpoint = 0;
    let mut added = 0;
    for percent in 1..100u32 {
        let target = ((f64::from(percent) / 100.0) * n as f64).round() as usize;
        while added < target.min(n) {
            let m = order[added];
            count.add(design, m, replay.mesa_votes(m));
            let r = replay.region[m] as usize;
            region_x[r] += design.size(m) as f64;
            for j in 0..k {
                region_y[r * k + j] += replay.mesa_votes(m)[j] as f64;
            }
            added += 1;
        }
        let fraction = f64::from(percent) / 100.0;
        if first_call.is_none() {
            if let Some(c) = call(design, &count) {
                let wrong = replay.final_outcome.as_ref() != Some(&c.outcome);
                first_call = Some((fraction, wrong, c.by == CallBy::Mathematics));
            }
        }
        if next_checkpoint < CHECKPOINTS.len()
            && (CHECKPOINTS[next_checkpoint] - fraction).abs() < 1e-9
        {
            next_checkpoint += 1;
            let p = project(design, &count, options.level)?;
            let mut point = [0.0; 5];
            let naive_valid: f64 = design.valid.iter().map(|&j| count.counted_votes(j)).sum();
            let ratio = ratio_shares(replay, &region_x, &region_y);
            for (i, o) in p.options.iter().enumerate() {
                let truth = replay.final_shares[i];
                point[0] += f64::from(u8::from(o.low <= truth && truth <= o.high));
                point[1] += (o.share - truth).abs();
                let naive = count.counted_votes(design.valid[i]) / naive_valid.max(1.0);
                point[2] += (naive - truth).abs();
                point[3] += (ratio[i] - truth).abs();
                point[4] += o.high - o.low;
            }
            points.push(point);
        }
    }
    Ok(RunResult {
        points,
        call: first_call,
    })
}

/// The plain ratio estimator's shares: per region, its counted votes per elector times its
/// electors (regions with nothing counted at the nation's rate).
fn ratio_shares(replay: &Replay, region_x: &[f64], region_y: &[f64]) -> Vec<f64> {
    let k = replay.design.options.len();
    let nation_x: f64 = region_x.iter().sum();
    let totals: Vec<f64> = (0..k)
        .map(|j| {
            let nation_rate = (0..region_x.len())
                .map(|r| region_y[r * k + j])
                .sum::<f64>()
                / nation_x;
            (0..region_x.len())
                .map(|r| {
                    let rate = if region_x[r] > 0.0 {
                        region_y[r * k + j] / region_x[r]
                    } else {
                        nation_rate
                    };
                    rate * replay.region_size[r]
                })
                .sum()
        })
        .collect();
    let valid: f64 = replay.design.valid.iter().map(|&j| totals[j]).sum();
    replay
        .design
        .valid
        .iter()
        .map(|&j| totals[j] / valid)
        .collect()
}

/// The report as text: one line per checkpoint, shares' errors in points.
pub fn text(report: &Report) -> String {
    let mut out = format!(
        "{} — {} runs, order {}, intervals at {:.0} %\n\n counted  coverage  width(pts)  MAE(pts)  naive MAE  ratio MAE  calls  wrong\n",
        report.contest,
        report.runs,
        report.order,
        report.level * 100.0
    );
    for c in &report.checkpoints {
        out.push_str(&format!(
            " {:>5.0} %  {:>7.1} %  {:>10.3}  {:>8.3}  {:>9.3}  {:>9.3}  {:>5}  {:>5}\n",
            c.counted * 100.0,
            c.coverage * 100.0,
            c.mean_width * 100.0,
            c.mae * 100.0,
            c.naive_mae * 100.0,
            c.ratio_mae * 100.0,
            c.calls,
            c.wrong_calls
        ));
    }
    let median = report
        .calls
        .median_counted_at_call
        .map_or("-".to_string(), |m| format!("{:.0} %", m * 100.0));
    out.push_str(&format!(
        "\ncalls: {} made ({} by mathematics), {} wrong; median counted at call {}\n",
        report.calls.made, report.calls.by_mathematics, report.calls.wrong, median
    ));
    out
}

/// The report as an SVG chart: coverage (with the 85–97 % target band) and the errors of
/// the projection, the naive count and the ratio estimator against the share counted.
pub fn svg(report: &Report) -> String {
    let (w, h, left, top, plot_w, plot_h) = (720.0, 360.0, 60.0, 40.0, 270.0, 260.0);
    let x = |f: f64, origin: f64| origin + f * plot_w;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"11\">\n<text x=\"{left}\" y=\"20\" font-size=\"13\">{} — {} runs, order {}, {:.0} % intervals</text>\n",
        escape(&report.contest), report.runs, escape(&report.order), report.level * 100.0
    );
    let max_err = report
        .checkpoints
        .iter()
        .flat_map(|c| [c.mae, c.naive_mae, c.ratio_mae])
        .fold(0.001, f64::max)
        * 100.0;
    let panels: [(f64, &str, f64); 2] = [
        (left, "coverage", 1.0),
        (left + plot_w + 90.0, "MAE (points)", max_err),
    ];
    for (origin, title, max) in panels {
        s.push_str(&format!(
            "<rect x=\"{origin}\" y=\"{top}\" width=\"{plot_w}\" height=\"{plot_h}\" fill=\"none\" stroke=\"#888\"/>\n<text x=\"{origin}\" y=\"{}\">{title}</text>\n<text x=\"{}\" y=\"{}\">share of mesas counted</text>\n<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{max:.2}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>\n",
            top - 4.0, origin + plot_w / 2.0 - 60.0, top + plot_h + 28.0, origin - 4.0, top + 10.0, origin - 4.0, top + plot_h
        ));
    }
    let y = |v: f64, max: f64| top + plot_h * (1.0 - (v / max).clamp(0.0, 1.0));
    s.push_str(&format!(
        "<rect x=\"{left}\" y=\"{}\" width=\"{plot_w}\" height=\"{}\" fill=\"#cfe8cf\"/>\n",
        y(0.97, 1.0),
        y(0.85, 1.0) - y(0.97, 1.0)
    ));
    let line = |values: Vec<f64>, origin: f64, max: f64, colour: &str| {
        let points: Vec<String> = report
            .checkpoints
            .iter()
            .zip(values)
            .map(|(c, v)| format!("{:.1},{:.1}", x(c.counted, origin), y(v, max)))
            .collect();
        format!(
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>\n",
            points.join(" ")
        )
    };
    let cps = &report.checkpoints;
    s.push_str(&line(
        cps.iter().map(|c| c.coverage).collect(),
        left,
        1.0,
        "#1f5fbf",
    ));
    let right = left + plot_w + 90.0;
    s.push_str(&line(
        cps.iter().map(|c| c.mae * 100.0).collect(),
        right,
        max_err,
        "#1f5fbf",
    ));
    s.push_str(&line(
        cps.iter().map(|c| c.naive_mae * 100.0).collect(),
        right,
        max_err,
        "#c0392b",
    ));
    s.push_str(&line(
        cps.iter().map(|c| c.ratio_mae * 100.0).collect(),
        right,
        max_err,
        "#7f7f7f",
    ));
    s.push_str(&format!(
        "<text x=\"{right}\" y=\"{}\" fill=\"#1f5fbf\">projection</text><text x=\"{}\" y=\"{}\" fill=\"#c0392b\">naive count</text><text x=\"{}\" y=\"{}\" fill=\"#7f7f7f\">ratio estimator</text>\n</svg>\n",
        top + plot_h + 45.0, right + 80.0, top + plot_h + 45.0, right + 170.0, top + plot_h + 45.0
    ));
    s
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The report as pretty JSON.
pub fn json(report: &Report) -> String {
    // A report holds only numbers and strings: it always serializes.
    serde_json::to_string_pretty(report).unwrap_or_default() + "\n"
}

/// The option columns of a wide mesa file when none are named: every column right of
/// `electors`, `voters` and of the last column whose first row is not a count.
pub fn default_options(bytes: &[u8], file: &str) -> Result<Vec<String>, BacktestError> {
    let mut reader = csv::Reader::from_reader(bytes);
    let err = |message: String| BacktestError::Usage(format!("{file}: {message}"));
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| err(e.to_string()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let first = reader
        .records()
        .next()
        .ok_or_else(|| err("no mesas (line 2)".into()))?
        .map_err(|e| err(e.to_string()))?;
    let last_other = headers
        .iter()
        .enumerate()
        .filter(|(i, h)| {
            matches!(h.as_str(), "electors" | "voters")
                || first
                    .get(*i)
                    .is_none_or(|v| v.trim().parse::<u64>().is_err())
        })
        .map(|(i, _)| i)
        .max();
    let options: Vec<String> = headers[last_other.map_or(0, |i| i + 1)..].to_vec();
    if options.is_empty() {
        return Err(err(
            "no option columns right of the others: name them with --options".into(),
        ));
    }
    Ok(options)
}
