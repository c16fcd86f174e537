//! Hostile input: no panic, no lost record (see `calllogs_core::testing`).

use calllogs_core::Settings;
use calllogs_core::testing::{
    assert_arbitrary_bodies_do_not_panic, assert_hostile_records_are_survived,
};
use serde_json::{Value, json};

#[test]
fn hostile_records_and_bodies() {
    let plivo = calllogs_plivo::Plivo::from_settings(&Settings::new().without_env()).unwrap();
    let base = json!({
        "answer_time": "2026-03-02 10:15:07+05:30", "bill_duration": 60, "billed_duration": 60,
        "call_direction": "outbound", "call_duration": 53, "call_state": "ANSWER", "call_uuid": "x",
        "end_time": "2026-03-02 10:16:00+05:30", "from_number": "15555550100", "hangup_cause_code": 4000,
        "hangup_cause_name": "Normal Hangup", "hangup_source": "Callee", "initiation_time": "2026-03-02 10:15:00+05:30",
        "parent_call_uuid": null, "to_number": "15555550101", "total_amount": "0.00850", "stir_verification": "Verified"
    });
    // Every top-level field the mapping reads (its `reads`), and those documented besides.
    let mut fields = calllogs_core::testing::top_level(calllogs_plivo::INFO.reads);
    fields.extend(["stir_verification"]);
    let envelope =
        |records: Vec<Value>| json!({"meta": {"total_count": 3, "next": null}, "objects": records});
    assert_hostile_records_are_survived(&plivo, &envelope, &base, "call_uuid", &fields, 24);
    assert_arbitrary_bodies_do_not_panic(&plivo, 128);
}
