//! What can go wrong with a store. Every message names the database and says what is
//! wrong, so that it can be shown to the operator as it is.
//!
//! The database is named by its path: for SQLite the file, for PostgreSQL the address
//! (`postgres://user@host:port/db`) without its password.

use std::path::{Path, PathBuf};

/// The schema version the SQLite backend writes and reads (`cifra_schema` in the `meta`
/// table).
pub(crate) const SCHEMA_VERSION: &str = "1";

/// An error from a [`Store`](crate::Store). Every variant carries the database's path
/// (for SQLite, the file; for PostgreSQL, its address without the password), and its
/// message names it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `create` was given a path that already exists, or a PostgreSQL database that
    /// already holds a cifra election.
    #[error("{}", exists_message(.path))]
    Exists {
        /// The existing file, or the database's address.
        path: PathBuf,
    },

    /// `open` was given a path where there is no file, or the address of a PostgreSQL
    /// database that does not exist (`create` needs it to exist too: cifra creates
    /// tables, not databases).
    #[error("{}", missing_message(.path))]
    Missing {
        /// The missing file, or the database's address.
        path: PathBuf,
    },

    /// `open` was given a file that is not a cifra election.
    #[error("{}: not a cifra election: {reason}", .path.display())]
    NotAnElection {
        /// The file.
        path: PathBuf,
        /// Why not, e.g. "not a SQLite database".
        reason: String,
    },

    /// The database is a cifra election written by a version of cifra with another
    /// schema.
    #[error("{}: cifra election schema version {found}, but this cifra reads version {expected}", .path.display())]
    SchemaVersion {
        /// The database.
        path: PathBuf,
        /// The version found in the database.
        found: String,
        /// The version this cifra reads.
        expected: String,
    },

    /// What was asked is refused: an invalid election spec, or a token scope that
    /// cannot match any mesa.
    #[error("{}: {reason}", .path.display())]
    Invalid {
        /// The database.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// A token with the same hash is already registered.
    #[error("{}: this token is already registered (a token's hash is registered once)", .path.display())]
    TokenExists {
        /// The database.
        path: PathBuf,
    },

    /// An append whose indexes do not continue the log; nothing was written.
    #[error("{}: cannot append entry {got}: the log's next index is {expected} (entries are appended in order, without gaps); nothing was written", .path.display())]
    Gap {
        /// The database.
        path: PathBuf,
        /// The index the log expected.
        expected: u64,
        /// The index the record had.
        got: u64,
    },

    /// An append would record a mesa's acta version the log already holds (another
    /// server recorded it first); nothing was written. Only backends that enforce one
    /// entry per mesa and version (PostgreSQL) return it.
    #[error("{}: the log already holds version {version} of mesa {mesa:?} (another server may have recorded it); nothing was written", .path.display())]
    Conflict {
        /// The database.
        path: PathBuf,
        /// The mesa of the refused record.
        mesa: String,
        /// The acta version of the refused record.
        version: u32,
    },

    /// The database cannot be reached (not running, restarting, the network is down,
    /// or it did not answer in time). Nothing is wrong with what was asked: the next
    /// call connects again, so the caller may answer "try again later" and carry on.
    ///
    /// An `append` that fails this way while committing may or may not have been
    /// written: the log says which (a retry at the same index is refused with
    /// [`StoreError::Gap`] if it was).
    #[error("{}: the database cannot be reached: {message}", .path.display())]
    Unavailable {
        /// The database.
        path: PathBuf,
        /// What went wrong, e.g. "connection refused".
        message: String,
    },

    /// The disk under the database is full: nothing was written, and nothing can be
    /// until space is freed.
    #[error("{}: the disk is full: {message}", .path.display())]
    DiskFull {
        /// The database.
        path: PathBuf,
        /// The driver's message.
        message: String,
    },

    /// The database accepts reads but refuses writes (a read-only file or file
    /// system, a PostgreSQL database or server in read-only mode): nothing was written.
    #[error("{}: the database is read-only: {message}", .path.display())]
    ReadOnly {
        /// The database.
        path: PathBuf,
        /// The driver's message.
        message: String,
    },

    /// The database would acknowledge a commit that a power loss could undo (a
    /// PostgreSQL server with `fsync` or `synchronous_commit` off), and the store was
    /// not opened to accept that ([`StoreOptions::unsafe_no_fsync`]): nothing was
    /// written.
    ///
    /// [`StoreOptions::unsafe_no_fsync`]: crate::StoreOptions::unsafe_no_fsync
    #[error("{}: {setting}: an acknowledged acta could be lost; refusing to record", .path.display())]
    NotDurable {
        /// The database.
        path: PathBuf,
        /// The setting in words, e.g. "PostgreSQL has synchronous_commit=off".
        setting: String,
    },

    /// The database driver failed (I/O, locking, ...).
    #[error("{}: database error: {message}", .path.display())]
    Database {
        /// The database.
        path: PathBuf,
        /// The driver's message.
        message: String,
    },

    /// A file operation around the database failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },

    /// The database holds data cifra did not write (damaged or edited by hand).
    #[error("{}: corrupt election data: {what}", .path.display())]
    Corrupt {
        /// The database.
        path: PathBuf,
        /// What is wrong with the data.
        what: String,
    },
}

/// Whether an error's path is a PostgreSQL database's address rather than a file.
fn is_address(path: &Path) -> bool {
    path.to_str().is_some_and(crate::is_postgres_address)
}

fn exists_message(path: &Path) -> String {
    if is_address(path) {
        format!(
            "{}: already holds a cifra election; a new election is never written over an existing one (choose another database)",
            path.display()
        )
    } else {
        format!(
            "{}: already exists; a new election is never written over an existing file (choose another path)",
            path.display()
        )
    }
}

fn missing_message(path: &Path) -> String {
    if is_address(path) {
        format!(
            "{}: no such database; there is no election here (is the address right? cifra creates tables, not databases: create it first, e.g. with createdb)",
            path.display()
        )
    } else {
        format!(
            "{}: no such file; there is no election here (is the path right?)",
            path.display()
        )
    }
}

impl StoreError {
    pub(crate) fn corrupt(path: &Path, what: impl Into<String>) -> StoreError {
        StoreError::Corrupt {
            path: path.to_path_buf(),
            what: what.into(),
        }
    }

    pub(crate) fn invalid(path: &Path, reason: impl Into<String>) -> StoreError {
        StoreError::Invalid {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }

    pub(crate) fn database(path: &Path, message: impl ToString) -> StoreError {
        StoreError::Database {
            path: path.to_path_buf(),
            message: message.to_string(),
        }
    }

    pub(crate) fn disk_full(path: &Path, message: impl ToString) -> StoreError {
        StoreError::DiskFull {
            path: path.to_path_buf(),
            message: message.to_string(),
        }
    }

    pub(crate) fn read_only(path: &Path, message: impl ToString) -> StoreError {
        StoreError::ReadOnly {
            path: path.to_path_buf(),
            message: message.to_string(),
        }
    }

    pub(crate) fn unavailable(path: &Path, message: impl Into<String>) -> StoreError {
        StoreError::Unavailable {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
