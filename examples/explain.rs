//! Load a model, predict and explain a few rows, print the top drivers.
//!
//! Run: `cargo run --release --example explain [MODEL] [ROWS]`
//! (defaults: the 500-tree XGBoost benchmark model and 200 rows from benches/models/X.f64).

use std::time::Instant;

use churn_core::ndarray::Array2;
use churn_core::Model;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../benches/models");
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| format!("{dir}/xgb_500x6.json"));
    let rows: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(200);
    let model = Model::load(&path)?;
    let f = model.num_features();
    let bytes = std::fs::read(format!("{dir}/X.f64"))?;
    let mut values: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .take(rows * 30)
        .collect();
    // Benchmark inputs have 30 columns; cut or pad to the model's width.
    let n = values.len() / 30;
    if f != 30 {
        values = (0..n)
            .flat_map(|r| (0..f).map(move |j| (r, j)))
            .map(|(r, j)| if j < 30 { values[r * 30 + j] } else { f64::NAN })
            .collect();
    }
    let x = Array2::from_shape_vec((n, f), values)?;
    let start = Instant::now();
    let p = model.predict(x.view())?;
    let t_pred = start.elapsed();
    let start = Instant::now();
    let phi = model.shap_values(x.view())?;
    let t_shap = start.elapsed();
    println!(
        "{}: {} trees, {} features; {n} rows: predict {:.1} ms, SHAP {:.1} ms ({:.0} rows/s)",
        path,
        model.num_trees(),
        f,
        t_pred.as_secs_f64() * 1e3,
        t_shap.as_secs_f64() * 1e3,
        n as f64 / t_shap.as_secs_f64()
    );
    let mut drivers: Vec<(usize, f64)> = (0..f).map(|j| (j, phi[[0, 0, j]])).collect();
    drivers.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    println!(
        "row 0: prediction {:.4}, bias {:.4}",
        p[[0, 0]],
        phi[[0, 0, f]]
    );
    for (j, v) in drivers.iter().take(5) {
        println!("  {:>12} {:+.4}", model.feature_names()[*j], v);
    }
    Ok(())
}
