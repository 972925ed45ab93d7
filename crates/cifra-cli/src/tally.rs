//! `cifra tally`: results in the long format → what the law decides, per district.

use crate::error::CliError;
use cifra_core::{Ballot, Contest, Corrections, Decision, Lottery, System, SystemError};
use cifra_report::tally::{self as report, ContestReport};
use cifra_results::{
    display_name, read_seats_file, read_source, read_totals, InputError, Seats, Totals,
};
use rayon::prelude::*;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Output formats.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned tables for people.
    Text,
    /// One JSON object: `{"system", "seed", "contests": [...]}`.
    Json,
    /// One row per candidate and contest.
    Csv,
}

/// Arguments of `cifra tally`.
#[derive(clap::Args, Debug, Clone)]
pub struct TallyArgs {
    /// The electoral system (the help lists every id the engine knows).
    #[arg(long, value_name = "ID", help = system_help())]
    pub system: System,
    /// Seats of every district (1 or more).
    #[arg(long, value_name = "N", conflicts_with = "seats_file",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub seats: Option<u32>,
    /// Seats per district, from a CSV file with the columns district,seats.
    #[arg(long, value_name = "FILE")]
    pub seats_file: Option<String>,
    /// Seed of the lottery that breaks the ties the law sends to lot.
    #[arg(long, value_name = "S", default_value_t = Lottery::DEFAULT_SEED)]
    pub seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The result without the corrections the system makes after apportionment (the
    /// Convention's gender parity): what the votes alone gave, to see what parity changed.
    #[arg(long)]
    pub without_corrections: bool,
    /// Results in the long format (district,unit,kind,list,party,candidate,votes), or -
    /// for standard input.
    #[arg(value_name = "FILE|-")]
    pub file: String,
}

/// The help of `--system`: every system of the engine, by id.
fn system_help() -> String {
    let ids: Vec<&str> = System::ALL.into_iter().map(System::id).collect();
    format!(
        "The electoral system: {} (`cifra systems` lists them with their laws)",
        ids.join(", ")
    )
}

/// What `cifra tally` prints: the output, and warnings for stderr.
#[derive(Debug, Clone, PartialEq)]
pub struct TallyOutput {
    /// Everything for stdout, in pieces to write one after the other (UTF-8 text).
    pub stdout: Vec<Vec<u8>>,
    /// Warnings for stderr (e.g. unfilled seats).
    pub warnings: Vec<String>,
    /// Notes for stderr: every tie decided by lot, so that a draw is reported whatever
    /// the format (CSV and JSON readers may never look at the text).
    pub notes: Vec<String>,
}

/// A run of consecutive contests, decided and rendered (empty when skipped).
#[derive(Default)]
struct Run {
    out: Vec<u8>,
    warnings: Vec<String>,
    notes: Vec<String>,
}

/// Runs `cifra tally`.
///
/// Contests are decided and rendered in parallel, in runs of consecutive contests joined
/// in order, so the output is the same whatever the number of threads; each contest's
/// decision and report are dropped once rendered, so memory holds the output and the
/// contests, not every intermediate value at once. If contests fail, the error is the
/// first failing contest's, as if they were decided one by one. Only a system whose
/// corrections span contests ([`System::spans_contests`]) has every contest made and
/// decided at once, then rendered the same way.
pub fn run(args: &TallyArgs) -> Result<TallyOutput, CliError> {
    let seats = resolve_seats(args)?;
    let name = display_name(&args.file);
    // The file's bytes are released once read.
    let totals = read_totals(&name, &read_source(&args.file)?)?;
    seats.check_districts(totals.districts())?;
    let format = match args.format {
        Format::Text => report::Format::Text,
        Format::Json => report::Format::Json,
        Format::Csv => report::Format::Csv,
    };
    let corrections = if args.without_corrections {
        Corrections::Omit
    } else {
        Corrections::Apply
    };
    let count = totals.len();
    let head = report::head(
        format,
        args.system.id(),
        args.seed,
        corrections == Corrections::Apply,
    );
    let runs: Vec<Result<Run, CliError>> = if args.system.spans_contests() {
        vec![decide_together(
            args,
            &name,
            &seats,
            format,
            corrections,
            totals,
        )]
    } else {
        decide_in_runs(args, &name, &seats, format, corrections, &totals)
    };
    let mut stdout = vec![head.into_bytes()];
    let (mut warnings, mut notes) = (Vec::new(), Vec::new());
    for run in runs {
        let run = run?;
        stdout.push(run.out);
        warnings.extend(run.warnings);
        notes.extend(run.notes);
    }
    stdout.push(report::tail(format, count).into_bytes());
    Ok(TallyOutput {
        stdout,
        warnings,
        notes,
    })
}

/// Decides and renders every contest in parallel runs of consecutive contests, in order:
/// after a run fails, later runs are skipped (earlier ones still run, so that the first
/// error in natural order is the one reported).
fn decide_in_runs(
    args: &TallyArgs,
    name: &str,
    seats: &Seats,
    format: report::Format,
    corrections: Corrections,
    totals: &Totals,
) -> Vec<Result<Run, CliError>> {
    let count = totals.len();
    let size = count
        .div_ceil(rayon::current_num_threads() * 8)
        .clamp(1, 1024);
    // The first run that failed: later runs are skipped, earlier ones still run, so the
    // error reported is always the first contest's that fails.
    let failed = AtomicUsize::new(usize::MAX);
    (0..count.div_ceil(size))
        .into_par_iter()
        .map(|k| {
            if k > failed.load(Relaxed) {
                return Ok(Run::default());
            }
            let run = k * size..count.min((k + 1) * size);
            let done = decide_run(args, name, seats, format, corrections, totals, run);
            if done.is_err() {
                failed.fetch_min(k, Relaxed);
            }
            done
        })
        .collect()
}

/// Decides and renders the contests numbered `run` (in natural order of districts).
fn decide_run(
    args: &TallyArgs,
    file: &str,
    seats: &Seats,
    format: report::Format,
    corrections: Corrections,
    totals: &Totals,
    run: Range<usize>,
) -> Result<Run, CliError> {
    let lottery = Lottery::new(args.seed);
    let mut rendered = Rendered::new(args, format, corrections, run.start, run.len());
    for contest in run.map(|k| totals.contest(k)) {
        let given = seats.for_district(&contest.district)?;
        let decision = args
            .system
            .decide_with(&contest, given, &lottery, corrections)
            .map_err(|source| CliError::Decide {
                file: file.to_string(),
                district: contest.district.clone(),
                source,
            })?;
        rendered.push(contest, decision);
    }
    Ok(rendered.finish())
}

/// Decides every contest together, for a system whose corrections span contests (see
/// [`System::spans_contests`]): all contests are made at once, decided by
/// [`System::decide_all`], and rendered as one run.
fn decide_together(
    args: &TallyArgs,
    file: &str,
    seats: &Seats,
    format: report::Format,
    corrections: Corrections,
    totals: Totals,
) -> Result<Run, CliError> {
    let lottery = Lottery::new(args.seed);
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
    let decisions = args
        .system
        .decide_all(&ballots, &lottery, corrections)
        .map_err(|e| match e.source {
            SystemError::RegisteredRequired => CliError::Usage(format!(
                "{file}: district \"{}\": {} (a registered column in --seats-file gives them)",
                e.district, e.source
            )),
            source => CliError::Decide {
                file: file.to_string(),
                district: e.district,
                source,
            },
        })?;
    drop(ballots);
    let mut rendered = Rendered::new(args, format, corrections, 0, contests.len());
    for (contest, decision) in contests.into_iter().zip(decisions) {
        rendered.push(contest, decision);
    }
    Ok(rendered.finish())
}

/// A run of contests rendered as they are decided, with the warnings and notes they give.
struct Rendered<'a> {
    args: &'a TallyArgs,
    corrections: Corrections,
    contests: report::Contests,
    warnings: Vec<String>,
    notes: Vec<String>,
}

impl<'a> Rendered<'a> {
    /// An empty run of `count` contests whose first is number `first` (in natural
    /// order).
    fn new(
        args: &'a TallyArgs,
        format: report::Format,
        corrections: Corrections,
        first: usize,
        count: usize,
    ) -> Self {
        Rendered {
            args,
            corrections,
            contests: report::Contests::new(format, args.system.id(), first).with_room_for(count),
            warnings: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Renders the next contest and its decision, then drops them.
    fn push(&mut self, contest: Contest, decision: Decision) {
        let args = self.args;
        if decision.unfilled_seats > 0 {
            self.warnings.push(format!(
                "district \"{}\": {} of {} seats unfilled: more seats than candidates able to take them",
                contest.district, decision.unfilled_seats, decision.seats
            ));
        }
        let report = ContestReport::from_parts(args.system, contest, decision, self.corrections);
        self.notes.extend(report.lotteries.iter().map(|lot| {
            format!(
                "district \"{}\": drawn by lot (seed {}): {}",
                report.district, args.seed, lot.description
            )
        }));
        self.contests.push(&report);
    }

    /// The bytes of the contests pushed, with their warnings and notes.
    fn finish(self) -> Run {
        Run {
            out: self.contests.finish(),
            warnings: self.warnings,
            notes: self.notes,
        }
    }
}

/// The seats as the user gave them, checked against the system's rule
/// ([`System::resolve_seats`]): the library says what is wrong, this adds which flag to
/// change.
fn resolve_seats(args: &TallyArgs) -> Result<Seats, CliError> {
    let seats = match (&args.seats, &args.seats_file) {
        (Some(n), _) => Seats::Everywhere(*n),
        (None, Some(file)) => read_seats_file(&display_name(file), &read_source(file)?)?,
        (None, None) => Seats::Unset,
    };
    let check = |given: Option<u32>| args.system.resolve_seats(given).map_err(with_hint);
    match &seats {
        Seats::Unset => drop(check(None)?),
        Seats::Everywhere(n) => drop(check(Some(*n))?),
        Seats::PerDistrict { file, seats, .. } => {
            for (district, &(n, line)) in seats {
                check(Some(n)).map_err(|e| {
                    let message = format!("district \"{district}\": {e}");
                    InputError::field(file, line, "seats", message)
                })?;
            }
        }
    };
    Ok(seats)
}

/// A seats error in the domain's words, with the flag that fixes it.
fn with_hint(error: SystemError) -> CliError {
    let hint = match error {
        SystemError::SeatsNotAllowed { .. } => " (remove --seats / --seats-file)",
        SystemError::SeatsRequired { .. } => ": --seats N or --seats-file FILE",
        _ => "",
    };
    CliError::Usage(format!("{error}{hint}"))
}
