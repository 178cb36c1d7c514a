//! Step 1 of the report: a chunk's per-column counts, which merge across chunks (no rows are
//! stored).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::sketch::DistinctSketch;
use crate::error::{Error, Result};
use crate::intake::mapping::Mapping;
use crate::intake::normalize::{self, normalize_cell, Cell, NormalizeOptions};
use crate::intake::schema::{FeatureSpec, Schema, ValueKind};
use crate::intake::table::Table;
use crate::report::reference::{
    category_name, fmt_num, FeatureReference, ReferenceKind, ReferenceProfile,
};

const SKETCH_ID: usize = 8192;
const SKETCH_OTHER: usize = 512;
const VALUES_CAP: usize = 256;
const COOCCUR_CAP: usize = 4096;

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

    pub(super) fn total(&self) -> u64 {
        self.numbers + self.booleans + self.dates + self.texts
    }

    pub(super) fn dominant(&self) -> (&'static str, u64) {
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
    let placed: Vec<Placed> = specs
        .iter()
        .map(|&spec| Placed {
            spec,
            reference: spec.and_then(|s| reference.and_then(|r| r.feature(&s.name))),
        })
        .collect();
    let mut cols: Vec<ColumnProfile> = placed
        .iter()
        .enumerate()
        .map(|(c, at)| empty_column(c, &table.headers[c], at))
        .collect();
    let mut scratch = RowScratch::default();
    let mut cooccur_n: Vec<usize> = vec![0; width];
    let mut empty_rows = 0u64;
    for cells in &table.rows {
        scratch.shown.clear();
        scratch.blank.clear();
        if cells.iter().all(|c| normalize::is_missing(c)) {
            empty_rows += 1; // reported by the validator (empty_row), not as blanks per column
            continue;
        }
        for (c, p) in cols.iter_mut().enumerate() {
            let raw = cells.get(c).map(String::as_str).unwrap_or("");
            profile_cell(p, c, placed[c], raw, options, &mut scratch);
        }
        note_blanks(&mut cols, &specs, &scratch, &mut cooccur_n);
    }
    QualityProfile {
        rows: table.rows.len() as u64,
        empty_rows,
        columns: cols,
    }
}

/// A column's schema feature and training reference, when it has them.
#[derive(Clone, Copy)]
struct Placed<'a> {
    spec: Option<&'a FeatureSpec>,
    reference: Option<&'a FeatureReference>,
}

/// What one row leaves for the blank co-occurrence counts.
#[derive(Default)]
struct RowScratch {
    /// Valid values of mapped columns, as displayed: (column, value).
    shown: Vec<(usize, String)>,
    /// Blank cells of mapped non-identifier columns.
    blank: Vec<usize>,
}

/// A column's profile before any row: the identifier gets the larger sketch (duplicates
/// matter there), a numeric feature with a reference one counter per reference bin.
fn empty_column(c: usize, header: &str, at: &Placed) -> ColumnProfile {
    ColumnProfile {
        column: c,
        header: header.to_string(),
        feature: at.spec.map(|s| s.name.clone()),
        distinct: DistinctSketch::new(
            if at.spec.is_some_and(|s| s.kind == ValueKind::Identifier) {
                SKETCH_ID
            } else {
                SKETCH_OTHER
            },
        ),
        bins: match at.reference {
            Some(r) if r.kind == ReferenceKind::Numeric => vec![0; r.edges.len() + 1],
            _ => Vec::new(),
        },
        ..ColumnProfile::default()
    }
}

/// Counts one cell: blank, detected type, distinct value and, for a mapped column, valid or
/// invalid (with the valid value's bin, category and display value).
fn profile_cell(
    p: &mut ColumnProfile,
    c: usize,
    at: Placed,
    raw: &str,
    options: &NormalizeOptions,
    scratch: &mut RowScratch,
) {
    p.rows += 1;
    if normalize::is_missing(raw) {
        p.missing += 1;
        if at.spec.is_some_and(|s| s.kind != ValueKind::Identifier) {
            scratch.blank.push(c);
        }
        return;
    }
    count_type(&mut p.types, raw);
    p.distinct.insert(raw);
    let Some(spec) = at.spec else { return };
    let ok = match normalize_cell(spec, raw, options) {
        Cell::Value(v) => {
            let in_range = spec.min.is_none_or_le(v) && spec.max.is_none_or_ge(v);
            if in_range && spec.kind != ValueKind::Identifier {
                let shown = count_value(p, spec, at.reference, raw, v);
                scratch.shown.push((c, shown));
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

/// The type a non-blank cell looks like; yes/no words first, as `1`/`0` are numbers here.
fn count_type(t: &mut TypeCounts, raw: &str) {
    let lower = raw.trim().to_lowercase();
    if matches!(lower.as_str(), "yes" | "no" | "y" | "n" | "true" | "false") {
        t.booleans += 1;
    } else if normalize::parse_number(raw).is_some() {
        t.numbers += 1;
    } else if normalize::parse_date(raw).is_some() {
        t.dates += 1;
    } else {
        t.texts += 1;
    }
}

/// Counts a valid in-range value in its reference bin or category and among the displayed
/// values; returns how it is displayed.
fn count_value(
    p: &mut ColumnProfile,
    spec: &FeatureSpec,
    reference: Option<&FeatureReference>,
    raw: &str,
    v: f64,
) -> String {
    if let Some(r) = reference {
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
    d
}

/// For each blank cell of the row: the other features' values in the same row (the
/// suggestions look for a value every blank shares).
fn note_blanks(
    cols: &mut [ColumnProfile],
    specs: &[Option<&FeatureSpec>],
    scratch: &RowScratch,
    cooccur_n: &mut [usize],
) {
    for &c in &scratch.blank {
        for (oc, v) in &scratch.shown {
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
