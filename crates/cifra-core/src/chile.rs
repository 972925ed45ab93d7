//! Chile's majoritarian and binomial rules (docs/chile-rules.md; Constitutions of 1925 and
//! 1980, Ley 18.700 art. 109 bis as added by Ley 18.799).

use crate::contest::{Contest, Group, ListKey};
use crate::decision::{Basis, Decision, Outcome};
use crate::generic::most_voted;
use crate::lottery::{DrawItem, Draws, Occasion, Purpose};
use crate::system::SystemError;

/// A single office: more than half the valid votes elects; otherwise the two most voted
/// go on to `no_majority` (a second round, or Congress's choice under the 1925
/// Constitution).
pub(crate) fn majority_or_runoff(
    contest: &Contest,
    no_majority: Outcome,
    draws: &mut Draws,
) -> Result<Decision, SystemError> {
    let valid = contest.valid_votes();
    if valid == 0 {
        return Err(SystemError::NoValidVotes);
    }
    let everyone: Vec<usize> = (0..contest.candidates.len()).collect();
    let leader = contest.by_votes(everyone.clone())[0];
    if 2 * contest.candidates[leader].votes as u128 > valid as u128 {
        return Ok(Decision::new(
            contest,
            1,
            vec![leader],
            Outcome::Elected,
            None,
            Basis::AbsoluteMajority,
        ));
    }
    let purpose = match no_majority {
        Outcome::Congress => Purpose::Congress,
        _ => Purpose::Runoff,
    };
    let two = most_voted(contest, &everyone, 2, &Occasion::contest(purpose), draws);
    Ok(Decision::new(
        contest,
        1,
        Vec::new(),
        no_majority,
        Some([two[0], two[1]]),
        Basis::NoAbsoluteMajority,
    ))
}

/// The binomial system: two seats; the first list takes both if its votes exceed double
/// the second's (*doblaje*; Ley 18.700 art. 109 bis: "excediere el doble"), otherwise the
/// two most voted lists each elect their most voted candidate. A tie between lists goes
/// to the list whose best candidate has more votes, then to lot.
pub(crate) fn binomial(contest: &Contest, draws: &mut Draws) -> Result<Decision, SystemError> {
    let lists = contest.lists();
    if let Some(list) = lists.iter().find(|l| l.members.len() > 2) {
        return Err(SystemError::ListTooLarge {
            list: list.key.clone(),
            count: list.members.len(),
        });
    }
    let best_of = |list: &Group<ListKey>| contest.candidates[list.members[0]].votes;
    let ranked = draws.select_top(
        &lists,
        2,
        |a, b| a.votes.cmp(&b.votes).then(best_of(a).cmp(&best_of(b))),
        |l| DrawItem::named(l.key.name(), l.key.label()),
        &Occasion::contest(Purpose::BinomialLists),
    );
    let first = &lists[ranked[0]];
    let second = ranked.get(1).map(|&i| &lists[i]);
    let doubled = doubles(first.votes, second.map(|s| s.votes));
    let both = doubled && first.members.len() == 2;
    let mut elected = if both {
        first.members.clone()
    } else {
        top_of(contest, first, draws)
    };
    if let (false, Some(second)) = (both, second) {
        elected.extend(top_of(contest, second, draws));
    }
    let (first, second) = (first.key.clone(), second.map(|s| s.key.clone()));
    let basis = match (doubled, both) {
        (_, true) => Basis::Doblaje { first, second },
        (true, false) => Basis::DoblajeWithOneCandidate { first, second },
        (false, _) => Basis::TopTwoLists { first, second },
    };
    Ok(Decision::new(
        contest,
        2,
        elected,
        Outcome::Elected,
        None,
        basis,
    ))
}

/// Whether the first list's votes exceed double the second's (Ley 18.700 art. 109 bis:
/// "tuviere un total de votos que excediere el doble de los que alcanzare la lista o
/// nómina que le siguiere"). Exactly double does not. A lone list has no rival and takes
/// both seats.
fn doubles(first: u64, second: Option<u64>) -> bool {
    match second {
        None => true,
        Some(second) => first as u128 > 2 * second as u128,
    }
}

fn top_of(contest: &Contest, list: &Group<ListKey>, draws: &mut Draws) -> Vec<usize> {
    let occasion = Occasion::inside(Purpose::ListCandidates, list.key.name(), list.key.label());
    most_voted(contest, &list.members, 1, &occasion, draws)
}
