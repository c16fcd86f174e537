//! Plivo call logs for calllogs: `GET {base}/v1/Account/{auth_id}/Call/`
//! (List all calls), normalized into [`calllogs_core::Call`].
//!
//! ```no_run
//! use calllogs_core::{CallQuery, ProviderStreams, Settings};
//! use futures::TryStreamExt;
//! # async fn run() -> calllogs_core::Result<()> {
//! // PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN from the environment, as Plivo's SDKs read them.
//! let plivo = std::sync::Arc::new(calllogs_plivo::Plivo::from_settings(&Settings::new())?);
//! let since = chrono::Utc::now() - chrono::Duration::days(45);
//! let calls: Vec<_> = plivo.calls(CallQuery::new().since(since)).try_collect().await?;
//! # Ok(()) }
//! ```
//!
//! What this crate does for you, from Plivo's document:
//!
//! - **Auth**: HTTP basic with the auth id and auth token (settings
//!   `PLIVO_AUTH_ID` and `PLIVO_AUTH_TOKEN`, else those environment variables).
//! - **Base URL**: `https://api.plivo.com`, or the `base_url` setting.
//! - **Page size**: `limit` is at most 20; a larger page size is clamped.
//! - **Windows**: Plivo refuses (400) an `end_time` range over 30 days, and
//!   searches only the last 7 days when no `end_time` filter is sent. The
//!   client always sends an explicit range — by default the 7 days before
//!   the pull starts — pins its upper bound when the pull starts (so calls
//!   ending while paging cannot shift offsets), and splits longer ranges into
//!   30-day windows fetched in turn, oldest first.
//! - **Retention**: Plivo serves the last 90 days only. A range entirely
//!   older is an error; a range starting earlier is cut to 90 days with a
//!   warning.
//! - **Time filter**: the query's range applies to the call's **end time**
//!   (`end_time__gte` / `end_time__lte`), the only time Plivo filters on.
//! - **Mapping**: times (`2022-10-12 21:57:40+05:30`, the account's offset)
//!   become UTC; digits-only numbers become E.164 (`14153268174` →
//!   `+14153268174`), SIP URIs are kept; `hangup_cause_code` resolves the
//!   cause first, `hangup_cause_name` is the fallback and is kept as
//!   `provider_reason`; `total_amount` is the cost in USD as Plivo wrote it;
//!   the status comes from `call_state`, else from whether the call was
//!   answered and why it ended. STIR fields and everything else stay in `raw`.

#![warn(missing_docs)]

use calllogs_core::http::{HttpClient, endpoint, parse_base_url};
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

pub use query::{Cmp, Params, PlivoFilters, apply_filters, plivo_time};

/// The provider id.
pub const ID: &str = "plivo";
/// Plivo's API host.
pub const DEFAULT_BASE_URL: &str = "https://api.plivo.com";
/// Setting / environment variable of the auth id.
pub const AUTH_ID: &str = "PLIVO_AUTH_ID";
/// Setting / environment variable of the auth token.
pub const AUTH_TOKEN: &str = "PLIVO_AUTH_TOKEN";

/// What the registry knows of Plivo.
pub const INFO: ProviderInfo = ProviderInfo {
    id: ID,
    name: "Plivo",
    kind: "CPaaS",
    credentials: &[
        Credential {
            env: AUTH_ID,
            flag: "auth-id",
        },
        Credential {
            env: AUTH_TOKEN,
            flag: "token",
        },
    ],
    filters: "since/until (end time), direction, from, to (exact or prefix); --filter subaccount, parent_call_uuid, \
              bill_duration[__gt|__gte|__lt|__lte], end_time[__…], hangup_cause_code, hangup_source, stir_verification",
    limits: "limit ≤ 20 per page (offset paging); ≤ 30-day windows; last 90 days only; 300 requests / 5 s",
    build: |s| Ok(std::sync::Arc::new(Plivo::from_settings(s)?) as DynProvider),
    apply_filters,
    reads: raw::READS,
    webhook: Some(&webhook::WEBHOOK),
};

/// The Plivo provider.
#[derive(Clone, Debug)]
pub struct Plivo {
    http: HttpClient,
    base: Url,
    auth_id: Option<SecretString>,
    auth_token: Option<SecretString>,
}

impl Plivo {
    /// Builds the provider. Missing credentials are an error only when a
    /// request is made, so offline work (normalize, explain) needs none.
    pub fn from_settings(s: &Settings) -> Result<Self> {
        let base = parse_base_url(
            ID,
            s.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            s.allow_insecure,
        )?;
        let auth_id = s.get_credential(AUTH_ID);
        let auth_token = s.get_credential(AUTH_TOKEN);
        let http = HttpClient::new(ID, &format!("{AUTH_ID} / {AUTH_TOKEN}"), s.http.clone())?
            // Plivo publishes 300 requests per 5 seconds per account.
            .with_default_rate_limit(60.0)
            // Its `next` links carry the auth id; decode errors quote bodies.
            .redacting([&auth_id, &auth_token]);
        Ok(Plivo {
            http,
            base,
            auth_id,
            auth_token,
        })
    }

    fn credentials(&self) -> Result<(&SecretString, &SecretString)> {
        use calllogs_core::settings::present;
        Ok((
            present(ID, AUTH_ID, &self.auth_id)?,
            present(ID, AUTH_TOKEN, &self.auth_token)?,
        ))
    }
}

impl HttpProvider for Plivo {
    fn info(&self) -> &'static ProviderInfo {
        &INFO
    }

    fn http(&self) -> &HttpClient {
        &self.http
    }

    fn account(&self) -> String {
        calllogs_core::settings::account_label(self.auth_id.as_ref().map(|id| id.expose_secret()))
    }

    fn concurrency(&self) -> usize {
        self.http.concurrency(16)
    }

    fn paging(&self) -> PagingSpec {
        let mut spec = PagingSpec::new(PagingStyle::Offset, 20, 20);
        spec.max_window = Some(chrono::Duration::days(30));
        spec.default_lookback = Some(chrono::Duration::days(7));
        spec.retention = Some(chrono::Duration::days(90));
        spec
    }

    fn request(&self, query: &CallQuery, token: &PageToken) -> Result<reqwest::RequestBuilder> {
        let (id, auth) = self.credentials()?;
        let url = endpoint(
            &self.base,
            &format!("v1/Account/{}/Call/", id.expose_secret()),
        );
        let req = self
            .http
            .request(reqwest::Method::GET, url)
            .basic_auth(id.expose_secret(), Some(auth.expose_secret()))
            .query(&Params::new(query, token.offset()));
        Ok(req)
    }

    fn decode(&self, status: Option<u16>, body: &[u8]) -> Result<Page<Call>> {
        decode(status, body)
    }

    fn map(&self, record: &serde_json::value::RawValue) -> std::result::Result<Call, String> {
        map::call(record)
    }

    fn explain(&self, reason: &str) -> Option<calllogs_core::Hangup> {
        // Digits are a `hangup_cause_code` (Plivo's own numbering); words a
        // `hangup_cause_name`: the mapping's function for each.
        let reason = reason.trim();
        if !reason.is_empty() && reason.bytes().all(|b| b.is_ascii_digit()) {
            return map::hangup(Some(reason), None);
        }
        calllogs_core::Hangup::explain_words(reason)
    }
}

fn decode(status: Option<u16>, body: &[u8]) -> Result<Page<Call>> {
    let resp: raw::ListResponse = calllogs_core::http::decode_json(ID, status, body)?;
    let records = calllogs_core::page::require_records(ID, status, body, "objects", resp.objects)?;
    let total = resp.meta.total_count.and_then(|t| u64::try_from(t).ok());
    Ok(calllogs_core::page::map_records(ID, records, map::call)
        .with_total(total)
        .with_next(resp.meta.next))
}
