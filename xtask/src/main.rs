//! The workspace's tasks: `cargo xtask ci` runs everything CI runs.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod docs;
mod fixtures;
mod layout;
mod meltano;
mod readme;
mod redact;
mod scaffold;
mod snapshots;

const HELP: &str = "\
cargo xtask <task>

tasks:
  ci                 everything CI runs: fmt, clippy, tests (insta in check mode), snapshot/fixture check
  check-snapshots    every snapshot has its fixture and every fixture its snapshot
  check-fixtures     the above, and every fixture parses and holds nothing real-looking
  readme [--check]   the README's provider table, from the registry; meltano.yml's
                     settings, from the config schema, and its copy in the README
  docs [--check]     docs/taxonomy.md, from the taxonomy's table in core
  check-layout       crates depend downwards only (xtask/src/layout.rs); no module circles
  check-msrv         the workspace's rust-version is at least every dependency's
  check-features     the facade with one provider feature compiles no other provider
  new-provider NAME  a new provider crate, wired in, whose failing tests say what to implement
  check-scaffold     new-provider in a scratch clone: it builds, and only its own tests fail
  record --provider P [--pages N] [fetch flags…]
                     pull N real pages with your credentials into fixtures/P/, redacted
  bench [--quick] [--only=NAME]
                     the speed and memory figures (ratios against baselines run alongside),
                     printed and written to target/bench/latest.json
";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("check-snapshots") => snapshots::check(&root()),
        Some("check-fixtures") => check_fixtures(),
        Some("docs") => debug_bin()
            .and_then(|bin| docs::update(&root(), &bin, args.iter().any(|a| a == "--check"))),
        Some("check-layout") => check_layout(),
        Some("check-msrv") => check_msrv(),
        Some("readme") => debug_bin().and_then(|bin| {
            let check = args.iter().any(|a| a == "--check");
            readme::update(&root(), &registry(&bin)?, check)?;
            meltano::update(&root(), &bin, check)
        }),
        Some("check-features") => check_features(),
        Some("check-scaffold") => check_scaffold(),
        Some("record") => record(&args[1..]),
        Some("new-provider") => match args.get(1) {
            Some(name) => scaffold::new_provider(&root(), name),
            None => Err("usage: cargo xtask new-provider NAME".into()),
        },
        Some("bench") => bench(
            args.iter().any(|a| a == "--quick"),
            args.iter().find(|a| a.starts_with("--only=")),
        ),
        Some("help" | "--help" | "-h") | None => {
            print!("{HELP}");
            Ok(())
        }
        Some(other) => Err(format!("unknown task {other:?}\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn cargo() -> Command {
    let mut cmd = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

fn run(step: &str, cmd: &mut Command) -> Result<(), String> {
    eprintln!("xtask: {step}");
    let status = cmd
        .status()
        .map_err(|e| format!("{step}: cannot start: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{step} failed ({status})"))
    }
}

fn ci() -> Result<(), String> {
    run(
        "cargo fmt --check",
        cargo().args(["fmt", "--all", "--", "--check"]),
    )?;
    run(
        "cargo clippy",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    // insta in check mode: a new or changed snapshot fails, nothing is written.
    run(
        "cargo test",
        cargo()
            .args(["test", "--workspace", "--locked"])
            .env("INSTA_UPDATE", "no")
            .env("INSTA_FORCE_PASS", "0")
            .env("CI", "true"),
    )?;
    check_fixtures()?;
    check_layout()?;
    check_msrv()?;
    readme::update(&root(), &registry(&debug_bin()?)?, true)?;
    meltano::update(&root(), &debug_bin()?, true)?;
    docs::update(&root(), &debug_bin()?, true)?;
    check_features()?;
    check_scaffold()?;
    run(
        "cargo doc (warnings are errors)",
        cargo()
            .args(["doc", "--workspace", "--no-deps", "--quiet"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )?;
    // Every crate packages for crates.io (metadata, files, local
    // dependencies with versions); not built again from the tarballs.
    run(
        "cargo package (every crate)",
        cargo().args([
            "package",
            "--workspace",
            "--no-verify",
            "--locked",
            "--allow-dirty",
            "--quiet",
        ]),
    )?;
    eprintln!("xtask: ci passed");
    Ok(())
}

fn bench(quick: bool, only: Option<&String>) -> Result<(), String> {
    // The memory figure runs the real binary, emulator and sync in their own processes.
    run(
        "cargo build --release -p calllogs-cli",
        cargo().args(["build", "--release", "-p", "calllogs-cli", "--quiet"]),
    )?;
    let bin = root().join("target/release/calllogs");
    let mut cmd = cargo();
    cmd.args([
        "bench",
        "-p",
        "calllogs-cli",
        "--bench",
        "figures",
        "--quiet",
        "--",
    ])
    .env("CALLLOGS_BIN", bin);
    if quick {
        cmd.arg("--quick");
    }
    // `--only=NAME`: one figure (while working on it).
    cmd.args(only);
    run("cargo bench (figures)", &mut cmd)
}

fn check_fixtures() -> Result<(), String> {
    fixtures::check(&root(), Some(&debug_bin()?))
}

/// The debug `calllogs` binary, built if missing.
fn debug_bin() -> Result<PathBuf, String> {
    let bin = root().join("target/debug/calllogs");
    if !bin.exists() {
        run(
            "cargo build -p calllogs-cli",
            cargo().args(["build", "-p", "calllogs-cli", "--quiet"]),
        )?;
    }
    Ok(bin)
}

/// `calllogs providers --json` of `bin`: the registry, which is the one
/// list of providers (nothing here names one).
fn registry(bin: &Path) -> Result<Vec<serde_json::Value>, String> {
    let out = Command::new(bin)
        .args(["providers", "--json"])
        .output()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    if !out.status.success() {
        return Err(format!(
            "calllogs providers --json failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).map_err(|e| format!("calllogs providers --json: {e}")))
        .collect()
}

/// The facade's `providers` feature: every provider feature, read with
/// `cargo metadata` from the registration line in its `Cargo.toml`.
fn facade_providers() -> Result<Vec<String>, String> {
    let out = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps", "--locked"])
        .output()
        .map_err(|e| format!("cargo metadata: {e}"))?;
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata: {e}"))?;
    let ids: Vec<String> = meta["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "calllogs")
        .and_then(|p| p["features"]["providers"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|f| f.as_str().map(str::to_string))
        .collect();
    if ids.is_empty() {
        return Err("the facade has no `providers` feature listing the providers".into());
    }
    Ok(ids)
}

/// The ids of the providers compiled into `bin`.
fn provider_ids(bin: &Path) -> Result<Vec<String>, String> {
    let ids: Vec<String> = registry(bin)?
        .iter()
        .filter_map(|p| p["id"].as_str().map(str::to_string))
        .collect();
    if ids.is_empty() {
        return Err("calllogs providers --json listed no provider".into());
    }
    Ok(ids)
}

/// A crate that depends on the facade with one provider feature must not
/// compile the others: `cargo tree` says what would be built.
/// The workspace's `rust-version` is true: no dependency in the lock file
/// needs a newer compiler than it says (a user on that compiler could not
/// build calllogs otherwise).
fn check_msrv() -> Result<(), String> {
    let out = cargo()
        .args(["metadata", "--format-version", "1", "--locked"])
        .output()
        .map_err(|e| format!("cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo metadata: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata: {e}"))?;
    // `1.89` and `1.89.0` are the same version.
    let version = |v: &str| -> Vec<u64> {
        let mut parts: Vec<u64> = v.split('.').map(|p| p.parse().unwrap_or(0)).collect();
        parts.resize(3, 0);
        parts
    };
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m.as_str())
        .collect();
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let ours = packages
        .iter()
        .filter(|p| p["name"] == "calllogs-core")
        .find_map(|p| p["rust_version"].as_str())
        .ok_or("calllogs-core has no rust-version")?
        .to_string();
    let mut needs: Vec<(Vec<u64>, String)> = packages
        .iter()
        .filter(|p| !members.contains(&p["id"].as_str().unwrap_or_default()))
        .filter_map(|p| {
            let rv = p["rust_version"].as_str()?;
            Some((
                version(rv),
                format!(
                    "{} {} needs Rust {rv}",
                    p["name"].as_str()?,
                    p["version"].as_str()?
                ),
            ))
        })
        .collect();
    needs.sort();
    match needs.last() {
        Some((highest, who)) if *highest > version(&ours) => Err(format!(
            "rust-version = \"{ours}\" in Cargo.toml is not true: {who}; raise it"
        )),
        _ => {
            eprintln!(
                "xtask: rust-version {ours} holds for every dependency (highest: {})",
                needs.last().map_or("none", |(_, w)| w.as_str())
            );
            Ok(())
        }
    }
}

fn check_layout() -> Result<(), String> {
    let out = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps", "--locked"])
        .output()
        .map_err(|e| format!("cargo metadata: {e}"))?;
    let metadata: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata: {e}"))?;
    layout::check(&root(), &metadata)
}

fn check_features() -> Result<(), String> {
    let providers = facade_providers()?;
    for p in &providers {
        let has = crates_built("calllogs", p)?;
        if !has(&format!("calllogs-{p}")) {
            return Err(format!("the `{p}` feature does not bring calllogs-{p}"));
        }
        for other in providers.iter().filter(|o| *o != p) {
            if has(&format!("calllogs-{other}")) {
                return Err(format!(
                    "the `{p}` feature alone also compiles calllogs-{other}"
                ));
            }
        }
        if has("rusqlite") {
            return Err(format!(
                "the `{p}` feature alone compiles rusqlite (it belongs to `sync`)"
            ));
        }
    }
    // `sync` alone is SQLite: no PostgreSQL client; `postgres` brings it.
    let first = providers
        .first()
        .ok_or("the facade has no provider feature")?;
    let sync_features = format!("{first},sync,config");
    let sqlite_only = crates_built("calllogs", &sync_features)?;
    if sqlite_only("tokio-postgres") || !sqlite_only("rusqlite") {
        return Err(
            "the `sync` feature should compile SQLite and not the PostgreSQL client".into(),
        );
    }
    let pg_features = format!("{first},postgres");
    if !crates_built("calllogs", &pg_features)?("tokio-postgres") {
        return Err("the `postgres` feature does not bring the PostgreSQL client".into());
    }
    let sqlite_features = format!("{first},sync,config,listen,connector");
    run(
        "cargo check -p calllogs with `sync` (SQLite) only",
        cargo().args([
            "check",
            "-p",
            "calllogs",
            "--no-default-features",
            "--features",
            &sqlite_features,
            "--quiet",
        ]),
    )?;
    // A CLI built without its `emulator` feature carries no emulator, and builds.
    if crates_built("calllogs-cli", "calllogs/default")?("calllogs-emulator") {
        return Err("calllogs-cli without `emulator` still compiles calllogs-emulator".into());
    }
    run(
        "cargo check -p calllogs-cli without `emulator`",
        cargo().args([
            "check",
            "-p",
            "calllogs-cli",
            "--no-default-features",
            "--features",
            "calllogs/default",
            "--quiet",
        ]),
    )?;
    eprintln!(
        "xtask: each provider feature compiles that provider only; `sync` is SQLite without the PostgreSQL client; the CLI builds without the emulator"
    );
    Ok(())
}

/// What `package` with only `features` would compile: a test "is this
/// crate in it", from `cargo tree`.
fn crates_built(package: &str, features: &str) -> Result<impl Fn(&str) -> bool, String> {
    let out = cargo()
        .args([
            "tree",
            "-p",
            package,
            "--no-default-features",
            "--features",
            features,
        ])
        .args(["-e", "normal", "--prefix", "none"])
        .output()
        .map_err(|e| format!("cargo tree: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo tree failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let tree = String::from_utf8_lossy(&out.stdout).into_owned();
    Ok(move |krate: &str| tree.lines().any(|l| l.split(' ').next() == Some(krate)))
}

/// `new-provider` in a scratch clone of HEAD: the workspace builds, the
/// crates it touches still pass, and the new crate's tests fail saying what
/// to implement. Shares this tree's target directory, so only what changed builds.
fn check_scaffold() -> Result<(), String> {
    let scratch = std::env::temp_dir().join(format!("calllogs-scaffold-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let status = Command::new("git")
        .args(["clone", "-q", "--no-hardlinks"])
        .arg(root())
        .arg(&scratch)
        .status()
        .map_err(|e| format!("git clone: {e}"))?;
    if !status.success() {
        return Err("git clone of the workspace failed".into());
    }
    let result = (|| {
        scaffold::new_provider(&scratch, "demo_provider")?;
        touched_outside(&scratch)?;
        let target = root().join("target");
        let in_scratch = |args: &[&str]| {
            let mut cmd = cargo();
            cmd.current_dir(&scratch)
                .args(args)
                .env("CARGO_TARGET_DIR", &target)
                .env("INSTA_UPDATE", "no")
                .env("CI", "true");
            cmd
        };
        run(
            "scaffold: cargo build",
            &mut in_scratch(&["build", "--workspace", "--all-targets", "--quiet"]),
        )?;
        run(
            "scaffold: the crates it touches still pass",
            &mut in_scratch(&[
                "test",
                "--quiet",
                "-p",
                "calllogs-cli",
                "--test",
                "cli",
                "--test",
                "providers",
            ]),
        )?;
        scaffold_is_everywhere(
            &target.join("debug/calllogs"),
            &mut in_scratch(&[
                "test",
                "-p",
                "calllogs-cli",
                "--test",
                "emulators",
                "a_full_fetch_returns_every_call_exactly_once",
            ]),
        )?;
        let out = in_scratch(&["test", "-p", "calllogs-demo_provider", "--no-fail-fast"])
            .output()
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&out.stdout);
        let failing = text.matches("... FAILED").count();
        let told = text.matches("implement").count() + text.matches("write fixtures/").count();
        if out.status.success() || failing == 0 || told < failing {
            return Err(format!(
                "scaffold: the new crate's tests should fail saying what to implement ({failing} failed, {told} said what):\n{text}"
            ));
        }
        eprintln!(
            "xtask: new-provider builds; {failing} of its tests fail, each saying what to implement"
        );
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// The scaffolded `demo_provider`, with no edit beyond `new-provider`,
/// appears in `calllogs providers`, `calllogs emulate`, the demo and the
/// emulators' exactly-once test (which fails on it, since its mapping is
/// still a stub, after every other provider passed).
/// A new provider touches at most four lines in at most two files outside
/// its crate and its fixtures (Cargo.lock, written by cargo, aside).
fn touched_outside(scratch: &Path) -> Result<(), String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(scratch)
        .args(["diff", "--numstat"])
        .output()
        .map_err(|e| format!("git diff: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut files = Vec::new();
    let mut lines = 0;
    for row in text.lines() {
        let cols: Vec<&str> = row.split('\t').collect();
        let [added, removed, path] = cols[..] else {
            continue;
        };
        if path == "Cargo.lock" {
            continue;
        }
        lines += added.parse::<usize>().unwrap_or(0) + removed.parse::<usize>().unwrap_or(0);
        files.push(path.to_string());
    }
    if lines > 4 || files.len() > 2 {
        return Err(format!(
            "scaffold: a new provider touches {lines} lines in {} files outside its crate ({}); at most 4 in 2",
            files.len(),
            files.join(", ")
        ));
    }
    eprintln!(
        "xtask: a new provider touches {lines} lines in {} files outside its crate ({})",
        files.len(),
        files.join(", ")
    );
    Ok(())
}

fn scaffold_is_everywhere(bin: &Path, exactly_once: &mut Command) -> Result<(), String> {
    use std::io::BufRead;
    const NAME: &str = "demo_provider";
    if !provider_ids(bin)?.iter().any(|p| p == NAME) {
        return Err(format!("scaffold: calllogs providers does not list {NAME}"));
    }
    let mut emu = Command::new(bin)
        .args(["emulate", "--provider", NAME, "--calls", "5"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("calllogs emulate: {e}"))?;
    let first = emu
        .stdout
        .take()
        .and_then(|out| std::io::BufReader::new(out).lines().next())
        .and_then(Result::ok)
        .unwrap_or_default();
    let _ = emu.kill();
    let _ = emu.wait();
    if !first.starts_with("listening on http://127.0.0.1:") {
        return Err(format!(
            "scaffold: calllogs emulate --provider {NAME} did not start (said {first:?})"
        ));
    }
    let db = std::env::temp_dir().join(format!("calllogs-scaffold-demo-{}.db", std::process::id()));
    let out = Command::new(bin)
        .args(["demo", "--quiet", "--calls", "50", "--db"])
        .arg(&db)
        .output()
        .map_err(|e| format!("calllogs demo: {e}"))?;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let said = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || !said.contains(&format!("{NAME}/")) {
        return Err(format!(
            "scaffold: the demo did not sync {NAME} ({}):\n{said}",
            out.status
        ));
    }
    let out = exactly_once
        .output()
        .map_err(|e| format!("exactly_once: {e}"))?;
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    if out.status.success() || !text.contains(&format!("{NAME} {NAME}-")) {
        return Err(format!(
            "scaffold: the exactly-once test should reach {NAME} and fail on its stub mapping:\n{text}"
        ));
    }
    eprintln!("xtask: {NAME} appears in providers, emulate, the demo and the exactly-once test");
    Ok(())
}

/// `cargo xtask record --provider P [--pages N] [fetch flags…]`: real pages
/// through `calllogs fetch --record-dir`, then redacted into fixtures/P/.
fn record(args: &[String]) -> Result<(), String> {
    let provider = args
        .iter()
        .position(|a| a == "--provider" || a == "-p")
        .and_then(|i| args.get(i + 1))
        .ok_or("usage: cargo xtask record --provider P [--pages N] [fetch flags…]")?
        .clone();
    let mut pages = "3".to_string();
    let mut passthrough = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--pages" {
            pages = it.next().cloned().ok_or("--pages needs a number")?;
        } else {
            passthrough.push(a.clone());
        }
    }
    let raw_dir = std::env::temp_dir().join(format!("calllogs-record-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&raw_dir);
    run(
        "cargo build --release -p calllogs-cli",
        cargo().args(["build", "--release", "-p", "calllogs-cli", "--quiet"]),
    )?;
    let status = Command::new(root().join("target/release/calllogs"))
        .arg("fetch")
        .args(&passthrough)
        .args(["--max-pages", &pages, "--quiet", "--no-raw", "--record-dir"])
        .arg(&raw_dir)
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("calllogs fetch: {e}"))?;
    if !status.success() {
        let _ = std::fs::remove_dir_all(&raw_dir);
        return Err("calllogs fetch failed (its message is above)".into());
    }
    // Every credential the environment holds (of every provider in the
    // registry) is removed wherever it appears.
    let secrets = registry(&root().join("target/release/calllogs"))?
        .iter()
        .flat_map(|p| p["credentials"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["env"].as_str().and_then(|k| env::var(k).ok()))
        .filter(|v| v.len() >= 4)
        .collect();
    let mut redactor = redact::Redactor::with_secrets(secrets);
    let out_dir = root().join("fixtures").join(&provider);
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    let mut files: Vec<_> = std::fs::read_dir(&raw_dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    for (i, file) in files.iter().enumerate() {
        let body = std::fs::read(file).map_err(|e| e.to_string())?;
        let mut page: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| format!("{}: {e}", file.display()))?;
        redactor.value(None, &mut page);
        let target = out_dir.join(format!("recorded-{stamp}-{:02}.json", i + 1));
        let text = serde_json::to_string_pretty(&page).map_err(|e| e.to_string())?;
        std::fs::write(&target, text + "\n").map_err(|e| e.to_string())?;
        println!("wrote {}", target.display());
    }
    let _ = std::fs::remove_dir_all(&raw_dir);
    println!(
        "replaced: {}",
        redactor
            .report
            .0
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "next: read the new fixtures, add their snapshots (INSTA_UPDATE=always cargo test -p calllogs-{provider}), run cargo xtask check-fixtures"
    );
    Ok(())
}
