//! `decode_page` of the plivo normalizer on arbitrary bytes: no panic, no hang.
#![no_main]

use std::sync::LazyLock;

use calllogs::{DynProvider, Settings};
use libfuzzer_sys::fuzz_target;

static PROVIDER: LazyLock<DynProvider> =
    LazyLock::new(|| calllogs::registry::build("plivo", &Settings::new().without_env()).expect("compiled in"));

fuzz_target!(|data: &[u8]| {
    if let Ok(page) = PROVIDER.decode_page(data) {
        for call in &page.items {
            let _ = serde_json_line(call);
        }
    }
});

fn serde_json_line(call: &calllogs::Call) -> usize {
    calllogs::flat::row(call, true).len()
}
