//! Replays the committed fuzz corpora (`churn-core/fuzz/corpus/<target>/`) through the same
//! entry points the fuzz targets call, so every input a fuzzer ever kept (and every crash it
//! found, once fixed) runs in CI as an ordinary test.

use std::path::{Path, PathBuf};

use churn_core::{fuzzing, Model};

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "empty corpus {}", dir.display());
    files
        .into_iter()
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect()
}

fn replay(target: &str, load: fn(&[u8]) -> churn_core::Result<Model>) -> (usize, usize) {
    let (mut ok, mut err) = (0, 0);
    for (path, bytes) in corpus(target) {
        match load(&bytes) {
            Ok(model) => {
                fuzzing::exercise(&model, &[]);
                ok += 1;
            }
            Err(e) => {
                // Errors must say something: never an empty message.
                assert!(!e.to_string().is_empty(), "{}", path.display());
                err += 1;
            }
        }
    }
    (ok, err)
}

#[test]
fn xgboost_json_corpus() {
    let (ok, _) = replay("xgboost_json", Model::from_xgboost_json);
    assert!(ok > 0);
}

#[test]
fn xgboost_ubjson_corpus() {
    let (ok, _) = replay("xgboost_ubjson", Model::from_xgboost_ubjson);
    assert!(ok > 0);
}

#[test]
fn lightgbm_text_corpus() {
    let (ok, _) = replay("lightgbm_text", Model::from_lightgbm_text);
    assert!(ok > 0);
}

#[test]
fn model_rows_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let models: Vec<Model> = [
        "xgb_binary/model.json",
        "xgb_categorical/model.json",
        "xgb_dart/model.json",
        "xgb_multiclass/model.json",
        "xgb_deep/model.json",
        "lgb_binary/model.txt",
        "lgb_categorical/model.txt",
        "lgb_zero_as_missing/model.txt",
        "lgb_rf/model.txt",
        "lgb_deep/model.txt",
    ]
    .iter()
    .map(|p| Model::load(dir.join(p)).unwrap())
    .collect();
    for (_, bytes) in corpus("model_rows") {
        fuzzing::model_rows(&models, &bytes);
    }
}

fn demo_bundle() -> churn_core::Bundle {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/demo/telco_bundle.json");
    // The same reduced reference sample as the fuzz target (see `bundle_with_small_sample`).
    fuzzing::bundle_with_small_sample(&std::fs::read(path).unwrap(), 1)
}

#[test]
fn csv_pipeline_corpus() {
    let bundle = demo_bundle();
    assert!(bundle.sample().is_some_and(|s| s.rows.len() == 2));
    for (path, bytes) in corpus("csv_pipeline") {
        eprintln!("{}", path.display());
        fuzzing::csv_pipeline(&bundle, &bytes);
    }
}

#[test]
fn bundle_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = std::fs::read(dir.join("fuzz/seeds/tiny_xgb.json")).unwrap();
    let table = std::fs::read(dir.join("../tests/data/messy_customers.csv")).unwrap();
    for (path, bytes) in corpus("bundle") {
        eprintln!("{}", path.display());
        fuzzing::bundle(&bytes, &model, &table);
    }
}
