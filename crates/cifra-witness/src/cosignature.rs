//! C2SP tlog-cosignature, Ed25519 `cosignature/v1` (<https://c2sp.org/tlog-cosignature>).
//!
//! A cosignature is a signed-note signature line on a checkpoint:
//!
//! ```text
//! — <cosigner name> base64(key ID (4) || timestamp (8, big-endian) || Ed25519 signature (64))
//! ```
//!
//! - key ID = `SHA-256(name || 0x0A || 0x04 || 32-byte public key)[:4]`;
//! - the signed message is `"cosignature/v1\ntime <timestamp>\n" || checkpoint body`, the
//!   body being the whole note text (extension lines too), without signature lines;
//! - the verifier key is `name+<key ID hex>+base64(0x04 || public key)`, as Go's
//!   `transparency-dev/formats/note` prints it.
//!
//! The statement a cosignature makes: at that time, the largest consistent checkpoint the
//! cosigner had seen for the origin had this root. The timestamp is never zero and at most
//! 2^63 - 1.

use base64::prelude::{Engine, BASE64_STANDARD};
use cifra_log::note::{self, NoteError};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand_core::{OsRng, RngCore};

/// The signature type byte of Ed25519 `cosignature/v1` in key IDs and verifier keys.
pub const ALG_COSIGNATURE_V1: u8 = 0x04;
/// The prefix of a signature line: em dash (U+2014) and a space.
const SIG_PREFIX: &str = "\u{2014} ";
/// How many signature lines are read from a note before giving up (as signed-note asks).
const MAX_SIGNATURES: usize = 100;

/// What is wrong with a cosigner key, a cosignature or a note.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CosignatureError {
    /// A key name that signed-note does not allow.
    #[error("key name {0:?} must be non-empty, with no spaces, control characters or '+'")]
    InvalidName(String),
    /// A verifier key string that is not a `cosignature/v1` key.
    #[error("malformed cosigner verifier key: {0}")]
    MalformedKey(String),
    /// A note or signature line that does not follow signed-note.
    #[error("malformed note: {0}")]
    MalformedNote(String),
    /// A line by this cosigner that does not verify over the note's text.
    #[error("the cosignature by {0} does not verify: the checkpoint was altered or another key signed it")]
    InvalidSignature(String),
    /// No line by this cosigner.
    #[error("the note has no cosignature by {0}")]
    NoCosignature(String),
    /// A timestamp of zero or above 2^63 - 1.
    #[error("the cosignature's timestamp {0} is out of range (1 to 2^63 - 1)")]
    BadTimestamp(u64),
    /// The operating system's random number generator failed.
    #[error("could not draw a key from the operating system's random number generator: {0}")]
    Rng(String),
}

/// A key name as signed-note allows it ([`note::check_name`]).
fn check_name(name: &str) -> Result<(), CosignatureError> {
    note::check_name(name).map_err(|_| CosignatureError::InvalidName(name.to_owned()))
}

/// `SHA-256(name || 0x0A || 0x04 || public key)[:4]`.
pub fn key_id(name: &str, public_key: &[u8; 32]) -> [u8; 4] {
    note::typed_key_id(name, ALG_COSIGNATURE_V1, public_key)
}

/// The message a `cosignature/v1` signs: the header line, the time line and the body.
pub fn signed_message(body: &str, timestamp: u64) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{body}")
}

/// A witness's cosigning key: a name and an Ed25519 key.
pub struct Cosigner {
    name: String,
    key: SigningKey,
    id: [u8; 4],
}

impl std::fmt::Debug for Cosigner {
    // Never print the secret key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cosigner")
            .field("key", &self.verifier_key())
            .finish_non_exhaustive()
    }
}

impl Cosigner {
    /// The cosigner `name` with the Ed25519 key of the 32-byte `seed` (RFC 8032 5.1.5).
    pub fn new(name: &str, seed: [u8; 32]) -> Result<Cosigner, CosignatureError> {
        check_name(name)?;
        let key = SigningKey::from_bytes(&seed);
        let id = key_id(name, key.verifying_key().as_bytes());
        Ok(Cosigner {
            name: name.to_owned(),
            key,
            id,
        })
    }

    /// A cosigner with a fresh key from the operating system; returns the seed to keep.
    pub fn generate(name: &str) -> Result<(Cosigner, [u8; 32]), CosignatureError> {
        check_name(name)?;
        let mut seed = [0u8; 32];
        OsRng
            .try_fill_bytes(&mut seed)
            .map_err(|e| CosignatureError::Rng(e.to_string()))?;
        Ok((Cosigner::new(name, seed)?, seed))
    }

    /// The cosigner's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The verifier key to publish: `name+<key ID>+base64(0x04 || public key)`.
    pub fn verifier_key(&self) -> String {
        note::typed_verifier_key(
            &self.name,
            ALG_COSIGNATURE_V1,
            self.key.verifying_key().as_bytes(),
        )
    }

    /// The verifier of this cosigner's lines.
    pub fn verifier(&self) -> CosignatureVerifier {
        CosignatureVerifier {
            name: self.name.clone(),
            id: self.id,
            key: self.key.verifying_key(),
        }
    }

    /// The cosignature line (ending in a newline) over the checkpoint note text `body`
    /// at `timestamp` (POSIX seconds, 1 to 2^63 - 1).
    pub fn cosign(&self, body: &str, timestamp: u64) -> Result<String, CosignatureError> {
        if timestamp == 0 || timestamp > i64::MAX as u64 {
            return Err(CosignatureError::BadTimestamp(timestamp));
        }
        let signature = self.key.sign(signed_message(body, timestamp).as_bytes());
        let mut blob = Vec::with_capacity(4 + 8 + 64);
        blob.extend_from_slice(&self.id);
        blob.extend_from_slice(&timestamp.to_be_bytes());
        blob.extend_from_slice(&signature.to_bytes());
        Ok(format!(
            "{SIG_PREFIX}{} {}\n",
            self.name,
            BASE64_STANDARD.encode(blob)
        ))
    }
}

/// A cosigner's verifier key: checks its `cosignature/v1` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignatureVerifier {
    name: String,
    id: [u8; 4],
    key: VerifyingKey,
}

impl CosignatureVerifier {
    /// Reads `name+<8 lowercase hex>+base64(0x04 || public key)`, checking the key ID.
    pub fn parse(vkey: &str) -> Result<CosignatureVerifier, CosignatureError> {
        let vkey = vkey.trim();
        let (name, id, key) =
            note::parse_typed_verifier_key(vkey, ALG_COSIGNATURE_V1).map_err(|e| match e {
                NoteError::InvalidName(name) => CosignatureError::InvalidName(name),
                NoteError::UnsupportedAlgorithm(0x01) => CosignatureError::MalformedKey(format!(
                    "this is a log's signing key (type 0x01), not a witness's cosignature/v1 \
                     key (type 0x04, as `cifra witness init` prints it) in {vkey:?}"
                )),
                other => CosignatureError::MalformedKey(other.to_string()),
            })?;
        Ok(CosignatureVerifier { name, id, key })
    }

    /// The cosigner's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The verifier key string, as [`Cosigner::verifier_key`] prints it.
    pub fn verifier_key(&self) -> String {
        note::typed_verifier_key(&self.name, ALG_COSIGNATURE_V1, self.key.as_bytes())
    }

    /// Checks one signature line (without its newline) over the note text `body`:
    /// `Ok(None)` if it is another key's line, `Ok(Some(timestamp))` if it is this
    /// cosigner's and verifies, an error if it is this cosigner's and does not.
    pub fn verify_line(&self, body: &str, line: &str) -> Result<Option<u64>, CosignatureError> {
        let (name, id, blob) =
            note::parse_signature_line(line).map_err(CosignatureError::MalformedNote)?;
        if name != self.name || id != self.id {
            return Ok(None);
        }
        if blob.len() != 8 + 64 {
            return Err(CosignatureError::InvalidSignature(self.name.clone()));
        }
        let mut stamp = [0u8; 8];
        stamp.copy_from_slice(&blob[..8]);
        let timestamp = u64::from_be_bytes(stamp);
        if timestamp == 0 || timestamp > i64::MAX as u64 {
            return Err(CosignatureError::BadTimestamp(timestamp));
        }
        let message = signed_message(body, timestamp);
        let ok = Signature::from_slice(&blob[8..])
            .and_then(|s| self.key.verify_strict(message.as_bytes(), &s))
            .is_ok();
        if !ok {
            return Err(CosignatureError::InvalidSignature(self.name.clone()));
        }
        Ok(Some(timestamp))
    }

    /// Verifies this cosigner's line in a signed note and returns its timestamp. Other
    /// keys' lines are ignored (but must be well-formed).
    pub fn verify_note(&self, note: &str) -> Result<u64, CosignatureError> {
        let (body, lines) = split_note(note)?;
        let mut found = None;
        for line in lines {
            if let Some(timestamp) = self.verify_line(body, line)? {
                found = Some(timestamp);
            }
        }
        found.ok_or_else(|| CosignatureError::NoCosignature(self.name.clone()))
    }
}

/// A signed note's text (ending with its newline) and its signature lines (without
/// newlines): the text is everything up to the last blank line.
pub fn split_note(note: &str) -> Result<(&str, Vec<&str>), CosignatureError> {
    let bad = |why: &str| CosignatureError::MalformedNote(why.to_owned());
    if let Some(c) = note.chars().find(|&c| c.is_control() && c != '\n') {
        return Err(bad(&format!("control character {c:?}")));
    }
    let split = note
        .rfind("\n\n")
        .ok_or_else(|| bad("no blank line before the signatures"))?;
    let (body, signatures) = (&note[..split + 1], &note[split + 2..]);
    if signatures.is_empty() || !signatures.ends_with('\n') {
        return Err(bad(
            "the signature lines are missing or do not end with a newline",
        ));
    }
    let lines: Vec<&str> = signatures.split_terminator('\n').collect();
    if lines.len() > MAX_SIGNATURES {
        return Err(bad("more than 100 signature lines"));
    }
    Ok((body, lines))
}

/// The timestamp a `cosignature/v1` line (without its newline) carries, unverified:
/// `None` if the line is not a well-formed cosignature (76 bytes after the name).
pub fn timestamp_of(line: &str) -> Option<u64> {
    let (_, _, blob) = note::parse_signature_line(line).ok()?;
    let stamp: [u8; 8] = blob.get(..8)?.try_into().ok()?;
    (blob.len() == 8 + 64).then(|| u64::from_be_bytes(stamp))
}

/// `note` with the signature lines of `lines` (each `— name base64\n`) appended, those
/// already present left out. Both must be well-formed.
pub fn append_signatures(note: &str, lines: &str) -> Result<String, CosignatureError> {
    let (_, present) = split_note(note)?;
    let mut out = note.to_owned();
    for line in lines.split_terminator('\n') {
        note::parse_signature_line(line).map_err(CosignatureError::MalformedNote)?;
        if !present.contains(&line) && !out.ends_with(&format!("{line}\n")) {
            out.push_str(line);
            out.push('\n');
        }
    }
    Ok(out)
}

/// The names of the cosigners in `verifiers` whose valid cosignature `note` carries.
/// A line by one of them that does not verify makes the whole note an error: whoever
/// altered it is not to be trusted with the rest.
pub fn cosigned_by(
    note: &str,
    verifiers: &[CosignatureVerifier],
) -> Result<Vec<String>, CosignatureError> {
    let (body, lines) = split_note(note)?;
    let mut names = Vec::new();
    for verifier in verifiers {
        for line in &lines {
            if verifier.verify_line(body, line)?.is_some() && !names.contains(&verifier.name) {
                names.push(verifier.name.clone());
            }
        }
    }
    Ok(names)
}
