//! The estimation problem: votes and voters per mesa, validated.

use crate::Error;

/// Mesa-level data for one estimation: `B` mesas, `G` groups, `C` options.
///
/// Stored as flat row-major arrays so the E-step walks memory contiguously:
/// `votes[b * C + c]` and `voters[b * G + g]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    mesas: usize,
    groups: usize,
    options: usize,
    votes: Vec<f64>,
    voters: Vec<f64>,
    lines: Option<Vec<u64>>,
}

impl Problem {
    /// Builds a problem from flat row-major `votes` (B×C) and `voters` (B×G).
    ///
    /// Every value must be a finite, non-negative integer count. There must be at least one
    /// mesa, at least one group and at least two options.
    ///
    /// ```
    /// let p = cifra_ei::Problem::new(3, 2, vec![1.0, 2.0, 3.0, 4.0], vec![3.0, 0.0, 3.0, 4.0, 0.0, 0.0])
    ///     .unwrap();
    /// assert_eq!(p.mesas(), 2);
    /// ```
    pub fn new(
        groups: usize,
        options: usize,
        votes: Vec<f64>,
        voters: Vec<f64>,
    ) -> Result<Self, Error> {
        if groups == 0 {
            return Err(Error::NoGroups);
        }
        if options < 2 {
            return Err(Error::TooFewOptions(options));
        }
        if !votes.len().is_multiple_of(options) {
            return Err(Error::RaggedVotes {
                counts: votes.len(),
                options,
            });
        }
        let mesas = votes.len() / options;
        if mesas == 0 {
            return Err(Error::NoMesas);
        }
        if voters.len() != mesas * groups {
            return Err(Error::WrongLength {
                what: "voter counts (one per mesa and group)",
                expected: mesas * groups,
                got: voters.len(),
            });
        }
        if let Some(&v) = votes.iter().chain(&voters).find(|v| !is_count(**v)) {
            return Err(Error::NotACount(v));
        }
        Ok(Problem {
            mesas,
            groups,
            options,
            votes,
            voters,
            lines: None,
        })
    }

    /// Builds a problem from whole counts, as a reader returns them: flat row-major
    /// `votes` (B×C) and `voters` (B×G). There must be at least one mesa, at least one group
    /// and at least two options.
    ///
    /// ```
    /// let p = cifra_ei::Problem::from_counts(1, 2, &[6, 4, 5, 5], &[10, 10]).unwrap();
    /// assert_eq!(p.votes(1), [5.0, 5.0]);
    /// ```
    pub fn from_counts(
        groups: usize,
        options: usize,
        votes: &[u32],
        voters: &[u32],
    ) -> Result<Self, Error> {
        let float = |counts: &[u32]| counts.iter().map(|&n| f64::from(n)).collect();
        Problem::new(groups, options, float(votes), float(voters))
    }

    /// Attaches the source line of each mesa, used to name a mesa in error messages.
    pub fn with_lines(mut self, lines: Vec<u64>) -> Self {
        if lines.len() == self.mesas {
            self.lines = Some(lines);
        }
        self
    }

    /// Number of mesas (B).
    pub fn mesas(&self) -> usize {
        self.mesas
    }

    /// Number of groups (G).
    pub fn groups(&self) -> usize {
        self.groups
    }

    /// Number of options (C).
    pub fn options(&self) -> usize {
        self.options
    }

    /// Votes of mesa `b`, one per option.
    pub fn votes(&self, b: usize) -> &[f64] {
        &self.votes[b * self.options..(b + 1) * self.options]
    }

    /// Voters of mesa `b`, one per group.
    pub fn voters(&self, b: usize) -> &[f64] {
        &self.voters[b * self.groups..(b + 1) * self.groups]
    }

    /// All votes, row-major B×C.
    pub fn all_votes(&self) -> &[f64] {
        &self.votes
    }

    /// All voters, row-major B×G.
    pub fn all_voters(&self) -> &[f64] {
        &self.voters
    }

    /// The source line of mesa `b`, when known.
    pub fn line(&self, b: usize) -> Option<u64> {
        self.lines.as_ref().map(|l| l[b])
    }

    /// Whether mesa `b`'s voters' total differs from its votes' total.
    pub fn is_mismatched(&self, b: usize) -> bool {
        let v: f64 = self.votes(b).iter().sum();
        let w: f64 = self.voters(b).iter().sum();
        v != w
    }

    /// Number of mesas whose voters' total differs from their votes' total.
    pub fn mismatched(&self) -> usize {
        (0..self.mesas).filter(|&b| self.is_mismatched(b)).count()
    }

    /// The problem restricted to the given mesas (in that order; repeats allowed).
    pub fn subset(&self, mesas: &[usize]) -> Problem {
        let mut votes = Vec::with_capacity(mesas.len() * self.options);
        let mut voters = Vec::with_capacity(mesas.len() * self.groups);
        for &b in mesas {
            votes.extend_from_slice(self.votes(b));
            voters.extend_from_slice(self.voters(b));
        }
        let lines = self
            .lines
            .as_ref()
            .map(|l| mesas.iter().map(|&b| l[b]).collect());
        Problem {
            mesas: mesas.len(),
            groups: self.groups,
            options: self.options,
            votes,
            voters,
            lines,
        }
    }

    /// Total voters of each group over all mesas.
    pub fn group_totals(&self) -> Vec<f64> {
        let mut t = vec![0.0; self.groups];
        for row in self.voters.chunks_exact(self.groups) {
            t.iter_mut().zip(row).for_each(|(t, w)| *t += w);
        }
        t
    }
}

fn is_count(v: f64) -> bool {
    v.is_finite() && v >= 0.0 && v.fract() == 0.0
}
