//! The engine: prediction and exact TreeSHAP over a [`Model`](crate::Model)'s tree arrays.
//!
//! Reads trees only, never a file format; `impl Model` blocks here add `predict`,
//! `shap_values` and their relatives to the model layer's type.

pub(crate) mod predict;
pub(crate) mod shap;

use std::any::Any;

use crate::model::Derived;

/// The value in `slot`, built by `build` on first use. Each slot is only ever filled here, by
/// one accessor with one type, so the downcast cannot fail.
pub(crate) fn derived<T: Any + Send + Sync>(slot: &Derived, build: impl FnOnce() -> T) -> &T {
    let value = slot.get_or_init(|| Box::new(build()));
    match value.downcast_ref::<T>() {
        Some(v) => v,
        None => unreachable!("a model's derived slot holds one type"),
    }
}
