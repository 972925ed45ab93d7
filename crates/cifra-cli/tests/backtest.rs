//! `cifra backtest` end to end: a small wide mesa file replayed in random and real-night
//! orders, the JSON report's shape and sense, the SVG chart, and bad input.

use assert_cmd::Command;
use predicates::prelude::*;
use std::io::Write;

fn cifra() -> Command {
    Command::cargo_bin("cifra").unwrap()
}

fn file_with(content: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(content.as_bytes()).unwrap();
    file
}

/// 3 regions x 4 comunas x 3 polling places x 5 mesas; `a` leads everywhere with about
/// 60 % of the valid votes (a first-round winner), the regions lean differently.
fn mesa_file() -> String {
    let mut out = String::from("region,comuna,local,mesa,electors,voters,a,b,c,blank,null\n");
    let mut state = 12345u64;
    let mut next = |n: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % n
    };
    for r in 0..3u64 {
        for c in 0..4u64 {
            for l in 0..3u64 {
                for m in 0..5u64 {
                    let electors = 200 + next(150);
                    let a = 90 + 10 * r + next(30);
                    let b = 40 + next(20);
                    let c_votes = 20 + 5 * c + next(10);
                    let (blank, null) = (next(5), next(5));
                    let voters = a + b + c_votes + blank + null;
                    out.push_str(&format!(
                        "R{r},C{r}{c},L{r}{c}{l},{m},{electors},{voters},{a},{b},{c_votes},{blank},{null}\n"
                    ));
                }
            }
        }
    }
    out
}

#[test]
fn a_backtest_reports_the_issues_json_and_draws_its_chart() {
    let mesas = file_with(&mesa_file());
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("plot.svg");
    let output = cifra()
        .args(["backtest", "--results"])
        .arg(mesas.path())
        .args([
            "--id",
            "local,mesa",
            "--order",
            "random",
            "--runs",
            "8",
            "--seed",
            "4",
        ])
        .args(["--format", "json", "--plot"])
        .arg(&svg)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let keys: Vec<&str> = report
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in ["contest", "runs", "level", "order", "checkpoints", "calls"] {
        assert!(keys.contains(&key), "{key} missing in {keys:?}");
    }
    assert_eq!(report["runs"], 8);
    assert_eq!(report["level"], 0.9);
    assert_eq!(report["order"], "random");
    let checkpoints = report["checkpoints"].as_array().unwrap();
    let counted: Vec<f64> = checkpoints
        .iter()
        .map(|c| c["counted"].as_f64().unwrap())
        .collect();
    assert_eq!(counted, [0.05, 0.10, 0.25, 0.50, 0.75, 0.90]);
    for c in checkpoints {
        for key in ["coverage", "mae", "naive_mae", "mean_width"] {
            let v = c[key].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&v), "{key} {v}");
        }
        assert!(c["calls"].as_u64().unwrap() <= 8);
        // `a` wins in every mesa: no call can be wrong.
        assert_eq!(c["wrong_calls"], 0);
    }
    // Intervals narrow as the count goes on.
    let width = |i: usize| checkpoints[i]["mean_width"].as_f64().unwrap();
    assert!(width(5) < width(1), "{} vs {}", width(5), width(1));
    // `a` has well over half: by 90 % every run has called it.
    assert_eq!(checkpoints[5]["calls"], 8);
    assert_eq!(report["calls"]["made"], 8);
    assert_eq!(report["calls"]["wrong"], 0);
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(
        chart.starts_with("<svg")
            && chart.contains("polyline")
            && chart.trim_end().ends_with("</svg>")
    );

    // The same seed, the same report; the text format says the same.
    let again = cifra()
        .args(["backtest", "--results"])
        .arg(mesas.path())
        .args([
            "--id",
            "local,mesa",
            "--order",
            "random",
            "--runs",
            "8",
            "--seed",
            "4",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(again.stdout, output.stdout);
    cifra()
        .args(["backtest", "--results"])
        .arg(mesas.path())
        .args([
            "--id",
            "local,mesa",
            "--order",
            "small-first",
            "--runs",
            "2",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("order small-first")
                .and(predicate::str::contains("calls: 2 made")),
        );
}

#[test]
fn a_backtest_follows_a_real_nights_arrival_and_refuses_bad_input() {
    let mesas = file_with(&mesa_file());
    // Comuna C00 counts early, C01 late; the others follow the median curve.
    let night = file_with(
        "snapshot_time,comuna,mesas_escrutadas,mesas_total\n\
         2025-11-16 18:00:00,C00,0,15\n2025-11-16 18:00:00,C01,0,15\n\
         2025-11-16 19:00:00,C00,12,15\n2025-11-16 19:00:00,C01,1,15\n\
         2025-11-16 20:00:00,C00,15,15\n2025-11-16 20:00:00,C01,15,15\n",
    );
    let order = format!("arrival:{}", night.path().display());
    cifra()
        .args(["backtest", "--results"])
        .arg(mesas.path())
        .args([
            "--id",
            "local,mesa",
            "--order",
            &order,
            "--runs",
            "3",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"order\": \"arrival\""));

    cifra()
        .args(["backtest", "--results"])
        .arg(mesas.path())
        .args([
            "--id",
            "local,mesa",
            "--order",
            "alphabetical",
            "--runs",
            "3",
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "random, region-pace, large-first, small-first or arrival:FILE",
        ));
    cifra()
        .args(["backtest", "--results"])
        .arg(mesas.path())
        .args(["--id", "local,mesa", "--order", "random", "--level", "0.7"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("level 0.7 is not one of"));
    let broken = file_with(
        "snapshot_time,comuna,mesas_escrutadas,mesas_total\n2025-11-16 18:00:00,C00,x,15\n",
    );
    cifra()
        .args(["backtest", "--results"])
        .arg(mesas.path())
        .args(["--id", "local,mesa", "--order"])
        .arg(format!("arrival:{}", broken.path().display()))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "line 2: mesas_escrutadas \"x\" is not a count",
        ));
}
