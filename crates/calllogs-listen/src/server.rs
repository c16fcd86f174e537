//! The HTTP server: `POST /hooks/{account}` (verified, parsed, committed,
//! then answered), `GET /healthz` (the store answers), `GET /metrics`.
//!
//! Statuses: 200 once the event is committed (or was kept before: a
//! duplicate); 401 for a missing, wrong or stale signature (replay); 400
//! for a verified body that cannot be read; 404 for an unknown account
//! (and nothing else said); 405 for another method; 408 when the body does
//! not arrive in time; 413 past the body limit; 415 for a content type the
//! provider does not send; 503 when the store cannot commit, so that
//! providers that retry do. A refused body is never stored; the reason is
//! counted and logged, never a key or the body.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use calllogs_core::webhook::Delivery;
use calllogs_store::store::{Store, WebhookEvent};
use chrono::Utc;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::commit::{Committed, Committer};
use crate::metrics::Metrics;
use crate::route::Route;

/// How the listener serves.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to listen (`127.0.0.1:8787`).
    pub bind: SocketAddr,
    /// The public base URL the providers were given (`https://hooks.example.com`),
    /// for accounts without a `public_url` of their own: the URL a provider
    /// signed is this base with the request's path and query.
    pub public_base: Option<String>,
    /// Whether `X-Forwarded-Proto` and `X-Forwarded-Host` say the public URL
    /// (only behind a proxy that sets them; otherwise anyone could).
    pub trust_forwarded: bool,
    /// The largest body accepted.
    pub body_limit: usize,
    /// How long a request's headers and body may take.
    pub timeout: Duration,
    /// PEM certificate chain and key, to serve HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Most deliveries committed in one transaction (1: one transaction
    /// per delivery, the benchmark's baseline).
    pub max_group: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            bind: SocketAddr::from(([127, 0, 0, 1], 8787)),
            public_base: None,
            trust_forwarded: false,
            body_limit: 1024 * 1024,
            timeout: Duration::from_secs(10),
            tls: None,
            max_group: crate::commit::MAX_GROUP,
        }
    }
}

/// Why the listener could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The TLS certificate or key is unusable.
    #[error("TLS: {0}")]
    Tls(String),
    /// Two accounts share a name.
    #[error("two accounts are named {0:?}: each route is /hooks/{{account}}")]
    Duplicate(String),
}

struct Shared {
    routes: HashMap<String, Route>,
    options: Options,
    committer: Committer,
    metrics: Arc<Metrics>,
    scheme: &'static str,
}

/// A listener ready to serve.
pub struct Listener;

/// A running listener.
pub struct Running {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    metrics: Arc<Metrics>,
    scheme: &'static str,
}

impl Listener {
    /// Binds `options.bind` and serves `routes`, committing into `store`.
    pub async fn start(
        routes: Vec<Route>,
        store: Store,
        options: Options,
    ) -> Result<Running, ServeError> {
        let mut map = HashMap::new();
        for r in routes {
            if map.contains_key(&r.account) {
                return Err(ServeError::Duplicate(r.account));
            }
            map.insert(r.account.clone(), r);
        }
        let tls = match &options.tls {
            Some((cert, key)) => Some(crate::tls::acceptor(cert, key).map_err(ServeError::Tls)?),
            None => None,
        };
        let listener =
            TcpListener::bind(options.bind)
                .await
                .map_err(|source| ServeError::Bind {
                    addr: options.bind,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| ServeError::Bind {
            addr: options.bind,
            source,
        })?;
        let metrics = Arc::new(Metrics::default());
        let (committer, committing) = Committer::start(store, metrics.clone(), options.max_group);
        let scheme = if tls.is_some() { "https" } else { "http" };
        let shared = Arc::new(Shared {
            routes: map,
            options,
            committer,
            metrics: metrics.clone(),
            scheme,
        });
        let (shutdown, stop) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, tls, shared, stop, committing));
        Ok(Running {
            addr,
            shutdown,
            task,
            metrics,
            scheme,
        })
    }
}

impl Running {
    /// The address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR` (or `https://`).
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// The counters.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Stops accepting, lets every request in flight finish and be
    /// committed, then returns.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
    committing: tokio::task::JoinHandle<()>,
) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                let stop = stop.clone();
                let tls = tls.clone();
                connections.spawn(async move {
                    match tls {
                        Some(tls) => {
                            let Ok(Ok(stream)) = tokio::time::timeout(shared.options.timeout, tls.accept(stream)).await else {
                                return;
                            };
                            serve(TokioIo::new(stream), shared, stop).await;
                        }
                        None => serve(TokioIo::new(stream), shared, stop).await,
                    }
                });
                while connections.try_join_next().is_some() {}
            }
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
    // Every request is answered; the committer ends once its handles go.
    drop(shared);
    let _ = committing.await;
}

async fn serve<I>(io: TokioIo<I>, shared: Arc<Shared>, mut stop: watch::Receiver<bool>)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let timeout = shared.options.timeout;
    let service = hyper::service::service_fn(move |req| {
        let shared = shared.clone();
        async move { Ok::<_, std::convert::Infallible>(respond(&shared, req).await) }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(timeout)
        .serve_connection(io, service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = stop.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

fn reply(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

async fn respond(shared: &Shared, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_string();
    match (req.method().as_str(), path.as_str()) {
        ("GET", "/healthz") => {
            return match shared.committer.ping().await {
                Ok(()) => reply(StatusCode::OK, "ok\n"),
                Err(e) => {
                    tracing::warn!(error = %e, "health check: the store does not answer");
                    reply(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "the store does not answer\n",
                    )
                }
            };
        }
        ("GET", "/metrics") => {
            let mut r = Response::new(Full::new(Bytes::from(shared.metrics.render())));
            r.headers_mut().insert(
                "content-type",
                hyper::header::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            return r;
        }
        _ => {}
    }
    let Some(account) = path.strip_prefix("/hooks/").filter(|a| !a.contains('/')) else {
        return reply(StatusCode::NOT_FOUND, "");
    };
    let Some(route) = shared.routes.get(account) else {
        shared.metrics.refuse("", "unknown_account");
        return reply(StatusCode::NOT_FOUND, "");
    };
    shared.metrics.received.inc();
    let started = Instant::now();
    let refuse = |reason: &str, status: StatusCode, text: &'static str| {
        shared.metrics.refuse(&route.account, reason);
        reply(status, text)
    };
    if req.method() != hyper::Method::POST {
        return refuse("method", StatusCode::METHOD_NOT_ALLOWED, "POST only\n");
    }
    let url = public_url(shared, route, &req);
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let limit = shared.options.body_limit;
    let declared = req
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return refuse(
            "too_large",
            StatusCode::PAYLOAD_TOO_LARGE,
            "the body is larger than the limit\n",
        );
    }
    let body = match tokio::time::timeout(
        shared.options.timeout,
        Limited::new(req.into_body(), limit).collect(),
    )
    .await
    {
        Err(_) => {
            return refuse(
                "timeout",
                StatusCode::REQUEST_TIMEOUT,
                "the body did not arrive in time\n",
            );
        }
        Ok(Err(e))
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            return refuse(
                "too_large",
                StatusCode::PAYLOAD_TOO_LARGE,
                "the body is larger than the limit\n",
            );
        }
        Ok(Err(_)) => {
            return refuse(
                "truncated",
                StatusCode::BAD_REQUEST,
                "the body was cut off\n",
            );
        }
        Ok(Ok(b)) => b.to_bytes(),
    };
    let delivery = Delivery {
        url: &url,
        headers: &headers,
        body: &body,
        now: Utc::now(),
    };
    if let Err(refusal) = route.webhook.check(&delivery, &route.keys) {
        tracing::warn!(account = %route.account, provider = route.provider, reason = refusal.reason(), "webhook refused: {refusal}");
        let status = match refusal {
            calllogs_core::webhook::Refusal::ContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => StatusCode::UNAUTHORIZED,
        };
        return refuse(refusal.reason(), status, "");
    }
    let event = match (route.webhook.parse)(&delivery) {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!(account = %route.account, provider = route.provider, "a verified webhook cannot be read: {e}");
            return refuse(
                "unreadable",
                StatusCode::BAD_REQUEST,
                "the event cannot be read\n",
            );
        }
    };
    let call = event.call.map(|mut c| {
        // The poller's provider id, whatever the mapper wrote.
        c.provider = route.provider.to_string();
        c
    });
    let stored = WebhookEvent {
        provider: route.provider.to_string(),
        account: route.account.clone(),
        key: event.key,
        kind: event.kind,
        call_id: event.call_id,
        received_at: delivery.now,
        body: String::from_utf8_lossy(&body).into_owned(),
        call,
    };
    let answer = match shared.committer.commit(stored).await {
        Ok(Committed::New) => reply(StatusCode::OK, "ok\n"),
        Ok(Committed::Duplicate) => reply(StatusCode::OK, "duplicate\n"),
        Err(_) => {
            return refuse(
                "store",
                StatusCode::SERVICE_UNAVAILABLE,
                "the store cannot commit now; retry\n",
            );
        }
    };
    shared.metrics.accepted.inc();
    shared
        .metrics
        .ack_seconds
        .observe(started.elapsed().as_secs_f64());
    answer
}

/// The URL the provider signed: the account's `public_url`, else the
/// public base with the request's path and query, else (forwarded headers
/// trusted) what the proxy says, else what this server saw.
fn public_url(shared: &Shared, route: &Route, req: &Request<Incoming>) -> String {
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    if let Some(url) = &route.public_url {
        // The configured URL names the path; the query a provider adds
        // (Twilio's bodySHA256) is kept.
        return match (url.contains('?'), req.uri().query()) {
            (false, Some(q)) => format!("{url}?{q}"),
            _ => url.clone(),
        };
    }
    if let Some(base) = &shared.options.public_base {
        return format!("{}{path_and_query}", base.trim_end_matches('/'));
    }
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(',').next().unwrap_or_default().trim().to_string())
    };
    let (mut scheme, mut host) = (
        shared.scheme.to_string(),
        header("host").unwrap_or_default(),
    );
    if shared.options.trust_forwarded {
        if let Some(p) = header("x-forwarded-proto") {
            scheme = p;
        }
        if let Some(h) = header("x-forwarded-host") {
            host = h;
        }
    }
    format!("{scheme}://{host}{path_and_query}")
}
