//! cifra-log: the transparency log of an election night, as pure functions over bytes.
//!
//! Every acta version the server records becomes one [`Entry`], one line of canonical
//! JSON. The lines are the leaves of an RFC 9162 Merkle [`Tree`]; the server signs a
//! [`Checkpoint`] (its size and root, C2SP tlog-checkpoint) as a C2SP signed note
//! ([`NoteSigner`], [`NoteVerifier`]) and publishes the tree as C2SP tlog-tiles
//! ([`TilePath`], [`hash_tile`], [`entry_bundle`]). Anyone holding the lines and a
//! checkpoint can recompute the root; anyone holding two checkpoints can check, with a
//! consistency proof, that the later one only appended to the earlier one.
//!
//! No I/O, no clock, no global state: the server and the `cifra verify` command call the
//! same functions, so there is one implementation of what a valid log is.
//!
//! ```
//! use cifra_log::{leaf_hash, verify_consistency, verify_inclusion, Checkpoint, NoteSigner,
//!                 NoteVerifier, Tree};
//!
//! let mut tree = Tree::new();
//! for line in [&b"first"[..], b"second", b"third"] {
//!     tree.push(leaf_hash(line));
//! }
//! // The log signs its checkpoint; a verifier holding the log's key checks it.
//! let signer = NoteSigner::new("example.cl/log", [7; 32]).unwrap();
//! let checkpoint = Checkpoint { origin: "example.cl/log".into(), size: 3, root: tree.root() };
//! let note = signer.sign(&checkpoint.body()).unwrap();
//! let verifier = NoteVerifier::parse(&signer.verifier_key()).unwrap();
//! let signed = Checkpoint::parse(verifier.verify(&note).unwrap()).unwrap();
//! assert_eq!(signed.root, tree.root());
//!
//! // "second" is in it, and the tree of 2 leaves is a prefix of it.
//! let path = tree.inclusion_proof(1, 3).unwrap();
//! verify_inclusion(&leaf_hash(b"second"), 1, 3, &path, &signed.root).unwrap();
//! let old = tree.root_at(2).unwrap();
//! let proof = tree.consistency_proof(2, 3).unwrap();
//! verify_consistency(2, 3, &old, &signed.root, &proof).unwrap();
//! ```

#![warn(missing_docs)]

pub mod checkpoint;
pub mod entry;
pub mod history;
pub mod merkle;
pub mod note;
pub mod tiles;

pub use checkpoint::Checkpoint;
pub use entry::{Entry, EntryError};
pub use history::{check_history, Divergence};
pub use merkle::{
    empty_root, leaf_hash, node_hash, rebuild, verify_consistency, verify_inclusion, Hash,
    ProofError, Tree,
};
pub use note::{NoteError, NoteSigner, NoteVerifier};
pub use tiles::{entry_bundle, hash_tile, parse_entry_bundle, TileError, TilePath};

/// Lowercase hex of `bytes`, for error messages and key IDs.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
