//! Twilio's Calls list: `GET /2010-04-01/Accounts/{AccountSid}/Calls.json`,
//! HTTP basic (account SID and auth token), `PageSize` 1..=1000 (default
//! 50), newest first, `next_page_uri` with a `PageToken` while more follow;
//! `StartTime>=DAY` (the parameter `StartTime>`: on or after that midnight),
//! `StartTime<DAY` (before that midnight) and `StartTime` (that day), by UTC
//! days, `EndTime>=`/`EndTime<` likewise on the end, `From`, `To`,
//! `Status`, `ParentCallSid`; each time filter also in the date-time form
//! twilio-python sends (`2026-11-19T00:00:00Z`), read as that instant.
//! `GET …/Calls/{Sid}.json` (one call) and `GET /2010-04-01/Accounts.json`
//! (the account, which the Airbyte and Singer Twilio sources list first).
//! `GET …/Usage/Records/Daily.json` (`Category`, `StartDate`, `EndDate`,
//! both days included): one `calls` record per UTC day of the calls'
//! starts, counting the calls that ended, their minutes rounded up per call
//! and the price of those priced, so it agrees with the list unless
//! [`calllogs_emulator::Config::usage_skew`] says otherwise.
//! RFC 2822 times, `duration` a string (`"0"` for a call never answered,
//! null while in progress), `price` a negative decimal string, null until
//! the call is priced; every `outbound-dial` leg has a `parent_call_sid`
//! (the call that dialed it); `answered_by` `human` or `machine_start`
//! on answered calls.

use std::sync::Arc;

use calllogs_core::{Direction, HangupCause as C, Status};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use calllogs_emulator::util::{self, digits, int_param, time_param};
use calllogs_emulator::{Api, Calls, Config, Outcome, Reply, Request, SynthCall, newest_page};

/// The emulator with the credentials of `config` (demo values otherwise).
pub fn api(config: &Config) -> Arc<dyn Api> {
    Arc::new(Twilio {
        sid: config.credential("TWILIO_ACCOUNT_SID", || {
            let tail = util::demo_secret("", config.seed ^ 0x7711, 32);
            // Twilio's SIDs are AC and 32 hex digits.
            let hex: String = tail
                .bytes()
                .map(|b| char::from(b"0123456789abcdef"[usize::from(b % 16)]))
                .collect();
            format!("AC{hex}")
        }),
        token: config.credential("TWILIO_AUTH_TOKEN", || config.demo_secret(32)),
        usage_skew: config.usage_skew,
    })
}

struct Twilio {
    sid: String,
    token: String,
    /// See [`calllogs_emulator::Config::usage_skew`].
    usage_skew: Option<(chrono::NaiveDate, i64)>,
}

const OUTCOMES: &[Outcome] = &[
    Outcome::new(
        Status::Completed,
        &[
            C::NormalHangup,
            C::NormalHangup,
            C::NormalHangup,
            C::MachineDetected,
        ],
        60,
    ),
    Outcome::new(Status::NoAnswer, &[C::NoAnswer], 14),
    Outcome::new(Status::Busy, &[C::BusyLine], 10),
    Outcome::new(Status::Failed, &[C::InvalidDestinationAddress], 8),
    Outcome::new(Status::Canceled, &[C::Canceled], 5).only(Direction::Outbound),
    Outcome::new(Status::InProgress, &[], 3),
];

/// How long after a call's end Twilio prices it, in this emulator.
const PRICED_AFTER: i64 = 120;

fn rfc2822(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

/// `inbound`, or one of Twilio's two outbound kinds.
fn direction_word(c: &SynthCall) -> &'static str {
    match (c.direction, c.seq % 3) {
        (Direction::Inbound, _) => "inbound",
        (_, 0) => "outbound-dial",
        _ => "outbound-api",
    }
}

/// The sid of the call that dialed an `outbound-dial` leg.
fn parent_sid(c: &SynthCall) -> String {
    format!("CA{:032x}", c.seq.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1)
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Completed => "completed",
        Status::NoAnswer => "no-answer",
        Status::Busy => "busy",
        Status::Failed => "failed",
        Status::Canceled => "canceled",
        _ => "in-progress",
    }
}

impl Twilio {
    fn call_uri(&self, id: &str) -> String {
        format!("/2010-04-01/Accounts/{}/Calls/{id}.json", self.sid)
    }

    fn render(&self, c: &SynthCall, now: DateTime<Utc>) -> Value {
        let priced = !c.unpriced
            && c.ended_at
                .is_some_and(|e| now - e >= Duration::seconds(PRICED_AFTER));
        let direction = direction_word(c);
        // A `<Dial>` leg is the child of the call that dialed it.
        let parent = (direction == "outbound-dial").then(|| parent_sid(c));
        let duration = match c.status {
            Status::InProgress => None,
            Status::Completed => Some(c.duration_s.unwrap_or(0)),
            _ => Some(0),
        };
        // Answering machine detection runs on answered calls only.
        let answered_by = match (c.status, c.cause) {
            (Status::Completed, Some(C::MachineDetected)) => Some("machine_start"),
            (Status::Completed, _) if c.seq % 4 == 1 => Some("human"),
            _ => None,
        };
        json!({
            "sid": c.id,
            "account_sid": self.sid,
            "parent_call_sid": parent,
            "date_created": rfc2822(c.started_at - Duration::seconds(1)),
            "date_updated": rfc2822(c.ended_at.unwrap_or(c.started_at)),
            "to": c.to,
            "to_formatted": c.to,
            "from": c.from,
            "from_formatted": c.from,
            "phone_number_sid": format!("PN{:032x}", c.campaign),
            "status": status_word(c.status),
            "start_time": rfc2822(c.started_at),
            "end_time": c.ended_at.map(rfc2822),
            "duration": duration.map(|d| d.to_string()),
            "price": priced.then(|| format!("-{}", c.cost())),
            "price_unit": "USD",
            "direction": direction,
            "answered_by": answered_by,
            "api_version": "2010-04-01",
            "forwarded_from": null,
            "group_sid": null,
            "caller_name": null,
            "queue_time": "0",
            "trunk_sid": null,
            "uri": self.call_uri(&c.id),
            "subresource_uris": {
                "recordings": format!("/2010-04-01/Accounts/{}/Calls/{}/Recordings.json", self.sid, c.id),
            },
        })
    }

    fn list(&self, req: &Request, calls: &Calls, now: DateTime<Utc>) -> Result<Reply, String> {
        let size = int_param("PageSize", req.param("PageSize"), 50, 1, 1000)?;
        let page = int_param("Page", req.param("Page"), 0, 0, u64::MAX / 2000)?;
        // The token is ours to shape: the offset of the page, behind a prefix.
        let offset = match req.param("PageToken") {
            None => page * size,
            Some(t) => t
                .strip_prefix("PA")
                .and_then(|o| o.parse::<u64>().ok())
                .ok_or_else(|| format!("PageToken {t:?} is not valid"))?,
        };
        // A day (`2026-11-19`, its midnight) or, as twilio-python sends
        // it, a date-time (`2026-11-19T00:00:00Z`, that instant).
        let day = |name: &str| time_param(name, req.param(name));
        let on = day("StartTime")?;
        let from_day = day("StartTime>")?.or(on);
        let before_day = day("StartTime<")?.or(on.map(|d| d + Duration::days(1)));
        let (end_from, end_before) = (day("EndTime>")?, day("EndTime<")?);
        let status = req.param("Status");
        let from = req.param("From").map(digits);
        let to = req.param("To").map(digits);
        let parent = req.param("ParentCallSid");
        let filtered = status.is_some()
            || from.is_some()
            || to.is_some()
            || parent.is_some()
            || end_from.is_some()
            || end_before.is_some();
        let keep = |c: &SynthCall| {
            parent.is_none_or(|p| direction_word(c) == "outbound-dial" && parent_sid(c) == p)
                && status.is_none_or(|s| s == status_word(c.status))
                && from.as_ref().is_none_or(|p| digits(&c.from) == *p)
                && to.as_ref().is_none_or(|p| digits(&c.to) == *p)
                && end_from.is_none_or(|d| c.ended_at.is_some_and(|e| e >= d))
                && end_before.is_none_or(|d| c.ended_at.is_some_and(|e| e < d))
        };
        let within = calls.started_within(from_day, before_day, false);
        let (total, items) = newest_page(
            within.iter(),
            filtered.then_some(&keep as &dyn Fn(&SynthCall) -> bool),
            offset as usize,
            size as usize,
        );
        let path = format!("/2010-04-01/Accounts/{}/Calls.json", self.sid);
        let link = |off: u64, page: u64| {
            let q = util::with_param(&req.query, "PageSize", size.to_string());
            let q = util::with_param(&q, "Page", page.to_string());
            let q = util::with_param(&q, "PageToken", format!("PA{off}"));
            format!("{path}?{}", util::query_string(&q))
        };
        let this_page = offset / size.max(1);
        let more = offset + size < total as u64;
        Ok(Reply::json(
            200,
            json!({
                "calls": items.iter().map(|c| self.render(c, now)).collect::<Vec<_>>(),
                "end": offset + items.len().saturating_sub(1) as u64,
                "first_page_uri": link(0, 0),
                "next_page_uri": more.then(|| link(offset + size, this_page + 1)),
                "page": this_page,
                "page_size": size,
                "previous_page_uri": (offset > 0).then(|| link(offset.saturating_sub(size), this_page.saturating_sub(1))),
                "start": offset,
                "uri": format!("{path}?{}", util::query_string(&req.query)),
            }),
        ))
    }
}

impl Twilio {
    /// The daily usage records of the `calls` category: per UTC day of
    /// `StartDate..=EndDate`, the calls that ended, their minutes (rounded
    /// up per call) and the price of those priced by `now`; one page.
    fn usage(&self, req: &Request, calls: &Calls, now: DateTime<Utc>) -> Result<Reply, String> {
        use chrono::NaiveDate;
        let date = |name: &str| -> Result<NaiveDate, String> {
            let v = req.param(name).ok_or(format!("{name} is required"))?;
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| format!("{name} {v:?} is not a date"))
        };
        let (first, last) = (date("StartDate")?, date("EndDate")?);
        if last < first {
            return Err("EndDate is before StartDate".into());
        }
        if req.param("Category").is_some_and(|c| c != "calls") {
            return Err("this emulator has usage of the calls category only".into());
        }
        let midnight = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
        // Per day: calls, minutes, price in units of 1e-5.
        let mut days: std::collections::BTreeMap<NaiveDate, (i64, i64, i64)> = (0..=(last - first)
            .num_days())
            .map(|i| (first + Duration::days(i), (0, 0, 0)))
            .collect();
        for c in calls
            .started_within(
                Some(midnight(first)),
                Some(midnight(last) + Duration::days(1)),
                false,
            )
            .iter()
            .filter(|c| c.status != Status::InProgress)
        {
            let d = days.entry(c.started_at.date_naive()).or_default();
            d.0 += 1;
            if c.status == Status::Completed {
                d.1 += (c.duration_s.unwrap_or(0) + 59) / 60;
            }
            if !c.unpriced
                && c.ended_at
                    .is_some_and(|e| now - e >= Duration::seconds(PRICED_AFTER))
            {
                d.2 += c.cost_units;
            }
        }
        if let Some((day, extra)) = self.usage_skew
            && let Some(d) = days.get_mut(&day)
        {
            // Billed calls the list does not have: a minute each, at a cent.
            d.0 = (d.0 + extra).max(0);
            d.1 = (d.1 + extra).max(0);
            d.2 = (d.2 + extra * 1000).max(0);
        }
        let path = format!("/2010-04-01/Accounts/{}/Usage/Records/Daily.json", self.sid);
        let records: Vec<Value> = days
            .iter()
            .map(|(day, (n, minutes, units))| {
                json!({
                    "account_sid": self.sid,
                    "api_version": "2010-04-01",
                    "as_of": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
                    "category": "calls",
                    "count": n.to_string(),
                    "count_unit": "calls",
                    "description": "Voice Minutes",
                    "end_date": day.to_string(),
                    "price": format!("{}.{:05}", units / 100_000, units % 100_000),
                    "price_unit": "usd",
                    "start_date": day.to_string(),
                    "subresource_uris": {},
                    "uri": format!("{path}?Category=calls&StartDate={day}&EndDate={day}"),
                    "usage": minutes.to_string(),
                    "usage_unit": "minutes",
                })
            })
            .collect();
        Ok(Reply::json(
            200,
            json!({
                "usage_records": records,
                "first_page_uri": format!("{path}?{}", util::query_string(&req.query)),
                "next_page_uri": null,
                "previous_page_uri": null,
                "page": 0,
                "page_size": days.len(),
                "start": 0,
                "end": days.len().saturating_sub(1),
                "uri": format!("{path}?{}", util::query_string(&req.query)),
            }),
        ))
    }

    /// The accounts the credentials see: this one.
    fn accounts(&self, req: &Request) -> Reply {
        let created = rfc2822(DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default());
        let account = json!({
            "sid": self.sid,
            "owner_account_sid": self.sid,
            "friendly_name": "calllogs emulator",
            "status": "active",
            "type": "Full",
            "date_created": created,
            "date_updated": created,
            "auth_token": null,
            "uri": format!("/2010-04-01/Accounts/{}.json", self.sid),
            "subresource_uris": {
                "calls": format!("/2010-04-01/Accounts/{}/Calls.json", self.sid),
            },
        });
        let path = "/2010-04-01/Accounts.json";
        Reply::json(
            200,
            json!({
                "accounts": [account],
                "end": 0,
                "first_page_uri": format!("{path}?PageSize=50&Page=0"),
                "next_page_uri": null,
                "page": 0,
                "page_size": 50,
                "previous_page_uri": null,
                "start": 0,
                "uri": format!("{path}?{}", util::query_string(&req.query)),
            }),
        )
    }
}

fn error(status: u16, code: u32, message: &str) -> Reply {
    Reply::json(
        status,
        json!({"code": code, "message": message, "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status}),
    )
}

impl Api for Twilio {
    fn id(&self) -> &'static str {
        "twilio"
    }
    fn page_size_param(&self) -> &'static str {
        "PageSize"
    }
    fn credentials(&self) -> Vec<(&'static str, String)> {
        vec![
            ("TWILIO_ACCOUNT_SID", self.sid.clone()),
            ("TWILIO_AUTH_TOKEN", self.token.clone()),
        ]
    }
    fn outcomes(&self) -> &'static [Outcome] {
        OUTCOMES
    }
    fn call_id(&self, seq: u64) -> String {
        format!("CA{:032x}", seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seq)
    }
    fn webhook(&self, c: &SynthCall) -> Option<calllogs_emulator::Hook> {
        // The final status callback, as Twilio posts it (no price: Twilio
        // prices a call later).
        let end = c.ended_at.filter(|_| c.status != Status::InProgress)?;
        let record = self.render(c, end);
        let text = |k: &str| record.get(k).and_then(Value::as_str).map(str::to_string);
        Some(calllogs_emulator::Hook::form(&[
            ("AccountSid", Some(self.sid.clone())),
            ("ApiVersion", Some("2010-04-01".into())),
            ("CallSid", Some(c.id.clone())),
            ("CallStatus", text("status")),
            ("CallDuration", text("duration")),
            ("Direction", text("direction")),
            ("From", text("from")),
            ("To", text("to")),
            ("ParentCallSid", text("parent_call_sid")),
            ("AnsweredBy", text("answered_by")),
            ("Timestamp", Some(rfc2822(end))),
            ("CallbackSource", Some("call-progress-events".into())),
            ("SequenceNumber", Some("3".into())),
        ]))
    }
    fn page_body(&self, calls: &[&SynthCall], _total: usize) -> Value {
        let now = Utc::now();
        json!({
            "calls": calls.iter().map(|c| self.render(c, now)).collect::<Vec<_>>(),
            "next_page_uri": null,
            "page": 0,
            "page_size": calls.len(),
        })
    }
    fn handle(&self, req: &Request, calls: &Calls, now: DateTime<Utc>) -> Reply {
        let expected = format!(
            "Basic {}",
            util::base64(format!("{}:{}", self.sid, self.token).as_bytes())
        );
        if req.header("authorization") != Some(expected.as_str()) {
            return error(401, 20003, "Authenticate");
        }
        if req.method != "GET" {
            return error(405, 20004, "Method not allowed");
        }
        let calls_path = format!("/2010-04-01/Accounts/{}/Calls", self.sid);
        if req.path == "/2010-04-01/Accounts.json" {
            return self.accounts(req);
        }
        if req.path == format!("/2010-04-01/Accounts/{}/Usage/Records/Daily.json", self.sid) {
            return match self.usage(req, calls, now) {
                Ok(reply) => reply,
                Err(message) => error(400, 21600, &message),
            };
        }
        if req.path == format!("{calls_path}.json") {
            return match self.list(req, calls, now) {
                Ok(reply) => reply,
                Err(message) => error(400, 21600, &message),
            };
        }
        let one = req
            .path
            .strip_prefix(&format!("{calls_path}/"))
            .and_then(|rest| rest.strip_suffix(".json"));
        match one.and_then(|sid| {
            calls
                .started_within(None, None, false)
                .iter()
                .find(|c| c.id == sid)
        }) {
            Some(c) => Reply::json(200, self.render(c, now)),
            None => error(404, 20404, "The requested resource was not found"),
        }
    }
}
