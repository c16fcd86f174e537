//! Where a PostgreSQL store is and how to reach it: the URL, the password
//! (from the URL, else `PGPASSWORD`, else the `~/.pgpass` file, as libpq
//! finds it), TLS with rustls against the system's root certificates, and
//! the URL as shown (never with its password).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use tokio_postgres::config::Host;

use super::StoreError;

/// What a tokio-postgres error says, in one line: the server's own words
/// for a database error (`ERROR: password authentication failed for user
/// "x"`, with detail and hint), else the error and each of its causes
/// (`error performing TLS handshake: invalid peer certificate: UnknownIssuer`).
pub(crate) fn pg_message(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut m = format!("{}: {}", db.severity(), db.message());
        if let Some(d) = db.detail() {
            m += &format!(" ({d})");
        }
        if let Some(h) = db.hint() {
            m += &format!("; hint: {h}");
        }
        return m;
    }
    let mut m = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let text = c.to_string();
        if !m.ends_with(&text) {
            m += &format!(": {text}");
        }
        cause = c.source();
    }
    m
}

pub use super::location::redact;

/// A PostgreSQL database to connect to, its password resolved.
#[derive(Clone)]
pub struct PgTarget {
    config: tokio_postgres::Config,
    shown: String,
    /// `sslrootcert`: certificates (PEM) trusted besides the system's.
    root_cert: Option<PathBuf>,
}

/// The URL as tokio-postgres reads it, and the libpq parameters it does not
/// know, handled here: `sslrootcert=FILE` (a CA to trust, PEM) is taken
/// out; `sslmode=verify-ca` and `verify-full` become `require` (rustls
/// always checks the chain and the server's name, so both are what
/// `require` does here).
fn libpq_params(db: &str) -> (String, Option<PathBuf>) {
    let Ok(mut url) = url::Url::parse(db.trim()) else {
        return (db.trim().to_string(), None);
    };
    if url.query().is_none() {
        return (db.trim().to_string(), None);
    }
    let mut root = None;
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter_map(|(k, v)| match (k.as_ref(), v.as_ref()) {
            ("sslrootcert", file) => {
                root = Some(PathBuf::from(file));
                None
            }
            ("sslmode", "verify-ca" | "verify-full") => Some((k.into_owned(), "require".into())),
            _ => Some((k.into_owned(), v.into_owned())),
        })
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    (url.to_string(), root)
}

impl std::fmt::Display for PgTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl std::fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PgTarget({})", self.shown)
    }
}

impl PgTarget {
    /// Reads a `postgres://user[:password]@host[:port]/dbname[?sslmode=…]`
    /// URL; without a password in it, takes `PGPASSWORD`, else the matching
    /// line of `PGPASSFILE` or `~/.pgpass`.
    pub fn parse(db: &str) -> Result<PgTarget, StoreError> {
        PgTarget::parse_with(
            db,
            &std::env::var("PGPASSWORD").unwrap_or_default(),
            pgpass_file(),
        )
    }

    fn parse_with(
        db: &str,
        pgpassword: &str,
        pgpass: Option<PathBuf>,
    ) -> Result<PgTarget, StoreError> {
        let shown = redact(db);
        let (db, root_cert) = libpq_params(db);
        let mut config =
            tokio_postgres::Config::from_str(&db).map_err(|e| StoreError::Location {
                given: shown.clone(),
                message: format!(
                    "{e} (expected postgres://user[:password]@host[:port]/dbname[?sslmode=disable|prefer|require])"
                ),
            })?;
        if config.get_hosts().is_empty() {
            return Err(StoreError::Location {
                given: shown,
                message: "no host (write postgres://user@host/dbname)".into(),
            });
        }
        if config.get_user().is_none() {
            // As libpq: the operating-system user.
            let user = std::env::var("USER")
                .or_else(|_| std::env::var("LOGNAME"))
                .unwrap_or_else(|_| "postgres".into());
            config.user(&user);
        }
        if config.get_password().is_none() {
            if !pgpassword.is_empty() {
                config.password(pgpassword);
            } else if let Some(file) = pgpass {
                let host = match &config.get_hosts()[0] {
                    Host::Tcp(h) => h.clone(),
                    // libpq matches socket connections as `localhost`.
                    Host::Unix(_) => "localhost".into(),
                };
                let port = config.get_ports().first().copied().unwrap_or(5432);
                let user = config.get_user().unwrap_or_default().to_string();
                let dbname = config.get_dbname().unwrap_or(&user).to_string();
                if let Some(pw) = pgpass_lookup(&file, &host, port, &dbname, &user) {
                    config.password(pw);
                }
            }
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        if config.get_application_name().is_none() {
            config.application_name("calllogs");
        }
        Ok(PgTarget {
            config,
            shown,
            root_cert,
        })
    }

    /// The connection settings.
    pub fn config(&self) -> &tokio_postgres::Config {
        &self.config
    }

    /// Whether a password is set (from wherever it came).
    pub fn has_password(&self) -> bool {
        self.config.get_password().is_some()
    }
}

/// The rustls connector: the system's root certificates and the
/// `sslrootcert` file's, server names checked. With `sslmode=prefer` (the
/// default) a server without TLS is reached in plain text;
/// `sslmode=require` refuses that.
pub(super) fn tls(
    target: &PgTarget,
) -> Result<tokio_postgres_rustls::MakeRustlsConnect, StoreError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;
    let shown = &target.shown;
    let mut roots = rustls::RootCertStore::empty();
    // Unreadable system certificates leave the store empty: a plain-text
    // local server still works, and a TLS one fails saying why.
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    if let Some(file) = &target.root_cert {
        let bad = |message: String| StoreError::Location {
            given: shown.clone(),
            message: format!("sslrootcert {}: {message}", file.display()),
        };
        let certs = CertificateDer::pem_file_iter(file)
            .map_err(|e| bad(e.to_string()))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(e.to_string()))?;
        if certs.is_empty() {
            return Err(bad("no certificate in it".into()));
        }
        for cert in certs {
            roots.add(cert).map_err(|e| bad(e.to_string()))?;
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Connect {
            target: shown.clone(),
            message: format!("TLS setup: {e}"),
            source: None,
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

fn pgpass_file() -> Option<PathBuf> {
    std::env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pgpass")))
}

/// The password of the first line of a `.pgpass` file matching
/// `host:port:dbname:user` (`*` matches anything; `\:` and `\\` escape).
/// As libpq, a file others can read is ignored (with a warning).
fn pgpass_lookup(file: &Path, host: &str, port: u16, dbname: &str, user: &str) -> Option<String> {
    use std::os::unix::fs::PermissionsExt as _;
    let meta = std::fs::metadata(file).ok()?;
    if meta.permissions().mode() & 0o077 != 0 {
        tracing::warn!(
            "{}: readable by others, ignored (chmod 0600 it)",
            file.display()
        );
        return None;
    }
    let text = std::fs::read_to_string(file).ok()?;
    let port = port.to_string();
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .find_map(|line| {
            let fields = split_pgpass(line);
            if fields.len() < 5 {
                return None;
            }
            let hit = |f: &str, v: &str| f == "*" || f == v;
            (hit(&fields[0], host)
                && hit(&fields[1], &port)
                && hit(&fields[2], dbname)
                && hit(&fields[3], user))
            .then(|| fields[4..].join(":"))
        })
}

fn split_pgpass(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    fields.last_mut().unwrap().push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_never_shown() {
        for (db, shown) in [
            (
                "postgres://calllogs:s3cret-pw@db.internal:5433/calls",
                "postgres://calllogs@db.internal:5433/calls",
            ),
            (
                "postgresql://u@h/d?password=s3cret-pw&sslmode=require",
                "postgresql://u@h/d?sslmode=require",
            ),
            ("postgres://u@h/d", "postgres://u@h/d"),
        ] {
            assert_eq!(redact(db), shown);
            let t = PgTarget::parse_with(db, "", None).unwrap();
            assert_eq!(t.to_string(), shown);
            assert!(!format!("{t:?}").contains("s3cret"));
        }
        let err = PgTarget::parse_with("postgres://u:s3cret-pw@h/d?bogus=1", "", None).unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
        assert!(err.to_string().contains("bogus"), "{err}");
    }

    #[test]
    fn the_password_comes_from_the_url_then_pgpassword_then_pgpass() {
        let dir = std::env::temp_dir().join(format!("calllogs-pgpass-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("pgpass");
        std::fs::write(
            &file,
            "# comment\nother:*:*:*:nope\ndb.internal:5433:calls:calllogs:from\\:file\n*:*:*:*:fallback\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let pw = |db: &str, env: &str| {
            PgTarget::parse_with(db, env, Some(file.clone()))
                .unwrap()
                .config()
                .get_password()
                .map(|p| String::from_utf8_lossy(p).into_owned())
        };
        let url = "postgres://calllogs@db.internal:5433/calls";
        assert_eq!(
            pw("postgres://calllogs:in-url@db.internal:5433/calls", "env").as_deref(),
            Some("in-url")
        );
        assert_eq!(pw(url, "from-env").as_deref(), Some("from-env"));
        assert_eq!(pw(url, "").as_deref(), Some("from:file"));
        assert_eq!(
            pw("postgres://x@elsewhere/y", "").as_deref(),
            Some("fallback")
        );
        // Readable by others: ignored, as libpq does.
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(pw(url, ""), None);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn libpq_tls_parameters_are_understood() {
        let (url, root) = libpq_params(
            "postgres://u@h/d?sslmode=verify-full&sslrootcert=/etc/ca.pem&application_name=x",
        );
        assert_eq!(url, "postgres://u@h/d?sslmode=require&application_name=x");
        assert_eq!(root.as_deref(), Some(Path::new("/etc/ca.pem")));
        let t = PgTarget::parse_with("postgres://u@h/d?sslmode=verify-ca", "", None).unwrap();
        assert_eq!(
            t.config().get_ssl_mode(),
            tokio_postgres::config::SslMode::Require
        );
    }

    #[test]
    fn bad_locations_say_why() {
        for (db, why) in [
            ("postgres://", "no host"),
            ("postgres://u@h:notaport/d", "postgres://u@h:notaport/d"),
            (
                "postgres://u:s3cret@h:x/d?password=s3cret",
                "expected postgres://user",
            ),
        ] {
            let e = PgTarget::parse_with(db, "", None).unwrap_err().to_string();
            assert!(e.contains(why), "{db}: {e}");
            assert!(!e.contains("s3cret"), "{e}");
        }
    }
}
