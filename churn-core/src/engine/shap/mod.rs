//! Exact path-dependent TreeSHAP and SHAP interaction values.
//!
//! # Method
//! For one leaf with value `v`, let the distinct features on its root path be `1..U`; feature
//! `j` has a *zero fraction* `z_j` (product of `cover(child) / cover(parent)` over the path's
//! splits on `j`) and a *one fraction* `o_j` (1 if the row satisfies every split on `j` along
//! the path, else 0). Path-dependent TreeSHAP (Lundberg et al. 2018) gives feature `e`
//!
//! ```text
//! phi_e = v (o_e - z_e) * integral_0^1 prod_{j != e} (z_j + (o_j - z_j) t) dt
//! ```
//!
//! The integrand is a polynomial of degree `U - 1`, so Gauss-Legendre quadrature with
//! `Q = ceil(U / 2)` points is exact (the idea of Quadrature-TreeSHAP). We evaluate it in f64 with
//! prefix and suffix products (no division, so zero fractions of 0 are safe). This equals the
//! classic EXTEND/UNWIND recursion that XGBoost, LightGBM and shap run, including repeated
//! features on a path, missing values and categorical splits, because routing uses the same
//! [`Tree::goes_left`](crate::model::Tree) as prediction.
//!
//! Interaction values use the same integral with two features removed:
//! `Phi_ij = v (o_i - z_i)(o_j - z_j) / 2 * integral prod_{k != i,j} (...)` for `i != j`, and
//! `Phi_ii = phi_i - sum_{j != i} Phi_ij`, which is what XGBoost's `pred_interactions` computes.
//!
//! Each tree's root paths are flattened once per model ([`ShapPlan`]), so per row the work is
//! one decision per node plus `O(L U Q)` multiply-adds per tree.

mod edges;

use ndarray::{Array3, Array4, ArrayView2};

use edges::{tree_shap_lanes, EdgePlan, EdgeScratch, LANES};

/// Rows per parallel task for interaction values: each row's output is (F+1)^2 per output,
/// so tasks are smaller than for SHAP values. The same constant must size the chunks and
/// locate their first row.
const INTERACTION_BLOCK_ROWS: usize = 8;

/// Tail rows (after the full lane groups) up to this many run one per single-lane group;
/// more are padded into one more full group. A single-lane pass costs a fifth (LightGBM 500x63)
/// to a third (XGBoost 100x4) of a full 16-lane group's (callgrind), so 1-3 rows go single.
const SINGLE_LANE_TAIL: usize = 3;

use crate::engine::predict::{FeatureValue, BLOCK_ROWS};
use crate::error::{Error, Result};
use crate::model::{tree::Tree, Model};

/// Root-to-leaf paths of one tree, struct-of-arrays.
#[derive(Debug, Default)]
pub(crate) struct TreePaths {
    /// Per path: the leaf value times the tree's weight.
    value: Vec<f64>,
    /// Per path: its elements are `elem_bounds[p]..elem_bounds[p + 1]`.
    elem_bounds: Vec<u32>,
    /// Per element (a distinct feature on a path).
    feature: Vec<u32>,
    zero: Vec<f64>,
    /// Per element: its conditions are `cond_bounds[e]..cond_bounds[e + 1]`.
    cond_bounds: Vec<u32>,
    /// Per condition: the node and the direction the path takes there.
    cond_node: Vec<u32>,
    cond_left: Vec<bool>,
    /// The tree's expected value (times its weight).
    expected: f64,
    max_unique: usize,
}

/// Precomputed TreeSHAP tables for a whole model.
#[derive(Debug)]
pub(crate) struct ShapPlan {
    trees: Vec<TreePaths>,
    edges: Vec<EdgePlan>,
    /// Gauss-Legendre rules on [0, 1]: `rules[q]` has `q` points (`rules[0]` is empty).
    rules: Vec<Vec<(f64, f64)>>,
    max_unique: usize,
}

impl TreePaths {
    fn build(tree: &Tree, weight: f64, num_features: usize) -> TreePaths {
        let mut out = TreePaths {
            elem_bounds: vec![0],
            cond_bounds: vec![0],
            ..TreePaths::default()
        };
        // Iterative DFS keeping the current path as (node, went_left) steps.
        let mut path: Vec<(u32, bool)> = Vec::new();
        let mut stack: Vec<(u32, u32, u32, bool)> = vec![(0, 0, 0, false)]; // (node, depth, parent, went_left)
        let mut slot = vec![u32::MAX; num_features]; // feature -> element index within a path
                                                     // Per element: feature, zero fraction, conditions (node, went left).
        type Element = (u32, f64, Vec<(u32, bool)>);
        let mut elems: Vec<Element> = Vec::new();
        while let Some((node, depth, parent, went_left)) = stack.pop() {
            if depth > 0 {
                path.truncate(depth as usize - 1);
                path.push((parent, went_left));
            }
            let n = node as usize;
            if tree.is_leaf(n) {
                elems.clear();
                for &(p, left) in path.iter() {
                    let p = p as usize;
                    let child = if left { tree.left[p] } else { tree.right[p] } as usize;
                    let parent_cover = tree.cover[p];
                    // A node no training row reached: split its (empty) mass evenly.
                    let z = if parent_cover > 0.0 {
                        tree.cover[child] / parent_cover
                    } else {
                        0.5
                    };
                    let f = tree.feature[p] as usize;
                    if slot[f] == u32::MAX {
                        slot[f] = elems.len() as u32;
                        elems.push((f as u32, z, vec![(p as u32, left)]));
                    } else {
                        let e = &mut elems[slot[f] as usize];
                        e.1 *= z;
                        e.2.push((p as u32, left));
                    }
                }
                for e in &elems {
                    slot[e.0 as usize] = u32::MAX;
                    out.feature.push(e.0);
                    out.zero.push(e.1);
                    for &(node, left) in &e.2 {
                        out.cond_node.push(node);
                        out.cond_left.push(left);
                    }
                    out.cond_bounds.push(out.cond_node.len() as u32);
                }
                out.max_unique = out.max_unique.max(elems.len());
                out.elem_bounds.push(out.feature.len() as u32);
                out.value.push(tree.value[n] * weight);
                continue;
            }
            stack.push((tree.right[n], depth + 1, node, false));
            stack.push((tree.left[n], depth + 1, node, true));
        }
        out.expected = expected_value(tree) * weight;
        out
    }
}

/// The cover-weighted mean leaf value, computed bottom-up with each node's children's covers as
/// weights, as shap does (XGBoost divides by the parent's own cover instead; the two differ by
/// float rounding of hessian sums, within XGBoost's f32 tolerance, while this matches shap's f64
/// to 1e-9). Nodes are in pre-order, so a reverse sweep sees children before parents.
fn expected_value(tree: &Tree) -> f64 {
    let mut mean = vec![0.0; tree.num_nodes()];
    for n in (0..tree.num_nodes()).rev() {
        mean[n] = if tree.is_leaf(n) {
            tree.value[n]
        } else {
            let (l, r) = (tree.left[n] as usize, tree.right[n] as usize);
            let (cl, cr) = (tree.cover[l], tree.cover[r]);
            if cl + cr > 0.0 {
                (cl * mean[l] + cr * mean[r]) / (cl + cr)
            } else {
                0.0
            }
        };
    }
    mean[0]
}

/// Gauss-Legendre nodes and weights on [0, 1] with `q` points (Newton on P_q).
fn gauss_legendre(q: usize) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(q);
    for i in 0..q {
        let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (q as f64 + 0.5)).cos();
        let mut dp = 1.0;
        for _ in 0..100 {
            // Recurrence for P_q(x) and its derivative.
            let (mut p0, mut p1) = (1.0, x);
            for k in 2..=q {
                let p2 = ((2 * k - 1) as f64 * x * p1 - (k - 1) as f64 * p0) / k as f64;
                p0 = p1;
                p1 = p2;
            }
            let pq = if q == 0 {
                1.0
            } else if q == 1 {
                x
            } else {
                p1
            };
            let pq1 = if q == 1 { 1.0 } else { p0 };
            dp = q as f64 * (x * pq - pq1) / (x * x - 1.0);
            let dx = pq / dp;
            x -= dx;
            if dx.abs() < 1e-16 {
                break;
            }
        }
        let w = 2.0 / ((1.0 - x * x) * dp * dp);
        out.push(((1.0 + x) / 2.0, w / 2.0));
    }
    out
}

impl ShapPlan {
    pub(crate) fn build(model: &Model) -> ShapPlan {
        let trees: Vec<TreePaths> = model
            .trees
            .iter()
            .zip(&model.tree_weight)
            .map(|(t, &w)| TreePaths::build(t, w, model.num_features))
            .collect();
        let max_unique = trees.iter().map(|t| t.max_unique).max().unwrap_or(0);
        let rules: Vec<Vec<(f64, f64)>> = (0..=max_unique.div_ceil(2).max(1))
            .map(gauss_legendre)
            .collect();
        let edges = model
            .trees
            .iter()
            .zip(&model.tree_weight)
            .zip(&trees)
            .map(|((t, &w), p)| EdgePlan::build(t, w, p.max_unique, &rules))
            .collect();
        ShapPlan {
            trees,
            edges,
            rules,
            max_unique,
        }
    }
}

/// Per-thread scratch space.
#[derive(Default)]
struct Scratch {
    rows: Vec<f64>,
    xt: Vec<[f64; LANES]>,
    phi: Vec<[f64; LANES]>,
    edge: EdgeScratch<LANES>,
    xt1: Vec<[f64; 1]>,
    phi1: Vec<[f64; 1]>,
    edge1: EdgeScratch<1>,
    left: Vec<bool>,
    one: Vec<f64>,
    zero: Vec<f64>,
    feat: Vec<u32>,
    factor: Vec<f64>,
    prefix: Vec<f64>,
    suffix: Vec<f64>,
}

impl Scratch {
    /// The path's factors `z + (o - z) t` at `t`, with prefix and suffix products, so that
    /// the product over all factors but one (or but two) needs no division.
    fn factors_at(&mut self, u: usize, t: f64) {
        for i in 0..u {
            self.factor[i] = self.zero[i] + (self.one[i] - self.zero[i]) * t;
        }
        self.prefix[0] = 1.0;
        for i in 0..u {
            self.prefix[i + 1] = self.prefix[i] * self.factor[i];
        }
        self.suffix[u] = 1.0;
        for i in (0..u).rev() {
            self.suffix[i] = self.suffix[i + 1] * self.factor[i];
        }
    }

    fn reserve(&mut self, u: usize) {
        for v in [&mut self.one, &mut self.zero, &mut self.factor] {
            v.resize(u, 0.0);
        }
        self.prefix.resize(u + 1, 0.0);
        self.suffix.resize(u + 1, 0.0);
        self.feat.resize(u, 0);
    }
}

/// Fills `s.left` with each node's decision for `row`.
fn decide(tree: &Tree, row: &[f64], left: &mut Vec<bool>) {
    left.clear();
    left.extend(
        (0..tree.num_nodes())
            .map(|n| !tree.is_leaf(n) && tree.goes_left(n, row[tree.feature[n] as usize])),
    );
}

/// Loads path `p`'s elements into the scratch arrays; returns U.
fn load_path(paths: &TreePaths, p: usize, s: &mut Scratch) -> usize {
    let (lo, hi) = (
        paths.elem_bounds[p] as usize,
        paths.elem_bounds[p + 1] as usize,
    );
    let u = hi - lo;
    for (i, e) in (lo..hi).enumerate() {
        let (clo, chi) = (
            paths.cond_bounds[e] as usize,
            paths.cond_bounds[e + 1] as usize,
        );
        let on = (clo..chi).all(|c| s.left[paths.cond_node[c] as usize] == paths.cond_left[c]);
        s.one[i] = if on { 1.0 } else { 0.0 };
        s.zero[i] = paths.zero[e];
        s.feat[i] = paths.feature[e];
    }
    u
}

/// Reference per-leaf kernel: adds one tree's SHAP values for one row into `phi`. The edge kernel
/// is checked against it.
#[cfg(test)]
fn tree_shap(
    paths: &TreePaths,
    tree: &Tree,
    rules: &[Vec<(f64, f64)>],
    row: &[f64],
    s: &mut Scratch,
    phi: &mut [f64],
) {
    let mut left = std::mem::take(&mut s.left);
    decide(tree, row, &mut left);
    s.left = left;
    for p in 0..paths.value.len() {
        let u = load_path(paths, p, s);
        if u == 0 {
            continue;
        }
        let v = paths.value[p];
        for &(t, w) in &rules[u.div_ceil(2)] {
            s.factors_at(u, t);
            let vw = v * w;
            for i in 0..u {
                phi[s.feat[i] as usize] +=
                    vw * (s.one[i] - s.zero[i]) * s.prefix[i] * s.suffix[i + 1];
            }
        }
    }
}

/// Adds one tree's interaction values (off-diagonal only) and SHAP values for one row.
/// `inter` is `(F+1) x (F+1)` row-major.
#[allow(clippy::too_many_arguments)]
fn tree_interactions(
    paths: &TreePaths,
    tree: &Tree,
    rules: &[Vec<(f64, f64)>],
    row: &[f64],
    s: &mut Scratch,
    phi: &mut [f64],
    inter: &mut [f64],
    stride: usize,
) {
    let mut left = std::mem::take(&mut s.left);
    decide(tree, row, &mut left);
    s.left = left;
    for p in 0..paths.value.len() {
        let u = load_path(paths, p, s);
        if u == 0 {
            continue;
        }
        let v = paths.value[p];
        for &(t, w) in &rules[u.div_ceil(2)] {
            s.factors_at(u, t);
            let vw = v * w;
            for i in 0..u {
                let di = s.one[i] - s.zero[i];
                phi[s.feat[i] as usize] += vw * di * s.prefix[i] * s.suffix[i + 1];
                // Product of factors strictly between i and j, grown as j moves right.
                let mut mid = 1.0;
                for j in i + 1..u {
                    let dj = s.one[j] - s.zero[j];
                    let val = 0.5 * vw * di * dj * s.prefix[i] * mid * s.suffix[j + 1];
                    let (fi, fj) = (s.feat[i] as usize, s.feat[j] as usize);
                    inter[fi * stride + fj] += val;
                    inter[fj * stride + fi] += val;
                    mid *= s.factor[j];
                }
            }
        }
    }
}

impl Model {
    /// The TreeSHAP path tables, built on first use.
    pub(crate) fn shap_plan(&self) -> &ShapPlan {
        crate::engine::derived(&self.shap_plan, || ShapPlan::build(self))
    }
}

impl Model {
    /// The expected value (bias) of each output: the base margin plus every tree's
    /// cover-weighted mean leaf value. Equals the last column of [`Model::shap_values`].
    ///
    /// ```
    /// let model = churn_core::Model::load("../tests/fixtures/xgb_binary/model.json")?;
    /// assert_eq!(model.expected_value().len(), 1);
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn expected_value(&self) -> Vec<f64> {
        let plan = self.shap_plan();
        let mut out = self.base_margin.clone();
        for (t, paths) in plan.trees.iter().enumerate() {
            out[self.tree_group[t] as usize] += paths.expected;
        }
        out
    }

    /// Exact TreeSHAP values, shaped `(rows, outputs, features + 1)`; the last entry of each
    /// output is the bias, and each output's entries sum to its margin.
    ///
    /// The layout is XGBoost's `pred_contribs` (and LightGBM's `pred_contrib`, reshaped).
    ///
    /// ```
    /// let model = churn_core::Model::load("../tests/fixtures/xgb_binary/model.json")?;
    /// let x = ndarray::Array2::<f64>::from_elem((4, model.num_features()), 1.0);
    /// let phi = model.shap_values(x.view())?;
    /// let margin = model.predict_margin(x.view())?;
    /// for r in 0..4 {
    ///     let total: f64 = phi.slice(ndarray::s![r, 0, ..]).sum();
    ///     assert!((total - margin[[r, 0]]).abs() < 1e-4);
    /// }
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn shap_values<T: FeatureValue>(&self, x: ArrayView2<'_, T>) -> Result<Array3<f64>> {
        self.check_input(&x)?;
        let plan = self.shap_plan();
        let (n, k, f1) = (x.nrows(), self.num_outputs, self.num_features + 1);
        let bias = self.expected_value();
        let per_row = k * f1;
        let mut out = vec![0.0; n * per_row];
        let f = self.num_features;
        let work = |block: usize, chunk: &mut [f64], s: &mut Scratch| {
            let rows = chunk.len() / per_row;
            let mut buf = std::mem::take(&mut s.rows);
            self.load_rows(&x, block * BLOCK_ROWS, rows, &mut buf);
            // Feature-major lane groups of LANES rows; a short tail either pads a last group
            // (repeating its last row) or, when only a few rows remain, runs one row per
            // single-lane group, so that one row does not cost as much as LANES rows.
            let tail = rows % LANES;
            let single = if tail <= SINGLE_LANE_TAIL { tail } else { 0 };
            let groups = (rows - single).div_ceil(LANES);
            s.xt.clear();
            for gi in 0..groups {
                for j in 0..f {
                    let mut lane = [0.0; LANES];
                    for (r, v) in lane.iter_mut().enumerate() {
                        let row = (gi * LANES + r).min(rows - single - 1);
                        *v = buf[row * f + j];
                    }
                    s.xt.push(lane);
                }
            }
            s.xt1.clear();
            for r in rows - single..rows {
                s.xt1.extend((0..f).map(|j| [buf[r * f + j]]));
            }
            s.phi.clear();
            s.phi.resize(groups * k * f, [0.0; LANES]);
            s.phi1.clear();
            s.phi1.resize(single * k * f, [0.0; 1]);
            // Tree-major: a tree's tables stay in cache while every lane group passes.
            for (t, ep) in plan.edges.iter().enumerate() {
                let g = self.tree_group[t] as usize;
                for gi in 0..groups {
                    let xt = &s.xt[gi * f..(gi + 1) * f];
                    let phi = &mut s.phi[(gi * k + g) * f..(gi * k + g + 1) * f];
                    tree_shap_lanes(ep, &self.trees[t], xt, &mut s.edge, phi);
                }
                for i in 0..single {
                    let xt = &s.xt1[i * f..(i + 1) * f];
                    let phi = &mut s.phi1[(i * k + g) * f..(i * k + g + 1) * f];
                    tree_shap_lanes(ep, &self.trees[t], xt, &mut s.edge1, phi);
                }
            }
            for r in 0..rows {
                let out_row = &mut chunk[r * per_row..(r + 1) * per_row];
                for g in 0..k {
                    for j in 0..f {
                        out_row[g * f1 + j] = if r < rows - single {
                            let (gi, lane) = (r / LANES, r % LANES);
                            s.phi[(gi * k + g) * f + j][lane]
                        } else {
                            let i = r - (rows - single);
                            s.phi1[(i * k + g) * f + j][0]
                        };
                    }
                    out_row[g * f1 + f] = bias[g];
                }
            }
            s.rows = buf;
        };
        run_blocks(&mut out, BLOCK_ROWS * per_row, work);
        Array3::from_shape_vec((n, k, f1), out).map_err(|e| Error::input(e.to_string()))
    }

    /// Exact SHAP interaction values, shaped `(rows, outputs, features + 1, features + 1)`, laid
    /// out like XGBoost's `pred_interactions`: off-diagonal `[i, j]` is half the interaction of
    /// features i and j, the diagonal holds the main effects, each row `[i, ..]` sums to the SHAP
    /// value of feature i, and `[F, F]` is the bias.
    ///
    /// ```
    /// let model = churn_core::Model::load("../tests/fixtures/lgb_binary/model.txt")?;
    /// let x = ndarray::Array2::<f64>::zeros((2, model.num_features()));
    /// let inter = model.shap_interaction_values(x.view())?;
    /// let f = model.num_features();
    /// assert_eq!(inter.dim(), (2, 1, f + 1, f + 1));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn shap_interaction_values<T: FeatureValue>(
        &self,
        x: ArrayView2<'_, T>,
    ) -> Result<Array4<f64>> {
        self.check_input(&x)?;
        let plan = self.shap_plan();
        let (n, k, f) = (x.nrows(), self.num_outputs, self.num_features);
        let f1 = f + 1;
        let per_row = k * f1 * f1;
        // (F+1)^2 per output per row: refuse sizes that cannot be allocated rather than abort.
        let total = n
            .checked_mul(per_row)
            .filter(|&t| t <= (isize::MAX as usize) / 8)
            .ok_or_else(|| {
                Error::input(format!(
                    "{n} rows x {k} outputs x {f1}^2 interaction values do not fit in memory"
                ))
            })?;
        let bias = self.expected_value();
        let mut out = vec![0.0; total];
        let work = |block: usize, chunk: &mut [f64], s: &mut Scratch| {
            s.reserve(plan.max_unique);
            let rows = chunk.len() / per_row;
            let mut buf = std::mem::take(&mut s.rows);
            self.load_rows(&x, block * INTERACTION_BLOCK_ROWS, rows, &mut buf);
            let mut phi = vec![0.0; f];
            for r in 0..rows {
                let row = &buf[r * f..(r + 1) * f];
                let out_row = &mut chunk[r * per_row..(r + 1) * per_row];
                for g in 0..k {
                    phi.iter_mut().for_each(|v| *v = 0.0);
                    let m = &mut out_row[g * f1 * f1..(g + 1) * f1 * f1];
                    for (t, paths) in plan.trees.iter().enumerate() {
                        if self.tree_group[t] as usize != g {
                            continue;
                        }
                        tree_interactions(
                            paths,
                            &self.trees[t],
                            &plan.rules,
                            row,
                            s,
                            &mut phi,
                            m,
                            f1,
                        );
                    }
                    for i in 0..f {
                        let off: f64 = (0..f).filter(|&j| j != i).map(|j| m[i * f1 + j]).sum();
                        m[i * f1 + i] = phi[i] - off;
                    }
                    m[f * f1 + f] = bias[g];
                }
            }
            s.rows = buf;
        };
        run_blocks(&mut out, INTERACTION_BLOCK_ROWS * per_row, work);
        Array4::from_shape_vec((n, k, f1, f1), out).map_err(|e| Error::input(e.to_string()))
    }
}

/// Runs `work(block_index, chunk, scratch)` over `out` in chunks, in parallel when enabled.
fn run_blocks<W>(out: &mut [f64], chunk: usize, work: W)
where
    W: Fn(usize, &mut [f64], &mut Scratch) + Sync + Send,
{
    let chunk = chunk.max(1);
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        // One job per block: rayon otherwise hands each thread a contiguous half up front, and
        // on a busy machine a late-waking worker left the other with most of a short batch
        // (xgb 100x4, 2,000 rows: 2 threads 1.2x one thread at the median, 1.9x at best).
        out.par_chunks_mut(chunk)
            .enumerate()
            .with_max_len(1)
            .for_each_init(Scratch::default, |s, (b, c)| work(b, c, s));
    }
    #[cfg(not(feature = "parallel"))]
    {
        let mut s = Scratch::default();
        for (b, c) in out.chunks_mut(chunk).enumerate() {
            work(b, c, &mut s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauss_legendre_integrates_polynomials_exactly() {
        for q in 1..40 {
            let rule = gauss_legendre(q);
            let wsum: f64 = rule.iter().map(|&(_, w)| w).sum();
            assert!((wsum - 1.0).abs() < 1e-13, "q={q} weights sum {wsum}");
            // integral_0^1 t^d dt = 1/(d+1), exact up to d = 2q-1
            for d in 0..2 * q {
                let est: f64 = rule.iter().map(|&(t, w)| w * t.powi(d as i32)).sum();
                assert!(
                    (est - 1.0 / (d as f64 + 1.0)).abs() < 1e-13,
                    "q={q} d={d}: {est}"
                );
            }
        }
    }

    use crate::model::tree::{flags, RawTree};
    use proptest::prelude::*;

    /// A small deterministic generator, so a failing case is reproducible from its seed.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// A random tree over `features` features: repeated features on paths, tied thresholds,
    /// every missing type, categorical splits, and (when `zero_covers`) empty nodes. Covers
    /// are consistent (a node's cover is its children's sum), as trained models have.
    fn random_tree(seed: u64, features: usize, max_depth: u32, zero_covers: bool) -> Tree {
        random_tree_shaped(seed, features, max_depth, zero_covers, false)
    }

    /// As [`random_tree`]; with `chain`, every split has one leaf child and the tree is a path
    /// of `max_depth` splits, so that paths carry many distinct features (many quadrature
    /// points) while the tree stays small.
    fn random_tree_shaped(
        seed: u64,
        features: usize,
        max_depth: u32,
        zero_covers: bool,
        chain: bool,
    ) -> Tree {
        let mut rng = Rng(seed | 1);
        let mut raw = RawTree {
            cat_sets: vec![vec![1, 3], vec![0, 2, 5]],
            ..RawTree::default()
        };
        // Build in pre-order with an explicit stack of (node index, depth, may split).
        let mut stack = vec![(0usize, 0u32, true)];
        let push_node = |raw: &mut RawTree| {
            raw.left.push(-1);
            raw.right.push(-1);
            raw.feature.push(0);
            raw.threshold.push(0.0);
            raw.flags.push(0);
            raw.cat_set.push(0);
            raw.value.push(0.0);
            raw.cover.push(0.0);
            raw.left.len() - 1
        };
        push_node(&mut raw);
        while let Some((n, depth, alive)) = stack.pop() {
            let split = depth < max_depth && alive && (chain || depth == 0 || rng.below(10) < 7);
            if !split {
                raw.value[n] = (rng.below(2001) as f64 - 1000.0) / 100.0;
                raw.cover[n] = if zero_covers && rng.below(4) == 0 {
                    0.0
                } else {
                    1.0 + rng.below(50) as f64
                };
                continue;
            }
            raw.feature[n] = rng.below(features as u64) as i64;
            raw.threshold[n] = rng.below(4) as f64;
            let mut fl = (rng.below(3) as u8) << flags::MISSING_SHIFT;
            if rng.below(2) == 0 {
                fl |= flags::DEFAULT_LEFT;
            }
            if rng.below(6) == 0 {
                fl |= flags::CATEGORICAL;
                if rng.below(2) == 0 {
                    fl |= flags::CAT_IN_SET_LEFT | flags::CAT_TRUNCATE;
                }
                raw.cat_set[n] = rng.below(2) as u32;
            }
            raw.flags[n] = fl;
            let l = push_node(&mut raw);
            let r = push_node(&mut raw);
            raw.left[n] = l as i64;
            raw.right[n] = r as i64;
            let left_goes_on = !chain || rng.below(2) == 0;
            stack.push((r, depth + 1, !chain || !left_goes_on));
            stack.push((l, depth + 1, left_goes_on));
        }
        // Internal covers: children's sums, bottom-up (children have larger indices).
        for n in (0..raw.left.len()).rev() {
            if raw.left[n] >= 0 {
                raw.cover[n] = raw.cover[raw.left[n] as usize] + raw.cover[raw.right[n] as usize];
            }
        }
        raw.validate(0, features).unwrap()
    }

    fn random_rows(seed: u64, features: usize, n: usize) -> Vec<f64> {
        let mut rng = Rng(seed.wrapping_mul(0x9E3779B97F4A7C15) | 1);
        (0..n * features)
            .map(|_| match rng.below(8) {
                0 => f64::NAN,
                1 => 0.0,
                2 => -1.5,
                _ => rng.below(5) as f64 - 0.5 * rng.below(2) as f64,
            })
            .collect()
    }

    /// Per-row SHAP of one tree by both kernels, plus the tree's output and expected value.
    fn both_kernels(
        tree: &Tree,
        features: usize,
        rows: &[f64],
    ) -> Vec<(Vec<f64>, Vec<f64>, f64, f64)> {
        let paths = TreePaths::build(tree, 1.0, features);
        let rules: Vec<Vec<(f64, f64)>> = (0..=paths.max_unique.div_ceil(2).max(1))
            .map(gauss_legendre)
            .collect();
        let plan = EdgePlan::build(tree, 1.0, paths.max_unique, &rules);
        let n = rows.len() / features;
        let mut s = Scratch::default();
        s.reserve(paths.max_unique);
        let mut es = EdgeScratch::default();
        let mut out = Vec::new();
        for g0 in (0..n).step_by(LANES) {
            let xt: Vec<[f64; LANES]> = (0..features)
                .map(|j| std::array::from_fn(|r| rows[((g0 + r).min(n - 1)) * features + j]))
                .collect();
            let mut phi_lanes = vec![[0.0; LANES]; features];
            tree_shap_lanes(&plan, tree, &xt, &mut es, &mut phi_lanes);
            // The single-lane kernel gives the same bits lane by lane.
            for r in 0..LANES.min(n - g0) {
                let x1: Vec<[f64; 1]> = (0..features).map(|j| [xt[j][r]]).collect();
                let mut phi1 = vec![[0.0; 1]; features];
                tree_shap_lanes(
                    &plan,
                    tree,
                    &x1,
                    &mut EdgeScratch::<1>::default(),
                    &mut phi1,
                );
                for j in 0..features {
                    assert_eq!(phi1[j][0].to_bits(), phi_lanes[j][r].to_bits());
                }
            }
            for r in 0..LANES.min(n - g0) {
                let row = &rows[(g0 + r) * features..(g0 + r + 1) * features];
                let mut reference = vec![0.0; features];
                tree_shap(&paths, tree, &rules, row, &mut s, &mut reference);
                let fast: Vec<f64> = (0..features).map(|j| phi_lanes[j][r]).collect();
                out.push((fast, reference, tree.value[tree.leaf(row)], paths.expected));
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn edge_kernel_equals_the_per_path_reference(seed in any::<u64>(), depth in 1u32..9, features in 1usize..6) {
            let tree = random_tree(seed, features, depth, false);
            let rows = random_rows(seed, features, 13);
            for (fast, reference, value, expected) in both_kernels(&tree, features, &rows) {
                let scale = 1.0 + reference.iter().fold(value.abs(), |m, v| m.max(v.abs()));
                for (a, b) in fast.iter().zip(&reference) {
                    prop_assert!((a - b).abs() <= 1e-12 * scale, "fast {a} vs reference {b}");
                }
                // Additivity: the contributions and the expected value sum to the output.
                let total: f64 = fast.iter().sum::<f64>() + expected;
                prop_assert!((total - value).abs() <= 1e-10 * scale, "sum {total} vs output {value}");
            }
        }

        #[test]
        fn deep_paths_with_many_points_agree(seed in any::<u64>(), depth in 10u32..70, features in 8usize..60) {
            // Up to ~40 distinct features on a path: padded point counts and several passes.
            let zero_covers = seed % 3 == 0;
            let tree = random_tree_shaped(seed, features, depth, zero_covers, true);
            let rows = random_rows(seed, features, 11);
            for (fast, reference, value, expected) in both_kernels(&tree, features, &rows) {
                let scale = 1.0 + reference.iter().fold(value.abs(), |m, v| m.max(v.abs()));
                for (a, b) in fast.iter().zip(&reference) {
                    prop_assert!(a.is_finite());
                    prop_assert!((a - b).abs() <= 1e-12 * scale, "fast {a} vs reference {b}");
                }
                // Additivity holds when every node was reached in training.
                let total: f64 = fast.iter().sum::<f64>() + expected;
                prop_assert!(zero_covers || (total - value).abs() <= 1e-10 * scale, "sum {total} vs output {value}");
            }
        }

        #[test]
        fn zero_cover_nodes_stay_finite_and_agree(seed in any::<u64>(), depth in 1u32..8) {
            let tree = random_tree(seed, 3, depth, true);
            let rows = random_rows(seed, 3, 9);
            for (fast, reference, _, expected) in both_kernels(&tree, 3, &rows) {
                prop_assert!(expected.is_finite());
                for (a, b) in fast.iter().zip(&reference) {
                    prop_assert!(a.is_finite() && b.is_finite());
                    prop_assert!((a - b).abs() <= 1e-9 * (1.0 + b.abs()), "fast {a} vs reference {b}");
                }
            }
        }
    }
}
