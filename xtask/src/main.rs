//! The workspace's tasks: `cargo xtask ci` runs everything CI runs.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod snapshots;

const HELP: &str = "\
cargo xtask <task>

tasks:
  ci                 everything CI runs: fmt, clippy, tests (insta in check mode), snapshot/fixture check
  check-snapshots    every snapshot has its fixture and every fixture its snapshot
  bench [--quick]    the speed and memory figures (ratios against baselines run alongside),
                     printed and written to target/bench/latest.json
";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("check-snapshots") => snapshots::check(&root()),
        Some("bench") => bench(args.iter().any(|a| a == "--quick")),
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
    snapshots::check(&root())?;
    eprintln!("xtask: ci passed");
    Ok(())
}

fn bench(quick: bool) -> Result<(), String> {
    // The memory figure runs the real binary, emulator and sync in their own processes.
    run(
        "cargo build --release -p calllogs-cli",
        cargo().args(["build", "--release", "-p", "calllogs-cli", "--quiet"]),
    )?;
    let bin = root().join("target/release/calllogs");
    let mut cmd = cargo();
    cmd.args([
        "bench", "-p", "calllogs", "--bench", "figures", "--quiet", "--",
    ])
    .env("CALLLOGS_BIN", bin);
    if quick {
        cmd.arg("--quick");
    }
    run("cargo bench (figures)", &mut cmd)
}
