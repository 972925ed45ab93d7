//! The projection's recompute time on the shipped 2021 first round (46,639 mesas), no
//! framework: `cargo bench -p cifra-night` (set `PROJECTION_BENCH_RUNS`, default 20).
//! Prints the median of: building the count from every counted acta (what a verifier
//! does at a log size), the projection, and the call, at 10 %, 50 % and 90 % counted.

use cifra_night::projection::{call::call, project, Count, Design};
use std::time::{Duration, Instant};

const MESAS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/cl-2021-presidential-r1-mesas-electors.csv.gz"
);

fn main() {
    let bytes = cifra_results::read_source(MESAS).expect("data file");
    let options: Vec<String> = "eduardo_artes,franco_aldo_parisi,gabriel_boric,jose_antonio_kast,marco_enriquez_ominami,sebastian_sichel,yasna_provoste,blank,null"
        .split(',')
        .map(str::to_string)
        .collect();
    let strings = |s: &str| s.split(',').map(str::to_string).collect::<Vec<_>>();
    let list = cifra_results::read_mesa_list(
        &bytes,
        MESAS,
        &strings("circ_electoral,local,mesa"),
        &options,
        Some(&strings("region,comuna,local")),
    )
    .expect("mesas");
    let design = Design::new(
        &options,
        "cl-presidential",
        list.mesas
            .iter()
            .map(|m| (m.territory.as_slice(), m.electors)),
    )
    .expect("design");
    let votes: Vec<Vec<u64>> = list
        .mesas
        .iter()
        .map(|m| m.votes.iter().map(|&v| u64::from(v)).collect())
        .collect();
    let runs: usize = std::env::var("PROJECTION_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20);
    println!(
        "{} mesas, {:?} places (polling places, comunas, regions)",
        design.mesas(),
        design.places()
    );
    for percent in [10, 50, 90] {
        // Every seventh-ish mesa in a fixed stride: a spread-out prefix.
        let n = design.mesas() * percent / 100;
        let counted: Vec<usize> = (0..design.mesas())
            .map(|i| (i * 7919) % design.mesas())
            .take(n)
            .collect();
        let (mut build, mut proj, mut calls) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            let t = Instant::now();
            let count = Count::of(&design, counted.iter().map(|&m| (m, votes[m].as_slice())));
            build.push(t.elapsed());
            let t = Instant::now();
            let p = project(&design, &count, 0.9).expect("projection");
            proj.push(t.elapsed());
            let t = Instant::now();
            let c = call(&design, &count);
            calls.push(t.elapsed());
            std::hint::black_box((p, c));
        }
        let median = |mut v: Vec<Duration>| {
            v.sort();
            v[v.len() / 2]
        };
        let (b, p, c) = (median(build), median(proj), median(calls));
        println!(
            "{percent:>3} % counted: count {b:?}, projection {p:?}, call {c:?}; total {:?}",
            b + p + c
        );
    }
}
