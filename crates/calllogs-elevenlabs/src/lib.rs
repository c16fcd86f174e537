//! ElevenLabs Agents (Conversational AI) conversations for calllogs,
//! normalized into [`calllogs_core::Call`].
//!
//! ```no_run
//! use calllogs_core::{CallQuery, ProviderStreams, Settings};
//! use futures::TryStreamExt;
//! # async fn run() -> calllogs_core::Result<()> {
//! // ELEVENLABS_API_KEY from the environment; each conversation's detail is fetched too.
//! let provider = std::sync::Arc::new(calllogs_elevenlabs::Elevenlabs::from_settings(&Settings::new())?);
//! let since = chrono::Utc::now() - chrono::Duration::days(7);
//! let calls: Vec<_> = provider.calls(CallQuery::new().since(since)).try_collect().await?;
//! println!("{} calls", calls.len());
//! # Ok(()) }
//! ```
//!
//! - `GET {base}/v1/convai/conversations` with `xi-api-key`
//!   (`ELEVENLABS_API_KEY`): `page_size` up to 100, `cursor` (the
//!   envelope's `next_cursor`, while `has_more`), `agent_id` (also
//!   `--agent`), and the start time in unix seconds
//!   (`call_start_after_unix`/`call_start_before_unix`). Whether those
//!   bounds include their second is not documented: each is sent one second
//!   wider and the engine keeps exactly the window.
//! - The list's summaries lack what users need (cost, the termination
//!   reason's detail, the phone numbers, the transcript): each
//!   conversation's `GET {base}/v1/convai/conversations/{id}` has them.
//!   That is core's list-then-detail paging, **on by default** here
//!   (`fetch --no-detail`, or `detail = false` in an account, keeps only
//!   the summaries: a request per page instead of one per call). A
//!   conversation deleted between the list and its detail is skipped and
//!   counted; a detail that fails fails its page.
//! - **Assumed** (unconfirmed in the sources): the list is newest first
//!   (the cursor chain of a pinned window is followed to its end, so the
//!   order does not matter); ElevenLabs publishes no request rate for this
//!   API, so 10 requests/s by default.
//! - Mapping: `status` (`initiated`/`in-progress` in progress; `processing`
//!   ended, its analysis pending; `done`; `failed`) and
//!   `metadata.termination_reason`, free text and not an enum, classified
//!   by the core taxonomy's phrases (`end_call tool` → agent hangup,
//!   `client disconnected` → the customer hung up, `maximum duration`,
//!   `silence`, `voicemail`, …; else `other`), the words always kept (else
//!   `metadata.error.reason`'s); `metadata.cost_fiat` is
//!   the money (USD, exact); `metadata.cost` is credits, kept on the agent
//!   (`extra.credits`), never called money; `call_duration_secs`;
//!   `metadata.phone_call` (twilio, SIP trunk, exotel) gives the direction,
//!   the account's line (`agent_number`), the customer (`external_number`)
//!   and the carrier's call id (`parent_id`: the conversation is a leg of
//!   that call; a ten-digit number without `+` is taken as North American,
//!   `+1`); a conversation without a phone call (widget, SDK) is the
//!   customer's: inbound; the agent; transcript turns at their seconds into
//!   the call; `analysis` (evaluation and data-collection results) as
//!   given, or the summary's `call_successful`/`transcript_summary`.

#![warn(missing_docs)]

use calllogs_core::http::{HttpClient, endpoint, parse_base_url, secret_header};
use calllogs_core::secrecy::{ExposeSecret, SecretString};
use calllogs_core::{
    Call, CallQuery, Credential, DynProvider, Hangup, HttpProvider, Page, PageToken, PagingSpec,
    PagingStyle, ProviderInfo, Result, Settings, Url,
};

mod map;
mod query;
mod raw;

/// The provider's API served on loopback, for tests, demos and benchmarks
/// (feature `emulator`): [`emulator::api`] is what `calllogs_emulator::start` serves.
#[cfg(feature = "emulator")]
pub mod emulator;

pub use map::call;
pub use query::{ElevenlabsFilters, Params, apply_filters};

/// The provider id.
pub const ID: &str = "elevenlabs";
/// Setting / environment variable of the API key.
pub const API_KEY: &str = "ELEVENLABS_API_KEY";
/// ElevenLabs' API.
pub const DEFAULT_BASE_URL: &str = "https://api.elevenlabs.io";
/// The largest page the list serves.
pub const MAX_PAGE: u32 = 100;

/// What the registry knows of ElevenLabs.
pub const INFO: ProviderInfo = ProviderInfo {
    id: ID,
    name: "ElevenLabs Agents",
    kind: "voice-AI platform",
    credentials: &[Credential {
        env: API_KEY,
        flag: "token",
    }],
    filters: "the time range (start time, unix seconds), --agent; --filter agent_id=…",
    limits: "page_size up to 100 (default 100); cursor; then one detail request per conversation (--no-detail: the list only); 10 requests/s by default",
    build: |s| Ok(std::sync::Arc::new(Elevenlabs::from_settings(s)?) as DynProvider),
    apply_filters,
    reads: raw::READS,
    webhook: None,
};

/// The ElevenLabs provider.
#[derive(Clone, Debug)]
pub struct Elevenlabs {
    http: HttpClient,
    base: Url,
    key: Option<SecretString>,
}

impl Elevenlabs {
    /// Builds the provider; the key is checked when a request is made.
    pub fn from_settings(s: &Settings) -> Result<Self> {
        let key = s.get_credential(API_KEY);
        Ok(Elevenlabs {
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
        })
    }

    fn get(&self, url: Url) -> Result<reqwest::RequestBuilder> {
        let key = calllogs_core::settings::present(ID, API_KEY, &self.key)?;
        Ok(self
            .http
            .request(reqwest::Method::GET, url)
            .header("xi-api-key", secret_header(ID, API_KEY, key)?))
    }
}

impl HttpProvider for Elevenlabs {
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
        // Details (and windows) in flight at once, under the rate limit.
        self.http.concurrency(8)
    }

    fn paging(&self) -> PagingSpec {
        let mut spec = PagingSpec::new(PagingStyle::Cursor, MAX_PAGE, MAX_PAGE);
        spec.default_lookback = Some(chrono::Duration::days(7));
        spec.max_window = Some(chrono::Duration::days(1));
        // The bounds are sent a second wider: the engine keeps the window.
        spec.coarse_time_filter = true;
        spec.detail = Some(true);
        spec
    }

    fn request(&self, query: &CallQuery, token: &PageToken) -> Result<reqwest::RequestBuilder> {
        Ok(self
            .get(endpoint(&self.base, "v1/convai/conversations"))?
            .query(&Params::new(query, token)))
    }

    fn detail_request(&self, listed: &Call) -> Option<Result<reqwest::RequestBuilder>> {
        let mut url = endpoint(&self.base, "v1/convai/conversations");
        url.path_segments_mut().ok()?.push(&listed.id);
        Some(self.get(url))
    }

    fn decode(&self, status: Option<u16>, body: &[u8]) -> Result<Page<Call>> {
        decode(status, body)
    }

    fn map(&self, record: &serde_json::value::RawValue) -> std::result::Result<Call, String> {
        map::call(record)
    }

    fn explain(&self, reason: &str) -> Option<Hangup> {
        map::explain(reason)
    }
}

fn decode(status: Option<u16>, body: &[u8]) -> Result<Page<Call>> {
    let resp: raw::ListResponse = calllogs_core::http::decode_json(ID, status, body)?;
    let records = calllogs_core::page::require_records(
        ID,
        status,
        body,
        "conversations",
        resp.conversations,
    )?;
    let next = resp
        .next_cursor
        .filter(|c| !c.trim().is_empty() && resp.has_more != Some(false));
    Ok(calllogs_core::page::map_records(ID, records, map::call).with_next(next))
}
