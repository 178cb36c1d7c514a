//! The feature schema: what each column fed to a model must hold.
//!
//! A [`Schema`] is built from a model's feature names and kinds ([`Schema::from_model`]) and
//! enriched by an optional schema file in JSON or TOML ([`Schema::enrich_json`],
//! [`Schema::enrich_toml`]): display names, units, ranges, categories, required flags, aliases,
//! the vocabulary concept, the invalid-value policy, and non-input columns (customer id, churn
//! label).
//!
//! Model inputs are the features whose kind is not [`ValueKind::Identifier`] or
//! [`ValueKind::Label`], in schema order: that order is the model's column order.
//!
//! ```
//! use churn_core::{Schema, ValueKind};
//! let schema = Schema::from_names(&["tenure", "MonthlyCharges"]).enrich_toml(r#"
//!     [[features]]
//!     name = "tenure"
//!     unit = "months"
//!     min = 0
//!     required = true
//!
//!     [[features]]
//!     name = "customerID"
//!     kind = "identifier"
//! "#)?;
//! assert_eq!(schema.input_names(), ["tenure", "MonthlyCharges"]);
//! assert_eq!(schema.identifier().map(|f| f.name.as_str()), Some("customerID"));
//! assert_eq!(schema.feature("tenure").unwrap().min, Some(0.0));
//! # Ok::<(), churn_core::Error>(())
//! ```

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::intake::values::{category_key, parse_date};
use crate::model::CategoryLabels;
use crate::model::{FeatureKind, Model};

/// What a feature holds and how its cells become model inputs.
///
/// ```
/// let k: churn_core::ValueKind = serde_json::from_str("\"date_derived\"").unwrap();
/// assert_eq!(k, churn_core::ValueKind::DateDerived);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// A number (currency strings, thousands separators and percentages are accepted).
    Numeric,
    /// One of a set of levels; the model receives the level's index in `categories`
    /// (or an integer code when the schema lists no categories).
    Categorical,
    /// Yes/No, Y/N, true/false, 1/0; the model receives 1 or 0.
    Boolean,
    /// A date turned into a number: the time from the date to the as-of date in `unit`
    /// (`months`, the default, `days` or `years`). A plain number is taken as already derived.
    DateDerived,
    /// The customer id: not a model input; used in issues and checked for duplicates.
    Identifier,
    /// The churn label: not a model input; used to evaluate.
    Label,
}

impl ValueKind {
    /// Whether features of this kind are model inputs.
    ///
    /// ```
    /// assert!(churn_core::ValueKind::Boolean.is_input());
    /// assert!(!churn_core::ValueKind::Label.is_input());
    /// ```
    pub fn is_input(self) -> bool {
        !matches!(self, ValueKind::Identifier | ValueKind::Label)
    }

    /// Stable lowercase name (`numeric`, `categorical`, `boolean`, `date_derived`,
    /// `identifier`, `label`).
    ///
    /// ```
    /// assert_eq!(churn_core::ValueKind::DateDerived.as_str(), "date_derived");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ValueKind::Numeric => "numeric",
            ValueKind::Categorical => "categorical",
            ValueKind::Boolean => "boolean",
            ValueKind::DateDerived => "date_derived",
            ValueKind::Identifier => "identifier",
            ValueKind::Label => "label",
        }
    }
}

/// What the validator does with an invalid cell (not a number, unknown category, out of range).
///
/// ```
/// let p: churn_core::Policy = serde_json::from_str("\"clamp\"").unwrap();
/// assert_eq!(p, churn_core::Policy::Clamp);
/// assert_eq!(churn_core::Policy::default(), churn_core::Policy::Reject);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Reject the row (the default: bad data never reaches the model).
    #[default]
    Reject,
    /// Score the row with the cell treated as missing (a warning is still recorded).
    Missing,
    /// Out-of-range numbers are clamped to `min`/`max`; other invalid cells become missing.
    Clamp,
}

/// One feature (or non-input column) of a [`Schema`].
///
/// ```
/// use churn_core::{FeatureSpec, ValueKind};
/// let f = FeatureSpec::new("Contract", ValueKind::Categorical)
///     .with_categories(&["Month-to-month", "One year", "Two year"]);
/// assert_eq!(f.display(), "Contract");
/// assert_eq!(f.categories.len(), 3);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureSpec {
    /// The model's name for the feature.
    pub name: String,
    /// Name shown to people (the `name` when empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    /// What it holds.
    pub kind: ValueKind,
    /// Unit: `months`, `days`, `years`, `currency`, `percent` (cells like `12%` read as 12),
    /// `fraction` (cells like `12%` read as 0.12), or free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Smallest valid value (numeric and date-derived features).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest valid value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Levels of a categorical feature in code order (index = the code the model saw), or the
    /// two values of a label / boolean as `[negative, positive]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// Required: the column must be present and every cell filled, else the row is rejected.
    #[serde(default)]
    pub required: bool,
    /// Other header names that mean this feature (matched before the vocabulary).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Vocabulary concept id (e.g. `monthly_charges`); resolved from the name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concept: Option<String>,
    /// What to do with invalid cells.
    #[serde(default)]
    pub on_invalid: Policy,
    /// Share of rows with a problem in this feature above which the validator warns.
    #[serde(default = "default_warn")]
    pub warn_above: f64,
    /// Share of rows with a problem above which the validator reports an error for the column.
    #[serde(default = "default_error")]
    pub error_above: f64,
    /// As-of date (ISO `YYYY-MM-DD`) for date-derived features, unless the caller gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
}

fn default_warn() -> f64 {
    0.05
}

fn default_error() -> f64 {
    0.5
}

impl FeatureSpec {
    /// A feature with default settings: optional, policy `reject`, warn above 5% problems,
    /// error above 50%.
    ///
    /// ```
    /// let f = churn_core::FeatureSpec::new("tenure", churn_core::ValueKind::Numeric);
    /// assert!(!f.required);
    /// ```
    pub fn new(name: &str, kind: ValueKind) -> FeatureSpec {
        FeatureSpec {
            name: name.to_string(),
            display_name: String::new(),
            kind,
            unit: None,
            min: None,
            max: None,
            categories: Vec::new(),
            required: false,
            aliases: Vec::new(),
            concept: None,
            on_invalid: Policy::Reject,
            warn_above: default_warn(),
            error_above: default_error(),
            as_of: None,
        }
    }

    /// The same feature with these categories (code order).
    ///
    /// ```
    /// let f = churn_core::FeatureSpec::new("plan", churn_core::ValueKind::Categorical)
    ///     .with_categories(&["basic", "pro"]);
    /// assert_eq!(f.categories, ["basic", "pro"]);
    /// ```
    pub fn with_categories<S: AsRef<str>>(mut self, categories: &[S]) -> FeatureSpec {
        self.categories = categories.iter().map(|c| c.as_ref().to_string()).collect();
        self
    }

    /// The same feature, required or not.
    ///
    /// ```
    /// let f = churn_core::FeatureSpec::new("tenure", churn_core::ValueKind::Numeric).required(true);
    /// assert!(f.required);
    /// ```
    pub fn required(mut self, required: bool) -> FeatureSpec {
        self.required = required;
        self
    }

    /// The same feature with a valid range (either end may be open).
    ///
    /// ```
    /// let f = churn_core::FeatureSpec::new("tenure", churn_core::ValueKind::Numeric)
    ///     .with_range(Some(0.0), None);
    /// assert_eq!(f.min, Some(0.0));
    /// ```
    pub fn with_range(mut self, min: Option<f64>, max: Option<f64>) -> FeatureSpec {
        self.min = min;
        self.max = max;
        self
    }

    /// The name shown to people.
    ///
    /// ```
    /// let mut f = churn_core::FeatureSpec::new("mrr", churn_core::ValueKind::Numeric);
    /// f.display_name = "Monthly recurring revenue".into();
    /// assert_eq!(f.display(), "Monthly recurring revenue");
    /// ```
    pub fn display(&self) -> &str {
        if self.display_name.is_empty() {
            &self.name
        } else {
            &self.display_name
        }
    }

    fn check(&self) -> Result<()> {
        let at = |field: &str| format!("feature `{}`, field `{field}`", self.name);
        if self.name.trim().is_empty() {
            return Err(Error::Schema {
                field: "features[].name".into(),
                reason: "a feature has an empty name".into(),
            });
        }
        for (v, f) in [(self.min, "min"), (self.max, "max")] {
            if v.is_some_and(|v| !v.is_finite()) {
                return Err(Error::Schema {
                    field: at(f),
                    reason: "must be a finite number".into(),
                });
            }
        }
        if let (Some(lo), Some(hi)) = (self.min, self.max) {
            if lo > hi {
                return Err(Error::Schema {
                    field: at("min"),
                    reason: format!("min {lo} is above max {hi}"),
                });
            }
        }
        for (v, f) in [
            (self.warn_above, "warn_above"),
            (self.error_above, "error_above"),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(Error::Schema {
                    field: at(f),
                    reason: format!("{v} is not a share between 0 and 1"),
                });
            }
        }
        let mut seen = HashSet::new();
        for c in &self.categories {
            if !seen.insert(category_key(c)) {
                return Err(Error::Schema {
                    field: at("categories"),
                    reason: format!("category {c:?} is listed twice (ignoring case and spacing)"),
                });
            }
        }
        if matches!(self.kind, ValueKind::Boolean | ValueKind::Label)
            && !self.categories.is_empty()
            && self.categories.len() != 2
        {
            return Err(Error::Schema {
                field: at("categories"),
                reason: "a boolean or label lists exactly two values: [negative, positive]".into(),
            });
        }
        if let Some(d) = &self.as_of {
            if parse_date(d).is_none() {
                return Err(Error::Schema {
                    field: at("as_of"),
                    reason: format!("{d:?} is not a date (use YYYY-MM-DD)"),
                });
            }
        }
        if self.kind == ValueKind::DateDerived {
            if let Some(u) = &self.unit {
                if !matches!(u.as_str(), "months" | "days" | "years") {
                    return Err(Error::Schema {
                        field: at("unit"),
                        reason: format!(
                            "a date-derived feature counts months, days or years, not {u:?}"
                        ),
                    });
                }
            }
        }
        Ok(())
    }
}

/// A partial feature description from a schema file; present fields replace the base ones.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeaturePatch {
    name: String,
    display_name: Option<String>,
    kind: Option<ValueKind>,
    unit: Option<String>,
    min: Option<f64>,
    max: Option<f64>,
    categories: Option<Vec<String>>,
    required: Option<bool>,
    aliases: Option<Vec<String>>,
    concept: Option<String>,
    on_invalid: Option<Policy>,
    warn_above: Option<f64>,
    error_above: Option<f64>,
    as_of: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemaPatch {
    #[serde(default)]
    features: Vec<FeaturePatch>,
}

/// Features a model needs, plus the identifier and label columns.
///
/// ```
/// let model = churn_core::Model::load("../tests/fixtures/xgb_binary/model.json")?;
/// let schema = churn_core::Schema::from_model(&model);
/// assert_eq!(schema.num_inputs(), model.num_features());
/// schema.check_model(&model)?;
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    /// Features in order; inputs appear in the model's column order.
    pub features: Vec<FeatureSpec>,
}

impl Schema {
    /// The schema a model implies: one optional feature per model input, numeric or
    /// categorical (integer codes, no category names), named as in the model file.
    ///
    /// ```
    /// let model = churn_core::Model::load("../tests/fixtures/xgb_categorical/model.json")?;
    /// let schema = churn_core::Schema::from_model(&model);
    /// assert!(schema.inputs().any(|f| f.kind == churn_core::ValueKind::Categorical));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn from_model(model: &Model) -> Schema {
        let labels = model.category_labels();
        let features = model
            .feature_names()
            .iter()
            .zip(model.feature_kinds())
            .enumerate()
            .map(|(f, (name, kind))| {
                let k = match kind {
                    FeatureKind::Numeric => ValueKind::Numeric,
                    FeatureKind::Categorical => ValueKind::Categorical,
                };
                let spec = FeatureSpec::new(name, k);
                // Labels the training library stored (code = index) name the levels, so raw
                // text such as "Month-to-month" validates to the code the model was trained on.
                match labels.get(f).and_then(Option::as_ref) {
                    Some(CategoryLabels::Strings(v)) => spec.with_categories(v),
                    Some(CategoryLabels::Numbers(v)) => {
                        let names: Vec<String> = v.iter().map(|x| format!("{x}")).collect();
                        spec.with_categories(&names)
                    }
                    None => spec,
                }
            })
            .collect();
        Schema { features }
    }

    /// A schema of numeric, optional features with these names.
    ///
    /// ```
    /// let s = churn_core::Schema::from_names(&["tenure", "mrr"]);
    /// assert_eq!(s.num_inputs(), 2);
    /// ```
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Schema {
        Schema {
            features: names
                .iter()
                .map(|n| FeatureSpec::new(n.as_ref(), ValueKind::Numeric))
                .collect(),
        }
    }

    /// Parses a complete schema from JSON (`{"features": [...]}`) and checks it.
    ///
    /// ```
    /// let s = churn_core::Schema::from_json(r#"{"features": [{"name": "tenure", "kind": "numeric"}]}"#)?;
    /// assert_eq!(s.features[0].warn_above, 0.05);
    /// assert!(churn_core::Schema::from_json("{").is_err());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Schema> {
        let s: Schema = serde_json::from_str(text).map_err(|e| Error::Schema {
            field: format!("line {}, column {}", e.line(), e.column()),
            reason: e.to_string(),
        })?;
        s.check()?;
        Ok(s)
    }

    /// Parses a complete schema from TOML (`[[features]]` tables) and checks it.
    ///
    /// ```
    /// let s = churn_core::Schema::from_toml("[[features]]\nname = \"plan\"\nkind = \"categorical\"\n")?;
    /// assert_eq!(s.features[0].kind, churn_core::ValueKind::Categorical);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn from_toml(text: &str) -> Result<Schema> {
        let s: Schema = toml::from_str(text).map_err(|e| toml_error(&e))?;
        s.check()?;
        Ok(s)
    }

    /// Reads a schema file: TOML when the name ends in `.toml`, JSON otherwise.
    ///
    /// ```no_run
    /// let s = churn_core::Schema::load("schema.toml")?;
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<Schema> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
        {
            Schema::from_toml(&text)
        } else {
            Schema::from_json(&text)
        }
        .map_err(|e| e.in_file(path))
    }

    /// The schema as pretty JSON (the format [`Schema::from_json`] reads).
    ///
    /// ```
    /// let s = churn_core::Schema::from_names(&["tenure"]);
    /// assert_eq!(churn_core::Schema::from_json(&s.to_json())?, s);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Applies a JSON schema file on top of this schema: features named in the file get the
    /// fields the file gives; features the file adds are appended (they need a `kind`).
    ///
    /// ```
    /// let s = churn_core::Schema::from_names(&["tenure"])
    ///     .enrich_json(r#"{"features": [{"name": "tenure", "required": true}]}"#)?;
    /// assert!(s.features[0].required);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn enrich_json(self, text: &str) -> Result<Schema> {
        let patch: SchemaPatch = serde_json::from_str(text).map_err(|e| Error::Schema {
            field: format!("line {}, column {}", e.line(), e.column()),
            reason: e.to_string(),
        })?;
        self.apply(patch)
    }

    /// Applies a TOML schema file on top of this schema (see [`Schema::enrich_json`]).
    ///
    /// ```
    /// let s = churn_core::Schema::from_names(&["tenure"])
    ///     .enrich_toml("[[features]]\nname = \"Churn\"\nkind = \"label\"\n")?;
    /// assert!(s.label().is_some());
    /// assert!(churn_core::Schema::from_names(&["a"]).enrich_toml("[[features]]\nname = \"b\"\n").is_err());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn enrich_toml(self, text: &str) -> Result<Schema> {
        let patch: SchemaPatch = toml::from_str(text).map_err(|e| toml_error(&e))?;
        self.apply(patch)
    }

    fn apply(mut self, patch: SchemaPatch) -> Result<Schema> {
        for p in patch.features {
            let idx = self.features.iter().position(|f| f.name == p.name);
            let f = match idx {
                Some(i) => &mut self.features[i],
                None => {
                    let kind = p.kind.ok_or_else(|| Error::Schema {
                        field: format!("feature `{}`, field `kind`", p.name),
                        reason: "a feature the base schema does not have needs a kind".into(),
                    })?;
                    self.features.push(FeatureSpec::new(&p.name, kind));
                    let last = self.features.len() - 1;
                    &mut self.features[last]
                }
            };
            if let Some(v) = p.display_name {
                f.display_name = v;
            }
            if let Some(v) = p.kind {
                f.kind = v;
            }
            if p.unit.is_some() {
                f.unit = p.unit;
            }
            if p.min.is_some() {
                f.min = p.min;
            }
            if p.max.is_some() {
                f.max = p.max;
            }
            if let Some(v) = p.categories {
                f.categories = v;
            }
            if let Some(v) = p.required {
                f.required = v;
            }
            if let Some(v) = p.aliases {
                f.aliases = v;
            }
            if p.concept.is_some() {
                f.concept = p.concept;
            }
            if let Some(v) = p.on_invalid {
                f.on_invalid = v;
            }
            if let Some(v) = p.warn_above {
                f.warn_above = v;
            }
            if let Some(v) = p.error_above {
                f.error_above = v;
            }
            if p.as_of.is_some() {
                f.as_of = p.as_of;
            }
        }
        self.check()?;
        Ok(self)
    }

    /// Checks names are unique, ranges and thresholds make sense, there is at most one
    /// identifier and one label.
    ///
    /// ```
    /// let mut s = churn_core::Schema::from_names(&["a", "a"]);
    /// assert!(s.check().is_err());
    /// ```
    pub fn check(&self) -> Result<()> {
        let mut names = HashSet::new();
        for f in &self.features {
            f.check()?;
            if !names.insert(f.name.as_str()) {
                return Err(Error::Schema {
                    field: format!("feature `{}`", f.name),
                    reason: "the name is used twice".into(),
                });
            }
        }
        for kind in [ValueKind::Identifier, ValueKind::Label] {
            let n = self.features.iter().filter(|f| f.kind == kind).count();
            if n > 1 {
                return Err(Error::Schema {
                    field: "features".into(),
                    reason: format!(
                        "{n} features have kind `{}`; at most one may",
                        kind.as_str()
                    ),
                });
            }
        }
        Ok(())
    }

    /// Checks the schema's inputs are the model's features: same count, same names (unless
    /// the model has only generic `f0`, `f1`, ... names), categorical where the model is.
    ///
    /// ```
    /// let model = churn_core::Model::load("../tests/fixtures/xgb_binary/model.json")?;
    /// assert!(churn_core::Schema::from_names(&["x"]).check_model(&model).is_err());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn check_model(&self, model: &Model) -> Result<()> {
        let inputs: Vec<&FeatureSpec> = self.inputs().collect();
        if inputs.len() != model.num_features() {
            return Err(Error::Schema {
                field: "features".into(),
                reason: format!(
                    "the schema has {} input features but the model expects {}",
                    inputs.len(),
                    model.num_features()
                ),
            });
        }
        let generic = model
            .feature_names()
            .iter()
            .enumerate()
            .all(|(i, n)| *n == format!("f{i}"));
        for (i, (f, (name, kind))) in inputs
            .iter()
            .zip(model.feature_names().iter().zip(model.feature_kinds()))
            .enumerate()
        {
            if !generic && f.name != *name {
                return Err(Error::Schema {
                    field: format!("feature `{}`", f.name),
                    reason: format!("input {i} of the model is named `{name}`"),
                });
            }
            if *kind == FeatureKind::Categorical && f.kind != ValueKind::Categorical {
                return Err(Error::Schema {
                    field: format!("feature `{}`, field `kind`", f.name),
                    reason: format!(
                        "the model splits on it as categorical, but the schema says `{}`",
                        f.kind.as_str()
                    ),
                });
            }
        }
        Ok(())
    }

    /// The feature with this name.
    ///
    /// ```
    /// assert!(churn_core::Schema::from_names(&["a"]).feature("a").is_some());
    /// ```
    pub fn feature(&self, name: &str) -> Option<&FeatureSpec> {
        self.features.iter().find(|f| f.name == name)
    }

    /// Model inputs, in model column order.
    ///
    /// ```
    /// assert_eq!(churn_core::Schema::from_names(&["a", "b"]).inputs().count(), 2);
    /// ```
    pub fn inputs(&self) -> impl Iterator<Item = &FeatureSpec> {
        self.features.iter().filter(|f| f.kind.is_input())
    }

    /// Names of the model inputs, in model column order.
    ///
    /// ```
    /// assert_eq!(churn_core::Schema::from_names(&["a", "b"]).input_names(), ["a", "b"]);
    /// ```
    pub fn input_names(&self) -> Vec<&str> {
        self.inputs().map(|f| f.name.as_str()).collect()
    }

    /// Number of model inputs.
    ///
    /// ```
    /// assert_eq!(churn_core::Schema::default().num_inputs(), 0);
    /// ```
    pub fn num_inputs(&self) -> usize {
        self.inputs().count()
    }

    /// The customer-id column, if the schema has one.
    ///
    /// ```
    /// assert!(churn_core::Schema::from_names(&["a"]).identifier().is_none());
    /// ```
    pub fn identifier(&self) -> Option<&FeatureSpec> {
        self.features
            .iter()
            .find(|f| f.kind == ValueKind::Identifier)
    }

    /// The churn-label column, if the schema has one.
    ///
    /// ```
    /// assert!(churn_core::Schema::from_names(&["a"]).label().is_none());
    /// ```
    pub fn label(&self) -> Option<&FeatureSpec> {
        self.features.iter().find(|f| f.kind == ValueKind::Label)
    }
}

fn toml_error(e: &toml::de::Error) -> Error {
    Error::Schema {
        field: e
            .span()
            .map(|s| format!("byte {}", s.start))
            .unwrap_or_else(|| "file".into()),
        reason: e.message().to_string(),
    }
}
