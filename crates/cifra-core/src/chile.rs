//! Chile's majoritarian and binomial rules (CHILE-RULES.md; Constitutions of 1925 and
//! 1980, Ley 18.799).

use crate::contest::{Contest, Group, ListKey};
use crate::decision::{tally_lists, Basis, Decision, Outcome};
use crate::generic::most_voted;
use crate::lottery::Draws;
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
    let (elected, runoff, outcome, basis) =
        if 2 * contest.candidates[leader].votes as u128 > valid as u128 {
            (
                vec![leader],
                None,
                Outcome::Elected,
                Basis::AbsoluteMajority,
            )
        } else {
            let purpose = match no_majority {
                Outcome::Congress => "places in Congress's choice",
                _ => "places in the second round",
            };
            let two = most_voted(contest, &everyone, 2, purpose, draws);
            let runoff = [two[0], two[1]];
            (
                Vec::new(),
                Some(runoff),
                no_majority,
                Basis::NoAbsoluteMajority,
            )
        };
    Ok(Decision {
        seats: 1,
        lists: tally_lists(contest, &elected),
        elected,
        outcome,
        runoff,
        basis,
        unfilled_seats: 0,
        lotteries: Vec::new(),
    })
}

/// The binomial system: two seats; the first list takes both if it doubles the second
/// (*doblaje*), otherwise the two most voted lists each elect their most voted candidate.
/// A tie between lists goes to the list whose best candidate has more votes, then to lot.
pub(crate) fn binomial(contest: &Contest, draws: &mut Draws) -> Result<Decision, SystemError> {
    let lists = contest.lists();
    if let Some(list) = lists.iter().find(|l| l.members.len() > 2) {
        return Err(SystemError::ListTooLarge {
            list: list.key.label(),
            count: list.members.len(),
        });
    }
    let best_of = |list: &Group<ListKey>| contest.candidates[list.members[0]].votes;
    let ranked = draws.select_top(
        &lists,
        2,
        |a, b| a.votes.cmp(&b.votes).then(best_of(a).cmp(&best_of(b))),
        |l| l.key.label(),
        "places among lists",
    );
    let first = &lists[ranked[0]];
    let second = ranked.get(1).map(|&i| &lists[i]);
    // A lone list doubles nobody's votes but has no rival: it takes both seats.
    let rival = second.map_or(0, |s| s.votes) as u128;
    let doubled = (first.votes > 0 || second.is_none()) && first.votes as u128 >= 2 * rival;
    let doblaje = doubled && first.members.len() == 2;
    let mut elected = if doblaje {
        first.members.clone()
    } else {
        top_of(contest, first, draws)
    };
    if let (false, Some(second)) = (doblaje, second) {
        elected.extend(top_of(contest, second, draws));
    }
    let (first, second) = (first.key.clone(), second.map(|s| s.key.clone()));
    Ok(Decision {
        seats: 2,
        lists: tally_lists(contest, &elected),
        unfilled_seats: 2 - elected.len() as u32,
        elected,
        outcome: Outcome::Elected,
        runoff: None,
        basis: if doblaje {
            Basis::Doblaje { first, second }
        } else {
            Basis::TopTwoLists { first, second }
        },
        lotteries: Vec::new(),
    })
}

fn top_of(contest: &Contest, list: &Group<ListKey>, draws: &mut Draws) -> Vec<usize> {
    let purpose = format!("most voted candidate of {}", list.key.label());
    most_voted(contest, &list.members, 1, &purpose, draws)
}
