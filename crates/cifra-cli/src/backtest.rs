//! `cifra backtest`: a past election's mesas replayed in many arrival orders, the
//! projection compared with the final result (logic in `cifra_night::backtest`).

use crate::error::CliError;
use cifra_night::backtest::{self, Order, Replay};

/// Arguments of `cifra backtest`.
#[derive(clap::Args, Debug)]
pub struct BacktestArgs {
    /// The past election's mesas: CSV (or .csv.gz), one row per mesa, with `electors`.
    #[arg(long, value_name = "FILE")]
    results: String,
    /// The system that decides the outcome.
    #[arg(long, default_value = "cl-presidential")]
    system: String,
    /// The columns that identify a mesa.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "circ_electoral,local,mesa"
    )]
    id: Vec<String>,
    /// Territory columns, broadest first: region, comuna, polling place.
    #[arg(long, value_delimiter = ',', default_value = "region,comuna,local")]
    territories: Vec<String>,
    /// The option columns (default: every column right of `electors`/`voters`).
    #[arg(long, value_delimiter = ',')]
    options: Option<Vec<String>>,
    /// random | region-pace | large-first | small-first | arrival:FILE.
    #[arg(long)]
    order: String,
    /// Number of arrival orders replayed.
    #[arg(long, default_value_t = 100)]
    runs: u32,
    /// Seed of the first run (run i uses seed + i).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Level of the intervals: 0.5, 0.8, 0.9, 0.95 or 0.99.
    #[arg(long, default_value_t = 0.9)]
    level: f64,
    /// text or json.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    format: String,
    /// Also write coverage and error against the share counted as an SVG chart.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<String>,
}

/// Runs the backtest and returns its report, as asked.
pub fn run(args: &BacktestArgs) -> Result<String, CliError> {
    let usage = |e: backtest::BacktestError| CliError::Usage(e.to_string());
    let bytes = cifra_results::read_source(&args.results)?;
    let name = cifra_results::display_name(&args.results);
    let options = match &args.options {
        Some(o) => o.clone(),
        None => backtest::default_options(&bytes, &name).map_err(usage)?,
    };
    let list =
        cifra_results::read_mesa_list(&bytes, &name, &args.id, &options, Some(&args.territories))?;
    let mesas: Vec<backtest::ReplayMesa> = (list.mesas.into_iter())
        .map(|m| {
            (
                m.territory,
                m.electors,
                m.votes.into_iter().map(u64::from).collect(),
            )
        })
        .collect();
    let replay = Replay::new(&options, &args.system, &mesas).map_err(usage)?;
    let arrival = match args.order.strip_prefix("arrival:") {
        Some(file) => Some((file, cifra_results::read_source(file)?)),
        None => None,
    };
    let order = Order::parse(&args.order, arrival.as_ref().map(|(f, b)| (*f, &b[..])));
    let (runs, seed, level) = (args.runs, args.seed, args.level);
    let contest = format!("{} ({name})", args.system);
    let options = backtest::Options {
        order: order.map_err(usage)?,
        runs,
        seed,
        level,
        contest,
    };
    let report = backtest::run(&replay, &options).map_err(usage)?;
    if let Some(path) = &args.plot {
        std::fs::write(path, backtest::svg(&report))
            .map_err(|e| CliError::Usage(format!("{path}: {e}")))?;
    }
    Ok(match args.format.as_str() {
        "json" => backtest::json(&report),
        _ => backtest::text(&report),
    })
}
