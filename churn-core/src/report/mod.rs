//! Reports on validated data and predictions: [`quality`] (the data-quality score, per-column
//! metrics, drift against the training reference, suggestions, expected accuracy) and [`risk`]
//! (risk tiers and plain-language reasons from SHAP values).
//!
//! The training reference (`reference`: the distributions and the labelled sample) and the
//! risk tiers (`tiers`) are stored in a bundle but read here, so they are defined here and
//! re-exported from `churn_core::bundle` and the crate root.

pub mod quality;
pub(crate) mod reference;
pub mod risk;
pub(crate) mod tiers;
