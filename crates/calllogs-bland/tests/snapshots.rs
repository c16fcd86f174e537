//! Every fixture page and detail response, normalized, against its snapshot;
//! and what the mapping must get right, asserted.

use calllogs_bland::Bland;
use calllogs_core::{Direction, HangupCause, HangupSource, Provider, Settings, Status};

fn provider() -> Bland {
    Bland::from_settings(&Settings::new().without_env()).unwrap()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../fixtures/bland/{name}",
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
    insta::glob!("../../../fixtures/bland", "*.json", |path| {
        let body = std::fs::read(path).unwrap();
        let page = p.decode_page(&body).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            page.items.len() + page.rejects.len(),
            v["calls"].as_array().unwrap().len(),
            "no record lost"
        );
        insta::assert_json_snapshot!(
            serde_json::json!({
                "total": page.total,
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
    insta::glob!("../../../fixtures/bland/detail", "*.json", |path| {
        let body = std::fs::read(path).unwrap();
        let record: Box<serde_json::value::RawValue> = serde_json::from_slice(&body).unwrap();
        insta::assert_json_snapshot!(p.decode_record(&record).unwrap(), {".raw" => "[raw]"});
    });
}

#[test]
fn minutes_numbers_and_outcomes_of_the_list() {
    let page = provider()
        .decode_page(&fixture("page-1-first.json"))
        .unwrap();
    assert_eq!(page.total, Some(784));
    let c = &page.items[0];
    assert_eq!(c.duration_s, Some(50), "0.834 minutes");
    assert_eq!(c.to.as_deref(), Some("+15555550142"), "ten digits are +1");
    assert_eq!(c.from.as_deref(), Some("+15555550100"));
    assert_eq!(c.status, Status::Completed);
    assert_eq!(
        c.campaign.as_ref().unwrap().id.as_deref(),
        Some("batch-fixture-001")
    );
    assert_eq!(page.items[1].duration_s, Some(90));
    assert_eq!(page.items[1].to.as_deref(), Some("+15555550143"));
    assert_eq!(
        page.items[1].hangup.as_ref().unwrap().cause,
        HangupCause::MachineDetected
    );
    assert_eq!(page.items[2].status, Status::InProgress);
    assert_eq!(page.items[3].status, Status::NoAnswer);
    let failed = &page.items[4];
    assert_eq!(failed.status, Status::Failed);
    assert_eq!(
        failed.hangup.as_ref().unwrap().cause,
        HangupCause::InvalidDestinationAddress
    );
    assert_eq!(
        failed.hangup.as_ref().unwrap().provider_reason.as_deref(),
        Some("Invalid phone number")
    );
}

#[test]
fn error_messages_are_classified_and_kept() {
    let page = provider()
        .decode_page(&fixture("page-2-error-messages.json"))
        .unwrap();
    let s: Vec<(Status, HangupCause)> = page
        .items
        .iter()
        .map(|c| {
            (
                c.status,
                c.hangup.as_ref().map_or(HangupCause::Unknown, |h| h.cause),
            )
        })
        .collect();
    assert_eq!(s[0], (Status::Busy, HangupCause::BusyLine));
    assert_eq!(s[1], (Status::NoAnswer, HangupCause::NoAnswer));
    assert_eq!(s[2], (Status::Failed, HangupCause::Rejected));
    assert_eq!(s[3].1, HangupCause::Other);
    assert_eq!(page.items[4].duration_s, Some(120), "2.0000000001 minutes");
    assert_eq!(page.items[5].status, Status::InProgress, "queued");
}

#[test]
fn a_detail_gives_price_direction_who_ended_it_and_turns() {
    let c = detail("outbound-ended-by-user");
    assert_eq!(c.cost.as_ref().unwrap().amount, "0.0765");
    assert_eq!(c.direction, Direction::Outbound);
    assert_eq!(c.duration_s, Some(50), "corrected_duration, in seconds");
    let h = c.hangup.as_ref().unwrap();
    assert_eq!(
        (h.cause, h.source),
        (HangupCause::NormalHangup, HangupSource::Callee)
    );
    let speakers: Vec<_> = c
        .transcript
        .as_ref()
        .unwrap()
        .iter()
        .map(|t| t.speaker.clone().unwrap())
        .collect();
    assert_eq!(speakers, ["assistant", "user", "agent-action", "robot"]);
    assert_eq!(c.analysis.as_ref().unwrap()["variables"]["now"], "Tuesday");

    let inbound = detail("inbound-ended-by-assistant");
    assert_eq!(inbound.direction, Direction::Inbound);
    assert_eq!(inbound.from.as_deref(), Some("+15555550142"));
    assert_eq!(
        inbound.hangup.as_ref().unwrap().cause,
        HangupCause::AgentHangup
    );
    assert_eq!(
        inbound.analysis.as_ref().unwrap()["transferred_to"],
        "+15555550199"
    );

    let missed = detail("no-answer");
    assert_eq!(missed.status, Status::NoAnswer);
    assert_eq!(missed.duration_s, Some(24), "0.4 minutes");
}

#[test]
fn odd_records_are_kept_or_rejected_with_a_reason() {
    let page = provider()
        .decode_page(&fixture("page-3-odd-records.json"))
        .unwrap();
    assert_eq!(page.rejects.len(), 3, "{:?}", page.rejects);
    let cid = page
        .items
        .iter()
        .find(|c| c.id == "fixture-cid-000000000023");
    assert!(cid.is_some(), "c_id where call_id is missing");
    assert!(
        page.items
            .iter()
            .all(|c| c.duration_s.is_none_or(|d| d >= 0))
    );
}
