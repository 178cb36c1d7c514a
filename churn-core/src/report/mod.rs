//! Reports on validated data and predictions: [`quality`] (the data-quality score, per-column
//! metrics, drift against the training reference, suggestions, expected accuracy) and [`risk`]
//! (risk tiers and plain-language reasons from SHAP values).

pub mod quality;
pub mod risk;
