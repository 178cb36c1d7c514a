//! Cell values: from the strings of an export to the numbers a model takes.
//!
//! Blanks and `NA`/`null`/`-`/`?` are missing; currency symbols and codes, thousands
//! separators (`1,234.50`, `1.234,50`, `1 234,50`), accounting negatives (`(12.50)`) and
//! percentages are read as numbers; Yes/No, Y/N, true/false and 1/0 as booleans; ISO, US,
//! European, compact and month-name dates as dates (turned into months, days or years before an
//! as-of date where the schema says so); categorical levels match the model's categories
//! ignoring case, spacing and punctuation.
//!
//! ```
//! use churn_core::normalize::{parse_number, parse_bool, is_missing, match_category};
//! assert_eq!(parse_number("$1,234.50").map(|n| n.value), Some(1234.5));
//! assert_eq!(parse_bool("Y"), Some(true));
//! assert!(is_missing(" N/A "));
//! let cats = ["Month-to-month".to_string(), "One year".to_string()];
//! assert_eq!(match_category(" month to MONTH", &cats), Some(0));
//! ```

use crate::intake::issue::IssueCode;
use crate::intake::schema::{FeatureSpec, ValueKind};
// The cell primitives live in `values` (the lowest intake module); their public path stays here.
use crate::intake::values::preview;
pub use crate::intake::values::{
    category_key, is_missing, match_category, parse_bool, parse_date, parse_label, parse_number,
    Date, ParsedNumber, MISSING_MARKERS,
};

/// Settings for [`normalize_cell`].
///
/// ```
/// let o = churn_core::normalize::NormalizeOptions { as_of: churn_core::normalize::Date::new(2024, 12, 31) };
/// assert!(o.as_of.is_some());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NormalizeOptions {
    /// The as-of date for date-derived features (overrides the schema's `as_of`).
    pub as_of: Option<Date>,
}

/// The result of normalising one cell.
///
/// ```
/// use churn_core::normalize::{normalize_cell, Cell, NormalizeOptions};
/// let f = churn_core::FeatureSpec::new("x", churn_core::ValueKind::Boolean);
/// assert_eq!(normalize_cell(&f, "no", &NormalizeOptions::default()), Cell::Value(0.0));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// The model input value.
    Value(f64),
    /// No value (blank, `NA`, ...).
    Missing,
    /// Not a valid value for the feature.
    Invalid {
        /// [`IssueCode::TypeMismatch`] or [`IssueCode::UnknownCategory`].
        code: IssueCode,
        /// Why, in words: e.g. `"abc" is not a number`.
        reason: String,
    },
}

fn shown(raw: &str) -> String {
    let t: String = raw.trim().chars().take(40).collect();
    if raw.trim().chars().count() > 40 {
        format!("{t:?}...")
    } else {
        format!("{t:?}")
    }
}

/// Normalises one raw cell for a feature (range checks are the validator's job).
///
/// - numeric: a number ([`parse_number`]; `unit = "fraction"` turns `12%` into 0.12), or
///   yes/no words as 1/0;
/// - boolean: 1/0 ([`parse_bool`], or the two `categories`);
/// - categorical: the index of the matching category; with no categories, an integer code;
/// - date-derived: months (or days, years: the feature's `unit`) from the date to the as-of
///   date; a plain number is taken as already derived;
/// - label: 1 churned / 0 retained ([`parse_label`]);
/// - identifier: any non-blank value gives 0 (ids are not model inputs).
///
/// ```
/// use churn_core::{FeatureSpec, ValueKind};
/// use churn_core::normalize::{normalize_cell, Cell, Date, NormalizeOptions};
/// let opts = NormalizeOptions { as_of: Date::new(2024, 6, 1) };
/// let mrr = FeatureSpec::new("mrr", ValueKind::Numeric);
/// assert_eq!(normalize_cell(&mrr, "$1,200", &opts), Cell::Value(1200.0));
/// assert_eq!(normalize_cell(&mrr, "n/a", &opts), Cell::Missing);
/// assert!(matches!(normalize_cell(&mrr, "lots", &opts), Cell::Invalid { .. }));
/// let mut tenure = FeatureSpec::new("tenure", ValueKind::DateDerived);
/// tenure.unit = Some("months".into());
/// assert_eq!(normalize_cell(&tenure, "2023-06-01", &opts), Cell::Value(12.0));
/// ```
pub fn normalize_cell(spec: &FeatureSpec, raw: &str, options: &NormalizeOptions) -> Cell {
    if is_missing(raw) {
        return Cell::Missing;
    }
    let mismatch = |what: &str| Cell::Invalid {
        code: IssueCode::TypeMismatch,
        reason: format!("{} is not {what}", shown(raw)),
    };
    match spec.kind {
        ValueKind::Numeric => {
            if let Some(n) = parse_number(raw) {
                let v = if n.percent && spec.unit.as_deref() == Some("fraction") {
                    n.value / 100.0
                } else {
                    n.value
                };
                return Cell::Value(v);
            }
            match bool_word(raw) {
                Some(b) => Cell::Value(if b { 1.0 } else { 0.0 }),
                None => mismatch("a number"),
            }
        }
        ValueKind::Boolean => {
            if spec.categories.len() == 2 {
                if let Some(i) = match_category(raw, &spec.categories) {
                    return Cell::Value(i as f64);
                }
            }
            match parse_bool(raw) {
                Some(b) => Cell::Value(if b { 1.0 } else { 0.0 }),
                None => mismatch("yes/no"),
            }
        }
        ValueKind::Categorical => {
            if !spec.categories.is_empty() {
                return match match_category(raw, &spec.categories) {
                    Some(i) => Cell::Value(i as f64),
                    None => Cell::Invalid {
                        code: IssueCode::UnknownCategory,
                        reason: format!(
                            "{} is not one of the {} known categories ({})",
                            shown(raw),
                            spec.categories.len(),
                            preview(&spec.categories)
                        ),
                    },
                };
            }
            match parse_number(raw) {
                Some(n) if n.value >= 0.0 && n.value.fract() == 0.0 && n.value < 16_777_216.0 => {
                    Cell::Value(n.value)
                }
                _ => Cell::Invalid {
                    code: IssueCode::UnknownCategory,
                    reason: format!(
                        "{} is not an integer category code (the schema lists no category names)",
                        shown(raw)
                    ),
                },
            }
        }
        ValueKind::DateDerived => {
            if let Some(d) = parse_date(raw) {
                let as_of = options
                    .as_of
                    .or_else(|| spec.as_of.as_deref().and_then(parse_date));
                let Some(as_of) = as_of else {
                    return Cell::Invalid {
                        code: IssueCode::TypeMismatch,
                        reason: format!(
                            "{} is a date, but no as-of date was given to turn it into {}",
                            shown(raw),
                            spec.unit.as_deref().unwrap_or("months")
                        ),
                    };
                };
                let v = match spec.unit.as_deref() {
                    Some("days") => (as_of.days_since_epoch() - d.days_since_epoch()) as f64,
                    Some("years") => (d.months_until(as_of) / 12) as f64,
                    _ => d.months_until(as_of) as f64,
                };
                return Cell::Value(v);
            }
            match parse_number(raw) {
                Some(n) => Cell::Value(n.value),
                None => mismatch("a date or a number"),
            }
        }
        ValueKind::Label => match parse_label(raw, &spec.categories) {
            Some(v) => Cell::Value(v),
            None => mismatch("a churn label (yes/no, 1/0, churned/retained)"),
        },
        ValueKind::Identifier => Cell::Value(0.0),
    }
}

fn bool_word(raw: &str) -> Option<bool> {
    match raw.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" => Some(true),
        "no" | "n" | "false" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells() {
        let o = NormalizeOptions::default();
        let b = FeatureSpec::new("p", ValueKind::Boolean);
        assert_eq!(normalize_cell(&b, "Y", &o), Cell::Value(1.0));
        assert!(matches!(normalize_cell(&b, "2", &o), Cell::Invalid { .. }));
        let c = FeatureSpec::new("c", ValueKind::Categorical);
        assert_eq!(normalize_cell(&c, "3", &o), Cell::Value(3.0));
        assert!(matches!(
            normalize_cell(&c, "-1", &o),
            Cell::Invalid {
                code: IssueCode::UnknownCategory,
                ..
            }
        ));
        let mut f = FeatureSpec::new("d", ValueKind::Numeric);
        f.unit = Some("fraction".into());
        assert_eq!(normalize_cell(&f, "12%", &o), Cell::Value(0.12));
        f.unit = Some("percent".into());
        assert_eq!(normalize_cell(&f, "12%", &o), Cell::Value(12.0));
        assert_eq!(normalize_cell(&f, "yes", &o), Cell::Value(1.0));
        let d = FeatureSpec::new("t", ValueKind::DateDerived);
        assert!(matches!(
            normalize_cell(&d, "2024-01-01", &o),
            Cell::Invalid { .. }
        ));
        assert_eq!(normalize_cell(&d, "7", &o), Cell::Value(7.0));
        let mut d2 = d.clone();
        d2.unit = Some("days".into());
        d2.as_of = Some("2024-01-11".into());
        assert_eq!(normalize_cell(&d2, "2024-01-01", &o), Cell::Value(10.0));
        let l = FeatureSpec::new("Churn", ValueKind::Label);
        assert_eq!(normalize_cell(&l, "Churned", &o), Cell::Value(1.0));
        assert!(matches!(normalize_cell(&l, "42", &o), Cell::Invalid { .. }));
    }
}
