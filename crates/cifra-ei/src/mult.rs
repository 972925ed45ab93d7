//! The `mult` E-step (fastei's default): each group's probabilities reweighted by how far
//! the mesa's votes are from what the other voters would give.

use crate::em::EStep;

/// `q[b][g][c] ∝ p[g][c] · x[b][c] / (m[b][c] − p[g][c])` with `m[b][c] = Σ_g w[b][g] p[g][c]`.
///
/// Mismatched mesas are used as they are: the formula only needs `x` and `m`, which need not
/// have the same total. A term whose denominator is 0 counts as 0. When every term of a
/// group is 0 (a mesa without votes) the mesa says nothing about that group and `q = p`.
pub(crate) struct Mult {
    groups: usize,
    options: usize,
}

impl Mult {
    pub(crate) fn new(groups: usize, options: usize) -> Self {
        Mult { groups, options }
    }
}

impl EStep for Mult {
    type Scratch = Vec<f64>;

    fn prepare(&mut self, _p: &[f64]) {}

    fn scratch(&self) -> Vec<f64> {
        vec![0.0; 2 * self.options]
    }

    fn mesa(&self, p: &[f64], x: &[f64], w: &[f64], k: f64, s: &mut Vec<f64>, acc: &mut [f64]) {
        let c = self.options;
        let (m, q) = s.split_at_mut(c);
        expected_votes(p, w, c, m);
        for g in 0..self.groups {
            if w[g] == 0.0 {
                continue;
            }
            let pg = &p[g * c..(g + 1) * c];
            mult_q(pg, x, m, q);
            add_posterior(pg, q, k * w[g], &mut acc[g * c..(g + 1) * c]);
        }
    }
}

/// m[c] = Σ_g w[g] p[g][c].
pub(crate) fn expected_votes(p: &[f64], w: &[f64], c: usize, m: &mut [f64]) {
    m.fill(0.0);
    for (row, &wg) in p.chunks_exact(c).zip(w) {
        if wg != 0.0 {
            m.iter_mut().zip(row).for_each(|(m, p)| *m += wg * p);
        }
    }
}

/// Unnormalised q of one group; returns nothing, `q` may sum to 0.
pub(crate) fn mult_q(pg: &[f64], x: &[f64], m: &[f64], q: &mut [f64]) {
    // Branch-free so the loop vectorises: the quotient is computed even where the
    // denominator is 0 and then discarded.
    for (((q, &p), &x), &m) in q.iter_mut().zip(pg).zip(x).zip(m) {
        let d = m - p;
        let t = p * x / d;
        *q = if d > 0.0 { t } else { 0.0 };
    }
}

/// Normalises `q` and adds `weight · q` to `acc`; a `q` without mass is replaced by `pg`.
pub(crate) fn add_posterior(pg: &[f64], q: &[f64], weight: f64, acc: &mut [f64]) {
    let s: f64 = q.iter().sum();
    if s > 0.0 && s.is_finite() {
        let f = weight / s;
        acc.iter_mut().zip(q).for_each(|(a, q)| *a += f * q);
    } else {
        acc.iter_mut().zip(pg).for_each(|(a, p)| *a += weight * p);
    }
}
