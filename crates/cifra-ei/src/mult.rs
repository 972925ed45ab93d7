//! The `mult` E-step (fastei's default): each group's probabilities reweighted by how far
//! the mesa's votes are from what the other voters would give.

use crate::em::EStep;
use crate::Problem;
use multiversion::multiversion;

/// `q[b][g][c] ∝ p[g][c] · x[b][c] / (m[b][c] − p[g][c])` with `m[b][c] = Σ_g w[b][g] p[g][c]`.
///
/// Mismatched mesas are used as they are: the formula only needs `x` and `m`, which need not
/// have the same total. A term whose denominator is 0 counts as 0. When every term of a
/// group is 0 (a mesa without votes) the mesa says nothing about that group and `q = p`.
///
/// `mesa` is the formula group by group. For the usual shapes (8 age groups or 2 sexes,
/// 2 to 12 options) whole chunks of mesas go through a kernel compiled for that shape:
/// constant loop lengths, groups side by side in one vector, dispatched at run time to
/// AVX-512 or AVX2 builds (see BENCHMARKS.md for what it saves).
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

    fn chunk(
        &self,
        problem: &Problem,
        p: &[f64],
        k: &[f64],
        range: std::ops::Range<usize>,
        s: &mut Vec<f64>,
        acc: &mut [f64],
    ) {
        let (g, c) = (self.groups, self.options);
        let votes = &problem.all_votes()[range.start * c..range.end * c];
        let voters = &problem.all_voters()[range.start * g..range.end * g];
        if !fixed_shape(g, c, p, votes, voters, &k[range.clone()], acc) {
            for b in range.filter(|&b| k[b] > 0.0) {
                self.mesa(p, problem.votes(b), problem.voters(b), k[b], s, acc);
            }
        }
    }

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

/// Runs the kernel compiled for this problem's shape, if there is one (8 age groups or 2
/// sexes, 2 to 12 options); returns false otherwise.
fn fixed_shape(
    g: usize,
    c: usize,
    p: &[f64],
    votes: &[f64],
    voters: &[f64],
    k: &[f64],
    acc: &mut [f64],
) -> bool {
    macro_rules! shapes {
        ($($groups:literal: $($options:literal)*;)*) => {
            match (g, c) {
                $($(($groups, $options) => kernel::<$groups, $options>(p, votes, voters, k, acc),)*)*
                _ => return false,
            }
        };
    }
    shapes! {
        8: 2 3 4 5 6 7 8 9 10 11 12;
        2: 2 3 4 5 6 7 8 9 10 11 12;
    }
    true
}

/// The mult E-step of a run of mesas for `G` groups and `C` options known at compile time.
/// `p` is transposed (option-major, groups innermost) so that each step works on all the
/// groups at once, one vector (8 groups: one AVX-512 register); the constant lengths let
/// every loop unroll without bounds checks. The arithmetic per (group, option) is the
/// plain path's ([`mult_q`], [`add_posterior`]); only the order of some sums differs.
#[multiversion(targets("x86_64+avx512f+avx512vl+fma", "x86_64+avx2+fma"))]
fn kernel<const G: usize, const C: usize>(
    p: &[f64],
    votes: &[f64],
    voters: &[f64],
    k: &[f64],
    acc: &mut [f64],
) {
    let mut pt = [[0.0; G]; C];
    let mut rows = [[0.0; C]; G];
    for (g, row) in p.chunks_exact(C).enumerate() {
        rows[g].copy_from_slice(row);
        for (c, &v) in row.iter().enumerate() {
            pt[c][g] = v;
        }
    }
    let mut sums = [[0.0; G]; C];
    let mut q = [[0.0; G]; C];
    let mesas = votes.chunks_exact(C).zip(voters.chunks_exact(G)).zip(k);
    for ((x, w), &kb) in mesas {
        let (Ok(x), Ok(w)) = (<&[f64; C]>::try_from(x), <&[f64; G]>::try_from(w)) else {
            continue;
        };
        if kb == 0.0 {
            continue;
        }
        // The expected votes m[c] = Σ_g w[g] p[g][c], a whole row of options at a time.
        let mut m = [0.0; C];
        for g in 0..G {
            for c in 0..C {
                m[c] += w[g] * rows[g][c];
            }
        }
        let mut total = [0.0; G];
        for c in 0..C {
            let m = m[c];
            for g in 0..G {
                let d = m - pt[c][g];
                // Computed even where d ≤ 0, then discarded: no branch in the vector. An
                // infinite term (d ≈ 0) is discarded too, so that q is always finite and
                // the products below never meet 0 · ∞.
                let v = pt[c][g] * x[c] / d;
                q[c][g] = if d > 0.0 && v < f64::INFINITY { v } else { 0.0 };
                total[g] += q[c][g];
            }
        }
        let mut scale = [0.0; G];
        let mut prior = [0.0; G];
        for g in 0..G {
            let weight = kb * w[g];
            // Comparisons joined by `&`, not `&&` or is_finite, so that the loop has no
            // branch and stays a vector select.
            let informative = (total[g] > 0.0) & (total[g] < f64::INFINITY);
            scale[g] = if informative { weight / total[g] } else { 0.0 };
            prior[g] = if informative { 0.0 } else { weight };
        }
        for c in 0..C {
            for g in 0..G {
                sums[c][g] += scale[g] * q[c][g] + prior[g] * pt[c][g];
            }
        }
    }
    for (c, row) in sums.iter().enumerate() {
        for (g, &v) in row.iter().enumerate() {
            acc[g * C + c] += v;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Mesas with zero votes in some options, groups without voters, empty mesas, and
    /// bootstrap weights of 0, 1 and 2.
    fn mesas(g: usize, c: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
        let mut state = 12345u64;
        let mut next = |n: f64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as f64 / (1u64 << 31) as f64 * n).floor()
        };
        let mut p: Vec<f64> = (0..g * c).map(|_| 1.0 + next(20.0)).collect();
        p.chunks_exact_mut(c).for_each(|row| {
            let s: f64 = row.iter().sum();
            row.iter_mut().for_each(|v| *v /= s);
        });
        let (mut votes, mut voters, mut k) = (Vec::new(), Vec::new(), Vec::new());
        for b in 0..300 {
            let empty = b % 50 == 0;
            votes.extend((0..c).map(|i| {
                if empty || (b + i) % 4 == 0 {
                    0.0
                } else {
                    next(40.0)
                }
            }));
            voters.extend((0..g).map(|i| if (b + i) % 6 == 0 { 0.0 } else { next(30.0) }));
            k.push((b % 3) as f64);
        }
        (p, votes, voters, k)
    }

    fn kernel_equals_the_formula(g: usize, c: usize) {
        let (p, votes, voters, k) = mesas(g, c);
        let mult = Mult::new(g, c);
        let mut scratch = mult.scratch();
        let mut want = vec![0.0; g * c];
        for (b, &kb) in k.iter().enumerate() {
            if kb > 0.0 {
                let (x, w) = (&votes[b * c..(b + 1) * c], &voters[b * g..(b + 1) * g]);
                mult.mesa(&p, x, w, kb, &mut scratch, &mut want);
            }
        }
        let mut got = vec![0.0; g * c];
        assert!(fixed_shape(g, c, &p, &votes, &voters, &k, &mut got));
        for (a, b) in got.iter().zip(&want) {
            assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{a} vs {b}");
        }
    }

    #[test]
    fn the_age_kernel_equals_the_formula() {
        kernel_equals_the_formula(8, 9);
        kernel_equals_the_formula(8, 3);
    }

    #[test]
    fn the_sex_kernel_equals_the_formula() {
        kernel_equals_the_formula(2, 9);
    }

    #[test]
    fn other_shapes_take_the_plain_path() {
        let mut acc = vec![0.0; 15];
        assert!(!fixed_shape(5, 3, &[0.0; 15], &[], &[], &[], &mut acc));
    }
}
