//! `calllogs fetch`: one provider's calls to stdout or a file.

use futures::StreamExt;

use calllogs::registry;

use crate::args::FetchArgs;
use crate::error::CliError;
use crate::output::{Sink, rejects_note};
use crate::provider::{from_config, query, settings};
use crate::store::runtime;

/// What a fetch without `--since` reads, said with its first page: a silent
/// default window reads as "these are all the calls".
fn no_since_note(provider: &str, spec: &calllogs::PagingSpec) -> String {
    match (spec.default_lookback, spec.max_window) {
        (None, None) => format!("no --since: reading every call {provider} lists"),
        (back, _) => {
            let days = back.unwrap_or(chrono::Duration::days(7)).num_days();
            format!(
                "no --since: reading the last {days} day{} ({provider}'s default); --since 40d (or a date) reads further back",
                if days == 1 { "" } else { "s" }
            )
        }
    }
}

pub(crate) fn fetch(args: FetchArgs) -> Result<(), CliError> {
    let (id, mut settings, file_filters) = match &args.config {
        Some(path) => {
            let a = from_config(path, args.account.as_deref())?;
            (a.provider, a.settings, a.filters)
        }
        None => (
            registry::info(args.provider.id()?)?.id,
            settings(&args.provider)?,
            Vec::new(),
        ),
    };
    let stats = std::sync::Arc::new(calllogs::http::HttpStats::default());
    let mut http = settings.http.clone();
    http.observers.add(stats.clone());
    if let Some(dir) = &args.record_dir {
        http.observers
            .add(std::sync::Arc::new(calllogs::http::Recorder::new(dir)));
    }
    settings = settings.http(http);
    let q = query(id, &args.filters, &file_filters)?;
    let provider = registry::build(id, &settings)?;
    // Said once the first page is in: a pull that fails says one sentence, its error.
    let no_since = (q.since.is_none() && !args.quiet)
        .then(|| no_since_note(provider.id(), &provider.paging()));
    // Opened before the pull so a bad path fails at once; written under a
    // temporary name and renamed only when every page has arrived.
    let mut sink = Sink::open(args.output.as_deref(), args.format, args.no_raw)?;
    let progress = crate::progress::Progress::new(provider.id(), args.quiet, Some(stats));
    let result = runtime()?.block_on(async {
        let mut pages = calllogs::paginate::pull(provider.clone(), q, None)
            .take(args.max_pages.map_or(usize::MAX, |n| n as usize));
        let (mut n_pages, mut n_calls, mut repeats, mut gone) = (0u64, 0u64, 0u64, 0u64);
        let mut rejects: Vec<(String, u64)> = Vec::new();
        // Each call once per run: offset paging over a changing list can
        // send a call again on a later page.
        let mut seen = calllogs::seen::SeenIds::default();
        let mut expected = calllogs::paginate::Expected::default();
        // The pull's time range, from its first checkpoint (every window left).
        let mut range = None;
        while let Some(fetched) = pages.next().await {
            let fetched = fetched?;
            expected.observe(fetched.page.total, fetched.checkpoint.as_ref());
            if let Some(m) = fetched.mismatch {
                if args.strict {
                    return Err(CliError::failed(format!("{}: --strict", provider.id()), m));
                }
                eprintln!("calllogs: warning: {}: {m}", provider.id());
            }
            let page = fetched.page;
            n_pages += 1;
            if n_pages == 1
                && let Some(note) = &no_since
            {
                progress.println(&format!("calllogs: {note}"));
            }
            for call in &page.items {
                if seen.first_time(&call.provider, &call.id) {
                    n_calls += 1;
                    sink.write(call)?;
                } else {
                    repeats += 1;
                }
            }
            calllogs::page::tally_rejects(&mut rejects, &page.rejects);
            gone += page.gone;
            let at = fetched.checkpoint.as_ref();
            if range.is_none()
                && let Some(c) = at
            {
                range = Some((
                    c.windows.first().and_then(|w| w.since),
                    c.windows.last().and_then(|w| w.until),
                ));
            }
            let (since, until) = range.unwrap_or_default();
            progress.update(
                n_pages,
                n_calls,
                expected.expected(n_calls, at),
                crate::progress::Where {
                    covered: expected.covered(at, since, until),
                    windows_left: at.map_or(0, |c| c.windows.len()),
                },
            );
        }
        Ok::<_, CliError>((repeats, rejects, gone))
    });
    progress.finish();
    match result {
        Ok((repeats, rejects, gone)) => {
            if gone > 0 {
                eprintln!(
                    "calllogs: {}",
                    crate::output::gone_note(gone).trim_start_matches("; ")
                );
            }
            let n: u64 = rejects.iter().map(|(_, k)| k).sum();
            if n > 0 {
                eprintln!(
                    "calllogs: {}",
                    rejects_note(n, &rejects).trim_start_matches("; ")
                );
            }
            if repeats > 0 {
                eprintln!(
                    "calllogs: {} of calls already written {} left out",
                    crate::output::count(repeats, "repeated record"),
                    if repeats == 1 { "was" } else { "were" }
                );
            }
            sink.finish()
        }
        Err(e) => {
            sink.abandon();
            Err(e)
        }
    }
}
