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
//! The shapes shared with the Node package (flat buffers, records, options, plain-object
//! results) are handled by `churn_core::records`, so this crate only converts JS values. The
//! intake and scoring API (`Bundle`, `mapColumns`, `validate`, `qualityReport`, `scoreCsv`,
//! `ScoredTable`) is in `intake.rs`.
//!
//! Errors are JS `Error`s whose `code` is the core's error code (`"unknown_format"`, `"json"`,
//! `"model"`, `"csv"`, ...: docs/errors.md), or `"internal"` for a panic (a bug; see `start`),
//! (`errors.rs`; no `position` yet, see there).

use churn_core::records::{self, Output, RecordValue, RecordsBuilder};
use js_sys::{Array, Float32Array, Float64Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

mod errors;
mod intake;
mod text;
pub use intake::*;
pub use text::*;

use errors::{core_error, input_error, js_error};

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
"#;

/// The plain-object types of the intake and scoring API, shared with the Node package.
#[wasm_bindgen(typescript_custom_section)]
const TS_SHARED_TYPES: &str = include_str!("../../node/src/api-types.d.ts");

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

/// Installed when the module is instantiated: a panic (a bug) must not leave a poisoned
/// instance behind. The build uses `panic = "abort"` (wasm32 cannot unwind on stable Rust), so
/// nothing of the Rust state can be trusted after a panic; the hook schedules a fresh
/// `WebAssembly.Instance` for the next call and throws a JS `Error` with code `"internal"`
/// instead of the bare `RuntimeError: unreachable` of an abort. Objects made before the panic
/// belong to the old instance: using them throws, so callers load them again.
#[wasm_bindgen(start)]
fn start() {
    std::panic::set_hook(Box::new(|info| {
        wasm_bindgen::handler::schedule_reinit();
        let message = format!(
            "internal error (a bug in churnlens, please report it): {info}; the module was \
             reset, so models, bundles and tables made before this error must be loaded again"
        );
        wasm_bindgen::throw_val(js_error("internal", &message));
    }));
}

/// Panics on purpose, for the test that a panic reaches JS as an `Error` with code
/// `"internal"` and that the module works again afterwards (issue 9).
#[wasm_bindgen(js_name = "_panicForTests", skip_typescript)]
pub fn panic_for_tests() {
    panic!("forced panic for tests");
}

fn type_name(v: &JsValue) -> String {
    v.js_typeof().as_string().unwrap_or_else(|| "value".into())
}

/// Plain objects `{feature: value}` to a row-major matrix (the rules are the core's:
/// `churn_core::records::RecordsBuilder`).
fn records_to_matrix(
    model: &churn_core::Model,
    list: &Array,
    rows: Option<u32>,
) -> Result<(Vec<f64>, usize), JsValue> {
    let mut b = RecordsBuilder::new(model.feature_names());
    for r in 0..list.length() {
        let record = list.get(r);
        if !record.is_object() || record.is_null() {
            return Err(core_error(b.not_a_record(r as usize)));
        }
        b.begin_record();
        for entry in Object::entries(record.unchecked_ref::<Object>()).iter() {
            let pair: Array = entry.unchecked_into();
            let key = pair.get(0).as_string().unwrap_or_default();
            let value = pair.get(1);
            let kind;
            let v = if let Some(v) = value.as_f64() {
                RecordValue::Number(v)
            } else if let Some(v) = value.as_bool() {
                RecordValue::Bool(v)
            } else if value.is_null() || value.is_undefined() {
                RecordValue::Missing
            } else {
                kind = type_name(&value);
                RecordValue::Other(&kind)
            };
            b.set(&key, v).map_err(core_error)?;
        }
    }
    b.finish(rows.map(|r| r as usize)).map_err(core_error)
}

fn parse_output(options: &JsValue) -> Result<Output, JsValue> {
    if options.is_null() || options.is_undefined() {
        return Ok(Output::Probability);
    }
    let output = Reflect::get(options, &JsValue::from_str("output")).unwrap_or(JsValue::UNDEFINED);
    if output.is_undefined() || output.is_null() {
        return Ok(Output::Probability);
    }
    match output.as_string() {
        Some(name) => Output::parse_prediction(Some(&name)).map_err(core_error),
        None => Err(input_error("output must be \"probability\" or \"margin\"")),
    }
}

/// A loaded model: XGBoost JSON/UBJSON or LightGBM text. Immutable; call `free()` to release
/// its memory early (it is also released when the object is garbage-collected).
#[wasm_bindgen]
pub struct Model {
    // Shared with the `Bundle` it came from, if any (the core's Model is not Clone).
    pub(crate) inner: std::rc::Rc<churn_core::Model>,
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
            .map(|inner| Model {
                inner: std::rc::Rc::new(inner),
            })
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

    fn compute(
        &self,
        output: Output,
        data: FeatureData,
        rows: Option<u32>,
    ) -> Result<Vec<f64>, JsValue> {
        let data: JsValue = data.into();
        let m = &self.inner;
        let n = rows.map(|r| r as usize);
        let result = if let Some(a) = data.dyn_ref::<Float64Array>() {
            records::compute(m, output, &a.to_vec(), n)
        } else if let Some(a) = data.dyn_ref::<Float32Array>() {
            records::compute(m, output, &a.to_vec(), n)
        } else if let Some(list) = data.dyn_ref::<Array>() {
            let (x, n) = records_to_matrix(m, list, rows)?;
            records::compute(m, output, &x, Some(n))
        } else {
            return Err(input_error(format!(
                "data must be a Float64Array, a Float32Array or an array of records, not a {}",
                type_name(&data)
            )));
        };
        result.map_err(core_error)
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
        let output = match options {
            Some(o) => parse_output(&o.into())?,
            None => Output::Probability,
        };
        self.compute(output, data, rows)
    }

    /// Raw scores (margins) before the output transform, `rows x outputs` row-major.
    #[wasm_bindgen(js_name = predictMargin)]
    pub fn predict_margin(
        &self,
        data: FeatureData,
        rows: Option<u32>,
    ) -> Result<Vec<f64>, JsValue> {
        self.compute(Output::Margin, data, rows)
    }

    /// Exact TreeSHAP values, `rows x outputs x (numFeatures + 1)` row-major; the last entry
    /// of each output is the bias, and each output's entries sum to its margin.
    #[wasm_bindgen(js_name = shapValues)]
    pub fn shap_values(&self, data: FeatureData, rows: Option<u32>) -> Result<Vec<f64>, JsValue> {
        self.compute(Output::Shap, data, rows)
    }

    /// Exact SHAP interaction values, `rows x outputs x (numFeatures + 1) x (numFeatures + 1)`
    /// row-major, laid out like XGBoost's `pred_interactions`.
    #[wasm_bindgen(js_name = shapInteractionValues)]
    pub fn shap_interaction_values(
        &self,
        data: FeatureData,
        rows: Option<u32>,
    ) -> Result<Vec<f64>, JsValue> {
        self.compute(Output::Interactions, data, rows)
    }
}
