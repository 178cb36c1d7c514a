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

mod accuracy;
mod columns;
mod drift;
mod profile;
mod sketch;
mod suggestions;
mod text;

use serde::{Deserialize, Serialize};

pub use accuracy::{auc, estimate_auc, AccuracyEstimate};
pub use drift::{psi, psi_band, Drift};
pub use profile::{profile_chunk, ColumnProfile, QualityProfile, TypeCounts};
pub use sketch::DistinctSketch;

use crate::error::Result;
use crate::intake::mapping::{map_columns, Mapping, MatchSource, Overrides};
use crate::intake::normalize::NormalizeOptions;
use crate::intake::schema::Schema;
use crate::intake::table::Table;
use crate::intake::validate::{validate, Severity, ValidateOptions, ValidationSummary};
use crate::model::Model;
use crate::report::reference::{ReferenceProfile, ReferenceSample};

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

/// A 64-bit mixer (SplitMix64's finaliser): the sketch's hashes and the accuracy estimate's
/// deterministic blanking both need well-spread bits from structured input.
fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// What a quality report compares the data with: the model and the schema of its inputs, and
/// the training reference and labelled sample when there are some (a bundle has them all:
/// `Bundle::trained`).
///
/// ```
/// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let t = b.trained();
/// assert_eq!(t.schema.num_inputs(), b.model().num_features());
/// assert!(t.reference.is_some() && t.sample.is_some());
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Trained<'a> {
    /// The model scored with.
    pub model: &'a Model,
    /// The schema of its inputs.
    pub schema: &'a Schema,
    /// Per-feature training distributions, for drift.
    pub reference: Option<&'a ReferenceProfile>,
    /// Labelled training rows, for the accuracy to expect.
    pub sample: Option<&'a ReferenceSample>,
}

/// Maps, validates, profiles and reports on a table in one call (default options), against
/// what the model was trained on. [`quality_report`](crate::quality::quality_report) is the
/// same for a bundle.
///
/// ```
/// use churn_core::{quality::quality_report_with, Bundle, Table};
/// let b = Bundle::load("../examples/demo/telco_bundle.json")?;
/// let t = Table::from_csv_str("customerID,tenure,Contract\nA,1,Month-to-month\n")?;
/// let r = quality_report_with(&t, b.trained(), None)?;
/// assert!(r.missing_features.contains(&"MonthlyCharges".to_string()));
/// # Ok::<(), churn_core::Error>(())
/// ```
pub fn quality_report_with(
    table: &Table,
    trained: Trained<'_>,
    overrides: Option<&Overrides>,
) -> Result<QualityReport> {
    let schema = trained.schema;
    let mapping = map_columns(&table.headers, schema, Some(table.sample(500)), overrides)?;
    let v = validate(table, &mapping, schema, &ValidateOptions::default());
    let profile = profile_chunk(
        table,
        &mapping,
        schema,
        trained.reference,
        &NormalizeOptions::default(),
    );
    QualityReport::build_with(
        &profile,
        Some(&v.summary),
        &mapping,
        trained,
        &ReportOptions::default(),
    )
}

impl QualityReport {
    /// Builds the report from a (merged) profile, the validation summary, the mapping and
    /// what the model was trained on (`QualityReport::build` takes a bundle).
    ///
    /// ```
    /// use churn_core::{map_columns, profile_chunk, Bundle, QualityReport, Table};
    /// use churn_core::quality::ReportOptions;
    /// let b = Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let t = Table::from_csv_str("tenure\n5\n")?;
    /// let m = map_columns(&t.headers, b.schema(), None, None)?;
    /// let p = profile_chunk(&t, &m, b.schema(), b.reference.as_ref(), &Default::default());
    /// let r = QualityReport::build_with(&p, None, &m, b.trained(), &ReportOptions::default())?;
    /// assert_eq!(r.grade, "poor");
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn build_with(
        profile: &QualityProfile,
        validation: Option<&ValidationSummary>,
        mapping: &Mapping,
        trained: Trained<'_>,
        options: &ReportOptions,
    ) -> Result<QualityReport> {
        let schema = trained.schema;
        let rows = profile.rows;
        let column_quality: Vec<ColumnQuality> = profile
            .columns
            .iter()
            .map(|p| columns::column_quality(p, schema, trained.reference))
            .collect();
        let (score, grade) = columns::table_score(schema, &column_quality, rows, validation);
        let accuracy = match trained.sample {
            Some(sample) if rows > 0 => {
                let rates = accuracy::missing_rates(schema, profile);
                estimate_auc(trained.model, sample, &rates, options.repeats, options.seed)?
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
        report.suggestions =
            suggestions::suggestions(&report, profile, mapping, schema, validation, options);
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
        text::render(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::schema::Schema;

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
