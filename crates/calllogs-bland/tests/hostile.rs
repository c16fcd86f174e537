//! Hostile input: no panic, no lost record (see `calllogs_core::testing`).

use calllogs_core::Settings;
use serde_json::json;

#[test]
fn hostile_records_are_survived() {
    let provider = calllogs_bland::Bland::from_settings(&Settings::new().without_env()).unwrap();
    let base = json!({
        "call_id": "x", "c_id": "x", "created_at": "2026-04-28T10:00:00.123456+00:00", "started_at": "2026-04-28T10:00:01+00:00",
        "end_at": "2026-04-28T10:01:00+00:00", "call_length": 0.834, "corrected_duration": "50", "to": "5555550142",
        "from": "+15555550100", "inbound": false, "completed": true, "queue_status": "complete", "status": "completed",
        "error_message": null, "answered_by": "human", "call_ended_by": "USER", "price": 0.0765, "batch_id": "b1",
        "pathway_id": "p1", "transcripts": [{"text": "Hello.", "user": "assistant", "created_at": "2026-04-28T10:00:02+00:00"}],
        "concatenated_transcript": "Hello.", "summary": "Lorem.", "variables": {"a": 1},
        "recording_url": "https://recordings.example.invalid/x.mp3", "transferred_to": "+15555550199"
    });
    let envelope = |records: Vec<serde_json::Value>| json!({"count": 3, "calls": records});
    let fields = calllogs_core::testing::top_level(calllogs_bland::INFO.reads);
    calllogs_core::testing::assert_hostile_records_are_survived(
        &provider, &envelope, &base, "call_id", &fields, 16,
    );
    calllogs_core::testing::assert_arbitrary_bodies_do_not_panic(&provider, 64);
}
