//! Batch and single-row prediction.
//!
//! Rows are processed in blocks: every tree is applied to a whole block before moving on, so a
//! tree's nodes stay in cache while the block passes through it. Blocks run in parallel on the
//! current rayon pool (wrap a call in `ThreadPool::install` to choose the thread count).

use ndarray::{Array2, ArrayView2};

use crate::error::{Error, Result};
use crate::model::tree::{packed, Packed, Tree};
use crate::model::{apply_transform, Format, Model};

/// Rows per block: small enough for the block's features and outputs to sit in L1/L2.
pub(crate) const BLOCK_ROWS: usize = 64;

/// Rows interleaved through one tree in batch prediction, and trees interleaved for one row.
/// Measured on the benchmark models: 8 rows beat 4 by ~2x; for one row 4 trees beat 8.
const LOCKSTEP_ROWS: usize = 8;
const LOCKSTEP_TREES: usize = 4;

/// Descends one row through `N` trees together and returns their leaf values. Interleaving
/// independent descents lets the CPU overlap their memory loads and branch resolutions.
#[inline]
fn trees_lockstep<const N: usize>(trees: [&Tree; N], row: &[f64]) -> [f64; N] {
    if !trees.iter().all(|t| t.plain) {
        return std::array::from_fn(|i| trees[i].predict_value(row));
    }
    let packed: [&[Packed]; N] = std::array::from_fn(|i| &trees[i].packed[..]);
    let mut node = [0usize; N];
    let depth = trees.iter().map(|t| t.depth).max().unwrap_or(0);
    for _ in 0..depth {
        let mut at_leaves = true;
        for i in 0..N {
            let p = packed[i][node[i]];
            at_leaves &= p.meta & packed::LEAF != 0;
            let x = row[(p.meta & packed::FEATURE_MASK) as usize];
            let left = (x <= p.value) | (x.is_nan() & (p.meta & packed::NAN_LEFT != 0));
            node[i] = if left { node[i] + 1 } else { p.right as usize };
        }
        if at_leaves {
            break;
        }
    }
    std::array::from_fn(|i| trees[i].value[node[i]])
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
    let base: [usize; N] = std::array::from_fn(|i| (r0 + i) * f);
    let mut node = [0usize; N];
    // At most `depth` steps; a tree whose leaves sit at many depths (LightGBM's leaf-wise
    // trees) stops once a step finds every row already at a leaf.
    for _ in 0..tree.depth {
        let mut at_leaves = true;
        for i in 0..N {
            let p = packed[node[i]];
            at_leaves &= p.meta & packed::LEAF != 0;
            let x = rows[base[i] + (p.meta & packed::FEATURE_MASK) as usize];
            let left = if PLAIN || p.meta & packed::SLOW == 0 {
                (x <= p.value) | (x.is_nan() & (p.meta & packed::NAN_LEFT != 0))
            } else {
                tree.goes_left(node[i], x)
            };
            node[i] = if left { node[i] + 1 } else { p.right as usize };
        }
        if at_leaves {
            break;
        }
    }
    std::array::from_fn(|i| tree.value[node[i]])
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
    let mut node: [usize; N] = std::array::from_fn(|i| forest.root[t0 + i] as usize);
    let depth = forest.depth[t0..t0 + N].iter().copied().max().unwrap_or(0);
    for _ in 0..depth {
        let mut at_leaves = true;
        for n in node.iter_mut() {
            let p = packed[*n];
            at_leaves &= p.meta & packed::LEAF != 0;
            let x = row[(p.meta & packed::FEATURE_MASK) as usize];
            let left = (x <= p.value) | (x.is_nan() & (p.meta & packed::NAN_LEFT != 0));
            *n = if left { *n + 1 } else { p.right as usize };
        }
        if EXIT && at_leaves {
            break;
        }
    }
    std::array::from_fn(|i| forest.value[node[i]])
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
            // Several rows descend the same tree together: independent loads overlap.
            for (t, tree) in self.trees.iter().enumerate() {
                let g = self.tree_group[t] as usize;
                let mut r = 0;
                while r + LOCKSTEP_ROWS <= n {
                    let vals: [f64; LOCKSTEP_ROWS] = rows_lockstep(tree, rows, f, r);
                    for (i, v) in vals.into_iter().enumerate() {
                        add(&mut out[(r + i) * k + g], t, v);
                    }
                    r += LOCKSTEP_ROWS;
                }
                for r in r..n {
                    add(&mut out[r * k + g], t, tree.predict_value(row(r)));
                }
            }
        } else {
            // Few rows (single-row latency): several trees descend together instead.
            let forest = self.forest.get_or_init(|| Forest::build(&self.trees));
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
        let work = |block: usize, chunk: &mut [f64], buf: &mut Vec<f64>| {
            let start = block * BLOCK_ROWS;
            let rows = chunk.len() / k;
            for r in 0..rows {
                chunk[r * k..(r + 1) * k].copy_from_slice(&self.base_margin);
            }
            self.load_rows(&x, start, rows, buf);
            self.accumulate_block(buf, chunk);
            if transform {
                for r in 0..rows {
                    self.finish_row(&mut chunk[r * k..(r + 1) * k]);
                }
            }
        };
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            out.par_chunks_mut(BLOCK_ROWS * k)
                .enumerate()
                .for_each_init(Vec::new, |buf, (b, chunk)| work(b, chunk, buf));
        }
        #[cfg(not(feature = "parallel"))]
        {
            let mut buf = Vec::new();
            for (b, chunk) in out.chunks_mut(BLOCK_ROWS * k).enumerate() {
                work(b, chunk, &mut buf);
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
        match self.format {
            Format::XGBoost => {
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
                self.accumulate_block(rounded, out);
            }
            Format::LightGBM => self.accumulate_block(row, out),
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
