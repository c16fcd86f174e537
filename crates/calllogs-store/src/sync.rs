//! Incremental, resumable sync of a provider into the [`Store`].
//!
//! Each page is committed with the checkpoint after it in one transaction,
//! so a sync killed at any moment (even `kill -9`) resumes where it
//! stopped, and nothing is lost or stored twice. A finished sync records
//! the upper bound it reached; the next one starts `lookback` before it, so
//! calls whose cost, recording or analysis arrived late are read again and
//! updated.
//!
//! ```no_run
//! use calllogs::{registry, Settings};
//! use calllogs_store::{store::Store, sync::{self, SyncOptions}};
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let provider = registry::build("plivo", &Settings::new())?;
//! let mut store = Store::open("calls.db").await?;
//! let summary = sync::run(&mut store, provider.as_ref(), &SyncOptions::default(), |_| {}).await?;
//! println!("{} calls, {} new", summary.calls, summary.upserted.new);
//! # Ok(()) }
//! ```

use std::time::Instant;

use calllogs_core::paginate::{CountMismatch, Pager};
use calllogs_core::{CallQuery, Provider};
use chrono::{DateTime, Duration, Utc};

use calllogs_core::Call;
use calllogs_core::page::Reject;

use crate::store::{Store, StoreError, SyncState, Upserted};

/// Where a sync writes: each batch of pages with the state after it, as one
/// unit that either happens or not. The [`Store`] is one; the Airbyte and
/// Singer connectors write messages instead (the same checkpoints, on
/// stdout), so a run of either resumes exactly as a sync does.
#[allow(async_fn_in_trait)] // used with concrete types: their futures' Send is known
pub trait SyncTarget {
    /// The state the last run of `provider`/`account` left, if any.
    async fn state(&self, provider: &str, account: &str) -> Result<Option<SyncState>, StoreError>;
    /// Writes `calls` and `rejects` with `state`, all or nothing.
    async fn commit_page(
        &mut self,
        provider: &str,
        account: &str,
        calls: &[Call],
        rejects: &[Reject],
        state: &SyncState,
    ) -> Result<Upserted, StoreError>;
    /// Records `state` alone (a range with no page).
    async fn set_state(
        &mut self,
        provider: &str,
        account: &str,
        state: &SyncState,
    ) -> Result<(), StoreError>;
}

impl SyncTarget for Store {
    async fn state(&self, provider: &str, account: &str) -> Result<Option<SyncState>, StoreError> {
        Store::state(self, provider, account).await
    }
    async fn commit_page(
        &mut self,
        provider: &str,
        account: &str,
        calls: &[Call],
        rejects: &[Reject],
        state: &SyncState,
    ) -> Result<Upserted, StoreError> {
        Store::commit_page(self, provider, account, calls, rejects, state).await
    }
    async fn set_state(
        &mut self,
        provider: &str,
        account: &str,
        state: &SyncState,
    ) -> Result<(), StoreError> {
        Store::set_state(self, provider, account, state).await
    }
}

/// How to sync.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Start here instead of where the last sync ended.
    pub since: Option<DateTime<Utc>>,
    /// How far before the last sync's end to start again, to catch late changes.
    pub lookback: Duration,
    /// The range of a first sync without `since`.
    pub first_window: Duration,
    /// The account label (default: the provider's own).
    pub account: Option<String>,
    /// A window whose announced total differs from the calls received is
    /// an error (its last page is not committed), not a warning.
    pub strict: bool,
    /// The filters of every pull (the provider's own filters, a direction…);
    /// its time range is set by the sync.
    pub query: CallQuery,
    /// Pages already fetched when one is written go into the same commit,
    /// up to this many calls (a little more: whole pages). `0`: every page
    /// its own commit (the connectors: a state after each page).
    pub batch_calls: usize,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            since: None,
            lookback: Duration::hours(24),
            first_window: Duration::days(7),
            account: None,
            strict: false,
            query: CallQuery::new(),
            batch_calls: BATCH_CALLS,
        }
    }
}

/// Errors of a sync.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The provider failed.
    #[error(transparent)]
    Provider(#[from] calllogs_core::Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A window's count differed from what the provider announced, under
    /// [`SyncOptions::strict`].
    #[error("{provider}: {mismatch} (--strict)")]
    CountMismatch {
        /// Provider id.
        provider: &'static str,
        /// What differed.
        mismatch: CountMismatch,
    },
}

/// Progress, after each committed page.
#[derive(Debug, Clone)]
pub struct SyncProgress {
    /// Provider id.
    pub provider: &'static str,
    /// Pages committed in this run.
    pub pages: u64,
    /// Calls committed in this run.
    pub calls: u64,
    /// The calls this run will have committed in all, once that is known:
    /// the provider announced the total of the last window (offset and
    /// page-number paging do), or the run is done. `None`: unknown (a
    /// cursor, or windows still to come).
    pub expected: Option<u64>,
    /// When the run started.
    pub started: Instant,
}

/// What a sync did.
#[derive(Debug, Clone)]
pub struct SyncSummary {
    /// Provider id.
    pub provider: &'static str,
    /// Account label.
    pub account: String,
    /// Whether it resumed a killed sync.
    pub resumed: bool,
    /// The range pulled.
    pub since: Option<DateTime<Utc>>,
    /// Its (pinned) upper bound.
    pub until: Option<DateTime<Utc>>,
    /// Pages committed in this run.
    pub pages: u64,
    /// Distinct calls committed in this run (a call sent twice counts once).
    pub calls: u64,
    /// New, updated and unchanged calls.
    pub upserted: Upserted,
    /// Records the provider sent that could not be mapped, kept in the
    /// store's `rejects` table.
    pub rejects: u64,
    /// The reasons of those rejects, each with how many.
    pub reject_reasons: Vec<(String, u64)>,
    /// Windows whose announced total differed from the calls received
    /// (also in the store's `sync_state`).
    pub mismatches: Vec<CountMismatch>,
}

/// At most this many calls (a little more: whole pages) in one transaction
/// when pages arrive faster than they are written (the default of
/// [`SyncOptions::batch_calls`]).
pub const BATCH_CALLS: usize = 2_000;

/// Syncs `provider` into `store` (a [`Store`], or any [`SyncTarget`]).
pub async fn run(
    store: &mut impl SyncTarget,
    provider: &dyn Provider,
    opts: &SyncOptions,
    mut progress: impl FnMut(&SyncProgress),
) -> Result<SyncSummary, SyncError> {
    let id = provider.id();
    let account = opts.account.clone().unwrap_or_else(|| provider.account());
    let previous = store.state(id, &account).await?;
    let synced_until = previous.as_ref().and_then(|s| s.synced_until);
    let started = Instant::now();

    // A resumed run goes on with the mismatches it had recorded.
    let carried = previous
        .as_ref()
        .filter(|s| s.running)
        .map(|s| s.count_mismatches.clone())
        .unwrap_or_default();
    let (since, until, mut pager, resumed) = match previous.filter(|s| s.running) {
        // A sync that did not finish: the same pinned range, from its checkpoint.
        Some(s) => {
            let q = range(&opts.query, s.since, s.until);
            let pager = match s.checkpoint {
                Some(c) => Pager::resume(provider, q, c),
                None => Pager::new(provider, q),
            };
            tracing::info!(
                provider = id,
                account,
                pages_done = s.pages_done,
                "resuming an unfinished sync"
            );
            (s.since, s.until, pager, true)
        }
        None => {
            let until = Utc::now();
            let since = opts
                .since
                .or(synced_until.and_then(|t| t.checked_sub_signed(opts.lookback)))
                .unwrap_or_else(|| {
                    until
                        .checked_sub_signed(opts.first_window)
                        .unwrap_or(DateTime::<Utc>::MIN_UTC)
                })
                .min(until - Duration::seconds(1));
            // Nothing is written until the first page commits with its
            // checkpoint: a run that fails before leaves no trace to resume.
            (
                Some(since),
                Some(until),
                Pager::new(provider, range(&opts.query, Some(since), Some(until))),
                false,
            )
        }
    };

    let mut summary = SyncSummary {
        provider: id,
        account: account.clone(),
        resumed,
        since,
        until,
        pages: 0,
        calls: 0,
        upserted: Upserted::default(),
        rejects: 0,
        reject_reasons: Vec::new(),
        mismatches: carried,
    };
    let mut seen = calllogs_core::seen::SeenIds::default();
    // Each page is written with the checkpoint after it. Pages already
    // fetched when one is written go into the same transaction (up to
    // BATCH_CALLS calls), with the checkpoint after the last: when the
    // store is the bottleneck, fewer and larger commits; when the provider
    // is, one page a commit, as soon as it arrives.
    let mut next = pager.next_page().await?;
    let mut expected = calllogs_core::paginate::Expected::default();
    while let Some(first) = next.take() {
        let mut admitted = 0;
        let mut items = Vec::new();
        let mut rejects = Vec::new();
        let mut checkpoint = None;
        let mut pending: Option<SyncError> = None;
        let mut exhausted = false;
        let mut page = Some(first);
        while let Some(p) = page.take() {
            if let Some(m) = pager.mismatch() {
                if opts.strict {
                    pending = Some(SyncError::CountMismatch {
                        provider: id,
                        mismatch: m.clone(),
                    });
                    break;
                }
                tracing::info!(provider = id, account, "{m}");
                summary.mismatches.push(m.clone());
            }
            admitted += 1;
            summary.pages += 1;
            for call in &p.items {
                if seen.first_time(id, &call.id) {
                    summary.calls += 1;
                }
            }
            summary.rejects += p.rejects.len() as u64;
            calllogs_core::page::tally_rejects(&mut summary.reject_reasons, &p.rejects);
            let announced = p.total;
            items.extend(p.items);
            rejects.extend(p.rejects);
            checkpoint = pager.checkpoint();
            expected.observe(announced, checkpoint.as_ref());
            if checkpoint.is_none() || items.len() >= opts.batch_calls {
                break;
            }
            match pager.next_page_ready() {
                None => {}
                Some(Ok(Some(p))) => page = Some(p),
                Some(Ok(None)) => exhausted = true,
                Some(Err(e)) => pending = Some(e.into()),
            }
        }
        if admitted == 0
            && let Some(e) = pending
        {
            // The first page of this batch failed the --strict check: nothing to write.
            return Err(e);
        }
        let done = checkpoint.is_none() && pending.is_none();
        let state = SyncState {
            running: !done,
            since,
            until,
            checkpoint,
            pages_done: summary.pages,
            calls_seen: summary.calls,
            synced_until: if done { until } else { synced_until },
            count_mismatches: summary.mismatches.clone(),
        };
        let u = store
            .commit_page(id, &account, &items, &rejects, &state)
            .await?;
        summary.upserted.new += u.new;
        summary.upserted.updated += u.updated;
        summary.upserted.unchanged += u.unchanged;
        progress(&SyncProgress {
            provider: id,
            pages: summary.pages,
            calls: summary.calls,
            expected: expected.expected(summary.calls, state.checkpoint.as_ref()),
            started,
        });
        if let Some(e) = pending {
            return Err(e);
        }
        if done {
            return Ok(summary);
        }
        if !exhausted {
            next = pager.next_page().await?;
        }
    }
    // No page at all (nothing to ask for): the range is done.
    let state = SyncState {
        running: false,
        since,
        until,
        checkpoint: None,
        pages_done: 0,
        calls_seen: 0,
        synced_until: until,
        count_mismatches: Vec::new(),
    };
    store.set_state(id, &account, &state).await?;
    Ok(summary)
}

fn range(
    base: &CallQuery,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> CallQuery {
    let mut q = base.clone();
    q.since = since;
    q.until = until;
    q
}
