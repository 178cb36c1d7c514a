//! The core's reading of raw text, one call each, for pages that look at a file or a cell
//! before or beside scoring it (the dashboard's file check and date filter): with these they
//! need no copy of the core's rules, so a page and `scoreCsv` always agree.

use churn_core::{normalize, records};
use wasm_bindgen::prelude::*;

use crate::core_error;
use crate::intake::{bytes_of, Bytes};

/// Throws when `bytes` are not delimited text, as `scoreCsv` would before reading a row:
/// a known binary signature (zip / `.xlsx`, `.xls`, PDF, PNG, JPEG, GIF, gzip, SQLite) or,
/// without a UTF-16 byte-order mark, a NUL byte in the first 64 KiB. The `Error`'s `code` is
/// `"csv"` and its message names what the file is; a CSV that is merely malformed passes.
///
/// ```js
/// checkText(new TextEncoder().encode('id,tenure\nA,3\n')) // returns
/// checkText(pngBytes) // throws: "invalid CSV at line 0: the input is not delimited text: it is a PNG image"
/// ```
#[wasm_bindgen(js_name = checkText)]
pub fn check_text(bytes: Bytes) -> Result<(), JsValue> {
    let bytes = bytes_of(&bytes.into(), "checkText's argument")?;
    records::check_text(&bytes).map_err(core_error)
}

/// Reads a date cell as the core does when it turns dates into features (tenure from a
/// signup date): `2024-01-31` (a time after `T` or a space is ignored), `2024/01/31`,
/// `20240131`, `01/31/2024` (month first unless the first number is above 12), `31.01.2024`
/// (day first), `31-Jan-2024`, `Jan 31, 2024`, `31 January 2024`. Returns the day as days
/// since 1970-01-01 (`Date.UTC(y, m - 1, d) / 86400000`), or `NaN` when the cell is not a
/// valid calendar date, as `Date.parse` does and as typed arrays mark missing values.
///
/// ```js
/// parseDate('Jan 31, 2024') === parseDate('2024-01-31') // 19753
/// Number.isNaN(parseDate('2024-02-30'))
/// ```
#[wasm_bindgen(js_name = parseDate)]
pub fn parse_date(text: &str) -> f64 {
    // The core's years (1000 to 9999) are within +-3 million days: exact in an f64. NaN, not
    // `undefined`: a plain number crosses to JS with no glue (the module has a size budget).
    normalize::parse_date(text).map_or(f64::NAN, |d| d.days_since_epoch() as f64)
}
