//! `GET /api/v1/events`: Server-Sent Events while actas arrive, at most one per
//! [`THROTTLE`] per client. The event id is the log size its entries reach, so a client
//! reconnecting with `Last-Event-ID: N` gets the entries from index N on, at once.
//!
//! The results and breakdown of one log size are computed once and shared by every
//! stream ([`Snapshot`]); only the entries differ between clients that are behind.

use crate::api::breakdown_of;
use crate::error::ApiError;
use crate::http::Counted;
use crate::live;
use crate::State;
use axum::extract::{Query, State as Shared};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Extension;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// The shortest time between two events of one stream.
pub const THROTTLE: Duration = Duration::from_millis(250);
/// The most entries one event carries.
pub const MAX_EVENT_ENTRIES: u64 = 1_000;
/// How far behind the log a stream with entries may be and still be sent them; further
/// behind (a reader that stopped reading, or resumed from long ago), it gets a `resync`
/// event: the current state without entries. What a slow reader costs stays one event,
/// never a backlog; it reads the entries it missed from `/api/v1/log/entries`.
pub const RESYNC_BEHIND: u64 = 10 * MAX_EVENT_ENTRIES;

/// The national results and the breakdown by the first territory column at one log size,
/// as JSON.
pub struct Snapshot {
    /// The log size.
    pub size: u64,
    /// `"results": …` JSON.
    pub results: String,
    /// `"breakdown": …` JSON (`null` without territory columns).
    pub breakdown: String,
}

impl State {
    /// The snapshot of the log as it is now, computed once per size.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        let size = *self.size.borrow();
        let mut cached = self.snapshot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = cached.as_ref().filter(|s| s.size == size) {
            return Arc::clone(s);
        }
        let snapshot = Arc::new(self.compute_snapshot());
        *cached = Some(Arc::clone(&snapshot));
        snapshot
    }

    fn compute_snapshot(&self) -> Snapshot {
        let election = &self.election;
        let (sums, size) = {
            let live = self.live.read().unwrap_or_else(|e| e.into_inner());
            (live.tally.national.clone(), live.size())
        };
        let total = election.spec.mesas.len() as u64;
        let results = match live::results(election, &sums, total, None) {
            Ok(r) => serde_json::to_string(&r),
            Err(e) => serde_json::to_string(&e.to_string()),
        }
        .unwrap_or_else(|_| "null".into());
        let breakdown = match election.spec.territory_columns.is_empty() {
            true => "null".to_string(),
            false => match breakdown_of(self, 0) {
                Ok((b, _, _)) => serde_json::to_string(&b).unwrap_or_else(|_| "null".into()),
                Err(e) => serde_json::to_string(&e.body.error).unwrap_or_else(|_| "null".into()),
            },
        };
        Snapshot {
            size,
            results,
            breakdown,
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct EventsQuery {
    entries: Option<bool>,
}

struct Client {
    state: Arc<State>,
    size: watch::Receiver<u64>,
    /// The log size this client has seen up to; `None` before its first event.
    seen: Option<u64>,
    entries: bool,
    last_sent: Option<Instant>,
    /// Whether the previous event was cut at [`MAX_EVENT_ENTRIES`]: the rest follows at
    /// once, unthrottled.
    behind: bool,
    /// Whether the last event said `stale`.
    last_stale: bool,
    /// Its place among the streams the server counts (none when served without
    /// [`crate::serve`]).
    _counted: Option<Counted>,
}

/// `GET /api/v1/events`.
pub(crate) async fn stream(
    Shared(state): Shared<Arc<State>>,
    query: Result<Query<EventsQuery>, axum::extract::rejection::QueryRejection>,
    counted: Option<Extension<Counted>>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let Query(query) = query?;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let size = state.size.clone();
    let client = Client {
        seen: resume,
        size,
        state,
        entries: query.entries.unwrap_or(true),
        last_sent: None,
        last_stale: false,
        behind: false,
        _counted: counted.map(|Extension(c)| c),
    };
    let events = stream::unfold(client, |mut client| async move {
        let event = client.next_event().await?;
        Some((Ok(event), client))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

impl Client {
    /// The next event: at once for a new or resuming client, otherwise when the log
    /// grows, no sooner than [`THROTTLE`] after the previous one. `None` when the server
    /// stops.
    async fn next_event(&mut self) -> Option<Event> {
        loop {
            let size = *self.size.borrow_and_update();
            let stale = self.state.stale();
            let from = match self.seen {
                None => size,
                Some(seen) if seen < size => seen,
                Some(_) if self.last_sent.is_none() => size,
                // The store went away or came back: the same results, said stale or not.
                Some(_) if stale != self.last_stale => size,
                Some(_) => {
                    self.size.changed().await.ok()?;
                    continue;
                }
            };
            if let Some(sent) = self.last_sent.filter(|_| !self.behind) {
                tokio::time::sleep_until(sent + THROTTLE).await;
            }
            let size = *self.size.borrow_and_update();
            let resync = self.entries && size.saturating_sub(from) > RESYNC_BEHIND;
            let to = if self.entries && !resync {
                size.min(from + MAX_EVENT_ENTRIES)
            } else {
                size
            };
            let event = match resync {
                true => self.resync(from, size),
                false => self.event(from, to, self.entries),
            };
            self.last_stale = stale;
            self.seen = Some(to);
            self.last_sent = Some(Instant::now());
            self.behind = to < size;
            return Some(event);
        }
    }

    /// A `resync` event: the state at `size` without the entries from `from` (too far
    /// behind to send), and `"resync_from": from`, where the entries missed start.
    fn resync(&self, from: u64, size: u64) -> Event {
        tracing::debug!(from, size, "an event stream far behind is resynchronised");
        let mut data = self.data_with(size, size, false);
        // The object's closing brace gives way to one more field.
        data.pop();
        data.push_str(&format!(",\"resync_from\":{from}}}"));
        Event::default()
            .event("resync")
            .id(size.to_string())
            .data(data)
    }

    fn event(&self, from: u64, to: u64, entries: bool) -> Event {
        let data = self.data_with(from, to, entries);
        Event::default()
            .event("results")
            .id(to.to_string())
            .data(data)
    }

    /// The JSON of an event reaching `to`, with the entries from `from` if `entries`.
    fn data_with(&self, from: u64, to: u64, entries: bool) -> String {
        let snapshot = self.state.snapshot();
        let (root, entries) = {
            let live = self.state.live.read().unwrap_or_else(|e| e.into_inner());
            let root = live.tree.root_at(to).unwrap_or_else(|_| live.tree.root());
            let entries = entries.then(|| {
                let lines = &live.lines[from.min(to) as usize..to as usize];
                let mut json = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
                json.push('[');
                for (i, line) in lines.iter().enumerate() {
                    if i > 0 {
                        json.push(',');
                    }
                    json.push_str(line);
                }
                json.push(']');
                json
            });
            (root, entries)
        };
        // Base64 needs no escaping in a JSON string.
        let mut data = format!(
            "{{\"log_size\":{to},\"log_root\":\"{}\",\"stale\":{}",
            BASE64.encode(root),
            self.state.stale()
        );
        data.push_str(",\"results\":");
        data.push_str(&snapshot.results);
        data.push_str(",\"breakdown\":");
        data.push_str(&snapshot.breakdown);
        if let Some(entries) = entries {
            data.push_str(",\"entries\":");
            data.push_str(&entries);
        }
        data.push('}');
        data
    }
}
