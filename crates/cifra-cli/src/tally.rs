//! `cifra tally`: results in the long format → what the law decides, per district.

use crate::error::CliError;
use cifra_core::{Ballot, Corrections, Lottery, System, SystemError};
use cifra_report::tally::{to_csv, to_json, to_text, ContestReport, TallyReport};
use cifra_results::{display_name, read_results, read_seats_file, read_source, InputError, Seats};

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
    /// cl-dhondt, cl-mayor, cl-council, cl-regional-council, dhondt, sainte-lague, hare,
    /// droop, plurality, two-round (`cifra systems` lists them with their laws).
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
    /// The result without the corrections the system makes after apportionment (the
    /// Convention's gender parity): what the votes alone gave, to see what parity changed.
    #[arg(long)]
    pub without_corrections: bool,
    /// Results in the long format (district,unit,kind,list,party,candidate,votes), or -
    /// for standard input.
    #[arg(value_name = "FILE|-")]
    pub file: String,
}

/// What `cifra tally` prints: the output, and warnings for stderr.
#[derive(Debug, Clone, PartialEq)]
pub struct TallyOutput {
    /// Everything for stdout.
    pub stdout: String,
    /// Warnings for stderr (e.g. unfilled seats).
    pub warnings: Vec<String>,
    /// Notes for stderr: every tie decided by lot, so that a draw is reported whatever
    /// the format (CSV and JSON readers may never look at the text).
    pub notes: Vec<String>,
}

/// Runs `cifra tally`.
pub fn run(args: &TallyArgs) -> Result<TallyOutput, CliError> {
    let seats = resolve_seats(args)?;
    let name = display_name(&args.file);
    let bytes = read_source(&args.file)?;
    let contests = read_results(&name, &bytes)?;
    seats.check_districts(contests.iter().map(|c| c.district.as_str()))?;
    let lottery = Lottery::new(args.seed);
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
    let corrections = if args.without_corrections {
        Corrections::Omit
    } else {
        Corrections::Apply
    };
    // Decided together: a correction may span contests (the parity among peoples).
    let decisions = args
        .system
        .decide_all(&ballots, &lottery, corrections)
        .map_err(|e| match e.source {
            SystemError::RegisteredRequired => CliError::Usage(format!(
                "{name}: district \"{}\": {} (a registered column in --seats-file gives them)",
                e.district, e.source
            )),
            source => CliError::Decide {
                file: name.clone(),
                district: e.district,
                source,
            },
        })?;
    let mut reports = Vec::with_capacity(contests.len());
    let mut warnings = Vec::new();
    let mut notes = Vec::new();
    for (contest, decision) in contests.iter().zip(&decisions) {
        if decision.unfilled_seats > 0 {
            warnings.push(format!(
                "district \"{}\": {} of {} seats unfilled: more seats than candidates able to take them",
                contest.district, decision.unfilled_seats, decision.seats
            ));
        }
        let report = ContestReport::with_corrections(args.system, contest, decision, corrections);
        notes.extend(report.lotteries.iter().map(|lot| {
            format!(
                "district \"{}\": drawn by lot (seed {}): {}",
                contest.district, args.seed, lot.description
            )
        }));
        reports.push(report);
    }
    let report = TallyReport {
        system: args.system.id().to_string(),
        seed: args.seed,
        corrections_applied: corrections == Corrections::Apply,
        contests: reports,
    };
    let stdout = match args.format {
        Format::Text => to_text(&report),
        Format::Json => to_json(&report),
        Format::Csv => to_csv(&report),
    };
    Ok(TallyOutput {
        stdout,
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
