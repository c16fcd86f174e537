//! Settings a provider is built from: base URL, credentials, options and the
//! HTTP layer's settings. The registry and the CLI build every provider the
//! same way from these.

use std::collections::BTreeMap;
use std::fmt;

use secrecy::SecretString;

use crate::error::{Error, Result};
use crate::http::HttpConfig;

/// How to build a provider.
///
/// Credentials are named by the environment variable that would hold them
/// (`PLIVO_AUTH_TOKEN`); a credential not given here is read from that
/// variable unless [`Settings::without_env`] was called. They are held as
/// [`SecretString`]s and `Debug` shows only their names.
///
/// ```
/// use calllogs_core::Settings;
/// let s = Settings::new().without_env().credential("PLIVO_AUTH_TOKEN", "sentinel-secret");
/// assert!(!format!("{s:?}").contains("sentinel-secret"));
/// assert!(s.get_credential("PLIVO_AUTH_TOKEN").is_some());
/// assert!(s.get_credential("PLIVO_AUTH_ID").is_none());
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct Settings {
    /// The API's base URL, instead of the provider's default.
    pub base_url: Option<String>,
    /// Provider options (paths, ids) by name.
    pub options: BTreeMap<String, String>,
    /// The HTTP layer's settings.
    pub http: HttpConfig,
    /// Allow a plain `http://` base URL to a host other than this machine.
    pub allow_insecure: bool,
    credentials: BTreeMap<String, SecretString>,
    no_env: bool,
}

impl Settings {
    /// Empty settings that fall back to the environment for credentials.
    pub fn new() -> Self {
        Settings::default()
    }
    /// Never read credentials from the environment.
    pub fn without_env(mut self) -> Self {
        self.no_env = true;
        self
    }
    /// Sets the base URL.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    /// Sets a credential, named by its environment variable.
    pub fn credential(mut self, name: &str, value: impl Into<String>) -> Self {
        self.credentials
            .insert(name.to_string(), SecretString::from(value.into()));
        self
    }
    /// Sets an option.
    pub fn option(mut self, name: &str, value: impl Into<String>) -> Self {
        self.options.insert(name.to_string(), value.into());
        self
    }
    /// Allows a plain `http://` base URL to another host.
    pub fn allow_insecure(mut self) -> Self {
        self.allow_insecure = true;
        self
    }
    /// Sets the HTTP settings.
    pub fn http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }

    /// The credential `name`: given, or from the environment.
    pub fn get_credential(&self, name: &str) -> Option<SecretString> {
        self.credentials.get(name).cloned().or_else(|| {
            (!self.no_env)
                .then(|| std::env::var(name).ok())
                .flatten()
                .filter(|v| !v.trim().is_empty())
                .map(SecretString::from)
        })
    }

    /// The credential `name`, or a configuration error that names it.
    pub fn require_credential(&self, provider: &'static str, name: &str) -> Result<SecretString> {
        self.get_credential(name)
            .ok_or_else(|| missing_credential(provider, name))
    }

    /// Whether the base URL points at this machine (`127.0.0.1`, `::1`,
    /// `localhost`): an emulator (or a proxy) of the user's own.
    pub fn is_loopback(&self) -> bool {
        self.base_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .is_some_and(|u| match u.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                None => false,
            })
    }

    /// The settings with no provider default rate limit where the base URL
    /// is this machine's and none was set ([`LOOPBACK_RATE_LIMIT`]): a
    /// provider's polite default is for its own servers, not an emulator.
    pub fn unthrottled_on_loopback(mut self) -> Self {
        if self.http.rate_limit.is_none() && self.is_loopback() {
            self.http.rate_limit = Some(LOOPBACK_RATE_LIMIT);
        }
        self
    }

    /// The option `name`.
    pub fn get_option(&self, name: &str) -> Option<&str> {
        self.options.get(name).map(String::as_str)
    }

    /// The option `name`, else the environment variable `env` (unless
    /// [`Settings::without_env`]).
    pub fn option_or_env(&self, name: &str, env: &str) -> Option<String> {
        self.get_option(name).map(str::to_string).or_else(|| {
            (!self.no_env)
                .then(|| std::env::var(env).ok())
                .flatten()
                .filter(|v| !v.trim().is_empty())
        })
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("base_url", &self.base_url)
            .field("options", &self.options)
            .field("http", &self.http)
            .field("allow_insecure", &self.allow_insecure)
            .field("credentials", &self.credentials.keys().collect::<Vec<_>>())
            .field("no_env", &self.no_env)
            .finish()
    }
}

/// The rate limit against a base URL on this machine when none is set:
/// high enough never to be what a pull waits on.
pub const LOOPBACK_RATE_LIMIT: f64 = 100_000.0;

/// The error for a credential that is not set, naming it and where it comes from.
pub fn missing_credential(provider: &'static str, name: &str) -> Error {
    Error::Config {
        provider,
        message: format!(
            "the credential {name} is not set (set the environment variable or pass it in the settings)"
        ),
    }
}

/// A credential a provider was built with, or the error that names it.
pub fn present<'a>(
    provider: &'static str,
    name: &str,
    value: &'a Option<SecretString>,
) -> Result<&'a SecretString> {
    value
        .as_ref()
        .ok_or_else(|| missing_credential(provider, name))
}

/// The account label of a provider whose account is identified by
/// `identity` (an auth id, an org handle, a key): its [`fingerprint`], or
/// `default` when there is none.
pub fn account_label(identity: Option<&str>) -> String {
    identity.map_or_else(|| "default".into(), fingerprint)
}

/// A short, stable label for an account identifier that must not be shown
/// (an auth id, an API key): `acct-` and 12 hex digits of its FNV-1a hash.
///
/// ```
/// use calllogs_core::settings::fingerprint;
/// let f = fingerprint("MAXXXXXXXXXXXXXXXXXX");
/// assert!(f.starts_with("acct-") && f.len() == 17);
/// assert_eq!(f, fingerprint("MAXXXXXXXXXXXXXXXXXX"));
/// assert!(!f.contains("MAXX"));
/// ```
pub fn fingerprint(identity: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in identity.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("acct-{:012x}", h >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_base_url_on_this_machine_goes_unthrottled() {
        for (url, local) in [
            ("http://127.0.0.1:8080", true),
            ("http://[::1]:9000/api", true),
            ("http://LOCALHOST:1", true),
            ("https://api.vapi.ai", false),
            ("http://127.0.0.2.example.invalid", false),
            ("not a url", false),
        ] {
            let s = Settings::new().base_url(url).unthrottled_on_loopback();
            assert_eq!(s.is_loopback(), local, "{url}");
            assert_eq!(s.http.rate_limit.is_some(), local, "{url}");
        }
        assert!(!Settings::new().is_loopback(), "the provider's own host");
        // A limit the user set stays.
        let mut s = Settings::new().base_url("http://127.0.0.1:1");
        s.http.rate_limit = Some(3.0);
        assert_eq!(s.unthrottled_on_loopback().http.rate_limit, Some(3.0));
    }
}
