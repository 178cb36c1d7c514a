//! The one error type of churn-core.
//!
//! Every variant says *what* went wrong, *where* (file, line, byte, tree, node, field, row,
//! column: whatever is known) and *why*, so that a message shown to a user is enough to find the
//! problem in their file.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

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
        /// The parser's own error, when the text was valid UTF-8 and `serde_json` rejected it
        /// (build with [`Error::json`]).
        #[source]
        source: Option<serde_json::Error>,
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
        /// SQLite's own error (`rusqlite::Error`) when it raised this one (build with
        /// [`Error::database`]); boxed so that the type does not depend on the `sqlite` feature.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
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

    /// An error raised while reading a named file: the file, and what went wrong in it. Its
    /// message, [`Error::code`] and [`Error::source`](std::error::Error::source) are the inner
    /// error's; [`Error::position`] adds the file. [`Error::root`] gives the inner error for
    /// matching on its variant.
    #[error(transparent)]
    InFile(Box<InFile>),
}

/// The payload of [`Error::InFile`]: a file and the error raised while reading it.
#[derive(Debug)]
pub struct InFile {
    /// The file that was being read.
    pub path: PathBuf,
    /// What went wrong in it.
    pub error: Error,
}

impl fmt::Display for InFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The inner message, unchanged: callers (the CLI) already name the file they load.
        self.error.fmt(f)
    }
}

impl std::error::Error for InFile {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error.source()
    }
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

    /// A JSON syntax error from `serde_json`, kept as the source.
    ///
    /// ```
    /// use churn_core::Error;
    /// let parse = serde_json::from_str::<serde_json::Value>("{\n  \"a\": ]").unwrap_err();
    /// let err = Error::json(parse);
    /// assert_eq!(err.code(), "json");
    /// assert_eq!((err.position().line, err.position().column), (Some(2), Some(8)));
    /// assert!(std::error::Error::source(&err).is_some());
    /// ```
    pub fn json(source: serde_json::Error) -> Error {
        Error::Json {
            line: source.line(),
            column: source.column(),
            reason: source.to_string(),
            source: Some(source),
        }
    }

    /// A database error, keeping the driver's error (e.g. `rusqlite::Error`) as the source.
    ///
    /// ```
    /// use churn_core::Error;
    /// let err = Error::database("log.db", std::io::Error::other("disk full"));
    /// assert_eq!(err.to_string(), "database log.db: disk full");
    /// assert_eq!(err.position().file.as_deref(), Some("log.db"));
    /// assert!(std::error::Error::source(&err).is_some());
    /// ```
    pub fn database(
        path: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        Error::Database {
            path: path.into(),
            reason: source.to_string(),
            source: Some(Box::new(source)),
        }
    }

    /// The same error, marked as raised while reading `path` ([`Error::InFile`]), so that
    /// [`Error::position`] names the file. Errors that already name a file are returned as
    /// they are.
    ///
    /// ```
    /// use churn_core::{Error, Model};
    /// let err = Model::from_bytes(b"{\"learner\": ]").unwrap_err().in_file("model.json");
    /// assert_eq!(err.code(), "json");
    /// assert_eq!(err.position().file.as_deref(), Some("model.json"));
    /// assert!(matches!(err.root(), Error::Json { line: 1, .. }));
    /// ```
    pub fn in_file(self, path: impl AsRef<Path>) -> Error {
        if self.position().file.is_some() {
            return self;
        }
        Error::InFile(Box::new(InFile {
            path: path.as_ref().to_path_buf(),
            error: self,
        }))
    }

    /// The error itself, or for [`Error::InFile`] the error raised inside the file: the one to
    /// match on.
    ///
    /// ```
    /// use churn_core::{Error, Model};
    /// let err = Model::load("../tests/fixtures/lgb_linear_tree/model.txt").unwrap_err();
    /// assert!(matches!(err, Error::InFile(_)));
    /// assert!(matches!(err.root(), Error::Unsupported { .. }));
    /// ```
    pub fn root(&self) -> &Error {
        match self {
            Error::InFile(inner) => inner.error.root(),
            other => other,
        }
    }

    /// [`Error::root`], by value.
    ///
    /// ```
    /// use churn_core::{Error, Model};
    /// let err = Model::load("../tests/fixtures/lgb_linear_tree/model.txt").unwrap_err();
    /// assert!(matches!(err.into_root(), Error::Unsupported { .. }));
    /// ```
    pub fn into_root(self) -> Error {
        match self {
            Error::InFile(inner) => inner.error.into_root(),
            other => other,
        }
    }

    /// A short stable code naming the kind of error, the same in every runtime (Python's
    /// `err.code`, JS's `err.code`); docs/errors.md lists them all.
    ///
    /// ```
    /// use churn_core::Model;
    /// assert_eq!(Model::from_bytes(b"").unwrap_err().code(), "unknown_format");
    /// ```
    pub fn code(&self) -> &'static str {
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
            Error::InFile(inner) => inner.error.code(),
        }
    }

    /// The same as [`Error::code`] (its older name).
    ///
    /// ```
    /// use churn_core::Model;
    /// assert_eq!(Model::from_bytes(b"").unwrap_err().kind(), "unknown_format");
    /// ```
    pub fn kind(&self) -> &'static str {
        self.code()
    }

    /// Where the problem is, as far as the error knows: file, line, row, column, tree, node,
    /// field, byte. Parts that do not apply are `None`.
    ///
    /// ```
    /// use churn_core::Model;
    /// let err = Model::load("../tests/fixtures/lgb_binary/missing.txt").unwrap_err();
    /// assert_eq!(err.position().file.as_deref(), Some("../tests/fixtures/lgb_binary/missing.txt"));
    /// assert_eq!(err.position().line, None);
    /// ```
    pub fn position(&self) -> Position {
        let at = Position::default();
        match self {
            Error::Io { path, .. } => at.with_file(path),
            Error::Json { line, column, .. } => Position {
                line: Some(*line as u64),
                column: Some(*column as u64),
                ..at
            },
            Error::Ubjson { offset, .. } => Position {
                byte: Some(*offset as u64),
                ..at
            },
            Error::Model { location, .. } => Position::from(location.clone()),
            Error::Schema { field, .. }
            | Error::Vocabulary { field, .. }
            | Error::Bundle { field, .. } => at.with_field(field),
            Error::Override { feature, .. } => at.with_field(feature),
            Error::Csv { line, .. } => Position {
                line: nonzero(*line),
                ..at
            },
            Error::Encoding {
                row,
                line,
                byte,
                column,
                ..
            } => encoding_position(*row, *line, *byte, column),
            Error::Write { target, .. } => at.with_file(Path::new(target)),
            Error::Database { path, .. } => at.with_file(Path::new(path)),
            Error::Record { row, column, .. } => Position {
                row: nonzero(*row),
                ..at.with_field(column)
            },
            Error::InFile(inner) => inner.error.position().with_file(&inner.path),
            Error::UnknownFormat { .. } | Error::Unsupported { .. } | Error::Input { .. } => at,
        }
    }
}

/// `None` for the 0 that some variants use for "unknown".
fn nonzero(v: u64) -> Option<u64> {
    (v != 0).then_some(v)
}

/// The column of an encoding error is written `3 ('Name')`: its number and its header.
fn encoding_position(row: u64, line: u64, byte: u64, column: &str) -> Position {
    let digits = column.len()
        - column
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .len();
    let header = column[digits..]
        .trim()
        .strip_prefix("('")
        .and_then(|rest| rest.strip_suffix("')"));
    Position {
        line: Some(line),
        row: Some(row),
        column: column[..digits].parse().ok(),
        byte: Some(byte),
        field: header.map(str::to_string),
        ..Position::default()
    }
}

/// Where a problem sits, in any input churnlens reads: [`Error::position`].
///
/// Each part is optional. [`fmt::Display`] prints the known parts, most general first;
/// serialized (JSON) the unknown parts are left out, which is what the Python, Node and WASM
/// bindings give as `err.position`.
///
/// ```
/// use churn_core::{Error, Location, Position};
/// let at = Position::from(Location::tree(3).node(17).field("left_children"));
/// assert_eq!(at.to_string(), "tree 3, node 17, field `left_children`");
/// assert_eq!(
///     serde_json::to_string(&at).unwrap(),
///     r#"{"tree":3,"node":17,"field":"left_children"}"#
/// );
/// let parse = serde_json::from_str::<serde_json::Value>("{\n  \"a\": ]").unwrap_err();
/// let err = Error::json(parse).in_file("m.json");
/// assert_eq!(err.position().to_string(), "m.json, line 2, column 8");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Position {
    /// The file (or, for a failed write, the output) concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// 1-based line of a text file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// 1-based data row of a table (0 = the header row).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    /// 1-based column: a character column of a JSON text, or a column number of a table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
    /// Index of a tree in a model, counting from 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tree: Option<usize>,
    /// Index of a node inside its tree, as numbered in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<usize>,
    /// A named place: a model field, a schema feature and field, a bundle field, a column
    /// header, a mapped feature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// 0-based byte offset in the input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub byte: Option<u64>,
}

impl Position {
    /// True when no part is known.
    ///
    /// ```
    /// use churn_core::Model;
    /// assert!(Model::from_bytes(b"").unwrap_err().position().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        *self == Position::default()
    }

    fn with_file(self, path: &Path) -> Position {
        Position {
            file: Some(path.to_string_lossy().into_owned()),
            ..self
        }
    }

    fn with_field(self, field: &str) -> Position {
        Position {
            field: Some(field.to_string()),
            ..self
        }
    }
}

impl From<Location> for Position {
    fn from(at: Location) -> Position {
        Position {
            line: at.line.map(|l| l as u64),
            tree: at.tree,
            node: at.node,
            field: at.field,
            ..Position::default()
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        parts.extend(self.file.clone());
        let numbered = [
            ("line", self.line),
            ("row", self.row),
            ("column", self.column),
            ("byte", self.byte),
            ("tree", self.tree.map(|t| t as u64)),
            ("node", self.node.map(|n| n as u64)),
        ];
        for (name, value) in numbered {
            if let Some(v) = value {
                parts.push(format!("{name} {v}"));
            }
        }
        if let Some(field) = &self.field {
            parts.push(format!("field `{field}`"));
        }
        f.write_str(&parts.join(", "))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn io() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::NotFound, "no such file")
    }

    fn pos(err: &Error) -> String {
        serde_json::to_string(&err.position()).unwrap()
    }

    #[test]
    fn io_names_the_file() {
        let err = Error::Io {
            path: "data/m.json".into(),
            source: io(),
        };
        assert_eq!(pos(&err), r#"{"file":"data/m.json"}"#);
        assert_eq!(err.position().to_string(), "data/m.json");
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn json_has_line_and_column_and_keeps_the_parser_error() {
        let parse = serde_json::from_str::<serde_json::Value>("{\n\n  \"a\": nul }").unwrap_err();
        let err = Error::json(parse);
        assert_eq!(pos(&err), r#"{"line":3,"column":11}"#);
        let source = std::error::Error::source(&err).unwrap();
        assert!(source.is::<serde_json::Error>(), "{source:?}");
        // Built by hand (invalid UTF-8), there is no parser error to keep.
        let err = Error::Json {
            line: 1,
            column: 2,
            reason: "invalid UTF-8".into(),
            source: None,
        };
        assert_eq!(pos(&err), r#"{"line":1,"column":2}"#);
        assert!(std::error::Error::source(&err).is_none());
    }

    #[test]
    fn ubjson_has_the_byte() {
        let err = Error::Ubjson {
            offset: 41,
            reason: "truncated".into(),
        };
        assert_eq!(pos(&err), r#"{"byte":41}"#);
        assert_eq!(err.position().to_string(), "byte 41");
    }

    #[test]
    fn model_has_tree_node_field_and_line() {
        let err = Error::model(Location::tree(2).node(5).field("split_indices"), "bad");
        assert_eq!(pos(&err), r#"{"tree":2,"node":5,"field":"split_indices"}"#);
        let err = Error::model(Location::field_only("num_class").line(7), "bad");
        assert_eq!(pos(&err), r#"{"line":7,"field":"num_class"}"#);
    }

    #[test]
    fn named_places_are_the_field() {
        let field = |s: &str| format!(r#"{{"field":"{s}"}}"#);
        let (f, reason) = ("feature `tenure`, field `min`".to_string(), String::new());
        let schema = Error::Schema {
            field: f.clone(),
            reason: reason.clone(),
        };
        assert_eq!(pos(&schema), field("feature `tenure`, field `min`"));
        let vocabulary = Error::Vocabulary {
            field: "concept tenure".into(),
            reason: reason.clone(),
        };
        assert_eq!(pos(&vocabulary), field("concept tenure"));
        let bundle = Error::Bundle {
            field: "metadata.content_hash".into(),
            reason: reason.clone(),
        };
        assert_eq!(pos(&bundle), field("metadata.content_hash"));
        let over = Error::Override {
            feature: "tenure".into(),
            reason,
        };
        assert_eq!(pos(&over), field("tenure"));
    }

    #[test]
    fn csv_has_the_line_unless_unknown() {
        let at = |line| {
            pos(&Error::Csv {
                line,
                reason: "unbalanced quote".into(),
            })
        };
        assert_eq!(at(12), r#"{"line":12}"#);
        assert_eq!(at(0), "{}");
    }

    #[test]
    fn encoding_splits_the_column_into_number_and_header() {
        let err = Error::Encoding {
            encoding: "UTF-8".into(),
            row: 4000,
            line: 4001,
            byte: 123_456,
            column: "2 ('name')".into(),
            reason: "invalid byte".into(),
        };
        assert_eq!(
            pos(&err),
            r#"{"line":4001,"row":4000,"column":2,"field":"name","byte":123456}"#
        );
        assert_eq!(
            err.position().to_string(),
            "line 4001, row 4000, column 2, byte 123456, field `name`"
        );
        let bare = Error::Encoding {
            encoding: "UTF-8".into(),
            row: 0,
            line: 1,
            byte: 0,
            column: "1".into(),
            reason: "invalid byte".into(),
        };
        assert_eq!(pos(&bare), r#"{"line":1,"row":0,"column":1,"byte":0}"#);
    }

    #[test]
    fn write_and_database_name_their_target() {
        let write = Error::Write {
            target: "out/scored.csv".into(),
            source: io(),
        };
        assert_eq!(pos(&write), r#"{"file":"out/scored.csv"}"#);
        let db = Error::database("log.db", io());
        assert_eq!(pos(&db), r#"{"file":"log.db"}"#);
        assert!(std::error::Error::source(&db).is_some());
    }

    #[test]
    fn record_has_row_and_column_name() {
        let err = Error::Record {
            row: 3,
            column: "churned".into(),
            reason: "not a boolean".into(),
        };
        assert_eq!(pos(&err), r#"{"row":3,"field":"churned"}"#);
        let setting = Error::Record {
            row: 0,
            column: "as_of".into(),
            reason: "not a date".into(),
        };
        assert_eq!(pos(&setting), r#"{"field":"as_of"}"#);
    }

    #[test]
    fn placeless_errors_have_an_empty_position() {
        for err in [
            Error::UnknownFormat { reason: "x".into() },
            Error::unsupported("linear trees"),
            Error::input("3 columns, the model has 4"),
        ] {
            assert!(err.position().is_empty(), "{err}");
            assert_eq!(err.position().to_string(), "");
            assert_eq!(pos(&err), "{}");
        }
    }

    #[test]
    fn in_file_adds_the_file_and_keeps_the_rest() {
        let inner = Error::model(Location::tree(0).node(1).field("left_children"), "bad");
        let message = inner.to_string();
        let err = inner.in_file("models/m.json");
        assert_eq!(err.code(), "model");
        assert_eq!(err.kind(), "model");
        assert_eq!(err.to_string(), message);
        assert_eq!(
            pos(&err),
            r#"{"file":"models/m.json","tree":0,"node":1,"field":"left_children"}"#
        );
        assert!(matches!(err.root(), Error::Model { .. }));
        // The serde_json error stays reachable through the wrapper.
        let parse = serde_json::from_str::<u8>("x").unwrap_err();
        let err = Error::json(parse).in_file("m.json");
        let source = std::error::Error::source(&err).unwrap();
        assert!(source.is::<serde_json::Error>());
        // An error that already names a file is not wrapped again.
        let io_err = Error::Io {
            path: "a.json".into(),
            source: io(),
        }
        .in_file("b.json");
        assert!(matches!(io_err, Error::Io { .. }));
        assert_eq!(pos(&io_err), r#"{"file":"a.json"}"#);
        let twice = Error::input("x").in_file("a").in_file("b");
        assert_eq!(twice.position().file.as_deref(), Some("a"));
    }

    #[test]
    fn location_converts_into_a_position() {
        let at = Location::tree(3).node(17).field("left_children").line(9);
        let p: Position = at.clone().into();
        assert_eq!(
            (p.tree, p.node, p.field.as_deref(), p.line),
            (Some(3), Some(17), Some("left_children"), Some(9))
        );
        assert_eq!(
            at.to_string(),
            "line 9, tree 3, node 17, field `left_children`"
        );
        assert_eq!(
            p.to_string(),
            "line 9, tree 3, node 17, field `left_children`"
        );
    }

    /// The codes `Error::code` can return, read from its source so that a new variant's code
    /// cannot be missed.
    fn codes() -> Vec<String> {
        let src = include_str!("error.rs");
        let body = &src[src.find("pub fn code(&self)").unwrap()..];
        let body = &body[..body.find("\n    }\n").unwrap()];
        body.lines()
            .filter_map(|l| l.split("=> \"").nth(1))
            .map(|rest| rest.trim_end_matches(['"', ',']).to_string())
            .collect()
    }

    #[test]
    fn every_code_is_in_docs_errors_md() {
        let docs = include_str!("../../docs/errors.md");
        let codes = codes();
        // Today's 16 codes at least: the source was read right.
        assert!(codes.len() >= 16, "{codes:?}");
        for code in codes {
            assert!(
                docs.contains(&format!("| `{code}` |")),
                "docs/errors.md has no row for the code `{code}`"
            );
        }
    }
}
