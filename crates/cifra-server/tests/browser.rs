//! The dashboard (`GET /`) in a real browser: headless Debian Chromium driven through
//! chromedriver (WebDriver) with fantoccini. The page shows the first acta, then a second
//! one submitted over HTTP arrives by the event stream and the page updates in place,
//! without a reload; while mesas are uncounted it says who leads ("Lidera") and the
//! share counted, never who won, and says "Gana" only when every mesa is counted. The
//! hooks are those of assets/README.md.
//!
//! Needs `/usr/bin/chromium` and `chromedriver` (Debian: `apt-get install -y chromium
//! chromium-driver`); without them the test fails, it does not skip.

mod common;

use common::*;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Map, Value};
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const INSTALL: &str = "apt-get install -y chromium chromium-driver";

/// How long Chromium may take to start (a shared machine with 2 cores compiling).
const BROWSER_START: Duration = Duration::from_secs(90);

// ana has more than half of the valid votes from the first acta on: the law would elect
// her if the count ended at any moment; the page must still not say she won.
const N1: [u64; 5] = [60, 20, 10, 2, 1];
const N2: [u64; 5] = [25, 30, 5, 1, 0];
/// The other four mesas of the six-mesa election.
const REST: [(&str, [u64; 5]); 4] = [
    ("N3", [10, 40, 20, 0, 3]),
    ("C1", [50, 10, 15, 2, 2]),
    ("C2", [5, 3, 1, 0, 0]),
    ("S1", [60, 5, 5, 1, 1]),
];

/// `chromedriver` on the PATH (or the test fails with how to install it).
fn chromedriver() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("chromedriver"))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!("chromedriver is not on the PATH; the dashboard's browser test needs it: {INSTALL}")
    })
}

/// A chromedriver child process on a free port of 127.0.0.1, killed (with the browsers it
/// started) when dropped.
struct Driver {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Driver {
    /// Starts chromedriver and waits until its `/status` says it is ready.
    async fn start(binary: &Path, dir: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let log = dir.join("chromedriver.log");
        let out = File::create(&log).expect("chromedriver's log file");
        let err = out.try_clone().expect("chromedriver's log file");
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            // Its own process group, so that dropping the driver also ends the browser.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("{} does not start ({e}): {INSTALL}", binary.display()));
        let mut driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
        };
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("a client");
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = driver.child.try_wait().expect("chromedriver's status") {
                panic!("chromedriver exited ({status}): {}", driver.log_text());
            }
            if let Ok(answer) = http.get(format!("{}/status", driver.url)).send().await {
                if let Ok(body) = answer.json::<Value>().await {
                    if body["value"]["ready"] == json!(true) {
                        return driver;
                    }
                }
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer on {} within {PATIENCE:?}: {}",
                driver.url,
                driver.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The whole group: chromedriver and any browser it left running (after a panic).
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the test reads off the page, all at once.
#[derive(Debug)]
struct Page {
    counted: Option<String>,
    log_size: Option<String>,
    live: Option<String>,
    /// `data-votes` of each option's bar row.
    votes: Map<String, Value>,
    /// The outcome's headline, its explanation and the count's status line.
    outcome: String,
    explanation: String,
    status: String,
    /// The visible tags of the bars: option → tag.
    tags: Map<String, Value>,
    /// How much of the count's progress bar is filled, as drawn (0 to 1).
    progress: f64,
    /// The projection panel, if shown: its options in order, and its call.
    projection: Option<(Vec<String>, String)>,
}

impl Page {
    async fn read(browser: &Client) -> Page {
        let script = r#"
            const text = id => { const e = document.getElementById(id); return e ? e.textContent.trim() : null; };
            const live = document.getElementById('live');
            const votes = {};
            for (const option of arguments[0]) {
                const v = document.querySelector('[data-option="' + option + '"] .votes');
                votes[option] = v ? v.getAttribute('data-votes') : null;
            }
            const tags = {};
            for (const t of document.querySelectorAll('[data-option] .tag')) {
                if (!t.hidden) tags[t.closest('[data-option]').getAttribute('data-option')] = t.textContent;
            }
            const bar = document.getElementById('progress');
            const progress = bar.firstElementChild.getBoundingClientRect().width / bar.getBoundingClientRect().width;
            const card = document.getElementById('proj');
            const projection = card.hidden ? null : [
                Array.from(card.querySelectorAll('[data-option]')).map(r => r.getAttribute('data-option')),
                text('proj-call')];
            return {counted: text('mesas-counted'), log_size: text('log-size'), progress: progress, projection: projection,
                    live: live ? live.getAttribute('data-state') : null, votes: votes,
                    outcome: text('outcome'), explanation: text('outcome-explanation'),
                    status: text('status'), tags: tags};
        "#;
        let got = browser
            .execute(script, vec![json!(OPTIONS)])
            .await
            .expect("the page's state is read");
        let string = |v: &Value| v.as_str().map(str::to_string);
        Page {
            counted: string(&got["counted"]),
            log_size: string(&got["log_size"]),
            live: string(&got["live"]),
            votes: got["votes"].as_object().cloned().unwrap_or_default(),
            outcome: string(&got["outcome"]).unwrap_or_default(),
            explanation: string(&got["explanation"]).unwrap_or_default(),
            status: string(&got["status"]).unwrap_or_default(),
            tags: got["tags"].as_object().cloned().unwrap_or_default(),
            progress: got["progress"].as_f64().unwrap_or(-1.0),
            projection: serde_json::from_value(got["projection"].clone()).unwrap_or(None),
        }
    }

    /// Whether the page says, in its words, that `leader` leads a count of which
    /// `share` is done, what the law would decide if it ended now, and nothing more:
    /// no winner, no badge but "lidera".
    fn says_leading(&self, leader: &str, share: &str) -> bool {
        let mut lidera = Map::new();
        lidera.insert(leader.to_lowercase(), json!("lidera"));
        self.outcome == format!("Lidera {leader} · {share} de mesas escrutadas")
            && self.explanation == format!("Si el escrutinio terminara ahora, ganaría {leader}.")
            && self.status.starts_with("Resultado provisorio")
            && self.tags == lidera
    }

    /// Whether every option's `data-votes` is `votes` (in the order of [`OPTIONS`]).
    fn shows_votes(&self, votes: [u64; 5]) -> bool {
        OPTIONS
            .iter()
            .zip(votes)
            .all(|(o, v)| self.votes.get(*o) == Some(&json!(v.to_string())))
    }
}

/// Polls the page until `ready` holds; the test fails after [`PATIENCE`] with what the
/// page last showed.
async fn wait_for(browser: &Client, what: &str, ready: impl Fn(&Page) -> bool) -> Page {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let page = Page::read(browser).await;
        if ready(&page) {
            return page;
        }
        assert!(
            Instant::now() < deadline,
            "the dashboard did not show {what} within {PATIENCE:?}; it shows {page:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn sum(a: [u64; 5], b: [u64; 5]) -> [u64; 5] {
    std::array::from_fn(|i| a[i] + b[i])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_updates_live_without_a_reload() {
    assert!(
        Path::new(CHROMIUM).is_file(),
        "{CHROMIUM} is missing; the dashboard's browser test needs it: {INSTALL}"
    );
    let driver_binary = chromedriver();

    let s = Server::start(Backend::Sqlite).await;
    s.expect(&acta("N1", N1), 201).await;

    let dir = tempfile::tempdir().expect("a temporary directory");
    let profile = dir.path().join("profile");
    std::fs::create_dir(&profile).expect("the browser's profile directory");
    let driver = Driver::start(&driver_binary, dir.path()).await;

    let mut capabilities = Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--disable-quic",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let mut builder = ClientBuilder::new(HttpConnector::new());
    let session = builder.capabilities(capabilities).connect(&driver.url);
    let browser = match tokio::time::timeout(BROWSER_START, session).await {
        Ok(Ok(browser)) => browser,
        Ok(Err(e)) => panic!("no browser session ({e}): {}", driver.log_text()),
        Err(_) => panic!(
            "no browser session within {BROWSER_START:?}: {}",
            driver.log_text()
        ),
    };

    browser
        .goto(&s.url("/"))
        .await
        .expect("the dashboard opens");
    wait_for(&browser, "1 mesa counted, live, Ana leading", |p| {
        p.counted.as_deref() == Some("1")
            && p.live.as_deref() == Some("live")
            && p.shows_votes(N1)
            && p.says_leading("Ana", "16,6%")
    })
    .await;
    let marker = browser
        .execute("window.__noReload = 42; return window.__noReload;", vec![])
        .await
        .expect("the marker is set");
    assert_eq!(marker, json!(42));

    s.expect(&acta("N2", N2), 201).await;
    let total = sum(N1, N2);
    // The server's national sum is the one the page must show.
    let results = s.results("").await;
    let ana = results["options"]
        .as_array()
        .expect("options")
        .iter()
        .find(|o| o["option"] == "ana")
        .expect("ana's row");
    assert_eq!(ana["votes"], json!(total[0]), "{results}");

    // The bar is drawn a third full (its width eases in over 0.6 s).
    let page = wait_for(
        &browser,
        "2 mesas counted, log size 2, the new sums, a third of the bar",
        |p| {
            p.counted.as_deref() == Some("2")
                && p.log_size.as_deref() == Some("2")
                && p.shows_votes(total)
                && (p.progress - 2.0 / 6.0).abs() < 0.01
        },
    )
    .await;
    assert!(page.says_leading("Ana", "33,3%"), "{page:?}");

    // Every mesa counted: now, and only now, the law's words.
    let rest: Vec<Value> = REST.iter().map(|(m, v)| acta(m, *v)).collect();
    s.expect(&Value::Array(rest), 201).await;
    let page = wait_for(&browser, "6 mesas counted, the bar full", |p| {
        p.counted.as_deref() == Some("6") && (p.progress - 1.0).abs() < 0.01
    })
    .await;
    assert_eq!(page.outcome, "Gana Ana", "{page:?}");
    assert!(page.status.starts_with("Resultado final"), "{page:?}");
    assert_eq!(page.tags.get("ana"), Some(&json!("gana")), "{page:?}");
    assert_eq!(page.tags.len(), 1, "{page:?}");
    // The projection panel, beside the count: the options by projected share, and the
    // call mathematics made (no completion of the last mesas could change the winner).
    let page = wait_for(&browser, "the projection with its call", |p| {
        p.projection
            .as_ref()
            .is_some_and(|(_, call)| !call.is_empty())
    })
    .await;
    let (options, call) = page.projection.clone().expect("the projection is shown");
    assert_eq!(options[0], "ana", "{page:?}");
    assert_eq!(options.len(), 3, "{page:?}");
    assert!(
        call.starts_with("Decidido matemáticamente: gana Ana (con "),
        "{page:?}"
    );
    let marker = browser
        .execute("return window.__noReload;", vec![])
        .await
        .expect("the marker is read");
    assert_eq!(
        marker,
        json!(42),
        "the page was reloaded instead of updated in place"
    );

    browser.close().await.expect("the browser session closes");
    drop(driver);
}
