//! Every compiled-in provider's normalizer on arbitrary bytes: the first
//! byte picks the provider (from the registry, so a new provider is fuzzed
//! with no new target), the rest is a response body, and also one record.
//! No panic, no hang; whatever decodes serializes.
#![no_main]

use std::sync::LazyLock;

use calllogs::{DynProvider, Settings};
use libfuzzer_sys::fuzz_target;

static PROVIDERS: LazyLock<Vec<DynProvider>> = LazyLock::new(|| {
    calllogs::registry::providers()
        .iter()
        .map(|info| (info.build)(&Settings::new().without_env()).expect("builds offline"))
        .collect()
});

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let provider = &PROVIDERS[usize::from(pick) % PROVIDERS.len()];
    if let Ok(page) = provider.decode_page(body) {
        for call in &page.items {
            let _ = serde_json::to_string(call);
        }
    }
    if let Ok(text) = std::str::from_utf8(body)
        && let Ok(record) = serde_json::from_str::<Box<serde_json::value::RawValue>>(text)
        && let Ok(call) = provider.decode_record(&record)
    {
        let _ = serde_json::to_string(&call);
    }
});
