//! Many accounts: the [`config`] model of `calllogs.toml` (accounts,
//! `${VAR}` credentials, permissions, validation against the providers of
//! a [`calllogs_core::Registry`]), and running every account of it into one
//! store (feature `sync`, [`sync`] and [`check`]): locally `jobs` at a
//! time, and on PostgreSQL under the store's claims, so any number of
//! processes share one fleet.
//!
//! The facade re-exports it as `calllogs::fleet` (and `calllogs::config`).

#![warn(missing_docs)]

pub mod config;
#[cfg(feature = "sync")]
mod run;

#[cfg(feature = "sync")]
pub use run::*;
