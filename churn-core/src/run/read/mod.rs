//! Reading delimited text: sniffing the encoding and delimiter, transcoding to UTF-8, and
//! handing out chunks of rows with the line each record starts on.
//!
//! UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark (Excel's "Unicode
//! text"; transcoded), UTF-16 without one when its first bytes are Latin text (a NUL in every
//! other byte; what .NET and some exporters write) and Windows-1252 (Excel's "CSV" on
//! Western-European Windows). With [`Encoding::Auto`], a file whose first 64 KiB are not valid
//! UTF-8 (and not UTF-16) is read as Windows-1252; invalid UTF-8 found later is an
//! [`Error::Encoding`] naming the row, line, byte and column. The delimiter (`,` `;` tab `|`)
//! is the one that splits the first rows into the same number of fields as the header,
//! preferring more fields.

use std::io::{Cursor, Read};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::intake::table::Table;

mod check;
use check::check_head;
pub use check::check_text;

/// Bytes read before the first row to sniff the encoding and delimiter.
const SNIFF_BYTES: usize = 64 * 1024;
/// Records looked at to choose the delimiter.
const SNIFF_RECORDS: usize = 50;

/// The character encoding of the input.
///
/// Names are the ones today's options and summaries use (`auto`, `utf-8`, `utf-16`,
/// `windows-1252`); with the `encodings` feature (on by default, off in the wasm build) any
/// other encoding a browser reads is [`Encoding::Other`], named by its WHATWG label
/// (`shift_jis`, `windows-1250`, `iso-8859-2`, `koi8-r`, `gb18030`, `euc-kr`, `big5`, ...).
/// Serde reads any name [`Encoding::parse`] accepts and writes [`Encoding::as_str`].
///
/// ```
/// let e: churn_core::pipeline::Encoding = serde_json::from_str("\"windows-1252\"").unwrap();
/// assert_eq!(e, churn_core::pipeline::Encoding::Windows1252);
/// assert_eq!(e.as_str(), "windows-1252");
/// # #[cfg(feature = "encodings")] {
/// let e: churn_core::pipeline::Encoding = serde_json::from_str("\"sjis\"").unwrap();
/// assert_eq!(serde_json::to_string(&e).unwrap(), "\"Shift_JIS\"");
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// Sniffed: a byte-order mark decides; otherwise UTF-8 when the first 64 KiB are valid
    /// UTF-8; when not, the encoding `chardetng` guesses from them (Windows-1252 for Western
    /// European text; always Windows-1252 without the `encodings` feature).
    #[default]
    Auto,
    /// UTF-8 (a byte-order mark is skipped); invalid bytes are an error.
    Utf8,
    /// UTF-16 (little or big endian, from the byte-order mark), transcoded to UTF-8.
    Utf16,
    /// Windows-1252 (a superset of Latin-1 / ISO-8859-1); every byte is a character.
    Windows1252,
    /// Any other encoding of the WHATWG Encoding Standard, decoded by `encoding_rs` (feature
    /// `encodings`); bytes it cannot decode are an error naming the row and column, except
    /// in `UTF-16LE` / `UTF-16BE`, which replace them with U+FFFD like [`Encoding::Utf16`].
    ///
    /// ```
    /// # #[cfg(feature = "encodings")] {
    /// use churn_core::pipeline::Encoding;
    /// assert_eq!(Encoding::Other(encoding_rs::KOI8_R).as_str(), "KOI8-R");
    /// assert_eq!(Encoding::parse("koi8-r"), Some(Encoding::Other(encoding_rs::KOI8_R)));
    /// # }
    /// ```
    #[cfg(feature = "encodings")]
    Other(&'static encoding_rs::Encoding),
}

impl Encoding {
    /// `auto`, `utf-8`, `utf-16`, `windows-1252`, or the WHATWG name of an
    /// [`Encoding::Other`] (`Shift_JIS`, `windows-1250`, `KOI8-R`, `gb18030`, ...).
    ///
    /// ```
    /// assert_eq!(churn_core::pipeline::Encoding::Utf8.as_str(), "utf-8");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Auto => "auto",
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16 => "utf-16",
            Encoding::Windows1252 => "windows-1252",
            #[cfg(feature = "encodings")]
            Encoding::Other(e) => e.name(),
        }
    }

    /// Parses a name: `auto`, `utf-8`/`utf8`, `utf-16`/`utf16`, `windows-1252`/`cp1252`/
    /// `latin-1`/`latin1`/`iso-8859-1` (case-insensitive, `_` for `-`); with the `encodings`
    /// feature also any WHATWG label (`shift_jis`, `sjis`, `cp1250`, `iso-8859-2`, `koi8-r`,
    /// `gbk`, `gb18030`, `euc-kr`, `big5`, `utf-16le`, ...).
    ///
    /// ```
    /// use churn_core::pipeline::Encoding;
    /// assert_eq!(Encoding::parse("Latin1"), Some(Encoding::Windows1252));
    /// assert_eq!(Encoding::parse("ebcdic"), None);
    /// # #[cfg(feature = "encodings")]
    /// assert_eq!(Encoding::parse("Shift_JIS").map(Encoding::as_str), Some("Shift_JIS"));
    /// ```
    pub fn parse(name: &str) -> Option<Encoding> {
        let name = name.trim();
        match name.to_ascii_lowercase().replace('_', "-").as_str() {
            "auto" => Some(Encoding::Auto),
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            "utf-16" | "utf16" => Some(Encoding::Utf16),
            "windows-1252" | "cp1252" | "latin-1" | "latin1" | "iso-8859-1" => {
                Some(Encoding::Windows1252)
            }
            dashed => Encoding::label(name).or_else(|| Encoding::label(dashed)),
        }
    }

    #[cfg(feature = "encodings")]
    fn label(label: &str) -> Option<Encoding> {
        // The labels of the "replacement" encoding (iso-2022-kr, hz-gb-2312...) decode every
        // file to a single U+FFFD: refused like an unknown name.
        encoding_rs::Encoding::for_label_no_replacement(label.as_bytes()).map(Encoding::from)
    }

    #[cfg(not(feature = "encodings"))]
    fn label(_: &str) -> Option<Encoding> {
        None
    }

    /// The streaming decoder's encoding, for the encodings read through `encoding_rs`.
    #[cfg(feature = "encodings")]
    fn codec(self, big_endian: bool) -> Option<&'static encoding_rs::Encoding> {
        match self {
            Encoding::Utf16 if big_endian => Some(encoding_rs::UTF_16BE),
            Encoding::Utf16 => Some(encoding_rs::UTF_16LE),
            Encoding::Other(e) => Some(e),
            _ => None,
        }
    }
}

/// An `encoding_rs` encoding as an [`Encoding`]: UTF-8 and Windows-1252 become their own
/// variants (so that they compare equal however they were named), the rest
/// [`Encoding::Other`].
///
/// ```
/// use churn_core::pipeline::Encoding;
/// assert_eq!(Encoding::from(encoding_rs::WINDOWS_1252), Encoding::Windows1252);
/// assert_eq!(Encoding::from(encoding_rs::SHIFT_JIS).as_str(), "Shift_JIS");
/// ```
#[cfg(feature = "encodings")]
impl From<&'static encoding_rs::Encoding> for Encoding {
    fn from(e: &'static encoding_rs::Encoding) -> Encoding {
        if e == encoding_rs::UTF_8 {
            Encoding::Utf8
        } else if e == encoding_rs::WINDOWS_1252 {
            Encoding::Windows1252
        } else {
            Encoding::Other(e)
        }
    }
}

impl Serialize for Encoding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Encoding {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Encoding, D::Error> {
        let name = String::deserialize(d)?;
        Encoding::parse(&name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown encoding {name:?}: expected auto, utf-8, utf-16, windows-1252{}",
                if cfg!(feature = "encodings") {
                    " or a WHATWG label such as shift_jis"
                } else {
                    ""
                }
            ))
        })
    }
}

/// What [`sniff`] found at the start of the input.
///
/// ```
/// let s = churn_core::pipeline::sniff(b"a;b\n1,5;2\n", true, None, Default::default())?;
/// assert_eq!((s.delimiter, s.bom), (b';', false));
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sniffed {
    /// The field delimiter.
    pub delimiter: u8,
    /// The encoding the rows are read in (never `Auto`).
    pub encoding: Encoding,
    /// Whether the input starts with a byte-order mark.
    pub bom: bool,
    /// UTF-16 byte order, when the encoding is UTF-16.
    pub big_endian: bool,
}

/// Sniffs the encoding (byte-order marks, UTF-8 validity) and, on the text after the BOM, the
/// delimiter among `,` `;` tab `|`. `prefix` is the start of the input (the whole input when
/// `complete`); `delimiter` and `encoding` force a choice.
///
/// ```
/// use churn_core::pipeline::{sniff, Encoding};
/// let s = sniff(b"\xEF\xBB\xBFid\tname\n1\tJos\xC3\xA9\n", true, None, Encoding::Auto)?;
/// assert_eq!((s.delimiter, s.encoding, s.bom), (b'\t', Encoding::Utf8, true));
/// let s = sniff(b"id|name\n1|Jos\xE9\n", true, None, Encoding::Auto)?;
/// assert_eq!((s.delimiter, s.encoding), (b'|', Encoding::Windows1252));
/// # Ok::<(), churn_core::Error>(())
/// ```
pub fn sniff(
    prefix: &[u8],
    complete: bool,
    delimiter: Option<u8>,
    encoding: Encoding,
) -> Result<Sniffed> {
    let (bom, text, utf16, big_endian) = if prefix.starts_with(&[0xEF, 0xBB, 0xBF]) {
        (true, &prefix[3..], false, false)
    } else if prefix.starts_with(&[0xFF, 0xFE]) {
        (true, &prefix[2..], true, false)
    } else if prefix.starts_with(&[0xFE, 0xFF]) {
        (true, &prefix[2..], true, true)
    } else if let Some(big_endian) = bomless_utf16(prefix) {
        (false, prefix, true, big_endian)
    } else {
        (false, prefix, false, false)
    };
    let encoding = match encoding {
        Encoding::Auto if utf16 => Encoding::Utf16,
        Encoding::Auto => match std::str::from_utf8(text) {
            Ok(_) => Encoding::Utf8,
            // A multi-byte character cut by the end of the prefix is not an error.
            Err(e) if e.error_len().is_none() && !complete => Encoding::Utf8,
            Err(_) => guess(text, complete),
        },
        Encoding::Utf16 if !utf16 => {
            return Err(Error::Encoding {
                encoding: "UTF-16".into(),
                row: 0,
                line: 1,
                byte: 0,
                column: "1".into(),
                reason: "UTF-16 input must start with a byte-order mark (FF FE or FE FF)".into(),
            })
        }
        e => e,
    };
    let delimiter = match delimiter {
        Some(d) => d,
        None => sniff_delimiter(&as_utf8(text, encoding, big_endian), complete),
    };
    Ok(Sniffed {
        delimiter,
        encoding,
        bom,
        big_endian,
    })
}

/// The encoding of a prefix that is not UTF-8 (nor UTF-16): chardetng's guess, the detector
/// Firefox uses for unlabelled pages, which knows the legacy encodings a browser reads.
#[cfg(feature = "encodings")]
fn guess(text: &[u8], complete: bool) -> Encoding {
    // ISO-2022-JP is 7-bit, so valid UTF-8 and never reaches here; its detection is also
    // what browsers keep off for safety.
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(text, complete);
    let guess = detector.guess(None, chardetng::Utf8Detection::Deny);
    if guess != encoding_rs::WINDOWS_1252
        && guess.is_single_byte()
        && bytes_read_differently(text, guess) < MIN_EVIDENCE
    {
        // Too little text tells a Latin neighbour from Windows-1252 (a stray `\xFF\xFE`
        // reads as Turkish): keep the reading such files have always had.
        return Encoding::Windows1252;
    }
    Encoding::from(guess)
}

/// Bytes that must read differently in a single-byte guess than in Windows-1252 for the
/// guess to replace Windows-1252.
#[cfg(feature = "encodings")]
const MIN_EVIDENCE: usize = 4;

/// How many bytes of `text` (up to [`MIN_EVIDENCE`]) `encoding`, a single-byte encoding,
/// reads as other characters than Windows-1252 does.
#[cfg(feature = "encodings")]
fn bytes_read_differently(text: &[u8], encoding: &'static encoding_rs::Encoding) -> usize {
    let differs: Vec<bool> = (0x80..=0xFFu8)
        .map(|b| {
            encoding.decode_without_bom_handling(&[b]).0
                != encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(&[b])
                    .0
        })
        .collect();
    text.iter()
        .filter(|&&b| b >= 0x80 && differs[usize::from(b - 0x80)])
        .take(MIN_EVIDENCE)
        .count()
}

/// Without the `encodings` feature (the wasm build), text that is not UTF-8 is read as
/// Windows-1252, Excel's "CSV" on Western-European Windows.
#[cfg(not(feature = "encodings"))]
fn guess(_: &[u8], _: bool) -> Encoding {
    Encoding::Windows1252
}

/// The prefix as the delimiter sniffer must see it: UTF-16 and multi-byte encodings are
/// decoded first (a Shift_JIS or GB18030 trail byte can be `|`), ASCII-compatible text is
/// looked at as is.
fn as_utf8(text: &[u8], encoding: Encoding, big_endian: bool) -> std::borrow::Cow<'_, [u8]> {
    #[cfg(feature = "encodings")]
    if let Some(codec) = encoding.codec(big_endian) {
        let (decoded, _) = codec.decode_without_bom_handling(text);
        return std::borrow::Cow::Owned(decoded.into_owned().into_bytes());
    }
    #[cfg(not(feature = "encodings"))]
    if encoding == Encoding::Utf16 {
        let mut decoded = Vec::new();
        let mut r = hand::Utf16Reader::new(Cursor::new(text), big_endian);
        let _ = r.read_to_end(&mut decoded);
        return std::borrow::Cow::Owned(decoded);
    }
    std::borrow::Cow::Borrowed(text)
}

/// UTF-16 without a byte-order mark, recognised by its Latin text: a NUL in (nearly) every odd
/// byte and no even one (little endian), or the reverse (big endian). Such bytes are valid
/// UTF-8, so without this they would be read as text full of NULs and every row rejected.
fn bomless_utf16(prefix: &[u8]) -> Option<bool> {
    let head = &prefix[..prefix.len().min(4096) & !1];
    if head.len() < 8 {
        return None;
    }
    let pairs = head.len() / 2;
    let (mut even, mut odd) = (0, 0);
    for p in head.chunks_exact(2) {
        even += (p[0] == 0) as usize;
        odd += (p[1] == 0) as usize;
    }
    let mostly = |n: usize| n * 10 >= pairs * 9;
    let none = |n: usize| n * 100 <= pairs;
    if mostly(odd) && none(even) {
        Some(false)
    } else if mostly(even) && none(odd) {
        Some(true)
    } else {
        None
    }
}

/// The candidate whose records have the header's field count most often (ties: more fields);
/// `,` when no candidate splits the header.
fn sniff_delimiter(text: &[u8], complete: bool) -> u8 {
    // A record cut by the end of the prefix would look ragged: look only at whole lines.
    let text = if complete {
        text
    } else {
        match text.iter().rposition(|&b| b == b'\n') {
            Some(i) => &text[..=i],
            None => text,
        }
    };
    let mut best = (b',', 0.0, 0usize);
    for d in [b',', b';', b'\t', b'|'] {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(d)
            .from_reader(text);
        let counts: Vec<usize> = r
            .byte_records()
            .take(SNIFF_RECORDS)
            .filter_map(|r| r.ok())
            .map(|r| r.len())
            .collect();
        let Some(&head) = counts.first() else {
            continue;
        };
        if head < 2 {
            continue;
        }
        let same = counts.iter().filter(|&&c| c == head).count() as f64 / counts.len() as f64;
        if same > best.1 + 1e-9 || ((same - best.1).abs() <= 1e-9 && head > best.2) {
            best = (d, same, head);
        }
    }
    best.0
}

/// The hand-written decoders of the wasm build (the browser has `TextDecoder`, and
/// `encoding_rs`'s tables would cost the module its size budget); the native build reads
/// through `encoding_rs`, and the tests check that both give the same text.
#[cfg(any(test, not(feature = "encodings")))]
mod hand {
    use std::io::Read;

    /// UTF-16 bytes in, UTF-8 bytes out; unpaired surrogates become U+FFFD.
    pub(super) struct Utf16Reader<R> {
        inner: R,
        big_endian: bool,
        out: Vec<u8>,
        pos: usize,
        odd: Option<u8>,
        high: Option<u16>,
        eof: bool,
    }

    impl<R: Read> Utf16Reader<R> {
        pub(super) fn new(inner: R, big_endian: bool) -> Utf16Reader<R> {
            Utf16Reader {
                inner,
                big_endian,
                out: Vec::new(),
                pos: 0,
                odd: None,
                high: None,
                eof: false,
            }
        }

        fn push(&mut self, c: char) {
            let mut buf = [0u8; 4];
            self.out
                .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }

        fn fill(&mut self) -> std::io::Result<()> {
            self.out.clear();
            self.pos = 0;
            let mut raw = [0u8; 16 * 1024];
            let n = loop {
                match self.inner.read(&mut raw) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            if n == 0 {
                self.eof = true;
                if self.odd.take().is_some() || self.high.take().is_some() {
                    self.push(char::REPLACEMENT_CHARACTER);
                }
                return Ok(());
            }
            let mut bytes: Vec<u8> = Vec::with_capacity(n + 1);
            bytes.extend(self.odd.take());
            bytes.extend_from_slice(&raw[..n]);
            if bytes.len() % 2 == 1 {
                self.odd = bytes.pop();
            }
            for pair in bytes.chunks_exact(2) {
                let unit = if self.big_endian {
                    u16::from_be_bytes([pair[0], pair[1]])
                } else {
                    u16::from_le_bytes([pair[0], pair[1]])
                };
                match unit {
                    0xD800..=0xDBFF => {
                        if self.high.replace(unit).is_some() {
                            self.push(char::REPLACEMENT_CHARACTER);
                        }
                    }
                    0xDC00..=0xDFFF => {
                        let c = match self.high.take() {
                            Some(h) => char::from_u32(
                                0x10000
                                    + ((u32::from(h) - 0xD800) << 10)
                                    + (u32::from(unit) - 0xDC00),
                            )
                            .unwrap_or(char::REPLACEMENT_CHARACTER),
                            None => char::REPLACEMENT_CHARACTER,
                        };
                        self.push(c);
                    }
                    _ => {
                        if self.high.take().is_some() {
                            self.push(char::REPLACEMENT_CHARACTER);
                        }
                        self.push(char::from_u32(u32::from(unit)).unwrap_or('\u{FFFD}'));
                    }
                }
            }
            Ok(())
        }
    }

    impl<R: Read> Read for Utf16Reader<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            while self.pos >= self.out.len() {
                if self.eof {
                    return Ok(0);
                }
                self.fill()?;
            }
            let n = buf.len().min(self.out.len() - self.pos);
            buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    /// Windows-1252 bytes 0x80-0x9F (the rest is Latin-1: byte = code point).
    const CP1252_HIGH: [char; 32] = [
        '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}',
        '\u{2021}', '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}',
        '\u{017D}', '\u{008F}', '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}',
        '\u{2022}', '\u{2013}', '\u{2014}', '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}',
        '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
    ];

    pub(super) fn decode_cp1252(bytes: &[u8]) -> String {
        if bytes.is_ascii() {
            // ASCII is valid UTF-8 as is.
            return String::from_utf8_lossy(bytes).into_owned();
        }
        bytes
            .iter()
            .map(|&b| match b {
                0x80..=0x9F => CP1252_HIGH[(b - 0x80) as usize],
                _ => char::from(b),
            })
            .collect()
    }
}

/// Streaming decoding through `encoding_rs` (the native build).
#[cfg(feature = "encodings")]
mod transcode {
    use std::collections::VecDeque;
    use std::io::Read;

    use encoding_rs::DecoderResult;

    /// Input bytes decoded per step: the decoder's state carries characters cut between
    /// steps, so memory stays at a few of these whatever the input's size.
    const STEP: usize = 16 * 1024;
    /// U+FFFD in UTF-8, written for undecodable bytes as a browser shows them.
    const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();

    /// Bytes the decoder could not read, and where.
    #[derive(Debug)]
    pub(super) struct Malformed {
        /// Offset in the UTF-8 output of the U+FFFD written in their place.
        pub out: u64,
        /// Offset of their first byte in the input (after a byte-order mark).
        pub input: u64,
        /// The bytes themselves (those of the current step: a sequence cut by a step
        /// boundary shows its tail only).
        pub bytes: Vec<u8>,
    }

    /// Text in any WHATWG encoding in, UTF-8 out. Undecodable bytes become U+FFFD, as a
    /// browser shows them; in strict mode they are also remembered, so that the chunk reader
    /// can refuse the record that holds them with its row, line and column.
    pub(super) struct Transcoder<R> {
        inner: R,
        decoder: encoding_rs::Decoder,
        strict: bool,
        raw: Vec<u8>,
        /// Decoded text of the current step: `out[pos..len]` is still to be read.
        out: Vec<u8>,
        pos: usize,
        len: usize,
        eof: bool,
        consumed: u64,
        produced: u64,
        /// (output offset, input offset) after each step, to map the csv reader's positions
        /// back to the input's bytes (progress is measured against the file's size).
        steps: VecDeque<(u64, u64)>,
        malformed: VecDeque<Malformed>,
    }

    impl<R: Read> Transcoder<R> {
        pub(super) fn new(inner: R, encoding: &'static encoding_rs::Encoding) -> Transcoder<R> {
            Transcoder {
                inner,
                decoder: encoding.new_decoder_without_bom_handling(),
                // UTF-16 has always been read leniently (unpaired surrogates are common in
                // exports cut by length limits); every other encoding is as strict as UTF-8.
                strict: encoding != encoding_rs::UTF_16LE && encoding != encoding_rs::UTF_16BE,
                raw: vec![0; STEP],
                out: Vec::new(),
                pos: 0,
                len: 0,
                eof: false,
                consumed: 0,
                produced: 0,
                steps: VecDeque::from([(0, 0)]),
                malformed: VecDeque::new(),
            }
        }

        /// The first undecodable bytes written before output offset `end`, if any.
        pub(super) fn malformed_before(&mut self, end: u64) -> Option<Malformed> {
            match self.malformed.front() {
                Some(m) if m.out < end => self.malformed.pop_front(),
                _ => None,
            }
        }

        /// The input offset matching output offset `out`: exact at step boundaries,
        /// interpolated within a step. Calls must come in increasing `out` order.
        pub(super) fn input_offset(&mut self, out: u64) -> u64 {
            while self.steps.len() > 1 && self.steps[1].0 <= out {
                self.steps.pop_front();
            }
            let (o0, i0) = self.steps[0];
            match self.steps.get(1) {
                Some(&(o1, i1)) if o1 > o0 => {
                    let within =
                        u128::from(out - o0.min(out)) * u128::from(i1 - i0) / u128::from(o1 - o0);
                    i0 + u64::try_from(within).unwrap_or(i1 - i0)
                }
                _ => i0,
            }
        }

        fn fill(&mut self) -> std::io::Result<()> {
            let n = loop {
                match self.inner.read(&mut self.raw) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            // A read of 0 bytes ends the input: decoding once more with `last` flushes a
            // character left incomplete (an error, like a truncated UTF-8 sequence).
            self.eof = n == 0;
            self.pos = 0;
            self.len = 0;
            // Room for the step with every undecodable byte replaced, so the buffer is sized
            // (and zeroed) once, not once per U+FFFD.
            let room = self
                .decoder
                .max_utf8_buffer_length(n)
                .unwrap_or(n.saturating_mul(3))
                + 4;
            if self.out.len() < room {
                self.out.resize(room, 0);
            }
            let mut done = 0;
            loop {
                let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                    &self.raw[done..n],
                    &mut self.out[self.len..],
                    self.eof,
                );
                done += read;
                self.len += written;
                match result {
                    DecoderResult::InputEmpty => break,
                    DecoderResult::OutputFull => {
                        let more = self
                            .decoder
                            .max_utf8_buffer_length(n - done)
                            .unwrap_or(n.saturating_mul(3));
                        self.out.resize(self.len + more + 4, 0);
                    }
                    DecoderResult::Malformed(bad, after) => {
                        let end = done - usize::from(after);
                        if self.strict {
                            self.malformed.push_back(Malformed {
                                out: self.produced + self.len as u64,
                                input: (self.consumed + end as u64).saturating_sub(u64::from(bad)),
                                bytes: self.raw[end.saturating_sub(usize::from(bad))..end].to_vec(),
                            });
                        }
                        if self.out.len() < self.len + 3 {
                            self.out.resize(self.len + 3, 0);
                        }
                        self.out[self.len..self.len + 3].copy_from_slice(REPLACEMENT);
                        self.len += 3;
                    }
                }
            }
            self.consumed += n as u64;
            self.produced += self.len as u64;
            self.steps.push_back((self.produced, self.consumed));
            Ok(())
        }
    }

    impl<R: Read> Read for Transcoder<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            while self.pos >= self.len {
                if self.eof {
                    return Ok(0);
                }
                self.fill()?;
            }
            let n = buf.len().min(self.len - self.pos);
            buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }
}

/// The text stream under the csv reader: the input's bytes, or the input transcoded to
/// UTF-8.
enum Source<'a> {
    Bytes(Box<dyn Read + 'a>),
    #[cfg(feature = "encodings")]
    Decoded(transcode::Transcoder<Box<dyn Read + 'a>>),
    #[cfg(not(feature = "encodings"))]
    Utf16(hand::Utf16Reader<Box<dyn Read + 'a>>),
}

impl Source<'_> {
    /// The input offset of stream offset `at` (the same but for transcoded text).
    fn input_offset(&mut self, at: u64) -> u64 {
        match self {
            #[cfg(feature = "encodings")]
            Source::Decoded(t) => t.input_offset(at),
            _ => at,
        }
    }

    /// Undecodable bytes met before stream offset `end`, if any.
    #[cfg(feature = "encodings")]
    fn malformed_before(&mut self, end: u64) -> Option<transcode::Malformed> {
        match self {
            Source::Decoded(t) => t.malformed_before(end),
            _ => None,
        }
    }
}

impl Read for Source<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Source::Bytes(r) => r.read(buf),
            #[cfg(feature = "encodings")]
            Source::Decoded(r) => r.read(buf),
            #[cfg(not(feature = "encodings"))]
            Source::Utf16(r) => r.read(buf),
        }
    }
}

fn read_prefix(input: &mut dyn Read, limit: usize) -> Result<(Vec<u8>, bool)> {
    let mut buf = vec![0u8; limit];
    let mut n = 0;
    while n < limit {
        match input.read(&mut buf[n..]) {
            Ok(0) => {
                buf.truncate(n);
                return Ok((buf, true));
            }
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(source) => {
                return Err(Error::Io {
                    path: "input".into(),
                    source,
                })
            }
        }
    }
    Ok((buf, false))
}

/// Counts line breaks under the csv reader, so that every record gets the line it starts on:
/// csv's own count is one short after `\r\n` (it ends a record at the `\r`), and its record
/// offsets may point at that pending `\n` or at skipped blank lines.
struct LineCounter<R> {
    inner: R,
    offset: u64,
    breaks: std::collections::VecDeque<(u64, bool)>,
    lines_before: u64,
}

impl<R: Read> LineCounter<R> {
    fn new(inner: R) -> LineCounter<R> {
        LineCounter {
            inner,
            offset: 0,
            breaks: std::collections::VecDeque::new(),
            lines_before: 0,
        }
    }

    /// The 1-based line of the record starting at (or after blank lines from) `byte`; calls
    /// must come in increasing `byte` order.
    fn line_at(&mut self, byte: u64) -> u64 {
        while let Some(&(o, lf)) = self.breaks.front() {
            if o >= byte {
                break;
            }
            self.lines_before += lf as u64;
            self.breaks.pop_front();
        }
        let mut b = byte;
        while let Some(&(o, lf)) = self.breaks.front() {
            if o != b {
                break;
            }
            self.lines_before += lf as u64;
            self.breaks.pop_front();
            b += 1;
        }
        1 + self.lines_before
    }
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' || b == b'\r' {
                self.breaks.push_back((self.offset + i as u64, b == b'\n'));
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// Settings of [`ChunkReader`].
///
/// ```
/// let o = churn_core::pipeline::ReadOptions::default();
/// assert_eq!((o.chunk_rows, o.delimiter), (8_192, None));
/// ```
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Rows per chunk (at least 1).
    pub chunk_rows: usize,
    /// Forced delimiter; sniffed when `None`.
    pub delimiter: Option<u8>,
    /// Encoding; sniffed with [`Encoding::Auto`].
    pub encoding: Encoding,
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions {
            chunk_rows: 8_192,
            delimiter: None,
            encoding: Encoding::Auto,
        }
    }
}

/// A chunk of rows with where they came from.
///
/// ```
/// use churn_core::pipeline::{ChunkReader, ReadOptions};
/// let mut r = ChunkReader::new(&b"a,b\n1,2\n\"x\ny\",3\n"[..], &ReadOptions::default())?;
/// let c = r.next_chunk()?.unwrap();
/// assert_eq!(c.lines, [2, 3]);          // the second record starts on line 3
/// assert_eq!(c.table.cell(1, 0), Some("x\ny"));
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Chunk {
    /// The rows, numbered within the file (`table.first_row`).
    pub table: Table,
    /// 1-based line where each row's record starts.
    pub lines: Vec<u64>,
    /// Bytes of the input consumed so far (for progress).
    pub bytes_read: u64,
}

/// Reads delimited text chunk by chunk: sniffs the encoding and delimiter, reads the header
/// row, then hands out [`Chunk`]s of at most `chunk_rows` rows. Holds one record buffer and
/// csv's read buffer: memory is independent of the input's size.
///
/// ```
/// use churn_core::pipeline::{ChunkReader, ReadOptions};
/// let text = "id;plan\n1;basic\n2;pro\n3;pro\n";
/// let mut r = ChunkReader::new(text.as_bytes(), &ReadOptions { chunk_rows: 2, ..ReadOptions::default() })?;
/// assert_eq!(r.headers(), ["id", "plan"]);
/// assert_eq!(r.sniffed().delimiter, b';');
/// let a = r.next_chunk()?.unwrap();
/// let b = r.next_chunk()?.unwrap();
/// assert_eq!((a.table.num_rows(), b.table.num_rows(), b.table.first_row), (2, 1, 3));
/// assert!(r.next_chunk()?.is_none());
/// # Ok::<(), churn_core::Error>(())
/// ```
pub struct ChunkReader<'a> {
    csv: csv::Reader<LineCounter<Source<'a>>>,
    headers: Vec<String>,
    sniffed: Sniffed,
    /// Whether the encoding was sniffed (an error then says how to name it).
    #[cfg(feature = "encodings")]
    guessed: bool,
    chunk_rows: usize,
    next_row: u64,
    record: csv::ByteRecord,
    skipped: u64,
    done: bool,
}

impl<'a> ChunkReader<'a> {
    /// Sniffs the input and reads its header row.
    ///
    /// An input without a header row (empty, or only a byte-order mark) is an
    /// [`Error::Csv`]; an undecodable header an [`Error::Encoding`].
    ///
    /// ```
    /// use churn_core::pipeline::{ChunkReader, ReadOptions};
    /// assert!(ChunkReader::new(&b""[..], &ReadOptions::default()).is_err());
    /// ```
    pub fn new<R: Read + 'a>(mut input: R, options: &ReadOptions) -> Result<ChunkReader<'a>> {
        let (prefix, complete) = read_prefix(&mut input, SNIFF_BYTES)?;
        let sniffed = sniff(&prefix, complete, options.delimiter, options.encoding)?;
        // Here, so that every runtime refuses a binary file alike, before it is read as text.
        check_head(&prefix, sniffed.encoding == Encoding::Utf16)?;
        let skip = match sniffed.encoding {
            _ if !sniffed.bom => 0,
            Encoding::Utf16 => 2,
            // A UTF-16 byte-order mark before text named as another encoding: skip its 2
            // bytes. (UTF-8 and Windows-1252 have always skipped 3 there: kept as it was.)
            #[cfg(feature = "encodings")]
            Encoding::Other(_) if !prefix.starts_with(&[0xEF, 0xBB, 0xBF]) => 2,
            _ => 3,
        };
        let rest = Cursor::new(prefix).chain(input);
        let mut rest: Box<dyn Read + 'a> = Box::new(rest);
        // Skip the byte-order mark without copying the prefix.
        let mut bom = [0u8; 3];
        rest.read_exact(&mut bom[..skip])
            .map_err(|source| Error::Io {
                path: "input".into(),
                source,
            })?;
        #[cfg(feature = "encodings")]
        let stream = match sniffed.encoding.codec(sniffed.big_endian) {
            Some(codec) => Source::Decoded(transcode::Transcoder::new(rest, codec)),
            None => Source::Bytes(rest),
        };
        #[cfg(not(feature = "encodings"))]
        let stream = match sniffed.encoding {
            Encoding::Utf16 => Source::Utf16(hand::Utf16Reader::new(rest, sniffed.big_endian)),
            _ => Source::Bytes(rest),
        };
        let csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(sniffed.delimiter)
            .buffer_capacity(64 * 1024)
            .from_reader(LineCounter::new(stream));
        let mut reader = ChunkReader {
            csv,
            headers: Vec::new(),
            sniffed,
            #[cfg(feature = "encodings")]
            guessed: options.encoding == Encoding::Auto,
            chunk_rows: options.chunk_rows.max(1),
            next_row: 1,
            record: csv::ByteRecord::new(),
            skipped: skip as u64,
            done: false,
        };
        let mut header = csv::ByteRecord::new();
        let has_header = reader
            .csv
            .read_byte_record(&mut header)
            .map_err(csv_error)?;
        if !has_header {
            return Err(Error::Csv {
                line: 1,
                reason: "the input is empty: expected a header row".into(),
            });
        }
        let line = reader
            .csv
            .get_mut()
            .line_at(header.position().map_or(0, |p| p.byte()));
        reader.check_decoded(&header, (0, line))?;
        reader.headers = (0..header.len())
            .map(|i| reader.decode(&header, i, (0, line), &[]))
            .collect::<Result<_>>()?;
        Ok(reader)
    }

    /// The header row.
    ///
    /// ```
    /// let r = churn_core::pipeline::ChunkReader::new(&b"a|b\n"[..], &Default::default())?;
    /// assert_eq!(r.headers(), ["a", "b"]);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// What the sniffer found.
    ///
    /// ```
    /// let r = churn_core::pipeline::ChunkReader::new(&b"a\tb\n"[..], &Default::default())?;
    /// assert_eq!(r.sniffed().delimiter, b'\t');
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn sniffed(&self) -> Sniffed {
        self.sniffed
    }

    fn decode(
        &self,
        record: &csv::ByteRecord,
        i: usize,
        (row, line): (u64, u64),
        headers: &[String],
    ) -> Result<String> {
        let bytes = record.get(i).unwrap_or(b"");
        match self.sniffed.encoding {
            #[cfg(feature = "encodings")]
            Encoding::Windows1252 => Ok(encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
                .into_owned()),
            #[cfg(not(feature = "encodings"))]
            Encoding::Windows1252 => Ok(hand::decode_cp1252(bytes)),
            _ => match std::str::from_utf8(bytes) {
                Ok(s) => Ok(s.to_string()),
                Err(e) => {
                    let pos = record.position();
                    let at = e.valid_up_to();
                    let column = match headers.get(i) {
                        Some(h) => format!("{} ('{h}')", i + 1),
                        None => format!("{}", i + 1),
                    };
                    Err(Error::Encoding {
                        encoding: "UTF-8".into(),
                        row,
                        line,
                        byte: pos.map_or(0, |p| p.byte()) + self.skipped,
                        column,
                        reason: format!(
                            "byte 0x{:02X} at offset {at} of the cell is not valid UTF-8 \
                             (the cell starts {:?}); a file saved by Excel or an older system is \
                             often Windows-1252: read it with the encoding `windows-1252`",
                            bytes.get(at).copied().unwrap_or(0),
                            String::from_utf8_lossy(&bytes[..at.min(40)])
                        ),
                    })
                }
            },
        }
    }

    /// Input bytes consumed by the csv reader so far (after a byte-order mark).
    fn input_offset(&mut self) -> u64 {
        let at = self.csv.position().byte();
        self.csv.get_mut().inner.input_offset(at)
    }

    /// Refuses the record just read when the decoder met bytes it could not read in it (text
    /// transcoded through `encoding_rs`, other than UTF-16). The column is the first holding
    /// the U+FFFD put in their place; `byte` is where those bytes are in the input (the
    /// record's start there is not known exactly once transcoded).
    #[cfg(feature = "encodings")]
    fn check_decoded(&mut self, record: &csv::ByteRecord, (row, line): (u64, u64)) -> Result<()> {
        let end = self.csv.position().byte();
        let Some(bad) = self.csv.get_mut().inner.malformed_before(end) else {
            return Ok(());
        };
        const FFFD: &[u8] = "\u{FFFD}".as_bytes();
        let i = (0..record.len())
            .find(|&i| {
                record
                    .get(i)
                    .is_some_and(|f| f.windows(3).any(|w| w == FFFD))
            })
            .unwrap_or(0);
        let column = match self.headers.get(i) {
            Some(h) => format!("{} ('{h}')", i + 1),
            None => format!("{}", i + 1),
        };
        let name = self.sniffed.encoding.as_str();
        let shown = match bad.bytes.as_slice() {
            [] => "an incomplete character at the end of the input".to_string(),
            b => {
                let hex: Vec<String> = b.iter().map(|x| format!("0x{x:02X}")).collect();
                format!("bytes {}", hex.join(" "))
            }
        };
        let cell = String::from_utf8_lossy(record.get(i).unwrap_or(b""));
        let hint = if self.guessed {
            format!(
                "{name} was guessed from the first 64 KiB: if the file is in another \
                     encoding, name it (e.g. `windows-1252`, `shift_jis`, `windows-1250`)"
            )
        } else {
            "check the encoding named for the file".to_string()
        };
        Err(Error::Encoding {
            encoding: name.into(),
            row,
            line,
            byte: bad.input + self.skipped,
            column,
            reason: format!(
                "{shown} are not valid {name} (the cell reads {:?}); {hint}",
                cell.chars().take(40).collect::<String>()
            ),
        })
    }

    #[cfg(not(feature = "encodings"))]
    fn check_decoded(&mut self, _: &csv::ByteRecord, _: (u64, u64)) -> Result<()> {
        Ok(())
    }

    /// The next chunk of rows, or `None` at the end of the input.
    ///
    /// ```
    /// let mut r = churn_core::pipeline::ChunkReader::new(&b"a\n1\n"[..], &Default::default())?;
    /// assert_eq!(r.next_chunk()?.unwrap().table.rows, [["1"]]);
    /// assert!(r.next_chunk()?.is_none());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        if self.done {
            return Ok(None);
        }
        let first_row = self.next_row;
        let mut rows: Vec<Vec<String>> = Vec::with_capacity(self.chunk_rows.min(4096));
        let mut lines = Vec::with_capacity(self.chunk_rows.min(4096));
        let mut record = std::mem::take(&mut self.record);
        while rows.len() < self.chunk_rows {
            let more = self.csv.read_byte_record(&mut record).map_err(csv_error)?;
            if !more {
                self.done = true;
                break;
            }
            let row = self.next_row;
            let line = self
                .csv
                .get_mut()
                .line_at(record.position().map_or(0, |p| p.byte()));
            self.check_decoded(&record, (row, line))?;
            let cells = (0..record.len())
                .map(|i| self.decode(&record, i, (row, line), &self.headers))
                .collect::<Result<Vec<String>>>()?;
            rows.push(cells);
            lines.push(line);
            self.next_row += 1;
        }
        self.record = record;
        if rows.is_empty() {
            return Ok(None);
        }
        Ok(Some(Chunk {
            table: Table {
                headers: self.headers.clone(),
                rows,
                first_row,
            },
            lines,
            bytes_read: self.input_offset() + self.skipped,
        }))
    }
}

fn csv_error(e: csv::Error) -> Error {
    Error::Csv {
        line: e.position().map_or(0, |p| p.line()),
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_delimiters() {
        for (text, d) in [
            ("a,b,c\n1,2,3\n", b','),
            ("a;b;c\n1,5;2;3\n", b';'),
            ("a\tb\n1\t2\n", b'\t'),
            ("a|b|c\n1|2|3\n", b'|'),
            ("\"a,x\";b\n\"1,2\";3\n", b';'),
            ("single\n1\n", b','),
        ] {
            assert_eq!(sniff_delimiter(text.as_bytes(), true), d, "{text:?}");
        }
    }

    #[test]
    fn utf16_round_trip() {
        let text = "id\tname\n1\tJos\u{e9} \u{1F600}\n";
        for be in [false, true] {
            let mut bytes = if be {
                vec![0xFE, 0xFF]
            } else {
                vec![0xFF, 0xFE]
            };
            for u in text.encode_utf16() {
                bytes.extend(if be { u.to_be_bytes() } else { u.to_le_bytes() });
            }
            let mut r = ChunkReader::new(&bytes[..], &ReadOptions::default()).unwrap();
            assert_eq!(r.sniffed().encoding, Encoding::Utf16);
            assert_eq!(r.headers(), ["id", "name"]);
            let c = r.next_chunk().unwrap().unwrap();
            assert_eq!(c.table.cell(0, 1), Some("Jos\u{e9} \u{1F600}"));
        }
    }

    #[test]
    fn cp1252() {
        assert_eq!(
            hand::decode_cp1252(b"caf\xE9 \x80 \x93x\x94"),
            "caf\u{e9} \u{20ac} \u{201c}x\u{201d}"
        );
    }

    /// The wasm build's hand-written decoders and encoding_rs give the same text, so a file
    /// reads the same in every runtime.
    #[cfg(feature = "encodings")]
    #[test]
    fn hand_decoders_match_encoding_rs() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(
            hand::decode_cp1252(&all),
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(&all)
                .0
        );
        // UTF-16 with unpaired surrogates (both kinds, at the end too) and an odd last byte.
        let mut seed = 7u64;
        for len in [0usize, 1, 2, 3, 7, 64, 1001, 20_000] {
            for _ in 0..8 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                        // Mostly surrogate halves and ASCII, to hit the edge cases.
                        [0x00, 0x41, 0xD8, 0xDC, 0xDB, 0xDF, 0xE9, 0x0A][(seed >> 61) as usize]
                    })
                    .collect();
                for (be, codec) in [
                    (false, encoding_rs::UTF_16LE),
                    (true, encoding_rs::UTF_16BE),
                ] {
                    let mut hand = Vec::new();
                    hand::Utf16Reader::new(&bytes[..], be)
                        .read_to_end(&mut hand)
                        .unwrap();
                    let mut ours = Vec::new();
                    transcode::Transcoder::new(&bytes[..], codec)
                        .read_to_end(&mut ours)
                        .unwrap();
                    let want = codec.decode_without_bom_handling(&bytes).0;
                    assert_eq!(String::from_utf8_lossy(&hand), want, "{len} {be}");
                    assert_eq!(String::from_utf8_lossy(&ours), want, "{len} {be}");
                }
            }
        }
    }

    #[cfg(feature = "encodings")]
    #[test]
    fn sniffing_guesses_legacy_encodings_and_keeps_windows_1252() {
        // Western-European text stays Windows-1252 (today's guess, and golden outputs').
        let s = sniff(
            b"id;name\n1;Jos\xE9 M\xFCller\n",
            true,
            None,
            Encoding::Auto,
        )
        .unwrap();
        assert_eq!(s.encoding, Encoding::Windows1252);
        // chardetng reads `\xFF\xFE` as Turkish, on one byte's evidence: still Windows-1252.
        let s = sniff(b"a,b\n1,\xFF\xFE\n", true, None, Encoding::Auto).unwrap();
        assert_eq!(s.encoding, Encoding::Windows1252);
        // Turkish text with enough of its own letters is windows-1254.
        let (tr, _, _) = encoding_rs::WINDOWS_1254
            .encode("id,ad\n1,\u{15E}\u{FC}kr\u{FC} \u{D6}zt\u{FC}rk,\u{130}stanbul\n2,A\u{11F}ao\u{11F}lu,\u{C7}a\u{11F}r\u{131}\n");
        let s = sniff(&tr, true, None, Encoding::Auto).unwrap();
        assert_eq!(s.encoding.as_str(), "windows-1254");
        // Shift_JIS with `|`: the trail byte of `\u{30DD}` is 0x7C and must not split fields.
        let text = "id|name|note\n1|\u{30DD}\u{30A4}\u{30F3}\u{30C8}|\u{6771}\u{4EAC}\n".repeat(20);
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
        let s = sniff(&bytes, true, None, Encoding::Auto).unwrap();
        assert_eq!(
            (s.encoding, s.delimiter),
            (Encoding::Other(encoding_rs::SHIFT_JIS), b'|')
        );
    }

    #[test]
    fn invalid_utf8_names_row_and_column() {
        let mut text = b"id,name\n1,ok\n2,ok\n".to_vec();
        // Valid first 64 KiB, then a Latin-1 byte.
        for i in 3..4000 {
            text.extend(format!("{i},name number {i} is fine\n").bytes());
        }
        text.extend(b"4000,Jos\xE9\n");
        let mut r = ChunkReader::new(&text[..], &ReadOptions::default()).unwrap();
        let e = loop {
            match r.next_chunk() {
                Ok(Some(_)) => continue,
                Ok(None) => panic!("no error"),
                Err(e) => break e,
            }
        };
        let msg = e.to_string();
        assert!(matches!(e, Error::Encoding { row: 4000, .. }), "{msg}");
        assert!(msg.contains("column 2 ('name')"), "{msg}");
        assert!(msg.contains("line 4001"), "{msg}");
        assert!(msg.contains("0xE9"), "{msg}");
        assert!(msg.contains("windows-1252"), "{msg}");
    }

    #[test]
    fn line_numbers_with_crlf_quotes_and_blank_lines() {
        for (text, want) in [
            (&b"a,b\n1,2\n3,4\n"[..], vec![2, 3]),
            (b"a,b\r\n1,2\r\n3,4\r\n", vec![2, 3]),
            (b"a,b\r\n\"x\r\ny\",2\r\n3,4", vec![2, 4]),
            (b"a,b\n\n\n1,2\n\n3,4\n", vec![4, 6]),
            (b"\xEF\xBB\xBFa,b\r1,2\r3,4\r", vec![1, 1]),
        ] {
            let mut r = ChunkReader::new(text, &ReadOptions::default()).unwrap();
            let c = r.next_chunk().unwrap().unwrap();
            assert_eq!(c.lines, want, "{:?}", String::from_utf8_lossy(text));
        }
    }
}
