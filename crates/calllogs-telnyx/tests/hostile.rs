//! Hostile input: no panic, no lost record (see `calllogs_core::testing`).

use calllogs_core::Settings;
use serde_json::json;

#[test]
fn hostile_records_are_survived() {
    // Once the mapping is written: the record with every field it reads.
    // The fields replaced are those `raw::READS` names.
    let provider = calllogs_telnyx::Telnyx::from_settings(&Settings::new().without_env()).unwrap();
    let base = json!({
        "record_type": "call-control", "call_leg_id": "leg-1",
        "call_session_id": "session-1", "cli": "+15555550100", "cld": "+15555550142",
        "direction": "outbound", "created_at": "2026-04-28T10:00:00Z",
        "started_at": "2026-04-28T10:00:00Z", "answered_at": "2026-04-28T10:00:05Z",
        "finished_at": "2026-04-28T10:00:45Z", "call_sec": 40, "billed_sec": 60,
        "cost": "0.0085", "currency": "USD", "hangup_cause": "normal_clearing",
        "hangup_source": "callee", "sip_hangup_cause": "unspecified",
        "connection_id": "1", "connection_name": "c", "tags": "a,b"
    });
    let envelope = |records: Vec<serde_json::Value>| json!({"data": records, "meta": {"page_number": 1, "page_size": 50, "total_pages": 1, "total_results": 3}});
    let fields = calllogs_core::testing::top_level(calllogs_telnyx::INFO.reads);
    calllogs_core::testing::assert_hostile_records_are_survived(
        &provider,
        &envelope,
        &base,
        "call_leg_id",
        &fields,
        16,
    );
    calllogs_core::testing::assert_arbitrary_bodies_do_not_panic(&provider, 64);
}
