//! The one paging engine: windows × pages → a stream, for every paging
//! style. Providers never write a loop.
//!
//! Two parts: [`walk`], the state machine that says which page comes next
//! and where a pull stands (its [`Checkpoint`]), and [`schedule`], the one
//! scheduler that keeps pages in flight and returns them in order. `fetch`
//! (through [`pages`]) and `sync` (through [`Pager`], which yields each
//! page with its checkpoint as one [`Fetched`]) both run on
//! [`schedule::pull`].
//!
//! The engine sees a provider through [`PageSource`], which every
//! [`crate::Provider`] is, so this module does not depend on the provider
//! trait (the provider trait's `calls`/`pages` depend on it).

use std::ops::Deref;

use async_trait::async_trait;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use crate::call::Call;
use crate::error::Result;
use crate::page::{Page, PageToken, PagingSpec};
use crate::query::CallQuery;

pub mod schedule;
pub mod walk;

pub use schedule::{Fetched, pull};
pub use walk::{
    Checkpoint, CountMismatch, Expected, Progress, Walk, Window, next_token, plan_rest,
};

/// What the engine needs of a provider: its paging rules and one page
/// fetch. Every [`crate::Provider`] is one.
#[async_trait]
pub trait PageSource: Send + Sync {
    /// The provider id, for errors and logs.
    fn id(&self) -> &'static str;
    /// Its paging rules.
    fn paging(&self) -> PagingSpec;
    /// Requests in flight at once (1: one at a time).
    fn concurrency(&self) -> usize;
    /// Fetches one page of a resolved window.
    async fn page(&self, query: &CallQuery, token: &PageToken) -> Result<Page<Call>>;
    /// List-then-detail paging: the full record of a listed call, `None`
    /// when it is gone (deleted since it was listed).
    async fn detail(&self, listed: Call) -> Result<Option<Call>>;
}

/// A resumable pull, page by page, for callers that checkpoint (sync): each
/// page comes as a [`Fetched`], with the checkpoint after it and the count
/// mismatch of the window it ended, if any (one value, as AWS's paginators
/// yield whole outputs). Runs on the same scheduler as [`pages`].
pub struct Pager<'a> {
    stream: BoxStream<'a, Result<Fetched>>,
}

impl<'a> Pager<'a> {
    /// A pull of `query` from its start. The windows (and the pinned upper
    /// bound) are fixed when the first page is asked for.
    pub fn new<S, H>(handle: H, query: CallQuery) -> Self
    where
        S: PageSource + ?Sized,
        H: Deref<Target = S> + Clone + Send + Sync + 'a,
    {
        Pager {
            // Fused: asking again after the end is an answer, not a panic.
            stream: pull(handle, query, None).fuse().boxed(),
        }
    }

    /// A pull of `query` resumed at `checkpoint`.
    pub fn resume<S, H>(handle: H, query: CallQuery, checkpoint: Checkpoint) -> Self
    where
        S: PageSource + ?Sized,
        H: Deref<Target = S> + Clone + Send + Sync + 'a,
    {
        Pager {
            stream: pull(handle, query, Some(checkpoint)).fuse().boxed(),
        }
    }

    /// The next page with where the pull stands after it, or `None` when
    /// every window is done.
    pub async fn next_page(&mut self) -> Result<Option<Fetched>> {
        self.stream.next().await.transpose()
    }

    /// The next page if it is ready now (fetched ahead), without waiting:
    /// `None` when it is not. A caller that writes pages can write those
    /// that are ready together (one transaction instead of several) with
    /// the checkpoint after the last. Nothing is lost by asking: a page not
    /// ready stays in flight.
    pub fn next_page_ready(&mut self) -> Option<Result<Option<Fetched>>> {
        // Polling a stream's `next` once is cancel-safe: its progress lives
        // in the stream, not in the dropped future.
        let next = futures::FutureExt::now_or_never(self.stream.next())?;
        Some(next.transpose())
    }
}

/// Every page of `query`, window after window (oldest first). Nothing is
/// requested until the stream is polled; the first error ends it.
pub fn pages<'a, S, H>(handle: H, query: CallQuery) -> BoxStream<'a, Result<Page<Call>>>
where
    S: PageSource + ?Sized,
    H: Deref<Target = S> + Clone + Send + Sync + 'a,
{
    pull(handle, query, None)
        .map_ok(|fetched| fetched.page)
        .boxed()
}

/// Every call of `query`, flattened from [`pages`].
pub fn calls<'a, S, H>(handle: H, query: CallQuery) -> BoxStream<'a, Result<Call>>
where
    S: PageSource + ?Sized,
    H: Deref<Target = S> + Clone + Send + Sync + 'a,
{
    pages(handle, query)
        .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}
