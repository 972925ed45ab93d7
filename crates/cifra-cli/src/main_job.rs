//! The main job (`cifra` with no arguments): the 2021 presidential first round from the
//! 46,606 real mesas that ship inside the binary, decided under the 1980 Constitution,
//! the winner in each region, and how each age group voted.

use crate::error::CliError;
use cifra_ei::{estimate, Options};
use cifra_report::first_round::{
    ages_section, national_section, option_columns, regions_section, sum_regions, DecideError,
    AGE_GROUPS, ID_COLUMNS, TERRITORY_COLUMNS,
};
use cifra_results::mesas::read_mesas;
use cifra_results::{read_mesa_list, InputError, MesaList};
use std::io::Read;

/// The 2021 first round, one row per domestic mesa (SERVEL, via fastei's data set).
const MESAS_GZ: &[u8] = include_bytes!("../../../data/cl-2021-presidential-r1-mesas.csv.gz");
pub const SOURCE: &str = "cl-2021-presidential-r1-mesas.csv (embedded)";

/// The embedded mesa file, decompressed.
pub fn mesas_csv() -> Result<Vec<u8>, CliError> {
    let mut bytes = Vec::with_capacity(MESAS_GZ.len() * 4);
    flate2::read::GzDecoder::new(MESAS_GZ)
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::file(SOURCE, format!("cannot decompress: {e}")))?;
    Ok(bytes)
}

/// The embedded file as a mesa list with its option columns: each mesa identified by its
/// circunscripción and number, in its region and circunscripción.
pub fn mesa_list() -> Result<(Vec<String>, MesaList), CliError> {
    let options = option_columns();
    let ids = ID_COLUMNS.map(String::from);
    let territories = TERRITORY_COLUMNS.map(String::from);
    let csv = mesas_csv()?;
    let mesas = read_mesa_list(&csv, SOURCE, &ids, &options, Some(&territories))?;
    Ok((options, mesas))
}

/// Runs the main job and returns what it prints.
pub fn run() -> Result<String, CliError> {
    let csv = mesas_csv()?;
    let ages: Vec<String> = AGE_GROUPS.iter().map(|(c, _)| c.to_string()).collect();
    let data = read_mesas(&csv[..], SOURCE, &ages, &option_columns(), Some("region"))?;
    let (national, regions) = sum_regions(&data);
    let mut out = national_section(&national).map_err(decide_failed)?;
    out.push_str(&regions_section(&regions).map_err(decide_failed)?);
    out.push('\n');
    let est = estimate(&cifra_report::ei::problem(&data)?, &Options::default())?;
    out.push_str(&ages_section(&est));
    Ok(out)
}

fn decide_failed(e: DecideError) -> CliError {
    CliError::Decide {
        file: SOURCE.into(),
        district: e.district,
        source: e.source,
    }
}
