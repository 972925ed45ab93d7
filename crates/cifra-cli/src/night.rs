//! Election night's commands: `init`, `token`, `serve` (and `serve --demo`), `replay`
//! and `verify`. Each is the arguments and the wiring of `cifra-store`, `cifra-server`
//! and `cifra-client`.

use crate::error::CliError;
use crate::main_job;
use crate::runtime;
use cifra_client::{online, replay, verify};
use cifra_night::{ElectionSpec, SpecError};
use cifra_results::{read_mesa_list, MesaList};
use cifra_server::{auth, stop_signal, Listening, State};
use cifra_store::{Scope, Store};
use clap::Args;
use std::process::ExitCode;
use std::sync::Arc;

/// `cifra init`.
#[derive(Args, Debug)]
pub struct InitArgs {
    /// Where the election lives: a SQLite file (created; an existing one is refused) or
    /// a PostgreSQL database, postgres://USER@HOST/DB (schema created; a database that
    /// already holds an election is refused).
    #[arg(long, value_name = "FILE|URL")]
    db: String,
    /// The electoral system (the help lists those of one office, which serve decides).
    #[arg(long, value_name = "ID", help = served_system_help("The electoral system"))]
    system: String,
    /// The mesas: CSV with a header; every column but the id columns, `electors`
    /// (registered voters, optional), the options and count columns is a territory.
    #[arg(long, value_name = "MESAS.csv")]
    mesas: String,
    #[command(flatten)]
    columns: MesaColumns,
    /// The territory columns, broadest first (default: found as said under --mesas).
    #[arg(long, value_name = "COLS", value_delimiter = ',')]
    territories: Option<Vec<String>>,
    /// The election's name: the log's origin, the first line of every checkpoint
    /// (default: cifra/<database file name>).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
}

/// The columns of a mesa file that `init` and `replay` share: the mesa's id and the
/// options counted.
#[derive(Args, Debug)]
pub struct MesaColumns {
    /// The columns that together identify a mesa (values joined by `/`).
    #[arg(
        long,
        value_name = "COLS",
        default_value = "mesa",
        value_delimiter = ','
    )]
    id: Vec<String>,
    /// The options counted on each acta, in order (`blank` and `null` are the blank and
    /// null votes); `replay` reads them from the file's columns of the same names.
    #[arg(long, value_name = "A,B,...", value_delimiter = ',', required = true)]
    options: Vec<String>,
}

/// `cifra token`.
#[derive(Args, Debug)]
pub struct TokenArgs {
    /// Where the election lives: a SQLite file or postgres://USER@HOST/DB.
    #[arg(long, value_name = "FILE|URL")]
    db: String,
    /// What the token may submit: `national` or COLUMN=VALUE (e.g. `region=DE ANTOFAGASTA`).
    #[arg(
        long,
        value_name = "SCOPE",
        required_unless_present = "revoke",
        conflicts_with = "revoke"
    )]
    scope: Option<String>,
    /// Revoke this token instead: every server refuses it within 10 seconds.
    #[arg(long, value_name = "TOKEN", allow_hyphen_values = true)]
    revoke: Option<String>,
}

/// `cifra serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Where the election lives (made by `cifra init`): a SQLite file or
    /// postgres://USER@HOST/DB. Several servers may serve one database: one log.
    #[arg(
        long,
        value_name = "FILE|URL",
        required_unless_present = "demo",
        conflicts_with = "demo"
    )]
    db: Option<String>,
    /// Where to listen.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: String,
    /// No setup: serve a temporary election of the 2021 first round's 46,606 real mesas
    /// and replay its night over HTTP.
    #[arg(long)]
    demo: bool,
    /// The demo night's length in minutes.
    #[arg(long, value_name = "M", default_value_t = 2.0, requires = "demo")]
    minutes: f64,
    /// The demo night starts with this fraction of its mesas counted at once (0 to 1;
    /// 1: the final results at once), then goes on at its pace.
    #[arg(long, value_name = "FRACTION", default_value_t = 0.0, requires = "demo", value_parser = fraction)]
    demo_start: f64,
    /// When the demo night ends, wait 10 s and start over on a fresh election at the same
    /// address (every connection is closed: dashboards reconnect to the new night).
    #[arg(long, requires = "demo")]
    demo_loop: bool,
    /// FOR BENCHMARKS ONLY: acknowledge actas that a power loss could lose. On SQLite,
    /// commits are not synced to disk (synchronous=OFF); on PostgreSQL, actas are
    /// accepted although the server runs with fsync or synchronous_commit off (without
    /// this flag they are refused with 503, and the health says why).
    #[arg(long, conflicts_with = "demo")]
    unsafe_no_fsync: bool,
    /// Event streams (dashboards) open at once; more are answered 503 with Retry-After.
    /// Streams never take the last eighth of the connections: those stay for intake.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    max_streams: usize,
    /// Connections open at once; more are answered 503 with Retry-After and closed.
    /// Default: the open-file limit (raised at start to its hard limit) less 128.
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,
    #[command(flatten)]
    witnesses: crate::witness::GatherArgs,
}

/// `cifra replay`.
#[derive(Args, Debug)]
#[command(
    after_help = "Prints how many actas were recorded, found already recorded (unchanged), refused \
                  and not recorded, and every refusal with the server's reason. Exit status: 0 when \
                  the server refused nothing, 1 when it refused something (a 409, or any other \
                  refusal, which stops the replay), 2 when the file cannot be read or the server \
                  cannot be reached."
)]
pub struct ReplayArgs {
    #[command(flatten)]
    replay: replay::Replay,
    /// Mesa results: CSV with a header, one row per mesa (may be gzipped).
    #[arg(long, value_name = "FILE")]
    mesas: String,
    #[command(flatten)]
    columns: MesaColumns,
}

/// `cifra verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The server to verify.
    #[arg(long, value_name = "URL", conflicts_with_all = ["entries", "checkpoint"])]
    url: Option<String>,
    /// The verifier key to trust (the text, or a file holding it).
    #[arg(long, value_name = "VKEY")]
    key: Option<String>,
    /// An earlier signed checkpoint (a file) that today's log must extend.
    #[arg(long, value_name = "CHECKPOINT")]
    previous: Option<String>,
    /// With --url: prove this mesa's latest acta is in the log and print its counts.
    #[arg(long, value_name = "ID", requires = "url")]
    mesa: Option<String>,
    /// Offline: the log's entries (NDJSON, as /api/v1/log/entries serves them).
    #[arg(long, value_name = "FILE", requires_all = ["checkpoint", "key"])]
    entries: Option<String>,
    /// Offline: the signed checkpoint (a file).
    #[arg(long, value_name = "FILE", requires = "entries")]
    checkpoint: Option<String>,
    /// Offline: the election, as `GET /api/v1/election` answers (saved beside the
    /// entries): its system, options and number of mesas.
    #[arg(long, value_name = "FILE", requires = "entries", conflicts_with_all = ["mesas", "system"])]
    election: Option<String>,
    /// Offline, without --election: the election's number of mesas (with --system).
    #[arg(long, value_name = "N", requires_all = ["entries", "system"])]
    mesas: Option<u64>,
    /// Offline, with --mesas: the system that decides the outcome.
    #[arg(
        long,
        value_name = "ID",
        requires = "mesas",
        help = served_system_help("Offline, with --mesas: the system that decides the outcome")
    )]
    system: Option<String>,
    #[command(flatten)]
    quorum: crate::witness::QuorumArgs,
}

/// The election of an offline verify: from --election FILE, or --mesas N --system ID;
/// neither is refused, saying what to pass (without the election's mesas a partial count
/// would look complete).
fn offline_election(args: &VerifyArgs) -> Result<verify::OfflineElection, CliError> {
    let usage = |e: String| CliError::Usage(e);
    match (&args.election, args.mesas, &args.system) {
        (Some(file), _, _) => verify::OfflineElection::from_saved(&cifra_results::read_source(file)?)
            .map_err(|e| usage(format!("--election {file}: {e}"))),
        (None, Some(mesas), Some(system)) => verify::OfflineElection::from_count(mesas, system)
            .map_err(|e| usage(format!("--system: {e}"))),
        _ => Err(usage(
            "offline verify needs the election, to know how many mesas a complete count has: --election FILE (the JSON of GET /api/v1/election saved beside the entries) or --mesas N --system ID".into(),
        )),
    }
}

/// A number from 0 to 1.
fn fraction(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(f) if (0.0..=1.0).contains(&f) => Ok(f),
        _ => Err(format!("{text:?} is not a fraction from 0 to 1 (e.g. 0.5)")),
    }
}

/// The help of a `--system` that `cifra serve` decides: `what`, and the systems of one
/// office, by id.
fn served_system_help(what: &str) -> String {
    format!(
        "{what} (one office: {})",
        cifra_report::live::served_systems().join(", ")
    )
}

/// The mesas of the file at `path` ([`read_mesa_list`]); when the ids given repeat, the
/// error says which `--id` identifies every mesa once.
fn read_mesas(
    path: &str,
    columns: &MesaColumns,
    options: &[String],
    territories: Option<&[String]>,
) -> Result<MesaList, CliError> {
    let bytes = cifra_results::read_source(path)?;
    let name = cifra_results::display_name(path);
    let error = match read_mesa_list(&bytes, &name, &columns.id, options, territories) {
        Ok(mesas) => return Ok(mesas),
        Err(error) => error,
    };
    let hint = match cifra_results::unique_id_columns(&bytes, &columns.id, &columns.options) {
        None => return Err(error.into()),
        Some(ids) if ids.is_empty() => {
            "name with --id COLS the columns that together identify a mesa".to_string()
        }
        Some(ids) => format!("--id {} identifies every mesa once", ids.join(",")),
    };
    Err(CliError::Hint {
        source: Box::new(error.into()),
        hint,
    })
}

/// `cifra init`: creates the election, its key and an admin token.
pub fn init(args: &InitArgs) -> Result<ExitCode, CliError> {
    let mesas = read_mesas(&args.mesas, &args.columns, &[], args.territories.as_deref())?;
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| cifra_store::default_name(&args.db));
    let (store, token) = create(&args.db, &name, &args.system, &args.columns.options, &mesas)?;
    let spec = store.election()?;
    let key = spec
        .verifier_key()
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let db = cifra_store::without_password(&args.db);
    println!("created {db} ({})", spec.summary());
    println!("key: {key}");
    println!("token: {token}");
    Ok(ExitCode::SUCCESS)
}

/// Creates the election at `db` from `mesas`; returns the store and an admin token.
fn create(
    db: &str,
    name: &str,
    system: &str,
    options: &[String],
    mesas: &MesaList,
) -> Result<(Box<dyn Store>, String), CliError> {
    let spec = ElectionSpec::from_mesa_list(name, system, options, mesas)
        .map_err(|e| CliError::Usage(spec_message(&e, name, system)))?;
    let store = cifra_store::create(db, &spec)?;
    let token = auth::issue(&*store, Scope::National)?;
    Ok((store, token))
}

/// An election's error in the words of the command line: the flag that set what is wrong.
fn spec_message(error: &SpecError, name: &str, system: &str) -> String {
    match error {
        SpecError::BadOption(_) | SpecError::RepeatedOption(_) | SpecError::NoCandidate => {
            format!("--options: {error}")
        }
        SpecError::UnknownSystem(_) => error.to_string(),
        SpecError::NotServed => format!("--system {system}: {error}"),
        SpecError::Key(_) => format!("--name {name:?}: {error}"),
    }
}

/// `cifra token`: a new token of a scope, or a token revoked.
pub fn token(args: &TokenArgs) -> Result<ExitCode, CliError> {
    let store = cifra_store::open(&args.db)?;
    if let Some(secret) = &args.revoke {
        if !store.revoke_token(&auth::token_hash(secret.trim()))? {
            return Err(CliError::Usage(
                "--revoke: no such token in this election".into(),
            ));
        }
        println!("revoked: servers refuse it within 10 s");
        return Ok(ExitCode::SUCCESS);
    }
    let scope: Scope = args
        .scope
        .as_deref()
        .unwrap_or_default()
        .parse()
        .map_err(|e: cifra_store::ParseScopeError| CliError::Usage(format!("--scope: {e}")))?;
    let election = cifra_server::election::Election::new(store.election()?)
        .map_err(cifra_server::ServerError::from)?;
    election
        .check_scope(&scope)
        .map_err(|e| CliError::Usage(format!("--scope {scope}: {e}")))?;
    let token = auth::issue(&*store, scope)?;
    println!("token: {token}");
    Ok(ExitCode::SUCCESS)
}

/// `cifra serve`: serves an election until interrupted.
pub fn serve(args: &ServeArgs) -> Result<ExitCode, CliError> {
    if args.demo {
        return demo(args);
    }
    let db = args
        .db
        .as_ref()
        .ok_or_else(|| CliError::Usage("--db FILE|URL or --demo".into()))?;
    let options = cifra_store::StoreOptions {
        unsafe_no_fsync: args.unsafe_no_fsync,
    };
    if options.unsafe_no_fsync {
        eprintln!("cifra: warning: --unsafe-no-fsync: an acknowledged acta may be lost on power loss; for benchmarks only, never on election night");
    }
    let store: Arc<dyn Store> = Arc::from(cifra_store::open_with(db, &options)?);
    let limits = limits(args);
    runtime()?.block_on(async {
        let state = State::open(store)?;
        crate::witness::gather(&state, &args.witnesses)?;
        let server = bind(state, &args.listen).await?;
        println!("{}", server.announcement());
        server.serve(limits, stop_signal()).await;
        Ok(ExitCode::SUCCESS)
    })
}

async fn bind(state: Arc<State>, address: &str) -> Result<Listening, CliError> {
    Listening::bind(state, address)
        .await
        .map_err(|e| CliError::Usage(format!("--listen {address}: {e}")))
}

/// The server's bounds for this process ([`cifra_server::Limits::for_this_process`]),
/// with the connections and the streams given.
fn limits(args: &ServeArgs) -> cifra_server::Limits {
    let mut limits = cifra_server::Limits::for_this_process();
    if let Some(connections) = args.max_connections {
        limits.connections = connections;
        limits.reserve = connections / 8;
    }
    limits.streams = args.max_streams;
    limits
}

/// `cifra serve --demo`: one night, or with --demo-loop night after night.
fn demo(args: &ServeArgs) -> Result<ExitCode, CliError> {
    let (options, mesas) = main_job::mesa_list()?;
    let mut listen = args.listen.clone();
    loop {
        let runtime = runtime()?;
        let again = runtime.block_on(demo_night(args, &listen, &options, &mesas))?;
        // Ends every task of the night, its open event streams too: dashboards see the
        // connection close and reconnect to the next night.
        runtime.shutdown_timeout(std::time::Duration::from_secs(1));
        match again {
            // The same address, even when the first was any free port.
            Some(address) => listen = address.to_string(),
            None => return Ok(ExitCode::SUCCESS),
        }
    }
}

/// One demo night on a fresh temporary election, served at `listen`; the address where
/// another should follow (with --demo-loop, when the night ended and nobody stopped the
/// demo).
async fn demo_night(
    args: &ServeArgs,
    listen: &str,
    options: &[String],
    mesas: &MesaList,
) -> Result<Option<std::net::SocketAddr>, CliError> {
    let dir =
        tempfile::tempdir().map_err(|e| CliError::Usage(format!("a temporary directory: {e}")))?;
    let db = dir.path().join("demo.db");
    let name = "cifra-demo/cl-2021-presidential-r1";
    let (store, token) = create(
        &db.to_string_lossy(),
        name,
        "cl-presidential",
        options,
        mesas,
    )?;
    let server = bind(State::open(Arc::from(store))?, listen).await?;
    let address = server.address;
    let url = format!("http://{address}");
    let minutes = args.minutes;
    println!(
        "cifra demo: the 2021 presidential first round, {} real mesas (SERVEL)",
        cifra_report::table::thousands(mesas.mesas.len() as u64)
    );
    println!("dashboard: {url}/");
    println!("replaying the night over {minutes} minutes; ctrl-c stops");
    let server = tokio::spawn(server.serve(limits(args), stop_signal()));
    let timing = (minutes, args.demo_start);
    let night = replay::demo_night(&url, token, mesas, timing, |line| println!("{line}"));
    tokio::select! {
        finished = night => {
            let report = finished?.or_stop()?;
            println!(
                "the night is complete: {} actas in {:.0} s; verify it with: cifra verify --url {url}",
                report.recorded, report.elapsed.as_secs_f64()
            );
            if args.demo_loop {
                println!("the next night starts in 10 s; ctrl-c stops");
                return Ok(tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_secs(10)) => Some(address),
                    _ = stop_signal() => None,
                });
            }
            println!("still serving; ctrl-c stops");
            let _ = server.await;
        }
        _ = stop_signal() => {}
    }
    Ok(None)
}

/// `cifra replay`.
pub fn replay(args: &ReplayArgs) -> Result<ExitCode, CliError> {
    let mesas = read_mesas(&args.mesas, &args.columns, &args.columns.options, Some(&[]))?;
    let order: Vec<usize> = (0..mesas.mesas.len()).collect();
    let replay = &args.replay;
    let report = runtime()?.block_on(replay::run(replay, &mesas, &order, &[], |_| {}))?;
    for line in cifra_client::describe_replay(&report) {
        println!("{line}");
    }
    match &report.stopped {
        Some(replay::Stop::Failed(e)) => {
            eprintln!("cifra: error: the replay stopped: {e}");
            return Ok(ExitCode::from(2));
        }
        Some(replay::Stop::Refused(refusal)) => {
            let hint = if refusal.status == 409 {
                " (--on-conflict skip goes on past conflicts)"
            } else {
                ""
            };
            eprintln!("cifra: the replay stopped at the refusal of {refusal}{hint}");
        }
        None => {}
    }
    Ok(ExitCode::from(u8::from(!report.refused.is_empty())))
}

/// `cifra verify`: exit 0 when everything checks, 1 when a check fails (said why).
pub fn verify(args: &VerifyArgs) -> Result<ExitCode, CliError> {
    let key = args.key.as_deref().map(verify::read_key).transpose()?;
    let previous = args
        .previous
        .as_deref()
        .map(cifra_results::read_text)
        .transpose()?;
    let outcome = match (&args.url, &args.entries, &args.checkpoint) {
        (Some(url), _, _) => {
            let online = online::Online {
                url: url.clone(),
                key,
                previous,
                mesa: args.mesa.clone(),
                witnesses: args.quorum.witnesses.clone(),
                quorum: args.quorum.quorum,
            };
            runtime()?.block_on(online::run(&online))
        }
        (None, Some(entries), Some(checkpoint)) => {
            let key = key.ok_or_else(|| CliError::Usage("--key VKEY is needed offline".into()))?;
            let election = offline_election(args)?;
            let read = cifra_results::read_source;
            let (entries, note) = (read(entries)?, read(checkpoint)?);
            verify::offline(&election, &entries, &note, &key, previous.as_deref())
        }
        _ => {
            return Err(CliError::Usage(
                "verify needs --url URL, or --entries FILE --checkpoint FILE --key VKEY".into(),
            ))
        }
    };
    match outcome {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(cifra_client::ClientError::Failed(why)) => {
            eprintln!("cifra: verification FAILED: {why}");
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}
