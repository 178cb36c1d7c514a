//! The cross-runtime parity suite: for a set of fixture models and inputs, the outputs of the
//! core are committed in `tests/parity/*.json`, and every runtime (Rust here, Python, Node and
//! WASM in their own test suites) must reproduce them bit for bit.
//!
//! Regenerate after an intended numeric change with `CHURNLENS_BLESS=1 cargo test --test parity`.

use std::path::{Path, PathBuf};

use churn_core::ndarray::Array2;
use churn_core::Model;
use serde_json::{json, Value};

const CASES: &[&str] = &[
    "xgb_binary",
    "xgb_binary_ubj",
    "xgb_multiclass",
    "xgb_categorical",
    "xgb_dart",
    "xgb_gamma",
    "lgb_binary",
    "lgb_multiclass",
    "lgb_categorical",
    "lgb_zero_as_missing",
    "lgb_rf",
];
const ROWS: usize = 16;
const INTERACTION_ROWS: usize = 4;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests")
}

fn flat(values: impl IntoIterator<Item = f64>) -> Value {
    Value::Array(
        values
            .into_iter()
            .map(|v| serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
            .collect(),
    )
}

fn expected(case: &str) -> Value {
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures").join(case).join("case.json")).unwrap(),
    )
    .unwrap();
    let model_rel = format!("{case}/{}", fixture["model_file"].as_str().unwrap());
    let model = Model::load(root().join("fixtures").join(&model_rel)).unwrap();
    let f = model.num_features();
    let rows: Vec<f64> = fixture["X"]
        .as_array()
        .unwrap()
        .iter()
        .take(ROWS)
        .flat_map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap_or(f64::NAN))
        })
        .collect();
    let n = rows.len() / f;
    let x = Array2::from_shape_vec((n, f), rows.clone()).unwrap();
    let ni = n.min(INTERACTION_ROWS);
    let xi = x.slice(churn_core::ndarray::s![..ni, ..]);
    json!({
        "case": case,
        "model": model_rel,
        "rows": n,
        "cols": f,
        "outputs": model.num_outputs(),
        "x": flat(rows),
        "margin": flat(model.predict_margin(x.view()).unwrap()),
        "prediction": flat(model.predict(x.view()).unwrap()),
        "expected_value": flat(model.expected_value()),
        "shap": flat(model.shap_values(x.view()).unwrap()),
        "interaction_rows": ni,
        "interactions": flat(model.shap_interaction_values(xi).unwrap()),
    })
}

#[test]
fn core_outputs_match_the_committed_parity_cases_bit_for_bit() {
    let dir = root().join("parity");
    let bless = std::env::var_os("CHURNLENS_BLESS").is_some();
    if bless {
        std::fs::create_dir_all(&dir).unwrap();
    }
    for case in CASES {
        let got = expected(case);
        let path = dir.join(format!("{case}.json"));
        if bless {
            std::fs::write(&path, serde_json::to_string(&got).unwrap()).unwrap();
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run with CHURNLENS_BLESS=1)", path.display()));
        let want: Value = serde_json::from_str(&text).unwrap();
        for key in [
            "margin",
            "prediction",
            "expected_value",
            "shap",
            "interactions",
        ] {
            let (g, w) = (got[key].as_array().unwrap(), want[key].as_array().unwrap());
            assert_eq!(g.len(), w.len(), "{case} {key} length");
            for (i, (a, b)) in g.iter().zip(w).enumerate() {
                let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
                assert_eq!(
                    a.to_bits(),
                    b.to_bits(),
                    "{case} {key}[{i}]: {a:?} != {b:?}"
                );
            }
        }
    }
}

/// One `Model` shared by many threads (each also using rayon inside) gives the same bits as a
/// single caller.
#[test]
fn a_model_shared_by_threads_gives_identical_results() {
    let path = root().join("fixtures/lgb_multiclass/model.txt");
    let model = std::sync::Arc::new(Model::load(path).unwrap());
    let f = model.num_features();
    let x = Array2::from_shape_fn((97, f), |(r, j)| {
        if (r + j) % 7 == 0 {
            f64::NAN
        } else {
            ((r * 31 + j * 17) % 100) as f64
        }
    });
    let want_p = model.predict(x.view()).unwrap();
    let want_phi = model.shap_values(x.view()).unwrap();
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (model, x) = (model.clone(), x.clone());
            std::thread::spawn(move || {
                (0..5)
                    .map(|_| {
                        (
                            model.predict(x.view()).unwrap(),
                            model.shap_values(x.view()).unwrap(),
                        )
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for h in handles {
        for (p, phi) in h.join().unwrap() {
            assert!(p
                .iter()
                .zip(&want_p)
                .all(|(a, b)| a.to_bits() == b.to_bits()));
            assert!(phi
                .iter()
                .zip(&want_phi)
                .all(|(a, b)| a.to_bits() == b.to_bits()));
        }
    }
}

/// Batches of any size give each row the values it gets alone (interaction values are computed
/// in blocks of rows; a block offset bug once gave rows past the first block another row's
/// values).
#[test]
fn batched_rows_equal_rows_alone() {
    for case in ["xgb_binary", "lgb_multiclass"] {
        let fixture: Value = serde_json::from_str(
            &std::fs::read_to_string(root().join("fixtures").join(case).join("case.json")).unwrap(),
        )
        .unwrap();
        let path = root()
            .join("fixtures")
            .join(case)
            .join(fixture["model_file"].as_str().unwrap());
        let model = Model::load(path).unwrap();
        let f = model.num_features();
        let rows: Vec<f64> = fixture["X"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap_or(f64::NAN))
            })
            .collect();
        let x = Array2::from_shape_vec((rows.len() / f, f), rows).unwrap();
        let all_phi = model.shap_values(x.view()).unwrap();
        let all_inter = model.shap_interaction_values(x.view()).unwrap();
        let all_p = model.predict(x.view()).unwrap();
        for r in 0..x.nrows() {
            let one = x.slice(churn_core::ndarray::s![r..r + 1, ..]);
            let phi = model.shap_values(one).unwrap();
            let inter = model.shap_interaction_values(one).unwrap();
            let p = model.predict(one).unwrap();
            let same = |a: f64, b: f64| a.to_bits() == b.to_bits();
            assert!(
                phi.iter()
                    .zip(all_phi.slice(churn_core::ndarray::s![r, .., ..]))
                    .all(|(a, b)| same(*a, *b)),
                "{case} shap row {r}"
            );
            assert!(
                inter
                    .iter()
                    .zip(all_inter.slice(churn_core::ndarray::s![r, .., .., ..]))
                    .all(|(a, b)| same(*a, *b)),
                "{case} interactions row {r}"
            );
            assert!(
                p.iter().zip(all_p.row(r)).all(|(a, b)| same(*a, *b)),
                "{case} predict row {r}"
            );
        }
    }
}
