//! Golden tests: official outcomes of real Chilean elections (SERVEL/TRICEL), reproduced
//! from the shipped result files. The `elected` column is the official outcome; the
//! engine never sees it (the reader ignores unknown columns), only these tests read it.

use cifra_core::{Lottery, Outcome, System};
use cifra_results::read_results;
use std::collections::{BTreeMap, BTreeSet};

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/../../data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// District → the candidates proclaimed elected, from the file's `elected` column.
fn official(bytes: &[u8]) -> BTreeMap<String, BTreeSet<String>> {
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name:?} in {header:?}"))
    };
    let (district, candidate, is_elected) =
        (column("district"), column("candidate"), column("elected"));
    let mut elected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in reader.records() {
        let row = row.unwrap();
        if &row[is_elected] == "yes" {
            elected
                .entry(row[district].to_string())
                .or_default()
                .insert(row[candidate].to_string());
        }
    }
    elected
}

/// District → the candidates the engine elects.
fn decided(system: System, bytes: &[u8]) -> BTreeMap<String, BTreeSet<String>> {
    read_results("golden", bytes)
        .unwrap()
        .iter()
        .map(|contest| {
            let decision = system.decide(contest, None, &Lottery::default()).unwrap();
            assert!(
                decision.lotteries.is_empty(),
                "{}: no ties in real data",
                contest.district
            );
            let names = decision.elected_names.into_iter().collect();
            (contest.district.clone(), names)
        })
        .collect()
}

#[test]
fn binomial_reproduces_all_120_seats_of_the_1989_chamber() {
    let bytes = data("cl-1989-deputies.csv");
    let official = official(&bytes);
    let decided = decided(System::ClBinomial, &bytes);
    assert_eq!(decided.len(), 60, "60 districts");
    assert_eq!(official.values().map(BTreeSet::len).sum::<usize>(), 120);
    assert_eq!(decided, official);
}

/// District → list → votes, summed straight from the file's rows with the csv crate (not
/// through the reader under test).
fn list_totals(bytes: &[u8]) -> BTreeMap<String, BTreeMap<String, u64>> {
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (district, kind, list, candidate, votes) = (
        col("district"),
        col("kind"),
        col("list"),
        col("candidate"),
        col("votes"),
    );
    let mut totals: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for row in reader.records() {
        let row = row.unwrap();
        if &row[kind] != "candidate" {
            continue;
        }
        // A candidate outside any list is a list of their own.
        let key = if row[list].is_empty() {
            format!("alone: {}", &row[candidate])
        } else {
            row[list].to_string()
        };
        *totals
            .entry(row[district].to_string())
            .or_default()
            .entry(key)
            .or_default() += row[votes].parse::<u64>().unwrap();
    }
    totals
}

// Ley 18.700 art. 109 bis: a doblaje needs the first list's votes to exceed double the
// second's. Counted independently from the file's list totals with that strict rule; the
// engine's doblajes must be exactly those districts (and the official result holds them
// too: `binomial_reproduces_all_120_seats_of_the_1989_chamber`).
#[test]
fn binomial_1989_doblajes_are_the_districts_whose_first_list_exceeds_double() {
    let bytes = data("cl-1989-deputies.csv");
    let expected: Vec<String> = list_totals(&bytes)
        .into_iter()
        .filter(|(_, lists)| {
            let mut votes: Vec<u64> = lists.values().copied().collect();
            votes.sort_unstable_by(|a, b| b.cmp(a));
            votes[0] > 2 * votes.get(1).copied().unwrap_or(0)
        })
        .map(|(district, _)| district)
        .collect();
    let contests = read_results("golden", &bytes).unwrap();
    let mut doblajes: Vec<String> = contests
        .iter()
        .filter(|c| {
            let d = System::ClBinomial
                .decide(c, None, &Lottery::default())
                .unwrap();
            matches!(d.basis, cifra_core::Basis::Doblaje { .. })
        })
        .map(|c| c.district.clone())
        .collect();
    doblajes.sort();
    let mut expected = expected;
    expected.sort();
    assert_eq!(doblajes, expected);
    assert_eq!(doblajes.len(), 11, "{doblajes:?}");
}

#[test]
fn presidential_2017_first_round_goes_to_a_runoff_pinera_guillier() {
    let contests = read_results("golden", &data("cl-2017-presidential-r1.csv")).unwrap();
    assert_eq!(contests.len(), 1);
    let contest = &contests[0];
    let decision = System::ClPresidential
        .decide(contest, None, &Lottery::default())
        .unwrap();
    assert_eq!(decision.outcome, Outcome::Runoff);
    assert_eq!(
        decision.runoff_names(contest),
        Some(["Sebastian Piñera Echenique", "Alejandro  Guillier Alvarez"])
    );
    let [first, _] = decision.runoff.unwrap();
    let share = contest.candidates[first].votes as f64 / contest.valid_votes() as f64;
    assert!(
        (share - 0.366).abs() < 0.001,
        "Piñera about 36.6 %: {share}"
    );
    assert!(decision.elected.is_empty());
}

/// Comunas whose official winner is not the most voted candidate in the file (a ruling
/// after the count, or a data error): named by the data's README.
const MAYOR_EXCEPTIONS: [&str; 2] = ["Antartica", "Traiguen"];

#[test]
fn mayor_reproduces_every_2012_comuna_but_the_two_named_exceptions() {
    let bytes = data("cl-2012-mayors.csv");
    let official = official(&bytes);
    let decided = decided(System::ClMayor, &bytes);
    assert_eq!(decided.len(), 346);
    let differing: Vec<&str> = decided
        .iter()
        .filter(|(district, elected)| official.get(*district) != Some(elected))
        .map(|(district, _)| district.as_str())
        .collect();
    assert_eq!(
        differing, MAYOR_EXCEPTIONS,
        "exactly the named exceptions differ"
    );
}
