//! Training data from a CSV, for [`BundleBuilder`]: read chunk by chunk, mapped to the
//! builder's schema and validated as the main job reads customer exports, so a bundle's
//! reference describes what scoring will see.
//!
//! ```
//! use churn_core::bundle::BundleBuilder;
//! let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
//! let b = BundleBuilder::new(bytes)?.created("2026-12-01T00:00:00Z");
//! let names = b.schema().input_names().join(",");
//! let csv = format!("{names},Churn\n{}\n{}\n", row(&b, 0.5, "Yes"), row(&b, 1.5, "No"));
//! # fn row(b: &BundleBuilder, v: f64, l: &str) -> String {
//! #     let mut r: Vec<String> = (0..b.schema().num_inputs()).map(|_| v.to_string()).collect();
//! #     r.push(l.into()); r.join(",") }
//! let built = b.build_csv(csv.as_bytes())?;
//! assert_eq!((built.summary.rows_read, built.summary.labelled_rows), (2, 2));
//! # Ok::<(), churn_core::Error>(())
//! ```

use std::io::Read;

use ndarray::Array2;

use crate::bundle::{Built, BundleBuilder, Training};
use crate::error::{Error, Result};
use crate::intake::mapping::map_columns;
use crate::intake::schema::Schema;
use crate::intake::validate::{validate, ValidateOptions};
use crate::run::read::{ChunkReader, ReadOptions};

/// Rows that validation samples to recognise columns by their values, as the main job does.
const EVIDENCE_ROWS: usize = 500;

/// Reads a training CSV into model inputs and labels: columns mapped to `schema` (headers,
/// synonyms, values of the first 500 rows), rows validated with the default options (rejected
/// rows are left out; `rows_read` counts them). The schema's label column must be found.
///
/// ```
/// use churn_core::{FeatureSpec, Schema, ValueKind};
/// let mut s = Schema::from_names(&["tenure"]);
/// s.features.push(FeatureSpec::new("Churn", ValueKind::Label));
/// let t = churn_core::run::train::read_training("tenure,Churn\n3,Yes\n5,No\n".as_bytes(), &s)?;
/// assert_eq!(t.labels, [Some(1.0), Some(0.0)]);
/// let e = churn_core::run::train::read_training("tenure\n3\n".as_bytes(), &s).unwrap_err();
/// assert!(e.to_string().contains("no churn label column"));
/// # Ok::<(), churn_core::Error>(())
/// ```
pub fn read_training<R: Read>(input: R, schema: &Schema) -> Result<Training> {
    let mut reader = ChunkReader::new(input, &ReadOptions::default())?;
    let first = reader.next_chunk()?;
    let evidence = first.as_ref().map(|c| c.table.sample(EVIDENCE_ROWS));
    let mapping = map_columns(reader.headers(), schema, evidence, None)?;
    let label = schema.label().map(|l| l.name.as_str()).unwrap_or_default();
    if mapping.column_of(label).is_none() {
        return Err(Error::input(format!(
            "no churn label column found (looked for '{label}' and its synonyms); name it in \
             the schema with kind = \"label\""
        )));
    }
    let mut flat: Vec<f64> = Vec::new();
    let mut labels: Vec<Option<f64>> = Vec::new();
    let mut rows_read = 0u64;
    let mut chunk = first;
    while let Some(c) = chunk {
        rows_read += c.table.num_rows() as u64;
        let v = validate(&c.table, &mapping, schema, &ValidateOptions::default());
        flat.extend(v.features.iter());
        labels.extend(v.labels.iter().copied());
        chunk = reader.next_chunk()?;
    }
    let x = Array2::from_shape_vec((labels.len(), schema.num_inputs()), flat)
        .map_err(|e| Error::input(format!("training data: {e}")))?;
    Ok(Training {
        x,
        labels,
        rows_read,
    })
}

impl BundleBuilder {
    /// Builds the bundle from a training CSV holding the model's features and the churn label
    /// (read by [`read_training`] with the builder's [`schema`](BundleBuilder::schema)).
    ///
    /// ```
    /// let bytes = std::fs::read("../tests/fixtures/xgb_binary/model.json").unwrap();
    /// let b = churn_core::bundle::BundleBuilder::new(bytes)?;
    /// let e = b.build_csv("a,b\n1,2\n".as_bytes()).unwrap_err();
    /// assert_eq!(e.kind(), "input");
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn build_csv<R: Read>(self, input: R) -> Result<Built> {
        let training = read_training(input, &self.schema())?;
        self.build(training)
    }
}
