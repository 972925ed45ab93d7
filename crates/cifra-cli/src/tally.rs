//! `cifra tally`: results in the long format → what the law decides, per district.

use crate::error::CliError;
use cifra_core::{Lottery, System, SystemError};
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
    /// The electoral system: cl-presidential, cl-presidential-1925, cl-binomial,
    /// cl-dhondt, cl-mayor, dhondt, sainte-lague, hare, droop, plurality, two-round.
    #[arg(long, value_name = "ID")]
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
    /// Results in the long format (district,unit,kind,list,party,candidate,votes), or -
    /// for standard input.
    #[arg(value_name = "FILE|-")]
    pub file: String,
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

/// A run of consecutive contests, decided and rendered.
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
/// first failing contest's, as if they were decided one by one.
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
    let count = totals.len();
    let size = count
        .div_ceil(rayon::current_num_threads() * 8)
        .clamp(1, 1024);
    // The first run that failed: later runs are skipped, earlier ones still run, so the
    // error reported is always the first contest's that fails.
    let failed = AtomicUsize::new(usize::MAX);
    let runs: Vec<Result<Run, CliError>> = (0..count.div_ceil(size))
        .into_par_iter()
        .map(|k| {
            if k > failed.load(Relaxed) {
                return Ok(Run {
                    out: Vec::new(),
                    warnings: Vec::new(),
                    notes: Vec::new(),
                });
            }
            let run = k * size..count.min((k + 1) * size);
            let done = decide_run(args, &name, &seats, format, &totals, run);
            if done.is_err() {
                failed.fetch_min(k, Relaxed);
            }
            done
        })
        .collect();
    let mut stdout = vec![report::head(format, args.system.id(), args.seed).into_bytes()];
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

/// Decides and renders the contests numbered `run` (in natural order of districts).
fn decide_run(
    args: &TallyArgs,
    file: &str,
    seats: &Seats,
    format: report::Format,
    totals: &Totals,
    run: Range<usize>,
) -> Result<Run, CliError> {
    let lottery = Lottery::new(args.seed);
    let mut rendered =
        report::Contests::new(format, args.system.id(), run.start).with_room_for(run.len());
    let (mut warnings, mut notes) = (Vec::new(), Vec::new());
    for contest in run.map(|k| totals.contest(k)) {
        let given = seats.for_district(&contest.district)?;
        let decision = args
            .system
            .decide(&contest, given, &lottery)
            .map_err(|source| CliError::Decide {
                file: file.to_string(),
                district: contest.district.clone(),
                source,
            })?;
        if decision.unfilled_seats > 0 {
            warnings.push(format!(
                "district \"{}\": {} of {} seats unfilled: more seats than candidates able to take them",
                contest.district, decision.unfilled_seats, decision.seats
            ));
        }
        let report = ContestReport::from_parts(args.system, contest, decision);
        notes.extend(report.lotteries.iter().map(|lot| {
            format!(
                "district \"{}\": drawn by lot (seed {}): {}",
                report.district, args.seed, lot.description
            )
        }));
        rendered.push(&report);
    }
    Ok(Run {
        out: rendered.finish(),
        warnings,
        notes,
    })
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
        Seats::PerDistrict { file, seats } => {
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
