//! `cifra serve --demo` as a dashboard developer runs it: `--demo-start 1` serves the
//! final results at once, and `--demo-loop` starts a fresh night on the same address,
//! where a dashboard resuming with the old night's Last-Event-ID gets the new state.

mod common;

use common::{assert_final, results, CIFRA};
use std::io::{BufRead, BufReader, Lines};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

/// The demo's child, killed when dropped, and its stdout's lines.
struct Demo {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Demo {
    fn start(flags: &[&str]) -> Demo {
        let mut child = Command::new(CIFRA)
            .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Demo { child, lines }
    }

    /// The rest of the first line (printed from now on) that starts with `prefix`.
    fn wait_for(&mut self, prefix: &str) -> String {
        for line in self.lines.by_ref() {
            let line = line.unwrap();
            if let Some(rest) = line.strip_prefix(prefix) {
                return rest.to_string();
            }
        }
        panic!("the demo ended before printing {prefix:?}");
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first event the stream of `url` sends to a dashboard resuming at `last_event_id`:
/// its id and data.
fn first_event(url: &str, last_event_id: u64) -> (u64, serde_json::Value) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut response = reqwest::Client::new()
            .get(format!("{url}/api/v1/events?entries=false"))
            .header("Last-Event-ID", last_event_id.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let mut text = String::new();
        while !text.contains("\n\n") {
            // A stream left waiting past the log's end would say nothing: bounded.
            let chunk = tokio::time::timeout(Duration::from_secs(30), response.chunk())
                .await
                .expect("no event within 30 s")
                .unwrap()
                .expect("the stream ended");
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name))
                .unwrap_or_else(|| panic!("no {name} in {text:?}"))
                .trim()
                .to_string()
        };
        let id = field("id:").parse().unwrap();
        (id, serde_json::from_str(&field("data:")).unwrap())
    })
}

#[test]
fn demo_start_serves_the_final_results_and_demo_loop_starts_over_on_the_same_address() {
    let mut demo = Demo::start(&["--demo-start", "1", "--demo-loop"]);
    let url = demo
        .wait_for("dashboard: ")
        .trim_end_matches('/')
        .to_string();
    demo.wait_for("the night is complete: 46606 actas");
    assert_final(&results(&url));

    // The next night: a fresh election at the same address, from an empty log.
    demo.wait_for("the next night starts in 10 s");
    let next = demo.wait_for("dashboard: ");
    assert_eq!(next.trim_end_matches('/'), url);
    // A dashboard of the night before resumes past the new log's end: it gets the
    // current state at once, not silence.
    let (id, data) = first_event(&url, 1_000_000);
    assert!(id <= 46606, "{id}");
    assert_eq!(data["log_size"], id, "{data}");
    demo.wait_for("the night is complete: 46606 actas");
    assert_final(&results(&url));
}
