//! Every electoral system on textbook and real cases, with exact outcomes.
//!
//! The rules are those of `docs/chile-rules.md`; each test names the rule it checks.

use cifra_core::apportion::{Divisor, Quota};
use cifra_core::{
    Ballot, Basis, Candidate, Contest, CorrectionRule, Corrections, Decision, ListKey, Lottery,
    Outcome, PartyKey, Pool, Purpose, Quotient, Sex, System, SystemError,
};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn decide(system: System, contest: &Contest, seats: Option<u32>) -> Decision {
    system
        .decide(contest, seats, &Lottery::default())
        .unwrap_or_else(|e| panic!("{system} failed on {}: {e}", contest.district))
}

/// Every list's label and seats, in the decision's order (most voted first).
fn list_seats(decision: &Decision) -> Vec<(String, u32)> {
    decision
        .lists
        .iter()
        .map(|l| (l.key.label(), l.seats))
        .collect()
}

/// The seats of the list named `list` (a ballot list, by letter).
fn seats_of(decision: &Decision, list: &str) -> u32 {
    decision
        .lists
        .iter()
        .find(|l| l.key == named(list))
        .unwrap_or_else(|| panic!("no list {list}"))
        .seats
}

fn named(list: &str) -> ListKey {
    ListKey::Named(list.to_string())
}

/// Lists with the given totals, each with `per_list` candidates of distinct votes (so that
/// no cap binds and no tie inside a list needs a lottery). The first candidate of each
/// list is the most voted.
fn lists_with_totals(totals: &[(&str, u64)], per_list: u64) -> Contest {
    let mut candidates = Vec::new();
    for &(list, total) in totals {
        // The others get per_list-2, …, 1, 0 votes; the first gets the rest.
        let rest: u64 = (0..per_list - 1).sum();
        assert!(
            total > rest + per_list,
            "total too small for distinct votes"
        );
        candidates.push(Candidate::new(format!("{list}1"), total - rest).in_list(list));
        for k in 1..per_list {
            candidates
                .push(Candidate::new(format!("{list}{}", k + 1), per_list - 1 - k).in_list(list));
        }
    }
    Contest::new("textbook", candidates)
}

/// Candidates without lists (single offices).
fn runners(people: &[(&str, u64)]) -> Contest {
    Contest::new(
        "CHILE",
        people
            .iter()
            .map(|&(name, votes)| Candidate::new(name, votes))
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------
// D'Hondt and the cifra repartidora
// ---------------------------------------------------------------------------------------

// SERVEL's own example of the cifra repartidora: lists of 100, 60 and 40 votes share 5
// seats. Quotients: 100, 60, 50, 40, 33.3 | 30, 25, 20 → 3, 1, 1, cifra repartidora 100/3.
#[test]
fn servel_example_gives_3_1_1_and_cifra_repartidora_100_over_3() {
    let contest = lists_with_totals(&[("A", 100), ("B", 60), ("C", 40)], 5);
    for system in [System::Dhondt, System::ClDhondt] {
        let decision = decide(system, &contest, Some(5));
        assert_eq!(
            list_seats(&decision),
            [
                ("list A".to_string(), 3),
                ("list B".to_string(), 1),
                ("list C".to_string(), 1)
            ],
            "{system}"
        );
        let cifra = decision.cifra_repartidora().expect("D'Hondt has a cifra");
        assert_eq!(cifra, Quotient::new(100, 3), "{system}");
        assert_eq!(
            (cifra.votes, cifra.divisor),
            (100, 3),
            "{system}: kept exact"
        );
        // Seats in the order of the quotients: A÷1, B÷1, A÷2, C÷1, A÷3.
        assert_eq!(
            decision.elected_names,
            ["A1", "B1", "A2", "C1", "A3"],
            "{system}"
        );
        assert_eq!(decision.unfilled_seats, 0);
        assert!(decision.lotteries.is_empty());
        assert_eq!(decision.outcome, Outcome::Elected);
    }
}

// Wikipedia, "D'Hondt method": 100,000 / 80,000 / 30,000 / 20,000 votes, 8 seats.
// D'Hondt: 100k 80k 50k 40k 33.3k 30k 26.7k 25k → 4, 3, 1, 0 (cifra 100,000/4).
// Sainte-Laguë (÷1,3,5,…): 100k 80k 33.3k 30k 26.7k 20k 20k 16k → 3, 3, 1, 1.
#[test]
fn textbook_dhondt_and_sainte_lague_through_decide() {
    let contest = lists_with_totals(
        &[("A", 100_000), ("B", 80_000), ("C", 30_000), ("D", 20_000)],
        8,
    );
    let dhondt = decide(System::Dhondt, &contest, Some(8));
    let seats: Vec<u32> = dhondt.lists.iter().map(|l| l.seats).collect();
    assert_eq!(seats, [4, 3, 1, 0]);
    assert_eq!(dhondt.cifra_repartidora(), Some(Quotient::new(100_000, 4)));

    let sainte_lague = decide(System::SainteLague, &contest, Some(8));
    let seats: Vec<u32> = sainte_lague.lists.iter().map(|l| l.seats).collect();
    assert_eq!(seats, [3, 3, 1, 1]);
    assert_eq!(
        sainte_lague.basis,
        Basis::Quotients {
            divisor: Divisor::SainteLague,
            last_quotient: Some(Quotient::new(80_000, 5)),
            capped: Vec::new(),
            settled: None,
        }
    );
    // Only D'Hondt has a cifra repartidora.
    assert_eq!(sainte_lague.cifra_repartidora(), None);
    // The two 20,000 quotients (A÷5, D÷1) are both above the cut: no lottery.
    assert!(sainte_lague.lotteries.is_empty());
}

// Sainte-Laguë favours smaller lists where D'Hondt favours the larger: 53/24/23, 7 seats.
// D'Hondt: 53 26.5 24 23 17.7 13.25 12 → 4, 2, 1.
// Sainte-Laguë: 53 24 23 17.7 10.6 8 7.67 → 3, 2, 2.
#[test]
fn sainte_lague_divides_by_odd_numbers() {
    let contest = lists_with_totals(&[("A", 5300), ("B", 2400), ("C", 2300)], 7);
    let dhondt = decide(System::Dhondt, &contest, Some(7));
    assert_eq!(
        dhondt.lists.iter().map(|l| l.seats).collect::<Vec<_>>(),
        [4, 2, 1]
    );
    let sainte_lague = decide(System::SainteLague, &contest, Some(7));
    assert_eq!(
        sainte_lague
            .lists
            .iter()
            .map(|l| l.seats)
            .collect::<Vec<_>>(),
        [3, 2, 2]
    );
}

// ---------------------------------------------------------------------------------------
// Largest remainders
// ---------------------------------------------------------------------------------------

// Wikipedia, "Largest remainder method": 47,000 / 16,000 / 15,800 / 12,000 / 6,100 /
// 3,100 votes (100,000), 10 seats.
// Hare quota 10,000: whole seats 4,1,1,1,0,0; remainders 7000, 6000, 5800, 2000, 6100,
// 3100 → the 3 seats left go to A, E, B → 5, 2, 1, 1, 1, 0.
// Droop quota ⌊100,000/11⌋+1 = 9,091: whole 5,1,1,1,0,0; remainders 1545, 6909, 6709,
// 2909, 6100, 3100 → the 2 left go to B, C → 5, 2, 2, 1, 0, 0.
#[test]
fn textbook_hare_and_droop_through_decide() {
    let contest = lists_with_totals(
        &[
            ("A", 47_000),
            ("B", 16_000),
            ("C", 15_800),
            ("D", 12_000),
            ("E", 6_100),
            ("F", 3_100),
        ],
        10,
    );
    let hare = decide(System::Hare, &contest, Some(10));
    assert_eq!(
        hare.lists.iter().map(|l| l.seats).collect::<Vec<_>>(),
        [5, 2, 1, 1, 1, 0]
    );
    assert_eq!(
        hare.basis,
        Basis::Remainders {
            quota: Quota::Hare,
            value: Quotient::new(100_000, 10),
        }
    );
    let droop = decide(System::Droop, &contest, Some(10));
    assert_eq!(
        droop.lists.iter().map(|l| l.seats).collect::<Vec<_>>(),
        [5, 2, 2, 1, 0, 0]
    );
    assert_eq!(
        droop.basis,
        Basis::Remainders {
            quota: Quota::Droop,
            value: Quotient::new(9_091, 1),
        }
    );
    for decision in [&hare, &droop] {
        assert_eq!(decision.elected.len(), 10);
        assert_eq!(decision.unfilled_seats, 0);
        assert!(decision.lotteries.is_empty());
        assert_eq!(decision.cifra_repartidora(), None);
    }
}

// A list with fewer candidates than its whole quotas: the seat it cannot fill goes to the
// largest remainder among the others. 700/200/100, 10 seats, Hare quota 100: A is owed 7
// seats but has 2 candidates; B 2 + C 1 whole seats, then remainders are all 0 and B and
// C take the rest until their candidates run out.
#[test]
fn largest_remainders_respect_the_candidates_of_each_list() {
    let mut contest = lists_with_totals(&[("B", 200), ("C", 100)], 4);
    contest
        .candidates
        .push(Candidate::new("A1", 400).in_list("A"));
    contest
        .candidates
        .push(Candidate::new("A2", 300).in_list("A"));
    let hare = decide(System::Hare, &contest, Some(10));
    assert_eq!(seats_of(&hare, "A"), 2);
    assert_eq!(seats_of(&hare, "B"), 4);
    assert_eq!(seats_of(&hare, "C"), 4);
    assert_eq!(hare.elected.len(), 10);
    assert_eq!(hare.unfilled_seats, 0);
}

// ---------------------------------------------------------------------------------------
// cl-dhondt: Ley 20.840, art. 121 of Ley 18.700
// ---------------------------------------------------------------------------------------

/// The hand-computed case below.
///
/// List A (a pact): party P: p1 300, p2 100, and pi 50 (an independent associated with P);
///                  party Q: q1 200, q2 30;
///                  i1 140 (an independent associated with no party).
///                  A = 820.
/// List B (party R alone): r1 250, r2 90. B = 340.
/// c1 60, running alone (no list).
fn pact_contest() -> Contest {
    Contest::new(
        "hand",
        vec![
            Candidate::new("r2", 90).in_list("B").of_party("R"),
            Candidate::new("p1", 300).in_list("A").of_party("P"),
            Candidate::new("q2", 30).in_list("A").of_party("Q"),
            Candidate::new("i1", 140).in_list("A"),
            Candidate::new("pi", 50).in_list("A").of_party("P"),
            Candidate::new("c1", 60),
            Candidate::new("r1", 250).in_list("B").of_party("R"),
            Candidate::new("q1", 200).in_list("A").of_party("Q"),
            Candidate::new("p2", 100).in_list("A").of_party("P"),
        ],
    )
}

// Worked on paper, 5 seats:
// 1. Among lists: A 820, 410, 273.3, 205, 164; B 340, 170; c1 60.
//    Top 5: A÷1 820, A÷2 410, B÷1 340, A÷3 273.3, A÷4 205 → A 4, B 1, c1 0.
//    Cifra repartidora 820/4 = 205 (next quotient: B÷2 170).
// 2. Inside A, its 4 seats among P 450 (300+100+50, pi counts with P), Q 230 and i1 140
//    (a group of their own): P 450, 225, 150; Q 230, 115; i1 140.
//    Top 4: P÷1 450, Q÷1 230, P÷2 225, P÷3 150 → P 3, Q 1, i1 0.
//    Had pi counted apart, P would be 400 and P÷3 = 133.3 < i1's 140: i1 would win.
// 3. Inside P its 3 most voted (p1, p2, pi: pi with 50 votes beats i1 with 140); Q: q1.
//    Inside B: r1.
// Order of election: A÷1 → P÷1 p1; A÷2 → Q÷1 q1; B÷1 → r1; A÷3 → P÷2 p2; A÷4 → P÷3 pi.
#[test]
fn cl_dhondt_shares_a_pacts_seats_among_its_parties_by_dhondt() {
    let contest = pact_contest();
    let decision = decide(System::ClDhondt, &contest, Some(5));
    assert_eq!(decision.elected_names, ["p1", "q1", "r1", "p2", "pi"]);
    assert_eq!(decision.cifra_repartidora(), Some(Quotient::new(820, 4)));
    assert_eq!(
        list_seats(&decision),
        [
            ("list A".to_string(), 4),
            ("list B".to_string(), 1),
            ("c1 (no list)".to_string(), 0)
        ]
    );
    let pact = &decision.lists[0];
    assert_eq!(pact.votes, 820);
    let parties: Vec<(PartyKey, u64, u32)> = pact
        .parties
        .iter()
        .map(|p| (p.key.clone(), p.votes, p.seats))
        .collect();
    assert_eq!(
        parties,
        [
            (PartyKey::Named("P".into()), 450, 3),
            (PartyKey::Named("Q".into()), 230, 1),
            (PartyKey::Alone("i1".into()), 140, 0),
        ]
    );
    // A list of one party reports no parties.
    assert!(decision.lists[1].parties.is_empty());
    assert!(decision.lotteries.is_empty());
}

// The same contest under plain D'Hondt ignores the parties: A's 4 seats go to its 4 most
// voted (p1 300, q1 200, i1 140, p2 100), so i1 is elected and pi is not.
#[test]
fn plain_dhondt_ignores_pacts_and_takes_each_lists_most_voted() {
    let contest = pact_contest();
    let decision = decide(System::Dhondt, &contest, Some(5));
    assert_eq!(decision.elected_names, ["p1", "q1", "r1", "i1", "p2"]);
}

// An unaffiliated independent inside a pact is a group of their own and can win a seat as
// such. Pact A: P p1 100, p2 90 (190); i1 120 alone; Q q1 5. 2 seats, A on the ballot
// with B 10: A 315, 157.5; B 10 → A 2. Inside A: P 190, 95; i1 120; Q 5 → P 1, i1 1
// (p2 with 90 loses to i1 even though P's total is larger).
#[test]
fn cl_dhondt_unaffiliated_independent_in_a_pact_is_a_group_of_their_own() {
    let contest = Contest::new(
        "ind",
        vec![
            Candidate::new("p1", 100).in_list("A").of_party("P"),
            Candidate::new("p2", 90).in_list("A").of_party("P"),
            Candidate::new("i1", 120).in_list("A"),
            Candidate::new("q1", 5).in_list("A").of_party("Q"),
            Candidate::new("b1", 10).in_list("B").of_party("R"),
        ],
    );
    let decision = decide(System::ClDhondt, &contest, Some(2));
    assert_eq!(decision.elected_names, ["p1", "i1"]);
    assert_eq!(
        decision.lists[0]
            .parties
            .iter()
            .map(|p| (p.key.label(), p.seats))
            .collect::<Vec<_>>(),
        [
            ("P".to_string(), 1),
            ("i1 (independent)".to_string(), 1),
            ("Q".to_string(), 0)
        ]
    );
}

// Rule 4, first half: a party with fewer candidates than its quotients entitle it gives
// the seat to the next quotient inside the same pact, not to another list.
// Pact A: P p1 500 (alone in P); Q q1 100, q2 80. A = 680. B: b1 150, b2 10 = 160.
// 3 seats among lists: A 680, 340, 226.7 | B 160 → A 3 (B's 160 is next, but A can fill).
// Inside A: P 500, 250, 166.7; Q 180, 90. P is owed 2 but has 1 candidate, so its second
// seat goes to the next quotient in the pact, Q÷2 = 90 (below B's 160): P 1, Q 2.
// Order: P÷1 p1, Q÷1 q1, Q÷2 q2.
#[test]
fn cl_dhondt_a_partys_unfillable_seat_stays_inside_its_pact() {
    let contest = Contest::new(
        "cap",
        vec![
            Candidate::new("p1", 500).in_list("A").of_party("P"),
            Candidate::new("q1", 100).in_list("A").of_party("Q"),
            Candidate::new("q2", 80).in_list("A").of_party("Q"),
            Candidate::new("b1", 150).in_list("B").of_party("R"),
            Candidate::new("b2", 10).in_list("B").of_party("R"),
        ],
    );
    let decision = decide(System::ClDhondt, &contest, Some(3));
    assert_eq!(decision.elected_names, ["p1", "q1", "q2"]);
    assert_eq!(seats_of(&decision, "B"), 0);
    assert_eq!(decision.cifra_repartidora(), Some(Quotient::new(680, 3)));
}

// Rule 4, second half: a list (here a pact) with fewer candidates than its quotients
// entitle it gives the seat to the next quotient among the other lists.
// SERVEL's 100/60/40 with A a pact of 2 candidates (P p1 90, Q q1 10), 5 seats:
// A 100, 50, [33.3 — cannot fill] ; B 60, 30; C 40 → A 2, B 2, C 1; cifra repartidora
// is B÷2 = 30. Order: A÷1, B÷1, A÷2, C÷1, B÷2; inside A: P÷1 90 (p1), Q÷1 10 (q1).
#[test]
fn cl_dhondt_a_lists_unfillable_seat_goes_to_the_next_list() {
    let contest = Contest::new(
        "servel-capped",
        vec![
            Candidate::new("p1", 90).in_list("A").of_party("P"),
            Candidate::new("q1", 10).in_list("A").of_party("Q"),
            Candidate::new("b1", 35).in_list("B").of_party("R"),
            Candidate::new("b2", 15).in_list("B").of_party("R"),
            Candidate::new("b3", 10).in_list("B").of_party("R"),
            Candidate::new("c1", 25).in_list("C").of_party("S"),
            Candidate::new("c2", 15).in_list("C").of_party("S"),
        ],
    );
    let decision = decide(System::ClDhondt, &contest, Some(5));
    assert_eq!(decision.elected_names, ["p1", "b1", "q1", "c1", "b2"]);
    assert_eq!(
        list_seats(&decision),
        [
            ("list A".to_string(), 2),
            ("list B".to_string(), 2),
            ("list C".to_string(), 1)
        ]
    );
    assert_eq!(decision.cifra_repartidora(), Some(Quotient::new(60, 2)));
}

// Rule 5: candidates of one party with equal votes across the cut are drawn by lot, and
// the draw is reported.
#[test]
fn cl_dhondt_a_tie_between_candidates_of_a_party_is_a_reported_lottery() {
    let contest = Contest::new(
        "tie",
        vec![
            Candidate::new("p1", 50).in_list("A").of_party("P"),
            Candidate::new("p2", 50).in_list("A").of_party("P"),
            Candidate::new("b1", 10).in_list("B").of_party("R"),
        ],
    );
    let decision = decide(System::ClDhondt, &contest, Some(1));
    assert_eq!(decision.lotteries.len(), 1);
    let draw = &decision.lotteries[0];
    assert_eq!(draw.tied_labels(), ["p1", "p2"]);
    assert_eq!(draw.chosen.len(), 1);
    assert_eq!(decision.elected_names, [draw.chosen[0].name.as_str()]);
}

// Rule 5: equal quotients across the last seat are drawn by lot. A 60, B 30, 2 seats:
// A÷1 60, then A÷2 30 and B÷1 30 tie for the second seat.
#[test]
fn cl_dhondt_equal_quotients_for_the_last_seat_are_a_reported_lottery() {
    let contest = lists_with_totals(&[("A", 60), ("B", 30)], 3);
    let decision = decide(System::ClDhondt, &contest, Some(2));
    assert_eq!(decision.lotteries.len(), 1);
    let draw = &decision.lotteries[0];
    assert_eq!(draw.purpose, Purpose::ListSeats);
    assert_eq!(draw.tied_labels(), ["list A ÷ 2", "list B ÷ 1"]);
    let (a, b) = (seats_of(&decision, "A"), seats_of(&decision, "B"));
    if draw.chosen_labels() == ["list A ÷ 2"] {
        assert_eq!((a, b), (2, 0));
    } else {
        assert_eq!(draw.chosen_labels(), ["list B ÷ 1"]);
        assert_eq!((a, b), (1, 1));
    }
    assert_eq!(decision.cifra_repartidora(), Some(Quotient::new(30, 1)));
}

// ---------------------------------------------------------------------------------------
// cl-council: Ley 18.695 (municipal councils); cl-regional-council: Ley 19.175 (Ley 20.678)
// ---------------------------------------------------------------------------------------

/// The hand-computed case below.
///
/// List A (a pact): sub-pact S1: a1 300 (party P), a2 100 (an independent in S1);
///                  sub-pact S2: s 450 (party Q), its only candidate;
///                  party R outside sub-pacts: r1 120, r2 60;
///                  i1 90, an independent outside sub-pacts.
///                  A = 1,120.
/// List B (party T's own list, with an independent on it): bi 260 (independent),
///                  t1 200, t2 50. B = 510.
fn subpact_contest() -> Contest {
    Contest::new(
        "subpacts",
        vec![
            Candidate::new("a1", 300)
                .in_list("A")
                .in_subpact("S1")
                .of_party("P"),
            Candidate::new("a2", 100).in_list("A").in_subpact("S1"),
            Candidate::new("s", 450)
                .in_list("A")
                .in_subpact("S2")
                .of_party("Q"),
            Candidate::new("r1", 120).in_list("A").of_party("R"),
            Candidate::new("r2", 60).in_list("A").of_party("R"),
            Candidate::new("i1", 90).in_list("A"),
            Candidate::new("bi", 260).in_list("B"),
            Candidate::new("t1", 200).in_list("B").of_party("T"),
            Candidate::new("t2", 50).in_list("B").of_party("T"),
        ],
    )
}

// Ley 18.695: D'Hondt among lists; inside a pact, D'Hondt among its sub-pacts, its parties
// outside sub-pacts and each independent outside a sub-pact, each capped by its
// candidates; then the most voted of each; a party's own list elects its most voted.
// Worked on paper, 6 seats:
// 1. Among lists: A 1,120, 560, 373.3, 280, 224; B 510, 255, 170.
//    Top 6: A÷1, A÷2, B÷1, A÷3, A÷4, B÷2 → A 4, B 2; cifra repartidora B÷2 = 255.
// 2. Inside A, 4 seats among S2 450 (1 candidate), S1 400 (2), R 180 (2), i1 90 (1):
//    S2 450, [S2÷2 225: S2 has no second candidate], S1 400, 200, R 180, 90, i1 90.
//    Top 4: S2÷1, S1÷1, S1÷2, R÷1 → S2 1, S1 2, R 1, i1 0. Uncapped, S2÷2 (225) would
//    have taken R's seat.
// 3. S1's 2 seats to a1 and a2 (the independent in the sub-pact counts with it); R's to
//    r1. B is party T's own list: its 2 most voted, bi 260 and t1 200.
// Order of election: A÷1 → S2÷1 s; A÷2 → S1÷1 a1; B÷1 → bi; A÷3 → S1÷2 a2; A÷4 → R÷1 r1;
// B÷2 → t1.
#[test]
fn council_shares_a_pacts_seats_among_subpacts_parties_and_independents_with_caps() {
    let contest = subpact_contest();
    let decision = decide(System::ClCouncil, &contest, Some(6));
    assert_eq!(decision.elected_names, ["s", "a1", "bi", "a2", "r1", "t1"]);
    assert_eq!(decision.cifra_repartidora(), Some(Quotient::new(510, 2)));
    assert_eq!(
        list_seats(&decision),
        [("list A".to_string(), 4), ("list B".to_string(), 2)]
    );
    assert!(decision.lotteries.is_empty());
}

// Calle Larga 2024 (6 seats; SERVEL): list U "CHILE MUCHO MEJOR" wins 3 seats, and its
// sub-pact "PS E INDEPENDIENTES" runs out of candidates. Among lists: U 3,071, 1,535.5,
// 1,023.7; I 2,237, 1,118.5; B 877 → U 3, I 2, B 1 (the other lists, E 811, A 803, G 667,
// Y 585, an independent with 411 and P 206, win none; each is one candidate here, since
// only their totals matter). Inside U: PS 2,175 (2 candidates), PDC 563 (2), PPD 333 (2):
// PS 2,175, 1,087.5, [725: PS has no third candidate], PDC 563 → PS 2, PDC 1. The PDC's
// 503 takes the seat PS's 725 quotient could not; PPD's 194 does not. As proclaimed.
#[test]
fn council_calle_larga_2024_a_subpact_runs_out_of_candidates() {
    let u = |name: &str, votes, subpact: &str, party: Option<&str>| {
        let c = Candidate::new(name, votes).in_list("U").in_subpact(subpact);
        match party {
            Some(p) => c.of_party(p),
            None => c,
        }
    };
    let ps = "PS E INDEPENDIENTES";
    let pdc = "PDC E INDEPENDIENTES";
    let ppd = "PPD E INDEPENDIENTES";
    let mut candidates = vec![
        u("SEBASTIAN MAURICIO OROSCO AHUMADA", 1160, ps, None),
        u(
            "BARBARA FARIAS VIGUERA",
            1015,
            ps,
            Some("PARTIDO SOCIALISTA DE CHILE"),
        ),
        u("CARLOS ESPINOZA BARRERA", 503, pdc, None),
        u("ALEJANDRA ETELDA MORENO MARTINEZ", 194, ppd, None),
        u("HORACIO ANTONIO RAMIREZ LAZCANO", 139, ppd, None),
        u("MARIA ISABEL GONZALEZ GONZALEZ", 60, pdc, None),
    ];
    let rn = "RENOVACION NACIONAL";
    for (name, votes, party) in [
        ("JUAN EDUARDO VILLARROEL SALINAS", 556, Some(rn)),
        ("GABRIEL BIANCHINI FROST", 540, Some(rn)),
        ("GERARDO GALLARDO GALLARDO", 454, Some(rn)),
        ("CHRISTIAN RODRIGUEZ PARRA", 321, None),
        ("MARCOS LEIVA VERA", 268, Some(rn)),
        ("GLADYS DEL CARMEN CORREA VILLARROEL", 98, Some(rn)),
    ] {
        let c = Candidate::new(name, votes).in_list("I");
        candidates.push(if let Some(p) = party {
            c.of_party(p)
        } else {
            c
        });
    }
    candidates.extend([
        Candidate::new("ALEX JONATHAN CABEZAS HERRERA", 512).in_list("B"),
        Candidate::new("PATRICIO DEL TRANSITO HIDALGO RODRIGUEZ", 198).in_list("B"),
        Candidate::new("EMILIO JOSE ZARATE OTAROLA", 167)
            .in_list("B")
            .of_party("POPULAR"),
        Candidate::new("list E", 811).in_list("E"),
        Candidate::new("list A", 803).in_list("A"),
        Candidate::new("list G", 667).in_list("G"),
        Candidate::new("list Y", 585).in_list("Y"),
        Candidate::new("PAULO ANDRES GONZALEZ TAPIA", 411),
        Candidate::new("list P", 206).in_list("P"),
    ]);
    let contest = Contest::new("CALLE LARGA", candidates);
    let decision = decide(System::ClCouncil, &contest, Some(6));
    assert_eq!(seats_of(&decision, "U"), 3);
    assert_eq!(seats_of(&decision, "I"), 2);
    assert_eq!(seats_of(&decision, "B"), 1);
    let mut elected = decision.elected_names.clone();
    elected.sort();
    assert_eq!(
        elected,
        [
            "ALEX JONATHAN CABEZAS HERRERA",
            "BARBARA FARIAS VIGUERA",
            "CARLOS ESPINOZA BARRERA",
            "GABRIEL BIANCHINI FROST",
            "JUAN EDUARDO VILLARROEL SALINAS",
            "SEBASTIAN MAURICIO OROSCO AHUMADA",
        ]
    );
}

// An independent outside any list is a list of their own, and no list takes more seats
// than it has candidates: i 1,000 alone and list A (a1 200, a2 100), 3 seats. Quotients:
// i 1,000, [500: i is one candidate], A 300, 150 → i 1, A 2.
#[test]
fn council_an_independent_outside_any_list_takes_one_seat_at_most() {
    let contest = Contest::new(
        "alone",
        vec![
            Candidate::new("i", 1000),
            Candidate::new("a1", 200).in_list("A").of_party("P"),
            Candidate::new("a2", 100).in_list("A").of_party("P"),
        ],
    );
    let decision = decide(System::ClCouncil, &contest, Some(3));
    assert_eq!(decision.elected_names, ["i", "a1", "a2"]);
    let Basis::Quotients { capped, .. } = &decision.basis else {
        panic!("quotients")
    };
    assert_eq!(capped, &[ListKey::Alone("i".to_string())]);
}

// Ley 18.695: equal quotients go to the candidate with more individual votes, then to lot.
// A 60 (a1 35, a2 25), B 30 (b1 28, b2 2), 2 seats: A÷2 and B÷1 tie at 30 for the second
// seat; A's would go to a2 (25), B's to b1 (28): b1 is elected, with no lottery (the deputies'
// rule would draw it).
#[test]
fn council_equal_quotients_go_to_the_candidate_with_more_votes() {
    let contest = Contest::new(
        "tie",
        vec![
            Candidate::new("a1", 35).in_list("A").of_party("P"),
            Candidate::new("a2", 25).in_list("A").of_party("P"),
            Candidate::new("b1", 28).in_list("B").of_party("R"),
            Candidate::new("b2", 2).in_list("B").of_party("R"),
        ],
    );
    let decision = decide(System::ClCouncil, &contest, Some(2));
    assert_eq!(decision.elected_names, ["a1", "b1"]);
    assert!(decision.lotteries.is_empty());
    let Basis::Quotients {
        settled: Some(tie), ..
    } = &decision.basis
    else {
        panic!("a settled tie")
    };
    assert_eq!(
        (tie.won.candidate.as_str(), tie.won.votes, tie.won.divisor),
        ("b1", 28, 1)
    );
    assert_eq!(
        (
            tie.lost.candidate.as_str(),
            tie.lost.votes,
            tie.lost.divisor
        ),
        ("a2", 25, 2)
    );
    assert_eq!(
        decide(System::ClDhondt, &contest, Some(2)).lotteries.len(),
        1
    );
}

// The same tie with equal individual votes (a2 25, b1 25) goes to lot, reported.
#[test]
fn council_equal_quotients_and_equal_candidates_are_a_reported_lottery() {
    let contest = Contest::new(
        "tie",
        vec![
            Candidate::new("a1", 35).in_list("A").of_party("P"),
            Candidate::new("a2", 25).in_list("A").of_party("P"),
            Candidate::new("b1", 25).in_list("B").of_party("R"),
            Candidate::new("b2", 5).in_list("B").of_party("R"),
        ],
    );
    let decision = decide(System::ClCouncil, &contest, Some(2));
    assert_eq!(decision.lotteries.len(), 1);
    assert_eq!(
        decision.lotteries[0].tied_labels(),
        ["list A ÷ 2", "list B ÷ 1"]
    );
    let Basis::Quotients { settled, .. } = &decision.basis else {
        panic!("quotients")
    };
    assert_eq!(settled, &None);
}

// A party's own list with an independent on it, 1 seat: T t1 150, t2 120 (270) and the
// independent bi 200. Municipal councils elect the list's most voted, bi; regional
// councils share the list among the party (270) and the independent (200), and T's t1
// takes the seat — as SERVEL proclaimed in Iquique and Limarí in 2024.
#[test]
fn a_partys_own_list_most_voted_for_councils_shared_for_regional_councils() {
    let contest = Contest::new(
        "own list",
        vec![
            Candidate::new("t1", 150).in_list("T").of_party("T"),
            Candidate::new("t2", 120).in_list("T").of_party("T"),
            Candidate::new("bi", 200).in_list("T"),
            Candidate::new("x1", 100).in_list("X").of_party("X"),
        ],
    );
    assert_eq!(
        decide(System::ClCouncil, &contest, Some(1)).elected_names,
        ["bi"]
    );
    assert_eq!(
        decide(System::ClRegionalCouncil, &contest, Some(1)).elected_names,
        ["t1"]
    );
    // In a pact both share: the same list with a second party is a pact for councils too.
    let mut pact = contest.clone();
    pact.candidates
        .push(Candidate::new("u1", 1).in_list("T").of_party("U"));
    assert_eq!(
        decide(System::ClCouncil, &pact, Some(1)).elected_names,
        ["t1"]
    );
}

// ---------------------------------------------------------------------------------------
// cl-convention-2021: Ley 21.200 and Ley 21.216 (gender parity in each district)
// ---------------------------------------------------------------------------------------

fn woman(name: &str, votes: u64) -> Candidate {
    Candidate::new(name, votes).with_sex(Sex::Female)
}

fn man(name: &str, votes: u64) -> Candidate {
    Candidate::new(name, votes).with_sex(Sex::Male)
}

/// (who left, who entered, where from) of every correction.
fn corrections(contest: &Contest, decision: &Decision) -> Vec<(String, String, Pool)> {
    decision
        .corrections
        .iter()
        .map(|c| {
            let name = |i: usize| contest.candidates[i].name.clone();
            (name(c.left), name(c.entered), c.pool.clone())
        })
        .collect()
}

// Ley 21.216: a district electing an odd number may differ by one between the sexes.
// 3 seats. List A (pact): P p1 M 500, p2 M 300, p3 F 100; Q q1 M 250, q2 F 90 (A 1,240).
// List B (party R): b1 M 400, b2 F 150 (B 550).
// D'Hondt: A 1,240, 620; B 550; A÷3 413.3 → A 2, B 1. Inside A: P 900, 450; Q 340 → P 2.
// Elected, in order, p1, p2, b1: three men, a difference of 3. The least voted man, p2 (300), gives
// way to the most voted woman of his party, p3 (100): two men and a woman, within one.
#[test]
fn convention_parity_in_an_odd_district_allows_a_difference_of_one() {
    let contest = Contest::new(
        "odd",
        vec![
            man("p1", 500).in_list("A").of_party("P"),
            man("p2", 300).in_list("A").of_party("P"),
            woman("p3", 100).in_list("A").of_party("P"),
            man("q1", 250).in_list("A").of_party("Q"),
            woman("q2", 90).in_list("A").of_party("Q"),
            man("b1", 400).in_list("B").of_party("R"),
            woman("b2", 150).in_list("B").of_party("R"),
        ],
    );
    let decision = decide(System::ClConvention2021, &contest, Some(3));
    assert_eq!(decision.elected_names, ["p1", "p3", "b1"]);
    assert_eq!(
        corrections(&contest, &decision),
        [("p2".into(), "p3".into(), Pool::Party("P".into()))]
    );
    let c = &decision.corrections[0];
    assert_eq!(
        (c.rule, c.ranked_by),
        (CorrectionRule::GenderParity, Quotient::new(300, 1))
    );
    // Without the correction: the apportionment alone.
    let before = System::ClConvention2021
        .decide_with(&contest, Some(3), &Lottery::default(), Corrections::Omit)
        .unwrap();
    assert_eq!(before.elected_names, ["p1", "p2", "b1"]);
    assert!(before.corrections.is_empty());
    assert_eq!(list_seats(&before), list_seats(&decision));
}

// Ley 21.216: a district electing an even number elects as many women as men; the least
// voted elected member of the over-represented sex gives way first, whatever their list,
// and on a list of independents the list's most voted of the other sex enters.
// 4 seats. List A (party P): a1 F 600, a2 F 500, a3 M 50 (A 1,150). List B, of
// independents: b1 F 400, b2 F 300, b3 M 20 (B 720).
// D'Hondt: A 1,150; B 720; A÷2 575; A÷3 383.3 (B÷2 360 next) → A 3, B 1.
// Elected a1, b1, a2, a3: three women, one man. The least voted woman is b1 (400); her
// list's most voted man, b3 (20), enters: two and two.
#[test]
fn convention_parity_in_an_even_district_elects_as_many_women_as_men() {
    let contest = Contest::new(
        "even",
        vec![
            woman("a1", 600).in_list("A").of_party("P"),
            woman("a2", 500).in_list("A").of_party("P"),
            man("a3", 50).in_list("A").of_party("P"),
            woman("b1", 400).in_list("B"),
            woman("b2", 300).in_list("B"),
            man("b3", 20).in_list("B"),
        ],
    );
    let decision = decide(System::ClConvention2021, &contest, Some(4));
    assert_eq!(decision.elected_names, ["a1", "b3", "a2", "a3"]);
    assert_eq!(
        corrections(&contest, &decision),
        [("b1".into(), "b3".into(), Pool::List(named("B")))]
    );
}

// Ley 21.216: when the party of the member who gives way has no candidate of the other
// sex, the most voted of the other sex of the same list enters (D3 and D13 in 2021).
// 2 seats. List A (pact): P p1 F 500, p2 F 400; Q q1 M 30 (A 930). List B: b1 F 100.
// D'Hondt: A 930, 465; B 100 → A 2; inside A: P 900, 450; Q 30 → P 2: p1, p2, two women.
// p2 (400) gives way; P has no man, so the list's most voted man, Q's q1, enters.
#[test]
fn convention_parity_looks_past_a_party_with_no_candidate_of_the_other_sex() {
    let contest = Contest::new(
        "past the party",
        vec![
            woman("p1", 500).in_list("A").of_party("P"),
            woman("p2", 400).in_list("A").of_party("P"),
            man("q1", 30).in_list("A").of_party("Q"),
            woman("b1", 100).in_list("B").of_party("R"),
        ],
    );
    let decision = decide(System::ClConvention2021, &contest, Some(2));
    assert_eq!(decision.elected_names, ["p1", "q1"]);
    assert_eq!(
        corrections(&contest, &decision),
        [("p2".into(), "q1".into(), Pool::ListPastParty(named("A")))]
    );
    // The pact keeps its 2 seats; now one is P's and one Q's.
    let parties: Vec<(String, u32)> = decision.lists[0]
        .parties
        .iter()
        .map(|p| (p.key.label(), p.seats))
        .collect();
    assert_eq!(parties, [("P".to_string(), 1), ("Q".to_string(), 1)]);
}

// An independent outside any list is never replaced: the next least voted member of the
// over-represented sex gives way instead. 2 seats. i1 F 360 runs alone; list A (party P):
// a1 F 600, a2 M 100 (A 700). D'Hondt: A 700; i1 360; A÷2 350 → A 1, i1 1: a1 and i1, two
// women. The least voted, i1, cannot be replaced; a1 (600) gives way to a2.
#[test]
fn convention_parity_never_replaces_an_independent_outside_any_list() {
    let contest = Contest::new(
        "alone",
        vec![
            woman("i1", 360),
            woman("a1", 600).in_list("A").of_party("P"),
            man("a2", 100).in_list("A").of_party("P"),
        ],
    );
    let decision = decide(System::ClConvention2021, &contest, Some(2));
    assert_eq!(decision.elected_names, ["a2", "i1"]);
    assert_eq!(
        corrections(&contest, &decision),
        [("a1".into(), "a2".into(), Pool::Party("P".into()))]
    );
}

// With nobody who can be replaced the district stays as it is, and says so by making no
// correction: two women alone on their lists.
#[test]
fn convention_parity_without_anyone_to_replace_makes_no_correction() {
    let contest = Contest::new(
        "stuck",
        vec![woman("i1", 300), woman("i2", 200), man("i3", 100)],
    );
    let decision = decide(System::ClConvention2021, &contest, Some(2));
    assert_eq!(decision.elected_names, ["i1", "i2"]);
    assert!(decision.corrections.is_empty());
}

// Parity needs every candidate's sex: a clear error names the first without one.
#[test]
fn convention_parity_needs_every_candidates_sex() {
    let contest = Contest::new(
        "unknown",
        vec![
            woman("a1", 10).in_list("A"),
            Candidate::new("a2", 5).in_list("A"),
        ],
    );
    let err = System::ClConvention2021
        .decide(&contest, Some(1), &Lottery::default())
        .unwrap_err();
    assert_eq!(
        err,
        SystemError::SexRequired {
            candidate: "a2".into()
        }
    );
}

// ---------------------------------------------------------------------------------------
// cl-convention-2021-indigenous: Ley 21.298 (reserved seats)
// ---------------------------------------------------------------------------------------

// Ley 21.298: each people elects its most voted; among the peoples electing one seat,
// while the elected break parity, the elected candidate of the over-represented sex with
// the fewest votes per registered voter of their people gives way to their own
// alternate. Peoples X (1,000 registered): x1 F 100 (alternate XA), x2 M 50;
// Y (200): y1 F 30 (YA); Z (5,000): z1 F 400 (ZA), z2 M 399; W (2 seats, 10,000): w1 F
// 900, w2 F 800. The single-seat peoples elect x1, y1, z1: three women, one too many.
// Votes ÷ registered: x1 0.1, y1 0.15, z1 0.08 → z1 gives way to her alternate ZA (not
// to z2, the most voted man of Z; and not y1, the least voted). W elects two women: it
// is not among the single-seat peoples.
#[test]
fn indigenous_parity_seats_the_alternate_of_the_lowest_share() {
    let people = |name: &str, candidates: Vec<Candidate>| Contest::new(name, candidates);
    let x = people(
        "X",
        vec![
            woman("x1", 100).with_alternate("XA"),
            man("x2", 50).with_alternate("XB"),
        ],
    );
    let y = people("Y", vec![woman("y1", 30).with_alternate("YA")]);
    let z = people(
        "Z",
        vec![
            woman("z1", 400).with_alternate("ZA"),
            man("z2", 399).with_alternate("ZB"),
        ],
    );
    let w = people(
        "W",
        vec![
            woman("w1", 900).with_alternate("WA"),
            woman("w2", 800).with_alternate("WB"),
        ],
    );
    let ballot = |contest, seats, registered| Ballot {
        contest,
        seats: Some(seats),
        registered: Some(registered),
    };
    let ballots = [
        ballot(&x, 1, 1_000),
        ballot(&y, 1, 200),
        ballot(&z, 1, 5_000),
        ballot(&w, 2, 10_000),
    ];
    let system = System::ClConvention2021Indigenous;
    let decisions = system
        .decide_all(&ballots, &Lottery::default(), Corrections::Apply)
        .unwrap();
    let names: Vec<Vec<String>> = decisions.iter().map(|d| d.elected_names.clone()).collect();
    assert_eq!(
        names,
        [vec!["x1"], vec!["y1"], vec!["ZA"], vec!["w1", "w2"]]
    );
    let z = &decisions[2];
    assert_eq!(z.corrections.len(), 1);
    let c = &z.corrections[0];
    assert_eq!(
        (c.rule, c.left, c.entered, &c.pool, c.ranked_by),
        (
            CorrectionRule::IndigenousParity,
            0,
            0,
            &Pool::Alternate,
            Quotient::new(400, 5_000)
        )
    );
    assert!(z.seated_by_alternate(0) && !z.holds_seat(0));
    // Decided alone, each people elects its most voted; without the correction too.
    assert_eq!(
        decide(system, ballots[2].contest, Some(1)).elected_names,
        ["z1"]
    );
    let before = system
        .decide_all(&ballots, &Lottery::default(), Corrections::Omit)
        .unwrap();
    assert_eq!(before[2].elected_names, ["z1"]);
    // The correction needs each single-seat people's registered voters.
    let mut missing = ballots;
    missing[1].registered = None;
    let err = system
        .decide_all(&missing, &Lottery::default(), Corrections::Apply)
        .unwrap_err();
    assert_eq!(
        (err.district.as_str(), err.source),
        ("Y", SystemError::RegisteredRequired)
    );
}

// ---------------------------------------------------------------------------------------
// cl-binomial: Ley 18.700 art. 109 bis, as added by Ley 18.799
// ---------------------------------------------------------------------------------------

fn binomial(candidates: Vec<Candidate>) -> (Contest, Decision) {
    let contest = Contest::new("binomial", candidates);
    let decision = decide(System::ClBinomial, &contest, None);
    (contest, decision)
}

// First list 105 > 2 × 52: doblaje, both of A's candidates are elected.
#[test]
fn binomial_doblaje_elects_both_candidates_of_the_first_list() {
    let (_, decision) = binomial(vec![
        Candidate::new("b1", 40).in_list("B"),
        Candidate::new("a2", 45).in_list("A"),
        Candidate::new("a1", 60).in_list("A"),
        Candidate::new("b2", 12).in_list("B"),
    ]);
    assert_eq!(decision.elected_names, ["a1", "a2"]);
    assert_eq!(
        decision.basis,
        Basis::Doblaje {
            first: named("A"),
            second: Some(named("B")),
        }
    );
    assert_eq!(
        list_seats(&decision),
        [("list A".to_string(), 2), ("list B".to_string(), 0)]
    );
    assert_eq!(decision.seats, 2);
    assert_eq!(decision.unfilled_seats, 0);
}

// Art. 109 bis: both candidates of a list are elected when its votes "excediere el doble"
// of the next list's: exceed double. Exactly 2 × the second list's votes is not a
// doblaje; one vote more is.
#[test]
fn binomial_exactly_twice_the_second_list_is_not_a_doblaje() {
    let (_, decision) = binomial(vec![
        Candidate::new("a1", 70).in_list("A"),
        Candidate::new("a2", 30).in_list("A"),
        Candidate::new("b1", 30).in_list("B"),
        Candidate::new("b2", 20).in_list("B"),
    ]);
    assert_eq!(decision.elected_names, ["a1", "b1"]);
    assert_eq!(
        decision.basis,
        Basis::TopTwoLists {
            first: named("A"),
            second: Some(named("B")),
        }
    );

    // One vote more exceeds double.
    let (_, decision) = binomial(vec![
        Candidate::new("a1", 70).in_list("A"),
        Candidate::new("a2", 31).in_list("A"),
        Candidate::new("b1", 30).in_list("B"),
        Candidate::new("b2", 20).in_list("B"),
    ]);
    assert_eq!(decision.elected_names, ["a1", "a2"]);
    assert!(matches!(decision.basis, Basis::Doblaje { .. }));
}

// No doblaje: the most voted candidate of each of the two first lists. Lists count, not
// candidates: c1 alone with 45 votes beats b1 (30) individually but list C (45) is third.
#[test]
fn binomial_without_doblaje_elects_the_top_candidate_of_the_two_first_lists() {
    let (_, decision) = binomial(vec![
        Candidate::new("a1", 40).in_list("A"),
        Candidate::new("a2", 59).in_list("A"),
        Candidate::new("b1", 30).in_list("B"),
        Candidate::new("b2", 20).in_list("B"),
        Candidate::new("c1", 45).in_list("C"),
    ]);
    assert_eq!(decision.elected_names, ["a2", "b1"]);
    assert_eq!(
        decision.basis,
        Basis::TopTwoLists {
            first: named("A"),
            second: Some(named("B")),
        }
    );
    assert!(decision.lotteries.is_empty());
}

// A list with a single candidate that doubles the second list cannot use its second seat:
// it goes to the second list. The basis says so (it did double), rather than "does not
// double".
#[test]
fn binomial_doblaje_by_a_single_candidate_list_gives_the_second_seat_to_the_second_list() {
    let (_, decision) = binomial(vec![
        Candidate::new("a1", 200).in_list("A"),
        Candidate::new("b1", 50).in_list("B"),
        Candidate::new("b2", 40).in_list("B"),
        Candidate::new("c1", 30).in_list("C"),
    ]);
    assert_eq!(decision.elected_names, ["a1", "b1"]);
    assert_eq!(
        decision.basis,
        Basis::DoblajeWithOneCandidate {
            first: named("A"),
            second: Some(named("B")),
        }
    );
    assert_eq!(decision.unfilled_seats, 0);
}

// A tie between lists goes to the list whose best candidate has more votes: B and C have
// 100 each; C's c1 (70) beats B's b1 (60). A 150 < 200: no doblaje.
#[test]
fn binomial_tie_between_lists_goes_to_the_best_individual_candidate() {
    let (_, decision) = binomial(vec![
        Candidate::new("a1", 100).in_list("A"),
        Candidate::new("a2", 50).in_list("A"),
        Candidate::new("b1", 60).in_list("B"),
        Candidate::new("b2", 40).in_list("B"),
        Candidate::new("c1", 70).in_list("C"),
        Candidate::new("c2", 30).in_list("C"),
    ]);
    assert_eq!(decision.elected_names, ["a1", "c1"]);
    assert_eq!(
        decision.basis,
        Basis::TopTwoLists {
            first: named("A"),
            second: Some(named("C")),
        }
    );
    assert!(decision.lotteries.is_empty());
}

// Equal list votes and equal best candidates: a lottery, reported.
#[test]
fn binomial_remaining_tie_between_lists_is_a_reported_lottery() {
    let (_, decision) = binomial(vec![
        Candidate::new("a1", 100).in_list("A"),
        Candidate::new("a2", 50).in_list("A"),
        Candidate::new("b1", 60).in_list("B"),
        Candidate::new("b2", 40).in_list("B"),
        Candidate::new("c1", 60).in_list("C"),
        Candidate::new("c2", 40).in_list("C"),
    ]);
    assert_eq!(decision.lotteries.len(), 1);
    let draw = &decision.lotteries[0];
    assert_eq!(draw.purpose, Purpose::BinomialLists);
    assert_eq!(draw.tied_labels(), ["list B", "list C"]);
    let winner = if draw.chosen_labels() == ["list B"] {
        "b1"
    } else {
        "c1"
    };
    assert_eq!(draw.chosen.len(), 1);
    assert_eq!(decision.elected_names, ["a1", winner]);
    let second = if winner == "b1" { "B" } else { "C" };
    assert_eq!(
        decision.basis,
        Basis::TopTwoLists {
            first: named("A"),
            second: Some(named(second)),
        }
    );
}

// Two candidates of the same list with equal votes, no doblaje: a lottery picks one.
#[test]
fn binomial_tie_inside_a_list_is_a_reported_lottery() {
    let (_, decision) = binomial(vec![
        Candidate::new("a1", 50).in_list("A"),
        Candidate::new("a2", 50).in_list("A"),
        Candidate::new("b1", 60).in_list("B"),
    ]);
    assert_eq!(decision.lotteries.len(), 1);
    assert_eq!(decision.lotteries[0].tied_labels(), ["a1", "a2"]);
    let chosen = decision.lotteries[0].chosen[0].clone();
    assert_eq!(decision.elected_names, [chosen.name.as_str(), "b1"]);
}

// Each list presents at most 2 candidates.
#[test]
fn binomial_rejects_a_list_with_three_candidates() {
    let contest = Contest::new(
        "too-large",
        vec![
            Candidate::new("a1", 10).in_list("A"),
            Candidate::new("a2", 10).in_list("A"),
            Candidate::new("b1", 10).in_list("B"),
            Candidate::new("b2", 10).in_list("B"),
            Candidate::new("b3", 10).in_list("B"),
        ],
    );
    assert_eq!(
        System::ClBinomial.decide(&contest, None, &Lottery::default()),
        Err(SystemError::ListTooLarge {
            list: ListKey::Named("B".into()),
            count: 3,
        })
    );
}

// A lone list of two candidates doubles the (absent) second list, so both are elected —
// even when nobody voted: there are two seats and two candidates, and the engine's own
// contract is that a seat goes unfilled only when there are more seats than candidates.
#[test]
fn binomial_single_list_with_no_votes_fills_both_seats() {
    let (_, decision) = binomial(vec![
        Candidate::new("a1", 0).in_list("A"),
        Candidate::new("a2", 0).in_list("A"),
    ]);
    assert_eq!(decision.unfilled_seats, 0);
    assert_eq!(decision.elected, [0, 1]);
}

// Candidates with no list are lists of their own under the binomial system too.
#[test]
fn binomial_candidates_without_a_list_are_lists_of_their_own() {
    let (_, decision) = binomial(vec![
        Candidate::new("x", 70),
        Candidate::new("y", 40),
        Candidate::new("z", 30),
    ]);
    assert_eq!(decision.elected_names, ["x", "y"]);
    assert_eq!(decision.unfilled_seats, 0);
}

// ---------------------------------------------------------------------------------------
// cl-presidential (1980 Constitution, art. 26), two-round, cl-presidential-1925 (art. 64)
// ---------------------------------------------------------------------------------------

// 1989: Aylwin 3,850,571 of 6,979,859 valid votes = 55.17 %: elected in the first round.
#[test]
fn presidential_1989_aylwin_elected_outright() {
    let contest = runners(&[
        ("Büchi", 2_052_116),
        ("Aylwin", 3_850_571),
        ("Errázuriz", 1_077_172),
    ]);
    for system in [
        System::ClPresidential,
        System::TwoRound,
        System::ClPresidential1925,
    ] {
        let decision = decide(system, &contest, None);
        assert_eq!(decision.outcome, Outcome::Elected, "{system}");
        assert_eq!(decision.elected_names, ["Aylwin"]);
        assert_eq!(decision.runoff, None);
        assert_eq!(decision.basis, Basis::AbsoluteMajority);
        assert_eq!(decision.seats, 1);
    }
}

// 1999: Lagos 47.96 %, Lavín 47.51 %: no majority, runoff Lagos–Lavín in that order.
#[test]
fn presidential_1999_goes_to_a_runoff_lagos_then_lavin() {
    let contest = runners(&[
        ("Marín", 225_224),
        ("Lavín", 3_352_199),
        ("Frei Bolocco", 26_812),
        ("Larraín", 36_235),
        ("Lagos", 3_383_334),
        ("Reitze", 29_870),
    ]);
    for system in [System::ClPresidential, System::TwoRound] {
        let decision = decide(system, &contest, None);
        assert_eq!(decision.outcome, Outcome::Runoff, "{system}");
        assert_eq!(decision.runoff_names(&contest), Some(["Lagos", "Lavín"]));
        assert!(decision.elected.is_empty());
        assert_eq!(decision.basis, Basis::NoAbsoluteMajority);
        assert!(decision.lotteries.is_empty());
    }
}

// 2006 second round: Bachelet 53.50 %, Piñera 46.50 %.
#[test]
fn presidential_2006_second_round_elects_bachelet() {
    let contest = runners(&[("Piñera", 3_236_394), ("Bachelet", 3_723_019)]);
    let decision = decide(System::ClPresidential, &contest, None);
    assert_eq!(decision.outcome, Outcome::Elected);
    assert_eq!(decision.elected_names, ["Bachelet"]);
}

// "More than 50 %": exactly half is not an absolute majority.
#[test]
fn presidential_exactly_half_is_not_a_majority() {
    let contest = runners(&[("A", 500), ("B", 300), ("C", 200)]);
    let decision = decide(System::ClPresidential, &contest, None);
    assert_eq!(decision.outcome, Outcome::Runoff);
    assert_eq!(decision.runoff_names(&contest), Some(["A", "B"]));

    let contest = runners(&[("A", 501), ("B", 300), ("C", 200)]);
    let decision = decide(System::ClPresidential, &contest, None);
    assert_eq!(decision.outcome, Outcome::Elected);
}

// Blank and null votes are never valid: 51 of 100 valid votes is a majority even though
// it is 51 of 115 votes cast (44 %).
#[test]
fn presidential_majority_counts_valid_votes_only() {
    let mut contest = runners(&[("A", 51), ("B", 49)]);
    contest.blank = 10;
    contest.null = 5;
    assert_eq!(contest.valid_votes(), 100);
    assert_eq!(contest.total_votes(), 115);
    for system in [
        System::ClPresidential,
        System::TwoRound,
        System::ClPresidential1925,
    ] {
        let decision = decide(system, &contest, None);
        assert_eq!(decision.outcome, Outcome::Elected, "{system}");
        assert_eq!(decision.elected_names, ["A"]);
    }
}

// A tie for the second place of a runoff is drawn by lot and reported.
#[test]
fn presidential_tie_for_the_runoff_is_a_reported_lottery() {
    let contest = runners(&[("A", 40), ("B", 30), ("C", 30)]);
    let decision = decide(System::ClPresidential, &contest, None);
    assert_eq!(decision.lotteries.len(), 1);
    assert_eq!(decision.lotteries[0].tied_labels(), ["B", "C"]);
    let second = decision.lotteries[0].chosen[0].clone();
    assert_eq!(
        decision.runoff_names(&contest),
        Some(["A", second.name.as_str()])
    );
}

// 1970: Allende 36.6 %, Alessandri 35.3 %, Tomic 28.1 %: Congress chooses between Allende
// and Alessandri.
#[test]
fn presidential_1925_1970_goes_to_congress_allende_alessandri() {
    let contest = runners(&[
        ("Tomic", 824_849),
        ("Alessandri", 1_036_278),
        ("Allende", 1_075_616),
    ]);
    let decision = decide(System::ClPresidential1925, &contest, None);
    assert_eq!(decision.outcome, Outcome::Congress);
    assert_eq!(decision.outcome.id(), "congress");
    assert_eq!(
        decision.runoff_names(&contest),
        Some(["Allende", "Alessandri"])
    );
    assert!(decision.elected.is_empty());
    assert_eq!(decision.basis, Basis::NoAbsoluteMajority);

    // The same votes under the 1980 Constitution would have gone to a second round.
    let decision = decide(System::ClPresidential, &contest, None);
    assert_eq!(decision.outcome, Outcome::Runoff);
    assert_eq!(decision.outcome.id(), "runoff");
}

// ---------------------------------------------------------------------------------------
// cl-mayor (Ley 18.695) and plurality
// ---------------------------------------------------------------------------------------

#[test]
fn mayor_most_voted_wins_even_without_majority() {
    let mut contest = runners(&[("A", 30), ("B", 45), ("C", 25)]);
    contest.blank = 100;
    let decision = decide(System::ClMayor, &contest, None);
    assert_eq!(decision.elected_names, ["B"]);
    assert_eq!(decision.outcome, Outcome::Elected);
    assert_eq!(decision.basis, Basis::Plurality);
    assert_eq!(decision.runoff, None);
    // Mayor elects exactly one; giving 1 explicitly is accepted.
    assert_eq!(decide(System::ClMayor, &contest, Some(1)), decision);
}

#[test]
fn mayor_tie_is_a_reported_lottery() {
    let contest = runners(&[("A", 45), ("B", 45), ("C", 10)]);
    let decision = decide(System::ClMayor, &contest, None);
    assert_eq!(decision.lotteries.len(), 1);
    let draw = &decision.lotteries[0];
    assert_eq!(draw.tied_labels(), ["A", "B"]);
    assert_eq!(draw.chosen.len(), 1);
    assert_eq!(decision.elected_names, [draw.chosen[0].name.as_str()]);
}

#[test]
fn plurality_elects_the_three_most_voted() {
    let contest = runners(&[("A", 10), ("B", 50), ("C", 30), ("D", 40), ("E", 20)]);
    let decision = decide(System::Plurality, &contest, Some(3));
    assert_eq!(decision.elected_names, ["B", "D", "C"]);
    assert!(decision.lotteries.is_empty());
    // Default: one seat.
    let decision = decide(System::Plurality, &contest, None);
    assert_eq!(decision.elected_names, ["B"]);
}

#[test]
fn plurality_tie_for_the_last_seat_is_a_reported_lottery() {
    let contest = runners(&[("A", 50), ("B", 30), ("C", 30), ("D", 30)]);
    let decision = decide(System::Plurality, &contest, Some(2));
    assert_eq!(decision.lotteries.len(), 1);
    assert_eq!(decision.lotteries[0].tied_labels(), ["B", "C", "D"]);
    let chosen = decision.lotteries[0].chosen[0].clone();
    assert_eq!(decision.elected_names, ["A", chosen.name.as_str()]);
}

// ---------------------------------------------------------------------------------------
// Seats rules and errors
// ---------------------------------------------------------------------------------------

fn small_contest() -> Contest {
    Contest::new(
        "small",
        vec![
            Candidate::new("a1", 30).in_list("A"),
            Candidate::new("a2", 20).in_list("A"),
            Candidate::new("b1", 25).in_list("B"),
        ],
    )
}

#[test]
fn unknown_system_id_is_an_error_listing_the_systems() {
    let err = "cl-dhont".parse::<System>().unwrap_err();
    assert_eq!(err.given, "cl-dhont");
    let message = err.to_string();
    for system in System::ALL {
        assert!(message.contains(system.id()), "{message}");
    }
    for system in System::ALL {
        assert_eq!(system.id().parse::<System>(), Ok(system));
    }
}

#[test]
fn zero_seats_is_an_error_for_every_system() {
    for system in System::ALL {
        assert_eq!(
            system.decide(&small_contest(), Some(0), &Lottery::default()),
            Err(SystemError::ZeroSeats),
            "{system}"
        );
    }
}

#[test]
fn single_offices_take_no_seats() {
    for system in [
        System::ClPresidential,
        System::ClPresidential1925,
        System::TwoRound,
    ] {
        assert_eq!(
            system.decide(&small_contest(), Some(1), &Lottery::default()),
            Err(SystemError::SeatsNotAllowed { system }),
            "{system}"
        );
    }
}

#[test]
fn fixed_seat_systems_reject_another_number() {
    assert_eq!(
        System::ClBinomial.decide(&small_contest(), Some(3), &Lottery::default()),
        Err(SystemError::WrongSeats {
            system: System::ClBinomial,
            expected: 2,
            given: 3,
        })
    );
    assert_eq!(
        System::ClMayor.decide(&small_contest(), Some(2), &Lottery::default()),
        Err(SystemError::WrongSeats {
            system: System::ClMayor,
            expected: 1,
            given: 2,
        })
    );
    assert!(System::ClBinomial
        .decide(&small_contest(), Some(2), &Lottery::default())
        .is_ok());
}

#[test]
fn list_methods_require_seats() {
    for system in [
        System::ClDhondt,
        System::Dhondt,
        System::SainteLague,
        System::Hare,
        System::Droop,
    ] {
        assert_eq!(
            system.decide(&small_contest(), None, &Lottery::default()),
            Err(SystemError::SeatsRequired { system }),
            "{system}"
        );
    }
}

#[test]
fn a_contest_without_candidates_is_an_error_for_every_system() {
    let empty = Contest::new("empty", Vec::new());
    for system in System::ALL {
        let seats = match system.seats_rule() {
            cifra_core::SeatsRule::Required => Some(3),
            _ => None,
        };
        assert_eq!(
            system.decide(&empty, seats, &Lottery::default()),
            Err(SystemError::NoCandidates),
            "{system}"
        );
    }
}

#[test]
fn a_single_office_with_no_valid_votes_is_an_error() {
    let mut contest = runners(&[("A", 0), ("B", 0)]);
    contest.blank = 7;
    contest.null = 3;
    for system in [
        System::ClPresidential,
        System::ClPresidential1925,
        System::TwoRound,
    ] {
        assert_eq!(
            system.decide(&contest, None, &Lottery::default()),
            Err(SystemError::NoValidVotes),
            "{system}"
        );
    }
}

// More seats than candidates: every candidate is elected and the rest is reported as
// unfilled, for every system that takes seats.
#[test]
fn more_seats_than_candidates_are_reported_unfilled() {
    let contest = small_contest();
    for system in [
        System::ClDhondt,
        System::Dhondt,
        System::SainteLague,
        System::Hare,
        System::Droop,
        System::Plurality,
    ] {
        let decision = decide(system, &contest, Some(5));
        assert_eq!(decision.seats, 5, "{system}");
        assert_eq!(decision.elected.len(), 3, "{system}");
        assert_eq!(decision.unfilled_seats, 2, "{system}");
        let mut elected = decision.elected.clone();
        elected.sort();
        assert_eq!(elected, [0, 1, 2], "{system}");
    }

    // Binomial with a single candidate: one seat unfilled.
    let lone = Contest::new("lone", vec![Candidate::new("a1", 10).in_list("A")]);
    let decision = decide(System::ClBinomial, &lone, None);
    assert_eq!(decision.elected, [0]);
    assert_eq!(decision.unfilled_seats, 1);
}

#[test]
fn seats_rules_of_each_system() {
    use cifra_core::SeatsRule;
    let expected = [
        (System::ClPresidential, SeatsRule::SingleOffice),
        (System::ClPresidential1925, SeatsRule::SingleOffice),
        (System::ClBinomial, SeatsRule::Exactly(2)),
        (System::ClDhondt, SeatsRule::Required),
        (System::ClMayor, SeatsRule::Exactly(1)),
        (System::Dhondt, SeatsRule::Required),
        (System::SainteLague, SeatsRule::Required),
        (System::Hare, SeatsRule::Required),
        (System::Droop, SeatsRule::Required),
        (System::Plurality, SeatsRule::DefaultsTo(1)),
        (System::TwoRound, SeatsRule::SingleOffice),
    ];
    for (system, rule) in expected {
        assert_eq!(system.seats_rule(), rule, "{system}");
    }
}

// Ley 18.700 art. 121 no. 5 shares seats again among parties only inside a pact. A
// party's own list with an unaffiliated independent on it is not a pact: its seats go
// to its most voted candidates. Here P: 100 + 60 = 160, I: 70; as groups D'Hondt would
// give P both seats (160, 80 > 70), but individually the two most voted are P1 and I.
#[test]
fn cl_dhondt_does_not_split_a_single_party_list() {
    let contest = Contest::new(
        "d",
        vec![
            Candidate::new("P1", 100).in_list("A").of_party("P"),
            Candidate::new("P2", 60).in_list("A").of_party("P"),
            Candidate::new("I", 70).in_list("A"),
        ],
    );
    let decision = System::ClDhondt
        .decide(&contest, Some(2), &Lottery::default())
        .unwrap();
    assert_eq!(decision.elected_names, ["P1", "I"]);
    assert!(
        decision.lists[0].parties.is_empty(),
        "not a pact: no party breakdown"
    );
}

// ---------------------------------------------------------------------------------------
// Seats nobody voted for, and caps the explanation must name
// ---------------------------------------------------------------------------------------

// Droop with lists of 0 and 5 votes for 10 seats used to go round the remainders and give
// the list nobody voted for 2 seats by lot. No list takes a seat nobody voted for: B fills
// what its candidates can, the rest is reported unfilled, and nothing is drawn.
#[test]
fn no_seat_goes_to_a_list_nobody_voted_for() {
    let mut candidates: Vec<Candidate> = (0..10)
        .map(|k| Candidate::new(format!("a{k}"), 0).in_list("A"))
        .collect();
    candidates.extend((0..4).map(|k| Candidate::new(format!("b{k}"), 5 - k).in_list("B")));
    let contest = Contest::new("zero", candidates);
    for system in [
        System::Droop,
        System::Hare,
        System::Dhondt,
        System::SainteLague,
    ] {
        let decision = decide(system, &contest, Some(10));
        assert_eq!(seats_of(&decision, "A"), 0, "{system}");
        assert_eq!(seats_of(&decision, "B"), 4, "{system}");
        assert_eq!(decision.unfilled_seats, 6, "{system}");
        assert!(decision.lotteries.is_empty(), "{system}");
    }
}

// Inside a pact the seats belong to the pact's voters: a seat its parties with votes
// cannot take goes to its remaining candidate even if that party got no votes.
#[test]
fn a_pacts_seat_is_filled_even_by_a_party_nobody_voted_for() {
    let contest = Contest::new(
        "pact",
        vec![
            Candidate::new("p1", 90).in_list("A").of_party("P"),
            Candidate::new("q1", 0).in_list("A").of_party("Q"),
            Candidate::new("r1", 10).in_list("B").of_party("R"),
        ],
    );
    let decision = decide(System::ClDhondt, &contest, Some(2));
    assert_eq!(decision.elected_names, ["p1", "q1"]);
    assert_eq!(decision.unfilled_seats, 0);
}

// D'Hondt with a list that runs out of candidates: the basis names it, so the
// explanation does not claim every list won a seat per quotient at or above the cifra.
#[test]
fn dhondt_basis_names_the_lists_whose_cap_bound() {
    let contest = Contest::new(
        "cap",
        vec![
            Candidate::new("a1", 700).in_list("A"),
            Candidate::new("b1", 200).in_list("B"),
            Candidate::new("b2", 100).in_list("B"),
            Candidate::new("b3", 50).in_list("B"),
        ],
    );
    let decision = decide(System::Dhondt, &contest, Some(3));
    assert_eq!(seats_of(&decision, "A"), 1);
    assert_eq!(seats_of(&decision, "B"), 2);
    let Basis::Quotients { capped, .. } = &decision.basis else {
        panic!("{:?}", decision.basis)
    };
    assert_eq!(capped, &[named("A")]);
}
