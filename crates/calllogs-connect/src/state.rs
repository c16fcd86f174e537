//! The `calls` stream's state: the same checkpoint `calllogs sync` keeps in
//! its store (the pinned window, the page to ask for next, then
//! `synced_until`), as the JSON both engines hand back on the next run.

use calllogs_core::paginate::{Checkpoint, CountMismatch};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use calllogs_store::store::SyncState;

/// The stream's name in both protocols.
pub const STREAM: &str = "calls";

/// The state of one account's `calls` stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamState {
    /// The provider, to refuse another account's state.
    pub provider: String,
    /// The account's name.
    pub account: String,
    /// `running` while a read is under way (or was killed), `done` after.
    pub status: RunStatus,
    /// The range being read (pinned when the read started).
    pub since: Option<DateTime<Utc>>,
    /// Its upper bound.
    pub until: Option<DateTime<Utc>>,
    /// A read of what changed since this time (providers that list by
    /// update time), instead of a range of creation times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_since: Option<DateTime<Utc>>,
    /// Where to resume, after the last page emitted.
    pub checkpoint: Option<Checkpoint>,
    /// Pages emitted in this read.
    pub pages_done: u64,
    /// Calls emitted in this read.
    pub calls_seen: u64,
    /// Everything before this was read by a finished read.
    pub synced_until: Option<DateTime<Utc>>,
    /// Windows whose announced total differed from the calls received.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mismatches: Vec<CountMismatch>,
}

/// Whether a read is under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Under way, or killed: the next read resumes at the checkpoint.
    Running,
    /// Finished: the next read starts `lookback` before `synced_until`.
    Done,
}

impl StreamState {
    /// The state of `provider`/`account` after `state`.
    pub fn of(provider: &str, account: &str, state: &SyncState) -> Self {
        StreamState {
            provider: provider.into(),
            account: account.into(),
            status: if state.running {
                RunStatus::Running
            } else {
                RunStatus::Done
            },
            since: state.since,
            until: state.until,
            updated_since: state.updated_since,
            checkpoint: state.checkpoint.clone(),
            pages_done: state.pages_done,
            calls_seen: state.calls_seen,
            synced_until: state.synced_until,
            mismatches: state.count_mismatches.clone(),
        }
    }

    /// The sync state it holds.
    pub fn sync_state(&self) -> SyncState {
        SyncState {
            running: self.status == RunStatus::Running,
            since: self.since,
            until: self.until,
            updated_since: self.updated_since,
            checkpoint: self.checkpoint.clone(),
            pages_done: self.pages_done,
            calls_seen: self.calls_seen,
            synced_until: self.synced_until,
            count_mismatches: self.mismatches.clone(),
        }
    }
}

/// The `calls` stream's state in what an engine passed as `--state`: an
/// Airbyte list of per-stream state messages, one such message, a global
/// state, a legacy `{"data": …}` blob, a Singer `{"bookmarks": {"calls": …}}`
/// (or the STATE message holding it), or the stream state itself. `Ok(None)`
/// when it holds no state for `calls` (an empty list or object: a first
/// run); an error when it holds one that is not a calllogs state, rather
/// than silently starting over.
///
/// ```
/// use calllogs_connect::state::find;
/// let airbyte = serde_json::json!([{"type": "STREAM", "stream": {
///     "stream_descriptor": {"name": "calls"}, "stream_state": {
///     "provider": "plivo", "account": "eu", "status": "done", "since": null, "until": null,
///     "checkpoint": null, "pages_done": 0, "calls_seen": 0, "synced_until": "2026-11-01T00:00:00Z"}}}]);
/// let state = find(&airbyte).unwrap().unwrap();
/// assert_eq!(state.account, "eu");
/// assert!(find(&serde_json::json!([])).unwrap().is_none());
/// ```
pub fn find(input: &Value) -> Result<Option<StreamState>, String> {
    match locate(input, 0) {
        None => Ok(None),
        Some(blob) => serde_json::from_value(blob.clone())
            .map(Some)
            .map_err(|e| format!("the state for stream {STREAM:?} is not a calllogs state: {e}")),
    }
}

/// Where the `calls` stream state sits in `v`, if anywhere.
fn locate(v: &Value, depth: usize) -> Option<&Value> {
    if depth > 4 {
        return None;
    }
    let is_calls = |d: &Value| d.get("name").and_then(Value::as_str) == Some(STREAM);
    match v {
        Value::Array(items) => items.iter().find_map(|i| locate(i, depth + 1)),
        Value::Object(o) => {
            match o.get("type").and_then(Value::as_str) {
                Some("STREAM") => {
                    let stream = o.get("stream")?;
                    return stream
                        .get("stream_descriptor")
                        .filter(|d| is_calls(d))
                        .and_then(|_| stream.get("stream_state"))
                        .filter(|s| !s.is_null());
                }
                Some("GLOBAL") => {
                    return o
                        .get("global")?
                        .get("stream_states")?
                        .as_array()?
                        .iter()
                        .find(|s| s.get("stream_descriptor").is_some_and(is_calls))
                        .and_then(|s| s.get("stream_state"))
                        .filter(|s| !s.is_null());
                }
                Some("STATE") => return locate(o.get("value")?, depth + 1),
                _ => {}
            }
            if o.contains_key("provider") && o.contains_key("status") {
                return Some(v);
            }
            if let Some(b) = o.get("bookmarks") {
                return b.get(STREAM).filter(|s| !s.is_null());
            }
            if let Some(d) = o.get("data") {
                return locate(d, depth + 1);
            }
            o.get(STREAM).filter(|s| !s.is_null())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn blob() -> Value {
        json!({"provider": "plivo", "account": "eu", "status": "running",
               "since": "2026-11-01T00:00:00Z", "until": "2026-11-02T00:00:00Z",
               "checkpoint": {"windows": [{"since": "2026-11-01T00:00:00Z", "until": "2026-11-02T00:00:00Z"}],
                              "token": {"offset": 20}, "received": 20},
               "pages_done": 1, "calls_seen": 20, "synced_until": null})
    }

    #[test]
    fn every_form_an_engine_passes_is_found() {
        let b = blob();
        let forms = [
            json!([{"type": "STREAM", "stream": {"stream_descriptor": {"name": "other"}, "stream_state": {}}},
                   {"type": "STREAM", "stream": {"stream_descriptor": {"name": "calls"}, "stream_state": b}}]),
            json!({"type": "STREAM", "stream": {"stream_descriptor": {"name": "calls"}, "stream_state": b}}),
            json!({"type": "GLOBAL", "global": {"stream_states": [
                {"stream_descriptor": {"name": "calls"}, "stream_state": b}]}}),
            json!({"type": "LEGACY", "data": {"calls": b}}),
            json!({"bookmarks": {"calls": b}}),
            json!({"type": "STATE", "value": {"bookmarks": {"calls": b}}}),
            b.clone(),
        ];
        for f in forms {
            let s = find(&f)
                .unwrap()
                .unwrap_or_else(|| panic!("not found in {f}"));
            assert_eq!(s.account, "eu");
            assert!(s.sync_state().running);
            assert_eq!(s.sync_state().checkpoint.unwrap().received, 20);
        }
    }

    #[test]
    fn no_state_is_a_first_run_and_a_foreign_state_is_an_error() {
        for empty in [json!([]), json!({}), json!({"bookmarks": {}}), json!(null)] {
            assert!(find(&empty).unwrap().is_none(), "{empty}");
        }
        let foreign = json!({"bookmarks": {"calls": {"replication_key_value": "2026-01-01"}}});
        let e = find(&foreign).unwrap_err();
        assert!(e.contains("not a calllogs state"), "{e}");
    }

    #[test]
    fn the_state_round_trips() {
        let s = find(&blob()).unwrap().unwrap();
        let again = StreamState::of("plivo", "eu", &s.sync_state());
        assert_eq!(serde_json::to_value(&again).unwrap(), blob());
    }
}
