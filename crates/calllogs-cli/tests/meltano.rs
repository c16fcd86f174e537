//! `examples/meltano/meltano.yml` run by Meltano from PyPI, as a new user
//! runs it: `meltano install`, the credentials set with `meltano config
//! set` (into `.env`, never into the committed file), `meltano run
//! tap-calllogs target-jsonl` against an emulator, then again from the
//! state Meltano kept (only the lookback is read), and with a wrong token
//! (calllogs' sentence in Meltano's output). The example deselects `raw`;
//! no record carries it.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::python::{Venv, venv};
use common::{emulate, scratch_dir, served};
use serde_json::Value;

/// A Meltano project: the example copied into a scratch directory, with
/// `calllogs-singer` (a link to the tested binary) on the PATH.
struct Project {
    dir: PathBuf,
    path: String,
    base_url: String,
}

impl Project {
    fn new(py: &Venv, base_url: &str) -> Project {
        let dir = scratch_dir("meltano");
        let example =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/meltano/meltano.yml");
        std::fs::copy(example, dir.join("meltano.yml")).unwrap();
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_calllogs"), bin.join("calllogs-singer"))
            .unwrap();
        let path = format!(
            "{}:{}:{}",
            bin.display(),
            py.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Project {
            dir,
            path,
            base_url: base_url.to_string(),
        }
    }

    /// `meltano ARGS…` in the project, with a clean environment for
    /// calllogs (no credentials of the machine's user) and the emulator's
    /// base URL as Meltano's setting variable.
    fn meltano(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("meltano");
        for p in calllogs::registry::providers() {
            for c in p.credentials {
                cmd.env_remove(c.env);
            }
        }
        cmd.args(args)
            .current_dir(&self.dir)
            .env("PATH", &self.path)
            .env("HOME", &self.dir)
            .env("MELTANO_SEND_ANONYMOUS_USAGE_STATS", "false")
            .env("NO_COLOR", "1")
            .env("TAP_CALLLOGS_BASE_URL", &self.base_url);
        cmd
    }

    fn ok(&self, args: &[&str]) -> Output {
        let o = self.meltano(args).output().unwrap();
        assert!(
            o.status.success(),
            "meltano {args:?}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        o
    }

    /// The records target-jsonl wrote so far.
    fn records(&self) -> Vec<Value> {
        let file = self.dir.join("output/calls.jsonl");
        std::fs::read_to_string(file)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn said(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn meltano_runs_the_example_then_resumes_from_its_state_and_says_a_bad_token() {
    let Some(py) = venv("meltano") else { return };
    let emu = emulate(&["--provider", "plivo", "--calls", "300", "--seed", "8"]);
    let project = Project::new(&py, &emu.base_url);
    let committed = std::fs::read_to_string(project.dir.join("meltano.yml")).unwrap();

    project.ok(&["install"]);
    // The secrets, as a user sets them: sensitive settings go to .env.
    let env = emu.env();
    let value = |name: &str| env.iter().find(|(k, _)| *k == name).unwrap().1;
    project.ok(&[
        "config",
        "set",
        "tap-calllogs",
        "auth_id",
        value("PLIVO_AUTH_ID"),
    ]);
    project.ok(&[
        "config",
        "set",
        "tap-calllogs",
        "token",
        value("PLIVO_AUTH_TOKEN"),
    ]);
    let dotenv = std::fs::read_to_string(project.dir.join(".env")).unwrap();
    assert!(dotenv.contains(value("PLIVO_AUTH_TOKEN")), "{dotenv}");
    let now = std::fs::read_to_string(project.dir.join("meltano.yml")).unwrap();
    assert_eq!(now, committed, "meltano config set wrote into meltano.yml");

    let o = project.ok(&["run", "tap-calllogs", "target-jsonl"]);
    let first = project.records();
    let expected: BTreeSet<String> = served(&emu, "plivo").into_iter().collect();
    let ids: Vec<&str> = first.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids.len(),
        expected.len(),
        "a call written twice or not at all: {}",
        said(&o)
    );
    assert_eq!(
        ids.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>(),
        expected
    );
    for r in &first {
        assert_eq!(r["account"], "plivo-eu");
        assert!(r.get("raw").is_none(), "raw was deselected: {r}");
        assert!(
            r.get("started_at").is_some() && r.get("cost").is_some(),
            "{r}"
        );
    }

    // Again: Meltano passes the state it kept; only the lookback is read.
    let o = project.ok(&["run", "tap-calllogs", "target-jsonl"]);
    let again = project.records().len() - first.len();
    assert!(
        again < expected.len() / 4,
        "the second run read {again} of {} calls: the state was not used\n{}",
        expected.len(),
        said(&o)
    );
    let state = project.ok(&["state", "get", "dev:tap-calllogs-to-target-jsonl"]);
    let state = String::from_utf8_lossy(&state.stdout);
    assert!(state.contains(r#""status":"done""#), "{state}");

    // A wrong token: the run fails, and says why in calllogs' words.
    let o = project
        .meltano(&["run", "tap-calllogs", "target-jsonl"])
        .env("TAP_CALLLOGS_TOKEN", "not-the-token-555")
        .output()
        .unwrap();
    let text = said(&o);
    assert!(!o.status.success(), "{text}");
    assert!(
        text.contains("plivo: authentication failed (HTTP 401)")
            && text.contains("check PLIVO_AUTH_ID"),
        "{text}"
    );
    assert!(!text.contains("not-the-token-555"), "the token was printed");
}
