//! Retell AI call logs for calllogs, normalized into [`calllogs_core::Call`].
//!
//! ```no_run
//! use calllogs_core::{CallQuery, ProviderStreams, Settings};
//! use futures::TryStreamExt;
//! # async fn run() -> calllogs_core::Result<()> {
//! // RETELL_API_KEY from the environment.
//! let provider = std::sync::Arc::new(calllogs_retell::Retell::from_settings(&Settings::new())?);
//! let since = chrono::Utc::now() - chrono::Duration::days(7);
//! let calls: Vec<_> = provider.calls(CallQuery::new().since(since)).try_collect().await?;
//! println!("{} calls", calls.len());
//! # Ok(()) }
//! ```
//!
//! - `POST {base}/v3/list-calls` with `Authorization: Bearer <key>`
//!   (`RETELL_API_KEY`) and a JSON body: typed `filter_criteria`
//!   (`start_timestamp` as a range in epoch milliseconds, `agent`,
//!   `direction`, `call_status`, `call_type`), `sort_order: ascending` (a
//!   call that starts later lands after the cursor, never before it), and
//!   `limit`. The answer is `{items, has_more, pagination_key}`: the key is
//!   sent back unchanged for the next page ([`PagingStyle::Cursor`]).
//! - **Assumed** (the document leaves them unconfirmed): v3's largest page
//!   is v2's, 1,000 (the default here: the largest); Retell publishes no
//!   request rate, so 10 requests/s by default (`--rate-limit`); a 429 is
//!   backed off as everywhere.
//! - The list items carry no transcript: `GET {base}/v2/get-call/{call_id}`
//!   has it. Fetching each call's detail is core's list-then-detail path,
//!   **off by default** here (it costs a request per call): `detail = true`
//!   in an account, or `fetch --detail`. A call deleted between the list
//!   and its detail (404) is skipped and counted.
//! - Mapping: epoch milliseconds to UTC; `duration_ms` to whole seconds
//!   (rounded); `direction` (a web call, which has none, is the customer's:
//!   inbound); `from_number`/`to_number` in E.164, the customer the contact;
//!   `call_status` (`registered` and `ongoing` are in progress; a
//!   `not_connected` call is no-answer, busy, canceled or failed by its
//!   reason) with `disconnection_reason`, each of retell-sdk's 39 values
//!   (and the legacy ones) mapped by the core taxonomy's table, an unknown
//!   one `other` with its words kept; `call_cost.combined_cost` is in
//!   **cents**: the cost is that exact decimal over 100, in USD;
//!   `transcript_object` to speaker turns timed by their first word, else
//!   `transcript` as one turn; `recording_url` (and the multi-channel one);
//!   `call_analysis` (summary, sentiment, success, voicemail) as given;
//!   `agent_id`/`agent_name` to the agent (retell-sdk's call has no batch
//!   or campaign field: none is read).
//! - Analysis and cost settle after the call ends: the sync's lookback
//!   reads recent calls again and stores the updated record.

#![warn(missing_docs)]

use calllogs_core::http::{HttpClient, endpoint, parse_base_url, secret_header};
use calllogs_core::secrecy::{ExposeSecret, SecretString};
use calllogs_core::{
    Call, CallQuery, Credential, DynProvider, HttpProvider, Page, PageToken, PagingSpec,
    PagingStyle, ProviderInfo, Result, Settings, Url,
};

mod map;
mod query;
mod raw;
pub mod webhook;

/// The provider's API served on loopback, for tests, demos and benchmarks
/// (feature `emulator`): [`emulator::api`] is what `calllogs_emulator::start` serves.
#[cfg(feature = "emulator")]
pub mod emulator;

pub use map::call;
pub use query::{Body, Filters, RetellFilters, apply_filters};

/// The provider id.
pub const ID: &str = "retell";
/// Setting / environment variable of the API key.
pub const API_KEY: &str = "RETELL_API_KEY";
/// Retell's API.
pub const DEFAULT_BASE_URL: &str = "https://api.retellai.com";
/// The largest page asked for (v2's documented maximum; v3's is unconfirmed).
pub const MAX_PAGE: u32 = 1000;

/// What the registry knows of Retell.
pub const INFO: ProviderInfo = ProviderInfo {
    id: ID,
    name: "Retell AI",
    kind: "voice-AI platform",
    credentials: &[Credential {
        env: API_KEY,
        flag: "token",
    }],
    filters: "the time range (start_timestamp), --direction, --agent; --filter agent_id=…, call_status=ended,not_connected,…, call_type=phone_call|web_call",
    limits: "limit up to 1,000 (assumed; default 1,000); cursor (pagination_key), ascending; per-call detail (transcript) off by default (--detail); 10 requests/s by default",
    build: |s| Ok(std::sync::Arc::new(Retell::from_settings(s)?) as DynProvider),
    apply_filters,
    reads: raw::READS,
    webhook: Some(&webhook::WEBHOOK),
};

/// The Retell provider.
#[derive(Clone, Debug)]
pub struct Retell {
    http: HttpClient,
    base: Url,
    key: Option<SecretString>,
}

impl Retell {
    /// Builds the provider; the key is checked when a request is made.
    pub fn from_settings(s: &Settings) -> Result<Self> {
        let key = s.get_credential(API_KEY);
        Ok(Retell {
            http: HttpClient::new(ID, API_KEY, s.http.clone())?
                // Retell publishes no request rate: a polite default.
                .with_default_rate_limit(10.0)
                .redacting([&key]),
            base: parse_base_url(
                ID,
                s.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
                s.allow_insecure,
            )?,
            key,
        })
    }

    fn bearer(&self) -> Result<reqwest::header::HeaderValue> {
        let key = calllogs_core::settings::present(ID, API_KEY, &self.key)?;
        let bearer = SecretString::from(format!("Bearer {}", key.expose_secret()));
        secret_header(ID, API_KEY, &bearer)
    }
}

impl HttpProvider for Retell {
    fn info(&self) -> &'static ProviderInfo {
        &INFO
    }

    fn http(&self) -> &HttpClient {
        &self.http
    }

    fn account(&self) -> String {
        calllogs_core::settings::account_label(self.key.as_ref().map(|k| k.expose_secret()))
    }

    fn concurrency(&self) -> usize {
        // Windows (and, with details on, each page's details) in flight.
        self.http.concurrency(4)
    }

    fn paging(&self) -> PagingSpec {
        let mut spec = PagingSpec::new(PagingStyle::Cursor, MAX_PAGE, MAX_PAGE);
        spec.default_lookback = Some(chrono::Duration::days(7));
        // Windows of a day: several can be pulled at once.
        spec.max_window = Some(chrono::Duration::days(1));
        spec.detail = Some(false);
        spec
    }

    fn request(&self, query: &CallQuery, token: &PageToken) -> Result<reqwest::RequestBuilder> {
        Ok(self
            .http
            .request(reqwest::Method::POST, endpoint(&self.base, "v3/list-calls"))
            .header(reqwest::header::AUTHORIZATION, self.bearer()?)
            .json(&Body::new(query, token)))
    }

    fn detail_request(&self, listed: &Call) -> Option<Result<reqwest::RequestBuilder>> {
        let mut url = endpoint(&self.base, "v2/get-call");
        url.path_segments_mut().ok()?.push(&listed.id);
        Some(self.bearer().map(|auth| {
            self.http
                .request(reqwest::Method::GET, url)
                .header(reqwest::header::AUTHORIZATION, auth)
        }))
    }

    fn decode(&self, status: Option<u16>, body: &[u8]) -> Result<Page<Call>> {
        decode(status, body)
    }

    fn map(&self, record: &serde_json::value::RawValue) -> std::result::Result<Call, String> {
        map::call(record)
    }
}

fn decode(status: Option<u16>, body: &[u8]) -> Result<Page<Call>> {
    let resp: raw::ListResponse = calllogs_core::http::decode_json(ID, status, body)?;
    let records = calllogs_core::page::require_records(ID, status, body, "items", resp.items)?;
    // The next cursor only while Retell says more follow.
    let next = resp
        .pagination_key
        .filter(|k| !k.trim().is_empty() && resp.has_more != Some(false));
    Ok(calllogs_core::page::map_records(ID, records, map::call)
        .with_total(resp.total.and_then(|t| u64::try_from(t).ok()))
        .with_next(next))
}
