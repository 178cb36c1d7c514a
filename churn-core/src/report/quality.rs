//! The data-quality report: what a table is worth before it is scored.
//!
//! Two steps, so a streaming reader can work chunk by chunk:
//!
//! 1. [`profile_chunk`] turns a chunk into a [`QualityProfile`] of counts, sums, histograms in
//!    the reference bins and a distinct-value sketch per column; profiles of chunks
//!    [`merge`](QualityProfile::merge) (no rows are stored);
//! 2. [`QualityReport::build`] turns the merged profile, the mapping and the bundle into the
//!    report: mapped columns with confidence, features without a column, per-column
//!    completeness / validity / uniqueness / type consistency, drift against the training
//!    reference (PSI), a quality score, suggestions, and the estimated accuracy.
//!
//! [`quality_report`] does both for a table in one call.
//!
//! # Dimensions
//!
//! - completeness: share of non-blank cells;
//! - validity: share of non-blank cells that normalise to a valid value (right type, known
//!   category, within range) for the feature the column is mapped to;
//! - uniqueness: distinct non-blank values / non-blank cells (exact up to the sketch size:
//!   8,192 values for the identifier column, 512 for others; estimated above);
//! - type consistency: share of non-blank cells of a type the feature takes (numbers or yes/no
//!   words for numeric and boolean features, numbers or dates for date-derived ones, anything
//!   for categorical features with named categories, numbers for integer-coded ones); for
//!   other columns, the share of the dominant type (number, yes/no word, date, text);
//! - drift: the population stability index of the column's valid values against the
//!   reference bins or categories, `PSI = sum (a - e) ln(a / e)` with shares floored at 1e-4;
//!   bands: below 0.1 stable, 0.1 to 0.25 moderate, above 0.25 significant. The report names
//!   the bin or category whose term is largest.
//!
//! # Score
//!
//! Each model input and the identifier gets a column score, the weighted mean of the
//! dimensions that apply to it: completeness 0.35, validity 0.30, type consistency 0.15,
//! uniqueness 0.10 (identifier only), drift 0.10 (`1 - min(PSI, 0.5) / 0.5`, when a reference
//! exists and at least 200 values were seen). A feature without a column scores 0. The table's
//! score is `0.6 x` the mean column score `+ 0.4 x` the share of rows the validator accepts
//! (the mean column score alone when no validation summary is given); grade `good` from 0.95,
//! `fair` from 0.8, else `poor`.
//!
//! # Estimated accuracy
//!
//! Each input's missing rate among the rows that get scored (blank cells of an optional
//! feature, and invalid cells whose policy makes them missing: blank required cells and invalid
//! cells under the `reject` policy reject their row instead; 1 when the feature has no column)
//! is applied to the bundle's labelled reference sample: cell `(i, j)` is blanked when a
//! deterministic hash of `(seed, repeat, i, j)` falls below the rate. The sample is rescored
//! with the model and its AUC, averaged over the repeats, is the expected AUC, next to the AUC
//! of the complete sample. Blanks are spread independently per column, so a table whose blanks
//! cluster in some kind of customer may do better or worse than this estimate.
//!
//! ```
//! use churn_core::{quality_report, Bundle, Table};
//! let bundle = Bundle::load("../examples/demo/telco_bundle.json")?;
//! let table = Table::from_csv_str(&std::fs::read_to_string("../tests/data/messy_customers.csv").unwrap())?;
//! let report = quality_report(&table, &bundle, None)?;
//! assert!(report.score > 0.0 && report.score <= 1.0);
//! assert!(report.to_text().contains("Quality score"));
//! # Ok::<(), churn_core::Error>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::bundle::{
    category_name, fmt_num, Bundle, FeatureReference, ReferenceKind, ReferenceProfile,
    ReferenceSample,
};
use crate::error::{Error, Result};
use crate::intake::mapping::{map_columns, Mapping, MatchSource, Overrides};
use crate::intake::normalize::{self, normalize_cell, Cell, NormalizeOptions};
use crate::intake::schema::{FeatureSpec, Schema, ValueKind};
use crate::intake::table::Table;
use crate::intake::validate::{validate, Severity, ValidateOptions, ValidationSummary};
use crate::model::Model;

const SKETCH_ID: usize = 8192;
const SKETCH_OTHER: usize = 512;
const VALUES_CAP: usize = 256;
const COOCCUR_CAP: usize = 4096;
/// Fewer valid values than this give no drift figure: with 10 bins, PSI's noise alone is
/// about 9 / n (0.045 at 200 values).
const MIN_DRIFT_VALUES: u64 = 200;

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

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn hash_str(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    splitmix(h)
}

/// Non-blank cells by detected type.
///
/// ```
/// # use churn_core::{map_columns, profile_chunk, Schema, Table};
/// let t = Table::from_csv_str("x\n1\nyes\n2024-01-01\nabc\n")?;
/// let s = Schema::default();
/// let p = profile_chunk(&t, &map_columns(&t.headers, &s, None, None)?, &s, None, &Default::default());
/// let c = &p.columns[0].types;
/// assert_eq!((c.numbers, c.booleans, c.dates, c.texts), (1, 1, 1, 1));
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeCounts {
    /// Numbers (currency and percentages included).
    pub numbers: u64,
    /// Yes/no words (`yes`, `no`, `true`, `false`, `y`, `n`).
    pub booleans: u64,
    /// Dates.
    pub dates: u64,
    /// Anything else.
    pub texts: u64,
}

impl TypeCounts {
    fn add(&mut self, o: &TypeCounts) {
        self.numbers += o.numbers;
        self.booleans += o.booleans;
        self.dates += o.dates;
        self.texts += o.texts;
    }

    fn total(&self) -> u64 {
        self.numbers + self.booleans + self.dates + self.texts
    }

    fn dominant(&self) -> (&'static str, u64) {
        [
            ("number", self.numbers),
            ("yes/no", self.booleans),
            ("date", self.dates),
            ("text", self.texts),
        ]
        .into_iter()
        .max_by_key(|x| x.1)
        .unwrap_or(("text", 0))
    }
}

/// Counts of one table column (mergeable).
///
/// ```
/// # use churn_core::{map_columns, profile_chunk, Schema, Table};
/// let t = Table::from_csv_str("x,y\n1,a\n,b\n")?;
/// let s = Schema::default();
/// let p = profile_chunk(&t, &map_columns(&t.headers, &s, None, None)?, &s, None, &Default::default());
/// assert_eq!((p.columns[0].rows, p.columns[0].missing), (2, 1));
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    /// 0-based column index.
    pub column: usize,
    /// Header text.
    pub header: String,
    /// The schema feature it is mapped to.
    pub feature: Option<String>,
    /// Rows seen (all-blank rows excluded).
    pub rows: u64,
    /// Blank cells.
    pub missing: u64,
    /// Non-blank cells valid for the feature (mapped columns only).
    pub valid: u64,
    /// Non-blank cells not valid for the feature (mapped columns only).
    pub invalid: u64,
    /// Detected types of non-blank cells.
    pub types: TypeCounts,
    /// Distinct non-blank values.
    pub distinct: DistinctSketch,
    /// Valid values per reference bin (numeric features with a reference).
    pub bins: Vec<u64>,
    /// Valid values per category name (categorical features), capped at 256 names.
    pub categories: BTreeMap<String, u64>,
    /// Valid values per displayed value (mapped columns), capped at 256 values.
    pub values: BTreeMap<String, u64>,
    /// The `values` cap was reached: rarer values are not counted there.
    pub values_capped: bool,
    /// In rows where this column is blank: other features' values and how often they occur.
    pub missing_with: BTreeMap<String, BTreeMap<String, u64>>,
    /// Up to three invalid raw values.
    pub invalid_examples: Vec<String>,
}

impl ColumnProfile {
    fn merge(&mut self, o: &ColumnProfile) {
        self.rows += o.rows;
        self.missing += o.missing;
        self.valid += o.valid;
        self.invalid += o.invalid;
        self.types.add(&o.types);
        self.distinct.merge(&o.distinct);
        if self.bins.len() == o.bins.len() {
            for (a, b) in self.bins.iter_mut().zip(&o.bins) {
                *a += b;
            }
        }
        add_capped(&mut self.categories, &o.categories, VALUES_CAP);
        self.values_capped |=
            o.values_capped || add_capped(&mut self.values, &o.values, VALUES_CAP);
        let mut n: usize = self.missing_with.values().map(|m| m.len()).sum();
        for (f, m) in &o.missing_with {
            let e = self.missing_with.entry(f.clone()).or_default();
            for (v, c) in m {
                if let Some(x) = e.get_mut(v) {
                    *x += c;
                } else if n < COOCCUR_CAP {
                    e.insert(v.clone(), *c);
                    n += 1;
                }
            }
        }
        for ex in &o.invalid_examples {
            if self.invalid_examples.len() < 3 && !self.invalid_examples.contains(ex) {
                self.invalid_examples.push(ex.clone());
            }
        }
    }
}

/// Adds counts; returns whether some keys were dropped by the cap.
fn add_capped(into: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>, cap: usize) -> bool {
    let mut dropped = false;
    for (k, v) in from {
        if let Some(x) = into.get_mut(k) {
            *x += v;
        } else if into.len() < cap {
            into.insert(k.clone(), *v);
        } else {
            dropped = true;
        }
    }
    dropped
}

/// The per-column counts of a table or chunk; merge the profiles of a file's chunks.
///
/// ```
/// # use churn_core::{map_columns, profile_chunk, Schema, Table};
/// let t = Table::from_csv_str("a,b\n1,2\n,\n")?;
/// let s = Schema::default();
/// let p = profile_chunk(&t, &map_columns(&t.headers, &s, None, None)?, &s, None, &Default::default());
/// assert_eq!((p.rows, p.empty_rows, p.columns.len()), (2, 1, 2));
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QualityProfile {
    /// Rows seen.
    pub rows: u64,
    /// Rows whose cells are all blank (not counted in the column profiles).
    pub empty_rows: u64,
    /// One profile per table column.
    pub columns: Vec<ColumnProfile>,
}

impl QualityProfile {
    /// Adds another chunk's profile (same columns, in the same order).
    ///
    /// ```
    /// use churn_core::{map_columns, profile_chunk, Schema, Table};
    /// use churn_core::normalize::NormalizeOptions;
    /// let s = Schema::from_names(&["tenure"]);
    /// let a = Table::from_csv_str("tenure,note\n1,a\n,b\n")?;
    /// let b = Table::from_csv_str("tenure,note\n3,c\n")?.starting_at(3);
    /// let m = map_columns(&a.headers, &s, None, None)?;
    /// let mut p = profile_chunk(&a, &m, &s, None, &NormalizeOptions::default());
    /// p.merge(&profile_chunk(&b, &m, &s, None, &NormalizeOptions::default()))?;
    /// assert_eq!((p.rows, p.columns[0].missing, p.columns[0].valid), (3, 1, 2));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn merge(&mut self, other: &QualityProfile) -> Result<()> {
        if self.columns.is_empty() && self.rows == 0 {
            *self = other.clone();
            return Ok(());
        }
        if self.columns.len() != other.columns.len()
            || self
                .columns
                .iter()
                .zip(&other.columns)
                .any(|(a, b)| a.header != b.header)
        {
            return Err(Error::Input {
                reason: "quality profiles of different column layouts cannot be merged".into(),
            });
        }
        self.rows += other.rows;
        self.empty_rows += other.empty_rows;
        for (a, b) in self.columns.iter_mut().zip(&other.columns) {
            a.merge(b);
        }
        Ok(())
    }
}

fn display_value(spec: &FeatureSpec, raw: &str, v: f64) -> String {
    match spec.kind {
        ValueKind::Numeric | ValueKind::DateDerived => fmt_num(v),
        ValueKind::Categorical => category_name(spec, v),
        _ => raw.trim().chars().take(32).collect(),
    }
}

/// Profiles a chunk: counts per column, reference-bin histograms, co-occurrences of blanks.
///
/// ```
/// use churn_core::{map_columns, profile_chunk, Schema, Table};
/// use churn_core::normalize::NormalizeOptions;
/// let s = Schema::from_names(&["tenure"]);
/// let t = Table::from_csv_str("tenure,notes\n1,a\nx,\n")?;
/// let m = map_columns(&t.headers, &s, None, None)?;
/// let p = profile_chunk(&t, &m, &s, None, &NormalizeOptions::default());
/// assert_eq!(p.columns[0].invalid, 1);
/// assert_eq!(p.columns[1].missing, 1);
/// # Ok::<(), churn_core::Error>(())
/// ```
pub fn profile_chunk(
    table: &Table,
    mapping: &Mapping,
    schema: &Schema,
    reference: Option<&ReferenceProfile>,
    options: &NormalizeOptions,
) -> QualityProfile {
    let width = table.headers.len();
    let mut specs: Vec<Option<&FeatureSpec>> = vec![None; width];
    for m in &mapping.features {
        if let (Some(c), Some(spec)) = (m.column, schema.feature(&m.feature)) {
            if c < width {
                specs[c] = Some(spec);
            }
        }
    }
    let refs: Vec<Option<&FeatureReference>> = specs
        .iter()
        .map(|s| s.and_then(|s| reference.and_then(|r| r.feature(&s.name))))
        .collect();
    let mut cols: Vec<ColumnProfile> = (0..width)
        .map(|c| ColumnProfile {
            column: c,
            header: table.headers[c].clone(),
            feature: specs[c].map(|s| s.name.clone()),
            distinct: DistinctSketch::new(
                if specs[c].is_some_and(|s| s.kind == ValueKind::Identifier) {
                    SKETCH_ID
                } else {
                    SKETCH_OTHER
                },
            ),
            bins: match refs[c] {
                Some(r) if r.kind == ReferenceKind::Numeric => vec![0; r.edges.len() + 1],
                _ => Vec::new(),
            },
            ..ColumnProfile::default()
        })
        .collect();
    let mut shown: Vec<(usize, String)> = Vec::new();
    let mut blank: Vec<usize> = Vec::new();
    let mut cooccur_n: Vec<usize> = vec![0; width];
    let mut empty_rows = 0u64;
    for cells in &table.rows {
        shown.clear();
        blank.clear();
        if cells.iter().all(|c| normalize::is_missing(c)) {
            empty_rows += 1; // reported by the validator (empty_row), not as blanks per column
            continue;
        }
        for (c, p) in cols.iter_mut().enumerate() {
            let raw = cells.get(c).map(String::as_str).unwrap_or("");
            p.rows += 1;
            if normalize::is_missing(raw) {
                p.missing += 1;
                if specs[c].is_some_and(|s| s.kind != ValueKind::Identifier) {
                    blank.push(c);
                }
                continue;
            }
            let lower = raw.trim().to_lowercase();
            if matches!(lower.as_str(), "yes" | "no" | "y" | "n" | "true" | "false") {
                p.types.booleans += 1;
            } else if normalize::parse_number(raw).is_some() {
                p.types.numbers += 1;
            } else if normalize::parse_date(raw).is_some() {
                p.types.dates += 1;
            } else {
                p.types.texts += 1;
            }
            p.distinct.insert(raw);
            let Some(spec) = specs[c] else { continue };
            let ok = match normalize_cell(spec, raw, options) {
                Cell::Value(v) => {
                    let in_range = spec.min.is_none_or_le(v) && spec.max.is_none_or_ge(v);
                    if in_range && spec.kind != ValueKind::Identifier {
                        if let Some(r) = refs[c] {
                            match r.kind {
                                ReferenceKind::Numeric => {
                                    let b = r.bin(v);
                                    if let Some(x) = p.bins.get_mut(b) {
                                        *x += 1;
                                    }
                                }
                                ReferenceKind::Categorical => {
                                    bump(&mut p.categories, category_name(spec, v), VALUES_CAP);
                                }
                            }
                        } else if spec.kind == ValueKind::Categorical {
                            bump(&mut p.categories, category_name(spec, v), VALUES_CAP);
                        }
                        let d = display_value(spec, raw, v);
                        if !bump(&mut p.values, d.clone(), VALUES_CAP) {
                            p.values_capped = true;
                        }
                        shown.push((c, d));
                    }
                    in_range
                }
                Cell::Missing => true,
                Cell::Invalid { .. } => false,
            };
            if ok {
                p.valid += 1;
            } else {
                p.invalid += 1;
                let ex: String = raw.trim().chars().take(40).collect();
                if p.invalid_examples.len() < 3 && !p.invalid_examples.contains(&ex) {
                    p.invalid_examples.push(ex);
                }
            }
        }
        for &c in &blank {
            for (oc, v) in &shown {
                let Some(of) = specs[*oc].map(|s| s.name.clone()) else {
                    continue;
                };
                let e = cols[c].missing_with.entry(of).or_default();
                if let Some(x) = e.get_mut(v) {
                    *x += 1;
                } else if cooccur_n[c] < COOCCUR_CAP {
                    e.insert(v.clone(), 1);
                    cooccur_n[c] += 1;
                }
            }
        }
    }
    QualityProfile {
        rows: table.rows.len() as u64,
        empty_rows,
        columns: cols,
    }
}

/// Increments a capped counter; false when the key was dropped by the cap.
fn bump(map: &mut BTreeMap<String, u64>, key: String, cap: usize) -> bool {
    if let Some(x) = map.get_mut(&key) {
        *x += 1;
        true
    } else if map.len() < cap {
        map.insert(key, 1);
        true
    } else {
        false
    }
}

trait OptCmp {
    fn is_none_or_le(&self, v: f64) -> bool;
    fn is_none_or_ge(&self, v: f64) -> bool;
}

impl OptCmp for Option<f64> {
    fn is_none_or_le(&self, v: f64) -> bool {
        match self {
            None => true,
            Some(x) => *x <= v,
        }
    }
    fn is_none_or_ge(&self, v: f64) -> bool {
        match self {
            None => true,
            Some(x) => *x >= v,
        }
    }
}

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

fn drift_of(p: &ColumnProfile, r: &FeatureReference) -> Option<Drift> {
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

/// A mapped (or unmappable) feature as the report shows it.
///
/// ```
/// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let t = churn_core::Table::from_csv_str("MRR\n20\n")?;
/// let r = churn_core::quality_report(&t, &b, None)?;
/// let m = r.mapping.iter().find(|m| m.feature == "MonthlyCharges").unwrap();
/// assert_eq!(m.header.as_deref(), Some("MRR"));
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MappedFeature {
    /// Feature name.
    pub feature: String,
    /// The header feeding it.
    pub header: Option<String>,
    /// Confidence of the match.
    pub confidence: f64,
    /// Why it matched.
    pub source: Option<MatchSource>,
    /// Required by the schema.
    pub required: bool,
    /// The match was close to another.
    pub ambiguous: bool,
}

/// Quality figures of one column.
///
/// ```
/// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let t = churn_core::Table::from_csv_str("tenure,Contract\n1,Two year\n,One year\n")?;
/// let r = churn_core::quality_report(&t, &b, None)?;
/// assert_eq!(r.column_quality[0].completeness, 0.5);
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnQuality {
    /// Header text.
    pub header: String,
    /// The feature it feeds.
    pub feature: Option<String>,
    /// Share of non-blank cells.
    pub completeness: f64,
    /// Share of non-blank cells valid for the feature (mapped columns).
    pub validity: Option<f64>,
    /// Distinct values / non-blank cells.
    pub uniqueness: f64,
    /// Share of non-blank cells of a type the feature takes (the dominant type for unmapped
    /// columns).
    pub type_consistency: f64,
    /// The dominant type: `number`, `yes/no`, `date` or `text`.
    pub dominant_type: String,
    /// Drift against the training reference.
    pub drift: Option<Drift>,
    /// Column score (model inputs and identifier).
    pub score: Option<f64>,
}

/// Something a person can do about the data.
///
/// ```
/// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let t = churn_core::Table::from_csv_str("tenure\n1\n")?;
/// let r = churn_core::quality_report(&t, &b, None)?;
/// assert!(r.suggestions.iter().any(|s| s.severity == churn_core::Severity::Error));
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// How much it matters.
    pub severity: Severity,
    /// The column (header) or feature it is about.
    pub column: Option<String>,
    /// What to do, in words.
    pub message: String,
}

/// The data-quality report of a table for a bundle.
///
/// ```
/// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let r = churn_core::quality_report(&churn_core::Table::from_csv_str("tenure\n1\n")?, &b, None)?;
/// assert_eq!((r.rows, r.columns), (1, 1));
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    /// Data rows.
    pub rows: u64,
    /// Table columns.
    pub columns: usize,
    /// Rows the validator accepts, when validation ran.
    pub rows_accepted: Option<u64>,
    /// Rows the validator rejects, when validation ran.
    pub rows_rejected: Option<u64>,
    /// Quality score in 0..1 (see the module docs).
    pub score: f64,
    /// `good`, `fair` or `poor`.
    pub grade: String,
    /// Every schema feature and its column.
    pub mapping: Vec<MappedFeature>,
    /// Features without a column.
    pub missing_features: Vec<String>,
    /// Columns no feature takes.
    pub unmapped_columns: Vec<String>,
    /// Per-column figures, in table order.
    pub column_quality: Vec<ColumnQuality>,
    /// Expected vs complete-data AUC, when the bundle has a labelled sample.
    pub accuracy: Option<AccuracyEstimate>,
    /// Suggestions, most serious first.
    pub suggestions: Vec<Suggestion>,
}

/// Settings of the report.
///
/// ```
/// let o = churn_core::quality::ReportOptions::default();
/// assert_eq!(o.repeats, 5);
/// ```
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// Repeats of the random blanking for the AUC estimate (default 5).
    pub repeats: usize,
    /// Seed of the blanking (default 20241128).
    pub seed: u64,
    /// At most this many suggestions (default 25).
    pub max_suggestions: usize,
}

impl Default for ReportOptions {
    fn default() -> ReportOptions {
        ReportOptions {
            repeats: 5,
            seed: 20_241_128,
            max_suggestions: 25,
        }
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// Maps, validates, profiles and reports on a table in one call (default options).
///
/// ```
/// use churn_core::{quality_report, Bundle, Table};
/// let b = Bundle::load("../examples/demo/telco_bundle.json")?;
/// let t = Table::from_csv_str("customerID,tenure,Contract\nA,1,Month-to-month\n")?;
/// let r = quality_report(&t, &b, None)?;
/// assert!(r.missing_features.contains(&"MonthlyCharges".to_string()));
/// # Ok::<(), churn_core::Error>(())
/// ```
pub fn quality_report(
    table: &Table,
    bundle: &Bundle,
    overrides: Option<&Overrides>,
) -> Result<QualityReport> {
    let schema = bundle.schema();
    let mapping = map_columns(&table.headers, schema, Some(table.sample(500)), overrides)?;
    let v = validate(table, &mapping, schema, &ValidateOptions::default());
    let profile = profile_chunk(
        table,
        &mapping,
        schema,
        bundle.reference.as_ref(),
        &NormalizeOptions::default(),
    );
    QualityReport::build(
        &profile,
        Some(&v.summary),
        &mapping,
        bundle,
        &ReportOptions::default(),
    )
}

impl QualityReport {
    /// Builds the report from a (merged) profile, the validation summary, the mapping and
    /// the bundle.
    ///
    /// ```
    /// use churn_core::{map_columns, profile_chunk, Bundle, QualityReport, Table};
    /// use churn_core::quality::ReportOptions;
    /// let b = Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let t = Table::from_csv_str("tenure\n5\n")?;
    /// let m = map_columns(&t.headers, b.schema(), None, None)?;
    /// let p = profile_chunk(&t, &m, b.schema(), b.reference.as_ref(), &Default::default());
    /// let r = QualityReport::build(&p, None, &m, &b, &ReportOptions::default())?;
    /// assert_eq!(r.grade, "poor");
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn build(
        profile: &QualityProfile,
        validation: Option<&ValidationSummary>,
        mapping: &Mapping,
        bundle: &Bundle,
        options: &ReportOptions,
    ) -> Result<QualityReport> {
        let schema = bundle.schema();
        let rows = profile.rows;
        let by_feature: BTreeMap<&str, &ColumnProfile> = crate::order::map_of(
            profile
                .columns
                .iter()
                .filter_map(|c| Some((c.feature.as_deref()?, c))),
        );

        // Column figures.
        let mut column_quality = Vec::with_capacity(profile.columns.len());
        for p in &profile.columns {
            let non_missing = p.rows.saturating_sub(p.missing);
            let spec = p.feature.as_deref().and_then(|f| schema.feature(f));
            let completeness = if p.rows == 0 {
                0.0
            } else {
                non_missing as f64 / p.rows as f64
            };
            let validity = spec.map(|_| {
                if non_missing == 0 {
                    1.0
                } else {
                    p.valid as f64 / non_missing as f64
                }
            });
            let (dom, dom_n) = p.types.dominant();
            let t = &p.types;
            let all = t.total();
            // Cells of a type the feature accepts; the dominant type for other columns.
            let fitting = match spec.map(|s| (s.kind, s)) {
                Some((ValueKind::Numeric, _)) => t.numbers + t.booleans,
                Some((ValueKind::Boolean, _)) => t.numbers + t.booleans,
                Some((ValueKind::DateDerived, _)) => t.numbers + t.dates,
                Some((ValueKind::Categorical, s)) if s.categories.is_empty() => t.numbers,
                Some((ValueKind::Categorical, _)) => all,
                _ => dom_n,
            };
            let type_consistency = if all == 0 {
                1.0
            } else {
                fitting as f64 / all as f64
            };
            let uniqueness = if non_missing == 0 {
                0.0
            } else {
                (p.distinct.estimate() / non_missing as f64).min(1.0)
            };
            let drift = match (spec, bundle.reference.as_ref()) {
                (Some(s), Some(r)) if s.kind.is_input() => {
                    r.feature(&s.name).and_then(|fr| drift_of(p, fr))
                }
                _ => None,
            };
            let score = spec.filter(|s| s.kind != ValueKind::Label).map(|s| {
                let mut parts = vec![
                    (0.35, completeness),
                    (0.30, validity.unwrap_or(1.0)),
                    (0.15, type_consistency),
                ];
                if s.kind == ValueKind::Identifier {
                    parts.push((0.10, uniqueness));
                }
                if let Some(d) = &drift {
                    parts.push((0.10, 1.0 - d.psi.min(0.5) / 0.5));
                }
                let w: f64 = parts.iter().map(|p| p.0).sum();
                round4(parts.iter().map(|p| p.0 * p.1).sum::<f64>() / w)
            });
            column_quality.push(ColumnQuality {
                header: p.header.clone(),
                feature: p.feature.clone(),
                completeness: round4(completeness),
                validity: validity.map(round4),
                uniqueness: round4(uniqueness),
                type_consistency: round4(type_consistency),
                dominant_type: dom.into(),
                drift,
                score,
            });
        }

        // Table score.
        let scored: Vec<&FeatureSpec> = schema
            .features
            .iter()
            .filter(|f| f.kind != ValueKind::Label)
            .collect();
        let mut total = 0.0;
        for f in &scored {
            total += column_quality
                .iter()
                .find(|c| c.feature.as_deref() == Some(&f.name))
                .and_then(|c| c.score)
                .unwrap_or(0.0);
        }
        let columns_part = if scored.is_empty() {
            0.0
        } else {
            total / scored.len() as f64
        };
        let score = match validation {
            _ if rows == 0 || scored.is_empty() => 0.0,
            Some(v) if v.rows > 0 => {
                round4(0.6 * columns_part + 0.4 * v.accepted as f64 / v.rows as f64)
            }
            _ => round4(columns_part),
        };
        let grade = if score >= 0.95 {
            "good"
        } else if score >= 0.8 {
            "fair"
        } else {
            "poor"
        };

        // Accuracy.
        let accuracy = match bundle.sample() {
            Some(sample) if rows > 0 => {
                let rates: Vec<f64> = schema
                    .inputs()
                    .map(|f| match by_feature.get(f.name.as_str()) {
                        None => 1.0,
                        Some(p) if p.rows == 0 => 1.0,
                        Some(p) => {
                            let blank = if f.required { 0 } else { p.missing };
                            let invalid = if f.on_invalid == crate::intake::schema::Policy::Reject {
                                0
                            } else {
                                p.invalid
                            };
                            (blank + invalid) as f64 / p.rows as f64
                        }
                    })
                    .collect();
                estimate_auc(
                    bundle.model(),
                    sample,
                    &rates,
                    options.repeats,
                    options.seed,
                )?
            }
            _ => None,
        };

        let mut report = QualityReport {
            rows,
            columns: profile.columns.len(),
            rows_accepted: validation.map(|v| v.accepted),
            rows_rejected: validation.map(|v| v.rejected),
            score,
            grade: grade.into(),
            mapping: mapping
                .features
                .iter()
                .map(|m| MappedFeature {
                    feature: m.feature.clone(),
                    header: m.header.clone(),
                    confidence: m.confidence,
                    source: m.source,
                    required: m.required,
                    ambiguous: m.ambiguous,
                })
                .collect(),
            missing_features: mapping.missing().iter().map(|s| s.to_string()).collect(),
            unmapped_columns: mapping
                .unmapped_headers()
                .iter()
                .map(|s| s.to_string())
                .collect(),
            column_quality,
            accuracy,
            suggestions: Vec::new(),
        };
        report.suggestions = suggestions(&report, profile, mapping, schema, validation, options);
        Ok(report)
    }

    /// The report as pretty JSON.
    ///
    /// ```
    /// # let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// # let t = churn_core::Table::from_csv_str("tenure\n5\n")?;
    /// let r = churn_core::quality_report(&t, &b, None)?;
    /// let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    /// assert!(v["score"].is_number());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The report as readable text.
    ///
    /// ```
    /// # let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// # let t = churn_core::Table::from_csv_str("tenure\n5\n")?;
    /// let text = churn_core::quality_report(&t, &b, None)?.to_text();
    /// assert!(text.contains("Suggestions"));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "Data-quality report");
        let _ = writeln!(s, "===================");
        let _ = write!(s, "Rows: {}", self.rows);
        if let (Some(a), Some(r)) = (self.rows_accepted, self.rows_rejected) {
            let _ = write!(s, " ({a} accepted, {r} rejected)");
        }
        let _ = writeln!(s, "    Columns: {}", self.columns);
        let _ = writeln!(s, "Quality score: {:.2} ({})", self.score, self.grade);
        match &self.accuracy {
            Some(a) => {
                let _ = writeln!(
                    s,
                    "Estimated AUC: {:.4} with this table's missing data, {:.4} on complete data ({}{:.4}); {} labelled reference rows x {} repeats",
                    a.expected_auc,
                    a.complete_auc,
                    if a.drop > 0.0 { "-" } else { "+" },
                    a.drop.abs(),
                    a.reference_rows,
                    a.repeats
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "Estimated AUC: not available (the bundle has no labelled reference sample)"
                );
            }
        }
        let mapped = self.mapping.iter().filter(|m| m.header.is_some()).count();
        let _ = writeln!(
            s,
            "\nMapping: {mapped} of {} features mapped",
            self.mapping.len()
        );
        let w1 = self
            .mapping
            .iter()
            .map(|m| m.feature.chars().count())
            .max()
            .unwrap_or(7)
            .max(7);
        let w2 = self
            .mapping
            .iter()
            .filter_map(|m| m.header.as_ref().map(|h| h.chars().count()))
            .max()
            .unwrap_or(6)
            .clamp(6, 40);
        let _ = writeln!(
            s,
            "  {:w1$}  {:w2$}  confidence  source",
            "feature", "column"
        );
        for m in &self.mapping {
            let h: String = m
                .header
                .clone()
                .unwrap_or_else(|| "-".into())
                .chars()
                .take(40)
                .collect();
            let _ = writeln!(
                s,
                "  {:w1$}  {:w2$}  {:>10}  {}{}{}",
                m.feature,
                h,
                if m.header.is_some() {
                    format!("{:.2}", m.confidence)
                } else {
                    "-".into()
                },
                m.source.map_or("-", |x| x.as_str()),
                if m.required { ", required" } else { "" },
                if m.ambiguous { ", ambiguous" } else { "" },
            );
        }
        let list = |v: &[String]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.join(", ")
            }
        };
        let _ = writeln!(
            s,
            "Features without a column: {}",
            list(&self.missing_features)
        );
        let _ = writeln!(s, "Columns not used: {}", list(&self.unmapped_columns));
        let _ = writeln!(s, "\nColumns");
        let wc = self
            .column_quality
            .iter()
            .map(|c| c.header.chars().count())
            .max()
            .unwrap_or(6)
            .clamp(6, 40);
        let _ = writeln!(
            s,
            "  {:wc$}  {:>8}  {:>8}  {:>8}  {:>8}  {:<7}  {:>5}  drift",
            "column", "complete", "valid", "unique", "type", "", "score"
        );
        for c in &self.column_quality {
            let h: String = c.header.chars().take(40).collect();
            let drift = match &c.drift {
                Some(d) => format!(
                    "PSI {:.3} {} ({}: {} -> {})",
                    d.psi,
                    d.band,
                    d.moved,
                    pct(d.expected_share),
                    pct(d.actual_share)
                ),
                None => "-".into(),
            };
            let _ = writeln!(
                s,
                "  {:wc$}  {:>8}  {:>8}  {:>8}  {:>8}  {:<7}  {:>5}  {}",
                h,
                pct(c.completeness),
                c.validity.map_or("-".into(), pct),
                pct(c.uniqueness),
                pct(c.type_consistency),
                c.dominant_type,
                c.score.map_or("-".into(), |x| format!("{x:.2}")),
                drift
            );
        }
        let _ = writeln!(s, "\nSuggestions");
        if self.suggestions.is_empty() {
            let _ = writeln!(s, "  none: the table looks ready to score");
        }
        for g in &self.suggestions {
            let _ = writeln!(s, "  [{}] {}", g.severity.as_str(), g.message);
        }
        s
    }
}

fn suggestions(
    report: &QualityReport,
    profile: &QualityProfile,
    mapping: &Mapping,
    schema: &Schema,
    validation: Option<&ValidationSummary>,
    options: &ReportOptions,
) -> Vec<Suggestion> {
    let mut out: Vec<Suggestion> = Vec::new();
    let mut add = |severity: Severity, column: Option<&str>, message: String| {
        out.push(Suggestion {
            severity,
            column: column.map(str::to_string),
            message,
        })
    };
    if report.rows == 0 {
        add(Severity::Error, None, "the table has no data rows".into());
    }
    // Features without a column.
    for m in &mapping.features {
        if m.column.is_some() || m.kind == ValueKind::Label {
            continue;
        }
        let closest = m
            .alternatives
            .first()
            .map(|c| {
                format!(
                    "; closest column: '{}' ({:.2}), map it with an override if that is it",
                    c.header, c.confidence
                )
            })
            .unwrap_or_default();
        let loss = report
            .accuracy
            .as_ref()
            .and_then(|a| a.largest_losses.iter().find(|(f, _)| *f == m.feature))
            .map(|(_, l)| format!(" (costs about {l:.3} AUC)"))
            .unwrap_or_default();
        if m.required {
            add(
                Severity::Error,
                Some(&m.feature),
                format!(
                    "required feature '{}' has no column: every row is rejected{closest}",
                    m.feature
                ),
            );
        } else if m.kind.is_input() {
            add(
                Severity::Warning,
                Some(&m.feature),
                format!(
                    "'{}' has no column: rows are scored as if it were unknown{loss}{closest}",
                    m.feature
                ),
            );
        } else {
            add(
                Severity::Info,
                Some(&m.feature),
                format!("'{}' has no column{closest}", m.feature),
            );
        }
    }
    // Ambiguous or low-confidence matches.
    for m in &mapping.features {
        if m.ambiguous {
            add(
                Severity::Warning,
                Some(&m.feature),
                format!("'{}': {}", m.feature, m.note.clone().unwrap_or_default()),
            );
        } else if let (Some(h), Some(src)) = (&m.header, m.source) {
            if m.confidence < 0.9 && src != MatchSource::Override {
                add(
                    Severity::Info,
                    Some(h),
                    format!(
                        "'{h}' was matched to '{}' by {} with confidence {:.2}: check it",
                        m.feature,
                        src.as_str(),
                        m.confidence
                    ),
                );
            }
        }
    }
    // Per column: blanks, invalid values, duplicates, drift.
    for p in &profile.columns {
        let Some(feature) = p.feature.as_deref() else {
            continue;
        };
        let Some(spec) = schema.feature(feature) else {
            continue;
        };
        let h = &p.header;
        if p.missing > 0 && spec.kind != ValueKind::Label {
            let share = p.missing as f64 / p.rows.max(1) as f64;
            let mut msg = format!(
                "'{h}' is blank in {} row{} ({})",
                p.missing,
                if p.missing == 1 { "" } else { "s" },
                pct(share)
            );
            // A value of another feature shared by every blank row and rare elsewhere.
            let mut best: Option<(String, String, u64)> = None;
            for (of, vals) in &p.missing_with {
                for (v, &c) in vals {
                    if c != p.missing {
                        continue;
                    }
                    let overall = profile
                        .columns
                        .iter()
                        .find(|q| q.feature.as_deref() == Some(of.as_str()))
                        .and_then(|q| q.values.get(v).copied());
                    let Some(overall) = overall else { continue };
                    // Only a pattern chance cannot explain: at least 3 blanks, and
                    // share^blanks < 1% for the value's share among the rows.
                    let share = overall as f64 / p.rows.max(1) as f64;
                    if p.missing < 3 || share.powf(p.missing as f64) >= 0.01 {
                        continue;
                    }
                    if best.as_ref().is_none_or_gt(overall) {
                        best = Some((of.clone(), v.clone(), overall));
                    }
                }
            }
            if let Some((of, v, overall)) = best {
                let _ = write!(msg, ", all with {of} {v}");
                if overall == p.missing {
                    let _ = write!(msg, " (and every row with {of} {v} has it blank)");
                }
                let tenure_like = schema.feature(&of).is_some_and(|f| {
                    f.concept.as_deref() == Some("tenure") || of.to_lowercase().contains("tenure")
                });
                if tenure_like && v == "0" {
                    msg.push_str(": new customers not billed yet? 0 may be the right value");
                } else {
                    msg.push_str(": the blanks follow a pattern, check how the export fills them");
                }
            } else if spec.kind == ValueKind::Identifier {
                msg.push_str(": these rows have no customer id");
            } else if !spec.required {
                msg.push_str(": these rows are scored with the value missing");
            }
            if spec.required {
                msg.push_str(if spec.kind == ValueKind::Identifier {
                    " and are rejected (the id is required)"
                } else {
                    ": the feature is required, so these rows are rejected"
                });
            }
            let sev = if spec.required || share > spec.warn_above {
                Severity::Warning
            } else {
                Severity::Info
            };
            add(sev, Some(h), msg);
        }
        if p.invalid > 0 {
            let ex: Vec<String> = p
                .invalid_examples
                .iter()
                .map(|e| format!("{e:?}"))
                .collect();
            let what = match spec.kind {
                ValueKind::Categorical if !spec.categories.is_empty() => "not a known category",
                ValueKind::Categorical => "not an integer category code",
                ValueKind::Numeric => "not a number, or out of range",
                ValueKind::Boolean => "not yes/no",
                ValueKind::DateDerived => "not a date or a number, or out of range",
                _ => "not valid",
            };
            let policy = match spec.on_invalid {
                crate::intake::schema::Policy::Reject => "their rows are rejected",
                crate::intake::schema::Policy::Missing => "they are scored as missing",
                crate::intake::schema::Policy::Clamp => "they are clamped or scored as missing",
            };
            add(
                Severity::Warning,
                Some(h),
                format!(
                    "'{h}' has {} invalid value{} ({what}; e.g. {}): {policy}; fix them at the source",
                    p.invalid,
                    if p.invalid == 1 { "" } else { "s" },
                    ex.join(", ")
                ),
            );
        }
        if spec.kind == ValueKind::Identifier {
            let non_missing = p.rows.saturating_sub(p.missing) as f64;
            let distinct = p.distinct.estimate();
            if non_missing > 0.0 && distinct + 0.5 < non_missing {
                let dup = (non_missing - distinct).round();
                add(
                    Severity::Warning,
                    Some(h),
                    format!(
                        "'{h}' has {dup} duplicate id{}: later duplicates are rejected",
                        if dup == 1.0 { "" } else { "s" }
                    ),
                );
            }
        }
    }
    for c in &report.column_quality {
        if let Some(d) = &c.drift {
            if d.psi >= 0.1 {
                add(
                    if d.psi > 0.25 { Severity::Warning } else { Severity::Info },
                    Some(&c.header),
                    format!(
                        "'{}' differs from the training data (PSI {:.2}, {}): {} is {} here vs {} in training",
                        c.header,
                        d.psi,
                        d.band,
                        d.moved,
                        pct(d.actual_share),
                        pct(d.expected_share)
                    ),
                );
            }
        }
    }
    if let Some(a) = &report.accuracy {
        if a.drop >= 0.01 {
            let worst = a
                .largest_losses
                .first()
                .map(|(f, l)| format!("; the largest loss comes from '{f}' ({l:.3})"))
                .unwrap_or_default();
            add(
                if a.drop >= 0.03 { Severity::Warning } else { Severity::Info },
                None,
                format!(
                    "with this table's missing data the model's AUC is expected to fall from {:.3} to {:.3}{worst}",
                    a.complete_auc, a.expected_auc
                ),
            );
        }
    }
    if let Some(v) = validation {
        if v.rejected > 0 {
            let mut codes: Vec<(u64, &str)> = v
                .rejected_by_code
                .iter()
                .map(|(k, n)| (*n, k.as_str()))
                .collect();
            crate::order::sort_by(&mut codes, |a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
            let top: Vec<String> = codes
                .iter()
                .take(3)
                .map(|(n, k)| format!("{k} x{n}"))
                .collect();
            add(
                Severity::Warning,
                None,
                format!(
                    "{} of {} rows are rejected by validation (rows per reason: {})",
                    v.rejected,
                    v.rows,
                    top.join(", ")
                ),
            );
        }
        for issue in v.threshold_issues(schema) {
            add(issue.severity, issue.feature.as_deref(), issue.message);
        }
    }
    crate::order::sort_by_key(&mut out, |s| std::cmp::Reverse(s.severity));
    out.truncate(options.max_suggestions);
    out
}

trait OptGt {
    fn is_none_or_gt(&self, v: u64) -> bool;
}

impl OptGt for Option<&(String, String, u64)> {
    fn is_none_or_gt(&self, v: u64) -> bool {
        match self {
            None => true,
            Some((_, _, x)) => *x > v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_with_ties() {
        assert_eq!(auc(&[0.5, 0.5], &[0.0, 1.0]), Some(0.5));
        assert_eq!(auc(&[0.1, 0.9], &[0.0, 1.0]), Some(1.0));
    }

    #[test]
    fn sketch_merge_is_order_free() {
        let mut a = DistinctSketch::new(4);
        let mut b = DistinctSketch::new(4);
        for i in 0..100 {
            a.insert(&i.to_string());
        }
        for i in (0..100).rev() {
            b.insert(&i.to_string());
        }
        assert_eq!(a, b);
    }

    #[test]
    fn profiles_merge_to_whole() {
        let s = Schema::from_names(&["tenure", "x"]);
        let t = Table::from_csv_str("tenure,x\n1,a\n,b\n3,\nzz,c\n").unwrap();
        let m = map_columns(&t.headers, &s, None, None).unwrap();
        let whole = profile_chunk(&t, &m, &s, None, &NormalizeOptions::default());
        let a = Table::new(t.headers.clone(), t.rows[..2].to_vec());
        let b = Table::new(t.headers.clone(), t.rows[2..].to_vec()).starting_at(3);
        let mut p = profile_chunk(&a, &m, &s, None, &NormalizeOptions::default());
        p.merge(&profile_chunk(
            &b,
            &m,
            &s,
            None,
            &NormalizeOptions::default(),
        ))
        .unwrap();
        assert_eq!(p, whole);
    }
}
