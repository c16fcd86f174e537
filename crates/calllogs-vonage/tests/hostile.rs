//! Hostile input: no panic, no lost record (see `calllogs_core::testing`).

use calllogs_core::Settings;
use serde_json::json;

#[test]
fn hostile_records_are_survived() {
    // Once the mapping is written: the record with every field it reads.
    // The fields replaced are those `raw::READS` names.
    let provider = calllogs_vonage::Vonage::from_settings(&Settings::new().without_env()).unwrap();
    let base = json!({
        "uuid": "leg-1", "conversation_uuid": "CON-1",
        "from": {"type": "phone", "number": "15555550100", "uri": "sip:a@example.invalid", "extension": "1"},
        "to": {"type": "phone", "number": "15555550142", "uri": "sip:b@example.invalid", "extension": "2"},
        "status": "completed", "direction": "outbound", "rate": "0.0127", "price": "0.019",
        "duration": "90", "start_time": "2026-04-28 10:00:00", "end_time": "2026-04-28 10:01:30",
        "network": "65512"
    });
    let envelope = |records: Vec<serde_json::Value>| json!({"count": 3, "page_size": 100, "record_index": 0, "_embedded": {"calls": records}});
    let fields = calllogs_core::testing::top_level(calllogs_vonage::INFO.reads);
    calllogs_core::testing::assert_hostile_records_are_survived(
        &provider, &envelope, &base, "uuid", &fields, 16,
    );
    calllogs_core::testing::assert_arbitrary_bodies_do_not_panic(&provider, 64);
}
