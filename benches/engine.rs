//! Throughput of prediction and exact TreeSHAP on the standard benchmark models
//! (`benches/make_models.py`): rows/s at 1 and 2 threads, and single-row latency.
//!
//! Run: `cargo bench --bench engine` (add `-- shap` to run one group).

use std::path::Path;

use churn_core::ndarray::{s, Array2};
use churn_core::Model;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn models_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../benches/models"))
}

fn inputs() -> Array2<f64> {
    let bytes = std::fs::read(models_dir().join("X.f64")).expect("benches/models/X.f64");
    let values: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let cols = 30;
    Array2::from_shape_vec((values.len() / cols, cols), values).unwrap()
}

const MODELS: &[&str] = &["xgb_500x6.json", "xgb_100x4.json", "lgb_500x63.txt"];

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

fn bench_predict(c: &mut Criterion) {
    let x = inputs();
    let mut group = c.benchmark_group("predict");
    let rows = 2000;
    let xs = x.slice(s![..rows, ..]);
    group.throughput(Throughput::Elements(rows as u64));
    for name in MODELS {
        let model = Model::load(models_dir().join(name)).unwrap();
        for threads in [1, 2] {
            let p = pool(threads);
            group.bench_with_input(
                BenchmarkId::new(*name, format!("{threads}t")),
                &threads,
                |b, _| b.iter(|| p.install(|| model.predict(xs).unwrap())),
            );
        }
    }
    group.finish();
}

fn bench_shap(c: &mut Criterion) {
    let x = inputs();
    let mut group = c.benchmark_group("shap");
    group.sample_size(10);
    for name in MODELS {
        let model = Model::load(models_dir().join(name)).unwrap();
        model.expected_value(); // build the path tables outside the timing
        let rows = if name.contains("100x4") { 2000 } else { 200 };
        let xs = x.slice(s![..rows, ..]);
        group.throughput(Throughput::Elements(rows as u64));
        for threads in [1, 2] {
            let p = pool(threads);
            group.bench_with_input(
                BenchmarkId::new(*name, format!("{threads}t")),
                &threads,
                |b, _| b.iter(|| p.install(|| model.shap_values(xs).unwrap())),
            );
        }
    }
    group.finish();
}

fn bench_interactions(c: &mut Criterion) {
    let x = inputs();
    let mut group = c.benchmark_group("interactions");
    group.sample_size(10);
    let model = Model::load(models_dir().join("xgb_100x4.json")).unwrap();
    let rows = 50;
    let xs = x.slice(s![..rows, ..]);
    group.throughput(Throughput::Elements(rows as u64));
    let p = pool(1);
    group.bench_function("xgb_100x4.json/1t", |b| {
        b.iter(|| p.install(|| model.shap_interaction_values(xs).unwrap()))
    });
    group.finish();
}

fn bench_latency(c: &mut Criterion) {
    let x = inputs();
    let mut group = c.benchmark_group("single_row");
    for name in MODELS {
        let model = Model::load(models_dir().join(name)).unwrap();
        let row: Vec<f64> = x.row(0).to_vec();
        let mut out = vec![0.0; model.num_outputs()];
        group.bench_function(*name, |b| {
            b.iter(|| {
                model
                    .predict_row(std::hint::black_box(&row), &mut out)
                    .unwrap()
            })
        });
    }
    group.finish();
}

fn bench_shap_latency(c: &mut Criterion) {
    let x = inputs();
    let mut group = c.benchmark_group("single_row_shap");
    for name in MODELS {
        let model = Model::load(models_dir().join(name)).unwrap();
        model.expected_value();
        let xs = x.slice(s![..1, ..]);
        let p = pool(1);
        group.bench_function(*name, |b| {
            b.iter(|| p.install(|| model.shap_values(xs).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    bench_predict,
    bench_shap,
    bench_interactions,
    bench_latency,
    bench_shap_latency
);
criterion_main!(benches);
