//! Any bytes as a customer export scored with the demo bundle: every row scored or rejected
//! with a reason, counts that add up, outputs independent of the chunk size, no panic.
#![no_main]
use std::sync::OnceLock;

use churn_core::Bundle;
use libfuzzer_sys::fuzz_target;

fn demo() -> &'static Bundle {
    static DEMO: OnceLock<Bundle> = OnceLock::new();
    DEMO.get_or_init(|| {
        let bytes = include_bytes!("../../../examples/demo/telco_bundle.json");
        churn_core::fuzzing::bundle_with_small_sample(bytes, 1)
    })
}

fuzz_target!(|data: &[u8]| {
    churn_core::fuzzing::csv_pipeline(demo(), data);
});
