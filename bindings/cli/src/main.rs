//! `churnlens`: score a customer export with a churn model bundle, explain customers, check
//! data quality, and track what really happened.
//!
//! Every command is a thin layer over `churn-core`: it resolves paths, opens files, calls the
//! core once, and prints the result as text or (`--json`) JSON.

mod admin;
mod run;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use churn_core::pipeline::Encoding;
use churn_core::{Delimiter, Threads};
use clap::{Args, Parser, Subcommand};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  a file could not be read or written
  2  invalid arguments
  3  invalid input data (CSV, encoding, no usable columns, mapping overrides, outcome file)
  4  invalid bundle, model or schema
  5  database error (prediction and outcome log)
  6  quality gate failed (--min-quality / --max-rejected); outputs are still written";

/// Score and explain customer churn with a gradient-boosted model bundle.
#[derive(Parser, Debug)]
#[command(name = "churnlens", version, about, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,

    /// Print machine-readable JSON on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,

    /// No progress bar and no notes on stderr.
    #[arg(long, short, global = true)]
    quiet: bool,

    /// Worker threads: 1..=1024, or 0 / auto for one per core (the default).
    #[arg(long, global = true, value_name = "N")]
    threads: Option<Threads>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Score a customer export: quality report, risk tiers, the riskiest customers and their
    /// reasons; writes scored rows (CSV, JSON lines) and rejected rows, and logs predictions.
    /// Without an input file it runs on the shipped demo.
    Score(run::ScoreArgs),
    /// Check a customer export's data quality without scoring it.
    Report(run::ReportArgs),
    /// Explain one customer in detail: every feature's contribution to their churn risk.
    Explain(run::ExplainArgs),
    /// Show how the export's columns map to the model's features; save or apply overrides.
    Map(run::MapArgs),
    /// Inspect a bundle, or build one from a model file and its training data.
    #[command(subcommand)]
    Bundle(admin::BundleCommand),
    /// Record what happened to customers (churned or not), one or a CSV of many.
    RecordOutcome(admin::RecordOutcomeArgs),
    /// Export logged predictions joined with outcomes as a labelled training table (CSV).
    ExportTraining(admin::ExportArgs),
    /// Realised AUC, calibration by decile and tier hit rates of logged predictions.
    Performance(admin::PerformanceArgs),
}

/// Input and bundle selection shared by the data commands.
#[derive(Args, Debug, Clone)]
pub struct Source {
    /// Customer export (CSV; delimiter and encoding are sniffed; `-` = stdin). Default: the
    /// shipped demo `examples/data/telco.csv`.
    #[arg(value_name = "INPUT")]
    pub input: Option<PathBuf>,

    /// Model bundle, or a bare XGBoost/LightGBM model file. Default: the shipped demo
    /// bundle `examples/demo/telco_bundle.json`.
    #[arg(long, short, value_name = "FILE")]
    pub bundle: Option<PathBuf>,

    /// Column-mapping overrides (JSON, as written by `churnlens map --save`).
    #[arg(long, value_name = "FILE")]
    pub overrides: Option<PathBuf>,

    /// Field delimiter: `,` `;` `tab` `|` (default: sniffed).
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<Delimiter>,

    /// Text encoding: auto (sniffed), utf-8, utf-16, windows-1252 (latin1), or any other
    /// encoding a browser reads, by its WHATWG label: shift_jis, euc-jp, windows-1250,
    /// iso-8859-2, windows-1251, koi8-r, gb18030, gbk, big5, euc-kr, utf-16le...
    #[arg(long, default_value = "auto", value_name = "NAME")]
    pub encoding: Encoding,

    /// As-of date for date-derived features (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,

    /// Rows per chunk (memory grows with it; speed barely does).
    #[arg(long, default_value_t = 8_192, value_name = "N")]
    pub chunk_rows: usize,
}

/// The shipped demo files, found from this crate's source directory.
pub fn demo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

/// The bundle used when `--bundle` is not given.
pub const DEMO_BUNDLE: &str = "examples/demo/telco_bundle.json";
/// The input used when no input file is given.
pub const DEMO_INPUT: &str = "examples/data/telco.csv";

/// A failure with its exit code; the message names the file (and row, column when known).
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
    /// The core error's kind (`csv`, `input`, ...), the `code` of the Node and WASM errors and
    /// the `kind` of the Python ones, when the failure is the core's.
    pub kind: Option<&'static str>,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            kind: None,
        }
    }

    /// A core error about `what` (e.g. `input customers.csv`), with the exit code of its kind.
    pub fn core(what: &str, e: churn_core::Error) -> Failure {
        let code = match e.kind() {
            "io" | "write" => 1,
            "csv" | "encoding" | "input" | "override" | "record" => 3,
            "database" => 5,
            _ => 4,
        };
        let message = match &e {
            // The core names the file itself.
            churn_core::Error::Io { .. } => e.to_string(),
            _ => format!("{what}: {e}"),
        };
        Failure {
            code,
            message,
            kind: Some(e.kind()),
        }
    }

    /// A core error about a user-supplied data file (overrides, outcomes): unreadable is 1,
    /// anything else about its content is invalid input (3).
    pub fn data_file(what: &str, e: churn_core::Error) -> Failure {
        let mut f = Failure::core(what, e);
        if f.code != 1 {
            f.code = 3;
        }
        f
    }

    /// An I/O error on a path.
    pub fn io(action: &str, path: &Path, e: std::io::Error) -> Failure {
        Failure::new(1, format!("cannot {action} {}: {e}", path.display()))
    }
}

pub type CliResult<T = ()> = Result<T, Failure>;

/// Global output settings.
#[derive(Clone, Copy, Debug)]
pub struct Output {
    pub json: bool,
    pub quiet: bool,
}

impl Output {
    /// A note for people on stderr (not with --quiet or --json).
    pub fn note(&self, text: &str) {
        if !self.quiet && !self.json {
            eprintln!("{text}");
        }
    }

    /// Prints a value as pretty JSON on stdout.
    pub fn print_json<T: serde::Serialize>(&self, value: &T) -> CliResult {
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| Failure::new(1, format!("cannot write JSON: {e}")))?;
        println!("{text}");
        Ok(())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Output {
        json: cli.json,
        quiet: cli.quiet,
    };
    if let Some(n) = cli.threads.and_then(Threads::count) {
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
        {
            eprintln!("error: cannot start {n} threads: {e}");
            return ExitCode::from(1);
        }
    }
    let result = match cli.command {
        Command::Score(a) => run::score(a, out),
        Command::Report(a) => run::report(a, out),
        Command::Explain(a) => run::explain(a, out),
        Command::Map(a) => run::map(a, out),
        Command::Bundle(c) => admin::bundle(c, out),
        Command::RecordOutcome(a) => admin::record_outcome(a, out),
        Command::ExportTraining(a) => admin::export_training(a, out),
        Command::Performance(a) => admin::performance(a, out),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if out.json {
                let mut v = serde_json::json!({"error": f.message, "exit_code": f.code});
                if let Some(kind) = f.kind {
                    v["kind"] = kind.into();
                }
                println!("{v}");
            }
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
