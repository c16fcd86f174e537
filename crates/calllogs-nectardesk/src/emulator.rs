//! NectarDesk's Fetch Calls: `GET /api/v1/calls/` with `Access-Token`, page
//! numbers, `limit` 1..=1000, `meta.total` and relative `meta.next` links.

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
    std::sync::Arc::new(Nectardesk {
        token: config.credential("NECTARDESK_ACCESS_TOKEN", || config.demo_secret(40)),
    })
}

struct Nectardesk {
    token: String,
}

/// Page numbers from 1, 1..=1000 records a page (100 unless asked).
const PAGES: PageParams = PageParams {
    page: "page",
    size: "limit",
    first: 1,
    default_size: 100,
    max_size: 1000,
};

const OUTCOMES: &[Outcome] = &[
    Outcome::new(Status::Completed, &[C::NormalHangup], 60),
    Outcome::new(Status::Missed, &[C::NoAnswer], 10).only(Direction::Inbound),
    Outcome::new(Status::Abandoned, &[], 10).only(Direction::Inbound),
    Outcome::new(Status::NoAnswer, &[C::NoAnswer], 8).only(Direction::Outbound),
    Outcome::new(Status::Busy, &[C::BusyLine], 6).only(Direction::Outbound),
    Outcome::new(Status::InProgress, &[], 6),
];

/// The FreeSWITCH name an agent leg reports for a cause.
fn hangup_reason(cause: C) -> &'static str {
    match cause {
        C::BusyLine => "USER_BUSY",
        C::NoAnswer => "NO_ANSWER",
        _ => "NORMAL_CLEARING",
    }
}

fn kind(c: &SynthCall) -> &'static str {
    match (c.status, c.direction) {
        (Status::Completed | Status::InProgress, Direction::Inbound) => "answered",
        (Status::Completed | Status::InProgress, _) => "outbound_answered",
        (Status::Missed, _) => "missed",
        (Status::Abandoned, _) => "abandoned",
        _ => "outbound_not_answered",
    }
}

/// Whether `callType` selects the call.
fn call_type_matches(t: &str, c: &SynthCall) -> bool {
    let inbound = c.direction == Direction::Inbound;
    match t {
        "all_inbound" => inbound,
        "all_outbound" => !inbound,
        "inbound_answered" => inbound && c.answered(),
        "outbound_answered" => !inbound && c.answered(),
        "outbound_not_answered" => !inbound && !c.answered(),
        "abandoned" => c.status == Status::Abandoned,
        "inbound_answered_within_sla" => {
            inbound
                && c.answered()
                && c.answered_at
                    .is_some_and(|a| (a - c.started_at).num_seconds() <= 20)
        }
        "inbound_answered_but_not_within_sla" => {
            inbound
                && c.answered()
                && c.answered_at
                    .is_some_and(|a| (a - c.started_at).num_seconds() > 20)
        }
        _ => false,
    }
}

fn render(c: &SynthCall) -> Value {
    let national = c.customer_number().trim_start_matches("+1").to_string();
    let reason = c.cause.map(hangup_reason);
    let agent = json!({
        "id": c.agent, "user_id": 40 + c.agent, "alias": format!("Demo Agent {}", c.agent),
        "sip": format!("sip:agent{}@sip.example.invalid", c.agent), "started_at": c.started_at.timestamp(),
        "type": "agent", "is_any_transfer": false, "hangup_reason": reason,
    });
    let agents: Vec<Value> = if c.status == Status::Abandoned {
        vec![]
    } else {
        vec![agent.clone()]
    };
    let answered: Vec<Value> = if c.answered() { vec![agent] } else { vec![] };
    json!({
        "id": c.id.parse::<u64>().unwrap_or(0),
        "is_inbound": c.direction == Direction::Inbound,
        "is_answered": c.answered(),
        "is_in_queue": false,
        "contact": {"id": 5000 + c.seq, "full_name": format!("Demo Contact {}", c.seq), "number_country_code": "1",
                    "national_number": national, "number": national.clone(), "list_ids": [1]},
        "agents": agents.iter().map(|a| a["id"].clone()).collect::<Vec<_>>(),
        "all_agents": agents,
        "answered_agents": answered,
        "external_numbers": [{"number": national, "is_any_transfer": false}],
        "number": {"id": 1, "number": c.our_number().trim_start_matches('+'), "numberWithAlias": format!("{} (Demo line)", c.our_number().trim_start_matches('+')), "alias": "Demo line"},
        "started_at": c.started_at.timestamp(),
        "duration": c.duration_s.unwrap_or(0),
        "talk_time": c.talk_s.unwrap_or(0),
        "requested_callback": false,
        "is_ended": c.status != Status::InProgress,
        "type": kind(c),
        "is_answered_within_sla": c.answered_at.map(|a| (a - c.started_at).num_seconds() <= 20),
        "is_data_cached": true,
        "original_call_id": null,
        "campaign": {"id": c.campaign, "name": format!("Demo campaign {}", c.campaign)},
        "ring_group": {"id": 1, "name": "Demo queue"},
        "ivr": null,
        "disposition": null,
        "recordings": if c.answered() { json!([{"id": c.seq, "url": format!("https://media.plivo.com/v1/Account/MADEMO00000000000000/Recording/{}.mp3", c.id)}]) } else { json!([]) },
        "tags": [],
    })
}

impl Api for Nectardesk {
    fn id(&self) -> &'static str {
        "nectardesk"
    }
    fn base_path(&self) -> &'static str {
        "/api/v1"
    }
    fn page_size_param(&self) -> &'static str {
        "limit"
    }
    fn credentials(&self) -> Vec<(&'static str, String)> {
        vec![("NECTARDESK_ACCESS_TOKEN", self.token.clone())]
    }
    fn outcomes(&self) -> &'static [Outcome] {
        OUTCOMES
    }
    fn call_id(&self, seq: u64) -> String {
        (100_000 + seq).to_string()
    }

    fn page_body(&self, calls: &[&SynthCall], total: usize) -> Value {
        json!({
            "calls": calls.iter().map(|c| render(c)).collect::<Vec<_>>(),
            "meta": {"page": 1, "limit": calls.len(), "total": total, "next": null, "previous": null},
        })
    }

    fn handle(&self, req: &Request, calls: &Calls, _now: DateTime<Utc>) -> Reply {
        if req.header("access-token") != Some(self.token.as_str()) {
            return Reply::json(401, json!({"message": "Unauthenticated."}));
        }
        if req.method != "GET" {
            return Reply::json(405, json!({"message": "Method not allowed."}));
        }
        let path = req.path.trim_end_matches('/');
        if let Some(id) = path.strip_prefix("/api/v1/calls/") {
            return match calls.iter().find(|c| c.id == id) {
                Some(c) => Reply::json(200, json!({"calls": render(c)})),
                None => Reply::json(404, json!({"message": "Call not found."})),
            };
        }
        if path != "/api/v1/calls" {
            return Reply::json(404, json!({"message": "Not found."}));
        }
        let parsed = (|| -> Result<_, String> {
            Ok((
                PAGES.read(req)?,
                time_param("dateFrom", req.param("dateFrom"))?,
                time_param("dateTo", req.param("dateTo"))?,
            ))
        })();
        let (page, from, to) = match parsed {
            Ok(p) => p,
            Err(message) => return Reply::json(422, json!({"message": message})),
        };
        let within = calls.started_within(from, to, true);
        // The other filters, read once; `filtered` is derived from them.
        let call_type = req.param("callType");
        let agent = req.param("agentId");
        let filtered = call_type.is_some() || agent.is_some();
        let keep = |c: &SynthCall| {
            call_type.is_none_or(|t| call_type_matches(t, c))
                && agent.is_none_or(|a| a == c.agent.to_string())
        };
        let (total, page_calls) = page.select(
            within.iter(),
            filtered.then_some(&keep as &dyn Fn(&SynthCall) -> bool),
        );
        let items: Vec<Value> = page_calls.iter().map(|c| render(c)).collect();
        let link = |p: u64| format!("/api/v1/calls/?{}", PageNumber::query_for(req, "page", p));
        Reply::json(
            200,
            json!({
                "calls": items,
                "meta": {
                    "page": page.page, "limit": page.size, "total": total,
                    "next": page.has_next(total).then(|| link(page.page + 1)),
                    "previous": page.has_previous().then(|| link(page.page - 1)),
                }
            }),
        )
    }
}
