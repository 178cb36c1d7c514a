//! Hostile customer exports through the pipeline with the demo bundle: a 100 MB line, 10,000
//! columns, ragged rows, invalid UTF-8, UTF-16 with and without a byte-order mark, duplicate
//! headers, NUL bytes, a header and nothing else, quotes never closed, and cells that a
//! spreadsheet would run as formulas. Each gives a typed error or a documented result, with
//! every row accounted for; the 100 MB line runs in a process of its own so that its peak
//! resident memory (`VmHWM`) is measured and bounded.

use std::io::{Read, Write};

use churn_core::pipeline::{Encoding, Flow, Pipeline, PipelineOptions, RunSummary, Sinks};
use churn_core::scored::CollectOptions;
use churn_core::{Bundle, Error, IssueCode};

const HEADER: &str = "customerID,tenure,Contract,MonthlyCharges";

/// The demo bundle with 20 rows of its 500-row reference sample: the sample only feeds the
/// quality report's AUC estimate, which would otherwise dominate these tests' time (the
/// `csv_pipeline` fuzz target does the same).
fn demo() -> Bundle {
    let path = format!(
        "{}/../examples/demo/telco_bundle.json",
        env!("CARGO_MANIFEST_DIR")
    );
    churn_core::fuzzing::bundle_with_small_sample(&std::fs::read(path).expect("demo bundle"), 20)
}

struct Outputs {
    csv: Vec<u8>,
    jsonl: Vec<u8>,
    rejects: Vec<u8>,
    summary: RunSummary,
}

fn score(bundle: &Bundle, input: &[u8], options: PipelineOptions) -> Result<Outputs, Error> {
    let (mut csv, mut jsonl, mut rejects) = (Vec::new(), Vec::new(), Vec::new());
    let summary = Pipeline::new(bundle, options)?.score(
        input,
        Sinks {
            scored_csv: Some(&mut csv),
            scored_jsonl: Some(&mut jsonl),
            rejects_csv: Some(&mut rejects),
        },
    )?;
    let out = Outputs {
        csv,
        jsonl,
        rejects,
        summary,
    };
    assert_accounted(&out);
    Ok(out)
}

fn records(csv: &[u8]) -> Vec<csv::StringRecord> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(csv)
        .records()
        .map(|r| r.expect("the pipeline writes valid CSV"))
        .collect()
}

/// Every data row is in exactly one of the scored and rejects outputs, in input order, and
/// every rejected row says why.
fn assert_accounted(out: &Outputs) {
    let s = &out.summary;
    assert_eq!(s.rows_read, s.rows_scored + s.rows_rejected);
    let scored: Vec<u64> = records(&out.csv)
        .iter()
        .map(|r| r[0].parse().expect("row"))
        .collect();
    let rejected: Vec<u64> = records(&out.rejects)
        .iter()
        .map(|r| {
            assert!(!r[3].is_empty() && !r[4].is_empty(), "no reason: {r:?}");
            r[0].parse().expect("row")
        })
        .collect();
    assert_eq!(scored.len() as u64, s.rows_scored);
    assert_eq!(rejected.len() as u64, s.rows_rejected);
    assert_eq!(
        out.jsonl.iter().filter(|&&b| b == b'\n').count() as u64,
        s.rows_scored
    );
    let mut all: Vec<u64> = scored.iter().chain(&rejected).copied().collect();
    all.sort_unstable();
    assert!(all.iter().copied().eq(1..=s.rows_read), "rows {all:?}");
    assert!(scored.windows(2).all(|w| w[0] < w[1]));
    assert!(rejected.windows(2).all(|w| w[0] < w[1]));
}

// --- a 100 MB line, measured in a process of its own ---

/// Runs the test `name` of this binary alone in a child process (the body runs there when
/// `HOSTILE_CSV_CHILD` is set), so that the peak RSS it reads is its own and not that of tests
/// running beside it.
fn in_child_process(name: &str, body: impl FnOnce()) {
    if std::env::var_os("HOSTILE_CSV_CHILD").is_some() {
        body();
        return;
    }
    let exe = std::env::current_exe().expect("test binary");
    let out = std::process::Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env("HOSTILE_CSV_CHILD", "1")
        .output()
        .expect("child test process");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{text}");
    assert!(out.status.success(), "child failed:\n{text}");
    assert!(
        text.contains("1 passed"),
        "the child did not run the test:\n{text}"
    );
}

/// `VmRSS` or `VmHWM` of this process in MB (Linux; `None` elsewhere).
fn memory_mb(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Bytes made on the fly: `head`, then `len` copies of `fill`, then `tail`; nothing stored.
struct Generated {
    head: Vec<u8>,
    fill: u8,
    len: u64,
    tail: Vec<u8>,
    pos: u64,
}

impl Generated {
    fn new(head: &str, fill: u8, len: u64, tail: &str) -> Generated {
        Generated {
            head: head.as_bytes().to_vec(),
            fill,
            len,
            tail: tail.as_bytes().to_vec(),
            pos: 0,
        }
    }
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let (h, n) = (self.head.len() as u64, self.len);
        let total = h + n + self.tail.len() as u64;
        let mut written = 0;
        while written < buf.len() && self.pos < total {
            let p = self.pos;
            let k = if p < h {
                let part = &self.head[p as usize..];
                let k = part.len().min(buf.len() - written);
                buf[written..written + k].copy_from_slice(&part[..k]);
                k
            } else if p < h + n {
                let k = ((h + n - p) as usize).min(buf.len() - written);
                buf[written..written + k].fill(self.fill);
                k
            } else {
                let part = &self.tail[(p - h - n) as usize..];
                let k = part.len().min(buf.len() - written);
                buf[written..written + k].copy_from_slice(&part[..k]);
                k
            };
            written += k;
            self.pos += k as u64;
        }
        Ok(written)
    }
}

/// Counts what is written and keeps the first bytes.
#[derive(Default)]
struct Counting {
    bytes: u64,
    start: Vec<u8>,
}

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes += buf.len() as u64;
        let room = 4096usize.saturating_sub(self.start.len());
        self.start.extend_from_slice(&buf[..room.min(buf.len())]);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const MB: u64 = 1 << 20;

/// A 100 MB cell in a data row is rejected with its row, kept whole in the rejects output (so
/// nothing is lost), and the next row is scored; a 100 MB header (one line, no delimiter, no
/// end) is a typed error. Peak memory stays within a few copies of the line (the csv record,
/// the decoded row, the mapping's and the profile's views of it, the rejects record): measured
/// 642 MB for the cell and 671 MB for the header over a 14 MB start, bounded here at 800 MB.
#[test]
fn hundred_megabyte_line() {
    in_child_process("hundred_megabyte_line", || {
        let b = demo();
        let p = Pipeline::new(&b, PipelineOptions::default()).expect("pipeline");
        let before = memory_mb("VmRSS:");

        let input = Generated::new(
            &format!("{HEADER}\nA,12,"),
            b'x',
            100 * MB,
            ",50\nB,3,One year,20\n",
        );
        let (mut csv, mut rejects) = (Counting::default(), Counting::default());
        let s = p
            .score(
                input,
                Sinks {
                    scored_csv: Some(&mut csv),
                    rejects_csv: Some(&mut rejects),
                    ..Sinks::default()
                },
            )
            .expect("a long cell is a bad row, not a bad file");
        assert_eq!(
            (s.rows_read, s.rows_scored, s.rows_rejected),
            (2, 1, 1),
            "{s:?}"
        );
        assert!(rejects.bytes > 100 * MB, "the long cell is kept");
        let head = String::from_utf8_lossy(&rejects.start).into_owned();
        assert!(head.contains("\n1,2,A,unknown_category"), "{head}");
        assert!(String::from_utf8_lossy(&csv.start).contains("\n2,3,B,"));
        let row_peak = memory_mb("VmHWM:");

        let header = Generated::new("", b'h', 100 * MB, "");
        let e = p
            .score(header, Sinks::default())
            .expect_err("a 100 MB header maps nothing");
        assert!(matches!(e, Error::Input { .. }), "{e}");
        // The message shows the start of the header, not 100 MB of it.
        assert!(e.to_string().len() < 1_000, "{} bytes", e.to_string().len());
        let header_peak = memory_mb("VmHWM:");

        if let (Some(before), Some(row_peak), Some(header_peak)) = (before, row_peak, header_peak) {
            eprintln!(
                "RSS before {before:.0} MB; peak with the 100 MB cell {row_peak:.0} MB, \
                 with the 100 MB header {header_peak:.0} MB"
            );
            assert!(row_peak - before < 800.0, "{row_peak} MB");
            assert!(header_peak - before < 800.0, "{header_peak} MB");
        }
    });
}

// --- wide, ragged, duplicated ---

/// 10,000 columns, the model's own headers among them at scattered places: they are found,
/// every row is scored, and the noise columns are reported unmapped; 10,000 columns of noise
/// alone are an input error.
#[test]
fn ten_thousand_columns() {
    let b = demo();
    let real = ["customerID", "tenure", "Contract", "MonthlyCharges"];
    let mut headers: Vec<String> = (0..10_000).map(|i| format!("field_{i:05}")).collect();
    let places = [17, 2_500, 6_001, 9_999];
    for (h, &at) in real.iter().zip(&places) {
        headers[at] = h.to_string();
    }
    let mut text = headers.join(",");
    text.push('\n');
    for r in 0..20 {
        let mut cells = vec![String::from("7"); 10_000];
        cells[places[0]] = format!("C{r}");
        cells[places[1]] = (r % 72).to_string();
        cells[places[2]] = ["One year", "Two year", "Month-to-month"][r % 3].into();
        cells[places[3]] = format!("{}.5", 20 + r);
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    let out = score(&b, text.as_bytes(), PipelineOptions::default()).expect("wide input");
    let s = &out.summary;
    assert_eq!((s.rows_read, s.rows_scored), (20, 20));
    for (h, &at) in real.iter().zip(&places) {
        let f = s.mapping.features.iter().find(|f| f.feature == *h);
        assert_eq!(f.and_then(|f| f.column), Some(at), "{h}");
    }
    assert!(s.mapping.unmapped.len() >= 10_000 - 21);

    let noise: String = (0..10_000)
        .map(|i| format!("field_{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let e = score(
        &b,
        format!("{noise}\n{}\n", vec!["1"; 10_000].join(",")).as_bytes(),
        PipelineOptions::default(),
    )
    .err()
    .expect("nothing maps");
    assert!(matches!(e, Error::Input { .. }), "{e}");
}

/// Short rows, long rows, rows of bare delimiters and blank lines: each row is scored (a valid
/// short or long row, reported `ragged_row`) or rejected with a reason, whatever the chunking.
#[test]
fn ragged_rows() {
    let b = demo();
    let text = format!(
        "{HEADER},Notes\n\
         A,1,One year,20,x\n\
         B,2,One year\n\
         C,3,Two year,30,x,extra,more,cells\n\
         ,,,,\n\
         \n\
         D\n\
         ,,,,,,,,,,,,,,,,\n\
         E,5,Month-to-month,45,x\n"
    );
    let whole = score(&b, text.as_bytes(), PipelineOptions::default()).expect("ragged");
    let s = &whole.summary;
    // The blank line is no record at all; the six others are rows.
    assert_eq!(s.rows_read, 7, "{s:?}");
    let ragged = s
        .validation
        .by_code
        .get(&IssueCode::RaggedRow)
        .copied()
        .unwrap_or(0);
    assert!(ragged >= 3, "{:?}", s.validation.by_code);
    let scored: Vec<String> = records(&whole.csv)
        .iter()
        .map(|r| r[2].to_string())
        .collect();
    assert!(
        scored.contains(&"C".to_string()),
        "a long valid row is scored"
    );
    assert!(scored.contains(&"E".to_string()));
    for chunk_rows in [1, 2, 3] {
        let options = PipelineOptions {
            chunk_rows,
            ..Default::default()
        };
        let out = score(&b, text.as_bytes(), options).expect("ragged");
        assert!(out.csv == whole.csv && out.rejects == whole.rejects);
    }
}

/// Two columns with the same name: the mapper does not guess between them. The feature is
/// left without a column and marked ambiguous with a note saying so, no column feeds two
/// features, and rows that need the feature are rejected (`missing_column`), never scored from
/// the wrong column; both columns stay in the rejects output.
#[test]
fn duplicate_headers() {
    let b = demo();
    let text = "customerID,tenure,tenure,Contract,MonthlyCharges,MonthlyCharges,customerID\n\
                A,1,40,One year,20,99,Z\n\
                B,x,2,Two year,,30,Y\n";
    let out = score(&b, text.as_bytes(), PipelineOptions::default()).expect("duplicates");
    let m = &out.summary.mapping;
    let mut used = std::collections::HashSet::new();
    for f in &m.features {
        if let Some(c) = f.column {
            assert!(used.insert(c), "column {c} used twice");
        }
    }
    for h in ["tenure", "MonthlyCharges", "customerID"] {
        let f = m.get(h).expect("feature");
        assert!(f.column.is_none() && f.ambiguous, "{f:?}");
        assert!(
            f.note.as_deref().is_some_and(|n| n.contains("ambiguous")),
            "{f:?}"
        );
    }
    assert_eq!(m.column_of("Contract"), Some(3));
    assert_eq!(out.summary.rows_rejected, 2);
    for r in records(&out.rejects) {
        assert!(r[3].contains("missing_column"), "{r:?}");
    }
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(&out.rejects[..]);
    let first = r.records().next().expect("header").expect("header");
    assert_eq!(first.len(), 5 + 7, "{first:?}");

    // An override settles it: the named feature takes the first column of that name.
    let overrides = churn_core::Overrides::from_json(
        r#"{"columns": {"tenure": "tenure", "MonthlyCharges": "MonthlyCharges"}}"#,
    )
    .expect("overrides");
    let options = PipelineOptions {
        overrides: Some(overrides),
        ..Default::default()
    };
    match score(&b, text.as_bytes(), options) {
        Ok(out) => {
            let m = &out.summary.mapping;
            assert_eq!(
                (m.column_of("tenure"), m.column_of("MonthlyCharges")),
                (Some(1), Some(4))
            );
        }
        Err(e) => assert!(matches!(e, Error::Override { .. }), "{e}"),
    }
}

// --- encodings and bytes ---

/// Invalid UTF-8: in the first 64 KiB the file is read as Windows-1252 (documented), later it is
/// an encoding error naming the row; with UTF-8 forced, an encoding error at once.
#[test]
fn invalid_utf8() {
    let b = demo();
    let mut latin = format!("{HEADER}\nJos").into_bytes();
    latin.push(0xE9);
    latin.extend_from_slice(b",3,One year,20\nB,\xFF\xFE,One year,20\n");
    let out = score(&b, &latin, PipelineOptions::default()).expect("windows-1252");
    assert_eq!(out.summary.encoding, Encoding::Windows1252);
    assert_eq!(out.summary.rows_read, 2);
    assert!(String::from_utf8(out.csv)
        .expect("UTF-8 out")
        .contains("Jos\u{e9}"));

    let forced = PipelineOptions {
        encoding: Encoding::Utf8,
        ..Default::default()
    };
    let e = score(&b, &latin, forced).err().expect("UTF-8 forced");
    assert!(matches!(e, Error::Encoding { row: 1, .. }), "{e}");

    let mut late = format!("{HEADER}\n").into_bytes();
    let mut row = 0;
    while late.len() < 70 * 1024 {
        row += 1;
        late.extend(format!("C{row},{},One year,20\n", row % 70).bytes());
    }
    late.extend(b"Z,1,One year,\xC3\x28\n");
    let e = score(&b, &late, PipelineOptions::default())
        .err()
        .expect("invalid UTF-8 after 64 KiB");
    match e {
        Error::Encoding { row: r, .. } => assert_eq!(r, row + 1),
        e => panic!("{e}"),
    }
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend(if big_endian {
            [0xFE, 0xFF]
        } else {
            [0xFF, 0xFE]
        });
    }
    for u in text.encode_utf16() {
        out.extend(if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        });
    }
    out
}

/// UTF-16 with a byte-order mark, and without one when the text is Latin (a NUL in every other
/// byte), scores exactly as the same text in UTF-8; UTF-16 forced on text that is not UTF-16 is
/// an encoding error.
#[test]
fn utf16_with_and_without_bom() {
    let b = demo();
    let text =
        format!("{HEADER}\nA,1,One year,20\nB,40,Two year,80.5\nC\u{e9},5,Month-to-month,70\n");
    let plain = score(&b, text.as_bytes(), PipelineOptions::default()).expect("utf-8");
    assert_eq!(plain.summary.rows_scored, 3);
    let forced = PipelineOptions {
        encoding: Encoding::Utf16,
        ..Default::default()
    };
    for be in [false, true] {
        for bom in [true, false] {
            for options in [PipelineOptions::default(), forced.clone()] {
                let out = score(&b, &utf16(&text, be, bom), options).expect("utf-16");
                assert_eq!(out.summary.encoding, Encoding::Utf16);
                assert!(out.csv == plain.csv, "big endian {be}, mark {bom}");
                assert!(out.rejects == plain.rejects);
            }
        }
    }
    let e = score(&b, text.as_bytes(), forced)
        .err()
        .expect("UTF-16 forced on UTF-8 text");
    assert!(
        matches!(e, Error::Encoding { .. }) && e.to_string().contains("byte-order mark"),
        "{e}"
    );
}

/// NUL bytes in cells and in the header are data, not terminators: every row is accounted for,
/// a NUL in a number is a rejected row. A file of NULs alone is not text at all: the reader
/// refuses it as binary (a `csv` error, as in every runtime; issue 19).
#[test]
fn nul_bytes() {
    let b = demo();
    let text = format!("{HEADER}\nA\0,1,One year,20\nB,2,One\0year,20\nC,\0,Two year,\0\n");
    let out = score(&b, text.as_bytes(), PipelineOptions::default()).expect("NUL bytes");
    assert_eq!(out.summary.rows_read, 3);
    // Categories ignore case, spacing and punctuation, NUL included: `One\0year` is `One year`.
    let scored: Vec<String> = records(&out.csv).iter().map(|r| r[2].to_string()).collect();
    assert_eq!(scored, ["A\0", "B"]);
    // A NUL where a number belongs is a bad value.
    let rejected: Vec<String> = records(&out.rejects)
        .iter()
        .map(|r| r[2].to_string())
        .collect();
    assert_eq!(rejected, ["C"]);

    let header = "customer\0ID,ten\0ure,Contract,MonthlyCharges\nA,1,One year,20\n";
    let out = score(&b, header.as_bytes(), PipelineOptions::default()).expect("NUL in header");
    assert_eq!(out.summary.rows_read, 1);
    let only_nul = score(&b, b"\0\0\0\0\n\0\0\n", PipelineOptions::default());
    assert!(
        matches!(&only_nul, Err(e @ Error::Csv { line: 0, .. }) if e.to_string().contains("NUL byte")),
        "{:?}",
        only_nul.err()
    );
}

/// A header and no data rows, in every spelling: zero rows, outputs with a header row only.
#[test]
fn header_only() {
    let b = demo();
    for text in [
        HEADER.to_string(),
        format!("{HEADER}\n"),
        format!("{HEADER}\r\n\r\n\r\n"),
        format!("\u{feff}{HEADER}\n"),
    ] {
        let out = score(&b, text.as_bytes(), PipelineOptions::default()).expect("header only");
        let s = &out.summary;
        assert_eq!(
            (s.rows_read, s.chunks, s.tiers.total),
            (0, 0, 0),
            "{text:?}"
        );
        assert_eq!(out.csv.iter().filter(|&&c| c == b'\n').count(), 1);
        assert_eq!(out.rejects.iter().filter(|&&c| c == b'\n').count(), 1);
        assert!(out.jsonl.is_empty());
    }
}

/// A quote opened and never closed takes the rest of the input into one cell (RFC 4180 has no
/// other reading): the rows before it are kept, the swallowing row is accounted for, and the
/// run ends; a quote never closed in the header is a header of one odd column.
#[test]
fn quotes_never_closed() {
    let b = demo();
    let text = format!("{HEADER}\nA,1,One year,20\nB,2,\"One year,20\nC,3,Two year,30\nD,4");
    let out = score(&b, text.as_bytes(), PipelineOptions::default()).expect("open quote");
    assert_eq!(out.summary.rows_read, 2);
    assert_eq!(out.summary.rows_scored, 1);

    let e = score(
        &b,
        b"customerID,\"tenure,Contract\nA,1,One year\n",
        PipelineOptions::default(),
    );
    match e {
        Ok(out) => assert_eq!(out.summary.rows_read, 0),
        Err(e) => assert!(matches!(e, Error::Input { .. } | Error::Csv { .. }), "{e}"),
    }
}

// --- formula injection ---

/// Cells that start like a formula.
const FORMULAS: [&str; 8] = [
    "=cmd|' /C calc'!A0",
    "+HYPERLINK(\"http://x\",\"y\")",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
    "-",
];

/// No cell of `csv` (any row, the header too) starts like a formula unless it is a number.
fn assert_formula_free(what: &str, csv: &[u8]) {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv);
    let mut n = 0;
    for rec in r.records() {
        for c in rec.expect("valid CSV").iter() {
            n += 1;
            let number = c.parse::<f64>().is_ok_and(f64::is_finite);
            let first = c.chars().next();
            assert!(
                number || !matches!(first, Some('=' | '+' | '-' | '@' | '\t' | '\r')),
                "{what}: formula-like cell {c:?}"
            );
        }
    }
    assert!(n > 0, "{what} is empty");
}

fn formula_input() -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut text = format!("{HEADER},PaymentMethod,{}\n", quote("=HEADER()"));
    for (i, f) in FORMULAS.iter().enumerate() {
        // In the id column of a valid row (scored), in a categorical feature (rejected) and in
        // an unmapped column (kept in the rejects output).
        text.push_str(&format!(
            "{},{},One year,20,Mailed check,x\n",
            quote(f),
            i + 1
        ));
        text.push_str(&format!(
            "R{i},{},{},20,{},{}\n",
            i + 1,
            quote(f),
            quote(f),
            quote(f)
        ));
    }
    text.push_str("-5,12,Two year,-3,Mailed check,-7\n");
    text
}

/// Formula-like cells in id and feature columns (and the header) come out neutralised (a
/// leading `'`) in the scored CSV and the rejects CSV of a streaming run, in
/// `ScoredTable::write_csv` / `write_rejects_csv`, and in `to_xlsx`; plain numbers stay numbers.
#[test]
fn formula_cells_come_out_neutralised() {
    let b = demo();
    let text = formula_input();
    let out = score(&b, text.as_bytes(), PipelineOptions::default()).expect("formulas");
    let s = &out.summary;
    assert!(s.rows_scored >= 6 && s.rows_rejected >= 8, "{s:?}");
    assert_formula_free("scored CSV", &out.csv);
    assert_formula_free("rejects CSV", &out.rejects);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.csv),
        String::from_utf8_lossy(&out.rejects)
    );
    for f in FORMULAS {
        assert!(
            all.contains(&format!("'{f}"))
                || all.contains(&format!("\"'{}", f.replace('"', "\"\""))),
            "{f:?} not kept"
        );
    }
    assert!(all.contains("\n'-,") || all.contains(",'-,"), "{all}");
    // A negative number is a number: kept as it is.
    assert!(all.contains("-5,"), "{all}");

    let t = Pipeline::new(&b, PipelineOptions::default())
        .expect("pipeline")
        .score_table(
            text.as_bytes(),
            &CollectOptions { cells: true },
            &mut |_| Flow::Continue,
        )
        .expect("score_table");
    let mut csv = Vec::new();
    t.write_csv(&mut csv, None).expect("write_csv");
    assert_formula_free("ScoredTable::write_csv", &csv);
    assert!(csv == out.csv, "the table's CSV is the run's");
    let mut rejects = Vec::new();
    t.write_rejects_csv(&mut rejects)
        .expect("write_rejects_csv");
    assert_formula_free("ScoredTable::write_rejects_csv", &rejects);
    // The table itself keeps the customer's text as it was: neutralising is for exports.
    assert!(t.customer_ids.iter().flatten().any(|id| id == FORMULAS[0]));

    #[cfg(feature = "xlsx")]
    {
        let xlsx = t.to_xlsx(None).expect("to_xlsx");
        let strings = xlsx_strings(&xlsx);
        assert!(
            strings.iter().any(|s| s == &format!("'{}", FORMULAS[0])),
            "{strings:?}"
        );
        for s in &strings {
            let number = s.parse::<f64>().is_ok_and(f64::is_finite);
            assert!(
                number || !matches!(s.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r')),
                "xlsx: formula-like text {s:?}"
            );
        }
    }
}

/// Every text of an xlsx workbook (shared strings and inline strings), unescaped; fails when a
/// sheet holds a formula.
#[cfg(feature = "xlsx")]
fn xlsx_strings(xlsx: &[u8]) -> Vec<String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("an xlsx is a zip");
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).expect("entry");
        let name = f.name().expect("entry name").to_string();
        if !name.ends_with(".xml") {
            continue;
        }
        let mut xml = String::new();
        f.read_to_string(&mut xml).expect("XML part");
        if name.starts_with("xl/worksheets/") {
            assert!(
                !xml.contains("<f>") && !xml.contains("<f "),
                "{name} holds a formula"
            );
        }
        let mut rest = xml.as_str();
        while let Some(start) = rest.find("<t") {
            let after = &rest[start + 2..];
            // `<t>` or `<t xml:space="preserve">`, not `<tableParts>` and the like.
            if !(after.starts_with('>') || after.starts_with(' ')) {
                rest = after;
                continue;
            }
            let Some(open) = after.find('>') else { break };
            let body = &after[open + 1..];
            let Some(close) = body.find("</t>") else {
                break;
            };
            out.push(
                body[..close]
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'")
                    .replace("&#9;", "\t")
                    .replace("&#13;", "\r")
                    .replace("&#xD;", "\r")
                    .replace("_x000D_", "\r")
                    .replace("&amp;", "&"),
            );
            rest = &body[close..];
        }
    }
    out
}
