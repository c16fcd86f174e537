//! List-then-detail paging: the engine fetches each listed call's detail,
//! concurrently and in order, skips (and counts) calls deleted meanwhile,
//! fails the page on a failed detail, and fetches none when asked not to.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use calllogs_core::paginate::Pager;
use calllogs_core::{
    Call, CallQuery, Error, Page, PageToken, PagingSpec, PagingStyle, Provider, Result, async_trait,
};
use futures::TryStreamExt;

/// Lists `n` calls by cursor, `size` a page; a detail fills `campaign`.
struct Listed {
    n: usize,
    size: usize,
    /// Details answered 404 (deleted since listed).
    gone: Vec<usize>,
    /// A detail that fails (the provider's 500 after retries).
    broken: Option<usize>,
    default_on: bool,
    details: Mutex<Vec<String>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    pages: AtomicUsize,
}

impl Listed {
    fn new(n: usize, size: usize) -> Self {
        Listed {
            n,
            size,
            gone: vec![],
            broken: None,
            default_on: true,
            details: Mutex::new(vec![]),
            in_flight: AtomicUsize::new(0),
            most_in_flight: AtomicUsize::new(0),
            pages: AtomicUsize::new(0),
        }
    }
}

fn index(call: &Call) -> usize {
    call.id.trim_start_matches("c-").parse().unwrap()
}

#[async_trait]
impl Provider for Listed {
    fn id(&self) -> &'static str {
        "listed"
    }
    fn paging(&self) -> PagingSpec {
        let mut spec = PagingSpec::new(PagingStyle::Cursor, 100, self.size as u32);
        spec.detail = Some(self.default_on);
        spec
    }
    fn concurrency(&self) -> usize {
        4
    }
    async fn page(&self, _: &CallQuery, token: &PageToken) -> Result<Page<Call>> {
        self.pages.fetch_add(1, Ordering::SeqCst);
        let start = match token {
            PageToken::Cursor(c) => c.parse().unwrap(),
            _ => 0,
        };
        let end = (start + self.size).min(self.n);
        let items = (start..end)
            .map(|i| Call::new("listed", format!("c-{i:03}")))
            .collect();
        Ok(Page::new(items).with_next((end < self.n).then(|| end.to_string())))
    }
    fn decode_page(&self, _: &[u8]) -> Result<Page<Call>> {
        unreachable!("not used")
    }
    async fn detail(&self, listed: Call) -> Result<Option<Call>> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_in_flight.fetch_max(now, Ordering::SeqCst);
        // Later calls answer sooner: the engine must still keep list order.
        let i = index(&listed);
        tokio::time::sleep(std::time::Duration::from_millis((10 - i % 10) as u64)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.details.lock().unwrap().push(listed.id.clone());
        if self.broken == Some(i) {
            return Err(Error::Provider {
                provider: "listed",
                status: 500,
                message: "detail failed".into(),
                attempts: 3,
            });
        }
        if self.gone.contains(&i) {
            return Ok(None);
        }
        let mut full = listed;
        full.campaign = Some(calllogs_core::Campaign {
            id: Some("from-detail".into()),
            name: None,
        });
        Ok(Some(full))
    }
}

#[tokio::test]
async fn each_listed_call_is_replaced_by_its_detail_in_list_order() {
    let source = Listed::new(25, 10);
    let calls: Vec<Call> = calllogs_core::paginate::calls(&source, CallQuery::new())
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<String> = calls.iter().map(|c| c.id.clone()).collect();
    let want: Vec<String> = (0..25).map(|i| format!("c-{i:03}")).collect();
    assert_eq!(ids, want);
    assert!(
        calls
            .iter()
            .all(|c| c.campaign.as_ref().unwrap().id.as_deref() == Some("from-detail"))
    );
    // The request bound: ceil(N / page) pages and N details.
    assert_eq!(source.pages.load(Ordering::SeqCst), 3);
    assert_eq!(source.details.lock().unwrap().len(), 25);
    let most = source.most_in_flight.load(Ordering::SeqCst);
    assert!(
        most > 1 && most <= 4,
        "details run concurrently, within the concurrency: {most}"
    );
}

#[tokio::test]
async fn a_call_deleted_since_it_was_listed_is_skipped_and_counted() {
    let mut source = Listed::new(12, 10);
    source.gone = vec![3, 11];
    let pages: Vec<Page<Call>> = calllogs_core::paginate::pages(&source, CallQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.iter().map(|p| p.gone).collect::<Vec<_>>(), [1, 1]);
    let ids: Vec<String> = pages
        .iter()
        .flat_map(|p| p.items.iter().map(|c| c.id.clone()))
        .collect();
    assert_eq!(ids.len(), 10);
    assert!(!ids.contains(&"c-003".to_string()) && !ids.contains(&"c-011".to_string()));
}

#[tokio::test]
async fn a_failed_detail_fails_its_page_and_nothing_after_it_is_checkpointed() {
    let mut source = Listed::new(30, 10);
    source.broken = Some(14);
    let mut pager = Pager::new(&source, CallQuery::new());
    let first = pager.next_page().await.unwrap().unwrap();
    assert_eq!(first.page.items.len(), 10);
    let err = pager.next_page().await.unwrap_err();
    assert!(err.to_string().contains("detail failed"), "{err}");
    // The pull ends there: the second page is neither emitted half-filled
    // nor passed over to the third.
    assert!(pager.next_page().await.unwrap().is_none());
}

#[tokio::test]
async fn no_detail_keeps_the_list_and_asks_for_none() {
    let source = Listed::new(25, 10);
    let calls: Vec<Call> = calllogs_core::paginate::calls(&source, CallQuery::new().detail(false))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(calls.len(), 25);
    assert!(calls.iter().all(|c| c.campaign.is_none()));
    assert!(source.details.lock().unwrap().is_empty());

    // Off by default, on when the query asks.
    let mut off = Listed::new(5, 10);
    off.default_on = false;
    let listed: Vec<Call> = calllogs_core::paginate::calls(&off, CallQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert!(listed.iter().all(|c| c.campaign.is_none()));
    let full: Vec<Call> = calllogs_core::paginate::calls(&off, CallQuery::new().detail(true))
        .try_collect()
        .await
        .unwrap();
    assert!(full.iter().all(|c| c.campaign.is_some()));
}
