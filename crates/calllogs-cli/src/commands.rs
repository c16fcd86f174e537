//! The commands. Each returns a [`CliError`] that knows its exit code.

use std::fmt;
use std::io::{Read, Write};

use futures::StreamExt;

use calllogs::registry::{self, RegistryError};
use calllogs::{CallQuery, Category, DynProvider, HangupCause, RetryPolicy, Settings};

use crate::args::{Cli, Command, FetchArgs, FilterArgs, ProviderArgs};
use crate::output::Sink;

/// An error and its exit code: 2 for bad usage or bad input, 1 for the rest.
#[derive(Debug)]
pub struct CliError {
    message: String,
    code: u8,
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            code: 2,
        }
    }
    pub fn other(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            code: 1,
        }
    }
    pub fn exit_code(&self) -> u8 {
        self.code
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<calllogs::Error> for CliError {
    fn from(e: calllogs::Error) -> Self {
        CliError {
            code: if e.is_usage() { 2 } else { 1 },
            message: e.to_string(),
        }
    }
}

impl From<RegistryError> for CliError {
    fn from(e: RegistryError) -> Self {
        match e {
            RegistryError::Build(e) => e.into(),
            other => CliError::usage(other.to_string()),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::other(format!("I/O error: {e}"))
    }
}

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
        .try_init();
}

pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Providers => providers(),
        Command::Causes { json } => causes(json),
        Command::Explain { provider, reason } => explain(&provider, &reason),
        Command::Normalize {
            provider,
            files,
            no_raw,
        } => normalize(&provider, &files, no_raw),
        Command::Fetch(args) => fetch(*args),
        Command::Emulate(args) => emulate(args),
        Command::Sync(args) => sync_cmd(*args),
        Command::Report(args) => report_cmd(args),
        Command::Demo(args) => demo(args),
    }
}

fn stdout_line(out: &mut impl Write, line: &str) -> Result<(), CliError> {
    match writeln!(out, "{line}") {
        // A closed pipe (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn providers() -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    let list = registry::providers();
    if list.is_empty() {
        stdout_line(&mut out, "no provider is compiled into this build")?;
    }
    for p in list {
        stdout_line(&mut out, &format!("{} ({})", p.id, p.name))?;
        let creds: Vec<_> = p.credentials.iter().map(|c| c.env).collect();
        stdout_line(&mut out, &format!("  credentials: {}", creds.join(", ")))?;
        stdout_line(&mut out, &format!("  filters:     {}", p.filters))?;
        stdout_line(&mut out, &format!("  limits:      {}", p.limits))?;
    }
    for id in registry::KNOWN {
        if matches!(registry::info(id), Err(RegistryError::NotCompiled(_))) {
            stdout_line(&mut out, &format!("{id} (not compiled into this build)"))?;
        }
    }
    Ok(())
}

fn causes(json: bool) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    if !json {
        stdout_line(
            &mut out,
            &format!(
                "{:<42} {:<18} {:>5} {:>4} {:>4}  description",
                "cause", "category", "plivo", "q850", "sip"
            ),
        )?;
    }
    let opt = |v: Option<u16>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
    for &c in HangupCause::ALL {
        if json {
            let v = serde_json::json!({
                "cause": c.as_str(),
                "category": c.category().as_str(),
                "description": c.description(),
                "plivo_code": c.plivo_code(),
                "q850": c.q850(),
                "sip": c.sip(),
            });
            stdout_line(&mut out, &v.to_string())?;
        } else {
            stdout_line(
                &mut out,
                &format!(
                    "{:<42} {:<18} {:>5} {:>4} {:>4}  {}",
                    c.as_str(),
                    c.category().as_str(),
                    opt(c.plivo_code()),
                    opt(c.q850()),
                    opt(c.sip()),
                    c.description()
                ),
            )?;
        }
    }
    if !json {
        stdout_line(
            &mut out,
            &format!(
                "{:<42} {:<18}  {}",
                "other",
                Category::Other.as_str(),
                HangupCause::Other.description()
            ),
        )?;
    }
    Ok(())
}

/// A provider for offline work (normalize, explain): no credential needed.
fn offline_provider(id: &str) -> Result<DynProvider, CliError> {
    Ok(registry::build(id, &Settings::new().without_env())?)
}

fn explain(provider: &str, reason: &str) -> Result<(), CliError> {
    let p = offline_provider(provider)?;
    let h = p.explain(reason);
    let v = serde_json::json!({
        "provider": p.id(),
        "input": reason,
        "cause": h.cause.as_str(),
        "category": h.category.as_str(),
        "description": h.cause.description(),
        "source": h.source,
        "provider_code": h.provider_code,
        "provider_reason": h.provider_reason,
        "q850": h.q850,
        "sip": h.sip,
    });
    let text = serde_json::to_string_pretty(&v).map_err(|e| CliError::other(e.to_string()))?;
    stdout_line(&mut std::io::stdout().lock(), &text)
}

fn normalize(provider: &str, files: &[String], no_raw: bool) -> Result<(), CliError> {
    let p = offline_provider(provider)?;
    let inputs: Vec<String> = if files.is_empty() {
        vec!["-".into()]
    } else {
        files.to_vec()
    };
    let mut sink = Sink::stdout(crate::output::Format::Ndjson, no_raw)?;
    for name in &inputs {
        let mut body = Vec::new();
        if name == "-" {
            std::io::stdin().lock().read_to_end(&mut body)?;
        } else {
            body = std::fs::read(name)
                .map_err(|e| CliError::usage(format!("cannot read {name}: {e}")))?;
        }
        let page = p
            .decode_page(&body)
            .map_err(|e| CliError::usage(format!("{name}: {e}")))?;
        for call in &page.items {
            sink.write(call)?;
        }
    }
    sink.finish()
}

/// Settings from the provider flags (credentials from flags, else the environment).
pub fn settings(args: &ProviderArgs) -> Result<Settings, CliError> {
    let info = registry::info(&args.provider)?;
    let mut s = Settings::new();
    if let Some(url) = &args.base_url {
        s = s.base_url(url.clone());
    }
    if args.allow_insecure {
        s = s.allow_insecure();
    }
    for cred in info.credentials {
        let given = match cred.flag {
            "auth-id" => &args.auth_id,
            "org-handle" => &args.org_handle,
            _ => &args.token,
        };
        if let Some(v) = given {
            s = s.credential(cred.env, v.clone());
        }
    }
    let mut http = s.http.clone();
    http.retry = RetryPolicy {
        max_attempts: args.max_attempts.max(1),
        ..RetryPolicy::default()
    };
    if let Some(r) = args.rate_limit {
        if !(r > 0.0 && r.is_finite()) {
            return Err(CliError::usage(
                "--rate-limit must be a positive number of requests per second",
            ));
        }
        http.rate_limit = Some(r);
    }
    http.concurrency = args.concurrency.map(usize::from);
    if let Some(secs) = args.timeout {
        http.timeout = std::time::Duration::from_secs(secs);
    }
    Ok(s.http(http))
}

/// The query from the filter flags, with the provider's own filters applied.
pub fn query(provider: &str, f: &FilterArgs) -> Result<CallQuery, CliError> {
    let mut q = CallQuery::new();
    q.since = f.since;
    q.until = f.until;
    q.direction = f.direction;
    q.status = f.status;
    q.from = f.from.clone();
    q.to = f.to.clone();
    q.search = f.search.clone();
    q.campaign = f.campaign.clone();
    q.agent = f.agent.clone();
    q.page_size = f.page_size;
    let mut extra = f.filters.clone();
    if let Some(a) = &f.assistant {
        extra.push(("assistant".into(), a.clone()));
    }
    if !extra.is_empty() {
        let info = registry::info(provider)?;
        (info.apply_filters)(&mut q, &extra).map_err(CliError::usage)?;
    }
    Ok(q)
}

pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::other(format!("cannot start the async runtime: {e}")))
}

fn fetch(args: FetchArgs) -> Result<(), CliError> {
    let mut settings = settings(&args.provider)?;
    if let Some(dir) = &args.record_dir {
        let mut http = settings.http.clone();
        http.record_dir = Some(dir.clone());
        settings = settings.http(http);
    }
    let q = query(&args.provider.provider, &args.filters)?;
    let provider = registry::build(&args.provider.provider, &settings)?;
    // Opened before the pull so a bad path fails at once; written under a
    // temporary name and renamed only when every page has arrived.
    let mut sink = Sink::open(args.output.as_deref(), args.format, args.no_raw)?;
    let progress = crate::progress::Progress::new(provider.id(), args.quiet);
    let result = runtime()?.block_on(async {
        let mut pages = provider
            .pages(q)
            .take(args.max_pages.map_or(usize::MAX, |n| n as usize));
        let (mut n_pages, mut n_calls) = (0u64, 0u64);
        while let Some(page) = pages.next().await {
            let page = page?;
            n_pages += 1;
            n_calls += page.items.len() as u64;
            for call in &page.items {
                sink.write(call)?;
            }
            progress.update(n_pages, n_calls);
        }
        Ok::<_, CliError>(())
    });
    progress.finish();
    match result {
        Ok(()) => sink.finish(),
        Err(e) => {
            sink.abandon();
            Err(e)
        }
    }
}

fn sync_error(e: calllogs::sync::SyncError) -> CliError {
    match e {
        calllogs::sync::SyncError::Provider(e) => e.into(),
        other => CliError::other(other.to_string()),
    }
}

fn open_store(path: &std::path::Path) -> Result<calllogs::store::Store, CliError> {
    calllogs::store::Store::open(path)
        .map_err(|e| CliError::usage(format!("cannot open {}: {e}", path.display())))
}

fn summary_line(s: &calllogs::sync::SyncSummary, secs: f64) -> String {
    format!(
        "{}/{}: {} calls in {} pages ({} new, {} updated, {} unchanged){} in {secs:.1}s",
        s.provider,
        s.account,
        s.calls,
        s.pages,
        s.upserted.new,
        s.upserted.updated,
        s.upserted.unchanged,
        if s.resumed {
            ", resumed from the last checkpoint"
        } else {
            ""
        },
    )
}

fn sync_cmd(args: crate::args::SyncArgs) -> Result<(), CliError> {
    let settings = settings(&args.provider)?;
    let provider = registry::build(&args.provider.provider, &settings)?;
    let mut store = open_store(&args.db)?;
    let opts = calllogs::sync::SyncOptions {
        since: args.since,
        lookback: args.lookback,
        account: args.account.clone(),
        ..calllogs::sync::SyncOptions::default()
    };
    let progress = crate::progress::Progress::new(provider.id(), args.quiet);
    let started = std::time::Instant::now();
    let result = runtime()?.block_on(calllogs::sync::run(
        &mut store,
        provider.as_ref(),
        &opts,
        |p| progress.update(p.pages, p.calls),
    ));
    progress.finish();
    let summary = result.map_err(sync_error)?;
    eprintln!(
        "{}",
        summary_line(&summary, started.elapsed().as_secs_f64())
    );
    Ok(())
}

fn report_cmd(args: crate::args::ReportArgs) -> Result<(), CliError> {
    if !args.db.exists() {
        return Err(CliError::usage(format!(
            "{} does not exist (run calllogs sync first)",
            args.db.display()
        )));
    }
    let store = open_store(&args.db)?;
    let by = match args.by {
        crate::args::By::Day => calllogs::report::GroupBy::Day,
        crate::args::By::Provider => calllogs::report::GroupBy::Provider,
        crate::args::By::Agent => calllogs::report::GroupBy::Agent,
        crate::args::By::Campaign => calllogs::report::GroupBy::Campaign,
    };
    let q = calllogs::report::ReportQuery {
        since: args.since,
        until: args.until,
        provider: args.provider.clone(),
        by,
    };
    let report =
        calllogs::report::report(&store, &q).map_err(|e| CliError::other(e.to_string()))?;
    let text = if args.json {
        serde_json::to_string_pretty(&report).map_err(|e| CliError::other(e.to_string()))?
    } else {
        report.to_table()
    };
    stdout_line(&mut std::io::stdout().lock(), text.trim_end())
}

fn demo(args: crate::args::DemoArgs) -> Result<(), CliError> {
    let mut store = open_store(&args.db)?;
    eprintln!(
        "calllogs demo: {} calls per provider from four local emulators (5 ms latency, 5% faults) into {}",
        args.calls,
        args.db.display()
    );
    runtime()?.block_on(async {
        for id in calllogs_emulator::PROVIDERS {
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
                .map_err(|e| CliError::other(e.to_string()))?;
            let provider = registry::build(id, &emu.settings())?;
            let opts = calllogs::sync::SyncOptions {
                since: Some(chrono::Utc::now() - chrono::Duration::days(31)),
                ..calllogs::sync::SyncOptions::default()
            };
            let progress = crate::progress::Progress::new(id, args.quiet);
            let started = std::time::Instant::now();
            let result = calllogs::sync::run(&mut store, provider.as_ref(), &opts, |p| {
                progress.update(p.pages, p.calls)
            })
            .await;
            progress.finish();
            let summary = result.map_err(sync_error)?;
            eprintln!(
                "  {}; the emulator served {} requests, {} faults",
                summary_line(&summary, started.elapsed().as_secs_f64()),
                emu.requests(),
                emu.faults()
            );
        }
        Ok::<_, CliError>(())
    })?;
    eprintln!("  {} retries in all\n", calllogs::http::retries_total());
    let q = calllogs::report::ReportQuery {
        since: None,
        until: None,
        provider: None,
        by: calllogs::report::GroupBy::Provider,
    };
    let report =
        calllogs::report::report(&store, &q).map_err(|e| CliError::other(e.to_string()))?;
    stdout_line(&mut std::io::stdout().lock(), report.to_table().trim_end())
}

fn emulate(args: crate::args::EmulateArgs) -> Result<(), CliError> {
    if !(0.0..=1.0).contains(&args.fault_rate) {
        return Err(CliError::usage(format!(
            "--fault-rate {} is not between 0 and 1",
            args.fault_rate
        )));
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
        let given = match cred.flag {
            "auth-id" => &args.auth_id,
            "org-handle" => &args.org_handle,
            _ => &args.token,
        };
        if let Some(v) = given {
            credentials.push((cred.env.to_string(), v.clone()));
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
        credentials,
        ..calllogs_emulator::Config::default()
    };
    runtime()?.block_on(async {
        let running = calllogs_emulator::start(&id, config)
            .await
            .map_err(|e| match e {
                calllogs_emulator::StartError::UnknownProvider(_) => CliError::usage(e.to_string()),
                other => CliError::other(other.to_string()),
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
