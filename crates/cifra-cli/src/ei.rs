//! `cifra ei`: ecological inference from the command line.
//!
//! Reads mesas from a CSV (plain or gzip, `-` for stdin, named `<stdin>` in messages),
//! estimates how each group voted with `cifra_ei`, and returns the whole output as a string
//! so nothing is half-printed on an error. Bootstrap progress goes to stderr: a bar on a
//! terminal, plain lines elsewhere. The `--plot` file is written atomically (temporary
//! file, then rename).

use std::path::Path;

use crate::error::CliError;
use crate::named;
use cifra_ei::{estimate_with_errors, Bootstrap, Error, Options};
use cifra_report::ei::{self as report, Labels, Territorial};
use cifra_report::plot;
use cifra_report::progress::Progress;
use cifra_report::table::{plural, thousands};
use cifra_report::Format;
use cifra_results::mesas::read_mesas;
use cifra_results::source::{display_name, open};

/// Arguments of `cifra ei`.
#[derive(clap::Args, Debug)]
pub struct EiArgs {
    /// Group columns (voters per group in each mesa), comma-separated, e.g. age_18_19,age_20_29.
    // Every occurrence is kept (and split by `columns`), so a repeated --groups is refused
    // rather than silently appended.
    #[arg(long, required = true, action = clap::ArgAction::Append)]
    pub groups: Vec<String>,
    /// Option columns (votes per option in each mesa), comma-separated.
    #[arg(long, required = true, action = clap::ArgAction::Append)]
    pub options: Vec<String>,
    #[command(flatten)]
    pub estimation: Options,
    /// Estimate each territory (value of this column) separately, in parallel.
    #[arg(long, value_name = "COLUMN")]
    pub by: Option<String>,
    /// Add standard errors from N bootstrap resamples of the mesas (N ≥ 2).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub bootstrap: usize,
    /// Seed of the bootstrap resampling.
    #[arg(long, value_name = "S", default_value_t = Bootstrap::DEFAULT_SEED)]
    pub seed: u64,
    /// Output format: text (a readable table, percentages), json (`{"method",
    /// "iterations", "groups", "options", "probabilities"}`, fractions) or csv (one row per
    /// group, fractions).
    #[arg(long, default_value = "text", value_parser = named::<Format>(&Format::NAMES))]
    pub format: Format,
    /// Also write a heatmap of the estimates (groups × options) to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<std::path::PathBuf>,
    /// Mesa-level CSV with a header line (plain or gzip); `-` reads stdin.
    #[arg(value_name = "FILE")]
    pub file: String,
}

/// What `cifra ei` prints: the output, and warnings for stderr.
#[derive(Debug, Clone, PartialEq)]
pub struct EiOutput {
    /// Everything for stdout.
    pub stdout: String,
    /// Notes for stderr (e.g. an option without votes).
    pub warnings: Vec<String>,
}

/// Runs `cifra ei`.
pub fn run(args: &EiArgs) -> Result<EiOutput, CliError> {
    let options = args.estimation.clone();
    check_args(args, &options)?;
    let name = display_name(&args.file);
    let file = open(&args.file)?;
    // The column lists are checked once the file is open, as they always were: a file
    // that cannot be opened is reported first.
    let groups = columns(&args.groups, "--groups", "groups", 1)?;
    let option_columns = columns(&args.options, "--options", "options", 2)?;
    if let Some(both) = groups.iter().find(|g| option_columns.contains(g)) {
        return Err(CliError::Usage(format!(
            "column \"{both}\" is given both in --groups and in --options: a column counts \
             either a group's voters or an option's votes"
        )));
    }
    let data = read_mesas(file, &name, &groups, &option_columns, args.by.as_deref())?;
    let warnings = data.options_without_votes()?;
    let problem = report::problem(&data)?;
    let labels = Labels {
        groups: &data.groups,
        options: &data.options,
    };
    let in_file = |e: Error| match e {
        Error::MesaTooLarge { .. } => CliError::EiHint {
            source: Error::InFile {
                path: name.clone(),
                source: Box::new(e),
            },
            hint: "use --method mult or mvn_pdf",
        },
        other => with_flag(other),
    };
    let territories = match args.by {
        Some(_) => data.territories().len(),
        None => 1,
    };
    let progress = Progress::new("bootstrap", "resamples", args.bootstrap * territories);
    let tick = || progress.tick();
    let result = match &args.by {
        None => {
            let est = estimate_with_errors(&problem, &options, resampling(args), &tick)
                .map_err(in_file)?;
            if let Some(path) = &args.plot {
                let title = format!(
                    "Who voted how ({}, {} {})",
                    options.method,
                    thousands(est.mesas as u64),
                    plural(est.mesas as u64, "mesa", "mesas")
                );
                write_atomically(path, &plot::heatmap(&est, labels, &title))?;
            }
            report::render(args.format, &est, labels)
        }
        Some(by) => {
            let results =
                Territorial::estimate_each(&data, &problem, &options, resampling(args), &tick)
                    .map_err(in_file)?;
            report::render_by(args.format, by, &results, labels)
        }
    };
    progress.finish();
    Ok(EiOutput {
        stdout: result,
        warnings,
    })
}

fn check_args(args: &EiArgs, options: &Options) -> Result<(), CliError> {
    options.check().map_err(with_flag)?;
    if args.bootstrap == 1 {
        return Err(with_flag(Error::TooFewReplicates(args.bootstrap)));
    }
    if args.plot.is_some() && args.by.is_some() {
        return Err(CliError::Usage(
            "--plot draws one heatmap and cannot be combined with --by; run without --by, or filter the file to one territory".into(),
        ));
    }
    Ok(())
}

/// An estimation error in the words of the command line: the flag that set what is wrong.
fn with_flag(e: Error) -> CliError {
    match e {
        Error::BadTolerance(t) => {
            CliError::Usage(format!("--tolerance must be a positive number, got {t}"))
        }
        Error::ZeroIterations => CliError::Usage("--max-iterations must be at least 1".into()),
        Error::TooFewReplicates(_) => {
            CliError::Usage("--bootstrap needs at least 2 resamples (or 0 for none)".into())
        }
        other => CliError::Ei(other),
    }
}

/// The columns given with `flag` (`what` names them in messages): one comma-separated list,
/// each name trimmed of spaces, at least `at_least` names, none empty, none twice.
fn columns(
    given: &[String],
    flag: &str,
    what: &str,
    at_least: usize,
) -> Result<Vec<String>, CliError> {
    let usage = |message: String| Err(CliError::Usage(message));
    let [list] = given else {
        let times = match given.len() {
            2 => "twice".to_string(),
            n => format!("{n} times"),
        };
        return usage(format!(
            "{flag} is given {times}; list all the {what} in one {flag}, comma-separated"
        ));
    };
    let names: Vec<String> = list.split(',').map(|n| n.trim().to_string()).collect();
    if list.trim().is_empty() || names.len() < at_least {
        return usage(format!(
            "{flag} needs at least {at_least} comma-separated column {}, got \"{list}\"",
            plural(at_least as u64, "name", "names"),
        ));
    }
    if names.iter().any(String::is_empty) {
        return usage(format!("{flag} \"{list}\" has an empty column name"));
    }
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return usage(format!("{flag}: column \"{n}\" is listed twice"));
        }
    }
    Ok(names)
}

/// The bootstrap the arguments ask for; `None`: no standard errors.
fn resampling(args: &EiArgs) -> Option<Bootstrap> {
    (args.bootstrap > 0).then_some(Bootstrap {
        replicates: args.bootstrap,
        seed: args.seed,
    })
}

/// Writes `contents` to a temporary file next to `path`, then renames it over `path`, so a
/// reader never sees a half-written plot.
fn write_atomically(path: &Path, contents: &str) -> Result<(), CliError> {
    let io = |source| CliError::Write {
        file: path.display().to_string(),
        source,
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "plot.svg".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, contents).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}
