//! `calllogs sync --config calllogs.toml`: every account of the file at once.

use std::collections::HashMap;
use std::sync::Arc;

use calllogs::config::Config;
use calllogs::http::HttpStats;

use crate::args::SyncArgs;
use crate::commands::{CliError, open_store, runtime, summary_line};
use crate::progress::Progress;

/// Retry counters per account name.
pub type Stats = HashMap<String, Arc<HttpStats>>;

/// `fleet::sync` of the accounts `names` of `config` (all when empty) into
/// `db`, with one progress line and one retry counter per account.
pub fn run(
    config: &mut Config,
    names: &[String],
    db: &std::path::Path,
    quiet: bool,
) -> Result<(Vec<calllogs::fleet::AccountResult>, Stats), CliError> {
    let mut stats: Stats = HashMap::new();
    for account in &mut config.accounts {
        let s = Arc::new(HttpStats::default());
        let mut http = account.settings.http.clone();
        http.observers.add(s.clone());
        account.settings = account.settings.clone().http(http);
        stats.insert(account.name.clone(), s);
    }
    let selected = config.select(names).map_err(CliError::usage)?;
    // Created and migrated once, before the accounts open their own connections.
    drop(open_store(db)?);
    let multi = indicatif::MultiProgress::new();
    let bars: HashMap<&str, Progress> = selected
        .iter()
        .map(|a| {
            let p = Progress::in_multi(&multi, &a.name, quiet, stats.get(&a.name).cloned());
            (a.name.as_str(), p)
        })
        .collect();
    let results = runtime()?.block_on(calllogs::fleet::sync(config, &selected, db, |name, p| {
        if let Some(bar) = bars.get(name) {
            bar.update(p.pages, p.calls);
        }
    }));
    bars.values().for_each(Progress::finish);
    Ok((results, stats))
}

/// Syncs the accounts of the file at `path` (those `--account` names, else
/// all) concurrently; one line per account at the end; exit 1 if any failed.
pub fn sync(args: &SyncArgs, path: &std::path::Path) -> Result<(), CliError> {
    let mut config = Config::load(path)?;
    let db = match (&args.db, &config.db) {
        (Some(db), _) => db.clone(),
        (None, Some(db)) if db.starts_with("postgres://") || db.starts_with("postgresql://") => {
            return Err(CliError::usage(format!(
                "{}: db = {db:?}: this build keeps calls in SQLite only; give a file path",
                path.display()
            )));
        }
        (None, Some(db)) => std::path::PathBuf::from(db),
        (None, None) => {
            return Err(CliError::usage(format!(
                "{}: no db in the file and no --db",
                path.display()
            )));
        }
    };
    let (results, _) = run(&mut config, &args.account, &db, args.quiet)?;
    let mut failed = 0;
    for r in &results {
        match &r.outcome {
            Ok(s) => {
                for m in &s.mismatches {
                    eprintln!("calllogs: warning: {}: {m}", r.account);
                }
                eprintln!("{}", summary_line(s, r.elapsed.as_secs_f64()));
            }
            Err(e) => {
                failed += 1;
                eprintln!(
                    "{}/{}: failed after {:.1}s: {e}",
                    r.provider,
                    r.account,
                    r.elapsed.as_secs_f64()
                );
            }
        }
    }
    if failed > 0 {
        return Err(CliError::Fleet {
            failed,
            of: results.len(),
        });
    }
    Ok(())
}

/// `calllogs check --config F`: one page of one call from the last day per
/// account, all at once; a line each (`ok`, or the provider's sentence).
pub fn check(path: &std::path::Path, names: &[String]) -> Result<(), CliError> {
    use futures::StreamExt;
    let config = Config::load(path)?;
    let selected = config.select(names).map_err(CliError::usage)?;
    let results = runtime()?.block_on(futures::future::join_all(selected.iter().map(
        |a| async move {
            let tried = async {
                let provider = calllogs::registry::build(a.provider, &a.settings)?;
                let mut q = a.query().map_err(CliError::usage)?;
                q.since = Some(chrono::Utc::now() - chrono::Duration::days(1));
                q.page_size = Some(1);
                match provider.pages(q).next().await {
                    Some(Err(e)) => Err(CliError::from(e)),
                    _ => Ok(()),
                }
            }
            .await;
            (a, tried)
        },
    )));
    let mut failed = 0;
    for (a, tried) in &results {
        match tried {
            Ok(()) => println!("{} ({}): ok", a.name, a.provider),
            Err(e) => {
                failed += 1;
                println!("{} ({}): {e}", a.name, a.provider);
            }
        }
    }
    if failed > 0 {
        return Err(CliError::Fleet {
            failed,
            of: results.len(),
        });
    }
    Ok(())
}
