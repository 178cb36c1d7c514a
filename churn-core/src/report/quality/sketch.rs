//! The distinct-value sketch behind the uniqueness figure: mergeable, so chunk profiles add up.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::splitmix;

/// A mergeable distinct-value counter (the k smallest 64-bit hashes): exact below `k`
/// distinct values, an estimate with about `1/sqrt(k)` relative error above.
///
/// ```
/// use churn_core::quality::DistinctSketch;
/// let mut a = DistinctSketch::new(16);
/// for v in ["x", "y", "x"] { a.insert(v); }
/// let mut b = DistinctSketch::new(16);
/// b.insert("z");
/// a.merge(&b);
/// assert_eq!(a.estimate(), 3.0);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DistinctSketch {
    /// Capacity.
    pub k: usize,
    /// The smallest hashes seen.
    pub hashes: BTreeSet<u64>,
}

impl DistinctSketch {
    /// An empty sketch keeping `k` hashes.
    ///
    /// ```
    /// assert_eq!(churn_core::quality::DistinctSketch::new(8).estimate(), 0.0);
    /// ```
    pub fn new(k: usize) -> DistinctSketch {
        DistinctSketch {
            k: k.max(2),
            hashes: BTreeSet::new(),
        }
    }

    /// Adds a value (compared exactly, after trimming).
    ///
    /// ```
    /// let mut s = churn_core::quality::DistinctSketch::new(8);
    /// s.insert(" a ");
    /// s.insert("a");
    /// assert_eq!(s.estimate(), 1.0);
    /// ```
    pub fn insert(&mut self, value: &str) {
        self.insert_hash(hash_str(value.trim()));
    }

    fn insert_hash(&mut self, h: u64) {
        if self.hashes.len() < self.k {
            self.hashes.insert(h);
        } else if let Some(&max) = self.hashes.last() {
            if h < max && self.hashes.insert(h) {
                self.hashes.pop_last();
            }
        }
    }

    /// Adds another sketch's values.
    ///
    /// ```
    /// let mut a = churn_core::quality::DistinctSketch::new(8);
    /// a.merge(&churn_core::quality::DistinctSketch::new(8));
    /// ```
    pub fn merge(&mut self, other: &DistinctSketch) {
        for &h in &other.hashes {
            self.insert_hash(h);
        }
    }

    /// Whether the count is exact (fewer distinct values than `k`).
    ///
    /// ```
    /// assert!(churn_core::quality::DistinctSketch::new(8).is_exact());
    /// ```
    pub fn is_exact(&self) -> bool {
        self.hashes.len() < self.k
    }

    /// The number of distinct values (exact or estimated).
    ///
    /// ```
    /// let mut s = churn_core::quality::DistinctSketch::new(512);
    /// for i in 0..10_000 { s.insert(&i.to_string()); }
    /// assert!((s.estimate() - 10_000.0).abs() < 1_000.0);
    /// ```
    pub fn estimate(&self) -> f64 {
        if self.is_exact() {
            return self.hashes.len() as f64;
        }
        match self.hashes.last() {
            Some(&max) if max > 0 => {
                (self.k as f64 - 1.0) / (max as f64 / 18_446_744_073_709_551_616.0)
            }
            _ => self.hashes.len() as f64,
        }
    }
}

fn hash_str(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    splitmix(h)
}
