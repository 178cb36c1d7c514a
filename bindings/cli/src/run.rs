//! The data commands: score, report, explain, map.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use churn_core::normalize::{parse_date, NormalizeOptions};
use churn_core::outcomes::{now_utc, LogCounts, OutcomeStore};
use churn_core::pipeline::{Encoding, Flow, Pipeline, PipelineOptions, RunSummary, Sinks};
use churn_core::risk::Explanation;
use churn_core::{Bundle, Overrides};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::{demo_path, CliResult, Failure, Output, Source, DEMO_BUNDLE, DEMO_INPUT};

/// Default prediction log (also `CHURNLENS_DB`).
pub const DEFAULT_DB: &str = "churnlens-out/churnlens.db";

#[derive(Args, Debug)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub source: Source,

    /// Directory for the scored and rejected rows.
    #[arg(long, short = 'o', default_value = "churnlens-out", value_name = "DIR")]
    pub out_dir: PathBuf,

    /// Scored rows as CSV (default: OUT_DIR/<input>.scored.csv).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,

    /// Scored rows as JSON lines (default: OUT_DIR/<input>.scored.jsonl).
    #[arg(long, value_name = "FILE")]
    pub jsonl: Option<PathBuf>,

    /// Rejected rows with their reasons (default: OUT_DIR/<input>.rejects.csv).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,

    /// Reasons per customer in each direction (raising, lowering risk).
    #[arg(long, default_value_t = 3, value_name = "K")]
    pub reasons: usize,

    /// Riskiest customers to print.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,

    /// Prediction log (SQLite).
    #[arg(long, env = "CHURNLENS_DB", default_value = DEFAULT_DB, value_name = "FILE")]
    pub db: PathBuf,

    /// Do not log predictions.
    #[arg(long)]
    pub no_log: bool,

    /// Find duplicate customer ids within chunks only (saves ~34 bytes per customer).
    #[arg(long)]
    pub no_file_duplicates: bool,

    /// Exit with code 6 when the quality score is below this (0..1).
    #[arg(long, value_name = "SCORE")]
    pub min_quality: Option<f64>,

    /// Exit with code 6 when more than this share of rows is rejected (0..1).
    #[arg(long, value_name = "SHARE")]
    pub max_rejected: Option<f64>,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub source: Source,

    /// Exit with code 6 when the quality score is below this (0..1).
    #[arg(long, value_name = "SCORE")]
    pub min_quality: Option<f64>,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub source: Source,

    /// The customer id to explain.
    #[arg(
        long,
        short,
        value_name = "ID",
        conflicts_with = "row",
        required_unless_present = "row"
    )]
    pub customer: Option<String>,

    /// The data row to explain (1 = the first row after the header).
    #[arg(long, value_name = "N")]
    pub row: Option<u64>,
}

#[derive(Args, Debug)]
pub struct MapArgs {
    #[command(flatten)]
    pub source: Source,

    /// Map a feature to a column: FEATURE=HEADER (repeatable; wins over --overrides).
    #[arg(long = "set", value_name = "FEATURE=HEADER")]
    pub set: Vec<String>,

    /// Keep a feature unmapped (repeatable).
    #[arg(long = "unmap", value_name = "FEATURE")]
    pub unmap: Vec<String>,

    /// Save the resulting mapping as overrides (JSON) to apply with --overrides.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
}

/// The input as named in messages, and how to open it.
pub struct InputSpec {
    pub path: Option<PathBuf>,
    pub name: String,
}

impl InputSpec {
    fn of(source: &Source) -> InputSpec {
        match &source.input {
            Some(p) if p.as_os_str() == "-" => InputSpec {
                path: None,
                name: "stdin".into(),
            },
            Some(p) => InputSpec {
                path: Some(p.clone()),
                name: p.display().to_string(),
            },
            None => {
                let p = demo_path(DEMO_INPUT);
                InputSpec {
                    name: DEMO_INPUT.to_string(),
                    path: Some(p),
                }
            }
        }
    }

    fn open(&self) -> CliResult<(Box<dyn Read>, Option<u64>)> {
        match &self.path {
            None => Ok((Box::new(std::io::stdin().lock()), None)),
            Some(p) => {
                let f = File::open(p).map_err(|e| Failure::io("read input", p, e))?;
                let size = f.metadata().ok().map(|m| m.len());
                Ok((Box::new(f), size))
            }
        }
    }

    fn stem(&self) -> String {
        self.path
            .as_deref()
            .and_then(Path::file_stem)
            .map_or_else(|| "stdin".into(), |s| s.to_string_lossy().into_owned())
    }

    fn what(&self) -> String {
        format!("input {}", self.name)
    }
}

pub fn load_bundle(path: Option<&Path>) -> CliResult<(Bundle, String)> {
    let (path, name) = match path {
        Some(p) => (p.to_path_buf(), p.display().to_string()),
        None => (demo_path(DEMO_BUNDLE), DEMO_BUNDLE.to_string()),
    };
    let b = Bundle::load(&path).map_err(|e| Failure::core(&format!("bundle {name}"), e))?;
    Ok((b, name))
}

fn parse_delimiter(d: &str) -> CliResult<u8> {
    match d {
        "," | "comma" => Ok(b','),
        ";" | "semicolon" => Ok(b';'),
        "\t" | "\\t" | "tab" => Ok(b'\t'),
        "|" | "pipe" => Ok(b'|'),
        other => Err(Failure::new(
            2,
            format!("--delimiter {other:?}: use one of , ; tab |"),
        )),
    }
}

fn options(source: &Source, top_k: usize) -> CliResult<PipelineOptions> {
    let encoding = Encoding::parse(&source.encoding).ok_or_else(|| {
        Failure::new(
            2,
            format!(
                "--encoding {:?}: use auto, utf-8, utf-16, windows-1252 or a WHATWG \
                 encoding label (shift_jis, windows-1250, koi8-r, gb18030, euc-kr, ...)",
                source.encoding
            ),
        )
    })?;
    let delimiter = source
        .delimiter
        .as_deref()
        .map(parse_delimiter)
        .transpose()?;
    let as_of = match &source.as_of {
        Some(d) => Some(
            parse_date(d).ok_or_else(|| Failure::new(2, format!("--as-of {d:?} is not a date")))?,
        ),
        None => None,
    };
    if source.chunk_rows == 0 {
        return Err(Failure::new(2, "--chunk-rows must be at least 1"));
    }
    let overrides = match &source.overrides {
        Some(p) => Some(
            Overrides::load(p)
                .map_err(|e| Failure::data_file(&format!("overrides {}", p.display()), e))?,
        ),
        None => None,
    };
    Ok(PipelineOptions {
        chunk_rows: source.chunk_rows,
        delimiter,
        encoding,
        overrides,
        top_k,
        normalize: NormalizeOptions { as_of },
        ..PipelineOptions::default()
    })
}

fn progress(out: Output, size: Option<u64>) -> Option<ProgressBar> {
    if out.quiet || out.json || !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = match size {
        Some(n) => ProgressBar::new(n).with_style(
            ProgressStyle::with_template(
                "{spinner} {elapsed_precise} [{bar:30}] {bytes}/{total_bytes} ({eta} left) {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        ),
        None => ProgressBar::new_spinner(),
    };
    pb.set_draw_target(ProgressDrawTarget::stderr());
    Some(pb)
}

fn create(path: &Path) -> CliResult<BufWriter<File>> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Failure::io("create directory", dir, e))?;
    }
    let f = File::create(path).map_err(|e| Failure::io("write", path, e))?;
    Ok(BufWriter::with_capacity(1 << 20, f))
}

/// One of the riskiest customers.
#[derive(Clone, Debug, Serialize)]
pub struct Riskiest {
    pub customer_id: Option<String>,
    pub row: u64,
    pub line: u64,
    pub probability: f64,
    pub tier: String,
    pub explanation: Explanation,
}

#[derive(Serialize)]
struct OutputFiles {
    scored_csv: String,
    scored_jsonl: String,
    rejects_csv: String,
}

#[derive(Serialize)]
struct LogInfo {
    database: String,
    run_id: i64,
    logged: u64,
    without_id: u64,
}

#[derive(Serialize)]
struct ScoreOutput<'a> {
    input: &'a str,
    bundle: &'a str,
    summary: &'a RunSummary,
    riskiest: &'a [Riskiest],
    outputs: OutputFiles,
    log: Option<LogInfo>,
}

fn keep_top(top: &mut Vec<Riskiest>, n: usize) {
    top.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then(a.row.cmp(&b.row))
    });
    top.truncate(n);
}

pub fn score(args: ScoreArgs, out: Output) -> CliResult {
    let input = InputSpec::of(&args.source);
    let (bundle, bundle_name) = load_bundle(args.source.bundle.as_deref())?;
    let opts = PipelineOptions {
        file_duplicates: !args.no_file_duplicates,
        ..options(&args.source, args.reasons)?
    };
    let pipeline = Pipeline::new(&bundle, opts).map_err(|e| Failure::core(&input.what(), e))?;
    let (reader, size) = input.open()?;

    let stem = input.stem();
    let csv_path = args
        .csv
        .clone()
        .unwrap_or_else(|| args.out_dir.join(format!("{stem}.scored.csv")));
    let jsonl_path = args
        .jsonl
        .clone()
        .unwrap_or_else(|| args.out_dir.join(format!("{stem}.scored.jsonl")));
    let rejects_path = args
        .rejects
        .clone()
        .unwrap_or_else(|| args.out_dir.join(format!("{stem}.rejects.csv")));
    let mut csv_w = create(&csv_path)?;
    let mut jsonl_w = create(&jsonl_path)?;
    let mut rejects_w = create(&rejects_path)?;

    let db_name = args.db.display().to_string();
    let mut store = if args.no_log {
        None
    } else {
        if let Some(dir) = args.db.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Failure::io("create directory", dir, e))?;
        }
        let mut s = OutcomeStore::open(&args.db)
            .map_err(|e| Failure::core(&format!("database {db_name}"), e))?;
        let run = s
            .begin_run(&bundle, pipeline.tiers(), &input.name, &now_utc())
            .map_err(|e| Failure::core(&format!("database {db_name}"), e))?;
        Some((s, run))
    };

    let pb = progress(out, size);
    let mut top: Vec<Riskiest> = Vec::new();
    let mut logged = LogCounts::default();
    let mut rows_done = 0u64;
    let tier_names: Vec<String> = pipeline
        .tiers()
        .tiers
        .iter()
        .map(|t| t.name.clone())
        .collect();
    let n_top = args.top;
    let result = pipeline.score_with(
        reader,
        Sinks {
            scored_csv: Some(&mut csv_w),
            scored_jsonl: Some(&mut jsonl_w),
            rejects_csv: Some(&mut rejects_w),
        },
        &mut |chunk| {
            rows_done += chunk.rows_read as u64;
            if let Some(pb) = &pb {
                pb.set_position(chunk.bytes_read);
                pb.set_message(format!("{rows_done} rows"));
            }
            if n_top > 0 {
                let floor = if top.len() >= n_top {
                    top.last().map_or(f64::NEG_INFINITY, |r| r.probability)
                } else {
                    f64::NEG_INFINITY
                };
                for (i, &p) in chunk.probabilities.iter().enumerate() {
                    if p > floor || top.len() < n_top {
                        let Some(explanation) = chunk.explanation(i) else {
                            continue;
                        };
                        top.push(Riskiest {
                            customer_id: chunk.customer_ids[i].clone(),
                            row: chunk.rows[i],
                            line: chunk.lines[i],
                            probability: p,
                            tier: tier_names.get(chunk.tiers[i]).cloned().unwrap_or_default(),
                            explanation,
                        });
                        if top.len() >= 4 * n_top {
                            keep_top(&mut top, n_top);
                        }
                    }
                }
                keep_top(&mut top, n_top);
            }
            if let Some((s, run)) = store.as_mut() {
                let c = s.log_chunk(run, chunk)?;
                logged.logged += c.logged;
                logged.without_id += c.without_id;
            }
            Ok(Flow::Continue)
        },
    );
    if let Some(pb) = &pb {
        pb.finish_and_clear();
    }
    let summary = result.map_err(|e| match e {
        churn_core::Error::Database { .. } => Failure::core(&format!("database {db_name}"), e),
        churn_core::Error::Write { .. } => Failure::core("output", e),
        _ => Failure::core(&input.what(), e),
    })?;
    for (w, p) in [
        (&mut csv_w, &csv_path),
        (&mut jsonl_w, &jsonl_path),
        (&mut rejects_w, &rejects_path),
    ] {
        w.flush().map_err(|e| Failure::io("write", p, e))?;
    }
    let log = match store.as_mut() {
        Some((s, run)) => {
            s.finish_run(run, &summary, &now_utc())
                .map_err(|e| Failure::core(&format!("database {db_name}"), e))?;
            Some(LogInfo {
                database: db_name.clone(),
                run_id: run.run_id,
                logged: logged.logged,
                without_id: logged.without_id,
            })
        }
        None => None,
    };
    let outputs = OutputFiles {
        scored_csv: csv_path.display().to_string(),
        scored_jsonl: jsonl_path.display().to_string(),
        rejects_csv: rejects_path.display().to_string(),
    };

    if out.json {
        out.print_json(&ScoreOutput {
            input: &input.name,
            bundle: &bundle_name,
            summary: &summary,
            riskiest: &top,
            outputs,
            log,
        })?;
    } else {
        let mut s = String::new();
        s.push_str(&format!(
            "churnlens score: {} with {}\n\n",
            input.name, bundle_name
        ));
        s.push_str(&summary.quality.to_text());
        s.push('\n');
        s.push_str(&summary.to_text());
        if !top.is_empty() {
            s.push_str(&format!("\nThe {} riskiest customers\n", top.len()));
            for (k, r) in top.iter().enumerate() {
                s.push_str(&format!(
                    "{:>3}. {}  churn probability {:.1}% ({})  row {}\n",
                    k + 1,
                    r.customer_id.as_deref().unwrap_or("(no id)"),
                    100.0 * r.probability,
                    r.tier,
                    r.row
                ));
                for reason in r.explanation.raises.iter().chain(&r.explanation.lowers) {
                    s.push_str(&format!("       - {}\n", reason.text));
                }
            }
        }
        s.push_str(&format!(
            "\nOutputs\n  scored rows:   {}\n                 {}\n  rejected rows: {} ({} rows)\n",
            outputs.scored_csv, outputs.scored_jsonl, outputs.rejects_csv, summary.rows_rejected
        ));
        match &log {
            Some(l) => s.push_str(&format!(
                "  predictions logged: {} (run {}, {} predictions{})\n",
                l.database,
                l.run_id,
                l.logged,
                if l.without_id > 0 {
                    format!(", {} rows without a customer id not logged", l.without_id)
                } else {
                    String::new()
                }
            )),
            None => s.push_str("  predictions not logged (--no-log)\n"),
        }
        print!("{s}");
    }
    gates(&summary, args.min_quality, args.max_rejected)
}

fn gates(summary: &RunSummary, min_quality: Option<f64>, max_rejected: Option<f64>) -> CliResult {
    if let Some(q) = min_quality {
        if summary.quality.score < q {
            return Err(Failure::new(
                6,
                format!(
                    "quality score {:.2} is below --min-quality {q}",
                    summary.quality.score
                ),
            ));
        }
    }
    if let Some(m) = max_rejected {
        let share = summary.rows_rejected as f64 / summary.rows_read.max(1) as f64;
        if share > m {
            return Err(Failure::new(
                6,
                format!(
                    "{:.1}% of rows were rejected, above --max-rejected {m}",
                    100.0 * share
                ),
            ));
        }
    }
    Ok(())
}

pub fn report(args: ReportArgs, out: Output) -> CliResult {
    let input = InputSpec::of(&args.source);
    let (bundle, bundle_name) = load_bundle(args.source.bundle.as_deref())?;
    let pipeline = Pipeline::new(&bundle, options(&args.source, 3)?)
        .map_err(|e| Failure::core(&input.what(), e))?;
    let (reader, _) = input.open()?;
    let summary = pipeline
        .report(reader)
        .map_err(|e| Failure::core(&input.what(), e))?;
    if out.json {
        out.print_json(&summary)?;
    } else {
        print!(
            "churnlens report: {} against {}\n\n{}",
            input.name,
            bundle_name,
            summary.quality.to_text()
        );
    }
    gates(&summary, args.min_quality, None)
}

#[derive(Serialize)]
struct ExplainOutput<'a> {
    input: &'a str,
    customer_id: Option<String>,
    row: u64,
    line: u64,
    probability: f64,
    tier: String,
    explanation: Explanation,
}

pub fn explain(args: ExplainArgs, out: Output) -> CliResult {
    let input = InputSpec::of(&args.source);
    let (bundle, _) = load_bundle(args.source.bundle.as_deref())?;
    let opts = PipelineOptions {
        // Only the chunk holding the customer is explained; small chunks waste less work.
        chunk_rows: args.source.chunk_rows.min(4096),
        ..options(&args.source, usize::MAX)?
    };
    let pipeline = Pipeline::new(&bundle, opts).map_err(|e| Failure::core(&input.what(), e))?;
    let (reader, _) = input.open()?;
    let wanted = |id: &Option<String>, row: u64| match (&args.customer, args.row) {
        (Some(c), _) => id.as_deref() == Some(c.trim()),
        (None, Some(r)) => row == r,
        _ => false,
    };
    let mut found: Option<ExplainOutput> = None;
    let mut rejected: Option<String> = None;
    let tier_names: Vec<String> = pipeline
        .tiers()
        .tiers
        .iter()
        .map(|t| t.name.clone())
        .collect();
    let summary = pipeline
        .score_with(reader, Sinks::default(), &mut |chunk| {
            if let Some(i) =
                (0..chunk.rows.len()).find(|&i| wanted(&chunk.customer_ids[i], chunk.rows[i]))
            {
                if let Some(explanation) = chunk.full_explanation(i) {
                    found = Some(ExplainOutput {
                        input: "",
                        customer_id: chunk.customer_ids[i].clone(),
                        row: chunk.rows[i],
                        line: chunk.lines[i],
                        probability: chunk.probabilities[i],
                        tier: tier_names.get(chunk.tiers[i]).cloned().unwrap_or_default(),
                        explanation,
                    });
                }
                return Ok(Flow::Stop);
            }
            if let Some((r, line)) = chunk
                .rejected
                .iter()
                .zip(&chunk.rejected_lines)
                .find(|(r, _)| wanted(&r.customer_id, r.row))
            {
                rejected = Some(format!(
                    "row {} (line {line}{}) was rejected, so it has no score: {}",
                    r.row,
                    r.customer_id
                        .as_deref()
                        .map_or(String::new(), |c| format!(", customer {c}")),
                    r.reasons.join("; ")
                ));
                return Ok(Flow::Stop);
            }
            Ok(Flow::Continue)
        })
        .map_err(|e| Failure::core(&input.what(), e))?;
    if let Some(msg) = rejected {
        return Err(Failure::new(3, format!("{}: {msg}", input.what())));
    }
    let Some(mut f) = found else {
        let what = match (&args.customer, args.row) {
            (Some(c), _) => format!("customer {c:?}"),
            (None, Some(r)) => format!("row {r}"),
            _ => "nothing".into(),
        };
        return Err(Failure::new(
            3,
            format!(
                "{}: {what} not found ({} rows read)",
                input.what(),
                summary.rows_read
            ),
        ));
    };
    f.input = &input.name;
    if out.json {
        return out.print_json(&f);
    }
    let e = &f.explanation;
    let mut s = String::new();
    s.push_str(&format!(
        "Customer {} (row {}, line {} of {})\n",
        f.customer_id.as_deref().unwrap_or("(no id)"),
        f.row,
        f.line,
        input.name
    ));
    s.push_str(&format!(
        "Churn probability {:.1}% (tier: {}); the average training customer's is {:.1}%.\n\n",
        100.0 * f.probability,
        f.tier,
        100.0 * e.base_probability
    ));
    s.push_str("   points  log-odds  driver\n");
    let mut all: Vec<&churn_core::Reason> = e.raises.iter().chain(&e.lowers).collect();
    all.sort_by(|a, b| b.points.total_cmp(&a.points));
    for r in &all {
        s.push_str(&format!(
            "  {:>+7.1}  {:>+8.4}  {} ({})\n",
            r.points, r.contribution, r.display_name, r.value
        ));
    }
    let zero = bundle.schema().num_inputs() - all.len();
    if zero > 0 {
        s.push_str(&format!("  ({zero} features contribute nothing)\n"));
    }
    s.push_str(&format!(
        "\nThe points add up: {:.1}% (average) {:+.1} points = {:.1}%.\n\
         Points are each feature's SHAP value (log-odds) times the slope of the sigmoid between\n\
         the average and this customer's log-odds, so that they sum to the change in probability.\n",
        100.0 * e.base_probability,
        e.all_points(),
        100.0 * e.probability
    ));
    print!("{s}");
    Ok(())
}

#[derive(Serialize)]
struct MapOutput<'a> {
    input: &'a str,
    bundle: &'a str,
    mapping: &'a churn_core::Mapping,
    saved: Option<String>,
}

pub fn map(args: MapArgs, out: Output) -> CliResult {
    let input = InputSpec::of(&args.source);
    let (bundle, bundle_name) = load_bundle(args.source.bundle.as_deref())?;
    let mut opts = options(&args.source, 3)?;
    let mut overrides = opts.overrides.take().unwrap_or_default();
    for s in &args.set {
        let Some((f, h)) = s.split_once('=') else {
            return Err(Failure::new(
                2,
                format!("--set {s:?}: expected FEATURE=HEADER"),
            ));
        };
        overrides.set(f.trim(), h.trim());
    }
    for f in &args.unmap {
        overrides.keep_unmapped(f.trim());
    }
    if !overrides.columns.is_empty() {
        opts.overrides = Some(overrides);
    }
    let pipeline = Pipeline::new(&bundle, opts).map_err(|e| Failure::core(&input.what(), e))?;
    let (reader, _) = input.open()?;
    let mapping = pipeline
        .map(reader)
        .map_err(|e| Failure::core(&input.what(), e))?;
    let saved = match &args.save {
        Some(p) => {
            mapping
                .to_overrides()
                .save(p)
                .map_err(|e| Failure::core(&format!("overrides {}", p.display()), e))?;
            Some(p.display().to_string())
        }
        None => None,
    };
    if out.json {
        return out.print_json(&MapOutput {
            input: &input.name,
            bundle: &bundle_name,
            mapping: &mapping,
            saved,
        });
    }
    let mapped = mapping
        .features
        .iter()
        .filter(|f| f.column.is_some())
        .count();
    let mut s = format!(
        "Mapping of {} to {}: {mapped} of {} features mapped\n",
        input.name,
        bundle_name,
        mapping.features.len()
    );
    let w1 = mapping
        .features
        .iter()
        .map(|f| f.feature.chars().count())
        .max()
        .unwrap_or(7)
        .max(7);
    let w2 = mapping
        .features
        .iter()
        .filter_map(|f| f.header.as_ref().map(|h| h.chars().count()))
        .max()
        .unwrap_or(6)
        .clamp(6, 40);
    s.push_str(&format!(
        "  {:w1$}  {:w2$}  confidence  source     alternatives\n",
        "feature", "column"
    ));
    for f in &mapping.features {
        let alts: Vec<String> = f
            .alternatives
            .iter()
            .take(2)
            .map(|a| format!("{} ({:.2})", a.header, a.confidence))
            .collect();
        s.push_str(&format!(
            "  {:w1$}  {:w2$}  {:>10}  {:<9}  {}{}\n",
            f.feature,
            f.header.as_deref().unwrap_or("-"),
            if f.column.is_some() {
                format!("{:.2}", f.confidence)
            } else {
                "-".into()
            },
            f.source.map_or("-", |x| x.as_str()),
            alts.join(", "),
            if f.ambiguous { "  [ambiguous]" } else { "" }
        ));
    }
    s.push_str(&format!(
        "Columns not used: {}\n",
        if mapping.unmapped.is_empty() {
            "none".into()
        } else {
            mapping.unmapped_headers().join(", ")
        }
    ));
    if let Some(p) = &saved {
        s.push_str(&format!(
            "Saved the mapping as overrides to {p}; apply it with --overrides {p}\n"
        ));
    }
    print!("{s}");
    Ok(())
}
