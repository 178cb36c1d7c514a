//! A one-sheet Excel workbook writer (`.xlsx`, ECMA-376 SpreadsheetML in a zip), just what
//! [`ScoredTable::to_xlsx`](crate::run::scored::ScoredTable::to_xlsx) needs: text and number cells,
//! a bold header, one number format, a frozen header row, an autofilter and column widths.
//!
//! Why not `rust_xlsxwriter`: it served well, but with `zip` and its deflaters it was ~1 MB of
//! the 2.4 MB WebAssembly module whose budget is 1 MB (issue 6), because every feature it
//! supports (charts, drawings, comments, tables...) is reachable from `Workbook::save`. This
//! writer deflates with `miniz_oxide` and checksums with `crc` (a 1 KB table: `crc32fast`'s
//! 16 KB one buys CRC speed that the deflate after it cannot use), and adds ~42 KB (twiggy).
//!
//! The output is deterministic (fixed timestamps, no document properties), so two exports of
//! the same rows are byte-identical. The sheet is deflated while it is written, so memory holds
//! the compressed sheet plus the table of distinct texts, not the sheet's XML.

use crate::error::{Error, Result};
use miniz_oxide::deflate::core::{
    compress_to_output, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush, TDEFLStatus,
};
use std::collections::HashMap;
use std::fmt::Write as _;

/// Excel's limits: rows per sheet (header included), characters per cell.
pub(crate) const MAX_ROWS: u32 = 1_048_576;
pub(crate) const MAX_CELL_CHARS: usize = 32_767;

/// The cell formats the workbook defines (indices into `cellXfs` of styles.xml).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    Plain = 0,
    Bold = 1,
    Percent = 2,
}

/// Builds a workbook of one sheet, row by row; see the module documentation.
pub(crate) struct Workbook {
    sheet_name: String,
    sheet: Deflater,
    /// The row being written (XML), handed to `sheet` when the row ends.
    row: String,
    row_index: u32,
    col: u16,
    max_col: u16,
    strings: SharedStrings,
}

impl Workbook {
    /// A workbook whose only sheet is called `sheet_name` (at most 31 characters, none of
    /// `[]:*?/\`: the caller passes a constant), with columns of the given widths (0-based
    /// column, width in characters of the default font, as Excel's column-width dialog) and,
    /// with `freeze_header`, row 1 kept in view when scrolling.
    ///
    /// The sheet's head is written here because the rows are deflated as they come: that is
    /// also why the sheet has no `<dimension>` element (it is optional; Excel computes it).
    pub(crate) fn new(
        sheet_name: &str,
        widths: &[(u16, f64)],
        freeze_header: bool,
    ) -> Result<Workbook> {
        let mut head = String::from(XML_DECL);
        head.push_str(
            "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
             xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">\
             <sheetViews><sheetView tabSelected=\"1\" workbookViewId=\"0\">",
        );
        if freeze_header {
            head.push_str(
                "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>\
                 <selection pane=\"bottomLeft\"/>",
            );
        }
        head.push_str("</sheetView></sheetViews><sheetFormatPr defaultRowHeight=\"15\"/>");
        let mut widths = widths.to_vec();
        crate::order::sort_by_key(&mut widths, |w| w.0);
        widths.dedup_by_key(|w| w.0);
        if !widths.is_empty() {
            head.push_str("<cols>");
            for &(col, width) in &widths {
                let n = u32::from(col) + 1;
                let _ = write!(
                    head,
                    "<col min=\"{n}\" max=\"{n}\" width=\"{}\" customWidth=\"1\"/>",
                    stored_width(width)
                );
            }
            head.push_str("</cols>");
        }
        head.push_str("<sheetData>");
        let mut sheet = Deflater::new();
        sheet.write(head.as_bytes())?;
        Ok(Workbook {
            sheet_name: sheet_name.to_string(),
            sheet,
            row: String::new(),
            row_index: 0,
            col: 0,
            max_col: 0,
            strings: SharedStrings::default(),
        })
    }

    /// Starts the next row (the first call starts row 1).
    pub(crate) fn start_row(&mut self) -> Result<()> {
        self.end_row()?;
        if self.row_index >= MAX_ROWS {
            return Err(too_big(format!(
                "more than {MAX_ROWS} rows do not fit an Excel sheet"
            )));
        }
        self.row_index += 1;
        self.col = 0;
        let _ = write!(self.row, "<row r=\"{}\">", self.row_index);
        Ok(())
    }

    fn end_row(&mut self) -> Result<()> {
        if !self.row.is_empty() {
            self.row.push_str("</row>");
            self.sheet.write(self.row.as_bytes())?;
            self.row.clear();
        }
        Ok(())
    }

    /// Leaves the next cell of the row empty.
    pub(crate) fn skip(&mut self) {
        self.col = self.col.saturating_add(1);
    }

    /// Writes a text cell; `what` names the cell in the error when the text is too long for
    /// Excel (32,767 characters).
    pub(crate) fn text(
        &mut self,
        value: &str,
        style: Style,
        what: impl FnOnce() -> String,
    ) -> Result<()> {
        // Bytes bound characters from above, so most texts skip the count.
        if value.len() > MAX_CELL_CHARS {
            let chars = value.chars().count();
            if chars > MAX_CELL_CHARS {
                return Err(too_big(format!(
                    "{} holds {chars} characters; an Excel cell holds at most {MAX_CELL_CHARS}",
                    what()
                )));
            }
        }
        let index = self.strings.index(value);
        self.open_cell(style, Some("s"));
        let _ = write!(self.row, "<v>{index}</v></c>");
        Ok(())
    }

    /// Writes a number cell (an empty cell for NaN and infinities, which Excel cannot store).
    pub(crate) fn number(&mut self, value: f64, style: Style) {
        if !value.is_finite() {
            self.skip();
            return;
        }
        self.open_cell(style, None);
        // Rust prints the shortest decimal that reads back to the same f64, never an exponent.
        let _ = write!(self.row, "<v>{value}</v></c>");
    }

    fn open_cell(&mut self, style: Style, kind: Option<&str>) {
        self.row.push_str("<c r=\"");
        push_cell_ref(&mut self.row, self.row_index, self.col);
        self.row.push('"');
        if style != Style::Plain {
            let _ = write!(self.row, " s=\"{}\"", style as u8);
        }
        if let Some(kind) = kind {
            let _ = write!(self.row, " t=\"{kind}\"");
        }
        self.row.push('>');
        self.max_col = self.max_col.max(self.col);
        self.col = self.col.saturating_add(1);
    }

    /// The `.xlsx` bytes; with `autofilter`, filter buttons on the header over all rows.
    pub(crate) fn finish(mut self, autofilter: bool) -> Result<Vec<u8>> {
        self.end_row()?;
        let last_row = self.row_index.max(1);
        let mut tail = String::from("</sheetData>");
        if autofilter {
            tail.push_str("<autoFilter ref=\"A1:");
            push_cell_ref(&mut tail, last_row, self.max_col);
            tail.push_str("\"/>");
        }
        tail.push_str(
            "<pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" \
             header=\"0.3\" footer=\"0.3\"/></worksheet>",
        );
        self.sheet.write(tail.as_bytes())?;
        let sheet = self.sheet.finish()?;

        // Excel keeps an autofilter's range as this hidden name too.
        let defined_name = if autofilter {
            let mut abs = String::from("$A$1:$");
            push_column(&mut abs, self.max_col);
            let _ = write!(abs, "${last_row}");
            let mut name = String::new();
            push_escaped(&mut name, &self.sheet_name.replace('\'', "''"));
            format!(
                "<definedNames><definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"0\" \
                 hidden=\"1\">'{name}'!{abs}</definedName></definedNames>"
            )
        } else {
            String::new()
        };
        let mut sheet_name = String::new();
        push_escaped(&mut sheet_name, &self.sheet_name);
        let workbook = format!(
            "{XML_DECL}<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
             xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">\
             <bookViews><workbookView/></bookViews><sheets><sheet name=\"{sheet_name}\" sheetId=\"1\" \
             r:id=\"rId1\"/></sheets>{defined_name}</workbook>"
        );
        let strings = self.strings.finish()?;

        let mut zip = Zip::default();
        zip.add(
            "[Content_Types].xml",
            &Deflater::whole(CONTENT_TYPES.as_bytes())?,
        )?;
        zip.add("_rels/.rels", &Deflater::whole(ROOT_RELS.as_bytes())?)?;
        zip.add("xl/workbook.xml", &Deflater::whole(workbook.as_bytes())?)?;
        zip.add(
            "xl/_rels/workbook.xml.rels",
            &Deflater::whole(WORKBOOK_RELS.as_bytes())?,
        )?;
        zip.add("xl/styles.xml", &Deflater::whole(STYLES.as_bytes())?)?;
        zip.add("xl/sharedStrings.xml", &strings)?;
        zip.add("xl/worksheets/sheet1.xml", &sheet)?;
        zip.finish()
    }
}

fn too_big(why: String) -> Error {
    Error::Write {
        target: "Excel workbook".into(),
        source: std::io::Error::other(why),
    }
}

/// Excel's stored column width for a width in characters: whole pixels at a 7-pixel digit
/// width plus 5 pixels of padding, in 1/256ths of a character.
fn stored_width(chars: f64) -> f64 {
    let chars = chars.clamp(0.0, 255.0);
    let pixels = (chars * 7.0 + 5.0).trunc();
    ((pixels / 7.0) * 256.0).trunc() / 256.0
}

/// `A`, `B`, ..., `Z`, `AA`, ... for a 0-based column.
fn push_column(out: &mut String, col: u16) {
    let mut n = u32::from(col) + 1;
    let mut letters = [0u8; 4];
    let mut len = 0;
    while n > 0 && len < letters.len() {
        let rem = (n - 1) % 26;
        letters[len] = b'A' + rem as u8;
        len += 1;
        n = (n - 1) / 26;
    }
    for &b in letters[..len].iter().rev() {
        out.push(char::from(b));
    }
}

fn push_cell_ref(out: &mut String, row: u32, col: u16) {
    push_column(out, col);
    let _ = write!(out, "{row}");
}

/// Appends `s` as XML character data. Control characters that XML 1.0 forbids are written as
/// Excel's `_xHHHH_` escapes, and text that already looks like one gets its underscore escaped
/// (`_x005F_`), so that Excel shows exactly the original text.
fn push_escaped(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    for (i, c) in s.char_indices() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => {
                let _ = write!(out, "_x{:04X}_", c as u32);
            }
            '_' if looks_like_escape(&bytes[i..]) => out.push_str("_x005F_"),
            _ => out.push(c),
        }
    }
}

/// `_xHHHH_` at the start of `b`.
fn looks_like_escape(b: &[u8]) -> bool {
    b.len() >= 7 && b[1] == b'x' && b[6] == b'_' && b[2..6].iter().all(u8::is_ascii_hexdigit)
}

/// The workbook's texts, each stored once (tiers and reasons repeat a lot).
#[derive(Default)]
struct SharedStrings {
    index: HashMap<String, u32>,
    xml: String,
    uses: u64,
}

impl SharedStrings {
    fn index(&mut self, s: &str) -> u32 {
        self.uses += 1;
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        // A sheet of 1,048,576 rows x 16,384 columns could in theory hold more distinct texts
        // than u32 counts (Excel's own limit); saturating keeps this total, never wrapping.
        let i = u32::try_from(self.index.len()).unwrap_or(u32::MAX);
        self.xml.push_str("<si><t");
        if s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace) {
            self.xml.push_str(" xml:space=\"preserve\"");
        }
        self.xml.push('>');
        push_escaped(&mut self.xml, s);
        self.xml.push_str("</t></si>");
        self.index.insert(s.to_string(), i);
        i
    }

    fn finish(self) -> Result<Part> {
        let head = format!(
            "{XML_DECL}<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
             count=\"{}\" uniqueCount=\"{}\">",
            self.uses,
            self.index.len()
        );
        let mut d = Deflater::new();
        d.write(head.as_bytes())?;
        d.write(self.xml.as_bytes())?;
        d.write(b"</sst>")?;
        d.finish()
    }
}

/// A zip entry's content, deflated: the bytes, the CRC-32 and the size of the original.
struct Part {
    deflated: Vec<u8>,
    crc: u32,
    raw_len: u64,
}

/// Deflates a part as it is written (raw deflate, as zip stores it).
struct Deflater {
    compressor: Box<CompressorOxide>,
    crc: crc::Digest<'static, u32, crc::Table<1>>,
    raw_len: u64,
    out: Vec<u8>,
    /// Bytes waiting for the compressor: it is called on runs of at least this size.
    pending: Vec<u8>,
}

const PENDING: usize = 1 << 16;

/// Zip's CRC-32 (the ISO-HDLC polynomial), byte by byte from a 1 KB table.
static CRC32: crc::Crc<u32, crc::Table<1>> =
    crc::Crc::<u32, crc::Table<1>>::new(&crc::CRC_32_ISO_HDLC);

impl Deflater {
    fn new() -> Deflater {
        // Level 6 (zlib's default); negative window bits: raw deflate, no zlib header.
        let flags = create_comp_flags_from_zip_params(6, -15, 0);
        Deflater {
            compressor: Box::new(CompressorOxide::new(flags)),
            crc: CRC32.digest(),
            raw_len: 0,
            out: Vec::new(),
            pending: Vec::new(),
        }
    }

    fn whole(bytes: &[u8]) -> Result<Part> {
        let mut d = Deflater::new();
        d.write(bytes)?;
        d.finish()
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.crc.update(bytes);
        self.raw_len += bytes.len() as u64;
        // Zip without its 64-bit extension stores sizes in 32 bits.
        if self.raw_len > u64::from(u32::MAX) {
            return Err(too_big(
                "a part of the workbook is over 4 GiB uncompressed".to_string(),
            ));
        }
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= PENDING {
            self.compress(TDEFLFlush::None)?;
        }
        Ok(())
    }

    fn compress(&mut self, flush: TDEFLFlush) -> Result<()> {
        let input = std::mem::take(&mut self.pending);
        let mut at = 0;
        loop {
            let out = &mut self.out;
            let (status, used) =
                compress_to_output(&mut self.compressor, &input[at..], flush, |chunk| {
                    out.extend_from_slice(chunk);
                    true
                });
            at += used;
            match status {
                TDEFLStatus::Done => break,
                TDEFLStatus::Okay if at >= input.len() && flush == TDEFLFlush::None => break,
                TDEFLStatus::Okay => continue,
                TDEFLStatus::BadParam | TDEFLStatus::PutBufFailed => {
                    return Err(too_big(format!("deflate failed ({status:?})")));
                }
            }
        }
        self.pending = input;
        self.pending.clear();
        Ok(())
    }

    fn finish(mut self) -> Result<Part> {
        self.compress(TDEFLFlush::Finish)?;
        Ok(Part {
            deflated: self.out,
            crc: self.crc.finalize(),
            raw_len: self.raw_len,
        })
    }
}

/// Fixed timestamp of every entry: 1980-01-01 00:00, the first date zip can store, so that
/// exports are reproducible.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;

/// A zip archive of deflated entries, assembled in memory.
#[derive(Default)]
struct Zip {
    bytes: Vec<u8>,
    central: Vec<u8>,
    entries: u16,
}

impl Zip {
    fn add(&mut self, name: &str, part: &Part) -> Result<()> {
        let offset = u32::try_from(self.bytes.len())
            .map_err(|_| too_big("the workbook is over 4 GiB".into()))?;
        let csize = u32::try_from(part.deflated.len())
            .map_err(|_| too_big("a part of the workbook is over 4 GiB".into()))?;
        let usize_ = u32::try_from(part.raw_len)
            .map_err(|_| too_big("a part of the workbook is over 4 GiB".into()))?;
        let name_len = name.len() as u16;
        // The fields both headers share, from "version needed" to the name length.
        let mut shared = Vec::with_capacity(24);
        shared.extend_from_slice(&20u16.to_le_bytes()); // version needed: 2.0 (deflate)
        shared.extend_from_slice(&0u16.to_le_bytes()); // flags
        shared.extend_from_slice(&8u16.to_le_bytes()); // method: deflate
        shared.extend_from_slice(&DOS_TIME.to_le_bytes());
        shared.extend_from_slice(&DOS_DATE.to_le_bytes());
        shared.extend_from_slice(&part.crc.to_le_bytes());
        shared.extend_from_slice(&csize.to_le_bytes());
        shared.extend_from_slice(&usize_.to_le_bytes());
        shared.extend_from_slice(&name_len.to_le_bytes());

        let b = &mut self.bytes;
        b.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        b.extend_from_slice(&shared);
        b.extend_from_slice(&0u16.to_le_bytes()); // extra field length
        b.extend_from_slice(name.as_bytes());
        b.extend_from_slice(&part.deflated);

        let c = &mut self.central;
        c.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        c.extend_from_slice(&20u16.to_le_bytes()); // made by: 2.0, MS-DOS attributes
        c.extend_from_slice(&shared);
        // Extra field and comment lengths, disk number, internal and external attributes.
        c.extend_from_slice(&[0; 12]);
        c.extend_from_slice(&offset.to_le_bytes());
        c.extend_from_slice(name.as_bytes());
        self.entries += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<u8>> {
        let offset = u32::try_from(self.bytes.len())
            .map_err(|_| too_big("the workbook is over 4 GiB".into()))?;
        let size = self.central.len() as u32;
        self.bytes.extend_from_slice(&self.central);
        let b = &mut self.bytes;
        b.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        b.extend_from_slice(&[0; 4]); // this disk, disk of the central directory
        b.extend_from_slice(&self.entries.to_le_bytes());
        b.extend_from_slice(&self.entries.to_le_bytes());
        b.extend_from_slice(&size.to_le_bytes());
        b.extend_from_slice(&offset.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes()); // comment length
        Ok(self.bytes)
    }
}

const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

const CONTENT_TYPES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
<Default Extension=\"xml\" ContentType=\"application/xml\"/>\
<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>\
<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>\
<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>\
</Types>";

const ROOT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>\
</Relationships>";

const WORKBOOK_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>\
<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>\
<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>\
</Relationships>";

/// Fonts: Calibri 11 and its bold; the two fills Excel requires; cell formats in the order of
/// [`Style`]: plain, bold, `0.0%`.
const STYLES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\
<numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"0.0%\"/></numFmts>\
<fonts count=\"2\">\
<font><sz val=\"11\"/><color theme=\"1\"/><name val=\"Calibri\"/><family val=\"2\"/><scheme val=\"minor\"/></font>\
<font><b/><sz val=\"11\"/><color theme=\"1\"/><name val=\"Calibri\"/><family val=\"2\"/><scheme val=\"minor\"/></font>\
</fonts>\
<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>\
<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>\
<cellXfs count=\"3\">\
<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>\
<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>\
<xf numFmtId=\"164\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>\
</cellXfs>\
<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>\
<dxfs count=\"0\"/><tableStyles count=\"0\" defaultTableStyle=\"TableStyleMedium9\" defaultPivotStyle=\"PivotStyleLight16\"/>\
</styleSheet>";

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// The parts of a workbook, read back by the `zip` crate (which checks every CRC).
    fn parts(xlsx: &[u8]) -> HashMap<String, String> {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("a zip");
        let mut out = HashMap::new();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).expect("entry");
            let name = f.name().expect("name").to_string();
            let mut s = String::new();
            f.read_to_string(&mut s).expect("UTF-8 part, CRC ok");
            out.insert(name, s);
        }
        out
    }

    /// Undoes `push_escaped`.
    fn unescape(s: &str) -> String {
        let s = s
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&amp;", "&");
        let mut out = String::new();
        let mut rest = s.as_str();
        while let Some(i) = rest.find("_x") {
            out.push_str(&rest[..i]);
            let b = &rest.as_bytes()[i..];
            if looks_like_escape(b) {
                let code = u32::from_str_radix(&rest[i + 2..i + 6], 16).expect("hex");
                out.push(char::from_u32(code).expect("char"));
                rest = &rest[i + 7..];
            } else {
                out.push_str("_x");
                rest = &rest[i + 2..];
            }
        }
        out.push_str(rest);
        out
    }

    fn shared_strings(sst: &str) -> Vec<String> {
        sst.split("<si>")
            .skip(1)
            .map(|si| {
                let t = &si[si.find('>').expect("<t>") + 1..si.find("</t>").expect("</t>")];
                unescape(t)
            })
            .collect()
    }

    #[test]
    fn texts_round_trip_through_shared_strings() {
        let texts = [
            "plain",
            "a & b < c > d \"e\"",
            " leading and trailing ",
            "bell\u{7}nul\u{0}esc\u{1b}",
            "tab\tnewline\ncr\r",
            "_x0041_ is not A",
            "_X00zz_ stays",
            "ünïcödé 顧客 🙂",
            "",
            "plain",
        ];
        let mut book = Workbook::new("Sheet 'one'", &[(1, 20.0)], true).expect("new");
        for t in texts {
            book.start_row().expect("row");
            book.text(t, Style::Plain, String::new).expect("text");
            book.number(1.5, Style::Percent);
        }
        let xlsx = book.finish(true).expect("finish");
        let p = parts(&xlsx);
        for name in [
            "[Content_Types].xml",
            "_rels/.rels",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            "xl/sharedStrings.xml",
            "xl/worksheets/sheet1.xml",
        ] {
            assert!(p.contains_key(name), "missing {name}");
        }
        let sst = shared_strings(&p["xl/sharedStrings.xml"]);
        // Distinct texts stored once, in first-use order.
        assert_eq!(sst.len(), texts.len() - 1);
        assert!(p["xl/sharedStrings.xml"].contains("count=\"10\" uniqueCount=\"9\""));
        let sheet = &p["xl/worksheets/sheet1.xml"];
        for (r, t) in texts.iter().enumerate() {
            let cell = format!("<c r=\"A{}\" t=\"s\"><v>", r + 1);
            let at = sheet.find(&cell).expect("cell A") + cell.len();
            let index: usize = sheet[at..at + sheet[at..].find('<').expect("</v>")]
                .parse()
                .expect("index");
            assert_eq!(sst[index], *t);
            assert!(sheet.contains(&format!("<c r=\"B{}\" s=\"2\"><v>1.5</v></c>", r + 1)));
        }
        assert!(p["xl/sharedStrings.xml"].contains("<t xml:space=\"preserve\"> leading"));
        assert!(sheet.contains("<autoFilter ref=\"A1:B10\"/>"));
        assert!(sheet.contains("state=\"frozen\""));
        assert!(sheet.contains("<col min=\"2\" max=\"2\" width=\"20.7109375\" customWidth=\"1\"/>"));
        assert!(
            p["xl/workbook.xml"].contains("hidden=\"1\">'Sheet ''one'''!$A$1:$B$10</definedName>")
        );
        // No XML 1.0-forbidden control character reaches a part.
        for (name, text) in &p {
            assert!(
                !text
                    .chars()
                    .any(|c| c < ' ' && !matches!(c, '\t' | '\n' | '\r')),
                "{name} holds a control character"
            );
        }
    }

    #[test]
    fn numbers_keep_every_bit_and_non_finite_values_leave_the_cell_empty() {
        let values = [
            0.0,
            -0.0,
            1.0 / 3.0,
            1e-300,
            123_456_789.0,
            f64::MIN_POSITIVE,
            0.1 + 0.2,
        ];
        let mut book = Workbook::new("n", &[], false).expect("new");
        book.start_row().expect("row");
        for v in values {
            book.number(v, Style::Plain);
        }
        book.number(f64::NAN, Style::Plain);
        book.number(f64::INFINITY, Style::Plain);
        book.number(7.0, Style::Plain);
        let p = parts(&book.finish(false).expect("finish"));
        let sheet = &p["xl/worksheets/sheet1.xml"];
        for (c, v) in values.iter().enumerate() {
            let mut cell = String::from("<c r=\"");
            push_cell_ref(&mut cell, 1, c as u16);
            cell.push_str("\"><v>");
            let at = sheet.find(&cell).expect("cell") + cell.len();
            let text = &sheet[at..at + sheet[at..].find('<').expect("</v>")];
            let back: f64 = text.parse().expect("a number");
            assert_eq!(back.to_bits(), v.to_bits(), "{text}");
        }
        // The NaN and infinity cells (H1, I1) are absent; J1 follows them.
        assert!(!sheet.contains("r=\"H1\"") && !sheet.contains("r=\"I1\""));
        assert!(sheet.contains("<c r=\"J1\"><v>7</v></c>"));
        assert!(!sheet.contains("<autoFilter") && !sheet.contains("<pane"));
    }

    #[test]
    fn exports_are_reproducible_and_large_sheets_stream() {
        let build = || {
            let mut book = Workbook::new("big", &[], true).expect("new");
            for r in 0..60_000u32 {
                book.start_row().expect("row");
                book.number(f64::from(r), Style::Plain);
                book.text(&format!("customer-{}", r % 977), Style::Plain, String::new)
                    .expect("text");
            }
            book.finish(true).expect("finish")
        };
        let (a, b) = (build(), build());
        assert_eq!(a, b, "two exports of the same rows differ");
        let p = parts(&a);
        let sheet = &p["xl/worksheets/sheet1.xml"];
        assert!(sheet.len() > a.len() * 5, "the sheet is deflated");
        assert!(sheet.contains("<row r=\"60000\"><c r=\"A60000\"><v>59999</v></c>"));
        assert!(sheet.ends_with("</worksheet>"));
        assert!(p["xl/sharedStrings.xml"].contains("uniqueCount=\"977\""));
    }

    #[test]
    fn an_over_long_cell_is_a_write_error_that_names_the_cell() {
        let mut book = Workbook::new("s", &[], false).expect("new");
        book.start_row().expect("row");
        let ok = "é".repeat(MAX_CELL_CHARS);
        book.text(&ok, Style::Plain, || unreachable!())
            .expect("32,767 characters fit");
        let err = book
            .text(&"x".repeat(MAX_CELL_CHARS + 1), Style::Plain, || {
                "the customer id on line 7".to_string()
            })
            .expect_err("too long");
        assert!(matches!(err, Error::Write { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("the customer id on line 7") && msg.contains("32767"),
            "{msg}"
        );
    }

    #[test]
    fn column_letters_and_widths_follow_excel() {
        let letters = |c| {
            let mut s = String::new();
            push_column(&mut s, c);
            s
        };
        assert_eq!(letters(0), "A");
        assert_eq!(letters(25), "Z");
        assert_eq!(letters(26), "AA");
        assert_eq!(letters(701), "ZZ");
        assert_eq!(letters(702), "AAA");
        assert_eq!(letters(16_383), "XFD");
        // What Excel stores for widths typed into its dialog.
        assert_eq!(stored_width(14.0), 14.7109375);
        assert_eq!(stored_width(8.43), 9.140625);
        assert_eq!(stored_width(60.0), 60.7109375);
    }
}
