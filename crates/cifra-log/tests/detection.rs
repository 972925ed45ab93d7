//! Contract tests: what the log exists to catch. Given the entry lines of an election
//! night and a signed checkpoint, every way of rewriting the record is detected:
//! (a) a changed count, (b) a removed entry, (c) two entries swapped, (d) a forged
//! checkpoint, (e) a rewritten history behind a later checkpoint.

mod common;

use cifra_log::{
    leaf_hash, rebuild, verify_consistency, verify_inclusion, Checkpoint, Entry, NoteError,
    NoteSigner, NoteVerifier, ProofError, Tree,
};
use common::{entries, lines, refs};

const ORIGIN: &str = "cifra.example/2026-presidencial";

fn signer() -> NoteSigner {
    NoteSigner::new(ORIGIN, [42; 32]).unwrap()
}

fn signed_checkpoint(tree: &Tree, size: u64) -> String {
    let checkpoint = Checkpoint {
        origin: ORIGIN.into(),
        size,
        root: tree.root_at(size).unwrap(),
    };
    signer().sign(&checkpoint.body()).unwrap()
}

/// What `cifra verify` does with a published note: check the signature, read the body.
fn open(note: &str) -> Result<Checkpoint, NoteError> {
    let verifier = NoteVerifier::parse(&signer().verifier_key())?;
    Checkpoint::parse(verifier.verify(note)?)
}

/// The honest night: 20 actas and the checkpoint signed over them.
fn night() -> (Vec<Entry>, Vec<Vec<u8>>, Checkpoint) {
    let entries = entries(20);
    let lines = lines(&entries);
    let tree = rebuild(&refs(&lines));
    let checkpoint = open(&signed_checkpoint(&tree, 20)).unwrap();
    // The honest lines reproduce the checkpoint: the control for every test below.
    assert_eq!(checkpoint.size, 20);
    assert_eq!(rebuild(&refs(&lines)).root(), checkpoint.root);
    for line in &lines {
        assert!(Entry::parse(line).is_ok());
    }
    (entries, lines, checkpoint)
}

#[test]
fn a_changed_count_changes_the_root() {
    let (mut entries, lines, checkpoint) = night();
    *entries[7].votes.get_mut("KAST").unwrap() += 1;
    let altered = common::lines(&entries);
    assert_ne!(altered, lines);
    assert_ne!(rebuild(&refs(&altered)).root(), checkpoint.root);
    // The altered line is also not provably in the signed tree at its place.
    let honest = rebuild(&refs(&lines));
    let path = honest.inclusion_proof(7, 20).unwrap();
    let result = verify_inclusion(&leaf_hash(&altered[7]), 7, 20, &path, &checkpoint.root);
    assert!(matches!(result, Err(ProofError::RootMismatch { .. })));
}

#[test]
fn a_removed_entry_changes_the_root() {
    let (_, mut lines, checkpoint) = night();
    lines.remove(12);
    assert_ne!(rebuild(&refs(&lines)).root(), checkpoint.root);
    // Padding back to the checkpoint's size with a copy of the last line does not help.
    lines.push(lines[18].clone());
    assert_eq!(lines.len(), 20);
    assert_ne!(rebuild(&refs(&lines)).root(), checkpoint.root);
}

#[test]
fn a_reordered_pair_changes_the_root() {
    let (_, lines, checkpoint) = night();
    for (i, j) in [(0, 1), (3, 4), (18, 19), (2, 17)] {
        let mut swapped = lines.clone();
        swapped.swap(i, j);
        assert_ne!(
            rebuild(&refs(&swapped)).root(),
            checkpoint.root,
            "swap {i} and {j}"
        );
    }
}

#[test]
fn a_forged_checkpoint_fails_verification() {
    let (_, lines, _) = night();
    let tree = rebuild(&refs(&lines));
    let note = signed_checkpoint(&tree, 20);

    // Text altered after signing: another size, another root.
    let smaller = note.replacen("\n20\n", "\n19\n", 1);
    assert!(matches!(
        open(&smaller),
        Err(NoteError::InvalidSignature { .. })
    ));
    let honest_root = Checkpoint::parse(&note[..note.find("\n\n").unwrap() + 1])
        .unwrap()
        .root;
    let forged_body = Checkpoint {
        origin: ORIGIN.into(),
        size: 20,
        root: tree.root_at(19).unwrap(),
    }
    .body();
    let honest_body = Checkpoint {
        origin: ORIGIN.into(),
        size: 20,
        root: honest_root,
    }
    .body();
    let swapped_root = note.replacen(&honest_body, &forged_body, 1);
    assert_ne!(swapped_root, note);
    assert!(matches!(
        open(&swapped_root),
        Err(NoteError::InvalidSignature { .. })
    ));

    // Signed by another key under the log's name.
    let impostor = NoteSigner::new(ORIGIN, [43; 32]).unwrap();
    let forged = impostor.sign(&forged_body).unwrap();
    assert!(matches!(open(&forged), Err(NoteError::NoSignature { .. })));
}

#[test]
fn a_rewritten_history_fails_consistency() {
    // The log published a checkpoint at size 10, then one at size 20 over a history
    // whose first 10 entries differ (one acta's count lowered after the fact).
    let honest_entries = entries(20);
    let honest = rebuild(&refs(&lines(&honest_entries)));
    let first = open(&signed_checkpoint(&honest, 10)).unwrap();

    let mut rewritten_entries = honest_entries.clone();
    *rewritten_entries[3].votes.get_mut("JARA").unwrap() -= 5;
    let rewritten = rebuild(&refs(&lines(&rewritten_entries)));
    let second = open(&signed_checkpoint(&rewritten, 20)).unwrap();

    // Control: the honest history proves consistent with the first checkpoint.
    let honest_proof = honest.consistency_proof(10, 20).unwrap();
    verify_consistency(
        10,
        20,
        &first.root,
        &honest.root_at(20).unwrap(),
        &honest_proof,
    )
    .unwrap();

    // Neither the honest proof nor the rewritten tree's own proof links them.
    let check = |path: &[cifra_log::Hash]| {
        verify_consistency(first.size, second.size, &first.root, &second.root, path)
    };
    assert!(matches!(
        check(&honest_proof),
        Err(ProofError::RootMismatch { .. })
    ));
    let rewritten_proof = rewritten.consistency_proof(10, 20).unwrap();
    assert!(matches!(
        check(&rewritten_proof),
        Err(ProofError::RootMismatch { .. })
    ));
    // Nor does any proof from the rewritten tree between any earlier size and 20.
    for from in 1..20 {
        let path = rewritten.consistency_proof(from, 20).unwrap();
        assert!(check(&path).is_err(), "rewritten proof from {from}");
    }
}
