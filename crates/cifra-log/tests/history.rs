//! A log checked against the checkpoints signed of it earlier: a rewritten entry and
//! removed entries are found and bounded by the signed sizes.

use cifra_log::{check_history, leaf_hash, Divergence, Hash, Tree};

fn tree(lines: &[String]) -> Tree {
    let mut tree = Tree::new();
    for line in lines {
        tree.push(leaf_hash(line.as_bytes()));
    }
    tree
}

fn lines(n: u64) -> Vec<String> {
    (0..n).map(|i| format!("{{\"index\":{i}}}")).collect()
}

/// The (size, root) of the original log at each of `sizes`.
fn signed(sizes: &[u64]) -> Vec<(u64, Hash)> {
    let original = tree(&lines(20));
    sizes
        .iter()
        .map(|&size| (size, original.root_at(size).unwrap()))
        .collect()
}

#[test]
fn the_log_that_was_signed_and_its_extensions_pass() {
    let sizes = [0, 1, 5, 12, 20];
    assert_eq!(check_history(&tree(&lines(20)), signed(&sizes)), Ok(()));
    let mut longer = lines(20);
    longer.push("{\"index\":20}".into());
    assert_eq!(check_history(&tree(&longer), signed(&sizes)), Ok(()));
    assert_eq!(check_history(&tree(&lines(20)), Vec::new()), Ok(()));
}

#[test]
fn a_rewritten_entry_is_bounded_by_the_signed_sizes() {
    let mut rewritten = lines(20);
    rewritten[7] = "{\"index\":7,\"votes\":1}".into();
    let rewritten = tree(&rewritten);
    // Given in any order: the first departure by size is reported.
    let found = check_history(&rewritten, signed(&[20, 5, 12, 1])).unwrap_err();
    assert_eq!(
        found,
        Divergence::Changed {
            from: 5,
            signed: 12
        }
    );
    assert_eq!(
        found.to_string(),
        "the first changed entry is among entries 5 to 11: the checkpoint of 12 entries has another root (the checkpoint of 5 entries matches)"
    );
    // A checkpoint of every size names the entry.
    let every: Vec<u64> = (1..=20).collect();
    let found = check_history(&rewritten, signed(&every)).unwrap_err();
    assert_eq!(found, Divergence::Changed { from: 7, signed: 8 });
    assert!(
        found
            .to_string()
            .starts_with("entry 7 is not the one signed"),
        "{found}"
    );
}

#[test]
fn removed_entries_are_named() {
    let found = check_history(&tree(&lines(19)), signed(&[5, 19, 20])).unwrap_err();
    assert_eq!(
        found,
        Divergence::Removed {
            size: 19,
            signed: 20
        }
    );
    assert_eq!(
        found.to_string(),
        "a checkpoint of 20 entries was signed, but the log has only 19: entry 19 was removed"
    );
    let found = check_history(&tree(&lines(2)), signed(&[5, 19])).unwrap_err();
    assert_eq!(
        found.to_string(),
        "a checkpoint of 5 entries was signed, but the log has only 2: entries 2 to 4 were removed"
    );
}

#[test]
fn two_roots_for_one_size_cannot_both_pass() {
    let mut kept = signed(&[10]);
    kept.push((10, [0; 32]));
    let found = check_history(&tree(&lines(20)), kept).unwrap_err();
    assert_eq!(found.entries().1, 10, "{found}");
}
