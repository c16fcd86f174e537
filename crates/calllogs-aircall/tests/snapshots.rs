//! Every fixture page, normalized, against its snapshot.

use calllogs_core::{Direction, Provider, Settings};
use serde_json::json;

fn provider() -> calllogs_aircall::Aircall {
    calllogs_aircall::Aircall::from_settings(&Settings::new().without_env()).unwrap()
}

#[test]
fn fixtures_normalize_as_snapshotted() {
    assert!(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots")).exists(),
        "write fixtures/aircall/ and their snapshots: once the mapping is written, run `INSTA_UPDATE=always cargo test -p calllogs-aircall` and read every .snap"
    );
    let p = provider();
    insta::glob!("../../../fixtures/aircall", "*.json", |path| {
        let body = std::fs::read(path).unwrap();
        let page = p.decode_page(&body).unwrap();
        insta::assert_json_snapshot!(json!({"total": page.total, "calls": page.items}), {".calls[].raw" => "[raw]"});
    });
}

fn page(name: &str) -> calllogs_core::Page<calllogs_core::Call> {
    let body = std::fs::read(format!(
        "{}/../../fixtures/aircall/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    provider().decode_page(&body).unwrap()
}

#[test]
fn every_missed_reason_has_its_cause_and_a_done_call_answered_is_completed() {
    use calllogs_core::{HangupCause as C, Status};
    let p = page("page-2-missed-reasons.json");
    let got: Vec<(Status, C, Option<&str>)> = p
        .items
        .iter()
        .map(|c| {
            let h = c.hangup.as_ref().unwrap();
            (c.status, h.cause, h.provider_reason.as_deref())
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                Status::NoAnswer,
                C::OutOfOpeningHours,
                Some("out_of_opening_hours")
            ),
            (Status::Canceled, C::ShortAbandoned, Some("short_abandoned")),
            (
                Status::Canceled,
                C::AbandonedInIvr,
                Some("abandoned_in_ivr")
            ),
            (
                Status::Canceled,
                C::AbandonedInQueue,
                Some("abandoned_in_classic")
            ),
            (
                Status::NoAnswer,
                C::NoAvailableAgent,
                Some("no_available_agent")
            ),
            (Status::NoAnswer, C::NoAnswer, Some("agents_did_not_answer")),
            (
                Status::NoAnswer,
                C::Other,
                Some("a_reason_not_yet_documented")
            ),
            (Status::NoAnswer, C::NoAnswer, None),
        ]
    );
    let first = page("page-1-first.json");
    let c = &first.items[0];
    assert_eq!(c.status, Status::Completed);
    assert_eq!(c.direction, Direction::Inbound);
    assert_eq!(
        (c.from.as_deref(), c.to.as_deref()),
        (Some("+15555550142"), Some("+15555550100")),
        "raw_digits is the caller of an inbound call, number.digits our line"
    );
    assert_eq!((c.duration_s, c.talk_time_s), (Some(128), Some(120)));
    assert_eq!(
        c.cost.as_ref().unwrap().amount,
        "0.12",
        "US cents, exact dollars"
    );
    let out = &first.items[1];
    assert_eq!(
        (out.from.as_deref(), out.to.as_deref()),
        (Some("+15555550100"), Some("+15555550177"))
    );
}

#[test]
fn odd_records_are_kept_or_rejected_with_a_reason() {
    use calllogs_core::Status;
    let p = page("page-3-odd-records.json");
    assert_eq!(p.rejects.len(), 2, "{:?}", p.rejects);
    let anonymous = &p.items[0];
    assert_eq!(anonymous.from, None, "anonymous is no number");
    assert_eq!(p.items[1].id, "1000000031");
    assert_eq!(p.items[1].status, Status::InProgress);
    assert_eq!(p.items[2].status, Status::InProgress);
    let wrong_types = &p.items[3];
    assert_eq!(wrong_types.started_at, None);
    assert_eq!(wrong_types.direction, Direction::Unknown);
    let page4 = page("page-4-past-the-cap.json");
    assert_eq!((page4.items.len(), page4.total), (0, Some(12_500)));
}
