//! Known answers for the lottery's tickets. The digests below were computed outside cifra,
//! with coreutils (the README shows the same command):
//!
//! ```sh
//! printf 'cifra-lottery-v2\0%s\0%s\0%s\0%s\0%s\0%s\0' SEED DISTRICT PURPOSE SCOPE NAME DIVISOR | sha256sum
//! ```
//!
//! Any change to the ticket (its fields, their order, a purpose id) breaks these tests, and
//! with them every published draw: that is the point.

use cifra_core::lottery::{DrawItem, Lottery, Purpose};
use cifra_core::{Candidate, Contest, System};

fn hex(digest: [u8; 32]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Lists A (60 votes) and B (30) share 2 seats in district 1: A÷1 wins the first; A÷2 and
/// B÷1 tie at 30 for the second, a draw `list-seats` between A with divisor 2 and B with
/// divisor 1.
fn dhondt_tie() -> Contest {
    Contest::new(
        "1",
        vec![
            Candidate::new("a1", 40).in_list("A"),
            Candidate::new("a2", 20).in_list("A"),
            Candidate::new("b1", 30).in_list("B"),
        ],
    )
}

#[test]
fn a_dhondt_tie_has_fixed_tickets_and_a_fixed_winner() {
    let lottery = Lottery::new(1925);
    let a = DrawItem::quotient("A", "list A", 2);
    let b = DrawItem::quotient("B", "list B", 1);
    // printf 'cifra-lottery-v2\0%s\0%s\0%s\0%s\0%s\0%s\0' 1925 1 list-seats '' A 2 | sha256sum
    assert_eq!(
        hex(lottery.ticket("1", Purpose::ListSeats, "", &a)),
        "7431ecb527b85d344937d996d1795190c454f1b04870b02f879716813d332d33"
    );
    // printf 'cifra-lottery-v2\0%s\0%s\0%s\0%s\0%s\0%s\0' 1925 1 list-seats '' B 1 | sha256sum
    assert_eq!(
        hex(lottery.ticket("1", Purpose::ListSeats, "", &b)),
        "006dea4d671c4d99a083fac7f8479aa76552df2d1a1f41e258fdd4d18b88f5ea"
    );
    // B's ticket is the smaller: B takes the second seat.
    let decision = System::ClDhondt
        .decide(&dhondt_tie(), Some(2), &lottery)
        .unwrap();
    assert_eq!(decision.elected_names, ["a1", "b1"]);
    let draw = &decision.lotteries[0];
    assert_eq!(draw.purpose.id(), "list-seats");
    assert_eq!(draw.chosen_labels(), ["list B ÷ 1"]);
    assert_eq!(
        draw.tickets.iter().map(|t| t.hex()).collect::<Vec<_>>(),
        [
            "7431ecb527b85d344937d996d1795190c454f1b04870b02f879716813d332d33",
            "006dea4d671c4d99a083fac7f8479aa76552df2d1a1f41e258fdd4d18b88f5ea"
        ]
    );
}

#[test]
fn a_mayors_tie_has_fixed_tickets_and_a_fixed_winner() {
    let lottery = Lottery::new(1925);
    // printf 'cifra-lottery-v2\0%s\0%s\0%s\0%s\0%s\0%s\0' 1925 Arica plurality '' Ana '' | sha256sum
    assert_eq!(
        hex(lottery.ticket(
            "Arica",
            Purpose::Plurality,
            "",
            &DrawItem::named("Ana", "Ana")
        )),
        "8a5f7ac96173a207c158a37b7d6dfec1e244b7b576b30aceda85d8ff4bce08fd"
    );
    assert_eq!(
        hex(lottery.ticket(
            "Arica",
            Purpose::Plurality,
            "",
            &DrawItem::named("Beto", "Beto")
        )),
        "61a46abb3f972d652bdad8e7e03bd665fcb2e9d65ed58c249eb061dac9bd5606"
    );
    let contest = Contest::new(
        "Arica",
        vec![Candidate::new("Ana", 500), Candidate::new("Beto", 500)],
    );
    let decision = System::ClMayor.decide(&contest, None, &lottery).unwrap();
    assert_eq!(decision.elected_names, ["Beto"]);
}

/// Purpose ids are part of every ticket: frozen, whatever the display text says.
#[test]
fn purpose_ids_are_frozen() {
    let ids: Vec<&str> = Purpose::ALL.iter().map(|p| p.id()).collect();
    assert_eq!(
        ids,
        [
            "runoff",
            "congress",
            "binomial-lists",
            "list-seats",
            "party-seats",
            "list-candidates",
            "party-candidates",
            "plurality",
            "parity-leaves",
            "parity-enters"
        ]
    );
}

// A draw among the peoples of the reserved seats belongs to no one contest: its tickets
// have an empty district, and each item is the people's name.
#[test]
fn a_parity_draw_among_peoples_has_an_empty_district() {
    // printf 'cifra-lottery-v2\0%s\0%s\0%s\0%s\0%s\0%s\0' 1925 '' parity-leaves '' Diaguita '' | sha256sum
    assert_eq!(
        hex(Lottery::new(1925).ticket(
            "",
            Purpose::ParityLeaves,
            "",
            &DrawItem::named("Diaguita", "Diaguita")
        )),
        "11c1f23cdaef6655417c349412a98f19e4ad426882499ef4b35c245ae1bbe093"
    );
}
