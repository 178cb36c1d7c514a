//! The expected accuracy: the bundle's labelled reference sample rescored with this table's
//! missingness applied (see the [module docs](super) for the method and its limits).

use std::collections::BTreeMap;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::profile::{ColumnProfile, QualityProfile};
use super::{round4, splitmix};
use crate::error::{Error, Result};
use crate::intake::schema::{Policy, Schema};
use crate::model::Model;
use crate::report::reference::ReferenceSample;

/// Area under the ROC curve of scores against 0/1 labels (ties count one half); `None` when
/// a class is absent.
///
/// ```
/// assert_eq!(churn_core::quality::auc(&[0.1, 0.4, 0.35, 0.8], &[0.0, 0.0, 1.0, 1.0]), Some(0.75));
/// assert_eq!(churn_core::quality::auc(&[0.1], &[1.0]), None);
/// ```
pub fn auc(scores: &[f64], labels: &[f64]) -> Option<f64> {
    let n = scores.len().min(labels.len());
    let mut idx: Vec<usize> = (0..n).collect();
    crate::order::sort_by(&mut idx, |&a, &b| scores[a].total_cmp(&scores[b]));
    let mut ranks = vec![0.0; n];
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        let r = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            ranks[idx[k]] = r;
        }
        i = j + 1;
    }
    let pos = labels[..n].iter().filter(|&&l| l == 1.0).count() as f64;
    let neg = n as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return None;
    }
    let sum: f64 = (0..n).filter(|&k| labels[k] == 1.0).map(|k| ranks[k]).sum();
    Some((sum - pos * (pos + 1.0) / 2.0) / (pos * neg))
}

/// The expected accuracy of the model on data with this table's missingness.
///
/// ```
/// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let t = churn_core::Table::from_csv_str("tenure,Contract,MonthlyCharges\n1,Two year,20\n")?;
/// let a = churn_core::quality_report(&t, &b, None)?.accuracy.unwrap();
/// assert!(a.expected_auc < a.complete_auc);
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccuracyEstimate {
    /// AUC of the reference sample as it is.
    pub complete_auc: f64,
    /// Mean AUC of the reference sample with this table's missingness applied.
    pub expected_auc: f64,
    /// `complete_auc - expected_auc`.
    pub drop: f64,
    /// Labelled reference rows used.
    pub reference_rows: usize,
    /// Repeats averaged.
    pub repeats: usize,
    /// Missing rate applied per input feature (only those above 0).
    pub missing_rates: BTreeMap<String, f64>,
    /// The features whose missingness costs most AUC alone, with that cost (at most 3).
    pub largest_losses: Vec<(String, f64)>,
}

/// Applies per-feature missing rates to a labelled sample, rescores it and compares AUCs.
/// `None` when the model is not a single-output model or the labels have one class.
///
/// ```
/// use churn_core::{quality::estimate_auc, Bundle};
/// let b = Bundle::load("../examples/demo/telco_bundle.json")?;
/// let s = b.sample().unwrap();
/// let none = vec![0.0; s.features.len()];
/// let e = estimate_auc(b.model(), s, &none, 3, 7)?.unwrap();
/// assert_eq!(e.expected_auc, e.complete_auc);
/// let all = vec![1.0; s.features.len()];
/// assert!(estimate_auc(b.model(), s, &all, 3, 7)?.unwrap().expected_auc < e.complete_auc);
/// # Ok::<(), churn_core::Error>(())
/// ```
pub fn estimate_auc(
    model: &Model,
    sample: &ReferenceSample,
    missing_rates: &[f64],
    repeats: usize,
    seed: u64,
) -> Result<Option<AccuracyEstimate>> {
    if model.num_outputs() != 1 || sample.rows.is_empty() {
        return Ok(None);
    }
    let x = sample.matrix();
    if x.ncols() != model.num_features() || missing_rates.len() != x.ncols() {
        return Err(Error::Input {
            reason: format!(
                "the reference sample has {} columns, the missing rates {} and the model {}",
                x.ncols(),
                missing_rates.len(),
                model.num_features()
            ),
        });
    }
    let score = |m: &Array2<f64>| -> Result<Option<f64>> {
        let p = model.predict(m.view())?;
        Ok(auc(
            p.column(0).as_slice().unwrap_or(&p.column(0).to_vec()),
            &sample.labels,
        ))
    };
    let Some(complete) = score(&x)? else {
        return Ok(None);
    };
    let repeats = repeats.max(1);
    let masked_auc = |rates: &[f64]| -> Result<f64> {
        if rates.iter().all(|&r| r <= 0.0) {
            return Ok(complete);
        }
        let mut total = 0.0;
        for r in 0..repeats {
            let mut m = x.clone();
            for ((i, j), v) in m.indexed_iter_mut() {
                let rate = rates[j];
                if rate >= 1.0 {
                    *v = f64::NAN;
                } else if rate > 0.0 {
                    let h =
                        splitmix(seed ^ splitmix((r as u64) << 40 ^ (i as u64) << 20 ^ j as u64));
                    if (h >> 11) as f64 / (1u64 << 53) as f64 <= rate {
                        *v = f64::NAN;
                    }
                }
            }
            total += score(&m)?.unwrap_or(0.5);
        }
        Ok(total / repeats as f64)
    };
    let expected = masked_auc(missing_rates)?;
    let mut losses: Vec<(String, f64)> = Vec::new();
    let active: Vec<usize> = (0..missing_rates.len())
        .filter(|&j| missing_rates[j] > 0.0)
        .collect();
    if active.len() > 1 {
        for &j in &active {
            let mut only = vec![0.0; missing_rates.len()];
            only[j] = missing_rates[j];
            losses.push((
                sample.features[j].clone(),
                round4(complete - masked_auc(&only)?),
            ));
        }
    } else if let Some(&j) = active.first() {
        losses.push((sample.features[j].clone(), round4(complete - expected)));
    }
    crate::order::sort_by(&mut losses, |a, b| b.1.total_cmp(&a.1));
    losses.truncate(3);
    Ok(Some(AccuracyEstimate {
        complete_auc: round4(complete),
        expected_auc: round4(expected),
        drop: round4(complete - expected),
        reference_rows: sample.rows.len(),
        repeats,
        missing_rates: crate::order::map_of(
            active
                .iter()
                .map(|&j| (sample.features[j].clone(), round4(missing_rates[j]))),
        ),
        largest_losses: losses,
    }))
}

/// Each input's missing rate among the rows that get scored: blank cells of an optional
/// feature and invalid cells its policy turns into missing (blank required cells and invalid
/// cells under `reject` reject their row instead); 1 when the feature has no column.
pub(super) fn missing_rates(schema: &Schema, profile: &QualityProfile) -> Vec<f64> {
    let by_feature: BTreeMap<&str, &ColumnProfile> = crate::order::map_of(
        profile
            .columns
            .iter()
            .filter_map(|c| Some((c.feature.as_deref()?, c))),
    );
    schema
        .inputs()
        .map(|f| match by_feature.get(f.name.as_str()) {
            None => 1.0,
            Some(p) if p.rows == 0 => 1.0,
            Some(p) => {
                let blank = if f.required { 0 } else { p.missing };
                let invalid = if f.on_invalid == Policy::Reject {
                    0
                } else {
                    p.invalid
                };
                (blank + invalid) as f64 / p.rows as f64
            }
        })
        .collect()
}
