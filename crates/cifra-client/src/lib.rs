//! cifra-client: talking to a `cifra serve` server from outside it.
//!
//! [`replay`] submits a mesa-results file as actas (the demo's engine and the intake's
//! load generator); [`verify`] checks a transparency log from its bytes alone (offline),
//! and [`online`] does it against a server, adding its tiles, proofs and published
//! results. Nothing here trusts the server: every number is recomputed from the log.

#![warn(missing_docs)]

pub mod monitor;
pub mod online;
pub mod replay;
pub mod verify;

use cifra_report::live::{LiveResults, Standing, Verdict};
use cifra_report::table::{percent, thousands, Align, Table};

/// What can go wrong talking to a server or checking its log.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server could not be reached, or answered what no server of ours answers.
    #[error("{0}")]
    Http(String),
    /// The server refused an acta.
    #[error("the server refused the acta of {0}")]
    Refused(replay::Refusal),
    /// A check failed: the log, a signature, a proof or a total is not what it must be.
    #[error("{0}")]
    Failed(String),
}

/// The recounted results as lines for people: a table of the options and the outcome.
pub fn describe(results: &LiveResults, recount: &verify::Recount) -> Vec<String> {
    let mut lines = vec![format!(
        "recount from the log: {} of {} mesas, {} corrections, {} flagged",
        thousands(results.mesas_counted),
        thousands(results.mesas_total),
        thousands(recount.tally.corrections),
        thousands(results.mesas_flagged)
    )];
    let mut table = Table::new(&[
        ("Option", Align::Left),
        ("Votes", Align::Right),
        ("Share", Align::Right),
    ]);
    for o in &results.options {
        table.row(vec![o.option.clone(), thousands(o.votes), percent(o.share)]);
    }
    table.row(vec![
        "valid votes".into(),
        thousands(results.valid_votes),
        String::new(),
    ]);
    table.row(vec![
        "blank".into(),
        thousands(results.blank),
        String::new(),
    ]);
    table.row(vec!["null".into(), thousands(results.null), String::new()]);
    lines.extend(table.render("  ").lines().map(str::to_string));
    let outcome = match &results.outcome {
        None => "no valid votes yet".to_string(),
        Some(o) => match &o.standing {
            Standing::Decided(verdict) => format!("{} (final)", verdict_text(verdict)),
            Standing::Leading { leader, if_final } => format!(
                "{leader} leads (provisional: {} of {} mesas); if the count ended now: {}",
                thousands(results.mesas_counted),
                thousands(results.mesas_total),
                verdict_text(if_final)
            ),
        },
    };
    lines.push(format!("outcome: {outcome}"));
    lines
}

/// What the law decides, in a few words.
fn verdict_text(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Elected { winner } => format!("elected: {winner}"),
        Verdict::Runoff { runoff: [a, b] } => format!("runoff: {a} vs {b}"),
        Verdict::Congress { congress: [a, b] } => {
            format!("Congress chooses between {a} and {b}")
        }
    }
}

/// The refusals listed in full; past these, only their number.
pub const REFUSALS_LISTED: usize = 20;

/// What a replay did, for people: the counts, the rate, then every refusal (the first
/// [`REFUSALS_LISTED`] and how many more).
pub fn describe_replay(report: &replay::Report) -> Vec<String> {
    let mut counts = format!(
        "{} actas: {} recorded, {} unchanged, {} refused",
        thousands(report.actas),
        thousands(report.recorded),
        thousands(report.unchanged),
        thousands(report.refused.len() as u64),
    );
    if report.not_recorded() > 0 {
        counts.push_str(&format!(
            ", {} not recorded",
            thousands(report.not_recorded())
        ));
    }
    let seconds = report.elapsed.as_secs_f64();
    let mut lines = vec![
        counts,
        format!(
            "{} requests ({} retried) in {seconds:.2} s: {:.0} actas/s, {:.0} requests/s",
            thousands(report.requests),
            thousands(report.retries),
            (report.recorded + report.unchanged) as f64 / seconds.max(1e-9),
            report.requests as f64 / seconds.max(1e-9)
        ),
    ];
    lines.extend(
        report
            .refused
            .iter()
            .take(REFUSALS_LISTED)
            .map(|r| format!("refused: {r}")),
    );
    if report.refused.len() > REFUSALS_LISTED {
        lines.push(format!(
            "refused: {} more",
            thousands((report.refused.len() - REFUSALS_LISTED) as u64)
        ));
    }
    lines
}
