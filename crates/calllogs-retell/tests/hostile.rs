//! Hostile input: no panic, no lost record (see `calllogs_core::testing`).

use calllogs_core::Settings;
use serde_json::json;

#[test]
fn hostile_records_are_survived() {
    let provider = calllogs_retell::Retell::from_settings(&Settings::new().without_env()).unwrap();
    let base = json!({
        "call_id": "x", "call_type": "phone_call", "agent_id": "agent_1", "agent_name": "Demo", "call_status": "ended",
        "direction": "outbound", "from_number": "+15555550100", "to_number": "+15555550101",
        "start_timestamp": 1777370400000i64, "end_timestamp": 1777370495000i64, "duration_ms": 95000,
        "disconnection_reason": "user_hangup", "batch_call_id": "batch_1", "call_cost": {"combined_cost": 12.5},
        "call_analysis": {"call_summary": "Lorem."}, "transcript": "Lorem.",
        "transcript_object": [{"role": "agent", "content": "Hello.", "words": [{"word": "Hello.", "start": 0.5}]}],
        "recording_url": "https://recordings.example.invalid/x.wav", "recording_multi_channel_url": "https://recordings.example.invalid/y.wav"
    });
    let envelope = |records: Vec<serde_json::Value>| json!({"items": records, "has_more": false});
    let fields = calllogs_core::testing::top_level(calllogs_retell::INFO.reads);
    calllogs_core::testing::assert_hostile_records_are_survived(
        &provider, &envelope, &base, "call_id", &fields, 16,
    );
    calllogs_core::testing::assert_arbitrary_bodies_do_not_panic(&provider, 64);
}
