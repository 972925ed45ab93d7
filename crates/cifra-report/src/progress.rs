//! The progress of a long computation (e.g. the bootstrap's resamples) on stderr: a bar on
//! a terminal; elsewhere (a pipe, a log), where the bar would hide itself, plain lines at
//! every tenth of the way and at least every [`Progress::EVERY`] in between.

use std::time::{Duration, Instant};

/// The progress of `total` steps of one job, shown on stderr as they are done.
pub enum Progress {
    /// Nothing to show.
    Silent,
    /// A bar, on a terminal.
    Bar(indicatif::ProgressBar),
    /// Plain lines.
    Lines {
        /// What is done, e.g. `"bootstrap"`.
        what: &'static str,
        /// Its steps, e.g. `"resamples"`.
        steps: &'static str,
        /// Steps in all.
        total: usize,
        /// Steps done, and when the last line was printed.
        state: std::sync::Mutex<(usize, Instant)>,
    },
}

impl Progress {
    /// The longest time between two plain lines.
    pub const EVERY: Duration = Duration::from_secs(5);

    /// The progress of `total` `steps` of `what` (none shown when `total` is 0).
    pub fn new(what: &'static str, steps: &'static str, total: usize) -> Progress {
        if total == 0 {
            return Progress::Silent;
        }
        if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            let state = std::sync::Mutex::new((0, Instant::now()));
            return Progress::Lines {
                what,
                steps,
                total,
                state,
            };
        }
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(total as u64),
            indicatif::ProgressDrawTarget::stderr(),
        );
        let template = format!("{what} {{bar:40}} {{pos}}/{{len}} {steps}, {{eta}} left");
        if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
            bar.set_style(style);
        }
        Progress::Bar(bar)
    }

    /// One more step done (called from any thread).
    pub fn tick(&self) {
        match self {
            Progress::Silent => {}
            Progress::Bar(bar) => bar.inc(1),
            Progress::Lines {
                what,
                steps,
                total,
                state,
            } => {
                let Ok(mut state) = state.lock() else {
                    return;
                };
                let (done, last) = &mut *state;
                *done += 1;
                let tenth = *done * 10 / total != (*done - 1) * 10 / total;
                if tenth || last.elapsed() >= Self::EVERY {
                    eprintln!("cifra: {what} {done}/{total} {steps}");
                    *last = Instant::now();
                }
            }
        }
    }

    /// The job is over: the bar goes away.
    pub fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
