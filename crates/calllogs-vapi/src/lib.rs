//! Vapi call logs for calllogs, normalized into [`calllogs_core::Call`].
//!
//! ```no_run
//! use calllogs_core::{CallQuery, ProviderStreams, Settings};
//! use futures::TryStreamExt;
//! # async fn run() -> calllogs_core::Result<()> {
//! // VAPI_API_KEY from the environment.
//! let provider = std::sync::Arc::new(calllogs_vapi::Vapi::from_settings(&Settings::new())?);
//! let since = chrono::Utc::now() - chrono::Duration::days(7);
//! let calls: Vec<_> = provider.calls(CallQuery::new().since(since)).try_collect().await?;
//! println!("{} calls", calls.len());
//! # Ok(()) }
//! ```
//!
//! - `GET {base}/call` with `Authorization: Bearer <key>` (`VAPI_API_KEY`);
//!   filters `assistantId` (also `--agent`), `phoneNumberId`, and the time
//!   range on `createdAt`; `limit` up to 1,000 (the default: the largest).
//! - The answer is a bare JSON array (the official SDK's `List[Call]`),
//!   newest first, with no total and no next link: it is paged by a time
//!   cursor ([`PagingStyle::TimeCursor`], in core), moving `createdAtLe` to
//!   the oldest `createdAt` seen and dropping the ids already emitted at
//!   that instant, so calls sharing a timestamp neither repeat nor are
//!   skipped. A page shorter than `limit` is not the last (Vapi's own
//!   default is 100, and a server may serve fewer than asked): the chain
//!   ends when a page brings no new call. A whole page of calls at one
//!   instant is an error (raise the page size), never a silent skip.
//! - The call object's fields are those of vapi-server-sdk's `Call` (a CI
//!   test holds the emulator, the fixtures and [`INFO`]'s `reads` to it).
//! - Mapping: `type` (`inboundPhoneCall`, `outboundPhoneCall`, `webCall`
//!   and `vapi.websocketCall`, both customer-started) to the direction;
//!   `status` and `endedReason` to the status and the cause, `endedReason`
//!   by family through the core taxonomy (`calllogs_core::taxonomy::FAMILIES`,
//!   shared with SuperU, whose records use the same words; a reason that
//!   names a SIP response carries that code), `other` with the words kept
//!   for an unknown one; a call with a conversation that ended on an error
//!   is answered, the error its cause; `cost` exact in USD (an exponent
//!   written out), `costBreakdown` on the assistant (`agents[0].extra`);
//!   `analysis` as given (`summary`, `structuredData`, `successEvaluation`);
//!   `artifact.messages` (older calls: top-level `messages`) to speaker
//!   turns (system and tool messages left out), else `artifact.transcript`
//!   as one turn; `artifact.recordingUrl`/`stereoRecordingUrl` to
//!   recordings; `customer.number` (or `customer.sipUri`, kept as given) to
//!   the other party and the contact, `customerId` to the contact's id;
//!   `phoneNumber.twilioPhoneNumber` to the account's line (a saved number
//!   is only `phoneNumberId`, so the line is then empty); `campaignId` to
//!   the campaign; `assistantId` (else `squadId`) to the agent.
//! - Analysis arrives after the call ends: the sync's lookback reads recent
//!   calls again and stores the updated record.

#![warn(missing_docs)]

use calllogs_core::http::{HttpClient, endpoint, parse_base_url, secret_header};
use calllogs_core::secrecy::{ExposeSecret, SecretString};
use calllogs_core::{
    Call, CallQuery, Credential, DynProvider, HttpProvider, Page, PageToken, PagingSpec,
    PagingStyle, ProviderInfo, Result, Settings, Url,
};
use serde_json::value::RawValue;

mod map;
mod query;
mod raw;
pub mod webhook;

/// The provider's API served on loopback, for tests, demos and benchmarks
/// (feature `emulator`): [`emulator::api`] is what `calllogs_emulator::start` serves.
#[cfg(feature = "emulator")]
pub mod emulator;

pub use map::call;
pub use query::{Params, VapiFilters, apply_filters};

/// The provider id.
pub const ID: &str = "vapi";
/// Setting / environment variable of the private API key.
pub const API_KEY: &str = "VAPI_API_KEY";
/// Vapi's API.
pub const DEFAULT_BASE_URL: &str = "https://api.vapi.ai";

/// What the registry knows of Vapi.
pub const INFO: ProviderInfo = ProviderInfo {
    id: ID,
    name: "Vapi",
    kind: "voice-AI platform",
    credentials: &[Credential {
        env: API_KEY,
        flag: "token",
    }],
    filters: "the time range (createdAt), what changed since a time (updatedAt, what sync asks for), --agent (assistantId); --filter assistantId=…, phoneNumberId=…",
    limits: "limit up to 1,000 (default 1,000); newest first, paged by a time cursor; 20 requests/s by default",
    build: |s| Ok(std::sync::Arc::new(Vapi::from_settings(s)?) as DynProvider),
    apply_filters,
    reads: raw::READS,
    webhook: Some(&webhook::WEBHOOK),
};

/// The Vapi provider.
#[derive(Clone, Debug)]
pub struct Vapi {
    http: HttpClient,
    base: Url,
    key: Option<SecretString>,
}

impl Vapi {
    /// Builds the provider; the key is checked when a request is made.
    pub fn from_settings(s: &Settings) -> Result<Self> {
        let key = s.get_credential(API_KEY);
        Ok(Vapi {
            http: HttpClient::new(ID, API_KEY, s.http.clone())?
                // Vapi publishes no limit for this endpoint: a polite default.
                .with_default_rate_limit(20.0)
                .redacting([&key]),
            base: parse_base_url(
                ID,
                s.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
                s.allow_insecure,
            )?,
            key,
        })
    }
}

impl HttpProvider for Vapi {
    fn info(&self) -> &'static ProviderInfo {
        &INFO
    }

    fn http(&self) -> &HttpClient {
        &self.http
    }

    fn account(&self) -> String {
        calllogs_core::settings::account_label(self.key.as_ref().map(|k| k.expose_secret()))
    }

    fn paging(&self) -> PagingSpec {
        let mut spec = PagingSpec::new(PagingStyle::TimeCursor, 1000, 1000);
        spec.default_lookback = Some(chrono::Duration::days(7));
        spec.updated_filter = true;
        spec
    }

    fn request(&self, query: &CallQuery, token: &PageToken) -> Result<reqwest::RequestBuilder> {
        let key = calllogs_core::settings::present(ID, API_KEY, &self.key)?;
        let bearer = SecretString::from(format!("Bearer {}", key.expose_secret()));
        let req = self
            .http
            .request(reqwest::Method::GET, endpoint(&self.base, "call"))
            .header(
                reqwest::header::AUTHORIZATION,
                secret_header(ID, API_KEY, &bearer)?,
            )
            .query(&Params::new(query, token));
        Ok(req)
    }

    fn decode(&self, status: Option<u16>, body: &[u8]) -> Result<Page<Call>> {
        decode(status, body)
    }

    fn map(&self, record: &RawValue) -> std::result::Result<Call, String> {
        map::call(record)
    }
}

fn decode(status: Option<u16>, body: &[u8]) -> Result<Page<Call>> {
    // Strict about the envelope: a bare array, nothing else.
    let records: Vec<&RawValue> = calllogs_core::http::decode_json(ID, status, body)?;
    // Each record parsed once: its call, and its key for the time cursor
    // (rejected records too, so the cursor moves past them).
    let keys = std::cell::RefCell::new(Vec::with_capacity(records.len()));
    let page = calllogs_core::page::map_records(ID, records, |r| {
        let (call, key) = map::with_key(r);
        keys.borrow_mut().push(key);
        call
    });
    let keys = keys.into_inner();
    Ok(page.with_oldest(keys.iter().map(|(at, id)| (*at, id.as_deref()))))
}
