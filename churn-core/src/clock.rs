//! The wall clock as UTC text, for timestamps every layer writes (bundle metadata, the
//! prediction log). Here rather than in `store/` so that layers below it can stamp times too.

/// The current time, UTC, as `YYYY-MM-DDTHH:MM:SSZ`.
///
/// ```
/// let t = churn_core::clock::now_utc();
/// assert_eq!((t.len(), &t[10..11], &t[19..]), (20, "T", "Z"));
/// ```
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Today's date, UTC, as `YYYY-MM-DD`.
///
/// ```
/// assert_eq!(churn_core::clock::today_utc().len(), 10);
/// ```
pub fn today_utc() -> String {
    now_utc()[..10].to_string()
}

/// Howard Hinnant's civil_from_days: days since 1970-01-01 to (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        for d in [-1000i64, 0, 365, 11_016, 20_000, 30_000] {
            let (y, m, day) = civil_from_days(d);
            let back = crate::intake::normalize::Date::new(y as i32, m, day)
                .unwrap()
                .days_since_epoch();
            assert_eq!(back, d);
        }
    }
}
