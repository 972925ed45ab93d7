//! The body of C2SP tlog-witness's `POST /add-checkpoint`, read by the witness and
//! written by the log that asks it for a cosignature (one type for both ends):
//!
//! ```text
//! old <size>\n
//! <base64 proof hash>\n      (0 to 63 lines)
//! \n
//! <signed checkpoint note>
//! ```

use base64::prelude::{Engine, BASE64_STANDARD};
use cifra_log::Hash;

/// At most this many consistency proof lines (the spec's limit: a tree of 2^64 leaves).
pub const MAX_PROOF_LINES: usize = 63;

/// An add-checkpoint request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the latest checkpoint the witness cosigned, as the log believes it.
    pub old_size: u64,
    /// The consistency proof from `old_size` to the checkpoint's size (RFC 6962 2.1.2).
    pub proof: Vec<Hash>,
    /// The signed checkpoint note (it may carry several signatures).
    pub checkpoint: String,
}

impl AddCheckpoint {
    /// Reads a request body; the error says which line is wrong and why.
    pub fn parse(body: &str) -> Result<AddCheckpoint, String> {
        let (head, checkpoint) = if let Some(rest) = body.strip_prefix('\n') {
            ("", rest)
        } else {
            body.split_once("\n\n")
                .ok_or("no blank line between the proof and the checkpoint")?
        };
        let mut lines = head.split('\n');
        let first = lines.next().unwrap_or("");
        let size = first
            .strip_prefix("old ")
            .ok_or_else(|| format!("line 1: {first:?} is not \"old <size>\""))?;
        let old_size = parse_decimal(size).ok_or_else(|| {
            format!("line 1: {size:?} is not a size in decimal without leading zeros")
        })?;
        let mut proof = Vec::new();
        for (n, line) in lines.enumerate() {
            if proof.len() == MAX_PROOF_LINES {
                return Err(format!(
                    "more than {MAX_PROOF_LINES} consistency proof lines"
                ));
            }
            let bytes = BASE64_STANDARD
                .decode(line)
                .map_err(|_| format!("line {}: the proof hash is not base64", n + 2))?;
            let hash: Hash = bytes
                .try_into()
                .map_err(|_| format!("line {}: the proof hash is not 32 bytes", n + 2))?;
            proof.push(hash);
        }
        Ok(AddCheckpoint {
            old_size,
            proof,
            checkpoint: checkpoint.to_owned(),
        })
    }

    /// The request body.
    pub fn to_body(&self) -> String {
        let mut body = format!("old {}\n", self.old_size);
        for hash in &self.proof {
            body.push_str(&BASE64_STANDARD.encode(hash));
            body.push('\n');
        }
        body.push('\n');
        body.push_str(&self.checkpoint);
        body
    }
}

/// An ASCII decimal with no leading zeros (`0` alone for zero), as C2SP writes sizes.
pub fn parse_decimal(text: &str) -> Option<u64> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !digits || (text.len() > 1 && text.starts_with('0')) {
        return None;
    }
    text.parse().ok()
}
