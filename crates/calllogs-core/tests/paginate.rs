//! The generic paginator over a fake page source, for every paging style.

use std::sync::Mutex;

use calllogs_core::{
    Call, CallQuery, Page, PageToken, PagingSpec, PagingStyle, Provider, Result, async_trait,
};
use chrono::{Duration, TimeZone, Utc};
use futures::{StreamExt, TryStreamExt};

/// What one page request asked for: token, page size, lower bound.
type Request = (PageToken, Option<u32>, Option<chrono::DateTime<Utc>>);

/// Serves `n` calls in the given style, with knobs for misbehaviour.
struct Fake {
    style: PagingStyle,
    n: usize,
    report_total: bool,
    /// Cursor paging: the cursor sent after page `k` (to test repeats).
    cursors: Option<Vec<Option<String>>>,
    /// Page-number paging: serve an empty page at this page number.
    empty_at: Option<u32>,
    window: Option<Duration>,
    /// Serves at most this many whatever is asked (offset paging).
    cap: Option<usize>,
    /// Serves the first page whatever page is asked for.
    ignore_page: bool,
    seen: Mutex<Vec<Request>>,
}

impl Fake {
    fn new(style: PagingStyle, n: usize) -> Self {
        Fake {
            style,
            n,
            report_total: true,
            cursors: None,
            empty_at: None,
            window: None,
            cap: None,
            ignore_page: false,
            seen: Mutex::new(vec![]),
        }
    }
    fn requests(&self) -> Vec<PageToken> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|s| s.0.clone())
            .collect()
    }
}

#[async_trait]
impl Provider for Fake {
    fn id(&self) -> &'static str {
        "fake"
    }
    fn paging(&self) -> PagingSpec {
        let mut spec = PagingSpec::new(self.style, 20, 20);
        spec.max_window = self.window;
        spec
    }
    async fn page(&self, q: &CallQuery, token: &PageToken) -> Result<Page<Call>> {
        self.seen
            .lock()
            .unwrap()
            .push((token.clone(), q.page_size, q.since));
        let size = (q.page_size.unwrap() as usize).min(self.cap.unwrap_or(usize::MAX));
        let (start, idx) = match (self.style, token) {
            _ if self.ignore_page => (0, 0),
            (PagingStyle::Offset, t) => (t.offset() as usize, 0),
            (PagingStyle::PageNumber, t) => {
                ((t.number() as usize - 1) * size, t.number() as usize - 1)
            }
            (PagingStyle::Cursor, PageToken::First) => (0, 0),
            (PagingStyle::Cursor, PageToken::Cursor(c)) => {
                let k: usize = c.trim_start_matches('c').parse().unwrap();
                (k * size, k)
            }
            other => panic!("unexpected {other:?}"),
        };
        if self.empty_at == Some(token.number()) && self.style == PagingStyle::PageNumber {
            return Ok(Page::new(vec![]).with_total(Some(self.n as u64)));
        }
        let items: Vec<Call> = (start..(start + size).min(self.n))
            .map(|i| Call::new("fake", format!("call-{i}")))
            .collect();
        let mut page = Page::new(items).with_total(self.report_total.then_some(self.n as u64));
        if self.style == PagingStyle::Cursor {
            let next = match &self.cursors {
                Some(list) => list.get(idx).cloned().flatten(),
                None => (start + size < self.n).then(|| format!("c{}", idx + 1)),
            };
            page = page.with_next(next);
        }
        Ok(page)
    }
    fn decode_page(&self, _: &[u8]) -> Result<Page<Call>> {
        unreachable!("not used")
    }
}

fn ids(calls: &[Call]) -> Vec<String> {
    calls.iter().map(|c| c.id.clone()).collect()
}

fn expected(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("call-{i}")).collect()
}

#[tokio::test]
async fn a_server_serving_fewer_than_asked_without_a_total_is_followed_to_the_end() {
    // Asked for 20, served 7: every page is short, none is the last but the empty one.
    let mut fake = Fake::new(PagingStyle::Offset, 30);
    fake.report_total = false;
    fake.cap = Some(7);
    let calls: Vec<Call> = calllogs_core::paginate::calls(&fake, CallQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&calls), expected(30));
    assert_eq!(fake.requests().len(), 6, "5 pages and the empty one");
}

#[tokio::test]
async fn a_server_that_ignores_the_page_asked_for_is_an_error_not_a_loop() {
    let mut fake = Fake::new(PagingStyle::PageNumber, 30);
    fake.report_total = false;
    fake.ignore_page = true;
    let err = calllogs_core::paginate::calls(&fake, CallQuery::new())
        .try_collect::<Vec<Call>>()
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("same 20 calls for two pages"), "{err}");
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn page_numbers_until_the_total() {
    let fake = Fake::new(PagingStyle::PageNumber, 45);
    let calls: Vec<Call> = calllogs_core::paginate::calls(&fake, CallQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&calls), expected(45));
    assert_eq!(
        fake.requests(),
        [
            PageToken::Number(1),
            PageToken::Number(2),
            PageToken::Number(3)
        ]
    );
}

#[tokio::test]
async fn offsets_stop_at_the_total_or_an_empty_page_never_a_short_one() {
    let fake = Fake::new(PagingStyle::Offset, 40);
    let calls: Vec<Call> = calllogs_core::paginate::calls(&fake, CallQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&calls), expected(40));
    assert_eq!(
        fake.requests(),
        [PageToken::Offset(0), PageToken::Offset(20)],
        "stops at the total"
    );

    let mut fake = Fake::new(PagingStyle::Offset, 27);
    fake.report_total = false;
    let calls: Vec<Call> = calllogs_core::paginate::calls(&fake, CallQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&calls), expected(27));
    assert_eq!(
        fake.requests(),
        [
            PageToken::Offset(0),
            PageToken::Offset(20),
            PageToken::Offset(27)
        ],
        "a short page without a total is not the end: the empty page after it is"
    );

    let mut fake = Fake::new(PagingStyle::Offset, 40);
    fake.report_total = false;
    let calls: Vec<Call> = calllogs_core::paginate::calls(&fake, CallQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&calls), expected(40));
    assert_eq!(
        fake.requests(),
        [
            PageToken::Offset(0),
            PageToken::Offset(20),
            PageToken::Offset(40)
        ],
        "stops at the empty page"
    );
}

#[tokio::test]
async fn an_empty_page_before_the_total_ends_the_window() {
    let mut fake = Fake::new(PagingStyle::PageNumber, 60);
    fake.empty_at = Some(2);
    let calls: Vec<Call> = calllogs_core::paginate::calls(&fake, CallQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(calls.len(), 20);
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn cursors_until_null() {
    let fake = Fake::new(PagingStyle::Cursor, 50);
    let calls: Vec<Call> = calllogs_core::paginate::calls(&fake, CallQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&calls), expected(50));
    assert_eq!(
        fake.requests(),
        [
            PageToken::First,
            PageToken::Cursor("c1".into()),
            PageToken::Cursor("c2".into())
        ]
    );
}

#[tokio::test]
async fn a_repeated_cursor_is_an_error_not_a_loop() {
    let mut fake = Fake::new(PagingStyle::Cursor, 100);
    fake.cursors = Some(vec![
        Some("c1".into()),
        Some("c2".into()),
        Some("c1".into()),
    ]);
    let results: Vec<Result<Call>> = calllogs_core::paginate::calls(&fake, CallQuery::new())
        .collect()
        .await;
    let oks = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(oks, 60, "the pages before the repeat are kept");
    let err = results.last().unwrap().as_ref().unwrap_err();
    assert!(matches!(err, calllogs_core::Error::Paging { .. }), "{err}");
    assert_eq!(fake.requests().len(), 3);
}

#[tokio::test]
async fn long_ranges_are_fetched_window_by_window() {
    let mut fake = Fake::new(PagingStyle::Offset, 5);
    fake.window = Some(Duration::days(30));
    let until = Utc::now() - Duration::hours(1);
    let since = until - Duration::days(45);
    let q = CallQuery::new().since(since).until(until).page_size(500);
    let calls: Vec<Call> = calllogs_core::paginate::calls(&fake, q)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(calls.len(), 10, "each window's calls");
    let seen = fake.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].2, Some(since));
    assert_eq!(seen[1].2, Some(since + Duration::days(30)));
    assert!(
        seen.iter().all(|s| s.1 == Some(20)),
        "page size clamped to 20"
    );
}

#[tokio::test]
async fn nothing_is_requested_until_polled() {
    let fake = Fake::new(PagingStyle::Offset, 5);
    let stream = calllogs_core::paginate::calls(
        &fake,
        CallQuery::new().since(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()),
    );
    assert!(fake.requests().is_empty());
    drop(stream);
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn an_owned_provider_gives_a_static_stream() {
    let fake: std::sync::Arc<dyn Provider> =
        std::sync::Arc::new(Fake::new(PagingStyle::PageNumber, 30));
    let stream = calllogs_core::paginate::calls(fake, CallQuery::new());
    let handle = tokio::spawn(async move { stream.try_collect::<Vec<_>>().await });
    assert_eq!(handle.await.unwrap().unwrap().len(), 30);
}

#[tokio::test]
async fn a_pull_resumes_at_its_checkpoint_without_loss_or_repeat() {
    use calllogs_core::paginate::{Checkpoint, Pager};
    for style in [
        PagingStyle::Offset,
        PagingStyle::PageNumber,
        PagingStyle::Cursor,
    ] {
        let mut fake = Fake::new(style, 95);
        fake.window = Some(Duration::days(30));
        let until = Utc::now() - Duration::hours(1);
        let q = CallQuery::new()
            .since(until - Duration::days(45))
            .until(until);
        let mut first = Pager::new(&fake, q.clone());
        let mut got = Vec::new();
        let mut last = None;
        for _ in 0..3 {
            let f = first.next_page().await.unwrap().unwrap();
            got.extend(f.page.items);
            last = f.checkpoint;
        }
        // The checkpoint survives a trip through JSON, as sync stores it.
        let json = serde_json::to_string(&last.unwrap()).unwrap();
        let checkpoint: Checkpoint = serde_json::from_str(&json).unwrap();
        drop(first);
        let mut resumed = Pager::resume(&fake, q, checkpoint);
        let mut after = None;
        while let Some(f) = resumed.next_page().await.unwrap() {
            got.extend(f.page.items);
            after = Some(f.checkpoint);
        }
        assert!(after.unwrap().is_none(), "done");
        let mut ids: Vec<_> = got.iter().map(|c| c.id.clone()).collect();
        assert_eq!(ids.len(), 190, "{style:?}: 95 calls in each of two windows");
        ids.sort();
        ids.dedup();
        assert_eq!(
            ids.len(),
            95,
            "{style:?}: the fake serves the same ids in both windows"
        );
    }
}

#[tokio::test]
async fn filters_the_provider_cannot_apply_are_applied_on_the_records() {
    let fake = Fake::new(PagingStyle::PageNumber, 30);
    let q = CallQuery::new().status(calllogs_core::Status::Completed);
    let calls: Vec<Call> = calllogs_core::paginate::calls(&fake, q)
        .try_collect()
        .await
        .unwrap();
    assert!(calls.is_empty(), "the fake's calls have status unknown");
    assert_eq!(
        fake.requests().len(),
        2,
        "paging still followed the pages as served"
    );
}

/// Serves 500 calls by offset, 20 a page, after a short wait, counting the
/// requests in flight.
struct Slow {
    concurrency: usize,
    in_flight: std::sync::atomic::AtomicUsize,
    max_in_flight: std::sync::atomic::AtomicUsize,
}

#[async_trait]
impl Provider for Slow {
    fn id(&self) -> &'static str {
        "slow"
    }
    fn paging(&self) -> PagingSpec {
        PagingSpec::new(PagingStyle::Offset, 20, 20)
    }
    fn concurrency(&self) -> usize {
        self.concurrency
    }
    async fn page(&self, _: &CallQuery, token: &PageToken) -> Result<Page<Call>> {
        use std::sync::atomic::Ordering::SeqCst;
        let now = self.in_flight.fetch_add(1, SeqCst) + 1;
        self.max_in_flight.fetch_max(now, SeqCst);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        self.in_flight.fetch_sub(1, SeqCst);
        let start = token.offset() as usize;
        let items = (start..(start + 20).min(500))
            .map(|i| Call::new("slow", format!("call-{i}")))
            .collect();
        Ok(Page::new(items).with_total(Some(500)))
    }
    fn decode_page(&self, _: &[u8]) -> Result<Page<Call>> {
        unreachable!("not used")
    }
}

#[tokio::test]
async fn pages_after_the_first_go_concurrently_and_come_back_in_order() {
    for concurrency in [1, 4] {
        let slow = Slow {
            concurrency,
            in_flight: Default::default(),
            max_in_flight: Default::default(),
        };
        let calls: Vec<Call> = calllogs_core::paginate::calls(&slow, CallQuery::new())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(ids(&calls), expected(500), "in order, each once");
        let max = slow.max_in_flight.load(std::sync::atomic::Ordering::SeqCst);
        assert_eq!(
            max, concurrency,
            "at most {concurrency} in flight, and that many used"
        );
    }
}

#[tokio::test]
async fn a_concurrent_pull_checkpoints_in_order_and_resumes() {
    use calllogs_core::paginate::Pager;
    let slow = Slow {
        concurrency: 8,
        in_flight: Default::default(),
        max_in_flight: Default::default(),
    };
    let mut pager = Pager::new(&slow, CallQuery::new());
    let mut got = Vec::new();
    let mut last = None;
    for _ in 0..7 {
        let f = pager.next_page().await.unwrap().unwrap();
        got.extend(f.page.items);
        last = f.checkpoint;
    }
    let checkpoint = last.unwrap();
    assert_eq!(
        checkpoint.token,
        Some(PageToken::Offset(140)),
        "the page after the last one returned"
    );
    drop(pager);
    let mut resumed = Pager::resume(&slow, CallQuery::new(), checkpoint);
    while let Some(f) = resumed.next_page().await.unwrap() {
        got.extend(f.page.items);
    }
    assert_eq!(ids(&got), expected(500));
}

/// A cursor chain per window, 3 pages of 10 each, counting requests in flight.
struct Chains {
    in_flight: std::sync::atomic::AtomicUsize,
    max_in_flight: std::sync::atomic::AtomicUsize,
}

#[async_trait]
impl Provider for Chains {
    fn id(&self) -> &'static str {
        "chains"
    }
    fn paging(&self) -> PagingSpec {
        let mut spec = PagingSpec::new(PagingStyle::Cursor, 10, 10);
        spec.max_window = Some(Duration::days(1));
        spec
    }
    fn concurrency(&self) -> usize {
        3
    }
    async fn page(&self, q: &CallQuery, token: &PageToken) -> Result<Page<Call>> {
        use std::sync::atomic::Ordering::SeqCst;
        let now = self.in_flight.fetch_add(1, SeqCst) + 1;
        self.max_in_flight.fetch_max(now, SeqCst);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        self.in_flight.fetch_sub(1, SeqCst);
        let day = q.since.unwrap().format("%d").to_string();
        let k: usize = match token {
            PageToken::Cursor(c) => c.rsplit('-').next().unwrap().parse().unwrap(),
            _ => 0,
        };
        let items = (0..10)
            .map(|i| Call::new("chains", format!("{day}-{k}-{i}")))
            .collect();
        Ok(Page::new(items).with_next((k < 2).then(|| format!("{day}-{}", k + 1))))
    }
    fn decode_page(&self, _: &[u8]) -> Result<Page<Call>> {
        unreachable!("not used")
    }
}

#[tokio::test]
async fn cursor_windows_go_concurrently_and_come_back_in_order() {
    let chains = Chains {
        in_flight: Default::default(),
        max_in_flight: Default::default(),
    };
    let since = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let q = CallQuery::new()
        .since(since)
        .until(since + Duration::days(6));
    let calls: Vec<Call> = calllogs_core::paginate::calls(&chains, q)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(calls.len(), 6 * 30);
    let want: Vec<String> = (1..=6)
        .flat_map(|d| (0..3).flat_map(move |k| (0..10).map(move |i| format!("{d:02}-{k}-{i}"))))
        .collect();
    assert_eq!(ids(&calls), want, "window by window, each chain in order");
    let max = chains
        .max_in_flight
        .load(std::sync::atomic::Ordering::SeqCst);
    assert!(max > 1 && max <= 3, "{max} in flight");
}

#[tokio::test]
async fn concurrent_cursor_windows_checkpoint_in_order_and_resume() {
    use calllogs_core::paginate::Pager;
    let chains = Chains {
        in_flight: Default::default(),
        max_in_flight: Default::default(),
    };
    let since = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let q = CallQuery::new()
        .since(since)
        .until(since + Duration::days(6));
    let mut pager = Pager::new(&chains, q.clone());
    let mut got = Vec::new();
    // Four pages: the whole first window and the first page of the second.
    let mut last = None;
    for _ in 0..4 {
        let f = pager.next_page().await.unwrap().unwrap();
        got.extend(f.page.items);
        last = f.checkpoint;
    }
    let checkpoint = last.unwrap();
    assert_eq!(checkpoint.windows.len(), 5, "the second window is current");
    assert_eq!(checkpoint.token, Some(PageToken::Cursor("02-1".into())));
    drop(pager);
    let mut resumed = Pager::resume(&chains, q, checkpoint);
    let mut after = None;
    while let Some(f) = resumed.next_page().await.unwrap() {
        got.extend(f.page.items);
        after = Some(f.checkpoint);
    }
    assert!(after.unwrap().is_none());
    let want: Vec<String> = (1..=6)
        .flat_map(|d| (0..3).flat_map(move |k| (0..10).map(move |i| format!("{d:02}-{k}-{i}"))))
        .collect();
    assert_eq!(
        ids(&got),
        want,
        "nothing lost or repeated across the resume"
    );
    let max = chains
        .max_in_flight
        .load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        max > 1,
        "windows went concurrently under the pager too ({max})"
    );
}
