//! WebAssembly binding of churnlens (npm package `churnlens-wasm`), built with wasm-bindgen.
//!
//! The same API names as the Node package: bytes in, typed arrays out, single-threaded (the
//! core is built without rayon). Each method converts its arguments, calls `churn_core` once
//! and converts the result or the error; the numbers are the core's, bit for bit (the core
//! uses `libm` for `exp`/`log`, so wasm32 gives the same bits as x86-64).
//!
//! Results are flat row-major `Float64Array`s:
//!
//! | method                  | length                             |
//! |-------------------------|------------------------------------|
//! | `predict`               | rows x outputs                     |
//! | `predictMargin`         | rows x outputs                     |
//! | `shapValues`            | rows x outputs x (features + 1)    |
//! | `shapInteractionValues` | rows x outputs x (features + 1)^2  |
//!
//! Errors are JS `Error`s whose `code` is the core's error kind (`"unknown_format"`, `"json"`,
//! `"ubjson"`, `"model"`, `"unsupported"`, `"input"`).

use std::collections::HashMap;

use churn_core::ndarray::{ArrayBase, ArrayView2, Dimension, OwnedRepr};
use churn_core::FeatureValue;
use js_sys::{Array, Float32Array, Float64Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** Options of `predict`. */
export interface PredictOptions {
  /**
   * `"probability"` (default: the model's output transform applied; a probability for
   * classifiers, the mean for regressions) or `"margin"` (raw scores before the transform).
   */
  output?: 'probability' | 'margin'
}

/** One row as a plain object `{ featureName: value }`; absent, `null` and `NaN` are missing. */
export type FeatureRecord = Record<string, number | boolean | null | undefined>

/** Rows: a row-major matrix of `rows x numFeatures` values (`NaN` = missing), or records. */
export type FeatureData = Float64Array | Float32Array | FeatureRecord[]

/**
 * The `Error` thrown by churnlens. `code` is the kind of problem: `'unknown_format'`, `'json'`,
 * `'ubjson'`, `'model'`, `'unsupported'` or `'input'` (the core's error kinds).
 */
export interface ChurnlensError extends Error {
  code: string
}
"#;

#[wasm_bindgen]
extern "C" {
    /// `FeatureData` in TypeScript.
    #[wasm_bindgen(typescript_type = "FeatureData")]
    pub type FeatureData;

    /// `PredictOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "PredictOptions")]
    pub type PredictOptions;

    /// `Uint8Array | ArrayBuffer` in TypeScript.
    #[wasm_bindgen(typescript_type = "Uint8Array | ArrayBuffer")]
    pub type ModelBytes;
}

/// A JS `Error` with `code` set.
fn js_error(code: &str, message: &str) -> JsValue {
    let err = js_sys::Error::new(message);
    // Setting a property on a fresh Error object cannot fail.
    let _ = Reflect::set(&err, &JsValue::from_str("code"), &JsValue::from_str(code));
    err.into()
}

fn core_error(err: churn_core::Error) -> JsValue {
    js_error(err.kind(), &err.to_string())
}

/// The same message the core gives, for checks made before calling it.
fn input_error(reason: impl std::fmt::Display) -> JsValue {
    js_error("input", &format!("invalid input: {reason}"))
}

#[derive(Clone, Copy)]
enum Op {
    Predict,
    Margin,
    Shap,
    Interactions,
}

fn run<T: FeatureValue>(
    model: &churn_core::Model,
    op: Op,
    x: ArrayView2<'_, T>,
) -> Result<Vec<f64>, JsValue> {
    fn flat<D: Dimension>(a: ArrayBase<OwnedRepr<f64>, D>) -> Vec<f64> {
        // Arrays built by the core are in standard (row-major) layout, offset 0.
        debug_assert!(a.is_standard_layout());
        a.into_raw_vec_and_offset().0
    }
    let out = match op {
        Op::Predict => model.predict(x).map(flat),
        Op::Margin => model.predict_margin(x).map(flat),
        Op::Shap => model.shap_values(x).map(flat),
        Op::Interactions => model.shap_interaction_values(x).map(flat),
    };
    out.map_err(core_error)
}

/// Rows of a flat row-major buffer of `len` numbers, checked against `rows` when given.
fn row_count(model: &churn_core::Model, len: usize, rows: Option<u32>) -> Result<usize, JsValue> {
    let f = model.num_features();
    match rows {
        Some(r) => {
            let r = r as usize;
            if r.checked_mul(f) != Some(len) {
                return Err(input_error(format!(
                    "the data has {len} values but {r} rows x {f} features need {}",
                    r.saturating_mul(f)
                )));
            }
            Ok(r)
        }
        None if f == 0 => Err(input_error(
            "the model has no features: pass the number of rows",
        )),
        None => {
            if !len.is_multiple_of(f) {
                return Err(input_error(format!(
                    "the data has {len} values, not a multiple of the model's {f} features"
                )));
            }
            Ok(len / f)
        }
    }
}

fn compute_on<T: FeatureValue>(
    model: &churn_core::Model,
    op: Op,
    data: &[T],
    rows: Option<u32>,
) -> Result<Vec<f64>, JsValue> {
    let n = row_count(model, data.len(), rows)?;
    let x = ArrayView2::from_shape((n, model.num_features()), data).map_err(input_error)?;
    run(model, op, x)
}

fn preview(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(8).map(String::as_str).collect();
    if names.len() > shown.len() {
        format!("{}, ... ({} in all)", shown.join(", "), names.len())
    } else {
        shown.join(", ")
    }
}

fn type_name(v: &JsValue) -> String {
    v.js_typeof().as_string().unwrap_or_else(|| "value".into())
}

/// Plain objects `{feature: value}` to a row-major matrix. A key that is not a feature of the
/// model is an error (it is usually a typo); an absent key, `null`, `undefined` and `NaN` are
/// missing values; booleans are 1 and 0.
fn records_to_matrix(
    model: &churn_core::Model,
    records: &Array,
) -> Result<(Vec<f64>, usize), JsValue> {
    let names = model.feature_names();
    let index: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let f = names.len();
    let n = records.length() as usize;
    let mut out = vec![f64::NAN; n * f];
    for r in 0..n {
        let record = records.get(r as u32);
        if !record.is_object() || record.is_null() {
            return Err(input_error(format!("record {r} is not an object")));
        }
        let row = &mut out[r * f..(r + 1) * f];
        for entry in Object::entries(record.unchecked_ref::<Object>()).iter() {
            let pair: Array = entry.unchecked_into();
            let key = pair.get(0).as_string().unwrap_or_default();
            let value = pair.get(1);
            let Some(&j) = index.get(key.as_str()) else {
                return Err(input_error(format!(
                    "record {r} has the key {key:?}, which is not a feature of the model \
                     (features: {})",
                    preview(names)
                )));
            };
            row[j] = if let Some(v) = value.as_f64() {
                v
            } else if let Some(b) = value.as_bool() {
                if b {
                    1.0
                } else {
                    0.0
                }
            } else if value.is_null() || value.is_undefined() {
                f64::NAN
            } else {
                return Err(input_error(format!(
                    "record {r}, feature {key:?}: expected a number, boolean or null, got a {}",
                    type_name(&value)
                )));
            };
        }
    }
    Ok((out, n))
}

fn parse_output(options: &JsValue) -> Result<Op, JsValue> {
    if options.is_null() || options.is_undefined() {
        return Ok(Op::Predict);
    }
    let output = Reflect::get(options, &JsValue::from_str("output")).unwrap_or(JsValue::UNDEFINED);
    if output.is_undefined() || output.is_null() {
        return Ok(Op::Predict);
    }
    match output.as_string().as_deref() {
        Some("probability") => Ok(Op::Predict),
        Some("margin") => Ok(Op::Margin),
        Some(other) => Err(input_error(format!(
            "output must be \"probability\" or \"margin\", not {other:?}"
        ))),
        None => Err(input_error("output must be \"probability\" or \"margin\"")),
    }
}

/// A loaded model: XGBoost JSON/UBJSON or LightGBM text. Immutable; call `free()` to release
/// its memory early (it is also released when the object is garbage-collected).
#[wasm_bindgen]
pub struct Model {
    inner: churn_core::Model,
}

#[wasm_bindgen]
impl Model {
    /// Loads a model from its bytes (the content of the model file). The format (XGBoost
    /// JSON, XGBoost UBJSON, LightGBM text) is sniffed from the content.
    pub fn load(bytes: ModelBytes) -> Result<Model, JsValue> {
        let bytes: JsValue = bytes.into();
        let bytes = if let Some(a) = bytes.dyn_ref::<Uint8Array>() {
            a.to_vec()
        } else if bytes.is_instance_of::<js_sys::ArrayBuffer>() {
            Uint8Array::new(&bytes).to_vec()
        } else {
            return Err(js_error(
                "input",
                "Model.load expects the model file's bytes: a Uint8Array or an ArrayBuffer",
            ));
        };
        churn_core::Model::from_bytes(&bytes)
            .map(|inner| Model { inner })
            .map_err(core_error)
    }

    /// `"xgboost"` or `"lightgbm"`.
    #[wasm_bindgen(getter, unchecked_return_type = "'xgboost' | 'lightgbm'")]
    pub fn format(&self) -> String {
        match self.inner.format() {
            churn_core::Format::XGBoost => "xgboost".into(),
            churn_core::Format::LightGBM => "lightgbm".into(),
        }
    }

    /// Feature names in column order (`f0`, `f1`, ... when the file has none).
    #[wasm_bindgen(getter, js_name = featureNames)]
    pub fn feature_names(&self) -> Vec<String> {
        self.inner.feature_names().to_vec()
    }

    /// Number of input columns.
    #[wasm_bindgen(getter, js_name = numFeatures)]
    pub fn num_features(&self) -> u32 {
        self.inner.num_features() as u32
    }

    /// Outputs per row: 1, or the number of classes of a multiclass model.
    #[wasm_bindgen(getter, js_name = numOutputs)]
    pub fn num_outputs(&self) -> u32 {
        self.inner.num_outputs() as u32
    }

    /// Number of trees.
    #[wasm_bindgen(getter, js_name = numTrees)]
    pub fn num_trees(&self) -> u32 {
        self.inner.num_trees() as u32
    }

    /// The training objective as named in the file, e.g. `binary:logistic` or `binary`.
    #[wasm_bindgen(getter)]
    pub fn objective(&self) -> String {
        self.inner.objective().to_string()
    }

    /// The SHAP bias (expected margin) of each output; equals the last entry of each output
    /// in `shapValues`.
    #[wasm_bindgen(js_name = expectedValue)]
    pub fn expected_value(&self) -> Vec<f64> {
        self.inner.expected_value()
    }

    fn compute(&self, op: Op, data: FeatureData, rows: Option<u32>) -> Result<Vec<f64>, JsValue> {
        let data: JsValue = data.into();
        let m = &self.inner;
        if let Some(a) = data.dyn_ref::<Float64Array>() {
            compute_on(m, op, &a.to_vec(), rows)
        } else if let Some(a) = data.dyn_ref::<Float32Array>() {
            compute_on(m, op, &a.to_vec(), rows)
        } else if let Some(records) = data.dyn_ref::<Array>() {
            let (x, n) = records_to_matrix(m, records)?;
            if let Some(r) = rows {
                if r as usize != n {
                    return Err(input_error(format!(
                        "rows is {r} but {n} records were given"
                    )));
                }
            }
            compute_on(m, op, &x, Some(n as u32))
        } else {
            Err(input_error(format!(
                "data must be a Float64Array, a Float32Array or an array of records, not a {}",
                type_name(&data)
            )))
        }
    }

    /// Predictions, `rows x outputs` row-major: probabilities for classifiers (the model's
    /// output transform applied), or margins with `{ output: 'margin' }`.
    ///
    /// `data` is a row-major `Float64Array` / `Float32Array` of `rows x numFeatures` values
    /// (`NaN` = missing; `rows` defaults to `data.length / numFeatures`), or an array of
    /// records `{ featureName: value }`.
    pub fn predict(
        &self,
        data: FeatureData,
        rows: Option<u32>,
        options: Option<PredictOptions>,
    ) -> Result<Vec<f64>, JsValue> {
        let op = match options {
            Some(o) => parse_output(&o.into())?,
            None => Op::Predict,
        };
        self.compute(op, data, rows)
    }

    /// Raw scores (margins) before the output transform, `rows x outputs` row-major.
    #[wasm_bindgen(js_name = predictMargin)]
    pub fn predict_margin(
        &self,
        data: FeatureData,
        rows: Option<u32>,
    ) -> Result<Vec<f64>, JsValue> {
        self.compute(Op::Margin, data, rows)
    }

    /// Exact TreeSHAP values, `rows x outputs x (numFeatures + 1)` row-major; the last entry
    /// of each output is the bias, and each output's entries sum to its margin.
    #[wasm_bindgen(js_name = shapValues)]
    pub fn shap_values(&self, data: FeatureData, rows: Option<u32>) -> Result<Vec<f64>, JsValue> {
        self.compute(Op::Shap, data, rows)
    }

    /// Exact SHAP interaction values, `rows x outputs x (numFeatures + 1) x (numFeatures + 1)`
    /// row-major, laid out like XGBoost's `pred_interactions`.
    #[wasm_bindgen(js_name = shapInteractionValues)]
    pub fn shap_interaction_values(
        &self,
        data: FeatureData,
        rows: Option<u32>,
    ) -> Result<Vec<f64>, JsValue> {
        self.compute(Op::Interactions, data, rows)
    }
}
