//! Any bytes given to the XGBoost UBJSON loader: a typed error or a valid model, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(model) = churn_core::Model::from_xgboost_ubjson(data) {
        churn_core::fuzzing::exercise(&model, &[]);
    }
});
