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

use crate::intake::mapping::Mapping;
use crate::intake::normalize::{self, normalize_cell, Cell, NormalizeOptions};
use crate::intake::schema::{FeatureSpec, Policy, Schema};
use crate::intake::table::Table;

/// Stable codes of the problems the validator reports.
///
/// ```
/// let c: churn_core::IssueCode = serde_json::from_str("\"duplicate_id\"").unwrap();
/// assert_eq!(c, churn_core::IssueCode::DuplicateId);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueCode {
    /// A feature has no column in the table (an error when the feature is required).
    MissingColumn,
    /// A required feature's cell is blank.
    MissingRequired,
    /// An optional feature's cell is blank (info: the model treats it as missing).
    MissingValue,
    /// The cell is not of the feature's type (not a number, not yes/no, not a date).
    TypeMismatch,
    /// The number is outside the feature's `min`..`max`.
    OutOfRange,
    /// The level is not one of the model's categories.
    UnknownCategory,
    /// The customer id was already seen in an earlier row.
    DuplicateId,
    /// The customer id is blank.
    MissingId,
    /// The row has more or fewer cells than the header.
    RaggedRow,
    /// Every cell of the row is blank.
    EmptyRow,
    /// The churn label cannot be read (the row is still scored).
    InvalidLabel,
    /// Too large a share of rows has a problem in one feature (warn/error thresholds).
    TooManyProblems,
}

impl IssueCode {
    /// The stable snake_case code, e.g. `missing_required`.
    ///
    /// ```
    /// assert_eq!(churn_core::IssueCode::UnknownCategory.as_str(), "unknown_category");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            IssueCode::MissingColumn => "missing_column",
            IssueCode::MissingRequired => "missing_required",
            IssueCode::MissingValue => "missing_value",
            IssueCode::TypeMismatch => "type_mismatch",
            IssueCode::OutOfRange => "out_of_range",
            IssueCode::UnknownCategory => "unknown_category",
            IssueCode::DuplicateId => "duplicate_id",
            IssueCode::MissingId => "missing_id",
            IssueCode::RaggedRow => "ragged_row",
            IssueCode::EmptyRow => "empty_row",
            IssueCode::InvalidLabel => "invalid_label",
            IssueCode::TooManyProblems => "too_many_problems",
        }
    }
}

/// How serious an issue is.
///
/// ```
/// assert!(churn_core::Severity::Error > churn_core::Severity::Warning);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; nothing changes.
    Info,
    /// The row is scored, but a value was changed or dropped.
    Warning,
    /// The row is rejected (or, for a table-level issue, the table cannot be scored as is).
    Error,
}

impl Severity {
    /// `info`, `warning` or `error`.
    ///
    /// ```
    /// assert_eq!(churn_core::Severity::Warning.as_str(), "warning");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One problem found by the validator.
///
/// ```
/// use churn_core::{map_columns, validate, Schema, Table, ValidateOptions};
/// let s = Schema::from_names(&["tenure"]);
/// let t = Table::from_csv_str("tenure\nlots\n")?;
/// let v = validate(&t, &map_columns(&t.headers, &s, None, None)?, &s, &ValidateOptions::default());
/// let i = &v.issues[0];
/// assert_eq!((i.row, i.column.as_deref(), i.value.as_deref()), (Some(1), Some("tenure"), Some("lots")));
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    /// Stable code.
    pub code: IssueCode,
    /// How serious.
    pub severity: Severity,
    /// 1-based data-row number in the file; `None` for table-level issues.
    pub row: Option<u64>,
    /// The row's customer id, when the id column is mapped and filled.
    pub customer_id: Option<String>,
    /// The header of the column, when the issue is about one.
    pub column: Option<String>,
    /// The schema feature, when the issue is about one.
    pub feature: Option<String>,
    /// The raw cell (at most 100 characters).
    pub value: Option<String>,
    /// What is wrong, in words.
    pub message: String,
}

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
    let inputs: Vec<(&FeatureSpec, Option<usize>)> = schema
        .inputs()
        .map(|f| (f, mapping.column_of(&f.name)))
        .collect();
    let id = schema.identifier().map(|f| (f, mapping.column_of(&f.name)));
    let label = schema.label().map(|f| (f, mapping.column_of(&f.name)));
    let mut col = Collector {
        issues: Vec::new(),
        max: options.max_issues,
        summary: ValidationSummary::default(),
    };

    // Table-level: features without a column.
    let mut missing_required_cols: Vec<&str> = Vec::new();
    for f in &schema.features {
        if mapping.column_of(&f.name).is_some() {
            continue;
        }
        let is_label = Some(&f.name) == label.map(|l| &l.0.name);
        if is_label {
            continue;
        }
        let severity = if f.required {
            missing_required_cols.push(&f.name);
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

    let n_in = inputs.len();
    let mut counts: Vec<FeatureCounts> = vec![FeatureCounts::default(); n_in];
    let mut flat: Vec<f64> = Vec::new();
    let mut out_rows = Vec::new();
    let mut out_ids = Vec::new();
    let mut out_labels = Vec::new();
    let mut rejected = Vec::new();
    let mut seen: HashMap<String, u64> = options.seen_ids.clone().unwrap_or_default();
    let width = table.headers.len();
    let header = |c: usize| table.headers.get(c).cloned();

    for (i, cells) in table.rows.iter().enumerate() {
        let row_no = table.row_number(i);
        col.summary.rows += 1;
        let mut codes: Vec<IssueCode> = Vec::new();
        let mut reasons: Vec<String> = Vec::new();
        let customer_id: Option<String> = id
            .and_then(|(_, c)| c)
            .and_then(|c| cells.get(c))
            .filter(|v| !normalize::is_missing(v))
            .map(|v| clip(v.trim()));
        let issue = |col: &mut Collector,
                     code: IssueCode,
                     severity: Severity,
                     column: Option<usize>,
                     feature: Option<&str>,
                     value: Option<&str>,
                     message: String,
                     codes: &mut Vec<IssueCode>,
                     reasons: &mut Vec<String>| {
            if severity == Severity::Error {
                codes.push(code);
                reasons.push(message.clone());
            }
            col.push(Issue {
                code,
                severity,
                row: Some(row_no),
                customer_id: customer_id.clone(),
                column: column.and_then(header),
                feature: feature.map(str::to_string),
                value: value.map(clip),
                message,
            });
        };

        if cells.iter().all(|c| normalize::is_missing(c)) {
            issue(
                &mut col,
                IssueCode::EmptyRow,
                Severity::Error,
                None,
                None,
                None,
                format!("row {row_no} is empty"),
                &mut codes,
                &mut reasons,
            );
            col.summary.rejected += 1;
            *col.summary
                .rejected_by_code
                .entry(IssueCode::EmptyRow)
                .or_default() += 1;
            rejected.push(RejectedRow {
                row: row_no,
                customer_id: None,
                codes,
                reasons,
            });
            continue;
        }
        if cells.len() != width {
            issue(
                &mut col,
                IssueCode::RaggedRow,
                Severity::Warning,
                None,
                None,
                None,
                format!(
                    "row {row_no} has {} cells but the header has {width}; {}",
                    cells.len(),
                    if cells.len() < width {
                        "the missing cells are read as blank"
                    } else {
                        "the extra cells are ignored"
                    }
                ),
                &mut codes,
                &mut reasons,
            );
        }
        for name in &missing_required_cols {
            codes.push(IssueCode::MissingColumn);
            reasons.push(format!("required feature '{name}' has no column"));
        }

        // Customer id.
        if let Some((spec, Some(c))) = id {
            let raw = cells.get(c).map(String::as_str).unwrap_or("");
            match &customer_id {
                None => issue(
                    &mut col,
                    IssueCode::MissingId,
                    if spec.required {
                        Severity::Error
                    } else {
                        Severity::Warning
                    },
                    Some(c),
                    Some(&spec.name),
                    Some(raw),
                    format!("row {row_no} has no customer id"),
                    &mut codes,
                    &mut reasons,
                ),
                Some(cid) => {
                    if let Some(first) = seen.get(cid) {
                        let msg = format!(
                            "customer id {cid:?} in row {row_no} was already in row {first}"
                        );
                        issue(
                            &mut col,
                            IssueCode::DuplicateId,
                            Severity::Error,
                            Some(c),
                            Some(&spec.name),
                            Some(raw),
                            msg,
                            &mut codes,
                            &mut reasons,
                        );
                    } else {
                        seen.insert(cid.clone(), row_no);
                    }
                }
            }
        }

        // Inputs.
        let mut values = vec![f64::NAN; n_in];
        for (k, (spec, c)) in inputs.iter().enumerate() {
            let Some(c) = *c else { continue };
            counts[k].rows += 1;
            let raw = cells.get(c).map(String::as_str).unwrap_or("");
            let mut problem = false;
            match normalize_cell(spec, raw, &options.normalize) {
                Cell::Value(v) => {
                    let below = spec.min.is_some_and(|lo| v < lo);
                    let above = spec.max.is_some_and(|hi| v > hi);
                    if below || above {
                        problem = true;
                        counts[k].out_of_range += 1;
                        let range = format!(
                            "{}..{}",
                            spec.min.map_or("".into(), |v| v.to_string()),
                            spec.max.map_or("".into(), |v| v.to_string())
                        );
                        let (severity, what) = match spec.on_invalid {
                            Policy::Reject => (Severity::Error, "the row is rejected".to_string()),
                            Policy::Missing => {
                                (Severity::Warning, "treated as missing".to_string())
                            }
                            Policy::Clamp => {
                                let lo = spec.min.unwrap_or(f64::NEG_INFINITY);
                                let hi = spec.max.unwrap_or(f64::INFINITY);
                                let cl = v.clamp(lo, hi);
                                values[k] = cl;
                                counts[k].clamped += 1;
                                (Severity::Warning, format!("clamped to {cl}"))
                            }
                        };
                        issue(
                            &mut col,
                            IssueCode::OutOfRange,
                            severity,
                            Some(c),
                            Some(&spec.name),
                            Some(raw),
                            format!(
                                "'{}' is {v}, outside the valid range {range}: {what}",
                                spec.name
                            ),
                            &mut codes,
                            &mut reasons,
                        );
                    } else {
                        values[k] = v;
                    }
                }
                Cell::Missing => {
                    problem = true;
                    counts[k].missing += 1;
                    if spec.required {
                        issue(
                            &mut col,
                            IssueCode::MissingRequired,
                            Severity::Error,
                            Some(c),
                            Some(&spec.name),
                            Some(raw),
                            format!("required '{}' is blank", spec.name),
                            &mut codes,
                            &mut reasons,
                        );
                    } else {
                        issue(
                            &mut col,
                            IssueCode::MissingValue,
                            Severity::Info,
                            Some(c),
                            Some(&spec.name),
                            Some(raw),
                            format!("'{}' is blank: scored as missing", spec.name),
                            &mut codes,
                            &mut reasons,
                        );
                    }
                }
                Cell::Invalid { code, reason } => {
                    problem = true;
                    counts[k].invalid += 1;
                    let (severity, what) = match spec.on_invalid {
                        Policy::Reject => (Severity::Error, "the row is rejected"),
                        Policy::Missing | Policy::Clamp => {
                            (Severity::Warning, "treated as missing")
                        }
                    };
                    issue(
                        &mut col,
                        code,
                        severity,
                        Some(c),
                        Some(&spec.name),
                        Some(raw),
                        format!("'{}': {reason}: {what}", spec.name),
                        &mut codes,
                        &mut reasons,
                    );
                }
            }
            if problem {
                counts[k].problem_rows += 1;
            }
        }

        // Label.
        let mut label_value = None;
        if let Some((spec, Some(c))) = label {
            let raw = cells.get(c).map(String::as_str).unwrap_or("");
            match normalize_cell(spec, raw, &options.normalize) {
                Cell::Value(v) => label_value = Some(v),
                Cell::Missing => {}
                Cell::Invalid { reason, .. } => issue(
                    &mut col,
                    IssueCode::InvalidLabel,
                    Severity::Warning,
                    Some(c),
                    Some(&spec.name),
                    Some(raw),
                    format!("label '{}': {reason}", spec.name),
                    &mut codes,
                    &mut reasons,
                ),
            }
        }

        if codes.is_empty() {
            col.summary.accepted += 1;
            flat.extend_from_slice(&values);
            out_rows.push(row_no);
            out_ids.push(customer_id);
            out_labels.push(label_value);
        } else {
            col.summary.rejected += 1;
            let mut distinct = codes.clone();
            crate::order::sort(&mut distinct);
            distinct.dedup();
            for c in distinct {
                *col.summary.rejected_by_code.entry(c).or_default() += 1;
            }
            rejected.push(RejectedRow {
                row: row_no,
                customer_id,
                codes,
                reasons,
            });
        }
    }
    for (k, (spec, c)) in inputs.iter().enumerate() {
        if c.is_some() {
            col.summary
                .features
                .insert(spec.name.clone(), counts[k].clone());
        }
    }
    let features = Array2::from_shape_vec((out_rows.len(), n_in), flat)
        .unwrap_or_else(|_| Array2::zeros((0, n_in)));
    Validated {
        features,
        rows: out_rows,
        customer_ids: out_ids,
        labels: out_labels,
        rejected,
        issues: col.issues,
        summary: col.summary,
    }
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
