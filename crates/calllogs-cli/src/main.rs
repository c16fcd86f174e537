//! `calllogs`: see `calllogs --help`.

use std::process::ExitCode;

mod args;
mod commands;
#[cfg(feature = "emulator")]
mod emulated;
mod error;
mod fleet;
mod output;
mod progress;

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
    commands::init_logging(cli.verbose);
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("calllogs: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
