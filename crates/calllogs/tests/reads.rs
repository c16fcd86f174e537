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
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for f in files {
            pages.push(std::fs::read(&f).unwrap());
        }
        calllogs_core::testing::assert_reads_declared(provider.as_ref(), info.reads, &pages);
    }
}
