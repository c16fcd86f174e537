//! PostgreSQL as the store and the coordination point, with real
//! `calllogs` processes against a throwaway cluster (`calllogs-pgtest`):
//! three processes sharing twelve accounts, one killed with SIGKILL; a
//! database that goes away mid-sync; the report from both backends.

mod common;

use common::scratch_dir as scratch;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{Db, Emulator, account, bin, emulate, served};

fn sync_cmd(config: &Path, env: &[(String, String)], extra: &[&str]) -> Command {
    let mut cmd = bin();
    cmd.args(["sync", "--quiet", "--config"])
        .arg(config)
        .args(extra)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    cmd
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn three_processes_share_twelve_accounts_and_finish_a_killed_ones_accounts_after_its_lease() {
    let Some(pg) = calllogs_pgtest::shared() else {
        return;
    };
    let url = pg.database("three");
    let dir = scratch("three");
    // Six emulators, two accounts each: twelve accounts, each a sync of its
    // own (its own checkpoint, its own rows).
    let emulators: Vec<(&str, Emulator)> = [
        ("plivo", "1"),
        ("plivo", "2"),
        ("superu", "3"),
        ("nectardesk", "4"),
        ("unpod", "5"),
        ("superu", "6"),
    ]
    .into_iter()
    .map(|(p, seed)| {
        let emu = emulate(&[
            "--provider",
            p,
            "--calls",
            "1000",
            "--seed",
            seed,
            "--latency-ms",
            "60",
        ]);
        (p, emu)
    })
    .collect();
    // The URL holds the test cluster's password: from the environment, as a
    // config file others can read must have it.
    let mut env = vec![("CALLLOGS_TEST_DB".to_string(), url.clone())];
    let mut config_text = "db = \"${CALLLOGS_TEST_DB}\"\nfirst_window = \"31d\"\n\n".to_string();
    let mut accounts: Vec<(String, &str, usize)> = Vec::new();
    for (i, (p, emu)) in emulators.iter().enumerate() {
        for k in ["a", "b"] {
            let name = format!("acct-{i}{k}");
            config_text += &account(&name, p, emu, &mut env);
            accounts.push((name, p, i));
        }
    }
    let config = dir.join("calllogs.toml");
    std::fs::write(&config, &config_text).unwrap();

    let args = ["--jobs", "2", "--lease", "3s"];
    let spawn = || -> Child {
        sync_cmd(&config, &env, &args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut doomed = spawn();
    let others = [spawn(), spawn()];
    let doomed_pid = doomed.id();

    // Kill the first process with SIGKILL once it has committed pages of an
    // account it still holds.
    let db = Db::open(&url).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let held = loop {
        assert!(
            Instant::now() < deadline,
            "the first process never got going"
        );
        let status = db.run(async |s| s.fleet_status().await.unwrap());
        let mid = status.iter().find(|a| {
            a.holder
                .as_deref()
                .is_some_and(|h| h.contains(&format!(":{doomed_pid}:")))
                && a.state.as_deref() == Some("running")
                && a.pages_done >= 1
        });
        if let Some(a) = mid {
            break a.account.clone();
        }
        if doomed.try_wait().unwrap().is_some() {
            let o = doomed.wait_with_output().unwrap();
            panic!(
                "the first process ended before it could be killed: {}",
                text(&o)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    doomed.kill().unwrap(); // SIGKILL
    doomed.wait().unwrap();
    let killed_at = Instant::now();

    let outputs: Vec<Output> = others
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let took = killed_at.elapsed();
    let mut all = String::new();
    for o in &outputs {
        let t = text(o);
        eprintln!("--- a surviving process:\n{t}");
        assert!(o.status.success(), "{t}");
        all += &t;
    }
    assert!(
        took >= Duration::from_millis(2500),
        "the killed process's accounts waited for its lease ({took:?})"
    );
    let needle = format!(":{doomed_pid}:");
    assert!(
        all.contains(&format!("/{held}: taken over from")) && all.contains(&needle),
        "the account held mid-way by {doomed_pid} was taken over: {all}"
    );
    assert!(
        all.contains(&format!("/{held}:")) && all.contains("resumed from the last checkpoint"),
        "and continued from its checkpoint: {all}"
    );

    // Every account's calls, each exactly once.
    let mut want: HashMap<usize, Vec<String>> = HashMap::new();
    for (name, p, i) in &accounts {
        let ids = want
            .entry(*i)
            .or_insert_with(|| served(&emulators[*i].1, p))
            .clone();
        assert_eq!(ids.len(), 1000);
        let got = db.run(async |s| s.ids(p, name).await.unwrap());
        assert_eq!(got, ids, "{name}: each call once");
    }
    assert_eq!(
        db.run(async |s| s.count(None, None).await.unwrap()),
        12 * 1000
    );

    // fleet status shows the handover: nobody holds anything, every account
    // synced, the one killed mid-way taken over from the dead process.
    let o = bin()
        .args(["fleet", "status", "--db", &url])
        .output()
        .unwrap();
    let status = text(&o);
    eprintln!("--- calllogs fleet status:\n{status}");
    assert!(o.status.success(), "{status}");
    assert_eq!(status.lines().count(), 12, "{status}");
    assert_eq!(
        status.matches(": free (last held by").count(),
        12,
        "all released: {status}"
    );
    assert_eq!(status.matches("synced until").count(), 12, "{status}");
    let line = status
        .lines()
        .find(|l| l.contains(&format!("/{held}:")))
        .unwrap();
    assert!(
        line.contains("taken over from") && line.contains(&needle),
        "{line}"
    );
    assert!(!status.contains(calllogs_pgtest::PASSWORD), "{status}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_lost_database_stops_the_sync_with_a_clear_error_and_the_next_run_resumes() {
    let Some(pg) = calllogs_pgtest::Cluster::start_or_skip() else {
        return;
    };
    let url = pg.database("lost");
    let emu = emulate(&[
        "--provider",
        "plivo",
        "--calls",
        "1500",
        "--seed",
        "7",
        "--latency-ms",
        "50",
    ]);
    let sync = || {
        let mut cmd = bin();
        cmd.args(["sync", "--provider", "plivo", "--db", &url])
            .args(["--base-url", &emu.base_url, "--since", "31d", "--quiet"])
            .envs(emu.env());
        cmd
    };
    let child = sync()
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Db::count(&url) < 200 {
        assert!(Instant::now() < deadline, "the sync made no progress");
        std::thread::sleep(Duration::from_millis(10));
    }
    pg.stop_immediately().unwrap();
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    eprintln!("--- the sync when the database went away:\n{err}");
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("PostgreSQL at postgres://postgres@127.0.0.1:"),
        "{err}"
    );
    assert!(!err.contains(calllogs_pgtest::PASSWORD), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    pg.start_again().unwrap();
    let before = Db::count(&url);
    assert!(before < 1500, "stopped mid-way ({before})");
    let o = sync().output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("resumed from the last checkpoint"), "{err}");
    let db = Db::open(&url).unwrap();
    let account = db.run(async |s| s.accounts().await.unwrap())[0].1.clone();
    assert_eq!(
        db.run(async |s| s.ids("plivo", &account).await.unwrap()),
        served(&emu, "plivo"),
        "each call once"
    );
}

#[test]
fn the_report_is_the_same_from_sqlite_and_postgres() {
    let Some(pg) = calllogs_pgtest::shared() else {
        return;
    };
    let url = pg.database("report");
    let dir = scratch("report");
    let file = dir.join("calls.db");
    let mut env = Vec::new();
    let emulators: Vec<(&str, Emulator)> = common::provider_ids()
        .into_iter()
        .map(|p| {
            (
                p,
                emulate(&["--provider", p, "--calls", "300", "--seed", "11"]),
            )
        })
        .collect();
    let mut accounts = String::from("first_window = \"31d\"\n\n");
    for (p, emu) in &emulators {
        accounts += &account(&format!("{p}-main"), p, emu, &mut env);
    }
    let config = dir.join("calllogs.toml");
    std::fs::write(&config, &accounts).unwrap();
    for db in [file.to_str().unwrap(), url.as_str()] {
        let o = sync_cmd(&config, &env, &["--db", db]).output().unwrap();
        assert!(o.status.success(), "{}", text(&o));
    }
    for by in ["provider", "day", "agent", "campaign"] {
        let report = |db: &str| {
            let o = bin()
                .args(["report", "--json", "--by", by, "--db", db])
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", text(&o));
            serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
        };
        let (lite, pgr) = (report(file.to_str().unwrap()), report(&url));
        assert_eq!(lite, pgr, "--by {by}");
        let every = 300 * common::provider_ids().len();
        assert_eq!(lite["overall"]["total"], every, "--by {by}");
        assert!(
            lite["groups"].as_array().unwrap().len() >= 2,
            "--by {by}: {lite}"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_password_comes_from_pgpassword_or_pgpass_and_is_never_printed() {
    let Some(pg) = calllogs_pgtest::shared() else {
        return;
    };
    let url = pg.database("pw");
    let secret = calllogs_pgtest::PASSWORD;
    let bare = url.replace(&format!(":{secret}@"), "@");
    assert!(!bare.contains(secret));
    let status = |db: &str, env: &[(&str, &str)]| {
        let o = bin()
            .args(["fleet", "status", "--db", db])
            .envs(env.iter().copied())
            .output()
            .unwrap();
        let t = text(&o);
        assert!(!t.contains(secret), "{t}");
        (o.status.success(), t)
    };
    let (ok, t) = status(&bare, &[]);
    assert!(!ok && t.contains("password"), "no password anywhere: {t}");
    let (ok, t) = status(&bare, &[("PGPASSWORD", secret)]);
    assert!(ok && t.contains("no account has synced yet"), "{t}");
    let dir = scratch("pgpass");
    let file = dir.join("pgpass");
    std::fs::write(
        &file,
        format!("127.0.0.1:{}:*:postgres:{secret}\n", pg.port()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (ok, t) = status(&bare, &[("PGPASSFILE", file.to_str().unwrap())]);
    assert!(ok, "{t}");
    let wrong = url.replace(secret, "not-the-password-5551");
    let (ok, t) = status(&wrong, &[]);
    assert!(
        !ok && t.contains("password authentication failed") && !t.contains("not-the-password"),
        "{t}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn fleet_status_shows_each_accounts_last_success_or_last_error() {
    let Some(pg) = calllogs_pgtest::shared() else {
        return;
    };
    let url = pg.database("errors");
    let dir = scratch("errors");
    let desk = emulate(&["--provider", "nectardesk", "--calls", "50"]);
    let mut env = vec![("CALLLOGS_TEST_DB".to_string(), url.clone())];
    let mut toml = "db = \"${CALLLOGS_TEST_DB}\"\nfirst_window = \"31d\"\n\n".to_string();
    toml += &account("desk", "nectardesk", &desk, &mut env);
    toml += &account("wrong-key", "nectardesk", &desk, &mut env);
    let config = dir.join("calllogs.toml");
    std::fs::write(&config, &toml).unwrap();
    let secret = "not-the-token-5550000000000000000000000";
    for (k, v) in env.iter_mut() {
        if k.starts_with("WRONG_KEY") {
            *v = secret.into();
        }
    }
    let o = sync_cmd(&config, &env, &[]).output().unwrap();
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(
        t.contains("nectardesk/wrong-key: failed") && t.contains("HTTP 401"),
        "{t}"
    );
    let status = bin()
        .args(["fleet", "status", "--config"])
        .arg(&config)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    let s = text(&status);
    assert!(status.status.success(), "{s}");
    let line = |name: &str| {
        s.lines()
            .find(|l| l.starts_with(&format!("nectardesk/{name}:")))
            .unwrap_or_else(|| panic!("no {name} in {s}"))
            .to_string()
    };
    assert!(
        line("wrong-key").contains("last error") && line("wrong-key").contains("401"),
        "{s}"
    );
    assert!(line("wrong-key").contains("never synced"), "{s}");
    assert!(
        line("desk").contains("last success") && !line("desk").contains("last error"),
        "{s}"
    );
    assert!(
        !s.contains(secret) && !t.contains(secret),
        "no credential printed"
    );
    assert!(!s.contains(calllogs_pgtest::PASSWORD), "{s}");
    // JSON for tools: one object per account.
    let json = bin()
        .args(["fleet", "status", "--json", "--db", &url])
        .output()
        .unwrap();
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&json.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .any(|r| r["account"] == "wrong-key" && r["last_error"].is_array())
    );
    let _ = std::fs::remove_dir_all(dir);
}
