//! LightGBM text models (`Booster.save_model`, format `v3`/`v4`).

use std::collections::HashMap;
use std::sync::OnceLock;

use super::tree::{flags, Missing, RawTree, Tree};
use super::{CategoryLabels, FeatureKind, Format, Model, Transform};
use crate::error::{Error, Location, Result};

/// `key=value` lines of one section, with their 1-based line numbers.
struct Section<'a> {
    fields: HashMap<&'a str, (usize, &'a str)>,
    /// Where the section starts, for errors about missing keys.
    line: usize,
    tree: Option<usize>,
}

impl<'a> Section<'a> {
    fn at(&self, key: &str) -> Location {
        let line = self.fields.get(key).map(|&(l, _)| l).unwrap_or(self.line);
        Location {
            tree: self.tree,
            node: None,
            field: Some(key.to_string()),
            line: Some(line),
        }
    }

    fn get(&self, key: &str) -> Option<&'a str> {
        self.fields.get(key).map(|&(_, v)| v)
    }

    fn require(&self, key: &str) -> Result<&'a str> {
        self.get(key)
            .ok_or_else(|| Error::model(self.at(key), "required field is missing"))
    }

    fn int(&self, key: &str) -> Result<i64> {
        let v = self.require(key)?;
        v.trim()
            .parse::<i64>()
            .map_err(|_| Error::model(self.at(key), format!("{v:?} is not an integer")))
    }

    /// A space-separated list; an absent key is an empty list.
    fn list<T: std::str::FromStr>(&self, key: &str) -> Result<Vec<T>> {
        let Some(v) = self.get(key) else {
            return Ok(Vec::new());
        };
        v.split_ascii_whitespace()
            .enumerate()
            .map(|(i, s)| {
                s.parse::<T>().map_err(|_| {
                    Error::model(self.at(key).node(i), format!("{s:?} is not a valid number"))
                })
            })
            .collect()
    }
}

fn transform_for(objective: &str) -> Result<Transform> {
    let mut parts = objective.split_ascii_whitespace();
    let name = parts.next().unwrap_or("");
    let mut scale = 1.0;
    for p in parts {
        if let Some(s) = p.strip_prefix("sigmoid:") {
            scale = s.parse::<f64>().map_err(|_| {
                Error::model(
                    Location::field_only("objective"),
                    format!("sigmoid parameter {s:?} is not a number"),
                )
            })?;
        }
        if p == "sqrt" {
            return Err(Error::unsupported(
                "LightGBM regression with reg_sqrt=true (its output is squared back)",
            ));
        }
    }
    Ok(match name {
        "binary" | "cross_entropy" | "xentropy" => Transform::Sigmoid { scale },
        "multiclassova" | "multiclass_ova" | "ova" | "ovr" => Transform::Sigmoid { scale },
        "multiclass" | "softmax" => Transform::Softmax,
        "poisson" | "gamma" | "tweedie" => Transform::Exp,
        "cross_entropy_lambda" | "xentlambda" => Transform::Log1pExp,
        ""
        | "regression"
        | "regression_l2"
        | "l2"
        | "mean_squared_error"
        | "mse"
        | "l2_root"
        | "root_mean_squared_error"
        | "rmse"
        | "regression_l1"
        | "l1"
        | "mean_absolute_error"
        | "mae"
        | "huber"
        | "fair"
        | "quantile"
        | "mape"
        | "mean_absolute_percentage_error"
        | "lambdarank"
        | "rank_xendcg"
        | "custom"
        | "none" => Transform::Identity,
        other => return Err(Error::unsupported(format!("LightGBM objective {other:?}"))),
    })
}

pub(crate) fn from_text(text: &str) -> Result<Model> {
    let Sections {
        header,
        trees,
        average_output,
    } = sections(text)?;

    let max_feature_idx = header.int("max_feature_idx")?;
    if !(0..1 << 24).contains(&max_feature_idx) {
        return Err(Error::model(
            header.at("max_feature_idx"),
            format!("{max_feature_idx} is not a plausible feature index"),
        ));
    }
    let num_features = max_feature_idx as usize + 1;
    let num_class = header.int("num_class")?;
    let per_iter = match header.get("num_tree_per_iteration") {
        Some(_) => header.int("num_tree_per_iteration")?,
        None => num_class,
    };
    if !(1..=1 << 16).contains(&per_iter) {
        return Err(Error::model(
            header.at("num_tree_per_iteration"),
            format!("{per_iter} is not a plausible number of outputs"),
        ));
    }
    let num_outputs = per_iter as usize;
    let objective = header.get("objective").unwrap_or("").trim().to_string();
    let transform = transform_for(&objective)?;

    let (feature_names, feature_kinds) = features(&header, num_features)?;

    if !trees.len().is_multiple_of(num_outputs) {
        return Err(Error::model(
            header.at("num_tree_per_iteration"),
            format!(
                "{} trees is not a whole number of iterations of {num_outputs} trees",
                trees.len()
            ),
        ));
    }
    let iterations = trees.len() / num_outputs;
    let category_labels = pandas_categorical(text, &feature_kinds);
    let mut parsed = Vec::with_capacity(trees.len());
    for s in &trees {
        parsed.push(parse_tree(s, num_features)?);
    }
    let n = parsed.len();
    Ok(Model {
        format: Format::LightGBM,
        trees: parsed,
        tree_group: (0..n).map(|t| (t % num_outputs) as u32).collect(),
        tree_weight: vec![1.0; n],
        num_features,
        num_outputs,
        base_margin: vec![0.0; num_outputs],
        objective,
        transform,
        feature_names,
        feature_kinds,
        average_over: (average_output && iterations > 0).then_some(iterations as f64),
        best_iteration: None,
        category_labels,
        shap_plan: OnceLock::new(),
        forest: OnceLock::new(),
    })
}

/// A model file cut into its header and one section per `Tree=`, up to `end of trees`.
struct Sections<'a> {
    header: Section<'a>,
    trees: Vec<Section<'a>>,
    average_output: bool,
}

fn sections(text: &str) -> Result<Sections<'_>> {
    let mut header = Section {
        fields: HashMap::new(),
        line: 1,
        tree: None,
    };
    let mut trees: Vec<Section> = Vec::new();
    let mut average_output = false;
    let mut ended = false;
    for (i, line) in text.lines().enumerate() {
        let lineno = i + 1;
        let line = line.trim_end_matches('\r');
        if line == "end of trees" {
            ended = true;
            break;
        }
        if line.is_empty() {
            continue;
        }
        if let Some(idx) = line.strip_prefix("Tree=") {
            let t = trees.len();
            if idx.trim().parse::<usize>().ok() != Some(t) {
                return Err(Error::model(
                    Location::tree(t).line(lineno),
                    format!("expected `Tree={t}`, found {line:?}"),
                ));
            }
            trees.push(Section {
                fields: HashMap::new(),
                line: lineno,
                tree: Some(t),
            });
            continue;
        }
        let section = trees.last_mut().unwrap_or(&mut header);
        match line.split_once('=') {
            Some((k, v)) => {
                section.fields.insert(k, (lineno, v));
            }
            None if line == "average_output" => average_output = true,
            None => {} // `tree` magic line and bare flags of newer versions
        }
    }
    if !ended {
        return Err(Error::model(
            Location::default().line(text.lines().count()),
            "the file ends before `end of trees` (truncated?)",
        ));
    }

    Ok(Sections {
        header,
        trees,
        average_output,
    })
}

/// Feature names (generated `Column_0, ...` when absent) and kinds (`feature_infos`: a
/// `[min:max]` range or `none` is numeric, a list of categories categorical).
fn features(header: &Section<'_>, num_features: usize) -> Result<(Vec<String>, Vec<FeatureKind>)> {
    let feature_names: Vec<String> = match header.get("feature_names") {
        Some(v) => v.split_ascii_whitespace().map(str::to_string).collect(),
        None => super::generated_names("Column_", num_features)?,
    };
    if feature_names.len() != num_features {
        return Err(Error::model(
            header.at("feature_names"),
            format!(
                "has {} names but max_feature_idx says {num_features} features",
                feature_names.len()
            ),
        ));
    }
    let feature_kinds = match header.get("feature_infos") {
        Some(v) => {
            let infos: Vec<&str> = v.split_ascii_whitespace().collect();
            if infos.len() == num_features {
                infos
                    .iter()
                    .map(|s| {
                        if s.starts_with('[') || *s == "none" {
                            FeatureKind::Numeric
                        } else {
                            FeatureKind::Categorical
                        }
                    })
                    .collect()
            } else {
                vec![FeatureKind::Numeric; num_features]
            }
        }
        None => vec![FeatureKind::Numeric; num_features],
    };

    Ok((feature_names, feature_kinds))
}

/// `pandas_categorical:[[...], ...]` after the trees: labels of the categorical features, in
/// feature order. Unreadable or mismatched lists are ignored (scoring does not need them).
fn pandas_categorical(text: &str, feature_kinds: &[FeatureKind]) -> Vec<Option<CategoryLabels>> {
    let num_features = feature_kinds.len();
    let mut category_labels = Vec::new();
    if let Some(json) = text
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("pandas_categorical:"))
    {
        if let Ok(serde_json::Value::Array(lists)) = serde_json::from_str(json.trim()) {
            let cat_features: Vec<usize> = (0..num_features)
                .filter(|&f| feature_kinds[f] == FeatureKind::Categorical)
                .collect();
            if lists.len() == cat_features.len() && !lists.is_empty() {
                category_labels = vec![None; num_features];
                for (f, list) in cat_features.into_iter().zip(&lists) {
                    category_labels[f] = CategoryLabels::from_json(list);
                }
            }
        }
    }
    category_labels
}

/// A split's flags from its LightGBM `decision_type` bits: categorical (bit 0), default left
/// (bit 1), missing type (bits 2-3).
fn decision_flags(s: &Section, i: usize, dt: i64) -> Result<u8> {
    let at = || s.at("decision_type").node(i);
    if !(0..=15).contains(&dt) {
        return Err(Error::model(
            at(),
            format!("{dt} is not a valid decision type"),
        ));
    }
    let dt = dt as u8;
    let missing = match (dt >> 2) & 3 {
        0 => Missing::AsZero,
        1 => Missing::Zero,
        2 => Missing::Nan,
        _ => return Err(Error::model(at(), "unknown missing type 3")),
    };
    let mut fl = (missing as u8) << flags::MISSING_SHIFT;
    if dt & 2 != 0 {
        fl |= flags::DEFAULT_LEFT;
    }
    if dt & 1 != 0 {
        fl |= flags::CATEGORICAL | flags::CAT_IN_SET_LEFT | flags::CAT_TRUNCATE;
    }
    Ok(fl)
}

/// A tree's `cat_boundaries` and `cat_threshold`: bit sets of categories, one per categorical
/// split, read once each.
struct CategorySets<'a> {
    boundaries: &'a [i64],
    words: &'a [u32],
}

impl CategorySets<'_> {
    /// The id of node `i`'s category set (its threshold is the set's index), reading the set
    /// into `cat_sets` the first time a tree refers to it.
    fn set_of(
        &self,
        s: &Section,
        i: usize,
        idx: f64,
        set_of_index: &mut HashMap<usize, u32>,
        cat_sets: &mut Vec<Vec<u32>>,
    ) -> Result<u32> {
        let (cat_boundaries, cat_threshold) = (self.boundaries, self.words);
        // `idx as usize` saturates for huge thresholds (1e30): compare without adding to it.
        let sets = cat_boundaries.len().saturating_sub(1);
        if !(idx >= 0.0 && idx.fract() == 0.0 && (idx as usize) < sets) {
            return Err(Error::model(
                s.at("threshold").node(i),
                format!(
                    "categorical split refers to set {idx}, but `cat_boundaries` has {} entries",
                    cat_boundaries.len()
                ),
            ));
        }
        let k = idx as usize;
        if let Some(&id) = set_of_index.get(&k) {
            return Ok(id);
        }
        let (lo, hi) = (cat_boundaries[k], cat_boundaries[k + 1]);
        if lo < 0 || hi < lo || hi as u64 > cat_threshold.len() as u64 {
            return Err(Error::model(
                s.at("cat_boundaries").node(k),
                format!(
                    "words {lo}..{hi} are outside `cat_threshold` ({} words)",
                    cat_threshold.len()
                ),
            ));
        }
        let mut set = Vec::new();
        for (w, &word) in cat_threshold[lo as usize..hi as usize].iter().enumerate() {
            for b in 0..32 {
                if word >> b & 1 == 1 {
                    set.push((w * 32 + b) as u32);
                }
            }
        }
        let id = cat_sets.len() as u32;
        cat_sets.push(set);
        set_of_index.insert(k, id);
        Ok(id)
    }
}

fn parse_tree(s: &Section, num_features: usize) -> Result<Tree> {
    let t = s.tree.unwrap_or(0);
    if s.get("is_linear").map(str::trim) == Some("1") {
        return Err(Error::unsupported(format!(
            "tree {t} is a linear tree (linear_tree=true); LightGBM has no TreeSHAP for these \
             either: retrain without linear_tree"
        )));
    }
    let num_leaves = s.int("num_leaves")?;
    let leaf_value: Vec<f64> = s.list("leaf_value")?;
    if num_leaves < 1 || num_leaves as u64 != leaf_value.len() as u64 {
        return Err(Error::model(
            s.at("num_leaves"),
            format!(
                "says {num_leaves} leaves but `leaf_value` has {}",
                leaf_value.len()
            ),
        ));
    }
    let nl = leaf_value.len();
    let ni = nl - 1;
    let split_feature: Vec<i64> = s.list("split_feature")?;
    let threshold: Vec<f64> = s.list("threshold")?;
    let decision_type: Vec<i64> = s.list("decision_type")?;
    let left_child: Vec<i64> = s.list("left_child")?;
    let right_child: Vec<i64> = s.list("right_child")?;
    let internal_count: Vec<f64> = s.list("internal_count")?;
    let mut leaf_count: Vec<f64> = s.list("leaf_count")?;
    if nl == 1 && leaf_count.is_empty() {
        leaf_count.push(0.0);
    }
    for (key, len, want) in [
        ("split_feature", split_feature.len(), ni),
        ("threshold", threshold.len(), ni),
        ("decision_type", decision_type.len(), ni),
        ("left_child", left_child.len(), ni),
        ("right_child", right_child.len(), ni),
        ("internal_count", internal_count.len(), ni),
        ("leaf_count", leaf_count.len(), nl),
    ] {
        if len != want {
            return Err(Error::model(
                s.at(key),
                format!("has {len} entries but {nl} leaves need {want}"),
            ));
        }
    }
    let cat_boundaries: Vec<i64> = s.list("cat_boundaries")?;
    let cat_threshold: Vec<u32> = s.list("cat_threshold")?;

    // Unified numbering: internal nodes keep their index, leaf j becomes ni + j.
    let child = |c: i64| -> i64 {
        if c >= 0 {
            c
        } else {
            // `~c` in LightGBM; an out-of-range result is caught by validation.
            (ni as i64).saturating_add(!c)
        }
    };
    let mut raw = RawTree {
        left: Vec::with_capacity(ni + nl),
        right: Vec::with_capacity(ni + nl),
        feature: Vec::with_capacity(ni + nl),
        threshold: Vec::with_capacity(ni + nl),
        flags: Vec::with_capacity(ni + nl),
        cat_set: Vec::with_capacity(ni + nl),
        value: Vec::with_capacity(ni + nl),
        cover: Vec::with_capacity(ni + nl),
        cat_sets: Vec::new(),
    };
    let mut set_of_index: HashMap<usize, u32> = HashMap::new();
    for i in 0..ni {
        let fl = decision_flags(s, i, decision_type[i])?;
        let mut cat_set = 0;
        let mut thr = threshold[i];
        if fl & flags::CATEGORICAL != 0 {
            let sets = CategorySets {
                boundaries: &cat_boundaries,
                words: &cat_threshold,
            };
            cat_set = sets.set_of(s, i, thr, &mut set_of_index, &mut raw.cat_sets)?;
            thr = 0.0;
        }
        raw.left.push(child(left_child[i]));
        raw.right.push(child(right_child[i]));
        raw.feature.push(split_feature[i]);
        raw.threshold.push(thr);
        raw.flags.push(fl);
        raw.cat_set.push(cat_set);
        raw.value.push(0.0);
        raw.cover.push(internal_count[i]);
    }
    for j in 0..nl {
        raw.left.push(-1);
        raw.right.push(-1);
        raw.feature.push(0);
        raw.threshold.push(0.0);
        raw.flags.push(0);
        raw.cat_set.push(0);
        raw.value.push(leaf_value[j]);
        raw.cover.push(leaf_count[j]);
    }
    raw.validate(t, num_features)
}
