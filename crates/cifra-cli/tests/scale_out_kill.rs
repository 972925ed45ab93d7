//! Scale-out on election night: two `cifra serve` on one PostgreSQL database (one
//! transparency log), clients streaming the real 2021 actas to both, and one of the two
//! killed with SIGKILL mid-stream. Alone in its file so no other test of the binary runs
//! beside it.

mod common;

use common::*;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Clients streaming at once; the even ones send single actas, the odd ones batches.
const CLIENTS: usize = 8;
/// Actas in a batch.
const BATCH: usize = 20;
/// Actas each client streams.
const PER_CLIENT: usize = 1_500;
/// The log's size (as the survivor serves it) at which the other server is killed.
const KILL_AT: u64 = 2_000;

/// What one client did.
#[derive(Default)]
struct Streamed {
    /// Rows acknowledged (2xx) by the server that is killed.
    by_killed: Vec<Row>,
    /// Rows acknowledged (2xx) by the survivor.
    by_survivor: Vec<Row>,
    /// Requests to the survivor acknowledged after the kill.
    survivor_after_kill: usize,
    /// Requests to the killed server that failed (connection errors) after the kill.
    killed_failures: usize,
    /// Whatever should not have happened: a refusal or failure from the survivor, a
    /// refusal from either server, or a failure of the killed one before the kill.
    wrong: Vec<String>,
}

/// Posts `rows` (one acta or a batch); the status, or the connection error.
async fn post(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    rows: &[Row],
) -> Result<u16, String> {
    client
        .post(format!("{url}/api/v1/actas"))
        .bearer_auth(token)
        .json(&body(rows))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .map_err(|e| format!("{e:?}"))
}

/// Streams `rows`, alternating between the two servers request by request; once the
/// first (`urls[0]`, the one to be killed) fails, the failed request and every later one
/// go to the survivor (`urls[1]`).
async fn stream(
    client: reqwest::Client,
    urls: [String; 2],
    token: String,
    rows: Vec<Row>,
    size: usize,
    phase: usize,
    killed: Arc<AtomicBool>,
) -> Streamed {
    let mut done = Streamed::default();
    let mut first_alive = true;
    for (n, chunk) in rows.chunks(size).enumerate() {
        if first_alive && (n + phase).is_multiple_of(2) {
            let answer = post(&client, &urls[0], &token, chunk).await;
            match answer {
                Ok(200 | 201) => {
                    done.by_killed.extend(chunk.iter().cloned());
                    continue;
                }
                Ok(status) => done.wrong.push(format!(
                    "the server to be killed answered {status} to {}",
                    chunk[0].0
                )),
                Err(e) if !killed.load(Ordering::SeqCst) => done.wrong.push(format!(
                    "the server to be killed failed before it was killed: {e}"
                )),
                Err(_) => done.killed_failures += 1,
            }
            first_alive = false;
        }
        match post(&client, &urls[1], &token, chunk).await {
            Ok(200 | 201) => {
                done.by_survivor.extend(chunk.iter().cloned());
                if killed.load(Ordering::SeqCst) {
                    done.survivor_after_kill += 1;
                }
            }
            Ok(status) => done
                .wrong
                .push(format!("the survivor answered {status} to {}", chunk[0].0)),
            Err(e) => done
                .wrong
                .push(format!("the survivor failed on {}: {e}", chunk[0].0)),
        }
    }
    done
}

/// One look at the results: when, and the log size and staleness, or what failed.
type Poll = (Duration, Result<(u64, bool), String>);

/// Reads `url`'s national results every 20 ms until `stop`.
async fn poll(client: reqwest::Client, url: String, stop: Arc<AtomicBool>) -> Vec<Poll> {
    let start = Instant::now();
    let mut polls = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        let answer = results_of(&client, &url).await;
        polls.push((start.elapsed(), answer));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    polls
}

#[test]
fn two_servers_on_one_postgresql_database_one_killed_mid_stream_lose_no_acknowledged_acta() {
    let started = Instant::now();
    let db = PgDatabase::new("scale_out_kill");
    let (token, key) = init(&db.url);
    let mut killed_server = Server::start(&db.url);
    let mut survivor = Server::start(&db.url);
    let urls = [killed_server.url.clone(), survivor.url.clone()];
    let rows = rows_2021();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let killed = Arc::new(AtomicBool::new(false));
    let stop_polling = Arc::new(AtomicBool::new(false));

    // A reader polls the survivor from the start to the end (the replay and the
    // verification included): it must never see a failure.
    let reader = runtime.spawn(poll(
        client.clone(),
        survivor.url.clone(),
        Arc::clone(&stop_polling),
    ));

    // The clients, each on its own share of the actas; killed when the log has grown.
    let streamed = runtime.block_on(async {
        let mut clients = Vec::new();
        for c in 0..CLIENTS {
            let share: Vec<Row> = rows
                .iter()
                .skip(c)
                .step_by(CLIENTS)
                .take(PER_CLIENT)
                .cloned()
                .collect();
            let size = if c % 2 == 0 { 1 } else { BATCH };
            clients.push(tokio::spawn(stream(
                client.clone(),
                urls.clone(),
                token.clone(),
                share,
                size,
                c / 2,
                Arc::clone(&killed),
            )));
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            tokio::time::sleep(Duration::from_millis(10)).await;
            let size = client
                .get(format!("{}/api/v1/results", survivor.url))
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()["log_size"]
                .as_u64()
                .unwrap();
            if size >= KILL_AT {
                break;
            }
            assert!(Instant::now() < deadline, "the log did not reach {KILL_AT}");
        }
        killed.store(true, Ordering::SeqCst);
        killed_server.kill();
        let mut streamed = Vec::new();
        for c in clients {
            streamed.push(c.await.unwrap());
        }
        streamed
    });
    let streaming = started.elapsed();
    let wrong: Vec<&String> = streamed.iter().flat_map(|s| &s.wrong).collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
    let by_killed: Vec<Row> = streamed.iter().flat_map(|s| s.by_killed.clone()).collect();
    let by_survivor: Vec<Row> = streamed
        .iter()
        .flat_map(|s| s.by_survivor.clone())
        .collect();
    let killed_failures: usize = streamed.iter().map(|s| s.killed_failures).sum();
    let after_kill: usize = streamed.iter().map(|s| s.survivor_after_kill).sum();
    // Both servers took actas, the kill came mid-stream (requests to the killed server
    // failed and the survivor went on acknowledging), and every acta streamed was
    // acknowledged by one of the two in the end.
    assert!(by_killed.len() >= 200, "{}", by_killed.len());
    assert!(by_survivor.len() >= 200, "{}", by_survivor.len());
    assert!(killed_failures >= 1, "the kill came after the stream");
    assert!(after_kill >= 1, "the kill came after the stream");
    assert_eq!(by_killed.len() + by_survivor.len(), CLIENTS * PER_CLIENT);

    // Every acta either server acknowledged is in the log the survivor serves, with its
    // counts; each mesa once. (An entry the killed server committed without answering is
    // followed within 200 ms when the survivor is idle: give it that.)
    std::thread::sleep(Duration::from_millis(500));
    let (logged, size) = log(&survivor.url);
    assert_logged(&logged, &by_killed);
    assert_logged(&logged, &by_survivor);
    assert_eq!(logged.len() as u64, size, "a mesa is in the log twice");
    assert!(logged.values().all(|e| e.version == 1));

    // The whole file again, to the survivor: what is recorded answers 200.
    let replaying = Instant::now();
    let (recorded, already) = replay(&survivor.url, &token, &mesas_2021());
    let replaying = replaying.elapsed();
    assert_eq!(recorded + already, 46_606);
    assert_eq!(already, size, "recorded {recorded}, already {already}");
    let results = results(&survivor.url);
    assert_final(&results);
    verify(&survivor.url, &key);

    stop_polling.store(true, Ordering::SeqCst);
    let polls = runtime.block_on(reader).unwrap();
    let failed: Vec<&Poll> = polls.iter().filter(|(_, p)| p.is_err()).collect();
    assert!(failed.is_empty(), "the survivor's reader saw {failed:?}");
    let sizes: Vec<(u64, bool)> = polls.iter().map(|(_, p)| p.clone().unwrap()).collect();
    assert!(
        sizes.iter().all(|(_, stale)| !stale),
        "the survivor said stale"
    );
    assert!(
        sizes.windows(2).all(|w| w[0].0 <= w[1].0),
        "the survivor's log shrank"
    );
    // Polls every 20 ms for seconds: many, with no gap (a stall) of more than 2 s.
    assert!(polls.len() >= 50, "{} polls", polls.len());
    let stall = polls
        .windows(2)
        .map(|w| w[1].0 - w[0].0)
        .max()
        .unwrap_or_default();
    assert!(
        stall < Duration::from_secs(2),
        "the survivor stalled {stall:?}"
    );
    assert!(survivor.running());

    // A server started on the database now serves the same log and results.
    let third = Server::start(&db.url);
    let mut again = common::results(&third.url);
    assert_eq!(
        get(&format!("{}/api/v1/log/checkpoint", third.url)),
        get(&format!("{}/api/v1/log/checkpoint", survivor.url))
    );
    again["stale"] = results["stale"].clone();
    assert_eq!(again, results);
    let logged_by: HashSet<&str> = logged.keys().map(String::as_str).collect();
    eprintln!(
        "scale_out_kill: streamed {} actas in {streaming:.2?} ({} acknowledged by the killed server, {} by the survivor, {} after the kill; {} requests failed on the killed server; the log had {} entries, {} mesas), replay {replaying:.2?} ({recorded} recorded, {already} already), {} polls, longest between two {stall:.2?}, {:.2?} in all",
        CLIENTS * PER_CLIENT,
        by_killed.len(),
        by_survivor.len(),
        after_kill,
        killed_failures,
        size,
        logged_by.len(),
        polls.len(),
        started.elapsed()
    );
}
