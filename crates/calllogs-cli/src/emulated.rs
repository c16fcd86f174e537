//! The commands that start emulators (`emulate`, `demo`): compiled with
//! the `emulator` feature (on by default), so a build without it carries no
//! HTTP server.

use std::io::Write;

use calllogs::registry;

use crate::error::CliError;
use crate::output::{count, retries, stdout_line, summary_line};
use crate::store::{open_store, runtime};

/// Waits (up to a minute) until something answers at `url`'s host.
async fn wait_for(url: &str) {
    let Some(addr) = calllogs::Url::parse(url)
        .ok()
        .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)))
    else {
        return;
    };
    for _ in 0..600 {
        if tokio::net::TcpStream::connect(&addr).await.is_ok() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Every provider compiled in that has an emulator: the demo's list.
fn emulated() -> Vec<&'static str> {
    registry::providers()
        .into_iter()
        .map(|p| p.id)
        .filter(|id| calllogs::emulator::providers().contains(id))
        .collect()
}

pub fn demo(args: crate::args::DemoArgs) -> Result<(), CliError> {
    let ids = emulated();
    // One account per provider, and a second for the first provider, to
    // show two accounts side by side.
    let mut plan: Vec<(String, &'static str, u64)> = ids
        .iter()
        .map(|id| (format!("{id}-demo"), *id, 42))
        .collect();
    if let Some(first) = ids.first() {
        plan.push((format!("{first}-demo-2"), first, 43));
    }
    let config_path = args.db.with_extension("toml");
    eprintln!(
        "calllogs demo: {} calls per account from {} local emulators ({}; 5 ms latency, 5% faults) into {}, through {}",
        args.calls,
        plan.len(),
        plan.iter()
            .map(|(n, ..)| n.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        args.db.display(),
        config_path.display()
    );
    let rt = runtime()?;
    let mut emulators = Vec::new();
    let mut hooks = Vec::new();
    // The demo's days hold a few dozen calls each: a smaller sample than a
    // contact center's is enough for its findings.
    let mut text = format!(
        "# Written by `calllogs demo`: its emulators as accounts.\ndb = {:?}\nfirst_window = \"31d\"\n\n[alerts]\nmin_calls = {DEMO_MIN_CALLS}\n",
        args.db.display().to_string()
    );
    let now = chrono::Utc::now();
    let yesterday = now.date_naive() - chrono::Duration::days(1);
    for (i, (name, id, seed)) in plan.iter().enumerate() {
        let config = calllogs::emulator::Config {
            calls: args.calls,
            seed: *seed,
            latency: std::time::Duration::from_millis(5),
            fault_rate: 0.05,
            rate_limit: Some(200.0),
            // Twilio's usage records count three calls more yesterday than
            // its list holds: `audit` finds the day.
            usage_skew: Some((yesterday, 3)),
            ..calllogs::emulator::Config::default()
        };
        let emu = rt
            .block_on(calllogs::emulator::start(id, config))
            .map_err(|e| CliError::failed(format!("cannot start the {id} emulator"), e))?;
        if i == 0 {
            // The first account holds one finding of each kind.
            emu.update(|calls| calllogs::emulator::plant::findings(calls, now));
        }
        text += &calllogs::config::account_entry(
            name,
            id,
            &emu.base_url(),
            &emu.credentials(),
            &calllogs::registry::REGISTRY,
        )?;
        // Providers that push end-of-call webhooks push them to `listen`.
        if let Some(keys) = calllogs::emulator::WebhookKeys::of(&emu, *seed) {
            for (var, value) in &keys.exports {
                let key = if var.ends_with("_PUBLIC_KEY") {
                    "webhook_public_key"
                } else {
                    "webhook_secret"
                };
                text += &format!("{key} = {value:?}\n");
            }
            hooks.push((name.clone(), keys, emu.hooks()));
        }
        emulators.push((name.clone(), emu));
    }
    // Demo credentials, written literally: only the owner may read the file.
    write_private(&config_path, &text)?;
    let mut config = calllogs::config::Config::load(&config_path, &calllogs::registry::REGISTRY)?;
    let db = calllogs::store::Target::Sqlite(args.db.clone());
    // `listen` beside the sync: the emulators post their calls' end events
    // (5% lost, 5% twice, 10% out of order) while the list is pulled.
    let webhooks = rt.block_on(start_webhooks(&config, &db, hooks))?;
    let opts = calllogs::fleet::FleetOptions::default();
    let (run, stats) = crate::fleet::run(&mut config, &[], &db, &opts, args.quiet)?;
    let mut all_retries = 0;
    for r in run.results {
        let summary = r
            .outcome
            .map_err(|e| CliError::failed(r.account.clone(), e))?;
        let emu = emulators
            .iter()
            .find(|(n, _)| *n == r.account)
            .map(|(_, e)| e);
        let tried = stats.get(&r.account).map_or(0, |s| s.retries());
        all_retries += tried;
        eprintln!(
            "  {}; the emulator served {}, {}; {}",
            summary_line(&summary, r.elapsed.as_secs_f64()),
            count(emu.map_or(0, |e| e.requests()), "request"),
            count(emu.map_or(0, |e| e.faults()), "fault"),
            retries(tried),
        );
    }
    eprintln!("  {} in all", retries(all_retries));
    rt.block_on(finish_webhooks(&config, &db, webhooks))?;
    eprintln!();
    let q = calllogs::report::ReportQuery {
        since: None,
        until: None,
        provider: None,
        by: calllogs::report::GroupBy::Provider,
    };
    let mut alerts_q = calllogs::alerts::AlertQuery::new(now);
    (alerts_q.rules, alerts_q.account_rules) = crate::alerts::rules_of(&config_path)?;
    let audit_q = rt.block_on(crate::audit::query(
        &config,
        &config_path,
        yesterday - chrono::Duration::days(29),
        now.date_naive(),
        None,
        None,
    ))?;
    let (report, dashboard, alerts, audit) = rt.block_on(async {
        let store = open_store(&db).await?;
        Ok::<_, CliError>((
            calllogs::report::report(&store, &q).await?,
            calllogs::report::dashboard_with(&store, &q, &alerts_q).await?,
            calllogs::alerts::alerts(&store, &alerts_q).await?,
            calllogs::audit::audit(&store, &audit_q).await?,
        ))
    })?;
    // The same report to look at, beside the database.
    crate::output::write_html(&args.db.with_extension("html"), &dashboard, &db.to_string())?;
    let mut out = std::io::stdout().lock();
    stdout_line(&mut out, report.to_table().trim_end())?;
    let file = config_path.display();
    stdout_line(
        &mut out,
        &format!("\nFindings for {yesterday} (calllogs alerts --config {file}):"),
    )?;
    for f in &alerts.findings {
        stdout_line(&mut out, &f.line())?;
    }
    let compared = audit.days.iter().filter(|d| d.usage.is_some()).count();
    stdout_line(
        &mut out,
        &format!(
            "\nCost audit of the last 30 days (calllogs audit --config {file}): {compared} account-days beside the provider's usage totals"
        ),
    )?;
    for f in &audit.findings {
        stdout_line(&mut out, &f.line())?;
    }
    Ok(())
}

/// The smallest sample the demo's alerts judge a rate on (its `[alerts]
/// min_calls`).
const DEMO_MIN_CALLS: i64 = 5;

/// One demo account's deliveries to make: its name, its emulator's keys
/// and its events.
type Deliveries = (
    String,
    calllogs::emulator::WebhookKeys,
    Vec<(String, calllogs::emulator::Hook)>,
);

/// The demo's listener and the emulators' deliveries under way.
struct Webhooks {
    listener: calllogs::listen::Running,
    deliveries: Vec<tokio::task::JoinHandle<calllogs::emulator::hooks::HookRun>>,
}

/// Starts a listener for the demo accounts that take webhooks, and each
/// emulator's deliveries to it.
async fn start_webhooks(
    config: &calllogs::config::Config,
    db: &calllogs::store::Target,
    hooks: Vec<Deliveries>,
) -> Result<Webhooks, CliError> {
    let mut routes = Vec::new();
    for a in config.accounts.iter().filter(|a| a.info.webhook.is_some()) {
        routes.push(crate::listen::route(a)?);
    }
    let options = calllogs::listen::Options {
        bind: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        ..calllogs::listen::Options::default()
    };
    let listener = calllogs::listen::Listener::start(routes, open_store(db).await?, options)
        .await
        .map_err(|e| CliError::failed("cannot start the webhook listener", e))?;
    let deliveries = hooks
        .into_iter()
        .map(|(name, keys, events)| {
            let url = format!("{}/hooks/{name}", listener.url());
            tokio::spawn(async move {
                let faults = calllogs::emulator::hooks::HookFaults {
                    loss: 0.05,
                    duplicates: 0.05,
                    reorder: 0.1,
                    seed: 7,
                };
                calllogs::emulator::hooks::deliver(
                    events,
                    &url,
                    keys.info,
                    keys.signing(),
                    faults,
                    4,
                )
                .await
            })
        })
        .collect();
    Ok(Webhooks {
        listener,
        deliveries,
    })
}

/// Waits for the deliveries, stops the listener, and reconciles the two
/// paths: the calls only the list delivered must be the events dropped.
async fn finish_webhooks(
    config: &calllogs::config::Config,
    db: &calllogs::store::Target,
    w: Webhooks,
) -> Result<(), CliError> {
    let (mut acked, mut lost, mut twice, mut refused) = (0, 0, 0, 0);
    for d in w.deliveries {
        if let Ok(run) = d.await {
            acked += run.acked.len();
            lost += run.lost.len();
            twice += run.duplicated.len();
            refused += run.failed.len();
        }
    }
    w.listener.shutdown().await;
    let accounts: Vec<(String, String)> = config
        .accounts
        .iter()
        .filter(|a| a.info.webhook.is_some())
        .map(|a| (a.provider.to_string(), a.name.clone()))
        .collect();
    let store = open_store(db).await?;
    let options = calllogs::listen::reconcile::Options {
        since: None,
        grace: chrono::Duration::zero(),
        now: chrono::Utc::now(),
        examples: 0,
    };
    let r = calllogs::listen::reconcile::reconcile(&store, &accounts, &options)
        .await
        .map_err(|e| CliError::failed(format!("cannot read {db}"), e))?;
    let only_list: u64 = r.accounts.iter().map(|a| a.only_api.count).sum();
    let differ: u64 = r
        .accounts
        .iter()
        .map(|a| a.disagree.count + a.only_webhook.count)
        .sum();
    eprintln!(
        "  webhooks of {}: {acked} acknowledged, {twice} sent twice (kept once), {refused} refused; \
         the emulators dropped {lost}, and reconcile finds {only_list} calls only the list delivered{}",
        count(accounts.len() as u64, "account"),
        if differ == 0 {
            String::new()
        } else {
            format!(", {differ} more not reconciled")
        }
    );
    Ok(())
}

/// Writes `text` to `path` readable by its owner only.
fn write_private(path: &std::path::Path, text: &str) -> Result<(), CliError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        // An existing file keeps its mode through open(): set it.
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| CliError::failed(format!("cannot write {}", path.display()), e))?;
        }
    }
    let mut file = options
        .open(path)
        .map_err(|e| CliError::failed(format!("cannot write {}", path.display()), e))?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .map_err(|e| CliError::failed(format!("cannot write {}", path.display()), e))
}

pub fn emulate(args: crate::args::EmulateArgs) -> Result<(), CliError> {
    for (flag, rate) in [
        ("--fault-rate", args.fault_rate),
        ("--drop-records-rate", args.drop_records_rate),
        ("--duplicate-rate", args.duplicate_rate),
        ("--webhook-loss", args.webhook_loss),
        ("--webhook-duplicates", args.webhook_duplicates),
        ("--webhook-reorder", args.webhook_reorder),
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
    let config = calllogs::emulator::Config {
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
        max_page: args
            .max_page
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        credentials,
        usage_skew: args.usage_skew,
        ..calllogs::emulator::Config::default()
    };
    runtime()?.block_on(async {
        let running = calllogs::emulator::start(&id, config)
            .await
            .map_err(|e| match e {
                calllogs::emulator::StartError::UnknownProvider { .. } => {
                    CliError::usage(e.to_string())
                }
                other => CliError::failed("cannot start the emulator", other),
            })?;
        let mut out = std::io::stdout().lock();
        stdout_line(&mut out, &format!("listening on {}", running.origin()))?;
        for (name, value) in running.credentials() {
            // Quoted where a shell would split it (a PEM key has spaces).
            let plain = value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.:/+=@".contains(&b));
            let value = if plain { value } else { format!("'{value}'") };
            stdout_line(&mut out, &format!("export {name}={value}"))?;
        }
        let hooks = match &args.webhook_url {
            None => None,
            Some(url) => {
                let keys = calllogs::emulator::WebhookKeys::of(&running, args.seed).ok_or_else(|| {
                    CliError::usage(format!("calllogs takes no webhooks of {id}: --webhook-url does not apply"))
                })?;
                for (name, value) in &keys.exports {
                    stdout_line(&mut out, &format!("export {name}={value}"))?;
                }
                Some((url.clone(), keys, running.hooks()))
            }
        };
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
        if let Some((url, keys, events)) = hooks {
            let faults = calllogs::emulator::hooks::HookFaults {
                loss: args.webhook_loss,
                duplicates: args.webhook_duplicates,
                reorder: args.webhook_reorder,
                seed: args.seed,
            };
            tokio::spawn(async move {
                wait_for(&url).await;
                let run = calllogs::emulator::hooks::deliver(events, &url, keys.info, keys.signing(), faults, 8).await;
                eprintln!(
                    "webhooks to {url}: {} acknowledged, {} dropped on purpose, {} sent twice, {} refused",
                    run.acked.len(),
                    run.lost.len(),
                    run.duplicated.len(),
                    run.failed.len()
                );
                for id in &run.lost {
                    eprintln!("dropped: {id}");
                }
                for (id, status) in &run.failed {
                    eprintln!("refused: {id} ({status})");
                }
            });
        }
        match calllogs::emulator::serve_forever(running).await {}
    })
}
