//! The column mapper: which header of a table feeds which feature of a model.
//!
//! For every (header, feature) pair the mapper computes a confidence in 0..1 from
//!
//! 1. **names**: headers and feature names (and schema aliases) are normalised by the
//!    [`Vocabulary`] (case, punctuation, camelCase and run-together words, units such as
//!    "(months)" or "[USD]", dotted and shared prefixes, abbreviations) and compared: the same
//!    words give 1 (`exact`), near words a fuzzy score (`fuzzy`: weighted token overlap with
//!    typo-tolerant words, or normalised Damerau-Levenshtein on the run-together string);
//! 2. **concepts**: both sides are resolved against the vocabulary; the same concept (a column
//!    `MRR` for a feature `monthly_charges`) scores 0.97 x the header's synonym similarity
//!    (`concept`), while a header that is clearly a *different* concept (`Churn Score` for the
//!    label `Churn`, `TechSupport` for `support_tickets`, `RowNumber` for a customer id) has its
//!    score halved, which puts it below the acceptance threshold;
//! 3. **values** (when sample rows are given): numbers vs text, yes/no, dates, currency,
//!    uniqueness and sequential row numbers, categories seen vs the schema's, ranges: a column
//!    whose values cannot be the feature multiplies the score by 0.3-0.7;
//! 4. **units**: months vs days halves the score.
//!
//! Features and headers are then paired one-to-one by the Hungarian algorithm
//! (`pathfinding::kuhn_munkres`) over the pairs at or above the threshold (0.80 by default),
//! maximising the total confidence. A match whose runner-up is within the ambiguity margin is
//! flagged `ambiguous`, and refused unless it is an exact name match (unmapped beats wrong).
//! User [`Overrides`] are applied first and win. The confidence is calibrated on the committed
//! header corpus (`tests/data/header_corpus.toml`): accepted matches are right >= 99% of the time.
//!
//! ```
//! use churn_core::{map_columns, Schema};
//! let schema = Schema::from_names(&["tenure", "monthly_charges", "Churn"]);
//! let headers = ["Customer Tenure (months)", "MRR", "Churn Score"];
//! let m = map_columns(&headers, &schema, None, None)?;
//! assert_eq!(m.as_dict().get("monthly_charges").map(String::as_str), Some("MRR"));
//! assert_eq!(m.header_of("tenure"), Some("Customer Tenure (months)"));
//! assert_eq!(m.header_of("Churn"), None);             // a score is not the label
//! assert_eq!(m.unmapped_headers(), ["Churn Score"]);
//! # Ok::<(), churn_core::Error>(())
//! ```

mod assign;
mod headers;
mod samples;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::intake::schema::{Schema, ValueKind};
use crate::intake::vocabulary::Vocabulary;

/// Settings of the mapper.
///
/// ```
/// let o = churn_core::MapOptions::default();
/// assert_eq!((o.threshold, o.ambiguity_margin, o.top_k), (0.80, 0.05, 3));
/// ```
#[derive(Clone, Debug)]
pub struct MapOptions {
    /// Confidence below which a match is refused (default 0.80).
    pub threshold: f64,
    /// A match whose runner-up is closer than this is ambiguous (default 0.05).
    pub ambiguity_margin: f64,
    /// Alternatives kept per feature (default 3).
    pub top_k: usize,
    /// Sample rows used for value evidence (default 500).
    pub sample_rows: usize,
    /// The vocabulary; the built-in one when `None`.
    pub vocabulary: Option<Arc<Vocabulary>>,
}

impl Default for MapOptions {
    fn default() -> MapOptions {
        MapOptions {
            threshold: 0.80,
            ambiguity_margin: 0.05,
            top_k: 3,
            sample_rows: 500,
            vocabulary: None,
        }
    }
}

/// Why a header was matched to a feature.
///
/// ```
/// let s = churn_core::Schema::from_names(&["monthly_charges"]);
/// let m = churn_core::map_columns(&["MRR"], &s, None, None)?;
/// assert_eq!(m.get("monthly_charges").unwrap().source, Some(churn_core::MatchSource::Concept));
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchSource {
    /// The same name once normalised (`Monthly Charges` for `MonthlyCharges`).
    Exact,
    /// One of the feature's schema aliases.
    Alias,
    /// The same vocabulary concept (`MRR` for `monthly_charges`).
    Concept,
    /// A near name (typo, extra or missing words).
    Fuzzy,
    /// A user override.
    Override,
}

impl MatchSource {
    /// Stable lowercase name.
    ///
    /// ```
    /// assert_eq!(churn_core::MatchSource::Concept.as_str(), "concept");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            MatchSource::Exact => "exact",
            MatchSource::Alias => "alias",
            MatchSource::Concept => "concept",
            MatchSource::Fuzzy => "fuzzy",
            MatchSource::Override => "override",
        }
    }
}

/// A header that could feed a feature, with its confidence.
///
/// ```
/// let s = churn_core::Schema::from_names(&["tenure"]);
/// let m = churn_core::map_columns(&["tenure", "Tenure Months"], &s, None, None)?;
/// let alt = &m.get("tenure").unwrap().alternatives[0];
/// assert_eq!((alt.column, alt.header.as_str()), (1, "Tenure Months"));
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// 0-based column index in the table.
    pub column: usize,
    /// The header text.
    pub header: String,
    /// Confidence in 0..1.
    pub confidence: f64,
    /// Why it matches.
    pub source: MatchSource,
}

/// The mapping decision for one feature of the schema.
///
/// ```
/// let s = churn_core::Schema::from_names(&["seats"]);
/// let m = churn_core::map_columns(&["Licences"], &s, None, None)?;
/// let f = m.get("seats").unwrap();
/// assert_eq!((f.column, f.concept.as_deref()), (Some(0), Some("seats")));
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureMatch {
    /// The feature's name in the schema.
    pub feature: String,
    /// Its kind.
    pub kind: ValueKind,
    /// Whether the schema requires it.
    pub required: bool,
    /// The vocabulary concept the feature was resolved to, if any.
    pub concept: Option<String>,
    /// The chosen column, if any.
    pub column: Option<usize>,
    /// The chosen header, if any.
    pub header: Option<String>,
    /// Confidence of the chosen header (0 when none).
    pub confidence: f64,
    /// Why the chosen header matches.
    pub source: Option<MatchSource>,
    /// The best two headers were close: check this match.
    pub ambiguous: bool,
    /// Other headers, best first (excluding the chosen one).
    pub alternatives: Vec<Candidate>,
    /// A human-readable note: why a match was refused, or what to check.
    pub note: Option<String>,
}

/// A table column that no feature takes.
///
/// ```
/// let s = churn_core::Schema::from_names(&["Churn"]);
/// let m = churn_core::map_columns(&["Churn Score"], &s, None, None)?;
/// assert_eq!(m.unmapped[0].concept.as_deref(), Some("churn_score"));
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnmappedColumn {
    /// 0-based column index.
    pub column: usize,
    /// The header text.
    pub header: String,
    /// What the vocabulary thinks the column is (e.g. `churn_score`), when it is sure.
    pub concept: Option<String>,
}

/// The result of [`map_columns`]: one decision per schema feature, and the leftover columns.
///
/// ```
/// let s = churn_core::Schema::from_names(&["tenure"]);
/// let m = churn_core::map_columns(&["Tenure", "Notes"], &s, None, None)?;
/// assert_eq!((m.features.len(), m.unmapped.len()), (1, 1));
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mapping {
    /// The table's headers, in order.
    pub headers: Vec<String>,
    /// One entry per schema feature, in schema order.
    pub features: Vec<FeatureMatch>,
    /// Columns no feature takes, in table order.
    pub unmapped: Vec<UnmappedColumn>,
    /// The acceptance threshold used.
    pub threshold: f64,
}

impl Mapping {
    /// `{feature: header}` for the mapped features.
    ///
    /// ```
    /// let s = churn_core::Schema::from_names(&["tenure"]);
    /// let m = churn_core::map_columns(&["Tenure"], &s, None, None)?;
    /// assert_eq!(m.as_dict()["tenure"], "Tenure");
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn as_dict(&self) -> BTreeMap<String, String> {
        crate::order::map_of(
            self.features
                .iter()
                .filter_map(|f| Some((f.feature.clone(), f.header.clone()?))),
        )
    }

    /// `{feature: confidence}` for the mapped features.
    ///
    /// ```
    /// let s = churn_core::Schema::from_names(&["tenure"]);
    /// let m = churn_core::map_columns(&["Tenure"], &s, None, None)?;
    /// assert_eq!(m.confidence()["tenure"], 1.0);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn confidence(&self) -> BTreeMap<String, f64> {
        crate::order::map_of(
            self.features
                .iter()
                .filter(|f| f.column.is_some())
                .map(|f| (f.feature.clone(), f.confidence)),
        )
    }

    /// `{feature: [(header, confidence), ...]}`: the other candidates of every feature.
    ///
    /// ```
    /// let s = churn_core::Schema::from_names(&["monthly_charges"]);
    /// let m = churn_core::map_columns(&["MRR", "Monthly Charges"], &s, None, None)?;
    /// assert_eq!(m.alternatives()["monthly_charges"][0].0, "MRR");
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn alternatives(&self) -> BTreeMap<String, Vec<(String, f64)>> {
        crate::order::map_of(self.features.iter().map(|f| {
            (
                f.feature.clone(),
                f.alternatives
                    .iter()
                    .map(|c| (c.header.clone(), c.confidence))
                    .collect(),
            )
        }))
    }

    /// Headers no feature takes.
    ///
    /// ```
    /// let s = churn_core::Schema::from_names(&["tenure"]);
    /// let m = churn_core::map_columns(&["tenure", "Notes"], &s, None, None)?;
    /// assert_eq!(m.unmapped_headers(), ["Notes"]);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn unmapped_headers(&self) -> Vec<&str> {
        self.unmapped.iter().map(|u| u.header.as_str()).collect()
    }

    /// Features without a column (required or not).
    ///
    /// ```
    /// let s = churn_core::Schema::from_names(&["tenure", "seats"]);
    /// let m = churn_core::map_columns(&["tenure"], &s, None, None)?;
    /// assert_eq!(m.missing(), ["seats"]);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn missing(&self) -> Vec<&str> {
        self.features
            .iter()
            .filter(|f| f.column.is_none())
            .map(|f| f.feature.as_str())
            .collect()
    }

    /// Required features without a column.
    ///
    /// ```
    /// let s = churn_core::Schema::from_names(&["seats"]);
    /// let m = churn_core::map_columns(&["x"], &s, None, None)?;
    /// assert!(m.missing_required().is_empty());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn missing_required(&self) -> Vec<&str> {
        self.features
            .iter()
            .filter(|f| f.column.is_none() && f.required)
            .map(|f| f.feature.as_str())
            .collect()
    }

    /// Features whose best two headers were close (mapped or refused).
    ///
    /// ```
    /// let s = churn_core::Schema::from_names(&["tenure"]);
    /// let m = churn_core::map_columns(&["Tenure", "tenure"], &s, None, None)?;
    /// assert_eq!(m.ambiguous(), ["tenure"]);
    /// assert_eq!(m.header_of("tenure"), None); // two columns claim the name: refused
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn ambiguous(&self) -> Vec<&str> {
        self.features
            .iter()
            .filter(|f| f.ambiguous)
            .map(|f| f.feature.as_str())
            .collect()
    }

    /// The decision for one feature.
    ///
    /// ```
    /// let s = churn_core::Schema::from_names(&["tenure"]);
    /// let m = churn_core::map_columns(&["tenure"], &s, None, None)?;
    /// assert_eq!(m.get("tenure").unwrap().source, Some(churn_core::MatchSource::Exact));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn get(&self, feature: &str) -> Option<&FeatureMatch> {
        self.features.iter().find(|f| f.feature == feature)
    }

    /// The column index feeding a feature.
    ///
    /// ```
    /// let s = churn_core::Schema::from_names(&["tenure"]);
    /// let m = churn_core::map_columns(&["id", "tenure"], &s, None, None)?;
    /// assert_eq!(m.column_of("tenure"), Some(1));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn column_of(&self, feature: &str) -> Option<usize> {
        self.get(feature)?.column
    }

    /// The header feeding a feature.
    ///
    /// ```
    /// let s = churn_core::Schema::from_names(&["tenure"]);
    /// let m = churn_core::map_columns(&["Tenure"], &s, None, None)?;
    /// assert_eq!(m.header_of("tenure"), Some("Tenure"));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn header_of(&self, feature: &str) -> Option<&str> {
        self.get(feature)?.header.as_deref()
    }

    /// The current decisions as overrides, to save and reload (e.g. after a person checked
    /// them). Unmapped features are saved as "keep unmapped".
    ///
    /// ```
    /// let s = churn_core::Schema::from_names(&["tenure"]);
    /// let m = churn_core::map_columns(&["Tenure"], &s, None, None)?;
    /// assert_eq!(m.to_overrides().columns["tenure"].as_deref(), Some("Tenure"));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn to_overrides(&self) -> Overrides {
        Overrides {
            columns: crate::order::map_of(
                self.features
                    .iter()
                    .map(|f| (f.feature.clone(), f.header.clone())),
            ),
        }
    }

    /// The mapping as pretty JSON.
    ///
    /// ```
    /// let s = churn_core::Schema::from_names(&["tenure"]);
    /// let m = churn_core::map_columns(&["Tenure"], &s, None, None)?;
    /// assert!(m.to_json().contains("\"source\": \"exact\""));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Mapping decisions a person made: `{feature: header}`, or `{feature: null}` to keep a
/// feature unmapped. They take precedence over the mapper and are saved as JSON.
///
/// ```
/// use churn_core::{map_columns, Overrides, Schema};
/// let schema = Schema::from_names(&["monthly_charges"]);
/// let mut o = Overrides::default();
/// o.set("monthly_charges", "Plan Fee");
/// let m = map_columns(&["Plan Fee", "MRR"], &schema, None, Some(&o))?;
/// assert_eq!(m.header_of("monthly_charges"), Some("Plan Fee"));
/// let back = Overrides::from_json(&o.to_json())?;
/// assert_eq!(back, o);
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    /// Feature name -> header (or `None`: keep the feature unmapped).
    #[serde(default)]
    pub columns: BTreeMap<String, Option<String>>,
}

impl Overrides {
    /// Maps `feature` to the column headed `header`.
    ///
    /// ```
    /// let mut o = churn_core::Overrides::default();
    /// o.set("tenure", "Months");
    /// assert_eq!(o.columns.len(), 1);
    /// ```
    pub fn set(&mut self, feature: &str, header: &str) {
        self.columns
            .insert(feature.to_string(), Some(header.to_string()));
    }

    /// Keeps `feature` unmapped whatever the mapper finds.
    ///
    /// ```
    /// let mut o = churn_core::Overrides::default();
    /// o.keep_unmapped("Churn");
    /// assert_eq!(o.columns["Churn"], None);
    /// ```
    pub fn keep_unmapped(&mut self, feature: &str) {
        self.columns.insert(feature.to_string(), None);
    }

    /// Parses overrides saved by [`Overrides::to_json`].
    ///
    /// ```
    /// let o = churn_core::Overrides::from_json(r#"{"columns": {"tenure": "Months", "Churn": null}}"#)?;
    /// assert_eq!(o.columns.len(), 2);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Overrides> {
        serde_json::from_str(text).map_err(|e| Error::Override {
            feature: "(whole file)".into(),
            reason: format!(
                "the overrides file is not valid JSON (line {}, column {}): {e}",
                e.line(),
                e.column()
            ),
        })
    }

    /// The overrides as pretty JSON.
    ///
    /// ```
    /// assert!(churn_core::Overrides::default().to_json().contains("columns"));
    /// ```
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads overrides from a JSON file.
    ///
    /// ```no_run
    /// let o = churn_core::Overrides::load("mapping.json")?;
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<Overrides> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Overrides::from_json(&text).map_err(|e| e.in_file(path))
    }

    /// Writes the overrides to a JSON file.
    ///
    /// ```no_run
    /// churn_core::Overrides::default().save("mapping.json")?;
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, self.to_json()).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
    }
}

/// Maps table headers to schema features with the default [`MapOptions`].
///
/// `samples` are data rows aligned with `headers` (e.g. [`Table::sample`](crate::Table::sample))
/// for value-based evidence; `overrides` win over the mapper.
///
/// Errors only when an override names a feature the schema lacks or a header the table lacks.
///
/// ```
/// use churn_core::{map_columns, Schema};
/// let schema = Schema::from_names(&["support_tickets"]);
/// let rows = vec![vec!["Yes".to_string()], vec!["No".to_string()], vec!["Yes".to_string()]];
/// let m = map_columns(&["TechSupport"], &schema, Some(&rows), None)?;
/// assert_eq!(m.header_of("support_tickets"), None); // a yes/no service is not a count
/// # Ok::<(), churn_core::Error>(())
/// ```
pub fn map_columns<S: AsRef<str>>(
    headers: &[S],
    schema: &Schema,
    samples: Option<&[Vec<String>]>,
    overrides: Option<&Overrides>,
) -> Result<Mapping> {
    map_columns_with(headers, schema, samples, overrides, &MapOptions::default())
}

/// [`map_columns`] with explicit options.
///
/// ```
/// use churn_core::{map_columns_with, MapOptions, Schema};
/// let schema = Schema::from_names(&["monthly_charges"]);
/// let strict = MapOptions { threshold: 0.99, ..MapOptions::default() };
/// let m = map_columns_with(&["MRR"], &schema, None, None, &strict)?;
/// assert_eq!(m.header_of("monthly_charges"), None);
/// # Ok::<(), churn_core::Error>(())
/// ```
pub fn map_columns_with<S: AsRef<str>>(
    headers: &[S],
    schema: &Schema,
    samples: Option<&[Vec<String>]>,
    overrides: Option<&Overrides>,
    options: &MapOptions,
) -> Result<Mapping> {
    let headers: Vec<String> = headers.iter().map(|h| h.as_ref().to_string()).collect();
    assign::map_headers(headers, schema, samples, overrides, options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::schema::FeatureSpec;

    fn schema(names: &[&str]) -> Schema {
        Schema::from_names(names)
    }

    #[test]
    fn empty_inputs() {
        let m = map_columns::<&str>(&[], &schema(&["a"]), None, None).unwrap();
        assert_eq!(m.missing(), ["a"]);
        let m = map_columns(&["x"], &Schema::default(), None, None).unwrap();
        assert_eq!(m.unmapped_headers(), ["x"]);
        let m = map_columns(&["", " ", "()"], &schema(&["a"]), None, None).unwrap();
        assert_eq!(m.missing(), ["a"]);
    }

    #[test]
    fn many_columns() {
        let mut headers: Vec<String> = (0..10_000).map(|i| format!("col_{i}")).collect();
        headers.push("Monthly Charges".into());
        let m = map_columns(&headers, &schema(&["MonthlyCharges", "tenure"]), None, None).unwrap();
        assert_eq!(m.column_of("MonthlyCharges"), Some(10_000));
        assert_eq!(m.column_of("tenure"), None);
    }

    #[test]
    fn overrides_errors() {
        let s = schema(&["a"]);
        let mut o = Overrides::default();
        o.set("b", "x");
        assert!(matches!(
            map_columns(&["x"], &s, None, Some(&o)),
            Err(Error::Override { .. })
        ));
        let mut o = Overrides::default();
        o.set("a", "nope");
        assert!(map_columns(&["x"], &s, None, Some(&o)).is_err());
        let mut o = Overrides::default();
        o.keep_unmapped("a");
        let m = map_columns(&["a"], &s, None, Some(&o)).unwrap();
        assert_eq!(m.missing(), ["a"]);
    }

    #[test]
    fn row_number_is_not_an_id() {
        let mut s = schema(&["tenure"]);
        s.features
            .push(FeatureSpec::new("customer_id", ValueKind::Identifier));
        let rows: Vec<Vec<String>> = (1..=20).map(|i| vec![i.to_string()]).collect();
        let m = map_columns(&["RowNumber"], &s, Some(&rows), None).unwrap();
        assert_eq!(m.column_of("customer_id"), None);
    }
}
