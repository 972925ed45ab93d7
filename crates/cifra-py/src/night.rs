//! Election night: `cifra verify`, against a server or offline, for Python.

use crate::errors::Failure;
use crate::interruptible;
use cifra_client::online;
use cifra_client::verify as checks;
use pyo3::prelude::*;

/// Verifies the transparency log of the server at `url` as `cifra verify --url` does
/// (signature, tree, kept checkpoints, proofs, the recount against the published
/// results); returns the report's lines. `key`: the verifier key to trust (`None`: the
/// server's own); `previous`: an earlier signed checkpoint that must be a prefix; `mesa`:
/// prove this mesa's latest acta included.
#[pyfunction]
#[pyo3(signature = (url, *, key=None, previous=None, mesa=None, witnesses=Vec::new(), quorum=0))]
pub(crate) fn verify(
    py: Python<'_>,
    url: String,
    key: Option<String>,
    previous: Option<String>,
    mesa: Option<String>,
    witnesses: Vec<String>,
    quorum: usize,
) -> PyResult<Vec<String>> {
    let key = key
        .map(|k| checks::read_key(&k))
        .transpose()
        .map_err(Failure::from)?;
    let online = online::Online {
        url,
        key,
        previous,
        mesa,
        witnesses,
        quorum,
    };
    let lines = interruptible(py, move || -> Result<_, Failure> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| Failure::Connection(format!("cannot start the HTTP client: {e}")))?;
        Ok(runtime.block_on(online::run(&online))?)
    })??;
    Ok(lines)
}

/// Verifies a saved log offline, as `cifra verify --entries --checkpoint --key` does:
/// `entries` (the NDJSON of `/api/v1/log/entries`) and `checkpoint` (the signed note)
/// as bytes, the election as the saved JSON of `GET /api/v1/election` or as its number
/// of mesas and system. Returns the report's lines.
#[pyfunction]
#[pyo3(signature = (entries, checkpoint, key, *, election=None, mesas=None, system=None,
                    previous=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn verify_log(
    py: Python<'_>,
    entries: Vec<u8>,
    checkpoint: Vec<u8>,
    key: String,
    election: Option<Vec<u8>>,
    mesas: Option<u64>,
    system: Option<String>,
    previous: Option<String>,
) -> PyResult<Vec<String>> {
    let election = match (election, mesas, system) {
        (Some(json), _, _) => checks::OfflineElection::from_saved(&json)
            .map_err(|e| Failure::Usage(format!("election: {e}")))?,
        (None, Some(mesas), Some(system)) => checks::OfflineElection::from_count(mesas, &system)
            .map_err(|e| Failure::Usage(format!("system: {e}")))?,
        _ => {
            return Err(Failure::Usage(
                "verify_log needs the election, to know how many mesas a complete count has: election= (the JSON of GET /api/v1/election) or mesas= and system=".into(),
            )
            .into())
        }
    };
    let key = checks::read_key(&key).map_err(Failure::from)?;
    let lines = interruptible(py, move || -> Result<_, Failure> {
        Ok(checks::offline(
            &election,
            &entries,
            &checkpoint,
            &key,
            previous.as_deref(),
        )?)
    })??;
    Ok(lines)
}
