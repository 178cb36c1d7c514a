//! Batch and single-row prediction.
//!
//! Rows are processed in blocks: every tree is applied to a whole block before moving on, so a
//! tree's nodes stay in cache while the block passes through it. Blocks run in parallel on the
//! current rayon pool (wrap a call in `ThreadPool::install` to choose the thread count).
//!
//! Batches of [`LOCKSTEP_ROWS`] rows or more use layouts built once per model ([`Batch`]):
//! missing-value handling and the comparison are folded into one `x > thr` per split (see
//! [`Group`]), shallow balanced trees run a fixed number of branch-free steps in complete
//! breadth-first form (on x86-64 the top four levels as vector compares, [`top_masks16`]),
//! and other trees (LightGBM's leaf-wise ones) are chained so that a row walks from one tree's
//! leaf straight to the next tree's root, never waiting for a deeper row. Both sum leaf values
//! in the library's type and order, so results are bit-identical to the single-row path. Few
//! rows take the single-row path ([`Forest`]), except XGBoost rows of models whose trees are
//! all complete: they walk the complete layout one row wide, several trees at a time
//! ([`Batch::row`]).

use std::ops::Range;
use std::sync::OnceLock;

use ndarray::{Array2, ArrayView2};

use crate::error::{Error, Result};
use crate::model::tree::{packed, Packed, Tree};
use crate::model::{apply_transform, Format, Model};

mod batch;
use batch::*;

/// Rows per block of SHAP batches: small enough for the block's features and outputs to sit
/// in L1/L2.
pub(crate) const BLOCK_ROWS: usize = 64;

/// Rows per block of batch prediction: every tree (or chain of trees) passes a whole block
/// before the next one, so the more rows, the fewer times the model is read from L2/L3.
/// Measured against 64: LightGBM 500x63 +5-10%, XGBoost models within noise.
const PREDICT_BLOCK_ROWS: usize = 256;

/// Rows interleaved through one tree in batch prediction, and trees interleaved for one row.
/// Measured on the benchmark models: 8 rows beat 4 by ~2x; for one row 4 trees beat 8.
const LOCKSTEP_ROWS: usize = 8;
const LOCKSTEP_TREES: usize = 4;

/// Descends one row through `N` trees together and returns their leaf values. Interleaving
/// independent descents lets the CPU overlap their memory loads and branch resolutions.
#[inline]
fn trees_lockstep<const N: usize>(trees: [&Tree; N], row: &[f64]) -> [f64; N] {
    if !trees.iter().all(|t| t.plain) {
        return lanes!([0.0; N], |i| trees[i].predict_value(row));
    }
    let mut node = [0usize; N];
    let depth = trees.iter().map(|t| t.depth).max().unwrap_or(0);
    for _ in 0..depth {
        let mut at_leaves = true;
        unroll!(i in N => {
            let p = trees[i].packed[node[i]];
            at_leaves &= p.meta & packed::LEAF != 0;
            let x = row[(p.meta & packed::FEATURE_MASK) as usize];
            let left = (x <= p.value) | (x.is_nan() & (p.meta & packed::NAN_LEFT != 0));
            node[i] = if left { node[i] + 1 } else { p.right as usize };
        });
        if at_leaves {
            break;
        }
    }
    lanes!([0.0; N], |i| trees[i].value[node[i]])
}

/// Leaf values of `N` consecutive rows (row-major in `rows`, `f` values each, the first at
/// row `r0`) in one tree. The tree's arrays and the rows' offsets are hoisted out of the
/// descent, which is what keeps a step at a handful of instructions.
#[inline]
fn rows_lockstep<const N: usize>(tree: &Tree, rows: &[f64], f: usize, r0: usize) -> [f64; N] {
    if tree.plain {
        rows_lockstep_impl::<N, true>(tree, rows, f, r0)
    } else {
        rows_lockstep_impl::<N, false>(tree, rows, f, r0)
    }
}

#[inline(always)]
fn rows_lockstep_impl<const N: usize, const PLAIN: bool>(
    tree: &Tree,
    rows: &[f64],
    f: usize,
    r0: usize,
) -> [f64; N] {
    let packed = &tree.packed[..];
    let base: [usize; N] = lanes!([0; N], |i| (r0 + i) * f);
    let mut node = [0usize; N];
    // At most `depth` steps; a tree whose leaves sit at many depths (LightGBM's leaf-wise
    // trees) stops once a step finds every row already at a leaf.
    for _ in 0..tree.depth {
        let mut at_leaves = true;
        unroll!(i in N => {
            let p = packed[node[i]];
            at_leaves &= p.meta & packed::LEAF != 0;
            let x = rows[base[i] + (p.meta & packed::FEATURE_MASK) as usize];
            let left = if PLAIN || p.meta & packed::SLOW == 0 {
                (x <= p.value) | (x.is_nan() & (p.meta & packed::NAN_LEFT != 0))
            } else {
                tree.goes_left(node[i], x)
            };
            node[i] = if left { node[i] + 1 } else { p.right as usize };
        });
        if at_leaves {
            break;
        }
    }
    lanes!([0.0; N], |i| tree.value[node[i]])
}

/// All trees' packed nodes in one array (child indices global), so that a row descending
/// several trees at once indexes one slice instead of one per tree: the single-row path.
#[derive(Debug, Default)]
pub(crate) struct Forest {
    packed: Vec<Packed>,
    value: Vec<f64>,
    root: Vec<u32>,
    depth: Vec<u32>,
    /// Every tree is plain (no slow splits): the forest kernels apply.
    plain: bool,
    /// Every tree is balanced: descents run their fixed depth without testing for leaves.
    balanced: bool,
    /// Every tree becomes a complete tree in the batch layout (if the row's columns fit):
    /// single XGBoost rows then take [`Batch::row`].
    complete: bool,
    /// The batch layouts, built on the first batch of at least [`LOCKSTEP_ROWS`] rows (or the
    /// first row of a complete XGBoost model).
    batch: OnceLock<Kernels>,
}

impl Forest {
    fn build(trees: &[Tree]) -> Forest {
        let total: usize = trees.iter().map(|t| t.packed.len()).sum();
        let mut f = Forest {
            packed: Vec::with_capacity(total),
            value: Vec::with_capacity(total),
            root: Vec::with_capacity(trees.len()),
            depth: Vec::with_capacity(trees.len()),
            plain: trees.iter().all(|t| t.plain),
            balanced: trees.iter().all(|t| t.balanced),
            complete: trees.iter().all(|t| {
                t.plain && t.balanced && t.depth <= COMPLETE_MAX_DEPTH && t.packed.len() < SINK
            }),
            batch: OnceLock::new(),
        };
        for t in trees {
            let base = f.packed.len() as u32;
            f.root.push(base);
            f.depth.push(t.depth as u32);
            f.packed.extend(t.packed.iter().map(|p| Packed {
                right: p.right + base,
                ..*p
            }));
            f.value.extend_from_slice(&t.value);
        }
        f
    }
}

/// One row through trees `t0..t0 + N` of a plain forest together (see [`trees_lockstep`]).
#[inline]
fn forest_lockstep<const N: usize, const EXIT: bool>(
    forest: &Forest,
    t0: usize,
    row: &[f64],
) -> [f64; N] {
    let packed = &forest.packed[..];
    let mut node: [usize; N] = lanes!([0; N], |i| forest.root[t0 + i] as usize);
    let depth = forest.depth[t0..t0 + N].iter().copied().max().unwrap_or(0);
    for _ in 0..depth {
        let mut at_leaves = true;
        unroll!(i in N => {
            let n = &mut node[i];
            let p = packed[*n];
            at_leaves &= p.meta & packed::LEAF != 0;
            let x = row[(p.meta & packed::FEATURE_MASK) as usize];
            let left = (x <= p.value) | (x.is_nan() & (p.meta & packed::NAN_LEFT != 0));
            *n = if left { *n + 1 } else { p.right as usize };
        });
        if EXIT && at_leaves {
            break;
        }
    }
    lanes!([0.0; N], |i| forest.value[node[i]])
}

impl Model {
    fn kernels(&self) -> &Kernels {
        let forest = self.forest();
        forest.batch.get_or_init(|| match self.format {
            Format::XGBoost => Kernels::F32(Batch::build(self, MAX_TABLE_COLS)),
            Format::LightGBM => Kernels::F64(Batch::build(self, MAX_TABLE_COLS)),
        })
    }

    /// The batch layout of an XGBoost model whose trees are all complete there, for single
    /// rows ([`Batch::row`]). Other models never build the layout here. Not on wasm32: its
    /// instantiations added 76 KB to the module, whose size budget matters more there than
    /// single-row latency (the forest walk stays).
    #[inline]
    fn row_layout(&self) -> Option<&Batch<f32>> {
        if self.format != Format::XGBoost || cfg!(target_arch = "wasm32") {
            return None;
        }
        let forest = self.forest();
        if !forest.complete {
            return None;
        }
        match self.kernels() {
            Kernels::F32(b) if b.complete => Some(b),
            _ => None,
        }
    }

    /// [`Model::accumulate_block`] for `n` rows through the batch layouts.
    fn accumulate_batch<T: Lane>(
        &self,
        b: &Batch<T>,
        rows: &[f64],
        n: usize,
        out: &mut [f64],
        scratch: &mut Scratch,
    ) {
        let f = self.num_features;
        // Without a fast item (every tree categorical, or the model too wide for the layout)
        // no row is laid out.
        let groups = if b.items.iter().all(|(_, i)| matches!(i, Item::Slow { .. })) {
            0
        } else {
            n.div_ceil(LANES)
        };
        let cols = b.cols + b.nan_cols.len();
        let width = cols.max(SMALL_COLS);
        // One table per group, `cols` apart: a fixed-size table overlaps the next ones, whose
        // columns it never reads. A short last group repeats its last row.
        let (xs, acc) = T::scratch(scratch);
        xs.clear();
        if groups > 0 {
            xs.resize((groups - 1) * cols + width, Group([T::ZERO; LANES]));
        }
        for gi in 0..groups {
            let table = &mut xs[gi * cols..gi * cols + cols];
            // Where each lane's row starts in `rows`.
            let lane: [usize; LANES] = lanes!([0; LANES], |l| (gi * LANES + l).min(n - 1) * f);
            let (lo, rest) = table.split_at_mut(f);
            let (hi, rest) = rest.split_at_mut(f);
            for (j, (lo, hi)) in lo.iter_mut().zip(hi).enumerate() {
                *lo = Group(lanes!([T::ZERO; LANES], |l| {
                    let v = rows[lane[l] + j];
                    if v.is_nan() {
                        T::NEG_INF
                    } else {
                        T::near(v)
                    }
                }));
                *hi = Group(lanes!([T::ZERO; LANES], |l| {
                    let v = rows[lane[l] + j];
                    if v.is_nan() {
                        T::POS_INF
                    } else {
                        T::near(v)
                    }
                }));
            }
            rest[0] = Group([T::ZERO; LANES]);
            for (c, &j) in rest[1..].iter_mut().zip(&b.nan_cols) {
                *c = Group(lanes!([T::ZERO; LANES], |l| {
                    if rows[lane[l] + j].is_nan() {
                        T::POS_INF
                    } else {
                        T::ZERO
                    }
                }));
            }
        }
        // Sums in the library's type: XGBoost rounds the base margin to f32 on its first add.
        acc.clear();
        acc.extend(out.iter().map(|&v| T::near(v)));
        if width == SMALL_COLS || MAX_TABLE_COLS == SMALL_COLS {
            let tables: Vec<&[Group<T>; SMALL_COLS]> = (0..groups)
                .map(|gi| {
                    xs[gi * cols..gi * cols + SMALL_COLS]
                        .try_into()
                        .expect("SMALL_COLS columns")
                })
                .collect();
            b.accumulate(self, &tables, rows, acc);
        } else {
            let tables: Vec<&[Group<T>]> = xs.chunks_exact(cols).take(groups).collect();
            b.accumulate(self, &tables, rows, acc);
        }
        let k = self.num_outputs;
        for (i, (o, a)) in out.iter_mut().zip(acc.iter()).enumerate() {
            if b.touched[i % k] {
                *o = a.widen();
            }
        }
    }
}

/// Per-thread buffers of batch prediction, kept from block to block.
#[derive(Default)]
pub(crate) struct Scratch {
    rows: Vec<f64>,
    x32: Vec<Group<f32>>,
    acc32: Vec<f32>,
    x64: Vec<Group<f64>>,
    acc64: Vec<f64>,
}

/// A number type accepted as model input: `f32` or `f64`. NaN means missing.
pub trait FeatureValue: Copy + Send + Sync + 'static {
    /// Widens to f64 (exactly).
    fn to_f64(self) -> f64;
}

impl FeatureValue for f64 {
    #[inline]
    fn to_f64(self) -> f64 {
        self
    }
}

impl FeatureValue for f32 {
    #[inline]
    fn to_f64(self) -> f64 {
        self as f64
    }
}

impl Model {
    /// The packed forest, built on first use.
    fn forest(&self) -> &Forest {
        super::derived(&self.forest, || Forest::build(&self.trees))
    }
}

impl Model {
    pub(crate) fn check_input<T>(&self, x: &ArrayView2<'_, T>) -> Result<()> {
        if x.ncols() != self.num_features {
            return Err(Error::input(format!(
                "the input has {} columns but the model expects {} features ({})",
                x.ncols(),
                self.num_features,
                preview(&self.feature_names)
            )));
        }
        Ok(())
    }

    /// Copies rows `start..start + n` of `x` into `buf` (row-major), rounded as the model's
    /// library rounds its inputs.
    pub(crate) fn load_rows<T: FeatureValue>(
        &self,
        x: &ArrayView2<'_, T>,
        start: usize,
        n: usize,
        buf: &mut Vec<f64>,
    ) {
        let f = self.num_features;
        buf.clear();
        buf.reserve(n * f);
        // Row-major input converts as one slice, without a row iterator per row.
        if let Some(all) = x.as_slice() {
            let src = &all[start * f..(start + n) * f];
            match self.format {
                Format::XGBoost => buf.extend(src.iter().map(|v| v.to_f64() as f32 as f64)),
                Format::LightGBM => buf.extend(src.iter().map(|v| v.to_f64())),
            }
            return;
        }
        for i in start..start + n {
            let row = x.row(i);
            match self.format {
                Format::XGBoost => buf.extend(row.iter().map(|v| v.to_f64() as f32 as f64)),
                Format::LightGBM => buf.extend(row.iter().map(|v| v.to_f64())),
            }
        }
    }

    /// Adds every tree's output to `out` (`rows x num_outputs`, pre-filled with the base margin).
    fn accumulate_block(&self, rows: &[f64], out: &mut [f64]) {
        let (f, k) = (self.num_features, self.num_outputs);
        if f > 0 && rows.len() < LOCKSTEP_ROWS * f {
            if let Some(b) = self.row_layout() {
                for (x, o) in rows.chunks_exact(f).zip(out.chunks_exact_mut(k)) {
                    b.row(x, o);
                }
                return;
            }
        }
        self.accumulate_trees(rows, out);
    }

    /// [`Model::accumulate_block`] without [`Batch::row`]: few rows descend the [`Forest`].
    fn accumulate_trees(&self, rows: &[f64], out: &mut [f64]) {
        let f = self.num_features;
        let k = self.num_outputs;
        // A model without features still has rows: count them from the outputs.
        let n = rows.len().checked_div(f).unwrap_or(out.len() / k);
        let row = |r: usize| &rows[r * f..(r + 1) * f];
        // XGBoost sums tree outputs in f32, in tree order; LightGBM in f64.
        let add = |slot: &mut f64, t: usize, v: f64| match self.format {
            Format::XGBoost => {
                let w = self.tree_weight[t] as f32;
                let v = v as f32;
                *slot = (*slot as f32 + if w == 1.0 { v } else { w * v }) as f64;
            }
            Format::LightGBM => *slot += v,
        };
        if n >= LOCKSTEP_ROWS {
            self.accumulate_rows(rows, out, &mut Scratch::default());
        } else {
            // Few rows (single-row latency): several trees descend together instead.
            let forest = self.forest();
            if forest.plain {
                let nt = self.trees.len();
                // Balanced forests run their fixed depth; others stop once all lanes are at
                // leaves.
                let group = |t: usize, x: &[f64]| -> [f64; LOCKSTEP_TREES] {
                    if forest.balanced {
                        forest_lockstep::<LOCKSTEP_TREES, false>(forest, t, x)
                    } else {
                        forest_lockstep::<LOCKSTEP_TREES, true>(forest, t, x)
                    }
                };
                for r in 0..n {
                    let x = row(r);
                    let mut t = 0;
                    while t + LOCKSTEP_TREES <= nt {
                        for (i, v) in group(t, x).into_iter().enumerate() {
                            add(&mut out[r * k + self.tree_group[t + i] as usize], t + i, v);
                        }
                        t += LOCKSTEP_TREES;
                    }
                    for t in t..nt {
                        let [v] = forest_lockstep::<1, true>(forest, t, x);
                        add(&mut out[r * k + self.tree_group[t] as usize], t, v);
                    }
                }
                return;
            }
            for r in 0..n {
                let x = row(r);
                let mut t = 0;
                while t + LOCKSTEP_TREES <= self.trees.len() {
                    let trees: [&Tree; LOCKSTEP_TREES] =
                        std::array::from_fn(|i| &self.trees[t + i]);
                    let vals = trees_lockstep(trees, x);
                    for (i, v) in vals.into_iter().enumerate() {
                        add(&mut out[r * k + self.tree_group[t + i] as usize], t + i, v);
                    }
                    t += LOCKSTEP_TREES;
                }
                for t in t..self.trees.len() {
                    let v = self.trees[t].predict_value(x);
                    add(&mut out[r * k + self.tree_group[t] as usize], t, v);
                }
            }
        }
    }

    /// [`Model::accumulate_block`], with buffers kept across calls.
    fn accumulate_rows(&self, rows: &[f64], out: &mut [f64], scratch: &mut Scratch) {
        let n = out.len() / self.num_outputs;
        if n < LOCKSTEP_ROWS {
            return self.accumulate_block(rows, out);
        }
        match self.kernels() {
            Kernels::F32(b) => self.accumulate_batch(b, rows, n, out, scratch),
            Kernels::F64(b) => self.accumulate_batch(b, rows, n, out, scratch),
        }
    }

    /// Margin to prediction for one row: LightGBM's `average_output` (random forests) divides
    /// here and only here, as LightGBM does (its raw scores and contributions are sums).
    #[inline]
    pub(crate) fn finish_row(&self, out: &mut [f64]) {
        if let Some(iters) = self.average_over {
            for v in out.iter_mut() {
                *v /= iters;
            }
        }
        apply_transform(self.transform, self.format, out);
    }

    fn predict_impl<T: FeatureValue>(
        &self,
        x: ArrayView2<'_, T>,
        transform: bool,
    ) -> Result<Array2<f64>> {
        self.check_input(&x)?;
        let n = x.nrows();
        let k = self.num_outputs;
        let mut out = vec![0.0; n * k];
        let work = |block: usize, chunk: &mut [f64], s: &mut Scratch| {
            let start = block * PREDICT_BLOCK_ROWS;
            let rows = chunk.len() / k;
            for r in 0..rows {
                chunk[r * k..(r + 1) * k].copy_from_slice(&self.base_margin);
            }
            let mut buf = std::mem::take(&mut s.rows);
            self.load_rows(&x, start, rows, &mut buf);
            self.accumulate_rows(&buf, chunk, s);
            s.rows = buf;
            if transform {
                for r in 0..rows {
                    self.finish_row(&mut chunk[r * k..(r + 1) * k]);
                }
            }
        };
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            out.par_chunks_mut(PREDICT_BLOCK_ROWS * k)
                .enumerate()
                .for_each_init(Scratch::default, |s, (b, chunk)| work(b, chunk, s));
        }
        #[cfg(not(feature = "parallel"))]
        {
            let mut s = Scratch::default();
            for (b, chunk) in out.chunks_mut(PREDICT_BLOCK_ROWS * k).enumerate() {
                work(b, chunk, &mut s);
            }
        }
        Array2::from_shape_vec((n, k), out).map_err(|e| Error::input(e.to_string()))
    }

    /// Raw scores (margins): one row per input row, one column per output.
    ///
    /// As in the libraries, XGBoost margins include `base_score` and are summed in f32; LightGBM
    /// margins are f64 sums of all trees, *not* divided for `average_output` models (LightGBM's
    /// `raw_score=True` and `pred_contrib` do not divide either; [`Model::predict`] does).
    ///
    /// `x` is `rows x num_features`, in any memory layout, `f32` or `f64`; NaN is missing.
    ///
    /// ```
    /// use ndarray::array;
    /// let model = churn_core::Model::load("../tests/fixtures/xgb_binary/model.json")?;
    /// let x = ndarray::Array2::<f64>::from_elem((2, model.num_features()), f64::NAN);
    /// let margin = model.predict_margin(x.view())?;
    /// assert_eq!(margin.dim(), (2, 1));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn predict_margin<T: FeatureValue>(&self, x: ArrayView2<'_, T>) -> Result<Array2<f64>> {
        self.predict_impl(x, false)
    }

    /// Predictions after the objective's transform: probabilities for classifiers (softmax
    /// probabilities for `multi:softmax`, whose class is their argmax), the expected value for
    /// regression.
    ///
    /// ```
    /// let model = churn_core::Model::load("../tests/fixtures/lgb_binary/model.txt")?;
    /// let x = ndarray::Array2::<f32>::zeros((3, model.num_features()));
    /// let p = model.predict(x.view())?;
    /// assert!(p.iter().all(|&v| (0.0..=1.0).contains(&v)));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn predict<T: FeatureValue>(&self, x: ArrayView2<'_, T>) -> Result<Array2<f64>> {
        self.predict_impl(x, true)
    }

    /// One row's predictions, without any batch set-up: the low-latency path.
    ///
    /// ```
    /// let model = churn_core::Model::load("../tests/fixtures/xgb_binary/model.json")?;
    /// let row = vec![f64::NAN; model.num_features()];
    /// let mut out = vec![0.0; model.num_outputs()];
    /// model.predict_row(&row, &mut out)?;
    /// assert!(out[0] > 0.0 && out[0] < 1.0);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn predict_row(&self, row: &[f64], out: &mut [f64]) -> Result<()> {
        if row.len() != self.num_features {
            return Err(Error::input(format!(
                "the row has {} values but the model expects {} features",
                row.len(),
                self.num_features
            )));
        }
        if out.len() != self.num_outputs {
            return Err(Error::input(format!(
                "the output slice has {} slots but the model has {} outputs",
                out.len(),
                self.num_outputs
            )));
        }
        out.copy_from_slice(&self.base_margin);
        match (self.format, self.row_layout()) {
            // Rounds the row to f32 itself.
            (Format::XGBoost, Some(b)) => b.row(row, out),
            (Format::XGBoost, None) => {
                // Small stack buffer for the common case; no allocation per call.
                let mut stack = [0.0f64; 64];
                let mut heap = Vec::new();
                let rounded: &mut [f64] = if row.len() <= 64 {
                    &mut stack[..row.len()]
                } else {
                    heap.resize(row.len(), 0.0);
                    &mut heap
                };
                for (d, s) in rounded.iter_mut().zip(row) {
                    *d = *s as f32 as f64;
                }
                self.accumulate_trees(rounded, out);
            }
            (Format::LightGBM, _) => self.accumulate_trees(row, out),
        }
        self.finish_row(out);
        Ok(())
    }
}

fn preview(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(5).map(String::as_str).collect();
    if names.len() > 5 {
        format!("{}, ...", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows whose values sit on, just above and just below every split threshold of `model`
    /// (in f64 and f32), on category codes, and on NaN, +-inf, +-0 and +-1e-36.
    fn probe_rows(model: &Model, n: usize, seed: u64) -> Array2<f64> {
        let f = model.num_features;
        let special = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            1e-36,
            -1e-36,
            -1.0,
            3.0,
            1e300,
        ];
        let mut values: Vec<Vec<f64>> = vec![special.to_vec(); f];
        for tree in &model.trees {
            for node in 0..tree.num_nodes() {
                if tree.is_leaf(node) {
                    continue;
                }
                let t = tree.threshold[node];
                let v = &mut values[tree.feature[node] as usize];
                v.extend([t, t.next_up(), t.next_down()]);
                v.extend([t as f32, (t as f32).next_up(), (t as f32).next_down()].map(f64::from));
                let s = tree.cat_set[node] as usize;
                if tree.flags[node] & crate::model::tree::flags::CATEGORICAL != 0 {
                    let set = &tree.cat_values[tree.cat_bounds[s] as usize..];
                    v.extend(set.iter().take(4).map(|&c| c as f64 + 0.5));
                }
            }
        }
        let mut state = seed;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as usize
        };
        Array2::from_shape_fn((n, f), |(_, j)| values[j][next() % values[j].len()])
    }

    /// Every fixture model (`tests/fixtures/*/model.{json,txt,ubj}`) with its folder.
    fn fixture_models() -> Vec<(std::path::PathBuf, Model)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        let mut models = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let case = entry.unwrap().path();
            for name in ["model.json", "model.txt", "model.ubj"] {
                if let Ok(model) = Model::load(case.join(name)) {
                    models.push((case.clone(), model));
                }
            }
        }
        assert!(
            models.len() > 40,
            "only {} fixture models found",
            models.len()
        );
        models
    }

    /// The batch kernels (complete trees, chains, NaN indicator columns, the general kernel
    /// for categorical and zero-as-missing splits) against the single-row path, bit for bit,
    /// on every fixture model and several block sizes.
    #[test]
    fn batch_kernels_match_the_single_row_path() {
        for (case, model) in fixture_models() {
            let x = probe_rows(&model, 700, 0x9E37_79B9_7F4A_7C15);
            let k = model.num_outputs;
            let mut buf = Vec::new();
            for rows in [8, 13, 300, 700] {
                let xs = x.view().split_at(ndarray::Axis(0), rows).0;
                let batch = model.predict_margin(xs).unwrap();
                for r in 0..rows {
                    model.load_rows(&xs, r, 1, &mut buf);
                    let mut one = model.base_margin.clone();
                    model.accumulate_block(&buf, &mut one);
                    for g in 0..k {
                        assert_eq!(
                            batch[[r, g]].to_bits(),
                            one[g].to_bits(),
                            "{} row {r} output {g}: batch {} single {}",
                            case.display(),
                            batch[[r, g]],
                            one[g]
                        );
                    }
                }
            }
        }
    }

    /// The tree-by-tree layout that models too wide for [`MAX_TABLE_COLS`] get (WebAssembly
    /// only), forced here on every fixture model, against the usual layout, bit for bit.
    #[test]
    fn tree_by_tree_layout_matches_the_batch_kernels() {
        fn run<T: Lane>(model: &Model, rows: &[f64], n: usize) -> Vec<f64> {
            let b = Batch::<T>::build(model, 0);
            assert!(b.items.iter().all(|(_, i)| matches!(i, Item::Slow { .. })));
            assert_eq!(b.items.len(), model.trees.len());
            let mut out: Vec<f64> = (0..n).flat_map(|_| model.base_margin.clone()).collect();
            model.accumulate_batch(&b, rows, n, &mut out, &mut Scratch::default());
            out
        }
        for (case, model) in fixture_models() {
            let n = 203;
            let x = probe_rows(&model, n, 0x2545_F491_4F6C_DD1D);
            let want = model.predict_margin(x.view()).unwrap();
            let mut rows = Vec::new();
            model.load_rows(&x.view(), 0, n, &mut rows);
            let got = match model.format {
                Format::XGBoost => run::<f32>(&model, &rows, n),
                Format::LightGBM => run::<f64>(&model, &rows, n),
            };
            for (i, (w, g)) in want.iter().zip(&got).enumerate() {
                assert_eq!(
                    w.to_bits(),
                    g.to_bits(),
                    "{} value {i}: {w} vs {g}",
                    case.display()
                );
            }
        }
    }

    /// `predict_row` (complete XGBoost models take [`Batch::row`]) against the forest path
    /// and the batch kernels, bit for bit, on rows with NaN, +-inf, +-0 and values at every
    /// threshold +-1 ulp, unrounded.
    #[test]
    fn predict_row_matches_the_forest_and_batch_paths() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        let bench = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches/models");
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flat_map(|e| {
                let case = e.unwrap().path();
                ["model.json", "model.txt", "model.ubj"].map(|n| case.join(n))
            })
            .collect();
        paths.push(bench.join("xgb_100x4.json"));
        paths.push(bench.join("xgb_500x6.json"));
        let (mut checked, mut complete) = (0, 0);
        for path in paths {
            let Ok(model) = Model::load(&path) else {
                continue;
            };
            let x = probe_rows(&model, 300, 0x2545_F491_4F6C_DD1D);
            let k = model.num_outputs;
            let batch = model.predict(x.view()).unwrap();
            complete += model.row_layout().is_some() as usize;
            let mut buf = Vec::new();
            let mut out = vec![0.0; k];
            for r in 0..x.nrows() {
                model
                    .predict_row(x.row(r).as_slice().unwrap(), &mut out)
                    .unwrap();
                model.load_rows(&x.view(), r, 1, &mut buf);
                let mut one = model.base_margin.clone();
                model.accumulate_trees(&buf, &mut one);
                model.finish_row(&mut one);
                for g in 0..k {
                    let (a, b, c) = (out[g], one[g], batch[[r, g]]);
                    assert!(
                        a.to_bits() == b.to_bits() && a.to_bits() == c.to_bits(),
                        "{} row {r} output {g}: row {a} forest {b} batch {c}",
                        path.display(),
                    );
                }
            }
            checked += 1;
        }
        assert!(checked > 40, "only {checked} models found");
        assert!(complete >= 30, "only {complete} models take Batch::row");
    }
}
