//! The demo's HTML report in a real browser: headless Chromium (Debian's
//! `chromium`) renders it to a PNG, kept under `target/report-screenshots/`;
//! the picture is not blank and the page raised no console error.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::bin;

/// Debian's Chromium, or `None` (printed) outside CI; in CI its absence fails.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| dirs.iter().map(move |d| d.join(name)))
        .find(|p| p.is_file());
    if found.is_none() {
        let why = "no chromium on the PATH (Debian's chromium package; .ci/run installs it)";
        assert!(!calllogs_pgtest::in_ci(), "CI needs Chromium: {why}");
        eprintln!("skipping the browser test: {why}");
    }
    found
}

/// Renders `page` to `png` at 1100 px wide; returns what Chromium logged.
fn screenshot(chrome: &Path, page: &Path, png: &Path, profile: &Path) -> String {
    let out = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            // Console messages (INFO:CONSOLE) and every file the page loads
            // (FileURLLoader, at verbosity 1) on stderr.
            "--enable-logging=stderr",
            "--v=1",
            "--window-size=1100,3400",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success() && png.exists(),
        "chromium: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// What the page did that a report must not: any console message (the
/// report has no script, so any is an error) and any file loaded besides
/// the page itself.
fn console_errors<'a>(log: &'a str, page: &Path) -> Vec<&'a str> {
    let own = format!("file://{}", page.display());
    log.lines()
        .filter(|l| {
            // (Chromium's own background fetches fail here by design: the
            // network is closed; those are not the page's.)
            l.contains(":CONSOLE")
                || l.contains("Uncaught")
                || l.split_once("FileURLLoader::Start: ")
                    .is_some_and(|(_, url)| url.trim() != own)
        })
        .collect()
}

/// Share of pixels that differ from the top-left one, and distinct colours.
fn ink(png: &Path) -> (f64, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(px).collect();
    let background = pixels[0];
    let differ = pixels.iter().filter(|p| **p != background).count();
    let mut colours: Vec<&[u8]> = pixels.clone();
    colours.sort_unstable();
    colours.dedup();
    (differ as f64 / pixels.len() as f64, colours.len())
}

#[test]
fn the_demo_report_renders_in_chromium_without_console_errors() {
    let Some(chrome) = chromium() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("calllogs-browser-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("calllogs-demo.db");
    let o = bin()
        .args(["demo", "--quiet", "--calls", "400", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let page = dir.join("calllogs-demo.html");
    assert!(
        stderr.contains(&format!("wrote {}", page.display())),
        "the demo says where its report is: {stderr}"
    );

    // Kept for people (and CI artifacts) to look at.
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join("demo-report.png");
    let _ = std::fs::remove_file(&png);
    let log = screenshot(&chrome, &page, &png, &dir.join("profile"));
    let errors = console_errors(&log, &page);
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    let (share, colours) = ink(&png);
    assert!(
        share > 0.05 && colours > 20,
        "the picture is blank or nearly ({:.1}% ink, {colours} colours)",
        share * 100.0
    );

    // The check itself can fail: a page that logs an error and loads a
    // missing image is caught, and a blank page is blank.
    let bad = dir.join("bad.html");
    std::fs::write(
        &bad,
        "<!DOCTYPE html><html><body><img src=\"missing.png\"/><script>console.error('boom')</script></body></html>",
    )
    .unwrap();
    let bad_png = dir.join("bad.png");
    let log = screenshot(&chrome, &bad, &bad_png, &dir.join("profile-bad"));
    let caught = console_errors(&log, &bad);
    assert!(
        caught.iter().any(|l| l.contains("boom"))
            && caught.iter().any(|l| l.contains("missing.png")),
        "not caught: {log}"
    );
    let (share, _) = ink(&bad_png);
    assert!(share < 0.01, "a blank page measured {share}");
    let _ = std::fs::remove_dir_all(dir);
}
