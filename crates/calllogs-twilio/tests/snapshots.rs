//! Every fixture page, normalized, against its snapshot.

use calllogs_core::{Provider, Settings, Status};
use calllogs_twilio::Twilio;

fn twilio() -> Twilio {
    Twilio::from_settings(&Settings::new().without_env()).unwrap()
}

#[test]
fn fixtures_normalize_as_snapshotted() {
    let twilio = twilio();
    insta::glob!("../../../fixtures/twilio", "*.json", |path| {
        let body = std::fs::read(path).unwrap();
        let page = twilio.decode_page(&body).unwrap();
        let source: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let records = source["calls"].as_array().unwrap();
        assert_eq!(
            page.items.len() + page.rejects.len(),
            records.len(),
            "no record lost"
        );
        for call in &page.items {
            assert!(!call.raw.get().contains('\n'), "one line");
        }
        insta::assert_json_snapshot!(
            serde_json::json!({"next": page.next, "calls": page.items, "rejects": page.rejects.iter().map(|r| &r.reason).collect::<Vec<_>>()}),
            {".calls[].raw" => "[raw]"}
        );
    });
}

#[test]
fn the_cause_comes_from_the_status_and_the_cost_is_the_price_made_positive() {
    let body = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/twilio/page-1-first.json"
    ))
    .unwrap();
    let page = twilio().decode_page(&body).unwrap();
    let by = |i: usize| &page.items[i];
    assert_eq!(by(0).status, Status::Completed);
    assert_eq!(
        by(0).hangup.as_ref().unwrap().cause.as_str(),
        "normal_hangup"
    );
    let cost = by(0).cost.as_ref().unwrap();
    assert_eq!(
        (cost.amount.as_str(), cost.currency.as_str()),
        ("0.01700", "USD")
    );
    assert_eq!(by(1).hangup.as_ref().unwrap().cause.as_str(), "busy_line");
    assert_eq!(by(2).parent_id.as_deref(), Some(by(0).id.as_str()));
    // A call Twilio has not priced yet has no cost (the lookback fetches it).
    assert_eq!(by(3).status, Status::NoAnswer);
    assert!(by(3).cost.is_none());
    // RFC 2822, one second before midnight, in UTC.
    assert_eq!(
        by(3).started_at.unwrap().to_rfc3339(),
        "2026-11-01T23:59:58+00:00"
    );
}

#[test]
fn explain_derives_the_cause_from_a_status_or_answered_by() {
    let t = twilio();
    for (input, cause) in [
        ("completed", "normal_hangup"),
        ("busy", "busy_line"),
        ("no-answer", "no_answer"),
        ("canceled", "canceled"),
        ("failed", "invalid_destination_address"),
        ("machine_end_beep", "machine_detected"),
        ("fax", "machine_detected"),
        ("human", "normal_hangup"),
        ("something-new", "other"),
    ] {
        let h = t
            .explain(input)
            .unwrap_or_else(|| panic!("{input}: no cause"));
        assert_eq!(h.cause.as_str(), cause, "{input}");
    }
    // `failed` is a failure of the destination, not `other`.
    assert_eq!(
        t.explain("failed").unwrap().category,
        calllogs_core::Category::DestinationIssue
    );
    // A status that is not an end has no cause.
    for pending in ["queued", "ringing", "in-progress", "initiated"] {
        assert!(t.explain(pending).is_none(), "{pending}");
    }
}
