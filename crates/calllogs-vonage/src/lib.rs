//! Vonage (Nexmo) Voice API call legs for calllogs, normalized into
//! [`calllogs_core::Call`].
//!
//! ```no_run
//! # async fn run() -> calllogs_core::Result<()> {
//! use calllogs_core::{CallQuery, ProviderStreams, Settings};
//! use futures::TryStreamExt;
//! // VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY (a path or the PEM) from the environment.
//! let vonage = std::sync::Arc::new(calllogs_vonage::Vonage::from_settings(&Settings::new())?);
//! let legs: Vec<_> = vonage.calls(CallQuery::new()).try_collect().await?;
//! # Ok(()) }
//! ```
//!
//! What this crate assumes, and the setting that changes it:
//!
//! - `GET /v1/calls` on `https://api.nexmo.com` (`--base-url`; regional
//!   hosts are unconfirmed), `Authorization: Bearer` with an application
//!   JWT: RS256, signed with the application's private key
//!   (`VONAGE_PRIVATE_KEY`: a path to the key file, or the PEM itself) for
//!   `VONAGE_APPLICATION_ID`, claims `application_id`, `iat`, `exp` (15
//!   minutes) and a unique `jti`; a token is reused until a minute before
//!   it expires, then signed again (see [`jwt`]).
//! - `date_start`/`date_end` in ISO 8601 (whether inclusive is not
//!   documented: the engine keeps exactly the window, by start),
//!   `order=asc`, `record_index` + `page_size` (100 at most), `count`;
//!   `--filter conversation_uuid=CON-…`. One-day windows, seven days back
//!   by default. 15 requests/s (Vonage's published limit for this API).
//! - Each record is a **leg**: `uuid` is the call's id and
//!   `conversation_uuid` its parent (the legs of one conversation).
//! - Mapping: statuses `completed`, `busy`, `cancelled`, `rejected`,
//!   `timeout`, `unanswered`, `failed` are ends (`failed` and unknown words
//!   are `other`, kept); `started`, `ringing`, `answered` and `machine` are
//!   in progress. `from`/`to` objects by `type`: a phone `number` (written
//!   without its `+`) to E.164, a SIP or WebSocket `uri`, a VBC
//!   `extension` (`vbc:…`); an `app` endpoint (which the official SDK's
//!   models do not have) keeps no address, the record keeps it in `raw`. `start_time`/`end_time`
//!   (`YYYY-MM-DD HH:MM:SS`, UTC without a zone), `duration`, `price` and
//!   `rate` appear only on completed legs; `price` is an exact decimal in
//!   the account's currency, which the record does not name: the option
//!   `currency` (default `EUR`, Vonage's usual account currency) says it;
//!   `rate` (per minute) and `network` go to `analysis`.

#![warn(missing_docs)]

use calllogs_core::http::{HttpClient, endpoint, parse_base_url, secret_header};
use calllogs_core::secrecy::{ExposeSecret, SecretString};
use calllogs_core::{
    Call, CallQuery, Credential, DynProvider, Error, HttpProvider, Page, PageToken, PagingSpec,
    PagingStyle, ProviderInfo, Result, Settings, Url,
};

pub mod jwt;
mod map;
mod query;
mod raw;

/// The provider's API served on loopback, for tests, demos and benchmarks
/// (feature `emulator`): [`emulator::api`] is what `calllogs_emulator::start` serves.
#[cfg(feature = "emulator")]
pub mod emulator;

pub use map::explain;
pub use query::{Params, VonageFilters, apply_filters};

/// The provider id.
pub const ID: &str = "vonage";
/// Setting / environment variable of the application id.
pub const APPLICATION_ID: &str = "VONAGE_APPLICATION_ID";
/// Setting / environment variable of the private key (a path or the PEM).
pub const PRIVATE_KEY: &str = "VONAGE_PRIVATE_KEY";
/// Vonage's API.
pub const DEFAULT_BASE_URL: &str = "https://api.nexmo.com";
/// The largest page.
pub const MAX_PAGE: u32 = 100;
/// The option naming the account's currency.
pub const CURRENCY: &str = "currency";

/// What the registry knows of Vonage.
pub const INFO: ProviderInfo = ProviderInfo {
    id: ID,
    name: "Vonage",
    kind: "CPaaS",
    credentials: &[
        Credential {
            env: APPLICATION_ID,
            flag: "application-id",
        },
        Credential {
            env: PRIVATE_KEY,
            flag: "private-key",
        },
    ],
    filters: "the time range (date_start/date_end); --filter conversation_uuid; --direction, --status, --from, --to on the normalized legs",
    limits: "page_size ≤ 100 (record_index offsets with a count), one-day windows; 15 requests/s",
    build: |s| Ok(std::sync::Arc::new(Vonage::from_settings(s)?) as DynProvider),
    apply_filters,
    reads: raw::READS,
    webhook: None,
};

/// The Vonage provider.
#[derive(Clone, Debug)]
pub struct Vonage {
    http: HttpClient,
    base: Url,
    application_id: Option<String>,
    signer: Option<std::sync::Arc<jwt::Signer>>,
    currency: String,
}

impl Vonage {
    /// Builds the provider. The key is read and checked here when given; a
    /// missing one is an error only when a request is made, so offline
    /// work (normalize, explain) needs none.
    pub fn from_settings(s: &Settings) -> Result<Self> {
        let application_id = s
            .get_credential(APPLICATION_ID)
            .map(|a| a.expose_secret().trim().to_string())
            .filter(|a| !a.is_empty());
        let key = s.get_credential(PRIVATE_KEY);
        let signer = match (&application_id, &key) {
            (Some(app), Some(key)) => Some(std::sync::Arc::new(jwt::Signer::new(
                app,
                &jwt::read_key(key)?,
            )?)),
            _ => None,
        };
        let currency = s
            .get_option(CURRENCY)
            .map(|c| c.trim().to_ascii_uppercase())
            .unwrap_or_else(|| "EUR".into());
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(Error::Config {
                provider: ID,
                message: format!(
                    "{CURRENCY} must be a three-letter currency code, not {currency:?}"
                ),
            });
        }
        Ok(Vonage {
            http: HttpClient::new(
                ID,
                &format!("{APPLICATION_ID} / {PRIVATE_KEY}"),
                s.http.clone(),
            )?
            // Vonage publishes 15 requests/s for the Voice API.
            .with_default_rate_limit(15.0)
            .redacting([&key]),
            base: parse_base_url(
                ID,
                s.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
                s.allow_insecure,
            )?,
            application_id,
            signer,
            currency,
        })
    }
}

impl HttpProvider for Vonage {
    fn info(&self) -> &'static ProviderInfo {
        &INFO
    }

    fn http(&self) -> &HttpClient {
        &self.http
    }

    fn account(&self) -> String {
        calllogs_core::settings::account_label(self.application_id.as_deref())
    }

    fn concurrency(&self) -> usize {
        self.http.concurrency(4)
    }

    fn paging(&self) -> PagingSpec {
        let mut spec = PagingSpec::new(PagingStyle::Offset, MAX_PAGE, MAX_PAGE);
        spec.max_window = Some(chrono::Duration::days(1));
        spec.default_lookback = Some(chrono::Duration::days(7));
        spec.coarse_time_filter = true;
        spec
    }

    fn request(&self, query: &CallQuery, token: &PageToken) -> Result<reqwest::RequestBuilder> {
        let Some(signer) = &self.signer else {
            let missing = if self.application_id.is_none() {
                APPLICATION_ID
            } else {
                PRIVATE_KEY
            };
            return Err(Error::Config {
                provider: ID,
                message: format!(
                    "the credential {missing} is not set (set the environment variable or pass it in the settings)"
                ),
            });
        };
        let bearer = SecretString::from(format!("Bearer {}", signer.token()?.expose_secret()));
        Ok(self
            .http
            .request(reqwest::Method::GET, endpoint(&self.base, "v1/calls"))
            .header(
                reqwest::header::AUTHORIZATION,
                secret_header(ID, PRIVATE_KEY, &bearer)?,
            )
            .query(&Params::new(query, token.offset())))
    }

    fn decode(&self, status: Option<u16>, body: &[u8]) -> Result<Page<Call>> {
        let resp: raw::ListResponse = calllogs_core::http::decode_json(ID, status, body)?;
        // An empty result may come without `_embedded`.
        let calls = match resp._embedded {
            Some(e) => e.calls,
            None if resp.count == Some(0) => Some(Vec::new()),
            None => None,
        };
        let records =
            calllogs_core::page::require_records(ID, status, body, "_embedded.calls", calls)?;
        let currency = self.currency.clone();
        Ok(
            calllogs_core::page::map_records(ID, records, |r| map::call(r, &currency))
                .with_total(resp.count.and_then(|t| u64::try_from(t).ok())),
        )
    }

    fn map(&self, record: &serde_json::value::RawValue) -> std::result::Result<Call, String> {
        map::call(record, &self.currency)
    }

    fn explain(&self, words: &str) -> Option<calllogs_core::Hangup> {
        map::explain(words)
    }
}
