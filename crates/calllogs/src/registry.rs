//! Builds any compiled-in provider by id, from [`Settings`]: the
//! [`REGISTRY`] of this build, made from the crate root's `providers!`
//! table, and functions over it.

use calllogs_core::{DynProvider, ProviderInfo, Settings};

pub use calllogs_core::registry::{Registry, RegistryError};

/// Every provider id calllogs knows, compiled in or not (the table in
/// the crate root).
pub const KNOWN: &[&str] = crate::KNOWN;

/// The providers of this build: hand it to what looks providers up by id
/// (`calllogs.toml`, the fleet, the connectors).
pub static REGISTRY: Registry = Registry::new(crate::KNOWN, crate::COMPILED);

/// The providers compiled into this build, in [`KNOWN`]'s order.
pub fn providers() -> Vec<&'static ProviderInfo> {
    REGISTRY.providers().to_vec()
}

/// The information of provider `id`.
pub fn info(id: &str) -> Result<&'static ProviderInfo, RegistryError> {
    REGISTRY.info(id)
}

/// Builds provider `id` from `settings`.
pub fn build(id: &str, settings: &Settings) -> Result<DynProvider, RegistryError> {
    REGISTRY.build(id, settings)
}
