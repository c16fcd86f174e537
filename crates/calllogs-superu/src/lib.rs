//! SuperU call logs for calllogs: voice-AI assistant calls with transcripts,
//! recordings and AI analysis, normalized into [`calllogs_core::Call`].
//!
//! ```no_run
//! use calllogs_core::{CallQuery, ProviderStreams, Settings};
//! use calllogs_superu::{Superu, SuperuFilters};
//! use futures::TryStreamExt;
//! # async fn run() -> calllogs_core::Result<()> {
//! let superu = std::sync::Arc::new(Superu::from_settings(&Settings::new())?); // SUPERU_API_KEY from the environment
//! let q = CallQuery::new().extension(SuperuFilters { assistant_id: Some("asst-1".into()), ..Default::default() });
//! let calls: Vec<_> = superu.calls(q).try_collect().await?;
//! # Ok(()) }
//! ```
//!
//! # The request
//!
//! `POST {base}/call-logs/{assistant_id}`, with the filters as **query
//! parameters** although the method is POST (as SuperU's API reference and
//! Python SDK show): `limit` (1..=100; we send 100, the largest, unless `--page-size` lowers it), `page` (from 1), `after`
//! (lower time bound, from `CallQuery::since`), `before` (upper bound, from
//! `CallQuery::until`), `status`, `campaign_id`, `search_query`. The API key
//! goes in the `superU-Api-Key` header.
//!
//! # Assumptions about the wire format, and what changes them
//!
//! The public reference shows only part of the response. What this crate
//! assumes, and the setting or alias that covers the alternatives:
//!
//! | assumption | where it is changed |
//! |---|---|
//! | base URL `https://voip-middlware.superu.ai` (spelled so) | setting `base_url` |
//! | path `call-logs/{assistant_id}`, assistant `all` by default | setting option `path` (`{assistant}` is replaced); `SuperuFilters::assistant_id`, `CallQuery::agent`, CLI `--assistant` |
//! | key header `superU-Api-Key` | setting option `key_header` |
//! | envelope `{"success", "data": {"calls": [...], "total"}}`; `data.call_logs`/`data.logs` and `count`/`totalCount` also read; `success: false` with `message`/`error` is an error | — |
//! | a call is Vapi-style camelCase: `id`, `assistantId`, `type`, `cost` (JSON number, USD), `endedReason`, `status`, `startedAt`/`endedAt`/`createdAt` | snake_case aliases of each (`assistant_id`, `ended_reason`, `started_at`, …) |
//! | numbers: `customer.number` (the other party) and `phoneNumber.number` (the assistant's line); flat `customer_number`/`to_number` and `from_number` also read | serde aliases in `raw.rs` |
//! | direction from `type` (`inboundPhoneCall`/`outboundPhoneCall`, or a plain `inbound`/`outbound`) | alias `call_type`, `direction` |
//! | recordings: `recordingUrl`, `stereoRecordingUrl`, `artifact.recordingUrl` | aliases `recording_url`, `stereo_recording_url` |
//! | transcript: an array of `{role, content or message or text, created_at or time}`, `system` turns left out; a single string is one turn; Vapi's `messages` when `transcript` is absent | — |
//! | analysis: `analysis` kept whole (summary, sentiment, outcome, structured data); a top-level `summary` becomes `{"summary": …}` | — |
//! | campaign: `campaignId` / `campaign_id`, `campaignName` | — |
//! | duration: `durationSeconds` (or `duration`), else `endedAt - startedAt` | — |
//! | `cost` is kept exactly as the JSON wrote it (no float rounding); a string cost is read too | — |
//!
//! Every record is kept unchanged in `raw`; a missing or oddly typed field
//! is `null`, never an error. Paging is by page number; a short or empty
//! page, or reaching `data.total`, ends it. The status filter sent is
//! SuperU's documented `completed`; other statuses are filtered after the
//! fetch on the normalized status. The hangup cause comes from
//! `endedReason` through the taxonomy (the cause names in any case, and the
//! Vapi-style reasons).

#![warn(missing_docs)]

use calllogs_core::http::{HttpClient, endpoint, parse_base_url, secret_header};
use calllogs_core::secrecy::SecretString;
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

pub use query::{Params, SuperuFilters, apply_filters, assistant};

/// The provider id.
pub const ID: &str = "superu";
/// SuperU's API host, spelled as SuperU spells it.
pub const DEFAULT_BASE_URL: &str = "https://voip-middlware.superu.ai";
/// Setting / environment variable of the API key.
pub const API_KEY: &str = "SUPERU_API_KEY";
/// The default path; `{assistant}` is replaced by the assistant id.
pub const DEFAULT_PATH: &str = "call-logs/{assistant}";
/// The default header carrying the key.
pub const DEFAULT_KEY_HEADER: &str = "superU-Api-Key";

/// What the registry knows of SuperU.
pub const INFO: ProviderInfo = ProviderInfo {
    id: ID,
    name: "SuperU",
    kind: "voice-AI agents",
    credentials: &[Credential {
        env: API_KEY,
        flag: "token",
    }],
    filters: "since/until (after/before), status, campaign, search, agent or --assistant (assistant id, default all); \
              --filter assistant_id, status (SuperU's own value)",
    limits: "limit 1..=100 per page (page numbers from 1); no published rate limit",
    build: |s| Ok(std::sync::Arc::new(Superu::from_settings(s)?) as DynProvider),
    apply_filters,
    reads: raw::READS,
    webhook: None,
};

/// The SuperU provider.
#[derive(Clone, Debug)]
pub struct Superu {
    http: HttpClient,
    base: Url,
    path: String,
    key_header: String,
    key: Option<SecretString>,
}

impl Superu {
    /// Builds the provider; a missing key is an error only when a request is made.
    pub fn from_settings(s: &Settings) -> Result<Self> {
        Ok(Superu {
            http: HttpClient::new(ID, API_KEY, s.http.clone())?
                // SuperU publishes no limit: a polite default.
                .with_default_rate_limit(20.0)
                .redacting([&s.get_credential(API_KEY)]),
            base: parse_base_url(
                ID,
                s.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
                s.allow_insecure,
            )?,
            path: s.get_option("path").unwrap_or(DEFAULT_PATH).to_string(),
            key_header: s
                .get_option("key_header")
                .unwrap_or(DEFAULT_KEY_HEADER)
                .to_string(),
            key: s.get_credential(API_KEY),
        })
    }
}

impl HttpProvider for Superu {
    fn info(&self) -> &'static ProviderInfo {
        &INFO
    }

    fn http(&self) -> &HttpClient {
        &self.http
    }

    fn account(&self) -> String {
        use calllogs_core::secrecy::ExposeSecret;
        calllogs_core::settings::account_label(self.key.as_ref().map(|k| k.expose_secret()))
    }

    fn concurrency(&self) -> usize {
        self.http.concurrency(4)
    }

    fn paging(&self) -> PagingSpec {
        PagingSpec::new(PagingStyle::PageNumber, 100, 100)
    }

    fn request(&self, query: &CallQuery, token: &PageToken) -> Result<reqwest::RequestBuilder> {
        let key = calllogs_core::settings::present(ID, API_KEY, &self.key)?;
        let header = secret_header(ID, API_KEY, key)?;
        let assistant = assistant(query);
        let mut url = endpoint(&self.base, &self.path.replace("{assistant}", "_assistant_"));
        // The id goes in as one path segment, escaped.
        let segments: Vec<String> = url
            .path_segments()
            .map(|s| {
                s.map(|seg| {
                    if seg == "_assistant_" {
                        assistant.clone()
                    } else {
                        seg.to_string()
                    }
                })
                .collect()
            })
            .unwrap_or_default();
        if let Ok(mut path) = url.path_segments_mut() {
            path.clear().extend(segments);
        }
        let req = self
            .http
            .request(reqwest::Method::POST, url)
            .header(self.key_header.as_str(), header)
            .header(reqwest::header::CONTENT_LENGTH, 0)
            .query(&Params::new(query, token.number()));
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
    if env.success == Some(false) {
        // Core maps it like the same status on the wire.
        return Err(Error::Envelope {
            provider: ID,
            status: status.unwrap_or(200),
            message: env
                .message
                .unwrap_or_else(|| "the API answered success: false".into()),
        });
    }
    let data = env.data.ok_or_else(|| Error::Decode {
        provider: ID,
        status,
        path: "data".into(),
        message: "missing field `data`".into(),
        snippet: calllogs_core::error::snippet(body),
        source: None,
    })?;
    let records = calllogs_core::page::require_records(ID, status, body, "data.calls", data.calls)?;
    Ok(calllogs_core::page::map_records(ID, records, map::call)
        .with_total(data.total.and_then(|t| u64::try_from(t).ok())))
}
