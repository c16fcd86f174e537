//! The commands that start emulators (`emulate`, `demo`): compiled with
//! the `emulator` feature (on by default), so a build without it carries no
//! HTTP server.

use std::io::Write;

use calllogs::registry;

use crate::commands::{CliError, open_store, runtime, stdout_line, summary_line};

/// Every provider compiled in that has an emulator: the demo's list.
fn emulated() -> Vec<&'static str> {
    registry::providers()
        .into_iter()
        .map(|p| p.id)
        .filter(|id| calllogs_emulator::PROVIDERS.contains(id))
        .collect()
}

pub fn demo(args: crate::args::DemoArgs) -> Result<(), CliError> {
    let mut store = open_store(&args.db)?;
    let ids = emulated();
    eprintln!(
        "calllogs demo: {} calls per provider from {} local emulators ({}; 5 ms latency, 5% faults) into {}",
        args.calls,
        ids.len(),
        ids.join(", "),
        args.db.display()
    );
    let mut retries = 0;
    runtime()?.block_on(async {
        for id in ids {
            let config = calllogs_emulator::Config {
                calls: args.calls,
                seed: 42,
                latency: std::time::Duration::from_millis(5),
                fault_rate: 0.05,
                rate_limit: Some(200.0),
                ..calllogs_emulator::Config::default()
            };
            let emu = calllogs_emulator::start(id, config)
                .await
                .map_err(|e| CliError::failed(format!("cannot start the {id} emulator"), e))?;
            // Counted per provider: each client reports to its own stats.
            let stats = std::sync::Arc::new(calllogs::http::HttpStats::default());
            let settings = emu.settings();
            let mut http = settings.http.clone();
            http.observers.add(stats.clone());
            let provider = registry::build(id, &settings.http(http))?;
            let opts = calllogs::sync::SyncOptions {
                since: Some(chrono::Utc::now() - chrono::Duration::days(31)),
                ..calllogs::sync::SyncOptions::default()
            };
            let progress = crate::progress::Progress::new(id, args.quiet, Some(stats.clone()));
            let started = std::time::Instant::now();
            let result = calllogs::sync::run(&mut store, provider.as_ref(), &opts, |p| {
                progress.update(p.pages, p.calls)
            })
            .await;
            progress.finish();
            let summary = result?;
            retries += stats.retries();
            eprintln!(
                "  {}; the emulator served {} requests, {} faults; {} retries",
                summary_line(&summary, started.elapsed().as_secs_f64()),
                emu.requests(),
                emu.faults(),
                stats.retries()
            );
        }
        Ok::<_, CliError>(())
    })?;
    eprintln!("  {retries} retries in all\n");
    let q = calllogs::report::ReportQuery {
        since: None,
        until: None,
        provider: None,
        by: calllogs::report::GroupBy::Provider,
    };
    let report = calllogs::report::report(&store, &q)?;
    stdout_line(&mut std::io::stdout().lock(), report.to_table().trim_end())
}

pub fn emulate(args: crate::args::EmulateArgs) -> Result<(), CliError> {
    for (flag, rate) in [
        ("--fault-rate", args.fault_rate),
        ("--drop-records-rate", args.drop_records_rate),
        ("--duplicate-rate", args.duplicate_rate),
    ] {
        if !(0.0..=1.0).contains(&rate) {
            return Err(CliError::usage(format!(
                "{flag} {rate} is not between 0 and 1"
            )));
        }
    }
    if args.rate_limit.is_some_and(|r| !(r > 0.0 && r.is_finite())) {
        return Err(CliError::usage(
            "--rate-limit must be a positive number of requests per second",
        ));
    }
    let id = args.provider.trim().to_ascii_lowercase();
    let mut credentials = Vec::new();
    let info = registry::info(&id).ok();
    for cred in info.map(|i| i.credentials).unwrap_or_default() {
        if let Some(v) = crate::args::credential(&args.credentials, cred.flag) {
            credentials.push((cred.env.to_string(), v.to_string()));
        }
    }
    let config = calllogs_emulator::Config {
        port: args.port,
        calls: args.calls,
        seed: args.seed,
        days: args.days,
        latency: std::time::Duration::from_millis(args.latency_ms),
        rate_limit: args.rate_limit,
        fault_rate: args.fault_rate,
        drop_records_rate: args.drop_records_rate,
        duplicate_rate: args.duplicate_rate,
        grow_per_request: args.drift,
        credentials,
        ..calllogs_emulator::Config::default()
    };
    runtime()?.block_on(async {
        let running = calllogs_emulator::start(&id, config)
            .await
            .map_err(|e| match e {
                calllogs_emulator::StartError::UnknownProvider(_) => CliError::usage(e.to_string()),
                other => CliError::failed("cannot start the emulator", other),
            })?;
        let mut out = std::io::stdout().lock();
        stdout_line(&mut out, &format!("listening on {}", running.origin()))?;
        for (name, value) in running.credentials() {
            stdout_line(&mut out, &format!("export {name}={value}"))?;
        }
        stdout_line(
            &mut out,
            &format!(
                "# calllogs fetch --provider {id} --base-url {} --since {}d",
                running.base_url(),
                args.days + 1
            ),
        )?;
        out.flush()?;
        drop(out);
        match calllogs_emulator::serve_forever(running).await {}
    })
}
