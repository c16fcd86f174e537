//! The report: call KPIs from the store (answer-seizure ratio, average call
//! duration, network effectiveness, talk time, cost, and the status,
//! hangup-category and cause breakdowns, overall and by group), computed in
//! SQL on either backend ([`report`]), and the one self-contained HTML page
//! that shows them ([`html`]); and [`alerts`], what changed against the
//! weeks before and what costs money it should not; and [`audit`], the
//! cost audit per account and day, beside the provider's usage totals.
//!
//! The facade re-exports it behind its `sync` feature (`calllogs::report`,
//! `calllogs::html`).

#![warn(missing_docs)]

pub mod alerts;
pub mod audit;
pub mod costs;
pub mod html;
mod money;
pub mod report;
