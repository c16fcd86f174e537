//! `calllogs listen` and `calllogs reconcile`.

use std::io::Write as _;

use calllogs::config::{Account, Config};
use calllogs::listen::{Listener, Options, Route, reconcile as rec};

use crate::args::{ListenArgs, ReconcileArgs};
use crate::error::CliError;
use crate::store::{open_store, runtime, target};

/// The providers whose webhooks this build takes, for messages.
fn known() -> String {
    calllogs::registry::REGISTRY
        .providers()
        .iter()
        .filter(|p| p.webhook.is_some())
        .map(|p| p.id)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The store of `--db`, else of the file.
fn db(
    given: Option<&str>,
    config: &Config,
    path: &std::path::Path,
) -> Result<calllogs::store::Target, CliError> {
    let db = given
        .map(str::to_string)
        .or_else(|| config.db.clone())
        .ok_or_else(|| {
            CliError::usage(format!("{}: no db in the file and no --db", path.display()))
        })?;
    target(&db)
}

/// The accounts of the file whose provider sends webhooks calllogs takes
/// (an account named with `--account` must be one).
fn webhook_accounts<'a>(
    config: &'a Config,
    names: &[String],
) -> Result<Vec<&'a Account>, CliError> {
    let chosen = if names.is_empty() {
        config.accounts.iter().collect()
    } else {
        config.select(names).map_err(CliError::usage)?
    };
    let mut out = Vec::new();
    for a in chosen {
        if a.info.webhook.is_some() {
            out.push(a);
        } else if !names.is_empty() {
            return Err(CliError::usage(format!(
                "account {}: calllogs does not take {}'s webhooks (it takes those of {})",
                a.name,
                a.info.name,
                known()
            )));
        }
    }
    Ok(out)
}

/// The route of an account of `calllogs.toml`: its provider's webhooks and
/// the keys the account verifies them with (the demo's listener too).
pub(crate) fn route(a: &Account) -> Result<Route, CliError> {
    Route::new(
        &a.name,
        a.info,
        &a.settings,
        a.webhook.secret.clone(),
        a.webhook.public_key.clone(),
        a.webhook.public_url.clone(),
        &known(),
    )
    .map_err(|e| CliError::usage(e.to_string()))
}

/// `calllogs listen`.
pub fn listen(args: &ListenArgs) -> Result<(), CliError> {
    let config = Config::load(&args.config, &calllogs::registry::REGISTRY)?;
    let db = db(args.db.as_deref(), &config, &args.config)?;
    let known = known();
    let mut routes = Vec::new();
    for a in webhook_accounts(&config, &args.account)? {
        let mut route = route(a)?;
        route.keys.tolerance = args.tolerance;
        routes.push(route);
    }
    if routes.is_empty() {
        return Err(CliError::usage(format!(
            "{}: no account takes webhooks calllogs knows (those of {known})",
            args.config.display()
        )));
    }
    let options = Options {
        bind: args.bind,
        public_base: args.public_url.clone(),
        trust_forwarded: args.trust_forwarded,
        body_limit: args.max_body,
        tls: args.tls_cert.clone().zip(args.tls_key.clone()),
        ..Options::default()
    };
    let described: Vec<String> = routes
        .iter()
        .map(|r| {
            format!(
                "  POST /hooks/{} ({}: {})",
                r.account, r.provider, r.webhook.events
            )
        })
        .collect();
    runtime()?.block_on(async {
        let store = open_store(&db).await?;
        let running = Listener::start(routes, store, options)
            .await
            .map_err(|e| CliError::usage(e.to_string()))?;
        println!("listening on {}", running.url());
        let _ = std::io::stdout().flush();
        eprintln!(
            "{db}: webhooks of {}",
            crate::output::count(described.len() as u64, "account")
        );
        for d in &described {
            eprintln!("{d}");
        }
        stopped().await;
        eprintln!("stopping: answering what is in flight");
        running.shutdown().await;
        Ok(())
    })
}

/// Ctrl-C or SIGTERM.
async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// `calllogs reconcile`.
pub fn reconcile(args: &ReconcileArgs) -> Result<(), CliError> {
    let config = Config::load(&args.config, &calllogs::registry::REGISTRY)?;
    let db = db(args.db.as_deref(), &config, &args.config)?;
    let accounts: Vec<(String, String)> = webhook_accounts(&config, &[])?
        .into_iter()
        .map(|a| (a.provider.to_string(), a.name.clone()))
        .collect();
    let now = chrono::Utc::now();
    let options = rec::Options {
        since: now.checked_sub_signed(args.since),
        grace: args.grace,
        now,
        examples: 5,
    };
    let result = runtime()?.block_on(async {
        let store = open_store(&db).await?;
        rec::reconcile(&store, &accounts, &options)
            .await
            .map_err(|e| CliError::failed(format!("cannot read {db}"), e))
    })?;
    if args.json {
        println!("{}", serde_json::to_string(&result).unwrap_or_default());
    } else {
        print!("{}", rec::text(&result));
    }
    let n = result.unreconciled();
    if args.strict && n > 0 {
        return Err(CliError::Unreconciled(n));
    }
    Ok(())
}
