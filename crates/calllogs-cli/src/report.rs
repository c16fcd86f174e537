//! `calllogs report`: the KPIs as text, JSON or one HTML page.

use crate::error::CliError;
use crate::output::{stdout_line, write_html};
use crate::store::{db_of, open_store, runtime};

pub(crate) fn report_cmd(args: crate::args::ReportArgs) -> Result<(), CliError> {
    let db = db_of(args.db.as_deref(), args.config.as_deref())?;
    let by = match args.by {
        crate::args::By::Day => calllogs::report::GroupBy::Day,
        crate::args::By::Provider => calllogs::report::GroupBy::Provider,
        crate::args::By::Agent => calllogs::report::GroupBy::Agent,
        crate::args::By::Campaign => calllogs::report::GroupBy::Campaign,
        crate::args::By::Country => calllogs::report::GroupBy::Country,
        crate::args::By::Line => calllogs::report::GroupBy::Line,
    };
    let q = calllogs::report::ReportQuery {
        since: args.since,
        until: args.until,
        provider: args.provider.clone(),
        by,
    };
    if let Some(path) = &args.html {
        // The findings shown first: the range's last full day, with the
        // file's thresholds when there is one.
        let mut alerts =
            calllogs::alerts::AlertQuery::new(q.until.unwrap_or_else(chrono::Utc::now));
        alerts.provider = q.provider.clone();
        if let Some(path) = &args.config {
            (alerts.rules, alerts.account_rules) = crate::alerts::rules_of(path)?;
        }
        let dashboard = runtime()?.block_on(async {
            let store = open_store(&db).await?;
            Ok::<_, CliError>(calllogs::report::dashboard_with(&store, &q, &alerts).await?)
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
