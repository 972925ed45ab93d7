//! The witness over HTTP: C2SP tlog-witness's `POST /add-checkpoint`, and
//! `GET /<hex SHA-256 of the origin>/checkpoint` (the latest checkpoint cosigned, with
//! the log's signature and the witness's cosignature) for monitors.

use crate::cosignature::{append_signatures, Cosigner};
use crate::decide::{check_submission, Logs, Refusal};
use crate::state::{StateError, WitnessState};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

/// A running witness: its key, the logs it witnesses and its state.
pub struct Witness {
    cosigner: Cosigner,
    logs: Logs,
    state: Mutex<WitnessState>,
}

impl Witness {
    /// A witness of `logs` that cosigns with `cosigner` and records in `state`.
    pub fn new(cosigner: Cosigner, logs: Logs, state: WitnessState) -> Witness {
        Witness {
            cosigner,
            logs,
            state: Mutex::new(state),
        }
    }

    /// The witness kept in the state directory `dir` (made by [`crate::state::init`]),
    /// witnessing the logs of the verifier keys `log_keys`.
    pub fn open(dir: &std::path::Path, log_keys: &[String]) -> Result<Witness, String> {
        if log_keys.is_empty() {
            return Err("no log to witness: give --log VKEY (the log's verifier key)".into());
        }
        let logs = Logs::parse(log_keys).map_err(|e| format!("--log: {e}"))?;
        let cosigner = crate::state::load_key(dir).map_err(|e| e.to_string())?;
        let state =
            WitnessState::open(&dir.join(crate::state::DB_FILE)).map_err(|e| e.to_string())?;
        Ok(Witness::new(cosigner, logs, state))
    }

    /// This witness's name.
    pub fn name(&self) -> &str {
        self.cosigner.name()
    }

    /// This witness's verifier key.
    pub fn verifier_key(&self) -> String {
        self.cosigner.verifier_key()
    }

    /// Decides on an add-checkpoint body at time `now` (POSIX seconds): the cosignature
    /// line, or why not. Checking and recording happen under one lock and in one
    /// transaction; the line is made only after the commit.
    pub fn add_checkpoint(&self, body: &str, now: u64) -> Result<String, StateError> {
        let submitted = check_submission(&self.logs, body)?;
        {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            state.record(&submitted)?;
        }
        tracing::info!(
            origin = %submitted.checkpoint.origin,
            size = submitted.checkpoint.size,
            "cosigned"
        );
        self.cosigner
            .cosign(&submitted.body, now.max(1))
            .map_err(|e| StateError::File {
                path: "cosignature".into(),
                why: e.to_string(),
            })
    }

    /// The latest checkpoint cosigned for the log whose origin hashes to `origin_hash`
    /// (lowercase hex SHA-256), with this witness's cosignature appended.
    pub fn latest_checkpoint(&self, origin_hash: &str, now: u64) -> Option<String> {
        let origin = self
            .logs
            .origins()
            .find(|origin| self::origin_hash(origin) == origin_hash)?;
        let latest = {
            let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            state.latest(origin).ok()??
        };
        let body = latest.note.rfind("\n\n").map(|i| &latest.note[..i + 1])?;
        let line = self.cosigner.cosign(body, now.max(1)).ok()?;
        append_signatures(&latest.note, &line).ok()
    }
}

/// The lowercase hex SHA-256 of a log's origin: its path on the monitoring prefix.
pub fn origin_hash(origin: &str) -> String {
    let digest = Sha256::digest(origin.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The seconds since the Unix epoch now.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_secs())
}

/// The witness's routes.
pub fn router(witness: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/{origin_hash}/checkpoint", get(checkpoint))
        .with_state(witness)
        // A stranger's request costs little: a body of a checkpoint and a proof (a few
        // KiB; larger: 413), and an answer within a deadline (else 408).
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
}

/// The largest add-checkpoint body: a note with its cosignatures and a consistency proof
/// of up to 63 hashes fit in a few KiB.
pub const MAX_BODY: usize = 64 * 1024;
/// How long a request may take, its body's upload included.
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

async fn add_checkpoint(State(witness): State<Arc<Witness>>, body: String) -> Response {
    let decided =
        tokio::task::spawn_blocking(move || witness.add_checkpoint(&body, unix_now())).await;
    match decided {
        Ok(Ok(line)) => (StatusCode::OK, line).into_response(),
        Ok(Err(StateError::Refused(Refusal::Conflict { latest }))) => (
            StatusCode::CONFLICT,
            [(header::CONTENT_TYPE, "text/x.tlog.size")],
            format!("{latest}\n"),
        )
            .into_response(),
        Ok(Err(StateError::Refused(refusal))) => {
            tracing::warn!(%refusal, "refused a checkpoint");
            let status = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::BAD_REQUEST);
            (status, format!("{refusal}\n")).into_response()
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "the witness's state failed");
            (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response()
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

async fn checkpoint(
    State(witness): State<Arc<Witness>>,
    Path(origin_hash): Path<String>,
) -> Response {
    let found =
        tokio::task::spawn_blocking(move || witness.latest_checkpoint(&origin_hash, unix_now()))
            .await;
    match found {
        Ok(Some(note)) => (StatusCode::OK, note).into_response(),
        _ => (
            StatusCode::NOT_FOUND,
            "no checkpoint cosigned for this log\n",
        )
            .into_response(),
    }
}

/// Serves the witness on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    witness: Arc<Witness>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(witness))
        .with_graceful_shutdown(shutdown)
        .await
}

/// A witness to serve: `cifra witness serve`'s settings (its flags, with the `cli`
/// feature).
#[derive(Debug, Clone)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct Serving {
    /// The state directory made by `cifra witness init`.
    #[cfg_attr(feature = "cli", arg(long, value_name = "DIR"))]
    pub state: std::path::PathBuf,
    /// Where to listen (port 0: any free port, printed).
    #[cfg_attr(
        feature = "cli",
        arg(long, value_name = "ADDR", default_value = "127.0.0.1:8090")
    )]
    pub listen: String,
    /// A log to witness: its verifier key, as `cifra init` prints it (repeatable).
    #[cfg_attr(
        feature = "cli",
        arg(long = "log", value_name = "VKEY", required = true)
    )]
    pub logs: Vec<String>,
}

impl Serving {
    /// Runs the witness until `shutdown`: `announce` is given its verifier key and the
    /// address bound (port 0: any free port).
    pub async fn run(
        &self,
        announce: impl FnOnce(&str, std::net::SocketAddr),
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), String> {
        let witness = Witness::open(&self.state, &self.logs)?;
        let listen = &self.listen;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("--listen {listen}: {e}"))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        announce(&witness.verifier_key(), address);
        serve(listener, Arc::new(witness), shutdown)
            .await
            .map_err(|e| format!("serving: {e}"))
    }
}
