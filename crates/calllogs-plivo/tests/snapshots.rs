//! Every fixture page, normalized, against its snapshot.

use calllogs_core::{Provider, Settings};
use calllogs_plivo::Plivo;

#[test]
fn fixtures_normalize_as_snapshotted() {
    let plivo = Plivo::from_settings(&Settings::new().without_env()).unwrap();
    insta::glob!("../../../fixtures/plivo", "*.json", |path| {
        let body = std::fs::read(path).unwrap();
        let page = plivo.decode_page(&body).unwrap();
        // Each record keeps its original as `raw`, checked here rather than
        // repeated in the snapshot.
        let objects: serde_json::Value =
            serde_json::from_slice::<serde_json::Value>(&body).unwrap()["objects"].clone();
        let raws: Vec<_> = page.items.iter().map(|c| c.raw.to_value()).collect();
        assert_eq!(serde_json::Value::Array(raws), objects);
        insta::assert_json_snapshot!(
            serde_json::json!({"total": page.total, "more": page.more, "calls": page.items}),
            {".calls[].raw" => "[raw]"}
        );
    });
}
