//! Builds any compiled-in provider by id, from [`Settings`].

use calllogs_core::{DynProvider, ProviderInfo, Settings};

/// Every provider id calllogs knows, compiled in or not (the table in
/// the crate root).
pub const KNOWN: &[&str] = crate::KNOWN;

/// The providers compiled into this build, in [`KNOWN`]'s order.
pub fn providers() -> Vec<&'static ProviderInfo> {
    crate::COMPILED.to_vec()
}

/// Why a provider could not be had.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// No provider has this id.
    #[error("unknown provider {0:?} (known: {known})", known = KNOWN.join(", "))]
    Unknown(String),
    /// The provider exists but its Cargo feature is off in this build.
    #[error(
        "provider {0:?} is not compiled into this build (enable the `{0}` feature of the calllogs crate)"
    )]
    NotCompiled(String),
    /// The provider could not be built from the settings.
    #[error(transparent)]
    Build(#[from] calllogs_core::Error),
}

/// The information of provider `id`.
pub fn info(id: &str) -> Result<&'static ProviderInfo, RegistryError> {
    let id = id.trim().to_ascii_lowercase();
    if let Some(info) = providers().into_iter().find(|p| p.id == id) {
        return Ok(info);
    }
    if KNOWN.contains(&id.as_str()) {
        Err(RegistryError::NotCompiled(id))
    } else {
        Err(RegistryError::Unknown(id))
    }
}

/// Builds provider `id` from `settings`.
pub fn build(id: &str, settings: &Settings) -> Result<DynProvider, RegistryError> {
    Ok((info(id)?.build)(settings)?)
}
