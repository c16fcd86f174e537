//! NectarDesk call logs for calllogs: contact-center calls with agents,
//! queues (ring groups), IVRs, SLA and dispositions, normalized into
//! [`calllogs_core::Call`].
//!
//! ```no_run
//! use calllogs_core::{CallQuery, Direction, ProviderStreams, Settings};
//! use futures::TryStreamExt;
//! # async fn run() -> calllogs_core::Result<()> {
//! let settings = Settings::new().base_url("https://nectardesk.example.invalid/api/v1");
//! let desk = std::sync::Arc::new(calllogs_nectardesk::Nectardesk::from_settings(&settings)?); // NECTARDESK_ACCESS_TOKEN from the environment
//! let inbound: Vec<_> = desk.calls(CallQuery::new().direction(Direction::Inbound)).try_collect().await?;
//! let one = desk.call("1234").await?;
//! # Ok(()) }
//! ```
//!
//! # The requests
//!
//! - `GET {base}/calls/` with the `Access-Token` header (setting or
//!   environment variable `NECTARDESK_ACCESS_TOKEN`), filters `dateFrom`,
//!   `dateTo`, `page`, `limit` (1..=1000, default 1000, the largest; a page size outside is
//!   clamped before sending), `numberIds`, `ringGroupId`, `ivrId`, `listId`,
//!   `agentId`, `callType`, `dispositionIds`, `surveyIds` (lists joined with
//!   commas). See [`NectardeskFilters`].
//! - `GET {base}/calls/{id}` for one call ([`Nectardesk::call`]); its body
//!   wraps the object under `calls`.
//!
//! # Assumptions, and the settings that change them
//!
//! | assumption | setting |
//! |---|---|
//! | the base URL is not public: it must be given (the document's `next` link shows the API under `/api/v1`, e.g. `https://<host>/api/v1`) | `base_url`, else `NECTARDESK_BASE_URL` |
//! | `dateFrom`/`dateTo` take ISO 8601 date-times (`2025-08-01T00:00:00Z`) and filter on the call's start | option `date_format=date` sends dates (`2025-08-01`) as in the document's example |
//! | direction → `callType=all_inbound`/`all_outbound`; status → the matching `callType` (`abandoned`, `inbound_answered`, `outbound_answered`, `outbound_not_answered`); the rest is filtered after the fetch | [`NectardeskFilters::call_type`] wins |
//! | the company line (`number.number`) carries its country code, like the Plivo numbers NectarDesk records calls through; its alias stays in `raw` | — |
//! | `answered_at` = start + (`duration` − `talk_time`) for answered calls (waiting and ringing come before talk); `ended_at` = start + `duration` | — |
//! | the call's hangup cause is the answering agent's `hangup_reason` (FreeSWITCH/Q.850 names such as `NORMAL_CLEARING`), else the last agent leg's | — |
//!
//! Recording URLs point at Plivo's media host (NectarDesk records through
//! Plivo); they are kept as given. Paging follows `meta.total` and
//! `meta.next` (a relative URL; null on the last page).

#![warn(missing_docs)]

use calllogs_core::error::DecodeFailure;
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

pub use query::{CallType, DateFormat, NectardeskFilters, Params, apply_filters, call_type_for};

/// The provider id.
pub const ID: &str = "nectardesk";
/// Setting / environment variable of the access token.
pub const ACCESS_TOKEN: &str = "NECTARDESK_ACCESS_TOKEN";
/// Environment variable of the base URL, used when the setting is not given.
pub const BASE_URL_ENV: &str = "NECTARDESK_BASE_URL";

/// What the registry knows of NectarDesk.
pub const INFO: ProviderInfo = ProviderInfo {
    id: ID,
    name: "NectarDesk",
    kind: "contact center",
    credentials: &[Credential {
        env: ACCESS_TOKEN,
        flag: "token",
    }],
    filters: "since/until (dateFrom/dateTo), direction and status (→ callType), agent (agentId); --filter numberIds, \
              ringGroupId, ivrId, listId, agentId, callType (18 values), dispositionIds, surveyIds",
    limits: "limit 1..=1000 per page (page numbers, meta.next); base URL required (--base-url or NECTARDESK_BASE_URL)",
    build: |s| Ok(std::sync::Arc::new(Nectardesk::from_settings(s)?) as DynProvider),
    apply_filters,
    reads: raw::READS,
    webhook: None,
};

/// The NectarDesk provider.
#[derive(Clone, Debug)]
pub struct Nectardesk {
    http: HttpClient,
    base: Option<Url>,
    token: Option<SecretString>,
    dates: DateFormat,
}

impl Nectardesk {
    /// Builds the provider. The base URL and token are checked when a request
    /// is made, so offline work needs neither.
    pub fn from_settings(s: &Settings) -> Result<Self> {
        let base = s
            .base_url
            .clone()
            .or_else(|| s.option_or_env("base_url", BASE_URL_ENV));
        let dates = match s.get_option("date_format") {
            Some("date") => DateFormat::Date,
            None | Some("datetime") => DateFormat::DateTime,
            Some(other) => {
                return Err(Error::Config {
                    provider: ID,
                    message: format!("date_format {other:?}: use date or datetime"),
                });
            }
        };
        Ok(Nectardesk {
            http: HttpClient::new(ID, ACCESS_TOKEN, s.http.clone())?
                // NectarDesk publishes no limit: a polite default.
                .with_default_rate_limit(20.0)
                .redacting([&s.get_credential(ACCESS_TOKEN)]),
            base: base
                .map(|b| parse_base_url(ID, &b, s.allow_insecure))
                .transpose()?,
            token: s.get_credential(ACCESS_TOKEN),
            dates,
        })
    }

    fn get(&self, path: &str) -> Result<reqwest::RequestBuilder> {
        let base = self.base.as_ref().ok_or_else(|| Error::Config {
            provider: ID,
            message: format!(
                "the base URL is not set: NectarDesk's host is account-specific (pass --base-url or set {BASE_URL_ENV}, \
                 e.g. https://<host>/api/v1)"
            ),
        })?;
        let token = calllogs_core::settings::present(ID, ACCESS_TOKEN, &self.token)?;
        let header = secret_header(ID, ACCESS_TOKEN, token)?;
        Ok(self
            .http
            .request(reqwest::Method::GET, endpoint(base, path))
            .header("Access-Token", header)
            .header(reqwest::header::CONTENT_TYPE, "application/json"))
    }

    /// One call by id (`GET {base}/calls/{id}`).
    pub async fn call(&self, id: &str) -> Result<Call> {
        let id = id.trim();
        if id.is_empty()
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(Error::BadQuery {
                provider: ID,
                message: format!("{id:?} is not a call id"),
            });
        }
        let req = self.get(&format!("calls/{id}"))?;
        let page = self
            .http
            .send(req, |status, body| decode(Some(status), body))
            .await?;
        page.items
            .into_iter()
            .next()
            .ok_or_else(|| Error::Provider {
                provider: ID,
                status: 404,
                message: format!("call {id} not found in the response"),
                attempts: 1,
            })
    }
}

impl HttpProvider for Nectardesk {
    fn info(&self) -> &'static ProviderInfo {
        &INFO
    }

    fn http(&self) -> &HttpClient {
        &self.http
    }

    fn account(&self) -> String {
        // The host is account-specific (the port is not: a proxy may change it);
        // the token may rotate.
        let host = self
            .base
            .as_ref()
            .map(|b| format!("{}{}", b.host_str().unwrap_or(""), b.path()));
        calllogs_core::settings::account_label(host.as_deref())
    }

    fn concurrency(&self) -> usize {
        self.http.concurrency(4)
    }

    fn paging(&self) -> PagingSpec {
        PagingSpec::new(PagingStyle::PageNumber, 1000, 1000)
    }

    fn request(&self, query: &CallQuery, token: &PageToken) -> Result<reqwest::RequestBuilder> {
        let req = self
            .get("calls/")?
            .query(&Params::new(query, token.number(), self.dates));
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
    let resp: raw::ListResponse = calllogs_core::http::decode_json(ID, status, body)?;
    // An array of calls, or one call (an object) from `GET /calls/{id}`;
    // anything else is not a page.
    let records = match resp.calls {
        Some(list) if list.get().starts_with('[') => {
            serde_json::from_str(list.get()).map_err(|e| {
                Error::decode(
                    ID,
                    status,
                    body,
                    DecodeFailure {
                        path: "calls".into(),
                        message: e.to_string(),
                        source: Some(e),
                    },
                )
            })?
        }
        Some(one) if one.get().starts_with('{') => vec![one],
        _ => calllogs_core::page::require_records(ID, status, body, "calls", None)?,
    };
    Ok(calllogs_core::page::map_records(ID, records, map::call)
        .with_total(resp.meta.total.and_then(|t| u64::try_from(t).ok()))
        .with_next(resp.meta.next))
}
