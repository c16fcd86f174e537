//! Hostile input: no panic, no lost record (see `calllogs_core::testing`).

use calllogs_core::Settings;
use calllogs_core::testing::{
    assert_arbitrary_bodies_do_not_panic, assert_hostile_records_are_survived,
};
use serde_json::{Value, json};

#[test]
fn hostile_records_and_bodies() {
    let unpod = calllogs_unpod::Unpod::from_settings(&Settings::new().without_env()).unwrap();
    let base = json!({
        "id": "x", "source_number": "+15555550141", "destination_number": "+15555550100", "call_type": "inbound",
        "call_status": "completed", "creation_time": "2026-05-01T09:59:58Z", "start_time": "2026-05-01T10:00:00Z",
        "end_time": "2026-05-01T10:05:25Z", "call_duration": "0:05:25", "end_reason": "caller_hangup", "bridge": 11
    });
    // Every top-level field the mapping reads (its `reads`), and those documented besides.
    let mut fields = calllogs_core::testing::top_level(calllogs_unpod::INFO.reads);
    fields.extend(["bridge"]);
    let envelope = |records: Vec<Value>| json!({"count": 3, "next": null, "status_code": 200, "message": "ok", "data": records});
    assert_hostile_records_are_survived(&unpod, &envelope, &base, "id", &fields, 24);
    assert_arbitrary_bodies_do_not_panic(&unpod, 128);
}
