//! The count so far, as the log decides it: each mesa's latest acta and the sums of the
//! nation and of every territory value, updated per acta (the previous version taken out,
//! the new one added), never recomputed from all actas.
//!
//! One implementation for everyone who counts from the log: the server takes in its
//! stored log at start-up and every entry it records ([`Tally::take`], [`Tally::apply`]),
//! and a verifier recounts a log it fetched ([`recount`]). Both check the same things of
//! every entry: it is the log's next index, its mesa is known, its version is that mesa's
//! next (1, 2, 3…), and it counts exactly the election's options.
//!
//! Invariant: the sums are the sums of the latest acta of every counted mesa.

use crate::election::{Election, ElectionError};
use crate::spec::{ElectionSpec, Mesa};
use cifra_core::SystemError;
use cifra_log::Entry;
use cifra_report::live::{Counts, LiveResults, TerritoryRef};
use std::collections::HashSet;

/// A mesa's latest recorded acta.
#[derive(Debug, Clone)]
pub struct Current {
    /// Its version: 1 for the first acta, +1 per correction.
    pub version: u32,
    /// Its entry's index in the log.
    pub index: u64,
    /// Votes per option, in the election's order.
    pub votes: Box<[u64]>,
    /// Whether it is flagged.
    pub flagged: bool,
    /// The scanned sheet's SHA-256, if given.
    pub image_sha256: Option<Box<str>>,
    /// Why, for a correction.
    pub reason: Option<Box<str>>,
}

/// Sums over a set of mesas.
#[derive(Debug, Clone, Default)]
pub struct Sums {
    /// Votes per option.
    pub votes: Vec<u64>,
    /// Counted mesas.
    pub counted: u64,
    /// Counted mesas whose latest acta is flagged.
    pub flagged: u64,
    /// Registered electors of the counted mesas.
    pub electors: u64,
}

impl Sums {
    fn new(options: usize) -> Sums {
        Sums {
            votes: vec![0; options],
            ..Sums::default()
        }
    }

    fn add(&mut self, acta: &Current, electors: Option<u64>) {
        for (t, v) in self.votes.iter_mut().zip(acta.votes.iter()) {
            *t += v;
        }
        self.counted += 1;
        self.flagged += u64::from(acta.flagged);
        self.electors += electors.unwrap_or(0);
    }

    fn remove(&mut self, acta: &Current, electors: Option<u64>) {
        for (t, v) in self.votes.iter_mut().zip(acta.votes.iter()) {
            *t -= v;
        }
        self.counted -= 1;
        self.flagged -= u64::from(acta.flagged);
        self.electors -= electors.unwrap_or(0);
    }
}

/// An entry that does not follow the log it is taken into.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("entry {index}: {reason}")]
pub struct TallyError {
    /// The entry's place in the log.
    pub index: u64,
    /// What is wrong with it.
    pub reason: String,
}

/// The count so far.
#[derive(Debug, Clone)]
pub struct Tally {
    /// Per mesa, its latest acta.
    pub current: Vec<Option<Current>>,
    /// The nation's sums.
    pub national: Sums,
    /// Per territory column, per value, the sums.
    pub territories: Vec<Vec<Sums>>,
    /// Entries taken in that are corrections (version above 1).
    pub corrections: u64,
    /// Entries taken in.
    pub entries: u64,
}

impl Tally {
    /// Nothing counted yet.
    pub fn new(election: &Election) -> Tally {
        let options = election.spec.options.len();
        Tally {
            current: vec![None; election.spec.mesas.len()],
            national: Sums::new(options),
            territories: election
                .values
                .iter()
                .map(|values| vec![Sums::new(options); values.len()])
                .collect(),
            corrections: 0,
            entries: 0,
        }
    }

    /// Checks that `entry`, stored at `index`, follows the count: it says it is entry
    /// `index`, the log's next; its mesa is known; its version is that mesa's next, with
    /// a correction's reason exactly when it is not the first (an acta changed without a
    /// correction is refused by every recount); it counts exactly the election's options.
    /// Returns the mesa's position.
    pub fn check(&self, election: &Election, index: u64, entry: &Entry) -> Result<u32, TallyError> {
        let fail = |reason: String| TallyError { index, reason };
        if entry.index != index || index != self.entries {
            return Err(fail(format!(
                "it says it is entry {}, the log has {}",
                entry.index, self.entries
            )));
        }
        let mesa = election
            .mesa(&entry.mesa)
            .ok_or_else(|| fail(format!("unknown mesa {:?}", entry.mesa)))?;
        let expected = self.current[mesa as usize]
            .as_ref()
            .map_or(1, |c| c.version + 1);
        if entry.version != expected {
            return Err(fail(format!(
                "mesa {:?} version {}, expected {expected}",
                entry.mesa, entry.version
            )));
        }
        // A later version is a correction, and says why; a first acta corrects nothing.
        match (entry.version > 1, &entry.reason) {
            (true, None) => {
                return Err(fail(format!(
                    "mesa {:?} version {} changes its acta without a correction's reason",
                    entry.mesa, entry.version
                )))
            }
            (false, Some(_)) => {
                return Err(fail(format!(
                    "mesa {:?}'s first acta carries a correction's reason",
                    entry.mesa
                )))
            }
            _ => {}
        }
        let options = &election.spec.options;
        if entry.votes.len() != options.len()
            || options.iter().any(|o| !entry.votes.contains_key(o))
        {
            return Err(fail(format!(
                "its votes are not the election's options ({})",
                options.join(", ")
            )));
        }
        Ok(mesa)
    }

    /// Counts `entry` as mesa `mesa`'s latest acta (already checked, or decided by the
    /// server's writer, which decides only entries that follow).
    pub fn apply(&mut self, election: &Election, mesa: u32, entry: &Entry) {
        let votes: Box<[u64]> = election
            .spec
            .options
            .iter()
            .map(|o| entry.votes.get(o).copied().unwrap_or(0))
            .collect();
        let acta = Current {
            version: entry.version,
            index: entry.index,
            votes,
            flagged: !entry.flags.is_empty(),
            image_sha256: entry.image_sha256.as_deref().map(Box::from),
            reason: entry.reason.as_deref().map(Box::from),
        };
        let m = mesa as usize;
        let electors = election.spec.mesas[m].electors;
        let positions = &election.mesa_values[m];
        if let Some(old) = self.current[m].take() {
            self.national.remove(&old, electors);
            for (c, &v) in positions.iter().enumerate() {
                self.territories[c][v as usize].remove(&old, electors);
            }
        }
        self.national.add(&acta, electors);
        for (c, &v) in positions.iter().enumerate() {
            self.territories[c][v as usize].add(&acta, electors);
        }
        self.corrections += u64::from(entry.version > 1);
        self.entries += 1;
        self.current[m] = Some(acta);
    }

    /// Takes in `entry`, stored at `index`: [`Tally::check`], then [`Tally::apply`].
    pub fn take(
        &mut self,
        election: &Election,
        index: u64,
        entry: &Entry,
    ) -> Result<(), TallyError> {
        let mesa = self.check(election, index, entry)?;
        self.apply(election, mesa, entry);
        Ok(())
    }
}

/// The results of `sums` (the nation when `territory` is `None`) for `mesas_total` mesas.
/// The system was checked to decide single offices when the election was indexed, and the
/// engine is asked only when there are valid votes, so an error here is a defect.
pub fn results(
    election: &Election,
    sums: &Sums,
    mesas_total: u64,
    territory: Option<TerritoryRef>,
) -> Result<LiveResults, SystemError> {
    let counts = Counts {
        options: &election.spec.options,
        votes: &sums.votes,
        mesas_counted: sums.counted,
        mesas_total,
        mesas_flagged: sums.flagged,
        electors_counted: election.knows_electors.then_some(sums.electors),
    };
    LiveResults::new(&election.spec.name, election.system, territory, counts)
}

/// A log recounted by someone who knows the election's name, system and options but not
/// its mesa list (a verifier): the mesas are the ones the entries name, in the order they
/// first appear, with no territories and no electors.
#[derive(Debug)]
pub struct Recount {
    /// The election as the entries reveal it.
    pub election: Election,
    /// The count.
    pub tally: Tally,
}

/// Why a log cannot be recounted.
#[derive(Debug, thiserror::Error)]
pub enum RecountError {
    /// The election named is not one that can be counted.
    #[error(transparent)]
    Election(#[from] ElectionError),
    /// An entry does not follow the ones before it.
    #[error(transparent)]
    Entry(#[from] TallyError),
}

/// Recounts `entries` (the log from index 0) of the election `name` decided by `system`
/// over `options`, with the same checks and sums as a server ([`Tally::take`]).
pub fn recount(
    name: &str,
    system: &str,
    options: &[String],
    entries: &[Entry],
) -> Result<Recount, RecountError> {
    let mut seen = HashSet::new();
    let mut mesas = Vec::new();
    for entry in entries {
        if seen.insert(entry.mesa.as_str()) {
            mesas.push(Mesa {
                id: entry.mesa.clone(),
                territory: Vec::new(),
                electors: None,
            });
        }
    }
    let spec = ElectionSpec {
        name: name.to_string(),
        system: system.to_string(),
        options: options.to_vec(),
        id_columns: Vec::new(),
        territory_columns: Vec::new(),
        mesas,
        signing_key: [0; 32],
    };
    let election = Election::new(spec)?;
    let mut tally = Tally::new(&election);
    for (index, entry) in (0..).zip(entries) {
        tally.take(&election, index, entry)?;
    }
    Ok(Recount { election, tally })
}

impl Recount {
    /// The national results the recount decides, for an election of `mesas_total` mesas.
    pub fn results(&self, mesas_total: u64) -> Result<LiveResults, SystemError> {
        results(&self.election, &self.tally.national, mesas_total, None)
    }

    /// Mesa `id`'s latest acta, if the log has one.
    pub fn latest(&self, id: &str) -> Option<&Current> {
        let m = self.election.mesa(id)?;
        self.tally.current[m as usize].as_ref()
    }
}
