//! A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` and
//! `pg_ctl` from the machine's PostgreSQL (Debian's `postgresql` package) in
//! a temporary directory, on a free loopback port, with password
//! authentication over TCP, stopped when it is dropped or, at the latest,
//! when the process that started it exits (a watchdog stops it, so a test
//! binary that ends without dropping its statics leaves no server behind).
//!
//! PostgreSQL refuses to run as root, and CI runs as root: the server then
//! runs as `nobody` (through `setpriv`), its directory owned by that user.
//!
//! Where no server binary can be found, [`shared`] and [`Cluster::start_or_skip`]
//! print why and return `None` so a developer without PostgreSQL can run the
//! rest of the tests; with `CI` set they panic instead, so CI never passes
//! by skipping.

#![warn(missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// The superuser's password (over TCP the cluster asks for it).
pub const PASSWORD: &str = "pg-test-secret-5550";
/// The superuser.
pub const USER: &str = "postgres";

/// A running throwaway cluster.
pub struct Cluster {
    base: PathBuf,
    bin: PathBuf,
    port: u16,
    as_nobody: bool,
    tls: bool,
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// Whether this is a CI run (`CI` set to anything but `false`/`0`/empty).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The directory holding `initdb` and `pg_ctl`: `CALLLOGS_PG_BIN`, else
/// `initdb` on the `PATH`, else the newest `/usr/lib/postgresql/*/bin`.
pub fn bin_dir() -> Option<PathBuf> {
    let has = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
    if let Some(d) = std::env::var_os("CALLLOGS_PG_BIN").map(PathBuf::from) {
        return has(&d).then_some(d);
    }
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        let initdb = dir.join("initdb");
        if initdb.is_file() {
            // Debian links /usr/bin tools to a wrapper; the real one sits beside pg_ctl.
            let real = std::fs::canonicalize(&initdb).unwrap_or(initdb);
            if let Some(d) = real.parent()
                && has(d)
            {
                return Some(d.to_path_buf());
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((v, e.path().join("bin")))
        })
        .filter(|(_, d)| has(d))
        .collect();
    versions.sort();
    versions.pop().map(|(_, d)| d)
}

/// The cluster shared by every test of this process (started on first use).
/// `None` (with the reason printed) where PostgreSQL is not installed, outside
/// CI; in CI a missing or failing PostgreSQL panics.
pub fn shared() -> Option<&'static Cluster> {
    static SHARED: OnceLock<Option<Cluster>> = OnceLock::new();
    SHARED.get_or_init(Cluster::start_or_skip).as_ref()
}

impl Cluster {
    /// Starts a cluster of its own, or says why not: `None` outside CI when no
    /// PostgreSQL is installed; a panic in CI, or when one is installed and
    /// fails to start.
    pub fn start_or_skip() -> Option<Cluster> {
        Cluster::start_or_skip_with(false)
    }

    /// As [`Cluster::start_or_skip`], the server speaking TLS with a
    /// certificate for `127.0.0.1` signed by a CA of its own
    /// ([`Cluster::ca_file`]), made with `openssl`.
    pub fn start_tls_or_skip() -> Option<Cluster> {
        Cluster::start_or_skip_with(true)
    }

    fn start_or_skip_with(tls: bool) -> Option<Cluster> {
        let Some(bin) = bin_dir() else {
            let why = "no PostgreSQL server binaries (initdb, pg_ctl) on the PATH or in /usr/lib/postgresql/*/bin; \
                       install Debian's postgresql package or set CALLLOGS_PG_BIN";
            if in_ci() {
                panic!("CI needs PostgreSQL: {why}");
            }
            eprintln!("skipping the PostgreSQL part of this test: {why}");
            return None;
        };
        match Cluster::start(&bin, tls) {
            Ok(c) => Some(c),
            Err(e) => panic!("PostgreSQL from {} did not start: {e}", bin.display()),
        }
    }

    /// Creates and starts a cluster with the binaries in `bin` (speaking TLS
    /// if `tls`).
    pub fn start(bin: &Path, tls: bool) -> Result<Cluster, String> {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let base = std::env::temp_dir().join(format!("calllogs-pg-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).map_err(|e| format!("{}: {e}", base.display()))?;
        let as_nobody = is_root();
        let pwfile = base.join("pw");
        std::fs::write(&pwfile, PASSWORD).map_err(|e| e.to_string())?;
        if as_nobody {
            for p in [&base, &pwfile] {
                std::os::unix::fs::chown(p, Some(NOBODY), Some(NOBODY))
                    .map_err(|e| format!("chown {}: {e}", p.display()))?;
            }
        }
        let mut cluster = Cluster {
            base,
            bin: bin.to_path_buf(),
            port: 0,
            as_nobody,
            tls,
        };
        if tls {
            cluster.certificates()?;
        }
        cluster.watch();
        let data = cluster.data();
        cluster.run(
            "initdb",
            &[
                "-D",
                path_str(&data)?,
                "-U",
                USER,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--pwfile",
                path_str(&pwfile)?,
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
        )?;
        // A free port can be taken between our check and the server's bind:
        // try a few.
        let mut last = String::new();
        for _ in 0..5 {
            cluster.port = free_port()?;
            match cluster.start_again() {
                Ok(()) => return Ok(cluster),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Starts the server again after [`Cluster::stop_immediately`], on the same port.
    pub fn start_again(&self) -> Result<(), String> {
        let mut opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            self.port
        );
        if self.tls {
            opts += &format!(
                " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                self.base.join("server.pem").display(),
                self.base.join("server.key").display()
            );
        }
        let log = self.base.join("server.log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                path_str(&self.data())?,
                "-l",
                path_str(&log)?,
                "-o",
                &opts,
                "-w",
                "-t",
                "60",
                "start",
            ],
        )
        .map_err(|e| {
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            format!("{e}\n{tail}")
        })
    }

    /// Stops the server at once, as a crash would (open connections break).
    pub fn stop_immediately(&self) -> Result<(), String> {
        self.run(
            "pg_ctl",
            &[
                "-D",
                path_str(&self.data())?,
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        )
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A URL for `db` with the password in it.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://{USER}:{PASSWORD}@127.0.0.1:{}/{db}", self.port)
    }

    /// A URL for `db` without a password (the password must come from
    /// `PGPASSWORD` or a `.pgpass` file).
    pub fn url_without_password(&self, db: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates a new, empty database named after `hint` and returns its URL
    /// (with the password).
    pub fn database(&self, hint: &str) -> String {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let name: String = format!("{hint}_{}_{n}", std::process::id())
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        let out = Command::new(self.bin.join("createdb"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                USER,
                &name,
            ])
            .env("PGPASSWORD", PASSWORD)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("createdb: {e}"));
        assert!(
            out.status.success(),
            "createdb {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.url(&name)
    }

    /// The CA certificate (PEM) that signed the server's, for `sslrootcert`.
    pub fn ca_file(&self) -> PathBuf {
        self.base.join("ca.pem")
    }

    /// A CA and a server certificate for 127.0.0.1 signed by it, the key
    /// readable by the server's user only (PostgreSQL insists).
    fn certificates(&self) -> Result<(), String> {
        let b = |f: &str| self.base.join(f).display().to_string();
        let ext = self.base.join("server.ext");
        std::fs::write(
            &ext,
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
             keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
        )
        .map_err(|e| e.to_string())?;
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ];
        let steps: [Vec<String>; 3] = [
            [&["req", "-x509"][..], &ec[..]]
                .concat()
                .iter()
                .map(|s| s.to_string())
                .chain(
                    [
                        "-keyout",
                        &b("ca.key"),
                        "-out",
                        &b("ca.pem"),
                        "-days",
                        "2",
                        "-subj",
                        "/CN=calllogs test CA",
                        "-addext",
                        "basicConstraints=critical,CA:TRUE",
                        "-addext",
                        "keyUsage=critical,keyCertSign,cRLSign",
                    ]
                    .map(String::from),
                )
                .collect(),
            [&["req"][..], &ec[..]]
                .concat()
                .iter()
                .map(|s| s.to_string())
                .chain(
                    [
                        "-keyout",
                        &b("server.key"),
                        "-out",
                        &b("server.csr"),
                        "-subj",
                        "/CN=127.0.0.1",
                    ]
                    .map(String::from),
                )
                .collect(),
            [
                "x509",
                "-req",
                "-in",
                &b("server.csr"),
                "-CA",
                &b("ca.pem"),
                "-CAkey",
                &b("ca.key"),
                "-CAcreateserial",
                "-out",
                &b("server.pem"),
                "-days",
                "2",
                "-extfile",
                &b("server.ext"),
            ]
            .map(String::from)
            .to_vec(),
        ];
        for args in steps {
            let out = Command::new("openssl")
                .args(&args)
                .stdin(Stdio::null())
                .output()
                .map_err(|e| format!("openssl (needed for the TLS test): {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "openssl {}: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
        let key = self.base.join("server.key");
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| e.to_string())?;
        if self.as_nobody {
            for f in ["server.key", "server.pem", "ca.pem"] {
                std::os::unix::fs::chown(self.base.join(f), Some(NOBODY), Some(NOBODY))
                    .map_err(|e| format!("chown {f}: {e}"))?;
            }
        }
        Ok(())
    }

    fn data(&self) -> PathBuf {
        self.base.join("data")
    }

    fn run(&self, tool: &str, args: &[&str]) -> Result<(), String> {
        let out = self
            .command(tool)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{tool}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{tool} failed ({}): {}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    fn command(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_nobody {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
                .arg(exe);
            c
        } else {
            Command::new(exe)
        };
        cmd.env("LC_ALL", "C").current_dir(&self.base);
        cmd
    }

    /// A shell that outlives this process just long enough to stop the
    /// server and remove its directory once this process is gone.
    fn watch(&self) {
        let prefix = if self.as_nobody {
            "setpriv --reuid=65534 --regid=65534 --clear-groups -- "
        } else {
            ""
        };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; \
             {prefix}'{pg_ctl}' -D '{data}' -m immediate stop >/dev/null 2>&1; rm -rf '{base}'",
            pid = std::process::id(),
            pg_ctl = self.bin.join("pg_ctl").display(),
            data = self.data().display(),
            base = self.base.display(),
        );
        let _ = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.stop_immediately();
        let _ = std::fs::remove_dir_all(&self.base);
    }
}

const NOBODY: u32 = 65534;

fn is_root() -> bool {
    // The effective uid of this process, from procfs (no libc needed).
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        })
        .is_some_and(|uid| uid == "0")
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

fn path_str(p: &Path) -> Result<&str, String> {
    p.to_str()
        .ok_or_else(|| format!("{} is not UTF-8", p.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_starts_accepts_a_database_and_stops() {
        let Some(cluster) = Cluster::start_or_skip() else {
            return;
        };
        let url = cluster.database("smoke");
        assert!(url.starts_with("postgres://postgres:"));
        let ready = Command::new(cluster.bin.join("pg_isready"))
            .args(["-h", "127.0.0.1", "-p", &cluster.port().to_string()])
            .output()
            .unwrap();
        assert!(ready.status.success());
        cluster.stop_immediately().unwrap();
        let down = Command::new(cluster.bin.join("pg_isready"))
            .args(["-h", "127.0.0.1", "-p", &cluster.port().to_string()])
            .output()
            .unwrap();
        assert!(!down.status.success(), "stopped");
        cluster.start_again().unwrap();
    }
}
