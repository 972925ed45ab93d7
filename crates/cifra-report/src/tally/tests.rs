//! The formats agree with what `serde_json` and the `csv` crate write of the whole
//! report, and contests rendered in runs join into the whole report.

use super::*;
use crate::csv_text;
use cifra_core::{Candidate, Contest, Lottery, Sex, System};

/// A report with a pact (parties inside a list), a candidate outside any list, a tie
/// drawn by lot, an unfilled seat, a runoff, sub-pacts, and a gender-parity correction
/// with every descriptive field (pact, sub-pact, sex, alternate): every nesting and
/// every key the JSON and CSV have.
fn report(contests: usize) -> TallyReport {
    let (man, woman) = (Sex::Male, Sex::Female);
    // Three men most voted in pact A: parity hands Dan's seat to Fay, of his party.
    let convention = Contest::new(
        "Distrito 7",
        vec![
            Candidate::new("Bo", 100).in_list("A").of_party("P"),
            Candidate::new("Cy", 90).in_list("A").of_party("P"),
            Candidate::new("Dan", 80).in_list("A").of_party("Q"),
            Candidate::new("Eva", 10).in_list("A").of_party("P"),
            Candidate::new("Fay", 5).in_list("A").of_party("Q"),
            Candidate::new("Gil", 3).in_list("B"),
        ]
        .into_iter()
        .map(|c| {
            let sex = if "BoCyDan".contains(c.name.as_str()) {
                man
            } else {
                woman
            };
            let pact = if c.affiliation.list.is_some() {
                "A \"APRUEBO\", DIGNIDAD"
            } else {
                "B"
            };
            let alternate = format!("{} alternate", c.name);
            c.in_pact(pact).with_sex(sex).with_alternate(alternate)
        })
        .collect(),
    );
    let council = Contest::new(
        "Comuna",
        vec![
            Candidate::new("a1", 50)
                .in_list("A")
                .in_subpact("S, 1")
                .of_party("P"),
            Candidate::new("a2", 40).in_list("A").in_subpact("S, 1"),
            Candidate::new("a3", 30).in_list("A").of_party("R"),
            Candidate::new("b1", 20).in_list("B").of_party("T"),
        ],
    );
    let made = [
        (
            System::ClDhondt,
            Some(3),
            Contest::new(
                "Distrito \"1\"",
                vec![
                    Candidate::new("Ana", 100).in_list("A").of_party("P"),
                    Candidate::new("Bo", 60).in_list("A").of_party("Q"),
                    Candidate::new("Cy", 50).in_list("B"),
                    Candidate::new("Di", 50).in_list("B"),
                    Candidate::new("Eve, alone", 10),
                ],
            ),
        ),
        (
            System::Plurality,
            Some(3),
            Contest::new("2", vec![Candidate::new("Ana", 5)]),
        ),
        (System::ClConvention2021, Some(3), convention),
        (System::ClCouncil, Some(3), council),
        (
            System::ClPresidential,
            None,
            Contest::new(
                "Ñuble",
                vec![
                    Candidate::new("X", 40),
                    Candidate::new("Y", 30),
                    Candidate::new("Z", 30),
                ],
            ),
        ),
    ];
    let lottery = Lottery::default();
    let contests = made
        .iter()
        .cycle()
        .take(contests)
        .map(|(system, seats, contest)| {
            let decision = system.decide(contest, *seats, &lottery).unwrap();
            ContestReport::new(*system, contest, &decision)
        })
        .collect();
    TallyReport {
        system: "cl-dhondt".to_string(),
        seed: lottery.seed(),
        corrections_applied: true,
        contests,
    }
}

#[test]
fn json_is_the_whole_report_pretty_printed() {
    for n in 0..6 {
        let mut report = report(n);
        let whole = serde_json::to_string_pretty(&report).unwrap() + "\n";
        assert_eq!(to_json(&report), whole, "{n} contests");
        report.corrections_applied = false;
        let whole = serde_json::to_string_pretty(&report).unwrap() + "\n";
        assert_eq!(to_json(&report), whole, "{n} contests, without corrections");
    }
    let report = report(5);
    assert!(!report.contests[4].lotteries.is_empty(), "a tie is drawn");
    assert_eq!(report.contests[2].corrections.len(), 1, "a parity swap");
    assert!(
        report.contests[3].lists[0].parties[0].subpact.is_some(),
        "a sub-pact"
    );
}

#[test]
fn csv_is_what_the_csv_crate_writes() {
    let report = report(10);
    let ours = to_csv(&report);
    // Every record read back and written again by the csv crate gives the same bytes.
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(ours.as_bytes());
    let mut writer = csv_text::writer();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.unwrap();
        csv_text::record(&mut writer, record.iter());
        rows.push(record);
    }
    assert_eq!(csv_text::finish(writer), ours);
    let header: Vec<&str> = csv::header().collect();
    assert_eq!(rows[0].iter().collect::<Vec<_>>(), header);
    assert!(rows.iter().all(|row| row.len() == header.len()));
    // The parity swap: Dan gave way to Fay, both rows describing it.
    let row = |name: &str| {
        rows.iter()
            .find(|r| &r[0] == "Distrito 7" && &r[1] == name)
            .unwrap()
    };
    let (dan, fay) = (row("Dan"), row("Fay"));
    assert_eq!(
        dan.iter().skip(17).take(5).collect::<Vec<_>>(),
        ["A \"APRUEBO\", DIGNIDAD", "", "M", "Dan alternate", "false"]
    );
    assert_eq!((&dan[6], &fay[6]), ("false", "true"));
    assert!(!dan[22].is_empty() && dan[22] == fay[22], "{}", &dan[22]);
    let council = rows.iter().find(|r| &r[1] == "a2").unwrap();
    assert_eq!(&council[18], "S, 1");
}

#[test]
fn contests_rendered_in_runs_join_into_the_whole_report() {
    let report = report(6);
    for format in [Format::Json, Format::Csv, Format::Text] {
        let whole = render(&report, format);
        for cut in 0..=report.contests.len() {
            let mut out = head(
                format,
                &report.system,
                report.seed,
                report.corrections_applied,
            )
            .into_bytes();
            for (first, run) in [(0, &report.contests[..cut]), (cut, &report.contests[cut..])] {
                let mut contests =
                    Contests::new(format, &report.system, first).with_room_for(run.len());
                run.iter().for_each(|c| contests.push(c));
                out.extend(contests.finish());
            }
            out.extend(tail(format, report.contests.len()).into_bytes());
            assert_eq!(
                String::from_utf8(out).unwrap(),
                whole,
                "{format:?}, cut {cut}"
            );
        }
    }
}
