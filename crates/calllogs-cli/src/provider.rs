//! A provider and its query from the command line's flags (or one account
//! of `--config`): what `fetch` and `sync` share.

use calllogs::registry;
use calllogs::{CallQuery, RetryPolicy, Settings};

use crate::args::{FilterArgs, ProviderArgs};
use crate::error::CliError;

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
    for (k, v) in &args.options {
        s = s.option(k, v.clone());
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
    // A provider's polite default rate is for its servers, not an emulator.
    Ok(s.http(http).unthrottled_on_loopback())
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
    q.detail = match (f.detail, f.no_detail) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
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

/// With `--config`: the provider id, settings and filters of the account named
/// (or the file's only account).
pub(crate) fn from_config(
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
