//! Signed notes: C2SP signed-note (<https://c2sp.org/signed-note>), Ed25519 only.
//!
//! A signed note is a text ending in a newline, a blank line, and one or more signature
//! lines ("Format"):
//!
//! ```text
//! <text, ending in \n>
//! \n
//! — <key name> base64(key ID (4 bytes, big-endian) || Ed25519 signature (64 bytes))\n
//! ```
//!
//! - key ID = `SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4]`
//!   ("Ed25519 signatures"); the signature is RFC 8032 Ed25519 over the text bytes;
//! - verifier key = `<name>+<key ID, 8 lowercase hex digits>+base64(0x01 || public key)`,
//!   the encoding of Go's golang.org/x/mod/sumdb/note, which C2SP signed-note follows;
//! - key names are non-empty, without Unicode spaces or `+` ("Format").
//!
//! Verification follows "Signatures": the text is everything up to the *last* blank
//! line; signature lines by unknown keys (another name or another key ID) are ignored,
//! but must still be well-formed; a line by the known key must verify, or the whole
//! note is rejected; and at least one must be present. Notes must be UTF-8 without
//! control characters other than newline. At most 100 signature lines are read (the
//! spec asks for at least 16), as Go's implementation does, so a hostile note cannot
//! make a verifier hash forever. Ed25519 verification is strict (RFC 8032 section 5.1.7
//! with canonical encodings; small-order keys are refused when the key is parsed).

use base64::prelude::{Engine, BASE64_STANDARD};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

use crate::hex;

/// The signature type identifier byte of Ed25519 in C2SP signed-note.
const ALG_ED25519: u8 = 0x01;
/// How many signature lines a verifier reads before giving up on a note.
const MAX_SIGNATURES: usize = 100;
/// The prefix of a signature line: em dash (U+2014) and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// What is wrong with a key, a note or a checkpoint.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NoteError {
    /// A key name that signed-note does not allow.
    #[error("key name {0:?} must be non-empty, with no spaces, control characters or '+'")]
    InvalidName(String),
    /// Text to sign that does not end in a newline.
    #[error("the note text must end with a newline")]
    TextNotNewlineTerminated,
    /// A control character other than newline in a note.
    #[error("the note contains the control character {0:?}; only newlines are allowed")]
    ControlCharacter(char),
    /// A verifier key string that does not have the form `name+keyid+base64`.
    #[error("malformed verifier key: {0}")]
    MalformedVerifierKey(String),
    /// A verifier key of a signature type other than Ed25519.
    #[error("the verifier key has signature type 0x{0:02x}; only Ed25519 (0x01) is supported")]
    UnsupportedAlgorithm(u8),
    /// A verifier key whose stated key ID is not the one its name and key give.
    #[error(
        "the verifier key states key ID {stated}, but its name and public key give {computed}"
    )]
    KeyIdMismatch {
        /// The key ID written in the key string.
        stated: String,
        /// The key ID computed from the name and public key.
        computed: String,
    },
    /// A public key that is not a usable Ed25519 key.
    #[error("the verifier key's public key is not a valid Ed25519 key: {0}")]
    InvalidPublicKey(String),
    /// A signed note that does not follow the format.
    #[error("malformed note: {0}")]
    MalformedNote(String),
    /// A well-formed note with no signature line by the verifier's key.
    #[error("the note has no signature by {key}")]
    NoSignature {
        /// The verifier's key, `name+keyid`.
        key: String,
    },
    /// A signature line by the verifier's key that does not verify.
    #[error("the signature by {key} does not verify: the text was altered or the signature was not made by this key")]
    InvalidSignature {
        /// The verifier's key, `name+keyid`.
        key: String,
    },
    /// The operating system's random number generator failed.
    #[error("could not draw a key from the operating system's random number generator: {0}")]
    Rng(String),
    /// A checkpoint body that does not follow C2SP tlog-checkpoint.
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(String),
}

/// Whether `name` may be a key name: non-empty, no Unicode spaces, no `+` (and, since a
/// note may not hold them, no control characters). Every key of a signed note, of any
/// signature type (a log's, a witness's cosignature), is named under this rule.
pub fn check_name(name: &str) -> Result<(), NoteError> {
    let bad = |c: char| c.is_whitespace() || c.is_control() || c == '+';
    if name.is_empty() || name.chars().any(bad) {
        return Err(NoteError::InvalidName(name.to_owned()));
    }
    Ok(())
}

/// `SHA-256(name || 0x0A || 0x01 || public key)[:4]`, the C2SP key ID of an Ed25519 key.
fn key_id(name: &str, public_key: &VerifyingKey) -> [u8; 4] {
    typed_key_id(name, ALG_ED25519, public_key.as_bytes())
}

/// `SHA-256(name || 0x0A || alg || public key)[:4]`: the C2SP key ID of a key of
/// signature type `alg` (0x01 a note's Ed25519, 0x04 a `cosignature/v1`).
pub fn typed_key_id(name: &str, alg: u8, public_key: &[u8; 32]) -> [u8; 4] {
    let digest = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update([b'\n', alg])
        .chain_update(public_key)
        .finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// The verifier key string of a key of signature type `alg`:
/// `name+<key ID hex>+base64(alg || public key)`.
pub fn typed_verifier_key(name: &str, alg: u8, public_key: &[u8; 32]) -> String {
    let mut typed = Vec::with_capacity(33);
    typed.push(alg);
    typed.extend_from_slice(public_key);
    let id = typed_key_id(name, alg, public_key);
    format!("{name}+{}+{}", hex(&id), BASE64_STANDARD.encode(typed))
}

/// Reads a verifier key string of signature type `alg`, `name+<8 lowercase hex>+
/// base64(alg || public key)`, checking that the key ID is the one the name and key give;
/// returns the name, the key ID and the Ed25519 key (never a small-order point).
pub fn parse_typed_verifier_key(
    vkey: &str,
    alg: u8,
) -> Result<(String, [u8; 4], VerifyingKey), NoteError> {
    let malformed = |why: &str| NoteError::MalformedVerifierKey(format!("{why} in {vkey:?}"));
    // The name and the hex ID hold no '+'; the base64 may.
    let mut parts = vkey.splitn(3, '+');
    let (Some(name), Some(id_hex), Some(key64)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(malformed("expected name+keyid+key"));
    };
    check_name(name)?;
    let id = parse_key_id(id_hex)
        .ok_or_else(|| malformed("the key ID is not 8 lowercase hex digits"))?;
    let typed = BASE64_STANDARD
        .decode(key64)
        .map_err(|_| malformed("the key is not standard base64"))?;
    let (&stated_alg, raw) = typed
        .split_first()
        .ok_or_else(|| malformed("the key is empty"))?;
    if stated_alg != alg {
        return Err(NoteError::UnsupportedAlgorithm(stated_alg));
    }
    let raw: &[u8; 32] = raw
        .try_into()
        .map_err(|_| malformed("the Ed25519 public key is not 32 bytes"))?;
    let key =
        VerifyingKey::from_bytes(raw).map_err(|e| NoteError::InvalidPublicKey(e.to_string()))?;
    if key.is_weak() {
        return Err(NoteError::InvalidPublicKey(
            "it is a small-order point".into(),
        ));
    }
    let computed = typed_key_id(name, alg, raw);
    if computed != id {
        return Err(NoteError::KeyIdMismatch {
            stated: hex(&id),
            computed: hex(&computed),
        });
    }
    Ok((name.to_owned(), id, key))
}

/// Rejects control characters other than newline, which signed notes may not contain.
fn check_no_controls(text: &str) -> Result<(), NoteError> {
    match text.chars().find(|&c| c.is_control() && c != '\n') {
        Some(c) => Err(NoteError::ControlCharacter(c)),
        None => Ok(()),
    }
}

/// A log's signing key: a key name and an Ed25519 key.
pub struct NoteSigner {
    name: String,
    key: SigningKey,
    id: [u8; 4],
}

impl std::fmt::Debug for NoteSigner {
    // Never print the secret key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoteSigner")
            .field("key", &self.verifier_key())
            .finish_non_exhaustive()
    }
}

impl NoteSigner {
    /// The signer named `name` with the Ed25519 key of the 32-byte `secret_seed`
    /// (RFC 8032 section 5.1.5). `name`: non-empty, no whitespace, no `+`.
    pub fn new(name: &str, secret_seed: [u8; 32]) -> Result<NoteSigner, NoteError> {
        check_name(name)?;
        let key = SigningKey::from_bytes(&secret_seed);
        let id = key_id(name, &key.verifying_key());
        Ok(NoteSigner {
            name: name.to_owned(),
            key,
            id,
        })
    }

    /// A signer with a fresh key drawn from the operating system's random number
    /// generator; returns the seed too, to be stored and given back to [`NoteSigner::new`].
    pub fn generate(name: &str) -> Result<(NoteSigner, [u8; 32]), NoteError> {
        check_name(name)?;
        let mut seed = [0u8; 32];
        OsRng
            .try_fill_bytes(&mut seed)
            .map_err(|e| NoteError::Rng(e.to_string()))?;
        Ok((NoteSigner::new(name, seed)?, seed))
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The verifier key to publish: `name+<key ID hex>+base64(0x01 || public key)`.
    pub fn verifier_key(&self) -> String {
        typed_verifier_key(&self.name, ALG_ED25519, self.key.verifying_key().as_bytes())
    }

    /// The signed note of `text`: the text, a blank line and this key's signature line.
    ///
    /// `text` must end with a newline and hold no control characters but newlines, so
    /// that the note can be verified.
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        if !text.ends_with('\n') {
            return Err(NoteError::TextNotNewlineTerminated);
        }
        check_no_controls(text)?;
        let signature = self.key.sign(text.as_bytes());
        let mut blob = Vec::with_capacity(4 + 64);
        blob.extend_from_slice(&self.id);
        blob.extend_from_slice(&signature.to_bytes());
        Ok(format!(
            "{text}\n{SIG_PREFIX}{} {}\n",
            self.name,
            BASE64_STANDARD.encode(blob)
        ))
    }
}

/// A verifier key: checks a note's signature by one known key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    id: [u8; 4],
    key: VerifyingKey,
}

impl NoteVerifier {
    /// Reads a verifier key string, `name+<8 lowercase hex>+base64(0x01 || public key)`,
    /// checking that the key ID is the one the name and key give.
    pub fn parse(vkey: &str) -> Result<NoteVerifier, NoteError> {
        let (name, id, key) = parse_typed_verifier_key(vkey, ALG_ED25519)?;
        Ok(NoteVerifier { name, id, key })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Verifies a signed note and returns its text (ending with a newline).
    ///
    /// An error if the note is malformed, if it has no signature line by this key (same
    /// name and key ID), or if such a line does not verify.
    pub fn verify<'a>(&self, note: &'a str) -> Result<&'a str, NoteError> {
        let malformed = |why: &str| NoteError::MalformedNote(why.to_owned());
        check_no_controls(note)?;
        let split = note
            .rfind("\n\n")
            .ok_or_else(|| malformed("no blank line before the signatures"))?;
        let (text, signatures) = (&note[..split + 1], &note[split + 2..]);
        if signatures.is_empty() {
            return Err(malformed("no signature lines after the blank line"));
        }
        if !signatures.ends_with('\n') {
            return Err(malformed(
                "the last signature line does not end with a newline",
            ));
        }
        let mut verified = false;
        for (n, line) in signatures.split_terminator('\n').enumerate() {
            if n == MAX_SIGNATURES {
                return Err(malformed("more than 100 signature lines"));
            }
            let (name, id, signature) = parse_signature_line(line).map_err(|why| {
                NoteError::MalformedNote(format!("signature line {}: {why}", n + 1))
            })?;
            if name != self.name || id != self.id {
                continue; // another key's signature: ignored, as the spec requires
            }
            let ok = Signature::from_slice(&signature)
                .and_then(|s| self.key.verify_strict(text.as_bytes(), &s))
                .is_ok();
            if !ok {
                return Err(NoteError::InvalidSignature {
                    key: self.key_name(),
                });
            }
            verified = true;
        }
        if !verified {
            return Err(NoteError::NoSignature {
                key: self.key_name(),
            });
        }
        Ok(text)
    }

    /// `name+keyid`, how signed-note tools name a key.
    fn key_name(&self) -> String {
        format!("{}+{}", self.name, hex(&self.id))
    }
}

/// Eight lowercase hex digits as a 4-byte key ID.
fn parse_key_id(text: &str) -> Option<[u8; 4]> {
    let lower_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    if text.len() != 8 || !text.bytes().all(lower_hex) {
        return None;
    }
    u32::from_str_radix(text, 16).ok().map(u32::to_be_bytes)
}

/// A signature line without its newline: `— <name> base64(key ID || signature)`, of any
/// signature type. Returns the name, the key ID and the signature bytes (at least one).
pub fn parse_signature_line(line: &str) -> Result<(&str, [u8; 4], Vec<u8>), String> {
    let rest = line
        .strip_prefix(SIG_PREFIX)
        .ok_or("it does not start with an em dash and a space")?;
    let (name, blob64) = rest
        .split_once(' ')
        .ok_or("no space between the key name and the signature")?;
    check_name(name).map_err(|e| e.to_string())?;
    let blob = BASE64_STANDARD
        .decode(blob64)
        .map_err(|_| "the signature is not standard base64")?;
    // A key ID and at least one byte of signature.
    if blob.len() < 5 {
        return Err("the signature is shorter than a key ID and a signature".into());
    }
    let id = [blob[0], blob[1], blob[2], blob[3]];
    Ok((name, id, blob[4..].to_vec()))
}
