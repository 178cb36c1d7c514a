//! Issue 19, "run logging, option parsing and input checks once, in the core":
//! - `Pipeline::score_logged` writes the same database rows as the per-chunk calls the CLI and
//!   the Python binding used to make themselves;
//! - every entry that reads a customer export (the pipeline's score, report and map, and the
//!   hosts' `records` helpers) refuses a binary file with the same `csv` error, because the
//!   chunk reader makes the check; text with a stray NUL, UTF-16 and every CSV shipped in the
//!   repository still read.

use churn_core::pipeline::{Flow, Pipeline, PipelineOptions};
use churn_core::records::{self, check_text, HostOptions};
use churn_core::{Bundle, Error};

fn root(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel)
}

fn demo() -> Bundle {
    Bundle::load(root("examples/demo/telco_bundle.json")).expect("demo bundle")
}

/// Bytes of a xorshift generator: binary noise no signature names (as in compressed or
/// encrypted data), from a generator unlike the CLI and Python tests' one.
fn noise(n: usize, mut x: u64) -> Vec<u8> {
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect()
}

fn binaries() -> Vec<(&'static str, Vec<u8>)> {
    let exe = std::fs::read(std::env::current_exe().expect("test binary")).expect("read exe");
    vec![
        ("xlsx", b"PK\x03\x04\x14\0\x06\0\x08\0\0\0!\0".to_vec()),
        ("png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()),
        ("gzip", b"\x1F\x8B\x08\0\0\0\0\0".to_vec()),
        ("sqlite", b"SQLite format 3\0\x10\0".to_vec()),
        ("noise", noise(100_000, 0x9E37_79B9_7F4A_7C15)),
        ("small noise", noise(300, 42)),
        // An executable (ELF here): no signature in the list, NULs and control bytes throughout.
        ("executable", exe[..exe.len().min(200_000)].to_vec()),
    ]
}

fn assert_refused<T: std::fmt::Debug>(what: &str, entry: &str, r: Result<T, Error>) {
    match r {
        Err(e @ Error::Csv { line: 0, .. }) => {
            assert!(
                e.to_string().contains("not delimited text"),
                "{what} {entry}: {e}"
            )
        }
        other => panic!("{what} via {entry}: expected the binary-input error, got {other:?}"),
    }
}

#[test]
fn every_reading_entry_refuses_binary_files_alike() {
    let b = demo();
    let p = Pipeline::new(&b, PipelineOptions::default()).expect("pipeline");
    let host = HostOptions::default();
    for (what, bytes) in binaries() {
        assert_refused(what, "check_text", check_text(&bytes));
        assert_refused(what, "score", p.score(&bytes[..], Default::default()));
        assert_refused(what, "report", p.report(&bytes[..]));
        assert_refused(what, "map", p.map(&bytes[..]));
        assert_refused(
            what,
            "score_table",
            p.score_table(&bytes[..], &Default::default(), &mut |_| Flow::Continue),
        );
        assert_refused(what, "read_table", records::read_table(&bytes[..], None));
        assert_refused(what, "map_csv", records::map_csv(&bytes, b.schema(), &host));
        assert_refused(
            what,
            "validate_csv",
            records::validate_csv(&bytes, &b, &host),
        );
        assert_refused(what, "quality_csv", records::quality_csv(&bytes, &b, &host));
        // Forcing a delimiter or an 8-bit encoding does not let a binary file through.
        let forced = Pipeline::new(
            &b,
            PipelineOptions {
                delimiter: Some(b','),
                encoding: "latin1".parse().expect("latin1"),
                ..Default::default()
            },
        )
        .expect("pipeline");
        assert_refused(what, "forced report", forced.report(&bytes[..]));
    }
}

#[test]
fn text_inputs_still_read() {
    // Every CSV shipped in the repository (none was looked at to set the check's bounds).
    let mut files = Vec::new();
    for dir in [
        "examples/data",
        "examples/demo",
        "tests/data",
        "tests/golden",
    ] {
        for entry in std::fs::read_dir(root(dir)).expect("dir").flatten() {
            if entry.path().extension().is_some_and(|e| e == "csv") {
                files.push(entry.path());
            }
        }
    }
    assert!(files.len() >= 7, "{files:?}");
    for f in &files {
        let bytes = std::fs::read(f).expect("read");
        assert!(check_text(&bytes).is_ok(), "{}", f.display());
        assert!(
            records::read_table(&bytes[..], Some(10)).is_ok(),
            "{}",
            f.display()
        );
    }
    // UTF-16 with and without a byte-order mark: a NUL in every other byte, and text.
    let text = "customerID,tenure,Contract\nA,2,One year\nB,30,Two year\n";
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let with_bom: Vec<u8> = [&[0xFF, 0xFE][..], &le].concat();
    let b = demo();
    let p = Pipeline::new(&b, PipelineOptions::default()).expect("pipeline");
    for bytes in [&le, &be, &with_bom] {
        assert!(check_text(bytes).is_ok());
        let s = p.report(&bytes[..]).expect("UTF-16 reads");
        assert_eq!((s.rows_read, s.encoding.as_str()), (2, "utf-16"));
    }
    // Stray NULs in ordinary text are data: the rows are read (and judged on their values).
    let nul = b"customerID,tenure,Contract,MonthlyCharges\nA\0,2,One year,30\nB,\0,One year,30\n\
                C,4,One\0year,30\n";
    assert!(check_text(nul).is_ok());
    let s = p
        .score(&nul[..], Default::default())
        .expect("stray NULs are data");
    assert_eq!((s.rows_read, s.rows_scored, s.rows_rejected), (3, 2, 1));
}

#[cfg(feature = "sqlite")]
mod logging {
    use super::*;
    use churn_core::outcomes::OutcomeStore;
    use churn_core::store::RunLogger;

    /// Every column of every prediction and run except ids and times, in order.
    fn rows(db: &std::path::Path) -> (Vec<String>, Vec<String>) {
        let conn = rusqlite::Connection::open(db).expect("open");
        let read = |sql: &str| -> Vec<String> {
            let mut stmt = conn.prepare(sql).expect("prepare");
            let n = stmt.column_count();
            stmt.query_map([], |r| {
                let cells: Vec<String> = (0..n)
                    .map(|i| {
                        let v: rusqlite::types::Value = r.get(i)?;
                        Ok(format!("{v:?}"))
                    })
                    .collect::<rusqlite::Result<_>>()?;
                Ok(cells.join("|"))
            })
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
        };
        (
            read(
                "SELECT run_id, customer_id, model_hash, model_version, probability, tier, \
                 features FROM predictions ORDER BY id",
            ),
            read(
                "SELECT run_id, model_hash, source, rows_read, rows_scored, rows_rejected, \
                 finished_at IS NOT NULL FROM runs ORDER BY run_id",
            ),
        )
    }

    /// `score_logged` writes what the CLI and Python wrote with their own per-chunk calls
    /// (`begin_run`, `log_chunk` in the observer, `finish_run`), row for row; the scored
    /// outputs are the same too.
    #[test]
    fn score_logged_writes_the_rows_the_bindings_wrote() {
        let b = demo();
        let dir = std::env::temp_dir().join(format!("churnlens-runlog-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let options = PipelineOptions {
            chunk_rows: 1000,
            ..Default::default()
        };
        let p = Pipeline::new(&b, options).expect("pipeline");
        let inputs = ["examples/data/telco.csv", "tests/data/messy_customers.csv"];

        let old = dir.join("old.db");
        let _ = std::fs::remove_file(&old);
        let mut db = OutcomeStore::open(&old).expect("db");
        let mut old_csv = Vec::new();
        for input in inputs {
            let run = db
                .begin_run(&b, p.tiers(), input, &churn_core::outcomes::now_utc())
                .expect("begin");
            let mut csv = Vec::new();
            let s = p
                .score_with(
                    std::fs::File::open(root(input)).expect("input"),
                    churn_core::Sinks {
                        scored_csv: Some(&mut csv),
                        ..Default::default()
                    },
                    &mut |c| {
                        db.log_chunk(&run, c)?;
                        Ok(Flow::Continue)
                    },
                )
                .expect("score");
            db.finish_run(&run, &s, &churn_core::outcomes::now_utc())
                .expect("finish");
            old_csv.push(csv);
        }
        drop(db);

        let new = dir.join("new.db");
        let _ = std::fs::remove_file(&new);
        let mut db = OutcomeStore::open(&new).expect("db");
        let mut chunks = 0;
        for (k, input) in inputs.iter().enumerate() {
            let mut csv = Vec::new();
            let (s, log) = p
                .score_logged(
                    std::fs::File::open(root(input)).expect("input"),
                    churn_core::Sinks {
                        scored_csv: Some(&mut csv),
                        ..Default::default()
                    },
                    Some(&mut db),
                    input,
                    &mut |_| {
                        chunks += 1;
                        Ok(Flow::Continue)
                    },
                )
                .expect("score");
            let log = log.expect("logged");
            assert_eq!(log.run_id, k as i64 + 1);
            assert_eq!(log.logged + log.without_id, s.rows_scored);
            assert_eq!(log.database, new.display().to_string());
            assert_eq!(csv, old_csv[k], "{input}: scored CSV");
        }
        assert_eq!(chunks, 8 + 1, "the caller's observer sees every chunk");
        drop(db);

        let (old_predictions, old_runs) = rows(&old);
        let (new_predictions, new_runs) = rows(&new);
        assert!(old_predictions.len() > 7043, "{}", old_predictions.len());
        assert_eq!(old_predictions, new_predictions);
        assert_eq!(old_runs, new_runs);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A stop from the caller's observer still logs the chunk it saw (its rows were written),
    /// and a run that fails is left open, as before.
    #[test]
    fn stops_and_failures() {
        let b = demo();
        let p = Pipeline::new(
            &b,
            PipelineOptions {
                chunk_rows: 100,
                ..Default::default()
            },
        )
        .expect("pipeline");
        let mut db = OutcomeStore::open_in_memory().expect("db");
        let telco = std::fs::read(root("examples/data/telco.csv")).expect("telco");
        let (s, log) = p
            .score_logged(
                &telco[..],
                Default::default(),
                Some(&mut db),
                "t",
                &mut |_| Ok(Flow::Stop),
            )
            .expect("score");
        assert!(s.stopped_early);
        assert_eq!(log.expect("log").logged, s.rows_scored);
        assert_eq!(db.counts().expect("counts").predictions, s.rows_scored);

        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert!(p
            .score_logged(
                &png[..],
                Default::default(),
                Some(&mut db),
                "png",
                &mut |_| { Ok(Flow::Continue) }
            )
            .is_err());
        let c = db.counts().expect("counts");
        assert_eq!((c.runs, c.predictions), (2, s.rows_scored));

        // RunLogger is the same steps for callers that drive the pipeline themselves.
        let mut logger = RunLogger::begin(&mut db, &b, p.tiers(), "by hand").expect("begin");
        let s = p
            .score_with(&telco[..], Default::default(), &mut |c| {
                logger.log(c)?;
                Ok(Flow::Continue)
            })
            .expect("score");
        let log = logger.finish(&s).expect("finish");
        assert_eq!((log.run_id, log.logged), (3, 7043));
    }
}
