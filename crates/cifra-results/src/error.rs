//! The errors of reading inputs, each naming where the problem is.

use std::fmt;

/// A problem in an input file, located as precisely as the problem allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file's name as the user gave it (`-` is shown as `<stdin>`).
    pub file: String,
    /// The 1-based line, when the problem is on one line.
    pub line: Option<u64>,
    /// The column's name, when the problem is in one field.
    pub column: Option<String>,
    /// What is wrong and what was expected.
    pub message: String,
}

impl InputError {
    /// A problem with the file as a whole.
    pub fn file(file: &str, message: impl Into<String>) -> Self {
        InputError {
            file: file.to_string(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// A problem on one line.
    pub fn line(file: &str, line: u64, message: impl Into<String>) -> Self {
        InputError {
            line: Some(line),
            ..InputError::file(file, message)
        }
    }

    /// A problem in one field of one line.
    pub fn field(file: &str, line: u64, column: &str, message: impl Into<String>) -> Self {
        InputError {
            column: Some(column.to_string()),
            ..InputError::line(file, line, message)
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ": line {line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column \"{column}\"")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}

/// Everything reading a file can fail with: the file cannot be read, or what it holds is
/// not what was expected.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file cannot be read at all.
    #[error("{file}: {source}")]
    Io {
        /// The file's name, as shown in messages.
        file: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// What the file holds is not what was expected.
    #[error(transparent)]
    Input(#[from] InputError),
}
