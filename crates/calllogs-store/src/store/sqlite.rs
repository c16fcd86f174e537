//! The SQLite backend: one `calls` table keyed by (provider, account, id),
//! one `sync_state` row per provider and account, versioned migrations
//! (`PRAGMA user_version`).

use std::path::{Path, PathBuf};

use calllogs_core::paginate::CountMismatch;
use calllogs_core::{Call, Reject};
use chrono::{DateTime, Utc};
use rusqlite::functions::{Aggregate, Context, FunctionFlags};
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use super::cells::{self, Cells};
use super::rollup::{self, Facts, Rollups};
use super::sql::{self, Dialect, Via};
use super::{
    AccountStatus, AggFilter, AggKey, AggRow, DeliveryRow, Span, Stored, StoredReject, SyncState,
    Upserted, WebhookEvent,
};
use crate::decimal::Decimal;
use crate::flat::{Cell, row, time};
use crate::store::StoreError;

/// How SQLite spells the shared statements.
const SQLITE: Dialect = Dialect::Sqlite;

/// The schema, one migration per release that changed it. Never edit a
/// released migration: add one.
const MIGRATIONS: &[&str] = &[
    // 1: the first release.
    "CREATE TABLE calls (
        provider TEXT NOT NULL,
        account TEXT NOT NULL,
        id TEXT NOT NULL,
        parent_id TEXT,
        direction TEXT NOT NULL,
        from_number TEXT,
        to_number TEXT,
        started_at TEXT,
        answered_at TEXT,
        ended_at TEXT,
        duration_s INTEGER,
        talk_time_s INTEGER,
        billed_duration_s INTEGER,
        status TEXT NOT NULL,
        hangup_cause TEXT,
        hangup_category TEXT,
        hangup_source TEXT,
        hangup_provider_code TEXT,
        hangup_provider_reason TEXT,
        hangup_q850 INTEGER,
        hangup_sip INTEGER,
        cost_amount TEXT,
        cost_currency TEXT,
        agents TEXT,
        contact TEXT,
        campaign TEXT,
        tags TEXT,
        recordings TEXT,
        transcript TEXT,
        analysis TEXT,
        queue TEXT,
        ivr TEXT,
        disposition TEXT,
        sla_met INTEGER,
        raw TEXT,
        first_seen_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (provider, account, id)
    ) WITHOUT ROWID;
    CREATE INDEX calls_by_start ON calls (started_at);
    CREATE TABLE sync_state (
        provider TEXT NOT NULL,
        account TEXT NOT NULL,
        status TEXT NOT NULL,
        range_since TEXT,
        range_until TEXT,
        checkpoint TEXT,
        pages_done INTEGER NOT NULL DEFAULT 0,
        calls_seen INTEGER NOT NULL DEFAULT 0,
        synced_until TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (provider, account)
    );",
    // 2: records a provider sent that could not be mapped, kept with the
    // reason; the same record seen again (a lookback re-read) is one row.
    "CREATE TABLE rejects (
        provider TEXT NOT NULL,
        account TEXT NOT NULL,
        reason TEXT NOT NULL,
        raw TEXT NOT NULL,
        first_seen_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        UNIQUE (provider, account, raw)
    );",
    // 3: windows of the last run whose announced total differed from the
    // calls received (JSON), NULL when none did.
    "ALTER TABLE sync_state ADD COLUMN count_mismatches TEXT;",
    // 4: a rowid table with a unique key instead of WITHOUT ROWID. Rows of
    // a kilobyte or more (a provider's record is kept whole) overflowed the
    // WITHOUT ROWID b-tree's small in-page limit: each took a 4 KiB overflow
    // page, 3× the calls' NDJSON size. Rows are now stored whole in the
    // table's pages, in arrival order (new files also use 16 KiB pages,
    // see `open`).
    "CREATE TABLE calls_v4 (
        provider TEXT NOT NULL,
        account TEXT NOT NULL,
        id TEXT NOT NULL,
        parent_id TEXT,
        direction TEXT NOT NULL,
        from_number TEXT,
        to_number TEXT,
        started_at TEXT,
        answered_at TEXT,
        ended_at TEXT,
        duration_s INTEGER,
        talk_time_s INTEGER,
        billed_duration_s INTEGER,
        status TEXT NOT NULL,
        hangup_cause TEXT,
        hangup_category TEXT,
        hangup_source TEXT,
        hangup_provider_code TEXT,
        hangup_provider_reason TEXT,
        hangup_q850 INTEGER,
        hangup_sip INTEGER,
        cost_amount TEXT,
        cost_currency TEXT,
        agents TEXT,
        contact TEXT,
        campaign TEXT,
        tags TEXT,
        recordings TEXT,
        transcript TEXT,
        analysis TEXT,
        queue TEXT,
        ivr TEXT,
        disposition TEXT,
        sla_met INTEGER,
        raw TEXT,
        first_seen_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    INSERT INTO calls_v4 SELECT * FROM calls;
    DROP TABLE calls;
    ALTER TABLE calls_v4 RENAME TO calls;
    CREATE UNIQUE INDEX calls_key ON calls (provider, account, id);
    CREATE INDEX calls_by_start ON calls (started_at);",
    // 5: webhooks. Which paths have delivered a call (`api`, `webhook`,
    // `api,webhook`); every verified event once, its body as received;
    // the webhooks' own view of each call, for reconcile.
    "ALTER TABLE calls ADD COLUMN seen_via TEXT NOT NULL DEFAULT 'api';
    CREATE TABLE webhook_events (
        provider TEXT NOT NULL,
        account TEXT NOT NULL,
        event_key TEXT NOT NULL,
        event_type TEXT NOT NULL,
        call_id TEXT,
        received_at TEXT NOT NULL,
        verified INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (provider, account, event_key)
    );
    CREATE TABLE webhook_calls (
        provider TEXT NOT NULL,
        account TEXT NOT NULL,
        id TEXT NOT NULL,
        status TEXT NOT NULL,
        duration_s INTEGER,
        cost_amount TEXT,
        first_at TEXT NOT NULL,
        last_at TEXT NOT NULL,
        PRIMARY KEY (provider, account, id)
    );",
    // 6: per-day rollups (see `rollup`), kept by the transactions that
    // write the calls; built once from the calls by `migrate_from`.
    "CREATE TABLE rollups (
        kind INTEGER NOT NULL,
        day TEXT NOT NULL,
        provider TEXT NOT NULL,
        account TEXT NOT NULL,
        status TEXT NOT NULL,
        category TEXT NOT NULL,
        cause TEXT NOT NULL,
        currency TEXT NOT NULL,
        k TEXT NOT NULL,
        calls INTEGER NOT NULL,
        answered INTEGER NOT NULL,
        dur_sum INTEGER NOT NULL,
        dur_n INTEGER NOT NULL,
        talk_sum INTEGER NOT NULL,
        talk_n INTEGER NOT NULL,
        cost TEXT NOT NULL,
        cost_n INTEGER NOT NULL,
        PRIMARY KEY (kind, day, provider, account, status, category, cause, currency, k)
    ) WITHOUT ROWID;",
    // 7: a pull of what changed since a time (providers that list by
    // update time) keeps that time, to resume the same pull.
    "ALTER TABLE sync_state ADD COLUMN updated_since TEXT;",
    // 8: the rollups count short, unpriced and premium-rate calls, and sum
    // every call again by the other party's country (kind 3): built again
    // from the calls once (`ROLLUPS_MIGRATION`).
    "ALTER TABLE rollups ADD COLUMN short INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE rollups ADD COLUMN unpriced INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE rollups ADD COLUMN premium INTEGER NOT NULL DEFAULT 0;
     DELETE FROM rollups;",
];

/// The last migration (from 1) that changed what the rollups hold: the
/// calls already stored are summed into them once, when it runs.
const ROLLUPS_MIGRATION: usize = 8;

/// Keeps one verified webhook event, once per event key. Params: provider,
/// account, key, type, call id, received at, body. A duplicate delivery
/// inserts nothing (`RETURNING` gives no row). (PostgreSQL keeps a whole
/// group in one statement: `postgres::KEEP_EVENTS`.)
const KEEP_EVENT: &str = "INSERT INTO webhook_events
        (provider, account, event_key, event_type, call_id, received_at, verified, body)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7)
     ON CONFLICT (provider, account, event_key) DO NOTHING
     RETURNING 1";

/// The webhooks' view of one call. Params: provider, account, id, status,
/// duration, cost, at.
fn webhook_view() -> String {
    format!(
        "INSERT INTO webhook_calls (provider, account, id, status, duration_s, cost_amount, first_at, last_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
         {}",
        sql::WEBHOOK_VIEW_MERGE
    )
}

/// The page size of new files: rows of one to three kilobytes fill 16 KiB
/// pages well, where 4 KiB pages fit one or two of them and waste the rest.
const PAGE_SIZE: i64 = 16 * 1024;

fn keep_rejects(
    tx: &rusqlite::Transaction<'_>,
    account: &str,
    rejects: &[Reject],
) -> Result<(), StoreError> {
    if rejects.is_empty() {
        return Ok(());
    }
    let now = time(Utc::now());
    let mut stmt = tx.prepare_cached(&sql::keep_reject(SQLITE))?;
    for r in rejects {
        stmt.execute(params![r.provider, account, r.reason, r.raw, now])?;
    }
    Ok(())
}

/// Reads the shared statements' rows: times are RFC 3339 text.
impl Cells for rusqlite::Row<'_> {
    fn text(&self, i: usize) -> Result<Option<String>, StoreError> {
        Ok(self.get(i)?)
    }

    fn int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.get(i)?)
    }

    fn time(&self, i: usize) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self
            .get::<_, Option<String>>(i)?
            .and_then(|s| calllogs_core::parse::timestamp(&s)))
    }
}

/// Every row of `sql` with `params`, read by `read`.
fn all<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    read: impl Fn(&rusqlite::Row<'_>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(read(r)?);
    }
    Ok(out)
}

/// Every row of `sql` with `params`, handed to `visit` one at a time
/// (nothing kept: for scans whose rows are folded, not collected).
fn each(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    mut visit: impl FnMut(&rusqlite::Row<'_>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params)?;
    while let Some(r) = rows.next()? {
        visit(r)?;
    }
    Ok(())
}

/// The SQLite store.
pub struct SqliteStore {
    conn: Connection,
    /// The file (none in memory), to open another connection to it.
    path: Option<PathBuf>,
}

impl SqliteStore {
    /// Opens (or creates) the store at `path`, in WAL mode, migrated.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let conn = Connection::open(path.as_ref())?;
        // First: other processes may be opening the same file right now.
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // Before WAL: a new file takes its page size now or never (an
        // existing file keeps its own; see `compact`).
        conn.pragma_update(None, "page_size", PAGE_SIZE)?;
        // Switching a new file to WAL needs it alone for a moment, and
        // SQLite may answer "busy" at once, without its busy handler, while
        // another process does the same: retry for the busy timeout.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match conn.pragma_update(None, "journal_mode", "WAL") {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                other => {
                    other?;
                    break;
                }
            }
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // A sync writes a leaf of the call-id index per call (ids are
        // random), and a page's commit writes each leaf it touched whole:
        // once the index outgrows the page cache, that is most of a sync's
        // cost, and it grows with the calls stored (measured on a 1,000,000
        // call sync: 4 GB read and 2.7 GB written per 100,000 calls at the
        // end, against 0.2 and 0.4 at the start). Checkpointing the WAL
        // every 256 MiB rather than 64 writes a hot leaf back to the file
        // once where it was written several times, and 16 MiB of page cache
        // keeps more of the index in memory (peak RSS stays under 64 MiB).
        conn.pragma_update(None, "wal_autocheckpoint", 256 * 1024 * 1024 / PAGE_SIZE)?;
        conn.pragma_update(None, "cache_size", -16 * 1024)?;
        let (mut store, from) = SqliteStore::migrate_from(conn)?;
        store.path = Some(path.as_ref().to_path_buf());
        if from > 0 && from < 4 {
            store.compact();
        }
        Ok(store)
    }

    /// A second connection to the same file (a new in-memory store when
    /// this one is in memory).
    pub fn reopen(&self) -> Result<SqliteStore, StoreError> {
        match &self.path {
            Some(p) => SqliteStore::open(p),
            None => SqliteStore::open_in_memory(),
        }
    }

    /// A store in memory (tests, one-off reports).
    pub fn open_in_memory() -> Result<SqliteStore, StoreError> {
        SqliteStore::migrate(Connection::open_in_memory()?)
    }

    fn migrate(conn: Connection) -> Result<SqliteStore, StoreError> {
        SqliteStore::migrate_from(conn).map(|(s, _)| s)
    }

    /// A file converted from the old layout keeps the old table's pages as
    /// free pages, in 4 KiB pages: rewrite it once in 16 KiB pages. This
    /// needs the file to itself (it leaves WAL mode for the rewrite); when
    /// another process has it open, it is left for a later open, with a
    /// warning. Nothing is lost either way.
    fn compact(&mut self) {
        let done = (|| -> rusqlite::Result<()> {
            self.conn.pragma_update(None, "journal_mode", "DELETE")?;
            self.conn.pragma_update(None, "page_size", PAGE_SIZE)?;
            self.conn.execute_batch("VACUUM")?;
            Ok(())
        })();
        if let Err(e) = done {
            tracing::warn!(
                "the store was converted but not compacted yet (another process has it open?): {e}"
            );
        }
        let _ = self.conn.pragma_update(None, "journal_mode", "WAL");
    }

    /// Migrates, and says from which version (0: a new file).
    fn migrate_from(mut conn: Connection) -> Result<(SqliteStore, i64), StoreError> {
        conn.create_aggregate_function(
            "decimal_sum",
            1,
            FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
            DecimalSum,
        )?;
        conn.create_scalar_function(
            "decimal_add",
            2,
            FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
            |ctx| {
                let d = |i: usize| -> rusqlite::Result<Decimal> {
                    Ok(ctx
                        .get::<Option<String>>(i)?
                        .as_deref()
                        .and_then(Decimal::parse)
                        .unwrap_or_default())
                };
                Ok((d(0)? + d(1)?).to_string())
            },
        )?;
        // One write transaction taken at once (IMMEDIATE), the version read
        // inside it: two processes opening a new file together migrate it
        // once, the second waiting for the first.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew {
                found: version,
                known,
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql)?;
            if i + 1 == ROLLUPS_MIGRATION {
                let facts = all(&tx, &rollup::all_facts(SQLITE), [], |r| Facts::read(r, 0))?;
                let mut sums = Rollups::default();
                for f in &facts {
                    sums.add(f, 1);
                }
                apply_rollups(&tx, sums)?;
            }
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
        }
        tx.commit()?;
        Ok((SqliteStore { conn, path: None }, version))
    }

    /// Bytes the store takes: the file's pages in use, after writing the
    /// WAL back (the calls are nearly all of it).
    pub fn calls_bytes(&self) -> Result<u64, StoreError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let pages: i64 = self
            .conn
            .pragma_query_value(None, "page_count", |r| r.get(0))?;
        let free: i64 = self
            .conn
            .pragma_query_value(None, "freelist_count", |r| r.get(0))?;
        let size: i64 = self
            .conn
            .pragma_query_value(None, "page_size", |r| r.get(0))?;
        Ok(((pages - free).max(0) * size) as u64)
    }

    /// The schema version of the file.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// A write transaction, its lock taken at the start: a deferred one that
    /// reads first (an upsert reads the row it may change) and then writes
    /// fails at once, without waiting, when another connection wrote in
    /// between (a sync beside `listen`); an immediate one waits its turn
    /// for the busy timeout.
    fn write(&mut self) -> Result<rusqlite::Transaction<'_>, StoreError> {
        Ok(self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
    }

    /// The underlying connection, for queries of your own.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Upserts `calls` of `account`, keeps `rejects` (records that could not
    /// be mapped) and, in the same transaction, records `state` for their
    /// provider: a crash leaves all or nothing.
    pub fn commit_page(
        &mut self,
        provider: &str,
        account: &str,
        calls: &[Call],
        rejects: &[Reject],
        state: &SyncState,
    ) -> Result<Upserted, StoreError> {
        let tx = self.write()?;
        let done = upsert(&tx, account, calls, Via::Api)?;
        keep_rejects(&tx, account, rejects)?;
        write_state(&tx, provider, account, state)?;
        tx.commit()?;
        Ok(done)
    }

    /// The rejects of `provider`/`account` (all when `None`), oldest first.
    pub fn rejects(
        &self,
        provider: Option<&str>,
        account: Option<&str>,
    ) -> Result<Vec<StoredReject>, StoreError> {
        all(
            &self.conn,
            &sql::rejects(SQLITE),
            params![provider, account],
            |r| cells::reject(r),
        )
    }

    /// Upserts calls without touching any sync state.
    pub fn upsert(&mut self, account: &str, calls: &[Call]) -> Result<Upserted, StoreError> {
        let tx = self.write()?;
        let done = upsert(&tx, account, calls, Via::Api)?;
        tx.commit()?;
        Ok(done)
    }

    /// Records `state` for `provider`/`account`.
    pub fn set_state(
        &mut self,
        provider: &str,
        account: &str,
        state: &SyncState,
    ) -> Result<(), StoreError> {
        write_state(&self.conn, provider, account, state)
    }

    /// The count mismatches the last run of `provider`/`account` recorded.
    pub fn count_mismatches(
        &self,
        provider: &str,
        account: &str,
    ) -> Result<Vec<CountMismatch>, StoreError> {
        let json = all(
            &self.conn,
            &sql::count_mismatches(SQLITE),
            params![provider, account],
            |r| r.text(0),
        )?;
        Ok(SyncState::mismatches_from(
            json.into_iter().flatten().next(),
        ))
    }

    /// The sync state of `provider`/`account`.
    pub fn state(&self, provider: &str, account: &str) -> Result<Option<SyncState>, StoreError> {
        Ok(all(
            &self.conn,
            &sql::state(SQLITE),
            params![provider, account],
            |r| cells::sync_state(r, provider, account),
        )?
        .pop())
    }

    /// Calls stored, for a provider and account if given.
    pub fn count(&self, provider: Option<&str>, account: Option<&str>) -> Result<u64, StoreError> {
        let n = all(
            &self.conn,
            &sql::count(SQLITE),
            params![provider, account],
            |r| r.count(0),
        )?;
        Ok(n.into_iter().sum())
    }

    /// The ids stored for `provider`/`account`, sorted.
    pub fn ids(&self, provider: &str, account: &str) -> Result<Vec<String>, StoreError> {
        all(
            &self.conn,
            &sql::ids(SQLITE),
            params![provider, account],
            |r| r.required(0),
        )
    }

    /// The (provider, account) pairs stored.
    pub fn accounts(&self) -> Result<Vec<(String, String)>, StoreError> {
        all(&self.conn, &sql::accounts(SQLITE), [], |r| {
            Ok((r.required(0)?, r.required(1)?))
        })
    }

    /// One stored call.
    pub fn get(
        &self,
        provider: &str,
        account: &str,
        id: &str,
    ) -> Result<Option<Stored>, StoreError> {
        Ok(all(
            &self.conn,
            &sql::get(SQLITE),
            params![provider, account, id],
            |r| cells::stored(r),
        )?
        .pop())
    }

    /// See [`super::Store::ingest`].
    pub fn ingest(&mut self, events: &[WebhookEvent]) -> Result<Vec<bool>, StoreError> {
        let tx = self.write()?;
        let mut out = Vec::with_capacity(events.len());
        {
            let mut keep = tx.prepare_cached(KEEP_EVENT)?;
            let mut view = tx.prepare_cached(&webhook_view())?;
            for e in events {
                let new = keep
                    .query_row(
                        params![
                            e.provider,
                            e.account,
                            e.key,
                            e.kind,
                            e.call_id,
                            time(e.received_at),
                            e.body
                        ],
                        |_| Ok(()),
                    )
                    .optional()?
                    .is_some();
                if new && let Some(call) = &e.call {
                    upsert(&tx, &e.account, std::slice::from_ref(call), Via::Webhook)?;
                    view.execute(params![
                        call.provider,
                        e.account,
                        call.id,
                        call.status.as_str(),
                        call.duration_s,
                        call.cost.as_ref().map(|c| c.amount.as_str()),
                        time(e.received_at)
                    ])?;
                }
                out.push(new);
            }
        }
        tx.commit()?;
        Ok(out)
    }

    /// See [`super::Store::delivery_rows`].
    pub fn delivery_rows(
        &self,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        all(
            &self.conn,
            &sql::delivery_rows(SQLITE),
            params![since.map(time)],
            |r| cells::delivery_row(r),
        )
    }

    /// See [`super::Store::event_counts`].
    pub fn event_counts(&self) -> Result<Vec<(String, String, u64)>, StoreError> {
        all(&self.conn, &sql::event_counts(SQLITE), [], |r| {
            Ok((r.required(0)?, r.required(1)?, r.count(2)?))
        })
    }

    /// See [`super::Store::ping`].
    pub fn ping(&self) -> Result<(), StoreError> {
        self.conn.query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(())
    }

    /// The report's aggregate rows over whole days, from the rollups
    /// (see [`super::Store::aggregate`]).
    pub(crate) fn aggregate_rollups(
        &self,
        key: AggKey,
        days: &(Option<String>, Option<String>),
        provider: Option<&str>,
    ) -> Result<Vec<AggRow>, StoreError> {
        all(
            &self.conn,
            &rollup::aggregate(SQLITE, key),
            params![days.0, days.1, provider],
            |r| cells::agg_row(r),
        )
    }

    /// The facts of the calls of `filter` (see [`super::AggKey::Country`]).
    pub(crate) fn facts_in(&self, filter: &AggFilter) -> Result<Vec<Facts>, StoreError> {
        all(
            &self.conn,
            &rollup::facts_in(SQLITE),
            report_params(filter),
            |r| Facts::read(r, 0),
        )
    }

    /// See [`super::Store::days`].
    pub fn days(&self, f: &super::DayFilter) -> Result<Vec<super::DayRow>, StoreError> {
        all(
            &self.conn,
            &super::daily::days_sql(SQLITE),
            params![f.first, f.end, f.provider, f.account],
            |r| super::daily::day_row(r),
        )
    }

    /// See [`super::Store::billed_days`].
    pub fn billed_days(&self, f: &super::AuditFilter) -> Result<Vec<super::BilledDay>, StoreError> {
        all(
            &self.conn,
            &super::audit::billed_sql(SQLITE),
            params![f.since.map(time), f.until.map(time), f.provider, f.account],
            |r| super::audit::billed_row(r),
        )
    }

    /// See [`super::Store::each_priced_call`].
    pub fn each_priced_call(
        &self,
        f: &super::AuditFilter,
        visit: &mut (dyn FnMut(super::PricedCall) + Send),
    ) -> Result<(), StoreError> {
        each(
            &self.conn,
            &super::audit::priced_sql(SQLITE),
            params![f.since.map(time), f.until.map(time), f.provider, f.account],
            |r| {
                visit(super::audit::priced_row(r)?);
                Ok(())
            },
        )
    }

    /// See [`super::Store::examples`].
    pub fn examples(&self, q: &super::ExampleQuery) -> Result<Vec<String>, StoreError> {
        let rows = all(
            &self.conn,
            &super::daily::examples_sql(SQLITE),
            params![
                q.provider,
                q.account,
                q.since.map(time),
                q.until.map(time),
                q.status,
                q.category,
                i64::from(q.short),
                i64::from(q.unpriced),
                rollup::SHORT_CALL_S,
                super::daily::EXAMPLE_SCAN
            ],
            |r| super::daily::candidate(r),
        )?;
        Ok(super::daily::pick(q, rows))
    }

    /// The rollups as stored, and as the calls stored add up to (see
    /// [`super::Store::verify_rollups`]).
    pub(crate) fn rollups_and_recomputed(
        &self,
    ) -> Result<(rollup::Table, rollup::Table), StoreError> {
        let stored = all(&self.conn, &rollup::stored(SQLITE), [], |r| {
            rollup::stored_row(r)
        })?;
        let facts = all(&self.conn, &rollup::all_facts(SQLITE), [], |r| {
            Facts::read(r, 0)
        })?;
        Ok((stored.into_iter().collect(), Rollups::recompute(facts)))
    }

    /// The report's aggregate rows from a scan of the calls (see
    /// [`super::Store::aggregate`]).
    pub(crate) fn aggregate_calls(
        &self,
        key: AggKey,
        filter: &AggFilter,
    ) -> Result<Vec<AggRow>, StoreError> {
        // A report reads every page of the range once: mapped, those pages
        // are read in place rather than copied through the page cache.
        // (Only here: a sync would count the mapped pages in its memory.)
        self.conn.pragma_update(None, "mmap_size", 1i64 << 40)?;
        all(
            &self.conn,
            &sql::aggregate(SQLITE, key),
            report_params(filter),
            |r| cells::agg_row(r),
        )
    }

    /// See [`super::Store::started_span`].
    pub fn started_span(&self, filter: &AggFilter) -> Result<Span, StoreError> {
        let span = all(
            &self.conn,
            &sql::started_span(SQLITE),
            report_params(filter),
            |r| Ok((r.time(0)?, r.time(1)?)),
        )?;
        Ok(span.into_iter().next().unwrap_or((None, None)))
    }

    /// Every account's sync state (SQLite has no claims: one process).
    pub fn fleet_status(&self) -> Result<Vec<AccountStatus>, StoreError> {
        all(&self.conn, sql::SYNC_STATES, [], |r| {
            cells::account_status(r)
        })
    }
}

/// The report filter's parameters (see [`sql::aggregate`]).
fn report_params(filter: &AggFilter) -> impl rusqlite::Params + '_ {
    params_from_iter([
        filter.since.map(time),
        filter.until.map(time),
        filter.provider.clone(),
    ])
}

/// `decimal_sum(text)`: the exact sum of decimal texts (what the report
/// sums costs with); text that is not a decimal is left out, `NULL` when
/// nothing was summed.
struct DecimalSum;

impl Aggregate<Option<Decimal>, Option<String>> for DecimalSum {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<Option<Decimal>> {
        Ok(None)
    }

    fn step(&self, ctx: &mut Context<'_>, sum: &mut Option<Decimal>) -> rusqlite::Result<()> {
        if let Some(d) = ctx
            .get::<Option<String>>(0)?
            .as_deref()
            .and_then(Decimal::parse)
        {
            *sum = Some(sum.unwrap_or_default() + d);
        }
        Ok(())
    }

    fn finalize(
        &self,
        _: &mut Context<'_>,
        sum: Option<Option<Decimal>>,
    ) -> rusqlite::Result<Option<String>> {
        Ok(sum.flatten().map(|d| d.to_string()))
    }
}

/// Adds `changes` into the rollups (one statement per row changed).
fn apply_rollups(conn: &Connection, changes: Rollups) -> Result<(), StoreError> {
    let changes = changes.changes();
    if changes.is_empty() {
        return Ok(());
    }
    let cols: Vec<&str> = rollup::KEY.iter().chain(rollup::SUMS).copied().collect();
    let ph: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    let mut stmt = conn.prepare_cached(&format!(
        "INSERT INTO rollups ({}) VALUES ({}) {}",
        cols.join(", "),
        ph.join(", "),
        rollup::on_conflict(SQLITE)
    ))?;
    for (k, s) in changes {
        let [calls, answered, dur_sum, dur_n, talk_sum, talk_n] = s.ints();
        stmt.execute(params![
            k.kind as i64,
            k.day,
            k.provider,
            k.account,
            k.status,
            k.category,
            k.cause,
            k.currency,
            k.k,
            calls,
            answered,
            dur_sum,
            dur_n,
            talk_sum,
            talk_n,
            s.cost.to_string(),
            s.cost_n,
            s.short,
            s.unpriced,
            s.premium
        ])?;
    }
    Ok(())
}

/// Upserts `calls`, and moves each changed row's contribution to the
/// rollups from its old values to its new ones, in the caller's
/// transaction.
fn upsert(
    conn: &Connection,
    account: &str,
    calls: &[Call],
    via: Via,
) -> Result<Upserted, StoreError> {
    let now = time(Utc::now());
    let cols = sql::call_columns();
    let placeholders: Vec<String> = (1..=cols.len() + 1).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "INSERT INTO calls (account, {cols}, first_seen_at, updated_at, seen_via) VALUES ({ph}, ?{n}, ?{n}, '{via}') {conflict}",
        cols = cols.join(", "),
        ph = placeholders.join(", "),
        n = cols.len() + 2,
        via = via.word(),
        conflict = sql::on_call_conflict(via),
    );
    let mut insert = conn.prepare_cached(&sql)?;
    let facts = format!(
        "SELECT raw, status, cost_amount, seen_via, {} FROM calls WHERE provider = ?1 AND account = ?2 AND id = ?3",
        rollup::facts_columns(SQLITE)
    );
    let mut existing = conn.prepare_cached(&facts)?;
    let mut done = Upserted::default();
    let mut sums = Rollups::default();
    for call in calls {
        // Decided on the record itself; the row is built only for a write.
        let raw = (call.raw.get() != "null").then(|| call.raw.get());
        let mut rows = existing.query(params![call.provider, account, call.id])?;
        let before = match rows.next()? {
            None => None,
            Some(r) => Some((
                r.text(0)?,
                r.required(1)?,
                r.text(2)?,
                r.required(3)?,
                Facts::read(r, 4)?,
            )),
        };
        drop(rows);
        // The row takes the call's own values unless a merge is involved
        // (a webhook's event, or a listed call over a webhook's row): then
        // it is read back.
        let merged = via == Via::Webhook || before.as_ref().is_some_and(|b| b.3 != "api");
        match before {
            None => done.new += 1,
            Some((old_raw, old_status, old_cost, seen, facts)) => {
                // A webhook's event is always merged (it is new: kept events
                // are not merged twice); a listed record only when it
                // changed or the list had not seen the call yet.
                let same = via == Via::Api
                    && seen != "webhook"
                    && old_raw.as_deref() == raw
                    && old_status == call.status.as_str()
                    && old_cost.as_deref() == call.cost.as_ref().map(|c| c.amount.as_str());
                if same {
                    done.unchanged += 1;
                    continue;
                }
                sums.add(&facts, -1);
                done.updated += 1;
            }
        }
        let cells = row(call, true);
        let values = std::iter::once(rusqlite::types::Value::Text(account.to_string()))
            .chain(cells.into_iter().map(|c| match c {
                Cell::Null => rusqlite::types::Value::Null,
                Cell::Int(i) => rusqlite::types::Value::Integer(i),
                Cell::Text(s) => rusqlite::types::Value::Text(s),
            }))
            .chain(std::iter::once(rusqlite::types::Value::Text(now.clone())));
        insert.execute(params_from_iter(values))?;
        if merged {
            let mut rows = existing.query(params![call.provider, account, call.id])?;
            if let Some(r) = rows.next()? {
                sums.add(&Facts::read(r, 4)?, 1);
            }
        } else {
            sums.add(&Facts::of(call, account), 1);
        }
    }
    apply_rollups(conn, sums)?;
    Ok(done)
}

fn write_state(
    conn: &Connection,
    provider: &str,
    account: &str,
    s: &SyncState,
) -> Result<(), StoreError> {
    conn.prepare_cached(&sql::write_state(SQLITE))?
        .execute(params![
            provider,
            account,
            s.status_word(),
            s.since.map(time),
            s.until.map(time),
            s.checkpoint_json(),
            s.pages_done as i64,
            s.calls_seen as i64,
            s.synced_until.map(time),
            time(Utc::now()),
            s.mismatches_json(),
            s.updated_since.map(time),
        ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processes_opening_a_new_file_together_migrate_it_once() {
        let dir = std::env::temp_dir().join(format!("calllogs-race-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("calls.db");
        let opened: Vec<_> = (0..8)
            .map(|_| {
                let db = db.clone();
                std::thread::spawn(move || {
                    SqliteStore::open(&db).map(|s| s.schema_version().unwrap())
                })
            })
            .collect();
        for handle in opened {
            let version = handle.join().unwrap().unwrap();
            assert_eq!(version, MIGRATIONS.len() as i64);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_of_the_old_layout_is_converted_and_compacted() {
        let dir = std::env::temp_dir().join(format!("calllogs-v3-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("v3.db");
        {
            // A file as calllogs left it before migration 4: 4 KiB pages,
            // WITHOUT ROWID, some calls in it.
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "journal_mode", "WAL").unwrap();
            for sql in &MIGRATIONS[..3] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 3).unwrap();
            let raw = format!("{{\"call_uuid\":\"x\",\"pad\":\"{}\"}}", "y".repeat(1500));
            // Enough calls that the later migrations' empty tables (a page
            // or two each) do not weigh in the file's size.
            for i in 0..600 {
                conn.execute(
                    "INSERT INTO calls (provider, account, id, direction, status, raw, first_seen_at, updated_at)
                     VALUES ('plivo', 'a', ?1, 'inbound', 'completed', ?2, 't', 't')",
                    params![format!("id-{i:03}"), raw],
                )
                .unwrap();
            }
            let size: i64 = conn
                .pragma_query_value(None, "page_size", |r| r.get(0))
                .unwrap();
            assert_eq!(size, 4096, "precondition");
        }
        let before = std::fs::metadata(&path).unwrap().len();
        let mut store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        assert_eq!(store.count(None, None).unwrap(), 600, "every call kept");
        assert_eq!(store.ids("plivo", "a").unwrap()[599], "id-599");
        let sql: String = store
            .connection()
            .query_row(
                "SELECT sql FROM sqlite_master WHERE name = 'calls'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(!sql.contains("WITHOUT ROWID"), "{sql}");
        let size: i64 = store
            .connection()
            .pragma_query_value(None, "page_size", |r| r.get(0))
            .unwrap();
        assert_eq!(size, PAGE_SIZE, "compacted into the new page size");
        let mode: String = store
            .connection()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let after = std::fs::metadata(&path).unwrap().len();
        assert!(after * 2 < before, "{before} -> {after} bytes");
        // The unique key still makes an upsert an update.
        let mut c = Call::new("plivo", "id-000");
        c.status = calllogs_core::Status::Busy;
        assert_eq!(store.upsert("a", &[c]).unwrap().updated, 1);
        assert_eq!(store.count(None, None).unwrap(), 600);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn migrates_once_and_refuses_newer_files() {
        let dir = std::env::temp_dir().join(format!("calllogs-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("v.db");
        let _ = std::fs::remove_file(&path);
        assert_eq!(
            SqliteStore::open(&path).unwrap().schema_version().unwrap(),
            MIGRATIONS.len() as i64
        );
        assert_eq!(
            SqliteStore::open(&path).unwrap().schema_version().unwrap(),
            MIGRATIONS.len() as i64,
            "reopening is a no-op"
        );
        SqliteStore::open(&path)
            .unwrap()
            .connection()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        assert!(matches!(
            SqliteStore::open(&path),
            Err(StoreError::TooNew { found: 99, .. })
        ));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn upserts_count_new_changed_and_unchanged() {
        let mut store = SqliteStore::open_in_memory().unwrap();
        let mut a = Call::new("plivo", "a");
        a.raw = calllogs_core::Raw::from_value(
            &serde_json::json!({"call_uuid": "a", "total_amount": "0.0"}),
        );
        let b = Call::new("plivo", "b");
        assert_eq!(
            store.upsert("acct", &[a.clone(), b.clone()]).unwrap(),
            Upserted {
                new: 2,
                updated: 0,
                unchanged: 0
            }
        );
        a.cost = Some(calllogs_core::Cost::new("0.01700", "USD"));
        a.raw = calllogs_core::Raw::from_value(
            &serde_json::json!({"call_uuid": "a", "total_amount": "0.01700"}),
        );
        assert_eq!(
            store.upsert("acct", &[a, b.clone()]).unwrap(),
            Upserted {
                new: 0,
                updated: 1,
                unchanged: 1
            }
        );
        assert_eq!(
            store.upsert("other", &[b]).unwrap().new,
            1,
            "another account is another key"
        );
        assert_eq!(store.count(Some("plivo"), Some("acct")).unwrap(), 2);
        assert_eq!(store.count(None, None).unwrap(), 3);
        let cost: String = store
            .connection()
            .query_row("SELECT cost_amount FROM calls WHERE id = 'a'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(cost, "0.01700");
    }
}
