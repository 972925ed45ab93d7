//! How many log records per second `SqliteStore::append` writes, in batches as the
//! server's group commit makes them. Each append is one durable commit (fsync).
//!
//! ```text
//! cargo run --release -p cifra-store --example append_throughput [BATCHES] [BATCH_SIZE] [DIR]
//! ```
//!
//! Defaults: 100 batches of 10,000 records, in a temporary directory (give DIR to
//! measure another disk). Lines are about the size of a canonical acta entry.

use std::path::PathBuf;
use std::time::Instant;

use cifra_store::{ElectionSpec, Mesa, Record, SqliteStore, Store};

const MESAS: u64 = 46_606;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let batches: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(100);
    let batch_size: u64 = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10_000);
    let dir = match args.next() {
        Some(dir) => tempfile::tempdir_in(PathBuf::from(dir))?,
        None => tempfile::tempdir()?,
    };
    let path = dir.path().join("election.db");

    let started = Instant::now();
    let store = SqliteStore::create(&path, &spec())?;
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
    let store = SqliteStore::open(&path)?;
    println!(
        "open with {} entries: {:.3} s",
        store.size()?,
        started.elapsed().as_secs_f64()
    );
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

/// A record whose line is shaped like an acta entry (about 380 bytes).
fn record(index: u64) -> Record {
    let mesa = format!("C{}/{}", (index % MESAS) / 50, index % 50);
    let line = format!(
        r#"{{"acta":{{"mesa":"{mesa}","votes":{{"a":{},"b":{},"c":{},"d":{},"e":{},"f":{},"g":{},"blank":{},"null":{}}}}},"index":{index},"received":"2021-11-21T21:{:02}:{:02}Z","sha256":"{:064x}","submitter":"{:016x}","version":1}}"#,
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
        version: 1,
        line,
    }
}
