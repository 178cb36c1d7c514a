//! Bundle, schema (JSON, TOML, enrichment), overrides and vocabulary files: a typed error or
//! something that saves, reloads and scores a table without breaking the pipeline's invariants.
#![no_main]
use libfuzzer_sys::fuzz_target;

const BASE_MODEL: &[u8] = include_bytes!("../seeds/tiny_xgb.json");
const BASE_TABLE: &[u8] = include_bytes!("../../../tests/data/messy_customers.csv");

fuzz_target!(|data: &[u8]| {
    churn_core::fuzzing::bundle(data, BASE_MODEL, BASE_TABLE);
});
