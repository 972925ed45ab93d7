//! Durability: what `append` acknowledged survives its process being killed (SIGKILL)
//! at any moment, and the log it leaves is gap-free, on both backends.
//!
//! The test binary plays both parts: run normally, the test starts itself again as the
//! writer (the environment variable holds the database's address), reads the writer's
//! acknowledgements as they come, kills it, then reopens the database.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

use common::{line, records, spec, Place};

const WRITER_DB: &str = "CIFRA_STORE_TEST_WRITER_DB";
/// Acknowledgements the parent waits for before killing the writer.
const ACKS_BEFORE_KILL: usize = 300;
/// Where the writer stops if nobody kills it (the parent died, say).
const WRITER_LIMIT: u64 = 1_000_000;

#[test]
fn acknowledged_appends_survive_sigkill_sqlite() {
    match std::env::var(WRITER_DB) {
        Ok(address) => write_until_killed(&address),
        Err(_) => kill_a_writer_and_check_its_log(
            &common::sqlite(),
            "acknowledged_appends_survive_sigkill_sqlite",
        ),
    }
}

#[test]
fn acknowledged_appends_survive_sigkill_postgres() {
    match std::env::var(WRITER_DB) {
        Ok(address) => write_until_killed(&address),
        Err(_) => kill_a_writer_and_check_its_log(
            &common::postgres(),
            "acknowledged_appends_survive_sigkill_postgres",
        ),
    }
}

/// The child: appends batches of 1 to 40 records, printing the last index of each
/// after `append` returned.
fn write_until_killed(address: &str) {
    let store = cifra_store::open(address).unwrap();
    let mut stdout = std::io::stdout().lock();
    let mut size = store.size().unwrap();
    for batch in 0.. {
        if size >= WRITER_LIMIT {
            break;
        }
        let count = 1 + batch % 40;
        store.append(&records(size, size + count, "child")).unwrap();
        size += count;
        // Not print!: the test harness may capture that; this goes straight out.
        writeln!(stdout, "ACK {}", size - 1).unwrap();
        stdout.flush().unwrap();
    }
}

/// The parent; `test` is the test's name, which the child runs.
fn kill_a_writer_and_check_its_log(place: &dyn Place, test: &str) {
    drop(place.create(&spec()).unwrap());

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(WRITER_DB, place.address())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut acks = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acknowledged = None;
    let mut count = 0;
    for line in acks.by_ref() {
        if let Some(index) = line.unwrap().strip_prefix("ACK ") {
            acknowledged = Some(index.parse::<u64>().unwrap());
            count += 1;
            if count == ACKS_BEFORE_KILL {
                break;
            }
        }
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    // Acknowledgements already in the pipe when the writer died count too.
    for line in acks {
        if let Some(index) = line.unwrap().strip_prefix("ACK ") {
            acknowledged = Some(index.parse::<u64>().unwrap());
            count += 1;
        }
    }
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        count >= ACKS_BEFORE_KILL,
        "the writer stopped after {count} appends ({status}): {stderr}"
    );
    assert!(!status.success(), "the writer was not killed: {status}");
    let acknowledged = acknowledged.unwrap();

    let store = place.open().unwrap();
    let size = store.size().unwrap();
    assert!(
        size > acknowledged,
        "entry {acknowledged} was acknowledged, the log has {size} entries"
    );
    // Every entry is there, in order, as written (entries reports a hole as Corrupt).
    let expected: Vec<String> = (0..size).map(|index| line(index, "child")).collect();
    assert_eq!(store.entries(0, size).unwrap(), expected);
    // And the log goes on.
    store.append(&records(size, size + 1, "parent")).unwrap();
    assert_eq!(store.size().unwrap(), size + 1);
}
