//! Aircall's API, emulated: `GET /v1/calls` (HTTP basic with the API id and
//! token; `from`/`to` Unix seconds, both inclusive; `order`; `page` and
//! `per_page` up to 50), `{calls, meta}` with the true total, **nothing
//! past the 10,000th call of a query** (deeper pages come back empty, no
//! error, as Aircall's do), and, with a budget (`Config::budget`), the
//! per-minute limit with its `X-AircallApi-*` headers and 429s.

use std::sync::Arc;

use calllogs_core::{Direction, HangupCause as C, Status};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use calllogs_emulator::util::int_param;
use calllogs_emulator::{
    Api, BudgetCounter, Calls, Config, Outcome, PageParams, Reply, Request, SynthCall,
};

/// The emulator with the credentials of `config` (demo values otherwise).
pub fn api(config: &Config) -> Arc<dyn Api> {
    Arc::new(Aircall {
        api_id: config.credential(crate::API_ID, || {
            calllogs_emulator::util::demo_secret("", config.seed, 32)
        }),
        token: config.credential(crate::API_TOKEN, || config.demo_secret(32)),
        budget: config.budget.map(BudgetCounter::new),
    })
}

struct Aircall {
    api_id: String,
    token: String,
    budget: Option<BudgetCounter>,
}

const PAGES: PageParams = PageParams {
    page: "page",
    size: "per_page",
    first: 1,
    default_size: 20,
    max_size: crate::MAX_PAGE as u64,
};

/// A contact center: inbound calls answered, missed for each of Aircall's
/// reasons; outbound calls answered or not.
const OUTCOMES: &[Outcome] = &[
    Outcome::new(Status::Completed, &[C::NormalHangup], 55),
    Outcome::new(Status::NoAnswer, &[C::NoAnswer], 10).only(Direction::Inbound),
    Outcome::new(Status::NoAnswer, &[C::OutOfOpeningHours], 5).only(Direction::Inbound),
    Outcome::new(Status::NoAnswer, &[C::NoAvailableAgent], 4).only(Direction::Inbound),
    Outcome::new(
        Status::Canceled,
        &[C::ShortAbandoned, C::AbandonedInIvr, C::AbandonedInQueue],
        12,
    )
    .only(Direction::Inbound),
    Outcome::new(Status::NoAnswer, &[C::NoAnswer], 10).only(Direction::Outbound),
    Outcome::new(Status::InProgress, &[], 4),
];

/// People-formatted, as Aircall writes `raw_digits` (`+1 555-555-0171`).
fn for_people(e164: &str) -> String {
    match e164.strip_prefix("+1") {
        Some(d) if d.len() == 10 => format!("+1 {}-{}-{}", &d[..3], &d[3..6], &d[6..]),
        _ => e164.to_string(),
    }
}

fn reason(c: &SynthCall) -> Option<&'static str> {
    if c.status == Status::Completed || c.direction == Direction::Outbound {
        return None;
    }
    Some(match c.cause? {
        C::OutOfOpeningHours => "out_of_opening_hours",
        C::NoAvailableAgent => "no_available_agent",
        C::ShortAbandoned => "short_abandoned",
        C::AbandonedInIvr => "abandoned_in_ivr",
        C::AbandonedInQueue => "abandoned_in_classic",
        _ => "agents_did_not_answer",
    })
}

fn render(c: &SynthCall) -> Value {
    let inbound = c.direction == Direction::Inbound;
    let (ours, theirs) = if inbound {
        (&c.to, &c.from)
    } else {
        (&c.from, &c.to)
    };
    let answered = c.answered_at.is_some() && c.status != Status::InProgress;
    let unix = |t: DateTime<Utc>| t.timestamp();
    let id = c.seq as i64 + 1_234_560_000;
    json!({
        "id": id,
        "sid": format!("CA{:032x}", c.seq),
        "direct_link": format!("https://api.aircall.io/v1/calls/{id}"),
        "direction": if inbound { "inbound" } else { "outbound" },
        "status": match (c.status, answered) {
            (Status::InProgress, _) => "answered",
            _ => "done",
        },
        "missed_call_reason": reason(c),
        "started_at": unix(c.started_at),
        "answered_at": c.answered_at.map(unix),
        "ended_at": c.ended_at.map(unix),
        "duration": c.duration_s.unwrap_or(0),
        "raw_digits": for_people(theirs),
        "number": {
            "id": 58_100 + (c.agent % 4),
            "name": format!("Demo line {}", c.agent % 4),
            "digits": for_people(ours),
            "country": "US",
            "time_zone": "Etc/UTC",
        },
        "user": answered.then(|| json!({"id": 900 + c.agent, "name": format!("Demo Agent {}", c.agent)})),
        "contact": null,
        "tags": if c.campaign.is_multiple_of(3) { json!([{"id": 7, "name": "demo-tag"}]) } else { json!([]) },
        "recording": answered.then(|| format!("https://recordings.example.invalid/{id}.mp3")),
        "voicemail": (c.cause == Some(C::OutOfOpeningHours)).then(|| format!("https://voicemails.example.invalid/{id}.mp3")),
        "archived": false,
        "cost": format!("{}", c.cost_units / 100),
    })
}

fn error(status: u16, message: &str, troubleshoot: &str) -> Reply {
    Reply::json(
        status,
        json!({"error": message, "troubleshoot": troubleshoot}),
    )
}

impl Aircall {
    fn authorized(&self, req: &Request) -> bool {
        let expected = format!(
            "Basic {}",
            calllogs_emulator::util::base64(format!("{}:{}", self.api_id, self.token).as_bytes())
        );
        req.header("authorization") == Some(expected.as_str())
    }

    fn list(&self, req: &Request, calls: &Calls) -> Reply {
        let parsed = (|| -> Result<_, String> {
            let secs = |name: &str| -> Result<Option<DateTime<Utc>>, String> {
                req.param(name)
                    .map(|v| {
                        let n = int_param(name, Some(v), 0, 0, 32_503_680_000)?;
                        DateTime::from_timestamp(n as i64, 0)
                            .ok_or_else(|| format!("{name}: {v:?} is not a Unix time"))
                    })
                    .transpose()
            };
            let order = match req.param("order") {
                None | Some("asc") => true,
                Some("desc") => false,
                Some(o) => return Err(format!("order must be asc or desc, got {o:?}")),
            };
            Ok((PAGES.read(req)?, secs("from")?, secs("to")?, order))
        })();
        let (page, from, to, ascending) = match parsed {
            Ok(p) => p,
            Err(m) => return error(400, &m, "Check the query parameters"),
        };
        // `to` is inclusive, in whole seconds.
        let within =
            calls.started_within(from, to.map(|t| t + chrono::Duration::seconds(1)), false);
        let total = within.len();
        // Nothing past the 10,000th call of a query, and no error.
        let reachable = total.min(crate::RESULT_CAP as usize);
        let skip = page.skip().min(reachable);
        let take = (page.size as usize).min(reachable - skip);
        let items: Vec<Value> = if ascending {
            within.iter().skip(skip).take(take).map(render).collect()
        } else {
            within
                .iter()
                .rev()
                .skip(skip)
                .take(take)
                .map(render)
                .collect()
        };
        let link = |n: u64| {
            use calllogs_emulator::util::{query_string, with_param};
            let q = query_string(&with_param(&req.query, "page", n.to_string()));
            format!("{}/v1/calls?{q}", req.origin)
        };
        let more = (skip + take) < reachable;
        Reply::json(
            200,
            json!({
                "calls": items,
                "meta": {
                    "count": take,
                    "total": total,
                    "current_page": page.page,
                    "per_page": page.size,
                    "next_page_link": more.then(|| link(page.page + 1)),
                    "previous_page_link": page.has_previous().then(|| link(page.page - 1)),
                }
            }),
        )
    }
}

impl Api for Aircall {
    fn id(&self) -> &'static str {
        crate::ID
    }
    fn page_size_param(&self) -> &'static str {
        "per_page"
    }
    fn credentials(&self) -> Vec<(&'static str, String)> {
        vec![
            (crate::API_ID, self.api_id.clone()),
            (crate::API_TOKEN, self.token.clone()),
        ]
    }
    fn outcomes(&self) -> &'static [Outcome] {
        OUTCOMES
    }
    fn call_id(&self, seq: u64) -> String {
        (seq + 1_234_560_000).to_string()
    }
    fn page_body(&self, calls: &[&SynthCall], total: usize) -> Value {
        json!({
            "calls": calls.iter().map(|c| render(c)).collect::<Vec<_>>(),
            "meta": {"count": calls.len(), "total": total, "current_page": 1, "per_page": calls.len(), "next_page_link": null, "previous_page_link": null}
        })
    }
    fn handle(&self, req: &Request, calls: &Calls, _now: DateTime<Utc>) -> Reply {
        if !self.authorized(req) {
            return error(401, "Unauthorized", "Check your API id and token");
        }
        let budget = self.budget.as_ref().map(BudgetCounter::take);
        let mut reply = match budget {
            Some(b) if !b.allowed => {
                error(429, "Too many requests", "Wait for the rate limit to reset")
            }
            _ if req.method != "GET" => error(405, "Method not allowed", ""),
            _ if req.path.trim_end_matches('/') == "/v1/calls" => self.list(req, calls),
            _ => error(404, "Not found", "Check the path"),
        };
        if let Some(b) = budget {
            reply.headers.extend([
                ("x-aircallapi-limit", b.limit.to_string()),
                ("x-aircallapi-remaining", b.remaining.to_string()),
                ("x-aircallapi-reset", b.reset_unix.to_string()),
            ]);
        }
        reply
    }
}
