//! What a system decides for one contest, with the reasons a person needs to check it.

use crate::apportion::{Divisor, Quota};
use crate::contest::{Contest, Group, Level, ListKey, PartyKey};
use crate::lottery::LotteryRecord;
use crate::quotient::Quotient;
use std::collections::HashMap;

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
        /// Municipal and regional councils: equal quotients across the last seat, settled
        /// by the individual votes of the candidates they would seat (no lottery).
        settled: Option<VotesTie>,
    },
    /// Largest remainders among lists.
    Remainders {
        /// The quota's kind.
        quota: Quota,
        /// The quota's value.
        value: Quotient,
    },
}

/// One of two equal quotients across the last seat: the list, its divisor, and the
/// candidate the seat would go to, with their individual votes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TiedSeat {
    /// The list.
    pub list: ListKey,
    /// The quotient's divisor (the list's seat it is: 3 for its third).
    pub divisor: u64,
    /// The candidate the seat would go to.
    pub candidate: String,
    /// Their individual votes.
    pub votes: u64,
}

/// Equal quotients across the last seat, settled by the individual votes of the
/// candidates they would seat (Ley 18.695): the seat goes to the one with more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VotesTie {
    /// The quotient both had.
    pub quotient: Quotient,
    /// The quotient that took the seat.
    pub won: TiedSeat,
    /// The quotient left without it.
    pub lost: TiedSeat,
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
    /// independent's) votes and seats. Under systems that share a list's seats among its
    /// sub-pacts (municipal and regional councils), the groups that shared them: each
    /// sub-pact, each party outside sub-pacts and each independent outside a sub-pact.
    /// Empty for any other list.
    pub parties: Vec<PartyTally>,
}

/// A party's (or sub-pact's, or independent's) votes and seats inside its list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartyTally {
    /// The party or sub-pact, or an independent associated with none.
    pub key: PartyKey,
    /// What the group is: [`Level::Subpact`] for a sub-pact, [`Level::Party`] for a party
    /// (or, with a [`PartyKey::Alone`] key, an independent).
    pub level: Level,
    /// The sum of its candidates' votes.
    pub votes: u64,
    /// Seats it won.
    pub seats: u32,
}

/// Why a correction was applied after apportionment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CorrectionRule {
    /// Gender parity in a district (the Convention, Ley 21.200 and 21.216): the least voted
    /// elected member of the over-represented sex gives way to the most voted candidate of
    /// the other sex of the same party or list.
    GenderParity,
    /// Gender parity among the peoples electing one reserved seat each (the Convention,
    /// Ley 21.298): the elected candidate of the over-represented sex with the fewest votes
    /// per registered voter of their people gives way to their own alternate.
    IndigenousParity,
}

impl CorrectionRule {
    /// The rule's id in outputs: `gender-parity` or `indigenous-parity`.
    pub fn id(self) -> &'static str {
        match self {
            CorrectionRule::GenderParity => "gender-parity",
            CorrectionRule::IndigenousParity => "indigenous-parity",
        }
    }
}

/// Where the candidate who entered through a correction came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pool {
    /// The most voted candidate of the other sex of the same party.
    Party(String),
    /// The most voted candidate of the other sex of the same list, for an independent
    /// associated with no party (as on a list of independents).
    List(ListKey),
    /// The most voted candidate of the other sex of the same list, because the party had
    /// no such candidate left.
    ListPastParty(ListKey),
    /// The candidate's own alternate ([`Candidate::alternate`](crate::Candidate)): the
    /// candidacy keeps the seat, its alternate holds it.
    Alternate,
}

/// A change made to the elected after apportionment (such as a parity swap): who left,
/// who entered, the rule, and the figure that ranked the one who left. The seat stays
/// with the same list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Correction {
    /// The rule applied.
    pub rule: CorrectionRule,
    /// The candidate who left the elected (index into [`Contest::candidates`]).
    pub left: usize,
    /// The candidate who took the seat; with [`Pool::Alternate`], `left` itself, whose
    /// alternate holds the seat.
    pub entered: usize,
    /// Where `entered` came from.
    pub pool: Pool,
    /// What ranked `left` as the one to leave: their votes (÷ 1) in a district; their
    /// votes ÷ the voters registered for their people among the reserved seats.
    pub ranked_by: Quotient,
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
            lists: tally_lists(contest, &elected, |list| {
                contest.is_pact(list).then_some(Level::Party)
            }),
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
    /// place in `elected` to `entered`; with [`Pool::Alternate`] the candidacy keeps its
    /// place and its alternate's name takes it in `elected_names`), with the tallies
    /// derived again.
    ///
    /// # Panics
    /// If a correction's `left` is not elected or its `entered` already is, or an
    /// alternate enters for a candidate who has none (a programming error in the rule that
    /// made it).
    pub fn corrected(mut self, contest: &Contest, corrections: Vec<Correction>) -> Decision {
        for c in &corrections {
            let place = self.elected.iter().position(|&e| e == c.left);
            let place = place.expect("a correction removes an elected candidate");
            if c.pool == Pool::Alternate {
                assert_eq!(c.entered, c.left, "an alternate enters for their candidate");
                continue;
            }
            assert!(
                !self.elected.contains(&c.entered),
                "entered already elected"
            );
            self.elected[place] = c.entered;
        }
        // The tallies keep the groups they had: sub-pacts where there were any.
        let levels: HashMap<ListKey, Level> = self
            .lists
            .iter()
            .filter_map(|l| {
                let first = l.parties.first()?;
                let subpacts = l.parties.iter().any(|p| p.level == Level::Subpact);
                let level = if subpacts {
                    Level::SubpactOrParty
                } else {
                    first.level
                };
                Some((l.key.clone(), level))
            })
            .collect();
        let mut corrected = Decision::new(
            contest,
            self.seats,
            self.elected,
            self.outcome,
            self.runoff,
            self.basis,
        )
        .with_groups(contest, |list| levels.get(&list.key).copied());
        corrected.lotteries = self.lotteries;
        corrected.corrections = self.corrections;
        corrected.corrections.extend(corrections);
        for (place, &i) in corrected.elected.iter().enumerate() {
            if corrected.seated_by_alternate(i) {
                let alternate = contest.candidates[i].alternate.clone();
                corrected.elected_names[place] =
                    alternate.expect("an alternate enters for a candidate who has one");
            }
        }
        corrected
    }

    /// Whether the seat the candidate at `index` won is held by their alternate (a
    /// correction with [`Pool::Alternate`]).
    pub fn seated_by_alternate(&self, index: usize) -> bool {
        self.corrections
            .iter()
            .any(|c| c.pool == Pool::Alternate && c.left == index)
    }

    /// Whether the candidate at `index` holds a seat in person: elected, and not replaced
    /// by their alternate.
    pub fn holds_seat(&self, index: usize) -> bool {
        self.is_elected(index) && !self.seated_by_alternate(index)
    }

    /// The same decision with each list's group tallies ([`ListTally::parties`]) taken
    /// at the level `level_of` gives for it (none for a list whose seats were not shared).
    pub fn with_groups(
        mut self,
        contest: &Contest,
        level_of: impl Fn(&Group<ListKey>) -> Option<Level>,
    ) -> Decision {
        self.lists = tally_lists(contest, &self.elected, level_of);
        self
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

/// Every list's votes and the seats its elected candidates won; inside the lists
/// `level_of` gives a level for, the same per group at that level.
fn tally_lists(
    contest: &Contest,
    elected: &[usize],
    level_of: impl Fn(&Group<ListKey>) -> Option<Level>,
) -> Vec<ListTally> {
    let mut is_elected = vec![false; contest.candidates.len()];
    for &i in elected {
        is_elected[i] = true;
    }
    let seats_of = |members: &[usize]| members.iter().filter(|&&m| is_elected[m]).count() as u32;
    contest
        .lists()
        .into_iter()
        .map(|list| {
            let parties = match level_of(&list) {
                Some(level) => contest
                    .groups_at(&list.members, level)
                    .into_iter()
                    .map(|p| {
                        let in_subpact = contest.candidates[p.members[0]].subpact().is_some();
                        PartyTally {
                            seats: seats_of(&p.members),
                            level: match level {
                                Level::Subpact => Level::Subpact,
                                Level::SubpactOrParty if in_subpact => Level::Subpact,
                                _ => Level::Party,
                            },
                            key: p.key,
                            votes: p.votes,
                        }
                    })
                    .collect(),
                None => Vec::new(),
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
