//! Node.js binding of churnlens (npm package `churnlens`), built with napi-rs.
//!
//! Each function converts its arguments, calls `churn_core` once and converts the result or the
//! error; the numbers are the core's, bit for bit. The shapes shared with the WASM package
//! (flat buffers, records, options, plain-object results) are handled by
//! `churn_core::records`, so this file only converts JS values. Results of `Model` methods are
//! flat row-major `Float64Array`s:
//!
//! | method                  | length                             |
//! |-------------------------|------------------------------------|
//! | `predict`               | rows x outputs                     |
//! | `predictMargin`         | rows x outputs                     |
//! | `shapValues`            | rows x outputs x (features + 1)    |
//! | `shapInteractionValues` | rows x outputs x (features + 1)^2  |
//!
//! The intake and scoring API (`Bundle`, `mapColumns`, `validate`, `qualityReport`,
//! `scoreCsv`, `ScoredTable`) is in `intake.rs`.
//!
//! Errors are JS `Error`s whose `code` is the core's error code (`"io"`, `"unknown_format"`,
//! `"json"`, `"model"`, `"csv"`, ...: docs/errors.md) and whose `position` says where the
//! problem is (`errors.rs`).

use std::sync::Arc;

use churn_core::records::{self, Output, RecordValue, RecordsBuilder};
use napi::bindgen_prelude::*;
use napi::{Unknown, ValueType};
use napi_derive::napi;

mod build;
mod errors;
mod intake;

use errors::{core_error, input_error, js_error};

/// Options of `predict` / `predictAsync`.
#[napi(object)]
pub struct PredictOptions {
    /// `"probability"` (default: the model's output transform applied; a probability for
    /// classifiers, the mean for regressions) or `"margin"` (raw scores before the transform).
    #[napi(ts_type = "'probability' | 'margin'")]
    pub output: Option<String>,
}

fn parse_output(options: Option<PredictOptions>) -> churn_core::Result<Output> {
    Output::parse_prediction(options.and_then(|o| o.output).as_deref())
}

/// Plain objects `{feature: value}` to a row-major matrix (the rules are the core's:
/// `churn_core::records::RecordsBuilder`).
fn records_to_matrix(
    env: &Env,
    model: &churn_core::Model,
    records: &Array<'_>,
    rows: Option<u32>,
) -> Result<(Vec<f64>, usize)> {
    let fail = |e: churn_core::Error| core_error(env, e);
    let mut b = RecordsBuilder::new(model.feature_names());
    for r in 0..records.len() {
        let record: Object = match records.get::<Unknown>(r)? {
            Some(v) if v.get_type()? == ValueType::Object => unsafe { v.cast::<Object>()? },
            _ => return Err(fail(b.not_a_record(r as usize))),
        };
        b.begin_record();
        for key in Object::keys(&record)? {
            let Some(value) = record.get::<Unknown>(&key)? else {
                continue;
            };
            let v = match value.get_type()? {
                ValueType::Number => RecordValue::Number(unsafe { value.cast::<f64>()? }),
                ValueType::Boolean => RecordValue::Bool(unsafe { value.cast::<bool>()? }),
                ValueType::Null | ValueType::Undefined => RecordValue::Missing,
                other => RecordValue::Other(type_name(other)),
            };
            b.set(&key, v).map_err(fail)?;
        }
    }
    b.finish(rows.map(|r| r as usize)).map_err(fail)
}

fn type_name(t: ValueType) -> &'static str {
    match t {
        ValueType::String => "string",
        ValueType::Number => "number",
        ValueType::Boolean => "boolean",
        ValueType::Object => "object",
        ValueType::Function => "function",
        ValueType::Symbol => "symbol",
        _ => "value of another type",
    }
}

/// Input accepted by every scoring method.
type Data<'a> = Either3<&'a [f64], &'a [f32], Array<'a>>;

/// An owned copy of the input for the thread pool (JS may change its arrays meanwhile).
enum Owned {
    F64(Vec<f64>, usize),
    F32(Vec<f32>, usize),
}

/// A computation run on the libuv thread pool; resolves to a `Float64Array`.
///
/// Argument errors found on the JS thread are kept in `failure` and reject the promise, so an
/// async method reports every error through its promise (except napi's own type checks of the
/// arguments, which throw `InvalidArg` synchronously).
pub struct Compute {
    model: Arc<churn_core::Model>,
    output: Output,
    data: Option<Owned>,
    failure: Option<Error>,
    error: Option<churn_core::Error>,
}

impl Task for Compute {
    type Output = Vec<f64>;
    type JsValue = Float64Array;

    fn compute(&mut self) -> Result<Vec<f64>> {
        let (m, out) = (&self.model, self.output);
        let result = match &self.data {
            None => return Err(Error::new(Status::InvalidArg, "invalid arguments")),
            Some(Owned::F64(v, n)) => records::compute(m, out, v, Some(*n)),
            Some(Owned::F32(v, n)) => records::compute(m, out, v, Some(*n)),
        };
        result.map_err(|e| {
            let message = e.to_string();
            self.error = Some(e);
            Error::new(Status::GenericFailure, message)
        })
    }

    fn resolve(&mut self, _env: Env, output: Vec<f64>) -> Result<Float64Array> {
        Ok(Float64Array::new(output))
    }

    fn reject(&mut self, env: Env, err: Error) -> Result<Float64Array> {
        Err(match (self.failure.take(), self.error.take()) {
            (Some(failure), _) => failure,
            (None, Some(e)) => core_error(&env, e),
            (None, None) => err,
        })
    }
}

/// A loaded model: XGBoost JSON/UBJSON or LightGBM text. Immutable and safe to share; async
/// methods run on the libuv thread pool.
#[napi]
pub struct Model {
    pub(crate) inner: Arc<churn_core::Model>,
}

#[napi]
impl Model {
    /// Loads a model from a file path, or from its bytes (a `Buffer` or `Uint8Array`). The
    /// format (XGBoost JSON, XGBoost UBJSON, LightGBM text) is sniffed from the content.
    #[napi(factory, ts_args_type = "pathOrBuffer: string | Uint8Array")]
    pub fn load(env: Env, source: Either<String, &[u8]>) -> Result<Model> {
        let model = match source {
            Either::A(path) => churn_core::Model::load(path),
            Either::B(bytes) => churn_core::Model::from_bytes(bytes),
        }
        .map_err(|e| core_error(&env, e))?;
        Ok(Model {
            inner: Arc::new(model),
        })
    }

    /// `"xgboost"` or `"lightgbm"`.
    #[napi(getter, ts_return_type = "'xgboost' | 'lightgbm'")]
    pub fn format(&self) -> &'static str {
        match self.inner.format() {
            churn_core::Format::XGBoost => "xgboost",
            churn_core::Format::LightGBM => "lightgbm",
        }
    }

    /// Feature names in column order (`f0`, `f1`, ... when the file has none).
    #[napi(getter)]
    pub fn feature_names(&self) -> Vec<String> {
        self.inner.feature_names().to_vec()
    }

    /// Number of input columns.
    #[napi(getter)]
    pub fn num_features(&self) -> u32 {
        self.inner.num_features() as u32
    }

    /// Outputs per row: 1, or the number of classes of a multiclass model.
    #[napi(getter)]
    pub fn num_outputs(&self) -> u32 {
        self.inner.num_outputs() as u32
    }

    /// Number of trees.
    #[napi(getter)]
    pub fn num_trees(&self) -> u32 {
        self.inner.num_trees() as u32
    }

    /// The training objective as named in the file, e.g. `binary:logistic` or `binary`.
    #[napi(getter)]
    pub fn objective(&self) -> String {
        self.inner.objective().to_string()
    }

    /// The SHAP bias (expected margin) of each output; equals the last entry of each output
    /// in `shapValues`.
    #[napi]
    pub fn expected_value(&self) -> Float64Array {
        Float64Array::new(self.inner.expected_value())
    }

    fn compute(
        &self,
        env: &Env,
        output: Output,
        data: Data,
        rows: Option<u32>,
    ) -> Result<Float64Array> {
        let m = &self.inner;
        let rows = rows.map(|r| r as usize);
        let result = match data {
            Either3::A(v) => records::compute(m, output, v, rows),
            Either3::B(v) => records::compute(m, output, v, rows),
            Either3::C(list) => {
                let (x, n) = records_to_matrix(env, m, &list, rows.map(|r| r as u32))?;
                records::compute(m, output, &x, Some(n))
            }
        };
        result
            .map(Float64Array::new)
            .map_err(|e| core_error(env, e))
    }

    fn task(
        &self,
        env: &Env,
        output: churn_core::Result<Output>,
        data: Data,
        rows: Option<u32>,
    ) -> AsyncTask<Compute> {
        let m = &self.inner;
        let fail = |e: churn_core::Error| core_error(env, e);
        let owned = |output: churn_core::Result<Output>| -> Result<(Output, Owned)> {
            let output = output.map_err(fail)?;
            let n = |len: usize| records::row_count(m, len, rows.map(|r| r as usize)).map_err(fail);
            let data = match data {
                Either3::A(v) => Owned::F64(v.to_vec(), n(v.len())?),
                Either3::B(v) => Owned::F32(v.to_vec(), n(v.len())?),
                Either3::C(list) => {
                    let (x, n) = records_to_matrix(env, m, &list, rows)?;
                    Owned::F64(x, n)
                }
            };
            Ok((output, data))
        };
        let (output, data, failure) = match owned(output) {
            Ok((o, d)) => (o, Some(d), None),
            Err(e) => (Output::Probability, None, Some(e)),
        };
        AsyncTask::new(Compute {
            model: Arc::clone(m),
            output,
            data,
            failure,
            error: None,
        })
    }

    /// Predictions, `rows x outputs` row-major: probabilities for classifiers (the model's
    /// output transform applied), or margins with `{ output: 'margin' }`.
    ///
    /// `data` is a row-major `Float64Array` / `Float32Array` of `rows x numFeatures` values
    /// (`NaN` = missing; `rows` defaults to `data.length / numFeatures`), or an array of
    /// records `{ featureName: value }`.
    #[napi(
        catch_unwind,
        ts_args_type = "data: Float64Array | Float32Array | Array<Record<string, number | boolean | null | undefined>>, rows?: number | undefined | null, options?: PredictOptions | undefined | null"
    )]
    pub fn predict(
        &self,
        env: Env,
        data: Data,
        rows: Option<u32>,
        options: Option<PredictOptions>,
    ) -> Result<Float64Array> {
        let output = parse_output(options).map_err(|e| core_error(&env, e))?;
        self.compute(&env, output, data, rows)
    }

    /// Raw scores (margins) before the output transform, `rows x outputs` row-major.
    #[napi(
        catch_unwind,
        ts_args_type = "data: Float64Array | Float32Array | Array<Record<string, number | boolean | null | undefined>>, rows?: number | undefined | null"
    )]
    pub fn predict_margin(&self, env: Env, data: Data, rows: Option<u32>) -> Result<Float64Array> {
        self.compute(&env, Output::Margin, data, rows)
    }

    /// Exact TreeSHAP values, `rows x outputs x (numFeatures + 1)` row-major; the last entry of
    /// each output is the bias, and each output's entries sum to its margin.
    #[napi(
        catch_unwind,
        ts_args_type = "data: Float64Array | Float32Array | Array<Record<string, number | boolean | null | undefined>>, rows?: number | undefined | null"
    )]
    pub fn shap_values(&self, env: Env, data: Data, rows: Option<u32>) -> Result<Float64Array> {
        self.compute(&env, Output::Shap, data, rows)
    }

    /// Exact SHAP interaction values, `rows x outputs x (numFeatures + 1) x (numFeatures + 1)`
    /// row-major, laid out like XGBoost's `pred_interactions`.
    #[napi(
        catch_unwind,
        ts_args_type = "data: Float64Array | Float32Array | Array<Record<string, number | boolean | null | undefined>>, rows?: number | undefined | null"
    )]
    pub fn shap_interaction_values(
        &self,
        env: Env,
        data: Data,
        rows: Option<u32>,
    ) -> Result<Float64Array> {
        self.compute(&env, Output::Interactions, data, rows)
    }

    /// `predict` on the libuv thread pool (the input is copied first).
    #[napi(
        catch_unwind,
        ts_args_type = "data: Float64Array | Float32Array | Array<Record<string, number | boolean | null | undefined>>, rows?: number | undefined | null, options?: PredictOptions | undefined | null",
        ts_return_type = "Promise<Float64Array>"
    )]
    pub fn predict_async(
        &self,
        env: Env,
        data: Data,
        rows: Option<u32>,
        options: Option<PredictOptions>,
    ) -> AsyncTask<Compute> {
        self.task(&env, parse_output(options), data, rows)
    }

    /// `predictMargin` on the libuv thread pool.
    #[napi(
        catch_unwind,
        ts_args_type = "data: Float64Array | Float32Array | Array<Record<string, number | boolean | null | undefined>>, rows?: number | undefined | null",
        ts_return_type = "Promise<Float64Array>"
    )]
    pub fn predict_margin_async(
        &self,
        env: Env,
        data: Data,
        rows: Option<u32>,
    ) -> AsyncTask<Compute> {
        self.task(&env, Ok(Output::Margin), data, rows)
    }

    /// `shapValues` on the libuv thread pool.
    #[napi(
        catch_unwind,
        ts_args_type = "data: Float64Array | Float32Array | Array<Record<string, number | boolean | null | undefined>>, rows?: number | undefined | null",
        ts_return_type = "Promise<Float64Array>"
    )]
    pub fn shap_values_async(&self, env: Env, data: Data, rows: Option<u32>) -> AsyncTask<Compute> {
        self.task(&env, Ok(Output::Shap), data, rows)
    }

    /// `shapInteractionValues` on the libuv thread pool.
    #[napi(
        catch_unwind,
        ts_args_type = "data: Float64Array | Float32Array | Array<Record<string, number | boolean | null | undefined>>, rows?: number | undefined | null",
        ts_return_type = "Promise<Float64Array>"
    )]
    pub fn shap_interaction_values_async(
        &self,
        env: Env,
        data: Data,
        rows: Option<u32>,
    ) -> AsyncTask<Compute> {
        self.task(&env, Ok(Output::Interactions), data, rows)
    }
}

/// Panics on purpose, for the test that no panic crosses into Node: napi's `catch_unwind`
/// turns it into a thrown JS `Error` instead of aborting the process. Not part of the API.
#[doc(hidden)]
#[napi(js_name = "_panicForTests", catch_unwind)]
pub fn panic_for_tests() {
    panic!("forced panic for tests");
}
