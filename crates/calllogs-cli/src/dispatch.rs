//! The dispatcher: each command to the module of its group. Nothing
//! imports this module but `main`.

use crate::args::{Cli, Command, ConfigCommand, FleetCommand};
use crate::error::CliError;
use crate::{config, connect, fetch, fleet, offline, report, sync};

/// Logs to stderr: warnings by default, more with `-v`, or `RUST_LOG`.
pub fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "calllogs=debug,calllogs_core=debug,info",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour())
        .try_init();
}

/// Colour only on a terminal, and never with `NO_COLOR` set (to anything
/// but the empty string, as no-color.org says): logs piped to a file carry
/// no escape codes.
fn colour() -> bool {
    use std::io::IsTerminal as _;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Runs one command.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Providers { json } => offline::providers(json),
        Command::Causes { json } => offline::causes(json),
        Command::Explain { provider, reason } => offline::explain(&provider, &reason),
        Command::Normalize {
            provider,
            files,
            no_raw,
        } => offline::normalize(&provider, &files, no_raw),
        Command::Fetch(args) => fetch::fetch(*args),
        #[cfg(feature = "emulator")]
        Command::Emulate(args) => crate::emulated::emulate(args),
        Command::Sync(args) => sync::sync_cmd(*args),
        Command::Report(args) => report::report_cmd(args),
        Command::Alerts(args) => crate::alerts::alerts_cmd(args),
        Command::Audit(args) => crate::audit::audit_cmd(args),
        Command::Config(ConfigCommand::Init { output }) => config::config_init(&output),
        Command::Fleet(FleetCommand::Status { db, config, json }) => {
            fleet::status(db.as_deref(), config.as_deref(), json)
        }
        Command::Check { config, account } => fleet::check(&config, &account),
        Command::Listen(args) => crate::listen::listen(&args),
        Command::Reconcile(args) => crate::listen::reconcile(&args),
        Command::Airbyte(verb) => connect::airbyte(verb),
        Command::Singer(args) => connect::singer(args),
        #[cfg(feature = "emulator")]
        Command::Demo(args) => crate::emulated::demo(args),
    }
}
