//! Local emulators of the providers' call-log APIs, for tests, demos and
//! benchmarks: the same paths, methods, auth, filters, paging, envelopes and
//! error bodies as each provider's document, served on loopback from
//! deterministic synthetic data, with latency, a rate limit and faults on
//! purpose.
//!
//! Each provider crate owns its emulator (`calllogs_<p>::emulator`, behind
//! its `emulator` feature): an [`Api`] implementation that renders a
//! [`SynthCall`] in the provider's wire format and applies its filters and
//! paging. This crate serves any of them ([`start`]); the facade's
//! `calllogs::emulator` finds one by provider id.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use calllogs_emulator::{start, Config};
//! let config = Config { calls: 50, ..Config::default() };
//! let emu = start(calllogs_plivo::emulator::api(&config), config).await.unwrap();
//! assert!(emu.base_url().starts_with("http://127.0.0.1:"));
//! assert_eq!(emu.calls().len(), 50);
//! let settings = emu.settings(); // base URL and the demo credentials, for a client
//! # let _ = settings; }
//! ```

#![warn(missing_docs)]

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

pub mod data;
pub mod hooks;
pub mod paging;
pub mod plant;
pub mod util;

use calllogs_core::Settings;
pub use data::{ByEnd, Calls, Outcome, Spec, SynthCall, newest_page};
pub use paging::{PageNumber, PageParams};

/// Knobs of one emulator.
#[derive(Debug, Clone)]
pub struct Config {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Calls generated.
    pub calls: usize,
    /// Seed of the data and of the faults.
    pub seed: u64,
    /// Calls start within this many days before the emulator starts.
    pub days: i64,
    /// Added to every answer.
    pub latency: Duration,
    /// Requests per second allowed (burst of one second's worth); beyond it
    /// a 429 with `Retry-After`. `None`: no limit.
    pub rate_limit: Option<f64>,
    /// Share of requests (0..=1) that fail on purpose: a 500, a 503, a reset
    /// connection, a truncated JSON body or an HTML error page.
    pub fault_rate: f64,
    /// Calls added (ending now) after every answered request, to test paging
    /// while data changes.
    pub grow_per_request: usize,
    /// Share of successful list answers (0..=1) sent as a 200 whose records
    /// array is renamed (`objects` → `objects_list`): API drift, which a
    /// client must refuse loudly rather than read as "no calls".
    pub drop_records_rate: f64,
    /// Share of successful list answers (0..=1) whose page repeats one of
    /// its records (the same id twice), as real APIs sometimes do.
    pub duplicate_rate: f64,
    /// Credentials accepted, by environment variable name; missing ones get
    /// demo values derived from the seed.
    pub credentials: Vec<(String, String)>,
    /// "Now" for the data; defaults to the moment of start.
    pub now: Option<DateTime<Utc>>,
    /// Serves at most this many records a page, whatever the client asks
    /// (as Vapi's default of 100, a proxy or a later API version may): the
    /// page-size parameter is lowered to it before the API answers, so its
    /// links and meta say the size it served. `None`: the API's own limits.
    pub max_page: Option<usize>,
    /// Calls start within this span (ending an hour before now) instead of
    /// `days`: a busy hour, to fill one window past a provider's cap.
    pub within: Option<Duration>,
    /// A request budget per fixed window, as a provider that publishes one
    /// per minute enforces it (with its own headers and 429s); served by
    /// the emulators of such providers (Aircall). `None`: no budget.
    pub budget: Option<Budget>,
    /// The provider's usage totals (where its emulator serves them, as
    /// Twilio's daily usage records) count this many calls more (negative:
    /// fewer) on this UTC day than its call list holds: billed calls the
    /// list never returned, for the cost audit to find. `None`: they agree.
    pub usage_skew: Option<(chrono::NaiveDate, i64)>,
}

/// A request budget: `requests` in each fixed `window` (a minute, for
/// Aircall; shorter in tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Requests allowed in a window.
    pub requests: u32,
    /// The window's length.
    pub window: Duration,
}

/// A fixed-window counter of a [`Budget`], for an emulator to keep.
#[derive(Debug)]
pub struct BudgetCounter {
    budget: Budget,
    state: std::sync::Mutex<(std::time::Instant, u32)>,
}

/// What a [`BudgetCounter`] says of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetState {
    /// Whether the request is within the budget.
    pub allowed: bool,
    /// The budget of a window.
    pub limit: u32,
    /// Requests left in this window after this one.
    pub remaining: u32,
    /// When the window resets, in Unix seconds (rounded up).
    pub reset_unix: u64,
}

impl BudgetCounter {
    /// A counter of `budget`, its first window starting now.
    pub fn new(budget: Budget) -> Self {
        BudgetCounter {
            budget,
            state: std::sync::Mutex::new((std::time::Instant::now(), 0)),
        }
    }

    /// Counts one request.
    pub fn take(&self) -> BudgetState {
        let now = std::time::Instant::now();
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if now.duration_since(s.0) >= self.budget.window {
            *s = (now, 0);
        }
        let allowed = s.1 < self.budget.requests;
        if allowed {
            s.1 += 1;
        }
        let left = (s.0 + self.budget.window).saturating_duration_since(now);
        let reset = std::time::SystemTime::now() + left;
        let reset_unix = reset
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() + u64::from(d.subsec_nanos() > 0));
        BudgetState {
            allowed,
            limit: self.budget.requests,
            remaining: self.budget.requests - s.1,
            reset_unix,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 0,
            calls: 1000,
            seed: 1,
            days: 30,
            latency: Duration::ZERO,
            rate_limit: None,
            fault_rate: 0.0,
            grow_per_request: 0,
            drop_records_rate: 0.0,
            duplicate_rate: 0.0,
            credentials: Vec::new(),
            now: None,
            max_page: None,
            within: None,
            budget: None,
            usage_skew: None,
        }
    }
}

/// One request, as an [`Api`] sees it.
#[derive(Debug)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, as sent.
    pub path: String,
    /// The query parameters, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The headers.
    pub headers: hyper::HeaderMap,
    /// `http://127.0.0.1:PORT`, for absolute links.
    pub origin: String,
    /// The body, as sent (APIs that take their query as JSON).
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of query parameter `k`.
    pub fn param(&self, k: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }
    /// Header `k` as text.
    pub fn header(&self, k: &str) -> Option<&str> {
        self.headers.get(k).and_then(|v| v.to_str().ok())
    }
}

/// One answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Body bytes.
    pub body: Vec<u8>,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Extra headers.
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, v: serde_json::Value) -> Self {
        Reply {
            status,
            body: v.to_string().into_bytes(),
            content_type: "application/json",
            headers: Vec::new(),
        }
    }
}

/// One provider's API, as the emulator serves it.
pub trait Api: Send + Sync + 'static {
    /// The provider id.
    fn id(&self) -> &'static str;
    /// The path below the origin where the client's base URL points (`/api/v1`).
    fn base_path(&self) -> &'static str {
        ""
    }
    /// The credentials accepted, as `(environment variable, value)`.
    fn credentials(&self) -> Vec<(&'static str, String)>;
    /// The query parameter that asks for a page size (`limit`, `PageSize`):
    /// [`Config::max_page`] lowers it.
    fn page_size_param(&self) -> &'static str;
    /// The outcomes this provider can express, for the generator.
    fn outcomes(&self) -> &'static [Outcome];
    /// The provider's id for call number `seq`.
    fn call_id(&self, seq: u64) -> String;
    /// Answers one request over the current calls (oldest first, indexed:
    /// [`Calls::started_within`], [`Calls::ended_within`] and
    /// [`newest_page`] answer a page without scanning every call).
    fn handle(&self, req: &Request, calls: &Calls, now: DateTime<Utc>) -> Reply;
    /// One page body holding `calls` (the last page of `total`), as the
    /// provider's list endpoint would answer; for benchmarks and fixtures.
    fn page_body(&self, calls: &[&SynthCall], total: usize) -> serde_json::Value;
    /// The event the provider pushes when `call` ends (its end-of-call
    /// webhook, unsigned), for providers whose webhooks calllogs takes;
    /// `None` for a call that has not ended, or a provider without them.
    fn webhook(&self, call: &SynthCall) -> Option<Hook> {
        let _ = call;
        None
    }
}

/// An end-of-call event as a provider would post it, before signing.
#[derive(Debug, Clone)]
pub struct Hook {
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
}

impl Hook {
    /// A JSON event.
    pub fn json(v: &serde_json::Value) -> Hook {
        Hook {
            content_type: "application/json",
            body: v.to_string().into_bytes(),
        }
    }

    /// A form-encoded event (absent values left out).
    pub fn form(fields: &[(&str, Option<String>)]) -> Hook {
        let present: Vec<(&str, &str)> = fields
            .iter()
            .filter_map(|(k, v)| Some((*k, v.as_deref()?)))
            .collect();
        Hook {
            content_type: "application/x-www-form-urlencoded",
            body: calllogs_core::webhook::form_body(&present).into_bytes(),
        }
    }
}

/// Response bodies of `api`'s list endpoint, `page_size` calls each, over
/// `calls` generated calls: the input of normalization benchmarks.
pub fn sample_pages(api: &dyn Api, calls: usize, page_size: usize, seed: u64) -> Vec<Vec<u8>> {
    let spec = Spec {
        calls,
        seed,
        days: Config::default().days,
        within_secs: None,
        now: Utc::now(),
    };
    let data = data::generate(&spec, api.outcomes(), &|seq| api.call_id(seq));
    let refs: Vec<&SynthCall> = data.iter().collect();
    refs.chunks(page_size.max(1))
        .map(|chunk| api.page_body(chunk, calls).to_string().into_bytes())
        .collect()
}

impl Config {
    /// The credential named `name` (an environment variable name) from
    /// [`Config::credentials`], else `default()`.
    pub fn credential(&self, name: &str, default: impl FnOnce() -> String) -> String {
        self.credentials
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(default)
    }

    /// A demo secret of `len` characters derived from the seed.
    pub fn demo_secret(&self, len: usize) -> String {
        util::demo_secret("", self.seed, len)
    }
}

struct State {
    api: Arc<dyn Api>,
    config: Config,
    calls: RwLock<Calls>,
    next_seq: AtomicU64,
    faults: Mutex<fastrand::Rng>,
    bucket: Mutex<(f64, Instant)>,
    requests: AtomicU64,
    faults_served: AtomicU64,
    limited: AtomicU64,
    origin: String,
}

/// A running emulator; it stops when dropped.
pub struct Running {
    state: Arc<State>,
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

/// Why an emulator could not start.
#[derive(Debug)]
pub enum StartError {
    /// No emulator for this provider (in this build).
    UnknownProvider {
        /// The id asked for.
        provider: String,
        /// The providers with an emulator.
        known: Vec<&'static str>,
    },
    /// The port could not be bound.
    Bind(std::io::Error),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::UnknownProvider { provider, known } => {
                write!(
                    f,
                    "no emulator for provider {provider:?} (there are: {})",
                    known.join(", ")
                )
            }
            StartError::Bind(e) => write!(f, "cannot listen on 127.0.0.1: {e}"),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Bind(e) => Some(e),
            StartError::UnknownProvider { .. } => None,
        }
    }
}

/// Serves `api` on 127.0.0.1 (in the current tokio runtime).
pub async fn start(api: Arc<dyn Api>, config: Config) -> Result<Running, StartError> {
    let provider = api.id();
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port))
        .await
        .map_err(StartError::Bind)?;
    let addr = listener.local_addr().map_err(StartError::Bind)?;
    let now = config.now.unwrap_or_else(Utc::now);
    let spec = Spec {
        calls: config.calls,
        seed: config.seed,
        days: config.days,
        within_secs: config.within.map(|w| w.as_secs() as i64),
        now,
    };
    let calls = data::generate(&spec, api.outcomes(), &|seq| api.call_id(seq));
    let rate = config.rate_limit.filter(|r| *r > 0.0);
    let state = Arc::new(State {
        next_seq: AtomicU64::new(calls.len() as u64),
        calls: RwLock::new(Calls::new(calls)),
        // Each provider draws its own faults, even from the same seed.
        faults: Mutex::new(fastrand::Rng::with_seed(
            config.seed
                ^ 0xFA17_FA17
                ^ provider
                    .bytes()
                    .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))),
        )),
        bucket: Mutex::new((rate.unwrap_or(0.0).max(1.0), Instant::now())),
        requests: AtomicU64::new(0),
        faults_served: AtomicU64::new(0),
        limited: AtomicU64::new(0),
        origin: format!("http://{addr}"),
        api,
        config,
    });
    let served = state.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let state = served.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| respond(state.clone(), req));
                // A reset on purpose ends the connection with an error; that is the point.
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(Running { state, addr, task })
}

impl Running {
    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> &str {
        &self.state.origin
    }
    /// The base URL a client is given (`--base-url`).
    pub fn base_url(&self) -> String {
        format!("{}{}", self.state.origin, self.state.api.base_path())
    }
    /// The provider id.
    pub fn provider(&self) -> &'static str {
        self.state.api.id()
    }
    /// The credentials accepted, as `(environment variable, value)`.
    pub fn credentials(&self) -> Vec<(&'static str, String)> {
        self.state.api.credentials()
    }
    /// Client settings for this emulator: base URL and credentials, no
    /// environment.
    pub fn settings(&self) -> Settings {
        self.credentials()
            .into_iter()
            .fold(
                Settings::new().without_env().base_url(self.base_url()),
                |s, (k, v)| s.credential(k, v),
            )
            .unthrottled_on_loopback()
    }
    /// The calls served now (oldest first).
    pub fn calls(&self) -> Vec<SynthCall> {
        self.state
            .calls
            .read()
            .map(|c| c.to_vec())
            .unwrap_or_default()
    }
    /// The end-of-call event of every ended call, in call order, as the
    /// provider would post it (unsigned; see [`hooks::deliver`]).
    pub fn hooks(&self) -> Vec<(String, Hook)> {
        self.calls()
            .iter()
            .filter_map(|c| Some((c.id.clone(), self.state.api.webhook(c)?)))
            .collect()
    }
    /// Changes the calls (a late cost, a new call…).
    pub fn update(&self, f: impl FnOnce(&mut Vec<SynthCall>)) {
        if let Ok(mut calls) = self.state.calls.write() {
            calls.update(f);
        }
    }
    /// Requests received so far.
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::Relaxed)
    }
    /// Faults served so far.
    pub fn faults(&self) -> u64 {
        self.state.faults_served.load(Ordering::Relaxed)
    }
    /// 429s served so far.
    pub fn rate_limited(&self) -> u64 {
        self.state.limited.load(Ordering::Relaxed)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// An error that makes hyper drop the connection: the "connection reset" fault.
#[derive(Debug)]
struct Reset;
impl std::fmt::Display for Reset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset on purpose")
    }
}
impl std::error::Error for Reset {}

#[derive(Debug, Clone, Copy)]
enum Fault {
    Status500,
    Status503,
    Reset,
    Truncated,
    Html,
}

impl State {
    /// Takes a token, or says how long until one is there.
    fn admit(&self) -> Result<(), Duration> {
        let Some(rate) = self.config.rate_limit.filter(|r| *r > 0.0) else {
            return Ok(());
        };
        let Ok(mut bucket) = self.bucket.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        let capacity = rate.max(1.0);
        bucket.0 = (bucket.0 + now.duration_since(bucket.1).as_secs_f64() * rate).min(capacity);
        bucket.1 = now;
        if bucket.0 >= 1.0 {
            bucket.0 -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.0) / rate))
        }
    }

    fn fault(&self) -> Option<Fault> {
        if self.config.fault_rate <= 0.0 {
            return None;
        }
        let mut rng = self.faults.lock().ok()?;
        if rng.f64() >= self.config.fault_rate {
            return None;
        }
        Some(
            [
                Fault::Status500,
                Fault::Status503,
                Fault::Reset,
                Fault::Truncated,
                Fault::Html,
            ][rng.usize(0..5)],
        )
    }

    /// Renames the records array, or repeats a record, as configured.
    fn drift(&self, reply: &mut Reply) {
        let (drop, dup) = (self.config.drop_records_rate, self.config.duplicate_rate);
        if drop <= 0.0 && dup <= 0.0 {
            return;
        }
        let Some(draw) = self.faults.lock().ok().map(|mut r| r.f64()) else {
            return;
        };
        let Ok(mut body) = serde_json::from_slice::<serde_json::Value>(&reply.body) else {
            return;
        };
        let Some((holder, key)) = util::records_key(&mut body) else {
            return;
        };
        if draw < drop {
            if let Some(records) = holder.remove(&key) {
                holder.insert(format!("{key}_list"), records);
                self.faults_served.fetch_add(1, Ordering::Relaxed);
            }
        } else if draw < drop + dup {
            if let Some(serde_json::Value::Array(items)) = holder.get_mut(&key)
                && let Some(first) = items.first().cloned()
            {
                items.push(first);
                self.faults_served.fetch_add(1, Ordering::Relaxed);
            }
        } else {
            return;
        }
        reply.body = body.to_string().into_bytes();
    }

    fn grow(&self, now: DateTime<Utc>) {
        let k = self.config.grow_per_request;
        if k == 0 {
            return;
        }
        let Ok(mut calls) = self.calls.write() else {
            return;
        };
        let mut fresh_calls = Vec::with_capacity(k);
        for _ in 0..k {
            let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
            let spec = Spec {
                within_secs: None,
                calls: 1,
                seed: self.config.seed.wrapping_add(seq),
                days: 1,
                now,
            };
            let mut fresh = data::generate(&spec, self.api.outcomes(), &|_| self.api.call_id(seq));
            if let Some(mut c) = fresh.pop() {
                // Ends now, or starts now when still going.
                let shift = now - c.ended_at.unwrap_or(c.started_at);
                c.seq = seq;
                c.started_at += shift;
                c.answered_at = c.answered_at.map(|t| t + shift);
                c.ended_at = c.ended_at.map(|t| t + shift);
                fresh_calls.push(c);
            }
        }
        calls.update(|all| all.extend(fresh_calls));
    }
}

fn to_response(reply: Reply) -> hyper::Response<Full<Bytes>> {
    let mut builder = hyper::Response::builder()
        .status(reply.status)
        .header("content-type", reply.content_type);
    for (k, v) in &reply.headers {
        builder = builder.header(*k, v);
    }
    builder
        .body(Full::new(Bytes::from(reply.body)))
        .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new())))
}

async fn respond(
    state: Arc<State>,
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Reset> {
    state.requests.fetch_add(1, Ordering::Relaxed);
    if !state.config.latency.is_zero() {
        tokio::time::sleep(state.config.latency).await;
    }
    if let Err(wait) = state.admit() {
        state.limited.fetch_add(1, Ordering::Relaxed);
        let mut reply = Reply::json(429, serde_json::json!({"error": "too many requests"}));
        reply.headers.push((
            "retry-after",
            wait.as_secs_f64().ceil().max(1.0).to_string(),
        ));
        return Ok(to_response(reply));
    }
    let fault = state.fault();
    if let Some(f) = fault {
        state.faults_served.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(provider = state.api.id(), fault = ?f, "serving a fault");
        match f {
            Fault::Status500 => {
                return Ok(to_response(Reply::json(
                    500,
                    serde_json::json!({"error": "internal server error (emulated)"}),
                )));
            }
            Fault::Status503 => {
                return Ok(to_response(Reply::json(
                    503,
                    serde_json::json!({"error": "service unavailable (emulated)"}),
                )));
            }
            Fault::Reset => return Err(Reset),
            Fault::Html => {
                return Ok(to_response(Reply {
                    status: 502,
                    body: b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>".to_vec(),
                    content_type: "text/html",
                    headers: Vec::new(),
                }));
            }
            Fault::Truncated => {}
        }
    }
    let mut query: Vec<(String, String)> =
        url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    let (parts, body) = req.into_parts();
    let mut body = match http_body_util::BodyExt::collect(body).await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(_) => return Err(Reset),
    };
    if let Some(max) = state.config.max_page {
        cap_page_size(&mut query, state.api.page_size_param(), max);
        cap_body_page_size(&mut body, state.api.page_size_param(), max);
    }
    let request = Request {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query,
        headers: parts.headers,
        origin: state.origin.clone(),
        body,
    };
    let now = Utc::now();
    let mut reply = match state.calls.read() {
        Ok(calls) => state.api.handle(&request, &calls, now),
        Err(_) => Reply::json(500, serde_json::json!({"error": "emulator state poisoned"})),
    };
    if matches!(fault, Some(Fault::Truncated)) {
        // A 200 whose JSON stops halfway: what a dying proxy sends.
        let keep = reply.body.len() / 2;
        reply.body.truncate(keep);
        reply.status = 200;
    } else if (200..300).contains(&reply.status) {
        state.drift(&mut reply);
        state.grow(now);
    }
    Ok(to_response(reply))
}

/// Lowers the page size asked for in `query` (parameter `param`) to `max`,
/// or asks for `max` when none is asked: the server serves at most `max`.
/// A value that is not a number is left for the API to refuse.
fn cap_page_size(query: &mut Vec<(String, String)>, param: &str, max: usize) {
    let mut found = false;
    for (k, v) in query.iter_mut() {
        if k == param {
            found = true;
            if let Ok(n) = v.parse::<usize>() {
                *v = n.min(max).to_string();
            }
        }
    }
    if !found {
        query.push((param.to_string(), max.to_string()));
    }
}

/// As [`cap_page_size`], for an API that takes its query as a JSON object
/// in the body: the field `param` lowered to `max` (or set). A body that is
/// not a JSON object is left for the API to refuse.
fn cap_body_page_size(body: &mut Vec<u8>, param: &str, max: usize) {
    let Ok(serde_json::Value::Object(mut obj)) = serde_json::from_slice(body) else {
        return;
    };
    let capped = match obj.get(param).and_then(serde_json::Value::as_u64) {
        Some(n) => (n as usize).min(max),
        None if obj.contains_key(param) => return,
        None => max,
    };
    obj.insert(param.to_string(), capped.into());
    *body = serde_json::Value::Object(obj).to_string().into_bytes();
}

/// Serves forever; for the CLI.
pub async fn serve_forever(running: Running) -> Infallible {
    let _keep = running;
    loop {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}
