//! The Merkle tree of the log: RFC 9162 section 2.1 (the same tree as RFC 6962 section 2.1).
//!
//! What is computed, for a list of leaves `D[0:n]` (each leaf an entry line):
//! - the Merkle Tree Hash `MTH(D[0:n])` (RFC 9162 2.1.1): `SHA-256()` for `n = 0`,
//!   `SHA-256(0x00 || d)` for one leaf, and `SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))`
//!   for `n > 1`, `k` the largest power of two smaller than `n`;
//! - the inclusion proof `PATH(m, D[0:n])` (2.1.3.1) and its verification (2.1.3.2);
//! - the consistency proof `PROOF(m, D[0:n])` (2.1.4.1) and its verification (2.1.4.2).
//!
//! How: [`Tree`] stores every *complete* subtree hash, level by level. Every node of the
//! RFC tree of any size `n <= len` is a run of complete subtrees, left to right, of
//! decreasing power-of-two sizes (the binary digits of its width), so any node's hash is
//! at most 63 node hashes over stored values. A proof has at most 64 nodes, so a root
//! is `O(log n)` hashes and a proof `O(log² n)` hashes; no leaf is ever rehashed.
//!
//! Invariants of [`Tree`]:
//! - `levels[0]` holds the leaf hashes in order; `levels[k][i]` is the MTH of leaves
//!   `i·2^k .. (i+1)·2^k`, and `levels[k]` holds exactly `len >> k` hashes;
//! - a stored hash never changes once written (append-only), which is why the root, the
//!   proofs and the tiles of any earlier size stay computable from the same storage.
//!
//! The verifiers take nothing on trust: sizes, indices and path lengths are checked
//! before any hashing, and every failure is a [`ProofError`] saying what was wrong.

use sha2::{Digest, Sha256};

use crate::hex;

/// A SHA-256 hash: a leaf hash, a node hash or a root.
pub type Hash = [u8; 32];

/// The leaf hash of an entry line, `SHA-256(0x00 || line)` (RFC 9162 2.1.1).
pub fn leaf_hash(line: &[u8]) -> Hash {
    Sha256::new()
        .chain_update([0x00])
        .chain_update(line)
        .finalize()
        .into()
}

/// The hash of an interior node, `SHA-256(0x01 || left || right)` (RFC 9162 2.1.1).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    Sha256::new()
        .chain_update([0x01])
        .chain_update(left)
        .chain_update(right)
        .finalize()
        .into()
}

/// The root of the empty tree, `SHA-256()` of the empty string (RFC 9162 2.1.1).
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// What is wrong with a proof request or a proof.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProofError {
    /// The leaf index is not in the tree of the given size.
    #[error("leaf index {index} is out of range for a tree of size {size}")]
    IndexOutOfRange {
        /// The leaf index asked for.
        index: u64,
        /// The tree size it was asked in.
        size: u64,
    },
    /// A tree size larger than the leaves the tree holds.
    #[error("tree size {size} is beyond the {len} leaves the tree holds")]
    SizeBeyondTree {
        /// The size asked for.
        size: u64,
        /// The leaves the tree holds.
        len: u64,
    },
    /// A consistency proof asked from a larger tree to a smaller one.
    #[error("a consistency proof goes from a smaller tree to a larger one, not from size {from} to size {to}")]
    FromAfterTo {
        /// The first (older) tree size.
        from: u64,
        /// The second (newer) tree size.
        to: u64,
    },
    /// The proof has the wrong number of hashes for its sizes.
    #[error("the {what} has {got} hashes; {expected} are needed for {sizes}")]
    WrongPathLength {
        /// Which proof: "inclusion proof" or "consistency proof".
        what: &'static str,
        /// The number of hashes the sizes call for.
        expected: usize,
        /// The number of hashes given.
        got: usize,
        /// The sizes, in words, e.g. "leaf 3 in a tree of size 8".
        sizes: String,
    },
    /// The proof leads to a root other than the one expected.
    #[error("the proof gives {what} {computed}, but {expected} was expected")]
    RootMismatch {
        /// Which root: "root", "first root" or "second root".
        what: &'static str,
        /// The root the proof leads to (hex).
        computed: String,
        /// The root it was checked against (hex).
        expected: String,
    },
}

/// An append-only Merkle tree holding every complete subtree hash, level by level
/// (`levels[0]` = leaf hashes, `levels[k][i]` = hash of leaves `i·2^k .. (i+1)·2^k`).
///
/// Append is amortised `O(1)`; the root, inclusion and consistency proofs for any size
/// `<= len` are computed from stored subtree hashes in `O(log² n)` hashes at most.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Tree {
    levels: Vec<Vec<Hash>>,
}

impl std::fmt::Debug for Tree {
    // The whole tree would be thousands of hashes: its size and root identify it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tree")
            .field("len", &self.len())
            .field("root", &hex(&self.root()))
            .finish()
    }
}

impl Tree {
    /// An empty tree.
    pub fn new() -> Tree {
        Tree::default()
    }

    /// Appends a leaf hash (see [`leaf_hash`]) and every complete subtree it closes.
    pub fn push(&mut self, leaf: Hash) {
        let mut hash = leaf;
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(hash);
            // An odd count leaves the newest hash waiting for a right sibling.
            if row.len() % 2 == 1 {
                return;
            }
            hash = node_hash(&row[row.len() - 2], &row[row.len() - 1]);
            level += 1;
        }
    }

    /// The number of leaves.
    pub fn len(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// Whether the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The leaf hash at `index`, if there is one.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.subtree_hash(0, index)
    }

    /// The stored hash of the complete subtree of `2^level` leaves starting at leaf
    /// `index · 2^level`, if all its leaves are in the tree (used for tiles).
    pub fn subtree_hash(&self, level: u8, index: u64) -> Option<Hash> {
        let row = self.levels.get(usize::from(level))?;
        row.get(usize::try_from(index).ok()?).copied()
    }

    /// The root of the whole tree ([`empty_root`] when empty).
    pub fn root(&self) -> Hash {
        self.range_hash(0, self.len())
    }

    /// The root of the tree of the first `size` leaves, `MTH(D[0:size])`.
    pub fn root_at(&self, size: u64) -> Result<Hash, ProofError> {
        self.check_size(size)?;
        Ok(self.range_hash(0, size))
    }

    /// The inclusion proof of leaf `index` in the tree of the first `size` leaves,
    /// `PATH(index, D[0:size])` (RFC 9162 2.1.3.1), leaf-side hash first.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
        self.check_size(size)?;
        let ranges = inclusion_ranges(index, size)?;
        Ok(self.hashes(&ranges))
    }

    /// The consistency proof from the tree of the first `from` leaves to the tree of the
    /// first `to` leaves, `PROOF(from, D[0:to])` (RFC 9162 2.1.4.1). Empty when
    /// `from == 0` or `from == to`: nothing needs proving.
    pub fn consistency_proof(&self, from: u64, to: u64) -> Result<Vec<Hash>, ProofError> {
        self.check_size(to)?;
        let ranges = consistency_ranges(from, to)?;
        Ok(self.hashes(&ranges))
    }

    fn check_size(&self, size: u64) -> Result<(), ProofError> {
        let len = self.len();
        if size > len {
            return Err(ProofError::SizeBeyondTree { size, len });
        }
        Ok(())
    }

    fn hashes(&self, ranges: &[(u64, u64)]) -> Vec<Hash> {
        ranges
            .iter()
            .map(|&(start, end)| self.range_hash(start, end))
            .collect()
    }

    /// `MTH(D[start:end])` for a node of an RFC 9162 tree of size `<= len`: `start` is a
    /// multiple of the largest power of two not above `end - start` (every node of
    /// [`inclusion_ranges`] and [`consistency_ranges`] is), and `end <= len`.
    ///
    /// The node splits into complete subtrees of the sizes of the binary digits of its
    /// width, largest first; the RFC's recursion hashes them together right to left.
    fn range_hash(&self, start: u64, end: u64) -> Hash {
        if start == end {
            return empty_root();
        }
        let mut subtrees = Vec::with_capacity(64);
        let mut at = start;
        while at < end {
            let level = (end - at).ilog2();
            // In range by the invariants: `at` is aligned to 2^level and
            // `at + 2^level <= end <= len`, so `levels[level]` holds `at >> level`.
            subtrees.push(self.levels[level as usize][(at >> level) as usize]);
            at += 1 << level;
        }
        let mut subtrees = subtrees.into_iter().rev();
        let last = subtrees.next().unwrap_or_else(empty_root);
        subtrees.fold(last, |right, left| node_hash(&left, &right))
    }
}

/// The tree of the given entry lines, in order.
pub fn rebuild(lines: &[&[u8]]) -> Tree {
    let mut tree = Tree::new();
    for line in lines {
        tree.push(leaf_hash(line));
    }
    tree
}

/// The largest power of two smaller than `n` (`n >= 2`): the RFC's split point `k`.
fn split(n: u64) -> u64 {
    1 << (n - 1).ilog2()
}

/// The nodes `[start, end)` whose hashes form `PATH(index, D[0:size])`, in proof order.
///
/// RFC 9162 2.1.3.1: `PATH(m, D[n])` is empty for `n = 1`; otherwise, with `k` the
/// split, `PATH(m, D[0:k]) : MTH(D[k:n])` for `m < k` and `PATH(m - k, D[k:n]) :
/// MTH(D[0:k])` for `m >= k`. The recursion is walked from the root down, so the
/// hashes are collected root side first and reversed at the end.
fn inclusion_ranges(index: u64, size: u64) -> Result<Vec<(u64, u64)>, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let mut ranges = Vec::new();
    let (mut start, mut end) = (0, size);
    while end - start > 1 {
        let mid = start + split(end - start);
        if index < mid {
            ranges.push((mid, end));
            end = mid;
        } else {
            ranges.push((start, mid));
            start = mid;
        }
    }
    ranges.reverse();
    Ok(ranges)
}

/// The nodes `[start, end)` whose hashes form `PROOF(from, D[0:to])`, in proof order.
///
/// RFC 9162 2.1.4.1: `PROOF(m, D[n]) = SUBPROOF(m, D[n], true)`, where
/// `SUBPROOF(m, D[m], true)` is empty, `SUBPROOF(m, D[m], false) = {MTH(D[m])}`, and for
/// `m < n`, with `k` the split, `SUBPROOF(m, D[0:k], b) : MTH(D[k:n])` if `m <= k`,
/// else `SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])`.
fn consistency_ranges(from: u64, to: u64) -> Result<Vec<(u64, u64)>, ProofError> {
    if from > to {
        return Err(ProofError::FromAfterTo { from, to });
    }
    let mut ranges = Vec::new();
    if from == 0 || from == to {
        return Ok(ranges);
    }
    // `m` counts the old tree's leaves inside the current node [start, end);
    // `whole` is the RFC's `b`: true while the walk has only gone left, so that when `m`
    // fills the node, the node is the whole old tree, whose root the verifier holds.
    let (mut start, mut end, mut m, mut whole) = (0, to, from, true);
    while m != end - start {
        let k = split(end - start);
        if m <= k {
            ranges.push((start + k, end));
            end = start + k;
        } else {
            ranges.push((start, start + k));
            start += k;
            m -= k;
            whole = false;
        }
    }
    if !whole {
        ranges.push((start, end));
    }
    ranges.reverse();
    Ok(ranges)
}

/// The error for a path of the wrong length, `sizes` saying for what, in words.
fn wrong_length(what: &'static str, expected: usize, path: &[Hash], sizes: String) -> ProofError {
    ProofError::WrongPathLength {
        what,
        expected,
        got: path.len(),
        sizes,
    }
}

fn check_root(what: &'static str, computed: &Hash, expected: &Hash) -> Result<(), ProofError> {
    if computed != expected {
        return Err(ProofError::RootMismatch {
            what,
            computed: hex(computed),
            expected: hex(expected),
        });
    }
    Ok(())
}

/// Checks that `path` proves leaf hash `leaf` is at `index` in the tree of `size` leaves
/// with root `root` (RFC 9162 2.1.3.2).
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    path: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    let expected = inclusion_ranges(index, size)?.len();
    let wrong = || {
        let sizes = format!("leaf {index} in a tree of size {size}");
        wrong_length("inclusion proof", expected, path, sizes)
    };
    if path.len() != expected {
        return Err(wrong());
    }
    // The RFC's algorithm, step by step: `fn` walks the leaf's position up the tree and
    // `sn` the last leaf's; where they meet on the right edge, levels without a sibling
    // are skipped.
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if snode == 0 {
            // Unreachable with the length checked above; kept as the RFC states it.
            return Err(wrong());
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    check_root("root", &r, root)
}

/// Checks that `path` proves the tree of `from` leaves with root `from_root` is a prefix
/// of the tree of `to` leaves with root `to_root` (RFC 9162 2.1.4.2).
///
/// `from == to` needs an empty path and equal roots; `from == 0` needs an empty path and
/// `from_root` equal to [`empty_root`] (the empty tree is a prefix of every tree).
pub fn verify_consistency(
    from: u64,
    to: u64,
    from_root: &Hash,
    to_root: &Hash,
    path: &[Hash],
) -> Result<(), ProofError> {
    let expected = consistency_ranges(from, to)?.len();
    let wrong = || {
        let sizes = format!("tree size {from} to tree size {to}");
        wrong_length("consistency proof", expected, path, sizes)
    };
    if path.len() != expected {
        return Err(wrong());
    }
    if from == 0 {
        return check_root("first root", from_root, &empty_root());
    }
    if from == to {
        return check_root("second root", to_root, from_root);
    }
    // RFC 9162 2.1.4.2, steps 2-7. When `from` is a power of two the old tree is a
    // complete subtree and its root is the proof's implicit first hash.
    let mut hashes = path.iter();
    let first = if from.is_power_of_two() {
        *from_root
    } else {
        *hashes.next().ok_or_else(wrong)?
    };
    let (mut fnode, mut snode) = (from - 1, to - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (first, first);
    for c in hashes {
        if snode == 0 {
            // Unreachable with the length checked above; kept as the RFC states it.
            return Err(wrong());
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    check_root("first root", &fr, from_root)?;
    check_root("second root", &sr, to_root)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(n: u64) -> Tree {
        let mut t = Tree::new();
        for i in 0..n {
            t.push(leaf_hash(&i.to_be_bytes()));
        }
        t
    }

    /// MTH straight from the RFC's recursive definition, over leaf hashes.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split(n as u64) as usize;
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    #[test]
    fn levels_hold_exactly_the_complete_subtrees() {
        let t = tree(37);
        for (k, row) in t.levels.iter().enumerate() {
            assert_eq!(row.len() as u64, 37 >> k, "level {k}");
            for (i, h) in row.iter().enumerate() {
                let leaves: Vec<Hash> = (i << k..(i + 1) << k)
                    .map(|j| t.leaf(j as u64).unwrap())
                    .collect();
                assert_eq!(*h, mth(&leaves), "level {k} index {i}");
            }
        }
        assert_eq!(t.levels.len(), 6, "37 < 64: levels 0..=5");
    }

    #[test]
    fn root_at_every_size_is_the_recursive_mth() {
        let t = tree(70);
        let leaves: Vec<Hash> = (0..70).map(|i| t.leaf(i).unwrap()).collect();
        for size in 0..=70 {
            assert_eq!(t.root_at(size).unwrap(), mth(&leaves[..size as usize]));
        }
        assert_eq!(t.root(), mth(&leaves));
        assert_eq!(
            t.root_at(71),
            Err(ProofError::SizeBeyondTree { size: 71, len: 70 })
        );
    }

    #[test]
    fn proof_lengths_follow_the_rfc_examples() {
        // RFC 9162 2.1.5: the tree of 7 leaves, d0..d6.
        // Inclusion of d0 is [b, h, l]; of d3 [c, g, l]; of d4 [f, j, k]; of d6 [i, k].
        let r = |i, s| inclusion_ranges(i, s).unwrap();
        assert_eq!(r(0, 7), vec![(1, 2), (2, 4), (4, 7)]);
        assert_eq!(r(3, 7), vec![(2, 3), (0, 2), (4, 7)]);
        assert_eq!(r(4, 7), vec![(5, 6), (6, 7), (0, 4)]);
        assert_eq!(r(6, 7), vec![(4, 6), (0, 4)]);
        // Consistency 3 -> 7 is [c, d, g, l]; 4 -> 7 is [l]; 6 -> 7 is [i, j, k].
        let c = |m, n| consistency_ranges(m, n).unwrap();
        assert_eq!(c(3, 7), vec![(2, 3), (3, 4), (0, 2), (4, 7)]);
        assert_eq!(c(4, 7), vec![(4, 7)]);
        assert_eq!(c(6, 7), vec![(4, 6), (6, 7), (0, 4)]);
    }

    #[test]
    fn debug_is_short() {
        let text = format!("{:?}", tree(1000));
        assert!(text.starts_with("Tree { len: 1000, root: \""), "{text}");
        assert!(text.len() < 120, "{text}");
    }
}
