//! A committed fixture model (chosen by the first byte) and arbitrary rows: predict, SHAP and
//! interactions must not panic, and contributions must add up to the margin.
#![no_main]
use std::sync::OnceLock;

use churn_core::Model;
use libfuzzer_sys::fuzz_target;

macro_rules! fixture {
    ($p:literal) => {
        include_bytes!(concat!("../../../tests/fixtures/", $p))
    };
}

fn models() -> &'static [Model] {
    static MODELS: OnceLock<Vec<Model>> = OnceLock::new();
    MODELS.get_or_init(|| {
        let files: [&[u8]; 10] = [
            fixture!("xgb_binary/model.json"),
            fixture!("xgb_categorical/model.json"),
            fixture!("xgb_dart/model.json"),
            fixture!("xgb_multiclass/model.json"),
            fixture!("xgb_deep/model.json"),
            fixture!("lgb_binary/model.txt"),
            fixture!("lgb_categorical/model.txt"),
            fixture!("lgb_zero_as_missing/model.txt"),
            fixture!("lgb_rf/model.txt"),
            fixture!("lgb_deep/model.txt"),
        ];
        files
            .iter()
            .map(|b| Model::from_bytes(b).expect("fixture model"))
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    churn_core::fuzzing::model_rows(models(), data);
});
