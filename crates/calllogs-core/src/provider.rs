//! The provider trait: a single-page fetch; core builds every stream on it.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;
use futures::stream::BoxStream;

use crate::call::Call;
use crate::error::Result;
use crate::page::{Page, PageToken, PagingSpec};
use crate::query::CallQuery;
use crate::usage::UsageDay;

/// A source of call logs: one provider's API, behind one page fetch.
///
/// Implementors write [`Provider::page`] (one request, one page) and
/// [`Provider::decode_page`] (one response body to calls, no I/O); core
/// builds the full stream, windows and paging for every provider from them.
///
/// ```no_run
/// use calllogs_core::{CallQuery, DynProvider, ProviderStreams};
/// use futures::TryStreamExt;
/// # async fn run(provider: DynProvider) -> calllogs_core::Result<()> {
/// let calls: Vec<_> = provider.calls(CallQuery::new()).try_collect().await?;
/// println!("{} calls", calls.len());
/// # Ok(()) }
/// ```
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The provider id (`plivo`, …).
    fn id(&self) -> &'static str;

    /// How this provider pages.
    fn paging(&self) -> PagingSpec;

    /// Pages in flight at once once a window's total is known (1: one at
    /// a time). Providers return their setting or a default suited to
    /// their rate limit.
    fn concurrency(&self) -> usize {
        1
    }

    /// A label for the account the credentials open, for keeping several
    /// accounts apart in one store. Never a credential itself: providers
    /// return a [`crate::settings::fingerprint`] of what identifies the
    /// account. The default is `default`.
    fn account(&self) -> String {
        "default".into()
    }

    /// Fetches one page. `query` is already resolved to one window with its
    /// page size clamped; `token` says which page.
    async fn page(&self, query: &CallQuery, token: &PageToken) -> Result<Page<Call>>;

    /// Normalizes one response body (one page) without any I/O.
    fn decode_page(&self, body: &[u8]) -> Result<Page<Call>>;

    /// List-then-detail paging ([`PagingSpec::detail`]): fetches the full
    /// record of a call the list gave, `Ok(None)` when it is gone (deleted
    /// since it was listed). The default is the listed call itself.
    async fn detail(&self, listed: Call) -> Result<Option<Call>> {
        Ok(Some(listed))
    }

    /// Normalizes one call record (an element of a page's records array, or
    /// the object a "retrieve a call" endpoint returns) without any I/O; the
    /// error says why it is not a call. The default refuses: providers
    /// return their mapping.
    fn decode_record(
        &self,
        record: &serde_json::value::RawValue,
    ) -> std::result::Result<Call, String> {
        let _ = record;
        Err(format!("{} cannot read a single record", self.id()))
    }

    /// How one of this provider's hangup reasons (or codes) maps onto the
    /// taxonomy: exactly what its mapping gives a record with these words
    /// (the same function, held by a test over every provider's fixtures),
    /// but for who hung up where that takes the record's direction. `None`
    /// when the words are a call status that is not an end (`queued`,
    /// `ringing`, `in-progress`). The default reads words (a provider's
    /// numeric codes are its own: Plivo's override reads them).
    fn explain(&self, reason: &str) -> Option<crate::call::Hangup> {
        crate::call::Hangup::explain_words(reason)
    }

    /// The provider's own usage totals for calls, one per day from `first`
    /// to `last` (both included, UTC), where it publishes them: what
    /// `calllogs audit` sets beside the stored calls. `Ok(None)`, the
    /// default, when it does not.
    async fn usage(&self, first: NaiveDate, last: NaiveDate) -> Result<Option<Vec<UsageDay>>> {
        let _ = (first, last);
        Ok(None)
    }
}

/// The streams of a provider handle (`Arc<P>`, as [`DynProvider`] is):
/// each owns a clone of the handle (cheap: one `Arc`, and the provider's
/// HTTP client is shared), so it is `'static` and can be spawned, and
/// nothing is requested until it is polled.
///
/// ```no_run
/// use calllogs_core::{CallQuery, DynProvider, ProviderStreams};
/// use futures::TryStreamExt;
/// # async fn run(provider: DynProvider) -> calllogs_core::Result<()> {
/// let calls = provider.calls(CallQuery::new());
/// let all: Vec<_> = tokio::spawn(calls.try_collect::<Vec<_>>()).await.unwrap()?;
/// # let _ = all; Ok(()) }
/// ```
pub trait ProviderStreams {
    /// Every call the query matches, over all windows and pages.
    fn calls(&self, query: CallQuery) -> BoxStream<'static, Result<Call>>;
    /// Every page the query matches.
    fn pages(&self, query: CallQuery) -> BoxStream<'static, Result<Page<Call>>>;
}

impl<P: Provider + ?Sized> ProviderStreams for Arc<P> {
    fn calls(&self, query: CallQuery) -> BoxStream<'static, Result<Call>> {
        crate::paginate::calls(self.clone(), query)
    }
    fn pages(&self, query: CallQuery) -> BoxStream<'static, Result<Page<Call>>> {
        crate::paginate::pages(self.clone(), query)
    }
}

/// What a provider crate writes: its registry entry, its HTTP client, its
/// paging rules, the request for one page, and the two pure functions that
/// are the provider (`decode`: a body to a page, strict about the envelope;
/// `map`: a record to a call, lenient inside it). Core makes every
/// `HttpProvider` a [`Provider`]: sending with retries and the rate limit,
/// decoding, `decode_page` and `decode_record` for offline work, the id from
/// [`ProviderInfo`], the streams.
pub trait HttpProvider: Send + Sync + 'static {
    /// Its registry entry (`INFO`): the id and name come from it.
    fn info(&self) -> &'static ProviderInfo;
    /// The client every request goes through (retries, rate limit, bounded
    /// bodies, redaction).
    fn http(&self) -> &crate::http::HttpClient;
    /// How it pages.
    fn paging(&self) -> PagingSpec;
    /// The request for one page of a resolved window: path, auth, query.
    fn request(&self, query: &CallQuery, token: &PageToken) -> Result<reqwest::RequestBuilder>;
    /// One response body to a page, no I/O; `status` when it came over HTTP.
    fn decode(&self, status: Option<u16>, body: &[u8]) -> Result<Page<Call>>;
    /// One record to a call, no I/O; the error says why it is not a call.
    fn map(&self, record: &serde_json::value::RawValue) -> std::result::Result<Call, String>;
    /// List-then-detail paging: the request for the full record of a
    /// listed call (`None`, the default: no detail endpoint, the listed
    /// call is kept as it is).
    fn detail_request(&self, listed: &Call) -> Option<Result<reqwest::RequestBuilder>> {
        let _ = listed;
        None
    }
    /// One detail response body to a call, no I/O. The default reads the
    /// body as one record ([`HttpProvider::map`]); a body that is not one
    /// is a decode error, which fails the page as a bad page does.
    fn decode_detail(&self, status: Option<u16>, body: &[u8]) -> Result<Call> {
        let id = self.info().id;
        let record: &serde_json::value::RawValue = crate::http::decode_json(id, status, body)?;
        self.map(record).map_err(|message| {
            crate::Error::decode(
                id,
                status,
                body,
                crate::error::DecodeFailure {
                    path: ".".into(),
                    message: format!("the detail is not a call: {message}"),
                    source: None,
                },
            )
        })
    }
    /// See [`Provider::concurrency`].
    fn concurrency(&self) -> usize {
        1
    }
    /// See [`Provider::account`].
    fn account(&self) -> String {
        "default".into()
    }
    /// See [`Provider::explain`].
    fn explain(&self, reason: &str) -> Option<crate::call::Hangup> {
        crate::call::Hangup::explain_words(reason)
    }
    /// The request for one page of the provider's daily usage totals for
    /// calls (see [`Provider::usage`]): the first page of `first..=last`
    /// for [`PageToken::First`], else the page a [`PageToken::Cursor`]
    /// names. `None`, the default: the provider publishes none.
    fn usage_request(
        &self,
        first: NaiveDate,
        last: NaiveDate,
        token: &PageToken,
    ) -> Option<Result<reqwest::RequestBuilder>> {
        let _ = (first, last, token);
        None
    }
    /// One usage response body to a page of days (with the next link while
    /// more follow), no I/O. Only called where [`HttpProvider::usage_request`]
    /// gives a request; the default refuses.
    fn decode_usage(&self, status: Option<u16>, body: &[u8]) -> Result<Page<UsageDay>> {
        let _ = body;
        Err(crate::Error::Paging {
            provider: self.info().id,
            message: format!("no usage decoder (HTTP {status:?})"),
        })
    }
}

#[async_trait]
impl<T: HttpProvider> Provider for T {
    fn id(&self) -> &'static str {
        self.info().id
    }
    fn paging(&self) -> PagingSpec {
        HttpProvider::paging(self)
    }
    fn concurrency(&self) -> usize {
        HttpProvider::concurrency(self)
    }
    fn account(&self) -> String {
        HttpProvider::account(self)
    }
    async fn page(&self, query: &CallQuery, token: &PageToken) -> Result<Page<Call>> {
        let req = self.request(query, token)?;
        self.http()
            .send(req, |status, body| self.decode(Some(status), body))
            .await
    }
    fn decode_page(&self, body: &[u8]) -> Result<Page<Call>> {
        // An error status inside a 2xx body, as `send` would have made it.
        self.http().resolve_envelope(self.decode(None, body))
    }
    async fn detail(&self, listed: Call) -> Result<Option<Call>> {
        let Some(req) = self.detail_request(&listed) else {
            return Ok(Some(listed));
        };
        match self
            .http()
            .send(req?, |status, body| self.decode_detail(Some(status), body))
            .await
        {
            Ok(call) => Ok(Some(call)),
            // Deleted between the list and the detail: gone, not a failure.
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }
    fn decode_record(
        &self,
        record: &serde_json::value::RawValue,
    ) -> std::result::Result<Call, String> {
        self.map(record)
    }
    fn explain(&self, reason: &str) -> Option<crate::call::Hangup> {
        HttpProvider::explain(self, reason)
    }
    async fn usage(&self, first: NaiveDate, last: NaiveDate) -> Result<Option<Vec<UsageDay>>> {
        // Usage pages follow links as cursor-paged calls do: the engine's
        // own step decides the next page (a link sent twice is an error).
        let id = self.info().id;
        let mut days = Vec::new();
        let mut token = PageToken::First;
        let mut progress = crate::paginate::Progress::default();
        for _ in 0..crate::usage::MAX_USAGE_PAGES {
            let Some(req) = self.usage_request(first, last, &token) else {
                return Ok(None);
            };
            let page = self
                .http()
                .send(req?, |status, body| self.decode_usage(Some(status), body))
                .await?;
            let next = crate::paginate::next_token(
                id,
                crate::page::PagingStyle::Cursor,
                &token,
                &page,
                0,
                &mut progress,
            )?;
            days.extend(page.items);
            match next {
                None => return Ok(Some(days)),
                Some(t) => token = t,
            }
        }
        Err(crate::Error::Paging {
            provider: id,
            message: format!(
                "usage listing still had more after {} pages",
                crate::usage::MAX_USAGE_PAGES
            ),
        })
    }
}

// The paging engine sees every provider as a page source; it lives below
// this trait, so this is where the two meet.
#[async_trait]
impl<P: Provider + ?Sized> crate::paginate::PageSource for P {
    fn id(&self) -> &'static str {
        Provider::id(self)
    }
    fn paging(&self) -> PagingSpec {
        Provider::paging(self)
    }
    fn concurrency(&self) -> usize {
        Provider::concurrency(self)
    }
    async fn page(&self, query: &CallQuery, token: &PageToken) -> Result<Page<Call>> {
        Provider::page(self, query, token).await
    }
    async fn detail(&self, listed: Call) -> Result<Option<Call>> {
        Provider::detail(self, listed).await
    }
}

/// A provider behind an `Arc`, as the registry builds them.
pub type DynProvider = Arc<dyn Provider>;

/// What the registry and the CLI know of a provider crate, and how to build it.
#[derive(Debug, Clone, Copy)]
pub struct ProviderInfo {
    /// The provider id (`plivo`).
    pub id: &'static str,
    /// A human name (`Plivo`).
    pub name: &'static str,
    /// What kind of service it is, a few words (`CPaaS`, `voice-AI
    /// platform`, `contact center`): the README's provider table says it.
    pub kind: &'static str,
    /// Its credentials.
    pub credentials: &'static [Credential],
    /// The filters it understands, one line.
    pub filters: &'static str,
    /// Its paging and rate limits, one line.
    pub limits: &'static str,
    /// Builds it from settings.
    pub build: fn(&crate::Settings) -> Result<DynProvider>,
    /// Applies the provider's own filters given as `KEY=VALUE` text (the
    /// CLI's `--filter`) to the query's typed extension; the error says
    /// which key or value is wrong.
    pub apply_filters: ApplyFilters,
    /// Every field of a record the mapping reads, as a path (`customer.number`,
    /// `artifact.messages[].role`; a path covers everything under it). The
    /// official SDKs' models are held against it, and a test holds it
    /// against the mapping: a field outside it changes no mapped call.
    pub reads: &'static [&'static str],
    /// Its end-of-call webhooks, where calllogs knows them (`calllogs
    /// listen`): verified, read and signed by the provider's crate.
    pub webhook: Option<&'static crate::webhook::WebhookInfo>,
}

/// See [`ProviderInfo::apply_filters`].
pub type ApplyFilters = fn(&mut CallQuery, &[(String, String)]) -> std::result::Result<(), String>;

/// One credential of a provider.
#[derive(Debug, Clone, Copy)]
pub struct Credential {
    /// The environment variable that holds it (`PLIVO_AUTH_TOKEN`), also its
    /// name in [`crate::Settings`].
    pub env: &'static str,
    /// The CLI flag that sets it, without dashes (`auth-id`, `token`, `org-handle`).
    pub flag: &'static str,
}
