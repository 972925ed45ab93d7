//! The witness's decision (C2SP tlog-witness add-checkpoint) and its durable state.

use cifra_log::{leaf_hash, Checkpoint, NoteSigner, Tree};
use cifra_witness::state::{self, WitnessState};
use cifra_witness::{check_submission, AddCheckpoint, Logs, Refusal, StateError, Witness};

const ORIGIN: &str = "test.cifra/log";

fn signer() -> NoteSigner {
    NoteSigner::new(ORIGIN, [1; 32]).unwrap()
}

fn logs() -> Logs {
    Logs::parse(&[signer().verifier_key()]).unwrap()
}

/// A tree of `n` entries, each `prefix` and its index.
fn tree(prefix: &str, n: u64) -> Tree {
    let mut tree = Tree::new();
    for i in 0..n {
        tree.push(leaf_hash(format!("{prefix}{i}").as_bytes()));
    }
    tree
}

fn note(signer: &NoteSigner, tree: &Tree, size: u64) -> String {
    let checkpoint = Checkpoint {
        origin: signer.name().into(),
        size,
        root: tree.root_at(size).unwrap(),
    };
    signer.sign(&checkpoint.body()).unwrap()
}

/// The request to go from `old` to `size` of `tree`.
fn request(tree: &Tree, old: u64, size: u64) -> String {
    let proof = if old == 0 {
        vec![]
    } else {
        tree.consistency_proof(old, size).unwrap()
    };
    AddCheckpoint {
        old_size: old,
        proof,
        checkpoint: note(&signer(), tree, size),
    }
    .to_body()
}

fn witness(dir: &std::path::Path) -> Witness {
    let cosigner = state::init(dir, "w.example").unwrap_or_else(|_| state::load_key(dir).unwrap());
    let state = WitnessState::open(&dir.join(state::DB_FILE)).unwrap();
    Witness::new(cosigner, logs(), state)
}

fn refusal(result: Result<String, StateError>) -> Refusal {
    match result {
        Err(StateError::Refused(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn the_request_body_round_trips_and_bad_bodies_say_which_line() {
    let t = tree("a", 10);
    let body = request(&t, 4, 10);
    let parsed = AddCheckpoint::parse(&body).unwrap();
    assert_eq!(parsed.old_size, 4);
    assert_eq!(parsed.proof, t.consistency_proof(4, 10).unwrap());
    assert_eq!(parsed.to_body(), body);
    let zero = request(&t, 0, 10);
    assert!(zero.starts_with("old 0\n\n"));
    assert!(AddCheckpoint::parse(&zero).unwrap().proof.is_empty());
    assert!(AddCheckpoint::parse("old 04\n\nx")
        .unwrap_err()
        .contains("line 1"));
    assert!(AddCheckpoint::parse("new 4\n\nx")
        .unwrap_err()
        .contains("line 1"));
    assert!(AddCheckpoint::parse("old 4\nnot base64!\n\nx")
        .unwrap_err()
        .contains("line 2"));
    assert!(AddCheckpoint::parse("old 4").is_err());
}

#[test]
fn each_refusal_has_its_status() {
    let dir = tempfile::tempdir().unwrap();
    let w = witness(dir.path());
    let t = tree("a", 10);
    // Unknown log: 404.
    let other = NoteSigner::new("other.log", [2; 32]).unwrap();
    let body = AddCheckpoint {
        old_size: 0,
        proof: vec![],
        checkpoint: note(&other, &t, 3),
    }
    .to_body();
    assert_eq!(refusal(w.add_checkpoint(&body, 1)).status(), 404);
    // The log's name with another key: 403.
    let impostor = NoteSigner::new(ORIGIN, [3; 32]).unwrap();
    let body = AddCheckpoint {
        old_size: 0,
        proof: vec![],
        checkpoint: note(&impostor, &t, 3),
    }
    .to_body();
    assert_eq!(refusal(w.add_checkpoint(&body, 1)).status(), 403);
    // The log's signature over another text: 403.
    let good = note(&signer(), &t, 3);
    let altered = good.replacen("\n3\n", "\n4\n", 1);
    let body = AddCheckpoint {
        old_size: 0,
        proof: vec![],
        checkpoint: altered,
    }
    .to_body();
    assert_eq!(refusal(w.add_checkpoint(&body, 1)).status(), 403);
    // Old size above the size: 400.
    let body = AddCheckpoint {
        old_size: 5,
        proof: vec![],
        checkpoint: good.clone(),
    }
    .to_body();
    assert_eq!(refusal(w.add_checkpoint(&body, 1)).status(), 400);
    // A proof from zero: 422.
    let body = AddCheckpoint {
        old_size: 0,
        proof: vec![[0; 32]],
        checkpoint: good,
    }
    .to_body();
    assert_eq!(refusal(w.add_checkpoint(&body, 1)).status(), 422);
    // First contact: cosigned, and the line verifies.
    let line = w.add_checkpoint(&request(&t, 0, 3), 100).unwrap();
    assert!(line.starts_with("— w.example "));
    // The log believes the witness is at 0: 409 with 3.
    assert_eq!(
        w.add_checkpoint(&request(&t, 0, 5), 1)
            .unwrap_err()
            .to_string(),
        "the old size is not 3, the size of the latest checkpoint cosigned"
    );
    assert_eq!(
        refusal(w.add_checkpoint(&request(&t, 0, 5), 1)),
        Refusal::Conflict { latest: 3 }
    );
    // A proof of another history: 422; the state does not move.
    let rewritten = tree("b", 10);
    assert_eq!(
        refusal(w.add_checkpoint(&request(&rewritten, 3, 6), 1)).status(),
        422
    );
    // The same size with another root: 422.
    assert_eq!(
        refusal(w.add_checkpoint(&request(&rewritten, 3, 3), 1)).status(),
        422
    );
    // Extending it: cosigned; same size same root again: cosigned.
    w.add_checkpoint(&request(&t, 3, 7), 2).unwrap();
    w.add_checkpoint(&request(&t, 7, 7), 3).unwrap();
    assert_eq!(
        refusal(w.add_checkpoint(&request(&t, 3, 10), 1)),
        Refusal::Conflict { latest: 7 }
    );
}

#[test]
fn the_state_survives_reopening_and_never_holds_two_roots_for_a_size() {
    let dir = tempfile::tempdir().unwrap();
    let t = tree("a", 20);
    {
        let w = witness(dir.path());
        w.add_checkpoint(&request(&t, 0, 8), 1).unwrap();
    }
    let key_before = state::load_key(dir.path()).unwrap().verifier_key();
    // `init` never replaces a key.
    assert!(state::init(dir.path(), "w.example").is_err());
    let w = witness(dir.path());
    assert_eq!(
        state::load_key(dir.path()).unwrap().verifier_key(),
        key_before
    );
    assert_eq!(
        refusal(w.add_checkpoint(&request(&t, 0, 9), 1)),
        Refusal::Conflict { latest: 8 }
    );
    // Two writers racing on one database with two histories of size 12 from 8: one
    // wins, the other is refused, and the table holds one root for 12.
    let other = {
        let mut o = tree("a", 8);
        for i in 8..12 {
            o.push(leaf_hash(format!("x{i}").as_bytes()));
        }
        o
    };
    let db = dir.path().join(state::DB_FILE);
    let handles: Vec<_> = [t.clone(), other.clone()]
        .into_iter()
        .map(|tree| {
            let db = db.clone();
            std::thread::spawn(move || {
                let mut state = WitnessState::open(&db).unwrap();
                let submitted = check_submission(&logs(), &request(&tree, 8, 12)).unwrap();
                state.record(&submitted).is_ok()
            })
        })
        .collect();
    let won: Vec<bool> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(won.iter().filter(|w| **w).count(), 1, "{won:?}");
    let state = WitnessState::open(&db).unwrap();
    let root = state.cosigned_root(ORIGIN, 12).unwrap().unwrap();
    assert!(root == t.root_at(12).unwrap() || root == other.root_at(12).unwrap());
    assert_eq!(state.latest(ORIGIN).unwrap().unwrap().size, 12);
    drop(w);
}
