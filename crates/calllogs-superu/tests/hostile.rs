//! Hostile input: no panic, no lost record (see `calllogs_core::testing`).

use calllogs_core::Settings;
use calllogs_core::testing::{
    assert_arbitrary_bodies_do_not_panic, assert_hostile_records_are_survived,
};
use serde_json::{Value, json};

#[test]
fn hostile_records_and_bodies() {
    let superu = calllogs_superu::Superu::from_settings(&Settings::new().without_env()).unwrap();
    let base = json!({
        "id": "x", "assistantId": "asst-1", "type": "outboundPhoneCall", "cost": 0.0123, "endedReason": "Customer Hangup",
        "status": "ended", "startedAt": "2026-04-20T06:59:42.449948+00:00", "endedAt": "2026-04-20T07:00:42+00:00",
        "customer": {"number": "+15555550121", "name": "Test"}, "phoneNumber": {"number": "+15555550100"},
        "transcript": [{"role": "assistant", "content": "Hello.", "created_at": "2026-04-20T06:59:43+00:00"}],
        "recordingUrl": "https://recordings.example.invalid/x.wav", "analysis": {"summary": "Lorem."},
        "campaignId": "camp-1", "durationSeconds": 60, "artifact": {"recordingUrl": "https://recordings.example.invalid/y.wav"}
    });
    // Every top-level field the mapping reads (its `reads`), each spelling
    // of a field beside the base record's own (`id` and `call_id` together).
    let fields = calllogs_core::testing::top_level(calllogs_superu::INFO.reads);
    let envelope =
        |records: Vec<Value>| json!({"success": true, "data": {"calls": records, "total": 3}});
    assert_hostile_records_are_survived(&superu, &envelope, &base, "id", &fields, 24);
    assert_arbitrary_bodies_do_not_panic(&superu, 128);
}
