//! The one writer: submissions queue up while the disk syncs the previous group, and each
//! group is decided against what is recorded, written in one transaction (group commit),
//! and only then applied to the live totals and answered. A submission is all or nothing;
//! a group's failure to reach the disk fails every submission in it and changes nothing.

use crate::election::Election;
use crate::health::{Changed, Writability, WriteProblem};
use crate::intake::{Acta, Correction};
use crate::live::Live;
use crate::ServerError;
use cifra_log::Entry;
use cifra_night::api::{ActaAnswer, ActaStatus, Submitted, VOTES_EXCEED_ELECTORS};
use cifra_store::StoreError;
use cifra_store::{Record, Store};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::{oneshot, watch};

/// Actas decided and written together at most.
const MAX_GROUP: usize = 100_000;
/// How often an idle writer looks for entries other servers appended to the store.
pub const FOLLOW_EVERY: Duration = Duration::from_millis(200);

/// A checked request waiting to be recorded.
pub struct Submission {
    /// Its actas.
    pub actas: Vec<Acta>,
    /// Where the answer goes.
    pub reply: oneshot::Sender<Result<Submitted, Refusal>>,
}

/// Why the writer did not record a submission, in the election's terms; the HTTP edge
/// (`error.rs`) chooses the status. Nothing of a refused submission is recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// An acta contradicts what is recorded: other counts without a correction, or a
    /// correction of a version that is no longer the latest (or of no acta at all).
    #[error("{message}")]
    Conflict {
        /// The acta's place in the request.
        acta: usize,
        /// The mesa.
        mesa: String,
        /// The field in conflict, e.g. `votes.boric` or `correction.replaces`.
        field: String,
        /// What is recorded and what to send instead.
        message: String,
    },
    /// The store did not confirm the group the submission was written in: it is not
    /// acknowledged (`problem` says whether it surely was not recorded).
    #[error("{}", unrecorded(problem.as_ref()))]
    Unrecorded {
        /// What the store said, when it said anything.
        problem: Option<WriteProblem>,
    },
    /// The server is stopping: the submission was not taken.
    #[error("the server is stopping; nothing was recorded")]
    Stopping,
}

/// The writer's shared parts.
pub struct Writer {
    /// The election.
    pub election: Arc<Election>,
    /// The live state it alone changes.
    pub live: Arc<RwLock<Live>>,
    /// Where entries become durable.
    pub store: Arc<dyn Store>,
    /// The log's size, announced after each group.
    pub size: watch::Sender<u64>,
    /// Set while the store cannot be reached, cleared when it answers again.
    pub store_down: Arc<AtomicBool>,
    /// Whether the last write (an append, or the idle probe) reached the store.
    pub writes: Arc<Writability>,
}

/// A mesa's latest version as a group sees it (recorded, or earlier in the same group).
#[derive(Clone)]
struct Latest {
    version: u32,
    index: u64,
    votes: Vec<u64>,
    image_sha256: Option<Box<str>>,
    reason: Option<Box<str>>,
}

impl Latest {
    /// Whether `acta` says nothing new: the same counts, and no other sheet image.
    fn says_the_same(&self, acta: &Acta) -> bool {
        self.votes == acta.votes
            && (acta.image_sha256.is_none()
                || acta.image_sha256.as_deref() == self.image_sha256.as_deref())
    }

    /// Whether this version is `correction` of `acta` itself, already recorded (the same
    /// correction sent again, e.g. after an answer that was lost).
    fn is_recorded(&self, acta: &Acta, correction: &Correction) -> bool {
        self.version == correction.replaces.saturating_add(1)
            && self.says_the_same(acta)
            && self.reason.as_deref() == Some(correction.reason.as_str())
    }
}

impl Writer {
    /// Runs until every sender is gone: receives submissions and records them in
    /// groups; between them, at least every [`FOLLOW_EVERY`], takes in what other
    /// servers on the same store appended.
    pub fn run(self, queue: std_mpsc::Receiver<Submission>) {
        loop {
            let first = match queue.recv_timeout(FOLLOW_EVERY) {
                Ok(first) => first,
                Err(std_mpsc::RecvTimeoutError::Timeout) => {
                    self.follow_and_report();
                    self.note_write(self.store.probe_write().as_ref().map(|_| ()));
                    continue;
                }
                Err(std_mpsc::RecvTimeoutError::Disconnected) => return,
            };
            let mut count = first.actas.len();
            let mut group = vec![first];
            while count < MAX_GROUP {
                match queue.try_recv() {
                    Ok(next) => {
                        count += next.actas.len();
                        group.push(next);
                    }
                    Err(_) => break,
                }
            }
            self.record(group);
        }
    }

    /// Takes in the entries other servers appended; a failure is logged (the
    /// next round tries again; reads go on serving what is known).
    fn follow_and_report(&self) {
        let down = self.follow().err();
        if let Some(e) = &down {
            if !self.store_down.load(Ordering::Relaxed) {
                tracing::warn!(error = %e, "the store cannot be reached; serving the last results known, refusing actas (503)");
            }
        } else if self.store_down.load(Ordering::Relaxed) {
            tracing::info!("the store answers again");
        }
        self.set_down(down.is_some());
    }

    /// Records whether the store can be reached; a change is announced to the event
    /// streams (an event says `stale` even when the log does not grow).
    fn set_down(&self, down: bool) {
        if self.store_down.swap(down, Ordering::Relaxed) != down {
            self.size.send_modify(|_| ());
        }
    }

    /// Applies the store's entries past the live log's end, each checked as at start.
    fn follow(&self) -> Result<(), ServerError> {
        let size = self.store.size()?;
        let known = self.live.read().unwrap_or_else(|e| e.into_inner()).size();
        if size <= known {
            return Ok(());
        }
        let lines = self.store.entries(known, size)?;
        let size = {
            let mut live = self.live.write().unwrap_or_else(|e| e.into_inner());
            live.take_all(&self.election, known, lines)?;
            live.size()
        };
        self.size.send_replace(size);
        Ok(())
    }

    /// Holds the store's log (no other server appends meanwhile), takes in what others
    /// appended, decides the group on the log as it now is, and appends it. `Err` when
    /// the store failed (logged once, and in `stale`).
    #[allow(clippy::type_complexity)]
    fn decide_under_lock(
        &self,
        group: &[Submission],
    ) -> Result<
        (
            Vec<Result<Vec<ActaAnswer>, Refusal>>,
            Vec<(u32, Entry, String)>,
        ),
        Option<WriteProblem>,
    > {
        let known = self.live.read().unwrap_or_else(|e| e.into_inner()).size();
        let lock = self
            .store
            .lock_log(known)
            .map_err(|e| self.write_failed(&e))?;
        if !lock.appended().is_empty() {
            let size = {
                let mut live = self.live.write().unwrap_or_else(|e| e.into_inner());
                live.take_all(&self.election, known, lock.appended().iter().cloned())
                    .map_err(|e| {
                        tracing::error!(error = %e, "the log in the store");
                        None
                    })?;
                live.size()
            };
            self.size.send_replace(size);
        }
        let (decided, records, applied) = self.decide(group);
        lock.append(&records).map_err(|e| self.write_failed(&e))?;
        self.set_down(false);
        self.note_write(Ok(()));
        Ok((decided, applied))
    }

    /// A write the store did not confirm: noted for the health and `stale`; the
    /// problem, to answer the submitters with.
    fn write_failed(&self, e: &StoreError) -> Option<WriteProblem> {
        self.store_failed(e);
        self.note_write(Err(e));
        Some(WriteProblem::of(e))
    }

    /// Notes whether a write reached the store (for the health), saying on stderr when
    /// writes start failing and when they work again.
    fn note_write(&self, result: Result<(), &StoreError>) {
        match self.writes.note(result) {
            Changed::No => {}
            Changed::Failing(problem) => tracing::warn!(
                reason = problem.reason,
                message = %problem.message,
                "the store cannot record actas: refusing them (503), health 503"
            ),
            Changed::Recovered => tracing::info!("the store records actas again"),
        }
    }

    /// Logs a store failure when it starts, and marks the results stale.
    fn store_failed(&self, e: &StoreError) {
        if !self.store_down.load(Ordering::Relaxed) {
            tracing::warn!(error = %e, "the store failed; refusing actas (503) until it answers");
        }
        self.set_down(true);
    }

    fn record(&self, group: Vec<Submission>) {
        // A group in which every acta is already recorded identically, on what this
        // server knows, is answered without the store; any other is decided again on
        // the store's log, under its lock (a conflict, too, may be news of a correction
        // another server recorded).
        let started = std::time::Instant::now();
        let (decided, records, applied) = self.decide(&group);
        let (decided, applied) = if records.is_empty() && decided.iter().all(Result::is_ok) {
            (decided, applied)
        } else {
            match self.decide_under_lock(&group) {
                Ok(done) => {
                    tracing::info!(
                        requests = group.len(),
                        entries = done.1.len(),
                        commit_ms = started.elapsed().as_secs_f64() * 1e3,
                        "group committed"
                    );
                    done
                }
                Err(problem) => {
                    let error = Refusal::Unrecorded { problem };
                    for submission in group {
                        let _ = submission.reply.send(Err(error.clone()));
                    }
                    return;
                }
            }
        };
        let size = {
            let mut live = self.live.write().unwrap_or_else(|e| e.into_inner());
            for (mesa, entry, line) in applied {
                live.apply(&self.election, mesa, &entry, line);
            }
            live.size()
        };
        self.size.send_replace(size);
        for (submission, answer) in group.into_iter().zip(decided) {
            let answer = answer.map(|actas| Submitted {
                log_size: size,
                actas,
            });
            // A client that went away still has its actas recorded; nothing to do.
            let _ = submission.reply.send(answer);
        }
    }

    /// Decides each submission of the group in order against what is recorded and what
    /// the group's earlier submissions record; returns each one's answers (or refusal),
    /// the records to write, and the entries to apply once written.
    #[allow(clippy::type_complexity)]
    fn decide(
        &self,
        group: &[Submission],
    ) -> (
        Vec<Result<Vec<ActaAnswer>, Refusal>>,
        Vec<Record>,
        Vec<(u32, Entry, String)>,
    ) {
        let live = self.live.read().unwrap_or_else(|e| e.into_inner());
        let mut next = live.size();
        let mut group_latest: HashMap<u32, Latest> = HashMap::new();
        let mut answers = Vec::with_capacity(group.len());
        let mut records = Vec::new();
        let mut applied = Vec::new();
        let time = now();
        for submission in group {
            let mut mine: HashMap<u32, Latest> = HashMap::new();
            let mut mine_applied = Vec::new();
            let mut acta_answers = Vec::with_capacity(submission.actas.len());
            let mut refusal = None;
            for acta in &submission.actas {
                let latest = mine
                    .get(&acta.mesa)
                    .or_else(|| group_latest.get(&acta.mesa))
                    .cloned()
                    .or_else(|| {
                        live.tally.current[acta.mesa as usize]
                            .as_ref()
                            .map(|c| Latest {
                                version: c.version,
                                index: c.index,
                                votes: c.votes.to_vec(),
                                image_sha256: c.image_sha256.clone(),
                                reason: c.reason.clone(),
                            })
                    });
                match self.decide_acta(acta, latest.as_ref(), next, &time) {
                    Ok(Decided::Unchanged(answer)) => acta_answers.push(answer),
                    Ok(Decided::New(entry)) => {
                        next += 1;
                        acta_answers.push(ActaAnswer {
                            mesa: entry.mesa.clone(),
                            status: ActaStatus::Recorded,
                            index: entry.index,
                            version: entry.version,
                            flags: entry.flags.clone(),
                        });
                        mine.insert(
                            acta.mesa,
                            Latest {
                                version: entry.version,
                                index: entry.index,
                                votes: acta.votes.clone(),
                                image_sha256: entry.image_sha256.as_deref().map(Box::from),
                                reason: entry.reason.as_deref().map(Box::from),
                            },
                        );
                        mine_applied.push((acta.mesa, entry));
                    }
                    Err(e) => {
                        refusal = Some(e);
                        break;
                    }
                }
            }
            match refusal {
                Some(e) => {
                    // Nothing of a refused submission is recorded: its indexes are reused.
                    next -= mine_applied.len() as u64;
                    answers.push(Err(e));
                }
                None => {
                    group_latest.extend(mine);
                    for (mesa, entry) in mine_applied {
                        let line = entry.to_line();
                        records.push(Record {
                            index: entry.index,
                            mesa: entry.mesa.clone(),
                            version: entry.version,
                            line: line.clone(),
                        });
                        applied.push((mesa, entry, line));
                    }
                    answers.push(Ok(acta_answers));
                }
            }
        }
        (answers, records, applied)
    }

    fn decide_acta(
        &self,
        acta: &Acta,
        latest: Option<&Latest>,
        index: u64,
        time: &str,
    ) -> Result<Decided, Refusal> {
        let mesa = &self.election.spec.mesas[acta.mesa as usize];
        let flags = flags(acta, mesa.electors);
        let unchanged = |l: &Latest| {
            Decided::Unchanged(ActaAnswer {
                mesa: mesa.id.clone(),
                status: ActaStatus::Unchanged,
                index: l.index,
                version: l.version,
                flags: flags.clone(),
            })
        };
        let conflict = |field: &str, message: String| Refusal::Conflict {
            acta: acta.position,
            mesa: mesa.id.clone(),
            field: field.to_string(),
            message,
        };
        let version = match (latest, &acta.correction) {
            (None, None) => 1,
            (None, Some(_)) => {
                return Err(conflict(
                    "correction.replaces",
                    format!(
                        "mesa {:?} has no acta yet: there is nothing to correct; send its first acta without \"correction\"",
                        mesa.id
                    ),
                ));
            }
            (Some(l), None) if l.votes == acta.votes => return Ok(unchanged(l)),
            (Some(l), None) => {
                let i = (0..acta.votes.len())
                    .find(|&i| l.votes[i] != acta.votes[i])
                    .unwrap_or(0);
                let option = &self.election.spec.options[i];
                return Err(conflict(
                    &format!("votes.{option}"),
                    format!(
                        "mesa {:?} already has an acta (version {}, log entry {}) with {} votes for {option:?}, not {}; a correction needs \"correction\": {{\"reason\": TEXT, \"replaces\": {}}}",
                        mesa.id, l.version, l.index, l.votes[i], acta.votes[i], l.version
                    ),
                ));
            }
            (Some(l), Some(c)) if c.replaces == l.version => {
                if l.says_the_same(acta) {
                    return Ok(unchanged(l));
                }
                l.version + 1
            }
            (Some(l), Some(c)) if l.is_recorded(acta, c) => return Ok(unchanged(l)),
            (Some(l), Some(c)) => {
                return Err(conflict(
                    "correction.replaces",
                    format!(
                        "mesa {:?}'s latest acta is version {} (log entry {}), not version {}: it was corrected meanwhile; read version {} and, if your correction still stands, send it with \"replaces\": {}",
                        mesa.id, l.version, l.index, c.replaces, l.version, l.version
                    ),
                ));
            }
        };
        let votes: BTreeMap<String, u64> = self
            .election
            .spec
            .options
            .iter()
            .cloned()
            .zip(acta.votes.iter().copied())
            .collect();
        Ok(Decided::New(Entry {
            flags,
            image_sha256: acta.image_sha256.clone(),
            index,
            mesa: mesa.id.clone(),
            reason: acta.correction.as_ref().map(|c| c.reason.clone()),
            time: time.to_string(),
            version,
            votes,
        }))
    }
}

/// What submitters are told when the store did not confirm their actas.
fn unrecorded(problem: Option<&WriteProblem>) -> String {
    match problem {
        Some(p) if p.nothing_written() => format!(
            "the database refused the actas ({}): they are not recorded; send them again later: {}",
            p.reason, p.message
        ),
        _ => "the database did not confirm the actas: they are not acknowledged (they may or may not have been recorded); send them again: an acta already recorded is answered 200".to_string(),
    }
}

enum Decided {
    Unchanged(ActaAnswer),
    New(Entry),
}

/// What is suspicious about an acta: more votes (blank and null included) than the mesa's
/// registered electors, as SERVEL flags "descuadradas".
fn flags(acta: &Acta, electors: Option<u64>) -> Vec<String> {
    let cast: u64 = acta.votes.iter().sum();
    match electors {
        Some(e) if cast > e => vec![VOTES_EXCEED_ELECTORS.to_string()],
        _ => Vec::new(),
    }
}

/// The time now, RFC 3339 in UTC to the millisecond.
pub fn now() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}
