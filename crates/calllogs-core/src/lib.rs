//! The core of calllogs: the normalized [`Call`] record, the hangup-cause
//! taxonomy ([`HangupCause`], [`Category`]), the query model
//! ([`CallQuery`]), the [`Provider`] trait, the [`Error`] type, and the one
//! HTTP / paging / retry machinery every provider uses.
//!
//! A provider implements [`Provider::page`] (one request) and
//! [`Provider::decode_page`] (one body to calls); core turns that into a
//! stream of every call over windows and pages:
//!
//! ```no_run
//! use calllogs_core::{CallQuery, Direction, DynProvider, ProviderStreams};
//! use futures::StreamExt;
//! # async fn run(provider: DynProvider) {
//! let mut calls = provider.calls(CallQuery::new().direction(Direction::Inbound));
//! while let Some(call) = calls.next().await {
//!     match call {
//!         Ok(call) => println!("{} {:?}", call.id, call.hangup.map(|h| h.cause)),
//!         Err(e) => eprintln!("{e}"),
//!     }
//! }
//! # }
//! ```

#![warn(missing_docs)]

pub mod call;
pub mod error;
pub mod http;
pub mod observe;
pub mod page;
pub mod paginate;
pub mod parse;
pub mod provider;
pub mod query;
pub mod ratelimit;
pub mod registry;
pub mod retry;
pub mod seen;
pub mod settings;
pub mod taxonomy;
#[cfg(feature = "testing")]
pub mod testing;
pub mod usage;
pub mod webhook;

pub use call::{
    Agent, Call, Campaign, Contact, Cost, Direction, Disposition, Hangup, HangupSource, Named, Raw,
    Recording, Status, Turn,
};
pub use error::{Error, Result};
pub use http::{HttpClient, HttpConfig, RateHeaders, ResetClock};
pub use page::{Page, PageToken, PagingSpec, PagingStyle, Reject};
pub use provider::{
    ApplyFilters, Credential, DynProvider, HttpProvider, Provider, ProviderInfo, ProviderStreams,
};
pub use query::{CallQuery, Extensions};
pub use registry::{Registry, RegistryError};
pub use retry::RetryPolicy;
pub use settings::Settings;
pub use taxonomy::{Category, HangupCause};
pub use usage::UsageDay;

pub use async_trait::async_trait;
pub use secrecy;
pub use url::Url;
