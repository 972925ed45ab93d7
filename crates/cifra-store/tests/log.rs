//! The log: appends in order or not at all, slices of entries, and writers racing, on
//! both backends.

mod common;

use std::sync::{Arc, Barrier};
use std::thread;

use cifra_store::{SqliteStore, Store, StoreError};
use common::{assert_gap, assert_names, line, lines, record, records, spec, Place};

on_both!(
    consecutive_appends_build_the_log,
    entries_are_sliced_and_clamped_to_the_size,
    the_empty_log_has_no_entries,
    an_append_that_does_not_continue_the_log_is_refused,
    an_append_that_fails_midway_writes_nothing,
    large_appends_persist,
    a_missing_entry_is_reported_as_corrupt,
    racing_writers_on_one_store_each_win_only_free_indexes,
    racing_writers_on_two_stores_of_one_election_each_win_only_free_indexes,
    readers_see_whole_appends_while_a_writer_appends,
);

fn consecutive_appends_build_the_log(place: &dyn Place) {
    let store = place.create(&spec()).unwrap();
    store.append(&records(0, 5, "w")).unwrap();
    store.append(&[]).unwrap();
    store.append(&records(5, 6, "w")).unwrap();
    store.append(&records(6, 12, "w")).unwrap();
    assert_eq!(store.size().unwrap(), 12);
    assert_eq!(store.entries(0, 12).unwrap(), lines(0, 12, "w"));
}

fn entries_are_sliced_and_clamped_to_the_size(place: &dyn Place) {
    let store = place.create(&spec()).unwrap();
    store.append(&records(0, 12, "w")).unwrap();
    assert_eq!(store.entries(3, 7).unwrap(), lines(3, 7, "w"));
    assert_eq!(store.entries(11, 12).unwrap(), lines(11, 12, "w"));
    assert_eq!(store.entries(10, 100).unwrap(), lines(10, 12, "w"));
    assert_eq!(store.entries(0, u64::MAX).unwrap(), lines(0, 12, "w"));
    for (from, to) in [(12, 20), (7, 3), (5, 5), (u64::MAX - 1, u64::MAX), (0, 0)] {
        assert!(store.entries(from, to).unwrap().is_empty(), "{from}..{to}");
    }
}

fn the_empty_log_has_no_entries(place: &dyn Place) {
    let store = place.create(&spec()).unwrap();
    assert_eq!(store.size().unwrap(), 0);
    assert!(store.entries(0, 10).unwrap().is_empty());
}

fn an_append_that_does_not_continue_the_log_is_refused(place: &dyn Place) {
    let store = place.create(&spec()).unwrap();
    store.append(&records(0, 3, "w")).unwrap();
    // Ahead of the log, then behind it (an index already taken).
    assert_gap(store.append(&records(4, 6, "x")).unwrap_err(), 3, 4);
    let error = store.append(&records(2, 5, "x")).unwrap_err();
    assert_names(&error, &place.name());
    assert_gap(error, 3, 2);
    assert_eq!(store.size().unwrap(), 3);
    assert_eq!(store.entries(0, 10).unwrap(), lines(0, 3, "w"));
}

fn an_append_that_fails_midway_writes_nothing(place: &dyn Place) {
    let store = place.create(&spec()).unwrap();
    store.append(&records(0, 3, "w")).unwrap();
    // Entries 3, 4 and 5 come before the repeated 5 is found.
    let mut batch = records(3, 6, "x");
    batch.extend(records(5, 7, "x"));
    assert_gap(store.append(&batch).unwrap_err(), 6, 5);
    assert_eq!(store.size().unwrap(), 3);
    assert_eq!(store.entries(0, 10).unwrap(), lines(0, 3, "w"));

    // The same with a large batch that goes wrong at its very end.
    let mut batch = records(3, 10_003, "x");
    batch.push(record(10_004, "x"));
    assert_gap(store.append(&batch).unwrap_err(), 10_003, 10_004);
    assert_eq!(store.size().unwrap(), 3);

    // The transaction was rolled back, not left open: the log goes on from 3.
    store.append(&records(3, 5, "y")).unwrap();
    let mut expected = lines(0, 3, "w");
    expected.extend(lines(3, 5, "y"));
    assert_eq!(store.entries(0, 10).unwrap(), expected);
}

fn large_appends_persist(place: &dyn Place) {
    let store = place.create(&spec()).unwrap();
    store.append(&records(0, 10_000, "w")).unwrap();
    store.append(&records(10_000, 20_000, "w")).unwrap();
    drop(store);
    let store = place.open().unwrap();
    assert_eq!(store.size().unwrap(), 20_000);
    assert_eq!(store.entries(0, 20_000).unwrap(), lines(0, 20_000, "w"));
}

fn a_missing_entry_is_reported_as_corrupt(place: &dyn Place) {
    let store = place.create(&spec()).unwrap();
    store.append(&records(0, 5, "w")).unwrap();
    place.tamper("DELETE FROM entries WHERE idx = 2");
    let error = store.entries(0, 5).unwrap_err();
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
    assert!(
        error.to_string().contains("log entry 2 is missing"),
        "{error}"
    );
    drop(store);
    let error = place.open().err().unwrap();
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
    assert_names(&error, &place.name());
}

/// Two writers read the size together, then both append at it: every round, exactly
/// one wins and the other is told the log has moved on. The log ends gap-free, each
/// entry the winner's.
fn race(first: Arc<dyn Store>, second: Arc<dyn Store>) {
    const ROUNDS: u64 = 100;
    let log = Arc::clone(&first);
    let barrier = Arc::new(Barrier::new(2));
    let writers = [(first, "a"), (second, "b")].map(|(store, name)| {
        let barrier = Arc::clone(&barrier);
        thread::spawn(move || {
            let mut won = Vec::new();
            for round in 0..ROUNDS {
                barrier.wait();
                let size = store.size().unwrap();
                assert_eq!(size, round * 2, "round {round} starts after every append");
                barrier.wait();
                // Two records per append: the loser's first index is the winner's first.
                match store.append(&records(size, size + 2, name)) {
                    Ok(()) => won.push(size),
                    Err(error) => assert_gap(error, size + 2, size),
                }
                barrier.wait();
            }
            (name, won)
        })
    });
    let results = writers.map(|writer| writer.join().unwrap());
    let wins: usize = results.iter().map(|(_, won)| won.len()).sum();
    assert_eq!(wins, ROUNDS as usize, "one winner per round");

    let mut expected = vec![String::new(); (ROUNDS * 2) as usize];
    for (name, won) in &results {
        for &start in won {
            for index in start..start + 2 {
                expected[index as usize] = line(index, name);
            }
        }
    }
    assert_eq!(log.size().unwrap(), ROUNDS * 2);
    assert_eq!(log.entries(0, u64::MAX).unwrap(), expected);
}

fn racing_writers_on_one_store_each_win_only_free_indexes(place: &dyn Place) {
    let store: Arc<dyn Store> = Arc::from(place.create(&spec()).unwrap());
    race(Arc::clone(&store), store);
}

/// As two servers would: two connections to one file, or two stores on one database.
fn racing_writers_on_two_stores_of_one_election_each_win_only_free_indexes(place: &dyn Place) {
    let first: Arc<dyn Store> = Arc::from(place.create(&spec()).unwrap());
    let second: Arc<dyn Store> = Arc::from(place.open().unwrap());
    race(first, second);
}

fn readers_see_whole_appends_while_a_writer_appends(place: &dyn Place) {
    const APPENDS: u64 = 200;
    const BATCH: u64 = 5;
    let store: Arc<dyn Store> = Arc::from(place.create(&spec()).unwrap());
    let writer = {
        let store = Arc::clone(&store);
        thread::spawn(move || {
            for batch in 0..APPENDS {
                store
                    .append(&records(batch * BATCH, (batch + 1) * BATCH, "w"))
                    .unwrap();
            }
        })
    };
    // More readers than the pool keeps idle, each checking every read is a prefix of
    // the log made of whole appends, never shorter than a size seen before it.
    let readers: Vec<_> = (0..8)
        .map(|_| {
            let store = Arc::clone(&store);
            thread::spawn(move || {
                let all = lines(0, APPENDS * BATCH, "w");
                let mut reads = 0;
                loop {
                    let size = store.size().unwrap();
                    let entries = store.entries(0, u64::MAX).unwrap();
                    assert!(entries.len() as u64 >= size);
                    assert_eq!(entries.len() as u64 % BATCH, 0, "half an append seen");
                    assert_eq!(entries, all[..entries.len()]);
                    reads += 1;
                    if entries.len() == all.len() {
                        return reads;
                    }
                }
            })
        })
        .collect();
    writer.join().unwrap();
    for reader in readers {
        assert!(reader.join().unwrap() >= 1);
    }
    assert_eq!(store.size().unwrap(), APPENDS * BATCH);
}

#[test]
fn sqlite_reads_do_not_wait_for_an_open_write_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("election.db");
    let store = SqliteStore::create(&path, &spec()).unwrap();
    store.append(&records(0, 3, "w")).unwrap();
    // Another connection (another process, say) holds an exclusive lock with an
    // uncommitted entry 3.
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    other
        .execute(
            "INSERT INTO entries (idx, mesa, version, line) VALUES (3, 'm', 1, 'uncommitted')",
            [],
        )
        .unwrap();
    // With a rollback journal these reads would fail (or wait out the busy timeout).
    assert_eq!(store.size().unwrap(), 3);
    assert_eq!(store.entries(0, 10).unwrap(), lines(0, 3, "w"));
    assert_eq!(store.election().unwrap(), spec());
    other.execute_batch("ROLLBACK").unwrap();
}
