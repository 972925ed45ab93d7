//! The projection and its calls: mathematical calls against every (or the adversarial)
//! completion of hand-made and real elections, calibration on simulated elections whose
//! truth is known, determinism of the count and of the backtest at any thread count.

use cifra_night::backtest::{self, Order, Replay, ReplayMesa};
use cifra_night::projection::call::{
    call, math_call, outcome_of, projection_call, CallBy, Outcome,
};
use cifra_night::projection::{project, Count, Design};

fn strings(s: &str) -> Vec<String> {
    s.split(',').map(str::to_string).collect()
}

/// A small deterministic generator for the simulations (SplitMix64).
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform().max(1e-300), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// Every way of casting up to `electors` ballots among `k` options (the rest abstain).
fn completions(electors: u64, k: usize) -> Vec<Vec<u64>> {
    fn go(left: u64, k: usize, prefix: &mut Vec<u64>, out: &mut Vec<Vec<u64>>) {
        if prefix.len() == k {
            out.push(prefix.clone());
            return;
        }
        for v in 0..=left {
            prefix.push(v);
            go(left - v, k, prefix, out);
            prefix.pop();
        }
    }
    let mut out = Vec::new();
    go(electors, k, &mut Vec::new(), &mut out);
    out
}

/// Small elections of three candidates and blank over `mesas` mesas of few electors,
/// `uncounted` of them not counted: whenever mathematics calls, no completion of the
/// uncounted mesas changes the outcome; whenever it does not (and the count has an
/// outcome), some completion changes it or ties it.
#[test]
fn mathematical_calls_hold_against_every_completion_of_small_elections() {
    let options = strings("a,b,c,blank");
    let mut gen = Gen(7);
    let (mut called, mut not_called) = (0, 0);
    for _ in 0..300 {
        // Counted mesas of 5 to 12 electors, the two uncounted of 1 to 4.
        let mesas = 6;
        let electors: Vec<u64> = (0..mesas)
            .map(|m| {
                if m < mesas - 2 {
                    5 + gen.below(8)
                } else {
                    1 + gen.below(4)
                }
            })
            .collect();
        let territory = [strings("R,C,L")];
        let design = Design::new(
            &options,
            if gen.below(2) == 0 {
                "cl-presidential"
            } else {
                "cl-mayor"
            },
            (0..mesas).map(|m| (territory[0].as_slice(), Some(electors[m]))),
        )
        .unwrap();
        // Counted mesas: a random split of their electors, with a lean to `a`.
        let uncounted = 2;
        let mut count = Count::new(&design);
        let mut counted_votes = vec![0u64; 4];
        for (m, &e) in electors.iter().enumerate().take(mesas - uncounted) {
            let mut v = vec![0u64; 4];
            for _ in 0..e {
                let r = gen.below(10);
                v[match r {
                    0..=4 => 0,
                    5..=7 => 1,
                    8 => 2,
                    _ => 3,
                }] += 1;
            }
            counted_votes.iter_mut().zip(&v).for_each(|(t, x)| *t += x);
            count.add(&design, m, &v);
        }
        let as_f = |v: &[u64]| v.iter().map(|&x| x as f64).collect::<Vec<_>>();
        let now = outcome_of(&design, &as_f(&counted_votes));
        let first = completions(electors[mesas - 2], 4);
        let second = completions(electors[mesas - 1], 4);
        let mut changes = false;
        for x in &first {
            for y in &second {
                let total: Vec<u64> = (0..4).map(|j| counted_votes[j] + x[j] + y[j]).collect();
                changes |= outcome_of(&design, &as_f(&total)) != now;
            }
        }
        match math_call(&design, &count) {
            Some(c) => {
                called += 1;
                assert_eq!(Some(&c.outcome), now.as_ref());
                assert_eq!(c.by, CallBy::Mathematics);
                assert!(
                    !changes,
                    "a completion changes a mathematical call: {counted_votes:?} {electors:?}"
                );
            }
            None if now.is_some() => {
                not_called += 1;
                assert!(
                    changes,
                    "no call, but no completion changes {now:?}: {counted_votes:?} {electors:?}"
                );
            }
            None => {}
        }
    }
    // Both branches were exercised.
    assert!(
        called > 20 && not_called > 20,
        "{called} called, {not_called} not"
    );
}

#[test]
fn without_electors_mathematics_cannot_call() {
    let options = strings("a,b");
    let t = strings("R");
    let design = Design::new(
        &options,
        "cl-presidential",
        (0..3).map(|_| (t.as_slice(), None)),
    )
    .unwrap();
    assert!(!design.knows_electors);
    // Two of three mesas counted, all for `a`: no bound on the third mesa's ballots.
    let count = Count::of(&design, [(0, &[100u64, 0][..]), (1, &[100, 0][..])]);
    assert_eq!(math_call(&design, &count), None);
}

fn shipped() -> (Vec<String>, Vec<ReplayMesa>) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/cl-2021-presidential-r1-mesas-electors.csv.gz"
    );
    let bytes = cifra_results::read_source(path).unwrap();
    let options = backtest::default_options(&bytes, path).unwrap();
    let list = cifra_results::read_mesa_list(
        &bytes,
        path,
        &strings("circ_electoral,local,mesa"),
        &options,
        Some(&strings("region,comuna,local")),
    )
    .unwrap();
    let mesas = list
        .mesas
        .into_iter()
        .map(|m| {
            (
                m.territory,
                m.electors,
                m.votes.into_iter().map(u64::from).collect(),
            )
        })
        .collect();
    (options, mesas)
}

/// The 2021 first round: with 97 % of the mesas counted the runoff Boric–Kast is decided
/// by mathematics, and giving every uncounted elector to the third (Parisi) or to Kast
/// alone does not change it; at 50 % it is not.
#[test]
fn mathematical_calls_on_the_2021_first_round_survive_the_adversarial_completion() {
    let (options, mesas) = shipped();
    assert_eq!(options.len(), 9, "{options:?}");
    let design = Design::new(
        &options,
        "cl-presidential",
        mesas.iter().map(|(t, e, _)| (t.as_slice(), *e)),
    )
    .unwrap();
    let n = mesas.len();
    // A spread-out prefix: a fixed stride through the file.
    let order: Vec<usize> = (0..n).map(|i| (i * 7919) % n).collect();
    let count_of = |k: usize| {
        Count::of(
            &design,
            order[..k].iter().map(|&m| (m, mesas[m].2.as_slice())),
        )
    };
    let half = count_of(n / 2);
    assert_eq!(math_call(&design, &half), None);
    let most = count_of(n * 97 / 100);
    let c = math_call(&design, &most).expect("a mathematical call at 97 %");
    assert_eq!(
        c.outcome,
        Outcome::Runoff("gabriel_boric".into(), "jose_antonio_kast".into())
    );
    let idx = |name: &str| options.iter().position(|o| o == name).unwrap();
    for adversary in ["franco_aldo_parisi", "jose_antonio_kast", "yasna_provoste"] {
        let mut total: Vec<f64> = (0..options.len()).map(|j| most.counted_votes(j)).collect();
        total[idx(adversary)] += most.uncounted_size();
        assert_eq!(
            outcome_of(&design, &total),
            Some(c.outcome.clone()),
            "{adversary}"
        );
    }
    // The projection has called it long before.
    let tenth = count_of(n / 10);
    let p = projection_call(&design, &tenth).expect("a projected call at 10 %");
    assert_eq!(p.outcome, c.outcome);
    assert_eq!(call(&design, &tenth).unwrap().by, CallBy::Projection);
}

/// A simulated election: regions > comunas > polling places > mesas, each level shifting
/// the candidates' log-odds, mesas' votes drawn around their rates. The truth is known.
fn simulate(gen: &mut Gen) -> (Vec<String>, Vec<ReplayMesa>) {
    let options = strings("a,b,c,blank,null");
    let base = [0.0, -0.2, -0.9, -3.0, -3.5];
    let mut mesas = Vec::new();
    for r in 0..6 {
        let re: Vec<f64> = (0..5).map(|_| 0.25 * gen.normal()).collect();
        for c in 0..(4 + gen.below(6)) {
            let ce: Vec<f64> = (0..5).map(|_| 0.15 * gen.normal()).collect();
            for l in 0..(2 + gen.below(5)) {
                let le: Vec<f64> = (0..5).map(|_| 0.1 * gen.normal()).collect();
                let turnout = 0.45 + 0.15 * gen.uniform();
                for _ in 0..(2 + gen.below(8)) {
                    let electors = 150 + gen.below(250);
                    let w: Vec<f64> = (0..5)
                        .map(|j| (base[j] + re[j] + ce[j] + le[j] + 0.05 * gen.normal()).exp())
                        .collect();
                    let sum: f64 = w.iter().sum();
                    let mut votes = vec![0u64; 5];
                    for _ in 0..electors {
                        if gen.uniform() < turnout {
                            let mut u = gen.uniform() * sum;
                            let mut j = 0;
                            while j < 4 && u >= w[j] {
                                u -= w[j];
                                j += 1;
                            }
                            votes[j] += 1;
                        }
                    }
                    mesas.push((
                        vec![
                            format!("R{r}"),
                            format!("C{r}.{c}"),
                            format!("L{r}.{c}.{l}"),
                        ],
                        Some(electors),
                        votes,
                    ));
                }
            }
        }
    }
    (options, mesas)
}

/// Over many simulated elections and random orders, the 90 % intervals at 10, 25 and
/// 50 % counted hold the true final share in 80 to 99 % of the (election, candidate)
/// pairs, and the projection beats the naive count under a region-paced order.
#[test]
fn ninety_percent_intervals_are_calibrated_on_simulated_elections() {
    let mut gen = Gen(2026);
    let (mut covered, mut pairs) = (0usize, 0usize);
    let (mut err, mut naive_err) = (0.0, 0.0);
    for sim in 0..60 {
        let (options, mesas) = simulate(&mut gen);
        let replay = Replay::new(&options, "cl-presidential", &mesas).unwrap();
        let order = replay.order(
            if sim % 2 == 0 {
                &Order::Random
            } else {
                &Order::RegionPace
            },
            sim,
        );
        let design = replay.design();
        let truth: Vec<f64> = {
            let k = options.len();
            let t: Vec<f64> = (0..k)
                .map(|j| mesas.iter().map(|m| m.2[j] as f64).sum())
                .collect();
            let valid: f64 = design.valid.iter().map(|&j| t[j]).sum();
            design.valid.iter().map(|&j| t[j] / valid).collect()
        };
        for fraction in [0.10, 0.25, 0.50] {
            let n = (fraction * mesas.len() as f64) as usize;
            let count = Count::of(
                design,
                order[..n].iter().map(|&m| (m, mesas[m].2.as_slice())),
            );
            let p = project(design, &count, 0.9).unwrap();
            let naive_valid: f64 = design.valid.iter().map(|&j| count.counted_votes(j)).sum();
            for (i, o) in p.options.iter().enumerate() {
                pairs += 1;
                covered += usize::from(o.low <= truth[i] && truth[i] <= o.high);
                err += (o.share - truth[i]).abs();
                naive_err += (count.counted_votes(design.valid[i]) / naive_valid - truth[i]).abs();
            }
        }
    }
    let coverage = covered as f64 / pairs as f64;
    eprintln!("coverage {coverage:.3} over {pairs} pairs; error {err:.3} vs naive {naive_err:.3}");
    assert!((0.80..=0.99).contains(&coverage), "coverage {coverage}");
    assert!(
        err < naive_err,
        "projection error {err} vs naive {naive_err}"
    );
}

/// The same counted mesas give the same count (exact integers) and the same projection in
/// whatever order they were added, with corrections taken out and put back; the backtest
/// gives the same report on one thread and on two.
#[test]
fn the_projection_and_the_backtest_are_deterministic() {
    let mut gen = Gen(99);
    let (options, mesas) = simulate(&mut gen);
    let replay = Replay::new(&options, "cl-presidential", &mesas).unwrap();
    let design = replay.design();
    let order = replay.order(&Order::Random, 5);
    let prefix = &order[..mesas.len() / 3];
    let forward = Count::of(design, prefix.iter().map(|&m| (m, mesas[m].2.as_slice())));
    let mut backward = Count::new(design);
    for &m in prefix.iter().rev() {
        // A wrong acta first, then its correction.
        let wrong: Vec<u64> = mesas[m].2.iter().map(|v| v + 3).collect();
        backward.add(design, m, &wrong);
        backward.remove(design, m, &wrong);
        backward.add(design, m, &mesas[m].2);
    }
    assert_eq!(forward, backward);
    let a = project(design, &forward, 0.9).unwrap();
    let b = project(design, &backward, 0.9).unwrap();
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    assert_eq!(a.mesas_counted, prefix.len() as u64);

    let options = backtest::Options {
        order: Order::RegionPace,
        runs: 6,
        seed: 3,
        level: 0.9,
        contest: "sim".into(),
    };
    let in_pool = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| backtest::run(&replay, &options).unwrap())
    };
    let one = in_pool(1);
    assert_eq!(one, in_pool(2));
    assert_eq!(one.checkpoints.len(), 6);
    assert_eq!(backtest::json(&one), backtest::json(&in_pool(2)));
}

#[test]
fn an_arrival_file_is_read_with_errors_that_name_the_line() {
    let good = "snapshot_time,comuna,mesas_escrutadas,mesas_total\n2025-11-16 18:00:00,A,0,10\n2025-11-16 19:00:00,A,5,10\n2025-11-16 20:00:00,A,10,10\n";
    assert!(backtest::Arrival::parse("night.csv", good).is_ok());
    let bad = good.replace("19:00:00,A,5", "19:00:00,A,five");
    assert_eq!(
        backtest::Arrival::parse("night.csv", &bad)
            .unwrap_err()
            .to_string(),
        "night.csv: line 3: mesas_escrutadas \"five\" is not a count"
    );
    let no_column = "time,comuna\n";
    assert!(backtest::Arrival::parse("n.csv", no_column)
        .unwrap_err()
        .to_string()
        .starts_with("n.csv: no column snapshot_time or snapshot_local_time"));
}

/// The target: a two-candidate race with a ten-point margin is called by
/// projection before 20 % counted under `region-pace`, and never wrongly. The race is the
/// 2021 first round's mesas regrouped: Kast, Sichel, Parisi and Artés against Boric,
/// Provoste and Enríquez-Ominami (55.1 % to 44.9 % of valid votes).
#[test]
fn a_ten_point_two_candidate_race_is_called_before_a_fifth_is_counted() {
    let (options, mesas) = shipped();
    let idx = |name: &str| options.iter().position(|o| o == name).unwrap();
    let right = [
        "jose_antonio_kast",
        "sebastian_sichel",
        "franco_aldo_parisi",
        "eduardo_artes",
    ]
    .map(idx);
    let left = ["gabriel_boric", "yasna_provoste", "marco_enriquez_ominami"].map(idx);
    let (blank, null) = (idx("blank"), idx("null"));
    let two: Vec<ReplayMesa> = mesas
        .into_iter()
        .map(|(t, e, v)| {
            let sum = |group: &[usize]| group.iter().map(|&j| v[j]).sum::<u64>();
            (t, e, vec![sum(&right), sum(&left), v[blank], v[null]])
        })
        .collect();
    let options = strings("right,left,blank,null");
    let replay = Replay::new(&options, "cl-presidential", &two).unwrap();
    assert_eq!(
        replay.final_outcome(),
        Some(&Outcome::Winner("right".into()))
    );
    let report = backtest::run(
        &replay,
        &backtest::Options {
            order: Order::RegionPace,
            runs: 50,
            seed: 1,
            level: 0.9,
            contest: "two".into(),
        },
    )
    .unwrap();
    eprintln!("{}", backtest::text(&report));
    assert_eq!(report.calls.made, 50);
    assert_eq!(report.calls.wrong, 0);
    assert!(report.checkpoints.iter().all(|c| c.wrong_calls == 0));
    let median = report.calls.median_counted_at_call.unwrap();
    assert!(median < 0.20, "median counted at call {median}");
}
