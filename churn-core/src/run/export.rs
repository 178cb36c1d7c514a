//! Writing results for spreadsheets: formula-safe cells and the scored-row CSV record shared by
//! the [pipeline](crate::run::pipeline) and [`ScoredTable`](crate::run::scored::ScoredTable).
//!
//! A customer export comes from a stranger. A cell such as `=HYPERLINK("http://evil","x")` or
//! `=cmd|' /C calc'!A0` is harmless text to churnlens but a formula to Excel, LibreOffice or
//! Google Sheets when the scored CSV is opened there ("CSV injection"). Every cell churnlens
//! writes that carries the input's text goes through [`safe_cell`]; numbers and the tool's
//! own fields are written as they are.
//!
//! ```
//! use churn_core::export::safe_cell;
//! assert_eq!(safe_cell("=1+1"), "'=1+1");
//! assert_eq!(safe_cell("-12.5"), "-12.5");          // a plain number is no formula
//! assert_eq!(safe_cell("Month-to-month"), "Month-to-month");
//! ```

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::intake::validate::RejectedRow;
use crate::report::risk::{Explanation, Reason};

/// Neutralises a cell that a spreadsheet would run as a formula: one that starts with `=`,
/// `+`, `-`, `@`, a tab or a carriage return gets a leading `'` (the OWASP advice; spreadsheets
/// show the text and do not evaluate it). A cell that is a plain finite number (`-3`,
/// `+1.5e3`) is left alone, since spreadsheets read it as the number it is.
///
/// ```
/// use churn_core::export::safe_cell;
/// assert_eq!(safe_cell("@SUM(A1:A9)"), "'@SUM(A1:A9)");
/// assert_eq!(safe_cell("\t=1"), "'\t=1");
/// assert_eq!(safe_cell("+1.5e3"), "+1.5e3");
/// assert_eq!(safe_cell("-inf"), "'-inf");
/// assert_eq!(safe_cell("4-2"), "4-2");                 // only the first character matters
/// ```
pub fn safe_cell(cell: &str) -> Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{cell}")),
        Some(b'+' | b'-') if !cell.parse::<f64>().is_ok_and(f64::is_finite) => {
            Cow::Owned(format!("'{cell}"))
        }
        _ => Cow::Borrowed(cell),
    }
}

/// Columns of the scored CSV (plus `churned` when the input has a mapped churn label).
///
/// ```
/// assert_eq!(churn_core::export::SCORED_CSV_HEADER[3], "churn_probability");
/// ```
pub const SCORED_CSV_HEADER: [&str; 8] = [
    "row",
    "line",
    "customer_id",
    "churn_probability",
    "risk_tier",
    "raises_risk",
    "lowers_risk",
    "top_drivers",
];

/// The per-row fields of a scored CSV record other than the reasons.
pub(crate) struct ScoredRow<'a> {
    pub row: u64,
    pub line: u64,
    pub customer_id: Option<&'a str>,
    pub probability: f64,
    pub tier: &'a str,
    /// `Some` when the output has a `churned` column (its value may be unknown).
    pub label: Option<Option<f64>>,
}

/// The reasons of one direction as one cell, `; `-separated (the scored CSV's `raises_risk`
/// and `lowers_risk`).
///
/// ```
/// # let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// # let ex = churn_core::risk::Explainer::new(&b, 2)?;
/// # let x = b.sample().unwrap().matrix();
/// # let phi = b.model().shap_values(x.view())?;
/// let e = ex.explain(x.row(0).as_slice().unwrap(), phi.slice(ndarray::s![0, 0, ..]).as_slice().unwrap());
/// let cell = churn_core::export::join_reasons(&e.raises);
/// assert_eq!(cell.split("; ").count(), e.raises.len().max(1));
/// # Ok::<(), churn_core::Error>(())
/// ```
pub fn join_reasons(reasons: &[Reason]) -> String {
    reasons
        .iter()
        .map(|r| r.text.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Writes `feature:contribution` pairs (margin units, 4 decimals), raising then lowering,
/// `;`-separated, into `out` (cleared first): the scored CSV's `top_drivers`.
///
/// ```
/// # let b = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// # let ex = churn_core::risk::Explainer::new(&b, 1)?;
/// # let x = b.sample().unwrap().matrix();
/// # let phi = b.model().shap_values(x.view())?;
/// let e = ex.explain(x.row(0).as_slice().unwrap(), phi.slice(ndarray::s![0, 0, ..]).as_slice().unwrap());
/// let mut cell = String::new();
/// churn_core::export::drivers_cell(&e, &mut cell);
/// assert!(cell.contains(':'));
/// # Ok::<(), churn_core::Error>(())
/// ```
pub fn drivers_cell(e: &Explanation, out: &mut String) {
    out.clear();
    for (k, r) in e.raises.iter().chain(&e.lowers).enumerate() {
        if k > 0 {
            out.push(';');
        }
        let _ = write!(out, "{}:{:+.4}", r.feature, r.contribution);
    }
}

/// Writes one scored-CSV record; `drivers` is a reusable buffer.
pub(crate) fn write_scored_record<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    row: &ScoredRow<'_>,
    e: &Explanation,
    drivers: &mut String,
) -> csv::Result<()> {
    drivers_cell(e, drivers);
    let (n, line, p) = (
        row.row.to_string(),
        row.line.to_string(),
        format!("{:.6}", row.probability),
    );
    let (up, down) = (join_reasons(&e.raises), join_reasons(&e.lowers));
    let mut record: Vec<Cow<'_, str>> = vec![
        Cow::Borrowed(n.as_str()),
        Cow::Borrowed(line.as_str()),
        safe_cell(row.customer_id.unwrap_or("")),
        Cow::Borrowed(p.as_str()),
        safe_cell(row.tier),
        safe_cell(&up),
        safe_cell(&down),
        safe_cell(drivers),
    ];
    if let Some(label) = row.label {
        record.push(Cow::Borrowed(label_cell(label)));
    }
    w.write_record(record.iter().map(|c| c.as_bytes()))
}

/// `yes` / `no` / blank for a churn label.
pub(crate) fn label_cell(label: Option<f64>) -> &'static str {
    match label {
        Some(l) if l >= 0.5 => "yes",
        Some(_) => "no",
        None => "",
    }
}

/// Columns of the rejects CSV before the row's original cells.
pub(crate) const REJECTS_CSV_HEADER: [&str; 5] = [
    "row",
    "line",
    "customer_id",
    "reject_codes",
    "reject_reasons",
];

/// Writes the rejects-CSV header: [`REJECTS_CSV_HEADER`] then the input's headers, if given.
pub(crate) fn write_rejects_header<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    headers: Option<&[String]>,
) -> csv::Result<()> {
    let mut h: Vec<Cow<'_, str>> = REJECTS_CSV_HEADER.map(Cow::Borrowed).into();
    h.extend(headers.into_iter().flatten().map(|c| safe_cell(c)));
    w.write_record(h.iter().map(|c| c.as_bytes()))
}

/// Writes one rejects-CSV record: row, line, id, codes, reasons, then the original cells.
pub(crate) fn write_reject_record<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    r: &RejectedRow,
    line: u64,
    cells: Option<&[String]>,
) -> csv::Result<()> {
    let codes: Vec<&str> = r.codes.iter().map(|c| c.as_str()).collect();
    let (row, line) = (r.row.to_string(), line.to_string());
    let (codes, reasons) = (codes.join(";"), r.reasons.join("; "));
    let mut record: Vec<Cow<'_, str>> = vec![
        Cow::Borrowed(&row),
        Cow::Borrowed(&line),
        safe_cell(r.customer_id.as_deref().unwrap_or("")),
        Cow::Borrowed(&codes),
        safe_cell(&reasons),
    ];
    record.extend(cells.into_iter().flatten().map(|c| safe_cell(c)));
    w.write_record(record.iter().map(|c| c.as_bytes()))
}
