//! Every fixture page and detail response, normalized, against its snapshot;
//! and what the mapping must get right, asserted.

use calllogs_core::{Direction, HangupCause, HangupSource, Provider, Settings, Status};
use calllogs_elevenlabs::Elevenlabs;

fn provider() -> Elevenlabs {
    Elevenlabs::from_settings(&Settings::new().without_env()).unwrap()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../fixtures/elevenlabs/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn detail(name: &str) -> calllogs_core::Call {
    let record: Box<serde_json::value::RawValue> =
        serde_json::from_slice(&fixture(&format!("detail/{name}.json"))).unwrap();
    provider().decode_record(&record).unwrap()
}

#[test]
fn fixtures_normalize_as_snapshotted() {
    let p = provider();
    insta::glob!("../../../fixtures/elevenlabs", "*.json", |path| {
        let body = std::fs::read(path).unwrap();
        let page = p.decode_page(&body).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            page.items.len() + page.rejects.len(),
            v["conversations"].as_array().unwrap().len(),
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
    let p = provider();
    insta::glob!("../../../fixtures/elevenlabs/detail", "*.json", |path| {
        let body = std::fs::read(path).unwrap();
        let record: Box<serde_json::value::RawValue> = serde_json::from_slice(&body).unwrap();
        insta::assert_json_snapshot!(p.decode_record(&record).unwrap(), {".raw" => "[raw]"});
    });
}

#[test]
fn a_detail_gives_money_numbers_the_carrier_call_and_timed_turns() {
    let c = detail("twilio-inbound");
    assert_eq!(c.cost.as_ref().unwrap().amount, "0.1234");
    assert_eq!(c.cost.as_ref().unwrap().currency, "USD");
    // Credits are not money: kept beside the agent.
    assert_eq!(c.agents[0].extra.as_ref().unwrap()["credits"], 950);
    assert_eq!(c.direction, Direction::Inbound);
    assert_eq!(
        (c.from.as_deref(), c.to.as_deref()),
        (Some("+15555550142"), Some("+15555550100"))
    );
    assert_eq!(c.parent_id.as_deref(), Some("CAfixture0001"));
    assert_eq!(c.status, Status::Completed);
    assert_eq!(
        c.answered_at.unwrap().timestamp() - c.started_at.unwrap().timestamp(),
        3
    );
    let h = c.hangup.as_ref().unwrap();
    assert_eq!(
        (h.cause, h.source),
        (HangupCause::AgentHangup, HangupSource::Agent)
    );
    let turns = c.transcript.as_ref().unwrap();
    assert_eq!(turns.len(), 2, "a tool call without words is not a turn");
    assert_eq!(
        (turns[1].at.unwrap() - c.started_at.unwrap()).num_seconds(),
        4
    );
    assert!(c.analysis.as_ref().unwrap()["data_collection_results"]["account"].is_object());

    let sip = detail("sip-outbound-not-answered");
    assert_eq!(sip.status, Status::NoAnswer);
    assert_eq!(
        sip.to.as_deref(),
        Some("+15555550177"),
        "a national number to E.164"
    );
    assert_eq!(
        sip.hangup.as_ref().unwrap().provider_reason.as_deref(),
        Some("Call was not answered")
    );

    let widget = detail("widget-no-phone-call");
    assert_eq!(
        (widget.direction, widget.from.as_deref()),
        (Direction::Inbound, None)
    );
    assert_eq!(
        widget.cost.as_ref().unwrap().amount,
        "0.0025",
        "2.5e-3 written out"
    );

    let processing = detail("processing-before-analysis");
    assert_eq!(
        processing.status,
        Status::Completed,
        "ended; its analysis pending"
    );
    assert!(processing.cost.is_none());
}

#[test]
fn free_text_reasons_are_classified_and_kept() {
    let page = provider()
        .decode_page(&fixture("page-2-termination-reasons.json"))
        .unwrap();
    let by = |words: &str| {
        page.items
            .iter()
            .find(|c| c.hangup.as_ref().and_then(|h| h.provider_reason.as_deref()) == Some(words))
            .unwrap_or_else(|| panic!("{words}"))
    };
    for (words, cause) in [
        ("Client disconnected: 1000", HangupCause::NormalHangup),
        ("end_call tool was called.", HangupCause::AgentHangup),
        ("Max duration reached", HangupCause::ScheduledHangup),
        ("Silence timeout", HangupCause::MediaTimeout),
        ("Voicemail detected", HangupCause::MachineDetected),
        (
            "Call transferred to a human agent",
            HangupCause::NormalHangup,
        ),
        ("Call was not answered", HangupCause::NoAnswer),
        ("The line was busy", HangupCause::BusyLine),
        ("LLM request failed", HangupCause::InternalError),
        ("Something nobody has seen before", HangupCause::Other),
    ] {
        assert_eq!(by(words).hangup.as_ref().unwrap().cause, cause, "{words}");
    }
    assert_eq!(by("The line was busy").status, Status::Busy);
    assert_eq!(by("Call was not answered").status, Status::NoAnswer);
    // An empty reason is no reason.
    assert_eq!(page.items.iter().filter(|c| c.hangup.is_none()).count(), 1);
}

#[test]
fn list_summaries_map_without_their_details() {
    let page = provider()
        .decode_page(&fixture("page-1-first.json"))
        .unwrap();
    assert_eq!(page.next.as_deref(), Some("cursor_fixture_page_2"));
    let c = &page.items[0];
    assert_eq!(c.started_at.unwrap().timestamp(), 1777370460);
    assert_eq!(c.duration_s, Some(95));
    assert_eq!(c.analysis.as_ref().unwrap()["call_successful"], "success");
    assert!(c.cost.is_none(), "the list has no money");
    assert_eq!(page.items[2].status, Status::InProgress);
    assert_eq!(
        provider()
            .decode_page(&fixture("page-4-last-empty.json"))
            .unwrap()
            .next,
        None
    );
    let odd = provider()
        .decode_page(&fixture("page-3-odd-records.json"))
        .unwrap();
    assert_eq!(odd.rejects.len(), 3);
    assert_eq!(odd.items.len(), 3);
}
