//! Generic methods: list proportional representation (with or without pacts) and
//! plurality. Chile's D'Hondt system is the list method with pacts apportioned.

use crate::apportion::{
    highest_averages, largest_remainders, Apportionment, Contender, Divisor, Quota,
};
use crate::contest::{Contest, Group, Level, ListKey, PartyKey};
use crate::decision::{Basis, Decision, Outcome};
use crate::lottery::{DrawItem, Draws, Occasion, Purpose};
use crate::quotient::Quotient;
use std::collections::VecDeque;

/// How seats are shared among lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ListMethod {
    Averages(Divisor),
    Remainders(Quota),
}

impl ListMethod {
    fn apportion(
        self,
        contenders: &[Contender],
        seats: u32,
        occasion: &Occasion,
        draws: &mut Draws,
    ) -> Apportionment {
        match self {
            ListMethod::Averages(divisor) => {
                highest_averages(contenders, seats, divisor, occasion, draws)
            }
            ListMethod::Remainders(quota) => {
                largest_remainders(contenders, seats, quota, occasion, draws)
            }
        }
    }

    fn basis(self, apportionment: &Apportionment, capped: Vec<ListKey>) -> Basis {
        match self {
            ListMethod::Averages(divisor) => Basis::Quotients {
                divisor,
                last_quotient: apportionment.last_quotient,
                capped,
            },
            ListMethod::Remainders(quota) => Basis::Remainders {
                quota,
                value: apportionment.quota.unwrap_or(Quotient::new(0, 1)),
            },
        }
    }
}

/// Which levels below the list share a list's seats again, in order (Ley 18.700 art.
/// 121: for deputies and senators, the parties of a pact).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pacts {
    /// D'Hondt among the parties (and unaffiliated independents) of each pact.
    Apportioned,
    /// Each list's most voted candidates take its seats.
    Ignored,
}

impl Pacts {
    fn levels(self) -> &'static [Level] {
        match self {
            Pacts::Apportioned => &[Level::Party],
            Pacts::Ignored => &[],
        }
    }
}

/// Shares `seats` among lists, then (with pacts) among each pact's parties, then gives
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
        .map(|l| capped_contender(l.key.name(), l.key.label(), l))
        .collect();
    let occasion = Occasion::contest(Purpose::ListSeats);
    let among_lists = method.apportion(&contenders, seats, &occasion, draws);
    let mut sequences: Vec<VecDeque<usize>> = lists
        .iter()
        .zip(&among_lists.seats)
        .map(|(list, &won)| {
            let scope =
                Occasion::inside(Purpose::ListCandidates, list.key.name(), list.key.label());
            fill(contest, &list.members, won, pacts.levels(), &scope, draws)
        })
        .collect();
    let elected: Vec<usize> = among_lists
        .order
        .iter()
        .filter_map(|&list| sequences[list].pop_front())
        .collect();
    let capped = capped_lists(&lists, &among_lists, method);
    Decision::new(
        contest,
        seats,
        elected,
        Outcome::Elected,
        None,
        method.basis(&among_lists, capped),
    )
}

/// The lists whose cap bound: they hold one seat per candidate and their next quotient
/// is at or above the last winning one.
fn capped_lists(
    lists: &[Group<ListKey>],
    apportionment: &Apportionment,
    method: ListMethod,
) -> Vec<ListKey> {
    let (ListMethod::Averages(divisor), Some(last)) = (method, apportionment.last_quotient) else {
        return Vec::new();
    };
    lists
        .iter()
        .zip(&apportionment.seats)
        .filter(|(list, &won)| {
            won as usize == list.members.len()
                && list.votes > 0
                && Quotient::new(list.votes, divisor.nth(won as u64)) >= last
        })
        .map(|(list, _)| list.key.clone())
        .collect()
}

/// The candidates who take a group's `won` seats, in the order its seats are awarded.
/// With levels left below (`levels`), and where the group's members carry two or more
/// names at the next level, its seats are shared again by D'Hondt among those sub-groups
/// (capped by candidates), and so on down; otherwise its most voted take them.
/// `candidates` is the draw for the group's own candidates (purpose and scope).
fn fill(
    contest: &Contest,
    members: &[usize],
    won: u32,
    levels: &[Level],
    candidates: &Occasion,
    draws: &mut Draws,
) -> VecDeque<usize> {
    if won == 0 {
        return VecDeque::new();
    }
    let Some((&level, below)) = levels
        .split_first()
        .filter(|(&level, _)| contest.splits_at(members, level))
    else {
        return most_voted(contest, members, won, candidates, draws).into();
    };
    let groups = contest.groups_at(members, level);
    let contenders: Vec<Contender> = groups
        .iter()
        .map(|g| capped_contender(g.key.name(), g.key.label(), g))
        .collect();
    let among = Occasion::inside(
        Purpose::PartySeats,
        candidates.scope.name.clone(),
        candidates.scope.label.clone(),
    );
    let shared = highest_averages(&contenders, won, Divisor::DHondt, &among, draws);
    let mut chosen: Vec<VecDeque<usize>> = groups
        .iter()
        .zip(&shared.seats)
        .map(|(group, &seats)| {
            let occasion = group_candidates(&group.key, candidates);
            fill(contest, &group.members, seats, below, &occasion, draws)
        })
        .collect();
    let mut sequence: VecDeque<usize> = shared
        .order
        .iter()
        .filter_map(|&g| chosen[g].pop_front())
        .collect();
    // The group's voters won these seats: a seat its sub-groups with votes cannot take
    // (each at its cap) goes to its most voted remaining candidates, even of a sub-group
    // nobody voted for, rather than be lost.
    if shared.unfilled > 0 {
        let rest: Vec<usize> = members
            .iter()
            .copied()
            .filter(|m| !sequence.contains(m))
            .collect();
        sequence.extend(most_voted(
            contest,
            &rest,
            shared.unfilled,
            candidates,
            draws,
        ));
    }
    sequence
}

/// The draw among a sub-group's candidates: scoped to the sub-group, read by people as
/// "the group in the list".
fn group_candidates(key: &PartyKey, parent: &Occasion) -> Occasion {
    Occasion::inside(
        Purpose::PartyCandidates,
        key.name(),
        format!("{} in {}", key.label(), parent.scope.label),
    )
}

/// A list or party as a contender: its bare name and label, its votes, and at most one
/// seat per candidate.
fn capped_contender<K>(name: &str, label: String, group: &Group<K>) -> Contender {
    Contender::new(name, group.votes)
        .labelled(label)
        .with_cap(group.members.len() as u32)
}

/// The `seats` most voted of `members`, a tie across the cut drawn by lot.
pub(crate) fn most_voted(
    contest: &Contest,
    members: &[usize],
    seats: u32,
    occasion: &Occasion,
    draws: &mut Draws,
) -> Vec<usize> {
    let candidates = &contest.candidates;
    draws
        .select_top(
            members,
            seats as usize,
            |&a, &b| candidates[a].votes.cmp(&candidates[b].votes),
            |&i| DrawItem::named(candidates[i].name.clone(), candidates[i].name.clone()),
            occasion,
        )
        .into_iter()
        .map(|k| members[k])
        .collect()
}

/// The `seats` most voted candidates win.
pub(crate) fn plurality(contest: &Contest, seats: u32, draws: &mut Draws) -> Decision {
    let everyone: Vec<usize> = (0..contest.candidates.len()).collect();
    let occasion = Occasion::contest(Purpose::Plurality);
    let elected = most_voted(contest, &everyone, seats, &occasion, draws);
    Decision::new(
        contest,
        seats,
        elected,
        Outcome::Elected,
        None,
        Basis::Plurality,
    )
}
