//! What the report layer computes, for a bundle: its trained reference, its tiers, its
//! explainer and its data-quality report. The report layer takes these parts separately
//! (it sits below bundles); these are the one-call forms.

use crate::bundle::Bundle;
use crate::error::Result;
use crate::intake::mapping::{Mapping, Overrides};
use crate::intake::table::Table;
use crate::intake::validate::ValidationSummary;
use crate::report::quality::{
    quality_report_with, QualityProfile, QualityReport, ReportOptions, Trained,
};
use crate::report::risk::{default_tiers, Explainer};
use crate::report::tiers::RiskTiers;

impl Bundle {
    /// The model, schema, training reference and sample, as quality reports take them.
    ///
    /// ```
    /// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// assert!(b.trained().sample.is_some());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn trained(&self) -> Trained<'_> {
        Trained {
            model: self.model(),
            schema: self.schema(),
            reference: self.reference.as_ref(),
            sample: self.sample(),
        }
    }
}

/// The tiers a bundle scores with: its own, or [`default_tiers`] when it has none (or an
/// empty list).
///
/// ```
/// let b = churn_core::Bundle::load("../tests/fixtures/xgb_binary/model.json")?;
/// assert_eq!(churn_core::risk::tiers_of(&b), churn_core::risk::default_tiers());
/// # Ok::<(), churn_core::Error>(())
/// ```
pub fn tiers_of(bundle: &Bundle) -> RiskTiers {
    match &bundle.tiers {
        Some(t) if !t.tiers.is_empty() => t.clone(),
        _ => default_tiers(),
    }
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
    quality_report_with(table, bundle.trained(), overrides)
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
        QualityReport::build_with(profile, validation, mapping, bundle.trained(), options)
    }
}

impl Explainer {
    /// An explainer for a bundle's model and schema, listing up to `top_k` reasons each way.
    ///
    /// Errors with [`Error::Unsupported`] unless the model is a binary classifier with a
    /// logistic output (XGBoost `binary:logistic`, LightGBM `binary`): churn tiers and points
    /// need a probability.
    ///
    /// ```
    /// let b = churn_core::Bundle::load("../tests/fixtures/xgb_regression/model.json")?;
    /// assert!(churn_core::risk::Explainer::new(&b, 3).is_err());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn new(bundle: &Bundle, top_k: usize) -> Result<Explainer> {
        Explainer::from_parts(bundle.model(), bundle.schema(), top_k)
    }
}
