//! Writing calls out: NDJSON (one call per line) or a JSON array, streamed.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use calllogs::Call;

use crate::commands::CliError;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per line.
    Ndjson,
    /// One JSON array.
    Json,
}

/// A streaming writer of calls.
pub struct Sink {
    out: Box<dyn Write>,
    format: Format,
    no_raw: bool,
    count: u64,
}

impl Sink {
    pub fn stdout(format: Format, no_raw: bool) -> Result<Self, CliError> {
        Sink::open(None, format, no_raw)
    }

    pub fn open(path: Option<&Path>, format: Format, no_raw: bool) -> Result<Self, CliError> {
        let out: Box<dyn Write> = match path {
            Some(p) => Box::new(BufWriter::new(File::create(p).map_err(|e| {
                CliError::usage(format!("cannot write {}: {e}", p.display()))
            })?)),
            None => Box::new(BufWriter::new(std::io::stdout())),
        };
        Ok(Sink {
            out,
            format,
            no_raw,
            count: 0,
        })
    }

    pub fn write(&mut self, call: &Call) -> Result<(), CliError> {
        let text = if self.no_raw {
            let mut v = serde_json::to_value(call).map_err(|e| CliError::other(e.to_string()))?;
            if let Some(o) = v.as_object_mut() {
                o.remove("raw");
            }
            v.to_string()
        } else {
            serde_json::to_string(call).map_err(|e| CliError::other(e.to_string()))?
        };
        let sep = match (self.format, self.count) {
            (Format::Json, 0) => "[\n",
            (Format::Json, _) => ",\n",
            (Format::Ndjson, _) => "",
        };
        self.count += 1;
        self.put(sep)?;
        self.put(&text)?;
        if self.format == Format::Ndjson {
            self.put("\n")
        } else {
            Ok(())
        }
    }

    fn put(&mut self, s: &str) -> Result<(), CliError> {
        match self.out.write_all(s.as_bytes()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => Ok(other?),
        }
    }

    pub fn finish(mut self) -> Result<(), CliError> {
        if self.format == Format::Json {
            let end = if self.count == 0 { "[]\n" } else { "\n]\n" };
            self.put(end)?;
        }
        match self.out.flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => Ok(other?),
        }
    }
}
