//! calllogs as a source inside Airbyte and Meltano (the facade's feature
//! `connector`, re-exported as `calllogs::connector`):
//! the [`airbyte`] protocol and the [`singer`] spec, over one stream,
//! `calls`.
//!
//! Both speak for one account, given as JSON: the `[[accounts]]` entry of
//! `calllogs.toml` ([`Config::account_json`]). A read is `calllogs sync`
//! writing messages instead of rows: the same pages, the same checkpoint
//! after each page (the pinned window and the next page, then
//! `synced_until`), emitted as the stream's state right after the page's
//! records. A read killed at any point resumes from the last state it
//! emitted; a finished one makes the next start `lookback` before its end.
//!
//! Records are the normalized call with the account's name (`account`)
//! beside `provider` and `id`, the primary key; within one read each call
//! is emitted once (a provider that sends a call on two pages does not make
//! it two records).

#![warn(missing_docs)]

pub mod airbyte;
pub mod schema;
pub mod select;
pub mod singer;
pub mod state;

use std::io::Write;
use std::path::{Path, PathBuf};

use calllogs_core::page::Reject;
use calllogs_core::paginate::CountMismatch;
use calllogs_core::seen::SeenIds;
use calllogs_core::{Call, Error as ProviderError};
use serde::Serialize;
use serde_json::Value;

use calllogs_core::Registry;
use calllogs_fleet::AccountError;
use calllogs_fleet::config::{Account, Config, ConfigError, Source};
use calllogs_store::store::{StoreError, SyncState, Upserted};
use calllogs_store::sync::{SyncError, SyncSummary, SyncTarget};
use state::StreamState;

/// The stream's primary key: the same call of the same account is the same
/// record.
pub const PRIMARY_KEY: [&str; 3] = ["provider", "account", "id"];

/// The stream's cursor: the call's time.
pub const CURSOR: &str = "started_at";

/// What went wrong in a connector command.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectorError {
    /// The config file is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// An input file (catalog, state) cannot be read or used.
    #[error("{path}: {message}")]
    Input {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The account could not be set up or its provider refused.
    #[error(transparent)]
    Account(#[from] AccountError),
    /// The read failed (the provider, or writing the messages).
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// Writing to stdout failed.
    #[error("cannot write to stdout: {0}")]
    Output(#[from] std::io::Error),
}

/// Who is at fault, in Airbyte's words (`failure_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The user's config or credentials: fix them, retrying will not help.
    Config,
    /// Rate limits, the network, a provider's 5xx: retrying may help.
    Transient,
    /// Anything else.
    System,
}

impl Fault {
    /// `config_error`, `transient_error` or `system_error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::Config => "config_error",
            Fault::Transient => "transient_error",
            Fault::System => "system_error",
        }
    }
}

fn provider_fault(e: &ProviderError) -> Fault {
    match e {
        ProviderError::Auth { .. }
        | ProviderError::BadQuery { .. }
        | ProviderError::Config { .. } => Fault::Config,
        ProviderError::RateLimited { .. } | ProviderError::Transport { .. } => Fault::Transient,
        ProviderError::Provider { status, .. } if *status >= 500 || *status == 429 => {
            Fault::Transient
        }
        _ => Fault::System,
    }
}

impl ConnectorError {
    /// Whether an input file (config, catalog, state) is what is wrong.
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            ConnectorError::Config(_) | ConnectorError::Input { .. }
        )
    }

    /// Who is at fault.
    pub fn fault(&self) -> Fault {
        match self {
            ConnectorError::Config(_) | ConnectorError::Input { .. } => Fault::Config,
            ConnectorError::Account(AccountError::Build(_) | AccountError::Filters(_)) => {
                Fault::Config
            }
            ConnectorError::Account(AccountError::Provider(e))
            | ConnectorError::Account(AccountError::Sync(SyncError::Provider(e)))
            | ConnectorError::Sync(SyncError::Provider(e)) => provider_fault(e),
            _ => Fault::System,
        }
    }
}

/// Reads the account from the JSON config at `path`. Literal secrets are
/// accepted whatever the file's mode: the engines hand credentials over in
/// exactly this file (they keep them encrypted on their side), and
/// `${VAR}` works as in `calllogs.toml`.
pub fn load_account(path: &Path, registry: &Registry) -> Result<Account, ConnectorError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Config::account_json(
        &text,
        &Source::private(path),
        &|k| std::env::var(k).ok(),
        registry,
    )?)
}

/// Reads a JSON input file (catalog, state).
pub(crate) fn load_json(path: &Path) -> Result<Value, ConnectorError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConnectorError::Input {
        path: path.to_path_buf(),
        message: format!("cannot read it: {e}"),
    })?;
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&text).map_err(|e| ConnectorError::Input {
        path: path.to_path_buf(),
        message: format!("not JSON: {e}"),
    })
}

/// The state in the file at `path` for `account`: `None` when the file
/// holds none, or one of another account (said in a log line, and read
/// from the start rather than from someone else's checkpoint).
pub(crate) fn load_state(
    path: &Path,
    account: &Account,
    log: &mut dyn FnMut(&str),
) -> Result<Option<StreamState>, ConnectorError> {
    let found = state::find(&load_json(path)?).map_err(|message| ConnectorError::Input {
        path: path.to_path_buf(),
        message,
    })?;
    Ok(found.filter(|s| {
        let ours = s.provider == account.provider && s.account == account.name;
        if !ours {
            log(&format!(
                "the state is for {}/{}, not {}/{}: reading from the start",
                s.provider, s.account, account.provider, account.name
            ));
        }
        ours
    }))
}

/// One record of the `calls` stream: the call with its account, less the
/// fields the engine's selection leaves out ([`select`]).
#[derive(Serialize)]
pub(crate) struct Record<'a> {
    account: &'a str,
    #[serde(flatten)]
    call: &'a Call,
    #[serde(skip)]
    omit: &'a [String],
}

impl Record<'_> {
    /// Writes the record as one JSON object. Without a selection it goes
    /// straight to `out`; with one, through a map the omitted keys leave.
    pub(crate) fn write_json(&self, out: &mut dyn Write) -> std::io::Result<()> {
        if self.omit.is_empty() {
            return Ok(serde_json::to_writer(out, self)?);
        }
        let mut v = serde_json::to_value(self)?;
        if let Some(o) = v.as_object_mut() {
            for k in self.omit {
                o.remove(k);
            }
        }
        Ok(serde_json::to_writer(out, &v)?)
    }
}

/// The record of `call` of `account` as JSON (tests, other tools).
pub fn record_value(account: &str, call: &Call) -> Value {
    let record = Record {
        account,
        call,
        omit: &[],
    };
    serde_json::to_value(record).unwrap_or(Value::Null)
}

/// How a protocol frames what a read emits.
pub(crate) trait Framing {
    /// One record.
    fn record(&self, out: &mut dyn Write, record: &Record<'_>) -> std::io::Result<()>;
    /// The stream's state, after `records` records since the last one.
    fn state(&self, out: &mut dyn Write, state: &StreamState, records: u64) -> std::io::Result<()>;
    /// A warning or a note for the operator.
    fn log(&self, out: &mut dyn Write, level: Level, message: &str) -> std::io::Result<()>;
}

/// A log line's level.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Level {
    Info,
    Warn,
}

/// A [`SyncTarget`] that emits each page's calls and the state after it.
pub(crate) struct Emitter<'a, W: Write, F: Framing> {
    out: W,
    framing: &'a F,
    /// The state the engine passed, for the sync to start from.
    input: Option<StreamState>,
    /// The count mismatches already said (as a `LOG` WARN), so each is said once.
    mismatches: Vec<CountMismatch>,
    seen: SeenIds,
    /// Records since the last state.
    pending: u64,
    /// The fields the engine's selection leaves out of every record.
    omit: Vec<String>,
}

impl<'a, W: Write, F: Framing> Emitter<'a, W, F> {
    pub(crate) fn new(out: W, framing: &'a F, input: Option<StreamState>) -> Self {
        let mismatches = input
            .as_ref()
            .filter(|s| s.status == state::RunStatus::Running)
            .map(|s| s.mismatches.clone())
            .unwrap_or_default();
        Emitter {
            out,
            framing,
            input,
            mismatches,
            seen: SeenIds::default(),
            pending: 0,
            omit: Vec::new(),
        }
    }

    /// Leaves `fields` out of every record.
    pub(crate) fn omitting(mut self, fields: Vec<String>) -> Self {
        self.omit = fields;
        self
    }

    pub(crate) fn log(&mut self, level: Level, message: &str) -> Result<(), StoreError> {
        let r = self.framing.log(&mut self.out, level, message);
        r.map_err(output)
    }

    fn emit_state(
        &mut self,
        provider: &str,
        account: &str,
        s: &SyncState,
    ) -> Result<(), StoreError> {
        let new: Vec<String> = s
            .count_mismatches
            .iter()
            .filter(|m| !self.mismatches.contains(m))
            .map(|m| format!("{provider}/{account}: {m}"))
            .collect();
        self.mismatches.clone_from(&s.count_mismatches);
        for line in new {
            self.log(Level::Warn, &line)?;
        }
        let state = StreamState::of(provider, account, s);
        let r = self
            .framing
            .state(&mut self.out, &state, self.pending)
            .and_then(|()| self.out.flush());
        self.pending = 0;
        r.map_err(output)
    }

    pub(crate) fn into_inner(self) -> W {
        self.out
    }
}

fn output(source: std::io::Error) -> StoreError {
    StoreError::Output {
        target: "stdout",
        source,
    }
}

impl<W: Write, F: Framing> SyncTarget for Emitter<'_, W, F> {
    async fn state(
        &self,
        _provider: &str,
        _account: &str,
    ) -> Result<Option<SyncState>, StoreError> {
        Ok(self.input.as_ref().map(StreamState::sync_state))
    }

    async fn commit_page(
        &mut self,
        provider: &str,
        account: &str,
        calls: &[Call],
        rejects: &[Reject],
        state: &SyncState,
    ) -> Result<Upserted, StoreError> {
        let mut u = Upserted::default();
        for call in calls {
            if !self.seen.first_time(&call.provider, &call.id) {
                u.unchanged += 1;
                continue;
            }
            let record = Record {
                account,
                call,
                omit: &self.omit,
            };
            self.framing
                .record(&mut self.out, &record)
                .map_err(output)?;
            u.new += 1;
            self.pending += 1;
        }
        for r in rejects {
            // The reason, not the record: it may hold numbers and names.
            let line = format!(
                "{provider}/{account}: record {} of a page could not be mapped and was left out: {}",
                r.index, r.reason
            );
            self.log(Level::Warn, &line)?;
        }
        self.emit_state(provider, account, state)?;
        Ok(u)
    }

    async fn set_state(
        &mut self,
        provider: &str,
        account: &str,
        state: &SyncState,
    ) -> Result<(), StoreError> {
        self.emit_state(provider, account, state)
    }
}

/// Reads `account` into `emitter` from its state: the sync, emitting.
pub(crate) async fn read<W: Write, F: Framing>(
    account: &Account,
    emitter: &mut Emitter<'_, W, F>,
) -> Result<SyncSummary, ConnectorError> {
    let provider = account.build().map_err(AccountError::Build)?;
    let opts = calllogs_store::sync::SyncOptions {
        // A state after every page, as both protocols expect.
        batch_calls: 0,
        ..calllogs_fleet::options(account)?
    };
    let summary = calllogs_store::sync::run(emitter, provider.as_ref(), &opts, |_| {}).await?;
    let mut line = format!(
        "{}/{}: {} calls in {} pages{}",
        account.provider,
        account.name,
        summary.calls,
        summary.pages,
        if summary.resumed {
            ", resumed from the state"
        } else {
            ""
        }
    );
    if summary.rejects > 0 {
        let reasons: Vec<String> = summary
            .reject_reasons
            .iter()
            .map(|(r, n)| format!("{n} × {r}"))
            .collect();
        line += &format!(
            "; {} records could not be mapped ({})",
            summary.rejects,
            reasons.join(", ")
        );
    }
    emitter.log(Level::Info, &line).map_err(SyncError::Store)?;
    Ok(summary)
}

/// The current-thread runtime a connector command runs on.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, ConnectorError> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Milliseconds since the epoch, as Airbyte stamps messages.
pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(e: ProviderError) -> ConnectorError {
        ConnectorError::Sync(SyncError::Provider(e))
    }

    #[test]
    fn faults_follow_whose_doing_it_is() {
        let auth = ProviderError::Auth {
            provider: "plivo",
            status: 401,
            message: "bad".into(),
            credential: "PLIVO_AUTH_TOKEN".into(),
        };
        assert_eq!(provider(auth).fault(), Fault::Config);
        let down = ProviderError::Provider {
            provider: "plivo",
            status: 503,
            message: "down".into(),
            attempts: 5,
        };
        assert_eq!(provider(down).fault(), Fault::Transient);
        let gone = ProviderError::Provider {
            provider: "plivo",
            status: 404,
            message: "no such account".into(),
            attempts: 1,
        };
        assert_eq!(provider(gone).fault(), Fault::System);
        let input = ConnectorError::Input {
            path: "state.json".into(),
            message: "not JSON".into(),
        };
        assert_eq!(input.fault(), Fault::Config);
        assert!(input.is_input());
        let output = ConnectorError::Output(std::io::Error::other("broken pipe"));
        assert_eq!(output.fault(), Fault::System);
        assert!(!output.is_input());
    }
}
