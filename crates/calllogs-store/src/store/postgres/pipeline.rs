//! A listed page in one round trip. Most pages of a sync bring calls the
//! store does not have yet, or has unchanged (a lookback read again). For
//! those, nothing the page's statements send depends on an answer of the
//! server: BEGIN, the lease's renewal, the account's lock, the calls with
//! their rollup rows, the sync state and COMMIT go out together and the
//! page costs one round trip instead of four.
//!
//! What makes that safe is that a statement which finds the page is not
//! such a page fails its transaction, and the COMMIT sent behind it then
//! rolls back: the lease lost (`CL002`), or a stored call that would
//! change (`CL001`: its old rollup contribution must be read and taken out
//! first). On `CL001` the store commits the page again the way that reads
//! the old rows ([`PgStore::commit_page`]), and keeps to that way for the
//! account until a page changes nothing stored.
//!
//! Every statement is prepared before anything is sent, so that the
//! messages go out in the order written: tokio-postgres sends a request
//! when its future is first polled, and `join!(biased; …)` polls them in
//! order.

use calllogs_core::Call;
use chrono::Utc;
use tokio_postgres::types::ToSql;

use super::claims::{self, RENEW};
use super::{
    ACCOUNT_LOCKS, LISTED_CHANGED, PG, PageColumns, PgStore, RollupArrays, StateValues,
    insert_calls_sql, rollup_array_types,
};
use crate::store::rollup::{self, Facts, Rollups};
use crate::store::sql::{self, Via};
use crate::store::{StoreError, SyncState, Upserted};

/// The SQLSTATE of a page's write that would change a stored call.
const CHANGED: &str = "CL001";
/// The SQLSTATE of a page whose account's lease was lost.
const LEASE_LOST: &str = "CL002";

impl PgStore {
    /// Commits a listed page in one round trip when none of its calls
    /// changes a stored one; `None` (nothing written) when one would, or
    /// when a value had to be altered for PostgreSQL (a NUL: the facts the
    /// rollups get are then read back by the other way).
    pub(super) async fn commit_listed(
        &self,
        provider: &str,
        account: &str,
        calls: &[Call],
        state: &SyncState,
    ) -> Result<Option<Upserted>, StoreError> {
        let page = PageColumns::of(calls);
        if !page.verbatim {
            return Ok(None);
        }
        // Each rollup row with the id of the call it comes from (borrowed:
        // a call has several rows).
        let rows: Vec<(&str, rollup::Key, rollup::Sums)> = page
            .kept
            .iter()
            .flat_map(|&i| {
                let call = &calls[i];
                Rollups::of_call(&Facts::of(call, account))
                    .into_iter()
                    .map(|(k, s)| (call.id.as_str(), k, s))
            })
            .collect();
        let call_ids: Vec<&str> = rows.iter().map(|(id, _, _)| *id).collect();
        let arrays = RollupArrays::of(rows.iter().map(|(_, k, s)| (k, s)));

        let client = self.client().await?;
        let (page_sql, state_sql, renew_sql) =
            (page_sql(), sql::write_state(PG), renew_or_fail_sql());
        let (lock, write, write_state, renew) = tokio::try_join!(
            client.prepare_cached(ACCOUNT_LOCKS),
            client.prepare_cached(&page_sql),
            client.prepare_cached(&state_sql),
            client.prepare_cached(&renew_sql),
        )
        .map_err(|e| self.err(e))?;

        let now = Utc::now();
        let mut params = page.upsert_params(&account, &now);
        params.push(&call_ids);
        params.extend(arrays.params());
        let lock_params: [&(dyn ToSql + Sync); 2] = [&account, page.providers()];
        let values = StateValues::of(provider, account, state);
        let state_params = values.params();
        let lease = self
            .fence
            .as_ref()
            .map(|f| (f.holder.as_str(), f.lease.as_secs_f64()));
        let writes = !calls.is_empty();
        let (begun, renewed, locked, written, stated, committed) = tokio::join!(
            biased;
            client.batch_execute("BEGIN"),
            async {
                match &lease {
                    Some((holder, secs)) => client
                        .execute(&renew, &[&provider, &account, holder, secs])
                        .await
                        .map(drop),
                    None => Ok(()),
                }
            },
            async {
                if writes {
                    client.execute(&lock, &lock_params).await.map(drop)
                } else {
                    Ok(())
                }
            },
            async {
                if writes {
                    client
                        .query_one(&write, &params)
                        .await
                        .map(|r| r.get::<_, i64>(0))
                } else {
                    Ok(0)
                }
            },
            client.execute(&write_state, &state_params),
            client.batch_execute("COMMIT"),
        );
        // The first failure is the cause; every statement after it failed
        // only because the transaction had (and the COMMIT rolled back).
        begun.map_err(|e| self.err(e))?;
        if let Err(e) = renewed {
            return Err(if has_code(&e, LEASE_LOST) {
                claims::lost(self, &client, provider, account).await
            } else {
                self.err(e)
            });
        }
        locked.map_err(|e| self.err(e))?;
        let new = match written {
            Ok(n) => n.max(0) as u64,
            Err(e) if has_code(&e, CHANGED) => return Ok(None),
            Err(e) => return Err(self.err(e)),
        };
        stated.map_err(|e| self.err(e))?;
        committed.map_err(|e| self.err(e))?;
        Ok(Some(Upserted {
            new,
            updated: 0,
            unchanged: calls.len() as u64 - new,
        }))
    }
}

fn has_code(e: &tokio_postgres::Error, code: &str) -> bool {
    e.code().is_some_and(|c| c.code() == code)
}

/// Renews the lease ([`RENEW`]'s params), or fails the transaction.
fn renew_or_fail_sql() -> String {
    format!(
        "WITH renewed AS ({RENEW} RETURNING 1)
         SELECT calllogs_fail('{LEASE_LOST}', 'calllogs: the lease on this account was lost')
         WHERE NOT EXISTS (SELECT 1 FROM renewed)"
    )
}

/// The page's calls, inserted, with the rollup rows of those inserted
/// added; a stored call left as it is (the same record) adds nothing, and
/// one that would change fails the statement (`CL001`). Params: those of
/// [`insert_calls_sql`], then the call id of each rollup row, then the
/// rollup rows' arrays ([`RollupArrays`]). Answers how many calls were
/// inserted.
fn page_sql() -> String {
    // After the insert's: account, a column each, the time written.
    let call = crate::flat::COLUMNS.len() + 3;
    let key: Vec<String> = rollup::KEY.iter().map(|c| format!("r.{c}")).collect();
    let sums: Vec<String> = rollup::SUMS.iter().map(|c| format!("sum(r.{c})")).collect();
    let columns: Vec<&str> = rollup::KEY.iter().chain(rollup::SUMS).copied().collect();
    format!(
        "WITH up AS (
             {insert}
             ON CONFLICT (provider, account, id) DO UPDATE
               SET id = calllogs_fail('{CHANGED}', 'calllogs: a stored call changed')
             {LISTED_CHANGED}
             RETURNING provider, id
         ), rolled AS (
             INSERT INTO rollups ({columns})
             SELECT {key}, {sums}
             FROM unnest(${call}::text[], {types}) AS r(call_id, {columns})
             JOIN up ON up.provider = r.provider AND up.id = r.call_id
             GROUP BY {key} ORDER BY {key}
             {conflict}
         )
         SELECT count(*) FROM up",
        insert = insert_calls_sql(Via::Api),
        columns = columns.join(", "),
        key = key.join(", "),
        sums = sums.join(", "),
        types = rollup_array_types(call + 1).join(", "),
        conflict = rollup::on_conflict(PG),
    )
}
