//! A whole run's results in memory, column by column: for hosts that want the results rather
//! than files (a notebook's DataFrame, the in-browser dashboard, a Node service).
//!
//! [`Pipeline::score_table`] runs the same streaming pipeline as [`Pipeline::score`] (same
//! mapping, validation, predictions, SHAP values, tiers and reasons) and keeps, per scored row,
//! its numbers: the model inputs and SHAP values (8 bytes per feature each), the probability,
//! tier, id and row number. Reasons are rebuilt on demand from those numbers
//! ([`ScoredTable::explanation`]), so a 100k-row, 20-feature table takes about 35 MB, not the
//! gigabyte its reason texts would. Memory grows with the input: for files of any size use
//! [`Pipeline::score`] with sinks instead.
//!
//! ```
//! use churn_core::pipeline::{Flow, Pipeline};
//! use churn_core::scored::CollectOptions;
//! let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
//! let csv = "customerID,tenure,Contract,MonthlyCharges\nA,1,Month-to-month,95\nB,,Two year,20\nC,60,Two year,20\n";
//! let t = Pipeline::new(&bundle, Default::default())?
//!     .score_table(csv.as_bytes(), &CollectOptions::default(), &mut |_| Flow::Continue)?;
//! assert_eq!((t.len(), t.rejected.len()), (2, 1));            // B has no tenure
//! assert!(t.probabilities[0] > t.probabilities[1]);          // A is riskier than C
//! assert_eq!(t.customer_ids[0].as_deref(), Some("A"));
//! assert!(t.explanation(0).unwrap().summary().contains("raises churn risk"));
//! # Ok::<(), churn_core::Error>(())
//! ```

use std::borrow::Cow;
use std::io::{Read, Write};
use std::sync::Arc;

use ndarray::Array2;

use crate::error::{Error, Result};
use crate::intake::validate::RejectedRow;
use crate::report::risk::{Explainer, Explanation};
use crate::run::export::{
    write_reject_record, write_rejects_header, write_scored_record, ScoredRow, SCORED_CSV_HEADER,
};
use crate::run::pipeline::{Flow, Pipeline, RunSummary, Sinks};

/// What [`Pipeline::score_table`] keeps besides the numbers.
///
/// ```
/// assert!(!churn_core::scored::CollectOptions::default().cells);
/// ```
#[derive(Clone, Debug, Default)]
pub struct CollectOptions {
    /// Keep every row's original cells ([`ScoredTable::cells`], [`ScoredTable::rejected_cells`]),
    /// e.g. to show or search them; costs about the input's size again.
    pub cells: bool,
}

/// How far a [`Pipeline::score_table`] run has got, after each chunk.
///
/// ```
/// let p = churn_core::scored::Progress { rows_read: 10, bytes_read: 512 };
/// assert_eq!(p.rows_read, 10);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Data rows read so far.
    pub rows_read: u64,
    /// Input bytes consumed so far.
    pub bytes_read: u64,
}

/// Every scored row of a run (columns aligned by index), the rejected rows, and the run's
/// summary. Built by [`Pipeline::score_table`]; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct ScoredTable {
    /// The run's summary, as [`Pipeline::score`] returns it.
    pub summary: RunSummary,
    /// Header row of the input.
    pub headers: Vec<String>,
    /// The model inputs (the columns of [`ScoredTable::features`]).
    pub feature_names: Vec<String>,
    /// Tier names, lowest risk first or as the bundle lists them ([`ScoredTable::tiers`]
    /// indexes this).
    pub tier_names: Vec<String>,
    /// Whether the input has a mapped churn label (then [`ScoredTable::labels`] is filled and
    /// exports carry a `churned` column).
    pub labelled: bool,
    /// 1-based data-row number of each scored row.
    pub rows: Vec<u64>,
    /// Line where each scored row's record starts.
    pub lines: Vec<u64>,
    /// Customer id of each scored row, when the input has one.
    pub customer_ids: Vec<Option<String>>,
    /// Churn label of each scored row (1 churned, 0 stayed), when the input has one.
    pub labels: Vec<Option<f64>>,
    /// Churn probability of each scored row.
    pub probabilities: Vec<f64>,
    /// Tier of each scored row (an index into [`ScoredTable::tier_names`]).
    pub tiers: Vec<usize>,
    /// Model inputs, rows x features.
    pub features: Array2<f64>,
    /// SHAP values in margin units, rows x (features + 1); the last column is the bias.
    pub shap: Array2<f64>,
    /// Original cells of each scored row (with [`CollectOptions::cells`]).
    pub cells: Option<Vec<Vec<String>>>,
    /// The rejected rows with their reasons, in input order.
    pub rejected: Vec<RejectedRow>,
    /// Line where each rejected row's record starts.
    pub rejected_lines: Vec<u64>,
    /// Original cells of each rejected row (with [`CollectOptions::cells`]).
    pub rejected_cells: Option<Vec<Vec<String>>>,
    explainer: Option<Arc<Explainer>>,
}

impl Pipeline<'_> {
    /// Runs the pipeline over `input` and keeps every result in memory (see the
    /// [module docs](crate::run::scored)); `progress` is called after each chunk and may stop the
    /// run ([`Flow::Stop`]; the table then holds the rows read so far and
    /// `summary.stopped_early` is set).
    ///
    /// Errors are those of [`Pipeline::score`].
    ///
    /// ```
    /// use churn_core::pipeline::{Flow, Pipeline, PipelineOptions};
    /// use churn_core::scored::CollectOptions;
    /// # let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let p = Pipeline::new(&bundle, PipelineOptions { chunk_rows: 1000, ..Default::default() })?;
    /// let mut seen = Vec::new();
    /// let t = p.score_table(std::fs::File::open("../examples/data/telco.csv").unwrap(),
    ///     &CollectOptions { cells: true }, &mut |pr| { seen.push(pr.rows_read); Flow::Continue })?;
    /// assert_eq!(seen.last(), Some(&7043));
    /// assert_eq!(t.len() + t.rejected.len(), 7043);
    /// assert_eq!(t.cells.as_ref().unwrap()[0][0], "7590-VHVEG");    // the first customer
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn score_table<R: Read>(
        &self,
        input: R,
        collect: &CollectOptions,
        progress: &mut dyn FnMut(&Progress) -> Flow,
    ) -> Result<ScoredTable> {
        let pipeline = self.keeping_cells(collect.cells);
        let schema = self.bundle().schema();
        let feature_names: Vec<String> = schema.inputs().map(|f| f.name.clone()).collect();
        let k = feature_names.len();
        let mut acc = Acc {
            keep_cells: collect.cells,
            width: k,
            ..Acc::default()
        };
        let (mut rows_read, mut explainer) = (0u64, None);
        let summary = pipeline.score_with(input, Sinks::default(), &mut |c| {
            rows_read += c.rows_read as u64;
            if explainer.is_none() {
                explainer.clone_from(&c.explainer);
            }
            acc.add(c)?;
            Ok(progress(&Progress {
                rows_read,
                bytes_read: c.bytes_read,
            }))
        })?;
        let n = acc.rows.len();
        let features = Array2::from_shape_vec((n, k), acc.features)
            .map_err(|e| Error::input(format!("scored features do not form a table: {e}")))?;
        let shap = Array2::from_shape_vec((n, k + 1), acc.shap)
            .map_err(|e| Error::input(format!("SHAP values do not form a table: {e}")))?;
        let labelled = schema
            .label()
            .is_some_and(|l| summary.mapping.column_of(&l.name).is_some());
        Ok(ScoredTable {
            headers: summary.headers.clone(),
            feature_names,
            tier_names: self.tiers().tiers.iter().map(|t| t.name.clone()).collect(),
            labelled,
            rows: acc.rows,
            lines: acc.lines,
            customer_ids: acc.customer_ids,
            labels: acc.labels,
            probabilities: acc.probabilities,
            tiers: acc.tiers,
            features,
            shap,
            cells: collect.cells.then_some(acc.cells),
            rejected: acc.rejected,
            rejected_lines: acc.rejected_lines,
            rejected_cells: collect.cells.then_some(acc.rejected_cells),
            explainer,
            summary,
        })
    }
}

/// Columns grown chunk by chunk.
#[derive(Default)]
struct Acc {
    keep_cells: bool,
    width: usize,
    rows: Vec<u64>,
    lines: Vec<u64>,
    customer_ids: Vec<Option<String>>,
    labels: Vec<Option<f64>>,
    probabilities: Vec<f64>,
    tiers: Vec<usize>,
    features: Vec<f64>,
    shap: Vec<f64>,
    cells: Vec<Vec<String>>,
    rejected: Vec<RejectedRow>,
    rejected_lines: Vec<u64>,
    rejected_cells: Vec<Vec<String>>,
}

impl Acc {
    fn add(&mut self, c: &crate::run::pipeline::ScoredChunk) -> Result<()> {
        let n = c.rows.len();
        if n > 0 && (c.features.ncols() != self.width || c.shap.ncols() != self.width + 1) {
            return Err(Error::input(format!(
                "chunk at row {} has {} inputs and {} SHAP columns; expected {} and {}",
                c.first_row,
                c.features.ncols(),
                c.shap.ncols(),
                self.width,
                self.width + 1
            )));
        }
        self.rows.extend_from_slice(&c.rows);
        self.lines.extend_from_slice(&c.lines);
        self.customer_ids.extend_from_slice(&c.customer_ids);
        self.labels.extend_from_slice(&c.labels);
        self.probabilities.extend_from_slice(&c.probabilities);
        self.tiers.extend_from_slice(&c.tiers);
        if n > 0 {
            self.features.extend(c.features.iter());
            self.shap.extend(c.shap.iter());
        }
        self.rejected.extend_from_slice(&c.rejected);
        self.rejected_lines.extend_from_slice(&c.rejected_lines);
        if self.keep_cells {
            let table = c.table.as_ref();
            let cells_of = |row: u64| -> Vec<String> {
                table
                    .and_then(|t| t.rows.get(row.saturating_sub(t.first_row) as usize))
                    .cloned()
                    .unwrap_or_default()
            };
            self.cells.extend(c.rows.iter().map(|&r| cells_of(r)));
            self.rejected_cells
                .extend(c.rejected.iter().map(|r| cells_of(r.row)));
        }
        Ok(())
    }
}

impl ScoredTable {
    /// Scored rows.
    ///
    /// ```
    /// # use churn_core::pipeline::{Flow, Pipeline};
    /// # let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let t = Pipeline::new(&b, Default::default())?
    ///     .score_table(&b"tenure,Contract,MonthlyCharges\n3,One year,50\n"[..], &Default::default(), &mut |_| Flow::Continue)?;
    /// assert_eq!(t.len(), 1);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.probabilities.len()
    }

    /// Whether no row was scored.
    ///
    /// ```
    /// # use churn_core::pipeline::{Flow, Pipeline};
    /// # let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let t = Pipeline::new(&b, Default::default())?
    ///     .score_table(&b"tenure\n\n"[..], &Default::default(), &mut |_| Flow::Continue)?;
    /// assert!(t.is_empty());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.probabilities.is_empty()
    }

    /// The name of scored row `i`'s tier.
    ///
    /// ```
    /// # use churn_core::pipeline::{Flow, Pipeline};
    /// # let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let t = Pipeline::new(&b, Default::default())?.score_table(
    ///     &b"tenure,Contract,MonthlyCharges\n1,Month-to-month,90\n"[..], &Default::default(), &mut |_| Flow::Continue)?;
    /// assert!(["low", "medium", "high"].contains(&t.tier_name(0).unwrap()));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn tier_name(&self, i: usize) -> Option<&str> {
        self.tier_names.get(*self.tiers.get(i)?).map(String::as_str)
    }

    /// The reasons of scored row `i` (the pipeline's `top_k` each way), rebuilt from its inputs
    /// and SHAP values exactly as the run's outputs were; `None` past the end.
    ///
    /// ```
    /// # use churn_core::pipeline::{Flow, Pipeline};
    /// # let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let t = Pipeline::new(&b, Default::default())?.score_table(
    ///     &b"tenure,Contract,MonthlyCharges\n1,Month-to-month,90\n"[..], &Default::default(), &mut |_| Flow::Continue)?;
    /// let e = t.explanation(0).unwrap();
    /// assert!((e.probability - t.probabilities[0]).abs() < 1e-6);
    /// assert!(t.explanation(1).is_none());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn explanation(&self, i: usize) -> Option<Explanation> {
        let ex = self.explainer.as_ref()?;
        let (x, phi) = self.row_numbers(i)?;
        Some(ex.explain(&x, &phi))
    }

    /// [`ScoredTable::explanation`] with every contributing feature listed.
    ///
    /// ```
    /// # use churn_core::pipeline::{Flow, Pipeline};
    /// # let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let t = Pipeline::new(&b, Default::default())?.score_table(
    ///     &b"tenure,Contract,MonthlyCharges\n1,Month-to-month,90\n"[..], &Default::default(), &mut |_| Flow::Continue)?;
    /// let e = t.full_explanation(0).unwrap();
    /// assert!(e.raises.len() + e.lowers.len() > 3);
    /// assert!(e.other_points.abs() < 1e-9);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn full_explanation(&self, i: usize) -> Option<Explanation> {
        let ex = self.explainer.as_ref()?;
        let (x, phi) = self.row_numbers(i)?;
        Some(ex.explain_all(&x, &phi))
    }

    fn row_numbers(&self, i: usize) -> Option<(Vec<f64>, Vec<f64>)> {
        if i >= self.len() || i >= self.features.nrows() || i >= self.shap.nrows() {
            return None;
        }
        Some((self.features.row(i).to_vec(), self.shap.row(i).to_vec()))
    }

    /// Checks `indices` (scored-row positions) or makes `0..len`.
    fn selection<'a>(&self, indices: Option<&'a [usize]>) -> Result<Cow<'a, [usize]>> {
        match indices {
            None => Ok(Cow::Owned((0..self.len()).collect())),
            Some(ix) => match ix.iter().find(|&&i| i >= self.len()) {
                Some(bad) => Err(Error::input(format!(
                    "row index {bad} is out of range: the table has {} scored rows",
                    self.len()
                ))),
                None => Ok(Cow::Borrowed(ix)),
            },
        }
    }

    /// Writes scored rows as CSV, in the order of `indices` (all rows when `None`): the
    /// pipeline's scored-CSV format (see [`Sinks`]), byte for byte what [`Pipeline::score`]
    /// writes for the same rows, with formula-like cells neutralised
    /// ([`safe_cell`](crate::run::export::safe_cell)).
    ///
    /// An index past the end is an [`Error::Input`]; a failing writer an [`Error::Write`].
    ///
    /// ```
    /// # use churn_core::pipeline::{Flow, Pipeline};
    /// # let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let t = Pipeline::new(&b, Default::default())?.score_table(
    ///     &b"customerID,tenure,Contract,MonthlyCharges\n=cmd|'/C calc'!A0,1,One year,50\nB,70,Two year,20\n"[..], &Default::default(), &mut |_| Flow::Continue)?;
    /// let mut out = Vec::new();
    /// t.write_csv(&mut out, Some(&[0]))?;
    /// let text = String::from_utf8(out).unwrap();
    /// assert!(text.starts_with("row,line,customer_id,churn_probability"));
    /// assert!(text.contains("'=cmd"));                 // not a formula in a spreadsheet
    /// assert_eq!(text.lines().count(), 2);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn write_csv<W: Write>(&self, w: W, indices: Option<&[usize]>) -> Result<()> {
        let selection = self.selection(indices)?;
        let err = |e: csv::Error| Error::Write {
            target: "scored CSV".into(),
            source: e.into(),
        };
        let mut cw = csv::WriterBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_writer(w);
        let mut header: Vec<&str> = SCORED_CSV_HEADER.to_vec();
        if self.labelled {
            header.push("churned");
        }
        cw.write_record(&header).map_err(err)?;
        let mut drivers = String::new();
        for &i in selection.iter() {
            let Some(e) = self.explanation(i) else {
                continue;
            };
            let row = self.scored_row(i);
            write_scored_record(&mut cw, &row, &e, &mut drivers).map_err(err)?;
        }
        cw.flush().map_err(|e| Error::Write {
            target: "scored CSV".into(),
            source: e,
        })
    }

    fn scored_row(&self, i: usize) -> ScoredRow<'_> {
        ScoredRow {
            row: self.rows[i],
            line: self.lines[i],
            customer_id: self.customer_ids[i].as_deref(),
            probability: self.probabilities[i],
            tier: self.tier_name(i).unwrap_or(""),
            label: self.labelled.then(|| self.labels[i]),
        }
    }

    /// Writes the rejected rows as CSV: `row,line,customer_id,reject_codes,reject_reasons`, then
    /// the original cells under the original headers when they were kept
    /// ([`CollectOptions::cells`]); formula-like cells neutralised.
    ///
    /// ```
    /// # use churn_core::pipeline::{Flow, Pipeline};
    /// # use churn_core::scored::CollectOptions;
    /// # let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let t = Pipeline::new(&b, Default::default())?.score_table(
    ///     &b"customerID,tenure\nA,\nB,5\n"[..], &CollectOptions { cells: true }, &mut |_| Flow::Continue)?;
    /// let mut out = Vec::new();
    /// t.write_rejects_csv(&mut out)?;
    /// let text = String::from_utf8(out).unwrap();
    /// assert!(text.starts_with("row,line,customer_id,reject_codes,reject_reasons,customerID,tenure\n1,2,A,"));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn write_rejects_csv<W: Write>(&self, w: W) -> Result<()> {
        let err = |e: csv::Error| Error::Write {
            target: "rejects CSV".into(),
            source: e.into(),
        };
        let mut cw = csv::WriterBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_writer(w);
        write_rejects_header(
            &mut cw,
            self.rejected_cells.is_some().then_some(&self.headers[..]),
        )
        .map_err(err)?;
        for (i, r) in self.rejected.iter().enumerate() {
            let line = self.rejected_lines.get(i).copied().unwrap_or(0);
            let cells = self.rejected_cells.as_ref().and_then(|c| c.get(i));
            write_reject_record(&mut cw, r, line, cells.map(Vec::as_slice)).map_err(err)?;
        }
        cw.flush().map_err(|e| Error::Write {
            target: "rejects CSV".into(),
            source: e,
        })
    }

    /// The scored rows in the order of `indices` (all when `None`) as an Excel workbook
    /// (`.xlsx` bytes): one sheet, `Scored customers`, with the scored-CSV columns; numbers as
    /// numbers, text cells formula-safe ([`safe_cell`](crate::run::export::safe_cell)) and written
    /// as strings, a frozen, filterable header row.
    ///
    /// Needs the `xlsx` cargo feature. An index past the end is an [`Error::Input`].
    ///
    /// ```
    /// # use churn_core::pipeline::{Flow, Pipeline};
    /// # let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let t = Pipeline::new(&b, Default::default())?.score_table(
    ///     &b"customerID,tenure,Contract,MonthlyCharges\nA,1,One year,50\nB,70,Two year,20\n"[..], &Default::default(), &mut |_| Flow::Continue)?;
    /// let xlsx = t.to_xlsx(None)?;
    /// assert_eq!(&xlsx[..2], b"PK");                   // a zip container
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    #[cfg(feature = "xlsx")]
    pub fn to_xlsx(&self, indices: Option<&[usize]>) -> Result<Vec<u8>> {
        use crate::run::export::{label_cell, safe_cell};
        use crate::run::xlsx::{Style, Workbook};
        let selection = self.selection(indices)?;
        // A sheet holds 1,048,576 rows, one of them the header.
        if selection.len() > 1_048_575 {
            return Err(Error::input(format!(
                "{} rows do not fit an Excel sheet (at most 1,048,575 data rows); export CSV instead",
                selection.len()
            )));
        }
        let widths = [(2u16, 14.0), (3, 10.0), (4, 8.0), (5, 60.0), (6, 60.0)];
        let mut book = Workbook::new("Scored customers", &widths, true)?;
        let mut header: Vec<&str> = SCORED_CSV_HEADER.to_vec();
        if self.labelled {
            header.push("churned");
        }
        book.start_row()?;
        for h in &header {
            book.text(h, Style::Bold, String::new)?;
        }
        let mut drivers = String::new();
        for &i in selection.iter() {
            let Some(e) = self.explanation(i) else {
                continue;
            };
            crate::run::export::drivers_cell(&e, &mut drivers);
            let row = self.scored_row(i);
            // Names the cell in the error when a text is too long for Excel.
            let at = |column: &str| {
                let line = row.line;
                let column = column.to_string();
                move || format!("the {column} of the customer on line {line}")
            };
            book.start_row()?;
            book.number(row.row as f64, Style::Plain);
            book.number(row.line as f64, Style::Plain);
            book.text(
                &safe_cell(row.customer_id.unwrap_or("")),
                Style::Plain,
                at("customer id"),
            )?;
            book.number(row.probability, Style::Percent);
            book.text(&safe_cell(row.tier), Style::Plain, at("risk tier"))?;
            let (up, down) = (
                crate::run::export::join_reasons(&e.raises),
                crate::run::export::join_reasons(&e.lowers),
            );
            book.text(&safe_cell(&up), Style::Plain, at("reasons up"))?;
            book.text(&safe_cell(&down), Style::Plain, at("reasons down"))?;
            book.text(&safe_cell(&drivers), Style::Plain, at("drivers"))?;
            if let Some(label) = row.label {
                book.text(label_cell(label), Style::Plain, at("churned label"))?;
            }
        }
        book.finish(true)
    }
}
