//! `cargo xtask new-provider NAME`: a new provider crate (its emulator
//! included) that compiles, with tests that fail saying what to implement,
//! wired into the facade with four lines in two files: the dependency, its
//! place in `providers` and in `emulator` (`crates/calllogs/Cargo.toml`), and
//! its registry line (`crates/calllogs/src/lib.rs`). The registry gives the
//! CLI, the emulators, the connectors and the README's table the rest.

use std::fs;
use std::path::Path;

/// Checks a provider name: lower case letters, digits and `_`, from a letter.
pub fn valid_name(name: &str) -> Result<(), String> {
    let ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 32;
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{name:?}: use lower-case letters, digits and _, starting with a letter"
        ))
    }
}

fn insert_before(path: &Path, marker: &str, text: &str) -> Result<(), String> {
    let s = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let at = s
        .find(marker)
        .ok_or_else(|| format!("{}: marker {marker:?} not found", path.display()))?;
    let line_start = s[..at].rfind('\n').map_or(0, |i| i + 1);
    let mut out = String::with_capacity(s.len() + text.len());
    out.push_str(&s[..line_start]);
    out.push_str(text);
    out.push_str(&s[line_start..]);
    fs::write(path, out).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(root: &Path, rel: &str, text: &str) -> Result<(), String> {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Generates provider `name` under `root`.
pub fn new_provider(root: &Path, name: &str) -> Result<(), String> {
    valid_name(name)?;
    let krate = format!("calllogs-{name}");
    let ident = format!("calllogs_{name}");
    let upper = name.to_ascii_uppercase();
    let title: String = name
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    if root.join("crates").join(&krate).exists() {
        return Err(format!("crates/{krate} exists already"));
    }
    let fill = |t: &str| {
        t.replace("{name}", name)
            .replace("{krate}", &krate)
            .replace("{ident}", &ident)
            .replace("{UPPER}", &upper)
            .replace("{Title}", &title)
    };

    write(root, &format!("crates/{krate}/Cargo.toml"), &fill(CARGO))?;
    write(root, &format!("crates/{krate}/src/lib.rs"), &fill(LIB))?;
    write(root, &format!("crates/{krate}/src/raw.rs"), &fill(RAW))?;
    write(root, &format!("crates/{krate}/src/map.rs"), &fill(MAP))?;
    write(root, &format!("crates/{krate}/src/query.rs"), &fill(QUERY))?;
    for (file, text) in [
        ("snapshots", TESTS_SNAPSHOTS),
        ("hostile", TESTS_HOSTILE),
        ("http", TESTS_HTTP),
    ] {
        write(
            root,
            &format!("crates/{krate}/tests/{file}.rs"),
            &fill(text),
        )?;
    }
    write(
        root,
        &format!("crates/{krate}/src/emulator.rs"),
        &fill(EMULATOR),
    )?;
    write(
        root,
        &format!("fixtures/{name}/page-1-first.json"),
        &fill(FIXTURE_1),
    )?;
    write(
        root,
        &format!("fixtures/{name}/page-2-empty.json"),
        FIXTURE_2,
    )?;

    // The registration points, four lines in two files of the facade; each
    // fails loudly if its marker moved. The README's provider table is
    // written from the registry (`cargo xtask readme`), not by hand.
    let facade = root.join("crates/calllogs/Cargo.toml");
    insert_before(
        &facade,
        "# new-provider: providers",
        &fill("    \"{name}\",\n"),
    )?;
    insert_before(
        &facade,
        "# new-provider: emulators",
        &fill("    \"{name}?/emulator\",\n"),
    )?;
    insert_before(
        &facade,
        "# new-provider: dependencies",
        &fill(
            "{name} = { package = \"{krate}\", path = \"../{krate}\", version = \"0.1.0\", optional = true }\n",
        ),
    )?;
    insert_before(
        &root.join("crates/calllogs/src/lib.rs"),
        "// new-provider: registry",
        &fill("    {name} = \"{name}\",\n"),
    )?;
    println!("{}", fill(NEXT_STEPS));
    Ok(())
}

const NEXT_STEPS: &str = "\
Created crates/{krate} ({name}) with its emulator (src/emulator.rs), fixtures/{name}/,
and four lines in two files of the facade (crates/calllogs/Cargo.toml: the `{name}`
dependency, its place in `providers` and in `emulator`; src/lib.rs: its registry line),
so `calllogs providers`, `calllogs emulate --provider {name}`, the demo and the
emulators' exactly-once tests all include it with no other edit. Run
`cargo xtask readme` to write its row of the README's provider table.

Left to fill in, with the provider's API document at hand (each has a failing
test in crates/{krate}/tests/ that says so):
  1. src/raw.rs     the wire format: envelope, record fields (lenient: calllogs_core::parse::de)
  2. src/map.rs     record -> Call: direction, numbers (E.164), times (UTC), status, hangup cause
  3. src/query.rs   CallQuery -> query parameters (time range, direction, status, page)
  4. src/lib.rs     endpoint path, auth header, paging style and limits, ProviderInfo text
  5. src/emulator.rs   serve the API as documented (auth, filters, paging)
  6. fixtures/{name}/   synthetic pages (555 numbers, invented ids): first, last, empty, odd records
Then: cargo test -p {krate}; review the new snapshots (cargo insta review, or
INSTA_UPDATE=always once and read them); cargo xtask ci.";

const CARGO: &str = r#"[package]
name = "{krate}"
description = "{Title} call logs for calllogs."
version.workspace = true
edition.workspace = true
rust-version.workspace = true
license.workspace = true
repository.workspace = true

[features]
# Its emulator (`emulator::api`), served by calllogs-emulator.
emulator = ["dep:calllogs-emulator"]

[dependencies]
calllogs-core.workspace = true
calllogs-emulator = { workspace = true, optional = true }
chrono.workspace = true
reqwest.workspace = true
serde.workspace = true
serde_json.workspace = true

[dev-dependencies]
# Its own emulator, for the tests against it.
{krate} = { path = ".", features = ["emulator"] }
calllogs-core = { workspace = true, features = ["testing"] }
calllogs-emulator.workspace = true
futures.workspace = true
insta.workspace = true
serde_json.workspace = true
tokio.workspace = true
wiremock.workspace = true
"#;

const LIB: &str = r#"//! {Title} call logs for calllogs, normalized into [`calllogs_core::Call`].
//!
//! Generated by `cargo xtask new-provider {name}`. List here, as the other
//! providers do, each assumption about the wire format and the setting
//! that changes it.

#![warn(missing_docs)]

use calllogs_core::http::{HttpClient, endpoint, parse_base_url, secret_header};
use calllogs_core::secrecy::SecretString;
use calllogs_core::{
    Call, CallQuery, Credential, DynProvider, Error, HttpProvider, Page, PageToken, PagingSpec,
    PagingStyle, ProviderInfo, Result, Settings, Url,
};

mod map;
mod query;
mod raw;

/// The provider's API served on loopback, for tests, demos and benchmarks
/// (feature `emulator`): [`emulator::api`] is what `calllogs_emulator::start` serves.
#[cfg(feature = "emulator")]
pub mod emulator;

pub use map::call;
pub use query::{Params, apply_filters};

/// The provider id.
pub const ID: &str = "{name}";
/// Setting / environment variable of the API token.
pub const API_TOKEN: &str = "{UPPER}_API_TOKEN";

/// What the registry knows of {Title}.
pub const INFO: ProviderInfo = ProviderInfo {
    id: ID,
    name: "{Title}",
    kind: "what kind of service (CPaaS, voice-AI platform, contact center)",
    credentials: &[Credential { env: API_TOKEN, flag: "token" }],
    filters: "since/until (to be written in query.rs)",
    limits: "page numbers; no published rate limit",
    build: |s| Ok(std::sync::Arc::new({Title}::from_settings(s)?) as DynProvider),
    apply_filters,
    reads: raw::READS,
    webhook: None,
};

/// The {Title} provider.
#[derive(Clone, Debug)]
pub struct {Title} {
    http: HttpClient,
    base: Option<Url>,
    token: Option<SecretString>,
}

impl {Title} {
    /// Builds the provider; the base URL and token are checked when a request is made.
    pub fn from_settings(s: &Settings) -> Result<Self> {
        Ok({Title} {
            http: HttpClient::new(ID, API_TOKEN, s.http.clone())?
                .with_default_rate_limit(20.0)
                .redacting([&s.get_credential(API_TOKEN)]),
            base: s.base_url.as_deref().map(|b| parse_base_url(ID, b, s.allow_insecure)).transpose()?,
            token: s.get_credential(API_TOKEN),
        })
    }
}

// What the provider writes: core's `HttpProvider` gives the rest (sending
// with retries, `decode_page`, `decode_record`, the streams).
impl HttpProvider for {Title} {
    fn info(&self) -> &'static ProviderInfo {
        &INFO
    }

    fn http(&self) -> &HttpClient {
        &self.http
    }

    fn paging(&self) -> PagingSpec {
        // A list that lacks what each call's own endpoint has (cost,
        // transcript): `spec.detail = Some(true)` and write
        // `detail_request`; core fetches the details (see calllogs-elevenlabs).
        PagingSpec::new(PagingStyle::PageNumber, 100, 20)
    }

    fn request(&self, query: &CallQuery, token: &PageToken) -> Result<reqwest::RequestBuilder> {
        let base = self.base.as_ref().ok_or_else(|| Error::Config { provider: ID, message: "the base URL is not set (--base-url)".into() })?;
        let key = calllogs_core::settings::present(ID, API_TOKEN, &self.token)?;
        let header = secret_header(ID, API_TOKEN, key)?;
        Ok(self
            .http
            .request(reqwest::Method::GET, endpoint(base, "calls"))
            .header(reqwest::header::AUTHORIZATION, header)
            .query(&Params::new(query, token.number())))
    }

    fn decode(&self, status: Option<u16>, body: &[u8]) -> Result<Page<Call>> {
        decode(status, body)
    }

    fn map(&self, record: &serde_json::value::RawValue) -> std::result::Result<Call, String> {
        map::call(record)
    }
}

fn decode(status: Option<u16>, body: &[u8]) -> Result<Page<Call>> {
    let resp: raw::ListResponse = calllogs_core::http::decode_json(ID, status, body)?;
    let records = calllogs_core::page::require_records(ID, status, body, "records", resp.records)?;
    Ok(calllogs_core::page::map_records(ID, records, map::call)
        .with_total(resp.total.and_then(|t| u64::try_from(t).ok())))
}
"#;

const RAW: &str = r#"//! {Title}'s wire format, read leniently: every field optional, a wrongly
//! typed field `None`, never an error.

use calllogs_core::parse::de;
use serde::Deserialize;
use serde_json::value::RawValue;

/// The list response. Rename the fields to the provider's envelope.
#[derive(Debug, Deserialize)]
pub struct ListResponse<'a> {
    /// The records, borrowed from the body.
    #[serde(default, borrow, deserialize_with = "de::records")]
    pub records: Option<Vec<&'a RawValue>>,
    /// Records matching the query, where the provider says.
    #[serde(default, deserialize_with = "de::int")]
    pub total: Option<i64>,
}

/// One call record. Add the provider's fields, each with a `de::` helper.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawCall {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
}

/// Every field of a record the mapping reads (`customer.number`,
/// `messages[].role`): the facade's `reads` test holds it against the
/// mapping, and the SDK conformance test against the official SDK.
pub(crate) const READS: &[&str] = &["id"];
"#;

const MAP: &str = r#"//! A {Title} record -> the normalized [`Call`].

use calllogs_core::{Call, Raw};
use serde_json::value::RawValue;

use crate::raw::RawCall;

/// Maps one record; an error only when it is not an object or has no id.
///
/// Still to write: direction, from/to (E.164 with `calllogs_core::parse::e164`),
/// started/answered/ended times (UTC), durations, status, the hangup cause
/// (`calllogs_core::Hangup::resolve`), cost, agents, recordings.
pub fn call(record: &RawValue) -> Result<Call, String> {
    let raw: RawCall = calllogs_core::parse::record(record)?;
    let id = raw.id.ok_or("the record has no id")?;
    let mut call = Call::new(crate::ID, id);
    call.raw = Raw::new(record);
    Ok(call)
}
"#;

const QUERY: &str = r#"//! `CallQuery` -> {Title}'s query parameters.

use calllogs_core::CallQuery;
use serde::Serialize;

/// The query string of one page request. Add the provider's filters.
#[derive(Debug, Default, Serialize, PartialEq)]
#[allow(missing_docs)]
pub struct Params {
    pub page: u32,
    pub limit: u32,
}

impl Params {
    /// The parameters of page `page` of a resolved query. Still to write:
    /// the time range, direction, status and the other filters.
    pub fn new(q: &CallQuery, page: u32) -> Self {
        Params { page: page.max(1), limit: q.page_size.unwrap_or(20).clamp(1, 100) }
    }
}

/// Reads `--filter KEY=VALUE` pairs into the provider's own filters.
pub fn apply_filters(_q: &mut CallQuery, pairs: &[(String, String)]) -> Result<(), String> {
    match pairs.first() {
        Some((k, _)) => Err(format!("{name} has no filter {k:?} yet")),
        None => Ok(()),
    }
}
"#;

/// The tests, in the three files a finished provider keeps (snapshots of
/// the fixtures, hostile input, HTTP and the emulator): each test fails
/// saying what to implement until it is, then stays as it is.
const TESTS_SNAPSHOTS: &str = r#"//! Every fixture page, normalized, against its snapshot.

use calllogs_core::{Direction, Provider, Settings};
use serde_json::json;

fn provider() -> {ident}::{Title} {
    {ident}::{Title}::from_settings(&Settings::new().without_env()).unwrap()
}

#[test]
fn fixtures_normalize_as_snapshotted() {
    assert!(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots")).exists(),
        "write fixtures/{name}/ and their snapshots: once the mapping is written, run `INSTA_UPDATE=always cargo test -p {krate}` and read every .snap"
    );
    let p = provider();
    insta::glob!("../../../fixtures/{name}", "*.json", |path| {
        let body = std::fs::read(path).unwrap();
        let page = p.decode_page(&body).unwrap();
        insta::assert_json_snapshot!(json!({"total": page.total, "calls": page.items}), {".calls[].raw" => "[raw]"});
    });
}

#[test]
fn the_mapping_is_written() {
    let body = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/{name}/page-1-first.json")).unwrap();
    let page = provider().decode_page(&body).unwrap();
    let c = &page.items[0];
    assert!(
        c.direction != Direction::Unknown && c.started_at.is_some() && c.from.is_some() && c.hangup.is_some(),
        "implement src/raw.rs and src/map.rs: map the record's direction, numbers, times, status and hangup cause onto Call (got {c:?})"
    );
}
"#;

const TESTS_HOSTILE: &str = r#"//! Hostile input: no panic, no lost record (see `calllogs_core::testing`).

use calllogs_core::Settings;
use serde_json::json;

#[test]
fn hostile_records_are_survived() {
    // Once the mapping is written: the record with every field it reads.
    // The fields replaced are those `raw::READS` names.
    let provider = {ident}::{Title}::from_settings(&Settings::new().without_env()).unwrap();
    let base = json!({"id": "x"});
    let envelope = |records: Vec<serde_json::Value>| json!({"records": records, "total": 3});
    let fields = calllogs_core::testing::top_level({ident}::INFO.reads);
    calllogs_core::testing::assert_hostile_records_are_survived(&provider, &envelope, &base, "id", &fields, 16);
    calllogs_core::testing::assert_arbitrary_bodies_do_not_panic(&provider, 64);
}
"#;

const TESTS_HTTP: &str = r#"//! {Title} over HTTP: the query on the wire (add wiremock tests of its
//! auth, filters and paging here, as the other providers have), and the
//! emulator.

use calllogs_core::{CallQuery, Direction, ProviderStreams};
use futures::TryStreamExt;

#[test]
fn the_query_is_written() {
    let until = chrono::Utc::now();
    let q = CallQuery::new().since(until - chrono::Duration::days(1)).until(until).direction(Direction::Inbound);
    let params = serde_json::to_value({ident}::Params::new(&q, 1)).unwrap();
    assert!(
        params.as_object().is_some_and(|o| o.len() > 3),
        "implement src/query.rs: send the time range and direction as {Title}'s filters (sent only {params})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_is_written() {
    let config = calllogs_emulator::Config { calls: 50, ..Default::default() };
    let emu = calllogs_emulator::start({ident}::emulator::api(&config), config).await.unwrap();
    let p = std::sync::Arc::new({ident}::{Title}::from_settings(&emu.settings()).unwrap());
    let got = p.calls(CallQuery::new()).try_collect::<Vec<_>>().await;
    assert!(
        got.as_ref().is_ok_and(|calls| calls.len() == 50),
        "implement src/emulator.rs: serve {Title}'s API (auth, filters, paging) from the synthetic calls (got {:?})",
        got.map(|c| c.len())
    );
}
"#;

const EMULATOR: &str = r#"//! {Title}'s API, emulated. Generated by `cargo xtask new-provider {name}`:
//! a generic JSON API (bearer token, `page`/`limit`, `since`/`until`) to
//! rewrite into the provider's own paths, auth, filters and paging.

use std::sync::Arc;

use calllogs_core::{HangupCause as C, Status};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use calllogs_emulator::util::time_param;
use calllogs_emulator::{Api, Calls, Config, Outcome, PageParams, Reply, Request, SynthCall};

/// The emulator with the credentials of `config` (a demo token otherwise).
pub fn api(config: &Config) -> Arc<dyn Api> {
    Arc::new({Title} {
        token: config.credential("{UPPER}_API_TOKEN", || config.demo_secret(40)),
    })
}

struct {Title} {
    token: String,
}

/// Page numbers from 1, 1..=100 records a page: the provider's own names
/// and bounds go here.
const PAGES: PageParams = PageParams { page: "page", size: "limit", first: 1, default_size: 20, max_size: 100 };

/// The outcomes the provider can express (`.only(Direction::Inbound)` for
/// one that only one direction has), with the causes its records give.
const OUTCOMES: &[Outcome] = &[
    Outcome::new(Status::Completed, &[C::NormalHangup], 60),
    Outcome::new(Status::NoAnswer, &[C::NoAnswer], 15),
    Outcome::new(Status::Busy, &[C::BusyLine], 10),
    Outcome::new(Status::Failed, &[C::UnallocatedNumber], 10),
    Outcome::new(Status::Canceled, &[C::Canceled], 5),
];

/// One call in the wire format. Rewrite it as the provider's document shows.
fn render(c: &SynthCall) -> Value {
    json!({
        "id": c.id,
        "direction": c.direction.as_str(),
        "from": c.from,
        "to": c.to,
        "started_at": c.started_at.to_rfc3339(),
        "ended_at": c.ended_at.map(|t| t.to_rfc3339()),
        "duration": c.duration_s,
        "status": c.status.as_str(),
        "end_reason": c.cause.map(|k| k.as_str()),
    })
}

impl Api for {Title} {
    fn id(&self) -> &'static str {
        "{name}"
    }
    fn page_size_param(&self) -> &'static str {
        "limit"
    }
    fn credentials(&self) -> Vec<(&'static str, String)> {
        vec![("{UPPER}_API_TOKEN", self.token.clone())]
    }
    fn outcomes(&self) -> &'static [Outcome] {
        OUTCOMES
    }
    fn call_id(&self, seq: u64) -> String {
        format!("{name}-{seq:06}")
    }
    fn page_body(&self, calls: &[&SynthCall], total: usize) -> Value {
        json!({"records": calls.iter().map(|c| render(c)).collect::<Vec<_>>(), "total": total})
    }
    fn handle(&self, req: &Request, calls: &Calls, _now: DateTime<Utc>) -> Reply {
        if req.header("authorization") != Some(self.token.as_str()) {
            return Reply::json(401, json!({"error": "invalid token"}));
        }
        if req.path.trim_end_matches('/') != "/calls" {
            return Reply::json(404, json!({"error": "not found"}));
        }
        let parsed = (|| -> Result<_, String> {
            Ok((
                PAGES.read(req)?,
                time_param("since", req.param("since"))?,
                time_param("until", req.param("until"))?,
            ))
        })();
        let (page, since, until) = match parsed {
            Ok(p) => p,
            Err(message) => return Reply::json(400, json!({"error": message})),
        };
        // The index answers the time range by binary search; newest first.
        let within = calls.started_within(since, until, false);
        let (total, items) = page.select(within.iter(), None);
        Reply::json(200, json!({"records": items.iter().map(|c| render(c)).collect::<Vec<_>>(), "total": total}))
    }
}
"#;

const FIXTURE_1: &str = r#"{
  "records": [
    {"id": "{name}-0001", "direction": "inbound", "from": "+15555550101", "to": "+15555550100",
     "started_at": "2026-05-01T10:00:00Z", "ended_at": "2026-05-01T10:02:00Z", "status": "completed", "end_reason": "caller_hangup"}
  ],
  "total": 1
}
"#;

const FIXTURE_2: &str = r#"{"records": [], "total": 0}
"#;

#[cfg(test)]
mod tests {
    use super::valid_name;

    #[test]
    fn names() {
        assert!(valid_name("demo_provider").is_ok());
        for bad in ["", "Demo", "1x", "a-b", "a b", "../x"] {
            assert!(valid_name(bad).is_err(), "{bad}");
        }
    }
}
