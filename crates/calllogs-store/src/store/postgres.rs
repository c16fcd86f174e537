//! The PostgreSQL backend: the same tables and meanings as SQLite, typed
//! for the dashboards that read them (`timestamptz`, `bigint`, `jsonb`),
//! versioned migrations taken under an advisory lock (processes starting
//! together migrate once), pages upserted in one `INSERT … ON CONFLICT … DO
//! UPDATE` that tells new, updated and unchanged apart, and, under a lease,
//! each page's transaction renewing that lease or failing if it was lost.

pub mod claims;
mod pipeline;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use calllogs_core::paginate::CountMismatch;
use calllogs_core::{Call, Reject};
use chrono::{DateTime, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime};
use tokio_postgres::types::ToSql;

use super::cells::{self, Cells};
use super::pgconnect::{self, PgTarget};
use super::rollup::{self, Facts, Rollups};
use super::sql::{self, Dialect, Via};
use super::{
    AccountStatus, AggFilter, AggKey, AggRow, DeliveryRow, Span, Stored, StoredReject, SyncState,
    Upserted, WebhookEvent,
};
use crate::flat::{COLUMNS, Cell, row};
use crate::store::StoreError;

/// How PostgreSQL spells the shared statements.
const PG: Dialect = Dialect::Postgres;

/// The schema, one migration per release that changed it. Never edit a
/// released migration: add one.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE calls (
        provider text NOT NULL,
        account text NOT NULL,
        id text NOT NULL,
        parent_id text,
        direction text NOT NULL,
        from_number text,
        to_number text,
        started_at timestamptz,
        answered_at timestamptz,
        ended_at timestamptz,
        duration_s bigint,
        talk_time_s bigint,
        billed_duration_s bigint,
        status text NOT NULL,
        hangup_cause text,
        hangup_category text,
        hangup_source text,
        hangup_provider_code text,
        hangup_provider_reason text,
        hangup_q850 integer,
        hangup_sip integer,
        cost_amount text,
        cost_currency text,
        agents jsonb,
        contact jsonb,
        campaign jsonb,
        tags jsonb,
        recordings jsonb,
        transcript jsonb,
        analysis jsonb,
        queue jsonb,
        ivr jsonb,
        disposition jsonb,
        sla_met boolean,
        raw text,
        first_seen_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (provider, account, id)
    -- Compress a row's long values (the record as sent, transcripts) once it
    -- passes 256 bytes, rather than PostgreSQL's default 2 KiB: a call's
    -- record of about a kilobyte then takes a third of that.
    ) WITH (toast_tuple_target = 256);
    CREATE INDEX calls_by_start ON calls (started_at);
    CREATE TABLE sync_state (
        provider text NOT NULL,
        account text NOT NULL,
        status text NOT NULL,
        range_since timestamptz,
        range_until timestamptz,
        checkpoint jsonb,
        pages_done bigint NOT NULL DEFAULT 0,
        calls_seen bigint NOT NULL DEFAULT 0,
        synced_until timestamptz,
        updated_at timestamptz NOT NULL,
        count_mismatches jsonb,
        PRIMARY KEY (provider, account)
    );
    -- A record seen again (a lookback re-read) is one row; its text can be
    -- longer than a btree entry allows, so the key is its digest.
    CREATE TABLE rejects (
        seq bigserial,
        provider text NOT NULL,
        account text NOT NULL,
        reason text NOT NULL,
        raw text NOT NULL,
        raw_md5 text GENERATED ALWAYS AS (md5(raw)) STORED,
        first_seen_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        UNIQUE (provider, account, raw_md5)
    );
    -- Who syncs which account (see calllogs_store::claims).
    CREATE TABLE claims (
        provider text NOT NULL,
        account text NOT NULL,
        holder text,
        claimed_at timestamptz,
        leased_until timestamptz,
        last_holder text,
        last_started_at timestamptz,
        last_finished_at timestamptz,
        last_success_at timestamptz,
        last_error text,
        last_error_at timestamptz,
        taken_over_from text,
        taken_over_at timestamptz,
        PRIMARY KEY (provider, account)
    );
",
    "
    -- 2: webhooks. Which paths have delivered a call; every verified event
    -- once, its body as received; the webhooks' own view of each call.
    ALTER TABLE calls ADD COLUMN seen_via text NOT NULL DEFAULT 'api';
    CREATE TABLE webhook_events (
        provider text NOT NULL,
        account text NOT NULL,
        event_key text NOT NULL,
        event_type text NOT NULL,
        call_id text,
        received_at timestamptz NOT NULL,
        verified boolean NOT NULL,
        body text NOT NULL,
        PRIMARY KEY (provider, account, event_key)
    );
    CREATE TABLE webhook_calls (
        provider text NOT NULL,
        account text NOT NULL,
        id text NOT NULL,
        status text NOT NULL,
        duration_s bigint,
        cost_amount text,
        first_at timestamptz NOT NULL,
        last_at timestamptz NOT NULL,
        PRIMARY KEY (provider, account, id)
    );
",
    "
    -- 3: per-day rollups (see `rollup`), kept by the transactions that
    -- write the calls; built once from the calls by `migrate`.
    CREATE TABLE rollups (
        kind bigint NOT NULL,
        day text NOT NULL,
        provider text NOT NULL,
        account text NOT NULL,
        status text NOT NULL,
        category text NOT NULL,
        cause text NOT NULL,
        currency text NOT NULL,
        k text NOT NULL,
        calls bigint NOT NULL,
        answered bigint NOT NULL,
        dur_sum bigint NOT NULL,
        dur_n bigint NOT NULL,
        talk_sum bigint NOT NULL,
        talk_n bigint NOT NULL,
        cost numeric NOT NULL,
        cost_n bigint NOT NULL,
        PRIMARY KEY (kind, day, provider, account, status, category, cause, currency, k)
    );
    -- A pull of what changed since a time (providers that list by update
    -- time) keeps that time, to resume the same pull.
    ALTER TABLE sync_state ADD COLUMN updated_since timestamptz;
",
    "
    -- 4: the rollups count short, unpriced and premium-rate calls, and sum
    -- every call again by the other party's country (kind 3): built again
    -- from the calls once (`ROLLUPS_MIGRATION`).
    ALTER TABLE rollups ADD COLUMN short bigint NOT NULL DEFAULT 0,
        ADD COLUMN unpriced bigint NOT NULL DEFAULT 0,
        ADD COLUMN premium bigint NOT NULL DEFAULT 0;
    DELETE FROM rollups;
",
    "
    -- 5: a statement sent ahead in a page's one round trip fails the
    -- transaction with this (see `pipeline`), so that the COMMIT sent with
    -- it rolls back instead of committing a page that must not be.
    CREATE OR REPLACE FUNCTION calllogs_fail(code text, message text) RETURNS text
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message;
    END
    $$;
",
];

/// The last migration (from 1) that changed what the rollups hold: the
/// calls already stored are summed into them once, when it runs.
const ROLLUPS_MIGRATION: usize = 4;

/// Takes each (provider, account) of a write's transaction-long lock, in
/// one order: two transactions that write one account's calls (a sync and
/// `listen`) take turns, so that the old values a write reads to move the
/// rollups are the values it replaces. Params: account, providers.
const ACCOUNT_LOCKS: &str =
    "SELECT pg_advisory_xact_lock(hashtextextended(p || '/' || $1::text, 0))
     FROM (SELECT DISTINCT unnest($2::text[]) AS p) AS t ORDER BY p";

/// Any number: the advisory lock that serializes migrations.
const MIGRATION_LOCK: i64 = 0x0000_ca11_1065;

/// The PostgreSQL type of each flat column (the rest are `text`).
fn pg_type(col: &str) -> &'static str {
    match col {
        "started_at" | "answered_at" | "ended_at" => "timestamptz",
        "duration_s" | "talk_time_s" | "billed_duration_s" => "bigint",
        "hangup_q850" | "hangup_sip" => "integer",
        "agents" | "contact" | "campaign" | "tags" | "recordings" | "transcript" | "analysis"
        | "queue" | "ivr" | "disposition" => "jsonb",
        "sla_met" => "boolean",
        _ => "text",
    }
}

/// Whose lease a store's writes are under.
#[derive(Debug, Clone)]
pub(crate) struct Fence {
    pub(crate) holder: String,
    pub(crate) lease: Duration,
}

/// The PostgreSQL store: a pool of connections to one database.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    shown: String,
    fence: Option<Fence>,
    /// Accounts whose last page changed stored calls: their next page goes
    /// the way that reads the old rows first, rather than trying the one
    /// round trip that such a page fails (see [`pipeline`]).
    changing: HashSet<(String, String)>,
}

impl PgStore {
    /// Connects to `target` (a pool of at most 16 connections) and migrates.
    pub async fn connect(target: &PgTarget) -> Result<PgStore, StoreError> {
        PgStore::connect_with(target, 16).await
    }

    /// Connects with a pool of at most `max` connections, and migrates.
    pub async fn connect_with(target: &PgTarget, max: usize) -> Result<PgStore, StoreError> {
        let shown = target.to_string();
        let tls = pgconnect::tls(target)?;
        let manager = Manager::from_config(
            target.config().clone(),
            tls,
            ManagerConfig {
                // A broken connection is noticed (is_closed) and replaced.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(max.max(1))
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(Duration::from_secs(15)))
            .build()
            .map_err(|e| StoreError::Connect {
                target: shown.clone(),
                message: e.to_string(),
                source: None,
            })?;
        let store = PgStore {
            pool,
            shown,
            fence: None,
            changing: HashSet::new(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The database as shown (no password).
    pub fn target(&self) -> &str {
        &self.shown
    }

    /// The same pool, writing under `holder`'s lease: every page commit
    /// renews it, and fails with [`StoreError::LeaseLost`] once another
    /// process holds the account.
    pub(crate) fn fenced(&self, holder: &str, lease: Duration) -> PgStore {
        PgStore {
            fence: Some(Fence {
                holder: holder.to_string(),
                lease,
            }),
            ..self.clone()
        }
    }

    pub(super) fn clone_unfenced(&self) -> PgStore {
        PgStore {
            fence: None,
            ..self.clone()
        }
    }

    pub(crate) fn err(&self, source: tokio_postgres::Error) -> StoreError {
        StoreError::Postgres {
            target: self.shown.clone(),
            message: super::pg_message(&source),
            source,
        }
    }

    /// A connection from the pool.
    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Client, StoreError> {
        self.pool.get().await.map_err(|e| {
            let (message, source) = match e {
                PoolError::Backend(e) => (super::pg_message(&e), Some(e)),
                PoolError::Timeout(_) => ("timed out".to_string(), None),
                other => (other.to_string(), None),
            };
            StoreError::Connect {
                target: self.shown.clone(),
                message,
                source,
            }
        })
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.err(e))?;
        // Processes opening a new database together: one migrates, the
        // others wait here and then find it done.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(|e| self.err(e))?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS calllogs_schema (version integer NOT NULL)")
            .await
            .map_err(|e| self.err(e))?;
        let version: i32 = tx
            .query_opt("SELECT max(version) FROM calllogs_schema", &[])
            .await
            .map_err(|e| self.err(e))?
            .and_then(|r| r.get::<_, Option<i32>>(0))
            .unwrap_or(0);
        let known = MIGRATIONS.len() as i64;
        if i64::from(version) > known {
            return Err(StoreError::TooNew {
                found: version.into(),
                known,
            });
        }
        for sql in MIGRATIONS.iter().skip(version as usize) {
            tx.batch_execute(sql).await.map_err(|e| self.err(e))?;
        }
        if (version as usize) < ROLLUPS_MIGRATION && MIGRATIONS.len() >= ROLLUPS_MIGRATION {
            let rows = tx
                .query(&rollup::all_facts(PG), &[])
                .await
                .map_err(|e| self.err(e))?;
            let mut sums = Rollups::default();
            for row in &rows {
                sums.add(&Facts::read(&PgRow { row, store: self }, 0)?, 1);
            }
            self.apply_rollups(&tx, sums).await?;
        }
        if i64::from(version) < known {
            tx.execute("DELETE FROM calllogs_schema", &[])
                .await
                .map_err(|e| self.err(e))?;
            tx.execute(
                "INSERT INTO calllogs_schema (version) VALUES ($1)",
                &[&(known as i32)],
            )
            .await
            .map_err(|e| self.err(e))?;
        }
        tx.commit().await.map_err(|e| self.err(e))
    }

    /// Whether this store's connections are encrypted (the server's own
    /// view, `pg_stat_ssl`), and with which TLS version.
    pub async fn session_tls(&self) -> Result<Option<String>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .await
            .map_err(|e| self.err(e))?;
        Ok(if row.get::<_, bool>(0) {
            Some(row.get::<_, Option<String>>(1).unwrap_or_default())
        } else {
            None
        })
    }

    /// Bytes the calls take: the table, its compressed values and its indexes.
    pub async fn calls_bytes(&self) -> Result<u64, StoreError> {
        let client = self.client().await?;
        let n: i64 = client
            .query_one("SELECT pg_total_relation_size('calls')", &[])
            .await
            .map_err(|e| self.err(e))?
            .get(0);
        Ok(n.max(0) as u64)
    }

    /// The schema version.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one("SELECT max(version) FROM calllogs_schema", &[])
            .await
            .map_err(|e| self.err(e))?;
        Ok(row.get::<_, Option<i32>>(0).unwrap_or(0).into())
    }

    /// See [`super::Store::commit_page`].
    pub async fn commit_page(
        &mut self,
        provider: &str,
        account: &str,
        calls: &[Call],
        rejects: &[Reject],
        state: &SyncState,
    ) -> Result<Upserted, StoreError> {
        let key = (provider.to_string(), account.to_string());
        if rejects.is_empty() && !self.changing.contains(&key) {
            if let Some(done) = self.commit_listed(provider, account, calls, state).await? {
                return Ok(done);
            }
            self.changing.insert(key.clone());
        }
        let done = self
            .commit_reading_old(provider, account, calls, rejects, state)
            .await?;
        if done.updated == 0 {
            self.changing.remove(&key);
        }
        Ok(done)
    }

    /// [`PgStore::commit_page`] for any page: the old rows are read first
    /// (their rollup contributions move out), under the account's lock.
    /// Statements that do not wait for each other's answers go out
    /// together (tokio-postgres pipelines the futures polled together): a
    /// page takes four round trips, whatever its size.
    async fn commit_reading_old(
        &mut self,
        provider: &str,
        account: &str,
        calls: &[Call],
        rejects: &[Reject],
        state: &SyncState,
    ) -> Result<Upserted, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.err(e))?;
        let ((), (done, sums)) = tokio::try_join!(
            self.check_fence(&tx, provider, account),
            self.upsert_in(&tx, account, calls, Via::Api)
        )?;
        tokio::try_join!(
            self.apply_rollups(&tx, sums),
            self.keep_rejects(&tx, account, rejects),
            self.write_state(&tx, provider, account, state)
        )?;
        tx.commit().await.map_err(|e| self.err(e))?;
        Ok(done)
    }

    /// See [`super::Store::upsert`].
    pub async fn upsert(&mut self, account: &str, calls: &[Call]) -> Result<Upserted, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.err(e))?;
        let (done, sums) = self.upsert_in(&tx, account, calls, Via::Api).await?;
        self.apply_rollups(&tx, sums).await?;
        tx.commit().await.map_err(|e| self.err(e))?;
        Ok(done)
    }

    /// See [`super::Store::set_state`].
    pub async fn set_state(
        &mut self,
        provider: &str,
        account: &str,
        state: &SyncState,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.err(e))?;
        self.check_fence(&tx, provider, account).await?;
        self.write_state(&tx, provider, account, state).await?;
        tx.commit().await.map_err(|e| self.err(e))
    }

    /// Renews the lease inside `tx`, or says who holds the account now.
    async fn check_fence(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        provider: &str,
        account: &str,
    ) -> Result<(), StoreError> {
        let Some(fence) = &self.fence else {
            return Ok(());
        };
        claims::renew_in(self, tx.client(), provider, account, fence).await
    }

    /// Upserts `calls` in one statement, and says how the rollups move:
    /// the old values of each row it changed (read in the same round trip,
    /// under the account's lock) out, the new ones (its `RETURNING`) in.
    async fn upsert_in(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        account: &str,
        calls: &[Call],
        via: Via,
    ) -> Result<(Upserted, Rollups), StoreError> {
        let mut sums = Rollups::default();
        if calls.is_empty() {
            return Ok((Upserted::default(), sums));
        }
        let page = PageColumns::of(calls);
        let kept = page.kept.len() as u64;
        let (old_sql, upsert) = (old_facts_sql(), upsert_sql(via));
        let (lock, old, stmt) = tokio::try_join!(
            tx.prepare_cached(ACCOUNT_LOCKS),
            tx.prepare_cached(&old_sql),
            tx.prepare_cached(&upsert)
        )
        .map_err(|e| self.err(e))?;
        let now = Utc::now();
        let params = page.upsert_params(&account, &now);
        let (providers, ids) = (page.providers(), page.ids());
        let lock_params: [&(dyn ToSql + Sync); 2] = [&account, providers];
        let old_params: [&(dyn ToSql + Sync); 3] = [&account, providers, ids];
        // The old rows' lookup is planned at each run: its generic plan
        // (PostgreSQL's choice after five runs) cannot see how few keys an
        // array holds and reads the whole table (measured: 8 ms against
        // 0.3 ms a page at 4,000 calls, and growing with them). The upsert
        // keeps its generic plan (planning it costs more than it saves).
        let (_, _, old_rows, _, rows) = tokio::try_join!(
            tx.query(&lock, &lock_params),
            tx.batch_execute("SET LOCAL plan_cache_mode = force_custom_plan"),
            tx.query(&old, &old_params),
            tx.batch_execute("SET LOCAL plan_cache_mode = auto"),
            tx.query(&stmt, &params)
        )
        .map_err(|e| self.err(e))?;
        let mut before = HashMap::with_capacity(old_rows.len());
        for row in &old_rows {
            let f = Facts::read(&PgRow { row, store: self }, 0)?;
            before.insert((f.provider.clone(), f.id.clone()), f);
        }
        let mut new = 0;
        for row in &rows {
            let f = Facts::read(&PgRow { row, store: self }, 1)?;
            if row.get::<_, bool>(0) {
                new += 1;
            } else if let Some(old) = before.get(&(f.provider.clone(), f.id.clone())) {
                sums.add(old, -1);
            }
            sums.add(&f, 1);
        }
        let updated = rows.len() as u64 - new;
        Ok((
            Upserted {
                new,
                updated,
                unchanged: kept - new - updated + (calls.len() as u64 - kept),
            },
            sums,
        ))
    }

    /// Adds `changes` into the rollups, in one statement.
    async fn apply_rollups(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        changes: Rollups,
    ) -> Result<(), StoreError> {
        let changes = changes.changes();
        if changes.is_empty() {
            return Ok(());
        }
        let arrays = RollupArrays::of(changes.iter().map(|(k, s)| (k, s)));
        let stmt = tx
            .prepare_cached(&apply_rollups_sql())
            .await
            .map_err(|e| self.err(e))?;
        tx.execute(&stmt, &arrays.params())
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn keep_rejects(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        account: &str,
        rejects: &[Reject],
    ) -> Result<(), StoreError> {
        if rejects.is_empty() {
            return Ok(());
        }
        let now = Utc::now();
        let stmt = tx
            .prepare_cached(&sql::keep_reject(PG))
            .await
            .map_err(|e| self.err(e))?;
        for r in rejects {
            let raw = no_nul(r.raw.clone());
            tx.execute(
                &stmt,
                &[&r.provider, &account, &no_nul(r.reason.clone()), &raw, &now],
            )
            .await
            .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    async fn write_state(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        provider: &str,
        account: &str,
        s: &SyncState,
    ) -> Result<(), StoreError> {
        let values = StateValues::of(provider, account, s);
        let stmt = tx
            .prepare_cached(&sql::write_state(PG))
            .await
            .map_err(|e| self.err(e))?;
        tx.execute(&stmt, &values.params())
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Every row of `sql` with `params`, read by `read`.
    async fn all<T>(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        read: impl Fn(&PgRow<'_>) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(sql).await.map_err(|e| self.err(e))?;
        let rows = client.query(&stmt, params).await.map_err(|e| self.err(e))?;
        rows.iter()
            .map(|row| read(&PgRow { row, store: self }))
            .collect()
    }

    /// Every row of `sql` with `params`, handed to `visit` as it arrives
    /// (streamed from the server, nothing kept).
    async fn each(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        mut visit: impl FnMut(&PgRow<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        use futures::TryStreamExt;
        let client = self.client().await?;
        let stmt = client.prepare_cached(sql).await.map_err(|e| self.err(e))?;
        let rows = client
            .query_raw(&stmt, params.iter().map(|p| *p as &dyn ToSql))
            .await
            .map_err(|e| self.err(e))?;
        let mut rows = std::pin::pin!(rows);
        while let Some(row) = rows.try_next().await.map_err(|e| self.err(e))? {
            visit(&PgRow {
                row: &row,
                store: self,
            })?;
        }
        Ok(())
    }

    /// See [`super::Store::count_mismatches`].
    pub async fn count_mismatches(
        &self,
        provider: &str,
        account: &str,
    ) -> Result<Vec<CountMismatch>, StoreError> {
        let json = self
            .all(&sql::count_mismatches(PG), &[&provider, &account], |r| {
                r.text(0)
            })
            .await?;
        Ok(SyncState::mismatches_from(
            json.into_iter().flatten().next(),
        ))
    }

    /// See [`super::Store::state`].
    pub async fn state(
        &self,
        provider: &str,
        account: &str,
    ) -> Result<Option<SyncState>, StoreError> {
        Ok(self
            .all(&sql::state(PG), &[&provider, &account], |r| {
                cells::sync_state(r, provider, account)
            })
            .await?
            .pop())
    }

    /// See [`super::Store::count`].
    pub async fn count(
        &self,
        provider: Option<&str>,
        account: Option<&str>,
    ) -> Result<u64, StoreError> {
        let n = self
            .all(&sql::count(PG), &[&provider, &account], |r| r.count(0))
            .await?;
        Ok(n.into_iter().sum())
    }

    /// See [`super::Store::ids`] (byte order, as SQLite sorts).
    pub async fn ids(&self, provider: &str, account: &str) -> Result<Vec<String>, StoreError> {
        self.all(&sql::ids(PG), &[&provider, &account], |r| r.required(0))
            .await
    }

    /// See [`super::Store::accounts`].
    pub async fn accounts(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.all(&sql::accounts(PG), &[], |r| {
            Ok((r.required(0)?, r.required(1)?))
        })
        .await
    }

    /// See [`super::Store::get`].
    pub async fn get(
        &self,
        provider: &str,
        account: &str,
        id: &str,
    ) -> Result<Option<Stored>, StoreError> {
        Ok(self
            .all(&sql::get(PG), &[&provider, &account, &id], |r| {
                cells::stored(r)
            })
            .await?
            .pop())
    }

    /// See [`super::Store::ingest`]. A group takes a few statements
    /// whatever its size: every event in one (its `RETURNING` says which
    /// were new), then the calls of the new ones, in rounds so that no
    /// statement changes a row twice (two events of one call in a group go
    /// in two rounds, in arrival order).
    pub async fn ingest(&mut self, events: &[WebhookEvent]) -> Result<Vec<bool>, StoreError> {
        use std::collections::{HashMap, HashSet};
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.err(e))?;
        let keep = tx
            .prepare_cached(KEEP_EVENTS)
            .await
            .map_err(|e| self.err(e))?;
        let col = |f: fn(&WebhookEvent) -> Option<String>| -> Vec<Option<String>> {
            events.iter().map(f).collect()
        };
        let providers = col(|e| Some(e.provider.clone()));
        let accounts = col(|e| Some(e.account.clone()));
        let keys = col(|e| Some(e.key.clone()));
        let kinds = col(|e| Some(e.kind.clone()));
        let call_ids = col(|e| e.call_id.clone());
        let bodies = col(|e| Some(no_nul(e.body.clone())));
        let received: Vec<DateTime<Utc>> = events.iter().map(|e| e.received_at).collect();
        let rows = tx
            .query(
                &keep,
                &[
                    &providers, &accounts, &keys, &kinds, &call_ids, &received, &bodies,
                ],
            )
            .await
            .map_err(|e| self.err(e))?;
        let inserted: HashSet<(String, String, String)> = rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        // The first of a key in the group is the one kept; a later one is a duplicate.
        let mut taken = HashSet::new();
        let out: Vec<bool> = events
            .iter()
            .map(|e| {
                let k = (e.provider.clone(), e.account.clone(), e.key.clone());
                inserted.contains(&k) && taken.insert(k)
            })
            .collect();
        let mut rounds: Vec<Vec<(&WebhookEvent, &Call)>> = Vec::new();
        let mut times: HashMap<(&str, &str, &str), usize> = HashMap::new();
        for (e, new) in events.iter().zip(&out) {
            let (true, Some(call)) = (*new, &e.call) else {
                continue;
            };
            let n = times
                .entry((call.provider.as_str(), e.account.as_str(), call.id.as_str()))
                .or_insert(0);
            if rounds.len() <= *n {
                rounds.push(Vec::new());
            }
            rounds[*n].push((e, call));
            *n += 1;
        }
        let view = tx
            .prepare_cached(&view_sql())
            .await
            .map_err(|e| self.err(e))?;
        for round in rounds {
            let mut by_account: HashMap<&str, Vec<Call>> = HashMap::new();
            for (e, call) in &round {
                by_account
                    .entry(e.account.as_str())
                    .or_default()
                    .push((*call).clone());
            }
            for (account, calls) in by_account {
                let (_, sums) = self.upsert_in(&tx, account, &calls, Via::Webhook).await?;
                self.apply_rollups(&tx, sums).await?;
            }
            let v = |f: fn(&WebhookEvent, &Call) -> Option<String>| -> Vec<Option<String>> {
                round.iter().map(|(e, c)| f(e, c)).collect()
            };
            let durations: Vec<Option<i64>> = round.iter().map(|(_, c)| c.duration_s).collect();
            let at: Vec<DateTime<Utc>> = round.iter().map(|(e, _)| e.received_at).collect();
            tx.execute(
                &view,
                &[
                    &v(|_, c| Some(c.provider.clone())),
                    &v(|e, _| Some(e.account.clone())),
                    &v(|_, c| Some(c.id.clone())),
                    &v(|_, c| Some(c.status.as_str().to_string())),
                    &durations,
                    &v(|_, c| c.cost.as_ref().map(|x| x.amount.clone())),
                    &at,
                ],
            )
            .await
            .map_err(|e| self.err(e))?;
        }
        tx.commit().await.map_err(|e| self.err(e))?;
        Ok(out)
    }

    /// See [`super::Store::delivery_rows`].
    pub async fn delivery_rows(
        &self,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        self.all(&sql::delivery_rows(PG), &[&since], |r| {
            cells::delivery_row(r)
        })
        .await
    }

    /// See [`super::Store::event_counts`].
    pub async fn event_counts(&self) -> Result<Vec<(String, String, u64)>, StoreError> {
        self.all(&sql::event_counts(PG), &[], |r| {
            Ok((r.required(0)?, r.required(1)?, r.count(2)?))
        })
        .await
    }

    /// See [`super::Store::ping`].
    pub async fn ping(&self) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .query_one("SELECT 1", &[])
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// See [`super::Store::rejects`].
    pub async fn rejects(
        &self,
        provider: Option<&str>,
        account: Option<&str>,
    ) -> Result<Vec<StoredReject>, StoreError> {
        self.all(&sql::rejects(PG), &[&provider, &account], |r| {
            cells::reject(r)
        })
        .await
    }

    /// See [`super::Store::aggregate`].
    pub(crate) async fn aggregate_rollups(
        &self,
        key: AggKey,
        days: &(Option<String>, Option<String>),
        provider: Option<&str>,
    ) -> Result<Vec<AggRow>, StoreError> {
        self.all(
            &rollup::aggregate(PG, key),
            &[&days.0, &days.1, &provider],
            |r| cells::agg_row(r),
        )
        .await
    }

    /// The facts of the calls of `filter` (see [`super::AggKey::Country`]).
    pub(crate) async fn facts_in(&self, filter: &AggFilter) -> Result<Vec<Facts>, StoreError> {
        self.all(
            &rollup::facts_in(PG),
            &[&filter.since, &filter.until, &filter.provider],
            |r| Facts::read(r, 0),
        )
        .await
    }

    /// See [`super::Store::days`].
    pub async fn days(&self, f: &super::DayFilter) -> Result<Vec<super::DayRow>, StoreError> {
        self.all(
            &super::daily::days_sql(PG),
            &[&f.first, &f.end, &f.provider, &f.account],
            |r| super::daily::day_row(r),
        )
        .await
    }

    /// See [`super::Store::billed_days`].
    pub async fn billed_days(
        &self,
        f: &super::AuditFilter,
    ) -> Result<Vec<super::BilledDay>, StoreError> {
        self.all(
            &super::audit::billed_sql(PG),
            &[&f.since, &f.until, &f.provider, &f.account],
            |r| super::audit::billed_row(r),
        )
        .await
    }

    /// See [`super::Store::each_priced_call`].
    pub async fn each_priced_call(
        &self,
        f: &super::AuditFilter,
        visit: &mut (dyn FnMut(super::PricedCall) + Send),
    ) -> Result<(), StoreError> {
        self.each(
            &super::audit::priced_sql(PG),
            &[&f.since, &f.until, &f.provider, &f.account],
            |r| {
                visit(super::audit::priced_row(r)?);
                Ok(())
            },
        )
        .await
    }

    /// See [`super::Store::examples`].
    pub async fn examples(&self, q: &super::ExampleQuery) -> Result<Vec<String>, StoreError> {
        let rows = self
            .all(
                &super::daily::examples_sql(PG),
                &[
                    &q.provider,
                    &q.account,
                    &q.since,
                    &q.until,
                    &q.status,
                    &q.category,
                    &i64::from(q.short),
                    &i64::from(q.unpriced),
                    &rollup::SHORT_CALL_S,
                    &super::daily::EXAMPLE_SCAN,
                ],
                |r| super::daily::candidate(r),
            )
            .await?;
        Ok(super::daily::pick(q, rows))
    }

    /// See [`super::Store::verify_rollups`].
    pub(crate) async fn rollups_and_recomputed(
        &self,
    ) -> Result<(rollup::Table, rollup::Table), StoreError> {
        let stored = self
            .all(&rollup::stored(PG), &[], |r| rollup::stored_row(r))
            .await?;
        let facts = self
            .all(&rollup::all_facts(PG), &[], |r| Facts::read(r, 0))
            .await?;
        Ok((stored.into_iter().collect(), Rollups::recompute(facts)))
    }

    /// The report's rows from a scan of the calls.
    pub(crate) async fn aggregate_calls(
        &self,
        key: AggKey,
        filter: &AggFilter,
    ) -> Result<Vec<AggRow>, StoreError> {
        self.all(
            &sql::aggregate(PG, key),
            &[&filter.since, &filter.until, &filter.provider],
            |r| cells::agg_row(r),
        )
        .await
    }

    /// See [`super::Store::started_span`].
    pub async fn started_span(&self, filter: &AggFilter) -> Result<Span, StoreError> {
        let span = self
            .all(
                &sql::started_span(PG),
                &[&filter.since, &filter.until, &filter.provider],
                |r| Ok((r.time(0)?, r.time(1)?)),
            )
            .await?;
        Ok(span.into_iter().next().unwrap_or((None, None)))
    }

    /// See [`super::Store::fleet_status`]: the sync states (the columns
    /// SQLite reads, first) joined to the claims.
    pub async fn fleet_status(&self) -> Result<Vec<AccountStatus>, StoreError> {
        self.all(
            "SELECT COALESCE(s.provider, c.provider), COALESCE(s.account, c.account),
                    s.status, s.pages_done, s.calls_seen, s.range_since, s.range_until, s.synced_until,
                    CASE WHEN c.leased_until >= now() THEN c.holder END, c.claimed_at, c.leased_until,
                    c.last_holder, c.last_success_at, c.last_error_at, c.last_error,
                    c.taken_over_at, c.taken_over_from, c.holder
             FROM sync_state s FULL OUTER JOIN claims c
               ON s.provider = c.provider AND s.account = c.account
             ORDER BY COALESCE(s.provider, c.provider) COLLATE \"C\",
                      COALESCE(s.account, c.account) COLLATE \"C\"",
            &[],
            |r| {
                let live = r.text(8)?;
                let held = r.text(17)?;
                Ok(AccountStatus {
                    // An expired lease is shown as its last holder, not a holder.
                    held_since: live.as_ref().and(r.time(9)?),
                    leased_until: held.as_ref().and(r.time(10)?),
                    last_holder: r.text(11)?.or(held.filter(|_| live.is_none())),
                    holder: live,
                    last_success: r.time(12)?,
                    last_error: r.time(13)?.zip(r.text(14)?),
                    taken_over_from: r.time(15)?.zip(r.text(16)?),
                    ..cells::account_status(r)?
                })
            },
        )
        .await
    }
}

/// A row of PostgreSQL's, read as [`Cells`]; errors name the server.
struct PgRow<'a> {
    row: &'a tokio_postgres::Row,
    store: &'a PgStore,
}

impl Cells for PgRow<'_> {
    fn text(&self, i: usize) -> Result<Option<String>, StoreError> {
        self.row.try_get(i).map_err(|e| self.store.err(e))
    }

    fn int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        self.row.try_get(i).map_err(|e| self.store.err(e))
    }

    fn time(&self, i: usize) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.row.try_get(i).map_err(|e| self.store.err(e))
    }
}

/// When a listed record is written over a stored row: its record, status
/// or cost changed, or only a webhook had told of the call yet.
const LISTED_CHANGED: &str = "WHERE (calls.raw, calls.status, calls.cost_amount)
       IS DISTINCT FROM (excluded.raw, excluded.status, excluded.cost_amount)
       OR calls.seen_via = 'webhook'";

/// A page's calls as one array per column, one row per key: a statement
/// may not update a row twice, so the later record of a call sent twice
/// wins and the earlier counts as unchanged.
struct PageColumns {
    /// Each column's values, in [`COLUMNS`] order.
    columns: Vec<Vec<Option<String>>>,
    /// The index in the page of each row's call.
    kept: Vec<usize>,
    /// Whether every value reached the arrays as it is (PostgreSQL text
    /// holds no NUL; see [`pg_cell`]).
    verbatim: bool,
}

impl PageColumns {
    fn of(calls: &[Call]) -> PageColumns {
        let mut last: HashMap<(&str, &str), usize> = HashMap::with_capacity(calls.len());
        for (i, c) in calls.iter().enumerate() {
            last.insert((c.provider.as_str(), c.id.as_str()), i);
        }
        let mut page = PageColumns {
            columns: vec![Vec::with_capacity(last.len()); COLUMNS.len()],
            kept: Vec::with_capacity(last.len()),
            verbatim: true,
        };
        for (i, call) in calls.iter().enumerate() {
            if last[&(call.provider.as_str(), call.id.as_str())] != i {
                continue;
            }
            page.kept.push(i);
            for (n, cell) in row(call, true).into_iter().enumerate() {
                let json = pg_type(COLUMNS[n]) == "jsonb";
                if let Cell::Text(t) = &cell {
                    page.verbatim &= !(t.contains('\0') || json && t.contains("\\u0000"));
                }
                page.columns[n].push(pg_cell(cell, json));
            }
        }
        page
    }

    /// The rows' providers (the first flat column).
    fn providers(&self) -> &Vec<Option<String>> {
        &self.columns[0]
    }

    /// The rows' ids (the second flat column).
    fn ids(&self) -> &Vec<Option<String>> {
        &self.columns[1]
    }

    /// The upsert's parameters: account, each column, the time written.
    fn upsert_params<'a>(
        &'a self,
        account: &'a (dyn ToSql + Sync),
        now: &'a (dyn ToSql + Sync),
    ) -> Vec<&'a (dyn ToSql + Sync)> {
        let mut params: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(COLUMNS.len() + 2);
        params.push(account);
        for c in &self.columns {
            params.push(c);
        }
        params.push(now);
        params
    }
}

/// One account's sync state as [`sql::write_state`]'s parameters.
struct StateValues<'a> {
    provider: &'a str,
    account: &'a str,
    status: &'static str,
    state: &'a SyncState,
    checkpoint: Option<String>,
    pages: i64,
    calls: i64,
    now: DateTime<Utc>,
    mismatches: Option<String>,
}

impl<'a> StateValues<'a> {
    fn of(provider: &'a str, account: &'a str, s: &'a SyncState) -> StateValues<'a> {
        StateValues {
            provider,
            account,
            status: s.status_word(),
            state: s,
            checkpoint: s.checkpoint_json(),
            pages: s.pages_done as i64,
            calls: s.calls_seen as i64,
            now: Utc::now(),
            mismatches: s.mismatches_json(),
        }
    }

    fn params(&self) -> [&(dyn ToSql + Sync); 12] {
        [
            &self.provider,
            &self.account,
            &self.status,
            &self.state.since,
            &self.state.until,
            &self.checkpoint,
            &self.pages,
            &self.calls,
            &self.state.synced_until,
            &self.now,
            &self.mismatches,
            &self.state.updated_since,
        ]
    }
}

/// `INSERT … SELECT … FROM unnest(one text array per column)`: one
/// statement per page whatever its size, each value cast to its column's
/// type. Params: account, one array per flat column, the time written.
fn insert_calls_sql(via: Via) -> String {
    let cols = sql::call_columns();
    let arrays: Vec<String> = (0..cols.len())
        .map(|i| format!("${}::text[]", i + 2))
        .collect();
    let casts: Vec<String> = cols
        .iter()
        .map(|c| match pg_type(c) {
            "text" => format!("t.{c}"),
            ty => format!("t.{c}::{ty}"),
        })
        .collect();
    let now = COLUMNS.len() + 2;
    format!(
        "INSERT INTO calls (account, {cols}, first_seen_at, updated_at, seen_via)
         SELECT $1, {casts}, ${now}::timestamptz, ${now}::timestamptz, '{word}' FROM unnest({arrays}) AS t({cols})",
        cols = cols.join(", "),
        casts = casts.join(", "),
        arrays = arrays.join(", "),
        word = via.word(),
    )
}

/// The page's upsert ([`insert_calls_sql`]): `RETURNING (xmax = 0)` tells
/// an insert from an update, and rows whose record, status and cost did
/// not change are not updated at all.
fn upsert_sql(via: Via) -> String {
    format!(
        "{insert}
         {conflict}
         {only_changed}
         RETURNING (xmax = 0), {facts}",
        insert = insert_calls_sql(via),
        conflict = sql::on_call_conflict(via),
        facts = rollup::facts_columns(PG),
        // A listed record that did not change is not written again, unless
        // the list had not seen the call yet; a webhook's event (new: kept
        // events are not merged twice) always is.
        only_changed = match via {
            Via::Api => LISTED_CHANGED,
            Via::Webhook => "",
        },
    )
}

/// The rollup facts of a page's rows as they are before it is written,
/// each looked up by its key. Params: account, providers, ids.
fn old_facts_sql() -> String {
    format!(
        "SELECT c.* FROM unnest($2::text[], $3::text[]) AS t(p, i)
         CROSS JOIN LATERAL (SELECT {} FROM calls WHERE provider = t.p AND account = $1::text AND id = t.i) AS c",
        rollup::facts_columns(PG)
    )
}

/// Adds a page's rollup changes in one statement (see [`rollup::on_conflict`]).
fn apply_rollups_sql() -> String {
    let cols: Vec<&str> = rollup::KEY.iter().chain(rollup::SUMS).copied().collect();
    format!(
        "INSERT INTO rollups ({cols}) SELECT * FROM unnest({types}) {conflict}",
        cols = cols.join(", "),
        types = rollup_array_types(1).join(", "),
        conflict = rollup::on_conflict(PG)
    )
}

/// The parameters of [`RollupArrays`] from `$first` on, each cast to its
/// column's array type.
fn rollup_array_types(first: usize) -> Vec<String> {
    rollup::KEY
        .iter()
        .chain(rollup::SUMS)
        .enumerate()
        .map(|(i, c)| {
            let ty = match *c {
                "cost" => "text[]::numeric[]",
                "kind" | "calls" | "answered" | "dur_sum" | "dur_n" | "talk_sum" | "talk_n"
                | "cost_n" | "short" | "unpriced" | "premium" => "bigint[]",
                _ => "text[]",
            };
            format!("${}::{ty}", first + i)
        })
        .collect()
}

/// Rollup rows as one array per column ([`rollup::KEY`], then
/// [`rollup::SUMS`]).
struct RollupArrays<'a> {
    kinds: Vec<i64>,
    texts: [Vec<&'a str>; 8],
    ints: [Vec<i64>; 6],
    cost: Vec<String>,
    cost_n: Vec<i64>,
    more: [Vec<i64>; 3],
}

impl<'a> RollupArrays<'a> {
    fn of(rows: impl Iterator<Item = (&'a rollup::Key, &'a rollup::Sums)>) -> RollupArrays<'a> {
        let mut a = RollupArrays {
            kinds: Vec::new(),
            texts: Default::default(),
            ints: Default::default(),
            cost: Vec::new(),
            cost_n: Vec::new(),
            more: Default::default(),
        };
        for (k, s) in rows {
            a.kinds.push(k.kind as i64);
            let texts = [
                &k.day,
                &k.provider,
                &k.account,
                &k.status,
                &k.category,
                &k.cause,
                &k.currency,
                &k.k,
            ];
            for (column, t) in a.texts.iter_mut().zip(texts) {
                column.push(t.as_str());
            }
            for (column, i) in a.ints.iter_mut().zip(s.ints()) {
                column.push(i);
            }
            a.cost.push(s.cost.to_string());
            a.cost_n.push(s.cost_n);
            for (column, i) in a.more.iter_mut().zip(s.more()) {
                column.push(i);
            }
        }
        a
    }

    /// The arrays in [`rollup_array_types`] order.
    fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        let mut p: Vec<&(dyn ToSql + Sync)> = vec![&self.kinds];
        p.extend(self.texts.iter().map(|t| t as &(dyn ToSql + Sync)));
        p.extend(self.ints.iter().map(|t| t as &(dyn ToSql + Sync)));
        p.push(&self.cost);
        p.push(&self.cost_n);
        p.extend(self.more.iter().map(|t| t as &(dyn ToSql + Sync)));
        p
    }
}

/// Every event of a group in one statement; the new ones come back.
const KEEP_EVENTS: &str = "INSERT INTO webhook_events
        (provider, account, event_key, event_type, call_id, received_at, verified, body)
     SELECT p, a, k, t, c, r, true, b
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[])
          AS e(p, a, k, t, c, r, b)
     ON CONFLICT (provider, account, event_key) DO NOTHING
     RETURNING provider, account, event_key";

/// The webhooks' view of a round of calls, in one statement.
fn view_sql() -> String {
    format!(
        "INSERT INTO webhook_calls (provider, account, id, status, duration_s, cost_amount, first_at, last_at)
         SELECT p, a, i, s, d, c, r, r
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::timestamptz[])
              AS v(p, a, i, s, d, c, r)
         {}",
        sql::WEBHOOK_VIEW_MERGE
    )
}

/// PostgreSQL text cannot hold NUL, nor `jsonb` the `\u0000` escape: both
/// become U+FFFD rather than failing the whole page.
fn pg_cell(cell: Cell, json: bool) -> Option<String> {
    match cell {
        Cell::Null => None,
        Cell::Int(i) => Some(i.to_string()),
        Cell::Text(s) => {
            let s = no_nul(s);
            Some(if json && s.contains("\\u0000") {
                s.replace("\\u0000", "\\ufffd")
            } else {
                s
            })
        }
    }
}

fn no_nul(s: String) -> String {
    if s.contains('\0') {
        s.replace('\0', "\u{fffd}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_has_a_cast_and_an_array() {
        let sql = upsert_sql(Via::Api);
        assert!(sql.contains("t.started_at::timestamptz"));
        assert!(sql.contains("t.sla_met::boolean"));
        assert!(sql.contains(&format!("${}::text[]", COLUMNS.len() + 1)));
        assert!(!sql.contains(&format!("${}::text[]", COLUMNS.len() + 2)));
        assert!(sql.contains(&format!("${}::timestamptz", COLUMNS.len() + 2)));
    }

    #[test]
    fn nul_never_reaches_the_server() {
        assert_eq!(
            pg_cell(Cell::Text("a\0b".into()), false).unwrap(),
            "a\u{fffd}b"
        );
        assert_eq!(
            pg_cell(Cell::Text(r#"{"t":"x\u0000"}"#.into()), true).unwrap(),
            r#"{"t":"x\ufffd"}"#
        );
        assert_eq!(pg_cell(Cell::Int(3), false).unwrap(), "3");
        assert_eq!(pg_cell(Cell::Null, true), None);
    }
}
