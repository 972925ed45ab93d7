//! cifra-core: Chile's electoral law as code.
//!
//! The domain ([`Contest`], [`Candidate`], lists and parties), the generic allocation
//! methods ([`apportion`]) and the electoral systems ([`System`]), each a value with an
//! id. Pure: no I/O, no printing, no global state; everything takes values and returns
//! values. Quotients are compared exactly ([`Quotient`]); ties the law sends to a lottery
//! are drawn from a seeded, reproducible [`Lottery`] and reported in the [`Decision`].
//!
//! ```
//! use cifra_core::{Candidate, Contest, Lottery, System};
//!
//! let contest = Contest::new("example", vec![
//!     Candidate::new("a1", 70).in_list("A"),
//!     Candidate::new("a2", 30).in_list("A"),
//!     Candidate::new("b1", 40).in_list("B"),
//!     Candidate::new("b2", 20).in_list("B"),
//!     Candidate::new("c1", 40).in_list("C"),
//! ]);
//! let decision = System::Dhondt.decide(&contest, Some(5), &Lottery::default()).unwrap();
//! // Lists A 100, B 60, C 40 → 3, 1, 1 seats, but A has only 2 candidates: its third
//! // seat goes to the next quotient, B's 30.
//! assert_eq!(decision.lists.iter().map(|l| l.seats).collect::<Vec<_>>(), [2, 2, 1]);
//! assert_eq!(decision.cifra_repartidora().unwrap().value(), 30.0);
//! ```

#![warn(missing_docs)]

pub mod apportion;
mod chile;
pub mod contest;
pub mod decision;
mod generic;
pub mod lottery;
mod parity;
pub mod quotient;
pub mod system;

pub use contest::{Affiliation, Candidate, Contest, Level, ListKey, PartyKey, Sex};
pub use decision::{
    Basis, Correction, CorrectionRule, Decision, ListTally, Outcome, PartyTally, Pool, TiedSeat,
    VotesTie,
};
pub use lottery::{Lottery, LotteryRecord, Purpose};
pub use quotient::Quotient;
pub use system::{Ballot, BallotError, Corrections, SeatsRule, System, SystemError, UnknownSystem};
