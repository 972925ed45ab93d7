//! The lottery (*sorteo*) the law orders for ties: seeded, reproducible, and recorded.
//!
//! Each tied item gets a ticket, the SHA-256 digest of seven fields, each followed by a
//! zero byte:
//!
//! ```text
//! "cifra-lottery-v2"  seed  district  purpose  scope  name  divisor
//! ```
//!
//! - `seed`: the lottery's seed in decimal;
//! - `district`: the contest's name, as the input gives it;
//! - `purpose`: what is being decided, one of the frozen ids of [`Purpose`];
//! - `scope`: the bare name of the list or party inside which the draw happens (empty for
//!   a draw among lists or among all the candidates);
//! - `name`: the tied item's bare name: a candidate's name, a list's name (for a candidate
//!   outside any list, the candidate's name), a party's name (for an independent
//!   associated with no party, the candidate's name);
//! - `divisor`: for a quotient, its divisor in decimal (D'Hondt's `2` for a list's second
//!   seat); empty otherwise.
//!
//! The smallest tickets (as bytes, so as lowercase hex) win. A draw therefore depends only
//! on the seed, the contest, what is being decided and the tied names: not on row order,
//! not on other draws, and not on how anything is worded for display. Anyone can
//! recompute a ticket with `printf` and `sha256sum` (README.md, "Lottery tickets"); the
//! known-answer tests below pin the format.

use sha2::{Digest, Sha256};
use std::cmp::Ordering;

/// The seed every draw of a run derives from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lottery {
    seed: u64,
}

impl Default for Lottery {
    /// The fixed default seed, so two runs without `--seed` agree.
    fn default() -> Self {
        Lottery::new(Lottery::DEFAULT_SEED)
    }
}

/// What a draw decides. Each purpose's [`Purpose::id`] is part of every ticket and is
/// frozen: changing one would change the winners of past draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Purpose {
    /// The two places of a presidential second round (`runoff`).
    Runoff,
    /// The two candidates the full Congress chooses between, 1925 Constitution
    /// (`congress`).
    Congress,
    /// The two lists that take the binomial system's seats (`binomial-lists`).
    BinomialLists,
    /// Seats among lists, by quotient or remainder (`list-seats`).
    ListSeats,
    /// Seats among the parties of a pact (`party-seats`; scope: the pact).
    PartySeats,
    /// A list's seats among its candidates (`list-candidates`; scope: the list).
    ListCandidates,
    /// A party's seats among its candidates inside a pact (`party-candidates`; scope: the
    /// party).
    PartyCandidates,
    /// Seats among all the candidates by their votes, as for a mayor (`plurality`).
    Plurality,
    /// Which elected member of the over-represented sex gives way under a parity
    /// correction, among those with the fewest votes (`parity-leaves`; in a district,
    /// among its elected; among the peoples of the reserved seats, district empty and
    /// each item the people's name).
    ParityLeaves,
    /// Which candidate of the other sex enters under a parity correction, among the most
    /// voted of the party or list (`parity-enters`; scope: the party or list).
    ParityEnters,
}

impl Purpose {
    /// Every purpose.
    pub const ALL: [Purpose; 10] = [
        Purpose::Runoff,
        Purpose::Congress,
        Purpose::BinomialLists,
        Purpose::ListSeats,
        Purpose::PartySeats,
        Purpose::ListCandidates,
        Purpose::PartyCandidates,
        Purpose::Plurality,
        Purpose::ParityLeaves,
        Purpose::ParityEnters,
    ];

    /// The frozen id that goes into every ticket of a draw with this purpose.
    pub fn id(self) -> &'static str {
        match self {
            Purpose::Runoff => "runoff",
            Purpose::Congress => "congress",
            Purpose::BinomialLists => "binomial-lists",
            Purpose::ListSeats => "list-seats",
            Purpose::PartySeats => "party-seats",
            Purpose::ListCandidates => "list-candidates",
            Purpose::PartyCandidates => "party-candidates",
            Purpose::Plurality => "plurality",
            Purpose::ParityLeaves => "parity-leaves",
            Purpose::ParityEnters => "parity-enters",
        }
    }
}

/// The group inside which a draw happens: its bare name (in the ticket) and how people
/// read it (in reports).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scope {
    /// The bare name, as it goes into the ticket.
    pub name: String,
    /// How people read it, e.g. `list A`.
    pub label: String,
}

impl Scope {
    /// No group: a draw among lists, or among all the candidates.
    pub fn contest() -> Self {
        Scope {
            name: String::new(),
            label: String::new(),
        }
    }
}

/// One item that can be drawn: its bare name and divisor (what the ticket depends on) and
/// a label for people.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DrawItem {
    /// The bare name: a candidate's, a list's or a party's.
    pub name: String,
    /// For a quotient, its divisor.
    pub divisor: Option<u64>,
    /// How people read it, e.g. `list A ÷ 2`.
    pub label: String,
}

impl DrawItem {
    /// An item that is a name only (a candidate, a list, a party).
    pub fn named(name: impl Into<String>, label: impl Into<String>) -> Self {
        DrawItem {
            name: name.into(),
            divisor: None,
            label: label.into(),
        }
    }

    /// An item that is a quotient: a list's or party's votes over `divisor`.
    pub fn quotient(name: impl Into<String>, label: &str, divisor: u64) -> Self {
        DrawItem {
            name: name.into(),
            divisor: Some(divisor),
            label: format!("{label} ÷ {divisor}"),
        }
    }

    /// The order of items that tie without a draw: by bare name, then divisor.
    fn key(&self) -> (&str, Option<u64>) {
        (&self.name, self.divisor)
    }
}

impl Lottery {
    /// The seed used when none is given.
    pub const DEFAULT_SEED: u64 = 1925;

    /// The version tag that starts every ticket.
    pub const TAG: &'static str = "cifra-lottery-v2";

    /// A lottery seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Lottery { seed }
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The ticket of `item` in a draw about `purpose` inside `scope` (a bare name, empty
    /// for none) in `district`.
    ///
    /// ```
    /// use cifra_core::lottery::{DrawItem, Lottery, Purpose};
    ///
    /// // List A's second D'Hondt quotient in district 1, seed 1925: the same digest as
    /// // printf 'cifra-lottery-v2\0%s\0%s\0%s\0%s\0%s\0%s\0' 1925 1 list-seats '' A 2 | sha256sum
    /// let item = DrawItem::quotient("A", "list A", 2);
    /// let ticket = Lottery::new(1925).ticket("1", Purpose::ListSeats, "", &item);
    /// assert_eq!(ticket[..4], [0x74, 0x31, 0xec, 0xb5]);
    /// ```
    pub fn ticket(
        &self,
        district: &str,
        purpose: Purpose,
        scope: &str,
        item: &DrawItem,
    ) -> [u8; 32] {
        let divisor = item.divisor.map(|d| d.to_string()).unwrap_or_default();
        let mut hash = Sha256::new();
        for part in [
            Self::TAG,
            &self.seed.to_string(),
            district,
            purpose.id(),
            scope,
            &item.name,
            &divisor,
        ] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        hash.finalize().into()
    }
}

/// One tied item of a draw, with its ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ticket {
    /// The item.
    pub item: DrawItem,
    /// Its SHA-256 ticket.
    pub digest: [u8; 32],
}

impl Ticket {
    /// The digest in lowercase hexadecimal, as `sha256sum` prints it.
    pub fn hex(&self) -> String {
        self.digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// One tie decided by lot, as the output reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LotteryRecord {
    /// What was decided.
    pub purpose: Purpose,
    /// Inside which list or party.
    pub scope: Scope,
    /// The tied items with their tickets, in the order of their names.
    pub tickets: Vec<Ticket>,
    /// The items the lot chose, in the order drawn (smallest ticket first).
    pub chosen: Vec<DrawItem>,
}

impl LotteryRecord {
    /// The tied items' labels, in the order of their names.
    pub fn tied_labels(&self) -> Vec<&str> {
        self.tickets.iter().map(|t| t.item.label.as_str()).collect()
    }

    /// The chosen items' labels, in the order drawn.
    pub fn chosen_labels(&self) -> Vec<&str> {
        self.chosen.iter().map(|i| i.label.as_str()).collect()
    }
}

/// The draws of one contest: the lottery, the contest's name, and the records so far.
#[derive(Debug)]
pub struct Draws<'a> {
    lottery: &'a Lottery,
    district: &'a str,
    records: Vec<LotteryRecord>,
}

/// What a draw is about: its purpose and the group it happens in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occasion {
    /// What is decided.
    pub purpose: Purpose,
    /// Inside which group.
    pub scope: Scope,
}

impl Occasion {
    /// A draw about `purpose` among lists or among all the candidates.
    pub fn contest(purpose: Purpose) -> Self {
        Occasion {
            purpose,
            scope: Scope::contest(),
        }
    }

    /// A draw about `purpose` inside the group `name`, read by people as `label`.
    pub fn inside(purpose: Purpose, name: impl Into<String>, label: impl Into<String>) -> Self {
        Occasion {
            purpose,
            scope: Scope {
                name: name.into(),
                label: label.into(),
            },
        }
    }
}

impl<'a> Draws<'a> {
    /// Draws for the contest `district`.
    pub fn new(lottery: &'a Lottery, district: &'a str) -> Self {
        Draws {
            lottery,
            district,
            records: Vec::new(),
        }
    }

    /// Chooses `places` of the `tied` items by lot, records the draw, and returns the
    /// positions (in `tied`) of the chosen items in the order drawn.
    pub fn draw(&mut self, occasion: &Occasion, tied: &[DrawItem], places: usize) -> Vec<usize> {
        let digests: Vec<[u8; 32]> = tied
            .iter()
            .map(|item| {
                self.lottery
                    .ticket(self.district, occasion.purpose, &occasion.scope.name, item)
            })
            .collect();
        let mut order: Vec<usize> = (0..tied.len()).collect();
        order.sort_by(|&a, &b| {
            digests[a]
                .cmp(&digests[b])
                .then(tied[a].key().cmp(&tied[b].key()))
        });
        order.truncate(places);
        let mut by_name: Vec<usize> = (0..tied.len()).collect();
        by_name.sort_by(|&a, &b| tied[a].key().cmp(&tied[b].key()));
        self.records.push(LotteryRecord {
            purpose: occasion.purpose,
            scope: occasion.scope.clone(),
            tickets: by_name
                .iter()
                .map(|&i| Ticket {
                    item: tied[i].clone(),
                    digest: digests[i],
                })
                .collect(),
            chosen: order.iter().map(|&i| tied[i].clone()).collect(),
        });
        order
    }

    /// New, empty draws for the same contest and lottery, to work out what the law would
    /// do without recording it (a look-ahead); the same tie draws the same way in both.
    pub fn scratch(&self) -> Draws<'a> {
        Draws::new(self.lottery, self.district)
    }

    /// The draws made, in the order they were made.
    pub fn into_records(self) -> Vec<LotteryRecord> {
        self.records
    }

    /// Picks the best `n` items by `better` (an ordering where `Greater` is better),
    /// deciding a tie across the cut by lot. Returns item positions, best first; items
    /// tied above the cut are ordered by their draw keys (bare name, then divisor).
    ///
    /// This is the one place where "the best N, a tie across the cut drawn by lot" is
    /// implemented: every system goes through it.
    pub fn select_top<T>(
        &mut self,
        items: &[T],
        n: usize,
        better: impl Fn(&T, &T) -> Ordering,
        key: impl Fn(&T) -> DrawItem,
        occasion: &Occasion,
    ) -> Vec<usize> {
        let mut order: Vec<usize> = (0..items.len()).collect();
        // Best first (stable: equals keep their positions); then each run of equals in
        // the order of its draw keys, made only for items that tie with another.
        order.sort_by(|&a, &b| better(&items[b], &items[a]));
        let mut start = 0;
        while start < order.len() {
            let end = (start + 1..order.len())
                .find(|&i| !better(&items[order[i]], &items[order[start]]).is_eq())
                .unwrap_or(order.len());
            if end - start > 1 {
                let mut run: Vec<(DrawItem, usize)> = order[start..end]
                    .iter()
                    .map(|&i| (key(&items[i]), i))
                    .collect();
                run.sort_by(|a, b| a.0.key().cmp(&b.0.key()));
                for (slot, (_, i)) in order[start..end].iter_mut().zip(run) {
                    *slot = i;
                }
            }
            start = end;
        }
        if n >= order.len() {
            return order;
        }
        if n == 0 {
            return Vec::new();
        }
        let tied_with_cut = |i: usize| better(&items[order[i]], &items[order[n]]).is_eq();
        if !tied_with_cut(n - 1) {
            order.truncate(n);
            return order;
        }
        let start = (0..n).find(|&i| tied_with_cut(i)).unwrap_or(n - 1);
        let end = (n..order.len())
            .find(|&i| !tied_with_cut(i))
            .unwrap_or(order.len());
        let group: Vec<usize> = order[start..end].to_vec();
        let group_keys: Vec<DrawItem> = group.iter().map(|&i| key(&items[i])).collect();
        let chosen = self.draw(occasion, &group_keys, n - start);
        order.truncate(start);
        order.extend(chosen.into_iter().map(|k| group[k]));
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(v: &(&str, u64)) -> DrawItem {
        DrawItem::named(v.0, v.0)
    }

    #[test]
    fn no_draw_without_a_tie_across_the_cut() {
        let lottery = Lottery::default();
        let mut draws = Draws::new(&lottery, "d");
        let items = [("a", 5), ("b", 9), ("c", 9), ("d", 1)];
        let occasion = Occasion::contest(Purpose::Plurality);
        let picked = draws.select_top(&items, 2, |a, b| a.1.cmp(&b.1), item, &occasion);
        assert_eq!(picked, [1, 2]);
        assert!(draws.into_records().is_empty());
    }

    #[test]
    fn a_tie_across_the_cut_is_drawn_and_recorded() {
        let lottery = Lottery::default();
        let mut draws = Draws::new(&lottery, "d");
        let items = [("a", 9), ("b", 5), ("c", 5), ("d", 5)];
        let occasion = Occasion::contest(Purpose::Plurality);
        let picked = draws.select_top(&items, 2, |a, b| a.1.cmp(&b.1), item, &occasion);
        assert_eq!(picked[0], 0);
        assert!([1, 2, 3].contains(&picked[1]));
        let records = draws.into_records();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].tied_labels(), ["b", "c", "d"]);
        assert_eq!(records[0].chosen_labels(), [items[picked[1]].0]);
    }

    #[test]
    fn tickets_depend_on_seed_contest_purpose_scope_name_and_divisor() {
        let x = DrawItem::named("x", "x");
        let t = |seed, district, purpose, scope, item: &DrawItem| {
            Lottery::new(seed).ticket(district, purpose, scope, item)
        };
        let a = t(1, "d", Purpose::ListSeats, "", &x);
        assert_eq!(a, t(1, "d", Purpose::ListSeats, "", &x));
        assert_ne!(a, t(2, "d", Purpose::ListSeats, "", &x));
        assert_ne!(a, t(1, "e", Purpose::ListSeats, "", &x));
        assert_ne!(a, t(1, "d", Purpose::PartySeats, "", &x));
        assert_ne!(a, t(1, "d", Purpose::ListSeats, "A", &x));
        assert_ne!(
            a,
            t(1, "d", Purpose::ListSeats, "", &DrawItem::named("y", "x"))
        );
        assert_ne!(
            a,
            t(
                1,
                "d",
                Purpose::ListSeats,
                "",
                &DrawItem::quotient("x", "x", 1)
            )
        );
    }

    #[test]
    fn labels_never_change_a_ticket() {
        let lottery = Lottery::new(7);
        let plain = DrawItem::quotient("A", "list A", 2);
        let reworded = DrawItem::quotient("A", "lista A", 2);
        assert_eq!(
            lottery.ticket("1", Purpose::ListSeats, "", &plain),
            lottery.ticket("1", Purpose::ListSeats, "", &reworded)
        );
    }

    #[test]
    fn purpose_ids_are_distinct() {
        let ids: std::collections::BTreeSet<&str> = Purpose::ALL.iter().map(|p| p.id()).collect();
        assert_eq!(ids.len(), Purpose::ALL.len());
    }
}
