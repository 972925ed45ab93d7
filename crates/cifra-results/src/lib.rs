//! cifra-results: reading election results.
//!
//! Everything `cifra` reads goes through this crate: the long results format (one row per
//! district, unit and option) summed into [`cifra_core::Contest`]s, whole files with
//! [`read_results`] or row by row with [`ResultsBuilder`], and the seats files. Every
//! problem comes back as an [`InputError`] naming the file, the line and the column.

#![warn(missing_docs)]

pub mod error;
pub mod input;
pub mod seats;

pub use error::InputError;
pub use input::{natural_order, read_results, Header, Kind, ResultsBuilder, Row};
pub use seats::{read_seats_file, Seats};
