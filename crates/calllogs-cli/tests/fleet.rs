//! `calllogs sync --config`: many accounts, one command, as a user runs it.

mod common;

use common::scratch_dir as scratch;

use std::path::Path;

use common::{account, bin, emulate};

fn sync(config: &Path, env: &[(String, String)], extra: &[&str]) -> std::process::Output {
    bin()
        .args(["sync", "--quiet", "--config"])
        .arg(config)
        .args(extra)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap()
}

fn ids(db: &Path, account: &str) -> Vec<String> {
    let store = calllogs::store::SqliteStore::open(db).unwrap();
    let mut stmt = store
        .connection()
        .prepare("SELECT id FROM calls WHERE account = ?1 ORDER BY id")
        .unwrap();
    stmt.query_map([account], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn six_accounts_in_one_command_each_call_once_and_then_incremental() {
    let dir = scratch("six");
    let db = dir.join("calls.db");
    let plivo_a = emulate(&["--provider", "plivo", "--calls", "150", "--seed", "1"]);
    let plivo_b = emulate(&["--provider", "plivo", "--calls", "90", "--seed", "2"]);
    let superu = emulate(&["--provider", "superu", "--calls", "120"]);
    let desk = emulate(&["--provider", "nectardesk", "--calls", "110"]);
    let unpod = emulate(&["--provider", "unpod", "--calls", "80"]);
    let mut env = Vec::new();
    let mut text = format!("db = \"{}\"\nfirst_window = \"31d\"\n\n", db.display());
    text += &account("plivo-eu", "plivo", &plivo_a, &mut env);
    text += &account("plivo-us", "plivo", &plivo_b, &mut env);
    text += &account("voice-ai", "superu", &superu, &mut env);
    text += &account("voice-ai-staging", "superu", &superu, &mut env);
    text += &account("desk", "nectardesk", &desk, &mut env);
    text += &account("unpod-prod", "unpod", &unpod, &mut env);
    let config = dir.join("calllogs.toml");
    std::fs::write(&config, &text).unwrap();

    let o = sync(&config, &env, &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    for (name, n) in [
        ("plivo-eu", 150),
        ("plivo-us", 90),
        ("voice-ai", 120),
        ("voice-ai-staging", 120),
        ("desk", 110),
        ("unpod-prod", 80),
    ] {
        let got = ids(&db, name);
        let mut unique = got.clone();
        unique.dedup();
        assert_eq!(
            (got.len(), unique.len()),
            (n, n),
            "{name}: each call once: {stderr}"
        );
        assert!(
            stderr.contains(&format!("/{name}: {n} calls")),
            "{name}'s line: {stderr}"
        );
    }
    assert_eq!(stderr.lines().count(), 6, "one line per account: {stderr}");

    // The second run starts from where the first ended (the lookback only).
    let o = sync(&config, &env, &["--account", "plivo-eu"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("(0 new,"), "incremental: {stderr}");
    assert_eq!(
        stderr.lines().count(),
        1,
        "only the account named: {stderr}"
    );
    assert_eq!(ids(&db, "plivo-eu").len(), 150);
}

#[test]
fn a_failing_account_does_not_stop_the_others() {
    let dir = scratch("bad");
    let db = dir.join("calls.db");
    let good = emulate(&["--provider", "nectardesk", "--calls", "60"]);
    let other = emulate(&["--provider", "unpod", "--calls", "40"]);
    let mut env = Vec::new();
    let mut text = format!("db = \"{}\"\nfirst_window = \"31d\"\n\n", db.display());
    text += &account("desk", "nectardesk", &good, &mut env);
    text += &account("wrong-key", "nectardesk", &good, &mut env);
    text += &account("unpod", "unpod", &other, &mut env);
    let config = dir.join("calllogs.toml");
    std::fs::write(&config, &text).unwrap();
    for (k, v) in env.iter_mut() {
        if k.starts_with("WRONG_KEY") {
            *v = "not-the-token-0000000000000000000000000".into();
        }
    }
    let o = sync(&config, &env, &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("nectardesk/wrong-key: failed") && stderr.contains("HTTP 401"),
        "its line says why: {stderr}"
    );
    assert!(stderr.contains("1 of 3 accounts failed"), "{stderr}");
    assert_eq!(ids(&db, "desk").len(), 60);
    assert_eq!(ids(&db, "unpod").len(), 40);
    assert!(
        ids(&db, "wrong-key").is_empty(),
        "nothing of it in the store"
    );
    let store = calllogs::store::SqliteStore::open(&db).unwrap();
    let states: i64 = store
        .connection()
        .query_row(
            "SELECT count(*) FROM sync_state WHERE account = 'wrong-key'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(states, 0, "no state either");
    assert!(!stderr.contains("not-the-token"), "no credential printed");

    // check: one line per account, exit 1 for the bad one.
    let o = bin()
        .args(["check", "--config"])
        .arg(&config)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("desk (nectardesk): ok"), "{out}");
    assert!(out.contains("unpod (unpod): ok"), "{out}");
    assert!(
        out.contains("wrong-key (nectardesk): nectardesk: authentication failed (HTTP 401)"),
        "{out}"
    );

    // fetch and report take the file too.
    let o = bin()
        .args([
            "fetch",
            "--quiet",
            "--since",
            "31d",
            "--account",
            "desk",
            "--config",
        ])
        .arg(&config)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 60);
    let o = bin()
        .args(["report", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        out.contains("nectardesk/desk") && out.contains("unpod/unpod"),
        "{out}"
    );
}

#[test]
fn a_wrong_config_exits_2_with_one_sentence_and_writes_nothing() {
    let dir = scratch("wrong");
    let db = dir.join("calls.db");
    let head = format!("db = \"{}\"\n", db.display());
    let desk = "[[accounts]]\nname = \"desk\"\nprovider = \"nectardesk\"\nbase_url = \"http://127.0.0.1:9/api/v1\"\n";
    let cases = [
        (
            format!("{head}{desk}token = \"${{DESK_TOKEN}}\"\ncolour = \"red\"\n"),
            "unknown key \"colour\"",
            0o600,
        ),
        (
            format!("{head}{desk}token = \"${{NOT_SET_ANYWHERE}}\"\n"),
            "${NOT_SET_ANYWHERE}",
            0o600,
        ),
        (
            format!("{head}{desk}token = \"plain-secret\"\n"),
            "group or others can read",
            0o644,
        ),
        (
            format!("{head}{desk}token = \"${{DESK_TOKEN}}\"\n{desk}token = \"${{DESK_TOKEN}}\"\n"),
            "used by an earlier account",
            0o600,
        ),
    ];
    for (text, want, mode) in cases {
        let config = dir.join("calllogs.toml");
        std::fs::write(&config, &text).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(mode)).unwrap();
        let o = sync(&config, &[("DESK_TOKEN".into(), "t0k3n".into())], &[]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{want}: {stderr}");
        assert!(stderr.contains(want), "{want}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "one sentence: {stderr}");
        assert!(!stderr.contains("plain-secret"), "{stderr}");
        assert!(!db.exists(), "nothing written");
    }
}

#[test]
fn config_init_writes_an_example_that_loads_and_never_overwrites() {
    let dir = scratch("init");
    let path = dir.join("calllogs.toml");
    let o = bin()
        .args(["config", "init", "--output"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let env = |k: &str| Some(format!("value-of-{k}"));
    let source = calllogs::config::Source::private(&path);
    let text = std::fs::read_to_string(&path).unwrap();
    let config =
        calllogs::config::Config::parse(&text, &source, &env, &calllogs::registry::REGISTRY)
            .unwrap();
    assert_eq!(config.accounts.len(), 2);
    let again = bin()
        .args(["config", "init", "--output"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2), "an existing file is kept");
}
