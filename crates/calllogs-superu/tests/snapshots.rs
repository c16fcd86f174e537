//! Every fixture page, normalized, against its snapshot.

use calllogs_core::{Provider, Settings};
use calllogs_superu::Superu;

#[test]
fn fixtures_normalize_as_snapshotted() {
    let superu = Superu::from_settings(&Settings::new().without_env()).unwrap();
    insta::glob!("../../../fixtures/superu", "*.json", |path| {
        let body = std::fs::read(path).unwrap();
        let page = superu.decode_page(&body).unwrap();
        let source: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let records = source["data"]["calls"].as_array().unwrap();
        assert_eq!(page.items.len(), records.len(), "no record lost");
        for (call, record) in page.items.iter().zip(records) {
            assert_eq!(&call.raw.to_value(), record, "raw is the record unchanged");
            assert!(!call.raw.get().contains('\n'), "one line");
        }
        insta::assert_json_snapshot!(
            serde_json::json!({"total": page.total, "calls": page.items}),
            {".calls[].raw" => "[raw]"}
        );
    });
}

#[test]
fn cost_is_the_decimal_text_as_written_with_an_exponent_written_out() {
    let superu = Superu::from_settings(&Settings::new().without_env()).unwrap();
    let body = br#"{"success": true, "data": {"calls": [
        {"id": "a", "cost": 0.050}, {"id": "b", "cost": 1.25e-2}, {"id": "c", "cost": "0.0075"},
        {"id": "d", "cost": 0.1000000000000000055511151231257827}, {"id": "e", "cost": true}]}}"#;
    let page = superu.decode_page(body).unwrap();
    let costs: Vec<_> = page
        .items
        .iter()
        .map(|c| c.cost.as_ref().map(|c| c.amount.as_str()))
        .collect();
    assert_eq!(
        costs,
        [
            Some("0.050"),
            // An exponent written out, exactly.
            Some("0.0125"),
            Some("0.0075"),
            Some("0.1000000000000000055511151231257827"),
            None
        ]
    );
}

#[test]
fn an_error_inside_a_200_is_an_error() {
    let superu = Superu::from_settings(&Settings::new().without_env()).unwrap();
    let err = superu
        .decode_page(br#"{"success": false, "message": "Invalid assistant"}"#)
        .unwrap_err();
    assert!(err.to_string().contains("Invalid assistant"), "{err}");
}
