//! The domain: a contest, its candidates, and how candidates group into lists and parties.

/// A candidate's sex, as the sources record it (`F` or `M`): what gender-parity rules
/// count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sex {
    /// Female (`F`).
    Female,
    /// Male (`M`).
    Male,
}

impl Sex {
    /// The letter the sources use: `F` or `M`.
    pub fn letter(self) -> char {
        match self {
            Sex::Female => 'F',
            Sex::Male => 'M',
        }
    }

    /// The sex for a letter as the sources write it: `F` or `M`, in either case.
    pub fn from_letter(letter: &str) -> Option<Sex> {
        match letter {
            "F" | "f" => Some(Sex::Female),
            "M" | "m" => Some(Sex::Male),
            _ => None,
        }
    }

    /// The other sex.
    pub fn other(self) -> Sex {
        match self {
            Sex::Female => Sex::Male,
            Sex::Male => Sex::Female,
        }
    }

    /// How people read it: `woman` or `man`.
    pub fn noun(self) -> &'static str {
        match self {
            Sex::Female => "woman",
            Sex::Male => "man",
        }
    }
}

/// Where a candidate stands on the ballot, from the list down: the ballot list (a pact,
/// a party alone, or an independent alone), the sub-pact inside a pact, and the party
/// whose seats the candidate counts for. Any level may be absent: a candidate without a
/// list runs alone; an independent associated with no party has no party.
///
/// Systems share seats level by level along this path (see [`Level`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Affiliation {
    /// The ballot list (*lista*: a pact, a party alone or an independent alone), by its
    /// letter or number: what groups candidates into lists.
    pub list: Option<String>,
    /// The list's name as the ballot prints it (the pact's, the party's, or the list of
    /// independents'), for people: it never decides anything, `list` does.
    pub pact: Option<String>,
    /// The sub-pact (*subpacto*) inside the list's pact.
    pub subpact: Option<String>,
    /// The party whose seats the candidate counts for; an independent associated with a
    /// party carries that party.
    pub party: Option<String>,
}

/// A level of the [`Affiliation`] path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// The ballot list.
    List,
    /// The sub-pact inside a pact.
    Subpact,
    /// The party.
    Party,
    /// The sub-pact, or for a candidate outside any sub-pact the party: the groups that
    /// share a pact's seats in municipal and regional elections (Ley 18.695), where the
    /// sub-pacts, the parties outside sub-pacts and each independent outside a sub-pact
    /// take part. A sub-pact and a party outside sub-pacts are never named alike on one
    /// list (a party is in a sub-pact or outside them all).
    SubpactOrParty,
}

impl Affiliation {
    /// The name at `level`, if the candidate has one there.
    pub fn at(&self, level: Level) -> Option<&str> {
        match level {
            Level::List => self.list.as_deref(),
            Level::Subpact => self.subpact.as_deref(),
            Level::Party => self.party.as_deref(),
            Level::SubpactOrParty => self.subpact.as_deref().or(self.party.as_deref()),
        }
    }
}

/// One candidate of a contest, with the votes they received there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The candidate's name, unique inside the contest.
    pub name: String,
    /// List, sub-pact and party, from the ballot list down.
    pub affiliation: Affiliation,
    /// The candidate's sex, when the source gives it.
    pub sex: Option<Sex>,
    /// The candidate's alternate (*alternativo*), who takes the seat in their stead when a
    /// correction says so (the Convention's reserved seats, Ley 21.298), when the source
    /// gives one. Alternates are of the other sex than their candidate.
    pub alternate: Option<String>,
    /// Valid votes for the candidate.
    pub votes: u64,
}

impl Candidate {
    /// A candidate with the given name and votes, no list and no party.
    pub fn new(name: impl Into<String>, votes: u64) -> Self {
        Candidate {
            name: name.into(),
            affiliation: Affiliation::default(),
            sex: None,
            alternate: None,
            votes,
        }
    }

    /// The same candidate on the given list.
    pub fn in_list(mut self, list: impl Into<String>) -> Self {
        self.affiliation.list = Some(list.into());
        self
    }

    /// The same candidate in the given sub-pact of their list.
    pub fn in_subpact(mut self, subpact: impl Into<String>) -> Self {
        self.affiliation.subpact = Some(subpact.into());
        self
    }

    /// The same candidate counting for the given party.
    pub fn of_party(mut self, party: impl Into<String>) -> Self {
        self.affiliation.party = Some(party.into());
        self
    }

    /// The same candidate on a list whose ballot name is `pact`.
    pub fn in_pact(mut self, pact: impl Into<String>) -> Self {
        self.affiliation.pact = Some(pact.into());
        self
    }

    /// The same candidate, with the given alternate.
    pub fn with_alternate(mut self, alternate: impl Into<String>) -> Self {
        self.alternate = Some(alternate.into());
        self
    }

    /// The same candidate, of the given sex.
    pub fn with_sex(mut self, sex: Sex) -> Self {
        self.sex = Some(sex);
        self
    }

    /// The ballot list, if any.
    pub fn list(&self) -> Option<&str> {
        self.affiliation.list.as_deref()
    }

    /// The party, if any.
    pub fn party(&self) -> Option<&str> {
        self.affiliation.party.as_deref()
    }

    /// The sub-pact, if any.
    pub fn subpact(&self) -> Option<&str> {
        self.affiliation.subpact.as_deref()
    }
}

/// One contest: a territory (district, circunscripción, comuna, or the whole country)
/// electing its seats from its candidates' votes.
///
/// Invariant: candidate names are unique inside a contest (callers sum the rows of one
/// candidate before building it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contest {
    /// The territory's name, as the input gives it.
    pub district: String,
    /// The candidates, in any order.
    pub candidates: Vec<Candidate>,
    /// Blank votes: counted and published, never valid.
    pub blank: u64,
    /// Null votes: counted and published, never valid.
    pub null: u64,
}

/// Which list a candidate belongs to: a named list, or none (the candidate runs alone).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ListKey {
    /// A ballot list, by its letter or name.
    Named(String),
    /// A candidate running outside any list, by the candidate's name.
    Alone(String),
}

impl ListKey {
    /// The bare name: the list's name, or the lone candidate's. This, never the label,
    /// is what a lottery ticket hashes.
    pub fn name(&self) -> &str {
        match self {
            ListKey::Named(name) | ListKey::Alone(name) => name,
        }
    }

    /// How people read the list: its letter, or the lone candidate's name.
    pub fn label(&self) -> String {
        match self {
            ListKey::Named(list) => format!("list {list}"),
            ListKey::Alone(name) => format!("{name} (no list)"),
        }
    }
}

/// Which party a candidate's seats count for inside their list: a party, or none (an
/// independent with no party is a group of their own).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PartyKey {
    /// A party, by name.
    Named(String),
    /// An independent associated with no party, by the candidate's name.
    Alone(String),
}

impl PartyKey {
    /// The bare name: the party's name, or the independent's. This, never the label, is
    /// what a lottery ticket hashes.
    pub fn name(&self) -> &str {
        match self {
            PartyKey::Named(name) | PartyKey::Alone(name) => name,
        }
    }

    /// How people read the party: its name, or the independent's name.
    pub fn label(&self) -> String {
        match self {
            PartyKey::Named(party) => party.clone(),
            PartyKey::Alone(name) => format!("{name} (independent)"),
        }
    }
}

/// Candidates grouped under one key (a list, or a party inside a list).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group<K> {
    /// The list or party.
    pub key: K,
    /// Indices into [`Contest::candidates`], most voted first (ties by name).
    pub members: Vec<usize>,
    /// The sum of the members' votes.
    pub votes: u64,
}

impl Contest {
    /// A contest with no blank or null votes.
    pub fn new(district: impl Into<String>, candidates: Vec<Candidate>) -> Self {
        Contest {
            district: district.into(),
            candidates,
            blank: 0,
            null: 0,
        }
    }

    /// Valid votes: the candidates' votes, blank and null excluded. Saturates at
    /// `u64::MAX` rather than wrap (readers reject such totals before they get here).
    pub fn valid_votes(&self) -> u64 {
        self.candidates
            .iter()
            .fold(0u64, |sum, c| sum.saturating_add(c.votes))
    }

    /// Total votes cast: valid, blank and null (saturating, as [`Contest::valid_votes`]).
    pub fn total_votes(&self) -> u64 {
        self.valid_votes()
            .saturating_add(self.blank)
            .saturating_add(self.null)
    }

    /// The candidate's list key.
    pub fn list_of(&self, candidate: usize) -> ListKey {
        let c = &self.candidates[candidate];
        match &c.affiliation.list {
            Some(list) => ListKey::Named(list.clone()),
            None => ListKey::Alone(c.name.clone()),
        }
    }

    /// The candidate's party key.
    pub fn party_of(&self, candidate: usize) -> PartyKey {
        let c = &self.candidates[candidate];
        match &c.affiliation.party {
            Some(party) => PartyKey::Named(party.clone()),
            None => PartyKey::Alone(c.name.clone()),
        }
    }

    /// The lists of the contest, most voted first (ties by key).
    pub fn lists(&self) -> Vec<Group<ListKey>> {
        let everyone = (0..self.candidates.len()).collect();
        if self.candidates.iter().all(|c| c.affiliation.list.is_none()) {
            // Every candidate a list of their own, keyed by their name: the order by votes
            // (ties by name) is the order of the lists.
            return self
                .by_votes(everyone)
                .into_iter()
                .map(|i| Group {
                    key: ListKey::Alone(self.candidates[i].name.clone()),
                    members: vec![i],
                    votes: self.candidates[i].votes,
                })
                .collect();
        }
        self.group_by(
            everyone,
            |i| {
                let c = &self.candidates[i];
                match &c.affiliation.list {
                    Some(list) => KeyRef::Named(list),
                    None => KeyRef::Alone(&c.name),
                }
            },
            |key| match key {
                KeyRef::Named(list) => ListKey::Named(list.to_string()),
                KeyRef::Alone(name) => ListKey::Alone(name.to_string()),
            },
        )
    }

    /// The parties (and unaffiliated independents) inside one list, most voted first.
    pub fn parties(&self, list: &Group<ListKey>) -> Vec<Group<PartyKey>> {
        self.groups_at(&list.members, Level::Party)
    }

    /// The groups of `members` at `level` below the list (sub-pacts, or parties), most
    /// voted first; a member with no name at that level is a group of their own, keyed by
    /// the candidate's name.
    pub fn groups_at(&self, members: &[usize], level: Level) -> Vec<Group<PartyKey>> {
        self.group_by(
            members.to_vec(),
            |i| {
                let c = &self.candidates[i];
                match c.affiliation.at(level) {
                    Some(name) => KeyRef::Named(name),
                    None => KeyRef::Alone(&c.name),
                }
            },
            |key| match key {
                KeyRef::Named(name) => PartyKey::Named(name.to_string()),
                KeyRef::Alone(name) => PartyKey::Alone(name.to_string()),
            },
        )
    }

    /// Whether `members` share seats again at `level`: they carry two or more distinct
    /// names there. For parties this is a pact (*pacto*): only inside a pact are seats
    /// shared again among parties (Ley 18.700 art. 121 no. 5); a party's own list, even
    /// with unaffiliated independents on it, is not a pact.
    pub fn splits_at(&self, members: &[usize], level: Level) -> bool {
        let mut named = members
            .iter()
            .filter_map(|&i| self.candidates[i].affiliation.at(level));
        named
            .next()
            .is_some_and(|first| named.any(|name| name != first))
    }

    /// Whether a list is a pact (*pacto*): candidates of two or more parties (see
    /// [`Contest::splits_at`]).
    pub fn is_pact(&self, list: &Group<ListKey>) -> bool {
        self.splits_at(&list.members, Level::Party)
    }

    /// Candidate indices, most voted first, ties by name.
    pub fn by_votes(&self, mut indices: Vec<usize>) -> Vec<usize> {
        indices.sort_by(|&a, &b| {
            let (a, b) = (&self.candidates[a], &self.candidates[b]);
            b.votes.cmp(&a.votes).then_with(|| a.name.cmp(&b.name))
        });
        indices
    }

    /// Groups `indices` by key, most voted group first (ties by key), each group's
    /// members most voted first. Keys are compared borrowed (`key_of`) and made owned
    /// (`own`) once per group, not once per member.
    fn group_by<'a, K: Ord>(
        &'a self,
        indices: Vec<usize>,
        key_of: impl Fn(usize) -> KeyRef<'a>,
        own: impl Fn(KeyRef<'a>) -> K,
    ) -> Vec<Group<K>> {
        let mut keyed: Vec<(KeyRef<'a>, usize)> = self
            .by_votes(indices)
            .into_iter()
            .map(|i| (key_of(i), i))
            .collect();
        // Stable: members keep the order by votes inside their key.
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        let mut groups: Vec<Group<K>> = keyed
            .chunk_by(|a, b| a.0 == b.0)
            .map(|run| {
                let members: Vec<usize> = run.iter().map(|&(_, i)| i).collect();
                Group {
                    votes: members
                        .iter()
                        .fold(0u64, |sum, &i| sum.saturating_add(self.candidates[i].votes)),
                    key: own(run[0].0),
                    members,
                }
            })
            .collect();
        groups.sort_by(|a, b| b.votes.cmp(&a.votes).then_with(|| a.key.cmp(&b.key)));
        groups
    }
}

/// A [`ListKey`] or [`PartyKey`] borrowed from the candidates: the same variants in the
/// same order, so it compares as the owned key does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum KeyRef<'a> {
    Named(&'a str),
    Alone(&'a str),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_sum_members_and_sort_by_votes() {
        let contest = Contest::new(
            "1",
            vec![
                Candidate::new("a", 10).in_list("A"),
                Candidate::new("b", 30).in_list("B"),
                Candidate::new("c", 25).in_list("A"),
                Candidate::new("d", 5),
            ],
        );
        let lists = contest.lists();
        let summary: Vec<_> = lists.iter().map(|g| (g.key.label(), g.votes)).collect();
        assert_eq!(
            summary,
            [
                ("list A".to_string(), 35),
                ("list B".to_string(), 30),
                ("d (no list)".to_string(), 5)
            ]
        );
        assert_eq!(lists[0].members, [2, 0], "most voted member first");
    }

    #[test]
    fn independents_without_party_are_groups_of_their_own() {
        let contest = Contest::new(
            "1",
            vec![
                Candidate::new("a", 10).in_list("A").of_party("P"),
                Candidate::new("b", 7).in_list("A"),
                Candidate::new("c", 4).in_list("A"),
                Candidate::new("d", 2).in_list("A").of_party("P"),
            ],
        );
        let list = &contest.lists()[0];
        let parties: Vec<_> = contest
            .parties(list)
            .iter()
            .map(|g| (g.key.label(), g.votes))
            .collect();
        assert_eq!(
            parties,
            [
                ("P".to_string(), 12),
                ("b (independent)".to_string(), 7),
                ("c (independent)".to_string(), 4)
            ]
        );
    }
}
