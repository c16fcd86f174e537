//! The Singer spec: `--discover` prints the catalog; otherwise `SCHEMA`,
//! then `RECORD`s, with a `STATE` (`{"bookmarks": {"calls": …}}`) after
//! each page, on stdout. Singer has no log message: notes and warnings go
//! to stderr, as `LEVEL message` lines.

use std::io::Write;
use std::path::{Path, PathBuf};

use calllogs_core::Registry;
use serde_json::{Value, json};

use super::state::{STREAM, StreamState};
use super::{
    CURSOR, ConnectorError, Emitter, Framing, Level, PRIMARY_KEY, Record, load_account, load_json,
    load_state, runtime, schema, select,
};

/// What to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// The config file (one account).
    pub config: PathBuf,
    /// The state of the previous run.
    pub state: Option<PathBuf>,
    /// The catalog, to see whether `calls` is selected and how.
    pub catalog: Option<PathBuf>,
    /// Print the catalog instead of reading.
    pub discover: bool,
}

/// The catalog `--discover` prints: the `calls` stream, selected by default,
/// incremental on the call's time, with per-field metadata so a runner can
/// leave fields out (`meltano select tap-calllogs --exclude calls raw`).
pub fn catalog() -> Value {
    let key: Vec<&str> = PRIMARY_KEY.to_vec();
    let mut metadata = vec![json!({
        "breadcrumb": [],
        "metadata": {
            "inclusion": "available",
            "selected-by-default": true,
            "table-key-properties": key,
            "forced-replication-method": "INCREMENTAL",
            "valid-replication-keys": [CURSOR],
        }
    })];
    metadata.extend(select::singer_metadata());
    json!({
        "streams": [{
            "tap_stream_id": STREAM,
            "stream": STREAM,
            "schema": schema::call_record(),
            "key_properties": key,
            "replication_key": CURSOR,
            "replication_method": "INCREMENTAL",
            "metadata": metadata,
        }]
    })
}

/// Runs the tap, writing messages (or the catalog) to `out`.
pub fn run(opts: &Options, registry: &Registry, out: &mut dyn Write) -> Result<(), ConnectorError> {
    let account = load_account(&opts.config, registry)?;
    if opts.discover {
        serde_json::to_writer_pretty(&mut *out, &catalog()).map_err(std::io::Error::from)?;
        out.write_all(b"\n")?;
        return Ok(out.flush()?);
    }
    let mut incremental = true;
    let mut omit = Vec::new();
    if let Some(path) = &opts.catalog {
        match selection(&load_json(path)?, path)? {
            None => {
                note(
                    Level::Warn,
                    "the catalog does not select stream \"calls\": nothing to read",
                );
                return Ok(());
            }
            Some((i, o)) => (incremental, omit) = (i, o),
        }
    }
    let input = match &opts.state {
        Some(path) if incremental => load_state(path, &account, &mut |m| note(Level::Warn, m))?,
        Some(_) => {
            note(Level::Info, "FULL_TABLE: the state passed is not used");
            None
        }
        None => None,
    };
    let key: Vec<&str> = PRIMARY_KEY.to_vec();
    serde_json::to_writer(
        &mut *out,
        &json!({
            "type": "SCHEMA",
            "stream": STREAM,
            "schema": select::without(schema::call_record(), &omit),
            "key_properties": key,
            "bookmark_properties": [CURSOR],
        }),
    )
    .map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    let framing = Singer {
        extracted: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    };
    let mut emitter = Emitter::new(&mut *out, &framing, input).omitting(omit);
    runtime()?.block_on(super::read(&account, &mut emitter))?;
    Ok(out.flush()?)
}

/// Whether the catalog at `path` selects `calls`, and incrementally
/// (`true`) or in full (`false`), with the fields it leaves out. A stream
/// is selected when its top-level metadata says `selected: true`, or says
/// nothing and is `selected-by-default` (as ours is).
fn selection(catalog: &Value, path: &Path) -> Result<Option<(bool, Vec<String>)>, ConnectorError> {
    let streams = catalog
        .get("streams")
        .and_then(Value::as_array)
        .ok_or_else(|| ConnectorError::Input {
            path: path.to_path_buf(),
            message: "not a Singer catalog: it has no \"streams\" list".into(),
        })?;
    let Some(stream) = streams.iter().find(|s| {
        s.get("tap_stream_id")
            .or_else(|| s.get("stream"))
            .and_then(Value::as_str)
            == Some(STREAM)
    }) else {
        return Ok(None);
    };
    let top = stream
        .get("metadata")
        .and_then(Value::as_array)
        .and_then(|m| {
            m.iter().find(|e| {
                e.get("breadcrumb")
                    .and_then(Value::as_array)
                    .is_some_and(|b| b.is_empty())
            })
        })
        .and_then(|e| e.get("metadata"));
    let flag = |k: &str| top.and_then(|m| m.get(k)).and_then(Value::as_bool);
    let selected = flag("selected")
        .or_else(|| stream.get("selected").and_then(Value::as_bool))
        .or_else(|| flag("selected-by-default"))
        .unwrap_or(false);
    if !selected {
        return Ok(None);
    }
    let method = top
        .and_then(|m| m.get("replication-method"))
        .or_else(|| stream.get("replication_method"))
        .and_then(Value::as_str);
    Ok(Some((
        method != Some("FULL_TABLE"),
        select::singer_omitted(stream),
    )))
}

/// A note on stderr, as Singer taps log.
fn note(level: Level, message: &str) {
    let level = match level {
        Level::Info => "INFO",
        Level::Warn => "WARNING",
    };
    eprintln!("{level} {message}");
}

/// Singer's framing of records and states.
struct Singer {
    /// When the read started, every record's `time_extracted`.
    extracted: String,
}

impl Framing for Singer {
    fn record(&self, out: &mut dyn Write, record: &Record<'_>) -> std::io::Result<()> {
        write!(
            out,
            r#"{{"type":"RECORD","stream":"{STREAM}","time_extracted":"{}","record":"#,
            self.extracted
        )?;
        record.write_json(&mut *out)?;
        out.write_all(b"}\n")
    }

    fn state(
        &self,
        out: &mut dyn Write,
        state: &StreamState,
        _records: u64,
    ) -> std::io::Result<()> {
        serde_json::to_writer(
            &mut *out,
            &json!({ "type": "STATE", "value": { "bookmarks": { STREAM: state } } }),
        )?;
        out.write_all(b"\n")
    }

    fn log(&self, _out: &mut dyn Write, level: Level, message: &str) -> std::io::Result<()> {
        note(level, message);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_follows_the_catalogs_metadata() {
        let p = Path::new("catalog.json");
        let ours = catalog();
        assert_eq!(selection(&ours, p).unwrap(), Some((true, vec![])));
        let mut off = ours.clone();
        off["streams"][0]["metadata"][0]["metadata"]["selected"] = json!(false);
        assert_eq!(selection(&off, p).unwrap(), None);
        let mut full = ours.clone();
        full["streams"][0]["metadata"][0]["metadata"]["selected"] = json!(true);
        full["streams"][0]["metadata"][0]["metadata"]["replication-method"] = json!("FULL_TABLE");
        assert_eq!(selection(&full, p).unwrap(), Some((false, vec![])));
        let mut no_raw = ours.clone();
        for m in no_raw["streams"][0]["metadata"].as_array_mut().unwrap() {
            if m["breadcrumb"] == json!(["properties", "raw"]) {
                m["metadata"]["selected"] = json!(false);
            }
        }
        assert_eq!(
            selection(&no_raw, p).unwrap(),
            Some((true, vec!["raw".to_string()]))
        );
        assert_eq!(selection(&json!({"streams": []}), p).unwrap(), None);
        assert!(selection(&json!({"nope": 1}), p).is_err());
    }
}
