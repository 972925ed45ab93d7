//! The main job (`cifra` with no arguments): the 2021 presidential first round from the
//! 46,606 real mesas that ship inside the binary, decided under the 1980 Constitution,
//! the winner in each region, and how each age group voted.

use crate::error::CliError;
use cifra_ei::{estimate, Options};
use cifra_report::first_round::{
    ages_section, national_section, regions_section, DecideError, Totals, AGE_GROUPS, CANDIDATES,
    REGIONS,
};
use cifra_results::mesas::{read_mesas, Dataset};
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

/// The option columns read, in order: the candidates' (as in [`CANDIDATES`]), blank, null.
fn option_columns() -> Vec<String> {
    let candidates = CANDIDATES.iter().map(|(column, _, _)| *column);
    candidates
        .chain(["blank", "null"])
        .map(String::from)
        .collect()
}

/// The embedded file as a mesa list with its option columns: each mesa identified by its
/// circunscripción and number, in its region and circunscripción.
pub fn mesa_list() -> Result<(Vec<String>, MesaList), CliError> {
    let options = option_columns();
    let ids = ["circunscripcion".to_string(), "mesa".to_string()];
    let territories = ["region".to_string(), "circunscripcion".to_string()];
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
    let est = estimate(&crate::ei::problem(&data)?, &Options::default())?;
    out.push_str(&ages_section(&est));
    Ok(out)
}

/// The votes of the whole country and of each region, regions north to south.
fn sum_regions(data: &Dataset) -> (Totals, Vec<(String, Totals)>) {
    let mut national = Totals::default();
    let mut regions: Vec<(String, Totals)> = data
        .territories()
        .into_iter()
        .map(|region| {
            let mut totals = Totals::default();
            for &b in &region.mesas {
                totals.add_mesa(data.votes(b));
            }
            national.add(&totals);
            (region.key, totals)
        })
        .collect();
    regions.sort_by_key(|(r, _)| {
        REGIONS
            .iter()
            .position(|(code, _)| code == r)
            .unwrap_or(REGIONS.len())
    });
    (national, regions)
}

fn decide_failed(e: DecideError) -> CliError {
    CliError::Decide {
        file: SOURCE.into(),
        district: e.district,
        source: e.source,
    }
}
