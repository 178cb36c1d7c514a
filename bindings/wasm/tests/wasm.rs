//! wasm-bindgen-test suite: the binding compiled to wasm32 and run in node
//! (`cargo test --target wasm32-unknown-unknown -p churnlens-wasm` with
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner`; see .ci/wasm.sh).
#![cfg(target_arch = "wasm32")]

use churnlens_wasm::{
    check_text, map_columns, parse_date, score_csv, validate, Bundle, Bytes, FeatureData, Model,
    ModelBytes, PredictOptions, ScoreOptionsArg,
};
use js_sys::{Array, Float32Array, Float64Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const XGB: &[u8] = include_bytes!("../../../tests/fixtures/xgb_binary/model.json");
const LGB_MULTI: &[u8] = include_bytes!("../../../tests/fixtures/lgb_multiclass/model.txt");
const PARITY: &str = include_str!("../../../tests/parity/xgb_multiclass.json");

fn load(bytes: &[u8]) -> Result<Model, JsValue> {
    Model::load(Uint8Array::from(bytes).unchecked_into::<ModelBytes>())
}

fn f64s(v: &[f64]) -> FeatureData {
    Float64Array::from(v).unchecked_into()
}

fn code(err: JsValue) -> String {
    Reflect::get(&err, &"code".into())
        .unwrap()
        .as_string()
        .unwrap()
}

fn message(err: &JsValue) -> String {
    Reflect::get(err, &"message".into())
        .unwrap()
        .as_string()
        .unwrap()
}

fn nums(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect()
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[wasm_bindgen_test]
fn loads_and_reports_properties() {
    let m = load(XGB).unwrap();
    assert_eq!(m.format(), "xgboost");
    assert_eq!(m.num_features(), 8);
    assert_eq!(m.num_outputs(), 1);
    assert_eq!(m.feature_names()[0], "tenure");
    assert_eq!(m.objective(), "binary:logistic");
    let l = load(LGB_MULTI).unwrap();
    assert_eq!(l.format(), "lightgbm");
    assert_eq!(l.num_outputs(), 3);
    // An ArrayBuffer works too.
    let buf = Uint8Array::from(XGB).buffer();
    assert_eq!(
        Model::load(buf.unchecked_into()).unwrap().num_trees(),
        m.num_trees()
    );
}

#[wasm_bindgen_test]
fn parity_case_bit_for_bit_inside_wasm() {
    let case: serde_json::Value = serde_json::from_str(PARITY).unwrap();
    let m = load(include_bytes!(
        "../../../tests/fixtures/xgb_multiclass/model.json"
    ))
    .unwrap();
    let x = nums(&case["x"]);
    let rows = case["rows"].as_u64().unwrap() as u32;
    let cols = case["cols"].as_u64().unwrap() as usize;
    let ni = case["interaction_rows"].as_u64().unwrap() as u32;
    let data = || f64s(&x);
    assert_eq!(
        bits(&m.predict_margin(data(), Some(rows)).unwrap()),
        bits(&nums(&case["margin"]))
    );
    assert_eq!(
        bits(&m.predict(data(), None, None).unwrap()),
        bits(&nums(&case["prediction"]))
    );
    assert_eq!(
        bits(&m.expected_value()),
        bits(&nums(&case["expected_value"]))
    );
    assert_eq!(
        bits(&m.shap_values(data(), Some(rows)).unwrap()),
        bits(&nums(&case["shap"]))
    );
    let xi = f64s(&x[..ni as usize * cols]);
    assert_eq!(
        bits(&m.shap_interaction_values(xi, Some(ni)).unwrap()),
        bits(&nums(&case["interactions"]))
    );
}

#[wasm_bindgen_test]
fn float32_input_and_margin_option() {
    let m = load(XGB).unwrap();
    let x: Vec<f64> = (0..16).map(|i| i as f64 * 3.5).collect();
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let a = m.predict(f64s(&x), Some(2), None).unwrap();
    let b = m
        .predict(Float32Array::from(&x32[..]).unchecked_into(), Some(2), None)
        .unwrap();
    assert_eq!(bits(&a), bits(&b));
    let opts = Object::new();
    Reflect::set(&opts, &"output".into(), &"margin".into()).unwrap();
    let margin = m
        .predict(
            f64s(&x),
            None,
            Some(opts.unchecked_into::<PredictOptions>()),
        )
        .unwrap();
    assert_eq!(
        bits(&margin),
        bits(&m.predict_margin(f64s(&x), None).unwrap())
    );
}

#[wasm_bindgen_test]
fn records_match_the_matrix() {
    let m = load(XGB).unwrap();
    let names = m.feature_names();
    let x: Vec<f64> = (0..8).map(|i| i as f64 + 0.5).collect();
    let rec = Object::new();
    for (n, v) in names.iter().zip(&x) {
        Reflect::set(&rec, &n.as_str().into(), &(*v).into()).unwrap();
    }
    let records = Array::of1(&rec);
    assert_eq!(
        bits(&m.shap_values(records.unchecked_into(), None).unwrap()),
        bits(&m.shap_values(f64s(&x), None).unwrap())
    );
    let empty = Array::of1(&Object::new());
    let missing = vec![f64::NAN; 8];
    assert_eq!(
        bits(&m.predict(empty.unchecked_into(), None, None).unwrap()),
        bits(&m.predict(f64s(&missing), None, None).unwrap())
    );
}

#[wasm_bindgen_test]
fn errors_carry_codes() {
    assert_eq!(code(load(b"hello").err().unwrap()), "unknown_format");
    assert_eq!(code(load(b"{\"learner\": ").err().unwrap()), "json");
    let m = load(XGB).unwrap();
    let err = m.predict(f64s(&[1.0, 2.0, 3.0]), None, None).err().unwrap();
    assert!(message(&err).contains("multiple"), "{}", message(&err));
    assert_eq!(code(err), "input");
    let bad = Object::new();
    Reflect::set(&bad, &"no_such_feature".into(), &1.0.into()).unwrap();
    let err = m
        .predict(Array::of1(&bad).unchecked_into(), None, None)
        .err()
        .unwrap();
    assert!(message(&err).contains("no_such_feature"));
    assert_eq!(code(err), "input");
    let err = m
        .predict(JsValue::from_str("1,2").unchecked_into(), None, None)
        .err()
        .unwrap();
    assert_eq!(code(err), "input");
    let err = m.shap_values(f64s(&[0.0; 16]), Some(3)).err().unwrap();
    assert!(err.is_instance_of::<js_sys::Error>());
    assert!(
        message(&err).contains("3 rows x 8 features need 24"),
        "{}",
        message(&err)
    );
}

// --- the intake and scoring API on the shipped demo (the CLI's run of it is the fixture of
// the Node suite: bindings/node/test/fixtures/make_cli_fixture.sh).

const DEMO_BUNDLE: &[u8] = include_bytes!("../../../examples/demo/telco_bundle.json");
const DEMO_CSV: &[u8] = include_bytes!("../../../examples/demo/customers_export.csv");
const CLI_SUMMARY: &str = include_str!("../../node/test/fixtures/demo_cli_summary.json");
const CLI_CSV: &[u8] = include_bytes!("../../node/test/fixtures/demo_cli.scored.csv");

fn bytes(b: &[u8]) -> Bytes {
    Uint8Array::from(b).unchecked_into()
}

fn demo_bundle() -> Bundle {
    Bundle::load(bytes(DEMO_BUNDLE)).unwrap()
}

#[wasm_bindgen_test]
fn score_csv_matches_the_cli_run() {
    let cli: serde_json::Value = serde_json::from_str(CLI_SUMMARY).unwrap();
    let bundle = demo_bundle();
    let t = score_csv(bytes(DEMO_CSV), &bundle, None).unwrap();
    assert_eq!(t.length() as u64, cli["rows_scored"].as_u64().unwrap());
    let mut counts = vec![0u64; t.tier_names().len()];
    for k in t.tiers() {
        counts[k as usize] += 1;
    }
    let want: Vec<u64> = cli["tiers"]["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, want);
    assert!(
        t.to_csv(None).unwrap() == CLI_CSV,
        "toCsv differs from the CLI's scored CSV"
    );
}

#[wasm_bindgen_test]
fn probabilities_equal_predict_on_validated_inputs() {
    let bundle = demo_bundle();
    let t = score_csv(bytes(DEMO_CSV), &bundle, None).unwrap();
    let v = validate(bytes(DEMO_CSV), &bundle, None).unwrap();
    let features: Float64Array = Reflect::get(&v, &"features".into())
        .unwrap()
        .unchecked_into();
    let model = bundle.model().unwrap();
    let p = model
        .predict(features.clone().unchecked_into(), None, None)
        .unwrap();
    assert_eq!(bits(&t.probabilities()), bits(&p));
    let phi = model.shap_values(features.unchecked_into(), None).unwrap();
    assert_eq!(bits(&t.shap()), bits(&phi));
}

#[wasm_bindgen_test]
fn intake_errors_carry_codes() {
    let bundle = demo_bundle();
    let err = Bundle::load(bytes(&DEMO_BUNDLE[..4000])).err().unwrap();
    assert_eq!(code(err), "json");
    let err = score_csv(bytes(b"colour,size\nred,3\n"), &bundle, None)
        .err()
        .unwrap();
    assert!(
        message(&err).contains("none of the model's"),
        "{}",
        message(&err)
    );
    assert_eq!(code(err), "input");
    let err = score_csv(bytes(b"PK\x03\x04\x14\0\0\0"), &bundle, None)
        .err()
        .unwrap();
    assert_eq!(code(err), "csv");
    let opts = Object::new();
    Reflect::set(&opts, &"topk".into(), &3.into()).unwrap();
    let err = score_csv(
        bytes(DEMO_CSV),
        &bundle,
        Some(opts.unchecked_into::<ScoreOptionsArg>()),
    )
    .err()
    .unwrap();
    assert_eq!(code(err), "input");
    let headers = Array::of2(&"Tenure (months)".into(), &"Notes".into());
    let names = Array::of1(&"tenure".into());
    let m = map_columns(headers.unchecked_into(), names.unchecked_into(), None).unwrap();
    let mapping = Reflect::get(&m, &"mapping".into()).unwrap();
    assert_eq!(
        Reflect::get(&mapping, &"tenure".into())
            .unwrap()
            .as_string()
            .as_deref(),
        Some("Tenure (months)")
    );
}

#[wasm_bindgen_test]
fn check_text_is_the_core_check_scorecsv_makes() {
    assert!(check_text(bytes(DEMO_CSV)).is_ok());
    assert!(check_text(bytes(b"\xFF\xFEi\0d\0")).is_ok());
    for input in [
        &b"\x89PNG\r\n\x1a\n"[..],
        b"PK\x03\x04\x14\0\0\0",
        b"id\0tenure\n",
    ] {
        let want = churn_core::records::check_text(input)
            .unwrap_err()
            .to_string();
        let err = check_text(bytes(input)).unwrap_err();
        assert_eq!(message(&err), want);
        assert_eq!(code(err), "csv");
    }
    let err = check_text(JsValue::from_str("id,tenure").unchecked_into()).unwrap_err();
    assert_eq!(code(err), "input");
}

#[wasm_bindgen_test]
fn parse_date_gives_the_core_date_as_days_since_1970() {
    assert_eq!(parse_date("2024-01-31"), 19753.0);
    assert_eq!(parse_date("1970-01-01T00:00:00Z"), 0.0);
    for s in [
        "2024-01-31",
        "20240131",
        "01/31/2024",
        "31/01/2024",
        "31.01.2024",
        "31-Jan-2024",
        "Jan 31, 2024",
        "31 January 2024",
        "2024-02-30",
        "0999-01-01",
        "12",
        "",
    ] {
        let core = churn_core::normalize::parse_date(s).map(|d| d.days_since_epoch() as f64);
        let got = parse_date(s);
        assert_eq!((!got.is_nan()).then_some(got), core, "{s}");
    }
    assert!(parse_date("2024-02-30").is_nan());
}
