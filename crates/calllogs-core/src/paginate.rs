//! The one generic paginator: windows × pages → a stream, for every paging
//! style. Providers never write a loop.

use std::collections::{HashSet, VecDeque};
use std::ops::Deref;

use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};

use crate::call::Call;
use crate::error::{Error, Result};
use crate::page::{Page, PageToken};
use crate::provider::{PagingStyle, Provider};
use crate::query::CallQuery;

/// What the paginator has seen of one window so far.
#[derive(Debug, Default, Clone)]
pub struct Progress {
    /// Records received in this window.
    pub received: u64,
    /// Cursors followed (a repeat would loop forever).
    pub seen: HashSet<String>,
}

/// Decides the token after `page`, or `None` when the window is done. Pure,
/// so every stop rule is unit-tested.
///
/// - Cursor paging: stop when there is no next cursor; a cursor seen before
///   is an error. An empty page with a cursor is followed.
/// - Page-number and offset paging: stop when the provider says no more
///   (`more == Some(false)`), when the records received reach the total,
///   on an empty page, or — when neither a total nor `more` is known — on a
///   page shorter than the page size. An empty page before the total is
///   reached is logged as a warning, never dropped silently.
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
    match page.total {
        Some(total) if progress.received >= total => return Ok(None),
        None if page.more.is_none() && n < u64::from(page_size) => return Ok(None),
        _ => {}
    }
    Ok(Some(match (style, current) {
        (PagingStyle::Offset, t) => PageToken::Offset(t.offset() + n),
        (_, t) => PageToken::Number(t.number().saturating_add(1)),
    }))
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

/// Pages fetched ahead, in flight at once, yielded in order.
struct Plan<'a> {
    stream: BoxStream<'a, (PageToken, Result<Page<Call>>)>,
    /// Tokens not yet yielded, the next first.
    remaining: VecDeque<PageToken>,
}

/// A resumable pull, page by page: the machinery under [`pages`] and
/// [`calls`], exposed for callers that checkpoint (sync).
///
/// Once the first page of a window tells the total (offset and page-number
/// APIs), the rest of the window is fetched with up to
/// [`Provider::concurrency`] requests in flight, under the provider's rate
/// limiter, and still returned in order. Cursor chains go one page at a time.
pub struct Pager<'a, H> {
    handle: H,
    query: CallQuery,
    /// Not computed until the first page is asked for.
    windows: Option<VecDeque<CallQuery>>,
    current: Option<(PageToken, Progress)>,
    plan: Option<Plan<'a>>,
    /// A paging error found after a page: the page is returned first.
    pending: Option<Error>,
}

impl<'a, P, H> Pager<'a, H>
where
    P: Provider + ?Sized,
    H: Deref<Target = P> + Clone + Send + Sync + 'a,
{
    /// A pull of `query` from its start. The windows (and the pinned upper
    /// bound) are fixed when the first page is asked for.
    pub fn new(handle: H, query: CallQuery) -> Self {
        Pager {
            handle,
            query,
            windows: None,
            current: None,
            plan: None,
            pending: None,
        }
    }

    /// A pull of `query` resumed at `checkpoint`.
    pub fn resume(handle: H, query: CallQuery, checkpoint: Checkpoint) -> Self {
        let windows = checkpoint
            .windows
            .iter()
            .map(|w| {
                let mut q = query.clone();
                q.since = w.since;
                q.until = w.until;
                q
            })
            .collect();
        let current = checkpoint.token.map(|t| {
            (
                t,
                Progress {
                    received: checkpoint.received,
                    seen: Default::default(),
                },
            )
        });
        Pager {
            handle,
            query,
            windows: Some(windows),
            current,
            plan: None,
            pending: None,
        }
    }

    /// Where the pull stands after the last page returned; `None` once done.
    pub fn checkpoint(&self) -> Option<Checkpoint> {
        let windows = self.windows.as_ref()?;
        if windows.is_empty() {
            return None;
        }
        Some(Checkpoint {
            windows: windows
                .iter()
                .map(|q| Window {
                    since: q.since,
                    until: q.until,
                })
                .collect(),
            token: self.current.as_ref().map(|(t, _)| t.clone()),
            received: self.current.as_ref().map_or(0, |(_, p)| p.received),
        })
    }

    fn finish_window(&mut self) {
        self.plan = None;
        self.current = None;
        if let Some(w) = self.windows.as_mut() {
            w.pop_front();
        }
    }

    /// The next page, or `None` when every window is done.
    pub async fn next_page(&mut self) -> Result<Option<Page<Call>>> {
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        let provider = self.handle.id();
        let spec = self.handle.paging();
        if self.windows.is_none() {
            let windows = self.query.windows(provider, &spec, chrono::Utc::now())?;
            self.windows = Some(windows.into());
        }
        let Some(mut q) = self.windows.as_ref().and_then(|w| w.front()).cloned() else {
            return Ok(None);
        };
        // A resumed window carries the caller's query as it was given.
        q.page_size = Some(q.effective_page_size(&spec));

        if let Some(plan) = self.plan.as_mut() {
            let Some((token, result)) = plan.stream.next().await else {
                self.finish_window();
                return Box::pin(self.next_page()).await;
            };
            plan.remaining.pop_front();
            let mut progress = self.current.take().map(|(_, p)| p).unwrap_or_default();
            let mut page = match result {
                Ok(page) => page,
                Err(e) => {
                    // Drop what is in flight; a retry or a resume asks for this page again.
                    self.plan = None;
                    self.current = Some((token, progress));
                    return Err(e);
                }
            };
            progress.received += page.items.len() as u64;
            match plan.remaining.front().cloned() {
                Some(next) => self.current = Some((next, progress)),
                None => self.finish_window(),
            }
            page.items.retain(|c| q.matches(c));
            return Ok(Some(page));
        }

        let (token, mut progress) = self
            .current
            .take()
            .unwrap_or_else(|| (spec.style.first_token(), Progress::default()));
        let mut page = match self.handle.page(&q, &token).await {
            Ok(page) => page,
            Err(e) => {
                // Keep the position: the same page can be asked for again.
                self.current = Some((token, progress));
                return Err(e);
            }
        };
        let page_size = q.effective_page_size(&spec);
        match next_token(
            provider,
            spec.style,
            &token,
            &page,
            page_size,
            &mut progress,
        ) {
            Ok(Some(next)) => {
                let plan = self.plan_rest(&spec, &q, &page, &next, &progress);
                self.current = Some((next, progress));
                self.plan = plan;
            }
            Ok(None) => self.finish_window(),
            Err(e) => {
                self.current = Some((token, progress));
                self.pending = Some(e);
            }
        }
        // Providers filter some of these loosely or not at all; the
        // normalized record is what the user asked about. Done after the
        // paging decision, which needs the page as served.
        page.items.retain(|c| q.matches(c));
        Ok(Some(page))
    }

    /// The rest of the window as pages fetched concurrently, when the
    /// provider gave a total and pages by offset or number.
    fn plan_rest(
        &self,
        spec: &crate::provider::PagingSpec,
        q: &CallQuery,
        page: &Page<Call>,
        next: &PageToken,
        progress: &Progress,
    ) -> Option<Plan<'a>> {
        let concurrency = self.handle.concurrency();
        let total = page.total?;
        // The server's own page size: what it served when asked for a full page.
        let step = page.items.len() as u64;
        if concurrency < 2 || step == 0 || progress.received >= total {
            return None;
        }
        let tokens: VecDeque<PageToken> = match (spec.style, next) {
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
        if tokens.is_empty() {
            return None;
        }
        let handle = self.handle.clone();
        let q = q.clone();
        let stream = stream::iter(tokens.clone())
            .map(move |t| {
                let handle = handle.clone();
                let q = q.clone();
                async move {
                    let result = handle.page(&q, &t).await;
                    (t, result)
                }
            })
            .buffered(concurrency)
            .boxed();
        Some(Plan {
            stream,
            remaining: tokens,
        })
    }
}

/// Every page of `query`, window after window (oldest first). Nothing is
/// requested until the stream is polled; the first error ends it.
pub fn pages<'a, P, H>(handle: H, query: CallQuery) -> BoxStream<'a, Result<Page<Call>>>
where
    P: Provider + ?Sized,
    H: Deref<Target = P> + Clone + Send + Sync + 'a,
{
    let concurrency = handle.concurrency();
    if handle.paging().style == PagingStyle::Cursor && concurrency > 1 {
        return cursor_windows(handle, query, concurrency);
    }
    stream::try_unfold(Pager::new(handle, query), |mut pager| async move {
        Ok::<_, Error>(pager.next_page().await?.map(|page| (page, pager)))
    })
    .boxed()
}

/// A cursor chain cannot be split, but its windows can: up to
/// `concurrency` windows are pulled at once, each chain in order, and their
/// pages come out window by window. Memory grows with the windows in
/// flight, so keep windows short when this is on.
fn cursor_windows<'a, P, H>(
    handle: H,
    query: CallQuery,
    concurrency: usize,
) -> BoxStream<'a, Result<Page<Call>>>
where
    P: Provider + ?Sized,
    H: Deref<Target = P> + Clone + Send + Sync + 'a,
{
    let windows = match query.windows(handle.id(), &handle.paging(), chrono::Utc::now()) {
        Ok(w) => w,
        Err(e) => return stream::once(async move { Err(e) }).boxed(),
    };
    stream::iter(windows)
        .map(move |window| {
            let handle = handle.clone();
            async move {
                let mut pager = Pager::new(handle, window);
                let mut pages = Vec::new();
                loop {
                    match pager.next_page().await {
                        Ok(Some(page)) => pages.push(Ok(page)),
                        Ok(None) => break,
                        Err(e) => {
                            pages.push(Err(e));
                            break;
                        }
                    }
                }
                stream::iter(pages)
            }
        })
        .buffered(concurrency)
        .flatten()
        .take_while({
            // The first error ends the stream, as in the sequential path.
            let mut failed = false;
            move |r| {
                let go = !failed;
                failed |= r.is_err();
                futures::future::ready(go)
            }
        })
        .boxed()
}

/// Every call of `query`, flattened from [`pages`].
pub fn calls<'a, P, H>(handle: H, query: CallQuery) -> BoxStream<'a, Result<Call>>
where
    P: Provider + ?Sized,
    H: Deref<Target = P> + Clone + Send + Sync + 'a,
{
    pages(handle, query)
        .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
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
            None,
            "short page"
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
    fn page_numbers_stop_on_more_false_and_short_pages() {
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
}
