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
    /// The share (0..=1) of the run's time range covered so far: known from
    /// the first page on wherever the range and its windows have bounds,
    /// so a long sync shows an ETA long before its last window's total.
    pub covered: Option<f64>,
    /// Windows still to pull, the current one included (0 when done).
    pub windows_left: usize,
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
    /// A pull of what changed since this time (providers that list by
    /// update time, after a finished run), `since` then open.
    pub updated_since: Option<DateTime<Utc>>,
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
    /// Calls listed whose detail was gone (deleted between the list and
    /// the detail request; list-then-detail providers): not stored.
    pub gone: u64,
    /// Windows whose announced total differed from the calls received
    /// (also in the store's `sync_state`).
    pub mismatches: Vec<CountMismatch>,
}

/// At most this many calls (a little more: whole pages) in one transaction
/// when pages arrive faster than they are written (the default of
/// [`SyncOptions::batch_calls`]).
pub const BATCH_CALLS: usize = 2_000;

/// How much earlier than the last run's start a pull by update time
/// begins: the provider's clock and ours may disagree by this much.
pub const UPDATE_SKEW: Duration = Duration::minutes(5);

/// Syncs `provider` into `store` (a [`Store`], or any [`SyncTarget`]).
///
/// Three steps, each its own function so other paths (webhooks, a
/// list-then-detail pull) can reuse them: [`start`] finds the range and
/// where to begin (a new range, or a killed run's checkpoint), [`gather`]
/// takes the next page and those already fetched behind it into one
/// [`Batch`], and [`Run::commit`] writes a batch with the state after it.
pub async fn run(
    store: &mut impl SyncTarget,
    provider: &dyn Provider,
    opts: &SyncOptions,
    mut progress: impl FnMut(&SyncProgress),
) -> Result<SyncSummary, SyncError> {
    let (mut run, mut pager) = start(store, provider, opts).await?;
    loop {
        let batch = gather(&mut pager, &mut run, opts).await?;
        if batch.pages == 0 {
            match batch.pending {
                // The first page failed the --strict check: nothing to write.
                Some(e) => return Err(e),
                // No page at all (nothing to ask for), or no more: the
                // range is done.
                None => {
                    run.finish_empty(store).await?;
                    return Ok(run.summary);
                }
            }
        }
        let done = run.commit(store, batch, &mut progress).await?;
        if done {
            return Ok(run.summary);
        }
    }
}

/// A sync under way: its range, where it stands, and what it did so far.
#[derive(Debug)]
pub struct Run {
    /// Provider id.
    pub provider: &'static str,
    /// Account label.
    pub account: String,
    /// The range's upper bound the last finished run reached.
    pub synced_until: Option<DateTime<Utc>>,
    /// What the run did so far (returned at its end).
    pub summary: SyncSummary,
    seen: calllogs_core::seen::SeenIds,
    expected: calllogs_core::paginate::Expected,
    started: Instant,
}

/// Pages fetched and ready to be written together, with the state after
/// the last of them.
#[derive(Debug, Default)]
pub struct Batch {
    /// Pages in it.
    pub pages: u64,
    /// Their calls, in order.
    pub calls: Vec<Call>,
    /// Their rejected records.
    pub rejects: Vec<Reject>,
    /// Where the pull stands after the last page; `None` once it is done.
    pub checkpoint: Option<calllogs_core::paginate::Checkpoint>,
    /// An error met after the batch's pages (a later page failed, or a
    /// count mismatch under `--strict`): the batch is written, then it is
    /// returned.
    pub pending: Option<SyncError>,
}

/// Where a sync of `provider` begins: a killed run's pinned range from its
/// checkpoint, else a new range (`since`, or `lookback` before the last
/// run's end, or `first_window`). Nothing is written until the first batch
/// commits: a run that fails before leaves no trace to resume.
pub async fn start<'p>(
    store: &impl SyncTarget,
    provider: &'p dyn Provider,
    opts: &SyncOptions,
) -> Result<(Run, Pager<'p>), SyncError> {
    let id = provider.id();
    let account = opts.account.clone().unwrap_or_else(|| provider.account());
    let previous = store.state(id, &account).await?;
    let synced_until = previous.as_ref().and_then(|s| s.synced_until);
    let (since, until, updated_since, pager, resumed, carried) =
        match previous.filter(|s| s.running) {
            // A sync that did not finish: the same pinned range, from its
            // checkpoint, with the mismatches it had recorded.
            Some(s) => {
                let mut q = range(&opts.query, s.since, s.until);
                q.updated_since = s.updated_since;
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
                (
                    s.since,
                    s.until,
                    s.updated_since,
                    pager,
                    true,
                    s.count_mismatches,
                )
            }
            // A provider that lists by update time, after a finished run: what
            // changed since that run began (its `until`), a few minutes early
            // for clocks that disagree. Late prices and analyses arrive; an
            // unchanged account costs one request.
            None if opts.since.is_none()
                && provider.paging().updated_filter
                && synced_until.is_some() =>
            {
                let until = Utc::now();
                let from = synced_until
                    .and_then(|t| t.checked_sub_signed(UPDATE_SKEW))
                    .unwrap_or(until)
                    .min(until - Duration::seconds(1));
                let q = range(&opts.query, None, Some(until)).updated_since(from);
                (
                    None,
                    Some(until),
                    Some(from),
                    Pager::new(provider, q),
                    false,
                    Vec::new(),
                )
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
                let q = range(&opts.query, Some(since), Some(until));
                (
                    Some(since),
                    Some(until),
                    None,
                    Pager::new(provider, q),
                    false,
                    Vec::new(),
                )
            }
        };
    let run = Run {
        provider: id,
        summary: SyncSummary {
            provider: id,
            account: account.clone(),
            resumed,
            since,
            until,
            updated_since,
            pages: 0,
            calls: 0,
            upserted: Upserted::default(),
            rejects: 0,
            reject_reasons: Vec::new(),
            gone: 0,
            mismatches: carried,
        },
        account,
        synced_until,
        seen: calllogs_core::seen::SeenIds::default(),
        expected: calllogs_core::paginate::Expected::default(),
        started: Instant::now(),
    };
    Ok((run, pager))
}

/// The next page and those already fetched behind it (up to
/// [`SyncOptions::batch_calls`] calls), counted into `run`'s summary. An
/// empty batch without `pending` means the pull is done.
pub async fn gather(
    pager: &mut Pager<'_>,
    run: &mut Run,
    opts: &SyncOptions,
) -> Result<Batch, SyncError> {
    let mut batch = Batch::default();
    let mut next = pager.next_page().await?;
    while let Some(fetched) = next.take() {
        if let Some(m) = fetched.mismatch {
            if opts.strict {
                batch.pending = Some(SyncError::CountMismatch {
                    provider: run.provider,
                    mismatch: m,
                });
                break;
            }
            tracing::info!(provider = run.provider, account = run.account, "{m}");
            run.summary.mismatches.push(m);
        }
        let page = fetched.page;
        batch.pages += 1;
        run.summary.pages += 1;
        for call in &page.items {
            if run.seen.first_time(run.provider, &call.id) {
                run.summary.calls += 1;
            }
        }
        run.summary.rejects += page.rejects.len() as u64;
        run.summary.gone += page.gone;
        calllogs_core::page::tally_rejects(&mut run.summary.reject_reasons, &page.rejects);
        run.expected
            .observe(page.total, fetched.checkpoint.as_ref());
        batch.calls.extend(page.items);
        batch.rejects.extend(page.rejects);
        batch.checkpoint = fetched.checkpoint;
        if batch.checkpoint.is_none() || batch.calls.len() >= opts.batch_calls {
            break;
        }
        match pager.next_page_ready() {
            None | Some(Ok(None)) => {}
            Some(Ok(Some(f))) => next = Some(f),
            Some(Err(e)) => batch.pending = Some(e.into()),
        }
    }
    Ok(batch)
}

impl Run {
    /// Writes `batch` with the state after it, all or nothing, and reports
    /// progress; `Ok(true)` when that ended the pull. A batch's pending
    /// error is returned after its pages are written.
    pub async fn commit(
        &mut self,
        store: &mut impl SyncTarget,
        batch: Batch,
        progress: &mut impl FnMut(&SyncProgress),
    ) -> Result<bool, SyncError> {
        let done = batch.checkpoint.is_none() && batch.pending.is_none();
        let state = SyncState {
            running: !done,
            since: self.summary.since,
            until: self.summary.until,
            updated_since: self.summary.updated_since,
            checkpoint: batch.checkpoint,
            pages_done: self.summary.pages,
            calls_seen: self.summary.calls,
            synced_until: if done {
                self.summary.until
            } else {
                self.synced_until
            },
            count_mismatches: self.summary.mismatches.clone(),
        };
        let u = store
            .commit_page(
                self.provider,
                &self.account,
                &batch.calls,
                &batch.rejects,
                &state,
            )
            .await?;
        self.summary.upserted.new += u.new;
        self.summary.upserted.updated += u.updated;
        self.summary.upserted.unchanged += u.unchanged;
        progress(&SyncProgress {
            provider: self.provider,
            pages: self.summary.pages,
            calls: self.summary.calls,
            expected: self
                .expected
                .expected(self.summary.calls, state.checkpoint.as_ref()),
            covered: self
                .expected
                .covered(state.checkpoint.as_ref(), state.since, state.until),
            windows_left: state.checkpoint.as_ref().map_or(0, |c| c.windows.len()),
            started: self.started,
        });
        match batch.pending {
            Some(e) => Err(e),
            None => Ok(done),
        }
    }

    /// Records a pull that has no (more) page to write as done.
    pub async fn finish_empty(&self, store: &mut impl SyncTarget) -> Result<(), SyncError> {
        let state = SyncState {
            running: false,
            since: self.summary.since,
            until: self.summary.until,
            updated_since: self.summary.updated_since,
            checkpoint: None,
            pages_done: 0,
            calls_seen: 0,
            synced_until: self.summary.until,
            count_mismatches: Vec::new(),
        };
        store
            .set_state(self.provider, &self.account, &state)
            .await?;
        Ok(())
    }
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
