//! Group commit: deliveries that arrive together are committed in one
//! transaction, and each is answered only after its group commits. A
//! transaction per delivery would cost a disk flush each; a group costs
//! one for all of them, so throughput does not cost durability.

use std::sync::Arc;

use calllogs_store::store::{Store, WebhookEvent};
use tokio::sync::{mpsc, oneshot};

use crate::metrics::Metrics;

/// Most events in one transaction.
pub const MAX_GROUP: usize = 512;

/// What a committed delivery was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Committed {
    /// A new event, kept (and its call merged).
    New,
    /// An event kept before: nothing changed.
    Duplicate,
}

type Reply = oneshot::Sender<Result<Committed, String>>;

enum Msg {
    // Boxed: an event is large, a ping small, and the channel holds either.
    Event(Box<WebhookEvent>, Reply),
    /// A health check: does the store answer?
    Ping(oneshot::Sender<Result<(), String>>),
}

/// The handle deliveries are committed through.
#[derive(Clone)]
pub struct Committer {
    tx: mpsc::Sender<Msg>,
}

impl Committer {
    /// Starts the committing task over `store`; it ends when every handle
    /// is dropped and what was sent is committed.
    pub fn start(
        store: Store,
        metrics: Arc<Metrics>,
        max_group: usize,
    ) -> (Committer, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(4 * MAX_GROUP);
        let task = tokio::spawn(run(store, rx, metrics, max_group.clamp(1, MAX_GROUP)));
        (Committer { tx }, task)
    }

    /// Commits `event` (with the others arriving meanwhile); the error
    /// says why the store refused, without the event.
    pub async fn commit(&self, event: WebhookEvent) -> Result<Committed, String> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Msg::Event(Box::new(event), reply))
            .await
            .map_err(|_| "the committer has stopped".to_string())?;
        answer
            .await
            .map_err(|_| "the committer has stopped".to_string())?
    }

    /// Whether the store answers (through the committer, which owns it).
    pub async fn ping(&self) -> Result<(), String> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Msg::Ping(reply))
            .await
            .map_err(|_| "the committer has stopped".to_string())?;
        answer
            .await
            .map_err(|_| "the committer has stopped".to_string())?
    }
}

async fn run(
    mut store: Store,
    mut rx: mpsc::Receiver<Msg>,
    metrics: Arc<Metrics>,
    max_group: usize,
) {
    let mut events = Vec::with_capacity(MAX_GROUP);
    let mut replies = Vec::with_capacity(MAX_GROUP);
    while let Some(first) = rx.recv().await {
        let mut next = Some(first);
        // Whatever else has arrived while the last group committed joins this one.
        while let Some(msg) = next.take() {
            match msg {
                Msg::Event(e, r) => {
                    events.push(*e);
                    replies.push(r);
                }
                Msg::Ping(r) => {
                    let _ = r.send(store.ping().await.map_err(|e| e.to_string()));
                }
            }
            if events.len() < max_group {
                next = rx.try_recv().ok();
            }
        }
        if events.is_empty() {
            continue;
        }
        let result = store.ingest(&events).await;
        metrics.commits.inc();
        match result {
            Ok(new) => {
                for ((reply, new), event) in replies.drain(..).zip(new).zip(&events) {
                    if new {
                        if event.call.is_some() {
                            metrics.stored.inc();
                        }
                    } else {
                        metrics.duplicates.inc();
                    }
                    let _ = reply.send(Ok(if new {
                        Committed::New
                    } else {
                        Committed::Duplicate
                    }));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, events = events.len(), "the store refused a group of webhook events; answered 503");
                let message = e.to_string();
                for reply in replies.drain(..) {
                    let _ = reply.send(Err(message.clone()));
                }
            }
        }
        events.clear();
    }
}
