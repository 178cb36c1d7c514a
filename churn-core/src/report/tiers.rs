//! Risk tiers: the names a churn probability is reported under, and their lower bounds.
//!
//! Stored in a bundle (its `tiers` section) and read by [`risk`](super::risk), which scores
//! with them; they live here, below both, and are re-exported from
//! `churn_core::bundle` and the crate root, their public paths.
//!
//! ```
//! use churn_core::{RiskTiers, Tier};
//! let t = RiskTiers { tiers: vec![Tier { name: "low".into(), min_probability: 0.0 }] };
//! assert_eq!(t.tier_of(0.9), Some("low"));
//! ```

use serde::{Deserialize, Serialize};

/// A risk tier: rows whose churn probability is at least `min_probability` (and below the next
/// tier's) belong to it.
///
/// ```
/// let t = churn_core::Tier { name: "high".into(), min_probability: 0.5 };
/// assert_eq!(t.name, "high");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tier {
    /// Tier name, e.g. `high`.
    pub name: String,
    /// Lower bound of the churn probability.
    pub min_probability: f64,
}

/// Risk tiers in ascending order of `min_probability`.
///
/// ```
/// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// assert_eq!(b.tiers.as_ref().unwrap().tier_of(0.9), Some("high"));
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RiskTiers {
    /// The tiers.
    pub tiers: Vec<Tier>,
}

impl RiskTiers {
    /// The tier of a probability (the last tier whose bound it reaches).
    ///
    /// ```
    /// use churn_core::{RiskTiers, Tier};
    /// let t = RiskTiers { tiers: vec![Tier { name: "low".into(), min_probability: 0.0 },
    ///                                 Tier { name: "high".into(), min_probability: 0.5 }] };
    /// assert_eq!(t.tier_of(0.7), Some("high"));
    /// assert_eq!(t.tier_of(0.2), Some("low"));
    /// ```
    pub fn tier_of(&self, probability: f64) -> Option<&str> {
        self.tiers
            .iter()
            .rev()
            .find(|t| probability >= t.min_probability)
            .map(|t| t.name.as_str())
    }
}
