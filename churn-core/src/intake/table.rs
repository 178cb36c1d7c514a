//! A chunk of a delimited table: one header row and rows of string cells.
//!
//! Every intake stage ([`map_columns`](crate::map_columns), [`validate`](crate::intake::validate),
//! [`profile_chunk`](crate::profile_chunk)) works on a [`Table`] and keeps no state between
//! calls, so a streaming reader can feed a large file chunk by chunk and merge the per-chunk
//! summaries. [`Table::first_row`] numbers the chunk's rows inside the whole file.

use crate::error::{Error, Result};

/// Header names and rows of raw string cells, as read from a CSV export.
///
/// Rows may be ragged (fewer or more cells than headers): the validator reports them instead of
/// failing. Row numbers are 1-based data-row numbers: the first record after the header is row 1
/// (line 2 of a file without embedded newlines).
///
/// ```
/// use churn_core::Table;
/// let t = Table::from_csv_str("id,MRR\nA-1,\"$1,200.50\"\nA-2,\n")?;
/// assert_eq!(t.headers, ["id", "MRR"]);
/// assert_eq!(t.num_rows(), 2);
/// assert_eq!(t.cell(0, 1), Some("$1,200.50"));
/// assert_eq!(t.cell(1, 1), Some(""));
/// assert_eq!(t.row_number(1), 2);
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    /// Header cells, in file order (duplicates and blanks are kept as they are).
    pub headers: Vec<String>,
    /// Data rows; each row holds the raw cells of one record.
    pub rows: Vec<Vec<String>>,
    /// Data-row number of `rows[0]` in the whole file (1 for the first chunk).
    pub first_row: u64,
}

impl Table {
    /// A table from headers and rows; the first row is row 1.
    ///
    /// ```
    /// let t = churn_core::Table::new(vec!["a".into()], vec![vec!["1".into()]]);
    /// assert_eq!(t.first_row, 1);
    /// ```
    pub fn new(headers: Vec<String>, rows: Vec<Vec<String>>) -> Table {
        Table {
            headers,
            rows,
            first_row: 1,
        }
    }

    /// The same table, numbered as a chunk whose first row is data row `first_row` of the file.
    ///
    /// ```
    /// let t = churn_core::Table::new(vec!["a".into()], vec![vec!["1".into()]]).starting_at(65537);
    /// assert_eq!(t.row_number(0), 65537);
    /// ```
    pub fn starting_at(mut self, first_row: u64) -> Table {
        self.first_row = first_row.max(1);
        self
    }

    /// Parses CSV text (comma-separated, RFC 4180 quoting, a UTF-8 byte-order mark is ignored);
    /// the first record is the header row. Ragged rows are kept as they are.
    ///
    /// An empty text gives an empty table (no headers, no rows).
    ///
    /// ```
    /// let t = churn_core::Table::from_csv_str("\u{feff}a,b\n1,2,3\n4\n")?;
    /// assert_eq!(t.headers, ["a", "b"]);
    /// assert_eq!(t.rows[0].len(), 3);
    /// assert_eq!(t.rows[1].len(), 1);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn from_csv_str(text: &str) -> Result<Table> {
        Table::from_delimited_str(text, b',')
    }

    /// Like [`Table::from_csv_str`], with another one-byte delimiter (`b';'`, `b'\t'`, `b'|'`).
    ///
    /// ```
    /// let t = churn_core::Table::from_delimited_str("a;b\n1,5;2\n", b';')?;
    /// assert_eq!(t.cell(0, 0), Some("1,5"));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn from_delimited_str(text: &str, delimiter: u8) -> Result<Table> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(text.as_bytes());
        let mut headers: Option<Vec<String>> = None;
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| Error::Csv {
                line: e.position().map(|p| p.line()).unwrap_or(0),
                reason: e.to_string(),
            })?;
            let cells: Vec<String> = record.iter().map(str::to_string).collect();
            if headers.is_none() {
                headers = Some(cells);
            } else {
                rows.push(cells);
            }
        }
        Ok(Table::new(headers.unwrap_or_default(), rows))
    }

    /// Number of data rows.
    ///
    /// ```
    /// assert_eq!(churn_core::Table::default().num_rows(), 0);
    /// ```
    pub fn num_rows(&self) -> usize {
        self.rows.len()
    }

    /// Number of header cells.
    ///
    /// ```
    /// assert_eq!(churn_core::Table::from_csv_str("a,b,c\n")?.num_columns(), 3);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn num_columns(&self) -> usize {
        self.headers.len()
    }

    /// The raw cell at `row` (0-based within the chunk) and `column`; `None` when the row is
    /// shorter than that.
    ///
    /// ```
    /// let t = churn_core::Table::from_csv_str("a,b\n1\n")?;
    /// assert_eq!(t.cell(0, 0), Some("1"));
    /// assert_eq!(t.cell(0, 1), None);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn cell(&self, row: usize, column: usize) -> Option<&str> {
        self.rows.get(row)?.get(column).map(String::as_str)
    }

    /// The file-wide 1-based data-row number of chunk row `row`.
    ///
    /// ```
    /// let t = churn_core::Table::from_csv_str("a\n1\n2\n")?;
    /// assert_eq!(t.row_number(1), 2);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn row_number(&self, row: usize) -> u64 {
        self.first_row.max(1) + row as u64
    }

    /// The first `n` rows (all rows when there are fewer): the sample the mapper uses for
    /// value-based evidence.
    ///
    /// ```
    /// let t = churn_core::Table::from_csv_str("a\n1\n2\n3\n")?;
    /// assert_eq!(t.sample(2).len(), 2);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn sample(&self, n: usize) -> &[Vec<String>] {
        &self.rows[..n.min(self.rows.len())]
    }
}
