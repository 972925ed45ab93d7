//! `cifra systems`: the systems the engine knows, with their seats rule.

use crate::table::{Align, Table};
use cifra_core::{SeatsRule, System};

/// The table of systems, for people.
pub fn list() -> String {
    let mut table = Table::new(&[
        ("System", Align::Left),
        ("Seats", Align::Left),
        ("What it decides", Align::Left),
    ]);
    for system in System::ALL {
        let seats = match system.seats_rule() {
            SeatsRule::SingleOffice => "none (one office)".to_string(),
            SeatsRule::Exactly(n) => format!("exactly {n}"),
            SeatsRule::DefaultsTo(n) => format!("any, default {n}"),
            SeatsRule::Required => "--seats or --seats-file".to_string(),
        };
        table.row(vec![
            system.id().to_string(),
            seats,
            system.summary().to_string(),
        ]);
    }
    table.render("")
}
