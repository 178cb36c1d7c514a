//! Run options as people type them: on a command line (`--delimiter tab`), as a Python or JS
//! argument (`encoding="latin1"`), in a config file. Each option has one parser here, with one
//! error text, so that every runtime accepts and refuses the same spellings with the same
//! message ([`Error::Input`]):
//!
//! - [`Encoding`] (`auto`, `utf-8`, `utf-16`, `windows-1252` / `latin1` / `cp1252`);
//! - [`Delimiter`] (`,` `;` `tab` `\t` `|`, or their names);
//! - [`RiskTiers`] from the two bounds `MEDIUM,HIGH` (e.g. `0.25,0.5`);
//! - [`Threads`] (`0` or `auto` = one per core, else `1..=1024`);
//! - [`ReasonCount`] (reasons per direction: a count, or `all`).
//!
//! ```
//! use churn_core::run::options::{Delimiter, ReasonCount, Threads};
//! use churn_core::pipeline::Encoding;
//! let encoding: Encoding = "Latin1".parse()?;
//! let delimiter: Delimiter = "tab".parse()?;
//! let tiers: churn_core::RiskTiers = "0.3,0.6".parse()?;
//! assert_eq!((encoding, delimiter.byte()), (Encoding::Windows1252, b'\t'));
//! assert_eq!(tiers.tier_of(0.45), Some("medium"));
//! assert_eq!("8".parse::<Threads>()?.count(), Some(8));
//! assert_eq!("all".parse::<ReasonCount>()?.get(), usize::MAX);
//! assert_eq!("x".parse::<Delimiter>().unwrap_err().kind(), "input");
//! # Ok::<(), churn_core::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;

use crate::bundle::RiskTiers;
use crate::error::{Error, Result};
use crate::report::risk::default_tiers;
use crate::run::read::Encoding;

impl FromStr for Encoding {
    type Err = Error;

    /// [`Encoding::parse`], with the error every runtime reports.
    ///
    /// ```
    /// use churn_core::pipeline::Encoding;
    /// assert_eq!("utf8".parse::<Encoding>()?, Encoding::Utf8);
    /// let e = "ebcdic".parse::<Encoding>().unwrap_err();
    /// assert!(e.to_string().starts_with("invalid input: encoding \"ebcdic\" is not one of \
    ///     auto, utf-8, utf-16, windows-1252 (also latin1, cp1252)"));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    fn from_str(text: &str) -> Result<Encoding> {
        // Builds with the `encodings` feature read every WHATWG label too.
        let more = if cfg!(feature = "encodings") {
            " or a WHATWG encoding label (shift_jis, windows-1250, koi8-r, gb18030, euc-kr, ...)"
        } else {
            ""
        };
        Encoding::parse(text).ok_or_else(|| {
            Error::input(format!(
                "encoding {text:?} is not one of auto, utf-8, utf-16, windows-1252 \
                 (also latin1, cp1252){more}"
            ))
        })
    }
}

/// A field delimiter the reader supports: `,` `;` tab or `|`.
///
/// Parsed from the character itself or its name (`comma`, `semicolon`, `tab`, `pipe`); a tab
/// may also be written `\t` (a backslash and a `t`, as shells pass it).
///
/// ```
/// use churn_core::run::options::Delimiter;
/// assert_eq!(";".parse::<Delimiter>()?, Delimiter::SEMICOLON);
/// assert_eq!("\\t".parse::<Delimiter>()?.byte(), b'\t');
/// assert_eq!(Delimiter::TAB.to_string(), "tab");
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Delimiter(u8);

impl Delimiter {
    /// `,`
    pub const COMMA: Delimiter = Delimiter(b',');
    /// `;` (European Excel exports, where `,` is the decimal separator).
    pub const SEMICOLON: Delimiter = Delimiter(b';');
    /// A tab (Excel's "Unicode text").
    pub const TAB: Delimiter = Delimiter(b'\t');
    /// `|`
    pub const PIPE: Delimiter = Delimiter(b'|');

    /// The delimiter byte, as [`PipelineOptions::delimiter`](crate::PipelineOptions) takes it.
    ///
    /// ```
    /// assert_eq!(churn_core::run::options::Delimiter::PIPE.byte(), b'|');
    /// ```
    pub fn byte(self) -> u8 {
        self.0
    }
}

impl FromStr for Delimiter {
    type Err = Error;

    /// ```
    /// use churn_core::run::options::Delimiter;
    /// for ok in [",", "comma", "Semicolon", "\t", "TAB", "|", "pipe"] {
    ///     assert!(ok.parse::<Delimiter>().is_ok(), "{ok}");
    /// }
    /// let e = "x".parse::<Delimiter>().unwrap_err();
    /// assert_eq!(e.to_string(), "invalid input: delimiter \"x\" is not one of , ; tab |");
    /// ```
    fn from_str(text: &str) -> Result<Delimiter> {
        // The tab itself is whitespace: match it before trimming.
        if text == "\t" {
            return Ok(Delimiter::TAB);
        }
        match text.trim().to_ascii_lowercase().as_str() {
            "," | "comma" => Ok(Delimiter::COMMA),
            ";" | "semicolon" => Ok(Delimiter::SEMICOLON),
            "\\t" | "tab" => Ok(Delimiter::TAB),
            "|" | "pipe" => Ok(Delimiter::PIPE),
            _ => Err(Error::input(format!(
                "delimiter {text:?} is not one of , ; tab |"
            ))),
        }
    }
}

impl fmt::Display for Delimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            b'\t' => f.write_str("tab"),
            b => write!(f, "{}", char::from(b)),
        }
    }
}

impl From<Delimiter> for u8 {
    fn from(d: Delimiter) -> u8 {
        d.0
    }
}

impl FromStr for RiskTiers {
    type Err = Error;

    /// The default tiers (`low`, `medium`, `high`) with the lower bounds of `medium` and
    /// `high` given as `MEDIUM,HIGH`, `0 < MEDIUM < HIGH < 1`.
    ///
    /// ```
    /// let t: churn_core::RiskTiers = " 0.2, 0.7 ".parse()?;
    /// assert_eq!((t.tier_of(0.1), t.tier_of(0.2), t.tier_of(0.7)), (Some("low"), Some("medium"), Some("high")));
    /// for bad in ["0.5", "0.5,0.25", "0,0.5", "0.25,1", "a,b", "0.1,0.2,0.3", "NaN,0.5"] {
    ///     let e = bad.parse::<churn_core::RiskTiers>().unwrap_err();
    ///     assert!(e.to_string().contains("need two bounds MEDIUM,HIGH"), "{bad}: {e}");
    /// }
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    fn from_str(text: &str) -> Result<RiskTiers> {
        let bounds: Vec<Option<f64>> = text.split(',').map(|b| b.trim().parse().ok()).collect();
        let [Some(medium), Some(high)] = bounds[..] else {
            return Err(tiers_error(text));
        };
        // Negated so that NaN fails too.
        if !(0.0 < medium && medium < high && high < 1.0) {
            return Err(tiers_error(text));
        }
        let mut tiers = default_tiers();
        tiers.tiers[1].min_probability = medium;
        tiers.tiers[2].min_probability = high;
        Ok(tiers)
    }
}

fn tiers_error(text: &str) -> Error {
    Error::input(format!(
        "tiers {text:?}: need two bounds MEDIUM,HIGH with 0 < MEDIUM < HIGH < 1 (e.g. 0.25,0.5)"
    ))
}

/// How many worker threads a run may use: one per core ([`Threads::AUTO`], written `0` or
/// `auto`), or a fixed count up to [`Threads::MAX`] (a typo such as `10000` should not start
/// ten thousand threads).
///
/// ```
/// use churn_core::run::options::Threads;
/// assert_eq!("auto".parse::<Threads>()?, Threads::AUTO);
/// assert_eq!(Threads::try_from(0)?.count(), None);
/// assert_eq!(Threads::try_from(4)?.count(), Some(4));
/// assert!(Threads::try_from(-1).is_err() && "1025".parse::<Threads>().is_err());
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Threads(usize);

impl Threads {
    /// One thread per core (rayon's global pool).
    pub const AUTO: Threads = Threads(0);
    /// The largest count accepted.
    pub const MAX: usize = 1024;

    /// The fixed count, or `None` for one per core.
    ///
    /// ```
    /// assert_eq!(churn_core::run::options::Threads::AUTO.count(), None);
    /// ```
    pub fn count(self) -> Option<usize> {
        (self.0 > 0).then_some(self.0)
    }
}

impl TryFrom<i64> for Threads {
    type Error = Error;

    /// A count from a host's integer (`0` = one per core).
    ///
    /// ```
    /// let e = churn_core::run::options::Threads::try_from(5000).unwrap_err();
    /// assert_eq!(e.to_string(), "invalid input: threads must be 0 or auto (one per core) \
    ///     or 1..=1024, got \"5000\"");
    /// ```
    fn try_from(n: i64) -> Result<Threads> {
        match usize::try_from(n) {
            Ok(n) if n <= Threads::MAX => Ok(Threads(n)),
            _ => Err(threads_error(&n.to_string())),
        }
    }
}

impl FromStr for Threads {
    type Err = Error;

    /// ```
    /// use churn_core::run::options::Threads;
    /// assert_eq!(" 2 ".parse::<Threads>()?.count(), Some(2));
    /// assert!("two".parse::<Threads>().is_err() && "-1".parse::<Threads>().is_err());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    fn from_str(text: &str) -> Result<Threads> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("auto") {
            return Ok(Threads::AUTO);
        }
        t.parse::<i64>()
            .map_err(|_| threads_error(text))
            .and_then(|n| Threads::try_from(n).map_err(|_| threads_error(text)))
    }
}

fn threads_error(text: &str) -> Error {
    Error::input(format!(
        "threads must be 0 or auto (one per core) or 1..={}, got {text:?}",
        Threads::MAX
    ))
}

/// Reasons listed per customer in each direction (raising and lowering risk): a count
/// (`0` lists none), or `all` for every feature that contributes.
///
/// ```
/// use churn_core::run::options::ReasonCount;
/// assert_eq!("5".parse::<ReasonCount>()?.get(), 5);
/// assert_eq!(ReasonCount::try_from(3)?, ReasonCount::default());
/// assert!(ReasonCount::try_from(-1).is_err());
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReasonCount(usize);

impl ReasonCount {
    /// Every contributing feature.
    pub const ALL: ReasonCount = ReasonCount(usize::MAX);

    /// The count, as [`PipelineOptions::top_k`](crate::PipelineOptions) takes it.
    ///
    /// ```
    /// assert_eq!(churn_core::run::options::ReasonCount::default().get(), 3);
    /// ```
    pub fn get(self) -> usize {
        self.0
    }
}

impl Default for ReasonCount {
    fn default() -> ReasonCount {
        ReasonCount(crate::report::risk::DEFAULT_TOP_K)
    }
}

impl TryFrom<i64> for ReasonCount {
    type Error = Error;

    /// ```
    /// let e = churn_core::run::options::ReasonCount::try_from(-2).unwrap_err();
    /// assert_eq!(e.to_string(), "invalid input: reasons must be a count (0 or more) or all, got \"-2\"");
    /// ```
    fn try_from(n: i64) -> Result<ReasonCount> {
        usize::try_from(n)
            .map(ReasonCount)
            .map_err(|_| reasons_error(&n.to_string()))
    }
}

impl FromStr for ReasonCount {
    type Err = Error;

    /// ```
    /// use churn_core::run::options::ReasonCount;
    /// assert_eq!("ALL".parse::<ReasonCount>()?, ReasonCount::ALL);
    /// assert!("three".parse::<ReasonCount>().is_err() && "".parse::<ReasonCount>().is_err());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    fn from_str(text: &str) -> Result<ReasonCount> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("all") {
            return Ok(ReasonCount::ALL);
        }
        t.parse::<usize>()
            .map(ReasonCount)
            .map_err(|_| reasons_error(text))
    }
}

fn reasons_error(text: &str) -> Error {
    Error::input(format!(
        "reasons must be a count (0 or more) or all, got {text:?}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err<T: FromStr<Err = Error> + fmt::Debug>(text: &str) -> String {
        let e = text.parse::<T>().expect_err(text);
        assert_eq!(e.kind(), "input", "{text}");
        e.to_string()
    }

    #[test]
    fn encodings() {
        for (text, want) in [
            ("auto", Encoding::Auto),
            ("UTF-8", Encoding::Utf8),
            ("utf8", Encoding::Utf8),
            ("utf_16", Encoding::Utf16),
            ("windows-1252", Encoding::Windows1252),
            (" latin1 ", Encoding::Windows1252),
            ("iso-8859-1", Encoding::Windows1252),
            ("cp1252", Encoding::Windows1252),
        ] {
            assert_eq!(text.parse::<Encoding>().ok(), Some(want), "{text}");
        }
        for bad in ["", "ebcdic", "utf-32", "latin9"] {
            assert!(
                err::<Encoding>(bad).contains("is not one of auto, utf-8"),
                "{bad}"
            );
        }
    }

    #[test]
    fn delimiters() {
        for (text, want) in [
            (",", b','),
            ("comma", b','),
            (";", b';'),
            ("SEMICOLON", b';'),
            ("\t", b'\t'),
            ("\\t", b'\t'),
            ("tab", b'\t'),
            ("|", b'|'),
            (" pipe", b'|'),
        ] {
            assert_eq!(
                text.parse::<Delimiter>().map(u8::from).ok(),
                Some(want),
                "{text:?}"
            );
        }
        for bad in ["", " ", "x", ",,", ":", "space", "\\"] {
            assert!(
                err::<Delimiter>(bad).contains("is not one of , ; tab |"),
                "{bad:?}"
            );
        }
        // Display gives back a spelling the parser reads.
        for d in [
            Delimiter::COMMA,
            Delimiter::SEMICOLON,
            Delimiter::TAB,
            Delimiter::PIPE,
        ] {
            assert_eq!(d.to_string().parse::<Delimiter>().ok(), Some(d));
        }
    }

    #[test]
    fn tiers() {
        let t: RiskTiers = "0.25,0.5".parse().expect("defaults");
        assert_eq!(t, default_tiers());
        let t: RiskTiers = "0.1, 0.9".parse().expect("spaces");
        let bounds: Vec<f64> = t.tiers.iter().map(|t| t.min_probability).collect();
        assert_eq!(bounds, [0.0, 0.1, 0.9]);
        for bad in [
            "",
            "0.5",
            "0.25;0.5",
            "0.5,0.25",
            "0.3,0.3",
            "0,0.5",
            "-0.1,0.5",
            "0.25,1",
            "0.25,inf",
            "NaN,0.5",
            "0.1,0.2,0.3",
            "low,high",
        ] {
            assert!(
                err::<RiskTiers>(bad).contains("0 < MEDIUM < HIGH < 1"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn threads() {
        for (text, want) in [
            ("0", None),
            ("auto", None),
            ("AUTO", None),
            ("1", Some(1)),
            ("1024", Some(1024)),
        ] {
            assert_eq!(text.parse::<Threads>().expect(text).count(), want, "{text}");
        }
        for bad in ["", "-1", "1025", "1.5", "four", "99999999999999999999"] {
            assert!(err::<Threads>(bad).contains("1..=1024"), "{bad}");
        }
        assert_eq!(
            Threads::try_from(1024).ok().and_then(Threads::count),
            Some(1024)
        );
        assert!(Threads::try_from(i64::MIN).is_err() && Threads::try_from(1025).is_err());
    }

    #[test]
    fn reasons() {
        for (text, want) in [("0", 0), ("3", 3), (" 12 ", 12), ("all", usize::MAX)] {
            assert_eq!(
                text.parse::<ReasonCount>().expect(text).get(),
                want,
                "{text}"
            );
        }
        for bad in ["", "-1", "2.5", "many", "alll"] {
            assert!(
                err::<ReasonCount>(bad).contains("a count (0 or more) or all"),
                "{bad}"
            );
        }
        assert_eq!(ReasonCount::try_from(7).map(ReasonCount::get).ok(), Some(7));
    }
}
