//! `cifra verify --url`: the checks of [`crate::verify`] on what a server publishes, plus
//! what only a server can be asked: its tiles, its proofs, its published results.

use crate::verify::{self, CheckedLog};
use crate::ClientError;
use cifra_log::{Checkpoint, TilePath};
use cifra_night::api::{ConsistencyView, ElectionView, KeptCheckpoints, ProofView, Published};
use cifra_report::live::LiveResults;

/// What to verify.
#[derive(Debug, Clone, Default)]
pub struct Online {
    /// The server.
    pub url: String,
    /// The verifier key to trust; `None`: the server's own (said so in the report).
    pub key: Option<String>,
    /// An earlier signed checkpoint that must be a prefix of today's log.
    pub previous: Option<String>,
    /// Only prove this mesa's latest acta included.
    pub mesa: Option<String>,
    /// Witnesses' verifier keys (`cosignature/v1`) whose cosignatures count.
    pub witnesses: Vec<String>,
    /// How many of `witnesses` must have cosigned the checkpoint.
    pub quorum: usize,
}

/// Runs the verification; returns the report's lines, or the first failure.
pub async fn run(online: &Online) -> Result<Vec<String>, ClientError> {
    run_with_note(online).await.map(|(report, _)| report)
}

/// [`run`], returning also the checkpoint note that was verified (as served, with its
/// cosignatures), for whoever keeps it (`cifra monitor`).
pub async fn run_with_note(online: &Online) -> Result<(Vec<String>, String), ClientError> {
    let base = online.url.trim_end_matches('/').to_string();
    let client = reqwest::Client::new();
    let get = |path: String| {
        let client = client.clone();
        let url = format!("{base}{path}");
        async move { fetch(&client, &url).await }
    };
    let election: ElectionView = json(&get("/api/v1/election".into()).await?)?;
    let mut report = Vec::new();
    let key = match &online.key {
        Some(key) => key.trim().to_string(),
        None => {
            let key = election.key.clone();
            report.push(format!(
                "key: {key} (the server's own: pass --key with a key you got elsewhere to trust it)"
            ));
            key
        }
    };
    // Fetched before the checkpoint: every one was signed of a log no longer than it.
    let kept = match online.mesa {
        None => kept_notes(&get).await?,
        Some(_) => Vec::new(),
    };
    let note = text(get("/api/v1/log/checkpoint".into()).await?)?;
    let checkpoint = verify::verified_checkpoint(&note, &key)?;
    report.push(format!(
        "checkpoint: {} · {} entries · root {} · signature verified",
        checkpoint.origin,
        checkpoint.size,
        base64(&checkpoint.root)
    ));
    if online.quorum > 0 || !online.witnesses.is_empty() {
        report.push(verify::check_quorum(
            &note,
            &online.witnesses,
            online.quorum,
        )?);
    }
    let lines = entries(&get, checkpoint.size).await?;
    let refs: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
    if let Some(mesa) = &online.mesa {
        prove_mesa(&get, &election, &checkpoint, &refs, mesa, &mut report).await?;
        return Ok((report, note));
    }
    compare_tiles(&get, &refs).await?;
    report.push(format!(
        "tiles: every entry's hash equals the published level-0 tiles ({} entries)",
        refs.len()
    ));
    let log = verify::check_log(&note, &key, &refs)?;
    report.push("log: the tree rebuilt from the entries has the checkpoint's root".into());
    let checked = verify::check_kept(&log, &kept, &key)?;
    report.push(format!(
        "kept checkpoints: the {checked} the server signed earlier are each a prefix of today's log"
    ));
    if let Some(previous) = &online.previous {
        check_previous(&get, &log, previous, &key, &mut report).await?;
    }
    let recount = verify::recount(
        &election.name,
        &election.system,
        &election.options,
        &log.entries,
    )?;
    let results = verify::results(&recount, election.mesas_total)?;
    report.extend(crate::describe(&results, &recount));
    compare_published(&get, &results, checkpoint.size, &mut report).await?;
    report.push("verified".into());
    Ok((report, note))
}

pub(crate) async fn fetch(client: &reqwest::Client, url: &str) -> Result<Vec<u8>, ClientError> {
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| ClientError::Http(format!("{url}: {e}")))?;
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| ClientError::Http(format!("{url}: {e}")))?;
    if !status.is_success() {
        return Err(ClientError::Http(format!(
            "{url}: {status}: {}",
            String::from_utf8_lossy(&bytes)
        )));
    }
    Ok(bytes.to_vec())
}

fn json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ClientError> {
    serde_json::from_slice(bytes).map_err(|e| ClientError::Http(format!("unexpected answer: {e}")))
}

fn text(bytes: Vec<u8>) -> Result<String, ClientError> {
    String::from_utf8(bytes).map_err(|_| ClientError::Http("an answer that is not UTF-8".into()))
}

fn base64(hash: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(hash)
}

/// The first `size` entry lines, fetched page by page.
async fn entries<F, Fut>(get: &F, size: u64) -> Result<Vec<String>, ClientError>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, ClientError>>,
{
    let mut lines = Vec::with_capacity(size as usize);
    while (lines.len() as u64) < size {
        let from = lines.len() as u64;
        let page = text(get(format!("/api/v1/log/entries?from={from}&to={size}")).await?)?;
        let before = lines.len();
        lines.extend(page.lines().map(str::to_string));
        if lines.len() == before {
            return Err(ClientError::Failed(format!(
                "the server gave no entries from {from} though its checkpoint has {size}"
            )));
        }
    }
    lines.truncate(size as usize);
    Ok(lines)
}

/// Every checkpoint the server kept (its signed notes), page by page.
async fn kept_notes<F, Fut>(get: &F) -> Result<Vec<String>, ClientError>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, ClientError>>,
{
    let mut notes = Vec::new();
    let mut from = Some(0);
    while let Some(start) = from {
        let page: KeptCheckpoints =
            json(&get(format!("/api/v1/log/checkpoints?from={start}")).await?)?;
        if page.next.is_some_and(|next| next <= start) {
            return Err(ClientError::Failed(format!(
                "the server's kept checkpoints from {start} say the next page starts at {}",
                page.next.unwrap_or_default()
            )));
        }
        notes.extend(page.checkpoints.into_iter().map(|kept| kept.note));
        from = page.next;
    }
    Ok(notes)
}

/// Compares every entry's leaf hash with the server's level-0 tiles; names the first
/// entry that differs.
async fn compare_tiles<F, Fut>(get: &F, lines: &[&[u8]]) -> Result<(), ClientError>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, ClientError>>,
{
    for (n, chunk) in lines.chunks(256).enumerate() {
        let tile = TilePath::Hash {
            level: 0,
            index: n as u64,
            width: chunk.len() as u16,
        };
        let bytes = get(format!("/log/{}", tile.to_path())).await?;
        for (i, line) in chunk.iter().enumerate() {
            let ours = cifra_log::leaf_hash(line);
            if bytes.get(i * 32..(i + 1) * 32) != Some(&ours[..]) {
                return Err(ClientError::Failed(format!(
                    "entry {}: its hash differs from the published tile {}",
                    n * 256 + i,
                    tile.to_path()
                )));
            }
        }
    }
    Ok(())
}

async fn check_previous<F, Fut>(
    get: &F,
    log: &CheckedLog,
    previous: &str,
    key: &str,
    report: &mut Vec<String>,
) -> Result<(), ClientError>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, ClientError>>,
{
    let earlier = verify::verified_checkpoint(previous, key)?;
    verify::check_prefix(log, &earlier)?;
    // The server's own proof must agree too.
    let path = format!(
        "/api/v1/log/consistency?from={}&to={}",
        earlier.size, log.checkpoint.size
    );
    let proof: ConsistencyView = json(&get(path).await?)?;
    let hashes = proof
        .path
        .iter()
        .map(|h| verify::hash_of(h))
        .collect::<Result<Vec<_>, _>>()?;
    cifra_log::verify_consistency(
        earlier.size,
        log.checkpoint.size,
        &earlier.root,
        &log.checkpoint.root,
        &hashes,
    )
    .map_err(|e| ClientError::Failed(format!("the server's consistency proof: {e}")))?;
    report.push(format!(
        "previous: the checkpoint of {} entries is a prefix of today's log (consistency proof verified)",
        earlier.size
    ));
    Ok(())
}

async fn prove_mesa<F, Fut>(
    get: &F,
    election: &ElectionView,
    checkpoint: &Checkpoint,
    lines: &[&[u8]],
    mesa: &str,
    report: &mut Vec<String>,
) -> Result<(), ClientError>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, ClientError>>,
{
    let mut found = None;
    for (i, line) in lines.iter().enumerate() {
        let entry = cifra_log::Entry::parse(line)
            .map_err(|e| ClientError::Failed(format!("entry {i}: {e}")))?;
        if entry.mesa == mesa {
            found = Some((i as u64, entry));
        }
    }
    let Some((index, entry)) = found else {
        return Err(ClientError::Failed(format!(
            "mesa {mesa:?} has no acta in the log's {} entries",
            checkpoint.size
        )));
    };
    let proof: ProofView = json(
        &get(format!(
            "/api/v1/log/proof?index={index}&size={}",
            checkpoint.size
        ))
        .await?,
    )?;
    let path = proof
        .path
        .iter()
        .map(|h| verify::hash_of(h))
        .collect::<Result<Vec<_>, _>>()?;
    verify::check_inclusion(lines[index as usize], index, checkpoint, &path)?;
    report.push(format!(
        "mesa {mesa}: entry {index}, version {}, recorded {}, proved included in the signed log of {} entries ({} hashes)",
        entry.version,
        entry.time,
        checkpoint.size,
        path.len()
    ));
    for (option, votes) in verify::votes_in_order(&entry, &election.options) {
        report.push(format!("  {option:<12} {votes:>9}"));
    }
    if let Some(reason) = &entry.reason {
        report.push(format!("  correction: {reason}"));
    }
    if !entry.flags.is_empty() {
        report.push(format!("  flags: {}", entry.flags.join(", ")));
    }
    Ok(())
}

/// Compares the recount with the server's published national results.
async fn compare_published<F, Fut>(
    get: &F,
    ours: &LiveResults,
    size: u64,
    report: &mut Vec<String>,
) -> Result<(), ClientError>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, ClientError>>,
{
    let published: Published<LiveResults> = json(&get("/api/v1/results".into()).await?)?;
    if published.log_size != size {
        report.push(format!(
            "published results: the log has grown past the checkpoint ({} entries now); not compared",
            published.log_size
        ));
        return Ok(());
    }
    let theirs = published.results;
    // The log does not carry the mesas' registered electors: the recount cannot know
    // how many electors the counted mesas have, so that one field is taken as published
    // and every other is compared.
    let mine = LiveResults {
        electors_counted: theirs.electors_counted,
        ..ours.clone()
    };
    if theirs != mine {
        let show = |r: &LiveResults| serde_json::to_string(r).unwrap_or_default();
        return Err(ClientError::Failed(format!(
            "the server publishes results that the log does not give:\n  published: {}\n  from the log: {}",
            show(&theirs),
            show(&mine)
        )));
    }
    report.push("published results: equal to the recount from the log".into());
    Ok(())
}
