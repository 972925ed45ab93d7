//! Known answers for C2SP tlog-cosignature `cosignature/v1`: the spec's example, Go's
//! (transparency-dev/formats) test vectors, and a line made by an independent Ed25519
//! implementation (Python's `cryptography`, OpenSSL) over the spec's example checkpoint.

use cifra_witness::cosignature::{split_note, timestamp_of};
use cifra_witness::{
    append_signatures, cosigned_by, CosignatureError, CosignatureVerifier, Cosigner,
};

/// The checkpoint body of C2SP tlog-cosignature's example.
const BODY: &str =
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
/// Seed 0x00..0x1f, name `witness.example/w1`: the verifier key and the line at time
/// 1679315147 over BODY, computed with Python's `cryptography` (see the module doc).
const SEED: [u8; 32] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
    26, 27, 28, 29, 30, 31,
];
const VKEY: &str = "witness.example/w1+e75f6532+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
const LINE: &str = "— witness.example/w1 519lMgAAAABkGFDLBuRDazBLVac2NE+Y+IjbjQOcXLfF9CSDZVUIoS83rE1nFZsVE8YiWV6Ngr7lV8H6bdoBQGP/l73euDMQ9k+bBQ==";

#[test]
fn our_key_and_line_are_the_independent_implementations() {
    let cosigner = Cosigner::new("witness.example/w1", SEED).unwrap();
    assert_eq!(cosigner.verifier_key(), VKEY);
    assert_eq!(
        cosigner.cosign(BODY, 1_679_315_147).unwrap(),
        format!("{LINE}\n")
    );
    let verifier = CosignatureVerifier::parse(VKEY).unwrap();
    assert_eq!(verifier.verify_line(BODY, LINE), Ok(Some(1_679_315_147)));
    assert_eq!(verifier.verifier_key(), VKEY);
}

#[test]
fn the_signed_message_covers_the_time_and_every_body_line() {
    let verifier = CosignatureVerifier::parse(VKEY).unwrap();
    let other_body = BODY.replace("20852163", "20852164");
    assert_eq!(
        verifier.verify_line(&other_body, LINE),
        Err(CosignatureError::InvalidSignature(
            "witness.example/w1".into()
        ))
    );
    let extended = format!("{BODY}extension\n");
    assert!(verifier.verify_line(&extended, LINE).is_err());
    // The same signature with another timestamp does not verify.
    let cosigner = Cosigner::new("witness.example/w1", SEED).unwrap();
    let later = cosigner.cosign(BODY, 1_679_315_148).unwrap();
    assert_ne!(later, format!("{LINE}\n"));
    assert_eq!(
        verifier.verify_line(BODY, later.trim_end()),
        Ok(Some(1_679_315_148))
    );
}

#[test]
fn go_vectors_key_ids_and_timestamps() {
    // transparency-dev/formats note_cosigv1_test.go: a native cosignature/v1 key.
    let remora = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2";
    assert_eq!(
        CosignatureVerifier::parse(remora).unwrap().name(),
        "remora.n621.de"
    );
    // Same test file: a cosignature whose timestamp is 1727964367.
    let line = "— x ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==";
    assert_eq!(timestamp_of(line), Some(1_727_964_367));
    // ... and a plain Ed25519 signature (no timestamp): not a cosignature.
    let plain = "— x eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY=";
    assert_eq!(timestamp_of(plain), None);
    // Their invalid keys: wrong parts, bad base64, bad algorithm, bad and wrong key IDs.
    let material = "BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2";
    for bad in [
        "bananas.sigstore.dev+12344556".to_owned(),
        "rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!".to_owned(),
        "rekor.sigstore.dev+12345678+AwEB".to_owned(),
        format!("remora.n621.de+NOT_A_NUMBER+{material}"),
        format!("remora.n621.de+00000000+{material}"),
    ] {
        assert!(CosignatureVerifier::parse(&bad).is_err(), "{bad}");
    }
    // A log's key (type 0x01) is refused with a word on what to pass instead.
    let log_key = "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6";
    let err = CosignatureVerifier::parse(log_key).unwrap_err().to_string();
    assert!(err.contains("cifra witness init"), "{err}");
}

#[test]
fn the_spec_example_cosignature_carries_its_time_line() {
    // C2SP tlog-cosignature's example note: its witness line's timestamp is the one in
    // the example's signed message ("time 1679315147").
    let note = format!(
        "{BODY}\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
    );
    let (body, lines) = split_note(&note).unwrap();
    assert_eq!(body, BODY);
    assert_eq!(timestamp_of(lines[1]), Some(1_679_315_147));
    assert_eq!(timestamp_of(lines[0]), None);
}

#[test]
fn appending_and_counting_cosignatures() {
    let log_note = format!("{BODY}\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n");
    let w1 = Cosigner::new("witness.example/w1", SEED).unwrap();
    let w2 = Cosigner::new("w2.example", [9; 32]).unwrap();
    let w3 = Cosigner::new("w3.example", [3; 32]).unwrap();
    let lines = format!(
        "{}{}",
        w1.cosign(BODY, 5).unwrap(),
        w2.cosign(BODY, 6).unwrap()
    );
    let note = append_signatures(&log_note, &lines).unwrap();
    // Appending the same lines again changes nothing.
    assert_eq!(append_signatures(&note, &lines).unwrap(), note);
    let verifiers = [w1.verifier(), w2.verifier(), w3.verifier()];
    assert_eq!(
        cosigned_by(&note, &verifiers).unwrap(),
        vec!["witness.example/w1".to_owned(), "w2.example".to_owned()]
    );
    assert_eq!(
        w3.verifier().verify_note(&note),
        Err(CosignatureError::NoCosignature("w3.example".into()))
    );
    // A cosignature over another checkpoint, pasted onto this one, spoils the note.
    let elsewhere = w3.cosign(&BODY.replace("20852163", "1"), 7).unwrap();
    let forged = append_signatures(&note, &elsewhere).unwrap();
    assert_eq!(
        cosigned_by(&forged, &verifiers),
        Err(CosignatureError::InvalidSignature("w3.example".into()))
    );
    // A zero timestamp is never made.
    assert_eq!(w1.cosign(BODY, 0), Err(CosignatureError::BadTimestamp(0)));
}
