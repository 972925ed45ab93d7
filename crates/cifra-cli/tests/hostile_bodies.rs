//! Hostile acta bodies against a real `cifra serve`: an 8 MiB body of `[0,0,…]` or
//! `[{},{},…]` from a valid token costs the server little memory (its peak resident
//! memory, VmHWM, grows by at most 64 MB), and results keep being answered while four
//! clients send such bodies in a loop. Alone in its file so that no other test of the
//! binary runs beside it (the memory is the child's, but the machine is shared).

mod common;

use common::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const MIB: usize = 1024 * 1024;
/// The growth of the server's peak memory one hostile body may cause.
const BOUND: u64 = 64 * MIB as u64;
/// A generous wait for an answer: only a server that stopped answering misses it.
const WAIT: Duration = Duration::from_secs(20);

/// `[item,item,…]` of about `bytes`.
fn array_of(item: &str, bytes: usize) -> Vec<u8> {
    let mut body = Vec::with_capacity(bytes + item.len() + 1);
    body.push(b'[');
    while body.len() + item.len() + 1 < bytes {
        body.extend_from_slice(item.as_bytes());
        body.push(b',');
    }
    body.extend_from_slice(item.as_bytes());
    body.push(b']');
    body
}

fn post(address: &str, token: &str, body: &[u8]) -> Option<(u16, String)> {
    let head = format!(
        "POST /api/v1/actas HTTP/1.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json"
    );
    http(address, &head, body, WAIT)
}

#[test]
fn hostile_bodies_cost_bounded_memory_and_do_not_stall_results() {
    let dir = tempfile::tempdir().unwrap();
    let (db, token) = small_election(dir.path());
    let server = Server::start(&db);
    let address = server.address().to_string();

    // Warm up: one real acta and a results read, so the idle peak is a working one.
    let acta = br#"{"mesa":"M1","votes":{"a":10,"b":5,"blank":1,"null":0}}"#;
    assert_eq!(post(&address, &token, acta).map(|a| a.0), Some(201));
    let results = || http(&address, "GET /api/v1/results HTTP/1.1", b"", WAIT);
    assert_eq!(results().map(|a| a.0), Some(200));

    for item in ["0", "{}"] {
        let idle = server.peak_memory();
        let body = array_of(item, 8 * MIB - 16);
        let answer = post(&address, &token, &body).expect("an answer to a hostile body");
        assert_eq!(answer.0, 413, "[{item},…]: {}", answer.1);
        let peak = server.peak_memory();
        assert!(
            peak <= idle + BOUND,
            "[{item},…] of 8 MiB took the server's peak memory from {} MB to {} MB",
            idle / MIB as u64,
            peak / MIB as u64
        );
    }

    // Four clients send hostile bodies in a loop; results are still answered, while
    // they send at least two bodies each.
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let body = Arc::new(array_of("0", 8 * MIB - 16));
    let senders: Vec<_> = (0..4)
        .map(|_| {
            let (address, token) = (address.clone(), token.clone());
            let (stop, sent, body) = (Arc::clone(&stop), Arc::clone(&sent), Arc::clone(&body));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let answer = post(&address, &token, &body).map(|a| a.0);
                    // 413, or 503 when the token already has every intake turn.
                    assert!(matches!(answer, Some(413 | 503)), "{answer:?}");
                    sent.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let mut reads = 0;
    while reads < 20 || sent.load(Ordering::Relaxed) < 8 {
        assert_eq!(
            results().map(|a| a.0),
            Some(200),
            "results under hostile bodies"
        );
        reads += 1;
        assert!(
            reads < 2_000,
            "the hostile clients sent only {sent:?} bodies"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Relaxed);
    for sender in senders {
        sender.join().unwrap();
    }
    // And intake still takes a real acta.
    let acta = br#"{"mesa":"M2","votes":{"a":1,"b":2,"blank":0,"null":0}}"#;
    assert_eq!(post(&address, &token, acta).map(|a| a.0), Some(201));
}
