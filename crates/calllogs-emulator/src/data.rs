//! The synthetic calls an emulator serves: generated from a seed, so the
//! same arguments always give the same calls.

use calllogs_core::{Direction, HangupCause, Status};
use chrono::{DateTime, Duration, DurationRound, Utc};

/// One outcome a provider can express, with the causes that go with it.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// The normalized status.
    pub status: Status,
    /// The only direction the provider gives this outcome, if any.
    pub direction: Option<Direction>,
    /// Causes to pick from (empty: no hangup cause, e.g. in progress).
    pub causes: &'static [HangupCause],
    /// Relative weight.
    pub weight: u32,
}

impl Outcome {
    /// `status`, in either direction, with one of `causes`, `weight` times
    /// in a hundred or so.
    pub const fn new(status: Status, causes: &'static [HangupCause], weight: u32) -> Outcome {
        Outcome {
            status,
            direction: None,
            causes,
            weight,
        }
    }

    /// The same outcome, given only to calls of `direction`.
    pub const fn only(self, direction: Direction) -> Outcome {
        Outcome {
            direction: Some(direction),
            ..self
        }
    }
}

/// One synthetic call, in normalized terms; each provider renders it in its
/// own wire format, and a client normalizing that must get these values back.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthCall {
    /// Sequence number (0-based, creation order).
    pub seq: u64,
    /// The provider's id for it.
    pub id: String,
    /// Direction.
    pub direction: Direction,
    /// Calling number, E.164.
    pub from: String,
    /// Called number, E.164.
    pub to: String,
    /// Start, whole seconds.
    pub started_at: DateTime<Utc>,
    /// Answer time, for answered calls.
    pub answered_at: Option<DateTime<Utc>>,
    /// End, for ended calls.
    pub ended_at: Option<DateTime<Utc>>,
    /// Whole call, seconds (ended calls).
    pub duration_s: Option<i64>,
    /// Answered part, seconds.
    pub talk_s: Option<i64>,
    /// Outcome.
    pub status: Status,
    /// Hangup cause, where there is one.
    pub cause: Option<HangupCause>,
    /// Cost in units of 0.00001 USD.
    pub cost_units: i64,
    /// Agent number (1-based).
    pub agent: u32,
    /// Campaign number (1-based).
    pub campaign: u32,
    /// When the provider last changed the record after the call ended (a
    /// late price, a late analysis): `None` until a test changes it. APIs
    /// that show an update time show this, else the end.
    pub updated_at: Option<DateTime<Utc>>,
    /// The provider has not priced it, however long ago it ended (a price
    /// that never came; the emulators of Plivo and Twilio send no price).
    pub unpriced: bool,
}

impl SynthCall {
    /// The cost as a decimal string with five places (`0.01234`).
    pub fn cost(&self) -> String {
        format!(
            "{}.{:05}",
            self.cost_units / 100_000,
            self.cost_units % 100_000
        )
    }
    /// Whether it was answered.
    pub fn answered(&self) -> bool {
        self.answered_at.is_some()
    }
    /// The line the account owns (the other side is the customer).
    pub fn our_number(&self) -> &str {
        if self.direction == Direction::Inbound {
            &self.to
        } else {
            &self.from
        }
    }
    /// The customer's number.
    pub fn customer_number(&self) -> &str {
        if self.direction == Direction::Inbound {
            &self.from
        } else {
            &self.to
        }
    }
}

/// How to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    /// How many calls.
    pub calls: usize,
    /// Seed.
    pub seed: u64,
    /// Calls start within this many days before `now`.
    pub days: i64,
    /// When set, calls start within this many seconds (ending an hour
    /// before `now`) instead of `days`: a busy hour.
    pub within_secs: Option<i64>,
    /// The moment the emulator starts.
    pub now: DateTime<Utc>,
}

/// The account's own lines: 555-01xx numbers (fictional).
pub fn our_line(k: u64) -> String {
    format!("+1555555{:04}", 100 + k % 10)
}

/// A customer number: 555-01xx numbers in other area codes (fictional).
pub fn customer(k: u64) -> String {
    let area = [202, 312, 415, 617, 718][(k % 5) as usize];
    format!("+1{area}555{:04}", 100 + (k / 5) % 100)
}

/// Generates `spec.calls` calls from the provider's outcomes, oldest first.
pub fn generate(spec: &Spec, outcomes: &[Outcome], id: &dyn Fn(u64) -> String) -> Vec<SynthCall> {
    let mut rng = fastrand::Rng::with_seed(spec.seed);
    let now = spec
        .now
        .duration_trunc(Duration::seconds(1))
        .unwrap_or(spec.now);
    let span = spec
        .within_secs
        .map_or((spec.days.max(1) * 86_400 - 3_600).max(60), |w| w.max(1));
    let total_weight: u32 = outcomes.iter().map(|o| o.weight).sum::<u32>().max(1);
    let mut calls: Vec<SynthCall> = (0..spec.calls as u64)
        .map(|seq| {
            let mut pick = rng.u32(0..total_weight);
            let outcome = outcomes
                .iter()
                .find(|o| {
                    if pick < o.weight {
                        true
                    } else {
                        pick -= o.weight;
                        false
                    }
                })
                .copied()
                .unwrap_or(outcomes[0]);
            let direction = outcome.direction.unwrap_or(if rng.bool() {
                Direction::Inbound
            } else {
                Direction::Outbound
            });
            let cause = (!outcome.causes.is_empty())
                .then(|| outcome.causes[rng.usize(0..outcome.causes.len())]);
            // Calls start in the window and end at least an hour before now.
            let started_at = now - Duration::seconds(3_600 + rng.i64(0..span));
            let (ours, theirs) = (our_line(rng.u64(0..10)), customer(rng.u64(0..500)));
            let (from, to) = if direction == Direction::Inbound {
                (theirs, ours)
            } else {
                (ours, theirs)
            };
            let (answered_at, ended_at, duration, talk) = match outcome.status {
                Status::InProgress => (Some(started_at + Duration::seconds(4)), None, None, None),
                Status::Completed => {
                    let ring = rng.i64(2..20);
                    let talk = rng.i64(5..600);
                    (
                        Some(started_at + Duration::seconds(ring)),
                        Some(started_at + Duration::seconds(ring + talk)),
                        Some(ring + talk),
                        Some(talk),
                    )
                }
                _ => {
                    let ring = rng.i64(0..45);
                    (
                        None,
                        Some(started_at + Duration::seconds(ring)),
                        Some(ring),
                        Some(0),
                    )
                }
            };
            let cost_units = match (outcome.status, talk) {
                (Status::Completed, Some(t)) => (t + 59) / 60 * 850,
                _ => 0,
            };
            SynthCall {
                seq,
                id: id(seq),
                direction,
                from,
                to,
                started_at,
                answered_at,
                ended_at,
                duration_s: duration,
                talk_s: talk,
                status: outcome.status,
                cause,
                cost_units,
                agent: rng.u32(1..6),
                campaign: rng.u32(1..4),
                updated_at: None,
                unpriced: false,
            }
        })
        .collect();
    calls.sort_by_key(|c| (c.started_at, c.seq));
    calls
}

/// The calls an emulator serves, indexed so that a request costs a binary
/// search and its page, not a scan of every call: kept oldest first by
/// start (what `Deref` gives), with a second order of the ended calls by
/// end, for the APIs that filter and sort on the end (Plivo).
#[derive(Debug, Clone, Default)]
pub struct Calls {
    by_start: Vec<SynthCall>,
    /// Positions in `by_start` of the ended calls, oldest first by end.
    by_end: Vec<u32>,
}

impl std::ops::Deref for Calls {
    type Target = [SynthCall];
    fn deref(&self) -> &[SynthCall] {
        &self.by_start
    }
}

/// The end order: the end, then the sequence.
fn end_key(c: &SynthCall) -> (DateTime<Utc>, u64) {
    (c.ended_at.unwrap_or(c.started_at), c.seq)
}

impl Calls {
    /// Indexes `calls`.
    pub fn new(calls: Vec<SynthCall>) -> Calls {
        let mut c = Calls {
            by_start: calls,
            by_end: Vec::new(),
        };
        c.reindex();
        c
    }

    /// Changes the calls, then indexes them again.
    pub fn update(&mut self, f: impl FnOnce(&mut Vec<SynthCall>)) {
        f(&mut self.by_start);
        self.reindex();
    }

    fn reindex(&mut self) {
        self.by_start.sort_by_key(|c| (c.started_at, c.seq));
        let mut order: Vec<u32> = (0..self.by_start.len() as u32)
            .filter(|&i| self.by_start[i as usize].ended_at.is_some())
            .collect();
        order.sort_by_key(|&i| end_key(&self.by_start[i as usize]));
        self.by_end = order;
    }

    /// The calls started within `[from, to]` (`to_inclusive`, else `[from, to)`),
    /// oldest first: a slice found by binary search.
    pub fn started_within(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        to_inclusive: bool,
    ) -> &[SynthCall] {
        let lo = from.map_or(0, |f| self.by_start.partition_point(|c| c.started_at < f));
        let hi = to.map_or(self.by_start.len(), |t| {
            self.by_start
                .partition_point(|c| c.started_at < t || (to_inclusive && c.started_at == t))
        });
        &self.by_start[lo..hi.max(lo)]
    }

    /// The ended calls whose end is within the bounds, oldest first:
    /// `lower` is `(t, inclusive)`, likewise `upper`.
    pub fn ended_within(
        &self,
        lower: Option<(DateTime<Utc>, bool)>,
        upper: Option<(DateTime<Utc>, bool)>,
    ) -> ByEnd<'_> {
        let key = |i: &u32| end_key(&self.by_start[*i as usize]).0;
        let lo = lower.map_or(0, |(t, inclusive)| {
            self.by_end
                .partition_point(|i| key(i) < t || (!inclusive && key(i) == t))
        });
        let hi = upper.map_or(self.by_end.len(), |(t, inclusive)| {
            self.by_end
                .partition_point(|i| key(i) < t || (inclusive && key(i) == t))
        });
        ByEnd {
            index: self.by_end[lo..hi.max(lo)].iter(),
            calls: &self.by_start,
        }
    }
}

/// Calls in order of their end ([`Calls::ended_within`]). Skipping is one
/// step however many calls it skips, as an index lookup is for a real
/// server: a page deep into a million calls costs what the first does
/// (a `map` over the index would call its closure for each call skipped).
#[derive(Debug, Clone)]
pub struct ByEnd<'a> {
    index: std::slice::Iter<'a, u32>,
    calls: &'a [SynthCall],
}

impl<'a> ByEnd<'a> {
    /// The call an index entry names.
    fn at(calls: &'a [SynthCall], entry: Option<&u32>) -> Option<&'a SynthCall> {
        entry.map(|&i| &calls[i as usize])
    }
}

impl<'a> Iterator for ByEnd<'a> {
    type Item = &'a SynthCall;

    fn next(&mut self) -> Option<&'a SynthCall> {
        Self::at(self.calls, self.index.next())
    }

    fn nth(&mut self, n: usize) -> Option<&'a SynthCall> {
        Self::at(self.calls, self.index.nth(n))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.index.size_hint()
    }
}

impl<'a> DoubleEndedIterator for ByEnd<'a> {
    fn next_back(&mut self) -> Option<&'a SynthCall> {
        Self::at(self.calls, self.index.next_back())
    }

    fn nth_back(&mut self, n: usize) -> Option<&'a SynthCall> {
        Self::at(self.calls, self.index.nth_back(n))
    }
}

impl ExactSizeIterator for ByEnd<'_> {}

/// One page of `calls` (oldest first) newest first, after `skip`: the page
/// and how many there are in all. Without a filter (`keep` is `None`) this
/// costs the page only; with one, a pass that keeps nothing but the page.
pub fn newest_page<'a, I>(
    calls: I,
    keep: Option<&dyn Fn(&SynthCall) -> bool>,
    skip: usize,
    take: usize,
) -> (usize, Vec<&'a SynthCall>)
where
    I: DoubleEndedIterator<Item = &'a SynthCall> + ExactSizeIterator,
{
    match keep {
        None => {
            let total = calls.len();
            (total, calls.rev().skip(skip).take(take).collect())
        }
        Some(keep) => {
            let mut total = 0;
            let mut page = Vec::with_capacity(take);
            for c in calls.rev().filter(|c| keep(c)) {
                if total >= skip && page.len() < take {
                    page.push(c);
                }
                total += 1;
            }
            (total, page)
        }
    }
}

#[cfg(test)]
mod index_tests {
    use super::*;

    #[test]
    fn pages_from_the_index_match_a_scan() {
        let spec = Spec {
            within_secs: None,
            calls: 500,
            seed: 3,
            days: 10,
            now: Utc::now(),
        };
        let outcomes = &[Outcome {
            status: Status::Completed,
            direction: None,
            causes: &[],
            weight: 1,
        }];
        let calls = Calls::new(generate(&spec, outcomes, &|s| format!("c{s}")));
        let from = spec.now - chrono::Duration::days(6);
        let to = spec.now - chrono::Duration::days(2);
        let scan: Vec<&SynthCall> = calls
            .iter()
            .filter(|c| c.started_at >= from && c.started_at <= to)
            .collect();
        let slice = calls.started_within(Some(from), Some(to), true);
        assert_eq!(slice.iter().collect::<Vec<_>>(), scan);
        let mut by_end: Vec<&SynthCall> = calls
            .iter()
            .filter(|c| c.ended_at.is_some_and(|e| e > from && e < to))
            .collect();
        by_end.sort_by_key(|c| end_key(c));
        let got: Vec<&SynthCall> = calls
            .ended_within(Some((from, false)), Some((to, false)))
            .collect();
        assert_eq!(got, by_end);
        // Paged newest first, skipping from either end as one step.
        for (skip, take) in [
            (0, 7),
            (5, 10),
            (by_end.len() - 3, 10),
            (by_end.len() + 1, 5),
        ] {
            let within = calls.ended_within(Some((from, false)), Some((to, false)));
            let (total, page) = newest_page(within, None, skip, take);
            let want: Vec<&SynthCall> =
                by_end.iter().rev().skip(skip).take(take).copied().collect();
            assert_eq!((total, page), (by_end.len(), want), "skip {skip}");
        }
        let mut within = calls.ended_within(Some((from, false)), Some((to, false)));
        assert_eq!(within.nth(2), by_end.get(2).copied());
        assert_eq!(within.nth_back(1), by_end.iter().rev().nth(1).copied());
        assert_eq!(within.len(), by_end.len() - 5);
        let (total, page) = newest_page(slice.iter(), None, 5, 10);
        assert_eq!(total, scan.len());
        assert_eq!(
            page,
            scan.iter()
                .rev()
                .skip(5)
                .take(10)
                .copied()
                .collect::<Vec<_>>()
        );
        let odd = |c: &SynthCall| c.seq % 2 == 1;
        let (total, page) = newest_page(slice.iter(), Some(&odd), 3, 4);
        let want: Vec<&SynthCall> = scan.iter().rev().filter(|c| odd(c)).copied().collect();
        assert_eq!(total, want.len());
        assert_eq!(page, want[3..7].to_vec());
    }
}
