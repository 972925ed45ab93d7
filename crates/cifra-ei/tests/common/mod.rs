//! Shared by the real-data tests: the 2021 mesas and fastei's estimates, from the project.

#![allow(dead_code)]

use cifra_ei::Problem;
use cifra_results::mesas::read_mesas;
use cifra_results::source::open;

pub const MESAS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/cl-2021-presidential-r1-mesas.csv.gz"
);
pub const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/reference");

pub const GROUPS: [&str; 8] = [
    "age_18_19",
    "age_20_29",
    "age_30_39",
    "age_40_49",
    "age_50_59",
    "age_60_69",
    "age_70_79",
    "age_80_plus",
];
pub const OPTIONS: [&str; 9] = [
    "boric", "kast", "provoste", "sichel", "artes", "meo", "parisi", "blank", "null",
];

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The 46,606 mesas, 8 age groups, 9 options.
pub fn national() -> Problem {
    let file = open(MESAS).expect("the project ships data/cl-2021-presidential-r1-mesas.csv.gz");
    let data = read_mesas(file, "mesas", &names(&GROUPS), &names(&OPTIONS), None).unwrap();
    Problem::from_counts(GROUPS.len(), OPTIONS.len(), &data.votes, &data.voters)
        .unwrap()
        .with_lines(data.lines)
}

/// fastei's estimates, rows = groups, columns = options, as in [`GROUPS`] and [`OPTIONS`].
pub fn reference(name: &str) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(format!("{REFERENCE}/{name}")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap()
        .split(',')
        .map(|s| s.trim_matches('"'))
        .collect();
    assert_eq!(&header[1..], &OPTIONS);
    lines
        .zip(GROUPS)
        .map(|(line, group)| {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(fields[0].trim_matches('"'), group);
            fields[1..].iter().map(|v| v.parse().unwrap()).collect()
        })
        .collect()
}

/// Largest |ours − reference| over all cells, and where.
pub fn max_abs_diff(est: &cifra_ei::Estimate, reference: &[Vec<f64>]) -> (f64, usize, usize) {
    let mut worst = (0.0, 0, 0);
    for (g, row) in reference.iter().enumerate() {
        for (c, r) in row.iter().enumerate() {
            let d = (est.probability(g, c) - r).abs();
            if d > worst.0 {
                worst = (d, g, c);
            }
        }
    }
    worst
}
