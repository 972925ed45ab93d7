//! The main job's report (`cifra` with no arguments): the 2021 presidential first round
//! decided under the 1980 Constitution, the most voted in each region, and how each age
//! group voted, as text for people. The binary reads the embedded mesa file and sums it
//! ([`Totals::add_mesa`]); this module decides and renders.

use crate::ei::{table as estimates_table, Labels};
use crate::table::{percent, thousands, Align, Table};
use cifra_core::{Candidate, Contest, Lottery, System, SystemError};
use cifra_ei::Estimate;
use cifra_results::Dataset;

/// The law engine could not decide a territory's contest (a defect: the data is fixed).
#[derive(Debug, thiserror::Error)]
#[error("{district}: {source}")]
pub struct DecideError {
    /// The territory.
    pub district: String,
    /// Why.
    pub source: SystemError,
}

fn failed(district: &str) -> impl FnOnce(SystemError) -> DecideError + '_ {
    move |source| DecideError {
        district: district.to_string(),
        source,
    }
}

/// The candidates: column, full name, and short name (in the age groups' table).
pub const CANDIDATES: [(&str, &str, &str); 7] = [
    ("boric", "Gabriel Boric", "Boric"),
    ("kast", "José Antonio Kast", "Kast"),
    ("provoste", "Yasna Provoste", "Provoste"),
    ("sichel", "Sebastián Sichel", "Sichel"),
    ("artes", "Eduardo Artés", "Artés"),
    ("meo", "Marco Enríquez-Ominami", "MEO"),
    ("parisi", "Franco Parisi", "Parisi"),
];

/// The voters' age groups: column and name.
pub const AGE_GROUPS: [(&str, &str); 8] = [
    ("age_18_19", "18–19"),
    ("age_20_29", "20–29"),
    ("age_30_39", "30–39"),
    ("age_40_49", "40–49"),
    ("age_50_59", "50–59"),
    ("age_60_69", "60–69"),
    ("age_70_79", "70–79"),
    ("age_80_plus", "80+"),
];

/// SERVEL's region names, north to south, with the names people use.
pub const REGIONS: [(&str, &str); 16] = [
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

/// Votes of one territory: per candidate (in [`CANDIDATES`] order), blank, null.
#[derive(Default, Clone)]
pub struct Totals {
    /// Votes per candidate, in [`CANDIDATES`] order.
    pub votes: [u64; 7],
    /// Blank votes.
    pub blank: u64,
    /// Null votes.
    pub null: u64,
    /// Mesas summed.
    pub mesas: u64,
}

impl Totals {
    /// Adds one mesa's votes, as read: per candidate, blank, null.
    pub fn add_mesa(&mut self, votes: &[u32]) {
        let (candidates, blank_null) = votes.split_at(CANDIDATES.len());
        for (t, &v) in self.votes.iter_mut().zip(candidates) {
            *t += u64::from(v);
        }
        self.blank += u64::from(blank_null[0]);
        self.null += u64::from(blank_null[1]);
        self.mesas += 1;
    }

    /// Adds another territory's totals.
    pub fn add(&mut self, other: &Totals) {
        for (t, v) in self.votes.iter_mut().zip(other.votes) {
            *t += v;
        }
        self.blank += other.blank;
        self.null += other.null;
        self.mesas += other.mesas;
    }

    fn contest(&self, district: &str) -> Contest {
        Contest {
            district: district.to_string(),
            candidates: CANDIDATES
                .iter()
                .zip(self.votes)
                .map(|(&(_, name, _), votes)| Candidate::new(name, votes))
                .collect(),
            blank: self.blank,
            null: self.null,
        }
    }
}

/// The option columns of the first round's mesa file, in order: the candidates' (as in
/// [`CANDIDATES`]), blank, null.
pub fn option_columns() -> Vec<String> {
    let candidates = CANDIDATES.iter().map(|(column, _, _)| *column);
    candidates
        .chain(["blank", "null"])
        .map(String::from)
        .collect()
}

/// The columns that identify a mesa of the first round's file: its circunscripción and
/// number (a number alone repeats across circunscripciones).
pub const ID_COLUMNS: [&str; 2] = ["circunscripcion", "mesa"];

/// The territory columns of the first round's file, broadest first.
pub const TERRITORY_COLUMNS: [&str; 2] = ["region", "circunscripcion"];

/// The votes of the whole country and of each region (the territories of `data`, read
/// by region), regions north to south.
pub fn sum_regions(data: &Dataset) -> (Totals, Vec<(String, Totals)>) {
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

/// The nation: every candidate's votes and share, and the outcome under the 1980
/// Constitution.
pub fn national_section(national: &Totals) -> Result<String, DecideError> {
    let contest = national.contest("Chile");
    let decision = System::ClPresidential
        .decide(&contest, None, &Lottery::default())
        .map_err(failed("Chile"))?;
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
    let outcome = match decision.runoff_names(&contest) {
        Some([a, b]) => format!(
            "No candidate has more than half of the valid votes: runoff between {a} and {b}."
        ),
        None => format!(
            "{} is elected with an absolute majority.",
            decision.elected_names.join(", ")
        ),
    };
    out.push_str(&format!(
        "\nOutcome under the 1980 Constitution, art. 26 (system cl-presidential): {outcome}\n"
    ));
    Ok(out)
}

/// Each region (SERVEL's name, north to south as [`REGIONS`]): its mesas and its two
/// most voted.
pub fn regions_section(regions: &[(String, Totals)]) -> Result<String, DecideError> {
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
            .map_err(failed(name))?;
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

/// How each age group voted: ecological inference on the mesas' votes and voters' ages
/// (mult method, as fastei).
pub fn ages_section(est: &Estimate) -> String {
    let groups: Vec<String> = AGE_GROUPS.iter().map(|(_, n)| n.to_string()).collect();
    let short_names = CANDIDATES.iter().map(|(_, _, short)| *short);
    let options: Vec<String> = short_names
        .chain(["Blank", "Null"])
        .map(String::from)
        .collect();
    let labels = Labels {
        groups: &groups,
        options: &options,
    };
    let table = estimates_table(est, labels).replacen("group", "age  ", 1);
    format!(
        "How each age group voted (estimated), 2021 presidential first round\n\
         % of each age group's voters per option; each row adds up to 100.\n\n\
         {table}\n\
         Estimated by ecological inference (EM, method mult, as the R package fastei) from the \
         votes and the voters' ages of {} mesas; {} iterations. The vote is secret: these are \
         estimates, not counts.\n",
        thousands(est.mesas as u64),
        est.iterations
    )
}
