//! `calllogs sync --config calllogs.toml`: every account of the file, shared
//! with other processes on PostgreSQL; `calllogs fleet status`.

use std::collections::HashMap;
use std::sync::Arc;

use calllogs::config::Config;
use calllogs::fleet::FleetOptions;
use calllogs::http::HttpStats;
use calllogs::store::Target;

use crate::args::SyncArgs;
use crate::error::CliError;
use crate::output::{stdout_line, summary_line};
use crate::progress::Progress;
use crate::store::{db_of, open_store, runtime, target};

/// Retry counters per account name.
pub type Stats = HashMap<String, Arc<HttpStats>>;

/// `fleet::sync` of the accounts `names` of `config` (all when empty) into
/// `db`, with one progress line and one retry counter per account.
pub fn run(
    config: &mut Config,
    names: &[String],
    db: &Target,
    opts: &FleetOptions,
    quiet: bool,
) -> Result<(calllogs::fleet::FleetRun, Stats), CliError> {
    let mut stats: Stats = HashMap::new();
    for account in &mut config.accounts {
        let s = Arc::new(HttpStats::default());
        let mut http = account.settings.http.clone();
        http.observers.add(s.clone());
        account.settings = account.settings.clone().http(http);
        stats.insert(account.name.clone(), s);
    }
    let selected = config.select(names).map_err(CliError::usage)?;
    let multi = indicatif::MultiProgress::new();
    // A line per account this process syncs, from its first page: with
    // `--jobs` and other processes sharing the fleet, not every account is
    // this process's, nor under way at once.
    let bars: std::sync::Mutex<HashMap<String, Progress>> = Default::default();
    // And a line over them all (several accounts): calls, and the share of
    // every account's range covered, with an ETA from the start.
    let total = (selected.len() > 1).then(|| {
        Progress::in_multi(
            &multi,
            &format!("all {} accounts", selected.len()),
            quiet,
            None,
        )
    });
    let latest: std::sync::Mutex<HashMap<String, (u64, u64, f64)>> = Default::default();
    let run = runtime()?.block_on(async {
        // Opened and migrated once; the accounts take handles of their own
        // from it. A wrong URL or password fails here, once.
        let store = open_store(db).await?;
        calllogs::fleet::sync(&selected, &store, opts, |name, p| {
            let Ok(mut bars) = bars.lock() else { return };
            bars.entry(name.to_string())
                .or_insert_with(|| {
                    Progress::in_multi(&multi, name, quiet, stats.get(name).cloned())
                        .since(p.started)
                })
                .update(p.pages, p.calls, p.expected, crate::progress::Where::of(p));
            drop(bars);
            if let (Some(total), Ok(mut latest)) = (&total, latest.lock()) {
                let done = p
                    .covered
                    .unwrap_or(if p.windows_left == 0 { 1.0 } else { 0.0 });
                latest.insert(name.to_string(), (p.pages, p.calls, done));
                let (pages, calls, covered) = latest
                    .values()
                    .fold((0, 0, 0.0), |(a, b, c), (x, y, z)| (a + x, b + y, c + z));
                total.update(
                    pages,
                    calls,
                    None,
                    crate::progress::Where {
                        covered: Some(covered / selected.len() as f64),
                        windows_left: 0,
                    },
                );
            }
        })
        .await
        .map_err(|e| CliError::failed(format!("cannot share out the accounts through {db}"), e))
    });
    if let Ok(bars) = bars.lock() {
        bars.values().for_each(Progress::finish);
    }
    if let Some(total) = &total {
        total.finish();
    }
    Ok((run?, stats))
}

/// Syncs the accounts of the file at `path` (those `--account` names, else
/// all), `--jobs` at a time; on PostgreSQL shared with every other process
/// running the same file. One line per account at the end; exit 1 if any
/// failed.
pub fn sync(args: &SyncArgs, path: &std::path::Path) -> Result<(), CliError> {
    let mut config = Config::load(path, &calllogs::registry::REGISTRY)?;
    let db = match (&args.db, &config.db) {
        (Some(db), _) => db.clone(),
        (None, Some(db)) => db.clone(),
        (None, None) => {
            return Err(CliError::usage(format!(
                "{}: no db in the file and no --db",
                path.display()
            )));
        }
    };
    let db = target(&db)?;
    let opts = FleetOptions {
        jobs: usize::from(args.jobs),
        lease: args.lease,
        holder: None,
    };
    let (run, _) = self::run(&mut config, &args.account, &db, &opts, args.quiet)?;
    if let Some(holder) = &run.holder {
        eprintln!("{db}: this process is {holder}");
    }
    let mut failed = 0;
    for r in &run.results {
        if let Some(from) = &r.taken_over_from {
            eprintln!(
                "{}/{}: taken over from {from}, whose lease ran out",
                r.provider, r.account
            );
        }
        match &r.outcome {
            Ok(s) => {
                for m in &s.mismatches {
                    eprintln!("calllogs: warning: {}: {m}", r.account);
                }
                eprintln!("{}", summary_line(s, r.elapsed.as_secs_f64()));
            }
            Err(e) if e.lease_lost() => {
                eprintln!("{}/{}: handed over: {e}", r.provider, r.account);
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
    if !run.elsewhere.is_empty() {
        eprintln!(
            "{} account{} synced by other processes: {}",
            run.elsewhere.len(),
            if run.elsewhere.len() == 1 { "" } else { "s" },
            run.elsewhere.join(", ")
        );
    }
    for e in &run.coordination_errors {
        eprintln!("calllogs: the claims could not be kept: {e}");
    }
    if failed > 0 || !run.coordination_errors.is_empty() {
        return Err(CliError::Fleet {
            failed: failed + run.coordination_errors.len(),
            of: run.results.len().max(1),
        });
    }
    Ok(())
}

/// `calllogs fleet status`: one line (or JSON object) per account.
pub fn status(
    db: Option<&str>,
    config: Option<&std::path::Path>,
    json: bool,
) -> Result<(), CliError> {
    let target = db_of(db, config)?;
    let rows = runtime()?.block_on(async {
        let store = open_store(&target).await?;
        Ok::<_, CliError>(store.fleet_status().await?)
    })?;
    let mut out = std::io::stdout().lock();
    if json {
        for r in &rows {
            stdout_line(&mut out, &serde_json::to_string(r)?)?;
        }
        return Ok(());
    }
    if rows.is_empty() {
        return stdout_line(&mut out, &format!("{target}: no account has synced yet"));
    }
    let t = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or("-".to_string(), |t| {
            t.format("%Y-%m-%d %H:%M:%S").to_string()
        })
    };
    for r in &rows {
        let held = match (&r.holder, &r.last_holder) {
            (Some(h), _) => format!(
                "held by {h} since {} (lease until {})",
                t(r.held_since),
                t(r.leased_until)
            ),
            (None, Some(last)) => format!("free (last held by {last})"),
            (None, None) => "free".to_string(),
        };
        let state = match r.state.as_deref() {
            Some("running") => format!(
                "checkpoint after {} pages, {} calls of {} .. {}",
                r.pages_done,
                r.calls_seen,
                t(r.range_since),
                t(r.range_until)
            ),
            Some(_) => format!("synced until {}", t(r.synced_until)),
            None => "never synced".to_string(),
        };
        let mut line = format!("{}/{}: {held}; {state}", r.provider, r.account);
        if let Some(ok) = r.last_success {
            line += &format!("; last success {}", t(Some(ok)));
        }
        if let Some((at, e)) = &r.last_error {
            line += &format!("; last error {}: {e}", t(Some(*at)));
        }
        if let Some((at, from)) = &r.taken_over_from {
            line += &format!("; taken over from {from} at {}", t(Some(*at)));
        }
        stdout_line(&mut out, &line)?;
    }
    Ok(())
}

/// `calllogs check --config F`: one page of one call from the last day per
/// account, all at once; a line each (`ok`, or the provider's sentence).
pub fn check(path: &std::path::Path, names: &[String]) -> Result<(), CliError> {
    let config = Config::load(path, &calllogs::registry::REGISTRY)?;
    let selected = config.select(names).map_err(CliError::usage)?;
    let results = runtime()?.block_on(futures::future::join_all(
        selected
            .iter()
            .map(|a| async move { (a, calllogs::fleet::check(a).await) }),
    ));
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
