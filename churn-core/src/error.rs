//! The one error type of churn-core.
//!
//! Every variant says *what* went wrong, *where* (file, line, byte, tree, node, field, row,
//! column: whatever is known) and *why*, so that a message shown to a user is enough to find the
//! problem in their file.

use std::fmt;
use std::path::PathBuf;

/// A convenient alias for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in a model file a problem sits.
///
/// Each part is optional; [`fmt::Display`] prints the parts that are known, most general first:
///
/// ```
/// use churn_core::Location;
/// let at = Location::tree(3).node(17).field("left_children");
/// assert_eq!(at.to_string(), "tree 3, node 17, field `left_children`");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    /// Index of the tree in the file, counting from 0.
    pub tree: Option<usize>,
    /// Index of the node inside its tree, as numbered in the file.
    pub node: Option<usize>,
    /// Name of the field (JSON key or LightGBM `key=`).
    pub field: Option<String>,
    /// 1-based line of a text model.
    pub line: Option<usize>,
}

impl Location {
    /// A location naming only a tree.
    pub fn tree(tree: usize) -> Location {
        Location {
            tree: Some(tree),
            ..Location::default()
        }
    }

    /// A location naming only a field.
    pub fn field_only(field: &str) -> Location {
        Location {
            field: Some(field.to_string()),
            ..Location::default()
        }
    }

    /// The same location, narrowed to a node.
    pub fn node(mut self, node: usize) -> Location {
        self.node = Some(node);
        self
    }

    /// The same location, narrowed to a field.
    pub fn field(mut self, field: &str) -> Location {
        self.field = Some(field.to_string());
        self
    }

    /// The same location, with a line number.
    pub fn line(mut self, line: usize) -> Location {
        self.line = Some(line);
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(line) = self.line {
            parts.push(format!("line {line}"));
        }
        if let Some(tree) = self.tree {
            parts.push(format!("tree {tree}"));
        }
        if let Some(node) = self.node {
            parts.push(format!("node {node}"));
        }
        if let Some(field) = &self.field {
            parts.push(format!("field `{field}`"));
        }
        if parts.is_empty() {
            f.write_str("model")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// Everything that can go wrong in churn-core.
///
/// ```
/// use churn_core::{Error, Model};
/// let err = Model::from_bytes(b"definitely not a model").unwrap_err();
/// assert!(matches!(err, Error::UnknownFormat { .. }));
/// assert!(err.to_string().contains("not a recognised model file"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file that was being read.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },

    /// The bytes are not any model format churnlens knows.
    #[error(
        "not a recognised model file (expected XGBoost JSON/UBJSON or LightGBM text): {reason}"
    )]
    UnknownFormat {
        /// What the first bytes looked like.
        reason: String,
    },

    /// The text is not valid JSON.
    #[error("invalid JSON at line {line}, column {column}: {reason}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's reason.
        reason: String,
    },

    /// The bytes are not valid UBJSON.
    #[error("invalid UBJSON at byte {offset}: {reason}")]
    Ubjson {
        /// Byte offset of the problem.
        offset: usize,
        /// Why it is invalid.
        reason: String,
    },

    /// The file parsed, but its content is not a valid model.
    #[error("invalid model at {location}: {reason}")]
    Model {
        /// Where the problem is.
        location: Location,
        /// Why it is invalid.
        reason: String,
    },

    /// A valid model that uses a feature churnlens does not implement.
    #[error("unsupported model: {what}")]
    Unsupported {
        /// The feature that is not supported, and what to do instead where there is an answer.
        what: String,
    },

    /// Input data (a matrix, a row) does not fit the model.
    #[error("invalid input: {reason}")]
    Input {
        /// Why the input cannot be used.
        reason: String,
    },

    /// A feature schema (built in, from a schema file or inside a bundle) is not valid.
    #[error("invalid schema at {field}: {reason}")]
    Schema {
        /// Where in the schema: a feature name and field, e.g. ``feature `tenure`, field `min` ``.
        field: String,
        /// Why it is invalid.
        reason: String,
    },

    /// A vocabulary file (concepts and synonyms) is not valid.
    #[error("invalid vocabulary at {field}: {reason}")]
    Vocabulary {
        /// Where in the file: a concept id or section.
        field: String,
        /// Why it is invalid.
        reason: String,
    },

    /// Delimited text (CSV) could not be read into a table.
    #[error("invalid CSV at line {line}: {reason}")]
    Csv {
        /// 1-based line of the problem (0 when unknown).
        line: u64,
        /// The parser's reason.
        reason: String,
    },

    /// A column-mapping override does not fit the schema or the table.
    #[error("invalid mapping override for feature `{feature}`: {reason}")]
    Override {
        /// The feature the override names.
        feature: String,
        /// Why it cannot be applied.
        reason: String,
    },

    /// A model bundle file is not valid (wrong layout, bad field, content hash mismatch).
    #[error("invalid bundle at {field}: {reason}")]
    Bundle {
        /// The bundle field, e.g. `metadata.content_hash` or `sample.rows[3]`.
        field: String,
        /// Why it is invalid.
        reason: String,
    },

    /// Input text is not in the expected character encoding (e.g. invalid UTF-8).
    #[error("invalid {encoding} text in row {row}, column {column} (line {line}, byte {byte}): {reason}")]
    Encoding {
        /// The encoding the text was read as (`UTF-8`, `UTF-16`).
        encoding: String,
        /// 1-based data-row number (0 = the header row).
        row: u64,
        /// 1-based line where the record starts.
        line: u64,
        /// Byte offset of the record's start in the input.
        byte: u64,
        /// The column: 1-based number and header, e.g. `3 ('Name')`.
        column: String,
        /// What was wrong and what to do about it.
        reason: String,
    },

    /// An output (scored file, rejects file, database export) could not be written.
    #[error("cannot write {target}: {source}")]
    Write {
        /// What was being written, e.g. `scored CSV` or a path.
        target: String,
        /// The operating system's reason.
        source: std::io::Error,
    },

    /// The prediction and outcome database (cargo feature `sqlite`) failed.
    #[error("database {path}: {reason}")]
    Database {
        /// The database file (`:memory:` for an in-memory one).
        path: String,
        /// SQLite's reason.
        reason: String,
    },

    /// A value in a record (an outcome row, a setting) is not valid.
    #[error("invalid value in row {row}, column `{column}`: {reason}")]
    Record {
        /// 1-based data-row number (0 when the value did not come from a table).
        row: u64,
        /// The column or field name.
        column: String,
        /// Why it is invalid.
        reason: String,
    },
}

impl Error {
    pub(crate) fn model(location: Location, reason: impl Into<String>) -> Error {
        Error::Model {
            location,
            reason: reason.into(),
        }
    }

    pub(crate) fn unsupported(what: impl Into<String>) -> Error {
        Error::Unsupported { what: what.into() }
    }

    pub(crate) fn input(reason: impl Into<String>) -> Error {
        Error::Input {
            reason: reason.into(),
        }
    }

    /// A short stable name of the error's kind, for bindings and logs.
    ///
    /// ```
    /// use churn_core::Model;
    /// assert_eq!(Model::from_bytes(b"").unwrap_err().kind(), "unknown_format");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Io { .. } => "io",
            Error::UnknownFormat { .. } => "unknown_format",
            Error::Json { .. } => "json",
            Error::Ubjson { .. } => "ubjson",
            Error::Model { .. } => "model",
            Error::Unsupported { .. } => "unsupported",
            Error::Input { .. } => "input",
            Error::Schema { .. } => "schema",
            Error::Vocabulary { .. } => "vocabulary",
            Error::Csv { .. } => "csv",
            Error::Override { .. } => "override",
            Error::Bundle { .. } => "bundle",
            Error::Encoding { .. } => "encoding",
            Error::Write { .. } => "write",
            Error::Database { .. } => "database",
            Error::Record { .. } => "record",
        }
    }
}

/// 1-based line and column just after `before` (columns count bytes, as serde_json's do).
pub(crate) fn line_and_column(before: &[u8]) -> (usize, usize) {
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (line, before.len() - start + 1)
}
