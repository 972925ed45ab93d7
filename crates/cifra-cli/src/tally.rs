//! `cifra tally`: results in the long format → what the law decides, per district.

use crate::error::CliError;
use cifra_core::{Lottery, SeatsRule, System};
use cifra_report::tally::{to_csv, to_json, to_text, ContestReport, TallyReport};
use cifra_results::{display_name, read_results, read_seats_file, read_source, Seats};

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
    /// Seats of every district.
    #[arg(long, value_name = "N", conflicts_with = "seats_file")]
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
    /// Everything for stdout.
    pub stdout: String,
    /// Notes for stderr (e.g. unfilled seats).
    pub warnings: Vec<String>,
}

/// Runs `cifra tally`.
pub fn run(args: &TallyArgs) -> Result<TallyOutput, CliError> {
    let seats = resolve_seats(args)?;
    let name = display_name(&args.file);
    let bytes = read_source(&args.file)?;
    let contests = read_results(&name, &bytes)?;
    seats.check_districts(contests.iter().map(|c| c.district.as_str()))?;
    let lottery = Lottery::new(args.seed);
    let mut reports = Vec::with_capacity(contests.len());
    let mut warnings = Vec::new();
    for contest in &contests {
        let given = seats.for_district(&contest.district)?;
        let decision = args
            .system
            .decide(contest, given, &lottery)
            .map_err(|source| CliError::Decide {
                file: name.clone(),
                district: contest.district.clone(),
                source,
            })?;
        if decision.unfilled_seats > 0 {
            warnings.push(format!(
                "district \"{}\": {} of {} seats unfilled: more seats than candidates able to take them",
                contest.district, decision.unfilled_seats, decision.seats
            ));
        }
        reports.push(ContestReport::new(args.system, contest, &decision));
    }
    let report = TallyReport {
        system: args.system.id().to_string(),
        seed: args.seed,
        contests: reports,
    };
    let stdout = match args.format {
        Format::Text => to_text(&report),
        Format::Json => to_json(&report),
        Format::Csv => to_csv(&report),
    };
    Ok(TallyOutput { stdout, warnings })
}

fn resolve_seats(args: &TallyArgs) -> Result<Seats, CliError> {
    let seats = match (&args.seats, &args.seats_file) {
        (Some(0), _) => return Err(CliError::Usage("--seats must be at least 1, not 0".into())),
        (Some(n), _) => Seats::Everywhere(*n),
        (None, Some(file)) => read_seats_file(&display_name(file), &read_source(file)?)?,
        (None, None) => Seats::Unset,
    };
    if seats != Seats::Unset && args.system.seats_rule() == SeatsRule::SingleOffice {
        return Err(CliError::Usage(format!(
            "{} elects a single office and takes no seats (remove --seats / --seats-file)",
            args.system
        )));
    }
    if seats == Seats::Unset && args.system.seats_rule() == SeatsRule::Required {
        return Err(CliError::Usage(format!(
            "{} needs the number of seats: --seats N or --seats-file FILE",
            args.system
        )));
    }
    Ok(seats)
}
