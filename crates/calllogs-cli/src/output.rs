//! Writing calls out, streamed: NDJSON (one call per line), a JSON array,
//! or CSV with the store's columns.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use calllogs::Call;

use crate::error::CliError;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per line.
    Ndjson,
    /// One JSON array.
    Json,
    /// CSV with a header, a stable column order, nested fields as JSON text.
    Csv,
}

/// A streaming writer of calls. A file is written under a `.partial` name
/// and renamed when finished, so a failed pull leaves no output behind.
pub struct Sink {
    out: Option<Box<dyn Write>>,
    csv: Option<csv::Writer<Box<dyn Write>>>,
    format: Format,
    no_raw: bool,
    count: u64,
    file: Option<(PathBuf, PathBuf)>,
}

fn quiet_pipe(r: std::io::Result<()>) -> Result<(), CliError> {
    match r {
        // A closed pipe (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

impl Sink {
    pub fn stdout(format: Format, no_raw: bool) -> Result<Self, CliError> {
        Sink::open(None, format, no_raw)
    }

    pub fn open(path: Option<&Path>, format: Format, no_raw: bool) -> Result<Self, CliError> {
        let (out, file): (Box<dyn Write>, _) = match path {
            Some(p) => {
                let mut partial = p.as_os_str().to_owned();
                partial.push(".partial");
                let partial = PathBuf::from(partial);
                let f = File::create(&partial).map_err(|e| {
                    CliError::usage_caused(format!("cannot write {}", p.display()), e)
                })?;
                (
                    Box::new(BufWriter::new(f)),
                    Some((partial, p.to_path_buf())),
                )
            }
            None => (Box::new(BufWriter::new(std::io::stdout())), None),
        };
        let mut sink = Sink {
            out: Some(out),
            csv: None,
            format,
            no_raw,
            count: 0,
            file,
        };
        if format == Format::Csv {
            let mut w = csv::Writer::from_writer(
                sink.out.take().unwrap_or_else(|| Box::new(std::io::sink())),
            );
            w.write_record(calllogs::flat::COLUMNS)
                .map_err(CliError::from)?;
            sink.csv = Some(w);
        }
        Ok(sink)
    }

    pub fn write(&mut self, call: &Call) -> Result<(), CliError> {
        self.count += 1;
        if let Some(w) = self.csv.as_mut() {
            let row = calllogs::flat::row(call, !self.no_raw);
            return match w.write_record(row.iter().map(|c| c.as_text().into_owned())) {
                Err(e) if matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe) => {
                    Ok(())
                }
                other => other.map_err(CliError::from),
            };
        }
        let text = if self.no_raw {
            let mut v = serde_json::to_value(call)?;
            if let Some(o) = v.as_object_mut() {
                o.remove("raw");
            }
            v.to_string()
        } else {
            serde_json::to_string(call)?
        };
        let sep = match (self.format, self.count) {
            (Format::Json, 1) => "[\n",
            (Format::Json, _) => ",\n",
            _ => "",
        };
        self.put(sep)?;
        self.put(&text)?;
        if self.format == Format::Ndjson {
            self.put("\n")
        } else {
            Ok(())
        }
    }

    fn put(&mut self, s: &str) -> Result<(), CliError> {
        match self.out.as_mut() {
            Some(out) => quiet_pipe(out.write_all(s.as_bytes())),
            None => Ok(()),
        }
    }

    /// Finishes the output: closes the JSON array, flushes, renames the file.
    pub fn finish(mut self) -> Result<(), CliError> {
        if self.format == Format::Json {
            let end = if self.count == 0 { "[]\n" } else { "\n]\n" };
            self.put(end)?;
        }
        if let Some(w) = self.csv.take() {
            let mut inner = w
                .into_inner()
                .map_err(|e| CliError::failed("CSV", e.into_error()))?;
            quiet_pipe(inner.flush())?;
        }
        if let Some(out) = self.out.as_mut() {
            quiet_pipe(out.flush())?;
        }
        self.out = None;
        if let Some((partial, target)) = self.file.take() {
            std::fs::rename(&partial, &target)
                .map_err(|e| CliError::failed(format!("cannot write {}", target.display()), e))?;
        }
        Ok(())
    }

    /// Drops the output: a partial file is removed.
    pub fn abandon(mut self) {
        self.csv = None;
        self.out = None;
        if let Some((partial, _)) = self.file.take() {
            let _ = std::fs::remove_file(partial);
        }
    }
}

pub(crate) fn stdout_line(out: &mut impl Write, line: &str) -> Result<(), CliError> {
    match writeln!(out, "{line}") {
        // A closed pipe (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// `1 page`, `2 pages`, `0 pages`: a count with its noun (`s` added).
pub(crate) fn count(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `1 retry`, `2 retries`.
pub(crate) fn retries(n: u64) -> String {
    if n == 1 {
        "1 retry".into()
    } else {
        format!("{n} retries")
    }
}

pub(crate) fn summary_line(s: &calllogs::sync::SyncSummary, secs: f64) -> String {
    format!(
        "{}/{}: {} in {} ({} new, {} updated, {} unchanged){} in {secs:.1}s",
        s.provider,
        s.account,
        count(s.calls, "call"),
        count(s.pages, "page"),
        s.upserted.new,
        s.upserted.updated,
        s.upserted.unchanged,
        if s.resumed {
            ", resumed from the last checkpoint"
        } else {
            ""
        },
    ) + &rejects_note(s.rejects, &s.reject_reasons)
        + &gone_note(s.gone)
}

/// `; 2 calls deleted before their detail was read` — empty when none were.
pub(crate) fn gone_note(n: u64) -> String {
    match n {
        0 => String::new(),
        1 => "; 1 call was deleted before its detail was read".into(),
        n => format!("; {n} calls were deleted before their detail was read"),
    }
}

/// `; 2 records rejected: no id` — empty when nothing was rejected.
pub(crate) fn rejects_note(n: u64, reasons: &[(String, u64)]) -> String {
    if n == 0 {
        return String::new();
    }
    let why: Vec<String> = reasons
        .iter()
        .map(|(reason, k)| {
            if reasons.len() > 1 {
                format!("{reason} ({k})")
            } else {
                reason.clone()
            }
        })
        .collect();
    format!(
        "; {n} record{} rejected: {}",
        if n == 1 { "" } else { "s" },
        why.join(", ")
    )
}

/// Writes the HTML report of `dashboard` to `path` (whole or not at all)
/// and says where, with what it holds.
pub(crate) fn write_html(
    path: &std::path::Path,
    dashboard: &calllogs::report::Dashboard,
    source: &str,
) -> Result<(), CliError> {
    let html = calllogs::html::render(dashboard, source);
    let tmp = path.with_extension("html.partial");
    std::fs::write(&tmp, html)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            CliError::failed(format!("cannot write {}", path.display()), e)
        })?;
    eprintln!(
        "wrote {}: {} calls, one bar a {}; open it in a browser (it needs nothing else)",
        path.display(),
        dashboard.overall.total,
        dashboard.bucket.as_str()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_is_singular_and_the_rest_plural() {
        assert_eq!(super::count(1u64, "page"), "1 page");
        assert_eq!(super::count(0u64, "fault"), "0 faults");
        assert_eq!(super::count(12u64, "call"), "12 calls");
    }
}
