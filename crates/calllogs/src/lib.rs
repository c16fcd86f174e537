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
//! assert!(matches!(registry::build("nope", &Settings::new()), Err(registry::RegistryError::Unknown { .. })));
//! ```

#![warn(missing_docs)]

pub use calllogs_core::*;

/// What a program that pulls calls uses, in one `use calllogs::prelude::*`:
/// the query and the record, the provider streams, the registry, the
/// stream extension traits (`futures`) and the time types (`chrono`), so
/// the one `calllogs` dependency (and a tokio runtime) is enough.
pub mod prelude {
    pub use crate::registry;
    pub use calllogs_core::{
        Call, CallQuery, Direction, DynProvider, HangupCause, ProviderStreams, Settings, Status,
    };
    pub use chrono::{DateTime, Duration, Utc};
    pub use futures::{StreamExt, TryStreamExt};
}

/// The time types, as the public API uses them.
pub use chrono;
/// The stream types and extension traits, as the public API uses them.
pub use futures;

/// The README's Rust examples, compiled as doctests (`cargo test --doc`):
/// an example that no longer builds fails CI.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

/// The report, its HTML page, the alerts and the cost audit (feature `sync`): the
/// `calllogs-report` crate.
#[cfg(feature = "sync")]
pub use calllogs_report::{alerts, audit, html, report};
/// The claims of many processes sharing one fleet on PostgreSQL (feature
/// `postgres`).
#[cfg(feature = "postgres")]
pub use calllogs_store::claims;
/// The store, sync, fleet claims and flat rows (feature `sync`): the
/// `calllogs-store` crate.
#[cfg(feature = "sync")]
pub use calllogs_store::{flat, store, sync};

/// The Airbyte protocol and the Singer spec (feature `connector`): the
/// `calllogs-connect` crate.
#[cfg(feature = "connector")]
pub use calllogs_connect as connector;
/// Many accounts into one store (features `config` and `sync`): the
/// `calllogs-fleet` crate.
#[cfg(all(feature = "config", feature = "sync"))]
pub use calllogs_fleet as fleet;
/// `calllogs.toml` (feature `config`): the `calllogs-fleet` crate's model.
#[cfg(feature = "config")]
pub use calllogs_fleet::config;
#[cfg(feature = "listen")]
pub use calllogs_listen as listen;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod registry;

/// The registration table: one line per provider, `id = "feature"`, where
/// `id` is both the provider's id and its crate's name in this crate (an
/// optional dependency of the same name, which is also its feature). It
/// gives the crate's re-export (`calllogs::plivo`), the registry's list of
/// known ids and the providers compiled in, and with the `emulator`
/// feature their emulators; nothing else in the workspace names a provider
/// (the CLI's flags, the emulators' tests, xtask's checks all come from
/// the registry).
macro_rules! providers {
    ($($id:ident = $feature:literal),* $(,)?) => {
        $(
            #[doc = concat!("The `", $feature, "` provider (feature `", $feature, "`): the `calllogs-", $feature, "` crate.")]
            #[cfg(feature = $feature)]
            pub use ::$id;
        )*
        /// Every provider id calllogs knows, compiled in or not.
        const KNOWN: &[&str] = &[$($feature),*];
        /// The providers compiled in, one per enabled feature.
        const COMPILED: &[&ProviderInfo] = &[$(#[cfg(feature = $feature)] &$id::INFO,)*];
        /// The emulators of the providers compiled in.
        #[cfg(feature = "emulator")]
        const EMULATORS: &[(&str, emulator::Build)] =
            &[$(#[cfg(feature = $feature)] ($feature, $id::emulator::api),)*];
    };
}

providers! {
    plivo = "plivo",
    superu = "superu",
    nectardesk = "nectardesk",
    unpod = "unpod",
    twilio = "twilio",
    vapi = "vapi",
    retell = "retell",
    elevenlabs = "elevenlabs",
    bland = "bland",
    aircall = "aircall",
    telnyx = "telnyx",
    vonage = "vonage",
    // new-provider: registry
}
