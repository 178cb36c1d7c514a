//! Core errors as Python exceptions.
//!
//! The classes live in `churnlens/_errors.py` (they need multiple inheritance); this file picks
//! the class for a `churn_core::Error` and sets its attributes: `kind` (whose alias is `code`:
//! the core's `Error::code`, the same string Node and WASM give), `position` (the core's
//! `Error::position` as a dict of the known parts) and the class's own attributes.

use std::panic::{catch_unwind, AssertUnwindSafe};

use churn_core::Error;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyType};

/// What went wrong inside a guarded call.
pub(crate) enum Failure {
    Core(Error),
    Panic(String),
}

/// Runs `f`, turning a panic into a value so that it cannot unwind into Python.
pub(crate) fn guarded<T>(f: impl FnOnce() -> churn_core::Result<T>) -> Result<T, Failure> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Failure::Core(e)),
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic payload".to_string());
            Err(Failure::Panic(msg))
        }
    }
}

/// The exception classes, defined in Python (`churnlens/_errors.py`) so that they can use
/// multiple inheritance (`InputError` is also a `ValueError`, `FileError` an `OSError`).
fn error_class<'py>(py: Python<'py>, name: &'static str) -> PyResult<Bound<'py, PyType>> {
    static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let module = MODULE.get_or_try_init(py, || {
        Ok::<_, PyErr>(py.import("churnlens._errors")?.unbind())
    })?;
    Ok(module.bind(py).getattr(name)?.cast_into::<PyType>()?)
}

/// Builds the exception of class `class` with message `msg` and extra attributes.
pub(crate) fn make_error(
    py: Python<'_>,
    class: &'static str,
    kind: &str,
    msg: String,
    attrs: &[(&str, Py<PyAny>)],
) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let cls = error_class(py, class)?;
        let exc = cls.call1((msg.clone(),))?;
        exc.setattr("kind", kind)?;
        for (name, value) in attrs {
            exc.setattr(*name, value.bind(py))?;
        }
        Ok(PyErr::from_value(exc))
    };
    // If the hierarchy itself cannot be loaded (a broken installation), still report the error.
    build().unwrap_or_else(|e| {
        PyErr::new::<pyo3::exceptions::PyRuntimeError, _>(format!("{msg} (and {e})"))
    })
}

pub(crate) fn failure_to_py(py: Python<'_>, failure: Failure) -> PyErr {
    match failure {
        Failure::Panic(msg) => make_error(
            py,
            "InternalError",
            "internal",
            format!(
                "internal error in churnlens (a bug: please report it with the model and input): {msg}"
            ),
            &[],
        ),
        Failure::Core(err) => core_to_py(py, err),
    }
}

/// A Python int (the conversion cannot fail).
pub(crate) fn int_obj(py: Python<'_>, v: i64) -> Py<PyAny> {
    let Ok(o) = v.into_pyobject(py);
    o.into_any().unbind()
}

/// A core error as the exception of its class, with `kind`/`code`, `position` (a dict of the
/// known parts) and the class's own attributes (`line`, `field`, `filename`, ...).
pub(crate) fn core_to_py(py: Python<'_>, err: Error) -> PyErr {
    let msg = err.to_string();
    let kind = err.code();
    let (class, mut attrs) = class_and_attributes(py, err.root());
    attrs.push(("position", position_obj(py, &err)));
    make_error(py, class, kind, msg, &attrs)
}

type Attributes = Vec<(&'static str, Py<PyAny>)>;

/// The exception class of an error and the attributes of that class. `root`: an error raised
/// inside a named file has the class of the error inside.
fn class_and_attributes(py: Python<'_>, err: &Error) -> (&'static str, Attributes) {
    let int = |v: u64| int_obj(py, i64::try_from(v).unwrap_or(i64::MAX));
    let text = |s: &str| text_obj(py, s);
    match err {
        Error::Io { path, source } => {
            let mut attrs = vec![("filename", text(&path.to_string_lossy()))];
            if let Some(code) = source.raw_os_error() {
                attrs.push(("errno", int_obj(py, code.into())));
                attrs.push(("strerror", text(&source.to_string())));
            }
            ("FileError", attrs)
        }
        Error::Json { line, column, .. } => (
            "ModelError",
            vec![("line", int(*line as u64)), ("column", int(*column as u64))],
        ),
        Error::Ubjson { offset, .. } => ("ModelError", vec![("offset", int(*offset as u64))]),
        Error::UnknownFormat { .. } | Error::Model { .. } => ("ModelError", vec![]),
        Error::Unsupported { .. } => ("UnsupportedError", vec![]),
        Error::Input { .. } => ("InputError", vec![]),
        Error::Schema { field, .. } => ("SchemaError", vec![("field", text(field))]),
        Error::Vocabulary { field, .. } => ("VocabularyError", vec![("field", text(field))]),
        Error::Csv { line, .. } => ("CsvError", vec![("line", int(*line))]),
        Error::Override { feature, .. } => ("OverrideError", vec![("feature", text(feature))]),
        Error::Bundle { field, .. } => ("BundleError", vec![("field", text(field))]),
        Error::Encoding { .. } => ("EncodingError", vec![]),
        Error::Record { .. } => ("RecordError", vec![]),
        Error::Write { .. } => ("FileError", vec![]),
        Error::Database { .. } => ("DatabaseError", vec![]),
        // `Error` is non-exhaustive: a kind added later still derives from ChurnlensError.
        _ => ("ChurnlensError", vec![]),
    }
}

/// A Python str.
fn text_obj(py: Python<'_>, s: &str) -> Py<PyAny> {
    PyString::new(py, s).into_any().unbind()
}

pub(crate) fn input_error(py: Python<'_>, msg: impl Into<String>) -> PyErr {
    make_error(py, "InputError", "input", msg.into(), &[])
}

/// `err.position()` as a dict of the known parts (the core's JSON form of `Position`).
pub(crate) fn position_obj(py: Python<'_>, err: &Error) -> Py<PyAny> {
    crate::intake::to_py(py, &err.position())
        .map(Bound::unbind)
        .unwrap_or_else(|_| PyDict::new(py).into_any().unbind())
}
