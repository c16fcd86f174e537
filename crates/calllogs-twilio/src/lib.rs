//! Twilio call logs for calllogs, normalized into [`calllogs_core::Call`].
//!
//! ```no_run
//! use calllogs_core::{CallQuery, ProviderStreams, Settings};
//! use futures::TryStreamExt;
//! # async fn run() -> calllogs_core::Result<()> {
//! // TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN from the environment, as Twilio's SDKs read them.
//! let provider = std::sync::Arc::new(calllogs_twilio::Twilio::from_settings(&Settings::new())?);
//! let since = chrono::Utc::now() - chrono::Duration::days(7);
//! let calls: Vec<_> = provider.calls(CallQuery::new().since(since)).try_collect().await?;
//! println!("{} calls", calls.len());
//! # Ok(()) }
//! ```
//!
//! - `GET {base}/2010-04-01/Accounts/{AccountSid}/Calls.json`, HTTP basic with
//!   the account SID and auth token (`TWILIO_ACCOUNT_SID` / `TWILIO_AUTH_TOKEN`,
//!   as Twilio's SDKs read them), or with an API key SID and secret
//!   (`TWILIO_API_KEY` / `TWILIO_API_SECRET`) when both are set; the account
//!   SID names the account either way.
//! - Filters: `From`, `To`, `Status`, `ParentCallSid`, `EndTime>=`/`EndTime<`
//!   (days, as `--filter`), and the time range as
//!   `StartTime>=` / `StartTime<`, which Twilio documents by date: the widest
//!   safe days are asked for and the engine keeps exactly the window
//!   ([`PagingSpec::coarse_time_filter`]).
//! - Paging: `PageSize` up to 1,000 (the default: the largest), then
//!   `next_page_uri`, followed on the API host only.
//! - Mapping: RFC 2822 times; `duration` a string of seconds; the cost is the
//!   absolute value of `price` (a negative decimal string) in `price_unit`,
//!   kept exact. Twilio prices a call some time after it ends: the sync's
//!   lookback reads it again and picks the price up.
//! - **Twilio's call has no hangup cause.** The cause is derived from the
//!   status: `completed` → `normal_hangup`, `busy` → `busy_line`, `no-answer`
//!   → `no_answer`, `canceled` → `canceled`, `failed` → `other` (the status
//!   kept as the provider's words); `answered_by` `machine_*` or `fax` →
//!   `machine_detected`. Calls still queued, ringing or in progress have none.
//! - Usage totals (`calllogs audit`): `GET …/Usage/Records/Daily.json` with
//!   `Category=calls` and `IncludeSubaccounts=false`, one record per UTC
//!   day: calls, billed minutes and their price.

#![warn(missing_docs)]

use calllogs_core::http::{HttpClient, endpoint, follow_link, parse_base_url};
use calllogs_core::secrecy::{ExposeSecret, SecretString};
use calllogs_core::{
    Call, CallQuery, Credential, DynProvider, HttpProvider, Page, PageToken, PagingSpec,
    PagingStyle, ProviderInfo, Result, Settings, Url,
};

mod map;
mod query;
mod raw;
mod usage;
pub mod webhook;

/// The provider's API served on loopback, for tests, demos and benchmarks
/// (feature `emulator`): [`emulator::api`] is what `calllogs_emulator::start` serves.
#[cfg(feature = "emulator")]
pub mod emulator;

pub use map::call;
pub use query::{Params, TwilioFilters, apply_filters};

/// The provider id.
pub const ID: &str = "twilio";
/// Setting / environment variable of the account SID (`AC…`).
pub const ACCOUNT_SID: &str = "TWILIO_ACCOUNT_SID";
/// Setting / environment variable of the auth token.
pub const AUTH_TOKEN: &str = "TWILIO_AUTH_TOKEN";
/// Setting / environment variable of an API key SID (`SK…`), instead of the token.
pub const API_KEY: &str = "TWILIO_API_KEY";
/// Setting / environment variable of that API key's secret.
pub const API_SECRET: &str = "TWILIO_API_SECRET";
/// Twilio's API.
pub const DEFAULT_BASE_URL: &str = "https://api.twilio.com";

/// What the registry knows of Twilio.
pub const INFO: ProviderInfo = ProviderInfo {
    id: ID,
    name: "Twilio",
    kind: "CPaaS",
    credentials: &[
        Credential {
            env: ACCOUNT_SID,
            flag: "account-sid",
        },
        Credential {
            env: AUTH_TOKEN,
            flag: "token",
        },
        Credential {
            env: API_KEY,
            flag: "api-key",
        },
        Credential {
            env: API_SECRET,
            flag: "api-secret",
        },
    ],
    filters: "--from, --to, --status, the time range (StartTime, by day, trimmed to the instant); \
              --filter ParentCallSid=CA…, Status=queued|ringing|…, EndTime>=DAY, EndTime<DAY",
    limits: "PageSize up to 1,000 (default 1,000), next_page_uri; 100 requests/s by default",
    build: |s| Ok(std::sync::Arc::new(Twilio::from_settings(s)?) as DynProvider),
    apply_filters,
    reads: raw::READS,
    webhook: Some(&webhook::WEBHOOK),
};

/// The Twilio provider.
#[derive(Clone, Debug)]
pub struct Twilio {
    http: HttpClient,
    base: Url,
    account_sid: Option<SecretString>,
    auth_token: Option<SecretString>,
    api_key: Option<SecretString>,
    api_secret: Option<SecretString>,
}

impl Twilio {
    /// Builds the provider; the credentials are checked when a request is made.
    pub fn from_settings(s: &Settings) -> Result<Self> {
        let account_sid = s.get_credential(ACCOUNT_SID);
        let auth_token = s.get_credential(AUTH_TOKEN);
        let api_key = s.get_credential(API_KEY);
        let api_secret = s.get_credential(API_SECRET);
        let http = HttpClient::new(ID, &format!("{ACCOUNT_SID} / {AUTH_TOKEN}"), s.http.clone())?
            // Twilio's list resources allow about 100 requests/s per account.
            .with_default_rate_limit(100.0)
            // Its `uri` and `next_page_uri` carry the account SID.
            .redacting([&account_sid, &auth_token, &api_key, &api_secret]);
        Ok(Twilio {
            http,
            base: parse_base_url(
                ID,
                s.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
                s.allow_insecure,
            )?,
            account_sid,
            auth_token,
            api_key,
            api_secret,
        })
    }

    /// The basic-auth user and password: the API key pair when both are
    /// set, else the account SID and auth token.
    fn login(&self) -> Result<(&SecretString, &SecretString, &SecretString)> {
        use calllogs_core::settings::present;
        let sid = present(ID, ACCOUNT_SID, &self.account_sid)?;
        Ok(match (&self.api_key, &self.api_secret) {
            (Some(key), Some(secret)) => (sid, key, secret),
            _ => (sid, sid, present(ID, AUTH_TOKEN, &self.auth_token)?),
        })
    }
}

impl Twilio {
    /// A page of one of the account's list resources (`Calls.json`,
    /// `Usage/Records/Daily.json`): the first with `query`, then the
    /// `next_page_uri` a [`PageToken::Cursor`] holds (on the API host only),
    /// with HTTP basic auth.
    fn list_page(
        &self,
        resource: &str,
        token: &PageToken,
        query: &impl serde::Serialize,
    ) -> Result<reqwest::RequestBuilder> {
        let (sid, user, password) = self.login()?;
        let list = endpoint(
            &self.base,
            &format!("2010-04-01/Accounts/{}/{resource}", sid.expose_secret()),
        );
        let req = match token {
            PageToken::Cursor(next) => self
                .http
                .request(reqwest::Method::GET, follow_link(ID, &list, next)?),
            _ => self.http.request(reqwest::Method::GET, list).query(query),
        };
        Ok(req.basic_auth(user.expose_secret(), Some(password.expose_secret())))
    }
}

impl HttpProvider for Twilio {
    fn info(&self) -> &'static ProviderInfo {
        &INFO
    }

    fn http(&self) -> &HttpClient {
        &self.http
    }

    fn account(&self) -> String {
        calllogs_core::settings::account_label(self.account_sid.as_ref().map(|s| s.expose_secret()))
    }

    fn paging(&self) -> PagingSpec {
        let mut spec = PagingSpec::new(PagingStyle::Cursor, 1000, 1000);
        spec.default_lookback = Some(chrono::Duration::days(7));
        spec.coarse_time_filter = true;
        spec
    }

    fn request(&self, query: &CallQuery, token: &PageToken) -> Result<reqwest::RequestBuilder> {
        self.list_page("Calls.json", token, &Params::new(query, 1000))
    }

    fn decode(&self, status: Option<u16>, body: &[u8]) -> Result<Page<Call>> {
        decode(status, body)
    }

    /// Twilio has no hangup cause: `calllogs explain --provider twilio`
    /// takes a status (`busy`, `no-answer`, …) or an `answered_by` value
    /// (`machine_start`, `fax`) and shows the cause derived from it.
    fn explain(&self, reason: &str) -> Option<calllogs_core::Hangup> {
        // A status, or an `answered_by` word (of an answered call): what
        // the mapping derives from each. `None` for a status not an end.
        let reason = reason.trim();
        if map::is_machine(reason) || reason == "human" {
            map::hangup(Some("completed"), Some(reason))
        } else {
            map::hangup(Some(reason), None)
        }
    }

    fn map(&self, record: &serde_json::value::RawValue) -> std::result::Result<Call, String> {
        map::call(record)
    }

    fn usage_request(
        &self,
        first: chrono::NaiveDate,
        last: chrono::NaiveDate,
        token: &PageToken,
    ) -> Option<Result<reqwest::RequestBuilder>> {
        Some(self.list_page(
            "Usage/Records/Daily.json",
            token,
            &usage::params(first, last),
        ))
    }

    fn decode_usage(
        &self,
        status: Option<u16>,
        body: &[u8],
    ) -> Result<calllogs_core::Page<calllogs_core::UsageDay>> {
        usage::decode(status, body)
    }
}

fn decode(status: Option<u16>, body: &[u8]) -> Result<Page<Call>> {
    let resp: raw::ListResponse = calllogs_core::http::decode_json(ID, status, body)?;
    let records = calllogs_core::page::require_records(ID, status, body, "calls", resp.calls)?;
    Ok(calllogs_core::page::map_records(ID, records, map::call)
        .with_next(resp.next_page_uri.filter(|n| !n.is_empty())))
}
