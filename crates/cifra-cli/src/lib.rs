//! The `cifra` command as a library: reading inputs, rendering outputs, and the
//! subcommands. The law itself is in `cifra-core`; this crate does the I/O around it.

#![warn(missing_docs)]

pub mod ei;
pub mod error;
pub mod main_job;
pub mod tally;
