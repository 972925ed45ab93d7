//! The log's checkpoint: C2SP tlog-checkpoint (<https://c2sp.org/tlog-checkpoint>).
//!
//! A checkpoint is the text of a signed note ([`crate::note`]) naming the log, a tree
//! size and the RFC 9162 root at that size ("Note text"):
//!
//! ```text
//! <origin>\n<tree size in decimal>\n<base64 of the 32-byte root>\n[extension lines\n]
//! ```
//!
//! Invariants checked by [`Checkpoint::parse`], each from the spec: at least three lines,
//! every line non-empty and newline-terminated; the size is ASCII decimal with no leading
//! zero (`0` alone for the empty tree) and fits a `u64`; the root is standard base64
//! (RFC 4648 section 4, padded, canonical) of exactly 32 bytes. Extension lines are
//! accepted and ignored: they are opaque and not auditable, so nothing here relies on
//! them. No control characters other than the newlines (signed-note "Format").

use base64::prelude::{Engine, BASE64_STANDARD};

use crate::merkle::Hash;
use crate::note::NoteError;

/// A tree head: the log's origin, a tree size and the root of the tree at that size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, e.g. `"cifra.example/2026-presidencial"`: one non-empty line.
    pub origin: String,
    /// The number of entries in the tree.
    pub size: u64,
    /// The RFC 9162 root of the first `size` entries.
    pub root: Hash,
}

impl Checkpoint {
    /// The note text: `"origin\nsize\nbase64(root)\n"`, with no extension lines.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            BASE64_STANDARD.encode(self.root)
        )
    }

    /// Reads a checkpoint's note text (the text [`crate::NoteVerifier::verify`] returns).
    ///
    /// Accepts and ignores extension lines after the third; rejects anything else that
    /// does not follow the spec, saying which line and why.
    pub fn parse(body: &str) -> Result<Checkpoint, NoteError> {
        let malformed = |why: String| NoteError::MalformedCheckpoint(why);
        let Some(text) = body.strip_suffix('\n') else {
            return Err(malformed("the text does not end with a newline".into()));
        };
        if let Some(c) = body.chars().find(|&c| c.is_control() && c != '\n') {
            return Err(malformed(format!(
                "it contains the control character {c:?}"
            )));
        }
        let lines: Vec<&str> = text.split('\n').collect();
        if lines.len() < 3 {
            return Err(malformed(format!(
                "it has {} line(s); origin, size and root are needed",
                lines.len()
            )));
        }
        if let Some(n) = lines.iter().position(|line| line.is_empty()) {
            return Err(malformed(format!("line {} is empty", n + 1)));
        }
        Ok(Checkpoint {
            origin: lines[0].to_owned(),
            size: parse_size(lines[1]).map_err(malformed)?,
            root: parse_root(lines[2]).map_err(malformed)?,
        })
    }
}

fn parse_size(line: &str) -> Result<u64, String> {
    let digits = !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit());
    if !digits || (line.len() > 1 && line.starts_with('0')) {
        return Err(format!(
            "the size (line 2) {line:?} is not a decimal number without leading zeros"
        ));
    }
    line.parse()
        .map_err(|_| format!("the size (line 2) {line} does not fit in 64 bits"))
}

fn parse_root(line: &str) -> Result<Hash, String> {
    let bytes = BASE64_STANDARD
        .decode(line)
        .map_err(|e| format!("the root (line 3) {line:?} is not standard base64: {e}"))?;
    let len = bytes.len();
    bytes
        .try_into()
        .map_err(|_| format!("the root (line 3) is {len} bytes, not 32"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_example_parses() {
        // The example of C2SP tlog-checkpoint, "Transparency Log Checkpoints".
        let body =
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        let c = Checkpoint::parse(body).unwrap();
        assert_eq!(c.origin, "example.com/behind-the-sofa");
        assert_eq!(c.size, 20852163);
        assert_eq!(c.body(), body);
    }
}
