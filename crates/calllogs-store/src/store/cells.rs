//! Rows read back, written once for both backends: each backend says how
//! to read a text, an integer and a time from one of its rows ([`Cells`]),
//! and the shared statements' rows ([`super::sql`]) become the store's
//! types here.

use chrono::{DateTime, Utc};

use super::{AggRow, Stored, StoredReject, SyncState};
use crate::store::StoreError;

/// One row of a shared statement, whichever backend read it.
pub(crate) trait Cells {
    /// Column `i` as text (NULL: `None`).
    fn text(&self, i: usize) -> Result<Option<String>, StoreError>;
    /// Column `i` as an integer (NULL: `None`).
    fn int(&self, i: usize) -> Result<Option<i64>, StoreError>;
    /// Column `i` as a time (NULL, or text that is not a time: `None`).
    fn time(&self, i: usize) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Column `i`, which the schema makes NOT NULL, as text.
    fn required(&self, i: usize) -> Result<String, StoreError> {
        Ok(self.text(i)?.unwrap_or_default())
    }

    /// Column `i` as a count (NULL or negative: 0).
    fn count(&self, i: usize) -> Result<u64, StoreError> {
        Ok(self.int(i)?.unwrap_or(0).max(0) as u64)
    }
}

/// A row of [`super::sql::state`] of `provider`/`account`.
pub(crate) fn sync_state(
    r: &impl Cells,
    provider: &str,
    account: &str,
) -> Result<SyncState, StoreError> {
    Ok(SyncState {
        running: r.text(0)?.as_deref() == Some("running"),
        since: r.time(1)?,
        until: r.time(2)?,
        checkpoint: SyncState::checkpoint_from(r.text(3)?, provider, account)?,
        pages_done: r.count(4)?,
        calls_seen: r.count(5)?,
        synced_until: r.time(6)?,
        count_mismatches: SyncState::mismatches_from(r.text(7)?),
        updated_since: r.time(8)?,
    })
}

/// A row of [`super::sql::get`].
pub(crate) fn stored(r: &impl Cells) -> Result<Stored, StoreError> {
    Ok(Stored {
        id: r.required(0)?,
        status: r.required(1)?,
        cost_amount: r.text(2)?,
        cost_currency: r.text(3)?,
        raw: r.text(4)?,
        seen_via: r.required(5)?,
    })
}

/// A row of [`super::sql::delivery_rows`].
pub(crate) fn delivery_row(r: &impl Cells) -> Result<super::DeliveryRow, StoreError> {
    Ok(super::DeliveryRow {
        provider: r.required(0)?,
        account: r.required(1)?,
        id: r.required(2)?,
        seen_via: r.required(3)?,
        status: r.required(4)?,
        duration_s: r.int(5)?,
        cost_amount: r.text(6)?,
        first_seen_at: r.time(7)?,
        ended_at: r.time(8)?,
        hook_status: r.text(9)?,
        hook_duration_s: r.int(10)?,
        hook_cost_amount: r.text(11)?,
    })
}

/// A row of [`super::sql::rejects`].
pub(crate) fn reject(r: &impl Cells) -> Result<StoredReject, StoreError> {
    Ok(StoredReject {
        provider: r.required(0)?,
        account: r.required(1)?,
        reason: r.required(2)?,
        raw: r.required(3)?,
    })
}

/// A row of [`super::sql::aggregate`].
pub(crate) fn agg_row(r: &impl Cells) -> Result<AggRow, StoreError> {
    Ok(AggRow {
        key: r.text(0)?,
        status: r.required(1)?,
        category: r.text(2)?,
        cause: r.text(3)?,
        currency: r.text(4)?,
        calls: r.int(5)?.unwrap_or(0),
        answered: r.int(6)?.unwrap_or(0),
        duration: (r.int(7)?.unwrap_or(0), r.int(8)?.unwrap_or(0)),
        talk: (r.int(9)?.unwrap_or(0), r.int(10)?.unwrap_or(0)),
        cost: r.text(11)?,
        short: r.int(12)?.unwrap_or(0),
        unpriced: r.int(13)?.unwrap_or(0),
    })
}

/// A row of [`super::sql::SYNC_STATES`] (and the first columns PostgreSQL's
/// fleet query shares with it).
pub(crate) fn account_status(r: &impl Cells) -> Result<super::AccountStatus, StoreError> {
    Ok(super::AccountStatus {
        provider: r.required(0)?,
        account: r.required(1)?,
        state: r.text(2)?,
        pages_done: r.count(3)?,
        calls_seen: r.count(4)?,
        range_since: r.time(5)?,
        range_until: r.time(6)?,
        synced_until: r.time(7)?,
        ..super::AccountStatus::default()
    })
}
