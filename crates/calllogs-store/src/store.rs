//! The SQLite store: one `calls` table keyed by (provider, account, id),
//! one `sync_state` row per provider and account, versioned migrations.

use std::path::Path;

use calllogs_core::paginate::{Checkpoint, CountMismatch};
use calllogs_core::{Call, Reject};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use crate::flat::{COLUMNS, Cell, row, time};

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file was made by a newer calllogs.
    #[error(
        "the database has schema version {found}, newer than this calllogs knows ({known}); upgrade calllogs"
    )]
    TooNew {
        /// The file's version.
        found: i64,
        /// The newest this build knows.
        known: i64,
    },
    /// A stored checkpoint could not be read.
    #[error("the stored checkpoint of {provider}/{account} is unreadable: {source}")]
    Checkpoint {
        /// Provider id.
        provider: String,
        /// Account label.
        account: String,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
}

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
];

fn keep_rejects(
    tx: &rusqlite::Transaction<'_>,
    account: &str,
    rejects: &[Reject],
) -> Result<(), StoreError> {
    if rejects.is_empty() {
        return Ok(());
    }
    let now = time(Utc::now());
    let mut stmt = tx.prepare_cached(
        "INSERT INTO rejects (provider, account, reason, raw, first_seen_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT (provider, account, raw) DO UPDATE SET reason = excluded.reason,
             last_seen_at = excluded.last_seen_at",
    )?;
    for r in rejects {
        stmt.execute(params![r.provider, account, r.reason, r.raw, now])?;
    }
    Ok(())
}

/// The store's column name of a flat column.
fn sql_name(col: &str) -> &str {
    match col {
        "from" => "from_number",
        "to" => "to_number",
        other => other,
    }
}

/// Where a provider's sync stands.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncState {
    /// `running` while a pull is under way (or was killed), `done` after.
    pub running: bool,
    /// The range being pulled (pinned when the pull started).
    pub since: Option<DateTime<Utc>>,
    /// Its upper bound.
    pub until: Option<DateTime<Utc>>,
    /// Where to resume, after the last committed page.
    pub checkpoint: Option<Checkpoint>,
    /// Pages committed in this pull.
    pub pages_done: u64,
    /// Calls committed in this pull.
    pub calls_seen: u64,
    /// Everything before this was pulled by a finished sync.
    pub synced_until: Option<DateTime<Utc>>,
}

/// What one upsert did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Upserted {
    /// Calls not seen before.
    pub new: u64,
    /// Calls whose record changed (a late cost, recording, analysis…).
    pub updated: u64,
    /// Calls seen again unchanged.
    pub unchanged: u64,
}

/// The SQLite store.
pub struct Store {
    conn: Connection,
}

fn parse_time(s: Option<String>) -> Option<DateTime<Utc>> {
    s.and_then(|s| calllogs_core::parse::timestamp(&s))
}

impl Store {
    /// Opens (or creates) the store at `path`, in WAL mode, migrated.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        // First: other processes may be opening the same file right now.
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Store::migrate(conn)
    }

    /// A store in memory (tests, one-off reports).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Store::migrate(Connection::open_in_memory()?)
    }

    fn migrate(mut conn: Connection) -> Result<Store, StoreError> {
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
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
        }
        tx.commit()?;
        Ok(Store { conn })
    }

    /// The schema version of the file.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
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
        let tx = self.conn.transaction()?;
        let done = upsert(&tx, account, calls)?;
        keep_rejects(&tx, account, rejects)?;
        write_state(&tx, provider, account, state)?;
        tx.commit()?;
        Ok(done)
    }

    /// The rejects of `provider`/`account` (all when `None`), oldest first:
    /// `(provider, account, reason, raw)`.
    pub fn rejects(
        &self,
        provider: Option<&str>,
        account: Option<&str>,
    ) -> Result<Vec<(String, String, String, String)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT provider, account, reason, raw FROM rejects
             WHERE (?1 IS NULL OR provider = ?1) AND (?2 IS NULL OR account = ?2)
             ORDER BY rowid",
        )?;
        let rows = stmt.query_map(params![provider, account], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Upserts calls without touching any sync state.
    pub fn upsert(&mut self, account: &str, calls: &[Call]) -> Result<Upserted, StoreError> {
        let tx = self.conn.transaction()?;
        let done = upsert(&tx, account, calls)?;
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

    /// Records the count mismatches of the current run of `provider`/`account`
    /// (none: clears them).
    pub fn set_count_mismatches(
        &mut self,
        provider: &str,
        account: &str,
        mismatches: &[CountMismatch],
    ) -> Result<(), StoreError> {
        let json =
            (!mismatches.is_empty()).then(|| serde_json::to_string(mismatches).unwrap_or_default());
        self.conn.execute(
            "UPDATE sync_state SET count_mismatches = ?3 WHERE provider = ?1 AND account = ?2",
            params![provider, account, json],
        )?;
        Ok(())
    }

    /// The count mismatches the last run of `provider`/`account` recorded.
    pub fn count_mismatches(
        &self,
        provider: &str,
        account: &str,
    ) -> Result<Vec<CountMismatch>, StoreError> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT count_mismatches FROM sync_state WHERE provider = ?1 AND account = ?2",
                params![provider, account],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        Ok(json
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default())
    }

    /// The sync state of `provider`/`account`.
    pub fn state(&self, provider: &str, account: &str) -> Result<Option<SyncState>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT status, range_since, range_until, checkpoint, pages_done, calls_seen, synced_until
                 FROM sync_state WHERE provider = ?1 AND account = ?2",
                params![provider, account],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, Option<String>>(6)?,
                    ))
                },
            )
            .optional()?;
        let Some((status, since, until, checkpoint, pages, calls, synced)) = row else {
            return Ok(None);
        };
        let checkpoint = checkpoint
            .map(|c| serde_json::from_str::<Checkpoint>(&c))
            .transpose()
            .map_err(|source| StoreError::Checkpoint {
                provider: provider.into(),
                account: account.into(),
                source,
            })?;
        Ok(Some(SyncState {
            running: status == "running",
            since: parse_time(since),
            until: parse_time(until),
            checkpoint,
            pages_done: pages.max(0) as u64,
            calls_seen: calls.max(0) as u64,
            synced_until: parse_time(synced),
        }))
    }

    /// Calls stored, for a provider and account if given.
    pub fn count(&self, provider: Option<&str>, account: Option<&str>) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM calls WHERE (?1 IS NULL OR provider = ?1) AND (?2 IS NULL OR account = ?2)",
            params![provider, account],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as u64)
    }

    /// The ids stored for `provider`/`account`, sorted.
    pub fn ids(&self, provider: &str, account: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM calls WHERE provider = ?1 AND account = ?2 ORDER BY id")?;
        let ids = stmt
            .query_map(params![provider, account], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(ids)
    }

    /// The (provider, account) pairs stored.
    pub fn accounts(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT provider, account FROM calls ORDER BY 1, 2")?;
        let pairs = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(pairs)
    }
}

fn upsert(conn: &Connection, account: &str, calls: &[Call]) -> Result<Upserted, StoreError> {
    let now = time(Utc::now());
    let cols: Vec<&str> = COLUMNS.iter().map(|c| sql_name(c)).collect();
    let placeholders: Vec<String> = (1..=cols.len() + 1).map(|i| format!("?{i}")).collect();
    let updates: Vec<String> = cols
        .iter()
        .filter(|c| !matches!(**c, "provider" | "id"))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let sql = format!(
        "INSERT INTO calls (account, {cols}, first_seen_at, updated_at) VALUES ({ph}, ?{n}, ?{n})
         ON CONFLICT (provider, account, id) DO UPDATE SET {updates}, updated_at = excluded.updated_at",
        cols = cols.join(", "),
        ph = placeholders.join(", "),
        n = cols.len() + 2,
        updates = updates.join(", "),
    );
    let mut insert = conn.prepare_cached(&sql)?;
    let mut existing = conn.prepare_cached("SELECT raw, status, cost_amount FROM calls WHERE provider = ?1 AND account = ?2 AND id = ?3")?;
    let mut done = Upserted::default();
    for call in calls {
        // Decided on the record itself; the row is built only for a write.
        let raw = (call.raw.get() != "null").then(|| call.raw.get());
        let before: Option<(Option<String>, String, Option<String>)> = existing
            .query_row(params![call.provider, account, call.id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        match before {
            None => done.new += 1,
            Some((old_raw, old_status, old_cost)) => {
                let same = old_raw.as_deref() == raw
                    && old_status == call.status.as_str()
                    && old_cost.as_deref() == call.cost.as_ref().map(|c| c.amount.as_str());
                if same {
                    done.unchanged += 1;
                    continue;
                }
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
    }
    Ok(done)
}

fn write_state(
    conn: &Connection,
    provider: &str,
    account: &str,
    s: &SyncState,
) -> Result<(), StoreError> {
    let checkpoint = s
        .checkpoint
        .as_ref()
        .map(|c| serde_json::to_string(c).unwrap_or_default());
    conn.execute(
        "INSERT INTO sync_state (provider, account, status, range_since, range_until, checkpoint, pages_done, calls_seen, synced_until, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (provider, account) DO UPDATE SET status = excluded.status, range_since = excluded.range_since,
           range_until = excluded.range_until, checkpoint = excluded.checkpoint, pages_done = excluded.pages_done,
           calls_seen = excluded.calls_seen, synced_until = excluded.synced_until, updated_at = excluded.updated_at",
        params![
            provider,
            account,
            if s.running { "running" } else { "done" },
            s.since.map(time),
            s.until.map(time),
            checkpoint,
            s.pages_done as i64,
            s.calls_seen as i64,
            s.synced_until.map(time),
            time(Utc::now()),
        ],
    )?;
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
                std::thread::spawn(move || Store::open(&db).map(|s| s.schema_version().unwrap()))
            })
            .collect();
        for handle in opened {
            let version = handle.join().unwrap().unwrap();
            assert_eq!(version, MIGRATIONS.len() as i64);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn migrates_once_and_refuses_newer_files() {
        let dir = std::env::temp_dir().join(format!("calllogs-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("v.db");
        let _ = std::fs::remove_file(&path);
        assert_eq!(
            Store::open(&path).unwrap().schema_version().unwrap(),
            MIGRATIONS.len() as i64
        );
        assert_eq!(
            Store::open(&path).unwrap().schema_version().unwrap(),
            MIGRATIONS.len() as i64,
            "reopening is a no-op"
        );
        Store::open(&path)
            .unwrap()
            .connection()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        assert!(matches!(
            Store::open(&path),
            Err(StoreError::TooNew { found: 99, .. })
        ));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn upserts_count_new_changed_and_unchanged() {
        let mut store = Store::open_in_memory().unwrap();
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
