//! The `churnlens` binary: every subcommand, its outputs, and its exit codes on bad files.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

fn root(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

/// The binary, run in a scratch directory with no CHURNLENS_DB from the environment.
fn churnlens(dir: &TempDir) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_churnlens"));
    c.current_dir(dir.path()).env_remove("CHURNLENS_DB");
    c
}

fn messy() -> PathBuf {
    root("tests/data/messy_customers.csv")
}

fn json_of(out: &[u8]) -> Value {
    serde_json::from_slice(out).expect("stdout is JSON")
}

fn csv_rows(path: &Path) -> usize {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .expect("output CSV");
    r.records().count()
}

#[test]
fn score_without_arguments_runs_the_demo() {
    let dir = TempDir::new().expect("tempdir");
    churnlens(&dir)
        .arg("score")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "churnlens score: examples/data/telco.csv",
        ))
        .stdout(predicate::str::contains("Data-quality report"))
        .stdout(predicate::str::contains("Quality score: 1.00 (good)"))
        .stdout(predicate::str::contains("Risk tiers"))
        .stdout(predicate::str::contains("The 10 riskiest customers"))
        .stdout(predicate::str::contains(
            "Contract (Month-to-month) raises churn risk by",
        ))
        .stdout(predicate::str::contains(
            "predictions logged: churnlens-out/churnlens.db",
        ));
    let out = dir.path().join("churnlens-out");
    assert_eq!(csv_rows(&out.join("telco.scored.csv")), 7043);
    assert_eq!(csv_rows(&out.join("telco.rejects.csv")), 0);
    assert!(out.join("telco.scored.jsonl").exists());
    assert!(out.join("churnlens.db").exists());
}

#[test]
fn score_a_messy_export_as_json() {
    let dir = TempDir::new().expect("tempdir");
    let out = churnlens(&dir)
        .args([
            "score",
            "--json",
            "--no-log",
            "--top",
            "5",
            "--reasons",
            "2",
            "--out-dir",
            "o",
        ])
        .arg(messy())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    let s = &v["summary"];
    let (read, scored, rejected) = (
        s["rows_read"].as_u64().expect("read"),
        s["rows_scored"].as_u64().expect("scored"),
        s["rows_rejected"].as_u64().expect("rejected"),
    );
    assert_eq!((read, scored + rejected), (35, 35));
    assert_eq!(rejected, 8);
    assert_eq!(v["riskiest"].as_array().expect("riskiest").len(), 5);
    assert!(
        v["riskiest"][0]["explanation"]["raises"]
            .as_array()
            .expect("raises")
            .len()
            <= 2
    );
    assert!(v["log"].is_null());
    let files = &v["outputs"];
    let scored_csv = dir.path().join(files["scored_csv"].as_str().expect("path"));
    let rejects_csv = dir
        .path()
        .join(files["rejects_csv"].as_str().expect("path"));
    assert_eq!(csv_rows(&scored_csv) as u64, scored);
    assert_eq!(csv_rows(&rejects_csv) as u64, rejected);
    let rejects = std::fs::read_to_string(rejects_csv).expect("rejects");
    assert!(rejects.starts_with("row,line,customer_id,reject_codes,reject_reasons,Cust ID,"));
    assert!(rejects.contains("duplicate_id"));
    // Explicit output paths and stdin.
    churnlens(&dir)
        .args([
            "score",
            "-",
            "--no-log",
            "--quiet",
            "--csv",
            "a.csv",
            "--jsonl",
            "a.jsonl",
            "--rejects",
            "r.csv",
        ])
        .write_stdin(std::fs::read(messy()).expect("messy"))
        .assert()
        .success();
    assert_eq!(csv_rows(&dir.path().join("a.csv")) as u64, scored);
}

#[test]
fn score_reports_bad_files_with_their_exit_codes() {
    let dir = TempDir::new().expect("tempdir");
    // Missing input: exit 1, names the file.
    churnlens(&dir)
        .args(["score", "--no-log", "nope.csv"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nope.csv"));
    // Invalid UTF-8 read as UTF-8: exit 3, names file, row, line and column.
    let latin1 = dir.path().join("latin1.csv");
    std::fs::write(
        &latin1,
        b"customerID,tenure,Contract,MonthlyCharges\nA,1,One year,20\nJos\xe9,2,One year,30\n",
    )
    .expect("write");
    churnlens(&dir)
        .args(["score", "--no-log", "--encoding", "utf-8"])
        .arg(&latin1)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("latin1.csv"))
        .stderr(predicate::str::contains(
            "row 2, column 1 ('customerID') (line 3",
        ));
    // ...and sniffed as Windows-1252 by default.
    churnlens(&dir)
        .args(["score", "--no-log", "--quiet"])
        .arg(&latin1)
        .assert()
        .success()
        .stdout(predicate::str::contains("windows-1252"));
    // Nothing maps: exit 3.
    let other = dir.path().join("other.csv");
    std::fs::write(&other, "foo,bar\n1,2\n").expect("write");
    churnlens(&dir)
        .args(["score", "--no-log"])
        .arg(&other)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "none of the model's 19 input features",
        ));
    // Empty input: exit 3.
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").expect("write");
    churnlens(&dir)
        .args(["score", "--no-log"])
        .arg(&empty)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("empty.csv: invalid CSV at line 1"));
    // A tampered bundle: exit 4, names the bundle.
    let text = std::fs::read_to_string(root("examples/demo/telco_bundle.json")).expect("bundle");
    let tampered = dir.path().join("tampered.json");
    std::fs::write(
        &tampered,
        text.replacen("telco-churn-demo", "telco-churn-dem0", 1),
    )
    .expect("write");
    churnlens(&dir)
        .args(["score", "--no-log", "--bundle"])
        .arg(&tampered)
        .arg(messy())
        .assert()
        .code(4)
        .stderr(predicate::str::contains("tampered.json"))
        .stderr(predicate::str::contains("content_hash"));
    // A regression model cannot be tiered: exit 4.
    churnlens(&dir)
        .args(["score", "--no-log", "--bundle"])
        .arg(root("tests/fixtures/xgb_regression/model.json"))
        .arg(messy())
        .assert()
        .code(4)
        .stderr(predicate::str::contains("needs a binary classifier"));
    // Bad arguments: exit 2.
    churnlens(&dir)
        .args(["score", "--no-log", "--delimiter", "x"])
        .assert()
        .code(2);
    churnlens(&dir)
        .args(["score", "--no-log", "--encoding", "ebcdic"])
        .assert()
        .code(2);
    // Quality gates: exit 6, outputs still written.
    churnlens(&dir)
        .args([
            "score",
            "--no-log",
            "--quiet",
            "--out-dir",
            "gate",
            "--max-rejected",
            "0.1",
        ])
        .arg(messy())
        .assert()
        .code(6)
        .stderr(predicate::str::contains("rejected, above --max-rejected"));
    assert!(dir.path().join("gate/messy_customers.scored.csv").exists());
    churnlens(&dir)
        .args([
            "score",
            "--no-log",
            "--quiet",
            "--out-dir",
            "gate",
            "--min-quality",
            "0.99",
        ])
        .arg(messy())
        .assert()
        .code(6);
}

#[test]
fn score_reads_an_encoding_named_with_the_flag() {
    let dir = TempDir::new().expect("tempdir");
    // Shift_JIS: `東` is 0x93 0x8C and `京` 0x8B 0x9E; the flag names the encoding instead
    // of leaving three short rows to the sniffer.
    let mut bytes = b"customerID,tenure,Contract,MonthlyCharges\n".to_vec();
    for (i, plan) in ["One year", "Two year", "Month-to-month"]
        .iter()
        .enumerate()
    {
        bytes.extend([0x93, 0x8C, 0x8B, 0x9E]);
        bytes.extend(format!("-{i},{},{plan},{}\n", 3 + i, 20 + 10 * i).bytes());
    }
    let input = dir.path().join("sjis.csv");
    std::fs::write(&input, &bytes).expect("write");
    let out = churnlens(&dir)
        .args(["score", "--json", "--no-log", "--out-dir", "o"])
        .args(["--encoding", "shift_jis"])
        .arg(&input)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    assert_eq!(v["summary"]["encoding"], "Shift_JIS");
    assert_eq!(v["summary"]["rows_scored"], 3);
    let scored = dir
        .path()
        .join(v["outputs"]["scored_csv"].as_str().expect("path"));
    let text = std::fs::read_to_string(scored).expect("UTF-8 output");
    assert!(text.contains("\u{6771}\u{4EAC}-2"), "{text}");
}

#[test]
fn report_checks_quality_only() {
    let dir = TempDir::new().expect("tempdir");
    churnlens(&dir)
        .arg("report")
        .arg(messy())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Rows: 35 (27 accepted, 8 rejected)",
        ))
        .stdout(predicate::str::contains("Quality score: 0.90 (fair)"))
        .stdout(predicate::str::contains("'Cust ID' has 1 duplicate id"));
    let out = churnlens(&dir)
        .args(["report", "--json"])
        .arg(messy())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    assert_eq!(v["quality"]["rows"], 35);
    assert!(v["tiers"]["tiers"].as_array().expect("tiers").is_empty());
    assert!(
        !dir.path().join("churnlens-out").exists(),
        "report writes nothing"
    );
    churnlens(&dir)
        .args(["report", "missing.csv"])
        .assert()
        .code(1);
    churnlens(&dir)
        .args(["report", "--min-quality", "0.95"])
        .arg(messy())
        .assert()
        .code(6);
    let semicolons = dir.path().join("semi.csv");
    std::fs::write(
        &semicolons,
        "customerID;tenure;Contract;MonthlyCharges\nA;1;One year;20,5\nB;2;Two year;30\n",
    )
    .expect("write");
    churnlens(&dir)
        .arg("report")
        .arg(&semicolons)
        .assert()
        .success()
        .stdout(predicate::str::contains("Rows: 2 (2 accepted, 0 rejected)"));
}

#[test]
fn explain_one_customer() {
    let dir = TempDir::new().expect("tempdir");
    churnlens(&dir)
        .args(["explain", "--customer", "7590-VHVEG"])
        .arg(messy())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Customer 7590-VHVEG (row 1, line 2",
        ))
        .stdout(predicate::str::contains("Contract (Month-to-month)"))
        .stdout(predicate::str::contains("The points add up"));
    let out = churnlens(&dir)
        .args(["explain", "--json", "--row", "3"])
        .arg(messy())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    assert_eq!(v["row"], 3);
    let e = &v["explanation"];
    let sum: f64 = e["raises"]
        .as_array()
        .into_iter()
        .chain(e["lowers"].as_array())
        .flatten()
        .map(|r| r["points"].as_f64().expect("points"))
        .sum();
    let change = 100.0
        * (e["probability"].as_f64().expect("p") - e["base_probability"].as_f64().expect("p0"));
    assert!((sum - change).abs() < 1e-9, "{sum} vs {change}");
    // Default input is the demo.
    churnlens(&dir)
        .args(["explain", "--customer", "5575-GNVDE"])
        .assert()
        .success()
        .stdout(predicate::str::contains("examples/data/telco.csv"));
    churnlens(&dir)
        .args(["explain", "--customer", "NOBODY"])
        .arg(messy())
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "customer \"NOBODY\" not found (35 rows read)",
        ));
    // A rejected row has no score: say why.
    churnlens(&dir)
        .args(["explain", "--customer", "6713-OKOMC"])
        .arg(messy())
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "was rejected, so it has no score: required 'tenure' is blank",
        ));
    churnlens(&dir).arg("explain").arg(messy()).assert().code(2);
}

#[test]
fn map_shows_saves_and_applies_overrides() {
    let dir = TempDir::new().expect("tempdir");
    churnlens(&dir)
        .arg("map")
        .arg(messy())
        .assert()
        .success()
        .stdout(predicate::str::contains("21 of 21 features mapped"))
        .stdout(predicate::str::contains("Tenure (months)"))
        .stdout(predicate::str::contains(
            "Columns not used: Churn Score, Notes",
        ));
    // Override one feature and save the result.
    churnlens(&dir)
        .args([
            "map",
            "--set",
            "TotalCharges=Churn Score",
            "--save",
            "map.json",
        ])
        .arg(messy())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Saved the mapping as overrides to map.json",
        ));
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("map.json")).expect("saved"))
            .expect("json");
    assert_eq!(saved["columns"]["TotalCharges"], "Churn Score");
    // The saved overrides apply to map and score.
    let out = churnlens(&dir)
        .args(["map", "--json", "--overrides", "map.json"])
        .arg(messy())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    let tc = v["mapping"]["features"]
        .as_array()
        .expect("features")
        .iter()
        .find(|f| f["feature"] == "TotalCharges")
        .cloned()
        .expect("TotalCharges");
    assert_eq!(tc["header"], "Churn Score");
    assert_eq!(tc["source"], "override");
    churnlens(&dir)
        .args(["score", "--no-log", "--quiet", "--overrides", "map.json"])
        .arg(messy())
        .assert()
        .success()
        .stdout(predicate::str::contains("TotalCharges      Churn Score"));
    // Bad overrides: unknown feature, unknown header, unreadable file.
    churnlens(&dir)
        .args(["map", "--set", "nosuch=Gender"])
        .arg(messy())
        .assert()
        .code(3)
        .stderr(predicate::str::contains("nosuch"));
    churnlens(&dir)
        .args(["map", "--set", "tenure=No Such Column"])
        .arg(messy())
        .assert()
        .code(3);
    std::fs::write(dir.path().join("bad.json"), "{not json").expect("write");
    churnlens(&dir)
        .args(["map", "--overrides", "bad.json"])
        .arg(messy())
        .assert()
        .code(3)
        .stderr(predicate::str::contains("bad.json"));
    churnlens(&dir)
        .args(["map", "--set", "novalue"])
        .assert()
        .code(2);
}

#[test]
fn bundle_inspect_and_build() {
    let dir = TempDir::new().expect("tempdir");
    churnlens(&dir)
        .args(["bundle", "inspect"])
        .assert()
        .success()
        .stdout(predicate::str::contains("telco-churn-demo 1.0.0"))
        .stdout(predicate::str::contains("200 trees, 19 features"))
        .stdout(predicate::str::contains(
            "Risk tiers: low from 0.00, medium from 0.25, high from 0.50",
        ));
    let out = churnlens(&dir)
        .args(["bundle", "inspect", "--json"])
        .arg(root("tests/fixtures/xgb_binary/model.json"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    assert_eq!(v["tiers_are_defaults"], true);
    assert!(v["sample_rows"].is_null());

    // Build the demo bundle again from its model and schema and the Telco table.
    let demo = churn_core::Bundle::load(root("examples/demo/telco_bundle.json")).expect("demo");
    std::fs::write(dir.path().join("model.json"), demo.model_bytes()).expect("model");
    std::fs::write(dir.path().join("schema.json"), demo.schema().to_json()).expect("schema");
    churnlens(&dir)
        .args([
            "bundle",
            "build",
            "--model",
            "model.json",
            "--schema",
            "schema.json",
            "--out",
            "built.json",
            "--name",
            "rebuilt",
            "--tiers",
            "0.3,0.6",
            "--training",
        ])
        .arg(root("examples/data/telco.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Built built.json: 19 inputs, 200 trees",
        ))
        .stdout(predicate::str::contains("7043 labelled"));
    let built = churn_core::Bundle::load(dir.path().join("built.json")).expect("built bundle");
    assert_eq!(built.metadata.name, "rebuilt");
    assert_eq!(
        built.tiers.as_ref().expect("tiers").tier_of(0.5),
        Some("medium")
    );
    assert_eq!(built.sample().expect("sample").rows.len(), 500);
    assert!(built.metadata.metrics["training_auc"] > 0.85);
    // Same model, same scores.
    let score = |bundle: &Path, out: &str| {
        churnlens(&dir)
            .args(["score", "--no-log", "--quiet", "--out-dir", out, "--bundle"])
            .arg(bundle)
            .arg(messy())
            .assert()
            .success();
        std::fs::read_to_string(dir.path().join(out).join("messy_customers.scored.jsonl"))
            .expect("jsonl")
    };
    let probs = |text: String| -> Vec<f64> {
        text.lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).expect("json")["probability"]
                    .as_f64()
                    .expect("p")
            })
            .collect()
    };
    assert_eq!(
        probs(score(&dir.path().join("built.json"), "a")),
        probs(score(&root("examples/demo/telco_bundle.json"), "b"))
    );
    // Bad inputs.
    std::fs::write(dir.path().join("junk.bin"), b"\x00\x01garbage").expect("junk");
    churnlens(&dir)
        .args(["bundle", "inspect", "junk.bin"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("bundle junk.bin"));
    churnlens(&dir)
        .args(["bundle", "inspect", "missing.json"])
        .assert()
        .code(1);
    churnlens(&dir)
        .args([
            "bundle",
            "build",
            "--model",
            "junk.bin",
            "--out",
            "x.json",
            "--training",
        ])
        .arg(messy())
        .assert()
        .code(4)
        .stderr(predicate::str::contains("model junk.bin"));
    std::fs::write(
        dir.path().join("nolabel.csv"),
        "customerID,tenure,Contract,MonthlyCharges\nA,1,One year,20\n",
    )
    .expect("write");
    churnlens(&dir)
        .args([
            "bundle",
            "build",
            "--model",
            "model.json",
            "--schema",
            "schema.json",
            "--out",
            "x.json",
            "--training",
            "nolabel.csv",
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no churn label column"));
    churnlens(&dir)
        .args([
            "bundle",
            "build",
            "--model",
            "model.json",
            "--out",
            "x.json",
            "--tiers",
            "0.6,0.3",
            "--schema",
            "schema.json",
            "--training",
        ])
        .arg(root("examples/data/telco.csv"))
        .assert()
        .code(2);
}

#[test]
fn outcomes_export_and_performance() {
    let dir = TempDir::new().expect("tempdir");
    // No database yet.
    churnlens(&dir)
        .arg("performance")
        .assert()
        .code(5)
        .stderr(predicate::str::contains("churnlens-out/churnlens.db"));
    churnlens(&dir).arg("export-training").assert().code(5);
    // Score (and log) the demo export, then record what happened.
    churnlens(&dir)
        .args(["score", "--quiet", "--db", "log.db"])
        .arg(root("examples/demo/customers_export.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "predictions logged: log.db (run 1, 992 predictions)",
        ));
    churnlens(&dir)
        .args([
            "record-outcome",
            "--db",
            "log.db",
            "--customer",
            "7590-VHVEG",
            "--churned",
            "yes",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("Recorded 1 outcome(s)"));
    // The Telco labels of the exported customers, as a CSV of outcomes.
    let telco = std::fs::read_to_string(root("examples/data/telco.csv")).expect("telco");
    let mut outcomes = String::from("Customer ID,Churned,Date\n");
    for line in telco.lines().skip(2).take(300) {
        let cells: Vec<&str> = line.split(',').collect();
        outcomes.push_str(&format!("{},{},\n", cells[0], cells[cells.len() - 1]));
    }
    std::fs::write(dir.path().join("outcomes.csv"), &outcomes).expect("write");
    churnlens(&dir)
        .args([
            "record-outcome",
            "--db",
            "log.db",
            "--file",
            "outcomes.csv",
            "--json",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"recorded\": 300"));
    let out = churnlens(&dir)
        .args(["performance", "--db", "log.db", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    let rows = v["rows"].as_u64().expect("rows");
    assert!((295..=301).contains(&rows), "{rows}");
    assert!(v["auc"].as_f64().expect("auc") > 0.75);
    assert_eq!(v["calibration"].as_array().expect("deciles").len(), 10);
    assert!(!v["tiers"].as_array().expect("tiers").is_empty());
    churnlens(&dir)
        .args(["performance", "--db", "log.db"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Calibration by decile"))
        .stdout(predicate::str::contains("Hit rate per tier"));
    let out = churnlens(&dir)
        .args(["export-training", "--db", "log.db"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).expect("utf-8");
    assert!(text.starts_with("customer_id,churned,gender,SeniorCitizen,"));
    assert_eq!(text.lines().count() as u64, rows + 1);
    churnlens(&dir)
        .args([
            "export-training",
            "--db",
            "log.db",
            "--out",
            "train/labelled.csv",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "Wrote {rows} labelled rows"
        )));
    // Bad outcome files and values.
    std::fs::write(dir.path().join("bad.csv"), "id,churned\nA,yes\nB,maybe\n").expect("write");
    churnlens(&dir)
        .args(["record-outcome", "--db", "log.db", "--file", "bad.csv"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "outcomes bad.csv: invalid value in row 2, column `churned`",
        ));
    std::fs::write(dir.path().join("noid.csv"), "who,churned\nA,yes\n").expect("write");
    churnlens(&dir)
        .args(["record-outcome", "--db", "log.db", "--file", "noid.csv"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no customer-id column"));
    churnlens(&dir)
        .args([
            "record-outcome",
            "--db",
            "log.db",
            "--customer",
            "X",
            "--churned",
            "maybe",
        ])
        .assert()
        .code(2);
    churnlens(&dir)
        .args([
            "record-outcome",
            "--db",
            "log.db",
            "--customer",
            "X",
            "--churned",
            "no",
            "--date",
            "someday",
        ])
        .assert()
        .code(2);
    churnlens(&dir)
        .args(["record-outcome", "--db", "log.db", "--file", "missing.csv"])
        .assert()
        .code(1);
    // A file that is not a database: exit 5.
    std::fs::write(
        dir.path().join("not.db"),
        "this is not sqlite, just text that is long enough to be read as a header",
    )
    .expect("write");
    churnlens(&dir)
        .args(["performance", "--db", "not.db"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("database not.db"));
}

#[test]
fn help_documents_exit_codes() {
    let dir = TempDir::new().expect("tempdir");
    churnlens(&dir)
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes:"))
        .stdout(predicate::str::contains("6  quality gate failed"));
    churnlens(&dir).arg("frobnicate").assert().code(2);
}

/// Files that are not delimited text (an xlsx workbook, a PNG, binary noise) are refused with
/// the core's `csv` error for every data command, as the Node and WASM packages refuse them
/// (`err.code === 'csv'`): exit 3, and `kind` in the JSON error.
#[test]
fn binary_inputs_are_refused_as_the_other_runtimes_refuse_them() {
    let dir = TempDir::new().expect("tempdir");
    let noise: Vec<u8> = (0u32..4096)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let files: [(&str, Vec<u8>, &str); 3] = [
        (
            "book.xlsx",
            b"PK\x03\x04\x14\0\x06\0\x08\0\0\0!\0".to_vec(),
            "zip archive",
        ),
        (
            "photo.png",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10".to_vec(),
            "PNG image",
        ),
        ("noise.bin", noise, "NUL byte"),
    ];
    for (name, bytes, why) in files {
        std::fs::write(dir.path().join(name), bytes).expect("write");
        for args in [
            vec!["--json", "score", "--no-log", name],
            vec!["--json", "report", name],
            vec!["--json", "map", name],
            vec!["--json", "explain", "--row", "1", name],
        ] {
            let out = churnlens(&dir).args(&args).assert().code(3);
            let v = json_of(&out.get_output().stdout);
            assert_eq!(v["kind"], "csv", "{args:?}: {v}");
            assert_eq!(v["exit_code"], 3);
            let msg = v["error"].as_str().expect("message");
            assert!(
                msg.contains(&format!("input {name}")) && msg.contains("not delimited text"),
                "{msg}"
            );
            assert!(msg.contains(why), "{args:?}: {msg}");
        }
    }
    // As text, on stderr.
    churnlens(&dir)
        .args(["score", "--no-log", "photo.png"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "error: input photo.png: invalid CSV at line 0: the input is not delimited text: \
             it is a PNG image",
        ));
    // A stray NUL inside ordinary text is data (that row is rejected), not a binary file.
    std::fs::write(
        dir.path().join("nul.csv"),
        "customerID,tenure,Contract,MonthlyCharges\nA,2,One year,30\nB,\0,One year,30\n",
    )
    .expect("write");
    let out = churnlens(&dir)
        .args(["--json", "score", "--no-log", "nul.csv"])
        .assert()
        .success();
    let v = json_of(&out.get_output().stdout);
    assert_eq!(
        (&v["summary"]["rows_scored"], &v["summary"]["rows_rejected"]),
        (&Value::from(1), &Value::from(1))
    );
}

/// Options are parsed by the core's parsers (`churn_core::run::options`): the same spellings
/// and error texts as the Python, Node and WASM packages; a bad value is exit 2.
#[test]
fn options_use_the_core_parsers() {
    let dir = TempDir::new().expect("tempdir");
    for (args, text) in [
        (
            vec!["score", "--no-log", "--delimiter", "colon"],
            "delimiter \"colon\" is not one of , ; tab |",
        ),
        (
            vec!["score", "--no-log", "--encoding", "ebcdic"],
            "encoding \"ebcdic\" is not one of auto, utf-8, utf-16, windows-1252",
        ),
        (
            vec!["--threads", "5000", "score", "--no-log"],
            "threads must be 0 or auto (one per core) or 1..=1024, got \"5000\"",
        ),
        (
            vec!["score", "--no-log", "--reasons", "some"],
            "reasons must be a count (0 or more) or all, got \"some\"",
        ),
        (
            vec![
                "bundle", "build", "--model", "m.json", "--tiers", "0.5,0.25",
            ],
            "tiers \"0.5,0.25\": need two bounds MEDIUM,HIGH with 0 < MEDIUM < HIGH < 1",
        ),
    ] {
        churnlens(&dir)
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(text));
    }
    // Accepted spellings: a tab by name, latin1, `auto` threads, every reason.
    let out = churnlens(&dir)
        .args([
            "--json",
            "--threads",
            "auto",
            "score",
            "--no-log",
            "--top",
            "1",
        ])
        .args([
            "--delimiter",
            "comma",
            "--encoding",
            "UTF8",
            "--reasons",
            "all",
        ])
        .assert()
        .success();
    let v = json_of(&out.get_output().stdout);
    assert_eq!(v["summary"]["rows_scored"], 7043);
    assert_eq!(v["summary"]["delimiter"], ",");
    // `all` lists every feature that moves the riskiest customer's score, more than the 3
    // of the default.
    let raises = v["riskiest"][0]["explanation"]["raises"]
        .as_array()
        .map_or(0, Vec::len);
    let lowers = v["riskiest"][0]["explanation"]["lowers"]
        .as_array()
        .map_or(0, Vec::len);
    assert!(raises + lowers > 6, "{raises} + {lowers}");
}
