//! TLS to PostgreSQL with rustls, against a real server with a certificate
//! of its own CA (`calllogs-pgtest` makes both with openssl).

use calllogs_store::store::{Store, StoreError};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_is_used_verified_and_required_when_asked() {
    let Some(pg) = calllogs_pgtest::Cluster::start_tls_or_skip() else {
        return;
    };
    let url = pg.database("tls");
    let ca = pg.ca_file();

    // Trusting the server's CA, with libpq's strictest mode: encrypted.
    let trusted = format!("{url}?sslmode=verify-full&sslrootcert={}", ca.display());
    let store = Store::open(&trusted).await.unwrap();
    let tls = store.as_postgres().unwrap().session_tls().await.unwrap();
    assert!(
        tls.as_deref().is_some_and(|v| v.starts_with("TLSv1.")),
        "{tls:?}"
    );
    assert_eq!(store.count(None, None).await.unwrap(), 0);

    // The same server, its CA not trusted: refused, saying why, no password shown.
    let Err(e) = Store::open(&format!("{url}?sslmode=require")).await else {
        panic!("an unverified server was accepted");
    };
    let text = format!("{e} / {:?}", std::error::Error::source(&e));
    assert!(matches!(e, StoreError::Connect { .. }), "{text}");
    eprintln!("untrusted: {text}");
    assert!(text.to_lowercase().contains("certificate"), "{text}");
    assert!(!text.contains(calllogs_pgtest::PASSWORD), "{text}");

    // A CA file that is not one: the location is wrong, and says so.
    let Err(e) = Store::open(&format!("{url}?sslrootcert=/nonexistent/ca.pem")).await else {
        panic!("a missing CA file was accepted");
    };
    assert!(
        e.to_string().contains("sslrootcert /nonexistent/ca.pem"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sslmode_require_refuses_a_server_without_tls() {
    let Some(pg) = calllogs_pgtest::shared() else {
        return;
    };
    let url = pg.database("plain");
    let plain = Store::open(&url).await.unwrap();
    assert_eq!(
        plain.as_postgres().unwrap().session_tls().await.unwrap(),
        None,
        "prefer (the default) falls back to plain text"
    );
    let Err(e) = Store::open(&format!("{url}?sslmode=require")).await else {
        panic!("sslmode=require reached a server without TLS");
    };
    let text = format!("{e} / {:?}", std::error::Error::source(&e));
    assert!(text.contains("TLS") || text.contains("SSL"), "{text}");
}
