//! Entry points shared by the fuzz targets (`churn-core/fuzz`) and the test that replays their
//! committed corpora (`churn-core/tests/fuzz_corpus.rs`). Not part of the public API.

use ndarray::{Array2, Axis};

use crate::model::{Format, Model};

/// Runs every computation on `model` with rows made from `values` (padded with NaN; two default
/// rows when empty). Must never panic; results are not checked (a hostile model need not be
/// additive: its covers can be inconsistent).
pub fn exercise(model: &Model, values: &[f64]) {
    // The rows are ours, not the file's: keep them small for models declaring huge widths.
    if model.num_features() > 4096 {
        return;
    }
    let x = rows(model, values);
    let _ = model.predict(x.view());
    let _ = model.predict_margin(x.view());
    let _ = model.shap_values(x.view());
    if model.num_features() <= 64 && model.num_trees() <= 256 {
        let _ = model.shap_interaction_values(x.view());
    }
    let mut out = vec![0.0; model.num_outputs()];
    if let Some(row) = x.outer_iter().next() {
        let _ = model.predict_row(&row.to_vec(), &mut out);
    }
}

fn rows(model: &Model, values: &[f64]) -> Array2<f64> {
    let f = model.num_features().max(1);
    let mut v: Vec<f64> = values.to_vec();
    if v.is_empty() {
        v = vec![f64::NAN; f];
        v.extend(std::iter::repeat_n(0.0, f));
    }
    while !v.len().is_multiple_of(f) {
        v.push(f64::NAN);
    }
    if model.num_features() == 0 {
        return Array2::zeros((1, 0));
    }
    let n = v.len() / f;
    Array2::from_shape_vec((n, f), v).unwrap_or_else(|_| Array2::zeros((0, f)))
}

/// Chooses one of `models` by the first byte and reads f64 rows from the rest; checks that
/// SHAP values (plus bias) add up to the margin on every row.
///
/// # Panics
/// When a computation fails or additivity is broken: that is what the fuzzer looks for.
pub fn model_rows(models: &[Model], data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    if models.is_empty() {
        return;
    }
    let model = &models[pick as usize % models.len()];
    let values: Vec<f64> = rest
        .chunks_exact(8)
        .take(64 * 64)
        .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .collect();
    let x = rows(model, &values);
    let margin = model.predict_margin(x.view()).expect("margin");
    let phi = model.shap_values(x.view()).expect("shap");
    let sums = phi.sum_axis(Axis(2));
    let tol = match model.format() {
        Format::XGBoost => 2e-5,
        Format::LightGBM => 1e-9,
    };
    for (m, s) in margin.iter().zip(sums.iter()) {
        assert!(
            (m - s).abs() <= tol * (1.0 + m.abs()),
            "additivity broken: margin {m}, sum of contributions {s}"
        );
    }
    let p = model.predict(x.view()).expect("predict");
    assert!(p.iter().all(|v| !v.is_nan()), "NaN prediction");
}

// --- bundle, schema, overrides and vocabulary files (`bundle` target) ---

/// Parsers of [`bundle`], chosen by the first byte of the input (modulo 8).
pub mod mode {
    /// `Bundle::from_bytes` on the bytes as they are.
    pub const BUNDLE_RAW: u8 = 0;
    /// `Bundle::from_bytes` after writing the right content hash into the text, so that the
    /// fuzzer gets past the hash check into the sections behind it.
    pub const BUNDLE_REHASH: u8 = 1;
    /// `Schema::from_json`.
    pub const SCHEMA_JSON: u8 = 2;
    /// `Schema::from_toml`.
    pub const SCHEMA_TOML: u8 = 3;
    /// `Schema::enrich_json` on the base model's own schema.
    pub const ENRICH_JSON: u8 = 4;
    /// `Schema::enrich_toml` on the base model's own schema.
    pub const ENRICH_TOML: u8 = 5;
    /// `Overrides::from_json`, then a mapping and a run with them.
    pub const OVERRIDES: u8 = 6;
    /// `Vocabulary::from_toml`, then a mapping with it.
    pub const VOCABULARY: u8 = 7;
}

/// Feeds `data[1..]` to the parser chosen by `data[0]` (see [`mode`]); whatever loads is used:
/// a bundle is saved and reloaded (same schema, tiers, reference and sample) and scores a small
/// table built from its own schema; a schema is put in a bundle with `base_model` (a model file
/// whose features the seeds' schemas name); overrides and vocabularies map the columns of
/// `base_table` (a CSV) and score it.
///
/// # Panics
/// When a run breaks an invariant (see [`csv_pipeline`]) or a saved bundle does not load again.
pub fn bundle(data: &[u8], base_model: &[u8], base_table: &[u8]) {
    use crate::{Bundle, Overrides, Schema, Vocabulary};
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let with_schema = |s: Schema| {
        if let Ok(b) = Bundle::new(base_model.to_vec(), Some(s)) {
            exercise_bundle(&b);
        }
    };
    match mode % 8 {
        mode::BUNDLE_RAW => {
            if let Ok(b) = Bundle::from_bytes(rest) {
                exercise_bundle(&b);
            }
        }
        mode::BUNDLE_REHASH => {
            if let Ok(b) = Bundle::from_bytes(&rehash(rest)) {
                exercise_bundle(&b);
            }
        }
        mode::SCHEMA_JSON => {
            if let Ok(s) = Schema::from_json(&text) {
                let again = Schema::from_json(&s.to_json()).expect("a saved schema loads again");
                assert_eq!(again, s, "schema JSON round trip");
                with_schema(s);
            }
        }
        mode::SCHEMA_TOML => {
            if let Ok(s) = Schema::from_toml(&text) {
                with_schema(s);
            }
        }
        mode::ENRICH_JSON | mode::ENRICH_TOML => {
            let Ok(base) = Bundle::new(base_model.to_vec(), None) else {
                return;
            };
            let s = base.schema().clone();
            let s = if mode % 8 == mode::ENRICH_JSON {
                s.enrich_json(&text)
            } else {
                s.enrich_toml(&text)
            };
            if let Ok(s) = s {
                with_schema(s);
            }
        }
        mode::OVERRIDES => {
            if let (Ok(o), Ok(b)) = (
                Overrides::from_json(&text),
                Bundle::new(base_model.to_vec(), None),
            ) {
                exercise_run(&b, base_table, Some(o));
            }
        }
        _ => {
            if let Ok(v) = Vocabulary::from_toml(&text) {
                let Ok(b) = Bundle::new(base_model.to_vec(), None) else {
                    return;
                };
                let Ok(mut reader) =
                    crate::run::pipeline::ChunkReader::new(base_table, &Default::default())
                else {
                    return;
                };
                let sample = reader.next_chunk().ok().flatten();
                let options = crate::MapOptions {
                    vocabulary: Some(std::sync::Arc::new(v)),
                    ..crate::MapOptions::default()
                };
                if let Ok(m) = crate::map_columns_with(
                    reader.headers(),
                    b.schema(),
                    sample.as_ref().map(|c| c.table.rows.as_slice()),
                    None,
                    &options,
                ) {
                    check_mapping(&m);
                }
            }
        }
    }
}

/// Writes the SHA-256 of the text (with the stored digits zeroed) over the stored
/// `"content_hash": "<64 hex digits>"`, the way `Bundle::to_json` does.
fn rehash(bytes: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let key = b"\"content_hash\"";
    let Some(start) = bytes.windows(key.len()).position(|w| w == key) else {
        return bytes.to_vec();
    };
    let mut i = start + key.len();
    let skip_ws = |i: &mut usize| {
        while bytes.get(*i).is_some_and(|b| b.is_ascii_whitespace()) {
            *i += 1;
        }
    };
    skip_ws(&mut i);
    if bytes.get(i) != Some(&b':') {
        return bytes.to_vec();
    }
    i += 1;
    skip_ws(&mut i);
    if bytes.get(i) != Some(&b'"') || bytes.len() < i + 1 + 64 {
        return bytes.to_vec();
    }
    let at = i + 1;
    let mut out = bytes.to_vec();
    out[at..at + 64].fill(b'0');
    let digest = Sha256::digest(&out);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    out[at..at + 64].copy_from_slice(hex.as_bytes());
    out
}

/// Saves and reloads a loaded bundle, then scores a table made from its schema.
fn exercise_bundle(b: &crate::Bundle) {
    let text = b.to_json().expect("a loaded bundle saves");
    let again = crate::Bundle::from_bytes(text.as_bytes()).expect("a saved bundle loads again");
    assert_eq!(again.schema(), b.schema(), "schema round trip");
    assert_eq!(again.tiers, b.tiers, "tiers round trip");
    assert_eq!(again.reference, b.reference, "reference round trip");
    assert_eq!(again.sample(), b.sample(), "sample round trip");
    exercise_run(b, &table_for(b.schema()), None);
}

/// A small CSV with a column per schema feature: plausible values, blanks and garbage.
fn table_for(schema: &crate::Schema) -> Vec<u8> {
    use crate::ValueKind;
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = schema
        .features
        .iter()
        .map(|f| quote(&f.name))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for r in 0..4usize {
        let cells: Vec<String> = schema
            .features
            .iter()
            .map(|f| match (r, f.kind) {
                (3, _) => "??".into(),
                (2, ValueKind::Identifier) => "dup".into(),
                (_, ValueKind::Identifier) => format!("c{r}"),
                (2, _) => String::new(),
                (_, ValueKind::Boolean) => ["Yes", "no"][r % 2].into(),
                (_, ValueKind::Label) => ["Yes", "No"][r % 2].into(),
                (_, ValueKind::Categorical) => f
                    .categories
                    .get(r)
                    .or(f.categories.first())
                    .map_or_else(|| "x".into(), |c| quote(c)),
                (_, ValueKind::DateDerived) => "2024-01-31".into(),
                (_, _) => [f.min, f.max, Some(1.5)][r].unwrap_or(3.0).to_string(),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out.into_bytes()
}

fn exercise_run(b: &crate::Bundle, table: &[u8], overrides: Option<crate::Overrides>) {
    let options = crate::run::pipeline::PipelineOptions {
        overrides,
        chunk_rows: 2,
        ..Default::default()
    };
    if let Ok(p) = crate::run::pipeline::Pipeline::new(b, options) {
        let _ = check_run(&p, table, true);
    }
}

// --- CSV exports through the pipeline (`csv_pipeline` target) ---

/// Runs `data` as a customer export through [`Pipeline::score`](crate::Pipeline::score) and
/// [`Pipeline::report`](crate::Pipeline::report) with `bundle` (in chunks of 3 rows and of 8,192
/// rows) and checks what must hold whatever the input.
///
/// # Panics
/// When an invariant breaks: a row neither scored nor rejected (or both, or twice), counts that
/// do not add up, a rejected row without a reason, a probability outside 0..1, outputs that
/// depend on the chunk size, a mapping that uses a header twice, an error without a message,
/// a [`ScoredTable`](crate::run::scored::ScoredTable) whose CSV exports differ from the streaming
/// run's outputs.
pub fn csv_pipeline(bundle: &crate::Bundle, data: &[u8]) {
    use crate::run::pipeline::{Pipeline, PipelineOptions};
    let small = PipelineOptions {
        chunk_rows: 3,
        parallel_chunks: 2,
        ..Default::default()
    };
    let (Ok(a), Ok(b)) = (
        Pipeline::new(bundle, small),
        Pipeline::new(bundle, PipelineOptions::default()),
    ) else {
        return;
    };
    let x = check_run(&a, data, true);
    let y = check_run(&b, data, false);
    match (x, y) {
        (Ok(x), Ok(y)) => assert!(x == y, "outputs depend on the chunk size"),
        (Err(x), Err(y)) => assert_eq!(x, y, "errors depend on the chunk size"),
        (x, y) => panic!("chunked {x:?} but whole {y:?}"),
    }
}

/// Scores `data`, checks the outputs against the summary (and, with `report`, against a
/// report-only run). Returns the outputs (scored CSV, JSON lines, rejects CSV) or the error
/// message.
fn check_run(p: &crate::Pipeline<'_>, data: &[u8], report: bool) -> Result<[Vec<u8>; 3], String> {
    use crate::run::pipeline::Sinks;
    let (mut csv, mut jsonl, mut rejects) = (Vec::new(), Vec::new(), Vec::new());
    let scored = p.score(
        data,
        Sinks {
            scored_csv: Some(&mut csv),
            scored_jsonl: Some(&mut jsonl),
            rejects_csv: Some(&mut rejects),
        },
    );
    let report = report.then(|| p.report(data));
    let s = match scored {
        Ok(s) => s,
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.is_empty(), "an error without a message: {e:?}");
            return Err(msg);
        }
    };
    assert_eq!(s.rows_read, s.rows_scored + s.rows_rejected, "counts");
    assert_eq!(s.tiers.total, s.rows_scored, "tier counts");
    check_mapping(&s.mapping);
    if let Some(m) = s.mean_probability {
        assert!((0.0..=1.0).contains(&m), "mean probability {m}");
    }
    if let Some(r) = report {
        let r = r.expect("a report of an input that scores");
        assert_eq!(
            (r.rows_read, r.rows_rejected),
            (s.rows_read, s.rows_rejected),
            "report and score disagree"
        );
        // The in-memory run keeps exactly what the streaming run wrote.
        let t = p
            .score_table(
                data,
                &crate::run::scored::CollectOptions { cells: true },
                &mut |_| crate::run::pipeline::Flow::Continue,
            )
            .expect("score_table of an input that scores");
        assert_eq!(t.len() as u64, s.rows_scored, "score_table rows");
        let (mut tc, mut tr) = (Vec::new(), Vec::new());
        t.write_csv(&mut tc, None).expect("ScoredTable::write_csv");
        t.write_rejects_csv(&mut tr)
            .expect("ScoredTable::write_rejects_csv");
        assert!(
            tc == csv,
            "ScoredTable::write_csv differs from the scored CSV"
        );
        assert!(
            tr == rejects,
            "ScoredTable::write_rejects_csv differs from the rejects CSV"
        );
    }

    // Every row once, in order within each output.
    let records = |bytes: &[u8]| -> Vec<csv::StringRecord> {
        csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(bytes)
            .records()
            .map(|r| r.expect("our own CSV parses"))
            .collect()
    };
    let scored_rows: Vec<u64> = records(&csv)
        .iter()
        .map(|r| {
            let p: f64 = r[3].parse().expect("probability");
            assert!((0.0..=1.0).contains(&p), "probability {p}");
            r[0].parse().expect("row number")
        })
        .collect();
    let rejected_rows: Vec<u64> = records(&rejects)
        .iter()
        .map(|r| {
            assert!(
                !r[3].is_empty() && !r[4].is_empty(),
                "a rejected row without a reason"
            );
            r[0].parse().expect("row number")
        })
        .collect();
    assert_eq!(scored_rows.len() as u64, s.rows_scored, "scored CSV rows");
    assert_eq!(
        jsonl.iter().filter(|&&b| b == b'\n').count() as u64,
        s.rows_scored
    );
    assert_eq!(
        rejected_rows.len() as u64,
        s.rows_rejected,
        "rejects CSV rows"
    );
    assert!(scored_rows.windows(2).all(|w| w[0] < w[1]), "scored order");
    assert!(
        rejected_rows.windows(2).all(|w| w[0] < w[1]),
        "rejects order"
    );
    let mut all: Vec<u64> = scored_rows.iter().chain(&rejected_rows).copied().collect();
    all.sort_unstable();
    assert!(
        all.iter().copied().eq(1..=s.rows_read),
        "rows lost or repeated"
    );
    Ok([csv, jsonl, rejects])
}

/// No header feeds two features; every mapped column is the header it names.
fn check_mapping(m: &crate::Mapping) {
    let mut used = std::collections::HashSet::new();
    for f in &m.features {
        if let Some(c) = f.column {
            assert!(used.insert(c), "column {c} mapped twice");
            assert_eq!(
                m.headers.get(c).map(String::as_str),
                f.header.as_deref(),
                "header of column {c}"
            );
        }
    }
}

/// Loads a bundle and keeps the first `rows` rows of its reference sample (with both labels
/// among them when it has both): the data-quality report's AUC estimate predicts the whole
/// sample several times per run, which would make each fuzz input take seconds.
///
/// # Panics
/// When the bundle does not load (the targets' bundles are committed files).
pub fn bundle_with_small_sample(bytes: &[u8], rows: usize) -> crate::Bundle {
    let mut b = crate::Bundle::from_bytes(bytes).expect("bundle");
    if let Some(s) = b.sample().cloned() {
        let mut keep: Vec<usize> = (0..s.rows.len().min(rows)).collect();
        for label in [0.0, 1.0] {
            if !keep.iter().any(|&i| s.labels[i] == label) {
                if let Some(i) = s.labels.iter().position(|&l| l == label) {
                    keep.push(i);
                }
            }
        }
        let small = crate::ReferenceSample {
            features: s.features.clone(),
            rows: keep.iter().map(|&i| s.rows[i].clone()).collect(),
            labels: keep.iter().map(|&i| s.labels[i]).collect(),
        };
        b.set_sample(small).expect("a subset of a valid sample");
    }
    b
}
