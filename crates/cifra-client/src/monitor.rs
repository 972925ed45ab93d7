//! `cifra monitor`: an observer's long-running check of a server's log.
//!
//! Each round runs the whole online verification ([`crate::online`]: signature, tiles,
//! the tree rebuilt from every entry, every checkpoint the server kept, the results
//! recounted and compared with the published ones) with the last checkpoint this
//! monitor kept as the one today's log must extend (a consistency check: a rewrite
//! fails it), the witnesses' quorum if asked, and, for each `--also` source, that the
//! two checkpoints are one history (a split view fails it). Every checkpoint seen is
//! kept in the state directory.

use crate::online::{self, Online};
use crate::verify::{check_quorum, verified_checkpoint};
use crate::ClientError;
use std::path::PathBuf;

/// What to monitor, and how: `cifra monitor`'s settings (its flags, with the `cli`
/// feature).
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct Monitor {
    /// The server.
    #[cfg_attr(feature = "cli", arg(long, value_name = "URL"))]
    pub url: String,
    /// The log's verifier key (default: the one kept, or the server's on first use,
    /// trusted, kept and said so).
    #[cfg_attr(feature = "cli", arg(long, value_name = "VKEY"))]
    pub key: Option<String>,
    /// Where the checkpoints seen and the key are kept (created).
    #[cfg_attr(feature = "cli", arg(long, value_name = "DIR"))]
    pub state: PathBuf,
    /// Another source of the same log's checkpoint (a mirror, another network path),
    /// which must be one history with it (repeatable).
    #[cfg_attr(feature = "cli", arg(long, value_name = "URL"))]
    pub also: Vec<String>,
    /// A witness whose cosignature counts: its verifier key (repeatable).
    #[cfg_attr(feature = "cli", arg(long = "witness", value_name = "VKEY"))]
    pub witnesses: Vec<String>,
    /// Alert unless K of the witnesses cosigned each checkpoint.
    #[cfg_attr(
        feature = "cli",
        arg(long, value_name = "K", default_value_t = 0, requires = "witnesses")
    )]
    pub quorum: usize,
    /// Also be a witness: cosign each checkpoint verified with the witness kept in DIR
    /// (`cifra witness init`), with the same durable state (never two roots for one
    /// size) as `cifra witness serve`, refusing (an alert) one that does not extend its
    /// last.
    #[cfg_attr(feature = "cli", arg(long = "witness-key", value_name = "DIR"))]
    pub witness: Option<PathBuf>,
    /// Seconds between rounds.
    #[cfg_attr(feature = "cli", arg(long, value_name = "S", default_value_t = 10.0))]
    pub interval: f64,
    /// POST each alert here (text/plain).
    #[cfg_attr(feature = "cli", arg(long, value_name = "URL"))]
    pub alert: Option<String>,
    /// One round, then exit.
    #[cfg_attr(feature = "cli", arg(long))]
    pub once: bool,
}

/// The file holding the latest checkpoint kept.
const LATEST: &str = "latest.checkpoint";
/// The file holding the log's key.
const KEY: &str = "log.key";

impl Monitor {
    /// One round: `Ok` with the summary line for humans, `Err(ClientError::Failed)` for
    /// an alert (a rewrite, a split view, a result that differs, no quorum), another
    /// error when a server cannot be reached (not an alert: try again later).
    pub async fn round(&self) -> Result<String, ClientError> {
        let io = |what: &str, e: std::io::Error| {
            ClientError::Http(format!("{}: {what}: {e}", self.state.display()))
        };
        std::fs::create_dir_all(self.state.join("checkpoints")).map_err(|e| io("create", e))?;
        let key = self.key().await?;
        let previous = std::fs::read_to_string(self.state.join(LATEST)).ok();
        let online = Online {
            url: self.url.clone(),
            key: Some(key.clone()),
            previous: previous.clone(),
            mesa: None,
            witnesses: self.witnesses.clone(),
            quorum: self.quorum,
        };
        let (_, note) = online::run_with_note(&online).await?;
        let checkpoint = verified_checkpoint(&note, &key)?;
        for also in &self.also {
            let other = fetch_note(also).await?;
            let theirs = verified_checkpoint(&other, &key)
                .map_err(|e| ClientError::Failed(format!("split view: {also}: {e}")))?;
            // The larger of the two must extend the smaller: check it on its server.
            let (url, earlier) = if theirs.size <= checkpoint.size {
                (&self.url, other.clone())
            } else {
                (also, note.clone())
            };
            let check = Online {
                url: url.clone(),
                key: Some(key.clone()),
                previous: Some(earlier),
                ..Online::default()
            };
            online::run(&check).await.map_err(|e| match e {
                ClientError::Failed(why) => ClientError::Failed(format!(
                    "split view: {also} serves a checkpoint of {} entries that is not one history with {}'s of {}: {why}",
                    theirs.size, self.url, checkpoint.size
                )),
                other => other,
            })?;
        }
        let (note, own) = match &self.witness {
            Some(dir) => self.cosign(dir, &key, &note, checkpoint.size).await?,
            None => (note, String::new()),
        };
        let path = self
            .state
            .join("checkpoints")
            .join(format!("{}.note", checkpoint.size));
        std::fs::write(&path, &note).map_err(|e| io("write", e))?;
        std::fs::write(self.state.join(LATEST), &note).map_err(|e| io("write", e))?;
        let since = previous
            .and_then(|p| verified_checkpoint(&p, &key).ok())
            .map_or_else(
                || "first checkpoint".to_owned(),
                |p| format!("extends {}", p.size),
            );
        let witnessed = if self.witnesses.is_empty() {
            String::new()
        } else {
            format!(" · {}", check_quorum(&note, &self.witnesses, self.quorum)?)
        };
        Ok(format!(
            "checkpoint {} · {since} · entries, tiles, kept checkpoints and results verified{witnessed}{own}{}",
            checkpoint.size,
            if self.also.is_empty() { String::new() } else { format!(" · {} other source(s) agree", self.also.len()) }
        ))
    }

    /// Cosigns `note` (of `size` entries, verified) as the witness kept in `dir`, with
    /// the server's consistency proof from the size the witness holds (which the witness
    /// checks itself); returns the note with the cosignature and the summary's words. A
    /// refusal is an alert: the log is not an extension of what this witness saw.
    async fn cosign(
        &self,
        dir: &std::path::Path,
        key: &str,
        note: &str,
        size: u64,
    ) -> Result<(String, String), ClientError> {
        use cifra_witness::{AddCheckpoint, Refusal, StateError};
        let witness = cifra_witness::Witness::open(dir, &[key.to_owned()])
            .map_err(|e| ClientError::Http(format!("--witness-key {}: {e}", dir.display())))?;
        let mut old = 0;
        for _ in 0..2 {
            let proof = if old == 0 {
                Vec::new()
            } else {
                let url = format!("{}/api/v1/log/consistency?from={old}&to={size}", self.url);
                let bytes = online::fetch(&reqwest::Client::new(), &url).await?;
                let view: cifra_night::api::ConsistencyView = serde_json::from_slice(&bytes)
                    .map_err(|e| ClientError::Http(format!("{url}: {e}")))?;
                view.path
                    .iter()
                    .map(|h| crate::verify::hash_of(h))
                    .collect::<Result<_, _>>()?
            };
            let body = AddCheckpoint {
                old_size: old,
                proof,
                checkpoint: note.to_owned(),
            }
            .to_body();
            match witness.add_checkpoint(&body, cifra_witness::server::unix_now()) {
                Ok(line) => {
                    let cosigned = cifra_witness::append_signatures(note, &line)
                        .map_err(|e| ClientError::Failed(e.to_string()))?;
                    return Ok((
                        cosigned,
                        format!(" · cosigned as witness {}", witness.name()),
                    ));
                }
                Err(StateError::Refused(Refusal::Conflict { latest })) if latest <= size => {
                    old = latest
                }
                Err(StateError::Refused(refusal)) => {
                    return Err(ClientError::Failed(format!(
                    "this monitor's witness refuses the checkpoint of {size} entries: {refusal}"
                )))
                }
                Err(e) => {
                    return Err(ClientError::Http(format!(
                        "--witness-key {}: {e}",
                        dir.display()
                    )))
                }
            }
        }
        Err(ClientError::Http(
            "the witness's size moved while cosigning".into(),
        ))
    }

    /// The log's key: given, kept, or the server's on first use (then kept).
    async fn key(&self) -> Result<String, ClientError> {
        let kept = self.state.join(KEY);
        if let Some(key) = &self.key {
            return Ok(key.trim().to_owned());
        }
        if let Ok(key) = std::fs::read_to_string(&kept) {
            return Ok(key.trim().to_owned());
        }
        let url = format!("{}/api/v1/election", self.url.trim_end_matches('/'));
        let client = reqwest::Client::new();
        let body = online::fetch(&client, &url).await?;
        let election: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| ClientError::Http(format!("{url}: {e}")))?;
        let key = election["key"]
            .as_str()
            .ok_or_else(|| ClientError::Http(format!("{url}: no key")))?
            .to_owned();
        std::fs::write(&kept, format!("{key}\n"))
            .map_err(|e| ClientError::Http(format!("{}: {e}", kept.display())))?;
        tracing::warn!(%key, "trusting the server's own key on first use (pass --key to pin one)");
        Ok(key)
    }
}

/// How a monitor's watch ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// `--once`, and the round passed.
    Passed,
    /// An alert (already reported and posted).
    Alert(String),
}

impl Monitor {
    /// Runs rounds every [`Monitor::interval`] seconds (one if [`Monitor::once`]),
    /// giving each summary line to `line` and each warning (a server not reached, an
    /// alert not posted) to `warn`, until an alert, which is given to `warn` too and
    /// POSTed to [`Monitor::alert`]. With `once`, a server not reached is an error.
    pub async fn watch(
        &self,
        line: impl Fn(&str),
        warn: impl Fn(&str),
    ) -> Result<Ended, ClientError> {
        let interval = std::time::Duration::from_secs_f64(self.interval.max(0.1));
        loop {
            match self.round().await {
                Ok(summary) => line(&summary),
                Err(ClientError::Failed(why)) => {
                    warn(&format!("ALERT: {why}"));
                    if let Some(url) = &self.alert {
                        if let Err(e) = post_alert(url, &why).await {
                            warn(&format!("warning: {e}"));
                        }
                    }
                    return Ok(Ended::Alert(why));
                }
                Err(e) if self.once => return Err(e),
                Err(e) => warn(&format!("warning: {e}")),
            }
            if self.once {
                return Ok(Ended::Passed);
            }
            tokio::time::sleep(interval).await;
        }
    }
}

/// A server's checkpoint note.
async fn fetch_note(url: &str) -> Result<String, ClientError> {
    let url = format!("{}/api/v1/log/checkpoint", url.trim_end_matches('/'));
    let bytes = online::fetch(&reqwest::Client::new(), &url).await?;
    String::from_utf8(bytes).map_err(|_| ClientError::Http(format!("{url}: not UTF-8")))
}

/// POSTs `alert` (text) to `url`, best effort: the alert is on stderr anyway.
pub async fn post_alert(url: &str, alert: &str) -> Result<(), ClientError> {
    reqwest::Client::new()
        .post(url)
        .header("content-type", "text/plain; charset=utf-8")
        .body(alert.to_owned())
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map(|_| ())
        .map_err(|e| ClientError::Http(format!("--alert {url}: {e}")))
}
