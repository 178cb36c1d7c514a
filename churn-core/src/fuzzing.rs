//! Entry points shared by the fuzz targets (`churn-core/fuzz`) and the test that replays their
//! committed corpora (`tests/fuzz_corpus.rs`). Not part of the public API.

use ndarray::{Array2, Axis};

use crate::model::{Format, Model};

/// Runs every computation on `model` with rows made from `values` (padded with NaN; two default
/// rows when empty). Must never panic; results are not checked (a hostile model need not be
/// additive: its covers can be inconsistent).
pub fn exercise(model: &Model, values: &[f64]) {
    // The rows are ours, not the file's: keep them small for models declaring huge widths.
    if model.num_features() > 4096 {
        return;
    }
    let x = rows(model, values);
    let _ = model.predict(x.view());
    let _ = model.predict_margin(x.view());
    let _ = model.shap_values(x.view());
    if model.num_features() <= 64 && model.num_trees() <= 256 {
        let _ = model.shap_interaction_values(x.view());
    }
    let mut out = vec![0.0; model.num_outputs()];
    if let Some(row) = x.outer_iter().next() {
        let _ = model.predict_row(&row.to_vec(), &mut out);
    }
}

fn rows(model: &Model, values: &[f64]) -> Array2<f64> {
    let f = model.num_features().max(1);
    let mut v: Vec<f64> = values.to_vec();
    if v.is_empty() {
        v = vec![f64::NAN; f];
        v.extend(std::iter::repeat_n(0.0, f));
    }
    while !v.len().is_multiple_of(f) {
        v.push(f64::NAN);
    }
    if model.num_features() == 0 {
        return Array2::zeros((1, 0));
    }
    let n = v.len() / f;
    Array2::from_shape_vec((n, f), v).unwrap_or_else(|_| Array2::zeros((0, f)))
}

/// Chooses one of `models` by the first byte and reads f64 rows from the rest; checks that
/// SHAP values (plus bias) add up to the margin on every row.
///
/// # Panics
/// When a computation fails or additivity is broken: that is what the fuzzer looks for.
pub fn model_rows(models: &[Model], data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    if models.is_empty() {
        return;
    }
    let model = &models[pick as usize % models.len()];
    let values: Vec<f64> = rest
        .chunks_exact(8)
        .take(64 * 64)
        .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .collect();
    let x = rows(model, &values);
    let margin = model.predict_margin(x.view()).expect("margin");
    let phi = model.shap_values(x.view()).expect("shap");
    let sums = phi.sum_axis(Axis(2));
    let tol = match model.format() {
        Format::XGBoost => 2e-5,
        Format::LightGBM => 1e-9,
    };
    for (m, s) in margin.iter().zip(sums.iter()) {
        assert!(
            (m - s).abs() <= tol * (1.0 + m.abs()),
            "additivity broken: margin {m}, sum of contributions {s}"
        );
    }
    let p = model.predict(x.view()).expect("predict");
    assert!(p.iter().all(|v| !v.is_nan()), "NaN prediction");
}
