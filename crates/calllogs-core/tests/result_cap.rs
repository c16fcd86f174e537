//! Result caps: a window that holds more calls than the provider lists for
//! one query is split at its midpoint second, recursively, every call comes
//! exactly once, a checkpoint taken inside a split window resumes there,
//! and a one-second window still over the cap is an error.

use std::sync::atomic::{AtomicUsize, Ordering};

use calllogs_core::paginate::Pager;
use calllogs_core::{
    Call, CallQuery, Page, PageToken, PagingSpec, PagingStyle, Provider, Result, async_trait,
};
use chrono::{DateTime, Duration, Utc};

/// Lists calls started at `times` (ascending) by page number, announcing
/// the true total, serving nothing past `cap` records (as Aircall does).
struct Capped {
    times: Vec<DateTime<Utc>>,
    cap: u64,
    size: usize,
    requests: AtomicUsize,
}

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

#[async_trait]
impl Provider for Capped {
    fn id(&self) -> &'static str {
        "capped"
    }
    fn paging(&self) -> PagingSpec {
        let mut spec = PagingSpec::new(PagingStyle::PageNumber, 50, self.size as u32);
        spec.max_window = Some(Duration::days(1));
        spec.result_cap = Some(self.cap);
        spec
    }
    fn concurrency(&self) -> usize {
        3
    }
    async fn page(&self, q: &CallQuery, token: &PageToken) -> Result<Page<Call>> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let inside: Vec<usize> = (0..self.times.len())
            .filter(|&i| {
                let t = self.times[i];
                q.since.is_none_or(|s| t >= s) && q.until.is_none_or(|u| t < u)
            })
            .collect();
        let size = q.page_size.unwrap_or(self.size as u32) as usize;
        let from = (token.number() as usize - 1) * size;
        let reachable = inside.len().min(self.cap as usize);
        let items = inside[from.min(reachable)..(from + size).min(reachable)]
            .iter()
            .map(|&i| {
                let mut c = Call::new("capped", format!("c-{i:05}"));
                c.started_at = Some(self.times[i]);
                c
            })
            .collect();
        Ok(Page::new(items).with_total(Some(inside.len() as u64)))
    }
    fn decode_page(&self, _: &[u8]) -> Result<Page<Call>> {
        unreachable!("not used")
    }
}

/// `n` calls spread evenly over the hour from 10:00 on the second day.
fn busy_hour(n: usize, cap: u64, size: usize) -> Capped {
    let start = t0() + Duration::days(1) + Duration::hours(10);
    Capped {
        times: (0..n)
            .map(|i| start + Duration::milliseconds((i as i64 * 3_600_000) / n as i64))
            .collect(),
        cap,
        size,
        requests: AtomicUsize::new(0),
    }
}

fn three_days() -> CallQuery {
    CallQuery::new().since(t0()).until(t0() + Duration::days(3))
}

async fn pull_all(pager: &mut Pager<'_>, ids: &mut Vec<String>) -> Result<()> {
    while let Some(f) = pager.next_page().await? {
        ids.extend(f.page.items.iter().map(|c| c.id.clone()));
        assert!(f.mismatch.is_none(), "{:?}", f.mismatch);
    }
    Ok(())
}

#[tokio::test]
async fn a_window_over_the_cap_is_split_and_every_call_comes_once() {
    // Aircall's figures: 10,000 at most per query, pages of 50; 25,000
    // calls in one hour of a three-day pull.
    let source = busy_hour(25_000, 10_000, 50);
    let mut ids = Vec::new();
    pull_all(&mut Pager::new(&source, three_days()), &mut ids)
        .await
        .unwrap();
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), 25_000, "every call");
    assert_eq!(unique.len(), 25_000, "none twice");
    // The bound without a cap: one request a page, one per window. Each
    // split costs the page that found the window too full, and each part
    // its own last (short) page.
    let bound = 25_000usize.div_ceil(50) + 3;
    let requests = source.requests.load(Ordering::SeqCst);
    assert!(
        requests >= bound && requests as f64 <= bound as f64 * 1.1,
        "{requests} requests against a bound of {bound}"
    );
}

#[tokio::test]
async fn a_checkpoint_inside_a_split_window_resumes_there() {
    let source = busy_hour(2_500, 1_000, 50);
    let mut pager = Pager::new(&source, three_days());
    let mut ids = Vec::new();
    // Stop after a page inside the busy day, once it was split.
    let checkpoint = loop {
        let f = pager.next_page().await.unwrap().unwrap();
        ids.extend(f.page.items.iter().map(|c| c.id.clone()));
        let c = f.checkpoint.unwrap();
        if ids.len() >= 1_200 && c.token.is_some() {
            break c;
        }
    };
    let window = checkpoint.windows[0];
    let width = window.until.unwrap() - window.since.unwrap();
    assert!(
        width < Duration::hours(1),
        "the checkpoint names the part, not the whole day: {width}"
    );
    let json = serde_json::to_string(&checkpoint).unwrap();
    let checkpoint = serde_json::from_str(&json).unwrap();
    let mut resumed = Pager::resume(&source, three_days(), checkpoint);
    pull_all(&mut resumed, &mut ids).await.unwrap();
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!((ids.len(), unique.len()), (2_500, 2_500));
}

#[tokio::test]
async fn one_second_over_the_cap_is_an_error_not_a_truncation() {
    let at = t0() + Duration::hours(5);
    let source = Capped {
        times: vec![at; 30],
        cap: 20,
        size: 10,
        requests: AtomicUsize::new(0),
    };
    let mut ids = Vec::new();
    let err = pull_all(&mut Pager::new(&source, three_days()), &mut ids)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("30 calls") && text.contains("at most 20") && text.contains("05:00:00"),
        "{text}"
    );
    assert!(ids.is_empty(), "nothing of the window went out: {ids:?}");
}

#[tokio::test]
async fn without_a_cap_nothing_is_split() {
    let mut source = busy_hour(300, 1_000, 50);
    source.cap = 10_000;
    let mut ids = Vec::new();
    pull_all(&mut Pager::new(&source, three_days()), &mut ids)
        .await
        .unwrap();
    assert_eq!(ids.len(), 300);
    assert_eq!(source.requests.load(Ordering::SeqCst), 300 / 50 + 3 - 1);
}
