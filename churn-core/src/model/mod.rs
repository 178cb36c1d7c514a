//! Tree-ensemble models: loading, validation and the immutable [`Model`].

mod lightgbm;
pub(crate) mod tree;
mod ubjson;
mod xgboost;

use std::path::Path;
use std::sync::OnceLock;

use crate::engine::shap::ShapPlan;
use crate::error::{Error, Result};
pub use tree::{Missing, Tree, MAX_DEPTH};

/// Most features a model may declare without naming them. Names are generated for unnamed
/// features, so this bounds what a lying `num_feature` can make us allocate; files that name
/// their features pay for the names with their own bytes.
pub const MAX_UNNAMED_FEATURES: usize = 1 << 20;

/// Names `f0`, `f1`, ... (`prefix` + index) for a model that stores none.
pub(crate) fn generated_names(prefix: &str, n: usize) -> Result<Vec<String>> {
    if n > MAX_UNNAMED_FEATURES {
        return Err(Error::model(
            crate::Location::field_only("feature_names"),
            format!(
                "the model declares {n} features but names none; more than \
                 {MAX_UNNAMED_FEATURES} unnamed features are refused"
            ),
        ));
    }
    Ok((0..n).map(|i| format!("{prefix}{i}")).collect())
}

/// Which library wrote a model. It decides the input precision and comparison rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// XGBoost JSON or UBJSON (`save_model("m.json")` / `"m.ubj"`): inputs rounded to f32,
    /// tree outputs summed in f32.
    XGBoost,
    /// LightGBM text (`save_model("m.txt")`): inputs and sums in f64.
    LightGBM,
}

/// The function from margin (raw score) to the model's prediction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Transform {
    /// The margin itself (regression, `binary:logitraw`).
    Identity,
    /// `1 / (1 + exp(-scale * margin))` per output (binary classification; LightGBM
    /// `multiclassova`).
    Sigmoid {
        /// LightGBM's `sigmoid:` parameter; 1 for XGBoost.
        scale: f64,
    },
    /// Softmax across outputs (multiclass).
    Softmax,
    /// `exp(margin)` (Poisson, gamma, Tweedie).
    Exp,
    /// `log(1 + exp(margin))` (LightGBM `cross_entropy_lambda`).
    Log1pExp,
}

/// What a feature holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FeatureKind {
    /// Ordered numbers compared against thresholds.
    Numeric,
    /// Integer category codes tested for set membership.
    Categorical,
}

/// The labels of a categorical feature as the training library stored them: the category
/// whose code is `i` is the `i`-th label. XGBoost (3.1+, `cats`) and LightGBM
/// (`pandas_categorical`) record them when trained from a pandas DataFrame, and map new data
/// by label, not by the codes of the new frame.
#[derive(Clone, Debug, PartialEq)]
pub enum CategoryLabels {
    /// String categories.
    Strings(Vec<String>),
    /// Numeric categories.
    Numbers(Vec<f64>),
}

impl CategoryLabels {
    /// Number of categories.
    pub fn len(&self) -> usize {
        match self {
            CategoryLabels::Strings(v) => v.len(),
            CategoryLabels::Numbers(v) => v.len(),
        }
    }

    /// Whether there are no categories.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads a JSON array of strings or of numbers; anything else is `None`.
    pub(crate) fn from_json(v: &serde_json::Value) -> Option<CategoryLabels> {
        let a = v.as_array()?;
        if a.iter().all(|x| x.is_string()) {
            Some(CategoryLabels::Strings(
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect(),
            ))
        } else if a.iter().all(|x| x.is_number()) {
            Some(CategoryLabels::Numbers(
                a.iter().filter_map(|x| x.as_f64()).collect(),
            ))
        } else {
            None
        }
    }
}

/// A validated, immutable tree ensemble.
///
/// Cheap to share: `Model` is `Send + Sync`, so one instance can serve many threads.
///
/// ```
/// let model = churn_core::Model::load("../tests/fixtures/xgb_binary/model.json")?;
/// assert_eq!(model.format(), churn_core::Format::XGBoost);
/// assert_eq!(model.num_outputs(), 1);
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Debug)]
pub struct Model {
    pub(crate) format: Format,
    pub(crate) trees: Vec<Tree>,
    /// Output group each tree adds to.
    pub(crate) tree_group: Vec<u32>,
    /// Multiplier of each tree's output (DART weights; 1 otherwise).
    pub(crate) tree_weight: Vec<f64>,
    pub(crate) num_features: usize,
    pub(crate) num_outputs: usize,
    /// Starting margin per output.
    pub(crate) base_margin: Vec<f64>,
    pub(crate) objective: String,
    pub(crate) transform: Transform,
    pub(crate) feature_names: Vec<String>,
    pub(crate) feature_kinds: Vec<FeatureKind>,
    /// LightGBM `average_output` (random forest): sums are divided by this.
    pub(crate) average_over: Option<f64>,
    pub(crate) best_iteration: Option<usize>,
    /// Per feature, the category labels stored by the training library (code = index).
    pub(crate) category_labels: Vec<Option<CategoryLabels>>,
    /// Per-tree path tables for TreeSHAP, built on first use.
    pub(crate) shap_plan: OnceLock<ShapPlan>,
    /// Every tree's packed nodes in one array, for single-row prediction; built on first use.
    pub(crate) forest: OnceLock<crate::engine::predict::Forest>,
}

impl Model {
    /// Reads and parses a model file, sniffing its format from the bytes.
    ///
    /// ```
    /// let model = churn_core::Model::load("../tests/fixtures/lgb_binary/model.txt")?;
    /// assert_eq!(model.format(), churn_core::Format::LightGBM);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<Model> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Model::from_bytes(&bytes).map_err(|e| e.in_file(path))
    }

    /// Parses a model from bytes: XGBoost JSON, XGBoost UBJSON or LightGBM text.
    ///
    /// ```
    /// let bytes = std::fs::read("../tests/fixtures/xgb_binary_ubj/model.ubj").unwrap();
    /// let model = churn_core::Model::from_bytes(&bytes)?;
    /// assert!(model.num_trees() > 0);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Model> {
        let start = bytes
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(bytes.len());
        let head = &bytes[start..];
        match head.first() {
            Some(b'{') => match head.get(1) {
                None | Some(b'"') | Some(b'}') | Some(b' ') | Some(b'\n') | Some(b'\r')
                | Some(b'\t') => Model::from_xgboost_json(bytes),
                _ => Model::from_xgboost_ubjson(bytes),
            },
            Some(_) if head.starts_with(b"tree") || head.starts_with(b"version=") => {
                Model::from_lightgbm_text(bytes)
            }
            None => Err(Error::UnknownFormat {
                reason: "the input is empty".into(),
            }),
            Some(_) => {
                let shown: String = String::from_utf8_lossy(&head[..head.len().min(16)])
                    .chars()
                    .map(|c| if c.is_control() { '.' } else { c })
                    .collect();
                Err(Error::UnknownFormat {
                    reason: format!("it starts with {shown:?}"),
                })
            }
        }
    }

    /// Parses an XGBoost model saved as JSON.
    pub fn from_xgboost_json(bytes: &[u8]) -> Result<Model> {
        // Text, not bytes, goes to serde_json: every JSON the crate reads then shares one
        // compiled parser (a second, byte-slice parser was 11 KB of the WASM module).
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let (line, column) = crate::error::line_and_column(&bytes[..e.valid_up_to()]);
            Error::Json {
                line,
                column,
                reason: format!("invalid UTF-8: {e}"),
                source: None,
            }
        })?;
        let value: serde_json::Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                // Older XGBoost writes bare `NaN` thresholds on categorical nodes; retry with
                // those read as null, and report the original error if that fails too.
                let retry = xgboost::nan_tokens_to_null(bytes)
                    .and_then(|fixed| String::from_utf8(fixed).ok())
                    .and_then(|fixed| serde_json::from_str(&fixed).ok());
                match retry {
                    Some(v) => v,
                    None => return Err(Error::json(e)),
                }
            }
        };
        xgboost::from_value(&value)
    }

    /// Parses an XGBoost model saved as UBJSON (`.ubj`, the default format since XGBoost 2.0).
    pub fn from_xgboost_ubjson(bytes: &[u8]) -> Result<Model> {
        let value = ubjson::parse(bytes)?;
        xgboost::from_value(&value)
    }

    /// Parses a LightGBM text model (`Booster.save_model`, `model_to_string`).
    pub fn from_lightgbm_text(bytes: &[u8]) -> Result<Model> {
        let text = std::str::from_utf8(bytes).map_err(|e| Error::UnknownFormat {
            reason: format!(
                "a LightGBM model is UTF-8 text, but byte {} is not valid UTF-8",
                e.valid_up_to()
            ),
        })?;
        lightgbm::from_text(text)
    }

    /// The library that wrote the model.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Number of input features (columns) the model expects.
    pub fn num_features(&self) -> usize {
        self.num_features
    }

    /// Number of outputs per row: 1, or the number of classes.
    pub fn num_outputs(&self) -> usize {
        self.num_outputs
    }

    /// Number of trees.
    pub fn num_trees(&self) -> usize {
        self.trees.len()
    }

    /// The trees, in file order.
    pub fn trees(&self) -> &[Tree] {
        &self.trees
    }

    /// The objective as the file names it, e.g. `binary:logistic` or `binary sigmoid:1`.
    pub fn objective(&self) -> &str {
        &self.objective
    }

    /// The margin-to-prediction function.
    pub fn transform(&self) -> Transform {
        self.transform
    }

    /// Feature names from the file (`f0`, `f1`, ... when the file has none).
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// Feature kinds from the file (numeric unless marked categorical).
    pub fn feature_kinds(&self) -> &[FeatureKind] {
        &self.feature_kinds
    }

    /// The starting margin of each output (XGBoost `base_score` in margin space; 0 for
    /// LightGBM, whose starting score is folded into its first trees).
    pub fn base_margin(&self) -> &[f64] {
        &self.base_margin
    }

    /// XGBoost's `best_iteration` attribute, when early stopping recorded one. churnlens, like
    /// `Booster.predict`, uses all trees; the scikit-learn wrapper would stop here.
    pub fn best_iteration(&self) -> Option<usize> {
        self.best_iteration
    }

    /// Per feature, the category labels stored in the model file (`None` for numeric features
    /// and for categorical features trained from plain integer codes); an empty slice when the
    /// file stores no labels at all. A binding that receives
    /// labelled categories (a pandas `category` column) must turn each label into its index
    /// here, as XGBoost and LightGBM do, rather than use the new frame's own codes.
    ///
    /// ```
    /// use churn_core::{CategoryLabels, Model};
    /// let model = Model::load("../tests/data/labels/xgb_labels.json")?;
    /// let plan = CategoryLabels::Strings(vec!["basic".into(), "pro".into(), "team".into()]);
    /// assert_eq!(model.category_labels()[0], Some(plan));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn category_labels(&self) -> &[Option<CategoryLabels>] {
        &self.category_labels
    }

    pub(crate) fn shap_plan(&self) -> &ShapPlan {
        self.shap_plan.get_or_init(|| ShapPlan::build(self))
    }
}

/// Applies the output transform in place over one row's outputs. XGBoost computes its
/// transforms in f32, so it is done the same way here. `libm` (not the platform's C library)
/// supplies `exp` and `log`, so every target (Linux, macOS, wasm32) gives bit-identical results.
pub(crate) fn apply_transform(transform: Transform, format: Format, out: &mut [f64]) {
    if format == Format::XGBoost {
        transform_f32(transform, out);
        return;
    }
    match transform {
        Transform::Identity => {}
        Transform::Sigmoid { scale } => {
            for v in out.iter_mut() {
                *v = 1.0 / (1.0 + libm::exp(-scale * *v));
            }
        }
        Transform::Exp => {
            for v in out.iter_mut() {
                *v = libm::exp(*v);
            }
        }
        Transform::Log1pExp => {
            for v in out.iter_mut() {
                *v = libm::log1p(libm::exp(*v));
            }
        }
        Transform::Softmax => {
            let max = out.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mut sum = 0.0;
            for v in out.iter_mut() {
                *v = libm::exp(*v - max);
                sum += *v;
            }
            for v in out.iter_mut() {
                *v /= sum;
            }
        }
    }
}

fn transform_f32(transform: Transform, out: &mut [f64]) {
    match transform {
        Transform::Identity => {}
        Transform::Sigmoid { .. } => {
            for v in out.iter_mut() {
                *v = (1.0f32 / (1.0f32 + expf(-(*v as f32)))) as f64;
            }
        }
        Transform::Exp => {
            for v in out.iter_mut() {
                *v = expf(*v as f32) as f64;
            }
        }
        Transform::Log1pExp => {
            for v in out.iter_mut() {
                *v = log1pf(expf(*v as f32)) as f64;
            }
        }
        Transform::Softmax => {
            let max = out
                .iter()
                .map(|&v| v as f32)
                .fold(f32::NEG_INFINITY, f32::max);
            let mut sum = 0.0f32;
            for v in out.iter_mut() {
                let e = expf(*v as f32 - max);
                *v = e as f64;
                sum += e;
            }
            for v in out.iter_mut() {
                *v = (*v as f32 / sum) as f64;
            }
        }
    }
}

/// `exp` of an f32, correctly rounded in all but vanishingly rare cases: computed in f64 and
/// rounded once. glibc's `expf` (which XGBoost calls) is within 0.502 ulp, so this agrees with it
/// where `libm::expf` (under 1 ulp) can be a whole ulp away (seen on gamma/Tweedie fixtures).
#[inline]
pub(crate) fn expf(x: f32) -> f32 {
    libm::exp(x as f64) as f32
}

#[inline]
fn log1pf(x: f32) -> f32 {
    libm::log1p(x as f64) as f32
}
