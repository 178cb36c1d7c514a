//! XGBoost JSON / UBJSON models (both decode to the same tree of keys).
//!
//! Unknown keys are ignored, so fields added by newer XGBoost versions (`iteration_indptr`,
//! `num_target`, `cats`, ...) do not break loading.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::tree::{flags, RawTree, Tree};
use super::{CategoryLabels, FeatureKind, Format, Model, Transform};
use crate::error::{Error, Location, Result};

type Obj = Map<String, Value>;

fn obj<'a>(v: &'a Value, key: &str, at: &Location) -> Result<&'a Obj> {
    v.get(key)
        .and_then(Value::as_object)
        .ok_or_else(|| Error::model(at.clone().field(key), "missing or not an object"))
}

fn arr<'a>(o: &'a Obj, key: &str, at: &Location) -> Result<&'a [Value]> {
    o.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .ok_or_else(|| Error::model(at.clone().field(key), "missing or not an array"))
}

/// An integer-valued parameter that XGBoost may store as a string ("7") or a number.
fn int_param(o: &Obj, key: &str, at: &Location) -> Result<Option<i64>> {
    match o.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => {
            s.trim().parse::<i64>().map(Some).map_err(|_| {
                Error::model(at.clone().field(key), format!("{s:?} is not an integer"))
            })
        }
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| Error::model(at.clone().field(key), format!("{n} is not an integer"))),
        Some(_) => Err(Error::model(
            at.clone().field(key),
            "expected an integer or a string holding one",
        )),
    }
}

fn ints(o: &Obj, key: &str, at: &Location) -> Result<Vec<i64>> {
    arr(o, key, at)?
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_i64().ok_or_else(|| {
                Error::model(
                    at.clone().node(i).field(key),
                    format!("{v} is not an integer"),
                )
            })
        })
        .collect()
}

/// Reads f32 values (XGBoost stores every float as f32). JSON decimals are the shortest
/// round-trip form of an f32, so going through f64 cannot double-round.
/// `null` is read as NaN: XGBoost before 3.0 writes NaN as the (unused) threshold of
/// categorical nodes, which JSON cannot hold (we read the bare `NaN` token as `null`) and UBJSON
/// stores as an f32 NaN. Validation refuses NaN wherever a value is actually used.
fn floats(o: &Obj, key: &str, at: &Location) -> Result<Vec<f32>> {
    arr(o, key, at)?
        .iter()
        .enumerate()
        .map(|(i, v)| {
            if v.is_null() {
                return Ok(f32::NAN);
            }
            v.as_f64().map(|x| x as f32).ok_or_else(|| {
                Error::model(
                    at.clone().node(i).field(key),
                    format!("{v} is not a number"),
                )
            })
        })
        .collect()
}

fn flags_u8(o: &Obj, key: &str, at: &Location) -> Result<Vec<bool>> {
    arr(o, key, at)?
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::Bool(b) => Ok(*b),
            Value::Number(n) => match n.as_i64() {
                Some(0) => Ok(false),
                Some(1) => Ok(true),
                _ => Err(Error::model(
                    at.clone().node(i).field(key),
                    format!("{n} is not 0 or 1"),
                )),
            },
            _ => Err(Error::model(
                at.clone().node(i).field(key),
                "expected 0, 1 or a boolean",
            )),
        })
        .collect()
}

/// `base_score` as stored: `"5E-1"` (before 3.1), `"[5E-1]"` or `"[a,b,c]"` (3.1+), or a number.
fn base_scores(v: &Value, at: &Location) -> Result<Vec<f32>> {
    let bad = |s: &str| {
        Error::model(
            at.clone().field("base_score"),
            format!("{s:?} is not a number or a bracketed list of numbers"),
        )
    };
    match v {
        Value::Number(n) => n.as_f64().map(|x| vec![x as f32]).ok_or_else(|| bad("")),
        Value::String(s) => {
            let t = s.trim();
            let inner = t
                .strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
                .unwrap_or(t);
            inner
                .split(',')
                .map(|p| p.trim().parse::<f32>().map_err(|_| bad(s)))
                .collect()
        }
        _ => Err(bad(&v.to_string())),
    }
}

/// How an objective turns `base_score` (probability space) into a margin, and its output.
enum BaseToMargin {
    Identity,
    Logit,
    Log,
}

fn objective_semantics(name: &str) -> Result<(BaseToMargin, Transform)> {
    Ok(match name {
        "binary:logistic" | "reg:logistic" => {
            (BaseToMargin::Logit, Transform::Sigmoid { scale: 1.0 })
        }
        // The intercept is raw in every version (checked on 1.6.2, 1.7.6, 2.0.3, 2.1.4, 3.2).
        "binary:logitraw" => (BaseToMargin::Identity, Transform::Identity),
        "reg:squarederror"
        | "reg:linear"
        | "reg:squaredlogerror"
        | "reg:pseudohubererror"
        | "reg:absoluteerror"
        | "reg:quantileerror"
        | "rank:pairwise"
        | "rank:ndcg"
        | "rank:map" => (BaseToMargin::Identity, Transform::Identity),
        "count:poisson" | "reg:gamma" | "reg:tweedie" => (BaseToMargin::Log, Transform::Exp),
        "multi:softprob" | "multi:softmax" => (BaseToMargin::Identity, Transform::Softmax),
        other => {
            return Err(Error::unsupported(format!(
                "XGBoost objective {other:?}; supported: binary:logistic, binary:logitraw, \
                 reg:logistic, reg:squarederror, reg:pseudohubererror, reg:absoluteerror, \
                 reg:quantileerror, count:poisson, reg:gamma, reg:tweedie, multi:softprob, \
                 multi:softmax, rank:*"
            )))
        }
    })
}

/// XGBoost before 3.0 writes a bare `NaN` (not valid JSON) as the threshold of categorical
/// nodes. Rewrites every `NaN` token outside strings to `null`; `None` when there is none.
pub(crate) fn nan_tokens_to_null(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() + 64);
    let (mut in_string, mut escaped, mut found) = (false, false, false);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if bytes[i..].starts_with(b"NaN") {
            out.extend_from_slice(b"null");
            found = true;
            i += 3;
            continue;
        }
        out.push(b);
        i += 1;
    }
    found.then_some(out)
}

pub(crate) fn from_value(root: &Value) -> Result<Model> {
    let top = Location::default();
    let learner_v = root.get("learner").ok_or_else(|| {
        Error::model(
            top.clone().field("learner"),
            "missing: not an XGBoost model",
        )
    })?;
    let at = Location::field_only("learner");
    let learner = learner_v
        .as_object()
        .ok_or_else(|| Error::model(at.clone(), "not an object"))?;
    let lmp = obj(learner_v, "learner_model_param", &at)?;
    let lmp_at = Location::field_only("learner_model_param");

    let num_feature = int_param(lmp, "num_feature", &lmp_at)?
        .ok_or_else(|| Error::model(lmp_at.clone().field("num_feature"), "missing"))?;
    if !(0..=(1 << 24)).contains(&num_feature) {
        return Err(Error::model(
            lmp_at.clone().field("num_feature"),
            format!("{num_feature} is not a plausible feature count"),
        ));
    }
    let num_features = num_feature as usize;
    let num_class = int_param(lmp, "num_class", &lmp_at)?.unwrap_or(0);
    let num_target = int_param(lmp, "num_target", &lmp_at)?.unwrap_or(1);
    let objective = learner
        .get("objective")
        .and_then(|o| o.get("name"))
        .and_then(Value::as_str)
        .ok_or_else(|| Error::model(at.clone().field("objective.name"), "missing"))?
        .to_string();
    let version = root
        .get("version")
        .and_then(Value::as_array)
        .map(|v| {
            let part = |i: usize| v.get(i).and_then(Value::as_i64).unwrap_or(0);
            (part(0), part(1))
        })
        .unwrap_or((3, 0));
    let (base_rule, transform) = objective_semantics(&objective)?;
    let num_outputs = if num_class > 1 {
        num_class
    } else {
        num_target.max(1)
    };
    if !(1..=1 << 16).contains(&num_outputs) {
        return Err(Error::model(
            lmp_at.clone().field("num_class"),
            format!("{num_outputs} outputs is not plausible"),
        ));
    }
    let num_outputs = num_outputs as usize;

    let base_margin = base_margins(lmp, &lmp_at, base_rule, &objective, num_outputs)?;
    let (feature_names, feature_kinds) = features(learner, &at, num_features)?;
    let best_iteration = learner
        .get("attributes")
        .and_then(|a| a.get("best_iteration"))
        .and_then(|v| match v {
            Value::String(s) => s.parse::<usize>().ok(),
            Value::Number(n) => n.as_u64().map(|n| n as usize),
            _ => None,
        });

    let booster = read_booster(learner_v, &at, num_outputs, num_features, version)?;
    let category_labels = read_cats(booster.model_map.get("cats"), num_features);
    let Booster {
        trees,
        tree_group,
        tree_weight,
        ..
    } = booster;
    Ok(Model {
        format: Format::XGBoost,
        category_labels,
        trees,
        tree_group,
        tree_weight,
        num_features,
        num_outputs,
        base_margin,
        objective,
        transform,
        feature_names,
        feature_kinds,
        average_over: None,
        best_iteration,
        shap_plan: OnceLock::new(),
        forest: OnceLock::new(),
    })
}

/// Each output's starting margin: `base_score` (one value, or one per output) taken through
/// the objective's inverse link, in f32 as XGBoost does.
fn base_margins(
    lmp: &Map<String, Value>,
    lmp_at: &Location,
    base_rule: BaseToMargin,
    objective: &str,
    num_outputs: usize,
) -> Result<Vec<f64>> {
    let base = match lmp.get("base_score") {
        Some(v) => base_scores(v, lmp_at)?,
        None => vec![0.5],
    };
    if base.len() != 1 && base.len() != num_outputs {
        return Err(Error::model(
            lmp_at.clone().field("base_score"),
            format!(
                "has {} values but the model has {num_outputs} outputs",
                base.len()
            ),
        ));
    }
    let mut base_margin = Vec::with_capacity(num_outputs);
    for k in 0..num_outputs {
        let p = if base.len() == 1 { base[0] } else { base[k] };
        // XGBoost converts in f32, as here.
        let m = match base_rule {
            BaseToMargin::Identity => p,
            BaseToMargin::Logit => {
                if !(p > 0.0 && p < 1.0) {
                    return Err(Error::model(
                        lmp_at.clone().field("base_score"),
                        format!("{p} must lie strictly between 0 and 1 for {objective}"),
                    ));
                }
                -(libm::log((1.0f32 / p - 1.0f32) as f64) as f32)
            }
            BaseToMargin::Log => {
                if p.is_nan() || p <= 0.0 {
                    return Err(Error::model(
                        lmp_at.clone().field("base_score"),
                        format!("{p} must be positive for {objective}"),
                    ));
                }
                libm::log(p as f64) as f32
            }
        };
        if !m.is_finite() {
            return Err(Error::model(
                lmp_at.clone().field("base_score"),
                format!("{p} gives a non-finite margin"),
            ));
        }
        base_margin.push(m as f64);
    }
    Ok(base_margin)
}

/// Feature names (generated `f0, f1, ...` when the file has none) and kinds (`"c"` in
/// `feature_types` is categorical).
fn features(
    learner: &Map<String, Value>,
    at: &Location,
    num_features: usize,
) -> Result<(Vec<String>, Vec<FeatureKind>)> {
    let feature_names: Vec<String> = match learner.get("feature_names").and_then(Value::as_array) {
        Some(names) if !names.is_empty() => names
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
            .collect(),
        _ => super::generated_names("f", num_features)?,
    };
    if feature_names.len() != num_features {
        return Err(Error::model(
            at.clone().field("feature_names"),
            format!(
                "has {} names but num_feature is {num_features}",
                feature_names.len()
            ),
        ));
    }
    let feature_kinds: Vec<FeatureKind> =
        match learner.get("feature_types").and_then(Value::as_array) {
            Some(types) if types.len() == num_features => types
                .iter()
                .map(|t| {
                    if t.as_str() == Some("c") {
                        FeatureKind::Categorical
                    } else {
                        FeatureKind::Numeric
                    }
                })
                .collect(),
            _ => vec![FeatureKind::Numeric; num_features],
        };
    Ok((feature_names, feature_kinds))
}

/// The trees of a `gbtree` or `dart` booster, with each tree's output group and weight.
struct Booster<'a> {
    model_map: &'a Map<String, Value>,
    trees: Vec<Tree>,
    tree_group: Vec<u32>,
    tree_weight: Vec<f64>,
}

fn read_booster<'a>(
    learner_v: &'a Value,
    at: &Location,
    num_outputs: usize,
    num_features: usize,
    version: (i64, i64),
) -> Result<Booster<'a>> {
    let gb = obj(learner_v, "gradient_booster", at)?;
    let gb_at = Location::field_only("gradient_booster");
    let booster = gb.get("name").and_then(Value::as_str).unwrap_or("gbtree");
    let (model_obj, weights) = match booster {
        "gbtree" => (
            gb.get("model")
                .ok_or_else(|| Error::model(gb_at.clone().field("model"), "missing"))?,
            None,
        ),
        "dart" => {
            let inner = gb
                .get("gbtree")
                .and_then(|g| g.get("model"))
                .ok_or_else(|| Error::model(gb_at.clone().field("gbtree.model"), "missing"))?;
            (inner, Some(floats(gb, "weight_drop", &gb_at)?))
        }
        other => {
            return Err(Error::unsupported(format!(
                "XGBoost booster {other:?} (only gbtree and dart are tree models)"
            )))
        }
    };
    let model_map = model_obj
        .as_object()
        .ok_or_else(|| Error::model(gb_at.clone().field("model"), "not an object"))?;
    let trees_v = arr(model_map, "trees", &gb_at)?;
    let tree_info = ints(model_map, "tree_info", &gb_at)?;
    if tree_info.len() != trees_v.len() {
        return Err(Error::model(
            gb_at.clone().field("tree_info"),
            format!(
                "has {} entries for {} trees",
                tree_info.len(),
                trees_v.len()
            ),
        ));
    }
    if let Some(w) = &weights {
        if w.len() != trees_v.len() {
            return Err(Error::model(
                gb_at.clone().field("weight_drop"),
                format!("has {} weights for {} trees", w.len(), trees_v.len()),
            ));
        }
    }

    let mut trees = Vec::with_capacity(trees_v.len());
    let mut tree_group = Vec::with_capacity(trees_v.len());
    for (t, tv) in trees_v.iter().enumerate() {
        let g = tree_info[t];
        if g < 0 || g as u64 >= num_outputs as u64 {
            return Err(Error::model(
                Location::tree(t).field("tree_info"),
                format!("output group {g} is outside 0..{num_outputs}"),
            ));
        }
        tree_group.push(g as u32);
        trees.push(parse_tree(tv, t, num_features, version)?);
    }
    let tree_weight = match weights {
        Some(w) => w.iter().map(|&x| x as f64).collect(),
        None => vec![1.0; trees.len()],
    };

    Ok(Booster {
        model_map,
        trees,
        tree_group,
        tree_weight,
    })
}

/// XGBoost 3.1+ `cats.enc`: one entry per feature, either `{offsets, values}` (strings as
/// UTF-8 bytes cut at the offsets; empty for numeric features) or `{type, values}` (numbers).
/// An unreadable entry is ignored (labels are an aid for DataFrame input, not for scoring).
fn read_cats(cats: Option<&Value>, num_features: usize) -> Vec<Option<CategoryLabels>> {
    // One entry per feature is data present in the file: only then allocate per feature.
    let Some(enc) = cats
        .and_then(|c| c.get("enc"))
        .and_then(Value::as_array)
        .filter(|e| e.len() == num_features)
    else {
        return Vec::new();
    };
    let mut out = vec![None; num_features];
    for (f, e) in enc.iter().enumerate().take(num_features) {
        let values = e.get("values").and_then(Value::as_array);
        out[f] = match (e.get("offsets").and_then(Value::as_array), values) {
            (Some(offsets), Some(values)) if !offsets.is_empty() => {
                let bytes: Option<Vec<u8>> = values
                    .iter()
                    .map(|v| v.as_u64().and_then(|b| u8::try_from(b).ok()))
                    .collect();
                let cuts: Option<Vec<usize>> = offsets
                    .iter()
                    .map(|v| v.as_u64().map(|o| o as usize))
                    .collect();
                match (bytes, cuts) {
                    (Some(bytes), Some(cuts)) => cuts
                        .windows(2)
                        .map(|w| {
                            bytes
                                .get(w[0]..w[1])
                                .and_then(|b| std::str::from_utf8(b).ok())
                                .map(str::to_string)
                        })
                        .collect::<Option<Vec<String>>>()
                        .map(CategoryLabels::Strings),
                    _ => None,
                }
            }
            (_, Some(values)) if e.get("type").is_some() && !values.is_empty() => {
                CategoryLabels::from_json(&Value::Array(values.clone()))
            }
            _ => None,
        };
    }
    if out.iter().all(Option::is_none) {
        out = Vec::new();
    }
    out
}

fn parse_tree(tv: &Value, t: usize, num_features: usize, version: (i64, i64)) -> Result<Tree> {
    let at = Location::tree(t);
    let o = tv
        .as_object()
        .ok_or_else(|| Error::model(at.clone(), "tree is not an object"))?;
    if let Some(tp) = o.get("tree_param").and_then(Value::as_object) {
        if let Some(size) = int_param(tp, "size_leaf_vector", &at)? {
            if size > 1 {
                return Err(Error::unsupported(format!(
                    "tree {t} has vector leaves (multi_strategy=\"multi_output_tree\"); \
                     train with the default one_output_per_tree"
                )));
            }
        }
    }
    let left = ints(o, "left_children", &at)?;
    let right = ints(o, "right_children", &at)?;
    let feature = ints(o, "split_indices", &at)?;
    let cond = floats(o, "split_conditions", &at)?;
    let default_left = flags_u8(o, "default_left", &at)?;
    let cover = floats(o, "sum_hessian", &at)?;
    let n = left.len();
    let split_type = match o.get("split_type") {
        Some(_) => ints(o, "split_type", &at)?,
        None => vec![0; n],
    };
    for (name, len) in [
        ("default_left", default_left.len()),
        ("split_type", split_type.len()),
    ] {
        if len != n {
            return Err(Error::model(
                at.clone().field(name),
                format!("has {len} entries but the tree has {n} nodes"),
            ));
        }
    }

    let (cat_set, cat_sets) = category_sets(o, &at, &split_type, n)?;

    let mut threshold = Vec::with_capacity(n);
    let mut value = Vec::with_capacity(n);
    let mut node_flags = Vec::with_capacity(n);
    for i in 0..n.min(cond.len()) {
        let c = cond[i] as f64;
        let is_leaf = left[i] < 0;
        let mut fl = if default_left[i] {
            flags::DEFAULT_LEFT
        } else {
            0
        };
        if !is_leaf && split_type[i] == 1 {
            fl |= flags::CATEGORICAL;
            if version < (1, 7) {
                // XGBoost 1.6 sent negative codes and codes past the node's bit field to the
                // default child; 1.7 sends them left (seen on 1.6.2 and 1.7.6 fixtures).
                fl |= flags::CAT_OUT_OF_RANGE_DEFAULT;
            }
        }
        node_flags.push(fl);
        if is_leaf {
            threshold.push(0.0);
            value.push(c);
        } else {
            // x < t on f32 inputs is x <= the largest f64 below t.
            threshold.push(if c.is_finite() { c.next_down() } else { c });
            value.push(0.0);
        }
    }
    if cond.len() != n {
        return Err(Error::model(
            at.field("split_conditions"),
            format!("has {} entries but the tree has {n} nodes", cond.len()),
        ));
    }
    RawTree {
        left,
        right,
        feature,
        threshold,
        flags: node_flags,
        cat_set,
        value,
        cover: cover.into_iter().map(f64::from).collect(),
        cat_sets,
    }
    .validate(t, num_features)
}

/// Categorical splits: per node, an index into the list of category sets (the categories
/// that go right), from `categories_nodes`, `_segments`, `_sizes` and `categories`.
fn category_sets(
    o: &Obj,
    at: &Location,
    split_type: &[i64],
    n: usize,
) -> Result<(Vec<u32>, Vec<Vec<u32>>)> {
    let mut cat_set = vec![0u32; n];
    let mut cat_sets: Vec<Vec<u32>> = Vec::new();
    if split_type.contains(&1) {
        let nodes = ints(o, "categories_nodes", at)?;
        let segments = ints(o, "categories_segments", at)?;
        let sizes = ints(o, "categories_sizes", at)?;
        let cats = ints(o, "categories", at)?;
        if segments.len() != nodes.len() || sizes.len() != nodes.len() {
            return Err(Error::model(
                at.clone().field("categories_segments"),
                "categories_nodes, categories_segments and categories_sizes differ in length",
            ));
        }
        for (i, &node) in nodes.iter().enumerate() {
            let (beg, size) = (segments[i], sizes[i]);
            let end = beg.checked_add(size).unwrap_or(-1);
            if node < 0
                || node as u64 >= n as u64
                || beg < 0
                || size < 0
                || end < 0
                || end as u64 > cats.len() as u64
            {
                return Err(Error::model(
                    at.clone().field("categories_nodes"),
                    format!("entry {i} (node {node}, segment {beg}+{size}) is out of range"),
                ));
            }
            let mut set = Vec::with_capacity(size as usize);
            for &c in &cats[beg as usize..end as usize] {
                if !(0..1 << 24).contains(&c) {
                    return Err(Error::model(
                        at.clone().node(node as usize).field("categories"),
                        format!("category {c} is outside 0..2^24"),
                    ));
                }
                set.push(c as u32);
            }
            crate::order::sort(&mut set);
            set.dedup();
            cat_set[node as usize] = cat_sets.len() as u32;
            cat_sets.push(set);
        }
    }

    Ok((cat_set, cat_sets))
}

#[cfg(test)]
mod tests {
    use super::nan_tokens_to_null;

    #[test]
    fn bare_nan_tokens_become_null_outside_strings_only() {
        let fixed = nan_tokens_to_null(br#"{"a":[1,NaN,2],"NaN":"x\"NaN"}"#).unwrap();
        assert_eq!(fixed, br#"{"a":[1,null,2],"NaN":"x\"NaN"}"#.to_vec());
        assert!(nan_tokens_to_null(br#"{"a":"NaN"}"#).is_none());
    }
}
