//! Every fixture page, normalized, against its snapshot.

use calllogs_core::{Direction, Provider, Settings};
use serde_json::json;

fn provider() -> calllogs_telnyx::Telnyx {
    calllogs_telnyx::Telnyx::from_settings(&Settings::new().without_env()).unwrap()
}

#[test]
fn fixtures_normalize_as_snapshotted() {
    assert!(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots")).exists(),
        "write fixtures/telnyx/ and their snapshots: once the mapping is written, run `INSTA_UPDATE=always cargo test -p calllogs-telnyx` and read every .snap"
    );
    let p = provider();
    insta::glob!("../../../fixtures/telnyx", "*.json", |path| {
        let body = std::fs::read(path).unwrap();
        let page = p.decode_page(&body).unwrap();
        insta::assert_json_snapshot!(json!({"total": page.total, "calls": page.items}), {".calls[].raw" => "[raw]"});
    });
}

fn page(name: &str) -> calllogs_core::Page<calllogs_core::Call> {
    let body = std::fs::read(format!(
        "{}/../../fixtures/telnyx/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    provider().decode_page(&body).unwrap()
}

#[test]
fn every_hangup_cause_the_document_lists_has_its_cause() {
    use calllogs_core::{HangupCause as C, Status};
    let p = page("page-2-hangup-causes.json");
    let got: Vec<(Status, Option<C>, Option<u16>)> = p
        .items
        .iter()
        .map(|c| {
            (
                c.status,
                c.hangup.as_ref().map(|h| h.cause),
                c.hangup.as_ref().and_then(|h| h.sip),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (Status::Failed, Some(C::Rejected), Some(603)),
            (Status::Completed, Some(C::NormalHangup), None),
            (Status::Canceled, Some(C::Canceled), Some(487)),
            (Status::NoAnswer, Some(C::RingTimeoutReached), Some(480)),
            (Status::Completed, Some(C::ScheduledHangup), None),
            (Status::Busy, Some(C::BusyLine), Some(486)),
            (Status::Failed, Some(C::UnallocatedNumber), Some(404)),
            (Status::NoAnswer, Some(C::NoAnswer), Some(480)),
            (Status::NoAnswer, Some(C::Unknown), None),
            (Status::NoAnswer, Some(C::Other), None),
            // No words: the SIP code decides.
            (Status::Busy, Some(C::BusyLine), Some(486)),
            (Status::NoAnswer, None, None),
        ]
    );
    let first = page("page-1-first.json");
    let c = &first.items[0];
    assert_eq!(
        c.id, "fixture-leg-0001",
        "the leg id, as the webhook has it"
    );
    assert_eq!(c.parent_id.as_deref(), Some("fixture-session-0000"));
    assert_eq!(
        (c.talk_time_s, c.billed_duration_s, c.duration_s),
        (Some(38), Some(60), Some(45))
    );
    assert_eq!(
        c.cost
            .as_ref()
            .map(|c| (c.amount.as_str(), c.currency.as_str())),
        Some(("0.0085", "USD"))
    );
    assert_eq!(c.tags, ["billing", "fixture"]);
    assert_eq!(
        c.hangup.as_ref().unwrap().source,
        calllogs_core::HangupSource::Callee
    );
}

#[test]
fn odd_records_are_kept_or_rejected_with_a_reason() {
    let p = page("page-3-odd-records.json");
    assert_eq!(p.rejects.len(), 2, "{:?}", p.rejects);
    let sip = &p.items[0];
    assert_eq!(
        (sip.id.as_str(), sip.parent_id.as_deref()),
        ("fixture-leg-0030", Some("fixture-session-0030"))
    );
    assert_eq!(sip.direction, Direction::Outbound, "outgoing");
    assert_eq!(sip.cost.as_ref().unwrap().currency, "EUR");
    assert_eq!(sip.tags, ["a", "b"]);
    let webrtc = &p.items[1];
    assert_eq!(
        (webrtc.id.as_str(), webrtc.direction),
        ("fixture-webrtc-record-0031", Direction::Inbound)
    );
    assert_eq!(
        webrtc.status,
        calllogs_core::Status::Unknown,
        "not finished"
    );
    let wrong = &p.items[2];
    assert_eq!((wrong.started_at, wrong.billed_duration_s), (None, None));
}
