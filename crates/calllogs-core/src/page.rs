//! One page of results, the token that asks for the next, and a provider's
//! paging rules.

use chrono::{DateTime, Duration, Utc};

/// One page as a provider returned it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The records, in the provider's order.
    pub items: Vec<T>,
    /// The total number of records the query matches, where the provider says.
    pub total: Option<u64>,
    /// Whether more pages follow, where the provider says (a `next` link
    /// that is null says `Some(false)`).
    pub more: Option<bool>,
    /// The cursor or next-page URL, for cursor paging.
    pub next: Option<String>,
    /// Records the provider sent that could not be mapped, kept with the
    /// reason: nothing a provider sent disappears without a trace.
    pub rejects: Vec<Reject>,
    /// Time-cursor paging: the oldest record's time and the ids of the
    /// records at that instant, mapped or not (see [`Page::with_oldest`]).
    pub oldest: Option<Oldest>,
    /// List-then-detail paging: calls listed whose detail was gone (404:
    /// deleted since they were listed), left out of `items` and counted here.
    pub gone: u64,
}

/// The oldest instant of a page and the ids of its records at that
/// instant: where a time cursor moves next, and what it must not repeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oldest {
    /// The oldest record's time.
    pub at: DateTime<Utc>,
    /// The ids of every record at exactly that time.
    pub ids: Vec<String>,
}

/// Where a time cursor stands: records at or before `at`, without the ids
/// already emitted at `at` itself (calls that share the instant must
/// neither repeat nor be skipped).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct TimeCursor {
    /// The newest time the next page may hold (inclusive).
    pub at: DateTime<Utc>,
    /// The ids already emitted at exactly `at`.
    pub seen: Vec<String>,
}

/// A record that could not be mapped onto a [`crate::Call`] (no id, not an
/// object, …), kept as sent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reject {
    /// Provider id.
    pub provider: &'static str,
    /// Its position in the page.
    pub index: usize,
    /// Why it could not be mapped (`the record has no id`).
    pub reason: String,
    /// The record's JSON text, unchanged.
    pub raw: String,
}

impl<T> Page<T> {
    /// A page with no paging information beyond its items.
    pub fn new(items: Vec<T>) -> Self {
        Page {
            items,
            total: None,
            more: None,
            next: None,
            rejects: Vec::new(),
            oldest: None,
            gone: 0,
        }
    }
    /// Sets the total.
    pub fn with_total(mut self, total: Option<u64>) -> Self {
        self.total = total;
        self
    }
    /// Sets the next cursor / link, and `more` from whether there is one.
    pub fn with_next(mut self, next: Option<String>) -> Self {
        self.more = Some(next.is_some());
        self.next = next;
        self
    }
    /// Maps the items.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            more: self.more,
            next: self.next,
            rejects: self.rejects,
            oldest: self.oldest,
            gone: self.gone,
        }
    }

    /// Sets [`Page::oldest`] from every record's time and id (records
    /// without either are left out): what a provider paged by a time cursor
    /// says of each page, the rejected records included, so the cursor
    /// moves past them too.
    pub fn with_oldest<'a>(
        mut self,
        records: impl IntoIterator<Item = (Option<DateTime<Utc>>, Option<&'a str>)>,
    ) -> Self {
        let mut oldest: Option<Oldest> = None;
        for (at, id) in records {
            let (Some(at), Some(id)) = (at, id) else {
                continue;
            };
            match &mut oldest {
                Some(o) if o.at == at => o.ids.push(id.to_string()),
                Some(o) if o.at < at => {}
                _ => {
                    oldest = Some(Oldest {
                        at,
                        ids: vec![id.to_string()],
                    })
                }
            }
        }
        self.oldest = oldest;
        self
    }
}

/// Which page to fetch.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageToken {
    /// A page number, from 1.
    Number(u32),
    /// A record offset, from 0.
    Offset(u64),
    /// The first page of a cursor-paged API.
    First,
    /// A cursor or next-page URL the previous page gave.
    Cursor(String),
    /// Time-cursor paging after the first page: the records at or before
    /// an instant, less those already emitted at it.
    Before(TimeCursor),
}

impl PageToken {
    /// The page number this token asks for (1 for [`PageToken::First`]).
    pub fn number(&self) -> u32 {
        match self {
            PageToken::Number(n) => (*n).max(1),
            _ => 1,
        }
    }
    /// The offset this token asks for (0 unless [`PageToken::Offset`]).
    pub fn offset(&self) -> u64 {
        match self {
            PageToken::Offset(o) => *o,
            _ => 0,
        }
    }
}

/// How a provider pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagingStyle {
    /// `page=1,2,…`.
    PageNumber,
    /// `offset=0,20,…`.
    Offset,
    /// A cursor or `next` URL from each page.
    Cursor,
    /// A time cursor: the API lists newest first with no total and no next
    /// link; each next page asks for records at or before the oldest time
    /// seen, and the engine drops the ids already emitted at that instant
    /// ([`PageToken::Before`]). Ask the first page for records before the
    /// window's end, the next ones for those at or before the cursor. The
    /// chain ends when a page brings nothing new, never on a page shorter
    /// than asked (a server may serve fewer than asked).
    TimeCursor,
}

impl PagingStyle {
    /// The token of the first page.
    pub fn first_token(self) -> PageToken {
        match self {
            PagingStyle::PageNumber => PageToken::Number(1),
            PagingStyle::Offset => PageToken::Offset(0),
            PagingStyle::Cursor | PagingStyle::TimeCursor => PageToken::First,
        }
    }
}

/// A provider's paging rules, which core applies for it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PagingSpec {
    /// Paging style.
    pub style: PagingStyle,
    /// The largest page the provider serves; larger asks are clamped.
    pub max_page_size: u32,
    /// The page size when the query names none.
    pub default_page_size: u32,
    /// The longest range one request may cover; longer ranges are split.
    pub max_window: Option<Duration>,
    /// List-then-detail paging: `None` when the provider has no detail
    /// endpoint; `Some(on)` when it has one, `on` saying whether each listed
    /// call's detail is fetched unless the query says
    /// ([`crate::CallQuery::detail`]). Details are fetched by the engine,
    /// concurrently, under the provider's rate limiter and retry rules; a
    /// failed detail fails its page.
    pub detail: Option<bool>,
    /// The range fetched when the query gives no lower bound. When set (or
    /// when `max_window` is), the upper bound is always sent, pinned to the
    /// start of the pull.
    pub default_lookback: Option<Duration>,
    /// How far back the provider keeps calls.
    pub retention: Option<Duration>,
    /// The provider filters the time range by date only (whole days): the
    /// provider sends the widest safe bound and the engine keeps exactly
    /// the calls that started within the window.
    pub coarse_time_filter: bool,
    /// The most calls the provider lists for one query, whatever the
    /// paging (Aircall: 10,000; deeper pages come back empty). A window
    /// whose first page announces at least this many calls is split in two
    /// at its midpoint second and each half pulled (recursively, each half
    /// checkpointed like any window); a one-second window still at the cap
    /// is an error, never a silent truncation. Needs a provider that
    /// announces totals.
    pub result_cap: Option<u64>,
    /// The provider can list the calls changed since a time (Vapi's
    /// `updatedAtGe`): `sync` then asks for what changed since its last
    /// run began instead of re-reading a lookback window, so late prices
    /// and analyses still arrive and an unchanged account costs one request.
    pub updated_filter: bool,
}

impl PagingSpec {
    /// A spec with no windows, lookback or retention.
    pub fn new(style: PagingStyle, max_page_size: u32, default_page_size: u32) -> Self {
        PagingSpec {
            style,
            max_page_size,
            default_page_size,
            max_window: None,
            detail: None,
            default_lookback: None,
            retention: None,
            coarse_time_filter: false,
            result_cap: None,
            updated_filter: false,
        }
    }
}

/// Maps every record of a page with `map` into a page: a record `map`
/// refuses (its reason names its id where it has one) is kept in
/// [`Page::rejects`] with its text, and logged; the others are the items.
pub fn map_records(
    provider: &'static str,
    records: Vec<&serde_json::value::RawValue>,
    map: impl Fn(&serde_json::value::RawValue) -> Result<crate::Call, String>,
) -> Page<crate::Call> {
    let mut page = Page::new(Vec::with_capacity(records.len()));
    for (index, record) in records.into_iter().enumerate() {
        match map(record) {
            Ok(call) => page.items.push(call),
            Err(reason) => {
                tracing::debug!(provider, index, "record rejected: {reason}");
                page.rejects.push(Reject {
                    provider,
                    index,
                    reason,
                    raw: record.get().to_string(),
                });
            }
        }
    }
    // The same call twice in one page (Plivo's own fixtures show it): the
    // last version wins, and it is one call.
    let mut ids = std::collections::HashSet::with_capacity(page.items.len());
    let mut keep: Vec<bool> = page
        .items
        .iter()
        .rev()
        .map(|c| ids.insert(c.id.as_str()))
        .collect();
    let repeated = keep.len() - ids.len();
    drop(ids);
    if repeated > 0 {
        keep.reverse();
        let mut flags = keep.into_iter();
        page.items.retain(|_| flags.next().unwrap_or(true));
        tracing::debug!(
            provider,
            repeated,
            "one call twice in a page: the last kept"
        );
    }
    page
}

/// Adds `rejects` to `tally`, one row per reason with how many: what a
/// run's summary says of its rejects.
pub fn tally_rejects(tally: &mut Vec<(String, u64)>, rejects: &[Reject]) {
    for r in rejects {
        match tally.iter_mut().find(|(reason, _)| *reason == r.reason) {
            Some((_, n)) => *n += 1,
            None => tally.push((r.reason.clone(), 1)),
        }
    }
}

/// The records array of a page, which must be there: a 2xx body without it
/// (missing, `null`, or renamed) is not a page, and says so as a decode
/// error (retried like a bad body, then failing the run), never "no calls".
pub fn require_records<'a>(
    provider: &'static str,
    status: Option<u16>,
    body: &[u8],
    field: &str,
    records: Option<Vec<&'a serde_json::value::RawValue>>,
) -> crate::Result<Vec<&'a serde_json::value::RawValue>> {
    records.ok_or_else(|| {
        crate::Error::decode(
            provider,
            status,
            body,
            crate::error::DecodeFailure {
                path: field.to_string(),
                message: format!(
                    "the body has no `{field}` array of records, so it is not a page of calls"
                ),
                source: None,
            },
        )
    })
}
