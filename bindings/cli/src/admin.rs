//! The bundle and outcome commands: bundle inspect/build, record-outcome, export-training,
//! performance.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use churn_core::bundle::{Built, BundleBuilder, BundleMetadata, RiskTiers};
use churn_core::normalize::parse_label;
use churn_core::outcomes::{today_utc, OutcomeStore};
use churn_core::risk::tiers_of;
use churn_core::{Bundle, Schema};
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::run::{load_bundle, DEFAULT_DB};
use crate::{CliResult, Failure, Output};

#[derive(Subcommand, Debug)]
pub enum BundleCommand {
    /// Show a bundle's metadata, model, schema, tiers and reference data.
    Inspect {
        /// Bundle or bare model file (default: the shipped demo bundle).
        #[arg(value_name = "BUNDLE")]
        bundle: Option<PathBuf>,
    },
    /// Build a bundle from a model file and its training data (CSV with the churn label).
    Build(Box<BuildArgs>),
}

#[derive(Args, Debug)]
pub struct BuildArgs {
    /// The model: XGBoost JSON/UBJSON or LightGBM text.
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,

    /// Training data (CSV) with the model's features and the churn label.
    #[arg(long, value_name = "FILE")]
    pub training: PathBuf,

    /// Schema file (JSON or TOML) adding display names, units, categories, required flags,
    /// identifier and label columns to what the model file says.
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,

    /// Where to write the bundle.
    #[arg(long, short, value_name = "FILE")]
    pub out: PathBuf,

    /// Bundle name (default: the model file's name).
    #[arg(long)]
    pub name: Option<String>,

    /// Bundle version.
    #[arg(long, default_value = "1.0.0")]
    pub version: String,

    /// Free-text description.
    #[arg(long, default_value = "")]
    pub description: String,

    /// What produced the model, e.g. `xgboost 3.2.0` (default: the model and training file
    /// names).
    #[arg(long)]
    pub source: Option<String>,

    /// Lower bounds of the medium and high tiers.
    #[arg(long, default_value = "0.25,0.5", value_name = "MEDIUM,HIGH")]
    pub tiers: RiskTiers,

    /// Labelled rows kept for the quality report's estimated-AUC check (evenly spaced through
    /// the file, or drawn with --seed).
    #[arg(long, default_value_t = 500, value_name = "N")]
    pub sample_rows: usize,

    /// Quantile bins per numeric feature in the reference profile.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub bins: usize,

    /// Creation time written in the metadata (default: now, UTC); fix it to make the bundle's
    /// bytes reproducible.
    #[arg(long, value_name = "YYYY-MM-DDTHH:MM:SSZ")]
    pub created: Option<String>,

    /// Draw the labelled sample by a seeded shuffle (default: evenly spaced labelled rows).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
}

#[derive(Args, Debug)]
pub struct RecordOutcomeArgs {
    /// The customer whose outcome this is.
    #[arg(
        long,
        short,
        value_name = "ID",
        required_unless_present = "file",
        requires = "churned"
    )]
    pub customer: Option<String>,

    /// Whether they churned: yes/no, true/false, 1/0, churned/retained.
    #[arg(long, value_name = "YES|NO")]
    pub churned: Option<String>,

    /// A CSV of outcomes: customer id, churned, optional date columns.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["customer", "churned"])]
    pub file: Option<PathBuf>,

    /// When the outcome was observed (default: today; for --file, rows without a date).
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,

    /// Where the outcome came from (stored with it).
    #[arg(long, default_value = "cli")]
    pub source: String,

    /// Prediction and outcome log (SQLite).
    #[arg(long, env = "CHURNLENS_DB", default_value = DEFAULT_DB, value_name = "FILE")]
    pub db: PathBuf,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Where to write the CSV (`-` = stdout).
    #[arg(long, short, default_value = "-", value_name = "FILE")]
    pub out: PathBuf,

    /// Only predictions of this model (bundle content hash).
    #[arg(long, value_name = "SHA256")]
    pub model_hash: Option<String>,

    /// Prediction and outcome log (SQLite).
    #[arg(long, env = "CHURNLENS_DB", default_value = DEFAULT_DB, value_name = "FILE")]
    pub db: PathBuf,
}

#[derive(Args, Debug)]
pub struct PerformanceArgs {
    /// Only predictions of this model (bundle content hash).
    #[arg(long, value_name = "SHA256")]
    pub model_hash: Option<String>,

    /// Prediction and outcome log (SQLite).
    #[arg(long, env = "CHURNLENS_DB", default_value = DEFAULT_DB, value_name = "FILE")]
    pub db: PathBuf,
}

#[derive(Serialize)]
struct ModelView {
    format: String,
    trees: usize,
    features: usize,
    outputs: usize,
    objective: String,
}

#[derive(Serialize)]
struct InspectOutput<'a> {
    path: &'a str,
    metadata: &'a BundleMetadata,
    model: ModelView,
    schema: &'a Schema,
    tiers: RiskTiers,
    tiers_are_defaults: bool,
    reference_rows: Option<u64>,
    sample_rows: Option<usize>,
}

pub fn bundle(cmd: BundleCommand, out: Output) -> CliResult {
    match cmd {
        BundleCommand::Inspect { bundle } => inspect(bundle.as_deref(), out),
        BundleCommand::Build(args) => build(*args, out),
    }
}

fn inspect(path: Option<&Path>, out: Output) -> CliResult {
    let (b, name) = load_bundle(path)?;
    let m = b.model();
    let view = InspectOutput {
        path: &name,
        metadata: &b.metadata,
        model: ModelView {
            format: format!("{:?}", m.format()),
            trees: m.num_trees(),
            features: m.num_features(),
            outputs: m.num_outputs(),
            objective: m.objective().to_string(),
        },
        schema: b.schema(),
        tiers: tiers_of(&b),
        tiers_are_defaults: b.tiers.as_ref().is_none_or(|t| t.tiers.is_empty()),
        reference_rows: b.reference.as_ref().map(|r| r.rows),
        sample_rows: b.sample().map(|s| s.rows.len()),
    };
    if out.json {
        return out.print_json(&view);
    }
    let md = view.metadata;
    let mut s = format!("Bundle {name}\n");
    s.push_str(&format!("  name         {} {}\n", md.name, md.version));
    if !md.created.is_empty() {
        s.push_str(&format!("  created      {}\n", md.created));
    }
    if !md.description.is_empty() {
        s.push_str(&format!("  description  {}\n", md.description));
    }
    if !md.source.is_empty() {
        s.push_str(&format!("  source       {}\n", md.source));
    }
    s.push_str(&format!("  sha256       {}\n", md.content_hash));
    if !md.metrics.is_empty() {
        let ms: Vec<String> = md.metrics.iter().map(|(k, v)| format!("{k} {v}")).collect();
        s.push_str(&format!("  metrics      {}\n", ms.join(", ")));
    }
    let mv = &view.model;
    s.push_str(&format!(
        "Model: {}, {} trees, {} features, {} output(s), objective {}\n",
        mv.format, mv.trees, mv.features, mv.outputs, mv.objective
    ));
    let schema = b.schema();
    s.push_str(&format!(
        "Schema: {} inputs{}{}\n",
        schema.num_inputs(),
        schema
            .identifier()
            .map_or(String::new(), |f| format!(", identifier '{}'", f.name)),
        schema
            .label()
            .map_or(String::new(), |f| format!(", label '{}'", f.name))
    ));
    let w = schema
        .features
        .iter()
        .map(|f| f.name.chars().count())
        .max()
        .unwrap_or(7)
        .max(7);
    s.push_str(&format!(
        "  {:w$}  {:<12}  {:<20}  {:<8}  details\n",
        "feature", "kind", "display name", "unit"
    ));
    for f in &schema.features {
        let mut details = Vec::new();
        if f.required {
            details.push("required".to_string());
        }
        if !f.categories.is_empty() {
            details.push(format!("{} categories", f.categories.len()));
        }
        if f.min.is_some() || f.max.is_some() {
            details.push(format!(
                "range {}..{}",
                f.min.map_or(String::new(), |v| v.to_string()),
                f.max.map_or(String::new(), |v| v.to_string())
            ));
        }
        s.push_str(&format!(
            "  {:w$}  {:<12}  {:<20}  {:<8}  {}\n",
            f.name,
            f.kind.as_str(),
            f.display(),
            f.unit.as_deref().unwrap_or("-"),
            details.join(", ")
        ));
    }
    let tiers: Vec<String> = view
        .tiers
        .tiers
        .iter()
        .map(|t| format!("{} from {:.2}", t.name, t.min_probability))
        .collect();
    s.push_str(&format!(
        "Risk tiers: {}{}\n",
        tiers.join(", "),
        if view.tiers_are_defaults {
            " (defaults)"
        } else {
            ""
        }
    ));
    s.push_str(&format!(
        "Reference: {}; labelled sample: {}\n",
        view.reference_rows
            .map_or("none (no drift figures)".into(), |r| format!(
                "{r} training rows profiled"
            )),
        view.sample_rows
            .map_or("none (no estimated AUC)".into(), |r| format!("{r} rows"))
    ));
    print!("{s}");
    Ok(())
}

#[derive(Serialize)]
struct BuildOutput {
    out: String,
    content_hash: String,
    training_rows: u64,
    training_rows_used: usize,
    labelled_rows: usize,
    sample_rows: usize,
    training_auc: Option<f64>,
}

fn build(args: BuildArgs, out: Output) -> CliResult {
    let model_name = args.model.display().to_string();
    let bytes =
        std::fs::read(&args.model).map_err(|e| Failure::io("read model", &args.model, e))?;
    // Parsed and checked by clap through the core's `RiskTiers: FromStr`.
    let tiers = args.tiers.clone();
    let file_name = |p: &Path| {
        p.file_name()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
    };
    let mut builder = BundleBuilder::new(bytes)
        .map_err(|e| Failure::core(&format!("model {model_name}"), e))?
        .provenance(&file_name(&args.model), &file_name(&args.training))
        .name(args.name.clone().unwrap_or_else(|| {
            args.model
                .file_stem()
                .map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned())
        }))
        .version(args.version.clone())
        .description(args.description.clone())
        .tiers(tiers)
        .sample_rows(args.sample_rows)
        .bins(args.bins);
    if let Some(s) = &args.source {
        builder = builder.source(s.clone());
    }
    if let Some(c) = &args.created {
        builder = builder.created(c.clone());
    }
    if let Some(s) = args.seed {
        builder = builder.seed(s);
    }
    if let Some(p) = &args.schema {
        let text = std::fs::read_to_string(p).map_err(|e| Failure::io("read schema", p, e))?;
        let toml = p
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        builder = if toml {
            builder.enrich_schema_toml(&text)
        } else {
            builder.enrich_schema_json(&text)
        }
        .map_err(|e| Failure::core(&format!("schema {}", p.display()), e))?;
    }
    let tname = format!("training {}", args.training.display());
    let file = File::open(&args.training)
        .map_err(|e| Failure::io("read training data", &args.training, e))?;
    let Built { bundle, summary } = builder
        .build_csv(file)
        .map_err(|e| Failure::core(&tname, e))?;
    bundle
        .save(&args.out)
        .map_err(|e| Failure::core(&format!("bundle {}", args.out.display()), e))?;
    let saved = Bundle::load(&args.out)
        .map_err(|e| Failure::core(&format!("bundle {}", args.out.display()), e))?;
    let result = BuildOutput {
        out: args.out.display().to_string(),
        content_hash: saved.metadata.content_hash.clone(),
        training_rows: summary.rows_read,
        training_rows_used: summary.training_rows,
        labelled_rows: summary.labelled_rows,
        sample_rows: summary.sample_rows,
        training_auc: summary.training_auc,
    };
    if out.json {
        return out.print_json(&result);
    }
    println!(
        "Built {}: {} inputs, {} trees; reference from {} of {} training rows ({} labelled{}); {} sample rows; sha256 {}",
        result.out,
        saved.schema().num_inputs(),
        saved.model().num_trees(),
        result.training_rows_used,
        result.training_rows,
        result.labelled_rows,
        result
            .training_auc
            .map_or(String::new(), |a| format!(", in-sample AUC {a:.3}")),
        result.sample_rows,
        result.content_hash
    );
    Ok(())
}

fn open_db(path: &Path, must_exist: bool) -> CliResult<OutcomeStore> {
    let name = path.display().to_string();
    if must_exist && !path.exists() {
        return Err(Failure::new(
            5,
            format!("database {name}: no such file; `churnlens score` creates it when it logs predictions"),
        ));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Failure::io("create directory", dir, e))?;
    }
    OutcomeStore::open(path).map_err(|e| Failure::core(&format!("database {name}"), e))
}

#[derive(Serialize)]
struct RecordOutput {
    database: String,
    rows: u64,
    recorded: u64,
}

pub fn record_outcome(args: RecordOutcomeArgs, out: Output) -> CliResult {
    let mut db = open_db(&args.db, false)?;
    let dbname = format!("database {}", args.db.display());
    let date = args.date.clone().unwrap_or_else(today_utc);
    let (rows, recorded) = match (&args.file, &args.customer) {
        (Some(f), _) => {
            let what = format!("outcomes {}", f.display());
            let file = File::open(f).map_err(|e| Failure::io("read outcomes", f, e))?;
            let n = db
                .record_outcomes_csv(file, &date, &args.source)
                .map_err(|e| match e {
                    churn_core::Error::Database { .. } => Failure::core(&dbname, e),
                    _ => Failure::core(&what, e),
                })?;
            (n.rows, n.recorded)
        }
        (None, Some(c)) => {
            let raw = args.churned.as_deref().unwrap_or("");
            let churned = parse_label(raw, &[]).ok_or_else(|| {
                Failure::new(
                    2,
                    format!("--churned {raw:?}: use yes/no, true/false, 1/0, churned/retained"),
                )
            })?;
            db.record_outcome(c, churned >= 0.5, &date, &args.source)
                .map_err(|e| match e {
                    churn_core::Error::Database { .. } => Failure::core(&dbname, e),
                    _ => Failure::new(2, format!("{e}")),
                })?;
            (1, 1)
        }
        (None, None) => return Err(Failure::new(2, "give --customer and --churned, or --file")),
    };
    let r = RecordOutput {
        database: args.db.display().to_string(),
        rows,
        recorded,
    };
    if out.json {
        return out.print_json(&r);
    }
    println!("Recorded {recorded} outcome(s) in {}", r.database);
    Ok(())
}

pub fn export_training(args: ExportArgs, out: Output) -> CliResult {
    let db = open_db(&args.db, true)?;
    let dbname = format!("database {}", args.db.display());
    let n = if args.out.as_os_str() == "-" {
        let stdout = std::io::stdout();
        let mut lock = stdout.lock();
        let n = db
            .export_training(&mut lock, args.model_hash.as_deref())
            .map_err(|e| Failure::core(&dbname, e))?;
        lock.flush()
            .map_err(|e| Failure::new(1, format!("cannot write stdout: {e}")))?;
        n
    } else {
        if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Failure::io("create directory", dir, e))?;
        }
        let f = File::create(&args.out).map_err(|e| Failure::io("write", &args.out, e))?;
        let mut w = BufWriter::new(f);
        let n = db
            .export_training(&mut w, args.model_hash.as_deref())
            .map_err(|e| Failure::core(&dbname, e))?;
        w.flush().map_err(|e| Failure::io("write", &args.out, e))?;
        if out.json {
            out.print_json(&serde_json::json!({"out": args.out.display().to_string(), "rows": n}))?;
        } else {
            println!("Wrote {n} labelled rows to {}", args.out.display());
        }
        return Ok(());
    };
    out.note(&format!("{n} labelled rows"));
    Ok(())
}

pub fn performance(args: PerformanceArgs, out: Output) -> CliResult {
    let db = open_db(&args.db, true)?;
    let p = db
        .performance(args.model_hash.as_deref())
        .map_err(|e| Failure::core(&format!("database {}", args.db.display()), e))?;
    if out.json {
        return out.print_json(&p);
    }
    print!("{}", p.to_text());
    Ok(())
}
