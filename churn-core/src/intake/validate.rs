//! The feature validator: every cell checked, every problem collected, every row accepted or
//! rejected with its reasons.
//!
//! [`validate`] is lazy in the sense of "collect everything": it never stops at the first
//! problem. Each problem is an [`Issue`] with a stable [`IssueCode`], the row number, the
//! customer id when known, the column, the raw value, a message and a [`Severity`]. Errors
//! reject the row; warnings and infos do not. The per-feature [`Policy`] decides whether an
//! invalid cell rejects the row, becomes missing, or (out-of-range numbers) is clamped.
//! Summaries are plain counts, so the summaries of the chunks of a large file merge exactly
//! ([`ValidationSummary::merge`]). Duplicate ids are found within a chunk; a streaming caller
//! that needs file-wide duplicate detection passes the ids it has seen to the next chunk via
//! [`ValidateOptions::seen_ids`].
//!
//! ```
//! use churn_core::{map_columns, validate, Schema, Table, ValidateOptions};
//! let schema = Schema::from_names(&["tenure", "MonthlyCharges"]);
//! let table = Table::from_csv_str("tenure,Monthly Charges\n3,$20.50\nabc,10\n,5\n")?;
//! let mapping = map_columns(&table.headers, &schema, Some(table.sample(100)), None)?;
//! let v = validate(&table, &mapping, &schema, &ValidateOptions::default());
//! assert_eq!(v.rows, [1, 3]);                          // row 2 has a non-number tenure
//! assert_eq!(v.rejected[0].row, 2);
//! assert_eq!(v.rejected[0].codes, [churn_core::IssueCode::TypeMismatch]);
//! assert_eq!(v.features[[0, 1]], 20.5);
//! assert!(v.features[[1, 0]].is_nan());                // blank -> missing (optional feature)
//! assert_eq!(v.summary.accepted + v.summary.rejected, v.summary.rows);
//! # Ok::<(), churn_core::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap};

use ndarray::Array2;
use serde::{Deserialize, Serialize};

// The issue types sit below the normaliser, which reports invalid cells with them; their
// public path stays here.
pub use crate::intake::issue::{Issue, IssueCode, Severity};
use crate::intake::mapping::Mapping;
use crate::intake::normalize::{self, normalize_cell, Cell, NormalizeOptions};
use crate::intake::schema::{FeatureSpec, Policy, Schema};
use crate::intake::table::Table;

/// A row the validator rejected, with every reason.
///
/// ```
/// use churn_core::{map_columns, validate, Schema, Table, ValidateOptions};
/// let s = Schema::from_names(&["tenure"]);
/// let t = Table::from_csv_str("tenure\nlots\n")?;
/// let v = validate(&t, &map_columns(&t.headers, &s, None, None)?, &s, &ValidateOptions::default());
/// assert_eq!(v.rejected[0].reasons.len(), v.rejected[0].codes.len());
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RejectedRow {
    /// 1-based data-row number in the file.
    pub row: u64,
    /// Customer id, when known.
    pub customer_id: Option<String>,
    /// The codes of the errors, in column order.
    pub codes: Vec<IssueCode>,
    /// The error messages, in the same order.
    pub reasons: Vec<String>,
}

/// Problem counts of one feature.
///
/// ```
/// use churn_core::{map_columns, validate, Schema, Table, ValidateOptions};
/// let s = Schema::from_names(&["tenure"]);
/// let t = Table::from_csv_str("tenure,x\n,1\n2,1\n")?;
/// let v = validate(&t, &map_columns(&t.headers, &s, None, None)?, &s, &ValidateOptions::default());
/// assert_eq!(v.summary.features["tenure"].missing, 1);
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureCounts {
    /// Rows checked.
    pub rows: u64,
    /// Blank cells.
    pub missing: u64,
    /// Cells of the wrong type or an unknown category.
    pub invalid: u64,
    /// Numbers outside the range.
    pub out_of_range: u64,
    /// Numbers clamped into the range.
    pub clamped: u64,
    /// Rows with any problem in this feature (blank, invalid or out of range).
    pub problem_rows: u64,
}

/// Counts that summarise a validation; summaries of chunks merge exactly.
///
/// ```
/// let s = churn_core::ValidationSummary::default();
/// assert_eq!(s.accepted + s.rejected, s.rows);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidationSummary {
    /// Rows seen.
    pub rows: u64,
    /// Rows accepted (scored).
    pub accepted: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// Issues per code.
    pub by_code: BTreeMap<IssueCode, u64>,
    /// Issues per severity.
    pub by_severity: BTreeMap<Severity, u64>,
    /// Rejected rows per reason code (a row rejected for two reasons counts under both).
    pub rejected_by_code: BTreeMap<IssueCode, u64>,
    /// Per-feature counts (schema features that have a column).
    pub features: BTreeMap<String, FeatureCounts>,
    /// Issues counted but not listed in `Validated::issues` (beyond `max_issues`).
    pub issues_not_listed: u64,
}

impl ValidationSummary {
    /// Adds another chunk's summary to this one.
    ///
    /// ```
    /// let mut a = churn_core::ValidationSummary { rows: 2, accepted: 2, ..Default::default() };
    /// let b = churn_core::ValidationSummary { rows: 3, accepted: 1, rejected: 2, ..Default::default() };
    /// a.merge(&b);
    /// assert_eq!((a.rows, a.accepted, a.rejected), (5, 3, 2));
    /// ```
    pub fn merge(&mut self, other: &ValidationSummary) {
        self.rows += other.rows;
        self.accepted += other.accepted;
        self.rejected += other.rejected;
        for (k, v) in &other.by_code {
            *self.by_code.entry(*k).or_default() += v;
        }
        for (k, v) in &other.by_severity {
            *self.by_severity.entry(*k).or_default() += v;
        }
        for (k, v) in &other.rejected_by_code {
            *self.rejected_by_code.entry(*k).or_default() += v;
        }
        for (k, v) in &other.features {
            let e = self.features.entry(k.clone()).or_default();
            e.rows += v.rows;
            e.missing += v.missing;
            e.invalid += v.invalid;
            e.out_of_range += v.out_of_range;
            e.clamped += v.clamped;
            e.problem_rows += v.problem_rows;
        }
        self.issues_not_listed += other.issues_not_listed;
    }

    /// Table-level issues for features whose share of problem rows passes the schema's
    /// `warn_above` (warning) or `error_above` (error) threshold. Call it on the merged
    /// summary of a whole file.
    ///
    /// ```
    /// use churn_core::{Schema, ValidationSummary, FeatureCounts};
    /// let schema = Schema::from_names(&["tenure"]);
    /// let mut s = ValidationSummary { rows: 10, ..Default::default() };
    /// s.features.insert("tenure".into(), FeatureCounts { rows: 10, missing: 6, problem_rows: 6, ..Default::default() });
    /// let issues = s.threshold_issues(&schema);
    /// assert_eq!(issues[0].severity, churn_core::Severity::Error);
    /// ```
    pub fn threshold_issues(&self, schema: &Schema) -> Vec<Issue> {
        let mut out = Vec::new();
        for f in &schema.features {
            let Some(c) = self.features.get(&f.name) else {
                continue;
            };
            if c.rows == 0 {
                continue;
            }
            let share = c.problem_rows as f64 / c.rows as f64;
            let severity = if share > f.error_above {
                Severity::Error
            } else if share > f.warn_above {
                Severity::Warning
            } else {
                continue;
            };
            out.push(Issue {
                code: IssueCode::TooManyProblems,
                severity,
                row: None,
                customer_id: None,
                column: None,
                feature: Some(f.name.clone()),
                value: None,
                message: format!(
                    "{:.1}% of rows have a blank or invalid '{}' ({} of {}); the {} threshold is {:.1}%",
                    share * 100.0,
                    f.name,
                    c.problem_rows,
                    c.rows,
                    severity.as_str(),
                    if severity == Severity::Error { f.error_above } else { f.warn_above } * 100.0
                ),
            });
        }
        out
    }
}

/// Settings of [`validate`].
///
/// ```
/// let o = churn_core::ValidateOptions::default();
/// assert_eq!(o.max_issues, 10_000);
/// ```
#[derive(Clone, Debug)]
pub struct ValidateOptions {
    /// Cell normalisation settings (as-of date).
    pub normalize: NormalizeOptions,
    /// At most this many issues are listed; the rest are only counted (default 10,000).
    pub max_issues: usize,
    /// Ids seen in earlier chunks (for file-wide duplicate detection), with their row.
    pub seen_ids: Option<HashMap<String, u64>>,
}

impl Default for ValidateOptions {
    fn default() -> ValidateOptions {
        ValidateOptions {
            normalize: NormalizeOptions::default(),
            max_issues: 10_000,
            seen_ids: None,
        }
    }
}

/// The result of validating one chunk.
///
/// ```
/// use churn_core::{map_columns, validate, Schema, Table, ValidateOptions};
/// let s = Schema::from_names(&["tenure"]);
/// let t = Table::from_csv_str("tenure\n3\n")?;
/// let v = validate(&t, &map_columns(&t.headers, &s, None, None)?, &s, &ValidateOptions::default());
/// assert_eq!((v.features.dim(), v.rows.as_slice()), ((1, 1), &[1u64][..]));
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Validated {
    /// Model inputs of the accepted rows (rows x schema inputs, in model order); NaN = missing.
    pub features: Array2<f64>,
    /// File row numbers of the accepted rows, in the order of `features`.
    pub rows: Vec<u64>,
    /// Customer ids of the accepted rows.
    pub customer_ids: Vec<Option<String>>,
    /// Churn labels of the accepted rows (1 churned, 0 retained), when the label is mapped.
    pub labels: Vec<Option<f64>>,
    /// Rejected rows, each with its reasons.
    pub rejected: Vec<RejectedRow>,
    /// Every issue (up to `max_issues`), in row order, table-level issues first.
    pub issues: Vec<Issue>,
    /// Counts.
    pub summary: ValidationSummary,
}

fn clip(raw: &str) -> String {
    raw.chars().take(100).collect()
}

struct Collector {
    issues: Vec<Issue>,
    max: usize,
    summary: ValidationSummary,
}

impl Collector {
    fn push(&mut self, issue: Issue) {
        *self.summary.by_code.entry(issue.code).or_default() += 1;
        *self.summary.by_severity.entry(issue.severity).or_default() += 1;
        if self.issues.len() < self.max {
            self.issues.push(issue);
        } else {
            self.summary.issues_not_listed += 1;
        }
    }
}

/// The cell an issue is about: its column, the feature it feeds and the raw text.
#[derive(Clone, Copy)]
struct At<'a> {
    column: usize,
    feature: &'a str,
    raw: &'a str,
}

/// One row's findings. Every issue is collected as it is found; errors are also kept as the
/// row's reasons, so a rejected row lists them in the order the checks ran.
struct RowFindings<'a> {
    row: u64,
    customer_id: Option<String>,
    headers: &'a [String],
    codes: Vec<IssueCode>,
    reasons: Vec<String>,
}

impl RowFindings<'_> {
    fn issue(
        &mut self,
        col: &mut Collector,
        code: IssueCode,
        severity: Severity,
        at: Option<At<'_>>,
        message: String,
    ) {
        if severity == Severity::Error {
            self.codes.push(code);
            self.reasons.push(message.clone());
        }
        col.push(Issue {
            code,
            severity,
            row: Some(self.row),
            customer_id: self.customer_id.clone(),
            column: at.and_then(|a| self.headers.get(a.column).cloned()),
            feature: at.map(|a| a.feature.to_string()),
            value: at.map(|a| clip(a.raw)),
            message,
        });
    }
}

/// A schema feature and the column the mapping gave it.
type Placed<'a> = (&'a FeatureSpec, Option<usize>);

/// The state of one [`validate`] call: where each feature is, and what was found so far.
struct Validator<'a> {
    headers: &'a [String],
    inputs: Vec<Placed<'a>>,
    id: Option<Placed<'a>>,
    label: Option<Placed<'a>>,
    /// Required features without a column: a reason to reject every row.
    missing_required: Vec<&'a str>,
    normalize: &'a NormalizeOptions,
    col: Collector,
    counts: Vec<FeatureCounts>,
    /// Customer id -> the row it was first seen in (earlier chunks included).
    seen: HashMap<String, u64>,
    /// Model inputs of the accepted rows, row-major.
    flat: Vec<f64>,
    rows: Vec<u64>,
    ids: Vec<Option<String>>,
    labels: Vec<Option<f64>>,
    rejected: Vec<RejectedRow>,
}

impl<'a> Validator<'a> {
    fn new(
        table: &'a Table,
        mapping: &Mapping,
        schema: &'a Schema,
        options: &'a ValidateOptions,
    ) -> Validator<'a> {
        let inputs: Vec<Placed<'a>> = schema
            .inputs()
            .map(|f| (f, mapping.column_of(&f.name)))
            .collect();
        let mut col = Collector {
            issues: Vec::new(),
            max: options.max_issues,
            summary: ValidationSummary::default(),
        };
        let missing_required = missing_columns(&mut col, mapping, schema);
        Validator {
            headers: &table.headers,
            counts: vec![FeatureCounts::default(); inputs.len()],
            inputs,
            id: schema.identifier().map(|f| (f, mapping.column_of(&f.name))),
            label: schema.label().map(|f| (f, mapping.column_of(&f.name))),
            missing_required,
            normalize: &options.normalize,
            col,
            seen: options.seen_ids.clone().unwrap_or_default(),
            flat: Vec::new(),
            rows: Vec::new(),
            ids: Vec::new(),
            labels: Vec::new(),
            rejected: Vec::new(),
        }
    }

    /// Checks one row and files it as accepted or rejected.
    fn row(&mut self, row_no: u64, cells: &[String]) {
        self.col.summary.rows += 1;
        let customer_id: Option<String> = self
            .id
            .and_then(|(_, c)| c)
            .and_then(|c| cells.get(c))
            .filter(|v| !normalize::is_missing(v))
            .map(|v| clip(v.trim()));
        let mut found = RowFindings {
            row: row_no,
            customer_id,
            headers: self.headers,
            codes: Vec::new(),
            reasons: Vec::new(),
        };
        if cells.iter().all(|c| normalize::is_missing(c)) {
            let message = format!("row {row_no} is empty");
            found.issue(
                &mut self.col,
                IssueCode::EmptyRow,
                Severity::Error,
                None,
                message,
            );
            self.reject(found);
            return;
        }
        let width = self.headers.len();
        if cells.len() != width {
            let message = format!(
                "row {row_no} has {} cells but the header has {width}; {}",
                cells.len(),
                if cells.len() < width {
                    "the missing cells are read as blank"
                } else {
                    "the extra cells are ignored"
                }
            );
            found.issue(
                &mut self.col,
                IssueCode::RaggedRow,
                Severity::Warning,
                None,
                message,
            );
        }
        for name in &self.missing_required {
            found.codes.push(IssueCode::MissingColumn);
            found
                .reasons
                .push(format!("required feature '{name}' has no column"));
        }
        self.check_id(&mut found, cells);
        let values = self.check_inputs(&mut found, cells);
        let label = self.read_label(&mut found, cells);
        if found.codes.is_empty() {
            self.col.summary.accepted += 1;
            self.flat.extend_from_slice(&values);
            self.rows.push(found.row);
            self.ids.push(found.customer_id);
            self.labels.push(label);
        } else {
            self.reject(found);
        }
    }

    /// A blank id, or an id an earlier row already had.
    fn check_id(&mut self, found: &mut RowFindings<'_>, cells: &[String]) {
        let Some((spec, Some(c))) = self.id else {
            return;
        };
        let raw = cells.get(c).map(String::as_str).unwrap_or("");
        let at = Some(At {
            column: c,
            feature: &spec.name,
            raw,
        });
        let row_no = found.row;
        match found.customer_id.clone() {
            None => {
                let severity = if spec.required {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                let message = format!("row {row_no} has no customer id");
                found.issue(&mut self.col, IssueCode::MissingId, severity, at, message);
            }
            Some(cid) => {
                if let Some(&first) = self.seen.get(&cid) {
                    let message =
                        format!("customer id {cid:?} in row {row_no} was already in row {first}");
                    found.issue(
                        &mut self.col,
                        IssueCode::DuplicateId,
                        Severity::Error,
                        at,
                        message,
                    );
                } else {
                    self.seen.insert(cid, row_no);
                }
            }
        }
    }

    /// The row's model inputs (NaN = missing), each cell checked against its feature.
    fn check_inputs(&mut self, found: &mut RowFindings<'_>, cells: &[String]) -> Vec<f64> {
        let mut values = vec![f64::NAN; self.inputs.len()];
        for (k, value) in values.iter_mut().enumerate() {
            let (spec, Some(c)) = self.inputs[k] else {
                continue;
            };
            self.counts[k].rows += 1;
            let raw = cells.get(c).map(String::as_str).unwrap_or("");
            let at = At {
                column: c,
                feature: &spec.name,
                raw,
            };
            let (v, problem) = self.check_cell(found, k, spec, at);
            *value = v;
            if problem {
                self.counts[k].problem_rows += 1;
            }
        }
        values
    }

    /// One input cell: its value (NaN when missing or dropped) and whether it had a problem.
    fn check_cell(
        &mut self,
        found: &mut RowFindings<'_>,
        k: usize,
        spec: &FeatureSpec,
        at: At<'_>,
    ) -> (f64, bool) {
        match normalize_cell(spec, at.raw, self.normalize) {
            Cell::Value(v) => self.check_range(found, k, spec, at, v),
            Cell::Missing => {
                self.counts[k].missing += 1;
                let (code, severity, message) = if spec.required {
                    (
                        IssueCode::MissingRequired,
                        Severity::Error,
                        format!("required '{}' is blank", spec.name),
                    )
                } else {
                    (
                        IssueCode::MissingValue,
                        Severity::Info,
                        format!("'{}' is blank: scored as missing", spec.name),
                    )
                };
                found.issue(&mut self.col, code, severity, Some(at), message);
                (f64::NAN, true)
            }
            Cell::Invalid { code, reason } => {
                self.counts[k].invalid += 1;
                let (severity, what) = match spec.on_invalid {
                    Policy::Reject => (Severity::Error, "the row is rejected"),
                    Policy::Missing | Policy::Clamp => (Severity::Warning, "treated as missing"),
                };
                let message = format!("'{}': {reason}: {what}", spec.name);
                found.issue(&mut self.col, code, severity, Some(at), message);
                (f64::NAN, true)
            }
        }
    }

    /// A valid number against the feature's `min`..`max`, under its invalid-value policy.
    fn check_range(
        &mut self,
        found: &mut RowFindings<'_>,
        k: usize,
        spec: &FeatureSpec,
        at: At<'_>,
        v: f64,
    ) -> (f64, bool) {
        let below = spec.min.is_some_and(|lo| v < lo);
        let above = spec.max.is_some_and(|hi| v > hi);
        if !(below || above) {
            return (v, false);
        }
        self.counts[k].out_of_range += 1;
        let range = format!(
            "{}..{}",
            spec.min.map_or("".into(), |v| v.to_string()),
            spec.max.map_or("".into(), |v| v.to_string())
        );
        let (value, severity, what) = match spec.on_invalid {
            Policy::Reject => (f64::NAN, Severity::Error, "the row is rejected".to_string()),
            Policy::Missing => (
                f64::NAN,
                Severity::Warning,
                "treated as missing".to_string(),
            ),
            Policy::Clamp => {
                let lo = spec.min.unwrap_or(f64::NEG_INFINITY);
                let hi = spec.max.unwrap_or(f64::INFINITY);
                let cl = v.clamp(lo, hi);
                self.counts[k].clamped += 1;
                (cl, Severity::Warning, format!("clamped to {cl}"))
            }
        };
        let message = format!(
            "'{}' is {v}, outside the valid range {range}: {what}",
            spec.name
        );
        found.issue(
            &mut self.col,
            IssueCode::OutOfRange,
            severity,
            Some(at),
            message,
        );
        (value, true)
    }

    /// The churn label, when mapped and readable (an unreadable one is only a warning).
    fn read_label(&mut self, found: &mut RowFindings<'_>, cells: &[String]) -> Option<f64> {
        let Some((spec, Some(c))) = self.label else {
            return None;
        };
        let raw = cells.get(c).map(String::as_str).unwrap_or("");
        match normalize_cell(spec, raw, self.normalize) {
            Cell::Value(v) => Some(v),
            Cell::Missing => None,
            Cell::Invalid { reason, .. } => {
                let at = At {
                    column: c,
                    feature: &spec.name,
                    raw,
                };
                let message = format!("label '{}': {reason}", spec.name);
                found.issue(
                    &mut self.col,
                    IssueCode::InvalidLabel,
                    Severity::Warning,
                    Some(at),
                    message,
                );
                None
            }
        }
    }

    /// Counts a rejected row once under each of its distinct reasons.
    fn reject(&mut self, found: RowFindings<'_>) {
        self.col.summary.rejected += 1;
        let mut distinct = found.codes.clone();
        crate::order::sort(&mut distinct);
        distinct.dedup();
        for c in distinct {
            *self.col.summary.rejected_by_code.entry(c).or_default() += 1;
        }
        self.rejected.push(RejectedRow {
            row: found.row,
            customer_id: found.customer_id,
            codes: found.codes,
            reasons: found.reasons,
        });
    }

    fn finish(mut self) -> Validated {
        for (k, (spec, c)) in self.inputs.iter().enumerate() {
            if c.is_some() {
                self.col
                    .summary
                    .features
                    .insert(spec.name.clone(), self.counts[k].clone());
            }
        }
        let n_in = self.inputs.len();
        let features = Array2::from_shape_vec((self.rows.len(), n_in), self.flat)
            .unwrap_or_else(|_| Array2::zeros((0, n_in)));
        Validated {
            features,
            rows: self.rows,
            customer_ids: self.ids,
            labels: self.labels,
            rejected: self.rejected,
            issues: self.col.issues,
            summary: self.col.summary,
        }
    }
}

/// Table-level issues for the features without a column (the label aside); returns the
/// required ones, which reject every row.
fn missing_columns<'a>(col: &mut Collector, mapping: &Mapping, schema: &'a Schema) -> Vec<&'a str> {
    let label = schema.label().map(|l| &l.name);
    let mut missing_required: Vec<&str> = Vec::new();
    for f in &schema.features {
        if mapping.column_of(&f.name).is_some() || Some(&f.name) == label {
            continue;
        }
        let severity = if f.required {
            missing_required.push(&f.name);
            Severity::Error
        } else {
            Severity::Warning
        };
        let message = if f.required {
            format!(
                "required feature '{}' has no column: every row is rejected",
                f.name
            )
        } else if f.kind.is_input() {
            format!(
                "feature '{}' has no column: every row is scored with it missing",
                f.name
            )
        } else {
            format!("'{}' has no column", f.name)
        };
        col.push(Issue {
            code: IssueCode::MissingColumn,
            severity,
            row: None,
            customer_id: None,
            column: None,
            feature: Some(f.name.clone()),
            value: None,
            message,
        });
    }
    missing_required
}

/// Validates and normalises a chunk: every row ends up in `rows` (accepted) or `rejected`.
///
/// Pure: the result depends only on the arguments. See the [module docs](self) for the rules.
///
/// ```
/// use churn_core::{map_columns, validate, FeatureSpec, Schema, Table, ValidateOptions, ValueKind};
/// let mut schema = Schema::from_names(&["tenure"]);
/// schema.features.push(FeatureSpec::new("customerID", ValueKind::Identifier));
/// let t = Table::from_csv_str("customerID,tenure\nA,1\nA,2\n")?;
/// let m = map_columns(&t.headers, &schema, None, None)?;
/// let v = validate(&t, &m, &schema, &ValidateOptions::default());
/// assert_eq!(v.rejected[0].codes, [churn_core::IssueCode::DuplicateId]);
/// # Ok::<(), churn_core::Error>(())
/// ```
pub fn validate(
    table: &Table,
    mapping: &Mapping,
    schema: &Schema,
    options: &ValidateOptions,
) -> Validated {
    let mut v = Validator::new(table, mapping, schema, options);
    for (i, cells) in table.rows.iter().enumerate() {
        v.row(table.row_number(i), cells);
    }
    v.finish()
}

/// Ids of accepted rows (for [`ValidateOptions::seen_ids`] of the next chunk).
///
/// ```
/// use churn_core::{map_columns, validate, seen_ids, FeatureSpec, Schema, Table, ValidateOptions, ValueKind};
/// let mut s = Schema::from_names(&["tenure"]);
/// s.features.push(FeatureSpec::new("id", ValueKind::Identifier));
/// let t = Table::from_csv_str("id,tenure\nA,1\n")?;
/// let m = map_columns(&t.headers, &s, None, None)?;
/// let v = validate(&t, &m, &s, &ValidateOptions::default());
/// assert_eq!(seen_ids(&v)["A"], 1);
/// # Ok::<(), churn_core::Error>(())
/// ```
pub fn seen_ids(validated: &Validated) -> HashMap<String, u64> {
    validated
        .customer_ids
        .iter()
        .zip(&validated.rows)
        .filter_map(|(id, r)| Some((id.clone()?, *r)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::mapping::map_columns;
    use crate::intake::schema::ValueKind;

    fn schema() -> Schema {
        let mut s = Schema::from_names(&["tenure", "seats"]);
        s.features[0] = FeatureSpec::new("tenure", ValueKind::Numeric).with_range(Some(0.0), None);
        s.features[0].required = true;
        s.features[1] = FeatureSpec::new("seats", ValueKind::Numeric).with_range(None, Some(10.0));
        s.features[1].on_invalid = Policy::Clamp;
        s.features
            .push(FeatureSpec::new("id", ValueKind::Identifier));
        s.features.push(FeatureSpec::new("Churn", ValueKind::Label));
        s
    }

    /// A row's issues come in check order (shape, id, inputs in schema order, label), and its
    /// rejection lists only the errors, in the same order.
    #[test]
    fn row_issues_keep_check_order() {
        let s = schema();
        let t =
            Table::from_csv_str("id,tenure,seats,Churn\nA,1,2,No\nA,-3,40,maybe,extra\n").unwrap();
        let m = map_columns(&t.headers, &s, None, None).unwrap();
        let v = validate(&t, &m, &s, &ValidateOptions::default());
        let codes: Vec<(IssueCode, Severity)> =
            v.issues.iter().map(|i| (i.code, i.severity)).collect();
        assert_eq!(
            codes,
            [
                (IssueCode::RaggedRow, Severity::Warning),
                (IssueCode::DuplicateId, Severity::Error),
                (IssueCode::OutOfRange, Severity::Error),
                (IssueCode::OutOfRange, Severity::Warning),
                (IssueCode::InvalidLabel, Severity::Warning),
            ]
        );
        assert!(v.issues.iter().all(|i| i.row == Some(2)));
        assert_eq!(v.issues[2].column.as_deref(), Some("tenure"));
        assert_eq!(
            v.issues[3].message,
            "'seats' is 40, outside the valid range ..10: clamped to 10"
        );
        assert_eq!(v.rejected.len(), 1);
        assert_eq!(
            v.rejected[0].codes,
            [IssueCode::DuplicateId, IssueCode::OutOfRange]
        );
        assert_eq!(v.rejected[0].customer_id.as_deref(), Some("A"));
        assert_eq!(
            (v.rows.as_slice(), v.labels.as_slice()),
            (&[1u64][..], &[Some(0.0)][..])
        );
        let seats = &v.summary.features["seats"];
        assert_eq!(
            (seats.out_of_range, seats.clamped, seats.problem_rows),
            (1, 1, 1)
        );
        assert_eq!(v.summary.rejected_by_code[&IssueCode::OutOfRange], 1);
    }

    /// A required feature without a column rejects every row (one table-level issue), and an
    /// all-blank row is rejected as empty before any other check.
    #[test]
    fn missing_required_column_and_empty_rows() {
        let s = schema();
        let t = Table::from_csv_str("id,seats\nB,1\n,\n").unwrap();
        let m = map_columns(&t.headers, &s, None, None).unwrap();
        let v = validate(&t, &m, &s, &ValidateOptions::default());
        let table_level: Vec<&Issue> = v.issues.iter().filter(|i| i.row.is_none()).collect();
        assert_eq!(table_level.len(), 1); // the label has no column either, but is not reported
        assert_eq!(table_level[0].feature.as_deref(), Some("tenure"));
        assert_eq!(v.rejected[0].codes, [IssueCode::MissingColumn]);
        assert_eq!(v.rejected[1].codes, [IssueCode::EmptyRow]);
        assert_eq!(v.summary.rejected, 2);
        assert_eq!(v.features.dim(), (0, 2));
    }
}
