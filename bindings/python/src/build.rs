//! `Bundle.build`'s native half: converts the arrays and options that `churnlens._bundle.build`
//! prepared and calls the core's `BundleBuilder` once, so a bundle built from Python has the
//! same bytes as one built by the CLI or Node from the same model, data, `created` and `seed`.

use std::collections::BTreeMap;

use churn_core::bundle::{BundleBuilder, Training};
use churn_core::{RiskTiers, Tier};
use numpy::{PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use crate::intake::{PyBundle, PySchema};
use crate::{failure_to_py, guarded};

/// Rows of model inputs (float64, NaN = missing) and labels (NaN = unlabelled) as the core's
/// training data.
fn training(x: PyReadonlyArray2<'_, f64>, labels: Option<PyReadonlyArray1<'_, f64>>) -> Training {
    let labels = labels.map(|l| l.as_array().to_vec());
    Training::from_values(x.as_array().to_owned(), labels.as_deref())
}

/// Builds a bundle with the core's `BundleBuilder` (see `churn_core::bundle::builder` for the
/// sampling rule and the metrics). `schema` replaces the model's schema; `schema_json` then
/// enriches it; `tiers` are `(name, min_probability)` pairs.
#[pyfunction]
#[pyo3(signature = (
    model_bytes, x, labels = None, *, schema = None, schema_json = None, label_column = None,
    id_column = None, holdout_x = None, holdout_labels = None, sample_rows = 500, bins = 10,
    tiers = None, name = None, version = None, description = None, source = None,
    created = None, seed = None, metrics = None
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn _build_bundle(
    py: Python<'_>,
    model_bytes: Vec<u8>,
    x: PyReadonlyArray2<'_, f64>,
    labels: Option<PyReadonlyArray1<'_, f64>>,
    schema: Option<PyRef<'_, PySchema>>,
    schema_json: Option<String>,
    label_column: Option<String>,
    id_column: Option<String>,
    holdout_x: Option<PyReadonlyArray2<'_, f64>>,
    holdout_labels: Option<PyReadonlyArray1<'_, f64>>,
    sample_rows: usize,
    bins: usize,
    tiers: Option<Vec<(String, f64)>>,
    name: Option<String>,
    version: Option<String>,
    description: Option<String>,
    source: Option<String>,
    created: Option<String>,
    seed: Option<u64>,
    metrics: Option<BTreeMap<String, f64>>,
) -> PyResult<PyBundle> {
    let train = training(x, labels);
    let holdout = holdout_x.map(|hx| training(hx, holdout_labels));
    let schema = schema.map(|s| s.inner.clone());
    let tiers = tiers.map(|t| RiskTiers {
        tiers: t
            .into_iter()
            .map(|(name, min_probability)| Tier {
                name,
                min_probability,
            })
            .collect(),
    });
    let built = py.detach(|| {
        guarded(|| {
            let mut b = BundleBuilder::new(model_bytes)?
                .sample_rows(sample_rows)
                .bins(bins);
            if let Some(s) = schema {
                b = b.with_schema(s)?;
            }
            if let Some(text) = &schema_json {
                b = b.enrich_schema_json(text)?;
            }
            if let Some(v) = label_column {
                b = b.label_column(v);
            }
            if let Some(v) = id_column {
                b = b.id_column(v);
            }
            if let Some(v) = name {
                b = b.name(v);
            }
            if let Some(v) = version {
                b = b.version(v);
            }
            if let Some(v) = description {
                b = b.description(v);
            }
            if let Some(v) = source {
                b = b.source(v);
            }
            if let Some(v) = created {
                b = b.created(v);
            }
            if let Some(h) = holdout {
                b = b.holdout(h);
            }
            if let Some(t) = tiers {
                b = b.tiers(t);
            }
            if let Some(s) = seed {
                b = b.seed(s);
            }
            if let Some(m) = metrics {
                b = b.metrics(m);
            }
            b.build(train)
        })
    });
    let built = built.map_err(|e| failure_to_py(py, e))?;
    Ok(PyBundle::wrap(built.bundle))
}
