//! Bundles, column mapping, validation, the data-quality report and CSV scoring.
//!
//! As in `lib.rs`, each function converts its arguments, calls the core once and converts the
//! result. Options objects go through `JSON.stringify` into the core's
//! `records::HostOptions` and nested results (mappings, summaries, reports, explanations) come
//! back through `JSON.parse` of the core's serde output, exactly as in the Node package, so
//! both packages accept the same options and return objects with the same keys and values.

use std::cell::OnceCell;
use std::rc::Rc;

use churn_core::pipeline::{Flow, Pipeline};
use churn_core::records::{self, HostOptions, MappingView, RejectedView};
use churn_core::scored::{CollectOptions, Progress};
use js_sys::{Array, Float64Array, Function, Object, Reflect, Uint32Array, Uint8Array, JSON};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::{core_error, input_error, js_error, type_name, Model};

#[wasm_bindgen]
extern "C" {
    /// `Uint8Array | ArrayBuffer` in TypeScript (CSV or bundle bytes).
    #[wasm_bindgen(typescript_type = "Uint8Array | ArrayBuffer")]
    pub type Bytes;

    /// `string[] | Uint8Array | ArrayBuffer` in TypeScript.
    #[wasm_bindgen(typescript_type = "string[] | Uint8Array | ArrayBuffer")]
    pub type HeadersOrCsv;

    /// `Bundle | string[]` in TypeScript.
    #[wasm_bindgen(typescript_type = "Bundle | string[]")]
    pub type BundleOrNames;

    /// `MapOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "MapOptions")]
    pub type MapOptionsArg;

    /// `IntakeOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "IntakeOptions")]
    pub type IntakeOptionsArg;

    /// `ScoreOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "ScoreOptions")]
    pub type ScoreOptionsArg;
}

// ------------------------------------------------------------------------------------------
// JS values <-> the core's serde types

/// A serde value as plain JS objects (through `JSON.parse`, as the Node package does).
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value)
        .map_err(|e| js_error("internal", &format!("cannot convert a result to JS: {e}")))?;
    JSON::parse(&text)
}

/// Bytes from a `Uint8Array` or an `ArrayBuffer`.
fn bytes_of(value: &JsValue, what: &str) -> Result<Vec<u8>, JsValue> {
    if let Some(a) = value.dyn_ref::<Uint8Array>() {
        Ok(a.to_vec())
    } else if value.is_instance_of::<js_sys::ArrayBuffer>() {
        Ok(Uint8Array::new(value).to_vec())
    } else {
        Err(input_error(format!(
            "{what} must be bytes (a Uint8Array or an ArrayBuffer), not a {}",
            type_name(value)
        )))
    }
}

/// The options object (`undefined`/`null` = defaults) as the core's `HostOptions`; the
/// `onProgress` function, if any, is returned separately.
fn host_options(options: &JsValue) -> Result<(HostOptions, Option<Function>), JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok((HostOptions::default(), None));
    }
    if !options.is_object() || options.is_function() || Array::is_array(options) {
        return Err(input_error(format!(
            "options must be an object, not a {}",
            type_name(options)
        )));
    }
    let progress = Reflect::get(options, &JsValue::from_str("onProgress"))?;
    let progress = if progress.is_undefined() || progress.is_null() {
        None
    } else if let Some(f) = progress.dyn_ref::<Function>() {
        Some(f.clone())
    } else {
        return Err(input_error(format!(
            "onProgress must be a function, not a {}",
            type_name(&progress)
        )));
    };
    // JSON.stringify drops the function-valued onProgress.
    let text = JSON::stringify(options)?
        .as_string()
        .unwrap_or_else(|| "{}".into());
    let parsed = HostOptions::from_json(&text).map_err(core_error)?;
    Ok((parsed, progress))
}

// ------------------------------------------------------------------------------------------
// Bundle

/// A model bundle: the model with its feature schema (names, kinds, units, aliases), risk
/// tiers, training reference and metadata, as written by `churnlens bundle build`. A bare
/// model file is a bundle too (its schema then comes from the model).
#[wasm_bindgen]
pub struct Bundle {
    inner: churn_core::Bundle,
    model: OnceCell<Rc<churn_core::Model>>,
}

#[wasm_bindgen]
impl Bundle {
    /// Reads a bundle from its bytes (the content of the bundle file, or of a bare model).
    pub fn load(bytes: Bytes) -> Result<Bundle, JsValue> {
        let bytes = bytes_of(&bytes.into(), "Bundle.load's argument")?;
        churn_core::Bundle::from_bytes(&bytes)
            .map(|inner| Bundle {
                inner,
                model: OnceCell::new(),
            })
            .map_err(core_error)
    }

    /// The bundle's name.
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.inner.metadata.name.clone()
    }

    /// The bundle's version.
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> String {
        self.inner.metadata.version.clone()
    }

    /// SHA-256 of the bundle file (of the model file for a bare model).
    #[wasm_bindgen(getter, js_name = contentHash)]
    pub fn content_hash(&self) -> String {
        self.inner.metadata.content_hash.clone()
    }

    /// The model inputs, in model column order (the columns of `validate().features`).
    #[wasm_bindgen(getter, js_name = featureNames)]
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
    #[wasm_bindgen(getter, unchecked_return_type = "SchemaFeature[]")]
    pub fn inputs(&self) -> Result<JsValue, JsValue> {
        let inputs: Vec<_> = self.inner.schema().inputs().collect();
        to_js(&inputs)
    }

    /// Every schema feature (the inputs, the customer id and the churn label), in schema order.
    #[wasm_bindgen(getter, unchecked_return_type = "SchemaFeature[]")]
    pub fn schema(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.schema().features)
    }

    /// The risk tiers scoring uses (the bundle's, or the defaults low / medium / high), lowest
    /// first.
    #[wasm_bindgen(getter, unchecked_return_type = "Tier[]")]
    pub fn tiers(&self) -> Result<JsValue, JsValue> {
        to_js(&churn_core::risk::tiers_of(&self.inner).tiers)
    }

    /// Name, version, created, description, source, metrics and content_hash.
    #[wasm_bindgen(getter, unchecked_return_type = "BundleMetadata")]
    pub fn metadata(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.metadata)
    }

    /// The embedded model.
    #[wasm_bindgen(getter)]
    pub fn model(&self) -> Result<Model, JsValue> {
        if let Some(m) = self.model.get() {
            return Ok(Model {
                inner: Rc::clone(m),
            });
        }
        // The core's Model is not Clone: parse the embedded bytes again (once; they were
        // validated when the bundle loaded).
        let m =
            Rc::new(churn_core::Model::from_bytes(self.inner.model_bytes()).map_err(core_error)?);
        let m = Rc::clone(self.model.get_or_init(|| m));
        Ok(Model { inner: m })
    }

    /// The schema as JSON text (what `mapColumns` reads from a `Bundle` argument).
    #[wasm_bindgen(js_name = schemaJson)]
    pub fn schema_json(&self) -> String {
        self.inner.schema().to_json()
    }
}

/// The schema a `Bundle | string[]` argument stands for. wasm-bindgen cannot borrow a Rust
/// struct out of an untyped `JsValue`, so a bundle is recognised by its `schemaJson` method.
fn schema_of(target: &JsValue) -> Result<churn_core::Schema, JsValue> {
    if Array::is_array(target) {
        let names: Vec<String> = Array::from(target)
            .iter()
            .map(|v| {
                v.as_string()
                    .ok_or_else(|| input_error("feature names must be strings"))
            })
            .collect::<Result<_, _>>()?;
        return Ok(churn_core::Schema::from_names(&names));
    }
    if target.is_object() && !target.is_null() {
        let method = Reflect::get(target, &JsValue::from_str("schemaJson"))?;
        if let Some(f) = method.dyn_ref::<Function>() {
            let text = f.call0(target)?.as_string().unwrap_or_default();
            return churn_core::Schema::from_json(&text).map_err(core_error);
        }
    }
    Err(input_error(format!(
        "expected a Bundle or an array of feature names, not a {}",
        type_name(target)
    )))
}

// ------------------------------------------------------------------------------------------
// Mapping, validation, quality

/// Maps a table's headers to a bundle's features (or to plain feature names).
///
/// `headersOrCsv` is the header names, or the CSV file's bytes (then its first 500 rows are
/// value evidence too). Options: `overrides` (`{feature: header | null}`, they win) and
/// `threshold` (0..1, default 0.8: below it a match is refused; unmapped beats wrong).
#[wasm_bindgen(js_name = mapColumns, unchecked_return_type = "ColumnMapping")]
pub fn map_columns(
    #[wasm_bindgen(js_name = headersOrCsv)] headers_or_csv: HeadersOrCsv,
    #[wasm_bindgen(js_name = bundleOrFeatureNames)] bundle_or_feature_names: BundleOrNames,
    options: Option<MapOptionsArg>,
) -> Result<JsValue, JsValue> {
    let options = options.map(JsValue::from).unwrap_or(JsValue::UNDEFINED);
    let (options, _) = host_options(&options)?;
    let schema = schema_of(&bundle_or_feature_names.into())?;
    let source: JsValue = headers_or_csv.into();
    let mapping = if Array::is_array(&source) {
        let headers: Vec<String> = Array::from(&source)
            .iter()
            .map(|v| {
                v.as_string()
                    .ok_or_else(|| input_error("headers must be strings"))
            })
            .collect::<Result<_, _>>()?;
        options.map_options().and_then(|o| {
            churn_core::map_columns_with(&headers, &schema, None, options.overrides().as_ref(), &o)
        })
    } else {
        let bytes = bytes_of(&source, "mapColumns' first argument (headers or CSV bytes)")?;
        records::map_csv(&bytes, &schema, &options)
    }
    .map_err(core_error)?;
    to_js(&MappingView::from(&mapping))
}

fn set(obj: &Object, key: &str, value: &JsValue) -> Result<(), JsValue> {
    Reflect::set(obj, &JsValue::from_str(key), value).map(|_| ())
}

/// Validates and normalises every cell of a CSV export for a bundle: each row is accepted
/// (its model inputs in `features`, row-major, ready for `bundle.model.predict`) or rejected
/// with codes and reasons.
#[wasm_bindgen(unchecked_return_type = "Validation")]
pub fn validate(
    csv: Bytes,
    bundle: &Bundle,
    options: Option<IntakeOptionsArg>,
) -> Result<JsValue, JsValue> {
    let options = options.map(JsValue::from).unwrap_or(JsValue::UNDEFINED);
    let (options, _) = host_options(&options)?;
    let bytes = bytes_of(&csv.into(), "the CSV")?;
    let (v, lines) = records::validate_csv(&bytes, &bundle.inner, &options).map_err(core_error)?;
    let rejected = RejectedView::of_validated(&v, &lines);
    let obj = Object::new();
    let features: Vec<f64> = v.features.iter().copied().collect();
    set(
        &obj,
        "features",
        &Float64Array::from(features.as_slice()).into(),
    )?;
    set(&obj, "featureNames", &to_js(&bundle.feature_names())?)?;
    let rows: Vec<f64> = v.rows.iter().map(|&r| r as f64).collect();
    set(&obj, "rows", &Float64Array::from(rows.as_slice()).into())?;
    set(&obj, "customerIds", &to_js(&v.customer_ids)?)?;
    let labels: Vec<f64> = v.labels.iter().map(|l| l.unwrap_or(f64::NAN)).collect();
    set(
        &obj,
        "labels",
        &Float64Array::from(labels.as_slice()).into(),
    )?;
    set(&obj, "rejected", &to_js(&rejected)?)?;
    set(&obj, "issues", &to_js(&v.issues)?)?;
    set(&obj, "summary", &to_js(&v.summary)?)?;
    Ok(obj.into())
}

/// The data-quality report of a CSV export for a bundle (what `churnlens report` prints):
/// mapping confidence, missing features, per-column completeness, validity and drift, a 0..1
/// score with a grade, suggestions and the expected accuracy; `text` is the readable form.
#[wasm_bindgen(js_name = qualityReport, unchecked_return_type = "QualityReport")]
pub fn quality_report(
    csv: Bytes,
    bundle: &Bundle,
    options: Option<IntakeOptionsArg>,
) -> Result<JsValue, JsValue> {
    let options = options.map(JsValue::from).unwrap_or(JsValue::UNDEFINED);
    let (options, _) = host_options(&options)?;
    let bytes = bytes_of(&csv.into(), "the CSV")?;
    let summary = records::quality_csv(&bytes, &bundle.inner, &options).map_err(core_error)?;
    let report = to_js(&summary.quality)?;
    set(
        report.unchecked_ref(),
        "text",
        &JsValue::from_str(&summary.quality.to_text()),
    )?;
    Ok(report)
}

// ------------------------------------------------------------------------------------------
// Scoring

/// Scores a CSV export with a bundle: the whole pipeline of `churnlens score` (mapping,
/// validation, predictions, exact SHAP, risk tiers, reasons), with every result kept in a
/// `ScoredTable`. `onProgress` is called after each chunk; returning `false` stops the run
/// (the table then holds the rows read so far and `summary.stopped_early` is true).
#[wasm_bindgen(js_name = scoreCsv)]
pub fn score_csv(
    csv: Bytes,
    bundle: &Bundle,
    options: Option<ScoreOptionsArg>,
) -> Result<ScoredTable, JsValue> {
    let options = options.map(JsValue::from).unwrap_or(JsValue::UNDEFINED);
    let (options, callback) = host_options(&options)?;
    let bytes = bytes_of(&csv.into(), "the CSV")?;
    records::check_text(&bytes).map_err(core_error)?;
    let pipeline = Pipeline::new(
        &bundle.inner,
        options.pipeline_options().map_err(core_error)?,
    )
    .map_err(core_error)?;
    let collect = CollectOptions {
        cells: options.cells.unwrap_or(false),
    };
    let total = bytes.len();
    let mut thrown: Option<JsValue> = None;
    let mut on_progress = |p: &Progress| -> Flow {
        let Some(f) = &callback else {
            return Flow::Continue;
        };
        let call = || -> Result<Flow, JsValue> {
            let arg = Object::new();
            set(&arg, "rowsRead", &JsValue::from_f64(p.rows_read as f64))?;
            set(&arg, "bytesRead", &JsValue::from_f64(p.bytes_read as f64))?;
            set(&arg, "totalBytes", &JsValue::from_f64(total as f64))?;
            let ret = f.call1(&JsValue::UNDEFINED, &arg)?;
            Ok(if ret.as_bool() == Some(false) {
                Flow::Stop
            } else {
                Flow::Continue
            })
        };
        call().unwrap_or_else(|e| {
            thrown = Some(e);
            Flow::Stop
        })
    };
    let result = pipeline.score_table(bytes.as_slice(), &collect, &mut on_progress);
    if let Some(e) = thrown {
        return Err(e);
    }
    Ok(ScoredTable {
        inner: result.map_err(core_error)?,
    })
}

// ------------------------------------------------------------------------------------------
// ScoredTable

/// The results of `scoreCsv`, kept in wasm memory: per scored row its row and line number,
/// customer id, churn probability, risk tier, model inputs and SHAP values, plus the rejected
/// rows and the run's summary. Row `i` is the same row in every column; accessors copy out.
/// Call `free()` to release the memory early.
#[wasm_bindgen]
pub struct ScoredTable {
    inner: churn_core::ScoredTable,
}

impl ScoredTable {
    fn check(&self, i: u32) -> Result<usize, JsValue> {
        let i = i as usize;
        if i >= self.inner.len() {
            return Err(input_error(format!(
                "row index {i} is out of range: the table has {} scored rows",
                self.inner.len()
            )));
        }
        Ok(i)
    }

    fn selection(indices: Option<Uint32Array>) -> Option<Vec<usize>> {
        indices.map(|ix| ix.to_vec().into_iter().map(|i| i as usize).collect())
    }
}

#[wasm_bindgen]
impl ScoredTable {
    /// The run's summary: the core's `RunSummary` (rows_read, rows_scored, rows_rejected,
    /// mapping, validation, issues, quality, tiers, base_probability, mean_probability,
    /// labelled, timings, ...), snake_case as in `churnlens score --json`.
    #[wasm_bindgen(getter, unchecked_return_type = "RunSummary")]
    pub fn summary(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.summary)
    }

    /// Scored rows.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> u32 {
        self.inner.len() as u32
    }

    /// Header row of the input.
    #[wasm_bindgen(getter)]
    pub fn headers(&self) -> Vec<String> {
        self.inner.headers.clone()
    }

    /// The model inputs (the columns of `features()`; `shap()` has one more, the bias).
    #[wasm_bindgen(getter, js_name = featureNames)]
    pub fn feature_names(&self) -> Vec<String> {
        self.inner.feature_names.clone()
    }

    /// Tier names, lowest risk first (`tiers()` indexes this).
    #[wasm_bindgen(getter, js_name = tierNames)]
    pub fn tier_names(&self) -> Vec<String> {
        self.inner.tier_names.clone()
    }

    /// Whether the input has a mapped churn label (`labels()` is then filled).
    #[wasm_bindgen(getter)]
    pub fn labelled(&self) -> bool {
        self.inner.labelled
    }

    /// 1-based data-row number of each scored row.
    pub fn rows(&self) -> Vec<f64> {
        self.inner.rows.iter().map(|&r| r as f64).collect()
    }

    /// Line where each scored row starts in the file.
    pub fn lines(&self) -> Vec<f64> {
        self.inner.lines.iter().map(|&r| r as f64).collect()
    }

    /// Customer id of each scored row (`null` when the input has none).
    #[wasm_bindgen(js_name = customerIds, unchecked_return_type = "Array<string | null>")]
    pub fn customer_ids(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.customer_ids)
    }

    /// Churn label of each scored row: 1 churned, 0 stayed, `NaN` unknown or unlabelled input.
    pub fn labels(&self) -> Vec<f64> {
        self.inner
            .labels
            .iter()
            .map(|l| l.unwrap_or(f64::NAN))
            .collect()
    }

    /// Churn probability of each scored row.
    pub fn probabilities(&self) -> Vec<f64> {
        self.inner.probabilities.clone()
    }

    /// Risk tier of each scored row, as an index into `tierNames`.
    pub fn tiers(&self) -> Vec<u8> {
        self.inner
            .tiers
            .iter()
            .map(|&t| u8::try_from(t).unwrap_or(u8::MAX))
            .collect()
    }

    /// Model inputs, `length x featureNames.length`, row-major (`NaN` = missing).
    pub fn features(&self) -> Vec<f64> {
        self.inner.features.iter().copied().collect()
    }

    /// Exact SHAP values in log-odds, `length x (featureNames.length + 1)`, row-major; the last
    /// value of each row is the bias, and each row sums to the row's margin.
    pub fn shap(&self) -> Vec<f64> {
        self.inner.shap.iter().copied().collect()
    }

    /// The original cells of scored row `i` (in `headers` order), or `null` when the run did
    /// not keep them (`cells: true`).
    #[wasm_bindgen(unchecked_return_type = "string[] | null")]
    pub fn cells(&self, i: u32) -> Result<JsValue, JsValue> {
        let i = self.check(i)?;
        // null, not undefined, when not kept: the same value as the Node package.
        to_js(&self.inner.cells.as_ref().and_then(|c| c.get(i)))
    }

    /// Why scored row `i` has its probability: the top `topK` reasons raising and lowering it
    /// (every contributing feature with `full`), with probability points and sentences.
    #[wasm_bindgen(unchecked_return_type = "Explanation")]
    pub fn explanation(&self, i: u32, full: Option<bool>) -> Result<JsValue, JsValue> {
        let i = self.check(i)?;
        let e = if full.unwrap_or(false) {
            self.inner.full_explanation(i)
        } else {
            self.inner.explanation(i)
        };
        match e {
            Some(e) => to_js(&e),
            None => Err(input_error(format!("row {i} has no explanation"))),
        }
    }

    /// One line per scored row: its reasons as sentences (`; `-separated).
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
    #[wasm_bindgen(unchecked_return_type = "RejectedRow[]")]
    pub fn rejected(&self) -> Result<JsValue, JsValue> {
        let rows = RejectedView::of_scored(&self.inner);
        to_js(&rows)
    }

    /// The scored rows as CSV bytes (UTF-8), all of them or those at `indices` in that order:
    /// the same columns and bytes as `churnlens score` writes, formula-like cells neutralised.
    #[wasm_bindgen(js_name = toCsv)]
    pub fn to_csv(&self, indices: Option<Uint32Array>) -> Result<Vec<u8>, JsValue> {
        let selection = Self::selection(indices);
        let mut out = Vec::new();
        self.inner
            .write_csv(&mut out, selection.as_deref())
            .map_err(core_error)?;
        Ok(out)
    }

    /// The rejected rows as CSV bytes (codes, reasons, then the original cells when kept).
    #[wasm_bindgen(js_name = rejectsCsv)]
    pub fn rejects_csv(&self) -> Result<Vec<u8>, JsValue> {
        let mut out = Vec::new();
        self.inner.write_rejects_csv(&mut out).map_err(core_error)?;
        Ok(out)
    }

    /// The scored rows as an Excel workbook (`.xlsx` bytes), all or those at `indices`.
    #[wasm_bindgen(js_name = toXlsx)]
    pub fn to_xlsx(&self, indices: Option<Uint32Array>) -> Result<Vec<u8>, JsValue> {
        let selection = Self::selection(indices);
        self.inner.to_xlsx(selection.as_deref()).map_err(core_error)
    }
}
