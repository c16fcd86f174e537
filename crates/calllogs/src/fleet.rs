//! Every account of a [`Config`] synced at once into one store (features
//! `config` and `sync`): each account under its own client, rate limiter
//! and checkpoint; one failing account never stops the others.
//!
//! ```no_run
//! use calllogs::{config::Config, fleet};
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config::load("calllogs.toml")?;
//! let accounts = config.select(&[])?;
//! for r in fleet::sync(&config, &accounts, "calls.db".as_ref(), |_, _| {}).await {
//!     match &r.outcome {
//!         Ok(s) => println!("{}: {} calls", r.account, s.calls),
//!         Err(e) => println!("{}: {e}", r.account),
//!     }
//! }
//! # Ok(()) }
//! ```

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::config::{Account, Config};
use crate::registry::{self, RegistryError};
use crate::store::{Store, StoreError};
use crate::sync::{SyncError, SyncOptions, SyncProgress, SyncSummary};

/// Why one account's sync failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccountError {
    /// Its provider could not be built (a credential missing, a bad base URL).
    #[error(transparent)]
    Build(#[from] RegistryError),
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The sync failed (the provider, the store).
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// Its filters are wrong.
    #[error("{0}")]
    Filters(String),
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
}

/// Syncs `accounts` of `config` concurrently into the store at `db` (each
/// with its own connection). `progress` hears each account's committed
/// pages. The results come back in the order of `accounts`.
pub async fn sync(
    config: &Config,
    accounts: &[&Account],
    db: &Path,
    progress: impl Fn(&str, &SyncProgress) + Sync,
) -> Vec<AccountResult> {
    let progress = &progress;
    futures::future::join_all(accounts.iter().map(|account| async move {
        let started = Instant::now();
        let outcome = one(config, account, db, |p| progress(&account.name, p)).await;
        AccountResult {
            account: account.name.clone(),
            provider: account.provider,
            outcome,
            elapsed: started.elapsed(),
        }
    }))
    .await
}

async fn one(
    config: &Config,
    account: &Account,
    db: &Path,
    progress: impl FnMut(&SyncProgress),
) -> Result<SyncSummary, AccountError> {
    let provider = registry::build(account.provider, &account.settings)?;
    let mut store = Store::open(db)?;
    let first_window = account
        .since
        .map(|s| Utc::now() - s)
        .unwrap_or(config.first_window);
    let opts = SyncOptions {
        lookback: config.lookback,
        first_window,
        account: Some(account.name.clone()),
        query: account.query().map_err(AccountError::Filters)?,
        ..SyncOptions::default()
    };
    Ok(crate::sync::run(&mut store, provider.as_ref(), &opts, progress).await?)
}
