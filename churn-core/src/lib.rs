//! # churn-core
//!
//! Score and explain customer churn with gradient-boosted tree models trained elsewhere
//! (XGBoost or LightGBM), in pure Rust: the same predictions as the libraries themselves and
//! exact TreeSHAP explanations, on any platform Rust compiles to.
//!
//! ```
//! use churn_core::Model;
//!
//! // XGBoost JSON/UBJSON or LightGBM text; the format is sniffed from the bytes.
//! let model = Model::load("../tests/fixtures/xgb_binary/model.json")?;
//! // Rows x features, f32 or f64, NaN = missing.
//! let x = ndarray::Array2::<f64>::from_elem((2, model.num_features()), f64::NAN);
//! let p = model.predict(x.view())?;            // churn probability, (rows, outputs)
//! let phi = model.shap_values(x.view())?;      // (rows, outputs, features + 1), last = bias
//! let bias = model.expected_value()[0];
//! assert!((phi[[0, 0, model.num_features()]] - bias).abs() < 1e-12);
//! assert!(p[[0, 0]] > 0.0 && p[[0, 0]] < 1.0);
//! # Ok::<(), churn_core::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
#[macro_use]
mod unroll;
#[doc(hidden)]
pub mod fuzzing;
pub mod model;
mod order;
mod predict;
mod shap;

pub use error::{Error, Location, Result};
pub use model::{CategoryLabels, FeatureKind, Format, Model, Transform};
pub use predict::FeatureValue;

/// Re-exported so callers build inputs with the same `ndarray` version.
pub use ndarray;

// --- Intake (issue 4): schema, vocabulary, mapping, normalisation, validation, quality, bundle.
pub mod bundle;
pub mod mapping;
pub mod normalize;
pub mod quality;
pub mod schema;
pub mod table;
pub mod validate;
pub mod vocabulary;

pub use bundle::{
    Bundle, BundleMetadata, CategoryShare, FeatureReference, ReferenceKind, ReferenceProfile,
    ReferenceSample, RiskTiers, Tier,
};
pub use mapping::{
    map_columns, map_columns_with, Candidate, FeatureMatch, MapOptions, Mapping, MatchSource,
    Overrides, UnmappedColumn,
};
pub use quality::{profile_chunk, quality_report, QualityProfile, QualityReport};
pub use schema::{FeatureSpec, Policy, Schema, ValueKind};
pub use table::Table;
pub use validate::{
    seen_ids, validate, FeatureCounts, Issue, IssueCode, RejectedRow, Severity, ValidateOptions,
    Validated, ValidationSummary,
};
pub use vocabulary::{Concept, ConceptKind, ConceptMatch, HeaderKey, Vocabulary};

// --- The main job (issue 5): streaming pipeline, risk tiers and reasons, outcome tracking.
pub mod export;
#[cfg(feature = "sqlite")]
pub mod outcomes;
pub mod pipeline;
pub mod records;
pub mod risk;
pub mod scored;
#[cfg(feature = "xlsx")]
mod xlsx;

pub use pipeline::{Pipeline, PipelineOptions, RunSummary, ScoredChunk, Sinks};
pub use risk::{Explainer, Explanation, Reason, TierCounts};
pub use scored::{CollectOptions, ScoredTable};
