//! A night with witnesses, all real processes: `cifra serve --witness … --witness-quorum 2`
//! with two `cifra witness serve` and a dead one (it accepts connections and never
//! answers). The served checkpoint carries two cosignatures and `cifra verify --quorum 2`
//! passes; a split view (a copy of the database that goes another way, served with the
//! same key) and a rewritten history (an entry edited in the store, the kept checkpoints
//! removed, the server restarted) are refused by the witnesses, and `cifra verify
//! --quorum 2` fails on them.

mod common;

use cifra_witness::CosignatureVerifier;
use common::{announced_url, cifra, small_election, CIFRA};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed (SIGKILL) when dropped.
struct Proc(Child, String);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> Proc {
    let mut child = Command::new(CIFRA)
        .args(args)
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let url = announced_url(&mut child);
    Proc(child, url)
}

fn witness(dir: &Path, name: &str, log_key: &str) -> (Proc, String) {
    let state = dir.join(name).to_string_lossy().into_owned();
    let (ok, vkey, stderr) = cifra(&["witness", "init", "--state", &state, "--name", name]);
    assert!(ok, "{stderr}");
    let vkey = vkey.trim().to_owned();
    let proc = spawn(&[
        "witness",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--state",
        &state,
        "--log",
        log_key,
    ]);
    (proc, vkey)
}

fn serve(db: &str, witnesses: &[String]) -> Proc {
    let mut args = vec![
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--db",
        db,
        "--witness-quorum",
        "2",
    ];
    for w in witnesses {
        args.extend(["--witness", w.as_str()]);
    }
    spawn(&args)
}

fn get(url: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async { reqwest::get(url).await.unwrap().text().await.unwrap() })
}

/// POSTs an acta; the time it took.
fn submit(url: &str, token: &str, acta: &str) -> Duration {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let start = Instant::now();
        let response = reqwest::Client::new()
            .post(format!("{url}/api/v1/actas"))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(acta.to_owned())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        start.elapsed()
    })
}

/// Waits until `GET /api/v1/witnesses` satisfies `done`; returns it.
fn wait_witnesses(
    url: &str,
    done: impl Fn(&[serde_json::Value]) -> bool,
) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let list: Vec<serde_json::Value> =
            serde_json::from_str(&get(&format!("{url}/api/v1/witnesses"))).unwrap();
        if done(&list) {
            return list;
        }
        assert!(
            Instant::now() < deadline,
            "witnesses never got there: {list:#?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn verify(url: &str, key: &str, witnesses: &[&str], quorum: &str) -> (bool, String, String) {
    let mut args = vec!["verify", "--url", url, "--key", key, "--quorum", quorum];
    for w in witnesses {
        args.extend(["--witness", *w]);
    }
    cifra(&args)
}

/// `cifra monitor --once` with the state directory `state` and the two witnesses.
fn monitor(url: &str, key: &str, state: &Path, extra: &[&str]) -> (bool, String, String) {
    let state = state.to_string_lossy();
    let mut args = vec![
        "monitor", "--once", "--url", url, "--key", key, "--state", &state,
    ];
    args.extend(extra);
    cifra(&args)
}

/// A listener that takes one HTTP request and answers 200; its body, when it comes.
fn alert_sink() -> (String, std::sync::mpsc::Receiver<String>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/alert", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        let mut request = Vec::new();
        let mut buffer = [0u8; 4096];
        while let Ok(n) = stream.read(&mut buffer) {
            request.extend_from_slice(&buffer[..n]);
            let text = String::from_utf8_lossy(&request);
            let Some((head, body)) = text.split_once("\r\n\r\n") else {
                continue;
            };
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if n == 0 || body.len() >= length {
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
                let _ = tx.send(body.to_owned());
                return;
            }
        }
    });
    (url, rx)
}

fn acta(mesa: &str, a: u32) -> String {
    format!(r#"{{"mesa":"{mesa}","votes":{{"a":{a},"b":5,"blank":1,"null":0}}}}"#)
}

#[test]
fn two_witnesses_cosign_and_refuse_a_split_view_and_a_rewrite() {
    let dir = tempfile::tempdir().unwrap();
    let (db, token) = small_election(dir.path());
    // The log's key, from a first run without witnesses.
    let key = {
        let plain = spawn(&["serve", "--listen", "127.0.0.1:0", "--db", &db]);
        let election: serde_json::Value =
            serde_json::from_str(&get(&format!("{}/api/v1/election", plain.1))).unwrap();
        election["key"].as_str().unwrap().to_owned()
    };
    let (_w1, vk1) = witness(dir.path(), "w1.test", &key);
    let (_w2, vk2) = witness(dir.path(), "w2.test", &key);
    let vk3 = {
        let state = dir.path().join("w3").to_string_lossy().into_owned();
        cifra(&["witness", "init", "--state", &state, "--name", "w3.test"])
            .1
            .trim()
            .to_owned()
    };
    // The dead witness: connections accepted by the kernel, never answered.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let targets = vec![
        format!("{vk1}@{}", _w1.1),
        format!("{vk2}@{}", _w2.1),
        format!("{vk3}@http://{}", dead.local_addr().unwrap()),
    ];
    let server = serve(&db, &targets);
    let url = server.1.clone();
    let mut slowest = Duration::ZERO;
    for (i, mesa) in ["M1", "M2", "M3"].iter().enumerate() {
        slowest = slowest.max(submit(&url, &token, &acta(mesa, 10 + i as u32)));
    }
    // Intake never waits on the dead witness (whose requests wait 10 s to time out).
    assert!(slowest < Duration::from_secs(2), "an acta took {slowest:?}");
    let list = wait_witnesses(&url, |l| {
        l[..2].iter().all(|w| w["last_size_cosigned"] == 3)
    });
    assert_eq!(list[2]["last_size_cosigned"], serde_json::Value::Null);
    assert_eq!(list[0]["name"], "w1.test");
    assert_eq!(list[0]["key"], vk1.as_str());
    // The served checkpoint carries both cosignatures, and they verify.
    let note = get(&format!("{url}/log/checkpoint"));
    for vk in [&vk1, &vk2] {
        CosignatureVerifier::parse(vk)
            .unwrap()
            .verify_note(&note)
            .unwrap();
    }
    assert_eq!(note, get(&format!("{url}/api/v1/log/checkpoint")));
    let (ok, out, err) = verify(&url, &key, &[&vk1, &vk2, &vk3], "2");
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("witnesses: cosigned by w1.test, w2.test (2 of 3, quorum 2)"),
        "{out}"
    );
    let (ok, _, err) = verify(&url, &key, &[&vk1, &vk2, &vk3], "3");
    assert!(
        !ok && err.contains("cosigned by 2 of the 3 witnesses"),
        "{err}"
    );
    // An observer's monitor keeps this checkpoint, and is a witness too (--witness-key).
    let watch = dir.path().join("monitor");
    let own = dir.path().join("mw").to_string_lossy().into_owned();
    let (ok, _, err) = cifra(&["witness", "init", "--state", &own, "--name", "mw.test"]);
    assert!(ok, "{err}");
    let witnessed = [
        "--witness",
        vk1.as_str(),
        "--witness",
        vk2.as_str(),
        "--quorum",
        "2",
        "--witness-key",
        own.as_str(),
    ];
    let (ok, out, err) = monitor(&url, &key, &watch, &witnessed);
    assert!(ok, "{out}{err}");
    assert!(out.starts_with("checkpoint 3 · first checkpoint"), "{out}");
    assert!(out.contains("cosigned by w1.test, w2.test"), "{out}");
    assert!(out.contains("cosigned as witness mw.test"), "{out}");
    let kept = std::fs::read_to_string(watch.join("checkpoints/3.note")).unwrap();
    assert_eq!(
        kept.matches('\u{2014}').count(),
        4,
        "the log's line, w1, w2, mw: {kept}"
    );
    drop(server);

    // A split view: the operator copies the database and serves the copy, with the same
    // key, going another way (M4 with other counts) than the original.
    let db_b = dir.path().join("copy.db").to_string_lossy().into_owned();
    for suffix in ["", "-wal", "-shm", "-checkpoint"] {
        let from = format!("{db}{suffix}");
        if Path::new(&from).exists() {
            std::fs::copy(&from, format!("{db_b}{suffix}")).unwrap();
        }
    }
    let server = serve(&db, &targets);
    submit(&server.1, &token, &acta("M4", 40));
    wait_witnesses(&server.1, |l| {
        l[..2].iter().all(|w| w["last_size_cosigned"] == 4)
    });
    let (ok, out, err) = verify(&server.1, &key, &[&vk1, &vk2], "2");
    assert!(ok, "{out}{err}");
    let (ok, out, err) = monitor(&server.1, &key, &watch, &witnessed);
    assert!(
        ok && out.starts_with("checkpoint 4 · extends 3") && out.contains("as witness mw.test"),
        "{out}{err}"
    );
    let split = serve(&db_b, &targets);
    submit(&split.1, &token, &acta("M4", 41));
    let list = wait_witnesses(&split.1, |l| {
        l[..2].iter().all(|w| {
            w["last_error"]
                .as_str()
                .is_some_and(|e| e.starts_with("422"))
        })
    });
    assert!(
        list.iter().all(|w| w["last_size_cosigned"].is_null()),
        "{list:#?}"
    );
    let (ok, _, err) = verify(&split.1, &key, &[&vk1, &vk2], "2");
    assert!(!ok && err.contains("cosigned by 0 of the 2"), "{err}");
    // The monitor, told of the copy as another source, alerts: a split view.
    let (ok, _, err) = monitor(&server.1, &key, &watch, &["--also", &split.1]);
    assert!(!ok && err.contains("ALERT: split view"), "{err}");
    drop(split);
    drop(server);

    // A rewritten history: entry 1 edited in the store, the kept checkpoints removed so
    // that the server starts and signs the rewritten log.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let line: String = conn
        .query_row("SELECT line FROM entries WHERE idx = 1", [], |r| r.get(0))
        .unwrap();
    let mut entry = cifra_log::Entry::parse(line.as_bytes()).unwrap();
    *entry.votes.get_mut("a").unwrap() += 100;
    conn.execute(
        "UPDATE entries SET line = ?1 WHERE idx = 1",
        [entry.to_line()],
    )
    .unwrap();
    conn.execute("DELETE FROM checkpoints", []).unwrap();
    drop(conn);
    let _ = std::fs::remove_file(format!("{db}-checkpoint"));
    let rewritten = serve(&db, &targets);
    let list = wait_witnesses(&rewritten.1, |l| {
        l[..2].iter().all(|w| {
            w["last_error"]
                .as_str()
                .is_some_and(|e| e.starts_with("422"))
        })
    });
    assert!(
        list[..2].iter().all(|w| w["last_size_cosigned"].is_null()),
        "{list:#?}"
    );
    let (ok, _, err) = verify(&rewritten.1, &key, &[&vk1, &vk2], "2");
    assert!(!ok && err.contains("cosigned by 0 of the 2"), "{err}");
    // Without witnesses the server's own checks see nothing (its kept checkpoints are
    // gone); the monitor, holding the checkpoint of 4, alerts, and POSTs the alert.
    let (ok, out, err) = cifra(&["verify", "--url", &rewritten.1, "--key", &key]);
    assert!(ok, "{out}{err}");
    // A fresh monitor has no checkpoint of its own to hold against it, but its witness
    // (which cosigned 4 entries of the original) refuses, and that is an alert.
    let fresh = dir.path().join("fresh-monitor");
    let (ok, _, err) = monitor(&rewritten.1, &key, &fresh, &["--witness-key", &own]);
    assert!(
        !ok && err.contains("this monitor's witness refuses"),
        "{err}"
    );
    let (sink, alerts) = alert_sink();
    let (ok, _, err) = monitor(&rewritten.1, &key, &watch, &["--alert", &sink]);
    assert!(!ok && err.contains("ALERT"), "{err}");
    let posted = alerts.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(err.contains(posted.trim()), "{posted} / {err}");
}
