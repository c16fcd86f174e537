//! Time-cursor paging (`PagingStyle::TimeCursor`) over a fake API that
//! lists newest first with no total and no next link, as Vapi's does: each
//! call exactly once, calls sharing an instant across a page boundary
//! neither repeated nor skipped, resumable from any checkpoint.

use std::sync::Mutex;

use calllogs_core::paginate::Pager;
use calllogs_core::{
    Call, CallQuery, Page, PageToken, PagingSpec, PagingStyle, Provider, Result, async_trait,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use futures::TryStreamExt;

/// Calls with their creation times, newest first on every page; a window's
/// end is exclusive on the first page (`createdAtLt`) and the cursor
/// inclusive on the next (`createdAtLe`), as the API is asked.
struct Api {
    calls: Vec<(DateTime<Utc>, String)>,
    /// A record the mapping refuses (no usable fields), still with a time.
    reject: Option<String>,
    /// Serves at most this many whatever `limit` asks (a server's own cap).
    cap: Option<usize>,
    asked: Mutex<Vec<PageToken>>,
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
}

impl Api {
    /// `n` calls, `per_instant` sharing each second.
    fn new(n: usize, per_instant: usize) -> Api {
        let calls = (0..n)
            .map(|i| {
                let at = t0() + Duration::seconds((i / per_instant) as i64);
                (at, format!("call-{i:04}"))
            })
            .collect();
        Api {
            calls,
            reject: None,
            cap: None,
            asked: Mutex::new(Vec::new()),
        }
    }
}

#[async_trait]
impl Provider for Api {
    fn id(&self) -> &'static str {
        "fake"
    }
    fn paging(&self) -> PagingSpec {
        PagingSpec::new(PagingStyle::TimeCursor, 1000, 7)
    }
    async fn page(&self, q: &CallQuery, token: &PageToken) -> Result<Page<Call>> {
        self.asked.lock().unwrap().push(token.clone());
        let limit = (q.page_size.unwrap() as usize).min(self.cap.unwrap_or(usize::MAX));
        let mut matching: Vec<&(DateTime<Utc>, String)> = self
            .calls
            .iter()
            .filter(|(at, _)| q.since.is_none_or(|s| *at >= s))
            .filter(|(at, _)| match token {
                PageToken::Before(c) => *at <= c.at,
                _ => q.until.is_none_or(|u| *at < u),
            })
            .collect();
        // Newest first; ties in an order of the API's own (not by id).
        matching.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(&a.1)));
        matching.truncate(limit);
        let mut page = Page::new(Vec::new());
        for (at, id) in &matching {
            if Some(id) == self.reject.as_ref() {
                page.rejects.push(calllogs_core::page::Reject {
                    provider: "fake",
                    index: 0,
                    reason: "refused".into(),
                    raw: "{}".into(),
                });
                continue;
            }
            let mut call = Call::new("fake", id.clone());
            call.started_at = Some(*at + Duration::seconds(3));
            page.items.push(call);
        }
        Ok(page.with_oldest(
            matching
                .iter()
                .map(|(at, id)| (Some(*at), Some(id.as_str()))),
        ))
    }
    fn decode_page(&self, _: &[u8]) -> Result<Page<Call>> {
        unreachable!("not used")
    }
}

fn range() -> CallQuery {
    let mut q = CallQuery::new();
    q.since = Some(t0() - Duration::hours(1));
    q.until = Some(t0() + Duration::hours(1));
    q
}

async fn ids(api: &Api, page_size: u32) -> Vec<String> {
    let mut q = range();
    q.page_size = Some(page_size);
    let calls: Vec<Call> = calllogs_core::paginate::calls(api, q)
        .try_collect()
        .await
        .unwrap();
    calls.into_iter().map(|c| c.id).collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test]
async fn every_call_once_whatever_the_page_size_and_the_ties() {
    for per_instant in [1, 3, 7, 10] {
        for page_size in [7, 10, 11, 25] {
            // As many calls in one instant as a page holds cannot be told
            // complete by this kind of API: an error, tested below.
            if per_instant >= page_size as usize {
                continue;
            }
            let api = Api::new(100, per_instant);
            let got = ids(&api, page_size).await;
            let want: Vec<String> = (0..100).map(|i| format!("call-{i:04}")).collect();
            assert_eq!(
                got.len(),
                100,
                "per_instant {per_instant}, page {page_size}: {got:?}"
            );
            assert_eq!(
                sorted(got),
                want,
                "per_instant {per_instant}, page {page_size}"
            );
        }
    }
}

#[tokio::test]
async fn the_cursor_moves_to_the_oldest_instant_and_remembers_its_ids() {
    let api = Api::new(30, 4);
    ids(&api, 9).await;
    let asked = api.asked.lock().unwrap().clone();
    assert_eq!(asked[0], PageToken::First);
    // Newest first: 30 calls at 4 per second span seconds 0..=7; the first
    // page (9) ends inside second 5 (calls 20..=23), three of them seen.
    let PageToken::Before(c) = &asked[1] else {
        panic!("{asked:?}")
    };
    assert_eq!(c.at, t0() + Duration::seconds(5));
    assert_eq!(c.seen, ["call-0023", "call-0022", "call-0021"]);
    // 30 calls in pages of 9 (4, 5 and 6 of them new after the first),
    // then one request that brings nothing new confirms the end.
    assert!(asked.len() <= 6, "{asked:?}");
}

#[tokio::test]
async fn a_server_that_serves_fewer_than_asked_is_followed_to_the_end() {
    // As Vapi's default (100) or a proxy would: `limit=1000` asked, at
    // most 100 served. A short page is not the last page.
    for (n, per_instant, cap, page_size) in [(2000, 1, 100, 1000), (500, 3, 10, 25), (37, 2, 5, 7)]
    {
        let mut api = Api::new(n, per_instant);
        api.cap = Some(cap);
        let got = ids(&api, page_size).await;
        let want: Vec<String> = (0..n).map(|i| format!("call-{i:04}")).collect();
        assert_eq!(got.len(), n, "cap {cap}, asked {page_size}");
        assert_eq!(sorted(got), want, "cap {cap}, asked {page_size}");
        // Each request brings new calls, but for the one that confirms the end.
        let asked = api.asked.lock().unwrap().len();
        let bound = n.div_ceil(cap - per_instant) + 1;
        assert!(
            asked <= bound,
            "cap {cap}: {asked} requests, at most {bound}"
        );
    }
}

#[tokio::test]
async fn a_whole_capped_page_at_one_instant_is_an_error_not_a_skip() {
    // The server serves 10 whatever is asked, and 20 calls share the oldest
    // instant: once a page has shown the server's page size (10), a page of
    // 10 already seen at one instant cannot be told complete.
    let mut api = Api::new(0, 1);
    api.calls = (0..35)
        .map(|i| {
            let at = t0() + Duration::seconds(i.max(19) - 19);
            (at, format!("call-{i:04}"))
        })
        .collect();
    api.cap = Some(10);
    let mut q = range();
    q.page_size = Some(100);
    let err = calllogs_core::paginate::calls(&api, q)
        .try_collect::<Vec<Call>>()
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("share the instant"), "{err}");
}

#[tokio::test]
async fn more_calls_at_one_instant_than_a_page_is_an_error_not_a_loop() {
    let api = Api::new(40, 20);
    let mut q = range();
    q.page_size = Some(10);
    let err = calllogs_core::paginate::calls(&api, q)
        .try_collect::<Vec<Call>>()
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("share the instant"), "{err}");
    assert!(api.asked.lock().unwrap().len() < 10);
}

#[tokio::test]
async fn a_rejected_record_still_moves_the_cursor() {
    let mut api = Api::new(21, 1);
    // The oldest record of the first page (of 7): refused by the mapping.
    api.reject = Some("call-0014".into());
    let got = ids(&api, 7).await;
    assert_eq!(got.len(), 20);
    assert!(!got.contains(&"call-0014".to_string()));
}

#[tokio::test]
async fn a_pull_resumed_from_any_checkpoint_ends_with_each_call_once() {
    let api = Api::new(50, 3);
    let mut q = range();
    q.page_size = Some(8);
    let mut pager = Pager::new(&api, q.clone());
    let mut before = Vec::new();
    let mut checkpoints = Vec::new();
    while let Some(f) = pager.next_page().await.unwrap() {
        before.extend(f.page.items.iter().map(|c| c.id.clone()));
        checkpoints.push((before.clone(), f.checkpoint));
    }
    assert_eq!(sorted(before.clone()).len(), 50);
    for (done, checkpoint) in checkpoints {
        let Some(checkpoint) = checkpoint else {
            continue;
        };
        // Through JSON, as the store keeps it.
        let checkpoint =
            serde_json::from_str(&serde_json::to_string(&checkpoint).unwrap()).unwrap();
        let mut resumed = Pager::resume(&api, q.clone(), checkpoint);
        let mut all = done.clone();
        while let Some(f) = resumed.next_page().await.unwrap() {
            all.extend(f.page.items.iter().map(|c| c.id.clone()));
        }
        assert_eq!(all.len(), 50, "resumed after {} calls: {all:?}", done.len());
        assert_eq!(sorted(all), sorted(before.clone()));
    }
}

/// An API that filters by whole days (as Twilio documents its StartTime
/// filters): it serves every call of the days the window touches.
struct ByDay {
    calls: Vec<(DateTime<Utc>, String)>,
}

#[async_trait]
impl Provider for ByDay {
    fn id(&self) -> &'static str {
        "byday"
    }
    fn paging(&self) -> PagingSpec {
        let mut spec = PagingSpec::new(PagingStyle::PageNumber, 1000, 1000);
        spec.coarse_time_filter = true;
        spec
    }
    async fn page(&self, q: &CallQuery, token: &PageToken) -> Result<Page<Call>> {
        if token.number() > 1 {
            return Ok(Page::new(Vec::new()));
        }
        let day = |t: DateTime<Utc>| t.date_naive();
        let items = self
            .calls
            .iter()
            .filter(|(at, _)| q.since.is_none_or(|s| day(*at) >= day(s)))
            .filter(|(at, _)| q.until.is_none_or(|u| day(*at) <= day(u)))
            .map(|(at, id)| {
                let mut call = Call::new("byday", id.clone());
                call.started_at = Some(*at);
                call
            })
            .collect();
        Ok(Page::new(items))
    }
    fn decode_page(&self, _: &[u8]) -> Result<Page<Call>> {
        unreachable!("not used")
    }
}

#[tokio::test]
async fn a_provider_that_filters_by_day_gives_exactly_the_window() {
    // A call every hour over three days, two of them around midnight.
    let calls: Vec<(DateTime<Utc>, String)> = (0..72)
        .map(|h| (t0() + Duration::hours(h), format!("h{h:02}")))
        .collect();
    let api = ByDay { calls };
    let mut q = CallQuery::new();
    // From 22:00 on the first day to 02:00 on the second (exclusive).
    q.since = Some(t0() + Duration::hours(22));
    q.until = Some(t0() + Duration::hours(26));
    let got: Vec<Call> = calllogs_core::paginate::calls(&api, q)
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = got.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["h22", "h23", "h24", "h25"]);
}
