//! Timestamps in every accepted form on arbitrary text: no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = calllogs::parse::timestamp(s);
        let _ = calllogs::parse::e164(s);
        let _ = calllogs::Hangup::resolve(Some(s), Some(s));
    }
});
