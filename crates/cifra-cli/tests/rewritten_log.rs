//! A log rewritten behind the server's back, with the real binary: `cifra verify --url`
//! finds it through the checkpoints the server signed earlier and keeps (no
//! `--previous` needed), and `cifra serve` refuses a log cut short of a signed size.

mod common;

use common::{actas, init, rows_2021, Server, CIFRA};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// POSTs `acta` with `token`, then GETs the checkpoint (so its size is signed and kept).
fn submit_and_sign(url: &str, token: &str, acta: &serde_json::Value) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let posted = client
            .post(format!("{url}/api/v1/actas"))
            .bearer_auth(token)
            .json(acta)
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 201);
        let signed = client
            .get(format!("{url}/api/v1/log/checkpoint"))
            .send()
            .await
            .unwrap();
        assert_eq!(signed.status(), 200);
    });
}

/// `cifra serve` on `db`, which must exit by itself: its exit code and stderr.
fn serve_refused(db: &str) -> (Option<i32>, String) {
    let mut child = Command::new(CIFRA)
        .args(["serve", "--listen", "127.0.0.1:0", "--db", db])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("cifra serve served a log cut short of a signed size");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.stdout.is_empty(), "nothing served: {:?}", out.stdout);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn verify_finds_a_rewrite_through_the_kept_checkpoints_and_serve_refuses_a_cut_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.db");
    let db = db.to_str().unwrap();
    let (token, key) = init(db);
    let mut server = Server::start(db);
    for acta in actas(&rows_2021()[..3]) {
        submit_and_sign(&server.url, &token, &acta);
    }
    server.kill();

    // Entry 1's first count changed, and the roots the database keeps for the signed
    // sizes changed to match; the file beside the database removed. The server reads
    // each kept checkpoint from its signed note, which cannot be changed without the
    // key, so it refuses to start.
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut lines: Vec<String> = conn
        .prepare("SELECT line FROM entries ORDER BY idx")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(lines.len(), 3);
    let kept: Vec<(i64, Vec<u8>, String)> = conn
        .prepare("SELECT size, root, note FROM checkpoints ORDER BY size")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(kept.len(), 3);
    let mut entry = cifra_log::Entry::parse(lines[1].as_bytes()).unwrap();
    *entry.votes.get_mut("boric").unwrap() += 100;
    lines[1] = entry.to_line();
    conn.execute("UPDATE entries SET line = ?1 WHERE idx = 1", [&lines[1]])
        .unwrap();
    let bytes: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
    let tree = cifra_log::rebuild(&bytes);
    for size in 1..=3u64 {
        conn.execute(
            "UPDATE checkpoints SET root = ?1 WHERE size = ?2",
            rusqlite::params![tree.root_at(size).unwrap(), size],
        )
        .unwrap();
    }
    std::fs::remove_file(format!("{db}-checkpoint")).unwrap();
    let (code, stderr) = serve_refused(db);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("the kept checkpoint of 2 entries was altered"),
        "{stderr}"
    );

    // A server that lost its checkpoints (a dishonest operator's, say) starts on the
    // rewritten log and signs a new size over it, so today's checkpoint and entries agree
    // with each other; what it signed before is still published (here: put back in the
    // store after it started), and the verifier checks every one of those notes.
    conn.execute("DELETE FROM checkpoints", []).unwrap();
    let server = Server::start(db);
    submit_and_sign(&server.url, &token, &actas(&rows_2021()[3..4])[0]);
    for (size, root, note) in &kept {
        conn.execute(
            "INSERT INTO checkpoints (size, root, note) VALUES (?1, ?2, ?3)",
            rusqlite::params![size, root, note],
        )
        .unwrap();
    }
    drop(conn);
    let out = Command::new(CIFRA)
        .args(["verify", "--url", &server.url, "--key", &key])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(!out.status.success(), "verified a rewritten log: {stdout}");
    assert!(
        stderr.contains("a checkpoint the server signed earlier is not a prefix of today's log")
            && stderr.contains("entry 1 is not the one signed"),
        "{stderr}"
    );
    drop(server);

    // The last entry deleted: the log is shorter than a signed size. (The checkpoints
    // of the rewrite above are taken out again, so that only this is wrong.)
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute("DELETE FROM checkpoints WHERE size < 4", [])
        .unwrap();
    conn.execute("DELETE FROM entries WHERE idx = 3", [])
        .unwrap();
    drop(conn);
    let (code, stderr) = serve_refused(db);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "a checkpoint of 4 entries was signed, but the log has only 3: entry 3 was removed"
        ),
        "{stderr}"
    );
}
