//! `calllogs alerts` as a cron job runs it: the findings as lines or JSON,
//! exit 1 at `--fail-on`, thresholds from `calllogs.toml`.

mod common;

use calllogs::{Call, Cost, Direction, Status};
use chrono::{Duration, NaiveTime, Utc};
use common::{Db, bin, scratch_dir};
use serde_json::Value;

/// A SQLite store with 200 answered calls yesterday and on the four same
/// weekdays before, two of yesterday's to a premium-rate number, and one
/// call stuck `in_progress` three days ago.
fn store(dir: &std::path::Path) -> String {
    let db = dir.join("calls.db").display().to_string();
    let mut d = Db::open(&db).unwrap();
    let midnight = |back: i64| {
        (Utc::now().date_naive() - Duration::days(back))
            .and_time(NaiveTime::MIN)
            .and_utc()
    };
    let call = |id: String, at, to: &str, status| {
        let mut c = Call::new("plivo", id);
        c.direction = Direction::Outbound;
        c.from = Some("+12025550100".into());
        c.to = Some(to.into());
        c.started_at = Some(at);
        c.answered_at = (status == Status::Completed).then_some(at);
        c.duration_s = Some(60);
        c.status = status;
        c.cost = Some(Cost::new("0.01000", "USD"));
        c
    };
    let mut calls = Vec::new();
    for back in [1, 8, 15, 22, 29] {
        for i in 0..200 {
            let to = if back == 1 && i < 2 {
                "+19002345678"
            } else {
                "+12015550123"
            };
            calls.push(call(
                format!("d{back}-{i}"),
                midnight(back) + Duration::seconds(300 * i),
                to,
                Status::Completed,
            ));
        }
    }
    calls.push(call(
        "stuck-1".into(),
        midnight(3) + Duration::hours(2),
        "+12015550123",
        Status::InProgress,
    ));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(d.store.upsert("main", &calls)).unwrap();
    db
}

#[test]
fn findings_are_lines_or_json_and_the_worst_sets_the_exit_code() {
    let dir = scratch_dir("alerts-cli");
    let db = store(&dir);

    let o = bin().args(["alerts", "--db", &db]).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("CRITICAL plivo/main: 2 calls to premium-rate numbers on "),
        "{out}"
    );
    assert!(lines[0].ends_with("(e.g. d1-0, d1-1)"), "{out}");
    assert!(
        lines[1].starts_with("WARNING  plivo/main: 1 call still in_progress"),
        "{out}"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("2 findings, the worst critical"));

    let o = bin()
        .args(["alerts", "--db", &db, "--json", "--fail-on", "never"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let kinds: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["premium_rate", "stuck_in_progress"]);
    assert_eq!(v["findings"][1]["examples"][0], "stuck-1");

    // Thresholds from the file: stuck after four days is not stuck yet.
    let config = dir.join("calllogs.toml");
    std::fs::write(
        &config,
        format!("db = {db:?}\n\n[alerts]\nstuck_hours = 96\n"),
    )
    .unwrap();
    let o = bin()
        .args(["alerts", "--config"])
        .arg(&config)
        .args(["--fail-on", "critical"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");

    // Only warnings, and --fail-on critical: exit 0.
    let o = bin()
        .args([
            "alerts",
            "--db",
            &db,
            "--fail-on",
            "critical",
            "--since",
            "3d",
            "--until",
            "2d",
        ])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("still in_progress") && !out.contains("premium"),
        "{out}"
    );

    // A misspelt threshold is named, and nothing runs.
    std::fs::write(
        &config,
        format!("db = {db:?}\n\n[alerts]\nstuck_hour = 96\n"),
    )
    .unwrap();
    let o = bin()
        .args(["alerts", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("[alerts]") && err.contains("stuck_hour"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_thresholds_config_init_shows_are_the_defaults() {
    let example = calllogs::config::EXAMPLE;
    let at = example
        .find("# [alerts]")
        .expect("config init shows [alerts]");
    let block: String = example[at..]
        .lines()
        .take_while(|l| l.starts_with("# "))
        .map(|l| {
            l.trim_start_matches("# ")
                .split("##")
                .next()
                .unwrap()
                .to_string()
                + "\n"
        })
        .collect();
    let file: toml::Table = toml::from_str(&block).unwrap();
    let table = file["alerts"].as_table().unwrap();
    let rules = calllogs::alerts::Rules::from_tables(Some(table), None).unwrap();
    assert_eq!(rules, calllogs::alerts::Rules::default());
    // Every threshold is shown.
    let shown = serde_json::to_value(&rules).unwrap();
    assert_eq!(table.len(), shown.as_object().unwrap().len(), "{block}");
}
