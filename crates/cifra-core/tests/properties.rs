//! Properties every decision must have, on generated contests.

use cifra_core::apportion::{highest_averages, Contender, Divisor};
use cifra_core::lottery::Draws;
use cifra_core::{
    Ballot, Candidate, Contest, CorrectionRule, Corrections, Decision, Level, ListKey, Lottery,
    PartyKey, Sex, System,
};
use proptest::prelude::*;
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------

/// Votes that often repeat (to force ties) or are spread wide.
fn votes() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..6, 0u64..100_000]
}

/// A contest of 1 to 16 candidates on up to 5 lists (or none), with up to 3 parties (or
/// none: unaffiliated independents), so that lists are often pacts, and sometimes in one
/// of 2 sub-pacts.
fn contest() -> impl Strategy<Value = Contest> {
    contest_with(votes())
}

/// The same, with votes drawn from `votes`.
fn contest_with(votes: impl Strategy<Value = u64>) -> impl Strategy<Value = Contest> {
    prop::collection::vec(
        (
            prop::option::weighted(0.85, 0u8..5),
            prop::option::weighted(0.7, 0u8..3),
            prop::option::weighted(0.3, 0u8..2),
            votes,
        ),
        1..16,
    )
    .prop_map(|rows| {
        let candidates = rows
            .into_iter()
            .enumerate()
            .map(|(i, (list, party, subpact, votes))| {
                let mut c = Candidate::new(format!("c{i}"), votes);
                c.affiliation.list = list.map(|l| format!("{}", (b'A' + l) as char));
                c.affiliation.party = party.map(|p| format!("P{p}"));
                c.affiliation.subpact = subpact.filter(|_| list.is_some()).map(|s| format!("S{s}"));
                c
            })
            .collect();
        Contest::new("generated", candidates)
    })
}

/// A contest valid for the binomial system: at most 2 candidates per list.
fn binomial_contest() -> impl Strategy<Value = Contest> {
    prop::collection::vec((votes(), prop::option::of(votes())), 1..6).prop_map(|lists| {
        let mut candidates = Vec::new();
        for (l, (first, second)) in lists.into_iter().enumerate() {
            let list = format!("{}", (b'A' + l as u8) as char);
            candidates.push(Candidate::new(format!("{list}1"), first).in_list(list.clone()));
            if let Some(votes) = second {
                candidates.push(Candidate::new(format!("{list}2"), votes).in_list(list));
            }
        }
        Contest::new("binomial", candidates)
    })
}

/// A contest and the same candidates in another order.
fn contest_and_shuffle(
    contests: impl Strategy<Value = Contest>,
) -> impl Strategy<Value = (Contest, Contest)> {
    contests.prop_flat_map(|contest| {
        let shuffled = Just(contest.candidates.clone()).prop_shuffle();
        (Just(contest.clone()), shuffled).prop_map(|(contest, candidates)| {
            let shuffled = Contest {
                candidates,
                ..contest.clone()
            };
            (contest, shuffled)
        })
    })
}

const SEATED: [System; 8] = [
    System::Dhondt,
    System::SainteLague,
    System::Hare,
    System::Droop,
    System::ClDhondt,
    System::ClCouncil,
    System::ClRegionalCouncil,
    System::Plurality,
];

// ---------------------------------------------------------------------------------------
// Seat accounting
// ---------------------------------------------------------------------------------------

fn candidates_per_list(contest: &Contest) -> BTreeMap<ListKey, u32> {
    let mut count = BTreeMap::new();
    for i in 0..contest.candidates.len() {
        *count.entry(contest.list_of(i)).or_default() += 1;
    }
    count
}

fn candidates_per_party(contest: &Contest) -> BTreeMap<(ListKey, PartyKey), u32> {
    let mut count = BTreeMap::new();
    for i in 0..contest.candidates.len() {
        *count
            .entry((contest.list_of(i), contest.party_of(i)))
            .or_default() += 1;
    }
    count
}

fn check_accounting(
    system: System,
    contest: &Contest,
    seats: u32,
    d: &Decision,
) -> Result<(), TestCaseError> {
    let n = contest.candidates.len() as u32;
    prop_assert_eq!(d.seats, seats);
    prop_assert_eq!(
        d.elected.len() as u32 + d.unfilled_seats,
        seats,
        "{}",
        system
    );
    // Seats are unfilled only when there are more seats than candidates able to take
    // them — and then exactly the excess. Under plurality and the binomial system
    // everyone can; under proportional list systems only the candidates of lists somebody
    // voted for (a list nobody voted for takes no seat).
    let able = if matches!(system, System::Plurality | System::ClBinomial) {
        n
    } else {
        contest
            .lists()
            .iter()
            .filter(|l| l.votes > 0)
            .map(|l| l.members.len() as u32)
            .sum()
    };
    prop_assert_eq!(d.unfilled_seats, seats.saturating_sub(able), "{}", system);
    let mut distinct = d.elected.clone();
    distinct.sort();
    distinct.dedup();
    prop_assert_eq!(distinct.len(), d.elected.len(), "{}: elected twice", system);
    prop_assert!(d.elected.iter().all(|&i| i < contest.candidates.len()));

    let list_total: u32 = d.lists.iter().map(|l| l.seats).sum();
    prop_assert_eq!(list_total, d.elected.len() as u32, "{}", system);
    let per_list = candidates_per_list(contest);
    let per_party = candidates_per_party(contest);
    prop_assert_eq!(d.lists.len(), per_list.len());
    for list in &d.lists {
        prop_assert!(
            list.seats <= per_list[&list.key],
            "{}: {} has {} seats and {} candidates",
            system,
            list.key.label(),
            list.seats,
            per_list[&list.key]
        );
        // The tally agrees with the elected candidates.
        let elected_here = d
            .elected
            .iter()
            .filter(|&&i| contest.list_of(i) == list.key)
            .count() as u32;
        prop_assert_eq!(list.seats, elected_here);
        let party_total: u32 = list.parties.iter().map(|p| p.seats).sum();
        if !list.parties.is_empty() {
            prop_assert_eq!(party_total, list.seats);
        }
        // Groups are parties, or (councils) sub-pacts, parties outside sub-pacts and
        // independents outside sub-pacts.
        let by_subpact = list.parties.iter().any(|p| p.level == Level::Subpact);
        for party in &list.parties {
            let cap = match (&party.key, party.level) {
                (PartyKey::Named(name), Level::Subpact) => (0..contest.candidates.len())
                    .filter(|&i| contest.list_of(i) == list.key)
                    .filter(|&i| contest.candidates[i].subpact() == Some(name))
                    .count() as u32,
                (key, _) if !by_subpact => per_party[&(list.key.clone(), key.clone())],
                (PartyKey::Named(name), _) => (0..contest.candidates.len())
                    .filter(|&i| contest.list_of(i) == list.key)
                    .filter(|&i| contest.candidates[i].subpact().is_none())
                    .filter(|&i| contest.candidates[i].party() == Some(name))
                    .count() as u32,
                (PartyKey::Alone(_), _) => 1,
            };
            prop_assert!(party.seats <= cap, "{}: {:?}", system, party);
        }
    }
    Ok(())
}

proptest! {
    // Every seat is either filled or reported unfilled, the list tallies add up, no list
    // or party takes more seats than it has candidates (art. 121 rule 4), and seats go
    // unfilled only when there are more seats than candidates.
    #[test]
    fn seats_are_accounted_for(contest in contest(), seats in 1u32..20) {
        for system in SEATED {
            let decision = system
                .decide(&contest, Some(seats), &Lottery::default())
                .map_err(|e| TestCaseError::fail(format!("{system}: {e}")))?;
            check_accounting(system, &contest, seats, &decision)?;
        }
    }

    #[test]
    fn binomial_seats_are_accounted_for(contest in binomial_contest()) {
        let decision = System::ClBinomial
            .decide(&contest, None, &Lottery::default())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        check_accounting(System::ClBinomial, &contest, 2, &decision)?;
    }
}

// ---------------------------------------------------------------------------------------
// House monotonicity
// ---------------------------------------------------------------------------------------

fn uncapped(votes: &[u64]) -> Vec<Contender> {
    votes
        .iter()
        .enumerate()
        .map(|(i, &v)| Contender::new(format!("L{i}"), v))
        .collect()
}

/// Seats by highest averages, and whether a lottery was needed.
fn averages(contenders: &[Contender], seats: u32, divisor: Divisor) -> (Vec<u32>, bool) {
    let lottery = Lottery::default();
    let mut draws = Draws::new(&lottery, "monotonicity");
    let occasion = cifra_core::lottery::Occasion::contest(cifra_core::Purpose::ListSeats);
    let result = highest_averages(contenders, seats, divisor, &occasion, &mut draws);
    (result.seats, !draws.into_records().is_empty())
}

proptest! {
    // Divisor methods are house monotone: one more seat never takes a seat from anyone.
    #[test]
    fn divisor_methods_are_house_monotone(
        votes in prop::collection::btree_set(1u64..1_000_000, 2..8),
        seats in 1u32..40,
    ) {
        let votes: Vec<u64> = votes.into_iter().collect();
        let contenders = uncapped(&votes);
        for divisor in [Divisor::DHondt, Divisor::SainteLague] {
            let (before, drawn_before) = averages(&contenders, seats, divisor);
            let (after, drawn_after) = averages(&contenders, seats + 1, divisor);
            if drawn_before || drawn_after {
                continue;
            }
            prop_assert_eq!(before.iter().sum::<u32>(), seats);
            prop_assert_eq!(after.iter().sum::<u32>(), seats + 1);
            for (b, a) in before.iter().zip(&after) {
                prop_assert!(a >= b, "{:?}: {:?} → {:?}", divisor, before, after);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Row order independence
// ---------------------------------------------------------------------------------------

/// A decision with candidate indices replaced by names (it carries the elected's names
/// already), to compare across row orders.
#[derive(Debug, PartialEq)]
struct Named {
    runoff: Option<[String; 2]>,
    /// Each correction's rule, who left and who entered, by name.
    corrections: Vec<(CorrectionRule, String, String)>,
    rest: Decision,
}

fn named(contest: &Contest, decision: Decision) -> Named {
    let name = |i: usize| contest.candidates[i].name.clone();
    Named {
        runoff: decision
            .runoff_names(contest)
            .map(|pair| pair.map(str::to_string)),
        corrections: decision
            .corrections
            .iter()
            .map(|c| (c.rule, name(c.left), name(c.entered)))
            .collect(),
        rest: Decision {
            elected: Vec::new(),
            runoff: None,
            corrections: Vec::new(),
            ..decision
        },
    }
}

fn seats_for(system: System, seats: u32) -> Option<u32> {
    match system.seats_rule() {
        cifra_core::SeatsRule::Required | cifra_core::SeatsRule::DefaultsTo(_) => Some(seats),
        _ => None,
    }
}

proptest! {
    // The order of the rows of the input decides nothing: the same elected (in the same
    // order), the same tallies, the same outcome, the same lotteries.
    #[test]
    fn row_order_does_not_matter(
        (contest, shuffled) in contest_and_shuffle(contest()),
        seats in 1u32..10,
        seed in 0u64..1000,
    ) {
        let lottery = Lottery::new(seed);
        for system in System::ALL {
            let seats = seats_for(system, seats);
            let a = system.decide(&contest, seats, &lottery).map(|d| named(&contest, d));
            let b = system.decide(&shuffled, seats, &lottery).map(|d| named(&shuffled, d));
            prop_assert_eq!(a, b, "{}", system);
        }
    }

    #[test]
    fn row_order_does_not_matter_for_binomial(
        (contest, shuffled) in contest_and_shuffle(binomial_contest()),
        seed in 0u64..1000,
    ) {
        let lottery = Lottery::new(seed);
        let a = System::ClBinomial.decide(&contest, None, &lottery).map(|d| named(&contest, d));
        let b = System::ClBinomial.decide(&shuffled, None, &lottery).map(|d| named(&shuffled, d));
        prop_assert_eq!(a, b);
    }
}

// ---------------------------------------------------------------------------------------
// The lottery is reproducible and really random across seeds
// ---------------------------------------------------------------------------------------

proptest! {
    #[test]
    fn same_seed_same_decision(contest in contest(), seats in 1u32..10, seed in any::<u64>()) {
        for system in System::ALL {
            let seats = seats_for(system, seats);
            let first = system.decide(&contest, seats, &Lottery::new(seed));
            let again = system.decide(&contest.clone(), seats, &Lottery::new(seed));
            prop_assert_eq!(first, again, "{}", system);
        }
    }
}

// A 2-way tie for one seat over seeds 0..64: each side wins at least once (a fair coin
// gives the same side 64 times with probability 2⁻⁶³; the tickets are SHA-256, so this is
// deterministic). Checked for a mayor's tie and for equal D'Hondt quotients.
#[test]
fn the_lottery_varies_with_the_seed() {
    let mayor = Contest::new(
        "comuna",
        vec![Candidate::new("A", 10), Candidate::new("B", 10)],
    );
    let mut wins = BTreeMap::<String, u32>::new();
    for seed in 0..64 {
        let d = System::ClMayor
            .decide(&mayor, None, &Lottery::new(seed))
            .unwrap();
        assert_eq!(d.lotteries.len(), 1, "every seed draws");
        *wins.entry(d.elected_names[0].clone()).or_default() += 1;
    }
    assert_eq!(wins.len(), 2, "{wins:?}");

    // A 60, B 30, 2 seats: A÷2 and B÷1 tie for the second seat.
    let lists = Contest::new(
        "distrito",
        vec![
            Candidate::new("a1", 40).in_list("A"),
            Candidate::new("a2", 20).in_list("A"),
            Candidate::new("b1", 30).in_list("B"),
        ],
    );
    let mut b_seats = 0;
    for seed in 0..64 {
        let d = System::ClDhondt
            .decide(&lists, Some(2), &Lottery::new(seed))
            .unwrap();
        assert_eq!(d.lotteries.len(), 1);
        b_seats += d.is_elected(2) as u32;
    }
    assert!(0 < b_seats && b_seats < 64, "B won {b_seats} of 64 draws");
}

// ---------------------------------------------------------------------------------------
// Exactness against an independent reference
// ---------------------------------------------------------------------------------------

/// Each contender's seats, and the last winning quotient as (votes, divisor).
type Reference = (Vec<u32>, Option<(u64, u64)>);

/// Highest averages, one seat at a time, comparing votes/divisor by u128
/// cross-multiplication. Returns each contender's seats and the last winning quotient as
/// (votes, divisor), or `None` if two contenders ever tie for a seat.
fn reference_averages(
    votes: &[u64],
    caps: &[u32],
    seats: u32,
    divisor: fn(u64) -> u64,
) -> Option<Reference> {
    let mut won = vec![0u32; votes.len()];
    let mut last = None;
    for _ in 0..seats {
        let mut best: Option<usize> = None;
        let mut tied = false;
        for i in 0..votes.len() {
            if won[i] >= caps[i] {
                continue;
            }
            match best {
                None => best = Some(i),
                Some(b) => {
                    // votes[i]/d_i vs votes[b]/d_b  ⇔  votes[i]·d_b vs votes[b]·d_i
                    let lhs = votes[i] as u128 * divisor(won[b] as u64) as u128;
                    let rhs = votes[b] as u128 * divisor(won[i] as u64) as u128;
                    if lhs > rhs {
                        best = Some(i);
                        tied = false;
                    } else if lhs == rhs {
                        tied = true;
                    }
                }
            }
        }
        if tied {
            return None;
        }
        let Some(b) = best else { break };
        last = Some((votes[b], divisor(won[b] as u64)));
        won[b] += 1;
    }
    Some((won, last))
}

fn dhondt_divisor(k: u64) -> u64 {
    k + 1
}

fn sainte_lague_divisor(k: u64) -> u64 {
    2 * k + 1
}

/// Lists of distinct candidates (one per row), with cap = number of candidates.
fn capped_lists() -> impl Strategy<Value = Vec<(u64, u32)>> {
    prop::collection::vec((0u64..1_000_000_000, 1u32..6), 1..8)
}

proptest! {
    // D'Hondt (and Sainte-Laguë) through `System::decide` equal the reference, caps
    // included: list seats, the cifra repartidora, and no lottery when nothing ties.
    #[test]
    fn list_methods_match_a_brute_force_reference(lists in capped_lists(), seats in 1u32..25) {
        let mut candidates = Vec::new();
        for (l, &(votes, cap)) in lists.iter().enumerate() {
            // The first candidate carries the list's votes; the others have 0.
            for k in 0..cap {
                let v = if k == 0 { votes } else { 0 };
                candidates.push(Candidate::new(format!("L{l}c{k}"), v).in_list(format!("L{l}")));
            }
        }
        let contest = Contest::new("reference", candidates);
        let votes: Vec<u64> = lists.iter().map(|l| l.0).collect();
        let caps: Vec<u32> = lists.iter().map(|l| l.1).collect();
        for (system, divisor) in [
            (System::Dhondt, dhondt_divisor as fn(u64) -> u64),
            (System::ClDhondt, dhondt_divisor),
            (System::SainteLague, sainte_lague_divisor),
        ] {
            let Some((expected, last)) = reference_averages(&votes, &caps, seats, divisor) else {
                continue;
            };
            let d = system.decide(&contest, Some(seats), &Lottery::default()).unwrap();
            for (l, &want) in expected.iter().enumerate() {
                let key = ListKey::Named(format!("L{l}"));
                let got = d.lists.iter().find(|t| t.key == key).unwrap().seats;
                // Zero-vote candidates tie among themselves inside a list, so the list's
                // count is what is compared, not who fills it.
                prop_assert_eq!(got, want, "{} list L{}: {:?}", system, l, lists);
            }
            let winning_quotient = match &d.basis {
                cifra_core::Basis::Quotients { last_quotient, .. } => *last_quotient,
                other => return Err(TestCaseError::fail(format!("{other:?}"))),
            };
            let winning_quotient = winning_quotient.map(|q| (q.votes, q.divisor));
            prop_assert_eq!(winning_quotient, last);
            if system != System::SainteLague {
                prop_assert_eq!(d.cifra_repartidora().map(|q| (q.votes, q.divisor)), last);
            }
            prop_assert!(
                d.lotteries.iter().all(|r| r.purpose != cifra_core::Purpose::ListSeats),
                "{}: a lottery among lists without a tie: {:?}",
                system,
                d.lotteries
            );
        }
    }

    // cl-dhondt against a two-level reference: D'Hondt among lists (capped by candidates),
    // then D'Hondt among each pact's parties (capped), then the most voted of each party.
    // A list with fewer than two parties is not a pact: its most voted take its seats.
    #[test]
    fn cl_dhondt_matches_a_two_level_reference(
        // Wide votes, so that ties (which the reference skips) are rare.
        contest in contest_with(1u64..1_000_000),
        seats in 1u32..12,
    ) {
        let lists = contest.lists();
        let list_votes: Vec<u64> = lists.iter().map(|l| l.votes).collect();
        let list_caps: Vec<u32> = lists.iter().map(|l| l.members.len() as u32).collect();
        let Some((list_seats, _)) = reference_averages(&list_votes, &list_caps, seats, dhondt_divisor)
        else {
            return Ok(());
        };
        let mut expected: Vec<String> = Vec::new();
        for (list, &won) in lists.iter().zip(&list_seats) {
            let named: std::collections::BTreeSet<&str> = list
                .members
                .iter()
                .filter_map(|&i| contest.candidates[i].party())
                .collect();
            let parties = if named.len() >= 2 {
                contest.parties(list)
            } else {
                vec![cifra_core::contest::Group { key: cifra_core::PartyKey::Alone(String::new()), members: list.members.clone(), votes: list.votes }]
            };
            let party_votes: Vec<u64> = parties.iter().map(|p| p.votes).collect();
            let party_caps: Vec<u32> = parties.iter().map(|p| p.members.len() as u32).collect();
            let Some((party_seats, _)) =
                reference_averages(&party_votes, &party_caps, won, dhondt_divisor)
            else {
                return Ok(());
            };
            for (party, &won) in parties.iter().zip(&party_seats) {
                // The party's most voted; skip a tie across the cut.
                let mut members: Vec<&Candidate> =
                    party.members.iter().map(|&i| &contest.candidates[i]).collect();
                members.sort_by_key(|c| std::cmp::Reverse(c.votes));
                let won = won as usize;
                if won > 0 && won < members.len() && members[won - 1].votes == members[won].votes {
                    return Ok(());
                }
                expected.extend(members[..won].iter().map(|c| c.name.clone()));
            }
        }
        let d = System::ClDhondt.decide(&contest, Some(seats), &Lottery::default()).unwrap();
        let mut got: Vec<String> = d.elected_names.clone();
        got.sort();
        expected.sort();
        prop_assert_eq!(got, expected);
        prop_assert!(d.lotteries.is_empty(), "{:?}", d.lotteries);
    }
}

// ---------------------------------------------------------------------------------------
// Gender parity (the Convention, Ley 21.200 / 21.216 and Ley 21.298)
// ---------------------------------------------------------------------------------------

/// A contest like [`contest`], every candidate with a sex.
fn sexed_contest() -> impl Strategy<Value = Contest> {
    (contest(), prop::collection::vec(any::<bool>(), 16)).prop_map(|(mut contest, women)| {
        for (c, woman) in contest.candidates.iter_mut().zip(women) {
            c.sex = Some(if woman { Sex::Female } else { Sex::Male });
        }
        contest
    })
}

/// A contest where parity can always be reached: 1 to 4 lists, each with 6 women and 6
/// men of up to 3 parties, no candidate outside a list, and at most 6 seats.
fn balanceable_contest() -> impl Strategy<Value = Contest> {
    prop::collection::vec(prop::collection::vec((0u8..3, 1u64..10_000), 12), 1..5).prop_map(
        |lists| {
            let mut candidates = Vec::new();
            for (l, people) in lists.into_iter().enumerate() {
                let list = format!("{}", (b'A' + l as u8) as char);
                for (k, (party, votes)) in people.into_iter().enumerate() {
                    let sex = if k % 2 == 0 { Sex::Female } else { Sex::Male };
                    candidates.push(
                        Candidate::new(format!("{list}{k}"), votes)
                            .in_list(list.clone())
                            .of_party(format!("P{party}"))
                            .with_sex(sex),
                    );
                }
            }
            Contest::new("balanceable", candidates)
        },
    )
}

fn women_and_men(contest: &Contest, decision: &Decision) -> (usize, usize) {
    let women = decision
        .elected
        .iter()
        .filter(|&&i| contest.candidates[i].sex == Some(Sex::Female))
        .count();
    (women, decision.elected.len() - women)
}

proptest! {
    // After parity, every district meets the rule (as many women as men, or one more of
    // either when odd) — or no elected member of the over-represented sex can be replaced:
    // each is outside any list, or their list has no candidate of the other sex left.
    // The seats still add up, and the correction never changes a list's seats.
    #[test]
    fn parity_meets_the_rule_or_nobody_can_be_replaced(
        contest in sexed_contest(),
        seats in 1u32..12,
    ) {
        let lottery = Lottery::default();
        let system = System::ClConvention2021;
        let after = system.decide(&contest, Some(seats), &lottery).unwrap();
        let before = system
            .decide_with(&contest, Some(seats), &lottery, Corrections::Omit)
            .unwrap();
        check_accounting(system, &contest, seats, &after)?;
        let list_seats = |d: &Decision| d.lists.iter().map(|l| (l.key.clone(), l.seats)).collect::<Vec<_>>();
        prop_assert_eq!(list_seats(&after), list_seats(&before));
        prop_assert_eq!(after.corrections.len(), before.elected.iter().filter(|i| !after.elected.contains(i)).count());
        let (women, men) = women_and_men(&contest, &after);
        if women.abs_diff(men) > (women + men) % 2 {
            let over = if women > men { Sex::Female } else { Sex::Male };
            for &i in &after.elected {
                let c = &contest.candidates[i];
                if c.sex != Some(over) {
                    continue;
                }
                let replaceable = c.list().is_some_and(|list| {
                    contest.candidates.iter().enumerate().any(|(j, o)| {
                        o.list() == Some(list) && o.sex != Some(over) && !after.elected.contains(&j)
                    })
                });
                prop_assert!(!replaceable, "{} could have been replaced", c.name);
            }
        }
    }

    // Where every list has candidates of both sexes to spare, parity is always reached.
    #[test]
    fn parity_is_reached_when_every_list_can_give_way(
        contest in balanceable_contest(),
        seats in 1u32..7,
    ) {
        let decision = System::ClConvention2021
            .decide(&contest, Some(seats), &Lottery::default())
            .unwrap();
        let (women, men) = women_and_men(&contest, &decision);
        prop_assert!(women.abs_diff(men) <= (women + men) % 2, "{} women, {} men", women, men);
        prop_assert_eq!(decision.elected.len() as u32, seats);
    }

    // The order of the rows decides nothing under parity either.
    #[test]
    fn parity_does_not_depend_on_row_order(
        (contest, shuffled) in contest_and_shuffle(sexed_contest()),
        seats in 1u32..10,
        seed in 0u64..1000,
    ) {
        let lottery = Lottery::new(seed);
        let system = System::ClConvention2021;
        let a = system.decide(&contest, Some(seats), &lottery).map(|d| named(&contest, d));
        let b = system.decide(&shuffled, Some(seats), &lottery).map(|d| named(&shuffled, d));
        prop_assert_eq!(a, b);
    }

    // Among the peoples electing one seat each, parity is always reached when every
    // candidacy has an alternate, each people keeps its one seat, and only alternates
    // enter.
    #[test]
    fn parity_among_peoples_is_reached_through_alternates(
        peoples in prop::collection::vec(
            (prop::collection::vec((any::<bool>(), 0u64..500), 1..4), 1u64..100_000),
            2..10,
        ),
        seed in 0u64..100,
    ) {
        let contests: Vec<Contest> = peoples
            .iter()
            .enumerate()
            .map(|(p, (candidates, _))| {
                let candidates = candidates
                    .iter()
                    .enumerate()
                    .map(|(k, &(woman, votes))| {
                        Candidate::new(format!("p{p}c{k}"), votes)
                            .with_sex(if woman { Sex::Female } else { Sex::Male })
                            .with_alternate(format!("p{p}a{k}"))
                    })
                    .collect();
                Contest::new(format!("people {p}"), candidates)
            })
            .collect();
        let ballots: Vec<Ballot> = contests
            .iter()
            .zip(&peoples)
            .map(|(contest, (_, registered))| Ballot {
                contest,
                seats: Some(1),
                registered: Some(*registered),
            })
            .collect();
        let system = System::ClConvention2021Indigenous;
        let decisions = system
            .decide_all(&ballots, &Lottery::new(seed), Corrections::Apply)
            .unwrap();
        let (mut women, mut men) = (0, 0);
        for (contest, d) in contests.iter().zip(&decisions) {
            prop_assert_eq!(d.elected.len(), 1);
            let i = d.elected[0];
            let sex = contest.candidates[i].sex.unwrap();
            let seated = if d.seated_by_alternate(i) { sex.other() } else { sex };
            if seated == Sex::Female { women += 1 } else { men += 1 }
            for c in &d.corrections {
                prop_assert_eq!(c.left, c.entered);
                prop_assert_eq!(c.rule, CorrectionRule::IndigenousParity);
                prop_assert_eq!(
                    &d.elected_names[0],
                    contest.candidates[i].alternate.as_ref().unwrap()
                );
            }
        }
        prop_assert!(usize::abs_diff(women, men) <= (women + men) % 2, "{} women, {} men", women, men);
    }
}
