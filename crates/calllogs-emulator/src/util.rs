//! What every emulated API needs: demo credentials, time filters, paging.

use calllogs_core::parse::timestamp;
use chrono::{DateTime, Utc};

const ALNUM: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";

/// A Plivo-looking auth id: 20 characters starting with `MA`.
pub fn demo_auth_id(seed: u64) -> String {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0xA17D);
    let tail: String = (0..18)
        .map(|_| ALNUM[rng.usize(0..ALNUM.len())] as char)
        .collect();
    format!("MA{tail}")
}

/// A token-looking demo secret of `len` characters.
pub fn demo_secret(prefix: &str, seed: u64, len: usize) -> String {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x5EC2E7 ^ len as u64);
    let chars = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let tail: String = (0..len.saturating_sub(prefix.len()))
        .map(|_| chars[rng.usize(0..chars.len())] as char)
        .collect();
    format!("{prefix}{tail}")
}

/// Reads a time filter value; `Err` with a message when it is not a time.
pub fn time_param(name: &str, v: Option<&str>) -> Result<Option<DateTime<Utc>>, String> {
    match v {
        None => Ok(None),
        Some(s) => timestamp(s)
            .map(Some)
            .ok_or_else(|| format!("{name}: {s:?} is not a valid time")),
    }
}

/// Bounds on a time: `gte`/`gt` below, `lte`/`lt` above, or `eq`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Range {
    /// At or after.
    pub gte: Option<DateTime<Utc>>,
    /// After.
    pub gt: Option<DateTime<Utc>>,
    /// At or before.
    pub lte: Option<DateTime<Utc>>,
    /// Before.
    pub lt: Option<DateTime<Utc>>,
    /// Exactly.
    pub eq: Option<DateTime<Utc>>,
}

/// Digits of a number (for prefix filters).
pub fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Parses a positive integer parameter within `lo..=hi`, with a default.
pub fn int_param(
    name: &str,
    v: Option<&str>,
    default: u64,
    lo: u64,
    hi: u64,
) -> Result<u64, String> {
    match v {
        None => Ok(default),
        Some(s) => match s.trim().parse::<u64>() {
            Ok(n) if (lo..=hi).contains(&n) => Ok(n),
            _ => Err(format!(
                "{name} must be an integer from {lo} to {hi}, got {s:?}"
            )),
        },
    }
}

/// The query string of `params` (for `next` links).
pub fn query_string(params: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter())
        .finish()
}

/// `params` with `key` set to `value`.
pub fn with_param(params: &[(String, String)], key: &str, value: String) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = params.iter().filter(|(k, _)| k != key).cloned().collect();
    out.push((key.to_string(), value));
    out
}

/// Standard base64 (for checking HTTP basic auth).
pub fn base64(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Where a page body keeps its records: the object holding the array and
/// its key, at the top or one level down (`objects`, `data.calls`, `data`);
/// an array of objects is preferred over another array.
pub fn records_key(
    body: &mut serde_json::Value,
) -> Option<(&mut serde_json::Map<String, serde_json::Value>, String)> {
    use serde_json::Value;
    fn find(obj: &serde_json::Map<String, Value>) -> Option<String> {
        let arrays = || obj.iter().filter(|(_, v)| v.is_array());
        arrays()
            .find(|(_, v)| v.as_array().is_some_and(|a| a.iter().any(Value::is_object)))
            .or_else(|| arrays().next())
            .map(|(k, _)| k.clone())
    }
    let top = body.as_object_mut()?;
    if let Some(key) = find(top) {
        return Some((top, key));
    }
    let inner = top
        .iter()
        .find(|(_, v)| v.as_object().is_some_and(|o| find(o).is_some()))
        .map(|(k, _)| k.clone())?;
    let obj = top.get_mut(&inner)?.as_object_mut()?;
    let key = find(obj)?;
    Some((obj, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn demo_ids_look_real_and_are_stable() {
        let id = demo_auth_id(7);
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("MA"));
        assert_eq!(id, demo_auth_id(7));
        assert_ne!(id, demo_auth_id(8));
    }
}
