//! Every fixture page, normalized, against its snapshot.

use calllogs_core::{Provider, Settings};
use serde_json::json;

fn provider() -> calllogs_vonage::Vonage {
    calllogs_vonage::Vonage::from_settings(&Settings::new().without_env()).unwrap()
}

#[test]
fn fixtures_normalize_as_snapshotted() {
    assert!(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots")).exists(),
        "write fixtures/vonage/ and their snapshots: once the mapping is written, run `INSTA_UPDATE=always cargo test -p calllogs-vonage` and read every .snap"
    );
    let p = provider();
    insta::glob!("../../../fixtures/vonage", "*.json", |path| {
        let body = std::fs::read(path).unwrap();
        let page = p.decode_page(&body).unwrap();
        insta::assert_json_snapshot!(json!({"total": page.total, "calls": page.items}), {".calls[].raw" => "[raw]"});
    });
}

fn page(name: &str) -> calllogs_core::Page<calllogs_core::Call> {
    let body = std::fs::read(format!(
        "{}/../../fixtures/vonage/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    provider().decode_page(&body).unwrap()
}

#[test]
fn every_status_has_its_outcome_and_a_completed_leg_its_price() {
    use calllogs_core::{HangupCause as C, Status};
    let p = page("page-2-statuses.json");
    let got: Vec<(Status, Option<C>)> = p
        .items
        .iter()
        .map(|c| (c.status, c.hangup.as_ref().map(|h| h.cause)))
        .collect();
    assert_eq!(
        got,
        [
            (Status::InProgress, None),
            (Status::InProgress, None),
            (Status::InProgress, None),
            (Status::InProgress, None),
            (Status::Completed, Some(C::NormalHangup)),
            (Status::Busy, Some(C::BusyLine)),
            (Status::Canceled, Some(C::Canceled)),
            (Status::Failed, Some(C::Other)),
            (Status::Failed, Some(C::Rejected)),
            (Status::NoAnswer, Some(C::RingTimeoutReached)),
            (Status::NoAnswer, Some(C::NoAnswer)),
            (Status::Failed, Some(C::Other)),
        ]
    );
    let first = page("page-1-first.json");
    let c = &first.items[0];
    assert_eq!(
        (c.from.as_deref(), c.to.as_deref()),
        (Some("+15555550100"), Some("+15555550142"))
    );
    assert_eq!(
        c.parent_id.as_deref(),
        Some("CON-fixture0-0000-4000-8000-000000000000")
    );
    assert_eq!(
        c.cost
            .as_ref()
            .map(|c| (c.amount.as_str(), c.currency.as_str())),
        Some(("0.01905000", "EUR"))
    );
    assert_eq!(c.duration_s, Some(90));
    assert_eq!(
        c.started_at.map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-04-28T10:01:00+00:00")
    );
    assert_eq!(first.total, Some(230));
}

#[test]
fn endpoints_of_every_type_and_odd_records() {
    let p = page("page-3-odd-records.json");
    assert_eq!(p.rejects.len(), 2, "{:?}", p.rejects);
    assert_eq!(
        p.items[0].to.as_deref(),
        Some("sip:fixture@example.invalid")
    );
    assert_eq!(
        p.items[1].from.as_deref(),
        Some("wss://ws.example.invalid/socket")
    );
    assert_eq!(p.items[1].to.as_deref(), Some("vbc:5555"));
    assert_eq!(p.items[2].to.as_deref(), Some("vbc:1234"));
    assert_eq!(p.items[2].cost.as_ref().unwrap().amount, "0.5");
    let wrong = &p.items[3];
    assert_eq!(
        (wrong.started_at, wrong.duration_s, wrong.from.as_deref()),
        (None, None, None)
    );
    let empty = page("page-4-last-empty.json");
    assert_eq!((empty.items.len(), empty.total), (0, Some(230)));
    let usd = calllogs_vonage::Vonage::from_settings(
        &Settings::new()
            .without_env()
            .option(calllogs_vonage::CURRENCY, "usd"),
    )
    .unwrap();
    let body = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/vonage/page-1-first.json"
    ))
    .unwrap();
    assert_eq!(
        usd.decode_page(&body).unwrap().items[0]
            .cost
            .as_ref()
            .unwrap()
            .currency,
        "USD"
    );
}
