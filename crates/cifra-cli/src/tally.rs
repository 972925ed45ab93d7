//! `cifra tally`: results in the long format → what the law decides, per district.

use crate::error::CliError;
use cifra_core::{Corrections, Lottery, System, SystemError};
use cifra_report::tally as report;
use cifra_report::Format;
use cifra_results::{
    display_name, read_seats_file, read_source, read_totals, InputError, Seats, SeatsRefused,
};

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
    /// Output format: text (aligned tables for people), json (one object: `{"system",
    /// "seed", "contests": [...]}`) or csv (one row per candidate and contest).
    #[arg(long, default_value = "text", value_parser = crate::named::<Format>(&Format::NAMES))]
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

/// Runs `cifra tally`: reads the results and the seats, then decides and renders every
/// contest ([`report::Tally::render`]). If contests fail, the error is the first failing
/// contest's, as if they were decided one by one.
pub fn run(args: &TallyArgs) -> Result<TallyOutput, CliError> {
    let seats = resolve_seats(args)?;
    let name = display_name(&args.file);
    // The file's bytes are released once read.
    let totals = read_totals(&name, &read_source(&args.file)?)?;
    seats.check_districts(totals.districts())?;
    let tally = report::Tally {
        system: args.system,
        seed: args.seed,
        corrections: if args.without_corrections {
            Corrections::Omit
        } else {
            Corrections::Apply
        },
        format: args.format,
    };
    let rendered = tally
        .render(&seats, totals)
        .map_err(|e| in_file(e, &name, args.system))?;
    Ok(TallyOutput {
        stdout: rendered.out,
        warnings: rendered.warnings,
        notes: rendered.notes,
    })
}

/// A contest's error, with the results file it is in (and, when a system deciding
/// every contest at once lacks the registered voters, where to give them).
fn in_file(error: report::DecideError, file: &str, system: System) -> CliError {
    match error {
        report::DecideError::Seats(e) => e.into(),
        report::DecideError::Contest {
            district,
            source: source @ SystemError::RegisteredRequired,
        } if system.spans_contests() => CliError::Usage(format!(
            "{file}: district \"{district}\": {source} (a registered column in --seats-file gives them)"
        )),
        report::DecideError::Contest { district, source } => CliError::Decide {
            file: file.to_string(),
            district,
            source,
        },
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
    seats
        .check_rule(args.system)
        .map_err(|refused| match refused {
            SeatsRefused::Everywhere(e) => CliError::Usage(with_hint(e)),
            SeatsRefused::Row {
                file,
                line,
                district,
                source,
            } => {
                let message = format!("district \"{district}\": {}", with_hint(source));
                InputError::field(&file, line, "seats", message).into()
            }
        })?;
    Ok(seats)
}

/// A seats error in the domain's words, with the flag that fixes it.
fn with_hint(error: SystemError) -> String {
    let hint = match error {
        SystemError::SeatsNotAllowed { .. } => " (remove --seats / --seats-file)",
        SystemError::SeatsRequired { .. } => ": --seats N or --seats-file FILE",
        _ => "",
    };
    format!("{error}{hint}")
}
