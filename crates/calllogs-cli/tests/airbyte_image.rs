//! The Airbyte source image, built and run for real: `docker/build-image.sh`
//! around the binary the other tests run, with podman (Debian's package,
//! which `.ci/run` installs), then `spec`, `check`, `discover` and `read`
//! through the container, with the job's files mounted the way Airbyte's
//! launchers mount them (one directory, the files passed by relative name
//! from it), every message validated by `airbyte-protocol-models`. A
//! container killed in the middle of `read` is started again with the last
//! state it emitted, as Airbyte's retry does; and PyAirbyte runs the image
//! (`docker_image=…`) into its DuckDB cache.
//!
//! podman runs with `docker/containers.conf`, `vfs` storage and `chroot`
//! isolation, which work on a machine without overlay mounts, user
//! namespaces or systemd (a CI runner as root). Outside CI a machine
//! without podman skips these tests, saying so; in CI they fail.

mod common;

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use common::airbyte::{configured, ids, keys, lines_until_states, validated, write_json};
use common::python::venv;
use common::{account_json, emulate, scratch_dir, served};
use serde_json::{Value, json};

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// podman with the settings of `docker/containers.conf`.
fn podman() -> Command {
    let mut cmd = Command::new("podman");
    cmd.env("CONTAINERS_CONF", root().join("docker/containers.conf"))
        .env("STORAGE_DRIVER", "vfs")
        .env("BUILDAH_ISOLATION", "chroot");
    cmd
}

/// The image's tag, built once per test process.
const TAG: &str = "localhost/source-calllogs:test";

/// The image built from the tested binary, or why it could not be: `None`
/// outside CI when podman is missing (the test says so and passes); a
/// panic in CI, where these tests must run.
fn image() -> Option<&'static str> {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let v = podman().arg("--version").output();
        if !v.is_ok_and(|o| o.status.success()) {
            return Err("podman is not installed (Debian: apt-get install podman runc)".into());
        }
        let o = Command::new(root().join("docker/build-image.sh"))
            .arg(env!("CARGO_BIN_EXE_calllogs"))
            .arg(TAG)
            .env("CONTAINERS_CONF", root().join("docker/containers.conf"))
            .env("STORAGE_DRIVER", "vfs")
            .env("BUILDAH_ISOLATION", "chroot")
            .output()
            .map_err(|e| format!("docker/build-image.sh: {e}"))?;
        if !o.status.success() {
            return Err(format!(
                "docker/build-image.sh failed: {}",
                String::from_utf8_lossy(&o.stderr)
            ));
        }
        assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), TAG);
        Ok(())
    });
    match built {
        Ok(()) => Some(TAG),
        Err(why) if std::env::var_os("CI").is_none() => {
            eprintln!("skipped: no image: {why}");
            None
        }
        Err(why) => panic!("CI: cannot build the image: {why}"),
    }
}

/// A job directory as Airbyte's launcher makes one: the files it names,
/// readable by the connector's user (not root), mounted at `/config`.
struct Job {
    dir: PathBuf,
}

impl Job {
    fn new(name: &str) -> Job {
        let dir = scratch_dir(name);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        Job { dir }
    }

    /// Writes `file` (a name, as Airbyte writes `source_config.json`).
    fn put(&self, file: &str, v: &Value) {
        let path = write_json(&self.dir.join(file), v);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }

    /// `podman run` of the image with the job mounted and `args` after the
    /// entrypoint, as the launcher runs it.
    fn command(&self, image: &str, name: Option<&str>, args: &[&str]) -> Command {
        let mut cmd = podman();
        cmd.args(["run", "--rm", "-i", "--network", "host"]);
        if let Some(name) = name {
            cmd.args(["--name", name]);
        }
        cmd.arg("--volume")
            .arg(format!("{}:/config:ro", self.dir.display()))
            .args(["--workdir", "/config", image])
            .args(args);
        cmd
    }

    /// Runs `args` in the image; stdout kept in `NAME.jsonl`.
    fn run(&self, image: &str, out: &str, args: &[&str]) -> (Output, PathBuf) {
        let o = self
            .command(image, None, args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let file = self.dir.join(format!("{out}.jsonl"));
        std::fs::write(&file, &o.stdout).unwrap();
        (o, file)
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn inspect(image: &str, format: &str) -> String {
    let o = podman()
        .args(["image", "inspect", "--format", format, image])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn the_image_holds_the_tested_binary_with_airbytes_labels_and_runs_it_as_no_root() {
    let Some(image) = image() else { return };
    assert_eq!(
        inspect(image, "{{index .Config.Labels \"io.airbyte.name\"}}"),
        "airbyte/source-calllogs"
    );
    assert_eq!(
        inspect(image, "{{index .Config.Labels \"io.airbyte.version\"}}"),
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(
        inspect(image, "{{json .Config.Entrypoint}}"),
        r#"["/usr/local/bin/calllogs-airbyte"]"#
    );
    let env = inspect(image, "{{json .Config.Env}}");
    assert!(
        env.contains(r#""AIRBYTE_ENTRYPOINT=/usr/local/bin/calllogs-airbyte""#),
        "{env}"
    );
    assert_eq!(inspect(image, "{{.Config.User}}"), "1000:1000");

    // The image is the binary (stripped), its three libraries, the loader
    // and the CA certificates: a few megabytes over the stripped binary.
    let size: u64 = inspect(image, "{{.Size}}").parse().unwrap();
    let stripped = std::env::temp_dir().join(format!("calllogs-stripped-{}", std::process::id()));
    let s = Command::new("strip")
        .arg("-o")
        .arg(&stripped)
        .arg(env!("CARGO_BIN_EXE_calllogs"))
        .status()
        .unwrap();
    assert!(s.success());
    let binary = std::fs::metadata(&stripped).unwrap().len();
    let _ = std::fs::remove_file(&stripped);
    eprintln!("image {size} bytes; the stripped binary {binary}");
    assert!(
        size < binary + 8 * 1024 * 1024,
        "image {size} bytes for a {binary}-byte binary: more than the binary, its libraries and certificates"
    );

    // No shell to run anything else with.
    let o = podman()
        .args([
            "run",
            "--rm",
            "--entrypoint",
            "/bin/sh",
            image,
            "-c",
            "true",
        ])
        .output()
        .unwrap();
    assert!(!o.status.success(), "the image has a shell");

    // Not root: a file only root may read, in the mount, is refused.
    let job = Job::new("image-user");
    job.put(
        "source_config.json",
        &json!({"name": "a", "provider": "plivo"}),
    );
    let private = job.dir.join("source_config.json");
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (o, file) = job.run(image, "check", &["check", "--config", "source_config.json"]);
    let text = std::fs::read_to_string(file).unwrap() + &String::from_utf8_lossy(&o.stderr);
    assert!(
        text.contains("ermission denied"),
        "root in the container read a root-only file: {text}"
    );
}

#[test]
fn spec_check_discover_and_read_through_the_image_validate_and_a_second_read_resumes() {
    let Some(image) = image() else { return };
    let Some(py) = venv("protocol") else { return };
    let job = Job::new("image-read");
    let emu = emulate(&["--provider", "plivo", "--calls", "400", "--seed", "21"]);
    let config = account_json("plivo-eu", "plivo", &emu);
    job.put("source_config.json", &config);

    let (o, file) = job.run(image, "spec", &["spec"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let config_file = job.dir.join("source_config.json");
    let s = validated(&py, &file, &[Path::new("--config"), &config_file]);
    assert_eq!(s["types"]["SPEC"], 1);

    let (o, file) = job.run(image, "check", &["check", "--config", "source_config.json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = validated(&py, &file, &[]);
    assert_eq!(s["connection"][0]["status"], "SUCCEEDED", "{s}");

    let mut wrong = config.clone();
    wrong["token"] = json!("not-the-token");
    job.put("bad_config.json", &wrong);
    let (o, file) = job.run(
        image,
        "check-bad",
        &["check", "--config", "bad_config.json"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = validated(&py, &file, &[]);
    assert_eq!(s["connection"][0]["status"], "FAILED", "{s}");
    let said = s["connection"][0]["message"].as_str().unwrap();
    assert!(said.contains("authentication failed"), "{said}");
    assert!(
        !said.contains("not-the-token"),
        "the token was printed: {said}"
    );

    let (o, file) = job.run(
        image,
        "discover",
        &["discover", "--config", "source_config.json"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    validated(&py, &file, &[]);
    let catalog: Value =
        serde_json::from_str(std::fs::read_to_string(&file).unwrap().trim()).unwrap();
    let catalog = &catalog["catalog"];
    job.put("source_catalog.json", &configured(catalog, "incremental"));
    job.put("catalog.json", catalog);
    let catalog_file = job.dir.join("catalog.json");

    let read = [
        "read",
        "--config",
        "source_config.json",
        "--catalog",
        "source_catalog.json",
    ];
    let (o, file) = job.run(image, "read", &read);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = validated(&py, &file, &[Path::new("--catalog"), &catalog_file]);
    let expected: BTreeSet<String> = served(&emu, "plivo").into_iter().collect();
    let got = keys(&s);
    assert_eq!(got.len(), expected.len(), "a call read twice or not at all");
    assert_eq!(ids(&got), expected);
    let counted: f64 = s["record_counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_f64().unwrap())
        .sum();
    assert_eq!(counted as usize, expected.len(), "sourceStats disagree");

    // Airbyte passes the last STATE back as input_state.json.
    let last = s["states"].as_array().unwrap().last().unwrap()["state"].clone();
    assert_eq!(last["stream"]["stream_state"]["status"], "done");
    job.put("input_state.json", &json!([last]));
    let mut again = read.to_vec();
    again.extend(["--state", "input_state.json"]);
    let (o, file) = job.run(image, "read-again", &again);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = validated(&py, &file, &[Path::new("--catalog"), &catalog_file]);
    let reread = keys(&s).len();
    assert!(
        reread < expected.len() / 4,
        "the second read did not start from the state: {reread} of {}",
        expected.len()
    );
}

#[test]
fn a_container_killed_in_the_middle_of_a_read_resumes_from_its_last_state() {
    let Some(image) = image() else { return };
    let Some(py) = venv("protocol") else { return };
    let job = Job::new("image-kill");
    let emu = emulate(&[
        "--provider",
        "plivo",
        "--calls",
        "800",
        "--seed",
        "12",
        "--latency-ms",
        "30",
    ]);
    job.put(
        "source_config.json",
        &account_json("plivo-eu", "plivo", &emu),
    );
    let catalog = json!({"streams": [calllogs::connector::airbyte::stream()]});
    job.put("source_catalog.json", &configured(&catalog, "incremental"));
    job.put("catalog.json", &catalog);
    let catalog_file = job.dir.join("catalog.json");
    let read = [
        "read",
        "--config",
        "source_config.json",
        "--catalog",
        "source_catalog.json",
    ];

    let name = format!("calllogs-kill-{}", std::process::id());
    let mut child = job
        .command(image, Some(&name), &read)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = lines_until_states(child.stdout.take().unwrap(), 5);
    let killed = podman()
        .args(["kill", "--signal", "KILL", &name])
        .output()
        .unwrap();
    assert!(
        killed.status.success(),
        "{}",
        String::from_utf8_lossy(&killed.stderr)
    );
    let status = child.wait().unwrap();
    assert!(!status.success(), "the killed container exited 0");
    let first = job.dir.join("killed.jsonl");
    std::fs::write(&first, lines.join("\n") + "\n").unwrap();
    let s1 = validated(&py, &first, &[Path::new("--catalog"), &catalog_file]);
    let expected: BTreeSet<String> = served(&emu, "plivo").into_iter().collect();
    let before = keys(&s1);
    assert!(before.len() < expected.len());

    let last = s1["states"].as_array().unwrap().last().unwrap()["state"].clone();
    assert_eq!(last["stream"]["stream_state"]["status"], "running");
    job.put("input_state.json", &json!([last]));
    let mut resumed = read.to_vec();
    resumed.extend(["--state", "input_state.json"]);
    let (o, file) = job.run(image, "resumed", &resumed);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s2 = validated(&py, &file, &[Path::new("--catalog"), &catalog_file]);
    let after = keys(&s2);
    assert!(
        after.len() < expected.len(),
        "the resumed read started over ({} records)",
        after.len()
    );
    // The records up to the last state and those of the resumed read are
    // every call once: nothing lost, nothing read twice.
    let union: BTreeSet<String> = ids(&before).union(&ids(&after)).cloned().collect();
    assert_eq!(union, expected, "a page was lost");
    let upto: usize = s1["record_counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_f64().unwrap() as usize)
        .sum();
    assert_eq!(
        upto + after.len(),
        expected.len(),
        "a call committed by a state came again"
    );
}

#[test]
fn pyairbyte_runs_the_image_into_its_cache_with_analysis_as_json() {
    let Some(image) = image() else { return };
    let Some(py) = venv("pyairbyte") else { return };
    let dir = scratch_dir("pyairbyte-image");
    // PyAirbyte runs `docker`; podman answers to the same command line.
    // PyAirbyte writes the config readable by its own user only, so the
    // container runs as that user (`--user`), as a Docker user whose uid is
    // not the image's 1000 must do too.
    let shims = dir.join("bin");
    std::fs::create_dir_all(&shims).unwrap();
    let shim = shims.join("docker");
    std::fs::write(
        &shim,
        format!(
            "#!/bin/sh\nexport CONTAINERS_CONF='{}' STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot\n\
             if [ \"$1\" = run ]; then shift; exec podman run --user \"$(id -u):$(id -g)\" \"$@\"; fi\n\
             exec podman \"$@\"\n",
            root().join("docker/containers.conf").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        shims.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let emu = emulate(&["--provider", "vapi", "--calls", "120", "--seed", "4"]);
    let config = write_json(
        &dir.join("config.json"),
        &account_json("vapi-main", "vapi", &emu),
    );
    let o = py
        .script("pyairbyte_read.py")
        .args(["--docker-image", image])
        .arg(&config)
        .arg(dir.join("cache"))
        .env("PATH", path)
        // What the README says: without it, PyAirbyte asks its registry.
        .env("AIRBYTE_OFFLINE_MODE", "1")
        .env("DO_NOT_TRACK", "1")
        .env("AIRBYTE_LOGGING_ROOT", dir.join("logs"))
        .env("HOME", &dir)
        .env("TMPDIR", &dir)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "PyAirbyte failed: {said}");
    assert!(
        !said.contains("Could not determine airbyte type"),
        "a field of the schema has no type PyAirbyte knows: {said}"
    );
    let result: Value =
        serde_json::from_str(said.lines().rfind(|l| l.starts_with('{')).unwrap()).unwrap();
    let cached: Vec<common::airbyte::Key> = serde_json::from_value(result["keys"].clone()).unwrap();
    let expected: BTreeSet<String> = served(&emu, "vapi").into_iter().collect();
    assert_eq!(
        cached.len(),
        expected.len(),
        "a call cached twice or not at all"
    );
    assert_eq!(ids(&cached), expected);
    // Typed, the analysis is a JSON column, not text.
    assert_eq!(result["types"]["analysis"], "JSON", "{}", result["types"]);
    assert_eq!(result["types"]["agents"], "JSON", "{}", result["types"]);
    let _ = std::fs::remove_dir_all(dir);
}
