//! The lottery (*sorteo*) the law orders for ties: seeded, reproducible, and recorded.
//!
//! Each tied item gets a ticket, `SHA-256("cifra-lottery-v1" 0 seed 0 district 0 purpose 0
//! item)` (0 a zero byte, the seed in decimal); the smallest tickets win. A draw therefore
//! depends only on the seed, the contest, what is being decided and the tied names: not
//! on row order, not on other draws, and anyone can recompute it with `sha256sum`.

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

impl Lottery {
    /// The seed used when none is given.
    pub const DEFAULT_SEED: u64 = 1925;

    /// A lottery seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Lottery { seed }
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The ticket of `item` in a draw about `purpose` in `district`.
    pub fn ticket(&self, district: &str, purpose: &str, item: &str) -> [u8; 32] {
        let mut hash = Sha256::new();
        for part in [
            "cifra-lottery-v1",
            &self.seed.to_string(),
            district,
            purpose,
            item,
        ] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        hash.finalize().into()
    }
}

/// One tie decided by lot, as the output reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LotteryRecord {
    /// What was decided, e.g. "seats among lists".
    pub purpose: String,
    /// The tied items, sorted by name.
    pub tied: Vec<String>,
    /// The items the lot chose, in the order drawn.
    pub chosen: Vec<String>,
}

impl LotteryRecord {
    /// A sentence for people: what tied, for how many places, and what the lot chose.
    pub fn describe(&self) -> String {
        format!(
            "{}: tie between {} for {} place(s); the lot chose {}",
            self.purpose,
            self.tied.join(", "),
            self.chosen.len(),
            self.chosen.join(", ")
        )
    }
}

/// The draws of one contest: the lottery, the contest's name, and the records so far.
#[derive(Debug)]
pub struct Draws<'a> {
    lottery: &'a Lottery,
    district: &'a str,
    records: Vec<LotteryRecord>,
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
    pub fn draw(&mut self, purpose: &str, tied: &[String], places: usize) -> Vec<usize> {
        let tickets: Vec<[u8; 32]> = tied
            .iter()
            .map(|item| self.lottery.ticket(self.district, purpose, item))
            .collect();
        let mut order: Vec<usize> = (0..tied.len()).collect();
        order.sort_by(|&a, &b| tickets[a].cmp(&tickets[b]).then(tied[a].cmp(&tied[b])));
        order.truncate(places);
        let mut names = tied.to_vec();
        names.sort();
        self.records.push(LotteryRecord {
            purpose: purpose.to_string(),
            tied: names,
            chosen: order.iter().map(|&i| tied[i].clone()).collect(),
        });
        order
    }

    /// The draws made, in the order they were made.
    pub fn into_records(self) -> Vec<LotteryRecord> {
        self.records
    }

    /// Picks the best `n` items by `better` (an ordering where `Greater` is better),
    /// deciding a tie across the cut by lot. Returns item positions, best first; items
    /// tied above the cut are ordered by label.
    pub fn select_top<T>(
        &mut self,
        items: &[T],
        n: usize,
        better: impl Fn(&T, &T) -> Ordering,
        label: impl Fn(&T) -> String,
        purpose: &str,
    ) -> Vec<usize> {
        let labels: Vec<String> = items.iter().map(&label).collect();
        let mut order: Vec<usize> = (0..items.len()).collect();
        order.sort_by(|&a, &b| better(&items[b], &items[a]).then(labels[a].cmp(&labels[b])));
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
        let group_labels: Vec<String> = group.iter().map(|&i| labels[i].clone()).collect();
        let chosen = self.draw(purpose, &group_labels, n - start);
        order.truncate(start);
        order.extend(chosen.into_iter().map(|k| group[k]));
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_draw_without_a_tie_across_the_cut() {
        let lottery = Lottery::default();
        let mut draws = Draws::new(&lottery, "d");
        let picked = draws.select_top(&[5, 9, 9, 1], 2, |a, b| a.cmp(b), |v| v.to_string(), "x");
        assert_eq!(picked, [1, 2]);
        assert!(draws.into_records().is_empty());
    }

    #[test]
    fn a_tie_across_the_cut_is_drawn_and_recorded() {
        let lottery = Lottery::default();
        let mut draws = Draws::new(&lottery, "d");
        let items = [("a", 9), ("b", 5), ("c", 5), ("d", 5)];
        let picked = draws.select_top(&items, 2, |a, b| a.1.cmp(&b.1), |v| v.0.to_string(), "seat");
        assert_eq!(picked[0], 0);
        assert!([1, 2, 3].contains(&picked[1]));
        let records = draws.into_records();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].tied, ["b", "c", "d"]);
        assert_eq!(records[0].chosen, [items[picked[1]].0]);
    }

    #[test]
    fn tickets_depend_on_seed_and_contest() {
        let a = Lottery::new(1).ticket("d", "p", "x");
        assert_eq!(a, Lottery::new(1).ticket("d", "p", "x"));
        assert_ne!(a, Lottery::new(2).ticket("d", "p", "x"));
        assert_ne!(a, Lottery::new(1).ticket("e", "p", "x"));
    }
}
