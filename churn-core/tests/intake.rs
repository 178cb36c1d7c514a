//! Intake acceptance tests: the messy customer file (every row accepted or rejected with its
//! reasons), chunked processing equal to whole-table processing, overrides saved and reloaded,
//! schema files, date-derived features, and hostile inputs that must not panic.

use std::collections::{BTreeMap, BTreeSet};

use churn_core::normalize::{Date, NormalizeOptions};
use churn_core::{
    map_columns, profile_chunk, quality_report, seen_ids, validate, Bundle, IssueCode, MatchSource,
    Overrides, QualityProfile, Schema, Table, ValidateOptions, ValidationSummary,
};

fn root(rel: &str) -> String {
    format!("{}/../{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn demo() -> Bundle {
    Bundle::load(root("examples/demo/telco_bundle.json")).expect("demo bundle")
}

fn messy() -> Table {
    let text = std::fs::read_to_string(root("tests/data/messy_customers.csv")).expect("messy file");
    Table::from_csv_str(&text).expect("parse messy file")
}

#[test]
fn messy_headers_map_to_the_telco_model() {
    let b = demo();
    let t = messy();
    let m = map_columns(&t.headers, b.schema(), Some(t.sample(500)), None).unwrap();
    let expected: BTreeMap<&str, &str> = [
        ("customerID", "Cust ID"),
        ("gender", "Gender"),
        ("SeniorCitizen", "Senior Citizen"),
        ("Partner", "Has Partner"),
        ("Dependents", "Dependents (Y/N)"),
        ("tenure", "Tenure (months)"),
        ("PhoneService", "Phone Service"),
        ("MultipleLines", "Multiple Lines"),
        ("InternetService", "Internet Type"),
        ("OnlineSecurity", "Online Security"),
        ("OnlineBackup", "Online Backup"),
        ("DeviceProtection", "Device Protection Plan"),
        ("TechSupport", "Premium Tech Support"),
        ("StreamingTV", "Streaming TV"),
        ("StreamingMovies", "Streaming Movies"),
        ("Contract", "Contract Type"),
        ("PaperlessBilling", "Paperless Billing"),
        ("PaymentMethod", "Payment Method"),
        ("MonthlyCharges", "Monthly Charge ($)"),
        ("TotalCharges", "Total Charges ($)"),
        ("Churn", "Churn Label"),
    ]
    .into_iter()
    .collect();
    let got = m.as_dict();
    let got: BTreeMap<&str, &str> = got.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(got, expected);
    assert_eq!(m.unmapped_headers(), ["Churn Score", "Notes"]);
    assert!(m.missing().is_empty());
    assert_eq!(m.get("Churn").unwrap().source, Some(MatchSource::Alias));
    for f in &m.features {
        assert!(f.confidence >= 0.8, "{} {}", f.feature, f.confidence);
    }
}

/// (row, expected reason codes; empty = accepted)
fn expected_outcomes() -> BTreeMap<u64, Vec<IssueCode>> {
    use IssueCode::*;
    let mut e: BTreeMap<u64, Vec<IssueCode>> = (1..=35).map(|r| (r, vec![])).collect();
    e.insert(8, vec![MissingRequired]); // tenure blank, tenure is required
    e.insert(9, vec![TypeMismatch]); // MonthlyCharges "abc"
    e.insert(10, vec![OutOfRange]); // tenure -5, min 0
    e.insert(11, vec![UnknownCategory]); // Contract "Weekly" (policy reject)
    e.insert(13, vec![TypeMismatch]); // SeniorCitizen "maybe"
    e.insert(14, vec![DuplicateId]); // 5575-GNVDE again (first in row 2)
    e.insert(17, vec![EmptyRow]);
    e.insert(20, vec![OutOfRange]); // TotalCharges "(7,895.15)" = -7895.15, min 0
    e
}

#[test]
fn every_messy_row_is_accepted_or_rejected_with_reasons() {
    let b = demo();
    let t = messy();
    let m = map_columns(&t.headers, b.schema(), Some(t.sample(500)), None).unwrap();
    let v = validate(&t, &m, b.schema(), &ValidateOptions::default());

    let accepted: BTreeSet<u64> = v.rows.iter().copied().collect();
    let rejected: BTreeSet<u64> = v.rejected.iter().map(|r| r.row).collect();
    assert!(accepted.is_disjoint(&rejected));
    let all: BTreeSet<u64> = accepted.union(&rejected).copied().collect();
    assert_eq!(
        all,
        (1..=35).collect::<BTreeSet<u64>>(),
        "every row ends up somewhere"
    );
    assert_eq!(v.summary.rows, 35);
    assert_eq!(v.summary.accepted + v.summary.rejected, v.summary.rows);
    assert_eq!(v.summary.accepted as usize, v.rows.len());
    assert_eq!(v.features.nrows(), v.rows.len());
    assert_eq!(v.features.ncols(), b.schema().num_inputs());
    assert_eq!(v.labels.len(), v.rows.len());

    for (row, codes) in expected_outcomes() {
        match v.rejected.iter().find(|r| r.row == row) {
            Some(r) => {
                assert_eq!(r.codes, codes, "row {row}: {:?}", r.reasons);
                assert_eq!(r.codes.len(), r.reasons.len());
                assert!(r.reasons.iter().all(|m| !m.is_empty()));
            }
            None => assert!(
                codes.is_empty(),
                "row {row} should be rejected for {codes:?}"
            ),
        }
    }
    // The rejected rows say who they are.
    let r14 = v.rejected.iter().find(|r| r.row == 14).unwrap();
    assert_eq!(r14.customer_id.as_deref(), Some("5575-GNVDE"));
    assert!(r14.reasons[0].contains("row 2"), "{}", r14.reasons[0]);

    // Warnings and infos on accepted rows.
    let has = |row: u64, code: IssueCode| {
        v.issues
            .iter()
            .any(|i| i.row == Some(row) && i.code == code)
    };
    assert!(has(12, IssueCode::UnknownCategory)); // "Crypto": PaymentMethod policy is `missing`
    assert!(has(15, IssueCode::MissingId));
    assert!(has(16, IssueCode::MissingValue)); // TotalCharges " " for a new customer
    assert!(has(18, IssueCode::MissingValue)); // TotalCharges "N/A"
    assert!(has(19, IssueCode::RaggedRow)); // 20 cells
    assert!(has(34, IssueCode::RaggedRow)); // 24 cells
    let issue12 = v
        .issues
        .iter()
        .find(|i| i.row == Some(12) && i.code == IssueCode::UnknownCategory)
        .unwrap();
    assert_eq!(issue12.column.as_deref(), Some("Payment Method"));
    assert_eq!(issue12.value.as_deref(), Some("Crypto"));
    assert_eq!(issue12.customer_id.as_deref(), Some("7469-LKBCI"));

    // Normalised values of accepted rows.
    let col = |name: &str| {
        b.schema()
            .input_names()
            .iter()
            .position(|n| *n == name)
            .unwrap()
    };
    let at = |row: u64| v.rows.iter().position(|&r| r == row).unwrap();
    assert_eq!(v.features[[at(2), col("TotalCharges")]], 1889.5); // "$1,889.50"
    assert_eq!(v.features[[at(3), col("MonthlyCharges")]], 53.85); // "USD 53.85"
    assert_eq!(v.features[[at(35), col("MonthlyCharges")]], 69.7); // "69,70"
    assert_eq!(v.features[[at(2), col("gender")]], 1.0); // " male " -> Male
    assert_eq!(v.features[[at(6), col("Contract")]], 0.0); // "month_to_month"
    assert_eq!(v.features[[at(4), col("PaymentMethod")]], 0.0); // "Bank transfer automatic"
    assert_eq!(v.features[[at(25), col("PaperlessBilling")]], 1.0); // "TRUE"
    assert!(v.features[[at(12), col("PaymentMethod")]].is_nan()); // "Crypto" -> missing
    assert!(v.features[[at(16), col("TotalCharges")]].is_nan()); // " "
    assert_eq!(v.labels[at(1)], Some(0.0));
    assert_eq!(v.labels[at(3)], Some(1.0));

    // Counts add up per code.
    let listed: usize = v.issues.len();
    let counted: u64 = v.summary.by_code.values().sum();
    assert_eq!(listed as u64 + v.summary.issues_not_listed, counted);
}

#[test]
fn chunked_validation_and_profiles_equal_the_whole() {
    let b = demo();
    let t = messy();
    let m = map_columns(&t.headers, b.schema(), Some(t.sample(500)), None).unwrap();
    let opts = ValidateOptions::default();
    let whole = validate(&t, &m, b.schema(), &opts);
    let whole_profile = profile_chunk(
        &t,
        &m,
        b.schema(),
        b.reference.as_ref(),
        &NormalizeOptions::default(),
    );

    let mut summary = ValidationSummary::default();
    let mut profile = QualityProfile::default();
    let mut seen = std::collections::HashMap::new();
    let mut rejected = Vec::new();
    for (k, rows) in t.rows.chunks(10).enumerate() {
        let chunk = Table::new(t.headers.clone(), rows.to_vec()).starting_at(1 + 10 * k as u64);
        let o = ValidateOptions {
            seen_ids: Some(seen.clone()),
            ..ValidateOptions::default()
        };
        let v = validate(&chunk, &m, b.schema(), &o);
        seen.extend(seen_ids(&v));
        summary.merge(&v.summary);
        rejected.extend(v.rejected);
        profile
            .merge(&profile_chunk(
                &chunk,
                &m,
                b.schema(),
                b.reference.as_ref(),
                &NormalizeOptions::default(),
            ))
            .unwrap();
    }
    assert_eq!(summary, whole.summary);
    assert_eq!(rejected, whole.rejected);
    assert_eq!(profile, whole_profile);
}

#[test]
fn overrides_win_and_survive_a_save_and_reload() {
    let b = demo();
    let t = messy();
    let mut o = Overrides::default();
    o.set("TotalCharges", "Notes");
    o.keep_unmapped("Churn");
    let path =
        std::env::temp_dir().join(format!("churnlens-overrides-{}.json", std::process::id()));
    o.save(&path).unwrap();
    let back = Overrides::load(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(back, o);
    let m = map_columns(&t.headers, b.schema(), Some(t.sample(500)), Some(&back)).unwrap();
    assert_eq!(m.header_of("TotalCharges"), Some("Notes"));
    assert_eq!(
        m.get("TotalCharges").unwrap().source,
        Some(MatchSource::Override)
    );
    assert_eq!(m.header_of("Churn"), None);
    assert!(m.unmapped_headers().contains(&"Total Charges ($)"));
    // The frozen mapping reproduces itself.
    let frozen = m.to_overrides();
    let again = map_columns(&t.headers, b.schema(), None, Some(&frozen)).unwrap();
    assert_eq!(again.as_dict(), m.as_dict());
    // Bad overrides say what is wrong.
    let mut bad = Overrides::default();
    bad.set("TotalCharges", "No Such Column");
    let e = map_columns(&t.headers, b.schema(), None, Some(&bad)).unwrap_err();
    assert_eq!(e.kind(), "override");
    assert!(e.to_string().contains("No Such Column"), "{e}");
}

#[test]
fn schema_files_and_date_derived_tenure() {
    let schema = Schema::from_names(&["tenure", "mrr"])
        .enrich_toml(
            r#"
            [[features]]
            name = "tenure"
            kind = "date_derived"
            unit = "months"
            min = 0
            required = true

            [[features]]
            name = "mrr"
            unit = "currency"
            on_invalid = "clamp"
            min = 0
            max = 10000

            [[features]]
            name = "account_id"
            kind = "identifier"
            "#,
        )
        .unwrap();
    let t = Table::from_csv_str(
        "Account ID,Customer Since,MRR\nA,2023-01-15,\"$1,200\"\nB,15/07/2024,99999\nC,2030-01-01,10\nD,soon,10\n",
    )
    .unwrap();
    let mut o = Overrides::default();
    o.set("tenure", "Customer Since"); // a start date feeds a tenure-in-months feature
    let m = map_columns(&t.headers, &schema, Some(t.sample(10)), Some(&o)).unwrap();
    assert_eq!(m.header_of("mrr"), Some("MRR"));
    assert_eq!(m.header_of("account_id"), Some("Account ID"));
    let opts = ValidateOptions {
        normalize: NormalizeOptions {
            as_of: Date::new(2024, 12, 31),
        },
        ..ValidateOptions::default()
    };
    let v = validate(&t, &m, &schema, &opts);
    assert_eq!(v.rows, [1, 2]);
    assert_eq!(v.features[[0, 0]], 23.0); // 2023-01-15 .. 2024-12-31
    assert_eq!(v.features[[0, 1]], 1200.0);
    assert_eq!(v.features[[1, 0]], 5.0); // 15 July 2024
    assert_eq!(v.features[[1, 1]], 10000.0); // clamped
    assert_eq!(v.rejected[0].codes, [IssueCode::OutOfRange]); // a start date after the as-of date
    assert_eq!(v.rejected[1].codes, [IssueCode::TypeMismatch]); // "soon"
    assert!(v
        .issues
        .iter()
        .any(|i| i.row == Some(2) && i.message.contains("clamped")));
    // Schema errors name the field.
    let e = Schema::from_names(&["a"])
        .enrich_json(r#"{"features": [{"name": "a", "min": 5, "max": 1}]}"#)
        .unwrap_err();
    assert!(e.to_string().contains("feature `a`, field `min`"), "{e}");
}

#[test]
fn hostile_inputs_do_not_panic() {
    let b = demo();
    let schema = b.schema();
    // Empty text, header only, blank header cells, duplicate headers.
    for text in [
        "",
        "\n",
        "a,b\n",
        ",,,\n1,2,3\n",
        "tenure,tenure,Contract\n1,2,Two year\n",
    ] {
        let t = Table::from_csv_str(text).unwrap();
        let m = map_columns(&t.headers, schema, Some(t.sample(10)), None).unwrap();
        let v = validate(&t, &m, schema, &ValidateOptions::default());
        assert_eq!(v.summary.accepted + v.summary.rejected, t.num_rows() as u64);
        let r = quality_report(&t, &b, None).unwrap();
        assert!((0.0..=1.0).contains(&r.score));
        assert!(!r.to_text().is_empty());
    }
    // Duplicate headers: the tenure feature is refused rather than guessed.
    let t = Table::from_csv_str("tenure,tenure,Contract\n1,2,Two year\n").unwrap();
    let m = map_columns(&t.headers, schema, None, None).unwrap();
    assert_eq!(m.header_of("tenure"), None);
    assert!(m.ambiguous().contains(&"tenure"));
    // 10,000 columns with long and odd names, and odd cells.
    let mut headers: Vec<String> = (0..10_000)
        .map(|i| format!("x{i}_{}", "é".repeat(i % 7)))
        .collect();
    headers[17] = "Monthly Charges".into();
    headers[9_999] = "(((((".repeat(300);
    let mut row: Vec<String> = (0..10_000).map(|i| format!("{}", i as f64 * 0.5)).collect();
    row[5] = "\u{212A}r 5".into(); // Kelvin sign before a currency-like code
    row[17] = "$".repeat(10_000);
    let t = Table::new(headers, vec![row.clone(), row]);
    let m = map_columns(&t.headers, schema, Some(t.sample(10)), None).unwrap();
    assert_eq!(m.column_of("MonthlyCharges"), Some(17));
    let v = validate(&t, &m, schema, &ValidateOptions::default());
    assert_eq!(v.summary.rejected, 2); // MonthlyCharges is required and not a number
    let r = quality_report(&t, &b, None).unwrap();
    assert_eq!(r.columns, 10_000);
}
