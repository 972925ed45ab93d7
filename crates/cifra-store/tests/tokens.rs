//! Tokens: registering and listing them (on both backends), and the text form of their
//! scopes.

mod common;

use cifra_store::{Scope, StoreError, Token};
use common::{assert_names, spec, Place};

fn territory(column: &str, value: &str) -> Scope {
    Scope::Territory {
        column: column.into(),
        value: value.into(),
    }
}

fn token(byte: u8, scope: Scope) -> Token {
    Token {
        hash: [byte; 32],
        scope,
    }
}

on_both!(
    tokens_are_listed_in_the_order_they_were_added_and_persist,
    a_hash_is_registered_once,
    a_scope_no_mesa_matches_is_refused,
    a_stored_scope_that_does_not_parse_is_reported_as_corrupt,
    a_revoked_token_is_gone_and_others_stay,
);

fn a_revoked_token_is_gone_and_others_stay(place: &dyn Place) {
    let store = place.create(&spec()).unwrap();
    let (kept, revoked) = (token(1, Scope::National), token(2, Scope::National));
    store.add_token(&kept).unwrap();
    store.add_token(&revoked).unwrap();
    assert!(store.revoke_token(&revoked.hash).unwrap());
    assert_eq!(store.tokens().unwrap(), std::slice::from_ref(&kept));
    // Revoking it again, or a hash never registered, removes nothing.
    assert!(!store.revoke_token(&revoked.hash).unwrap());
    assert!(!store.revoke_token(&[7; 32]).unwrap());
    assert_eq!(place.open().unwrap().tokens().unwrap(), [kept]);
}

fn tokens_are_listed_in_the_order_they_were_added_and_persist(place: &dyn Place) {
    let store = place.create(&spec()).unwrap();
    let tokens = vec![
        token(9, territory("region", "DE ANTOFAGASTA")),
        token(1, Scope::National),
        token(5, territory("circunscripcion", "ARICA")),
    ];
    for token in &tokens {
        store.add_token(token).unwrap();
    }
    assert_eq!(store.tokens().unwrap(), tokens);
    drop(store);
    assert_eq!(place.open().unwrap().tokens().unwrap(), tokens);
}

fn a_hash_is_registered_once(place: &dyn Place) {
    let store = place.create(&spec()).unwrap();
    store.add_token(&token(3, Scope::National)).unwrap();
    let error = store
        .add_token(&token(3, territory("region", "DE ANTOFAGASTA")))
        .unwrap_err();
    assert!(matches!(error, StoreError::TokenExists { .. }), "{error:?}");
    assert_names(&error, &place.name());
    assert_eq!(store.tokens().unwrap(), [token(3, Scope::National)]);
}

fn a_scope_no_mesa_matches_is_refused(place: &dyn Place) {
    let store = place.create(&spec()).unwrap();
    for (scope, expected) in [
        (
            territory("regoin", "DE ANTOFAGASTA"),
            "\"regoin\" is not a territory column (the election's territory columns are region, circunscripcion)",
        ),
        // An id column is not a territory column.
        (territory("mesa", "1"), "\"mesa\" is not a territory column"),
        (
            territory("region", "DE ANTOFAGASTA "),
            "no mesa has region \"DE ANTOFAGASTA \"",
        ),
        // A value of another column.
        (territory("region", "ARICA"), "no mesa has region \"ARICA\""),
    ] {
        let error = store.add_token(&token(1, scope)).unwrap_err();
        assert!(matches!(error, StoreError::Invalid { .. }), "{error:?}");
        let message = error.to_string();
        assert!(message.contains(&place.name()), "{message}");
        assert!(message.contains(expected), "{message} lacks {expected:?}");
    }
    assert!(store.tokens().unwrap().is_empty());
}

fn a_stored_scope_that_does_not_parse_is_reported_as_corrupt(place: &dyn Place) {
    let store = place.create(&spec()).unwrap();
    store.add_token(&token(1, Scope::National)).unwrap();
    place.tamper("UPDATE tokens SET scope = 'everywhere'");
    let error = store.tokens().unwrap_err();
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
    assert!(error.to_string().contains("everywhere"), "{error}");
}

#[test]
fn a_scope_of_an_election_without_territory_columns_is_refused_on_both() {
    let spec = cifra_store::ElectionSpec {
        territory_columns: Vec::new(),
        mesas: Vec::new(),
        ..spec()
    };
    let places: [Box<dyn Place>; 2] = [Box::new(common::sqlite()), Box::new(common::postgres())];
    for place in places {
        let store = place.create(&spec).unwrap();
        let error = store
            .add_token(&token(1, territory("region", "X")))
            .unwrap_err();
        assert!(
            error.to_string().contains(
                "\"region\" is not a territory column (the election has no territory columns)"
            ),
            "{error}"
        );
    }
}

#[test]
fn scopes_round_trip_through_their_text() {
    for (text, scope) in [
        ("national", Scope::National),
        (
            "region=DE ANTOFAGASTA",
            territory("region", "DE ANTOFAGASTA"),
        ),
        // Split at the first '=': the value may hold more.
        ("comuna=A=B", territory("comuna", "A=B")),
        (
            "circunscripcion=ARICA",
            territory("circunscripcion", "ARICA"),
        ),
        (
            "región=DEL LIBERTADOR GENERAL BERNARDO O'HIGGINS",
            territory("región", "DEL LIBERTADOR GENERAL BERNARDO O'HIGGINS"),
        ),
    ] {
        assert_eq!(text.parse::<Scope>().unwrap(), scope, "{text}");
        assert_eq!(scope.to_string(), text);
    }
}

#[test]
fn a_scope_column_is_trimmed_and_its_value_kept_as_written() {
    for (text, scope) in [
        (" national ", Scope::National),
        (
            " region =DE ANTOFAGASTA",
            territory("region", "DE ANTOFAGASTA"),
        ),
        (
            "region= DE ANTOFAGASTA ",
            territory("region", " DE ANTOFAGASTA "),
        ),
    ] {
        assert_eq!(text.parse::<Scope>().unwrap(), scope, "{text:?}");
    }
}

#[test]
fn bad_scopes_are_refused_with_the_accepted_forms() {
    for (text, reason) in [
        ("", "no '='"),
        ("Nacional", "no '='"),
        ("national region", "no '='"),
        ("=DE ANTOFAGASTA", "the column before '=' is empty"),
        ("  =DE ANTOFAGASTA", "the column before '=' is empty"),
        ("region=", "the value after '=' is empty"),
        ("region=   ", "the value after '=' is empty"),
    ] {
        let error = text.parse::<Scope>().unwrap_err().to_string();
        assert!(error.contains(&format!("{text:?}")), "{error}");
        assert!(error.contains(reason), "{error} lacks {reason:?}");
        assert!(
            error.contains("\"national\" or COLUMN=VALUE"),
            "{error} does not say the accepted forms"
        );
    }
}
