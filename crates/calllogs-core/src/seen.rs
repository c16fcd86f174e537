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
    hashes: HashSet<u64, BuildHasherDefault<IdentityHasher>>,
}

impl SeenIds {
    /// Records `provider`/`id`; `true` the first time it is seen.
    pub fn first_time(&mut self, provider: &str, id: &str) -> bool {
        // A fixed-key hasher: the same id hashes the same in every run.
        let h = BuildHasherDefault::<DefaultHasher>::default().hash_one((provider, id));
        self.hashes.insert(h)
    }
    /// Distinct calls seen.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }
    /// Whether none was seen.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
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
