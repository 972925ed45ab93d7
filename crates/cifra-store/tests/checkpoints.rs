//! The signed checkpoints a server keeps: one per size, forever, on both backends; and
//! on SQLite the latest also in a file beside the database.

mod common;

use cifra_store::SignedCheckpoint;
use common::{spec, Place};

on_both!(
    a_kept_checkpoint_is_returned_as_kept,
    a_size_is_kept_once_whatever_root_comes_later,
    kept_checkpoints_are_listed_from_a_size_in_pages,
    the_kept_checkpoint_at_most_a_size_is_found,
    kept_checkpoints_survive_reopening,
    two_stores_of_one_election_keep_one_root_per_size,
);

fn checkpoint(size: u64, root: u8) -> SignedCheckpoint {
    SignedCheckpoint {
        size,
        root: [root; 32],
        note: format!("cifra.example/test\n{size}\nroot {root}\n\n— signature\n"),
    }
}

fn a_kept_checkpoint_is_returned_as_kept(place: &dyn Place) {
    let store = place.create(&spec()).unwrap();
    assert_eq!(store.checkpoints(0, 10).unwrap(), []);
    let first = checkpoint(3, 1);
    assert_eq!(store.keep_checkpoint(&first).unwrap(), first);
    assert_eq!(store.checkpoints(0, 10).unwrap(), [first]);
}

fn a_size_is_kept_once_whatever_root_comes_later(place: &dyn Place) {
    let store = place.create(&spec()).unwrap();
    let first = checkpoint(3, 1);
    store.keep_checkpoint(&first).unwrap();
    // Another root for the same size: the first stays, and is what the caller gets.
    assert_eq!(store.keep_checkpoint(&checkpoint(3, 2)).unwrap(), first);
    assert_eq!(store.keep_checkpoint(&first).unwrap(), first);
    assert_eq!(store.checkpoints(0, 10).unwrap(), [first]);
}

fn kept_checkpoints_are_listed_from_a_size_in_pages(place: &dyn Place) {
    let store = place.create(&spec()).unwrap();
    // Kept out of order, as servers behind one another may keep them.
    for size in [5, 1, 9, 3, 7] {
        store
            .keep_checkpoint(&checkpoint(size, size as u8))
            .unwrap();
    }
    let sizes = |kept: Vec<SignedCheckpoint>| kept.iter().map(|c| c.size).collect::<Vec<_>>();
    assert_eq!(sizes(store.checkpoints(0, 100).unwrap()), [1, 3, 5, 7, 9]);
    assert_eq!(sizes(store.checkpoints(3, 2).unwrap()), [3, 5]);
    assert_eq!(sizes(store.checkpoints(4, 100).unwrap()), [5, 7, 9]);
    assert_eq!(
        sizes(store.checkpoints(10, 100).unwrap()),
        Vec::<u64>::new()
    );
    assert_eq!(
        sizes(store.checkpoints(u64::MAX, 100).unwrap()),
        Vec::<u64>::new()
    );
    assert_eq!(store.checkpoints(0, 100).unwrap()[2], checkpoint(5, 5));
}

fn the_kept_checkpoint_at_most_a_size_is_found(place: &dyn Place) {
    let store = place.create(&spec()).unwrap();
    assert_eq!(store.checkpoint_at_most(u64::MAX).unwrap(), None);
    for size in [2, 6] {
        store
            .keep_checkpoint(&checkpoint(size, size as u8))
            .unwrap();
    }
    assert_eq!(store.checkpoint_at_most(1).unwrap(), None);
    assert_eq!(store.checkpoint_at_most(2).unwrap(), Some(checkpoint(2, 2)));
    assert_eq!(store.checkpoint_at_most(5).unwrap(), Some(checkpoint(2, 2)));
    assert_eq!(store.checkpoint_at_most(6).unwrap(), Some(checkpoint(6, 6)));
    assert_eq!(
        store.checkpoint_at_most(u64::MAX).unwrap(),
        Some(checkpoint(6, 6))
    );
}

fn kept_checkpoints_survive_reopening(place: &dyn Place) {
    drop(place.create(&spec()).unwrap());
    place
        .open()
        .unwrap()
        .keep_checkpoint(&checkpoint(4, 4))
        .unwrap();
    let store = place.open().unwrap();
    assert_eq!(store.checkpoints(0, 10).unwrap(), [checkpoint(4, 4)]);
}

fn two_stores_of_one_election_keep_one_root_per_size(place: &dyn Place) {
    drop(place.create(&spec()).unwrap());
    let (first, second) = (place.open().unwrap(), place.open().unwrap());
    let handles: Vec<_> = [(first, 1u8), (second, 2u8)]
        .into_iter()
        .map(|(store, root)| {
            std::thread::spawn(move || {
                (0..20)
                    .map(|size| store.keep_checkpoint(&checkpoint(size, root)).unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let kept: Vec<Vec<SignedCheckpoint>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    // Whoever kept a size first, both were answered with the same checkpoint.
    assert_eq!(kept[0], kept[1]);
    assert_eq!(place.open().unwrap().checkpoints(0, 100).unwrap(), kept[0]);
}

/// The file beside a SQLite database holds the largest size kept, even when sizes are
/// kept out of order, and is still there when the database is replaced.
#[test]
fn sqlite_keeps_the_latest_checkpoint_beside_the_database() {
    let place = common::sqlite();
    let store = place.create(&spec()).unwrap();
    assert_eq!(store.outside_checkpoint().unwrap(), None);
    store.keep_checkpoint(&checkpoint(5, 5)).unwrap();
    store.keep_checkpoint(&checkpoint(3, 3)).unwrap();
    // Refused for size 5: the file keeps the one kept.
    store.keep_checkpoint(&checkpoint(5, 6)).unwrap();
    assert_eq!(
        store.outside_checkpoint().unwrap(),
        Some(checkpoint(5, 5).note)
    );
    let file = place.dir.path().join("election.db-checkpoint");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        checkpoint(5, 5).note
    );
    drop(store);
    // The database replaced by a new one: the file stays, and says what was signed.
    for name in ["election.db", "election.db-wal", "election.db-shm"] {
        let _ = std::fs::remove_file(place.dir.path().join(name));
    }
    std::fs::rename(&file, place.dir.path().join("kept")).unwrap();
    drop(place.create(&spec()).unwrap());
    std::fs::rename(place.dir.path().join("kept"), &file).unwrap();
    let store = place.open().unwrap();
    assert_eq!(store.checkpoints(0, 10).unwrap(), []);
    assert_eq!(
        store.outside_checkpoint().unwrap(),
        Some(checkpoint(5, 5).note)
    );
}

/// A new election is not created where an earlier one's checkpoint file lies: its
/// server would refuse to start.
#[test]
fn sqlite_create_refuses_a_leftover_checkpoint_file() {
    let place = common::sqlite();
    std::fs::write(place.dir.path().join("election.db-checkpoint"), "x").unwrap();
    let error = place.create(&spec()).err().unwrap();
    assert!(
        matches!(error, cifra_store::StoreError::Exists { .. }),
        "{error:?}"
    );
}

/// A database created before checkpoints were kept (schema version 1, no table) is
/// brought up to date when opened.
#[test]
fn postgres_open_adds_the_checkpoints_table_to_an_earlier_election() {
    let db = common::postgres();
    drop(db.create(&spec()).unwrap());
    db.tamper("DROP TABLE checkpoints; DELETE FROM cifra_migrations WHERE version = 2");
    let store = db.open().unwrap();
    store.keep_checkpoint(&checkpoint(1, 1)).unwrap();
    assert_eq!(store.checkpoints(0, 10).unwrap(), [checkpoint(1, 1)]);
}

/// The same for a SQLite file of before: the table is added on open.
#[test]
fn sqlite_open_adds_the_checkpoints_table_to_an_earlier_election() {
    let place = common::sqlite();
    drop(place.create(&spec()).unwrap());
    place.tamper("DROP TABLE checkpoints");
    let store = place.open().unwrap();
    store.keep_checkpoint(&checkpoint(1, 1)).unwrap();
    assert_eq!(store.checkpoints(0, 10).unwrap(), [checkpoint(1, 1)]);
}
