//! The `mvn_pdf` E-step of a whole chunk of mesas with the (up to 8) groups of a mesa side by
//! side: one SIMD lane per group.
//!
//! Every group of a mesa needs its own Cholesky factorisation (Σ_g differs per group), but
//! the 8 factorisations run the same instructions on different numbers. Scalar code runs
//! each as a chain of dependent operations (latency bound); here element (i, j) of the 8
//! matrices is one `[f64; 8]`, so each step of the factorisation is one 8-lane operation
//! (one AVX-512 register, two AVX2 registers) and the chains of the 8 groups overlap.
//! The arithmetic, and its order within each group, is exactly the scalar kernel's, so the
//! results are the same to rounding.

// The loops index several lane arrays by the same lane (or row) number at once; that is the
// shape LLVM turns into one vector operation, and iterator chains over 3–4 arrays would only
// obscure it.
#![allow(clippy::needless_range_loop)]

use multiversion::multiversion;

use crate::vexp::exp_lanes;

/// Groups handled side by side; problems with more groups use the scalar kernel.
pub(crate) const LANES: usize = 8;

type V = [f64; LANES];

/// Offset of row `i` of a lower triangle stored packed, row by row (row `i` holds columns
/// `0..=i`). Only the lower triangles of the symmetric Σ, of L and of L⁻¹ are ever read, so
/// they are stored (and computed) packed: 36 elements instead of 64 for d = 8.
#[inline(always)]
pub(crate) const fn row(i: usize) -> usize {
    i * (i + 1) / 2
}

/// Number of elements of the packed lower triangle of a d×d matrix.
pub(crate) const fn tri(d: usize) -> usize {
    row(d)
}

/// Per-thread working memory of the lane kernel, sized for `d = C − 1` options.
pub(crate) struct Lanes {
    /// Σ_g, then its Cholesky factor L, packed lower triangle (see [`row`]) of lanes.
    l: Vec<V>,
    /// L⁻¹, packed lower triangle of lanes.
    inv: Vec<V>,
    /// x − μ_g, then L⁻¹(x − μ_g).
    y: Vec<V>,
    /// 1 / L[j][j].
    inv_diag: Vec<V>,
    /// The log-posterior, then the posterior, per option.
    pub(crate) q: Vec<V>,
    /// Mean and covariance (packed lower triangle) of all the mesa's voters (scalars).
    pub(crate) mean: Vec<f64>,
    pub(crate) cov: Vec<f64>,
    /// The weighted posteriors of a chunk's mesas, option-major (`acc[c][g]`), so that they
    /// are added lane-wise and moved into the G×C accumulator once per chunk.
    pub(crate) acc: Vec<V>,
}

impl Lanes {
    pub(crate) fn new(options: usize) -> Self {
        let d = options - 1;
        Lanes {
            l: vec![[0.0; LANES]; tri(d)],
            inv: vec![[0.0; LANES]; tri(d)],
            y: vec![[0.0; LANES]; d],
            inv_diag: vec![[0.0; LANES]; d],
            q: vec![[0.0; LANES]; options],
            mean: vec![0.0; d],
            cov: vec![0.0; tri(d)],
            acc: vec![[0.0; LANES]; options],
        }
    }
}

/// `p` and `diag(p_g) − p_g p_gᵀ` laid out for the lane kernel; rebuilt once per iteration.
pub(crate) struct Prepared {
    /// `p[g][i]` for the first d options, option-major: `pt[i][g]`.
    pub(crate) pt: Vec<V>,
    /// `ln p[g][c]`, option-major (−∞ for 0).
    pub(crate) log_pt: Vec<V>,
    /// `diag(p_g) − p_g p_gᵀ`, packed lower triangle: `a[row(i) + j][g]`, j ≤ i.
    pub(crate) a: Vec<V>,
}

impl Prepared {
    pub(crate) fn new(options: usize) -> Self {
        let d = options - 1;
        Prepared {
            pt: vec![[0.0; LANES]; d],
            log_pt: vec![[f64::NEG_INFINITY; LANES]; options],
            a: vec![[0.0; LANES]; tri(d)],
        }
    }

    /// Fills the layout from `p` (G×C, G ≤ LANES). Unused lanes copy group 0, so they
    /// compute something finite that is then ignored.
    pub(crate) fn fill(&mut self, p: &[f64], groups: usize, options: usize) {
        let d = options - 1;
        for lane in 0..LANES {
            let g = if lane < groups { lane } else { 0 };
            let pg = &p[g * options..(g + 1) * options];
            for (c, &v) in pg.iter().enumerate() {
                self.log_pt[c][lane] = if v > 0.0 { v.ln() } else { f64::NEG_INFINITY };
                if c < d {
                    self.pt[c][lane] = v;
                }
            }
            for i in 0..d {
                for j in 0..=i {
                    self.a[row(i) + j][lane] = if i == j { pg[i] } else { 0.0 } - pg[i] * pg[j];
                }
            }
        }
    }
}

/// Mean and covariance of all the mesa's voters, `Σ_g w_g p_g` and `Σ_g w_g A_g`, with `p`
/// G×C and `a` the G matrices `A_g = diag(p_g) − p_g p_gᵀ` (each a packed lower triangle,
/// as `cov`: only that part is ever read). Called
/// once per mesa by both kernels; multiversioned because the portable build does these
/// G·d² multiply-adds two at a time (it was a tenth of an `mvn_pdf` run), and the wide
/// builds do them eight at a time with the same operations in the same order.
#[multiversion(targets("x86_64+avx512f+avx512vl+fma", "x86_64+avx2+fma"))]
pub(crate) fn moments(
    p: &[f64],
    a: &[f64],
    w: &[f64],
    options: usize,
    mean: &mut [f64],
    cov: &mut [f64],
) {
    let (d, t) = (options - 1, cov.len());
    mean.fill(0.0);
    cov.fill(0.0);
    for (g, &wg) in w.iter().enumerate() {
        if wg == 0.0 {
            continue;
        }
        let pg = &p[g * options..g * options + d];
        mean.iter_mut().zip(pg).for_each(|(m, p)| *m += wg * p);
        let ag = &a[g * t..(g + 1) * t];
        cov.iter_mut().zip(ag).for_each(|(s, a)| *s += wg * a);
    }
}

/// What the lane kernel reports for one mesa: which groups' Σ_g were not positive definite
/// (bit g set), for the caller to handle with the fallback.
pub(crate) type Failed = u32;

/// The posterior `q[g][c]` of every group of one mesa, normalised, into `s.q[c][g]`.
/// `mean`/`cov` in `s` must hold the moments of all the mesa's voters. Returns the groups
/// whose covariance was not (numerically) positive definite; their `q` is meaningless.
#[multiversion(targets("x86_64+avx512f+avx512vl+fma", "x86_64+avx2+fma"))]
pub(crate) fn mesa_lanes(prep: &Prepared, x: &[f64], s: &mut Lanes) -> Failed {
    let d = s.mean.len();
    // Σ_g = Σ_full − A_g and x − μ_g = x − μ_full + p_g, all groups at once.
    for ((l, a), &full) in s.l.iter_mut().zip(&prep.a).zip(&s.cov) {
        for lane in 0..LANES {
            l[lane] = full - a[lane];
        }
    }
    for i in 0..d {
        let base = x[i] - s.mean[i];
        for lane in 0..LANES {
            s.y[i][lane] = base + prep.pt[i][lane];
        }
    }
    let mut bad: V = [0.0; LANES];
    // Cholesky, column by column (same operation order as the scalar kernel). Divisions by
    // L[j][j] are multiplications by its reciprocal, which L⁻¹ needs anyway: a vector
    // division costs as much as a dozen multiplications.
    for j in 0..d {
        let rj = row(j);
        let mut diag = s.l[rj + j];
        let var = diag;
        for k in 0..j {
            let ljk = s.l[rj + k];
            for lane in 0..LANES {
                diag[lane] -= ljk[lane] * ljk[lane];
            }
        }
        let mut inv_l = [0.0; LANES];
        for lane in 0..LANES {
            // Relative to the variance itself: a pivot this small means a (numerically)
            // deterministic direction, where the density is meaningless.
            let floor = 1e-12 * var[lane].abs().max(1e-300);
            let ok = diag[lane] > floor && diag[lane] > 0.0;
            bad[lane] = if ok { bad[lane] } else { 1.0 };
            // A failed lane continues on 1 so that nothing below becomes NaN or ∞.
            let l = if ok { diag[lane].sqrt() } else { 1.0 };
            s.l[rj + j][lane] = l;
            inv_l[lane] = 1.0 / l;
        }
        s.inv_diag[j] = inv_l;
        for i in j + 1..d {
            let ri = row(i);
            let mut v = s.l[ri + j];
            for k in 0..j {
                let (lik, ljk) = (s.l[ri + k], s.l[rj + k]);
                for lane in 0..LANES {
                    v[lane] -= lik[lane] * ljk[lane];
                }
            }
            for lane in 0..LANES {
                v[lane] *= inv_l[lane];
            }
            s.l[ri + j] = v;
        }
    }
    // L⁻¹ column by column: column c solves L z = e_c and is zero above row c.
    for c in 0..d {
        s.inv[row(c) + c] = s.inv_diag[c];
        for i in c + 1..d {
            let ri = row(i);
            let mut v = [0.0; LANES];
            for k in c..i {
                let (lik, kc) = (s.l[ri + k], s.inv[row(k) + c]);
                for lane in 0..LANES {
                    v[lane] -= lik[lane] * kc[lane];
                }
            }
            let inv_l = s.inv_diag[i];
            for lane in 0..LANES {
                v[lane] *= inv_l[lane];
            }
            s.inv[ri + c] = v;
        }
    }
    // y ← L⁻¹ (x − μ_g), from the last row up so y can be overwritten in place.
    for i in (0..d).rev() {
        let mut v = [0.0; LANES];
        for k in 0..=i {
            let (l, yk) = (s.inv[row(i) + k], s.y[k]);
            for lane in 0..LANES {
                v[lane] += l[lane] * yk[lane];
            }
        }
        s.y[i] = v;
    }
    let mut yy = [0.0; LANES];
    for y in &s.y {
        for lane in 0..LANES {
            yy[lane] += y[lane] * y[lane];
        }
    }
    // Quadratic forms (y − L⁻¹e_c)ᵀ(y − L⁻¹e_c); the reference option has e_c = 0.
    let mut top = [f64::NEG_INFINITY; LANES];
    for c in 0..=d {
        let mut form = yy;
        if c < d {
            let (mut cross, mut zz) = ([0.0; LANES], [0.0; LANES]);
            for i in c..d {
                let (z, y) = (s.inv[row(i) + c], s.y[i]);
                for lane in 0..LANES {
                    cross[lane] += y[lane] * z[lane];
                    zz[lane] += z[lane] * z[lane];
                }
            }
            for lane in 0..LANES {
                form[lane] += zz[lane] - 2.0 * cross[lane];
            }
        }
        let lp = prep.log_pt[c];
        for lane in 0..LANES {
            let v = lp[lane] - 0.5 * form[lane];
            s.q[c][lane] = v;
            top[lane] = top[lane].max(v);
        }
    }
    // The vectorised exp (within 1 ulp of `f64::exp`): the library's is a scalar call per
    // lane. A group whose every option has p = 0 stays 0.
    for q in s.q.iter_mut() {
        let mut z = [0.0; LANES];
        for lane in 0..LANES {
            z[lane] = q[lane] - top[lane];
        }
        let e = exp_lanes(z);
        for lane in 0..LANES {
            q[lane] = if top[lane] == f64::NEG_INFINITY {
                0.0
            } else {
                e[lane]
            };
        }
    }
    let mut failed = 0;
    for (lane, &b) in bad.iter().enumerate() {
        if b != 0.0 {
            failed |= 1 << lane;
        }
    }
    failed
}

/// Adds `weight[g] / Σ_c q[c][g] · q[c][g]` to `acc[c][g]` for every lane whose posterior
/// `q` (option-major, as [`mesa_lanes`] leaves it) has mass; lanes with weight 0 add nothing.
/// Returns the lanes with a nonzero weight whose `q` sums to 0 (or is not finite): the
/// caller adds those with the prior-weighted fallback, as `add_posterior` does.
#[multiversion(targets("x86_64+avx512f+avx512vl+fma", "x86_64+avx2+fma"))]
pub(crate) fn accumulate(q: &[V], weight: V, acc: &mut [V]) -> u32 {
    let mut sum = [0.0; LANES];
    for qc in q {
        for lane in 0..LANES {
            sum[lane] += qc[lane];
        }
    }
    // Selects on lane values only (no `is_finite`, no bit setting in the loop), so that the
    // loop stays one vector division and a few compares.
    let (mut f, mut bad) = ([0.0; LANES], [0.0; LANES]);
    for lane in 0..LANES {
        f[lane] = weight[lane] / sum[lane];
    }
    for lane in 0..LANES {
        // False for NaN and ∞ as well; `&` rather than `&&` keeps it one mask operation.
        let ok = (sum[lane] > 0.0) & (sum[lane] < f64::INFINITY);
        // Failed lanes keep their weight in `bad`: nonzero means "needs the fallback".
        bad[lane] = if ok { 0.0 } else { weight[lane] };
        f[lane] = if ok { f[lane] } else { 0.0 };
    }
    let mut empty = 0;
    for (lane, &b) in bad.iter().enumerate() {
        if b != 0.0 {
            empty |= 1 << lane;
        }
    }
    for (a, qc) in acc.iter_mut().zip(q) {
        for lane in 0..LANES {
            // A select, not 0·q: the q of a skipped (failed or unused) lane may be NaN.
            a[lane] += if f[lane] != 0.0 {
                f[lane] * qc[lane]
            } else {
                0.0
            };
        }
    }
    empty
}
