//! Projecting one mesa's posterior onto its votes: the step fastei runs after EM
//! (`adjust_prob_cond_method = "project_lp"`).
//!
//! A mesa's posterior `q` (groups × options, rows summing to 1) is moved to the nearest
//! (least squares) `q'` whose expected votes are the mesa's votes, `Σ_g w[g] s q'[g][c] =
//! x[c]` with `s` = votes ÷ voters, keeping rows summing to 1 and every `q'` in [0, 1].
//! That set is a transportation polytope, never empty (its row and column totals agree by
//! the choice of `s`). The projection onto the affine constraints alone is a closed form;
//! when it leaves [0, 1], the nearest point of the polytope is found exactly by Newton's
//! method on the dual, whose unknowns are one shift per group and one per option, with
//! `q'[g][c] = max(0, q[g][c] + α[g] + w[g] β[c])`. (fastei instead minimises the L1
//! distance with a linear programme, whose solutions are not unique.)

/// Newton steps at most: the dual is piecewise quadratic, and on the 2021 mesas the median
/// projection takes 7 steps; a mesa that does not converge keeps the last point, which is
/// still a posterior (in [0, 1], rows summing to 1) a few millionths of a vote off.
const MAX_STEPS: usize = 30;

/// Stop when no constraint is violated by more than this fraction of the mesa's votes.
const TOLERANCE: f64 = 1e-9;

/// Cells this far outside [0, 1] are rounding (a column without votes corrected by
/// ±1e-17), not a real excursion: they are clamped instead of solved for.
const SLACK: f64 = 1e-12;

/// Projects `q` (row-major, `w.len()` rows of `x.len()`) in place. Groups without voters
/// take no part (their rows are left as they are); a mesa without votes or voters is left
/// as it is.
pub(crate) fn project_onto_votes(x: &[f64], w: &[f64], q: &mut [f64]) {
    let (votes, voters): (f64, f64) = (x.iter().sum(), w.iter().sum());
    if votes <= 0.0 || voters <= 0.0 {
        return;
    }
    let s = votes / voters;
    let scaled: Vec<f64> = w.iter().map(|w| w * s).collect();
    let start = q.to_vec();
    onto_affine(x, &scaled, q);
    if in_box(q, &scaled, x.len()) {
        q.iter_mut().for_each(|v| *v = v.clamp(0.0, 1.0));
        return;
    }
    q.copy_from_slice(&start);
    onto_polytope(x, &scaled, q);
}

/// The closed-form least-squares projection onto `{rows sum to 1, Σ_g w[g] q[g][c] = x[c]}`
/// (rows of groups without voters untouched): `q + α 1ᵀ + w βᵀ` with `β = f / Σw²` and
/// `α = (e − w Σf / Σw²) / C`, where `e` are the rows' deficits and `f` the columns'.
fn onto_affine(x: &[f64], w: &[f64], q: &mut [f64]) {
    let c = x.len();
    let squares: f64 = w.iter().map(|w| w * w).sum();
    let mut f: Vec<f64> = x.to_vec();
    for (row, &wg) in q.chunks_exact(c).zip(w) {
        f.iter_mut().zip(row).for_each(|(f, v)| *f -= wg * v);
    }
    let f_total: f64 = f.iter().sum();
    for (row, &wg) in q.chunks_exact_mut(c).zip(w) {
        if wg == 0.0 {
            continue;
        }
        let e = 1.0 - row.iter().sum::<f64>();
        let alpha = (e - wg * f_total / squares) / c as f64;
        row.iter_mut()
            .zip(&f)
            .for_each(|(v, f)| *v += alpha + wg * f / squares);
    }
}

/// Whether every cell of a group with voters is in [0, 1].
fn in_box(q: &[f64], w: &[f64], c: usize) -> bool {
    q.chunks_exact(c)
        .zip(w)
        .filter(|(_, &wg)| wg > 0.0)
        .all(|(row, _)| row.iter().all(|v| (-SLACK..=1.0 + SLACK).contains(v)))
}

/// The least-squares point of the polytope, by Newton's method with backtracking on the
/// dual `φ(α, β) = ½ Σ max(0, q + α[g] + w[g] β[c])² − Σ α[g] − Σ x[c] β[c]`, whose
/// gradient is the constraints' residuals. β of the last option is fixed at 0: adding
/// `t·w` to α and `−t` to β changes nothing. If the steps fail (they should not), `q` is
/// left as it was: the posterior before projection is a valid, if less adjusted, answer.
fn onto_polytope(x: &[f64], w: &[f64], q: &mut [f64]) {
    let c = x.len();
    let groups: Vec<usize> = (0..w.len()).filter(|&g| w[g] > 0.0).collect();
    let dual = Dual {
        x,
        w,
        q0: q,
        groups: &groups,
        c,
    };
    let tolerance = TOLERANCE * x.iter().sum::<f64>().max(1.0);
    let mut z = dual.affine_start();
    for _ in 0..MAX_STEPS {
        let (gradient, mut hessian) = dual.derivatives(&z);
        let residual = gradient.iter().fold(0.0f64, |m, g| m.max(g.abs()));
        if residual < tolerance {
            break;
        }
        // Levenberg–Marquardt: a group or option with no cell above 0 has no curvature;
        // a term that vanishes with the residual keeps its step finite and the
        // convergence quadratic.
        let n = z.len();
        for i in 0..n {
            hessian[i * n + i] += residual;
        }
        let Some(step) = solve_spd(hessian, &gradient) else {
            return;
        };
        let slope: f64 = -gradient.iter().zip(&step).map(|(g, s)| g * s).sum::<f64>();
        let here = dual.value(&z);
        let mut t = 1.0;
        let mut next: Vec<f64> = z.clone();
        for _ in 0..60 {
            next.iter_mut()
                .zip(&z)
                .zip(&step)
                .for_each(|((n, z), s)| *n = z - t * s);
            if dual.value(&next) <= here + 1e-4 * t * slope {
                break;
            }
            t *= 0.5;
        }
        z.copy_from_slice(&next);
    }
    let projected = dual.cells(&z);
    if projected.iter().all(|v| v.is_finite()) {
        for (k, &g) in groups.iter().enumerate() {
            let row = &projected[k * c..(k + 1) * c];
            let total: f64 = row.iter().sum();
            if total > 0.0 {
                q[g * c..(g + 1) * c]
                    .iter_mut()
                    .zip(row)
                    .for_each(|(v, p)| *v = p / total);
            }
        }
    }
}

/// The dual of the projection, over the groups with voters.
struct Dual<'a> {
    x: &'a [f64],
    w: &'a [f64],
    q0: &'a [f64],
    groups: &'a [usize],
    c: usize,
}

impl Dual<'_> {
    /// The dual point of the affine projection (the answer when no cell goes below 0):
    /// `β[c] = f[c] / Σw²` and `α[g] = (e[g] − w[g] Σf / Σw²) / C`, shifted so that the
    /// last option's β is 0.
    fn affine_start(&self) -> Vec<f64> {
        let c = self.c;
        let squares: f64 = self.groups.iter().map(|&g| self.w[g] * self.w[g]).sum();
        let mut f: Vec<f64> = self.x.to_vec();
        for &g in self.groups {
            let row = &self.q0[g * c..(g + 1) * c];
            f.iter_mut().zip(row).for_each(|(f, v)| *f -= self.w[g] * v);
        }
        let f_total: f64 = f.iter().sum();
        let beta: Vec<f64> = f.iter().map(|f| f / squares).collect();
        let last = beta[c - 1];
        let mut z: Vec<f64> = self
            .groups
            .iter()
            .map(|&g| {
                let e = 1.0 - self.q0[g * c..(g + 1) * c].iter().sum::<f64>();
                (e - self.w[g] * f_total / squares) / c as f64 + self.w[g] * last
            })
            .collect();
        z.extend(beta[..c - 1].iter().map(|b| b - last));
        z
    }

    /// `q0 + α[g] + w[g] β[c]` for each (group with voters, option).
    fn shifted(&self, z: &[f64]) -> Vec<f64> {
        let (alpha, beta) = z.split_at(self.groups.len());
        let mut r = Vec::with_capacity(self.groups.len() * self.c);
        for (k, &g) in self.groups.iter().enumerate() {
            for j in 0..self.c {
                let b = beta.get(j).copied().unwrap_or(0.0);
                r.push(self.q0[g * self.c + j] + alpha[k] + self.w[g] * b);
            }
        }
        r
    }

    /// The primal point of the dual point `z`.
    fn cells(&self, z: &[f64]) -> Vec<f64> {
        self.shifted(z).into_iter().map(|r| r.max(0.0)).collect()
    }

    fn value(&self, z: &[f64]) -> f64 {
        let (alpha, beta) = z.split_at(self.groups.len());
        let squares: f64 = self.cells(z).iter().map(|v| v * v).sum();
        let linear: f64 =
            alpha.iter().sum::<f64>() + beta.iter().zip(self.x).map(|(b, x)| b * x).sum::<f64>();
        0.5 * squares - linear
    }

    /// The gradient (row and column residuals) and the generalised Hessian.
    fn derivatives(&self, z: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let (ng, c) = (self.groups.len(), self.c);
        let n = z.len();
        let r = self.shifted(z);
        let mut gradient = vec![0.0; n];
        let mut hessian = vec![0.0; n * n];
        for (k, &g) in self.groups.iter().enumerate() {
            let wg = self.w[g];
            gradient[k] -= 1.0;
            for j in 0..c {
                let v = r[k * c + j];
                let slope = if v > 0.0 { 1.0 } else { 0.0 };
                let cell = v.max(0.0);
                gradient[k] += cell;
                hessian[k * n + k] += slope;
                if j < c - 1 {
                    let b = ng + j;
                    gradient[b] += wg * cell;
                    hessian[k * n + b] += slope * wg;
                    hessian[b * n + k] += slope * wg;
                    hessian[b * n + b] += slope * wg * wg;
                }
            }
        }
        for (j, &xj) in self.x.iter().enumerate().take(c - 1) {
            gradient[ng + j] -= xj;
        }
        (gradient, hessian)
    }
}

/// Solves `H d = g` for a symmetric positive definite `H` (n×n, row-major) by Cholesky;
/// `None` if `H` is not positive definite in floating point.
fn solve_spd(mut h: Vec<f64>, g: &[f64]) -> Option<Vec<f64>> {
    let n = g.len();
    for j in 0..n {
        let mut d = h[j * n + j];
        for k in 0..j {
            d -= h[j * n + k] * h[j * n + k];
        }
        // Written to also catch NaN, which fails every comparison.
        if d.is_nan() || d <= 0.0 {
            return None;
        }
        let d = d.sqrt();
        h[j * n + j] = d;
        for i in j + 1..n {
            let mut v = h[i * n + j];
            for k in 0..j {
                v -= h[i * n + k] * h[j * n + k];
            }
            h[i * n + j] = v / d;
        }
    }
    let mut y = g.to_vec();
    for i in 0..n {
        for k in 0..i {
            y[i] -= h[i * n + k] * y[k];
        }
        y[i] /= h[i * n + i];
    }
    for i in (0..n).rev() {
        for k in i + 1..n {
            y[i] -= h[k * n + i] * y[k];
        }
        y[i] /= h[i * n + i];
    }
    Some(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The largest violation of a constraint: a row's sum off 1 (in voters) or a column's
    /// expected votes off its votes.
    fn violation(x: &[f64], w: &[f64], q: &[f64]) -> f64 {
        let c = x.len();
        let mut worst: f64 = 0.0;
        let mut expected = vec![0.0; c];
        for (row, &wg) in q.chunks_exact(c).zip(w) {
            if wg > 0.0 {
                worst = worst.max(wg * (row.iter().sum::<f64>() - 1.0).abs());
                expected.iter_mut().zip(row).for_each(|(e, v)| *e += wg * v);
            }
        }
        expected
            .iter()
            .zip(x)
            .fold(worst, |m, (e, x)| m.max((e - x).abs()))
    }

    fn check_feasible(x: &[f64], w: &[f64], q: &[f64]) {
        let s = x.iter().sum::<f64>() / w.iter().sum::<f64>();
        let scaled: Vec<f64> = w.iter().map(|w| w * s).collect();
        assert!(violation(x, &scaled, q) < 1e-6, "{q:?}");
        assert!(q.iter().all(|v| (0.0..=1.0).contains(v)), "{q:?}");
    }

    #[test]
    fn an_interior_projection_is_the_closed_form() {
        // Two groups of 10 voters, votes (12, 8): q rows (0.5, 0.5) must shift by +0.1.
        let (x, w) = ([12.0, 8.0], [10.0, 10.0]);
        let mut q = [0.5, 0.5, 0.5, 0.5];
        project_onto_votes(&x, &w, &mut q);
        for (a, b) in q.iter().zip([0.6, 0.4, 0.6, 0.4]) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
    }

    #[test]
    fn a_projection_that_leaves_the_box_is_brought_back_feasible() {
        // Group 0 (9 voters) almost surely chose option 0, but nobody voted for it: the
        // plain projection moves q[0][0] to 0.98 − 9 · 9.92 / 86 < 0.
        let (x, w) = ([0.0, 10.0, 2.0], [9.0, 1.0, 2.0]);
        let mut q = [0.98, 0.01, 0.01, 0.5, 0.4, 0.1, 0.3, 0.3, 0.4];
        let mut plain = q;
        onto_affine(&x, &w, &mut plain);
        assert!(
            plain.iter().any(|&v| v < 0.0),
            "the case must leave the box"
        );
        project_onto_votes(&x, &w, &mut q);
        check_feasible(&x, &w, &q);
    }

    #[test]
    fn feasible_posteriors_stay_and_empty_mesas_are_untouched() {
        let (x, w) = ([3.0, 1.0], [2.0, 2.0]);
        let mut q = [1.0, 0.0, 0.5, 0.5];
        project_onto_votes(&x, &w, &mut q);
        assert_eq!(q, [1.0, 0.0, 0.5, 0.5]);
        let mut q = [0.3, 0.7, 0.9, 0.1];
        project_onto_votes(&[0.0, 0.0], &w, &mut q);
        assert_eq!(q, [0.3, 0.7, 0.9, 0.1]);
    }
}
