//! The one scheduler: how many pages are in flight, and in what order they
//! come back. [`pull`] is what [`super::pages`], [`super::calls`] and
//! [`super::Pager`] (and so `fetch` and `sync`) all run on.
//!
//! - Offset and page-number windows: the first page is fetched alone; once
//!   it tells the total, the rest of the window is fetched with up to
//!   [`PageSource::concurrency`] requests in flight, returned in order.
//! - Cursor chains cannot be split, but windows can: up to `concurrency`
//!   windows are walked at once, each chain in order, and their pages come
//!   out window by window. A window ahead of the current one holds at most
//!   [`AHEAD_PAGES`] pages before it waits, so memory stays bounded.
//!
//! Every request goes through the provider's HTTP client, so its rate
//! limiter paces all of them. The first error ends the stream.

use std::collections::VecDeque;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::stream::{self, BoxStream, Stream, StreamExt, TryStreamExt};

use super::PageSource;
use super::walk::{
    Checkpoint, CountMismatch, Progress, Walk, Window, halves, next_token, plan_rest,
};
use crate::call::Call;
use crate::error::{Error, Result};
use crate::page::{Page, PageToken, PagingSpec, PagingStyle};
use crate::query::CallQuery;

/// Pages a window walked ahead of the current one may hold.
pub const AHEAD_PAGES: usize = 2;

/// One page of a pull, and where the pull stands after it.
#[derive(Debug)]
pub struct Fetched {
    /// The page, its records already checked against the query's filters.
    pub page: Page<Call>,
    /// The checkpoint after this page; `None` when it was the last.
    pub checkpoint: Option<Checkpoint>,
    /// When this page ended a window whose announced total differs from the
    /// calls received in it.
    pub mismatch: Option<CountMismatch>,
}

/// A page of one window, with the token after it and the records received
/// in the window so far (`None` when the window is done), and the window's
/// count mismatch when it ends with one.
type WindowPage = (Page<Call>, Option<(PageToken, u64)>, Option<CountMismatch>);

/// What one window's pages stream yields: a page, or word (before any of
/// its pages went out) that the window holds at least as many calls as the
/// provider lists for one query, so it must be split.
// One value in flight per window, moved straight out: boxing the page
// would cost an allocation per page for nothing.
#[allow(clippy::large_enum_variant)]
enum Step {
    Page(WindowPage),
    Split { announced: u64, cap: u64 },
}

/// A page of a window or of a part of it, the part it was served for, and
/// the parts of the same window still to do after that one.
type PartPage = (WindowPage, Window, Vec<Window>);

/// Every page of `query`, each with its checkpoint, from the start or from
/// `resume`. Nothing is requested until the stream is polled (the windows,
/// and the pinned upper bound, are fixed then).
pub fn pull<'a, S, H>(
    handle: H,
    query: CallQuery,
    resume: Option<Checkpoint>,
) -> BoxStream<'a, Result<Fetched>>
where
    S: PageSource + ?Sized,
    H: Deref<Target = S> + Clone + Send + Sync + 'a,
{
    let start = async move {
        let spec = handle.paging();
        let (windows, first) = match resume {
            Some(c) => {
                let windows: Vec<CallQuery> = c
                    .windows
                    .iter()
                    .map(|w| {
                        let mut q = query.clone();
                        q.since = w.since;
                        q.until = w.until;
                        q
                    })
                    .collect();
                (windows, c.token.map(|t| (t, c.received)))
            }
            None => (query.windows(handle.id(), &spec, chrono::Utc::now())?, None),
        };
        let walk = Arc::new(Walk::new(&windows));
        let ahead = if matches!(spec.style, PagingStyle::Cursor | PagingStyle::TimeCursor) {
            handle.concurrency().max(1)
        } else {
            1
        };
        let mut first = first;
        let streams = windows.into_iter().enumerate().map(move |(i, q)| {
            let walk = walk.clone();
            capped_window(handle.clone(), spec.clone(), q, first.take())
                .map(move |r| {
                    r.map(|((page, next, mismatch), current, later)| Fetched {
                        page,
                        checkpoint: walk.checkpoint_after(i, current, &later, next),
                        mismatch,
                    })
                })
                .boxed()
        });
        Ok::<_, Error>(Ahead::new(streams, ahead, AHEAD_PAGES))
    };
    stream::once(start)
        .flat_map(|r| match r {
            Ok(ahead) => ahead.boxed(),
            Err(e) => stream::once(async move { Err(e) }).boxed(),
        })
        .scan(false, |failed, r| {
            // The first error ends the stream.
            let go = !*failed;
            *failed |= r.is_err();
            futures::future::ready(go.then_some(r))
        })
        .boxed()
}

enum State<'a> {
    /// Fetch this page next, one at a time.
    Next(PageToken, Progress),
    /// The rest of the window, planned, in flight.
    Planned {
        stream: BoxStream<'a, (PageToken, Result<Page<Call>>)>,
        remaining: VecDeque<PageToken>,
        progress: Progress,
    },
    /// A paging error found after a page: the page went out first.
    Fail(Error),
    Done,
}

/// Settles `page` (fetched with `token`) after the paging decision, which
/// needs the page as served: drops what a time cursor emitted already and
/// what lies outside a coarse provider's window, fetches each remaining
/// call's detail where the provider pages list-then-detail (before the
/// query's own checks, which may need fields only the detail has), and
/// keeps the calls the user asked about.
async fn settle<S: PageSource + ?Sized>(
    source: &S,
    q: &CallQuery,
    spec: &PagingSpec,
    token: &PageToken,
    page: &mut Page<Call>,
) -> Result<()> {
    // A time cursor asks again for its instant: drop what was emitted there.
    if let PageToken::Before(c) = token {
        page.items.retain(|call| !c.seen.contains(&call.id));
    }
    // A provider that filters by whole days: exactly the window, by start.
    if spec.coarse_time_filter {
        page.items.retain(|call| {
            call.started_at
                .is_none_or(|t| q.since.is_none_or(|s| t >= s) && q.until.is_none_or(|u| t < u))
        });
    }
    if spec
        .detail
        .is_some_and(|default| q.detail.unwrap_or(default))
    {
        details(source, page).await?;
    }
    // Providers filter some of these loosely or not at all; the normalized
    // record is what the user asked about.
    page.items.retain(|c| q.matches(c));
    Ok(())
}

/// Replaces each call of `page` with its detail, up to the provider's
/// concurrency at once, in order; a call whose detail is gone is left out
/// and counted ([`Page::gone`]). The first failure fails the page: no call
/// is kept half-filled.
async fn details<S: PageSource + ?Sized>(source: &S, page: &mut Page<Call>) -> Result<()> {
    let listed = std::mem::take(&mut page.items);
    let fetched: Vec<Option<Call>> = stream::iter(listed)
        .map(|call| source.detail(call))
        .buffered(source.concurrency().max(1))
        .try_collect()
        .await?;
    let before = fetched.len();
    page.items = fetched.into_iter().flatten().collect();
    let gone = (before - page.items.len()) as u64;
    if gone > 0 {
        tracing::warn!(
            provider = source.id(),
            gone,
            "calls listed were gone (deleted) before their detail was read"
        );
    }
    page.gone += gone;
    Ok(())
}

/// An error when a page-number or offset page holds the same calls as the
/// page before it: the server ignored the page asked for (without a total,
/// following it would never end).
fn same_page_again(
    provider: &'static str,
    style: PagingStyle,
    page: &Page<Call>,
    progress: &mut Progress,
) -> Result<()> {
    if !matches!(style, PagingStyle::PageNumber | PagingStyle::Offset) {
        return Ok(());
    }
    let (Some(first), Some(last)) = (page.items.first(), page.items.last()) else {
        progress.previous_page = None;
        return Ok(());
    };
    let this = (page.items.len(), first.id.clone(), last.id.clone());
    if progress.previous_page.as_ref() == Some(&this) {
        return Err(Error::Paging {
            provider,
            message: format!(
                "the provider served the same {} calls for two pages in a row ({} to {}); it ignores the page asked for: stopping instead of looping",
                this.0, this.1, this.2
            ),
        });
    }
    progress.previous_page = Some(this);
    Ok(())
}

/// The pages of one window, in order.
fn window_pages<'a, S, H>(
    handle: H,
    spec: PagingSpec,
    mut q: CallQuery,
    start: Option<(PageToken, u64)>,
) -> BoxStream<'a, Result<Step>>
where
    S: PageSource + ?Sized,
    H: Deref<Target = S> + Clone + Send + Sync + 'a,
{
    // A resumed window carries the caller's query as it was given.
    let page_size = q.effective_page_size(&spec);
    q.page_size = Some(page_size);
    let (token, received) = start.unwrap_or((spec.style.first_token(), 0));
    let progress = Progress {
        received,
        ..Progress::default()
    };
    let window = Window {
        since: q.since,
        until: q.until,
    };
    let q = Arc::new(q);
    stream::unfold(State::Next(token, progress), move |state| {
        let handle = handle.clone();
        let q = q.clone();
        let spec = spec.clone();
        async move {
            let provider = handle.id();
            match state {
                State::Done => None,
                State::Fail(e) => Some((Err(e), State::Done)),
                State::Next(token, mut progress) => {
                    let mut page = match handle.page(&q, &token).await {
                        Ok(page) => page,
                        Err(e) => return Some((Err(e), State::Done)),
                    };
                    // A window the provider cannot list whole: nothing of it
                    // goes out; it is split instead.
                    if let (Some(cap), Some(total)) = (spec.result_cap, page.total)
                        && total >= cap
                        && progress.received == 0
                        && token == spec.style.first_token()
                    {
                        let split = Step::Split {
                            announced: total,
                            cap,
                        };
                        return Some((Ok(split), State::Done));
                    }
                    progress.announce(page.total);
                    if let Err(e) = same_page_again(provider, spec.style, &page, &mut progress) {
                        return Some((Err(e), State::Done));
                    }
                    let decided = next_token(
                        provider,
                        spec.style,
                        &token,
                        &page,
                        page_size,
                        &mut progress,
                    );
                    let served = page.items.len() as u64;
                    let total = page.total;
                    if let Err(e) = settle(&*handle, &q, &spec, &token, &mut page).await {
                        return Some((Err(e), State::Done));
                    }
                    let mut mismatch = None;
                    let (next, state) = match decided {
                        Ok(Some(next)) => {
                            let at = Some((next.clone(), progress.received));
                            let planned = (handle.concurrency() > 1)
                                .then(|| {
                                    plan_rest(spec.style, total, served, &next, progress.received)
                                })
                                .flatten();
                            let state = match planned {
                                Some(tokens) => State::Planned {
                                    stream: fetch_all(
                                        handle.clone(),
                                        q.clone(),
                                        tokens.clone(),
                                        handle.concurrency(),
                                    ),
                                    remaining: tokens.into(),
                                    progress,
                                },
                                None => State::Next(next, progress),
                            };
                            (at, state)
                        }
                        Ok(None) => {
                            mismatch = progress.mismatch(window);
                            (None, State::Done)
                        }
                        Err(e) => (Some((token, progress.received)), State::Fail(e)),
                    };
                    Some((Ok(Step::Page((page, next, mismatch))), state))
                }
                State::Planned {
                    mut stream,
                    mut remaining,
                    mut progress,
                } => {
                    let (token, result) = stream.next().await?;
                    remaining.pop_front();
                    let mut page = match result {
                        Ok(page) => page,
                        Err(e) => return Some((Err(e), State::Done)),
                    };
                    progress.received += page.items.len() as u64;
                    if let Err(e) = settle(&*handle, &q, &spec, &token, &mut page).await {
                        return Some((Err(e), State::Done));
                    }
                    let next = remaining.front().map(|t| (t.clone(), progress.received));
                    let (state, mismatch) = if next.is_some() {
                        let state = State::Planned {
                            stream,
                            remaining,
                            progress,
                        };
                        (state, None)
                    } else {
                        (State::Done, progress.mismatch(window))
                    };
                    Some((Ok(Step::Page((page, next, mismatch))), state))
                }
            }
        }
    })
    .boxed()
}

/// The pages of one window, split (recursively, at midpoint seconds) where
/// a part holds at least as many calls as the provider lists for one query
/// ([`PagingSpec::result_cap`]): parts are pulled oldest first, each from
/// its own first page, and each page says which part it was served for
/// and which parts remain, so a checkpoint resumes inside a split window.
fn capped_window<'a, S, H>(
    handle: H,
    spec: PagingSpec,
    q: CallQuery,
    start: Option<(PageToken, u64)>,
) -> BoxStream<'a, Result<PartPage>>
where
    S: PageSource + ?Sized,
    H: Deref<Target = S> + Clone + Send + Sync + 'a,
{
    struct Parts<'a> {
        /// The part being pulled, and its pages.
        current: Option<(Window, BoxStream<'a, Result<Step>>)>,
        /// The parts after it, oldest first.
        queue: VecDeque<Window>,
        start: Option<(PageToken, u64)>,
        failed: bool,
    }
    let whole = Window {
        since: q.since,
        until: q.until,
    };
    let parts = Parts {
        current: None,
        queue: VecDeque::from([whole]),
        start,
        failed: false,
    };
    stream::unfold(parts, move |mut parts| {
        let handle = handle.clone();
        let spec = spec.clone();
        let q = q.clone();
        async move {
            if parts.failed {
                return None;
            }
            loop {
                let (window, pages) = match &mut parts.current {
                    Some(current) => current,
                    None => {
                        let window = parts.queue.pop_front()?;
                        let mut part = q.clone();
                        part.since = window.since;
                        part.until = window.until;
                        let pages = window_pages(handle.clone(), spec.clone(), part, parts.start.take());
                        parts.current.insert((window, pages))
                    }
                };
                let window = *window;
                match pages.next().await {
                    None => parts.current = None,
                    Some(Ok(Step::Page(page))) => {
                        let later = parts.queue.iter().copied().collect();
                        return Some((Ok((page, window, later)), parts));
                    }
                    Some(Ok(Step::Split { announced, cap })) => {
                        parts.current = None;
                        let Some((first, second)) = halves(window) else {
                            parts.failed = true;
                            let t = |t: Option<chrono::DateTime<chrono::Utc>>| {
                                t.map_or("…".to_string(), |t| t.to_rfc3339())
                            };
                            let e = Error::Paging {
                                provider: handle.id(),
                                message: format!(
                                    "{announced} calls from {} to {}, and the provider lists at most {cap} for one query: a window this narrow cannot be split further, and pulling it would lose calls",
                                    t(window.since),
                                    t(window.until)
                                ),
                            };
                            return Some((Err(e), parts));
                        };
                        tracing::info!(
                            provider = handle.id(),
                            announced,
                            cap,
                            since = ?window.since,
                            until = ?window.until,
                            "a window holds more calls than the provider lists for one query: splitting it in two"
                        );
                        parts.queue.push_front(second);
                        parts.queue.push_front(first);
                    }
                    Some(Err(e)) => {
                        parts.failed = true;
                        return Some((Err(e), parts));
                    }
                }
            }
        }
    })
    .boxed()
}

/// `tokens` fetched with up to `concurrency` in flight, in order.
fn fetch_all<'a, S, H>(
    handle: H,
    q: Arc<CallQuery>,
    tokens: Vec<PageToken>,
    concurrency: usize,
) -> BoxStream<'a, (PageToken, Result<Page<Call>>)>
where
    S: PageSource + ?Sized,
    H: Deref<Target = S> + Clone + Send + Sync + 'a,
{
    stream::iter(tokens)
        .map(move |t| {
            let handle = handle.clone();
            let q = q.clone();
            async move {
                let result = handle.page(&q, &t).await;
                (t, result)
            }
        })
        .buffered(concurrency.max(1))
        .boxed()
}

/// Streams polled up to `width` at a time and flattened in order: the items
/// of the first, then of the second, and so on. A stream behind the first
/// is polled only while it holds fewer than `cap` items.
pub(crate) struct Ahead<'a, T> {
    pending: Box<dyn Iterator<Item = BoxStream<'a, T>> + Send + 'a>,
    active: VecDeque<Slot<'a, T>>,
    width: usize,
    cap: usize,
}

struct Slot<'a, T> {
    stream: BoxStream<'a, T>,
    buffered: VecDeque<T>,
    done: bool,
}

impl<'a, T> Ahead<'a, T> {
    pub(crate) fn new(
        streams: impl Iterator<Item = BoxStream<'a, T>> + Send + 'a,
        width: usize,
        cap: usize,
    ) -> Self {
        Ahead {
            pending: Box::new(streams),
            active: VecDeque::new(),
            width: width.max(1),
            cap: cap.max(1),
        }
    }
}

// Nothing in it is ever pinned in place: the streams are boxed and the
// items are plain values moved in and out.
impl<T> Unpin for Ahead<'_, T> {}

impl<T> Stream for Ahead<'_, T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = &mut *self;
        loop {
            while this.active.len() < this.width {
                match this.pending.next() {
                    Some(stream) => this.active.push_back(Slot {
                        stream,
                        buffered: VecDeque::new(),
                        done: false,
                    }),
                    None => break,
                }
            }
            let Some(front) = this.active.front_mut() else {
                return Poll::Ready(None);
            };
            // The current stream first: its item can go out at once.
            if let Some(item) = front.buffered.pop_front() {
                return Poll::Ready(Some(item));
            }
            if !front.done {
                match front.stream.poll_next_unpin(cx) {
                    Poll::Ready(Some(item)) => {
                        this.poll_behind(cx);
                        return Poll::Ready(Some(item));
                    }
                    Poll::Ready(None) => front.done = true,
                    Poll::Pending => {}
                }
            }
            if front.done {
                this.active.pop_front();
                continue;
            }
            this.poll_behind(cx);
            return Poll::Pending;
        }
    }
}

impl<T> Ahead<'_, T> {
    /// Moves the streams behind the current one along, up to `cap` items each.
    fn poll_behind(&mut self, cx: &mut Context<'_>) {
        for slot in self.active.iter_mut().skip(1) {
            while !slot.done && slot.buffered.len() < self.cap {
                match slot.stream.poll_next_unpin(cx) {
                    Poll::Ready(Some(item)) => slot.buffered.push_back(item),
                    Poll::Ready(None) => slot.done = true,
                    Poll::Pending => break,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn ahead_keeps_order_and_bounds_what_it_holds() {
        let streams = (0..5).map(|w| stream::iter((0..4).map(move |i| (w, i))).boxed());
        let mut ahead = Ahead::new(streams, 3, 2);
        let mut got = Vec::new();
        while let Some(x) = ahead.next().await {
            for slot in ahead.active.iter().skip(1) {
                assert!(
                    slot.buffered.len() <= 2,
                    "a stream behind holds at most cap"
                );
            }
            got.push(x);
        }
        let want: Vec<_> = (0..5).flat_map(|w| (0..4).map(move |i| (w, i))).collect();
        assert_eq!(got, want);
    }
}
