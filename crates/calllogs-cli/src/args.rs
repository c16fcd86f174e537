//! The command line, as clap sees it.

use chrono::{DateTime, Duration, Utc};
use clap::{Args, Parser, Subcommand};

use calllogs::{Direction, Status};

/// Call logs from telephony and voice-AI providers, in one shape.
#[derive(Debug, Parser)]
#[command(name = "calllogs", version, about, propagate_version = true)]
pub struct Cli {
    /// More logging on stderr (-v debug, -vv trace); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The providers compiled in, with their credentials, filters and limits.
    Providers {
        /// One JSON object per provider instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The hangup-cause taxonomy.
    Causes {
        /// One JSON object per cause instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// How one provider reason or code maps onto the taxonomy.
    Explain {
        #[arg(long, short)]
        provider: String,
        /// A reason (`NORMAL_CLEARING`, `Customer Hangup`) or a code (`8011`).
        reason: String,
    },
    /// Raw API response bodies (one page each) to normalized NDJSON; no network.
    Normalize {
        #[arg(long, short)]
        provider: String,
        /// Files holding one response body each; `-` or none reads stdin.
        files: Vec<String>,
        /// Leave the provider's original record out.
        #[arg(long)]
        no_raw: bool,
    },
    /// Pull calls over the provider's API, all pages.
    Fetch(Box<FetchArgs>),
    /// A local server that speaks a provider's API (loopback only), for
    /// tests, demos and benchmarks.
    #[cfg(feature = "emulator")]
    Emulate(EmulateArgs),
    /// Incremental, resumable pull into the store (SQLite, or PostgreSQL
    /// shared by many processes).
    Sync(Box<SyncArgs>),
    /// Call KPIs from the store: ASR, ACD, NER, outcomes and hangup categories.
    Report(ReportArgs),
    /// What changed against the weeks before, and what costs money it
    /// should not (new countries, premium-rate numbers, unpriced calls);
    /// exit 1 when a finding is at or above --fail-on.
    Alerts(AlertsArgs),
    /// The cost audit per account and UTC day (calls, billed minutes, cost,
    /// cost per minute, unpriced calls), beside each provider's own usage
    /// totals where it publishes them, and the calls whose cost is far
    /// from the account's usual rate; exit 1 when a finding is at or above
    /// --fail-on.
    Audit(AuditArgs),
    /// `calllogs.toml`, the file of many accounts.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// The accounts of a store: who syncs each (PostgreSQL), where each stands.
    #[command(subcommand)]
    Fleet(FleetCommand),
    /// Tries each account's credentials of a config file with one cheap
    /// request; one line each; exit 1 if any failed.
    Check {
        /// The file.
        #[arg(long)]
        config: std::path::PathBuf,
        /// Only these accounts (repeatable; default all).
        #[arg(long)]
        account: Vec<String>,
    },
    /// calllogs as an Airbyte source for one account: spec, check, discover,
    /// read (one JSON message per line on stdout). Also run as
    /// `calllogs-airbyte VERB …` (a link to this binary by that name).
    #[command(subcommand)]
    Airbyte(AirbyteCommand),
    /// calllogs as a Singer tap for one account (Meltano): SCHEMA, RECORD
    /// and STATE messages on stdout, or the catalog with --discover. Also
    /// run as `calllogs-singer --config …` (a link by that name).
    Singer(SingerArgs),
    /// Receives the providers' end-of-call webhooks at `POST /hooks/{account}`:
    /// each verified with its provider's signature, committed to the store,
    /// then acknowledged. `GET /healthz`, `GET /metrics`. Stops on Ctrl-C or
    /// SIGTERM after answering what is in flight.
    Listen(ListenArgs),
    /// The calls seen only through webhooks, only through the API, or
    /// differently by the two, per account; exit 1 with `--strict` when
    /// anything is unreconciled.
    Reconcile(ReconcileArgs),
    /// The main job on an embedded default: a local emulator of every
    /// provider, a sync of each into SQLite over real HTTP, and the report
    /// (the providers are named from the registry by [`command`]).
    #[cfg(feature = "emulator")]
    Demo(DemoArgs),
}

#[derive(Debug, clap::Args)]
pub struct ListenArgs {
    /// The accounts (and their webhook keys) and the store.
    #[arg(long)]
    pub config: std::path::PathBuf,
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub bind: std::net::SocketAddr,
    /// The store, instead of the config's `db`.
    #[arg(long)]
    pub db: Option<String>,
    /// The public base URL the providers were given (behind a proxy), for
    /// accounts without their own `public_url`.
    #[arg(long)]
    pub public_url: Option<String>,
    /// Trust X-Forwarded-Proto and X-Forwarded-Host for the public URL
    /// (only behind a proxy that sets them).
    #[arg(long)]
    pub trust_forwarded: bool,
    /// The largest body accepted, bytes.
    #[arg(long, default_value_t = 1024 * 1024)]
    pub max_body: usize,
    /// A signed timestamp's largest distance from now (replay window).
    #[arg(long, default_value = "5m", value_parser = crate::args::parse_span)]
    pub tolerance: chrono::Duration,
    /// PEM certificate chain, to serve HTTPS (with --tls-key).
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// PEM private key, to serve HTTPS (with --tls-cert).
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
    /// Only these accounts (repeatable; default every account whose provider
    /// sends webhooks calllogs takes).
    #[arg(long)]
    pub account: Vec<String>,
}

#[derive(Debug, clap::Args)]
pub struct ReconcileArgs {
    /// The accounts and the store.
    #[arg(long)]
    pub config: std::path::PathBuf,
    /// The store, instead of the config's `db`.
    #[arg(long)]
    pub db: Option<String>,
    /// Calls started within this span before now (`2d`, `36h`).
    #[arg(long, default_value = "2d", value_parser = crate::args::parse_span)]
    pub since: chrono::Duration,
    /// How long the other path has to deliver a call before it counts as missing.
    #[arg(long, default_value = "2h", value_parser = crate::args::parse_span)]
    pub grace: chrono::Duration,
    /// One JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when anything is unreconciled.
    #[arg(long)]
    pub strict: bool,
}

/// A span (`5m`, `2h`, `2d`).
pub fn parse_span(s: &str) -> Result<chrono::Duration, String> {
    calllogs::parse::span(s).ok_or_else(|| format!("{s:?} is not a span (5m, 2h, 2d)"))
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Writes a commented example (never over an existing file).
    Init {
        /// Where.
        #[arg(long, short, default_value = "calllogs.toml")]
        output: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum AirbyteCommand {
    /// The config's JSON Schema (one account: the `[[accounts]]` entry as JSON).
    Spec,
    /// Tries the account's credentials: a CONNECTION_STATUS message.
    Check {
        /// The config (JSON).
        #[arg(long)]
        config: std::path::PathBuf,
    },
    /// The catalog: the `calls` stream, its schema, key and cursor.
    Discover {
        /// The config (JSON).
        #[arg(long)]
        config: std::path::PathBuf,
    },
    /// RECORD messages, and a STATE message after each page.
    Read {
        /// The config (JSON).
        #[arg(long)]
        config: std::path::PathBuf,
        /// The configured catalog (JSON).
        #[arg(long)]
        catalog: std::path::PathBuf,
        /// The state the last read left (JSON).
        #[arg(long)]
        state: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct SingerArgs {
    /// The config (JSON): one `[[accounts]]` entry.
    #[arg(long, short)]
    pub config: std::path::PathBuf,
    /// The state the last run left (JSON).
    #[arg(long, short)]
    pub state: Option<std::path::PathBuf>,
    /// The catalog (JSON): whether `calls` is selected, and how.
    #[arg(long, visible_alias = "properties", short = 'p')]
    pub catalog: Option<std::path::PathBuf>,
    /// Print the catalog instead of reading.
    #[arg(long, short)]
    pub discover: bool,
}

#[derive(Debug, Subcommand)]
pub enum FleetCommand {
    /// Each account: who holds it and since when, its checkpoint, last
    /// success, last error, and any takeover of an expired lease.
    Status {
        /// The store: a SQLite file or a postgres:// URL.
        #[arg(long, required_unless_present = "config")]
        db: Option<String>,
        /// `calllogs.toml`: its `db`.
        #[arg(long, conflicts_with = "db")]
        config: Option<std::path::PathBuf>,
        /// One JSON object per account instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub provider: ProviderArgs,
    /// The store: a SQLite file (created if missing) or a postgres:// URL;
    /// with --config, overrides the file's `db`.
    #[arg(long)]
    pub db: Option<String>,
    /// Start here instead of where the last sync ended (RFC 3339 or a duration back: 40d, 24h).
    #[arg(long, value_parser = parse_time)]
    pub since: Option<DateTime<Utc>>,
    /// Re-read this much before the last sync's end, to catch late changes.
    #[arg(long, default_value = "24h", value_parser = parse_duration)]
    pub lookback: Duration,
    /// Label of the account (default: a fingerprint of the provider's
    /// account id); with --config, the accounts of the file to sync
    /// (repeatable; default all).
    #[arg(long)]
    pub account: Vec<String>,
    /// `calllogs.toml`: sync every account of the file (or those --account
    /// names) concurrently into its store.
    #[arg(long, conflicts_with = "provider")]
    pub config: Option<std::path::PathBuf>,
    /// A window whose call count differs from the total the provider
    /// announced is an error (its last page is not committed), not a warning.
    #[arg(long)]
    pub strict: bool,
    /// Records per page (default: the provider's largest; see `calllogs providers`).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..), conflicts_with = "config")]
    pub page_size: Option<u32>,
    /// With --config: accounts synced at once by this process.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: u16,
    /// With --config on PostgreSQL: how long this process's claim on an
    /// account holds without renewal (a process that dies keeps its
    /// accounts this long before another takes them over).
    #[arg(long, default_value = "60s", value_parser = parse_lease)]
    pub lease: std::time::Duration,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The store: a SQLite file or a postgres:// URL.
    #[arg(long, required_unless_present = "config")]
    pub db: Option<String>,
    /// `calllogs.toml`: its `db`.
    #[arg(long, conflicts_with = "db")]
    pub config: Option<std::path::PathBuf>,
    /// Calls started at or after (RFC 3339 or a duration back).
    #[arg(long, value_parser = parse_time)]
    pub since: Option<DateTime<Utc>>,
    /// Calls started before.
    #[arg(long, value_parser = parse_time)]
    pub until: Option<DateTime<Utc>>,
    /// One provider only.
    #[arg(long, short)]
    pub provider: Option<String>,
    /// Grouping.
    #[arg(long, value_enum, default_value = "provider")]
    pub by: By,
    /// JSON instead of a table.
    #[arg(long, conflicts_with = "html")]
    pub json: bool,
    /// Write the report as one self-contained HTML file (charts, tables;
    /// opens offline, prints) instead of a table.
    #[arg(long, value_name = "FILE")]
    pub html: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct AlertsArgs {
    /// The store: a SQLite file or a postgres:// URL.
    #[arg(long, required_unless_present = "config")]
    pub db: Option<String>,
    /// `calllogs.toml`: its `db`, and the thresholds of its `[alerts]` and
    /// each account's `[accounts.alerts]`.
    #[arg(long)]
    pub config: Option<std::path::PathBuf>,
    /// The recent period's first UTC day (RFC 3339 or a duration back; the
    /// day it falls in). Default: yesterday.
    #[arg(long, value_parser = parse_time)]
    pub since: Option<DateTime<Utc>>,
    /// The end of the recent period (the day it falls in is the first not
    /// included). Default: the day after --since.
    #[arg(long, value_parser = parse_time)]
    pub until: Option<DateTime<Utc>>,
    /// One provider only.
    #[arg(long, short)]
    pub provider: Option<String>,
    /// One account only.
    #[arg(long)]
    pub account: Option<String>,
    /// One JSON object instead of lines.
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when a finding is at least this serious.
    #[arg(long, value_enum, default_value = "warning")]
    pub fail_on: FailOn,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// `calllogs.toml`: its accounts (whose providers' usage totals are
    /// fetched), its `db`, and the thresholds of `[alerts]`.
    #[arg(long, required_unless_present = "db")]
    pub config: Option<std::path::PathBuf>,
    /// The store (default: the config's `db`); with --db alone, nothing is
    /// fetched and the audit is of the stored calls only.
    #[arg(long)]
    pub db: Option<String>,
    /// The first UTC day audited (RFC 3339 or a duration back; the day it
    /// falls in).
    #[arg(long, value_parser = parse_time, default_value = "30d")]
    pub since: DateTime<Utc>,
    /// The end (the day it falls in is the first not audited). Default:
    /// today, so only closed days are audited (prices arrive late).
    #[arg(long, value_parser = parse_time)]
    pub until: Option<DateTime<Utc>>,
    /// One provider only.
    #[arg(long, short)]
    pub provider: Option<String>,
    /// One account only.
    #[arg(long)]
    pub account: Option<String>,
    /// One JSON object instead of the table and lines.
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when a finding is at least this serious.
    #[arg(long, value_enum, default_value = "warning")]
    pub fail_on: FailOn,
}

/// The severity `alerts --fail-on` exits 1 at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Any finding.
    Info,
    /// A warning or worse.
    Warning,
    /// Only a critical finding.
    Critical,
    /// Never (findings are only printed).
    Never,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum By {
    Day,
    Provider,
    Agent,
    Campaign,
    /// The other party's country: the callee's of an outbound call, the caller's of an inbound one.
    Country,
    /// Our own line: the caller of an outbound call, the callee of an inbound one.
    Line,
}

#[cfg(feature = "emulator")]
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The SQLite file the demo syncs into.
    #[arg(long, default_value = "calllogs-demo.db")]
    pub db: std::path::PathBuf,
    /// Calls per provider.
    #[arg(long, default_value_t = 1000)]
    pub calls: usize,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[cfg(feature = "emulator")]
#[derive(Debug, Args)]
pub struct EmulateArgs {
    /// Provider id.
    #[arg(long, short)]
    pub provider: String,
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Calls generated.
    #[arg(long, default_value_t = 1000)]
    pub calls: usize,
    /// Seed of the data and the faults.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Calls start within this many days before the emulator starts.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=3650))]
    pub days: i64,
    /// Latency added to every answer, milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Requests per second allowed; beyond, a 429 with Retry-After.
    #[arg(long)]
    pub rate_limit: Option<f64>,
    /// Share of requests (0 to 1) answered with a fault: 500, 503, reset, truncated JSON, HTML page.
    #[arg(long, default_value_t = 0.0)]
    pub fault_rate: f64,
    /// Share of list answers (0 to 1) sent as a 200 whose records array is renamed (API drift).
    #[arg(long, default_value_t = 0.0)]
    pub drop_records_rate: f64,
    /// Share of list answers (0 to 1) whose page repeats one of its records.
    #[arg(long, default_value_t = 0.0)]
    pub duplicate_rate: f64,
    /// Drift mode: this many new calls end (now) after every answered
    /// request, so the list changes while a client pages.
    #[arg(long, default_value_t = 0)]
    pub drift: usize,
    /// Serve at most this many calls a page whatever the client asks for
    /// (as a server's own cap or a proxy would).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_page: Option<u64>,
    /// The provider's usage totals (Twilio's daily usage records) count N
    /// calls more (or fewer, negative) on DAY than its call list holds, for
    /// the cost audit to find: `DAY:N`, as `2026-11-20:3`.
    #[arg(long, value_name = "DAY:N", value_parser = parse_usage_skew)]
    pub usage_skew: Option<(chrono::NaiveDate, i64)>,
    /// Post each ended call's end-of-call webhook, signed as the provider
    /// signs it, to this URL (a `calllogs listen` route), once it answers.
    #[arg(long)]
    pub webhook_url: Option<String>,
    /// Share of webhooks (0 to 1) dropped on purpose.
    #[arg(long, default_value_t = 0.0, requires = "webhook_url")]
    pub webhook_loss: f64,
    /// Share of webhooks (0 to 1) delivered twice.
    #[arg(long, default_value_t = 0.0, requires = "webhook_url")]
    pub webhook_duplicates: f64,
    /// Share of webhooks (0 to 1) delivered out of order.
    #[arg(long, default_value_t = 0.0, requires = "webhook_url")]
    pub webhook_reorder: f64,
    /// Credentials to accept, as `(flag, value)`: one flag per credential
    /// of the registry's providers, added by [`command`] (default: demo values).
    #[arg(skip)]
    pub credentials: Vec<(String, String)>,
}

/// Which provider, where, and with what credentials.
#[derive(Debug, Args, Clone)]
pub struct ProviderArgs {
    /// Provider id (see `calllogs providers`); required unless `sync --config`.
    #[arg(long, short)]
    pub provider: Option<String>,
    /// API base URL (an emulator, a proxy); defaults to the provider's.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Credentials given as flags, as `(flag, value)`: one flag per
    /// credential of the registry's providers, added by [`command`]; the
    /// environment fills in the rest.
    #[arg(skip)]
    pub credentials: Vec<(String, String)>,
    /// Requests per try at most (1 = no retries).
    #[arg(long, default_value_t = 6)]
    pub max_attempts: u32,
    /// Requests per second at most (default: the provider's published limit, or its
    /// polite default; none against a --base-url on this machine, an emulator).
    #[arg(long)]
    pub rate_limit: Option<f64>,
    /// Seconds a request may take in all before it is abandoned (and retried).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: Option<u64>,
    /// Allow a plain http:// base URL to a host other than this machine.
    #[arg(long)]
    pub allow_insecure: bool,
    /// Pages in flight at once when the total is known (default per provider).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: Option<u16>,
    /// A provider's own setting (repeatable): Telnyx's record_type, Vonage's
    /// currency, Bland's date_filter.
    #[arg(long = "option", value_name = "KEY=VALUE", value_parser = parse_kv)]
    pub options: Vec<(String, String)>,
}

/// What to fetch.
#[derive(Debug, Args, Clone)]
pub struct FilterArgs {
    /// Lower bound: RFC 3339 or a duration back from now (`40d`, `24h`,
    /// `90m`). Without it, the provider's default window (the last 7 days
    /// for most; said on stderr).
    #[arg(long, value_parser = parse_time)]
    pub since: Option<DateTime<Utc>>,
    /// Upper bound (exclusive): RFC 3339 or a duration back from now.
    #[arg(long, value_parser = parse_time)]
    pub until: Option<DateTime<Utc>>,
    /// inbound or outbound.
    #[arg(long)]
    pub direction: Option<Direction>,
    /// completed, no_answer, busy, failed, canceled, missed, abandoned, in_progress.
    #[arg(long)]
    pub status: Option<Status>,
    /// Calling number (exact or prefix where the provider allows).
    #[arg(long)]
    pub from: Option<String>,
    /// Called number.
    #[arg(long)]
    pub to: Option<String>,
    /// Free-text search.
    #[arg(long)]
    pub search: Option<String>,
    /// Campaign id.
    #[arg(long)]
    pub campaign: Option<String>,
    /// Agent id.
    #[arg(long)]
    pub agent: Option<String>,
    /// SuperU assistant id (`all` by default).
    #[arg(long)]
    pub assistant: Option<String>,
    /// Records per page (clamped to what the provider allows).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub page_size: Option<u32>,
    /// Keep only what the provider's list gives, without one detail request
    /// per call (providers that page list-then-detail; see `calllogs
    /// providers`): fewer requests, fewer fields.
    #[arg(long, conflicts_with = "detail")]
    pub no_detail: bool,
    /// Fetch each call's detail where the provider's default is not to
    /// (Retell: the transcript; one request per call).
    #[arg(long)]
    pub detail: bool,
    /// A provider's own filter, `KEY=VALUE` (repeatable; see `calllogs providers`).
    #[arg(long = "filter", value_name = "KEY=VALUE", value_parser = parse_kv)]
    pub filters: Vec<(String, String)>,
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    #[command(flatten)]
    pub provider: ProviderArgs,
    /// `calllogs.toml`: take the provider, credentials, base URL, limits and
    /// filters of one of its accounts (--account NAME; the only one by default).
    #[arg(long, conflicts_with = "provider")]
    pub config: Option<std::path::PathBuf>,
    /// With --config: the account to fetch.
    #[arg(long, requires = "config")]
    pub account: Option<String>,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "ndjson")]
    pub format: crate::output::Format,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<std::path::PathBuf>,
    /// Leave the provider's original record out.
    #[arg(long)]
    pub no_raw: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Stop after this many pages.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_pages: Option<u64>,
    /// A window whose call count differs from the total the provider
    /// announced is an error (nothing is written), not a warning.
    #[arg(long)]
    pub strict: bool,
    /// Also write each response body, as received, into this directory
    /// (what `cargo xtask record` redacts into fixtures).
    #[arg(long, hide = true)]
    pub record_dir: Option<std::path::PathBuf>,
}

/// The subcommands that take credential flags.
const WITH_CREDENTIALS: &[&str] = &["fetch", "sync", "emulate"];

/// The command line: the derived one, plus one flag per credential flag
/// of the providers compiled in (`--auth-id`, `--token`, …), so a new
/// provider's credentials need no edit here.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let mut flags: Vec<(&'static str, Vec<String>)> = Vec::new();
    for p in calllogs::registry::providers() {
        for c in p.credentials {
            let about = format!("{} {}", p.name, c.env);
            match flags.iter_mut().find(|(f, _)| *f == c.flag) {
                Some((_, users)) => users.push(about),
                None => flags.push((c.flag, vec![about])),
            }
        }
    }
    let mut cmd = Cli::command();
    if cmd.find_subcommand("demo").is_some() {
        // Named from the registry: the words stay true as providers come.
        let names: Vec<&str> = calllogs::registry::providers()
            .iter()
            .map(|p| p.name)
            .collect();
        let about = format!(
            "The main job on an embedded default: {} local emulators ({}; two accounts of the first), \
             a sync of each into SQLite over real HTTP with a webhook listener beside it, and the report. \
             No credentials, no network.",
            names.len() + 1,
            names.join(", ")
        );
        cmd = cmd.mut_subcommand("demo", |c| c.about(about));
    }
    for sub in WITH_CREDENTIALS {
        if cmd.find_subcommand(sub).is_none() {
            continue;
        }
        cmd = cmd.mut_subcommand(*sub, |mut c| {
            for (flag, users) in &flags {
                let help = if *sub == "emulate" {
                    format!(
                        "Credential to accept (default: a demo value): {}",
                        users.join(", ")
                    )
                } else {
                    format!(
                        "Credential (else from the environment): {}",
                        users.join(", ")
                    )
                };
                c = c.arg(
                    clap::Arg::new(*flag)
                        .long(*flag)
                        .value_name("VALUE")
                        .value_parser(clap::value_parser!(String))
                        // A PEM key starts with dashes: it is this flag's
                        // value, not a flag (and never echoed as one).
                        .allow_hyphen_values(true)
                        .help(help),
                );
            }
            c
        });
    }
    cmd
}

/// Parses the command line: [`command`], then the credential flags into
/// the subcommand's `credentials`.
pub fn parse() -> Result<Cli, clap::Error> {
    use clap::FromArgMatches;
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Airbyte's launchers run `ENTRYPOINT VERB …` and Meltano runs
    // `EXECUTABLE --config …`: under the name `calllogs-airbyte` or
    // `calllogs-singer` (a link to this binary), the subcommand is implied.
    let implied = args
        .first()
        .and_then(|a| std::path::Path::new(a).file_stem())
        .and_then(|n| match n.to_str() {
            Some("calllogs-airbyte") => Some("airbyte"),
            Some("calllogs-singer") => Some("singer"),
            _ => None,
        });
    if let Some(sub) = implied {
        args.insert(1, sub.into());
    }
    let matches = command().try_get_matches_from(args)?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    if let Some((_, sub)) = matches.subcommand() {
        let given = |flags: &mut Vec<(String, String)>| {
            for id in sub.ids() {
                if let Ok(Some(v)) = sub.try_get_one::<String>(id.as_str())
                    && calllogs::registry::providers()
                        .iter()
                        .any(|p| p.credentials.iter().any(|c| c.flag == id.as_str()))
                {
                    flags.push((id.as_str().to_string(), v.clone()));
                }
            }
        };
        match &mut cli.command {
            Command::Fetch(a) => given(&mut a.provider.credentials),
            Command::Sync(a) => given(&mut a.provider.credentials),
            #[cfg(feature = "emulator")]
            Command::Emulate(a) => given(&mut a.credentials),
            _ => {}
        }
    }
    Ok(cli)
}

/// The value given for credential flag `flag`.
pub fn credential<'a>(given: &'a [(String, String)], flag: &str) -> Option<&'a str> {
    given
        .iter()
        .find(|(f, _)| f == flag)
        .map(|(_, v)| v.as_str())
}

/// A duration: `24h`, `90m`, `7d`, `30s`, `2w`.
pub fn parse_lease(s: &str) -> Result<std::time::Duration, String> {
    calllogs::parse::span(s)
        .and_then(|d| d.to_std().ok())
        .filter(|d| {
            *d >= std::time::Duration::from_secs(1) && *d <= std::time::Duration::from_secs(86_400)
        })
        .ok_or_else(|| format!("{s:?}: expected a duration between 1s and 24h, such as 60s or 5m"))
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let now = Utc::now();
    if !s.trim().ends_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(format!("{s:?} is not a duration (24h, 90m, 7d)"));
    }
    parse_time_at(s, now).map(|t| now - t)
}

/// RFC 3339, a date, or a duration back from now (`40d`, `24h`, `90m`, `30s`, `2w`).
pub fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    parse_time_at(s, Utc::now())
}

pub fn parse_time_at(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let t = s.trim();
    if t.ends_with(|c: char| c.is_ascii_alphabetic())
        && t[..t.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && t.len() > 1
    {
        return calllogs::parse::span(t)
            .and_then(|d| now.checked_sub_signed(d))
            .ok_or_else(|| {
                format!("{s:?}: not a duration this program can use (s, m, h, d or w)")
            });
    }
    calllogs::parse::timestamp(t)
        .filter(|_| !t.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| format!("{s:?} is neither an RFC 3339 time (2026-01-31T00:00:00Z) nor a duration (40d, 24h, 90m)"))
}

fn parse_usage_skew(s: &str) -> Result<(chrono::NaiveDate, i64), String> {
    let (day, n) = s
        .split_once(':')
        .ok_or_else(|| format!("{s:?} is not DAY:N (2026-11-20:3)"))?;
    let day = chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{day:?} is not a day (2026-11-20)"))?;
    let n = n
        .trim()
        .parse::<i64>()
        .map_err(|_| format!("{n:?} is not a whole number of calls"))?;
    Ok((day, n))
}

fn parse_kv(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("{s:?} is not KEY=VALUE"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_and_durations() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        assert_eq!(parse_time_at("40d", now).unwrap(), now - Duration::days(40));
        assert_eq!(
            parse_time_at("24h", now).unwrap(),
            now - Duration::hours(24)
        );
        assert_eq!(
            parse_time_at("90m", now).unwrap(),
            now - Duration::minutes(90)
        );
        assert_eq!(
            parse_time_at("2026-01-31T00:00:00Z", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 1, 31, 0, 0, 0).unwrap()
        );
        for bad in [
            "",
            "soon",
            "12",
            "3y",
            "99999999999999999999d",
            "2026-02-30",
        ] {
            assert!(parse_time_at(bad, now).is_err(), "{bad}");
        }
    }
}
