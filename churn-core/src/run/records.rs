//! Host data in and out: what every language binding needs besides its own type conversion.
//!
//! The Node and WASM packages (and any other host) receive rows as a flat row-major buffer or
//! as records (`{feature: value}` objects), customer exports as raw bytes, and options as plain
//! objects; they return flat arrays and plain objects. Everything about those shapes that is not
//! the host's own value conversion lives here, once, so that every binding checks the same
//! things with the same messages and returns the same shapes:
//!
//! - [`Output`], [`row_count`], [`compute`]: a flat buffer in, a flat row-major result out;
//! - [`RecordsBuilder`], [`RecordValue`]: records to a matrix (the host walks its objects and
//!   hands over each key and value);
//! - [`HostOptions`]: the options object of `validate`, `qualityReport` and `scoreCsv`, as
//!   the hosts spell it (camelCase), checked and turned into the core's options;
//! - [`check_text`], [`read_table`], [`validate_csv`], [`quality_csv`]: customer exports as
//!   bytes;
//! - [`MappingView`]: the plain-object form of a [`Mapping`].
//!
//! ```
//! use churn_core::records::{compute, Output};
//! let model = churn_core::Model::load("../tests/fixtures/xgb_binary/model.json")?;
//! let x = vec![f64::NAN; 2 * model.num_features()];
//! let p = compute(&model, Output::Probability, &x, None)?;   // rows inferred: 2
//! assert_eq!(p.len(), 2);
//! # Ok::<(), churn_core::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use ndarray::{ArrayBase, ArrayView2, Dimension, OwnedRepr};
use serde::{Deserialize, Serialize};

use crate::engine::predict::FeatureValue;
use crate::error::{Error, Result};
use crate::intake::mapping::{map_columns, FeatureMatch, MapOptions, Mapping, Overrides};
use crate::intake::normalize::parse_date;
use crate::intake::schema::Schema;
use crate::intake::validate::{validate, ValidateOptions, Validated};
use crate::run::pipeline::{
    Chunk, ChunkReader, Pipeline, PipelineOptions, ReadOptions, RunSummary,
};
use crate::{Bundle, Model};

/// Rows of the start of a table the mapper looks at (the pipeline's default).
///
/// ```
/// assert_eq!(churn_core::records::SAMPLE_ROWS, churn_core::PipelineOptions::default().sample_rows);
/// ```
pub const SAMPLE_ROWS: usize = 500;

// ------------------------------------------------------------------------------------------
// Flat buffers

/// What to compute from a matrix of rows.
///
/// ```
/// use churn_core::records::Output;
/// assert_eq!(Output::parse_prediction(None)?, Output::Probability);
/// assert_eq!(Output::parse_prediction(Some("margin"))?, Output::Margin);
/// assert!(Output::parse_prediction(Some("logit")).is_err());
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// `Model::predict`: rows x outputs.
    Probability,
    /// `Model::predict_margin`: rows x outputs.
    Margin,
    /// `Model::shap_values`: rows x outputs x (features + 1).
    Shap,
    /// `Model::shap_interaction_values`: rows x outputs x (features + 1)^2.
    Interactions,
}

impl Output {
    /// The `output` option of `predict`: `"probability"` (the default) or `"margin"`.
    ///
    /// ```
    /// use churn_core::records::Output;
    /// let e = Output::parse_prediction(Some("odds")).unwrap_err();
    /// assert!(e.to_string().contains("\"probability\" or \"margin\""));
    /// ```
    pub fn parse_prediction(name: Option<&str>) -> Result<Output> {
        match name {
            None | Some("probability") => Ok(Output::Probability),
            Some("margin") => Ok(Output::Margin),
            Some(other) => Err(Error::input(format!(
                "output must be \"probability\" or \"margin\", not {other:?}"
            ))),
        }
    }
}

/// The number of rows of a flat row-major buffer of `len` numbers for `model`, checked
/// against `rows` when the caller gives it.
///
/// ```
/// use churn_core::records::row_count;
/// let model = churn_core::Model::load("../tests/fixtures/xgb_binary/model.json")?; // 8 features
/// assert_eq!(row_count(&model, 16, None)?, 2);
/// assert_eq!(row_count(&model, 16, Some(2))?, 2);
/// assert!(row_count(&model, 9, None).is_err());
/// assert!(row_count(&model, 16, Some(3)).is_err());
/// # Ok::<(), churn_core::Error>(())
/// ```
pub fn row_count(model: &Model, len: usize, rows: Option<usize>) -> Result<usize> {
    let f = model.num_features();
    match rows {
        Some(r) => {
            if r.checked_mul(f) != Some(len) {
                return Err(Error::input(format!(
                    "the data has {len} values but {r} rows x {f} features need {}",
                    r.saturating_mul(f)
                )));
            }
            Ok(r)
        }
        None if f == 0 => Err(Error::input(
            "the model has no features: pass the number of rows",
        )),
        None => {
            if !len.is_multiple_of(f) {
                return Err(Error::input(format!(
                    "the data has {len} values, not a multiple of the model's {f} features"
                )));
            }
            Ok(len / f)
        }
    }
}

/// A flat row-major buffer as a `rows x features` view (see [`row_count`]).
///
/// ```
/// let model = churn_core::Model::load("../tests/fixtures/xgb_binary/model.json")?;
/// let x = vec![0.5f32; 24];
/// assert_eq!(churn_core::records::matrix_view(&model, &x, None)?.dim(), (3, 8));
/// # Ok::<(), churn_core::Error>(())
/// ```
pub fn matrix_view<'a, T>(
    model: &Model,
    data: &'a [T],
    rows: Option<usize>,
) -> Result<ArrayView2<'a, T>> {
    let n = row_count(model, data.len(), rows)?;
    ArrayView2::from_shape((n, model.num_features()), data).map_err(|e| Error::input(e.to_string()))
}

/// Computes `output` for a flat row-major buffer (`NaN` = missing) and returns the result
/// flat and row-major, the form typed arrays take.
///
/// ```
/// use churn_core::records::{compute, Output};
/// let model = churn_core::Model::load("../tests/fixtures/lgb_multiclass/model.txt")?;
/// let f = model.num_features();
/// let x = vec![1.0; 2 * f];
/// let phi = compute(&model, Output::Shap, &x, Some(2))?;
/// assert_eq!(phi.len(), 2 * model.num_outputs() * (f + 1));
/// # Ok::<(), churn_core::Error>(())
/// ```
pub fn compute<T: FeatureValue>(
    model: &Model,
    output: Output,
    data: &[T],
    rows: Option<usize>,
) -> Result<Vec<f64>> {
    fn flat<D: Dimension>(a: ArrayBase<OwnedRepr<f64>, D>) -> Vec<f64> {
        // Arrays the core builds are in standard layout; `into_raw_vec` would otherwise hand
        // out memory order, so re-lay them out when they are not.
        if a.is_standard_layout() {
            a.into_raw_vec_and_offset().0
        } else {
            a.iter().copied().collect()
        }
    }
    let x = matrix_view(model, data, rows)?;
    Ok(match output {
        Output::Probability => flat(model.predict(x)?),
        Output::Margin => flat(model.predict_margin(x)?),
        Output::Shap => flat(model.shap_values(x)?),
        Output::Interactions => flat(model.shap_interaction_values(x)?),
    })
}

// ------------------------------------------------------------------------------------------
// Records

/// One value of a record, as the host sees it.
///
/// ```
/// use churn_core::records::RecordValue;
/// assert_ne!(RecordValue::Number(1.0), RecordValue::Bool(true));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RecordValue<'a> {
    /// A number (`NaN` = missing).
    Number(f64),
    /// A boolean: 1 or 0.
    Bool(bool),
    /// `null`, `undefined`, `None`: a missing value.
    Missing,
    /// Anything else, named by the host's type name (`"string"`, `"object"`...): an error.
    Other(&'a str),
}

/// Builds a row-major matrix from records (`{feature: value}` objects), in the model's
/// feature order.
///
/// A key that is not a feature of the model is an error (it is usually a typo); an absent key,
/// a missing value and `NaN` are missing values; booleans are 1 and 0; any other value (a
/// string, an object) is an error naming the record and the feature.
///
/// ```
/// use churn_core::records::{RecordValue, RecordsBuilder};
/// let names = vec!["tenure".to_string(), "seats".to_string()];
/// let mut b = RecordsBuilder::new(&names);
/// b.begin_record();
/// b.set("seats", RecordValue::Number(3.0))?;
/// b.begin_record();
/// b.set("tenure", RecordValue::Bool(true))?;
/// assert!(b.set("tenuer", RecordValue::Number(1.0)).is_err());
/// let (x, rows) = b.finish(None)?;
/// assert_eq!(rows, 2);
/// assert!(x[0].is_nan() && x[1] == 3.0 && x[2] == 1.0 && x[3].is_nan());
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Debug)]
pub struct RecordsBuilder<'a> {
    names: &'a [String],
    index: HashMap<&'a str, usize>,
    values: Vec<f64>,
    rows: usize,
}

impl<'a> RecordsBuilder<'a> {
    /// A builder for these feature names (a model's `feature_names()`).
    ///
    /// ```
    /// let names = vec!["a".to_string()];
    /// let (x, n) = churn_core::records::RecordsBuilder::new(&names).finish(None)?;
    /// assert_eq!((x.len(), n), (0, 0));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn new(names: &'a [String]) -> RecordsBuilder<'a> {
        RecordsBuilder {
            names,
            index: names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.as_str(), i))
                .collect(),
            values: Vec::new(),
            rows: 0,
        }
    }

    /// Starts the next record (all its features missing until set).
    ///
    /// ```
    /// let names = vec!["a".to_string()];
    /// let mut b = churn_core::records::RecordsBuilder::new(&names);
    /// b.begin_record();
    /// assert!(b.finish(Some(1))?.0[0].is_nan());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn begin_record(&mut self) {
        self.values
            .extend(std::iter::repeat_n(f64::NAN, self.names.len()));
        self.rows += 1;
    }

    /// Sets `key` of the current record.
    ///
    /// ```
    /// use churn_core::records::{RecordValue, RecordsBuilder};
    /// let names = vec!["a".to_string()];
    /// let mut b = RecordsBuilder::new(&names);
    /// b.begin_record();
    /// let e = b.set("a", RecordValue::Other("string")).unwrap_err();
    /// assert!(e.to_string().contains("record 0, feature \"a\": expected a number, boolean or null, got a string"));
    /// ```
    pub fn set(&mut self, key: &str, value: RecordValue<'_>) -> Result<()> {
        let r = self.rows.saturating_sub(1);
        let Some(&j) = self.index.get(key) else {
            return Err(Error::input(format!(
                "record {r} has the key {key:?}, which is not a feature of the model \
                 (features: {})",
                preview(self.names)
            )));
        };
        let v = match value {
            RecordValue::Number(v) => v,
            RecordValue::Bool(b) => f64::from(u8::from(b)),
            RecordValue::Missing => f64::NAN,
            RecordValue::Other(kind) => {
                return Err(Error::input(format!(
                    "record {r}, feature {key:?}: expected a number, boolean or null, got a {kind}"
                )))
            }
        };
        if self.rows == 0 {
            self.begin_record();
        }
        let f = self.names.len();
        self.values[(self.rows - 1) * f + j] = v;
        Ok(())
    }

    /// The error for a record that is not an object (a host-side check).
    ///
    /// ```
    /// let names: Vec<String> = Vec::new();
    /// let e = churn_core::records::RecordsBuilder::new(&names).not_a_record(4);
    /// assert_eq!(e.to_string(), "invalid input: record 4 is not an object");
    /// ```
    pub fn not_a_record(&self, index: usize) -> Error {
        Error::input(format!("record {index} is not an object"))
    }

    /// The matrix (row-major, `rows x features`) and its row count, checked against `rows`
    /// when the caller gives it.
    ///
    /// ```
    /// let names = vec!["a".to_string()];
    /// let mut b = churn_core::records::RecordsBuilder::new(&names);
    /// b.begin_record();
    /// assert!(b.finish(Some(2)).is_err()); // 1 record, 2 rows announced
    /// ```
    pub fn finish(self, rows: Option<usize>) -> Result<(Vec<f64>, usize)> {
        match rows {
            Some(r) if r != self.rows => Err(Error::input(format!(
                "rows is {r} but {} records were given",
                self.rows
            ))),
            _ => Ok((self.values, self.rows)),
        }
    }
}

/// The first names of a list, for messages.
fn preview(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(8).map(String::as_str).collect();
    if names.len() > shown.len() {
        format!("{}, ... ({} in all)", shown.join(", "), names.len())
    } else {
        shown.join(", ")
    }
}

// ------------------------------------------------------------------------------------------
// Options

/// The options object of the hosts' `validate`, `qualityReport` and `scoreCsv` (and `threshold`
/// of `mapColumns`), with the hosts' camelCase names. Unknown keys are an error in hosts that
/// deserialize it (a misspelt option silently ignored would give wrong results).
///
/// ```
/// let o: churn_core::records::HostOptions =
///     serde_json::from_str(r#"{"overrides": {"tenure": "Months"}, "topK": 5, "asOf": "2024-06-30"}"#).unwrap();
/// let p = o.pipeline_options()?;
/// assert_eq!(p.top_k, 5);
/// assert_eq!(p.overrides.unwrap().columns["tenure"].as_deref(), Some("Months"));
/// assert!(serde_json::from_str::<churn_core::records::HostOptions>(r#"{"topk": 5}"#).is_err());
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HostOptions {
    /// Mapping decisions that win over the mapper: `{feature: header}`, or `{feature: null}`
    /// to keep a feature unmapped.
    #[serde(default)]
    pub overrides: Option<BTreeMap<String, Option<String>>>,
    /// Confidence (0..1) below which the mapper refuses a match (default 0.80).
    #[serde(default)]
    pub threshold: Option<f64>,
    /// The as-of date (`YYYY-MM-DD`, or any date the normaliser reads) for date-derived
    /// features.
    #[serde(default)]
    pub as_of: Option<String>,
    /// Issues listed at most (the rest are counted).
    #[serde(default)]
    pub max_issues: Option<usize>,
    /// Reasons per direction per customer (default 3).
    #[serde(default)]
    pub top_k: Option<usize>,
    /// Keep each row's original cells (`scoreCsv`).
    #[serde(default)]
    pub cells: Option<bool>,
    /// Rows per chunk (default 8,192; progress is reported once per chunk).
    #[serde(default)]
    pub chunk_rows: Option<usize>,
}

impl HostOptions {
    /// Parses the options object's JSON (`JSON.stringify` of the host's object); a misspelt or
    /// mistyped option is an [`Error::Input`] naming it.
    ///
    /// ```
    /// use churn_core::records::HostOptions;
    /// assert_eq!(HostOptions::from_json("{\"cells\": true}")?.cells, Some(true));
    /// let e = HostOptions::from_json("{\"topk\": 5}").unwrap_err();
    /// assert!(e.to_string().contains("unknown field `topk`"));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<HostOptions> {
        serde_json::from_str(text).map_err(|e| Error::input(format!("options: {e}")))
    }

    /// The overrides, if any.
    ///
    /// ```
    /// let o = churn_core::records::HostOptions::default();
    /// assert!(o.overrides().is_none());
    /// ```
    pub fn overrides(&self) -> Option<Overrides> {
        self.overrides
            .as_ref()
            .map(|c| Overrides { columns: c.clone() })
    }

    /// The mapper's options (the threshold checked to be within 0..1).
    ///
    /// ```
    /// let o = churn_core::records::HostOptions { threshold: Some(1.5), ..Default::default() };
    /// assert!(o.map_options().is_err());
    /// ```
    pub fn map_options(&self) -> Result<MapOptions> {
        let mut options = MapOptions::default();
        if let Some(t) = self.threshold {
            if !(0.0..=1.0).contains(&t) {
                return Err(Error::input(format!(
                    "threshold must be within 0..1, got {t}"
                )));
            }
            options.threshold = t;
        }
        Ok(options)
    }

    /// The validator's options (as-of date, issue cap).
    ///
    /// ```
    /// let o = churn_core::records::HostOptions { as_of: Some("June".into()), ..Default::default() };
    /// assert!(o.validate_options().unwrap_err().to_string().contains("asOf must be a date"));
    /// ```
    pub fn validate_options(&self) -> Result<ValidateOptions> {
        let mut options = ValidateOptions::default();
        options.normalize.as_of = self.as_of()?;
        if let Some(n) = self.max_issues {
            options.max_issues = n;
        }
        Ok(options)
    }

    fn as_of(&self) -> Result<Option<crate::intake::normalize::Date>> {
        self.as_of
            .as_deref()
            .map(|text| {
                parse_date(text).ok_or_else(|| {
                    Error::input(format!(
                        "asOf must be a date (e.g. \"2024-06-30\"), got {text:?}"
                    ))
                })
            })
            .transpose()
    }

    /// The pipeline's options (overrides, as-of date, reasons, chunk size, issue cap).
    ///
    /// ```
    /// let o = churn_core::records::HostOptions { chunk_rows: Some(0), ..Default::default() };
    /// assert!(o.pipeline_options().is_err());
    /// ```
    pub fn pipeline_options(&self) -> Result<PipelineOptions> {
        let mut options = PipelineOptions {
            overrides: self.overrides(),
            ..PipelineOptions::default()
        };
        options.normalize.as_of = self.as_of()?;
        if let Some(k) = self.top_k {
            options.top_k = k;
        }
        if let Some(n) = self.chunk_rows {
            if n == 0 {
                return Err(Error::input("chunkRows must be at least 1"));
            }
            options.chunk_rows = n;
        }
        if let Some(n) = self.max_issues {
            options.max_issues = n;
        }
        Ok(options)
    }
}

// ------------------------------------------------------------------------------------------
// Customer exports as bytes

pub use crate::run::read::check_text;

/// A whole delimited input read into one table (encoding and delimiter sniffed as the
/// pipeline does), with the line each row starts on.
///
/// ```
/// let t = churn_core::records::read_table(&b"id;plan\n1;\"a\nb\"\n2;pro\n"[..], None)?;
/// assert_eq!(t.table.headers, ["id", "plan"]);
/// assert_eq!(t.lines, [2, 4]);
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct CsvTable {
    /// The header and every row (or the first `max_rows`).
    pub table: crate::Table,
    /// Line where each row starts.
    pub lines: Vec<u64>,
}

/// Reads a delimited input (at most `max_rows` rows when given) into a [`CsvTable`].
///
/// ```
/// let t = churn_core::records::read_table(&b"a\n1\n2\n3\n"[..], Some(2))?;
/// assert_eq!(t.table.num_rows(), 2);
/// assert!(churn_core::records::read_table(&b""[..], None).is_err());
/// # Ok::<(), churn_core::Error>(())
/// ```
pub fn read_table<R: Read>(input: R, max_rows: Option<usize>) -> Result<CsvTable> {
    let chunk_rows = max_rows.unwrap_or(usize::MAX).max(1);
    let mut reader = ChunkReader::new(
        input,
        &ReadOptions {
            chunk_rows,
            ..ReadOptions::default()
        },
    )?;
    let headers = reader.headers().to_vec();
    Ok(match reader.next_chunk()? {
        Some(Chunk { table, lines, .. }) => CsvTable { table, lines },
        None => CsvTable {
            table: crate::Table::new(headers, Vec::new()),
            lines: Vec::new(),
        },
    })
}

/// The error of an input where no model input has a column (the pipeline's check).
fn check_mapped(mapping: &Mapping, schema: &Schema) -> Result<()> {
    let inputs = schema.num_inputs();
    let mapped = schema
        .inputs()
        .filter(|f| mapping.column_of(&f.name).is_some())
        .count();
    if inputs > 0 && mapped == 0 {
        return Err(Error::input(format!(
            "none of the model's {inputs} input features matches a column of the input \
             (its header: {}); check the file, or map columns with overrides",
            preview(&mapping.headers)
        )));
    }
    Ok(())
}

/// Maps the headers of a delimited input (with its first [`SAMPLE_ROWS`] rows as value
/// evidence) to a schema's features.
///
/// ```
/// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let csv = std::fs::read("../examples/demo/customers_export.csv").unwrap();
/// let m = churn_core::records::map_csv(&csv, b.schema(), &Default::default())?;
/// assert!(m.header_of("tenure").is_some());
/// # Ok::<(), churn_core::Error>(())
/// ```
pub fn map_csv(bytes: &[u8], schema: &Schema, options: &HostOptions) -> Result<Mapping> {
    let sample = read_table(bytes, Some(SAMPLE_ROWS))?;
    crate::intake::mapping::map_columns_with(
        &sample.table.headers,
        schema,
        Some(sample.table.sample(SAMPLE_ROWS)),
        options.overrides().as_ref(),
        &options.map_options()?,
    )
}

/// Validates a whole delimited input for a bundle: maps its header (first [`SAMPLE_ROWS`]
/// rows as evidence, overrides applied), then checks and normalises every cell. The result's
/// `features` feed `Model::predict` directly. An input where no model input has a column is an
/// [`Error::Input`], as in the pipeline.
///
/// ```
/// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let csv = std::fs::read("../examples/demo/customers_export.csv").unwrap();
/// let (v, lines) = churn_core::records::validate_csv(&csv, &b, &Default::default())?;
/// assert_eq!(v.features.nrows() + v.rejected.len(), lines.len());
/// assert!(churn_core::records::validate_csv(b"x,y\n1,2\n", &b, &Default::default()).is_err());
/// # Ok::<(), churn_core::Error>(())
/// ```
pub fn validate_csv(
    bytes: &[u8],
    bundle: &Bundle,
    options: &HostOptions,
) -> Result<(Validated, Vec<u64>)> {
    let validate_options = options.validate_options()?;
    let all = read_table(bytes, None)?;
    let schema = bundle.schema();
    let mapping = map_columns(
        &all.table.headers,
        schema,
        Some(all.table.sample(SAMPLE_ROWS)),
        options.overrides().as_ref(),
    )?;
    check_mapped(&mapping, schema)?;
    Ok((
        validate(&all.table, &mapping, schema, &validate_options),
        all.lines,
    ))
}

/// The data-quality run of a delimited input (no scoring): the pipeline's `report`, with the
/// options applied. The report is `summary.quality`.
///
/// ```
/// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let csv = std::fs::read("../examples/demo/customers_export.csv").unwrap();
/// let s = churn_core::records::quality_csv(&csv, &b, &Default::default())?;
/// assert!(s.quality.score > 0.0 && s.quality.rows == s.rows_read);
/// # Ok::<(), churn_core::Error>(())
/// ```
pub fn quality_csv(bytes: &[u8], bundle: &Bundle, options: &HostOptions) -> Result<RunSummary> {
    Pipeline::new(bundle, options.pipeline_options()?)?.report(bytes)
}

// ------------------------------------------------------------------------------------------
// Results as plain objects

/// A [`Mapping`] as the hosts return it from `mapColumns`: the decisions in the forms a UI
/// needs (the same content as the Python `Mapping`'s properties).
///
/// ```
/// let s = churn_core::Schema::from_names(&["tenure", "seats"]);
/// let m = churn_core::map_columns(&["Tenure", "Notes"], &s, None, None)?;
/// let v = churn_core::records::MappingView::from(&m);
/// assert_eq!(v.mapping["tenure"], "Tenure");
/// assert_eq!((v.unmapped.as_slice(), v.missing.as_slice()), (&["Notes".to_string()][..], &["seats".to_string()][..]));
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MappingView {
    /// `{feature: header}` of the mapped features.
    pub mapping: BTreeMap<String, String>,
    /// `{feature: confidence}` (0..1) of the mapped features.
    pub confidence: BTreeMap<String, f64>,
    /// `{feature: [[header, confidence], ...]}`: the other candidates, best first.
    pub alternatives: BTreeMap<String, Vec<(String, f64)>>,
    /// Headers no feature takes, in table order.
    pub unmapped: Vec<String>,
    /// Features without a column.
    pub missing: Vec<String>,
    /// Required features without a column.
    pub missing_required: Vec<String>,
    /// Features whose best two headers were close (mapped or refused): check them.
    pub ambiguous: Vec<String>,
    /// The table's headers, in order.
    pub headers: Vec<String>,
    /// The acceptance threshold used.
    pub threshold: f64,
    /// Every decision (feature, kind, required, concept, column, header, confidence, source,
    /// ambiguous, alternatives, note), in schema order.
    pub features: Vec<FeatureMatch>,
    /// The decisions as overrides (`{feature: header or null}`), to edit and pass back.
    pub overrides: BTreeMap<String, Option<String>>,
}

impl From<&Mapping> for MappingView {
    fn from(m: &Mapping) -> MappingView {
        let owned = |v: Vec<&str>| v.into_iter().map(str::to_string).collect();
        MappingView {
            mapping: m.as_dict(),
            confidence: m.confidence(),
            alternatives: m.alternatives(),
            unmapped: owned(m.unmapped_headers()),
            missing: owned(m.missing()),
            missing_required: owned(m.missing_required()),
            ambiguous: owned(m.ambiguous()),
            headers: m.headers.clone(),
            threshold: m.threshold,
            features: m.features.clone(),
            overrides: m.to_overrides().columns,
        }
    }
}

/// A rejected row as the hosts return it (`customerId` in the hosts' spelling).
///
/// ```
/// let r = churn_core::records::RejectedView { row: 3, line: Some(4), customer_id: None,
///     codes: vec!["empty_row".into()], reasons: vec!["the row is empty".into()], cells: None };
/// let json = serde_json::to_string(&r).unwrap();
/// assert_eq!(json, r#"{"row":3,"line":4,"customerId":null,"codes":["empty_row"],"reasons":["the row is empty"]}"#);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RejectedView {
    /// 1-based data-row number.
    pub row: u64,
    /// Line where the row starts (when known).
    pub line: Option<u64>,
    /// The customer id, when the row has one.
    #[serde(rename = "customerId")]
    pub customer_id: Option<String>,
    /// Issue codes (`missing_required`, `duplicate_id`, ...).
    pub codes: Vec<String>,
    /// Readable reasons, one per problem.
    pub reasons: Vec<String>,
    /// The row's original cells, when kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cells: Option<Vec<String>>,
}

impl RejectedView {
    /// The view of a core [`RejectedRow`](crate::RejectedRow).
    ///
    /// ```
    /// let r = churn_core::RejectedRow { row: 2, customer_id: Some("A".into()),
    ///     codes: vec![churn_core::IssueCode::EmptyRow], reasons: vec!["empty".into()] };
    /// let v = churn_core::records::RejectedView::of(&r, Some(3), None);
    /// assert_eq!((v.row, v.line, v.codes[0].as_str()), (2, Some(3), "empty_row"));
    /// ```
    pub fn of(r: &crate::RejectedRow, line: Option<u64>, cells: Option<Vec<String>>) -> Self {
        RejectedView {
            row: r.row,
            line,
            customer_id: r.customer_id.clone(),
            codes: r.codes.iter().map(|c| c.as_str().to_string()).collect(),
            reasons: r.reasons.clone(),
            cells,
        }
    }

    /// The views of [`validate_csv`]'s rejected rows, with their lines.
    ///
    /// ```
    /// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let csv = std::fs::read("../examples/demo/customers_export.csv").unwrap();
    /// let (v, lines) = churn_core::records::validate_csv(&csv, &b, &Default::default())?;
    /// let views = churn_core::records::RejectedView::of_validated(&v, &lines);
    /// assert_eq!(views.len(), v.rejected.len());
    /// assert!(views.iter().all(|r| r.line.unwrap() > r.row));     // the header is line 1
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn of_validated(v: &Validated, lines: &[u64]) -> Vec<RejectedView> {
        // Row r (1-based) starts on lines[r - 1]: validate_csv reads every row of the input.
        v.rejected
            .iter()
            .map(|r| {
                let line = (r.row as usize)
                    .checked_sub(1)
                    .and_then(|k| lines.get(k))
                    .copied();
                RejectedView::of(r, line, None)
            })
            .collect()
    }

    /// The views of a scored table's rejected rows, with their lines and (when kept) cells.
    ///
    /// ```
    /// use churn_core::pipeline::{Flow, Pipeline};
    /// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let t = Pipeline::new(&b, Default::default())?.score_table(
    ///     &b"customerID,tenure\nA,\nB,5\n"[..], &churn_core::CollectOptions { cells: true }, &mut |_| Flow::Continue)?;
    /// let views = churn_core::records::RejectedView::of_scored(&t);
    /// assert_eq!((views[0].row, views[0].line), (1, Some(2)));
    /// assert_eq!(views[0].cells.as_deref(), Some(&["A".to_string(), String::new()][..]));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn of_scored(t: &crate::ScoredTable) -> Vec<RejectedView> {
        t.rejected
            .iter()
            .enumerate()
            .map(|(k, r)| {
                let cells = t.rejected_cells.as_ref().and_then(|c| c.get(k)).cloned();
                RejectedView::of(r, t.rejected_lines.get(k).copied(), cells)
            })
            .collect()
    }
}
