//! The fast TreeSHAP kernel: `O(nodes x Q)` work per tree and row, rows in SIMD-friendly lanes.
//!
//! Write `F_j(t) = z_j + (o_j - z_j) t` for the factor of feature `j` on a leaf's path (see the
//! parent module) and `G_l(t) = prod_j F_j(t)` for the product over the leaf's features. Then
//!
//! ```text
//! phi_e += v_l (o_e - z_e) * sum_q w_q G_l(t_q) / F_e(t_q)
//! ```
//!
//! Group the pairs (leaf, feature e) by the *edge* into the deepest split on `e` along the
//! leaf's path: every leaf below that edge shares the factor `F_e` (its `z` and `o` are those of
//! the path from the root to the edge), so the edge contributes
//! `(o - z) sum_q w_q / F(t_q) * A(t_q)` where `A = sum of v_l G_l` over the leaves below the
//! edge that split on `e` no deeper. `A` is a subtree sum minus the subtree sums of the
//! nearest deeper splits on the same feature (the nodes the edge *owns*). Three sweeps over the
//! nodes compute everything:
//!
//! 1. top-down: `o` per edge, and `G` per node (multiply by the edge's factor, divide out the
//!    previous factor of the same feature when the feature repeats);
//! 2. bottom-up: `S = v G` at leaves, `S = S_left + S_right` inside;
//! 3. per edge: `A = S_edge - sum S_owned`, then add to `phi`.
//!
//! With `Q = ceil(U_max / 2)` Gauss-Legendre points (`U_max` = most distinct features on any
//! path of the tree) the quadrature is exact. Reciprocals of the factors are precomputed, with
//! `1/0` stored as 0 where a factor is 0 (a cold split below a zero-cover node), which keeps
//! products at their exact value 0 instead of NaN.
//!
//! Rows are processed [`LANES`] at a time: the tree's structure is shared, only `o` and the
//! decisions differ, so every inner loop runs over lanes and compiles to vector code.

// Lane loops index fixed-size arrays on purpose: that shape is what auto-vectorises.
#![allow(clippy::needless_range_loop)]

use crate::model::tree::{flags, Tree};

/// Rows processed together.
pub(crate) const LANES: usize = 8;

const NONE: u32 = u32::MAX;

/// Per-tree tables for the edge kernel. Node order and numbering are the tree's (pre-order).
#[derive(Debug, Default)]
pub(crate) struct EdgePlan {
    /// Quadrature points used for this tree.
    q: usize,
    num_nodes: usize,
    /// Per node (the edge from its parent; unused for the root).
    parent: Vec<u32>,
    is_left: Vec<bool>,
    /// Feature split on at the parent.
    feature: Vec<u32>,
    /// Nearest ancestor edge whose parent splits on the same feature, or NONE.
    prev: Vec<u32>,
    /// CSR: the internal nodes each edge owns (nearest deeper splits on its feature).
    owned_bounds: Vec<u32>,
    owned: Vec<u32>,
    /// Per node and quadrature point (`[node * q + k]`), interleaved for locality: the factor of
    /// the edge's feature with the row following (`HOT`) or not following (`COLD`) the path,
    /// their reciprocals, and the weighted contribution multipliers `w (o - z) / F`.
    coef: Vec<[f64; 6]>,
    /// Leaf value times tree weight (0 for internal nodes).
    value: Vec<f64>,
    /// Internal nodes, in pre-order, for the decision sweep.
    internal: Vec<u32>,
}

impl EdgePlan {
    pub(crate) fn build(
        tree: &Tree,
        weight: f64,
        max_unique: usize,
        rules: &[Vec<(f64, f64)>],
    ) -> EdgePlan {
        let n = tree.num_nodes();
        let q = max_unique.div_ceil(2).max(1);
        let rule = &rules[q];
        let mut plan = EdgePlan {
            q,
            num_nodes: n,
            parent: vec![NONE; n],
            is_left: vec![false; n],
            feature: vec![0; n],
            prev: vec![NONE; n],
            owned_bounds: Vec::with_capacity(n + 1),
            owned: Vec::new(),
            coef: vec![[1.0, 1.0, 1.0, 1.0, 0.0, 0.0]; n * q],
            value: vec![0.0; n],
            internal: Vec::new(),
        };
        // Combined zero fraction of the edge's feature along the path to the node.
        let mut zero = vec![1.0f64; n];
        // Owner edge of each internal node (for the CSR list), filled top-down.
        let mut owner = vec![NONE; n];
        // Pre-order: parents come before children.
        for p in 0..n {
            if tree.is_leaf(p) {
                plan.value[p] = tree.value[p] * weight;
                continue;
            }
            plan.internal.push(p as u32);
            let f = tree.feature[p];
            // The nearest ancestor edge splitting on f: walk up from p. Depth is bounded by
            // MAX_DEPTH and this runs once per model.
            let mut prev = NONE;
            let mut c = p as u32;
            while c != 0 {
                let par = plan.parent[c as usize];
                if tree.feature[par as usize] == f {
                    prev = c;
                    break;
                }
                c = par;
            }
            owner[p] = prev;
            let cover = tree.cover[p];
            for (child, left) in [
                (tree.left[p] as usize, true),
                (tree.right[p] as usize, false),
            ] {
                plan.parent[child] = p as u32;
                plan.is_left[child] = left;
                plan.feature[child] = f;
                plan.prev[child] = prev;
                let ratio = if cover > 0.0 {
                    tree.cover[child] / cover
                } else {
                    0.5
                };
                let z = ratio
                    * if prev == NONE {
                        1.0
                    } else {
                        zero[prev as usize]
                    };
                zero[child] = z;
                for (k, &(t, w)) in rule.iter().enumerate() {
                    let hot = z + (1.0 - z) * t;
                    let cold = z * (1.0 - t);
                    let inv = |v: f64| if v != 0.0 { 1.0 / v } else { 0.0 };
                    plan.coef[child * q + k] = [
                        hot,
                        cold,
                        inv(hot),
                        inv(cold),
                        w * (1.0 - z) * inv(hot),
                        -w * z * inv(cold),
                    ];
                }
            }
        }
        let mut counts = vec![0u32; n];
        for &o in owner.iter().filter(|&&o| o != NONE) {
            counts[o as usize] += 1;
        }
        plan.owned_bounds.push(0);
        let mut acc = 0u32;
        for c in &counts {
            acc += c;
            plan.owned_bounds.push(acc);
        }
        plan.owned = vec![0; acc as usize];
        let mut fill: Vec<u32> = plan.owned_bounds[..n].to_vec();
        for (m, &o) in owner.iter().enumerate() {
            if o != NONE {
                plan.owned[fill[o as usize] as usize] = m as u32;
                fill[o as usize] += 1;
            }
        }
        plan
    }
}

const HOT: usize = 0;
const COLD: usize = 1;
const INV_HOT: usize = 2;
const INV_COLD: usize = 3;
const R_HOT: usize = 4;
const R_COLD: usize = 5;

/// Per lane 1.0 (true) or 0.0 (false). Selecting with `m * a + (1 - m) * b` is exact for finite
/// `a` and `b` (one term is an exact zero) and, unlike branches or bit casts, vectorises.
type Mask<const L: usize> = [f64; L];

/// Scratch space for one lane group.
#[derive(Default)]
pub(crate) struct EdgeScratch<const L: usize> {
    /// Decision per internal node and lane: goes left.
    left: Vec<Mask<L>>,
    /// Per node and lane: the row satisfies every split on the edge's feature down to here.
    on: Vec<Mask<L>>,
    /// Per node and quadrature point: G (top-down), then S (bottom-up).
    acc: Vec<[f64; L]>,
}

/// Adds one tree's SHAP values for `L` rows (a lane group). `x` is feature-major (`x[f][lane]`, already
/// rounded); `phi` is feature-major too (`phi[f][lane]`).
pub(crate) fn tree_shap_lanes<const L: usize>(
    plan: &EdgePlan,
    tree: &Tree,
    x: &[[f64; L]],
    s: &mut EdgeScratch<L>,
    phi: &mut [[f64; L]],
) {
    let n = plan.num_nodes;
    let q = plan.q;
    if n <= 1 {
        return;
    }
    s.left.resize(n, [0.0; L]);
    s.on.resize(n, [0.0; L]);
    s.acc.resize(n * q, [0.0; L]);
    decide_lanes(plan, tree, x, &mut s.left);
    let acc = &mut s.acc[..n * q];
    let on_all = &mut s.on[..n];
    let coef = &plan.coef[..n * q];

    // Sweep 1: o and G, top-down.
    acc[..q].fill([1.0; L]);
    for c in 1..n {
        let p = plan.parent[c] as usize;
        let dec = &s.left[p];
        let mut on = [0.0; L];
        if plan.is_left[c] {
            on = *dec;
        } else {
            for r in 0..L {
                on[r] = 1.0 - dec[r];
            }
        }
        let prev = plan.prev[c];
        if prev != NONE {
            let po = &on_all[prev as usize];
            for r in 0..L {
                on[r] *= po[r];
            }
        }
        on_all[c] = on;
        let mut off = [0.0; L];
        for r in 0..L {
            off[r] = 1.0 - on[r];
        }
        let (head, tail) = acc.split_at_mut(c * q);
        let parent = &head[p * q..p * q + q];
        let out = &mut tail[..q];
        let cf = &coef[c * q..c * q + q];
        if prev == NONE {
            for ((o, g), cf) in out.iter_mut().zip(parent).zip(cf) {
                for r in 0..L {
                    o[r] = g[r] * (on[r] * cf[HOT] + off[r] * cf[COLD]);
                }
            }
        } else {
            let prev = prev as usize;
            let po = &on_all[prev];
            let pcf = &coef[prev * q..prev * q + q];
            for (((o, g), cf), pcf) in out.iter_mut().zip(parent).zip(cf).zip(pcf) {
                for r in 0..L {
                    let factor = on[r] * cf[HOT] + off[r] * cf[COLD];
                    let undo = po[r] * pcf[INV_HOT] + (1.0 - po[r]) * pcf[INV_COLD];
                    o[r] = g[r] * factor * undo;
                }
            }
        }
    }

    // Sweeps 2 and 3 fused, bottom-up (children have larger indices than their parent): S at
    // the node, then the edge into it, whose owned nodes are descendants and already final.
    for c in (1..n).rev() {
        let (head, tail) = acc.split_at_mut(c * q);
        let node = &mut tail[..q];
        if tree.is_leaf(c) {
            let v = plan.value[c];
            for a in node.iter_mut() {
                for r in 0..L {
                    a[r] *= v;
                }
            }
        } else {
            let (l, rr) = (tree.left[c] as usize - c, tree.right[c] as usize - c);
            let (node, below) = tail.split_at_mut(q);
            for (k, o) in node.iter_mut().enumerate() {
                let (a, b) = (&below[(l - 1) * q + k], &below[(rr - 1) * q + k]);
                for r in 0..L {
                    o[r] = a[r] + b[r];
                }
            }
        }
        let _ = head;
        let on = &on_all[c];
        let owned = &plan.owned[plan.owned_bounds[c] as usize..plan.owned_bounds[c + 1] as usize];
        let cf = &coef[c * q..c * q + q];
        let mut total = [0.0; L];
        for (k, cf) in cf.iter().enumerate() {
            let mut a = acc[c * q + k];
            for &m in owned {
                let sm = &acc[m as usize * q + k];
                for r in 0..L {
                    a[r] -= sm[r];
                }
            }
            for r in 0..L {
                total[r] += a[r] * (on[r] * cf[R_HOT] + (1.0 - on[r]) * cf[R_COLD]);
            }
        }
        let out = &mut phi[plan.feature[c] as usize];
        for r in 0..L {
            out[r] += total[r];
        }
    }
}

/// Every internal node's decision for every lane. The node's kind is tested once per node, so
/// the lane loops are branch-free.
fn decide_lanes<const L: usize>(
    plan: &EdgePlan,
    tree: &Tree,
    x: &[[f64; L]],
    left: &mut [Mask<L>],
) {
    for &node in &plan.internal {
        let n = node as usize;
        let xs = &x[tree.feature[n] as usize];
        let fl = tree.flags[n];
        let t = tree.threshold[n];
        let dl = fl & flags::DEFAULT_LEFT != 0;
        let mask = |b: bool| if b { 1.0 } else { 0.0 };
        let mut out = [0.0; L];
        if fl & flags::CATEGORICAL != 0 {
            for r in 0..L {
                out[r] = mask(tree.goes_left(n, xs[r]));
            }
        } else {
            match (fl & flags::MISSING_MASK) >> flags::MISSING_SHIFT {
                0 => {
                    // NaN fails `<=`; it takes the default side.
                    for r in 0..L {
                        let v = xs[r];
                        out[r] = mask((v <= t) | (v.is_nan() & dl));
                    }
                }
                1 => {
                    // NaN compares as 0.
                    let zero_left = 0.0 <= t;
                    for r in 0..L {
                        let v = xs[r];
                        out[r] = mask((v <= t) | (v.is_nan() & zero_left));
                    }
                }
                _ => {
                    for r in 0..L {
                        out[r] = mask(tree.goes_left(n, xs[r]));
                    }
                }
            }
        }
        left[n] = out;
    }
}
