//! The providers a build knows, as a value: the facade makes one from its
//! `providers!` table ([`Registry::new`]), and whatever needs to look a
//! provider up by id (the `calllogs.toml` reader, the fleet, the
//! connectors, the CLI) is handed it, so none of them depends on the
//! facade or names a provider.

use crate::provider::{DynProvider, ProviderInfo};
use crate::settings::Settings;

/// The providers of a build: every id calllogs knows, and those compiled in.
#[derive(Debug, Clone, Copy)]
pub struct Registry {
    known: &'static [&'static str],
    compiled: &'static [&'static ProviderInfo],
}

/// Why a provider could not be had.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// No provider has this id.
    #[error("unknown provider {id:?} (known: {known})", known = known.join(", "))]
    Unknown {
        /// The id asked for.
        id: String,
        /// The ids calllogs knows.
        known: &'static [&'static str],
    },
    /// The provider exists but its Cargo feature is off in this build.
    #[error(
        "provider {0:?} is not compiled into this build (enable the `{0}` feature of the calllogs crate)"
    )]
    NotCompiled(String),
    /// The provider could not be built from the settings.
    #[error(transparent)]
    Build(#[from] crate::Error),
}

impl Registry {
    /// A registry of `compiled` providers out of the `known` ids.
    pub const fn new(
        known: &'static [&'static str],
        compiled: &'static [&'static ProviderInfo],
    ) -> Self {
        Registry { known, compiled }
    }

    /// Every provider id calllogs knows, compiled in or not.
    pub fn known(&self) -> &'static [&'static str] {
        self.known
    }

    /// The providers compiled into this build.
    pub fn providers(&self) -> &'static [&'static ProviderInfo] {
        self.compiled
    }

    /// The information of provider `id` (any case, spaces trimmed).
    pub fn info(&self, id: &str) -> Result<&'static ProviderInfo, RegistryError> {
        let id = id.trim().to_ascii_lowercase();
        if let Some(info) = self.compiled.iter().copied().find(|p| p.id == id) {
            return Ok(info);
        }
        if self.known.contains(&id.as_str()) {
            Err(RegistryError::NotCompiled(id))
        } else {
            Err(RegistryError::Unknown {
                id,
                known: self.known,
            })
        }
    }

    /// Builds provider `id` from `settings`.
    pub fn build(&self, id: &str, settings: &Settings) -> Result<DynProvider, RegistryError> {
        Ok((self.info(id)?.build)(settings)?)
    }
}
