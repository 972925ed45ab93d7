//! The main job (`cifra` with no arguments): the 2021 presidential first round from the
//! 46,606 real mesas that ship inside the binary, decided under the 1980 Constitution.

use crate::error::CliError;
use cifra_core::{Candidate, Contest, Lottery, System};
use cifra_report::table::{percent, thousands, Align, Table};
use cifra_results::InputError;
use std::io::Read;

/// The 2021 first round, one row per domestic mesa (SERVEL, via fastei's data set).
const MESAS_GZ: &[u8] = include_bytes!("../../../data/cl-2021-presidential-r1-mesas.csv.gz");
const SOURCE: &str = "cl-2021-presidential-r1-mesas.csv (embedded)";

/// The candidates' columns and full names.
const CANDIDATES: [(&str, &str); 7] = [
    ("boric", "Gabriel Boric"),
    ("kast", "José Antonio Kast"),
    ("provoste", "Yasna Provoste"),
    ("sichel", "Sebastián Sichel"),
    ("artes", "Eduardo Artés"),
    ("meo", "Marco Enríquez-Ominami"),
    ("parisi", "Franco Parisi"),
];

/// SERVEL's region names, north to south, with the names people use.
const REGIONS: [(&str, &str); 16] = [
    ("DE ARICA Y PARINACOTA", "Arica y Parinacota"),
    ("DE TARAPACA", "Tarapacá"),
    ("DE ANTOFAGASTA", "Antofagasta"),
    ("DE ATACAMA", "Atacama"),
    ("DE COQUIMBO", "Coquimbo"),
    ("DE VALPARAISO", "Valparaíso"),
    ("METROPOLITANA DE SANTIAGO", "Metropolitana"),
    ("DEL LIBERTADOR GENERAL BERNARDO O'HIGGINS", "O'Higgins"),
    ("DEL MAULE", "Maule"),
    ("DE NUBLE", "Ñuble"),
    ("DEL BIOBIO", "Biobío"),
    ("DE LA ARAUCANIA", "La Araucanía"),
    ("DE LOS RIOS", "Los Ríos"),
    ("DE LOS LAGOS", "Los Lagos"),
    ("DE AYSEN DEL GENERAL CARLOS IBANEZ DEL CAMPO", "Aysén"),
    ("DE MAGALLANES Y DE LA ANTARTICA CHILENA", "Magallanes"),
];

/// The embedded mesa file, decompressed.
pub fn mesas_csv() -> Result<Vec<u8>, CliError> {
    let mut bytes = Vec::with_capacity(MESAS_GZ.len() * 4);
    flate2::read::GzDecoder::new(MESAS_GZ)
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::file(SOURCE, format!("cannot decompress: {e}")))?;
    Ok(bytes)
}

/// Votes of one territory: per candidate (in [`CANDIDATES`] order), blank, null.
#[derive(Default, Clone)]
struct Totals {
    votes: [u64; 7],
    blank: u64,
    null: u64,
    mesas: u64,
}

impl Totals {
    fn contest(&self, district: &str) -> Contest {
        Contest {
            district: district.to_string(),
            candidates: CANDIDATES
                .iter()
                .zip(self.votes)
                .map(|(&(_, name), votes)| Candidate::new(name, votes))
                .collect(),
            blank: self.blank,
            null: self.null,
        }
    }
}

/// Runs the main job and returns what it prints.
pub fn run() -> Result<String, CliError> {
    let csv = mesas_csv()?;
    let (national, regions) = sum_mesas(&csv)?;
    let mut out = national_section(&national)?;
    out.push_str(&regions_section(&regions)?);
    out.push('\n');
    out.push_str(&crate::ei::main_job_section(&csv)?);
    Ok(out)
}

fn sum_mesas(csv: &[u8]) -> Result<(Totals, Vec<(String, Totals)>), CliError> {
    let mut reader = csv::Reader::from_reader(csv);
    let header = reader
        .headers()
        .map_err(|e| InputError::line(SOURCE, 1, e.to_string()))?
        .clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| InputError::line(SOURCE, 1, format!("missing column \"{name}\"")))
    };
    let region_col = column("region")?;
    let vote_cols: Vec<usize> = CANDIDATES
        .iter()
        .map(|(c, _)| column(c))
        .collect::<Result<_, _>>()?;
    let (blank_col, null_col) = (column("blank")?, column("null")?);
    let mut national = Totals::default();
    let mut regions: Vec<(String, Totals)> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| InputError::file(SOURCE, e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        let number = |col: usize, name: &str| -> Result<u64, InputError> {
            record[col].trim().parse().map_err(|_| {
                InputError::field(
                    SOURCE,
                    line,
                    name,
                    format!("expected a whole number, found \"{}\"", &record[col]),
                )
            })
        };
        let region = &record[region_col];
        let i = match regions.iter().position(|(r, _)| r == region) {
            Some(i) => i,
            None => {
                regions.push((region.to_string(), Totals::default()));
                regions.len() - 1
            }
        };
        let mut mesa = Totals {
            mesas: 1,
            ..Default::default()
        };
        for (k, (&col, (name, _))) in vote_cols.iter().zip(CANDIDATES).enumerate() {
            mesa.votes[k] = number(col, name)?;
        }
        mesa.blank = number(blank_col, "blank")?;
        mesa.null = number(null_col, "null")?;
        for totals in [&mut national, &mut regions[i].1] {
            add(totals, &mesa);
        }
    }
    regions.sort_by_key(|(r, _)| {
        REGIONS
            .iter()
            .position(|(code, _)| code == r)
            .unwrap_or(REGIONS.len())
    });
    Ok((national, regions))
}

fn add(totals: &mut Totals, mesa: &Totals) {
    for (t, v) in totals.votes.iter_mut().zip(mesa.votes) {
        *t += v;
    }
    totals.blank += mesa.blank;
    totals.null += mesa.null;
    totals.mesas += mesa.mesas;
}

fn national_section(national: &Totals) -> Result<String, CliError> {
    let contest = national.contest("Chile");
    let decision = System::ClPresidential
        .decide(&contest, None, &Lottery::default())
        .map_err(|source| CliError::Decide {
            file: SOURCE.into(),
            district: "Chile".into(),
            source,
        })?;
    let valid = contest.valid_votes();
    let mut out = format!(
        "Chile · presidential election, first round, 21 November 2021\n\
         {} domestic mesas counted (SERVEL; votes cast abroad are not in this data set)\n\n",
        thousands(national.mesas)
    );
    let mut table = Table::new(&[
        ("Candidate", Align::Left),
        ("Votes", Align::Right),
        ("Share", Align::Right),
        ("", Align::Left),
    ]);
    for i in contest.by_votes((0..contest.candidates.len()).collect()) {
        let c = &contest.candidates[i];
        let mark = if decision.runoff.is_some_and(|r| r.contains(&i)) {
            "to runoff"
        } else if decision.is_elected(i) {
            "elected"
        } else {
            ""
        };
        table.row(vec![
            c.name.clone(),
            thousands(c.votes),
            percent(c.votes as f64 / valid as f64),
            mark.into(),
        ]);
    }
    table.row(vec![
        "Valid votes".into(),
        thousands(valid),
        percent(1.0),
        String::new(),
    ]);
    table.row(vec![
        "Blank".into(),
        thousands(contest.blank),
        String::new(),
        "not valid".into(),
    ]);
    table.row(vec![
        "Null".into(),
        thousands(contest.null),
        String::new(),
        "not valid".into(),
    ]);
    out.push_str(&table.render("  "));
    let outcome = match decision.runoff {
        Some([a, b]) => format!(
            "No candidate has more than half of the valid votes: runoff between {} and {}.",
            contest.candidates[a].name, contest.candidates[b].name
        ),
        None => format!(
            "{} is elected with an absolute majority.",
            contest.candidates[decision.elected[0]].name
        ),
    };
    out.push_str(&format!(
        "\nOutcome under the 1980 Constitution, art. 26 (system cl-presidential): {outcome}\n"
    ));
    Ok(out)
}

fn regions_section(regions: &[(String, Totals)]) -> Result<String, CliError> {
    let mut table = Table::new(&[
        ("Region", Align::Left),
        ("Mesas", Align::Right),
        ("Most voted", Align::Left),
        ("Share", Align::Right),
        ("Second", Align::Left),
        ("Share", Align::Right),
    ]);
    for (code, totals) in regions {
        let name = REGIONS
            .iter()
            .find(|(c, _)| c == code)
            .map_or(code.as_str(), |(_, n)| n);
        let contest = totals.contest(name);
        let valid = contest.valid_votes().max(1) as f64;
        let decision = System::Plurality
            .decide(&contest, Some(2), &Lottery::default())
            .map_err(|source| CliError::Decide {
                file: SOURCE.into(),
                district: name.into(),
                source,
            })?;
        let cell = |k: usize| {
            decision
                .elected
                .get(k)
                .map_or((String::new(), String::new()), |&i| {
                    let c = &contest.candidates[i];
                    (c.name.clone(), percent(c.votes as f64 / valid))
                })
        };
        let ((first, first_share), (second, second_share)) = (cell(0), cell(1));
        table.row(vec![
            name.to_string(),
            thousands(totals.mesas),
            first,
            first_share,
            second,
            second_share,
        ]);
    }
    Ok(format!(
        "\nThe winner in each region (most voted candidate)\n\n{}",
        table.render("  ")
    ))
}
