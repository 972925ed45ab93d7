//! Our verifiers accept our proofs for every (index, size) and (from, to) up to 70, and
//! reject every tampering: a changed leaf, a wrong index, a truncated or extended path, a
//! flipped bit in any path hash, wrong roots, impossible sizes.

use cifra_log::{
    empty_root, leaf_hash, verify_consistency, verify_inclusion, Hash, ProofError, Tree,
};

const MAX: u64 = 70;

fn tree() -> Tree {
    let mut tree = Tree::new();
    for i in 0..MAX {
        tree.push(leaf_hash(format!("acta {i}").as_bytes()));
    }
    tree
}

fn flip(hash: &Hash, bit: usize) -> Hash {
    let mut flipped = *hash;
    flipped[bit / 8] ^= 1 << (bit % 8);
    flipped
}

fn is_root_mismatch(result: Result<(), ProofError>) -> bool {
    matches!(result, Err(ProofError::RootMismatch { .. }))
}

fn is_wrong_length(result: Result<(), ProofError>) -> bool {
    matches!(result, Err(ProofError::WrongPathLength { .. }))
}

#[test]
fn inclusion_proofs_verify_and_every_tampering_is_rejected() {
    let tree = tree();
    let other_leaf = leaf_hash(b"acta forjada");
    for size in 1..=MAX {
        let root = tree.root_at(size).unwrap();
        for index in 0..size {
            let leaf = tree.leaf(index).unwrap();
            let path = tree.inclusion_proof(index, size).unwrap();
            verify_inclusion(&leaf, index, size, &path, &root).unwrap();

            assert!(is_root_mismatch(verify_inclusion(
                &other_leaf,
                index,
                size,
                &path,
                &root
            )));
            if size > 1 {
                let wrong = (index + 1) % size;
                assert!(verify_inclusion(&leaf, wrong, size, &path, &root).is_err());
                let mut truncated = path.clone();
                truncated.pop();
                assert!(is_wrong_length(verify_inclusion(
                    &leaf, index, size, &truncated, &root
                )));
            }
            let mut extended = path.clone();
            extended.push(root);
            assert!(is_wrong_length(verify_inclusion(
                &leaf, index, size, &extended, &root
            )));
            for (n, hash) in path.iter().enumerate() {
                for bit in [0, 7, 100, 255] {
                    let mut tampered = path.clone();
                    tampered[n] = flip(hash, bit);
                    assert!(
                        is_root_mismatch(verify_inclusion(&leaf, index, size, &tampered, &root)),
                        "bit {bit} of hash {n} of PATH({index}, D[0:{size}])"
                    );
                }
            }
            assert!(is_root_mismatch(verify_inclusion(
                &leaf,
                index,
                size,
                &path,
                &flip(&root, 3)
            )));
            if size > 1 {
                let older = tree.root_at(size - 1).unwrap();
                assert!(verify_inclusion(&leaf, index, size, &path, &older).is_err());
            }
        }
        assert_eq!(
            verify_inclusion(&root, size, size, &[], &root),
            Err(ProofError::IndexOutOfRange { index: size, size })
        );
    }
}

#[test]
fn consistency_proofs_verify_and_every_tampering_is_rejected() {
    let tree = tree();
    for to in 1..=MAX {
        let to_root = tree.root_at(to).unwrap();
        for from in 0..=to {
            let from_root = tree.root_at(from).unwrap();
            let path = tree.consistency_proof(from, to).unwrap();
            verify_consistency(from, to, &from_root, &to_root, &path).unwrap();

            let mut extended = path.clone();
            extended.push(to_root);
            assert!(is_wrong_length(verify_consistency(
                from, to, &from_root, &to_root, &extended
            )));
            if path.is_empty() {
                continue; // from == 0 or from == to: checked in their own test
            }
            let mut truncated = path.clone();
            truncated.pop();
            assert!(is_wrong_length(verify_consistency(
                from, to, &from_root, &to_root, &truncated
            )));
            for (n, hash) in path.iter().enumerate() {
                for bit in [0, 7, 100, 255] {
                    let mut tampered = path.clone();
                    tampered[n] = flip(hash, bit);
                    assert!(
                        is_root_mismatch(verify_consistency(
                            from, to, &from_root, &to_root, &tampered
                        )),
                        "bit {bit} of hash {n} of PROOF({from}, D[0:{to}])"
                    );
                }
            }
            let bad_from = flip(&from_root, 9);
            assert!(is_root_mismatch(verify_consistency(
                from, to, &bad_from, &to_root, &path
            )));
            let bad_to = flip(&to_root, 9);
            assert!(is_root_mismatch(verify_consistency(
                from, to, &from_root, &bad_to, &path
            )));
            // Roots of other sizes of the same tree are wrong roots too.
            let other = tree.root_at(from - 1).unwrap();
            assert!(verify_consistency(from, to, &other, &to_root, &path).is_err());
            assert!(verify_consistency(from, to, &from_root, &from_root, &path).is_err());
        }
    }
}

#[test]
fn trivial_consistency_needs_an_empty_path_and_the_right_roots() {
    let tree = tree();
    let (r5, r6) = (tree.root_at(5).unwrap(), tree.root_at(6).unwrap());
    verify_consistency(5, 5, &r5, &r5, &[]).unwrap();
    assert!(is_root_mismatch(verify_consistency(5, 5, &r5, &r6, &[])));
    assert!(is_wrong_length(verify_consistency(5, 5, &r5, &r5, &[r5])));

    verify_consistency(0, 6, &empty_root(), &r6, &[]).unwrap();
    verify_consistency(0, 0, &empty_root(), &empty_root(), &[]).unwrap();
    assert!(is_root_mismatch(verify_consistency(0, 6, &r5, &r6, &[])));
    assert!(is_wrong_length(verify_consistency(
        0,
        6,
        &empty_root(),
        &r6,
        &[r5]
    )));

    assert_eq!(
        verify_consistency(6, 5, &r6, &r5, &[]),
        Err(ProofError::FromAfterTo { from: 6, to: 5 })
    );
}

#[test]
fn requests_beyond_the_tree_are_errors_not_panics() {
    let tree = tree();
    assert_eq!(
        tree.root_at(MAX + 1),
        Err(ProofError::SizeBeyondTree {
            size: MAX + 1,
            len: MAX
        })
    );
    assert_eq!(
        tree.inclusion_proof(0, MAX + 1),
        Err(ProofError::SizeBeyondTree {
            size: MAX + 1,
            len: MAX
        })
    );
    assert_eq!(
        tree.inclusion_proof(10, 10),
        Err(ProofError::IndexOutOfRange {
            index: 10,
            size: 10
        })
    );
    assert_eq!(
        tree.consistency_proof(3, MAX + 1),
        Err(ProofError::SizeBeyondTree {
            size: MAX + 1,
            len: MAX
        })
    );
    assert_eq!(
        tree.consistency_proof(9, 8),
        Err(ProofError::FromAfterTo { from: 9, to: 8 })
    );
    assert_eq!(tree.consistency_proof(0, 8), Ok(vec![]));
    assert_eq!(tree.consistency_proof(8, 8), Ok(vec![]));
    assert_eq!(tree.leaf(MAX), None);
    assert_eq!(
        tree.subtree_hash(7, 0),
        None,
        "70 leaves hold no subtree of 128"
    );
    assert_eq!(tree.subtree_hash(200, 0), None);
    // Extreme sizes are refused before any work.
    let huge = u64::MAX;
    assert!(verify_inclusion(&empty_root(), huge - 1, huge, &[], &empty_root()).is_err());
    assert!(verify_consistency(huge - 1, huge, &empty_root(), &empty_root(), &[]).is_err());
}

#[test]
fn errors_say_what_is_wrong() {
    let tree = tree();
    let path = tree.inclusion_proof(3, 8).unwrap();
    let root = tree.root_at(8).unwrap();
    let err = verify_inclusion(&root, 3, 8, &path[..2], &root).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the inclusion proof has 2 hashes; 3 are needed for leaf 3 in a tree of size 8"
    );
    let err = verify_inclusion(&root, 3, 8, &path, &root).unwrap_err();
    assert!(
        err.to_string().starts_with("the proof gives root "),
        "{err}"
    );
}
