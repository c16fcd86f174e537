//! Every account of a [`Config`](crate::config::Config) synced into one store: each account under its own client, rate limiter and
//! checkpoint, `jobs` accounts at a time; one failing account never stops
//! the others.
//!
//! On SQLite the accounts are shared out inside this process. On PostgreSQL
//! they are claimed from the database (`calllogs_store::claims`), so any number of
//! processes on any number of machines running the same config share them:
//! each account is synced by one process at a time under a lease, and an
//! account whose process died is taken over, from its last checkpoint,
//! once the lease runs out.
//!
//! ```no_run
//! use calllogs::registry::REGISTRY;
//! use calllogs_fleet::{self as fleet, config::Config};
//! use calllogs_store::store::Store;
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config::load("calllogs.toml", &REGISTRY)?;
//! let accounts = config.select(&[])?;
//! let store = Store::open("postgres://calllogs@db.internal/calls").await?;
//! let run = fleet::sync(&accounts, &store, &fleet::FleetOptions::default(), |_, _| {}).await?;
//! for r in &run.results {
//!     match &r.outcome {
//!         Ok(s) => println!("{}: {} calls", r.account, s.calls),
//!         Err(e) => println!("{}: {e}", r.account),
//!     }
//! }
//! println!("{} accounts were synced by other processes", run.elsewhere.len());
//! # Ok(()) }
//! ```

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::Utc;

use calllogs_core::{ProviderStreams, RegistryError};
#[cfg(feature = "postgres")]
use calllogs_store::claims::{Claims, Next};
use calllogs_store::store::{Store, StoreError};
use calllogs_store::sync::{SyncError, SyncOptions, SyncProgress, SyncSummary};

use crate::config::Account;

/// Why one account's sync failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccountError {
    /// Its provider could not be built (a credential missing, a bad base URL).
    #[error(transparent)]
    Build(#[from] RegistryError),
    /// The store failed (or, on PostgreSQL, the lease was lost).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The sync failed (the provider, the store).
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// Its filters are wrong.
    #[error("{0}")]
    Filters(String),
    /// The provider refused or failed (a check).
    #[error(transparent)]
    Provider(#[from] calllogs_core::Error),
}

impl AccountError {
    /// Whether another process took the account over (its lease ran out):
    /// not a failure of the account, which the other process finishes.
    pub fn lease_lost(&self) -> bool {
        matches!(
            self,
            AccountError::Store(StoreError::LeaseLost { .. })
                | AccountError::Sync(SyncError::Store(StoreError::LeaseLost { .. }))
        )
    }
}

/// How one account's sync ended.
#[derive(Debug)]
pub struct AccountResult {
    /// The account's name.
    pub account: String,
    /// Its provider.
    pub provider: &'static str,
    /// What it did, or why it failed.
    pub outcome: Result<SyncSummary, AccountError>,
    /// How long it took.
    pub elapsed: Duration,
    /// On PostgreSQL: the process whose expired lease this process took over.
    pub taken_over_from: Option<String>,
}

/// How to run a fleet.
#[derive(Debug, Clone)]
pub struct FleetOptions {
    /// Accounts synced at once by this process.
    pub jobs: usize,
    /// On PostgreSQL: how long a claim holds without renewal. A process
    /// that dies keeps its accounts this long; a process paused longer
    /// loses them.
    pub lease: Duration,
    /// On PostgreSQL: this process's name in the claims (default
    /// `host:pid:tag`).
    pub holder: Option<String>,
}

impl Default for FleetOptions {
    fn default() -> Self {
        FleetOptions {
            jobs: 8,
            lease: Duration::from_secs(60),
            holder: None,
        }
    }
}

/// What one process did of a fleet.
#[derive(Debug, Default)]
pub struct FleetRun {
    /// The accounts this process synced, in the order of the config.
    pub results: Vec<AccountResult>,
    /// Accounts another process finished in this round (PostgreSQL).
    pub elsewhere: Vec<String>,
    /// This process's name in the claims (PostgreSQL).
    pub holder: Option<String>,
    /// Claims that could not be taken, renewed or ended (the database went
    /// away): the accounts concerned resume at the next run.
    pub coordination_errors: Vec<StoreError>,
}

/// Where the next account comes from.
enum Source<'a> {
    /// SQLite: a queue inside this process.
    Local(Mutex<VecDeque<&'a Account>>),
    /// PostgreSQL: the claims table.
    #[cfg(feature = "postgres")]
    Claims(Claims),
}

/// Syncs `accounts` into `store`, `opts.jobs` at a time (each
/// account on a handle of its own: [`Store::another`]). `progress` hears
/// each account's committed pages. On PostgreSQL, other processes running
/// the same accounts share them with this one.
pub async fn sync(
    accounts: &[&Account],
    store: &Store,
    opts: &FleetOptions,
    progress: impl Fn(&str, &SyncProgress) + Sync,
) -> Result<FleetRun, StoreError> {
    let jobs = opts.jobs.max(1);
    let source = match store {
        Store::Sqlite(_) => Source::Local(Mutex::new(accounts.iter().copied().collect())),
        #[cfg(feature = "postgres")]
        Store::Postgres(pg) => {
            let holder = opts
                .holder
                .clone()
                .unwrap_or_else(calllogs_store::claims::holder_name);
            let keys: Vec<(String, String)> = accounts
                .iter()
                .map(|a| (a.provider.to_string(), a.name.clone()))
                .collect();
            Source::Claims(Claims::begin(pg, &holder, opts.lease, &keys).await?)
        }
    };
    let results = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());
    let progress = &progress;
    let worker = || async {
        loop {
            let (account, taken_over_from) = match &source {
                Source::Local(queue) => match queue.lock().unwrap().pop_front() {
                    Some(a) => (a, None),
                    None => return,
                },
                #[cfg(feature = "postgres")]
                Source::Claims(claims) => match next_claim(claims, accounts, opts.lease).await {
                    Ok(Some(claimed)) => claimed,
                    Ok(None) => return,
                    Err(e) => {
                        errors.lock().unwrap().push(e);
                        return;
                    }
                },
            };
            let started = Instant::now();
            let outcome = match &source {
                Source::Local(_) => match store.another().await {
                    Ok(s) => one(account, s, |p| progress(&account.name, p)).await,
                    Err(e) => Err(e.into()),
                },
                #[cfg(feature = "postgres")]
                Source::Claims(claims) => {
                    let outcome =
                        leased(claims, account, opts.lease, |p| progress(&account.name, p)).await;
                    if let Err(e) = end_claim(claims, account, &outcome).await {
                        errors.lock().unwrap().push(e);
                    }
                    outcome
                }
            };
            results.lock().unwrap().push(AccountResult {
                account: account.name.clone(),
                provider: account.provider,
                outcome,
                elapsed: started.elapsed(),
                taken_over_from,
            });
        }
    };
    futures::future::join_all((0..jobs.min(accounts.len().max(1))).map(|_| worker())).await;

    let mut results = results.into_inner().unwrap();
    let order = |name: &str| accounts.iter().position(|a| a.name == name);
    results.sort_by_key(|r| order(&r.account));
    let (elsewhere, holder) = match &source {
        Source::Local(_) => (Vec::new(), None),
        #[cfg(feature = "postgres")]
        Source::Claims(c) => (
            accounts
                .iter()
                .filter(|a| {
                    !results.iter().any(|r| {
                        r.account == a.name && !matches!(&r.outcome, Err(e) if e.lease_lost())
                    })
                })
                .map(|a| a.name.clone())
                .collect(),
            Some(c.holder().to_string()),
        ),
    };
    Ok(FleetRun {
        results,
        elsewhere,
        holder,
        coordination_errors: errors.into_inner().unwrap(),
    })
}

#[cfg(feature = "postgres")]
/// The next account this process may sync, waiting while every account left
/// is held by a live process; `None` when the round is over.
async fn next_claim<'a>(
    claims: &Claims,
    accounts: &[&'a Account],
    lease: Duration,
) -> Result<Option<(&'a Account, Option<String>)>, StoreError> {
    // Often enough to take over soon after a lease runs out, and to end
    // soon after the other processes finish (one cheap query a poll).
    let poll = (lease / 8).clamp(Duration::from_millis(50), Duration::from_millis(200));
    loop {
        match claims.next().await? {
            Next::Claimed {
                provider,
                account,
                taken_over_from,
            } => {
                if let Some(from) = &taken_over_from {
                    tracing::warn!(
                        account,
                        "took {provider}/{account} over from {from}, whose lease ran out"
                    );
                }
                match accounts
                    .iter()
                    .find(|a| a.name == account && a.provider == provider)
                {
                    Some(a) => return Ok(Some((a, taken_over_from))),
                    // Not ours after all (cannot happen: we claim only ours).
                    None => claims.release(&provider, &account).await?,
                }
            }
            Next::Wait => tokio::time::sleep(poll).await,
            Next::Done => return Ok(None),
        }
    }
}

#[cfg(feature = "postgres")]
/// Syncs a claimed account while a heartbeat renews its lease; stops as soon
/// as the lease is found lost.
async fn leased(
    claims: &Claims,
    account: &Account,
    lease: Duration,
    progress: impl FnMut(&SyncProgress),
) -> Result<SyncSummary, AccountError> {
    let heartbeat = async {
        loop {
            tokio::time::sleep(lease / 3).await;
            match claims.renew(account.provider, &account.name).await {
                Err(e @ StoreError::LeaseLost { .. }) => return e,
                // The next page's commit says whether the database is gone.
                Err(e) => tracing::warn!(account = account.name, "renewing the lease: {e}"),
                Ok(()) => {}
            }
        }
    };
    tokio::select! {
        outcome = one(account, claims.store_for(), progress) => outcome,
        lost = heartbeat => Err(lost.into()),
    }
}

#[cfg(feature = "postgres")]
/// Ends the claim with the outcome (a lost lease is left to its new holder).
async fn end_claim(
    claims: &Claims,
    account: &Account,
    outcome: &Result<SyncSummary, AccountError>,
) -> Result<(), StoreError> {
    match outcome {
        Err(e) if e.lease_lost() => Ok(()),
        Ok(_) => claims.finish(account.provider, &account.name, Ok(())).await,
        Err(e) => {
            claims
                .finish(account.provider, &account.name, Err(e.to_string()))
                .await
        }
    }
}

async fn one(
    account: &Account,
    mut store: Store,
    progress: impl FnMut(&SyncProgress),
) -> Result<SyncSummary, AccountError> {
    let provider = account.build()?;
    let opts = options(account)?;
    Ok(calllogs_store::sync::run(&mut store, provider.as_ref(), &opts, progress).await?)
}

/// The sync options of `account`: its label, filters, lookback and first
/// window (from its `since` when it has one).
pub fn options(account: &Account) -> Result<SyncOptions, AccountError> {
    let first_window = account
        .since
        .map(|s| Utc::now() - s)
        .unwrap_or(account.first_window);
    Ok(SyncOptions {
        lookback: account.lookback,
        first_window,
        account: Some(account.name.clone()),
        query: account.query().map_err(AccountError::Filters)?,
        ..SyncOptions::default()
    })
}

/// Tries `account`'s credentials and filters: one page of one call from
/// the last day. `Ok` when the provider answered.
pub async fn check(account: &Account) -> Result<(), AccountError> {
    use futures::StreamExt;
    let provider = account.build()?;
    let mut q = account.query().map_err(AccountError::Filters)?;
    q.since = Some(Utc::now() - chrono::Duration::days(1));
    q.page_size = Some(1);
    match provider.pages(q).next().await {
        Some(Err(e)) => Err(AccountError::Provider(e)),
        _ => Ok(()),
    }
}
