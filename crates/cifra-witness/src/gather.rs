//! The log's side of C2SP tlog-witness: one background task per witness asks it to
//! cosign each new checkpoint, with the consistency proof from the last size it
//! cosigned (learnt from a 409 when unknown), and keeps the cosignature lines it gets.
//! The log serves its checkpoint with them ([`Gatherer::served`]). Nothing here is on
//! the intake path: a slow or dead witness delays only its own task.

use crate::cosignature::{append_signatures, split_note, CosignatureVerifier};
use crate::request::{parse_decimal, AddCheckpoint};
use cifra_log::{Checkpoint, Hash};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// How long one request to a witness may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest wait between retries to a witness that fails.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How many checkpoint sizes' cosignatures are kept.
const KEPT_SIZES: usize = 16;

/// A witness to ask: its cosignature verifier key and its URL prefix.
#[derive(Debug, Clone)]
pub struct Target {
    /// Its key.
    pub verifier: CosignatureVerifier,
    /// Its submission prefix (`POST <url>/add-checkpoint`).
    pub url: String,
}

impl Target {
    /// Reads `VKEY@URL` (the key as `cifra witness init` prints it).
    pub fn parse(spec: &str) -> Result<Target, String> {
        let (vkey, url) = spec
            .split_once('@')
            .ok_or_else(|| format!("{spec:?}: expected VKEY@URL"))?;
        let verifier = CosignatureVerifier::parse(vkey).map_err(|e| e.to_string())?;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!(
                "{url:?}: the witness URL must start with http:// or https://"
            ));
        }
        Ok(Target {
            verifier,
            url: url.trim_end_matches('/').to_owned(),
        })
    }
}

/// Reads every `VKEY@URL` of `specs` and checks that `quorum` does not exceed them.
pub fn parse_targets(specs: &[String], quorum: usize) -> Result<Vec<Target>, String> {
    let targets = specs
        .iter()
        .map(|spec| Target::parse(spec))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("--witness: {e}"))?;
    if quorum > targets.len() {
        return Err(format!(
            "--witness-quorum {quorum} with {} witness(es): a quorum cannot exceed the witnesses",
            targets.len()
        ));
    }
    Ok(targets)
}

/// What the log knows of one witness, as `GET /api/v1/witnesses` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The witness's name.
    pub name: String,
    /// Its verifier key.
    pub key: String,
    /// Its URL prefix.
    pub url: String,
    /// The size of the latest checkpoint it cosigned for this log, if any.
    pub last_size_cosigned: Option<u64>,
    /// The last error talking to it (cleared by a cosignature).
    pub last_error: Option<String>,
}

/// Where consistency proofs come from: the log's tree.
pub trait Proofs: Send + Sync {
    /// The consistency proof from `from` to `to` entries.
    fn consistency_proof(&self, from: u64, to: u64) -> Result<Vec<Hash>, String>;
}

/// The cosignatures gathered, per checkpoint size, and every witness's state.
pub struct Gatherer {
    targets: Vec<Target>,
    quorum: usize,
    inner: Mutex<Inner>,
}

struct Inner {
    statuses: Vec<Status>,
    /// By size: the log's note and each witness's line (by target index).
    cosigned: BTreeMap<u64, (Arc<str>, BTreeMap<usize, String>)>,
}

/// What a witness answered.
enum Answer {
    /// A cosignature line, verified.
    Cosigned(String),
    /// 409: the witness's latest size.
    Conflict(u64),
}

impl Gatherer {
    /// A gatherer for `targets` whose served checkpoint prefers one with `quorum`
    /// cosignatures.
    pub fn new(targets: Vec<Target>, quorum: usize) -> Gatherer {
        let statuses = targets
            .iter()
            .map(|t| Status {
                name: t.verifier.name().to_owned(),
                key: t.verifier.verifier_key(),
                url: t.url.clone(),
                last_size_cosigned: None,
                last_error: None,
            })
            .collect();
        Gatherer {
            targets,
            quorum,
            inner: Mutex::new(Inner {
                statuses,
                cosigned: BTreeMap::new(),
            }),
        }
    }

    /// Every witness's state.
    pub fn statuses(&self) -> Vec<Status> {
        self.lock().statuses.clone()
    }

    /// The quorum asked for.
    pub fn quorum(&self) -> usize {
        self.quorum
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The checkpoint to serve, given the log's latest signed note: the largest one
    /// that has `quorum` cosignatures (or more) with them appended, if it is there;
    /// otherwise the latest with whatever cosignatures it has.
    pub fn served(&self, latest: &str) -> String {
        let inner = self.lock();
        let with_lines = |note: &str, lines: &BTreeMap<usize, String>| {
            let joined: String = lines.values().map(String::as_str).collect();
            append_signatures(note, &joined).unwrap_or_else(|_| note.to_owned())
        };
        if self.quorum > 0 {
            if let Some((note, lines)) = inner
                .cosigned
                .values()
                .rev()
                .find(|(_, lines)| lines.len() >= self.quorum)
            {
                return with_lines(note, lines);
            }
        }
        match inner.cosigned.values().find(|(note, _)| &**note == latest) {
            Some((note, lines)) => with_lines(note, lines),
            None => latest.to_owned(),
        }
    }

    fn note_cosigned(&self, index: usize, size: u64, note: &Arc<str>, line: String) {
        let mut inner = self.lock();
        let entry = inner
            .cosigned
            .entry(size)
            .or_insert_with(|| (Arc::clone(note), BTreeMap::new()));
        if *entry.0 == **note {
            entry.1.insert(index, line);
        }
        while inner.cosigned.len() > KEPT_SIZES {
            inner.cosigned.pop_first();
        }
        let status = &mut inner.statuses[index];
        status.last_size_cosigned = Some(size);
        status.last_error = None;
    }

    fn note_error(&self, index: usize, error: String) {
        tracing::warn!(witness = %self.targets[index].url, %error, "a witness did not cosign");
        self.lock().statuses[index].last_error = Some(error);
    }

    /// Starts one task per witness on the current runtime: each asks its witness to
    /// cosign every note `latest` announces, in the background.
    pub fn spawn(
        self: &Arc<Self>,
        latest: watch::Receiver<Option<Arc<str>>>,
        proofs: Arc<dyn Proofs>,
    ) {
        for index in 0..self.targets.len() {
            let gatherer = Arc::clone(self);
            let (latest, proofs) = (latest.clone(), Arc::clone(&proofs));
            tokio::spawn(async move { gatherer.run(index, latest, proofs).await });
        }
    }

    /// One witness's task.
    async fn run(
        self: Arc<Self>,
        index: usize,
        mut latest: watch::Receiver<Option<Arc<str>>>,
        proofs: Arc<dyn Proofs>,
    ) {
        let client = match reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build() {
            Ok(client) => client,
            Err(e) => return self.note_error(index, format!("no HTTP client: {e}")),
        };
        // The witness's size for this log, as far as we know (learnt from a 409).
        let mut known: u64 = 0;
        let mut done: Option<u64> = None;
        let mut backoff = Duration::from_secs(1);
        loop {
            let note = latest.borrow_and_update().clone();
            if let Some(note) = note {
                match self
                    .ask(&client, index, &note, &mut known, &mut done, &*proofs)
                    .await
                {
                    Ok(()) => backoff = Duration::from_secs(1),
                    Err(error) => {
                        self.note_error(index, error);
                        // Retry after a while unless a new checkpoint comes first.
                        let _ = tokio::time::timeout(backoff, latest.changed()).await;
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                        continue;
                    }
                }
            }
            if latest.changed().await.is_err() {
                return;
            }
        }
    }

    /// Asks witness `index` to cosign `note`, learning its size from a 409 (twice at
    /// most: a witness that keeps moving is someone else's problem).
    async fn ask(
        &self,
        client: &reqwest::Client,
        index: usize,
        note: &Arc<str>,
        known: &mut u64,
        done: &mut Option<u64>,
        proofs: &dyn Proofs,
    ) -> Result<(), String> {
        let (body, _) = split_note(note).map_err(|e| e.to_string())?;
        let size = Checkpoint::parse(body).map_err(|e| e.to_string())?.size;
        if *done == Some(size) {
            return Ok(());
        }
        for _ in 0..3 {
            if *known > size {
                return Err(format!(
                    "the witness has cosigned {known} entries, more than this server's \
                     {size}: another server of this log is ahead, or the witness was shown \
                     another history of it"
                ));
            }
            let proof = proofs.consistency_proof(*known, size)?;
            let request = AddCheckpoint {
                old_size: *known,
                proof,
                checkpoint: note.to_string(),
            };
            match self.post(client, index, body, request).await? {
                Answer::Cosigned(line) => {
                    self.note_cosigned(index, size, note, line);
                    *known = size;
                    *done = Some(size);
                    return Ok(());
                }
                Answer::Conflict(latest) => *known = latest,
            }
        }
        Err("the witness's size kept changing (409 three times)".into())
    }

    async fn post(
        &self,
        client: &reqwest::Client,
        index: usize,
        body: &str,
        request: AddCheckpoint,
    ) -> Result<Answer, String> {
        let target = &self.targets[index];
        let response = client
            .post(format!("{}/add-checkpoint", target.url))
            .body(request.to_body())
            .send()
            .await
            .map_err(|e| format!("cannot reach the witness: {e}"))?;
        let status = response.status().as_u16();
        let text = response
            .text()
            .await
            .map_err(|e| format!("reading the witness's answer: {e}"))?;
        match status {
            200 => {
                for line in text.split_terminator('\n') {
                    if target
                        .verifier
                        .verify_line(body, line)
                        .ok()
                        .flatten()
                        .is_some()
                    {
                        return Ok(Answer::Cosigned(format!("{line}\n")));
                    }
                }
                Err("the witness answered 200 without a valid cosignature by its key".into())
            }
            409 => parse_decimal(text.trim_end_matches('\n'))
                .map(Answer::Conflict)
                .ok_or_else(|| format!("409 without a size: {text:?}")),
            _ => Err(format!("{status}: {}", text.trim())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cosignature::Cosigner;

    const BODY: &str = "log.test\n3\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    fn note(size: u64) -> Arc<str> {
        let body = BODY.replace("\n3\n", &format!("\n{size}\n"));
        let log = cifra_log::NoteSigner::new("log.test", [1; 32]).unwrap();
        log.sign(&body).unwrap().into()
    }

    #[test]
    fn targets_are_vkey_at_url() {
        let w = Cosigner::new("w.test", [2; 32]).unwrap();
        let target = Target::parse(&format!("{}@http://127.0.0.1:9/", w.verifier_key())).unwrap();
        assert_eq!(target.url, "http://127.0.0.1:9");
        assert_eq!(target.verifier, w.verifier());
        assert!(Target::parse(&w.verifier_key())
            .unwrap_err()
            .contains("VKEY@URL"));
        let ftp = format!("{}@ftp://x", w.verifier_key());
        assert!(Target::parse(&ftp).unwrap_err().contains("http"));
        let log_key = cifra_log::NoteSigner::new("log.test", [1; 32])
            .unwrap()
            .verifier_key();
        assert!(Target::parse(&format!("{log_key}@http://x")).is_err());
    }

    #[test]
    fn the_served_note_is_the_latest_with_a_quorum() {
        let witnesses: Vec<Cosigner> = (0..3)
            .map(|i| Cosigner::new(&format!("w{i}.test"), [10 + i; 32]).unwrap())
            .collect();
        let targets = witnesses
            .iter()
            .map(|w| Target {
                verifier: w.verifier(),
                url: "http://x".into(),
            })
            .collect();
        let gatherer = Gatherer::new(targets, 2);
        let line = |w: &Cosigner, size: u64| {
            let (body, _) = split_note(&note(size))
                .map(|(b, l)| (b.to_owned(), l.len()))
                .unwrap();
            w.cosign(&body, 100).unwrap()
        };
        // Size 5 cosigned by two, size 6 by one: 5 is served, with both lines.
        gatherer.note_cosigned(0, 5, &note(5), line(&witnesses[0], 5));
        gatherer.note_cosigned(1, 5, &note(5), line(&witnesses[1], 5));
        gatherer.note_cosigned(0, 6, &note(6), line(&witnesses[0], 6));
        let served = gatherer.served(&note(7));
        let verifiers: Vec<_> = witnesses.iter().map(Cosigner::verifier).collect();
        assert_eq!(
            crate::cosigned_by(&served, &verifiers).unwrap(),
            ["w0.test", "w1.test"]
        );
        assert!(served.starts_with(&*note(5)));
        // Without a quorum anywhere, the latest with what it has.
        let lone = Gatherer::new(
            witnesses
                .iter()
                .map(|w| Target {
                    verifier: w.verifier(),
                    url: "http://x".into(),
                })
                .collect(),
            3,
        );
        lone.note_cosigned(2, 6, &note(6), line(&witnesses[2], 6));
        assert_eq!(lone.served(&note(7)), *note(7));
        let six = lone.served(&note(6));
        assert_eq!(crate::cosigned_by(&six, &verifiers).unwrap(), ["w2.test"]);
        assert_eq!(lone.statuses()[2].last_size_cosigned, Some(6));
        assert_eq!(lone.statuses()[0].last_size_cosigned, None);
    }
}
