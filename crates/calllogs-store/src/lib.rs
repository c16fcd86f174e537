//! Where calls are kept: the [`store`] (SQLite, the embedded default, or
//! PostgreSQL) with its versioned migrations, the incremental resumable
//! [`sync`] of a provider into it, the [`claims`] that let many processes
//! share one fleet on PostgreSQL, and the [`flat`] row shared by the store
//! and CSV exports. The report computed from it is `calllogs-report`.
//!
//! The facade re-exports this crate behind its `sync` feature
//! (`calllogs::store`, `calllogs::sync`, …); a library user who only
//! fetches never compiles SQLite.

#![warn(missing_docs)]

pub mod decimal;
pub mod delivery;
pub mod flat;
pub mod peer;
pub mod store;
pub mod sync;

/// The claims of many processes sharing one fleet: part of the PostgreSQL
/// backend (`store::postgres::claims`), named here as the facade shows it.
#[cfg(feature = "postgres")]
pub use store::postgres::claims;
