//! Election night end to end, with real processes: `cifra init`, `cifra serve` as a
//! child, actas over HTTP (`cifra replay` and a client of the test's own), `cifra verify`
//! online and offline; a server killed with SIGKILL mid-stream; all 46,606 real actas
//! of the 2021 first round.

mod common;

use common::{actas, get, init, mesas_2021, rows_2021, PgDatabase, Server, CIFRA, OPTIONS};
use std::path::{Path, PathBuf};
use std::process::Command;

fn verify(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(CIFRA)
        .arg("verify")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn all_46606_real_actas_over_http_give_the_runoff_and_verify_from_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.db");
    let (token, key) = init(db.to_str().unwrap());
    let server = Server::start(db.to_str().unwrap());
    let replay = Command::new(CIFRA)
        .args(["replay", "--url", &server.url, "--token", &token])
        .args(["--mesas", &mesas_2021(), "--id", "circunscripcion,mesa"])
        .args(["--options", OPTIONS, "--batch", "500"])
        .output()
        .unwrap();
    assert!(
        replay.status.success(),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    assert!(String::from_utf8_lossy(&replay.stdout)
        .starts_with("46,606 actas: 46,606 recorded, 0 unchanged, 0 refused\n"));

    // National totals equal the file's sums.
    let rows = rows_2021();
    let results: serde_json::Value =
        serde_json::from_str(&get(&format!("{}/api/v1/results", server.url))).unwrap();
    let names: Vec<&str> = OPTIONS.split(',').collect();
    for (i, name) in names.iter().enumerate() {
        let sum: u64 = rows.iter().map(|(_, v)| v[i]).sum();
        let served = match *name {
            "blank" | "null" => results[name].as_u64().unwrap(),
            _ => results["options"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["option"] == *name)
                .unwrap()["votes"]
                .as_u64()
                .unwrap(),
        };
        assert_eq!(served, sum, "{name}");
    }
    assert_eq!(results["mesas_counted"], 46606);
    assert_eq!(results["log_size"], 46606);
    assert_eq!(results["outcome"]["kind"], "runoff");
    assert_eq!(
        results["outcome"]["runoff"],
        serde_json::json!(["kast", "boric"])
    );
    assert_eq!(results["outcome"]["provisional"], false);

    // `cifra verify` reproduces it from the log alone.
    let (ok, stdout, stderr) = verify(&["--url", &server.url, "--key", &key]);
    assert!(ok, "{stdout}{stderr}");
    assert!(
        stdout.contains("outcome: runoff: kast vs boric (final)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("published results: equal to the recount"),
        "{stdout}"
    );
    assert!(stdout.ends_with("verified\n"), "{stdout}");

    // A poll watcher proves their mesa's acta is in the log and reads its counts.
    let (ok, stdout, _) = verify(&[
        "--url",
        &server.url,
        "--key",
        &key,
        "--mesa",
        "ANTOFAGASTA NORTE/126",
    ]);
    assert!(ok, "{stdout}");
    assert!(
        stdout.contains("proved included in the signed log of 46606 entries"),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.split_whitespace().eq(["parisi", "71"])),
        "{stdout}"
    );
}

#[test]
fn offline_verification_detects_a_changed_count_and_a_rewritten_history() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.db");
    let (token, key) = init(db.to_str().unwrap());
    let server = Server::start(db.to_str().unwrap());
    let rows = rows_2021();
    let submit = |from: usize, to: usize| {
        let actas = actas(&rows[from..to]);
        let url = format!("{}/api/v1/actas", server.url);
        let status = tokio::runtime::Runtime::new().unwrap().block_on(async {
            let client = reqwest::Client::new();
            let r = client
                .post(&url)
                .bearer_auth(&token)
                .json(&actas)
                .send()
                .await
                .unwrap();
            r.status().as_u16()
        });
        assert_eq!(status, 201);
    };
    submit(0, 300);
    let earlier = dir.path().join("earlier.checkpoint");
    std::fs::write(
        &earlier,
        get(&format!("{}/api/v1/log/checkpoint", server.url)),
    )
    .unwrap();
    submit(300, 700);
    let entries = dir.path().join("entries.ndjson");
    let checkpoint = dir.path().join("checkpoint");
    // The election, saved beside the entries: how many mesas a complete count has.
    let election = dir.path().join("election.json");
    std::fs::write(&election, get(&format!("{}/api/v1/election", server.url))).unwrap();
    std::fs::write(
        &entries,
        get(&format!("{}/api/v1/log/entries?from=0", server.url)),
    )
    .unwrap();
    std::fs::write(
        &checkpoint,
        get(&format!("{}/api/v1/log/checkpoint", server.url)),
    )
    .unwrap();
    let path = |p: &PathBuf| p.to_str().unwrap().to_string();
    let offline = |entries: &PathBuf, previous: Option<&PathBuf>| {
        let mut args = vec![
            "--entries".to_string(),
            path(entries),
            "--checkpoint".into(),
            path(&checkpoint),
            "--key".into(),
            key.clone(),
            "--election".into(),
            path(&election),
        ];
        if let Some(p) = previous {
            args.extend(["--previous".to_string(), path(p)]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        verify(&args)
    };

    let (ok, stdout, stderr) = offline(&entries, Some(&earlier));
    assert!(ok, "{stdout}{stderr}");
    assert!(
        stdout.contains("previous: the checkpoint of 300 entries is a prefix"),
        "{stdout}"
    );
    // 700 of the 46,606 mesas: who leads, never "final".
    assert!(
        stdout.contains("recount from the log: 700 of 46,606 mesas"),
        "{stdout}"
    );
    let outcome = stdout
        .lines()
        .find(|l| l.starts_with("outcome: "))
        .unwrap_or_else(|| panic!("no outcome in {stdout}"));
    assert!(
        outcome.contains(" leads (provisional: 700 of 46,606 mesas); if the count ended now: "),
        "{outcome}"
    );
    assert!(!stdout.contains("final"), "{stdout}");
    // The same from --mesas N --system ID.
    let by_count = |extra: &[&str]| {
        let mut args = vec![
            "--entries",
            entries.to_str().unwrap(),
            "--checkpoint",
            checkpoint.to_str().unwrap(),
            "--key",
            &key,
        ];
        args.extend(extra);
        verify(&args)
    };
    let (ok, stdout, stderr) = by_count(&["--mesas", "46606", "--system", "cl-presidential"]);
    assert!(ok, "{stdout}{stderr}");
    assert!(
        stdout.contains("(provisional: 700 of 46,606 mesas)"),
        "{stdout}"
    );
    // Without the election's mesas a partial count would look complete: refused.
    let (ok, stdout, stderr) = by_count(&[]);
    assert!(!ok && stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("--election FILE") && stderr.contains("--mesas N --system ID"),
        "{stderr}"
    );
    // An election of fewer mesas than the log counts cannot be this log's.
    let (ok, _, stderr) = by_count(&["--mesas", "699", "--system", "cl-presidential"]);
    assert!(!ok && stderr.contains("700 mesas"), "{stderr}");

    // One count changed in one entry: the root differs from the signed one.
    let text = std::fs::read_to_string(&entries).unwrap();
    let changed = dir.path().join("changed.ndjson");
    let line = text.lines().nth(123).unwrap();
    let altered = line.replacen("\"boric\":", "\"boric\":1", 1);
    assert_ne!(line, altered);
    std::fs::write(&changed, text.replacen(line, &altered, 1)).unwrap();
    let (ok, _, stderr) = offline(&changed, None);
    assert!(!ok);
    assert!(
        stderr.contains("verification FAILED") && stderr.contains("the log was changed"),
        "{stderr}"
    );

    // A removed entry.
    let removed = dir.path().join("removed.ndjson");
    std::fs::write(&removed, text.replacen(&format!("{line}\n"), "", 1)).unwrap();
    let (ok, _, stderr) = offline(&removed, None);
    assert!(!ok, "{stderr}");

    // A rewritten history: an "earlier" checkpoint the log does not extend, signed by
    // the same key (made by a second election with the same name and key is not possible
    // without the secret, so the forgery is a checkpoint whose signature fails).
    let forged = dir.path().join("forged.checkpoint");
    let note = std::fs::read_to_string(&earlier).unwrap();
    let mut lines: Vec<&str> = note.lines().collect();
    lines[1] = "299";
    std::fs::write(&forged, lines.join("\n") + "\n").unwrap();
    let (ok, _, stderr) = offline(&entries, Some(&forged));
    assert!(!ok);
    assert!(stderr.contains("signature"), "{stderr}");
    drop(server);
}

#[test]
fn a_server_killed_with_sigkill_loses_no_acknowledged_acta() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.db");
    let (token, key) = init(db.to_str().unwrap());
    let mut server = Server::start(db.to_str().unwrap());
    let rows = rows_2021();
    let url = format!("{}/api/v1/actas", server.url);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // Four clients stream single actas and batches of 20; each remembers what the server
    // acknowledged. The server is killed while they are at it.
    let acknowledged = runtime.block_on(async {
        let client = reqwest::Client::new();
        let mut tasks = Vec::new();
        for worker in 0..4usize {
            let (client, url, token) = (client.clone(), url.clone(), token.clone());
            let rows: Vec<(String, Vec<u64>)> = rows
                .iter()
                .skip(worker)
                .step_by(4)
                .take(3000)
                .cloned()
                .collect();
            tasks.push(tokio::spawn(async move {
                let mut acked = Vec::new();
                let size = if worker % 2 == 0 { 1 } else { 20 };
                for chunk in rows.chunks(size) {
                    let actas = actas(chunk);
                    match client
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&actas)
                        .send()
                        .await
                    {
                        Ok(r) if r.status().is_success() => acked.extend(chunk.iter().cloned()),
                        _ => break,
                    }
                }
                acked
            }));
        }
        // Let some thousands through, then kill.
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            let size: serde_json::Value = reqwest::get(format!("{}/api/v1/results", server.url))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if size["log_size"].as_u64().unwrap() >= 2000 {
                break;
            }
        }
        server.kill();
        let mut acked = Vec::new();
        for t in tasks {
            acked.extend(t.await.unwrap());
        }
        acked
    });
    assert!(acknowledged.len() >= 2000, "{}", acknowledged.len());
    assert!(
        acknowledged.len() < 12000,
        "the kill came after everything was sent"
    );

    let server = Server::start(db.to_str().unwrap());
    let lines = get(&format!("{}/api/v1/log/entries?from=0", server.url));
    let mut logged = std::collections::HashMap::new();
    for line in lines.lines() {
        let entry = cifra_log::Entry::parse(line.as_bytes()).unwrap();
        logged.insert(entry.mesa.clone(), entry);
    }
    for (mesa, votes) in &acknowledged {
        let entry = logged
            .get(mesa)
            .unwrap_or_else(|| panic!("acknowledged mesa {mesa} is not in the log after the kill"));
        let counted: Vec<u64> = OPTIONS.split(',').map(|o| entry.votes[o]).collect();
        assert_eq!(&counted, votes, "{mesa}");
    }
    let (ok, stdout, stderr) = verify(&["--url", &server.url, "--key", &key]);
    assert!(ok, "{stdout}{stderr}");
}

fn cifra(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(CIFRA).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn init_and_token_refuse_what_cannot_be_served_clearly_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.db");
    let db = db.to_str().unwrap();
    let mesas = mesas_2021();
    let base = [
        "init",
        "--db",
        db,
        "--mesas",
        &mesas,
        "--id",
        "circunscripcion,mesa",
    ];
    let run = |extra: &[&str]| {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        cifra(&args)
    };
    // A system of seats among lists is not one office.
    let (code, stdout, stderr) = run(&["--system", "cl-dhondt", "--options", OPTIONS]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("one office") && stderr.contains("cl-presidential"),
        "{stderr}"
    );
    assert!(!Path::new(db).exists());
    // No candidate, a repeated option, an unknown system, an unknown id column.
    let (code, _, stderr) = run(&["--system", "cl-presidential", "--options", "blank,null"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no candidate"), "{stderr}");
    let (_, _, stderr) = run(&["--system", "cl-presidential", "--options", "a,b,a"]);
    assert!(stderr.contains("\"a\" twice"), "{stderr}");
    let (_, _, stderr) = run(&["--system", "nope", "--options", OPTIONS]);
    assert!(stderr.contains("unknown system"), "{stderr}");
    let (_, _, stderr) = cifra(&[
        "init",
        "--db",
        db,
        "--mesas",
        &mesas,
        "--id",
        "comuna",
        "--system",
        "cl-presidential",
        "--options",
        OPTIONS,
    ]);
    assert!(stderr.contains("no column \"comuna\""), "{stderr}");
    assert!(!Path::new(db).exists());

    // A good election; then a second init on it is refused and changes nothing.
    let (code, stdout, _) = run(&["--system", "cl-presidential", "--options", OPTIONS]);
    assert_eq!(code, 0);
    assert!(stdout.contains("territories: region"), "{stdout}");
    let (code, _, stderr) = run(&["--system", "cl-presidential", "--options", OPTIONS]);
    assert_eq!(code, 2);
    assert!(stderr.contains("already exists"), "{stderr}");

    // Tokens: a territory of the election, not one it lacks.
    let (code, stdout, _) = cifra(&["token", "--db", db, "--scope", "region=DE ANTOFAGASTA"]);
    assert_eq!(code, 0);
    let token = stdout.strip_prefix("token: ").unwrap().trim();
    assert!(token.len() >= 43, "{token}");
    let (code, _, stderr) = cifra(&["token", "--db", db, "--scope", "region=ATLANTIS"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no region \"ATLANTIS\" in this election"),
        "{stderr}"
    );
    let (code, _, stderr) = cifra(&["token", "--db", db, "--scope", "=x"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--scope"), "{stderr}");
    let missing = dir.path().join("missing.db");
    let (code, _, stderr) = cifra(&["serve", "--db", missing.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("missing.db"), "{stderr}");
}

/// Posts each (url, body) at once; the statuses in order.
async fn post_all(token: &str, posts: Vec<(String, serde_json::Value)>) -> Vec<u16> {
    let client = reqwest::Client::new();
    let tasks: Vec<_> = posts
        .into_iter()
        .map(|(url, body)| {
            let (client, token) = (client.clone(), token.to_string());
            tokio::spawn(async move { post(&client, &url, &token, &body).await })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses
}

/// Posts `body` to `url` with `token`; the status.
async fn post(client: &reqwest::Client, url: &str, token: &str, body: &serde_json::Value) -> u16 {
    let r = client
        .post(url)
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    r.status().as_u16()
}

#[test]
fn two_servers_on_one_sqlite_file_keep_one_log_and_one_acta_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.db");
    two_servers_keep_one_log_and_one_acta_once(db.to_str().unwrap());
}

#[test]
fn two_servers_on_one_postgresql_database_keep_one_log_and_one_acta_once() {
    let db = PgDatabase::new("night");
    two_servers_keep_one_log_and_one_acta_once(&db.url);
}

/// Two `cifra serve` on the store at `db`: the same acta 100 times to both is one entry,
/// two different actas for one mesa are one 201 and one 409, and so are two corrections
/// of its version 1; all 46,606 real actas split
/// between them give identical results and checkpoints, and both verify.
fn two_servers_keep_one_log_and_one_acta_once(db: &str) {
    let (token, key) = init(db);
    let (a, b) = (Server::start(db), Server::start(db));
    let rows = rows_2021();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = reqwest::Client::new();
    let urls = [
        format!("{}/api/v1/actas", a.url),
        format!("{}/api/v1/actas", b.url),
    ];

    // The same acta to both servers 100 times at once: one entry, one 201, 99 × 200.
    let same = &actas(&rows[..1])[0];
    let posts = (0..100)
        .map(|i| (urls[i % 2].clone(), same.clone()))
        .collect();
    let statuses = runtime.block_on(post_all(&token, posts));
    assert_eq!(
        statuses.iter().filter(|&&s| s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        99,
        "{statuses:?}"
    );
    // Two different actas for one new mesa, one to each server: one 201, one 409.
    let mut other = actas(&rows[1..2])[0].clone();
    let first = actas(&rows[1..2])[0].clone();
    other["votes"]["boric"] = serde_json::json!(9999);
    let posts = vec![(urls[0].clone(), first), (urls[1].clone(), other)];
    let statuses = runtime.block_on(post_all(&token, posts));
    let mut sorted = statuses.clone();
    sorted.sort();
    assert_eq!(sorted, [201, 409], "{statuses:?}");
    // Two different corrections of that mesa's version 1, one to each server: one is
    // recorded, the other is told version 2 replaced it (nothing is lost unseen).
    let corrections: Vec<(String, serde_json::Value)> = [1234, 4321]
        .iter()
        .zip(&urls)
        .map(|(boric, url)| {
            let mut body = actas(&rows[1..2])[0].clone();
            body["votes"]["boric"] = serde_json::json!(boric);
            body["correction"] = serde_json::json!({"reason": "recount", "replaces": 1});
            (url.clone(), body)
        })
        .collect();
    let mut statuses = runtime.block_on(post_all(&token, corrections));
    statuses.sort();
    assert_eq!(statuses, [201, 409], "racing corrections");

    // Every other real acta, split between the two servers in batches, at once.
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for (n, chunk) in rows[2..].chunks(250).enumerate() {
            let (client, url, token) = (client.clone(), urls[n % 2].clone(), token.clone());
            let body = serde_json::Value::Array(actas(chunk));
            tasks.push(tokio::spawn(async move {
                post(&client, &url, &token, &body).await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), 201);
        }
    });
    // Within a second both have followed each other's entries: 46,606 actas and the
    // one correction.
    let results = |s: &Server| -> serde_json::Value {
        serde_json::from_str(&get(&format!("{}/api/v1/results", s.url))).unwrap()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while results(&a)["log_size"] != 46607 || results(&b)["log_size"] != 46607 {
        assert!(
            std::time::Instant::now() < deadline,
            "the servers did not converge"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(results(&a), results(&b));
    assert_eq!(
        get(&format!("{}/api/v1/log/checkpoint", a.url)),
        get(&format!("{}/api/v1/log/checkpoint", b.url))
    );
    let r = results(&a);
    assert_eq!(r["mesas_counted"], 46606);
    assert_eq!(r["outcome"]["runoff"], serde_json::json!(["kast", "boric"]));
    for server in [&a, &b] {
        let (ok, stdout, stderr) = verify(&["--url", &server.url, "--key", &key]);
        assert!(ok, "{stdout}{stderr}");
        assert!(
            stdout.contains("published results: equal to the recount"),
            "{stdout}"
        );
    }
}

#[test]
fn a_revoked_token_is_refused_by_the_running_servers_within_ten_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.db");
    let db = db.to_str().unwrap();
    let (admin, _) = init(db);
    let server = Server::start(db);
    let (code, stdout, _) = cifra(&["token", "--db", db, "--scope", "national"]);
    assert_eq!(code, 0);
    let token = stdout.strip_prefix("token: ").unwrap().trim().to_string();
    let rows = rows_2021();
    let url = format!("{}/api/v1/actas", server.url);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let send = |token: &str, row: usize| {
        let posts = vec![(url.clone(), actas(&rows[row..row + 1])[0].clone())];
        runtime.block_on(post_all(token, posts))[0]
    };
    // A token issued while the server runs is taken in when first presented (the list
    // is re-read at most once a second).
    let mut first = send(&token, 0);
    for _ in 0..20 {
        if first == 201 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        first = send(&token, 0);
    }
    assert_eq!(first, 201);
    let (code, stdout, _) = cifra(&["token", "--db", db, "--revoke", &token]);
    assert_eq!(code, 0, "{stdout}");
    let (code, _, stderr) = cifra(&["token", "--db", db, "--revoke", &token]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no such token"), "{stderr}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let mut row = 1;
    while send(&token, row) != 401 {
        assert!(
            std::time::Instant::now() < deadline,
            "the revoked token still works"
        );
        std::thread::sleep(std::time::Duration::from_millis(250));
        row += 1;
    }
    // The admin token still works.
    assert_eq!(send(&admin, row), 201);
}

/// A small election's mesa file: mesas 1 to 30 in two regions, each mesa's counts
/// `mesa, 2 * mesa, 1, 0` unless `changed` names it (then one more vote for `a`), in the
/// order of `order`.
fn small_mesas(path: &Path, order: &[u32], changed: &[u32]) {
    let mut csv = String::from("mesa,region,a,b,blank,null\n");
    for &m in order {
        let a = if changed.contains(&m) { m + 1 } else { m };
        csv.push_str(&format!("{m},R{},{a},{},1,0\n", m % 2, 2 * m));
    }
    std::fs::write(path, csv).unwrap();
}

/// `cifra replay` of `mesas` (options a,b,blank,null) with `extra` arguments: the exit
/// code, the summary's numbers (actas, recorded, unchanged, refused, not recorded) and
/// stdout and stderr.
fn replay_small(
    url: &str,
    token: &str,
    mesas: &Path,
    extra: &[&str],
) -> (i32, [u64; 5], String, String) {
    let mut args = vec!["replay", "--url", url, "--token", token];
    args.extend([
        "--mesas",
        mesas.to_str().unwrap(),
        "--options",
        "a,b,blank,null",
    ]);
    args.extend(extra);
    let (code, stdout, stderr) = cifra(&args);
    // "30 actas: 20 recorded, 0 unchanged, 1 refused, 9 not recorded"
    let summary = stdout
        .lines()
        .find(|l| l.contains(" actas: "))
        .unwrap_or_else(|| panic!("no summary in {stdout:?} {stderr:?}"));
    // Each part is a number (with thousands separators) and what it counts.
    let parts: Vec<(u64, &str)> = summary
        .split(": ")
        .flat_map(|part| part.split(", "))
        .filter_map(|part| {
            let (number, what) = part.split_once(' ')?;
            Some((number.replace(',', "").parse().ok()?, what))
        })
        .collect();
    let number = |word: &str| -> u64 {
        parts
            .iter()
            .find(|(_, what)| what.split(' ').next() == Some(word))
            .map_or(0, |(n, _)| *n)
    };
    let counts = ["actas", "recorded", "unchanged", "refused", "not"].map(number);
    (code, counts, stdout, stderr)
}

#[test]
fn replay_counts_what_got_through_and_skips_conflicts_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.db");
    let db = db.to_str().unwrap();
    let all: Vec<u32> = (1..=30).collect();
    let list = dir.path().join("mesas.csv");
    small_mesas(&list, &all, &[]);
    let (code, stdout, stderr) = cifra(&[
        "init",
        "--db",
        db,
        "--system",
        "cl-presidential",
        "--mesas",
        list.to_str().unwrap(),
        "--options",
        "a,b,blank,null",
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let token = stdout
        .lines()
        .find_map(|l| l.strip_prefix("token: "))
        .unwrap()
        .to_string();
    let server = Server::start(db);

    // Mesas 1 to 10 recorded.
    let first = dir.path().join("first.csv");
    small_mesas(&first, &all[..10], &[]);
    let (code, counts, stdout, _) = replay_small(&server.url, &token, &first, &["--batch", "5"]);
    assert_eq!((code, counts), (0, [10, 10, 0, 0, 0]), "{stdout}");

    // Then the new mesas 11 to 30 first, and 1 to 10 with 4 and 8 changed: by default the
    // replay stops at the first conflict, saying what got through before it.
    let later = dir.path().join("later.csv");
    let order: Vec<u32> = all[10..].iter().chain(&all[..10]).copied().collect();
    small_mesas(&later, &order, &[4, 8]);
    let sequential = ["--batch", "5", "--concurrency", "1"];
    let (code, counts, stdout, stderr) = replay_small(&server.url, &token, &later, &sequential);
    assert_eq!((code, counts), (1, [30, 20, 0, 1, 9]), "{stdout}{stderr}");
    assert!(stdout.contains("mesa \"4\" (409"), "{stdout}");
    assert!(stderr.contains("--on-conflict skip"), "{stderr}");

    // With --on-conflict skip it goes on: the rest of a refused batch is recorded, and
    // only the conflicting actas are refused, listed at the end.
    let skip = [
        "--batch",
        "5",
        "--concurrency",
        "2",
        "--on-conflict",
        "skip",
    ];
    let (code, counts, stdout, stderr) = replay_small(&server.url, &token, &later, &skip);
    assert_eq!((code, counts), (1, [30, 0, 28, 2, 0]), "{stdout}{stderr}");
    assert!(
        stdout.contains("mesa \"4\" (409") && stdout.contains("mesa \"8\" (409"),
        "{stdout}"
    );
    let (latest, size) = common::log(&server.url);
    assert_eq!(
        (latest.len(), size),
        (30, 30),
        "every mesa once, no correction"
    );
    assert_eq!(
        latest["4"].votes["a"], 4,
        "the conflicting acta was not recorded"
    );

    // One acta per request, conflicts skipped: the same.
    let single = ["--on-conflict", "skip"];
    let (code, counts, stdout, _) = replay_small(&server.url, &token, &later, &single);
    assert_eq!((code, counts), (1, [30, 0, 28, 2, 0]), "{stdout}");

    // Nothing refused: exit 0.
    let (code, counts, stdout, _) = replay_small(&server.url, &token, &list, &skip);
    assert_eq!((code, counts), (0, [30, 0, 30, 0, 0]), "{stdout}");

    // Another refusal (here an unknown token, 401) stops even with skip, with the counts.
    let sequential_skip = [
        "--concurrency",
        "1",
        "--batch",
        "5",
        "--on-conflict",
        "skip",
    ];
    let (code, counts, stdout, stderr) = replay_small(&server.url, "nope", &list, &sequential_skip);
    assert_eq!((code, counts), (1, [30, 0, 0, 1, 29]), "{stdout}{stderr}");
    assert!(stderr.contains("401"), "{stderr}");
}
