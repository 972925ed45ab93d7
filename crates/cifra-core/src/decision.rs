//! What a system decides for one contest, with the reasons a person needs to check it.

use crate::apportion::{Divisor, Quota};
use crate::contest::{Contest, ListKey, PartyKey};
use crate::lottery::LotteryRecord;
use crate::quotient::Quotient;

/// The kind of outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The seats were filled (or a candidate won outright).
    Elected,
    /// No absolute majority: a second round between two candidates.
    Runoff,
    /// No absolute majority under the 1925 Constitution: Congress chooses between two.
    Congress,
}

impl Outcome {
    /// The outcome's name in outputs: `elected`, `runoff` or `congress`.
    pub fn id(self) -> &'static str {
        match self {
            Outcome::Elected => "elected",
            Outcome::Runoff => "runoff",
            Outcome::Congress => "congress",
        }
    }
}

/// Why the elected were elected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Basis {
    /// A candidate had more than half the valid votes.
    AbsoluteMajority,
    /// No candidate had more than half the valid votes.
    NoAbsoluteMajority,
    /// The most voted candidates won.
    Plurality,
    /// Binomial system: the first list doubled the second (*doblaje*) and took both seats.
    Doblaje {
        /// The list that doubled.
        first: ListKey,
        /// The runner-up list, if any.
        second: Option<ListKey>,
    },
    /// Binomial system: the two most voted lists each took one seat.
    TopTwoLists {
        /// The most voted list.
        first: ListKey,
        /// The second list, if any.
        second: Option<ListKey>,
    },
    /// Highest averages among lists.
    Quotients {
        /// The divisor sequence.
        divisor: Divisor,
        /// The smallest quotient that won a seat: for D'Hondt, the *cifra repartidora*.
        last_quotient: Option<Quotient>,
    },
    /// Largest remainders among lists.
    Remainders {
        /// The quota's kind.
        quota: Quota,
        /// The quota's value.
        value: Quotient,
    },
}

/// A list's votes and seats.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListTally {
    /// The list.
    pub key: ListKey,
    /// The sum of its candidates' votes.
    pub votes: u64,
    /// Seats it won.
    pub seats: u32,
    /// Inside a pact (see [`Contest::is_pact`]): each party's (and unaffiliated
    /// independent's) votes and seats. Empty for any other list.
    pub parties: Vec<PartyTally>,
}

/// A party's votes and seats inside its list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartyTally {
    /// The party, or an independent associated with none.
    pub key: PartyKey,
    /// The sum of its candidates' votes.
    pub votes: u64,
    /// Seats it won.
    pub seats: u32,
}

/// What a system decided for one contest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Seats at stake (1 for a single office).
    pub seats: u32,
    /// The elected candidates (indices into [`Contest::candidates`]), in order of
    /// election.
    pub elected: Vec<usize>,
    /// The kind of outcome.
    pub outcome: Outcome,
    /// The two candidates of the second round (or of Congress's choice), most voted first.
    pub runoff: Option<[usize; 2]>,
    /// Every list's votes and seats, most voted first.
    pub lists: Vec<ListTally>,
    /// Why.
    pub basis: Basis,
    /// Seats nobody could take (more seats than candidates).
    pub unfilled_seats: u32,
    /// Ties decided by lot, in the order drawn.
    pub lotteries: Vec<LotteryRecord>,
}

impl Decision {
    /// The *cifra repartidora*: the smallest quotient that won a seat, for D'Hondt.
    pub fn cifra_repartidora(&self) -> Option<Quotient> {
        match &self.basis {
            Basis::Quotients {
                divisor: Divisor::DHondt,
                last_quotient,
            } => *last_quotient,
            _ => None,
        }
    }

    /// Whether the candidate at `index` was elected.
    pub fn is_elected(&self, index: usize) -> bool {
        self.elected.contains(&index)
    }
}

/// Every list's votes and the seats its elected candidates won; inside pacts, the same
/// per party.
pub(crate) fn tally_lists(contest: &Contest, elected: &[usize]) -> Vec<ListTally> {
    let seats_of =
        |members: &[usize]| members.iter().filter(|m| elected.contains(m)).count() as u32;
    contest
        .lists()
        .into_iter()
        .map(|list| {
            let parties = if contest.is_pact(&list) {
                contest
                    .parties(&list)
                    .into_iter()
                    .map(|p| PartyTally {
                        seats: seats_of(&p.members),
                        key: p.key,
                        votes: p.votes,
                    })
                    .collect()
            } else {
                Vec::new()
            };
            ListTally {
                seats: seats_of(&list.members),
                key: list.key,
                votes: list.votes,
                parties,
            }
        })
        .collect()
}
