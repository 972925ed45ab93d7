//! What can go wrong with a store. Every message names the database and says what is
//! wrong, so that it can be shown to the operator as it is.

use std::path::{Path, PathBuf};

/// The schema version this crate writes and reads (`cifra_schema` in the `meta` table).
pub(crate) const SCHEMA_VERSION: &str = "1";

/// An error from a [`Store`](crate::Store). Every variant carries the database's path
/// (for SQLite, the file), and its message names it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `create` was given a path that already exists.
    #[error("{}: already exists; a new election is never written over an existing file (choose another path)", .path.display())]
    Exists {
        /// The existing file.
        path: PathBuf,
    },

    /// `open` was given a path where there is no file.
    #[error("{}: no such file; there is no election here (is the path right?)", .path.display())]
    Missing {
        /// The missing file.
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

    /// The file is a cifra election written by a version of cifra with another schema.
    #[error("{}: cifra election schema version {found}, but this cifra reads version {}", .path.display(), SCHEMA_VERSION)]
    SchemaVersion {
        /// The database.
        path: PathBuf,
        /// The version found in the database.
        found: String,
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

    /// The database driver failed (I/O, locking, a full disk, ...).
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

    pub(crate) fn io(path: &Path, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
