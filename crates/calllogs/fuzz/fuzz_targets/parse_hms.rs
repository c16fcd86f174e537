//! `H:MM:SS` durations on arbitrary text: no panic, never negative.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data)
        && let Some(d) = calllogs::parse::hms_seconds(s)
    {
        assert!(d >= 0);
    }
});
