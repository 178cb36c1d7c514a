//! `buildBundle`: a bundle from a model file and its training data. Converts the JS arguments
//! and calls the core's `BundleBuilder` once (the code behind `churnlens bundle build` and
//! Python's `Bundle.build`), so the same model, data, `created` and `seed` give the same bundle
//! bytes in every runtime. `Bundle.toJson` / `Bundle.save` write those bytes.

use std::collections::{BTreeMap, HashMap};

use churn_core::bundle::{BundleBuilder, Training};
use churn_core::{RiskTiers, Tier};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::core_error;
use crate::intake::Bundle;

/// Training rows as a matrix.
#[napi(object)]
pub struct TrainingMatrix {
    /// Model inputs, row-major (rows x the model's features, in model order); NaN = missing.
    pub x: Float64Array,
    /// One churn label per row: 1 churned, 0 retained, NaN unlabelled. Absent: no labels (no
    /// labelled sample, no `training_auc`).
    pub labels: Option<Float64Array>,
}

/// A risk tier of `BuildBundleOptions.tiers` (the shape of `Tier`).
#[napi(object)]
pub struct TierBound {
    pub name: String,
    #[napi(js_name = "min_probability")]
    pub min_probability: f64,
}

/// Options of `buildBundle`. Every one has the core's default when absent.
#[napi(object)]
#[derive(Default)]
pub struct BuildBundleOptions {
    /// A schema file's JSON text, enriching the model's own schema (display names, units,
    /// categories, required flags, identifier and label columns).
    pub schema_json: Option<String>,
    /// A schema file's TOML text (instead of, or after, `schemaJson`).
    pub schema_toml: Option<String>,
    /// The label column named in the schema when it names none (default `'Churn'`).
    pub label_column: Option<String>,
    /// The customer-id column named in the schema when it names none (default `'customerID'`).
    pub id_column: Option<String>,
    /// Held-out labelled rows: the sample is drawn from them; adds `holdout_rows` and
    /// `holdout_auc` to the metrics.
    pub holdout: Option<TrainingMatrix>,
    /// Labelled rows kept for the estimated-AUC check (default 500).
    pub sample_rows: Option<u32>,
    /// Quantile bins per numeric feature in the reference profile (default 10).
    pub bins: Option<u32>,
    /// Risk tiers, ascending (default low 0, medium 0.25, high 0.5).
    #[napi(ts_type = "Tier[]")]
    pub tiers: Option<Vec<TierBound>>,
    /// Bundle name (default `'model'`).
    pub name: Option<String>,
    /// Bundle version (default `'1.0.0'`).
    pub version: Option<String>,
    /// Free-text description.
    pub description: Option<String>,
    /// What produced the model (default `'<format> model (churnlens bundle build)'`).
    pub source: Option<String>,
    /// Creation time written (ISO 8601; default now, UTC): fix it for reproducible bytes.
    pub created: Option<String>,
    /// A non-negative integer: draw the sample by the core's seeded shuffle instead of evenly
    /// spaced labelled rows.
    pub seed: Option<i64>,
    /// Extra metrics; they win over computed ones of the same name.
    pub metrics: Option<HashMap<String, f64>>,
}

fn training(t: &TrainingMatrix, columns: usize) -> churn_core::Result<Training> {
    let labels = t.labels.as_ref().map(|l| l.as_ref());
    Training::from_flat(t.x.to_vec(), columns, labels)
}

/// The builder with every option given applied.
fn configure(env: &Env, model: &[u8], o: BuildBundleOptions) -> Result<BundleBuilder> {
    let fail = |e| core_error(env, e);
    let mut b = BundleBuilder::new(model.to_vec()).map_err(fail)?;
    if let Some(t) = &o.schema_json {
        b = b.enrich_schema_json(t).map_err(fail)?;
    }
    if let Some(t) = &o.schema_toml {
        b = b.enrich_schema_toml(t).map_err(fail)?;
    }
    if let Some(v) = o.label_column {
        b = b.label_column(v);
    }
    if let Some(v) = o.id_column {
        b = b.id_column(v);
    }
    if let Some(v) = o.name {
        b = b.name(v);
    }
    if let Some(v) = o.version {
        b = b.version(v);
    }
    if let Some(v) = o.description {
        b = b.description(v);
    }
    if let Some(v) = o.source {
        b = b.source(v);
    }
    if let Some(v) = o.created {
        b = b.created(v);
    }
    if let Some(h) = &o.holdout {
        let h = training(h, b.model().num_features()).map_err(fail)?;
        b = b.holdout(h);
    }
    if let Some(n) = o.sample_rows {
        b = b.sample_rows(n as usize);
    }
    if let Some(n) = o.bins {
        b = b.bins(n as usize);
    }
    if let Some(t) = o.tiers {
        let tiers = t
            .into_iter()
            .map(|t| Tier {
                name: t.name,
                min_probability: t.min_probability,
            })
            .collect();
        b = b.tiers(RiskTiers { tiers });
    }
    if let Some(s) = o.seed {
        let seed = u64::try_from(s).map_err(|_| {
            crate::input_error(env, format!("seed {s}: must be a non-negative integer"))
        })?;
        b = b.seed(seed);
    }
    if let Some(m) = o.metrics {
        b = b.metrics(m.into_iter().collect::<BTreeMap<_, _>>());
    }
    Ok(b)
}

/// Builds a bundle from a model file's bytes (XGBoost JSON/UBJSON, LightGBM text; a binary
/// classifier with a logistic output) and its training data: a CSV's bytes holding the
/// model's features and the churn label (read as the CLI reads it), or a `TrainingMatrix`.
/// The sampling rule and the metrics (`training_rows`, `training_auc`) are the core's
/// (`churn_core::bundle::builder`).
#[napi(
    catch_unwind,
    ts_args_type = "model: Uint8Array, training: Uint8Array | TrainingMatrix, options?: BuildBundleOptions | undefined | null"
)]
pub fn build_bundle(
    env: Env,
    model: &[u8],
    training_data: Either<&[u8], TrainingMatrix>,
    options: Option<BuildBundleOptions>,
) -> Result<Bundle> {
    let options = options.unwrap_or_default();
    let b = configure(&env, model, options)?;
    let built = match training_data {
        Either::A(csv) => b.build_csv(csv),
        Either::B(m) => training(&m, b.model().num_features()).and_then(|t| b.build(t)),
    }
    .map_err(|e| core_error(&env, e))?;
    Ok(Bundle::wrap(built.bundle))
}

#[napi]
impl Bundle {
    /// The bundle file's text (JSON with its content hash), as `save` writes it.
    #[napi]
    pub fn to_json(&self, env: Env) -> Result<String> {
        self.inner.to_json().map_err(|e| core_error(&env, e))
    }

    /// Writes the bundle file.
    #[napi]
    pub fn save(&self, env: Env, path: String) -> Result<()> {
        self.inner.save(path).map_err(|e| core_error(&env, e))
    }
}
