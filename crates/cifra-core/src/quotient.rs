//! Exact quotients: votes divided by a whole number, compared without floating point.

use std::cmp::Ordering;

/// `votes / divisor`, kept as a fraction so that equal quotients compare equal and a tie
/// is a real tie, never an artefact of rounding.
#[derive(Clone, Copy, Debug)]
pub struct Quotient {
    /// The numerator: a list's or party's votes (or a remainder).
    pub votes: u64,
    /// The denominator; never zero.
    pub divisor: u64,
}

impl Quotient {
    /// `votes / divisor`.
    ///
    /// # Panics
    /// If `divisor` is zero (a programming error: every divisor sequence starts at 1).
    pub fn new(votes: u64, divisor: u64) -> Self {
        assert!(divisor > 0, "a quotient's divisor is never zero");
        Quotient { votes, divisor }
    }

    /// The quotient as a floating-point number, for display only.
    pub fn value(&self) -> f64 {
        self.votes as f64 / self.divisor as f64
    }
}

impl PartialEq for Quotient {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Quotient {}

impl PartialOrd for Quotient {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quotient {
    fn cmp(&self, other: &Self) -> Ordering {
        // a/b vs c/d  <=>  a·d vs c·b; u128 cannot overflow for u64 operands.
        let left = self.votes as u128 * other.divisor as u128;
        let right = other.votes as u128 * self.divisor as u128;
        left.cmp(&right)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_fractions_are_equal() {
        assert_eq!(Quotient::new(100, 3), Quotient::new(200, 6));
        assert!(Quotient::new(100, 3) > Quotient::new(33, 1));
        assert!(Quotient::new(u64::MAX, 1) > Quotient::new(u64::MAX, 2));
    }
}
