//! Every provider's declared reads (`ProviderInfo::reads`) hold against its
//! mapping over its fixture pages: a field a record holds outside the
//! declaration changes no mapped call. The SDK conformance test
//! (`calllogs-cli/tests/sdk.rs`) holds the same declaration against the
//! official SDKs' models, so a field the crate reads that the API does not
//! send cannot hide.

use std::path::Path;

use calllogs::registry;

#[test]
fn every_field_a_mapping_reads_is_declared() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    for info in registry::providers() {
        let provider = registry::build(info.id, &calllogs::Settings::new().without_env())
            .unwrap_or_else(|e| panic!("{}: {e}", info.id));
        let mut pages = Vec::new();
        let dir = fixtures.join(info.id);
        // Pages, and detail responses (list-then-detail providers) below.
        let json_in = |d: &Path| -> Vec<std::path::PathBuf> {
            std::fs::read_dir(d)
                .map(|rd| {
                    rd.map(|e| e.unwrap().path())
                        .filter(|p| p.extension().is_some_and(|x| x == "json"))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut files = json_in(&dir);
        assert!(!files.is_empty(), "{}: no fixtures", dir.display());
        files.extend(json_in(&dir.join("detail")));
        files.sort();
        for f in files {
            pages.push(std::fs::read(&f).unwrap());
        }
        calllogs_core::testing::assert_reads_declared(provider.as_ref(), info.reads, &pages);
    }
}
