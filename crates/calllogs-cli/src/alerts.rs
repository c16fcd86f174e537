//! `calllogs alerts`: the findings of the recent period, one line each (or
//! JSON), and exit 1 when one is at or above `--fail-on`.

use calllogs::alerts::{AlertQuery, Rules, Severity};

use crate::args::{AlertsArgs, FailOn};
use crate::error::CliError;
use crate::output::stdout_line;
use crate::store::{db_of, open_store, runtime};

/// The thresholds of `[alerts]` and of each account's `[accounts.alerts]`
/// in the file at `path`; a wrong one is a usage error naming it.
pub(crate) fn rules_of(
    path: &std::path::Path,
) -> Result<(Rules, std::collections::BTreeMap<String, Rules>), CliError> {
    let tables = calllogs::config::Config::alert_tables(path)?;
    let bad = |who: &str, e: String| CliError::usage(format!("{}: {who}: {e}", path.display()));
    let rules = Rules::from_tables(tables.global.as_ref(), None).map_err(|e| bad("[alerts]", e))?;
    let mut accounts = std::collections::BTreeMap::new();
    for (name, t) in &tables.accounts {
        let r = Rules::from_tables(tables.global.as_ref(), Some(t))
            .map_err(|e| bad(&format!("account {name:?}: [accounts.alerts]"), e))?;
        accounts.insert(name.clone(), r);
    }
    Ok((rules, accounts))
}

/// The exit of a run with `findings`: an error when the worst is at or
/// above `fail_on`.
pub(crate) fn exit_for(
    findings: &[calllogs::alerts::Finding],
    fail_on: FailOn,
) -> Result<(), CliError> {
    let threshold = match fail_on {
        FailOn::Info => Some(Severity::Info),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Critical => Some(Severity::Critical),
        FailOn::Never => None,
    };
    let worst = calllogs::alerts::worst(findings);
    match (worst, threshold) {
        (Some(worst), Some(t)) if worst >= t => Err(CliError::Findings {
            count: findings.iter().filter(|f| f.severity >= t).count(),
            worst: worst.as_str(),
        }),
        _ => Ok(()),
    }
}

pub(crate) fn alerts_cmd(args: AlertsArgs) -> Result<(), CliError> {
    let db = db_of(args.db.as_deref(), args.config.as_deref())?;
    let mut q = AlertQuery::new(chrono::Utc::now());
    q.since = args.since.map(|t| t.date_naive());
    q.until = args.until.map(|t| t.date_naive());
    if let (Some(s), Some(u)) = (q.since, q.until)
        && u <= s
    {
        return Err(CliError::usage(format!(
            "--until ({u}) must be a later day than --since ({s})"
        )));
    }
    q.provider = args.provider.clone();
    q.account = args.account.clone();
    if let Some(path) = &args.config {
        (q.rules, q.account_rules) = rules_of(path)?;
    }
    let alerts = runtime()?.block_on(async {
        let store = open_store(&db).await?;
        Ok::<_, CliError>(calllogs::alerts::alerts(&store, &q).await?)
    })?;
    let mut out = std::io::stdout().lock();
    if args.json {
        stdout_line(&mut out, &serde_json::to_string_pretty(&alerts)?)?;
    } else if alerts.findings.is_empty() {
        let period = if alerts.until - alerts.since == chrono::Duration::days(1) {
            alerts.since.to_string()
        } else {
            format!(
                "{} to {}",
                alerts.since,
                alerts.until - chrono::Duration::days(1)
            )
        };
        stdout_line(&mut out, &format!("no findings for {period}"))?;
    } else {
        for f in &alerts.findings {
            stdout_line(&mut out, &f.line())?;
        }
    }
    exit_for(&alerts.findings, args.fail_on)
}
