//! What the server knows about whether it can record actas, for `GET /api/v1/health`.
//!
//! Reads are served from memory and work whatever the store does; whether an acta can
//! be recorded is known only by writing. So the writer notes the result of every
//! append, and when idle it probes ([`cifra_store::Store::probe_write`]) at each of its
//! ticks: a server that took no acta still knows its disk filled up or its database
//! turned read-only. `stale` (reads that may be behind) is another matter and keeps its
//! own flag.

use cifra_store::StoreError;
use serde::Serialize;
use std::sync::RwLock;

/// Why the server cannot record actas now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WriteProblem {
    /// In a few words: `disk full`, `read-only`, `not durable`, `store unavailable`
    /// or `store error`.
    pub reason: &'static str,
    /// The store's own message (it names the database and what is wrong).
    pub message: String,
}

impl WriteProblem {
    /// The problem a store error shows.
    pub fn of(error: &StoreError) -> WriteProblem {
        let reason = match error {
            StoreError::DiskFull { .. } => "disk full",
            StoreError::ReadOnly { .. } => "read-only",
            StoreError::NotDurable { .. } => "not durable",
            StoreError::Unavailable { .. } => "store unavailable",
            _ => "store error",
        };
        let mut message = error.to_string();
        if let StoreError::NotDurable { .. } = error {
            message.push_str(" (start with --unsafe-no-fsync to accept this for a benchmark)");
        }
        WriteProblem { reason, message }
    }

    /// Whether the store refused the write outright, so that nothing of it was
    /// recorded (rather than a connection lost at an unknown moment).
    pub fn nothing_written(&self) -> bool {
        matches!(self.reason, "disk full" | "read-only" | "not durable")
    }
}

/// Whether the last write (an append or a probe) reached the store.
#[derive(Debug, Default)]
pub struct Writability {
    problem: RwLock<Option<WriteProblem>>,
}

impl Writability {
    /// Notes a write's result; returns the problem when it starts or changes, so that
    /// the caller says it once.
    pub fn note(&self, result: Result<(), &StoreError>) -> Changed {
        let now = result.err().map(WriteProblem::of);
        let mut problem = self.problem.write().unwrap_or_else(|e| e.into_inner());
        let changed = match (&*problem, &now) {
            (None, None) => Changed::No,
            (Some(_), None) => Changed::Recovered,
            (Some(old), Some(new)) if old.reason == new.reason => Changed::No,
            (_, Some(new)) => Changed::Failing(new.clone()),
        };
        *problem = now;
        changed
    }

    /// Why actas cannot be recorded now, if they cannot.
    pub fn problem(&self) -> Option<WriteProblem> {
        self.problem
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// What a noted result changed.
#[derive(Debug, PartialEq, Eq)]
pub enum Changed {
    /// Nothing new.
    No,
    /// Writes fail, for this reason (newly, or for another reason than before).
    Failing(WriteProblem),
    /// Writes work again.
    Recovered,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn full() -> StoreError {
        StoreError::DiskFull {
            path: PathBuf::from("e.db"),
            message: "database or disk is full".into(),
        }
    }

    #[test]
    fn a_failure_is_said_once_and_its_end_too() {
        let w = Writability::default();
        assert_eq!(w.note(Ok(())), Changed::No);
        assert!(matches!(w.note(Err(&full())), Changed::Failing(p) if p.reason == "disk full"));
        assert_eq!(w.note(Err(&full())), Changed::No);
        assert_eq!(w.problem().unwrap().reason, "disk full");
        assert_eq!(w.note(Ok(())), Changed::Recovered);
        assert_eq!(w.problem(), None);
    }

    #[test]
    fn not_durable_names_the_setting_and_the_flag() {
        let p = WriteProblem::of(&StoreError::NotDurable {
            path: PathBuf::from("postgres://u@h/db"),
            setting: "PostgreSQL has synchronous_commit=off".into(),
        });
        assert_eq!(p.reason, "not durable");
        assert!(
            p.message.contains("synchronous_commit=off"),
            "{}",
            p.message
        );
        assert!(p.message.contains("--unsafe-no-fsync"), "{}", p.message);
        assert!(p.nothing_written());
    }
}
