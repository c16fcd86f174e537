//! The one HTTP layer every provider uses: a reqwest client with timeouts and
//! a user agent, bounded body reads, retries decided by
//! [`crate::retry::decide`], and errors that carry the provider, the status
//! and the provider's message, never a credential.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderValue, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use crate::error::{DecodeFailure, Error, Result};
use crate::retry::{Decision, Outcome, RetryPolicy, decide, parse_retry_after};

pub use crate::observe::{HttpObserver, HttpStats, Observers, Recorder};

/// Settings of the HTTP layer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct HttpConfig {
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// Largest response body read; a larger one is refused unread.
    pub max_body_bytes: usize,
    /// `User-Agent` sent.
    pub user_agent: String,
    /// Requests per second at most (adapting down on 429s); `None` leaves
    /// the provider's default.
    pub rate_limit: Option<f64>,
    /// Pages in flight at once when a provider's total is known; `None`
    /// leaves the provider's default.
    pub concurrency: Option<usize>,
    /// Told of every request, retry and decoded body of the clients built
    /// with this config: counters for a progress display ([`HttpStats`]),
    /// fixture recording ([`Recorder`]). State of the caller's run, never
    /// of the process.
    pub observers: Observers,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            max_body_bytes: 32 * 1024 * 1024,
            user_agent: concat!("calllogs/", env!("CARGO_PKG_VERSION")).to_string(),
            rate_limit: None,
            concurrency: None,
            observers: Observers::default(),
        }
    }
}

/// A provider's HTTP client. Cheap to clone (reqwest's client is an `Arc`).
#[derive(Clone, Debug)]
pub struct HttpClient {
    client: reqwest::Client,
    provider: &'static str,
    credential: Arc<str>,
    credential_403: Option<Arc<str>>,
    config: Arc<HttpConfig>,
    limiter: Option<Arc<crate::ratelimit::RateLimiter>>,
    /// Values no error may show (see [`HttpClient::redacting`]).
    secrets: Arc<[secrecy::SecretString]>,
    /// The provider's rate-limit headers, where it sends them.
    rate_headers: Option<RateHeaders>,
}

/// The headers in which a provider says how much of its request budget is
/// left and when it resets (Aircall's `X-AircallApi-Remaining` and
/// `X-AircallApi-Reset`, Telnyx's `x-ratelimit-*`): once nothing is left,
/// no request goes before the reset, and a 429 without `Retry-After`
/// waits for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateHeaders {
    /// The header with the requests left in the current window.
    pub remaining: &'static str,
    /// The header with the window's reset.
    pub reset: &'static str,
    /// What the reset header holds.
    pub reset_is: ResetClock,
}

/// How a rate-limit reset header tells the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetClock {
    /// A Unix time in seconds.
    UnixSeconds,
    /// Seconds from now.
    SecondsFromNow,
}

impl RateHeaders {
    /// How long until the budget resets, when the response says none is
    /// left (`None` otherwise, or when the headers are missing or odd).
    pub fn spent_for(
        &self,
        headers: &reqwest::header::HeaderMap,
        now: SystemTime,
    ) -> Option<Duration> {
        let number = |name: &str| -> Option<f64> {
            headers
                .get(name)?
                .to_str()
                .ok()?
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n >= 0.0)
        };
        if number(self.remaining)? >= 1.0 {
            return None;
        }
        let reset = number(self.reset)?;
        let wait = match self.reset_is {
            ResetClock::SecondsFromNow => reset,
            ResetClock::UnixSeconds => {
                let now = now
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .ok()?
                    .as_secs_f64();
                (reset - now).max(0.0)
            }
        };
        // A reset further than the longest wait honoured is not believed.
        (wait <= 3_600.0).then(|| Duration::from_secs_f64(wait))
    }
}

impl HttpClient {
    /// A client for `provider`; `credential` names what to check on a 401/403
    /// (`PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN`).
    pub fn new(provider: &'static str, credential: &str, config: HttpConfig) -> Result<Self> {
        // A redirect to another host would carry our auth headers there:
        // refuse it. Same-host redirects are followed a few times.
        let redirect = reqwest::redirect::Policy::custom(|attempt| {
            let first = attempt
                .previous()
                .first()
                .and_then(|u| u.host_str().map(str::to_string));
            if attempt.previous().len() > 5 {
                attempt.error("too many redirects")
            } else if first.as_deref() != attempt.url().host_str() {
                attempt.error("redirect to another host refused (it would carry the credentials)")
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(config.user_agent.clone())
            .redirect(redirect)
            .build()
            .map_err(|source| Error::Client { provider, source })?;
        Ok(HttpClient {
            client,
            provider,
            credential: credential.into(),
            credential_403: None,
            limiter: config
                .rate_limit
                .map(|r| Arc::new(crate::ratelimit::RateLimiter::new(r))),
            config: Arc::new(config),
            secrets: Arc::new([]),
            rate_headers: None,
        })
    }

    /// Sets the rate limit unless the settings named one: a provider's
    /// published limit, or a polite default.
    pub fn with_default_rate_limit(mut self, rate: f64) -> Self {
        if self.limiter.is_none() {
            self.limiter = Some(Arc::new(crate::ratelimit::RateLimiter::new(rate)));
        }
        self
    }

    /// Sets a budget of `per_minute` requests a minute (all of which may go
    /// at once) unless the settings named a rate: a provider that publishes
    /// its limit per minute.
    pub fn with_default_budget_per_minute(mut self, per_minute: u32) -> Self {
        if self.limiter.is_none() {
            self.limiter = Some(Arc::new(crate::ratelimit::RateLimiter::per_minute(
                per_minute,
            )));
        }
        self
    }

    /// Reads the provider's rate-limit headers on every response.
    pub fn with_rate_headers(mut self, headers: RateHeaders) -> Self {
        self.rate_headers = Some(headers);
        self
    }

    /// The limiter in force.
    pub fn limiter(&self) -> Option<&crate::ratelimit::RateLimiter> {
        self.limiter.as_deref()
    }

    /// Pages in flight at once: the settings', else `default`.
    pub fn concurrency(&self, default: usize) -> usize {
        self.config.concurrency.unwrap_or(default).max(1)
    }

    /// Credentials to cut out of every error this client returns or logs:
    /// a provider may echo one in a body (Plivo's auth id in its `next`
    /// links), and bodies are quoted in decode errors.
    pub fn redacting<'a>(
        mut self,
        secrets: impl IntoIterator<Item = &'a Option<secrecy::SecretString>>,
    ) -> Self {
        self.secrets = secrets.into_iter().flatten().cloned().collect();
        self
    }

    /// Names a different credential for 403 answers (Unpod answers 403 for a
    /// bad organization handle and 401 for a bad token).
    pub fn with_forbidden_credential(mut self, credential: &str) -> Self {
        self.credential_403 = Some(credential.into());
        self
    }

    /// The credential an auth failure with `status` points at.
    pub fn credential_for(&self, status: u16) -> &str {
        match (&self.credential_403, status) {
            (Some(c), 403) => c,
            _ => &self.credential,
        }
    }

    /// The provider id.
    pub fn provider(&self) -> &'static str {
        self.provider
    }

    /// The settings in force.
    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    /// Starts a request.
    pub fn request(&self, method: reqwest::Method, url: Url) -> reqwest::RequestBuilder {
        self.client.request(method, url)
    }

    /// Sends `req` with retries and decodes a 2xx body with `decode`.
    ///
    /// A [`Error::Decode`] from `decode` is retried like a transport failure
    /// (a truncated body is the usual cause), then returned; other errors
    /// from `decode` are returned at once.
    pub async fn send<T>(
        &self,
        req: reqwest::RequestBuilder,
        decode: impl Fn(u16, &[u8]) -> Result<T>,
    ) -> Result<T> {
        let mut attempt: u32 = 0;
        // What a 404 says it asked for (see `asked`).
        let url = req
            .try_clone()
            .and_then(|r| r.build().ok())
            .map(|r| asked(r.url()));
        loop {
            attempt += 1;
            let Some(this) = req.try_clone() else {
                return Err(Error::Config {
                    provider: self.provider,
                    message: "request cannot be retried".into(),
                });
            };
            if let Some(l) = &self.limiter {
                l.acquire().await;
            }
            self.config.observers.request(self.provider);
            let (outcome, failure) = match this.send().await {
                Err(e) => {
                    let err = self.transport(e, attempt);
                    (transport_outcome(&err), err)
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let spent = self
                        .rate_headers
                        .and_then(|h| h.spent_for(resp.headers(), SystemTime::now()));
                    if let (Some(wait), Some(l)) = (spent, &self.limiter) {
                        // Budget spent: everyone sharing this client waits for the reset.
                        l.pause_until(std::time::Instant::now() + wait);
                    }
                    let retry_after = resp
                        .headers()
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, SystemTime::now()))
                        .or(spent.filter(|_| status == 429));
                    match self.read_body(resp).await {
                        Err(BodyError::TooLarge) => {
                            return Err(Error::TooLarge {
                                provider: self.provider,
                                status,
                                limit: self.config.max_body_bytes,
                            });
                        }
                        Err(BodyError::Transport(e)) => {
                            (Outcome::Transport, self.transport(e, attempt))
                        }
                        Ok(body) if (200..300).contains(&status) => match decode(status, &body) {
                            Ok(v) => {
                                if let Some(l) = &self.limiter {
                                    l.succeeded();
                                }
                                self.config.observers.body(self.provider, &body);
                                return Ok(v);
                            }
                            Err(e @ Error::Decode { .. }) => (Outcome::BadBody, e),
                            // An error status inside a 2xx body: retried and
                            // mapped exactly like the same status on the wire.
                            Err(Error::Envelope {
                                status, message, ..
                            }) => (
                                Outcome::Status {
                                    status,
                                    retry_after: None,
                                },
                                self.classify(status, None, message, attempt),
                            ),
                            Err(e) => return Err(e),
                        },
                        Ok(body) => (
                            Outcome::Status {
                                status,
                                retry_after,
                            },
                            not_found_at(
                                self.status_error(status, retry_after, &body, attempt),
                                status,
                                url.as_deref(),
                            ),
                        ),
                    }
                }
            };
            let failure = failure.redact(&self.secrets);
            if matches!(outcome, Outcome::Status { status: 429, .. })
                && let Some(l) = &self.limiter
            {
                // Slow down for everyone sharing this client, not just this request.
                l.throttled();
            }
            match decide(outcome, attempt, &self.config.retry, fastrand::f64()) {
                Decision::Stop => return Err(failure),
                Decision::RetryAfter(wait) => {
                    self.config
                        .observers
                        .retry(self.provider, attempt, wait, &failure);
                    tracing::debug!(
                        provider = self.provider,
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        error = %failure,
                        "retrying"
                    );
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Sends `req` and decodes the 2xx body as JSON into `T`.
    pub async fn send_json<T: DeserializeOwned>(&self, req: reqwest::RequestBuilder) -> Result<T> {
        let provider = self.provider;
        self.send(req, move |status, body| {
            decode_json(provider, Some(status), body)
        })
        .await
    }

    fn transport(&self, e: reqwest::Error, attempts: u32) -> Error {
        // Host and port only: the path and query can hold account ids.
        let target = e
            .url()
            .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)))
            .unwrap_or_else(|| "the API".into());
        Error::Transport {
            provider: self.provider,
            target,
            cause: root_cause(&e, self.config.timeout),
            source: e.without_url(),
            attempts,
        }
    }

    async fn read_body(&self, mut resp: reqwest::Response) -> Result<Vec<u8>, BodyError> {
        let limit = self.config.max_body_bytes;
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Err(BodyError::TooLarge);
        }
        let mut body = Vec::with_capacity(resp.content_length().map_or(8 * 1024, |n| n as usize));
        while let Some(chunk) = resp.chunk().await.map_err(BodyError::Transport)? {
            if body.len() + chunk.len() > limit {
                return Err(BodyError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn status_error(
        &self,
        status: u16,
        retry_after: Option<Duration>,
        body: &[u8],
        attempts: u32,
    ) -> Error {
        let provider = self.provider;
        let json = serde_json::from_slice::<Value>(body).ok();
        let message = json.as_ref().and_then(error_message).unwrap_or_else(|| {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if text.is_empty() || text.starts_with('<') {
                reason(status).to_string()
            } else {
                crate::error::snippet(body)
            }
        });
        if !matches!(status, 401 | 403 | 429)
            && json.is_none()
            && !body.iter().all(u8::is_ascii_whitespace)
        {
            return Error::Decode {
                provider,
                status: Some(status),
                path: ".".into(),
                message: format!(
                    "expected a JSON body, got something else ({})",
                    reason(status)
                ),
                snippet: crate::error::snippet(body),
                source: serde_json::from_slice::<Value>(body).err(),
            };
        }
        self.classify(status, retry_after, message, attempts)
    }

    /// The error for an error `status` with the provider's `message`, on
    /// the wire or reported inside a 2xx envelope alike.
    fn classify(
        &self,
        status: u16,
        retry_after: Option<Duration>,
        message: String,
        attempts: u32,
    ) -> Error {
        let provider = self.provider;
        match status {
            401 | 403 => Error::Auth {
                provider,
                status,
                message,
                credential: self.credential_for(status).to_string(),
            },
            429 => Error::RateLimited {
                provider,
                retry_after,
                attempts,
            },
            _ => Error::Provider {
                provider,
                status,
                message,
                attempts,
            },
        }
    }

    /// `decoded` with an [`Error::Envelope`] turned into the error its
    /// status means, as [`HttpClient::send`] does after its retries: for
    /// bodies decoded offline (`Provider::decode_page`).
    pub fn resolve_envelope<T>(&self, decoded: Result<T>) -> Result<T> {
        match decoded {
            Err(Error::Envelope {
                status, message, ..
            }) => Err(self.classify(status, None, message, 0)),
            other => other,
        }
    }
}

/// The root cause of a transport error in a few words, from the deepest
/// error of its chain (reqwest's own text, "error sending request", says
/// nothing about why).
pub fn root_cause(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!("timed out after {} s", timeout.as_secs_f64());
    }
    let mut deepest: &dyn std::error::Error = e;
    let mut io_kind = None;
    while let Some(next) = deepest.source() {
        if let Some(io) = next.downcast_ref::<std::io::Error>() {
            io_kind = Some(io.kind());
        }
        deepest = next;
    }
    let text = deepest.to_string();
    let lower = text.to_ascii_lowercase();
    use std::io::ErrorKind as K;
    match io_kind {
        Some(K::ConnectionRefused) => return "connection refused".into(),
        Some(K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe) => {
            return "connection reset".into();
        }
        Some(K::TimedOut) => return format!("timed out after {} s", timeout.as_secs_f64()),
        _ => {}
    }
    if lower.contains("dns error")
        || lower.contains("failed to lookup address")
        || lower.contains("name or service not known")
        || lower.contains("no address associated")
    {
        format!("name not resolved ({text})")
    } else if lower.contains("invalidcontenttype")
        || lower.contains("corrupt message")
        || lower.contains("wrong version number")
    {
        // rustls reading a plain-HTTP answer as a TLS record.
        format!("the server does not speak TLS; is the URL http:// rather than https://? ({text})")
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        format!("TLS certificate problem: {text}")
    } else if lower.contains("connection closed") || lower.contains("reset") {
        format!("connection reset ({text})")
    } else {
        text
    }
}

/// A TLS failure is not transient: retrying it asks the same question.
fn transport_outcome(e: &Error) -> Outcome {
    match e {
        Error::Transport { cause, .. }
            if cause.starts_with("TLS") || cause.contains("does not speak TLS") =>
        {
            Outcome::Tls
        }
        _ => Outcome::Transport,
    }
}

/// `https://host[:port]/path` of `url`: no query (which can hold account
/// ids or tokens); the path's credential values are redacted with the
/// rest of the error.
fn asked(url: &reqwest::Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

/// A 404 says which URL was asked: a wrong base URL or API version shows
/// in the path.
fn not_found_at(e: Error, status: u16, url: Option<&str>) -> Error {
    let (404, Some(url)) = (status, url) else {
        return e;
    };
    match e {
        Error::Provider {
            provider,
            status,
            message,
            attempts,
        } => Error::Provider {
            provider,
            status,
            message: format!("{message} (asked {url}; is the base URL right?)"),
            attempts,
        },
        Error::Decode {
            provider,
            status,
            path,
            message,
            snippet,
            source,
        } => Error::Decode {
            provider,
            status,
            path,
            message: format!("{message}; asked {url} (is the base URL right?)"),
            snippet,
            source,
        },
        other => other,
    }
}

enum BodyError {
    TooLarge,
    Transport(reqwest::Error),
}

fn reason(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("unknown status")
}

/// The message of a JSON error body, whatever the provider calls it:
/// `error` (a string or an object with a message), `message`, `detail`,
/// `error_message`, `msg`, or the first of `errors`.
pub fn error_message(v: &Value) -> Option<String> {
    let obj = v.as_object()?;
    // `{"error": "Unauthorized", "message": "Invalid Key."}` (NestJS style,
    // Vapi): the status's name alone would drop what went wrong.
    let text = |k: &str| {
        obj.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    if let (Some(error), Some(message)) = (text("error"), text("message"))
        && error != message
    {
        return Some(format!("{error}: {message}"));
    }
    for key in [
        "error",
        "message",
        "detail",
        "error_message",
        "msg",
        "errors",
    ] {
        match obj.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => return Some(s.clone()),
            Some(inner @ Value::Object(_)) => {
                if let Some(m) = error_message(inner) {
                    return Some(m);
                }
            }
            Some(Value::Array(items)) => {
                if let Some(first) = items.first() {
                    return first
                        .as_str()
                        .map(str::to_string)
                        .or_else(|| error_message(first));
                }
            }
            _ => {}
        }
    }
    None
}

/// Decodes `body` as `T`, reporting the JSON path where it failed.
pub fn decode_json<'a, T: serde::Deserialize<'a>>(
    provider: &'static str,
    status: Option<u16>,
    body: &'a [u8],
) -> Result<T> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        Error::decode(
            provider,
            status,
            body,
            DecodeFailure {
                path,
                message: e.inner().to_string(),
                source: Some(e.into_inner()),
            },
        )
    })
}

/// A header value holding the credential `name`, marked sensitive so it is
/// never shown in `Debug` output; a value a header cannot carry is a
/// configuration error naming the credential (never showing it).
pub fn secret_header(
    provider: &'static str,
    name: &str,
    secret: &SecretString,
) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(secret.expose_secret()).map_err(|_| Error::Config {
        provider,
        message: format!("{name} holds characters a header cannot carry"),
    })?;
    v.set_sensitive(true);
    Ok(v)
}

/// `base` joined with `path`, keeping the base's own path
/// (`https://h/api/v1` + `calls/` = `https://h/api/v1/calls/`).
pub fn endpoint(base: &Url, path: &str) -> Url {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        let p = format!("{}/", base.path());
        base.set_path(&p);
    }
    base.join(path.trim_start_matches('/')).unwrap_or(base)
}

/// Resolves a provider's `next` link (absolute, or relative to `base`).
/// A link to another scheme, host or port is refused: following it would
/// send the credentials elsewhere.
pub fn follow_link(provider: &'static str, base: &Url, next: &str) -> Result<Url> {
    let url = base.join(next).map_err(|e| Error::Paging {
        provider,
        message: format!("bad next link {next:?}: {e}"),
    })?;
    if url.origin() != base.origin() {
        return Err(Error::Paging {
            provider,
            message: format!(
                "refusing a next link to {} (the API is at {}): it would carry the credentials to another host",
                url.origin().ascii_serialization(),
                base.origin().ascii_serialization()
            ),
        });
    }
    Ok(url)
}

/// Whether `url` points at this machine (127.0.0.0/8, ::1, `localhost`).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Parses a base URL setting. Plain `http://` is refused for any host but
/// this machine unless `allow_insecure`: the credentials would cross the
/// network in clear text.
pub fn parse_base_url(provider: &'static str, s: &str, allow_insecure: bool) -> Result<Url> {
    let url = Url::parse(s.trim()).map_err(|e| Error::Config {
        provider,
        message: format!("bad base URL {s:?}: {e}"),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::Config {
            provider,
            message: format!("bad base URL {s:?}: not http(s)"),
        });
    }
    // `http://127.0.0.1:` parses (as port 80) but is a port left out.
    let authority = s
        .trim()
        .split("://")
        .nth(1)
        .unwrap_or("")
        .split(['/', '?', '#'])
        .next();
    if authority.is_some_and(|a| a.ends_with(':')) {
        return Err(Error::Config {
            provider,
            message: format!("bad base URL {s:?}: the port after ':' is missing"),
        });
    }
    if url.scheme() == "http" && !is_loopback(&url) && !allow_insecure {
        return Err(Error::Config {
            provider,
            message: format!(
                "refusing plain http:// to {}: the credentials would travel unencrypted (use https://, or allow it with --allow-insecure)",
                url.host_str().unwrap_or("?")
            ),
        });
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_messages_in_common_error_shapes() {
        assert_eq!(
            error_message(&json!({"api_id": "x", "error": "bad range"})).as_deref(),
            Some("bad range")
        );
        assert_eq!(
            error_message(&json!({"error": {"message": "nope"}})).as_deref(),
            Some("nope")
        );
        assert_eq!(
            error_message(&json!({"detail": "Invalid token."})).as_deref(),
            Some("Invalid token.")
        );
        assert_eq!(
            error_message(&json!({"errors": ["first", "second"]})).as_deref(),
            Some("first")
        );
        assert_eq!(error_message(&json!({"ok": true})), None);
        assert_eq!(error_message(&json!("text")), None);
    }

    #[test]
    fn endpoints_keep_the_base_path() {
        let base = Url::parse("https://h.invalid/api/v1").unwrap();
        assert_eq!(
            endpoint(&base, "calls/").as_str(),
            "https://h.invalid/api/v1/calls/"
        );
        assert_eq!(
            endpoint(&base, "/calls/7").as_str(),
            "https://h.invalid/api/v1/calls/7"
        );
    }

    #[test]
    fn next_links_stay_on_the_api_host() {
        let base = Url::parse("https://h.invalid/api/v2/platform/call-logs/").unwrap();
        let abs = follow_link(
            "t",
            &base,
            "https://h.invalid/api/v2/platform/call-logs/?page=2",
        )
        .unwrap();
        assert_eq!(abs.query(), Some("page=2"));
        let rel = follow_link("t", &base, "/api/v2/platform/call-logs/?page=3").unwrap();
        assert_eq!(
            rel.as_str(),
            "https://h.invalid/api/v2/platform/call-logs/?page=3"
        );
        assert!(follow_link("t", &base, "https://elsewhere.invalid/?page=2").is_err());
        assert!(
            follow_link("t", &base, "http://h.invalid/?page=2").is_err(),
            "scheme downgrade"
        );
    }
}

#[cfg(test)]
mod rate_header_tests {
    use super::*;

    #[test]
    fn spent_budgets_wait_for_the_reset_the_headers_name() {
        let aircall = RateHeaders {
            remaining: "x-aircallapi-remaining",
            reset: "x-aircallapi-reset",
            reset_is: ResetClock::UnixSeconds,
        };
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("x-aircallapi-remaining", HeaderValue::from_static("0"));
        h.insert("x-aircallapi-reset", HeaderValue::from_static("1000042"));
        assert_eq!(aircall.spent_for(&h, now), Some(Duration::from_secs(42)));
        h.insert("x-aircallapi-remaining", HeaderValue::from_static("3"));
        assert_eq!(aircall.spent_for(&h, now), None, "budget left");
        h.insert("x-aircallapi-remaining", HeaderValue::from_static("0"));
        h.insert("x-aircallapi-reset", HeaderValue::from_static("soon"));
        assert_eq!(aircall.spent_for(&h, now), None, "an odd reset is ignored");
        let relative = RateHeaders {
            remaining: "x-ratelimit-remaining",
            reset: "x-ratelimit-reset",
            reset_is: ResetClock::SecondsFromNow,
        };
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        h.insert("x-ratelimit-reset", HeaderValue::from_static("7"));
        assert_eq!(relative.spent_for(&h, now), Some(Duration::from_secs(7)));
    }
}
