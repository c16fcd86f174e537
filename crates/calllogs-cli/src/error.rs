//! The CLI's error: what went wrong, with the error behind it kept as its
//! source, and the exit code it means (2 bad usage or input, 1 the rest).

use calllogs::registry::RegistryError;

/// A boxed error kept as a source.
type Cause = Box<dyn std::error::Error + Send + Sync>;

/// Everything a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad usage or input, said in one sentence.
    #[error("{0}")]
    Usage(String),
    /// Bad usage or input, with the error behind it.
    #[error("{context}: {source}")]
    UsageCaused {
        /// What was being done (`cannot read pages.json`).
        context: String,
        /// Why it failed.
        #[source]
        source: Cause,
    },
    /// A failure, with the error behind it.
    #[error("{context}: {source}")]
    Failed {
        /// What was being done.
        context: String,
        /// Why it failed.
        #[source]
        source: Cause,
    },
    /// A provider failed.
    #[error(transparent)]
    Provider(#[from] calllogs::Error),
    /// The config file is wrong.
    #[error(transparent)]
    Config(#[from] calllogs::config::ConfigError),
    /// Some accounts of a fleet sync failed (each said why on its line).
    #[error("{failed} of {of} accounts failed")]
    Fleet {
        /// How many failed.
        failed: usize,
        /// Of how many.
        of: usize,
    },
    /// `reconcile --strict` found calls not reconciled (each listed).
    #[error("{0} calls are not reconciled")]
    Unreconciled(u64),
    /// `alerts` found something at or above `--fail-on` (each listed).
    #[error("{count} findings, the worst {worst}")]
    Findings {
        /// How many findings.
        count: usize,
        /// The most serious severity among them.
        worst: &'static str,
    },
    /// A provider could not be had.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// A sync failed.
    #[error(transparent)]
    Sync(#[from] calllogs::sync::SyncError),
    /// An Airbyte or Singer command failed (its TRACE message, for
    /// Airbyte, is already on stdout).
    #[error(transparent)]
    Connector(#[from] calllogs::connector::ConnectorError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] calllogs::store::StoreError),
    /// Reading or writing failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// JSON could not be written.
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// CSV could not be written.
    #[error("CSV: {0}")]
    Csv(#[from] csv::Error),
}

impl CliError {
    /// Bad usage or input.
    pub fn usage(message: impl Into<String>) -> Self {
        CliError::Usage(message.into())
    }
    /// Bad usage or input, caused by `source`.
    pub fn usage_caused(context: impl Into<String>, source: impl Into<Cause>) -> Self {
        CliError::UsageCaused {
            context: context.into(),
            source: source.into(),
        }
    }
    /// Any other failure, caused by `source`.
    pub fn failed(context: impl Into<String>, source: impl Into<Cause>) -> Self {
        CliError::Failed {
            context: context.into(),
            source: source.into(),
        }
    }

    /// 2 for bad usage or input (a bad query or setting included), 1 for the rest.
    pub fn exit_code(&self) -> u8 {
        let usage = match self {
            CliError::Usage(_) | CliError::UsageCaused { .. } | CliError::Config(_) => true,
            CliError::Provider(e) | CliError::Registry(RegistryError::Build(e)) => e.is_usage(),
            CliError::Registry(_) => true,
            CliError::Sync(calllogs::sync::SyncError::Provider(e)) => e.is_usage(),
            // A config, catalog or state file that cannot be used: bad input.
            CliError::Connector(e) => e.is_input(),
            _ => false,
        };
        if usage { 2 } else { 1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn sources_are_kept_and_exit_codes_follow_the_cause() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e = CliError::usage_caused("cannot read pages.json", io);
        assert_eq!(e.to_string(), "cannot read pages.json: no such file");
        assert!(e.source().is_some_and(|s| s.to_string() == "no such file"));
        assert_eq!(e.exit_code(), 2);
        let bad_query = calllogs::Error::BadQuery {
            provider: "plivo",
            message: "empty range".into(),
        };
        assert_eq!(
            CliError::Sync(calllogs::sync::SyncError::Provider(bad_query)).exit_code(),
            2
        );
        let http = calllogs::Error::Provider {
            provider: "plivo",
            status: 500,
            message: "boom".into(),
            attempts: 6,
        };
        assert_eq!(CliError::from(http).exit_code(), 1);
    }
}
