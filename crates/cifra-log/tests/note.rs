//! C2SP signed notes: known answers from Go's golang.org/x/mod/sumdb/note (the
//! implementation C2SP signed-note describes), round trips, and rejections.

use base64::prelude::{Engine, BASE64_STANDARD};
use cifra_log::{NoteError, NoteSigner, NoteVerifier};

// From golang.org/x/mod/sumdb/note: note.go's package documentation (ExampleSign,
// ExampleOpen) and note_test.go (TestOpen). PeterNeumann's signer key is
// "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
// base64(0x01 || seed); EnochRoot's key is the one GenerateKey draws from an all-zero
// reader (the examples' zeroReader), i.e. the all-zero seed.
const PETER_SKEY_B64: &str = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n";
const PETER_SIG: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

fn peter_seed() -> [u8; 32] {
    let typed = BASE64_STANDARD.decode(PETER_SKEY_B64).unwrap();
    assert_eq!(typed[0], 0x01, "an Ed25519 signer key");
    typed[1..].try_into().unwrap()
}

fn note(signatures: &[&str]) -> String {
    format!("{TEXT}\n{}", signatures.concat())
}

#[test]
fn go_signed_note_verifies() {
    let verifier = NoteVerifier::parse(PETER_VKEY).unwrap();
    assert_eq!(verifier.name(), "PeterNeumann");
    assert_eq!(verifier.verify(&note(&[PETER_SIG])), Ok(TEXT));
}

#[test]
fn signing_reproduces_go_byte_for_byte() {
    let peter = NoteSigner::new("PeterNeumann", peter_seed()).unwrap();
    assert_eq!(peter.name(), "PeterNeumann");
    assert_eq!(peter.verifier_key(), PETER_VKEY);
    assert_eq!(peter.sign(TEXT).unwrap(), note(&[PETER_SIG]));

    let enoch = NoteSigner::new("EnochRoot", [0; 32]).unwrap();
    assert_eq!(enoch.verifier_key(), ENOCH_VKEY);
    assert_eq!(enoch.sign(TEXT).unwrap(), note(&[ENOCH_SIG]));
}

#[test]
fn foreign_signatures_are_ignored() {
    // Go's doubly-signed example: each key finds its own line among the other's.
    let both = note(&[PETER_SIG, ENOCH_SIG]);
    let peter = NoteVerifier::parse(PETER_VKEY).unwrap();
    let enoch = NoteVerifier::parse(ENOCH_VKEY).unwrap();
    assert_eq!(peter.verify(&both), Ok(TEXT));
    assert_eq!(enoch.verify(&both), Ok(TEXT));
    assert_eq!(enoch.verify(&note(&[ENOCH_SIG, PETER_SIG])), Ok(TEXT));
    // Same name, other key ID (Enoch's signature under Peter's name); same key ID, other
    // name: both are other keys and are ignored, not checked against Peter's key.
    let impostor = ENOCH_SIG.replace("EnochRoot", "PeterNeumann");
    let renamed = PETER_SIG.replace("PeterNeumann", "PeterNeumann2");
    assert_eq!(
        peter.verify(&note(&[&impostor, &renamed, PETER_SIG])),
        Ok(TEXT)
    );
}

#[test]
fn sign_then_verify_round_trip_with_a_fresh_key() {
    let (signer, seed) = NoteSigner::generate("cifra.example/log").unwrap();
    let again = NoteSigner::new("cifra.example/log", seed).unwrap();
    assert_eq!(again.verifier_key(), signer.verifier_key());
    let verifier = NoteVerifier::parse(&signer.verifier_key()).unwrap();
    // Texts may hold blank lines and non-ASCII; the last blank line splits.
    for text in ["a\n", "\n", "línea uno\n\nlínea tres\n", "x\n\n\n"] {
        let signed = signer.sign(text).unwrap();
        assert_eq!(verifier.verify(&signed), Ok(text), "{text:?}");
    }
    let (other, other_seed) = NoteSigner::generate("cifra.example/log").unwrap();
    assert_ne!(seed, other_seed, "two draws from the OS give two keys");
    assert_ne!(other.verifier_key(), signer.verifier_key());
}

#[test]
fn another_key_fails() {
    let signer = NoteSigner::new("cifra.example/log", [1; 32]).unwrap();
    let other = NoteSigner::new("cifra.example/log", [2; 32]).unwrap();
    let verifier = NoteVerifier::parse(&signer.verifier_key()).unwrap();
    let err = verifier.verify(&other.sign("hola\n").unwrap()).unwrap_err();
    assert!(matches!(err, NoteError::NoSignature { .. }), "{err}");
    assert!(err.to_string().contains("cifra.example/log+"), "{err}");
    let peter = NoteVerifier::parse(PETER_VKEY).unwrap();
    assert!(matches!(
        peter.verify(&note(&[ENOCH_SIG])),
        Err(NoteError::NoSignature { .. })
    ));
}

#[test]
fn tampered_text_fails() {
    let peter = NoteVerifier::parse(PETER_VKEY).unwrap();
    let tampered = note(&[PETER_SIG]).replace("cryptography", "cryptographY");
    assert_eq!(
        peter.verify(&tampered),
        Err(NoteError::InvalidSignature {
            key: "PeterNeumann+c74f20a3".into()
        })
    );
    // A bad signature by the known key rejects the note even beside a good one.
    let signer = NoteSigner::new("k", [3; 32]).unwrap();
    let verifier = NoteVerifier::parse(&signer.verifier_key()).unwrap();
    let good = signer.sign("uno\n").unwrap();
    let good_line = good.strip_prefix("uno\n\n").unwrap();
    let bad_line = signer
        .sign("dos\n")
        .unwrap()
        .strip_prefix("dos\n\n")
        .unwrap()
        .to_owned();
    let mixed = format!("uno\n\n{good_line}{bad_line}");
    assert!(matches!(
        verifier.verify(&mixed),
        Err(NoteError::InvalidSignature { .. })
    ));
}

#[test]
fn malformed_notes_are_rejected() {
    let peter = NoteVerifier::parse(PETER_VKEY).unwrap();
    let good = note(&[PETER_SIG]);
    let cases = [
        good.replacen("\n\n", "\n", 1),                 // no blank line
        format!("{TEXT}\n"),                            // no signature lines
        good.trim_end_matches('\n').to_owned(),         // last line not terminated
        good.replace("— ", "- "),                       // not an em dash
        good.replace("— ", "—"),                        // no space after it
        good.replace("PeterNeumann x08", "PeterNeumannx08"), // no space before the blob
        good.replace("x08go/", "x08go!"),               // not base64
        good.replace("x08go/ZJk", "x08go/ZJ"),          // base64 of the wrong length
        format!("{TEXT}\n— PeterNeumann AAAA\n"),       // shorter than key ID + signature
        format!("{TEXT}\n— Peter+Neumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"),
        format!("{TEXT}\n{PETER_SIG}\n"),               // an empty signature line
    ];
    for case in cases {
        let err = peter.verify(&case).unwrap_err();
        assert!(
            matches!(err, NoteError::MalformedNote(_)),
            "{case:?}: {err}"
        );
    }
    let with_cr = good.replace("problem,\n", "problem,\r\n");
    assert_eq!(
        peter.verify(&with_cr),
        Err(NoteError::ControlCharacter('\r'))
    );
    // A note with too many signature lines is refused before the known key is reached.
    let many = note(&[&ENOCH_SIG.repeat(100), PETER_SIG]);
    assert!(matches!(
        peter.verify(&many),
        Err(NoteError::MalformedNote(_))
    ));
    // 16 lines, the minimum the spec requires verifiers to accept, are fine.
    let sixteen = note(&[&ENOCH_SIG.repeat(15), PETER_SIG]);
    assert_eq!(peter.verify(&sixteen), Ok(TEXT));
}

#[test]
fn mangled_verifier_keys_are_rejected() {
    // Go's TestNewVerifier: every proper substring, and every byte incremented.
    let bytes = PETER_VKEY.as_bytes();
    for i in 0..=bytes.len() {
        for j in i + 1..=bytes.len() {
            if (i, j) == (0, bytes.len()) {
                continue;
            }
            let part = &PETER_VKEY[i..j];
            assert!(NoteVerifier::parse(part).is_err(), "{part:?}");
        }
    }
    for i in 0..bytes.len() {
        let mut mangled = bytes.to_vec();
        mangled[i] += 1;
        let mangled = String::from_utf8(mangled).unwrap();
        assert!(NoteVerifier::parse(&mangled).is_err(), "{mangled:?}");
    }
    // Go's wrong-length and unknown-algorithm keys, with key IDs adjusted to match.
    let wrong_length = "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==";
    assert!(matches!(
        NoteVerifier::parse(wrong_length),
        Err(NoteError::MalformedVerifierKey(_))
    ));
    let unknown_alg = "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    assert_eq!(
        NoteVerifier::parse(unknown_alg),
        Err(NoteError::UnsupportedAlgorithm(0x65))
    );
    let id_mismatch = PETER_VKEY.replace("c74f20a3", "c74f20a4");
    assert_eq!(
        NoteVerifier::parse(&id_mismatch),
        Err(NoteError::KeyIdMismatch {
            stated: "c74f20a4".into(),
            computed: "c74f20a3".into()
        })
    );
    let upper = PETER_VKEY.replace("c74f20a3", "C74F20A3");
    assert!(matches!(
        NoteVerifier::parse(&upper),
        Err(NoteError::MalformedVerifierKey(_))
    ));
    let spaced = PETER_VKEY.replace("PeterNeumann", "Peter Neumann");
    assert!(matches!(
        NoteVerifier::parse(&spaced),
        Err(NoteError::InvalidName(_))
    ));
}

#[test]
fn small_order_public_keys_are_refused() {
    // The identity point (y = 1) as a public key: it would verify forged signatures.
    let mut typed = vec![0x01, 0x01];
    typed.extend([0u8; 31]);
    let name = "weak";
    let id = {
        use sha2::{Digest, Sha256};
        let digest = Sha256::new()
            .chain_update(name.as_bytes())
            .chain_update([b'\n'])
            .chain_update(&typed)
            .finalize();
        format!(
            "{:02x}{:02x}{:02x}{:02x}",
            digest[0], digest[1], digest[2], digest[3]
        )
    };
    let vkey = format!("{name}+{id}+{}", BASE64_STANDARD.encode(&typed));
    assert!(matches!(
        NoteVerifier::parse(&vkey),
        Err(NoteError::InvalidPublicKey(_))
    ));
}

#[test]
fn signers_refuse_bad_names_and_texts() {
    for name in ["", "a b", "a+b", "a\tb", "a\u{a0}b", "a\nb"] {
        assert_eq!(
            NoteSigner::new(name, [0; 32]).err(),
            Some(NoteError::InvalidName(name.into())),
            "{name:?}"
        );
        assert!(NoteSigner::generate(name).is_err(), "{name:?}");
    }
    let signer = NoteSigner::new("k", [0; 32]).unwrap();
    assert_eq!(
        signer.sign("no newline"),
        Err(NoteError::TextNotNewlineTerminated)
    );
    assert_eq!(signer.sign(""), Err(NoteError::TextNotNewlineTerminated));
    assert_eq!(
        signer.sign("tab\there\n"),
        Err(NoteError::ControlCharacter('\t'))
    );
    assert!(
        !format!("{signer:?}").contains("secret"),
        "Debug shows only the public key"
    );
}
