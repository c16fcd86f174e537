//! `calllogs`: see `calllogs --help`.

use std::process::ExitCode;

mod alerts;
mod args;
mod audit;
mod config;
mod connect;
mod dispatch;
#[cfg(feature = "emulator")]
mod emulated;
mod error;
mod fetch;
mod fleet;
mod listen;
mod offline;
mod output;
mod progress;
mod provider;
mod report;
mod store;
mod sync;

fn main() -> ExitCode {
    let cli = match args::parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                let _ = e.print();
                return ExitCode::from(2);
            }
            // One sentence, not clap's usage block.
            let text = e.to_string();
            let first = text
                .lines()
                .next()
                .unwrap_or("bad usage")
                .trim_start_matches("error: ");
            eprintln!("calllogs: {first} (see calllogs --help)");
            return ExitCode::from(2);
        }
    };
    dispatch::init_logging(cli.verbose);
    match dispatch::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("calllogs: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
