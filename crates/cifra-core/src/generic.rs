//! Generic methods: list proportional representation (with or without pacts) and
//! plurality. Chile's D'Hondt system is the list method with pacts apportioned.

use crate::apportion::{
    highest_averages, largest_remainders, Apportionment, Contender, Divisor, Quota,
};
use crate::contest::{Contest, Group};
use crate::decision::{tally_lists, Basis, Decision, Outcome};
use crate::lottery::Draws;
use crate::system::System;
use std::collections::VecDeque;

/// How seats are shared among lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ListMethod {
    Averages(Divisor),
    Remainders(Quota),
}

impl ListMethod {
    pub(crate) const DHONDT: ListMethod = ListMethod::Averages(Divisor::DHondt);

    /// The list method of a generic proportional system.
    pub(crate) fn of(system: System) -> ListMethod {
        match system {
            System::SainteLague => ListMethod::Averages(Divisor::SainteLague),
            System::Hare => ListMethod::Remainders(Quota::Hare),
            System::Droop => ListMethod::Remainders(Quota::Droop),
            _ => ListMethod::DHONDT,
        }
    }

    fn apportion(
        self,
        contenders: &[Contender],
        seats: u32,
        purpose: &str,
        draws: &mut Draws,
    ) -> Apportionment {
        match self {
            ListMethod::Averages(divisor) => {
                highest_averages(contenders, seats, divisor, purpose, draws)
            }
            ListMethod::Remainders(quota) => {
                largest_remainders(contenders, seats, quota, purpose, draws)
            }
        }
    }

    fn basis(self, apportionment: &Apportionment) -> Basis {
        match self {
            ListMethod::Averages(divisor) => Basis::Quotients {
                divisor,
                last_quotient: apportionment.last_quotient,
            },
            ListMethod::Remainders(quota) => Basis::Remainders {
                quota,
                value: apportionment.quota.unwrap_or(crate::Quotient::new(0, 1)),
            },
        }
    }
}

/// Whether a list's seats are shared again among its parties (Ley 18.700 art. 121).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pacts {
    /// D'Hondt among the parties (and unaffiliated independents) of each list.
    Apportioned,
    /// Each list's most voted candidates take its seats.
    Ignored,
}

/// Shares `seats` among lists, then (with pacts) among each list's parties, then gives
/// each list's or party's seats to its most voted candidates.
pub(crate) fn list_proportional(
    contest: &Contest,
    seats: u32,
    method: ListMethod,
    pacts: Pacts,
    draws: &mut Draws,
) -> Decision {
    let lists = contest.lists();
    let contenders: Vec<Contender> = lists
        .iter()
        .map(|l| capped_contender(l.key.label(), l))
        .collect();
    let among_lists = method.apportion(&contenders, seats, "seats among lists", draws);
    let mut sequences: Vec<VecDeque<usize>> = lists
        .iter()
        .zip(&among_lists.seats)
        .map(|(list, &won)| seat_sequence(contest, list, won, pacts, draws))
        .collect();
    let elected: Vec<usize> = among_lists
        .order
        .iter()
        .filter_map(|&list| sequences[list].pop_front())
        .collect();
    Decision {
        seats,
        outcome: Outcome::Elected,
        runoff: None,
        lists: tally_lists(contest, &elected),
        basis: method.basis(&among_lists),
        unfilled_seats: seats - elected.len() as u32,
        elected,
        lotteries: Vec::new(),
    }
}

/// The candidates who take a list's seats, in the order the list's seats are awarded.
fn seat_sequence(
    contest: &Contest,
    list: &Group<crate::ListKey>,
    won: u32,
    pacts: Pacts,
    draws: &mut Draws,
) -> VecDeque<usize> {
    if won == 0 {
        return VecDeque::new();
    }
    let label = list.key.label();
    if pacts == Pacts::Ignored || !contest.is_pact(list) {
        return most_voted(
            contest,
            &list.members,
            won,
            &format!("candidates of {label}"),
            draws,
        )
        .into();
    }
    let parties = contest.parties(list);
    let contenders: Vec<Contender> = parties
        .iter()
        .map(|p| capped_contender(p.key.label(), p))
        .collect();
    let purpose = format!("seats among the parties of {label}");
    let among_parties = highest_averages(&contenders, won, Divisor::DHondt, &purpose, draws);
    let mut chosen: Vec<VecDeque<usize>> = parties
        .iter()
        .zip(&among_parties.seats)
        .map(|(party, &seats)| {
            let purpose = format!("candidates of {} in {label}", party.key.label());
            most_voted(contest, &party.members, seats, &purpose, draws).into()
        })
        .collect();
    among_parties
        .order
        .iter()
        .filter_map(|&party| chosen[party].pop_front())
        .collect()
}

/// A list or party as a contender: its label, its votes, and at most one seat per
/// candidate.
fn capped_contender<K>(label: String, group: &Group<K>) -> Contender {
    Contender::new(label, group.votes).with_cap(group.members.len() as u32)
}

/// The `seats` most voted of `members`, a tie across the cut drawn by lot.
pub(crate) fn most_voted(
    contest: &Contest,
    members: &[usize],
    seats: u32,
    purpose: &str,
    draws: &mut Draws,
) -> Vec<usize> {
    let candidates = &contest.candidates;
    draws
        .select_top(
            members,
            seats as usize,
            |&a, &b| candidates[a].votes.cmp(&candidates[b].votes),
            |&i| candidates[i].name.clone(),
            purpose,
        )
        .into_iter()
        .map(|k| members[k])
        .collect()
}

/// The `seats` most voted candidates win.
pub(crate) fn plurality(contest: &Contest, seats: u32, draws: &mut Draws) -> Decision {
    let everyone: Vec<usize> = (0..contest.candidates.len()).collect();
    let elected = most_voted(contest, &everyone, seats, "seats by most votes", draws);
    Decision {
        seats,
        outcome: Outcome::Elected,
        runoff: None,
        lists: tally_lists(contest, &elected),
        basis: Basis::Plurality,
        unfilled_seats: seats - elected.len() as u32,
        elected,
        lotteries: Vec::new(),
    }
}
