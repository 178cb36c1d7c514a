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

/// Bytes read before the first row to sniff the encoding and delimiter.
const SNIFF_BYTES: usize = 64 * 1024;
/// Records looked at to choose the delimiter.
const SNIFF_RECORDS: usize = 50;

/// The character encoding of the input.
///
/// ```
/// let e: churn_core::pipeline::Encoding = serde_json::from_str("\"windows-1252\"").unwrap();
/// assert_eq!(e, churn_core::pipeline::Encoding::Windows1252);
/// assert_eq!(e.as_str(), "windows-1252");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// Sniffed: a byte-order mark decides; otherwise UTF-8 when the first 64 KiB are valid
    /// UTF-8, Windows-1252 when not.
    #[default]
    Auto,
    /// UTF-8 (a byte-order mark is skipped); invalid bytes are an error.
    #[serde(rename = "utf-8")]
    Utf8,
    /// UTF-16 (little or big endian, from the byte-order mark), transcoded to UTF-8.
    #[serde(rename = "utf-16")]
    Utf16,
    /// Windows-1252 (a superset of Latin-1 / ISO-8859-1); every byte is a character.
    #[serde(rename = "windows-1252")]
    Windows1252,
}

impl Encoding {
    /// `auto`, `utf-8`, `utf-16` or `windows-1252`.
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
        }
    }

    /// Parses a name: `auto`, `utf-8`/`utf8`, `utf-16`/`utf16`, `windows-1252`/`cp1252`/
    /// `latin-1`/`latin1`/`iso-8859-1` (case-insensitive).
    ///
    /// ```
    /// use churn_core::pipeline::Encoding;
    /// assert_eq!(Encoding::parse("Latin1"), Some(Encoding::Windows1252));
    /// assert_eq!(Encoding::parse("ebcdic"), None);
    /// ```
    pub fn parse(name: &str) -> Option<Encoding> {
        match name.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "auto" => Some(Encoding::Auto),
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            "utf-16" | "utf16" => Some(Encoding::Utf16),
            "windows-1252" | "cp1252" | "latin-1" | "latin1" | "iso-8859-1" => {
                Some(Encoding::Windows1252)
            }
            _ => None,
        }
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
            Err(_) => Encoding::Windows1252,
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
        None if encoding == Encoding::Utf16 => {
            let mut decoded = Vec::new();
            let mut r = Utf16Reader::new(Cursor::new(text), big_endian);
            let _ = r.read_to_end(&mut decoded);
            sniff_delimiter(&decoded, complete)
        }
        None => sniff_delimiter(text, complete),
    };
    Ok(Sniffed {
        delimiter,
        encoding,
        bom,
        big_endian,
    })
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

/// UTF-16 bytes in, UTF-8 bytes out; unpaired surrogates become U+FFFD.
struct Utf16Reader<R> {
    inner: R,
    big_endian: bool,
    out: Vec<u8>,
    pos: usize,
    odd: Option<u8>,
    high: Option<u16>,
    eof: bool,
}

impl<R: Read> Utf16Reader<R> {
    fn new(inner: R, big_endian: bool) -> Utf16Reader<R> {
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
                            0x10000 + ((u32::from(h) - 0xD800) << 10) + (u32::from(unit) - 0xDC00),
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
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}',
    '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
];

fn decode_cp1252(bytes: &[u8]) -> String {
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
    csv: csv::Reader<LineCounter<Box<dyn Read + 'a>>>,
    headers: Vec<String>,
    sniffed: Sniffed,
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
        let skip = if sniffed.bom {
            if sniffed.encoding == Encoding::Utf16 {
                2
            } else {
                3
            }
        } else {
            0
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
        let stream: Box<dyn Read + 'a> = if sniffed.encoding == Encoding::Utf16 {
            Box::new(Utf16Reader::new(rest, sniffed.big_endian))
        } else {
            rest
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
            Encoding::Windows1252 => Ok(decode_cp1252(bytes)),
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
            bytes_read: self.csv.position().byte() + self.skipped,
        }))
    }
}

fn csv_error(e: csv::Error) -> Error {
    Error::Csv {
        line: e.position().map_or(0, |p| p.line()),
        reason: e.to_string(),
    }
}

/// Signatures of binary files people pick by mistake instead of a CSV export.
const BINARY_SIGNATURES: &[(&[u8], &str)] = &[
    (
        b"PK\x03\x04",
        "a zip archive (an Excel .xlsx workbook is one): save it as CSV",
    ),
    (
        b"\xD0\xCF\x11\xE0",
        "an old Excel (.xls) or other Office file: save it as CSV",
    ),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xFF\xD8\xFF", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1F\x8B", "a gzip archive: decompress it first"),
    (b"SQLite format 3\0", "an SQLite database"),
];

/// Refuses bytes that are not delimited text: known binary signatures (zip/xlsx, xls, PDF,
/// images, gzip, SQLite) and, unless the text is UTF-16, a start (64 KiB) that holds a NUL byte
/// among many control characters (a tenth or more of its bytes). Without this check a binary
/// file would be read as Windows-1252 text and fail later with a less helpful "no column
/// matches" error.
///
/// The pipeline's reader ([`ChunkReader`]) makes this check on every input, so every runtime
/// (CLI, Python, Node, browser) refuses the same files with the same [`Error::Csv`]; call it
/// directly only to check bytes before deciding what to do with them.
///
/// A stray NUL in otherwise ordinary text is data, not a sign of a binary file: exports from
/// old databases have them, and the reader accounts for every such row.
///
/// ```
/// use churn_core::records::check_text;
/// assert!(check_text(b"id,tenure\nA,3\n").is_ok());
/// assert!(check_text(b"id,tenure\nA\0,3\nB,4\n").is_ok()); // a stray NUL is data
/// assert!(check_text(b"\xFF\xFEi\0d\0").is_ok()); // UTF-16 with a BOM
/// let e = check_text(b"PK\x03\x04\x14\0\0\0").unwrap_err();
/// assert_eq!(e.kind(), "csv");
/// assert!(e.to_string().contains("zip archive"));
/// assert!(check_text(&[1, 2, 0, 4]).unwrap_err().to_string().contains("NUL byte at offset 2"));
/// ```
pub fn check_text(bytes: &[u8]) -> Result<()> {
    let head = &bytes[..bytes.len().min(TEXT_CHECK_BYTES)];
    let utf16 = sniff(head, head.len() == bytes.len(), Some(b','), Encoding::Auto)
        .is_ok_and(|s| s.encoding == Encoding::Utf16);
    check_head(head, utf16)
}

/// Bytes at the start of an input that [`check_text`] looks at (the reader's sniffing prefix).
const TEXT_CHECK_BYTES: usize = 64 * 1024;

/// [`check_text`] on the start of an input whose encoding is known (UTF-16 text has a NUL in
/// every other byte).
pub(crate) fn check_head(head: &[u8], utf16: bool) -> Result<()> {
    for (signature, what) in BINARY_SIGNATURES {
        if head.starts_with(signature) {
            return Err(Error::Csv {
                line: 0,
                reason: format!("the input is not delimited text: it is {what}"),
            });
        }
    }
    let utf16 = utf16 || head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF");
    let head = &head[..head.len().min(TEXT_CHECK_BYTES)];
    let Some(at) = head.iter().position(|&b| b == 0).filter(|_| !utf16) else {
        return Ok(());
    };
    // Text has next to no control characters besides tab and line breaks; binary formats
    // are full of them (uniformly random bytes, as in compressed data, have 11%).
    let control = head
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C)) || b == 0x7F)
        .count();
    if control * 10 < head.len() {
        return Ok(());
    }
    Err(Error::Csv {
        line: 0,
        reason: format!(
            "the input is not delimited text: it holds a NUL byte at offset {at} and {}% \
             control characters in its first {} bytes (a binary file, or UTF-16 without a \
             byte-order mark)",
            control * 100 / head.len(),
            head.len()
        ),
    })
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
            decode_cp1252(b"caf\xE9 \x80 \x93x\x94"),
            "caf\u{e9} \u{20ac} \u{201c}x\u{201d}"
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
