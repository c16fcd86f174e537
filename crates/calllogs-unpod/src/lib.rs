//! Unpod call logs for calllogs: an organization's calls on the Unpod
//! voice-AI platform, normalized into [`calllogs_core::Call`].
//!
//! ```no_run
//! use calllogs_core::{CallQuery, ProviderStreams, Settings};
//! use futures::TryStreamExt;
//! # async fn run() -> calllogs_core::Result<()> {
//! // UNPOD_ORG_HANDLE and UNPOD_API_TOKEN from the environment.
//! let unpod = std::sync::Arc::new(calllogs_unpod::Unpod::from_settings(&Settings::new())?);
//! let calls: Vec<_> = unpod.calls(CallQuery::new()).try_collect().await?;
//! # Ok(()) }
//! ```
//!
//! # The request
//!
//! `GET {base}/call-logs/` with `Org-Handle: <organization domain handle>`
//! and `Authorization: Token <token>`; filters `page`, `page_size`,
//! `start_date`, `end_date`, `call_type` (inbound/outbound), `call_status`
//! (completed/missed/failed).
//!
//! # What this crate does, and the settings that change it
//!
//! | behaviour | setting |
//! |---|---|
//! | base URL `https://unpod.dev/api/v2/platform` | `base_url` |
//! | path `call-logs/` | option `path` |
//! | credentials `UNPOD_ORG_HANDLE` and `UNPOD_API_TOKEN` (settings, else the environment) | — |
//! | page size 100 by default, the most the document advises (its own default is 20; fewer, larger pages mean fewer requests) | option `max_page_size` changes it; `--page-size` lowers it |
//! | both dates always sent, as the document advises: by default the last 7 days, upper bound pinned at the start of the pull; the range `[since, until)` goes out as `start_date = since`, `end_date = until − 1µs` | — |
//! | long ranges split into windows fetched in turn | option `window_days` (default 30) |
//! | paging follows the response's `next` URL (absolute or relative) until it is null; a `next` on another host (or scheme, or port) is refused, since it would carry the token there | — |
//! | an envelope whose `status_code` is an error is that error even inside an HTTP 200 | — |
//! | a timestamp without an offset is read as UTC | — |
//! | `call_duration` is read as `H:MM:SS`, `HH:MM:SS`, `MM:SS`, over 24 hours, or integer seconds (Unpod's reference shows both); a malformed value is `null` with the record kept in `raw` | — |
//! | `started_at` is `start_time`, else `creation_time` | — |
//! | `end_reason` (free text) goes through the taxonomy: cause names, SIP-layer names and voice-AI reasons (`caller_hangup`, `customer-ended-call`, `customer-busy`, …); anything else is `other` with the words kept | — |
//! | `bridge` and every other field stay in `raw` | — |

#![warn(missing_docs)]

use calllogs_core::http::{HttpClient, endpoint, follow_link, parse_base_url, secret_header};
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

pub use query::{Params, UnpodFilters, apply_filters};

/// The provider id.
pub const ID: &str = "unpod";
/// Unpod's platform API.
pub const DEFAULT_BASE_URL: &str = "https://unpod.dev/api/v2/platform";
/// The default path below the base URL.
pub const DEFAULT_PATH: &str = "call-logs/";
/// Setting / environment variable of the organization handle.
pub const ORG_HANDLE: &str = "UNPOD_ORG_HANDLE";
/// Setting / environment variable of the API token.
pub const API_TOKEN: &str = "UNPOD_API_TOKEN";

/// What the registry knows of Unpod.
pub const INFO: ProviderInfo = ProviderInfo {
    id: ID,
    name: "Unpod",
    kind: "voice-AI platform",
    credentials: &[
        Credential {
            env: ORG_HANDLE,
            flag: "org-handle",
        },
        Credential {
            env: API_TOKEN,
            flag: "token",
        },
    ],
    filters: "since/until (start_date/end_date, always sent), direction (call_type), status (call_status); \
              --filter call_status",
    limits: "page_size ≤ 100 (next links); 30-day windows; no published rate limit",
    build: |s| Ok(std::sync::Arc::new(Unpod::from_settings(s)?) as DynProvider),
    apply_filters,
    reads: raw::READS,
    webhook: None,
};

/// The Unpod provider.
#[derive(Clone, Debug)]
pub struct Unpod {
    http: HttpClient,
    base: Url,
    path: String,
    org: Option<SecretString>,
    token: Option<SecretString>,
    max_page_size: u32,
    window_days: i64,
}

impl Unpod {
    /// Builds the provider; missing credentials are an error only when a
    /// request is made.
    pub fn from_settings(s: &Settings) -> Result<Self> {
        let number = |name: &str, default: i64| -> Result<i64> {
            match s.get_option(name) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| Error::Config {
                        provider: ID,
                        message: format!("option {name} = {v:?} is not a positive number"),
                    }),
            }
        };
        Ok(Unpod {
            http: HttpClient::new(ID, API_TOKEN, s.http.clone())?
                // Unpod publishes no limit: a polite default.
                .with_default_rate_limit(20.0)
                .with_forbidden_credential(ORG_HANDLE)
                .redacting([&s.get_credential(ORG_HANDLE), &s.get_credential(API_TOKEN)]),
            base: parse_base_url(
                ID,
                s.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
                s.allow_insecure,
            )?,
            path: s.get_option("path").unwrap_or(DEFAULT_PATH).to_string(),
            org: s.get_credential(ORG_HANDLE),
            token: s.get_credential(API_TOKEN),
            max_page_size: u32::try_from(number("max_page_size", 100)?).unwrap_or(u32::MAX),
            window_days: number("window_days", 30)?.min(3650),
        })
    }

    fn headers(&self, req: reqwest::RequestBuilder) -> Result<reqwest::RequestBuilder> {
        use calllogs_core::settings::present;
        let org = present(ID, ORG_HANDLE, &self.org)?;
        let token = present(ID, API_TOKEN, &self.token)?;
        let auth = SecretString::from(format!("Token {}", token.expose_secret()));
        Ok(req
            .header("Org-Handle", secret_header(ID, ORG_HANDLE, org)?)
            .header(
                reqwest::header::AUTHORIZATION,
                secret_header(ID, API_TOKEN, &auth)?,
            ))
    }
}

impl HttpProvider for Unpod {
    fn info(&self) -> &'static ProviderInfo {
        &INFO
    }

    fn http(&self) -> &HttpClient {
        &self.http
    }

    fn account(&self) -> String {
        calllogs_core::settings::account_label(self.org.as_ref().map(|o| o.expose_secret()))
    }

    /// One window at a time unless `--concurrency` says more: a cursor chain
    /// cannot be split, its windows can (each window's pages are then held
    /// until its turn; shorten `window_days` for long ranges).
    fn concurrency(&self) -> usize {
        self.http.concurrency(1)
    }

    fn paging(&self) -> PagingSpec {
        let mut spec = PagingSpec::new(PagingStyle::Cursor, self.max_page_size, self.max_page_size);
        spec.default_lookback = Some(chrono::Duration::days(7));
        spec.max_window = Some(chrono::Duration::days(self.window_days));
        spec
    }

    fn request(&self, query: &CallQuery, token: &PageToken) -> Result<reqwest::RequestBuilder> {
        let endpoint = endpoint(&self.base, &self.path);
        let req = match token {
            PageToken::Cursor(next) => self
                .http
                .request(reqwest::Method::GET, follow_link(ID, &endpoint, next)?),
            _ => self
                .http
                .request(reqwest::Method::GET, endpoint)
                .query(&Params::first(query, self.max_page_size)),
        };
        let req = self.headers(req)?;
        Ok(req)
    }

    fn decode(&self, status: Option<u16>, body: &[u8]) -> Result<Page<Call>> {
        decode(status, body)
    }

    fn map(&self, record: &serde_json::value::RawValue) -> std::result::Result<Call, String> {
        map::call(record)
    }
}

fn decode(status: Option<u16>, body: &[u8]) -> Result<Page<Call>> {
    let env: raw::Envelope = calllogs_core::http::decode_json(ID, status, body)?;
    if let Some(code) = env
        .status_code
        .filter(|c| *c >= 400)
        .and_then(|c| u16::try_from(c).ok())
    {
        // Core retries and maps it like the same status on the wire
        // (401 names the token, 403 the organization handle).
        return Err(Error::Envelope {
            provider: ID,
            status: code,
            message: env
                .message
                .unwrap_or_else(|| "error reported in the response envelope".into()),
        });
    }
    let records = calllogs_core::page::require_records(ID, status, body, "data", env.data)?;
    Ok(calllogs_core::page::map_records(ID, records, map::call)
        .with_total(env.count.and_then(|t| u64::try_from(t).ok()))
        .with_next(env.next))
}
