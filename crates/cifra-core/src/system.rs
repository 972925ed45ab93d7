//! Electoral systems as values: each has an id, a rule for its seats, and decides a
//! contest.

use crate::apportion::{Divisor, Quota};
use crate::contest::{Contest, ListKey};
use crate::decision::CorrectionRule;
use crate::decision::{Decision, Outcome};
use crate::generic::{ListMethod, Pacts, Sharing, Ties};
use crate::lottery::{Draws, Lottery};
use crate::{chile, generic, parity};
use std::fmt;
use std::str::FromStr;

/// An electoral system: one of Chile's, or a generic method for comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum System {
    /// President, 1980 Constitution (art. 26): absolute majority or a runoff of the top two.
    ClPresidential,
    /// President, 1925 Constitution (art. 64): absolute majority or Congress chooses
    /// between the top two.
    ClPresidential1925,
    /// Congress 1989–2013, Ley 18.799: two seats, *doblaje* or the top two lists.
    ClBinomial,
    /// Congress since 2017, Ley 20.840: D'Hondt among lists, then among the parties of
    /// each pact, then the most voted candidates of each party.
    ClDhondt,
    /// Mayor, Ley 18.695 since 2004: the most voted candidate.
    ClMayor,
    /// Municipal councillors (*concejales*), Ley 18.695: D'Hondt among lists (an
    /// independent outside any list is a list of their own); inside a pact, D'Hondt among
    /// its sub-pacts, its parties outside sub-pacts and each independent outside a
    /// sub-pact; then the most voted of each. Equal quotients go to the candidate with more
    /// individual votes, then to lot.
    ClCouncil,
    /// Regional councillors (*consejeros regionales*), Ley 19.175 as amended by Ley 20.678,
    /// per circunscripción provincial: as [`System::ClCouncil`], but the sharing among
    /// sub-pacts, parties and each independent applies in every list, a party's own list
    /// with independents on it included.
    ClRegionalCouncil,
    /// The Constitutional Convention's 138 district seats, 2021 (Ley 21.200, Ley 21.216):
    /// the deputies' D'Hondt with pacts (lists of independents allowed), then the
    /// gender-parity correction in each district.
    ClConvention2021,
    /// The Convention's seats reserved for Indigenous peoples, 2021 (Ley 21.298): the most
    /// voted of each people, then parity among the peoples electing one seat each, by
    /// their own alternates. The correction spans the peoples: decide them together with
    /// [`System::decide_all`] ([`System::decide`] gives one people's result alone).
    ClConvention2021Indigenous,
    /// D'Hondt among lists, then the most voted candidates of each list.
    Dhondt,
    /// Sainte-Laguë among lists, then the most voted candidates of each list.
    SainteLague,
    /// Largest remainders with the Hare quota among lists.
    Hare,
    /// Largest remainders with the Droop quota among lists.
    Droop,
    /// The most voted candidates win.
    Plurality,
    /// Absolute majority, or a runoff of the top two.
    TwoRound,
}

/// How a system gets its number of seats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeatsRule {
    /// A single office: no seats are given.
    SingleOffice,
    /// Exactly this many seats; the default when none are given.
    Exactly(u32),
    /// Any number, this one when none are given.
    DefaultsTo(u32),
    /// Any number; it must be given.
    Required,
}

/// Why a system cannot decide a contest.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SystemError {
    /// The system elects one person and takes no seats.
    #[error("{system} elects a single office and takes no number of seats")]
    SeatsNotAllowed {
        /// The system.
        system: System,
    },
    /// The system needs a number of seats and none was given.
    #[error("{system} needs the number of seats")]
    SeatsRequired {
        /// The system.
        system: System,
    },
    /// The system elects a fixed number of seats and another was given.
    #[error(
        "{system} elects exactly {expected} seat{} per contest, not {given}",
        if *expected == 1 { "" } else { "s" }
    )]
    WrongSeats {
        /// The system.
        system: System,
        /// What it elects.
        expected: u32,
        /// What was given.
        given: u32,
    },
    /// Zero seats.
    #[error("seats must be at least 1, not 0")]
    ZeroSeats,
    /// No candidate at all.
    #[error("the contest has no candidates")]
    NoCandidates,
    /// A single office with no valid votes: nobody can be elected or go to a runoff.
    #[error("the contest has no valid votes")]
    NoValidVotes,
    /// A parity correction needs every candidate's sex.
    #[error("candidate \"{candidate}\" has no sex (F or M); the parity correction needs every candidate's")]
    SexRequired {
        /// The first candidate (by name) without one.
        candidate: String,
    },
    /// The parity correction among peoples ranks by votes ÷ registered voters.
    #[error("the voters registered for this people are needed: the parity correction among peoples ranks by votes ÷ registered")]
    RegisteredRequired,
    /// A binomial list with more than two candidates.
    #[error("{} presents {count} candidates; the binomial system allows at most 2", list.label())]
    ListTooLarge {
        /// The list.
        list: ListKey,
        /// Its candidates.
        count: usize,
    },
}

/// How a system decides: the rule behind each id. [`System::rule`] is an exhaustive
/// match, so a new system cannot fall back to another's rule silently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    /// A single office: absolute majority, or this outcome between the top two.
    MajorityOr(Outcome),
    /// Two seats: doblaje or the top two lists.
    Binomial,
    /// Seats among lists by this method, then (or not) among the groups inside them.
    Lists(ListMethod, Sharing),
    /// The same, then the gender-parity correction in each district.
    ListsThenParity(ListMethod, Sharing),
    /// The most voted of each people, then parity among the single-seat peoples.
    PluralityThenParityAmongPeoples,
    /// The most voted candidates.
    Plurality,
}

impl System {
    /// Every system, Chile's first.
    pub const ALL: [System; 15] = [
        System::ClPresidential,
        System::ClPresidential1925,
        System::ClBinomial,
        System::ClDhondt,
        System::ClMayor,
        System::ClCouncil,
        System::ClRegionalCouncil,
        System::ClConvention2021,
        System::ClConvention2021Indigenous,
        System::Dhondt,
        System::SainteLague,
        System::Hare,
        System::Droop,
        System::Plurality,
        System::TwoRound,
    ];

    /// The system's id, as `--system` takes it.
    pub fn id(self) -> &'static str {
        match self {
            System::ClPresidential => "cl-presidential",
            System::ClPresidential1925 => "cl-presidential-1925",
            System::ClBinomial => "cl-binomial",
            System::ClDhondt => "cl-dhondt",
            System::ClMayor => "cl-mayor",
            System::ClCouncil => "cl-council",
            System::ClRegionalCouncil => "cl-regional-council",
            System::ClConvention2021 => "cl-convention-2021",
            System::ClConvention2021Indigenous => "cl-convention-2021-indigenous",
            System::Dhondt => "dhondt",
            System::SainteLague => "sainte-lague",
            System::Hare => "hare",
            System::Droop => "droop",
            System::Plurality => "plurality",
            System::TwoRound => "two-round",
        }
    }

    /// What the system decides, in one line, with the law it comes from.
    pub fn summary(self) -> &'static str {
        match self {
            System::ClPresidential => "President since 1989 (1980 Constitution, art. 26): absolute majority of valid votes, or a runoff of the top two",
            System::ClPresidential1925 => "President 1932-1970 (1925 Constitution, art. 64): absolute majority, or Congress chooses between the top two",
            System::ClBinomial => "Congress 1989-2013 (Ley 18.799): 2 seats; doblaje gives both to the first list, else one each to the top two lists",
            System::ClDhondt => "Congress since 2017 (Ley 20.840): D'Hondt among lists, then among the parties of each pact, then most voted candidates",
            System::ClMayor => "Mayor since 2004 (Ley 18.695): the most voted candidate",
            System::ClCouncil => "Municipal councils (Ley 18.695): D'Hondt among lists, then in a pact among sub-pacts, parties and independents outside them, then most voted; ties to more individual votes",
            System::ClRegionalCouncil => "Regional councils (Ley 19.175 as amended by Ley 20.678): cl-council per circunscripción provincial, sharing in every list",
            System::ClConvention2021 => "Constitutional Convention 2021, district seats (Ley 21.200, Ley 21.216): the deputies' D'Hondt with pacts, then gender parity in each district",
            System::ClConvention2021Indigenous => "Convention 2021, reserved seats (Ley 21.298): the most voted of each people, then parity among the single-seat peoples by votes / registered, through alternates",
            System::Dhondt => "D'Hondt among lists, then each list's most voted candidates",
            System::SainteLague => "Sainte-Laguë among lists, then each list's most voted candidates",
            System::Hare => "Largest remainders with the Hare quota among lists",
            System::Droop => "Largest remainders with the Droop quota among lists",
            System::Plurality => "The N most voted candidates win",
            System::TwoRound => "Absolute majority of valid votes, or a runoff of the top two",
        }
    }

    fn rule(self) -> Rule {
        let dhondt = ListMethod::Averages(Divisor::DHondt);
        let by_lot = |pacts| Sharing {
            pacts,
            ties: Ties::Lot,
        };
        let plain = by_lot(Pacts::Ignored);
        match self {
            System::ClPresidential | System::TwoRound => Rule::MajorityOr(Outcome::Runoff),
            System::ClPresidential1925 => Rule::MajorityOr(Outcome::Congress),
            System::ClBinomial => Rule::Binomial,
            System::ClDhondt => Rule::Lists(dhondt, by_lot(Pacts::Apportioned)),
            System::ClCouncil => Rule::Lists(
                dhondt,
                Sharing {
                    pacts: Pacts::Subpacts,
                    ties: Ties::IndividualVotes,
                },
            ),
            System::ClRegionalCouncil => Rule::Lists(
                dhondt,
                Sharing {
                    pacts: Pacts::SubpactsInEveryList,
                    ties: Ties::IndividualVotes,
                },
            ),
            System::ClConvention2021 => Rule::ListsThenParity(dhondt, by_lot(Pacts::Apportioned)),
            System::ClConvention2021Indigenous => Rule::PluralityThenParityAmongPeoples,
            System::Dhondt => Rule::Lists(dhondt, plain),
            System::SainteLague => Rule::Lists(ListMethod::Averages(Divisor::SainteLague), plain),
            System::Hare => Rule::Lists(ListMethod::Remainders(Quota::Hare), plain),
            System::Droop => Rule::Lists(ListMethod::Remainders(Quota::Droop), plain),
            System::ClMayor | System::Plurality => Rule::Plurality,
        }
    }

    /// Whether the system shares seats among the parties of each pact (`cl-dhondt`,
    /// `cl-convention-2021`).
    pub fn apportions_pacts(self) -> bool {
        matches!(
            self.rule(),
            Rule::Lists(_, s) | Rule::ListsThenParity(_, s) if s.pacts == Pacts::Apportioned
        )
    }

    /// The correction the system makes after apportionment, if any.
    pub fn correction(self) -> Option<CorrectionRule> {
        match self.rule() {
            Rule::ListsThenParity(..) => Some(CorrectionRule::GenderParity),
            Rule::PluralityThenParityAmongPeoples => Some(CorrectionRule::IndigenousParity),
            Rule::MajorityOr(_) | Rule::Binomial | Rule::Lists(..) | Rule::Plurality => None,
        }
    }

    /// Whether the decision of one contest may depend on the others: true only for a
    /// system whose corrections span contests (`cl-convention-2021-indigenous`, parity
    /// among the peoples), which must be decided with [`System::decide_all`]; every other
    /// system decides each contest alone (with [`System::decide_with`]), in any order.
    pub fn spans_contests(self) -> bool {
        match self {
            System::ClConvention2021Indigenous => true,
            System::ClPresidential
            | System::ClPresidential1925
            | System::ClBinomial
            | System::ClDhondt
            | System::ClMayor
            | System::ClCouncil
            | System::ClRegionalCouncil
            | System::ClConvention2021
            | System::Dhondt
            | System::SainteLague
            | System::Hare
            | System::Droop
            | System::Plurality
            | System::TwoRound => false,
        }
    }

    /// Whether the system shares a pact's seats among its sub-pacts, its parties outside
    /// sub-pacts and each independent outside a sub-pact (`cl-council`), and in which
    /// lists: `Some(false)` in pacts only, `Some(true)` in every list, `None` if it does
    /// not.
    pub fn apportions_subpacts(self) -> Option<bool> {
        match self.rule() {
            Rule::Lists(_, s) => match s.pacts {
                Pacts::Subpacts => Some(false),
                Pacts::SubpactsInEveryList => Some(true),
                Pacts::Apportioned | Pacts::Ignored => None,
            },
            _ => None,
        }
    }

    /// Whether equal quotients go first to the candidate with more individual votes, and
    /// only then to lot (municipal and regional councils, Ley 18.695).
    pub fn ties_by_individual_votes(self) -> bool {
        matches!(self.rule(), Rule::Lists(_, s) if s.ties == Ties::IndividualVotes)
    }

    /// How the system gets its seats.
    pub fn seats_rule(self) -> SeatsRule {
        match self {
            System::ClPresidential | System::ClPresidential1925 | System::TwoRound => {
                SeatsRule::SingleOffice
            }
            System::ClBinomial => SeatsRule::Exactly(2),
            System::ClMayor => SeatsRule::Exactly(1),
            System::Plurality => SeatsRule::DefaultsTo(1),
            System::ClDhondt
            | System::ClCouncil
            | System::ClRegionalCouncil
            | System::ClConvention2021
            | System::ClConvention2021Indigenous
            | System::Dhondt
            | System::SainteLague
            | System::Hare
            | System::Droop => SeatsRule::Required,
        }
    }

    /// The number of seats at stake, from what the user gave and the system's rule.
    pub fn resolve_seats(self, given: Option<u32>) -> Result<u32, SystemError> {
        if given == Some(0) {
            return Err(SystemError::ZeroSeats);
        }
        match (self.seats_rule(), given) {
            (SeatsRule::SingleOffice, None) => Ok(1),
            (SeatsRule::SingleOffice, Some(_)) => {
                Err(SystemError::SeatsNotAllowed { system: self })
            }
            (SeatsRule::Exactly(n), None) => Ok(n),
            (SeatsRule::Exactly(n), Some(given)) if given == n => Ok(n),
            (SeatsRule::Exactly(expected), Some(given)) => Err(SystemError::WrongSeats {
                system: self,
                expected,
                given,
            }),
            (SeatsRule::DefaultsTo(n), given) => Ok(given.unwrap_or(n)),
            (SeatsRule::Required, Some(given)) => Ok(given),
            (SeatsRule::Required, None) => Err(SystemError::SeatsRequired { system: self }),
        }
    }

    /// Decides `contest` with `seats` (as the user gave them; see [`System::seats_rule`]),
    /// drawing ties from `lottery`.
    ///
    /// ```
    /// use cifra_core::{Candidate, Contest, Lottery, Outcome, System};
    ///
    /// // 1999: Lagos 47.96 %, Lavín 47.51 %: no absolute majority.
    /// let contest = Contest::new("CHILE", vec![
    ///     Candidate::new("Lagos", 3_383_334),
    ///     Candidate::new("Lavín", 3_352_199),
    ///     Candidate::new("Others", 318_463),
    /// ]);
    /// let decision = System::ClPresidential.decide(&contest, None, &Lottery::default()).unwrap();
    /// assert_eq!(decision.outcome, Outcome::Runoff);
    /// assert_eq!(decision.runoff, Some([0, 1]));
    /// ```
    pub fn decide(
        self,
        contest: &Contest,
        seats: Option<u32>,
        lottery: &Lottery,
    ) -> Result<Decision, SystemError> {
        self.decide_with(contest, seats, lottery, Corrections::Apply)
    }

    /// [`System::decide`], with or without the corrections the system makes after
    /// apportionment (for "what did parity change?"). Without them, the inputs the
    /// corrections need (each candidate's sex) are still required, so that the same input
    /// is valid or invalid either way.
    pub fn decide_with(
        self,
        contest: &Contest,
        seats: Option<u32>,
        lottery: &Lottery,
        corrections: Corrections,
    ) -> Result<Decision, SystemError> {
        let seats = self.resolve_seats(seats)?;
        if contest.candidates.is_empty() {
            return Err(SystemError::NoCandidates);
        }
        let mut draws = Draws::new(lottery, &contest.district);
        let decision = match self.rule() {
            Rule::MajorityOr(outcome) => chile::majority_or_runoff(contest, outcome, &mut draws)?,
            Rule::Binomial => chile::binomial(contest, &mut draws)?,
            Rule::Lists(method, sharing) => {
                generic::list_proportional(contest, seats, method, sharing, &mut draws)
            }
            Rule::ListsThenParity(method, sharing) => {
                parity::sexes(contest)?;
                let decision =
                    generic::list_proportional(contest, seats, method, sharing, &mut draws);
                match corrections {
                    Corrections::Apply => {
                        let swaps = parity::district(contest, &decision, &mut draws)?;
                        decision.corrected(contest, swaps)
                    }
                    Corrections::Omit => decision,
                }
            }
            Rule::PluralityThenParityAmongPeoples => {
                parity::sexes(contest)?;
                generic::plurality(contest, seats, &mut draws)
            }
            Rule::Plurality => generic::plurality(contest, seats, &mut draws),
        };
        Ok(decision.with_lotteries(draws.into_records()))
    }

    /// Decides `ballots` together: each as [`System::decide_with`] does, then, for a
    /// system whose correction spans contests (`cl-convention-2021-indigenous`: parity
    /// among the peoples electing one seat each), that correction. The first error names
    /// its contest.
    pub fn decide_all(
        self,
        ballots: &[Ballot<'_>],
        lottery: &Lottery,
        corrections: Corrections,
    ) -> Result<Vec<Decision>, BallotError> {
        let failed = |ballot: &Ballot<'_>, source| BallotError {
            district: ballot.contest.district.clone(),
            source,
        };
        let mut decisions = ballots
            .iter()
            .map(|b| {
                self.decide_with(b.contest, b.seats, lottery, corrections)
                    .map_err(|e| failed(b, e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let across = matches!(self.rule(), Rule::PluralityThenParityAmongPeoples);
        if !across || corrections == Corrections::Omit {
            return Ok(decisions);
        }
        let single: Vec<usize> = (0..ballots.len())
            .filter(|&k| decisions[k].seats == 1)
            .collect();
        if single.len() < 2 {
            return Ok(decisions);
        }
        let mut peoples = Vec::with_capacity(single.len());
        for &k in &single {
            let registered = ballots[k]
                .registered
                .ok_or_else(|| failed(&ballots[k], SystemError::RegisteredRequired))?;
            peoples.push(parity::People {
                contest: ballots[k].contest,
                decision: decisions[k].clone(),
                registered,
            });
        }
        // A draw among peoples belongs to no one contest: its tickets have an empty
        // district, and it is reported in the decision of every people it concerned.
        let mut draws = Draws::new(lottery, "");
        parity::among_peoples(&mut peoples, &mut draws);
        let records = draws.into_records();
        for (people, &k) in peoples.into_iter().zip(&single) {
            let district = &ballots[k].contest.district;
            let mut decision = people.decision;
            decision.lotteries.extend(
                records
                    .iter()
                    .filter(|r| r.tickets.iter().any(|t| &t.item.name == district))
                    .cloned(),
            );
            decisions[k] = decision;
        }
        Ok(decisions)
    }
}

/// Whether a decision includes the corrections its system makes after apportionment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Corrections {
    /// The law's result: corrections applied.
    Apply,
    /// The apportionment alone, before any correction ("what did parity change?").
    Omit,
}

/// One contest to decide with others ([`System::decide_all`]): its votes, its seats as the
/// user gave them, and the voters registered there (which the parity among peoples ranks
/// by).
#[derive(Clone, Copy, Debug)]
pub struct Ballot<'a> {
    /// The contest.
    pub contest: &'a Contest,
    /// Its seats, as given (see [`System::seats_rule`]).
    pub seats: Option<u32>,
    /// The voters registered there, if known.
    pub registered: Option<u64>,
}

/// Why [`System::decide_all`] could not decide a contest.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("district \"{district}\": {source}")]
pub struct BallotError {
    /// The contest.
    pub district: String,
    /// What is wrong.
    pub source: SystemError,
}

impl fmt::Display for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// An id that names no system.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown system {given:?}; the systems are: {}", System::ALL.map(System::id).join(", "))]
pub struct UnknownSystem {
    /// What was given.
    pub given: String,
}

impl FromStr for System {
    type Err = UnknownSystem;

    fn from_str(id: &str) -> Result<Self, Self::Err> {
        System::ALL
            .into_iter()
            .find(|s| s.id() == id)
            .ok_or_else(|| UnknownSystem {
                given: id.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_parity_among_peoples_spans_contests() {
        for system in System::ALL {
            let across = matches!(system.rule(), Rule::PluralityThenParityAmongPeoples);
            assert_eq!(system.spans_contests(), across, "{system}");
        }
    }

    #[test]
    fn ids_round_trip() {
        for system in System::ALL {
            assert_eq!(system.id().parse::<System>(), Ok(system));
        }
        let err = "cl-dhont".parse::<System>().unwrap_err().to_string();
        assert!(err.contains("cl-dhondt"), "{err}");
    }

    #[test]
    fn seats_rules() {
        assert_eq!(System::ClBinomial.resolve_seats(None), Ok(2));
        assert!(System::ClBinomial.resolve_seats(Some(3)).is_err());
        assert!(System::ClPresidential.resolve_seats(Some(1)).is_err());
        assert_eq!(System::Plurality.resolve_seats(Some(3)), Ok(3));
        assert_eq!(
            System::Dhondt.resolve_seats(Some(0)),
            Err(SystemError::ZeroSeats)
        );
        assert!(System::Dhondt.resolve_seats(None).is_err());
    }
}
