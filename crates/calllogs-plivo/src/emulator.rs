//! Plivo's List all calls: `GET /v1/Account/{auth_id}/Call/`, basic auth,
//! `limit` ≤ 20 + `offset`, `end_time` filters in five forms over at most
//! 30 days (the last 7 without one), the last 90 days only.

use calllogs_core::{Direction, HangupCause as C, Status};
use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde_json::{Value, json};

use calllogs_emulator::util::{self, Range, digits, int_param};
use calllogs_emulator::{Api, Calls, Config, Outcome, Reply, Request, SynthCall, newest_page};

/// The emulator with the credentials of `config` (demo values for those it
/// does not name).
pub fn api(config: &Config) -> std::sync::Arc<dyn Api> {
    std::sync::Arc::new(Plivo {
        auth_id: config.credential("PLIVO_AUTH_ID", || util::demo_auth_id(config.seed)),
        token: config.credential("PLIVO_AUTH_TOKEN", || config.demo_secret(40)),
    })
}

struct Plivo {
    auth_id: String,
    token: String,
}

const OUTCOMES: &[Outcome] = &[
    Outcome::new(
        Status::Completed,
        &[
            C::NormalHangup,
            C::NormalHangup,
            C::NormalHangup,
            C::EndOfXmlInstructions,
            C::InvalidAnswerXml,
        ],
        60,
    ),
    Outcome::new(Status::NoAnswer, &[C::NoAnswer, C::RingTimeoutReached], 12),
    Outcome::new(Status::Busy, &[C::BusyLine], 8),
    Outcome::new(
        Status::Failed,
        &[
            C::UnallocatedNumber,
            C::InvalidDestinationAddress,
            C::NetworkError,
            C::Forbidden,
            C::EndpointNotRegistered,
        ],
        10,
    ),
    Outcome::new(
        Status::Canceled,
        &[C::Canceled, C::CanceledOutOfCredits],
        10,
    ),
];

/// Plivo writes times in the account's offset.
fn plivo_time(t: DateTime<Utc>) -> String {
    let ist = FixedOffset::east_opt(5 * 3600 + 1800).expect("+05:30 is a valid offset");
    t.with_timezone(&ist)
        .format("%Y-%m-%d %H:%M:%S%:z")
        .to_string()
}

/// Filter times: `YYYY-MM-DD HH:MM[:ss[.uuuuuu]]`, UTC.
fn filter_time(name: &str, v: Option<&str>) -> Result<Option<DateTime<Utc>>, String> {
    let Some(s) = v else { return Ok(None) };
    for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s.trim(), fmt) {
            return Ok(Some(Utc.from_utc_datetime(&t)));
        }
    }
    Err(format!(
        "{name}: {s:?} is not in the format YYYY-MM-DD HH:MM[:ss[.uuuuuu]]"
    ))
}

fn error(status: u16, message: &str) -> Reply {
    Reply::json(
        status,
        json!({"api_id": "00000000-0000-4000-8000-00000000e770", "error": message}),
    )
}

impl Plivo {
    fn render(&self, c: &SynthCall) -> Value {
        let (state, source) = match c.status {
            Status::Completed => (
                "ANSWER",
                if c.seq.is_multiple_of(2) {
                    "Caller"
                } else {
                    "Callee"
                },
            ),
            Status::NoAnswer => ("NO_ANSWER", "Plivo"),
            Status::Busy => ("BUSY", "Callee"),
            Status::Canceled => ("CANCEL", "API Request"),
            _ => ("FAILED", "Carrier"),
        };
        let billed = c.talk_s.map(|t| (t + 59) / 60 * 60).unwrap_or(0);
        json!({
            "answer_time": c.answered_at.map(plivo_time),
            "api_id": format!("00000000-0000-4000-8000-{:012}", c.seq),
            "bill_duration": billed,
            "billed_duration": billed,
            "call_direction": if c.direction == Direction::Inbound { "inbound" } else { "outbound" },
            "call_duration": c.duration_s,
            "call_state": state,
            "call_uuid": c.id,
            "conference_uuid": null,
            "end_time": c.ended_at.map(plivo_time),
            "from_number": digits(&c.from),
            "hangup_cause_code": c.cause.and_then(C::plivo_code),
            "hangup_cause_name": c.cause.map(C::table_name),
            "hangup_source": source,
            "initiation_time": plivo_time(c.started_at),
            "parent_call_uuid": null,
            "resource_uri": format!("/v1/Account/{}/Call/{}/", self.auth_id, c.id),
            "stir_verification": "Not Applicable",
            "to_number": digits(&c.to),
            "total_amount": (!c.unpriced).then(|| c.cost()),
            "total_rate": "0.00850",
            "voice_network_group": "USA",
        })
    }
}

impl Api for Plivo {
    fn id(&self) -> &'static str {
        "plivo"
    }
    fn page_size_param(&self) -> &'static str {
        "limit"
    }
    fn credentials(&self) -> Vec<(&'static str, String)> {
        vec![
            ("PLIVO_AUTH_ID", self.auth_id.clone()),
            ("PLIVO_AUTH_TOKEN", self.token.clone()),
        ]
    }
    fn outcomes(&self) -> &'static [Outcome] {
        OUTCOMES
    }
    fn call_id(&self, seq: u64) -> String {
        format!("e0000000-0000-4000-8000-{seq:012}")
    }

    fn webhook(&self, c: &SynthCall) -> Option<calllogs_emulator::Hook> {
        c.ended_at.filter(|_| c.status != Status::InProgress)?;
        let r = self.render(c);
        let text = |k: &str| match r.get(k) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let status = match r.get("call_state").and_then(Value::as_str) {
            Some("ANSWER") => "completed",
            Some("NO_ANSWER") => "no-answer",
            Some("BUSY") => "busy",
            Some("CANCEL") => "cancel",
            _ => "failed",
        };
        Some(calllogs_emulator::Hook::form(&[
            ("Event", Some("Hangup".into())),
            ("CallUUID", Some(c.id.clone())),
            ("RequestUUID", Some(c.id.clone())),
            ("From", text("from_number")),
            ("To", text("to_number")),
            ("Direction", text("call_direction")),
            ("CallStatus", Some(status.into())),
            ("HangupCauseCode", text("hangup_cause_code")),
            ("HangupCauseName", text("hangup_cause_name")),
            ("HangupSource", text("hangup_source")),
            ("Duration", text("call_duration")),
            ("BillDuration", text("bill_duration")),
            ("TotalCost", text("total_amount")),
            ("StartTime", text("initiation_time")),
            ("AnswerTime", text("answer_time")),
            ("EndTime", text("end_time")),
        ]))
    }

    fn page_body(&self, calls: &[&SynthCall], total: usize) -> Value {
        json!({
            "api_id": "00000000-0000-4000-8000-000000000a11",
            "meta": {"limit": calls.len(), "offset": total - calls.len(), "total_count": total, "next": null, "previous": null},
            "objects": calls.iter().map(|c| self.render(c)).collect::<Vec<_>>(),
        })
    }

    fn handle(&self, req: &Request, calls: &Calls, now: DateTime<Utc>) -> Reply {
        let expected_auth = format!(
            "Basic {}",
            util::base64(format!("{}:{}", self.auth_id, self.token).as_bytes())
        );
        let path_ok =
            req.path.trim_end_matches('/') == format!("/v1/Account/{}/Call", self.auth_id);
        if req.header("authorization") != Some(expected_auth.as_str()) {
            return error(401, "Authentication credentials invalid.");
        }
        if !path_ok {
            return error(404, "Resource not found.");
        }
        if req.method != "GET" {
            return error(405, "Method not allowed.");
        }
        match self.list(req, calls, now) {
            Ok(reply) => reply,
            Err(message) => error(400, &message),
        }
    }
}

impl Plivo {
    fn list(&self, req: &Request, calls: &Calls, now: DateTime<Utc>) -> Result<Reply, String> {
        let limit = int_param("limit", req.param("limit"), 20, 1, 20)?;
        let offset = int_param("offset", req.param("offset"), 0, 0, u64::MAX)?;
        let mut range = Range {
            eq: filter_time("end_time", req.param("end_time"))?,
            gt: filter_time("end_time__gt", req.param("end_time__gt"))?,
            gte: filter_time("end_time__gte", req.param("end_time__gte"))?,
            lt: filter_time("end_time__lt", req.param("end_time__lt"))?,
            lte: filter_time("end_time__lte", req.param("end_time__lte"))?,
        };
        let lower = range.gte.or(range.gt);
        let upper = range.lte.or(range.lt);
        if range.eq.is_none() && lower.is_none() && upper.is_none() {
            // Without an end_time filter Plivo searches the last seven days.
            range.gte = Some(now - Duration::days(7));
        }
        if let (Some(lo), Some(hi)) = (lower, upper.or(Some(now)))
            && hi - lo > Duration::days(30)
        {
            return Err("end_time range cannot exceed 30 days".into());
        }
        let oldest = now - Duration::days(90);
        let bill = |name: &str| -> Result<Option<i64>, String> {
            req.param(name)
                .map(|v| {
                    v.parse::<i64>()
                        .map_err(|_| format!("{name}: not a number"))
                })
                .transpose()
        };
        let (b_eq, b_gt, b_gte, b_lt, b_lte) = (
            bill("bill_duration")?,
            bill("bill_duration__gt")?,
            bill("bill_duration__gte")?,
            bill("bill_duration__lt")?,
            bill("bill_duration__lte")?,
        );
        let code = req
            .param("hangup_cause_code")
            .map(|v| {
                v.parse::<u16>()
                    .map_err(|_| "hangup_cause_code: not a code".to_string())
            })
            .transpose()?;
        // The index by end gives the range (and Plivo's 90 days); the other
        // filters, when sent, are checked on it alone.
        let lower = [
            range.gte.map(|t| (t, true)),
            range.gt.map(|t| (t, false)),
            range.eq.map(|t| (t, true)),
            Some((oldest, true)),
        ]
        .into_iter()
        .flatten()
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let upper = [
            range.lte.map(|t| (t, true)),
            range.lt.map(|t| (t, false)),
            range.eq.map(|t| (t, true)),
        ]
        .into_iter()
        .flatten()
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        // The other filters, read once: `filtered` is derived from the same
        // values `keep` tests, so a new filter cannot miss the slow path.
        let direction = req.param("call_direction");
        let from = req.param("from_number").map(digits);
        let to = req.param("to_number").map(digits);
        // A subaccount's or a child call's list: this emulator has none.
        let elsewhere =
            req.param("subaccount").is_some() || req.param("parent_call_uuid").is_some();
        let bills = [b_eq, b_gt, b_gte, b_lt, b_lte];
        let filtered = direction.is_some()
            || from.is_some()
            || to.is_some()
            || code.is_some()
            || elsewhere
            || bills.iter().any(Option::is_some);
        let keep = |c: &SynthCall| {
            let billed = c.talk_s.map(|t| (t + 59) / 60 * 60).unwrap_or(0);
            let rendered_dir = if c.direction == Direction::Inbound {
                "inbound"
            } else {
                "outbound"
            };
            !elsewhere
                && direction.is_none_or(|d| d == rendered_dir)
                && from
                    .as_ref()
                    .is_none_or(|p| digits(&c.from).starts_with(p.as_str()))
                && to
                    .as_ref()
                    .is_none_or(|p| digits(&c.to).starts_with(p.as_str()))
                && code.is_none_or(|k| c.cause.and_then(C::plivo_code) == Some(k))
                && b_eq.is_none_or(|b| billed == b)
                && b_gt.is_none_or(|b| billed > b)
                && b_gte.is_none_or(|b| billed >= b)
                && b_lt.is_none_or(|b| billed < b)
                && b_lte.is_none_or(|b| billed <= b)
        };
        let within = calls.ended_within(lower, upper);
        let (total, page_calls) = newest_page(
            within,
            filtered.then_some(&keep as &dyn Fn(&SynthCall) -> bool),
            offset as usize,
            limit as usize,
        );
        let total = total as u64;
        let page: Vec<Value> = page_calls.iter().map(|c| self.render(c)).collect();
        let link = |off: u64| {
            let q = util::with_param(
                &util::with_param(&req.query, "limit", limit.to_string()),
                "offset",
                off.to_string(),
            );
            format!(
                "/v1/Account/{}/Call/?{}",
                self.auth_id,
                util::query_string(&q)
            )
        };
        Ok(Reply::json(
            200,
            json!({
                "api_id": "00000000-0000-4000-8000-000000000a11",
                "meta": {
                    "limit": limit,
                    "offset": offset,
                    "total_count": total,
                    "next": (offset + limit < total).then(|| link(offset + limit)),
                    "previous": (offset > 0).then(|| link(offset.saturating_sub(limit))),
                },
                "objects": page,
            }),
        ))
    }
}
