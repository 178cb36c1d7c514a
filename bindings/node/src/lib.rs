//! Node.js binding of churnlens (npm package `churnlens`), built with napi-rs.
//!
//! Each method converts its arguments, calls `churn_core` once and converts the result or the
//! error; the numbers are the core's, bit for bit. Results are flat row-major `Float64Array`s:
//!
//! | method                  | length                             |
//! |-------------------------|------------------------------------|
//! | `predict`               | rows x outputs                     |
//! | `predictMargin`         | rows x outputs                     |
//! | `shapValues`            | rows x outputs x (features + 1)    |
//! | `shapInteractionValues` | rows x outputs x (features + 1)^2  |
//!
//! Errors are JS `Error`s whose `code` is the core's error kind (`"io"`, `"unknown_format"`,
//! `"json"`, `"ubjson"`, `"model"`, `"unsupported"`, `"input"`).

use std::collections::HashMap;
use std::sync::Arc;

use churn_core::ndarray::{ArrayBase, ArrayView2, Dimension, OwnedRepr};
use churn_core::FeatureValue;
use napi::bindgen_prelude::*;
use napi::{JsValue, Unknown, ValueType};
use napi_derive::napi;

/// A JS `Error` with `code` set, built on the JS thread so that promises reject with it too.
fn js_error(env: &Env, code: &str, message: String) -> Error {
    let build = || -> Result<Error> {
        let mut obj = env.create_error(Error::new(Status::GenericFailure, message.clone()))?;
        obj.set("code", code)?;
        Ok(Error::from(obj.to_unknown()))
    };
    build().unwrap_or_else(|_| Error::new(Status::GenericFailure, message))
}

fn core_error(env: &Env, err: churn_core::Error) -> Error {
    js_error(env, err.kind(), err.to_string())
}

fn input_error(env: &Env, message: String) -> Error {
    js_error(env, "input", message)
}

/// The same message the core gives, for checks made before calling it.
fn invalid_input(reason: impl std::fmt::Display) -> String {
    format!("invalid input: {reason}")
}

/// Options of `predict` / `predictAsync`.
#[napi(object)]
pub struct PredictOptions {
    /// `"probability"` (default: the model's output transform applied; a probability for
    /// classifiers, the mean for regressions) or `"margin"` (raw scores before the transform).
    #[napi(ts_type = "'probability' | 'margin'")]
    pub output: Option<String>,
}

/// What to compute; one enum so that sync and async share the dispatch.
#[derive(Clone, Copy)]
enum Op {
    Predict,
    Margin,
    Shap,
    Interactions,
}

fn parse_output(options: Option<PredictOptions>) -> std::result::Result<Op, String> {
    match options.and_then(|o| o.output).as_deref() {
        None | Some("probability") => Ok(Op::Predict),
        Some("margin") => Ok(Op::Margin),
        Some(other) => Err(invalid_input(format!(
            "output must be \"probability\" or \"margin\", not {other:?}"
        ))),
    }
}

fn run<T: FeatureValue>(
    model: &churn_core::Model,
    op: Op,
    x: ArrayView2<'_, T>,
) -> churn_core::Result<Vec<f64>> {
    fn flat<D: Dimension>(a: ArrayBase<OwnedRepr<f64>, D>) -> Vec<f64> {
        // Arrays built by the core are in standard (row-major) layout, offset 0.
        debug_assert!(a.is_standard_layout());
        a.into_raw_vec_and_offset().0
    }
    Ok(match op {
        Op::Predict => flat(model.predict(x)?),
        Op::Margin => flat(model.predict_margin(x)?),
        Op::Shap => flat(model.shap_values(x)?),
        Op::Interactions => flat(model.shap_interaction_values(x)?),
    })
}

/// Rows of a flat row-major buffer of `len` numbers, checked against `rows` when given.
fn row_count(
    model: &churn_core::Model,
    len: usize,
    rows: Option<u32>,
) -> std::result::Result<usize, String> {
    let f = model.num_features();
    match rows {
        Some(r) => {
            let r = r as usize;
            if r.checked_mul(f) != Some(len) {
                return Err(invalid_input(format!(
                    "the data has {len} values but {r} rows x {f} features need {}",
                    r.saturating_mul(f)
                )));
            }
            Ok(r)
        }
        None if f == 0 => Err(invalid_input(
            "the model has no features: pass the number of rows",
        )),
        None => {
            if !len.is_multiple_of(f) {
                return Err(invalid_input(format!(
                    "the data has {len} values, not a multiple of the model's {f} features"
                )));
            }
            Ok(len / f)
        }
    }
}

fn view<'a, T>(
    model: &churn_core::Model,
    data: &'a [T],
    rows: Option<u32>,
) -> std::result::Result<ArrayView2<'a, T>, String> {
    let n = row_count(model, data.len(), rows)?;
    ArrayView2::from_shape((n, model.num_features()), data).map_err(invalid_input)
}

/// Plain objects `{feature: value}` to a row-major matrix. A key that is not a feature of the
/// model is an error (it is usually a typo); an absent key, `null`, `undefined` and `NaN` are
/// missing values; booleans are 1 and 0.
fn records_to_matrix(
    env: &Env,
    model: &churn_core::Model,
    records: &Array<'_>,
) -> Result<(Vec<f64>, usize)> {
    let names = model.feature_names();
    let index: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let f = names.len();
    let n = records.len() as usize;
    let mut out = vec![f64::NAN; n * f];
    for r in 0..n {
        let record: Object = match records.get::<Unknown>(r as u32)? {
            Some(v) if v.get_type()? == ValueType::Object => unsafe { v.cast::<Object>()? },
            _ => {
                return Err(input_error(
                    env,
                    invalid_input(format!("record {r} is not an object")),
                ))
            }
        };
        let row = &mut out[r * f..(r + 1) * f];
        for key in Object::keys(&record)? {
            let Some(&j) = index.get(key.as_str()) else {
                return Err(input_error(
                    env,
                    invalid_input(format!(
                        "record {r} has the key {key:?}, which is not a feature of the model \
                         (features: {})",
                        preview(names)
                    )),
                ));
            };
            let Some(value) = record.get::<Unknown>(&key)? else {
                continue;
            };
            row[j] = match value.get_type()? {
                ValueType::Number => unsafe { value.cast::<f64>()? },
                ValueType::Boolean => {
                    if unsafe { value.cast::<bool>()? } {
                        1.0
                    } else {
                        0.0
                    }
                }
                ValueType::Null | ValueType::Undefined => f64::NAN,
                other => {
                    return Err(input_error(
                        env,
                        invalid_input(format!(
                            "record {r}, feature {key:?}: expected a number, boolean or null, \
                             got a {}",
                            type_name(other)
                        )),
                    ))
                }
            };
        }
    }
    Ok((out, n))
}

fn check_record_rows(env: &Env, rows: Option<u32>, n: usize) -> Result<()> {
    match rows {
        Some(r) if r as usize != n => Err(input_error(
            env,
            invalid_input(format!("rows is {r} but {n} records were given")),
        )),
        _ => Ok(()),
    }
}

fn type_name(t: ValueType) -> &'static str {
    match t {
        ValueType::String => "string",
        ValueType::Object => "object",
        ValueType::Function => "function",
        ValueType::Symbol => "symbol",
        _ => "value of another type",
    }
}

fn preview(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(8).map(String::as_str).collect();
    if names.len() > shown.len() {
        format!("{}, ... ({} in all)", shown.join(", "), names.len())
    } else {
        shown.join(", ")
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
    op: Op,
    data: Option<Owned>,
    failure: Option<Error>,
    error: Option<churn_core::Error>,
}

impl Task for Compute {
    type Output = Vec<f64>;
    type JsValue = Float64Array;

    fn compute(&mut self) -> Result<Vec<f64>> {
        let f = self.model.num_features();
        let result = match &self.data {
            None => return Err(Error::new(Status::InvalidArg, "invalid arguments")),
            Some(Owned::F64(v, n)) => run(
                &self.model,
                self.op,
                ArrayView2::from_shape((*n, f), v).expect("shape checked"),
            ),
            Some(Owned::F32(v, n)) => run(
                &self.model,
                self.op,
                ArrayView2::from_shape((*n, f), v).expect("shape checked"),
            ),
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
    inner: Arc<churn_core::Model>,
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

    fn compute(&self, env: &Env, op: Op, data: Data, rows: Option<u32>) -> Result<Float64Array> {
        let m = &self.inner;
        let result = match data {
            Either3::A(v) => run(m, op, view(m, v, rows).map_err(|e| input_error(env, e))?),
            Either3::B(v) => run(m, op, view(m, v, rows).map_err(|e| input_error(env, e))?),
            Either3::C(records) => {
                let (x, n) = records_to_matrix(env, m, &records)?;
                check_record_rows(env, rows, n)?;
                run(
                    m,
                    op,
                    view(m, &x, Some(n as u32)).map_err(|e| input_error(env, e))?,
                )
            }
        };
        result
            .map(Float64Array::new)
            .map_err(|e| core_error(env, e))
    }

    fn task(
        &self,
        env: &Env,
        op: std::result::Result<Op, String>,
        data: Data,
        rows: Option<u32>,
    ) -> AsyncTask<Compute> {
        let m = &self.inner;
        let owned = || -> Result<Owned> {
            if let Err(e) = &op {
                return Err(input_error(env, e.clone()));
            }
            Ok(match data {
                Either3::A(v) => Owned::F64(
                    v.to_vec(),
                    row_count(m, v.len(), rows).map_err(|e| input_error(env, e))?,
                ),
                Either3::B(v) => Owned::F32(
                    v.to_vec(),
                    row_count(m, v.len(), rows).map_err(|e| input_error(env, e))?,
                ),
                Either3::C(records) => {
                    let (x, n) = records_to_matrix(env, m, &records)?;
                    check_record_rows(env, rows, n)?;
                    Owned::F64(x, n)
                }
            })
        };
        let (data, failure) = match owned() {
            Ok(d) => (Some(d), None),
            Err(e) => (None, Some(e)),
        };
        AsyncTask::new(Compute {
            model: Arc::clone(m),
            op: op.unwrap_or(Op::Predict),
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
        ts_args_type = "data: Float64Array | Float32Array | Array<Record<string, number | boolean | null | undefined>>, rows?: number | undefined | null, options?: PredictOptions | undefined | null"
    )]
    pub fn predict(
        &self,
        env: Env,
        data: Data,
        rows: Option<u32>,
        options: Option<PredictOptions>,
    ) -> Result<Float64Array> {
        let op = parse_output(options).map_err(|e| input_error(&env, e))?;
        self.compute(&env, op, data, rows)
    }

    /// Raw scores (margins) before the output transform, `rows x outputs` row-major.
    #[napi(
        ts_args_type = "data: Float64Array | Float32Array | Array<Record<string, number | boolean | null | undefined>>, rows?: number | undefined | null"
    )]
    pub fn predict_margin(&self, env: Env, data: Data, rows: Option<u32>) -> Result<Float64Array> {
        self.compute(&env, Op::Margin, data, rows)
    }

    /// Exact TreeSHAP values, `rows x outputs x (numFeatures + 1)` row-major; the last entry of
    /// each output is the bias, and each output's entries sum to its margin.
    #[napi(
        ts_args_type = "data: Float64Array | Float32Array | Array<Record<string, number | boolean | null | undefined>>, rows?: number | undefined | null"
    )]
    pub fn shap_values(&self, env: Env, data: Data, rows: Option<u32>) -> Result<Float64Array> {
        self.compute(&env, Op::Shap, data, rows)
    }

    /// Exact SHAP interaction values, `rows x outputs x (numFeatures + 1) x (numFeatures + 1)`
    /// row-major, laid out like XGBoost's `pred_interactions`.
    #[napi(
        ts_args_type = "data: Float64Array | Float32Array | Array<Record<string, number | boolean | null | undefined>>, rows?: number | undefined | null"
    )]
    pub fn shap_interaction_values(
        &self,
        env: Env,
        data: Data,
        rows: Option<u32>,
    ) -> Result<Float64Array> {
        self.compute(&env, Op::Interactions, data, rows)
    }

    /// `predict` on the libuv thread pool (the input is copied first).
    #[napi(
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
        ts_args_type = "data: Float64Array | Float32Array | Array<Record<string, number | boolean | null | undefined>>, rows?: number | undefined | null",
        ts_return_type = "Promise<Float64Array>"
    )]
    pub fn predict_margin_async(
        &self,
        env: Env,
        data: Data,
        rows: Option<u32>,
    ) -> AsyncTask<Compute> {
        self.task(&env, Ok(Op::Margin), data, rows)
    }

    /// `shapValues` on the libuv thread pool.
    #[napi(
        ts_args_type = "data: Float64Array | Float32Array | Array<Record<string, number | boolean | null | undefined>>, rows?: number | undefined | null",
        ts_return_type = "Promise<Float64Array>"
    )]
    pub fn shap_values_async(&self, env: Env, data: Data, rows: Option<u32>) -> AsyncTask<Compute> {
        self.task(&env, Ok(Op::Shap), data, rows)
    }

    /// `shapInteractionValues` on the libuv thread pool.
    #[napi(
        ts_args_type = "data: Float64Array | Float32Array | Array<Record<string, number | boolean | null | undefined>>, rows?: number | undefined | null",
        ts_return_type = "Promise<Float64Array>"
    )]
    pub fn shap_interaction_values_async(
        &self,
        env: Env,
        data: Data,
        rows: Option<u32>,
    ) -> AsyncTask<Compute> {
        self.task(&env, Ok(Op::Interactions), data, rows)
    }
}
