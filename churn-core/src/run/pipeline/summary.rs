//! What a run reports: [`RunSummary`] (counts, mapping, quality, tiers, labelled AUC,
//! timings) and its parts.

use super::*;

/// Busy time per stage in seconds, summed over chunks (with chunks in parallel the sum can
/// exceed `total`, the wall time of the run). All zero on `wasm32-unknown-unknown`, which has
/// no clock.
///
/// ```
/// let t = churn_core::pipeline::StageTimings::default();
/// assert_eq!(t.total, 0.0);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StageTimings {
    /// Reading and decoding rows (calling thread, overlapped with scoring).
    pub read: f64,
    /// Mapping the header (once).
    pub map: f64,
    /// Normalising and validating cells.
    pub validate: f64,
    /// Profiling columns for the quality report.
    pub profile: f64,
    /// Predicting probabilities.
    pub predict: f64,
    /// TreeSHAP.
    pub explain: f64,
    /// Tiers and reason texts.
    pub reasons: f64,
    /// Rendering outputs (in the chunk workers) and writing them (calling thread).
    pub write: f64,
    /// Building the quality report at the end (includes its estimated-AUC rescoring).
    pub report: f64,
    /// Wall time of the whole run.
    pub total: f64,
}

impl StageTimings {
    pub(super) fn add(&mut self, o: &StageTimings) {
        self.read += o.read;
        self.map += o.map;
        self.validate += o.validate;
        self.profile += o.profile;
        self.predict += o.predict;
        self.explain += o.explain;
        self.reasons += o.reasons;
        self.write += o.write;
        self.report += o.report;
    }
}

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
pub(super) struct Stopwatch(std::time::Instant);
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
impl Stopwatch {
    pub(super) fn start() -> Stopwatch {
        Stopwatch(std::time::Instant::now())
    }
    pub(super) fn secs(&self) -> f64 {
        self.0.elapsed().as_secs_f64()
    }
}
// `Instant::now` panics on wasm32-unknown-unknown: timings read zero there.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
pub(super) struct Stopwatch;
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
impl Stopwatch {
    pub(super) fn start() -> Stopwatch {
        Stopwatch
    }
    pub(super) fn secs(&self) -> f64 {
        0.0
    }
}

/// Name, version and hash of the bundle a run scored with.
///
/// ```
/// let m = churn_core::pipeline::ModelInfo::of(&churn_core::Bundle::load("../examples/demo/telco_bundle.json")?);
/// assert_eq!(m.content_hash.len(), 64);
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// Bundle name.
    pub name: String,
    /// Bundle version.
    pub version: String,
    /// SHA-256 of the bundle file (or of the bare model file).
    pub content_hash: String,
}

impl ModelInfo {
    /// The bundle's name, version and content hash.
    ///
    /// ```
    /// let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// assert_eq!(churn_core::pipeline::ModelInfo::of(&b).version, "1.0.0");
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn of(bundle: &Bundle) -> ModelInfo {
        ModelInfo {
            name: bundle.metadata.name.clone(),
            version: bundle.metadata.version.clone(),
            content_hash: bundle.metadata.content_hash.clone(),
        }
    }
}

/// How well the probabilities rank the labels of a labelled input (e.g. a back-test).
///
/// ```
/// let l = churn_core::pipeline::LabelledStats { rows: 10, churned: 3, auc: Some(0.8), mean_probability: 0.3 };
/// assert_eq!(l.churned, 3);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LabelledStats {
    /// Scored rows with a readable label.
    pub rows: u64,
    /// Of which churned.
    pub churned: u64,
    /// ROC AUC of the probabilities against the labels, from 1,000 probability bins (exact to
    /// about 1e-3; ties within a bin count half); `None` without both classes.
    pub auc: Option<f64>,
    /// Mean churn probability of these rows.
    pub mean_probability: f64,
}

#[derive(Clone, Debug)]
pub(super) struct AucBins {
    pos: Vec<u64>,
    neg: Vec<u64>,
    sum_p: f64,
}

impl AucBins {
    pub(super) fn new() -> AucBins {
        AucBins {
            pos: vec![0; AUC_BINS],
            neg: vec![0; AUC_BINS],
            sum_p: 0.0,
        }
    }

    pub(super) fn add(&mut self, p: f64, label: f64) {
        let b = ((p * AUC_BINS as f64) as usize).min(AUC_BINS - 1);
        if label >= 0.5 {
            self.pos[b] += 1;
        } else {
            self.neg[b] += 1;
        }
        self.sum_p += p;
    }

    pub(super) fn stats(&self) -> Option<LabelledStats> {
        let np: u64 = self.pos.iter().sum();
        let nn: u64 = self.neg.iter().sum();
        if np + nn == 0 {
            return None;
        }
        let auc = (np > 0 && nn > 0).then(|| {
            let mut below = 0u64;
            let mut wins = 0.0;
            for b in 0..AUC_BINS {
                wins += self.pos[b] as f64 * (below as f64 + 0.5 * self.neg[b] as f64);
                below += self.neg[b];
            }
            wins / (np as f64 * nn as f64)
        });
        Some(LabelledStats {
            rows: np + nn,
            churned: np,
            auc,
            mean_probability: self.sum_p / (np + nn) as f64,
        })
    }
}

/// Everything a run learned, for people ([`RunSummary::to_text`]) and machines (serde).
///
/// ```
/// use churn_core::pipeline::{Pipeline, PipelineOptions};
/// let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let csv = "customerID,tenure,Contract,MonthlyCharges\nA,1,Month-to-month,80\nB,,Two year,20\n";
/// let s = Pipeline::new(&bundle, PipelineOptions::default())?.score(csv.as_bytes(), Default::default())?;
/// assert_eq!((s.rows_read, s.rows_scored, s.rows_rejected), (2, 1, 1));   // B has no tenure
/// assert!(s.to_text().contains("Risk tiers"));
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunSummary {
    /// The bundle scored with.
    pub model: ModelInfo,
    /// Header row of the input.
    pub headers: Vec<String>,
    /// The delimiter used, as text (`,` `;` `\t` `|`).
    pub delimiter: String,
    /// The encoding used.
    pub encoding: Encoding,
    /// Data rows read.
    pub rows_read: u64,
    /// Rows scored (accepted by validation).
    pub rows_scored: u64,
    /// Rows rejected (in the rejects output).
    pub rows_rejected: u64,
    /// Chunks processed.
    pub chunks: u64,
    /// Whether an observer stopped the run before the end of the input.
    pub stopped_early: bool,
    /// The column mapping, resolved once from the header and the first rows.
    pub mapping: Mapping,
    /// Validation counts, merged over chunks.
    pub validation: ValidationSummary,
    /// Table-level issues (missing columns, too many problems in a column), then the first
    /// row-level issues (up to [`PipelineOptions::max_issues`]).
    pub issues: Vec<Issue>,
    /// The data-quality report of the whole input.
    pub quality: QualityReport,
    /// Customers per risk tier (empty for a quality-only run).
    pub tiers: TierCounts,
    /// Churn probability of the average training customer (`None` for quality-only runs).
    pub base_probability: Option<f64>,
    /// Mean churn probability of the scored rows.
    pub mean_probability: Option<f64>,
    /// Rank quality against the input's own churn labels, when it has some.
    pub labelled: Option<LabelledStats>,
    /// Time per stage.
    pub timings: StageTimings,
    /// Rows read per second of wall time.
    pub rows_per_second: f64,
}

impl RunSummary {
    /// The quality score (0..1) of the input.
    ///
    /// ```
    /// # let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let csv = std::fs::File::open("../examples/data/telco.csv").unwrap();
    /// let s = churn_core::pipeline::Pipeline::new(&bundle, Default::default())?.report(csv)?;
    /// assert!(s.quality_score() > 0.9);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn quality_score(&self) -> f64 {
        self.quality.score
    }

    /// The run as readable text: what was read, the tier counts, the labelled AUC and the
    /// timings (the data-quality report is `self.quality.to_text()`).
    ///
    /// ```
    /// # let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let s = churn_core::pipeline::Pipeline::new(&bundle, Default::default())?
    ///     .score(&b"tenure,Contract,MonthlyCharges\n3,One year,50\n"[..], Default::default())?;
    /// assert!(s.to_text().contains("1 scored, 0 rejected"));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Model: {} {} (sha256 {})",
            self.model.name,
            self.model.version,
            &self.model.content_hash[..self.model.content_hash.len().min(12)]
        );
        let _ = writeln!(
            s,
            "Read {} rows ({} scored, {} rejected) in {:.2} s ({:.0} rows/s); delimiter {:?}, {}",
            self.rows_read,
            self.rows_scored,
            self.rows_rejected,
            self.timings.total,
            self.rows_per_second,
            self.delimiter,
            self.encoding.as_str()
        );
        if self.stopped_early {
            let _ = writeln!(s, "(stopped before the end of the input)");
        }
        if !self.tiers.tiers.is_empty() {
            let _ = writeln!(s, "\nRisk tiers");
            for t in self.tiers.tiers.iter().rev() {
                let _ = writeln!(
                    s,
                    "  {:<8} {:>9}  {:>5.1}%   (p >= {:.2})",
                    t.name, t.count, t.percent, t.min_probability
                );
            }
            if let (Some(p0), Some(mean)) = (self.base_probability, self.mean_probability) {
                let _ = writeln!(
                    s,
                    "  mean churn probability {:.1}% (average training customer {:.1}%)",
                    mean * 100.0,
                    p0 * 100.0
                );
            }
        }
        if let Some(l) = &self.labelled {
            let _ = writeln!(
                s,
                "\nThe input has churn labels: {} labelled rows, {} churned ({:.1}%), mean predicted {:.1}%{}",
                l.rows,
                l.churned,
                100.0 * l.churned as f64 / l.rows.max(1) as f64,
                100.0 * l.mean_probability,
                l.auc.map_or(String::new(), |a| format!(", AUC {a:.3}"))
            );
        }
        let t = &self.timings;
        let _ = writeln!(
            s,
            "\nTimings (s, summed over chunks): read {:.2}, map {:.2}, validate {:.2}, profile {:.2}, predict {:.2}, SHAP {:.2}, reasons {:.2}, write {:.2}, report {:.2}; wall {:.2}",
            t.read, t.map, t.validate, t.profile, t.predict, t.explain, t.reasons, t.write, t.report, t.total
        );
        s
    }
}
