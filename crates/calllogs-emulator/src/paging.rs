//! Page-number paging as the emulated APIs serve it: a page number (from 0
//! or 1) and a page size read from the query, bounds checked, the newest
//! calls first, and links to the next and previous pages.

use crate::Request;
use crate::data::{SynthCall, newest_page};
use crate::util::{int_param, query_string, with_param};

/// One page-number request, read and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageNumber {
    /// The page asked for.
    pub page: u64,
    /// Its size.
    pub size: u64,
    /// The number of the first page (0 or 1).
    pub first: u64,
}

/// How an API names and bounds its page-number parameters.
#[derive(Debug, Clone, Copy)]
pub struct PageParams {
    /// The page number's parameter (`page`).
    pub page: &'static str,
    /// The page size's parameter (`limit`, `page_size`).
    pub size: &'static str,
    /// The number of the first page (0 or 1).
    pub first: u64,
    /// The size when none is asked.
    pub default_size: u64,
    /// The largest size the API accepts.
    pub max_size: u64,
}

impl PageParams {
    /// Reads the page and its size from `req`; a message naming the
    /// parameter when either is not a number in range.
    pub fn read(&self, req: &Request) -> Result<PageNumber, String> {
        let size = int_param(
            self.size,
            req.param(self.size),
            self.default_size,
            1,
            self.max_size,
        )?;
        // Bounded so that `page × size` cannot overflow.
        let last = u64::MAX / self.max_size.max(1) / 2;
        let page = int_param(
            self.page,
            req.param(self.page),
            self.first,
            self.first,
            last,
        )?;
        Ok(PageNumber {
            page,
            size,
            first: self.first,
        })
    }
}

impl PageNumber {
    /// Calls before this page.
    pub fn skip(&self) -> usize {
        ((self.page - self.first) * self.size) as usize
    }

    /// Whether a page follows this one, of `total` calls.
    pub fn has_next(&self, total: usize) -> bool {
        self.skip() as u64 + self.size < total as u64
    }

    /// Whether a page comes before this one.
    pub fn has_previous(&self) -> bool {
        self.page > self.first
    }

    /// This page of `calls` (oldest first) newest first, those `keep`
    /// keeps when given, and how many there are in all.
    pub fn select<'a, I>(
        &self,
        calls: I,
        keep: Option<&dyn Fn(&SynthCall) -> bool>,
    ) -> (usize, Vec<&'a SynthCall>)
    where
        I: DoubleEndedIterator<Item = &'a SynthCall> + ExactSizeIterator,
    {
        newest_page(calls, keep, self.skip(), self.size as usize)
    }

    /// `req`'s query with the page number set to `page` (for `next` and
    /// `previous` links).
    pub fn query_for(req: &Request, param: &str, page: u64) -> String {
        query_string(&with_param(&req.query, param, page.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(query: &[(&str, &str)]) -> Request {
        Request {
            method: "GET".into(),
            path: "/".into(),
            query: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            headers: Default::default(),
            origin: "http://127.0.0.1:1".into(),
            body: Vec::new(),
        }
    }

    const FROM_ONE: PageParams = PageParams {
        page: "page",
        size: "limit",
        first: 1,
        default_size: 20,
        max_size: 100,
    };

    #[test]
    fn pages_count_from_their_first_number() {
        let p = FROM_ONE
            .read(&req(&[("page", "3"), ("limit", "10")]))
            .unwrap();
        assert_eq!((p.skip(), p.has_previous()), (20, true));
        assert!(p.has_next(31) && !p.has_next(30));
        let first = FROM_ONE.read(&req(&[])).unwrap();
        assert_eq!((first.page, first.size, first.skip()), (1, 20, 0));
        assert!(!first.has_previous());
        let zero = PageParams {
            first: 0,
            ..FROM_ONE
        };
        assert_eq!(zero.read(&req(&[("page", "2")])).unwrap().skip(), 40);
    }

    #[test]
    fn out_of_range_parameters_are_refused_by_name() {
        for (q, name) in [
            (("page", "0"), "page"),
            (("limit", "101"), "limit"),
            (("limit", "x"), "limit"),
            (("page", "99999999999999999999"), "page"),
        ] {
            let err = FROM_ONE.read(&req(&[q])).unwrap_err();
            assert!(err.starts_with(name), "{err}");
        }
    }

    #[test]
    fn links_replace_only_the_page() {
        let r = req(&[("page", "2"), ("after", "2026-01-01T00:00:00Z")]);
        assert_eq!(
            PageNumber::query_for(&r, "page", 3),
            "after=2026-01-01T00%3A00%3A00Z&page=3"
        );
    }
}
