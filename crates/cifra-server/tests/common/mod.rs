//! The harness of the API tests: an election on either backend (a SQLite file in a
//! temporary directory, or a PostgreSQL database of its own on the machine's server), its
//! tokens, the server on a free port of 127.0.0.1 in the test's runtime, and a client.
//! [`on_both!`] runs each test once per backend; [`Proxy`] stands between a server and
//! PostgreSQL for the tests of a database that goes away and comes back.
//!
//! PostgreSQL is the server at 127.0.0.1:5432 (trust authentication, user `postgres`,
//! maintenance database `test`; `.ci/run` starts it), reached with `psql` as
//! cifra-cli's tests do: each test creates its own database `cifra_api_...` and drops it
//! (`WITH (FORCE)`) when done, passed or failed, so tests run in parallel and leave
//! nothing behind.

#![allow(dead_code)]

use cifra_log::NoteSigner;
use cifra_server::{auth, serve, Limits, State};
use cifra_store::{ElectionSpec, Mesa, Scope, Store};
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::{JoinHandle, JoinSet};

/// The election's name: the log's origin and the key's name.
pub const NAME: &str = "cifra.test/2026-presidencial";
/// The options, in the election's order.
pub const OPTIONS: [&str; 5] = ["ana", "beto", "carla", "blank", "null"];
/// The region of the region-scoped token.
pub const REGION: &str = "NORTE";

/// How long any one answer or event may take before a test fails (generous: the machine
/// is shared).
pub const PATIENCE: Duration = Duration::from_secs(20);

pub fn mesa(id: &str, region: &str, comuna: &str, electors: u64) -> Mesa {
    Mesa {
        id: id.into(),
        territory: vec![region.into(), comuna.into()],
        electors: Some(electors),
    }
}

/// Six mesas in three regions (in file order NORTE, CENTRO, SUR: not alphabetical) and
/// four comunas (one with spaces, one not ASCII); C2 has only 10 electors.
pub fn small_mesas() -> Vec<Mesa> {
    vec![
        mesa("N1", "NORTE", "ANTOFAGASTA", 100),
        mesa("N2", "NORTE", "ANTOFAGASTA", 100),
        mesa("N3", "NORTE", "CALAMA", 100),
        mesa("C1", "CENTRO", "ÑUÑOA", 100),
        mesa("C2", "CENTRO", "ÑUÑOA", 10),
        mesa("S1", "SUR", "PADRE LAS CASAS", 100),
    ]
}

/// An acta of `mesa` with `votes` in the order of [`OPTIONS`].
pub fn acta(mesa: &str, votes: [u64; 5]) -> Value {
    json!({"mesa": mesa, "votes": votes_of(votes)})
}

/// A correction of `mesa` to `votes`, because of `reason`, replacing its version
/// `replaces`.
pub fn correction(mesa: &str, votes: [u64; 5], reason: &str, replaces: u32) -> Value {
    json!({"mesa": mesa, "votes": votes_of(votes),
           "correction": {"reason": reason, "replaces": replaces}})
}

pub fn votes_of(votes: [u64; 5]) -> Value {
    let map: serde_json::Map<String, Value> = OPTIONS
        .iter()
        .zip(votes)
        .map(|(o, v)| (o.to_string(), json!(v)))
        .collect();
    Value::Object(map)
}

/// Which store a test's server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A PostgreSQL database of the test's own.
    Postgres,
}

/// Runs each test `async fn NAME(backend: Backend)` once per backend, as the tests
/// `NAME::sqlite` and `NAME::postgres` (`cargo test postgres` runs the second half).
#[macro_export]
macro_rules! on_both {
    ($($test:ident),* $(,)?) => {
        $(
            mod $test {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$test($crate::common::Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$test($crate::common::Backend::Postgres).await;
                }
            }
        )*
    };
}

/// Where a test's election lives; removed when the test's last server lets go of it.
enum Place {
    Sqlite(tempfile::TempDir),
    Postgres(TestDatabase),
}

/// A running server and what a test needs to talk to it.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    pub http: reqwest::Client,
    /// A national token.
    pub national: String,
    /// A token of the first mesa's region (`region=NORTE` in the six-mesa election).
    pub region: String,
    /// The backend the election is on.
    pub backend: Backend,
    /// The store's address, as `cifra_store::open` takes it: the SQLite file's path or
    /// the PostgreSQL database's `postgres://` URL (the [`Proxy`]'s, if reopened there).
    pub address: String,
    pub mesas: Vec<Mesa>,
    limits: Limits,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    state: Weak<State>,
    place: Arc<Place>,
}

impl Server {
    /// The six-mesa election with the default limits.
    pub async fn start(backend: Backend) -> Server {
        Server::with(backend, small_mesas(), Limits::default()).await
    }

    /// An election of `mesas` served within `limits`.
    pub async fn with(backend: Backend, mesas: Vec<Mesa>, limits: Limits) -> Server {
        Server::build(backend, mesas, &OPTIONS, limits).await
    }

    /// An election of `mesas` and `options` served within `limits`.
    pub async fn build(
        backend: Backend,
        mesas: Vec<Mesa>,
        options: &[&str],
        limits: Limits,
    ) -> Server {
        Server::build_in(backend, mesas, options, limits, None).await
    }

    /// The six-mesa election in a SQLite file in a new directory under `parent` (a
    /// small file system of the test's, say).
    pub async fn sqlite_under(parent: &std::path::Path) -> Server {
        Server::build_in(
            Backend::Sqlite,
            small_mesas(),
            &OPTIONS,
            Limits::default(),
            Some(parent),
        )
        .await
    }

    async fn build_in(
        backend: Backend,
        mesas: Vec<Mesa>,
        options: &[&str],
        limits: Limits,
        parent: Option<&std::path::Path>,
    ) -> Server {
        let (place, address) = match backend {
            Backend::Sqlite => {
                let dir = match parent {
                    Some(parent) => tempfile::tempdir_in(parent),
                    None => tempfile::tempdir(),
                }
                .expect("a temporary directory");
                let path = dir.path().join("election.db");
                let address = path.to_str().expect("a UTF-8 path").to_string();
                (Place::Sqlite(dir), address)
            }
            Backend::Postgres => {
                let db = TestDatabase::new();
                let address = db.url.clone();
                (Place::Postgres(db), address)
            }
        };
        let (_, seed) = NoteSigner::generate(NAME).expect("a signing key");
        let spec = ElectionSpec {
            name: NAME.into(),
            system: "cl-presidential".into(),
            options: options.iter().map(|o| o.to_string()).collect(),
            id_columns: vec!["mesa".into()],
            territory_columns: vec!["region".into(), "comuna".into()],
            mesas: mesas.clone(),
            signing_key: seed,
        };
        let store = cifra_store::create(&address, &spec)
            .unwrap_or_else(|e| panic!("the election is created at {address}: {e}"));
        let national = auth::issue(&*store, Scope::National).expect("a national token");
        // The first mesa's region (REGION in the six-mesa election).
        let region = auth::issue(
            &*store,
            Scope::Territory {
                column: "region".into(),
                value: mesas[0].territory[0].clone(),
            },
        )
        .expect("a region token");
        Server::launch(
            Arc::new(place),
            backend,
            address,
            Arc::from(store),
            national,
            region,
            mesas,
            limits,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn launch(
        place: Arc<Place>,
        backend: Backend,
        address: String,
        store: Arc<dyn Store>,
        national: String,
        region: String,
        mesas: Vec<Mesa>,
        limits: Limits,
    ) -> Server {
        let state = State::open(store).expect("the server opens the election");
        let weak = Arc::downgrade(&state);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, state, limits, async move {
            let _ = stopped.await;
        }));
        Server {
            base,
            http: client(),
            national,
            region,
            backend,
            address,
            mesas,
            limits,
            stop: Some(stop),
            task: Some(task),
            state: weak,
            place,
        }
    }

    /// A second server on this one's store, with its own state and writer: two servers,
    /// one log (as two `cifra serve` on one database).
    pub async fn beside(&self) -> Server {
        let store = cifra_store::open(&self.address).unwrap_or_else(|e| {
            panic!("the database opens a second time at {}: {e}", self.address)
        });
        Server::launch(
            Arc::clone(&self.place),
            self.backend,
            self.address.clone(),
            Arc::from(store),
            self.national.clone(),
            self.region.clone(),
            self.mesas.clone(),
            self.limits,
        )
        .await
    }

    /// Stops the server, lets go of its connections, waits for its state to be dropped,
    /// and opens the same database in a new server.
    pub async fn restart(self) -> Server {
        let address = self.address.clone();
        self.reopen_at(address).await
    }

    /// Stops the server as [`Server::restart`] does, and opens the same database at
    /// `address` (PostgreSQL's through a [`Proxy`], say) in a new server.
    pub async fn reopen_at(self, address: String) -> Server {
        self.reopen_with(address, &cifra_store::StoreOptions::default())
            .await
    }

    /// Stops the server as [`Server::restart`] does, and opens the database at
    /// `address` with `options` in a new server.
    pub async fn reopen_with(
        mut self,
        address: String,
        options: &cifra_store::StoreOptions,
    ) -> Server {
        self.shutdown().await;
        let store = cifra_store::open_with(&address, options)
            .unwrap_or_else(|e| panic!("the database opens again at {address}: {e}"));
        Server::launch(
            Arc::clone(&self.place),
            self.backend,
            address,
            Arc::from(store),
            self.national.clone(),
            self.region.clone(),
            self.mesas.clone(),
            self.limits,
        )
        .await
    }

    /// Stops accepting connections and closes the client's, then waits for the old
    /// state (and with it its writer and its store) to be gone.
    pub async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(PATIENCE, task)
                .await
                .expect("serve returns when told to stop")
                .expect("serve does not panic");
        }
        self.http = client();
        let deadline = Instant::now() + PATIENCE;
        while self.state.strong_count() > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(
            self.state.strong_count(),
            0,
            "a stopped server without clients lets go of its state (and its writer)"
        );
    }

    /// The name of the PostgreSQL database the election is in.
    pub fn database(&self) -> &str {
        match &*self.place {
            Place::Postgres(db) => &db.name,
            Place::Sqlite(_) => panic!("a SQLite election has no PostgreSQL database"),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// POSTs `body` (JSON) to /api/v1/actas with `token`; the status and the JSON answer.
    pub async fn submit(&self, token: &str, body: &Value) -> (StatusCode, Value) {
        let auth = format!("Bearer {token}");
        self.post_raw(Some(&auth), serde_json::to_vec(body).unwrap())
            .await
    }

    /// POSTs raw bytes with `authorization` as the whole header (or none).
    pub async fn post_raw(
        &self,
        authorization: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, Value) {
        answer(self.post(authorization, body).await).await
    }

    /// POSTs raw bytes with `authorization` as the whole header (or none); the whole
    /// response (for its headers).
    pub async fn post(
        &self,
        authorization: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .post(self.url("/api/v1/actas"))
            .header("content-type", "application/json")
            .body(body);
        if let Some(a) = authorization {
            request = request.header("authorization", a);
        }
        request.send().await.expect("an answer")
    }

    /// Submits and expects `status`; the answer.
    pub async fn expect(&self, body: &Value, status: u16) -> Value {
        let (got, answer) = self.submit(&self.national, body).await;
        assert_eq!(got.as_u16(), status, "submitting {body}: {answer}");
        answer
    }

    /// GETs `path`: status and JSON body (the test fails if the body is not JSON).
    pub async fn json(&self, path: &str) -> (StatusCode, Value) {
        answer(self.get(path).await).await
    }

    /// GETs `path` and expects 200 with a JSON body.
    pub async fn ok(&self, path: &str) -> Value {
        let (status, body) = self.json(path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        tokio::time::timeout(PATIENCE, self.http.get(self.url(path)).send())
            .await
            .unwrap_or_else(|_| panic!("GET {path} took too long"))
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    pub async fn text(&self, path: &str) -> (StatusCode, String) {
        let response = self.get(path).await;
        let status = response.status();
        (status, response.text().await.expect("a body"))
    }

    pub async fn bytes(&self, path: &str) -> (StatusCode, Vec<u8>) {
        let response = self.get(path).await;
        let status = response.status();
        (status, response.bytes().await.expect("a body").to_vec())
    }

    /// The national results (or `query`'s), 200 expected.
    pub async fn results(&self, query: &str) -> Value {
        self.ok(&format!("/api/v1/results{query}")).await
    }

    /// Every log line, from /api/v1/log/entries.
    pub async fn lines(&self) -> Vec<String> {
        let (status, text) = self.text("/api/v1/log/entries").await;
        assert_eq!(status, StatusCode::OK, "{text}");
        text.lines().map(str::to_string).collect()
    }

    /// The log size, as the results say.
    pub async fn size(&self) -> u64 {
        self.results("").await["log_size"].as_u64().unwrap()
    }

    /// The event stream of `query` (e.g. `?entries=false`), resuming from `last` if given.
    pub async fn events(&self, query: &str, last: Option<u64>) -> Events {
        let mut request = self.http.get(self.url(&format!("/api/v1/events{query}")));
        if let Some(last) = last {
            request = request.header("last-event-id", last.to_string());
        }
        let response = tokio::time::timeout(PATIENCE, request.send())
            .await
            .expect("the event stream answers")
            .expect("the event stream answers");
        assert_eq!(response.status(), StatusCode::OK);
        let kind = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(kind.starts_with("text/event-stream"), "{kind}");
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(read_events(response, tx));
        Events { rx, task }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a client")
}

/// The status and JSON body of `response` (the test fails if the body is not JSON).
pub async fn answer_of(response: reqwest::Response) -> (StatusCode, Value) {
    answer(response).await
}

async fn answer(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("a {status} answer is not JSON ({e}): {text:?}"));
    (status, body)
}

/// Asserts an error body: an `error` sentence and the given acta, mesa and field.
pub fn assert_error(body: &Value, acta: Option<u64>, mesa: Option<&str>, field: Option<&str>) {
    let error = body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error in {body}"));
    assert!(!error.is_empty(), "{body}");
    assert_eq!(body["acta"], json!(acta), "acta of {body}");
    assert_eq!(body["mesa"], json!(mesa), "mesa of {body}");
    assert_eq!(body["field"], json!(field), "field of {body}");
}

/// A results object without the log's fields and `stale` (to compare results of
/// different routes).
pub fn without_log(results: &Value) -> Value {
    let mut r = results.clone();
    let map = r.as_object_mut().expect("an object");
    map.remove("log_size");
    map.remove("log_root");
    map.remove("stale");
    r
}

/// One server-sent event, with when it arrived.
#[derive(Debug, Clone)]
pub struct Event {
    pub event: Option<String>,
    pub id: Option<String>,
    pub data: Value,
    pub at: Instant,
}

impl Event {
    pub fn id(&self) -> u64 {
        self.id
            .as_deref()
            .expect("an id")
            .parse()
            .expect("a numeric id")
    }

    /// The entry lines the event carries, re-serialised (they are canonical).
    pub fn entries(&self) -> Vec<String> {
        self.data["entries"]
            .as_array()
            .unwrap_or_else(|| panic!("no entries in {}", self.data))
            .iter()
            .map(|e| serde_json::to_string(e).unwrap())
            .collect()
    }
}

/// An open event stream, read by a task of its own that stamps each event as it
/// arrives.
pub struct Events {
    rx: mpsc::UnboundedReceiver<Event>,
    task: JoinHandle<()>,
}

impl Events {
    /// The next event (the test fails after [`PATIENCE`]).
    pub async fn next(&mut self) -> Event {
        self.within(PATIENCE).await.expect("an event")
    }

    /// The next event if one comes within `wait`.
    pub async fn within(&mut self, wait: Duration) -> Option<Event> {
        tokio::time::timeout(wait, self.rx.recv())
            .await
            .ok()
            .flatten()
    }

    /// Events until one whose id is at least `size`.
    pub async fn until(&mut self, size: u64) -> Vec<Event> {
        let mut events = Vec::new();
        loop {
            let event = self.next().await;
            let id = event.id();
            events.push(event);
            if id >= size {
                return events;
            }
        }
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn read_events(response: reqwest::Response, tx: mpsc::UnboundedSender<Event>) {
    let mut stream = response.bytes_stream();
    let mut buffer: Vec<u8> = Vec::new();
    // Where the search for the end of the next event resumes (bytes before it hold none).
    let mut searched = 0;
    while let Some(Ok(chunk)) = stream.next().await {
        buffer.extend_from_slice(&chunk);
        loop {
            let Some(at) = buffer[searched..].windows(2).position(|w| w == b"\n\n") else {
                searched = buffer.len().saturating_sub(1);
                break;
            };
            let end = searched + at;
            searched = 0;
            let block: Vec<u8> = buffer.drain(..end + 2).collect();
            let at = Instant::now();
            let text = String::from_utf8(block).expect("events are UTF-8");
            let mut fields: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for line in text.lines() {
                if line.is_empty() || line.starts_with(':') {
                    continue;
                }
                let (name, value) = line.split_once(':').unwrap_or((line, ""));
                let value = value.strip_prefix(' ').unwrap_or(value);
                fields.entry(name).or_default().push(value);
            }
            let Some(data) = fields.get("data") else {
                continue; // a keep-alive comment
            };
            let data = data.join("\n");
            let data: Value = serde_json::from_str(&data)
                .unwrap_or_else(|e| panic!("event data is not JSON ({e}): {data}"));
            let one = |name: &str| {
                fields
                    .get(name)
                    .and_then(|v| v.last())
                    .map(|v| v.to_string())
            };
            let event = Event {
                event: one("event"),
                id: one("id"),
                data,
                at,
            };
            if tx.send(event).is_err() {
                return;
            }
        }
    }
}

/// The PostgreSQL server of the tests, as `host:port`.
pub const POSTGRES: &str = "127.0.0.1:5432";

/// The address of database `name` on the tests' PostgreSQL server.
pub fn postgres_url(name: &str) -> String {
    format!("postgres://postgres@{POSTGRES}/{name}")
}

/// A PostgreSQL database of one test's own, dropped (with whatever is still connected
/// to it) when the test ends, passed or failed.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    pub fn new() -> TestDatabase {
        static COUNT: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!(
            "cifra_api_{}_{}_{nanos}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        );
        // The server may be restarting for a moment (it is shared): try for a while.
        let mut tries = 0;
        let created = loop {
            match psql(&format!("CREATE DATABASE {name}")) {
                Err(error)
                    if tries < 10
                        && !error.contains("already exists")
                        && !error.contains("does not run") =>
                {
                    tries += 1;
                    std::thread::sleep(Duration::from_secs(1));
                }
                Err(error) if error.contains("already exists") && tries > 0 => break Ok(()),
                other => break other,
            }
        };
        if let Err(error) = created {
            panic!(
                "PostgreSQL at {POSTGRES} is needed by these tests ({error}); start it with \
                 pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
            );
        }
        let url = postgres_url(&name);
        TestDatabase { name, url }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // The server may be restarting for a moment: try for a while. A failure here
        // must not hide the test's own (nor panic while panicking).
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        for tries in 1.. {
            match psql(&drop) {
                Ok(()) => return,
                Err(error) if tries >= 10 || error.contains("does not run") => {
                    eprintln!("the test's database {} is left behind: {error}", self.name);
                    return;
                }
                Err(_) => std::thread::sleep(Duration::from_secs(1)),
            }
        }
    }
}

/// Runs `sql` on the tests' PostgreSQL server, in its maintenance database `test`.
pub fn psql(sql: &str) -> Result<(), String> {
    let (host, port) = POSTGRES.split_once(':').unwrap();
    let out = Command::new("psql")
        .args(["-h", host, "-p", port, "-U", "postgres", "-d", "test"])
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .map_err(|e| format!("psql (PostgreSQL's client) does not run: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// A TCP proxy from a port of 127.0.0.1 to the tests' PostgreSQL server, that can be
/// stopped (the port closed, every connection cut) and started again on the same port:
/// the database going away and coming back, as a server's store sees it, without
/// touching the PostgreSQL server others use.
pub struct Proxy {
    pub port: u16,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Proxy {
    /// Listens on `port` (0: a free one) and forwards each connection to PostgreSQL.
    pub async fn start(port: u16) -> Proxy {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap_or_else(|e| panic!("the proxy listens on port {port}: {e}"));
        let port = listener.local_addr().unwrap().port();
        let (stop, mut stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    accepted = listener.accept() => {
                        let Ok((mut client, _)) = accepted else { continue };
                        connections.spawn(async move {
                            if let Ok(mut upstream) = TcpStream::connect(POSTGRES).await {
                                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream)
                                    .await;
                            }
                        });
                    }
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
            // The port first, then every connection (their sockets dropped, closed).
            drop(listener);
            connections.shutdown().await;
        });
        Proxy {
            port,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// The address of database `name` through this proxy.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Closes the port and cuts every connection; returns once they are closed.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(PATIENCE, task)
                .await
                .expect("the proxy stops")
                .expect("the proxy does not panic");
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
