//! Python bindings of churnlens (`import churnlens`).
//!
//! The native module `churnlens._churnlens` holds one class, `_Model`, that the pure-Python
//! `churnlens.Model` extends. This file converts types and errors only; every computation is a
//! single call into `churn-core`:
//!
//! * inputs: a 2-D NumPy `float64` or `float32` array is borrowed as an `ArrayView2` with its
//!   own strides (C order, Fortran order or any slice of them: no copy). Anything else
//!   (DataFrames, other dtypes, lists) goes through `churnlens._input.to_matrix`, which returns
//!   such an array with the columns in the model's feature order;
//! * outputs: the core's owned arrays are handed to NumPy without a copy;
//! * the GIL is released while the core computes, on the global rayon pool or on a pool of
//!   `n_threads` threads cached inside the model object;
//! * every core error becomes an exception of the `churnlens._errors` hierarchy, and a panic
//!   (none is expected) becomes `churnlens.InternalError` instead of crossing into Python.
//!
//! The intake classes (`Schema`, `Overrides`, `Mapping`, `Table`, `Validated`, `QualityReport`,
//! `Bundle`) and their functions are in `intake.rs`; the main job's (`RunSummary`, `Explanation`,
//! `Reason`, `OutcomeStore`, `Performance`, the native halves of `score_csv`, `report_csv` and
//! `score_frame`) in `pipeline.rs`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use churn_core::model::Category;
use churn_core::ndarray::{Array, ArrayView2, Dimension};
use churn_core::{CategoryLabels, FeatureKind, FeatureValue, Format, Model};
use numpy::prelude::*;
use numpy::{PyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyList, PyMemoryView};

mod build;
mod errors;
mod intake;
mod pipeline;

pub(crate) use errors::{
    core_to_py, failure_to_py, guarded, input_error, int_obj, make_error, Failure,
};

/// A category as `churnlens._input` passes it: text, or a number as float.
#[derive(FromPyObject)]
enum CategoryArg {
    Text(String),
    Number(f64),
}

/// A borrowed input matrix.
enum Matrix<'py> {
    F64(PyReadonlyArray2<'py, f64>),
    F32(PyReadonlyArray2<'py, f32>),
}

impl Matrix<'_> {
    fn nrows(&self) -> usize {
        match self {
            Matrix::F64(a) => a.shape()[0],
            Matrix::F32(a) => a.shape()[0],
        }
    }
}

/// `output=` of `predict`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Output {
    Probability,
    Margin,
}

/// Shape of a result: the output axis is dropped for single-output models, as XGBoost and
/// shap do.
fn squeeze_outputs<D: Dimension>(
    py: Python<'_>,
    arr: Array<f64, D>,
    single: bool,
) -> PyResult<Bound<'_, PyAny>> {
    if !single {
        return Ok(arr.into_pyarray(py).into_any());
    }
    let mut shape: Vec<usize> = arr.shape().to_vec();
    shape.remove(1);
    let reshaped = arr
        .into_shape_with_order(shape)
        .map_err(|e| input_error(py, format!("cannot reshape the result: {e}")))?;
    Ok(reshaped.into_pyarray(py).into_any())
}

/// The native model: an immutable `churn_core::Model` plus a cache of thread pools.
#[pyclass(name = "_Model", module = "churnlens._churnlens", subclass, frozen)]
pub(crate) struct PyModel {
    pub(crate) model: Arc<Model>,
    /// One pool per `n_threads` value asked for, built on first use.
    pools: Mutex<HashMap<usize, Arc<rayon::ThreadPool>>>,
}

impl PyModel {
    fn pool(
        &self,
        py: Python<'_>,
        n_threads: Option<i64>,
    ) -> PyResult<Option<Arc<rayon::ThreadPool>>> {
        let Some(n) = n_threads
            .map(churn_core::Threads::try_from)
            .transpose()
            .map_err(|e| pipeline::argument_error(py, "n_threads", e))?
            .and_then(churn_core::Threads::count)
        else {
            return Ok(None);
        };
        let mut pools = self.pools.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = pools.get(&n) {
            return Ok(Some(p.clone()));
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .thread_name(|i| format!("churnlens-{i}"))
            .build()
            .map_err(|e| {
                make_error(
                    py,
                    "ChurnlensError",
                    "threads",
                    format!("cannot start {n} threads: {e}"),
                    &[],
                )
            })?;
        let pool = Arc::new(pool);
        pools.insert(n, pool.clone());
        Ok(Some(pool))
    }

    /// Borrows `x` as a float matrix, converting through `churnlens._input` when it is not
    /// already a 2-D float64/float32 NumPy array.
    fn matrix<'py>(slf: &Bound<'py, Self>, x: &Bound<'py, PyAny>) -> PyResult<Matrix<'py>> {
        let py = slf.py();
        if let Some(m) = Self::borrow_array(x)? {
            return Ok(m);
        }
        static TO_MATRIX: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let convert = TO_MATRIX.import(py, "churnlens._input", "to_matrix")?;
        let converted = convert.call1((x, slf))?;
        match Self::borrow_array(&converted)? {
            Some(m) => Ok(m),
            None => Err(input_error(
                py,
                "churnlens._input.to_matrix returned an unusable array",
            )),
        }
    }

    fn borrow_array<'py>(x: &Bound<'py, PyAny>) -> PyResult<Option<Matrix<'py>>> {
        if let Ok(a) = x.cast::<PyArray2<f64>>() {
            return Ok(Some(Matrix::F64(a.try_readonly().map_err(borrow_err)?)));
        }
        if let Ok(a) = x.cast::<PyArray2<f32>>() {
            return Ok(Some(Matrix::F32(a.try_readonly().map_err(borrow_err)?)));
        }
        Ok(None)
    }

    /// Runs `f` on `x` without the GIL, on the chosen pool, guarded against panics.
    fn run<'py, R: Send>(
        &self,
        py: Python<'py>,
        x: &Matrix<'py>,
        n_threads: Option<i64>,
        f: impl Fn(&Model, Input<'_>) -> churn_core::Result<R> + Send + Sync,
    ) -> PyResult<R> {
        let pool = self.pool(py, n_threads)?;
        let model = &*self.model;
        let input = match x {
            Matrix::F64(a) => Input::F64(a.as_array()),
            Matrix::F32(a) => Input::F32(a.as_array()),
        };
        let result = py.detach(|| {
            guarded(|| match &pool {
                Some(p) => p.install(|| f(model, input)),
                None => f(model, input),
            })
        });
        result.map_err(|e| failure_to_py(py, e))
    }
}

fn borrow_err(e: numpy::BorrowError) -> PyErr {
    PyTypeError::new_err(format!("cannot borrow the input array: {e}"))
}

/// A typed view of the input, `Copy` so that one closure can serve both element types.
#[derive(Clone, Copy)]
enum Input<'a> {
    F64(ArrayView2<'a, f64>),
    F32(ArrayView2<'a, f32>),
}

macro_rules! dispatch {
    ($input:expr, $x:ident => $body:expr) => {
        match $input {
            Input::F64($x) => $body,
            Input::F32($x) => $body,
        }
    };
}

/// Copies one row into `buf` as f64 (exact for both element types).
fn row_into<T: FeatureValue>(x: ArrayView2<'_, T>, buf: &mut Vec<f64>) {
    buf.clear();
    buf.extend(x.row(0).iter().map(|v| v.to_f64()));
}

#[pymethods]
impl PyModel {
    /// Parses a model from a path (`str` / `os.PathLike`) or from its bytes.
    #[new]
    fn new(py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<Self> {
        let result = if let Ok(b) = source.cast::<PyBytes>() {
            let bytes = b.as_bytes();
            py.detach(|| guarded(|| Model::from_bytes(bytes)))
        } else if source.is_instance_of::<PyByteArray>() || source.is_instance_of::<PyMemoryView>()
        {
            let bytes: Vec<u8> = py
                .import("builtins")?
                .getattr("bytes")?
                .call1((source,))?
                .extract()?;
            py.detach(|| guarded(|| Model::from_bytes(&bytes)))
        } else {
            let path = match source.extract::<std::path::PathBuf>() {
                Ok(p) => p,
                Err(_) => {
                    return Err(PyTypeError::new_err(format!(
                    "Model.load expects a path (str or os.PathLike) or the model's bytes, got {}",
                    source.get_type().name()?
                )))
                }
            };
            py.detach(|| guarded(|| Model::load(&path)))
        };
        let model = result.map_err(|e| failure_to_py(py, e))?;
        Ok(PyModel {
            model: Arc::new(model),
            pools: Mutex::new(HashMap::new()),
        })
    }

    /// Feature names, in the model's column order.
    #[getter]
    fn feature_names(&self) -> Vec<String> {
        self.model.feature_names().to_vec()
    }

    /// `"numeric"` or `"categorical"` per feature.
    #[getter]
    fn feature_kinds(&self) -> Vec<&'static str> {
        self.model
            .feature_kinds()
            .iter()
            .map(|k| match k {
                FeatureKind::Categorical => "categorical",
                _ => "numeric",
            })
            .collect()
    }

    /// Per feature, the category labels the training library stored (XGBoost 3.1+ `cats`,
    /// LightGBM `pandas_categorical`): `None`, or a list of `str` or of `float` whose i-th entry
    /// is the category with code i.
    #[getter]
    fn category_labels<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let labels = self.model.category_labels();
        let items = (0..self.model.num_features()).map(|f| match labels.get(f) {
            Some(Some(CategoryLabels::Strings(v))) => v.into_pyobject(py).map(Bound::into_any),
            Some(Some(CategoryLabels::Numbers(v))) => v.into_pyobject(py).map(Bound::into_any),
            _ => Ok(py.None().into_bound(py)),
        });
        PyList::new(py, items.collect::<PyResult<Vec<_>>>()?)
    }

    /// Model inputs of a categorical column: `categories` its distinct values (`str`, `float`
    /// or None), `codes` each row's index into them (-1 = missing). The rules are the core's
    /// (`Model::category_inputs`): by stored label, unseen = NaN for LightGBM and an
    /// `InputError` for XGBoost; the codes themselves without stored labels.
    fn _category_inputs<'py>(
        &self,
        py: Python<'py>,
        feature: usize,
        categories: Vec<Option<CategoryArg>>,
        codes: PyReadonlyArray1<'py, i64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let cats: Vec<Option<Category<'_>>> = categories
            .iter()
            .map(|c| {
                c.as_ref().map(|c| match c {
                    CategoryArg::Text(t) => Category::Text(t),
                    CategoryArg::Number(n) => Category::Number(*n),
                })
            })
            .collect();
        let codes = codes.as_array();
        let model = &*self.model;
        let out = py
            .detach(|| {
                guarded(|| match codes.as_slice() {
                    Some(c) => model.category_inputs(feature, &cats, c),
                    None => model.category_inputs(feature, &cats, &codes.to_vec()),
                })
            })
            .map_err(|e| failure_to_py(py, e))?;
        Ok(PyArray1::from_vec(py, out))
    }

    #[getter]
    fn num_features(&self) -> usize {
        self.model.num_features()
    }

    #[getter]
    fn num_outputs(&self) -> usize {
        self.model.num_outputs()
    }

    #[getter]
    fn num_trees(&self) -> usize {
        self.model.num_trees()
    }

    /// The objective as the file names it, e.g. `binary:logistic` or `binary sigmoid:1`.
    #[getter]
    fn objective(&self) -> String {
        self.model.objective().to_string()
    }

    /// `"xgboost"` or `"lightgbm"`.
    #[getter]
    fn format(&self) -> &'static str {
        match self.model.format() {
            Format::XGBoost => "xgboost",
            _ => "lightgbm",
        }
    }

    #[getter]
    fn best_iteration(&self) -> Option<usize> {
        self.model.best_iteration()
    }

    /// The starting margin of each output.
    #[getter]
    fn base_margin<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        PyArray::from_slice(py, self.model.base_margin()).into_any()
    }

    /// The bias of each output: a float for single-output models, else an array of K.
    #[getter]
    fn expected_value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let model = &*self.model;
        let ev = py
            .detach(|| guarded(|| Ok(model.expected_value())))
            .map_err(|e| failure_to_py(py, e))?;
        if ev.len() == 1 {
            Ok(ev[0].into_pyobject(py)?.into_any())
        } else {
            Ok(PyArray::from_vec(py, ev).into_any())
        }
    }

    /// Predictions: `(n,)` for single-output models, else `(n, K)`.
    #[pyo3(signature = (x, output = "probability", n_threads = None))]
    fn predict<'py>(
        slf: &Bound<'py, Self>,
        x: &Bound<'py, PyAny>,
        output: &str,
        n_threads: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let output = match output {
            "probability" | "prediction" | "value" => Output::Probability,
            "margin" | "raw" | "raw_score" => Output::Margin,
            other => {
                return Err(input_error(
                    py,
                    format!("output must be \"probability\" or \"margin\", got {other:?}"),
                ))
            }
        };
        let this = slf.get();
        let m = Self::matrix(slf, x)?;
        let single = this.model.num_outputs() == 1;
        // One row: the core's allocation-free single-row path, without a thread pool.
        if m.nrows() == 1 && output == Output::Probability {
            let model = &*this.model;
            let input = match &m {
                Matrix::F64(a) => Input::F64(a.as_array()),
                Matrix::F32(a) => Input::F32(a.as_array()),
            };
            let out = py
                .detach(|| {
                    guarded(|| {
                        let mut row = Vec::with_capacity(model.num_features());
                        dispatch!(input, v => row_into(v, &mut row));
                        if row.len() != model.num_features() {
                            // Let the batch path word the error.
                            return dispatch!(input, v => model.predict(v));
                        }
                        let mut out = vec![0.0; model.num_outputs()];
                        model.predict_row(&row, &mut out)?;
                        Array::from_shape_vec((1, out.len()), out).map_err(|e| {
                            churn_core::Error::Input {
                                reason: e.to_string(),
                            }
                        })
                    })
                })
                .map_err(|e| failure_to_py(py, e))?;
            return squeeze_outputs(py, out, single);
        }
        let out = this.run(py, &m, n_threads, |model, input| match output {
            Output::Probability => dispatch!(input, v => model.predict(v)),
            Output::Margin => dispatch!(input, v => model.predict_margin(v)),
        })?;
        squeeze_outputs(py, out, single)
    }

    /// Exact TreeSHAP values: `(n, F+1)` or `(n, K, F+1)`; the last column is the bias.
    #[pyo3(signature = (x, n_threads = None))]
    fn shap_values<'py>(
        slf: &Bound<'py, Self>,
        x: &Bound<'py, PyAny>,
        n_threads: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.get();
        let m = Self::matrix(slf, x)?;
        let out = this.run(
            py,
            &m,
            n_threads,
            |model, input| dispatch!(input, v => model.shap_values(v)),
        )?;
        squeeze_outputs(py, out, this.model.num_outputs() == 1)
    }

    /// Exact SHAP interaction values: `(n, F+1, F+1)` or `(n, K, F+1, F+1)`.
    #[pyo3(signature = (x, n_threads = None))]
    fn shap_interaction_values<'py>(
        slf: &Bound<'py, Self>,
        x: &Bound<'py, PyAny>,
        n_threads: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.get();
        let m = Self::matrix(slf, x)?;
        let out = this.run(
            py,
            &m,
            n_threads,
            |model, input| dispatch!(input, v => model.shap_interaction_values(v)),
        )?;
        squeeze_outputs(py, out, this.model.num_outputs() == 1)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let this = slf.get();
        let m = &this.model;
        Ok(format!(
            "<churnlens.Model {}: {} trees, {} features, {} output{}, objective {:?}>",
            match m.format() {
                Format::XGBoost => "XGBoost",
                _ => "LightGBM",
            },
            m.num_trees(),
            m.num_features(),
            m.num_outputs(),
            if m.num_outputs() == 1 { "" } else { "s" },
            m.objective()
        ))
    }
}

/// Panics inside the guard: lets the test suite check that no panic reaches Python.
#[pyfunction]
fn _panic_for_tests(py: Python<'_>) -> PyResult<()> {
    let r: Result<(), Failure> = py.detach(|| guarded(|| panic!("deliberate test panic")));
    r.map_err(|e| failure_to_py(py, e))
}

/// The native module `churnlens._churnlens`.
#[pymodule]
fn _churnlens(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyModel>()?;
    intake::register(m)?;
    m.add_function(wrap_pyfunction!(build::_build_bundle, m)?)?;
    pipeline::register(m)?;
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
