//! The column mapper against the committed header corpus (`tests/data/header_corpus.toml`):
//! prints precision and recall (and a calibration table), and fails below precision 99%,
//! recall 97%, or when any look-alike is mapped.

use std::collections::BTreeMap;

use churn_core::{map_columns, FeatureSpec, Mapping, Schema, ValueKind, Vocabulary};
use serde::Deserialize;

#[derive(Deserialize)]
struct Corpus {
    table: Vec<CorpusTable>,
}

#[derive(Deserialize)]
struct CorpusTable {
    name: String,
    mode: String,
    targets: Vec<String>,
    headers: Vec<Vec<String>>,
    #[serde(default)]
    rows: Vec<Vec<String>>,
}

fn schema_of(targets: &[String]) -> Schema {
    let features = targets
        .iter()
        .map(|t| {
            let (name, kind) = t.split_once(':').unwrap_or((t.as_str(), "numeric"));
            let kind = match kind {
                "identifier" => ValueKind::Identifier,
                "label" => ValueKind::Label,
                "categorical" => ValueKind::Categorical,
                "boolean" => ValueKind::Boolean,
                "numeric" => ValueKind::Numeric,
                other => panic!("unknown kind {other} in target {t}"),
            };
            FeatureSpec::new(name, kind)
        })
        .collect();
    Schema { features }
}

#[derive(Default)]
struct Tally {
    tp: usize,
    fp: usize,
    fn_: usize,
    lookalikes: usize,
    lookalikes_mapped: usize,
    variants: usize,
    verbatim: usize,
    errors: Vec<String>,
    /// (confidence, correct) of accepted matches
    accepted: Vec<(f64, bool)>,
}

fn feature_at(m: &Mapping, col: usize) -> Option<(&str, f64, String)> {
    m.features.iter().find(|f| f.column == Some(col)).map(|f| {
        (
            f.feature.as_str(),
            f.confidence,
            f.source.map_or("-", |s| s.as_str()).to_string(),
        )
    })
}

#[test]
fn header_corpus_precision_and_recall() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/header_corpus.toml"
    ))
    .expect("read the corpus");
    let corpus: Corpus = toml::from_str(&text).expect("parse the corpus");
    let vocab = Vocabulary::builtin();
    let mut t = Tally::default();

    for table in &corpus.table {
        let schema = schema_of(&table.targets);
        let names: Vec<&str> = schema.features.iter().map(|f| f.name.as_str()).collect();
        for h in &table.headers {
            assert!(h.len() >= 2, "{}: malformed entry {h:?}", table.name);
            let truth = h[1].as_str();
            assert!(
                truth.is_empty() || truth == "-" || names.contains(&truth),
                "{}: truth {truth:?} is not a target",
                table.name
            );
            if truth == "-" {
                t.lookalikes += 1;
            } else if !truth.is_empty() {
                t.variants += 1;
                let key = vocab.normalize(&h[0]).tokens;
                if vocab.resolve(&h[0]).first().is_some_and(|c| c.score >= 1.0)
                    && vocab.normalize(truth).tokens != key
                {
                    t.verbatim += 1;
                }
            }
        }
        match table.mode.as_str() {
            "table" => {
                let headers: Vec<&str> = table.headers.iter().map(|h| h[0].as_str()).collect();
                let rows = if table.rows.is_empty() {
                    None
                } else {
                    Some(table.rows.as_slice())
                };
                let m = map_columns(&headers, &schema, rows, None).expect("map");
                for f in &schema.features {
                    let expected: Vec<usize> = table
                        .headers
                        .iter()
                        .enumerate()
                        .filter(|(_, h)| h[1] == f.name)
                        .map(|(i, _)| i)
                        .collect();
                    let got = m.column_of(&f.name);
                    let fm = m.get(&f.name).expect("every feature has an entry");
                    match got {
                        Some(c) if expected.contains(&c) => {
                            t.tp += 1;
                            t.accepted.push((fm.confidence, true));
                        }
                        Some(c) => {
                            t.fp += 1;
                            t.accepted.push((fm.confidence, false));
                            if table.headers[c][1] == "-" {
                                t.lookalikes_mapped += 1;
                            }
                            t.errors.push(format!(
                                "{}: WRONG {:?} -> {} ({:.2} {:?})",
                                table.name, headers[c], f.name, fm.confidence, fm.source
                            ));
                            if !expected.is_empty() {
                                t.fn_ += 1;
                            }
                        }
                        None => {
                            if !expected.is_empty() {
                                t.fn_ += 1;
                                t.errors.push(format!(
                                    "{}: MISSED {:?} -> {} ({})",
                                    table.name,
                                    expected.iter().map(|&c| headers[c]).collect::<Vec<_>>(),
                                    f.name,
                                    fm.note.clone().unwrap_or_default()
                                ));
                            }
                        }
                    }
                }
            }
            "each" => {
                for h in &table.headers {
                    let truth = h[1].as_str();
                    let rows: Option<Vec<Vec<String>>> = h
                        .get(2)
                        .map(|vals| vals.split('|').map(|v| vec![v.to_string()]).collect());
                    let m =
                        map_columns(&[h[0].as_str()], &schema, rows.as_deref(), None).expect("map");
                    let got = feature_at(&m, 0);
                    let is_target = !truth.is_empty() && truth != "-";
                    match got {
                        Some((f, conf, _)) if f == truth => {
                            t.tp += 1;
                            t.accepted.push((conf, true));
                        }
                        Some((f, conf, src)) => {
                            t.fp += 1;
                            t.accepted.push((conf, false));
                            if truth == "-" {
                                t.lookalikes_mapped += 1;
                            }
                            if is_target {
                                t.fn_ += 1;
                            }
                            t.errors.push(format!(
                                "{}: WRONG {:?} -> {f} ({conf:.2} {src}), truth {truth:?}",
                                table.name, h[0]
                            ));
                        }
                        None => {
                            if is_target {
                                t.fn_ += 1;
                                let note = m
                                    .get(truth)
                                    .and_then(|f| f.note.clone())
                                    .unwrap_or_default();
                                t.errors.push(format!(
                                    "{}: MISSED {:?} -> {truth} ({note})",
                                    table.name, h[0]
                                ));
                            }
                        }
                    }
                }
            }
            other => panic!("{}: unknown mode {other}", table.name),
        }
    }

    let precision = t.tp as f64 / (t.tp + t.fp).max(1) as f64;
    let recall = t.tp as f64 / (t.tp + t.fn_).max(1) as f64;
    println!(
        "header corpus: {} header variants with a truth, {} look-alikes, {} tables",
        t.variants,
        t.lookalikes,
        corpus.table.len()
    );
    println!(
        "  {} variants resolve to an exact vocabulary synonym without being the target's own name; {} need normalisation or fuzzy matching",
        t.verbatim,
        t.variants - t.verbatim
    );
    println!(
        "  accepted matches: {} right, {} wrong; missed: {}",
        t.tp, t.fp, t.fn_
    );
    println!(
        "  precision {:.2}%  recall {:.2}%  look-alikes mapped: {}",
        precision * 100.0,
        recall * 100.0,
        t.lookalikes_mapped
    );
    let mut bins: BTreeMap<u32, (usize, usize)> = BTreeMap::new();
    for (c, ok) in &t.accepted {
        let b = ((c * 20.0).floor() as u32).min(19); // 0.05-wide bins
        let e = bins.entry(b).or_default();
        e.0 += 1;
        if *ok {
            e.1 += 1;
        }
    }
    println!("  calibration (confidence bin: accepted, share right):");
    for (b, (n, ok)) in bins {
        println!(
            "    {:.2}-{:.2}: {n:4}  {:.1}%",
            b as f64 / 20.0,
            (b + 1) as f64 / 20.0,
            100.0 * ok as f64 / n as f64
        );
    }
    for e in &t.errors {
        println!("  {e}");
    }
    assert!(
        t.variants >= 150,
        "the corpus needs >= 150 header variants, has {}",
        t.variants
    );
    assert!(
        t.lookalikes >= 25,
        "the corpus needs >= 25 look-alikes, has {}",
        t.lookalikes
    );
    assert_eq!(t.lookalikes_mapped, 0, "look-alikes were mapped");
    assert!(precision >= 0.99, "precision {precision:.4} < 0.99");
    assert!(recall >= 0.97, "recall {recall:.4} < 0.97");
}
