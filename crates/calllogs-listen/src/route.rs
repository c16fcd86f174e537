//! One route per account: its provider's webhooks and the keys it verifies with.

use calllogs_core::secrecy::SecretString;
use calllogs_core::webhook::{KeyKind, Keys, WebhookInfo};
use calllogs_core::{ProviderInfo, Settings};

/// One account's route, `POST /hooks/{account}`.
#[derive(Debug, Clone)]
pub struct Route {
    /// The account's name (the path segment, and its label in the store).
    pub account: String,
    /// Its provider.
    pub provider: &'static str,
    /// How its provider's webhooks are verified and read.
    pub webhook: &'static WebhookInfo,
    /// What it verifies with.
    pub keys: Keys,
    /// The full URL the provider was given, where it differs from the one
    /// the server sees (behind a proxy). `None`: the server's own view (or
    /// the listener's public base URL).
    pub public_url: Option<String>,
}

/// Why an account cannot be listened for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// Its provider has no webhooks calllogs knows.
    #[error(
        "account {account}: calllogs does not take {provider}'s webhooks (it takes those of {known})"
    )]
    NoWebhooks {
        /// The account.
        account: String,
        /// Its provider.
        provider: String,
        /// The providers whose webhooks calllogs takes.
        known: String,
    },
    /// The key its provider signs with is not configured.
    #[error("account {account}: {what} is needed to verify {provider}'s webhooks")]
    NoKey {
        /// The account.
        account: String,
        /// Its provider.
        provider: String,
        /// What to set.
        what: String,
    },
}

impl Route {
    /// The route of an account of `info`, from its `settings` (credentials)
    /// and its webhook keys: `secret` (`webhook_secret`; for providers that
    /// sign with a credential, that credential when not given),
    /// `public_key` (`webhook_public_key`), `public_url`.
    pub fn new(
        account: &str,
        info: &'static ProviderInfo,
        settings: &Settings,
        secret: Option<SecretString>,
        public_key: Option<String>,
        public_url: Option<String>,
        known: &str,
    ) -> Result<Route, RouteError> {
        let webhook = info.webhook.ok_or_else(|| RouteError::NoWebhooks {
            account: account.into(),
            provider: info.name.into(),
            known: known.into(),
        })?;
        let no_key = |what: String| RouteError::NoKey {
            account: account.into(),
            provider: info.name.into(),
            what,
        };
        let keys = match webhook.key {
            KeyKind::Secret { default_credential } => {
                let secret = secret
                    .or_else(|| default_credential.and_then(|c| settings.get_credential(c)))
                    .ok_or_else(|| {
                        no_key(match default_credential {
                            Some(c) => format!("webhook_secret (or the credential {c})"),
                            None => "webhook_secret".into(),
                        })
                    })?;
                Keys {
                    secret: Some(secret),
                    ..Keys::default()
                }
            }
            KeyKind::PublicKey => {
                let key = public_key
                    .filter(|k| {
                        calllogs_core::webhook::crypto::unb64(k).is_some_and(|b| b.len() == 32)
                    })
                    .ok_or_else(|| no_key("webhook_public_key (base64 of 32 bytes)".into()))?;
                Keys {
                    public_key: Some(key),
                    ..Keys::default()
                }
            }
        };
        Ok(Route {
            account: account.into(),
            provider: info.id,
            webhook,
            keys: Keys {
                tolerance: calllogs_core::webhook::DEFAULT_TOLERANCE,
                ..keys
            },
            public_url,
        })
    }
}
