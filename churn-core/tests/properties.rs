//! Property tests (proptest) of the intake and of the model loaders:
//!
//! - random CSV exports (headers drawn from the demo schema's names, aliases and vocabulary
//!   synonyms plus noise; cells valid, blank or garbage) through the pipeline: every row is
//!   scored or rejected with at least one reason, the counts add up, each output keeps input
//!   order, and the outputs do not depend on the chunk size;
//! - the column mapping is one-to-one (no header feeds two features) and does not change when
//!   the columns are reordered;
//! - predictions of real XGBoost (JSON, categorical splits too) and LightGBM (text) trees do
//!   not change when the nodes of every tree are stored in another order (a random
//!   permutation of node ids, root kept first as both formats require); SHAP values agree to
//!   rounding.

use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use churn_core::ndarray::Array2;
use churn_core::pipeline::{Pipeline, PipelineOptions, Sinks};
use churn_core::{map_columns, Bundle, Model, Schema, ValueKind, Vocabulary};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::Value;

fn root(rel: &str) -> String {
    format!("{}/../{rel}", env!("CARGO_MANIFEST_DIR"))
}

/// The demo bundle with a 20-row reference sample (the sample only feeds the quality report's
/// AUC estimate, which would dominate the run time of every case).
fn demo() -> &'static Bundle {
    static DEMO: OnceLock<Bundle> = OnceLock::new();
    DEMO.get_or_init(|| {
        let bytes = std::fs::read(root("examples/demo/telco_bundle.json")).expect("demo bundle");
        churn_core::fuzzing::bundle_with_small_sample(&bytes, 20)
    })
}

// --- random exports ---

/// Names a column of feature `f` may have in an export: its name, its aliases and the
/// synonyms of its vocabulary concept.
fn names_of(schema: &Schema, f: usize) -> Vec<String> {
    let spec = &schema.features[f];
    let mut names = vec![spec.name.clone()];
    names.extend(spec.aliases.iter().cloned());
    if let Some(c) = spec
        .concept
        .as_deref()
        .and_then(|c| Vocabulary::builtin().concept(c))
    {
        names.extend(c.synonyms.iter().take(12).cloned());
    }
    names
}

const NOISE_HEADERS: [&str; 6] = [
    "Notes",
    "Region",
    "zz_col",
    "Churn Score",
    "Account Manager",
    "",
];
const GARBAGE: [&str; 9] = ["", " ", "N/A", "??", "-5", "1e400", "=1+1", "\"q\"", "x,y"];

/// A cell for feature `spec`: mostly valid values, one in 23 blank or garbage.
fn cell(spec: &churn_core::FeatureSpec, pick: u32, r: usize) -> String {
    if pick.is_multiple_of(23) {
        return GARBAGE[(pick as usize / 23) % GARBAGE.len()].to_string();
    }
    match spec.kind {
        ValueKind::Identifier => format!("C{r}"),
        ValueKind::Label => ["Yes", "No", "1", "0"][pick as usize % 4].to_string(),
        ValueKind::Boolean => ["Yes", "No", "1", "0", "TRUE", "n"][pick as usize % 6].to_string(),
        ValueKind::Categorical => spec
            .categories
            .get(pick as usize % spec.categories.len().max(1))
            .cloned()
            .unwrap_or_default(),
        _ => format!("{}.{}", pick % 120, pick % 10),
    }
}

#[derive(Clone, Debug)]
struct Export {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Which schema feature each column was made for (`None`: noise).
    source: Vec<Option<usize>>,
}

impl Export {
    fn to_csv(&self) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(Vec::new());
        w.write_record(&self.headers).expect("header");
        for r in &self.rows {
            w.write_record(r).expect("row");
        }
        w.into_inner().expect("bytes")
    }

    /// The same table with its columns in the order `order`.
    fn reordered(&self, order: &[usize]) -> Export {
        Export {
            headers: order.iter().map(|&c| self.headers[c].clone()).collect(),
            rows: self
                .rows
                .iter()
                .map(|r| {
                    let mut moved: Vec<String> = order
                        .iter()
                        .map(|&c| r.get(c).cloned().unwrap_or_default())
                        .collect();
                    // A short row stays short (blank tail cells are what a reader sees anyway),
                    // a long one keeps its extra cells at the end.
                    moved.extend(r.iter().skip(order.len()).cloned());
                    moved
                })
                .collect(),
            source: order.iter().map(|&c| self.source[c]).collect(),
        }
    }
}

/// Random exports of the demo schema: a random subset of its features under random names,
/// noise columns, 0 to 30 rows of valid, blank and garbage cells, some rows ragged.
fn exports() -> impl Strategy<Value = Export> {
    let schema = demo().schema();
    let n = schema.features.len();
    (
        proptest::collection::vec((any::<bool>(), any::<u8>()), n),
        proptest::collection::vec(any::<u8>(), 0..3),
        proptest::collection::vec(proptest::collection::vec(any::<u32>(), n + 3), 0..30),
        any::<u64>(),
    )
        .prop_map(move |(take, noise, cells, seed)| {
            let schema = demo().schema();
            let mut headers = Vec::new();
            let mut source = Vec::new();
            let mut seen = HashSet::new();
            for (f, &(on, which)) in take.iter().enumerate() {
                let names = names_of(schema, f);
                // The schema's own name a third of the time, else any synonym.
                let name = if which.is_multiple_of(3) {
                    &names[0]
                } else {
                    &names[which as usize % names.len()]
                };
                // Required features are usually there: otherwise every row is rejected.
                let on = on || (schema.features[f].required && !which.is_multiple_of(8));
                if on && seen.insert(name.to_lowercase()) {
                    headers.push(name.clone());
                    source.push(Some(f));
                }
            }
            for &k in &noise {
                let h = NOISE_HEADERS[k as usize % NOISE_HEADERS.len()];
                if seen.insert(h.to_lowercase()) {
                    headers.push(h.to_string());
                    source.push(None);
                }
            }
            // A fixed shuffle from the seed, so that mapped columns are not always first.
            let mut order: Vec<usize> = (0..headers.len()).collect();
            let mut s = seed | 1;
            for i in (1..order.len()).rev() {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                order.swap(i, (s % (i as u64 + 1)) as usize);
            }
            let rows = cells
                .iter()
                .enumerate()
                .map(|(r, picks)| {
                    let row: Vec<String> = source
                        .iter()
                        .enumerate()
                        .map(|(c, f)| match f {
                            Some(f) => cell(&schema.features[*f], picks[*f], r),
                            None => format!("n{}", picks[n + c % 3] % 50),
                        })
                        .collect();
                    row
                })
                .collect();
            let mut export = Export {
                headers,
                rows,
                source,
            }
            .reordered(&order);
            // Now and then a ragged row.
            for (row, picks) in export.rows.iter_mut().zip(&cells) {
                match picks[n] % 11 {
                    0 => {
                        row.pop();
                    }
                    1 => row.push("extra".into()),
                    _ => {}
                }
            }
            export
        })
}

fn records(csv: &[u8]) -> Vec<csv::StringRecord> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(csv)
        .records()
        .map(|r| r.expect("the pipeline writes valid CSV"))
        .collect()
}

/// Scores `input` in chunks of `chunk_rows`; `None` when the run is a (typed) error.
fn run(input: &[u8], chunk_rows: usize) -> Option<[Vec<u8>; 3]> {
    let options = PipelineOptions {
        chunk_rows,
        ..Default::default()
    };
    let (mut csv, mut jsonl, mut rejects) = (Vec::new(), Vec::new(), Vec::new());
    let s = Pipeline::new(demo(), options)
        .expect("pipeline")
        .score(
            input,
            Sinks {
                scored_csv: Some(&mut csv),
                scored_jsonl: Some(&mut jsonl),
                rejects_csv: Some(&mut rejects),
            },
        )
        .ok()?;
    assert_eq!(s.rows_read, s.rows_scored + s.rows_rejected);
    assert_eq!(s.tiers.total, s.rows_scored);
    let scored: Vec<u64> = records(&csv)
        .iter()
        .map(|r| r[0].parse().expect("row"))
        .collect();
    let rejected: Vec<u64> = records(&rejects)
        .iter()
        .map(|r| {
            assert!(!r[3].is_empty() && !r[4].is_empty(), "no reason: {r:?}");
            r[0].parse().expect("row")
        })
        .collect();
    assert_eq!(scored.len() as u64, s.rows_scored);
    assert_eq!(rejected.len() as u64, s.rows_rejected);
    assert!(scored.windows(2).all(|w| w[0] < w[1]), "scored order");
    assert!(rejected.windows(2).all(|w| w[0] < w[1]), "rejects order");
    let mut all: Vec<u64> = scored.iter().chain(&rejected).copied().collect();
    all.sort_unstable();
    assert!(
        all.iter().copied().eq(1..=s.rows_read),
        "rows lost or repeated"
    );
    Some([csv, jsonl, rejects])
}

fn pairs(m: &churn_core::Mapping) -> BTreeMap<String, String> {
    m.as_dict()
}

fn one_to_one(m: &churn_core::Mapping) -> Result<(), TestCaseError> {
    let mut used = HashSet::new();
    for f in &m.features {
        if let Some(c) = f.column {
            prop_assert!(used.insert(c), "column {} feeds two features", c);
            prop_assert_eq!(m.headers.get(c), f.header.as_ref());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Every row scored or rejected with a reason, in order, whatever the chunk size.
    #[test]
    fn every_row_is_scored_or_rejected(export in exports(), chunk_rows in 1usize..6) {
        let input = export.to_csv();
        let small = run(&input, chunk_rows);
        let whole = run(&input, 8_192);
        match (small, whole) {
            (Some(a), Some(b)) => prop_assert!(a == b, "outputs depend on the chunk size"),
            (None, None) => {}
            (a, b) => prop_assert!(false, "chunked ok: {}, whole ok: {}", a.is_some(), b.is_some()),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The mapping uses each header at most once and gives the same feature -> header pairs
    /// whatever the column order.
    #[test]
    fn mapping_is_one_to_one_and_order_free(export in exports(), seed in any::<u64>()) {
        let schema = demo().schema();
        let a = map_columns(&export.headers, schema, Some(&export.rows), None).expect("mapping");
        one_to_one(&a)?;
        let mut order: Vec<usize> = (0..export.headers.len()).collect();
        let mut s = seed | 1;
        for i in (1..order.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            order.swap(i, ((s >> 33) % (i as u64 + 1)) as usize);
        }
        let moved = export.reordered(&order);
        let b = map_columns(&moved.headers, schema, Some(&moved.rows), None).expect("mapping");
        one_to_one(&b)?;
        prop_assert_eq!(pairs(&a), pairs(&b));
    }
}

// --- node order of tree files ---

/// A permutation of `0..n` that keeps 0 first (the root of a tree is its node 0 in XGBoost
/// and LightGBM files).
fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    let mut s = seed | 1;
    for i in (2..n).rev() {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let j = 1 + ((s >> 33) % i as u64) as usize;
        p.swap(i, j);
    }
    p
}

/// `new[p[i]] = old[i]` for a per-node array.
fn scatter(old: &[Value], p: &[usize]) -> Vec<Value> {
    let mut new = vec![Value::Null; old.len()];
    for (i, v) in old.iter().enumerate() {
        new[p[i]] = v.clone();
    }
    new
}

/// An XGBoost JSON model with the nodes of every tree renumbered by a random permutation.
fn permute_xgboost(text: &str, seed: u64) -> String {
    let mut doc: Value = serde_json::from_str(text).expect("model JSON");
    let trees = doc["learner"]["gradient_booster"]["model"]["trees"]
        .as_array_mut()
        .expect("trees");
    for (t, tree) in trees.iter_mut().enumerate() {
        let tree = tree.as_object_mut().expect("tree");
        let n = tree["left_children"].as_array().expect("left").len();
        let p = permutation(n, seed ^ (t as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let node = |v: &Value| -> Value {
            match v.as_i64() {
                Some(i) if i >= 0 && (i as usize) < n => Value::from(p[i as usize] as i64),
                _ => v.clone(),
            }
        };
        for key in ["left_children", "right_children", "parents"] {
            let old: Vec<Value> = tree[key].as_array().expect(key).iter().map(node).collect();
            tree.insert(key.into(), Value::Array(scatter(&old, &p)));
        }
        for key in [
            "base_weights",
            "default_left",
            "loss_changes",
            "split_conditions",
            "split_indices",
            "split_type",
            "sum_hessian",
        ] {
            if let Some(old) = tree.get(key).and_then(Value::as_array) {
                if old.len() == n {
                    let new = scatter(old, &p);
                    tree.insert(key.into(), Value::Array(new));
                }
            }
        }
        // Categorical splits: (node, its categories) listed in node order.
        let nodes = tree.get("categories_nodes").and_then(Value::as_array);
        if let Some(nodes) = nodes.filter(|v| !v.is_empty()) {
            let cats = tree["categories"].as_array().expect("categories").clone();
            let segs = tree["categories_segments"].as_array().expect("segments");
            let sizes = tree["categories_sizes"].as_array().expect("sizes");
            let mut split: Vec<(usize, Vec<Value>)> = nodes
                .iter()
                .zip(segs.iter().zip(sizes))
                .map(|(nd, (s, z))| {
                    let (s, z) = (s.as_u64().unwrap_or(0), z.as_u64().unwrap_or(0));
                    let list = cats[s as usize..(s + z) as usize].to_vec();
                    (p[nd.as_u64().expect("node") as usize], list)
                })
                .collect();
            split.sort_by_key(|(nd, _)| *nd);
            let (mut c, mut sg, mut sz, mut nd) = (vec![], vec![], vec![], vec![]);
            for (node, list) in split {
                nd.push(Value::from(node));
                sg.push(Value::from(c.len()));
                sz.push(Value::from(list.len()));
                c.extend(list);
            }
            tree.insert("categories".into(), Value::Array(c));
            tree.insert("categories_nodes".into(), Value::Array(nd));
            tree.insert("categories_segments".into(), Value::Array(sg));
            tree.insert("categories_sizes".into(), Value::Array(sz));
        }
    }
    serde_json::to_string(&doc).expect("JSON")
}

/// A LightGBM text model with the internal nodes (root kept first) and the leaves of every
/// tree renumbered by random permutations.
fn permute_lightgbm(text: &str, seed: u64) -> String {
    let mut out = Vec::new();
    let mut tree: Vec<(String, String)> = Vec::new();
    let mut t = 0u64;
    let flush = |tree: &mut Vec<(String, String)>, out: &mut Vec<String>, t: u64| {
        if tree.is_empty() {
            return;
        }
        let get = |k: &str| -> Vec<String> {
            tree.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.split(' ').map(str::to_string).collect())
                .unwrap_or_default()
        };
        let leaves = get("leaf_value").len();
        let internal = get("left_child").len();
        let s = seed ^ t.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let pi = permutation(internal.max(1), s);
        // Leaves have no root: any order.
        let mut pl: Vec<usize> = permutation(leaves + 1, s.rotate_left(17))
            .into_iter()
            .skip(1)
            .map(|i| i - 1)
            .collect();
        if leaves == 0 {
            pl.clear();
        }
        let child = |v: &str| -> String {
            let i: i64 = v.parse().expect("child");
            if i >= 0 {
                pi[i as usize].to_string()
            } else {
                (!(pl[(!i) as usize] as i64)).to_string()
            }
        };
        for (k, v) in tree.iter_mut() {
            let vals: Vec<String> = v.split(' ').map(str::to_string).collect();
            let per = |vals: Vec<String>, p: &[usize]| -> Vec<String> {
                let mut new = vec![String::new(); vals.len()];
                for (i, x) in vals.into_iter().enumerate() {
                    new[p[i]] = x;
                }
                new
            };
            let new = match k.as_str() {
                "left_child" | "right_child" if internal > 0 => {
                    Some(per(vals.iter().map(|c| child(c)).collect(), &pi))
                }
                "split_feature" | "split_gain" | "threshold" | "decision_type"
                | "internal_value" | "internal_weight" | "internal_count"
                    if internal > 0 && vals.len() == internal =>
                {
                    Some(per(vals, &pi))
                }
                "leaf_value" | "leaf_weight" | "leaf_count"
                    if leaves > 1 && vals.len() == leaves =>
                {
                    Some(per(vals, &pl))
                }
                _ => None,
            };
            if let Some(new) = new {
                *v = new.join(" ");
            }
        }
        for (k, v) in tree.drain(..) {
            out.push(format!("{k}={v}"));
        }
    };
    let mut in_tree = false;
    for line in text.lines() {
        if line.starts_with("Tree=") {
            flush(&mut tree, &mut out, t);
            t += 1;
            in_tree = true;
            out.push(line.to_string());
            continue;
        }
        if in_tree {
            if let Some((k, v)) = line.split_once('=') {
                tree.push((k.to_string(), v.to_string()));
                continue;
            }
            flush(&mut tree, &mut out, t);
            in_tree = false;
        }
        out.push(line.to_string());
    }
    flush(&mut tree, &mut out, t);
    let mut s = out.join("\n");
    s.push('\n');
    s
}

fn fixture(rel: &str) -> String {
    std::fs::read_to_string(root(&format!("tests/fixtures/{rel}"))).expect("fixture")
}

/// Rows with NaNs and values around the models' thresholds.
fn rows_for(model: &Model, values: &[f64]) -> Array2<f64> {
    let f = model.num_features();
    let n = (values.len() / f).max(1);
    let mut x = Array2::from_elem((n, f), f64::NAN);
    for (i, v) in values.iter().take(n * f).enumerate() {
        x[[i / f, i % f]] = *v;
    }
    x
}

fn same_predictions(a: &Model, b: &Model, values: &[f64]) -> Result<(), TestCaseError> {
    let x = rows_for(a, values);
    let (ma, mb) = (
        a.predict_margin(x.view()).expect("margin"),
        b.predict_margin(x.view()).expect("margin"),
    );
    for (u, v) in ma.iter().zip(mb.iter()) {
        prop_assert_eq!(u.to_bits(), v.to_bits(), "margin {} vs {}", u, v);
    }
    let (pa, pb) = (
        a.shap_values(x.view()).expect("shap"),
        b.shap_values(x.view()).expect("shap"),
    );
    for (u, v) in pa.iter().zip(pb.iter()) {
        prop_assert!(
            (u - v).abs() <= 1e-9 * (1.0 + u.abs()),
            "SHAP {} vs {}",
            u,
            v
        );
    }
    Ok(())
}

fn values() -> impl Strategy<Value = Vec<f64>> {
    proptest::collection::vec(
        prop_oneof![
            Just(f64::NAN),
            -5.0f64..5.0,
            0.0f64..100.0,
            (0u32..12).prop_map(f64::from),
            0.0f64..5000.0,
        ],
        10..120,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn xgboost_node_order_does_not_matter(seed in any::<u64>(), which in 0usize..3, v in values()) {
        let rel = ["xgb_binary/model.json", "xgb_categorical/model.json", "xgb_multiclass/model.json"][which];
        let text = fixture(rel);
        let a = Model::from_xgboost_json(text.as_bytes()).expect("fixture");
        let permuted = permute_xgboost(&text, seed);
        let b = Model::from_xgboost_json(permuted.as_bytes()).expect("a permuted model loads");
        same_predictions(&a, &b, &v)?;
    }

    #[test]
    fn lightgbm_node_order_does_not_matter(seed in any::<u64>(), which in 0usize..3, v in values()) {
        let rel = ["lgb_binary/model.txt", "lgb_categorical/model.txt", "lgb_multiclass/model.txt"][which];
        let text = fixture(rel);
        let a = Model::from_lightgbm_text(text.as_bytes()).expect("fixture");
        let permuted = permute_lightgbm(&text, seed);
        prop_assert!(permuted != text || seed == 0);
        let b = Model::from_lightgbm_text(permuted.as_bytes()).expect("a permuted model loads");
        same_predictions(&a, &b, &v)?;
    }
}

/// The permutations really move nodes (a test of the helpers above).
#[test]
fn permutations_move_nodes() {
    let p = permutation(31, 7);
    assert_eq!(p[0], 0);
    assert!(p.iter().enumerate().filter(|(i, &v)| *i != v).count() > 20);
    let text = fixture("xgb_binary/model.json");
    assert_ne!(
        permute_xgboost(&text, 7),
        serde_json::to_string(&serde_json::from_str::<Value>(&text).unwrap()).unwrap()
    );
    let lgb = fixture("lgb_binary/model.txt");
    let moved = permute_lightgbm(&lgb, 7);
    assert_ne!(moved, lgb);
    assert_eq!(moved.lines().count(), lgb.lines().count());
}
