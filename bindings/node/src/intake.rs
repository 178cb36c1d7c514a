//! Bundles, column mapping, validation, the data-quality report and CSV scoring.
//!
//! As in `lib.rs`, each function converts its arguments, calls the core once and converts the
//! result. Options objects go through `JSON.stringify` into the core's
//! `records::HostOptions` and nested results (mappings, summaries, reports, explanations) come
//! back through `JSON.parse` of the core's serde output, exactly as in the WASM package, so
//! both packages accept the same options and return objects with the same keys and values.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use churn_core::pipeline::{Flow, Pipeline};
use churn_core::records::{self, HostOptions, MappingView, RejectedView};
use churn_core::scored::{CollectOptions, Progress};
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{JsValue, Unknown, ValueType};
use napi_derive::napi;
use serde::Serialize;

use crate::{core_error, input_error, js_error, Model};

// ------------------------------------------------------------------------------------------
// JS values <-> the core's serde types

fn json_function<'e>(env: &'e Env, name: &str) -> Result<Function<'e, Unknown<'e>, Unknown<'e>>> {
    let json: Object = env.get_global()?.get_named_property("JSON")?;
    json.get(name)?
        .ok_or_else(|| Error::new(Status::GenericFailure, format!("JSON.{name} is missing")))
}

/// A serde value as plain JS objects (through `JSON.parse`, as the WASM package does).
pub(crate) fn to_js<'e, T: Serialize>(env: &'e Env, value: &T) -> Result<Unknown<'e>> {
    let text = serde_json::to_string(value).map_err(|e| {
        js_error(
            env,
            "internal",
            format!("cannot convert a result to JS: {e}"),
        )
    })?;
    let text = env.create_string(&text)?.to_unknown();
    json_function(env, "parse")?.call(text)
}

/// The options object (`undefined`/`null` = defaults) as the core's `HostOptions`; the
/// `onProgress` function, if any, is returned separately.
fn host_options<'e>(
    env: &'e Env,
    options: Option<Unknown<'e>>,
) -> Result<(HostOptions, Option<Unknown<'e>>)> {
    let Some(options) = options else {
        return Ok((HostOptions::default(), None));
    };
    match options.get_type()? {
        ValueType::Undefined | ValueType::Null => return Ok((HostOptions::default(), None)),
        ValueType::Object => {}
        other => {
            return Err(input_error(
                env,
                format!(
                    "options must be an object, not a {}",
                    crate::type_name(other)
                ),
            ))
        }
    }
    let object: Object = unsafe { options.cast()? };
    let progress = match object.get::<Unknown>("onProgress")? {
        None => None,
        Some(v) => match v.get_type()? {
            ValueType::Undefined | ValueType::Null => None,
            ValueType::Function => Some(v),
            other => {
                return Err(input_error(
                    env,
                    format!(
                        "onProgress must be a function, not a {}",
                        crate::type_name(other)
                    ),
                ))
            }
        },
    };
    // JSON.stringify drops the function-valued onProgress.
    let text = json_function(env, "stringify")?.call(options)?;
    let text: String = match text.get_type()? {
        ValueType::String => unsafe { text.cast()? },
        _ => "{}".to_string(),
    };
    let parsed = records::HostOptions::from_json(&text).map_err(|e| core_error(env, e))?;
    Ok((parsed, progress))
}

/// The JS-facing progress object.
#[napi(object)]
pub struct ScoreProgress {
    /// Data rows read so far.
    pub rows_read: f64,
    /// Input bytes consumed so far.
    pub bytes_read: f64,
    /// Size of the input in bytes.
    pub total_bytes: f64,
}

fn progress_of(p: &Progress, total: usize) -> ScoreProgress {
    ScoreProgress {
        rows_read: p.rows_read as f64,
        bytes_read: p.bytes_read as f64,
        total_bytes: total as f64,
    }
}

// ------------------------------------------------------------------------------------------
// Bundle

/// A model bundle: the model with its feature schema (names, kinds, units, aliases), risk
/// tiers, training reference and metadata, as written by `churnlens bundle build`. A bare
/// model file is a bundle too (its schema then comes from the model).
#[napi]
pub struct Bundle {
    pub(crate) inner: Arc<churn_core::Bundle>,
    model: OnceLock<Arc<churn_core::Model>>,
}

impl Bundle {
    pub(crate) fn wrap(inner: churn_core::Bundle) -> Bundle {
        Bundle {
            inner: Arc::new(inner),
            model: OnceLock::new(),
        }
    }
}

#[napi]
impl Bundle {
    /// Reads a bundle from a file path, or from its bytes (a `Buffer` or `Uint8Array`).
    #[napi(factory, ts_args_type = "pathOrBuffer: string | Uint8Array")]
    pub fn load(env: Env, source: Either<String, &[u8]>) -> Result<Bundle> {
        let bundle = match source {
            Either::A(path) => churn_core::Bundle::load(path),
            Either::B(bytes) => churn_core::Bundle::from_bytes(bytes),
        }
        .map_err(|e| core_error(&env, e))?;
        Ok(Bundle::wrap(bundle))
    }

    /// The bundle's name.
    #[napi(getter)]
    pub fn name(&self) -> String {
        self.inner.metadata.name.clone()
    }

    /// The bundle's version.
    #[napi(getter)]
    pub fn version(&self) -> String {
        self.inner.metadata.version.clone()
    }

    /// SHA-256 of the bundle file (of the model file for a bare model).
    #[napi(getter)]
    pub fn content_hash(&self) -> String {
        self.inner.metadata.content_hash.clone()
    }

    /// The model inputs, in model column order (the columns of `validate().features`).
    #[napi(getter)]
    pub fn feature_names(&self) -> Vec<String> {
        self.inner
            .schema()
            .input_names()
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    /// The schema's model inputs (name, kind, display name, unit, range or categories,
    /// required, aliases, ...), in model column order.
    #[napi(getter, ts_return_type = "SchemaFeature[]")]
    pub fn inputs<'e>(&self, env: &'e Env) -> Result<Unknown<'e>> {
        let inputs: Vec<_> = self.inner.schema().inputs().collect();
        to_js(env, &inputs)
    }

    /// Every schema feature (the inputs, the customer id and the churn label), in schema order.
    #[napi(getter, ts_return_type = "SchemaFeature[]")]
    pub fn schema<'e>(&self, env: &'e Env) -> Result<Unknown<'e>> {
        to_js(env, &self.inner.schema().features)
    }

    /// The risk tiers scoring uses (the bundle's, or the defaults low / medium / high), lowest
    /// first.
    #[napi(getter, ts_return_type = "Tier[]")]
    pub fn tiers<'e>(&self, env: &'e Env) -> Result<Unknown<'e>> {
        to_js(env, &churn_core::risk::tiers_of(&self.inner).tiers)
    }

    /// Name, version, created, description, source, metrics and content_hash.
    #[napi(getter, ts_return_type = "BundleMetadata")]
    pub fn metadata<'e>(&self, env: &'e Env) -> Result<Unknown<'e>> {
        to_js(env, &self.inner.metadata)
    }

    /// The embedded model.
    #[napi(getter)]
    pub fn model(&self, env: Env) -> Result<Model> {
        if let Some(m) = self.model.get() {
            return Ok(Model {
                inner: Arc::clone(m),
            });
        }
        // The core's Model is not Clone: parse the embedded bytes again (once; they were
        // validated when the bundle loaded).
        let m = churn_core::Model::from_bytes(self.inner.model_bytes())
            .map_err(|e| core_error(&env, e))?;
        let m = Arc::clone(self.model.get_or_init(|| Arc::new(m)));
        Ok(Model { inner: m })
    }
}

// ------------------------------------------------------------------------------------------
// Mapping, validation, quality

/// Maps a table's headers to a bundle's features (or to plain feature names).
///
/// `headersOrCsv` is the header names, or the CSV file's bytes (then its first 500 rows are
/// value evidence too). Options: `overrides` (`{feature: header | null}`, they win) and
/// `threshold` (0..1, default 0.8: below it a match is refused; unmapped beats wrong).
#[napi(
    catch_unwind,
    ts_args_type = "headersOrCsv: string[] | Uint8Array, bundleOrFeatureNames: Bundle | string[], options?: MapOptions | undefined | null",
    ts_return_type = "ColumnMapping"
)]
pub fn map_columns<'e>(
    env: &'e Env,
    headers_or_csv: Either<Vec<String>, &[u8]>,
    target: Either<ClassInstance<'e, Bundle>, Vec<String>>,
    options: Option<Unknown<'e>>,
) -> Result<Unknown<'e>> {
    let (options, _) = host_options(env, options)?;
    let owned;
    let schema = match &target {
        Either::A(b) => b.inner.schema(),
        Either::B(names) => {
            owned = churn_core::Schema::from_names(names);
            &owned
        }
    };
    let mapping = match headers_or_csv {
        Either::A(headers) => options.map_options().and_then(|o| {
            churn_core::map_columns_with(&headers, schema, None, options.overrides().as_ref(), &o)
        }),
        Either::B(bytes) => records::map_csv(bytes, schema, &options),
    }
    .map_err(|e| core_error(env, e))?;
    to_js(env, &MappingView::from(&mapping))
}

/// What `validate` returns (before conversion to JS).
pub struct ValidationOut {
    validated: churn_core::Validated,
    lines: Vec<u64>,
    feature_names: Vec<String>,
}

fn validation_to_js<'e>(env: &'e Env, out: ValidationOut) -> Result<Unknown<'e>> {
    let v = out.validated;
    let rejected = RejectedView::of_validated(&v, &out.lines);
    let mut obj = Object::new(env)?;
    let (features, _) = v.features.into_raw_vec_and_offset();
    obj.set("features", Float64Array::new(features))?;
    obj.set("featureNames", out.feature_names)?;
    obj.set(
        "rows",
        Float64Array::new(v.rows.iter().map(|&r| r as f64).collect()),
    )?;
    obj.set("customerIds", to_js(env, &v.customer_ids)?)?;
    obj.set(
        "labels",
        Float64Array::new(v.labels.iter().map(|l| l.unwrap_or(f64::NAN)).collect()),
    )?;
    obj.set("rejected", to_js(env, &rejected)?)?;
    obj.set("issues", to_js(env, &v.issues)?)?;
    obj.set("summary", to_js(env, &v.summary)?)?;
    Ok(obj.to_unknown())
}

fn run_validate(
    csv: &[u8],
    bundle: &churn_core::Bundle,
    options: &HostOptions,
) -> churn_core::Result<ValidationOut> {
    let (validated, lines) = records::validate_csv(csv, bundle, options)?;
    let feature_names = bundle
        .schema()
        .input_names()
        .into_iter()
        .map(str::to_string)
        .collect();
    Ok(ValidationOut {
        validated,
        lines,
        feature_names,
    })
}

/// Validates and normalises every cell of a CSV export for a bundle: each row is accepted
/// (its model inputs in `features`, row-major, ready for `bundle.model.predict`) or rejected
/// with codes and reasons.
#[napi(
    catch_unwind,
    ts_args_type = "csv: Uint8Array, bundle: Bundle, options?: IntakeOptions | undefined | null",
    ts_return_type = "Validation"
)]
pub fn validate<'e>(
    env: &'e Env,
    csv: &[u8],
    bundle: &Bundle,
    options: Option<Unknown<'e>>,
) -> Result<Unknown<'e>> {
    let (options, _) = host_options(env, options)?;
    let out = run_validate(csv, &bundle.inner, &options).map_err(|e| core_error(env, e))?;
    validation_to_js(env, out)
}

fn report_to_js<'e>(env: &'e Env, summary: &churn_core::RunSummary) -> Result<Unknown<'e>> {
    let report = to_js(env, &summary.quality)?;
    let mut obj: Object = unsafe { report.cast()? };
    obj.set("text", summary.quality.to_text())?;
    Ok(obj.to_unknown())
}

/// The data-quality report of a CSV export for a bundle (what `churnlens report` prints):
/// mapping confidence, missing features, per-column completeness, validity and drift, a 0..1
/// score with a grade, suggestions and the expected accuracy; `text` is the readable form.
#[napi(
    catch_unwind,
    ts_args_type = "csv: Uint8Array, bundle: Bundle, options?: IntakeOptions | undefined | null",
    ts_return_type = "QualityReport"
)]
pub fn quality_report<'e>(
    env: &'e Env,
    csv: &[u8],
    bundle: &Bundle,
    options: Option<Unknown<'e>>,
) -> Result<Unknown<'e>> {
    let (options, _) = host_options(env, options)?;
    let summary =
        records::quality_csv(csv, &bundle.inner, &options).map_err(|e| core_error(env, e))?;
    report_to_js(env, &summary)
}

// ------------------------------------------------------------------------------------------
// Scoring

fn score(
    csv: &[u8],
    bundle: &churn_core::Bundle,
    options: &HostOptions,
    progress: &mut dyn FnMut(&Progress) -> Flow,
) -> churn_core::Result<churn_core::ScoredTable> {
    let pipeline = Pipeline::new(bundle, options.pipeline_options()?)?;
    let collect = CollectOptions {
        cells: options.cells.unwrap_or(false),
    };
    pipeline.score_table(csv, &collect, progress)
}

/// Scores a CSV export with a bundle: the whole pipeline of `churnlens score` (mapping,
/// validation, predictions, exact SHAP, risk tiers, reasons), with every result kept in a
/// `ScoredTable`. `onProgress` is called after each chunk; returning `false` stops the run
/// (the table then holds the rows read so far and `summary.stopped_early` is true).
#[napi(
    catch_unwind,
    ts_args_type = "csv: Uint8Array, bundle: Bundle, options?: ScoreOptions | undefined | null"
)]
pub fn score_csv<'e>(
    env: &'e Env,
    csv: &[u8],
    bundle: &Bundle,
    options: Option<Unknown<'e>>,
) -> Result<ScoredTable> {
    let (options, callback) = host_options(env, options)?;
    let total = csv.len();
    let mut thrown: Option<Error> = None;
    let result = score(csv, &bundle.inner, &options, &mut |p| {
        let Some(cb) = &callback else {
            return Flow::Continue;
        };
        let call = || -> Result<Flow> {
            let f: Function<ScoreProgress, Unknown> = unsafe { cb.cast()? };
            let ret = f.call(progress_of(p, total))?;
            Ok(match ret.get_type()? {
                ValueType::Boolean if !unsafe { ret.cast::<bool>()? } => Flow::Stop,
                _ => Flow::Continue,
            })
        };
        match call() {
            Ok(flow) => flow,
            Err(e) => {
                thrown = Some(e);
                Flow::Stop
            }
        }
    });
    if let Some(e) = thrown {
        return Err(e);
    }
    let inner = result.map_err(|e| core_error(env, e))?;
    Ok(ScoredTable { inner })
}

/// Calls `onProgress` from the thread pool; its `false` stops the run at the next chunk.
type ProgressFn = ThreadsafeFunction<ScoreProgress, Unknown<'static>, ScoreProgress, Status, false>;

/// `scoreCsv`, `validate` or `qualityReport` run on the libuv thread pool.
pub struct IntakeTask {
    kind: TaskKind,
    csv: Vec<u8>,
    bundle: Arc<churn_core::Bundle>,
    options: HostOptions,
    progress: Option<Arc<ProgressFn>>,
    stop: Arc<AtomicBool>,
    failure: Option<Error>,
    error: Option<churn_core::Error>,
}

#[derive(Clone, Copy)]
enum TaskKind {
    Score,
    Validate,
    Quality,
}

/// What an `IntakeTask` computed.
pub enum TaskOutput {
    Scored(Box<churn_core::ScoredTable>),
    Validated(Box<ValidationOut>),
    Quality(Box<churn_core::RunSummary>),
}

impl IntakeTask {
    fn run(&self) -> churn_core::Result<TaskOutput> {
        match self.kind {
            TaskKind::Score => {
                let total = self.csv.len();
                let (progress, stop) = (self.progress.clone(), Arc::clone(&self.stop));
                score(&self.csv, &self.bundle, &self.options, &mut |p| {
                    if let Some(tsfn) = &progress {
                        let stop = Arc::clone(&stop);
                        tsfn.call_with_return_value(
                            progress_of(p, total),
                            ThreadsafeFunctionCallMode::NonBlocking,
                            move |ret: Result<Unknown>, _env| {
                                if let Ok(v) = ret {
                                    if v.get_type()? == ValueType::Boolean
                                        && !unsafe { v.cast::<bool>()? }
                                    {
                                        stop.store(true, Ordering::Relaxed);
                                    }
                                }
                                Ok(())
                            },
                        );
                    }
                    if stop.load(Ordering::Relaxed) {
                        Flow::Stop
                    } else {
                        Flow::Continue
                    }
                })
                .map(|t| TaskOutput::Scored(Box::new(t)))
            }
            TaskKind::Validate => run_validate(&self.csv, &self.bundle, &self.options)
                .map(|v| TaskOutput::Validated(Box::new(v))),
            TaskKind::Quality => records::quality_csv(&self.csv, &self.bundle, &self.options)
                .map(|s| TaskOutput::Quality(Box::new(s))),
        }
    }
}

impl Task for IntakeTask {
    type Output = TaskOutput;
    type JsValue = Unknown<'static>;

    fn compute(&mut self) -> Result<TaskOutput> {
        if self.failure.is_some() {
            return Err(Error::new(Status::InvalidArg, "invalid arguments"));
        }
        // A panic must not unwind into libuv: it rejects the promise (code "internal").
        let Ok(result) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.run()))
        else {
            return Err(Error::new(Status::GenericFailure, PANICKED));
        };
        result.map_err(|e| {
            let message = e.to_string();
            self.error = Some(e);
            Error::new(Status::GenericFailure, message)
        })
    }

    fn resolve(&mut self, env: Env, output: TaskOutput) -> Result<Unknown<'static>> {
        let value = match output {
            TaskOutput::Scored(inner) => {
                let table = ScoredTable { inner: *inner };
                unsafe {
                    Unknown::from_napi_value(
                        env.raw(),
                        ScoredTable::to_napi_value(env.raw(), table)?,
                    )?
                }
            }
            TaskOutput::Validated(v) => {
                let js = validation_to_js(&env, *v)?;
                unsafe { Unknown::from_napi_value(env.raw(), js.raw())? }
            }
            TaskOutput::Quality(s) => {
                let js = report_to_js(&env, &s)?;
                unsafe { Unknown::from_napi_value(env.raw(), js.raw())? }
            }
        };
        Ok(value)
    }

    fn reject(&mut self, env: Env, err: Error) -> Result<Unknown<'static>> {
        Err(match (self.failure.take(), self.error.take()) {
            (Some(failure), _) => failure,
            (None, Some(e)) => core_error(&env, e),
            (None, None) if err.reason == PANICKED => js_error(&env, "internal", err.reason),
            (None, None) => err,
        })
    }
}

/// The message of a pool computation that panicked (a bug, reported as code "internal").
const PANICKED: &str = "internal error: the computation panicked; please report it";

fn intake_task<'e>(
    env: &'e Env,
    kind: TaskKind,
    csv: &[u8],
    bundle: &Bundle,
    options: Option<Unknown<'e>>,
) -> AsyncTask<IntakeTask> {
    let mut task = IntakeTask {
        kind,
        csv: Vec::new(),
        bundle: Arc::clone(&bundle.inner),
        options: HostOptions::default(),
        progress: None,
        stop: Arc::new(AtomicBool::new(false)),
        failure: None,
        error: None,
    };
    let prepared = (|| -> Result<()> {
        let (options, callback) = host_options(env, options)?;
        if let (TaskKind::Score, Some(cb)) = (kind, callback) {
            let f: Function<ScoreProgress, Unknown<'static>> = unsafe { cb.cast()? };
            let tsfn = f
                .build_threadsafe_function::<ScoreProgress>()
                .callee_handled::<false>()
                .build()?;
            task.progress = Some(Arc::new(tsfn));
        }
        task.options = options;
        Ok(())
    })();
    match prepared {
        // JS may change its buffer meanwhile: the pool works on a copy.
        Ok(()) => task.csv = csv.to_vec(),
        Err(e) => task.failure = Some(e),
    }
    AsyncTask::new(task)
}

/// `scoreCsv` on the libuv thread pool (the bytes are copied first). `onProgress` is called
/// on the JS thread while the pool works; its `false` stops the run after the chunk in
/// progress.
#[napi(
    ts_args_type = "csv: Uint8Array, bundle: Bundle, options?: ScoreOptions | undefined | null",
    ts_return_type = "Promise<ScoredTable>"
)]
pub fn score_csv_async<'e>(
    env: &'e Env,
    csv: &[u8],
    bundle: &Bundle,
    options: Option<Unknown<'e>>,
) -> AsyncTask<IntakeTask> {
    intake_task(env, TaskKind::Score, csv, bundle, options)
}

/// `validate` on the libuv thread pool.
#[napi(
    ts_args_type = "csv: Uint8Array, bundle: Bundle, options?: IntakeOptions | undefined | null",
    ts_return_type = "Promise<Validation>"
)]
pub fn validate_async<'e>(
    env: &'e Env,
    csv: &[u8],
    bundle: &Bundle,
    options: Option<Unknown<'e>>,
) -> AsyncTask<IntakeTask> {
    intake_task(env, TaskKind::Validate, csv, bundle, options)
}

/// `qualityReport` on the libuv thread pool.
#[napi(
    ts_args_type = "csv: Uint8Array, bundle: Bundle, options?: IntakeOptions | undefined | null",
    ts_return_type = "Promise<QualityReport>"
)]
pub fn quality_report_async<'e>(
    env: &'e Env,
    csv: &[u8],
    bundle: &Bundle,
    options: Option<Unknown<'e>>,
) -> AsyncTask<IntakeTask> {
    intake_task(env, TaskKind::Quality, csv, bundle, options)
}

// ------------------------------------------------------------------------------------------
// ScoredTable

/// The results of `scoreCsv`, kept in native memory: per scored row its row and line number,
/// customer id, churn probability, risk tier, model inputs and SHAP values, plus the rejected
/// rows and the run's summary. Row `i` is the same row in every column; accessors copy out.
#[napi]
pub struct ScoredTable {
    inner: churn_core::ScoredTable,
}

impl ScoredTable {
    fn check(&self, env: &Env, i: u32) -> Result<usize> {
        let i = i as usize;
        if i >= self.inner.len() {
            return Err(input_error(
                env,
                format!(
                    "row index {i} is out of range: the table has {} scored rows",
                    self.inner.len()
                ),
            ));
        }
        Ok(i)
    }

    fn selection(indices: Option<&[u32]>) -> Option<Vec<usize>> {
        indices.map(|ix| ix.iter().map(|&i| i as usize).collect())
    }
}

#[napi]
impl ScoredTable {
    /// The run's summary: the core's `RunSummary` (rows_read, rows_scored, rows_rejected,
    /// mapping, validation, issues, quality, tiers, base_probability, mean_probability,
    /// labelled, timings, ...), snake_case as in `churnlens score --json`.
    #[napi(getter, ts_return_type = "RunSummary")]
    pub fn summary<'e>(&self, env: &'e Env) -> Result<Unknown<'e>> {
        to_js(env, &self.inner.summary)
    }

    /// Scored rows.
    #[napi(getter)]
    pub fn length(&self) -> u32 {
        self.inner.len() as u32
    }

    /// Header row of the input.
    #[napi(getter)]
    pub fn headers(&self) -> Vec<String> {
        self.inner.headers.clone()
    }

    /// The model inputs (the columns of `features()`; `shap()` has one more, the bias).
    #[napi(getter)]
    pub fn feature_names(&self) -> Vec<String> {
        self.inner.feature_names.clone()
    }

    /// Tier names, lowest risk first (`tiers()` indexes this).
    #[napi(getter)]
    pub fn tier_names(&self) -> Vec<String> {
        self.inner.tier_names.clone()
    }

    /// Whether the input has a mapped churn label (`labels()` is then filled).
    #[napi(getter)]
    pub fn labelled(&self) -> bool {
        self.inner.labelled
    }

    /// 1-based data-row number of each scored row.
    #[napi]
    pub fn rows(&self) -> Float64Array {
        Float64Array::new(self.inner.rows.iter().map(|&r| r as f64).collect())
    }

    /// Line where each scored row starts in the file.
    #[napi]
    pub fn lines(&self) -> Float64Array {
        Float64Array::new(self.inner.lines.iter().map(|&r| r as f64).collect())
    }

    /// Customer id of each scored row (`null` when the input has none).
    #[napi(ts_return_type = "Array<string | null>")]
    pub fn customer_ids(&self) -> Vec<Option<String>> {
        self.inner.customer_ids.clone()
    }

    /// Churn label of each scored row: 1 churned, 0 stayed, `NaN` unknown or unlabelled input.
    #[napi]
    pub fn labels(&self) -> Float64Array {
        Float64Array::new(
            self.inner
                .labels
                .iter()
                .map(|l| l.unwrap_or(f64::NAN))
                .collect(),
        )
    }

    /// Churn probability of each scored row.
    #[napi]
    pub fn probabilities(&self) -> Float64Array {
        Float64Array::new(self.inner.probabilities.clone())
    }

    /// Risk tier of each scored row, as an index into `tierNames`.
    #[napi]
    pub fn tiers(&self) -> Uint8Array {
        Uint8Array::new(
            self.inner
                .tiers
                .iter()
                .map(|&t| u8::try_from(t).unwrap_or(u8::MAX))
                .collect(),
        )
    }

    /// Model inputs, `length x featureNames.length`, row-major (`NaN` = missing).
    #[napi]
    pub fn features(&self) -> Float64Array {
        Float64Array::new(self.inner.features.iter().copied().collect())
    }

    /// Exact SHAP values in log-odds, `length x (featureNames.length + 1)`, row-major; the last
    /// value of each row is the bias, and each row sums to the row's margin.
    #[napi]
    pub fn shap(&self) -> Float64Array {
        Float64Array::new(self.inner.shap.iter().copied().collect())
    }

    /// The original cells of scored row `i` (in `headers` order), or `null` when the run did
    /// not keep them (`cells: true`).
    #[napi(ts_return_type = "string[] | null")]
    pub fn cells(&self, env: Env, i: u32) -> Result<Option<Vec<String>>> {
        let i = self.check(&env, i)?;
        Ok(self.inner.cells.as_ref().and_then(|c| c.get(i)).cloned())
    }

    /// Why scored row `i` has its probability: the top `topK` reasons raising and lowering it
    /// (every contributing feature with `full`), with probability points and sentences.
    #[napi(ts_return_type = "Explanation")]
    pub fn explanation<'e>(&self, env: &'e Env, i: u32, full: Option<bool>) -> Result<Unknown<'e>> {
        let i = self.check(env, i)?;
        let e = if full.unwrap_or(false) {
            self.inner.full_explanation(i)
        } else {
            self.inner.explanation(i)
        };
        match e {
            Some(e) => to_js(env, &e),
            None => Err(input_error(env, format!("row {i} has no explanation"))),
        }
    }

    /// One line per scored row: its reasons as sentences (`; `-separated).
    #[napi]
    pub fn reasons(&self) -> Vec<String> {
        (0..self.inner.len())
            .map(|i| {
                self.inner
                    .explanation(i)
                    .map(|e| e.summary())
                    .unwrap_or_default()
            })
            .collect()
    }

    /// The rejected rows, in input order: row, line, customerId, codes, reasons, and the
    /// original cells when the run kept them.
    #[napi(ts_return_type = "RejectedRow[]")]
    pub fn rejected<'e>(&self, env: &'e Env) -> Result<Unknown<'e>> {
        let rows = RejectedView::of_scored(&self.inner);
        to_js(env, &rows)
    }

    /// The scored rows as CSV bytes (UTF-8), all of them or those at `indices` in that order:
    /// the same columns and bytes as `churnlens score` writes, formula-like cells neutralised.
    #[napi]
    pub fn to_csv(&self, env: Env, indices: Option<&[u32]>) -> Result<Uint8Array> {
        let selection = Self::selection(indices);
        let mut out = Vec::new();
        self.inner
            .write_csv(&mut out, selection.as_deref())
            .map_err(|e| core_error(&env, e))?;
        Ok(Uint8Array::new(out))
    }

    /// The rejected rows as CSV bytes (codes, reasons, then the original cells when kept).
    #[napi]
    pub fn rejects_csv(&self, env: Env) -> Result<Uint8Array> {
        let mut out = Vec::new();
        self.inner
            .write_rejects_csv(&mut out)
            .map_err(|e| core_error(&env, e))?;
        Ok(Uint8Array::new(out))
    }

    /// The scored rows as an Excel workbook (`.xlsx` bytes), all or those at `indices`.
    #[napi]
    pub fn to_xlsx(&self, env: Env, indices: Option<&[u32]>) -> Result<Uint8Array> {
        let selection = Self::selection(indices);
        self.inner
            .to_xlsx(selection.as_deref())
            .map(Uint8Array::new)
            .map_err(|e| core_error(&env, e))
    }
}
