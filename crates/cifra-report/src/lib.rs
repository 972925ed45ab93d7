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

/// The formats every report renders to (`--format` of `cifra tally` and `cifra ei`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned tables for people.
    Text,
    /// One JSON object: the contract other tools read.
    Json,
    /// Rows with a header, for spreadsheets.
    Csv,
}

impl Format {
    /// The names of the formats, as `--format` takes them.
    pub const NAMES: [&'static str; 3] = ["text", "json", "csv"];
}

impl std::str::FromStr for Format {
    type Err = String;
    /// A format by its name in [`Format::NAMES`].
    fn from_str(name: &str) -> Result<Format, String> {
        match name {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            _ => Err(format!("unknown format {name:?} (text, json or csv)")),
        }
    }
}
