//! What the CLI test files share: the binary with a clean environment, and
//! a `calllogs emulate` child process read as a user reads it.

#![allow(dead_code)]

pub mod airbyte;
pub mod python;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Variables besides the providers' credentials that could change a run.
pub const ENV: &[&str] = &["RUST_LOG", "NECTARDESK_BASE_URL", "PGPASSWORD"];

/// Every provider compiled in, from the registry: a new provider is in
/// every test that loops over them without an edit here.
pub fn provider_ids() -> Vec<&'static str> {
    calllogs::registry::providers()
        .iter()
        .map(|p| p.id)
        .collect()
}

/// The config key of the credential in environment variable `var` (its CLI
/// flag with `_`), from the registry: no provider is named here.
pub fn credential_key(var: &str) -> String {
    calllogs::registry::providers()
        .iter()
        .flat_map(|p| p.credentials)
        .find(|c| c.env == var)
        .map(|c| c.flag.replace('-', "_"))
        .unwrap_or_else(|| panic!("{var} is no provider's credential"))
}

/// The `calllogs` binary, without any of [`ENV`] nor any provider's
/// credential from the environment.
pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_calllogs"));
    for k in ENV {
        cmd.env_remove(k);
    }
    for c in calllogs::registry::providers()
        .iter()
        .flat_map(|p| p.credentials)
    {
        cmd.env_remove(c.env);
    }
    // No ~/.pgpass of the machine's user either.
    cmd.env("PGPASSFILE", "/nonexistent/pgpass");
    cmd
}

/// A running `calllogs emulate`, killed when dropped.
pub struct Emulator {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    /// The `export NAME=value` lines it printed.
    pub exports: Vec<(String, String)>,
    /// The base URL its last line gives for `--base-url`.
    pub base_url: String,
}

impl Emulator {
    /// The exports as `(name, value)` pairs for `Command::envs`.
    pub fn env(&self) -> Vec<(&str, &str)> {
        self.exports
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `calllogs emulate ARGS…` and reads what it prints.
pub fn emulate(args: &[&str]) -> Emulator {
    let mut child = bin()
        .arg("emulate")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let origin = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{first}"))
        .to_string();
    let mut exports = Vec::new();
    let mut base_url = origin.clone();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(kv) = line.strip_prefix("export ") {
            let (k, v) = kv.split_once('=').unwrap();
            // A value a shell would split comes single-quoted.
            let v = v
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .unwrap_or(v);
            exports.push((k.to_string(), v.to_string()));
        } else if let Some(rest) = line.strip_prefix("# ") {
            base_url = rest
                .split("--base-url ")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
                .to_string();
            break;
        }
    }
    Emulator {
        child,
        origin,
        exports,
        base_url,
    }
}

/// A store opened on a runtime of its own, for tests that look into a
/// store (SQLite or PostgreSQL) a `calllogs` process wrote.
pub struct Db {
    rt: tokio::runtime::Runtime,
    /// The store.
    pub store: calllogs::store::Store,
}

impl Db {
    /// Opens `db` (a path or a postgres:// URL).
    pub fn open(db: &str) -> Result<Db, calllogs::store::StoreError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let store = rt.block_on(calllogs::store::Store::open(db))?;
        Ok(Db { rt, store })
    }

    /// Runs a query of the store.
    pub fn run<T>(&self, f: impl AsyncFnOnce(&calllogs::store::Store) -> T) -> T {
        self.rt.block_on(f(&self.store))
    }

    /// Calls stored (0 when the store cannot be opened yet).
    pub fn count(db: &str) -> u64 {
        Db::open(db).ok().map_or(0, |d| {
            d.run(async |s| s.count(None, None).await.unwrap_or(0))
        })
    }
}

/// `[[accounts]]` for `emu`, its credentials as `${VAR}`s prefixed with the
/// account name; the variables go into `env`.
pub fn account(
    name: &str,
    provider: &str,
    emu: &Emulator,
    env: &mut Vec<(String, String)>,
) -> String {
    let mut text = format!(
        "[[accounts]]\nname = \"{name}\"\nprovider = \"{provider}\"\nbase_url = \"{}\"\n",
        emu.base_url
    );
    for (var, value) in &emu.exports {
        let key = credential_key(var);
        let own = format!("{}_{var}", name.to_uppercase().replace('-', "_"));
        text += &format!("{key} = \"${{{own}}}\"\n");
        env.push((own, value.clone()));
    }
    text
}

/// The ids `emu` serves (last 31 days), sorted, as `calllogs fetch` reads them.
pub fn served(emu: &Emulator, provider: &str) -> Vec<String> {
    let o = bin()
        .args(["fetch", "--provider", provider, "--base-url", &emu.base_url])
        .args(["--since", "31d", "--no-raw", "--quiet"])
        .envs(emu.env())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut ids = ndjson_ids(&o.stdout);
    ids.sort();
    ids
}

/// The `id` of each line of NDJSON calls (`fetch`, `normalize`), in order.
pub fn ndjson_ids(stdout: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap_or_else(|| panic!("a call without a string id: {l}"))
                .to_string()
        })
        .collect()
}

/// One account for `emu` as a connector's JSON config (the `[[accounts]]`
/// entry as JSON), its credentials literal, reading the last 31 days.
pub fn account_json(name: &str, provider: &str, emu: &Emulator) -> serde_json::Value {
    let mut o = serde_json::json!({
        "name": name,
        "provider": provider,
        "base_url": emu.base_url,
        "since": "31d",
    });
    for (var, value) in &emu.exports {
        o[credential_key(var)] = serde_json::json!(value);
    }
    o
}

/// A scratch directory of its own for test `name`, emptied.
pub fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("calllogs-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
