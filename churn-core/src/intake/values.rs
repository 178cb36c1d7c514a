//! Cell-level primitives: the lowest intake module, imported by the schema, the normaliser,
//! the mapper and the validator (and by nothing it imports), so no intake module depends on a
//! higher one to read a cell.
//!
//! Missing markers, numbers as exports write them, booleans, dates, category keys and churn
//! labels. Every item is re-exported from [`normalize`](super::normalize), its public path.
//!
//! Dates are parsed by hand, for a measured reason (2026-12-07): neither `jiff` 1.0 nor
//! `chrono` 0.4 guesses a format (month-first unless the first number is over 12, dots mean
//! day-first, 8-digit dates), so that logic stays hand-written either way; over the same
//! format lists they were 1.2x (`jiff`) and 1.4x (`chrono`) slower on 100,000 mixed cells
//! (38 / 45 / 54 ms), read 29 of 31 test formats against 30 here (both miss `Sept 5, 2024`),
//! and would add 201 KB (`jiff`) or 42 KB (`chrono`) to a WebAssembly module that has about
//! 2 KB left under its 1 MB budget.
//!
//! ```
//! use churn_core::normalize::{category_key, parse_date};
//! assert_eq!(category_key("Month-to-month"), "monthtomonth");
//! assert_eq!(parse_date("31.01.2024").map(|d| d.to_string()), Some("2024-01-31".into()));
//! ```

use std::fmt;

/// Strings read as a missing value (compared trimmed and case-insensitively), besides blanks.
///
/// ```
/// assert!(churn_core::normalize::MISSING_MARKERS.contains(&"n/a"));
/// ```
pub const MISSING_MARKERS: &[&str] = &[
    "na",
    "n/a",
    "n.a.",
    "nan",
    "null",
    "none",
    "nil",
    "-",
    "--",
    "?",
    "#n/a",
    "missing",
    "(blank)",
    "undefined",
    "#null!",
    "nat",
    "<na>",
];

/// Whether a cell means "no value": empty, only whitespace, or a [`MISSING_MARKERS`] word.
///
/// ```
/// use churn_core::normalize::is_missing;
/// assert!(is_missing("") && is_missing(" ") && is_missing("NULL") && is_missing("-"));
/// assert!(!is_missing("0") && !is_missing("No"));
/// ```
pub fn is_missing(raw: &str) -> bool {
    let t = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if t.is_empty() {
        return true;
    }
    if t.len() > 12 {
        return false;
    }
    let l = t.to_lowercase();
    MISSING_MARKERS.contains(&l.as_str())
}

/// A number read from a cell, with what it was written with.
///
/// ```
/// let n = churn_core::normalize::parse_number("€12,50").unwrap();
/// assert_eq!((n.value, n.currency, n.percent), (12.5, true, false));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParsedNumber {
    /// The value (a percentage is returned as written: `12%` gives 12).
    pub value: f64,
    /// A currency symbol or code was present.
    pub currency: bool,
    /// A trailing `%` was present.
    pub percent: bool,
}

const CURRENCY_SYMBOLS: &[char] = &['$', '€', '£', '¥', '₹', '₩', '₽', '₺', '₫', '₱'];
const CURRENCY_CODES: &[&str] = &[
    "usd", "eur", "gbp", "cad", "aud", "inr", "jpy", "chf", "nzd", "sek", "nok", "dkk", "brl",
    "mxn", "zar", "sgd", "hkd", "cny", "rmb", "us$", "c$", "a$", "r$", "kr", "rs", "rs.",
];

/// Reads a number written the way exports write them; `None` when the cell is not a number.
///
/// Accepts a sign, currency symbols or codes before or after (`$12`, `12 EUR`, `US$ 12`),
/// accounting negatives `(12.50)`, a trailing `%`, thousands separators (`,` `.` space,
/// apostrophe) and a decimal comma. A single comma followed by exactly three digits is a
/// thousands separator (`1,234` is 1234) unless the integer part is 0 (`0,125` is 0.125); a
/// single dot is always a decimal point; with both, the last one is the decimal separator.
/// Infinity and NaN are not numbers.
///
/// ```
/// use churn_core::normalize::parse_number;
/// let v = |s| parse_number(s).map(|n| n.value);
/// assert_eq!(v("1,234.50"), Some(1234.5));
/// assert_eq!(v("1.234,50 €"), Some(1234.5));
/// assert_eq!(v("(12.50)"), Some(-12.5));
/// assert_eq!(v("-$3"), Some(-3.0));
/// assert_eq!(v("12,5"), Some(12.5));
/// assert_eq!(v("1e3"), Some(1000.0));
/// assert!(parse_number("45%").unwrap().percent);
/// assert_eq!(v("abc"), None);
/// assert_eq!(v("1,23,4"), None);
/// assert_eq!(v("inf"), None);
/// ```
pub fn parse_number(raw: &str) -> Option<ParsedNumber> {
    let mut s = raw.trim().trim_matches('"').trim().to_string();
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    let mut negative = false;
    let mut currency = false;
    let mut percent = false;
    if s.starts_with('(') && s.ends_with(')') && s.len() >= 3 {
        negative = true;
        s = s[1..s.len() - 1].trim().to_string();
    }
    // Up to two passes strip sign, currency and percent in any order ("-$3", "$-3", "3 USD").
    for _ in 0..3 {
        let before = s.clone();
        if let Some(rest) = s.strip_prefix('-') {
            negative = !negative;
            s = rest.trim_start().to_string();
        } else if let Some(rest) = s.strip_prefix('+') {
            s = rest.trim_start().to_string();
        }
        if let Some(rest) = s.strip_suffix('%') {
            percent = true;
            s = rest.trim_end().to_string();
        }
        if let Some(c) = s.chars().next() {
            if CURRENCY_SYMBOLS.contains(&c) {
                currency = true;
                s = s[c.len_utf8()..].trim_start().to_string();
            }
        }
        if let Some(c) = s.chars().last() {
            if CURRENCY_SYMBOLS.contains(&c) {
                currency = true;
                s = s[..s.len() - c.len_utf8()].trim_end().to_string();
            }
        }
        for code in CURRENCY_CODES {
            let n = code.len();
            let head = s.get(..n).is_some_and(|p| p.eq_ignore_ascii_case(code))
                && s.get(n..)
                    .is_some_and(|r| !r.starts_with(char::is_alphabetic));
            if head {
                currency = true;
                s = s[n..].trim_start().to_string();
                break;
            }
            let cut = s.len().wrapping_sub(n);
            let tail = s.len() > n
                && s.get(cut..).is_some_and(|p| p.eq_ignore_ascii_case(code))
                && s.get(..cut)
                    .is_some_and(|r| !r.ends_with(char::is_alphabetic));
            if tail {
                currency = true;
                s = s[..cut].trim_end().to_string();
                break;
            }
        }
        if s == before {
            break;
        }
    }
    // Remove grouping spaces and apostrophes.
    let s: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\'' | '’' | '_'))
        .collect();
    if s.is_empty() {
        return None;
    }
    let body = normalise_separators(&s)?;
    if !body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
    {
        return None;
    }
    if !body
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c == '.')
    {
        return None;
    }
    let v: f64 = body.parse().ok()?;
    if !v.is_finite() {
        return None;
    }
    Some(ParsedNumber {
        value: if negative { -v } else { v },
        currency,
        percent,
    })
}

/// Turns `1,234.5` / `1.234,5` / `1,5` into `1234.5` / `1234.5` / `1.5`; `None` when the
/// grouping is malformed.
fn normalise_separators(s: &str) -> Option<String> {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    };
    let commas = mantissa.matches(',').count();
    let dots = mantissa.matches('.').count();
    let out = match (commas, dots) {
        (0, 0) | (0, 1) => mantissa.to_string(),
        (_, 0) if commas >= 1 => {
            let parts: Vec<&str> = mantissa.split(',').collect();
            if commas == 1 && !(parts[1].len() == 3 && parts[0] != "0" && !parts[0].is_empty()) {
                format!("{}.{}", parts[0], parts[1]) // decimal comma
            } else {
                check_groups(&parts)?;
                parts.concat()
            }
        }
        (0, _) => {
            let parts: Vec<&str> = mantissa.split('.').collect();
            check_groups(&parts)?;
            parts.concat()
        }
        _ => {
            let last_comma = mantissa.rfind(',')?;
            let last_dot = mantissa.rfind('.')?;
            let (group, decimal) = if last_dot > last_comma {
                (',', '.')
            } else {
                ('.', ',')
            };
            if mantissa.matches(decimal).count() != 1 {
                return None;
            }
            let (int, frac) = mantissa.split_once(decimal)?;
            if frac.contains(group) {
                return None;
            }
            let parts: Vec<&str> = int.split(group).collect();
            check_groups(&parts)?;
            format!("{}.{}", parts.concat(), frac)
        }
    };
    Some(format!("{out}{exponent}"))
}

fn check_groups(parts: &[&str]) -> Option<()> {
    let first = parts.first()?;
    if first.is_empty() || first.len() > 3 {
        return None;
    }
    if parts[1..].iter().all(|p| p.len() == 3) {
        Some(())
    } else {
        None
    }
}

/// Reads a boolean: yes/no, y/n, true/false, t/f, 1/0 (also `1.0`/`0.0`), on/off.
///
/// ```
/// use churn_core::normalize::parse_bool;
/// assert_eq!(parse_bool(" YES "), Some(true));
/// assert_eq!(parse_bool("0.0"), Some(false));
/// assert_eq!(parse_bool("maybe"), None);
/// ```
pub fn parse_bool(raw: &str) -> Option<bool> {
    let t = raw.trim().to_lowercase();
    match t.as_str() {
        "yes" | "y" | "true" | "t" | "1" | "1.0" | "on" => Some(true),
        "no" | "n" | "false" | "f" | "0" | "0.0" | "off" => Some(false),
        _ => None,
    }
}

/// A calendar date (proleptic Gregorian).
///
/// ```
/// let d = churn_core::normalize::parse_date("2024-03-01").unwrap();
/// assert_eq!(d.to_string(), "2024-03-01");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, e.g. 2024.
    pub year: i32,
    /// Month, 1..=12.
    pub month: u32,
    /// Day of the month, 1..=31.
    pub day: u32,
}

impl Date {
    /// A valid date, or `None`.
    ///
    /// ```
    /// use churn_core::normalize::Date;
    /// assert!(Date::new(2024, 2, 29).is_some());
    /// assert!(Date::new(2023, 2, 29).is_none());
    /// ```
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        if !(1000..=9999).contains(&year) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Days since 1970-01-01 (negative before).
    ///
    /// ```
    /// use churn_core::normalize::Date;
    /// assert_eq!(Date::new(1970, 1, 2).unwrap().days_since_epoch(), 1);
    /// ```
    pub fn days_since_epoch(&self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = if self.month <= 2 {
            self.year as i64 - 1
        } else {
            self.year as i64
        };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let m = self.month as i64;
        let mp = if m > 2 { m - 3 } else { m + 9 };
        let doy = (153 * mp + 2) / 5 + self.day as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146097 + doe - 719468
    }

    /// Whole calendar months from `self` to `later` (negative when `later` is earlier), as
    /// tenure is counted: 2024-01-31 to 2024-02-29 is 0 months, to 2024-03-01 is 1.
    ///
    /// ```
    /// use churn_core::normalize::Date;
    /// let a = Date::new(2023, 1, 15).unwrap();
    /// assert_eq!(a.months_until(Date::new(2024, 1, 15).unwrap()), 12);
    /// assert_eq!(a.months_until(Date::new(2024, 1, 14).unwrap()), 11);
    /// ```
    pub fn months_until(&self, later: Date) -> i64 {
        let mut m =
            (later.year as i64 - self.year as i64) * 12 + later.month as i64 - self.month as i64;
        if m > 0 && later.day < self.day {
            m -= 1;
        } else if m < 0 && later.day > self.day {
            m += 1;
        }
        m
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

fn month_from_name(s: &str) -> Option<u32> {
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let l = s.to_lowercase();
    if l.len() < 3 {
        return None;
    }
    let l = if l == "sept" { "sep".to_string() } else { l };
    NAMES
        .iter()
        .position(|n| l.starts_with(n) && (l.len() == 3 || full_month(n).starts_with(&l)))
        .map(|i| i as u32 + 1)
}

fn full_month(abbr: &str) -> &'static str {
    match abbr {
        "jan" => "january",
        "feb" => "february",
        "mar" => "march",
        "apr" => "april",
        "may" => "may",
        "jun" => "june",
        "jul" => "july",
        "aug" => "august",
        "sep" => "september",
        "oct" => "october",
        "nov" => "november",
        _ => "december",
    }
}

/// Reads a date: `2024-01-31` (a time after `T` or a space is ignored), `2024/01/31`,
/// `20240131`, `01/31/2024` (month first unless the first number is above 12),
/// `31.01.2024` (day first), `31-Jan-2024`, `Jan 31, 2024`, `31 January 2024`.
///
/// ```
/// use churn_core::normalize::{parse_date, Date};
/// let d = Date::new(2024, 1, 31);
/// for s in ["2024-01-31", "2024-01-31T10:00:00Z", "20240131", "01/31/2024", "31/01/2024",
///           "31.01.2024", "31-Jan-2024", "Jan 31, 2024", "31 January 2024"] {
///     assert_eq!(parse_date(s), d, "{s}");
/// }
/// assert_eq!(parse_date("2024-02-30"), None);
/// assert_eq!(parse_date("12"), None);
/// ```
pub fn parse_date(raw: &str) -> Option<Date> {
    let t = raw.trim();
    if t.len() < 6 || t.len() > 40 {
        return None;
    }
    // Compact YYYYMMDD.
    if t.len() == 8 && t.chars().all(|c| c.is_ascii_digit()) {
        let y: i32 = t[..4].parse().ok()?;
        if !(1900..=2100).contains(&y) {
            return None;
        }
        return Date::new(y, t[4..6].parse().ok()?, t[6..8].parse().ok()?);
    }
    // Drop a time part.
    let date_part = match t.find(['T', ' ']) {
        Some(i) if t[..i].contains(['-', '/', '.']) && t[..i].len() >= 8 => &t[..i],
        _ => t,
    };
    let parts: Vec<&str> = date_part
        .split(['-', '/', '.', ' ', ','])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() != 3 {
        return None;
    }
    let num = |s: &str| -> Option<u32> {
        if s.is_empty() || s.len() > 4 || !s.chars().all(|c| c.is_ascii_digit()) {
            None
        } else {
            s.parse().ok()
        }
    };
    let names: Vec<Option<u32>> = parts.iter().map(|p| month_from_name(p)).collect();
    if let Some(mi) = names.iter().position(Option::is_some) {
        let month = names[mi]?;
        let others: Vec<&str> = parts
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != mi)
            .map(|(_, p)| *p)
            .collect();
        let (a, b) = (others[0], others[1]);
        let (y, d) = if a.len() == 4 { (a, b) } else { (b, a) };
        if y.len() != 4 {
            return None;
        }
        return Date::new(num(y)? as i32, month, num(d)?);
    }
    let sep_dot = date_part.contains('.');
    let (a, b, c) = (num(parts[0])?, num(parts[1])?, num(parts[2])?);
    if parts[0].len() == 4 {
        return Date::new(a as i32, b, c);
    }
    if parts[2].len() != 4 {
        return None;
    }
    if sep_dot || a > 12 {
        Date::new(c as i32, b, a)
    } else {
        Date::new(c as i32, a, b)
    }
}

/// The comparison key of a categorical level: lowercase letters and digits only, so
/// `"Month-to-month"`, `"month to month"` and `"MONTH_TO_MONTH"` are one level.
///
/// ```
/// use churn_core::normalize::category_key;
/// assert_eq!(category_key("Bank transfer (automatic)"), "banktransferautomatic");
/// ```
pub fn category_key(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The index of the category a cell names, ignoring case, spacing and punctuation.
///
/// ```
/// use churn_core::normalize::match_category;
/// let cats: Vec<String> = ["DSL", "Fiber optic", "No"].iter().map(|s| s.to_string()).collect();
/// assert_eq!(match_category("fiber  OPTIC", &cats), Some(1));
/// assert_eq!(match_category("Satellite", &cats), None);
/// ```
pub fn match_category(raw: &str, categories: &[String]) -> Option<usize> {
    // Keys are compared as they are made, stopping at the first difference: no allocation per
    // cell and category, and a hostile 100 MB cell costs one character per category, not a
    // copy of itself.
    fn keyed(s: &str) -> impl Iterator<Item = char> + '_ {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
    }
    keyed(raw).next()?;
    categories.iter().position(|c| keyed(raw).eq(keyed(c)))
}

/// Words that mark a churned (positive) or retained (negative) label value.
const LABEL_POSITIVE: &[&str] = &[
    "churn",
    "churned",
    "attrited",
    "exited",
    "left",
    "cancelled",
    "canceled",
    "lost",
    "terminated",
    "inactive",
    "closed",
];
const LABEL_NEGATIVE: &[&str] = &[
    "retained", "existing", "stayed", "active", "current", "renewed", "kept", "open",
];

/// Reads a churn label: the schema's `[negative, positive]` categories when given, else
/// yes/no/true/false/1/0, else words such as `Churned`, `Attrited Customer` (1) and
/// `Existing Customer`, `Retained` (0).
///
/// ```
/// use churn_core::normalize::parse_label;
/// assert_eq!(parse_label("Attrited Customer", &[]), Some(1.0));
/// assert_eq!(parse_label("Existing Customer", &[]), Some(0.0));
/// assert_eq!(parse_label("Yes", &[]), Some(1.0));
/// assert_eq!(parse_label("stay", &["stay".into(), "go".into()]), Some(0.0));
/// ```
pub fn parse_label(raw: &str, categories: &[String]) -> Option<f64> {
    if categories.len() == 2 {
        if let Some(i) = match_category(raw, categories) {
            return Some(i as f64);
        }
    }
    if let Some(b) = parse_bool(raw) {
        return Some(if b { 1.0 } else { 0.0 });
    }
    let lower = raw.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let pos = words.iter().any(|w| LABEL_POSITIVE.contains(w));
    let neg = words.iter().any(|w| LABEL_NEGATIVE.contains(w));
    match (pos, neg) {
        (true, false) => Some(1.0),
        (false, true) => Some(0.0),
        _ => None,
    }
}

/// Up to five items, quoted, for messages (`"a", "b", ...`).
pub(crate) fn preview(items: &[String]) -> String {
    let mut s: Vec<String> = items.iter().take(5).map(|c| format!("{c:?}")).collect();
    if items.len() > 5 {
        s.push("...".into());
    }
    s.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let v = |s: &str| parse_number(s).map(|n| n.value);
        assert_eq!(v("1 234,50"), Some(1234.5));
        assert_eq!(v("1'234.50"), Some(1234.5));
        assert_eq!(v("USD 12"), Some(12.0));
        assert_eq!(v("12 usd"), Some(12.0));
        assert_eq!(v("US$ 12.5"), Some(12.5));
        assert_eq!(v("$-3"), Some(-3.0));
        assert_eq!(v("0,125"), Some(0.125));
        assert_eq!(v("1.234.567"), Some(1234567.0));
        assert_eq!(v(".5"), Some(0.5));
        assert_eq!(v("1,234,567.89"), Some(1234567.89));
        assert_eq!(v("--"), None);
        assert_eq!(v("$"), None);
        assert_eq!(v("12abc"), None);
        assert_eq!(v("NaN"), None);
        assert_eq!(v("1.2.3"), None);
        assert_eq!(v("1,2.3"), None);
        assert_eq!(v("1e400"), None);
        assert_eq!(v(&"9".repeat(100)), None);
        assert!(parse_number("$5").unwrap().currency);
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("2024-02-29 23:59"), Date::new(2024, 2, 29));
        assert_eq!(parse_date("1/2/2024"), Date::new(2024, 1, 2));
        assert_eq!(parse_date("13/2/2024"), Date::new(2024, 2, 13));
        assert_eq!(parse_date("2024-Jan-05"), Date::new(2024, 1, 5));
        assert_eq!(parse_date("January 5 2024"), Date::new(2024, 1, 5));
        assert_eq!(parse_date("99999999"), None);
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(parse_date("not a date"), None);
        let a = Date::new(2024, 1, 31).unwrap();
        assert_eq!(a.months_until(Date::new(2024, 2, 29).unwrap()), 0);
        assert_eq!(a.months_until(Date::new(2024, 3, 1).unwrap()), 1);
        assert_eq!(Date::new(2000, 3, 1).unwrap().days_since_epoch(), 11017);
    }
}
