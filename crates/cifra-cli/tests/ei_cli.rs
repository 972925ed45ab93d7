//! `cifra ei` as a user runs it: output formats, --by, bootstrap, plot, errors (exit 2).

use assert_cmd::Command;

const MESAS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/cl-2021-presidential-r1-mesas.csv.gz"
);
const GROUPS: &str =
    "age_18_19,age_20_29,age_30_39,age_40_49,age_50_59,age_60_69,age_70_79,age_80_plus";
const OPTIONS: &str = "boric,kast,provoste,sichel,artes,meo,parisi,blank,null";
const SMALL: &str = "comuna,young,old,yes,no\nA,10,0,8,2\nA,0,10,3,7\nA,5,5,6,4\nB,7,3,6,4\n";

/// `cifra ei` on the columns of [`SMALL`].
const EI_SMALL: [&str; 5] = ["ei", "--groups", "young,old", "--options", "yes,no"];

fn cifra() -> Command {
    Command::cargo_bin("cifra").unwrap()
}

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).expect("valid JSON")
}

/// Runs `cifra ei` on `stdin`; it must succeed. Returns (stdout, stderr).
fn succeeds(args: &[&str], stdin: &str) -> (String, String) {
    let out = cifra()
        .args(args)
        .write_stdin(stdin.to_string())
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{stderr}");
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

#[test]
fn json_national_matches_the_contract() {
    let args = ["ei", "--groups", GROUPS, "--options", OPTIONS];
    let (out, _) = succeeds(&[&args[..], &["--format", "json", MESAS]].concat(), "");
    let v = json(&out);
    assert_eq!(v["method"], "mult");
    assert_eq!(v["groups"].as_array().unwrap().len(), 8);
    assert_eq!(v["options"][1], "kast");
    let p = v["probabilities"].as_array().unwrap();
    assert_eq!(p.len(), 8);
    assert!((p[0][0].as_f64().unwrap() - 0.3273).abs() < 0.002);
    assert!(v["iterations"].as_u64().unwrap() > 10);
}

#[test]
fn by_gives_every_territory_an_answer_including_single_mesa_ones() {
    let by = ["--by", "comuna", "--format", "json", "-"];
    let (out, _) = succeeds(&[&EI_SMALL[..], &by].concat(), SMALL);
    let v = json(&out);
    assert_eq!(v["by"], "comuna");
    let r = v["results"].as_array().unwrap();
    assert_eq!(
        (r[0]["key"].as_str(), r[0]["mesas"].as_u64()),
        (Some("A"), Some(3))
    );
    assert_eq!(
        (r[1]["key"].as_str(), r[1]["mesas"].as_u64()),
        (Some("B"), Some(1))
    );
    let p = r[1]["probabilities"].as_array().unwrap();
    let s: f64 = p[0]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .sum();
    assert!((s - 1.0).abs() < 1e-9);
}

#[test]
fn by_on_the_real_679_circunscripciones() {
    let args = ["ei", "--groups", GROUPS, "--options", OPTIONS];
    let by = ["--by", "circunscripcion", "--format", "json", MESAS];
    let (out, _) = succeeds(&[&args[..], &by].concat(), "");
    let v = json(&out);
    let r = v["results"].as_array().unwrap();
    assert_eq!(r.len(), 679);
    assert_eq!(
        r.iter().map(|t| t["mesas"].as_u64().unwrap()).sum::<u64>(),
        46_606
    );
}

#[test]
fn csv_and_text_formats() {
    let run = |format: &str| {
        let args = EI_SMALL;
        succeeds(&[&args[..], &["--format", format, "-"]].concat(), SMALL).0
    };
    let csv = run("csv");
    assert_eq!(csv.lines().next(), Some("group,yes,no"));
    assert_eq!(csv.lines().count(), 3);
    let text = run("text");
    assert!(text.contains("4 mesas, method mult"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("young")));
}

#[test]
fn bootstrap_adds_reproducible_standard_errors() {
    let run = |seed: &str| {
        let args = EI_SMALL;
        let bootstrap = ["--bootstrap", "30", "--seed", seed, "--format", "json", "-"];
        json(&succeeds(&[&args[..], &bootstrap].concat(), SMALL).0)["std_errors"].clone()
    };
    let a = run("7");
    assert_eq!(a.as_array().unwrap().len(), 2);
    assert_eq!(a, run("7"));
    assert_ne!(a, run("8"));
}

#[test]
fn plot_writes_an_svg_heatmap() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.svg");
    cifra()
        .args([
            "ei",
            "--groups",
            "young,old",
            "--options",
            "yes,no",
            "--plot",
            path.to_str().unwrap(),
            "-",
        ])
        .write_stdin(SMALL)
        .assert()
        .success();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("young") && svg.trim_end().ends_with("</svg>"));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left behind"
    );
}

fn fails_with(args: &[&str], stdin: &str, message: &str) {
    let out = cifra()
        .args(args)
        .write_stdin(stdin.to_string())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(out.stdout.is_empty(), "nothing on stdout on error");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(message), "stderr {err:?} lacks {message:?}");
}

#[test]
fn errors_are_clear_and_exit_2() {
    let base = EI_SMALL;
    fails_with(
        &[&base[..], &["-"]].concat(),
        "comuna,young,old,yes\nA,1,1,2\n",
        "<stdin>: no column \"no\" (columns are: comuna, young, old, yes)",
    );
    fails_with(
        &[&base[..], &["-"]].concat(),
        "young,old,yes,no\n1,1,2,0\n1,1,x,0\n",
        "<stdin>: line 3, column \"yes\": expected a non-negative integer, found \"x\"",
    );
    fails_with(
        &[&base[..], &["--by", "region", "-"]].concat(),
        SMALL,
        "no column \"region\"",
    );
    fails_with(
        &[&base[..], &["/nonexistent/mesas.csv"]].concat(),
        "",
        "/nonexistent/mesas.csv",
    );
    fails_with(
        &[&base[..], &["--bootstrap", "1", "-"]].concat(),
        SMALL,
        "--bootstrap",
    );
}

#[test]
fn the_command_line_names_the_flag_to_change() {
    for (flags, stdin, message) in [
        (
            ["--method", "exact"],
            "young,old,yes,no\n1000,1000,1000,1000\n",
            "<stdin>: method exact: mesa at line 2 is too large: 1.002e6 possible vote vectors \
             to enumerate, more than the limit of 2e5; use --method mult or mvn_pdf",
        ),
        (
            ["--tolerance", "0"],
            SMALL,
            "cifra: error: --tolerance must be a positive number, got 0",
        ),
        (
            ["--max-iterations", "0"],
            SMALL,
            "cifra: error: --max-iterations must be at least 1",
        ),
    ] {
        fails_with(&[&EI_SMALL[..], &flags, &["-"]].concat(), stdin, message);
    }
}

#[test]
fn standard_input_is_named_stdin_as_in_cifra_tally() {
    let base = EI_SMALL;
    for (stdin, message) in [
        ("young,old,yes\n1,1,2\n", "<stdin>: no column \"no\""),
        (
            "young,old,yes,no\n1,1,2\n",
            "<stdin>: line 2: expected 4 fields",
        ),
        ("young,old,yes,no\n", "<stdin>: line 2: no mesas"),
    ] {
        fails_with(&[&base[..], &["-"]].concat(), stdin, message);
    }
}

#[test]
fn an_unclosed_quote_is_named_by_the_line_it_opens() {
    fails_with(
        &["ei", "--groups", "young,old", "--options", "yes,no", "-"],
        "young,old,yes,no\n1,1,2,0\n\"1,1,2,0\n1,1,2,0\n",
        "cifra: error: <stdin>: line 3: a quoted field opened here is never closed",
    );
}

#[test]
fn a_column_is_a_group_or_an_option_not_both() {
    fails_with(
        &["ei", "--groups", "young,old", "--options", "young,no", "-"],
        SMALL,
        "column \"young\" is given both in --groups and in --options",
    );
}

#[test]
fn column_lists_are_trimmed_and_checked_like_cifra_tally_does() {
    let (out, _) = succeeds(
        &[
            "ei",
            "--groups",
            " young , old",
            "--options",
            "yes, no ",
            "--format",
            "json",
            "-",
        ],
        SMALL,
    );
    let v = json(&out);
    assert_eq!(v["groups"], serde_json::json!(["young", "old"]));
    assert_eq!(v["options"], serde_json::json!(["yes", "no"]));

    fails_with(
        &["ei", "--groups", "young,old,", "--options", "yes,no", "-"],
        SMALL,
        "--groups \"young,old,\" has an empty column name",
    );
    fails_with(
        &["ei", "--groups", "young,old", "--options", "yes,,no", "-"],
        SMALL,
        "--options \"yes,,no\" has an empty column name",
    );
    fails_with(
        &[
            "ei",
            "--groups",
            "young",
            "--groups",
            "old",
            "--options",
            "yes,no",
            "-",
        ],
        SMALL,
        "--groups is given twice; list all the groups in one --groups, comma-separated",
    );
    fails_with(
        &[
            "ei",
            "--groups",
            "young,old",
            "--options",
            "yes",
            "--options",
            "no",
            "-",
        ],
        SMALL,
        "--options is given twice; list all the options in one --options, comma-separated",
    );
    fails_with(
        &["ei", "--groups", "young,old", "--options", "yes", "-"],
        SMALL,
        "--options needs at least 2 comma-separated column names, got \"yes\"",
    );
    fails_with(
        &[
            "ei",
            "--groups",
            "young,old,young ",
            "--options",
            "yes,no",
            "-",
        ],
        SMALL,
        "--groups: column \"young\" is listed twice",
    );
}

#[test]
fn no_votes_at_all_is_refused_and_an_option_without_votes_is_flagged() {
    fails_with(
        &["ei", "--groups", "g1,g2", "--options", "a,b", "-"],
        "g1,g2,a,b\n3,2,0,0\n1,4,0,0\n",
        "<stdin>: no mesa has a vote for any of the options (a, b): nothing to estimate",
    );
    let (stdout, stderr) = succeeds(
        &["ei", "--groups", "g1,g2", "--options", "a,b,c", "-"],
        "g1,g2,a,b,c\n3,2,5,0,0\n1,4,2,3,0\n2,2,1,3,0\n",
    );
    assert!(
        stderr.contains(
            "cifra: warning: <stdin>: option \"c\" has no votes in any mesa: every group's \
             estimate for it is 0"
        ),
        "{stderr}"
    );
    assert!(stdout.contains("group  "), "{stdout}");
}

#[test]
fn a_group_without_an_estimate_says_why_under_the_table() {
    // g2 has no voters; g3 has voters only in the mesa without votes.
    let csv = "g1,g2,g3,a,b\n3,0,0,2,1\n1,0,0,0,1\n0,0,4,0,0\n";
    let args = ["ei", "--groups", "g1,g2,g3", "--options", "a,b"];
    let (text, _) = succeeds(&[&args[..], &["-"]].concat(), csv);
    assert!(
        text.contains(
            "Note: group g2 has no voters in these mesas: no estimate.\n\
             Note: group g3 has voters only in mesas without votes: no estimate.\n"
        ),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("g2") && l.ends_with('—')),
        "{text}"
    );
    let (json_out, _) = succeeds(&[&args[..], &["--format", "json", "-"]].concat(), csv);
    let p = &json(&json_out)["probabilities"];
    assert_eq!(p[1], serde_json::json!([null, null]));
    assert_eq!(p[2], serde_json::json!([null, null]));
    let (csv_out, _) = succeeds(&[&args[..], &["--format", "csv", "-"]].concat(), csv);
    assert!(csv_out.contains("\ng2,,\ng3,,\n"), "{csv_out}");
    // A territory without any vote: each group says why, and the others get answers.
    let by = "t,g1,g2,g3,a,b\nA,3,0,0,2,1\nB,1,2,0,0,0\n";
    let (text, _) = succeeds(&[&args[..], &["--by", "t", "-"]].concat(), by);
    let b = &text[text.find("t B:").unwrap()..];
    assert!(
        b.contains(
            "Note: group g1 has voters only in mesas without votes: no estimate.\n\
             Note: group g2 has voters only in mesas without votes: no estimate.\n\
             Note: group g3 has no voters in these mesas: no estimate.\n"
        ),
        "{text}"
    );
}

#[test]
fn a_one_mesa_territory_has_unknown_standard_errors_not_zero() {
    let args = [&EI_SMALL[..], &["--by", "comuna", "--bootstrap", "5"]].concat();
    let (json_out, _) = succeeds(&[&args[..], &["--format", "json", "-"]].concat(), SMALL);
    let v = json(&json_out);
    let (a, b) = (&v["results"][0], &v["results"][1]);
    assert!(a["std_errors"][0][0].as_f64().unwrap() > 0.0);
    assert_eq!(b["mesas"], 1);
    assert_eq!(
        b["std_errors"],
        serde_json::json!([[null, null], [null, null]])
    );
    assert!(b["probabilities"][0][0].is_f64());
    let (csv, _) = succeeds(&[&args[..], &["--format", "csv", "-"]].concat(), SMALL);
    assert!(
        csv.lines()
            .any(|l| l.starts_with("B,young,0.6") && l.ends_with(",,")),
        "{csv}"
    );
    let (text, _) = succeeds(&[&args[..], &["-"]].concat(), SMALL);
    let b = &text[text.find("comuna B:").unwrap()..];
    assert!(!b.contains("±0.0"), "{text}");
    assert!(
        b.contains(
            "Note: no standard errors: with 1 mesa, every bootstrap resample is that same mesa.\n"
        ),
        "{text}"
    );
}

#[test]
fn csv_prints_tiny_numbers_as_json_does_not_with_dozens_of_zeros() {
    // An option without votes is estimated within rounding of 0 (about 1e-17).
    let (csv, _) = succeeds(
        &[
            "ei",
            "--groups",
            "g1,g2",
            "--options",
            "a,b,c",
            "--format",
            "csv",
            "-",
        ],
        "g1,g2,a,b,c\n3,2,5,0,0\n1,4,2,3,0\n2,2,1,3,0\n",
    );
    assert!(csv.contains("e-"), "{csv}");
    assert!(
        csv.split([',', '\n']).all(|field| field.len() < 25),
        "{csv}"
    );
}

#[test]
fn one_mesa_is_singular_in_the_text_and_the_plot() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.svg");
    let (text, _) = succeeds(
        &[
            "ei",
            "--groups",
            "g",
            "--options",
            "a,b",
            "--plot",
            path.to_str().unwrap(),
            "-",
        ],
        "g,a,b\n1,1,0\n",
    );
    assert!(
        text.starts_with("1 mesa, method mult, 1 iteration (converged)\n"),
        "{text}"
    );
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.contains("Who voted how (mult, 1 mesa)"), "{svg}");
}

#[test]
fn bootstrap_progress_is_plain_lines_when_stderr_is_not_a_terminal() {
    // assert_cmd's stderr is a pipe: the progress bar would hide itself.
    let (_, stderr) = succeeds(
        &[&EI_SMALL[..], &["--bootstrap", "20", "-"]].concat(),
        SMALL,
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(lines.len() >= 10 && lines.len() <= 20, "{stderr}");
    assert_eq!(lines[0], "cifra: bootstrap 2/20 resamples", "{stderr}");
    assert_eq!(
        lines.last(),
        Some(&"cifra: bootstrap 20/20 resamples"),
        "{stderr}"
    );
    let (_, stderr) = succeeds(&[&EI_SMALL[..], &["--by", "comuna", "-"]].concat(), SMALL);
    assert!(
        stderr.is_empty(),
        "no progress without --bootstrap: {stderr}"
    );
}
