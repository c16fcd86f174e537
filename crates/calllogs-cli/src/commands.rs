//! The commands. Each returns a [`CliError`] that knows its exit code.

use std::io::{Read, Write};

use futures::StreamExt;

use calllogs::registry::{self, RegistryError};
use calllogs::{CallQuery, Category, DynProvider, HangupCause, RetryPolicy, Settings};

use crate::args::{Cli, Command, FetchArgs, FilterArgs, ProviderArgs};
use crate::output::Sink;

pub use crate::error::CliError;

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
        Command::Providers { json } => providers(json),
        Command::Causes { json } => causes(json),
        Command::Explain { provider, reason } => explain(&provider, &reason),
        Command::Normalize {
            provider,
            files,
            no_raw,
        } => normalize(&provider, &files, no_raw),
        Command::Fetch(args) => fetch(*args),
        #[cfg(feature = "emulator")]
        Command::Emulate(args) => crate::emulated::emulate(args),
        Command::Sync(args) => sync_cmd(*args),
        Command::Report(args) => report_cmd(args),
        Command::Config(crate::args::ConfigCommand::Init { output }) => config_init(&output),
        Command::Fleet(crate::args::FleetCommand::Status { db, config, json }) => {
            crate::fleet::status(db.as_deref(), config.as_deref(), json)
        }
        Command::Check { config, account } => crate::fleet::check(&config, &account),
        Command::Airbyte(verb) => airbyte(verb),
        Command::Singer(args) => singer(args),
        #[cfg(feature = "emulator")]
        Command::Demo(args) => crate::emulated::demo(args),
    }
}

fn airbyte(verb: crate::args::AirbyteCommand) -> Result<(), CliError> {
    use crate::args::AirbyteCommand as A;
    use calllogs::connector::airbyte::{self, Command};
    let command = match verb {
        A::Spec => Command::Spec,
        A::Check { config } => Command::Check { config },
        A::Discover { config } => Command::Discover { config },
        A::Read {
            config,
            catalog,
            state,
        } => Command::Read {
            config,
            catalog,
            state,
        },
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    Ok(airbyte::run(&command, &calllogs::registry::REGISTRY, &mut out)?)
}

fn singer(args: crate::args::SingerArgs) -> Result<(), CliError> {
    use calllogs::connector::singer;
    let opts = singer::Options {
        config: args.config,
        state: args.state,
        catalog: args.catalog,
        discover: args.discover,
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    Ok(singer::run(&opts, &calllogs::registry::REGISTRY, &mut out)?)
}

pub(crate) fn stdout_line(out: &mut impl Write, line: &str) -> Result<(), CliError> {
    match writeln!(out, "{line}") {
        // A closed pipe (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn providers(json: bool) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    let list = registry::providers();
    if json {
        // One object per provider compiled in: what tools (xtask) derive
        // their provider lists from.
        for p in list {
            let creds: Vec<_> = p
                .credentials
                .iter()
                .map(|c| serde_json::json!({"env": c.env, "flag": c.flag}))
                .collect();
            let v = serde_json::json!({
                "id": p.id,
                "name": p.name,
                "credentials": creds,
                "filters": p.filters,
                "limits": p.limits,
            });
            stdout_line(&mut out, &v.to_string())?;
        }
        return Ok(());
    }
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
    let Some(h) = p.explain(reason) else {
        // A status, not an end: no cause yet, and saying `other` would lie.
        let v = serde_json::json!({
            "provider": p.id(),
            "input": reason,
            "ended": false,
            "meaning": "a call status that is not an end (the call is queued, ringing or in progress): it has no hangup cause yet",
        });
        let text = serde_json::to_string_pretty(&v)?;
        return stdout_line(&mut std::io::stdout().lock(), &text);
    };
    let v = serde_json::json!({
        "provider": p.id(),
        "input": reason,
        "ended": true,
        "cause": h.cause.as_str(),
        "category": h.category.as_str(),
        "description": h.cause.description(),
        "source": h.source,
        "provider_code": h.provider_code,
        "provider_reason": h.provider_reason,
        "q850": h.q850,
        "sip": h.sip,
    });
    let text = serde_json::to_string_pretty(&v)?;
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
                .map_err(|e| CliError::usage_caused(format!("cannot read {name}"), e))?;
        }
        let page = decode_input(p.as_ref(), name, &body)?;
        for call in &page.items {
            sink.write(call)?;
        }
        let mut reasons: Vec<(String, u64)> = Vec::new();
        calllogs::page::tally_rejects(&mut reasons, &page.rejects);
        let note = rejects_note(page.rejects.len() as u64, &reasons);
        if page.items.is_empty() && !page.rejects.is_empty() {
            return Err(CliError::usage(format!(
                "{name}: no call could be read{note}"
            )));
        }
        if !note.is_empty() {
            eprintln!("calllogs: {name}{note}");
        }
        if page.items.is_empty() {
            eprintln!("calllogs: {name}: a page with no calls");
        }
    }
    sink.finish()
}

/// What people paste: a page body as the API sends it, one call record
/// (Plivo's "Retrieve a call" object), a bare JSON array of records, or
/// NDJSON of records. Anything else is a usage error saying what was expected.
fn decode_input(
    p: &dyn calllogs::Provider,
    name: &str,
    body: &[u8],
) -> Result<calllogs::Page<calllogs::Call>, CliError> {
    use serde_json::value::RawValue;
    let not_a_page = match p.decode_page(body) {
        Ok(page) => return Ok(page),
        // An error the body states (bad credentials in an envelope…) is the answer.
        Err(e @ calllogs::Error::Decode { .. }) => e,
        Err(e) => return Err(CliError::usage_caused(name, e)),
    };
    let text = std::str::from_utf8(body).unwrap_or("");
    let is_object = |r: &RawValue| r.get().trim_start().starts_with('{');
    let records: Option<Vec<Box<RawValue>>> =
        if let Ok(list) = serde_json::from_str::<Vec<Box<RawValue>>>(text) {
            Some(list).filter(|l| l.iter().all(|r| is_object(r)))
        } else if let Ok(one) = serde_json::from_str::<Box<RawValue>>(text) {
            Some(vec![one]).filter(|l| l.iter().all(|r| is_object(r)))
        } else {
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    serde_json::from_str::<Box<RawValue>>(l)
                        .ok()
                        .filter(|r| is_object(r))
                })
                .collect::<Option<Vec<_>>>()
                .filter(|l| !l.is_empty())
        };
    match records {
        Some(records) => Ok(calllogs::page::map_records(
            p.id(),
            records.iter().map(|r| &**r).collect(),
            |r| p.decode_record(r),
        )),
        None => Err(CliError::usage(format!(
            "{name}: expected a {id} page body, one {id} call record, a JSON array of records or NDJSON of records ({not_a_page})",
            id = p.id()
        ))),
    }
}

impl ProviderArgs {
    /// The provider id, which every command but `sync --config` needs.
    pub fn id(&self) -> Result<&str, CliError> {
        self.provider
            .as_deref()
            .ok_or_else(|| CliError::usage("--provider is required (see calllogs providers)"))
    }
}

/// Settings from the provider flags (credentials from flags, else the environment).
pub fn settings(args: &ProviderArgs) -> Result<Settings, CliError> {
    let info = registry::info(args.id()?)?;
    let mut s = Settings::new();
    if let Some(url) = &args.base_url {
        s = s.base_url(url.clone());
    }
    if args.allow_insecure {
        s = s.allow_insecure();
    }
    for cred in info.credentials {
        if let Some(v) = crate::args::credential(&args.credentials, cred.flag) {
            s = s.credential(cred.env, v.to_string());
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
pub fn query(
    provider: &str,
    f: &FilterArgs,
    file_filters: &[(String, String)],
) -> Result<CallQuery, CliError> {
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
    let mut extra = file_filters.to_vec();
    extra.extend(f.filters.iter().cloned());
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
        .map_err(|e| CliError::failed("cannot start the async runtime", e))
}

/// With `--config`: the provider id, settings and filters of the account named
/// (or the file's only account).
fn from_config(
    path: &std::path::Path,
    name: Option<&str>,
) -> Result<calllogs::config::Account, CliError> {
    let config = calllogs::config::Config::load(path, &calllogs::registry::REGISTRY)?;
    let account = match name {
        Some(n) => config
            .select(&[n.to_string()])
            .map_err(CliError::usage)?
            .remove(0),
        None if config.accounts.len() == 1 => &config.accounts[0],
        None => {
            return Err(CliError::usage(format!(
                "{} has {} accounts: name one with --account",
                path.display(),
                config.accounts.len()
            )));
        }
    };
    Ok(account.clone())
}

fn fetch(args: FetchArgs) -> Result<(), CliError> {
    let (id, mut settings, file_filters) = match &args.config {
        Some(path) => {
            let a = from_config(path, args.account.as_deref())?;
            (a.provider, a.settings, a.filters)
        }
        None => (
            registry::info(args.provider.id()?)?.id,
            settings(&args.provider)?,
            Vec::new(),
        ),
    };
    let stats = std::sync::Arc::new(calllogs::http::HttpStats::default());
    let mut http = settings.http.clone();
    http.observers.add(stats.clone());
    if let Some(dir) = &args.record_dir {
        http.observers
            .add(std::sync::Arc::new(calllogs::http::Recorder::new(dir)));
    }
    settings = settings.http(http);
    let q = query(id, &args.filters, &file_filters)?;
    let provider = registry::build(id, &settings)?;
    // Opened before the pull so a bad path fails at once; written under a
    // temporary name and renamed only when every page has arrived.
    let mut sink = Sink::open(args.output.as_deref(), args.format, args.no_raw)?;
    let progress = crate::progress::Progress::new(provider.id(), args.quiet, Some(stats));
    let result = runtime()?.block_on(async {
        let mut pages = calllogs::paginate::pull(provider.clone(), q, None)
            .take(args.max_pages.map_or(usize::MAX, |n| n as usize));
        let (mut n_pages, mut n_calls, mut repeats) = (0u64, 0u64, 0u64);
        let mut rejects: Vec<(String, u64)> = Vec::new();
        // Each call once per run: offset paging over a changing list can
        // send a call again on a later page.
        let mut seen = calllogs::seen::SeenIds::default();
        let mut expected = calllogs::paginate::Expected::default();
        while let Some(fetched) = pages.next().await {
            let fetched = fetched?;
            expected.observe(fetched.page.total, fetched.checkpoint.as_ref());
            if let Some(m) = fetched.mismatch {
                if args.strict {
                    return Err(CliError::failed(format!("{}: --strict", provider.id()), m));
                }
                eprintln!("calllogs: warning: {}: {m}", provider.id());
            }
            let page = fetched.page;
            n_pages += 1;
            for call in &page.items {
                if seen.first_time(&call.provider, &call.id) {
                    n_calls += 1;
                    sink.write(call)?;
                } else {
                    repeats += 1;
                }
            }
            calllogs::page::tally_rejects(&mut rejects, &page.rejects);
            progress.update(
                n_pages,
                n_calls,
                expected.expected(n_calls, fetched.checkpoint.as_ref()),
            );
        }
        Ok::<_, CliError>((repeats, rejects))
    });
    progress.finish();
    match result {
        Ok((repeats, rejects)) => {
            let n: u64 = rejects.iter().map(|(_, k)| k).sum();
            if n > 0 {
                eprintln!(
                    "calllogs: {}",
                    rejects_note(n, &rejects).trim_start_matches("; ")
                );
            }
            if repeats > 0 {
                eprintln!(
                    "calllogs: {repeats} repeated record(s) of calls already written were left out"
                );
            }
            sink.finish()
        }
        Err(e) => {
            sink.abandon();
            Err(e)
        }
    }
}

fn config_init(output: &std::path::Path) -> Result<(), CliError> {
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

pub(crate) fn summary_line(s: &calllogs::sync::SyncSummary, secs: f64) -> String {
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
    ) + &rejects_note(s.rejects, &s.reject_reasons)
}

/// `; 2 records rejected: no id` — empty when nothing was rejected.
pub(crate) fn rejects_note(n: u64, reasons: &[(String, u64)]) -> String {
    if n == 0 {
        return String::new();
    }
    let why: Vec<String> = reasons
        .iter()
        .map(|(reason, k)| {
            if reasons.len() > 1 {
                format!("{reason} ({k})")
            } else {
                reason.clone()
            }
        })
        .collect();
    format!(
        "; {n} record{} rejected: {}",
        if n == 1 { "" } else { "s" },
        why.join(", ")
    )
}

fn sync_cmd(args: crate::args::SyncArgs) -> Result<(), CliError> {
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
                progress.update(p.pages, p.calls, p.expected)
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

/// Writes the HTML report of `dashboard` to `path` (whole or not at all)
/// and says where, with what it holds.
pub(crate) fn write_html(
    path: &std::path::Path,
    dashboard: &calllogs::report::Dashboard,
    source: &str,
) -> Result<(), CliError> {
    let html = calllogs::html::render(dashboard, source);
    let tmp = path.with_extension("html.partial");
    std::fs::write(&tmp, html)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            CliError::failed(format!("cannot write {}", path.display()), e)
        })?;
    eprintln!(
        "wrote {}: {} calls, one bar a {}; open it in a browser (it needs nothing else)",
        path.display(),
        dashboard.overall.total,
        dashboard.bucket.as_str()
    );
    Ok(())
}

fn report_cmd(args: crate::args::ReportArgs) -> Result<(), CliError> {
    let db = db_of(args.db.as_deref(), args.config.as_deref())?;
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
    if let Some(path) = &args.html {
        let dashboard = runtime()?.block_on(async {
            let store = open_store(&db).await?;
            Ok::<_, CliError>(calllogs::report::dashboard(&store, &q).await?)
        })?;
        write_html(path, &dashboard, &db.to_string())?;
        return Ok(());
    }
    let report = runtime()?.block_on(async {
        let store = open_store(&db).await?;
        Ok::<_, CliError>(calllogs::report::report(&store, &q).await?)
    })?;
    let text = if args.json {
        serde_json::to_string_pretty(&report)?
    } else {
        report.to_table()
    };
    stdout_line(&mut std::io::stdout().lock(), text.trim_end())
}
