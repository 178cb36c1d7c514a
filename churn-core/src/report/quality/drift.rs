//! Drift against the training reference: the population stability index of a column's valid
//! values over the reference bins or categories.

use serde::{Deserialize, Serialize};

use super::profile::ColumnProfile;
use super::round4;
use crate::report::reference::{FeatureReference, ReferenceKind};

/// Fewer valid values than this give no drift figure: with 10 bins, PSI's noise alone is
/// about 9 / n (0.045 at 200 values).
const MIN_DRIFT_VALUES: u64 = 200;

/// Drift of one column against the training reference.
///
/// ```
/// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let text = std::fs::read_to_string("../examples/data/telco.csv").unwrap();
/// let r = churn_core::quality_report(&churn_core::Table::from_csv_str(&text)?, &b, None)?;
/// let d = r.column_quality.iter().find(|c| c.header == "tenure").unwrap().drift.as_ref().unwrap();
/// assert_eq!(d.band, "stable");
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    /// Population stability index.
    pub psi: f64,
    /// `stable` (< 0.1), `moderate` (0.1 to 0.25) or `significant` (> 0.25).
    pub band: String,
    /// The bin or category that moved most.
    pub moved: String,
    /// Its share in the training data.
    pub expected_share: f64,
    /// Its share in this table.
    pub actual_share: f64,
}

/// The PSI band name of a value.
///
/// ```
/// assert_eq!(churn_core::quality::psi_band(0.05), "stable");
/// assert_eq!(churn_core::quality::psi_band(0.2), "moderate");
/// assert_eq!(churn_core::quality::psi_band(0.3), "significant");
/// ```
pub fn psi_band(psi: f64) -> &'static str {
    if psi < 0.1 {
        "stable"
    } else if psi <= 0.25 {
        "moderate"
    } else {
        "significant"
    }
}

/// PSI of actual counts against expected shares (same bins), and the index of the bin whose
/// term is largest. Shares are floored at 1e-4. `None` when there are no counts.
///
/// ```
/// let (psi, worst) = churn_core::quality::psi(&[0.5, 0.5], &[90, 10]).unwrap();
/// assert!(psi > 0.25);
/// assert_eq!(worst, 1);
/// assert!(churn_core::quality::psi(&[0.5, 0.5], &[50, 50]).unwrap().0 < 1e-12);
/// ```
pub fn psi(expected: &[f64], actual: &[u64]) -> Option<(f64, usize)> {
    let total: u64 = actual.iter().sum();
    if total == 0 || expected.len() != actual.len() {
        return None;
    }
    let mut sum = 0.0;
    let mut worst = (0.0, 0usize);
    for (i, (&e, &a)) in expected.iter().zip(actual).enumerate() {
        let e = e.max(1e-4);
        let a = (a as f64 / total as f64).max(1e-4);
        let term = (a - e) * (a / e).ln();
        sum += term;
        if term > worst.0 {
            worst = (term, i);
        }
    }
    Some((sum, worst.1))
}

/// The drift of a profiled column, when it has enough valid values.
pub(super) fn drift_of(p: &ColumnProfile, r: &FeatureReference) -> Option<Drift> {
    match r.kind {
        ReferenceKind::Numeric => {
            if p.bins.iter().sum::<u64>() < MIN_DRIFT_VALUES {
                return None;
            }
            let (v, i) = psi(&r.proportions, &p.bins)?;
            let total: u64 = p.bins.iter().sum();
            Some(Drift {
                psi: round4(v),
                band: psi_band(v).into(),
                moved: r.bin_label(i),
                expected_share: round4(r.proportions[i]),
                actual_share: round4(p.bins[i] as f64 / total as f64),
            })
        }
        ReferenceKind::Categorical => {
            let total: u64 = p.categories.values().sum();
            if total < MIN_DRIFT_VALUES {
                return None;
            }
            let mut expected: Vec<f64> = r.categories.iter().map(|c| c.proportion).collect();
            let mut actual: Vec<u64> = r
                .categories
                .iter()
                .map(|c| p.categories.get(&c.value).copied().unwrap_or(0))
                .collect();
            let listed: u64 = actual.iter().sum();
            expected.push(r.other);
            actual.push(total - listed);
            let (v, i) = psi(&expected, &actual)?;
            Some(Drift {
                psi: round4(v),
                band: psi_band(v).into(),
                moved: r
                    .categories
                    .get(i)
                    .map_or_else(|| "other categories".to_string(), |c| c.value.clone()),
                expected_share: round4(expected[i]),
                actual_share: round4(actual[i] as f64 / total as f64),
            })
        }
    }
}
