//! `cifra`: election results as Chilean law decides them.
//!
//! A thin binary: the arguments of each command and the main job, over the libraries
//! that read (`cifra-results`), decide (`cifra-core`), estimate (`cifra-ei`) and render
//! (`cifra-report`).

mod backtest;
mod ei;
mod error;
mod main_job;
mod night;
mod tally;
mod witness;

use cifra_report::systems;
use clap::builder::TypedValueParser;
use clap::{Parser, Subcommand};
use error::CliError;
use std::io::Write;
use std::process::ExitCode;

/// mimalloc, not the system's allocator: a batch of actas is many small allocations
/// freed together, and glibc's malloc and free took ~40 % of the server's CPU in a
/// profile of batched intake; with mimalloc the server spends ~1.7x less CPU per acta
/// (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Election results as Chilean law decides them. With no command: the 2021 presidential
/// first round from its 46,606 real mesas.
#[derive(Parser, Debug)]
#[command(
    name = "cifra",
    version,
    about = "Election results as Chilean law decides them.",
    after_help = "With no command, `cifra` runs the main job: the 2021 presidential first round \
                  from its 46,606 real mesas (SERVEL, shipped inside the binary): the national \
                  result and its outcome under the 1980 Constitution, the winner in each region, \
                  and how each age group voted (ecological inference)."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Decide contests from results in the long format (who is elected, runoffs, seats).
    Tally(tally::TallyArgs),
    /// Estimate how groups (age, sex) voted from mesa-level results (ecological inference).
    Ei(ei::EiArgs),
    /// List the electoral systems and what each decides.
    Systems,
    /// Create an election to serve: its mesas, its log's signing key, an admin token.
    Init(night::InitArgs),
    /// Issue a submitter's token, for the nation or one territory.
    Token(night::TokenArgs),
    /// Serve an election: acta intake, live results, the transparency log, the dashboard.
    Serve(night::ServeArgs),
    /// Submit a mesa-results file to a server as actas.
    Replay(night::ReplayArgs),
    /// Verify a server's transparency log (or a copy offline) and recompute its results.
    Verify(night::VerifyArgs),
    /// Witness a log: cosign its checkpoints when they extend the last one seen.
    Witness(witness::WitnessArgs),
    /// Watch a server's log: every new checkpoint must extend the last one seen.
    Monitor(witness::MonitorArgs),
    /// Replay a past election's mesas in many orders: the projection against the result.
    Backtest(backtest::BacktestArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logs();
    // The output in pieces, written one after the other, and the lines for stderr.
    let result: Result<(Vec<Vec<u8>>, Vec<String>), CliError> = match &cli.command {
        None => main_job::run().map(|out| (vec![out.into_bytes()], Vec::new())),
        Some(Command::Tally(args)) => tally::run(args).map(|o| {
            let warnings = o.warnings.into_iter().map(|w| format!("warning: {w}"));
            let notes = o.notes.into_iter().map(|n| format!("note: {n}"));
            (o.stdout, warnings.chain(notes).collect())
        }),
        Some(Command::Ei(args)) => ei::run(args).map(|o| {
            let warnings = o.warnings.into_iter().map(|w| format!("warning: {w}"));
            (vec![o.stdout.into_bytes()], warnings.collect())
        }),
        Some(Command::Backtest(args)) => {
            backtest::run(args).map(|o| (vec![o.into_bytes()], vec![]))
        }
        Some(Command::Systems) => Ok((vec![systems::list().into_bytes()], Vec::new())),
        // Election night's commands print as they go and choose their exit code.
        Some(Command::Init(args)) => return night_exit(night::init(args)),
        Some(Command::Token(args)) => return night_exit(night::token(args)),
        Some(Command::Serve(args)) => return night_exit(night::serve(args)),
        Some(Command::Replay(args)) => return night_exit(night::replay(args)),
        Some(Command::Verify(args)) => return night_exit(night::verify(args)),
        Some(Command::Witness(args)) => return night_exit(witness::run(args)),
        Some(Command::Monitor(args)) => return night_exit(witness::monitor(args)),
    };
    match result {
        Ok((stdout, stderr_lines)) => {
            for line in stderr_lines {
                eprintln!("cifra: {line}");
            }
            let mut out = std::io::stdout().lock();
            let written = stdout.iter().try_for_each(|piece| out.write_all(piece));
            match written.and_then(|_| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                // A closed pipe (`cifra … | head`) is the reader's choice, not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("cifra: error: writing output: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Err(e) => {
            eprintln!("cifra: error: {e}");
            ExitCode::from(2)
        }
    }
}

/// The value parser of a flag that names one of a library's values (`--method`,
/// `--format`): `names` listed in the help and in errors, each parsed by the value's own
/// `FromStr`, so the names have one home.
fn named<T>(names: &'static [&'static str]) -> impl clap::builder::TypedValueParser<Value = T>
where
    T: std::str::FromStr + Clone + Send + Sync + 'static,
    T::Err: std::fmt::Display,
{
    clap::builder::PossibleValuesParser::new(names)
        .try_map(|name| name.parse::<T>().map_err(|e| e.to_string()))
}

/// The async runtime of a command that talks HTTP (serve, replay, verify, witness,
/// monitor).
fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Runtime::new()
        .map_err(|e| CliError::Usage(format!("cannot start the async runtime: {e}")))
}

/// Logs (`tracing`: the server's requests, the writer's groups, the store's state) go
/// to stderr, at `info` unless `RUST_LOG` says otherwise (e.g. `RUST_LOG=warn`, or
/// `RUST_LOG=cifra_server=debug`).
fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::builder()
        .with_default_directive(tracing_subscriber::filter::LevelFilter::INFO.into())
        .from_env_lossy();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

/// The exit code of an election-night command, its error printed.
fn night_exit(result: Result<ExitCode, CliError>) -> ExitCode {
    result.unwrap_or_else(|e| {
        eprintln!("cifra: error: {e}");
        ExitCode::from(2)
    })
}
