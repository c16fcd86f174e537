//! Bland AI call logs for calllogs, normalized into [`calllogs_core::Call`].
//!
//! ```no_run
//! use calllogs_core::{CallQuery, ProviderStreams, Settings};
//! use futures::TryStreamExt;
//! # async fn run() -> calllogs_core::Result<()> {
//! // BLAND_API_KEY from the environment.
//! let provider = std::sync::Arc::new(calllogs_bland::Bland::from_settings(&Settings::new())?);
//! let since = chrono::Utc::now() - chrono::Duration::days(7);
//! let calls: Vec<_> = provider.calls(CallQuery::new().since(since)).try_collect().await?;
//! println!("{} calls", calls.len());
//! # Ok(()) }
//! ```
//!
//! - `GET {base}/v1/calls` with the raw key in `authorization` (no
//!   `Bearer`; `BLAND_API_KEY`): an index window (`from` inclusive, `to`
//!   exclusive, `limit`), `ascending=true` (new calls land after the
//!   window; the default, newest first, would shift every offset), and the
//!   total `count`: offset paging with the total, so the rest of a window's
//!   pages are fetched concurrently.
//! - **Assumed** (the document's excerpt was cut off): the list takes
//!   `start_date`/`end_date` (whole days, `YYYY-MM-DD`), sent for the
//!   range and trimmed to the exact window by the engine; where an account
//!   refuses them, `date_filter = false` (a provider option) sends none and
//!   the engine keeps the window from the whole list. Its largest page is
//!   unconfirmed: 1,000 (its default) is asked. No published request rate:
//!   10 requests/s by default.
//! - The list lacks the price, who ended the call, the direction and the
//!   transcript: `GET {base}/v1/calls/{call_id}` has them. That is core's
//!   list-then-detail paging, **on by default** (`--no-detail`, or
//!   `detail = false` in an account, keeps the list only). A call deleted
//!   between the two is skipped and counted.
//! - Mapping: `call_length` is in **minutes** (a float): whole seconds,
//!   rounded, computed from its exact text (no float drift;
//!   `corrected_duration`, seconds, wins where present), the original kept
//!   in `raw`; `price` to the cost (USD, exact); an `error_message` (free
//!   text, classified by the taxonomy's phrases, words kept) fails the call
//!   (busy, no-answer by its words); `answered_by` `voicemail` is a
//!   machine; `status` `no-answer`/`busy`/`failed`/`canceled`; otherwise
//!   `call_ended_by` (`ASSISTANT`: the agent hung up; `USER`: the
//!   customer) with `completed`/`queue_status`; a queued or started call
//!   is in progress; `inbound` to the direction; numbers in mixed formats
//!   (`5551234567`, `+15551234567`) to E.164 (ten digits are North
//!   American); `batch_id` to the campaign; `pathway_id` to the agent;
//!   `transcripts` (`user`, `assistant`, `robot`, `agent-action`) to turns,
//!   else `concatenated_transcript`; `summary`, `variables` and
//!   `transferred_to` to `analysis`; `recording_url`.

#![warn(missing_docs)]

use calllogs_core::http::{HttpClient, endpoint, parse_base_url, secret_header};
use calllogs_core::secrecy::{ExposeSecret, SecretString};
use calllogs_core::{
    Call, CallQuery, Credential, DynProvider, Error, HttpProvider, Page, PageToken, PagingSpec,
    PagingStyle, ProviderInfo, Result, Settings, Url,
};

mod map;
mod query;
mod raw;

/// The provider's API served on loopback, for tests, demos and benchmarks
/// (feature `emulator`): [`emulator::api`] is what `calllogs_emulator::start` serves.
#[cfg(feature = "emulator")]
pub mod emulator;

pub use map::{call, minutes_to_seconds};
pub use query::{Params, apply_filters};

/// The provider id.
pub const ID: &str = "bland";
/// Setting / environment variable of the API key.
pub const API_KEY: &str = "BLAND_API_KEY";
/// Bland's API.
pub const DEFAULT_BASE_URL: &str = "https://api.bland.ai";
/// The page asked for (Bland's default; its largest is unconfirmed).
pub const MAX_PAGE: u32 = 1000;
/// The option that turns the assumed date filter off (`false`).
pub const DATE_FILTER: &str = "date_filter";

/// What the registry knows of Bland.
pub const INFO: ProviderInfo = ProviderInfo {
    id: ID,
    name: "Bland AI",
    kind: "voice-AI platform",
    credentials: &[Credential {
        env: API_KEY,
        flag: "token",
    }],
    filters: "the time range (start_date/end_date, by day, trimmed to the instant); --from, --to, --direction, --status on the normalized calls",
    limits: "limit 1,000, from/to index window with a total count, ascending; then one detail request per call (--no-detail: the list only); 10 requests/s by default",
    build: |s| Ok(std::sync::Arc::new(Bland::from_settings(s)?) as DynProvider),
    apply_filters,
    reads: raw::READS,
    webhook: None,
};

/// The Bland provider.
#[derive(Clone, Debug)]
pub struct Bland {
    http: HttpClient,
    base: Url,
    key: Option<SecretString>,
    dates: bool,
}

impl Bland {
    /// Builds the provider; the key is checked when a request is made.
    pub fn from_settings(s: &Settings) -> Result<Self> {
        let key = s.get_credential(API_KEY);
        let dates = match s.get_option(DATE_FILTER).map(str::trim) {
            None | Some("true") => true,
            Some("false") => false,
            Some(other) => {
                return Err(Error::Config {
                    provider: ID,
                    message: format!("{DATE_FILTER} must be true or false, not {other:?}"),
                });
            }
        };
        Ok(Bland {
            http: HttpClient::new(ID, API_KEY, s.http.clone())?
                // No published request rate: a polite default.
                .with_default_rate_limit(10.0)
                .redacting([&key]),
            base: parse_base_url(
                ID,
                s.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
                s.allow_insecure,
            )?,
            key,
            dates,
        })
    }

    fn get(&self, url: Url) -> Result<reqwest::RequestBuilder> {
        let key = calllogs_core::settings::present(ID, API_KEY, &self.key)?;
        Ok(self.http.request(reqwest::Method::GET, url).header(
            reqwest::header::AUTHORIZATION,
            secret_header(ID, API_KEY, key)?,
        ))
    }
}

impl HttpProvider for Bland {
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
        self.http.concurrency(8)
    }

    fn paging(&self) -> PagingSpec {
        let mut spec = PagingSpec::new(PagingStyle::Offset, MAX_PAGE, MAX_PAGE);
        spec.default_lookback = Some(chrono::Duration::days(7));
        spec.coarse_time_filter = true;
        spec.detail = Some(true);
        spec
    }

    fn request(&self, query: &CallQuery, token: &PageToken) -> Result<reqwest::RequestBuilder> {
        Ok(self
            .get(endpoint(&self.base, "v1/calls"))?
            .query(&Params::new(query, token.offset(), self.dates)))
    }

    fn detail_request(&self, listed: &Call) -> Option<Result<reqwest::RequestBuilder>> {
        let mut url = endpoint(&self.base, "v1/calls");
        url.path_segments_mut().ok()?.push(&listed.id);
        Some(self.get(url))
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
    Ok(calllogs_core::page::map_records(ID, records, map::call)
        .with_total(resp.count.and_then(|t| u64::try_from(t).ok())))
}
