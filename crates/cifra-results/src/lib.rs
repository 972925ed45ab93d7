//! cifra-results: reading election results.
//!
//! Everything `cifra` reads goes through this crate: the long results format (one row per
//! district, unit and option) summed into [`cifra_core::Contest`]s, whole files with
//! [`read_results`] or row by row with [`ResultsBuilder`]; the seats files; the wide
//! per-mesa CSVs of [`mesas`]; party names as the sources write them, normalised in
//! [`parties`]; and the bytes themselves, from a memory-mapped file, a
//! gzipped one or standard input ([`source`]). Every problem in what a file holds comes
//! back as an [`InputError`] naming the file, the line and the column; a file that cannot
//! be read at all, as a [`ReadError`].

#![warn(missing_docs)]

pub mod error;
pub mod input;
pub mod mesas;
pub mod parties;
pub mod seats;
pub mod source;
mod totals;

pub use error::{InputError, ReadError};
pub use input::{natural_order, read_results, read_totals, Header, Kind, ResultsBuilder, Row};
pub use mesas::{
    read_mesa_list, read_mesas, unique_id_columns, Dataset, MesaList, MesaRow, Territory,
};
pub use seats::{read_seats_file, Seats, SeatsRefused};
pub use source::{display_name, open, read_source, read_text, Source};
pub use totals::Totals;
