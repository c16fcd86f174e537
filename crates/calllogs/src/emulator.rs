//! The emulators of this build's providers (feature `emulator`), by id:
//! each provider crate owns its emulator (`calllogs_<p>::emulator`), and
//! `calllogs-emulator` serves it. Everything of `calllogs-emulator` is here
//! too (`Config`, `Running`, …), with [`start`] taking a provider id.

use std::sync::Arc;

pub use calllogs_emulator::*;

/// What a provider crate's `emulator::api` is.
pub type Build = fn(&Config) -> Arc<dyn Api>;

/// The providers with an emulator in this build, in the registry's order.
pub fn providers() -> Vec<&'static str> {
    crate::EMULATORS.iter().map(|(id, _)| *id).collect()
}

/// The emulated API of provider `id`, with the credentials of `config`.
pub fn api(id: &str, config: &Config) -> Option<Arc<dyn Api>> {
    let id = id.trim().to_ascii_lowercase();
    crate::EMULATORS
        .iter()
        .find(|(p, _)| *p == id)
        .map(|(_, build)| build(config))
}

/// Starts the emulator of provider `id` on 127.0.0.1 (in the current tokio
/// runtime).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use calllogs::emulator::{start, Config};
/// let emu = start("plivo", Config { calls: 50, ..Config::default() }).await.unwrap();
/// assert_eq!(emu.calls().len(), 50);
/// assert!(start("nope", Config::default()).await.is_err());
/// # }
/// ```
pub async fn start(id: &str, config: Config) -> Result<Running, StartError> {
    let api = api(id, &config).ok_or_else(|| StartError::UnknownProvider {
        provider: id.to_string(),
        known: providers(),
    })?;
    calllogs_emulator::start(api, config).await
}

/// Response bodies of provider `id`'s list endpoint, `page_size` calls
/// each, over `calls` generated calls (benchmarks, fixtures).
pub fn sample_pages(id: &str, calls: usize, page_size: usize, seed: u64) -> Option<Vec<Vec<u8>>> {
    let config = Config {
        calls,
        seed,
        ..Config::default()
    };
    let api = api(id, &config)?;
    Some(calllogs_emulator::sample_pages(
        api.as_ref(),
        calls,
        page_size,
        seed,
    ))
}

/// What an emulator signs its webhooks with, and what an account of
/// `calllogs.toml` verifies them with.
#[derive(Clone)]
pub struct WebhookKeys {
    /// The provider's webhooks.
    pub info: &'static calllogs_core::webhook::WebhookInfo,
    /// The shared secret (HMAC schemes), or the Ed25519 seed's owner.
    secret: Option<String>,
    seed: [u8; 32],
    /// What to set for `listen`: (environment variable, value), e.g.
    /// `VAPI_WEBHOOK_SECRET` or `TELNYX_WEBHOOK_PUBLIC_KEY`; empty when the
    /// provider signs with a credential the emulator already exports.
    pub exports: Vec<(String, String)>,
}

impl WebhookKeys {
    /// The keys of `running`'s provider (`None`: calllogs takes no webhooks
    /// of it), derived from `seed`: for a provider that signs with a
    /// credential, that credential; else a demo secret, or a demo Ed25519
    /// key whose public half is exported.
    pub fn of(running: &Running, seed: u64) -> Option<WebhookKeys> {
        use calllogs_core::webhook::{KeyKind, crypto};
        let id = running.provider();
        let info = crate::registry::REGISTRY.info(id).ok()?.webhook?;
        let upper = id.to_ascii_uppercase();
        let derived = crypto::hmac_sha256(b"calllogs-emulator-webhooks", &seed.to_le_bytes());
        let mut seed32 = [0u8; 32];
        seed32.copy_from_slice(&derived[..32]);
        let (secret, exports) = match info.key {
            KeyKind::Secret {
                default_credential: Some(c),
            } => (
                running
                    .credentials()
                    .into_iter()
                    .find(|(k, _)| *k == c)
                    .map(|(_, v)| v),
                Vec::new(),
            ),
            KeyKind::Secret {
                default_credential: None,
            } => {
                let s = format!("whsec_{}", crypto::hex(&derived[..12]));
                (
                    Some(s.clone()),
                    vec![(format!("{upper}_WEBHOOK_SECRET"), s)],
                )
            }
            KeyKind::PublicKey => (
                None,
                vec![(
                    format!("{upper}_WEBHOOK_PUBLIC_KEY"),
                    crypto::b64(&crypto::ed25519_public(&seed32)),
                )],
            ),
        };
        Some(WebhookKeys {
            info,
            secret,
            seed: seed32,
            exports,
        })
    }

    /// The key to sign with.
    pub fn signing(&self) -> calllogs_core::webhook::SigningKey<'_> {
        match &self.secret {
            Some(s) => calllogs_core::webhook::SigningKey::Secret(s),
            None => calllogs_core::webhook::SigningKey::Ed25519Seed(&self.seed),
        }
    }
}
