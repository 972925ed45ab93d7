//! What the election-night tests that run alone (one test per file, so no other test of
//! the same binary runs beside it) share: `cifra init` on the 2021 mesas, a `cifra
//! serve` child, a throwaway PostgreSQL database, the real actas, the log as served.

// Each test file uses only some of these.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub const CIFRA: &str = env!("CARGO_BIN_EXE_cifra");
pub const OPTIONS: &str = "boric,kast,provoste,sichel,artes,meo,parisi,blank,null";
/// The columns that identify a mesa in the 2021 file.
pub const ID: &str = "circunscripcion,mesa";

pub fn mesas_2021() -> String {
    format!(
        "{}/../../data/cl-2021-presidential-r1-mesas.csv.gz",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// `cifra init` on the 2021 mesas; returns the admin token and the verifier key.
pub fn init(db: &str) -> (String, String) {
    let out = Command::new(CIFRA)
        .args(["init", "--db", db])
        .args(["--system", "cl-presidential", "--mesas", &mesas_2021()])
        .args(["--id", ID, "--options", OPTIONS])
        .args(["--name", "cifra.test/2021-r1"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let field = |name: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name} in {stdout}"))
            .trim()
            .to_string()
    };
    (field("token:"), field("key:"))
}

/// A `cifra serve` child on a free port; killed (SIGKILL) when dropped.
pub struct Server {
    child: Child,
    pub url: String,
}

impl Server {
    pub fn start(db: &str) -> Server {
        Server::start_under(&[], db)
    }

    /// `cifra serve` run by `wrapper` (e.g. `prlimit --nofile=1024:1024 --`), which
    /// must exec it: the child's process is the server's.
    pub fn start_under(wrapper: &[&str], db: &str) -> Server {
        let (program, args) = match wrapper.split_first() {
            Some((program, args)) => (*program, args.iter().copied().chain([CIFRA]).collect()),
            None => (CIFRA, Vec::new()),
        };
        let mut child = Command::new(program)
            .args(args)
            .args(["serve", "--listen", "127.0.0.1:0", "--db", db])
            // A line per request would bury the tests' output: warnings only, unless
            // the one running the tests asks for more.
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let url = announced_url(&mut child);
        Server { child, url }
    }

    /// SIGKILL (`Child::kill` on Unix): no chance to flush or clean up.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The server's peak resident memory so far (VmHWM), in bytes.
    pub fn peak_memory(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kb = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or_else(|| panic!("no VmHWM in {status}"));
        kb * 1024
    }

    /// The server's address, `127.0.0.1:PORT`.
    pub fn address(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A PostgreSQL database of its own on the machine's server (127.0.0.1:5432, trust, user
/// postgres, maintenance database `test`), dropped at the end.
pub struct PgDatabase {
    name: String,
    pub url: String,
}

impl PgDatabase {
    pub fn new(prefix: &str) -> PgDatabase {
        let name = format!(
            "cifra_{prefix}_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        psql(&format!("CREATE DATABASE {name}"));
        let url = format!("postgres://postgres@127.0.0.1:5432/{name}");
        PgDatabase { name, url }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = try_psql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

pub fn psql(sql: &str) {
    if let Err(e) = try_psql(sql) {
        panic!("{sql}: {e}");
    }
}

fn try_psql(sql: &str) -> Result<(), String> {
    let out = Command::new("psql")
        .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "test"])
        .args(["-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .expect("psql (PostgreSQL's client) runs; .ci/run starts the server at 127.0.0.1:5432");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// `cifra ARGS`: whether it succeeded, its stdout and its stderr.
pub fn cifra(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(CIFRA).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `cifra replay` of the mesa file `mesas` to `url`: the numbers of actas recorded and
/// already recorded it reports.
pub fn replay(url: &str, token: &str, mesas: &str) -> (u64, u64) {
    let (ok, stdout, stderr) = cifra(&[
        "replay",
        "--url",
        url,
        "--token",
        token,
        "--mesas",
        mesas,
        "--id",
        ID,
        "--options",
        OPTIONS,
        "--batch",
        "250",
    ]);
    assert!(ok, "cifra replay failed: {stdout}{stderr}");
    // "N actas: R recorded, U unchanged, 0 refused", numbers with thousands separators.
    let summary = stdout.lines().next().unwrap_or_default();
    let number = |word: &str| -> u64 {
        let part = summary
            .split(": ")
            .flat_map(|p| p.split(", "))
            .find(|p| p.ends_with(word))
            .unwrap_or_else(|| panic!("no {word} in {summary:?}"));
        part.trim_end_matches(word)
            .trim()
            .replace(',', "")
            .parse()
            .unwrap()
    };
    assert_eq!(number(" refused"), 0, "{stdout}");
    (number(" recorded"), number(" unchanged"))
}

/// `cifra verify --url URL --key KEY` passes, and finds the published results equal to
/// its recount.
pub fn verify(url: &str, key: &str) {
    let (ok, stdout, stderr) = cifra(&["verify", "--url", url, "--key", key]);
    assert!(ok, "cifra verify failed: {stdout}{stderr}");
    assert!(
        stdout.contains("published results: equal to the recount"),
        "{stdout}"
    );
    assert!(stdout.ends_with("verified\n"), "{stdout}");
}

/// A row of the 2021 file: the mesa id and its votes in OPTIONS order.
pub type Row = (String, Vec<u64>);

fn csv_2021() -> String {
    let mut csv = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(mesas_2021()).unwrap())
        .read_to_string(&mut csv)
        .unwrap();
    csv
}

/// The 2021 file's rows.
pub fn rows_2021() -> Vec<Row> {
    let csv = csv_2021();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let options: Vec<usize> = OPTIONS.split(',').map(col).collect();
    let (c, m) = (col("circunscripcion"), col("mesa"));
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let votes = options.iter().map(|&i| r[i].parse().unwrap()).collect();
            (format!("{}/{}", &r[c], &r[m]), votes)
        })
        .collect()
}

/// Writes to `path` the 2021 file without the mesas in `leave_out`; the number of rows.
pub fn write_2021_without(path: &Path, leave_out: &HashSet<String>) -> usize {
    let csv = csv_2021();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (c, m) = (col("circunscripcion"), col("mesa"));
    let mut writer = csv::Writer::from_path(path).unwrap();
    writer.write_record(&header).unwrap();
    let mut written = 0;
    for r in reader.records() {
        let r = r.unwrap();
        if !leave_out.contains(&format!("{}/{}", &r[c], &r[m])) {
            writer.write_record(&r).unwrap();
            written += 1;
        }
    }
    writer.flush().unwrap();
    written
}

/// The rows as actas, one per row.
pub fn actas(rows: &[Row]) -> Vec<serde_json::Value> {
    rows.iter()
        .map(|(mesa, votes)| {
            let votes: serde_json::Map<String, serde_json::Value> = OPTIONS
                .split(',')
                .zip(votes)
                .map(|(o, v)| (o.to_string(), (*v).into()))
                .collect();
            serde_json::json!({"mesa": mesa, "votes": votes})
        })
        .collect()
}

/// The rows as a request body: one acta (one row) or a batch.
pub fn body(rows: &[Row]) -> serde_json::Value {
    match <[serde_json::Value; 1]>::try_from(actas(rows)) {
        Ok([one]) => one,
        Err(actas) => serde_json::Value::Array(actas),
    }
}

/// A blocking GET of `url`'s body (200 asserted).
pub fn get(url: &str) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let r = reqwest::get(url).await.unwrap();
        assert_eq!(r.status(), 200, "{url}");
        r.text().await.unwrap()
    })
}

/// The national results the server at `url` serves.
pub fn results(url: &str) -> serde_json::Value {
    serde_json::from_str(&get(&format!("{url}/api/v1/results"))).unwrap()
}

/// The whole log the server at `url` serves: each mesa's latest entry, and the number
/// of entries.
pub fn log(url: &str) -> (HashMap<String, cifra_log::Entry>, u64) {
    let mut latest = HashMap::new();
    let mut size = 0u64;
    loop {
        // At most 10,000 entries per request.
        let page = get(&format!("{url}/api/v1/log/entries?from={size}"));
        if page.is_empty() {
            break;
        }
        for line in page.lines() {
            let entry = cifra_log::Entry::parse(line.as_bytes()).unwrap();
            assert_eq!(entry.index, size, "the log is in order with no gap");
            size += 1;
            latest.insert(entry.mesa.clone(), entry);
        }
    }
    (latest, size)
}

/// Every acknowledged row is in the log with its counts.
pub fn assert_logged(logged: &HashMap<String, cifra_log::Entry>, acknowledged: &[Row]) {
    for (mesa, votes) in acknowledged {
        let entry = logged
            .get(mesa)
            .unwrap_or_else(|| panic!("acknowledged mesa {mesa} is not in the log"));
        let counted: Vec<u64> = OPTIONS.split(',').map(|o| entry.votes[o]).collect();
        assert_eq!(&counted, votes, "{mesa}");
    }
}

/// The final results: every mesa counted, the runoff between kast and boric.
pub fn assert_final(results: &serde_json::Value) {
    assert_eq!(results["mesas_counted"], 46606, "{results}");
    assert_eq!(results["log_size"], 46606, "{results}");
    assert_eq!(results["outcome"]["kind"], "runoff", "{results}");
    assert_eq!(
        results["outcome"]["runoff"],
        serde_json::json!(["kast", "boric"])
    );
    assert_eq!(results["outcome"]["provisional"], false);
    assert_eq!(results["stale"], false);
}

/// The log size and staleness of `url`'s national results.
pub async fn results_of(client: &reqwest::Client, url: &str) -> Result<(u64, bool), String> {
    let r = client
        .get(format!("{url}/api/v1/results"))
        .send()
        .await
        .map_err(|e| format!("{e:?}"))?;
    if r.status() != 200 {
        return Err(format!("status {}", r.status()));
    }
    let results: serde_json::Value = r.json().await.map_err(|e| format!("{e:?}"))?;
    match (results["log_size"].as_u64(), results["stale"].as_bool()) {
        (Some(size), Some(stale)) => Ok((size, stale)),
        _ => Err(format!("no log_size or stale in {results}")),
    }
}

/// A small election of six mesas in a SQLite file under `dir`, options a, b, blank,
/// null; returns its address and the admin token.
pub fn small_election(dir: &Path) -> (String, String) {
    let mesas = dir.join("mesas.csv");
    let rows = [
        "mesa,region,electors",
        "M1,NORTE,100",
        "M2,NORTE,100",
        "M3,SUR,100",
        "M4,SUR,100",
        "M5,SUR,100",
        "M6,CENTRO,100",
    ];
    std::fs::write(&mesas, rows.join("\n") + "\n").unwrap();
    let db = dir.join("night.db").to_string_lossy().into_owned();
    let (ok, stdout, stderr) = cifra(&[
        "init",
        "--db",
        &db,
        "--system",
        "plurality",
        "--mesas",
        &mesas.to_string_lossy(),
        "--id",
        "mesa",
        "--options",
        "a,b,blank,null",
        "--name",
        "cifra.test/small",
    ]);
    assert!(ok, "cifra init failed: {stdout}{stderr}");
    let token = stdout
        .lines()
        .find_map(|l| l.strip_prefix("token:"))
        .unwrap_or_else(|| panic!("no token in {stdout}"))
        .trim()
        .to_string();
    (db, token)
}

/// One HTTP/1.1 request over a new connection (closed after): the status and the
/// body, or `None` when no status line came within `wait`.
pub fn http(
    address: &str,
    head: &str,
    body: &[u8],
    wait: std::time::Duration,
) -> Option<(u16, String)> {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(address).ok()?;
    stream.set_read_timeout(Some(wait)).unwrap();
    let request = format!(
        "{head}\r\nHost: {address}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    // A server may answer (413) before reading the whole body and close.
    let _ = stream.write_all(body);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    Some((status, body))
}

/// The URL a starting `cifra serve` announces on its first line of stdout.
pub fn announced_url(child: &mut Child) -> String {
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    first
        .split("at ")
        .nth(1)
        .and_then(|rest| rest.split('/').nth(2))
        .map(|address| format!("http://{address}"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
}
