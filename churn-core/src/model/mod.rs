//! Tree-ensemble models: loading, validation and the immutable [`Model`].

mod lightgbm;
pub(crate) mod tree;
mod ubjson;
mod xgboost;

use std::path::Path;
use std::sync::OnceLock;

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

    /// The code the model saw for `category`: its index among the labels, `None` when it is not
    /// one of them. Text matches string labels exactly (case and spacing count, as in XGBoost
    /// and LightGBM), a number matches numeric labels; a number never matches a string label
    /// nor text a numeric one. Were a label stored twice, its last index wins (the libraries
    /// build a label -> code map in order).
    ///
    /// ```
    /// use churn_core::{model::Category, CategoryLabels};
    /// let plans = CategoryLabels::Strings(vec!["basic".into(), "pro".into()]);
    /// assert_eq!(plans.index_of(Category::Text("pro")), Some(1));
    /// assert_eq!(plans.index_of(Category::Text("Pro")), None);
    /// let seats = CategoryLabels::Numbers(vec![3.0, 7.0]);
    /// assert_eq!(seats.index_of(Category::Number(7.0)), Some(1));
    /// assert_eq!(seats.index_of(Category::Text("7")), None);
    /// ```
    pub fn index_of(&self, category: Category<'_>) -> Option<usize> {
        match (self, category) {
            (CategoryLabels::Strings(labels), Category::Text(t)) => {
                labels.iter().rposition(|l| l == t)
            }
            (CategoryLabels::Numbers(labels), Category::Number(n)) => {
                labels.iter().rposition(|&l| l == n)
            }
            _ => None,
        }
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

/// A layout a higher layer derives from the trees once, on first use (the engine's packed
/// forest and TreeSHAP path tables). The engine owns the type; the model only holds it, as
/// `Any`, so that this layer never imports the engine.
pub(crate) type Derived = OnceLock<Box<dyn std::any::Any + Send + Sync>>;
/// A category value as a caller holds it, before it is matched with a model's stored labels.
///
/// The type decides what it can match: text matches string labels, a number numeric labels
/// (an `int` 5 and a float 5.0 are the same category, as in pandas and LightGBM).
///
/// ```
/// use churn_core::model::Category;
/// assert_ne!(Category::Text("5"), Category::Number(5.0));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Category<'a> {
    /// A text category (`"Month-to-month"`).
    Text(&'a str),
    /// A numeric category (`5`, `2.5`); booleans are not numbers here.
    Number(f64),
}

impl std::fmt::Display for Category<'_> {
    /// Text in single quotes, numbers as written: how error messages list categories.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Category::Text(t) => write!(f, "'{t}'"),
            Category::Number(n) => write!(f, "{n}"),
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
    /// Per-tree path tables for TreeSHAP, built by the engine on first use.
    pub(crate) shap_plan: Derived,
    /// Every tree's packed nodes in one array, for prediction; built by the engine on first use.
    pub(crate) forest: Derived,
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

    /// The model inputs of a categorical column: `categories` are the column's distinct values
    /// (`None` for one that is neither text nor a number), `codes` each row's index into them
    /// (negative = missing), the way pandas stores a `category` column.
    ///
    /// With stored labels ([`Model::category_labels`]) each category becomes its label's index
    /// ([`CategoryLabels::index_of`]), whatever the order or subset of `categories`, as XGBoost
    /// and LightGBM map new data. A category the model was not trained with becomes missing
    /// (NaN) for LightGBM, which is what LightGBM does, and is refused for XGBoost, which is
    /// what XGBoost means to do ("Found a category not in the training set"; XGBoost 3.2 only
    /// refuses values above the largest label and maps others to the next label). Categories
    /// no row uses are not checked. Without stored labels the codes are the inputs (the column's
    /// categories must then be the training ones, in the same order), as before XGBoost 3.1.
    /// Missing rows are NaN.
    ///
    /// Errors with [`Error::Input`] when `feature` is out of range, a code names no category,
    /// or (XGBoost) a row holds a category the model was not trained with.
    ///
    /// ```
    /// use churn_core::{model::Category, Model};
    /// let model = Model::load("../tests/data/labels/xgb_labels.json")?; // plan: basic, pro, team
    /// let cats = [Some(Category::Text("team")), Some(Category::Text("basic"))];
    /// let x = model.category_inputs(0, &cats, &[0, 1, -1])?;
    /// assert_eq!(x[..2], [2.0, 0.0]);
    /// assert!(x[2].is_nan());
    /// let unseen = [Some(Category::Text("gold"))];
    /// assert!(model.category_inputs(0, &unseen, &[0]).is_err());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn category_inputs(
        &self,
        feature: usize,
        categories: &[Option<Category<'_>>],
        codes: &[i64],
    ) -> Result<Vec<f64>> {
        let Some(name) = self.feature_names.get(feature) else {
            return Err(Error::Input {
                reason: format!(
                    "feature {feature} does not exist: the model has {} features",
                    self.num_features
                ),
            });
        };
        let Some(labels) = self.category_labels.get(feature).and_then(Option::as_ref) else {
            return Ok(codes
                .iter()
                .map(|&c| if c >= 0 { c as f64 } else { f64::NAN })
                .collect());
        };
        // One lookup per category, not per row: a column has few categories and many rows.
        let lut: Vec<Option<usize>> = categories
            .iter()
            .map(|c| c.and_then(|c| labels.index_of(c)))
            .collect();
        let mut out = Vec::with_capacity(codes.len());
        let mut unseen = vec![false; categories.len()];
        for (row, &code) in codes.iter().enumerate() {
            if code < 0 {
                out.push(f64::NAN);
                continue;
            }
            let Some(hit) = usize::try_from(code).ok().and_then(|k| lut.get(k)) else {
                return Err(Error::Input {
                    reason: format!(
                        "column '{name}', row {row}: code {code} names no category (the column \
                         has {} categories)",
                        categories.len()
                    ),
                });
            };
            match hit {
                Some(i) => out.push(*i as f64),
                None => {
                    unseen[code as usize] = true;
                    out.push(f64::NAN);
                }
            }
        }
        if self.format == Format::XGBoost && unseen.contains(&true) {
            return Err(unseen_categories(name, categories, &unseen));
        }
        Ok(out)
    }
}

/// The error for categories an XGBoost model was not trained with: at most ten, sorted.
fn unseen_categories(name: &str, categories: &[Option<Category<'_>>], unseen: &[bool]) -> Error {
    let mut shown: Vec<String> = categories
        .iter()
        .zip(unseen)
        .filter(|(_, &u)| u)
        .map(|(c, _)| {
            c.map_or_else(
                || "a value that is neither text nor a number".into(),
                |c| c.to_string(),
            )
        })
        .collect();
    shown.sort();
    shown.dedup();
    let more = shown.len().saturating_sub(10);
    shown.truncate(10);
    let mut list = shown.join(", ");
    if more > 0 {
        list.push_str(&format!(", ... ({more} more)"));
    }
    Error::Input {
        reason: format!(
            "column '{name}' has categories the model was not trained with: {list} (XGBoost \
             refuses them too: 'Found a category not in the training set')"
        ),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn load(path: &str) -> Model {
        Model::load(path).expect("the labelled fixture loads")
    }

    #[test]
    fn labels_match_by_type_and_last_index() {
        let s = CategoryLabels::Strings(vec!["a".into(), "b".into(), "a".into()]);
        assert_eq!(s.index_of(Category::Text("a")), Some(2));
        assert_eq!(s.index_of(Category::Text("A")), None);
        assert_eq!(s.index_of(Category::Number(0.0)), None);
        let n = CategoryLabels::Numbers(vec![3.0, 7.0]);
        assert_eq!(n.index_of(Category::Number(7.0)), Some(1));
        assert_eq!(n.index_of(Category::Number(-0.0)), None);
        assert_eq!(n.index_of(Category::Text("3")), None);
        assert_eq!(
            CategoryLabels::Numbers(vec![0.0]).index_of(Category::Number(-0.0)),
            Some(0)
        );
    }

    #[test]
    fn labelled_columns_map_by_label_whatever_their_order() {
        for path in [
            "../tests/data/labels/xgb_labels.json",
            "../tests/data/labels/lgb_labels.txt",
        ] {
            let m = load(path);
            // plan labels: basic, pro, team; the column's own order: team, pro, basic.
            let cats = [
                Some(Category::Text("team")),
                Some(Category::Text("pro")),
                Some(Category::Text("basic")),
            ];
            let x = m
                .category_inputs(0, &cats, &[0, 1, 2, -1, 0])
                .expect("known plans");
            assert_eq!(x[..3], [2.0, 1.0, 0.0], "{path}");
            assert!(x[3].is_nan());
            assert_eq!(x[4], 2.0);
            // seats labels: 3, 7, 9.
            let seats = [Some(Category::Number(9.0)), Some(Category::Number(3.0))];
            assert_eq!(
                m.category_inputs(2, &seats, &[0, 1]).expect("seats"),
                [2.0, 0.0]
            );
        }
    }

    #[test]
    fn unseen_categories_are_missing_for_lightgbm_and_refused_for_xgboost() {
        let cats = [
            Some(Category::Text("pro")),
            Some(Category::Text("gold")),
            None,
            Some(Category::Text("zzz")),
        ];
        let lgb = load("../tests/data/labels/lgb_labels.txt");
        let x = lgb
            .category_inputs(0, &cats, &[0, 1, 2])
            .expect("LightGBM scores them");
        assert_eq!(x[0], 1.0);
        assert!(x[1].is_nan() && x[2].is_nan());
        let xgb = load("../tests/data/labels/xgb_labels.json");
        // Declared but unused ("zzz") is fine; only the values present are checked.
        let e = xgb.category_inputs(0, &cats, &[0, 1, 1, 2]).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, Error::Input { .. }));
        assert!(msg.contains("column 'plan' has categories the model was not trained with: 'gold', a value that is neither"), "{msg}");
        assert!(!msg.contains("zzz") && msg.contains("Found a category not in the training set"));
        assert!(xgb.category_inputs(0, &cats, &[0, 0]).is_ok());
    }

    #[test]
    fn many_unseen_categories_are_listed_sorted_and_capped() {
        let names: Vec<String> = (0..13).rev().map(|i| format!("c{i:02}")).collect();
        let cats: Vec<_> = names.iter().map(|n| Some(Category::Text(n))).collect();
        let codes: Vec<i64> = (0..13).collect();
        let msg = load("../tests/data/labels/xgb_labels.json")
            .category_inputs(0, &cats, &codes)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("'c00', 'c01'") && msg.contains("'c09', ... (3 more)"),
            "{msg}"
        );
        assert!(!msg.contains("c10"));
    }

    #[test]
    fn without_labels_codes_are_the_inputs() {
        let m = load("../tests/fixtures/xgb_binary/model.json");
        let x = m
            .category_inputs(0, &[None, None], &[1, -1, 5])
            .expect("codes");
        assert_eq!(x[0], 1.0);
        assert!(x[1].is_nan());
        assert_eq!(x[2], 5.0);
    }

    #[test]
    fn bad_features_and_codes_are_input_errors() {
        let m = load("../tests/data/labels/xgb_labels.json");
        let one = [Some(Category::Text("pro"))];
        let e = m.category_inputs(9, &one, &[0]).unwrap_err();
        assert!(e.to_string().contains("feature 9 does not exist"), "{e}");
        let e = m.category_inputs(0, &one, &[1]).unwrap_err();
        assert!(
            e.to_string().contains("row 0: code 1 names no category"),
            "{e}"
        );
    }
}
