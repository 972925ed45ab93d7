//! What an election is, as `cifra init` records it: its name, system, options, mesas and
//! where each lies. The store keeps it; the server and the verifier index it
//! ([`crate::Election`]).

use std::fmt;

/// What `cifra init` records about an election.
///
/// `Debug` leaves the signing key out, so that the spec can be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct ElectionSpec {
    /// The log's origin (the checkpoint's first line), e.g.
    /// `"cifra.example/cl-2021-presidential-r1"`.
    pub name: String,
    /// The electoral system's id, e.g. `"cl-presidential"`.
    pub system: String,
    /// The counted options in order, e.g. `["boric", ..., "blank", "null"]`.
    pub options: Vec<String>,
    /// The columns that identify a mesa, e.g. `["circunscripcion", "mesa"]`.
    pub id_columns: Vec<String>,
    /// The territory columns, broadest first, e.g. `["region", "circunscripcion"]`.
    pub territory_columns: Vec<String>,
    /// The mesas, in the order they were given.
    pub mesas: Vec<Mesa>,
    /// The Ed25519 secret seed of the log's key.
    pub signing_key: [u8; 32],
}

impl fmt::Debug for ElectionSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The seed is the log's identity: it must not end up in a log file by accident.
        f.debug_struct("ElectionSpec")
            .field("name", &self.name)
            .field("system", &self.system)
            .field("options", &self.options)
            .field("id_columns", &self.id_columns)
            .field("territory_columns", &self.territory_columns)
            .field("mesas", &self.mesas)
            .field("signing_key", &"<redacted>")
            .finish()
    }
}

/// One mesa (polling station) of the election.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mesa {
    /// The mesa's id, unique in the election.
    pub id: String,
    /// One value per territory column of the election, in the same order.
    pub territory: Vec<String>,
    /// The mesa's registered electors, if known.
    pub electors: Option<u64>,
}
