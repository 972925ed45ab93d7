//! Golden tests on the rest of Chile's ballots: the 2024 municipal councils and regional
//! councils (SERVEL) and the 2021 Constitutional Convention (TRICEL), from the shipped
//! files. The `elected` column is the official outcome; only these tests read it (by
//! column name, with the csv crate), the engine never sees it. Every contest must match
//! but the exceptions named here, each with the reason the data's README gives.

use cifra_core::Contest;
use cifra_results::{read_results, read_seats_file, Seats};
use std::collections::{BTreeMap, BTreeSet};

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/../../data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The contests of `name`.csv and the seats of `name`-seats.csv.
fn load(name: &str) -> (Vec<Contest>, Seats) {
    let file = format!("{name}.csv");
    let contests = read_results(&file, &data(&file)).unwrap();
    let seats_file = format!("{name}-seats.csv");
    let seats = read_seats_file(&seats_file, &data(&seats_file)).unwrap();
    seats
        .check_districts(contests.iter().map(|c| c.district.as_str()))
        .unwrap();
    (contests, seats)
}

/// The seats of every contest, summed.
fn total_seats(contests: &[Contest], seats: &Seats) -> u32 {
    contests
        .iter()
        .map(|c| seats.for_district(&c.district).unwrap().unwrap())
        .sum()
}

/// One column of the file, by name, for every row: the rows as maps column → field.
fn rows(bytes: &[u8]) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .zip(r.iter())
                .map(|(h, f)| (h.to_string(), f.to_string()))
                .collect()
        })
        .collect()
}

/// District → who was proclaimed: the candidates whose `elected` is `yes`, and for the
/// reserved seats the alternates of the candidates whose `elected` is `alternate` (their
/// alternate took the seat through the parity correction).
fn official(bytes: &[u8]) -> BTreeMap<String, BTreeSet<String>> {
    let mut elected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in rows(bytes) {
        let who = match row["elected"].as_str() {
            "yes" => row["candidate"].clone(),
            "alternate" => row["alternate"].clone(),
            _ => continue,
        };
        elected
            .entry(row["district"].clone())
            .or_default()
            .insert(who);
    }
    elected
}

// The reader sums every file to the totals its README gives, and every contest has its
// seats (and, for the reserved seats, its registered voters).
#[test]
fn the_files_read_to_the_totals_of_their_readme() {
    // (file, contests, seats, candidates' votes, blank, null), from data/README.md.
    let expected = [
        ("cl-2024-councils", 82, 534, 2_281_072, 273_302, 415_600),
        (
            "cl-2024-regional-councils",
            33,
            136,
            5_969_805,
            846_718,
            1_195_247,
        ),
        ("cl-2021-convention", 14, 76, 3_746_521, 106_748, 102_796),
    ];
    for (name, count, seat_total, valid, blank, null) in expected {
        let (contests, seats) = load(name);
        assert_eq!(contests.len(), count, "{name}");
        assert_eq!(total_seats(&contests, &seats), seat_total, "{name}");
        let sum = |f: fn(&Contest) -> u64| contests.iter().map(f).sum::<u64>();
        assert_eq!(
            (sum(Contest::valid_votes), sum(|c| c.blank), sum(|c| c.null)),
            (valid, blank, null),
            "{name}"
        );
    }
    let (peoples, seats) = load("cl-2021-convention-indigenous");
    assert_eq!(peoples.len(), 9);
    assert_eq!(total_seats(&peoples, &seats), 10);
    assert!(peoples
        .iter()
        .all(|p| seats.registered_for(&p.district).is_some()));
    assert!(peoples
        .iter()
        .flat_map(|p| &p.candidates)
        .all(|c| c.alternate.is_some() && c.sex.is_some()));
    // Official outcomes: as many proclaimed as seats.
    for name in [
        "cl-2024-councils",
        "cl-2024-regional-councils",
        "cl-2021-convention",
        "cl-2021-convention-indigenous",
    ] {
        let proclaimed: usize = official(&data(&format!("{name}.csv")))
            .values()
            .map(BTreeSet::len)
            .sum();
        let (contests, seats) = load(name);
        assert_eq!(proclaimed as u32, total_seats(&contests, &seats), "{name}");
    }
}

// The sources' party spellings are read as the law counts them: an independent on a
// party's slot with the party, TRICEL's spellings of one party as one party.
#[test]
fn parties_are_read_as_the_law_counts_them() {
    let (districts, _) = load("cl-2021-convention");
    let parties: BTreeSet<&str> = districts
        .iter()
        .flat_map(|d| &d.candidates)
        .filter_map(|c| c.party())
        .collect();
    for written in [
        "IND",
        "INDEPENDIENTE",
        "CONVER.",
        "CONVERG",
        "IND-RN",
        "REPUBL.",
    ] {
        assert!(!parties.contains(written), "{written} is normalised");
    }
    assert!(parties.contains("CONVER") && parties.contains("RN"));
    let (comunas, _) = load("cl-2024-councils");
    assert!(comunas
        .iter()
        .flat_map(|c| &c.candidates)
        .all(|c| c.party() != Some("INDEPENDIENTES")));
}
