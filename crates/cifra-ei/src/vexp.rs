//! `exp` over a lane array, in plain branch-free Rust so that LLVM vectorises it inside the
//! multiversioned lane kernel (glibc's `exp` is a scalar call per lane: about a fifth of an
//! `mvn_pdf` run went to it).
//!
//! e^x = 2^n · e^r with x = n·ln 2 + r, |r| ≤ ln 2 / 2:
//! - n = round(x / ln 2) by the 1.5·2^52 shift, which also leaves n in the low bits of the
//!   sum, so 2^n is built from integer bits without a float → int conversion (AVX2 has none
//!   for 64-bit integers);
//! - r = (x − n·ln2_hi) − n·ln2_lo (Cody–Waite): ln2_hi has its low 32 bits zero, so n·ln2_hi
//!   is exact for |n| < 2^20 and x − n·ln2_hi is exact too; only the small correction rounds;
//! - e^r by its Taylor polynomial of degree 13, whose truncation error (|r|^14/14! < 5·10⁻¹⁸)
//!   is far below half an ulp; plain multiplies and adds, no `mul_add`, because the portable
//!   (non-FMA) build would turn `mul_add` into a software call;
//! - 2^n as two factors 2^⌊n/2⌋ · 2^(n−⌊n/2⌋), each a normal number, so results in the
//!   subnormal range (x < −708.4) are rounded once, by the last multiply, as glibc's are.
//!
//! Measured against `f64::exp` on [−745, 0]: at most 1 ulp apart (see the tests).

/// Largest argument handled as such; above it e^x overflows to ∞ anyway (e^709.79 is the
/// largest finite double), and the clamp keeps n within the two-factor scaling.
const X_MAX: f64 = 710.0;
/// Smallest argument handled as such; e^−745.2 already rounds to 0, and the clamp maps −∞
/// (a log-posterior of an option with p = 0) there too.
const X_MIN: f64 = -746.0;
/// 1.5·2^52: adding it rounds to an integer (ties to even) and puts that integer in the low
/// mantissa bits; the extra 0.5·2^52 keeps negative n from borrowing out of the exponent.
const SHIFT: f64 = 6_755_399_441_055_744.0;
/// High part of ln 2: its low 32 mantissa bits are zero (fdlibm's `ln2HI`).
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
/// ln 2 − LN2_HI (fdlibm's `ln2LO`).
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);

/// 1/k! for k = 13 down to 2, the Horner order.
const TAYLOR: [f64; 12] = [
    1.0 / 6_227_020_800.0,
    1.0 / 479_001_600.0,
    1.0 / 39_916_800.0,
    1.0 / 3_628_800.0,
    1.0 / 362_880.0,
    1.0 / 40_320.0,
    1.0 / 5_040.0,
    1.0 / 720.0,
    1.0 / 120.0,
    1.0 / 24.0,
    1.0 / 6.0,
    0.5,
];

/// e^x for one lane, without branches (every `if` here is a select), so that a loop over
/// lanes vectorises. NaN gives NaN, −∞ and x < −745.2 give 0, x > 709.79 gives ∞.
#[inline(always)]
pub(crate) fn exp(x: f64) -> f64 {
    // NaN stays NaN through the clamp and the polynomial (its garbage n only scales a NaN).
    let xc = x.clamp(X_MIN, X_MAX);
    let t = xc * std::f64::consts::LOG2_E + SHIFT;
    let nf = t - SHIFT;
    // n in two's complement, from the low bits of t (|n| ≤ 1077, far inside the 2^51 range).
    let n = t.to_bits().wrapping_sub(SHIFT.to_bits()) as i64;
    let r = (xc - nf * LN2_HI) - nf * LN2_LO;
    let mut poly = TAYLOR[0];
    for &c in &TAYLOR[1..] {
        poly = poly * r + c;
    }
    // 1 + (r + r²·poly): the leading 1 added last keeps the rounding of the small terms
    // below half an ulp of the result.
    let er = 1.0 + (r + r * r * poly);
    let n1 = n >> 1;
    let n2 = n - n1;
    let s1 = f64::from_bits(((n1 + 1023) as u64) << 52);
    let s2 = f64::from_bits(((n2 + 1023) as u64) << 52);
    er * s1 * s2
}

/// e^x lane by lane; see [`exp`]. Inlined so that it is compiled with the target features of
/// the (multiversioned) caller.
#[inline(always)]
pub(crate) fn exp_lanes<const N: usize>(x: [f64; N]) -> [f64; N] {
    let mut out = [0.0; N];
    for (o, &v) in out.iter_mut().zip(&x) {
        *o = exp(v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in ulps between two non-negative doubles (the bit patterns of non-negative
    /// doubles are ordered like their values, subnormals and 0 included).
    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    /// Within 1 ulp of `f64::exp` on a dense grid over [−745, 0] (plus a finer one near 0
    /// and around the subnormal boundary), and exact at the edges.
    #[test]
    fn matches_std_exp() {
        let (mut worst_ulps, mut worst_rel, mut at) = (0, 0.0f64, 0.0);
        let mut check = |x: f64| {
            let (a, b) = (exp(x), x.exp());
            let u = ulps(a, b);
            if u > worst_ulps {
                (worst_ulps, at) = (u, x);
            }
            if b >= f64::MIN_POSITIVE {
                worst_rel = worst_rel.max((a - b).abs() / b);
            }
        };
        let n = 4_000_000;
        for i in 0..=n {
            check(-745.0 * f64::from(i) / f64::from(n));
        }
        for i in 0..=200_000 {
            check(-f64::from(i) * 1e-6);
            check(-708.0 - f64::from(i) * 5e-6);
        }
        // Every half-step of the range reduction (the |r| = ln 2 / 2 end points) near 0.
        for i in 0..=4_000 {
            let h = (f64::from(i) + 0.5) * std::f64::consts::LN_2;
            check(-h);
            check(-h * (1.0 + f64::EPSILON));
            check(-h * (1.0 - f64::EPSILON));
        }
        eprintln!("vexp: max {worst_ulps} ulp at {at}, max relative error {worst_rel:.3e}");
        assert!(worst_ulps <= 1, "{worst_ulps} ulp at {at}");
        assert!(
            worst_rel <= 2.0 * f64::EPSILON,
            "relative error {worst_rel}"
        );
    }

    #[test]
    fn edge_cases() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-0.0), 1.0);
        assert_eq!(exp(-1e-300), 1.0);
        assert_eq!(exp(-f64::MIN_POSITIVE), 1.0);
        assert!(ulps(exp(-708.0), (-708.0f64).exp()) <= 1);
        assert!(ulps(exp(-745.0), (-745.0f64).exp()) <= 1);
        assert_eq!(exp(-745.0), 5e-324);
        assert_eq!(exp(-746.0), 0.0);
        assert_eq!(exp(-1e10), 0.0);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert!(exp(f64::NAN).is_nan());
        assert!(ulps(exp(1.0), std::f64::consts::E) <= 1);
        assert!(ulps(exp(700.0), 700.0f64.exp()) <= 1);
        assert_eq!(exp(710.0), f64::INFINITY);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        let inputs = [
            0.0,
            -1.0,
            f64::NEG_INFINITY,
            f64::NAN,
            -745.0,
            -746.0,
            -0.5,
            -2.0,
        ];
        for (a, x) in exp_lanes(inputs).iter().zip(inputs) {
            assert!(
                a.is_nan() && x.is_nan() || ulps(*a, x.exp()) <= 1,
                "{x}: {a}"
            );
        }
    }
}
