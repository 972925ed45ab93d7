//! C2SP tlog-tiles: paths as the spec writes them, hash tiles against the tree, entry
//! bundles.

mod common;

use cifra_log::{
    entry_bundle, hash_tile, leaf_hash, parse_entry_bundle, rebuild, Hash, TileError, TilePath,
    Tree,
};
use proptest::prelude::*;

fn hash_path(level: u8, index: u64, width: u16) -> TilePath {
    TilePath::Hash {
        level,
        index,
        width,
    }
}

#[test]
fn paths_follow_the_spec_examples() {
    // "index 1234067 will be encoded as x001/x234/067"
    assert_eq!(hash_path(0, 1234067, 256).to_path(), "tile/0/x001/x234/067");
    assert_eq!(hash_path(0, 5, 256).to_path(), "tile/0/005");
    assert_eq!(hash_path(2, 0, 1).to_path(), "tile/2/000.p/1");
    assert_eq!(hash_path(1, 1234, 17).to_path(), "tile/1/x001/234.p/17");
    assert_eq!(hash_path(0, 1000, 256).to_path(), "tile/0/x001/000");
    assert_eq!(
        hash_path(63, u64::MAX, 255).to_path(),
        "tile/63/x018/x446/x744/x073/x709/x551/615.p/255"
    );
    assert_eq!(
        TilePath::Entries {
            index: 0,
            width: 256
        }
        .to_path(),
        "tile/entries/000"
    );
    assert_eq!(
        TilePath::Entries {
            index: 273,
            width: 112
        }
        .to_path(),
        "tile/entries/273.p/112"
    );

    assert_eq!(
        TilePath::parse("0/x001/x234/067"),
        Some(hash_path(0, 1234067, 256))
    );
    assert_eq!(
        TilePath::parse("0/x001/234.p/17"),
        Some(hash_path(0, 1234, 17))
    );
    assert_eq!(
        TilePath::parse("entries/000"),
        Some(TilePath::Entries {
            index: 0,
            width: 256
        })
    );
    assert_eq!(
        TilePath::parse("entries/x001/000.p/3"),
        Some(TilePath::Entries {
            index: 1000,
            width: 3
        })
    );
    assert_eq!(
        TilePath::parse("0/x018/x446/x744/x073/x709/x551/615"),
        Some(hash_path(0, u64::MAX, 256))
    );
}

#[test]
fn malformed_paths_are_rejected() {
    for path in [
        "",
        "0",
        "0/",
        "0/5", // not 3 digits
        "0/0005",
        "0/1234067", // not grouped
        "0/x001/x234/67",
        "0/001/234",        // a non-final group without x
        "0/x001/x234/x067", // the final group with x
        "0/x000/005",       // a leading zero group: not canonical
        "0/x000/x001/005",
        "0/x01/000",
        "0/000/",
        "0//000",
        "00/000", // leading zero in the level
        "64/000", // level beyond 63
        "-1/000",
        "+1/000",
        " 0/000",
        "/0/000",     // leading junk
        "tile/0/000", // parse takes the part after "tile/"
        "x/0/000",
        "0/000.p/0",   // width 0
        "0/000.p/256", // a full tile has no .p suffix
        "0/000.p/017", // leading zero in the width
        "0/000.p/",
        "0/000.p/17/",
        "0/000.p/17.p/3",
        "0/000.p",
        "0/000.P/17",
        "entries/",
        "entries/5",
        "entry/000",
        "0/x018/x446/x744/x073/x709/x551/616", // u64::MAX + 1
        "0/x999/x999/x999/x999/x999/x999/x999/999",
    ] {
        assert_eq!(TilePath::parse(path), None, "{path:?}");
    }
}

fn arb_path() -> impl Strategy<Value = TilePath> {
    let index = prop_oneof![0u64..3000, any::<u64>()];
    let width = prop_oneof![Just(256u16), 1u16..=255];
    prop_oneof![
        (0u8..=63, index.clone(), width.clone()).prop_map(|(level, index, width)| TilePath::Hash {
            level,
            index,
            width
        }),
        (index, width).prop_map(|(index, width)| TilePath::Entries { index, width }),
    ]
}

proptest! {
    #[test]
    fn parse_inverts_to_path(path in arb_path()) {
        let text = path.to_path();
        let rest = text.strip_prefix("tile/").unwrap();
        prop_assert_eq!(TilePath::parse(rest), Some(path));
    }

    #[test]
    fn whatever_parses_prints_back_identically(text in "(entries|[0-9]{1,3})(/x?[0-9]{1,4}){1,4}(\\.p/[0-9]{1,4})?") {
        if let Some(path) = TilePath::parse(&text) {
            prop_assert_eq!(path.to_path(), format!("tile/{text}"));
        }
    }
}

fn chunks(tile: &[u8]) -> Vec<Hash> {
    tile.chunks(32).map(|c| c.try_into().unwrap()).collect()
}

/// The tree of `n` numbered leaves.
fn numbered(n: u64) -> Tree {
    let lines: Vec<Vec<u8>> = (0..n).map(|i| i.to_string().into_bytes()).collect();
    rebuild(&common::refs(&lines))
}

#[test]
fn level_0_tiles_are_the_leaf_hashes() {
    let tree = numbered(600);
    let full = hash_tile(&tree, 0, 1, 256).unwrap();
    assert_eq!(full.len(), 8192, "a full tile is 8,192 bytes");
    for (i, h) in chunks(&full).iter().enumerate() {
        assert_eq!(*h, leaf_hash((256 + i).to_string().as_bytes()));
        assert_eq!(Some(*h), tree.subtree_hash(0, 256 + i as u64));
    }
    let partial = hash_tile(&tree, 0, 2, 88).unwrap();
    assert_eq!(partial, full_range(&tree, 512, 88));
    assert_eq!(
        hash_tile(&tree, 0, 2, 89),
        None,
        "leaf 600 is not in the tree"
    );
    assert_eq!(hash_tile(&tree, 0, 3, 1), None);
    assert_eq!(hash_tile(&tree, 0, 0, 0), None);
    assert_eq!(hash_tile(&tree, 0, 0, 257), None);
}

fn full_range(tree: &Tree, start: u64, width: u64) -> Vec<u8> {
    (start..start + width)
        .flat_map(|i| tree.leaf(i).unwrap())
        .collect()
}

#[test]
fn level_1_tiles_hash_full_level_0_tiles() {
    let n = 3 * 256 + 40;
    let tree = numbered(n);
    let tile = hash_tile(&tree, 1, 0, 3).unwrap();
    for (i, h) in chunks(&tile).iter().enumerate() {
        // The stored subtree of 256 leaves ...
        assert_eq!(Some(*h), tree.subtree_hash(8, i as u64));
        // ... is the root of those 256 leaves as a tree of their own ...
        let lines: Vec<Vec<u8>> = (i * 256..(i + 1) * 256)
            .map(|j| j.to_string().into_bytes())
            .collect();
        assert_eq!(*h, rebuild(&common::refs(&lines)).root());
        // ... and the root of the level-0 tile's hashes: "a tile represents the entire
        // subtree of height 8 with its hashes as the leaves".
        let mut over_tile = Tree::new();
        for leaf in chunks(&hash_tile(&tree, 0, i as u64, 256).unwrap()) {
            over_tile.push(leaf);
        }
        assert_eq!(*h, over_tile.root());
    }
    assert_eq!(
        hash_tile(&tree, 1, 0, 4),
        None,
        "the fourth level-0 tile is partial"
    );
}

#[test]
fn the_spec_tree_of_70000_has_the_tiles_the_spec_lists() {
    // "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial
    // level 0 tile of width 112, one full level 1 tile, one partial level 1 tile of width
    // 17, and one partial level 2 tile of width 1."
    let tree = numbered(70_000);
    assert!(hash_tile(&tree, 0, 272, 256).is_some());
    assert!(hash_tile(&tree, 0, 273, 112).is_some());
    assert_eq!(hash_tile(&tree, 0, 273, 113), None);
    assert!(hash_tile(&tree, 1, 0, 256).is_some());
    assert!(hash_tile(&tree, 1, 1, 17).is_some());
    assert_eq!(hash_tile(&tree, 1, 1, 18), None);
    let top = hash_tile(&tree, 2, 0, 1).unwrap();
    assert_eq!(
        top,
        tree.root_at(65_536).unwrap(),
        "the one full subtree of 256² leaves"
    );
    assert_eq!(hash_tile(&tree, 2, 0, 2), None);
    assert_eq!(hash_tile(&tree, 3, 0, 1), None);
    assert_eq!(
        hash_tile(&tree, 8, 0, 1),
        None,
        "level 8 would be subtrees of 2^64 leaves"
    );
}

#[test]
fn entry_bundles_round_trip() {
    let bundle = entry_bundle(&[b"ab", b"", b"xyz"]).unwrap();
    assert_eq!(bundle, [0, 2, b'a', b'b', 0, 0, 0, 3, b'x', b'y', b'z']);
    assert_eq!(
        parse_entry_bundle(&bundle).unwrap(),
        [&b"ab"[..], b"", b"xyz"]
    );
    assert_eq!(parse_entry_bundle(&[]).unwrap(), Vec::<&[u8]>::new());

    let entries = common::entries(256);
    let lines = common::lines(&entries);
    let full = entry_bundle(&common::refs(&lines)).unwrap();
    let parsed = parse_entry_bundle(&full).unwrap();
    assert_eq!(parsed, common::refs(&lines));

    let longest = vec![7u8; 65_535];
    assert_eq!(
        parse_entry_bundle(&entry_bundle(&[&longest]).unwrap()).unwrap(),
        [&longest[..]]
    );
}

#[test]
fn oversized_bundles_are_refused() {
    let too_long = vec![0u8; 65_536];
    assert_eq!(
        entry_bundle(&[b"ok", &too_long]),
        Err(TileError::LineTooLong {
            index: 1,
            len: 65_536
        })
    );
    let empty: &[u8] = b"";
    assert_eq!(
        entry_bundle(&[empty; 257]),
        Err(TileError::TooManyEntries { count: 257 })
    );
    assert_eq!(
        parse_entry_bundle(&[0; 2 * 257]),
        Err(TileError::TooManyEntries { count: 257 })
    );
    assert_eq!(parse_entry_bundle(&[0; 2 * 256]).unwrap().len(), 256);
}

#[test]
fn malformed_bundles_are_rejected() {
    assert_eq!(
        parse_entry_bundle(&[0]),
        Err(TileError::Truncated {
            index: 0,
            offset: 0,
            need: 2,
            have: 1
        })
    );
    assert_eq!(
        parse_entry_bundle(&[0, 5, 1, 2]),
        Err(TileError::Truncated {
            index: 0,
            offset: 0,
            need: 7,
            have: 4
        })
    );
    assert_eq!(
        parse_entry_bundle(&[0, 1, 9, 0]),
        Err(TileError::Truncated {
            index: 1,
            offset: 3,
            need: 2,
            have: 1
        })
    );
    assert_eq!(
        parse_entry_bundle(&[0, 1, 9, 0]).unwrap_err().to_string(),
        "entry 1 at byte 3 is cut short: 2 bytes are needed and the bundle has 1 left"
    );
}

proptest! {
    #[test]
    fn bundles_round_trip(lines in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..=256)) {
        let refs: Vec<&[u8]> = lines.iter().map(Vec::as_slice).collect();
        let bundle = entry_bundle(&refs).unwrap();
        prop_assert_eq!(parse_entry_bundle(&bundle).unwrap(), refs);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        if let Ok(entries) = parse_entry_bundle(&bytes) {
            // Whatever parses is exactly a bundle of what it read.
            prop_assert_eq!(entry_bundle(&entries).unwrap(), bytes);
        }
    }
}
