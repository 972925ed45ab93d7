//! The routes: acta intake, results, the election, the log (proofs, checkpoint, tiles),
//! the event stream and the dashboard. Nothing else is served.

use crate::election::Election;
use crate::error::ApiError;
use crate::events;
use crate::intake;
use crate::live;
use crate::writer::{Refusal, Submission};
use crate::State;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, Path, Query, Request, State as Shared};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use cifra_log::{Hash, TilePath};
use cifra_night::api::{
    ConsistencyView, ElectionView, Health, KeptCheckpoint, KeptCheckpoints, ProofView, Published,
};
use cifra_night::Sums;
use cifra_report::live::{LiveResults, TerritoryRef};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::oneshot;

/// The largest body read on the async worker that received it (a few actas: tens of
/// microseconds of parsing); larger ones are read on a blocking thread.
const READ_INLINE: usize = 16 * 1024;

/// The most entries one `/api/v1/log/entries` answer carries.
pub const MAX_ENTRIES: u64 = 10_000;

/// The most kept checkpoints one `/api/v1/log/checkpoints` answer carries.
pub const MAX_CHECKPOINTS: usize = 1_000;

/// The dashboard, one self-contained page.
const DASHBOARD: &str = include_str!("../assets/dashboard.html");

type AppState = Shared<Arc<State>>;

/// The routes of the API, the log and the dashboard over `state`, by how long their
/// answers may take, which is how [`crate::serve`] bounds them.
pub struct Routes {
    /// Answered from memory in one go, with no `.await`: a deadline could never fire
    /// there, so they have none (it would only cost every read). Also the fallbacks.
    pub at_once: Router,
    /// Answers that wait on a client's body or on the store: under a deadline.
    pub waiting: Router,
    /// The event stream: the one answer meant to last, admitted against a cap.
    pub events: Router,
}

/// Every route, over `state`, by kind ([`Routes`]).
pub fn routes(state: Arc<State>) -> Routes {
    let at_once = Router::new()
        .route("/", get(dashboard))
        .route("/api/v1/results", get(results))
        .route("/api/v1/results/breakdown", get(breakdown))
        .route("/api/v1/projection", get(projection))
        .route("/api/v1/election", get(election))
        .route("/api/v1/health", get(health))
        .route("/api/v1/key", get(key))
        .route("/api/v1/log/proof", get(proof))
        .route("/api/v1/log/consistency", get(consistency))
        .fallback(not_found)
        .with_state(Arc::clone(&state));
    let waiting = Router::new()
        .route("/api/v1/actas", post(submit))
        .route("/api/v1/log/entries", get(entries))
        .route("/api/v1/log/checkpoint", get(checkpoint))
        .route("/api/v1/log/checkpoints", get(checkpoints))
        .route("/log/checkpoint", get(checkpoint))
        .route("/api/v1/witnesses", get(witnesses))
        .route("/log/tile/{*path}", get(tile))
        .with_state(Arc::clone(&state));
    let events = Router::new()
        .route(EVENTS, get(events::stream))
        .with_state(state);
    Routes {
        at_once,
        waiting,
        events,
    }
}

impl Routes {
    /// The routes as one router, each kind with its own `layer`s, and the API's answer
    /// to a method a route does not serve.
    pub fn join(
        self,
        waiting: impl FnOnce(Router) -> Router,
        events: impl FnOnce(Router) -> Router,
    ) -> Router {
        self.at_once
            .merge(waiting(self.waiting))
            .merge(events(self.events))
            .method_not_allowed_fallback(method_not_allowed)
    }
}

/// The event stream's path.
pub const EVENTS: &str = "/api/v1/events";

async fn dashboard() -> Html<&'static str> {
    Html(DASHBOARD)
}

async fn not_found() -> ApiError {
    ApiError::request(
        StatusCode::NOT_FOUND,
        "nothing here; the API is under /api/v1/",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::request(
        StatusCode::METHOD_NOT_ALLOWED,
        "this method is not served here (actas are POSTed, everything else is GET)",
    )
}

/// `POST /api/v1/actas`: who may submit (401), what the body is (413, 400, 422), where
/// its mesas lie (403), then the writer decides (201, 200, 409) once it is durable.
async fn submit(
    Shared(state): AppState,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Result<Response, ApiError> {
    // The token is checked before the body is read: a stranger's megabytes are not.
    let token = bearer(request.headers()).map(str::to_string);
    let scope = match token.clone() {
        Some(t) => match state.tokens.known(&t) {
            Some(scope) => Some(scope),
            // A token issued since the server started: the store is asked, off the
            // async workers (a database that does not answer must not stall them).
            None => {
                let shared = Arc::clone(&state);
                tokio::task::spawn_blocking(move || shared.tokens.scope(&*shared.store, &t))
                    .await
                    .unwrap_or(None)
            }
        },
        None => None,
    };
    let scope = match scope {
        Some(scope) => scope,
        None => {
            let wait = state.failures.fail(peer.ip());
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            return Err(ApiError::request(
                StatusCode::UNAUTHORIZED,
                "a valid token is needed: Authorization: Bearer TOKEN",
            ));
        }
    };
    // A token has a few requests read at once: each holds a body in memory and a
    // reader's time. The others wait a little for a turn, then are refused.
    let secret = token.as_deref().unwrap_or_default();
    let Some(_turn) = state.turns.take(secret).await else {
        return Err(ApiError::request(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "this token had {} requests in progress for {} s; send one when another is answered",
                crate::auth::TURNS_PER_TOKEN,
                crate::auth::TURN_WAIT.as_secs()
            ),
        ));
    };
    let body = Bytes::from_request(request, &state)
        .await
        .map_err(ApiError::from)?;
    // Reading a large body is CPU work of up to a second: off the async workers, so
    // that results and streams keep being answered meanwhile. A small one (a single
    // acta, a short batch) takes microseconds, less than the hand-off to another thread.
    let actas = if body.len() <= READ_INLINE {
        intake::read(&state.election, &body)?
    } else {
        let election = Arc::clone(&state.election);
        tokio::task::spawn_blocking(move || intake::read(&election, &body))
            .await
            .map_err(|_| {
                ApiError::request(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the request could not be read",
                )
            })??
    };
    if let Some(outside) = actas
        .iter()
        .find(|a| !state.election.in_scope(&scope, a.mesa))
    {
        let id = &state.election.spec.mesas[outside.mesa as usize].id;
        return Err(ApiError::acta(
            StatusCode::FORBIDDEN,
            outside.position,
            Some(id),
            Some("mesa"),
            format!("mesa {id:?} is outside this token's scope ({scope})"),
        ));
    }
    let (reply, answer) = oneshot::channel();
    state
        .queue
        .send(Submission { actas, reply })
        .map_err(|_| Refusal::Stopping)?;
    let answer = answer.await.map_err(|_| Refusal::Stopping)??;
    let status = if answer.created() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(answer)).into_response())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// `GET /api/v1/health`: 200 when actas can be recorded, 503 (with the reason) when
/// they cannot, for a balancer to send submitters elsewhere.
async fn health(Shared(state): AppState) -> Response {
    let problem = state.write_problem();
    let status = match problem {
        None => StatusCode::OK,
        Some(_) => StatusCode::SERVICE_UNAVAILABLE,
    };
    let body = Health {
        reads: true,
        writes: problem.is_none(),
        log_size: *state.size.borrow(),
        stale: state.stale(),
        reason: problem.as_ref().map(|p| p.reason.to_string()),
        message: problem.map(|p| p.message),
    };
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// A breakdown of results by one territory column.
pub(crate) type Breakdown = cifra_night::api::Breakdown<LiveResults>;

fn engine_failed(e: cifra_core::SystemError) -> ApiError {
    ApiError::request(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("the law engine could not decide: {e}"),
    )
}

/// `GET /api/v1/results[?COLUMN=VALUE]`.
async fn results(
    Shared(state): AppState,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let election = &state.election;
    let territory = match query.len() {
        0 => None,
        1 => {
            let (column, value) = query.first().map_or(("", ""), |(c, v)| (c, v));
            let c = territory_column(election, column)?;
            let v = election.value(c, value).ok_or_else(|| {
                ApiError::request(
                    StatusCode::NOT_FOUND,
                    format!("no {column} {value:?} in this election"),
                )
            })?;
            Some((c, v))
        }
        _ => {
            return Err(ApiError::request(
                StatusCode::BAD_REQUEST,
                "at most one COLUMN=VALUE: results are for the nation or one territory",
            ))
        }
    };
    let (sums, size, root) = {
        let live = state.live.read().unwrap_or_else(|e| e.into_inner());
        let sums: Sums = match territory {
            None => live.tally.national.clone(),
            Some((c, v)) => live.tally.territories[c][v as usize].clone(),
        };
        (sums, live.size(), live.tree.root())
    };
    let (total, reference) = match territory {
        None => (election.spec.mesas.len() as u64, None),
        Some((c, v)) => (
            election.mesas_per_value[c][v as usize],
            Some(TerritoryRef {
                column: election.spec.territory_columns[c].clone(),
                value: election.values[c][v as usize].clone(),
            }),
        ),
    };
    let results = live::results(election, &sums, total, reference).map_err(engine_failed)?;
    Ok(cacheable(
        &headers,
        Published {
            results,
            log_size: size,
            log_root: BASE64.encode(root),
            stale: state.stale(),
        },
    ))
}

/// `GET /api/v1/projection[?contest=C][&level=L]`: the projected final result and the
/// call, if made (`docs/projection.md`). No districts nor territories yet: 400.
async fn projection(
    Shared(state): AppState,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let election = &state.election;
    let bad = |m: String| ApiError::request(StatusCode::BAD_REQUEST, m);
    let mut level = cifra_night::projection::DEFAULT_LEVEL;
    for (key, value) in &query {
        match key.as_str() {
            "level" => {
                level = value
                    .parse::<f64>()
                    .ok()
                    .and_then(|l| cifra_night::projection::check_level(l).ok())
                    .ok_or_else(|| bad(format!("level {value:?} is not one of 0.5, 0.8, 0.9, 0.95, 0.99")))?;
            }
            "contest" if *value == election.spec.name => {}
            "contest" => {
                return Err(ApiError::request(
                    StatusCode::NOT_FOUND,
                    format!("no contest {value:?} (the contest is {:?})", election.spec.name),
                ))
            }
            other => {
                return Err(bad(format!(
                    "{other:?}: projections are of the whole contest (contest, level), not of districts or territories yet"
                )))
            }
        }
    }
    let size = state.live.read().unwrap_or_else(|e| e.into_inner()).size();
    let body = match state.cached_projection(level, size) {
        Some(body) => body,
        // A new size: computed once, off the async workers (milliseconds for a nation).
        None => {
            let shared = Arc::clone(&state);
            let (size, body) = tokio::task::spawn_blocking(move || project(&shared, level))
                .await
                .map_err(|_| Refusal::Stopping)??;
            state.keep_projection(level, size, Arc::clone(&body));
            body
        }
    };
    let json = [(header::CONTENT_TYPE, "application/json")];
    Ok((json, axum::body::Bytes::from_owner(body)).into_response())
}

/// The projection at `level` of the count as it is now, as JSON, with the log size it
/// is of.
fn project(state: &State, level: f64) -> Result<(u64, Arc<[u8]>), ApiError> {
    let election = &state.election;
    let (tracker, size) = {
        let live = state.live.read().unwrap_or_else(|e| e.into_inner());
        let tracker = live.projection.clone().ok_or_else(|| {
            ApiError::request(StatusCode::CONFLICT, "this election cannot be projected")
        })?;
        (tracker, live.size())
    };
    // Computed outside the lock: the intake never waits for a reader's projection.
    let p = cifra_night::projection::project(&tracker.design, &tracker.count, level)
        .map_err(|e| ApiError::request(StatusCode::CONFLICT, e.to_string()))?;
    let view = cifra_night::api::ProjectionView {
        contest: election.spec.name.clone(),
        district: None,
        log_size: size,
        mesas_counted: p.mesas_counted,
        mesas_total: p.mesas_total,
        level: p.level,
        expected_counted: p.expected_counted,
        turnout: p.turnout,
        options: p.options,
        seats: None,
        call: tracker.call,
        method: p.method,
    };
    // A view of numbers and strings always serialises.
    let body = serde_json::to_vec(&view).unwrap_or_default();
    Ok((size, body.into()))
}

/// The position of territory column `name`, or a 404 naming the columns there are.
fn territory_column(election: &Election, name: &str) -> Result<usize, ApiError> {
    election.column(name).ok_or_else(|| {
        ApiError::request(
            StatusCode::NOT_FOUND,
            format!(
                "no territory column {name:?} (the columns are: {})",
                election.spec.territory_columns.join(", ")
            ),
        )
    })
}

/// Proof hashes as the API writes them: base64.
fn base64_path(path: &[Hash]) -> Vec<String> {
    path.iter().map(|h| BASE64.encode(h)).collect()
}

/// Results as JSON, with an `ETag` that changes with the log's size and staleness (all
/// a result depends on) and a second of `Cache-Control`, so caches in front take the
/// readers; a request that already has this version (`If-None-Match`) gets 304.
fn cacheable<T: Serialize>(headers: &HeaderMap, body: Published<T>) -> Response {
    let tag = format!("\"{}-{}\"", body.log_size, u8::from(body.stale));
    let cache = [
        (header::ETAG, tag.clone()),
        (header::CACHE_CONTROL, "public, max-age=1".to_string()),
    ];
    let seen = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    if seen {
        (StatusCode::NOT_MODIFIED, cache).into_response()
    } else {
        (cache, Json(body)).into_response()
    }
}

#[derive(Deserialize)]
struct By {
    by: Option<String>,
}

/// `GET /api/v1/results/breakdown?by=COLUMN`.
async fn breakdown(
    Shared(state): AppState,
    headers: HeaderMap,
    Query(by): Query<By>,
) -> Result<Response, ApiError> {
    let election = &state.election;
    let Some(column) = by.by else {
        return Err(ApiError::request(
            StatusCode::BAD_REQUEST,
            "say which territory column: ?by=COLUMN",
        ));
    };
    let c = territory_column(election, &column)?;
    let (breakdown, size, root) = breakdown_of(&state, c)?;
    Ok(cacheable(
        &headers,
        Published {
            results: breakdown,
            log_size: size,
            log_root: BASE64.encode(root),
            stale: state.stale(),
        },
    ))
}

/// The results per value of territory column `c`, with the log's size and root they
/// come from.
pub(crate) fn breakdown_of(state: &State, c: usize) -> Result<(Breakdown, u64, Hash), ApiError> {
    let election = &state.election;
    let (sums, size, root) = {
        let live = state.live.read().unwrap_or_else(|e| e.into_inner());
        (
            live.tally.territories[c].clone(),
            live.size(),
            live.tree.root(),
        )
    };
    let column = &election.spec.territory_columns[c];
    let values = sums
        .iter()
        .enumerate()
        .map(|(v, sums)| {
            let territory = TerritoryRef {
                column: column.clone(),
                value: election.values[c][v].clone(),
            };
            let total = election.mesas_per_value[c][v];
            live::results(election, sums, total, Some(territory)).map_err(engine_failed)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let breakdown = Breakdown {
        by: column.clone(),
        values,
    };
    Ok((breakdown, size, root))
}

/// `GET /api/v1/election`.
async fn election(Shared(state): AppState) -> Json<ElectionView> {
    let e = &state.election;
    let territories = e
        .spec
        .territory_columns
        .iter()
        .cloned()
        .zip(e.values.iter().cloned())
        .collect();
    Json(ElectionView {
        name: e.spec.name.clone(),
        system: e.spec.system.clone(),
        options: e.spec.options.clone(),
        id_columns: e.spec.id_columns.clone(),
        territory_columns: e.spec.territory_columns.clone(),
        mesas_total: e.spec.mesas.len() as u64,
        territories,
        key: state.signer.verifier_key(),
    })
}

#[derive(Deserialize)]
struct Range {
    from: Option<u64>,
    to: Option<u64>,
}

/// `GET /api/v1/log/entries?from=N[&to=M]`: NDJSON.
async fn entries(
    Shared(state): AppState,
    range: Result<Query<Range>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(range) = range?;
    let from = range.from.unwrap_or(0);
    let mut body = String::new();
    {
        let live = state.live.read().unwrap_or_else(|e| e.into_inner());
        let size = live.size();
        let to = range
            .to
            .unwrap_or(size)
            .min(size)
            .min(from.saturating_add(MAX_ENTRIES));
        if from > size {
            return Err(ApiError::request(
                StatusCode::NOT_FOUND,
                format!("from={from} is past the log's end ({size} entries)"),
            ));
        }
        for line in &live.lines[from as usize..to.max(from) as usize] {
            body.push_str(line);
            body.push('\n');
        }
    }
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response())
}

/// `GET /api/v1/log/checkpoint` and `/log/checkpoint`: the signed checkpoint, kept in
/// the store before it is served; 500 if the log departs from one signed earlier, 503
/// while the store cannot be reached for a new size.
async fn checkpoint(Shared(state): AppState) -> Result<Response, ApiError> {
    // Off the async workers: a new size asks the store.
    let note =
        tokio::task::spawn_blocking(move || state.checkpoint().map(|(_, n)| state.cosigned(&n)))
            .await
            .map_err(|e| ApiError::request(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
            .map_err(signing_failed)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        note,
    )
        .into_response())
}

/// One witness as `GET /api/v1/witnesses` shows it.
#[derive(Serialize)]
struct WitnessView {
    name: String,
    key: String,
    url: String,
    last_size_cosigned: Option<u64>,
    last_error: Option<String>,
}

/// `GET /api/v1/witnesses`: each witness the server asks for cosignatures, the last
/// size it cosigned and the last error (an empty list when there are none).
async fn witnesses(Shared(state): AppState) -> Json<Vec<WitnessView>> {
    let views = state.witness_statuses().into_iter().map(|s| WitnessView {
        name: s.name,
        key: s.key,
        url: s.url,
        last_size_cosigned: s.last_size_cosigned,
        last_error: s.last_error,
    });
    Json(views.collect())
}

/// The answer to a checkpoint that cannot be signed or read: the store away is
/// temporary (503), a log that departs from a signed checkpoint is not (500).
fn signing_failed(error: crate::ServerError) -> ApiError {
    let status = match error {
        crate::ServerError::Store(cifra_store::StoreError::Unavailable { .. }) => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(%error, "the checkpoint is not signed");
    }
    ApiError::request(status, error.to_string())
}

#[derive(Deserialize)]
struct CheckpointsQuery {
    #[serde(default)]
    from: u64,
}

/// `GET /api/v1/log/checkpoints?from=SIZE`: the signed checkpoints kept, of sizes
/// `SIZE` and above, smallest first, at most [`MAX_CHECKPOINTS`]; `next` is where the
/// next page starts (`null` on the last).
async fn checkpoints(
    Shared(state): AppState,
    query: Result<Query<CheckpointsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(CheckpointsQuery { from }) = query?;
    let kept =
        tokio::task::spawn_blocking(move || state.store.checkpoints(from, MAX_CHECKPOINTS + 1))
            .await
            .map_err(|e| ApiError::request(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
            .map_err(|e| signing_failed(e.into()))?;
    let next = kept.get(MAX_CHECKPOINTS).map(|c| c.size);
    let checkpoints = kept
        .into_iter()
        .take(MAX_CHECKPOINTS)
        .map(|c| KeptCheckpoint {
            size: c.size,
            note: c.note,
        })
        .collect();
    Ok((
        [(header::CACHE_CONTROL, "no-cache")],
        Json(KeptCheckpoints { checkpoints, next }),
    )
        .into_response())
}

/// `GET /api/v1/key`: the verifier key.
async fn key(Shared(state): AppState) -> Response {
    let mut vkey = state.signer.verifier_key();
    vkey.push('\n');
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], vkey).into_response()
}

#[derive(Deserialize)]
struct ProofQuery {
    index: u64,
    size: u64,
}

fn proof_error(e: cifra_log::ProofError) -> ApiError {
    ApiError::request(StatusCode::BAD_REQUEST, e.to_string())
}

/// `GET /api/v1/log/proof?index=I&size=S`.
async fn proof(
    Shared(state): AppState,
    query: Result<Query<ProofQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ProofView>, ApiError> {
    let Query(q) = query?;
    let live = state.live.read().unwrap_or_else(|e| e.into_inner());
    let path = live
        .tree
        .inclusion_proof(q.index, q.size)
        .map_err(proof_error)?;
    let leaf = live.tree.leaf(q.index).ok_or_else(|| {
        ApiError::request(StatusCode::BAD_REQUEST, format!("no entry {}", q.index))
    })?;
    Ok(Json(ProofView {
        index: q.index,
        size: q.size,
        leaf_hash: BASE64.encode(leaf),
        path: base64_path(&path),
    }))
}

#[derive(Deserialize)]
struct ConsistencyQuery {
    from: u64,
    to: u64,
}

/// `GET /api/v1/log/consistency?from=A&to=B`.
async fn consistency(
    Shared(state): AppState,
    query: Result<Query<ConsistencyQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ConsistencyView>, ApiError> {
    let Query(q) = query?;
    let live = state.live.read().unwrap_or_else(|e| e.into_inner());
    let path = live
        .tree
        .consistency_proof(q.from, q.to)
        .map_err(proof_error)?;
    Ok(Json(ConsistencyView {
        from: q.from,
        to: q.to,
        path: base64_path(&path),
    }))
}

/// `GET /log/tile/...`: C2SP tlog-tiles hash tiles and entry bundles. A tile once served
/// never changes (a partial one is a different path), so it may be cached for good.
async fn tile(Shared(state): AppState, Path(path): Path<String>) -> Result<Response, ApiError> {
    let missing = || ApiError::request(StatusCode::NOT_FOUND, format!("no tile {path:?}"));
    let tile = TilePath::parse(&path).ok_or_else(missing)?;
    let live = state.live.read().unwrap_or_else(|e| e.into_inner());
    let bytes = match tile {
        TilePath::Hash {
            level,
            index,
            width,
        } => cifra_log::hash_tile(&live.tree, level, index, width).ok_or_else(missing)?,
        TilePath::Entries { index, width } => {
            let start = index.checked_mul(256).ok_or_else(missing)?;
            let end = start.checked_add(u64::from(width)).ok_or_else(missing)?;
            if end > live.size() {
                return Err(missing());
            }
            let lines: Vec<&[u8]> = live.lines[start as usize..end as usize]
                .iter()
                .map(|l| l.as_bytes())
                .collect();
            cifra_log::entry_bundle(&lines)
                .map_err(|e| ApiError::request(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        bytes,
    )
        .into_response())
}
