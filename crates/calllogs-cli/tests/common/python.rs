//! Python virtual environments for the tests that run real clients
//! (Airbyte's protocol models, a Singer target, PyAirbyte): created under
//! `target/python/NAME` from a pinned requirements file, once, whatever the
//! number of tests and processes asking at the same time.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A ready virtual environment.
pub struct Venv {
    /// Its `bin` directory (`python`, and the packages' scripts).
    pub bin: PathBuf,
}

impl Venv {
    /// `bin/NAME` of the environment.
    pub fn tool(&self, name: &str) -> Command {
        Command::new(self.bin.join(name))
    }

    /// Its Python running `tests/python/SCRIPT`.
    pub fn script(&self, script: &str) -> Command {
        let mut cmd = Command::new(self.bin.join("python"));
        cmd.arg(python_dir().join(script));
        cmd
    }
}

/// `crates/calllogs-cli/tests/python`.
pub fn python_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python")
}

/// The workspace's target directory (the test binary's grandparent).
fn target_dir() -> PathBuf {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_calllogs"));
    bin.parent().and_then(Path::parent).unwrap().to_path_buf()
}

/// The environment `NAME` with `tests/python/requirements-NAME.txt`
/// installed. Outside CI, `None` (the test says why and passes) when
/// Python or the package index cannot be had; in CI (`CI` set), a panic:
/// there the test must run.
pub fn venv(name: &str) -> Option<Venv> {
    match make(name) {
        Ok(v) => Some(v),
        Err(why) if std::env::var_os("CI").is_none() => {
            eprintln!("skipped: no Python environment {name}: {why}");
            None
        }
        Err(why) => panic!("CI: cannot make the Python environment {name}: {why}"),
    }
}

fn make(name: &str) -> Result<Venv, String> {
    let requirements = python_dir().join(format!("requirements-{name}.txt"));
    let wanted = std::fs::read_to_string(&requirements)
        .map_err(|e| format!("{}: {e}", requirements.display()))?;
    let root = target_dir().join("python");
    std::fs::create_dir_all(&root).map_err(|e| e.to_string())?;
    // One installer at a time, across test threads and processes.
    let lock =
        std::fs::File::create(root.join(format!("{name}.lock"))).map_err(|e| e.to_string())?;
    // File::lock (Rust 1.89, the workspace's rust-version): a lock the
    // kernel drops when a killed test dies.
    lock.lock().map_err(|e| e.to_string())?;
    let dir = root.join(name);
    let marker = dir.join("installed-requirements.txt");
    let venv = Venv {
        bin: dir.join("bin"),
    };
    if std::fs::read_to_string(&marker).is_ok_and(|m| m == wanted) {
        return Ok(venv);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    run(Command::new(&python).args(["-m", "venv"]).arg(&dir))?;
    run(venv
        .tool("pip")
        .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(&requirements))?;
    std::fs::write(&marker, wanted).map_err(|e| e.to_string())?;
    Ok(venv)
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    let o = cmd.output().map_err(|e| format!("{shown}: {e}"))?;
    if o.status.success() {
        return Ok(());
    }
    Err(format!(
        "{shown}: {}\n{}{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    ))
}
