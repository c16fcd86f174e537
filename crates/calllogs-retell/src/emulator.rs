//! Retell's API, emulated: `POST /v3/list-calls` with its JSON body (typed
//! `filter_criteria`, `sort_order`, `limit` 1..=1000, the opaque
//! `pagination_key`), the `{items, has_more, pagination_key}` envelope,
//! list items without the transcript, and `GET /v2/get-call/{call_id}`
//! with it; bearer key; Retell-style error bodies.

use std::sync::Arc;

use calllogs_core::{Direction, HangupCause as C, Status};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use calllogs_emulator::{Api, Calls, Config, Outcome, Reply, Request, SynthCall, newest_page};

/// The emulator with the credentials of `config` (a demo key otherwise).
pub fn api(config: &Config) -> Arc<dyn Api> {
    Arc::new(Retell {
        key: config.credential(crate::API_KEY, || {
            calllogs_emulator::util::demo_secret("key_", config.seed, 28)
        }),
    })
}

struct Retell {
    key: String,
}

const OUTCOMES: &[Outcome] = &[
    Outcome::new(
        Status::Completed,
        &[
            C::NormalHangup,
            C::NormalHangup,
            C::AgentHangup,
            C::MachineDetected,
            C::ScheduledHangup,
            C::MediaTimeout,
        ],
        62,
    ),
    Outcome::new(Status::NoAnswer, &[C::NoAnswer], 10).only(Direction::Outbound),
    Outcome::new(Status::Busy, &[C::BusyLine], 8).only(Direction::Outbound),
    Outcome::new(Status::Failed, &[C::InvalidDestinationAddress], 6).only(Direction::Outbound),
    Outcome::new(Status::Failed, &[C::InternalError], 8),
    Outcome::new(Status::InProgress, &[], 6),
];

/// The `disconnection_reason` Retell writes for a cause.
fn reason(cause: C) -> &'static str {
    match cause {
        C::NormalHangup => "user_hangup",
        C::AgentHangup => "agent_hangup",
        C::MachineDetected => "voicemail_reached",
        C::ScheduledHangup => "max_duration_reached",
        C::MediaTimeout => "inactivity",
        C::NoAnswer => "dial_no_answer",
        C::BusyLine => "dial_busy",
        C::InvalidDestinationAddress => "invalid_destination",
        _ => "error_retell",
    }
}

fn call_status(c: &SynthCall) -> &'static str {
    match (c.status, c.cause) {
        (Status::InProgress, _) => "ongoing",
        (Status::Completed, _) => "ended",
        (_, Some(C::InternalError)) => "error",
        _ => "not_connected",
    }
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// One call as a v3 list item (`detail`: as get-call answers, with the
/// transcript).
fn render(c: &SynthCall, detail: bool) -> Value {
    let mut v = json!({
        "call_id": c.id,
        "call_type": "phone_call",
        "agent_id": format!("agent_{:04x}", c.agent),
        "agent_name": format!("Demo agent {}", c.agent),
        "agent_version": 1,
        "call_status": call_status(c),
        "direction": c.direction.as_str(),
        "from_number": c.from,
        "to_number": c.to,
        "start_timestamp": ms(c.started_at),
        "end_timestamp": c.ended_at.map(ms),
        "duration_ms": c.duration_s.map(|d| d * 1000),
        "disconnection_reason": c.cause.map(reason),
        "metadata": {},
        "data_storage_setting": "everything",
        "opt_in_signed_url": false,
    });
    if c.ended_at.is_some() {
        // Cents, as a float on the wire.
        let cents = c.cost_units as f64 / 1000.0;
        v["call_cost"] = json!({
            "combined_cost": cents,
            "product_costs": [{"product": "retell_platform", "unit_price": 0.1, "cost": cents}],
            "total_duration_seconds": c.duration_s.unwrap_or(0),
            "total_duration_unit_price": 0.1,
        });
    }
    if c.answered() {
        v["recording_url"] = json!(format!("https://recordings.example.invalid/{}.wav", c.id));
        v["call_analysis"] = json!({
            "call_summary": "Lorem ipsum summary.",
            "call_successful": c.status == Status::Completed,
            "user_sentiment": "Neutral",
            "in_voicemail": c.cause == Some(C::MachineDetected),
            "custom_analysis_data": {},
        });
        if detail {
            v["transcript"] =
                json!("Agent: Hello, this is a demo agent.\nUser: Lorem ipsum dolor sit amet.\n");
            v["transcript_object"] = json!([
                {"role": "agent", "content": "Hello, this is a demo agent.",
                 "words": [{"word": "Hello,", "start": 0.5, "end": 0.9}]},
                {"role": "user", "content": "Lorem ipsum dolor sit amet.",
                 "words": [{"word": "Lorem", "start": 2.1, "end": 2.4}]},
            ]);
        }
    }
    v
}

fn error(status: u16, message: &str) -> Reply {
    Reply::json(status, json!({"status": "error", "message": message}))
}

/// A time bound of `filter_criteria.start_timestamp`: `(from, to, to
/// inclusive)`, or a message saying what is wrong.
type Bounds = (Option<DateTime<Utc>>, Option<DateTime<Utc>>, bool);

fn start_bounds(f: Option<&Value>) -> Result<Bounds, String> {
    let Some(f) = f else {
        return Ok((None, None, false));
    };
    let at = |v: &Value| {
        v.as_i64()
            .and_then(DateTime::<Utc>::from_timestamp_millis)
            .ok_or_else(|| format!("start_timestamp: {v} is not epoch milliseconds"))
    };
    let op = f["op"].as_str().unwrap_or("");
    let value = &f["value"];
    match (f["type"].as_str(), op) {
        (Some("range"), "bt") => {
            let [lo, hi] = value
                .as_array()
                .and_then(|a| <&[Value; 2]>::try_from(a.as_slice()).ok())
                .ok_or("start_timestamp: a range's value is [low, high]")?;
            Ok((Some(at(lo)?), Some(at(hi)?), true))
        }
        (Some("number"), "ge") => Ok((Some(at(value)?), None, false)),
        (Some("number"), "gt") => Ok((
            Some(at(value)? + chrono::Duration::milliseconds(1)),
            None,
            false,
        )),
        (Some("number"), "lt") => Ok((None, Some(at(value)?), false)),
        (Some("number"), "le") => Ok((None, Some(at(value)?), true)),
        _ => Err(format!("start_timestamp: unsupported filter {f}")),
    }
}

/// The values of an `{"type": "enum", "op": "in", "value": [...]}` filter.
fn enum_in(f: Option<&Value>) -> Option<Vec<String>> {
    let values = f?.get("value")?.as_array()?;
    Some(
        values
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
    )
}

impl Retell {
    fn list(&self, req: &Request, calls: &Calls) -> Reply {
        let body: Value = match serde_json::from_slice(if req.body.is_empty() {
            b"{}"
        } else {
            &req.body
        }) {
            Ok(v @ Value::Object(_)) => v,
            _ => return error(400, "the request body is not a JSON object"),
        };
        let limit = match &body["limit"] {
            Value::Null => 50,
            v => match v.as_u64().filter(|n| (1..=1000).contains(n)) {
                Some(n) => n as usize,
                None => {
                    return error(
                        400,
                        &format!("limit must be an integer from 1 to 1000, got {v}"),
                    );
                }
            },
        };
        let ascending = match body["sort_order"].as_str() {
            None | Some("descending") => false,
            Some("ascending") => true,
            Some(other) => {
                return error(
                    400,
                    &format!("sort_order {other:?} is not ascending or descending"),
                );
            }
        };
        let offset = match body["pagination_key"].as_str() {
            None => 0,
            Some(k) => match k.strip_prefix("pk_").and_then(|n| n.parse::<usize>().ok()) {
                Some(n) => n,
                None => return error(400, "invalid pagination_key"),
            },
        };
        let criteria = &body["filter_criteria"];
        let (from, to, inclusive) = match start_bounds(criteria.get("start_timestamp")) {
            Ok(b) => b,
            Err(m) => return error(400, &m),
        };
        let within = calls.started_within(from, to, inclusive);
        let directions = enum_in(criteria.get("direction"));
        let statuses = enum_in(criteria.get("call_status"));
        let agents: Option<Vec<String>> =
            criteria.get("agent").and_then(Value::as_array).map(|a| {
                a.iter()
                    .filter_map(|x| x["agent_id"].as_str().map(str::to_string))
                    .collect()
            });
        let filtered = directions.is_some() || statuses.is_some() || agents.is_some();
        let keep = |c: &SynthCall| {
            directions
                .as_ref()
                .is_none_or(|d| d.iter().any(|x| x == c.direction.as_str()))
                && statuses
                    .as_ref()
                    .is_none_or(|s| s.iter().any(|x| x == call_status(c)))
                && agents
                    .as_ref()
                    .is_none_or(|a| a.contains(&format!("agent_{:04x}", c.agent)))
        };
        let (total, page): (usize, Vec<&SynthCall>) = if ascending {
            let kept: Vec<&SynthCall> = within.iter().filter(|c| !filtered || keep(c)).collect();
            (
                kept.len(),
                kept.into_iter().skip(offset).take(limit).collect(),
            )
        } else {
            newest_page(
                within.iter(),
                filtered.then_some(&keep as &dyn Fn(&SynthCall) -> bool),
                offset,
                limit,
            )
        };
        let more = offset + page.len() < total;
        Reply::json(
            200,
            json!({
                "items": page.iter().map(|c| render(c, false)).collect::<Vec<_>>(),
                "has_more": more,
                "pagination_key": more.then(|| format!("pk_{}", offset + page.len())),
            }),
        )
    }
}

impl Api for Retell {
    fn id(&self) -> &'static str {
        crate::ID
    }
    fn page_size_param(&self) -> &'static str {
        "limit"
    }
    fn credentials(&self) -> Vec<(&'static str, String)> {
        vec![(crate::API_KEY, self.key.clone())]
    }
    fn outcomes(&self) -> &'static [Outcome] {
        OUTCOMES
    }
    fn call_id(&self, seq: u64) -> String {
        format!(
            "call_{:032x}",
            seq.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5eed
        )
    }
    fn webhook(&self, c: &SynthCall) -> Option<calllogs_emulator::Hook> {
        c.ended_at.filter(|_| c.status != Status::InProgress)?;
        Some(calllogs_emulator::Hook::json(
            &json!({"event": "call_ended", "call": render(c, true)}),
        ))
    }
    fn page_body(&self, calls: &[&SynthCall], _total: usize) -> Value {
        json!({"items": calls.iter().map(|c| render(c, false)).collect::<Vec<_>>(), "has_more": false, "pagination_key": null})
    }
    fn handle(&self, req: &Request, calls: &Calls, _now: DateTime<Utc>) -> Reply {
        if req.header("authorization") != Some(format!("Bearer {}", self.key).as_str()) {
            return error(401, "Unauthorized: invalid API key");
        }
        let path = req.path.trim_end_matches('/');
        if let Some(id) = path.strip_prefix("/v2/get-call/") {
            if req.method != "GET" {
                return error(405, "Method not allowed");
            }
            return match calls.iter().find(|c| c.id == id) {
                Some(c) => Reply::json(200, render(c, true)),
                None => error(404, "Call not found"),
            };
        }
        match (req.method.as_str(), path) {
            ("POST", "/v3/list-calls") => self.list(req, calls),
            (_, "/v3/list-calls") => error(405, "Method not allowed"),
            _ => error(404, "Not found"),
        }
    }
}
