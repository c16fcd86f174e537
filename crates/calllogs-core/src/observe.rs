//! Observers of the HTTP layer: what a caller wants to know of its own
//! clients' requests (counters for a progress display, fixture recording),
//! set in [`crate::HttpConfig::observers`]. Nothing here is process-wide:
//! each observer belongs to whoever built the config, so two providers in
//! one process never mix their counts.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::error::Error;

/// Told of what one provider's HTTP client does. Every method has an empty
/// default; implement what you need. Called on the request's task: keep it cheap.
pub trait HttpObserver: Send + Sync {
    /// A request is about to go out (retries included).
    fn on_request(&self, _provider: &'static str) {}
    /// Attempt `attempt` failed with `error` and will be retried after `wait`.
    fn on_retry(&self, _provider: &'static str, _attempt: u32, _wait: Duration, _error: &Error) {}
    /// A 2xx body was decoded, as received.
    fn on_body(&self, _provider: &'static str, _body: &[u8]) {}
}

/// The observers of one config. Compared by identity, so two configs are
/// equal when they share the same observers.
#[derive(Clone, Default)]
pub struct Observers(Vec<Arc<dyn HttpObserver>>);

impl Observers {
    /// Adds `observer`.
    pub fn add(&mut self, observer: Arc<dyn HttpObserver>) {
        self.0.push(observer);
    }
    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub(crate) fn request(&self, provider: &'static str) {
        self.0.iter().for_each(|o| o.on_request(provider));
    }
    pub(crate) fn retry(&self, provider: &'static str, attempt: u32, wait: Duration, e: &Error) {
        self.0
            .iter()
            .for_each(|o| o.on_retry(provider, attempt, wait, e));
    }
    pub(crate) fn body(&self, provider: &'static str, body: &[u8]) {
        self.0.iter().for_each(|o| o.on_body(provider, body));
    }
}

impl std::fmt::Debug for Observers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Observers({})", self.0.len())
    }
}

impl PartialEq for Observers {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|(a, b)| std::ptr::addr_eq(Arc::as_ptr(a), Arc::as_ptr(b)))
    }
}

/// Counts requests and retries: hand one to a provider's config and read
/// it for a progress line.
///
/// ```
/// use std::sync::Arc;
/// use calllogs_core::{HttpConfig, http::HttpStats};
/// let stats = Arc::new(HttpStats::default());
/// let mut config = HttpConfig::default();
/// config.observers.add(stats.clone());
/// assert_eq!(stats.retries(), 0);
/// ```
#[derive(Debug, Default)]
pub struct HttpStats {
    requests: AtomicU64,
    retries: AtomicU64,
}

impl HttpStats {
    /// Requests sent so far (retries included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
    /// Retries so far.
    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }
}

impl HttpObserver for HttpStats {
    fn on_request(&self, _: &'static str) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }
    fn on_retry(&self, _: &'static str, _: u32, _: Duration, _: &Error) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }
}

/// Writes every decoded 2xx body into a directory as `page-NNNN.json`, as
/// received: how `cargo xtask record` captures fixtures (redacted afterwards).
#[derive(Debug)]
pub struct Recorder {
    dir: PathBuf,
    pages: AtomicU64,
}

impl Recorder {
    /// A recorder into `dir` (created on the first page).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Recorder {
            dir: dir.into(),
            pages: AtomicU64::new(0),
        }
    }
}

impl HttpObserver for Recorder {
    fn on_body(&self, provider: &'static str, body: &[u8]) {
        let n = self.pages.fetch_add(1, Ordering::Relaxed) + 1;
        let path = self.dir.join(format!("page-{n:04}.json"));
        if let Err(e) = std::fs::create_dir_all(&self.dir).and_then(|_| std::fs::write(&path, body))
        {
            tracing::warn!(provider, path = %path.display(), "cannot record a page: {e}");
        }
    }
}
