//! `calllogs listen`: the providers' end-of-call webhooks, verified, kept
//! durably and reconciled with the polled records.
//!
//! - [`server`]: one route per account, `POST /hooks/{account}`. The
//!   account's provider verifies the delivery (its own signature scheme,
//!   before anything is read) and reads it into the same
//!   [`calllogs_core::Call`] the poller makes, through the
//!   [`calllogs_core::webhook::WebhookInfo`] of its provider crate: nothing
//!   provider-specific lives here. `GET /healthz`, `GET /metrics`.
//! - [`commit`]: acknowledge only what is committed. Concurrent deliveries
//!   are committed in groups, one transaction each, and every delivery is
//!   answered after its group commits (503 when the store is down, so that
//!   providers that retry do).
//! - [`reconcile`]: the calls only the webhooks delivered, only the list
//!   delivered, and those where the two disagree.

#![warn(missing_docs)]

pub mod commit;
pub mod metrics;
pub mod reconcile;
pub mod route;
pub mod server;
mod tls;

pub use route::{Route, RouteError};
pub use server::{Listener, Options, Running, ServeError};
