//! Whole-estimation timings on the real 46,606 mesas (read + EM), no framework:
//! `cargo bench -p cifra-ei` (set `EI_BENCH_RUNS` to change the number of runs, default 5).

use std::time::{Duration, Instant};

use cifra_ei::{estimate, Method, Options, Problem};
use cifra_results::mesas::{read_mesas, Dataset};
use cifra_results::source::open;
use rayon::prelude::*;

const MESAS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/cl-2021-presidential-r1-mesas.csv.gz"
);

fn names(s: &str) -> Vec<String> {
    s.split(',').map(str::to_string).collect()
}

/// The mesas, with each one's circunscripción, and their estimation problem.
fn read() -> (Dataset, Problem) {
    let groups =
        names("age_18_19,age_20_29,age_30_39,age_40_49,age_50_59,age_60_69,age_70_79,age_80_plus");
    let options = names("boric,kast,provoste,sichel,artes,meo,parisi,blank,null");
    let data = read_mesas(
        open(MESAS).expect("data file"),
        MESAS,
        &groups,
        &options,
        Some("circunscripcion"),
    )
    .expect("read");
    let problem = Problem::from_counts(groups.len(), options.len(), &data.votes, &data.voters)
        .expect("a problem")
        .with_lines(data.lines.clone());
    (data, problem)
}

fn best_of(runs: usize, mut f: impl FnMut() -> String) -> (Duration, String) {
    let mut best = Duration::MAX;
    let mut note = String::new();
    for _ in 0..runs {
        let t = Instant::now();
        note = f();
        best = best.min(t.elapsed());
    }
    (best, note)
}

fn main() {
    let runs: usize = std::env::var("EI_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let (t, _) = best_of(runs, || {
        read();
        String::new()
    });
    println!(
        "read + parse gzip CSV      {:>8.1} ms",
        t.as_secs_f64() * 1e3
    );
    let (data, problem) = read();
    for method in [Method::Mult, Method::MvnPdf] {
        let (t, note) = best_of(
            if method == Method::Mult {
                runs
            } else {
                1.max(runs / 5)
            },
            || {
                let e = estimate(&problem, &Options::with_method(method)).unwrap();
                format!("{} iterations", e.iterations)
            },
        );
        println!(
            "national {:<8}          {:>8.1} ms  ({note})",
            method.name(),
            t.as_secs_f64() * 1e3
        );
    }
    let territories = data.territories();
    let (t, note) = best_of(runs, || {
        let its: usize = territories
            .par_iter()
            .map(|t| {
                estimate(&problem.subset(&t.mesas), &Options::default())
                    .unwrap()
                    .iterations
            })
            .sum();
        format!(
            "{} territories, {its} iterations in total",
            territories.len()
        )
    });
    println!(
        "679 circunscripciones mult {:>8.1} ms  ({note})",
        t.as_secs_f64() * 1e3
    );
}
