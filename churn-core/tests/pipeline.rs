//! The streaming pipeline end to end: every input row lands in the scored output or the
//! rejects file; outputs do not depend on chunking or threads; scores equal the model's own;
//! delimiters, byte-order marks, quoted fields, ragged rows and encodings; duplicate ids
//! across chunks; reason points that add up.

use churn_core::pipeline::{Encoding, Flow, Pipeline, PipelineOptions, RunSummary, Sinks};
use churn_core::{map_columns, validate, Bundle, Error, IssueCode, Table, ValidateOptions};

fn root(rel: &str) -> String {
    format!("{}/../{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn demo() -> Bundle {
    Bundle::load(root("examples/demo/telco_bundle.json")).expect("demo bundle")
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(root(rel)).expect("test file")
}

struct Outputs {
    csv: Vec<u8>,
    jsonl: Vec<u8>,
    rejects: Vec<u8>,
    summary: RunSummary,
}

fn run(bundle: &Bundle, input: &[u8], options: PipelineOptions) -> Outputs {
    let (mut csv, mut jsonl, mut rejects) = (Vec::new(), Vec::new(), Vec::new());
    let summary = Pipeline::new(bundle, options)
        .expect("pipeline")
        .score(
            input,
            Sinks {
                scored_csv: Some(&mut csv),
                scored_jsonl: Some(&mut jsonl),
                rejects_csv: Some(&mut rejects),
            },
        )
        .expect("score");
    Outputs {
        csv,
        jsonl,
        rejects,
        summary,
    }
}

/// Row numbers (first column) of a CSV output.
fn rows_of(csv: &[u8]) -> Vec<u64> {
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(csv);
    r.records()
        .map(|rec| {
            rec.expect("valid CSV output")[0]
                .parse()
                .expect("row number")
        })
        .collect()
}

fn assert_every_row_accounted_for(out: &Outputs) {
    let scored = rows_of(&out.csv);
    let rejected = rows_of(&out.rejects);
    let s = &out.summary;
    assert_eq!(scored.len() as u64, s.rows_scored);
    assert_eq!(rejected.len() as u64, s.rows_rejected);
    assert_eq!(s.rows_scored + s.rows_rejected, s.rows_read);
    let mut all: Vec<u64> = scored.iter().chain(&rejected).copied().collect();
    all.sort_unstable();
    let expected: Vec<u64> = (1..=s.rows_read).collect();
    assert_eq!(all, expected, "every row exactly once");
    // Outputs keep input order.
    assert!(scored.windows(2).all(|w| w[0] < w[1]));
    assert!(rejected.windows(2).all(|w| w[0] < w[1]));
    let jsonl_rows: Vec<u64> = out
        .jsonl
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_slice(l).expect("JSON line");
            v["row"].as_u64().expect("row")
        })
        .collect();
    assert_eq!(jsonl_rows, scored);
}

fn small(chunk_rows: usize, parallel_chunks: usize) -> PipelineOptions {
    PipelineOptions {
        chunk_rows,
        parallel_chunks,
        ..PipelineOptions::default()
    }
}

/// A messy export with problems spread over the file (duplicates far apart, empty rows,
/// ragged rows, quoted newlines, blanks, bad values).
fn messy_text(rows: usize) -> String {
    let mut s = String::from(
        "Cust ID,Tenure (months),Contract Type,Monthly Charge ($),Total Charges ($),Internet Type,Notes\n",
    );
    let contracts = [" month-to-month ", "One Year", "TWO YEAR", "Weekly"];
    for i in 1..=rows {
        let id = if i % 97 == 0 {
            format!("C{:05}", i / 2) // repeats an earlier customer, often in an earlier chunk
        } else {
            format!("C{i:05}")
        };
        match i % 50 {
            13 => s.push_str(",,,,,,\n"),
            17 => s.push_str(&format!("{id},{},One year,$20.00\n", i % 72)), // ragged: short
            19 => s.push_str(&format!(
                "{id},{},Two year,\"$1,020.50\",,DSL,\"line one\nline two\",extra\n",
                i % 72
            )),
            23 => s.push_str(&format!("{id},abc,One year,30,,DSL,\n")),
            29 => s.push_str(&format!(
                "{id},{},{},,,Fiber optic,\n",
                i % 72,
                contracts[0]
            )),
            _ => s.push_str(&format!(
                "{id},{},{},\"${}.{:02}\",{},{},\"note, with comma\"\n",
                i % 73,
                contracts[i % 4],
                20 + i % 90,
                i % 100,
                if i % 11 == 0 {
                    String::new()
                } else {
                    format!("{}", (i % 73) * 50)
                },
                ["DSL", "fiber optic", "No"][i % 3]
            )),
        }
    }
    s
}

#[test]
fn every_input_row_is_scored_or_rejected() {
    let b = demo();
    for (name, input) in [
        (
            "messy_customers.csv",
            read("tests/data/messy_customers.csv"),
        ),
        (
            "customers_export.csv",
            read("examples/demo/customers_export.csv"),
        ),
        ("generated", messy_text(600).into_bytes()),
    ] {
        for (chunk, par) in [(8_192, 0), (7, 3)] {
            let out = run(&b, &input, small(chunk, par));
            assert_every_row_accounted_for(&out);
            assert!(
                out.summary.rows_rejected > 0,
                "{name}: the file has bad rows"
            );
            assert_eq!(out.summary.tiers.total, out.summary.rows_scored);
        }
    }
}

#[test]
fn outputs_do_not_depend_on_chunking_or_threads() {
    let b = demo();
    let input = messy_text(800).into_bytes();
    let reference = run(&b, &input, small(1_000_000, 1));
    for (chunk, par, threads) in [(1, 1, 1), (7, 3, 2), (100, 4, 3), (4096, 0, 2)] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let out = pool.install(|| run(&b, &input, small(chunk, par)));
        assert!(
            out.csv == reference.csv,
            "scored CSV differs at chunk {chunk}"
        );
        assert!(
            out.jsonl == reference.jsonl,
            "JSON lines differ at chunk {chunk}"
        );
        assert!(
            out.rejects == reference.rejects,
            "rejects differ at chunk {chunk}"
        );
        let (a, r) = (&out.summary, &reference.summary);
        assert_eq!(a.validation, r.validation);
        assert_eq!(a.tiers, r.tiers);
        assert_eq!(a.quality.score, r.quality.score);
        assert_eq!(a.issues.len(), r.issues.len());
    }
}

#[test]
fn scores_are_the_models_own() {
    let b = demo();
    let text = String::from_utf8(read("examples/data/telco.csv")).expect("utf-8");
    let out = run(&b, text.as_bytes(), small(500, 0));
    let table = Table::from_csv_str(&text).expect("table");
    let m = map_columns(&table.headers, b.schema(), Some(table.sample(500)), None).expect("map");
    let v = validate(&table, &m, b.schema(), &ValidateOptions::default());
    let p = b.model().predict(v.features.view()).expect("predict");
    let lines: Vec<serde_json::Value> = out
        .jsonl
        .split(|&c| c == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), v.rows.len());
    for (i, row) in lines.iter().enumerate() {
        assert_eq!(row["row"].as_u64(), Some(v.rows[i]));
        assert_eq!(row["probability"].as_f64(), Some(p[[i, 0]]), "row {i}");
        // The points of all features add up to the probability change (method in risk.rs).
        let listed: f64 = row["raises"]
            .as_array()
            .into_iter()
            .chain(row["lowers"].as_array())
            .flatten()
            .map(|r| r["points"].as_f64().expect("points"))
            .sum();
        let total = listed + row["other_points"].as_f64().expect("other");
        let change = 100.0 * (p[[i, 0]] - row["base_probability"].as_f64().expect("base"));
        assert!(
            (total - change).abs() < 1e-3,
            "row {i}: {total} vs {change}"
        );
    }
    let s = &out.summary;
    assert_eq!((s.rows_read, s.rows_scored), (7043, 7043));
    let labelled = s.labelled.as_ref().expect("telco has labels");
    assert_eq!((labelled.rows, labelled.churned), (7043, 1869));
    assert!(labelled.auc.expect("auc") > 0.8);
    // Labels are read, not scored, and every tier name is the bundle's.
    let csv_text = String::from_utf8(out.csv).expect("utf-8");
    assert!(csv_text
        .lines()
        .next()
        .expect("header")
        .ends_with(",churned"));
    assert!(csv_text
        .lines()
        .skip(1)
        .all(|l| l.contains(",high,") || l.contains(",medium,") || l.contains(",low,")));
}

#[test]
fn delimiters_bom_quotes_and_ragged_rows() {
    let b = demo();
    let base = messy_text(300);
    for (delim, name) in [(";", ";"), ("\t", "\t"), ("|", "|")] {
        // Re-delimit through the csv crate so quoting stays right.
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(base.as_bytes());
        let mut w = csv::WriterBuilder::new()
            .delimiter(delim.as_bytes()[0])
            .flexible(true)
            .from_writer(vec![0xEF, 0xBB, 0xBF]);
        for rec in r.records() {
            w.write_record(&rec.expect("record")).expect("write");
        }
        let bytes = w.into_inner().expect("bytes");
        let out = run(&b, &bytes, small(50, 2));
        assert_eq!(out.summary.delimiter, name);
        assert_eq!(out.summary.encoding, Encoding::Utf8);
        assert_eq!(
            out.summary.headers[0], "Cust ID",
            "the BOM is not part of the header"
        );
        assert_every_row_accounted_for(&out);
        let ragged = out
            .summary
            .validation
            .by_code
            .get(&IssueCode::RaggedRow)
            .copied();
        assert_eq!(ragged, Some(12), "6 short and 6 long rows reported");
        // Ragged rows are reported, not dropped: valid ones are scored.
        assert!(rows_of(&out.csv).contains(&17));
        assert!(rows_of(&out.csv).contains(&19));
        // A quoted newline does not split a row: row 20 starts two lines after row 19.
        let jsonl = String::from_utf8(out.jsonl).expect("utf-8");
        let line_of = |row: u64| -> u64 {
            jsonl
                .lines()
                .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
                .find(|v| v["row"].as_u64() == Some(row))
                .and_then(|v| v["line"].as_u64())
                .expect("row present")
        };
        assert_eq!(line_of(18), 19);
        assert_eq!(line_of(20), 22);
    }
}

#[test]
fn encodings() {
    let b = demo();
    let text = "customerID\ttenure\tContract\tMonthlyCharges\nJos\u{e9}-1\t3\tOne year\t50\n\u{c5}sa-2\t40\tTwo year\t20\n";
    // Windows-1252 (every character here is Latin-1).
    let cp1252: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    let out = run(&b, &cp1252, PipelineOptions::default());
    assert_eq!(out.summary.encoding, Encoding::Windows1252);
    assert!(String::from_utf8(out.csv.clone())
        .expect("utf-8 out")
        .contains("Jos\u{e9}-1"));
    // UTF-16 LE with a byte-order mark (Excel's "Unicode text").
    let mut utf16 = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        utf16.extend(u.to_le_bytes());
    }
    let out16 = run(&b, &utf16, PipelineOptions::default());
    assert_eq!(out16.summary.encoding, Encoding::Utf16);
    assert_eq!(out16.csv, out.csv);
    // Forcing UTF-8 on Windows-1252 bytes is an error naming row, line and column.
    let err = Pipeline::new(
        &b,
        PipelineOptions {
            encoding: Encoding::Utf8,
            ..PipelineOptions::default()
        },
    )
    .expect("pipeline")
    .score(&cp1252[..], Sinks::default())
    .expect_err("invalid UTF-8");
    assert!(
        matches!(
            err,
            Error::Encoding {
                row: 1,
                line: 2,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("column 1 ('customerID')"), "{err}");
}

#[test]
fn duplicate_ids_across_chunks() {
    let b = demo();
    let mut text = String::from("customerID,tenure,Contract,MonthlyCharges\n");
    for i in 1..=40 {
        text.push_str(&format!(
            "C{},{},One year,50\n",
            if i == 35 { 3 } else { i },
            i
        ));
    }
    let out = run(&b, text.as_bytes(), small(10, 2));
    assert_eq!(rows_of(&out.rejects), [35]);
    let rejects = String::from_utf8(out.rejects).expect("utf-8");
    assert!(rejects.contains("duplicate_id"));
    assert!(rejects.contains("was already in row 3"), "{rejects}");
    // Within chunks only: row 35 is in another chunk than row 3, so it is scored.
    let out = run(
        &b,
        text.as_bytes(),
        PipelineOptions {
            file_duplicates: false,
            ..small(10, 2)
        },
    );
    assert_eq!(out.summary.rows_rejected, 0);
}

#[test]
fn observers_see_every_chunk_in_order_and_can_stop() {
    let b = demo();
    let telco = String::from_utf8(read("examples/data/telco.csv")).expect("utf-8");
    let input: String = telco.lines().take(3001).map(|l| format!("{l}\n")).collect();
    let input = input.into_bytes();
    let p = Pipeline::new(&b, small(500, 3)).expect("pipeline");
    let mut firsts = Vec::new();
    let s = p
        .score_with(&input[..], Sinks::default(), &mut |c| {
            firsts.push(c.first_row);
            assert_eq!(c.explanation(0).map(|e| e.raises.len() <= 3), Some(true));
            Ok(Flow::Continue)
        })
        .expect("score");
    assert_eq!(firsts, [1, 501, 1001, 1501, 2001, 2501]);
    assert!(!s.stopped_early);
    let mut seen = 0;
    let s = p
        .score_with(&input[..], Sinks::default(), &mut |_| {
            seen += 1;
            Ok(if seen == 2 {
                Flow::Stop
            } else {
                Flow::Continue
            })
        })
        .expect("score");
    assert!(s.stopped_early);
    assert_eq!((seen, s.rows_read), (2, 1000));
}

#[test]
fn report_counts_equal_score_counts() {
    let b = demo();
    let input = messy_text(700).into_bytes();
    let scored = run(&b, &input, small(200, 0)).summary;
    let checked = Pipeline::new(&b, small(333, 0))
        .expect("pipeline")
        .report(&input[..])
        .expect("report");
    assert_eq!(checked.validation, scored.validation);
    assert_eq!(checked.quality.score, scored.quality.score);
    assert!(checked.tiers.tiers.is_empty() && checked.base_probability.is_none());
}

#[test]
fn hostile_inputs() {
    let b = demo();
    let p = Pipeline::new(&b, PipelineOptions::default()).expect("pipeline");
    // No header at all.
    for empty in [&b""[..], b"\xEF\xBB\xBF"] {
        let e = p.score(empty, Sinks::default()).expect_err("empty input");
        assert!(matches!(e, Error::Csv { .. }), "{e}");
    }
    // A header that matches nothing.
    let e = p
        .score(&b"foo,bar\n1,2\n"[..], Sinks::default())
        .expect_err("nothing maps");
    assert!(
        e.to_string()
            .contains("none of the model's 19 input features"),
        "{e}"
    );
    // A header and no rows is fine.
    let s = p
        .score(
            &b"customerID,tenure,Contract,MonthlyCharges\n"[..],
            Sinks::default(),
        )
        .expect("header only");
    assert_eq!((s.rows_read, s.chunks), (0, 0));
    // An unterminated quote swallows the rest of the file into one cell, but nothing is lost.
    let out = run(
        &b,
        b"customerID,tenure,Contract,MonthlyCharges\nA,1,One year,\"20\nB,2,One year,30\n",
        PipelineOptions::default(),
    );
    assert_every_row_accounted_for(&out);
    // Binary garbage does not panic.
    let garbage: Vec<u8> = (0..5000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let _ = p.score(&garbage[..], Sinks::default());
}

/// `score_table` keeps exactly what a streaming run writes: its CSV equals the run's scored
/// CSV byte for byte, its rejects equal the run's rejects, its numbers are the model's own.
#[test]
fn scored_table_equals_the_streaming_run() {
    use churn_core::scored::CollectOptions;
    let b = demo();
    let text = messy_text(3_000);
    let out = run(&b, text.as_bytes(), small(700, 0));
    let mut progress = Vec::new();
    let t = Pipeline::new(&b, small(700, 0))
        .expect("pipeline")
        .score_table(text.as_bytes(), &CollectOptions { cells: true }, &mut |p| {
            progress.push(*p);
            Flow::Continue
        })
        .expect("score_table");
    assert_eq!(t.len() as u64, out.summary.rows_scored);
    assert_eq!(t.rejected.len() as u64, out.summary.rows_rejected);
    assert_eq!(progress.last().map(|p| p.rows_read), Some(3_000));
    assert!(progress
        .windows(2)
        .all(|w| w[0].bytes_read < w[1].bytes_read));

    let mut csv = Vec::new();
    t.write_csv(&mut csv, None).expect("csv");
    assert_eq!(
        String::from_utf8(csv).expect("utf-8"),
        String::from_utf8(out.csv.clone()).expect("utf-8")
    );
    let mut rejects = Vec::new();
    t.write_rejects_csv(&mut rejects).expect("rejects");
    assert_eq!(
        String::from_utf8(rejects).expect("utf-8"),
        String::from_utf8(out.rejects.clone()).expect("utf-8")
    );

    // Probabilities and SHAP values are the model's for the validated rows.
    let p = b.model().predict(t.features.view()).expect("predict");
    let phi = b.model().shap_values(t.features.view()).expect("shap");
    for i in 0..t.len() {
        assert_eq!(t.probabilities[i].to_bits(), p[[i, 0]].to_bits(), "row {i}");
        for j in 0..t.shap.ncols() {
            assert_eq!(t.shap[[i, j]].to_bits(), phi[[i, 0, j]].to_bits());
        }
    }
    // Original cells line up with row numbers.
    let table = Table::from_csv_str(&text).expect("table");
    let cells = t.cells.as_ref().expect("cells kept");
    for (i, &row) in t.rows.iter().enumerate().step_by(97) {
        assert_eq!(&cells[i], &table.rows[(row - 1) as usize], "row {row}");
    }
    let rc = t.rejected_cells.as_ref().expect("cells kept");
    assert_eq!(rc.len(), t.rejected.len());

    // A selection writes those rows in that order; out of range is an input error.
    let mut sel = Vec::new();
    t.write_csv(&mut sel, Some(&[5, 2])).expect("selection");
    let sel = String::from_utf8(sel).expect("utf-8");
    let rows: Vec<&str> = sel
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap_or(""))
        .collect();
    assert_eq!(rows, [t.rows[5].to_string(), t.rows[2].to_string()]);
    assert!(matches!(
        t.write_csv(Vec::new(), Some(&[t.len()])),
        Err(Error::Input { .. })
    ));
}

#[test]
fn scored_table_can_stop_early() {
    use churn_core::scored::CollectOptions;
    let b = demo();
    let text = messy_text(2_000);
    let t = Pipeline::new(&b, small(500, 1))
        .expect("pipeline")
        .score_table(text.as_bytes(), &CollectOptions::default(), &mut |_| {
            Flow::Stop
        })
        .expect("score_table");
    assert!(t.summary.stopped_early);
    assert_eq!(t.summary.rows_read, 500);
    assert_eq!((t.len() + t.rejected.len()) as u64, 500);
    assert!(t.cells.is_none());
}

/// Cells that a spreadsheet would run as formulas come out inert in every CSV the pipeline
/// writes (scored and rejects), and in the Excel export.
#[test]
fn formula_cells_are_neutralised_in_exports() {
    let b = demo();
    let text = "customerID,tenure,Contract,PaymentMethod\n\
        =cmd|' /C calc'!A0,3,Month-to-month,@SUM(1+1)\n\
        +HYPERLINK(\"http://x\"),,One year,Mailed check\n\
        -5,12,Two year,=1+2\n";
    let out = run(&b, text.as_bytes(), PipelineOptions::default());
    let scored = String::from_utf8(out.csv).expect("utf-8");
    let rejects = String::from_utf8(out.rejects).expect("utf-8");
    let mut cells = Vec::new();
    for text in [&scored, &rejects] {
        let mut r = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        for rec in r.records() {
            cells.extend(rec.expect("record").iter().map(str::to_string));
        }
    }
    assert!(!cells.is_empty());
    for c in &cells {
        let first = c.chars().next();
        let number = c.parse::<f64>().is_ok_and(f64::is_finite);
        assert!(
            number || !matches!(first, Some('=' | '+' | '-' | '@' | '\t' | '\r')),
            "formula-like cell written: {c:?}"
        );
    }
    let both = format!("{scored}{rejects}");
    assert!(both.contains("'=cmd|"), "{both}");
    assert!(both.contains("'+HYPERLINK"));
    assert!(both.contains("'@SUM(1+1)") || !both.contains("SUM(1+1)"));
    // A plain negative number is no formula and stays as it is.
    assert!(scored.contains(",-5,") || rejects.contains(",-5,"));
}
