//! Building a bundle from a model file and its training data: the one workflow behind
//! `churnlens bundle build`, Python's `Bundle.build` and Node's `buildBundle`, so that the same
//! model, data, `created` and `seed` give the same bundle bytes in every runtime.
//!
//! # What a built bundle holds
//!
//! - **schema**: the model's own ([`Schema::from_model`]), or the one given, enriched by a
//!   schema file's text; when it names no churn label (identifier), the label column
//!   (default `Churn`) and the identifier column (default `customerID`) are added, so that the
//!   quality report and the prediction log find them in new tables.
//! - **reference**: [`ReferenceProfile::from_matrix`] of every training row, with `bins`
//!   quantile bins per numeric feature (at least 2; default 10).
//! - **sample**: up to `sample_rows` (default 500) labelled rows for the quality report's
//!   estimated-AUC check, drawn from the labelled rows of the holdout when one is given, else of
//!   the training data, by the sampling rule below; kept in file order.
//! - **tiers**: the ones given, else [`default_tiers`](crate::risk::default_tiers).
//! - **metadata**: name (default `model`), version (default `1.0.0`), created (default now,
//!   UTC), description, source, and the metrics below; metrics given by the caller are added
//!   and win over computed ones of the same name.
//!
//! # Sampling rule
//!
//! From the `n` labelled rows (in file order), `k = min(sample_rows, n)` are kept:
//!
//! - without a seed, **evenly spaced**: the `j`-th kept row is labelled row `j * n / k`
//!   (integer division), `j = 0..k`. Deterministic, and it spreads over the whole file.
//! - with a seed, a **seeded shuffle**: a partial Fisher-Yates shuffle of the labelled rows'
//!   positions `0..n`, where step `i = 0..k` swaps position `i` with `i + r % (n - i)`, `r`
//!   the next value of splitmix64 started at the seed (state `+= 0x9E3779B97F4A7C15`; then
//!   `z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27; z *= 0x94D049BB133111EB;
//!   z ^= z >> 31`, wrapping). The first `k` positions, sorted, are the rows kept. Any runtime
//!   can reproduce it from these lines; it is not numpy's generator.
//!
//! # Metrics
//!
//! | name            | value                                                              |
//! |-----------------|--------------------------------------------------------------------|
//! | `training_rows` | training rows profiled (rows that passed validation, for a CSV)    |
//! | `training_auc`  | in-sample ROC AUC over the labelled training rows (6 decimals)     |
//! | `holdout_rows`  | labelled holdout rows (only with a holdout)                        |
//! | `holdout_auc`   | ROC AUC over the labelled holdout rows (only with a holdout)       |
//!
//! An AUC is left out when the rows hold only one class.
//!
//! ```
//! use churn_core::bundle::{BundleBuilder, Training};
//! let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
//! let builder = BundleBuilder::new(bytes)?
//!     .name("churn")
//!     .created("2026-12-01T00:00:00Z")
//!     .sample_rows(3);
//! let n = builder.schema().num_inputs();
//! let x = ndarray::Array2::from_shape_fn((8, n), |(i, j)| (i * n + j) as f64 / 10.0);
//! let labels = (0..8).map(|i| Some((i % 2) as f64)).collect();
//! let built = builder.build(Training::new(x, labels))?;
//! assert_eq!(built.summary.sample_rows, 3);
//! assert_eq!(built.bundle.metadata.metrics["training_rows"], 8.0);
//! assert_eq!(built.bundle.schema().label().unwrap().name, "Churn");
//! # Ok::<(), churn_core::Error>(())
//! ```

use std::collections::BTreeMap;

use ndarray::{Array2, Axis};
use serde::Serialize;

use super::{Bundle, BundleMetadata, ReferenceProfile, ReferenceSample, RiskTiers};
use crate::error::{Error, Result};
use crate::intake::schema::{FeatureSpec, Schema, ValueKind};
use crate::model::{Model, Transform};
use crate::report::quality::auc;
use crate::report::risk::default_tiers;

/// The label column added to a schema that names none.
///
/// ```
/// assert_eq!(churn_core::bundle::DEFAULT_LABEL_COLUMN, "Churn");
/// ```
pub const DEFAULT_LABEL_COLUMN: &str = "Churn";

/// The identifier column added to a schema that names none.
///
/// ```
/// assert_eq!(churn_core::bundle::DEFAULT_ID_COLUMN, "customerID");
/// ```
pub const DEFAULT_ID_COLUMN: &str = "customerID";

/// Rows of model inputs and their churn labels, to build a bundle from.
///
/// ```
/// use churn_core::bundle::Training;
/// let x = ndarray::array![[1.0, 2.0], [3.0, f64::NAN]];
/// let t = Training::from_values(x, Some(&[1.0, f64::NAN]));
/// assert_eq!(t.labels, [Some(1.0), None]);
/// assert_eq!(t.rows_read, 2);
/// ```
#[derive(Clone, Debug)]
pub struct Training {
    /// Rows x schema inputs (model order); NaN = missing.
    pub x: Array2<f64>,
    /// One 0/1 label per row (`None` = unlabelled), or empty when there are no labels.
    pub labels: Vec<Option<f64>>,
    /// Rows read from the source, accepted or not (reported, not written).
    pub rows_read: u64,
}

impl Training {
    /// Rows and their labels (`None` = unlabelled; an empty vector = no labels).
    ///
    /// ```
    /// let t = churn_core::bundle::Training::new(ndarray::Array2::zeros((3, 1)), vec![]);
    /// assert_eq!((t.rows_read, t.labels.len()), (3, 0));
    /// ```
    pub fn new(x: Array2<f64>, labels: Vec<Option<f64>>) -> Training {
        Training {
            rows_read: x.nrows() as u64,
            x,
            labels,
        }
    }

    /// Rows and labels as numbers, NaN = unlabelled (the shape numpy and typed arrays have).
    ///
    /// ```
    /// let x = ndarray::Array2::zeros((2, 1));
    /// let t = churn_core::bundle::Training::from_values(x, None);
    /// assert!(t.labels.is_empty());
    /// ```
    pub fn from_values(x: Array2<f64>, labels: Option<&[f64]>) -> Training {
        let labels = labels
            .unwrap_or_default()
            .iter()
            .map(|&v| (!v.is_nan()).then_some(v))
            .collect();
        Training::new(x, labels)
    }

    /// Row-major values (`values.len()` a multiple of `columns`) and labels as numbers.
    ///
    /// ```
    /// use churn_core::bundle::Training;
    /// let t = Training::from_flat(vec![1.0, 2.0, 3.0, 4.0], 2, Some(&[0.0, 1.0]))?;
    /// assert_eq!(t.x.dim(), (2, 2));
    /// assert!(Training::from_flat(vec![1.0, 2.0, 3.0], 2, None).is_err());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn from_flat(values: Vec<f64>, columns: usize, labels: Option<&[f64]>) -> Result<Training> {
        let len = values.len();
        if columns == 0 || !len.is_multiple_of(columns) {
            return Err(Error::input(format!(
                "training data: {len} values are not whole rows of {columns} model inputs"
            )));
        }
        let x = Array2::from_shape_vec((len / columns, columns), values)
            .map_err(|e| Error::input(format!("training data: {e}")))?;
        Ok(Training::from_values(x, labels))
    }
}

/// What a build did, for the caller to report.
///
/// ```
/// let s = churn_core::bundle::BuildSummary::default();
/// assert_eq!(s.sample_rows, 0);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BuildSummary {
    /// Training rows read (for a CSV, before validation).
    pub rows_read: u64,
    /// Training rows profiled into the reference.
    pub training_rows: usize,
    /// Training rows with a label.
    pub labelled_rows: usize,
    /// Rows kept in the labelled sample.
    pub sample_rows: usize,
    /// In-sample AUC over the labelled training rows (not rounded), when both classes occur.
    pub training_auc: Option<f64>,
}

/// A built bundle and what the build did.
///
/// ```
/// # use churn_core::bundle::{BundleBuilder, Training};
/// # let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
/// # let b = BundleBuilder::new(bytes)?;
/// # let x = ndarray::Array2::zeros((2, b.schema().num_inputs()));
/// let built = b.build(Training::new(x, vec![]))?;
/// assert!(built.bundle.sample().is_none() && built.summary.training_auc.is_none());
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Debug)]
pub struct Built {
    /// The bundle (write it with [`Bundle::save`] or [`Bundle::to_json`]).
    pub bundle: Bundle,
    /// Counts and the training AUC.
    pub summary: BuildSummary,
}

/// Builds a [`Bundle`] from a model file's bytes and its training data; see the
/// [module docs](self) for what goes in and the sampling rule.
///
/// Settings are chained; [`build`](BundleBuilder::build) takes a ready matrix,
/// [`build_csv`](BundleBuilder::build_csv) a CSV with the label column.
///
/// ```
/// use churn_core::bundle::BundleBuilder;
/// let bytes = std::fs::read("../tests/fixtures/xgb_multiclass/model.json").unwrap();
/// let e = BundleBuilder::new(bytes).unwrap_err();
/// assert!(e.to_string().contains("binary classification"), "{e}");
/// ```
#[derive(Debug)]
pub struct BundleBuilder {
    bundle: Bundle,
    schema: Schema,
    label_column: String,
    id_column: String,
    holdout: Option<Training>,
    sample_rows: usize,
    bins: usize,
    tiers: Option<RiskTiers>,
    metadata: BundleMetadata,
    created: Option<String>,
    seed: Option<u64>,
}

/// Refuses what a churn score cannot come from: one probability per row, from a logistic link.
fn check_binary(model: &Model) -> Result<()> {
    let logistic = matches!(model.transform(), Transform::Sigmoid { .. });
    if model.num_outputs() == 1 && logistic {
        return Ok(());
    }
    Err(Error::unsupported(format!(
        "a churn bundle needs a binary classification model with a logistic output (XGBoost \
         `binary:logistic`, LightGBM `binary`), whose score is the probability of churn; this \
         model has {} output(s), objective `{}`, output transform {:?}",
        model.num_outputs(),
        model.objective(),
        model.transform()
    )))
}

impl BundleBuilder {
    /// A builder for a model file's bytes (XGBoost JSON/UBJSON, LightGBM text); refuses a model
    /// that is not a binary classifier with a logistic output (multiclass, regression,
    /// `binary:logitraw`) with [`Error::Unsupported`].
    ///
    /// ```
    /// let bytes = std::fs::read("../tests/fixtures/lgb_binary/model.txt").unwrap();
    /// let b = churn_core::bundle::BundleBuilder::new(bytes)?;
    /// assert_eq!(b.model().num_outputs(), 1);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn new(model_bytes: Vec<u8>) -> Result<BundleBuilder> {
        let bundle = Bundle::new(model_bytes, None)?;
        check_binary(bundle.model())?;
        let metadata = BundleMetadata {
            name: "model".into(),
            version: "1.0.0".into(),
            source: format!(
                "{:?} model (churnlens bundle build)",
                bundle.model().format()
            ),
            ..BundleMetadata::default()
        };
        Ok(BundleBuilder {
            schema: bundle.schema().clone(),
            bundle,
            label_column: DEFAULT_LABEL_COLUMN.into(),
            id_column: DEFAULT_ID_COLUMN.into(),
            holdout: None,
            sample_rows: 500,
            bins: 10,
            tiers: None,
            metadata,
            created: None,
            seed: None,
        })
    }

    /// The model.
    ///
    /// ```
    /// let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
    /// let b = churn_core::bundle::BundleBuilder::new(bytes)?;
    /// assert!(b.model().num_trees() > 0);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn model(&self) -> &Model {
        self.bundle.model()
    }

    /// The schema the bundle will have: the base one with the label and identifier columns
    /// added when it names none. Training CSVs are read with it.
    ///
    /// ```
    /// let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
    /// let b = churn_core::bundle::BundleBuilder::new(bytes)?.id_column("account");
    /// assert_eq!(b.schema().identifier().unwrap().name, "account");
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn schema(&self) -> Schema {
        let mut schema = self.schema.clone();
        // A feature of that name already there keeps its kind: the schema file said so.
        if schema.label().is_none() && schema.feature(&self.label_column).is_none() {
            let spec = FeatureSpec::new(&self.label_column, ValueKind::Label);
            schema.features.push(spec);
        }
        if schema.identifier().is_none() && schema.feature(&self.id_column).is_none() {
            let spec = FeatureSpec::new(&self.id_column, ValueKind::Identifier);
            schema.features.push(spec);
        }
        schema
    }

    /// Replaces the base schema (the model's own by default); refuses one that does not fit
    /// the model ([`Error::Schema`]).
    ///
    /// ```
    /// let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
    /// let b = churn_core::bundle::BundleBuilder::new(bytes)?;
    /// let mut s = b.schema();
    /// s.features[0].display_name = "First".into();
    /// assert_eq!(b.with_schema(s)?.schema().features[0].display(), "First");
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn with_schema(mut self, schema: Schema) -> Result<BundleBuilder> {
        // Checked now, not at build time, so that a bad schema is reported as the schema's
        // fault before any training data is read.
        schema.check()?;
        schema.check_model(self.model())?;
        self.schema = schema;
        Ok(self)
    }

    /// Enriches the schema with a schema file's JSON text (display names, units, categories,
    /// required flags, identifier and label columns).
    ///
    /// ```
    /// let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
    /// let b = churn_core::bundle::BundleBuilder::new(bytes)?
    ///     .enrich_schema_json(r#"{"features": [{"name": "churned", "kind": "label"}]}"#)?;
    /// assert_eq!(b.schema().label().unwrap().name, "churned");
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn enrich_schema_json(self, text: &str) -> Result<BundleBuilder> {
        let schema = self.schema.clone().enrich_json(text)?;
        self.with_schema(schema)
    }

    /// Enriches the schema with a schema file's TOML text.
    ///
    /// ```
    /// let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
    /// let b = churn_core::bundle::BundleBuilder::new(bytes)?
    ///     .enrich_schema_toml("[[features]]\nname = \"acct\"\nkind = \"identifier\"\n")?;
    /// assert_eq!(b.schema().identifier().unwrap().name, "acct");
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn enrich_schema_toml(self, text: &str) -> Result<BundleBuilder> {
        let schema = self.schema.clone().enrich_toml(text)?;
        self.with_schema(schema)
    }

    /// The churn label column added when the schema names none (default `Churn`).
    ///
    /// ```
    /// let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
    /// let b = churn_core::bundle::BundleBuilder::new(bytes)?.label_column("left");
    /// assert_eq!(b.schema().label().unwrap().name, "left");
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn label_column(mut self, name: impl Into<String>) -> BundleBuilder {
        self.label_column = name.into();
        self
    }

    /// The customer-id column added when the schema names none (default `customerID`).
    ///
    /// ```
    /// let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
    /// let b = churn_core::bundle::BundleBuilder::new(bytes)?.id_column("acct");
    /// assert_eq!(b.schema().identifier().unwrap().name, "acct");
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn id_column(mut self, name: impl Into<String>) -> BundleBuilder {
        self.id_column = name.into();
        self
    }

    /// Held-out labelled rows: the sample is drawn from them instead of the training rows, and
    /// `holdout_rows` / `holdout_auc` are added to the metrics.
    ///
    /// ```
    /// # use churn_core::bundle::{BundleBuilder, Training};
    /// let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
    /// let b = BundleBuilder::new(bytes)?;
    /// let n = b.schema().num_inputs();
    /// let hold = Training::from_values(ndarray::Array2::zeros((4, n)), Some(&[0.0, 1.0, 0.0, 1.0]));
    /// let built = b.holdout(hold).build(Training::new(ndarray::Array2::zeros((2, n)), vec![]))?;
    /// assert_eq!(built.bundle.sample().unwrap().rows.len(), 4);
    /// assert_eq!(built.bundle.metadata.metrics["holdout_rows"], 4.0);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn holdout(mut self, holdout: Training) -> BundleBuilder {
        self.holdout = Some(holdout);
        self
    }

    /// Labelled rows kept for the estimated-AUC check (default 500; 0 = no sample).
    ///
    /// ```
    /// # let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
    /// let b = churn_core::bundle::BundleBuilder::new(bytes)?.sample_rows(0);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn sample_rows(mut self, rows: usize) -> BundleBuilder {
        self.sample_rows = rows;
        self
    }

    /// Quantile bins per numeric feature in the reference profile (default 10; at least 2).
    ///
    /// ```
    /// # let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
    /// let b = churn_core::bundle::BundleBuilder::new(bytes)?.bins(5);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn bins(mut self, bins: usize) -> BundleBuilder {
        self.bins = bins;
        self
    }

    /// Risk tiers (default: [`default_tiers`](crate::risk::default_tiers)); checked when the
    /// bundle is built.
    ///
    /// ```
    /// # let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
    /// let b = churn_core::bundle::BundleBuilder::new(bytes)?.tiers(churn_core::risk::default_tiers());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn tiers(mut self, tiers: RiskTiers) -> BundleBuilder {
        self.tiers = Some(tiers);
        self
    }

    /// Bundle name (default `model`).
    ///
    /// ```
    /// # let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
    /// let b = churn_core::bundle::BundleBuilder::new(bytes)?.name("telco");
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> BundleBuilder {
        self.metadata.name = name.into();
        self
    }

    /// Bundle version (default `1.0.0`).
    ///
    /// ```
    /// # let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
    /// let b = churn_core::bundle::BundleBuilder::new(bytes)?.version("2.0.0");
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn version(mut self, version: impl Into<String>) -> BundleBuilder {
        self.metadata.version = version.into();
        self
    }

    /// Free-text description (default empty).
    ///
    /// ```
    /// # let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
    /// let b = churn_core::bundle::BundleBuilder::new(bytes)?.description("Q3 model");
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn description(mut self, description: impl Into<String>) -> BundleBuilder {
        self.metadata.description = description.into();
        self
    }

    /// What produced the model (default `<format> model (churnlens bundle build)`).
    ///
    /// ```
    /// # let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
    /// let b = churn_core::bundle::BundleBuilder::new(bytes)?.source("xgboost 3.2.0");
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn source(mut self, source: impl Into<String>) -> BundleBuilder {
        self.metadata.source = source.into();
        self
    }

    /// Sets the source to the files the bundle was built from:
    /// `<format> model <model_file> (churnlens bundle build, training data <training_file>)`.
    ///
    /// ```
    /// let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
    /// let b = churn_core::bundle::BundleBuilder::new(bytes)?.provenance("m.json", "t.csv");
    /// # let n = b.schema().num_inputs();
    /// # let built = b.build(churn_core::bundle::Training::new(ndarray::Array2::zeros((1, n)), vec![]))?;
    /// assert_eq!(built.bundle.metadata.source,
    ///            "XGBoost model m.json (churnlens bundle build, training data t.csv)");
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn provenance(self, model_file: &str, training_file: &str) -> BundleBuilder {
        let format = self.model().format();
        self.source(format!(
            "{format:?} model {model_file} (churnlens bundle build, training data {training_file})"
        ))
    }

    /// Creation time written in the metadata (default: now, UTC); fix it for reproducible
    /// bytes.
    ///
    /// ```
    /// # let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
    /// let b = churn_core::bundle::BundleBuilder::new(bytes)?.created("2026-12-01T00:00:00Z");
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn created(mut self, created: impl Into<String>) -> BundleBuilder {
        self.created = Some(created.into());
        self
    }

    /// Draws the sample by the seeded shuffle instead of evenly spaced rows (module docs).
    ///
    /// ```
    /// # let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
    /// let b = churn_core::bundle::BundleBuilder::new(bytes)?.seed(7);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn seed(mut self, seed: u64) -> BundleBuilder {
        self.seed = Some(seed);
        self
    }

    /// Extra metrics (e.g. a holdout AUC measured elsewhere); they win over computed ones of
    /// the same name.
    ///
    /// ```
    /// # let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
    /// let m = [("holdout_auc".to_string(), 0.84)].into_iter().collect();
    /// let b = churn_core::bundle::BundleBuilder::new(bytes)?.metrics(m);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn metrics(mut self, metrics: BTreeMap<String, f64>) -> BundleBuilder {
        self.metadata.metrics = metrics;
        self
    }

    /// Builds the bundle from rows of model inputs (columns = the schema's inputs in model
    /// order, NaN = missing) and their 0/1 labels.
    ///
    /// Errors: [`Error::Input`] when the matrix does not fit the schema, labels are not 0/1 or
    /// not one per row, or there is no row; [`Error::Schema`] / [`Error::Bundle`] when the
    /// schema does not fit the model or the tiers are not ascending within 0..1.
    ///
    /// ```
    /// # use churn_core::bundle::{BundleBuilder, Training};
    /// let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
    /// let b = BundleBuilder::new(bytes)?;
    /// let bad = Training::new(ndarray::Array2::zeros((2, 1)), vec![]);
    /// assert!(b.build(bad).is_err());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn build(self, training: Training) -> Result<Built> {
        let BundleBuilder {
            mut bundle,
            holdout,
            sample_rows,
            bins,
            tiers,
            mut metadata,
            created,
            seed,
            ..
        } = self.prepare()?;
        check_training(&training, bundle.schema(), "training data")?;
        if let Some(h) = &holdout {
            check_training(h, bundle.schema(), "holdout")?;
        }
        let rows = training.x.nrows();
        if rows == 0 {
            return Err(Error::input(format!(
                "no training row to profile ({} rows read, none passed validation)",
                training.rows_read
            )));
        }
        let reference = ReferenceProfile::from_matrix(training.x.view(), bundle.schema(), bins);
        bundle.set_reference(reference)?;

        let labelled = labelled_rows(&training);
        let source = holdout.as_ref().unwrap_or(&training);
        let pool = labelled_rows(source);
        let picks = pick_rows(&pool, sample_rows.min(pool.len()), seed);
        if !picks.is_empty() {
            bundle.set_sample(sample_of(source, &picks, bundle.schema()))?;
        }
        let training_auc = labelled_auc(bundle.model(), &training, &labelled)?;
        bundle.set_tiers(tiers.unwrap_or_else(default_tiers))?;

        let mut computed = BTreeMap::new();
        computed.insert("training_rows".to_string(), rows as f64);
        if let Some(a) = training_auc {
            computed.insert("training_auc".to_string(), round6(a));
        }
        if let Some(h) = &holdout {
            let hl = labelled_rows(h);
            computed.insert("holdout_rows".to_string(), hl.len() as f64);
            if let Some(a) = labelled_auc(bundle.model(), h, &hl)? {
                computed.insert("holdout_auc".to_string(), round6(a));
            }
        }
        computed.append(&mut metadata.metrics);
        metadata.metrics = computed;
        metadata.created = created.unwrap_or_else(crate::clock::now_utc);
        bundle.metadata = metadata;
        let summary = BuildSummary {
            rows_read: training.rows_read,
            training_rows: rows,
            labelled_rows: labelled.len(),
            sample_rows: picks.len(),
            training_auc,
        };
        Ok(Built { bundle, summary })
    }

    /// The builder with its final schema set on the bundle (checked against the model).
    fn prepare(mut self) -> Result<BundleBuilder> {
        let schema = self.schema();
        self.bundle.set_schema(schema)?;
        Ok(self)
    }
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// Refuses a matrix that is not the schema's inputs and labels that are not one 0/1 per row.
fn check_training(t: &Training, schema: &Schema, what: &str) -> Result<()> {
    let n = schema.num_inputs();
    if t.x.ncols() != n {
        return Err(Error::input(format!(
            "{what}: {} columns, but the schema has {n} model inputs",
            t.x.ncols()
        )));
    }
    if !t.labels.is_empty() && t.labels.len() != t.x.nrows() {
        return Err(Error::input(format!(
            "{what}: {} labels for {} rows",
            t.labels.len(),
            t.x.nrows()
        )));
    }
    let bad = t
        .labels
        .iter()
        .position(|l| l.is_some_and(|v| v != 0.0 && v != 1.0));
    if let Some(i) = bad {
        return Err(Error::input(format!(
            "{what}: the label of row {} is {}; churn labels are 0 (retained) or 1 (churned)",
            i + 1,
            t.labels[i].unwrap_or(f64::NAN)
        )));
    }
    Ok(())
}

/// Positions of the labelled rows, in file order.
fn labelled_rows(t: &Training) -> Vec<usize> {
    (0..t.labels.len())
        .filter(|&i| t.labels[i].is_some())
        .collect()
}

/// `k` entries of `pool` by the sampling rule of the module docs, in pool order.
fn pick_rows(pool: &[usize], k: usize, seed: Option<u64>) -> Vec<usize> {
    let n = pool.len();
    if k == 0 {
        return Vec::new();
    }
    let Some(seed) = seed else {
        return (0..k).map(|j| pool[j * n / k]).collect();
    };
    let mut rng = SplitMix64(seed);
    let mut order: Vec<usize> = (0..n).collect();
    for i in 0..k {
        let j = i + (rng.next() % (n - i) as u64) as usize;
        order.swap(i, j);
    }
    let mut kept = order[..k].to_vec();
    crate::order::sort(&mut kept);
    kept.into_iter().map(|p| pool[p]).collect()
}

/// Sebastiano Vigna's splitmix64: tiny, and its output is fixed by the few lines in the module
/// docs, so every runtime can reproduce a seeded sample.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The labelled sample of rows `picks` of `t`.
fn sample_of(t: &Training, picks: &[usize], schema: &Schema) -> ReferenceSample {
    ReferenceSample {
        features: schema.input_names().iter().map(|s| s.to_string()).collect(),
        rows: picks
            .iter()
            .map(|&i| {
                let row = t.x.row(i);
                row.iter().map(|&v| (!v.is_nan()).then_some(v)).collect()
            })
            .collect(),
        labels: picks.iter().map(|&i| t.labels[i].unwrap_or(0.0)).collect(),
    }
}

/// ROC AUC of the model over the rows `labelled` of `t` (None without rows or with one class).
fn labelled_auc(model: &Model, t: &Training, labelled: &[usize]) -> Result<Option<f64>> {
    if labelled.is_empty() {
        return Ok(None);
    }
    let x = t.x.select(Axis(0), labelled);
    let p = model.predict(x.view())?;
    let y: Vec<f64> = labelled
        .iter()
        .map(|&i| t.labels[i].unwrap_or(0.0))
        .collect();
    Ok(auc(&p.column(0).to_vec(), &y))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builder() -> BundleBuilder {
        let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
        BundleBuilder::new(bytes)
            .unwrap()
            .created("2026-12-01T00:00:00Z")
    }

    #[test]
    fn evenly_spaced_picks_spread_over_the_pool() {
        let pool: Vec<usize> = (0..10).map(|i| i * 3).collect();
        assert_eq!(pick_rows(&pool, 4, None), [0, 6, 15, 21]);
        assert_eq!(pick_rows(&pool, 10, None), pool);
        assert!(pick_rows(&pool, 0, None).is_empty());
    }

    #[test]
    fn splitmix64_matches_the_reference_values() {
        // The published test vector of splitmix64 seeded with 1234567.
        let mut r = SplitMix64(1_234_567);
        let got: Vec<u64> = (0..3).map(|_| r.next()).collect();
        assert_eq!(
            got,
            [
                6_457_827_717_110_365_317,
                3_203_168_211_198_807_973,
                9_817_491_932_198_370_423
            ]
        );
    }

    #[test]
    fn seeded_picks_are_reproducible_sorted_and_distinct() {
        let pool: Vec<usize> = (0..1000).collect();
        let a = pick_rows(&pool, 50, Some(7));
        assert_eq!(a, pick_rows(&pool, 50, Some(7)));
        assert_ne!(a, pick_rows(&pool, 50, Some(8)));
        assert!(a.windows(2).all(|w| w[0] < w[1]), "{a:?}");
        assert_ne!(a, pick_rows(&pool, 50, None));
        // All of the pool when k = n, whatever the seed.
        assert_eq!(pick_rows(&pool[..20], 20, Some(3)), &pool[..20]);
    }

    #[test]
    fn labels_must_be_zero_or_one_and_one_per_row() {
        let n = builder().schema().num_inputs();
        let x = Array2::zeros((2, n));
        let e = builder()
            .build(Training::new(x.clone(), vec![Some(1.0), Some(2.0)]))
            .unwrap_err();
        assert!(e.to_string().contains("row 2 is 2"), "{e}");
        let e = builder()
            .build(Training::new(x, vec![Some(1.0)]))
            .unwrap_err();
        assert!(e.to_string().contains("1 labels for 2 rows"), "{e}");
        let e = builder()
            .build(Training::new(Array2::zeros((0, n)), vec![]))
            .unwrap_err();
        assert!(matches!(e, Error::Input { .. }), "{e}");
    }

    #[test]
    fn regression_and_logitraw_models_are_refused() {
        for dir in ["xgb_regression", "xgb_logitraw", "xgb_multiclass"] {
            let path = format!("../tests/fixtures/{dir}/model.json");
            let bytes = std::fs::read(&path).unwrap();
            let e = BundleBuilder::new(bytes).unwrap_err();
            assert!(matches!(e, Error::Unsupported { .. }), "{dir}: {e}");
            assert!(e.to_string().contains("logistic output"), "{dir}: {e}");
        }
    }

    #[test]
    fn seeded_sample_and_metrics() {
        let n = builder().schema().num_inputs();
        let x = Array2::from_shape_fn((40, n), |(i, j)| ((i * 7 + j * 3) % 11) as f64);
        let labels: Vec<Option<f64>> = (0..40)
            .map(|i| (i % 5 != 0).then_some((i % 3 == 0) as u8 as f64))
            .collect();
        let t = Training::new(x, labels);
        let built = builder().sample_rows(10).seed(42).build(t.clone()).unwrap();
        let s = built.bundle.sample().unwrap();
        assert_eq!(s.rows.len(), 10);
        assert_eq!(built.summary.labelled_rows, 32);
        let m = &built.bundle.metadata.metrics;
        assert_eq!(m["training_rows"], 40.0);
        assert!(m.contains_key("training_auc"));
        // Same inputs and seed, same bytes; another seed, another sample.
        let again = builder().sample_rows(10).seed(42).build(t.clone()).unwrap();
        assert_eq!(
            built.bundle.to_json().unwrap(),
            again.bundle.to_json().unwrap()
        );
        let other = builder().sample_rows(10).seed(43).build(t).unwrap();
        assert_ne!(other.bundle.sample(), built.bundle.sample());
    }
}
