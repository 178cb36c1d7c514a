//! The data-quality report on the real IBM Telco Customer Churn table (examples/data/telco.csv,
//! 7,043 rows) with the demo bundle: it names the blank `TotalCharges` rows, gives a score, and
//! its estimated AUC drops when an important column is removed. Also: the demo bundle loads
//! and scores exactly like XGBoost did when it was built, drift is found and named, and a
//! snapshot of a full report (text and JSON) on the messy customer file.
//!
//! Snapshots: `UPDATE_SNAPSHOTS=1 cargo test -p churn-core --test telco_quality` rewrites
//! tests/data/messy_report.txt and .json after an intended change.

use churn_core::quality::psi_band;
use churn_core::{quality_report, Bundle, QualityReport, Table};

fn root(rel: &str) -> String {
    format!("{}/../{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn demo() -> Bundle {
    Bundle::load(root("examples/demo/telco_bundle.json")).expect("demo bundle")
}

fn telco() -> Table {
    let text = std::fs::read_to_string(root("examples/data/telco.csv"))
        .expect("examples/data/telco.csv (python examples/data/fetch_telco.py)");
    Table::from_csv_str(&text).expect("parse telco.csv")
}

fn without(t: &Table, header: &str) -> Table {
    let c = t.headers.iter().position(|h| h == header).expect("column");
    let mut out = t.clone();
    out.headers.remove(c);
    for r in &mut out.rows {
        r.remove(c);
    }
    out
}

#[test]
fn demo_bundle_scores_like_xgboost() {
    let b = demo();
    assert_eq!(b.metadata.name, "telco-churn-demo");
    assert_eq!(b.metadata.content_hash.len(), 64);
    assert!(b.metadata.metrics["holdout_auc"] > 0.8);
    let sample = b.sample().expect("labelled sample");
    assert_eq!(sample.rows.len(), 500);
    let p = b.model().predict(sample.matrix().view()).unwrap();
    let text =
        std::fs::read_to_string(root("examples/demo/telco_sample_predictions.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let expected: Vec<f64> = v["sample_predictions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert_eq!(expected.len(), 500);
    let worst = (0..500)
        .map(|i| (p[[i, 0]] - expected[i]).abs())
        .fold(0.0, f64::max);
    assert!(worst < 1e-6, "largest difference from xgboost: {worst}");
    let auc = churn_core::quality::auc(p.column(0).to_vec().as_slice(), &sample.labels).unwrap();
    assert!((auc - b.metadata.metrics["sample_auc"]).abs() < 1e-4);
    // Writing and reading back keeps everything.
    let again = Bundle::from_bytes(b.to_json().unwrap().as_bytes()).unwrap();
    assert_eq!(again.schema(), b.schema());
    assert_eq!(again.reference, b.reference);
    assert_eq!(again.sample(), b.sample());
    assert_eq!(again.tiers, b.tiers);
}

#[test]
fn telco_report_names_blank_total_charges_and_estimates_auc() {
    let b = demo();
    let t = telco();
    assert_eq!(t.num_rows(), 7043);
    let r = quality_report(&t, &b, None).unwrap();
    println!("{}", r.to_text());

    // Blank TotalCharges: 11 rows, all new customers.
    let s = r
        .suggestions
        .iter()
        .find(|s| s.message.contains("'TotalCharges' is blank in 11 rows"))
        .expect("a suggestion about the blank TotalCharges rows");
    assert!(s.message.contains("all with tenure 0"), "{}", s.message);
    let tc = r
        .column_quality
        .iter()
        .find(|c| c.header == "TotalCharges")
        .unwrap();
    assert!((tc.completeness - (1.0 - 11.0 / 7043.0)).abs() < 1e-4);

    // Score, mapping, validation.
    assert!(r.score > 0.95 && r.score <= 1.0, "score {}", r.score);
    assert_eq!(r.grade, "good");
    assert!(r.missing_features.is_empty() && r.unmapped_columns.is_empty());
    assert_eq!((r.rows_accepted, r.rows_rejected), (Some(7043), Some(0)));
    let id = r
        .column_quality
        .iter()
        .find(|c| c.header == "customerID")
        .unwrap();
    assert_eq!(id.uniqueness, 1.0);

    // Drift against the training reference: the table the model was trained on is stable.
    for c in &r.column_quality {
        if let Some(d) = &c.drift {
            assert_eq!(d.band, "stable", "{} {:?}", c.header, d);
        }
    }

    // Estimated AUC: complete data vs this table's missingness (almost none).
    let a = r.accuracy.as_ref().expect("accuracy estimate");
    assert!(a.complete_auc > 0.8);
    assert!(a.drop.abs() < 0.005, "{a:?}");

    // Removing an important column lowers the expected AUC.
    let mut drops = Vec::new();
    for col in ["Contract", "tenure", "InternetService", "PaymentMethod"] {
        let d = quality_report(&without(&t, col), &b, None).unwrap();
        let da = d.accuracy.as_ref().unwrap();
        println!(
            "without {col:16} expected AUC {:.4} (complete {:.4}), score {:.3}",
            da.expected_auc, da.complete_auc, d.score
        );
        assert!(d.missing_features.contains(&col.to_string()));
        assert!(d.score < r.score);
        drops.push((col, da.expected_auc));
    }
    let contract = drops[0].1;
    assert!(
        contract < a.expected_auc - 0.005,
        "removing Contract should lower the expected AUC: {contract} vs {}",
        a.expected_auc
    );
    assert!(drops.iter().all(|(_, auc)| *auc < a.expected_auc));
}

#[test]
fn drift_is_found_and_named() {
    let b = demo();
    let t = telco();
    let c = t.headers.iter().position(|h| h == "Contract").unwrap();
    let mut shifted = t.clone();
    shifted.rows.retain(|r| r[c] == "Month-to-month");
    let r = quality_report(&shifted, &b, None).unwrap();
    let contract = r
        .column_quality
        .iter()
        .find(|q| q.header == "Contract")
        .unwrap();
    let d = contract.drift.as_ref().expect("drift figure");
    assert_eq!(d.band, "significant");
    assert_eq!(psi_band(d.psi), "significant");
    // The largest PSI term is a category that vanished (two-year contracts: 24% -> 0%).
    assert_eq!(d.moved, "Two year");
    assert_eq!(d.actual_share, 0.0);
    assert!(d.expected_share > 0.2);
    assert!(r.suggestions.iter().any(|s| s
        .message
        .contains("'Contract' differs from the training data")));
}

fn check_snapshot(path: &str, actual: &str) {
    let full = root(path);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&full, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&full)
        .unwrap_or_else(|_| panic!("{path} missing: run with UPDATE_SNAPSHOTS=1 to create it"));
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{path} differs from the report at line {}:\n  expected: {:?}\n  actual:   {:?}\n(UPDATE_SNAPSHOTS=1 rewrites it after an intended change)",
            first + 1,
            expected.lines().nth(first),
            actual.lines().nth(first)
        );
    }
}

#[test]
fn messy_report_snapshot() {
    let b = demo();
    let text = std::fs::read_to_string(root("tests/data/messy_customers.csv")).unwrap();
    let t = Table::from_csv_str(&text).unwrap();
    let r = quality_report(&t, &b, None).unwrap();
    check_snapshot("tests/data/messy_report.txt", &r.to_text());
    check_snapshot(
        "tests/data/messy_report.json",
        &format!("{}\n", r.to_json()),
    );
    // The JSON reads back into the same report.
    let back: QualityReport = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(back, r);
}
