//! Hostile input: no panic, no lost record (see `calllogs_core::testing`).

use calllogs_core::Settings;
use calllogs_core::testing::{
    assert_arbitrary_bodies_do_not_panic, assert_hostile_records_are_survived,
};
use serde_json::{Value, json};

#[test]
fn hostile_records_and_bodies() {
    let twilio = calllogs_twilio::Twilio::from_settings(&Settings::new().without_env()).unwrap();
    let base = json!({
        "sid": "CA00000000000000000000000005550001", "parent_call_sid": null, "direction": "outbound-api",
        "from": "+15555550199", "to": "+15555550100", "caller_name": "SYNTHETIC",
        "start_time": "Mon, 02 Nov 2026 09:00:01 +0000", "end_time": "Mon, 02 Nov 2026 09:04:41 +0000",
        "date_created": "Mon, 02 Nov 2026 09:00:00 +0000", "duration": "280", "status": "completed",
        "price": "-0.01700", "price_unit": "USD", "answered_by": "machine_start"
    });
    // Every top-level field the mapping reads (its `reads`).
    let fields = calllogs_core::testing::top_level(calllogs_twilio::INFO.reads);
    let envelope = |records: Vec<Value>| json!({"calls": records, "next_page_uri": null});
    assert_hostile_records_are_survived(&twilio, &envelope, &base, "sid", &fields, 24);
    assert_arbitrary_bodies_do_not_panic(&twilio, 128);
}
