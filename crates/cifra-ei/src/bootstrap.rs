//! Standard errors by resampling mesas with replacement.

use rayon::prelude::*;

use crate::rng::Rng;
use crate::{em, Error, Options, Problem};

/// How many bootstrap replicates to draw, and from which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bootstrap {
    /// Number of resamples (each a full EM run).
    pub replicates: usize,
    /// Seed of the resampling; the same seed gives the same standard errors on any machine
    /// and with any number of threads.
    pub seed: u64,
}

impl Bootstrap {
    /// The seed used when none is given.
    pub const DEFAULT_SEED: u64 = 2021;
}

/// Bootstrap standard errors of `p` (row-major G×C): the sample standard deviation over
/// `config.replicates` EM runs, each on B mesas drawn with replacement from the problem's B.
///
/// `progress` is called once per finished replicate (from any thread), so a caller can
/// drive a progress bar. A cell that is NaN in every replicate (a group without voters) is
/// NaN; otherwise replicates where the group happened not to be drawn are left out of it.
///
/// With fewer than 2 mesas every cell is NaN: every resample of one mesa is that mesa, so
/// the spread would be 0 whatever the uncertainty (no replicate is run, but `progress` is
/// still called once per replicate).
///
/// ```
/// use cifra_ei::{bootstrap, Bootstrap, Options, Problem};
/// let problem = Problem::new(1, 2, vec![6.0, 4.0, 5.0, 5.0, 7.0, 3.0], vec![10.0, 10.0, 10.0]).unwrap();
/// let config = Bootstrap { replicates: 20, seed: 1 };
/// let se = bootstrap(&problem, &Options::default(), &config, &|| {}).unwrap();
/// assert!(se[0] > 0.0 && se[0] < 0.2);
/// ```
pub fn bootstrap(
    problem: &Problem,
    options: &Options,
    config: &Bootstrap,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<f64>, Error> {
    if config.replicates < 2 {
        return Err(Error::TooFewReplicates(config.replicates));
    }
    let cells = problem.groups() * problem.options();
    if problem.mesas() < 2 {
        (0..config.replicates).for_each(|_| progress());
        return Ok(vec![f64::NAN; cells]);
    }
    let runs: Vec<Vec<f64>> = (0..config.replicates)
        .into_par_iter()
        .map(|r| {
            let weights = resample(problem.mesas(), replicate_seed(config.seed, r));
            let est = em::run(problem, options, Some(&weights), None);
            progress();
            est.map(|e| e.probabilities)
        })
        .collect::<Result<_, _>>()?;
    Ok(std_dev_per_cell(&runs, cells))
}

/// Independent streams per replicate, so the result does not depend on scheduling.
fn replicate_seed(seed: u64, replicate: usize) -> u64 {
    let mut rng = Rng::new(seed ^ (replicate as u64).wrapping_mul(0xD1B5_4A32_D192_ED03));
    rng.next_u64()
}

/// How many times each of `mesas` mesas is drawn in `mesas` draws with replacement.
fn resample(mesas: usize, seed: u64) -> Vec<u32> {
    let mut rng = Rng::new(seed);
    let mut counts = vec![0u32; mesas];
    for _ in 0..mesas {
        counts[rng.below(mesas as u64) as usize] += 1;
    }
    counts
}

fn std_dev_per_cell(runs: &[Vec<f64>], cells: usize) -> Vec<f64> {
    (0..cells)
        .map(|i| {
            let values: Vec<f64> = runs
                .iter()
                .map(|r| r[i])
                .filter(|v| v.is_finite())
                .collect();
            if values.len() < 2 {
                return f64::NAN;
            }
            let n = values.len() as f64;
            let mean = values.iter().sum::<f64>() / n;
            (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0)).sqrt()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_mesa_has_no_standard_errors_not_zero_ones() {
        // Every resample of one mesa is that mesa: the spread is 0 whatever the truth.
        let problem = Problem::new(2, 2, vec![6.0, 4.0], vec![7.0, 3.0]).unwrap();
        let config = Bootstrap {
            replicates: 5,
            seed: 1,
        };
        let ticks = std::sync::atomic::AtomicUsize::new(0);
        let tick = || {
            ticks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        };
        let se = bootstrap(&problem, &Options::default(), &config, &tick).unwrap();
        assert_eq!(se.len(), 4);
        assert!(se.iter().all(|v| v.is_nan()), "{se:?}");
        assert_eq!(
            ticks.into_inner(),
            5,
            "progress still counts every replicate"
        );
    }

    #[test]
    fn resample_draws_as_many_as_there_are() {
        let c = resample(1000, 7);
        assert_eq!(c.iter().map(|&v| v as usize).sum::<usize>(), 1000);
        assert_eq!(c, resample(1000, 7));
        assert_ne!(c, resample(1000, 8));
    }
}
