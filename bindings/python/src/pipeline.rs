//! The main job from Python (issue 5): the streaming pipeline (`score_csv`, `report_csv`), the
//! in-memory run behind `score_frame`, reasons (`Bundle.explain`, `Explanation`, `Reason`) and
//! the prediction and outcome log (`OutcomeStore`, `Performance`).
//!
//! As everywhere in this crate, each function converts its arguments, makes the core calls and
//! converts the results; every decision (mapping, validation, tiers, reasons, joins) is the
//! core's. The pure-Python faces (argument shapes, DataFrames) are in `churnlens/_pipeline.py`.
//!
//! Runs release the GIL. Python objects a run needs while it goes (a file object to read or
//! write, a progress callback, Ctrl-C) are reached by taking the GIL back briefly between
//! chunks or buffer fills; an exception raised there stops the run and is re-raised as it
//! was, not as a churnlens error.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use churn_core::bundle::explain::{explanation_text, RowExplanation};
use churn_core::normalize::{parse_date, parse_label, NormalizeOptions};
use churn_core::outcomes::{today_utc, OutcomeStore, Performance};
use churn_core::pipeline::{Encoding, Flow, Pipeline, PipelineOptions, RunSummary, Sinks};
use churn_core::risk::{Explanation, Reason};
use churn_core::scored::{CollectOptions, ScoredTable};
use churn_core::store::LoggedRun;
use churn_core::{Bundle, Error};
use churn_core::{Delimiter, Threads};
use numpy::prelude::*;
use numpy::PyArray1;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use rayon::prelude::*;
use serde::Serialize;

use crate::intake::{to_py, PyBundle, PyMapping, PyOverrides, PyQualityReport};
use crate::{failure_to_py, guarded, input_error, make_error, Failure};

/// Bytes asked of a Python file object per call (one GIL round trip per MiB).
const READ_BLOCK: usize = 1 << 20;

/// An exception raised by Python code a run called back (a file object, a progress callback),
/// kept until the run has unwound.
type ErrorSlot = Arc<Mutex<Option<PyErr>>>;

fn core_input(reason: impl Into<String>) -> Error {
    Error::Input {
        reason: reason.into(),
    }
}

fn keep(slot: &ErrorSlot, err: PyErr) {
    let mut s = slot.lock().unwrap_or_else(|p| p.into_inner());
    if s.is_none() {
        *s = Some(err);
    }
}

fn take(slot: &ErrorSlot) -> Option<PyErr> {
    slot.lock().unwrap_or_else(|p| p.into_inner()).take()
}

/// A binary Python file object (anything with `read(n)` returning bytes) as a `Read`.
struct PyReader {
    obj: Py<PyAny>,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    error: ErrorSlot,
}

impl PyReader {
    fn fill(&mut self) -> PyResult<()> {
        Python::attach(|py| {
            let data = self.obj.bind(py).call_method1("read", (READ_BLOCK,))?;
            self.buf.clear();
            self.pos = 0;
            if let Ok(b) = data.cast::<PyBytes>() {
                self.buf.extend_from_slice(b.as_bytes());
            } else if data.is_none() {
                // A non-blocking stream with nothing yet: treated as the end.
            } else {
                let b = py.import("builtins")?.getattr("bytes")?.call1((data,))?;
                self.buf
                    .extend_from_slice(b.cast::<PyBytes>().map_err(PyErr::from)?.as_bytes());
            }
            self.eof = self.buf.is_empty();
            Ok(())
        })
    }
}

impl Read for PyReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        if self.pos >= self.buf.len() {
            if self.eof {
                return Ok(0);
            }
            if let Err(e) = self.fill() {
                keep(&self.error, e);
                return Err(io::Error::other(
                    "the Python file object raised an exception",
                ));
            }
            if self.eof {
                return Ok(0);
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// A binary Python file object (anything with `write(bytes)`) as a `Write`; wrapped in a
/// `BufWriter` so that Python is called once per MiB.
struct PyWriter {
    obj: Py<PyAny>,
    error: ErrorSlot,
}

impl Write for PyWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = Python::attach(|py| {
            self.obj
                .bind(py)
                .call_method1("write", (PyBytes::new(py, buf),))
                .map(|_| ())
        });
        match r {
            Ok(()) => Ok(buf.len()),
            Err(e) => {
                keep(&self.error, e);
                Err(io::Error::other(
                    "the Python file object raised an exception",
                ))
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Where a run reads from.
enum Source<'a> {
    Path(PathBuf),
    Bytes(&'a [u8]),
    File(Py<PyAny>),
}

impl<'a> Source<'a> {
    /// A path (`str`, `os.PathLike`), `bytes`, or a binary file object (text files are wrapped
    /// by `churnlens._pipeline` before they get here).
    fn of(obj: &'a Bound<'_, PyAny>) -> PyResult<Source<'a>> {
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(Source::Bytes(b.as_bytes()));
        }
        if obj.hasattr("read")? {
            return Ok(Source::File(obj.clone().unbind()));
        }
        match obj.extract::<PathBuf>() {
            Ok(p) => Ok(Source::Path(p)),
            Err(_) => Err(PyTypeError::new_err(format!(
                "expected a CSV file path, its bytes or a file object, got {}",
                obj.get_type().name()?
            ))),
        }
    }

    fn open(self, error: &ErrorSlot) -> churn_core::Result<Box<dyn Read + Send + 'a>> {
        Ok(match self {
            Source::Path(p) => {
                let f = File::open(&p).map_err(|source| Error::Io { path: p, source })?;
                Box::new(f)
            }
            Source::Bytes(b) => Box::new(b),
            Source::File(obj) => Box::new(PyReader {
                obj,
                buf: Vec::new(),
                pos: 0,
                eof: false,
                error: error.clone(),
            }),
        })
    }
}

/// Where a run writes one of its outputs.
enum Target {
    Path(PathBuf),
    File(Py<PyAny>),
}

impl Target {
    fn of(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Target>> {
        let Some(obj) = obj.filter(|o| !o.is_none()) else {
            return Ok(None);
        };
        if obj.hasattr("write")? {
            return Ok(Some(Target::File(obj.clone().unbind())));
        }
        match obj.extract::<PathBuf>() {
            Ok(p) => Ok(Some(Target::Path(p))),
            Err(_) => Err(PyTypeError::new_err(format!(
                "expected an output file path or a file object, got {}",
                obj.get_type().name()?
            ))),
        }
    }

    fn open(self, error: &ErrorSlot) -> churn_core::Result<Box<dyn Write + Send>> {
        Ok(match self {
            Target::Path(p) => {
                if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
                        path: dir.to_path_buf(),
                        source,
                    })?;
                }
                let f = File::create(&p).map_err(|source| Error::Io { path: p, source })?;
                Box::new(BufWriter::with_capacity(1 << 20, f))
            }
            Target::File(obj) => Box::new(BufWriter::with_capacity(
                1 << 20,
                PyWriter {
                    obj,
                    error: error.clone(),
                },
            )),
        })
    }
}

/// Runs `f` on a pool of `n` threads (the global pool for `None` / 0).
fn on_pool<T: Send>(
    n: Option<usize>,
    f: impl FnOnce() -> churn_core::Result<T> + Send,
) -> churn_core::Result<T> {
    match n {
        None | Some(0) => f(),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .thread_name(|i| format!("churnlens-run-{i}"))
            .build()
            .map_err(|e| core_input(format!("cannot start {n} threads: {e}")))?
            .install(f),
    }
}

/// The core's error about a Python argument, named as the caller wrote it.
pub(crate) fn argument_error(py: Python<'_>, name: &str, e: Error) -> PyErr {
    make_error(py, "InputError", e.kind(), format!("{name}: {e}"), &[])
}

fn check_threads(py: Python<'_>, n: Option<i64>) -> PyResult<Option<usize>> {
    n.map(Threads::try_from)
        .transpose()
        .map(|t| t.and_then(Threads::count))
        .map_err(|e| argument_error(py, "n_threads", e))
}

/// The options a Python call asks for, checked.
#[allow(clippy::too_many_arguments)]
fn options(
    py: Python<'_>,
    overrides: Option<PyRef<'_, PyOverrides>>,
    top_k: usize,
    chunk_rows: usize,
    as_of: Option<&str>,
    delimiter: Option<&str>,
    encoding: &str,
    file_duplicates: bool,
) -> PyResult<PipelineOptions> {
    if chunk_rows == 0 {
        return Err(input_error(py, "chunk_rows must be at least 1"));
    }
    let encoding: Encoding = encoding
        .parse()
        .map_err(|e| argument_error(py, "encoding", e))?;
    let delimiter = delimiter
        .map(str::parse::<Delimiter>)
        .transpose()
        .map_err(|e| argument_error(py, "delimiter", e))?
        .map(u8::from);
    let as_of = match as_of {
        None => None,
        Some(text) => Some(parse_date(text).ok_or_else(|| {
            input_error(
                py,
                format!("as_of must be a date (e.g. \"2024-06-30\"), got {text:?}"),
            )
        })?),
    };
    Ok(PipelineOptions {
        chunk_rows,
        delimiter,
        encoding,
        overrides: overrides.map(|o| o.inner.clone()),
        top_k,
        normalize: NormalizeOptions { as_of },
        file_duplicates,
        ..PipelineOptions::default()
    })
}

/// Calls the progress callback (and lets Ctrl-C through) after a chunk; `false` from the
/// callback stops the run.
fn report_progress(progress: Option<&Py<PyAny>>, rows: u64, bytes: u64, error: &ErrorSlot) -> Flow {
    let r = Python::attach(|py| -> PyResult<Flow> {
        py.check_signals()?;
        if let Some(cb) = progress {
            let ret = cb.bind(py).call1((rows, bytes))?;
            if let Ok(false) = ret.extract::<bool>() {
                if !ret.is_none() {
                    return Ok(Flow::Stop);
                }
            }
        }
        Ok(Flow::Continue)
    });
    r.unwrap_or_else(|e| {
        keep(error, e);
        Flow::Stop
    })
}

/// A core failure, unless Python code the run called raised first (that exception wins: it
/// is the cause, the core's error only its consequence).
fn run_error(py: Python<'_>, slot: &ErrorSlot, failure: Failure) -> PyErr {
    take(slot).unwrap_or_else(|| failure_to_py(py, failure))
}

// ------------------------------------------------------------------------------------------
// RunSummary

/// What a run learned: counts, the column mapping, the data-quality report, tier counts, the
/// AUC against the input's own labels, timings.
#[pyclass(name = "RunSummary", module = "churnlens", frozen)]
pub(crate) struct PyRunSummary {
    inner: RunSummary,
    log: Option<LoggedRun>,
}

#[derive(Serialize)]
struct SummaryDict<'a> {
    #[serde(flatten)]
    summary: &'a RunSummary,
    log: &'a Option<LoggedRun>,
}

#[pymethods]
impl PyRunSummary {
    /// Data rows read.
    #[getter]
    fn rows_read(&self) -> u64 {
        self.inner.rows_read
    }

    /// Rows scored (accepted by validation).
    #[getter]
    fn rows_scored(&self) -> u64 {
        self.inner.rows_scored
    }

    /// Rows rejected, each with its reasons in the rejects output.
    #[getter]
    fn rows_rejected(&self) -> u64 {
        self.inner.rows_rejected
    }

    /// Chunks processed.
    #[getter]
    fn chunks(&self) -> u64 {
        self.inner.chunks
    }

    /// Whether the progress callback stopped the run before the end of the input.
    #[getter]
    fn stopped_early(&self) -> bool {
        self.inner.stopped_early
    }

    /// The input's header row.
    #[getter]
    fn headers(&self) -> Vec<String> {
        self.inner.headers.clone()
    }

    /// The delimiter used (sniffed unless given).
    #[getter]
    fn delimiter(&self) -> String {
        self.inner.delimiter.clone()
    }

    /// The encoding used (sniffed unless given).
    #[getter]
    fn encoding(&self) -> &'static str {
        self.inner.encoding.as_str()
    }

    /// `{"name", "version", "content_hash"}` of the bundle scored with.
    #[getter]
    fn model<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.model)
    }

    /// The column mapping the run used (resolved once from the header and the first rows).
    #[getter]
    fn mapping(&self) -> PyMapping {
        PyMapping {
            inner: self.inner.mapping.clone(),
        }
    }

    /// The data-quality report of the whole input.
    #[getter]
    fn quality(&self) -> PyQualityReport {
        PyQualityReport {
            inner: self.inner.quality.clone(),
        }
    }

    /// The quality score (0..1).
    #[getter]
    fn quality_score(&self) -> f64 {
        self.inner.quality_score()
    }

    /// Validation counts: `rows`, `accepted`, `rejected`, `by_code`, `rejected_by_code`, ...
    #[getter]
    fn validation<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.validation)
    }

    /// Table-level issues, then the first row-level ones (dicts).
    #[getter]
    fn issues<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.issues)
    }

    /// Customers per risk tier, lowest first: `{name: {"count", "percent",
    /// "min_probability"}}` (empty for a quality-only run).
    #[getter]
    fn tiers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for t in &self.inner.tiers.tiers {
            let item = PyDict::new(py);
            item.set_item("count", t.count)?;
            item.set_item("percent", t.percent)?;
            item.set_item("min_probability", t.min_probability)?;
            d.set_item(&t.name, item)?;
        }
        Ok(d)
    }

    /// `{tier: count}`, lowest tier first.
    #[getter]
    fn tier_counts(&self) -> Vec<(String, u64)> {
        self.inner
            .tiers
            .tiers
            .iter()
            .map(|t| (t.name.clone(), t.count))
            .collect()
    }

    /// Churn probability of the average training customer (None for a quality-only run).
    #[getter]
    fn base_probability(&self) -> Option<f64> {
        self.inner.base_probability
    }

    /// Mean churn probability of the scored rows.
    #[getter]
    fn mean_probability(&self) -> Option<f64> {
        self.inner.mean_probability
    }

    /// `{"rows", "churned", "auc", "mean_probability"}` when the input has churn labels.
    #[getter]
    fn labelled<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.labelled)
    }

    /// ROC AUC of the probabilities against the input's own churn labels (from 1,000
    /// probability bins, exact to about 1e-3), or None.
    #[getter]
    fn auc(&self) -> Option<f64> {
        self.inner.labelled.as_ref().and_then(|l| l.auc)
    }

    /// Seconds per stage (`read`, `map`, `validate`, `profile`, `predict`, `explain`,
    /// `reasons`, `write`, `report`, summed over chunks) and `total` (wall time).
    #[getter]
    fn timings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.timings)
    }

    /// Rows read per second of wall time.
    #[getter]
    fn rows_per_second(&self) -> f64 {
        self.inner.rows_per_second
    }

    /// `{"database", "run_id", "logged", "without_id"}` when the run was logged to an
    /// `OutcomeStore`, else None.
    #[getter]
    fn log<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.log)
    }

    /// The whole summary as plain dicts and lists (the CLI's `--json` `summary`, plus `log`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(
            py,
            &SummaryDict {
                summary: &self.inner,
                log: &self.log,
            },
        )
    }

    /// The summary as pretty JSON.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        serde_json::to_string_pretty(&SummaryDict {
            summary: &self.inner,
            log: &self.log,
        })
        .map_err(|e| {
            make_error(
                py,
                "InternalError",
                "internal",
                format!("cannot write the summary as JSON: {e}"),
                &[],
            )
        })
    }

    /// The run as text: the data-quality report (unless `quality=False`), then counts, tiers,
    /// the labelled AUC and timings, as `churnlens score` prints them.
    #[pyo3(signature = (quality = true))]
    fn to_text(&self, quality: bool) -> String {
        let mut s = String::new();
        if quality {
            s.push_str(&self.inner.quality.to_text());
            s.push('\n');
        }
        s.push_str(&self.inner.to_text());
        s
    }

    fn __str__(&self) -> String {
        self.to_text(true)
    }

    fn __repr__(&self) -> String {
        let s = &self.inner;
        let tiers: Vec<String> = s
            .tiers
            .tiers
            .iter()
            .rev()
            .map(|t| format!("{} {}", t.name, t.count))
            .collect();
        format!(
            "<churnlens.RunSummary: {} rows, {} scored, {} rejected{}; quality {:.3}>",
            s.rows_read,
            s.rows_scored,
            s.rows_rejected,
            if tiers.is_empty() {
                String::new()
            } else {
                format!(" ({})", tiers.join(", "))
            },
            s.quality.score
        )
    }
}

// ------------------------------------------------------------------------------------------
// score_csv / report_csv

/// Native half of `churnlens.score_csv` and `churnlens.report_csv` (`score=False`).
#[pyfunction]
#[pyo3(signature = (
    source, bundle, *, out_csv = None, out_jsonl = None, rejects = None, overrides = None,
    top_k = 3, chunk_rows = 8192, as_of = None, outcomes = None, progress = None,
    delimiter = None, encoding = "auto", file_duplicates = true, n_threads = None,
    source_name = None, score = true
))]
#[allow(clippy::too_many_arguments)]
fn _run_csv(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    bundle: PyRef<'_, PyBundle>,
    out_csv: Option<&Bound<'_, PyAny>>,
    out_jsonl: Option<&Bound<'_, PyAny>>,
    rejects: Option<&Bound<'_, PyAny>>,
    overrides: Option<PyRef<'_, PyOverrides>>,
    top_k: usize,
    chunk_rows: usize,
    as_of: Option<&str>,
    outcomes: Option<PyRef<'_, PyOutcomeStore>>,
    progress: Option<Py<PyAny>>,
    delimiter: Option<&str>,
    encoding: &str,
    file_duplicates: bool,
    n_threads: Option<i64>,
    source_name: Option<String>,
    score: bool,
) -> PyResult<PyRunSummary> {
    let opts = options(
        py,
        overrides,
        top_k,
        chunk_rows,
        as_of,
        delimiter,
        encoding,
        file_duplicates,
    )?;
    let threads = check_threads(py, n_threads)?;
    let source_name = source_name.unwrap_or_else(|| match source.extract::<PathBuf>() {
        Ok(p) if !source.is_instance_of::<PyBytes>() => p.display().to_string(),
        _ => "<python>".to_string(),
    });
    let input = Source::of(source)?;
    let targets = [
        Target::of(out_csv)?,
        Target::of(out_jsonl)?,
        Target::of(rejects)?,
    ];
    let bundle: &Bundle = &bundle.inner;
    let store = outcomes.as_ref().map(|o| &o.inner);
    let store_name = outcomes.as_ref().map_or("", |o| o.path.as_str());
    let progress = progress.filter(|p| !p.is_none(py));
    let slot: ErrorSlot = Arc::new(Mutex::new(None));
    let slot2 = slot.clone();

    let result = py.detach(move || {
        guarded(move || {
            let pipeline = Pipeline::new(bundle, opts)?;
            let input = input.open(&slot2)?;
            let [t_csv, t_jsonl, t_rejects] = targets;
            let open = |t: Option<Target>| t.map(|t| t.open(&slot2)).transpose();
            let (mut w_csv, mut w_jsonl, mut w_rejects) =
                (open(t_csv)?, open(t_jsonl)?, open(t_rejects)?);
            on_pool(threads, move || {
                let mut guard = match store {
                    Some(m) => Some(lock_store(m)?),
                    None => None,
                };
                let db = match guard.as_deref_mut() {
                    Some(Some(db)) if score => Some(db),
                    Some(None) => return Err(closed_store(store_name)),
                    _ => None,
                };
                let mut rows = 0u64;
                let sinks = Sinks {
                    scored_csv: w_csv.as_deref_mut().map(|w| w as &mut dyn Write),
                    scored_jsonl: w_jsonl.as_deref_mut().map(|w| w as &mut dyn Write),
                    rejects_csv: w_rejects.as_deref_mut().map(|w| w as &mut dyn Write),
                };
                let mut observer = |chunk: &churn_core::ScoredChunk| {
                    rows += chunk.rows_read as u64;
                    Ok(report_progress(
                        progress.as_ref(),
                        rows,
                        chunk.bytes_read,
                        &slot2,
                    ))
                };
                let (summary, log) = if score {
                    pipeline.score_logged(input, sinks, db, &source_name, &mut observer)?
                } else {
                    // A quality-only run has no chunk observer: progress is reported once.
                    let s = pipeline.report(input)?;
                    report_progress(progress.as_ref(), s.rows_read, 0, &slot2);
                    (s, None)
                };
                for w in [&mut w_csv, &mut w_jsonl, &mut w_rejects]
                    .into_iter()
                    .flatten()
                {
                    w.flush().map_err(|source| Error::Write {
                        target: "output".into(),
                        source,
                    })?;
                }
                Ok((summary, log))
            })
        })
    });
    match result {
        Ok((inner, log)) => match take(&slot) {
            Some(e) => Err(e),
            None => Ok(PyRunSummary { inner, log }),
        },
        Err(f) => Err(run_error(py, &slot, f)),
    }
}

// ------------------------------------------------------------------------------------------
// score_frame

/// The reason cells of one scored row, as the scored CSV writes them.
struct ReasonCells {
    raises: String,
    lowers: String,
    drivers: String,
}

fn reason_cells(e: &Explanation) -> ReasonCells {
    let mut drivers = String::new();
    churn_core::export::drivers_cell(e, &mut drivers);
    ReasonCells {
        raises: churn_core::export::join_reasons(&e.raises),
        lowers: churn_core::export::join_reasons(&e.lowers),
        drivers,
    }
}

/// One output row per input row, in input order.
struct FrameColumns {
    rows: Vec<i64>,
    customer_ids: Vec<Option<String>>,
    status: Vec<&'static str>,
    probabilities: Vec<f64>,
    tiers: Vec<Option<String>>,
    raises: Vec<Option<String>>,
    lowers: Vec<Option<String>>,
    drivers: Vec<Option<String>>,
    reject_codes: Vec<Option<String>>,
    reject_reasons: Vec<Option<String>>,
    /// rows x (inputs + 1), NaN on rejected rows.
    shap: Option<Vec<f64>>,
}

fn frame_columns(t: &ScoredTable, expected: usize, shap: bool) -> churn_core::Result<FrameColumns> {
    let n = t.len() + t.rejected.len();
    if n != expected {
        return Err(core_input(format!(
            "the frame has {expected} rows but its CSV form read back as {n}; please report this"
        )));
    }
    let width = t.feature_names.len() + 1;
    let mut c = FrameColumns {
        rows: (1..=n as i64).collect(),
        customer_ids: vec![None; n],
        status: vec!["rejected"; n],
        probabilities: vec![f64::NAN; n],
        tiers: vec![None; n],
        raises: vec![None; n],
        lowers: vec![None; n],
        drivers: vec![None; n],
        reject_codes: vec![None; n],
        reject_reasons: vec![None; n],
        shap: shap.then(|| vec![f64::NAN; n * width]),
    };
    let slot = |row: u64| -> churn_core::Result<usize> {
        match (row as usize).checked_sub(1) {
            Some(i) if i < n => Ok(i),
            _ => Err(core_input(format!(
                "row number {row} is outside the frame's {n} rows; please report this"
            ))),
        }
    };
    // Reasons are rebuilt from the kept numbers, in parallel like the pipeline's own chunks.
    let cells: Vec<Option<ReasonCells>> = (0..t.len())
        .into_par_iter()
        .map(|i| t.explanation(i).map(|e| reason_cells(&e)))
        .collect();
    for (i, rc) in cells.into_iter().enumerate() {
        let at = slot(t.rows[i])?;
        c.customer_ids[at].clone_from(&t.customer_ids[i]);
        c.status[at] = "scored";
        c.probabilities[at] = t.probabilities[i];
        c.tiers[at] = t.tier_name(i).map(str::to_string);
        if let Some(rc) = rc {
            c.raises[at] = Some(rc.raises);
            c.lowers[at] = Some(rc.lowers);
            c.drivers[at] = Some(rc.drivers);
        }
        if let Some(out) = c.shap.as_mut() {
            let row = t.shap.row(i);
            for (dst, v) in out[at * width..(at + 1) * width].iter_mut().zip(row.iter()) {
                *dst = *v;
            }
        }
    }
    for r in &t.rejected {
        let at = slot(r.row)?;
        c.customer_ids[at].clone_from(&r.customer_id);
        let codes: Vec<&str> = r.codes.iter().map(|c| c.as_str()).collect();
        c.reject_codes[at] = Some(codes.join(";"));
        c.reject_reasons[at] = Some(r.reasons.join("; "));
    }
    Ok(c)
}

/// Native half of `churnlens.score_frame`: `csv` is the frame as CSV bytes (one record per
/// row, header first, comma-separated, UTF-8), `n_rows` its row count. Returns `(columns,
/// summary)` with `columns` a dict of lists / arrays.
#[pyfunction]
#[pyo3(signature = (csv, n_rows, bundle, *, overrides = None, top_k = 3, shap = false, as_of = None, n_threads = None, chunk_rows = 8192))]
#[allow(clippy::too_many_arguments)]
fn _score_frame<'py>(
    py: Python<'py>,
    csv: &Bound<'py, PyBytes>,
    n_rows: usize,
    bundle: PyRef<'py, PyBundle>,
    overrides: Option<PyRef<'py, PyOverrides>>,
    top_k: usize,
    shap: bool,
    as_of: Option<&str>,
    n_threads: Option<i64>,
    chunk_rows: usize,
) -> PyResult<(Bound<'py, PyDict>, PyRunSummary)> {
    let mut opts = options(
        py,
        overrides,
        top_k,
        chunk_rows,
        as_of,
        Some(","),
        "utf-8",
        true,
    )?;
    // Every record was written by us: the header is the first line, nothing to sniff.
    opts.delimiter = Some(b',');
    let threads = check_threads(py, n_threads)?;
    let bytes = csv.as_bytes();
    let bundle: &Bundle = &bundle.inner;
    let slot: ErrorSlot = Arc::new(Mutex::new(None));
    let slot2 = slot.clone();
    let result = py.detach(move || {
        guarded(move || {
            on_pool(threads, move || {
                let pipeline = Pipeline::new(bundle, opts)?;
                let table = pipeline.score_table(bytes, &CollectOptions::default(), &mut |p| {
                    report_progress(None, p.rows_read, p.bytes_read, &slot2)
                })?;
                if table.summary.stopped_early {
                    return Err(core_input("interrupted"));
                }
                let cols = frame_columns(&table, n_rows, shap)?;
                Ok((table, cols))
            })
        })
    });
    let (table, c) = result.map_err(|f| run_error(py, &slot, f))?;
    let d = PyDict::new(py);
    d.set_item("row", PyArray1::from_vec(py, c.rows))?;
    d.set_item("customer_id", c.customer_ids)?;
    d.set_item("status", c.status)?;
    d.set_item("churn_probability", PyArray1::from_vec(py, c.probabilities))?;
    d.set_item("risk_tier", c.tiers)?;
    d.set_item("raises_risk", c.raises)?;
    d.set_item("lowers_risk", c.lowers)?;
    d.set_item("top_drivers", c.drivers)?;
    d.set_item("reject_codes", c.reject_codes)?;
    d.set_item("reject_reasons", c.reject_reasons)?;
    if let Some(values) = c.shap {
        let width = table.feature_names.len() + 1;
        let arr = numpy::ndarray::Array2::from_shape_vec((n_rows, width), values)
            .map_err(|e| input_error(py, format!("SHAP matrix: {e}")))?;
        d.set_item("shap", arr.into_pyarray(py))?;
        d.set_item("shap_names", table.feature_names.clone())?;
    }
    Ok((
        d,
        PyRunSummary {
            inner: table.summary,
            log: None,
        },
    ))
}

// ------------------------------------------------------------------------------------------
// Reasons

/// One driver of a customer's churn risk: the feature, the customer's value, its SHAP
/// contribution (log-odds) and probability points, and a sentence.
#[pyclass(name = "Reason", module = "churnlens", frozen)]
pub(crate) struct PyReason {
    inner: Reason,
}

#[pymethods]
impl PyReason {
    /// The model's feature name.
    #[getter]
    fn feature(&self) -> String {
        self.inner.feature.clone()
    }

    /// The schema's display name.
    #[getter]
    fn display_name(&self) -> String {
        self.inner.display_name.clone()
    }

    /// The customer's value as people read it (category name, `34 months`, `1,889.50`).
    #[getter]
    fn value(&self) -> String {
        self.inner.value.clone()
    }

    /// The model input (category code, 0/1, number), None when missing.
    #[getter]
    fn input(&self) -> Option<f64> {
        self.inner.input
    }

    /// `"raises"` or `"lowers"`.
    #[getter]
    fn direction(&self) -> &'static str {
        self.inner.direction.as_str()
    }

    /// The SHAP value: contribution to the margin (log-odds).
    #[getter]
    fn contribution(&self) -> f64 {
        self.inner.contribution
    }

    /// The contribution in percentage points of churn probability (proportional allocation).
    #[getter]
    fn points(&self) -> f64 {
        self.inner.points
    }

    /// E.g. `Contract (Month-to-month) raises churn risk by 11.2 points`.
    #[getter]
    fn text(&self) -> String {
        self.inner.text.clone()
    }

    /// The reason as a dict (the JSON-lines output's fields).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }

    fn __str__(&self) -> String {
        self.inner.text.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "<churnlens.Reason {:?} {} {:+.2} points (SHAP {:+.4})>",
            self.inner.feature,
            self.inner.direction.as_str(),
            self.inner.points,
            self.inner.contribution
        )
    }
}

/// Why one customer got their churn probability: the strongest reasons each way, the tier.
#[pyclass(name = "Explanation", module = "churnlens", frozen)]
pub(crate) struct PyExplanation {
    inner: Explanation,
    probability: f64,
    tier: Option<String>,
}

impl PyExplanation {
    /// Wraps one row the core explained (`Bundle.explain`).
    pub(crate) fn from_row(row: RowExplanation) -> Self {
        PyExplanation {
            inner: row.explanation,
            probability: row.probability,
            tier: row.tier,
        }
    }
}

#[derive(Serialize)]
struct ExplanationDict<'a> {
    probability: f64,
    tier: &'a Option<String>,
    base_probability: f64,
    margin: f64,
    raises: &'a [Reason],
    lowers: &'a [Reason],
    other_points: f64,
}

fn reasons<'py>(py: Python<'py>, rs: &[Reason]) -> PyResult<Bound<'py, PyList>> {
    PyList::new(
        py,
        rs.iter()
            .map(|r| PyReason { inner: r.clone() })
            .collect::<Vec<_>>(),
    )
}

#[pymethods]
impl PyExplanation {
    /// The model's churn probability for this customer (what `score_frame` reports).
    #[getter]
    fn probability(&self) -> f64 {
        self.probability
    }

    /// The risk tier of `probability` (the bundle's tiers, or the defaults).
    #[getter]
    fn tier(&self) -> Option<String> {
        self.tier.clone()
    }

    /// Churn probability of the average training customer (`sigmoid(bias)`).
    #[getter]
    fn base_probability(&self) -> f64 {
        self.inner.base_probability
    }

    /// The margin (log-odds): bias plus every SHAP contribution.
    #[getter]
    fn margin(&self) -> f64 {
        self.inner.margin
    }

    /// The strongest reasons raising risk, strongest first (`Reason` objects).
    #[getter]
    fn raises<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        reasons(py, &self.inner.raises)
    }

    /// The strongest reasons lowering risk, strongest first.
    #[getter]
    fn lowers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        reasons(py, &self.inner.lowers)
    }

    /// Probability points of the features not listed.
    #[getter]
    fn other_points(&self) -> f64 {
        self.inner.other_points
    }

    /// Points of every feature, listed or not: `100 * (sigmoid(margin) - base_probability)`.
    fn all_points(&self) -> f64 {
        self.inner.all_points()
    }

    /// The reasons as one line, raising first: `"...; ..."`.
    fn summary(&self) -> String {
        self.inner.summary()
    }

    /// The explanation as plain dicts and lists.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(
            py,
            &ExplanationDict {
                probability: self.probability,
                tier: &self.tier,
                base_probability: self.inner.base_probability,
                margin: self.inner.margin,
                raises: &self.inner.raises,
                lowers: &self.inner.lowers,
                other_points: self.inner.other_points,
            },
        )
    }

    /// A few lines for people: probability, tier, then one reason per line.
    fn to_text(&self) -> String {
        explanation_text(&self.inner, self.probability, self.tier.as_deref())
    }

    fn __str__(&self) -> String {
        self.to_text()
    }

    fn __repr__(&self) -> String {
        format!(
            "<churnlens.Explanation: p={:.4}{}, {} raising, {} lowering>",
            self.probability,
            self.tier
                .as_deref()
                .map_or(String::new(), |t| format!(" ({t})")),
            self.inner.raises.len(),
            self.inner.lowers.len()
        )
    }
}

// ------------------------------------------------------------------------------------------
// Outcomes

fn closed_store(path: &str) -> Error {
    Error::Database {
        path: path.to_string(),
        reason: "the OutcomeStore is closed".into(),
        source: None,
    }
}

/// Locks a store's mutex (the caller has released the GIL, so a run logging into the store
/// on another thread cannot deadlock with this one).
fn lock_store(
    m: &Mutex<Option<OutcomeStore>>,
) -> churn_core::Result<MutexGuard<'_, Option<OutcomeStore>>> {
    Ok(m.lock().unwrap_or_else(|p| p.into_inner()))
}

/// The prediction and outcome log: one SQLite file (the CLI's `--db`), or in memory.
#[pyclass(name = "OutcomeStore", module = "churnlens", frozen)]
pub(crate) struct PyOutcomeStore {
    inner: Mutex<Option<OutcomeStore>>,
    path: String,
}

impl PyOutcomeStore {
    /// Runs `f` on the open store without the GIL.
    fn with<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut OutcomeStore) -> churn_core::Result<T> + Send,
    ) -> PyResult<T> {
        let m = &self.inner;
        py.detach(|| {
            guarded(|| {
                let mut g = lock_store(m)?;
                match g.as_mut() {
                    Some(db) => f(db),
                    None => Err(closed_store(&self.path)),
                }
            })
        })
        .map_err(|e| failure_to_py(py, e))
    }
}

/// A date argument: None (today, UTC), a `str`, or anything with `isoformat()`.
fn date_arg(py: Python<'_>, date: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
    match date {
        None => Ok(today_utc()),
        Some(d) if d.is_none() => Ok(today_utc()),
        Some(d) => {
            if let Ok(s) = d.cast::<PyString>() {
                return Ok(s.to_cow()?.into_owned());
            }
            if d.hasattr("isoformat")? {
                let s: String = d.call_method0("isoformat")?.extract()?;
                return Ok(s.chars().take(10).collect());
            }
            Err(input_error(
                py,
                format!(
                    "date must be a date, a datetime or a date string, got {}",
                    d.get_type().name()?
                ),
            ))
        }
    }
}

#[derive(Serialize)]
struct ImportDict {
    rows: u64,
    recorded: u64,
    blank: u64,
}

#[pymethods]
impl PyOutcomeStore {
    /// Opens (creating it and its folder if needed) the database at `path`; `None` keeps it
    /// in memory.
    #[new]
    #[pyo3(signature = (path = None))]
    fn new(py: Python<'_>, path: Option<PathBuf>) -> PyResult<Self> {
        let (store, name) = match path {
            None => (
                py.detach(|| guarded(OutcomeStore::open_in_memory)),
                ":memory:".to_string(),
            ),
            Some(p) => {
                let name = p.display().to_string();
                let r = py.detach(|| {
                    guarded(|| {
                        if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                            std::fs::create_dir_all(dir).map_err(|source| Error::Io {
                                path: dir.to_path_buf(),
                                source,
                            })?;
                        }
                        OutcomeStore::open(&p)
                    })
                });
                (r, name)
            }
        };
        let store = store.map_err(|e| failure_to_py(py, e))?;
        Ok(PyOutcomeStore {
            inner: Mutex::new(Some(store)),
            path: name,
        })
    }

    /// The database file (`":memory:"` for an in-memory store).
    #[getter]
    fn path(&self) -> String {
        self.path.clone()
    }

    /// Records (or replaces) one customer's outcome. `churned`: a bool, 1/0, or text such as
    /// yes/no, true/false, churned/retained. `date`: when it was observed (default today);
    /// it is paired with the latest prediction made on or before it.
    #[pyo3(signature = (customer_id, churned, date = None, source = "python"))]
    fn record_outcome(
        &self,
        py: Python<'_>,
        customer_id: &str,
        churned: &Bound<'_, PyAny>,
        date: Option<&Bound<'_, PyAny>>,
        source: &str,
    ) -> PyResult<()> {
        let churned = churned_arg(py, churned)?;
        let date = date_arg(py, date)?;
        self.with(py, |db| {
            db.record_outcome(customer_id, churned, &date, source)
        })
    }

    /// Records the outcomes of a CSV (a path, its bytes, a file object or a DataFrame):
    /// customer id, churned and optionally date columns, found by name as
    /// `churnlens record-outcome --file` finds them; `date` for rows without one (default
    /// today). All or nothing. Returns `{"rows", "recorded", "blank"}`.
    #[pyo3(signature = (data, date = None, source = "python"))]
    fn record_outcomes_csv<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        date: Option<&Bound<'py, PyAny>>,
        source: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let data =
            crate::intake::helper(py, "churnlens._pipeline", "_binary_source")?.call1((data,))?;
        let input = Source::of(&data)?;
        let date = date_arg(py, date)?;
        let slot: ErrorSlot = Arc::new(Mutex::new(None));
        let slot2 = slot.clone();
        let (m, path) = (&self.inner, self.path.as_str());
        let r = py.detach(move || {
            guarded(move || {
                let reader = input.open(&slot2)?;
                let mut g = lock_store(m)?;
                let db = g.as_mut().ok_or_else(|| closed_store(path))?;
                db.record_outcomes_csv(reader, &date, source)
            })
        });
        let n = r.map_err(|f| run_error(py, &slot, f))?;
        to_py(
            py,
            &ImportDict {
                rows: n.rows,
                recorded: n.recorded,
                blank: n.blank,
            },
        )
    }

    /// The labelled training table: each outcome with the customer's latest earlier
    /// prediction (`customer_id`, `churned` 1/0, the model's features, `probability`, `tier`,
    /// `scored_at`, `observed_on`, `model_hash`, `model_version`). Written as CSV to `out` (a
    /// path or file object; returns the row count), or returned as a pandas DataFrame when
    /// `out` is None. `model_hash` keeps one model's predictions.
    #[pyo3(signature = (out = None, model_hash = None))]
    fn export_training<'py>(
        &self,
        py: Python<'py>,
        out: Option<&Bound<'py, PyAny>>,
        model_hash: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let target = Target::of(out)?;
        let slot: ErrorSlot = Arc::new(Mutex::new(None));
        match target {
            None => {
                let bytes = self.with(py, |db| {
                    let mut buf = Vec::new();
                    db.export_training(&mut buf, model_hash.as_deref())?;
                    Ok(buf)
                })?;
                crate::intake::helper(py, "churnlens._pipeline", "_training_frame")?
                    .call1((PyBytes::new(py, &bytes),))
            }
            Some(t) => {
                let slot2 = slot.clone();
                let (m, path) = (&self.inner, self.path.as_str());
                let r = py.detach(move || {
                    guarded(move || {
                        let mut w = t.open(&slot2)?;
                        let g = lock_store(m)?;
                        let db = g.as_ref().ok_or_else(|| closed_store(path))?;
                        let n = db.export_training(&mut w, model_hash.as_deref())?;
                        w.flush().map_err(|source| Error::Write {
                            target: "training table".into(),
                            source,
                        })?;
                        Ok(n)
                    })
                });
                let n = r.map_err(|f| run_error(py, &slot, f))?;
                Ok(n.into_pyobject(py)?.into_any())
            }
        }
    }

    /// Realised accuracy of logged predictions against recorded outcomes: AUC, Brier score,
    /// calibration by decile, hit rate per tier (`churnlens performance`).
    #[pyo3(signature = (model_hash = None))]
    fn performance(&self, py: Python<'_>, model_hash: Option<String>) -> PyResult<PyPerformance> {
        let inner = self.with(py, |db| db.performance(model_hash.as_deref()))?;
        Ok(PyPerformance { inner })
    }

    /// Rows per table: `{"models", "runs", "predictions", "outcomes"}`.
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let c = self.with(py, |db| db.counts())?;
        to_py(py, &c)
    }

    /// Closes the database (later calls raise `DatabaseError`).
    fn close(&self, py: Python<'_>) {
        let m = &self.inner;
        py.detach(|| {
            let store = m.lock().unwrap_or_else(|p| p.into_inner()).take();
            drop(store);
        });
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> bool {
        self.close(py);
        false
    }

    fn __repr__(&self) -> String {
        format!("<churnlens.OutcomeStore {:?}>", self.path)
    }
}

fn churned_arg(py: Python<'_>, v: &Bound<'_, PyAny>) -> PyResult<bool> {
    if let Ok(s) = v.cast::<PyString>() {
        let s = s.to_cow()?;
        return match parse_label(&s, &[]) {
            Some(l) => Ok(l >= 0.5),
            None => Err(make_error(
                py,
                "RecordError",
                "record",
                format!("churned={s:?}: use yes/no, true/false, 1/0 or churned/retained"),
                &[],
            )),
        };
    }
    if let Ok(f) = v.extract::<f64>() {
        if f == 0.0 || f == 1.0 {
            return Ok(f == 1.0);
        }
    }
    Err(make_error(
        py,
        "RecordError",
        "record",
        format!(
            "churned must be True/False, 1/0 or a yes/no string, got {}",
            v.repr()?
        ),
        &[],
    ))
}

/// Realised performance of past predictions.
#[pyclass(name = "Performance", module = "churnlens", frozen)]
pub(crate) struct PyPerformance {
    inner: Performance,
}

#[pymethods]
impl PyPerformance {
    /// Customers with an outcome and a prediction made on or before it.
    #[getter]
    fn rows(&self) -> u64 {
        self.inner.rows
    }

    /// Of which churned.
    #[getter]
    fn churned(&self) -> u64 {
        self.inner.churned
    }

    /// Outcomes without an earlier prediction (not counted in `rows`).
    #[getter]
    fn unmatched_outcomes(&self) -> u64 {
        self.inner.unmatched_outcomes
    }

    /// ROC AUC of the predictions against the outcomes (ties averaged), or None.
    #[getter]
    fn auc(&self) -> Option<f64> {
        self.inner.auc
    }

    /// Mean squared difference between probability and outcome.
    #[getter]
    fn brier(&self) -> Option<f64> {
        self.inner.brier
    }

    #[getter]
    fn mean_predicted(&self) -> Option<f64> {
        self.inner.mean_predicted
    }

    #[getter]
    fn observed_rate(&self) -> Option<f64> {
        self.inner.observed_rate
    }

    /// The model hash the figures are restricted to, if any.
    #[getter]
    fn model_hash(&self) -> Option<String> {
        self.inner.model_hash.clone()
    }

    /// Calibration by decile of predicted probability (dicts: `decile`, `rows`,
    /// `min_probability`, `max_probability`, `mean_predicted`, `observed_rate`).
    #[getter]
    fn deciles<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.calibration)
    }

    /// Hit rate per tier (dicts: `tier`, `rows`, `churned`, `hit_rate`, `mean_predicted`),
    /// lowest mean probability first.
    #[getter]
    fn tiers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.tiers)
    }

    /// Everything as plain dicts and lists (`churnlens performance --json`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }

    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        serde_json::to_string_pretty(&self.inner).map_err(|e| {
            make_error(
                py,
                "InternalError",
                "internal",
                format!("cannot write the performance as JSON: {e}"),
                &[],
            )
        })
    }

    /// The figures as text, as `churnlens performance` prints them.
    fn to_text(&self) -> String {
        self.inner.to_text()
    }

    fn __str__(&self) -> String {
        self.inner.to_text()
    }

    fn __repr__(&self) -> String {
        format!(
            "<churnlens.Performance: {} customers, {} churned, AUC {}>",
            self.inner.rows,
            self.inner.churned,
            self.inner
                .auc
                .map_or("n/a".to_string(), |a| format!("{a:.3}"))
        )
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyRunSummary>()?;
    m.add_class::<PyReason>()?;
    m.add_class::<PyExplanation>()?;
    m.add_class::<PyOutcomeStore>()?;
    m.add_class::<PyPerformance>()?;
    m.add_function(wrap_pyfunction!(_run_csv, m)?)?;
    m.add_function(wrap_pyfunction!(_score_frame, m)?)?;
    Ok(())
}
