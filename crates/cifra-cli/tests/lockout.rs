//! No lock-out: a `cifra serve` under the common soft and hard limit of 1,024 open files
//! (`prlimit --nofile=1024:1024`), with 1,500 event streams asked for, answers every one
//! of them at once (200, or 503 past its cap: never a connection left hanging) and still
//! answers results (200) and takes an acta (201). Alone in its file so that no other
//! test of the binary runs beside it.

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// Event streams asked for: more than the server has descriptors.
const STREAMS: usize = 1_500;
/// A generous wait for an answer: only a connection left hanging misses it.
const WAIT: Duration = Duration::from_secs(10);

/// Asks for the event stream on a new connection; the connection (kept open, as a
/// viewer's) and the status of its answer, `None` if none came within [`WAIT`].
fn open_stream(address: &str) -> (Option<TcpStream>, Option<u16>) {
    let Ok(mut stream) = TcpStream::connect(address) else {
        return (None, None);
    };
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let request = format!("GET /api/v1/events HTTP/1.1\r\nHost: {address}\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return (None, None);
    }
    let mut head = Vec::new();
    let mut byte = [0u8];
    while !head.ends_with(b"\r\n") && head.len() < 100 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    let status = String::from_utf8_lossy(&head)
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok());
    (Some(stream), status)
}

#[test]
fn fifteen_hundred_event_streams_lock_nobody_out_under_1024_open_files() {
    let dir = tempfile::tempdir().unwrap();
    let (db, token) = small_election(dir.path());
    let server = Server::start_under(&["prlimit", "--nofile=1024:1024", "--"], &db);
    let address = server.address().to_string();

    let mut viewers = Vec::with_capacity(STREAMS);
    let (mut streaming, mut refused, mut hanging) = (0, 0, 0);
    for _ in 0..STREAMS {
        let (stream, status) = open_stream(&address);
        match status {
            Some(200) => streaming += 1,
            Some(503) => refused += 1,
            _ => hanging += 1,
        }
        viewers.extend(stream);
    }
    assert_eq!(
        hanging, 0,
        "{hanging} of {STREAMS} streams had no answer ({streaming} streaming, {refused} refused)"
    );
    assert!(streaming >= 500, "only {streaming} streams were admitted");
    assert!(
        refused > 0,
        "{streaming} streams admitted under 1,024 descriptors"
    );

    // With every viewer still connected, results and intake are answered.
    let results = http(&address, "GET /api/v1/results HTTP/1.1", b"", WAIT);
    assert_eq!(results.as_ref().map(|a| a.0), Some(200), "{results:?}");
    let head = format!(
        "POST /api/v1/actas HTTP/1.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json"
    );
    let acta = br#"{"mesa":"M1","votes":{"a":10,"b":5,"blank":1,"null":0}}"#;
    let answer = http(&address, &head, acta, WAIT);
    assert_eq!(answer.as_ref().map(|a| a.0), Some(201), "{answer:?}");
    drop(viewers);
}
