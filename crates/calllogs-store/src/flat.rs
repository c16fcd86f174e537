//! A call as one flat row: the columns of CSV exports and of the SQLite
//! store, in one stable order, nested fields as JSON text.

use calllogs_core::Call;
use chrono::{DateTime, SecondsFormat, Utc};

/// The columns, in order (CSV headers; the store names `from`/`to`
/// `from_number`/`to_number`).
pub const COLUMNS: &[&str] = &[
    "provider",
    "id",
    "parent_id",
    "direction",
    "from",
    "to",
    "started_at",
    "answered_at",
    "ended_at",
    "duration_s",
    "talk_time_s",
    "billed_duration_s",
    "status",
    "hangup_cause",
    "hangup_category",
    "hangup_source",
    "hangup_provider_code",
    "hangup_provider_reason",
    "hangup_q850",
    "hangup_sip",
    "cost_amount",
    "cost_currency",
    "agents",
    "contact",
    "campaign",
    "tags",
    "recordings",
    "transcript",
    "analysis",
    "queue",
    "ivr",
    "disposition",
    "sla_met",
    "raw",
];

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// No value.
    Null,
    /// An integer.
    Int(i64),
    /// Text (JSON text for nested fields).
    Text(String),
}

impl Cell {
    /// The cell as CSV text (empty for null).
    pub fn as_text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Cell::Null => "".into(),
            Cell::Int(i) => i.to_string().into(),
            Cell::Text(s) => s.as_str().into(),
        }
    }
}

/// Timestamps as stored and exported: RFC 3339 UTC with microseconds, so
/// text order is time order.
pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn text(v: Option<impl Into<String>>) -> Cell {
    v.map_or(Cell::Null, |s| Cell::Text(s.into()))
}

fn int(v: Option<i64>) -> Cell {
    v.map_or(Cell::Null, Cell::Int)
}

fn json<T: serde::Serialize>(v: &T) -> Cell {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::Null) | Err(_) => Cell::Null,
        Ok(v) => Cell::Text(v.to_string()),
    }
}

/// The row of `call`; `raw` is left null unless `with_raw`.
pub fn row(call: &Call, with_raw: bool) -> Vec<Cell> {
    let h = call.hangup.as_ref();
    vec![
        Cell::Text(call.provider.clone()),
        Cell::Text(call.id.clone()),
        text(call.parent_id.clone()),
        Cell::Text(call.direction.as_str().into()),
        text(call.from.clone()),
        text(call.to.clone()),
        text(call.started_at.map(time)),
        text(call.answered_at.map(time)),
        text(call.ended_at.map(time)),
        int(call.duration_s),
        int(call.talk_time_s),
        int(call.billed_duration_s),
        Cell::Text(call.status.as_str().into()),
        text(h.map(|h| h.cause.as_str())),
        text(h.map(|h| h.category.as_str())),
        text(h.map(|h| h.source.as_str())),
        text(h.and_then(|h| h.provider_code.clone())),
        text(h.and_then(|h| h.provider_reason.clone())),
        int(h.and_then(|h| h.q850).map(i64::from)),
        int(h.and_then(|h| h.sip).map(i64::from)),
        text(call.cost.as_ref().map(|c| c.amount.clone())),
        text(call.cost.as_ref().map(|c| c.currency.clone())),
        json(&call.agents),
        json(&call.contact),
        json(&call.campaign),
        json(&call.tags),
        json(&call.recordings),
        json(&call.transcript),
        json(&call.analysis),
        json(&call.queue),
        json(&call.ivr),
        json(&call.disposition),
        int(call.sla_met.map(i64::from)),
        // The record exactly as the provider sent it (made one line), not
        // re-serialized: what an audit compares, and what the store compares
        // to tell an unchanged call from an updated one.
        if with_raw && call.raw.get() != "null" {
            Cell::Text(call.raw.get().to_string())
        } else {
            Cell::Null
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_cell_per_column() {
        let call = Call::new("plivo", "x");
        assert_eq!(row(&call, true).len(), COLUMNS.len());
        let mut call = Call::new("plivo", "y");
        call.hangup = calllogs_core::Hangup::resolve(Some("3010"), Some("Busy Line"));
        let r = row(&call, false);
        let at = |name: &str| r[COLUMNS.iter().position(|c| *c == name).unwrap()].clone();
        assert_eq!(at("hangup_cause"), Cell::Text("busy_line".into()));
        assert_eq!(at("hangup_source"), Cell::Text("unknown".into()));
        assert_eq!(at("hangup_q850"), Cell::Int(17));
        assert_eq!(at("agents"), Cell::Text("[]".into()));
        assert_eq!(at("raw"), Cell::Null);
    }
}
