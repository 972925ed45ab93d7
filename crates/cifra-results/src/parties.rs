//! Party names as the sources write them, normalised in this one place.
//!
//! SERVEL and TRICEL write the `party` column in their own ways: SERVEL's full names and
//! `INDEPENDIENTES` for an independent (2024); TRICEL's acronyms in 2021, where `IND-RN` is
//! an independent on RN's slot, who counts with RN, and `IND` or `INDEPENDIENTE` an
//! independent associated with no party, and where one party is spelt differently from
//! one district's workbook to the next (`CONVER.`, `CONVER`, `CONVERG`). The law counts
//! what these spellings mean, so the reader turns them into one form before anything is
//! decided ([`normalise`]):
//!
//! | as written | read as |
//! |---|---|
//! | `INDEPENDIENTES`, `INDEPENDIENTE`, `IND` (any case) | no party: an independent associated with none |
//! | `IND-X` (any case for `IND-`) | the party `X`, itself normalised: an independent on its slot counts with it |
//! | `CONVER.`, `CONVERG` | `CONVER` (Convergencia Social) |
//! | `REPUBL.` | `REPUBL` (Partido Republicano) |
//!
//! Anything else is kept as written. Matching is exact (after trimming), so that a party
//! whose name merely contains the word, such as *Partido Regionalista de los
//! Independientes*, is untouched.

/// The words that mark an independent associated with no party.
const INDEPENDENT: [&str; 3] = ["INDEPENDIENTES", "INDEPENDIENTE", "IND"];

/// The prefix of an independent on a party's slot: `IND-RN` counts with `RN`.
const ON_THE_SLOT_OF: &str = "IND-";

/// One party's spellings across the sources, and the one form they are read as.
const SPELLINGS: [(&str, &str); 3] = [
    ("CONVER.", "CONVER"),
    ("CONVERG", "CONVER"),
    ("REPUBL.", "REPUBL"),
];

/// The party whose seats a candidate written with `party` counts for: `None` for an
/// independent associated with no party, the party's one spelling otherwise (see the
/// module's table).
///
/// ```
/// use cifra_results::parties::normalise;
///
/// assert_eq!(normalise("INDEPENDIENTES"), None);
/// assert_eq!(normalise("IND-RN").as_deref(), Some("RN"));
/// assert_eq!(normalise("IND-CONVERG").as_deref(), Some("CONVER"));
/// assert_eq!(normalise("Renovacion Nacional").as_deref(), Some("Renovacion Nacional"));
/// ```
pub fn normalise(party: &str) -> Option<String> {
    let party = party.trim();
    if party.is_empty() || INDEPENDENT.iter().any(|w| party.eq_ignore_ascii_case(w)) {
        return None;
    }
    let slot = party
        .get(..ON_THE_SLOT_OF.len())
        .filter(|prefix| prefix.eq_ignore_ascii_case(ON_THE_SLOT_OF))
        .map(|_| party[ON_THE_SLOT_OF.len()..].trim());
    let party = match slot {
        Some("") => return None,
        Some(slot) => slot,
        None => party,
    };
    let spelt = SPELLINGS
        .iter()
        .find(|(written, _)| *written == party)
        .map_or(party, |(_, read)| read);
    Some(spelt.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn independents_have_no_party() {
        for written in [
            "INDEPENDIENTES",
            "INDEPENDIENTE",
            "IND",
            "ind",
            " Independiente ",
            "",
        ] {
            assert_eq!(normalise(written), None, "{written:?}");
        }
    }

    #[test]
    fn an_independent_on_a_partys_slot_counts_with_the_party() {
        assert_eq!(normalise("IND-RN").as_deref(), Some("RN"));
        assert_eq!(normalise("IND-REPUBL.").as_deref(), Some("REPUBL"));
        assert_eq!(normalise("IND-CONVER.").as_deref(), Some("CONVER"));
        assert_eq!(normalise("IND-").as_deref(), None);
    }

    #[test]
    fn spellings_of_one_party_are_one_party() {
        for written in ["CONVER.", "CONVER", "CONVERG"] {
            assert_eq!(normalise(written).as_deref(), Some("CONVER"), "{written}");
        }
    }

    #[test]
    fn other_names_are_kept_as_written() {
        for name in [
            "Partido Regionalista De Los Independientes",
            "UNION DEMOCRATA INDEPENDIENTE",
            "INDEPENDENT",
            "PARTIDO ACCIÓN HUMANISTA",
        ] {
            assert_eq!(normalise(name).as_deref(), Some(name));
        }
    }
}
