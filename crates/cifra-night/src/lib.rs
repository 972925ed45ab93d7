//! cifra-night: election night's domain and contract, with no I/O.
//!
//! - [`spec`]: what an election is ([`ElectionSpec`], its [`Mesa`]s) and what a token may
//!   submit ([`Scope`]), as `cifra init` records them and the store keeps them;
//! - [`election`]: the election indexed for look-ups ([`Election`]);
//! - [`tally`]: the count so far from the log's entries ([`Tally`]: each mesa's latest
//!   acta, the sums of the nation and every territory, the checks every entry must pass),
//!   one implementation for the server and the verifier ([`tally::recount`]), and the
//!   results those sums decide ([`tally::results`]);
//! - [`projection`]: the final result estimated from a partial count, with intervals,
//!   and the calls (by mathematics, by projection);
//! - [`backtest`]: a past election replayed in many arrival orders, the projection
//!   compared with the final result;
//! - [`api`]: every request and response body of the `cifra serve` API, used by the
//!   server that writes them and by the clients that read them.
//!
//! Dependencies point inward: this crate knows the law (`cifra-core`), the log's entry
//! (`cifra-log`) and the live results' rows (`cifra-report`); the store, the server, the
//! client and the CLI know it.

#![warn(missing_docs)]

pub mod api;
pub mod backtest;
pub mod election;
pub mod projection;
mod scope;
pub mod spec;
pub mod tally;

pub use election::{Election, ElectionError, UnknownScope};
pub use scope::{ParseScopeError, Scope};
pub use spec::{ElectionSpec, Mesa, SpecError};
pub use tally::{Current, Recount, RecountError, Sums, Tally, TallyError};
