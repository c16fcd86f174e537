//! The runtime, and opening the store `--db` (or the config's `db`) names.

use crate::error::CliError;

pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::failed("cannot start the async runtime", e))
}

/// `--db` (or the config's `db`) read: a SQLite path or a postgres:// URL.
pub(crate) fn target(db: &str) -> Result<calllogs::store::Target, CliError> {
    calllogs::store::Target::parse(db).map_err(|e| CliError::usage(e.to_string()))
}

/// Opens the store; inside the runtime that will use it (a PostgreSQL
/// pool's connections live on that runtime).
pub(crate) async fn open_store(
    target: &calllogs::store::Target,
) -> Result<calllogs::store::Store, CliError> {
    calllogs::store::Store::open_target(target)
        .await
        .map_err(|e| CliError::usage_caused(format!("cannot open {target}"), e))
}

/// The store named by `--db`, else by the `db` of `--config`.
pub(crate) fn db_of(
    db: Option<&str>,
    config: Option<&std::path::Path>,
) -> Result<calllogs::store::Target, CliError> {
    let db = match (db, config) {
        (Some(db), _) => db.to_string(),
        (None, Some(path)) => calllogs::config::Config::db_of(path)?
            .ok_or_else(|| CliError::usage(format!("{}: no db in the file", path.display())))?,
        (None, None) => return Err(CliError::usage("--db or --config is required")),
    };
    let target = target(&db)?;
    if !target.exists() {
        return Err(CliError::usage(format!(
            "{target} does not exist (run calllogs sync first)"
        )));
    }
    Ok(target)
}
