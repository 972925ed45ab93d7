//! The report as text for people: aligned tables of lists and candidates, who is
//! elected and why.

use super::model::{ContestReport, TallyReport};
use super::{render, Format};
use crate::table::{percent, plural, thousands, Align, Table};
use cifra_core::Outcome;
use std::collections::HashMap;

/// The report as text for people: per contest, lists and candidates with votes and
/// shares, who is elected and why.
pub fn to_text(report: &TallyReport) -> String {
    render(report, Format::Text)
}

/// One contest of the text report, written at the end of `out`.
pub(super) fn contest_text(out: &mut String, system: &str, c: &ContestReport) {
    use std::fmt::Write;
    // Writing into a string cannot fail.
    let _ = write!(
        out,
        "District {} · {system} · {} {}\nValid votes {}   blank {}   null {}\n\n",
        c.district,
        c.seats,
        plural(c.seats as u64, "seat", "seats"),
        thousands(c.valid_votes),
        thousands(c.blank),
        thousands(c.null)
    );
    let has_lists = c.lists.iter().any(|l| l.list.is_some());
    if has_lists {
        lists_table(c).render_into("  ", out);
        out.push('\n');
    }
    candidates_table(c, has_lists).render_into("  ", out);
    out.push('\n');
    if let Some((first, rest)) = c.elected.split_first() {
        out.push_str("Elected: ");
        out.push_str(first);
        for name in rest {
            out.push_str(", ");
            out.push_str(name);
        }
        out.push('\n');
    }
    if let Some([a, b]) = &c.runoff {
        let what = if c.outcome == Outcome::Congress {
            "Congress chooses between"
        } else {
            "Runoff"
        };
        let _ = writeln!(out, "{what}: {a} and {b}");
    }
    let _ = writeln!(out, "Why: {}", c.explanation);
    for correction in &c.corrections {
        let _ = writeln!(out, "Correction: {}", correction.description);
    }
    for lottery in &c.lotteries {
        let _ = writeln!(out, "Lot: {}", lottery.description);
    }
}

fn lists_table(c: &ContestReport) -> Table {
    let mut table = Table::new(&[
        ("List", Align::Left),
        ("Votes", Align::Right),
        ("Share", Align::Right),
        ("Seats", Align::Right),
    ]);
    // The list's name on the ballot, where the input gives it: "A · POR CHILE, SEGUIMOS".
    let pacts: HashMap<&str, &str> = c
        .candidates
        .iter()
        .filter_map(|x| Some((x.list.as_deref()?, x.pact.as_deref()?)))
        .collect();
    for l in &c.lists {
        let label = l
            .list
            .as_ref()
            .map(|list| match pacts.get(list.as_str()) {
                Some(pact) => format!("{list} · {pact}"),
                None => list.clone(),
            })
            .or_else(|| l.candidate.as_ref().map(|n| format!("{n} (no list)")));
        table.row(vec![
            label.unwrap_or_default(),
            thousands(l.votes),
            percent(l.share),
            l.seats.to_string(),
        ]);
        for p in &l.parties {
            let label = p
                .party
                .clone()
                .or_else(|| p.subpact.as_ref().map(|n| format!("{n} (sub-pact)")))
                .or_else(|| p.candidate.as_ref().map(|n| format!("{n} (independent)")));
            table.row(vec![
                format!("  {}", label.unwrap_or_default()),
                thousands(p.votes),
                String::new(),
                p.seats.to_string(),
            ]);
        }
    }
    table
}

fn candidates_table(c: &ContestReport, has_lists: bool) -> Table {
    let mut columns = vec![("Candidate", Align::Left)];
    if has_lists {
        columns.push(("List", Align::Left));
    }
    columns.push(("Party", Align::Left));
    let has_sex = c.candidates.iter().any(|x| x.sex.is_some());
    if has_sex {
        columns.push(("Sex", Align::Left));
    }
    columns.extend([
        ("Votes", Align::Right),
        ("Share", Align::Right),
        ("", Align::Left),
    ]);
    let mut table = Table::new(&columns);
    let left: Vec<&str> = c.corrections.iter().map(|x| x.left.as_str()).collect();
    let entered: Vec<&str> = c.corrections.iter().map(|x| x.entered.as_str()).collect();
    for cand in &c.candidates {
        let mut row = vec![cand.candidate.clone()];
        if has_lists {
            row.push(cand.list.clone().unwrap_or_default());
        }
        let mark = if cand.elected && entered.contains(&cand.candidate.as_str()) {
            "elected (parity)"
        } else if cand.elected {
            "elected"
        } else if cand.seated_by_alternate {
            ""
        } else if left.contains(&cand.candidate.as_str()) {
            "gave way (parity)"
        } else if c
            .runoff
            .as_ref()
            .is_some_and(|r| r.contains(&cand.candidate))
        {
            if c.outcome == Outcome::Congress {
                "to Congress"
            } else {
                "to runoff"
            }
        } else {
            ""
        };
        // The one mark with a name in it, written only for the candidate it concerns.
        let mark = if cand.seated_by_alternate && !cand.elected {
            format!(
                "won; alternate {} holds the seat (parity)",
                cand.alternate.as_deref().unwrap_or_default()
            )
        } else {
            mark.to_string()
        };
        row.push(cand.party.clone().unwrap_or_default());
        if has_sex {
            row.push(cand.sex.clone().unwrap_or_default());
        }
        row.extend([thousands(cand.votes), percent(cand.share), mark]);
        table.row(row);
    }
    table
}
