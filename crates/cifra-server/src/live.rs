//! What changes during the night: the count ([`Tally`]: each mesa's latest acta and the
//! totals of the nation and of every territory, updated per acta) and the log (its lines
//! and Merkle tree), and the projection's count and call ([`Tracker`]).
//!
//! Invariant: the totals are the sums of the latest acta of every counted mesa, and the
//! log holds every acta version ever recorded, in order; [`Live::apply`] keeps both.

use crate::election::Election;
use crate::ServerError;
use cifra_log::{Entry, Tree};
use cifra_night::projection::Tracker;
use cifra_night::Tally;

pub use cifra_night::tally::results;

/// The night so far.
#[derive(Debug)]
pub struct Live {
    /// The count.
    pub tally: Tally,
    /// The log's lines, in order.
    pub lines: Vec<String>,
    /// The log's Merkle tree over `lines`.
    pub tree: Tree,
    /// The projection's count and call, kept per acta (`None` if the election cannot be
    /// projected).
    pub projection: Option<Tracker>,
}

impl Live {
    /// Nothing counted yet.
    pub fn new(election: &Election) -> Live {
        Live {
            tally: Tally::new(election),
            lines: Vec::new(),
            tree: Tree::new(),
            projection: Tracker::new(election).ok(),
        }
    }

    /// Records one acta version whose entry is `entry` (already durable), as mesa `mesa`'s
    /// latest.
    pub fn apply(&mut self, election: &Election, mesa: u32, entry: &Entry, line: String) {
        let m = mesa as usize;
        let old = self.tally.current[m].as_ref().map(|c| c.votes.clone());
        self.tally.apply(election, mesa, entry);
        if let (Some(tracker), Some(now)) = (&mut self.projection, &self.tally.current[m]) {
            let size = self.lines.len() as u64 + 1;
            tracker.apply(m, old.as_deref(), &now.votes, size);
        }
        self.tree.push(cifra_log::leaf_hash(line.as_bytes()));
        self.lines.push(line);
    }

    /// Takes in entry `index` as stored, `line`, checking it follows the log
    /// ([`Tally::check`]).
    pub fn take(
        &mut self,
        election: &Election,
        index: u64,
        line: String,
    ) -> Result<(), ServerError> {
        let entry = Entry::parse(line.as_bytes()).map_err(|e| ServerError::Log {
            index,
            reason: e.to_string(),
        })?;
        let mesa = self
            .tally
            .check(election, index, &entry)
            .map_err(|e| ServerError::Log {
                index,
                reason: e.reason,
            })?;
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
