//! The log as static files: C2SP tlog-tiles (<https://c2sp.org/tlog-tiles>).
//!
//! What is computed:
//! - tile paths ("Merkle Tree"): `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`.
//!   `<L>` is decimal 0..=63 without leading zeros; `<N>` is the index in zero-padded
//!   3-digit path elements, all but the last prefixed with `x` (1234067 →
//!   `x001/x234/067`); `.p/<W>` marks a partial tile of width `W`, 1..=255, without
//!   leading zeros. [`TilePath::parse`] accepts exactly the canonical form, so one tile
//!   has one path;
//! - hash tiles: the tile at level `L`, index `N` is the concatenation of
//!   `MTH(D[(N·256 + i)·256^L : (N·256 + i + 1)·256^L])` for `i` in `0..W`, that is, the
//!   complete subtrees of height `8·L` at positions `N·256 .. N·256 + W`, read from the
//!   [`Tree`]'s stored levels (no hashing);
//! - entry bundles ("Log entries"): the entries `N·256 .. N·256 + W`, each as a
//!   big-endian `u16` length followed by its bytes.
//!
//! Invariants: a full tile is 256 hashes (8,192 bytes); a partial one 1..=255 hashes; a
//! bundle holds at most 256 entries of at most 65,535 bytes each.

use crate::merkle::Tree;

/// The height of a tile: 8 levels of the Merkle tree, 256 hashes wide.
const TILE_HEIGHT: u32 = 8;
/// The number of hashes (or entries) in a full tile (or bundle).
const FULL_WIDTH: u16 = 256;

/// A tile resource, named by its path under `tile/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TilePath {
    /// A hash tile: level, index, width (256 = full, 1..=255 = partial).
    Hash {
        /// The tile level `L`, 0..=63: hashes of subtrees of `256^L` leaves.
        level: u8,
        /// The tile index `N` within the level.
        index: u64,
        /// The number of hashes, 1..=256.
        width: u16,
    },
    /// An entry bundle: index, width (256 = full, 1..=255 = partial).
    Entries {
        /// The bundle index `N`: entries `N·256 ..`.
        index: u64,
        /// The number of entries, 1..=256.
        width: u16,
    },
}

impl TilePath {
    /// Reads the part of a tile path after `tile/`, e.g. `"0/x001/234.p/17"` or
    /// `"entries/000"`. `None` unless it is exactly in the spec's canonical form.
    pub fn parse(path: &str) -> Option<TilePath> {
        let (body, width) = match path.split_once(".p/") {
            Some((body, width)) => (body, parse_width(width)?),
            None => (path, FULL_WIDTH),
        };
        let (head, index) = body.split_once('/')?;
        let index = parse_index(index)?;
        if head == "entries" {
            return Some(TilePath::Entries { index, width });
        }
        let level = parse_level(head)?;
        Some(TilePath::Hash {
            level,
            index,
            width,
        })
    }

    /// The tile's path, with the `tile/` prefix, e.g. `"tile/0/x001/234.p/17"`.
    /// (Meaningful for widths 1..=256, the ones [`TilePath::parse`] gives.)
    pub fn to_path(&self) -> String {
        let (head, index, width) = match *self {
            TilePath::Hash {
                level,
                index,
                width,
            } => (level.to_string(), index, width),
            TilePath::Entries { index, width } => ("entries".to_owned(), index, width),
        };
        let mut path = format!("tile/{head}/{}", format_index(index));
        if width < FULL_WIDTH {
            path.push_str(&format!(".p/{width}"));
        }
        path
    }
}

/// Decimal digits only, and no leading zero unless the number is 0.
fn canonical_decimal(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'))
}

fn parse_width(text: &str) -> Option<u16> {
    let width: u16 = canonical_decimal(text).then(|| text.parse().ok())??;
    (1..FULL_WIDTH).contains(&width).then_some(width)
}

fn parse_level(text: &str) -> Option<u8> {
    let level: u8 = canonical_decimal(text).then(|| text.parse().ok())??;
    (level <= 63).then_some(level)
}

/// `x001/x234/067` → 1234067. The first element may not be `x000` (not canonical).
fn parse_index(text: &str) -> Option<u64> {
    let mut elements = text.split('/').peekable();
    let mut index: u64 = 0;
    let mut first = true;
    while let Some(element) = elements.next() {
        let last = elements.peek().is_none();
        let digits = if last {
            element
        } else {
            element.strip_prefix('x')?
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let value: u64 = digits.parse().ok()?;
        if first && !last && value == 0 {
            return None;
        }
        index = index.checked_mul(1000)?.checked_add(value)?;
        first = false;
    }
    Some(index)
}

/// 1234067 → `x001/x234/067`, 5 → `005`.
fn format_index(index: u64) -> String {
    let mut groups = Vec::new();
    let mut rest = index;
    loop {
        groups.push(rest % 1000);
        rest /= 1000;
        if rest == 0 {
            break;
        }
    }
    let last = groups.remove(0);
    let mut path: String = groups.iter().rev().map(|g| format!("x{g:03}/")).collect();
    path.push_str(&format!("{last:03}"));
    path
}

/// The hash tile at `level`, `index`, `width` (1..=256): the concatenated 32-byte hashes
/// of the complete subtrees of height `8·level` at positions `index·256 .. index·256 +
/// width`. `None` if the width is out of range or the tree does not hold them all yet.
pub fn hash_tile(tree: &Tree, level: u8, index: u64, width: u16) -> Option<Vec<u8>> {
    if width == 0 || width > FULL_WIDTH {
        return None;
    }
    let tree_level = u8::try_from(u32::from(level) * TILE_HEIGHT).ok()?;
    let start = index.checked_mul(u64::from(FULL_WIDTH))?;
    let mut tile = Vec::with_capacity(usize::from(width) * 32);
    for i in 0..u64::from(width) {
        tile.extend_from_slice(&tree.subtree_hash(tree_level, start + i)?);
    }
    Some(tile)
}

/// What is wrong with an entry bundle or the lines to put in one.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TileError {
    /// An entry longer than a `u16` length prefix can say.
    #[error("entry {index} is {len} bytes; an entry bundle holds at most 65535 bytes per entry")]
    LineTooLong {
        /// The entry's position in the bundle.
        index: usize,
        /// Its length in bytes.
        len: usize,
    },
    /// More entries than a bundle holds.
    #[error("an entry bundle holds at most 256 entries, not {count}")]
    TooManyEntries {
        /// The entries given (or read so far).
        count: usize,
    },
    /// A bundle that ends inside an entry's length or bytes.
    #[error("entry {index} at byte {offset} is cut short: {need} bytes are needed and the bundle has {have} left")]
    Truncated {
        /// The entry's position in the bundle.
        index: usize,
        /// The byte where the entry (its length prefix) starts.
        offset: usize,
        /// The bytes still needed from there.
        need: usize,
        /// The bytes left in the bundle from there.
        have: usize,
    },
}

/// The entry bundle of `lines`: each as a big-endian `u16` length, then its bytes.
pub fn entry_bundle(lines: &[&[u8]]) -> Result<Vec<u8>, TileError> {
    if lines.len() > usize::from(FULL_WIDTH) {
        return Err(TileError::TooManyEntries { count: lines.len() });
    }
    let mut bundle = Vec::with_capacity(lines.iter().map(|l| l.len() + 2).sum());
    for (index, line) in lines.iter().enumerate() {
        let len = u16::try_from(line.len()).map_err(|_| TileError::LineTooLong {
            index,
            len: line.len(),
        })?;
        bundle.extend_from_slice(&len.to_be_bytes());
        bundle.extend_from_slice(line);
    }
    Ok(bundle)
}

/// The entries of an entry bundle, borrowed from `bytes`.
pub fn parse_entry_bundle(bytes: &[u8]) -> Result<Vec<&[u8]>, TileError> {
    let mut entries = Vec::new();
    let mut offset = 0;
    while offset < bytes.len() {
        let index = entries.len();
        if index == usize::from(FULL_WIDTH) {
            return Err(TileError::TooManyEntries { count: index + 1 });
        }
        let rest = &bytes[offset..];
        let truncated = |need: usize| TileError::Truncated {
            index,
            offset,
            need,
            have: rest.len(),
        };
        let [hi, lo, body @ ..] = rest else {
            return Err(truncated(2));
        };
        let len = usize::from(u16::from_be_bytes([*hi, *lo]));
        let entry = body.get(..len).ok_or_else(|| truncated(2 + len))?;
        entries.push(entry);
        offset += 2 + len;
    }
    Ok(entries)
}
