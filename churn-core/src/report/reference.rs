//! The training reference a report compares a table with: the distribution of every model
//! input ([`ReferenceProfile`]) and a small labelled sample ([`ReferenceSample`]).
//!
//! The types are stored in a bundle (their JSON is the bundle's `reference` and `sample`
//! sections) but belong to the report, which reads them; they are re-exported from
//! `churn_core::bundle` and the crate root, their public paths.
//!
//! ```
//! use churn_core::{ReferenceProfile, Schema};
//! let x = ndarray::array![[1.0], [5.0]];
//! let p = ReferenceProfile::from_matrix(x.view(), &Schema::from_names(&["t"]), 2);
//! assert_eq!(p.feature("t").unwrap().bin(4.0), 1);
//! ```

use std::collections::BTreeMap;

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::intake::schema::{FeatureSpec, Schema, ValueKind};

/// Whether a reference feature is profiled by bins or by categories.
///
/// ```
/// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let r = b.reference.as_ref().unwrap();
/// assert_eq!(r.feature("Contract").unwrap().kind, churn_core::ReferenceKind::Categorical);
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceKind {
    /// Quantile bins.
    Numeric,
    /// Category shares.
    Categorical,
}

/// One category's share in the training data.
///
/// ```
/// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let c = &b.reference.as_ref().unwrap().feature("Contract").unwrap().categories[0];
/// assert_eq!(c.value, "Month-to-month");
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategoryShare {
    /// Category name (or integer code as text).
    pub value: String,
    /// Share of non-missing training values.
    pub proportion: f64,
}

/// The training distribution of one feature.
///
/// ```
/// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let t = b.reference.as_ref().unwrap().feature("tenure").unwrap();
/// assert_eq!(t.proportions.len(), t.edges.len() + 1);
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureReference {
    /// Feature name (a schema input).
    pub name: String,
    /// Bins or categories.
    pub kind: ReferenceKind,
    /// Share of training rows where it was missing.
    #[serde(default)]
    pub missing_rate: f64,
    /// Interior bin edges, ascending (numeric).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub edges: Vec<f64>,
    /// Share of non-missing values per bin, `edges.len() + 1` entries (numeric).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub proportions: Vec<f64>,
    /// Category shares (categorical).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<CategoryShare>,
    /// Share of categories not listed (categorical).
    #[serde(default)]
    pub other: f64,
    /// Smallest value (numeric).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest value (numeric).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Mean (numeric).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
}

impl FeatureReference {
    /// The bin a value falls in: the number of edges below it.
    ///
    /// ```
    /// use churn_core::{FeatureReference, ReferenceKind};
    /// let r = FeatureReference { name: "t".into(), kind: ReferenceKind::Numeric, missing_rate: 0.0,
    ///     edges: vec![10.0, 20.0], proportions: vec![0.3, 0.3, 0.4], categories: vec![], other: 0.0,
    ///     min: None, max: None, mean: None };
    /// assert_eq!((r.bin(10.0), r.bin(10.5), r.bin(99.0)), (0, 1, 2));
    /// ```
    pub fn bin(&self, v: f64) -> usize {
        self.edges.partition_point(|&e| e < v)
    }

    /// A readable name of bin `i`: `<= 10`, `(10, 20]`, `> 20`.
    ///
    /// ```
    /// use churn_core::{FeatureReference, ReferenceKind};
    /// let r = FeatureReference { name: "t".into(), kind: ReferenceKind::Numeric, missing_rate: 0.0,
    ///     edges: vec![10.0, 20.5], proportions: vec![0.3, 0.3, 0.4], categories: vec![], other: 0.0,
    ///     min: None, max: None, mean: None };
    /// assert_eq!(r.bin_label(1), "(10, 20.5]");
    /// ```
    pub fn bin_label(&self, i: usize) -> String {
        let n = self.edges.len();
        if n == 0 {
            return "all values".into();
        }
        if i == 0 {
            format!("<= {}", fmt_num(self.edges[0]))
        } else if i >= n {
            format!("> {}", fmt_num(self.edges[n - 1]))
        } else {
            format!(
                "({}, {}]",
                fmt_num(self.edges[i - 1]),
                fmt_num(self.edges[i])
            )
        }
    }
}

pub(crate) fn fmt_num(v: f64) -> String {
    let r = (v * 10_000.0).round() / 10_000.0;
    if r.fract() == 0.0 && r.abs() < 1e15 {
        format!("{}", r as i64)
    } else {
        format!("{r}")
    }
}

/// The training distributions of the model inputs.
///
/// ```
/// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// assert_eq!(b.reference.as_ref().unwrap().features.len(), b.schema().num_inputs());
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReferenceProfile {
    /// Training rows profiled.
    pub rows: u64,
    /// One entry per profiled feature.
    pub features: Vec<FeatureReference>,
}

impl ReferenceProfile {
    /// Profiles a training matrix (rows x schema inputs, NaN = missing): quantile bins
    /// (numpy's default linear interpolation, duplicate edges dropped) for numeric, boolean
    /// and date-derived features, category shares for categorical ones.
    ///
    /// ```
    /// use churn_core::{ReferenceProfile, Schema};
    /// let x = ndarray::array![[1.0], [2.0], [3.0], [f64::NAN]];
    /// let p = ReferenceProfile::from_matrix(x.view(), &Schema::from_names(&["t"]), 2);
    /// assert_eq!(p.features[0].edges, [2.0]);
    /// assert_eq!(p.features[0].missing_rate, 0.25);
    /// ```
    pub fn from_matrix(x: ArrayView2<'_, f64>, schema: &Schema, bins: usize) -> ReferenceProfile {
        let bins = bins.max(1);
        let mut features = Vec::new();
        for (j, spec) in schema.inputs().enumerate() {
            if j >= x.ncols() {
                break;
            }
            let col: Vec<f64> = x.column(j).iter().copied().collect();
            let mut vals: Vec<f64> = col.iter().copied().filter(|v| !v.is_nan()).collect();
            let n = col.len().max(1) as f64;
            let missing_rate = (col.len() - vals.len()) as f64 / n;
            if spec.kind == ValueKind::Categorical {
                let mut counts: BTreeMap<String, u64> = BTreeMap::new();
                for v in &vals {
                    *counts.entry(category_name(spec, *v)).or_default() += 1;
                }
                let total = vals.len().max(1) as f64;
                let mut cats: Vec<CategoryShare> = counts
                    .into_iter()
                    .map(|(value, c)| CategoryShare {
                        value,
                        proportion: c as f64 / total,
                    })
                    .collect();
                crate::order::sort_by(&mut cats, |a, b| b.proportion.total_cmp(&a.proportion));
                let other: f64 = cats.iter().skip(50).map(|c| c.proportion).sum();
                cats.truncate(50);
                features.push(FeatureReference {
                    name: spec.name.clone(),
                    kind: ReferenceKind::Categorical,
                    missing_rate,
                    edges: Vec::new(),
                    proportions: Vec::new(),
                    categories: cats,
                    other,
                    min: None,
                    max: None,
                    mean: None,
                });
                continue;
            }
            crate::order::sort_by(&mut vals, f64::total_cmp);
            let mut edges: Vec<f64> = Vec::new();
            if !vals.is_empty() {
                for q in 1..bins {
                    let e = quantile(&vals, q as f64 / bins as f64);
                    if edges.last().is_none_or_lt(e) {
                        edges.push(e);
                    }
                }
            }
            let mut counts = vec![0u64; edges.len() + 1];
            for v in &vals {
                counts[edges.partition_point(|&e| e < *v)] += 1;
            }
            let total = vals.len().max(1) as f64;
            features.push(FeatureReference {
                name: spec.name.clone(),
                kind: ReferenceKind::Numeric,
                missing_rate,
                proportions: counts.iter().map(|&c| c as f64 / total).collect(),
                edges,
                categories: Vec::new(),
                other: 0.0,
                min: vals.first().copied(),
                max: vals.last().copied(),
                mean: if vals.is_empty() {
                    None
                } else {
                    Some(vals.iter().sum::<f64>() / vals.len() as f64)
                },
            });
        }
        ReferenceProfile {
            rows: x.nrows() as u64,
            features,
        }
    }

    /// The reference of one feature.
    ///
    /// ```
    /// assert!(churn_core::ReferenceProfile::default().feature("x").is_none());
    /// ```
    pub fn feature(&self, name: &str) -> Option<&FeatureReference> {
        self.features.iter().find(|f| f.name == name)
    }
}

trait LastLt {
    fn is_none_or_lt(&self, v: f64) -> bool;
}

impl LastLt for Option<&f64> {
    fn is_none_or_lt(&self, v: f64) -> bool {
        match self {
            None => true,
            Some(x) => **x < v,
        }
    }
}

/// The name a categorical code has in the reference and in quality profiles.
pub(crate) fn category_name(spec: &FeatureSpec, code: f64) -> String {
    if code >= 0.0 && code.fract() == 0.0 {
        if let Some(name) = spec.categories.get(code as usize) {
            return name.clone();
        }
    }
    fmt_num(code)
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    sorted[lo] + (sorted[hi] - sorted[lo]) * frac
}

/// Labelled rows of model inputs kept to estimate accuracy on incomplete data.
///
/// ```
/// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// assert_eq!(b.sample().unwrap().features, b.schema().input_names());
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReferenceSample {
    /// Column names: the schema inputs, in order.
    pub features: Vec<String>,
    /// Rows of model inputs; `None` (JSON `null`) = missing.
    pub rows: Vec<Vec<Option<f64>>>,
    /// 0/1 churn labels, one per row.
    pub labels: Vec<f64>,
}

impl ReferenceSample {
    /// The rows as a matrix (NaN = missing).
    ///
    /// ```
    /// let s = churn_core::ReferenceSample { features: vec!["a".into()],
    ///     rows: vec![vec![Some(1.0)], vec![None]], labels: vec![0.0, 1.0] };
    /// let m = s.matrix();
    /// assert_eq!(m[[0, 0]], 1.0);
    /// assert!(m[[1, 0]].is_nan());
    /// ```
    pub fn matrix(&self) -> Array2<f64> {
        let f = self.features.len();
        let mut m = Array2::from_elem((self.rows.len(), f), f64::NAN);
        for (i, row) in self.rows.iter().enumerate() {
            for (j, v) in row.iter().enumerate().take(f) {
                m[[i, j]] = v.unwrap_or(f64::NAN);
            }
        }
        m
    }
}
