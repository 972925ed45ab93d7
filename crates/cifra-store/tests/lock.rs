//! The log held for one appender (`Store::lock_log`): what it reads, what its append
//! writes, what releases it, and that appenders of one store or of two (two servers)
//! take turns without ever losing a round, on both backends.

mod common;

use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use cifra_store::{Store, StoreError};
use common::{assert_gap, assert_names, line, lines, record, records, spec, Place};

on_both!(
    a_lock_reads_the_lines_past_what_the_caller_knew_and_appends_after_them,
    a_dropped_lock_writes_nothing_and_releases_the_log,
    a_refused_append_through_a_lock_writes_nothing_and_releases_the_log,
    knowing_more_than_the_log_holds_is_a_gap,
    a_lock_holds_off_another_stores_appenders_until_it_appends,
    a_lock_holds_off_this_stores_other_appenders_until_it_appends,
    two_servers_taking_turns_on_the_log_never_lose_a_round,
    writers_sharing_one_store_taking_turns_never_lose_a_round,
    the_log_is_held_from_inside_a_tokio_runtime,
);

/// How long taking a free lock may take at most, however loaded the machine.
const AT_ONCE: Duration = Duration::from_secs(2);

/// How long a waiter is watched to see that it does wait.
const WATCHED: Duration = Duration::from_millis(500);

fn a_lock_reads_the_lines_past_what_the_caller_knew_and_appends_after_them(place: &dyn Place) {
    let store = place.create(&spec()).unwrap();
    let lock = store.lock_log(0).unwrap();
    assert!(lock.appended().is_empty(), "the empty log");
    lock.append(&records(0, 5, "w")).unwrap();
    assert_eq!(store.entries(0, 10).unwrap(), lines(0, 5, "w"));

    for known in 0..=5 {
        let lock = store.lock_log(known).unwrap();
        assert_eq!(lock.appended(), lines(known, 5, "w"), "known {known}");
    }
    // A caller that knew 2 entries catches up with 3 more and appends at 5.
    let lock = store.lock_log(2).unwrap();
    assert_eq!(lock.appended(), lines(2, 5, "w"));
    let next = 2 + lock.appended().len() as u64;
    lock.append(&records(next, next + 2, "x")).unwrap();
    let mut expected = lines(0, 5, "w");
    expected.extend(lines(5, 7, "x"));
    assert_eq!(store.size().unwrap(), 7);
    assert_eq!(store.entries(0, 100).unwrap(), expected);

    // An empty append writes nothing and releases the log.
    let lock = store.lock_log(7).unwrap();
    assert!(lock.appended().is_empty());
    lock.append(&[]).unwrap();
    let other = place.open().unwrap();
    let started = Instant::now();
    let lock = other.lock_log(7).unwrap();
    assert!(started.elapsed() < AT_ONCE, "{:?}", started.elapsed());
    lock.append(&records(7, 8, "y")).unwrap();
    expected.extend(lines(7, 8, "y"));
    assert_eq!(store.entries(0, 100).unwrap(), expected);

    // Durable: a store opened afresh reads it all.
    drop((store, other));
    assert_eq!(place.open().unwrap().entries(0, 100).unwrap(), expected);
}

fn a_dropped_lock_writes_nothing_and_releases_the_log(place: &dyn Place) {
    let store = place.create(&spec()).unwrap();
    store.append(&records(0, 3, "w")).unwrap();
    let other = place.open().unwrap();
    for _ in 0..3 {
        let lock = store.lock_log(1).unwrap();
        assert_eq!(lock.appended(), lines(1, 3, "w"));
        drop(lock);
        // Free at once, for this store's appenders and another's.
        let started = Instant::now();
        drop(other.lock_log(3).unwrap());
        drop(store.lock_log(3).unwrap());
        assert!(started.elapsed() < AT_ONCE, "{:?}", started.elapsed());
    }
    assert_eq!(store.size().unwrap(), 3);
    let started = Instant::now();
    other.append(&records(3, 4, "x")).unwrap();
    store.append(&records(4, 5, "w")).unwrap();
    assert!(started.elapsed() < AT_ONCE, "{:?}", started.elapsed());
    let mut expected = lines(0, 3, "w");
    expected.extend(lines(3, 4, "x"));
    expected.extend(lines(4, 5, "w"));
    assert_eq!(store.entries(0, 100).unwrap(), expected);
}

/// The checks of `Store::append` stay: records that do not continue the log are
/// refused, nothing is written and the log is free again.
fn a_refused_append_through_a_lock_writes_nothing_and_releases_the_log(place: &dyn Place) {
    let store = place.create(&spec()).unwrap();
    store.append(&records(0, 3, "w")).unwrap();
    let other = place.open().unwrap();

    // Ahead of the log; behind it; a slice that breaks off after its first records.
    let lock = store.lock_log(3).unwrap();
    assert_gap(lock.append(&records(4, 6, "x")).unwrap_err(), 3, 4);
    let lock = store.lock_log(3).unwrap();
    let error = lock.append(&records(2, 4, "x")).unwrap_err();
    assert_names(&error, &place.name());
    assert_gap(error, 3, 2);
    let lock = other.lock_log(3).unwrap();
    let mut batch = records(3, 6, "x");
    batch.push(record(7, "x"));
    assert_gap(lock.append(&batch).unwrap_err(), 6, 7);

    let started = Instant::now();
    let lock = other.lock_log(3).unwrap();
    assert!(started.elapsed() < AT_ONCE, "{:?}", started.elapsed());
    assert!(lock.appended().is_empty());
    lock.append(&records(3, 4, "y")).unwrap();
    let mut expected = lines(0, 3, "w");
    expected.extend(lines(3, 4, "y"));
    assert_eq!(store.entries(0, 100).unwrap(), expected);
}

fn knowing_more_than_the_log_holds_is_a_gap(place: &dyn Place) {
    let store = place.create(&spec()).unwrap();
    assert_gap(store.lock_log(1).err().unwrap(), 0, 1);
    store.append(&records(0, 3, "w")).unwrap();
    let error = store.lock_log(4).err().unwrap();
    assert_names(&error, &place.name());
    assert_gap(error, 3, 4);
    assert_gap(store.lock_log(u64::MAX).err().unwrap(), 3, u64::MAX);
    // Nothing is held after the refusal.
    let other = place.open().unwrap();
    let started = Instant::now();
    other.append(&records(3, 4, "x")).unwrap();
    let lock = other.lock_log(4).unwrap();
    assert!(started.elapsed() < AT_ONCE, "{:?}", started.elapsed());
    drop(lock);
    assert_eq!(store.size().unwrap(), 4);
}

/// Thread A holds the log; B's `lock_log` waits, then reads A's entries and appends
/// after them. Reads do not wait.
fn holds_off(holder: Arc<dyn Store>, waiter: Arc<dyn Store>) {
    holder.append(&records(0, 2, "w")).unwrap();
    let lock = holder.lock_log(2).unwrap();
    assert!(lock.appended().is_empty());

    let (seen, appended) = mpsc::channel();
    let (done, finished) = mpsc::channel();
    let b = {
        let waiter = Arc::clone(&waiter);
        thread::spawn(move || {
            let lock = waiter.lock_log(2).unwrap();
            seen.send(lock.appended().to_vec()).unwrap();
            let next = 2 + lock.appended().len() as u64;
            done.send(lock.append(&records(next, next + 1, "b")))
                .unwrap();
        })
    };
    assert!(
        appended.recv_timeout(WATCHED).is_err(),
        "lock_log did not wait for the holder"
    );
    // Reads do not wait for the holder, on either store.
    let started = Instant::now();
    assert_eq!(waiter.size().unwrap(), 2);
    assert_eq!(holder.entries(0, 10).unwrap(), lines(0, 2, "w"));
    assert!(started.elapsed() < AT_ONCE, "{:?}", started.elapsed());

    lock.append(&records(2, 5, "a")).unwrap();
    let seen = appended.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(seen, lines(2, 5, "a"), "B sees A's entries");
    finished
        .recv_timeout(Duration::from_secs(10))
        .unwrap()
        .unwrap();
    b.join().unwrap();

    let mut expected = lines(0, 2, "w");
    expected.extend(lines(2, 5, "a"));
    expected.extend(lines(5, 6, "b"));
    assert_eq!(holder.entries(0, 100).unwrap(), expected);
    assert_eq!(waiter.size().unwrap(), 6);
}

/// As two servers: two connections to one file, or two stores on one database.
fn a_lock_holds_off_another_stores_appenders_until_it_appends(place: &dyn Place) {
    let holder: Arc<dyn Store> = Arc::from(place.create(&spec()).unwrap());
    let waiter: Arc<dyn Store> = Arc::from(place.open().unwrap());
    holds_off(holder, waiter);
}

fn a_lock_holds_off_this_stores_other_appenders_until_it_appends(place: &dyn Place) {
    let store: Arc<dyn Store> = Arc::from(place.create(&spec()).unwrap());
    holds_off(Arc::clone(&store), store);
}

/// Writers under sustained load, as the servers' writers are: each round, hold the log,
/// catch up, append one record at the next index. Every round succeeds (the livelock
/// that retrying `append` on a gap ran into cannot happen), each writer's view of the
/// log is the log, and the log ends gap-free with every writer's records.
fn take_turns(stores: Vec<Arc<dyn Store>>) {
    const ROUNDS: u64 = 200;
    let start = Arc::new(Barrier::new(stores.len()));
    let writers: Vec<_> = stores
        .iter()
        .enumerate()
        .map(|(writer, store)| {
            let (store, start) = (Arc::clone(store), Arc::clone(&start));
            thread::spawn(move || {
                let name = format!("writer-{writer}");
                // The log as this writer has seen it.
                let mut view: Vec<String> = Vec::new();
                let mut mine = Vec::new();
                start.wait();
                for round in 0..ROUNDS {
                    let known = view.len() as u64;
                    let lock = store
                        .lock_log(known)
                        .unwrap_or_else(|error| panic!("{name}, round {round}: {error}"));
                    view.extend_from_slice(lock.appended());
                    let next = view.len() as u64;
                    lock.append(&[record(next, &name)])
                        .unwrap_or_else(|error| panic!("{name}, round {round}: {error}"));
                    view.push(line(next, &name));
                    mine.push(next);
                }
                (name, view, mine)
            })
        })
        .collect();
    let total = ROUNDS * stores.len() as u64;
    let results: Vec<_> = writers.into_iter().map(|w| w.join().unwrap()).collect();
    let log = stores[0].entries(0, u64::MAX).unwrap();
    assert_eq!(log.len() as u64, total);
    assert_eq!(stores[0].size().unwrap(), total);
    let mut written = vec![false; total as usize];
    for (name, view, mine) in results {
        assert_eq!(mine.len() as u64, ROUNDS, "{name}");
        assert_eq!(view, log[..view.len()], "{name}'s view is the log");
        for index in mine {
            assert_eq!(log[index as usize], line(index, &name));
            assert!(!written[index as usize], "entry {index} written twice");
            written[index as usize] = true;
        }
    }
    assert!(
        written.iter().all(|&w| w),
        "every entry by one of the writers"
    );
}

fn two_servers_taking_turns_on_the_log_never_lose_a_round(place: &dyn Place) {
    let first: Arc<dyn Store> = Arc::from(place.create(&spec()).unwrap());
    let second: Arc<dyn Store> = Arc::from(place.open().unwrap());
    take_turns(vec![first, second]);
}

fn writers_sharing_one_store_taking_turns_never_lose_a_round(place: &dyn Place) {
    let store: Arc<dyn Store> = Arc::from(place.create(&spec()).unwrap());
    take_turns(vec![Arc::clone(&store), store]);
}

/// As the server's handlers do: on a multi-threaded runtime's workers, and inside
/// `block_on`.
fn the_log_is_held_from_inside_a_tokio_runtime(place: &dyn Place) {
    let store: Arc<dyn Store> = Arc::from(place.create(&spec()).unwrap());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let lock = store.lock_log(0).unwrap();
        lock.append(&records(0, 2, "w")).unwrap();
        let tasks: Vec<_> = (0..4)
            .map(|task| {
                let store = Arc::clone(&store);
                tokio::spawn(async move {
                    let name = format!("task-{task}");
                    let known = store.size().unwrap();
                    let lock = store.lock_log(known).unwrap();
                    let next = known + lock.appended().len() as u64;
                    lock.append(&[record(next, &name)]).unwrap();
                    drop(store.lock_log(next + 1).unwrap());
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
    assert_eq!(store.size().unwrap(), 6);
    let error = runtime.block_on(async { store.lock_log(7).err().unwrap() });
    assert!(matches!(error, StoreError::Gap { .. }), "{error:?}");
}
