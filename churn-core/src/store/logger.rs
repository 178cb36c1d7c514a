//! Logging a scoring run's predictions while it runs, the one way every runtime (the CLI,
//! Python) writes the prediction log: the run is registered before the first row, each scored
//! chunk is logged as the pipeline hands it out (one transaction per chunk), and the run is
//! closed with its counts. [`Pipeline::score_logged`] does all three around
//! [`Pipeline::score_with`]; [`RunLogger`] is the same steps for callers that drive the
//! pipeline themselves.
//!
//! ```
//! use churn_core::outcomes::OutcomeStore;
//! use churn_core::pipeline::{Flow, Pipeline};
//! let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
//! let mut db = OutcomeStore::open_in_memory()?;
//! let pipeline = Pipeline::new(&bundle, Default::default())?;
//! let input = std::fs::File::open("../examples/data/telco.csv").unwrap();
//! let (summary, log) = pipeline.score_logged(
//!     input, Default::default(), Some(&mut db), "telco.csv", &mut |_| Ok(Flow::Continue))?;
//! let log = log.unwrap();
//! assert_eq!((log.logged, log.without_id), (summary.rows_scored, 0));
//! assert_eq!(db.counts()?.predictions, summary.rows_scored);
//! # Ok::<(), churn_core::Error>(())
//! ```

use std::io::Read;

use serde::Serialize;

use crate::bundle::{Bundle, RiskTiers};
use crate::error::Result;
use crate::run::pipeline::{Flow, Observer, Pipeline, RunSummary, ScoredChunk, Sinks};
use crate::store::outcomes::{now_utc, LogCounts, OutcomeStore, RunLog};

/// Where a run's predictions were logged, and how many.
///
/// ```
/// let l = churn_core::store::logger::LoggedRun { database: "a.db".into(), run_id: 1, logged: 5, without_id: 0 };
/// assert_eq!(serde_json::to_string(&l).unwrap(),
///     r#"{"database":"a.db","run_id":1,"logged":5,"without_id":0}"#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LoggedRun {
    /// The database's path.
    pub database: String,
    /// The run's id in the `runs` table.
    pub run_id: i64,
    /// Predictions logged.
    pub logged: u64,
    /// Scored rows not logged because they have no customer id.
    pub without_id: u64,
}

/// One scoring run being logged: [`begin`](RunLogger::begin), [`log`](RunLogger::log) each
/// scored chunk, [`finish`](RunLogger::finish).
///
/// ```
/// use churn_core::pipeline::{Flow, Pipeline};
/// use churn_core::store::logger::RunLogger;
/// let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let mut db = churn_core::outcomes::OutcomeStore::open_in_memory()?;
/// let p = Pipeline::new(&bundle, Default::default())?;
/// let mut logger = RunLogger::begin(&mut db, &bundle, p.tiers(), "inline")?;
/// let csv = b"customerID,tenure,Contract,MonthlyCharges\nA,2,One year,30\n,3,One year,30\n";
/// let s = p.score_with(&csv[..], Default::default(),
///     &mut |c| { logger.log(c)?; Ok(Flow::Continue) })?;
/// let log = logger.finish(&s)?;
/// assert_eq!((log.run_id, log.logged, log.without_id), (1, 1, 1));
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Debug)]
pub struct RunLogger<'s> {
    store: &'s mut OutcomeStore,
    run: RunLog,
    counts: LogCounts,
}

impl<'s> RunLogger<'s> {
    /// Registers the model and a run reading `source`, stamped now (UTC): its predictions all
    /// carry this time.
    ///
    /// ```
    /// # let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let mut db = churn_core::outcomes::OutcomeStore::open_in_memory()?;
    /// let tiers = churn_core::risk::tiers_of(&bundle);
    /// let logger = churn_core::store::logger::RunLogger::begin(&mut db, &bundle, &tiers, "a.csv")?;
    /// assert_eq!(logger.run().run_id, 1);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn begin(
        store: &'s mut OutcomeStore,
        bundle: &Bundle,
        tiers: &RiskTiers,
        source: &str,
    ) -> Result<RunLogger<'s>> {
        let run = store.begin_run(bundle, tiers, source, &now_utc())?;
        Ok(RunLogger {
            store,
            run,
            counts: LogCounts::default(),
        })
    }

    /// The run being logged.
    ///
    /// See [`RunLogger::begin`].
    pub fn run(&self) -> &RunLog {
        &self.run
    }

    /// Logs a scored chunk's rows (see [`OutcomeStore::log_chunk`]).
    ///
    /// See the [type's example](RunLogger).
    pub fn log(&mut self, chunk: &ScoredChunk) -> Result<()> {
        let c = self.store.log_chunk(&self.run, chunk)?;
        self.counts.logged += c.logged;
        self.counts.without_id += c.without_id;
        Ok(())
    }

    /// Closes the run's record with the summary's counts, stamped now (UTC).
    ///
    /// See the [type's example](RunLogger).
    pub fn finish(self, summary: &RunSummary) -> Result<LoggedRun> {
        self.store.finish_run(&self.run, summary, &now_utc())?;
        Ok(LoggedRun {
            database: self.store.path().to_string(),
            run_id: self.run.run_id,
            logged: self.counts.logged,
            without_id: self.counts.without_id,
        })
    }
}

impl Pipeline<'_> {
    /// [`score_with`](Pipeline::score_with), logging every scored row into `store` (when
    /// given) as one run named `source`. The observer sees each chunk after it is logged;
    /// rows of a chunk it stops at are logged, as they are written to the sinks. The
    /// [`LoggedRun`] is `None` without a store.
    ///
    /// See the [module example](crate::store::logger).
    ///
    /// ```
    /// # let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let p = churn_core::Pipeline::new(&bundle, Default::default())?;
    /// let csv = b"tenure,Contract,MonthlyCharges\n3,One year,30\n";
    /// let (s, log) = p.score_logged(&csv[..], Default::default(), None, "-",
    ///     &mut |_| Ok(churn_core::pipeline::Flow::Continue))?;
    /// assert_eq!((s.rows_scored, log), (1, None));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn score_logged<R: Read>(
        &self,
        input: R,
        sinks: Sinks<'_>,
        store: Option<&mut OutcomeStore>,
        source: &str,
        observer: &mut Observer<'_>,
    ) -> Result<(RunSummary, Option<LoggedRun>)> {
        let Some(store) = store else {
            return Ok((self.score_with(input, sinks, observer)?, None));
        };
        let mut logger = RunLogger::begin(store, self.bundle(), self.tiers(), source)?;
        let summary = self.score_with(input, sinks, &mut |chunk| -> Result<Flow> {
            logger.log(chunk)?;
            observer(chunk)
        })?;
        let log = logger.finish(&summary)?;
        Ok((summary, Some(log)))
    }
}
