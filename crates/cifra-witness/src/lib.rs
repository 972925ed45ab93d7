//! cifra-witness: witnesses of a cifra log, so that not even the operator can show two
//! different histories (a split view) to two observers.
//!
//! - [`cosignature`]: C2SP tlog-cosignature `cosignature/v1` lines (pure);
//! - [`request`]: the body of C2SP tlog-witness's `POST /add-checkpoint` (pure, one type
//!   for the witness and for the log that asks it);
//! - [`decide`]: the witness's decision, as pure functions (404, 403, 409, 422, cosign);
//! - [`state`]: its durable state (SQLite), checked and recorded in one transaction;
//! - [`server`]: the witness's HTTP routes;
//! - [`gather`]: the log's side, asking witnesses for cosignatures in the background.

#![warn(missing_docs)]

pub mod cosignature;
pub mod decide;
pub mod gather;
pub mod request;
pub mod server;
pub mod state;

pub use cosignature::{
    append_signatures, cosigned_by, CosignatureError, CosignatureVerifier, Cosigner,
};
pub use decide::{check_consistency, check_submission, Logs, Refusal, Submitted};
pub use request::AddCheckpoint;
pub use server::{router, Witness};
pub use state::{StateError, WitnessState};
