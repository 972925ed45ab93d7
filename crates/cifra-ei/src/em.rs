//! The EM loop shared by all methods: start, E-step per mesa, M-step, stopping rule.

use rayon::prelude::*;

use crate::{Adjust, Error, Estimate, Method, Options, Problem};

/// Mesas per parallel work unit: big enough that rayon's overhead is noise, small enough
/// that 2 to 64 threads all get work on a national problem.
const CHUNK: usize = 256;

/// Below this many mesas an iteration takes microseconds, so threads would cost more than
/// they save (the 679 per-circunscripción runs are themselves run in parallel).
const PARALLEL_FROM: usize = 2 * CHUNK;

/// One method's E-step, applied mesa by mesa.
pub(crate) trait EStep: Sync {
    /// Per-thread working memory, allocated once per chunk, never inside the mesa loop.
    type Scratch: Send;

    /// Recomputes whatever depends only on `p`, once per iteration.
    fn prepare(&mut self, p: &[f64]);

    /// Fresh working memory.
    fn scratch(&self) -> Self::Scratch;

    /// Adds `k · w[g] · q[g][c]` of one mesa to `acc` (G×C).
    fn mesa(&self, p: &[f64], x: &[f64], w: &[f64], k: f64, s: &mut Self::Scratch, acc: &mut [f64]);

    /// Whether mesa `b` takes part at all (the exact method leaves mismatched mesas out).
    fn uses(&self, _problem: &Problem, _b: usize) -> bool {
        true
    }

    /// Adds the E-step of mesas `range` (those with `k[b] > 0`) to `acc` (G×C). Methods
    /// with a vectorised kernel over many mesas override it; the default goes mesa by mesa.
    fn chunk(
        &self,
        problem: &Problem,
        p: &[f64],
        k: &[f64],
        range: std::ops::Range<usize>,
        s: &mut Self::Scratch,
        acc: &mut [f64],
    ) {
        for b in range {
            if k[b] > 0.0 {
                self.mesa(p, problem.votes(b), problem.voters(b), k[b], s, acc);
            }
        }
    }
}

/// Runs EM with the method in `options`. `weights[b]` (bootstrap multiplicities) defaults to 1.
pub(crate) fn run(
    problem: &Problem,
    options: &Options,
    weights: Option<&[u32]>,
    start: Option<&[f64]>,
) -> Result<Estimate, Error> {
    options.check()?;
    let (g, c) = (problem.groups(), problem.options());
    match options.method {
        Method::Mult => iterate(
            problem,
            options,
            weights,
            start,
            crate::mult::Mult::new(g, c),
        ),
        Method::MvnPdf => iterate(problem, options, weights, start, crate::mvn::Mvn::new(g, c)),
        Method::Exact => {
            let e = crate::exact::Exact::new(problem, options.exact_limit)?;
            iterate(problem, options, weights, start, e)
        }
    }
}

fn iterate<E: EStep>(
    problem: &Problem,
    options: &Options,
    weights: Option<&[u32]>,
    start: Option<&[f64]>,
    mut step: E,
) -> Result<Estimate, Error> {
    let (g, c) = (problem.groups(), problem.options());
    let k = mesa_weights(problem, weights, &step);
    let totals = weighted_group_totals(problem, &k);
    let mut p = start.map_or_else(|| group_proportional(problem, &k), <[f64]>::to_vec);
    let mut iterations = 0;
    let mut converged = false;
    let mut change = f64::INFINITY;
    while iterations < options.max_iterations {
        step.prepare(&p);
        let acc = e_step(problem, &p, &k, &step);
        let next = m_step(&acc, &totals, &p, c);
        change = frobenius_distance(&p, &next);
        p = next;
        iterations += 1;
        if change < options.tolerance {
            converged = true;
            break;
        }
    }
    if options.adjust == Adjust::Project {
        step.prepare(&p);
        let acc = projected_e_step(problem, &p, &k, &step);
        p = m_step(&acc, &totals, &p, c);
    }
    for (row, seen) in p.chunks_exact_mut(c).zip(seen_voting(problem, &k)) {
        if !seen {
            row.fill(f64::NAN);
        }
    }
    Ok(Estimate {
        method: options.method,
        groups: g,
        options: c,
        probabilities: p,
        iterations,
        converged,
        last_change: change,
        mesas: problem.mesas(),
        voters: weighted_group_totals(problem, &drawn(problem, weights)),
        std_errors: None,
    })
}

/// Whether each group has voters in a mesa (that takes part) with votes. A mesa without
/// votes says nothing of how anyone voted (every E-step leaves `p` as it is there), so a
/// group seen only in such mesas would keep its starting point: it has no estimate.
fn seen_voting(problem: &Problem, k: &[f64]) -> Vec<bool> {
    let mut seen = vec![false; problem.groups()];
    for (b, &kb) in k.iter().enumerate() {
        if kb > 0.0 && problem.votes(b).iter().any(|&x| x > 0.0) {
            for (seen, &w) in seen.iter_mut().zip(problem.voters(b)) {
                *seen |= w > 0.0;
            }
        }
    }
    seen
}

/// Each mesa's bootstrap count (1 without a resample).
fn drawn(problem: &Problem, weights: Option<&[u32]>) -> Vec<f64> {
    (0..problem.mesas())
        .map(|b| weights.map_or(1.0, |w| f64::from(w[b])))
        .collect()
}

/// Each mesa's multiplicity: the bootstrap count, or 0 for mesas the method leaves out.
fn mesa_weights<E: EStep>(problem: &Problem, weights: Option<&[u32]>, step: &E) -> Vec<f64> {
    let mut k = drawn(problem, weights);
    for (b, k) in k.iter_mut().enumerate() {
        if !step.uses(problem, b) {
            *k = 0.0;
        }
    }
    k
}

fn weighted_group_totals(problem: &Problem, k: &[f64]) -> Vec<f64> {
    let mut t = vec![0.0; problem.groups()];
    for (b, &kb) in k.iter().enumerate() {
        for (t, w) in t.iter_mut().zip(problem.voters(b)) {
            *t += kb * w;
        }
    }
    t
}

/// fastei's `group_proportional` start: each mesa's vote shares, weighted by the group's
/// voters there. Mesas without votes have no shares and are skipped; a group seen only
/// there starts uniform.
pub(crate) fn group_proportional(problem: &Problem, k: &[f64]) -> Vec<f64> {
    let (g, c) = (problem.groups(), problem.options());
    let mut p = vec![0.0; g * c];
    for (b, &kb) in k.iter().enumerate() {
        let x = problem.votes(b);
        let total: f64 = x.iter().sum();
        if kb == 0.0 || total == 0.0 {
            continue;
        }
        for (row, &w) in p.chunks_exact_mut(c).zip(problem.voters(b)) {
            let f = kb * w / total;
            row.iter_mut().zip(x).for_each(|(p, x)| *p += f * x);
        }
    }
    p.chunks_exact_mut(c).for_each(normalise_or_uniform);
    p
}

pub(crate) fn normalise_or_uniform(row: &mut [f64]) {
    let s: f64 = row.iter().sum();
    if s > 0.0 {
        row.iter_mut().for_each(|v| *v /= s);
    } else {
        let u = 1.0 / row.len() as f64;
        row.fill(u);
    }
}

/// Σ_b k_b w[b][g] q[b][g][c].
fn e_step<E: EStep>(problem: &Problem, p: &[f64], k: &[f64], step: &E) -> Vec<f64> {
    sum_over_chunks(problem, |range, acc| {
        let mut s = step.scratch();
        step.chunk(problem, p, k, range, &mut s, acc);
    })
}

/// The E-step with each mesa's posterior projected onto its votes (fastei's final step;
/// see [`crate::project`]). Methods add `w[g] q[g][c]` per mesa, so the mesa's `q` is
/// recovered from its contribution, projected, and added back.
fn projected_e_step<E: EStep>(problem: &Problem, p: &[f64], k: &[f64], step: &E) -> Vec<f64> {
    let c = problem.options();
    sum_over_chunks(problem, |range, acc| {
        let mut q = vec![0.0; acc.len()];
        let mut s = step.scratch();
        for b in range.filter(|&b| k[b] > 0.0) {
            let (x, w) = (problem.votes(b), problem.voters(b));
            q.fill(0.0);
            step.mesa(p, x, w, 1.0, &mut s, &mut q);
            for (row, &wg) in q.chunks_exact_mut(c).zip(w) {
                let share = if wg > 0.0 { 1.0 / wg } else { 0.0 };
                row.iter_mut().for_each(|v| *v *= share);
            }
            crate::project::project_onto_votes(x, w, &mut q);
            for ((a, row), &wg) in acc.chunks_exact_mut(c).zip(q.chunks_exact(c)).zip(w) {
                a.iter_mut().zip(row).for_each(|(a, v)| *a += k[b] * wg * v);
            }
        }
    })
}

/// Runs `add(range, acc)` on the mesas chunk by chunk (in parallel for large problems),
/// each chunk into its own G×C accumulator, and sums the chunks in a fixed order, so the
/// result does not depend on the number of threads.
fn sum_over_chunks(
    problem: &Problem,
    add: impl Fn(std::ops::Range<usize>, &mut [f64]) + Sync,
) -> Vec<f64> {
    let size = problem.groups() * problem.options();
    let chunk = |start: usize| {
        let mut acc = vec![0.0; size];
        add(start..(start + CHUNK).min(problem.mesas()), &mut acc);
        acc
    };
    let starts: Vec<usize> = (0..problem.mesas()).step_by(CHUNK).collect();
    let parts: Vec<Vec<f64>> = if problem.mesas() >= PARALLEL_FROM {
        starts.par_iter().map(|&s| chunk(s)).collect()
    } else {
        starts.iter().map(|&s| chunk(s)).collect()
    };
    let mut total = vec![0.0; size];
    for part in parts {
        total.iter_mut().zip(part).for_each(|(t, v)| *t += v);
    }
    total
}

/// p[g][c] = Σ_b w q / Σ_b w. A group without voters keeps its previous (finite) row so
/// the other groups' E-steps never see NaN; it is reported as NaN at the end.
fn m_step(acc: &[f64], totals: &[f64], previous: &[f64], c: usize) -> Vec<f64> {
    let mut p = previous.to_vec();
    for ((row, a), &t) in p.chunks_exact_mut(c).zip(acc.chunks_exact(c)).zip(totals) {
        if t > 0.0 {
            row.iter_mut().zip(a).for_each(|(p, a)| *p = a / t);
        }
    }
    p
}

fn frobenius_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        .sqrt()
}
