//! The streaming pipeline: a customer export of any size in, scored customers with their
//! reasons, rejected rows with theirs, and a [`RunSummary`] out.
//!
//! ```text
//! bytes -> sniff (encoding, BOM, delimiter) -> ChunkReader (header row, then chunks of rows)
//!       -> mapping (once: header + first rows)
//!       -> per chunk: validate -> profile -> predict -> SHAP -> tier -> reasons -> render
//!       -> writers, in input order (scored CSV, scored JSON lines, rejects CSV)
//! ```
//!
//! Every stage is a function over one chunk with no hidden state ([`sniff`],
//! [`ChunkReader::next_chunk`], [`map_columns`], [`validate`], [`profile_chunk`],
//! [`Model::predict`](crate::Model::predict), [`Model::shap_values`](crate::Model::shap_values),
//! [`tier_index`], [`Explainer::explain`]); [`Pipeline`] only composes them. It takes any
//! [`Read`] and [`Write`]rs, so it runs the same on files, sockets and in-memory bytes (WASM).
//!
//! # Memory and parallelism
//!
//! With the `parallel` feature (the default), a wave of up to `parallel_chunks` chunks
//! (default: the rayon pool's thread count, at most 4) is scored at once on the current rayon
//! pool while the calling thread writes the previous wave and reads the next: at most three
//! waves are alive, so memory depends on `chunk_rows` and `parallel_chunks` (about
//! `3 x parallel_chunks x 25 MB` with the default 8,192-row chunks of a 25-column export), not
//! on the input's size. Outputs are
//! written in input order and are byte-identical whatever the chunk size or thread count. The
//! one thing that grows with the input is the set of customer-id hashes used to find
//! duplicate ids across chunks (about 34 bytes per distinct id, 34 MB per million customers);
//! turn it off with [`PipelineOptions::file_duplicates`] (duplicates are then found within each
//! chunk only). Ids are compared by a 64-bit hash: a false duplicate needs two different ids
//! with the same hash, about 1 in 10^7 for 10 million customers.
//!
//! # Every row is accounted for
//!
//! Each data row of the input ends up in exactly one of the scored outputs or the rejects file
//! (with its codes and reasons, its row and line number, and its original cells). Ragged rows
//! (more or fewer cells than the header) are scored when their cells are valid and reported as
//! `ragged_row` warnings; rows whose cells are all blank are rejected as `empty_row`.
//!
//! # Encodings and delimiters
//!
//! See [`read`](crate::run::read): encodings are sniffed from byte-order marks and UTF-8
//! validity, the delimiter from the first rows.
//!
//! ```
//! use churn_core::pipeline::{Pipeline, PipelineOptions, Sinks};
//! let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
//! let input = std::fs::File::open("../tests/data/messy_customers.csv").unwrap();
//! let (mut scored, mut rejects) = (Vec::new(), Vec::new());
//! let summary = Pipeline::new(&bundle, PipelineOptions::default())?.score(
//!     input,
//!     Sinks { scored_csv: Some(&mut scored), rejects_csv: Some(&mut rejects), ..Sinks::default() },
//! )?;
//! assert_eq!(summary.rows_read, summary.rows_scored + summary.rows_rejected);
//! assert_eq!(summary.tiers.total, summary.rows_scored);
//! assert!(String::from_utf8(scored).unwrap().starts_with("row,line,customer_id,churn_probability,risk_tier"));
//! # Ok::<(), churn_core::Error>(())
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::io::{Read, Write};
use std::sync::Arc;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::bundle::{tiers_of, Bundle, RiskTiers};
use crate::error::{Error, Result};
use crate::intake::mapping::{map_columns, Mapping, Overrides};
use crate::intake::normalize::{self, NormalizeOptions};
use crate::intake::schema::Schema;
use crate::intake::table::Table;
use crate::intake::validate::{validate, Issue, RejectedRow, ValidateOptions, ValidationSummary};
use crate::report::quality::{profile_chunk, QualityProfile, QualityReport, ReportOptions};
use crate::report::risk::{tier_index, Explainer, Explanation, TierCounts, DEFAULT_TOP_K};
use crate::run::export::{
    write_reject_record, write_rejects_header, write_scored_record, ScoredRow, SCORED_CSV_HEADER,
};
pub use crate::run::read::{sniff, Chunk, ChunkReader, Encoding, ReadOptions, Sniffed};

mod chunk;
mod summary;
use chunk::{process_chunk, render_err, Ctx, Job};
use summary::{AucBins, Stopwatch};
pub use summary::{LabelledStats, ModelInfo, RunSummary, StageTimings};

/// Probability bins for the labelled AUC (bounded memory whatever the input size).
const AUC_BINS: usize = 1000;

/// Finds customer ids already seen in earlier chunks, by 64-bit hash (see the module docs).
struct IdTracker {
    column: Option<usize>,
    seen: HashMap<u64, u64>,
}

impl IdTracker {
    /// A tracker of the ids in `column` (none: duplicates are found within chunks only).
    fn new(column: Option<usize>) -> IdTracker {
        IdTracker {
            column,
            seen: HashMap::new(),
        }
    }

    fn key(raw: &str) -> Option<String> {
        // The validator's notion of an id: trimmed, at most 100 characters, not a blank marker.
        (!normalize::is_missing(raw)).then(|| raw.trim().chars().take(100).collect())
    }

    fn hash(key: &str) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        h.finish()
    }

    /// Ids of `table` seen in earlier chunks (with the row of their first appearance); then
    /// remembers the first appearance of this chunk's new ids. Duplicates inside the chunk are
    /// the validator's to find.
    fn prior(&mut self, table: &Table) -> Option<HashMap<String, u64>> {
        let c = self.column?;
        let mut prior = HashMap::new();
        let mut new: Vec<(u64, u64)> = Vec::new();
        for (i, cells) in table.rows.iter().enumerate() {
            if cells.iter().all(|c| normalize::is_missing(c)) {
                continue;
            }
            let Some(key) = cells.get(c).and_then(|v| IdTracker::key(v)) else {
                continue;
            };
            let h = IdTracker::hash(&key);
            match self.seen.get(&h) {
                Some(&first) => {
                    prior.entry(key).or_insert(first);
                }
                None => new.push((h, table.row_number(i))),
            }
        }
        for (h, row) in new {
            self.seen.entry(h).or_insert(row);
        }
        Some(prior)
    }
}

/// Settings of a [`Pipeline`] run.
///
/// ```
/// let o = churn_core::pipeline::PipelineOptions::default();
/// assert_eq!((o.chunk_rows, o.top_k, o.sample_rows), (8_192, 3, 500));
/// assert!(o.file_duplicates);
/// ```
#[derive(Clone, Debug)]
pub struct PipelineOptions {
    /// Rows per chunk (default 8,192: a chunk of a 25-column export takes about 25 MB with
    /// its outputs).
    pub chunk_rows: usize,
    /// Chunks scored at once; 0 (the default) = the rayon pool's thread count, at most 4
    /// (prediction and SHAP use every thread inside a chunk anyway).
    pub parallel_chunks: usize,
    /// Forced delimiter; sniffed when `None`.
    pub delimiter: Option<u8>,
    /// Encoding; sniffed with [`Encoding::Auto`].
    pub encoding: Encoding,
    /// Rows of the first chunk the mapper looks at (default 500).
    pub sample_rows: usize,
    /// Mapping decisions that win over the mapper.
    pub overrides: Option<Overrides>,
    /// Reasons per direction per customer (default 3).
    pub top_k: usize,
    /// Cell normalisation (as-of date for date-derived features).
    pub normalize: NormalizeOptions,
    /// Find duplicate customer ids across chunks (default true; see the module docs).
    pub file_duplicates: bool,
    /// Row-level issues kept in [`RunSummary::issues`] (all are counted; default 200).
    pub max_issues: usize,
    /// Hand each chunk's original cells to observers ([`ScoredChunk::table`]); off by default
    /// because a copy of every cell is what a streaming run avoids keeping.
    pub keep_cells: bool,
}

impl Default for PipelineOptions {
    fn default() -> PipelineOptions {
        PipelineOptions {
            chunk_rows: 8_192,
            parallel_chunks: 0,
            delimiter: None,
            encoding: Encoding::Auto,
            sample_rows: 500,
            overrides: None,
            top_k: DEFAULT_TOP_K,
            normalize: NormalizeOptions::default(),
            file_duplicates: true,
            max_issues: 200,
            keep_cells: false,
        }
    }
}

/// Where a run writes. Each output is optional; all are written in input order.
///
/// - `scored_csv`: `row,line,customer_id,churn_probability,risk_tier,raises_risk,lowers_risk,
///   top_drivers` (+ `churned` when the file has a mapped label): the reasons as sentences,
///   `top_drivers` as `feature:contribution` pairs in margin units;
/// - `scored_jsonl`: one JSON object per scored row: `row`, `line`, `customer_id`,
///   `probability`, `tier`, `base_probability`, `margin`, `raises` and `lowers` (each reason
///   with `feature`, `display_name`, `value`, `input`, `direction`, `contribution`, `points`,
///   `text`), `other_points`, and `churned` when labelled;
/// - `rejects_csv`: `row,line,customer_id,reject_codes,reject_reasons` followed by the
///   row's original cells under the original headers.
///
/// ```
/// let mut buf = Vec::new();
/// let sinks = churn_core::pipeline::Sinks { scored_jsonl: Some(&mut buf), ..Default::default() };
/// assert!(sinks.scored_csv.is_none());
/// ```
#[derive(Default)]
pub struct Sinks<'a> {
    /// Scored rows as CSV.
    pub scored_csv: Option<&'a mut dyn Write>,
    /// Scored rows as JSON lines.
    pub scored_jsonl: Option<&'a mut dyn Write>,
    /// Rejected rows as CSV.
    pub rejects_csv: Option<&'a mut dyn Write>,
}

/// Whether a run goes on after an observed chunk.
///
/// ```
/// assert_ne!(churn_core::pipeline::Flow::Continue, churn_core::pipeline::Flow::Stop);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Read on.
    Continue,
    /// Stop after this chunk (the summary covers the rows read so far).
    Stop,
}

/// A scored chunk, as handed to an observer in input order.
///
/// ```
/// use churn_core::pipeline::{Flow, Pipeline, PipelineOptions};
/// let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let input = std::fs::File::open("../examples/data/telco.csv").unwrap();
/// let mut riskiest = (0.0, String::new());
/// Pipeline::new(&bundle, PipelineOptions::default())?.score_with(input, Default::default(), &mut |c| {
///     for (p, id) in c.probabilities.iter().zip(&c.customer_ids) {
///         if *p > riskiest.0 { riskiest = (*p, id.clone().unwrap_or_default()); }
///     }
///     Ok(Flow::Continue)
/// })?;
/// assert!(riskiest.0 > 0.8);
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ScoredChunk {
    /// Data-row number of the chunk's first row.
    pub first_row: u64,
    /// Rows read in this chunk (scored + rejected).
    pub rows_read: usize,
    /// Input bytes consumed up to the end of this chunk.
    pub bytes_read: u64,
    /// Row numbers of the scored rows.
    pub rows: Vec<u64>,
    /// Lines where the scored rows start.
    pub lines: Vec<u64>,
    /// Customer ids of the scored rows.
    pub customer_ids: Vec<Option<String>>,
    /// Churn labels of the scored rows (when the input has a mapped label column).
    pub labels: Vec<Option<f64>>,
    /// Model inputs of the scored rows (rows x schema inputs).
    pub features: Array2<f64>,
    /// Churn probability of each scored row (the model's prediction).
    pub probabilities: Vec<f64>,
    /// Tier index of each scored row (into [`RunSummary::tiers`]).
    pub tiers: Vec<usize>,
    /// SHAP values of each scored row (rows x (features + 1), last = bias), in margin units.
    pub shap: Array2<f64>,
    pub(crate) explainer: Option<Arc<Explainer>>,
    /// The rejected rows with their reasons.
    pub rejected: Vec<RejectedRow>,
    /// Lines where the rejected rows start.
    pub rejected_lines: Vec<u64>,
    /// Validation counts of this chunk.
    pub validation: ValidationSummary,
    /// The chunk's rows as read (scored and rejected, numbered from `first_row`), when
    /// [`PipelineOptions::keep_cells`] is set.
    pub table: Option<Table>,
    issues: Vec<Issue>,
    profile: QualityProfile,
    timings: StageTimings,
    csv_out: Vec<u8>,
    jsonl_out: Vec<u8>,
    rejects_out: Vec<u8>,
}

impl ScoredChunk {
    /// The reasons of scored row `i` of this chunk (the pipeline's `top_k` each way), rebuilt
    /// from its inputs and SHAP values; `None` for an out-of-range row or a quality-only run.
    ///
    /// ```
    /// use churn_core::pipeline::{Flow, Pipeline};
    /// # let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let mut texts = Vec::new();
    /// Pipeline::new(&bundle, Default::default())?.score_with(
    ///     &b"tenure,Contract,MonthlyCharges\n1,Month-to-month,90\n"[..], Default::default(),
    ///     &mut |c| { texts.push(c.explanation(0).unwrap().summary()); Ok(Flow::Continue) })?;
    /// assert!(texts[0].contains("Contract (Month-to-month) raises churn risk"));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn explanation(&self, i: usize) -> Option<Explanation> {
        let ex = self.explainer.as_ref()?;
        if i >= self.shap.nrows() {
            return None;
        }
        Some(ex.explain(&self.features.row(i).to_vec(), &self.shap.row(i).to_vec()))
    }

    /// [`ScoredChunk::explanation`] with every contributing feature listed.
    ///
    /// ```
    /// use churn_core::pipeline::{Flow, Pipeline};
    /// # let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let mut n = 0;
    /// Pipeline::new(&bundle, Default::default())?.score_with(
    ///     &b"tenure,Contract,MonthlyCharges\n1,Month-to-month,90\n"[..], Default::default(),
    ///     &mut |c| { let e = c.full_explanation(0).unwrap(); n = e.raises.len() + e.lowers.len(); Ok(Flow::Continue) })?;
    /// assert!(n > 6);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn full_explanation(&self, i: usize) -> Option<Explanation> {
        let ex = self.explainer.as_ref()?;
        if i >= self.shap.nrows() {
            return None;
        }
        Some(ex.explain_all(&self.features.row(i).to_vec(), &self.shap.row(i).to_vec()))
    }
}

/// What the calling thread keeps across chunks: merged counts only.
struct Totals {
    rows_read: u64,
    chunks: u64,
    validation: ValidationSummary,
    profile: QualityProfile,
    tiers: TierCounts,
    table_issues: Vec<Issue>,
    row_issues: Vec<Issue>,
    max_issues: usize,
    sum_p: f64,
    auc: AucBins,
    timings: StageTimings,
    stopped: bool,
}

impl Totals {
    fn new(tiers: TierCounts, max_issues: usize, timings: StageTimings) -> Totals {
        Totals {
            rows_read: 0,
            chunks: 0,
            validation: ValidationSummary::default(),
            profile: QualityProfile::default(),
            tiers,
            table_issues: Vec::new(),
            row_issues: Vec::new(),
            max_issues,
            sum_p: 0.0,
            auc: AucBins::new(),
            timings,
            stopped: false,
        }
    }
}

/// The observer a run calls after writing each chunk (see [`Pipeline::score_with`]).
///
/// ```
/// use churn_core::pipeline::{Flow, Observer, ScoredChunk};
/// let mut rows = 0usize;
/// let observer: &mut Observer<'_> = &mut |c: &ScoredChunk| { rows += c.rows_read; Ok(Flow::Continue) };
/// # let _ = observer;
/// ```
pub type Observer<'o> = dyn FnMut(&ScoredChunk) -> Result<Flow> + 'o;

/// Scores (or only checks) delimited customer exports with one bundle.
///
/// ```
/// use churn_core::pipeline::{Pipeline, PipelineOptions};
/// let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let p = Pipeline::new(&bundle, PipelineOptions { chunk_rows: 1000, ..Default::default() })?;
/// let s = p.score(std::fs::File::open("../examples/data/telco.csv").unwrap(), Default::default())?;
/// assert_eq!(s.rows_read, 7043);
/// assert_eq!(s.chunks, 8);
/// # Ok::<(), churn_core::Error>(())
/// ```
pub struct Pipeline<'b> {
    bundle: &'b Bundle,
    options: PipelineOptions,
    tiers: RiskTiers,
}

impl<'b> Pipeline<'b> {
    /// A pipeline for a bundle (its tiers, or the [default tiers](crate::report::risk::default_tiers)).
    ///
    /// ```
    /// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let p = churn_core::pipeline::Pipeline::new(&b, Default::default())?;
    /// assert_eq!(p.tiers().tiers.len(), 3);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn new(bundle: &'b Bundle, options: PipelineOptions) -> Result<Pipeline<'b>> {
        if options.chunk_rows == 0 {
            return Err(Error::Input {
                reason: "chunk_rows must be at least 1".into(),
            });
        }
        Ok(Pipeline {
            bundle,
            options,
            tiers: tiers_of(bundle),
        })
    }

    /// This pipeline with [`PipelineOptions::keep_cells`] set as given.
    pub(crate) fn keeping_cells(&self, keep: bool) -> Pipeline<'b> {
        Pipeline {
            bundle: self.bundle,
            options: PipelineOptions {
                keep_cells: keep,
                ..self.options.clone()
            },
            tiers: self.tiers.clone(),
        }
    }

    /// The bundle this pipeline scores with.
    pub(crate) fn bundle(&self) -> &'b Bundle {
        self.bundle
    }

    /// The tiers this pipeline scores with.
    ///
    /// ```
    /// # let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let p = churn_core::pipeline::Pipeline::new(&b, Default::default())?;
    /// assert_eq!(p.tiers().tier_of(0.9), Some("high"));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn tiers(&self) -> &RiskTiers {
        &self.tiers
    }

    /// The options.
    ///
    /// ```
    /// # let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let p = churn_core::pipeline::Pipeline::new(&b, Default::default())?;
    /// assert_eq!(p.options().top_k, 3);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn options(&self) -> &PipelineOptions {
        &self.options
    }

    /// Maps a header the way a run would (with sample rows from the start of the input).
    ///
    /// ```
    /// # let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let p = churn_core::pipeline::Pipeline::new(&b, Default::default())?;
    /// let m = p.map(&b"Cust ID;Tenure (months)\nA;3\n"[..])?;
    /// assert_eq!(m.header_of("tenure"), Some("Tenure (months)"));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn map<R: Read>(&self, input: R) -> Result<Mapping> {
        let mut reader = ChunkReader::new(
            input,
            &ReadOptions {
                chunk_rows: self.options.sample_rows.max(1),
                delimiter: self.options.delimiter,
                encoding: self.options.encoding,
            },
        )?;
        let first = reader.next_chunk()?;
        map_columns(
            reader.headers(),
            self.bundle.schema(),
            first
                .as_ref()
                .map(|c| c.table.sample(self.options.sample_rows)),
            self.options.overrides.as_ref(),
        )
    }

    /// Scores an input into the sinks (see [`Sinks`] for the formats).
    ///
    /// Errors: an unreadable or undecodable input, a mapping override that does not fit, a
    /// model that is not a binary classifier, an input where no model feature has a column,
    /// a failed write. Bad rows are not errors: they go to the rejects output.
    ///
    /// ```
    /// use churn_core::pipeline::{Pipeline, Sinks};
    /// # let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let mut out = Vec::new();
    /// let s = Pipeline::new(&b, Default::default())?
    ///     .score(&b"tenure,Contract,MonthlyCharges\n3,One year,50\n"[..], Sinks { scored_jsonl: Some(&mut out), ..Default::default() })?;
    /// let row: serde_json::Value = serde_json::from_slice(&out).unwrap();
    /// assert_eq!(row["row"], 1);
    /// assert!(row["probability"].as_f64().unwrap() > 0.0);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn score<R: Read>(&self, input: R, sinks: Sinks<'_>) -> Result<RunSummary> {
        self.run(Box::new(input), sinks, None, true)
    }

    /// [`Pipeline::score`], calling `observer` with every chunk after it is written, in input
    /// order; the observer may stop the run ([`Flow::Stop`]).
    ///
    /// ```
    /// use churn_core::pipeline::{Flow, Pipeline, PipelineOptions};
    /// # let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let p = Pipeline::new(&b, PipelineOptions { chunk_rows: 100, ..Default::default() })?;
    /// let input = std::fs::File::open("../examples/data/telco.csv").unwrap();
    /// let s = p.score_with(input, Default::default(), &mut |_| Ok(Flow::Stop))?;
    /// assert!(s.stopped_early && s.rows_read < 7043);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn score_with<R: Read>(
        &self,
        input: R,
        sinks: Sinks<'_>,
        observer: &mut Observer<'_>,
    ) -> Result<RunSummary> {
        self.run(Box::new(input), sinks, Some(observer), true)
    }

    /// Checks an input without scoring it: mapping, validation and the data-quality report
    /// (no model output, no SHAP; works for any model).
    ///
    /// ```
    /// # let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let input = std::fs::File::open("../tests/data/messy_customers.csv").unwrap();
    /// let s = churn_core::pipeline::Pipeline::new(&b, Default::default())?.report(input)?;
    /// assert_eq!((s.rows_read, s.rows_rejected), (35, 8));
    /// assert!(s.tiers.tiers.is_empty());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn report<R: Read>(&self, input: R) -> Result<RunSummary> {
        self.run(Box::new(input), Sinks::default(), None, false)
    }

    /// Maps the header with the first `sample_rows` rows of `head` as samples.
    fn map_head(&self, headers: &[String], head: &[Chunk]) -> Result<Mapping> {
        let opts = &self.options;
        let joined: Vec<Vec<String>>;
        let sample = match head {
            [] => None,
            [one] => Some(one.table.sample(opts.sample_rows)),
            many => {
                joined = many
                    .iter()
                    .flat_map(|c| c.table.rows.iter())
                    .take(opts.sample_rows)
                    .cloned()
                    .collect();
                Some(joined.as_slice())
            }
        };
        map_columns(
            headers,
            self.bundle.schema(),
            sample,
            opts.overrides.as_ref(),
        )
    }

    /// The explainer of a scoring run; an error when no input feature has a column.
    fn explainer(&self, mapping: &Mapping, headers: &[String]) -> Result<Arc<Explainer>> {
        let schema = self.bundle.schema();
        let inputs = schema.num_inputs();
        let mapped = schema
            .inputs()
            .filter(|f| mapping.column_of(&f.name).is_some())
            .count();
        if inputs > 0 && mapped == 0 {
            return Err(Error::Input {
                reason: format!(
                    "none of the model's {inputs} input features matches a column of the input \
                     (its header: {}); check the file, or map columns with overrides",
                    preview(headers)
                ),
            });
        }
        Ok(Arc::new(Explainer::new(self.bundle, self.options.top_k)?))
    }

    /// What every chunk of a run needs to know.
    fn ctx<'a>(
        &'a self,
        mapping: &'a Mapping,
        explainer: Option<&'a Arc<Explainer>>,
        labelled: bool,
        sinks: &Sinks<'_>,
    ) -> Ctx<'a> {
        let opts = &self.options;
        Ctx {
            bundle: self.bundle,
            mapping,
            explainer: explainer.map(|e| &**e),
            explainer_arc: explainer.cloned(),
            tiers: &self.tiers,
            validate: ValidateOptions {
                normalize: opts.normalize.clone(),
                // Table-level issues come first in every chunk: room for them and for the
                // first `max_issues` row issues, so the kept issues do not depend on chunking.
                max_issues: opts.max_issues + self.bundle.schema().features.len(),
                seen_ids: None,
            },
            normalize: &opts.normalize,
            labelled,
            render_csv: sinks.scored_csv.is_some(),
            render_jsonl: sinks.scored_jsonl.is_some(),
            render_rejects: sinks.rejects_csv.is_some(),
            keep_cells: opts.keep_cells,
        }
    }

    fn width(&self) -> usize {
        if self.options.parallel_chunks > 0 {
            return self.options.parallel_chunks;
        }
        #[cfg(feature = "parallel")]
        {
            rayon::current_num_threads().clamp(1, 4)
        }
        #[cfg(not(feature = "parallel"))]
        {
            1
        }
    }

    // One copy of the run for every reader type: the input is boxed, not generic.
    fn run(
        &self,
        input: Box<dyn Read + '_>,
        mut sinks: Sinks<'_>,
        mut observer: Option<&mut Observer<'_>>,
        score: bool,
    ) -> Result<RunSummary> {
        let total = Stopwatch::start();
        let schema: &Schema = self.bundle.schema();
        let opts = &self.options;
        let mut timings = StageTimings::default();

        let sw = Stopwatch::start();
        let mut reader = ChunkReader::new(
            input,
            &ReadOptions {
                chunk_rows: opts.chunk_rows,
                delimiter: opts.delimiter,
                encoding: opts.encoding,
            },
        )?;
        let head = read_head(&mut reader, opts.sample_rows)?;
        timings.read += sw.secs();

        let sw = Stopwatch::start();
        let mapping = self.map_head(reader.headers(), &head)?;
        timings.map = sw.secs();
        let explainer = if score {
            Some(self.explainer(&mapping, reader.headers())?)
        } else {
            None
        };
        let labelled = schema
            .label()
            .is_some_and(|l| mapping.column_of(&l.name).is_some());

        // Header rows of the outputs.
        let sw = Stopwatch::start();
        write_headers(&mut sinks, score && labelled, score, reader.headers())?;
        timings.write += sw.secs();

        let ctx = self.ctx(&mapping, explainer.as_ref(), labelled, &sinks);
        let id_column = schema.identifier().and_then(|f| mapping.column_of(&f.name));
        let mut tracker = IdTracker::new(id_column.filter(|_| opts.file_duplicates));
        let tiers = if score {
            TierCounts::new(&self.tiers)
        } else {
            TierCounts::default()
        };
        let mut totals = Totals::new(tiers, opts.max_issues, timings);

        let width = self.width();
        let mut wave: Vec<Job> = Vec::with_capacity(width.max(head.len()));
        for c in head {
            let prior = tracker.prior(&c.table);
            wave.push(Job { chunk: c, prior });
        }
        let sw = Stopwatch::start();
        let more = read_wave(&mut reader, &mut tracker, width.saturating_sub(wave.len()))?;
        totals.timings.read += sw.secs();
        wave.extend(more);

        let mut pending: Vec<ScoredChunk> = Vec::new();
        while !(wave.is_empty() && pending.is_empty()) {
            let (processed, delivered, next) = step(
                wave,
                &ctx,
                &pending,
                &mut sinks,
                &mut observer,
                &mut totals,
                &mut reader,
                &mut tracker,
                width,
            );
            delivered?;
            if totals.stopped {
                break;
            }
            pending = processed?;
            wave = next?;
        }

        let sw = Stopwatch::start();
        flush_sinks(&mut sinks)?;
        totals.timings.write += sw.secs();

        let sw = Stopwatch::start();
        let done = Done {
            mapping,
            headers: reader.headers().to_vec(),
            sniffed: reader.sniffed(),
            explainer: explainer.as_deref(),
            labelled,
            score,
        };
        let mut summary = self.summary(totals, done)?;
        summary.timings.report = sw.secs();
        summary.timings.total = total.secs();
        summary.rows_per_second = if summary.timings.total > 0.0 {
            summary.rows_read as f64 / summary.timings.total
        } else {
            0.0
        };
        Ok(summary)
    }

    /// The run's summary from the merged totals: issues listed, the quality report built.
    fn summary(&self, mut totals: Totals, done: Done<'_>) -> Result<RunSummary> {
        let schema = self.bundle.schema();
        let listed = (totals.table_issues.len() + totals.row_issues.len()) as u64;
        totals.validation.issues_not_listed = totals
            .validation
            .by_code
            .values()
            .sum::<u64>()
            .saturating_sub(listed);
        let mut issues = std::mem::take(&mut totals.table_issues);
        issues.extend(totals.validation.threshold_issues(schema));
        issues.append(&mut totals.row_issues);
        let quality = QualityReport::build(
            &totals.profile,
            Some(&totals.validation),
            &done.mapping,
            self.bundle,
            &ReportOptions::default(),
        )?;
        let scored = totals.validation.accepted;
        let score = done.score;
        Ok(RunSummary {
            model: ModelInfo::of(self.bundle),
            headers: done.headers,
            delimiter: (done.sniffed.delimiter as char).to_string(),
            encoding: done.sniffed.encoding,
            rows_read: totals.rows_read,
            rows_scored: scored,
            rows_rejected: totals.validation.rejected,
            chunks: totals.chunks,
            stopped_early: totals.stopped,
            mapping: done.mapping,
            validation: totals.validation,
            issues,
            quality,
            tiers: totals.tiers,
            base_probability: done.explainer.map(Explainer::base_probability),
            mean_probability: (score && scored > 0).then(|| totals.sum_p / scored as f64),
            labelled: if done.labelled && score {
                totals.auc.stats()
            } else {
                None
            },
            rows_per_second: 0.0,
            timings: totals.timings,
        })
    }
}

/// What a run knows at its end besides the totals.
struct Done<'a> {
    mapping: Mapping,
    headers: Vec<String>,
    sniffed: Sniffed,
    explainer: Option<&'a Explainer>,
    labelled: bool,
    score: bool,
}

/// The chunks holding the input's first `sample_rows` rows (at least one row).
///
/// The mapping sees the first `sample_rows` rows whatever the chunk size: with only the first
/// chunk's rows, small chunks could map columns differently (and so change every output),
/// which the `csv_pipeline` fuzz target found.
fn read_head(reader: &mut ChunkReader<'_>, sample_rows: usize) -> Result<Vec<Chunk>> {
    let mut head: Vec<Chunk> = Vec::new();
    let mut buffered = 0;
    while buffered < sample_rows.max(1) {
        match reader.next_chunk()? {
            Some(c) => {
                buffered += c.table.num_rows();
                head.push(c);
            }
            None => break,
        }
    }
    Ok(head)
}

/// The header rows of the outputs: the scored CSV's (with `churned` when `labelled`) when
/// scoring, and the rejects file's (its columns, then the input's header).
fn write_headers(
    sinks: &mut Sinks<'_>,
    labelled: bool,
    score: bool,
    headers: &[String],
) -> Result<()> {
    if score {
        if let Some(w) = sinks.scored_csv.as_mut() {
            let mut h = SCORED_CSV_HEADER.join(",");
            if labelled {
                h.push_str(",churned");
            }
            h.push('\n');
            w.write_all(h.as_bytes())
                .map_err(render_err("scored CSV"))?;
        }
    }
    if let Some(w) = sinks.rejects_csv.as_mut() {
        let mut cw = csv::WriterBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_writer(Vec::new());
        write_rejects_header(&mut cw, Some(headers))
            .map_err(|e| render_err("rejects CSV")(e.into()))?;
        let bytes = cw
            .into_inner()
            .map_err(|e| render_err("rejects CSV")(e.into_error()))?;
        w.write_all(&bytes).map_err(render_err("rejects CSV"))?;
    }
    Ok(())
}

/// Flushes every sink.
fn flush_sinks(sinks: &mut Sinks<'_>) -> Result<()> {
    for (w, what) in [
        (sinks.scored_csv.as_mut(), "scored CSV"),
        (sinks.scored_jsonl.as_mut(), "scored JSON lines"),
        (sinks.rejects_csv.as_mut(), "rejects CSV"),
    ] {
        if let Some(w) = w {
            w.flush().map_err(render_err(what))?;
        }
    }
    Ok(())
}

fn preview(headers: &[String]) -> String {
    // A header can be as long as the file: show the start of each.
    let clip = |h: &str| match h.char_indices().nth(40) {
        Some((i, _)) => format!("'{}...'", &h[..i]),
        None => format!("'{h}'"),
    };
    let mut s: Vec<String> = headers.iter().take(8).map(|h| clip(h)).collect();
    if headers.len() > 8 {
        s.push(format!("... {} more", headers.len() - 8));
    }
    s.join(", ")
}

fn read_wave(reader: &mut ChunkReader<'_>, tracker: &mut IdTracker, n: usize) -> Result<Vec<Job>> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        match reader.next_chunk()? {
            Some(chunk) => {
                let prior = tracker.prior(&chunk.table);
                out.push(Job { chunk, prior });
            }
            None => break,
        }
    }
    Ok(out)
}

/// Writes processed chunks in order, merges their counts and calls the observer.
fn deliver(
    chunks: &[ScoredChunk],
    sinks: &mut Sinks<'_>,
    observer: &mut Option<&mut Observer<'_>>,
    totals: &mut Totals,
) -> Result<()> {
    for c in chunks {
        let sw = Stopwatch::start();
        for (w, bytes, what) in [
            (sinks.scored_csv.as_mut(), &c.csv_out, "scored CSV"),
            (
                sinks.scored_jsonl.as_mut(),
                &c.jsonl_out,
                "scored JSON lines",
            ),
            (sinks.rejects_csv.as_mut(), &c.rejects_out, "rejects CSV"),
        ] {
            if let Some(w) = w {
                w.write_all(bytes).map_err(render_err(what))?;
            }
        }
        totals.timings.write += sw.secs();
        totals.timings.add(&c.timings);
        totals.rows_read += c.rows_read as u64;
        totals.chunks += 1;
        totals.validation.merge(&c.validation);
        if totals.chunks > 1 {
            // Every chunk repeats the table-level issues (a missing column): count them once.
            for i in c.issues.iter().filter(|i| i.row.is_none()) {
                if let Some(n) = totals.validation.by_code.get_mut(&i.code) {
                    *n = n.saturating_sub(1);
                }
                if let Some(n) = totals.validation.by_severity.get_mut(&i.severity) {
                    *n = n.saturating_sub(1);
                }
            }
        }
        totals.profile.merge(&c.profile)?;
        for (i, &t) in c.tiers.iter().enumerate() {
            totals.tiers.add_index(t);
            let p = c.probabilities[i];
            totals.sum_p += p;
            if let Some(Some(l)) = c.labels.get(i) {
                totals.auc.add(p, *l);
            }
        }
        for i in &c.issues {
            if i.row.is_none() {
                // Table-level issues (a missing column) repeat in every chunk: keep the first.
                if totals.chunks == 1 {
                    totals.table_issues.push(i.clone());
                }
            } else if totals.row_issues.len() < totals.max_issues {
                totals.row_issues.push(i.clone());
            }
        }
        if let Some(o) = observer.as_mut() {
            if o(c)? == Flow::Stop {
                totals.stopped = true;
                return Ok(());
            }
        }
    }
    Ok(())
}

type StepResult = (Result<Vec<ScoredChunk>>, Result<()>, Result<Vec<Job>>);

/// One turn of the loop: score `wave` while writing `pending` and reading the next wave.
#[allow(clippy::too_many_arguments)]
fn step(
    wave: Vec<Job>,
    ctx: &Ctx<'_>,
    pending: &[ScoredChunk],
    sinks: &mut Sinks<'_>,
    observer: &mut Option<&mut Observer<'_>>,
    totals: &mut Totals,
    reader: &mut ChunkReader<'_>,
    tracker: &mut IdTracker,
    width: usize,
) -> StepResult {
    let n = wave.len();
    let mut slots: Vec<Option<Result<ScoredChunk>>> = (0..n).map(|_| None).collect();
    let mut delivered = Ok(());
    let mut next = Ok(Vec::new());
    let mut read_time = 0.0;
    let mut io = || {
        delivered = deliver(pending, sinks, observer, totals);
        if delivered.is_ok() && !totals.stopped {
            let sw = Stopwatch::start();
            next = read_wave(reader, tracker, width);
            read_time = sw.secs();
        }
    };
    #[cfg(feature = "parallel")]
    {
        // `in_place_scope` runs `io` on this thread (the reader and writers need not be
        // `Send`) while the pool scores the wave.
        rayon::in_place_scope(|s| {
            for (job, slot) in wave.into_iter().zip(slots.iter_mut()) {
                s.spawn(move |_| *slot = Some(process_chunk(job, ctx)));
            }
            io();
        });
    }
    #[cfg(not(feature = "parallel"))]
    {
        for (job, slot) in wave.into_iter().zip(slots.iter_mut()) {
            *slot = Some(process_chunk(job, ctx));
        }
        io();
    }
    totals.timings.read += read_time;
    let processed = slots
        .into_iter()
        .map(|s| {
            s.unwrap_or_else(|| {
                Err(Error::Input {
                    reason: "a chunk was not processed".into(),
                })
            })
        })
        .collect();
    (processed, delivered, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_bins() {
        let mut a = AucBins::new();
        for (p, l) in [(0.9, 1.0), (0.8, 1.0), (0.3, 0.0), (0.85, 0.0), (0.1, 0.0)] {
            a.add(p, l);
        }
        let s = a.stats().unwrap();
        // 2 positives x 3 negatives: 5 of 6 pairs ordered right.
        assert!((s.auc.unwrap() - 5.0 / 6.0).abs() < 1e-12);
        assert_eq!((s.rows, s.churned), (5, 2));
    }
}
