//! The query model: what calls to fetch, common to every provider, with a
//! typed extension for filters only one provider has.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::call::{Direction, Status};
use crate::error::{Error, Result};
use crate::page::PagingSpec;

/// What calls to fetch.
///
/// The time range is half-open, `since <= t < until`, in UTC. Providers
/// apply it to the time their API filters on (Plivo: the end time; the
/// others: the start or creation time) and say so in their docs.
///
/// ```
/// use calllogs_core::{CallQuery, Direction};
/// #[derive(Debug, Clone, PartialEq)]
/// struct MyProviderFilters { ring_group: u32 }
///
/// let q = CallQuery::new()
///     .direction(Direction::Inbound)
///     .page_size(50)
///     .extension(MyProviderFilters { ring_group: 7 });
/// assert_eq!(q.get_extension::<MyProviderFilters>().unwrap().ring_group, 7);
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CallQuery {
    /// Lower bound, inclusive.
    pub since: Option<DateTime<Utc>>,
    /// Upper bound, exclusive.
    pub until: Option<DateTime<Utc>>,
    /// Only calls of this direction.
    pub direction: Option<Direction>,
    /// Only calls of this outcome (providers map it onto what they filter on).
    pub status: Option<Status>,
    /// Only calls from this number (exact, or a prefix where the provider allows).
    pub from: Option<String>,
    /// Only calls to this number.
    pub to: Option<String>,
    /// Free-text search, where the provider has one.
    pub search: Option<String>,
    /// Only calls of this campaign.
    pub campaign: Option<String>,
    /// Only calls of this agent (or AI assistant).
    pub agent: Option<String>,
    /// Records per page; clamped to what the provider allows.
    pub page_size: Option<u32>,
    /// Whether each listed call's detail is fetched, for providers whose
    /// list lacks what the detail has ([`crate::PagingSpec::detail`]):
    /// `None` takes the provider's default; `Some(false)` keeps only what
    /// the list gives (fewer requests, fewer fields).
    pub detail: Option<bool>,
    /// Only calls the provider changed at or after this time, for
    /// providers that can filter by update time
    /// ([`crate::PagingSpec::updated_filter`]; others refuse such a query):
    /// what `sync` asks for instead of a lookback over creation times. The
    /// creation range then has no lower bound.
    pub updated_since: Option<DateTime<Utc>>,
    /// Filters only one provider has.
    pub extensions: Extensions,
}

impl CallQuery {
    /// An empty query: every call the provider's default window holds.
    pub fn new() -> Self {
        CallQuery::default()
    }
    /// Only calls updated at or after `t` ([`CallQuery::updated_since`]).
    pub fn updated_since(mut self, t: DateTime<Utc>) -> Self {
        self.updated_since = Some(t);
        self
    }
    /// Sets the lower bound (inclusive).
    pub fn since(mut self, t: DateTime<Utc>) -> Self {
        self.since = Some(t);
        self
    }
    /// Sets the upper bound (exclusive).
    pub fn until(mut self, t: DateTime<Utc>) -> Self {
        self.until = Some(t);
        self
    }
    /// Fetches each call's detail or not (see [`CallQuery::detail`]).
    pub fn detail(mut self, on: bool) -> Self {
        self.detail = Some(on);
        self
    }
    /// Sets the direction.
    pub fn direction(mut self, d: Direction) -> Self {
        self.direction = Some(d);
        self
    }
    /// Sets the status.
    pub fn status(mut self, s: Status) -> Self {
        self.status = Some(s);
        self
    }
    /// Sets the calling number.
    pub fn from_number(mut self, n: impl Into<String>) -> Self {
        self.from = Some(n.into());
        self
    }
    /// Sets the called number.
    pub fn to_number(mut self, n: impl Into<String>) -> Self {
        self.to = Some(n.into());
        self
    }
    /// Sets the free-text search.
    pub fn search(mut self, s: impl Into<String>) -> Self {
        self.search = Some(s.into());
        self
    }
    /// Sets the campaign.
    pub fn campaign(mut self, c: impl Into<String>) -> Self {
        self.campaign = Some(c.into());
        self
    }
    /// Sets the agent.
    pub fn agent(mut self, a: impl Into<String>) -> Self {
        self.agent = Some(a.into());
        self
    }
    /// Sets the page size.
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n);
        self
    }
    /// Adds a provider's own filters (one value per type).
    pub fn extension<T: Any + Send + Sync + fmt::Debug>(mut self, ext: T) -> Self {
        self.extensions.insert(ext);
        self
    }
    /// The provider filters of type `T`, if set.
    pub fn get_extension<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.extensions.get::<T>()
    }

    /// Whether `call` satisfies the filters that can be checked on the
    /// normalized record: status, direction, and the numbers (as a prefix,
    /// compared on digits for phone numbers). Core applies this after every
    /// page, so a provider that cannot filter on one of these server-side
    /// still returns only what was asked.
    ///
    /// ```
    /// use calllogs_core::{Call, CallQuery, Direction};
    /// let mut call = Call::new("p", "1");
    /// call.direction = Direction::Inbound;
    /// call.from = Some("+15555550100".into());
    /// assert!(CallQuery::new().direction(Direction::Inbound).from_number("1555555").matches(&call));
    /// assert!(!CallQuery::new().direction(Direction::Outbound).matches(&call));
    /// assert!(!CallQuery::new().to_number("+1555").matches(&call));
    /// ```
    pub fn matches(&self, call: &crate::Call) -> bool {
        fn number_matches(want: &Option<String>, have: &Option<String>) -> bool {
            let Some(want) = want.as_deref().map(str::trim).filter(|w| !w.is_empty()) else {
                return true;
            };
            let Some(have) = have.as_deref() else {
                return false;
            };
            let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
            let is_phone = |s: &str| {
                s.chars()
                    .all(|c| c.is_ascii_digit() || "+ -().".contains(c))
            };
            if is_phone(want) && is_phone(have) {
                digits(have).starts_with(&digits(want))
            } else {
                have.to_ascii_lowercase()
                    .starts_with(&want.to_ascii_lowercase())
            }
        }
        self.status.is_none_or(|s| call.status == s)
            && self
                .direction
                .is_none_or(|d| d == Direction::Unknown || call.direction == d)
            && number_matches(&self.from, &call.from)
            && number_matches(&self.to, &call.to)
    }

    /// The page size to send: the query's, clamped to `1..=spec.max_page_size`,
    /// or the provider's default.
    pub fn effective_page_size(&self, spec: &PagingSpec) -> u32 {
        self.page_size
            .unwrap_or(spec.default_page_size)
            .clamp(1, spec.max_page_size.max(1))
    }

    /// Resolves the query against a provider's paging rules at `now`: pins
    /// the upper bound (so calls ending while paging cannot shift offsets),
    /// fills in the default window, checks retention, clamps the page size,
    /// and splits the range into windows no longer than the provider allows,
    /// oldest first.
    pub fn windows(
        &self,
        provider: &'static str,
        spec: &PagingSpec,
        now: DateTime<Utc>,
    ) -> Result<Vec<CallQuery>> {
        let mut q = self.clone();
        q.page_size = Some(self.effective_page_size(spec));
        if let (Some(s), Some(u)) = (q.since, q.until)
            && s >= u
        {
            return Err(Error::BadQuery {
                provider,
                message: format!("the range is empty: since {s} is not before until {u}"),
            });
        }
        if q.updated_since.is_some() && !spec.updated_filter {
            return Err(Error::BadQuery {
                provider,
                message: "this provider cannot list calls by update time".into(),
            });
        }
        if q.updated_since.is_some() {
            // By update time: every creation time up to the end.
            q.until = Some(q.until.unwrap_or(now));
        } else if spec.default_lookback.is_some() || spec.max_window.is_some() {
            let until = q.until.unwrap_or(now);
            let since = q.since.unwrap_or_else(|| {
                let back = spec.default_lookback.unwrap_or(Duration::days(7));
                until
                    .checked_sub_signed(back)
                    .unwrap_or(DateTime::<Utc>::MIN_UTC)
            });
            q.until = Some(until);
            q.since = Some(since);
        }
        if let (Some(retention), Some(since)) = (spec.retention, q.since) {
            let oldest = now
                .checked_sub_signed(retention)
                .unwrap_or(DateTime::<Utc>::MIN_UTC);
            if q.until.is_some_and(|u| u <= oldest) {
                return Err(Error::BadQuery {
                    provider,
                    message: format!(
                        "the whole range ends before {}; {provider} keeps calls for {} days only",
                        oldest.format("%Y-%m-%d %H:%M:%S UTC"),
                        retention.num_days()
                    ),
                });
            }
            if since < oldest {
                tracing::warn!(
                    provider,
                    "calls before {} are older than {} days and cannot be retrieved; fetching from there",
                    oldest.format("%Y-%m-%d %H:%M:%S UTC"),
                    retention.num_days()
                );
                q.since = Some(oldest);
            }
        }
        let (Some(max), Some(since), Some(until)) = (spec.max_window, q.since, q.until) else {
            return Ok(vec![q]);
        };
        let mut out = Vec::new();
        let mut start = since;
        while start < until {
            let end = start
                .checked_add_signed(max)
                .map_or(until, |e| e.min(until));
            let mut w = q.clone();
            w.since = Some(start);
            w.until = Some(end);
            out.push(w);
            start = end;
        }
        Ok(out)
    }
}

/// A type map holding one value of each provider's filter type.
#[derive(Clone, Default)]
pub struct Extensions(HashMap<TypeId, Arc<dyn ExtValue>>);

trait ExtValue: Any + fmt::Debug + Send + Sync {
    fn as_any(&self) -> &dyn Any;
}

impl<T: Any + fmt::Debug + Send + Sync> ExtValue for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Extensions {
    /// Stores `ext`, replacing any value of the same type.
    pub fn insert<T: Any + Send + Sync + fmt::Debug>(&mut self, ext: T) {
        self.0.insert(TypeId::of::<T>(), Arc::new(ext));
    }
    /// The value of type `T`, if stored.
    pub fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.0
            .get(&TypeId::of::<T>())
            .and_then(|v| (**v).as_any().downcast_ref())
    }
    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Extensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.values()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::PagingStyle;
    use chrono::TimeZone;

    fn spec() -> PagingSpec {
        PagingSpec {
            max_window: Some(Duration::days(30)),
            default_lookback: Some(Duration::days(7)),
            retention: Some(Duration::days(90)),
            ..PagingSpec::new(PagingStyle::Offset, 20, 20)
        }
    }

    #[test]
    fn defaults_to_last_seven_days_pinned_at_now() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        let w = CallQuery::new().windows("t", &spec(), now).unwrap();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].until, Some(now));
        assert_eq!(w[0].since, Some(now - Duration::days(7)));
        assert_eq!(w[0].page_size, Some(20));
    }

    #[test]
    fn splits_long_ranges_into_windows() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let since = now - Duration::days(45);
        let w = CallQuery::new()
            .since(since)
            .page_size(500)
            .windows("t", &spec(), now)
            .unwrap();
        assert_eq!(w.len(), 2);
        assert_eq!(
            (w[0].since, w[0].until),
            (Some(since), Some(since + Duration::days(30)))
        );
        assert_eq!(
            (w[1].since, w[1].until),
            (Some(since + Duration::days(30)), Some(now))
        );
        assert_eq!(w[1].page_size, Some(20), "clamped, not refused");
    }

    #[test]
    fn retention_is_an_error_or_a_clamp_never_silent() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let old = CallQuery::new()
            .since(now - Duration::days(200))
            .until(now - Duration::days(100));
        let err = old.windows("plivo", &spec(), now).unwrap_err().to_string();
        assert!(err.contains("90 days"), "{err}");
        let partly = CallQuery::new().since(now - Duration::days(100));
        let w = partly.windows("plivo", &spec(), now).unwrap();
        assert_eq!(w[0].since, Some(now - Duration::days(90)));
        assert!(
            CallQuery::new()
                .since(now)
                .until(now)
                .windows("t", &spec(), now)
                .is_err()
        );
    }
}
