//! Generic methods: list proportional representation (with or without pacts, sub-pacts,
//! and the municipal tie rule) and plurality. Chile's D'Hondt systems are the list method
//! with pacts (Congress) or sub-pacts (councils) apportioned.

use crate::apportion::{
    highest_averages, highest_averages_by, largest_remainders, Apportionment, Contender, Divisor,
    Quota,
};
use crate::contest::{Contest, Group, Level, ListKey, PartyKey};
use crate::decision::{Basis, Decision, Outcome, TiedSeat, VotesTie};
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
    fn basis(
        self,
        apportionment: &Apportionment,
        capped: Vec<ListKey>,
        settled: Option<VotesTie>,
    ) -> Basis {
        match self {
            ListMethod::Averages(divisor) => Basis::Quotients {
                divisor,
                last_quotient: apportionment.last_quotient,
                capped,
                settled,
            },
            ListMethod::Remainders(quota) => Basis::Remainders {
                quota,
                value: apportionment.quota.unwrap_or(Quotient::new(0, 1)),
            },
        }
    }
}

/// Which groups inside a list share its seats again, and in which lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pacts {
    /// Deputies and senators (Ley 18.700 art. 121): inside a pact (candidates of two or
    /// more parties), D'Hondt among its parties and each unaffiliated independent.
    Apportioned,
    /// Municipal councils (Ley 18.695): inside a pact (candidates of two or more parties,
    /// or a sub-pact), D'Hondt among its sub-pacts, its parties outside sub-pacts and each
    /// independent outside a sub-pact; a party's own list elects its most voted.
    Subpacts,
    /// Regional councils (Ley 19.175): the same sharing in every list, a party's own list
    /// with independents on it included.
    SubpactsInEveryList,
    /// Each list's most voted candidates take its seats.
    Ignored,
}

impl Pacts {
    /// The levels below the list at which seats are shared again, in order.
    fn levels(self) -> &'static [Level] {
        match self {
            Pacts::Apportioned => &[Level::Party],
            Pacts::Subpacts | Pacts::SubpactsInEveryList => &[Level::SubpactOrParty],
            Pacts::Ignored => &[],
        }
    }

    /// Whether `members` (a list, or a group inside one) share their seats again among
    /// their groups at `level`.
    fn shares(self, contest: &Contest, members: &[usize], level: Level) -> bool {
        match self {
            Pacts::Apportioned => contest.splits_at(members, level),
            Pacts::Subpacts => {
                contest.splits_at(members, Level::Party)
                    || members
                        .iter()
                        .any(|&m| contest.candidates[m].subpact().is_some())
            }
            Pacts::SubpactsInEveryList => contest.groups_at(members, level).len() > 1,
            Pacts::Ignored => false,
        }
    }
}

/// How equal quotients for a seat are settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ties {
    /// By lot.
    Lot,
    /// First by the individual votes of the candidate each quotient would seat, then by
    /// lot (Ley 18.695, municipal and regional councils).
    IndividualVotes,
}

/// How a list system shares seats below the lists and settles equal quotients.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Sharing {
    pub(crate) pacts: Pacts,
    pub(crate) ties: Ties,
}

impl Sharing {
    /// Shares `seats` among `contenders` (`members[i]` the candidates of contender `i`,
    /// most voted first) by `method`; with [`Ties::IndividualVotes`], equal quotients go
    /// first to the one whose candidate has more votes. Returns the apportionment and,
    /// for that rule, each contender's candidates in the order its seats would go.
    #[allow(clippy::too_many_arguments)]
    fn apportion(
        self,
        contest: &Contest,
        contenders: &[Contender],
        members: &[&[usize]],
        levels: &[Level],
        method: ListMethod,
        seats: u32,
        occasions: (&Occasion, &[Occasion]),
        draws: &mut Draws,
    ) -> (Apportionment, Vec<Vec<usize>>) {
        let (among, candidates) = occasions;
        match (method, self.ties) {
            (ListMethod::Averages(divisor), Ties::IndividualVotes) => {
                // Who each quotient would seat: the group's seats as they would be given,
                // worked out on the side (the real draws come after the apportionment).
                let ahead: Vec<Vec<usize>> = members
                    .iter()
                    .zip(candidates)
                    .map(|(members, occasion)| {
                        let n = (members.len() as u32).min(seats);
                        let mut scratch = draws.scratch();
                        fill(contest, members, n, self, levels, occasion, &mut scratch).into()
                    })
                    .collect();
                let votes = |i: usize, k: u64| {
                    ahead[i]
                        .get(k as usize)
                        .map_or(0, |&c| contest.candidates[c].votes)
                };
                let result = highest_averages_by(contenders, seats, divisor, votes, among, draws);
                (result, ahead)
            }
            (ListMethod::Averages(divisor), Ties::Lot) => (
                highest_averages(contenders, seats, divisor, among, draws),
                Vec::new(),
            ),
            (ListMethod::Remainders(quota), _) => (
                largest_remainders(contenders, seats, quota, among, draws),
                Vec::new(),
            ),
        }
    }
}

/// Shares `seats` among lists, then (with pacts) among the groups inside them, then
/// gives each list's or group's seats to its most voted candidates.
pub(crate) fn list_proportional(
    contest: &Contest,
    seats: u32,
    method: ListMethod,
    sharing: Sharing,
    draws: &mut Draws,
) -> Decision {
    let lists = contest.lists();
    let contenders: Vec<Contender> = lists
        .iter()
        .map(|l| capped_contender(l.key.name(), l.key.label(), l))
        .collect();
    let occasion = Occasion::contest(Purpose::ListSeats);
    let scopes: Vec<Occasion> = lists
        .iter()
        .map(|l| Occasion::inside(Purpose::ListCandidates, l.key.name(), l.key.label()))
        .collect();
    let members: Vec<&[usize]> = lists.iter().map(|l| l.members.as_slice()).collect();
    let levels = sharing.pacts.levels();
    let (among_lists, ahead) = sharing.apportion(
        contest,
        &contenders,
        &members,
        levels,
        method,
        seats,
        (&occasion, &scopes),
        draws,
    );
    let mut sequences: Vec<VecDeque<usize>> = lists
        .iter()
        .zip(&among_lists.seats)
        .zip(&scopes)
        .map(|((list, &won), scope)| {
            fill(contest, &list.members, won, sharing, levels, scope, draws)
        })
        .collect();
    let elected: Vec<usize> = among_lists
        .order
        .iter()
        .filter_map(|&list| sequences[list].pop_front())
        .collect();
    let capped = capped_lists(&lists, &among_lists, method);
    let settled = among_lists.settled.and_then(|tie| {
        // The candidates the two quotients would seat, as the look-ahead found them.
        let seat = |(list, divisor, _): (usize, u64, u64)| {
            let &candidate = ahead.get(list)?.get(divisor as usize - 1)?;
            Some(TiedSeat {
                list: lists[list].key.clone(),
                divisor,
                candidate: contest.candidates[candidate].name.clone(),
                votes: contest.candidates[candidate].votes,
            })
        };
        Some(VotesTie {
            quotient: tie.quotient,
            won: seat(tie.won)?,
            lost: seat(tie.lost)?,
        })
    });
    let decision = Decision::new(
        contest,
        seats,
        elected,
        Outcome::Elected,
        None,
        method.basis(&among_lists, capped, settled),
    );
    match sharing.pacts {
        // The tallies show the groups that shared each list's seats.
        Pacts::Subpacts | Pacts::SubpactsInEveryList => decision.with_groups(contest, |list| {
            levels
                .first()
                .copied()
                .filter(|&level| sharing.pacts.shares(contest, &list.members, level))
        }),
        Pacts::Apportioned | Pacts::Ignored => decision,
    }
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
/// With levels left below (`levels`), and where `sharing` says the group's members share
/// them at the next level, its seats are shared again by D'Hondt among those sub-groups
/// (capped by candidates; equal quotients settled as `sharing` says), and so on down;
/// otherwise its most voted take them. `candidates` is the draw for the group's own
/// candidates (purpose and scope).
fn fill(
    contest: &Contest,
    members: &[usize],
    won: u32,
    sharing: Sharing,
    levels: &[Level],
    candidates: &Occasion,
    draws: &mut Draws,
) -> VecDeque<usize> {
    if won == 0 {
        return VecDeque::new();
    }
    let Some((&level, below)) = levels
        .split_first()
        .filter(|(&level, _)| sharing.pacts.shares(contest, members, level))
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
    let scopes: Vec<Occasion> = groups
        .iter()
        .map(|g| group_candidates(&g.key, candidates))
        .collect();
    let group_members: Vec<&[usize]> = groups.iter().map(|g| g.members.as_slice()).collect();
    let (shared, _) = sharing.apportion(
        contest,
        &contenders,
        &group_members,
        below,
        ListMethod::Averages(Divisor::DHondt),
        won,
        (&among, &scopes),
        draws,
    );
    let mut chosen: Vec<VecDeque<usize>> = groups
        .iter()
        .zip(&shared.seats)
        .zip(&scopes)
        .map(|((group, &seats), occasion)| {
            fill(
                contest,
                &group.members,
                seats,
                sharing,
                below,
                occasion,
                draws,
            )
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
