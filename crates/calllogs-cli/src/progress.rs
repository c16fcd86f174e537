//! The progress bar on stderr: shown only on a terminal and without `--quiet`.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use calllogs::http::HttpStats;

use indicatif::{ProgressBar, ProgressStyle};

/// The units of a bar over the time range.
const RANGE: u64 = 10_000;

/// Where a pull stands in its time range.
#[derive(Debug, Clone, Copy, Default)]
pub struct Where {
    /// The share of the range covered (0..=1), where it can be measured.
    pub covered: Option<f64>,
    /// Windows left, the current one included (0: done or unknown).
    pub windows_left: usize,
}

impl Where {
    /// Where a sync stands after a page.
    pub fn of(p: &calllogs::sync::SyncProgress) -> Where {
        Where {
            covered: p.covered,
            windows_left: p.windows_left,
        }
    }
}

/// A spinner with pages, calls, calls/s and retries (a bar with an ETA once
/// the total is known), or nothing.
pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    /// The provider's own HTTP counters (retries), where the caller kept them.
    stats: Option<Arc<HttpStats>>,
    /// The most windows seen left: the windows in all, from the first page.
    windows: std::sync::atomic::AtomicUsize,
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
            windows: Default::default(),
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

    /// Pages and calls so far. With `expected` (the calls in all, once the
    /// provider announced them) the spinner becomes a bar of calls with an
    /// ETA; before that, with `at.covered` (the share of the time range
    /// done, known from the first page), a bar of the range with an ETA
    /// from the start, and the windows done of all.
    pub fn update(&self, pages: u64, calls: u64, expected: Option<u64>, at: Where) {
        let Some(bar) = &self.bar else { return };
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = format!(
            "{}, {:.0} calls/s, {}",
            crate::output::count(pages, "page"),
            calls as f64 / secs,
            crate::output::retries(self.stats.as_ref().map_or(0, |s| s.retries()))
        );
        let left = at.windows_left;
        let all = self
            .windows
            .fetch_max(left, std::sync::atomic::Ordering::Relaxed)
            .max(left);
        let windows = if all > 1 && left > 0 {
            format!("window {} of {all}, ", all - left + 1)
        } else {
            String::new()
        };
        match (expected, at.covered) {
            (Some(total), _) => {
                if bar.length() != Some(total) {
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{prefix}: [{wide_bar}] {pos}/{len} calls, ETA {eta} ({msg})",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                    );
                    bar.set_length(total);
                }
                bar.set_position(calls);
                bar.set_message(format!("{windows}{rate}"));
            }
            (None, Some(covered)) => {
                if bar.length() != Some(RANGE) {
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{prefix}: [{wide_bar}] {percent}% of the range, ETA {eta} ({msg})",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                    );
                    bar.set_length(RANGE);
                }
                bar.set_position((covered * RANGE as f64) as u64);
                bar.set_message(format!(
                    "{windows}{}, {rate}",
                    crate::output::count(calls, "call")
                ));
            }
            (None, None) => {
                bar.set_message(format!("{}, {rate}", crate::output::count(calls, "call")))
            }
        }
    }

    /// A line on stderr above the bar (plain `eprintln!` would tear it).
    pub fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
