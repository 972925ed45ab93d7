//! `cifra backtest`: a past election's mesas replayed in many arrival orders, the
//! projection compared with the final result (logic in `cifra_night::backtest`).

use crate::error::CliError;
use cifra_night::backtest::Backtest;

/// Arguments of `cifra backtest`.
#[derive(clap::Args, Debug)]
pub struct BacktestArgs {
    #[command(flatten)]
    backtest: Backtest,
}

/// Runs the backtest and returns its report, as asked.
pub fn run(args: &BacktestArgs) -> Result<String, CliError> {
    let backtest = &args.backtest;
    let bytes = cifra_results::read_source(&backtest.results)?;
    let arrival = backtest
        .arrival_file()
        .map(cifra_results::read_source)
        .transpose()?;
    let report = backtest
        .run(&bytes, arrival.as_deref())
        .map_err(|e| CliError::Usage(e.to_string()))?;
    if let Some(path) = &backtest.plot {
        std::fs::write(path, cifra_night::backtest::svg(&report)).map_err(|source| {
            CliError::Write {
                file: path.clone(),
                source,
            }
        })?;
    }
    Ok(backtest.render(&report))
}
