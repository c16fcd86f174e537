//! Property tests of core parsing: nothing panics, whatever the text.

use calllogs_core::parse::{e164, hms_seconds, timestamp};
use calllogs_core::{Hangup, HangupCause, HangupSource};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn timestamps_never_panic(s in ".{0,60}", digits in "[0-9 :T+.-]{0,40}") {
        let _ = timestamp(&s);
        if let Some(t) = timestamp(&digits) {
            prop_assert!(t.timestamp() > -62_000_000_000_000);
        }
    }

    #[test]
    fn durations_are_never_negative(s in ".{0,30}", hms in "[0-9]{0,12}(:[0-9]{0,3}){0,3}") {
        let _ = hms_seconds(&s);
        if let Some(d) = hms_seconds(&hms) {
            prop_assert!(d >= 0);
        }
    }

    #[test]
    fn numbers_never_panic_and_e164_is_plus_digits(s in ".{0,40}", phone in "\\+?[0-9 ()-]{0,20}") {
        let _ = e164(&s);
        if let Some(n) = e164(&phone) {
            let digits = phone.chars().filter(char::is_ascii_digit).count();
            if (8..=15).contains(&digits) {
                prop_assert!(n.starts_with('+') && n[1..].chars().all(|c| c.is_ascii_digit()), "{n}");
            }
        }
    }

    #[test]
    fn any_reason_resolves_or_is_other_with_the_words_kept(code in ".{0,8}", reason in ".{1,60}") {
        if let Some(h) = Hangup::resolve(Some(&code), Some(&reason)) {
            prop_assert_eq!(h.category, h.cause.category());
            if !reason.trim().is_empty() {
                prop_assert_eq!(h.provider_reason.as_deref(), Some(reason.as_str()));
            }
        }
        let _ = HangupCause::from(reason.as_str());
        let _ = HangupSource::parse_loose(&reason);
    }
}

#[test]
fn odd_timestamps_and_durations() {
    for s in [
        "0000-00-00 00:00:00",
        "2026-02-30 10:00:00",
        "+275760-09-13T00:00:00Z",
        "-0001-01-01T00:00:00Z",
        "1e400",
        "99999999999999999999",
    ] {
        let _ = timestamp(s);
    }
    assert!(timestamp("0000-00-00 00:00:00").is_none());
    assert_eq!(
        timestamp("2026-04-20T06:59:42.449948")
            .unwrap()
            .timestamp_subsec_micros(),
        449_948
    );
    assert_eq!(
        timestamp("9999-12-31T23:59:59Z").unwrap().timestamp(),
        253_402_300_799
    );
    for s in [
        "-1",
        "99:99:99",
        "1:60:00",
        "::",
        "99999999999999999999:00:00",
    ] {
        assert_eq!(hms_seconds(s), None, "{s}");
    }
}
