//! The errors a user can meet, each naming where the problem is.

use cifra_results::{InputError, ReadError};

/// Everything `cifra` can fail with. Each is printed as `cifra: error: …` on stderr,
/// with exit status 2, and nothing on stdout.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A problem in an input file.
    #[error(transparent)]
    Input(#[from] InputError),
    /// A file that cannot be read at all, or a problem in it.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A file that cannot be written.
    #[error("{file}: {source}")]
    Write {
        /// The file.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// A contest the chosen system cannot decide.
    #[error("{file}: district \"{district}\": {source}")]
    Decide {
        /// The results file.
        file: String,
        /// The contest.
        district: String,
        /// Why.
        source: cifra_core::SystemError,
    },
    /// A bad combination of arguments.
    #[error("{0}")]
    Usage(String),
    /// The election's store.
    #[error(transparent)]
    Store(#[from] cifra_store::StoreError),
    /// The server could not start.
    #[error(transparent)]
    Server(#[from] cifra_server::ServerError),
    /// Talking to a server.
    #[error(transparent)]
    Client(#[from] cifra_client::ClientError),
    /// A problem in ecological inference.
    #[error(transparent)]
    Ei(#[from] cifra_ei::Error),
    /// A problem, and what to change on the command line to avoid it.
    #[error("{source}; {hint}")]
    Hint {
        /// The problem.
        source: Box<CliError>,
        /// What to change on the command line.
        hint: String,
    },
    /// A problem in ecological inference, and the option that avoids it.
    #[error("{source}; {hint}")]
    EiHint {
        /// The problem.
        source: cifra_ei::Error,
        /// What to change on the command line.
        hint: &'static str,
    },
}
