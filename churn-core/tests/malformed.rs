//! Malformed and hostile model files: each gives a typed error naming where and why, never a
//! panic, a hang or an allocation sized by a lying count.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use churn_core::ndarray::Array2;
use churn_core::{Error, Model};
use serde_json::{json, Value};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(rel)
}

fn xgb_json() -> Value {
    serde_json::from_slice(&std::fs::read(fixture("xgb_binary/model.json")).unwrap()).unwrap()
}

fn lgb_text() -> String {
    std::fs::read_to_string(fixture("lgb_binary/model.txt")).unwrap()
}

fn load_json(v: &Value) -> churn_core::Result<Model> {
    Model::from_bytes(&serde_json::to_vec(v).unwrap())
}

fn tree0(v: &mut Value) -> &mut Value {
    &mut v["learner"]["gradient_booster"]["model"]["trees"][0]
}

/// Asserts a `Model` error whose message names every fragment.
#[track_caller]
fn assert_model_error(result: churn_core::Result<Model>, fragments: &[&str]) {
    match result {
        Err(e @ Error::Model { .. }) => {
            let msg = e.to_string();
            for f in fragments {
                assert!(msg.contains(f), "message {msg:?} lacks {f:?}");
            }
        }
        other => panic!("expected a Model error, got {other:?}"),
    }
}

#[test]
fn xgboost_cycle_is_refused() {
    let mut v = xgb_json();
    let t = tree0(&mut v);
    let right = t["right_children"][0].as_i64().unwrap();
    // Point the right child's left child back at the root.
    t["left_children"][right as usize] = json!(0);
    t["right_children"][right as usize] = json!(right + 1);
    assert_model_error(load_json(&v), &["tree 0", "reached twice"]);
}

#[test]
fn xgboost_self_loop_is_refused() {
    let mut v = xgb_json();
    tree0(&mut v)["left_children"][0] = json!(0);
    assert_model_error(load_json(&v), &["tree 0", "node 0", "reached twice"]);
}

#[test]
fn xgboost_child_out_of_range_is_refused() {
    let mut v = xgb_json();
    tree0(&mut v)["left_children"][0] = json!(99_999);
    assert_model_error(
        load_json(&v),
        &["tree 0", "node 0", "left_children", "99999"],
    );
}

#[test]
fn xgboost_feature_out_of_range_is_refused() {
    let mut v = xgb_json();
    tree0(&mut v)["split_indices"][0] = json!(1_000);
    assert_model_error(load_json(&v), &["tree 0", "node 0", "feature index 1000"]);
}

#[test]
fn xgboost_length_mismatch_is_refused() {
    let mut v = xgb_json();
    tree0(&mut v)["sum_hessian"].as_array_mut().unwrap().pop();
    assert_model_error(load_json(&v), &["tree 0", "cover"]);
    let mut v = xgb_json();
    v["learner"]["gradient_booster"]["model"]["tree_info"]
        .as_array_mut()
        .unwrap()
        .pop();
    assert_model_error(load_json(&v), &["tree_info"]);
}

#[test]
fn xgboost_bad_values_are_refused() {
    let mut v = xgb_json();
    tree0(&mut v)["split_conditions"][0] = json!("abc");
    assert_model_error(load_json(&v), &["tree 0", "node 0", "split_conditions"]);
    let mut v = xgb_json();
    v["learner"]["learner_model_param"]["base_score"] = json!("[1.5E0]");
    assert_model_error(load_json(&v), &["base_score", "between 0 and 1"]);
    let mut v = xgb_json();
    v["learner"]["learner_model_param"]["num_class"] = json!("3000000000");
    assert_model_error(load_json(&v), &["not plausible"]);
    let mut v = xgb_json();
    v["learner"]["gradient_booster"]["model"]["tree_info"][0] = json!(7);
    assert_model_error(load_json(&v), &["tree 0", "output group 7"]);
}

#[test]
fn unknown_keys_are_ignored_and_unknown_objectives_named() {
    let mut v = xgb_json();
    v["learner"]["future_field"] = json!({"x": [1, 2, 3]});
    tree0(&mut v)["cats"] = json!({"enc": []});
    load_json(&v).expect("unknown keys must be ignored");
    let mut v = xgb_json();
    v["learner"]["objective"]["name"] = json!("survival:cox");
    match load_json(&v) {
        Err(Error::Unsupported { what }) => assert!(what.contains("survival:cox"), "{what}"),
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

#[test]
fn truncated_files_are_refused() {
    let json = std::fs::read(fixture("xgb_binary/model.json")).unwrap();
    for cut in [1, json.len() / 3, json.len() - 2] {
        assert!(
            matches!(Model::from_bytes(&json[..cut]), Err(Error::Json { .. })),
            "cut {cut}"
        );
    }
    let ubj = std::fs::read(fixture("xgb_binary_ubj/model.ubj")).unwrap();
    for cut in [3, 7, ubj.len() / 2, ubj.len() - 1] {
        let err = Model::from_bytes(&ubj[..cut]).unwrap_err();
        assert!(matches!(err, Error::Ubjson { .. }), "cut {cut}: {err}");
        assert!(err.to_string().contains("byte"), "{err}");
    }
    let text = lgb_text();
    let cut = text.find("Tree=3").unwrap();
    assert_model_error(
        Model::from_bytes(&text.as_bytes()[..cut]),
        &["end of trees"],
    );
}

#[test]
fn garbage_is_an_unknown_format() {
    for bytes in [
        &b""[..],
        b"   \n",
        b"\x00\x01\x02binary",
        b"PK\x03\x04 zip file",
        "\u{feff}tree".as_bytes(),
    ] {
        assert!(
            matches!(Model::from_bytes(bytes), Err(Error::UnknownFormat { .. })),
            "{bytes:?}"
        );
    }
    // UTF-16 text of a LightGBM model.
    let utf16: Vec<u8> = lgb_text()
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    assert!(Model::from_bytes(&utf16).is_err());
}

#[test]
fn lightgbm_lying_sizes_and_bad_values_are_refused() {
    let text = lgb_text();
    let lying = text.replacen("num_leaves=", "num_leaves=2000000000\nx_num_leaves=", 1);
    assert_model_error(
        Model::from_bytes(lying.as_bytes()),
        &["tree 0", "num_leaves", "2000000000"],
    );

    let bad = text.replacen("threshold=", "threshold=nan ", 1);
    assert!(Model::from_bytes(bad.as_bytes()).is_err());

    let bad = text.replacen("left_child=", "left_child=-1000 ", 1);
    assert_model_error(Model::from_bytes(bad.as_bytes()), &["tree 0"]);

    let bad = text.replacen("split_feature=", "split_feature=4096 ", 1);
    assert!(Model::from_bytes(bad.as_bytes()).is_err());

    let bad = text.replacen("max_feature_idx=", "max_feature_idx=99999999999", 1);
    assert_model_error(Model::from_bytes(bad.as_bytes()), &["max_feature_idx"]);
}

#[test]
fn lightgbm_linear_trees_are_unsupported() {
    match Model::load(fixture("lgb_linear_tree/model.txt")).map_err(Error::into_root) {
        Err(Error::Unsupported { what }) => assert!(what.contains("linear"), "{what}"),
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

/// A chain of `depth` internal nodes, each with a leaf on the left.
fn xgb_chain(depth: usize) -> Value {
    let mut v = xgb_json();
    let n = 2 * depth + 1;
    let mut left = vec![-1i64; n];
    let mut right = vec![-1i64; n];
    for i in 0..depth {
        // internal nodes 0..depth chain to the right; leaves at depth..n
        left[i] = (depth + 1 + i) as i64;
        right[i] = if i + 1 < depth {
            (i + 1) as i64
        } else {
            depth as i64
        };
    }
    // Consistent covers: a node's cover is the number of leaves below it.
    let cover: Vec<f64> = (0..n)
        .map(|i| {
            if i < depth {
                (depth - i + 1) as f64
            } else {
                1.0
            }
        })
        .collect();
    let t = json!({
        "left_children": left,
        "right_children": right,
        "split_indices": vec![0; n],
        "split_conditions": vec![0.5; n],
        "default_left": vec![0; n],
        "sum_hessian": cover,
        "split_type": vec![0; n],
        "tree_param": {"num_nodes": n.to_string(), "size_leaf_vector": "1"},
    });
    let model = &mut v["learner"]["gradient_booster"]["model"];
    model["trees"] = json!([t]);
    model["tree_info"] = json!([0]);
    v
}

#[test]
fn a_100k_deep_chain_is_refused_quickly_without_overflowing_the_stack() {
    let v = xgb_chain(100_000);
    let start = Instant::now();
    assert_model_error(load_json(&v), &["tree 0", "deeper than"]);
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_deep_but_legal_chain_predicts_and_explains() {
    let v = xgb_chain(900);
    let model = load_json(&v).unwrap();
    let x = Array2::from_shape_vec((2, model.num_features()), {
        let mut r = vec![1.0; model.num_features()];
        r.extend(vec![0.0; model.num_features()]);
        r
    })
    .unwrap();
    let phi = model.shap_values(x.view()).unwrap();
    let margin = model.predict_margin(x.view()).unwrap();
    for r in 0..2 {
        let total: f64 = phi.slice(churn_core::ndarray::s![r, 0, ..]).sum();
        assert!(
            (total - margin[[r, 0]]).abs() < 1e-5,
            "row {r}: {total} vs {}",
            margin[[r, 0]]
        );
    }
}

#[test]
fn zero_cover_nodes_give_finite_explanations() {
    let mut v = xgb_json();
    let t = tree0(&mut v);
    let n = t["sum_hessian"].as_array().unwrap().len();
    t["sum_hessian"] = json!(vec![0.0; n]);
    let model = load_json(&v).unwrap();
    let x = Array2::<f64>::zeros((3, model.num_features()));
    let phi = model.shap_values(x.view()).unwrap();
    assert!(phi.iter().all(|v| v.is_finite()));
    let inter = model.shap_interaction_values(x.view()).unwrap();
    assert!(inter.iter().all(|v| v.is_finite()));
}

#[test]
fn inputs_of_the_wrong_width_are_refused() {
    let model = Model::load(fixture("lgb_binary/model.txt")).unwrap();
    let x = Array2::<f64>::zeros((2, model.num_features() + 1));
    for result in [
        model.predict(x.view()).map(|_| ()),
        model.shap_values(x.view()).map(|_| ()),
        model.shap_interaction_values(x.view()).map(|_| ()),
    ] {
        match result {
            Err(Error::Input { reason }) => assert!(reason.contains("columns"), "{reason}"),
            other => panic!("expected an Input error, got {other:?}"),
        }
    }
    let mut out = vec![0.0; 1];
    assert!(model.predict_row(&[1.0], &mut out).is_err());
    // Zero rows are fine.
    let empty = Array2::<f32>::zeros((0, model.num_features()));
    assert_eq!(model.predict(empty.view()).unwrap().dim(), (0, 1));
    assert_eq!(
        model.shap_values(empty.view()).unwrap().dim(),
        (0, 1, model.num_features() + 1)
    );
}

#[test]
fn category_labels_are_read_from_both_formats() {
    use churn_core::CategoryLabels;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/labels");
    for file in ["xgb_labels.json", "lgb_labels.txt"] {
        let model = Model::load(dir.join(file)).unwrap();
        let labels = model.category_labels();
        assert_eq!(
            labels[0],
            Some(CategoryLabels::Strings(vec![
                "basic".into(),
                "pro".into(),
                "team".into()
            ])),
            "{file}"
        );
        assert_eq!(labels[1], None, "{file}");
        assert_eq!(
            labels[2],
            Some(CategoryLabels::Numbers(vec![3.0, 7.0, 9.0])),
            "{file}"
        );
    }
    // Plain integer-coded categoricals carry no labels.
    let model = Model::load(fixture("lgb_categorical/model.txt")).unwrap();
    assert!(model.category_labels().iter().all(Option::is_none));
}

#[test]
fn lying_feature_counts_do_not_allocate() {
    // Found by fuzzing: a tiny file declaring millions of unnamed features.
    let text = "tree\nversion=v4\nnum_class=1\nnum_tree_per_iteration=1\nmax_feature_idx=7121244\n\nend of trees\n";
    assert_model_error(
        Model::from_bytes(text.as_bytes()),
        &["7121245 features", "unnamed"],
    );
    let mut v = xgb_json();
    v["learner"]["learner_model_param"]["num_feature"] = json!("16000000");
    v["learner"]["feature_names"] = json!([]);
    v["learner"]["feature_types"] = json!([]);
    assert_model_error(load_json(&v), &["16000000 features", "unnamed"]);
}

#[test]
fn xgboost_json_with_invalid_utf8_names_the_place() {
    // A feature name with a stray Latin-1 byte, on the second line of the file.
    let mut bytes = serde_json::to_vec_pretty(&xgb_json()).unwrap();
    let at = bytes.iter().position(|&b| b == b'\n').unwrap() + 3;
    bytes.insert(at, 0xE9);
    match Model::from_bytes(&bytes) {
        Err(
            e @ Error::Json {
                line: 2, column: 3, ..
            },
        ) => {
            assert!(e.to_string().contains("invalid UTF-8"), "{e}")
        }
        other => panic!("expected a JSON error at line 2, column 3, got {other:?}"),
    }
}
