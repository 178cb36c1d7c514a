//! Risk tiers and reason codes: from a churn probability and its SHAP values to "who is at
//! risk, and why", in words a customer-success team can act on.
//!
//! # Tiers
//!
//! A bundle's [`RiskTiers`] decide the tier of a probability (the last tier whose
//! `min_probability` it reaches). A bundle without tiers uses [`default_tiers`]:
//!
//! | tier | churn probability |
//! |---|---|
//! | `low` | below 0.25 |
//! | `medium` | 0.25 to below 0.50 |
//! | `high` | 0.50 and above |
//!
//! 0.5 is where the model says "more likely to leave than stay"; 0.25 sits near the base churn
//! rate of subscription businesses (26.5% in the IBM Telco data), so `medium` means "at least as
//! likely to leave as a typical customer". A probability below a bundle's lowest bound falls in
//! its lowest tier.
//!
//! # Reasons
//!
//! Each feature's SHAP value `phi_j` is its contribution to the margin (log-odds for a logistic
//! model); they sum with the bias `b` (the model's expected margin) to the customer's margin.
//! Reasons report each contribution in margin units and in **probability points** (percentage
//! points of churn probability), converted by *proportional allocation*: with
//! `p0 = sigmoid(b)` the base probability and `p = sigmoid(b + sum phi)` the customer's,
//!
//! ```text
//! points_j = 100 * phi_j * (p - p0) / sum_k phi_k
//! ```
//!
//! i.e. the margin contribution times the secant slope of the sigmoid between the base and the
//! customer's margin (its derivative `p0 (1 - p0)` when the margins coincide). The slope is
//! positive, so a feature's points have the sign of its SHAP value; the points of all features
//! sum to `100 * (p - p0)` exactly (up to rounding); and a feature's share of the probability
//! change is its share of the margin change. (The alternative `sigmoid(b + phi_j) - p0` reads
//! each feature in isolation, but those do not add up to the customer's probability.) For
//! XGBoost models `p` equals the reported probability to about 1e-7 (XGBoost sums its trees
//! in f32); for LightGBM exactly.
//!
//! The text of a reason names the feature by its schema display name and shows the customer's
//! own value with its unit: `Contract (Month-to-month) raises churn risk by 12.3 points`.
//!
//! ```
//! use churn_core::risk::{Explainer, tiers_of};
//! let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
//! let explainer = Explainer::new(&bundle, 3)?;
//! let x = bundle.sample().unwrap().matrix();
//! let phi = bundle.model().shap_values(x.view())?;
//! let e = explainer.explain(x.row(0).as_slice().unwrap(), phi.slice(ndarray::s![0, 0, ..]).as_slice().unwrap());
//! let total: f64 = e.all_points();
//! assert!((total - 100.0 * (e.probability - e.base_probability)).abs() < 1e-9);
//! assert!(e.raises.len() <= 3 && e.lowers.len() <= 3);
//! let tier = tiers_of(&bundle).tier_of(e.probability).unwrap().to_string();
//! assert!(["low", "medium", "high"].contains(&tier.as_str()));
//! # Ok::<(), churn_core::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::intake::schema::{FeatureSpec, Schema, ValueKind};
use crate::model::{Model, Transform};
use crate::report::reference::{category_name, fmt_num};
use crate::report::tiers::{RiskTiers, Tier};

/// Default lower bound of the `medium` tier.
///
/// ```
/// assert_eq!(churn_core::risk::DEFAULT_MEDIUM, 0.25);
/// ```
pub const DEFAULT_MEDIUM: f64 = 0.25;

/// Default lower bound of the `high` tier.
///
/// ```
/// assert_eq!(churn_core::risk::DEFAULT_HIGH, 0.5);
/// ```
pub const DEFAULT_HIGH: f64 = 0.5;

/// Default number of reasons per direction (raising and lowering risk) per customer.
///
/// ```
/// assert_eq!(churn_core::risk::DEFAULT_TOP_K, 3);
/// ```
pub const DEFAULT_TOP_K: usize = 3;

/// The documented default tiers: `low` from 0, `medium` from 0.25, `high` from 0.5.
///
/// ```
/// let t = churn_core::risk::default_tiers();
/// assert_eq!(t.tier_of(0.3), Some("medium"));
/// ```
pub fn default_tiers() -> RiskTiers {
    RiskTiers {
        tiers: vec![
            Tier {
                name: "low".into(),
                min_probability: 0.0,
            },
            Tier {
                name: "medium".into(),
                min_probability: DEFAULT_MEDIUM,
            },
            Tier {
                name: "high".into(),
                min_probability: DEFAULT_HIGH,
            },
        ],
    }
}

/// Index of a probability's tier in `tiers` (ascending bounds): the last tier whose bound it
/// reaches, the lowest tier when it reaches none (or is NaN).
///
/// ```
/// let t = churn_core::risk::default_tiers();
/// assert_eq!(churn_core::risk::tier_index(&t, 0.9), 2);
/// assert_eq!(churn_core::risk::tier_index(&t, f64::NAN), 0);
/// ```
pub fn tier_index(tiers: &RiskTiers, probability: f64) -> usize {
    tiers
        .tiers
        .iter()
        .rposition(|t| probability >= t.min_probability)
        .unwrap_or(0)
}

/// Customers in one tier.
///
/// ```
/// let c = churn_core::risk::TierCount { name: "high".into(), min_probability: 0.5, count: 3, percent: 30.0 };
/// assert_eq!(c.count, 3);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TierCount {
    /// Tier name.
    pub name: String,
    /// Lower bound of the tier's churn probability.
    pub min_probability: f64,
    /// Customers in the tier.
    pub count: u64,
    /// Share of all scored customers, in percent (0 when none were scored).
    pub percent: f64,
}

/// Counts and percentages per tier, in ascending order; counts of chunks merge exactly.
///
/// ```
/// use churn_core::risk::{default_tiers, TierCounts};
/// let mut a = TierCounts::new(&default_tiers());
/// a.add(0.9);
/// let mut b = TierCounts::new(&default_tiers());
/// b.add(0.1);
/// b.add(0.2);
/// a.merge(&b);
/// assert_eq!(a.total, 3);
/// assert_eq!(a.get("low").unwrap().count, 2);
/// assert!((a.get("high").unwrap().percent - 100.0 / 3.0).abs() < 1e-9);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TierCounts {
    /// One entry per tier, lowest first.
    pub tiers: Vec<TierCount>,
    /// Customers counted.
    pub total: u64,
}

impl TierCounts {
    /// Zero counts for these tiers.
    ///
    /// ```
    /// let c = churn_core::risk::TierCounts::new(&churn_core::risk::default_tiers());
    /// assert_eq!((c.tiers.len(), c.total), (3, 0));
    /// ```
    pub fn new(tiers: &RiskTiers) -> TierCounts {
        TierCounts {
            tiers: tiers
                .tiers
                .iter()
                .map(|t| TierCount {
                    name: t.name.clone(),
                    min_probability: t.min_probability,
                    count: 0,
                    percent: 0.0,
                })
                .collect(),
            total: 0,
        }
    }

    /// Counts one probability in its tier.
    ///
    /// ```
    /// let mut c = churn_core::risk::TierCounts::new(&churn_core::risk::default_tiers());
    /// c.add(0.3);
    /// assert_eq!(c.get("medium").unwrap().count, 1);
    /// ```
    pub fn add(&mut self, probability: f64) {
        let i = self
            .tiers
            .iter()
            .rposition(|t| probability >= t.min_probability)
            .unwrap_or(0);
        self.add_index(i);
    }

    /// Counts one customer in tier `index` (ignored when there is no such tier).
    ///
    /// ```
    /// let mut c = churn_core::risk::TierCounts::new(&churn_core::risk::default_tiers());
    /// c.add_index(2);
    /// assert_eq!(c.tiers[2].count, 1);
    /// ```
    pub fn add_index(&mut self, index: usize) {
        if let Some(t) = self.tiers.get_mut(index) {
            t.count += 1;
            self.total += 1;
            self.refresh();
        }
    }

    /// Adds another count of the same tiers (tiers are matched by name; unknown names are
    /// appended).
    ///
    /// ```
    /// use churn_core::risk::{default_tiers, TierCounts};
    /// let mut a = TierCounts::new(&default_tiers());
    /// let mut b = TierCounts::new(&default_tiers());
    /// b.add(0.7);
    /// a.merge(&b);
    /// assert_eq!(a.tiers[2].count, 1);
    /// ```
    pub fn merge(&mut self, other: &TierCounts) {
        for o in &other.tiers {
            match self.tiers.iter_mut().find(|t| t.name == o.name) {
                Some(t) => t.count += o.count,
                None => self.tiers.push(o.clone()),
            }
        }
        self.total += other.total;
        self.refresh();
    }

    /// The entry of a tier.
    ///
    /// ```
    /// let c = churn_core::risk::TierCounts::new(&churn_core::risk::default_tiers());
    /// assert!(c.get("high").is_some() && c.get("extreme").is_none());
    /// ```
    pub fn get(&self, name: &str) -> Option<&TierCount> {
        self.tiers.iter().find(|t| t.name == name)
    }

    fn refresh(&mut self) {
        let total = self.total;
        for t in &mut self.tiers {
            t.percent = if total == 0 {
                0.0
            } else {
                100.0 * t.count as f64 / total as f64
            };
        }
    }
}

/// The probability-point conversion of one customer's SHAP values (see the module docs).
///
/// ```
/// let p = churn_core::risk::probability_points(&[1.0, -0.5], 0.0, 1.0);
/// assert_eq!(p.base_probability, 0.5);
/// let sum: f64 = p.points.iter().sum();
/// assert!((sum - 100.0 * (p.probability - 0.5)).abs() < 1e-12);
/// assert!(p.points[0] > 0.0 && p.points[1] < 0.0);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Points {
    /// `sigmoid(scale * bias)`: the churn probability of the average training customer.
    pub base_probability: f64,
    /// `sigmoid(scale * (bias + sum phi))`: this customer's churn probability.
    pub probability: f64,
    /// Per feature: percentage points of churn probability; they sum to
    /// `100 * (probability - base_probability)`.
    pub points: Vec<f64>,
}

fn sigmoid(scale: f64, margin: f64) -> f64 {
    1.0 / (1.0 + libm::exp(-scale * margin))
}

/// Converts margin contributions `phi` (features only, without the bias) into probability
/// points by proportional allocation of `p - p0` (see the module docs). `scale` is the
/// sigmoid's scale (1 for XGBoost; LightGBM's `sigmoid:` parameter).
///
/// ```
/// let p = churn_core::risk::probability_points(&[0.0, 0.0], 0.3, 1.0);
/// assert_eq!(p.points, [0.0, 0.0]);
/// assert_eq!(p.probability, p.base_probability);
/// ```
pub fn probability_points(phi: &[f64], bias: f64, scale: f64) -> Points {
    let total: f64 = phi.iter().sum();
    let p0 = sigmoid(scale, bias);
    let p = sigmoid(scale, bias + total);
    // The secant slope of the link; its limit (the derivative) when the margin barely moves,
    // where the difference quotient would lose all its digits.
    let slope = if total.abs() > 1e-9 {
        (p - p0) / total
    } else {
        scale * p0 * (1.0 - p0)
    };
    Points {
        base_probability: p0,
        probability: p,
        points: phi.iter().map(|v| 100.0 * v * slope).collect(),
    }
}

/// The customer's value of a feature, as people read it: category names, yes/no, numbers
/// with their unit (`34 months`, `1,889.50`, `12%`), `missing` for NaN.
///
/// ```
/// use churn_core::{FeatureSpec, ValueKind};
/// use churn_core::risk::display_value;
/// let mut tenure = FeatureSpec::new("tenure", ValueKind::Numeric);
/// tenure.unit = Some("months".into());
/// assert_eq!(display_value(&tenure, 1.0), "1 month");
/// assert_eq!(display_value(&tenure, 34.0), "34 months");
/// let mut fee = FeatureSpec::new("fee", ValueKind::Numeric);
/// fee.unit = Some("currency".into());
/// assert_eq!(display_value(&fee, 1889.5), "1,889.50");
/// let plan = FeatureSpec::new("plan", ValueKind::Categorical).with_categories(&["basic", "pro"]);
/// assert_eq!(display_value(&plan, 1.0), "pro");
/// assert_eq!(display_value(&FeatureSpec::new("x", ValueKind::Boolean), 0.0), "no");
/// assert_eq!(display_value(&plan, f64::NAN), "missing");
/// ```
pub fn display_value(spec: &FeatureSpec, v: f64) -> String {
    if v.is_nan() {
        return "missing".into();
    }
    match spec.kind {
        ValueKind::Categorical => category_name(spec, v),
        ValueKind::Boolean | ValueKind::Label => {
            if spec.categories.len() == 2 && (v == 0.0 || v == 1.0) {
                spec.categories[v as usize].clone()
            } else if v == 1.0 {
                "yes".into()
            } else if v == 0.0 {
                "no".into()
            } else {
                fmt_num(v)
            }
        }
        ValueKind::Numeric | ValueKind::DateDerived | ValueKind::Identifier => {
            match spec.unit.as_deref() {
                Some(u @ ("months" | "days" | "years")) => {
                    let n = fmt_num(v);
                    if v == 1.0 {
                        format!("{n} {}", &u[..u.len() - 1])
                    } else {
                        format!("{n} {u}")
                    }
                }
                Some("currency") => money(v),
                Some("percent") => format!("{}%", fmt_num(v)),
                Some("fraction") => format!("{}%", fmt_num(v * 100.0)),
                Some(u) if !u.trim().is_empty() => format!("{} {u}", fmt_num(v)),
                _ => fmt_num(v),
            }
        }
    }
}

/// Two decimals with thousands separators: `1,889.50`, `-12.00`.
fn money(v: f64) -> String {
    let s = format!("{:.2}", v.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{}{grouped}.{frac}", if v < 0.0 { "-" } else { "" })
}

/// Whether a reason raises or lowers churn risk.
///
/// ```
/// assert_eq!(churn_core::risk::Direction::Raises.as_str(), "raises");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// A positive contribution: the feature makes churn more likely.
    Raises,
    /// A negative contribution: the feature makes churn less likely.
    Lowers,
}

impl Direction {
    /// `raises` or `lowers`.
    ///
    /// ```
    /// assert_eq!(churn_core::risk::Direction::Lowers.as_str(), "lowers");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Raises => "raises",
            Direction::Lowers => "lowers",
        }
    }
}

/// One driver of a customer's churn risk.
///
/// ```
/// # let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// # let ex = churn_core::risk::Explainer::new(&bundle, 3)?;
/// # let x = bundle.sample().unwrap().matrix();
/// # let phi = bundle.model().shap_values(x.view())?;
/// let e = ex.explain(x.row(0).as_slice().unwrap(), phi.slice(ndarray::s![0, 0, ..]).as_slice().unwrap());
/// let r = e.raises.first().or(e.lowers.first()).unwrap();
/// assert!(r.text.contains(&r.display_name) && r.text.contains(&r.value));
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// The model's feature name.
    pub feature: String,
    /// The schema's display name.
    pub display_name: String,
    /// The customer's value, as people read it (see [`display_value`]).
    pub value: String,
    /// The model input (category code, 0/1, number); `None` when missing.
    pub input: Option<f64>,
    /// Raises or lowers risk.
    pub direction: Direction,
    /// The raw SHAP value: contribution to the margin (log-odds).
    pub contribution: f64,
    /// The contribution in percentage points of churn probability (see the module docs).
    pub points: f64,
    /// Plain-language sentence, e.g. `Contract (Month-to-month) raises churn risk by 12.3 points`.
    pub text: String,
}

/// Why one customer got their churn probability: the strongest drivers each way.
///
/// ```
/// # let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// # let ex = churn_core::risk::Explainer::new(&bundle, 2)?;
/// # let x = bundle.sample().unwrap().matrix();
/// # let phi = bundle.model().shap_values(x.view())?;
/// let e = ex.explain(x.row(1).as_slice().unwrap(), phi.slice(ndarray::s![1, 0, ..]).as_slice().unwrap());
/// assert!(e.raises.iter().all(|r| r.points > 0.0));
/// assert!(e.lowers.iter().all(|r| r.points < 0.0));
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// Churn probability implied by the SHAP values (`sigmoid(bias + sum phi)`).
    pub probability: f64,
    /// Churn probability of the average training customer (`sigmoid(bias)`).
    pub base_probability: f64,
    /// The margin (log-odds): bias plus every contribution.
    pub margin: f64,
    /// The strongest drivers raising risk, strongest first.
    pub raises: Vec<Reason>,
    /// The strongest drivers lowering risk, strongest first.
    pub lowers: Vec<Reason>,
    /// Probability points of the features not listed (so that everything sums to
    /// `100 * (probability - base_probability)`).
    pub other_points: f64,
}

impl Explanation {
    /// Sum of the points of every feature, listed or not.
    ///
    /// ```
    /// # let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// # let ex = churn_core::risk::Explainer::new(&bundle, 1)?;
    /// # let x = bundle.sample().unwrap().matrix();
    /// # let phi = bundle.model().shap_values(x.view())?;
    /// let e = ex.explain(x.row(2).as_slice().unwrap(), phi.slice(ndarray::s![2, 0, ..]).as_slice().unwrap());
    /// assert!((e.all_points() - 100.0 * (e.probability - e.base_probability)).abs() < 1e-9);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn all_points(&self) -> f64 {
        self.raises
            .iter()
            .chain(&self.lowers)
            .map(|r| r.points)
            .sum::<f64>()
            + self.other_points
    }

    /// The reasons as one line: raising first, then lowering, separated by `; `.
    ///
    /// ```
    /// # let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// # let ex = churn_core::risk::Explainer::new(&bundle, 1)?;
    /// # let x = bundle.sample().unwrap().matrix();
    /// # let phi = bundle.model().shap_values(x.view())?;
    /// let e = ex.explain(x.row(0).as_slice().unwrap(), phi.slice(ndarray::s![0, 0, ..]).as_slice().unwrap());
    /// assert!(e.summary().contains("churn risk"));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn summary(&self) -> String {
        self.raises
            .iter()
            .chain(&self.lowers)
            .map(|r| r.text.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Builds reasons for rows of a binary churn model: holds the schema's inputs, the bias and
/// the sigmoid's scale.
///
/// ```
/// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let ex = churn_core::risk::Explainer::new(&b, 3)?;
/// assert!(ex.base_probability() > 0.0 && ex.base_probability() < 1.0);
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Explainer {
    specs: Vec<FeatureSpec>,
    bias: f64,
    scale: f64,
    top_k: usize,
}

impl Explainer {
    /// An explainer for a model and the schema of its inputs.
    ///
    /// ```
    /// let m = churn_core::Model::load("../tests/fixtures/xgb_binary/model.json")?;
    /// let s = churn_core::Schema::from_model(&m);
    /// let ex = churn_core::risk::Explainer::from_parts(&m, &s, 2)?;
    /// assert_eq!(ex.top_k(), 2);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn from_parts(model: &Model, schema: &Schema, top_k: usize) -> Result<Explainer> {
        let scale = match (model.num_outputs(), model.transform()) {
            (1, Transform::Sigmoid { scale }) => scale,
            (k, t) => {
                return Err(Error::Unsupported {
                    what: format!(
                        "churn scoring needs a binary classifier with a logistic output \
                         (XGBoost binary:logistic, LightGBM binary); this model has {k} output(s), \
                         output transform {t:?} (objective `{}`)",
                        model.objective()
                    ),
                })
            }
        };
        schema.check_model(model)?;
        Ok(Explainer {
            specs: schema.inputs().cloned().collect(),
            bias: model.expected_value().first().copied().unwrap_or(0.0),
            scale,
            top_k,
        })
    }

    /// Reasons listed per direction.
    ///
    /// ```
    /// # let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// assert_eq!(churn_core::risk::Explainer::new(&b, 4)?.top_k(), 4);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn top_k(&self) -> usize {
        self.top_k
    }

    /// `sigmoid(scale * bias)`: the churn probability of the average training customer.
    ///
    /// ```
    /// # let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let p0 = churn_core::risk::Explainer::new(&b, 3)?.base_probability();
    /// assert!(p0 > 0.1 && p0 < 0.5);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn base_probability(&self) -> f64 {
        sigmoid(self.scale, self.bias)
    }

    /// The schema inputs, in model column order.
    ///
    /// ```
    /// # let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let ex = churn_core::risk::Explainer::new(&b, 3)?;
    /// assert_eq!(ex.inputs().len(), b.model().num_features());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn inputs(&self) -> &[FeatureSpec] {
        &self.specs
    }

    /// The top reasons of one row: `x` its model inputs, `phi` its SHAP values (features then
    /// bias, as one output of [`Model::shap_values`]).
    ///
    /// ```
    /// # let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// # let ex = churn_core::risk::Explainer::new(&b, 3)?;
    /// # let x = b.sample().unwrap().matrix();
    /// # let phi = b.model().shap_values(x.view())?;
    /// let e = ex.explain(x.row(0).as_slice().unwrap(), phi.slice(ndarray::s![0, 0, ..]).as_slice().unwrap());
    /// assert!(e.probability > 0.0 && e.probability < 1.0);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn explain(&self, x: &[f64], phi: &[f64]) -> Explanation {
        self.explain_k(x, phi, self.top_k)
    }

    /// Every feature with a non-zero contribution, strongest first each way.
    ///
    /// ```
    /// # let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// # let ex = churn_core::risk::Explainer::new(&b, 3)?;
    /// # let x = b.sample().unwrap().matrix();
    /// # let phi = b.model().shap_values(x.view())?;
    /// let e = ex.explain_all(x.row(0).as_slice().unwrap(), phi.slice(ndarray::s![0, 0, ..]).as_slice().unwrap());
    /// assert_eq!(e.other_points, 0.0);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn explain_all(&self, x: &[f64], phi: &[f64]) -> Explanation {
        self.explain_k(x, phi, usize::MAX)
    }

    fn explain_k(&self, x: &[f64], phi: &[f64], k: usize) -> Explanation {
        let f = self.specs.len().min(phi.len()).min(x.len());
        let bias = phi.get(self.specs.len()).copied().unwrap_or(self.bias);
        let pts = probability_points(&phi[..f], bias, self.scale);
        let mut up: Vec<usize> = (0..f).filter(|&j| phi[j] > 0.0).collect();
        let mut down: Vec<usize> = (0..f).filter(|&j| phi[j] < 0.0).collect();
        // Ties broken by column order, so the same row always gives the same reasons.
        crate::order::sort_by(&mut up, |&a, &b| phi[b].total_cmp(&phi[a]).then(a.cmp(&b)));
        crate::order::sort_by(&mut down, |&a, &b| {
            phi[a].total_cmp(&phi[b]).then(a.cmp(&b))
        });
        up.truncate(k);
        down.truncate(k);
        let mut listed = vec![false; f];
        for &j in up.iter().chain(&down) {
            listed[j] = true;
        }
        // Summed directly (not total minus listed) so that it is exactly 0 when all are listed.
        let other_points: f64 = (0..f).filter(|&j| !listed[j]).map(|j| pts.points[j]).sum();
        let reason = |j: usize, direction: Direction| {
            let spec = &self.specs[j];
            let value = display_value(spec, x[j]);
            let points = pts.points[j];
            let text = format!(
                "{} ({value}) {} churn risk by {}",
                spec.display(),
                direction.as_str(),
                fmt_points(points)
            );
            Reason {
                feature: spec.name.clone(),
                display_name: spec.display().to_string(),
                value,
                input: (!x[j].is_nan()).then_some(x[j]),
                direction,
                contribution: phi[j],
                points,
                text,
            }
        };
        Explanation {
            probability: pts.probability,
            base_probability: pts.base_probability,
            margin: bias + phi[..f].iter().sum::<f64>(),
            raises: up.iter().map(|&j| reason(j, Direction::Raises)).collect(),
            lowers: down.iter().map(|&j| reason(j, Direction::Lowers)).collect(),
            other_points,
        }
    }
}

fn fmt_points(points: f64) -> String {
    let a = points.abs();
    if a < 0.05 {
        "less than 0.1 points".into()
    } else if (a * 10.0).round() == 10.0 {
        "1.0 point".into()
    } else {
        format!("{a:.1} points")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Bundle;

    #[test]
    fn points_sum_to_the_probability_change() {
        let cases: [(&[f64], f64, f64); 5] = [
            (&[0.3, -1.2, 2.0, 0.0], -1.1, 1.0),
            (&[1e-13, -1e-13], 0.4, 1.0),
            (&[5.0, 4.0, 3.0], 2.0, 1.0),
            (&[-0.7, 0.2], 0.0, 2.5),
            (&[], 0.0, 1.0),
        ];
        for (phi, bias, scale) in cases {
            let p = probability_points(phi, bias, scale);
            let sum: f64 = p.points.iter().sum();
            assert!(
                (sum - 100.0 * (p.probability - p.base_probability)).abs() < 1e-9,
                "{phi:?}: {sum} vs {}",
                100.0 * (p.probability - p.base_probability)
            );
            for (v, pt) in phi.iter().zip(&p.points) {
                assert!(
                    v.signum() == pt.signum() || *v == 0.0,
                    "sign of {v} vs {pt}"
                );
            }
        }
    }

    #[test]
    fn demo_points_sum_and_match_the_prediction() {
        let b = Bundle::load("../examples/demo/telco_bundle.json").unwrap();
        let ex = Explainer::new(&b, 3).unwrap();
        let x = b.sample().unwrap().matrix();
        let phi = b.model().shap_values(x.view()).unwrap();
        let p = b.model().predict(x.view()).unwrap();
        for r in 0..x.nrows() {
            let row = x.row(r).to_vec();
            let ph = phi.index_axis(ndarray::Axis(0), r).row(0).to_vec();
            let e = ex.explain(&row, &ph);
            let all = ex.explain_all(&row, &ph);
            let total = 100.0 * (e.probability - e.base_probability);
            assert!((e.all_points() - total).abs() < 1e-9);
            let listed: f64 = all.raises.iter().chain(&all.lowers).map(|r| r.points).sum();
            assert!((listed - total).abs() < 1e-9);
            // XGBoost sums in f32: the SHAP-implied probability is the prediction to ~1e-6.
            assert!((e.probability - p[[r, 0]]).abs() < 1e-5, "row {r}");
            assert!(e.raises.windows(2).all(|w| w[0].points >= w[1].points));
            assert!(e.lowers.windows(2).all(|w| w[0].points <= w[1].points));
        }
    }

    #[test]
    fn texts_read_well() {
        let b = Bundle::load("../examples/demo/telco_bundle.json").unwrap();
        let ex = Explainer::new(&b, 21).unwrap();
        let schema = b.schema();
        let mut x = vec![f64::NAN; ex.inputs().len()];
        let contract = schema
            .input_names()
            .iter()
            .position(|n| *n == "Contract")
            .unwrap();
        let tenure = schema
            .input_names()
            .iter()
            .position(|n| *n == "tenure")
            .unwrap();
        x[contract] = 0.0;
        x[tenure] = 1.0;
        let mut phi = vec![0.0; x.len() + 1];
        phi[contract] = 0.8;
        phi[tenure] = -0.3;
        phi[x.len()] = -1.0;
        let e = ex.explain(&x, &phi);
        assert_eq!(e.raises.len(), 1);
        assert!(
            e.raises[0]
                .text
                .starts_with("Contract (Month-to-month) raises churn risk by "),
            "{}",
            e.raises[0].text
        );
        assert!(e.lowers[0]
            .text
            .starts_with("Tenure (1 month) lowers churn risk by "));
        assert_eq!(e.lowers[0].input, Some(1.0));
        assert_eq!(fmt_points(0.01), "less than 0.1 points");
        assert_eq!(fmt_points(-1.04), "1.0 point");
        assert_eq!(money(1234567.891), "1,234,567.89");
        assert_eq!(money(-5.0), "-5.00");
        assert_eq!(money(999.999), "1,000.00");
    }

    #[test]
    fn tier_edges() {
        let t = default_tiers();
        assert_eq!(tier_index(&t, 0.25), 1);
        assert_eq!(tier_index(&t, 0.2499), 0);
        assert_eq!(tier_index(&t, 0.5), 2);
        let odd = RiskTiers {
            tiers: vec![Tier {
                name: "watch".into(),
                min_probability: 0.3,
            }],
        };
        assert_eq!(tier_index(&odd, 0.1), 0);
        let mut c = TierCounts::new(&odd);
        c.add(0.1);
        assert_eq!(c.tiers[0].count, 1);
    }
}
