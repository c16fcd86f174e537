//! Plivo's own published sample response (its API document), normalized.

use calllogs_core::{Category, HangupCause, HangupSource, Provider, Settings, Status};

/// The sample of `api-docs/plivo-list-calls.txt`, first object.
const SAMPLE: &str = r#"{
"api_id": "8299d094-dc72-11e5-b56c-22000ae90795",
"meta": {"limit": 20, "next": null, "offset": 0, "previous": null, "total_count": 4},
"objects": [{
"answer_time": "2022-10-12 21:57:47+05:30",
"api_id": "52cd2e1d-2bfd-11ec-a7bd-0242ac110005",
"bill_duration": 1, "billed_duration": 1, "call_direction": "outbound", "call_duration": 1,
"call_state": "ANSWER", "call_uuid": "5607532d-5037-4066-befc-a8b40218dd4f", "conference_uuid": null,
"end_time": "2022-10-12 21:57:47+05:30", "from_number": "+12025551111",
"hangup_cause_code": 8011, "hangup_cause_name": "Invalid Answer XML", "hangup_source": "Error",
"initiation_time": "2022-10-12 21:57:40+05:30", "parent_call_uuid": null,
"resource_uri": "/v1/Account/MA2025RK4E639VJFZAGV/Call/5607532d-5037-4066-befc-a8b40218dd4f/",
"stir_verification": "Not Applicable", "to_number": "sip:sam9461399937766203278@phone.plivo.com",
"total_amount": "0.01667", "total_rate": "1.00000", "Stir_attestation":"A", "voice_network_group": "",
"source_ip": "92.168.0.1"
}]}"#;

#[test]
fn the_documents_sample_normalizes_right() {
    let plivo = calllogs_plivo::Plivo::from_settings(&Settings::new().without_env()).unwrap();
    let page = plivo.decode_page(SAMPLE.as_bytes()).unwrap();
    assert_eq!(page.total, Some(4));
    assert_eq!(page.more, Some(false));
    let c = &page.items[0];
    assert_eq!(c.id, "5607532d-5037-4066-befc-a8b40218dd4f");
    let v = serde_json::to_value(c).unwrap();
    assert_eq!(v["started_at"], "2022-10-12T16:27:40Z");
    assert_eq!(v["answered_at"], "2022-10-12T16:27:47Z");
    assert_eq!(v["ended_at"], "2022-10-12T16:27:47Z");
    assert_eq!(c.from.as_deref(), Some("+12025551111"));
    assert_eq!(
        c.to.as_deref(),
        Some("sip:sam9461399937766203278@phone.plivo.com")
    );
    assert_eq!(
        v["cost"],
        serde_json::json!({"amount": "0.01667", "currency": "USD"})
    );
    let h = c.hangup.as_ref().unwrap();
    assert_eq!(h.cause, HangupCause::InvalidAnswerXml);
    assert_eq!(h.category, Category::XmlError);
    assert_eq!(h.source, HangupSource::System);
    assert_eq!(h.provider_code.as_deref(), Some("8011"));
    assert_eq!(h.provider_reason.as_deref(), Some("Invalid Answer XML"));
    assert_eq!(c.status, Status::Completed);
    assert_eq!((c.duration_s, c.billed_duration_s), (Some(1), Some(1)));
    assert_eq!(c.raw.to_value()["Stir_attestation"], "A");
}

#[test]
fn digits_only_numbers_become_e164() {
    let body = SAMPLE.replace("+12025551111", "14153268174");
    let plivo = calllogs_plivo::Plivo::from_settings(&Settings::new().without_env()).unwrap();
    let page = plivo.decode_page(body.as_bytes()).unwrap();
    assert_eq!(page.items[0].from.as_deref(), Some("+14153268174"));
}

#[test]
fn a_bad_record_does_not_lose_the_page() {
    let body = r#"{"meta": {"total_count": 3}, "objects": [
        {"call_uuid": "a", "call_duration": "many", "initiation_time": "0000-00-00 00:00:00"},
        "not an object",
        {"call_uuid": "b", "hangup_cause_code": {"nested": true}}
    ]}"#;
    let plivo = calllogs_plivo::Plivo::from_settings(&Settings::new().without_env()).unwrap();
    let page = plivo.decode_page(body.as_bytes()).unwrap();
    let ids: Vec<_> = page.items.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
    assert_eq!(page.items[0].duration_s, None);
    assert_eq!(page.items[0].started_at, None);
    assert!(plivo.decode_page(b"<html>").is_err());
}

/// The shape of Plivo's own SDK fixture (plivo-go `callListResponse.json`):
/// 924 s of call billed as 960 s (16 minutes at 0.0085 a minute = 0.136),
/// and the same `call_uuid` twice in one page.
#[test]
fn billed_duration_is_what_was_billed_and_a_repeated_call_is_one_call() {
    let record = |amount: &str| {
        format!(
            r#"{{"call_uuid": "c0ffee00-0000-4000-8000-00000000sdk1", "call_direction": "inbound",
            "call_duration": 924, "bill_duration": 924, "billed_duration": 960,
            "total_rate": "0.00850", "total_amount": "{amount}",
            "initiation_time": "2026-03-02 10:00:00+05:30", "end_time": "2026-03-02 10:15:24+05:30",
            "from_number": "15555550100", "to_number": "15555550101", "hangup_cause_code": 4000}}"#
        )
    };
    let body = format!(
        r#"{{"api_id": "x", "meta": {{"total_count": 2, "next": null}}, "objects": [{}, {}]}}"#,
        record("0.13000"),
        record("0.13600")
    );
    let plivo = calllogs_plivo::Plivo::from_settings(&Settings::new().without_env()).unwrap();
    let page = plivo.decode_page(body.as_bytes()).unwrap();
    assert_eq!(
        page.items.len(),
        1,
        "the same call twice in a page is one call"
    );
    let c = &page.items[0];
    assert_eq!(c.duration_s, Some(924));
    assert_eq!(c.billed_duration_s, Some(960));
    assert_eq!(
        c.cost.as_ref().unwrap().amount,
        "0.13600",
        "the last version wins"
    );
}
