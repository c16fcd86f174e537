//! Hostile input: no panic, no lost record (see `calllogs_core::testing`).

use calllogs_core::Settings;
use serde_json::json;

#[test]
fn hostile_records_are_survived() {
    let provider =
        calllogs_elevenlabs::Elevenlabs::from_settings(&Settings::new().without_env()).unwrap();
    let base = json!({
        "conversation_id": "x", "agent_id": "agent_1", "agent_name": "Demo", "status": "done",
        "start_time_unix_secs": 1777370400, "call_duration_secs": 95, "termination_reason": "Client disconnected: 1000",
        "direction": "inbound", "call_successful": "success", "transcript_summary": "Lorem.", "call_summary_title": "Demo",
        "metadata": {"start_time_unix_secs": 1777370400, "accepted_time_unix_secs": 1777370403, "call_duration_secs": 95,
                     "cost": 950, "cost_fiat": 0.1234, "termination_reason": "end_call tool was called.",
                     "error": {"code": 1000, "reason": "x"},
                     "phone_call": {"type": "twilio", "direction": "inbound", "agent_number": "+15555550100",
                                    "external_number": "+15555550142", "call_sid": "CAfixture1"}},
        "transcript": [{"role": "agent", "message": "Hello.", "time_in_call_secs": 0}],
        "analysis": {"call_successful": "success"}
    });
    let envelope =
        |records: Vec<serde_json::Value>| json!({"conversations": records, "has_more": false});
    let fields = calllogs_core::testing::top_level(calllogs_elevenlabs::INFO.reads);
    calllogs_core::testing::assert_hostile_records_are_survived(
        &provider,
        &envelope,
        &base,
        "conversation_id",
        &fields,
        16,
    );
    calllogs_core::testing::assert_arbitrary_bodies_do_not_panic(&provider, 64);
}
