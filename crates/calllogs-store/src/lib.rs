//! Where calls are kept: the store (SQLite, the embedded default) with its
//! versioned migrations, the incremental resumable [`sync`] of a provider
//! into it, the [`flat`] row shared by the store and CSV exports, and the
//! [`report`] computed from it.
//!
//! The facade re-exports this crate behind its `sync` feature
//! (`calllogs::store`, `calllogs::sync`, …); a library user who only
//! fetches never compiles SQLite.

#![warn(missing_docs)]

pub mod flat;
pub mod report;
pub mod store;
pub mod sync;
