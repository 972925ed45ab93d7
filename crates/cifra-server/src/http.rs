//! Accepting connections with bounds: headers must arrive within a time and fit in a
//! buffer, bodies are capped, and every answer but the event stream has a deadline, so a
//! slow or hostile client holds nothing for long.

use crate::intake::ApiError;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::ServiceExt;

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
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: 8 * 1024 * 1024,
            header_bytes: 64 * 1024,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes, within `limits`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let app = bounded(app, limits);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                // Out of descriptors or a connection reset before accept: the listener
                // is fine; wait a moment rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            () = &mut shutdown => return,
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
        });
    }
}

/// `app` with the body cap and, on every route but the event stream, the deadline.
fn bounded(app: Router, limits: Limits) -> Router {
    app.layer(DefaultBodyLimit::max(limits.body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            limits.request_timeout,
            deadline,
        ))
}

/// Answers 408 to a request not answered within `limit` (the event stream excepted: it
/// is meant to last).
async fn deadline(
    State(limit): State<Duration>,
    request: axum::extract::Request,
    next: Next,
) -> Response {
    if request.uri().path() == "/api/v1/events" {
        return next.run(request).await;
    }
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::request(
            StatusCode::REQUEST_TIMEOUT,
            format!("no answer within {} s", limit.as_secs()),
        )
        .into_response(),
    }
}
