//! Refusing input that is not delimited text (a workbook, an image, a database) before it is
//! read as text, with the same error in every runtime.

use super::{sniff, Encoding};
use crate::error::{Error, Result};

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
pub(super) fn check_head(head: &[u8], utf16: bool) -> Result<()> {
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
