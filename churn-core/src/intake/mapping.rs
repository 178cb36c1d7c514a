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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::intake::normalize::{self, category_key};
use crate::intake::schema::{FeatureSpec, Schema, ValueKind};
use crate::intake::vocabulary::{ConceptKind, ConceptMatch, HeaderKey, Vocabulary};

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
    map_headers(headers, schema, samples, overrides, options)
}

/// [`map_columns_with`] once for every header type.
fn map_headers(
    headers: Vec<String>,
    schema: &Schema,
    samples: Option<&[Vec<String>]>,
    overrides: Option<&Overrides>,
    options: &MapOptions,
) -> Result<Mapping> {
    let vocab: &Vocabulary = match &options.vocabulary {
        Some(v) => v,
        None => Vocabulary::builtin(),
    };
    let threshold = options.threshold.clamp(0.0, 1.0);

    // --- Overrides first.
    let mut forced: HashMap<usize, Option<usize>> = HashMap::new(); // feature -> column
    let mut taken: HashSet<usize> = HashSet::new();
    if let Some(o) = overrides {
        for (feature, header) in &o.columns {
            let fi = schema
                .features
                .iter()
                .position(|f| &f.name == feature)
                .ok_or_else(|| Error::Override {
                    feature: feature.clone(),
                    reason: format!(
                        "the schema has no such feature (features: {})",
                        normalize::preview(
                            &schema
                                .features
                                .iter()
                                .map(|f| f.name.clone())
                                .collect::<Vec<_>>()
                        )
                    ),
                })?;
            let col = match header {
                None => None,
                Some(h) => {
                    let c = headers
                        .iter()
                        .position(|x| x == h)
                        .or_else(|| {
                            headers
                                .iter()
                                .position(|x| x.trim().eq_ignore_ascii_case(h.trim()))
                        })
                        .ok_or_else(|| Error::Override {
                            feature: feature.clone(),
                            reason: format!("the table has no column headed {h:?}"),
                        })?;
                    if !taken.insert(c) {
                        return Err(Error::Override {
                            feature: feature.clone(),
                            reason: format!("column {h:?} is already given to another feature"),
                        });
                    }
                    Some(c)
                }
            };
            forced.insert(fi, col);
        }
    }

    // --- Header analysis.
    let prefix = shared_prefix(&headers, vocab);
    let infos: Vec<HeaderInfo> = headers
        .iter()
        .map(|h| HeaderInfo::new(h, vocab, prefix.as_deref()))
        .collect();
    let feats: Vec<FeatureInfo> = schema
        .features
        .iter()
        .map(|f| FeatureInfo::new(f, vocab))
        .collect();
    let sample_rows: &[Vec<String>] = match samples {
        Some(s) => &s[..s.len().min(options.sample_rows)],
        None => &[],
    };
    let mut profiles: HashMap<usize, Option<ValueProfile>> = HashMap::new();

    // --- Scores.
    const FLOOR: f64 = 0.3;
    let mut scores: Vec<Vec<(usize, f64, MatchSource)>> = vec![Vec::new(); feats.len()];
    for (fi, f) in feats.iter().enumerate() {
        if forced.contains_key(&fi) {
            continue;
        }
        for (hi, h) in infos.iter().enumerate() {
            if taken.contains(&hi) {
                continue;
            }
            let Some((base, source)) = name_score(h, f, vocab) else {
                continue;
            };
            if base < FLOOR {
                continue;
            }
            let prof = profiles
                .entry(hi)
                .or_insert_with(|| ValueProfile::of(sample_rows, hi));
            let m = prof.as_ref().map_or(1.0, |p| value_multiplier(p, f));
            let conf = if source == MatchSource::Exact {
                base * m.max(0.85)
            } else {
                (base * m).min(0.99)
            };
            if conf >= FLOOR {
                scores[fi].push((hi, conf, source));
            }
        }
        crate::order::sort_by(&mut scores[fi], |a, b| {
            b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
        });
    }

    // --- One-to-one assignment over the accepted pairs.
    let mut assigned: Vec<Option<usize>> = vec![None; feats.len()];
    let free_feats: Vec<usize> = (0..feats.len())
        .filter(|fi| !forced.contains_key(fi))
        .collect();
    let mut cand_cols: Vec<usize> = free_feats
        .iter()
        .flat_map(|&fi| scores[fi].iter().filter(|s| s.1 >= threshold).map(|s| s.0))
        .collect();
    crate::order::sort(&mut cand_cols);
    cand_cols.dedup();
    if !free_feats.is_empty() && !cand_cols.is_empty() {
        let col_pos: HashMap<usize, usize> =
            cand_cols.iter().enumerate().map(|(i, &c)| (c, i)).collect();
        let ncols = cand_cols.len() + free_feats.len();
        let mut weights = pathfinding::matrix::Matrix::new(free_feats.len(), ncols, 0i64);
        for (r, &fi) in free_feats.iter().enumerate() {
            for &(hi, conf, _) in &scores[fi] {
                if conf >= threshold {
                    if let Some(&c) = col_pos.get(&hi) {
                        weights[(r, c)] = (conf * 1_000_000.0).round() as i64;
                    }
                }
            }
        }
        let (_, cols) = pathfinding::kuhn_munkres::kuhn_munkres(&weights);
        for (r, &c) in cols.iter().enumerate() {
            if c < cand_cols.len() && weights[(r, c)] > 0 {
                assigned[free_feats[r]] = Some(cand_cols[c]);
            }
        }
    }
    for (&fi, &col) in &forced {
        assigned[fi] = col;
    }

    // --- Ambiguity, refusals, alternatives.
    let used_by: HashMap<usize, usize> = assigned
        .iter()
        .enumerate()
        .filter_map(|(fi, c)| c.map(|c| (c, fi)))
        .collect();
    let mut out: Vec<FeatureMatch> = Vec::with_capacity(feats.len());
    for (fi, f) in feats.iter().enumerate() {
        let spec = f.spec;
        let mut m = FeatureMatch {
            feature: spec.name.clone(),
            kind: spec.kind,
            required: spec.required,
            concept: f.concept.as_ref().map(|c| c.0.clone()),
            column: None,
            header: None,
            confidence: 0.0,
            source: None,
            ambiguous: false,
            alternatives: Vec::new(),
            note: None,
        };
        if let Some(&col) = forced.get(&fi) {
            m.column = col;
            m.header = col.map(|c| headers[c].clone());
            m.confidence = if col.is_some() { 1.0 } else { 0.0 };
            m.source = col.map(|_| MatchSource::Override);
            m.note = Some(match col {
                Some(_) => "set by an override".into(),
                None => "kept unmapped by an override".into(),
            });
            out.push(m);
            continue;
        }
        let chosen = assigned[fi];
        let chosen_score = chosen.and_then(|c| scores[fi].iter().find(|s| s.0 == c).copied());
        // Runner-up: the best other header not given to another feature.
        let runner = scores[fi]
            .iter()
            .find(|s| Some(s.0) != chosen && used_by.get(&s.0).is_none_or_eq(fi))
            .copied();
        if let Some((col, conf, source)) = chosen_score {
            let mut refuse = None;
            if let Some((rcol, rconf, rsource)) = runner {
                if rconf >= threshold && conf - rconf < options.ambiguity_margin {
                    m.ambiguous = true;
                    let tie = (conf - rconf).abs() < 1e-9;
                    let exact_wins = source == MatchSource::Exact && rsource != MatchSource::Exact;
                    if tie || !exact_wins {
                        refuse = Some(format!(
                            "ambiguous: {:?} ({conf:.2}) and {:?} ({rconf:.2}) both fit; choose one with an override",
                            headers[col], headers[rcol]
                        ));
                    } else {
                        m.note = Some(format!(
                            "{:?} ({rconf:.2}) also fits; the exact name was chosen",
                            headers[rcol]
                        ));
                    }
                }
            }
            match refuse {
                Some(note) => m.note = Some(note),
                None => {
                    m.column = Some(col);
                    m.header = Some(headers[col].clone());
                    m.confidence = round4(conf);
                    m.source = Some(source);
                }
            }
        } else if let Some((rcol, rconf, _)) = scores[fi].first().copied() {
            m.note = Some(if rconf >= threshold {
                format!("{:?} fits better another feature", headers[rcol])
            } else {
                format!(
                    "no column reached the threshold {threshold:.2}; closest is {:?} ({rconf:.2})",
                    headers[rcol]
                )
            });
        } else {
            m.note = Some("no column resembles this feature".into());
        }
        m.alternatives = scores[fi]
            .iter()
            .filter(|s| Some(s.0) != m.column)
            .take(options.top_k)
            .map(|&(c, conf, source)| Candidate {
                column: c,
                header: headers[c].clone(),
                confidence: round4(conf),
                source,
            })
            .collect();
        out.push(m);
    }
    let used: HashSet<usize> = out.iter().filter_map(|m| m.column).collect();
    let unmapped = infos
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.contains(i))
        .map(|(i, h)| UnmappedColumn {
            column: i,
            header: headers[i].clone(),
            concept: h
                .concepts
                .first()
                .filter(|c| c.score >= 0.9)
                .map(|c| c.concept.clone()),
        })
        .collect();
    Ok(Mapping {
        headers,
        features: out,
        unmapped,
        threshold,
    })
}

trait NoneOrEq {
    fn is_none_or_eq(&self, v: usize) -> bool;
}

impl NoneOrEq for Option<&usize> {
    fn is_none_or_eq(&self, v: usize) -> bool {
        match self {
            None => true,
            Some(x) => **x == v,
        }
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The first word most headers share (`cust_` in `cust_id, cust_tenure, cust_mrr`).
fn shared_prefix(headers: &[String], vocab: &Vocabulary) -> Option<String> {
    if headers.len() < 3 {
        return None;
    }
    let mut counts: HashMap<String, usize> = HashMap::new();
    for h in headers.iter().take(2000) {
        let first = h
            .trim()
            .split(|c: char| !c.is_alphanumeric())
            .find(|w| !w.is_empty())
            .map(str::to_lowercase);
        if let Some(w) = first {
            if w.len() < h.trim().len() {
                *counts.entry(w).or_default() += 1;
            }
        }
    }
    let n = headers.len().min(2000);
    let (word, count) = counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))?;
    if count * 10 >= n * 6 && count >= 3 {
        // Only when the word does not itself name something in most headers.
        let key = vocab.normalize(&word);
        if key.tokens.len() <= 2 {
            return Some(word);
        }
    }
    None
}

struct HeaderInfo {
    raw: String,
    key: HeaderKey,
    concepts: Vec<ConceptMatch>,
}

impl HeaderInfo {
    fn new(header: &str, vocab: &Vocabulary, prefix: Option<&str>) -> HeaderInfo {
        let mut key = vocab.normalize(header);
        if let Some(p) = prefix {
            let lower = header.trim().to_lowercase();
            if let Some(rest) = lower.strip_prefix(p) {
                let rest = rest.trim_start_matches(|c: char| !c.is_alphanumeric());
                if !rest.is_empty() {
                    // Keep the original case of the rest for camelCase splitting.
                    let start = header.trim().len() - rest.len();
                    let original = header.trim().get(start..).unwrap_or(rest);
                    let extra = vocab.normalize(original);
                    for (t, w) in extra.variants {
                        if !key.variants.iter().any(|(k, _)| *k == t) {
                            key.variants.push((t, w * 0.97));
                        }
                    }
                    if key.unit.is_none() {
                        key.unit = extra.unit;
                    }
                }
            }
        }
        let fuzzy = header.chars().count() <= 80;
        let concepts = vocab.resolve_key(&key, fuzzy);
        HeaderInfo {
            raw: header.trim().to_lowercase(),
            key,
            concepts,
        }
    }
}

struct FeatureInfo<'a> {
    spec: &'a FeatureSpec,
    /// (normalised name, is an alias)
    names: Vec<(String, HeaderKey, bool)>,
    /// Concept id and how sure.
    concept: Option<(String, f64)>,
    concept_kind: Option<ConceptKind>,
    unit: Option<String>,
}

impl<'a> FeatureInfo<'a> {
    fn new(spec: &'a FeatureSpec, vocab: &Vocabulary) -> FeatureInfo<'a> {
        let mut names = vec![(
            spec.name.trim().to_lowercase(),
            vocab.normalize(&spec.name),
            false,
        )];
        if !spec.display_name.is_empty() {
            names.push((
                spec.display_name.trim().to_lowercase(),
                vocab.normalize(&spec.display_name),
                false,
            ));
        }
        for a in &spec.aliases {
            names.push((a.trim().to_lowercase(), vocab.normalize(a), true));
        }
        let concept = match &spec.concept {
            Some(c) if vocab.concept(c).is_some() => Some((c.clone(), 1.0)),
            _ => {
                let mut best: Option<(String, f64)> = None;
                for (_, key, _) in &names {
                    let found = vocab.resolve_key(key, true);
                    if let Some(top) = found.first() {
                        let second = found.get(1).map_or(0.0, |c| c.score);
                        if top.score >= 0.9
                            && top.score - second >= 0.03
                            && best.as_ref().is_none_or_lt(top.score)
                        {
                            best = Some((top.concept.clone(), top.score));
                        }
                    }
                }
                best
            }
        };
        let concept_kind = concept
            .as_ref()
            .and_then(|(c, _)| vocab.concept(c))
            .map(|c| c.kind);
        let unit = spec
            .unit
            .clone()
            .or_else(|| names.first().and_then(|n| n.1.unit.clone()))
            .or_else(|| {
                concept
                    .as_ref()
                    .and_then(|(c, _)| vocab.concept(c))
                    .and_then(|c| c.unit.clone())
            });
        FeatureInfo {
            spec,
            names,
            concept,
            concept_kind,
            unit,
        }
    }
}

trait NoneOrLt {
    fn is_none_or_lt(&self, v: f64) -> bool;
}

impl NoneOrLt for Option<&(String, f64)> {
    fn is_none_or_lt(&self, v: f64) -> bool {
        match self {
            None => true,
            Some((_, s)) => *s < v,
        }
    }
}

const TIME_UNITS: &[&str] = &["months", "days", "years", "weeks", "hours"];

/// Name- and concept-based score of a header for a feature, before value evidence.
fn name_score(h: &HeaderInfo, f: &FeatureInfo, vocab: &Vocabulary) -> Option<(f64, MatchSource)> {
    if h.key.tokens.is_empty() && h.raw.is_empty() {
        return None;
    }
    // Raw and normalised exact matches.
    let mut name_sim: f64 = 0.0;
    let mut name_src = MatchSource::Fuzzy;
    for (raw, key, alias) in &f.names {
        if !h.raw.is_empty() && h.raw == *raw {
            let src = if *alias {
                MatchSource::Alias
            } else {
                MatchSource::Exact
            };
            return Some((1.0, src));
        }
        for (ht, hw) in &h.key.variants {
            for (ft, fw) in &key.variants {
                let s = vocab.similarity(ht, ft) * hw * fw;
                let s = if *alias { s * 0.99 } else { s };
                if s > name_sim {
                    name_sim = s;
                    name_src = if s >= 0.999 && !*alias {
                        MatchSource::Exact
                    } else if s >= 0.98 && *alias {
                        MatchSource::Alias
                    } else {
                        MatchSource::Fuzzy
                    };
                }
            }
        }
    }
    // Concepts.
    let mut concept_score: f64 = 0.0;
    let mut conflict = false;
    let top = h.concepts.first();
    match &f.concept {
        Some((cf, cf_conf)) => {
            let s_h = h
                .concepts
                .iter()
                .find(|c| &c.concept == cf)
                .map_or(0.0, |c| c.score);
            let best_other = h
                .concepts
                .iter()
                .filter(|c| &c.concept != cf)
                .map(|c| c.score)
                .fold(0.0, f64::max);
            if s_h >= 0.85 && s_h + 1e-9 >= best_other {
                concept_score = 0.97 * s_h * cf_conf.min(1.0);
            }
            if best_other >= 0.85 && best_other > s_h + 1e-9 {
                conflict = true;
            }
        }
        None => {
            if top.is_some_and(|c| c.score >= 0.95) && name_sim < 0.95 {
                conflict = true;
            }
        }
    }
    let (mut base, source) = if name_sim >= 0.999 && name_src == MatchSource::Exact {
        (1.0, MatchSource::Exact)
    } else if name_src == MatchSource::Alias && name_sim >= concept_score {
        (name_sim, MatchSource::Alias)
    } else if concept_score >= name_sim {
        (concept_score, MatchSource::Concept)
    } else {
        (name_sim, MatchSource::Fuzzy)
    };
    if conflict && source != MatchSource::Exact {
        base *= 0.5;
    }
    if source != MatchSource::Exact {
        if let (Some(hu), Some(fu)) = (&h.key.unit, &f.unit) {
            if hu != fu && TIME_UNITS.contains(&hu.as_str()) && TIME_UNITS.contains(&fu.as_str()) {
                base *= 0.5;
            }
        }
    }
    if base <= 0.0 {
        None
    } else {
        Some((base, source))
    }
}

/// What a sample of a column's values looks like.
#[derive(Clone, Debug, Default)]
struct ValueProfile {
    n: usize,
    numeric: usize,
    integer: usize,
    negative: usize,
    bool_words: usize,
    bools: usize,
    dates: usize,
    currency: usize,
    keys: HashSet<String>,
    values: Vec<f64>,
    label_like: usize,
    sequential: bool,
}

impl ValueProfile {
    fn of(rows: &[Vec<String>], col: usize) -> Option<ValueProfile> {
        let mut p = ValueProfile::default();
        let mut ints: Vec<f64> = Vec::new();
        for row in rows {
            let Some(raw) = row.get(col) else { continue };
            if normalize::is_missing(raw) {
                continue;
            }
            p.n += 1;
            let key = category_key(raw);
            if p.keys.len() < 1000 {
                p.keys.insert(key.clone());
            }
            let lower = raw.trim().to_lowercase();
            if matches!(lower.as_str(), "yes" | "no" | "y" | "n" | "true" | "false") {
                p.bool_words += 1;
            }
            if normalize::parse_bool(raw).is_some() {
                p.bools += 1;
            }
            if normalize::parse_label(raw, &[]).is_some() {
                p.label_like += 1;
            }
            if let Some(num) = normalize::parse_number(raw) {
                p.numeric += 1;
                if num.currency {
                    p.currency += 1;
                }
                if num.value < 0.0 {
                    p.negative += 1;
                }
                if num.value.fract() == 0.0 {
                    p.integer += 1;
                    ints.push(num.value);
                }
                p.values.push(num.value);
            } else if normalize::parse_date(raw).is_some() {
                p.dates += 1;
            }
        }
        if p.n == 0 {
            return None;
        }
        p.sequential = ints.len() == p.n && p.n >= 5 && ints.windows(2).all(|w| w[1] - w[0] == 1.0);
        Some(p)
    }

    fn share(&self, k: usize) -> f64 {
        k as f64 / self.n.max(1) as f64
    }
}

/// How well the sampled values fit the feature: 1 = fits, lower = cannot be this feature.
fn value_multiplier(p: &ValueProfile, f: &FeatureInfo) -> f64 {
    if p.n < 3 {
        return 1.0;
    }
    let spec = f.spec;
    let distinct = p.keys.len();
    let num = p.share(p.numeric);
    let boolw = p.share(p.bool_words);
    let dates = p.share(p.dates);
    let mut m: f64 = match spec.kind {
        ValueKind::Identifier => {
            if p.sequential {
                0.4
            } else if p.n >= 10 && (distinct as f64) < 0.9 * p.n as f64 {
                0.3
            } else {
                1.0
            }
        }
        ValueKind::Label => {
            if distinct > 2 {
                0.3
            } else if p.share(p.label_like) >= 0.9 || !spec.categories.is_empty() {
                1.0
            } else {
                0.7
            }
        }
        ValueKind::Boolean => {
            if distinct <= 2 || p.share(p.bools) >= 0.9 {
                1.0
            } else if num >= 0.9 {
                0.4
            } else {
                0.5
            }
        }
        ValueKind::Categorical => {
            if spec.categories.is_empty() {
                1.0
            } else {
                let known: HashSet<String> =
                    spec.categories.iter().map(|c| category_key(c)).collect();
                let hit = p.keys.iter().filter(|k| known.contains(*k)).count();
                let share = hit as f64 / distinct.max(1) as f64;
                if share >= 0.8 {
                    1.0
                } else if share >= 0.5 {
                    0.95
                } else if share >= 0.2 {
                    0.8
                } else {
                    0.5
                }
            }
        }
        ValueKind::Numeric => {
            if num + boolw >= 0.9 {
                1.0
            } else if dates >= 0.8 {
                0.5
            } else if num + boolw < 0.5 {
                0.4
            } else {
                0.8
            }
        }
        ValueKind::DateDerived => {
            if dates >= 0.8 || num >= 0.9 {
                1.0
            } else {
                0.5
            }
        }
    };
    if spec.kind.is_input() {
        match f.concept_kind {
            Some(ConceptKind::Count) => {
                if boolw >= 0.5 {
                    m = m.min(0.3);
                } else if num >= 0.9 && (p.share(p.negative) > 0.05 || p.share(p.integer) < 0.9) {
                    m = m.min(0.7);
                }
                if p.share(p.currency) >= 0.5 {
                    m = m.min(0.6);
                }
            }
            Some(ConceptKind::Currency) if boolw >= 0.5 => m = m.min(0.3),
            Some(ConceptKind::Boolean) if distinct > 3 => m = m.min(0.5),
            _ => {}
        }
        if let (Some(lo), Some(hi)) = (spec.min, spec.max) {
            if !p.values.is_empty() && hi > lo {
                let span = hi - lo;
                let out = p
                    .values
                    .iter()
                    .filter(|&&v| v < lo - 0.1 * span || v > hi + 0.1 * span)
                    .count();
                if out * 2 >= p.values.len() {
                    m = m.min(0.6);
                }
            }
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

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
