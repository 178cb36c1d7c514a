//! The engine: prediction and exact TreeSHAP over a [`Model`](crate::Model)'s tree arrays.
//!
//! Reads trees only, never a file format; `impl Model` blocks here add `predict`,
//! `shap_values` and their relatives to the model layer's type.

pub(crate) mod predict;
pub(crate) mod shap;
