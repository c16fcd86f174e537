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
