//! The progress bar on stderr: shown only on a terminal and without `--quiet`.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use calllogs::http::HttpStats;

use indicatif::{ProgressBar, ProgressStyle};

/// A spinner with pages, calls, calls/s and retries (a bar with an ETA once
/// the total is known), or nothing.
pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    /// The provider's own HTTP counters (retries), where the caller kept them.
    stats: Option<Arc<HttpStats>>,
}

impl Progress {
    pub fn new(label: &str, quiet: bool, stats: Option<Arc<HttpStats>>) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix}: {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_prefix(label.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
            stats,
        }
    }

    /// Rates counted from `started` (the run's start) rather than from now.
    pub fn since(mut self, started: Instant) -> Self {
        self.started = started;
        self
    }

    /// One line of `multi`, labelled `label` (nothing when quiet or not a terminal).
    pub fn in_multi(
        multi: &indicatif::MultiProgress,
        label: &str,
        quiet: bool,
        stats: Option<Arc<HttpStats>>,
    ) -> Self {
        let mut p = Progress::new(label, quiet, stats);
        p.bar = p.bar.take().map(|b| multi.add(b));
        p
    }

    /// Pages and calls so far; with `expected` (the calls in all, once the
    /// provider announced them) the spinner becomes a bar with an ETA.
    pub fn update(&self, pages: u64, calls: u64, expected: Option<u64>) {
        if let Some(bar) = &self.bar {
            let secs = self.started.elapsed().as_secs_f64().max(0.001);
            if let Some(total) = expected
                && bar.length() != Some(total)
            {
                if bar.length().is_none() {
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{prefix}: [{wide_bar}] {pos}/{len} calls, ETA {eta} ({msg})",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                    );
                }
                bar.set_length(total);
            }
            bar.set_position(calls);
            bar.set_message(format!(
                "{pages} pages, {:.0} calls/s, {} retries",
                calls as f64 / secs,
                self.stats.as_ref().map_or(0, |s| s.retries())
            ));
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
