//! The log defends itself: a signed size has one root, forever. A log rewritten or cut
//! behind the server's back is refused at start-up (naming the first differing entry),
//! a server never signs a second root for a signed size, and the kept checkpoints are
//! published. Each test runs on a SQLite file and on a PostgreSQL database.

mod common;

use cifra_log::{Checkpoint, NoteVerifier};
use cifra_server::{ServerError, State};
use common::*;
use reqwest::StatusCode;
use std::process::Command;
use std::sync::Arc;

/// Three actas, the checkpoint asked for after each (so sizes 1, 2 and 3 are signed
/// and kept); returns the three notes.
async fn three_signed(s: &Server) -> Vec<String> {
    let mut notes = Vec::new();
    for (mesa, votes) in [
        ("N1", [30, 20, 10, 2, 1]),
        ("N2", [11, 30, 5, 1, 0]),
        ("C1", [50, 10, 15, 2, 2]),
    ] {
        s.expect(&acta(mesa, votes), 201).await;
        let (status, note) = s.text("/api/v1/log/checkpoint").await;
        assert_eq!(status, StatusCode::OK, "{note}");
        notes.push(note);
    }
    notes
}

/// Runs `sql` on the election's database behind the server's back; `{s}` stands for
/// the schema's prefix (`cifra.` on PostgreSQL, nothing on SQLite).
fn tamper(s: &Server, sql: &str) {
    match s.backend {
        Backend::Sqlite => rusqlite::Connection::open(&s.address)
            .unwrap()
            .execute_batch(&sql.replace("{s}", ""))
            .unwrap(),
        Backend::Postgres => {
            let (host, port) = POSTGRES.split_once(':').unwrap();
            let out = Command::new("psql")
                .args(["-h", host, "-p", port, "-U", "postgres", "-d", s.database()])
                .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-c"])
                .arg(sql.replace("{s}", "cifra."))
                .output()
                .expect("psql runs");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// Opens the election's database in a new server's state, as `cifra serve` does.
fn open(s: &Server) -> Result<Arc<State>, ServerError> {
    let store = cifra_store::open(&s.address).expect("the database opens");
    State::open(Arc::from(store))
}

/// The refusal to open, as `cifra serve` prints it.
fn refusal(s: &Server) -> String {
    match open(s) {
        Err(error @ ServerError::Rewritten { .. }) => error.to_string(),
        Err(other) => panic!("refused for another reason: {other}"),
        Ok(_) => panic!("a server opened a log that departs from what was signed"),
    }
}

/// The sizes of the checkpoints kept in the store.
fn kept_sizes(s: &Server) -> Vec<u64> {
    let store = cifra_store::open(&s.address).unwrap();
    store
        .checkpoints(0, 100)
        .unwrap()
        .iter()
        .map(|c| c.size)
        .collect()
}

on_both!(
    a_rewritten_vote_count_is_refused_at_start_up,
    a_deleted_last_entry_is_refused_at_start_up,
    a_server_never_signs_a_second_root_for_a_signed_size,
    the_kept_checkpoints_are_published_in_pages,
    an_untouched_log_opens_and_signs_what_it_signed,
);

async fn a_rewritten_vote_count_is_refused_at_start_up(backend: Backend) {
    let mut s = Server::start(backend).await;
    three_signed(&s).await;
    s.shutdown().await;
    // N2's 11 votes for ana become 91.
    tamper(
        &s,
        r#"UPDATE {s}entries SET line = replace(line, '"ana":11', '"ana":91') WHERE idx = 1"#,
    );
    let message = refusal(&s);
    assert!(
        message.contains("entry 1 is not the one signed"),
        "the first differing entry is named: {message}"
    );
    assert!(
        message.contains("checkpoint of 1 entries matches"),
        "{message}"
    );
    assert_eq!(kept_sizes(&s), [1, 2, 3], "nothing more was signed");
}

async fn a_deleted_last_entry_is_refused_at_start_up(backend: Backend) {
    let mut s = Server::start(backend).await;
    three_signed(&s).await;
    s.shutdown().await;
    tamper(&s, "DELETE FROM {s}entries WHERE idx = 2");
    let message = refusal(&s);
    assert!(
        message.contains(
            "a checkpoint of 3 entries was signed, but the log has only 2: entry 2 was removed"
        ),
        "{message}"
    );
    assert_eq!(kept_sizes(&s), [1, 2, 3]);
}

/// A second server opened on a log rewritten with the kept checkpoints removed (so it
/// cannot know) signs the rewritten log; the first server, which signed the original,
/// then refuses to sign anything that extends a log it cannot agree with. On SQLite the
/// file beside the database refuses the second server already.
async fn a_server_never_signs_a_second_root_for_a_signed_size(backend: Backend) {
    let s = Server::start(backend).await;
    let notes = three_signed(&s).await;
    tamper(
        &s,
        r#"UPDATE {s}entries SET line = replace(line, '"ana":11', '"ana":91') WHERE idx = 1;
           DELETE FROM {s}checkpoints"#,
    );
    if backend == Backend::Sqlite {
        // Without the table's rows, the file alone (size 3) bounds the changed entry.
        let message = refusal(&s);
        assert!(
            message.contains("the first changed entry is among entries 0 to 2"),
            "{message}"
        );
        return;
    }
    let second = open(&s).expect("nothing kept: the second server cannot know");
    let (size, rewritten) = second.checkpoint().expect("it signs the log it holds");
    assert_eq!(size, 3);
    assert_ne!(rewritten.to_string(), notes[2], "a second root for size 3");
    // The first server still serves what it signed for size 3 …
    assert_eq!(s.text("/api/v1/log/checkpoint").await.1, notes[2]);
    // … but signs nothing past it: its log is not the one the store now says was signed.
    s.expect(&acta("S1", [60, 5, 5, 1, 1]), 201).await;
    let (status, body) = s.json("/api/v1/log/checkpoint").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    let error = body["error"].as_str().unwrap();
    assert!(
        error.contains("the first changed entry is among entries 0 to 2"),
        "{error}"
    );
    assert_eq!(kept_sizes(&s), [3], "the first server kept nothing more");
}

async fn the_kept_checkpoints_are_published_in_pages(backend: Backend) {
    let s = Server::start(backend).await;
    let notes = three_signed(&s).await;
    let verifier = NoteVerifier::parse(s.text("/api/v1/key").await.1.trim()).unwrap();
    let page = s.ok("/api/v1/log/checkpoints").await;
    assert_eq!(page["next"], serde_json::Value::Null);
    let kept = page["checkpoints"].as_array().unwrap();
    assert_eq!(kept.len(), 3);
    for (i, kept) in kept.iter().enumerate() {
        assert_eq!(kept["size"], i as u64 + 1);
        assert_eq!(kept["note"], notes[i].as_str());
        let body = verifier.verify(kept["note"].as_str().unwrap()).unwrap();
        assert_eq!(Checkpoint::parse(body).unwrap().size, i as u64 + 1);
    }
    let page = s.ok("/api/v1/log/checkpoints?from=2").await;
    let sizes: Vec<u64> = page["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["size"].as_u64().unwrap())
        .collect();
    assert_eq!(sizes, [2, 3]);
    let page = s.ok("/api/v1/log/checkpoints?from=4").await;
    assert_eq!(page["checkpoints"], serde_json::json!([]));
    let (status, body) = s.json("/api/v1/log/checkpoints?from=two").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_error(&body, None, None, None);
}

async fn an_untouched_log_opens_and_signs_what_it_signed(backend: Backend) {
    let s = Server::start(backend).await;
    let notes = three_signed(&s).await;
    let s = s.restart().await;
    assert_eq!(s.text("/api/v1/log/checkpoint").await.1, notes[2]);
    s.expect(&acta("S1", [60, 5, 5, 1, 1]), 201).await;
    assert_eq!(s.text("/api/v1/log/checkpoint").await.0, StatusCode::OK);
    assert_eq!(kept_sizes(&s), [1, 2, 3, 4]);
}

/// A SQLite database replaced by an older copy (or a new one), its checkpoints gone
/// with it: the file beside it still says what was signed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_sqlite_database_is_refused_through_the_file_beside_it() {
    let mut s = Server::start(Backend::Sqlite).await;
    three_signed(&s).await;
    s.shutdown().await;
    tamper(
        &s,
        "DELETE FROM checkpoints; DELETE FROM entries WHERE idx = 2",
    );
    let message = refusal(&s);
    assert!(message.contains("entry 2 was removed"), "{message}");
}

/// A file beside the database that the election's key did not sign is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_checkpoint_file_is_refused() {
    let mut s = Server::start(Backend::Sqlite).await;
    three_signed(&s).await;
    s.shutdown().await;
    let file = format!("{}-checkpoint", s.address);
    let note = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, note.replacen("\n3\n", "\n2\n", 1)).unwrap();
    let message = refusal(&s);
    assert!(
        message.contains("not signed by this election's key"),
        "{message}"
    );
}
