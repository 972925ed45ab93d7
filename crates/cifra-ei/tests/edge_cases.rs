//! Degenerate inputs: every one gets an answer or a clear error, never a panic.

use cifra_ei::{estimate, Adjust, Error, Method, Options, Problem};

const METHODS: [Method; 3] = [Method::Mult, Method::MvnPdf, Method::Exact];

fn rows_sum_to_one(est: &cifra_ei::Estimate, skip: &[usize]) {
    for g in (0..est.groups).filter(|g| !skip.contains(g)) {
        let s: f64 = est.row(g).iter().sum();
        assert!((s - 1.0).abs() < 1e-9, "row {g} sums to {s}");
        assert!(est.row(g).iter().all(|v| (0.0..=1.0).contains(v)));
    }
}

#[test]
fn a_mesa_with_zero_votes_is_harmless() {
    let p = Problem::new(
        2,
        3,
        vec![3.0, 2.0, 1.0, 0.0, 0.0, 0.0, 1.0, 4.0, 1.0],
        vec![4.0, 2.0, 3.0, 1.0, 2.0, 4.0],
    )
    .unwrap();
    for m in METHODS {
        let est = estimate(&p, &Options::with_method(m)).unwrap();
        rows_sum_to_one(&est, &[]);
    }
}

#[test]
fn a_group_absent_everywhere_gets_nan_and_the_others_an_answer() {
    let p = Problem::new(
        3,
        2,
        vec![3.0, 2.0, 1.0, 4.0],
        vec![4.0, 0.0, 1.0, 2.0, 0.0, 3.0],
    )
    .unwrap();
    for m in METHODS {
        let est = estimate(&p, &Options::with_method(m)).unwrap();
        assert!(est.row(1).iter().all(|v| v.is_nan()), "{m}");
        rows_sum_to_one(&est, &[1]);
    }
}

#[test]
fn mesas_without_votes_say_nothing_so_a_group_seen_only_there_has_no_estimate() {
    // Group 1 has voters only in the second mesa, which has no votes: EM used to report its
    // starting point (50/50) as a converged estimate.
    let p = Problem::new(2, 2, vec![3.0, 1.0, 0.0, 0.0], vec![4.0, 0.0, 0.0, 5.0]).unwrap();
    for m in METHODS {
        let est = estimate(&p, &Options::with_method(m)).unwrap();
        assert!(
            est.row(1).iter().all(|v| v.is_nan()),
            "{m}: {:?}",
            est.row(1)
        );
        assert_eq!(est.voters, [4.0, 5.0], "{m}");
        rows_sum_to_one(&est, &[1]);
    }
}

#[test]
fn a_problem_without_any_vote_has_no_estimate_at_all() {
    let p = Problem::new(2, 2, vec![0.0; 4], vec![3.0, 2.0, 1.0, 4.0]).unwrap();
    for m in METHODS {
        let est = estimate(&p, &Options::with_method(m)).unwrap();
        assert!(est.probabilities.iter().all(|v| v.is_nan()), "{m}");
        assert_eq!(est.voters, [4.0, 6.0], "{m}");
    }
}

#[test]
fn an_option_without_votes_is_estimated_at_zero() {
    let p = Problem::from_counts(
        2,
        3,
        &[5, 0, 0, 2, 3, 0, 1, 3, 0, 3, 2, 0],
        &[3, 2, 1, 4, 2, 2, 4, 1],
    )
    .unwrap();
    for m in METHODS {
        for adjust in [Adjust::Project, Adjust::None] {
            let o = Options {
                adjust,
                ..Options::with_method(m)
            };
            let est = estimate(&p, &o).unwrap();
            rows_sum_to_one(&est, &[]);
            for g in 0..2 {
                assert!(est.probability(g, 2).abs() < 1e-12, "{m}: {:?}", est.row(g));
            }
        }
    }
}

#[test]
fn a_single_mesa_gets_an_answer() {
    let p = Problem::new(2, 3, vec![5.0, 3.0, 2.0], vec![6.0, 4.0]).unwrap();
    for m in METHODS {
        let est = estimate(&p, &Options::with_method(m)).unwrap();
        rows_sum_to_one(&est, &[]);
    }
}

#[test]
fn a_single_voter_mesa_gets_an_answer() {
    let p = Problem::new(1, 2, vec![1.0, 0.0], vec![1.0]).unwrap();
    for m in METHODS {
        let est = estimate(&p, &Options::with_method(m)).unwrap();
        assert!((est.probability(0, 0) - 1.0).abs() < 1e-12, "{m}");
    }
}

#[test]
fn mismatched_mesas_are_used_by_mult_and_mvn_and_left_out_by_exact() {
    // Mesa 2 has 10 voters but 4 votes.
    let p = Problem::new(1, 2, vec![3.0, 1.0, 1.0, 3.0], vec![4.0, 10.0]).unwrap();
    assert_eq!(p.mismatched(), 1);
    let exact = estimate(&p, &Options::with_method(Method::Exact)).unwrap();
    assert!((exact.probability(0, 0) - 0.75).abs() < 1e-9);
    for m in [Method::Mult, Method::MvnPdf] {
        let est = estimate(&p, &Options::with_method(m)).unwrap();
        rows_sum_to_one(&est, &[]);
        assert!(
            est.probability(0, 0) < 0.75,
            "{m} should use the second mesa"
        );
    }
}

#[test]
fn exact_refuses_a_large_mesa_by_line() {
    // The mesas of a file "g,a,b,c\n2,1,1,0\n300,100,100,100\n", at lines 2 and 3.
    let problem = Problem::from_counts(1, 3, &[1, 1, 0, 100, 100, 100], &[2, 300])
        .unwrap()
        .with_lines(vec![2, 3]);
    let err = estimate(&problem, &Options::with_method(Method::Exact)).unwrap_err();
    assert!(
        matches!(err, Error::MesaTooLarge { line: Some(3), .. }),
        "{err}"
    );
    assert!(err.to_string().contains("line 3"), "{err}");
}

#[test]
fn invalid_problems_and_options_are_errors() {
    assert!(Problem::new(0, 2, vec![], vec![]).is_err());
    assert!(Problem::new(1, 1, vec![1.0], vec![1.0]).is_err());
    assert!(Problem::new(1, 2, vec![1.0, -1.0], vec![0.0]).is_err());
    assert!(Problem::new(1, 2, vec![1.0, 0.5], vec![1.0]).is_err());
    assert!(Problem::new(2, 2, vec![1.0, 1.0], vec![1.0]).is_err());
    let p = Problem::new(1, 2, vec![1.0, 1.0], vec![2.0]).unwrap();
    let o = Options {
        tolerance: f64::NAN,
        ..Options::default()
    };
    assert!(estimate(&p, &o).is_err());
    let o = Options {
        max_iterations: 0,
        ..Options::default()
    };
    assert!(estimate(&p, &o).is_err());
}

#[test]
fn each_invalid_input_has_its_own_error_in_the_domain_words() {
    use cifra_ei::{bootstrap, estimate_from, estimate_weighted, Bootstrap};
    let err = |r: Result<Problem, Error>| r.unwrap_err();
    assert!(matches!(
        err(Problem::new(0, 2, vec![], vec![])),
        Error::NoGroups
    ));
    assert!(matches!(
        err(Problem::new(1, 1, vec![1.0], vec![1.0])),
        Error::TooFewOptions(1)
    ));
    assert!(matches!(
        err(Problem::new(1, 2, vec![], vec![])),
        Error::NoMesas
    ));
    assert!(matches!(
        err(Problem::new(1, 2, vec![1.0, 2.0, 3.0], vec![1.0])),
        Error::RaggedVotes {
            counts: 3,
            options: 2
        }
    ));
    assert!(matches!(
        err(Problem::new(2, 2, vec![1.0, 1.0], vec![1.0])),
        Error::WrongLength {
            expected: 2,
            got: 1,
            ..
        }
    ));
    let e = err(Problem::new(1, 2, vec![1.0, 0.5], vec![1.0]));
    assert!(matches!(e, Error::NotACount(v) if v == 0.5), "{e}");
    assert_eq!(
        e.to_string(),
        "counts of votes and voters must be whole numbers, 0 or more, found 0.5"
    );

    assert_eq!(
        err(Problem::new(2, 2, vec![1.0, 1.0], vec![1.0])).to_string(),
        "voter counts (one per mesa and group): expected 2, got 1"
    );

    let p = Problem::new(1, 2, vec![1.0, 1.0], vec![2.0]).unwrap();
    let o = Options {
        tolerance: -1.0,
        ..Options::default()
    };
    let e = estimate(&p, &o).unwrap_err();
    assert!(matches!(e, Error::BadTolerance(t) if t == -1.0), "{e}");
    let o = Options {
        max_iterations: 0,
        ..Options::default()
    };
    assert!(matches!(
        estimate(&p, &o).unwrap_err(),
        Error::ZeroIterations
    ));
    assert!(matches!(
        estimate_weighted(&p, &Options::default(), &[1, 1]).unwrap_err(),
        Error::WrongLength {
            expected: 1,
            got: 2,
            ..
        }
    ));
    assert!(matches!(
        estimate_from(&p, &Options::default(), &[1.0]).unwrap_err(),
        Error::InvalidStart { cells: 2 }
    ));
    let config = Bootstrap {
        replicates: 1,
        seed: 1,
    };
    assert!(matches!(
        bootstrap(&p, &Options::default(), &config, &|| {}).unwrap_err(),
        Error::TooFewReplicates(1)
    ));
    assert!(matches!(
        "multi".parse::<Method>().unwrap_err(),
        Error::UnknownMethod(m) if m == "multi"
    ));
    // The library speaks of mesas and methods; flags are the command line's business.
    let large = Problem::from_counts(1, 2, &[500, 500], &[1000]).unwrap();
    let e = estimate(&large, &Options::with_method(Method::Exact)).unwrap_err();
    assert!(!e.to_string().contains("--"), "{e}");
}

#[test]
fn exact_matches_brute_force_on_a_tiny_mesa() {
    // One E-step from a fixed p, checked against direct enumeration of who voted what:
    // two groups of 1 and 2 voters, 2 options, votes (2, 1).
    let p0 = [0.7, 0.3, 0.4, 0.6];
    // Configurations (group-1 choice, group-2 votes for option 0):
    // g1→0, g2 one 0 one 1: P = .7 * 2*.4*.6 ; g1→1, g2 both 0: P = .3 * .4^2
    let a = 0.7 * 2.0 * 0.4 * 0.6;
    let b = 0.3 * 0.4 * 0.4;
    let q1_0 = a / (a + b);
    // One iteration of exact from p0 gives p[0][0] = q1_0 (group 1 has one voter here).
    let p = Problem::new(2, 2, vec![2.0, 1.0], vec![1.0, 2.0]).unwrap();
    let est = cifra_ei::estimate_from(
        &p,
        &Options {
            max_iterations: 1,
            // One plain E-step: no projection afterwards.
            adjust: Adjust::None,
            ..Options::with_method(Method::Exact)
        },
        &p0,
    )
    .unwrap();
    assert!(
        (est.probability(0, 0) - q1_0).abs() < 1e-12,
        "{} vs {q1_0}",
        est.probability(0, 0)
    );
}
