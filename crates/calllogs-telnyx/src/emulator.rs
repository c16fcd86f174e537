//! Telnyx's detail-records API, emulated: `GET /v2/detail_records`
//! (bearer key; `filter[record_type]` required; `filter[started_at][gte]`
//! and `[lt]`; `filter[direction]`; `sort=started_at` or `-started_at`; a
//! filter or sort on `created_at`, which voice records lack, refused with a
//! 400 as Telnyx does;
//! `page[number]` and `page[size]` up to 50), `{data, meta}` with
//! `meta.page_number` and `meta.total_pages` (the official SDK's meta model:
//! no count of records), JSON:API-style errors, voice records under the names
//! observed in Telnyx's examples (`call_leg_id`, `cli`, `cld`, `call_sec`,
//! `billed_sec`, `cost` and `currency` as strings).

use std::sync::Arc;

use calllogs_core::{Direction, HangupCause as C, Status};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use calllogs_emulator::util::time_param;
use calllogs_emulator::{Api, Calls, Config, Outcome, PageParams, Reply, Request, SynthCall};

/// The emulator with the credentials of `config` (a demo key otherwise).
pub fn api(config: &Config) -> Arc<dyn Api> {
    Arc::new(Telnyx {
        key: config.credential(crate::API_KEY, || {
            calllogs_emulator::util::demo_secret("KEY", config.seed, 40)
        }),
    })
}

struct Telnyx {
    key: String,
}

const PAGES: PageParams = PageParams {
    page: "page[number]",
    size: "page[size]",
    first: 1,
    default_size: 20,
    max_size: crate::MAX_PAGE as u64,
};

const OUTCOMES: &[Outcome] = &[
    Outcome::new(Status::Completed, &[C::NormalHangup], 60),
    Outcome::new(Status::NoAnswer, &[C::NoAnswer, C::RingTimeoutReached], 12),
    Outcome::new(Status::Busy, &[C::BusyLine], 8),
    Outcome::new(Status::Failed, &[C::Rejected, C::UnallocatedNumber], 8),
    Outcome::new(Status::Canceled, &[C::Canceled], 6).only(Direction::Outbound),
];

/// `hangup_cause` and `sip_hangup_cause` as Telnyx writes them.
fn cause_words(c: &SynthCall) -> (&'static str, &'static str) {
    match c.cause {
        Some(C::BusyLine) => ("user_busy", "486"),
        Some(C::NoAnswer) => ("no_answer", "480"),
        Some(C::RingTimeoutReached) => ("timeout", "408"),
        Some(C::Rejected) => ("call_rejected", "603"),
        Some(C::UnallocatedNumber) => ("not_found", "404"),
        Some(C::Canceled) => ("originator_cancel", "487"),
        _ => ("normal_clearing", "unspecified"),
    }
}

fn render(c: &SynthCall) -> Value {
    let iso = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let talk = c.talk_s.unwrap_or(0);
    let billed = if talk > 0 { (talk + 59) / 60 * 60 } else { 0 };
    let (cause, sip) = cause_words(c);
    json!({
        "record_type": "call-control",
        "id": format!("{:08x}-0000-4000-8000-{:012x}", c.seq, c.seq),
        "call_leg_id": c.id,
        "call_session_id": format!("5e55{:04x}-0000-4000-8000-{:012x}", c.seq / 2, c.seq / 2),
        "call_control_id": format!("v3:{}", c.id),
        "cli": c.from,
        "cld": c.to,
        "direction": c.direction.as_str(),
        "started_at": iso(c.started_at),
        "finished_at": c.ended_at.map(iso),
        "call_sec": talk,
        "billed_sec": billed,
        "rate": "0.0085",
        "cost": c.cost(),
        "currency": "USD",
        "hangup_cause": cause,
        "hangup_source": if c.direction == Direction::Inbound { "caller" } else { "callee" },
        "sip_hangup_cause": sip,
        "connection_id": "1494404757140276705",
        "connection_name": "demo-connection",
        "tags": if c.campaign.is_multiple_of(2) { "demo,emulated" } else { "" },
    })
}

fn error(status: u16, code: &str, title: &str, detail: &str) -> Reply {
    Reply::json(
        status,
        json!({"errors": [{"code": code, "title": title, "detail": detail}]}),
    )
}

impl Telnyx {
    fn list(&self, req: &Request, calls: &Calls) -> Reply {
        if req.param("filter[record_type]").is_none() {
            return error(
                422,
                "10015",
                "Bad Request",
                "filter[record_type] is required",
            );
        }
        // Voice records have started_at, finished_at and answered_at, no
        // created_at: a filter or sort on a field the type lacks is a 400.
        let lacking = req.query.iter().find(|(k, v)| {
            k.starts_with("filter[created_at]")
                || (k == "sort" && v.trim_start_matches('-') == "created_at")
        });
        if let Some((k, _)) = lacking {
            return error(
                400,
                "10015",
                "Invalid filter",
                &format!("{k}: the field created_at does not exist for record type call-control"),
            );
        }
        let parsed = (|| -> Result<_, String> {
            let direction = match req.param("filter[direction]") {
                None => None,
                Some("inbound") => Some(Direction::Inbound),
                Some("outbound") => Some(Direction::Outbound),
                Some(d) => {
                    return Err(format!(
                        "filter[direction]: {d:?} is not inbound or outbound"
                    ));
                }
            };
            let ascending = match req.param("sort") {
                None | Some("started_at") => true,
                Some("-started_at") => false,
                Some(s) => return Err(format!("sort: {s:?} is not started_at or -started_at")),
            };
            Ok((
                PAGES.read(req)?,
                time_param(
                    "filter[started_at][gte]",
                    req.param("filter[started_at][gte]"),
                )?,
                time_param(
                    "filter[started_at][lt]",
                    req.param("filter[started_at][lt]"),
                )?,
                direction,
                ascending,
            ))
        })();
        let (page, since, until, direction, ascending) = match parsed {
            Ok(p) => p,
            Err(m) => return error(400, "10015", "Bad Request", &m),
        };
        // Only call-control records are emulated: another type lists none.
        let records: Vec<&SynthCall> = if req.param("filter[record_type]") == Some("call-control") {
            calls
                .started_within(since, until, false)
                .iter()
                .filter(|c| direction.is_none_or(|d| c.direction == d))
                .collect()
        } else {
            Vec::new()
        };
        let total = records.len();
        let skip = page.skip().min(total);
        let take = (page.size as usize).min(total - skip);
        let items: Vec<Value> = if ascending {
            records
                .iter()
                .skip(skip)
                .take(take)
                .map(|c| render(c))
                .collect()
        } else {
            records
                .iter()
                .rev()
                .skip(skip)
                .take(take)
                .map(|c| render(c))
                .collect()
        };
        Reply::json(
            200,
            json!({
                "data": items,
                // As the official SDK's model has it: no total of records.
                "meta": {
                    "page_number": page.page,
                    "total_pages": total.div_ceil(page.size as usize),
                }
            }),
        )
    }
}

impl Api for Telnyx {
    fn id(&self) -> &'static str {
        crate::ID
    }
    fn page_size_param(&self) -> &'static str {
        "page[size]"
    }
    fn credentials(&self) -> Vec<(&'static str, String)> {
        vec![(crate::API_KEY, self.key.clone())]
    }
    fn outcomes(&self) -> &'static [Outcome] {
        OUTCOMES
    }
    fn call_id(&self, seq: u64) -> String {
        format!("1e9{:05x}-0000-4000-8000-{seq:012x}", seq % 0x100000)
    }
    fn webhook(&self, c: &SynthCall) -> Option<calllogs_emulator::Hook> {
        let end = c.ended_at?;
        let r = render(c);
        let iso = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        Some(calllogs_emulator::Hook::json(&json!({
            "data": {
                "record_type": "event",
                "event_type": "call.hangup",
                "id": format!("e0e0{:04x}-0000-4000-8000-{:012x}", c.seq % 0xffff, c.seq),
                "occurred_at": iso(end),
                "payload": {
                    "call_control_id": r["call_control_id"],
                    "call_leg_id": c.id,
                    "call_session_id": r["call_session_id"],
                    "connection_id": r["connection_id"],
                    "from": c.from,
                    "to": c.to,
                    "direction": r["direction"],
                    "start_time": iso(c.started_at),
                    "end_time": iso(end),
                    "state": "hangup",
                    "hangup_cause": r["hangup_cause"],
                    "hangup_source": r["hangup_source"],
                    "sip_hangup_cause": r["sip_hangup_cause"],
                },
            },
            "meta": {"attempt": 1, "delivered_to": "http://127.0.0.1/"},
        })))
    }
    fn page_body(&self, calls: &[&SynthCall], _total: usize) -> Value {
        // The last page: its meta has no count of records (see `list`).
        json!({
            "data": calls.iter().map(|c| render(c)).collect::<Vec<_>>(),
            "meta": {"page_number": 1, "total_pages": 1}
        })
    }
    fn handle(&self, req: &Request, calls: &Calls, _now: DateTime<Utc>) -> Reply {
        let expected = format!("Bearer {}", self.key);
        if req.header("authorization") != Some(expected.as_str()) {
            return error(
                401,
                "10009",
                "Authentication failed",
                "The API key in the Authorization header is not valid",
            );
        }
        if req.method != "GET" {
            return error(405, "10405", "Method not allowed", "Use GET");
        }
        if req.path.trim_end_matches('/') != "/v2/detail_records" {
            return error(404, "10005", "Resource not found", "No such path");
        }
        self.list(req, calls)
    }
}
