//! The `cifra` binary end to end: real files, every output format, and every kind of
//! bad input (a clear message naming file, line and column; exit status 2; nothing on
//! stdout).

use assert_cmd::Command;
use predicates::prelude::*;
use std::io::Write;

fn data(name: &str) -> String {
    format!("{}/../../data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn cifra() -> Command {
    Command::cargo_bin("cifra").unwrap()
}

fn file_with(content: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(content.as_bytes()).unwrap();
    file
}

/// SERVEL's D'Hondt example as a results file: lists of 100, 60 and 40 votes.
const SERVEL_EXAMPLE: &str = "district,list,party,candidate,kind,votes
1,A,P,a1,candidate,50
1,A,P,a2,candidate,30
1,A,P,a3,candidate,20
1,B,Q,b1,candidate,40
1,B,Q,b2,candidate,20
1,C,R,c1,candidate,25
1,C,R,c2,candidate,15
1,,,,blank,7
1,,,,null,3
";

fn json(args: &[&str], stdin: &str) -> serde_json::Value {
    let out = cifra()
        .args(args)
        .write_stdin(stdin)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn servel_dhondt_example_as_json() {
    let v = json(
        &[
            "tally", "--system", "dhondt", "--seats", "5", "--format", "json", "-",
        ],
        SERVEL_EXAMPLE,
    );
    assert_eq!(v["system"], "dhondt");
    let c = &v["contests"][0];
    assert_eq!(c["district"], "1");
    assert_eq!(c["seats"], 5);
    assert_eq!(c["valid_votes"], 200);
    assert_eq!(
        (c["blank"].clone(), c["null"].clone()),
        (7.into(), 3.into())
    );
    let seats: Vec<_> = c["lists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["list"].clone(), l["seats"].clone()))
        .collect();
    assert_eq!(
        seats,
        [
            ("A".into(), 3.into()),
            ("B".into(), 1.into()),
            ("C".into(), 1.into())
        ]
    );
    assert!((c["cifra_repartidora"].as_f64().unwrap() - 100.0 / 3.0).abs() < 1e-9);
    assert_eq!(
        c["elected"],
        serde_json::json!(["a1", "b1", "a2", "c1", "a3"])
    );
    assert_eq!(c["outcome"], "elected");
    assert_eq!(c["candidates"][0]["candidate"], "a1");
    assert_eq!(c["candidates"][0]["share"], 0.25);
    assert_eq!(c["lotteries"], serde_json::json!([]));
}

#[test]
fn text_output_explains_the_cifra_repartidora() {
    cifra()
        .args(["tally", "--system", "cl-dhondt", "--seats", "5", "-"])
        .write_stdin(SERVEL_EXAMPLE)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "cifra repartidora 33.33 (= 100 ÷ 3)",
        ))
        .stdout(predicate::str::contains("Elected: a1, b1, a2, c1, a3"));
}

#[test]
fn csv_output_is_one_row_per_candidate() {
    let out = cifra()
        .args([
            "tally", "--system", "dhondt", "--seats", "5", "--format", "csv", "-",
        ])
        .write_stdin(SERVEL_EXAMPLE)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 7);
    assert!(lines[0].starts_with("district,candidate,list,party,votes,share,elected"));
    assert!(
        lines[1].starts_with("1,a1,A,P,50,0.250000,true,1,100,3,"),
        "{}",
        lines[1]
    );
}

#[test]
fn presidential_2017_runoff_from_the_real_file() {
    let v = json(
        &[
            "tally",
            "--system",
            "cl-presidential",
            "--format",
            "json",
            &data("cl-2017-presidential-r1.csv"),
        ],
        "",
    );
    let c = &v["contests"][0];
    assert_eq!(c["outcome"], "runoff");
    assert_eq!(
        c["runoff"],
        serde_json::json!(["Sebastian Piñera Echenique", "Alejandro  Guillier Alvarez"])
    );
    assert_eq!(c["elected"], serde_json::json!([]));
}

#[test]
fn presidential_1925_sends_1970_to_congress() {
    let results = "district,kind,candidate,votes\nCHILE,candidate,Allende,1075616\nCHILE,candidate,Alessandri,1036278\nCHILE,candidate,Tomic,824849\n";
    let v = json(
        &[
            "tally",
            "--system",
            "cl-presidential-1925",
            "--format",
            "json",
            "-",
        ],
        results,
    );
    assert_eq!(v["contests"][0]["outcome"], "congress");
    assert_eq!(
        v["contests"][0]["runoff"],
        serde_json::json!(["Allende", "Alessandri"])
    );
}

#[test]
fn row_order_does_not_change_the_result() {
    let original = std::fs::read_to_string(data("cl-1989-deputies.csv")).unwrap();
    let mut lines: Vec<&str> = original.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    lines.rotate_left(1234);
    let shuffled = format!("{header}\n{}\n", lines.join("\n"));
    let args = ["tally", "--system", "cl-binomial", "--format", "json", "-"];
    assert_eq!(json(&args, &original), json(&args, &shuffled));
}

#[test]
fn ties_are_drawn_by_seed_and_reported() {
    let tie =
        "district,kind,candidate,votes\nX,candidate,Ana,10\nX,candidate,Bea,10\nX,candidate,Cy,3\n";
    let winners: std::collections::BTreeSet<String> = (0..16)
        .map(|seed| {
            let v = json(
                &[
                    "tally",
                    "--system",
                    "cl-mayor",
                    "--seed",
                    &seed.to_string(),
                    "--format",
                    "json",
                    "-",
                ],
                tie,
            );
            let c = &v["contests"][0];
            assert_eq!(c["lotteries"][0]["tied"], serde_json::json!(["Ana", "Bea"]));
            assert_eq!(c["lotteries"][0]["chosen"], c["elected"]);
            assert_eq!(v["seed"], seed);
            c["elected"][0].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(winners.len(), 2, "different seeds give both outcomes");
    let args = ["tally", "--system", "cl-mayor", "--format", "json", "-"];
    assert_eq!(
        json(&args, tie),
        json(&args, tie),
        "the default seed is fixed"
    );
}

#[test]
fn seats_file_gives_each_district_its_seats() {
    let results = "district,list,candidate,kind,votes\n1,A,a1,candidate,10\n1,A,a2,candidate,9\n2,A,x1,candidate,5\n2,B,y1,candidate,4\n2,B,y2,candidate,4\n";
    let seats = file_with("district,seats\n1,2\n2,3\n");
    let v = json(
        &[
            "tally",
            "--system",
            "dhondt",
            "--seats-file",
            seats.path().to_str().unwrap(),
            "--format",
            "json",
            "-",
        ],
        results,
    );
    assert_eq!(v["contests"][0]["seats"], 2);
    assert_eq!(v["contests"][1]["seats"], 3);
    assert_eq!(v["contests"][1]["unfilled_seats"], 0);
}

#[test]
fn more_seats_than_candidates_reports_unfilled_seats() {
    let results = "district,candidate,kind,votes\n1,a,candidate,10\n1,b,candidate,5\n";
    cifra()
        .args([
            "tally", "--system", "dhondt", "--seats", "4", "--format", "json", "-",
        ])
        .write_stdin(results)
        .assert()
        .success()
        .stdout(predicate::str::contains("\"unfilled_seats\": 2"))
        .stderr(predicate::str::contains(
            "district \"1\": 2 of 4 seats unfilled",
        ));
}

#[test]
fn main_job_prints_the_2021_first_round() {
    cifra()
        .assert()
        .success()
        .stdout(predicate::str::contains("46,606 domestic mesas"))
        .stdout(predicate::str::contains(
            "José Antonio Kast       1,953,207",
        ))
        .stdout(predicate::str::contains(
            "runoff between José Antonio Kast and Gabriel Boric",
        ))
        .stdout(predicate::str::contains(
            "Metropolitana       18,156  Gabriel Boric",
        ));
}

/// Runs a bad input and checks: exit 2, nothing on stdout, the message on stderr.
fn refused(args: &[&str], stdin: &str, message: &str) {
    cifra()
        .args(args)
        .write_stdin(stdin)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(message));
}

#[test]
fn the_first_failing_of_many_contests_is_reported_and_nothing_printed() {
    // Districts decided in parallel runs: the error is the first failing district's in
    // natural order (D37, not D80 nor D370), whatever the threads.
    let mut input = String::from("district,kind,candidate,votes\n");
    for d in 0..400 {
        let votes = if [37, 80, 370].contains(&d) { 0 } else { d + 1 };
        input.push_str(&format!("D{d},candidate,a,{votes}\nD{d},candidate,b,1\n"));
    }
    for threads in ["1", "2", "3"] {
        cifra()
            .env("RAYON_NUM_THREADS", threads)
            .args([
                "tally",
                "--system",
                "cl-presidential",
                "--format",
                "json",
                "-",
            ])
            .write_stdin(input.replace(",b,1\n", ",b,0\n"))
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(
                "<stdin>: district \"D37\": the contest has no valid votes",
            ));
    }
}

#[test]
fn missing_required_column() {
    refused(
        &["tally", "--system", "cl-mayor", "-"],
        "district,kind,candidate\n1,candidate,a\n",
        "<stdin>: line 1: missing required column \"votes\"",
    );
}

#[test]
fn non_integer_votes() {
    refused(
        &["tally", "--system", "cl-mayor", "-"],
        "district,kind,candidate,votes\n1,candidate,a,10\n1,candidate,b,3.5\n",
        "<stdin>: line 3, column \"votes\": expected a whole number of votes, 0 or more, found \"3.5\"",
    );
}

#[test]
fn negative_votes() {
    refused(
        &["tally", "--system", "cl-mayor", "-"],
        "district,kind,candidate,votes\n1,candidate,a,-1\n",
        "line 2, column \"votes\": expected a whole number of votes, 0 or more, found \"-1\"",
    );
}

#[test]
fn empty_file() {
    let empty = file_with("");
    let path = empty.path().to_str().unwrap().to_string();
    refused(
        &["tally", "--system", "cl-mayor", &path],
        "",
        &format!("{path}: the file is empty"),
    );
    refused(
        &["tally", "--system", "cl-mayor", "-"],
        "district,kind,candidate,votes\n",
        "header but no rows",
    );
}

#[test]
fn candidate_in_two_lists_of_one_district() {
    refused(
        &["tally", "--system", "dhondt", "--seats", "2", "-"],
        "district,list,kind,candidate,votes\n7,A,candidate,Ana,10\n7,B,candidate,Bo,10\n7,B,candidate,Ana,1\n",
        "line 4, column \"list\": candidate \"Ana\" of district \"7\" appears in list \"A\" and in list \"B\" (lines 2 and 4)",
    );
}

#[test]
fn unknown_system_id() {
    refused(
        &["tally", "--system", "cl-dhont", "-"],
        "",
        "unknown system \"cl-dhont\"; the systems are: cl-presidential",
    );
}

#[test]
fn zero_seats() {
    refused(
        &["tally", "--system", "dhondt", "--seats", "0", "-"],
        SERVEL_EXAMPLE,
        "0 is not in 1..=4294967295",
    );
    // A negative number names the same range, whose first value is accepted.
    refused(
        &["tally", "--system", "dhondt", "--seats=-1", "-"],
        SERVEL_EXAMPLE,
        "-1 is not in 1..=4294967295",
    );
    let seats = file_with("district,seats\n1,0\n");
    refused(
        &[
            "tally",
            "--system",
            "dhondt",
            "--seats-file",
            seats.path().to_str().unwrap(),
            "-",
        ],
        SERVEL_EXAMPLE,
        "line 2, column \"seats\": district \"1\" has 0 seats",
    );
}

#[test]
fn seats_file_naming_a_district_with_no_votes() {
    let seats = file_with("district,seats\n1,5\n99,3\n");
    refused(
        &[
            "tally",
            "--system",
            "dhondt",
            "--seats-file",
            seats.path().to_str().unwrap(),
            "-",
        ],
        SERVEL_EXAMPLE,
        "line 3, column \"district\": district \"99\" has no votes in the results",
    );
}

#[test]
fn seats_file_missing_a_district_with_votes() {
    let seats = file_with("district,seats\n2,5\n");
    refused(
        &[
            "tally",
            "--system",
            "dhondt",
            "--seats-file",
            seats.path().to_str().unwrap(),
            "-",
        ],
        "district,kind,candidate,votes\n2,candidate,a,1\n1,candidate,b,1\n",
        "no seats for district \"1\", which has votes",
    );
}

#[test]
fn seats_for_a_single_office_or_missing_for_proportional() {
    refused(
        &["tally", "--system", "cl-presidential", "--seats", "1", "-"],
        SERVEL_EXAMPLE,
        "cl-presidential elects a single office",
    );
    refused(
        &["tally", "--system", "dhondt", "-"],
        SERVEL_EXAMPLE,
        "dhondt needs the number of seats",
    );
    refused(
        &["tally", "--system", "cl-binomial", "--seats", "3", "-"],
        SERVEL_EXAMPLE,
        "cl-binomial elects exactly 2 seats per contest, not 3",
    );
}

#[test]
fn binomial_list_with_three_candidates() {
    refused(
        &["tally", "--system", "cl-binomial", "-"],
        SERVEL_EXAMPLE,
        "district \"1\": list A presents 3 candidates",
    );
}

#[test]
fn unknown_kind_and_wrong_field_count() {
    refused(
        &["tally", "--system", "cl-mayor", "-"],
        "district,kind,candidate,votes\n1,candidato,a,3\n",
        "line 2, column \"kind\": expected candidate, blank or null, found \"candidato\"",
    );
    refused(
        &["tally", "--system", "cl-mayor", "-"],
        "district,kind,candidate,votes\n1,candidate,a,3\n1,candidate,b\n",
        "line 3: expected 4 fields as in the header, found 3",
    );
}

#[test]
fn missing_file() {
    refused(
        &["tally", "--system", "cl-mayor", "/nonexistent/results.csv"],
        "",
        "/nonexistent/results.csv: No such file",
    );
}

/// Lists A (60) and B (30) share 2 seats: A÷2 and B÷1 tie for the second, a draw.
const DHONDT_TIE: &str = "district,list,candidate,kind,votes
1,A,a1,candidate,40
1,A,a2,candidate,20
1,B,b1,candidate,30
";

// A draw used to appear in text and JSON only: CSV carries it in its `lotteries` column,
// and every format reports it on stderr.
#[test]
fn a_draw_is_reported_in_csv_and_on_stderr_in_every_format() {
    let out = cifra()
        .args([
            "tally", "--system", "dhondt", "--seats", "2", "--format", "csv", "-",
        ])
        .write_stdin(DHONDT_TIE)
        .assert()
        .success()
        .get_output()
        .clone();
    let csv = String::from_utf8(out.stdout).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let column = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "lotteries")
        .expect("a lotteries column");
    for row in reader.records() {
        let row = row.unwrap();
        assert!(
            row[column].contains("the lot chose list B ÷ 1"),
            "{:?}",
            &row[column]
        );
    }
    for format in ["csv", "json", "text"] {
        cifra()
            .args(["tally", "--system", "dhondt", "--seats", "2", "--format", format, "-"])
            .write_stdin(DHONDT_TIE)
            .assert()
            .success()
            .stderr(predicate::str::contains(
                "cifra: note: district \"1\": drawn by lot (seed 1925): seats among lists: tie between list A ÷ 2, list B ÷ 1",
            ));
    }
}

// JSON carries every ticket of a draw, as `sha256sum` computes it (README, "Lottery
// tickets"), and the smallest wins.
#[test]
fn json_shows_each_tied_items_ticket() {
    let v = json(
        &[
            "tally", "--system", "dhondt", "--seats", "2", "--format", "json", "-",
        ],
        DHONDT_TIE,
    );
    let lottery = &v["contests"][0]["lotteries"][0];
    assert_eq!(lottery["purpose_id"], "list-seats");
    assert_eq!(lottery["chosen"], serde_json::json!(["list B ÷ 1"]));
    let tickets: Vec<(String, u64, String)> = lottery["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["divisor"].as_u64().unwrap(),
                t["ticket"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        tickets,
        [
            (
                "A".to_string(),
                2,
                "7431ecb527b85d344937d996d1795190c454f1b04870b02f879716813d332d33".to_string()
            ),
            (
                "B".to_string(),
                1,
                "006dea4d671c4d99a083fac7f8479aa76552df2d1a1f41e258fdd4d18b88f5ea".to_string()
            )
        ]
    );
}

// The library says what is wrong with the seats; only the command line names the flag.
#[test]
fn seat_errors_name_the_flag_to_change() {
    refused(
        &["tally", "--system", "cl-presidential", "--seats", "1", "-"],
        SERVEL_EXAMPLE,
        "cl-presidential elects a single office and takes no number of seats (remove --seats / --seats-file)",
    );
    refused(
        &["tally", "--system", "dhondt", "-"],
        SERVEL_EXAMPLE,
        "dhondt needs the number of seats: --seats N or --seats-file FILE",
    );
    let seats = file_with("district,seats\n1,3\n");
    refused(
        &[
            "tally",
            "--system",
            "cl-binomial",
            "--seats-file",
            seats.path().to_str().unwrap(),
            "-",
        ],
        SERVEL_EXAMPLE,
        "line 2, column \"seats\": district \"1\": cl-binomial elects exactly 2 seats per contest, not 3",
    );
}

// A list that doubles the second but presents one candidate: the explanation used to say
// it "does not double" (300 against 50 + 50).
#[test]
fn binomial_explanation_of_a_doubling_list_with_one_candidate() {
    let out = cifra()
        .args(["tally", "--system", "cl-binomial", "-"])
        .write_stdin(
            "district,list,candidate,kind,votes\n1,A,a1,candidate,300\n1,B,b1,candidate,50\n1,B,b2,candidate,50\n",
        )
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("Elected: a1, b1"), "{text}");
    assert!(
        text.contains("Why: list A (300) has more than twice the votes of list B (100) but presents one candidate only"),
        "{text}"
    );
    assert!(!text.contains("does not"), "{text}");
}

// D'Hondt where a list runs out of candidates: the explanation used to claim every list
// won one seat per quotient at or above the cifra repartidora, while the capped list won
// fewer. A 700 (1 candidate), B 200 + 100 + 50, 3 seats: A ÷ 2 = 350 is above the cifra
// (100), but A has one candidate.
#[test]
fn dhondt_explanation_names_the_list_that_ran_out_of_candidates() {
    let v = json(
        &["tally", "--system", "dhondt", "--seats", "3", "--format", "json", "-"],
        "district,list,candidate,kind,votes\n1,A,a1,candidate,700\n1,B,b1,candidate,200\n1,B,b2,candidate,100\n1,B,b3,candidate,50\n",
    );
    let why = v["contests"][0]["explanation"].as_str().unwrap();
    assert!(
        why.contains("up to its number of candidates: list A has as many seats as candidates, and the seat it cannot take goes to the next quotient"),
        "{why}"
    );
}

// `cifra --help` used to leave out that `cifra` alone runs the 2021 analysis.
#[test]
fn help_says_what_cifra_alone_does() {
    cifra()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "With no command, `cifra` runs the main job: the 2021 presidential first round",
        ));
}
