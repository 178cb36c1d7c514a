//! Outcome tracking (cargo feature `sqlite`): every prediction logged, real outcomes
//! recorded, a labelled training table exported, and the model's realised accuracy measured.
//!
//! # Database (SQLite, one file, schema version 1)
//!
//! ```text
//! models       content_hash PK, name, version, feature_names (JSON array), first_seen
//! runs         run_id PK, started_at, finished_at, model_hash, source, rows_read, rows_scored, rows_rejected
//! predictions  id PK, run_id, customer_id, model_hash, model_version, scored_at, probability, tier,
//!              features (JSON object: feature -> value)
//! outcomes     customer_id PK, churned (0/1), observed_on (YYYY-MM-DD), recorded_at, source
//! ```
//!
//! Times are UTC, ISO 8601 (`2026-11-28T19:10:10Z`). Logged feature values are what the model
//! saw, in the words of the schema: category names for categorical features, numbers
//! otherwise (1/0 for yes/no), `null` when missing. Rows without a customer id are not logged:
//! no outcome could ever be joined to them.
//!
//! # Joining predictions and outcomes
//!
//! A customer's outcome is matched with their **latest prediction made on or before the day
//! the outcome was observed** (a prediction made after the fact would leak the answer), of
//! the chosen model when one is given. [`OutcomeStore::export_training`] writes these pairs
//! as a labelled table; [`OutcomeStore::performance`] measures them: realised AUC,
//! calibration by decile of predicted probability, hit rate (share churned) per tier, Brier
//! score.
//!
//! ```
//! use churn_core::outcomes::OutcomeStore;
//! use churn_core::pipeline::{Flow, Pipeline};
//! let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
//! let mut db = OutcomeStore::open_in_memory()?;
//! let pipeline = Pipeline::new(&bundle, Default::default())?;
//! let run = db.begin_run(&bundle, pipeline.tiers(), "telco.csv", "2026-01-05T09:00:00Z")?;
//! let input = std::fs::File::open("../examples/data/telco.csv").unwrap();
//! let mut log_error = None;
//! let summary = pipeline.score_with(input, Default::default(), &mut |chunk| {
//!     if let Err(e) = db.log_chunk(&run, chunk) { log_error = Some(e); return Ok(Flow::Stop); }
//!     Ok(Flow::Continue)
//! })?;
//! assert!(log_error.is_none());
//! db.finish_run(&run, &summary, "2026-01-05T09:01:00Z")?;
//! db.record_outcome("7590-VHVEG", true, "2026-03-01", "crm")?;
//! db.record_outcome("5575-GNVDE", false, "2026-03-01", "crm")?;
//! let perf = db.performance(None)?;
//! assert_eq!(perf.rows, 2);
//! let mut table = Vec::new();
//! assert_eq!(db.export_training(&mut table, None)?, 2);
//! # Ok::<(), churn_core::Error>(())
//! ```

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::bundle::{Bundle, RiskTiers};
use crate::error::{Error, Result};
use crate::intake::normalize::{self, parse_date, parse_label};
use crate::intake::schema::{FeatureSpec, ValueKind};
use crate::run::pipeline::{ChunkReader, ReadOptions, RunSummary, ScoredChunk};

const SCHEMA_VERSION: i64 = 1;

// The clock moved to the crate root (bundle metadata stamps times too); the old paths stay.
pub use crate::clock::{now_utc, today_utc};

/// A run being logged: the model, the tier names and the schema inputs, for
/// [`OutcomeStore::log_chunk`].
///
/// ```
/// # let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let mut db = churn_core::outcomes::OutcomeStore::open_in_memory()?;
/// let run = db.begin_run(&bundle, &churn_core::risk::default_tiers(), "x.csv", "2026-01-01T00:00:00Z")?;
/// assert!(run.run_id > 0);
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct RunLog {
    /// The run's id in the `runs` table.
    pub run_id: i64,
    /// The bundle's content hash.
    pub model_hash: String,
    /// The bundle's version.
    pub model_version: String,
    /// When the predictions are stamped.
    pub scored_at: String,
    tier_names: Vec<String>,
    inputs: Vec<FeatureSpec>,
}

/// What [`OutcomeStore::log_chunk`] did.
///
/// ```
/// let c = churn_core::outcomes::LogCounts::default();
/// assert_eq!(c.logged + c.without_id, 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogCounts {
    /// Predictions written.
    pub logged: u64,
    /// Scored rows not logged because they have no customer id.
    pub without_id: u64,
}

/// Rows in each table.
///
/// ```
/// let db = churn_core::outcomes::OutcomeStore::open_in_memory()?;
/// assert_eq!(db.counts()?.predictions, 0);
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreCounts {
    /// Models seen.
    pub models: u64,
    /// Scoring runs logged.
    pub runs: u64,
    /// Predictions logged.
    pub predictions: u64,
    /// Customers with a recorded outcome.
    pub outcomes: u64,
}

/// One decile of predicted probability (equal-count groups, lowest first).
///
/// ```
/// let d = churn_core::outcomes::Decile { decile: 1, rows: 10, min_probability: 0.0, max_probability: 0.1, mean_predicted: 0.05, observed_rate: 0.1 };
/// assert_eq!(d.decile, 1);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decile {
    /// 1 (lowest probabilities) to 10.
    pub decile: usize,
    /// Customers in the decile.
    pub rows: u64,
    /// Lowest predicted probability in it.
    pub min_probability: f64,
    /// Highest predicted probability in it.
    pub max_probability: f64,
    /// Mean predicted probability.
    pub mean_predicted: f64,
    /// Share that churned.
    pub observed_rate: f64,
}

/// Outcomes of one tier.
///
/// ```
/// let t = churn_core::outcomes::TierHitRate { tier: "high".into(), rows: 4, churned: 3, hit_rate: 0.75, mean_predicted: 0.7 };
/// assert_eq!(t.hit_rate, 0.75);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TierHitRate {
    /// Tier name as logged.
    pub tier: String,
    /// Customers predicted in the tier.
    pub rows: u64,
    /// Of which churned.
    pub churned: u64,
    /// `churned / rows`.
    pub hit_rate: f64,
    /// Mean predicted probability in the tier.
    pub mean_predicted: f64,
}

/// Realised accuracy of past predictions (see the module docs for the join).
///
/// ```
/// let db = churn_core::outcomes::OutcomeStore::open_in_memory()?;
/// let p = db.performance(None)?;
/// assert_eq!((p.rows, p.auc), (0, None));
/// assert!(p.to_text().contains("no outcomes"));
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Performance {
    /// The model hash the figures are restricted to, if any.
    pub model_hash: Option<String>,
    /// Customers with an outcome and a prediction before it.
    pub rows: u64,
    /// Of which churned.
    pub churned: u64,
    /// Customers with an outcome but no earlier prediction (not counted above).
    pub unmatched_outcomes: u64,
    /// ROC AUC of the predictions against what happened; `None` without both outcomes.
    pub auc: Option<f64>,
    /// Mean squared difference between probability and outcome.
    pub brier: Option<f64>,
    /// Mean predicted probability.
    pub mean_predicted: Option<f64>,
    /// Share that churned.
    pub observed_rate: Option<f64>,
    /// Calibration by decile of predicted probability (fewer groups below 10 customers).
    pub calibration: Vec<Decile>,
    /// Hit rate per tier, lowest mean probability first.
    pub tiers: Vec<TierHitRate>,
}

impl Performance {
    /// The figures as readable text.
    ///
    /// ```
    /// let p = churn_core::outcomes::Performance { rows: 3, churned: 1, auc: Some(0.5), ..Default::default() };
    /// assert!(p.to_text().contains("AUC 0.500"));
    /// ```
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let _ = writeln!(s, "Realised performance of logged predictions");
        if let Some(h) = &self.model_hash {
            let _ = writeln!(s, "Model: {h}");
        }
        if self.rows == 0 {
            let _ = writeln!(
                s,
                "  no outcomes matched to an earlier prediction yet ({} outcomes without one); \
                 record outcomes with `record-outcome`",
                self.unmatched_outcomes
            );
            return s;
        }
        let _ = writeln!(
            s,
            "  {} customers with outcomes, {} churned ({:.1}%); {} outcomes without an earlier prediction",
            self.rows,
            self.churned,
            100.0 * self.churned as f64 / self.rows as f64,
            self.unmatched_outcomes
        );
        let _ = writeln!(
            s,
            "  AUC {}   Brier {}   mean predicted {}",
            self.auc
                .map_or("n/a (needs both outcomes)".into(), |a| format!("{a:.3}")),
            self.brier.map_or("n/a".into(), |b| format!("{b:.4}")),
            self.mean_predicted
                .map_or("n/a".into(), |m| format!("{:.1}%", 100.0 * m))
        );
        let _ = writeln!(s, "\nCalibration by decile of predicted probability");
        let _ = writeln!(s, "  decile  rows   p range          predicted  observed");
        for d in &self.calibration {
            let _ = writeln!(
                s,
                "  {:>6}  {:>5}  {:.3} - {:.3}  {:>8.1}%  {:>7.1}%",
                d.decile,
                d.rows,
                d.min_probability,
                d.max_probability,
                100.0 * d.mean_predicted,
                100.0 * d.observed_rate
            );
        }
        let _ = writeln!(s, "\nHit rate per tier");
        for t in &self.tiers {
            let _ = writeln!(
                s,
                "  {:<8} {:>6} customers, {:>6} churned: {:>5.1}% (predicted {:.1}%)",
                t.tier,
                t.rows,
                t.churned,
                100.0 * t.hit_rate,
                100.0 * t.mean_predicted
            );
        }
        s
    }
}

/// How many outcome rows a CSV import recorded.
///
/// ```
/// let i = churn_core::outcomes::OutcomeImport::default();
/// assert_eq!(i.recorded, 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeImport {
    /// Data rows read.
    pub rows: u64,
    /// Outcomes recorded (new or replaced).
    pub recorded: u64,
    /// Rows skipped because every cell was blank.
    pub blank: u64,
}

/// The prediction and outcome log in one SQLite file.
///
/// ```
/// let mut db = churn_core::outcomes::OutcomeStore::open_in_memory()?;
/// db.record_outcome("C-1", true, "2026-02-01", "test")?;
/// assert_eq!(db.counts()?.outcomes, 1);
/// # Ok::<(), churn_core::Error>(())
/// ```
pub struct OutcomeStore {
    conn: Connection,
    path: String,
}

impl std::fmt::Debug for OutcomeStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutcomeStore")
            .field("path", &self.path)
            .finish()
    }
}

impl OutcomeStore {
    /// Opens (creating if needed) a database file.
    ///
    /// ```no_run
    /// let db = churn_core::outcomes::OutcomeStore::open("churnlens.db")?;
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<OutcomeStore> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let conn = Connection::open(path).map_err(|e| Error::database(name.clone(), e))?;
        OutcomeStore::init(conn, name)
    }

    /// An in-memory database (for tests and one-off checks).
    ///
    /// ```
    /// assert_eq!(churn_core::outcomes::OutcomeStore::open_in_memory()?.path(), ":memory:");
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn open_in_memory() -> Result<OutcomeStore> {
        let conn = Connection::open_in_memory().map_err(|e| Error::database(":memory:", e))?;
        OutcomeStore::init(conn, ":memory:".into())
    }

    /// The database's path.
    ///
    /// ```
    /// assert_eq!(churn_core::outcomes::OutcomeStore::open_in_memory()?.path(), ":memory:");
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        Error::database(self.path.clone(), e)
    }

    fn init(conn: Connection, path: String) -> Result<OutcomeStore> {
        let store = OutcomeStore { conn, path };
        store
            .conn
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 CREATE TABLE IF NOT EXISTS models (
                     content_hash TEXT PRIMARY KEY, name TEXT NOT NULL, version TEXT NOT NULL,
                     feature_names TEXT NOT NULL, first_seen TEXT NOT NULL);
                 CREATE TABLE IF NOT EXISTS runs (
                     run_id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL,
                     finished_at TEXT, model_hash TEXT NOT NULL, source TEXT NOT NULL,
                     rows_read INTEGER, rows_scored INTEGER, rows_rejected INTEGER);
                 CREATE TABLE IF NOT EXISTS predictions (
                     id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, customer_id TEXT NOT NULL,
                     model_hash TEXT NOT NULL, model_version TEXT NOT NULL, scored_at TEXT NOT NULL,
                     probability REAL NOT NULL, tier TEXT NOT NULL, features TEXT NOT NULL);
                 CREATE INDEX IF NOT EXISTS predictions_by_customer
                     ON predictions (customer_id, scored_at);
                 CREATE TABLE IF NOT EXISTS outcomes (
                     customer_id TEXT PRIMARY KEY, churned INTEGER NOT NULL,
                     observed_on TEXT NOT NULL, recorded_at TEXT NOT NULL, source TEXT NOT NULL);",
            )
            .map_err(|e| store.err(e))?;
        let version: Option<String> = store
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| store.err(e))?;
        match version.as_deref().map(str::parse::<i64>) {
            None => {
                store
                    .conn
                    .execute(
                        "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)",
                        params![SCHEMA_VERSION.to_string()],
                    )
                    .map_err(|e| store.err(e))?;
            }
            Some(Ok(SCHEMA_VERSION)) => {}
            Some(v) => {
                return Err(Error::Database {
                    path: store.path.clone(),
                    reason: format!(
                        "the database has schema version {v:?}; this churnlens reads version {SCHEMA_VERSION}"
                    ),
                    source: None,
                })
            }
        }
        Ok(store)
    }

    /// Rows per table.
    ///
    /// ```
    /// let db = churn_core::outcomes::OutcomeStore::open_in_memory()?;
    /// assert_eq!(db.counts()?, Default::default());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn counts(&self) -> Result<StoreCounts> {
        let count = |table: &str| -> Result<u64> {
            self.conn
                .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| {
                    r.get::<_, i64>(0)
                })
                .map(|n| n as u64)
                .map_err(|e| self.err(e))
        };
        Ok(StoreCounts {
            models: count("models")?,
            runs: count("runs")?,
            predictions: count("predictions")?,
            outcomes: count("outcomes")?,
        })
    }

    /// Starts logging a scoring run: registers the model (hash, name, version, feature names)
    /// and the run; `started_at` stamps its predictions (use [`now_utc`]).
    ///
    /// ```
    /// # let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let mut db = churn_core::outcomes::OutcomeStore::open_in_memory()?;
    /// db.begin_run(&bundle, &churn_core::risk::default_tiers(), "a.csv", "2026-01-01T00:00:00Z")?;
    /// assert_eq!((db.counts()?.models, db.counts()?.runs), (1, 1));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn begin_run(
        &mut self,
        bundle: &Bundle,
        tiers: &RiskTiers,
        source: &str,
        started_at: &str,
    ) -> Result<RunLog> {
        let inputs: Vec<FeatureSpec> = bundle.schema().inputs().cloned().collect();
        let names: Vec<&str> = inputs.iter().map(|f| f.name.as_str()).collect();
        let names_json = serde_json::to_string(&names).unwrap_or_else(|_| "[]".into());
        let m = &bundle.metadata;
        self.conn
            .execute(
                "INSERT OR IGNORE INTO models (content_hash, name, version, feature_names, first_seen)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![m.content_hash, m.name, m.version, names_json, started_at],
            )
            .map_err(|e| self.err(e))?;
        self.conn
            .execute(
                "INSERT INTO runs (started_at, model_hash, source) VALUES (?1, ?2, ?3)",
                params![started_at, m.content_hash, source],
            )
            .map_err(|e| self.err(e))?;
        Ok(RunLog {
            run_id: self.conn.last_insert_rowid(),
            model_hash: m.content_hash.clone(),
            model_version: m.version.clone(),
            scored_at: started_at.to_string(),
            tier_names: tiers.tiers.iter().map(|t| t.name.clone()).collect(),
            inputs,
        })
    }

    /// Logs the scored rows of a chunk (one transaction). Rows without a customer id are
    /// counted, not logged.
    ///
    /// See the [module example](self).
    ///
    /// ```
    /// # use churn_core::pipeline::{Flow, Pipeline};
    /// # let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let mut db = churn_core::outcomes::OutcomeStore::open_in_memory()?;
    /// let p = Pipeline::new(&bundle, Default::default())?;
    /// let run = db.begin_run(&bundle, p.tiers(), "inline", "2026-01-01T00:00:00Z")?;
    /// let mut counts = Vec::new();
    /// p.score_with(&b"customerID,tenure,Contract,MonthlyCharges\nA,2,One year,30\n,3,One year,30\n"[..],
    ///     Default::default(), &mut |c| { counts.push(db.log_chunk(&run, c)); Ok(Flow::Continue) })?;
    /// let c = counts.pop().unwrap()?;
    /// assert_eq!((c.logged, c.without_id), (1, 1));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn log_chunk(&mut self, run: &RunLog, chunk: &ScoredChunk) -> Result<LogCounts> {
        let path = self.path.clone();
        let dberr = |e: rusqlite::Error| Error::database(path.clone(), e);
        let tx = self.conn.transaction().map_err(dberr)?;
        let mut counts = LogCounts::default();
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO predictions (run_id, customer_id, model_hash, model_version,
                     scored_at, probability, tier, features) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(dberr)?;
            let mut json = String::new();
            for i in 0..chunk.probabilities.len() {
                let Some(id) = chunk.customer_ids.get(i).and_then(|c| c.as_deref()) else {
                    counts.without_id += 1;
                    continue;
                };
                json.clear();
                features_json(
                    &run.inputs,
                    chunk.features.row(i).iter().copied(),
                    &mut json,
                );
                let tier = chunk
                    .tiers
                    .get(i)
                    .and_then(|&t| run.tier_names.get(t))
                    .map_or("", String::as_str);
                stmt.execute(params![
                    run.run_id,
                    id,
                    run.model_hash,
                    run.model_version,
                    run.scored_at,
                    chunk.probabilities[i],
                    tier,
                    json
                ])
                .map_err(dberr)?;
                counts.logged += 1;
            }
        }
        tx.commit().map_err(dberr)?;
        Ok(counts)
    }

    /// Closes a run's record with its counts.
    ///
    /// ```
    /// # let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// # let p = churn_core::pipeline::Pipeline::new(&bundle, Default::default())?;
    /// let mut db = churn_core::outcomes::OutcomeStore::open_in_memory()?;
    /// let run = db.begin_run(&bundle, p.tiers(), "inline", "2026-01-01T00:00:00Z")?;
    /// let s = p.score(&b"tenure,Contract,MonthlyCharges\n2,One year,30\n"[..], Default::default())?;
    /// db.finish_run(&run, &s, "2026-01-01T00:00:01Z")?;
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn finish_run(
        &mut self,
        run: &RunLog,
        summary: &RunSummary,
        finished_at: &str,
    ) -> Result<()> {
        self.conn
            .execute(
                "UPDATE runs SET finished_at = ?1, rows_read = ?2, rows_scored = ?3, rows_rejected = ?4
                 WHERE run_id = ?5",
                params![
                    finished_at,
                    summary.rows_read as i64,
                    summary.rows_scored as i64,
                    summary.rows_rejected as i64,
                    run.run_id
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Records (or replaces) one customer's outcome. `observed_on` is any date
    /// [`parse_date`] reads; it is stored as `YYYY-MM-DD`.
    ///
    /// ```
    /// let mut db = churn_core::outcomes::OutcomeStore::open_in_memory()?;
    /// db.record_outcome("C-1", false, "03/01/2026", "crm")?;
    /// assert!(db.record_outcome("C-1", false, "someday", "crm").is_err());
    /// assert!(db.record_outcome(" ", false, "2026-01-01", "crm").is_err());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn record_outcome(
        &mut self,
        customer_id: &str,
        churned: bool,
        observed_on: &str,
        source: &str,
    ) -> Result<()> {
        let id = check_id(customer_id, 0)?;
        let date = check_date(observed_on, 0, "date")?;
        self.conn
            .execute(
                UPSERT_OUTCOME,
                params![id, churned as i64, date, now_utc(), source],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Records the outcomes of a CSV (delimiter and encoding sniffed). Columns, found by name
    /// (case, spaces and punctuation ignored): customer id (`customer_id`, `customerID`, `id`,
    /// `customer`, `cust id`, ...), outcome (`churned`, `churn`, `outcome`, `label`, ...: yes/no,
    /// 1/0, true/false, churned/retained) and optionally the date (`date`, `observed_on`,
    /// `churn_date`, ...; `default_date` when absent or blank). All or nothing: the first bad
    /// cell is an [`Error::Record`] naming its row and column, and nothing is recorded.
    ///
    /// ```
    /// let mut db = churn_core::outcomes::OutcomeStore::open_in_memory()?;
    /// let csv = "Customer ID;Churned;Date\nA;yes;2026-02-01\nB;No;\n";
    /// let n = db.record_outcomes_csv(csv.as_bytes(), "2026-03-01", "import")?;
    /// assert_eq!((n.rows, n.recorded), (2, 2));
    /// let err = db.record_outcomes_csv(&b"id,churned\nC,maybe\n"[..], "2026-03-01", "import").unwrap_err();
    /// assert!(err.to_string().contains("row 1, column `churned`"));
    /// assert_eq!(db.counts()?.outcomes, 2);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn record_outcomes_csv<R: Read>(
        &mut self,
        input: R,
        default_date: &str,
        source: &str,
    ) -> Result<OutcomeImport> {
        let default_date = check_date(default_date, 0, "default date")?;
        let mut reader = ChunkReader::new(input, &ReadOptions::default())?;
        let headers = reader.headers().to_vec();
        let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
        let find = |names: &[&str]| keys.iter().position(|k| names.contains(&k.as_str()));
        let id_col = find(&[
            "customerid",
            "customer",
            "id",
            "custid",
            "clientid",
            "accountid",
            "account",
            "customernumber",
            "customerno",
        ])
        .ok_or_else(|| Error::Record {
            row: 0,
            column: "customer_id".into(),
            reason: format!(
                "no customer-id column (looked for customer_id, customerID, id, ...); header: {}",
                headers.join(", ")
            ),
        })?;
        let churn_col = find(&[
            "churned",
            "churn",
            "outcome",
            "label",
            "churnlabel",
            "churnvalue",
            "exited",
            "attrited",
            "cancelled",
            "canceled",
            "left",
        ])
        .ok_or_else(|| Error::Record {
            row: 0,
            column: "churned".into(),
            reason: format!(
                "no outcome column (looked for churned, churn, outcome, label, ...); header: {}",
                headers.join(", ")
            ),
        })?;
        let date_col = find(&[
            "date",
            "observedon",
            "observed",
            "churndate",
            "outcomedate",
            "asof",
            "asofdate",
            "enddate",
            "cancellationdate",
        ]);
        let mut import = OutcomeImport::default();
        let recorded_at = now_utc();
        let path = self.path.clone();
        let dberr = |e: rusqlite::Error| Error::database(path.clone(), e);
        let tx = self.conn.transaction().map_err(dberr)?;
        {
            let mut stmt = tx.prepare_cached(UPSERT_OUTCOME).map_err(dberr)?;
            while let Some(chunk) = reader.next_chunk()? {
                for (i, cells) in chunk.table.rows.iter().enumerate() {
                    let row = chunk.table.row_number(i);
                    import.rows += 1;
                    if cells.iter().all(|c| normalize::is_missing(c)) {
                        import.blank += 1;
                        continue;
                    }
                    let cell = |c: usize| cells.get(c).map_or("", String::as_str);
                    let id =
                        check_id(cell(id_col), row).map_err(|e| rename(e, &headers[id_col]))?;
                    let raw = cell(churn_col);
                    let churned = parse_label(raw, &[]).ok_or_else(|| Error::Record {
                        row,
                        column: headers[churn_col].clone(),
                        reason: format!(
                            "{raw:?} is not an outcome (yes/no, 1/0, true/false, churned/retained)"
                        ),
                    })?;
                    let date = match date_col {
                        Some(c) if !normalize::is_missing(cell(c)) => {
                            check_date(cell(c), row, &headers[c])?
                        }
                        _ => default_date.clone(),
                    };
                    stmt.execute(params![
                        id,
                        (churned >= 0.5) as i64,
                        date,
                        recorded_at,
                        source
                    ])
                    .map_err(dberr)?;
                    import.recorded += 1;
                }
            }
        }
        tx.commit().map_err(dberr)?;
        Ok(import)
    }

    /// Streams the (outcome, latest earlier prediction) pairs, optionally of one model.
    fn joined<F>(&self, model_hash: Option<&str>, mut each: F) -> Result<()>
    where
        F: FnMut(JoinedRow) -> Result<()>,
    {
        let sql = "SELECT o.customer_id, o.churned, o.observed_on, p.scored_at, p.probability,
                          p.tier, p.features, p.model_hash, p.model_version
                   FROM outcomes o JOIN predictions p ON p.id = (
                       SELECT p2.id FROM predictions p2
                       WHERE p2.customer_id = o.customer_id
                         AND substr(p2.scored_at, 1, 10) <= o.observed_on
                         AND (?1 IS NULL OR p2.model_hash = ?1)
                       ORDER BY p2.scored_at DESC, p2.id DESC LIMIT 1)
                   ORDER BY o.customer_id";
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.err(e))?;
        let mut rows = stmt.query(params![model_hash]).map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let get = |r: &rusqlite::Row<'_>| -> rusqlite::Result<JoinedRow> {
                Ok(JoinedRow {
                    customer_id: r.get(0)?,
                    churned: r.get::<_, i64>(1)? != 0,
                    observed_on: r.get(2)?,
                    scored_at: r.get(3)?,
                    probability: r.get(4)?,
                    tier: r.get(5)?,
                    features: r.get(6)?,
                    model_hash: r.get(7)?,
                    model_version: r.get(8)?,
                })
            };
            each(get(r).map_err(|e| self.err(e))?)?;
        }
        Ok(())
    }

    /// Writes the labelled training table as CSV: `customer_id`, the model's features (in
    /// model order; the union over models when several were used), `churned` (1/0),
    /// `probability`, `tier`, `scored_at`, `observed_on`, `model_hash`, `model_version`.
    /// Returns the number of rows.
    ///
    /// ```
    /// let db = churn_core::outcomes::OutcomeStore::open_in_memory()?;
    /// let mut out = Vec::new();
    /// assert_eq!(db.export_training(&mut out, None)?, 0);
    /// assert!(String::from_utf8(out).unwrap().starts_with("customer_id,churned,"));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn export_training<W: Write>(&self, out: W, model_hash: Option<&str>) -> Result<u64> {
        let mut features: Vec<String> = Vec::new();
        {
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT feature_names FROM models WHERE (?1 IS NULL OR content_hash = ?1)
                     ORDER BY first_seen, content_hash",
                )
                .map_err(|e| self.err(e))?;
            let names = stmt
                .query_map(params![model_hash], |r| r.get::<_, String>(0))
                .map_err(|e| self.err(e))?;
            for n in names {
                let n = n.map_err(|e| self.err(e))?;
                let list: Vec<String> = serde_json::from_str(&n).unwrap_or_default();
                for f in list {
                    if !features.contains(&f) {
                        features.push(f);
                    }
                }
            }
        }
        let werr = |e: csv::Error| Error::Write {
            target: "training table".into(),
            source: e.into(),
        };
        let mut w = csv::WriterBuilder::new().flexible(true).from_writer(out);
        let mut header: Vec<&str> = vec!["customer_id", "churned"];
        header.extend(features.iter().map(String::as_str));
        header.extend([
            "probability",
            "tier",
            "scored_at",
            "observed_on",
            "model_hash",
            "model_version",
        ]);
        w.write_record(&header).map_err(werr)?;
        let mut n = 0u64;
        self.joined(model_hash, |row| {
            let values: BTreeMap<String, serde_json::Value> =
                serde_json::from_str(&row.features).unwrap_or_default();
            let mut record: Vec<String> =
                vec![row.customer_id, if row.churned { "1" } else { "0" }.into()];
            for f in &features {
                record.push(match values.get(f) {
                    None | Some(serde_json::Value::Null) => String::new(),
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                });
            }
            record.extend([
                format!("{:.6}", row.probability),
                row.tier,
                row.scored_at,
                row.observed_on,
                row.model_hash,
                row.model_version,
            ]);
            w.write_record(&record).map_err(werr)?;
            n += 1;
            Ok(())
        })?;
        w.flush().map_err(|source| Error::Write {
            target: "training table".into(),
            source,
        })?;
        Ok(n)
    }

    /// Realised AUC, calibration by decile and tier hit rates of past predictions, optionally
    /// of one model (see the module docs for how predictions and outcomes are paired).
    ///
    /// ```
    /// let mut db = churn_core::outcomes::OutcomeStore::open_in_memory()?;
    /// db.record_outcome("nobody-predicted", true, "2026-01-01", "crm")?;
    /// let p = db.performance(None)?;
    /// assert_eq!((p.rows, p.unmatched_outcomes), (0, 1));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn performance(&self, model_hash: Option<&str>) -> Result<Performance> {
        let mut pairs: Vec<(f64, f64, String)> = Vec::new();
        self.joined(model_hash, |row| {
            pairs.push((
                row.probability,
                if row.churned { 1.0 } else { 0.0 },
                row.tier,
            ));
            Ok(())
        })?;
        let outcomes = self.counts()?.outcomes;
        let n = pairs.len();
        let mut perf = Performance {
            model_hash: model_hash.map(str::to_string),
            rows: n as u64,
            churned: pairs.iter().filter(|p| p.1 == 1.0).count() as u64,
            unmatched_outcomes: outcomes.saturating_sub(n as u64),
            ..Performance::default()
        };
        if n == 0 {
            return Ok(perf);
        }
        let scores: Vec<f64> = pairs.iter().map(|p| p.0).collect();
        let labels: Vec<f64> = pairs.iter().map(|p| p.1).collect();
        perf.auc = crate::report::quality::auc(&scores, &labels);
        perf.brier = Some(pairs.iter().map(|p| (p.0 - p.1).powi(2)).sum::<f64>() / n as f64);
        perf.mean_predicted = Some(scores.iter().sum::<f64>() / n as f64);
        perf.observed_rate = Some(perf.churned as f64 / n as f64);
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let groups = n.min(10);
        for g in 0..groups {
            let (lo, hi) = (g * n / groups, (g + 1) * n / groups);
            let part = &pairs[lo..hi];
            if part.is_empty() {
                continue;
            }
            let m = part.len() as f64;
            perf.calibration.push(Decile {
                decile: g + 1,
                rows: part.len() as u64,
                min_probability: part[0].0,
                max_probability: part[part.len() - 1].0,
                mean_predicted: part.iter().map(|p| p.0).sum::<f64>() / m,
                observed_rate: part.iter().map(|p| p.1).sum::<f64>() / m,
            });
        }
        let mut tiers: BTreeMap<String, (u64, u64, f64)> = BTreeMap::new();
        for (p, l, t) in &pairs {
            let e = tiers.entry(t.clone()).or_default();
            e.0 += 1;
            e.1 += *l as u64;
            e.2 += p;
        }
        perf.tiers = tiers
            .into_iter()
            .map(|(tier, (rows, churned, sum))| TierHitRate {
                tier,
                rows,
                churned,
                hit_rate: churned as f64 / rows as f64,
                mean_predicted: sum / rows as f64,
            })
            .collect();
        perf.tiers
            .sort_by(|a, b| a.mean_predicted.total_cmp(&b.mean_predicted));
        Ok(perf)
    }
}

struct JoinedRow {
    customer_id: String,
    churned: bool,
    observed_on: String,
    scored_at: String,
    probability: f64,
    tier: String,
    features: String,
    model_hash: String,
    model_version: String,
}

const UPSERT_OUTCOME: &str =
    "INSERT INTO outcomes (customer_id, churned, observed_on, recorded_at, source)
     VALUES (?1, ?2, ?3, ?4, ?5)
     ON CONFLICT (customer_id) DO UPDATE SET churned = excluded.churned,
         observed_on = excluded.observed_on, recorded_at = excluded.recorded_at,
         source = excluded.source";

fn header_key(h: &str) -> String {
    h.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn check_id(raw: &str, row: u64) -> Result<String> {
    if normalize::is_missing(raw) {
        return Err(Error::Record {
            row,
            column: "customer_id".into(),
            reason: "the customer id is blank".into(),
        });
    }
    // The same key the validator and the prediction log use.
    Ok(raw.trim().chars().take(100).collect())
}

fn rename(e: Error, column: &str) -> Error {
    match e {
        Error::Record { row, reason, .. } => Error::Record {
            row,
            column: column.to_string(),
            reason,
        },
        other => other,
    }
}

fn check_date(raw: &str, row: u64, column: &str) -> Result<String> {
    parse_date(raw)
        .map(|d| d.to_string())
        .ok_or_else(|| Error::Record {
            row,
            column: column.to_string(),
            reason: format!("{raw:?} is not a date (use YYYY-MM-DD)"),
        })
}

/// The model inputs of one row as a JSON object in the schema's words (see the module docs).
fn features_json(inputs: &[FeatureSpec], values: impl Iterator<Item = f64>, out: &mut String) {
    use std::fmt::Write as _;
    out.push('{');
    for (k, (spec, v)) in inputs.iter().zip(values).enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(&spec.name).unwrap_or_else(|_| "\"?\"".into()));
        out.push(':');
        if v.is_nan() {
            out.push_str("null");
        } else if spec.kind == ValueKind::Categorical && !spec.categories.is_empty() {
            let name = crate::report::reference::category_name(spec, v);
            out.push_str(&serde_json::to_string(&name).unwrap_or_else(|_| "null".into()));
        } else if v.is_finite() {
            let _ = write!(out, "{v}");
        } else {
            out.push_str("null");
        }
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leakage_is_excluded_and_latest_prediction_wins() {
        let bundle = Bundle::load("../examples/demo/telco_bundle.json").unwrap();
        let p = crate::run::pipeline::Pipeline::new(&bundle, Default::default()).unwrap();
        let mut db = OutcomeStore::open_in_memory().unwrap();
        let csv =
            "customerID,tenure,Contract,MonthlyCharges\nA,2,Month-to-month,90\nB,60,Two year,20\n";
        for (when, tenure_a) in [
            ("2026-01-01T00:00:00Z", 2),
            ("2026-02-01T00:00:00Z", 50),
            ("2026-06-01T00:00:00Z", 70),
        ] {
            let run = db.begin_run(&bundle, p.tiers(), "t", when).unwrap();
            let text = csv.replace("A,2,", &format!("A,{tenure_a},"));
            let mut res = Ok(LogCounts::default());
            p.score_with(text.as_bytes(), Default::default(), &mut |c| {
                res = db.log_chunk(&run, c);
                Ok(crate::run::pipeline::Flow::Continue)
            })
            .unwrap();
            assert_eq!(res.unwrap().logged, 2);
        }
        db.record_outcome("A", true, "2026-03-01", "t").unwrap();
        db.record_outcome("B", false, "2026-03-01", "t").unwrap();
        db.record_outcome("Z", false, "2026-03-01", "t").unwrap();
        let mut out = Vec::new();
        assert_eq!(db.export_training(&mut out, None).unwrap(), 2);
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // The February prediction (tenure 50) is the latest before March; June's is later.
        assert!(lines[1].starts_with("A,1,"), "{}", lines[1]);
        assert!(lines[1].contains(",50,"), "{}", lines[1]);
        assert!(lines[1].contains("2026-02-01T00:00:00Z"));
        assert!(lines[1].contains("Month-to-month"));
        let perf = db.performance(None).unwrap();
        assert_eq!(
            (perf.rows, perf.churned, perf.unmatched_outcomes),
            (2, 1, 1)
        );
        assert!(perf.auc.is_some());
        let none = db.performance(Some("nope")).unwrap();
        assert_eq!(none.rows, 0);
        // Replacing an outcome keeps one row per customer.
        db.record_outcome("A", false, "2026-03-02", "t").unwrap();
        assert_eq!(db.counts().unwrap().outcomes, 3);
    }

    #[test]
    fn features_json_is_valid() {
        let b = Bundle::load("../examples/demo/telco_bundle.json").unwrap();
        let inputs: Vec<FeatureSpec> = b.schema().inputs().cloned().collect();
        let mut s = String::new();
        let mut row = vec![1.0; inputs.len()];
        row[0] = f64::NAN;
        features_json(&inputs, row.into_iter(), &mut s);
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert!(v["gender"].is_null());
        assert_eq!(v["Contract"], "One year");
        assert_eq!(v["tenure"], 1.0);
    }
}
