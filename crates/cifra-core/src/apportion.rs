//! Apportionment: sharing a number of seats among contenders (lists or parties) by
//! their votes, with highest averages (D'Hondt, Sainte-Laguë) or largest remainders
//! (Hare, Droop). All comparisons are exact; ties across the last seat go to the lottery.
//! A contender nobody voted for never takes a seat: a seat no one else can take stays
//! unfilled.
//!
//! ```
//! use cifra_core::apportion::{highest_averages, Contender, Divisor};
//! use cifra_core::lottery::{Draws, Lottery, Occasion, Purpose};
//!
//! // SERVEL's own example: 100, 60 and 40 votes, 5 seats.
//! let lottery = Lottery::default();
//! let mut draws = Draws::new(&lottery, "example");
//! let lists = [
//!     Contender::new("A", 100),
//!     Contender::new("B", 60),
//!     Contender::new("C", 40),
//! ];
//! let occasion = Occasion::contest(Purpose::ListSeats);
//! let result = highest_averages(&lists, 5, Divisor::DHondt, &occasion, &mut draws);
//! assert_eq!(result.seats, [3, 1, 1]);
//! assert_eq!(result.last_quotient.unwrap().value(), 100.0 / 3.0); // the cifra repartidora
//! ```

use crate::lottery::{DrawItem, Draws, Occasion};
use crate::quotient::Quotient;

/// A list or party taking part in an apportionment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contender {
    /// Its bare name, unique among the contenders: what a lottery ticket hashes.
    pub name: String,
    /// How people read it (reports only; defaults to the name).
    pub label: String,
    /// Its votes.
    pub votes: u64,
    /// The most seats it can take (its number of candidates); `u32::MAX` for no limit.
    pub cap: u32,
}

impl Contender {
    /// A contender with no seat limit, read by people as its name.
    pub fn new(name: impl Into<String>, votes: u64) -> Self {
        let name = name.into();
        Contender {
            label: name.clone(),
            name,
            votes,
            cap: u32::MAX,
        }
    }

    /// The same contender, read by people as `label`.
    pub fn labelled(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// The same contender, limited to `cap` seats.
    pub fn with_cap(mut self, cap: u32) -> Self {
        self.cap = cap;
        self
    }
}

/// The divisor sequence of a highest-averages method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Divisor {
    /// 1, 2, 3, … (D'Hondt; in Chile, the *cifra repartidora*).
    DHondt,
    /// 1, 3, 5, … (Sainte-Laguë / Webster).
    SainteLague,
}

impl Divisor {
    /// The divisor for a contender's `k`-th seat, counting from 0.
    pub fn nth(self, k: u64) -> u64 {
        match self {
            Divisor::DHondt => k + 1,
            Divisor::SainteLague => 2 * k + 1,
        }
    }
}

/// The quota of a largest-remainders method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quota {
    /// Valid votes / seats.
    Hare,
    /// ⌊valid votes / (seats + 1)⌋ + 1.
    Droop,
}

/// What an apportionment decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Apportionment {
    /// Seats won by each contender, in the order the contenders were given.
    pub seats: Vec<u32>,
    /// For each seat in the order it was awarded, the contender that took it.
    pub order: Vec<usize>,
    /// Highest averages: the smallest quotient that won a seat (the cifra repartidora).
    pub last_quotient: Option<Quotient>,
    /// Largest remainders: the quota, as a fraction.
    pub quota: Option<Quotient>,
    /// Seats no contender could take because every one reached its cap.
    pub unfilled: u32,
    /// Highest averages with a second criterion ([`highest_averages_by`]): the quotients
    /// that tied across the last seat and that criterion settled, without a lottery.
    pub settled: Option<SettledTie>,
}

/// Two equal quotients across the last seat, settled by a second criterion (in Chile's
/// municipal law, the individual votes of the candidate each quotient would seat).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SettledTie {
    /// The quotient both had.
    pub quotient: Quotient,
    /// The contender that took the seat (its position among the contenders), its
    /// divisor, and its value of the second criterion.
    pub won: (usize, u64, u64),
    /// The contender left without it, its divisor, and its value of the criterion.
    pub lost: (usize, u64, u64),
}

/// Shares `seats` among `contenders` by highest averages. A contender never takes more
/// than its cap; the seat it cannot take goes to the next largest quotient. A contender
/// with no votes has no quotient. Equal quotients across the last seat are drawn by lot.
pub fn highest_averages(
    contenders: &[Contender],
    seats: u32,
    divisor: Divisor,
    occasion: &Occasion,
    draws: &mut Draws,
) -> Apportionment {
    highest_averages_by(contenders, seats, divisor, |_, _| 0, occasion, draws)
}

/// [`highest_averages`] where equal quotients are ranked first by `second(contender,
/// k)` — a value for the contender's `k`-th seat (counting from 0), larger first — and
/// only then drawn by lot. A tie across the last seat that `second` settles is reported in
/// [`Apportionment::settled`].
pub fn highest_averages_by(
    contenders: &[Contender],
    seats: u32,
    divisor: Divisor,
    second: impl Fn(usize, u64) -> u64,
    occasion: &Occasion,
    draws: &mut Draws,
) -> Apportionment {
    let quotients: Vec<(usize, u64, Quotient, u64)> = contenders
        .iter()
        .enumerate()
        .filter(|(_, c)| c.votes > 0)
        .flat_map(|(i, c)| {
            (0..c.cap.min(seats) as u64)
                .map(move |k| (i, k, Quotient::new(c.votes, divisor.nth(k))))
        })
        .map(|(i, k, q)| (i, k, q, second(i, k)))
        .collect();
    let rank = |a: &(usize, u64, Quotient, u64), b: &(usize, u64, Quotient, u64)| {
        a.2.cmp(&b.2).then(a.3.cmp(&b.3))
    };
    let winners = draws.select_top(
        &quotients,
        seats as usize,
        rank,
        |q| {
            let c = &contenders[q.0];
            DrawItem::quotient(c.name.clone(), &c.label, q.2.divisor)
        },
        occasion,
    );
    let order: Vec<usize> = winners.iter().map(|&w| quotients[w].0).collect();
    let last = winners.last().map(|&w| &quotients[w]);
    let mut won = vec![false; quotients.len()];
    for &w in &winners {
        won[w] = true;
    }
    let best_loser = (0..quotients.len())
        .filter(|&i| !won[i])
        .map(|i| &quotients[i])
        .max_by(|a, b| rank(a, b));
    let settled = match (last, best_loser) {
        (Some(won), Some(lost)) if won.2 == lost.2 && won.3 != lost.3 => Some(SettledTie {
            quotient: won.2,
            won: (won.0, won.2.divisor, won.3),
            lost: (lost.0, lost.2.divisor, lost.3),
        }),
        _ => None,
    };
    Apportionment {
        seats: count_seats(contenders.len(), &order),
        last_quotient: last.map(|q| q.2),
        quota: None,
        unfilled: seats - order.len() as u32,
        order,
        settled,
    }
}

/// Shares `seats` among `contenders` by largest remainders: each takes one seat per full
/// quota, and the seats left go to the largest remainders. A contender never takes more
/// than its cap; while seats are left over, the ranking by remainder is walked again
/// among the contenders that have votes and room.
pub fn largest_remainders(
    contenders: &[Contender],
    seats: u32,
    quota: Quota,
    occasion: &Occasion,
    draws: &mut Draws,
) -> Apportionment {
    let total: u64 = contenders.iter().map(|c| c.votes).sum();
    // Every share is the fraction votes·scale / unit, so that whole seats and remainders
    // are exact integers: Hare's quota is total/seats, Droop's a whole number.
    let (scale, unit) = match quota {
        Quota::Hare => (seats as u128, total.max(1) as u128),
        Quota::Droop => (1, (total / (seats as u64 + 1) + 1) as u128),
    };
    let mut won: Vec<u32> = Vec::with_capacity(contenders.len());
    let mut remainders: Vec<u128> = Vec::with_capacity(contenders.len());
    let mut order = Vec::new();
    let mut by_votes: Vec<usize> = (0..contenders.len()).collect();
    by_votes.sort_by(|&a, &b| contenders[b].votes.cmp(&contenders[a].votes));
    for c in contenders {
        let share = c.votes as u128 * scale;
        won.push(((share / unit).min(c.cap as u128)) as u32);
        remainders.push(share % unit);
    }
    let mut left = seats.saturating_sub(won.iter().sum());
    for &i in &by_votes {
        order.extend(std::iter::repeat_n(i, won[i] as usize));
    }
    while left > 0 {
        let open: Vec<usize> = (0..contenders.len())
            .filter(|&i| won[i] < contenders[i].cap && contenders[i].votes > 0)
            .collect();
        if open.is_empty() {
            break;
        }
        let picked = draws.select_top(
            &open,
            left as usize,
            |&a, &b| remainders[a].cmp(&remainders[b]),
            |&i| DrawItem::named(contenders[i].name.clone(), contenders[i].label.clone()),
            occasion,
        );
        for &p in &picked {
            won[open[p]] += 1;
            order.push(open[p]);
        }
        left -= picked.len() as u32;
    }
    Apportionment {
        seats: won,
        order,
        last_quotient: None,
        quota: Some(match quota {
            Quota::Hare => Quotient::new(total, seats.max(1) as u64),
            Quota::Droop => Quotient::new(unit as u64, 1),
        }),
        unfilled: left,
        settled: None,
    }
}

fn count_seats(contenders: usize, order: &[usize]) -> Vec<u32> {
    let mut seats = vec![0; contenders];
    for &i in order {
        seats[i] += 1;
    }
    seats
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lottery::{Lottery, Purpose};

    fn occasion() -> Occasion {
        Occasion::contest(Purpose::ListSeats)
    }

    fn run(
        votes: &[u64],
        seats: u32,
        method: impl Fn(&[Contender], u32, &mut Draws) -> Apportionment,
    ) -> Vec<u32> {
        let lottery = Lottery::default();
        let mut draws = Draws::new(&lottery, "t");
        let contenders: Vec<Contender> = votes
            .iter()
            .enumerate()
            .map(|(i, &v)| Contender::new(format!("L{i}"), v))
            .collect();
        method(&contenders, seats, &mut draws).seats
    }

    fn dhondt(votes: &[u64], seats: u32) -> Vec<u32> {
        run(votes, seats, |c, s, d| {
            highest_averages(c, s, Divisor::DHondt, &occasion(), d)
        })
    }

    fn sainte_lague(votes: &[u64], seats: u32) -> Vec<u32> {
        run(votes, seats, |c, s, d| {
            highest_averages(c, s, Divisor::SainteLague, &occasion(), d)
        })
    }

    fn hare(votes: &[u64], seats: u32) -> Vec<u32> {
        run(votes, seats, |c, s, d| {
            largest_remainders(c, s, Quota::Hare, &occasion(), d)
        })
    }

    fn droop(votes: &[u64], seats: u32) -> Vec<u32> {
        run(votes, seats, |c, s, d| {
            largest_remainders(c, s, Quota::Droop, &occasion(), d)
        })
    }

    #[test]
    fn servel_dhondt_example() {
        assert_eq!(dhondt(&[100, 60, 40], 5), [3, 1, 1]);
    }

    // The textbook example (Wikipedia, "D'Hondt method"): 100,000 / 80,000 / 30,000 /
    // 20,000 votes, 8 seats.
    #[test]
    fn textbook_dhondt_and_sainte_lague() {
        let votes = [100_000, 80_000, 30_000, 20_000];
        assert_eq!(dhondt(&votes, 8), [4, 3, 1, 0]);
        assert_eq!(sainte_lague(&votes, 8), [3, 3, 1, 1]);
    }

    // Wikipedia, "Largest remainder method": 6 parties, 10 seats.
    #[test]
    fn textbook_hare_and_droop() {
        let votes = [47_000, 16_000, 15_800, 12_000, 6_100, 3_100];
        assert_eq!(hare(&votes, 10), [5, 2, 1, 1, 1, 0]);
        assert_eq!(droop(&votes, 10), [5, 2, 2, 1, 0, 0]);
    }

    #[test]
    fn caps_send_seats_to_the_next_quotient() {
        let lottery = Lottery::default();
        let mut draws = Draws::new(&lottery, "t");
        let lists = [
            Contender::new("A", 1000).with_cap(1),
            Contender::new("B", 10),
        ];
        let result = highest_averages(&lists, 3, Divisor::DHondt, &occasion(), &mut draws);
        assert_eq!(result.seats, [1, 2]);
        assert_eq!(result.unfilled, 0);
        assert_eq!(result.order, [0, 1, 1]);
    }

    #[test]
    fn seats_beyond_every_cap_are_unfilled() {
        let lottery = Lottery::default();
        let mut draws = Draws::new(&lottery, "t");
        let lists = [
            Contender::new("A", 5).with_cap(1),
            Contender::new("B", 3).with_cap(1),
        ];
        let result = highest_averages(&lists, 3, Divisor::DHondt, &occasion(), &mut draws);
        assert_eq!((result.seats, result.unfilled), (vec![1, 1], 1));
        let result = largest_remainders(&lists, 3, Quota::Hare, &occasion(), &mut draws);
        assert_eq!((result.seats, result.unfilled), (vec![1, 1], 1));
    }

    // Municipal law: equal quotients go to the one whose candidate has more individual
    // votes. A 60 (its second candidate 25), B 30 (its first 28): A÷2 and B÷1 tie at 30
    // for the second seat, and B's 28 beat A's 25 with no lottery.
    #[test]
    fn a_second_criterion_settles_equal_quotients_before_the_lot() {
        let lottery = Lottery::default();
        let mut draws = Draws::new(&lottery, "t");
        let lists = [Contender::new("A", 60), Contender::new("B", 30)];
        let candidate = |list: usize, k: u64| [[35, 25], [28, 2]][list][k as usize];
        let result = highest_averages_by(
            &lists,
            2,
            Divisor::DHondt,
            candidate,
            &occasion(),
            &mut draws,
        );
        assert_eq!(result.seats, [1, 1]);
        assert_eq!(
            result.settled,
            Some(SettledTie {
                quotient: Quotient::new(30, 1),
                won: (1, 1, 28),
                lost: (0, 2, 25),
            })
        );
        assert!(draws.into_records().is_empty());
    }

    #[test]
    fn a_tie_for_the_last_seat_is_drawn() {
        let lottery = Lottery::default();
        let mut draws = Draws::new(&lottery, "t");
        let lists = [Contender::new("A", 60), Contender::new("B", 30)];
        // Quotients 60, 30, 30: the second seat is a tie between A ÷ 2 and B ÷ 1.
        let result = highest_averages(&lists, 2, Divisor::DHondt, &occasion(), &mut draws);
        assert_eq!(result.seats.iter().sum::<u32>(), 2);
        assert!(result.seats[0] >= 1);
        let records = draws.into_records();
        assert_eq!(records[0].tied_labels(), ["A ÷ 2", "B ÷ 1"]);
    }

    // Droop with 0 and 5 votes for 10 seats used to go round the remainders and give the
    // zero-vote list seats by lot: nobody voted for it, so it takes none, and what the
    // other list cannot take stays unfilled.
    #[test]
    fn a_contender_nobody_voted_for_takes_no_seat() {
        let lists = [
            Contender::new("A", 0).with_cap(10),
            Contender::new("B", 5).with_cap(3),
        ];
        for quota in [Quota::Droop, Quota::Hare] {
            let lottery = Lottery::default();
            let mut draws = Draws::new(&lottery, "t");
            let result = largest_remainders(&lists, 10, quota, &occasion(), &mut draws);
            assert_eq!(
                (&result.seats, result.unfilled),
                (&vec![0, 3], 7),
                "{quota:?}"
            );
            assert!(draws.into_records().is_empty(), "{quota:?}: no draw");
        }
        for divisor in [Divisor::DHondt, Divisor::SainteLague] {
            let lottery = Lottery::default();
            let mut draws = Draws::new(&lottery, "t");
            let result = highest_averages(&lists, 10, divisor, &occasion(), &mut draws);
            assert_eq!(
                (&result.seats, result.unfilled),
                (&vec![0, 3], 7),
                "{divisor:?}"
            );
            assert!(draws.into_records().is_empty(), "{divisor:?}: no draw");
        }
    }
}
