//! End-of-call webhooks: the seam a provider's `webhook` module plugs into.
//!
//! A provider pushes an event when a call ends (Twilio's status callback,
//! Plivo's hangup URL, Vapi's end-of-call report, Retell's `call_ended`,
//! Telnyx's `call.hangup`). A provider crate that knows its provider's
//! webhooks gives a [`WebhookInfo`] in its [`crate::ProviderInfo`]: how to
//! verify a delivery ([`WebhookInfo::verify`], before anything is read), how
//! to read it ([`WebhookInfo::parse`], into the same [`Call`] the poller
//! makes: the same id, so both paths meet on one row) and how the provider
//! signs one ([`WebhookInfo::sign`], for emulators and tests). The server
//! (`calllogs-listen`) holds nothing provider-specific.

pub mod crypto;

use chrono::{DateTime, Utc};
use secrecy::SecretString;

use crate::Call;

/// One delivery as received, before it is trusted.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// The URL the provider was given and signed (the account's public
    /// URL), with its query string.
    pub url: &'a str,
    /// The headers, names in lower case.
    pub headers: &'a [(String, String)],
    /// The body, byte for byte.
    pub body: &'a [u8],
    /// The time it arrived (replay windows are measured from it).
    pub now: DateTime<Utc>,
}

impl<'a> Delivery<'a> {
    /// Header `name` (any case), the first if repeated.
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The media type of the body (`application/json`), lower case,
    /// without parameters.
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|c| {
            c.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
    }

    /// The body as JSON; not JSON is [`Unreadable`].
    pub fn json(&self) -> Result<serde_json::Value, Unreadable> {
        serde_json::from_slice(self.body)
            .map_err(|e| Unreadable(format!("the body is not JSON: {e}")))
    }

    /// The body as form fields (`application/x-www-form-urlencoded`), in
    /// order, decoded.
    pub fn form(&self) -> Vec<(String, String)> {
        form_fields(self.body)
    }
}

/// Form fields (`application/x-www-form-urlencoded`), in order, decoded.
pub fn form_fields(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// Form fields encoded (`a=1&b=x%20y`), in the order given.
pub fn form_body(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// Query parameter `name` of `url`, decoded.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// What an account verifies with.
#[derive(Clone, Default)]
pub struct Keys {
    /// The shared secret of the HMAC schemes (Twilio's and Plivo's auth
    /// token, Retell's API key, the secret you gave Vapi).
    pub secret: Option<SecretString>,
    /// The public key (base64) of signature schemes (Telnyx's Ed25519).
    pub public_key: Option<String>,
    /// How far a signed timestamp may be from now (replay window).
    pub tolerance: chrono::Duration,
}

impl std::fmt::Debug for Keys {
    /// Says which keys are present, never their values.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("secret", &self.secret.as_ref().map(|_| "[redacted]"))
            .field("public_key", &self.public_key.as_ref().map(|_| "[set]"))
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

/// The default replay window, as the providers' SDKs set it.
pub const DEFAULT_TOLERANCE: chrono::Duration = chrono::Duration::minutes(5);

/// Why a delivery was refused before it was read. Its text names the header
/// and the reason, never a key or the body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A header the scheme needs is absent.
    #[error("no {0} header")]
    Missing(&'static str),
    /// A header is present but not in the scheme's format.
    #[error("the {header} header is malformed: {why}")]
    Malformed {
        /// The header.
        header: &'static str,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The signature does not match the body, URL and key.
    #[error("the signature does not match")]
    Mismatch,
    /// The signed timestamp is outside the replay window.
    #[error(
        "the signed timestamp is {age_s} s away from now, beyond the {tolerance_s} s tolerance"
    )]
    Stale {
        /// Seconds between the timestamp and now.
        age_s: i64,
        /// The window, seconds.
        tolerance_s: i64,
    },
    /// The account has no key of the kind the scheme needs.
    #[error("the account has no {0} to verify with")]
    NoKey(&'static str),
    /// The body is not of a media type the provider sends.
    #[error("content type {0:?} is not one this provider sends")]
    ContentType(String),
}

impl Refusal {
    /// A short label for counting refusals (`missing`, `mismatch`, `stale`, …).
    pub fn reason(&self) -> &'static str {
        match self {
            Refusal::Missing(_) => "missing",
            Refusal::Malformed { .. } => "malformed",
            Refusal::Mismatch => "mismatch",
            Refusal::Stale { .. } => "stale",
            Refusal::NoKey(_) => "no_key",
            Refusal::ContentType(_) => "content_type",
        }
    }
}

/// One verified event, read.
#[derive(Debug, Clone)]
pub struct Event {
    /// What tells a redelivery of this event apart from another event: the
    /// provider's event id, or the call id with the event type and sequence.
    pub key: String,
    /// The provider's event type (`call.hangup`, `end-of-call-report`,
    /// `completed`).
    pub kind: String,
    /// The call id the event is about, where it names one.
    pub call_id: Option<String>,
    /// The call as the event describes it, for events that end a call (or
    /// add to an ended one, as Retell's `call_analyzed`); `None` for the
    /// others, which are kept but change no call.
    pub call: Option<Call>,
}

/// Why a verified delivery could not be read (answered 400: a retry would
/// not help).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unreadable(pub String);

/// Keys an emulator or a test signs with.
#[derive(Clone, Copy)]
pub enum SigningKey<'a> {
    /// The shared secret of an HMAC scheme.
    Secret(&'a str),
    /// The 32-byte seed of an Ed25519 key.
    Ed25519Seed(&'a [u8; 32]),
}

impl<'a> SigningKey<'a> {
    /// The shared secret, for the HMAC schemes (`None` for a key pair).
    pub fn secret(self) -> Option<&'a str> {
        match self {
            SigningKey::Secret(s) => Some(s),
            SigningKey::Ed25519Seed(_) => None,
        }
    }
}

/// Which key an account's `webhook_secret` defaults to, or which kind it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A shared secret; when `webhook_secret` is not given, the account's
    /// credential of this environment name (the auth token or API key the
    /// provider signs with), if any.
    Secret {
        /// The credential it defaults to.
        default_credential: Option<&'static str>,
    },
    /// A public key (`webhook_public_key`, base64).
    PublicKey,
}

/// How a provider signs `body` sent to `url` at `now` with `key`: the
/// headers it adds (the content type is not among them).
pub type Sign = fn(
    url: &str,
    body: &[u8],
    now: DateTime<Utc>,
    key: SigningKey<'_>,
) -> Vec<(&'static str, String)>;

/// A provider's webhooks: how to verify, read and sign them.
#[derive(Debug, Clone, Copy)]
pub struct WebhookInfo {
    /// The key an account needs.
    pub key: KeyKind,
    /// The media types the provider sends (`application/json`).
    pub content_types: &'static [&'static str],
    /// The events that end a call, as the README lists them.
    pub events: &'static str,
    /// Checks a delivery's signature (and timestamp) against the account's
    /// keys; nothing of the body is read before this passes.
    pub verify: fn(&Delivery<'_>, &Keys) -> Result<(), Refusal>,
    /// Reads a verified delivery.
    pub parse: fn(&Delivery<'_>) -> Result<Event, Unreadable>,
    /// The headers the provider adds to sign `body` sent to `url` at `now`
    /// (for emulators and tests); the content type is not among them.
    pub sign: Sign,
}

impl WebhookInfo {
    /// Verifies the content type, then the signature.
    pub fn check(&self, delivery: &Delivery<'_>, keys: &Keys) -> Result<(), Refusal> {
        let media = delivery.media_type().unwrap_or_default();
        if !self.content_types.contains(&media.as_str()) {
            return Err(Refusal::ContentType(media));
        }
        (self.verify)(delivery, keys)
    }
}

/// The secret of `keys`, or [`Refusal::NoKey`].
pub fn secret(keys: &Keys) -> Result<&str, Refusal> {
    use secrecy::ExposeSecret;
    keys.secret
        .as_ref()
        .map(|s| s.expose_secret())
        .filter(|s| !s.is_empty())
        .ok_or(Refusal::NoKey("webhook secret"))
}

/// `Ok` when a signature `matched`, else [`Refusal::Mismatch`].
pub fn matched(matched: bool) -> Result<(), Refusal> {
    if matched {
        Ok(())
    } else {
        Err(Refusal::Mismatch)
    }
}

/// Checks that `signed` (seconds since the epoch) is within `keys`'s
/// tolerance of `now`.
pub fn fresh(signed_s: i64, now: DateTime<Utc>, keys: &Keys) -> Result<(), Refusal> {
    let age = (now.timestamp() - signed_s).abs();
    let tolerance = keys.tolerance.num_seconds();
    if age > tolerance {
        return Err(Refusal::Stale {
            age_s: age,
            tolerance_s: tolerance,
        });
    }
    Ok(())
}

/// A JSON object of form fields (the first value of each name; a repeated
/// name becomes an array), as a form-encoded event is kept in `raw`.
pub fn form_object(fields: &[(String, String)]) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::Value;
    let mut out = serde_json::Map::new();
    for (k, v) in fields {
        match out.get_mut(k) {
            None => {
                out.insert(k.clone(), Value::String(v.clone()));
            }
            Some(Value::Array(a)) => a.push(Value::String(v.clone())),
            Some(prev) => {
                let first = prev.take();
                *prev = Value::Array(vec![first, Value::String(v.clone())]);
            }
        }
    }
    out
}

/// The call a provider's mapper makes of `record`, with `raw` kept as the
/// event's own object rather than the record rebuilt for the mapper.
pub fn mapped(
    map: fn(&serde_json::value::RawValue) -> Result<Call, String>,
    record: &serde_json::Value,
    raw: &serde_json::Value,
) -> Result<Call, Unreadable> {
    let text = serde_json::value::to_raw_value(record).map_err(|e| Unreadable(e.to_string()))?;
    let mut call = map(&text).map_err(Unreadable)?;
    call.raw = crate::Raw::from_value(raw);
    Ok(call)
}
