//! The one error type of the core layer.

use std::time::Duration;

/// Everything that can go wrong talking to a provider.
///
/// Every variant names the provider; HTTP failures carry the status and the
/// provider's own message. No variant ever holds a credential: the HTTP layer
/// strips URLs from transport errors and credentials live in
/// [`secrecy::SecretString`]s that are never formatted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The provider refused the credentials (401/403).
    #[error("{provider}: authentication failed (HTTP {status}): {message}; check {credential}")]
    Auth {
        /// Provider id.
        provider: &'static str,
        /// HTTP status.
        status: u16,
        /// The provider's message.
        message: String,
        /// Which credential to check (`PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN`).
        credential: String,
    },

    /// The provider kept answering 429 after every retry, or asked for a
    /// longer wait than the retry policy allows.
    #[error("{provider}: rate limited (HTTP 429) after {attempts} attempt(s){}", fmt_wait(.retry_after))]
    RateLimited {
        /// Provider id.
        provider: &'static str,
        /// How long the provider asked to wait, where it said.
        retry_after: Option<Duration>,
        /// Requests made.
        attempts: u32,
    },

    /// The query cannot be sent as it is (a range the provider refuses, a
    /// filter it does not have, a page size out of range…).
    #[error("{provider}: bad query: {message}")]
    BadQuery {
        /// Provider id.
        provider: &'static str,
        /// What is wrong.
        message: String,
    },

    /// A setting is missing or wrong (a credential not set, a bad base URL).
    #[error("{provider}: {message}")]
    Config {
        /// Provider id.
        provider: &'static str,
        /// What is missing or wrong, naming the setting or variable.
        message: String,
    },

    /// The provider answered with an error status and a message.
    #[error("{provider}: HTTP {status}: {message}")]
    Provider {
        /// Provider id.
        provider: &'static str,
        /// HTTP status (or the status an envelope reported inside a 200).
        status: u16,
        /// The provider's message.
        message: String,
        /// Requests made.
        attempts: u32,
    },

    /// An error status reported inside a 2xx body (`{"status_code": 503}`,
    /// `{"success": false}`). A provider's decoder returns this; the HTTP
    /// layer retries it and maps it exactly like the same status on the
    /// wire, so callers see [`Error::Auth`], [`Error::RateLimited`] or
    /// [`Error::Provider`].
    #[error("{provider}: HTTP {status} reported in the response body: {message}")]
    Envelope {
        /// Provider id.
        provider: &'static str,
        /// The status the envelope reported.
        status: u16,
        /// The provider's message.
        message: String,
    },

    /// The HTTP client could not be built (TLS setup, system configuration).
    #[error("{provider}: cannot build the HTTP client: {source}")]
    Client {
        /// Provider id.
        provider: &'static str,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },

    /// The request did not complete (connection refused or reset, timeout).
    #[error("{provider}: request to {target} failed after {attempts} attempt(s): {cause}")]
    Transport {
        /// Provider id.
        provider: &'static str,
        /// `host:port` asked (never the path or query, which can hold account ids).
        target: String,
        /// The root cause in words: `connection refused`, `name not resolved`,
        /// `TLS certificate problem: …`, `timed out after 60 s`, `connection reset`.
        cause: String,
        /// The underlying error, without its URL.
        #[source]
        source: reqwest::Error,
        /// Requests made.
        attempts: u32,
    },

    /// The body could not be read as what the provider documents.
    #[error("{provider}: could not decode the response{} at {path}: {message}; body starts {snippet:?}", fmt_status(.status))]
    Decode {
        /// Provider id.
        provider: &'static str,
        /// HTTP status, when the body came over HTTP.
        status: Option<u16>,
        /// Where in the JSON it failed (`objects[3].call_uuid`, `.` for the top).
        path: String,
        /// What failed.
        message: String,
        /// The first bytes of the body.
        snippet: String,
        /// serde's own error, where the body was JSON that did not fit.
        #[source]
        source: Option<serde_json::Error>,
    },

    /// The body was larger than the configured limit.
    #[error(
        "{provider}: response body larger than the limit of {limit} bytes (HTTP {status}); refused"
    )]
    TooLarge {
        /// Provider id.
        provider: &'static str,
        /// HTTP status.
        status: u16,
        /// The limit in bytes.
        limit: usize,
    },

    /// Paging went wrong: a cursor came back twice (which would loop forever).
    #[error("{provider}: paging error: {message}")]
    Paging {
        /// Provider id.
        provider: &'static str,
        /// What happened.
        message: String,
    },
}

fn fmt_wait(wait: &Option<Duration>) -> String {
    wait.map(|w| format!("; the provider asked to wait {:.1}s", w.as_secs_f64()))
        .unwrap_or_default()
}

fn fmt_status(status: &Option<u16>) -> String {
    status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
}

impl Error {
    /// The provider the error came from.
    pub fn provider(&self) -> &'static str {
        match self {
            Error::Auth { provider, .. }
            | Error::RateLimited { provider, .. }
            | Error::BadQuery { provider, .. }
            | Error::Config { provider, .. }
            | Error::Provider { provider, .. }
            | Error::Transport { provider, .. }
            | Error::Decode { provider, .. }
            | Error::TooLarge { provider, .. }
            | Error::Paging { provider, .. }
            | Error::Envelope { provider, .. }
            | Error::Client { provider, .. } => provider,
        }
    }

    /// The HTTP status, where the error came with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Auth { status, .. }
            | Error::Provider { status, .. }
            | Error::Envelope { status, .. }
            | Error::TooLarge { status, .. } => Some(*status),
            Error::RateLimited { .. } => Some(429),
            Error::Decode { status, .. } => *status,
            _ => None,
        }
    }

    /// Whether the caller's input is at fault (a bad query or setting): the
    /// CLI exits 2 for these.
    pub fn is_usage(&self) -> bool {
        matches!(self, Error::BadQuery { .. } | Error::Config { .. })
    }

    /// The error with every occurrence of `secrets` in the text that came
    /// from the provider (messages, body snippets) replaced by `[redacted]`:
    /// an API may echo a credential (Plivo puts the auth id in its `next`
    /// links), and that text is printed.
    pub fn redact(mut self, secrets: &[secrecy::SecretString]) -> Self {
        use secrecy::ExposeSecret;
        let scrub = |text: &mut String| {
            for s in secrets {
                let s = s.expose_secret();
                // A value this short would blank ordinary words.
                if s.len() >= 6 && text.contains(s) {
                    *text = text.replace(s, "[redacted]");
                }
            }
        };
        match &mut self {
            Error::Auth { message, .. }
            | Error::BadQuery { message, .. }
            | Error::Config { message, .. }
            | Error::Provider { message, .. }
            | Error::Envelope { message, .. }
            | Error::Paging { message, .. } => scrub(message),
            Error::Decode {
                message, snippet, ..
            } => {
                scrub(message);
                scrub(snippet);
            }
            _ => {}
        }
        self
    }

    /// A decode error for a body that is not what was expected.
    pub fn decode(
        provider: &'static str,
        status: Option<u16>,
        body: &[u8],
        err: DecodeFailure,
    ) -> Self {
        Error::Decode {
            provider,
            status,
            path: err.path,
            message: err.message,
            snippet: snippet(body),
            source: err.source,
        }
    }
}

/// Where and why a body failed to decode (see [`crate::http::decode_json`]).
#[derive(Debug)]
pub struct DecodeFailure {
    /// JSON path.
    pub path: String,
    /// serde's message.
    pub message: String,
    /// serde's error itself, kept as the source of the decode error.
    pub source: Option<serde_json::Error>,
}

/// The first 120 characters of a body, for error messages.
pub fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(480)]);
    let mut s: String = text.chars().take(120).collect();
    if text.chars().count() > 120 || body.len() > 480 {
        s.push('…');
    }
    s
}

/// Result with the core error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_cuts_credentials_out_of_provider_text() {
        let secrets = [
            secrecy::SecretString::from("MAABCDEFGHIJ0123"),
            secrecy::SecretString::from("ab"),
        ];
        let e = Error::Decode {
            provider: "plivo",
            status: Some(200),
            path: ".".into(),
            message: "bad".into(),
            snippet: r#"{"next":"/v1/Account/MAABCDEFGHIJ0123/Call/?offset=20"}"#.into(),
            source: None,
        }
        .redact(&secrets);
        let text = e.to_string();
        assert!(!text.contains("MAABCDEFGHIJ0123"), "{text}");
        assert!(text.contains("/v1/Account/[redacted]/Call/"), "{text}");
        // Too short to cut without blanking words: left alone.
        assert!(text.contains("bad"));
    }
}
