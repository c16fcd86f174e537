//! The application JWT Vonage's Voice API takes: RS256, signed with the
//! application's private key, claims `application_id`, `iat`, `exp` and a
//! unique `jti`; short-lived, and signed again shortly before it expires.
//! Signing is `jsonwebtoken`'s (on aws-lc-rs, which rustls builds anyway),
//! never written here.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use calllogs_core::secrecy::{ExposeSecret, SecretString};
use calllogs_core::{Error, Result};
use jsonwebtoken::{Algorithm, EncodingKey, Header};

/// How long a token lives.
pub const LIFETIME: Duration = Duration::from_secs(15 * 60);
/// A token this close to expiring is not used again.
const MARGIN: Duration = Duration::from_secs(60);

#[derive(serde::Serialize)]
struct Claims<'a> {
    application_id: &'a str,
    iat: u64,
    exp: u64,
    jti: String,
}

/// Signs tokens for one application, reusing one until shortly before it
/// expires.
pub struct Signer {
    application_id: String,
    key: EncodingKey,
    current: Mutex<Option<(SecretString, SystemTime)>>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key, never the token.
        f.debug_struct("Signer")
            .field("application_id", &self.application_id)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer for `application_id` with the private key `pem` (PKCS#8 or
    /// PKCS#1 PEM); an error naming the setting (never its value) when the
    /// key is not one.
    pub fn new(application_id: &str, pem: &SecretString) -> Result<Self> {
        let key = EncodingKey::from_rsa_pem(pem.expose_secret().as_bytes()).map_err(|e| {
            Error::Config {
                provider: crate::ID,
                message: format!(
                    "{} is not an RSA private key in PEM (a path to the application's private.key, or its text): {e}",
                    crate::PRIVATE_KEY
                ),
            }
        })?;
        Ok(Signer {
            application_id: application_id.to_string(),
            key,
            current: Mutex::new(None),
        })
    }

    /// A token valid for at least another minute: the current one, or a
    /// new one signed now.
    pub fn token(&self) -> Result<SecretString> {
        self.token_at(SystemTime::now())
    }

    /// [`Signer::token`] at `now`.
    pub fn token_at(&self, now: SystemTime) -> Result<SecretString> {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((token, expires)) = current.as_ref()
            && now + MARGIN < *expires
        {
            return Ok(token.clone());
        }
        let iat = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let claims = Claims {
            application_id: &self.application_id,
            iat,
            exp: iat + LIFETIME.as_secs(),
            jti: format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..)),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &self.key)
            .map_err(|e| Error::Config {
                provider: crate::ID,
                message: format!("cannot sign the application JWT: {e}"),
            })?;
        let token = SecretString::from(token);
        *current = Some((token.clone(), now + LIFETIME));
        Ok(token)
    }
}

/// The private key a setting holds: a path to the key file, or the PEM
/// itself (with real newlines, or `\n` escapes as environment variables
/// often carry them).
pub fn read_key(value: &SecretString) -> Result<SecretString> {
    let v = value.expose_secret().trim();
    if v.contains("-----BEGIN") {
        return Ok(SecretString::from(v.replace("\\n", "\n")));
    }
    std::fs::read_to_string(v)
        .map(SecretString::from)
        .map_err(|e| Error::Config {
            provider: crate::ID,
            message: format!(
                "{} is neither a PEM key nor a readable key file: {e}",
                crate::PRIVATE_KEY
            ),
        })
}
