//! Unpod's call logs: `GET /api/v2/platform/call-logs/` with `Org-Handle` and
//! `Authorization: Token …`, page numbers behind absolute `next` links, the
//! `{count, status_code, message, data}` envelope.

use calllogs_core::{Direction, HangupCause as C, Status};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use calllogs_emulator::util::time_param;
use calllogs_emulator::{
    Api, Calls, Config, Outcome, PageNumber, PageParams, Reply, Request, SynthCall,
};

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

/// Page numbers from 1, 1..=1000 records a page (20 unless asked).
const PAGES: PageParams = PageParams {
    page: "page",
    size: "page_size",
    first: 1,
    default_size: 20,
    max_size: 1000,
};

const OUTCOMES: &[Outcome] = &[
    Outcome::new(
        Status::Completed,
        &[C::NormalHangup, C::NormalHangup, C::AgentHangup],
        60,
    ),
    Outcome::new(Status::Missed, &[C::NoAnswer], 12).only(Direction::Inbound),
    Outcome::new(Status::NoAnswer, &[C::NoAnswer], 10).only(Direction::Outbound),
    Outcome::new(Status::Busy, &[C::BusyLine], 8).only(Direction::Outbound),
    Outcome::new(Status::Failed, &[C::InternalError, C::NetworkError], 10),
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
                PAGES.read(req)?,
                time_param("start_date", req.param("start_date"))?,
                time_param("end_date", req.param("end_date"))?,
            ))
        })();
        let (page, start, end) = match parsed {
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
        let (total, page_calls) = page.select(
            within.iter(),
            filtered.then_some(&keep as &dyn Fn(&SynthCall) -> bool),
        );
        let items: Vec<Value> = page_calls.iter().map(|c| render(c)).collect();
        let link = |p: u64| {
            format!(
                "{}/api/v2/platform/call-logs/?{}",
                req.origin,
                PageNumber::query_for(req, "page", p)
            )
        };
        Reply::json(
            200,
            json!({
                "count": total,
                "next": page.has_next(total).then(|| link(page.page + 1)),
                "previous": page.has_previous().then(|| link(page.page - 1)),
                "status_code": 200,
                "message": "Call logs fetched successfully",
                "data": items,
            }),
        )
    }
}
