//! Accepting connections with bounds: headers must arrive within a time and fit in a
//! buffer, bodies are capped, every answer that can wait (on a client's body or on the
//! store) has a deadline, so a slow or hostile client holds nothing for long (answers
//! from memory complete when first asked, and the event stream is meant to last); and connections and event streams are
//! counted, so that viewers can never lock submitters out.
//!
//! Past [`Limits::connections`] a new connection is answered `503` with `Retry-After: 1`
//! and closed at once, instead of waiting in the kernel's queue until it times out.
//! Event streams may take at most [`Limits::streams`] and never the last
//! [`Limits::reserve`] connections: those stay for intake and reads. Each request is
//! logged in one line (method, path, status, latency) through `tracing`.

use crate::error::ApiError;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

/// Descriptors a server keeps for itself (the store's files or connections, the log,
/// the runtime) when its connections are derived from its open-file limit.
const OWN_FILES: u64 = 128;
/// Refusals being written at once; past it a connection is closed without a word.
const MAX_REFUSING: usize = 64;

/// The bounds a server keeps.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest request body, in bytes (larger: 413).
    pub body_bytes: usize,
    /// The most bytes of request line and headers.
    pub header_bytes: usize,
    /// How long a client may take to send its headers.
    pub header_timeout: Duration,
    /// How long any answer but the event stream may take, body upload included.
    pub request_timeout: Duration,
    /// Connections open at once; past it a new one is answered 503 and closed.
    pub connections: usize,
    /// Event streams open at once (more: 503).
    pub streams: usize,
    /// Connections event streams never take: kept for intake and reads.
    pub reserve: usize,
}

impl Limits {
    /// The bounds for a process that may open `files` descriptors: connections up to
    /// that less what the server needs for itself, an eighth of them kept from event
    /// streams, and at most 10,000 streams.
    pub fn for_open_files(files: u64) -> Limits {
        let connections = files.saturating_sub(OWN_FILES).max(16);
        let connections = usize::try_from(connections).unwrap_or(usize::MAX);
        Limits {
            body_bytes: 8 * 1024 * 1024,
            header_bytes: 64 * 1024,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            connections,
            streams: 10_000,
            reserve: connections / 8,
        }
    }

    /// The bounds for this process, once its soft open-file limit is raised to its hard
    /// limit (each connection is a descriptor: with the common soft limit of 1,024, a
    /// thousand viewers would leave none for anyone else).
    pub fn for_this_process() -> Limits {
        Limits::for_open_files(raise_open_files())
    }

    /// The event streams admitted at once: [`Limits::streams`], within the connections
    /// less the reserve.
    pub fn stream_cap(&self) -> usize {
        self.streams
            .min(self.connections.saturating_sub(self.reserve))
    }
}

impl Default for Limits {
    /// The bounds under the common soft limit of 1,024 open files.
    fn default() -> Self {
        Limits::for_open_files(1024)
    }
}

/// A count of things open, each held by a [`Held`].
#[derive(Clone, Default)]
struct Gauge(Arc<AtomicUsize>);

/// One of a [`Gauge`]'s things; counted until dropped.
struct Held(Arc<AtomicUsize>);

impl Gauge {
    /// One more, unless there are `cap` already.
    fn try_take(&self, cap: usize) -> Option<Held> {
        self.0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < cap).then_some(n + 1)
            })
            .ok()
            .map(|_| Held(Arc::clone(&self.0)))
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// What the admission of requests needs: the limits and the open event streams.
#[derive(Clone)]
struct Admission {
    limits: Limits,
    streams: Gauge,
}

/// Raises the soft open-file limit to the hard one; returns the limit now in force.
fn raise_open_files() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(files) => {
            tracing::info!(
                open_files = files,
                "open-file limit raised to the hard limit"
            );
            files
        }
        Err(e) => {
            let files = rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft);
            tracing::warn!(error = %e, open_files = files, "cannot raise the open-file limit");
            files
        }
    }
}

/// Ctrl-c or SIGTERM: when a server should stop. (Every acknowledged acta is already on
/// disk: stopping loses none.)
pub async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// A night's server bound to its address, not yet serving: what `cifra serve` announces
/// and then runs.
pub struct Listening {
    state: Arc<crate::State>,
    listener: TcpListener,
    /// The address bound (with its port, when any free port was asked for).
    pub address: std::net::SocketAddr,
}

impl Listening {
    /// Binds `address` for the night of `state`.
    pub async fn bind(state: Arc<crate::State>, address: &str) -> std::io::Result<Listening> {
        let listener = TcpListener::bind(address).await?;
        let address = listener.local_addr()?;
        Ok(Listening {
            state,
            listener,
            address,
        })
    }

    /// The line that tells an operator (and scripts, which read the URL from it) where
    /// the night is served and what it holds.
    pub fn announcement(&self) -> String {
        let spec = &self.state.election.spec;
        format!(
            "serving {} at http://{}/ ({} mesas, {} log entries); ctrl-c stops",
            spec.name,
            self.address,
            spec.mesas.len(),
            *self.state.size.borrow()
        )
    }

    /// Serves the night's API until `shutdown` completes, within `limits`.
    pub async fn serve(self, limits: Limits, shutdown: impl Future<Output = ()>) {
        serve(self.listener, self.state, limits, shutdown).await;
    }
}

/// Serves the night of `state` on `listener` until `shutdown` completes, within
/// `limits`.
pub async fn serve(
    listener: TcpListener,
    state: Arc<crate::State>,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    tracing::info!(
        connections = limits.connections,
        streams = limits.stream_cap(),
        reserve = limits.reserve,
        "serving within bounds"
    );
    let app = bounded(state, limits);
    let connections = Gauge::default();
    let refusing = Gauge::default();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                // Out of descriptors or a connection reset before accept: the listener
                // is fine; wait a moment rather than spin.
                Err(e) => {
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            () = &mut shutdown => return,
        };
        let Some(held) = connections.try_take(limits.connections) else {
            if let Some(refusal) = refusing.try_take(MAX_REFUSING) {
                tokio::spawn(refuse(stream, refusal));
            }
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = app
            .clone()
            .map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .max_buf_size(limits.header_bytes.max(8192))
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        tokio::spawn(async move {
            // A client that goes away mid-answer is no error of the server's.
            let _ = connection.await;
            drop(held);
        });
    }
}

/// Answers a connection past the limit with a bare 503 and closes it. What the client
/// sent is read and dropped for a moment first: closing a socket with unread data
/// resets it, and the client would lose the answer.
async fn refuse(mut stream: TcpStream, _refusal: Held) {
    const BODY: &str = r#"{"error":"too many connections; try again in a second","acta":null,"mesa":null,"field":null}"#;
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{BODY}",
        BODY.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<(), std::io::Error>(())
    })
    .await;
}

/// The routes of `state` with the body cap, the one log line per request, the deadline
/// on answers that can wait, and the admission of event streams: one router, so a read
/// passes through no more than the trace and the cap.
fn bounded(state: Arc<crate::State>, limits: Limits) -> Router {
    let admission = Admission {
        limits,
        streams: Gauge::default(),
    };
    let deadline = |waiting: Router| {
        waiting
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                limits.request_timeout,
            ))
            .layer(axum::middleware::map_response_with_state(
                limits.request_timeout,
                timeout_error,
            ))
    };
    let admitted =
        |events: Router| events.route_layer(axum::middleware::from_fn_with_state(admission, admit));
    crate::api::routes(state)
        .join(deadline, admitted)
        .layer(DefaultBodyLimit::max(limits.body_bytes))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO))
                // The status is in the response's line; one line per request.
                .on_failure(()),
        )
}

/// The deadline's 408 with the API's JSON error body.
async fn timeout_error(State(limit): State<Duration>, response: Response) -> Response {
    if response.status() != StatusCode::REQUEST_TIMEOUT {
        return response;
    }
    ApiError::request(
        StatusCode::REQUEST_TIMEOUT,
        format!("no answer within {} s", limit.as_secs()),
    )
    .into_response()
}

/// Admits an event stream while there are fewer than [`Limits::stream_cap`] (else 503
/// with `Retry-After`), counting it until its answer ends.
async fn admit(
    State(admission): State<Admission>,
    request: axum::extract::Request,
    next: Next,
) -> Response {
    let cap = admission.limits.stream_cap();
    let Some(held) = admission.streams.try_take(cap) else {
        let mut refusal = ApiError::request(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{cap} event streams are open, the most this server keeps; try again later"),
        )
        .into_response();
        // The connection is closed too: a viewer waiting to retry holds no descriptor.
        refusal.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
        return refusal;
    };
    // The stream is counted for as long as it lasts: the handler keeps this.
    let mut request = request;
    request.extensions_mut().insert(Counted(Arc::new(held)));
    next.run(request).await
}

/// An event stream counted among the open ones until the last copy is dropped; the
/// stream's handler keeps it for as long as the stream lasts.
#[derive(Clone)]
pub(crate) struct Counted(#[allow(dead_code)] Arc<Held>);
