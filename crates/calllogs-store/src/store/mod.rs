//! The store: where synced calls, each account's checkpoint and the records
//! that could not be mapped are kept. Two backends behind one [`Store`]:
//! SQLite (a file, the embedded default) and PostgreSQL (a `postgres://`
//! URL: a server several people query and several processes share). Both
//! hold the same tables with the same meanings (`calls` keyed by provider,
//! account and id; `sync_state`; `rejects`), and answer the same calls the
//! same way; PostgreSQL also holds the `claims` that let processes on many
//! machines share one fleet ([`postgres::claims`]).
//!
//! ```no_run
//! use calllogs_store::store::Store;
//! # async fn run() -> Result<(), calllogs_store::store::StoreError> {
//! let mut local = Store::open("calls.db").await?;
//! let mut shared = Store::open("postgres://calllogs@db.internal/calls").await?;
//! assert_eq!(local.count(None, None).await?, shared.count(None, None).await?);
//! # Ok(()) }
//! ```

pub mod audit;
mod cells;
pub mod daily;
mod location;
#[cfg(feature = "postgres")]
mod pgconnect;
#[cfg(feature = "postgres")]
pub mod postgres;
mod rollup;
mod sql;
pub mod sqlite;

use std::path::PathBuf;

use calllogs_core::paginate::{Checkpoint, CountMismatch};
use calllogs_core::{Call, Reject};
use chrono::{DateTime, Utc};

pub use audit::{AuditFilter, BilledDay, PricedCall};
pub use daily::{DayFilter, DayRow, ExampleQuery};
#[cfg(feature = "postgres")]
pub use pgconnect::PgTarget;
#[cfg(feature = "postgres")]
pub(crate) use pgconnect::pg_message;
#[cfg(feature = "postgres")]
pub use postgres::PgStore;
pub use rollup::SHORT_CALL_S;
pub use sqlite::SqliteStore;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A stream the calls are written to (a connector's stdout) failed.
    #[error("cannot write to {target}: {source}")]
    Output {
        /// What was written to (`stdout`).
        target: &'static str,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed.
    #[cfg(feature = "postgres")]
    #[error("PostgreSQL at {target}: {message}")]
    Postgres {
        /// The server, without its password.
        target: String,
        /// What the server said (its severity, message, detail and hint),
        /// or what happened to the connection, with its causes.
        message: String,
        /// The client's error.
        #[source]
        source: tokio_postgres::Error,
    },
    /// No connection to PostgreSQL could be had.
    #[cfg(feature = "postgres")]
    #[error("cannot connect to PostgreSQL at {target}: {message}")]
    Connect {
        /// The server, without its password.
        target: String,
        /// Why.
        message: String,
        /// The root cause, when there is one.
        #[source]
        source: Option<tokio_postgres::Error>,
    },
    /// `--db` (or `db` in the config) is not a usable location.
    #[error("bad database location {given:?}: {message}")]
    Location {
        /// What was given, without a password.
        given: String,
        /// Why it is not usable.
        message: String,
    },
    /// The database was made by a newer calllogs.
    #[error(
        "the database has schema version {found}, newer than this calllogs knows ({known}); upgrade calllogs"
    )]
    TooNew {
        /// The database's version.
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
    /// Another process holds this account now: this process's lease ran out
    /// (it was paused or cut off for longer than the lease) and the account
    /// was taken over. Nothing of the page was written.
    #[error(
        "{provider}/{account}: the lease was lost to another process (held by {holder}); this page was not written"
    )]
    LeaseLost {
        /// Provider id.
        provider: String,
        /// Account label.
        account: String,
        /// Who holds it now (`nobody` when released).
        holder: String,
    },
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
    /// A pull of what changed since this time (providers that list by
    /// update time, [`calllogs_core::PagingSpec::updated_filter`]) rather
    /// than of a range of creation times: `since` is then open.
    pub updated_since: Option<DateTime<Utc>>,
    /// Where to resume, after the last committed page.
    pub checkpoint: Option<Checkpoint>,
    /// Pages committed in this pull.
    pub pages_done: u64,
    /// Calls committed in this pull.
    pub calls_seen: u64,
    /// Everything before this was pulled by a finished sync.
    pub synced_until: Option<DateTime<Utc>>,
    /// Windows of this pull whose announced total differed from the calls
    /// received. Written with the rest of the state, in the same (fenced)
    /// statement: a process that lost its lease cannot write them either.
    pub count_mismatches: Vec<CountMismatch>,
}

impl SyncState {
    /// The count mismatches as stored (JSON), `None` when there are none.
    pub(crate) fn mismatches_json(&self) -> Option<String> {
        (!self.count_mismatches.is_empty())
            .then(|| serde_json::to_string(&self.count_mismatches).unwrap_or_default())
    }

    /// Stored count mismatches read back (unreadable JSON: none, as before
    /// this field was part of the state; they are a note, not a position).
    pub(crate) fn mismatches_from(json: Option<String>) -> Vec<CountMismatch> {
        json.and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default()
    }

    /// `running` or `done`, as both backends store it.
    pub(crate) fn status_word(&self) -> &'static str {
        if self.running { "running" } else { "done" }
    }

    /// The checkpoint as stored (JSON), if any.
    pub(crate) fn checkpoint_json(&self) -> Option<String> {
        self.checkpoint
            .as_ref()
            .map(|c| serde_json::to_string(c).unwrap_or_default())
    }

    /// A stored checkpoint read back; unreadable JSON is an error naming
    /// the account.
    pub(crate) fn checkpoint_from(
        json: Option<String>,
        provider: &str,
        account: &str,
    ) -> Result<Option<Checkpoint>, StoreError> {
        json.map(|c| serde_json::from_str::<Checkpoint>(&c))
            .transpose()
            .map_err(|source| StoreError::Checkpoint {
                provider: provider.into(),
                account: account.into(),
                source,
            })
    }
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

/// A few fields of one stored call (tests, spot checks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The call id.
    pub id: String,
    /// Its normalized status.
    pub status: String,
    /// The cost, exact decimal text.
    pub cost_amount: Option<String>,
    /// Its currency.
    pub cost_currency: Option<String>,
    /// The provider's record.
    pub raw: Option<String>,
    /// Which paths have delivered it: `api`, `webhook` or `api,webhook`.
    pub seen_via: String,
}

/// One verified webhook event, ready to be kept ([`Store::ingest`]).
#[derive(Debug, Clone)]
pub struct WebhookEvent {
    /// Provider id.
    pub provider: String,
    /// Account label.
    pub account: String,
    /// What tells a redelivery of it apart (see
    /// `calllogs_core::webhook::Event::key`).
    pub key: String,
    /// The provider's event type.
    pub kind: String,
    /// The call it is about, where it names one.
    pub call_id: Option<String>,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// The body, as received (verified before it got here).
    pub body: String,
    /// The call it ends or adds to, if any.
    pub call: Option<Call>,
}

/// One call beside the webhooks' view of it ([`Store::delivery_rows`]).
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryRow {
    /// Provider id.
    pub provider: String,
    /// Account label.
    pub account: String,
    /// Call id.
    pub id: String,
    /// `api`, `webhook` or `api,webhook`.
    pub seen_via: String,
    /// The stored status (the listed one where the list has it).
    pub status: String,
    /// The stored duration.
    pub duration_s: Option<i64>,
    /// The stored cost.
    pub cost_amount: Option<String>,
    /// When the store first had it.
    pub first_seen_at: Option<DateTime<Utc>>,
    /// Its end (or start, when no end is known).
    pub ended_at: Option<DateTime<Utc>>,
    /// The status the webhooks gave, if any came.
    pub hook_status: Option<String>,
    /// The duration the webhooks gave.
    pub hook_duration_s: Option<i64>,
    /// The cost the webhooks gave.
    pub hook_cost_amount: Option<String>,
}

/// A record that could not be mapped, as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReject {
    /// Provider id.
    pub provider: String,
    /// Account label.
    pub account: String,
    /// Why it was rejected.
    pub reason: String,
    /// The record's text.
    pub raw: String,
}

/// One account as `calllogs fleet status` shows it: its sync state and,
/// on PostgreSQL, its claim.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct AccountStatus {
    /// Provider id.
    pub provider: String,
    /// Account label.
    pub account: String,
    /// The process holding it now (`host:pid:tag`), if any.
    pub holder: Option<String>,
    /// Since when it is held.
    pub held_since: Option<DateTime<Utc>>,
    /// Until when the lease runs unless renewed.
    pub leased_until: Option<DateTime<Utc>>,
    /// `running` (a pull under way or killed) or `done`.
    pub state: Option<String>,
    /// Pages committed by the current (or last) pull.
    pub pages_done: u64,
    /// Calls committed by the current (or last) pull.
    pub calls_seen: u64,
    /// The start of the pinned range of the current (or last) pull.
    pub range_since: Option<DateTime<Utc>>,
    /// Its end.
    pub range_until: Option<DateTime<Utc>>,
    /// Everything before this is synced.
    pub synced_until: Option<DateTime<Utc>>,
    /// The last process that held it.
    pub last_holder: Option<String>,
    /// When a sync of it last succeeded.
    pub last_success: Option<DateTime<Utc>>,
    /// The last error, with when.
    pub last_error: Option<(DateTime<Utc>, String)>,
    /// The process whose expired lease was taken over, and when.
    pub taken_over_from: Option<(DateTime<Utc>, String)>,
}

/// One aggregate row of the report: calls of one group key with one status,
/// category, cause and currency (see the `calllogs-report` crate).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AggRow {
    /// The group key (`None` in the overall query, or no value to group by).
    pub key: Option<String>,
    /// The status.
    pub status: String,
    /// The hangup category.
    pub category: Option<String>,
    /// The hangup cause.
    pub cause: Option<String>,
    /// The cost's currency.
    pub currency: Option<String>,
    /// Calls.
    pub calls: i64,
    /// Answered calls (an answer time, or `completed`).
    pub answered: i64,
    /// Sum and count of the durations of answered calls.
    pub duration: (i64, i64),
    /// Sum and count of the talk times of answered calls.
    pub talk: (i64, i64),
    /// Exact sum of the costs (decimal text), when any parsed.
    pub cost: Option<String>,
    /// Answered calls shorter than [`SHORT_CALL_S`].
    pub short: i64,
    /// Answered calls without a cost.
    pub unpriced: i64,
}

/// What the report groups and filters by, as the backends see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggKey {
    /// No key (the overall figures).
    None,
    /// `provider/account`.
    Provider,
    /// UTC day of the start (`YYYY-MM-DD`).
    Day,
    /// The Monday (UTC) of the start's ISO week (`YYYY-MM-DD`).
    Week,
    /// UTC month of the start (`YYYY-MM`).
    Month,
    /// Each agent's id (or name); a call with several counts for each.
    Agent,
    /// The campaign's id (or name).
    Campaign,
    /// The other party's country (ISO code; see [`crate::peer`]): worked
    /// out in Rust, so the part days of a range are summed from the calls'
    /// facts rather than in SQL.
    Country,
    /// Our own line: the from-number of an outbound call, the to-number of
    /// an inbound one. Grouped in SQL over the calls of the whole range (no
    /// rollup keeps lines: a contact center can have thousands), so its
    /// time grows with the calls in the range; its memory does not.
    Line,
}

/// The first and last of something in time (either absent when nothing is).
pub type Span = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The range and provider the report looks at.
#[derive(Debug, Clone, Default)]
pub struct AggFilter {
    /// Calls started at or after.
    pub since: Option<DateTime<Utc>>,
    /// Calls started before.
    pub until: Option<DateTime<Utc>>,
    /// One provider only.
    pub provider: Option<String>,
}

/// Where the store is: a SQLite file or a PostgreSQL server.
#[derive(Debug, Clone)]
pub enum Target {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database (`postgres://` or `postgresql://`).
    #[cfg(feature = "postgres")]
    Postgres(Box<PgTarget>),
}

impl Target {
    /// Reads `--db`: a `postgres://` or `postgresql://` URL is PostgreSQL
    /// (its password from the URL, `PGPASSWORD` or `~/.pgpass`), anything
    /// else a SQLite path.
    pub fn parse(db: &str) -> Result<Target, StoreError> {
        if db.trim().is_empty() {
            return Err(StoreError::Location {
                given: String::new(),
                message: "empty".into(),
            });
        }
        if location::is_url(db) {
            #[cfg(feature = "postgres")]
            return Ok(Target::Postgres(Box::new(PgTarget::parse(db)?)));
            #[cfg(not(feature = "postgres"))]
            return Err(StoreError::Location {
                given: location::redact(db),
                message: "this build has no PostgreSQL store (the `postgres` feature of calllogs)"
                    .into(),
            });
        }
        if db.contains("://") {
            return Err(StoreError::Location {
                given: location::redact(db),
                message: "only postgres:// (or postgresql://) URLs and SQLite file paths are known"
                    .into(),
            });
        }
        Ok(Target::Sqlite(PathBuf::from(db)))
    }

    /// Whether this is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        match self {
            Target::Sqlite(_) => false,
            #[cfg(feature = "postgres")]
            Target::Postgres(_) => true,
        }
    }

    /// Whether the store exists already (a SQLite file; a server is assumed to).
    pub fn exists(&self) -> bool {
        match self {
            Target::Sqlite(p) => p.exists(),
            #[cfg(feature = "postgres")]
            Target::Postgres(_) => true,
        }
    }
}

impl std::fmt::Display for Target {
    /// The path, or the URL without its password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Sqlite(p) => write!(f, "{}", p.display()),
            #[cfg(feature = "postgres")]
            Target::Postgres(t) => write!(f, "{t}"),
        }
    }
}

/// The store, on either backend.
pub enum Store {
    /// A SQLite file (or memory).
    Sqlite(SqliteStore),
    /// A PostgreSQL database.
    #[cfg(feature = "postgres")]
    Postgres(PgStore),
}

/// Calls the same method on whichever backend, awaiting PostgreSQL's.
macro_rules! both {
    ($self:ident.$method:ident($($arg:expr),*)) => {
        match $self {
            Store::Sqlite(s) => s.$method($($arg),*),
            #[cfg(feature = "postgres")]
            Store::Postgres(s) => s.$method($($arg),*).await,
        }
    };
}

impl Store {
    /// Opens (creating and migrating as needed) the store at `db`: a SQLite
    /// path or a `postgres://` URL.
    pub async fn open(db: &str) -> Result<Store, StoreError> {
        Store::open_target(&Target::parse(db)?).await
    }

    /// Opens the store at `target`.
    pub async fn open_target(target: &Target) -> Result<Store, StoreError> {
        Ok(match target {
            Target::Sqlite(p) => Store::Sqlite(SqliteStore::open(p)?),
            #[cfg(feature = "postgres")]
            Target::Postgres(t) => Store::Postgres(PgStore::connect(t).await?),
        })
    }

    /// A SQLite store in memory (tests, one-off reports).
    pub fn in_memory() -> Result<Store, StoreError> {
        Ok(Store::Sqlite(SqliteStore::open_in_memory()?))
    }

    /// Another handle on the same store for concurrent work: a second SQLite
    /// connection to the file, or the same PostgreSQL pool.
    pub async fn another(&self) -> Result<Store, StoreError> {
        match self {
            Store::Sqlite(s) => Ok(Store::Sqlite(s.reopen()?)),
            #[cfg(feature = "postgres")]
            Store::Postgres(s) => Ok(Store::Postgres(s.clone_unfenced())),
        }
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            #[cfg(feature = "postgres")]
            Store::Postgres(_) => "postgres",
        }
    }

    /// The SQLite store, for queries of your own.
    pub fn as_sqlite(&self) -> Option<&SqliteStore> {
        match self {
            Store::Sqlite(s) => Some(s),
            #[cfg(feature = "postgres")]
            Store::Postgres(_) => None,
        }
    }

    /// The PostgreSQL store (claims, queries of your own).
    #[cfg(feature = "postgres")]
    pub fn as_postgres(&self) -> Option<&PgStore> {
        match self {
            Store::Postgres(s) => Some(s),
            Store::Sqlite(_) => None,
        }
    }

    /// The schema version.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        both!(self.schema_version())
    }

    /// Bytes the stored calls take on disk (SQLite: the file's pages in
    /// use; PostgreSQL: the table with its compressed values and indexes).
    pub async fn calls_bytes(&self) -> Result<u64, StoreError> {
        both!(self.calls_bytes())
    }

    /// Upserts `calls` of `account`, keeps `rejects` and, in the same
    /// transaction, records `state` for their provider: a crash leaves all
    /// or nothing. On PostgreSQL under a lease, the same transaction renews
    /// the lease and fails with [`StoreError::LeaseLost`] if another process
    /// took the account over.
    pub async fn commit_page(
        &mut self,
        provider: &str,
        account: &str,
        calls: &[Call],
        rejects: &[Reject],
        state: &SyncState,
    ) -> Result<Upserted, StoreError> {
        both!(self.commit_page(provider, account, calls, rejects, state))
    }

    /// Upserts calls without touching any sync state.
    pub async fn upsert(&mut self, account: &str, calls: &[Call]) -> Result<Upserted, StoreError> {
        both!(self.upsert(account, calls))
    }

    /// Records `state` for `provider`/`account`.
    pub async fn set_state(
        &mut self,
        provider: &str,
        account: &str,
        state: &SyncState,
    ) -> Result<(), StoreError> {
        both!(self.set_state(provider, account, state))
    }

    /// The count mismatches the last run of `provider`/`account` recorded.
    pub async fn count_mismatches(
        &self,
        provider: &str,
        account: &str,
    ) -> Result<Vec<CountMismatch>, StoreError> {
        both!(self.count_mismatches(provider, account))
    }

    /// The sync state of `provider`/`account`.
    pub async fn state(
        &self,
        provider: &str,
        account: &str,
    ) -> Result<Option<SyncState>, StoreError> {
        both!(self.state(provider, account))
    }

    /// Calls stored, for a provider and account if given.
    pub async fn count(
        &self,
        provider: Option<&str>,
        account: Option<&str>,
    ) -> Result<u64, StoreError> {
        both!(self.count(provider, account))
    }

    /// The ids stored for `provider`/`account`, sorted.
    pub async fn ids(&self, provider: &str, account: &str) -> Result<Vec<String>, StoreError> {
        both!(self.ids(provider, account))
    }

    /// The (provider, account) pairs stored.
    pub async fn accounts(&self) -> Result<Vec<(String, String)>, StoreError> {
        both!(self.accounts())
    }

    /// One stored call.
    pub async fn get(
        &self,
        provider: &str,
        account: &str,
        id: &str,
    ) -> Result<Option<Stored>, StoreError> {
        both!(self.get(provider, account, id))
    }

    /// The rejects of `provider`/`account` (all when `None`), oldest first.
    pub async fn rejects(
        &self,
        provider: Option<&str>,
        account: Option<&str>,
    ) -> Result<Vec<StoredReject>, StoreError> {
        both!(self.rejects(provider, account))
    }

    /// The report's aggregate rows for `key` over `filter`.
    pub async fn aggregate(
        &self,
        key: AggKey,
        filter: &AggFilter,
    ) -> Result<Vec<AggRow>, StoreError> {
        if key == AggKey::Line {
            return self.aggregate_calls(key, filter).await;
        }
        // Whole days from the rollups, the part days at the ends from the
        // calls; rows of one group from both add up in the report.
        let split = rollup::split(filter);
        let mut rows = match &split.days {
            Some(days) => both!(self.aggregate_rollups(key, days, filter.provider.as_deref()))?,
            None => Vec::new(),
        };
        for edge in &split.edges {
            rows.extend(self.aggregate_calls(key, edge).await?);
        }
        Ok(rows)
    }

    /// The rollups of whole days, per account, status and hangup
    /// category, overall and by the other party's country (what alerts
    /// compare).
    pub async fn days(&self, filter: &DayFilter) -> Result<Vec<DayRow>, StoreError> {
        both!(self.days(filter))
    }

    /// Per account, UTC day and currency: the calls that ended, their
    /// minutes rounded up per call, their cost (what a provider's usage
    /// totals count), read from the calls of the range.
    pub async fn billed_days(&self, filter: &AuditFilter) -> Result<Vec<BilledDay>, StoreError> {
        both!(self.billed_days(filter))
    }

    /// The answered, priced calls with a duration in `filter`'s range,
    /// each placed in the other party's country and handed to `visit` as
    /// it is read (for the cost audit's outlier test): a month of a busy
    /// account's calls is folded, never held.
    pub async fn each_priced_call(
        &self,
        filter: &AuditFilter,
        visit: &mut (dyn FnMut(PricedCall) + Send),
    ) -> Result<(), StoreError> {
        both!(self.each_priced_call(filter, visit))
    }

    /// A few ids of the calls an [`ExampleQuery`] describes, oldest first.
    pub async fn examples(&self, q: &ExampleQuery) -> Result<Vec<String>, StoreError> {
        both!(self.examples(q))
    }

    /// The report's aggregate rows from a scan of every call in `filter`'s
    /// range, not the rollups: what [`Store::aggregate`] must equal (for
    /// checks; it reads every call).
    pub async fn aggregate_scan(
        &self,
        key: AggKey,
        filter: &AggFilter,
    ) -> Result<Vec<AggRow>, StoreError> {
        self.aggregate_calls(key, filter).await
    }

    /// The report's rows for `key` from the calls of `filter`: in SQL, or
    /// (by country, which SQL cannot work out) from each call's facts.
    async fn aggregate_calls(
        &self,
        key: AggKey,
        filter: &AggFilter,
    ) -> Result<Vec<AggRow>, StoreError> {
        if key == AggKey::Country {
            let facts = both!(self.facts_in(filter))?;
            return Ok(rollup::agg_rows(rollup::Kind::Country, facts));
        }
        both!(self.aggregate_calls(key, filter))
    }

    /// Checks the per-day rollups against a recomputation from the calls
    /// (a full scan): the rows that differ, as `key: stored -> recomputed`
    /// lines; empty when they agree, as they always should.
    pub async fn verify_rollups(&self) -> Result<Vec<String>, StoreError> {
        let (stored, recomputed) = both!(self.rollups_and_recomputed())?;
        let mut out = Vec::new();
        for (k, s) in &stored {
            if recomputed.get(k) != Some(s) {
                out.push(format!("{k:?}: {s:?} -> {:?}", recomputed.get(k)));
            }
        }
        for (k, s) in &recomputed {
            if !stored.contains_key(k) {
                out.push(format!("{k:?}: missing -> {s:?}"));
            }
        }
        Ok(out)
    }

    /// The first and last start of the calls `filter` selects.
    pub async fn started_span(&self, filter: &AggFilter) -> Result<Span, StoreError> {
        both!(self.started_span(filter))
    }

    /// Keeps verified webhook `events` in one transaction: each event once
    /// (a redelivery of a kept one changes nothing) and, for a new event
    /// that ends or adds to a call, the call merged into its row (the listed
    /// record stays authoritative). Returns, per event, whether it was new.
    /// Nothing is kept when it fails.
    pub async fn ingest(&mut self, events: &[WebhookEvent]) -> Result<Vec<bool>, StoreError> {
        both!(self.ingest(events))
    }

    /// Every call started at or after `since` (all when `None`), with the
    /// webhooks' view of it: what `calllogs reconcile` reads.
    pub async fn delivery_rows(
        &self,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        both!(self.delivery_rows(since))
    }

    /// Webhook events kept, per (provider, account).
    pub async fn event_counts(&self) -> Result<Vec<(String, String, u64)>, StoreError> {
        both!(self.event_counts())
    }

    /// Whether the store answers (a trivial query), for health checks.
    /// (`&mut`: the future may then move between threads, as a SQLite
    /// connection may, though it may not be shared.)
    pub async fn ping(&mut self) -> Result<(), StoreError> {
        both!(self.ping())
    }

    /// Every account the store knows: its sync state and, on PostgreSQL,
    /// its claim.
    pub async fn fleet_status(&self) -> Result<Vec<AccountStatus>, StoreError> {
        both!(self.fleet_status())
    }
}
