//! A provider's own usage totals for calls, per day: what it bills, set
//! beside the calls it lists (`calllogs audit`). Few providers publish
//! them (Twilio's daily usage records do); [`crate::Provider::usage`] is
//! `None` for the rest.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// One day of a provider's usage totals for voice calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsageDay {
    /// The day (UTC, as the provider counts it).
    pub day: NaiveDate,
    /// Calls the provider counted (call legs, as its call list has them).
    pub calls: u64,
    /// Minutes billed (each call rounded up to the minute, where the
    /// provider bills so).
    pub minutes: u64,
    /// The price of that usage, a positive decimal text, exact.
    pub price: Option<String>,
    /// Its currency, upper case (`USD`).
    pub currency: Option<String>,
    /// When the provider computed the totals (today's grow during the day).
    pub as_of: Option<DateTime<Utc>>,
}

/// The most pages a usage listing may take: a month of days fits in one
/// page of every provider that has one; a link that keeps going is a
/// paging fault, not more data.
pub const MAX_USAGE_PAGES: usize = 100;
