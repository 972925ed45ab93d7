//! What changes during the night: each mesa's latest acta, the totals of the nation and of
//! every territory (updated per acta, never recomputed from all actas), and the log (its
//! lines and Merkle tree).
//!
//! Invariant: the totals are the sums of the latest acta of every counted mesa, and the
//! log holds every acta version ever recorded, in order; [`Live::apply`] keeps both by
//! taking the previous version's votes out before adding the new one's.

use crate::election::Election;
use crate::ServerError;
use cifra_core::SystemError;
use cifra_log::{Entry, Tree};
use cifra_report::live::{Counts, LiveResults, TerritoryRef};

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

/// The night so far.
#[derive(Debug)]
pub struct Live {
    /// Per mesa, its latest acta.
    pub current: Vec<Option<Current>>,
    /// The nation's sums.
    pub national: Sums,
    /// Per territory column, per value, the sums.
    pub territories: Vec<Vec<Sums>>,
    /// The log's lines, in order.
    pub lines: Vec<String>,
    /// The log's Merkle tree over `lines`.
    pub tree: Tree,
}

impl Live {
    /// Nothing counted yet.
    pub fn new(election: &Election) -> Live {
        let options = election.spec.options.len();
        Live {
            current: vec![None; election.spec.mesas.len()],
            national: Sums::new(options),
            territories: election
                .values
                .iter()
                .map(|values| vec![Sums::new(options); values.len()])
                .collect(),
            lines: Vec::new(),
            tree: Tree::new(),
        }
    }

    /// Records one acta version whose entry is `entry` (already durable), as mesa `mesa`'s
    /// latest.
    pub fn apply(&mut self, election: &Election, mesa: u32, entry: &Entry, line: String) {
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
        self.current[m] = Some(acta);
        self.tree.push(cifra_log::leaf_hash(line.as_bytes()));
        self.lines.push(line);
    }

    /// Takes in entry `index` as stored, `line`, checking it follows the log: its index,
    /// a known mesa, that mesa's next version, every option counted.
    pub fn take(
        &mut self,
        election: &Election,
        index: u64,
        line: String,
    ) -> Result<(), ServerError> {
        let damaged = |reason: String| ServerError::Log { index, reason };
        let entry = Entry::parse(line.as_bytes()).map_err(|e| damaged(e.to_string()))?;
        if entry.index != index || index != self.size() {
            return Err(damaged(format!(
                "it says it is entry {}, the log has {}",
                entry.index,
                self.size()
            )));
        }
        let mesa = election
            .mesa(&entry.mesa)
            .ok_or_else(|| damaged(format!("unknown mesa {:?}", entry.mesa)))?;
        let expected = self.current[mesa as usize]
            .as_ref()
            .map_or(1, |c| c.version + 1);
        if entry.version != expected {
            return Err(damaged(format!(
                "mesa {:?} version {}, expected {expected}",
                entry.mesa, entry.version
            )));
        }
        let options = &election.spec.options;
        if entry.votes.len() != options.len()
            || options.iter().any(|o| !entry.votes.contains_key(o))
        {
            return Err(damaged("its votes are not the election's options".into()));
        }
        self.apply(election, mesa, &entry, line);
        Ok(())
    }

    /// Takes in stored entries `lines`, the first at index `from`, each as
    /// [`Live::take`] does.
    pub fn take_all(
        &mut self,
        election: &Election,
        from: u64,
        lines: impl IntoIterator<Item = String>,
    ) -> Result<(), ServerError> {
        for (index, line) in (from..).zip(lines) {
            self.take(election, index, line)?;
        }
        Ok(())
    }

    /// The log's size.
    pub fn size(&self) -> u64 {
        self.lines.len() as u64
    }
}

/// The results of `sums` (the nation when `territory` is `None`). The system was checked
/// to decide single offices when the election was indexed, and the engine is asked only
/// when there are valid votes, so an error here is a defect, reported as such.
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
