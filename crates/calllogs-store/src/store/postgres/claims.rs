//! Many processes, one fleet: on PostgreSQL, each account of a config is a
//! row of `claims`, and a process syncs an account only while it holds
//! that row's lease. Claiming is one `UPDATE … WHERE (provider, account) =
//! (SELECT … FOR UPDATE SKIP LOCKED LIMIT 1)`, so two processes never take
//! the same account and neither waits for the other; the lease is renewed
//! by every committed page (in the page's own transaction) and by a
//! heartbeat between pages. A process that dies (kill -9, a lost machine)
//! stops renewing; once its lease runs out another process takes the
//! account and continues from its last committed checkpoint. A process
//! that was only paused finds, at its next commit, that the account is no
//! longer its own, and stops without writing.
//!
//! A *round* is one `calllogs sync --config` run: an account is done for a
//! process once any process finished it after that process started (by the
//! database's clock, so machines' clocks do not matter).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Fence, PgStore};
use crate::store::{Store, StoreError};

/// What [`Claims::next`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// This process now holds the account.
    Claimed {
        /// Provider id.
        provider: String,
        /// Account label.
        account: String,
        /// The process whose expired lease this claim took over.
        taken_over_from: Option<String>,
    },
    /// Every account left is held by another process: ask again later (one
    /// of them may die and its lease run out).
    Wait,
    /// Every account was finished in this round, or is being synced by
    /// this process.
    Done,
}

/// This process's view of the claims of one round.
pub struct Claims {
    store: PgStore,
    holder: String,
    lease: Duration,
    started: DateTime<Utc>,
    providers: Vec<String>,
    accounts: Vec<String>,
}

impl Claims {
    /// Starts a round for `accounts` (provider, account) as `holder`, with
    /// leases of `lease`: makes sure each has a claims row and notes the
    /// round's start by the database's clock.
    pub async fn begin(
        store: &PgStore,
        holder: &str,
        lease: Duration,
        accounts: &[(String, String)],
    ) -> Result<Claims, StoreError> {
        let providers: Vec<String> = accounts.iter().map(|(p, _)| p.clone()).collect();
        let names: Vec<String> = accounts.iter().map(|(_, a)| a.clone()).collect();
        let client = store.client().await?;
        client
            .execute(
                "INSERT INTO claims (provider, account)
                 SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
                &[&providers, &names],
            )
            .await
            .map_err(|e| store.err(e))?;
        let started: DateTime<Utc> = client
            .query_one("SELECT now()", &[])
            .await
            .map_err(|e| store.err(e))?
            .get(0);
        Ok(Claims {
            store: store.clone(),
            holder: holder.to_string(),
            lease,
            started,
            providers,
            accounts: names,
        })
    }

    /// Who this process is in the claims table.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// The store to sync a claimed account into: every page commit renews
    /// the lease and fails with [`StoreError::LeaseLost`] if it was lost.
    pub fn store_for(&self) -> Store {
        Store::Postgres(self.store.fenced(&self.holder, self.lease))
    }

    /// Claims the next free account (never finished in this round, held by
    /// nobody or by an expired lease).
    pub async fn next(&self) -> Result<Next, StoreError> {
        let client = self.store.client().await?;
        let secs = self.lease.as_secs_f64();
        let row = client
            .query_opt(
                "UPDATE claims c SET holder = $1, claimed_at = now(),
                     leased_until = now() + make_interval(secs => $2),
                     last_started_at = now(),
                     taken_over_from = CASE WHEN c.holder IS NOT NULL THEN c.holder END,
                     taken_over_at = CASE WHEN c.holder IS NOT NULL THEN now() END
                 FROM (SELECT provider, account FROM claims
                       WHERE (provider, account) IN (SELECT * FROM unnest($3::text[], $4::text[]))
                         AND (holder IS NULL OR leased_until < now())
                         AND (last_finished_at IS NULL OR last_finished_at < $5)
                       ORDER BY last_finished_at NULLS FIRST, provider, account
                       LIMIT 1 FOR UPDATE SKIP LOCKED) pick
                 WHERE c.provider = pick.provider AND c.account = pick.account
                 RETURNING c.provider, c.account, c.taken_over_from",
                &[
                    &self.holder,
                    &secs,
                    &self.providers,
                    &self.accounts,
                    &self.started,
                ],
            )
            .await
            .map_err(|e| self.store.err(e))?;
        if let Some(r) = row {
            return Ok(Next::Claimed {
                provider: r.get(0),
                account: r.get(1),
                taken_over_from: r.get(2),
            });
        }
        let left: i64 = client
            .query_one(
                "SELECT count(*) FROM claims
                 WHERE (provider, account) IN (SELECT * FROM unnest($1::text[], $2::text[]))
                   AND (last_finished_at IS NULL OR last_finished_at < $3)
                   AND holder IS DISTINCT FROM $4",
                &[&self.providers, &self.accounts, &self.started, &self.holder],
            )
            .await
            .map_err(|e| self.store.err(e))?
            .get(0);
        Ok(if left > 0 { Next::Wait } else { Next::Done })
    }

    /// Renews the lease on `provider`/`account` (the heartbeat between pages).
    pub async fn renew(&self, provider: &str, account: &str) -> Result<(), StoreError> {
        let client = self.store.client().await?;
        let fence = Fence {
            holder: self.holder.clone(),
            lease: self.lease,
        };
        renew_in(&self.store, &client, provider, account, &fence).await
    }

    /// Ends this process's claim: the account is finished for this round,
    /// with its outcome (`Err(message)`) kept for `fleet status`. Nothing
    /// happens if the claim was lost meanwhile (the new holder finishes it).
    pub async fn finish(
        &self,
        provider: &str,
        account: &str,
        outcome: Result<(), String>,
    ) -> Result<(), StoreError> {
        let client = self.store.client().await?;
        let error = outcome.err();
        client
            .execute(
                "UPDATE claims SET holder = NULL, leased_until = NULL, last_holder = $3,
                     last_finished_at = now(),
                     last_success_at = CASE WHEN $4::text IS NULL THEN now() ELSE last_success_at END,
                     last_error = COALESCE($4, last_error),
                     last_error_at = CASE WHEN $4::text IS NULL THEN last_error_at ELSE now() END
                 WHERE provider = $1 AND account = $2 AND holder = $3",
                &[&provider, &account, &self.holder, &error],
            )
            .await
            .map_err(|e| self.store.err(e))?;
        Ok(())
    }

    /// Gives the claim back unfinished (this process stops, and another may
    /// take the account at once rather than after the lease).
    pub async fn release(&self, provider: &str, account: &str) -> Result<(), StoreError> {
        let client = self.store.client().await?;
        client
            .execute(
                "UPDATE claims SET holder = NULL, leased_until = NULL, last_holder = $3
                 WHERE provider = $1 AND account = $2 AND holder = $3",
                &[&provider, &account, &self.holder],
            )
            .await
            .map_err(|e| self.store.err(e))?;
        Ok(())
    }
}

/// Extends a lease: params provider, account, holder, lease seconds.
pub(super) const RENEW: &str = "UPDATE claims SET leased_until = now() + make_interval(secs => $4)
     WHERE provider = $1 AND account = $2 AND holder = $3";

/// Extends `fence`'s lease on the account on `client` (inside a page's
/// transaction, or alone), or fails with who holds it now.
pub(crate) async fn renew_in(
    store: &PgStore,
    client: &tokio_postgres::Client,
    provider: &str,
    account: &str,
    fence: &Fence,
) -> Result<(), StoreError> {
    let secs = fence.lease.as_secs_f64();
    let renewed = client
        .execute(RENEW, &[&provider, &account, &fence.holder, &secs])
        .await
        .map_err(|e| store.err(e))?;
    if renewed == 1 {
        return Ok(());
    }
    Err(lost(store, client, provider, account).await)
}

/// The error of a lease found lost: who holds the account now.
pub(super) async fn lost(
    store: &PgStore,
    client: &tokio_postgres::Client,
    provider: &str,
    account: &str,
) -> StoreError {
    let holder = match client
        .query_opt(
            "SELECT holder FROM claims WHERE provider = $1 AND account = $2",
            &[&provider, &account],
        )
        .await
    {
        Ok(row) => row.and_then(|r| r.get::<_, Option<String>>(0)),
        Err(e) => return store.err(e),
    };
    StoreError::LeaseLost {
        provider: provider.to_string(),
        account: account.to_string(),
        holder: holder.unwrap_or_else(|| "nobody".into()),
    }
}

/// A name for this process in the claims table: `host:pid:tag`, the tag
/// telling apart two processes that reuse a pid.
pub fn holder_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    let tag = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() % 0x10000)
        .unwrap_or(0);
    format!("{host}:{}:{tag:04x}", std::process::id())
}
