//! A witness's durable state: its key (a file) and, per log, the latest checkpoint it
//! cosigned and every (size, root) it ever cosigned (SQLite, WAL, synchronous=FULL).
//!
//! [`WitnessState::record`] checks a submission against the latest checkpoint and records
//! the new one in one `BEGIN IMMEDIATE` transaction, committed before any cosignature is
//! made: two requests cannot both pass the check against the same latest size (the race
//! C2SP tlog-witness warns of), and a witness killed at any point restarts either before
//! the commit (nothing cosigned) or after it. The table of cosigned sizes has the
//! (origin, size) as its key, so the database itself refuses a second root for one size.

use crate::cosignature::Cosigner;
use crate::decide::{check_consistency, Refusal, Submitted};
use base64::prelude::{Engine, BASE64_STANDARD};
use cifra_log::Hash;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};

/// The key file in a witness's state directory: its name, then its base64 seed.
pub const KEY_FILE: &str = "witness.key";
/// The database in a witness's state directory.
pub const DB_FILE: &str = "witness.db";

/// What went wrong with a witness's state.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The submission was refused (the state is unchanged).
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// A file could not be read or written.
    #[error("{path}: {why}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        why: String,
    },
    /// The database failed.
    #[error("the witness database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// A witness to create: `cifra witness init`'s settings (its flags, with the `cli`
/// feature).
#[derive(Debug, Clone)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct Creating {
    /// The witness's state directory (created).
    #[cfg_attr(feature = "cli", arg(long, value_name = "DIR"))]
    pub state: PathBuf,
    /// Its name, e.g. a URL without scheme: witness.universidad.cl/2025.
    #[cfg_attr(feature = "cli", arg(long, value_name = "NAME"))]
    pub name: String,
}

/// Creates a witness's state directory: a fresh key named `name` and an empty database.
/// Refuses a directory that already holds a key (a witness's key is never replaced).
pub fn init(dir: &Path, name: &str) -> Result<Cosigner, StateError> {
    let file_error = |path: &Path, e: &dyn std::fmt::Display| StateError::File {
        path: path.to_owned(),
        why: e.to_string(),
    };
    let (cosigner, seed) = Cosigner::generate(name).map_err(|e| file_error(dir, &e))?;
    std::fs::create_dir_all(dir).map_err(|e| file_error(dir, &e))?;
    let path = dir.join(KEY_FILE);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).map_err(|e| {
        let why = if e.kind() == std::io::ErrorKind::AlreadyExists {
            "a witness key is already there; a witness keeps its key for ever".to_owned()
        } else {
            e.to_string()
        };
        file_error(&path, &why)
    })?;
    let text = format!("{name}\n{}\n", BASE64_STANDARD.encode(seed));
    std::io::Write::write_all(&mut file, text.as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(|e| file_error(&path, &e))?;
    WitnessState::open(&dir.join(DB_FILE))?;
    Ok(cosigner)
}

/// Reads a witness's key from its state directory.
pub fn load_key(dir: &Path) -> Result<Cosigner, StateError> {
    let path = dir.join(KEY_FILE);
    let bad = |why: String| StateError::File {
        path: path.clone(),
        why,
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| bad(format!("{e} (run `cifra witness init` first)")))?;
    let mut lines = text.lines();
    let (Some(name), Some(seed64)) = (lines.next(), lines.next()) else {
        return Err(bad(
            "expected two lines: the name and the base64 seed".into()
        ));
    };
    let seed: [u8; 32] = BASE64_STANDARD
        .decode(seed64.trim())
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| bad("line 2: the seed is not 32 bytes in base64".into()))?;
    Cosigner::new(name.trim(), seed).map_err(|e| bad(format!("line 1: {e}")))
}

/// The latest checkpoint cosigned for one log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Latest {
    /// Its size.
    pub size: u64,
    /// Its root.
    pub root: Hash,
    /// The log's signed note, as submitted.
    pub note: String,
}

/// The witness's database.
pub struct WitnessState {
    conn: Connection,
}

impl WitnessState {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<WitnessState, StateError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // Every commit reaches the disk before the cosignature is sent.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS latest (
                 origin TEXT PRIMARY KEY, size INTEGER NOT NULL, root BLOB NOT NULL,
                 note TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS cosigned (
                 origin TEXT NOT NULL, size INTEGER NOT NULL, root BLOB NOT NULL,
                 PRIMARY KEY (origin, size));",
        )?;
        Ok(WitnessState { conn })
    }

    /// The latest checkpoint cosigned for `origin`, if any.
    pub fn latest(&self, origin: &str) -> Result<Option<Latest>, StateError> {
        Ok(read_latest(&self.conn, origin)?)
    }

    /// The root cosigned for `origin` at `size`, if one was.
    pub fn cosigned_root(&self, origin: &str, size: u64) -> Result<Option<Hash>, StateError> {
        let root: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT root FROM cosigned WHERE origin = ?1 AND size = ?2",
                params![origin, size_to_sql(size)?],
                |row| row.get(0),
            )
            .optional()?;
        Ok(root.and_then(|r| r.try_into().ok()))
    }

    /// Checks `submitted` against the latest checkpoint of its log and records it as
    /// the new latest, in one transaction; on success the caller may cosign it.
    pub fn record(&mut self, submitted: &Submitted) -> Result<(), StateError> {
        let origin = &submitted.checkpoint.origin;
        let size = size_to_sql(submitted.checkpoint.size)?;
        let root = submitted.checkpoint.root;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let latest = read_latest(&tx, origin)?;
        check_consistency(latest.map(|l| (l.size, l.root)), submitted)?;
        let kept: Option<Vec<u8>> = tx
            .query_row(
                "SELECT root FROM cosigned WHERE origin = ?1 AND size = ?2",
                params![origin, size],
                |row| row.get(0),
            )
            .optional()?;
        match kept {
            Some(kept) if kept != root => {
                return Err(Refusal::Inconsistent(format!(
                    "another root was cosigned for size {size}"
                ))
                .into())
            }
            Some(_) => {}
            None => {
                tx.execute(
                    "INSERT INTO cosigned (origin, size, root) VALUES (?1, ?2, ?3)",
                    params![origin, size, &root[..]],
                )?;
            }
        }
        tx.execute(
            "INSERT INTO latest (origin, size, root, note) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (origin) DO UPDATE SET size = ?2, root = ?3, note = ?4",
            params![origin, size, &root[..], submitted.note],
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// A size as SQLite's signed 64-bit integer.
fn size_to_sql(size: u64) -> Result<i64, StateError> {
    i64::try_from(size).map_err(|_| {
        StateError::Refused(Refusal::BadRequest(format!("the size {size} is too large")))
    })
}

fn read_latest(conn: &Connection, origin: &str) -> Result<Option<Latest>, rusqlite::Error> {
    conn.query_row(
        "SELECT size, root, note FROM latest WHERE origin = ?1",
        params![origin],
        |row| {
            let size: i64 = row.get(0)?;
            let root: Vec<u8> = row.get(1)?;
            let note: String = row.get(2)?;
            Ok((size, root, note))
        },
    )
    .optional()?
    .map(|(size, root, note)| {
        let root: Hash = root.try_into().map_err(|_| {
            rusqlite::Error::InvalidColumnType(1, "root".into(), rusqlite::types::Type::Blob)
        })?;
        Ok(Latest {
            size: size as u64,
            root,
            note,
        })
    })
    .transpose()
}
