//! `cifra witness`: an independent party that cosigns the log's checkpoints (C2SP
//! tlog-witness). The logic is in `cifra-witness`; here are its arguments.

use crate::error::CliError;
use crate::runtime;
use cifra_server::stop_signal;
use clap::{Args, Subcommand};
use std::process::ExitCode;
use std::sync::Arc;

/// `cifra witness`.
#[derive(Args, Debug)]
pub struct WitnessArgs {
    #[command(subcommand)]
    command: WitnessCommand,
}

#[derive(Subcommand, Debug)]
enum WitnessCommand {
    /// Create a witness: its state directory and Ed25519 key; prints its verifier key.
    Init(cifra_witness::state::Creating),
    /// Serve C2SP tlog-witness `POST /add-checkpoint` for the logs given.
    Serve(cifra_witness::server::Serving),
}

/// Runs `cifra witness …`.
pub fn run(args: &WitnessArgs) -> Result<ExitCode, CliError> {
    match &args.command {
        WitnessCommand::Init(creating) => {
            let cosigner = cifra_witness::state::init(&creating.state, &creating.name)
                .map_err(|e| CliError::Usage(e.to_string()))?;
            println!("{}", cosigner.verifier_key());
        }
        WitnessCommand::Serve(serving) => {
            let announce = |key: &str, at| println!("witness {key} at http://{at}/");
            let serve = serving.run(announce, stop_signal());
            runtime()?.block_on(serve).map_err(CliError::Usage)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `cifra serve`'s witnesses.
#[derive(Args, Debug)]
pub struct GatherArgs {
    /// A witness to ask for cosignatures of each new checkpoint, in the background:
    /// its key as `cifra witness init` prints it, `@`, its URL (repeatable).
    #[arg(long = "witness", value_name = "VKEY@URL")]
    witnesses: Vec<String>,
    /// Serve the latest checkpoint cosigned by K witnesses (until one is, the latest).
    #[arg(long, value_name = "K", default_value_t = 0, requires = "witnesses")]
    witness_quorum: usize,
}

/// Starts gathering cosignatures for `state` (on the current runtime).
pub fn gather(state: &Arc<cifra_server::State>, args: &GatherArgs) -> Result<(), CliError> {
    let quorum = args.witness_quorum;
    let targets = cifra_witness::gather::parse_targets(&args.witnesses, quorum);
    state.gather_cosignatures(targets.map_err(CliError::Usage)?, quorum);
    Ok(())
}

/// `cifra verify`'s witnesses.
#[derive(Args, Debug)]
pub struct QuorumArgs {
    /// A witness whose cosignature counts: its key as `cifra witness init` prints it,
    /// or a file holding it (repeatable).
    #[arg(long = "witness", value_name = "VKEY", requires = "url")]
    pub witnesses: Vec<String>,
    /// Accept the checkpoint only if K of the witnesses given cosigned it.
    #[arg(long, value_name = "K", default_value_t = 0, requires = "witnesses")]
    pub quorum: usize,
}

/// `cifra monitor`.
#[derive(Args, Debug)]
#[command(
    after_help = "Prints a line per checkpoint verified. Exit status: 1 at the first alert (a \
                  rewrite, a split view, results that differ, no quorum), printed on stderr and \
                  POSTed to --alert; 2 on bad arguments. A server that cannot be reached is a \
                  warning, tried again at the next interval (with --once: exit status 2)."
)]
pub struct MonitorArgs {
    #[command(flatten)]
    monitor: cifra_client::monitor::Monitor,
}

/// Runs `cifra monitor`.
pub fn monitor(args: &MonitorArgs) -> Result<ExitCode, CliError> {
    let mut monitor = args.monitor.clone();
    monitor.url = monitor.url.trim_end_matches('/').to_owned();
    let watch = monitor.watch(|l| println!("{l}"), |w| eprintln!("cifra monitor: {w}"));
    match runtime()?.block_on(watch)? {
        cifra_client::monitor::Ended::Passed => Ok(ExitCode::SUCCESS),
        cifra_client::monitor::Ended::Alert(_) => Ok(ExitCode::from(1)),
    }
}
