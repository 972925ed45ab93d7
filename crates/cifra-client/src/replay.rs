//! Submitting actas to a server: a mesa-results file sent as actas, in batches, at a
//! rate or as fast as the server takes them, or on a schedule (the demo's night). It is
//! also the load generator of the intake benchmarks.

use crate::ClientError;
use cifra_results::MesaList;
use reqwest::StatusCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// How to submit.
#[derive(Debug, Clone)]
pub struct Replay {
    /// The server, e.g. `http://127.0.0.1:8080`.
    pub url: String,
    /// The submitter's token.
    pub token: String,
    /// Actas per second at most; `None`: as fast as the server takes them.
    pub rate: Option<f64>,
    /// Actas per request (1: one acta per request, not an array).
    pub batch: usize,
    /// Requests in flight at once.
    pub concurrency: usize,
}

/// What a replay did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Actas newly recorded (in 201 answers).
    pub recorded: u64,
    /// Actas that were already recorded identically.
    pub unchanged: u64,
    /// Requests sent (retries included).
    pub requests: u64,
    /// Requests retried after a 503.
    pub retries: u64,
    /// How long it took.
    pub elapsed: Duration,
}

/// How often a 503 (the server or its database briefly unavailable) is retried.
const RETRIES: u32 = 20;

/// One acta's JSON, from row `row` of `mesas`.
pub fn acta_json(mesas: &MesaList, row: usize) -> serde_json::Value {
    let mesa = &mesas.mesas[row];
    let votes: serde_json::Map<String, serde_json::Value> = mesas
        .options
        .iter()
        .zip(&mesa.votes)
        .map(|(o, v)| (o.clone(), serde_json::Value::from(*v)))
        .collect();
    serde_json::json!({"mesa": mesa.id, "votes": votes})
}

/// Submits the rows of `mesas` in the order of `order` (row positions), each no sooner
/// than its time in `due` (offsets from the start; empty: no schedule), `replay.batch`
/// at a time. Stops at the first refusal, naming the acta and the server's reason.
/// `progress` is called with the number of actas acknowledged so far.
pub async fn run(
    replay: &Replay,
    mesas: &MesaList,
    order: &[usize],
    due: &[Duration],
    progress: impl Fn(u64) + Send + Sync + 'static,
) -> Result<Report, ClientError> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(replay.concurrency.max(1))
        .build()
        .map_err(|e| ClientError::Http(e.to_string()))?;
    let endpoint = format!("{}/api/v1/actas", replay.url.trim_end_matches('/'));
    let batch = replay.batch.max(1);
    let start = Instant::now();
    let slots = Arc::new(Semaphore::new(replay.concurrency.max(1)));
    let done = Arc::new(AtomicU64::new(0));
    let progress = Arc::new(progress);
    let mut tasks = tokio::task::JoinSet::new();
    let mut report = Report::default();
    let mut sent = 0usize;
    while sent < order.len() {
        // With a schedule, a batch holds what is due by its first acta's time (at most
        // `batch`); otherwise `batch` actas, paced by the rate.
        let end = (sent + batch).min(order.len());
        let at = if !due.is_empty() {
            due[sent]
        } else if let Some(rate) = replay.rate {
            Duration::from_secs_f64(sent as f64 / rate.max(1e-9))
        } else {
            Duration::ZERO
        };
        if let Some(wait) = at.checked_sub(start.elapsed()) {
            tokio::time::sleep(wait).await;
        }
        let rows = &order[sent..end];
        let body = if batch == 1 {
            acta_json(mesas, rows[0])
        } else {
            serde_json::Value::Array(rows.iter().map(|&r| acta_json(mesas, r)).collect())
        };
        let body = serde_json::to_vec(&body).map_err(|e| ClientError::Http(e.to_string()))?;
        let first = mesas.mesas[rows[0]].id.clone();
        let count = rows.len() as u64;
        sent = end;
        let permit = Arc::clone(&slots)
            .acquire_owned()
            .await
            .map_err(|e| ClientError::Http(e.to_string()))?;
        let (client, endpoint, token) = (client.clone(), endpoint.clone(), replay.token.clone());
        let (done, progress) = (Arc::clone(&done), Arc::clone(&progress));
        tasks.spawn(async move {
            let result = submit(&client, &endpoint, &token, body, &first).await;
            drop(permit);
            if result.is_ok() {
                progress(done.fetch_add(count, Ordering::Relaxed) + count);
            }
            result
        });
        // Collect finished requests as we go so an error stops the replay early.
        while let Some(finished) = tasks.try_join_next() {
            add(&mut report, finished)?;
        }
    }
    while let Some(finished) = tasks.join_next().await {
        add(&mut report, finished)?;
    }
    report.elapsed = start.elapsed();
    Ok(report)
}

fn add(
    report: &mut Report,
    finished: Result<Result<Submitted, ClientError>, tokio::task::JoinError>,
) -> Result<(), ClientError> {
    let submitted = finished.map_err(|e| ClientError::Http(e.to_string()))??;
    report.recorded += submitted.recorded;
    report.unchanged += submitted.unchanged;
    report.requests += 1 + u64::from(submitted.retries);
    report.retries += u64::from(submitted.retries);
    Ok(())
}

struct Submitted {
    recorded: u64,
    unchanged: u64,
    retries: u32,
}

/// Sends one request, retrying while the server answers 503 (with its `Retry-After`, or
/// a growing pause) or cannot be reached for a moment.
async fn submit(
    client: &reqwest::Client,
    endpoint: &str,
    token: &str,
    body: Vec<u8>,
    first: &str,
) -> Result<Submitted, ClientError> {
    let mut retries = 0;
    loop {
        let sent = client
            .post(endpoint)
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await;
        let pause = Duration::from_millis(100 * (1 << retries.min(5)));
        let response = match sent {
            Ok(r) => r,
            Err(_) if retries < RETRIES => {
                retries += 1;
                tokio::time::sleep(pause).await;
                continue;
            }
            Err(e) => return Err(ClientError::Http(format!("{endpoint}: {e}"))),
        };
        let status = response.status();
        if status == StatusCode::SERVICE_UNAVAILABLE && retries < RETRIES {
            let after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .map_or(pause, Duration::from_secs);
            retries += 1;
            tokio::time::sleep(after).await;
            continue;
        }
        let text = response
            .text()
            .await
            .map_err(|e| ClientError::Http(e.to_string()))?;
        if !status.is_success() {
            return Err(ClientError::Refused {
                status: status.as_u16(),
                mesa: first.to_string(),
                body: text,
            });
        }
        let answer: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| ClientError::Http(e.to_string()))?;
        let statuses = answer["actas"].as_array().cloned().unwrap_or_default();
        let recorded = statuses
            .iter()
            .filter(|a| a["status"] == "recorded")
            .count() as u64;
        return Ok(Submitted {
            recorded,
            unchanged: statuses.len() as u64 - recorded,
            retries,
        });
    }
}

/// The demo's night: when each mesa reports, over `minutes`. Regions report at their own
/// pace: each starts and finishes at its own time (the capital later and longer, as its
/// long urban counts do), and its mesas arrive spread between, in an order fixed by a
/// hash of their ids (the same every run). Returns the row order and each one's time.
pub fn night(mesas: &MesaList, region_column: usize, minutes: f64) -> (Vec<usize>, Vec<Duration>) {
    let total = Duration::from_secs_f64(minutes.max(0.01) * 60.0);
    let mut regions: Vec<&str> = Vec::new();
    for m in &mesas.mesas {
        let r = m.territory.get(region_column).map_or("", String::as_str);
        if !regions.contains(&r) {
            regions.push(r);
        }
    }
    let mut timed: Vec<(Duration, usize)> = mesas
        .mesas
        .iter()
        .enumerate()
        .map(|(row, m)| {
            let r = m.territory.get(region_column).map_or("", String::as_str);
            let k = regions.iter().position(|x| *x == r).unwrap_or(0) as u64;
            // Start in the first 15 % of the night, finish between 55 % and 100 %.
            let start = 0.15 * unit(splitmix(k * 2 + 1));
            let finish = 0.55 + 0.45 * unit(splitmix(k * 2 + 2));
            let (start, finish) = if r.contains("METROPOLITANA") {
                (0.05, 1.0)
            } else {
                (start, finish)
            };
            let own = unit(splitmix(hash(&m.id)));
            // Most actas arrive early in a region's window (the count is fast where
            // mesas are small): a square root skews the spread.
            let at = start + (finish - start) * own.powf(1.5);
            (total.mul_f64(at), row)
        })
        .collect();
    timed.sort();
    timed.into_iter().map(|(at, row)| (row, at)).unzip()
}

fn hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn unit(x: u64) -> f64 {
    (x >> 11) as f64 / (1u64 << 53) as f64
}
