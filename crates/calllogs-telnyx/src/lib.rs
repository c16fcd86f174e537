//! Telnyx voice call detail records for calllogs, normalized into
//! [`calllogs_core::Call`].
//!
//! ```no_run
//! # async fn run() -> calllogs_core::Result<()> {
//! use calllogs_core::{CallQuery, ProviderStreams, Settings};
//! use futures::TryStreamExt;
//! // TELNYX_API_KEY from the environment.
//! let telnyx = std::sync::Arc::new(calllogs_telnyx::Telnyx::from_settings(&Settings::new())?);
//! let calls: Vec<_> = telnyx.calls(CallQuery::new()).try_collect().await?;
//! # Ok(()) }
//! ```
//!
//! What this crate assumes, and the setting that changes it:
//!
//! - `GET /v2/detail_records` on `https://api.telnyx.com` (`--base-url`),
//!   `Authorization: Bearer` with `TELNYX_API_KEY`.
//! - `filter[record_type]=call-control` (Voice API and TeXML calls); the
//!   option `record_type` picks another (`sip-trunking`, `webrtc`). An
//!   account with calls under two types is two accounts in calllogs.toml
//!   (one per type); the leg id keeps a leg one row.
//! - The start-time range `filter[started_at][gte]`/`[lt]` in absolute ISO
//!   8601 and `sort=started_at` (oldest first): voice records have
//!   `started_at`/`answered_at`/`finished_at` and no `created_at`, and
//!   Telnyx refuses a filter or sort on a field the record type lacks (its
//!   official SDK says so; the API document's `created_at` example is for
//!   messaging records); `page[number]` and
//!   `page[size]` (50, the largest public clients report; Telnyx's own
//!   maximum is unconfirmed), `meta.total_results`; one-day windows, seven
//!   days back by default; `--direction` is sent as `filter[direction]`.
//!   The end of a window is `meta.page_number` reaching `meta.total_pages`
//!   (the official SDK's meta has no count of records; `total_results`,
//!   which the API reference shows, is read where present), so pages come
//!   one after another.
//! - No published rate for this endpoint: 10 requests/s by default, and the
//!   `x-ratelimit-remaining` / `x-ratelimit-reset` (seconds) headers are
//!   honoured.
//! - **The voice record has no schema in Telnyx's OpenAPI document**: every
//!   field is read as optional and the record is kept whole in `raw`. Names
//!   observed in Telnyx's examples and public clients, and read here: `id`,
//!   `call_leg_id` / `telnyx_leg_id` (the call's id: the `call.hangup`
//!   webhook carries the same leg id, so both paths meet on one row),
//!   `call_session_id` / `session_id` (groups legs: the parent id),
//!   `record_type`, `cli` (from), `cld` (to), `direction`
//!   (`inbound`/`outbound`, also `incoming`/`outgoing`), `started_at`,
//!   `answered_at`, `finished_at`, `created_at`, `call_sec` (talk seconds;
//!   0 means not answered), `billed_sec`, `cost` and `currency` (exact
//!   decimals), `hangup_cause`, `hangup_source`, `sip_hangup_cause`,
//!   `connection_id`/`connection_name` (the queue), `tags`
//!   (comma-separated).
//! - Causes: Telnyx's `normal_clearing`, `user_busy`, `call_rejected`,
//!   `originator_cancel`, `no_answer` are the taxonomy's Q.850 names;
//!   `timeout` is a ring timeout, `time_limit` the maximum duration,
//!   `not_found` an unallocated number, `unspecified` unknown; the SIP
//!   code decides where the words do not; `hangup_source` says who.

#![warn(missing_docs)]

use calllogs_core::http::{HttpClient, endpoint, parse_base_url, secret_header};
use calllogs_core::secrecy::{ExposeSecret, SecretString};
use calllogs_core::{
    Call, CallQuery, Credential, DynProvider, HttpProvider, Page, PageToken, PagingSpec,
    PagingStyle, ProviderInfo, RateHeaders, ResetClock, Result, Settings, Url,
};

mod map;
mod query;
mod raw;
pub mod webhook;

/// The provider's API served on loopback, for tests, demos and benchmarks
/// (feature `emulator`): [`emulator::api`] is what `calllogs_emulator::start` serves.
#[cfg(feature = "emulator")]
pub mod emulator;

pub use map::{call, explain};
pub use query::{Params, apply_filters};

/// The provider id.
pub const ID: &str = "telnyx";
/// Setting / environment variable of the API key.
pub const API_KEY: &str = "TELNYX_API_KEY";
/// Telnyx's API.
pub const DEFAULT_BASE_URL: &str = "https://api.telnyx.com";
/// The page asked for (the largest public clients report).
pub const MAX_PAGE: u32 = 50;
/// The option naming the detail record type.
pub const RECORD_TYPE: &str = "record_type";
/// The record type read unless the option says otherwise.
pub const DEFAULT_RECORD_TYPE: &str = "call-control";

/// What the registry knows of Telnyx.
pub const INFO: ProviderInfo = ProviderInfo {
    id: ID,
    name: "Telnyx",
    kind: "CPaaS",
    credentials: &[Credential {
        env: API_KEY,
        flag: "token",
    }],
    filters: "the start-time range (filter[started_at]), direction (filter[direction]); the record type with the option record_type (call-control by default)",
    limits: "page[size] 50 (page numbers to meta.total_pages), one-day windows; 10 requests/s by default, and its x-ratelimit headers",
    build: |s| Ok(std::sync::Arc::new(Telnyx::from_settings(s)?) as DynProvider),
    apply_filters,
    reads: raw::READS,
    webhook: Some(&webhook::WEBHOOK),
};

/// The Telnyx provider.
#[derive(Clone, Debug)]
pub struct Telnyx {
    http: HttpClient,
    base: Url,
    key: Option<SecretString>,
    record_type: String,
}

impl Telnyx {
    /// Builds the provider; the key is checked when a request is made.
    pub fn from_settings(s: &Settings) -> Result<Self> {
        let key = s.get_credential(API_KEY);
        let record_type = s
            .get_option(RECORD_TYPE)
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .unwrap_or(DEFAULT_RECORD_TYPE);
        if !record_type
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'_')
        {
            return Err(calllogs_core::Error::Config {
                provider: ID,
                message: format!(
                    "{RECORD_TYPE} must be a detail record type such as call-control or sip-trunking, not {record_type:?}"
                ),
            });
        }
        Ok(Telnyx {
            http: HttpClient::new(ID, API_KEY, s.http.clone())?
                .with_default_rate_limit(10.0)
                .with_rate_headers(RateHeaders {
                    remaining: "x-ratelimit-remaining",
                    reset: "x-ratelimit-reset",
                    reset_is: ResetClock::SecondsFromNow,
                })
                .redacting([&key]),
            base: parse_base_url(
                ID,
                s.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
                s.allow_insecure,
            )?,
            key,
            record_type: record_type.to_string(),
        })
    }
}

impl HttpProvider for Telnyx {
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
        self.http.concurrency(4)
    }

    fn paging(&self) -> PagingSpec {
        let mut spec = PagingSpec::new(PagingStyle::PageNumber, MAX_PAGE, MAX_PAGE);
        spec.max_window = Some(chrono::Duration::days(1));
        spec.default_lookback = Some(chrono::Duration::days(7));
        spec
    }

    fn request(&self, query: &CallQuery, token: &PageToken) -> Result<reqwest::RequestBuilder> {
        let key = calllogs_core::settings::present(ID, API_KEY, &self.key)?;
        let bearer = SecretString::from(format!("Bearer {}", key.expose_secret()));
        Ok(self
            .http
            .request(
                reqwest::Method::GET,
                endpoint(&self.base, "v2/detail_records"),
            )
            .header(
                reqwest::header::AUTHORIZATION,
                secret_header(ID, API_KEY, &bearer)?,
            )
            .query(&Params::new(query, token.number(), &self.record_type)))
    }

    fn decode(&self, status: Option<u16>, body: &[u8]) -> Result<Page<Call>> {
        decode(status, body)
    }

    fn map(&self, record: &serde_json::value::RawValue) -> std::result::Result<Call, String> {
        map::call(record)
    }

    fn explain(&self, words: &str) -> Option<calllogs_core::Hangup> {
        map::explain(words)
    }
}

fn decode(status: Option<u16>, body: &[u8]) -> Result<Page<Call>> {
    let resp: raw::ListResponse = calllogs_core::http::decode_json(ID, status, body)?;
    let records = calllogs_core::page::require_records(ID, status, body, "data", resp.data)?;
    let meta = resp.meta.unwrap_or_default();
    let mut page = calllogs_core::page::map_records(ID, records, map::call)
        .with_total(meta.total_results.and_then(|t| u64::try_from(t).ok()));
    // The end, where only the number of pages is known (as the SDK reads it).
    if let (Some(n), Some(pages)) = (meta.page_number, meta.total_pages) {
        page.more = Some(n < pages);
    }
    Ok(page)
}
