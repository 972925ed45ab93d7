//! The `cifra serve` API's bodies, one definition each, used by whoever sends them and
//! whoever reads them: the server serialises these, `cifra replay` and `cifra verify`
//! deserialise them (and send [`ActaBody`]). `docs/api.md` describes them; fields are
//! added, never renamed or removed.

use cifra_log::Entry;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One acta as a submitter sends it (`POST /api/v1/actas`, alone or in an array).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActaBody {
    /// The mesa's id.
    pub mesa: String,
    /// Votes per option: every option of the election, once.
    pub votes: BTreeMap<String, u64>,
    /// The scanned sheet's SHA-256, lowercase hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_sha256: Option<String>,
    /// Present for a correction of a recorded acta.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correction: Option<CorrectionBody>,
}

/// Why an acta corrects a recorded one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectionBody {
    /// Why, in words (at most 2,000 characters).
    pub reason: String,
}

/// What a recorded submission answers (201 or 200).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submitted {
    /// The log's size after the submission.
    pub log_size: u64,
    /// One per acta, in the request's order.
    pub actas: Vec<ActaAnswer>,
}

impl Submitted {
    /// Whether anything new was recorded (201) or all was already there (200).
    pub fn created(&self) -> bool {
        self.actas.iter().any(|a| a.status == ActaStatus::Recorded)
    }
}

/// What happened to one acta of a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActaAnswer {
    /// The mesa.
    pub mesa: String,
    /// Recorded anew, or already recorded identically.
    pub status: ActaStatus,
    /// The index of the mesa's latest entry.
    pub index: u64,
    /// Its version.
    pub version: u32,
    /// What is suspicious about it (e.g. [`VOTES_EXCEED_ELECTORS`]).
    pub flags: Vec<String>,
}

/// The flag of an acta whose votes (blank and null included) exceed the mesa's
/// registered electors.
pub const VOTES_EXCEED_ELECTORS: &str = "votes_exceed_electors";

/// An acta's fate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActaStatus {
    /// A new entry was appended for it.
    Recorded,
    /// It was already recorded with the same counts.
    Unchanged,
}

/// Every refusal's body: what is wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What is wrong, in a sentence.
    pub error: String,
    /// The acta's place in the request; `None` when the request as a whole is wrong.
    pub acta: Option<usize>,
    /// The mesa, when known.
    pub mesa: Option<String>,
    /// The field, e.g. `votes.boric`.
    pub field: Option<String>,
}

/// Results (or a breakdown) with the log they come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Published<T> {
    /// What is published.
    #[serde(flatten)]
    pub results: T,
    /// The log's size the results count.
    pub log_size: u64,
    /// The log's root at that size, base64.
    pub log_root: String,
    /// True while the store cannot be reached: these are the last results known, and
    /// actas sent now are refused (503) rather than lost.
    pub stale: bool,
}

/// Results per value of one territory column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breakdown<R> {
    /// The column.
    pub by: String,
    /// One result per value, in the order values first appear in the mesa file.
    pub values: Vec<R>,
}

/// `GET /api/v1/election`: what the election is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElectionView {
    /// The log's origin.
    pub name: String,
    /// The system's id.
    pub system: String,
    /// The options, in the election's order.
    pub options: Vec<String>,
    /// The columns whose values, joined by `/`, give a mesa's id.
    pub id_columns: Vec<String>,
    /// The territory columns, broadest first.
    pub territory_columns: Vec<String>,
    /// The mesas of the election.
    pub mesas_total: u64,
    /// Per territory column (in order), its values in the order they first appear.
    pub territories: IndexMap<String, Vec<String>>,
    /// The log's verifier key (signed-note form).
    pub key: String,
}

/// `GET /api/v1/log/proof`: an entry's inclusion proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofView {
    /// The entry.
    pub index: u64,
    /// The tree size proved against.
    pub size: u64,
    /// The entry's leaf hash, base64.
    pub leaf_hash: String,
    /// The proof's hashes, base64.
    pub path: Vec<String>,
}

/// `GET /api/v1/log/consistency`: a consistency proof between two sizes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyView {
    /// The smaller size.
    pub from: u64,
    /// The larger size.
    pub to: u64,
    /// The proof's hashes, base64.
    pub path: Vec<String>,
}

/// The data of a `results` event of `GET /api/v1/events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultsEvent<R> {
    /// The log size this event's entries reach.
    pub log_size: u64,
    /// The log's root at that size, base64.
    pub log_root: String,
    /// Whether the server cannot reach its store now.
    pub stale: bool,
    /// The latest national results.
    pub results: R,
    /// The latest breakdown by the first territory column (`None` without territories).
    pub breakdown: Option<Breakdown<R>>,
    /// The entries since the previous event (absent with `?entries=false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entries: Option<Vec<Entry>>,
}

/// `GET /api/v1/health`: whether the server can record actas (200) or not (503).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Results, the log and the election are served (from memory: always).
    pub reads: bool,
    /// Actas can be recorded: the last write (or idle probe) reached the store.
    pub writes: bool,
    /// The log's size.
    pub log_size: u64,
    /// What is served may be behind the store (as in results).
    pub stale: bool,
    /// Why actas cannot be recorded, in a few words: `disk full`, `read-only`, `not
    /// durable`, `store unavailable` or `store error`; absent when they can.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The store's own message about it; absent when actas can be recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `GET /api/v1/log/checkpoints?from=SIZE`: a page of the signed checkpoints the server
/// kept, smallest size first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptCheckpoints {
    /// The checkpoints of this page.
    pub checkpoints: Vec<KeptCheckpoint>,
    /// Where the next page starts (`?from=`), `None` on the last page.
    pub next: Option<u64>,
}

/// One kept checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptCheckpoint {
    /// The log size it signs.
    pub size: u64,
    /// The signed note, as `GET /api/v1/log/checkpoint` served it.
    pub note: String,
}

/// `GET /api/v1/projection`: the contest's projected final result at the log's size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectionView {
    /// The contest (today the election's name: one contest per election).
    pub contest: String,
    /// The district (always `null`: districts come with seat contests).
    pub district: Option<String>,
    /// The log size the projection is computed at.
    pub log_size: u64,
    /// Mesas counted.
    pub mesas_counted: u64,
    /// Mesas of the election.
    pub mesas_total: u64,
    /// The intervals' level.
    pub level: f64,
    /// The fraction of the final votes already counted.
    pub expected_counted: crate::projection::Interval,
    /// Turnout, where every mesa's electors are known.
    pub turnout: Option<crate::projection::Interval>,
    /// Each candidate's projected share and votes with intervals.
    pub options: Vec<crate::projection::OptionProjection>,
    /// Seats per list (always `null`: seat contests are not projected yet).
    pub seats: Option<Vec<serde_json::Value>>,
    /// The call, once made (never withdrawn).
    pub call: Option<crate::projection::CallRecord>,
    /// How it was computed.
    pub method: String,
}
