//! Every district's totals as the long-format reader sums them, and [`Totals`]: the
//! districts in natural order, each turned into a [`Contest`] only when asked for.
//!
//! A reader sums into a [`Store`]: the names in one buffer (no allocation per name),
//! districts in the order first seen, and the candidates of all districts in one vector,
//! each district's chained from its first, so that a district of two candidates costs no
//! allocation of its own. A district with many candidates also keeps an index of them by
//! name. The optional descriptive fields (pact, sub-pact, sex, alternate) sit apart, only
//! for the candidates that have any: a file without them costs nothing more.

use crate::error::InputError;
use crate::input::{
    add_votes, check_same_details, check_same_list, natural_bytes, same_bytes, Details, Who,
};
use cifra_core::{Affiliation, Candidate, Contest, Sex};
use hashbrown::HashTable;
use rayon::prelude::*;
use std::hash::BuildHasher;

/// The end of a chain of candidates.
const NONE: u32 = u32::MAX;

/// Up to this many candidates, a district finds a candidate by scanning its chain.
const FEW: u32 = 12;

/// Where a name is in a store's buffer of names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Span {
    start: u32,
    len: u32,
}

/// One candidate's running total, with where it was first seen.
#[derive(Debug)]
pub(crate) struct CandidateTally {
    name: Span,
    list: Span,
    party: Span,
    votes: u64,
    line: u64,
    /// The district's next candidate, or [`NONE`].
    next: u32,
    /// The candidate's details in [`Store::details`], or [`NONE`] if all are empty (in
    /// what was padding: the tally is no larger for them).
    details: u32,
}

/// One district's running totals.
#[derive(Debug)]
pub(crate) struct DistrictTally {
    name: Span,
    line: u64,
    blank: u64,
    null: u64,
    /// The chain of candidates: first, last, how many.
    first: u32,
    last: u32,
    count: u32,
    /// With more than [`FEW`] candidates, the candidates by name.
    index: Option<Box<HashTable<u32>>>,
}

/// What a store cannot hold: more than 4 GiB of names or 4 billion candidates.
#[derive(Debug)]
pub(crate) struct Full;

impl Full {
    /// The error a reader reports at `line` of `file`.
    pub(crate) fn error(file: &str, line: u64) -> InputError {
        InputError::line(
            file,
            line,
            "the results hold more names than one reader can (4 GiB of names, or 4 billion candidates)",
        )
    }
}

/// The hash of a name, for the indexes.
pub(crate) fn hash(name: &[u8]) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(name)
}

/// A reader's sums (see the module's documentation).
#[derive(Debug, Default)]
pub(crate) struct Store {
    names: Vec<u8>,
    districts: Vec<DistrictTally>,
    candidates: Vec<CandidateTally>,
    /// The details of the candidates that have any.
    details: Vec<Details<Span>>,
}

impl Store {
    /// The bytes of a name.
    pub(crate) fn name(&self, span: Span) -> &[u8] {
        &self.names[span.start as usize..][..span.len as usize]
    }

    /// The name of district `d`.
    pub(crate) fn district_name(&self, d: usize) -> &[u8] {
        self.name(self.districts[d].name)
    }

    /// How many districts.
    pub(crate) fn len(&self) -> usize {
        self.districts.len()
    }

    fn keep(names: &mut Vec<u8>, name: &[u8]) -> Result<Span, Full> {
        if name.is_empty() {
            return Ok(Span::default());
        }
        let start = u32::try_from(names.len()).map_err(|_| Full)?;
        let len = u32::try_from(name.len()).map_err(|_| Full)?;
        start.checked_add(len).ok_or(Full)?;
        names.extend_from_slice(name);
        Ok(Span { start, len })
    }

    /// A new district, with no votes yet, first seen at `line`.
    pub(crate) fn new_district(&mut self, name: &[u8], line: u64) -> Result<usize, Full> {
        u32::try_from(self.districts.len()).map_err(|_| Full)?;
        let name = Self::keep(&mut self.names, name)?;
        self.districts.push(DistrictTally {
            name,
            line,
            blank: 0,
            null: 0,
            first: NONE,
            last: NONE,
            count: 0,
            index: None,
        });
        Ok(self.districts.len() - 1)
    }

    /// The candidate called `name` in district `d`, if any. `hint`, a candidate of `d`,
    /// is the one added to last: rows usually list a district's candidates in the same
    /// order unit after unit, so its successor in the chain (after the last, the first)
    /// is tried before anything else.
    #[inline]
    pub(crate) fn find_candidate(
        &self,
        d: usize,
        name: &[u8],
        hint: Option<usize>,
    ) -> Option<usize> {
        let district = &self.districts[d];
        let same = |c: usize| same_bytes(self.name(self.candidates[c].name), name);
        if let Some(hint) = hint {
            let guess = match self.candidates[hint].next {
                NONE => district.first as usize,
                next => next as usize,
            };
            if same(guess) {
                return Some(guess);
            }
        }
        if let Some(index) = &district.index {
            return index
                .find(hash(name), |&c| same(c as usize))
                .map(|&c| c as usize);
        }
        let mut at = district.first;
        while at != NONE {
            if same(at as usize) {
                return Some(at as usize);
            }
            at = self.candidates[at as usize].next;
        }
        None
    }

    /// A new candidate of district `d` with no votes yet, first seen at `line`, with its
    /// details if any.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new_candidate(
        &mut self,
        d: usize,
        name: &[u8],
        list: &[u8],
        party: &[u8],
        details: Option<Details<&[u8]>>,
        line: u64,
    ) -> Result<usize, Full> {
        let at = u32::try_from(self.candidates.len())
            .ok()
            .filter(|&at| at != NONE)
            .ok_or(Full)?;
        let (name, list, party) = (
            Self::keep(&mut self.names, name)?,
            Self::keep(&mut self.names, list)?,
            Self::keep(&mut self.names, party)?,
        );
        let details = match details {
            Some(details) if !details.is_empty() => {
                let kept = Details {
                    pact: Self::keep(&mut self.names, details.pact)?,
                    subpact: Self::keep(&mut self.names, details.subpact)?,
                    sex: Self::keep(&mut self.names, details.sex)?,
                    alternate: Self::keep(&mut self.names, details.alternate)?,
                };
                let k = u32::try_from(self.details.len())
                    .ok()
                    .filter(|&k| k != NONE)
                    .ok_or(Full)?;
                self.details.push(kept);
                k
            }
            _ => NONE,
        };
        self.candidates.push(CandidateTally {
            name,
            list,
            party,
            votes: 0,
            line,
            next: NONE,
            details,
        });
        let Store {
            names,
            districts,
            candidates,
            ..
        } = self;
        let district = &mut districts[d];
        match district.last {
            NONE => district.first = at,
            last => candidates[last as usize].next = at,
        }
        district.last = at;
        district.count += 1;
        let hash_of = |c: &u32| {
            hash(
                &names[candidates[*c as usize].name.start as usize..]
                    [..candidates[*c as usize].name.len as usize],
            )
        };
        if let Some(index) = &mut district.index {
            index.insert_unique(hash_of(&at), at, hash_of);
        } else if district.count > FEW {
            let mut index = HashTable::with_capacity(2 * district.count as usize);
            let mut c = district.first;
            while c != NONE {
                index.insert_unique(hash_of(&c), c, hash_of);
                c = candidates[c as usize].next;
            }
            district.index = Some(Box::new(index));
        }
        Ok(at as usize)
    }

    /// Adds `votes` to the blank or null votes of district `d`.
    pub(crate) fn blank_or_null(&mut self, d: usize, null: bool) -> &mut u64 {
        let district = &mut self.districts[d];
        if null {
            &mut district.null
        } else {
            &mut district.blank
        }
    }

    /// The running total of candidate `c`, after checking that the `list`, `party` and
    /// details (if `Some`) of `who` (name, list, party, details) are the ones it was first
    /// seen with (`district` names it in errors).
    #[inline]
    pub(crate) fn candidate_votes(
        &mut self,
        file: &str,
        district: &[u8],
        c: usize,
        who: Who<'_>,
        line: u64,
    ) -> Result<&mut u64, InputError> {
        let (name, list, party, details) = who;
        let seen = &self.candidates[c];
        let (seen_list, seen_party) = (self.name(seen.list), self.name(seen.party));
        check_same_list(
            file, district, name, seen_list, seen_party, seen.line, list, party, line,
        )?;
        if let Some(details) = details {
            let seen = (self.details_of(seen), seen.line);
            check_same_details(file, district, name, seen, details, line)?;
        }
        Ok(&mut self.candidates[c].votes)
    }

    /// A candidate's details (all empty if it has none).
    fn details_of(&self, c: &CandidateTally) -> Details<&[u8]> {
        match self.details.get(c.details as usize) {
            None => Details::NONE,
            Some(d) => Details {
                pact: self.name(d.pact),
                subpact: self.name(d.subpact),
                sex: self.name(d.sex),
                alternate: self.name(d.alternate),
            },
        }
    }

    /// The candidates of district `d`, in the order first seen.
    fn candidates_of(&self, d: usize) -> impl Iterator<Item = &CandidateTally> {
        let mut at = self.districts[d].first;
        std::iter::from_fn(move || {
            let c = self.candidates.get(at as usize)?;
            at = c.next;
            Some(c)
        })
    }

    /// Adds district `theirs` of `other` (summed apart) to district `ours`, with the same
    /// checks as adding its rows one by one; errors name `file` and `other`'s lines.
    pub(crate) fn absorb(
        &mut self,
        file: &str,
        ours: usize,
        other: &Store,
        theirs: usize,
    ) -> Result<(), InputError> {
        let them = &other.districts[theirs];
        let us = &mut self.districts[ours];
        us.blank = add_votes(file, them.line, us.blank, them.blank)?;
        us.null = add_votes(file, them.line, us.null, them.null)?;
        let district = other.district_name(theirs);
        for c in other.candidates_of(theirs) {
            let (name, list, party) = (other.name(c.name), other.name(c.list), other.name(c.party));
            let details = Some(other.details_of(c));
            let mine = match self.find_candidate(ours, name, None) {
                Some(mine) => mine,
                None => self
                    .new_candidate(ours, name, list, party, details, c.line)
                    .map_err(|_| Full::error(file, c.line))?,
            };
            let who = (name, list, party, details);
            let votes = self.candidate_votes(file, district, mine, who, c.line)?;
            *votes = add_votes(file, c.line, *votes, c.votes)?;
        }
        Ok(())
    }

    /// Adds district `theirs` of `other` as a new district, and returns it.
    pub(crate) fn adopt(
        &mut self,
        file: &str,
        other: &Store,
        theirs: usize,
    ) -> Result<usize, InputError> {
        let them = &other.districts[theirs];
        let ours = self
            .new_district(other.district_name(theirs), them.line)
            .map_err(|_| Full::error(file, them.line))?;
        self.absorb(file, ours, other, theirs)?;
        Ok(ours)
    }

    /// Checks that every name is UTF-8, and sorts the districts in natural order.
    fn into_sorted(mut self, file: &str) -> Result<Store, InputError> {
        // The first bad name by line, then by column in the order of the format.
        let mut bad: Option<(u64, usize, &str)> = None;
        // The buffer checked at once: then a name is UTF-8 if it starts and ends between
        // characters, not inside one.
        let whole = std::str::from_utf8(&self.names).is_ok();
        let between = |at: usize| self.names.get(at).is_none_or(|&b| (b as i8) >= -0x40);
        let valid = |span: Span| match whole {
            true => between(span.start as usize) && between((span.start + span.len) as usize),
            false => std::str::from_utf8(self.name(span)).is_ok(),
        };
        let mut check = |span: Span, line: u64, rank: usize, column: &'static str| {
            if !valid(span) && bad.is_none_or(|(l, r, _)| (line, rank) < (l, r)) {
                bad = Some((line, rank, column));
            }
        };
        for d in &self.districts {
            check(d.name, d.line, 0, "district");
        }
        for c in &self.candidates {
            check(c.name, c.line, 1, "candidate");
            check(c.list, c.line, 2, "list");
            check(c.party, c.line, 3, "party");
            if let Some(details) = self.details.get(c.details as usize) {
                for (rank, (column, span)) in details.columns().into_iter().enumerate() {
                    check(span, c.line, 4 + rank, column);
                }
            }
        }
        if let Some((line, _, column)) = bad {
            return Err(InputError::field(
                file,
                line,
                column,
                "the text is not valid UTF-8",
            ));
        }
        let names = &self.names;
        let name = |d: &DistrictTally| &names[d.name.start as usize..][..d.name.len as usize];
        // Stable, and linear on districts that came in order.
        self.districts
            .sort_by(|a, b| natural_bytes(name(a), name(b)));
        Ok(self)
    }
}

/// Every district's totals, in natural order of district names (see
/// [`natural_order`](crate::natural_order)), as [`read_totals`](crate::read_totals) or
/// [`ResultsBuilder::totals`](crate::ResultsBuilder::totals) sum them: each district
/// becomes a [`Contest`] only when asked for, so that a caller deciding contests one at
/// a time never holds them all.
///
/// ```
/// let bytes = b"district,kind,candidate,votes\nD10,candidate,Ana,3\nD9,candidate,Bo,4\n";
/// let totals = cifra_results::read_totals("t.csv", bytes)?;
/// assert_eq!(totals.districts().collect::<Vec<_>>(), ["D9", "D10"]);
/// assert_eq!(totals.contest(1).candidates[0].votes, 3);
/// # Ok::<(), cifra_results::InputError>(())
/// ```
#[derive(Debug)]
pub struct Totals {
    /// Each part's sums (one per builder merged), districts sorted.
    parts: Vec<Store>,
    /// (part, district) in natural order, each district once.
    order: Vec<(u32, u32)>,
}

impl Totals {
    /// The totals of builders' stores summed apart, in this order: each store's names
    /// checked, districts sorted and, where one district appears in several stores,
    /// summed into the first (with the checks of adding rows one by one).
    pub(crate) fn new(file: &str, stores: Vec<Store>) -> Result<Totals, InputError> {
        let mut parts = stores
            .into_par_iter()
            .map(|store| store.into_sorted(file))
            .collect::<Result<Vec<_>, _>>()?;
        let mut order: Vec<(u32, u32)> = Vec::with_capacity(parts.iter().map(Store::len).sum());
        for (p, part) in parts.iter().enumerate() {
            order.extend((0..part.len() as u32).map(|d| (p as u32, d)));
        }
        if parts.len() > 1 {
            let name = |&(p, d): &(u32, u32)| parts[p as usize].district_name(d as usize);
            // Runs of sorted districts, one per part: merged, stable (equal names in part
            // order), and linear when the parts follow each other.
            order.sort_by(|a, b| natural_bytes(name(a), name(b)));
            order = Self::sum_repeated(file, &mut parts, order)?;
        }
        let totals = Totals { parts, order };
        totals.check_sums(file)?;
        Ok(totals)
    }

    /// Sums each district found in several parts (adjacent in `order`) into its first.
    fn sum_repeated(
        file: &str,
        parts: &mut [Store],
        order: Vec<(u32, u32)>,
    ) -> Result<Vec<(u32, u32)>, InputError> {
        let mut kept: Vec<(u32, u32)> = Vec::with_capacity(order.len());
        for (p, d) in order {
            let Some(&(first_p, first_d)) = kept.last() else {
                kept.push((p, d));
                continue;
            };
            let (first_p, p) = (first_p as usize, p as usize);
            if first_p == p
                || parts[first_p].district_name(first_d as usize)
                    != parts[p].district_name(d as usize)
            {
                kept.push((p as u32, d));
                continue;
            }
            // Two parts: take the first out to add the other into it.
            let mut first = std::mem::take(&mut parts[first_p]);
            let summed = first.absorb(file, first_d as usize, &parts[p], d as usize);
            parts[first_p] = first;
            summed?;
        }
        Ok(kept)
    }

    /// Checks that no district's votes add up to more than 64 bits hold.
    fn check_sums(&self, file: &str) -> Result<(), InputError> {
        let overflows = |&(p, d): &(u32, u32)| {
            let part = &self.parts[p as usize];
            let district = &part.districts[d as usize];
            part.candidates_of(d as usize)
                .map(|c| c.votes)
                .chain([district.blank, district.null])
                .try_fold(0u64, u64::checked_add)
                .is_none()
        };
        match self.order.par_iter().position_first(overflows) {
            None => Ok(()),
            Some(k) => Err(InputError::file(
                file,
                format!(
                    "the votes of district \"{}\" add up to more than 64 bits hold",
                    self.district(k)
                ),
            )),
        }
    }

    /// How many districts.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether there are no districts.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The name of district `k` (in natural order).
    ///
    /// # Panics
    /// If `k` is not below [`Totals::len`].
    pub fn district(&self, k: usize) -> &str {
        let (p, d) = self.order[k];
        text(self.parts[p as usize].district_name(d as usize))
    }

    /// The districts' names, in natural order.
    pub fn districts(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|k| self.district(k))
    }

    /// The contest of district `k` (in natural order): its candidates sorted by name.
    ///
    /// # Panics
    /// If `k` is not below [`Totals::len`].
    pub fn contest(&self, k: usize) -> Contest {
        let (p, d) = self.order[k];
        let part = &self.parts[p as usize];
        let district = &part.districts[d as usize];
        let optional = |span: Span| (span.len > 0).then(|| text(part.name(span)).to_string());
        let mut candidates: Vec<Candidate> = part
            .candidates_of(d as usize)
            .map(|c| {
                // Parties as the sources write them, normalised (one allocation, as
                // copying them).
                let party = crate::parties::normalise(text(part.name(c.party)));
                let mut candidate = Candidate {
                    name: text(part.name(c.name)).to_string(),
                    affiliation: Affiliation {
                        list: optional(c.list),
                        pact: None,
                        subpact: None,
                        party,
                    },
                    sex: None,
                    alternate: None,
                    votes: c.votes,
                };
                if let Some(details) = part.details.get(c.details as usize) {
                    candidate.affiliation.pact = optional(details.pact);
                    candidate.affiliation.subpact = optional(details.subpact);
                    candidate.sex = Sex::from_letter(text(part.name(details.sex)));
                    candidate.alternate = optional(details.alternate);
                }
                candidate
            })
            .collect();
        candidates.sort_by(|a, b| a.name.cmp(&b.name));
        Contest {
            district: text(part.name(district.name)).to_string(),
            candidates,
            blank: district.blank,
            null: district.null,
        }
    }

    /// Every contest, in natural order of districts.
    pub fn into_contests(self) -> Vec<Contest> {
        (0..self.len())
            .into_par_iter()
            .map(|k| self.contest(k))
            .collect()
    }
}

/// A name checked to be UTF-8 when the totals were made.
fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}
