//! Gender-parity corrections after apportionment (the 2021 Constitutional Convention):
//! in each district (Ley 21.200 and Ley 21.216), and among the peoples electing one
//! reserved seat each (Ley 21.298). Every swap is a [`Correction`], reported with the
//! figure that ranked it; ties are drawn by lot through [`Draws::select_top`].

use crate::contest::{Contest, ListKey, Sex};
use crate::decision::{Correction, CorrectionRule, Decision, Pool};
use crate::generic::most_voted;
use crate::lottery::{DrawItem, Draws, Occasion, Purpose};
use crate::quotient::Quotient;
use crate::system::SystemError;

/// Whether `women` and `men` elected meet the rule: as many of each when they are even in
/// number, a difference of one at most when odd.
pub(crate) fn balanced(women: usize, men: usize) -> bool {
    women.abs_diff(men) <= (women + men) % 2
}

/// The sex the elected `sexes` over-represent, if they break the rule ([`balanced`]).
fn over_represented(sexes: impl Iterator<Item = Sex>) -> Option<Sex> {
    let (mut women, mut men) = (0, 0);
    for sex in sexes {
        match sex {
            Sex::Female => women += 1,
            Sex::Male => men += 1,
        }
    }
    match (balanced(women, men), women > men) {
        (true, _) => None,
        (false, true) => Some(Sex::Female),
        (false, false) => Some(Sex::Male),
    }
}

/// Every candidate's sex, or the error naming the first (by name) without one.
pub(crate) fn sexes(contest: &Contest) -> Result<Vec<Sex>, SystemError> {
    let mut missing: Vec<&str> = contest
        .candidates
        .iter()
        .filter(|c| c.sex.is_none())
        .map(|c| c.name.as_str())
        .collect();
    missing.sort_unstable();
    match missing.first() {
        Some(name) => Err(SystemError::SexRequired {
            candidate: name.to_string(),
        }),
        None => Ok(contest.candidates.iter().filter_map(|c| c.sex).collect()),
    }
}

/// The district's parity correction (Ley 21.200, as amended by Ley 21.216): while the
/// elected break the rule ([`balanced`]), the least voted elected member of the
/// over-represented sex gives way to the most voted candidate of the other sex of the same
/// party; of the same list for an independent associated with no party (as on a list of
/// independents) or when the party has no such candidate left. A member who cannot be
/// replaced (an independent outside any list, or a list with no candidate of the other
/// sex left) is passed over for the next least voted. Equal votes are drawn by lot.
pub(crate) fn district(
    contest: &Contest,
    decision: &Decision,
    draws: &mut Draws,
) -> Result<Vec<Correction>, SystemError> {
    let sex = sexes(contest)?;
    let mut elected = decision.elected.clone();
    let mut corrections = Vec::new();
    while let Some(over) = over_represented(elected.iter().map(|&i| sex[i])) {
        let replaceable: Vec<(usize, Pool, Vec<usize>)> = elected
            .iter()
            .filter(|&&i| sex[i] == over)
            .filter_map(|&i| {
                let (pool, candidates) = replacements(contest, &sex, &elected, i)?;
                Some((i, pool, candidates))
            })
            .collect();
        let votes = |i: usize| contest.candidates[i].votes;
        let leaves = Occasion::contest(Purpose::ParityLeaves);
        let Some(&pick) = draws
            .select_top(
                &replaceable,
                1,
                |a, b| votes(b.0).cmp(&votes(a.0)),
                |r| {
                    let name = &contest.candidates[r.0].name;
                    DrawItem::named(name.clone(), name.clone())
                },
                &leaves,
            )
            .first()
        else {
            break; // nobody left who can be replaced: the district stays as it is
        };
        let (left, pool, candidates) = &replaceable[pick];
        let enters = match pool {
            Pool::Party(party) => {
                Occasion::inside(Purpose::ParityEnters, party.clone(), party.clone())
            }
            Pool::List(list) | Pool::ListPastParty(list) => {
                Occasion::inside(Purpose::ParityEnters, list.name(), list.label())
            }
            Pool::Alternate => unreachable!("a district's replacements are candidates"),
        };
        let entered = most_voted(contest, candidates, 1, &enters, draws)[0];
        corrections.push(Correction {
            rule: CorrectionRule::GenderParity,
            left: *left,
            entered,
            pool: pool.clone(),
            ranked_by: Quotient::new(votes(*left), 1),
        });
        for e in elected.iter_mut().filter(|e| **e == *left) {
            *e = entered;
        }
    }
    Ok(corrections)
}

/// Who can take the seat of elected candidate `i` under the district's parity rule, and
/// from where: the not-elected candidates of the other sex of `i`'s party on `i`'s list;
/// or, for an independent associated with no party or when the party has none, of `i`'s
/// list. `None` for an independent outside any list, who is never replaced, or when the
/// list has no such candidate.
fn replacements(
    contest: &Contest,
    sex: &[Sex],
    elected: &[usize],
    i: usize,
) -> Option<(Pool, Vec<usize>)> {
    let list = contest.candidates[i].list()?;
    let other = sex[i].other();
    let on_list: Vec<usize> = (0..contest.candidates.len())
        .filter(|&c| contest.candidates[c].list() == Some(list))
        .filter(|&c| sex[c] == other && !elected.contains(&c))
        .collect();
    let party = contest.candidates[i].party();
    if let Some(party) = party {
        let same_party: Vec<usize> = on_list
            .iter()
            .copied()
            .filter(|&c| contest.candidates[c].party() == Some(party))
            .collect();
        if !same_party.is_empty() {
            return Some((Pool::Party(party.to_string()), same_party));
        }
    }
    if on_list.is_empty() {
        return None;
    }
    let key = ListKey::Named(list.to_string());
    let pool = if party.is_some() {
        Pool::ListPastParty(key)
    } else {
        Pool::List(key)
    };
    Some((pool, on_list))
}

/// One contest of the reserved seats, for the correction among peoples: its decision and
/// the voters registered for its people.
pub(crate) struct People<'a> {
    pub(crate) contest: &'a Contest,
    pub(crate) decision: Decision,
    pub(crate) registered: u64,
}

/// The parity correction among the peoples electing one reserved seat each (Ley 21.298):
/// while their elected break the rule ([`balanced`]), the elected candidate of the
/// over-represented sex with the fewest votes per voter registered for their people gives
/// way to their own alternate (of the other sex). Votes ÷ registered are compared exactly;
/// equal ones are drawn by lot (district empty, each item the people's name). A candidacy
/// without an alternate is passed over.
pub(crate) fn among_peoples(peoples: &mut [People<'_>], draws: &mut Draws) {
    let seated = |p: &People| -> Option<(usize, Sex)> {
        let &i = p.decision.elected.first()?;
        let sex = p.contest.candidates[i].sex?;
        // Once their alternate holds the seat, the seat is the other sex's.
        Some((
            i,
            if p.decision.seated_by_alternate(i) {
                sex.other()
            } else {
                sex
            },
        ))
    };
    while let Some(over) = over_represented(peoples.iter().filter_map(seated).map(|(_, sex)| sex)) {
        let replaceable: Vec<(usize, usize, Quotient)> = peoples
            .iter()
            .enumerate()
            .filter_map(|(k, p)| {
                let (i, sex) = seated(p)?;
                let candidate = &p.contest.candidates[i];
                let can = sex == over && candidate.alternate.is_some();
                can.then(|| (k, i, Quotient::new(candidate.votes, p.registered.max(1))))
            })
            .collect();
        let leaves = Occasion::contest(Purpose::ParityLeaves);
        let Some(&pick) = draws
            .select_top(
                &replaceable,
                1,
                |a, b| b.2.cmp(&a.2),
                |r| {
                    let people = &peoples[r.0].contest.district;
                    DrawItem::named(people.clone(), people.clone())
                },
                &leaves,
            )
            .first()
        else {
            break;
        };
        let (k, i, ranked_by) = replaceable[pick];
        let people = &mut peoples[k];
        people.decision = people.decision.clone().corrected(
            people.contest,
            vec![Correction {
                rule: CorrectionRule::IndigenousParity,
                left: i,
                entered: i,
                pool: Pool::Alternate,
                ranked_by,
            }],
        );
    }
}
