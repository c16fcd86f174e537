//! Aircall call logs for calllogs, normalized into [`calllogs_core::Call`].
//!
//! ```no_run
//! # async fn run() -> calllogs_core::Result<()> {
//! use calllogs_core::{CallQuery, ProviderStreams, Settings};
//! use futures::TryStreamExt;
//! // AIRCALL_API_ID / AIRCALL_API_TOKEN from the environment.
//! let aircall = std::sync::Arc::new(calllogs_aircall::Aircall::from_settings(&Settings::new())?);
//! let calls: Vec<_> = aircall.calls(CallQuery::new()).try_collect().await?;
//! # Ok(()) }
//! ```
//!
//! What this crate assumes, and the setting that changes it:
//!
//! - `GET /v1/calls` on `https://api.aircall.io` (`--base-url`), HTTP basic
//!   auth with the API id and token (`AIRCALL_API_ID`, `AIRCALL_API_TOKEN`).
//! - The start-time range in Unix seconds (`from`, `to`, both taken as
//!   inclusive), `order=asc`, page numbers with `per_page` at most 50, and
//!   `meta.total`. Aircall lists **at most 10,000 calls for one query**:
//!   a window whose total reaches that is split in two by the engine
//!   (`PagingSpec::result_cap`), recursively, down to one second, where it
//!   is an error instead of a silent loss. One-day windows, seven days
//!   back by default.
//! - Its budget is per company and per minute, published as 60 (and, in
//!   other material, 120) requests a minute: 60 a minute is assumed (the
//!   rate-limit setting changes it), all of which may go at once, and the
//!   `X-AircallApi-Remaining` / `X-AircallApi-Reset` headers are honoured:
//!   once the budget is spent, no request goes before the reset. Pages are
//!   fetched four at a time once the total is known.
//! - Mapping: `status` is a lifecycle (`initial`, `answered`, `done`), not
//!   an outcome: a call with `answered_at` was answered; a done call
//!   without it was missed or abandoned, and `missed_call_reason` says how
//!   (out of opening hours, short abandoned, abandoned in IVR, abandoned in
//!   the queue, no available agent: contact-center causes of their own in
//!   the taxonomy; agents did not answer: `no_answer`; an unknown reason:
//!   `other`, words kept); an outbound miss carries no reason and is
//!   `no_answer`. `started_at`/`answered_at`/`ended_at` are Unix seconds;
//!   `duration` includes ringing (talk time is end minus answer);
//!   `raw_digits` (written for people, or `anonymous`) is the other party
//!   and `number.digits` our line, both to E.164; `user` (and
//!   `transferred_to`) to agents; `contact`; `number` as the queue; `tags`;
//!   `recording` and `voicemail` to recordings; the deprecated `cost` is US
//!   cents, kept as exact dollars.

#![warn(missing_docs)]

use calllogs_core::http::{HttpClient, endpoint, parse_base_url};
use calllogs_core::secrecy::{ExposeSecret, SecretString};
use calllogs_core::{
    Call, CallQuery, Credential, DynProvider, HttpProvider, Page, PageToken, PagingSpec,
    PagingStyle, ProviderInfo, RateHeaders, ResetClock, Result, Settings, Url,
};

mod map;
mod query;
mod raw;

/// The provider's API served on loopback, for tests, demos and benchmarks
/// (feature `emulator`): [`emulator::api`] is what `calllogs_emulator::start` serves.
#[cfg(feature = "emulator")]
pub mod emulator;

pub use map::{call, explain};
pub use query::{Params, apply_filters};

/// The provider id.
pub const ID: &str = "aircall";
/// Setting / environment variable of the API id.
pub const API_ID: &str = "AIRCALL_API_ID";
/// Setting / environment variable of the API token.
pub const API_TOKEN: &str = "AIRCALL_API_TOKEN";
/// Aircall's API.
pub const DEFAULT_BASE_URL: &str = "https://api.aircall.io";
/// The largest page Aircall serves.
pub const MAX_PAGE: u32 = 50;
/// The most calls Aircall lists for one query.
pub const RESULT_CAP: u64 = 10_000;
/// Requests a minute assumed for a company (its published figure).
pub const BUDGET_PER_MINUTE: u32 = 60;
/// The headers in which Aircall says what is left of the budget.
pub const RATE_HEADERS: RateHeaders = RateHeaders {
    remaining: "x-aircallapi-remaining",
    reset: "x-aircallapi-reset",
    reset_is: ResetClock::UnixSeconds,
};

/// What the registry knows of Aircall.
pub const INFO: ProviderInfo = ProviderInfo {
    id: ID,
    name: "Aircall",
    kind: "contact center",
    credentials: &[
        Credential {
            env: API_ID,
            flag: "api-id",
        },
        Credential {
            env: API_TOKEN,
            flag: "token",
        },
    ],
    filters: "the start-time range (from/to, Unix seconds); --direction, --status, --from, --to on the normalized calls",
    limits: "per_page ≤ 50 (page numbers with a total); at most 10,000 calls a query (windows split to stay under it); 60 requests a minute per company, and its rate-limit headers",
    build: |s| Ok(std::sync::Arc::new(Aircall::from_settings(s)?) as DynProvider),
    apply_filters,
    reads: raw::READS,
    webhook: None,
};

/// The Aircall provider.
#[derive(Clone, Debug)]
pub struct Aircall {
    http: HttpClient,
    base: Url,
    api_id: Option<SecretString>,
    token: Option<SecretString>,
}

impl Aircall {
    /// Builds the provider; the credentials are checked when a request is made.
    pub fn from_settings(s: &Settings) -> Result<Self> {
        let api_id = s.get_credential(API_ID);
        let token = s.get_credential(API_TOKEN);
        Ok(Aircall {
            http: HttpClient::new(ID, &format!("{API_ID} / {API_TOKEN}"), s.http.clone())?
                .with_default_budget_per_minute(BUDGET_PER_MINUTE)
                .with_rate_headers(RATE_HEADERS)
                .redacting([&api_id, &token]),
            base: parse_base_url(
                ID,
                s.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
                s.allow_insecure,
            )?,
            api_id,
            token,
        })
    }
}

impl HttpProvider for Aircall {
    fn info(&self) -> &'static ProviderInfo {
        &INFO
    }

    fn http(&self) -> &HttpClient {
        &self.http
    }

    fn account(&self) -> String {
        calllogs_core::settings::account_label(self.api_id.as_ref().map(|k| k.expose_secret()))
    }

    fn concurrency(&self) -> usize {
        self.http.concurrency(4)
    }

    fn paging(&self) -> PagingSpec {
        let mut spec = PagingSpec::new(PagingStyle::PageNumber, MAX_PAGE, MAX_PAGE);
        spec.max_window = Some(chrono::Duration::days(1));
        spec.default_lookback = Some(chrono::Duration::days(7));
        spec.result_cap = Some(RESULT_CAP);
        spec
    }

    fn request(&self, query: &CallQuery, token: &PageToken) -> Result<reqwest::RequestBuilder> {
        use calllogs_core::settings::present;
        let id = present(ID, API_ID, &self.api_id)?;
        let secret = present(ID, API_TOKEN, &self.token)?;
        Ok(self
            .http
            .request(reqwest::Method::GET, endpoint(&self.base, "v1/calls"))
            .basic_auth(id.expose_secret(), Some(secret.expose_secret()))
            .query(&Params::new(query, token.number())))
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
    let records = calllogs_core::page::require_records(ID, status, body, "calls", resp.calls)?;
    // The total decides the end (and the split); `next_page_link` would
    // say no more at 10,000 while calls remain.
    let total = resp.meta.and_then(|m| m.total);
    Ok(calllogs_core::page::map_records(ID, records, map::call)
        .with_total(total.and_then(|t| u64::try_from(t).ok())))
}
