//! The database goes away on election night: the machine's PostgreSQL is stopped for
//! about two seconds and started again while a client streams the real 2021 actas to one
//! `cifra serve`. Alone in its file so no other test of the binary runs beside it.
//!
//! The PostgreSQL at 127.0.0.1:5432 is shared with other tests: the down period is kept
//! short, and the server is always started again (a drop guard), even when the test
//! fails midway.

mod common;

use common::*;
use std::collections::HashSet;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Clients streaming at once; the even ones send single actas, the odd ones batches.
const CLIENTS: usize = 4;
/// Actas in a batch.
const BATCH: usize = 20;
/// The log's size at which PostgreSQL is stopped.
const STOP_AT: u64 = 1_500;
/// How long PostgreSQL stays down.
const DOWN: Duration = Duration::from_secs(2);
/// A client's pause between its requests (the stream must outlast the restart).
const PAUSE: Duration = Duration::from_millis(5);
/// A client's pause before sending again after a 503 (shorter than the server's
/// Retry-After, to see many answers of the down period).
const RETRY: Duration = Duration::from_millis(100);

/// `pg_ctlcluster ACTION` on the machine's cluster; whether it succeeded, and what it
/// said.
fn pg_ctlcluster(action: &str) -> (bool, String) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main {action}"
        ))
        .output()
        .expect("sh runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Whether PostgreSQL accepts connections at 127.0.0.1:5432.
fn pg_isready() -> bool {
    Command::new("pg_isready")
        .args(["-h", "127.0.0.1", "-p", "5432", "-q"])
        .status()
        .is_ok_and(|s| s.success())
}

/// Waits (at most a minute) for PostgreSQL to accept connections.
fn wait_for_postgres() -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if pg_isready() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// Starts PostgreSQL again when dropped (if it is not running) and waits for it: the
/// machine's PostgreSQL is back however the test ends.
struct StartPostgresAgain;

impl Drop for StartPostgresAgain {
    fn drop(&mut self) {
        if !pg_isready() {
            // Exit 2 is "already running": fine too.
            let (_, said) = pg_ctlcluster("start");
            if !wait_for_postgres() {
                eprintln!("PostgreSQL did not come back: {said}");
                if !std::thread::panicking() {
                    panic!("PostgreSQL did not come back: {said}");
                }
            }
        }
    }
}

/// One request's answer: when it was sent and answered (from the test's start), its
/// status and its Retry-After header.
#[derive(Debug, Clone)]
struct Answer {
    sent: Duration,
    answered: Duration,
    status: u16,
    retry_after: Option<String>,
}

/// Streams `rows` to `url` in requests of `size` actas; a 503 is sent again (after
/// [`RETRY`]) until it is acknowledged. Stops at `stop`, or at a failure: anything but
/// 200, 201 or 503, or a connection error. Returns the rows acknowledged; every answer
/// goes to `answers`.
#[allow(clippy::too_many_arguments)]
async fn stream(
    client: reqwest::Client,
    url: String,
    token: String,
    rows: Vec<Row>,
    size: usize,
    start: Instant,
    answers: Arc<Mutex<Vec<Answer>>>,
    stop: Arc<AtomicBool>,
) -> Result<Vec<Row>, String> {
    let mut acknowledged = Vec::new();
    for chunk in rows.chunks(size) {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let first_try = Instant::now();
        loop {
            let sent = start.elapsed();
            let r = client
                .post(format!("{url}/api/v1/actas"))
                .bearer_auth(&token)
                .json(&body(chunk))
                .send()
                .await
                .map_err(|e| format!("{} at {sent:?}: {e:?}", chunk[0].0))?;
            let answer = Answer {
                sent,
                answered: start.elapsed(),
                status: r.status().as_u16(),
                retry_after: r
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap_or("?").to_string()),
            };
            let status = answer.status;
            answers.lock().unwrap().push(answer);
            match status {
                200 | 201 => {
                    acknowledged.extend(chunk.iter().cloned());
                    break;
                }
                503 if first_try.elapsed() < Duration::from_secs(30) => {
                    tokio::time::sleep(RETRY).await
                }
                _ => {
                    let text = r.text().await.unwrap_or_default();
                    return Err(format!("{} at {sent:?}: {status} {text}", chunk[0].0));
                }
            }
        }
        tokio::time::sleep(PAUSE).await;
    }
    Ok(acknowledged)
}

/// One look at the results: when it was sent and answered, and the log size and
/// staleness, or what failed.
type Poll = (Duration, Duration, Result<(u64, bool), String>);

/// Reads `url`'s national results every 20 ms until `stop`.
async fn poll(
    client: reqwest::Client,
    url: String,
    start: Instant,
    polls: Arc<Mutex<Vec<Poll>>>,
    stop: Arc<AtomicBool>,
) {
    while !stop.load(Ordering::SeqCst) {
        let sent = start.elapsed();
        let answer = results_of(&client, &url).await;
        polls.lock().unwrap().push((sent, start.elapsed(), answer));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits (at most `limit`) for `done`, looking every 10 ms.
async fn until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "waited {limit:?} for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[test]
fn a_postgresql_restart_mid_stream_is_503_and_stale_then_the_server_recovers_by_itself() {
    assert!(
        pg_isready(),
        "PostgreSQL is not accepting connections at 127.0.0.1:5432"
    );
    let db = PgDatabase::new("pg_restart");
    let (token, key) = init(&db.url);
    let mut server = Server::start(&db.url);
    let rows = rows_2021();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let start = Instant::now();
    let answers: Arc<Mutex<Vec<Answer>>> = Arc::default();
    let polls: Arc<Mutex<Vec<Poll>>> = Arc::default();
    let (stop_streaming, stop_polling) = (Arc::default(), Arc::<AtomicBool>::default());

    let reader = runtime.spawn(poll(
        client.clone(),
        server.url.clone(),
        start,
        Arc::clone(&polls),
        Arc::clone(&stop_polling),
    ));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let share: Vec<Row> = rows.iter().skip(c).step_by(CLIENTS).cloned().collect();
            runtime.spawn(stream(
                client.clone(),
                server.url.clone(),
                token.clone(),
                share,
                if c % 2 == 0 { 1 } else { BATCH },
                start,
                Arc::clone(&answers),
                Arc::clone(&stop_streaming),
            ))
        })
        .collect();

    // PostgreSQL stops when the log has grown; down for DOWN; then starts again.
    let size = |polls: &Arc<Mutex<Vec<Poll>>>| {
        polls
            .lock()
            .unwrap()
            .last()
            .and_then(|(_, _, p)| p.as_ref().ok().map(|(size, _)| *size))
            .unwrap_or(0)
    };
    runtime.block_on(until(Duration::from_secs(60), "the log to grow", || {
        size(&polls) >= STOP_AT
    }));
    let guard = StartPostgresAgain;
    let stopping = start.elapsed();
    let (ok, said) = pg_ctlcluster("stop");
    assert!(ok, "pg_ctlcluster stop: {said}");
    let stopped = start.elapsed();
    assert!(!pg_isready(), "PostgreSQL still answers after stop");
    // While it is down: the results say stale (at once: the writer is retrying, or
    // looks every 200 ms when idle)...
    let stale_seen = runtime.block_on(async {
        until(Duration::from_secs(1), "the results to say stale", || {
            polls
                .lock()
                .unwrap()
                .iter()
                .any(|(sent, _, p)| *sent > stopped && matches!(p, Ok((_, true))))
        })
        .await;
        start.elapsed()
    });
    // ... and an acta already acknowledged, sent again, is not acknowledged as new; it
    // leaves the results stale.
    let (resent, after_resent) = runtime.block_on(async {
        let resent = client
            .post(format!("{}/api/v1/actas", server.url))
            .bearer_auth(&token)
            .json(&body(&rows[0..1]))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        (resent, results_of(&client, &server.url).await)
    });
    let down_for = stopped + DOWN;
    std::thread::sleep(down_for.saturating_sub(start.elapsed()));
    let starting = start.elapsed();
    let (ok, said) = pg_ctlcluster("start");
    assert!(ok, "pg_ctlcluster start: {said}");
    assert!(wait_for_postgres(), "PostgreSQL did not come back");
    let ready = start.elapsed();
    drop(guard);

    // Without being restarted, the server records again (a 201 to a request sent after
    // PostgreSQL is back) and the results are no longer stale.
    runtime.block_on(until(
        Duration::from_secs(20),
        "a 201 after the restart",
        || {
            answers
                .lock()
                .unwrap()
                .iter()
                .any(|a| a.sent > ready && a.status == 201)
        },
    ));
    runtime.block_on(until(
        Duration::from_secs(5),
        "the results to say not stale",
        || {
            polls
                .lock()
                .unwrap()
                .iter()
                .any(|(sent, _, p)| *sent > ready && matches!(p, Ok((_, false))))
        },
    ));
    let recovered = start.elapsed();
    std::thread::sleep(Duration::from_millis(300));
    stop_streaming.store(true, Ordering::SeqCst);
    let mut acknowledged = Vec::new();
    for c in clients {
        acknowledged.extend(runtime.block_on(c).unwrap().unwrap());
    }
    stop_polling.store(true, Ordering::SeqCst);
    runtime.block_on(reader).unwrap();
    assert!(server.running(), "the server stopped");

    let answers = answers.lock().unwrap().clone();
    let polls = polls.lock().unwrap().clone();
    // Writes while PostgreSQL was down were 503, with Retry-After; none was acknowledged.
    let unavailable: Vec<&Answer> = answers.iter().filter(|a| a.status == 503).collect();
    assert!(!unavailable.is_empty(), "no 503 while PostgreSQL was down");
    assert!(
        unavailable
            .iter()
            .all(|a| a.retry_after.as_deref() == Some("1")),
        "a 503 without Retry-After: 1: {unavailable:?}"
    );
    let while_down: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.sent > stopped && a.answered < starting)
        .collect();
    assert!(!while_down.is_empty());
    assert!(
        while_down.iter().all(|a| a.status == 503),
        "acknowledged while PostgreSQL was down: {while_down:?}"
    );
    // (The first acta of the first client, acknowledged long before.)
    assert_eq!(
        acknowledged.iter().find(|(mesa, _)| *mesa == rows[0].0),
        Some(&rows[0])
    );
    assert!(resent == 200 || resent == 503, "{resent}");
    assert_eq!(
        after_resent.as_ref().map(|(_, stale)| *stale),
        Ok(true),
        "the results stopped saying stale after an acta already recorded was sent again (answered {resent}) while PostgreSQL was down"
    );
    // The reader never failed; it saw stale results while PostgreSQL was down (from
    // the moment the server noticed) and fresh ones once it was back.
    let failed: Vec<&Poll> = polls.iter().filter(|(_, _, p)| p.is_err()).collect();
    assert!(failed.is_empty(), "the reader saw {failed:?}");
    let fresh_while_down: Vec<&Poll> = polls
        .iter()
        .filter(|(sent, answered, p)| {
            *sent > stale_seen && *answered < starting && matches!(p, Ok((_, false)))
        })
        .collect();
    assert!(
        fresh_while_down.is_empty(),
        "not stale while PostgreSQL was down: {fresh_while_down:?}"
    );
    assert!(matches!(polls.last(), Some((_, _, Ok((_, false))))));
    let sizes: Vec<u64> = polls
        .iter()
        .map(|(_, _, p)| p.as_ref().unwrap().0)
        .collect();
    assert!(sizes.windows(2).all(|w| w[0] <= w[1]), "the log shrank");

    // Every acknowledged acta is in the log, with its counts; each mesa once.
    let (logged, size) = log(&server.url);
    assert_logged(&logged, &acknowledged);
    assert_eq!(logged.len() as u64, size, "a mesa is in the log twice");
    assert!(logged.values().all(|e| e.version == 1));

    // The rest of the file (what was not acknowledged, some of it perhaps recorded
    // unacknowledged), replayed; then all 46,606 are there and verify.
    let dir = tempfile::tempdir().unwrap();
    let rest = dir.path().join("rest.csv");
    let done: HashSet<String> = acknowledged.iter().map(|(mesa, _)| mesa.clone()).collect();
    let remaining = write_2021_without(&rest, &done);
    assert_eq!(remaining + done.len(), 46_606);
    assert!(remaining > 0, "the stream ended before the restart did");
    let replaying = Instant::now();
    let (recorded, already) = replay(&server.url, &token, rest.to_str().unwrap());
    let replaying = replaying.elapsed();
    assert_eq!((recorded + already) as usize, remaining);
    assert_eq!(already + done.len() as u64, size);
    let results = results(&server.url);
    assert_final(&results);
    verify(&server.url, &key);
    assert!(server.running(), "the server stopped");
    eprintln!(
        "postgres_restart: stop at {stopping:.2?} (down at {stopped:.2?}, stale seen at {stale_seen:.2?}), start at {starting:.2?} (ready at {ready:.2?}), recovered at {recovered:.2?}; {} answers ({} 503, {} while down), the acta sent again while down answered {resent}; {} acknowledged, log {size}; replay of {remaining} in {replaying:.2?} ({recorded} recorded, {already} already); {} polls; {:.2?} in all",
        answers.len(),
        unavailable.len(),
        while_down.len(),
        acknowledged.len(),
        polls.len(),
        start.elapsed()
    );
}
