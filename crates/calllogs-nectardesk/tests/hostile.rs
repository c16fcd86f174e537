//! Hostile input: no panic, no lost record (see `calllogs_core::testing`).

use calllogs_core::Settings;
use calllogs_core::testing::{
    assert_arbitrary_bodies_do_not_panic, assert_hostile_records_are_survived,
};
use serde_json::{Value, json};

#[test]
fn hostile_records_and_bodies() {
    let desk =
        calllogs_nectardesk::Nectardesk::from_settings(&Settings::new().without_env()).unwrap();
    let agent = json!({"id": 1, "user_id": 43, "alias": "Agent", "sip": "sip:a@sip.example.invalid", "started_at": 1747839084,
                       "type": "agent", "is_any_transfer": false, "hangup_reason": "NORMAL_CLEARING"});
    let base = json!({
        "id": "x", "is_inbound": true, "is_answered": true, "is_ended": true,
        "contact": {"id": 1, "full_name": "Test", "number_country_code": "1", "national_number": "5555550100", "number": "15555550100"},
        "all_agents": [agent.clone()], "answered_agents": [agent], "number": {"id": 1, "number": "15555550101"},
        "started_at": 1747839084, "duration": 5, "talk_time": 4, "type": "answered", "is_answered_within_sla": true,
        "original_call_id": 2, "campaign": {"id": 1, "name": "C"}, "ring_group": {"id": 1, "name": "R"}, "ivr": {"id": 1, "name": "I"},
        "disposition": {"id": 1, "code": "Done", "note": "n"}, "recordings": [{"id": 1, "url": "https://media.example.invalid/1.mp3"}],
        "tags": ["a", "b"]
    });
    // Every top-level field the mapping reads (its `reads`).
    let fields = calllogs_core::testing::top_level(calllogs_nectardesk::INFO.reads);
    let envelope =
        |records: Vec<Value>| json!({"calls": records, "meta": {"total": 3, "next": null}});
    assert_hostile_records_are_survived(&desk, &envelope, &base, "id", &fields, 24);
    assert_arbitrary_bodies_do_not_panic(&desk, 128);
}
