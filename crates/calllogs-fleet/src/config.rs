//! `calllogs.toml`: the store, defaults, and every account in one file.
//! Provider ids are resolved in the [`Registry`] the caller hands over
//! (the facade's `calllogs::registry::REGISTRY`). The contract is the
//! "Many accounts" section of `call-model.md`.
//!
//! ```
//! use calllogs_fleet::config::{Config, Source};
//! use calllogs::registry::REGISTRY;
//! let text = r#"
//! db = "calls.db"
//! lookback = "24h"
//!
//! [[accounts]]
//! name = "support-desk"
//! provider = "nectardesk"
//! base_url = "https://example.invalid/api/v1"
//! token = "${DESK_TOKEN}"
//! "#;
//! let env = |k: &str| (k == "DESK_TOKEN").then(|| "t0k3n".to_string());
//! let config = Config::parse(text, &Source::private("calllogs.toml"), &env, &REGISTRY).unwrap();
//! assert_eq!(config.accounts[0].name, "support-desk");
//! assert!(config.accounts[0].settings.get_credential("NECTARDESK_ACCESS_TOKEN").is_some());
//! ```

use std::path::{Path, PathBuf};

use calllogs_core::{CallQuery, Settings};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use calllogs_core::{DynProvider, ProviderInfo, Registry, RegistryError};

/// What the file can say at its top level; anything else is an error.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    db: Option<String>,
    lookback: Option<String>,
    first_window: Option<String>,
    rate_limit: Option<f64>,
    concurrency: Option<i64>,
    #[serde(default)]
    accounts: Vec<toml::Table>,
    /// `calllogs alerts`' thresholds (read by [`Config::alert_tables`]).
    alerts: Option<toml::Table>,
}

impl File {
    /// The file at `path`, well-formed TOML with known top-level keys
    /// (nothing resolved or checked further).
    fn read(path: &Path) -> Result<File, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Syntax {
            path: path.to_path_buf(),
            source: e,
        })
    }
}

/// Keys every account may have besides its provider's credentials.
const ACCOUNT_KEYS: &[&str] = &[
    "name",
    "provider",
    "base_url",
    "rate_limit",
    "concurrency",
    "since",
    "filters",
    "page_size",
    "detail",
    "options",
    "lookback",
    "first_window",
    "webhook_secret",
    "webhook_public_key",
    "public_url",
    "direction",
    "alerts",
];

/// The alert thresholds a config file sets, as written (see
/// [`Config::alert_tables`]).
#[derive(Debug, Clone, Default)]
pub struct AlertTables {
    /// `[alerts]`.
    pub global: Option<toml::Table>,
    /// Each account's `[accounts.alerts]`, by account name.
    pub accounts: Vec<(String, toml::Table)>,
}

/// A loaded configuration: credentials resolved, every value checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// The store: a SQLite path (or, later, a `postgres://` URL).
    pub db: Option<String>,
    /// How far before the last sync's end every account re-reads.
    pub lookback: Duration,
    /// The range of an account's first sync without `since`.
    pub first_window: Duration,
    /// The accounts, in file order.
    pub accounts: Vec<Account>,
}

/// One `[[accounts]]` entry.
#[derive(Debug, Clone)]
pub struct Account {
    /// Its label in the store, the report and the summaries; unique in the file.
    pub name: String,
    /// Provider id.
    pub provider: &'static str,
    /// The provider, as the registry the file was read with knows it.
    pub info: &'static ProviderInfo,
    /// Base URL, credentials, rate limit and concurrency, ready for
    /// [`Account::build`]; never read from the environment beyond the
    /// `${VAR}` references the file names.
    pub settings: Settings,
    /// Where a first sync starts, if the file says.
    pub since: Option<DateTime<Utc>>,
    /// The provider's own filters, as `KEY=VALUE` pairs.
    pub filters: Vec<(String, String)>,
    /// Records per page, below the provider's largest (the default).
    pub page_size: Option<u32>,
    /// Whether each call's detail is fetched, for providers that page
    /// list-then-detail (`None`: the provider's default).
    pub detail: Option<bool>,
    /// How far before its last sync's end the account re-reads (its own
    /// `lookback`, else the file's).
    pub lookback: Duration,
    /// The range of its first sync without `since` (its own `first_window`,
    /// else the file's).
    pub first_window: Duration,
    /// What `calllogs listen` verifies its webhooks with.
    pub webhook: WebhookConfig,
    /// Only inbound or only outbound calls (`direction`, or a `direction`
    /// filter), for every provider.
    pub direction: Option<calllogs_core::Direction>,
}

/// An account's webhook settings (`webhook_secret`, `webhook_public_key`,
/// `public_url`); secrets resolved like every credential.
#[derive(Debug, Clone, Default)]
pub struct WebhookConfig {
    /// The shared secret of HMAC schemes (defaults, for providers that sign
    /// with a credential, to that credential: see `calllogs-listen`).
    pub secret: Option<calllogs_core::secrecy::SecretString>,
    /// The public key of signature schemes (Telnyx), base64.
    pub public_key: Option<String>,
    /// The full URL the provider was given, behind a proxy.
    pub public_url: Option<String>,
}

impl Account {
    /// The account's query: its provider's own filters applied (the error
    /// says which filter is wrong; checked when the file was read).
    pub fn query(&self) -> Result<CallQuery, String> {
        let mut q = CallQuery::new();
        q.page_size = self.page_size;
        q.direction = self.direction;
        q.detail = self.detail;
        if !self.filters.is_empty() {
            (self.info.apply_filters)(&mut q, &self.filters)
                .map_err(|m| format!("filters: {m}"))?;
        }
        Ok(q)
    }

    /// The account's provider, built from its settings.
    pub fn build(&self) -> Result<DynProvider, RegistryError> {
        Ok((self.info.build)(&self.settings)?)
    }
}

/// Where the text came from: its path, and whether group and others are
/// kept from reading it (a literal secret is accepted only then).
#[derive(Debug, Clone)]
pub struct Source {
    /// The file, for messages.
    pub path: PathBuf,
    /// Whether only its owner can read it.
    pub private: bool,
}

impl Source {
    /// A file only its owner can read (tests, text built in memory).
    pub fn private(path: impl Into<PathBuf>) -> Self {
        Source {
            path: path.into(),
            private: true,
        }
    }
}

/// What is wrong with a configuration, in one sentence naming the file, the
/// account, the key and the line where one fits.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Not TOML, a key the file cannot have at its top level, or a value of
    /// the wrong type (toml's message names the line and column).
    #[error("{path}: {source}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// toml's error.
        #[source]
        source: toml::de::Error,
    },
    /// Something wrong in one account.
    #[error("{path}: account {account:?}{}: {message}", line.map(|l| format!(" (line {l})")).unwrap_or_default())]
    Account {
        /// The file.
        path: PathBuf,
        /// The account's name (or its position when it has none).
        account: String,
        /// The line, where known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// A connector's JSON config that is not JSON.
    #[error("{path}: not JSON: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// serde_json's error (with the line and column).
        #[source]
        source: serde_json::Error,
    },
    /// A top-level value that cannot be used.
    #[error("{path}: {message}")]
    Value {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl Config {
    /// Reads and checks the file at `path`, resolving `${VAR}` from the
    /// process environment and provider ids in `registry`.
    pub fn load(path: impl AsRef<Path>, registry: &Registry) -> Result<Config, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let source = Source {
            path: path.to_path_buf(),
            private: is_private(path),
        };
        Config::parse(&text, &source, &|k| std::env::var(k).ok(), registry)
    }

    /// Only the `db` of the file at `path` (for the report, which needs no
    /// credential): the file must still be well-formed TOML with known keys.
    pub fn db_of(path: impl AsRef<Path>) -> Result<Option<String>, ConfigError> {
        let path = path.as_ref();
        let file = File::read(path)?;
        let source = Source {
            path: path.to_path_buf(),
            private: is_private(path),
        };
        resolve_db(file.db, &source, &|k| std::env::var(k).ok())
    }

    /// The `[alerts]` table of the file at `path` and each account's own
    /// (`[accounts.alerts]`), by account name, as written: `calllogs
    /// alerts` reads its thresholds from them (and needs no credential).
    pub fn alert_tables(path: impl AsRef<Path>) -> Result<AlertTables, ConfigError> {
        let path = path.as_ref();
        let file = File::read(path)?;
        let mut accounts = Vec::new();
        for (i, a) in file.accounts.iter().enumerate() {
            let Some(t) = a.get("alerts") else { continue };
            let name = a
                .get("name")
                .and_then(toml::Value::as_str)
                .unwrap_or_default();
            let table = t.as_table().cloned().ok_or_else(|| ConfigError::Value {
                path: path.to_path_buf(),
                message: format!("accounts[{i}].alerts must be a table ([accounts.alerts])"),
            })?;
            accounts.push((name.to_string(), table));
        }
        Ok(AlertTables {
            global: file.alerts,
            accounts,
        })
    }

    /// Checks `text`, resolving `${VAR}` with `env` and provider ids in `registry`.
    pub fn parse(
        text: &str,
        source: &Source,
        env: &dyn Fn(&str) -> Option<String>,
        registry: &Registry,
    ) -> Result<Config, ConfigError> {
        let path = &source.path;
        let file: File = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: path.clone(),
            source: e,
        })?;
        let value_error = |message: String| ConfigError::Value {
            path: path.clone(),
            message,
        };
        let span = |key: &str, v: &Option<String>, default: Duration| match v {
            None => Ok(default),
            Some(s) => calllogs_core::parse::span(s).ok_or_else(|| {
                value_error(format!("{key} = {s:?} is not a duration (24h, 7d, 90m)"))
            }),
        };
        let lookback = span("lookback", &file.lookback, Duration::hours(24))?;
        let first_window = span("first_window", &file.first_window, Duration::days(7))?;
        let defaults = Limits::read(file.rate_limit, file.concurrency).map_err(value_error)?;
        let defaults = Defaults {
            limits: defaults,
            lookback,
            first_window,
        };
        let mut accounts: Vec<Account> = Vec::new();
        for (index, table) in file.accounts.iter().enumerate() {
            let account = read_account(text, source, index, table, &defaults, env, registry)?;
            if accounts.iter().any(|a| a.name == account.name) {
                return Err(ConfigError::Account {
                    path: path.clone(),
                    line: line_of(text, index, "name"),
                    message: "the name is used by an earlier account; each account needs its own"
                        .into(),
                    account: account.name,
                });
            }
            accounts.push(account);
        }
        if accounts.is_empty() {
            return Err(value_error("no [[accounts]]: nothing to sync".into()));
        }
        Ok(Config {
            db: resolve_db(file.db, source, env)?,
            lookback,
            first_window,
            accounts,
        })
    }

    /// One account given as JSON: the `[[accounts]]` entry with the same
    /// keys and values (plus its own `lookback` and `first_window`), as the
    /// Airbyte and Singer connectors take it, so one account moves between
    /// `calllogs.toml` and those engines unchanged. `null` values count as
    /// absent (engines write them for optional fields left empty).
    ///
    /// ```
    /// use calllogs_fleet::config::{Config, Source};
    /// use calllogs::registry::REGISTRY;
    /// let json = r#"{"name": "desk", "provider": "nectardesk", "token": "t0k3n",
    ///                "lookback": "48h", "filters": {"callType": "abandoned"}, "since": null}"#;
    /// let account =
    ///     Config::account_json(json, &Source::private("config.json"), &|_| None, &REGISTRY).unwrap();
    /// assert_eq!(account.lookback, chrono::Duration::hours(48));
    /// assert_eq!(account.filters, vec![("callType".to_string(), "abandoned".to_string())]);
    /// ```
    pub fn account_json(
        text: &str,
        source: &Source,
        env: &dyn Fn(&str) -> Option<String>,
        registry: &Registry,
    ) -> Result<Account, ConfigError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|source_error| ConfigError::Json {
                path: source.path.clone(),
                source: source_error,
            })?;
        let serde_json::Value::Object(map) = value else {
            return Err(ConfigError::Value {
                path: source.path.clone(),
                message: "the config must be a JSON object: one account (name, provider, its credentials, …)".into(),
            });
        };
        let table: toml::Table = map
            .into_iter()
            .filter_map(|(k, v)| toml_of(v).map(|v| (k, v)))
            .collect();
        read_account("", source, 0, &table, &Defaults::default(), env, registry)
    }

    /// The accounts named (all when `names` is empty); an unknown name is an error.
    pub fn select(&self, names: &[String]) -> Result<Vec<&Account>, String> {
        if names.is_empty() {
            return Ok(self.accounts.iter().collect());
        }
        names
            .iter()
            .map(|n| {
                self.accounts.iter().find(|a| &a.name == n).ok_or_else(|| {
                    let known: Vec<&str> = self.accounts.iter().map(|a| a.name.as_str()).collect();
                    format!(
                        "no account {n:?} in the file (it has: {})",
                        known.join(", ")
                    )
                })
            })
            .collect()
    }
}

/// What every account of a file gets unless it says otherwise.
#[derive(Debug, Clone, Copy)]
struct Defaults {
    limits: Limits,
    lookback: Duration,
    first_window: Duration,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            limits: Limits::default(),
            lookback: Duration::hours(24),
            first_window: Duration::days(7),
        }
    }
}

/// A rate limit and a concurrency, checked.
#[derive(Debug, Clone, Copy, Default)]
struct Limits {
    rate_limit: Option<f64>,
    concurrency: Option<usize>,
}

impl Limits {
    fn read(rate: Option<f64>, concurrency: Option<i64>) -> Result<Limits, String> {
        if let Some(r) = rate
            && !(r > 0.0 && r.is_finite())
        {
            return Err(format!(
                "rate_limit = {r} is not a positive number of requests per second"
            ));
        }
        if let Some(c) = concurrency
            && !(1..=256).contains(&c)
        {
            return Err(format!("concurrency = {c} is not between 1 and 256"));
        }
        Ok(Limits {
            rate_limit: rate,
            concurrency: concurrency.map(|c| c as usize),
        })
    }
}

fn read_account(
    text: &str,
    source: &Source,
    index: usize,
    table: &toml::Table,
    defaults: &Defaults,
    env: &dyn Fn(&str) -> Option<String>,
    registry: &Registry,
) -> Result<Account, ConfigError> {
    let label = table
        .get("name")
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| format!("#{}", index + 1));
    let fail = |key: Option<&str>, message: String| ConfigError::Account {
        path: source.path.clone(),
        account: label.clone(),
        line: key.and_then(|k| line_of(text, index, k)),
        message,
    };
    let string = |key: &str| -> Result<Option<String>, ConfigError> {
        match table.get(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(fail(Some(key), format!("{key} must be a string"))),
        }
    };
    let name = string("name")?
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| {
            fail(
                None,
                "the account has no name (its label in the store)".into(),
            )
        })?;
    let provider_id =
        string("provider")?.ok_or_else(|| fail(None, "the account has no provider".into()))?;
    let info = registry
        .info(&provider_id)
        .map_err(|e| fail(Some("provider"), e.to_string()))?;
    let credential_keys: Vec<(String, &'static str)> = info
        .credentials
        .iter()
        .map(|c| (credential_key(c.flag), c.env))
        .collect();
    for key in table.keys() {
        if !ACCOUNT_KEYS.contains(&key.as_str()) && !credential_keys.iter().any(|(k, _)| k == key) {
            let mut known: Vec<&str> = ACCOUNT_KEYS.to_vec();
            known.extend(credential_keys.iter().map(|(k, _)| k.as_str()));
            return Err(fail(
                Some(key),
                format!(
                    "unknown key {key:?} (a {} account takes: {})",
                    info.id,
                    known.join(", ")
                ),
            ));
        }
    }
    // A secret: `${VAR}` from the environment, or a literal in a private file.
    let secret = |key: &str| -> Result<Option<String>, ConfigError> {
        let Some(value) = string(key)? else {
            return Ok(None);
        };
        Ok(Some(
            match value
                .trim()
                .strip_prefix("${")
                .and_then(|v| v.strip_suffix('}'))
            {
                Some(var) => env(var).filter(|v| !v.is_empty()).ok_or_else(|| {
                    fail(
                        Some(key),
                        format!("{key} refers to ${{{var}}}, which is not set in the environment"),
                    )
                })?,
                None if !source.private => {
                    return Err(fail(
                        Some(key),
                        format!(
                            "{key} is a literal secret in a file that group or others can read; use ${{VAR}}, or chmod 600 {}",
                            source.path.display()
                        ),
                    ));
                }
                None => value,
            },
        ))
    };
    let mut settings = Settings::new().without_env();
    for (key, env_name) in &credential_keys {
        let Some(value) = secret(key)? else { continue };
        settings = settings.credential(env_name, value);
    }
    if let Some(url) = string("base_url")? {
        settings = settings.base_url(url);
    }
    // A provider's own settings (Telnyx's record_type, Vonage's currency,
    // Bland's date_filter), checked by building the provider now.
    match table.get("options") {
        None => {}
        Some(toml::Value::Table(t)) => {
            for (k, v) in t {
                let v = match v {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Integer(i) => i.to_string(),
                    toml::Value::Boolean(b) => b.to_string(),
                    _ => {
                        return Err(fail(
                            Some("options"),
                            format!("options.{k} must be a string, a whole number or a boolean"),
                        ));
                    }
                };
                settings = settings.option(k, v);
            }
            (info.build)(&settings).map_err(|e| fail(Some("options"), e.to_string()))?;
        }
        Some(_) => {
            return Err(fail(
                Some("options"),
                "options must be a table ({ key = \"value\" })".into(),
            ));
        }
    }
    let float = |key: &str| match table.get(key) {
        None => Ok(None),
        Some(v) => v
            .as_float()
            .or_else(|| v.as_integer().map(|i| i as f64))
            .map(Some)
            .ok_or_else(|| fail(Some(key), format!("{key} must be a number"))),
    };
    let rate = float("rate_limit")?;
    let concurrency = match table.get("concurrency") {
        None => None,
        Some(v) => Some(v.as_integer().ok_or_else(|| {
            fail(
                Some("concurrency"),
                "concurrency must be a whole number".into(),
            )
        })?),
    };
    let own = Limits::read(rate, concurrency).map_err(|m| fail(Some("rate_limit"), m))?;
    let mut http = settings.http.clone();
    http.rate_limit = own.rate_limit.or(defaults.limits.rate_limit);
    http.concurrency = own.concurrency.or(defaults.limits.concurrency);
    // A provider's polite default rate is for its servers, not an emulator.
    settings = settings.http(http).unthrottled_on_loopback();
    let since = match string("since")? {
        None => None,
        Some(s) => Some(
            calllogs_core::parse::span(&s)
                .and_then(|d| Utc::now().checked_sub_signed(d))
                .or_else(|| calllogs_core::parse::timestamp(&s))
                .ok_or_else(|| {
                    fail(
                        Some("since"),
                        format!("since = {s:?} is neither an RFC 3339 time nor a duration (40d)"),
                    )
                })?,
        ),
    };
    let mut filters = Vec::new();
    match table.get("filters") {
        None => {}
        Some(toml::Value::Table(t)) => {
            for (k, v) in t {
                let v = match v {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Integer(i) => i.to_string(),
                    toml::Value::Float(f) => f.to_string(),
                    toml::Value::Boolean(b) => b.to_string(),
                    _ => {
                        return Err(fail(
                            Some("filters"),
                            format!("filters.{k} must be a string or a number"),
                        ));
                    }
                };
                filters.push((k.clone(), v));
            }
        }
        Some(_) => {
            return Err(fail(
                Some("filters"),
                "filters must be a table ({ key = \"value\" })".into(),
            ));
        }
    }
    // A direction belongs to every account: `direction = "inbound"`, or
    // `direction` among the filters (where users look for it first).
    let mut direction = match string("direction")? {
        None => None,
        Some(d) => Some(d.parse().map_err(|m: String| fail(Some("direction"), m))?),
    };
    if let Some(i) = filters.iter().position(|(k, _)| k == "direction") {
        let (_, v) = filters.remove(i);
        let d = v.parse().map_err(|m: String| fail(Some("filters"), m))?;
        if direction.is_some_and(|given| given != d) {
            return Err(fail(
                Some("filters"),
                "direction is given twice, differently (as `direction` and in `filters`)".into(),
            ));
        }
        direction = Some(d);
    }
    let page_size = match table.get("page_size") {
        None => None,
        Some(v) => Some(
            v.as_integer()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    fail(
                        Some("page_size"),
                        "page_size must be a whole number above 0 (the provider's largest is the default)"
                            .into(),
                    )
                })?,
        ),
    };
    let detail = match table.get("detail") {
        None => None,
        Some(v) => Some(v.as_bool().ok_or_else(|| {
            fail(
                Some("detail"),
                "detail must be true or false (fetch each call's detail, for providers that page list-then-detail)"
                    .into(),
            )
        })?),
    };
    let span = |key: &str, default: Duration| match string(key)? {
        None => Ok(default),
        Some(s) => calllogs_core::parse::span(&s).ok_or_else(|| {
            fail(
                Some(key),
                format!("{key} = {s:?} is not a duration (24h, 7d, 90m)"),
            )
        }),
    };
    let lookback = span("lookback", defaults.lookback)?;
    let first_window = span("first_window", defaults.first_window)?;
    let account = Account {
        name,
        provider: info.id,
        info,
        settings,
        since,
        filters,
        page_size,
        detail,
        lookback,
        first_window,
        webhook: WebhookConfig {
            secret: secret("webhook_secret")?.map(Into::into),
            // Public, so a literal is fine anywhere; `${VAR}` read as well.
            public_key: match string("webhook_public_key")? {
                Some(v) => match v.trim().strip_prefix("${").and_then(|v| v.strip_suffix('}')) {
                    Some(var) => Some(env(var).filter(|v| !v.is_empty()).ok_or_else(|| {
                        fail(
                            Some("webhook_public_key"),
                            format!("webhook_public_key refers to ${{{var}}}, which is not set in the environment"),
                        )
                    })?),
                    None => Some(v),
                },
                None => None,
            },
            public_url: string("public_url")?,
        },
        direction,
    };
    // The provider's own filters are checked now, not at the first sync.
    account.query().map_err(|m| fail(Some("filters"), m))?;
    Ok(account)
}

/// A JSON value as TOML; `None` for null (absent).
fn toml_of(v: serde_json::Value) -> Option<toml::Value> {
    use serde_json::Value as J;
    Some(match v {
        J::Null => return None,
        J::Bool(b) => toml::Value::Boolean(b),
        J::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64()?),
        },
        J::String(s) => toml::Value::String(s),
        J::Array(a) => toml::Value::Array(a.into_iter().filter_map(toml_of).collect()),
        J::Object(o) => toml::Value::Table(
            o.into_iter()
                .filter_map(|(k, v)| toml_of(v).map(|v| (k, v)))
                .collect(),
        ),
    })
}

/// The config key of a credential: its CLI flag with `_` for `-`.
fn credential_key(flag: &str) -> String {
    flag.replace('-', "_")
}

/// One `[[accounts]]` entry as TOML text, with `credentials` given as
/// `(environment variable, value)` — what an emulator hands out — written
/// literally under the provider's keys (so only into a file its owner alone
/// reads). Credentials the provider does not have are left out.
///
/// ```
/// use calllogs_fleet::config::account_entry;
/// use calllogs::registry::REGISTRY;
/// let text = account_entry("desk", "nectardesk", "http://127.0.0.1:9/api/v1",
///     &[("NECTARDESK_ACCESS_TOKEN", "t0k3n".to_string())], &REGISTRY).unwrap();
/// assert!(text.contains("token = \"t0k3n\""));
/// ```
pub fn account_entry(
    name: &str,
    provider: &str,
    base_url: &str,
    credentials: &[(&str, String)],
    registry: &Registry,
) -> Result<String, RegistryError> {
    let info = registry.info(provider)?;
    let mut text = format!(
        "\n[[accounts]]\nname = {name:?}\nprovider = {:?}\nbase_url = {base_url:?}\n",
        info.id
    );
    for (env, value) in credentials {
        if let Some(c) = info.credentials.iter().find(|c| c.env == *env) {
            text += &format!("{} = {value:?}\n", credential_key(c.flag));
        }
    }
    Ok(text)
}

/// The line (1-based) of `key` in the `index`-th `[[accounts]]` table.
fn line_of(text: &str, index: usize, key: &str) -> Option<usize> {
    let mut seen = 0;
    let mut inside = false;
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with("[[accounts]]") {
            inside = seen == index;
            seen += 1;
            continue;
        }
        if t.starts_with('[') {
            inside = false;
        }
        if inside
            && t.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        {
            return Some(n + 1);
        }
    }
    None
}

/// Whether only the owner can read `path` (always true where the platform
/// has no such permission bits).
fn is_private(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 == 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        true
    }
}

/// `db` as given, or from the environment when it is `${VAR}`; a
/// PostgreSQL URL with a password in it is a literal secret, refused in a
/// file others can read.
fn resolve_db(
    db: Option<String>,
    source: &Source,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<String>, ConfigError> {
    let fail = |message: String| ConfigError::Value {
        path: source.path.clone(),
        message,
    };
    let Some(db) = db else { return Ok(None) };
    if let Some(var) = db
        .trim()
        .strip_prefix("${")
        .and_then(|v| v.strip_suffix('}'))
    {
        return env(var).filter(|v| !v.is_empty()).map(Some).ok_or_else(|| {
            fail(format!(
                "db refers to ${{{var}}}, which is not set in the environment"
            ))
        });
    }
    if !source.private && url_has_password(&db) {
        return Err(fail(format!(
            "db holds a password in a file that group or others can read; leave it out of the URL \
             (PGPASSWORD or ~/.pgpass supply it), use db = \"${{VAR}}\", or chmod 600 {}",
            source.path.display()
        )));
    }
    Ok(Some(db))
}

/// Whether a `scheme://user:password@host/…` URL (or its `password=`
/// parameter) carries a password.
fn url_has_password(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let in_userinfo = authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'));
    let in_query = rest.split_once('?').is_some_and(|(_, q)| {
        q.split('&')
            .any(|kv| kv.to_ascii_lowercase().starts_with("password="))
    });
    in_userinfo || in_query
}

/// The commented example `calllogs config init` writes.
pub const EXAMPLE: &str = r#"# calllogs.toml: every account in one file; `calllogs sync --config calllogs.toml`.
# Credentials are ${VAR} references to the environment. A literal secret is
# refused unless only you can read this file (chmod 600).

db = "calls.db"            # the store: a SQLite file, or postgres://user@host:5432/dbname
                           # (password from PGPASSWORD or ~/.pgpass; or db = "${CALLLOGS_DB}")
lookback = "24h"           # every sync re-reads this much before the last one's end
first_window = "7d"        # a first sync without `since` reaches this far back
# rate_limit = 20          # requests/s per account (default: each provider's own)
# concurrency = 4          # pages in flight per account

[[accounts]]
name = "plivo-eu"          # the account's label in the store; unique in the file
provider = "plivo"
auth_id = "${PLIVO_EU_AUTH_ID}"
token = "${PLIVO_EU_AUTH_TOKEN}"
# rate_limit = 60
# page_size = 20           # records per page (default: the provider's largest)
# lookback = "72h"         # this account's own (late costs arrive later here)
# direction = "inbound"    #any provider (Plivo's own filter call_direction means the same)
# For `calllogs listen` (end-of-call webhooks): Plivo signs with the auth
# token above; behind a proxy, the URL Plivo was given:
# public_url = "https://hooks.example.com/hooks/plivo-eu"

[[accounts]]
name = "support-desk"
provider = "nectardesk"
base_url = "https://example.invalid/api/v1"
token = "${NECTARDESK_ACCESS_TOKEN}"

# Voice-AI agents (uncomment those you run). ElevenLabs and Bland list
# calls without what matters (cost, transcript, who hung up): calllogs
# fetches each call's detail too, a request per call; `detail = false`
# keeps the list only. Retell's list has all but the transcript: its
# details are off unless `detail = true`.
# [[accounts]]
# name = "agents-retell"
# provider = "retell"
# token = "${RETELL_API_KEY}"
# detail = true
## (its webhooks are signed with this key; for Vapi, set
## webhook_secret = "${VAPI_WEBHOOK_SECRET}", the server secret you gave it)
#
# [[accounts]]
# name = "agents-elevenlabs"
# provider = "elevenlabs"
# token = "${ELEVENLABS_API_KEY}"
#
# [[accounts]]
# name = "agents-bland"
# provider = "bland"
# token = "${BLAND_API_KEY}"
# detail = false
#
## A contact center (Aircall lists at most 10,000 calls a query: busy
## windows are split to stay under it; its budget is 60 requests a minute).
# [[accounts]]
# name = "sales-aircall"
# provider = "aircall"
# api_id = "${AIRCALL_API_ID}"
# token = "${AIRCALL_API_TOKEN}"
#
## Carriers: Telnyx's call-control records (another record type is another
## account), and Vonage's legs (its application's id and private key file).
# [[accounts]]
# name = "carrier-telnyx"
# provider = "telnyx"
# token = "${TELNYX_API_KEY}"
# options = { record_type = "call-control" }
# webhook_public_key = "${TELNYX_PUBLIC_KEY}"   #for `calllogs listen`
#
# [[accounts]]
# name = "carrier-vonage"
# provider = "vonage"
# application_id = "${VONAGE_APPLICATION_ID}"
# private_key = "${VONAGE_PRIVATE_KEY}"   ## a path to private.key, or the PEM

## `calllogs alerts` and `calllogs audit`: the thresholds (the defaults shown). An account's own
## go in an [accounts.alerts] table right after its [[accounts]] entry.
# [alerts]
# min_calls = 100             ## calls a period (and its baseline) needs before a rate counts
# asr_drop = 0.10             ## answer rate down 10 points against a week before and the 4-week median
# acd_drop = 0.25             ## average duration of answered calls down 25 %
# category_rise = 0.10        ## carrier, destination or system errors up 10 points of all calls
# short_share_rise = 0.10     ## answered calls under 6 s up 10 points of answered calls
# cost_per_minute_rise = 0.25 ## cost per answered minute up 25 %
# volume_change = 0.5         ## calls up or down 50 %
# new_country_days = 30       ## a country with no calls in these days before is new
# new_country_calls = 1       ## calls to a new country that make a finding
# stuck_hours = 24            ## in_progress this long after the call's day: stuck
# pricing_delay_hours = 24    ## answered and still no cost this long after: unpriced
# outlier_mads = 6.0          ## audit: a call's per-minute rate this many median deviations from its country's: an outlier
# outlier_min_calls = 20      ## audit: priced calls to a country before its rates are compared
# usage_tolerance = 0.01      ## audit: a day's cost this far from the provider's usage total is a finding
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use calllogs::registry::REGISTRY;

    fn parse(text: &str, private: bool) -> Result<Config, ConfigError> {
        let source = Source {
            path: "calllogs.toml".into(),
            private,
        };
        let env = |k: &str| match k {
            "PLIVO_EU_AUTH_ID" => Some("MAEUEXAMPLE000000001".to_string()),
            "PLIVO_EU_AUTH_TOKEN" | "NECTARDESK_ACCESS_TOKEN" => Some("t0k3n".to_string()),
            _ => None,
        };
        Config::parse(text, &source, &env, &REGISTRY)
    }

    #[test]
    fn a_direction_is_an_account_key_a_common_filter_or_the_providers_own_name() {
        let source = Source {
            path: "calllogs.toml".into(),
            private: true,
        };
        let env = |_: &str| None;
        let load = |extra: &str| {
            let text = format!(
                "[[accounts]]\nname = \"p\"\nprovider = \"plivo\"\nauth_id = \"MA0000000000000000000\"\ntoken = \"t\"\n{extra}\n"
            );
            Config::parse(&text, &source, &env, &REGISTRY)
                .map(|c| c.accounts[0].query().unwrap().direction)
        };
        use calllogs_core::Direction::{Inbound, Outbound};
        assert_eq!(load("direction = \"inbound\"").unwrap(), Some(Inbound));
        assert_eq!(
            load("filters = { direction = \"outbound\" }").unwrap(),
            Some(Outbound)
        );
        assert_eq!(
            load("filters = { call_direction = \"inbound\" }").unwrap(),
            Some(Inbound)
        );
        assert_eq!(load("").unwrap(), None);
        let e = load("direction = \"sideways\"").unwrap_err().to_string();
        assert!(e.contains("unknown direction \"sideways\""), "{e}");
        let e = load("direction = \"inbound\"\nfilters = { direction = \"outbound\" }")
            .unwrap_err()
            .to_string();
        assert!(e.contains("given twice"), "{e}");
    }

    #[test]
    fn the_example_parses() {
        let c = parse(EXAMPLE, false).unwrap();
        assert_eq!(c.db.as_deref(), Some("calls.db"));
        assert_eq!(c.lookback, Duration::hours(24));
        let names: Vec<_> = c
            .accounts
            .iter()
            .map(|a| (a.name.as_str(), a.provider))
            .collect();
        assert_eq!(
            names,
            [("plivo-eu", "plivo"), ("support-desk", "nectardesk")]
        );
        // The commented page_size, uncommented, reaches the account's query.
        // The voice-AI accounts, uncommented, load with their `detail`.
        let at = EXAMPLE.find("# [[accounts]]").unwrap();
        let voice =
            EXAMPLE[..at].to_string() + &EXAMPLE[at..].replace("# ", "").replace("\n#\n", "\n");
        let env = |k: &str| Some(format!("{k}-value"));
        let source = Source {
            path: "calllogs.toml".into(),
            private: false,
        };
        let c = Config::parse(&voice, &source, &env, &REGISTRY).unwrap();
        let detail = |name: &str| {
            let a = c.accounts.iter().find(|a| a.name == name).unwrap();
            a.query().unwrap().detail
        };
        assert_eq!(detail("agents-retell"), Some(true));
        assert_eq!(detail("agents-elevenlabs"), None);
        assert_eq!(detail("agents-bland"), Some(false));
        let aircall = c
            .accounts
            .iter()
            .find(|a| a.name == "sales-aircall")
            .unwrap();
        assert_eq!(aircall.provider, "aircall");
        assert!(aircall.settings.get_credential("AIRCALL_API_ID").is_some());
        let telnyx = c
            .accounts
            .iter()
            .find(|a| a.name == "carrier-telnyx")
            .unwrap();
        assert_eq!(
            telnyx.settings.get_option("record_type"),
            Some("call-control")
        );
        let vonage = c
            .accounts
            .iter()
            .find(|a| a.name == "carrier-vonage")
            .unwrap();
        assert!(
            vonage
                .settings
                .get_credential("VONAGE_PRIVATE_KEY")
                .is_some()
        );
        // A provider option it refuses is an error at load, naming the key.
        let bad = voice.replace(
            "record_type = \"call-control\"",
            "record_type = \"no such type!\"",
        );
        let err = Config::parse(&bad, &source, &env, &REGISTRY)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("carrier-telnyx") && err.contains("record_type"),
            "{err}"
        );
        let bad = EXAMPLE.replace("# page_size = 20", "detail = \"yes\"");
        let err = parse(&bad, false).unwrap_err().to_string();
        assert!(err.contains("detail must be true or false"), "{err}");
        let text = EXAMPLE.replace("# page_size = 20", "page_size = 20");
        let c = parse(&text, false).unwrap();
        assert_eq!(c.accounts[0].query().unwrap().page_size, Some(20));
        assert_eq!(c.accounts[1].query().unwrap().page_size, None);
        assert!(
            c.accounts[0]
                .settings
                .get_credential("PLIVO_AUTH_ID")
                .is_some()
        );
        assert_eq!(
            c.accounts[1].settings.base_url.as_deref(),
            Some("https://example.invalid/api/v1")
        );
    }

    #[test]
    fn each_mistake_is_one_sentence_naming_it() {
        let account = |extra: &str| {
            format!(
                "[[accounts]]\nname = \"a\"\nprovider = \"nectardesk\"\ntoken = \"${{NECTARDESK_ACCESS_TOKEN}}\"\n{extra}"
            )
        };
        let cases = [
            (account("tokn = \"x\"\n"), "unknown key \"tokn\""),
            (account("tokn = \"x\"\n"), "(line 5)"),
            (
                account("page_size = 0\n"),
                "page_size must be a whole number above 0",
            ),
            (
                account("page_size = \"big\"\n"),
                "page_size must be a whole number",
            ),
            (
                format!("dbb = \"x\"\n{}", account("")),
                "unknown field `dbb`",
            ),
            (
                "[[accounts]]\nname = \"a\"\nprovider = \"nectardesk\"\ntoken = \"${NOPE}\"\n"
                    .into(),
                "${NOPE}, which is not set",
            ),
            (
                "[[accounts]]\nname = \"a\"\nprovider = \"nectardesk\"\ntoken = \"literal\"\n"
                    .into(),
                "literal secret in a file that group or others can read",
            ),
            (
                format!("{}{}", account(""), account("")),
                "used by an earlier account",
            ),
            (
                account("").replace("nectardesk", "nope"),
                "unknown provider",
            ),
            (
                account("filters = { callType = 7 }\n").replace("callType = 7", "nope = \"x\""),
                "filters",
            ),
            (account("since = \"whenever\"\n"), "since = \"whenever\""),
            ("db = \"x\"\n".into(), "no [[accounts]]"),
        ];
        for (text, want) in cases {
            let err = parse(&text, false).unwrap_err().to_string();
            assert!(err.contains(want), "{want:?} not in {err:?}\n{text}");
            assert!(!err.contains("t0k3n"), "no secret in {err}");
        }
        // A password in a PostgreSQL db is a literal secret too; ${VAR} reads it.
        let account = "[[accounts]]\nname = \"a\"\nprovider = \"nectardesk\"\ntoken = \"${T}\"\n";
        let env = |k: &str| match k {
            "T" => Some("t".to_string()),
            "DB" => Some("postgres://u:pw@h/d".to_string()),
            _ => None,
        };
        let shared = Source {
            path: "shared.toml".into(),
            private: false,
        };
        for (db, ok) in [
            ("postgres://u:pw@h/d", false),
            ("postgres://u@h/d?password=pw", false),
            ("postgres://u@h/d", true),
            ("${DB}", true),
            ("calls.db", true),
        ] {
            let text = format!("db = \"{db}\"\n{account}");
            let parsed = Config::parse(&text, &shared, &env, &REGISTRY);
            assert_eq!(parsed.is_ok(), ok, "{db}: {:?}", parsed.err());
            if let Err(e) = parsed {
                assert!(e.to_string().contains("PGPASSWORD"), "{e}");
            }
        }
        let text = format!("db = \"${{DB}}\"\n{account}");
        assert_eq!(
            Config::parse(&text, &shared, &env, &REGISTRY)
                .unwrap()
                .db
                .as_deref(),
            Some("postgres://u:pw@h/d")
        );
        // The same literal secret is accepted in a private file.
        let literal =
            "[[accounts]]\nname = \"a\"\nprovider = \"nectardesk\"\ntoken = \"literal\"\n";
        assert!(parse(literal, true).is_ok());
    }

    #[test]
    fn an_account_may_set_its_own_lookback_and_first_window() {
        let text = "lookback = \"12h\"\n[[accounts]]\nname = \"a\"\nprovider = \"nectardesk\"\ntoken = \"${NECTARDESK_ACCESS_TOKEN}\"\n\
                    [[accounts]]\nname = \"b\"\nprovider = \"nectardesk\"\ntoken = \"${NECTARDESK_ACCESS_TOKEN}\"\nlookback = \"3d\"\nfirst_window = \"40d\"\n";
        let c = parse(text, false).unwrap();
        assert_eq!(c.accounts[0].lookback, Duration::hours(12));
        assert_eq!(c.accounts[0].first_window, Duration::days(7));
        assert_eq!(c.accounts[1].lookback, Duration::days(3));
        assert_eq!(c.accounts[1].first_window, Duration::days(40));
        let bad = text.replace("\"3d\"", "\"soon\"");
        let e = parse(&bad, false).unwrap_err().to_string();
        assert!(
            e.contains("account \"b\"") && e.contains("lookback = \"soon\""),
            "{e}"
        );
    }

    #[test]
    fn the_json_form_of_an_account_is_the_same_entry() {
        let src = Source::private("config.json");
        let env = |k: &str| (k == "TOKEN").then(|| "t0k3n".to_string());
        let json = r#"{"name": "a", "provider": "nectardesk", "token": "${TOKEN}",
                       "page_size": 50, "rate_limit": 2.5, "since": null}"#;
        let a = Config::account_json(json, &src, &env, &REGISTRY).unwrap();
        assert_eq!(a.page_size, Some(50));
        assert_eq!(a.settings.http.rate_limit, Some(2.5));
        assert_eq!(a.lookback, Duration::hours(24));
        assert!(
            a.settings
                .get_credential("NECTARDESK_ACCESS_TOKEN")
                .is_some()
        );
        for (text, want) in [
            ("{", "not JSON"),
            ("[1]", "must be a JSON object"),
            (
                r#"{"name": "a", "provider": "nectardesk", "tokn": "x"}"#,
                "unknown key \"tokn\"",
            ),
            (
                r#"{"name": "a", "provider": "nectardesk", "page_size": -1}"#,
                "page_size",
            ),
            (r#"{"provider": "nectardesk"}"#, "has no name"),
        ] {
            let e = Config::account_json(text, &src, &env, &REGISTRY)
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{want:?} not in {e:?}");
            assert!(e.starts_with("config.json"), "{e}");
        }
    }
}
