//! calllogs: call logs (CDRs) from telephony and voice-AI providers in one
//! shape.
//!
//! This crate re-exports [`calllogs_core`] (the [`Call`] model, the
//! hangup-cause taxonomy, [`CallQuery`], the [`Provider`] trait) and, behind
//! one Cargo feature per provider, each provider crate. A downstream crate
//! compiles only the providers it names:
//!
//! ```toml
//! [dependencies]
//! calllogs = { version = "0.1", default-features = false, features = ["plivo"] }
//! ```
//!
//! Every compiled-in provider is built the same way, by id, from
//! [`Settings`]:
//!
//! ```
//! use calllogs::{registry, Settings};
//! for info in registry::providers() {
//!     println!("{}: {}", info.id, info.name);
//! }
//! assert!(matches!(registry::build("nope", &Settings::new()), Err(registry::RegistryError::Unknown(_))));
//! ```

#![warn(missing_docs)]

pub use calllogs_core::*;

pub mod flat;
pub mod registry;
#[cfg(feature = "sync")]
pub mod report;
#[cfg(feature = "sync")]
pub mod store;
#[cfg(feature = "sync")]
pub mod sync;

/// The Plivo provider (feature `plivo`).
#[cfg(feature = "plivo")]
pub use calllogs_plivo as plivo;

/// The SuperU provider (feature `superu`).
#[cfg(feature = "superu")]
pub use calllogs_superu as superu;

/// The NectarDesk provider (feature `nectardesk`).
#[cfg(feature = "nectardesk")]
pub use calllogs_nectardesk as nectardesk;

/// The Unpod provider (feature `unpod`).
#[cfg(feature = "unpod")]
pub use calllogs_unpod as unpod;
// new-provider: re-exports
