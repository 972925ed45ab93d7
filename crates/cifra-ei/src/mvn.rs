//! The `mvn_pdf` E-step: the votes of a mesa's other voters approximated by a multivariate
//! normal over the first C−1 options.

use crate::em::EStep;
use crate::mult::{add_posterior, expected_votes, mult_q};
use crate::mvn_soa::{accumulate, mesa_lanes, moments, row, tri, Lanes, Prepared, LANES};
use crate::Problem;

/// `q[b][g][c] ∝ p[g][c] · φ(x[b] − e_c; μ, Σ)` where μ and Σ are the mean and covariance of
/// the votes of the mesa's voters with one voter of group g removed, restricted to the first
/// C−1 options (the last option is the reference, `e_c = 0`).
///
/// The normal's normalising constant depends on (mesa, group) only, so it cancels when q is
/// normalised over c; only the C quadratic forms are computed, from one Cholesky
/// factorisation per (mesa, group).
///
/// Mismatched mesas are used as they are (the density is evaluated at the observed votes,
/// with the voters as counted): fastei 0.0.0.x does the same; its 0.0.21 rescales the voters
/// to the vote total, which converges in 71 iterations instead of fastei's reported 77.
/// Where Σ is not positive definite (a mesa with a single voter, or a mesa whose other
/// voters all vote deterministically), that (mesa, group) takes the `mult` posterior instead
/// (fastei adds 1 to the diagonal, or uses an unchecked factor, depending on the version).
///
/// Up to [`LANES`] groups, mesas go through the lane kernel of [`crate::mvn_soa`] (the 8
/// groups' factorisations side by side); more groups use the scalar kernel below, which
/// computes the same numbers.
pub(crate) struct Mvn {
    groups: usize,
    options: usize,
    /// Per group, `diag(p_g) − p_g p_gᵀ` over the first C−1 options, packed lower triangle
    /// (see [`row`]).
    cov: Vec<f64>,
    /// `ln p[g][c]` (−∞ for 0), so the E-step takes no logarithms.
    log_p: Vec<f64>,
    /// `p` laid out for the lane kernel.
    lanes: Prepared,
}

/// Per-thread working memory of the `mvn_pdf` E-step.
pub(crate) struct Scratch {
    mean: Vec<f64>,
    cov: Vec<f64>,
    sigma: Vec<f64>,
    inv: Vec<f64>,
    y: Vec<f64>,
    q: Vec<f64>,
    m: Vec<f64>,
    lanes: Lanes,
}

impl Mvn {
    pub(crate) fn new(groups: usize, options: usize) -> Self {
        let d = options - 1;
        Mvn {
            groups,
            options,
            cov: vec![0.0; groups * tri(d)],
            log_p: vec![0.0; groups * options],
            lanes: Prepared::new(options),
        }
    }

    fn dim(&self) -> usize {
        self.options - 1
    }
}

impl EStep for Mvn {
    type Scratch = Scratch;

    fn prepare(&mut self, p: &[f64]) {
        let (c, d) = (self.options, self.dim());
        if self.groups <= LANES {
            self.lanes.fill(p, self.groups, c);
        }
        for (l, p) in self.log_p.iter_mut().zip(p) {
            *l = if *p > 0.0 { p.ln() } else { f64::NEG_INFINITY };
        }
        for (pg, a) in p.chunks_exact(c).zip(self.cov.chunks_exact_mut(tri(d))) {
            for i in 0..d {
                for j in 0..=i {
                    a[row(i) + j] = if i == j { pg[i] } else { 0.0 } - pg[i] * pg[j];
                }
            }
        }
    }

    fn scratch(&self) -> Scratch {
        let d = self.dim();
        Scratch {
            mean: vec![0.0; d],
            cov: vec![0.0; tri(d)],
            sigma: vec![0.0; tri(d)],
            inv: vec![0.0; tri(d)],
            y: vec![0.0; d],
            q: vec![0.0; self.options],
            m: vec![0.0; self.options],
            lanes: Lanes::new(self.options),
        }
    }

    fn chunk(
        &self,
        problem: &Problem,
        p: &[f64],
        k: &[f64],
        range: std::ops::Range<usize>,
        s: &mut Scratch,
        acc: &mut [f64],
    ) {
        let c = self.options;
        if self.groups > LANES {
            for b in range.filter(|&b| k[b] > 0.0) {
                self.mesa(p, problem.votes(b), problem.voters(b), k[b], s, acc);
            }
            return;
        }
        // The posteriors are summed in the lane layout (one vector operation per option
        // and mesa instead of a scalar loop per group) and moved into `acc` at the end.
        s.lanes.acc.iter_mut().for_each(|a| *a = [0.0; LANES]);
        for b in range {
            if k[b] <= 0.0 {
                continue;
            }
            let (x, w) = (problem.votes(b), problem.voters(b));
            self.moments_into(p, w, &mut s.lanes.mean, &mut s.lanes.cov);
            let failed = mesa_lanes(&self.lanes, x, &mut s.lanes);
            // Failed groups (and unused lanes) get weight 0 here and their fallback below.
            let mut weight = [0.0; LANES];
            for g in 0..self.groups {
                if failed & (1 << g) == 0 {
                    weight[g] = k[b] * w[g];
                }
            }
            let empty = accumulate(&s.lanes.q, weight, &mut s.lanes.acc);
            for g in 0..self.groups {
                if (failed | empty) & (1 << g) == 0 || w[g] == 0.0 {
                    continue;
                }
                let pg = &p[g * c..(g + 1) * c];
                if failed & (1 << g) != 0 {
                    expected_votes(p, w, c, &mut s.m);
                    mult_q(pg, x, &s.m, &mut s.q);
                } else {
                    for (q, lanes) in s.q.iter_mut().zip(&s.lanes.q) {
                        *q = lanes[g];
                    }
                }
                add_posterior(pg, &s.q, k[b] * w[g], &mut acc[g * c..(g + 1) * c]);
            }
        }
        for (g, acc_g) in acc.chunks_exact_mut(c).enumerate() {
            for (a, lanes) in acc_g.iter_mut().zip(&s.lanes.acc) {
                *a += lanes[g];
            }
        }
    }

    fn mesa(&self, p: &[f64], x: &[f64], w: &[f64], k: f64, s: &mut Scratch, acc: &mut [f64]) {
        let (c, d) = (self.options, self.dim());
        self.moments_into(p, w, &mut s.mean, &mut s.cov);
        for g in 0..self.groups {
            if w[g] == 0.0 {
                continue;
            }
            let pg = &p[g * c..(g + 1) * c];
            let ag = &self.cov[g * tri(d)..(g + 1) * tri(d)];
            for ((sig, full), a) in s.sigma.iter_mut().zip(&s.cov).zip(ag) {
                *sig = full - a;
            }
            for j in 0..d {
                s.y[j] = x[j] - (s.mean[j] - pg[j]);
            }
            if cholesky_inverse(&mut s.sigma, &mut s.inv, d) {
                log_posterior(
                    &self.log_p[g * c..(g + 1) * c],
                    &s.inv,
                    &mut s.y,
                    &mut s.q,
                    d,
                );
            } else {
                expected_votes(p, w, c, &mut s.m);
                mult_q(pg, x, &s.m, &mut s.q);
            }
            add_posterior(pg, &s.q, k * w[g], &mut acc[g * c..(g + 1) * c]);
        }
    }
}

impl Mvn {
    /// Mean and covariance of all the mesa's voters: Σ_g w_g p_g and Σ_g w_g A_g.
    fn moments_into(&self, p: &[f64], w: &[f64], mean: &mut [f64], cov: &mut [f64]) {
        moments(p, &self.cov, &w[..self.groups], self.options, mean, cov);
    }
}

/// Factorises `sigma = L Lᵀ` in place and writes `L⁻¹` into `inv` (both packed lower
/// triangles, see [`row`]). Returns false when `sigma` is not (numerically) positive
/// definite. Divides by L[j][j] by multiplying with its reciprocal, as the lane kernel does
/// (where it saves vector divisions), so that the two compute the same numbers.
fn cholesky_inverse(sigma: &mut [f64], inv: &mut [f64], d: usize) -> bool {
    for j in 0..d {
        let rj = row(j);
        let mut diag = sigma[rj + j];
        for k in 0..j {
            diag -= sigma[rj + k] * sigma[rj + k];
        }
        // Relative to the variance itself: a pivot this small means a (numerically)
        // deterministic direction, where the density is meaningless.
        let floor = 1e-12 * sigma[rj + j].abs().max(1e-300);
        if diag.is_nan() || diag <= floor || diag <= 0.0 {
            return false;
        }
        let l = diag.sqrt();
        let inv_l = 1.0 / l;
        sigma[rj + j] = l;
        // The diagonal of L⁻¹ is 1 / L[j][j].
        inv[rj + j] = inv_l;
        for i in j + 1..d {
            let ri = row(i);
            let mut v = sigma[ri + j];
            for k in 0..j {
                v -= sigma[ri + k] * sigma[rj + k];
            }
            sigma[ri + j] = v * inv_l;
        }
    }
    // L⁻¹ column by column: column c is the solution of L z = e_c, zero above row c.
    for c in 0..d {
        for i in c + 1..d {
            let ri = row(i);
            let mut v = 0.0;
            for k in c..i {
                v -= sigma[ri + k] * inv[row(k) + c];
            }
            inv[ri + c] = v * inv[ri + i];
        }
    }
    true
}

/// q[c] ∝ p[c] · exp(−½ (y − L⁻¹e_c)ᵀ(y − L⁻¹e_c)) with y = L⁻¹(x − μ), computed in
/// logarithms. `y` holds x − μ on entry and L⁻¹(x − μ) on exit; `inv` is L⁻¹, packed.
fn log_posterior(log_p: &[f64], inv: &[f64], y: &mut [f64], q: &mut [f64], d: usize) {
    for i in (0..d).rev() {
        let r = &inv[row(i)..row(i) + i + 1];
        y[i] = r.iter().zip(&y[..=i]).map(|(l, v)| l * v).sum();
    }
    let yy: f64 = y.iter().map(|v| v * v).sum();
    for (c, qc) in q.iter_mut().enumerate() {
        let mut form = yy;
        if c < d {
            let (mut cross, mut zz) = (0.0, 0.0);
            for i in c..d {
                let z = inv[row(i) + c];
                cross += y[i] * z;
                zz += z * z;
            }
            form += zz - 2.0 * cross;
        }
        *qc = log_p[c] - 0.5 * form;
    }
    let top = q.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if top == f64::NEG_INFINITY {
        q.fill(0.0);
        return;
    }
    q.iter_mut().for_each(|v| *v = (*v - top).exp());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lane kernel (all groups of a mesa side by side) and the scalar kernel (group by
    /// group) must agree, including on one-voter mesas (singular Σ, mult fallback), groups
    /// without voters and mesas without votes.
    #[test]
    fn lane_kernel_equals_the_scalar_kernel() {
        let (g, c, mesas) = (8, 6, 120);
        let mut state = 7u64;
        let mut next = |n: f64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as f64 / (1u64 << 31) as f64 * n).floor()
        };
        let mut votes = Vec::new();
        let mut voters = Vec::new();
        for b in 0..mesas {
            let w: Vec<f64> = (0..g)
                .map(|i| match (b + i) % 7 {
                    0 => 0.0,
                    _ if b % 10 == 0 => f64::from(i == 0),
                    _ => next(30.0),
                })
                .collect();
            let total: f64 = w.iter().sum();
            let mut x = vec![0.0; c];
            if b % 17 != 0 {
                for _ in 0..total as usize {
                    x[next(c as f64) as usize] += 1.0;
                }
            }
            votes.extend(x);
            voters.extend(w);
        }
        let problem = Problem::new(g, c, votes, voters).unwrap();
        let mut p: Vec<f64> = (0..g * c).map(|_| 1.0 + next(10.0)).collect();
        p.chunks_exact_mut(c).for_each(|row| {
            let s: f64 = row.iter().sum();
            row.iter_mut().for_each(|v| *v /= s);
        });
        let mut mvn = Mvn::new(g, c);
        mvn.prepare(&p);
        let k = vec![1.0; mesas];
        let mut lanes = vec![0.0; g * c];
        let mut scratch = mvn.scratch();
        mvn.chunk(&problem, &p, &k, 0..mesas, &mut scratch, &mut lanes);
        let mut scalar = vec![0.0; g * c];
        for b in 0..mesas {
            let (x, w) = (problem.votes(b), problem.voters(b));
            mvn.mesa(&p, x, w, 1.0, &mut scratch, &mut scalar);
        }
        for (a, b) in lanes.iter().zip(&scalar) {
            assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{a} vs {b}");
        }
    }
}
