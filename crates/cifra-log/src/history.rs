//! A log checked against the checkpoints signed of it earlier: a signed size has one
//! root, forever. The server runs this on the checkpoints it kept before it starts and
//! before it signs; `cifra verify` on the checkpoints the server publishes.
//!
//! A root says nothing of which leaf changed, so the checkpoints bound the first
//! changed entry: it lies after the largest signed size whose root still matches and
//! before the smallest whose root does not (exact when the two sizes are one apart).

use crate::merkle::{Hash, Tree};

/// How a log departs from a checkpoint signed of it earlier (the first such checkpoint,
/// by size).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Divergence {
    /// A checkpoint was signed for more entries than the log has: entries were removed.
    #[error("{}", removed_message(*.size, *.signed))]
    Removed {
        /// The log's size.
        size: u64,
        /// The size of the smallest signed checkpoint past it.
        signed: u64,
    },
    /// The root of the log's first `signed` entries is not the one signed: an entry in
    /// `from..signed` was changed (the first `from` entries match a signed root).
    #[error("{}", changed_message(*.from, *.signed))]
    Changed {
        /// The largest signed size whose root matches (0 if none): the first changed
        /// entry is at this index or later.
        from: u64,
        /// The smallest signed size whose root differs: the first changed entry is
        /// before it.
        signed: u64,
    },
}

impl Divergence {
    /// The entries among which the first changed or removed one is, `first..end`.
    pub fn entries(&self) -> (u64, u64) {
        match *self {
            Divergence::Removed { size, signed } => (size, signed),
            Divergence::Changed { from, signed } => (from, signed),
        }
    }
}

fn removed_message(size: u64, signed: u64) -> String {
    let removed = if signed - size == 1 {
        format!("entry {size} was removed")
    } else {
        format!("entries {size} to {} were removed", signed - 1)
    };
    format!("a checkpoint of {signed} entries was signed, but the log has only {size}: {removed}")
}

fn changed_message(from: u64, signed: u64) -> String {
    if signed - from == 1 {
        format!(
            "entry {from} is not the one signed: the checkpoint of {signed} entries has another root{}",
            if from > 0 {
                format!(" (the checkpoint of {from} entries matches)")
            } else {
                String::new()
            }
        )
    } else {
        format!(
            "the first changed entry is among entries {from} to {}: the checkpoint of {signed} entries has another root{}",
            signed - 1,
            if from > 0 {
                format!(" (the checkpoint of {from} entries matches)")
            } else {
                String::new()
            }
        )
    }
}

/// Checks `tree` against checkpoints signed earlier, given as (size, root) in any
/// order: each size must be within the tree and have the signed root there (so the
/// tree extends each of them). The first departure, by size, is the error.
pub fn check_history(tree: &Tree, mut signed: Vec<(u64, Hash)>) -> Result<(), Divergence> {
    signed.sort_unstable();
    let mut from = 0;
    for (size, root) in signed {
        if size > tree.len() {
            return Err(Divergence::Removed {
                size: tree.len(),
                signed: size,
            });
        }
        // `size` is within the tree: `root_at` cannot fail.
        if tree.root_at(size).ok() != Some(root) {
            return Err(Divergence::Changed { from, signed: size });
        }
        from = size;
    }
    Ok(())
}
