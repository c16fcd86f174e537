//! Every fixture page, normalized, against its snapshot; and the document's sample.

use calllogs_core::{HangupCause, Provider, Settings};
use calllogs_nectardesk::Nectardesk;

fn desk() -> Nectardesk {
    Nectardesk::from_settings(&Settings::new().without_env()).unwrap()
}

#[test]
fn fixtures_normalize_as_snapshotted() {
    let desk = desk();
    insta::glob!("../../../fixtures/nectardesk", "*.json", |path| {
        let body = std::fs::read(path).unwrap();
        let page = desk.decode_page(&body).unwrap();
        let source: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let records = source["calls"].as_array().unwrap();
        assert_eq!(page.items.len(), records.len(), "no record lost");
        for (call, record) in page.items.iter().zip(records) {
            assert_eq!(&call.raw.to_value(), record);
        }
        insta::assert_json_snapshot!(
            serde_json::json!({"total": page.total, "more": page.more, "calls": page.items}),
            {".calls[].raw" => "[raw]"}
        );
    });
}

/// The sample response of `api-docs/nectardesk-get-calls.txt` (both calls).
const SAMPLE: &str = r#"{"calls": [
{"id": 1234, "is_inbound": false, "is_answered": true, "is_in_queue": false,
 "contact": {"id": 4321, "full_name": "John Doe", "number_country_code": "1", "national_number": "234567890", "number": "1234567890", "list_ids": [1, 2, 3]},
 "agents": [1],
 "all_agents": [{"id": 1, "user_id": 43, "alias": "Agent Name", "sip": "sip:[email protected]", "started_at": 1747839084, "type": "agent", "is_any_transfer": false, "hangup_reason": "NORMAL_CLEARING"}],
 "answered_agents": [{"id": 1, "user_id": 43, "alias": "Agent Name", "sip": "sip:[email protected]", "started_at": 1747839084, "type": "agent", "is_any_transfer": false, "hangup_reason": "NORMAL_CLEARING"}],
 "external_numbers": [{"number": "1234567890", "is_any_transfer": false}],
 "number": {"id": 1, "number": "1234567891", "numberWithAlias": "1234567891 (Number Alias/Friendly Name)", "alias": "Number Alias/Friendly Name"},
 "started_at": 1747839084, "duration": 5, "talk_time": 5, "requested_callback": false, "is_ended": true, "type": "answered",
 "is_answered_within_sla": true, "is_data_cached": true, "original_call_id": 2,
 "campaign": {"id": 1, "name": "Campaign Name"}, "ring_group": {"id": 1, "name": "Ring Group Name"}, "ivr": {"id": 1, "name": "IVR Name"},
 "disposition": {"id": 1, "code": "Successful Deal", "note": "This is a note for the disposition"},
 "recordings": [{"id": 12, "url": "https://media.plivo.com/v1/Account/{AccountPlivoID}/Recording/1234567890.mp3"}],
 "tags": ["tag1", "tag2", "tag3"]},
{"id": 1235, "is_inbound": false, "is_answered": true, "is_in_queue": false,
 "contact": {"id": 5321, "full_name": "John Doe 2", "number_country_code": "1", "national_number": "234567891", "number": "1234567891", "list_ids": [3, 2, 1]},
 "agents": [2],
 "all_agents": [{"id": 2, "user_id": 44, "alias": "Agent Name 2", "sip": "sip:[email protected]", "started_at": 1747839084, "type": "agent", "is_any_transfer": false, "hangup_reason": "NORMAL_CLEARING"}],
 "answered_agents": [{"id": 2, "user_id": 44, "alias": "Agent Name 2", "sip": "sip:[email protected]", "started_at": 1747839084, "type": "agent", "is_any_transfer": false, "hangup_reason": "NORMAL_CLEARING"}],
 "external_numbers": [{"number": "1234567891", "is_any_transfer": false}],
 "number": {"id": 2, "number": "1234567892", "numberWithAlias": "1234567892 (Number Alias/Friendly Name 2)", "alias": "Number Alias/Friendly Name 2"},
 "started_at": 1747839084, "duration": 5, "talk_time": 5, "requested_callback": false, "is_ended": true, "type": "answered",
 "is_answered_within_sla": true, "is_data_cached": true, "original_call_id": 2,
 "campaign": {"id": 1, "name": "Campaign Name"}, "ring_group": {"id": 1, "name": "Ring Group Name"}, "ivr": {"id": 1, "name": "IVR Name"},
 "disposition": {"id": 1, "code": "Successful Deal", "note": "This is a note for the disposition"},
 "recordings": [{"id": 12, "url": "https://media.plivo.com/v1/Account/{AccountPlivoID}/Recording/1234567890.mp3"}],
 "tags": ["tag1", "tag2", "tag3"]}],
"meta": {"page": 1, "limit": 100, "total": 33966, "next": "/api/v1/calls/?page=2", "previous": null}}"#;

#[test]
fn the_documents_sample_normalizes_right() {
    let page = desk().decode_page(SAMPLE.as_bytes()).unwrap();
    assert_eq!(
        (page.total, page.more, page.next.as_deref()),
        (Some(33966), Some(true), Some("/api/v1/calls/?page=2"))
    );
    assert_eq!(page.items.len(), 2);
    let c = &page.items[0];
    assert_eq!(c.id, "1234");
    assert_eq!(c.parent_id.as_deref(), Some("2"));
    assert_eq!(
        c.contact.as_ref().unwrap().number.as_deref(),
        Some("+1234567890")
    );
    assert_eq!(
        c.contact.as_ref().unwrap().name.as_deref(),
        Some("John Doe")
    );
    assert_eq!(
        page.items[1].contact.as_ref().unwrap().number.as_deref(),
        Some("+1234567891")
    );
    assert_eq!(
        serde_json::to_value(c).unwrap()["started_at"],
        "2025-05-21T14:51:24Z"
    );
    assert_eq!(c.agents.len(), 1);
    assert_eq!(c.agents[0].name.as_deref(), Some("Agent Name"));
    assert_eq!(c.agents[0].answered, Some(true));
    let h = c.hangup.as_ref().unwrap();
    assert_eq!((h.cause, h.q850), (HangupCause::NormalHangup, Some(16)));
    assert_eq!(h.provider_reason.as_deref(), Some("NORMAL_CLEARING"));
    let agent_h = c.agents[0].hangup.as_ref().unwrap();
    assert_eq!(
        (agent_h.cause.as_str(), agent_h.q850),
        ("normal_hangup", Some(16))
    );
    assert_eq!(c.status, calllogs_core::Status::Completed);
    assert_eq!(c.sla_met, Some(true));
    assert_eq!(
        c.disposition.as_ref().unwrap().code.as_deref(),
        Some("Successful Deal")
    );
    assert_eq!(
        c.queue.as_ref().unwrap().name.as_deref(),
        Some("Ring Group Name")
    );
    assert_eq!(c.tags, ["tag1", "tag2", "tag3"]);
    assert!(
        c.recordings[0]
            .url
            .as_deref()
            .unwrap()
            .starts_with("https://media.plivo.com/")
    );
}
