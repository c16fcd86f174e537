//! The paging state machine: which page comes next in a window, when a
//! window is done, and where a pull stands (its [`Checkpoint`]). Pure: no
//! I/O, so every stop rule is unit-tested; [`super::schedule`] does the
//! fetching.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::page::{Page, PageToken, PagingStyle, TimeCursor};
use crate::query::CallQuery;

/// What the paginator has seen of one window so far.
#[derive(Debug, Default, Clone)]
pub struct Progress {
    /// Records received in this window.
    pub received: u64,
    /// Cursors followed (a repeat would loop forever).
    pub seen: HashSet<String>,
    /// The total the provider announced for this window, from the first page that gave one.
    pub announced: Option<u64>,
    /// Time cursor: the records of the previous page of this window.
    pub last_served: Option<u64>,
    /// Time cursor: the server's own page size, once a page proved it (a
    /// page followed by more records is as long as the server serves,
    /// whatever was asked).
    pub cap: Option<u64>,
    /// Page-number and offset paging: the previous page's length and first
    /// and last ids. A server that ignores the page asked for serves the
    /// same page again; without a total that would never end.
    pub previous_page: Option<(usize, String, String)>,
}

impl Progress {
    /// Notes the total a page announced (the first one counts).
    pub fn announce(&mut self, total: Option<u64>) {
        self.announced = self.announced.or(total);
    }

    /// At the end of a window: how the calls received differ from the
    /// total announced, if they do.
    pub fn mismatch(&self, window: Window) -> Option<CountMismatch> {
        let announced = self.announced?;
        (announced != self.received).then_some(CountMismatch {
            window,
            announced,
            received: self.received,
        })
    }
}

/// A window whose pull ended with more or fewer calls than the provider
/// announced for it: reported, never silent (`--strict` makes it an error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountMismatch {
    /// The window.
    pub window: Window,
    /// The total the provider announced.
    pub announced: u64,
    /// The records it sent (each call once per page).
    pub received: u64,
}

impl std::error::Error for CountMismatch {}

impl std::fmt::Display for CountMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = |t: Option<DateTime<Utc>>| t.map_or("…".to_string(), |t| t.to_rfc3339());
        write!(
            f,
            "the provider announced {} calls for {} to {} and sent {}",
            self.announced,
            t(self.window.since),
            t(self.window.until),
            self.received
        )
    }
}

/// Decides the token after `page`, or `None` when the window is done. Pure,
/// so every stop rule is unit-tested.
///
/// - Cursor paging: stop when there is no next cursor; a cursor seen before
///   is an error. An empty page with a cursor is followed.
/// - Page-number and offset paging: stop when the provider says no more
///   (`more == Some(false)`), when the records received reach the total, or
///   on an empty page. A page shorter than asked is not the end: a server
///   may serve fewer than asked (a proxy, a cap, an API version), so when
///   neither a total nor `more` is known, one more request confirms the
///   end. An empty page before the total is reached is logged as a
///   warning, never dropped silently.
/// - Time cursor: see [`PagingStyle::TimeCursor`]; the chain ends when a
///   page brings nothing new, never on a short page.
pub fn next_token<T>(
    provider: &'static str,
    style: PagingStyle,
    current: &PageToken,
    page: &Page<T>,
    page_size: u32,
    progress: &mut Progress,
) -> Result<Option<PageToken>> {
    let n = page.items.len() as u64;
    progress.received += n;
    if style == PagingStyle::TimeCursor {
        return time_step(provider, current, page, page_size, progress);
    }
    if style == PagingStyle::Cursor {
        return match &page.next {
            None => Ok(None),
            Some(c) if !progress.seen.insert(c.clone()) => Err(Error::Paging {
                provider,
                message: format!(
                    "the provider sent the cursor {c:?} twice; stopping instead of looping"
                ),
            }),
            Some(c) => Ok(Some(PageToken::Cursor(c.clone()))),
        };
    }
    if page.more == Some(false) {
        return Ok(None);
    }
    if n == 0 {
        if page.more == Some(true) || page.total.is_some_and(|t| progress.received < t) {
            tracing::warn!(
                provider,
                received = progress.received,
                total = page.total,
                "an empty page came before the end the provider announced; stopping this window"
            );
        }
        return Ok(None);
    }
    if page.total.is_some_and(|total| progress.received >= total) {
        return Ok(None);
    }
    Ok(Some(match (style, current) {
        (PagingStyle::Offset, t) => PageToken::Offset(t.offset() + n),
        (_, t) => PageToken::Number(t.number().saturating_add(1)),
    }))
}

/// The time cursor after `page` (see [`PagingStyle::TimeCursor`]): the
/// page's oldest instant, with the ids already emitted there (those of this
/// page, and of the pages before it at the same instant).
///
/// The chain ends on what the API says, never on "fewer than asked": a
/// server may serve fewer records than the page size asked for (Vapi's own
/// default is 100; a proxy or a later API version may cap it), so a short
/// page is followed like a full one. It ends on an empty page, or on a page
/// that brings nothing new (every record at the cursor's instant and
/// already emitted) while shorter than a page the server serves: then
/// nothing older exists. A page that brings nothing new and is as long as
/// the server's page (a whole page of records at one instant, all seen:
/// whether more share it cannot be told) is an error, not a loop and not a
/// silent skip.
fn time_step<T>(
    provider: &'static str,
    current: &PageToken,
    page: &Page<T>,
    page_size: u32,
    progress: &mut Progress,
) -> Result<Option<PageToken>> {
    let records = (page.items.len() + page.rejects.len()) as u64;
    if records == 0 {
        return Ok(None);
    }
    let Some(oldest) = &page.oldest else {
        return Err(Error::Paging {
            provider,
            message: "a page without record times: the time cursor cannot move".into(),
        });
    };
    let at_cursor = matches!(current, PageToken::Before(c) if c.at == oldest.at);
    let mut seen = match current {
        PageToken::Before(c) if at_cursor => c.seen.clone(),
        _ => Vec::new(),
    };
    let before = seen.len();
    for id in &oldest.ids {
        if !seen.contains(id) {
            seen.push(id.clone());
        }
    }
    if !at_cursor || seen.len() > before {
        // New records: the previous page was not the last, so it was as
        // long as the server serves.
        if matches!(current, PageToken::Before(_))
            && let Some(previous) = progress.last_served
        {
            progress.cap = Some(progress.cap.map_or(previous, |c| c.max(previous)));
        }
        progress.last_served = Some(records);
        return Ok(Some(PageToken::Before(TimeCursor {
            at: oldest.at,
            seen,
        })));
    }
    // Nothing new: every record is at the cursor's instant, already emitted.
    let server_page = progress.cap.unwrap_or(u64::from(page_size));
    if records < server_page {
        return Ok(None);
    }
    Err(Error::Paging {
        provider,
        message: format!(
            "{records} or more records share the instant {}: a page cannot tell whether more follow there; raise the page size",
            oldest.at.to_rfc3339()
        ),
    })
}

/// One window of a pull, as a checkpoint stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Lower bound, inclusive.
    pub since: Option<DateTime<Utc>>,
    /// Upper bound, exclusive.
    pub until: Option<DateTime<Utc>>,
}

/// Where a pull stands: the windows still to do (the first is the current
/// one) and the page to ask for next in it. Serializable, so a sync can
/// store it with each page it commits and resume there after a crash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Windows left, the current one first.
    pub windows: Vec<Window>,
    /// The next page of the current window; `None` for its first page.
    pub token: Option<PageToken>,
    /// Records received so far in the current window.
    pub received: u64,
}

/// How many calls a pull will have given in all, once that is known: the
/// provider announced the total of the last window (offset and page-number
/// paging do), or the pull is done. Feed it each page's total with the
/// checkpoint after that page.
///
/// ```
/// use calllogs_core::paginate::{Checkpoint, Expected, Window};
/// let mut e = Expected::default();
/// let window = Window { since: None, until: None };
/// let one_window = |received| Checkpoint { windows: vec![window], token: None, received };
/// e.observe(Some(50), Some(&one_window(20)));
/// assert_eq!(e.expected(20, Some(&one_window(20))), Some(50));
/// assert_eq!(e.expected(50, None), Some(50));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Expected {
    window_total: Option<u64>,
}

impl Expected {
    /// A page that announced `total` (for its window), and where the pull
    /// stands after it.
    pub fn observe(&mut self, total: Option<u64>, after: Option<&Checkpoint>) {
        match after {
            // The page ended its window; the next one's total is unknown yet.
            Some(c) if c.received == 0 => self.window_total = None,
            Some(_) => self.window_total = total.or(self.window_total),
            None => {}
        }
    }

    /// The calls in all, given `so_far` and where the pull stands; `None`
    /// while windows without a known total remain.
    pub fn expected(&self, so_far: u64, at: Option<&Checkpoint>) -> Option<u64> {
        match at {
            None => Some(so_far),
            Some(c) if c.windows.len() == 1 => self
                .window_total
                .map(|t| so_far + t.saturating_sub(c.received)),
            Some(_) => None,
        }
    }

    /// The share (0..=1) of the time range `since..until` the pull has
    /// covered, where it stands at `at`: the windows behind it, and the
    /// part of the current one its announced total says was received.
    /// `None` when the range or a window is open-ended (no time to measure).
    pub fn covered(
        &self,
        at: Option<&Checkpoint>,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Option<f64> {
        let Some(c) = at else { return Some(1.0) };
        let span = (until? - since?).num_milliseconds() as f64;
        if span <= 0.0 {
            return None;
        }
        let len = |w: &Window| Some((w.until? - w.since?).num_milliseconds() as f64);
        let mut left = 0.0;
        for w in &c.windows {
            left += len(w)?;
        }
        let current = c.windows.first().and_then(len).unwrap_or(0.0);
        let within = match self.window_total {
            Some(t) if t > 0 => (c.received as f64 / t as f64).min(1.0),
            _ => 0.0,
        };
        Some((1.0 - (left - within * current) / span).clamp(0.0, 1.0))
    }
}

#[cfg(test)]
mod covered_tests {
    use super::*;

    #[test]
    fn the_range_covered_counts_windows_behind_and_the_current_ones_share() {
        let t = |h: i64| DateTime::<Utc>::from_timestamp(h * 3600, 0);
        let w = |a, b| Window {
            since: t(a),
            until: t(b),
        };
        let mut e = Expected::default();
        // Four 1-hour windows; the second is current, 30 of its 60 received.
        let at = Checkpoint {
            windows: vec![w(1, 2), w(2, 3), w(3, 4)],
            token: None,
            received: 30,
        };
        e.observe(Some(60), Some(&at));
        let covered = e.covered(Some(&at), t(0), t(4)).unwrap();
        assert!((covered - 0.375).abs() < 1e-9, "{covered}");
        assert_eq!(e.covered(None, t(0), t(4)), Some(1.0));
        assert_eq!(e.covered(Some(&at), None, t(4)), None);
        let open = Checkpoint {
            windows: vec![Window {
                since: None,
                until: None,
            }],
            token: None,
            received: 0,
        };
        assert_eq!(Expected::default().covered(Some(&open), t(0), t(4)), None);
    }
}

/// The tokens of the rest of a window once its first page told the total
/// (offset and page-number paging only), starting at `next`; `step` is the
/// server's own page size, what it served when asked for a full page.
/// `None` when there is nothing to plan: cursor paging, no total, or the
/// window already complete.
pub fn plan_rest(
    style: PagingStyle,
    total: Option<u64>,
    step: u64,
    next: &PageToken,
    received: u64,
) -> Option<Vec<PageToken>> {
    let total = total?;
    if step == 0 || received >= total {
        return None;
    }
    let tokens: Vec<PageToken> = match (style, next) {
        (PagingStyle::Offset, PageToken::Offset(start)) => (0..)
            .map(|i| start + i * step)
            .take_while(|o| *o < total)
            .map(PageToken::Offset)
            .collect(),
        (PagingStyle::PageNumber, PageToken::Number(n)) => {
            let last = total.div_ceil(step).min(u64::from(u32::MAX)) as u32;
            (*n..=last).map(PageToken::Number).collect()
        }
        _ => return None,
    };
    (!tokens.is_empty()).then_some(tokens)
}

/// The windows of one pull, oldest first, and how to say where it stands
/// after a page of window `i`.
#[derive(Debug, Clone)]
pub struct Walk {
    windows: Vec<Window>,
}

impl Walk {
    /// The windows of `queries` (already resolved by [`CallQuery::windows`]
    /// or taken from a checkpoint).
    pub fn new(queries: &[CallQuery]) -> Self {
        Walk {
            windows: queries
                .iter()
                .map(|q| Window {
                    since: q.since,
                    until: q.until,
                })
                .collect(),
        }
    }

    /// Where the pull stands after a page of window `index`, served for
    /// `current` (the window itself, or a part of it where it was split
    /// because it held more than the provider lists for one query), with
    /// `later` the parts of window `index` still to do after `current`:
    /// `current` from `next` (the token after the page and the records
    /// received so far in it), or, when `next` is `None`, what follows it
    /// from its start. `None` once nothing is left.
    pub fn checkpoint_after(
        &self,
        index: usize,
        current: Window,
        later: &[Window],
        next: Option<(PageToken, u64)>,
    ) -> Option<Checkpoint> {
        let rest = self.windows.get(index + 1..).unwrap_or_default();
        let (token, received, mut windows) = match next {
            Some((token, received)) => (Some(token), received, vec![current]),
            None => (None, 0, Vec::new()),
        };
        windows.extend_from_slice(later);
        windows.extend_from_slice(rest);
        (!windows.is_empty()).then_some(Checkpoint {
            windows,
            token,
            received,
        })
    }
}

/// The two halves of `window`, split at its midpoint second (providers
/// that list by whole seconds see no gap and no overlap), or `None` when it
/// is unbounded or a second or less wide.
pub fn halves(window: Window) -> Option<(Window, Window)> {
    let (since, until) = (window.since?, window.until?);
    let secs = (until - since).num_seconds();
    if secs < 2 {
        return None;
    }
    let mid = since + chrono::Duration::seconds(secs / 2);
    Some((
        Window {
            since: Some(since),
            until: Some(mid),
        },
        Window {
            since: Some(mid),
            until: Some(until),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(n: usize, total: Option<u64>, more: Option<bool>, next: Option<&str>) -> Page<u8> {
        Page {
            items: vec![0; n],
            total,
            more,
            next: next.map(str::to_string),
            rejects: Vec::new(),
            oldest: None,
            gone: 0,
        }
    }

    fn step(
        style: PagingStyle,
        tok: PageToken,
        p: &Page<u8>,
        progress: &mut Progress,
    ) -> Option<PageToken> {
        next_token("t", style, &tok, p, 20, progress).unwrap()
    }

    #[test]
    fn offset_stops_at_total_short_and_empty() {
        let mut pr = Progress::default();
        let s = PagingStyle::Offset;
        assert_eq!(
            step(
                s,
                PageToken::Offset(0),
                &page(20, Some(45), None, None),
                &mut pr
            ),
            Some(PageToken::Offset(20))
        );
        assert_eq!(
            step(
                s,
                PageToken::Offset(20),
                &page(20, Some(45), None, None),
                &mut pr
            ),
            Some(PageToken::Offset(40))
        );
        assert_eq!(
            step(
                s,
                PageToken::Offset(40),
                &page(5, Some(45), None, None),
                &mut pr
            ),
            None
        );
        let mut pr = Progress::default();
        assert_eq!(
            step(s, PageToken::Offset(0), &page(7, None, None, None), &mut pr),
            Some(PageToken::Offset(7)),
            "a short page without a total is not the end: one more request confirms it"
        );
        assert_eq!(
            step(s, PageToken::Offset(7), &page(0, None, None, None), &mut pr),
            None,
            "the empty page after it is"
        );
        let mut pr = Progress::default();
        assert_eq!(
            step(
                s,
                PageToken::Offset(0),
                &page(0, Some(10), None, None),
                &mut pr
            ),
            None,
            "empty page"
        );
        let mut pr = Progress::default();
        assert_eq!(
            step(
                s,
                PageToken::Offset(0),
                &page(20, None, Some(false), None),
                &mut pr
            ),
            None,
            "more=false"
        );
    }

    #[test]
    fn total_beats_short_pages() {
        // A server that serves fewer than asked is followed until the total.
        let mut pr = Progress::default();
        let p = page(10, Some(30), None, None);
        assert_eq!(
            step(PagingStyle::Offset, PageToken::Offset(0), &p, &mut pr),
            Some(PageToken::Offset(10))
        );
        assert_eq!(
            step(PagingStyle::PageNumber, PageToken::Number(1), &p, &mut pr),
            Some(PageToken::Number(2))
        );
    }

    #[test]
    fn page_numbers_stop_on_more_false_and_empty_pages() {
        let s = PagingStyle::PageNumber;
        let mut pr = Progress::default();
        assert_eq!(
            step(
                s,
                PageToken::Number(1),
                &page(20, None, Some(true), None),
                &mut pr
            ),
            Some(PageToken::Number(2))
        );
        assert_eq!(
            step(
                s,
                PageToken::Number(2),
                &page(20, None, None, None),
                &mut pr
            ),
            Some(PageToken::Number(3))
        );
        assert_eq!(
            step(
                s,
                PageToken::Number(3),
                &page(19, None, None, None),
                &mut pr
            ),
            Some(PageToken::Number(4)),
            "a short page without a total or `more` is followed"
        );
        assert_eq!(
            step(s, PageToken::Number(4), &page(0, None, None, None), &mut pr),
            None
        );
        let mut pr = Progress::default();
        assert_eq!(
            step(
                s,
                PageToken::Number(1),
                &page(20, None, Some(false), None),
                &mut pr
            ),
            None
        );
    }

    #[test]
    fn cursor_follows_until_null_and_refuses_repeats() {
        let s = PagingStyle::Cursor;
        let mut pr = Progress::default();
        assert_eq!(
            step(
                s,
                PageToken::First,
                &page(2, None, None, Some("b")),
                &mut pr
            ),
            Some(PageToken::Cursor("b".into()))
        );
        assert_eq!(
            step(
                s,
                PageToken::Cursor("b".into()),
                &page(0, None, None, Some("c")),
                &mut pr
            ),
            Some(PageToken::Cursor("c".into())),
            "empty page with a cursor goes on"
        );
        let err = next_token(
            "t",
            s,
            &PageToken::Cursor("c".into()),
            &page(1, None, None, Some("b")),
            20,
            &mut pr,
        )
        .unwrap_err();
        assert!(err.to_string().contains("twice"), "{err}");
        let mut pr = Progress::default();
        assert_eq!(
            step(
                s,
                PageToken::First,
                &page(20, Some(100), None, None),
                &mut pr
            ),
            None
        );
    }

    #[test]
    fn the_rest_of_a_window_is_planned_from_its_total() {
        assert_eq!(
            plan_rest(
                PagingStyle::Offset,
                Some(45),
                20,
                &PageToken::Offset(20),
                20
            ),
            Some(vec![PageToken::Offset(20), PageToken::Offset(40)])
        );
        assert_eq!(
            plan_rest(
                PagingStyle::PageNumber,
                Some(45),
                20,
                &PageToken::Number(2),
                20
            ),
            Some(vec![PageToken::Number(2), PageToken::Number(3)])
        );
        assert_eq!(
            plan_rest(PagingStyle::Offset, None, 20, &PageToken::Offset(20), 20),
            None
        );
        assert_eq!(
            plan_rest(
                PagingStyle::Offset,
                Some(20),
                20,
                &PageToken::Offset(20),
                20
            ),
            None
        );
        assert_eq!(
            plan_rest(
                PagingStyle::Cursor,
                Some(45),
                20,
                &PageToken::Cursor("x".into()),
                20
            ),
            None
        );
    }

    #[test]
    fn checkpoints_move_to_the_next_window_and_end() {
        let q = |d: i64| {
            let t = chrono::Utc::now() - chrono::Duration::days(d);
            CallQuery::new()
                .since(t)
                .until(t + chrono::Duration::days(1))
        };
        let (a, b) = (q(3), q(2));
        let walk = Walk::new(&[a.clone(), b.clone()]);
        let w = |q: &CallQuery| Window {
            since: q.since,
            until: q.until,
        };
        let c = walk
            .checkpoint_after(0, w(&a), &[], Some((PageToken::Number(2), 20)))
            .unwrap();
        assert_eq!(
            (c.windows.len(), c.token, c.received),
            (2, Some(PageToken::Number(2)), 20)
        );
        let c = walk.checkpoint_after(0, w(&a), &[], None).unwrap();
        assert_eq!((c.windows.len(), c.token, c.received), (1, None, 0));
        assert_eq!(walk.checkpoint_after(1, w(&b), &[], None), None);
        // A split window: the part in progress, the parts after it, then the rest.
        let (h1, h2) = halves(w(&a)).unwrap();
        assert_eq!((h1.since, h1.until, h2.until), (a.since, h2.since, a.until));
        let c = walk
            .checkpoint_after(0, h1, &[h2], Some((PageToken::Number(3), 40)))
            .unwrap();
        assert_eq!(c.windows, vec![h1, h2, w(&b)]);
        let c = walk.checkpoint_after(0, h1, &[h2], None).unwrap();
        assert_eq!((c.windows, c.token), (vec![h2, w(&b)], None));
    }

    #[test]
    fn halves_split_at_whole_seconds_down_to_two() {
        let t = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let w = |secs: i64| Window {
            since: Some(t),
            until: Some(t + chrono::Duration::seconds(secs)),
        };
        let (a, b) = halves(w(5)).unwrap();
        assert_eq!(a.until, Some(t + chrono::Duration::seconds(2)));
        assert_eq!(a.until, b.since);
        assert!(halves(w(2)).is_some());
        assert_eq!(halves(w(1)), None, "one second cannot be split");
        assert_eq!(
            halves(Window {
                since: None,
                until: Some(t)
            }),
            None
        );
    }
}
