//! Hostile input: no panic, no lost record (see `calllogs_core::testing`).

use calllogs_core::Settings;
use calllogs_core::testing::{
    assert_arbitrary_bodies_do_not_panic, assert_hostile_records_are_survived,
};
use serde_json::{Value, json};

#[test]
fn hostile_records_and_bodies() {
    let vapi = calllogs_vapi::Vapi::from_settings(&Settings::new().without_env()).unwrap();
    let base = json!({
        "id": "x", "type": "outboundPhoneCall", "status": "ended", "endedReason": "customer-ended-call",
        "createdAt": "2026-11-02T09:00:00.000Z", "startedAt": "2026-11-02T09:00:01.000Z",
        "endedAt": "2026-11-02T09:01:01.000Z", "cost": 0.0123, "costBreakdown": {"total": 0.0123},
        "assistantId": "asst-1", "phoneNumberId": "pn-1", "phoneNumber": {"number": "+15555550100"},
        "customer": {"number": "+15555550121", "name": "Test"}, "analysis": {"summary": "Lorem."},
        "artifact": {"messages": [{"role": "bot", "message": "Hello.", "time": 1_794_042_000_000_i64}],
                     "transcript": "AI: Hello.", "recordingUrl": "https://recordings.example.invalid/x.wav"},
        "messages": [{"role": "user", "message": "Hi."}], "recordingUrl": "https://recordings.example.invalid/y.wav"
    });
    // Every top-level field the mapping reads (its `reads`), and those documented besides.
    let mut fields = calllogs_core::testing::top_level(calllogs_vapi::INFO.reads);
    fields.extend(["phoneNumberId", "recordingUrl"]);
    let envelope = |records: Vec<Value>| Value::Array(records);
    assert_hostile_records_are_survived(&vapi, &envelope, &base, "id", &fields, 24);
    assert_arbitrary_bodies_do_not_panic(&vapi, 128);
}
