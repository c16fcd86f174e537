//! The Airbyte protocol: `spec`, `check`, `discover` and `read`, one JSON
//! message per line on stdout.
//!
//! Errors are `TRACE` messages with a `failure_type`; `check` answers a
//! config or credential problem with a `FAILED` connection status instead,
//! as Airbyte's own connectors do (and exits 0). `read` brackets the stream
//! with `STREAM_STATUS` traces (`STARTED`, `RUNNING`, `COMPLETE` or
//! `INCOMPLETE`) and emits a per-stream `STATE` after each page, with the
//! number of records since the previous one (`sourceStats.recordCount`).

use std::cell::Cell;
use std::io::Write;
use std::path::{Path, PathBuf};

use calllogs_core::Registry;
use serde_json::{Value, json};

use super::state::{STREAM, StreamState};
use super::{
    CURSOR, ConnectorError, Emitter, Fault, Framing, Level, PRIMARY_KEY, Record, load_account,
    load_json, load_state, now_ms, runtime, schema, select,
};

/// The Airbyte protocol version these messages follow.
pub const PROTOCOL_VERSION: &str = "0.5.2";

/// One Airbyte command.
#[derive(Debug, Clone)]
pub enum Command {
    /// The config's JSON Schema.
    Spec,
    /// Tries the credentials in `config`.
    Check {
        /// The config file.
        config: PathBuf,
    },
    /// The catalog: the `calls` stream.
    Discover {
        /// The config file.
        config: PathBuf,
    },
    /// Reads the streams the configured catalog selects.
    Read {
        /// The config file.
        config: PathBuf,
        /// The configured catalog.
        catalog: PathBuf,
        /// The state of the previous read, if any.
        state: Option<PathBuf>,
    },
}

/// Runs `command`, writing its messages to `out`. On an error the `TRACE`
/// message is already written; the caller says it on stderr too and exits 1.
pub fn run(
    command: &Command,
    registry: &Registry,
    out: &mut dyn Write,
) -> Result<(), ConnectorError> {
    let result = match command {
        Command::Spec => spec(registry, out).map_err(ConnectorError::from),
        Command::Check { config } => check(config, registry, out),
        Command::Discover { config } => discover(config, registry, out),
        Command::Read {
            config,
            catalog,
            state,
        } => read(config, catalog, state.as_deref(), registry, out),
    };
    if let Err(e) = &result {
        // Best effort: stdout may be what failed.
        let _ = trace_error(out, e).and_then(|()| out.flush());
    }
    result
}

fn line(out: &mut dyn Write, message: &Value) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, message)?;
    out.write_all(b"\n")
}

/// The `SPEC` message.
pub fn spec(registry: &Registry, out: &mut dyn Write) -> std::io::Result<()> {
    line(
        out,
        &json!({
            "type": "SPEC",
            "spec": {
                "documentationUrl": env!("CARGO_PKG_REPOSITORY"),
                "connectionSpecification": schema::config(registry),
                "supportsIncremental": true,
                "supported_destination_sync_modes": ["overwrite", "append", "append_dedup"],
                "protocol_version": PROTOCOL_VERSION,
            }
        }),
    )?;
    out.flush()
}

fn check(config: &Path, registry: &Registry, out: &mut dyn Write) -> Result<(), ConnectorError> {
    let tried = load_account(config, registry).and_then(|account| {
        runtime()?
            .block_on(calllogs_fleet::check(&account))
            .map_err(ConnectorError::from)
    });
    let status = match &tried {
        Ok(()) => json!({ "status": "SUCCEEDED" }),
        Err(e) if e.fault() == Fault::Config => {
            json!({ "status": "FAILED", "message": e.to_string() })
        }
        // Not the user's doing (the provider is down): an error, not a verdict.
        Err(_) => return tried,
    };
    line(
        out,
        &json!({ "type": "CONNECTION_STATUS", "connectionStatus": status }),
    )?;
    Ok(out.flush()?)
}

/// The `calls` stream as the catalog describes it.
pub fn stream() -> Value {
    json!({
        "name": STREAM,
        "json_schema": schema::call_record(),
        "supported_sync_modes": ["full_refresh", "incremental"],
        "source_defined_cursor": true,
        "default_cursor_field": [CURSOR],
        "source_defined_primary_key": PRIMARY_KEY.map(|k| [k]),
        "is_resumable": true,
    })
}

fn discover(config: &Path, registry: &Registry, out: &mut dyn Write) -> Result<(), ConnectorError> {
    // The catalog does not depend on the account, but a config that would
    // fail `read` fails here first.
    load_account(config, registry)?;
    line(
        out,
        &json!({ "type": "CATALOG", "catalog": { "streams": [stream()] } }),
    )?;
    Ok(out.flush()?)
}

/// How the configured catalog asks for `calls`: not at all, or incrementally
/// (`true`) or in full (`false`), with the columns it leaves out.
fn selected(catalog: &Value, path: &Path) -> Result<Option<(bool, Vec<String>)>, ConnectorError> {
    let bad = |message: String| ConnectorError::Input {
        path: path.to_path_buf(),
        message,
    };
    let streams = catalog
        .get("streams")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("not a configured catalog: it has no \"streams\" list".into()))?;
    let mut incremental = None;
    for s in streams {
        let name = s
            .pointer("/stream/name")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("a stream of the catalog has no stream.name".into()))?;
        if name != STREAM {
            return Err(bad(format!(
                "the catalog selects stream {name:?}; this source has only {STREAM:?}"
            )));
        }
        let mode = match s.get("sync_mode").and_then(Value::as_str) {
            Some("incremental") => true,
            Some("full_refresh") | None => false,
            Some(other) => {
                return Err(bad(format!(
                    "sync_mode {other:?} is neither \"incremental\" nor \"full_refresh\""
                )));
            }
        };
        incremental = Some((mode, select::airbyte_omitted(s)));
    }
    Ok(incremental)
}

fn stream_status(out: &mut dyn Write, status: &str) -> std::io::Result<()> {
    line(
        out,
        &json!({
            "type": "TRACE",
            "trace": {
                "type": "STREAM_STATUS",
                "emitted_at": now_ms(),
                "stream_status": { "stream_descriptor": { "name": STREAM }, "status": status },
            }
        }),
    )
}

fn log(out: &mut dyn Write, level: Level, message: &str) -> std::io::Result<()> {
    let level = match level {
        Level::Info => "INFO",
        Level::Warn => "WARN",
    };
    line(
        out,
        &json!({ "type": "LOG", "log": { "level": level, "message": message } }),
    )
}

fn read(
    config: &Path,
    catalog: &Path,
    state: Option<&Path>,
    registry: &Registry,
    out: &mut dyn Write,
) -> Result<(), ConnectorError> {
    let account = load_account(config, registry)?;
    let Some((incremental, omit)) = selected(&load_json(catalog)?, catalog)? else {
        log(
            out,
            Level::Warn,
            "the catalog selects no stream: nothing to read",
        )?;
        return Ok(out.flush()?);
    };
    let input = match (state, incremental) {
        (Some(path), true) => {
            let mut note = |m: &str| {
                let _ = log(out, Level::Warn, m);
            };
            load_state(path, &account, &mut note)?
        }
        (Some(_), false) => {
            log(
                out,
                Level::Info,
                "full refresh: the state passed is not used",
            )?;
            None
        }
        (None, _) => None,
    };
    stream_status(out, "STARTED")?;
    let framing = Airbyte {
        running: Cell::new(false),
    };
    let mut emitter = Emitter::new(&mut *out, &framing, input).omitting(omit);
    let result = runtime()?.block_on(super::read(&account, &mut emitter));
    let out = emitter.into_inner();
    match result {
        Ok(_) => {
            stream_status(out, "COMPLETE")?;
            Ok(out.flush()?)
        }
        Err(e) => {
            let _ = stream_status(out, "INCOMPLETE");
            Err(e)
        }
    }
}

/// A `TRACE` message of type `ERROR` for `e`.
pub fn trace_error(out: &mut dyn Write, e: &ConnectorError) -> std::io::Result<()> {
    let mut chain = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        chain.push(s.to_string());
        source = s.source();
    }
    let mut error = json!({
        "message": e.to_string(),
        "failure_type": e.fault().as_str(),
    });
    if !chain.is_empty() {
        error["internal_message"] = json!(chain.join(": "));
    }
    line(
        out,
        &json!({
            "type": "TRACE",
            "trace": { "type": "ERROR", "emitted_at": now_ms(), "error": error },
        }),
    )
}

/// Airbyte's framing of records, states and logs.
struct Airbyte {
    /// Whether the `RUNNING` status went out (before the first record).
    running: Cell<bool>,
}

impl Framing for Airbyte {
    fn record(&self, out: &mut dyn Write, record: &Record<'_>) -> std::io::Result<()> {
        if !self.running.replace(true) {
            stream_status(out, "RUNNING")?;
        }
        write!(
            out,
            r#"{{"type":"RECORD","record":{{"stream":"{STREAM}","emitted_at":{},"data":"#,
            now_ms()
        )?;
        record.write_json(&mut *out)?;
        out.write_all(b"}}\n")
    }

    fn state(&self, out: &mut dyn Write, state: &StreamState, records: u64) -> std::io::Result<()> {
        line(
            out,
            &json!({
                "type": "STATE",
                "state": {
                    "type": "STREAM",
                    "stream": {
                        "stream_descriptor": { "name": STREAM },
                        "stream_state": state,
                    },
                    "sourceStats": { "recordCount": records as f64 },
                }
            }),
        )
    }

    fn log(&self, out: &mut dyn Write, level: Level, message: &str) -> std::io::Result<()> {
        log(out, level, message)
    }
}
