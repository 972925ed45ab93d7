//! How many log records per second `Store::append` writes, in batches as the server's
//! group commit makes them. Each append is one durable commit: an fsync for SQLite, a
//! PostgreSQL commit (write-ahead log flushed, `synchronous_commit = on`).
//!
//! ```text
//! cargo run --release -p cifra-store --example append_throughput [BATCHES] [BATCH_SIZE] [DIR | URL]
//! ```
//!
//! Defaults: 100 batches of 10,000 records, in a SQLite file in a temporary directory
//! (give DIR to measure another disk). Given a `postgres://` URL instead, the election
//! is created in that database, which must hold none, and removed from it at the end
//! (its `cifra` schema is dropped). Lines are about the size of a canonical acta entry.
//!
//! ```text
//! cargo run --release -p cifra-store --example append_throughput 100 10000 postgres://postgres@127.0.0.1/bench
//! cargo run --release -p cifra-store --example append_throughput 2000 1 postgres://postgres@127.0.0.1/bench
//! ```

use std::path::PathBuf;
use std::time::Instant;

use cifra_store::{ElectionSpec, Mesa, Record};

const MESAS: u64 = 46_606;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let batches: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(100);
    let batch_size: u64 = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10_000);
    let place = args.next();
    let postgres = place
        .as_deref()
        .filter(|place| place.starts_with("postgres://") || place.starts_with("postgresql://"));
    let dir = match (&place, postgres) {
        (_, Some(_)) => None,
        (Some(dir), None) => Some(tempfile::tempdir_in(PathBuf::from(dir))?),
        (None, None) => Some(tempfile::tempdir()?),
    };
    let address = match (postgres, &dir) {
        (Some(url), _) => url.to_string(),
        (None, Some(dir)) => dir.path().join("election.db").display().to_string(),
        (None, None) => unreachable!("a directory is made when no URL is given"),
    };
    let mut created = false;
    let result = measure(&address, batches, batch_size, &mut created);
    // Only what this run created: never an election that was there before.
    if let (Some(url), true) = (postgres, created) {
        drop_election(url)?;
    }
    result
}

/// Creates the election at `address` (then sets `created`), appends, reads, reopens.
fn measure(
    address: &str,
    batches: u64,
    batch_size: u64,
    created: &mut bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let store = cifra_store::create(address, &spec())?;
    *created = true;
    println!(
        "create with {MESAS} mesas: {:.3} s",
        started.elapsed().as_secs_f64()
    );

    let mut slowest = 0f64;
    let started = Instant::now();
    for batch in 0..batches {
        let from = batch * batch_size;
        let records: Vec<Record> = (from..from + batch_size).map(record).collect();
        let call = Instant::now();
        store.append(&records)?;
        slowest = slowest.max(call.elapsed().as_secs_f64());
    }
    let seconds = started.elapsed().as_secs_f64();
    let total = batches * batch_size;
    println!(
        "append: {total} records in {batches} calls of {batch_size}: {seconds:.3} s, {:.0} records/s, slowest call {:.1} ms (building the records included)",
        total as f64 / seconds,
        slowest * 1e3
    );

    let started = Instant::now();
    let lines = store.entries(0, total)?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "entries(0, {total}): {} lines in {seconds:.3} s, {:.0} lines/s",
        lines.len(),
        lines.len() as f64 / seconds
    );

    // open checks the whole log is there (one pass over the entries table).
    drop(store);
    let started = Instant::now();
    let store = cifra_store::open(address)?;
    println!(
        "open with {} entries: {:.3} s",
        store.size()?,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Removes what `measure` created in a PostgreSQL database.
fn drop_election(url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
        tokio::spawn(connection);
        client
            .batch_execute("DROP SCHEMA IF EXISTS cifra CASCADE")
            .await
    })?;
    Ok(())
}

fn spec() -> ElectionSpec {
    ElectionSpec {
        name: "cifra.example/throughput".into(),
        system: "cl-presidential".into(),
        options: ["a", "b", "c", "d", "e", "f", "g", "blank", "null"]
            .map(String::from)
            .to_vec(),
        id_columns: vec!["circunscripcion".into(), "mesa".into()],
        territory_columns: vec!["region".into(), "circunscripcion".into()],
        mesas: (0..MESAS)
            .map(|i| Mesa {
                id: format!("C{}/{}", i / 50, i % 50),
                territory: vec![format!("REGION {}", i % 16), format!("C{}", i / 50)],
                electors: Some(350),
            })
            .collect(),
        signing_key: [1; 32],
    }
}

/// A record whose line is shaped like an acta entry (about 380 bytes): mesa after mesa
/// of the spec, each time round a new version of its acta (a log records a mesa's acta
/// version once).
fn record(index: u64) -> Record {
    let position = index % MESAS;
    let mesa = format!("C{}/{}", position / 50, position % 50);
    let version = u32::try_from(index / MESAS + 1).expect("fewer than 2^32 versions of an acta");
    let line = format!(
        r#"{{"acta":{{"mesa":"{mesa}","votes":{{"a":{},"b":{},"c":{},"d":{},"e":{},"f":{},"g":{},"blank":{},"null":{}}}}},"index":{index},"received":"2021-11-21T21:{:02}:{:02}Z","sha256":"{:064x}","submitter":"{:016x}","version":{version}}}"#,
        index % 97,
        index % 89,
        index % 83,
        index % 79,
        index % 73,
        index % 71,
        index % 67,
        index % 5,
        index % 7,
        index / 60 % 60,
        index % 60,
        u128::from(index) * 0x9E37_79B9_7F4A_7C15,
        index.wrapping_mul(0x9E37_79B9),
    );
    Record {
        index,
        mesa,
        version,
        line,
    }
}
