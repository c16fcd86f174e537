//! `calllogs config init`: the example `calllogs.toml`.

use crate::error::CliError;

pub(crate) fn config_init(output: &std::path::Path) -> Result<(), CliError> {
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(output)
        .map_err(|e| CliError::usage_caused(format!("cannot create {}", output.display()), e))?;
    file.write_all(calllogs::config::EXAMPLE.as_bytes())?;
    eprintln!(
        "wrote {}: name your accounts, set the ${{VAR}}s, then calllogs sync --config {}",
        output.display(),
        output.display()
    );
    Ok(())
}
