//! The `exact` E-step: the law of total probability over every way the mesa's votes can
//! split among its voters. Only for small mesas.

use crate::em::EStep;
use crate::mult::add_posterior;
use crate::{Error, Problem};

/// `q[b][g][c] = p[g][c] · P(x_b − e_c | w_b − e_g) / P(x_b | w_b)`, where `P(y | v)` is the
/// probability that voters `v` (each voting independently with their group's `p`) produce
/// exactly the votes `y`.
///
/// `P(· | w_b − e_g)` is computed by adding the voters one at a time over the lattice of
/// vote vectors `0 ≤ y ≤ x_b` (Π_c (x_c + 1) states), rescaling after each voter to avoid
/// underflow (the scale cancels when q is normalised over c).
///
/// Mismatched mesas (voters' total ≠ votes' total) have probability 0 under this model and
/// are left out of the estimation (their voters count neither in the numerator nor in the
/// denominator of the M-step).
pub(crate) struct Exact {
    groups: usize,
    options: usize,
    largest: usize,
}

/// Per-thread working memory: two layers of the lattice and the mesa's strides.
pub(crate) struct Scratch {
    current: Vec<f64>,
    next: Vec<f64>,
    strides: Vec<usize>,
    digits: Vec<usize>,
    q: Vec<f64>,
}

impl Exact {
    /// Checks every mesa that takes part (not mismatched) against `limit` states.
    pub(crate) fn new(problem: &Problem, limit: u64) -> Result<Self, Error> {
        let mut largest = 1;
        for b in 0..problem.mesas() {
            if problem.is_mismatched(b) {
                continue;
            }
            let ways: f64 = problem.votes(b).iter().map(|x| x + 1.0).product();
            if ways > limit as f64 {
                return Err(Error::MesaTooLarge {
                    mesa: b,
                    line: problem.line(b),
                    ways,
                    limit: limit as f64,
                });
            }
            largest = largest.max(ways as usize);
        }
        Ok(Exact {
            groups: problem.groups(),
            options: problem.options(),
            largest,
        })
    }
}

impl EStep for Exact {
    type Scratch = Scratch;

    fn prepare(&mut self, _p: &[f64]) {}

    fn scratch(&self) -> Scratch {
        Scratch {
            current: Vec::with_capacity(self.largest),
            next: Vec::with_capacity(self.largest),
            strides: vec![0; self.options],
            digits: vec![0; self.options],
            q: vec![0.0; self.options],
        }
    }

    fn uses(&self, problem: &Problem, b: usize) -> bool {
        !problem.is_mismatched(b)
    }

    fn mesa(&self, p: &[f64], x: &[f64], w: &[f64], k: f64, s: &mut Scratch, acc: &mut [f64]) {
        let c = self.options;
        let states = lattice(x, &mut s.strides);
        for g in 0..self.groups {
            if w[g] == 0.0 {
                continue;
            }
            let pg = &p[g * c..(g + 1) * c];
            distribution_without_one(p, w, g, x, states, s);
            let at_x: usize = x
                .iter()
                .zip(&s.strides)
                .map(|(&v, st)| v as usize * st)
                .sum();
            for cc in 0..c {
                s.q[cc] = if x[cc] >= 1.0 {
                    pg[cc] * s.current[at_x - s.strides[cc]]
                } else {
                    0.0
                };
            }
            add_posterior(pg, &s.q, k * w[g], &mut acc[g * c..(g + 1) * c]);
        }
    }
}

/// Mixed-radix strides of the lattice 0 ≤ y ≤ x; returns its number of states.
fn lattice(x: &[f64], strides: &mut [usize]) -> usize {
    let mut size = 1;
    for (st, &v) in strides.iter_mut().zip(x) {
        *st = size;
        size *= v as usize + 1;
    }
    size
}

/// Leaves in `s.current` the (rescaled) distribution of the votes of all the mesa's voters
/// but one of group `g`, over the lattice below `x`.
fn distribution_without_one(
    p: &[f64],
    w: &[f64],
    g: usize,
    x: &[f64],
    states: usize,
    s: &mut Scratch,
) {
    let c = x.len();
    s.current.clear();
    s.current.resize(states, 0.0);
    s.current[0] = 1.0;
    for (h, &wh) in w.iter().enumerate() {
        let voters = wh as usize - usize::from(h == g);
        for _ in 0..voters {
            add_voter(&p[h * c..(h + 1) * c], x, states, s);
        }
    }
}

/// Convolves the distribution with one voter's choice; votes beyond `x` are impossible
/// and dropped.
fn add_voter(ph: &[f64], x: &[f64], states: usize, s: &mut Scratch) {
    s.next.clear();
    s.next.resize(states, 0.0);
    s.digits.fill(0);
    let mut top: f64 = 0.0;
    for idx in 0..states {
        let v = s.current[idx];
        if v != 0.0 {
            for (cc, &pc) in ph.iter().enumerate() {
                if (s.digits[cc] as f64) < x[cc] {
                    s.next[idx + s.strides[cc]] += v * pc;
                }
            }
        }
        advance(&mut s.digits, x);
    }
    for v in &s.next {
        top = top.max(*v);
    }
    if top > 0.0 {
        s.next.iter_mut().for_each(|v| *v /= top);
    }
    std::mem::swap(&mut s.current, &mut s.next);
}

/// Odometer step of the mixed-radix digits.
fn advance(digits: &mut [usize], x: &[f64]) {
    for (d, &v) in digits.iter_mut().zip(x) {
        if (*d as f64) < v {
            *d += 1;
            return;
        }
        *d = 0;
    }
}
