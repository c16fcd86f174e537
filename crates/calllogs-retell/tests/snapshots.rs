//! Every fixture page and detail response, normalized, against its snapshot;
//! and what the mapping must get right, asserted.

use calllogs_core::{Direction, HangupCause, HangupSource, Provider, Settings, Status};
use calllogs_retell::Retell;

fn retell() -> Retell {
    Retell::from_settings(&Settings::new().without_env()).unwrap()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../fixtures/retell/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn fixtures_normalize_as_snapshotted() {
    let p = retell();
    insta::glob!("../../../fixtures/retell", "*.json", |path| {
        let body = std::fs::read(path).unwrap();
        let page = p.decode_page(&body).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            page.items.len() + page.rejects.len(),
            v["items"].as_array().unwrap().len(),
            "no record lost"
        );
        insta::assert_json_snapshot!(
            serde_json::json!({
                "next": page.next,
                "calls": page.items,
                "rejects": page.rejects.iter().map(|r| &r.reason).collect::<Vec<_>>(),
            }),
            {".calls[].raw" => "[raw]"}
        );
    });
}

#[test]
fn detail_responses_normalize_as_snapshotted() {
    let p = retell();
    insta::glob!("../../../fixtures/retell/detail", "*.json", |path| {
        let body = std::fs::read(path).unwrap();
        let record: Box<serde_json::value::RawValue> = serde_json::from_slice(&body).unwrap();
        let call = p.decode_record(&record).unwrap();
        insta::assert_json_snapshot!(call, {".raw" => "[raw]"});
    });
}

#[test]
fn cents_become_exact_dollars_and_times_are_milliseconds() {
    let page = retell().decode_page(&fixture("page-1-first.json")).unwrap();
    let c = &page.items[0];
    assert_eq!(c.cost.as_ref().unwrap().amount, "0.125", "12.5 cents");
    assert_eq!(c.cost.as_ref().unwrap().currency, "USD");
    assert_eq!(
        c.started_at.unwrap().to_rfc3339(),
        "2026-04-28T10:01:00+00:00"
    );
    assert_eq!(c.duration_s, Some(95));
    assert_eq!(page.next.as_deref(), Some("pk_opaque_a1b2c3"));
    let inbound = &page.items[1];
    assert_eq!(inbound.direction, Direction::Inbound);
    assert_eq!(inbound.cost.as_ref().unwrap().amount, "0.07");
    assert_eq!(
        inbound.hangup.as_ref().unwrap().cause,
        HangupCause::AgentHangup
    );
    // A web call has no numbers and is the customer's.
    let web = &page.items[2];
    assert_eq!(
        (web.direction, web.from.as_deref()),
        (Direction::Inbound, None)
    );
    assert_eq!(page.items[3].status, Status::NoAnswer);
    assert_eq!(page.items[4].status, Status::InProgress);
    assert_eq!(page.items[5].status, Status::InProgress, "registered");
    // The last page says no more.
    assert_eq!(
        retell()
            .decode_page(&fixture("page-4-last-empty.json"))
            .unwrap()
            .next,
        None
    );
}

#[test]
fn every_disconnection_reason_has_a_cause_and_an_unknown_one_keeps_its_words() {
    let page = retell()
        .decode_page(&fixture("page-2-every-disconnection-reason.json"))
        .unwrap();
    assert_eq!(page.items.len(), 39, "retell-sdk's 39 values");
    for c in &page.items {
        let h = c.hangup.as_ref().unwrap();
        let words = h.provider_reason.as_deref().unwrap();
        assert_ne!(h.cause, HangupCause::Other, "{words}");
    }
    // The legacy values and one from next year, on the odd page.
    let odd = retell()
        .decode_page(&fixture("page-3-odd-records.json"))
        .unwrap();
    for c in odd.items.iter().filter_map(|c| c.hangup.as_ref()) {
        let words = c.provider_reason.as_deref().unwrap();
        assert_eq!(
            c.cause == HangupCause::Other,
            words == "a_reason_added_next_year",
            "{words}"
        );
    }
    let find = |r: &str| {
        page.items
            .iter()
            .find(|c| c.hangup.as_ref().unwrap().provider_reason.as_deref() == Some(r))
            .unwrap()
    };
    assert_eq!(find("dial_busy").status, Status::Busy);
    assert_eq!(find("dial_no_answer").status, Status::NoAnswer);
    assert_eq!(find("invalid_destination").status, Status::Failed);
    assert_eq!(
        find("error_llm_websocket_lost_connection").status,
        Status::Failed
    );
    assert_eq!(
        find("voicemail_reached").hangup.as_ref().unwrap().cause,
        HangupCause::MachineDetected
    );
    // "The user" is the customer: the callee of an outbound call.
    let user = find("user_hangup");
    assert_eq!(user.direction, Direction::Outbound);
    assert_eq!(user.hangup.as_ref().unwrap().source, HangupSource::Callee);
}

#[test]
fn odd_records_are_kept_or_rejected_with_a_reason() {
    let page = retell()
        .decode_page(&fixture("page-3-odd-records.json"))
        .unwrap();
    let reasons: Vec<&str> = page.rejects.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(page.rejects.len(), 3, "{reasons:?}");
    let exp = page
        .items
        .iter()
        .find(|c| c.id == "call_fixture_0201")
        .unwrap();
    assert_eq!(exp.cost.as_ref().unwrap().amount, "0.125", "1.25e1 cents");
    assert_eq!(exp.duration_s, Some(61), "61,499 ms rounds to 61 s");
    assert_eq!(exp.from.as_deref(), Some("+15555550100"));
    let tiny = page
        .items
        .iter()
        .find(|c| c.id == "call_fixture_0205")
        .unwrap();
    assert_eq!(
        tiny.cost.as_ref().unwrap().amount,
        "0.00000001",
        "no float rounding"
    );
}

#[test]
fn a_detail_gives_timed_turns() {
    let body = fixture("detail/get-call.json");
    let record: Box<serde_json::value::RawValue> = serde_json::from_slice(&body).unwrap();
    let c = retell().decode_record(&record).unwrap();
    let turns = c.transcript.as_ref().unwrap();
    assert_eq!(turns.len(), 3);
    assert_eq!(turns[0].speaker.as_deref(), Some("agent"));
    assert_eq!(
        (turns[1].at.unwrap() - c.started_at.unwrap()).num_milliseconds(),
        2100
    );
    assert_eq!(turns[2].at, None, "no words, no time");
}
