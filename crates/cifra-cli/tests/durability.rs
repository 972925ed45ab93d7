//! "A 2xx answer means the acta is on disk", checked where a power loss would test it:
//! `cifra serve` runs under `strace`, and every 2xx answer to an acta must be written to
//! its socket only after the acta was written to the database (or its WAL) and that
//! same file was then synced (fsync or fdatasync). Killing the process would not show
//! it: the page cache survives a kill, not a power loss.
//!
//! The same check on a server started with `--unsafe-no-fsync` (SQLite's
//! `synchronous=OFF`) must find the violation: the check can fail.
//!
//! Needs Debian's strace (`./test` installs it). Alone in its file, so no other test of
//! the binary runs beside it.

mod common;

use common::CIFRA;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Actas sent, one request each.
const ACTAS: usize = 8;

/// The syscalls the check reads: writes to files and sockets, and syncs.
const TRACED: &str = "trace=write,writev,pwrite64,pwritev,pwritev2,sendto,sendmsg,fsync,fdatasync";

#[test]
fn every_acknowledged_acta_is_synced_to_disk_before_its_answer() {
    let run = traced_night(false);
    let checked = check_trace(&run.trace, &run.db, &run.mesas)
        .unwrap_or_else(|problems| panic!("{}", problems.join("\n")));
    assert_eq!(
        checked, run.mesas,
        "every acta's answer was found and checked"
    );
}

#[test]
fn the_check_fails_on_a_server_that_does_not_sync() {
    let run = traced_night(true);
    let problems = check_trace(&run.trace, &run.db, &run.mesas)
        .expect_err("with synchronous=OFF the answers are not preceded by a sync");
    assert_eq!(problems.len(), run.mesas.len(), "{problems:#?}");
    assert!(
        problems.iter().all(|p| p.contains("no fsync")),
        "{problems:#?}"
    );
}

/// What one traced night left: the trace, the database's path, the mesas sent in order.
struct Run {
    trace: String,
    db: String,
    mesas: Vec<String>,
    _dir: tempfile::TempDir,
}

/// Creates a small election, serves it under strace (with `--unsafe-no-fsync` if
/// `unsafe_no_fsync`), sends [`ACTAS`] actas one at a time (each acknowledged with 201),
/// stops the server and returns the trace.
fn traced_night(unsafe_no_fsync: bool) -> Run {
    require_strace();
    let dir = tempfile::tempdir().unwrap();
    let mesas: Vec<String> = (1..=ACTAS).map(|i| format!("DURABLE{i:04}")).collect();
    let csv = dir.path().join("mesas.csv");
    let mut text = String::from("mesa,region\n");
    for (i, mesa) in mesas.iter().enumerate() {
        text.push_str(&format!("{mesa},R{}\n", i % 2));
    }
    std::fs::write(&csv, text).unwrap();
    let db = dir.path().join("election.db");
    let db = db.to_str().unwrap().to_string();
    let token = init(&db, &csv);

    let trace = dir.path().join("trace");
    let mut command = Command::new("strace");
    command
        .args(["-f", "-yy", "-s", "4096", "-e", TRACED, "-o"])
        .arg(&trace)
        .args([CIFRA, "serve", "--listen", "127.0.0.1:0", "--db", &db]);
    if unsafe_no_fsync {
        command.arg("--unsafe-no-fsync");
    }
    let mut server = Traced::start(command);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        for (i, mesa) in mesas.iter().enumerate() {
            let body = serde_json::json!({"mesa": mesa, "votes": {"a": i + 1, "b": 2, "blank": 0, "null": 0}});
            let answer = client
                .post(format!("{}/api/v1/actas", server.url))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), 201, "{mesa}: {}", answer.text().await.unwrap());
        }
    });
    server.stop();
    Run {
        trace: std::fs::read_to_string(&trace).unwrap(),
        db,
        mesas,
        _dir: dir,
    }
}

/// Fails, saying how to get it, when strace is not installed: the check is never skipped.
fn require_strace() {
    let found = Command::new("strace")
        .arg("-V")
        .output()
        .is_ok_and(|out| out.status.success());
    assert!(
        found,
        "this test runs cifra serve under strace, which is not installed: ./test installs it (or: apt-get install strace)"
    );
}

/// `cifra init` of the election in `csv`; returns the admin token.
fn init(db: &str, csv: &Path) -> String {
    let out = Command::new(CIFRA)
        .args(["init", "--db", db, "--system", "cl-presidential", "--mesas"])
        .arg(csv)
        .args([
            "--options",
            "a,b,blank,null",
            "--name",
            "cifra.test/durability",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("token:"))
        .unwrap_or_else(|| panic!("no token in {stdout}"))
        .trim()
        .to_string()
}

/// `strace` running `cifra serve`; killed when dropped.
struct Traced {
    child: Child,
    url: String,
}

impl Traced {
    fn start(mut command: Command) -> Traced {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("strace runs");
        let url = common::announced_url(&mut child);
        Traced { child, url }
    }

    /// Stops the server with SIGTERM (strace then exits, its trace complete).
    fn stop(&mut self) {
        let children = format!("/proc/{pid}/task/{pid}/children", pid = self.child.id());
        let server = std::fs::read_to_string(&children).unwrap_or_default();
        let server = server.split_whitespace().next().expect("strace runs cifra");
        let killed = Command::new("kill")
            .args(["-TERM", server])
            .status()
            .unwrap();
        assert!(killed.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("cifra serve did not stop within 30 s of SIGTERM");
    }
}

impl Drop for Traced {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One event of a trace that the check cares about, in the order it happened.
#[derive(Debug, PartialEq)]
enum Event<'a> {
    /// Bytes written to a file (its path, and the text strace shows of them).
    FileWrite { path: &'a str, data: &'a str },
    /// A file synced (fsync or fdatasync completed).
    Sync { path: &'a str },
    /// An answer started on a socket: its status line and the mesas its body names.
    Answer { status: u16, mesas: Vec<&'a str> },
}

/// Checks that each 2xx answer to an acta of `mesas` was written after that mesa's
/// acta was written to `db` (or `db-wal`) and that same file was then synced. Returns
/// the mesas whose answers were checked (in trace order), or what is wrong, one line
/// per answer.
fn check_trace(trace: &str, db: &str, mesas: &[String]) -> Result<Vec<String>, Vec<String>> {
    let wal = format!("{db}-wal");
    let ours = |path: &str| path == db || path == wal;
    let events = events(trace);
    let mut checked = Vec::new();
    let mut problems = Vec::new();
    for (at, event) in events.iter().enumerate() {
        let Event::Answer {
            status,
            mesas: named,
        } = event
        else {
            continue;
        };
        if !(200..300).contains(status) {
            continue;
        }
        for mesa in named.iter().filter(|m| mesas.iter().any(|s| s == *m)) {
            let before = &events[..at];
            let written = before.iter().position(|e| {
                matches!(e, Event::FileWrite { path, data } if ours(path) && data.contains(mesa))
            });
            let Some(written) = written else {
                problems.push(format!(
                    "the {status} answer for mesa {mesa} was written before any write of it to {db} or its WAL"
                ));
                continue;
            };
            let Event::FileWrite { path, .. } = &before[written] else {
                unreachable!()
            };
            let synced = before[written..]
                .iter()
                .any(|e| matches!(e, Event::Sync { path: p } if p == path));
            if synced {
                checked.push(mesa.to_string());
            } else {
                problems.push(format!(
                    "the {status} answer for mesa {mesa} was written with no fsync of {path} between the acta's write to it and the answer"
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(checked)
    } else {
        Err(problems)
    }
}

/// The events of an `strace -f -yy -s N` trace, in order. A syscall split by another
/// thread's (`<unfinished ...>`, then `<... NAME resumed>`) counts at its start for
/// writes (the bytes are shown there) and at its end for syncs (done only then).
fn events(trace: &str) -> Vec<Event<'_>> {
    let mut events = Vec::new();
    // Syncs started and not yet resumed, by pid.
    let mut pending_syncs: Vec<(&str, &str)> = Vec::new();
    for line in trace.lines() {
        let (pid, call) = match line.split_once(' ') {
            Some((pid, rest)) if pid.bytes().all(|b| b.is_ascii_digit()) => {
                (pid, rest.trim_start())
            }
            _ => ("", line),
        };
        if let Some(rest) = call.strip_prefix("<... ") {
            let name = rest.split(' ').next().unwrap_or("");
            if matches!(name, "fsync" | "fdatasync") {
                if let Some(i) = pending_syncs.iter().position(|(p, _)| *p == pid) {
                    let (_, path) = pending_syncs.remove(i);
                    if succeeded(rest) {
                        events.push(Event::Sync { path });
                    }
                }
            }
            continue;
        }
        let Some((name, args)) = call.split_once('(') else {
            continue;
        };
        let Some(path) = fd_path(args) else {
            continue;
        };
        match name {
            "fsync" | "fdatasync" if call.ends_with("<unfinished ...>") => {
                pending_syncs.push((pid, path));
            }
            "fsync" | "fdatasync" if succeeded(call) => events.push(Event::Sync { path }),
            "write" | "writev" | "pwrite64" | "pwritev" | "pwritev2" | "sendto" | "sendmsg" => {
                if ["TCP:", "TCPv6:", "socket:"]
                    .iter()
                    .any(|p| path.starts_with(p))
                {
                    if let Some(status) = answer_status(args) {
                        events.push(Event::Answer {
                            status,
                            mesas: named_mesas(args),
                        });
                    }
                } else {
                    events.push(Event::FileWrite { path, data: args });
                }
            }
            _ => {}
        }
    }
    events
}

/// The path strace's `-yy` shows for the first argument, `5</path>` or
/// `9<TCP:[...]>` (`9<socket:[...]>` with `-y`).
fn fd_path(args: &str) -> Option<&str> {
    let start = args.find('<')? + 1;
    let end = start + args[start..].find('>')?;
    Some(&args[start..end])
}

/// Whether a finished syscall's line reports success (`= 0`).
fn succeeded(line: &str) -> bool {
    line.trim_end().ends_with("= 0")
}

/// The status of an HTTP answer whose start these bytes are.
fn answer_status(args: &str) -> Option<u16> {
    let at = args.find("HTTP/1.1 ")? + "HTTP/1.1 ".len();
    args.get(at..at + 3)?.parse().ok()
}

/// The mesas an intake answer's body names (`"mesa":"ID"`, quotes escaped by strace).
fn named_mesas(args: &str) -> Vec<&str> {
    const KEY: &str = r#"\"mesa\":\""#;
    let mut mesas = Vec::new();
    let mut rest = args;
    while let Some(at) = rest.find(KEY) {
        rest = &rest[at + KEY.len()..];
        if let Some(end) = rest.find("\\\"") {
            mesas.push(&rest[..end]);
            rest = &rest[end..];
        }
    }
    mesas
}

// The check itself, on small hand-written traces.

const DB: &str = "/tmp/x/election.db";

fn mesas(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|m| m.to_string()).collect()
}

const ANSWER: &str = r#"101 writev(9<TCP:[127.0.0.1:8080->127.0.0.1:5555]>, [{iov_base="HTTP/1.1 201 Created\r\ncontent-type: application/json\r\n\r\n", iov_len=60}, {iov_base="{\"log_size\":1,\"actas\":[{\"mesa\":\"M1\",\"status\":\"recorded\",\"index\":0,\"version\":1,\"flags\":[]}]}", iov_len=90}], 2) = 150"#;

#[test]
fn a_trace_with_write_sync_then_answer_passes() {
    let trace = format!(
        "100 pwrite64(5</tmp/x/election.db-wal>, \"\\0\\0\\r\\0M1{{\\\"index\\\":0}}\", 4096, 32) = 4096\n\
         100 fdatasync(5</tmp/x/election.db-wal>) = 0\n\
         {ANSWER}\n"
    );
    assert_eq!(check_trace(&trace, DB, &mesas(&["M1"])), Ok(mesas(&["M1"])));
}

#[test]
fn a_trace_without_the_sync_fails() {
    let trace = format!(
        "100 pwrite64(5</tmp/x/election.db-wal>, \"M1\", 4096, 32) = 4096\n\
         100 fdatasync(6</tmp/x/other.db>) = 0\n\
         {ANSWER}\n"
    );
    let problems = check_trace(&trace, DB, &mesas(&["M1"])).unwrap_err();
    assert!(problems[0].contains("no fsync"), "{problems:?}");
}

#[test]
fn a_trace_with_the_answer_before_the_sync_fails() {
    let trace = format!(
        "100 pwrite64(5</tmp/x/election.db-wal>, \"M1\", 4096, 32) = 4096\n\
         {ANSWER}\n\
         100 fdatasync(5</tmp/x/election.db-wal>) = 0\n"
    );
    let problems = check_trace(&trace, DB, &mesas(&["M1"])).unwrap_err();
    assert!(problems[0].contains("no fsync"), "{problems:?}");
}

#[test]
fn a_sync_counts_when_it_ends_not_when_it_starts() {
    let trace = format!(
        "100 pwrite64(5</tmp/x/election.db-wal>, \"M1\", 4096, 32) = 4096\n\
         100 fdatasync(5</tmp/x/election.db-wal> <unfinished ...>\n\
         {ANSWER}\n\
         100 <... fdatasync resumed>) = 0\n"
    );
    assert!(check_trace(&trace, DB, &mesas(&["M1"])).is_err());
    let trace = format!(
        "100 pwrite64(5</tmp/x/election.db-wal>, \"M1\", 4096, 32) = 4096\n\
         100 fdatasync(5</tmp/x/election.db-wal> <unfinished ...>\n\
         102 write(7<pipe:[1]>, \"x\", 1) = 1\n\
         100 <... fdatasync resumed>) = 0\n\
         {ANSWER}\n"
    );
    assert_eq!(check_trace(&trace, DB, &mesas(&["M1"])), Ok(mesas(&["M1"])));
}

#[test]
fn an_answer_with_no_write_of_its_acta_fails() {
    let trace = format!("100 fdatasync(5</tmp/x/election.db-wal>) = 0\n{ANSWER}\n");
    let problems = check_trace(&trace, DB, &mesas(&["M1"])).unwrap_err();
    assert!(problems[0].contains("before any write"), "{problems:?}");
}
