//! cifra-report: rendering what `cifra` decides and estimates.
//!
//! Every output goes through this crate: the decisions of `cifra tally` as one
//! [`tally::TallyReport`] rendered as JSON (the contract other tools rely on), CSV or
//! text; the estimates of `cifra ei` as JSON, CSV or text ([`ei`]) and as an SVG heatmap
//! ([`plot`]); and the table of systems ([`systems`]). Text for people goes through the
//! one [`table::Table`], aligned by display width, with the one [`table::thousands`].

#![warn(missing_docs)]

mod csv_text;
pub mod ei;
pub mod first_round;
pub mod live;
pub mod plot;
pub mod progress;
pub mod systems;
pub mod table;
pub mod tally;
