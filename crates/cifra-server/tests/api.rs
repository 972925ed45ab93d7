//! The HTTP API of `cifra serve` (docs/api.md), over real HTTP on 127.0.0.1: intake and
//! its refusals, results, the log with its proofs and tiles, the event stream, a restart
//! on the same database, and the bounds (body size, bad tokens). Every test runs on a
//! SQLite file and on a PostgreSQL database ([`on_both!`]); what only a database reached
//! over the network does (going away and coming back) is tested on PostgreSQL alone.

mod common;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use cifra_log::{Checkpoint, Entry, Hash, NoteVerifier};
use cifra_night::api::ResultsEvent;
use cifra_report::live::LiveResults;
use cifra_server::Limits;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

// The votes of the tests, in the order of OPTIONS (ana, beto, carla, blank, null).
const N1: [u64; 5] = [30, 20, 10, 2, 1];
const N2: [u64; 5] = [25, 30, 5, 1, 0];
const N3: [u64; 5] = [10, 40, 20, 0, 3];
const C1: [u64; 5] = [50, 10, 15, 2, 2];
const C2: [u64; 5] = [5, 3, 1, 0, 0];
const S1: [u64; 5] = [60, 5, 5, 1, 1];

fn sum(actas: &[[u64; 5]]) -> [u64; 5] {
    let mut total = [0; 5];
    for votes in actas {
        for (t, v) in total.iter_mut().zip(votes) {
            *t += v;
        }
    }
    total
}

/// Asserts that `results` are those of the `votes` summed over `counted` of `total`
/// mesas with `electors` registered electors: every option's votes and share, most
/// voted first (ties by name), valid, blank and null.
fn assert_totals(results: &Value, votes: [u64; 5], counted: u64, total: u64, electors: u64) {
    let valid: u64 = votes[..3].iter().sum();
    let mut expected: Vec<(&str, u64)> = OPTIONS[..3].iter().copied().zip(votes).collect();
    expected.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let options = results["options"].as_array().expect("options");
    assert_eq!(options.len(), 3, "{results}");
    for (row, (option, votes)) in options.iter().zip(&expected) {
        assert_eq!(row["option"], json!(option), "{results}");
        assert_eq!(row["votes"], json!(votes), "{results}");
        let share = row["share"].as_f64().expect("a share");
        let want = if valid == 0 {
            0.0
        } else {
            *votes as f64 / valid as f64
        };
        assert!(
            (share - want).abs() < 1e-9,
            "share of {option}: {share} ≠ {want}"
        );
    }
    assert_eq!(results["valid_votes"], json!(valid), "{results}");
    assert_eq!(results["blank"], json!(votes[3]), "{results}");
    assert_eq!(results["null"], json!(votes[4]), "{results}");
    assert_eq!(results["mesas_counted"], json!(counted), "{results}");
    assert_eq!(results["mesas_total"], json!(total), "{results}");
    assert_eq!(results["electors_counted"], json!(electors), "{results}");
}

/// Asserts that the nation's `results` are final: the law's outcome of `kind` naming
/// `names` (the winner, or the two of a runoff or of Congress), and its explanation.
fn assert_final(results: &Value, kind: &str, names: &[&str]) {
    let outcome = &results["outcome"];
    assert_eq!(outcome["kind"], json!(kind), "{results}");
    assert_verdict(outcome, kind, names, results);
    assert_eq!(outcome["provisional"], json!(false), "{results}");
    assert!(outcome.get("if_final").is_none(), "{results}");
    assert!(outcome["explanation"]
        .as_str()
        .is_some_and(|e| !e.is_empty()));
}

/// Asserts that the nation's `results`, counted in part, say only who leads: `leader`,
/// and as `if_final` what the law would decide now (`kind` naming `names`), provisional,
/// with an explanation that says so and how many mesas are counted; never an outcome
/// of the law's own words.
fn assert_leading(results: &Value, leader: &str, kind: &str, names: &[&str]) {
    let outcome = &results["outcome"];
    assert_eq!(outcome["kind"], "leading", "{results}");
    assert_eq!(outcome["leader"], json!(leader), "{results}");
    assert_eq!(results["leader"], json!(leader), "{results}");
    let if_final = &outcome["if_final"];
    assert_eq!(if_final["kind"], json!(kind), "{results}");
    assert_verdict(if_final, kind, names, results);
    for word in ["winner", "runoff", "congress"] {
        assert!(
            outcome.get(word).is_none(),
            "{word} while counting: {results}"
        );
    }
    assert_eq!(outcome["provisional"], json!(true), "{results}");
    let explanation = outcome["explanation"].as_str().expect("an explanation");
    let counted = format!(
        "{} of {} mesas counted",
        results["mesas_counted"], results["mesas_total"]
    );
    assert!(explanation.contains(&counted), "{explanation}");
    assert!(
        explanation.contains("if the count ended now"),
        "{explanation}"
    );
}

/// Asserts the law's words of `outcome` (or of its `if_final`): who is elected, or the
/// two of a runoff or of Congress.
fn assert_verdict(outcome: &Value, kind: &str, names: &[&str], results: &Value) {
    match kind {
        "elected" => assert_eq!(outcome["winner"], json!(names[0]), "{results}"),
        _ => assert_eq!(outcome[kind], json!(names), "{results}"),
    }
}

/// Asserts that a territory's `results` say who leads there (`None`: nobody has valid
/// votes yet) and no outcome: a territory elects nobody.
fn assert_territory_leader(results: &Value, leader: Option<&str>) {
    assert_eq!(results["leader"], json!(leader), "{results}");
    assert_eq!(results["outcome"], Value::Null, "{results}");
}

fn entry(line: &str) -> Entry {
    Entry::parse(line.as_bytes()).unwrap_or_else(|e| panic!("{e}: {line}"))
}

fn hash(text: &str) -> Hash {
    BASE64
        .decode(text)
        .expect("base64")
        .try_into()
        .expect("32 bytes")
}

fn hashes(path: &Value) -> Vec<Hash> {
    path.as_array()
        .expect("a path")
        .iter()
        .map(|h| hash(h.as_str().unwrap()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Intake

on_both!(a_new_acta_is_201_and_the_same_again_is_200_unchanged);
async fn a_new_acta_is_201_and_the_same_again_is_200_unchanged(backend: Backend) {
    let s = Server::start(backend).await;
    let first = s.expect(&acta("N1", N1), 201).await;
    assert_eq!(
        first,
        json!({"log_size": 1, "actas": [{"mesa": "N1", "status": "recorded", "index": 0,
                                           "version": 1, "flags": []}]})
    );
    let sha = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";
    let mut with_image = acta("N2", N2);
    with_image["image_sha256"] = json!(sha);
    let second = s.expect(&with_image, 201).await;
    assert_eq!(second["log_size"], 2);
    assert_eq!(second["actas"][0]["index"], 1);

    let again = s.expect(&acta("N1", N1), 200).await;
    assert_eq!(
        again,
        json!({"log_size": 2, "actas": [{"mesa": "N1", "status": "unchanged", "index": 0,
                                           "version": 1, "flags": []}]})
    );
    let again = s.expect(&with_image, 200).await;
    assert_eq!(again["actas"][0]["status"], "unchanged");
    assert_eq!(again["log_size"], 2);

    let lines = s.lines().await;
    assert_eq!(lines.len(), 2, "a resubmission adds no entry");
    assert_eq!(s.size().await, 2);
    let n1 = entry(&lines[0]);
    assert_eq!((n1.index, n1.mesa.as_str(), n1.version), (0, "N1", 1));
    assert_eq!(n1.votes.get("ana"), Some(&30));
    assert_eq!(n1.votes.get("null"), Some(&1));
    assert_eq!(
        (n1.reason, n1.image_sha256, n1.flags.len()),
        (None, None, 0)
    );
    let n2 = entry(&lines[1]);
    assert_eq!(n2.image_sha256.as_deref(), Some(&*sha.to_ascii_lowercase()));
}

on_both!(no_token_a_wrong_token_or_a_malformed_header_is_401);
async fn no_token_a_wrong_token_or_a_malformed_header_is_401(backend: Backend) {
    let s = Server::start(backend).await;
    let body = serde_json::to_vec(&acta("N1", N1)).unwrap();
    let national = s.national.clone();
    let headers = [
        None,
        Some("Bearer not-a-token-of-this-election".to_string()),
        Some(format!("Bearer {national}x")),
        Some(national.clone()),
        Some(format!("Basic {national}")),
        Some("Bearer".to_string()),
        Some("Bearer ".to_string()),
    ];
    for header in &headers {
        let (status, answer) = s.post_raw(header.as_deref(), body.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{header:?}: {answer}");
        assert_error(&answer, None, None, None);
    }
    // Any scheme spelling works with a known token.
    let (status, answer) = s
        .post_raw(Some(&format!("bearer {national}")), body.clone())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(s.size().await, 1);
}

on_both!(a_region_token_is_403_outside_its_region_and_201_inside);
async fn a_region_token_is_403_outside_its_region_and_201_inside(backend: Backend) {
    let s = Server::start(backend).await;
    let (status, answer) = s.submit(&s.region, &acta("C1", C1)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_error(&answer, Some(0), Some("C1"), Some("mesa"));

    let batch = json!([acta("N1", N1), acta("N2", N2), acta("S1", S1)]);
    let (status, answer) = s.submit(&s.region, &batch).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_error(&answer, Some(2), Some("S1"), Some("mesa"));
    assert_eq!(s.size().await, 0, "nothing of a refused batch is recorded");

    let (status, answer) = s.submit(&s.region, &acta("N3", N3)).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["actas"][0]["status"], "recorded");
    let batch = json!([acta("N1", N1), acta("N2", N2)]);
    let (status, answer) = s.submit(&s.region, &batch).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["log_size"], 3);
}

on_both!(different_counts_are_409_without_a_correction_and_a_new_version_with_one);
async fn different_counts_are_409_without_a_correction_and_a_new_version_with_one(
    backend: Backend,
) {
    let s = Server::start(backend).await;
    s.expect(&acta("N1", N1), 201).await;
    s.expect(&acta("C1", C1), 201).await;
    let before = s.results("").await;

    let changed = [30, 20, 12, 2, 1]; // carla 10 → 12
    let (status, answer) = s.submit(&s.national, &acta("N1", changed)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_error(&answer, Some(0), Some("N1"), Some("votes.carla"));
    assert_eq!(s.results("").await, before, "a conflict changes nothing");

    let reason = "recount ordered by the Tribunal";
    let answer = s.expect(&correction("N1", changed, reason, 1), 201).await;
    assert_eq!(
        answer,
        json!({"log_size": 3, "actas": [{"mesa": "N1", "status": "recorded", "index": 2,
                                           "version": 2, "flags": []}]})
    );
    let lines = s.lines().await;
    assert_eq!(lines.len(), 3);
    let corrected = entry(&lines[2]);
    assert_eq!(corrected.reason.as_deref(), Some(reason));
    assert_eq!((corrected.version, corrected.index), (2, 2));
    assert_eq!(corrected.votes.get("carla"), Some(&12));
    assert_eq!(
        entry(&lines[0]).votes.get("carla"),
        Some(&10),
        "version 1 stays"
    );

    // The results count the corrected acta only.
    let results = s.results("").await;
    assert_totals(&results, sum(&[changed, C1]), 2, 6, 200);
    let north = s.results("?region=NORTE").await;
    assert_totals(&north, changed, 1, 3, 100);

    // The corrected counts again: unchanged, at the correction's entry.
    let again = s.expect(&acta("N1", changed), 200).await;
    assert_eq!(again["actas"][0]["index"], 2);
    assert_eq!(again["actas"][0]["version"], 2);
    // The first counts again are now a conflict (they are not the latest).
    let (status, answer) = s.submit(&s.national, &acta("N1", N1)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_error(&answer, Some(0), Some("N1"), Some("votes.carla"));
    assert_eq!(s.size().await, 3);
}

on_both!(a_correction_is_recorded_only_over_the_latest_version);
async fn a_correction_is_recorded_only_over_the_latest_version(backend: Backend) {
    let s = Server::start(backend).await;
    // Nothing to replace yet.
    let (status, answer) = s
        .submit(&s.national, &correction("N1", N1, "early", 1))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_error(&answer, Some(0), Some("N1"), Some("correction.replaces"));
    assert!(
        answer["error"].as_str().unwrap().contains("no acta yet"),
        "{answer}"
    );

    s.expect(&acta("N1", N1), 201).await;
    // Different counts without a correction: 409, saying what a correction needs.
    let changed = [30, 20, 12, 2, 1];
    let (status, answer) = s.submit(&s.national, &acta("N1", changed)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("\"replaces\": 1"),
        "{answer}"
    );
    let first = correction("N1", changed, "recount", 1);
    let answer = s.expect(&first, 201).await;
    assert_eq!(answer["actas"][0]["version"], 2);
    // A second correction of version 1: version 2 replaced it meanwhile. 409 naming it.
    let (status, answer) = s
        .submit(
            &s.national,
            &correction("N1", [30, 20, 13, 2, 1], "other", 1),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_error(&answer, Some(0), Some("N1"), Some("correction.replaces"));
    assert!(
        answer["error"].as_str().unwrap().contains("version 2"),
        "{answer}"
    );
    // The first correction sent again (its answer lost, say): already recorded, 200.
    let again = s.expect(&first, 200).await;
    assert_eq!(again["actas"][0]["status"], "unchanged");
    assert_eq!(again["actas"][0]["version"], 2);
    // Over version 2, the same counts and no new image: nothing new, 200.
    s.expect(&correction("N1", changed, "same", 2), 200).await;
    assert_eq!(s.size().await, 2);

    // Only the sheet's image changes: a new version with the same counts.
    let sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    let mut image = correction("N1", changed, "the sheet was scanned again", 2);
    image["image_sha256"] = json!(sha);
    let before = s.results("").await;
    let answer = s.expect(&image, 201).await;
    assert_eq!(answer["actas"][0]["version"], 3);
    let lines = s.lines().await;
    let third = entry(&lines[2]);
    assert_eq!(third.image_sha256.as_deref(), Some(sha));
    assert_eq!(third.version, 3);
    assert_eq!(third.votes, entry(&lines[1]).votes, "the same counts");
    assert_eq!(third.reason.as_deref(), Some("the sheet was scanned again"));
    let after = s.results("").await;
    assert_eq!(after["options"], before["options"], "the same totals");
    // The same image again (over version 3): unchanged; without a correction, too.
    image["correction"]["replaces"] = json!(3);
    s.expect(&image, 200).await;
    let mut plain = acta("N1", changed);
    plain["image_sha256"] = json!(sha);
    s.expect(&plain, 200).await;
    assert_eq!(s.size().await, 3);
}

/// Eight different corrections of one mesa's version 1 at once, sent to `servers` in
/// turn: one is recorded (201), seven are told version 2 replaced it (409); the log
/// has the mesa's versions 1 and 2 only, and every server shows the same.
async fn racing_corrections(servers: &[&Server]) {
    let first = servers[0];
    first.expect(&acta("C1", C1), 201).await;
    // Every server knows version 1 before the race.
    for s in servers {
        while s.size().await < 1 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let racing = futures_util::future::join_all((0..8u64).map(|i| {
        let s = servers[i as usize % servers.len()];
        let body = correction("C1", [51 + i, 10, 15, 2, 2], &format!("recount {i}"), 1);
        async move { s.submit(&s.national, &body).await }
    }));
    let answers = racing.await;
    let won: Vec<_> = answers
        .iter()
        .filter(|(st, _)| *st == StatusCode::CREATED)
        .collect();
    assert_eq!(won.len(), 1, "{answers:?}");
    assert_eq!(won[0].1["actas"][0]["version"], 2);
    for (status, answer) in answers.iter().filter(|(st, _)| *st != StatusCode::CREATED) {
        assert_eq!(*status, StatusCode::CONFLICT, "{answer}");
        assert_eq!(answer["field"], "correction.replaces", "{answer}");
        assert!(
            answer["error"].as_str().unwrap().contains("version 2"),
            "{answer}"
        );
    }
    let lines = first.lines().await;
    let versions: Vec<u32> = lines.iter().map(|l| entry(l).version).collect();
    assert_eq!(versions, [1, 2], "{lines:?}");
    let deadline = Instant::now() + PATIENCE;
    for s in servers {
        while s.size().await < 2 {
            assert!(Instant::now() < deadline, "the servers did not converge");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(
            without_log(&s.results("").await),
            without_log(&first.results("").await)
        );
    }
}

on_both!(racing_corrections_on_one_server_record_one);
async fn racing_corrections_on_one_server_record_one(backend: Backend) {
    let s = Server::start(backend).await;
    racing_corrections(&[&s]).await;
}

on_both!(racing_corrections_on_two_servers_of_one_database_record_one);
async fn racing_corrections_on_two_servers_of_one_database_record_one(backend: Backend) {
    let a = Server::start(backend).await;
    let b = a.beside().await;
    racing_corrections(&[&a, &b]).await;
}

on_both!(what_the_election_does_not_allow_is_422_naming_acta_mesa_and_field);
async fn what_the_election_does_not_allow_is_422_naming_acta_mesa_and_field(backend: Backend) {
    let s = Server::start(backend).await;
    let with_votes = |mesa: &str, votes: Value| json!({"mesa": mesa, "votes": votes});
    let mut extra = votes_of(N1);
    extra["dora"] = json!(1);
    let mut missing = votes_of(N1);
    missing.as_object_mut().unwrap().remove("null");
    let with = |option: &str, count: Value| {
        let mut votes = votes_of(N1);
        votes[option] = count;
        votes
    };
    // What, the body, and the acta, mesa and field the refusal names.
    type Case<'a> = (
        &'a str,
        Value,
        Option<u64>,
        Option<&'a str>,
        Option<&'a str>,
    );
    let cases: Vec<Case> = vec![
        (
            "unknown mesa",
            acta("X9", N1),
            Some(0),
            Some("X9"),
            Some("mesa"),
        ),
        (
            "unknown option",
            with_votes("N1", extra),
            Some(0),
            Some("N1"),
            Some("votes.dora"),
        ),
        (
            "missing option",
            with_votes("N1", missing),
            Some(0),
            Some("N1"),
            Some("votes.null"),
        ),
        (
            "negative",
            with_votes("N1", with("beto", json!(-1))),
            Some(0),
            Some("N1"),
            Some("votes.beto"),
        ),
        (
            "fraction",
            with_votes("N1", with("carla", json!(1.5))),
            Some(0),
            Some("N1"),
            Some("votes.carla"),
        ),
        (
            "string",
            with_votes("N1", with("ana", json!("5"))),
            Some(0),
            Some("N1"),
            Some("votes.ana"),
        ),
        (
            "null count",
            with_votes("N1", with("ana", Value::Null)),
            Some(0),
            Some("N1"),
            Some("votes.ana"),
        ),
        (
            "a mesa twice",
            json!([acta("N1", N1), acta("N2", N2), acta("N1", N1)]),
            Some(2),
            Some("N1"),
            Some("mesa"),
        ),
        (
            "a bad acta late in a batch",
            json!([
                acta("N1", N1),
                acta("N2", N2),
                with_votes("N3", with("blank", json!(-3)))
            ]),
            Some(2),
            Some("N3"),
            Some("votes.blank"),
        ),
        ("an empty batch", json!([]), None, None, None),
        (
            "a correction without a reason",
            json!({"mesa": "N1", "votes": votes_of(N1), "correction": {}}),
            Some(0),
            Some("N1"),
            Some("correction.reason"),
        ),
        (
            "an unknown key in a correction",
            json!({"mesa": "N1", "votes": votes_of(N1),
                   "correction": {"reason": "x", "replaces": 1, "by": "me"}}),
            Some(0),
            Some("N1"),
            Some("correction.by"),
        ),
        (
            "a misspelt replaces",
            json!({"mesa": "N1", "votes": votes_of(N1),
                   "correction": {"reason": "x", "replace": 1}}),
            Some(0),
            Some("N1"),
            Some("correction.replace"),
        ),
        (
            "a correction that does not say what it replaces",
            json!({"mesa": "N1", "votes": votes_of(N1), "correction": {"reason": "x"}}),
            Some(0),
            Some("N1"),
            Some("correction.replaces"),
        ),
        (
            "version 0",
            json!({"mesa": "N1", "votes": votes_of(N1),
                   "correction": {"reason": "x", "replaces": 0}}),
            Some(0),
            Some("N1"),
            Some("correction.replaces"),
        ),
        (
            "a version as text",
            json!({"mesa": "N1", "votes": votes_of(N1),
                   "correction": {"reason": "x", "replaces": "1"}}),
            Some(0),
            Some("N1"),
            Some("correction.replaces"),
        ),
        (
            "a bad image hash",
            json!({"mesa": "N1", "votes": votes_of(N1), "image_sha256": "abc"}),
            Some(0),
            Some("N1"),
            Some("image_sha256"),
        ),
    ];
    for (what, body, position, mesa, field) in cases {
        let (status, answer) = s.submit(&s.national, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {answer}");
        assert_error(&answer, position, mesa, field);
    }
    assert_eq!(s.size().await, 0, "nothing refused is recorded");
    assert!(s.lines().await.is_empty());
}

on_both!(an_option_named_twice_is_refused);
async fn an_option_named_twice_is_refused(backend: Backend) {
    let s = Server::start(backend).await;
    let auth = format!("Bearer {}", s.national);
    let body = r#"{"mesa": "N1", "votes": {"ana": 30, "beto": 20, "carla": 10, "blank": 2, "null": 1, "ana": 300}}"#;
    let (status, answer) = s.post_raw(Some(&auth), body).await;
    assert_eq!(status.as_u16(), 422, "{answer}");
    assert_eq!(answer["acta"], 0, "{answer}");
    assert_eq!(answer["field"], "votes.ana", "{answer}");
    // In a batch, the acta that repeats it is named.
    let batch = format!(
        "[{}, {}]",
        r#"{"mesa": "N1", "votes": {"ana": 30, "beto": 20, "carla": 10, "blank": 2, "null": 1}}"#,
        body
    );
    let (status, answer) = s.post_raw(Some(&auth), batch).await;
    assert_eq!(status.as_u16(), 422, "{answer}");
    assert_eq!(answer["acta"], 1, "{answer}");
    assert_eq!(answer["field"], "votes.ana", "{answer}");
    assert_eq!(s.size().await, 0);
}

on_both!(a_body_that_is_not_an_acta_is_400);
async fn a_body_that_is_not_an_acta_is_400(backend: Backend) {
    let s = Server::start(backend).await;
    let auth = format!("Bearer {}", s.national);
    for body in [
        &b"{\"mesa\": \"N1\", "[..],
        b"not json",
        b"",
        b"5",
        b"\"N1\"",
        b"null",
    ] {
        let (status, answer) = s.post_raw(Some(&auth), body.to_vec()).await;
        let text = String::from_utf8_lossy(body);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{text:?}: {answer}");
        assert_error(&answer, None, None, None);
    }
    // An element of a batch that is not an object: that acta is named.
    let (status, answer) = s.submit(&s.national, &json!([acta("N1", N1), 7])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_error(&answer, Some(1), None, None);
    assert_eq!(s.size().await, 0);
}

on_both!(a_body_over_the_limit_is_413_with_a_json_error);
async fn a_body_over_the_limit_is_413_with_a_json_error(backend: Backend) {
    let limits = Limits {
        body_bytes: 4096,
        ..Limits::default()
    };
    let s = Server::with(backend, small_mesas(), limits).await;
    let auth = format!("Bearer {}", s.national);

    // Just under the limit (an acta padded with spaces) is read.
    let mut fits = serde_json::to_vec(&acta("N1", N1)).unwrap();
    fits.resize(4000, b' ');
    let (status, answer) = s.post_raw(Some(&auth), fits).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");

    // Over it, with a length...
    let batch: Vec<Value> = (0..60).map(|_| acta("N2", N2)).collect();
    let big = serde_json::to_vec(&batch).unwrap();
    assert!(big.len() > 4096);
    let (status, answer) = s.post_raw(Some(&auth), big.clone()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    assert_error(&answer, None, None, None);

    // ... and without one (chunked).
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        big.chunks(1000).map(|c| Ok(c.to_vec())).collect();
    let stream = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let (status, answer) = s.post_raw(Some(&auth), stream).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    assert_error(&answer, None, None, None);
    assert_eq!(s.size().await, 1);
}

on_both!(more_votes_than_electors_is_recorded_and_flagged);
async fn more_votes_than_electors_is_recorded_and_flagged(backend: Backend) {
    let s = Server::start(backend).await;
    // C2 has 10 electors: exactly 10 votes is no flag.
    let ten = [5, 3, 1, 1, 0];
    let answer = s.expect(&acta("C2", ten), 201).await;
    assert_eq!(answer["actas"][0]["flags"], json!([]));

    let eleven = [5, 3, 1, 1, 1];
    let answer = s
        .expect(&correction("C2", eleven, "null vote missed", 1), 201)
        .await;
    assert_eq!(
        answer["actas"][0]["flags"],
        json!(["votes_exceed_electors"])
    );
    assert_eq!(answer["actas"][0]["version"], 2);
    let lines = s.lines().await;
    assert_eq!(entry(&lines[1]).flags, ["votes_exceed_electors"]);
    assert!(entry(&lines[0]).flags.is_empty());

    let results = s.results("").await;
    assert_eq!(results["mesas_flagged"], 1, "{results}");
    assert_totals(&results, eleven, 1, 6, 10);
    assert_eq!(s.results("?region=CENTRO").await["mesas_flagged"], 1);
    assert_eq!(s.results("?comuna=ÑUÑOA").await["mesas_flagged"], 1);
    assert_eq!(s.results("?region=NORTE").await["mesas_flagged"], 0);
    // The same flagged acta again: unchanged, and its flags said again.
    let answer = s.expect(&acta("C2", eleven), 200).await;
    assert_eq!(
        answer["actas"][0]["flags"],
        json!(["votes_exceed_electors"])
    );

    // A correction within the electors takes the flag away.
    s.expect(&correction("C2", ten, "recounted", 2), 201).await;
    let results = s.results("").await;
    assert_eq!(results["mesas_flagged"], 0, "{results}");
    assert_eq!(s.results("?region=CENTRO").await["mesas_flagged"], 0);
}

// ---------------------------------------------------------------------------------------
// Batches

on_both!(a_batch_with_one_bad_acta_records_nothing);
async fn a_batch_with_one_bad_acta_records_nothing(backend: Backend) {
    let s = Server::start(backend).await;
    s.expect(&acta("N1", N1), 201).await;
    let results = s.results("").await;
    let north = s.results("?region=NORTE").await;

    let mut bad = acta("C1", C1);
    bad["votes"]["beto"] = json!(1.5);
    let batch = json!([acta("N2", N2), acta("N3", N3), bad]);
    let (status, answer) = s.submit(&s.national, &batch).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_error(&answer, Some(2), Some("C1"), Some("votes.beto"));

    // A conflict at position 1 is decided by the writer, after position 0 was accepted.
    let batch = json!([
        acta("N2", N2),
        acta("N1", [31, 20, 10, 2, 1]),
        acta("N3", N3)
    ]);
    let (status, answer) = s.submit(&s.national, &batch).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_error(&answer, Some(1), Some("N1"), Some("votes.ana"));

    assert_eq!(s.results("").await, results, "nothing was recorded");
    assert_eq!(s.results("?region=NORTE").await, north);
    assert_eq!(s.lines().await.len(), 1);

    // Fixed, the same batch is recorded whole, at the next indexes.
    let batch = json!([
        acta("N2", N2),
        acta("N1", N1),
        acta("N3", N3),
        acta("C1", C1)
    ]);
    let answer = s.expect(&batch, 201).await;
    assert_eq!(answer["log_size"], 4);
    let statuses: Vec<&str> = answer["actas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["recorded", "unchanged", "recorded", "recorded"]);
    let indexes: Vec<u64> = answer["actas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indexes, [1, 0, 2, 3]);
    assert_totals(&s.results("").await, sum(&[N1, N2, N3, C1]), 4, 6, 400);
}

on_both!(a_batch_of_recorded_and_new_actas_is_201_and_of_recorded_only_200);
async fn a_batch_of_recorded_and_new_actas_is_201_and_of_recorded_only_200(backend: Backend) {
    let s = Server::start(backend).await;
    s.expect(&json!([acta("N1", N1), acta("N2", N2)]), 201)
        .await;
    let answer = s
        .expect(
            &json!([acta("N1", N1), acta("C1", C1), acta("N2", N2)]),
            201,
        )
        .await;
    assert_eq!(
        answer,
        json!({"log_size": 3, "actas": [
            {"mesa": "N1", "status": "unchanged", "index": 0, "version": 1, "flags": []},
            {"mesa": "C1", "status": "recorded", "index": 2, "version": 1, "flags": []},
            {"mesa": "N2", "status": "unchanged", "index": 1, "version": 1, "flags": []}]})
    );
    let answer = s
        .expect(
            &json!([acta("C1", C1), acta("N2", N2), acta("N1", N1)]),
            200,
        )
        .await;
    assert!(answer["actas"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["status"] == "unchanged"));
    assert_eq!(answer["log_size"], 3);
    assert_eq!(s.lines().await.len(), 3);
}

async fn submit(s: &Server, body: Value) -> (StatusCode, Value) {
    s.submit(&s.national, &body).await
}

on_both!(racing_submissions_of_one_mesa_record_it_once);
async fn racing_submissions_of_one_mesa_record_it_once(backend: Backend) {
    let s = Server::start(backend).await;
    // The same acta from eight clients at once: one is recorded, the others unchanged.
    let same = futures_util::future::join_all((0..8).map(|_| submit(&s, acta("N1", N1))));
    let answers = same.await;
    let created: Vec<_> = answers
        .iter()
        .filter(|(st, _)| *st == StatusCode::CREATED)
        .collect();
    assert_eq!(created.len(), 1, "{answers:?}");
    for (status, answer) in &answers {
        assert!(matches!(status.as_u16(), 200 | 201), "{answer}");
        assert_eq!(answer["actas"][0]["index"], 0);
    }
    // Different counts for one mesa from eight clients at once: one wins, seven conflict.
    let racing = futures_util::future::join_all(
        (0..8).map(|i| submit(&s, acta("C1", [50 + i, 10, 15, 2, 2]))),
    );
    let answers = racing.await;
    let won: Vec<_> = answers
        .iter()
        .filter(|(st, _)| *st == StatusCode::CREATED)
        .collect();
    assert_eq!(won.len(), 1, "{answers:?}");
    let lost = answers
        .iter()
        .filter(|(st, _)| *st == StatusCode::CONFLICT)
        .count();
    assert_eq!(lost, 7, "{answers:?}");
    // Different mesas at once: all recorded, at distinct consecutive indexes.
    let others = ["N2", "N3", "C2", "S1"];
    let answers =
        futures_util::future::join_all(others.iter().map(|m| submit(&s, acta(m, [1, 1, 1, 0, 0]))))
            .await;
    let mut indexes: Vec<u64> = answers
        .iter()
        .map(|(st, a)| {
            assert_eq!(*st, StatusCode::CREATED, "{a}");
            a["actas"][0]["index"].as_u64().unwrap()
        })
        .collect();
    indexes.sort();
    assert_eq!(indexes, [2, 3, 4, 5]);
    let lines = s.lines().await;
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(entry(line).index, i as u64);
    }
    assert_eq!(s.results("").await["mesas_counted"], 6);
}

// ---------------------------------------------------------------------------------------
// Results

on_both!(results_are_the_sums_of_the_actas_with_the_outcome_they_give);
async fn results_are_the_sums_of_the_actas_with_the_outcome_they_give(backend: Backend) {
    let s = Server::start(backend).await;
    let nothing = s.results("").await;
    assert_totals(&nothing, [0; 5], 0, 6, 0);
    assert_eq!(nothing["outcome"], Value::Null);
    assert_eq!(nothing["territory"], Value::Null);
    assert_eq!(nothing["election"], NAME);
    assert_eq!(nothing["system"], "cl-presidential");
    assert_eq!(nothing["log_size"], 0);

    s.expect(
        &json!([acta("N1", N1), acta("N2", N2), acta("N3", N3)]),
        201,
    )
    .await;
    s.expect(&acta("C1", C1), 201).await;

    // The nation: ana 115, beto 100, carla 50 — 4 of 6 mesas: ana leads; if the count
    // ended now, a runoff.
    let nation = s.results("").await;
    assert_totals(&nation, sum(&[N1, N2, N3, C1]), 4, 6, 400);
    assert_leading(&nation, "ana", "runoff", &["ana", "beto"]);
    assert_eq!(nation["mesas_flagged"], 0);
    assert_eq!(nation["log_size"], 4);

    // NORTE is complete (3 of 3): beto leads it; a region elects nobody.
    let north = s.results("?region=NORTE").await;
    assert_eq!(
        north["territory"],
        json!({"column": "region", "value": "NORTE"})
    );
    assert_totals(&north, sum(&[N1, N2, N3]), 3, 3, 300);
    assert_territory_leader(&north, Some("beto"));
    // CENTRO: ana has two thirds, but one mesa of two is missing.
    let centre = s.results("?region=CENTRO").await;
    assert_totals(&centre, C1, 1, 2, 100);
    assert_territory_leader(&centre, Some("ana"));
    // SUR: nothing counted, nobody leads.
    let south = s.results("?region=SUR").await;
    assert_totals(&south, [0; 5], 0, 1, 0);
    assert_territory_leader(&south, None);
    // A comuna.
    let calama = s.results("?comuna=CALAMA").await;
    assert_eq!(
        calama["territory"],
        json!({"column": "comuna", "value": "CALAMA"})
    );
    assert_totals(&calama, N3, 1, 1, 100);
    assert_territory_leader(&calama, Some("beto"));
    let antofagasta = s.results("?comuna=ANTOFAGASTA").await;
    assert_totals(&antofagasta, sum(&[N1, N2]), 2, 2, 200);
    // The log fields are the same in every answer of one size.
    assert_eq!(north["log_root"], nation["log_root"]);
    // The breakdown's territories, too, only lead.
    let by_region = s.ok("/api/v1/results/breakdown?by=region").await;
    let leaders: Vec<&Value> = by_region["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| {
            assert_eq!(v["outcome"], Value::Null, "{v}");
            &v["leader"]
        })
        .collect();
    assert_eq!(leaders, [&json!("beto"), &json!("ana"), &Value::Null]);

    // Every mesa: ana 180 of 344 valid, elected, final.
    s.expect(&json!([acta("C2", C2), acta("S1", S1)]), 201)
        .await;
    let nation = s.results("").await;
    assert_totals(&nation, sum(&[N1, N2, N3, C1, C2, S1]), 6, 6, 510);
    assert_final(&nation, "elected", &["ana"]);
    assert_eq!(nation["leader"], "ana");
    let centre = s.results("?region=CENTRO").await;
    assert_totals(&centre, sum(&[C1, C2]), 2, 2, 110);
    assert_territory_leader(&centre, Some("ana"));
}

on_both!(one_mesa_of_six_with_a_majority_is_leading_never_elected);
async fn one_mesa_of_six_with_a_majority_is_leading_never_elected(backend: Backend) {
    let s = Server::start(backend).await;
    // One mesa, and a fake one at that: S1 gives ana 5,000 of 5,010 valid votes. The law would
    // elect her if the count ended now; 1 of 6 mesas is no result.
    s.expect(&acta("S1", [5000, 5, 5, 1, 1]), 201).await;
    let nation = s.results("").await;
    assert_leading(&nation, "ana", "elected", &["ana"]);
    assert!(nation["outcome"]["explanation"]
        .as_str()
        .unwrap()
        .contains("1 of 6 mesas counted"));
    // Its region is complete and still elects nobody.
    let south = s.results("?region=SUR").await;
    assert_eq!(
        (&south["mesas_counted"], &south["mesas_total"]),
        (&json!(1), &json!(1))
    );
    assert_territory_leader(&south, Some("ana"));
}

fn option_names(results: &Value) -> Vec<String> {
    results["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| o["option"].as_str().unwrap().to_string())
        .collect()
}

on_both!(options_with_the_same_votes_are_in_name_order);
async fn options_with_the_same_votes_are_in_name_order(backend: Backend) {
    let options = ["kast", "boric", "blank", "null"];
    let s = Server::build(
        backend,
        vec![mesa("1", "R", "C", 100)],
        &options,
        Limits::default(),
    )
    .await;
    let tie = json!({"mesa": "1", "votes": {"kast": 5, "boric": 5, "blank": 0, "null": 0}});
    s.expect(&tie, 201).await;
    assert_eq!(option_names(&s.results("").await), ["boric", "kast"]);
}

on_both!(options_without_votes_are_in_name_order);
async fn options_without_votes_are_in_name_order(backend: Backend) {
    let options = ["kast", "boric", "blank", "null"];
    let s = Server::build(
        backend,
        vec![mesa("1", "R", "C", 100)],
        &options,
        Limits::default(),
    )
    .await;
    assert_eq!(option_names(&s.results("").await), ["boric", "kast"]);
}

on_both!(the_projection_estimates_the_result_and_records_the_call_once);
async fn the_projection_estimates_the_result_and_records_the_call_once(backend: Backend) {
    let s = Server::start(backend).await;
    let (status, body) = s.json("/api/v1/projection").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    s.expect(
        &json!([
            acta("N1", N1),
            acta("N2", N2),
            acta("N3", N3),
            acta("C1", C1)
        ]),
        201,
    )
    .await;
    let p = s.ok("/api/v1/projection").await;
    let keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
    for key in [
        "contest",
        "district",
        "log_size",
        "mesas_counted",
        "mesas_total",
        "level",
        "expected_counted",
        "turnout",
        "options",
        "seats",
        "call",
        "method",
    ] {
        assert!(keys.contains(&key), "{key} missing: {p}");
    }
    assert_eq!(p["contest"], NAME);
    assert_eq!(p["district"], Value::Null);
    assert_eq!(p["seats"], Value::Null);
    assert_eq!(
        (p["log_size"].as_u64(), p["mesas_counted"].as_u64()),
        (Some(4), Some(4))
    );
    assert_eq!(p["mesas_total"], 6);
    assert_eq!(p["level"], 0.9);
    // 4 of 6 mesas, 110 electors uncounted: ana (115 of 265 valid) has no majority
    // whatever they do, and each mesa is its own place: no spread to project a call from.
    assert_eq!(p["call"], Value::Null);
    let options = p["options"].as_array().unwrap();
    let names: Vec<&str> = options
        .iter()
        .map(|o| o["option"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ana", "beto", "carla"]);
    let shares: f64 = options.iter().map(|o| o["share"].as_f64().unwrap()).sum();
    assert!((shares - 1.0).abs() < 1e-9, "{shares}");
    for (o, counted) in options.iter().zip([115.0, 100.0, 50.0]) {
        let f = |k: &str| o[k].as_f64().unwrap();
        assert!(f("low") <= f("share") && f("share") <= f("high"), "{o}");
        assert!(f("votes_low") >= counted && f("votes") >= counted, "{o}");
    }
    assert!(p["turnout"]["estimate"].as_f64().unwrap() > 0.0);
    let counted = p["expected_counted"]["estimate"].as_f64().unwrap();
    assert!(counted > 0.5 && counted < 1.0, "{counted}");
    assert_eq!(s.ok("/api/v1/projection?level=0.95").await["level"], 0.95);
    for query in ["?level=0.7", "?level=x", "?region=NORTE", "?district=1"] {
        let (status, body) = s.json(&format!("/api/v1/projection{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_error(&body, None, None, None);
    }
    let (status, _) = s.json("/api/v1/projection?contest=other").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // S1: ana 175 of 335 valid, 10 electors left: a majority whatever they do.
    s.expect(&acta("S1", S1), 201).await;
    let call = json!({"outcome": {"winner": "ana"}, "by": "mathematics", "at_log_size": 5, "at_mesas_counted": 5});
    assert_eq!(s.ok("/api/v1/projection").await["call"], call);
    // The last mesa: the call stays as it was made.
    s.expect(&acta("C2", C2), 201).await;
    let done = s.ok("/api/v1/projection").await;
    assert_eq!(done["call"], call);
    assert_eq!(done["mesas_counted"], 6);
    let ana = &done["options"][0];
    assert!(
        (ana["share"].as_f64().unwrap() - 180.0 / 344.0).abs() < 1e-12,
        "{ana}"
    );
    assert_eq!(ana["low"], ana["high"]);
}

on_both!(results_refuse_unknown_territories_and_two_at_once);
async fn results_refuse_unknown_territories_and_two_at_once(backend: Backend) {
    let s = Server::start(backend).await;
    s.expect(&acta("N1", N1), 201).await;
    for query in [
        "?provincia=NORTE",
        "?region=ESTE",
        "?region=norte",
        "?comuna=NORTE",
    ] {
        let (status, body) = s.json(&format!("/api/v1/results{query}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{query}: {body}");
        assert_error(&body, None, None, None);
    }
    for query in ["?region=NORTE&comuna=CALAMA", "?region=NORTE&region=SUR"] {
        let (status, body) = s.json(&format!("/api/v1/results{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_error(&body, None, None, None);
    }
    // Values with spaces and letters beyond ASCII, percent-encoded or with '+'.
    s.expect(&json!([acta("C1", C1), acta("S1", S1)]), 201)
        .await;
    for query in [
        "?comuna=PADRE%20LAS%20CASAS",
        "?comuna=PADRE+LAS+CASAS",
        "?comuna=PADRE LAS CASAS",
    ] {
        let south = s.results(query).await;
        assert_eq!(
            south["territory"],
            json!({"column": "comuna", "value": "PADRE LAS CASAS"})
        );
        assert_totals(&south, S1, 1, 1, 100);
    }
    for query in ["?comuna=%C3%91U%C3%91OA", "?comuna=ÑUÑOA"] {
        let nunoa = s.results(query).await;
        assert_eq!(nunoa["territory"]["value"], "ÑUÑOA");
        assert_totals(&nunoa, C1, 1, 2, 100);
    }
}

on_both!(a_breakdown_lists_every_value_of_a_column_in_file_order);
async fn a_breakdown_lists_every_value_of_a_column_in_file_order(backend: Backend) {
    let s = Server::start(backend).await;
    s.expect(
        &json!([acta("N1", N1), acta("C1", C1), acta("C2", C2)]),
        201,
    )
    .await;
    let by_region = s.ok("/api/v1/results/breakdown?by=region").await;
    assert_eq!(by_region["by"], "region");
    let values = by_region["values"].as_array().expect("values");
    let names: Vec<&str> = values
        .iter()
        .map(|v| v["territory"]["value"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["NORTE", "CENTRO", "SUR"], "the mesa file's order");
    for value in values {
        let name = value["territory"]["value"].as_str().unwrap();
        let alone = s.results(&format!("?region={name}")).await;
        assert_eq!(value, &without_log(&alone), "{name}");
    }
    assert_totals(&values[0], N1, 1, 3, 100);
    assert_totals(&values[1], sum(&[C1, C2]), 2, 2, 110);
    assert_totals(&values[2], [0; 5], 0, 1, 0);
    let nation = s.results("").await;
    assert_eq!(by_region["log_size"], nation["log_size"]);
    assert_eq!(by_region["log_root"], nation["log_root"]);

    let by_comuna = s.ok("/api/v1/results/breakdown?by=comuna").await;
    let names: Vec<&str> = by_comuna["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["territory"]["value"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ANTOFAGASTA", "CALAMA", "ÑUÑOA", "PADRE LAS CASAS"]);

    let (status, body) = s.json("/api/v1/results/breakdown?by=nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_error(&body, None, None, None);
    let (status, body) = s.json("/api/v1/results/breakdown").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_error(&body, None, None, None);
}

on_both!(the_election_says_what_it_is);
async fn the_election_says_what_it_is(backend: Backend) {
    let s = Server::start(backend).await;
    let election = s.ok("/api/v1/election").await;
    assert_eq!(election["name"], NAME);
    assert_eq!(election["system"], "cl-presidential");
    assert_eq!(election["options"], json!(OPTIONS));
    assert_eq!(election["id_columns"], json!(["mesa"]));
    assert_eq!(election["territory_columns"], json!(["region", "comuna"]));
    assert_eq!(election["mesas_total"], 6);
    assert_eq!(
        election["territories"],
        json!({"region": ["NORTE", "CENTRO", "SUR"],
               "comuna": ["ANTOFAGASTA", "CALAMA", "ÑUÑOA", "PADRE LAS CASAS"]})
    );
}

// ---------------------------------------------------------------------------------------
// The log

/// Seven entries (a correction among them): a size that is no power of two.
async fn seven_entries(s: &Server) {
    s.expect(
        &json!([acta("N1", N1), acta("N2", N2), acta("N3", N3)]),
        201,
    )
    .await;
    s.expect(&acta("C1", C1), 201).await;
    s.expect(
        &correction("N2", [25, 31, 5, 1, 0], "one vote for beto", 1),
        201,
    )
    .await;
    s.expect(&json!([acta("C2", C2), acta("S1", S1)]), 201)
        .await;
}

on_both!(the_log_is_canonical_lines_under_a_signed_checkpoint);
async fn the_log_is_canonical_lines_under_a_signed_checkpoint(backend: Backend) {
    let s = Server::start(backend).await;
    seven_entries(&s).await;

    let response = s.get("/api/v1/log/entries").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let text = response.text().await.unwrap();
    assert!(text.ends_with('\n'));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7);
    for (i, line) in lines.iter().enumerate() {
        let e = entry(line);
        assert_eq!(e.index, i as u64);
        assert_eq!(e.to_line(), *line, "canonical");
    }
    // A range, and a range past the end.
    let (_, part) = s.text("/api/v1/log/entries?from=2&to=4").await;
    assert_eq!(part.lines().collect::<Vec<_>>(), &lines[2..4]);
    let (_, tail) = s.text("/api/v1/log/entries?from=5").await;
    assert_eq!(tail.lines().collect::<Vec<_>>(), &lines[5..]);
    let (_, clamped) = s.text("/api/v1/log/entries?from=6&to=100").await;
    assert_eq!(clamped.lines().collect::<Vec<_>>(), &lines[6..]);
    let (status, end) = s.text("/api/v1/log/entries?from=7").await;
    assert_eq!((status, end.as_str()), (StatusCode::OK, ""));
    let (status, body) = s.json("/api/v1/log/entries?from=8").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_error(&body, None, None, None);
    let (status, body) = s.json("/api/v1/log/entries?from=two").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_error(&body, None, None, None);

    // The checkpoint verifies with the published key; its root is the lines' root.
    let (status, key) = s.text("/api/v1/key").await;
    assert_eq!(status, StatusCode::OK);
    let key = key.trim_end();
    assert_eq!(s.ok("/api/v1/election").await["key"], key);
    let verifier = NoteVerifier::parse(key).expect("a verifier key");
    assert_eq!(verifier.name(), NAME);
    let (status, note) = s.text("/api/v1/log/checkpoint").await;
    assert_eq!(status, StatusCode::OK);
    let body = verifier
        .verify(&note)
        .expect("the checkpoint's signature verifies");
    let checkpoint = Checkpoint::parse(body).expect("a checkpoint");
    assert_eq!(checkpoint.origin, NAME);
    assert_eq!(checkpoint.size, 7);
    let bytes: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
    let tree = cifra_log::rebuild(&bytes);
    assert_eq!(checkpoint.root, tree.root());
    let results = s.results("").await;
    assert_eq!(results["log_size"], 7);
    assert_eq!(hash(results["log_root"].as_str().unwrap()), tree.root());
    // The store answers: nothing served is stale.
    assert_eq!(results["stale"], false);
    let (_, tlog) = s.text("/log/checkpoint").await;
    assert_eq!(tlog, note, "/log/checkpoint is the same note");

    // A key of another election does not verify it.
    let (other, _) = cifra_log::NoteSigner::generate(NAME).unwrap();
    let other = NoteVerifier::parse(&other.verifier_key()).unwrap();
    assert!(other.verify(&note).is_err());
}

on_both!(every_entry_has_an_inclusion_proof_and_sizes_a_consistency_proof);
async fn every_entry_has_an_inclusion_proof_and_sizes_a_consistency_proof(backend: Backend) {
    let s = Server::start(backend).await;
    seven_entries(&s).await;
    let lines = s.lines().await;
    let bytes: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
    let tree = cifra_log::rebuild(&bytes);
    let n = lines.len() as u64;

    for size in [n, 5, 1] {
        let root = tree.root_at(size).unwrap();
        for index in 0..size {
            let proof = s
                .ok(&format!("/api/v1/log/proof?index={index}&size={size}"))
                .await;
            assert_eq!(
                (proof["index"].as_u64(), proof["size"].as_u64()),
                (Some(index), Some(size))
            );
            let leaf = hash(proof["leaf_hash"].as_str().unwrap());
            assert_eq!(leaf, cifra_log::leaf_hash(bytes[index as usize]));
            cifra_log::verify_inclusion(&leaf, index, size, &hashes(&proof["path"]), &root)
                .unwrap_or_else(|e| panic!("entry {index} in size {size}: {e}"));
            // The proof does not prove another leaf.
            if size > 1 {
                let other = cifra_log::leaf_hash(bytes[((index + 1) % size) as usize]);
                assert!(cifra_log::verify_inclusion(
                    &other,
                    index,
                    size,
                    &hashes(&proof["path"]),
                    &root
                )
                .is_err());
            }
        }
    }
    for (from, to) in [(1, n), (3, n), (4, n), (4, 6), (2, 5), (n, n), (0, n)] {
        let proof = s
            .ok(&format!("/api/v1/log/consistency?from={from}&to={to}"))
            .await;
        assert_eq!(
            (proof["from"].as_u64(), proof["to"].as_u64()),
            (Some(from), Some(to))
        );
        let old = tree.root_at(from).unwrap();
        let new = tree.root_at(to).unwrap();
        cifra_log::verify_consistency(from, to, &old, &new, &hashes(&proof["path"]))
            .unwrap_or_else(|e| panic!("{from} → {to}: {e}"));
    }
    for query in [
        "/api/v1/log/proof?index=7&size=7",
        "/api/v1/log/proof?index=0&size=8",
        "/api/v1/log/proof?index=3&size=2",
        "/api/v1/log/proof?index=0&size=0",
        "/api/v1/log/proof?index=0",
        "/api/v1/log/proof?index=x&size=7",
        "/api/v1/log/proof?index=-1&size=7",
        "/api/v1/log/proof",
        "/api/v1/log/consistency?from=5&to=3",
        "/api/v1/log/consistency?from=1&to=8",
        "/api/v1/log/consistency?from=1",
        "/api/v1/log/consistency?from=a&to=b",
    ] {
        let (status, body) = s.json(query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_error(&body, None, None, None);
    }
}

on_both!(the_tiles_are_the_leaf_hashes_and_the_entry_lines);
async fn the_tiles_are_the_leaf_hashes_and_the_entry_lines(backend: Backend) {
    let s = Server::start(backend).await;
    seven_entries(&s).await;
    let lines = s.lines().await;
    let n = lines.len();

    for width in [n, 3, 1] {
        let response = s.get(&format!("/log/tile/0/000.p/{width}")).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"],
            "application/octet-stream"
        );
        let tile = response.bytes().await.unwrap();
        let expected: Vec<u8> = lines[..width]
            .iter()
            .flat_map(|l| cifra_log::leaf_hash(l.as_bytes()))
            .collect();
        assert_eq!(tile.to_vec(), expected, "hash tile of width {width}");

        let (status, bundle) = s.bytes(&format!("/log/tile/entries/000.p/{width}")).await;
        assert_eq!(status, StatusCode::OK);
        let entries = cifra_log::parse_entry_bundle(&bundle).expect("an entry bundle");
        let expected: Vec<&[u8]> = lines[..width].iter().map(|l| l.as_bytes()).collect();
        assert_eq!(entries, expected, "entry bundle of width {width}");
    }
    for path in [
        format!("/log/tile/0/000.p/{}", n + 1),
        format!("/log/tile/entries/000.p/{}", n + 1),
        "/log/tile/0/000".into(),
        "/log/tile/entries/000".into(),
        "/log/tile/0/001.p/1".into(),
        "/log/tile/1/000.p/1".into(),
        "/log/tile/entries/001.p/1".into(),
        "/log/tile/0/0.p/1".into(),
        "/log/tile/0/000.p/0".into(),
        "/log/tile/nope".into(),
        // The last bundle a u64 index can name: its end is past u64::MAX.
        "/log/tile/entries/x072/x057/x594/x037/x927/935".into(),
        "/log/tile/entries/x072/x057/x594/x037/x927/935.p/255".into(),
        "/log/tile/0/x072/x057/x594/x037/x927/935".into(),
    ] {
        let (status, body) = s.json(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_error(&body, None, None, None);
    }
}

// ---------------------------------------------------------------------------------------
// Events

on_both!(events_carry_the_new_totals_and_entries_and_resume_from_last_event_id);
async fn events_carry_the_new_totals_and_entries_and_resume_from_last_event_id(backend: Backend) {
    let s = Server::start(backend).await;
    s.expect(&json!([acta("N1", N1), acta("C1", C1)]), 201)
        .await;

    let mut events = s.events("", None).await;
    let first = events.next().await;
    assert_eq!(first.event.as_deref(), Some("results"));
    assert_eq!(first.id(), 2);
    assert_eq!(first.data["log_size"], 2);
    assert_eq!(
        first.data["entries"],
        json!([]),
        "a new client gets no entries"
    );
    let results = s.results("").await;
    assert_eq!(first.data["results"], without_log(&results));
    assert_eq!(first.data["log_root"], results["log_root"]);
    let breakdown = s.ok("/api/v1/results/breakdown?by=region").await;
    assert_eq!(first.data["breakdown"], without_log(&breakdown));

    s.expect(&json!([acta("N2", N2), acta("S1", S1)]), 201)
        .await;
    let next = events.next().await;
    assert_eq!(next.id(), 4);
    assert_eq!(next.data["log_size"], 4);
    let lines = s.lines().await;
    assert_eq!(next.entries(), &lines[2..4], "exactly the new entries");
    let results = s.results("").await;
    assert_eq!(next.data["results"], without_log(&results));
    assert_totals(&next.data["results"], sum(&[N1, C1, N2, S1]), 4, 6, 400);
    assert_eq!(next.data["log_root"], results["log_root"]);
    let breakdown = s.ok("/api/v1/results/breakdown?by=region").await;
    assert_eq!(next.data["breakdown"], without_log(&breakdown));
    drop(events);

    // Missed: index 4 on (recorded while away). Resuming from 2 gets 2.. at once.
    s.expect(&correction("N1", [30, 20, 11, 2, 1], "typo", 1), 201)
        .await;
    let lines = s.lines().await;
    let mut events = s.events("", Some(2)).await;
    let resumed = events.next().await;
    assert_eq!(resumed.id(), 5);
    assert_eq!(resumed.entries(), &lines[2..5]);
    assert_eq!(entry(&resumed.entries()[0]).index, 2);
    let mut events = s.events("", Some(0)).await;
    assert_eq!(events.next().await.entries(), lines);
    // Up to date: the current state, no entries.
    let mut events = s.events("", Some(5)).await;
    let current = events.next().await;
    assert_eq!(
        (current.id(), current.data["entries"].clone()),
        (5, json!([]))
    );
}

on_both!(a_results_event_is_exactly_cifra_night_s_results_event);
async fn a_results_event_is_exactly_cifra_night_s_results_event(backend: Backend) {
    // The server writes the event's JSON by hand (its parts are shared by every stream);
    // the type clients read it with is cifra-night's. Each event must read as that type,
    // which knows no other field, and write back as the same JSON: nothing missing,
    // nothing extra, at any depth.
    let s = Server::start(backend).await;
    s.expect(&json!([acta("N1", N1), acta("C1", C1)]), 201)
        .await;
    let mut with_entries = s.events("", Some(0)).await;
    let mut without = s.events("?entries=false", Some(0)).await;
    let events = [with_entries.next().await, without.next().await];
    for event in &events {
        assert_eq!(event.event.as_deref(), Some("results"));
        let typed: ResultsEvent<LiveResults> = serde_json::from_value(event.data.clone())
            .unwrap_or_else(|e| panic!("not a ResultsEvent ({e}): {}", event.data));
        assert_eq!(serde_json::to_value(&typed).unwrap(), event.data);
        assert_eq!(typed.log_size, 2);
        assert_eq!(typed.results.mesas_counted, 2);
        let breakdown = typed.breakdown.expect("a breakdown by region");
        assert_eq!(breakdown.by, "region");
    }
    let [with_entries, without] = events.map(|e| {
        serde_json::from_value::<ResultsEvent<LiveResults>>(e.data)
            .unwrap()
            .entries
    });
    assert_eq!(with_entries.map(|e| e.len()), Some(2));
    assert_eq!(without, None);
}

on_both!(events_without_entries_leave_them_out);
async fn events_without_entries_leave_them_out(backend: Backend) {
    let s = Server::start(backend).await;
    s.expect(&acta("N1", N1), 201).await;
    let mut events = s.events("?entries=false", Some(0)).await;
    let first = events.next().await;
    assert_eq!(first.id(), 1);
    assert!(first.data.get("entries").is_none(), "{}", first.data);
    assert_eq!(first.data["results"]["mesas_counted"], 1);
    s.expect(&acta("N2", N2), 201).await;
    let next = events.next().await;
    assert_eq!(next.id(), 2);
    assert!(next.data.get("entries").is_none(), "{}", next.data);
    assert_eq!(next.data["results"]["mesas_counted"], 2);
    // What is not a boolean is refused like any other bad request.
    let (status, body) = s.json("/api/v1/events?entries=maybe").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_error(&body, None, None, None);
}

on_both!(submissions_close_together_give_at_most_one_event_per_250_ms);
async fn submissions_close_together_give_at_most_one_event_per_250_ms(backend: Backend) {
    let s = Server::start(backend).await;
    let mut events = s.events("", None).await;
    let first = events.next().await;
    assert_eq!(first.id(), 0);
    // Three submissions as fast as the writer takes them, right after the first event.
    for (mesa, votes) in [("N1", N1), ("N2", N2), ("N3", N3)] {
        s.expect(&acta(mesa, votes), 201).await;
    }
    let mut all = vec![first];
    all.extend(events.until(3).await);
    for pair in all.windows(2) {
        let gap = pair[1].at.duration_since(pair[0].at);
        // The server keeps 250 ms; the margin is for a loaded machine.
        assert!(
            gap >= Duration::from_millis(150),
            "events {} and {} came {gap:?} apart",
            pair[0].id(),
            pair[1].id()
        );
    }
    // Whatever the grouping, the entries add up to the log, in order.
    let carried: Vec<String> = all.iter().flat_map(|e| e.entries()).collect();
    assert_eq!(carried, s.lines().await);
}

on_both!(a_client_far_behind_gets_its_events_at_once);
async fn a_client_far_behind_gets_its_events_at_once(backend: Backend) {
    let mesas: Vec<_> = (0..5_000)
        .map(|i| {
            mesa(
                &format!("M{i}"),
                ["NORTE", "CENTRO", "SUR"][i % 3],
                "X",
                300,
            )
        })
        .collect();
    let s = Server::with(backend, mesas, Limits::default()).await;
    let batch: Vec<Value> = (0..5_000)
        .map(|i| acta(&format!("M{i}"), [i as u64 % 7, 3, 2, 1, 0]))
        .collect();
    let answer = s.expect(&Value::Array(batch), 201).await;
    assert_eq!(answer["log_size"], 5_000);

    let mut events = s.events("", Some(0)).await;
    let all = events.until(5_000).await;
    let ids: Vec<u64> = all.iter().map(Event::id).collect();
    assert_eq!(
        ids,
        [1_000, 2_000, 3_000, 4_000, 5_000],
        "at most 1,000 entries an event"
    );
    let lines = s.lines().await;
    for (i, event) in all.iter().enumerate() {
        assert_eq!(event.entries(), &lines[i * 1_000..(i + 1) * 1_000]);
    }
    // Throttled to one per 250 ms they would take a second at least; at once they take
    // what building and reading 5,000 entries takes (about 150 ms here, in debug, with
    // the other tests running).
    let span = all[4].at.duration_since(all[0].at);
    assert!(
        span < Duration::from_millis(750),
        "5 catch-up events took {span:?}"
    );
}

on_both!(a_client_too_far_behind_gets_a_resync_without_the_backlog);
async fn a_client_too_far_behind_gets_a_resync_without_the_backlog(backend: Backend) {
    let behind = cifra_server::events::RESYNC_BEHIND as usize + 1;
    let mesas: Vec<_> = (0..behind)
        .map(|i| mesa(&format!("M{i}"), ["NORTE", "SUR"][i % 2], "X", 300))
        .collect();
    let s = Server::with(backend, mesas, Limits::default()).await;
    let batch: Vec<Value> = (0..behind)
        .map(|i| acta(&format!("M{i}"), [i as u64 % 7, 3, 2, 1, 0]))
        .collect();
    s.expect(&Value::Array(batch), 201).await;

    // Resuming from the start: one event with the state now, not 11 of entries.
    let mut events = s.events("", Some(0)).await;
    let first = events.next().await;
    assert_eq!(first.event.as_deref(), Some("resync"), "{:?}", first.data);
    assert_eq!(first.id(), behind as u64);
    assert_eq!(first.data["log_size"], behind);
    assert_eq!(first.data["resync_from"], 0);
    assert!(first.data.get("entries").is_none(), "no backlog of entries");
    assert_eq!(first.data["results"]["mesas_counted"], behind);
    // Just within reach, the entries still come.
    let near = behind as u64 - cifra_server::events::RESYNC_BEHIND;
    let mut events = s.events("", Some(near)).await;
    let caught_up = events.until(behind as u64).await;
    assert!(caught_up
        .iter()
        .all(|e| e.event.as_deref() == Some("results")));
    let lines = s.lines().await;
    let sent: Vec<_> = caught_up.iter().flat_map(|e| e.entries()).collect();
    assert_eq!(sent.len(), behind - near as usize);
    // (The log's lines as one answer serves them: the first 10,000.)
    let known = lines.len() - near as usize;
    assert!(
        sent[..known] == lines[near as usize..],
        "the entries from {near} on"
    );
}

// ---------------------------------------------------------------------------------------
// Restart, routes, bounds

on_both!(a_restarted_server_has_the_same_results_and_log);
async fn a_restarted_server_has_the_same_results_and_log(backend: Backend) {
    let s = Server::start(backend).await;
    seven_entries(&s).await;
    s.expect(
        &correction("C2", [5, 3, 1, 1, 1], "flagged on purpose", 1),
        201,
    )
    .await;
    let nation = s.results("").await;
    let north = s.results("?region=NORTE").await;
    let breakdown = s.ok("/api/v1/results/breakdown?by=comuna").await;
    let lines = s.lines().await;
    let (_, checkpoint) = s.text("/api/v1/log/checkpoint").await;
    let (_, key) = s.text("/api/v1/key").await;

    let s = s.restart().await;
    assert_eq!(s.results("").await, nation);
    assert_eq!(s.results("?region=NORTE").await, north);
    assert_eq!(s.ok("/api/v1/results/breakdown?by=comuna").await, breakdown);
    assert_eq!(s.lines().await, lines);
    assert_eq!(s.text("/api/v1/key").await.1, key);
    // Same size and root; the signature may differ only if Ed25519 were randomised (it
    // is not), so the note is the same.
    assert_eq!(s.text("/api/v1/log/checkpoint").await.1, checkpoint);

    // The night goes on where it was: the next index, the next version, the same checks.
    s.expect(&acta("N2", [25, 31, 5, 1, 0]), 200).await;
    let (status, answer) = s.submit(&s.national, &acta("N2", N2)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    let answer = s
        .expect(&correction("N2", N2, "back to the sheet", 2), 201)
        .await;
    assert_eq!(answer["actas"][0]["index"], 8);
    assert_eq!(answer["actas"][0]["version"], 3);
    let (status, _) = s.submit(&s.region, &acta("N1", N1)).await;
    assert_eq!(status, StatusCode::OK, "the tokens survive the restart");
}

on_both!(unknown_paths_are_404_json_and_the_dashboard_is_html);
async fn unknown_paths_are_404_json_and_the_dashboard_is_html(backend: Backend) {
    let s = Server::start(backend).await;
    for path in [
        "/nope",
        "/api/v1/nope",
        "/api/v2/results",
        "/log/",
        "/api/v1/results/x",
    ] {
        let (status, body) = s.json(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_error(&body, None, None, None);
    }
    let response = s.get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(kind.starts_with("text/html"), "{kind}");
    // A route asked with the wrong method: an error body like every other.
    let response = s.http.get(s.url("/api/v1/actas")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "POST");
    let body: Value = response.json().await.expect("a JSON error");
    assert_error(&body, None, None, None);
    let response = s
        .http
        .delete(s.url("/api/v1/results"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: Value = response.json().await.expect("a JSON error");
    assert_error(&body, None, None, None);
}

on_both!(bad_tokens_again_and_again_are_answered_slowly);
async fn bad_tokens_again_and_again_are_answered_slowly(backend: Backend) {
    let s = Server::start(backend).await;
    let body = serde_json::to_vec(&acta("N1", N1)).unwrap();
    for i in 1..=11 {
        let (status, _) = s.post_raw(Some("Bearer guess"), body.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let started = Instant::now();
    let (status, answer) = s.post_raw(Some("Bearer guess"), body.clone()).await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_error(&answer, None, None, None);
    assert!(
        took >= Duration::from_millis(900),
        "the 12th bad token took {took:?}"
    );
    // A good token from the same address is not slowed down, nor refused.
    let (status, answer) = s.submit(&s.national, &acta("N1", N1)).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
}

// ---------------------------------------------------------------------------------------
// A database that goes away and comes back (PostgreSQL only)

/// What the first event of a new stream says about staleness.
async fn stale_in_events(s: &Server) -> Value {
    let mut events = s.events("?entries=false", None).await;
    events.next().await.data["stale"].clone()
}

/// Waits until the results say `stale` is `want` (the writer's idle look at the store,
/// every 200 ms, finds out), every answer a 200; how long it took.
async fn until_stale_is(s: &Server, want: bool) -> Duration {
    let started = Instant::now();
    loop {
        let results = s.results("").await;
        if results["stale"] == want {
            return started.elapsed();
        }
        assert_eq!(results["stale"], !want, "{results}");
        assert!(
            started.elapsed() < PATIENCE,
            "stale is not {want} after {PATIENCE:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Submits `body` while the database cannot be reached: 503, with `Retry-After`, an
/// error body, and nothing acknowledged.
async fn refused_for_now(s: &Server, token: &str, body: &Value) {
    let auth = format!("Bearer {token}");
    let response = s.post(Some(&auth), serde_json::to_vec(body).unwrap()).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let retry = response
        .headers()
        .get("retry-after")
        .expect("a 503 has Retry-After")
        .to_str()
        .unwrap()
        .to_string();
    assert!(retry.parse::<u64>().is_ok_and(|s| s > 0), "{retry:?}");
    let (_, answer) = answer_of(response).await;
    assert_error(&answer, None, None, None);
}

/// Every read answers 200 with what was known when the database went away (`before`:
/// the national results, NORTE's, the log's lines and the checkpoint), said to be
/// stale.
async fn reads_are_stale(s: &Server, before: &(Value, Value, Vec<String>, String)) {
    let (nation, north, lines, checkpoint) = before;
    let results = s.results("").await;
    assert_eq!(results["stale"], true, "{results}");
    assert_eq!(without_log(&results), without_log(nation));
    assert_eq!(results["log_size"], nation["log_size"]);
    assert_eq!(results["log_root"], nation["log_root"]);
    let region = s.results("?region=NORTE").await;
    assert_eq!(region["stale"], true, "{region}");
    assert_eq!(without_log(&region), without_log(north));
    let breakdown = s.ok("/api/v1/results/breakdown?by=region").await;
    assert_eq!(breakdown["stale"], true, "{breakdown}");
    assert_eq!(&s.lines().await, lines);
    assert_eq!(
        s.text("/api/v1/log/checkpoint").await,
        (StatusCode::OK, checkpoint.clone())
    );
    let proof = format!("/api/v1/log/proof?index=0&size={}", lines.len());
    assert_eq!(s.ok(&proof).await["size"], lines.len());
    assert_eq!(s.ok("/api/v1/election").await["mesas_total"], 6);
    assert_eq!(stale_in_events(s).await, true);
}

/// What the reads say now, to compare with what they say while the database is away.
async fn known(s: &Server) -> (Value, Value, Vec<String>, String) {
    let (status, checkpoint) = s.text("/api/v1/log/checkpoint").await;
    assert_eq!(status, StatusCode::OK);
    (
        s.results("").await,
        s.results("?region=NORTE").await,
        s.lines().await,
        checkpoint,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_postgresql_is_unreachable_writes_are_503_and_reads_are_stale() {
    // The server reaches its database through a proxy that can be cut and restored
    // (the machine's PostgreSQL is shared: it is never stopped).
    let s = Server::start(Backend::Postgres).await;
    let proxy = Proxy::start(0).await;
    let port = proxy.port;
    let url = proxy.url(s.database());
    let s = s.reopen_at(url.clone()).await;
    assert_eq!(s.address, url);
    s.expect(&json!([acta("N1", N1), acta("C1", C1)]), 201)
        .await;
    let before = known(&s).await;
    assert_eq!(before.0["stale"], false, "{}", before.0);
    assert_eq!(stale_in_events(&s).await, false);
    // A stream opened now is told when the store goes away and when it is back, though
    // the log does not grow meanwhile.
    let mut stream = s.events("?entries=false", None).await;
    assert_eq!(stream.next().await.data["stale"], false);

    // Away while idle: the writer's next look at the store notices, with no write.
    proxy.stop().await;
    let said = stream.next().await;
    assert_eq!(said.data["stale"], true, "{}", said.data);
    assert_eq!(said.data["log_size"], 2);
    until_stale_is(&s, true).await;
    reads_are_stale(&s, &before).await;
    // Writes are refused, saying when to try again, however the acta is sent; reads
    // go on, stale, also after several more of the writer's looks.
    refused_for_now(&s, &s.national, &acta("N2", N2)).await;
    refused_for_now(&s, &s.region, &acta("N3", N3)).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    reads_are_stale(&s, &before).await;
    refused_for_now(&s, &s.national, &json!([acta("N2", N2), acta("S1", S1)])).await;

    // Back on the same port: the stream hears it (the writer's next look), the very
    // next write succeeds, and nothing is stale.
    let proxy = Proxy::start(port).await;
    let said = stream.next().await;
    assert_eq!(said.data["stale"], false, "{}", said.data);
    let answer = s.expect(&acta("N2", N2), 201).await;
    assert_eq!(
        answer,
        json!({"log_size": 3, "actas": [{"mesa": "N2", "status": "recorded", "index": 2,
                                           "version": 1, "flags": []}]})
    );
    let results = s.results("").await;
    assert_eq!(results["stale"], false, "{results}");
    assert_totals(&results, sum(&[N1, C1, N2]), 3, 6, 300);
    assert_eq!(
        s.ok("/api/v1/results/breakdown?by=region").await["stale"],
        false
    );
    assert_eq!(stale_in_events(&s).await, false);
    let lines = s.lines().await;
    assert_eq!(&lines[..2], &before.2[..], "what was recorded before stays");
    assert_eq!(entry(&lines[2]).mesa, "N2");

    // Away again, and found out by a write this time (before any idle look): 503,
    // and stale at once.
    let before = known(&s).await;
    proxy.stop().await;
    refused_for_now(&s, &s.region, &acta("N3", N3)).await;
    reads_are_stale(&s, &before).await;

    // Back: the writer's next look finds the database again, with no write; then
    // writes succeed. What was refused while away was not recorded.
    let _proxy = Proxy::start(port).await;
    until_stale_is(&s, false).await;
    assert_eq!(stale_in_events(&s).await, false);
    let (status, answer) = s.submit(&s.region, &acta("N3", N3)).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["actas"][0]["index"], 3);
    let answer = s.expect(&acta("S1", S1), 201).await;
    assert_eq!(answer["log_size"], 5);
    let results = s.results("").await;
    assert_eq!(results["stale"], false, "{results}");
    assert_totals(&results, sum(&[N1, C1, N2, N3, S1]), 5, 6, 500);
    assert_eq!(s.lines().await.len(), 5);
}

on_both!(results_carry_an_etag_that_changes_with_the_log);
async fn results_carry_an_etag_that_changes_with_the_log(backend: Backend) {
    let s = Server::start(backend).await;
    s.expect(&acta("N1", N1), 201).await;
    for path in ["/api/v1/results", "/api/v1/results/breakdown?by=region"] {
        let first = s.get(path).await;
        assert_eq!(first.status(), StatusCode::OK);
        let tag = first.headers()["etag"].to_str().unwrap().to_string();
        assert_eq!(tag, "\"1-0\"");
        assert_eq!(first.headers()["cache-control"], "public, max-age=1");
        // The same version again: 304, no body.
        let again = s
            .http
            .get(s.url(path))
            .header("if-none-match", &tag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(again.headers()["etag"], tag.as_str());
        assert!(again.bytes().await.unwrap().is_empty());
    }
    // A new acta: a new version, and the old tag gets the whole answer.
    s.expect(&acta("C1", C1), 201).await;
    let after = s
        .http
        .get(s.url("/api/v1/results"))
        .header("if-none-match", "\"1-0\"")
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::OK);
    assert_eq!(after.headers()["etag"], "\"2-0\"");
    let body: Value = after.json().await.unwrap();
    assert_eq!(body["log_size"], 2);
}

// ---------------------------------------------------------------------------------------
// Health: decided by writes, not by reads.

/// Waits until `GET /api/v1/health` answers `status`; returns its body.
async fn until_health_is(s: &Server, status: StatusCode) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (got, body) = s.json("/api/v1/health").await;
        if got == status {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "the health is not {status} after {PATIENCE:?}: {got} {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

on_both!(a_server_that_can_record_is_healthy);
async fn a_server_that_can_record_is_healthy(backend: Backend) {
    let s = Server::start(backend).await;
    let (status, body) = s.json("/api/v1/health").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"reads": true, "writes": true, "log_size": 0, "stale": false})
    );
    s.expect(&acta("N1", N1), 201).await;
    let body = until_health_is(&s, StatusCode::OK).await;
    assert_eq!(body["log_size"], 1, "{body}");
}

/// A small file system of the test's own (tmpfs), unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .expect("mount runs");
        assert!(
            out.status.success(),
            "this test mounts a small tmpfs to fill it, which needs root: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk { dir }
    }

    /// Writes a file until the file system is full.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.dir.path().join("filler");
        let mut file = std::fs::File::create(&path).expect("the filler is created");
        let block = vec![0u8; 4096];
        loop {
            match file.write(&block) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.raw_os_error() == Some(28) => break,
                Err(e) => panic!("filling the disk: {e}"),
            }
        }
        let _ = file.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_full_disk_the_health_is_503_although_reads_work() {
    let disk = SmallDisk::mount("4m");
    let mut s = Server::sqlite_under(disk.dir.path()).await;
    s.expect(&acta("N1", N1), 201).await;
    until_health_is(&s, StatusCode::OK).await;

    let filler = disk.fill();
    // The idle writer's probe finds it out without any acta sent.
    let body = until_health_is(&s, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["reads"], true, "{body}");
    assert_eq!(body["writes"], false, "{body}");
    assert_eq!(body["reason"], "disk full", "{body}");
    assert_eq!(body["log_size"], 1, "{body}");
    // An acta is refused, saying why; nothing is recorded.
    let (status, answer) = s.submit(&s.national, &acta("N2", N2)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("disk full"),
        "{answer}"
    );
    // Reads work, and `stale` keeps its meaning (they are not behind the store)...
    until_stale_is(&s, false).await;
    assert_eq!(s.results("").await["log_size"], 1);
    // ...while the health stays 503 through the writer's idle ticks.
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (status, body) = s.json("/api/v1/health").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    }

    // Space again: healthy again, and the acta is recorded.
    std::fs::remove_file(filler).unwrap();
    until_health_is(&s, StatusCode::OK).await;
    s.expect(&acta("N2", N2), 201).await;
    s.shutdown().await;
    drop(s);
}

/// Ends every session of `database` but this one: the servers' connections are made
/// again, with the database's settings as they are now.
fn reconnect_sessions(database: &str) {
    psql(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = '{database}' AND pid <> pg_backend_pid()"
    ))
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_read_only_postgresql_database_the_health_is_503_although_reads_work() {
    let s = Server::start(Backend::Postgres).await;
    s.expect(&acta("N1", N1), 201).await;
    let db = s.database().to_string();
    psql(&format!(
        "ALTER DATABASE {db} SET default_transaction_read_only = on"
    ))
    .unwrap();
    reconnect_sessions(&db);

    let body = until_health_is(&s, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["writes"], false, "{body}");
    assert_eq!(body["reason"], "read-only", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("25006"),
        "{body}"
    );
    let (status, answer) = s.submit(&s.national, &acta("N2", N2)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("read-only"),
        "{answer}"
    );
    until_stale_is(&s, false).await;
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (status, body) = s.json("/api/v1/health").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    }

    psql(&format!(
        "ALTER DATABASE {db} RESET default_transaction_read_only"
    ))
    .unwrap();
    reconnect_sessions(&db);
    until_health_is(&s, StatusCode::OK).await;
    s.expect(&acta("N2", N2), 201).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_without_synchronous_commit_refuses_actas_unless_told_it_is_a_benchmark() {
    let s = Server::start(Backend::Postgres).await;
    let db = s.database().to_string();
    psql(&format!("ALTER DATABASE {db} SET synchronous_commit = off")).unwrap();
    reconnect_sessions(&db);

    let body = until_health_is(&s, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["reason"], "not durable", "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("PostgreSQL has synchronous_commit=off")
            && message.contains("--unsafe-no-fsync"),
        "{body}"
    );
    let (status, answer) = s.submit(&s.national, &acta("N1", N1)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("synchronous_commit=off"),
        "{answer}"
    );
    assert_eq!(s.size().await, 0, "nothing was recorded");

    // Opened for a benchmark, the same database records.
    let address = s.address.clone();
    let s = s
        .reopen_with(
            address,
            &cifra_store::StoreOptions {
                unsafe_no_fsync: true,
            },
        )
        .await;
    s.expect(&acta("N1", N1), 201).await;
    until_health_is(&s, StatusCode::OK).await;
}
