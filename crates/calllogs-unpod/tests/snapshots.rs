//! Every fixture page, normalized, against its snapshot.

use calllogs_core::{Provider, Settings};
use calllogs_unpod::Unpod;

fn unpod() -> Unpod {
    Unpod::from_settings(&Settings::new().without_env()).unwrap()
}

#[test]
fn fixtures_normalize_as_snapshotted() {
    let unpod = unpod();
    insta::glob!("../../../fixtures/unpod", "*.json", |path| {
        let body = std::fs::read(path).unwrap();
        let page = unpod.decode_page(&body).unwrap();
        let source: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let records = source["data"].as_array().unwrap();
        assert_eq!(page.items.len(), records.len(), "no record lost");
        for (call, record) in page.items.iter().zip(records) {
            assert_eq!(&call.raw.to_value(), record);
        }
        insta::assert_json_snapshot!(
            serde_json::json!({"total": page.total, "next": page.next, "calls": page.items}),
            {".calls[].raw" => "[raw]"}
        );
    });
}

#[test]
fn an_error_envelope_inside_a_200_is_the_error_it_says() {
    let err = unpod()
        .decode_page(br#"{"count": 0, "status_code": 403, "message": "Invalid organization handle", "data": []}"#)
        .unwrap_err();
    assert!(
        matches!(err, calllogs_core::Error::Auth { status: 403, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("UNPOD_ORG_HANDLE")
            && err.to_string().contains("Invalid organization handle")
    );
    let err = unpod()
        .decode_page(br#"{"status_code": 500, "message": "Server error", "data": null}"#)
        .unwrap_err();
    assert!(
        matches!(err, calllogs_core::Error::Provider { status: 500, .. }),
        "{err:?}"
    );
}
