//! The Python exceptions, and every Rust error mapped to one.
//!
//! Work runs without the GIL and returns a [`Failure`]; it becomes a Python exception
//! only back on the caller's thread ([`Failure::into_py`]).

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyFileNotFoundError, PyOSError, PyValueError};
use pyo3::prelude::*;

create_exception!(
    cifra,
    CifraError,
    PyException,
    "The base of cifra's own errors."
);
create_exception!(
    cifra,
    InputError,
    CifraError,
    "A problem in the input: `.path`, `.line` (1-based, the header is line 1; for a \
     DataFrame, the row's position counted as in a CSV file) and `.column` say where, \
     `.message` what."
);
create_exception!(
    cifra,
    LawError,
    CifraError,
    "A contest the electoral system cannot decide as given (`.district` names it, or is \
     None for a problem with the seats)."
);
create_exception!(
    cifra,
    VerifyError,
    CifraError,
    "A verification that failed: a signature, the log's tree, a proof or a recount is \
     not what it must be."
);

/// Everything the module's work can fail with, before it is a Python exception.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A problem in an input (file or DataFrame).
    Input(cifra_results::InputError),
    /// A file that cannot be read.
    Io {
        file: String,
        source: std::io::Error,
    },
    /// The law cannot decide a contest; `district` is `None` for the seats.
    Law {
        district: Option<String>,
        message: String,
    },
    /// A bad argument (Python's `ValueError`).
    Usage(String),
    /// A verification that failed.
    Verify(String),
    /// A server that cannot be reached or answers nonsense.
    Connection(String),
}

impl From<cifra_results::InputError> for Failure {
    fn from(e: cifra_results::InputError) -> Self {
        Failure::Input(e)
    }
}

impl From<cifra_results::ReadError> for Failure {
    fn from(e: cifra_results::ReadError) -> Self {
        match e {
            cifra_results::ReadError::Io { file, source } => Failure::Io { file, source },
            cifra_results::ReadError::Input(e) => Failure::Input(e),
        }
    }
}

impl From<cifra_client::ClientError> for Failure {
    fn from(e: cifra_client::ClientError) -> Self {
        match e {
            cifra_client::ClientError::Failed(why) => Failure::Verify(why),
            other => Failure::Connection(other.to_string()),
        }
    }
}

impl From<Failure> for PyErr {
    fn from(f: Failure) -> PyErr {
        Python::with_gil(|py| f.into_py(py))
    }
}

impl Failure {
    /// The Python exception, its attributes set.
    pub(crate) fn into_py(self, py: Python<'_>) -> PyErr {
        match self {
            Failure::Input(e) => {
                let err = InputError::new_err(e.to_string());
                let value = err.value(py);
                // Setting an attribute on a fresh exception cannot fail but for memory.
                let _ = value.setattr("path", &e.file);
                let _ = value.setattr("line", e.line);
                let _ = value.setattr("column", &e.column);
                let _ = value.setattr("message", &e.message);
                err
            }
            Failure::Io { file, source } => {
                let message = format!("{file}: {source}");
                if source.kind() == std::io::ErrorKind::NotFound {
                    PyFileNotFoundError::new_err(message)
                } else {
                    PyOSError::new_err(message)
                }
            }
            Failure::Law { district, message } => {
                let text = match &district {
                    Some(d) => format!("district \"{d}\": {message}"),
                    None => message.clone(),
                };
                let err = LawError::new_err(text);
                let value = err.value(py);
                let _ = value.setattr("district", district);
                let _ = value.setattr("message", message);
                err
            }
            Failure::Usage(message) => PyValueError::new_err(message),
            Failure::Verify(message) => VerifyError::new_err(message),
            Failure::Connection(message) => pyo3::exceptions::PyConnectionError::new_err(message),
        }
    }
}
