//! Golden outputs: the main job's files on the shipped demo inputs, byte for byte.
//!
//! Refactors must leave users' outputs unchanged. These files were written by the pipeline
//! before the core was regrouped into layers (issue 19); any difference fails here with the
//! first differing line. When a change is *meant* to alter an output, regenerate them with
//! `CHURNLENS_BLESS=1 cargo test -p churn-core --test golden` and say why in the commit.

use churn_core::pipeline::{Pipeline, PipelineOptions, Sinks};
use churn_core::Bundle;
use std::path::PathBuf;

fn root(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel)
}

/// Compares `got` with the golden file `name` (or writes it when blessing).
fn check(name: &str, got: &[u8]) {
    let path = root("tests/golden").join(name);
    if std::env::var_os("CHURNLENS_BLESS").is_some() {
        std::fs::write(&path, got).expect("write golden file");
        return;
    }
    let want = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (bless with CHURNLENS_BLESS=1)", path.display()));
    if want == got {
        return;
    }
    let (w, g) = (String::from_utf8_lossy(&want), String::from_utf8_lossy(got));
    let line = w
        .lines()
        .zip(g.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| w.lines().count().min(g.lines().count()));
    panic!(
        "{name} differs from its golden file at line {}:\n want: {}\n  got: {}",
        line + 1,
        w.lines().nth(line).unwrap_or("<end of file>"),
        g.lines().nth(line).unwrap_or("<end of file>"),
    );
}

/// Scores `input` with the demo bundle and checks every output against `<stem>.*`.
fn golden_run(input: &str, stem: &str) {
    let bundle = Bundle::load(root("examples/demo/telco_bundle.json")).expect("demo bundle");
    let file = std::fs::File::open(root(input)).expect("input file");
    let (mut csv, mut jsonl, mut rejects) = (Vec::new(), Vec::new(), Vec::new());
    let options = PipelineOptions {
        chunk_rows: 1000,
        ..PipelineOptions::default()
    };
    let summary = Pipeline::new(&bundle, options)
        .expect("pipeline")
        .score(
            file,
            Sinks {
                scored_csv: Some(&mut csv),
                scored_jsonl: Some(&mut jsonl),
                rejects_csv: Some(&mut rejects),
            },
        )
        .expect("score");
    check(&format!("{stem}.scored.csv"), &csv);
    check(&format!("{stem}.scored.jsonl"), &jsonl);
    check(&format!("{stem}.rejects.csv"), &rejects);
    // Everything but the clock: timings and speed differ run to run.
    let mut value = serde_json::to_value(&summary).expect("summary as JSON");
    value["timings"] = serde_json::Value::Null;
    value["rows_per_second"] = serde_json::Value::Null;
    let mut text = serde_json::to_string_pretty(&value).expect("summary text");
    text.push('\n');
    check(&format!("{stem}.summary.json"), text.as_bytes());
    let mut report = summary.quality.to_text();
    let text = summary.to_text();
    let steady = text
        .lines()
        .filter(|l| !l.contains("rows/s") && !l.starts_with("Timings"));
    report.push_str(&steady.collect::<Vec<_>>().join("\n"));
    check(&format!("{stem}.report.txt"), report.as_bytes());
}

#[test]
fn demo_export_outputs_are_unchanged() {
    golden_run("examples/demo/customers_export.csv", "customers_export");
}

#[test]
fn messy_export_outputs_are_unchanged() {
    golden_run("tests/data/messy_customers.csv", "messy_customers");
}
