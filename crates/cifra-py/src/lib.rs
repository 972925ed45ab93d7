//! `cifra._cifra`: the Python module's native half, over the same library crates as the
//! `cifra` binary, so that every answer is the command line's answer.
//!
//! The Python package (`python/cifra`) wraps these functions in DataFrames; this module
//! takes and returns plain values (strings, bytes, lists) so that it needs nothing of
//! pandas or numpy. Long work runs on a thread of its own while the caller waits with the
//! GIL released, checking for Ctrl-C between waits ([`interruptible`]).

mod ei;
mod errors;
mod night;
mod tally;

use pyo3::prelude::*;

/// The module `cifra._cifra`.
#[pymodule]
fn _cifra(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("CifraError", py.get_type::<errors::CifraError>())?;
    m.add("InputError", py.get_type::<errors::InputError>())?;
    m.add("LawError", py.get_type::<errors::LawError>())?;
    m.add("VerifyError", py.get_type::<errors::VerifyError>())?;
    m.add_function(wrap_pyfunction!(tally::tally, m)?)?;
    m.add_function(wrap_pyfunction!(tally::systems, m)?)?;
    m.add_function(wrap_pyfunction!(tally::read_results, m)?)?;
    m.add_function(wrap_pyfunction!(ei::ei, m)?)?;
    m.add_function(wrap_pyfunction!(night::verify, m)?)?;
    m.add_function(wrap_pyfunction!(night::verify_log, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

/// Runs `work` on a thread of its own and waits for it with the GIL released, so other
/// Python threads run meanwhile; between waits of 50 ms it checks for signals, so Ctrl-C
/// raises `KeyboardInterrupt` at once (the abandoned work finishes in the background and
/// its result is dropped). A panic in `work` becomes a `RuntimeError`, never a crash of
/// the interpreter.
pub(crate) fn interruptible<R: Send + 'static>(
    py: Python<'_>,
    work: impl FnOnce() -> R + Send + 'static,
) -> PyResult<R> {
    use std::sync::mpsc::{sync_channel, RecvTimeoutError};
    let (tx, mut rx) = sync_channel(1);
    std::thread::Builder::new()
        .name("cifra".into())
        .spawn(move || {
            let _ = tx.send(work());
        })
        .map_err(|e| pyo3::exceptions::PyOSError::new_err(format!("cannot start a thread: {e}")))?;
    loop {
        // The receiver goes to the wait and comes back: it is not `Sync`.
        let (wait, back) = py.allow_threads(move || {
            let wait = rx.recv_timeout(std::time::Duration::from_millis(50));
            (wait, rx)
        });
        rx = back;
        match wait {
            Ok(result) => return Ok(result),
            Err(RecvTimeoutError::Timeout) => py.check_signals()?,
            Err(RecvTimeoutError::Disconnected) => {
                return Err(pyo3::exceptions::PyRuntimeError::new_err(
                    "cifra stopped unexpectedly (an internal error; please report it with the input that caused it)",
                ))
            }
        }
    }
}
