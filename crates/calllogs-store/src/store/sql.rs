//! The SQL both backends run, written once. The two backends hold the same
//! tables with the same meanings; where their SQL differs, [`Dialect`] says
//! how, in one place:
//!
//! - **placeholders**: `?1` in SQLite, `$1` in PostgreSQL, which also needs
//!   a parameter's type spelled out where nothing else implies it (a
//!   `$1 IS NULL` test);
//! - **types**: PostgreSQL keeps nested fields as `jsonb` (read back as
//!   text, written from text) and times as `timestamptz`; SQLite keeps both
//!   as text (times as RFC 3339 UTC with microseconds, so text order is
//!   time order);
//! - **conflict keys and arrival order**: a reject's text can be longer
//!   than a PostgreSQL b-tree entry allows, so its key there is a digest
//!   (`raw_md5`), and its arrival order a `seq` column rather than SQLite's
//!   `rowid`;
//! - **collation**: ids and accounts sort by bytes in both (SQLite's
//!   default; PostgreSQL's `COLLATE "C"`);
//! - **the report's group keys and exact cost sum** (date functions, JSON
//!   functions, SQLite's `decimal_sum` against PostgreSQL's `numeric`).
//!
//! The time a row is written is bound by the client in both (the same
//! parameter of the same statement), so both stores agree on it.
//!
//! What stays in a backend is what only it has: SQLite's row-at-a-time
//! upsert and file pragmas, PostgreSQL's one-statement page upsert, its
//! pool, its advisory-lock migrations and the claims.

use super::AggKey;
use crate::flat::COLUMNS;

/// How a backend spells what the shared statements need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// SQLite (rusqlite, bundled).
    Sqlite,
    /// PostgreSQL (tokio-postgres).
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    Postgres,
}

/// The type of a parameter, where PostgreSQL must be told.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ty {
    /// Text.
    Text,
    /// A point in time.
    Time,
    /// A 64-bit integer.
    Int,
    /// JSON, bound as text.
    Json,
}

use Dialect::{Postgres, Sqlite};

impl Dialect {
    /// The `n`-th parameter (from 1), typed for PostgreSQL.
    pub(crate) fn p(self, n: usize, ty: Ty) -> String {
        match (self, ty) {
            (Sqlite, _) => format!("?{n}"),
            (Postgres, Ty::Text) => format!("${n}::text"),
            (Postgres, Ty::Time) => format!("${n}::timestamptz"),
            (Postgres, Ty::Int) => format!("${n}::bigint"),
            (Postgres, Ty::Json) => format!("${n}::text::jsonb"),
        }
    }

    /// A JSON column read back as text.
    fn json_out(self, col: &str) -> String {
        match self {
            Sqlite => col.to_string(),
            Postgres => format!("{col}::text"),
        }
    }

    /// Byte order, as SQLite sorts by default.
    fn bytewise(self) -> &'static str {
        match self {
            Sqlite => "",
            Postgres => " COLLATE \"C\"",
        }
    }

    /// The column a reject is told apart by.
    fn reject_key(self) -> &'static str {
        match self {
            Sqlite => "raw",
            Postgres => "raw_md5",
        }
    }

    /// The rejects' arrival order.
    fn reject_order(self) -> &'static str {
        match self {
            Sqlite => "rowid",
            Postgres => "seq",
        }
    }
}

/// The store's column name of a flat column.
pub(crate) fn column(col: &str) -> &str {
    match col {
        "from" => "from_number",
        "to" => "to_number",
        other => other,
    }
}

/// The calls' columns in [`COLUMNS`] order, as the store names them.
pub(crate) fn call_columns() -> Vec<&'static str> {
    COLUMNS.iter().map(|c| column(c)).collect()
}

/// Which path a call arrived by, for the upsert's merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// The provider's list (`sync`): authoritative for what it has.
    Api,
    /// An end-of-call webhook (`listen`): fills what the list lacks.
    Webhook,
}

impl Via {
    /// The `seen_via` of a row this path inserts.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Via::Api => "api",
            Via::Webhook => "webhook",
        }
    }
}

/// A column's value, with an empty array (how calls without agents, tags
/// or recordings are kept) read as no value.
fn given(side: &str, col: &str) -> String {
    match col {
        "agents" | "tags" | "recordings" => format!("NULLIF({side}.{col}, '[]')"),
        _ => format!("{side}.{col}"),
    }
}

/// What one column becomes when a call arrives again by `via`. The list is
/// authoritative for what it has: from the list, a value replaces the
/// row's, and where the list has none a webhook's stays. A webhook fills
/// what the list has not given (and a call the list has not shown yet,
/// where a later event adds to an earlier one); it never replaces a listed
/// value, except a status the list saw before the call ended.
fn merged(via: Via, col: &str) -> String {
    let only = |w: &str| format!("calls.seen_via = '{w}'");
    match (via, col) {
        (Via::Api, "status" | "direction") => format!(
            "CASE WHEN {} OR excluded.{col} <> 'unknown' THEN excluded.{col} ELSE calls.{col} END",
            only("api")
        ),
        (Via::Api, _) => format!(
            "CASE WHEN {} THEN excluded.{col} ELSE COALESCE({}, calls.{col}) END",
            only("api"),
            given("excluded", col)
        ),
        (Via::Webhook, "status" | "direction") => format!(
            "CASE WHEN excluded.{col} = 'unknown' THEN calls.{col} \
             WHEN {} OR calls.{col} IN ('unknown', 'in_progress') THEN excluded.{col} ELSE calls.{col} END",
            only("webhook")
        ),
        (Via::Webhook, _) => format!(
            "CASE WHEN {} THEN COALESCE({}, calls.{col}) ELSE COALESCE({}, excluded.{col}) END",
            only("webhook"),
            given("excluded", col),
            given("calls", col)
        ),
    }
}

/// The upsert's conflict target and what a call arriving again by `via`
/// writes (everything but the key and `first_seen_at`, merged as
/// [`merged`] says), and which paths have now seen it.
pub(crate) fn on_call_conflict(via: Via) -> String {
    let updates: Vec<String> = call_columns()
        .iter()
        .filter(|c| !matches!(**c, "provider" | "id"))
        .map(|c| format!("{c} = {}", merged(via, c)))
        .collect();
    let seen = match via {
        Via::Api => "CASE WHEN calls.seen_via = 'api' THEN 'api' ELSE 'api,webhook' END",
        Via::Webhook => {
            "CASE WHEN calls.seen_via = 'webhook' THEN 'webhook' ELSE 'api,webhook' END"
        }
    };
    format!(
        "ON CONFLICT (provider, account, id) DO UPDATE SET {}, seen_via = {seen}, updated_at = excluded.updated_at",
        updates.join(", ")
    )
}

/// How a later event's view of a call merges into the kept one (in
/// `webhook_calls`, what reconcile holds against the listed record): a later
/// event's value replaces an earlier one; none leaves it. Both backends
/// write the view with it, SQLite a row at a time, PostgreSQL a round of
/// calls in one statement.
pub(crate) const WEBHOOK_VIEW_MERGE: &str = "ON CONFLICT (provider, account, id) DO UPDATE SET
           status = CASE WHEN excluded.status = 'unknown' THEN webhook_calls.status ELSE excluded.status END,
           duration_s = COALESCE(excluded.duration_s, webhook_calls.duration_s),
           cost_amount = COALESCE(excluded.cost_amount, webhook_calls.cost_amount),
           last_at = excluded.last_at";

/// Each call of the range beside the webhooks' view of it, for reconcile
/// ([`super::DeliveryRow`]). Params: since (NULL: all).
pub(crate) fn delivery_rows(d: Dialect) -> String {
    format!(
        "SELECT c.provider, c.account, c.id, c.seen_via, c.status, c.duration_s, c.cost_amount,
                c.first_seen_at, COALESCE(c.ended_at, c.started_at), w.status, w.duration_s, w.cost_amount
         FROM calls c LEFT JOIN webhook_calls w
           ON w.provider = c.provider AND w.account = c.account AND w.id = c.id
         WHERE {p} IS NULL OR COALESCE(c.started_at, c.first_seen_at) >= {p}
         ORDER BY c.provider{b}, c.account{b}, c.id{b}",
        p = d.p(1, Ty::Time),
        b = d.bytewise(),
    )
}

/// Webhook events kept, by account. No params.
pub(crate) fn event_counts(d: Dialect) -> String {
    format!(
        "SELECT provider, account, COUNT(*) FROM webhook_events GROUP BY provider, account
         ORDER BY provider{b}, account{b}",
        b = d.bytewise()
    )
}

/// `provider = p AND account = a`, where either may be NULL (all).
fn maybe_provider_account(d: Dialect) -> String {
    format!(
        "({p1} IS NULL OR provider = {p1}) AND ({p2} IS NULL OR account = {p2})",
        p1 = d.p(1, Ty::Text),
        p2 = d.p(2, Ty::Text)
    )
}

/// Calls of a provider and account, either or both NULL. Params: provider, account.
pub(crate) fn count(d: Dialect) -> String {
    format!(
        "SELECT COUNT(*) FROM calls WHERE {}",
        maybe_provider_account(d)
    )
}

/// Ids of one account, byte order. Params: provider, account.
pub(crate) fn ids(d: Dialect) -> String {
    format!(
        "SELECT id FROM calls WHERE provider = {} AND account = {} ORDER BY id{}",
        d.p(1, Ty::Text),
        d.p(2, Ty::Text),
        d.bytewise()
    )
}

/// The (provider, account) pairs, byte order. No params.
pub(crate) fn accounts(d: Dialect) -> String {
    format!(
        "SELECT provider, account FROM calls GROUP BY provider, account
         ORDER BY provider{c}, account{c}",
        c = d.bytewise()
    )
}

/// A few fields of one call ([`super::Stored`]). Params: provider, account, id.
pub(crate) fn get(d: Dialect) -> String {
    format!(
        "SELECT id, status, cost_amount, cost_currency, raw, seen_via FROM calls
         WHERE provider = {} AND account = {} AND id = {}",
        d.p(1, Ty::Text),
        d.p(2, Ty::Text),
        d.p(3, Ty::Text)
    )
}

/// Keeps one reject, once per record. Params: provider, account, reason,
/// raw, now.
pub(crate) fn keep_reject(d: Dialect) -> String {
    format!(
        "INSERT INTO rejects (provider, account, reason, raw, first_seen_at, last_seen_at)
         VALUES ({}, {}, {}, {}, {now}, {now})
         ON CONFLICT (provider, account, {key}) DO UPDATE SET reason = excluded.reason,
             last_seen_at = excluded.last_seen_at",
        d.p(1, Ty::Text),
        d.p(2, Ty::Text),
        d.p(3, Ty::Text),
        d.p(4, Ty::Text),
        now = d.p(5, Ty::Time),
        key = d.reject_key(),
    )
}

/// The rejects ([`super::StoredReject`]), oldest first. Params: provider,
/// account, either NULL.
pub(crate) fn rejects(d: Dialect) -> String {
    format!(
        "SELECT provider, account, reason, raw FROM rejects WHERE {} ORDER BY {}",
        maybe_provider_account(d),
        d.reject_order()
    )
}

/// The columns of a [`super::SyncState`] as [`super::cells::sync_state`]
/// reads them.
fn state_columns(d: Dialect) -> String {
    format!(
        "status, range_since, range_until, {}, pages_done, calls_seen, synced_until, {}, updated_since",
        d.json_out("checkpoint"),
        d.json_out("count_mismatches")
    )
}

/// One account's sync state. Params: provider, account.
pub(crate) fn state(d: Dialect) -> String {
    format!(
        "SELECT {} FROM sync_state WHERE provider = {} AND account = {}",
        state_columns(d),
        d.p(1, Ty::Text),
        d.p(2, Ty::Text)
    )
}

/// The count notes of one account's last run. Params: provider, account.
pub(crate) fn count_mismatches(d: Dialect) -> String {
    format!(
        "SELECT {} FROM sync_state WHERE provider = {} AND account = {}",
        d.json_out("count_mismatches"),
        d.p(1, Ty::Text),
        d.p(2, Ty::Text)
    )
}

/// Writes one account's sync state. Params: provider, account, status,
/// since, until, checkpoint, pages, calls, synced until, now, count notes,
/// updated since.
pub(crate) fn write_state(d: Dialect) -> String {
    format!(
        "INSERT INTO sync_state (provider, account, status, range_since, range_until, checkpoint,
             pages_done, calls_seen, synced_until, updated_at, count_mismatches, updated_since)
         VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})
         ON CONFLICT (provider, account) DO UPDATE SET status = excluded.status,
           range_since = excluded.range_since, range_until = excluded.range_until,
           checkpoint = excluded.checkpoint, pages_done = excluded.pages_done,
           calls_seen = excluded.calls_seen, synced_until = excluded.synced_until,
           updated_at = excluded.updated_at, count_mismatches = excluded.count_mismatches,
           updated_since = excluded.updated_since",
        d.p(1, Ty::Text),
        d.p(2, Ty::Text),
        d.p(3, Ty::Text),
        d.p(4, Ty::Time),
        d.p(5, Ty::Time),
        d.p(6, Ty::Json),
        d.p(7, Ty::Int),
        d.p(8, Ty::Int),
        d.p(9, Ty::Time),
        d.p(10, Ty::Time),
        d.p(11, Ty::Json),
        d.p(12, Ty::Time),
    )
}

/// The filter of the report's queries. Params: since, until, provider,
/// each NULL for no bound.
pub(crate) fn report_filter(d: Dialect) -> String {
    format!(
        "({p1} IS NULL OR started_at >= {p1}) AND ({p2} IS NULL OR started_at < {p2})
           AND ({p3} IS NULL OR provider = {p3})",
        p1 = d.p(1, Ty::Time),
        p2 = d.p(2, Ty::Time),
        p3 = d.p(3, Ty::Text)
    )
}

/// The first and last start the report's filter selects: each the first
/// row of the start index in one direction that the filter keeps (a
/// `min()`/`max()` under this filter would read every call).
pub(crate) fn started_span(d: Dialect) -> String {
    let end = |order: &str| {
        format!(
            "(SELECT started_at FROM calls WHERE started_at IS NOT NULL AND {} ORDER BY started_at{order} LIMIT 1)",
            report_filter(d)
        )
    };
    format!("SELECT {}, {}", end(""), end(" DESC"))
}

/// A call's UTC day of start, `YYYY-MM-DD`.
pub(crate) fn start_day(d: Dialect) -> &'static str {
    match d {
        Sqlite => "substr(started_at, 1, 10)",
        Postgres => "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
    }
}

/// The report's group expression and FROM clause for `key`.
fn group(d: Dialect, key: AggKey) -> (&'static str, &'static str) {
    match (key, d) {
        (AggKey::None, Sqlite) => ("NULL", "calls"),
        (AggKey::None, Postgres) => ("CAST(NULL AS text)", "calls"),
        (AggKey::Provider, _) => ("provider || '/' || account", "calls"),
        (AggKey::Day, _) => (start_day(d), "calls"),
        (AggKey::Week, Sqlite) => (
            "date(substr(started_at, 1, 10), 'weekday 0', '-6 days')",
            "calls",
        ),
        (AggKey::Week, Postgres) => (
            "to_char(date_trunc('week', started_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')",
            "calls",
        ),
        (AggKey::Month, Sqlite) => ("substr(started_at, 1, 7)", "calls"),
        (AggKey::Month, Postgres) => ("to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM')", "calls"),
        (AggKey::Agent, Sqlite) => (
            "provider || '/' || COALESCE(json_extract(a.value, '$.id'), json_extract(a.value, '$.name'))",
            "calls LEFT JOIN json_each(CASE WHEN json_type(calls.agents) = 'array' THEN calls.agents END) AS a",
        ),
        (AggKey::Agent, Postgres) => (
            "provider || '/' || COALESCE(a.v->>'id', a.v->>'name')",
            "calls LEFT JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(calls.agents) = 'array' \
             THEN calls.agents ELSE '[]'::jsonb END) AS a(v) ON true",
        ),
        (AggKey::Campaign, Sqlite) => (
            "provider || '/' || COALESCE(json_extract(campaign, '$.id'), json_extract(campaign, '$.name'))",
            "calls",
        ),
        (AggKey::Campaign, Postgres) => (
            "provider || '/' || COALESCE(campaign->>'id', campaign->>'name')",
            "calls",
        ),
        // Summed from the calls' facts instead (`Store::aggregate_calls`):
        // SQL cannot place a number in a country.
        (AggKey::Country, Sqlite) => ("NULL", "calls"),
        (AggKey::Country, Postgres) => ("CAST(NULL AS text)", "calls"),
        (AggKey::Line, _) => (
            "CASE direction WHEN 'outbound' THEN from_number WHEN 'inbound' THEN to_number END",
            "calls",
        ),
    }
}

/// The exact sum of the costs as decimal text: SQLite's `decimal_sum`
/// (registered by the SQLite backend), PostgreSQL's `numeric` over what
/// the report's decimal parser reads (anything else left out, in both).
pub(crate) fn cost_sum(d: Dialect) -> &'static str {
    match d {
        Sqlite => "decimal_sum(cost_amount)",
        Postgres => {
            r"CAST(SUM(CASE WHEN cost_amount ~ '^\s*[+-]?([0-9]{1,15}(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,2})?\s*$'
                     THEN CAST(cost_amount AS numeric) END) AS text)"
        }
    }
}

/// The report's aggregate ([`super::AggRow`]) grouped by `key`. Params:
/// since, until, provider (see [`report_filter`]).
pub(crate) fn aggregate(d: Dialect, key: AggKey) -> String {
    let (key, from) = group(d, key);
    let answered = "(answered_at IS NOT NULL OR status = 'completed')";
    format!(
        "SELECT {key} AS k, status, hangup_category, hangup_cause, cost_currency,
            COUNT(*),
            CAST(SUM(CASE WHEN {answered} THEN 1 ELSE 0 END) AS BIGINT),
            CAST(SUM(CASE WHEN {answered} THEN duration_s END) AS BIGINT),
            COUNT(CASE WHEN {answered} THEN duration_s END),
            CAST(SUM(CASE WHEN {answered} THEN talk_time_s END) AS BIGINT),
            COUNT(CASE WHEN {answered} THEN talk_time_s END),
            {cost},
            CAST(SUM(CASE WHEN {answered} AND duration_s < {short} THEN 1 ELSE 0 END) AS BIGINT),
            CAST(SUM(CASE WHEN {answered} AND cost_amount IS NULL THEN 1 ELSE 0 END) AS BIGINT)
         FROM {from}
         WHERE {filter}
         GROUP BY 1, 2, 3, 4, 5",
        cost = cost_sum(d),
        filter = report_filter(d),
        short = super::SHORT_CALL_S,
    )
}

/// Every account's sync state, for `fleet status` (PostgreSQL joins its
/// claims to these columns).
pub(crate) const SYNC_STATES: &str =
    "SELECT provider, account, status, pages_done, calls_seen, range_since, range_until, synced_until
     FROM sync_state ORDER BY provider, account";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_types_follow_the_dialect() {
        assert_eq!(
            count(Sqlite),
            "SELECT COUNT(*) FROM calls WHERE (?1 IS NULL OR provider = ?1) AND (?2 IS NULL OR account = ?2)"
        );
        assert!(count(Postgres).contains("$1::text IS NULL OR provider = $1::text"));
        assert!(write_state(Postgres).contains("$6::text::jsonb"));
        assert!(write_state(Postgres).contains("$10::timestamptz"));
        assert!(!write_state(Sqlite).contains("::"));
        assert!(keep_reject(Postgres).contains("(provider, account, raw_md5)"));
        assert!(rejects(Sqlite).ends_with("ORDER BY rowid"));
        assert!(ids(Postgres).ends_with("ORDER BY id COLLATE \"C\""));
    }

    #[test]
    fn every_group_key_has_an_expression_in_both_dialects() {
        for key in [
            AggKey::None,
            AggKey::Provider,
            AggKey::Day,
            AggKey::Week,
            AggKey::Month,
            AggKey::Agent,
            AggKey::Campaign,
            AggKey::Line,
        ] {
            for d in [Sqlite, Postgres] {
                let sql = aggregate(d, key);
                assert!(sql.contains("GROUP BY 1, 2, 3, 4, 5"), "{sql}");
                assert_eq!(sql.contains("::"), d == Postgres, "{d:?} {key:?}");
            }
        }
    }

    #[test]
    fn a_changed_call_overwrites_all_but_its_key_and_first_sighting() {
        let set = on_call_conflict(Via::Api);
        assert!(
            set.contains(
                "from_number = CASE WHEN calls.seen_via = 'api' THEN excluded.from_number"
            )
        );
        assert!(set.contains("raw = CASE WHEN calls.seen_via = 'api' THEN excluded.raw"));
        let hook = on_call_conflict(Via::Webhook);
        assert!(hook.contains("COALESCE(calls.cost_amount, excluded.cost_amount)"));
        assert!(hook.contains("COALESCE(NULLIF(calls.tags, '[]'), excluded.tags)"));
        assert!(!set.contains("provider = excluded"));
        assert!(!set.contains(" id = excluded"));
        assert!(!set.contains("first_seen_at"));
    }
}
