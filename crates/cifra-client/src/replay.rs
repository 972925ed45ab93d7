//! Submitting actas to a server: a mesa-results file sent as actas, in batches, at a
//! rate or as fast as the server takes them, or on a schedule (the demo's night). It is
//! also the load generator of the intake benchmarks.

use crate::ClientError;
use cifra_night::api::{ActaBody, ActaStatus, ErrorBody, Submitted};
use cifra_results::MesaList;
use reqwest::StatusCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// How to submit: `cifra replay`'s settings (its flags, with the `cli` feature).
#[derive(Debug, Clone)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct Replay {
    /// The server, e.g. `http://127.0.0.1:8080`.
    #[cfg_attr(feature = "cli", arg(long, value_name = "URL"))]
    pub url: String,
    /// A submitter's token.
    // Tokens are base64url: one in 64 starts with '-', which must not read as a flag.
    #[cfg_attr(
        feature = "cli",
        arg(long, value_name = "T", allow_hyphen_values = true)
    )]
    pub token: String,
    /// Actas per second at most (default: as fast as the server takes them).
    #[cfg_attr(feature = "cli", arg(long, value_name = "N"))]
    pub rate: Option<f64>,
    /// Actas per request (1: one acta per request, not an array).
    #[cfg_attr(feature = "cli", arg(long, value_name = "K", default_value_t = 1,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=50_000)))]
    pub batch: usize,
    /// Requests in flight at once.
    #[cfg_attr(feature = "cli", arg(long, value_name = "C", default_value_t = 8,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=10_000)))]
    pub concurrency: usize,
    /// At a 409 (a mesa already recorded with other counts): stop sending, or skip the
    /// acta and go on (the others of its batch are sent again).
    #[cfg_attr(feature = "cli", arg(long, value_enum, value_name = "WHAT", default_value_t = OnConflict::Stop))]
    pub on_conflict: OnConflict,
}

/// What a replay does when the server answers 409: a mesa already has other counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum OnConflict {
    /// Stop sending, as at any other refusal: the requests in flight are waited for and
    /// counted.
    #[default]
    Stop,
    /// Go on: the conflicting acta is refused, the others of its batch are sent again;
    /// the conflicts are listed at the end.
    Skip,
}

/// What a replay did.
#[derive(Debug, Default)]
pub struct Report {
    /// Actas to submit (the rows replayed).
    pub actas: u64,
    /// Actas newly recorded (in 201 answers).
    pub recorded: u64,
    /// Actas that were already recorded identically.
    pub unchanged: u64,
    /// The refusals, in the order they came.
    pub refused: Vec<Refusal>,
    /// Why the replay stopped before every acta was answered, if it did.
    pub stopped: Option<Stop>,
    /// Requests sent (retries included).
    pub requests: u64,
    /// Requests retried after a 503.
    pub retries: u64,
    /// How long it took.
    pub elapsed: Duration,
}

impl Report {
    /// The report, or why the replay stopped early as an error.
    pub fn or_stop(self) -> Result<Report, ClientError> {
        match self.stopped {
            None => Ok(self),
            Some(Stop::Refused(refusal)) => Err(ClientError::Refused(refusal)),
            Some(Stop::Failed(e)) => Err(e),
        }
    }

    /// Actas neither recorded, nor found recorded, nor refused: those of a batch refused
    /// whole, and those not sent after the replay stopped.
    pub fn not_recorded(&self) -> u64 {
        self.actas
            .saturating_sub(self.recorded + self.unchanged + self.refused.len() as u64)
    }
}

/// An acta the server refused (or, for a refusal of a whole request, the request's first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The HTTP status.
    pub status: u16,
    /// The acta's mesa.
    pub mesa: String,
    /// The server's reason (its `error`, or its whole answer when it has none).
    pub reason: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "mesa {:?} ({}: {})", self.mesa, self.status, self.reason)
    }
}

/// Why a replay stopped early.
#[derive(Debug)]
pub enum Stop {
    /// The server refused an acta (the last of [`Report::refused`] that stopped it).
    Refused(Refusal),
    /// The server could not be reached, or answered what no server of ours answers.
    Failed(ClientError),
}

/// How often a 503 (the server or its database briefly unavailable) is retried.
const RETRIES: u32 = 20;

/// The acta of row `row` of `mesas`, as the server takes it.
pub fn acta_body(mesas: &MesaList, row: usize) -> ActaBody {
    let mesa = &mesas.mesas[row];
    ActaBody {
        mesa: mesa.id.clone(),
        votes: (mesas.options.iter().cloned())
            .zip(mesa.votes.iter().map(|&v| u64::from(v)))
            .collect(),
        image_sha256: None,
        correction: None,
    }
}

/// Submits the rows of `mesas` in the order of `order` (row positions), each no sooner
/// than its time in `due` (offsets from the start; empty: no schedule), `replay.batch`
/// at a time. At a refusal (but a 409 with [`OnConflict::Skip`]) or a server that
/// cannot be reached, sends no more, waits for the requests in flight and says why it
/// stopped in [`Report::stopped`]; the counts are those of every answer received.
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
    let sender = Arc::new(Sender {
        client,
        endpoint: format!("{}/api/v1/actas", replay.url.trim_end_matches('/')),
        token: replay.token.clone(),
        on_conflict: replay.on_conflict,
        stopping: AtomicBool::new(false),
        done: AtomicU64::new(0),
        progress: Box::new(progress),
    });
    let batch = replay.batch.max(1);
    let start = Instant::now();
    let slots = Arc::new(Semaphore::new(replay.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let mut report = Report {
        actas: order.len() as u64,
        ..Report::default()
    };
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
        let permit = Arc::clone(&slots)
            .acquire_owned()
            .await
            .map_err(|e| ClientError::Http(e.to_string()))?;
        // A request that stopped the replay says so before it frees its slot: nothing is
        // sent after it, even one request at a time.
        if sender.stopping.load(Ordering::Acquire) {
            break;
        }
        let actas: Vec<ActaBody> = order[sent..end]
            .iter()
            .map(|&r| acta_body(mesas, r))
            .collect();
        sent = end;
        let sender = Arc::clone(&sender);
        tasks.spawn(async move {
            let answered = sender.send_batch(actas).await;
            if answered.stopped.is_some() {
                sender.stopping.store(true, Ordering::Release);
            }
            drop(permit);
            answered
        });
        // Collect finished requests as we go: their answers are not kept until the end.
        while let Some(finished) = tasks.try_join_next() {
            add(&mut report, finished);
        }
    }
    // Every request sent is waited for: what it recorded is counted.
    while let Some(finished) = tasks.join_next().await {
        add(&mut report, finished);
    }
    report.elapsed = start.elapsed();
    Ok(report)
}

/// Adds a batch's answers to the report; its stop is the report's if it has none yet.
fn add(report: &mut Report, finished: Result<Answered, tokio::task::JoinError>) {
    let answered = finished.unwrap_or_else(|e| Answered {
        stopped: Some(Stop::Failed(ClientError::Http(e.to_string()))),
        ..Answered::default()
    });
    report.recorded += answered.recorded;
    report.unchanged += answered.unchanged;
    report.refused.extend(answered.refused);
    report.requests += answered.requests;
    report.retries += answered.retries;
    if report.stopped.is_none() {
        report.stopped = answered.stopped;
    }
}

/// What the server answered to one batch (and its actas sent again).
#[derive(Default)]
struct Answered {
    recorded: u64,
    unchanged: u64,
    refused: Vec<Refusal>,
    stopped: Option<Stop>,
    requests: u64,
    retries: u64,
}

/// What every request of a replay shares.
struct Sender {
    client: reqwest::Client,
    endpoint: String,
    token: String,
    on_conflict: OnConflict,
    /// Whether a request stopped the replay: no more is sent.
    stopping: AtomicBool,
    /// Actas acknowledged so far, for `progress`.
    done: AtomicU64,
    progress: Box<dyn Fn(u64) + Send + Sync>,
}

impl Sender {
    /// Sends a batch. With [`OnConflict::Skip`], a 409 refuses the acta it names and the
    /// rest of the batch is sent again in two halves (each half again at its own 409):
    /// every acta is sent O(log n) times at most, and only the conflicting are refused.
    async fn send_batch(&self, actas: Vec<ActaBody>) -> Answered {
        let mut answered = Answered::default();
        let mut pending = vec![actas];
        while let Some(mut actas) = pending.pop() {
            if self.stopping.load(Ordering::Acquire) {
                break;
            }
            let outcome = self.send(&actas).await;
            answered.requests += 1 + u64::from(outcome.retries);
            answered.retries += u64::from(outcome.retries);
            match outcome.result {
                Ok((recorded, unchanged)) => {
                    answered.recorded += recorded;
                    answered.unchanged += unchanged;
                    let count = recorded + unchanged;
                    (self.progress)(self.done.fetch_add(count, Ordering::Relaxed) + count);
                }
                Err(Answer::Refused {
                    status,
                    position,
                    reason,
                }) => {
                    let at = position.filter(|&p| p < actas.len());
                    let refusal = Refusal {
                        status,
                        mesa: actas[at.unwrap_or(0)].mesa.clone(),
                        reason,
                    };
                    answered.refused.push(refusal.clone());
                    match at {
                        Some(p) if status == 409 && self.on_conflict == OnConflict::Skip => {
                            actas.remove(p);
                            let second = actas.split_off(actas.len() / 2);
                            // The first half is sent first (popped last pushed).
                            pending.extend([second, actas].into_iter().filter(|a| !a.is_empty()));
                        }
                        _ => {
                            answered.stopped = Some(Stop::Refused(refusal));
                            break;
                        }
                    }
                }
                Err(Answer::Failed(e)) => {
                    answered.stopped = Some(Stop::Failed(e));
                    break;
                }
            }
        }
        answered
    }

    /// Sends one request of `actas` (one acta alone, not in an array).
    async fn send(&self, actas: &[ActaBody]) -> Sent {
        let body = match actas {
            [one] => serde_json::to_vec(one),
            _ => serde_json::to_vec(actas),
        };
        match body {
            Ok(body) => submit(&self.client, &self.endpoint, &self.token, body).await,
            Err(e) => Sent {
                result: Err(Answer::Failed(ClientError::Http(e.to_string()))),
                retries: 0,
            },
        }
    }
}

/// One request's answer, and how often it was retried.
struct Sent {
    /// The actas recorded and unchanged, or why not.
    result: Result<(u64, u64), Answer>,
    retries: u32,
}

/// A request that recorded nothing.
enum Answer {
    /// The server refused it: the status, the position of the acta at fault if the
    /// server named one, and its reason.
    Refused {
        status: u16,
        position: Option<usize>,
        reason: String,
    },
    /// The server could not be reached, or answered what no server of ours answers.
    Failed(ClientError),
}

/// Sends one request, retrying while the server answers 503 (with its `Retry-After`, or
/// a growing pause) or cannot be reached for a moment.
async fn submit(client: &reqwest::Client, endpoint: &str, token: &str, body: Vec<u8>) -> Sent {
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
            Err(e) => {
                let failed = ClientError::Http(format!("{endpoint}: {e}"));
                return Sent {
                    result: Err(Answer::Failed(failed)),
                    retries,
                };
            }
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
        let result = match response.text().await {
            Ok(text) => read_answer(status, &text),
            Err(e) => Err(Answer::Failed(ClientError::Http(e.to_string()))),
        };
        return Sent { result, retries };
    }
}

/// The actas recorded and unchanged of a success, or the refusal (its body names the
/// acta at fault, its position in a batch; a body that is not the API's is the reason).
fn read_answer(status: StatusCode, text: &str) -> Result<(u64, u64), Answer> {
    if !status.is_success() {
        let refusal = serde_json::from_str::<ErrorBody>(text).ok();
        return Err(Answer::Refused {
            status: status.as_u16(),
            position: refusal.as_ref().and_then(|r| r.acta),
            reason: refusal.map_or_else(|| text.trim().to_string(), |r| r.error),
        });
    }
    let submitted: Submitted = serde_json::from_str(text).map_err(|e| {
        Answer::Failed(ClientError::Http(format!(
            "the server answered {status} with what is not a submission's answer ({e}): {text}"
        )))
    })?;
    let recorded = submitted
        .actas
        .iter()
        .filter(|a| a.status == ActaStatus::Recorded)
        .count() as u64;
    Ok((recorded, submitted.actas.len() as u64 - recorded))
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

impl Replay {
    /// How a night (as [`night`] schedules it) is submitted to `url` with `token`: in
    /// batches of 50, 4 requests in flight, stopping at any refusal.
    pub fn night(url: &str, token: String) -> Replay {
        Replay {
            url: url.to_string(),
            token,
            rate: None,
            batch: 50,
            concurrency: 4,
            on_conflict: OnConflict::Stop,
        }
    }
}

/// A night's schedule (`due`, in order, as [`night`] gives it) started with `fraction`
/// of its actas counted: those are due at once, the rest at their time less the time the
/// first ones took, so the night goes on at its pace from there (1: everything at once).
pub fn start_at(due: &mut [Duration], fraction: f64) {
    let counted = (due.len() as f64 * fraction.clamp(0.0, 1.0)).round() as usize;
    let Some(last) = counted.checked_sub(1) else {
        return;
    };
    let skipped = due[last];
    for at in due {
        *at = at.saturating_sub(skipped);
    }
}

/// Replays the demo's night to `url` with `token`: the mesas as [`night`] schedules them
/// over `minutes`, started with `start` of them counted ([`start_at`]), submitted as
/// [`Replay::night`] says; `say` hears the progress every twentieth of the actas.
pub async fn demo_night(
    url: &str,
    token: String,
    mesas: &MesaList,
    (minutes, start): (f64, f64),
    say: impl Fn(String) + Send + Sync + 'static,
) -> Result<Report, ClientError> {
    let (order, mut due) = night(mesas, 0, minutes);
    start_at(&mut due, start);
    let total = order.len() as u64;
    let step = (total / 20).max(1);
    // A batch moves the count by up to 50: a step's line is said once it is passed.
    let progress = move |done: u64| {
        if done % step < 50 || done == total {
            say(format!("{done} of {total} actas counted"));
        }
    };
    run(&Replay::night(url, token), mesas, &order, &due, progress).await
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
