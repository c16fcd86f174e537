//! `calllogs`: see `calllogs --help`.

use std::process::ExitCode;

use clap::Parser;

mod args;
mod commands;
mod output;
mod progress;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    commands::init_logging(cli.verbose);
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("calllogs: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
