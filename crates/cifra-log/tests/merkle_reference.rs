//! Our RFC 9162 tree against two independent references:
//! - `ct-merkle` 0.3, another implementation of the RFC 6962/9162 tree, compared byte
//!   for byte on roots, inclusion proofs and consistency proofs, for every size 1..=70
//!   and every index and pair, and on random larger sizes;
//! - the published test vectors of transparency-dev/merkle (the reference of Go's
//!   tlog ecosystem, ported from certificate-transparency's `merkle_tree_test`).

mod common;

use cifra_log::{empty_root, leaf_hash, verify_consistency, verify_inclusion, Hash, Tree};
use common::{hash, unhex};
use ct_merkle::mem_backed_tree::MemoryBackedTree;
use ct_merkle::{digest, ConsistencyProof, InclusionProof, RootHash};
use proptest::prelude::*;

/// SHA-256 as `ct-merkle` wants it (the `digest` 0.11 traits), over `sha2` 0.10.
///
/// `ct-merkle` hashes a leaf `L: AsRef<[u8]>` as `H(0x00 || L)` and a node as
/// `H(0x01 || left || right)`, so pushing the raw line bytes gives exactly our
/// `leaf_hash(line)`: the comparison below is exact, not up to an encoding.
#[derive(Clone, Default)]
struct Sha256(sha2::Sha256);

impl digest::HashMarker for Sha256 {}

impl digest::OutputSizeUser for Sha256 {
    type OutputSize = digest::consts::U32;
}

impl digest::Update for Sha256 {
    fn update(&mut self, data: &[u8]) {
        sha2::Digest::update(&mut self.0, data);
    }
}

impl digest::FixedOutput for Sha256 {
    fn finalize_into(self, out: &mut digest::Output<Self>) {
        out.copy_from_slice(&sha2::Digest::finalize(self.0));
    }
}

type Reference = MemoryBackedTree<Sha256, Vec<u8>>;

fn line(i: u64) -> Vec<u8> {
    format!("{{\"index\":{i},\"mesa\":\"M/{}\"}}", i * 31 % 97).into_bytes()
}

fn concat(path: &[Hash]) -> Vec<u8> {
    path.concat()
}

fn ours(lines: &[Vec<u8>]) -> Tree {
    let mut tree = Tree::new();
    for l in lines {
        tree.push(leaf_hash(l));
    }
    tree
}

fn reference(lines: &[Vec<u8>]) -> Reference {
    let mut tree = Reference::new();
    for l in lines {
        tree.push(l.clone());
    }
    tree
}

fn root_of(reference: &Reference) -> Hash {
    reference
        .root()
        .as_bytes()
        .as_slice()
        .try_into()
        .expect("SHA-256 is 32 bytes")
}

/// Compares everything about the tree of `size` leaves: our tree holds `tree.len() >=
/// size` leaves (proofs for earlier sizes come from the same storage), the reference
/// holds exactly `size`.
fn compare_at(tree: &Tree, reference: &Reference, lines: &[Vec<u8>], size: u64) {
    let root = tree.root_at(size).unwrap();
    assert_eq!(root, root_of(reference), "root at size {size}");
    let ref_root = reference.root();
    for index in 0..size {
        let path = tree.inclusion_proof(index, size).unwrap();
        let ref_proof = reference.prove_inclusion(index as usize);
        assert_eq!(
            concat(&path),
            ref_proof.as_bytes(),
            "PATH({index}, D[0:{size}])"
        );
        // Each verifier accepts the other's proof.
        let leaf = leaf_hash(&lines[index as usize]);
        verify_inclusion(&leaf, index, size, &path, &root).unwrap();
        let ours_as_ref = InclusionProof::<Sha256>::from_bytes(concat(&path));
        ref_root
            .verify_inclusion(&lines[index as usize], index, &ours_as_ref)
            .unwrap();
    }
    for from in 1..=size {
        let path = tree.consistency_proof(from, size).unwrap();
        let ref_proof = reference.prove_consistency((size - from) as usize);
        assert_eq!(
            concat(&path),
            ref_proof.as_bytes(),
            "PROOF({from}, D[0:{size}])"
        );
        let from_root = tree.root_at(from).unwrap();
        verify_consistency(from, size, &from_root, &root, &path).unwrap();
        let old = RootHash::<Sha256>::new(from_root.into(), from);
        let ours_as_ref = ConsistencyProof::<Sha256>::try_from_bytes(concat(&path)).unwrap();
        ref_root.verify_consistency(&old, &ours_as_ref).unwrap();
    }
}

#[test]
fn every_size_index_and_pair_up_to_70_matches_ct_merkle() {
    let lines: Vec<Vec<u8>> = (0..70).map(line).collect();
    let full = ours(&lines);
    let mut growing = Tree::new();
    let mut reference = Reference::new();
    for size in 1..=70u64 {
        growing.push(leaf_hash(&lines[size as usize - 1]));
        reference.push(lines[size as usize - 1].clone());
        // The tree of exactly this size, and the size as a prefix of the 70-leaf tree.
        compare_at(&growing, &reference, &lines, size);
        compare_at(&full, &reference, &lines, size);
    }
}

#[test]
fn the_empty_tree_matches_ct_merkle() {
    assert_eq!(Tree::new().root(), root_of(&Reference::new()));
    assert_eq!(Tree::new().root(), empty_root());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Larger sizes, as prefixes of a still larger tree: one random leaf, one random
    /// earlier size, against a reference of exactly that size.
    #[test]
    fn larger_sizes_match_ct_merkle(
        size in 71u64..5000,
        extra in 0u64..600,
        index_seed in any::<u64>(),
        from_seed in any::<u64>(),
    ) {
        let lines: Vec<Vec<u8>> = (0..size + extra).map(line).collect();
        let tree = ours(&lines);
        let reference = reference(&lines[..size as usize]);
        let root = tree.root_at(size).unwrap();
        prop_assert_eq!(root, root_of(&reference));

        let index = index_seed % size;
        let path = tree.inclusion_proof(index, size).unwrap();
        let ref_proof = reference.prove_inclusion(index as usize);
        prop_assert_eq!(concat(&path), ref_proof.as_bytes());
        verify_inclusion(&leaf_hash(&lines[index as usize]), index, size, &path, &root).unwrap();

        let from = 1 + from_seed % size;
        let path = tree.consistency_proof(from, size).unwrap();
        let ref_proof = reference.prove_consistency((size - from) as usize);
        prop_assert_eq!(concat(&path), ref_proof.as_bytes());
        verify_consistency(from, size, &tree.root_at(from).unwrap(), &root, &path).unwrap();
    }
}

// ---- transparency-dev/merkle test vectors ----
//
// From github.com/transparency-dev/merkle, testonly/constants.go (leaf inputs, root
// hashes) and testonly/reference_test.go (inclusion and consistency proofs); the same
// vectors ct-merkle's tests/known_answer.rs copies, originally certificate-transparency's.

const LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// `RootHashes()`: the root of the first `n` leaves, `n` = 0..=8.
const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// (size, index, proof).
const INCLUSION: [(u64, u64, &[&str]); 7] = [
    (1, 0, &[]),
    (
        2,
        0,
        &["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"],
    ),
    (
        2,
        1,
        &["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"],
    ),
    (
        3,
        2,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        5,
        1,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        8,
        0,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        8,
        5,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

/// (from, to, proof).
const CONSISTENCY: [(u64, u64, &[&str]); 4] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

fn vector_tree() -> Tree {
    let mut tree = Tree::new();
    for leaf in LEAVES {
        tree.push(leaf_hash(&unhex(leaf)));
    }
    tree
}

#[test]
fn roots_match_the_published_vectors() {
    let tree = vector_tree();
    for (size, root) in ROOTS.iter().enumerate() {
        assert_eq!(
            tree.root_at(size as u64).unwrap(),
            hash(root),
            "size {size}"
        );
    }
    assert_eq!(empty_root(), hash(ROOTS[0]));
}

#[test]
fn inclusion_proofs_match_the_published_vectors() {
    let tree = vector_tree();
    for (size, index, expected) in INCLUSION {
        let expected: Vec<Hash> = expected.iter().map(|h| hash(h)).collect();
        assert_eq!(
            tree.inclusion_proof(index, size).unwrap(),
            expected,
            "PATH({index}, D[0:{size}])"
        );
        let leaf = leaf_hash(&unhex(LEAVES[index as usize]));
        verify_inclusion(&leaf, index, size, &expected, &hash(ROOTS[size as usize])).unwrap();
    }
}

#[test]
fn consistency_proofs_match_the_published_vectors() {
    let tree = vector_tree();
    for (from, to, expected) in CONSISTENCY {
        let expected: Vec<Hash> = expected.iter().map(|h| hash(h)).collect();
        assert_eq!(
            tree.consistency_proof(from, to).unwrap(),
            expected,
            "PROOF({from}, D[0:{to}])"
        );
        let (first, second) = (hash(ROOTS[from as usize]), hash(ROOTS[to as usize]));
        verify_consistency(from, to, &first, &second, &expected).unwrap();
    }
}
