//! Lenient parsers for the shapes providers send: timestamps in several
//! forms, `HH:MM:SS` durations, phone numbers, and fields that are a number
//! one day and a string the next. Every parser returns `None` for what it
//! cannot read; none of them panics.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde_json::Value;

/// Reads a timestamp as providers write them, into UTC:
///
/// - RFC 3339 / ISO 8601 with an offset (`2026-04-20T06:59:42.449948+00:00`, `…Z`);
/// - Plivo's `2022-10-12 21:57:40+05:30` (space instead of `T`, `+HH:MM` or `+HHMM`);
/// - the same without an offset, read as UTC;
/// - a bare date (`2025-08-01`), midnight UTC;
/// - epoch seconds as text (`1747839084`).
///
/// ```
/// use calllogs_core::parse::timestamp;
/// let t = timestamp("2022-10-12 21:57:40+05:30").unwrap();
/// assert_eq!(t.to_rfc3339(), "2022-10-12T16:27:40+00:00");
/// assert_eq!(timestamp("2022-10-12T16:27:40").unwrap(), t);
/// assert!(timestamp("0000-00-00 00:00:00").is_none());
/// let rfc2822 = timestamp("Tue, 31 Aug 2010 20:36:28 +0000").unwrap();
/// assert_eq!(rfc2822.to_rfc3339(), "2010-08-31T20:36:28+00:00");
/// ```
pub fn timestamp(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<i64>().ok().and_then(epoch_seconds);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    // RFC 2822, as Twilio writes every time: `Tue, 31 Aug 2010 20:36:28 +0000`,
    // the weekday optional (`31 Aug 2010 20:36:28 +0000`): a month's name.
    if s.bytes().any(|b| b.is_ascii_alphabetic())
        && let Ok(t) = DateTime::parse_from_rfc2822(s)
    {
        return Some(t.with_timezone(&Utc));
    }
    let with_t = s.replacen(' ', "T", 1);
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%.f%#z",
        "%Y-%m-%dT%H:%M%:z",
    ] {
        if let Ok(t) = DateTime::<FixedOffset>::parse_from_str(&with_t, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    let naive = with_t.trim_end_matches('Z');
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(naive, fmt) {
            return Some(Utc.from_utc_datetime(&t));
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Utc.from_utc_datetime(&t))
}

/// An amount exactly as the JSON wrote it: a number's own text (`0.050`
/// stays `0.050`, nothing rounds through a float), or a string holding a
/// number; an exponent is written out (`1.5e-05` is `0.000015`, see
/// [`plain_decimal`]); `None` for anything else.
///
/// ```
/// use calllogs_core::parse::decimal_text;
/// let raw = |s: &str| serde_json::value::RawValue::from_string(s.to_string()).unwrap();
/// assert_eq!(decimal_text(&raw("0.050")).as_deref(), Some("0.050"));
/// assert_eq!(decimal_text(&raw(r#"" 1.25e-2 ""#)).as_deref(), Some("0.0125"));
/// assert_eq!(decimal_text(&raw("1.5e-05")).as_deref(), Some("0.000015"));
/// assert_eq!(decimal_text(&raw("true")), None);
/// assert_eq!(decimal_text(&raw(r#""free""#)), None);
/// ```
pub fn decimal_text(v: &serde_json::value::RawValue) -> Option<String> {
    let text = v.get().trim();
    let amount = if text.starts_with('"') {
        serde_json::from_str::<String>(text)
            .ok()?
            .trim()
            .to_string()
    } else {
        text.to_string()
    };
    // The common case, a number without an exponent, is kept as it came
    // (no copy); only an exponent is written out.
    match number_parts(&amount)? {
        (_, _, _, None) if !amount.starts_with('+') => Some(amount),
        _ => plain_decimal(&amount),
    }
}

/// A decimal number's text without an exponent, exactly: `1.5e-05` is
/// `0.000015`, `2E3` is `2000`; a number without one is kept as written
/// (`0.050`, trailing zeros and all). `None` for anything that is not a
/// number, or whose exponent would make it absurdly long.
///
/// ```
/// use calllogs_core::parse::plain_decimal;
/// assert_eq!(plain_decimal("1.5e-05").as_deref(), Some("0.000015"));
/// assert_eq!(plain_decimal("-2.50E2").as_deref(), Some("-250"));
/// assert_eq!(plain_decimal("0.050").as_deref(), Some("0.050"));
/// assert_eq!(plain_decimal("1e999999"), None);
/// assert_eq!(plain_decimal("1-2"), None);
/// ```
pub fn plain_decimal(text: &str) -> Option<String> {
    let (sign, int, frac, exponent) = number_parts(text)?;
    let Some(exponent) = exponent else {
        return Some(format!("{sign}{}", text.trim_start_matches(['+', '-'])));
    };
    // Costs are small: a longer expansion than this is not a price.
    if !(-60..=60).contains(&exponent) {
        return None;
    }
    let digits = format!("{int}{frac}");
    let point = int.len() as i32 + exponent;
    let (whole, fraction) = if point <= 0 {
        (
            "0".to_string(),
            format!("{}{digits}", "0".repeat(point.unsigned_abs() as usize)),
        )
    } else if point as usize >= digits.len() {
        (
            format!("{digits}{}", "0".repeat(point as usize - digits.len())),
            String::new(),
        )
    } else {
        (
            digits[..point as usize].to_string(),
            digits[point as usize..].to_string(),
        )
    };
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    Some(if fraction.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{fraction}")
    })
}

/// A decimal's text moved `places` places to the left, exactly (cents to
/// dollars: 2); `None` when `text` is not a decimal.
///
/// ```
/// use calllogs_core::parse::decimal_scaled_down;
/// assert_eq!(decimal_scaled_down("12.5", 2).as_deref(), Some("0.125"));
/// assert_eq!(decimal_scaled_down("7", 2).as_deref(), Some("0.07"));
/// assert_eq!(decimal_scaled_down("1.5e1", 2).as_deref(), Some("0.15"));
/// assert_eq!(decimal_scaled_down("-250", 2).as_deref(), Some("-2.50"));
/// assert_eq!(decimal_scaled_down("cents", 2), None);
/// ```
pub fn decimal_scaled_down(text: &str, places: i32) -> Option<String> {
    let (sign, int, frac, exponent) = number_parts(text.trim())?;
    plain_decimal(&format!(
        "{sign}{int}.{frac}e{}",
        exponent.unwrap_or(0) - places
    ))
}

/// Whether `word` is a call status that is not an end: the call is still
/// queued, ringing, in progress (any provider's spelling). Such words are
/// not hangup reasons.
///
/// ```
/// use calllogs_core::parse::is_pending_status;
/// assert!(is_pending_status("In-Progress"));
/// assert!(is_pending_status("ringing"));
/// assert!(!is_pending_status("completed"));
/// ```
pub fn is_pending_status(word: &str) -> bool {
    crate::taxonomy::with_key(word, |k| {
        matches!(
            k,
            "queued"
                | "ringing"
                | "in progress"
                | "initiated"
                | "scheduled"
                | "forwarding"
                | "active"
                | "registered"
                | "ongoing"
        )
    })
}

/// A decimal number's sign (`-` or none), integer and fraction digits and
/// exponent; `None` when `text` is not one.
fn number_parts(text: &str) -> Option<(&str, &str, &str, Option<i32>)> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'-' => ("-", &text[1..]),
        b'+' => ("", &text[1..]),
        _ => ("", text),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], Some(rest[i + 1..].parse::<i32>().ok()?)),
        None => (rest, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits_only(int) || !digits_only(frac) {
        return None;
    }
    Some((sign, int, frac, exponent))
}

/// A span written as a number and a unit: `30s`, `90m`, `24h`, `7d`, `2w`.
///
/// ```
/// use calllogs_core::parse::span;
/// assert_eq!(span("24h"), Some(chrono::Duration::hours(24)));
/// assert_eq!(span("3y"), None);
/// ```
pub fn span(s: &str) -> Option<chrono::Duration> {
    let t = s.trim();
    let unit = t.chars().last().filter(|c| c.is_ascii_alphabetic())?;
    let num = &t[..t.len() - 1];
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = num.parse().ok()?;
    match unit {
        's' => chrono::Duration::try_seconds(n),
        'm' => chrono::Duration::try_minutes(n),
        'h' => chrono::Duration::try_hours(n),
        'd' => chrono::Duration::try_days(n),
        'w' => chrono::Duration::try_weeks(n),
        _ => None,
    }
}

/// Epoch seconds to UTC; `None` outside chrono's range.
pub fn epoch_seconds(secs: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0)
}

/// Reads a duration in seconds from `H:MM:SS`, `HH:MM:SS`, `MM:SS`, more than
/// 24 hours (`25:00:01`), `D days, H:MM:SS` or a plain integer. Minutes and
/// seconds must be below 60; a negative or malformed value is `None`.
///
/// ```
/// use calllogs_core::parse::hms_seconds;
/// assert_eq!(hms_seconds("0:05:25"), Some(325));
/// assert_eq!(hms_seconds("25:00:01"), Some(90001));
/// assert_eq!(hms_seconds("07:30"), Some(450));
/// assert_eq!(hms_seconds("207"), Some(207));
/// assert_eq!(hms_seconds("99:99:99"), None);
/// assert_eq!(hms_seconds("-1"), None);
/// ```
pub fn hms_seconds(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() || s.len() > 32 {
        return None;
    }
    // Python's timedelta prints "1 day, 2:03:04".
    let (days, rest) = match s.split_once(" day") {
        Some((d, rest)) => {
            let rest = rest.trim_start_matches('s').trim_start_matches(',').trim();
            (d.trim().parse::<i64>().ok().filter(|d| *d >= 0)?, rest)
        }
        None => (0, s),
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let num = |p: &str| -> Option<i64> {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 12 {
            return None;
        }
        p.parse().ok()
    };
    // Fractional seconds (`0:00:05.500000`) are cut to whole seconds.
    let secs_part = |p: &str| num(p.split_once('.').map_or(p, |(whole, _)| whole));
    let secs = match parts.as_slice() {
        [s] => secs_part(s)?,
        [m, s] => {
            let (m, s) = (num(m)?, secs_part(s)?);
            if s >= 60 {
                return None;
            }
            m.checked_mul(60)?.checked_add(s)?
        }
        [h, m, s] => {
            let (h, m, s) = (num(h)?, num(m)?, secs_part(s)?);
            if m >= 60 || s >= 60 {
                return None;
            }
            h.checked_mul(3600)?.checked_add(m * 60 + s)?
        }
        _ => return None,
    };
    days.checked_mul(86_400)?.checked_add(secs)
}

/// A phone number in E.164 where the digits allow: `14153268174` and
/// `+1 (415) 326-8174` become `+14153268174`. SIP URIs, addresses with `@`,
/// and anything that is not a phone number are kept as given; an empty
/// string is `None`.
///
/// ```
/// use calllogs_core::parse::e164;
/// assert_eq!(e164("14153268174").as_deref(), Some("+14153268174"));
/// assert_eq!(e164("+1 (415) 326-8174").as_deref(), Some("+14153268174"));
/// assert_eq!(e164("sip:alice@example.invalid").as_deref(), Some("sip:alice@example.invalid"));
/// assert_eq!(e164("anonymous").as_deref(), Some("anonymous"));
/// ```
pub fn e164(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    let sip = t
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("sip:") || p.eq_ignore_ascii_case("sips"));
    if sip || t.contains('@') {
        return Some(t.to_string());
    }
    let body = t.strip_prefix('+').unwrap_or(t);
    let only_phone_chars = body
        .bytes()
        .all(|c| c.is_ascii_digit() || b" -().".contains(&c));
    let digits = body.bytes().filter(u8::is_ascii_digit).count();
    // E.164 numbers are at most 15 digits; very short ones are extensions or
    // short codes and are left alone.
    if only_phone_chars && (8..=15).contains(&digits) {
        let mut out = String::with_capacity(digits + 1);
        out.push('+');
        out.extend(body.chars().filter(char::is_ascii_digit));
        Some(out)
    } else {
        Some(t.to_string())
    }
}

/// As [`e164`], for providers whose records write North American numbers
/// without their country code: ten digits without a `+`, the first 2-9
/// (a NANP area code), are `+1` and those digits; anything else as
/// [`e164`] reads it.
///
/// ```
/// use calllogs_core::parse::e164_nanp;
/// assert_eq!(e164_nanp("5555550177").as_deref(), Some("+15555550177"));
/// assert_eq!(e164_nanp("(555) 555-0177").as_deref(), Some("+15555550177"));
/// assert_eq!(e164_nanp("+15555550177").as_deref(), Some("+15555550177"));
/// assert_eq!(e164_nanp("+445555550177").as_deref(), Some("+445555550177"));
/// assert_eq!(e164_nanp("0555550177").as_deref(), Some("+0555550177"));
/// ```
pub fn e164_nanp(s: &str) -> Option<String> {
    let t = s.trim();
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    let phone_like = t
        .bytes()
        .all(|c| c.is_ascii_digit() || b" -().".contains(&c));
    if phone_like && digits.len() == 10 && matches!(digits.as_bytes()[0], b'2'..=b'9') {
        return Some(format!("+1{digits}"));
    }
    e164(t)
}

/// `s` trimmed and in lower case, borrowed when it already is (as most
/// provider words are), so matching on it costs no allocation.
pub fn lower(s: &str) -> std::borrow::Cow<'_, str> {
    let t = s.trim();
    if t.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(t.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(t)
    }
}

/// Whether `haystack` contains `needle` (ASCII, any case), without allocating.
pub fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    !n.is_empty() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// E.164 from a country code and a national number (`"1"`, `"5555550100"`).
pub fn e164_parts(country_code: &str, national: &str) -> Option<String> {
    let cc: String = country_code.chars().filter(char::is_ascii_digit).collect();
    let nat: String = national.chars().filter(char::is_ascii_digit).collect();
    if nat.is_empty() {
        return None;
    }
    e164(&format!("+{cc}{nat}"))
}

/// Writes a JSON scalar as text: strings as they are, numbers exactly as the
/// JSON wrote them, booleans as `true`/`false`; `null`, arrays and objects
/// are `None`.
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A provider's analysis as the call's `analysis`: an object as it is,
/// `null` as none, and any other value (a bare summary string, a number)
/// kept whole under `value`, so the field is always an object and the
/// engines can type it as JSON rather than as text.
pub fn analysis(v: Option<&Value>) -> Option<Value> {
    match v? {
        Value::Null => None,
        Value::Object(_) => v.cloned(),
        other => Some(serde_json::json!({ "value": other })),
    }
}

/// An integer from a JSON number (whole, or a float with no fraction) or a
/// numeric string; `None` for anything else.
pub fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_analysis_is_always_an_object() {
        let o = serde_json::json!({"summary": "s"});
        assert_eq!(analysis(Some(&o)), Some(o.clone()));
        assert_eq!(analysis(Some(&Value::Null)), None);
        assert_eq!(analysis(None), None);
        assert_eq!(
            analysis(Some(&serde_json::json!("done"))),
            Some(serde_json::json!({"value": "done"}))
        );
        assert_eq!(
            analysis(Some(&serde_json::json!([1]))),
            Some(serde_json::json!({"value": [1]}))
        );
    }

    #[test]
    fn timestamps_in_every_form() {
        let want = "2026-04-20T06:59:42Z";
        for s in [
            "2026-04-20T06:59:42Z",
            "2026-04-20T06:59:42+00:00",
            "2026-04-20 12:29:42+05:30",
            "2026-04-20 12:29:42+0530",
            "2026-04-20 01:59:42-05:00",
            "2026-04-20 06:59:42",
            "2026-04-20T06:59:42",
            "1776668382",
            // RFC 2822, with and without the weekday.
            "Mon, 20 Apr 2026 06:59:42 +0000",
            "20 Apr 2026 06:59:42 +0000",
            "20 Apr 2026 08:59:42 +0200",
        ] {
            let t = timestamp(s).unwrap_or_else(|| panic!("{s}"));
            assert_eq!(
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                want,
                "{s}"
            );
        }
        let frac = timestamp("2026-04-20T06:59:42.449948+00:00").unwrap();
        assert_eq!(frac.timestamp_subsec_micros(), 449_948);
        assert_eq!(
            timestamp("2025-08-01").unwrap().to_rfc3339(),
            "2025-08-01T00:00:00+00:00"
        );
        for bad in [
            "",
            "0000-00-00 00:00:00",
            "yesterday",
            "2026-13-01",
            "99999999999999999999",
        ] {
            assert!(timestamp(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(hms_seconds("00:00:00"), Some(0));
        assert_eq!(hms_seconds("0:03:27"), Some(207));
        assert_eq!(hms_seconds("1 day, 1:00:01"), Some(90001));
        assert_eq!(hms_seconds("0:00:05.5"), Some(5));
        for bad in [
            "", "abc", "1:2:3:4", "00:60:00", "-1", "1:-1:00", "::", "1e3",
        ] {
            assert_eq!(hms_seconds(bad), None, "{bad}");
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(e164("5551234").as_deref(), Some("5551234"));
        assert_eq!(e164("  ").as_deref(), None);
        assert_eq!(
            e164_parts("1", "555-555-0100").as_deref(),
            Some("+15555550100")
        );
        assert_eq!(e164_parts("44", "").as_deref(), None);
    }

    #[test]
    fn ints_and_scalars() {
        assert_eq!(int(&serde_json::json!(5)), Some(5));
        assert_eq!(int(&serde_json::json!(5.0)), Some(5));
        assert_eq!(int(&serde_json::json!(5.5)), None);
        assert_eq!(int(&serde_json::json!(" 12 ")), Some(12));
        assert_eq!(int(&serde_json::json!(null)), None);
        assert_eq!(
            scalar_text(&serde_json::json!(0.01667)).as_deref(),
            Some("0.01667")
        );
    }
}

/// Lenient field deserializers for provider raw structs: they never fail,
/// so one oddly typed field never loses a record, and they build no
/// `serde_json::Value` on the way. Use with
/// `#[serde(default, deserialize_with = "calllogs_core::parse::de::string")]`
/// on structs deserialized from JSON text (`serde_json::from_str`).
pub mod de {
    use std::borrow::Cow;
    use std::fmt;

    use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde::{Deserialize, Deserializer};
    use serde_json::value::RawValue;

    /// The `visit_*` methods of a lenient visitor for the JSON kinds it does
    /// not want: each gives `$empty`.
    macro_rules! otherwise {
        ($empty:expr) => {
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok($empty)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok($empty)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok($empty)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok($empty)
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok($empty)
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok($empty)
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok($empty)
            }
        };
    }

    /// Any JSON value, seen as a scalar: nested arrays and objects are
    /// skipped without being built.
    #[derive(Debug)]
    pub enum Scalar<'a> {
        /// A string.
        Str(Cow<'a, str>),
        /// A negative integer.
        I64(i64),
        /// A non-negative integer.
        U64(u64),
        /// A float.
        F64(f64),
        /// A boolean.
        Bool(bool),
        /// `null`.
        Null,
        /// An array or object.
        Other,
    }

    impl<'de> Deserialize<'de> for Scalar<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Scalar<'de>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("any JSON value")
                }
                fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                    Ok(Scalar::Str(Cow::Borrowed(v)))
                }
                fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                    Ok(Scalar::Str(Cow::Owned(v.to_string())))
                }
                fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                    Ok(Scalar::Str(Cow::Owned(v)))
                }
                fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                    Ok(if v >= 0 {
                        Scalar::U64(v as u64)
                    } else {
                        Scalar::I64(v)
                    })
                }
                fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                    Ok(Scalar::U64(v))
                }
                fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                    Ok(Scalar::F64(v))
                }
                fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                    Ok(Scalar::Bool(v))
                }
                fn visit_unit<E>(self) -> Result<Self::Value, E> {
                    Ok(Scalar::Null)
                }
                fn visit_none<E>(self) -> Result<Self::Value, E> {
                    Ok(Scalar::Null)
                }
                fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                    Scalar::deserialize(d)
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(Scalar::Other)
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                    Ok(Scalar::Other)
                }
            }
            d.deserialize_any(V)
        }
    }

    impl Scalar<'_> {
        /// As text: strings as they are (empty is `None`), numbers and
        /// booleans written out.
        pub fn text(self) -> Option<String> {
            match self {
                Scalar::Str(s) if s.is_empty() => None,
                Scalar::Str(s) => Some(s.into_owned()),
                Scalar::I64(n) => Some(n.to_string()),
                Scalar::U64(n) => Some(n.to_string()),
                Scalar::F64(n) => Some(n.to_string()),
                Scalar::Bool(b) => Some(b.to_string()),
                Scalar::Null | Scalar::Other => None,
            }
        }
        /// As an integer: whole numbers and numeric strings.
        pub fn int(&self) -> Option<i64> {
            match self {
                Scalar::I64(n) => Some(*n),
                Scalar::U64(n) => i64::try_from(*n).ok(),
                Scalar::F64(f) => (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(*f as i64),
                Scalar::Str(s) => s.trim().parse().ok(),
                _ => None,
            }
        }
    }

    /// A string, number or boolean as text; anything else `None`. Empty
    /// strings are `None`.
    pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(Scalar::deserialize(d)?.text())
    }

    /// An integer from a number or a numeric string; anything else `None`.
    pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        Ok(Scalar::deserialize(d)?.int())
    }

    /// A boolean from `true`/`false`, `1`/`0` or their text; anything else `None`.
    pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        Ok(match Scalar::deserialize(d)? {
            Scalar::Bool(b) => Some(b),
            Scalar::U64(n) => Some(n != 0),
            Scalar::I64(n) => Some(n != 0),
            Scalar::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Some(true),
                "false" | "0" | "no" => Some(false),
                _ => None,
            },
            _ => None,
        })
    }

    /// A timestamp in any form [`super::timestamp`] reads, or epoch seconds
    /// as a number; anything else `None`.
    pub fn timestamp<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>, D::Error> {
        Ok(match Scalar::deserialize(d)? {
            Scalar::Str(s) => super::timestamp(&s),
            n @ (Scalar::U64(_) | Scalar::I64(_)) => n.int().and_then(super::epoch_seconds),
            _ => None,
        })
    }

    /// A `T` when the value is an object, else `None`, read in the same
    /// pass (for nested objects whose fields are all lenient).
    pub struct Maybe<T>(pub Option<T>);

    impl<'de, T: Deserialize<'de>> Deserialize<'de> for Maybe<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V<T>(std::marker::PhantomData<T>);
            impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
                type Value = Maybe<T>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                    T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                        .map(|t| Maybe(Some(t)))
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(Maybe(None))
                }
                fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                    Maybe::deserialize(d)
                }
                otherwise!(Maybe(None));
            }
            d.deserialize_any(V(std::marker::PhantomData))
        }
    }

    /// A `T` if the value is an object, else `None`. `T`'s own fields must
    /// be lenient (these helpers), so reading it cannot fail.
    pub fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        Ok(Maybe::<T>::deserialize(d)?.0)
    }

    /// The objects of an array as `T`s, skipping elements that are not
    /// objects; anything but an array is empty.
    pub fn vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Vec<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(Maybe(item)) = seq.next_element::<Maybe<T>>()? {
                    out.extend(item);
                }
                Ok(out)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Vec::new())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(self)
            }
            otherwise!(Vec::new());
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }

    /// The strings, numbers and booleans of an array, as text; anything
    /// else is skipped (for tag lists).
    pub fn texts<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Vec<String>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<Scalar<'de>>()? {
                    out.extend(s.text());
                }
                Ok(out)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Vec::new())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(self)
            }
            otherwise!(Vec::new());
        }
        d.deserialize_any(V)
    }

    /// The records of a page, borrowed as JSON text, in one pass: an array's
    /// elements, or `None` for `null`. Anything else (an object, a string,
    /// a number) is an error: lenient inside a record, strict about the
    /// envelope, since a page whose records are not an array is not a page.
    /// Declare the field `#[serde(default, borrow, deserialize_with =
    /// "de::records")] Option<Vec<&RawValue>>` and require it with
    /// [`crate::page::require_records`] once the envelope's own status is checked.
    pub fn records<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Vec<&'de RawValue>>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<Vec<&'de RawValue>>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of records")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(r) = seq.next_element::<&'de RawValue>()? {
                    out.push(r);
                }
                Ok(Some(out))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(V)
            }
        }
        d.deserialize_any(V)
    }

    /// Any value kept as JSON text (for fields read later, or kept whole).
    pub fn raw<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
        let raw = <&RawValue>::deserialize(d)?;
        Ok((raw.get() != "null").then_some(raw))
    }
}

/// Parses one record of a page into `T` (a provider's raw struct), or says
/// why not: a record that is not a JSON object, or not readable at all.
pub fn record<'a, T: serde::Deserialize<'a>>(
    raw: &'a serde_json::value::RawValue,
) -> Result<T, String> {
    if !raw.get().starts_with('{') {
        return Err("a call record is not a JSON object".into());
    }
    serde_json::from_str(raw.get()).map_err(|e| format!("unreadable record: {e}"))
}
