//! cifra-ei: ecological inference of group voting from mesa-level results.
//!
//! Given, for each mesa, the votes per option and the number of voters in each group,
//! estimates `p[g][c]`, the probability that a voter of group `g` chose option `c`, with the
//! EM algorithm of Thraves, Ubilla & Hermosilla (2024), as implemented by the R package
//! `fastei`: same start (`group_proportional`), same E-steps (`mult`, `mvn_pdf`, `exact`), same
//! stopping rule (Frobenius norm of the change in `p` below a tolerance, or a maximum number
//! of iterations).
//!
//! ```
//! use cifra_ei::{estimate, Options, Problem};
//! // Two mesas, two groups, two options.
//! let votes = vec![8.0, 2.0, 3.0, 7.0];
//! let voters = vec![10.0, 0.0, 0.0, 10.0];
//! let problem = Problem::new(2, 2, votes, voters).unwrap();
//! let est = estimate(&problem, &Options::default()).unwrap();
//! assert!((est.probability(0, 0) - 0.8).abs() < 1e-3);
//! assert!((est.probability(1, 1) - 0.7).abs() < 1e-3);
//! ```

#![warn(missing_docs)]

mod bootstrap;
mod em;
mod exact;
mod model;
mod mult;
mod mvn;
mod mvn_soa;
mod project;
pub mod rng;
mod vexp;

pub use bootstrap::{bootstrap, Bootstrap};
pub use model::Problem;

use std::fmt;
use std::str::FromStr;

/// Everything that can go wrong while estimating, in the words of the domain (mesas,
/// groups, options, votes); what to change on a command line is for the command line to say.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A problem without groups.
    #[error("at least one group is needed")]
    NoGroups,
    /// A problem with fewer than two options.
    #[error("at least two options are needed, got {0}")]
    TooFewOptions(usize),
    /// A problem without mesas.
    #[error("no mesas: there is nothing to estimate from")]
    NoMesas,
    /// Vote counts that do not make whole mesas.
    #[error("vote counts do not split into mesas of {options} options: {counts} given")]
    RaggedVotes {
        /// How many vote counts were given.
        counts: usize,
        /// Options per mesa.
        options: usize,
    },
    /// A list of values of the wrong length.
    #[error("{what}: expected {expected}, got {got}")]
    WrongLength {
        /// What the values are (`"voter counts (one per mesa and group)"`).
        what: &'static str,
        /// How many there should be.
        expected: usize,
        /// How many there are.
        got: usize,
    },
    /// A count that is not a whole number, 0 or more.
    #[error("counts of votes and voters must be whole numbers, 0 or more, found {0}")]
    NotACount(f64),
    /// A stopping tolerance that is not a positive number.
    #[error("the tolerance must be a positive number, got {0}")]
    BadTolerance(f64),
    /// A limit of 0 iterations.
    #[error("at least one iteration is needed")]
    ZeroIterations,
    /// A bootstrap with fewer than two resamples (no spread to measure).
    #[error("a bootstrap needs at least 2 resamples, got {0}")]
    TooFewReplicates(usize),
    /// A starting point that is not one probability per group and option.
    #[error("the start must be {cells} probabilities, one per group and option, 0 or more")]
    InvalidStart {
        /// Groups × options.
        cells: usize,
    },
    /// A method name that is not one of the methods.
    #[error("unknown method \"{0}\" (expected mult, mvn_pdf or exact)")]
    UnknownMethod(String),
    /// A name that is not one of the steps after EM.
    #[error("unknown adjustment \"{0}\" (expected project or none)")]
    UnknownAdjust(String),
    /// A mesa is too large for the exact method.
    #[error(
        "method exact: mesa {} is too large: {ways:.3e} possible vote vectors to enumerate, more \
         than the limit of {limit:.0e}",
        line.map_or_else(|| format!("#{}", mesa + 1), |l| format!("at line {l}"))
    )]
    MesaTooLarge {
        /// Index of the mesa in the problem.
        mesa: usize,
        /// Its source line, when known.
        line: Option<u64>,
        /// Π_c (x_c + 1), the states the enumeration would visit.
        ways: f64,
        /// The largest number of states allowed.
        limit: f64,
    },
    /// An error about a given file.
    #[error("{path}: {source}")]
    InFile {
        /// The file.
        path: String,
        /// The error.
        source: Box<Error>,
    },
}

/// How the E-step computes each voter's posterior over options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// fastei's default: a multinomial approximation (fast, the reference method).
    #[default]
    Mult,
    /// A multivariate normal approximation of the other voters' votes.
    MvnPdf,
    /// Exact enumeration; only for small mesas.
    Exact,
}

impl Method {
    /// The name used on the command line and in fastei.
    pub fn name(self) -> &'static str {
        match self {
            Method::Mult => "mult",
            Method::MvnPdf => "mvn_pdf",
            Method::Exact => "exact",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Method {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "mult" => Ok(Method::Mult),
            "mvn_pdf" => Ok(Method::MvnPdf),
            "exact" => Ok(Method::Exact),
            _ => Err(Error::UnknownMethod(s.to_string())),
        }
    }
}

/// What is done after EM stops, as fastei's `adjust_prob_cond_method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Adjust {
    /// fastei's default final step: one more E-step at the final `p`, each mesa's
    /// posterior moved to the nearest one (least squares) whose expected votes equal the
    /// mesa's votes (`Σ_g w[g] · s · q[g][c] = x[c]`, `s` = votes ÷ voters; rows still
    /// summing to 1, every value in [0, 1]), then one more M-step. Where fastei solves an
    /// L1 linear programme to stay in [0, 1], cifra finds the least-squares point of the
    /// same set (unique, where the L1 one is not).
    #[default]
    Project,
    /// The EM estimate as it stands when the stopping rule is met.
    None,
}

impl Adjust {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Adjust::Project => "project",
            Adjust::None => "none",
        }
    }
}

impl FromStr for Adjust {
    type Err = Error;
    /// The adjustment of [`Adjust::name`].
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "project" => Ok(Adjust::Project),
            "none" => Ok(Adjust::None),
            _ => Err(Error::UnknownAdjust(s.to_string())),
        }
    }
}

/// Settings of one estimation (with the `cli` feature, `cifra ei`'s flags for them).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct Options {
    /// The E-step: mult (multinomial approximation, as fastei; fast), mvn_pdf
    /// (multivariate normal approximation), or exact (enumeration; small mesas only).
    #[cfg_attr(feature = "cli", arg(long, default_value = "mult", value_parser = named::<Method>(&["mult", "mvn_pdf", "exact"])))]
    pub method: Method,
    /// Stop when the Frobenius norm of the change in the estimates is below this
    /// (fastei: 0.001).
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 0.001))]
    pub tolerance: f64,
    /// Stop after this many EM iterations at most (fastei: 1000).
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 1000))]
    pub max_iterations: usize,
    /// `exact` refuses mesas with more than this many vote vectors Π_c (x_c + 1) to visit.
    #[cfg_attr(feature = "cli", arg(skip = Options::default().exact_limit))]
    pub exact_limit: u64,
    /// What follows EM: project each mesa's posterior onto its votes (as fastei does by
    /// default), or nothing.
    #[cfg_attr(feature = "cli", arg(long, default_value = "project", value_parser = named::<Adjust>(&["project", "none"])))]
    pub adjust: Adjust,
}

/// The value parser of a flag naming one of `names`: listed in the help and in errors,
/// each parsed by the value's own `FromStr`.
#[cfg(feature = "cli")]
fn named<T>(names: &'static [&'static str]) -> impl clap::builder::TypedValueParser<Value = T>
where
    T: FromStr<Err = Error> + Clone + Send + Sync + 'static,
{
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(names).try_map(|name| name.parse::<T>())
}

impl Default for Options {
    fn default() -> Self {
        Options {
            method: Method::Mult,
            tolerance: 0.001,
            max_iterations: 1000,
            exact_limit: 200_000,
            adjust: Adjust::default(),
        }
    }
}

impl Options {
    /// Default options with the given method.
    pub fn with_method(method: Method) -> Self {
        Options {
            method,
            ..Options::default()
        }
    }

    /// Checks the settings: a positive tolerance and at least one iteration. Estimating
    /// checks them too; a caller may check them before reading any data.
    pub fn check(&self) -> Result<(), Error> {
        if !(self.tolerance > 0.0 && self.tolerance.is_finite()) {
            return Err(Error::BadTolerance(self.tolerance));
        }
        if self.max_iterations == 0 {
            return Err(Error::ZeroIterations);
        }
        Ok(())
    }
}

/// The result of one estimation.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// The E-step used.
    pub method: Method,
    /// Number of groups (G).
    pub groups: usize,
    /// Number of options (C).
    pub options: usize,
    /// `p[g][c]`, row-major G×C. A group without an estimate has a row of NaN: one with no
    /// voters at all (see [`Estimate::voters`]), or one whose voters are all in mesas
    /// without votes (which say nothing of how anyone voted) or, with the exact method, in
    /// mesas it leaves out.
    pub probabilities: Vec<f64>,
    /// EM iterations done.
    pub iterations: usize,
    /// Whether the change fell below the tolerance before the iteration limit.
    pub converged: bool,
    /// Frobenius norm of the last change in `p`.
    pub last_change: f64,
    /// Mesas in the problem.
    pub mesas: usize,
    /// Voters of each group in the problem's mesas, each mesa counted as many times as it
    /// was drawn in a bootstrap resample (whether or not the method leaves it out).
    pub voters: Vec<f64>,
    /// Bootstrap standard errors, row-major G×C, when computed.
    pub std_errors: Option<Vec<f64>>,
}

impl Estimate {
    /// `p[g][c]`: NaN when group `g` has no estimate (see [`Estimate::probabilities`]).
    pub fn probability(&self, g: usize, c: usize) -> f64 {
        self.probabilities[g * self.options + c]
    }

    /// Row `g` of `p`.
    pub fn row(&self, g: usize) -> &[f64] {
        &self.probabilities[g * self.options..(g + 1) * self.options]
    }

    /// The bootstrap standard error of `p[g][c]`, when computed.
    pub fn std_error(&self, g: usize, c: usize) -> Option<f64> {
        self.std_errors.as_ref().map(|s| s[g * self.options + c])
    }
}

/// Estimates `p` by EM.
///
/// Fails only for invalid options or, with [`Method::Exact`], a mesa too large to enumerate.
pub fn estimate(problem: &Problem, options: &Options) -> Result<Estimate, Error> {
    em::run(problem, options, None, None)
}

/// Estimates `problem` by EM and, when `resampling` is given, its standard errors by the
/// bootstrap (`progress` is called after each resample, from any thread).
pub fn estimate_with_errors(
    problem: &Problem,
    options: &Options,
    resampling: Option<Bootstrap>,
    progress: &(dyn Fn() + Sync),
) -> Result<Estimate, Error> {
    let mut est = estimate(problem, options)?;
    if let Some(config) = resampling {
        est.std_errors = Some(bootstrap(problem, options, &config, progress)?);
    }
    Ok(est)
}

/// Estimates `p` with mesa `b` counted `weights[b]` times (a bootstrap resample).
pub fn estimate_weighted(
    problem: &Problem,
    options: &Options,
    weights: &[u32],
) -> Result<Estimate, Error> {
    if weights.len() != problem.mesas() {
        return Err(Error::WrongLength {
            what: "weights (one per mesa)",
            expected: problem.mesas(),
            got: weights.len(),
        });
    }
    em::run(problem, options, Some(weights), None)
}

/// Estimates `p` starting from `start` (row-major G×C, rows summing to 1) instead of
/// fastei's `group_proportional` start.
pub fn estimate_from(
    problem: &Problem,
    options: &Options,
    start: &[f64],
) -> Result<Estimate, Error> {
    let cells = problem.groups() * problem.options();
    if start.len() != cells || start.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
        return Err(Error::InvalidStart { cells });
    }
    em::run(problem, options, None, Some(start))
}
