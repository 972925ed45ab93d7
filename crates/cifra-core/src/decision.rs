//! What a system decides for one contest, with the reasons a person needs to check it.

use crate::apportion::{Divisor, Quota};
use crate::contest::{Contest, ListKey, PartyKey};
use crate::lottery::LotteryRecord;
use crate::quotient::Quotient;

/// The kind of outcome. Serialised as its [`Outcome::id`]: `elected`, `runoff` or
/// `congress`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
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
    /// Binomial system: the first list doubled the second but presented one candidate
    /// only: it elects that candidate and the second list its most voted.
    DoblajeWithOneCandidate {
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
        /// Lists that ran out of candidates: their next quotient was at or above the last
        /// winning one, so without the cap they would have won more seats.
        capped: Vec<ListKey>,
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

/// Why a correction was applied after apportionment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CorrectionRule {
    /// Gender parity: the least voted elected member of the over-represented sex gives
    /// way to the most voted candidate of the other sex of the same party or list.
    GenderParity,
}

/// A change made to the elected after apportionment (such as a parity swap): who left,
/// who entered, and the rule. The seat stays with the same list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Correction {
    /// The rule applied.
    pub rule: CorrectionRule,
    /// The candidate who left the elected (index into [`Contest::candidates`]).
    pub left: usize,
    /// The candidate who took the seat.
    pub entered: usize,
}

/// What a system decided for one contest.
///
/// Built by [`Decision::new`], the one place that derives the list tallies, the names
/// and the unfilled seats from who was elected, so that `elected.len() + unfilled_seats
/// == seats` always holds when the outcome is [`Outcome::Elected`] (a seat that goes to a
/// second round is pending, not unfilled).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Seats at stake (1 for a single office).
    pub seats: u32,
    /// The elected candidates (indices into [`Contest::candidates`]), in order of
    /// election.
    pub elected: Vec<usize>,
    /// The elected candidates' names, in order of election.
    pub elected_names: Vec<String>,
    /// The kind of outcome.
    pub outcome: Outcome,
    /// The two candidates of the second round (or of Congress's choice), most voted first.
    pub runoff: Option<[usize; 2]>,
    /// Every list's votes and seats, most voted first.
    pub lists: Vec<ListTally>,
    /// Why.
    pub basis: Basis,
    /// Changes made after apportionment, in the order applied (none for the systems
    /// that have no such rule).
    pub corrections: Vec<Correction>,
    /// Seats nobody could take (more seats than candidates).
    pub unfilled_seats: u32,
    /// Ties decided by lot, in the order drawn.
    pub lotteries: Vec<LotteryRecord>,
}

impl Decision {
    /// The decision that elects `elected` (in order of election) to `seats` seats of
    /// `contest`: list and party tallies and unfilled seats are derived here. Lotteries
    /// are added by [`Decision::with_lotteries`].
    ///
    /// # Panics
    /// If more candidates are elected than there are seats (a programming error).
    pub fn new(
        contest: &Contest,
        seats: u32,
        elected: Vec<usize>,
        outcome: Outcome,
        runoff: Option<[usize; 2]>,
        basis: Basis,
    ) -> Decision {
        assert!(elected.len() <= seats as usize, "more elected than seats");
        Decision {
            seats,
            lists: tally_lists(contest, &elected),
            // A seat that goes to a second round (or to Congress) is pending, not unfilled.
            unfilled_seats: match outcome {
                Outcome::Elected => seats - elected.len() as u32,
                Outcome::Runoff | Outcome::Congress => 0,
            },
            elected_names: elected
                .iter()
                .map(|&i| contest.candidates[i].name.clone())
                .collect(),
            elected,
            outcome,
            runoff,
            basis,
            corrections: Vec::new(),
            lotteries: Vec::new(),
        }
    }

    /// The same decision with the ties decided by lot that produced it.
    pub fn with_lotteries(mut self, lotteries: Vec<LotteryRecord>) -> Decision {
        self.lotteries = lotteries;
        self
    }

    /// The same decision after `corrections` (applied in order: each `left` gives its
    /// place in `elected` to `entered`), with the tallies derived again.
    ///
    /// # Panics
    /// If a correction's `left` is not elected or its `entered` already is (a programming
    /// error in the rule that made it).
    pub fn corrected(mut self, contest: &Contest, corrections: Vec<Correction>) -> Decision {
        for c in &corrections {
            assert!(
                !self.elected.contains(&c.entered),
                "entered already elected"
            );
            let place = self.elected.iter().position(|&e| e == c.left);
            let place = place.expect("a correction removes an elected candidate");
            self.elected[place] = c.entered;
        }
        let mut corrected = Decision::new(
            contest,
            self.seats,
            self.elected,
            self.outcome,
            self.runoff,
            self.basis,
        );
        corrected.lotteries = self.lotteries;
        corrected.corrections = self.corrections;
        corrected.corrections.extend(corrections);
        corrected
    }

    /// The names of the two candidates of the second round (or of Congress's choice),
    /// most voted first.
    pub fn runoff_names<'c>(&self, contest: &'c Contest) -> Option<[&'c str; 2]> {
        self.runoff
            .map(|pair| pair.map(|i| contest.candidates[i].name.as_str()))
    }

    /// The *cifra repartidora*: the smallest quotient that won a seat, for D'Hondt.
    pub fn cifra_repartidora(&self) -> Option<Quotient> {
        match &self.basis {
            Basis::Quotients {
                divisor: Divisor::DHondt,
                last_quotient,
                ..
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
fn tally_lists(contest: &Contest, elected: &[usize]) -> Vec<ListTally> {
    let mut is_elected = vec![false; contest.candidates.len()];
    for &i in elected {
        is_elected[i] = true;
    }
    let seats_of = |members: &[usize]| members.iter().filter(|&&m| is_elected[m]).count() as u32;
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
