//! What the validator reports: an [`Issue`] with its stable [`IssueCode`] and [`Severity`].
//!
//! Below the normaliser (whose invalid cells carry an [`IssueCode`]) and the validator, so
//! neither imports the other for it. Re-exported from [`validate`](super::validate), their
//! public path.
//!
//! ```
//! use churn_core::validate::{IssueCode, Severity};
//! assert_eq!((IssueCode::OutOfRange.as_str(), Severity::Info.as_str()), ("out_of_range", "info"));
//! ```

use serde::{Deserialize, Serialize};

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
