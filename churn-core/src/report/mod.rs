//! Reports on validated data and predictions: [`quality`] (the data-quality score, per-column
//! metrics, drift against the training reference, suggestions, expected accuracy) and [`risk`]
//! (risk tiers and plain-language reasons from SHAP values), [`explain`] (rows explained with
//! a bundle: probability, tier, reasons and their text).

pub mod explain;
pub mod quality;
pub mod risk;
