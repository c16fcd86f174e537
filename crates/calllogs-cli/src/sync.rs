//! `calllogs sync` of one provider (`--config`: the fleet, `crate::fleet`).

use calllogs::registry;

use crate::error::CliError;
use crate::output::summary_line;
use crate::provider::settings;
use crate::store::{open_store, runtime, target};

pub(crate) fn sync_cmd(args: crate::args::SyncArgs) -> Result<(), CliError> {
    if let Some(path) = &args.config {
        return crate::fleet::sync(&args, path);
    }
    let db = target(
        args.db
            .as_deref()
            .ok_or_else(|| CliError::usage("--db is required (or --config with a db)"))?,
    )?;
    if args.account.len() > 1 {
        return Err(CliError::usage(
            "--account names one label without --config (several need a config file)",
        ));
    }
    let settings = settings(&args.provider)?;
    let stats = std::sync::Arc::new(calllogs::http::HttpStats::default());
    let mut http = settings.http.clone();
    http.observers.add(stats.clone());
    let provider = registry::build(args.provider.id()?, &settings.http(http))?;
    let mut query = calllogs::CallQuery::new();
    query.page_size = args.page_size;
    let opts = calllogs::sync::SyncOptions {
        since: args.since,
        lookback: args.lookback,
        account: args.account.first().cloned(),
        strict: args.strict,
        query,
        ..calllogs::sync::SyncOptions::default()
    };
    let progress = crate::progress::Progress::new(provider.id(), args.quiet, Some(stats));
    let started = std::time::Instant::now();
    let result = runtime()?.block_on(async {
        let mut store = open_store(&db).await?;
        Ok::<_, CliError>(
            calllogs::sync::run(&mut store, provider.as_ref(), &opts, |p| {
                progress.update(p.pages, p.calls, p.expected, crate::progress::Where::of(p))
            })
            .await?,
        )
    });
    progress.finish();
    let summary = result?;
    for m in &summary.mismatches {
        eprintln!("calllogs: warning: {}: {m}", summary.provider);
    }
    eprintln!(
        "{}",
        summary_line(&summary, started.elapsed().as_secs_f64())
    );
    Ok(())
}
