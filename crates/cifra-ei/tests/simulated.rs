//! Recovery on simulated elections: votes drawn from a known p, one multinomial per group in
//! each mesa; EM must find p again.

use cifra_ei::{estimate, Method, Options, Problem};

/// SplitMix64: enough randomness for a test, and reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const P: [[f64; 4]; 3] = [
    [0.6, 0.2, 0.15, 0.05],
    [0.2, 0.5, 0.2, 0.1],
    [0.1, 0.2, 0.3, 0.4],
];

/// `mesas` mesas whose group sizes vary between them (so p is identifiable).
fn simulate(mesas: usize, voters: u64, seed: u64) -> Problem {
    let mut rng = Rng(seed);
    let (mut votes, mut groups) = (Vec::new(), Vec::new());
    for _ in 0..mesas {
        let mut x = [0.0; 4];
        for row in &P {
            let w = rng.below(voters + 1);
            groups.push(w as f64);
            for _ in 0..w {
                let (mut u, mut c) = (rng.unit(), 0);
                while c < 3 && u >= row[c] {
                    u -= row[c];
                    c += 1;
                }
                x[c] += 1.0;
            }
        }
        votes.extend_from_slice(&x);
    }
    Problem::new(3, 4, votes, groups).unwrap()
}

fn worst_error(method: Method, problem: &Problem) -> f64 {
    let mut options = Options::with_method(method);
    options.tolerance = 1e-5;
    let est = estimate(problem, &options).unwrap();
    assert!(est.converged);
    let mut worst: f64 = 0.0;
    for (g, row) in P.iter().enumerate() {
        for (c, p) in row.iter().enumerate() {
            worst = worst.max((est.probability(g, c) - p).abs());
        }
    }
    worst
}

#[test]
fn mult_recovers_p_within_0_02() {
    let worst = worst_error(Method::Mult, &simulate(3000, 120, 1));
    assert!(worst < 0.02, "worst cell off by {worst}");
}

#[test]
fn mvn_pdf_recovers_p_within_0_02() {
    let worst = worst_error(Method::MvnPdf, &simulate(3000, 120, 2));
    assert!(worst < 0.02, "worst cell off by {worst}");
}

#[test]
fn exact_recovers_p_within_0_05_from_small_mesas() {
    let worst = worst_error(Method::Exact, &simulate(4000, 4, 3));
    assert!(worst < 0.05, "worst cell off by {worst}");
}

#[test]
fn exact_agrees_with_mult_and_mvn_on_large_samples_roughly() {
    let problem = simulate(1500, 5, 4);
    let exact = estimate(&problem, &Options::with_method(Method::Exact)).unwrap();
    let mult = estimate(&problem, &Options::with_method(Method::Mult)).unwrap();
    let gap = exact
        .probabilities
        .iter()
        .zip(&mult.probabilities)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(gap < 0.1, "exact and mult differ by {gap}");
}
