//! Which calls a run has already seen, in eight bytes a call: how `fetch`
//! emits each call once and `sync` counts a repeat once, at a million calls
//! without keeping them.

use std::collections::HashSet;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};

/// A set of call identities (provider and id), kept as 64-bit hashes.
/// Two different calls share a hash with odds of about 3 in 100 million at
/// a million calls, which would drop one of them from a `fetch`: an
/// acceptable price for flat memory.
///
/// ```
/// use calllogs_core::seen::SeenIds;
/// let mut seen = SeenIds::default();
/// assert!(seen.first_time("plivo", "a"));
/// assert!(!seen.first_time("plivo", "a"));
/// assert!(seen.first_time("unpod", "a"));
/// assert_eq!(seen.len(), 2);
/// ```
#[derive(Debug, Default, Clone)]
pub struct SeenIds {
    /// Most hashes: sorted, exactly eight bytes each (no hash-table slack,
    /// no doubling), searched by bisection.
    sorted: Vec<u64>,
    /// The newest hashes, until there are `RECENT` of them; then merged
    /// into `sorted` in place.
    recent: HashSet<u64, BuildHasherDefault<IdentityHasher>>,
}

/// How many hashes wait in the hash set before a merge: small enough to
/// cost little memory, large enough that merges (linear in the total) are rare.
const RECENT: usize = 1 << 16;

impl SeenIds {
    /// Records `provider`/`id`; `true` the first time it is seen.
    pub fn first_time(&mut self, provider: &str, id: &str) -> bool {
        // A fixed-key hasher: the same id hashes the same in every run.
        let h = BuildHasherDefault::<DefaultHasher>::default().hash_one((provider, id));
        if self.sorted.binary_search(&h).is_ok() || !self.recent.insert(h) {
            return false;
        }
        if self.recent.len() >= RECENT {
            self.merge();
        }
        true
    }

    /// Moves the recent hashes into the sorted ones, merging from the back
    /// in place: the vector grows by exactly what is added.
    fn merge(&mut self) {
        let mut fresh: Vec<u64> = self.recent.drain().collect();
        fresh.sort_unstable();
        let old = self.sorted.len();
        self.sorted.reserve_exact(fresh.len());
        self.sorted.resize(old + fresh.len(), 0);
        let (mut i, mut j, mut k) = (old, fresh.len(), old + fresh.len());
        while j > 0 {
            k -= 1;
            if i > 0 && self.sorted[i - 1] > fresh[j - 1] {
                self.sorted[k] = self.sorted[i - 1];
                i -= 1;
            } else {
                self.sorted[k] = fresh[j - 1];
                j -= 1;
            }
        }
    }

    /// Distinct calls seen.
    pub fn len(&self) -> usize {
        self.sorted.len() + self.recent.len()
    }
    /// Whether none was seen.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_stay_exact_across_merges() {
        let mut seen = SeenIds::default();
        let n = RECENT * 3 + 123;
        for i in 0..n {
            assert!(seen.first_time("p", &format!("id-{i}")), "{i}");
        }
        // Every one again, in another order: none is new.
        for i in (0..n).rev().step_by(7) {
            assert!(!seen.first_time("p", &format!("id-{i}")), "{i} again");
        }
        assert_eq!(seen.len(), n);
        assert!(
            seen.sorted.windows(2).all(|w| w[0] < w[1]),
            "sorted and distinct"
        );
        assert!(seen.recent.len() < RECENT);
        assert!(
            seen.first_time("q", "id-0"),
            "another provider is another call"
        );
    }
}

/// The keys are hashes already: hashing them again would only cost time.
#[derive(Debug, Default, Clone, Copy)]
pub struct IdentityHasher(u64);

impl std::hash::Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}
