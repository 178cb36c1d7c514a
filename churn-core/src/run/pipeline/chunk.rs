//! One chunk through the stages: validate, profile, predict, SHAP, reasons, render.
//!
//! [`process_chunk`] is a function of the chunk and the run's context only, so chunks run in
//! parallel and their outputs do not depend on how the input was cut.

use super::*;
use crate::intake::validate::Validated;

pub(super) struct Job {
    pub(super) chunk: Chunk,
    pub(super) prior: Option<HashMap<String, u64>>,
}

pub(super) struct Ctx<'a> {
    pub(super) bundle: &'a Bundle,
    pub(super) mapping: &'a Mapping,
    pub(super) explainer: Option<&'a Explainer>,
    pub(super) explainer_arc: Option<Arc<Explainer>>,
    pub(super) tiers: &'a RiskTiers,
    pub(super) validate: ValidateOptions,
    pub(super) normalize: &'a NormalizeOptions,
    pub(super) labelled: bool,
    pub(super) render_csv: bool,
    pub(super) render_jsonl: bool,
    pub(super) render_rejects: bool,
    pub(super) keep_cells: bool,
}

pub(super) fn render_err(what: &str) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Write {
        target: what.to_string(),
        source,
    }
}

#[derive(Serialize)]
pub(super) struct JsonRow<'a> {
    row: u64,
    line: u64,
    customer_id: Option<&'a str>,
    probability: f64,
    tier: &'a str,
    base_probability: f64,
    margin: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    churned: Option<bool>,
    raises: &'a [crate::report::risk::Reason],
    lowers: &'a [crate::report::risk::Reason],
    other_points: f64,
}

pub(super) fn process_chunk(job: Job, ctx: &Ctx<'_>) -> Result<ScoredChunk> {
    let Job { chunk, prior } = job;
    let schema = ctx.bundle.schema();
    let mut t = StageTimings::default();

    let sw = Stopwatch::start();
    let mut vopts = ctx.validate.clone();
    vopts.seen_ids = prior;
    let v = validate(&chunk.table, ctx.mapping, schema, &vopts);
    t.validate = sw.secs();

    let sw = Stopwatch::start();
    let profile = profile_chunk(
        &chunk.table,
        ctx.mapping,
        schema,
        ctx.bundle.reference.as_ref(),
        ctx.normalize,
    );
    t.profile = sw.secs();

    let first = chunk.table.first_row;
    let line_of = |row: u64| {
        chunk
            .lines
            .get((row.saturating_sub(first)) as usize)
            .copied()
            .unwrap_or(0)
    };
    let lines: Vec<u64> = v.rows.iter().map(|&r| line_of(r)).collect();
    let rejected_lines: Vec<u64> = v.rejected.iter().map(|r| line_of(r.row)).collect();

    let Scores {
        probabilities,
        tiers,
        shap,
        csv_out,
        jsonl_out,
    } = match ctx.explainer {
        Some(explainer) if !v.rows.is_empty() => score_rows(ctx, explainer, &v, &lines, &mut t)?,
        _ => Scores::default(),
    };

    let sw = Stopwatch::start();
    let rejects_out = render_rejects(ctx, &chunk, &v, &rejected_lines)?;
    t.write += sw.secs();

    let rows_read = chunk.table.num_rows();
    Ok(ScoredChunk {
        first_row: first,
        rows_read,
        bytes_read: chunk.bytes_read,
        rows: v.rows,
        lines,
        customer_ids: v.customer_ids,
        labels: v.labels,
        features: v.features,
        probabilities,
        tiers,
        shap,
        explainer: ctx.explainer_arc.clone(),
        rejected: v.rejected,
        rejected_lines,
        validation: v.summary,
        table: ctx.keep_cells.then_some(chunk.table),
        issues: v.issues,
        profile,
        timings: t,
        csv_out,
        jsonl_out,
        rejects_out,
    })
}

/// A chunk's scored rows: probabilities, tiers, SHAP values and the rendered outputs.
#[derive(Default)]
struct Scores {
    probabilities: Vec<f64>,
    tiers: Vec<usize>,
    shap: Array2<f64>,
    csv_out: Vec<u8>,
    jsonl_out: Vec<u8>,
}

/// Predicts, explains and renders the accepted rows of a chunk (at least one).
fn score_rows(
    ctx: &Ctx<'_>,
    explainer: &Explainer,
    v: &Validated,
    lines: &[u64],
    t: &mut StageTimings,
) -> Result<Scores> {
    let n = v.rows.len();
    let model = ctx.bundle.model();
    let sw = Stopwatch::start();
    let p = model.predict(v.features.view())?;
    let probabilities = p.column(0).to_vec();
    let tiers: Vec<usize> = probabilities
        .iter()
        .map(|&p| tier_index(ctx.tiers, p))
        .collect();
    t.predict = sw.secs();

    let sw = Stopwatch::start();
    let phi = model.shap_values(v.features.view())?;
    let f1 = phi.shape()[2];
    // One output: (rows, 1, F + 1) -> (rows, F + 1), without copying.
    let shap = phi
        .into_shape_with_order((n, f1))
        .map_err(|e| Error::input(format!("unexpected SHAP shape: {e}")))?;
    t.explain = sw.secs();

    // Reasons are built row by row and rendered straight away: a chunk keeps only the
    // SHAP matrix, so observers can rebuild any row's reasons (`ScoredChunk::explanation`).
    let mut out = Rendering {
        csv: ctx.render_csv.then(|| {
            csv::WriterBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_writer(Vec::with_capacity(n * 400))
        }),
        jsonl: Vec::new(),
        drivers: String::new(),
    };
    if ctx.render_jsonl {
        out.jsonl.reserve(n * 1400);
    }
    let (mut t_reasons, mut t_write) = (0.0, 0.0);
    for i in 0..n {
        let sw = Stopwatch::start();
        let xr = v.features.row(i);
        let x_buf: Vec<f64>;
        let x: &[f64] = match xr.as_slice() {
            Some(x) => x,
            None => {
                x_buf = xr.to_vec();
                &x_buf
            }
        };
        let pr = shap.row(i);
        let e = match pr.as_slice() {
            Some(phi) => explainer.explain(x, phi),
            None => explainer.explain(x, &pr.to_vec()),
        };
        t_reasons += sw.secs();
        let sw = Stopwatch::start();
        let row = ScoredRow {
            row: v.rows[i],
            line: lines[i],
            customer_id: v.customer_ids[i].as_deref(),
            probability: probabilities[i],
            tier: ctx
                .tiers
                .tiers
                .get(tiers[i])
                .map_or("", |t| t.name.as_str()),
            label: ctx.labelled.then(|| v.labels[i]),
        };
        out.render(ctx, &row, &e)?;
        t_write += sw.secs();
    }
    t.reasons = t_reasons;
    t.write = t_write;
    let csv_out = match out.csv {
        Some(w) => w
            .into_inner()
            .map_err(|e| render_err("scored CSV")(e.into_error()))?,
        None => Vec::new(),
    };
    Ok(Scores {
        probabilities,
        tiers,
        shap,
        csv_out,
        jsonl_out: out.jsonl,
    })
}

/// The scored outputs of a chunk being rendered.
struct Rendering {
    csv: Option<csv::Writer<Vec<u8>>>,
    jsonl: Vec<u8>,
    /// Scratch for the CSV's `top_drivers` cell.
    drivers: String,
}

impl Rendering {
    /// Appends one row with its explanation to the outputs the run writes.
    fn render(&mut self, ctx: &Ctx<'_>, r: &ScoredRow<'_>, e: &Explanation) -> Result<()> {
        if let Some(w) = self.csv.as_mut() {
            write_scored_record(w, r, e, &mut self.drivers)
                .map_err(|e| render_err("scored CSV")(e.into()))?;
        }
        if ctx.render_jsonl {
            let row = JsonRow {
                row: r.row,
                line: r.line,
                customer_id: r.customer_id,
                probability: r.probability,
                tier: r.tier,
                base_probability: e.base_probability,
                margin: e.margin,
                churned: r.label.flatten().map(|l| l >= 0.5),
                raises: &e.raises,
                lowers: &e.lowers,
                other_points: e.other_points,
            };
            serde_json::to_writer(&mut self.jsonl, &row).map_err(|e| Error::Write {
                target: "scored JSON lines".into(),
                source: e.into(),
            })?;
            self.jsonl.push(b'\n');
        }
        Ok(())
    }
}

/// The rejects output of a chunk: each rejected row with its codes, reasons and cells.
fn render_rejects(
    ctx: &Ctx<'_>,
    chunk: &Chunk,
    v: &Validated,
    rejected_lines: &[u64],
) -> Result<Vec<u8>> {
    if !ctx.render_rejects || v.rejected.is_empty() {
        return Ok(Vec::new());
    }
    let first = chunk.table.first_row;
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_writer(Vec::new());
    for (r, line) in v.rejected.iter().zip(rejected_lines) {
        let cells = chunk.table.rows.get((r.row - first) as usize);
        write_reject_record(&mut w, r, *line, cells.map(Vec::as_slice))
            .map_err(|e| render_err("rejects CSV")(e.into()))?;
    }
    w.into_inner()
        .map_err(|e| render_err("rejects CSV")(e.into_error()))
}
