//! `cifra witness` as a real process: init, the add-checkpoint protocol over HTTP, and
//! SIGKILL in the middle of concurrent requests from two histories: after a restart
//! the witness never cosigns two roots for one size, nor goes back below a size it
//! cosigned.

mod common;

use cifra_log::{leaf_hash, Checkpoint, NoteSigner, Tree};
use cifra_witness::cosignature::split_note;
use cifra_witness::{AddCheckpoint, CosignatureVerifier};
use common::{announced_url, cifra, http, CIFRA};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const ORIGIN: &str = "cifra.test/witnessed";
const FORK: u64 = 4;
const TOP: u64 = 300;

fn log_signer() -> NoteSigner {
    NoteSigner::new(ORIGIN, [5; 32]).unwrap()
}

/// History `a`, or history `b` (the same first FORK entries, then others).
fn history(b: bool) -> Tree {
    let mut tree = Tree::new();
    for i in 0..TOP {
        let line = if b && i >= FORK {
            format!("b{i}")
        } else {
            format!("a{i}")
        };
        tree.push(leaf_hash(line.as_bytes()));
    }
    tree
}

fn body(tree: &Tree, old: u64, size: u64) -> String {
    let checkpoint = Checkpoint {
        origin: ORIGIN.into(),
        size,
        root: tree.root_at(size).unwrap(),
    };
    let note = log_signer().sign(&checkpoint.body()).unwrap();
    let proof = if old == 0 {
        vec![]
    } else {
        tree.consistency_proof(old, size).unwrap()
    };
    AddCheckpoint {
        old_size: old,
        proof,
        checkpoint: note,
    }
    .to_body()
}

fn start(state: &Path) -> (Child, String) {
    let mut child = Command::new(CIFRA)
        .args(["witness", "serve", "--listen", "127.0.0.1:0", "--state"])
        .arg(state)
        .args(["--log", &log_signer().verifier_key()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let url = announced_url(&mut child);
    (child, url.trim_start_matches("http://").to_owned())
}

fn post(address: &str, body: &str) -> Option<(u16, String)> {
    http(
        address,
        "POST /add-checkpoint HTTP/1.1",
        body.as_bytes(),
        Duration::from_secs(5),
    )
}

fn init(state: &Path) -> CosignatureVerifier {
    let (ok, stdout, stderr) = cifra(&[
        "witness",
        "init",
        "--state",
        &state.to_string_lossy(),
        "--name",
        "w.test",
    ]);
    assert!(ok, "{stderr}");
    CosignatureVerifier::parse(stdout.trim()).unwrap()
}

#[test]
fn the_protocol_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("w");
    let verifier = init(&state);
    // A second init keeps the key.
    let (ok, _, stderr) = cifra(&[
        "witness",
        "init",
        "--state",
        &state.to_string_lossy(),
        "--name",
        "w.test",
    ]);
    assert!(!ok && stderr.contains("already"), "{stderr}");
    let (mut child, address) = start(&state);
    let a = history(false);
    let (status, line) = post(&address, &body(&a, 0, 10)).unwrap();
    assert_eq!(status, 200, "{line}");
    let checkpoint = Checkpoint {
        origin: ORIGIN.into(),
        size: 10,
        root: a.root_at(10).unwrap(),
    };
    assert!(verifier
        .verify_line(&checkpoint.body(), line.trim_end())
        .unwrap()
        .is_some());
    // A body no checkpoint and proof need is refused unread: 413.
    let huge = "x".repeat(cifra_witness::server::MAX_BODY + 1);
    let (status, _) = post(&address, &huge).unwrap();
    assert_eq!(status, 413);
    // 409 with the size, as text/x.tlog.size.
    let raw = {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(&address).unwrap();
        let b = body(&a, 0, 12);
        write!(s, "POST /add-checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{b}", b.len()).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    };
    assert!(raw.starts_with("HTTP/1.1 409"), "{raw}");
    assert!(
        raw.to_lowercase()
            .contains("content-type: text/x.tlog.size"),
        "{raw}"
    );
    assert!(raw.ends_with("\r\n\r\n10\n"), "{raw}");
    // Another history from 10: 422. An unknown log: 404. Another key: 403.
    assert_eq!(
        post(&address, &body(&history(true), 10, 12)).unwrap().0,
        422
    );
    let stranger = NoteSigner::new("someone.else/log", [6; 32]).unwrap();
    let note = stranger
        .sign(&checkpoint.body().replace(ORIGIN, "someone.else/log"))
        .unwrap();
    let req = AddCheckpoint {
        old_size: 0,
        proof: vec![],
        checkpoint: note,
    }
    .to_body();
    assert_eq!(post(&address, &req).unwrap().0, 404);
    let impostor = NoteSigner::new(ORIGIN, [7; 32]).unwrap();
    let req = AddCheckpoint {
        old_size: 10,
        proof: vec![],
        checkpoint: impostor.sign(&checkpoint.body()).unwrap(),
    }
    .to_body();
    assert_eq!(post(&address, &req).unwrap().0, 403);
    // The monitoring endpoint: the latest checkpoint, with both signatures.
    let origin_hash = cifra_witness::server::origin_hash(ORIGIN);
    let (status, note) = http(
        &address,
        &format!("GET /{origin_hash}/checkpoint HTTP/1.1"),
        b"",
        Duration::from_secs(5),
    )
    .unwrap();
    assert_eq!(status, 200);
    assert!(verifier.verify_note(&note).is_ok(), "{note}");
    assert_eq!(split_note(&note).unwrap().0, checkpoint.body());
    let _ = child.kill();
    let _ = child.wait();
}

/// What the clients saw: every cosignature (size → roots) and the largest size cosigned.
#[derive(Default)]
struct Seen {
    cosigned: BTreeMap<u64, Vec<([u8; 32], String)>>,
}

/// One client thread: pushes checkpoints of one history, learning the witness's size
/// from its 409s, until `stop`.
fn client(
    address: Arc<Mutex<String>>,
    b: bool,
    seen: Arc<Mutex<Seen>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
) {
    let tree = history(b);
    let mut known = 0u64;
    let mut step = 1 + b as u64;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        step = step % 3 + 1;
        let size = (known + step).min(TOP);
        let address = address.lock().unwrap().clone();
        match post(&address, &body(&tree, known, size)) {
            Some((200, line)) => {
                seen.lock()
                    .unwrap()
                    .cosigned
                    .entry(size)
                    .or_default()
                    .push((tree.root_at(size).unwrap(), line));
                known = size;
                if size == TOP {
                    return;
                }
            }
            Some((409, text)) => known = text.trim().parse().unwrap(),
            Some((422, _)) => std::thread::sleep(Duration::from_millis(5)),
            Some((status, text)) => panic!("{status}: {text}"),
            None => std::thread::sleep(Duration::from_millis(20)), // the witness is down
        }
    }
}

#[test]
fn sigkill_mid_request_never_yields_two_roots_for_one_size() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("w");
    let verifier = init(&state);
    let (mut child, address) = start(&state);
    let address = Arc::new(Mutex::new(address));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let threads: Vec<_> = (0..6)
        .map(|i| {
            let (a, s, st) = (Arc::clone(&address), Arc::clone(&seen), Arc::clone(&stop));
            std::thread::spawn(move || client(a, i % 2 == 1, s, st))
        })
        .collect();
    // Kill it three times while the clients hammer it, restarting on the same state.
    let mut before_kill = 0;
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(400));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        before_kill = seen
            .lock()
            .unwrap()
            .cosigned
            .keys()
            .last()
            .copied()
            .unwrap_or(0);
        let (c, a) = start(&state);
        child = c;
        // Never back below a size it cosigned: old size 0 is answered 409 with it.
        match post(&a, &body(&history(false), 0, 1)).unwrap() {
            (409, size) => assert!(
                size.trim().parse::<u64>().unwrap() >= before_kill,
                "{size} < {before_kill}"
            ),
            (status, text) => assert!(before_kill == 0, "{status} {text}"),
        }
        *address.lock().unwrap() = a;
    }
    std::thread::sleep(Duration::from_millis(400));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let _ = child.kill();
    let _ = child.wait();
    let seen = seen.lock().unwrap();
    assert!(
        seen.cosigned.len() > 10 && before_kill > 0,
        "too few cosignatures to mean anything: {:?}",
        seen.cosigned.keys()
    );
    let (a, b) = (history(false), history(true));
    let mut on_b = None;
    for (size, roots) in &seen.cosigned {
        let first = roots[0].0;
        for (root, line) in roots {
            assert_eq!(*root, first, "two roots cosigned for size {size}");
            let body = Checkpoint {
                origin: ORIGIN.into(),
                size: *size,
                root: *root,
            }
            .body();
            assert!(verifier
                .verify_line(&body, line.trim_end())
                .unwrap()
                .is_some());
        }
        // Past the fork, every cosigned root is of one history only.
        if *size > FORK {
            let this = first == b.root_at(*size).unwrap();
            assert!(this || first == a.root_at(*size).unwrap());
            assert_eq!(
                *on_b.get_or_insert(this),
                this,
                "both histories cosigned past the fork"
            );
        }
    }
}
