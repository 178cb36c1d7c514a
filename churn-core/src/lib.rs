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

// Shared helpers every layer may use.
pub mod clock;
mod error;
#[macro_use]
mod unroll;
#[doc(hidden)]
pub mod fuzzing;
mod order;

// The layers, lowest first: each imports only the ones above it in this list
// (ARCHITECTURE.md; `.ci/architecture.py` checks it).
pub mod bundle;
mod engine;
pub mod intake;
pub mod model;
pub mod report;
pub mod run;
#[cfg(feature = "sqlite")]
pub mod store;

pub use engine::predict::FeatureValue;
pub use error::{Error, InFile, Location, Position, Result};
pub use model::{CategoryLabels, FeatureKind, Format, Model, Transform};

/// Re-exported so callers build inputs with the same `ndarray` version.
pub use ndarray;

// The flat module paths of earlier releases (`churn_core::mapping`, `churn_core::pipeline`,
// ...) keep working: each is the module in its layer.
pub use intake::{mapping, normalize, schema, table, validate, vocabulary};
/// The data-quality report ([`report::quality`], with the one-call [`quality_report`] for a
/// bundle).
pub mod quality {
    pub use crate::bundle::quality_report;
    pub use crate::report::quality::*;
}
/// Risk tiers and reasons ([`report::risk`], with [`tiers_of`] for a bundle).
pub mod risk {
    pub use crate::bundle::tiers_of;
    pub use crate::report::risk::*;
}
pub use run::{export, pipeline, records, scored};

pub use run::options::{Delimiter, ReasonCount, Threads};
pub use run::read::Encoding;
#[cfg(feature = "sqlite")]
pub use store::outcomes;

pub use bundle::{
    Bundle, BundleMetadata, CategoryShare, FeatureReference, ReferenceKind, ReferenceProfile,
    ReferenceSample, RiskTiers, Tier,
};
pub use mapping::{
    map_columns, map_columns_with, Candidate, FeatureMatch, MapOptions, Mapping, MatchSource,
    Overrides, UnmappedColumn,
};
pub use pipeline::{Pipeline, PipelineOptions, RunSummary, ScoredChunk, Sinks};
pub use quality::{profile_chunk, quality_report, QualityProfile, QualityReport};
pub use risk::{Explainer, Explanation, Reason, TierCounts};
pub use schema::{FeatureSpec, Policy, Schema, ValueKind};
pub use scored::{CollectOptions, ScoredTable};
pub use table::Table;
pub use validate::{
    seen_ids, validate, FeatureCounts, Issue, IssueCode, RejectedRow, Severity, ValidateOptions,
    Validated, ValidationSummary,
};
pub use vocabulary::{Concept, ConceptKind, ConceptMatch, HeaderKey, Vocabulary};
