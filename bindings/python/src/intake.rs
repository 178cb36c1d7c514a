//! The intake classes and functions of issue 4: `Schema`, `Overrides`, `Mapping`, `Table`,
//! `Validated`, `QualityReport`, `Bundle`, and the native halves of `map_columns`, `validate`
//! and `quality_report` (the public functions are in `churnlens/_intake.py`, which turns
//! DataFrames, paths and CSV text into a `Table` first).
//!
//! As in `lib.rs`, every method converts its arguments, calls the core once and converts the
//! result or the error. Nested results (mapping decisions, issues, summaries, reports) are the
//! core's serde structs, handed to Python as plain dicts and lists through `json.loads`, so
//! their keys are exactly the core's field names (and those of the CLI's JSON output).

use std::collections::BTreeMap;
use std::path::PathBuf;

use churn_core::bundle::explain::{explain_rows, text_inputs, TextCell};
use churn_core::ndarray::{Array2, ArrayView2};
use churn_core::normalize::parse_date;
use churn_core::quality::auc;
use churn_core::{
    map_columns_with, quality_report, validate, Bundle, Error, MapOptions, Mapping, Overrides,
    QualityReport, ReferenceProfile, ReferenceSample, RiskTiers, Schema, Table, Tier,
    ValidateOptions,
};
use numpy::prelude::*;
use numpy::{PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyTuple};

use crate::pipeline::PyExplanation;
use crate::{core_to_py, failure_to_py, guarded, input_error, int_obj, make_error, PyModel};

/// Runs a core call guarded against panics and converts its error.
fn call<T>(py: Python<'_>, f: impl FnOnce() -> churn_core::Result<T>) -> PyResult<T> {
    guarded(f).map_err(|e| failure_to_py(py, e))
}

/// Like [`call`], without the GIL (for the calls that touch every cell of a table).
fn call_detached<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> churn_core::Result<T> + Send,
) -> PyResult<T> {
    py.detach(|| guarded(f)).map_err(|e| failure_to_py(py, e))
}

/// A serde value as plain Python objects (dicts, lists, str, float, int, bool, None).
pub(crate) fn to_py<'py, T: serde::Serialize>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let text = serde_json::to_string(value).map_err(|e| {
        make_error(
            py,
            "InternalError",
            "internal",
            format!("cannot convert a result to Python: {e}"),
            &[],
        )
    })?;
    LOADS.import(py, "json", "loads")?.call1((text,))
}

/// Calls a helper of the pure-Python part of the package.
pub(crate) fn helper<'py>(
    py: Python<'py>,
    module: &str,
    name: &str,
) -> PyResult<Bound<'py, PyAny>> {
    py.import(module)?.getattr(name)
}

/// Overrides files are JSON: their syntax errors are override errors, not model errors.
fn overrides_error(py: Python<'_>, err: Error) -> PyErr {
    match err.root() {
        Error::Json { line, column, .. } => make_error(
            py,
            "OverrideError",
            "override",
            format!("invalid overrides: {err}"),
            &[
                ("line", int_obj(py, *line as i64)),
                ("column", int_obj(py, *column as i64)),
                ("position", crate::errors::position_obj(py, &err)),
            ],
        ),
        _ => core_to_py(py, err),
    }
}

// ------------------------------------------------------------------------------------------
// Schema

/// The feature schema: per feature its name, kind, unit, range or categories, required flag,
/// aliases, vocabulary concept and invalid-value policy; plus the customer id and churn label.
#[pyclass(name = "Schema", module = "churnlens", frozen, eq)]
#[derive(Clone, PartialEq)]
pub(crate) struct PySchema {
    pub(crate) inner: Schema,
}

#[pymethods]
impl PySchema {
    /// `Schema(["tenure", "MonthlyCharges"])`: numeric, optional features with these names
    /// (the same as `Schema.from_names`); `Schema()` is empty.
    #[new]
    #[pyo3(signature = (names = None))]
    fn new(names: Option<Vec<String>>) -> Self {
        PySchema {
            inner: Schema::from_names(&names.unwrap_or_default()),
        }
    }

    /// The schema a model implies: one optional feature per input, numeric or categorical.
    #[staticmethod]
    fn from_model(model: PyRef<'_, PyModel>) -> Self {
        PySchema {
            inner: Schema::from_model(&model.model),
        }
    }

    /// Numeric, optional features with these names.
    #[staticmethod]
    fn from_names(names: Vec<String>) -> Self {
        PySchema {
            inner: Schema::from_names(&names),
        }
    }

    /// Parses a complete schema from JSON (`{"features": [...]}`).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        let inner = call(py, || Schema::from_json(text))?;
        Ok(PySchema { inner })
    }

    /// Parses a complete schema from TOML (`[[features]]` tables).
    #[staticmethod]
    fn from_toml(py: Python<'_>, text: &str) -> PyResult<Self> {
        let inner = call(py, || Schema::from_toml(text))?;
        Ok(PySchema { inner })
    }

    /// Reads a schema file: TOML when the name ends in `.toml`, JSON otherwise.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inner = call(py, || Schema::load(&path))?;
        Ok(PySchema { inner })
    }

    /// The schema as pretty JSON (what `from_json` reads).
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// A new schema: this one with a JSON schema file's fields applied on top.
    fn enrich_json(&self, py: Python<'_>, text: &str) -> PyResult<Self> {
        let inner = call(py, || self.inner.clone().enrich_json(text))?;
        Ok(PySchema { inner })
    }

    /// A new schema: this one with a TOML schema file's fields applied on top.
    fn enrich_toml(&self, py: Python<'_>, text: &str) -> PyResult<Self> {
        let inner = call(py, || self.inner.clone().enrich_toml(text))?;
        Ok(PySchema { inner })
    }

    /// Raises `SchemaError` unless the schema's inputs are the model's features.
    fn check_model(&self, py: Python<'_>, model: PyRef<'_, PyModel>) -> PyResult<()> {
        call(py, || self.inner.check_model(&model.model))
    }

    /// Every feature (inputs, identifier, label) as a dict, in schema order.
    #[getter]
    fn features<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.features)
    }

    /// One feature as a dict, or None.
    fn feature<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.feature(name).map(|f| to_py(py, f)).transpose()
    }

    /// Names of the model inputs, in model column order.
    #[getter]
    fn input_names(&self) -> Vec<String> {
        self.inner
            .input_names()
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    #[getter]
    fn num_inputs(&self) -> usize {
        self.inner.num_inputs()
    }

    /// Name of the customer-id column, if the schema has one.
    #[getter]
    fn identifier(&self) -> Option<String> {
        self.inner.identifier().map(|f| f.name.clone())
    }

    /// Name of the churn-label column, if the schema has one.
    #[getter]
    fn label(&self) -> Option<String> {
        self.inner.label().map(|f| f.name.clone())
    }

    fn __len__(&self) -> usize {
        self.inner.features.len()
    }

    fn __contains__(&self, name: &str) -> bool {
        self.inner.feature(name).is_some()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let ctor = py.get_type::<PySchema>().getattr("from_json")?;
        let args = PyTuple::new(py, [slf.get().inner.to_json()])?;
        PyTuple::new(py, [ctor, args.into_any()])
    }

    fn __repr__(&self) -> String {
        let s = &self.inner;
        let mut extra = String::new();
        if let Some(id) = s.identifier() {
            extra.push_str(&format!(", id {:?}", id.name));
        }
        if let Some(l) = s.label() {
            extra.push_str(&format!(", label {:?}", l.name));
        }
        format!("<churnlens.Schema: {} inputs{extra}>", s.num_inputs())
    }
}

/// The schema that `features=` stands for: a `Schema`, a `Model` (its implied schema), a
/// `Bundle` (its schema) or a list of feature names.
fn schema_of(features: &Bound<'_, PyAny>) -> PyResult<Schema> {
    if let Ok(s) = features.cast::<PySchema>() {
        return Ok(s.get().inner.clone());
    }
    if let Ok(b) = features.cast::<PyBundle>() {
        return Ok(b.try_borrow()?.inner.schema().clone());
    }
    if let Ok(m) = features.cast::<PyModel>() {
        return Ok(Schema::from_model(&m.get().model));
    }
    if !features.is_instance_of::<pyo3::types::PyString>() {
        if let Ok(names) = features.extract::<Vec<String>>() {
            return Ok(Schema::from_names(&names));
        }
    }
    Err(PyTypeError::new_err(format!(
        "expected the features as a list of names, a churnlens.Schema, a churnlens.Model or a \
         churnlens.Bundle, got {}",
        features.get_type().name()?
    )))
}

// ------------------------------------------------------------------------------------------
// Overrides

/// Mapping decisions a person made, `{feature: header}` or `{feature: None}` (keep the feature
/// unmapped); they win over the mapper and are saved as JSON.
#[pyclass(name = "Overrides", module = "churnlens", eq)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyOverrides {
    pub(crate) inner: Overrides,
}

#[pymethods]
impl PyOverrides {
    /// `Overrides({"monthly_charges": "Plan Fee", "Churn": None})`, or empty.
    #[new]
    #[pyo3(signature = (columns = None))]
    fn new(columns: Option<BTreeMap<String, Option<String>>>) -> Self {
        PyOverrides {
            inner: Overrides {
                columns: columns.unwrap_or_default(),
            },
        }
    }

    /// Maps `feature` to the column headed `header`.
    fn set(&mut self, feature: &str, header: &str) {
        self.inner.set(feature, header);
    }

    /// Keeps `feature` unmapped whatever the mapper finds.
    fn keep_unmapped(&mut self, feature: &str) {
        self.inner.keep_unmapped(feature);
    }

    /// `{feature: header or None}`.
    #[getter]
    fn columns(&self) -> BTreeMap<String, Option<String>> {
        self.inner.columns.clone()
    }

    /// Parses overrides saved by `to_json`.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        let inner = guarded(|| Overrides::from_json(text)).map_err(|e| match e {
            crate::Failure::Core(err) => overrides_error(py, err),
            other => failure_to_py(py, other),
        })?;
        Ok(PyOverrides { inner })
    }

    /// Reads overrides from a JSON file.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inner = guarded(|| Overrides::load(&path)).map_err(|e| match e {
            crate::Failure::Core(err) => overrides_error(py, err),
            other => failure_to_py(py, other),
        })?;
        Ok(PyOverrides { inner })
    }

    /// The overrides as pretty JSON.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// Writes the overrides to a JSON file.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        call(py, || self.inner.save(&path))
    }

    fn __len__(&self) -> usize {
        self.inner.columns.len()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let ctor = py.get_type::<PyOverrides>().getattr("from_json")?;
        let args = PyTuple::new(py, [slf.borrow().inner.to_json()])?;
        PyTuple::new(py, [ctor, args.into_any()])
    }

    fn __repr__(&self) -> String {
        let items: Vec<String> = self
            .inner
            .columns
            .iter()
            .map(|(f, h)| match h {
                Some(h) => format!("{f:?}: {h:?}"),
                None => format!("{f:?}: None"),
            })
            .collect();
        format!("churnlens.Overrides({{{}}})", items.join(", "))
    }
}

// ------------------------------------------------------------------------------------------
// Mapping

/// The result of `map_columns`: which header feeds each feature, with confidence,
/// alternatives, ambiguity flags, and the columns no feature takes.
#[pyclass(name = "Mapping", module = "churnlens", frozen)]
pub(crate) struct PyMapping {
    pub(crate) inner: Mapping,
}

#[pymethods]
impl PyMapping {
    /// `{feature: header}` for the mapped features.
    fn as_dict(&self) -> BTreeMap<String, String> {
        self.inner.as_dict()
    }

    /// `{feature: confidence}` for the mapped features (0..1).
    #[getter]
    fn confidence(&self) -> BTreeMap<String, f64> {
        self.inner.confidence()
    }

    /// `{feature: [(header, confidence), ...]}`: the other candidates, best first.
    #[getter]
    fn alternatives(&self) -> BTreeMap<String, Vec<(String, f64)>> {
        self.inner.alternatives()
    }

    /// Headers no feature takes, in table order.
    #[getter]
    fn unmapped(&self) -> Vec<String> {
        self.inner
            .unmapped_headers()
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    /// Features without a column (required or not).
    #[getter]
    fn missing(&self) -> Vec<String> {
        self.inner
            .missing()
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    /// Required features without a column.
    #[getter]
    fn missing_required(&self) -> Vec<String> {
        self.inner
            .missing_required()
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    /// Features whose best two headers were close (mapped or refused): check them.
    #[getter]
    fn ambiguous(&self) -> Vec<String> {
        self.inner
            .ambiguous()
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    /// The table's headers, in order.
    #[getter]
    fn headers(&self) -> Vec<String> {
        self.inner.headers.clone()
    }

    /// The acceptance threshold used.
    #[getter]
    fn threshold(&self) -> f64 {
        self.inner.threshold
    }

    /// Every decision as a dict (feature, kind, required, concept, column, header,
    /// confidence, source, ambiguous, alternatives, note), in schema order.
    #[getter]
    fn features<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.features)
    }

    /// The decision for one feature as a dict; `KeyError` when the schema has no such feature.
    fn get<'py>(&self, py: Python<'py>, feature: &str) -> PyResult<Bound<'py, PyAny>> {
        match self.inner.get(feature) {
            Some(f) => to_py(py, f),
            None => Err(pyo3::exceptions::PyKeyError::new_err(feature.to_string())),
        }
    }

    /// The header feeding `feature`, or None.
    fn header_of(&self, feature: &str) -> Option<String> {
        self.inner.header_of(feature).map(str::to_string)
    }

    /// The decisions as overrides, to save, edit and pass back to `map_columns`.
    fn to_overrides(&self) -> PyOverrides {
        PyOverrides {
            inner: self.inner.to_overrides(),
        }
    }

    /// The mapping as pretty JSON.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    fn __repr__(&self) -> String {
        let m = &self.inner;
        format!(
            "<churnlens.Mapping: {} of {} features mapped, {} unmapped column{}, {} ambiguous>",
            m.as_dict().len(),
            m.features.len(),
            m.unmapped.len(),
            if m.unmapped.len() == 1 { "" } else { "s" },
            m.ambiguous().len()
        )
    }
}

/// Native half of `churnlens.map_columns` (headers and sample cells already strings).
#[pyfunction]
#[pyo3(signature = (headers, features, samples = None, overrides = None, threshold = None))]
fn _map_columns(
    py: Python<'_>,
    headers: Vec<String>,
    features: &Bound<'_, PyAny>,
    samples: Option<Vec<Vec<String>>>,
    overrides: Option<PyRef<'_, PyOverrides>>,
    threshold: Option<f64>,
) -> PyResult<PyMapping> {
    let schema = schema_of(features)?;
    let mut options = MapOptions::default();
    if let Some(t) = threshold {
        if !(0.0..=1.0).contains(&t) {
            return Err(input_error(
                py,
                format!("threshold must be within 0..1, got {t}"),
            ));
        }
        options.threshold = t;
    }
    let overrides = overrides.as_ref().map(|o| o.inner.clone());
    let inner = call_detached(py, || {
        map_columns_with(
            &headers,
            &schema,
            samples.as_deref(),
            overrides.as_ref(),
            &options,
        )
    })?;
    Ok(PyMapping { inner })
}

// ------------------------------------------------------------------------------------------
// Table

/// A table of raw string cells (one header row): what the intake stages read.
#[pyclass(name = "Table", module = "churnlens", frozen)]
pub(crate) struct PyTable {
    pub(crate) inner: Table,
}

fn delimiter_byte(py: Python<'_>, delimiter: &str) -> PyResult<u8> {
    match delimiter.as_bytes() {
        [b] if b.is_ascii() => Ok(*b),
        _ => Err(input_error(
            py,
            format!("the delimiter must be one ASCII character, got {delimiter:?}"),
        )),
    }
}

#[pymethods]
impl PyTable {
    /// A table from header names and rows of string cells (rows may be ragged).
    #[new]
    #[pyo3(signature = (headers, rows, first_row = 1))]
    fn new(headers: Vec<String>, rows: Vec<Vec<String>>, first_row: u64) -> Self {
        PyTable {
            inner: Table::new(headers, rows).starting_at(first_row),
        }
    }

    /// Parses CSV text (RFC 4180 quoting; a UTF-8 byte-order mark is ignored); the first record
    /// is the header row.
    #[staticmethod]
    #[pyo3(signature = (text, delimiter = ","))]
    fn from_csv(py: Python<'_>, text: &str, delimiter: &str) -> PyResult<Self> {
        let d = delimiter_byte(py, delimiter)?;
        let inner = call_detached(py, || Table::from_delimited_str(text, d))?;
        Ok(PyTable { inner })
    }

    /// Reads a UTF-8 CSV file.
    #[staticmethod]
    #[pyo3(signature = (path, delimiter = ","))]
    fn read_csv(py: Python<'_>, path: PathBuf, delimiter: &str) -> PyResult<Self> {
        let d = delimiter_byte(py, delimiter)?;
        let bytes = call(py, || {
            std::fs::read(&path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })
        })?;
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            make_error(
                py,
                "EncodingError",
                "encoding",
                format!(
                    "cannot read {}: it is not UTF-8 text (invalid byte at offset {}); save it \
                     as UTF-8, or read it with pandas and pass the DataFrame",
                    path.display(),
                    e.valid_up_to()
                ),
                &[],
            )
        })?;
        let inner = call_detached(py, || Table::from_delimited_str(text, d))?;
        Ok(PyTable { inner })
    }

    /// A table of a pandas (or polars, pyarrow) DataFrame's cells, as text; see
    /// `churnlens._table` for how values become cells.
    #[staticmethod]
    fn from_dataframe(py: Python<'_>, df: &Bound<'_, PyAny>) -> PyResult<Self> {
        let (headers, columns): (Vec<String>, Vec<Vec<String>>) =
            helper(py, "churnlens._table", "frame_columns")?
                .call1((df,))?
                .extract()?;
        let n = columns.first().map_or(0, Vec::len);
        let mut rows: Vec<Vec<String>> =
            (0..n).map(|_| Vec::with_capacity(columns.len())).collect();
        for col in columns {
            for (row, cell) in rows.iter_mut().zip(col) {
                row.push(cell);
            }
        }
        Ok(PyTable {
            inner: Table::new(headers, rows),
        })
    }

    #[getter]
    fn headers(&self) -> Vec<String> {
        self.inner.headers.clone()
    }

    /// The rows (a copy), as lists of strings.
    #[getter]
    fn rows(&self) -> Vec<Vec<String>> {
        self.inner.rows.clone()
    }

    /// Data-row number of the first row in its file (1 for the first chunk).
    #[getter]
    fn first_row(&self) -> u64 {
        self.inner.first_row
    }

    #[getter]
    fn num_rows(&self) -> usize {
        self.inner.num_rows()
    }

    #[getter]
    fn num_columns(&self) -> usize {
        self.inner.num_columns()
    }

    /// The cell at 0-based `row` and `column`; None when the row is shorter.
    fn cell(&self, row: usize, column: usize) -> Option<String> {
        self.inner.cell(row, column).map(str::to_string)
    }

    /// The first `n` rows (what `map_columns` uses as value evidence).
    fn sample(&self, n: usize) -> Vec<Vec<String>> {
        self.inner.sample(n).to_vec()
    }

    fn __len__(&self) -> usize {
        self.inner.num_rows()
    }

    fn __repr__(&self) -> String {
        format!(
            "<churnlens.Table: {} rows x {} columns>",
            self.inner.num_rows(),
            self.inner.num_columns()
        )
    }
}

// ------------------------------------------------------------------------------------------
// Validation

/// The result of `validate`: model inputs of the accepted rows, and every rejected row with
/// its reasons.
#[pyclass(name = "Validated", module = "churnlens", frozen)]
pub(crate) struct PyValidated {
    features: Py<PyArray2<f64>>,
    feature_names: Vec<String>,
    rows: Vec<u64>,
    customer_ids: Vec<Option<String>>,
    labels: Vec<Option<f64>>,
    rejected: Vec<churn_core::RejectedRow>,
    issues: Vec<churn_core::Issue>,
    summary: churn_core::ValidationSummary,
}

#[pymethods]
impl PyValidated {
    /// Model inputs of the accepted rows, `(accepted, inputs)` float64 in model column order;
    /// NaN = missing. Ready for `Model.predict`.
    #[getter]
    fn features<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        self.features.bind(py).clone()
    }

    /// Column names of `features` (the schema inputs).
    #[getter]
    fn feature_names(&self) -> Vec<String> {
        self.feature_names.clone()
    }

    /// 1-based data-row numbers (in the file) of the accepted rows, int64.
    #[getter]
    fn rows<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        PyArray1::from_iter(py, self.rows.iter().map(|&r| r as i64))
    }

    /// Customer ids of the accepted rows (None when blank or not mapped).
    #[getter]
    fn customer_ids(&self) -> Vec<Option<String>> {
        self.customer_ids.clone()
    }

    /// Churn labels of the accepted rows (1.0 churned, 0.0 retained, NaN unknown or not
    /// mapped), float64.
    #[getter]
    fn labels<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_iter(py, self.labels.iter().map(|l| l.unwrap_or(f64::NAN)))
    }

    /// Rejected rows: dicts with `row`, `customer_id`, `codes` and `reasons`.
    #[getter]
    fn rejected<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.rejected)
    }

    /// Every issue (up to `max_issues`): dicts with `code`, `severity`, `row`, `customer_id`,
    /// `column`, `feature`, `value` and `message`.
    #[getter]
    fn issues<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.issues)
    }

    /// Counts: `rows`, `accepted`, `rejected`, `by_code`, `by_severity`, `rejected_by_code`,
    /// per-feature `features`, `issues_not_listed`.
    #[getter]
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.summary)
    }

    /// The accepted rows as a pandas DataFrame (columns = `feature_names`, index = `rows`).
    fn to_frame<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let pd = py.import("pandas")?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("name", "row")?;
        let index = pd.getattr("Index")?.call((self.rows(py),), Some(&kwargs))?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("columns", self.feature_names.clone())?;
        kwargs.set_item("index", index)?;
        pd.getattr("DataFrame")?
            .call((self.features.bind(py).clone(),), Some(&kwargs))
    }

    fn __repr__(&self) -> String {
        format!(
            "<churnlens.Validated: {} rows, {} accepted, {} rejected, {} issues>",
            self.summary.rows,
            self.summary.accepted,
            self.summary.rejected,
            self.summary.by_severity.values().sum::<u64>()
        )
    }
}

/// Native half of `churnlens.validate`.
#[pyfunction]
#[pyo3(signature = (table, mapping, schema, as_of = None, max_issues = None))]
fn _validate(
    py: Python<'_>,
    table: PyRef<'_, PyTable>,
    mapping: Option<PyRef<'_, PyMapping>>,
    schema: &Bound<'_, PyAny>,
    as_of: Option<&str>,
    max_issues: Option<usize>,
) -> PyResult<PyValidated> {
    let schema = schema_of(schema)?;
    let mut options = ValidateOptions::default();
    if let Some(text) = as_of {
        options.normalize.as_of = Some(parse_date(text).ok_or_else(|| {
            input_error(
                py,
                format!("as_of must be a date (e.g. \"2024-06-30\"), got {text:?}"),
            )
        })?);
    }
    if let Some(n) = max_issues {
        options.max_issues = n;
    }
    let table = &table.inner;
    let given = mapping.as_ref().map(|m| &m.inner);
    let v = call_detached(py, || {
        let auto;
        let mapping = match given {
            Some(m) => m,
            None => {
                auto = churn_core::map_columns(
                    &table.headers,
                    &schema,
                    Some(table.sample(500)),
                    None,
                )?;
                &auto
            }
        };
        Ok(validate(table, mapping, &schema, &options))
    })?;
    let feature_names = schema
        .input_names()
        .into_iter()
        .map(str::to_string)
        .collect();
    Ok(PyValidated {
        features: v.features.into_pyarray(py).unbind(),
        feature_names,
        rows: v.rows,
        customer_ids: v.customer_ids,
        labels: v.labels,
        rejected: v.rejected,
        issues: v.issues,
        summary: v.summary,
    })
}

// ------------------------------------------------------------------------------------------
// Quality report

/// The data-quality report of a table for a bundle.
#[pyclass(name = "QualityReport", module = "churnlens", frozen)]
pub(crate) struct PyQualityReport {
    pub(crate) inner: QualityReport,
}

#[pymethods]
impl PyQualityReport {
    /// Quality score in 0..1 (the weighted mean documented in `churn_core::quality`).
    #[getter]
    fn score(&self) -> f64 {
        self.inner.score
    }

    /// `"good"` (from 0.95), `"fair"` (from 0.8) or `"poor"`.
    #[getter]
    fn grade(&self) -> String {
        self.inner.grade.clone()
    }

    /// Data rows.
    #[getter]
    fn rows(&self) -> u64 {
        self.inner.rows
    }

    #[getter]
    fn rows_accepted(&self) -> Option<u64> {
        self.inner.rows_accepted
    }

    #[getter]
    fn rows_rejected(&self) -> Option<u64> {
        self.inner.rows_rejected
    }

    /// Schema features without a column.
    #[getter]
    fn missing_features(&self) -> Vec<String> {
        self.inner.missing_features.clone()
    }

    /// Columns no feature takes.
    #[getter]
    fn unmapped_columns(&self) -> Vec<String> {
        self.inner.unmapped_columns.clone()
    }

    /// Suggestions (dicts with `severity`, `column`, `message`), most serious first.
    #[getter]
    fn suggestions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.suggestions)
    }

    /// Per-column figures (dicts), in table order.
    #[getter]
    fn column_quality<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.column_quality)
    }

    /// The estimated accuracy (dict with `complete_auc`, `expected_auc`, `drop`, ...), or None
    /// when the bundle has no labelled sample.
    #[getter]
    fn accuracy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.accuracy)
    }

    /// The AUC expected on this table's missingness, or None.
    #[getter]
    fn expected_auc(&self) -> Option<f64> {
        self.inner.accuracy.as_ref().map(|a| a.expected_auc)
    }

    /// The AUC of the bundle's labelled sample with complete data, or None.
    #[getter]
    fn complete_auc(&self) -> Option<f64> {
        self.inner.accuracy.as_ref().map(|a| a.complete_auc)
    }

    /// The whole report as plain dicts and lists (the same content as `to_json`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }

    /// The report as pretty JSON.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// The report as readable text.
    fn to_text(&self) -> String {
        self.inner.to_text()
    }

    fn __str__(&self) -> String {
        self.inner.to_text()
    }

    fn __repr__(&self) -> String {
        let r = &self.inner;
        let auc = match &r.accuracy {
            Some(a) => format!(
                ", expected AUC {:.3} (complete {:.3})",
                a.expected_auc, a.complete_auc
            ),
            None => String::new(),
        };
        format!(
            "<churnlens.QualityReport: {} rows, score {:.3} ({}){auc}>",
            r.rows, r.score, r.grade
        )
    }
}

/// Native half of `churnlens.quality_report`.
#[pyfunction]
#[pyo3(signature = (table, bundle, overrides = None))]
fn _quality_report(
    py: Python<'_>,
    table: PyRef<'_, PyTable>,
    bundle: PyRef<'_, PyBundle>,
    overrides: Option<PyRef<'_, PyOverrides>>,
) -> PyResult<PyQualityReport> {
    let table = &table.inner;
    let b = &bundle.inner;
    let o = overrides.as_ref().map(|o| &o.inner);
    let inner = call_detached(py, || quality_report(table, b, o))?;
    Ok(PyQualityReport { inner })
}

// ------------------------------------------------------------------------------------------
// Bundle

/// One file with a model, its schema, a reference profile of the training data, a labelled
/// reference sample, risk tiers and metadata.
#[pyclass(name = "Bundle", module = "churnlens")]
pub(crate) struct PyBundle {
    pub(crate) inner: Bundle,
    /// `churnlens.Model` of the embedded model, made on first use (the model never changes).
    model: PyOnceLock<Py<PyAny>>,
}

impl PyBundle {
    pub(crate) fn wrap(inner: Bundle) -> Self {
        PyBundle {
            inner,
            model: PyOnceLock::new(),
        }
    }
}

/// `(X, y)` of a labelled sample.
type XyPair<'py> = (Bound<'py, PyArray2<f64>>, Bound<'py, PyArray1<f64>>);

/// A 2-D float64 matrix argument (any layout) as an owned array.
fn matrix_arg(x: PyReadonlyArray2<'_, f64>) -> Array2<f64> {
    x.as_array().to_owned()
}

#[pymethods]
impl PyBundle {
    /// Reads a bundle file, or a bare model file (XGBoost JSON/UBJSON, LightGBM text), whose
    /// schema then comes from the model.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inner = call_detached(py, || Bundle::load(&path))?;
        Ok(PyBundle::wrap(inner))
    }

    /// Parses a bundle file's bytes, or a bare model's.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: Vec<u8>) -> PyResult<Self> {
        let inner = call_detached(py, || Bundle::from_bytes(&data))?;
        Ok(PyBundle::wrap(inner))
    }

    /// A bundle of a model file's bytes and a schema (the model's own when None).
    #[staticmethod]
    #[pyo3(signature = (model_bytes, schema = None))]
    fn from_model_bytes(
        py: Python<'_>,
        model_bytes: Vec<u8>,
        schema: Option<PyRef<'_, PySchema>>,
    ) -> PyResult<Self> {
        let schema = schema.map(|s| s.inner.clone());
        let inner = call_detached(py, || Bundle::new(model_bytes, schema))?;
        Ok(PyBundle::wrap(inner))
    }

    /// Builds a bundle from a trained model and its training DataFrame; see
    /// `churnlens._bundle.build` for the arguments.
    #[staticmethod]
    #[pyo3(signature = (model, data, label = None, **kwargs))]
    fn build<'py>(
        py: Python<'py>,
        model: &Bound<'py, PyAny>,
        data: &Bound<'py, PyAny>,
        label: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        helper(py, "churnlens._bundle", "build")?.call((model, data, label), kwargs)
    }

    /// Writes the bundle file (JSON with its content hash).
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let b = &self.inner;
        call_detached(py, || b.save(&path))
    }

    /// The bundle file's text.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        let b = &self.inner;
        call_detached(py, || b.to_json())
    }

    /// The embedded model as a `churnlens.Model`.
    #[getter]
    fn model<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let m = self.model.get_or_try_init(py, || {
            let bytes = PyBytes::new(py, self.inner.model_bytes());
            helper(py, "churnlens", "Model")?
                .call_method1("load", (bytes,))
                .map(Bound::unbind)
        })?;
        Ok(m.bind(py).clone())
    }

    /// The embedded model file's bytes.
    #[getter]
    fn model_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.model_bytes())
    }

    /// The schema (a copy).
    #[getter]
    fn schema(&self) -> PySchema {
        PySchema {
            inner: self.inner.schema().clone(),
        }
    }

    /// Replaces the schema (checked against the model).
    fn set_schema(&mut self, py: Python<'_>, schema: PyRef<'_, PySchema>) -> PyResult<()> {
        let s = schema.inner.clone();
        let b = &mut self.inner;
        call(py, || b.set_schema(s))
    }

    /// Name, version, created, description, source, metrics and content_hash, as a dict.
    #[getter]
    fn metadata<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.metadata)
    }

    /// Sets metadata fields (those given; `metrics` replaces the whole dict).
    #[pyo3(signature = (*, name = None, version = None, created = None, description = None, source = None, metrics = None))]
    #[allow(clippy::too_many_arguments)]
    fn set_metadata(
        &mut self,
        name: Option<String>,
        version: Option<String>,
        created: Option<String>,
        description: Option<String>,
        source: Option<String>,
        metrics: Option<BTreeMap<String, f64>>,
    ) {
        let m = &mut self.inner.metadata;
        if let Some(v) = name {
            m.name = v;
        }
        if let Some(v) = version {
            m.version = v;
        }
        if let Some(v) = created {
            m.created = v;
        }
        if let Some(v) = description {
            m.description = v;
        }
        if let Some(v) = source {
            m.source = v;
        }
        if let Some(v) = metrics {
            m.metrics = v;
        }
    }

    #[getter]
    fn name(&self) -> String {
        self.inner.metadata.name.clone()
    }

    /// SHA-256 of the file content when loaded (of the model bytes for a new bundle).
    #[getter]
    fn content_hash(&self) -> String {
        self.inner.metadata.content_hash.clone()
    }

    /// The reference profile of the training data (a dict), or None.
    #[getter]
    fn reference<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.reference)
    }

    /// Profiles a training matrix (rows x schema inputs in model order, float64, NaN =
    /// missing) into the reference: `bins` quantile bins per numeric feature, category shares
    /// per categorical one.
    #[pyo3(signature = (x, bins = 10))]
    fn set_reference(
        &mut self,
        py: Python<'_>,
        x: PyReadonlyArray2<'_, f64>,
        bins: usize,
    ) -> PyResult<()> {
        let x = matrix_arg(x);
        if x.ncols() != self.inner.schema().num_inputs() {
            return Err(input_error(
                py,
                format!(
                    "the reference matrix has {} columns; the schema has {} inputs",
                    x.ncols(),
                    self.inner.schema().num_inputs()
                ),
            ));
        }
        let b = &mut self.inner;
        let view: ArrayView2<'_, f64> = x.view();
        let profile = py.detach(|| ReferenceProfile::from_matrix(view, b.schema(), bins));
        call(py, || b.set_reference(profile))
    }

    /// The labelled reference sample as `(X, y)` (float64; NaN = missing), or None.
    #[getter]
    fn sample<'py>(&self, py: Python<'py>) -> Option<XyPair<'py>> {
        self.inner.sample().map(|s| {
            (
                s.matrix().into_pyarray(py),
                PyArray1::from_slice(py, &s.labels),
            )
        })
    }

    /// Sets the labelled reference sample: `x` rows of model inputs (schema inputs in model
    /// order, NaN = missing) and their 0/1 labels.
    fn set_sample(
        &mut self,
        py: Python<'_>,
        x: PyReadonlyArray2<'_, f64>,
        labels: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<()> {
        let x = x.as_array();
        let features: Vec<String> = self
            .inner
            .schema()
            .input_names()
            .into_iter()
            .map(str::to_string)
            .collect();
        let sample = ReferenceSample {
            features,
            rows: x
                .rows()
                .into_iter()
                .map(|r| r.iter().map(|&v| (!v.is_nan()).then_some(v)).collect())
                .collect(),
            labels: labels.as_array().to_vec(),
        };
        let b = &mut self.inner;
        call(py, || b.set_sample(sample))
    }

    /// Risk tiers as `[(name, min_probability), ...]` in ascending order, or None (the
    /// default tiers apply).
    #[getter]
    fn tiers(&self) -> Option<Vec<(String, f64)>> {
        self.inner.tiers.as_ref().map(|t| {
            t.tiers
                .iter()
                .map(|t| (t.name.clone(), t.min_probability))
                .collect()
        })
    }

    /// Sets the risk tiers: `[(name, min_probability), ...]` or `{name: min_probability}`,
    /// ascending within 0..1.
    fn set_tiers(&mut self, py: Python<'_>, tiers: &Bound<'_, PyAny>) -> PyResult<()> {
        let tiers: Vec<(String, f64)> = match tiers.cast::<PyDict>() {
            Ok(d) => d.items().extract()?,
            Err(_) => tiers.extract()?,
        };
        let t = RiskTiers {
            tiers: tiers
                .into_iter()
                .map(|(name, min_probability)| Tier {
                    name,
                    min_probability,
                })
                .collect(),
        };
        let b = &mut self.inner;
        call(py, || b.set_tiers(t))
    }

    /// Reasons for rows: `x` is one row (a dict or pandas Series keyed by feature, or a 1-D
    /// sequence in the schema's input order) or many (a DataFrame with the features as
    /// columns, a 2-D array). Values are model inputs (numbers, NaN = missing) or text read with
    /// the schema as validation reads it (`"Male"`, `"Month-to-month"`, `"Yes"`). Returns an
    /// `Explanation`, or a list of them; `top_k=None` lists every contributing feature.
    #[pyo3(signature = (x, top_k = Some(3)))]
    fn explain<'py>(
        slf: &Bound<'py, Self>,
        x: &Bound<'py, PyAny>,
        top_k: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        type Converted<'py> = (Bound<'py, PyAny>, Vec<(usize, usize, String)>, bool);
        let (matrix, texts, single): Converted<'py> =
            helper(py, "churnlens._input", "explain_input")?
                .call1((x, slf))?
                .extract()?;
        let matrix = matrix
            .cast::<PyArray2<f64>>()
            .map_err(PyErr::from)?
            .try_readonly()
            .map_err(|e| PyTypeError::new_err(format!("cannot borrow the input array: {e}")))?;
        let this = slf.try_borrow()?;
        let bundle = &this.inner;
        let x = matrix.as_array();
        let cells: Vec<TextCell<'_>> = texts
            .iter()
            .map(|(row, column, text)| TextCell {
                row: *row,
                column: *column,
                text,
            })
            .collect();
        let out = call_detached(py, || {
            if cells.is_empty() {
                return explain_rows(bundle, x, top_k);
            }
            let mut owned = x.to_owned();
            text_inputs(bundle.schema(), &mut owned, &cells)?;
            explain_rows(bundle, owned.view(), top_k)
        })?;
        let mut out = out.into_iter().map(PyExplanation::from_row);
        if single {
            match out.next() {
                Some(e) => Ok(Bound::new(py, e)?.into_any()),
                None => Err(input_error(py, "no row to explain")),
            }
        } else {
            Ok(pyo3::types::PyList::new(py, out.collect::<Vec<_>>())?.into_any())
        }
    }

    fn __repr__(&self) -> String {
        let b = &self.inner;
        format!(
            "<churnlens.Bundle {:?}: {} inputs{}{}{}>",
            b.metadata.name,
            b.schema().num_inputs(),
            if b.reference.is_some() {
                ", reference"
            } else {
                ""
            },
            match b.sample() {
                Some(s) => format!(", {}-row labelled sample", s.rows.len()),
                None => String::new(),
            },
            if b.tiers.is_some() { ", tiers" } else { "" },
        )
    }
}

/// Churn labels of text cells (`Yes`/`No`, `1`/`0`, `true`/`false`, `Churned`/`Retained`...)
/// as 1.0/0.0, NaN when a cell is not a label; `categories` = `[negative, positive]` when known.
#[pyfunction]
#[pyo3(signature = (cells, categories = None))]
fn _parse_labels<'py>(
    py: Python<'py>,
    cells: Vec<String>,
    categories: Option<Vec<String>>,
) -> Bound<'py, PyArray1<f64>> {
    let cats = categories.unwrap_or_default();
    PyArray1::from_iter(
        py,
        cells
            .iter()
            .map(|c| churn_core::normalize::parse_label(c, &cats).unwrap_or(f64::NAN)),
    )
}

/// ROC AUC of scores against 0/1 labels (ties averaged), or None when a class is absent.
#[pyfunction]
fn _auc(scores: Vec<f64>, labels: Vec<f64>) -> Option<f64> {
    auc(&scores, &labels)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PySchema>()?;
    m.add_class::<PyOverrides>()?;
    m.add_class::<PyMapping>()?;
    m.add_class::<PyTable>()?;
    m.add_class::<PyValidated>()?;
    m.add_class::<PyQualityReport>()?;
    m.add_class::<PyBundle>()?;
    m.add_function(wrap_pyfunction!(_map_columns, m)?)?;
    m.add_function(wrap_pyfunction!(_validate, m)?)?;
    m.add_function(wrap_pyfunction!(_quality_report, m)?)?;
    m.add_function(wrap_pyfunction!(_parse_labels, m)?)?;
    m.add_function(wrap_pyfunction!(_auc, m)?)?;
    Ok(())
}
