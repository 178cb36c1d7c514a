//! The model bundle: one file with the model, its schema, a reference profile of the training
//! data, a small labelled reference sample, risk-tier thresholds and metadata.
//!
//! # File format (`churnlens.bundle`, version 1)
//!
//! One UTF-8 JSON document:
//!
//! ```text
//! {
//!   "format": "churnlens.bundle",
//!   "format_version": 1,
//!   "metadata": {
//!     "name": "telco-churn", "version": "1.0.0", "created": "2026-11-28T12:00:00Z",
//!     "description": "...", "source": "xgboost 3.2.0",
//!     "metrics": {"holdout_auc": 0.84},
//!     "content_hash": "<64 lowercase hex digits>"
//!   },
//!   "model": {"format": "xgboost_json" | "xgboost_ubjson" | "lightgbm_text",
//!             "encoding": "utf8" | "base64", "data": "<the model file>"},
//!   "schema": {"features": [ ...FeatureSpec... ]},
//!   "reference": {"rows": 5634, "features": [
//!       {"name": "tenure", "kind": "numeric", "missing_rate": 0.0,
//!        "edges": [2, 6, ...], "proportions": [0.1, ...], "min": 0, "max": 72, "mean": 32.4},
//!       {"name": "Contract", "kind": "categorical", "missing_rate": 0.0,
//!        "categories": [{"value": "Month-to-month", "proportion": 0.55}, ...], "other": 0.0}]},
//!   "sample": {"features": ["gender", ...], "rows": [[0, 1, null, ...], ...], "labels": [0, 1, ...]},
//!   "tiers": {"tiers": [{"name": "low", "min_probability": 0.0}, {"name": "medium", ...}]}
//! }
//! ```
//!
//! - `model.data` is the model file itself: its text (`utf8`) for XGBoost JSON and LightGBM,
//!   base64 (standard alphabet, padded) for XGBoost UBJSON.
//! - `schema` lists model inputs in model column order, plus optional identifier and label.
//! - `reference` numeric bins: value `v` falls in bin `i` = number of edges `< v` (bin `i` is
//!   `(edges[i-1], edges[i]]`), i.e. numpy `searchsorted(edges, v, side="left")`; proportions
//!   are over non-missing values and have `len(edges) + 1` entries. Categorical shares use the
//!   schema's category names (or the integer code as text when the schema has none); `other`
//!   is the share of every category not listed. `reference`, `sample` and `tiers` may be `null`.
//! - `sample` rows are model inputs (category codes, 0/1 booleans), `null` = missing, with
//!   labels 0/1: the estimated-AUC check of the quality report rescoring them.
//! - `metadata.content_hash` is the SHA-256 of the file's bytes in which those 64 hex digits are
//!   replaced by 64 `0` characters. Writers put 64 zeros, hash, and substitute the digest;
//!   readers reverse it and refuse a file whose hash does not match.
//!
//! A bare model file (XGBoost JSON/UBJSON, LightGBM text) also loads as a bundle: its schema
//! comes from the model's feature names and kinds, and it has no reference, sample or tiers.
//!
//! ```
//! let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
//! assert_eq!(bundle.schema().num_inputs(), bundle.model().num_features());
//! assert!(bundle.sample().is_some());
//! let bare = churn_core::Bundle::load("../tests/fixtures/xgb_binary/model.json")?;
//! assert!(bare.reference.is_none());
//! # Ok::<(), churn_core::Error>(())
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::intake::schema::Schema;
use crate::model::{Format, Model};
// The reference and tier types are read by the report layer below, so they live there; their
// public paths (`churn_core::bundle::ReferenceProfile`, ...) stay here.
pub use crate::report::reference::{
    CategoryShare, FeatureReference, ReferenceKind, ReferenceProfile, ReferenceSample,
};
pub use crate::report::tiers::{RiskTiers, Tier};

pub mod explain;
mod reports;
pub use reports::{quality_report, tiers_of};

pub mod builder;
pub use builder::{
    BuildSummary, Built, BundleBuilder, Training, DEFAULT_ID_COLUMN, DEFAULT_LABEL_COLUMN,
};

/// The `format` value of a bundle file.
///
/// ```
/// assert_eq!(churn_core::bundle::BUNDLE_FORMAT, "churnlens.bundle");
/// ```
pub const BUNDLE_FORMAT: &str = "churnlens.bundle";
/// The bundle format version this crate writes and reads.
///
/// ```
/// assert_eq!(churn_core::bundle::BUNDLE_FORMAT_VERSION, 1);
/// ```
pub const BUNDLE_FORMAT_VERSION: u32 = 1;

/// Name, version and provenance of a bundle.
///
/// ```
/// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// assert_eq!(b.metadata.version, "1.0.0");
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BundleMetadata {
    /// Bundle name.
    pub name: String,
    /// Bundle version.
    #[serde(default)]
    pub version: String,
    /// Creation time (ISO 8601), as the writer gave it.
    #[serde(default)]
    pub created: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// What produced the model (e.g. `xgboost 3.2.0`).
    #[serde(default)]
    pub source: String,
    /// Metrics of the model, e.g. `holdout_auc`.
    #[serde(default)]
    pub metrics: BTreeMap<String, f64>,
    /// SHA-256 of the file content (see the module docs); filled when read or written.
    #[serde(default)]
    pub content_hash: String,
}

#[derive(Serialize, Deserialize)]
struct ModelSection {
    format: String,
    encoding: String,
    data: String,
}

#[derive(Serialize)]
struct BundleFileOut<'a> {
    format: &'a str,
    format_version: u32,
    metadata: &'a BundleMetadata,
    model: ModelSection,
    schema: &'a Schema,
    reference: &'a Option<ReferenceProfile>,
    sample: &'a Option<ReferenceSample>,
    tiers: &'a Option<RiskTiers>,
}

/// A model with everything needed to check, score and explain a table.
///
/// ```
/// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let x = b.sample().unwrap().matrix();
/// let p = b.model().predict(x.view())?;
/// assert_eq!(p.nrows(), 500);
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Debug)]
pub struct Bundle {
    /// Name, version, provenance, content hash.
    pub metadata: BundleMetadata,
    /// Training distributions, for drift.
    pub reference: Option<ReferenceProfile>,
    /// Risk-tier thresholds.
    pub tiers: Option<RiskTiers>,
    schema: Schema,
    sample: Option<ReferenceSample>,
    model: Model,
    model_bytes: Vec<u8>,
}

impl Bundle {
    /// A bundle of a model file's bytes and a schema (the model's own when `None`); the schema
    /// must fit the model.
    ///
    /// ```
    /// let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
    /// let b = churn_core::Bundle::new(bytes, None)?;
    /// assert_eq!(b.schema().num_inputs(), b.model().num_features());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn new(model_bytes: Vec<u8>, schema: Option<Schema>) -> Result<Bundle> {
        let model = Model::from_bytes(&model_bytes)?;
        let schema = match schema {
            Some(s) => {
                s.check()?;
                s.check_model(&model)?;
                s
            }
            None => Schema::from_model(&model),
        };
        let metadata = BundleMetadata {
            name: "model".into(),
            content_hash: hex(&Sha256::digest(&model_bytes)),
            ..BundleMetadata::default()
        };
        Ok(Bundle {
            metadata,
            reference: None,
            tiers: None,
            schema,
            sample: None,
            model,
            model_bytes,
        })
    }

    /// Reads a bundle file, or a bare model file.
    ///
    /// ```
    /// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// assert_eq!(b.metadata.content_hash.len(), 64);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<Bundle> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Bundle::from_bytes(&bytes).map_err(|e| e.in_file(path))
    }

    /// Parses a bundle file's bytes, or a bare model's (XGBoost JSON/UBJSON, LightGBM text).
    ///
    /// ```
    /// let err = churn_core::Bundle::from_bytes(br#"{"format": "churnlens.bundle", "format_version": 9}"#).unwrap_err();
    /// assert!(err.to_string().contains("format_version"));
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Bundle> {
        let head = bytes
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .map(|i| &bytes[i..])
            .unwrap_or(&[]);
        if head.first() == Some(&b'{') {
            if let Ok(text) = std::str::from_utf8(bytes) {
                match serde_json::from_str::<BundleParts>(text) {
                    Ok(parts) if parts.format.as_deref() == Some(BUNDLE_FORMAT) => {
                        return Bundle::from_parts(text, parts);
                    }
                    // Well-formed JSON whose top level does not fit (a repeated key, a format
                    // that is not a string) is a bundle error when it says it is a bundle.
                    Err(e) if e.is_data() && text.contains(BUNDLE_FORMAT) => {
                        return Err(Error::Bundle {
                            field: "(top level)".into(),
                            reason: e.to_string(),
                        });
                    }
                    _ => {}
                }
            }
        }
        Bundle::new(bytes.to_vec(), None)
    }

    fn from_parts(text: &str, parts: BundleParts<'_>) -> Result<Bundle> {
        let err = |field: &str, reason: String| Error::Bundle {
            field: field.to_string(),
            reason,
        };
        let version = parts.format_version.map(|v| v.get());
        if version.and_then(|v| v.parse::<u64>().ok()) != Some(BUNDLE_FORMAT_VERSION as u64) {
            return Err(err(
                "format_version",
                format!(
                    "expected {BUNDLE_FORMAT_VERSION}, found {}",
                    version.unwrap_or("nothing")
                ),
            ));
        }
        // Each part is read from its own text with the same serde_json reader as every other
        // JSON (readers over `Value` as well were 11 KB of the WASM module); errors give the
        // line and column in the whole file. A missing part reads as `null`.
        fn part<T: serde::de::DeserializeOwned>(
            text: &str,
            raw: Option<&serde_json::value::RawValue>,
            name: &str,
        ) -> Result<T> {
            let slice = raw.map_or("null", |r| r.get());
            serde_json::from_str(slice).map_err(|e| {
                let message = e.to_string();
                let reason = message
                    .rsplit_once(" at line ")
                    .map_or(message.as_str(), |(m, _)| m);
                // Where the part starts in the file, when it is there.
                let start = (slice.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
                let reason = match text.get(..start) {
                    Some(before) if raw.is_some() && e.line() > 0 => {
                        let (at_line, at_column) = crate::error::line_and_column(before.as_bytes());
                        let line = at_line + e.line() - 1;
                        let column = if e.line() == 1 {
                            at_column + e.column() - 1
                        } else {
                            e.column()
                        };
                        format!("{reason} (line {line}, column {column})")
                    }
                    _ => reason.to_string(),
                };
                Error::Bundle {
                    field: name.to_string(),
                    reason,
                }
            })
        }
        let mut metadata: BundleMetadata = part(text, parts.metadata, "metadata")?;
        // Content hash.
        let (stored, computed) = hash_of_text(text).ok_or_else(|| {
            err(
                "metadata.content_hash",
                "missing or not 64 hex digits".into(),
            )
        })?;
        if stored != computed {
            return Err(err(
                "metadata.content_hash",
                format!(
                    "the file was changed after it was written: it says {stored}, its content hashes to {computed}"
                ),
            ));
        }
        metadata.content_hash = computed;
        let section: ModelSection = part(text, parts.model, "model")?;
        let model_bytes = match section.encoding.as_str() {
            "utf8" => section.data.into_bytes(),
            "base64" => base64::engine::general_purpose::STANDARD
                .decode(section.data.trim())
                .map_err(|e| err("model.data", format!("invalid base64: {e}")))?,
            other => {
                return Err(err(
                    "model.encoding",
                    format!("expected \"utf8\" or \"base64\", found {other:?}"),
                ))
            }
        };
        let model =
            Model::from_bytes(&model_bytes).map_err(|e| err("model.data", e.to_string()))?;
        let schema: Schema = part(text, parts.schema, "schema")?;
        schema
            .check()
            .and_then(|_| schema.check_model(&model))
            .map_err(|e| err("schema", e.to_string()))?;
        let reference: Option<ReferenceProfile> = part(text, parts.reference, "reference")?;
        let sample: Option<ReferenceSample> = part(text, parts.sample, "sample")?;
        let tiers: Option<RiskTiers> = part(text, parts.tiers, "tiers")?;
        let mut b = Bundle {
            metadata,
            reference: None,
            tiers: None,
            schema,
            sample: None,
            model,
            model_bytes,
        };
        if let Some(r) = reference {
            b.set_reference(r)?;
        }
        if let Some(s) = sample {
            b.set_sample(s)?;
        }
        if let Some(t) = tiers {
            b.set_tiers(t)?;
        }
        Ok(b)
    }

    /// The model.
    ///
    /// ```
    /// let b = churn_core::Bundle::load("../tests/fixtures/lgb_binary/model.txt")?;
    /// assert_eq!(b.model().format(), churn_core::Format::LightGBM);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The model file's bytes, as embedded.
    ///
    /// ```
    /// let b = churn_core::Bundle::load("../tests/fixtures/lgb_binary/model.txt")?;
    /// assert!(b.model_bytes().starts_with(b"tree"));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn model_bytes(&self) -> &[u8] {
        &self.model_bytes
    }

    /// The schema.
    ///
    /// ```
    /// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// assert!(b.schema().identifier().is_some());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Replaces the schema (checked against the model).
    ///
    /// ```
    /// let mut b = churn_core::Bundle::load("../tests/fixtures/xgb_binary/model.json")?;
    /// let mut s = b.schema().clone();
    /// s.features[0].required = true;
    /// b.set_schema(s)?;
    /// assert!(b.set_schema(churn_core::Schema::from_names(&["x"])).is_err());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn set_schema(&mut self, schema: Schema) -> Result<()> {
        schema.check()?;
        schema.check_model(&self.model)?;
        self.schema = schema;
        Ok(())
    }

    /// The labelled reference sample.
    ///
    /// ```
    /// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let s = b.sample().unwrap();
    /// assert_eq!(s.rows.len(), s.labels.len());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn sample(&self) -> Option<&ReferenceSample> {
        self.sample.as_ref()
    }

    /// Sets the reference profile (its features must be schema inputs; bins consistent).
    ///
    /// ```
    /// let mut b = churn_core::Bundle::load("../tests/fixtures/xgb_binary/model.json")?;
    /// let x = ndarray::Array2::<f64>::zeros((4, b.model().num_features()));
    /// let r = churn_core::ReferenceProfile::from_matrix(x.view(), b.schema(), 10);
    /// b.set_reference(r)?;
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn set_reference(&mut self, reference: ReferenceProfile) -> Result<()> {
        for (i, f) in reference.features.iter().enumerate() {
            let at = |field: &str| format!("reference.features[{i}].{field}");
            if !self.schema.inputs().any(|s| s.name == f.name) {
                return Err(Error::Bundle {
                    field: at("name"),
                    reason: format!("`{}` is not a model input of the schema", f.name),
                });
            }
            let finite = f.edges.iter().chain(&f.proportions).all(|v| v.is_finite())
                && f.categories.iter().all(|c| c.proportion.is_finite());
            if !finite || !(0.0..=1.0).contains(&f.missing_rate) {
                return Err(Error::Bundle {
                    field: at("proportions"),
                    reason: "values must be finite and rates within 0..1".into(),
                });
            }
            if f.kind == ReferenceKind::Numeric {
                if f.proportions.len() != f.edges.len() + 1 {
                    return Err(Error::Bundle {
                        field: at("proportions"),
                        reason: format!(
                            "{} edges need {} proportions, found {}",
                            f.edges.len(),
                            f.edges.len() + 1,
                            f.proportions.len()
                        ),
                    });
                }
                if f.edges.windows(2).any(|w| w[0] >= w[1]) {
                    return Err(Error::Bundle {
                        field: at("edges"),
                        reason: "edges must be strictly ascending".into(),
                    });
                }
            }
        }
        self.reference = Some(reference);
        Ok(())
    }

    /// Sets the labelled reference sample (columns = schema inputs; labels 0/1).
    ///
    /// ```
    /// let mut b = churn_core::Bundle::load("../tests/fixtures/xgb_binary/model.json")?;
    /// let bad = churn_core::ReferenceSample { features: vec!["nope".into()], rows: vec![], labels: vec![] };
    /// assert!(b.set_sample(bad).is_err());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn set_sample(&mut self, sample: ReferenceSample) -> Result<()> {
        let names = self.schema.input_names();
        if sample.features != names {
            return Err(Error::Bundle {
                field: "sample.features".into(),
                reason: format!(
                    "the sample columns must be the schema inputs in order ({} columns expected, {} found)",
                    names.len(),
                    sample.features.len()
                ),
            });
        }
        if sample.rows.len() != sample.labels.len() {
            return Err(Error::Bundle {
                field: "sample.labels".into(),
                reason: format!(
                    "{} rows but {} labels",
                    sample.rows.len(),
                    sample.labels.len()
                ),
            });
        }
        for (i, r) in sample.rows.iter().enumerate() {
            if r.len() != names.len() {
                return Err(Error::Bundle {
                    field: format!("sample.rows[{i}]"),
                    reason: format!("{} values, expected {}", r.len(), names.len()),
                });
            }
        }
        if let Some(i) = sample.labels.iter().position(|&l| l != 0.0 && l != 1.0) {
            return Err(Error::Bundle {
                field: format!("sample.labels[{i}]"),
                reason: format!("labels are 0 or 1, found {}", sample.labels[i]),
            });
        }
        self.sample = Some(sample);
        Ok(())
    }

    /// Sets the risk tiers (ascending bounds within 0..1).
    ///
    /// ```
    /// use churn_core::{RiskTiers, Tier};
    /// let mut b = churn_core::Bundle::load("../tests/fixtures/xgb_binary/model.json")?;
    /// let t = RiskTiers { tiers: vec![Tier { name: "high".into(), min_probability: 1.5 }] };
    /// assert!(b.set_tiers(t).is_err());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn set_tiers(&mut self, tiers: RiskTiers) -> Result<()> {
        let ok = tiers
            .tiers
            .iter()
            .all(|t| (0.0..=1.0).contains(&t.min_probability))
            && tiers
                .tiers
                .windows(2)
                .all(|w| w[0].min_probability < w[1].min_probability);
        if !ok {
            return Err(Error::Bundle {
                field: "tiers".into(),
                reason: "tier bounds must be ascending probabilities within 0..1".into(),
            });
        }
        self.tiers = Some(tiers);
        Ok(())
    }

    /// The bundle file's text (format in the module docs), with its content hash.
    ///
    /// ```
    /// let b = churn_core::Bundle::load("../tests/fixtures/xgb_binary/model.json")?;
    /// let text = b.to_json()?;
    /// let again = churn_core::Bundle::from_bytes(text.as_bytes())?;
    /// assert_eq!(again.model().num_trees(), b.model().num_trees());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn to_json(&self) -> Result<String> {
        let (format, encoding, data) =
            match (self.model.format(), std::str::from_utf8(&self.model_bytes)) {
                (Format::LightGBM, Ok(t)) => ("lightgbm_text", "utf8", t.to_string()),
                (Format::XGBoost, Ok(t))
                    if t.trim_start().starts_with('{') && !t.contains('\0') =>
                {
                    ("xgboost_json", "utf8", t.to_string())
                }
                (f, _) => (
                    if f == Format::LightGBM {
                        "lightgbm_text"
                    } else {
                        "xgboost_ubjson"
                    },
                    "base64",
                    base64::engine::general_purpose::STANDARD.encode(&self.model_bytes),
                ),
            };
        let mut metadata = self.metadata.clone();
        metadata.content_hash = "0".repeat(64);
        let out = BundleFileOut {
            format: BUNDLE_FORMAT,
            format_version: BUNDLE_FORMAT_VERSION,
            metadata: &metadata,
            model: ModelSection {
                format: format.into(),
                encoding: encoding.into(),
                data,
            },
            schema: &self.schema,
            reference: &self.reference,
            sample: &self.sample,
            tiers: &self.tiers,
        };
        let text = serde_json::to_string_pretty(&out).map_err(|e| Error::Bundle {
            field: "".into(),
            reason: format!("cannot serialise: {e}"),
        })?;
        let digest = hex(&Sha256::digest(text.as_bytes()));
        let placeholder = format!("\"content_hash\": \"{}\"", "0".repeat(64));
        Ok(text.replacen(&placeholder, &format!("\"content_hash\": \"{digest}\""), 1))
    }

    /// Writes the bundle file.
    ///
    /// ```no_run
    /// let b = churn_core::Bundle::load("model.json")?;
    /// b.save("model.bundle.json")?;
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let text = self.to_json()?;
        std::fs::write(path, text).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A bundle file's top level, each part kept as its text (unknown keys are skipped, so a bare
/// XGBoost JSON model reads as parts without a `format`).
#[derive(Deserialize)]
struct BundleParts<'a> {
    format: Option<String>,
    #[serde(borrow)]
    format_version: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow)]
    metadata: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow)]
    model: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow)]
    schema: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow)]
    reference: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow)]
    sample: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow)]
    tiers: Option<&'a serde_json::value::RawValue>,
}

/// (stored hash, hash of the text with the stored hash zeroed).
fn hash_of_text(text: &str) -> Option<(String, String)> {
    let key = "\"content_hash\"";
    let start = text.find(key)? + key.len();
    let rest = &text[start..];
    let after_ws = rest.trim_start();
    let after_colon = after_ws.strip_prefix(':')?.trim_start();
    let after_quote = after_colon.strip_prefix('"')?;
    let digits = after_quote.get(..64)?;
    if !digits.chars().all(|c| c.is_ascii_hexdigit()) || !after_quote[64..].starts_with('"') {
        return None;
    }
    let offset = text.len() - after_quote.len();
    let mut bytes = text.as_bytes().to_vec();
    for b in &mut bytes[offset..offset + 64] {
        *b = b'0';
    }
    Some((digits.to_lowercase(), hex(&Sha256::digest(&bytes))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tampering_is_detected() {
        let b = Bundle::load("../tests/fixtures/xgb_binary/model.json").unwrap();
        let text = b.to_json().unwrap();
        assert!(Bundle::from_bytes(text.as_bytes()).is_ok());
        let changed = text.replacen("\"name\": \"model\"", "\"name\": \"modex\"", 1);
        let e = Bundle::from_bytes(changed.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("content_hash"), "{e}");
    }

    #[test]
    fn part_errors_give_the_place_in_the_file() {
        let text = std::fs::read_to_string("../examples/demo/telco_bundle.json").unwrap();
        let at = text.find("\"kind\": \"boolean\"").unwrap();
        let bad = text.replacen("\"kind\": \"boolean\"", "\"kind\": 7", 1);
        // Re-seal the file, so that the schema is read rather than the hash refused.
        let (stored, computed) = hash_of_text(&bad).unwrap();
        let bad = bad.replacen(&stored, &computed, 1);
        let line = text[..at].matches('\n').count() + 1;
        // serde_json points at the last character it read: the 7.
        let column = at - text[..at].rfind('\n').unwrap() + "\"kind\": ".len();
        match Bundle::from_bytes(bad.as_bytes()) {
            Err(Error::Bundle { field, reason }) => {
                assert_eq!(field, "schema");
                assert!(
                    reason.ends_with(&format!("(line {line}, column {column})")),
                    "{reason}"
                );
            }
            other => panic!("expected a schema error, got {other:?}"),
        }
        // A repeated part is refused as a bundle error.
        let twice = text.replacen("\"schema\": {", "\"schema\": {}, \"schema\": {", 1);
        match Bundle::from_bytes(twice.as_bytes()) {
            Err(Error::Bundle { field, reason }) => {
                assert_eq!(field, "(top level)");
                assert!(reason.contains("duplicate field `schema`"), "{reason}");
            }
            other => panic!("expected a bundle error, got {other:?}"),
        }
        // A part that is missing reads as null.
        let e = Bundle::from_bytes(br#"{"format": "churnlens.bundle", "format_version": 1}"#);
        assert!(matches!(e, Err(Error::Bundle { field, .. }) if field == "metadata"));
    }

    #[test]
    fn ubjson_round_trips_as_base64() {
        let b = Bundle::load("../tests/fixtures/xgb_binary_ubj/model.ubj").unwrap();
        let text = b.to_json().unwrap();
        assert!(text.contains("\"base64\""));
        let again = Bundle::from_bytes(text.as_bytes()).unwrap();
        assert_eq!(again.model_bytes(), b.model_bytes());
    }

    #[test]
    fn hostile_bundles() {
        for bad in [
            &b"{\"format\": \"churnlens.bundle\"}"[..],
            b"{\"format\": \"churnlens.bundle\", \"format_version\": 1, \"metadata\": {\"name\": \"x\", \"content_hash\": \"00\"}}",
            b"",
            b"{",
        ] {
            assert!(Bundle::from_bytes(bad).is_err());
        }
    }
}
