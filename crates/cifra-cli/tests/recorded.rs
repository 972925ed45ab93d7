//! The output of `cifra tally` and `cifra ei` is a contract: these tests run the binary on
//! the real data and compare with outputs recorded (in `tests/recorded/`, gzipped) by the
//! binary as it was before the libraries moved out of `cifra-cli`. JSON and CSV must be
//! the same value for value; the only differences allowed are the ones a defect fix made on
//! purpose, and each is named here.

use assert_cmd::Command;
use flate2::read::GzDecoder;
use serde_json::Value;
use std::io::Read;

const MESAS: &str = "cl-2021-presidential-r1-mesas.csv.gz";
const AGES: &str =
    "age_18_19,age_20_29,age_30_39,age_40_49,age_50_59,age_60_69,age_70_79,age_80_plus";
const OPTIONS: &str = "boric,kast,provoste,sichel,artes,meo,parisi,blank,null";

/// (recording, system, seats, data file): every `cifra tally` recording.
const TALLIES: [(&str, &str, Option<&str>, &str); 11] = [
    ("1989-binomial", "cl-binomial", None, "cl-1989-deputies.csv"),
    (
        "1989-cl-dhondt-3",
        "cl-dhondt",
        Some("3"),
        "cl-1989-deputies.csv",
    ),
    ("1989-dhondt-2", "dhondt", Some("2"), "cl-1989-deputies.csv"),
    (
        "1989-sainte-lague-4",
        "sainte-lague",
        Some("4"),
        "cl-1989-deputies.csv",
    ),
    ("1989-hare-3", "hare", Some("3"), "cl-1989-deputies.csv"),
    ("1989-droop-3", "droop", Some("3"), "cl-1989-deputies.csv"),
    (
        "1989-plurality-2",
        "plurality",
        Some("2"),
        "cl-1989-deputies.csv",
    ),
    (
        "2017-presidential",
        "cl-presidential",
        None,
        "cl-2017-presidential-r1.csv",
    ),
    (
        "2017-presidential-1925",
        "cl-presidential-1925",
        None,
        "cl-2017-presidential-r1.csv",
    ),
    (
        "2017-two-round",
        "two-round",
        None,
        "cl-2017-presidential-r1.csv",
    ),
    ("2012-mayor", "cl-mayor", None, "cl-2012-mayors.csv"),
];

fn data(name: &str) -> String {
    format!("{}/../../data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn recorded(name: &str) -> String {
    let path = format!("{}/tests/recorded/{name}.gz", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut text = String::new();
    GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    text
}

fn run(args: &[&str]) -> String {
    let out = Command::cargo_bin("cifra")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "cifra {args:?} failed: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

fn tally(system: &str, seats: Option<&str>, file: &str, format: &str) -> String {
    let file = data(file);
    let mut args = vec!["tally", "--system", system, "--format", format];
    if let Some(seats) = seats {
        args.extend(["--seats", seats]);
    }
    args.push(&file);
    run(&args)
}

/// The explanation recorded before, as the defect fixes reworded it on purpose: the
/// binomial rule is "more than twice" (Ley 18.700 art. 109 bis: "excediere el doble"), not
/// "at least"/"double"; no "(s)" plurals. Nothing else may change.
fn reworded(old: &str, seats: u64) -> String {
    let most_voted = if seats == 1 {
        "The most voted candidate wins.".to_string()
    } else {
        format!("The {seats} most voted candidates win.")
    };
    old.replace(
        "has at least twice the votes of",
        "has more than twice the votes of",
    )
    .replace(
        "does not double",
        "does not have more than twice the votes of",
    )
    .replace("The most voted candidate(s) win.", &most_voted)
    .replace(" 1 seat(s) stay unfilled", " 1 seat stays unfilled")
    .replace(" seat(s) stay unfilled", " seats stay unfilled")
}

/// The D'Hondt explanation now names the lists that ran out of candidates (the old one
/// said every list won a seat per quotient at or above the cifra, which a capped list did
/// not). Returns the explanation without that clause, after checking that the lists it
/// names are exactly those holding one seat per candidate and at least one seat.
fn without_cap_clause(new: &str, contest: &Value) -> String {
    const CLAUSE: &str = ", up to its number of candidates: ";
    let Some(start) = new.find(CLAUSE) else {
        return new.to_string();
    };
    let end = start + new[start..].find('.').unwrap();
    let clause = &new[start..end];
    for list in contest["lists"].as_array().unwrap() {
        let Some(name) = list["list"].as_str() else {
            continue;
        };
        let candidates = contest["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["list"].as_str() == Some(name))
            .count() as u64;
        let full = list["seats"].as_u64() == Some(candidates);
        let named =
            clause.contains(&format!("list {name} ")) || clause.ends_with(&format!("list {name}"));
        assert!(!named || full, "{clause}: list {name} is not full");
    }
    format!("{}{}", &new[..start], &new[end..])
}

#[test]
fn tally_json_is_unchanged_but_for_reworded_explanations() {
    for (name, system, seats, file) in TALLIES {
        let old: Value = serde_json::from_str(&recorded(&format!("{name}.json"))).unwrap();
        let new: Value = serde_json::from_str(&tally(system, seats, file, "json")).unwrap();
        let (old_contests, new_contests) = (
            old["contests"].as_array().unwrap(),
            new["contests"].as_array().unwrap(),
        );
        assert_eq!(old_contests.len(), new_contests.len(), "{name}");
        assert_eq!(
            (&old["system"], &old["seed"]),
            (&new["system"], &new["seed"]),
            "{name}"
        );
        for (old, new) in old_contests.iter().zip(new_contests) {
            let district = old["district"].as_str().unwrap();
            let mut old = old.clone();
            let mut new = new.clone();
            let seats = old["seats"].as_u64().unwrap();
            let expected = reworded(old["explanation"].as_str().unwrap(), seats);
            let got = without_cap_clause(new["explanation"].as_str().unwrap(), &new);
            assert_eq!(expected, got, "{name}, district {district}");
            old["explanation"] = Value::Null;
            new["explanation"] = Value::Null;
            assert_eq!(old, new, "{name}, district {district}");
        }
    }
}

/// CSV gained one last column, `lotteries` (the draws used to be missing from CSV): with
/// it removed, every row is the same; on real data it is always empty.
#[test]
fn tally_csv_is_unchanged_but_for_the_new_lotteries_column() {
    for (name, system, seats, file) in TALLIES {
        let old = recorded(&format!("{name}.csv"));
        let new = tally(system, seats, file, "csv");
        let mut reader = csv::Reader::from_reader(new.as_bytes());
        assert_eq!(
            reader.headers().unwrap().iter().next_back(),
            Some("lotteries")
        );
        let mut without = csv::Writer::from_writer(Vec::new());
        without
            .write_record(reader.headers().unwrap().iter().take(16))
            .unwrap();
        for row in reader.records() {
            let row = row.unwrap();
            assert_eq!(&row[16], "", "{name}: no draw in real data");
            without.write_record(row.iter().take(16)).unwrap();
        }
        let without = String::from_utf8(without.into_inner().unwrap()).unwrap();
        assert_eq!(old, without, "{name}");
    }
}

#[test]
fn tally_text_is_unchanged_but_for_reworded_explanations() {
    for (name, system, seats, file) in TALLIES {
        let old = recorded(&format!("{name}.text"));
        let new = tally(system, seats, file, "text");
        let without_why = |text: &str| -> Vec<String> {
            text.lines()
                .filter(|l| !l.starts_with("Why: "))
                .map(str::to_string)
                .collect()
        };
        assert_eq!(without_why(&old), without_why(&new), "{name}");
    }
}

/// (recording, extra arguments): every `cifra ei` recording, on the 2021 mesas.
fn ei_runs() -> [(&'static str, Vec<&'static str>); 3] {
    [
        ("ei-mult", vec!["--groups", AGES, "--options", OPTIONS]),
        (
            "ei-sex-by-region",
            vec![
                "--groups",
                "men,women",
                "--options",
                OPTIONS,
                "--by",
                "region",
            ],
        ),
        (
            "ei-sex-bootstrap",
            vec![
                "--groups",
                "men,women",
                "--options",
                OPTIONS,
                "--bootstrap",
                "5",
                "--seed",
                "7",
            ],
        ),
    ]
}

fn ei(extra: &[&str], format: &str) -> String {
    let file = data(MESAS);
    let mut args = vec!["ei", "--format", format];
    args.extend(extra);
    args.push(&file);
    run(&args)
}

#[test]
fn ei_json_is_unchanged() {
    for (name, extra) in ei_runs() {
        let old: Value = serde_json::from_str(&recorded(&format!("{name}.json"))).unwrap();
        let new: Value = serde_json::from_str(&ei(&extra, "json")).unwrap();
        assert_eq!(old, new, "{name}");
    }
}

#[test]
fn ei_csv_is_unchanged_value_for_value() {
    for (name, extra) in ei_runs() {
        let old = recorded(&format!("{name}.csv"));
        let new = ei(&extra, "csv");
        let cells = |text: &str| -> Vec<Vec<String>> {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(text.as_bytes());
            reader
                .records()
                .map(|r| r.unwrap().iter().map(str::to_string).collect())
                .collect()
        };
        let (old, new) = (cells(&old), cells(&new));
        assert_eq!(old.len(), new.len(), "{name}");
        for (old_row, new_row) in old.iter().zip(&new) {
            assert_eq!(old_row.len(), new_row.len(), "{name}");
            for (a, b) in old_row.iter().zip(new_row) {
                // Numbers may be written differently (1e-34 for 0.000…1), never differ.
                match (a.parse::<f64>(), b.parse::<f64>()) {
                    (Ok(x), Ok(y)) => assert_eq!(x.to_bits(), y.to_bits(), "{name}: {a} vs {b}"),
                    _ => assert_eq!(a, b, "{name}"),
                }
            }
        }
    }
}

#[test]
fn ei_text_is_unchanged() {
    for (name, extra) in ei_runs() {
        assert_eq!(
            recorded(&format!("{name}.text")),
            ei(&extra, "text"),
            "{name}"
        );
    }
}

#[test]
fn main_job_is_unchanged() {
    assert_eq!(recorded("main-job.txt"), run(&[]));
}
