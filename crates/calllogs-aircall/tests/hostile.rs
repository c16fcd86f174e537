//! Hostile input: no panic, no lost record (see `calllogs_core::testing`).

use calllogs_core::Settings;
use serde_json::json;

#[test]
fn hostile_records_are_survived() {
    // Once the mapping is written: the record with every field it reads.
    // The fields replaced are those `raw::READS` names.
    let provider =
        calllogs_aircall::Aircall::from_settings(&Settings::new().without_env()).unwrap();
    let base = json!({
        "id": 1000000001i64, "direction": "inbound", "status": "done",
        "missed_call_reason": "short_abandoned", "started_at": 1777370000,
        "answered_at": null, "ended_at": 1777370003, "duration": 3,
        "raw_digits": "+1 555-555-0142",
        "number": {"id": 58108, "name": "Line", "digits": "+1 555-555-0100"},
        "user": {"id": 901, "name": "Agent"},
        "contact": {"id": 301, "first_name": "A", "last_name": "B", "company_name": "C"},
        "transferred_to": {"id": 903, "name": "Agent Three"},
        "tags": [{"id": 7, "name": "billing"}],
        "recording": "https://recordings.example.invalid/1.mp3",
        "voicemail": "https://voicemails.example.invalid/1.mp3",
        "cost": "12"
    });
    let envelope = |records: Vec<serde_json::Value>| json!({"calls": records, "meta": {"count": 3, "total": 3, "current_page": 1, "per_page": 50}});
    let fields = calllogs_core::testing::top_level(calllogs_aircall::INFO.reads);
    calllogs_core::testing::assert_hostile_records_are_survived(
        &provider, &envelope, &base, "id", &fields, 16,
    );
    calllogs_core::testing::assert_arbitrary_bodies_do_not_panic(&provider, 64);
}
