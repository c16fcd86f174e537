//! `calllogs audit`: per account and UTC day, the calls, billed minutes,
//! cost, cost per minute and unpriced calls, beside each provider's own
//! usage totals (fetched for every account of `--config` whose provider
//! publishes them); then the findings, one line each (or JSON); exit 1
//! when one is at or above `--fail-on`.

use std::fmt::Write as _;

use calllogs::audit::{AccountUsage, Audit, AuditQuery};
use calllogs::config::Config;
use chrono::{Duration, NaiveDate, Utc};

use crate::alerts::{exit_for, rules_of};
use crate::args::AuditArgs;
use crate::error::CliError;
use crate::output::stdout_line;
use crate::store::{db_of, open_store, runtime};

pub(crate) fn audit_cmd(args: AuditArgs) -> Result<(), CliError> {
    let db = db_of(args.db.as_deref(), args.config.as_deref())?;
    let since = args.since.date_naive();
    let until = args
        .until
        .map_or_else(|| Utc::now().date_naive(), |t| t.date_naive());
    if until <= since {
        return Err(CliError::usage(format!(
            "--until ({until}) must be a later day than --since ({since}); today is not audited, \
             its prices are still arriving"
        )));
    }
    let rt = runtime()?;
    let q = match &args.config {
        Some(path) => {
            let config = Config::load(path, &calllogs::registry::REGISTRY)?;
            rt.block_on(query(
                &config,
                path,
                since,
                until,
                args.provider.as_deref(),
                args.account.as_deref(),
            ))?
        }
        None => AuditQuery {
            since,
            until,
            provider: args.provider.clone(),
            account: args.account.clone(),
            usage: Vec::new(),
            rules: Default::default(),
            account_rules: Default::default(),
        },
    };
    let audit = rt.block_on(async {
        let store = open_store(&db).await?;
        Ok::<_, CliError>(calllogs::audit::audit(&store, &q).await?)
    })?;
    let mut out = std::io::stdout().lock();
    if args.json {
        stdout_line(&mut out, &serde_json::to_string_pretty(&audit)?)?;
    } else {
        stdout_line(&mut out, text(&audit).trim_end())?;
        if args.config.is_none() {
            stdout_line(
                &mut out,
                "(the stored calls only: with --config, each provider's own usage totals are fetched and set beside them)",
            )?;
        }
    }
    exit_for(&audit.findings, args.fail_on)
}

/// The audit of `since..until` for the accounts of `config` (read from
/// `path`) that `provider` and `account` select: their thresholds, and
/// each one's usage totals fetched from its provider.
pub(crate) async fn query(
    config: &Config,
    path: &std::path::Path,
    since: NaiveDate,
    until: NaiveDate,
    provider: Option<&str>,
    account: Option<&str>,
) -> Result<AuditQuery, CliError> {
    let (rules, account_rules) = rules_of(path)?;
    let selected: Vec<_> = config
        .accounts
        .iter()
        .filter(|a| provider.is_none_or(|p| p == a.provider))
        .filter(|a| account.is_none_or(|n| n == a.name))
        .collect();
    if selected.is_empty() {
        return Err(CliError::usage(format!(
            "{}: no account matches --provider/--account",
            path.display()
        )));
    }
    let usage = futures::future::join_all(selected.into_iter().map(|a| async move {
        AccountUsage {
            provider: a.provider.to_string(),
            account: a.name.clone(),
            days: usage_of(a, since, until).await,
        }
    }))
    .await;
    Ok(AuditQuery {
        since,
        until,
        provider: provider.map(str::to_string),
        account: account.map(str::to_string),
        usage,
        rules,
        account_rules,
    })
}

/// The account's usage totals for `since..until`, or why there are none.
async fn usage_of(
    a: &calllogs::config::Account,
    since: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<calllogs::UsageDay>, String> {
    let provider = a.build().map_err(|e| e.to_string())?;
    match provider.usage(since, until - Duration::days(1)).await {
        Ok(Some(days)) => Ok(days),
        Ok(None) => Err(format!("{} publishes no usage totals", a.info.name)),
        Err(e) => Err(e.to_string()),
    }
}

/// The table per account and the findings, as text.
fn text(a: &Audit) -> String {
    let mut s = String::new();
    let last = a.until - Duration::days(1);
    if a.days.is_empty() {
        let _ = writeln!(
            s,
            "no calls stored that started from {} to {last} (run calllogs sync first, or widen --since)",
            a.since
        );
    }
    let mut account = None;
    for d in &a.days {
        if account != Some((&d.provider, &d.account)) {
            account = Some((&d.provider, &d.account));
            let _ = writeln!(s, "{}/{} ({} to {last})", d.provider, d.account, a.since);
            let _ = writeln!(
                s,
                "  {:<10} {:>7} {:>8} {:>14} {:>8} {:>8}  provider's usage",
                "day", "calls", "minutes", "cost", "per min", "unpriced"
            );
        }
        let cost = if d.cost.is_empty() {
            "-".to_string()
        } else {
            d.cost
                .iter()
                .map(|(c, v)| format!("{v} {c}"))
                .collect::<Vec<_>>()
                .join(" + ")
        };
        let per_min = d
            .cost_per_minute
            .map_or("-".to_string(), |v| format!("{v:.4}"));
        let usage = match &d.usage {
            None => String::new(),
            Some(u) => {
                let price = match (&u.price, &u.currency) {
                    (Some(p), Some(c)) => format!(", {p} {c}"),
                    _ => String::new(),
                };
                let differs = a.findings.iter().any(|f| {
                    f.kind == "usage_mismatch"
                        && f.day == Some(d.day)
                        && f.account == d.account
                        && f.provider == d.provider
                });
                format!(
                    "{} calls, {} min{price}{}",
                    u.calls,
                    u.minutes,
                    if differs { "  DIFFERS" } else { "" }
                )
            }
        };
        let _ = writeln!(
            s,
            "  {:<10} {:>7} {:>8} {:>14} {:>8} {:>8}  {usage}",
            d.day.to_string(),
            d.calls,
            d.minutes,
            cost,
            per_min,
            d.unpriced
        );
    }
    for n in &a.not_compared {
        let _ = writeln!(
            s,
            "{}/{}: usage totals not compared: {}",
            n.provider, n.account, n.why
        );
    }
    if a.findings.is_empty() {
        let _ = writeln!(s, "no findings");
    } else {
        for f in &a.findings {
            let _ = writeln!(s, "{}", f.line());
        }
    }
    s
}
