//! Unpod's call logs: `GET /api/v2/platform/call-logs/` with `Org-Handle` and
//! `Authorization: Token …`, page numbers behind absolute `next` links, the
//! `{count, status_code, message, data}` envelope.

use calllogs_core::{Direction, HangupCause as C, Status};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use calllogs_emulator::util::{self, int_param, time_param};
use calllogs_emulator::{Api, Calls, Config, Outcome, Reply, Request, SynthCall, newest_page};

/// The emulator with the credentials of `config` (demo values for those it
/// does not name).
pub fn api(config: &Config) -> std::sync::Arc<dyn Api> {
    std::sync::Arc::new(Unpod {
        org: config.credential("UNPOD_ORG_HANDLE", || format!("demo-org-{}", config.seed)),
        token: config.credential("UNPOD_API_TOKEN", || config.demo_secret(40)),
    })
}

struct Unpod {
    org: String,
    token: String,
}

const OUTCOMES: &[Outcome] = &[
    Outcome {
        status: Status::Completed,
        direction: None,
        causes: &[C::NormalHangup, C::NormalHangup, C::AgentHangup],
        weight: 60,
    },
    Outcome {
        status: Status::Missed,
        direction: Some(Direction::Inbound),
        causes: &[C::NoAnswer],
        weight: 12,
    },
    Outcome {
        status: Status::NoAnswer,
        direction: Some(Direction::Outbound),
        causes: &[C::NoAnswer],
        weight: 10,
    },
    Outcome {
        status: Status::Busy,
        direction: Some(Direction::Outbound),
        causes: &[C::BusyLine],
        weight: 8,
    },
    Outcome {
        status: Status::Failed,
        direction: None,
        causes: &[C::InternalError, C::NetworkError],
        weight: 10,
    },
];

fn end_reason(c: &SynthCall) -> Option<&'static str> {
    Some(match c.cause? {
        C::NormalHangup if c.seq.is_multiple_of(2) => "caller_hangup",
        C::NormalHangup => "Customer Ended The Call",
        C::AgentHangup => "assistant-ended-call",
        C::NoAnswer => "no_answer",
        C::BusyLine => "customer-busy",
        C::NetworkError => "NETWORK_OUT_OF_ORDER",
        _ => "pipeline-error-tts-failed",
    })
}

fn call_status(c: &SynthCall) -> &'static str {
    match c.status {
        Status::Completed => "completed",
        Status::Missed | Status::NoAnswer => "missed",
        _ => "failed",
    }
}

fn render(c: &SynthCall) -> Value {
    let iso = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let d = c.duration_s.unwrap_or(0);
    // Unpod's reference shows the duration both ways; serve both.
    let duration = if c.seq.is_multiple_of(3) {
        json!(d)
    } else {
        json!(format!("{}:{:02}:{:02}", d / 3600, d / 60 % 60, d % 60))
    };
    json!({
        "id": c.id,
        "source_number": c.from,
        "destination_number": c.to,
        "call_type": if c.direction == Direction::Inbound { "inbound" } else { "outbound" },
        "call_status": call_status(c),
        "creation_time": iso(c.started_at),
        "start_time": iso(c.started_at),
        "end_time": c.ended_at.map(iso),
        "call_duration": duration,
        "end_reason": end_reason(c),
        "bridge": c.seq % 7,
    })
}

fn envelope(status: u16, message: &str) -> Reply {
    Reply::json(
        status,
        json!({"count": 0, "status_code": status, "message": message, "data": []}),
    )
}

impl Api for Unpod {
    fn id(&self) -> &'static str {
        "unpod"
    }
    fn base_path(&self) -> &'static str {
        "/api/v2/platform"
    }
    fn page_size_param(&self) -> &'static str {
        "page_size"
    }
    fn credentials(&self) -> Vec<(&'static str, String)> {
        vec![
            ("UNPOD_ORG_HANDLE", self.org.clone()),
            ("UNPOD_API_TOKEN", self.token.clone()),
        ]
    }
    fn outcomes(&self) -> &'static [Outcome] {
        OUTCOMES
    }
    fn call_id(&self, seq: u64) -> String {
        format!("up-{seq:06}")
    }

    fn page_body(&self, calls: &[&SynthCall], total: usize) -> Value {
        json!({
            "count": total, "next": null, "previous": null, "status_code": 200, "message": "ok",
            "data": calls.iter().map(|c| render(c)).collect::<Vec<_>>(),
        })
    }

    fn handle(&self, req: &Request, calls: &Calls, _now: DateTime<Utc>) -> Reply {
        if req.header("authorization") != Some(format!("Token {}", self.token).as_str()) {
            return envelope(401, "Unauthorized - Invalid or missing API token");
        }
        if req.header("org-handle") != Some(self.org.as_str()) {
            return envelope(403, "Forbidden - Invalid organization handle");
        }
        if req.path.trim_end_matches('/') != "/api/v2/platform/call-logs" || req.method != "GET" {
            return envelope(404, "Not Found - Resource not found");
        }
        let parsed = (|| -> Result<_, String> {
            Ok((
                int_param("page", req.param("page"), 1, 1, u64::MAX / 2000)?,
                int_param("page_size", req.param("page_size"), 20, 1, 1000)?,
                time_param("start_date", req.param("start_date"))?,
                time_param("end_date", req.param("end_date"))?,
            ))
        })();
        let (page, size, start, end) = match parsed {
            Ok(p) => p,
            Err(message) => return envelope(400, &format!("Bad Request - {message}")),
        };
        let within = calls.started_within(start, end, true);
        // The other filters, read once; `filtered` is derived from them.
        let call_type = req.param("call_type");
        let status = req.param("call_status");
        let filtered = call_type.is_some() || status.is_some();
        let keep = |c: &SynthCall| {
            call_type.is_none_or(|t| {
                t == if c.direction == Direction::Inbound {
                    "inbound"
                } else {
                    "outbound"
                }
            }) && status.is_none_or(|s| s == call_status(c))
        };
        let skip = ((page - 1) * size) as usize;
        let (total, page_calls) = newest_page(
            within.iter(),
            filtered.then_some(&keep as &dyn Fn(&SynthCall) -> bool),
            skip,
            size as usize,
        );
        let total = total as u64;
        let items: Vec<Value> = page_calls.iter().map(|c| render(c)).collect();
        let link = |p: u64| {
            format!(
                "{}/api/v2/platform/call-logs/?{}",
                req.origin,
                util::query_string(&util::with_param(&req.query, "page", p.to_string()))
            )
        };
        Reply::json(
            200,
            json!({
                "count": total,
                "next": (page * size < total).then(|| link(page + 1)),
                "previous": (page > 1).then(|| link(page - 1)),
                "status_code": 200,
                "message": "Call logs fetched successfully",
                "data": items,
            }),
        )
    }
}
