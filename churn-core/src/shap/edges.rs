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
    /// Per node and quadrature point (`[node * q + k]`): factors of the edge's feature with the
    /// row following (`hot`) or not following (`cold`) the path, their reciprocals, and the
    /// weighted contribution multipliers `w (o - z) / F`.
    hot: Vec<f64>,
    cold: Vec<f64>,
    inv_hot: Vec<f64>,
    inv_cold: Vec<f64>,
    r_hot: Vec<f64>,
    r_cold: Vec<f64>,
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
            hot: vec![1.0; n * q],
            cold: vec![1.0; n * q],
            inv_hot: vec![1.0; n * q],
            inv_cold: vec![1.0; n * q],
            r_hot: vec![0.0; n * q],
            r_cold: vec![0.0; n * q],
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
                    let i = child * q + k;
                    let hot = z + (1.0 - z) * t;
                    let cold = z * (1.0 - t);
                    plan.hot[i] = hot;
                    plan.cold[i] = cold;
                    plan.inv_hot[i] = if hot != 0.0 { 1.0 / hot } else { 0.0 };
                    plan.inv_cold[i] = if cold != 0.0 { 1.0 / cold } else { 0.0 };
                    plan.r_hot[i] = if hot != 0.0 { w * (1.0 - z) / hot } else { 0.0 };
                    plan.r_cold[i] = if cold != 0.0 { -w * z / cold } else { 0.0 };
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

/// A lane mask: all ones (true) or all zeros (false) per lane, so that selects compile to
/// bitwise and/andnot/or instead of branches.
type Mask = [u64; LANES];

#[inline(always)]
fn select(m: u64, a: f64, b: f64) -> f64 {
    f64::from_bits((a.to_bits() & m) | (b.to_bits() & !m))
}

/// Scratch space for one lane group.
#[derive(Default)]
pub(crate) struct EdgeScratch {
    /// Decision per internal node and lane: goes left.
    left: Vec<Mask>,
    /// Per node and lane: the row satisfies every split on the edge's feature down to here.
    on: Vec<Mask>,
    /// Per node and quadrature point: G (top-down), then S (bottom-up).
    acc: Vec<[f64; LANES]>,
}

/// Adds one tree's SHAP values for `LANES` rows. `x` is feature-major (`x[f][lane]`, already
/// rounded); `phi` is feature-major too (`phi[f][lane]`).
pub(crate) fn tree_shap_lanes(
    plan: &EdgePlan,
    tree: &Tree,
    x: &[[f64; LANES]],
    s: &mut EdgeScratch,
    phi: &mut [[f64; LANES]],
) {
    let n = plan.num_nodes;
    let q = plan.q;
    if n <= 1 {
        return;
    }
    s.left.resize(n, [0; LANES]);
    s.on.resize(n, [0; LANES]);
    s.acc.resize(n * q, [0.0; LANES]);

    decide_lanes(plan, tree, x, &mut s.left);

    // Sweep 1: o and G, top-down.
    for k in 0..q {
        s.acc[k] = [1.0; LANES];
    }
    for c in 1..n {
        let p = plan.parent[c] as usize;
        // All ones when the child is the right one: flips the decision mask.
        let flip = if plan.is_left[c] { 0 } else { u64::MAX };
        let prev = plan.prev[c];
        let dec = s.left[p];
        let mut on = [0u64; LANES];
        if prev == NONE {
            for r in 0..LANES {
                on[r] = dec[r] ^ flip;
            }
        } else {
            let po = s.on[prev as usize];
            for r in 0..LANES {
                on[r] = (dec[r] ^ flip) & po[r];
            }
        }
        s.on[c] = on;
        let (ci, pi) = (c * q, p * q);
        if prev == NONE {
            for k in 0..q {
                let (h, cl) = (plan.hot[ci + k], plan.cold[ci + k]);
                let g = s.acc[pi + k];
                let mut out = [0.0; LANES];
                for r in 0..LANES {
                    out[r] = g[r] * select(on[r], h, cl);
                }
                s.acc[ci + k] = out;
            }
        } else {
            let prev = prev as usize;
            let po = s.on[prev];
            let vi = prev * q;
            for k in 0..q {
                let (h, cl) = (plan.hot[ci + k], plan.cold[ci + k]);
                let (ih, ic) = (plan.inv_hot[vi + k], plan.inv_cold[vi + k]);
                let g = s.acc[pi + k];
                let mut out = [0.0; LANES];
                for r in 0..LANES {
                    out[r] = g[r] * select(on[r], h, cl) * select(po[r], ih, ic);
                }
                s.acc[ci + k] = out;
            }
        }
    }

    // Sweep 2: S, bottom-up (children have larger indices than their parent).
    for c in (0..n).rev() {
        let ci = c * q;
        if tree.is_leaf(c) {
            let v = plan.value[c];
            for k in 0..q {
                let a = &mut s.acc[ci + k];
                for r in 0..LANES {
                    a[r] *= v;
                }
            }
        } else {
            let (l, rr) = (tree.left[c] as usize * q, tree.right[c] as usize * q);
            for k in 0..q {
                let (a, b) = (s.acc[l + k], s.acc[rr + k]);
                let mut out = [0.0; LANES];
                for r in 0..LANES {
                    out[r] = a[r] + b[r];
                }
                s.acc[ci + k] = out;
            }
        }
    }

    // Sweep 3: each edge's contribution.
    for c in 1..n {
        let ci = c * q;
        let on = s.on[c];
        let (lo, hi) = (
            plan.owned_bounds[c] as usize,
            plan.owned_bounds[c + 1] as usize,
        );
        let mut total = [0.0; LANES];
        for k in 0..q {
            let mut a = s.acc[ci + k];
            for &m in &plan.owned[lo..hi] {
                let sm = s.acc[m as usize * q + k];
                for r in 0..LANES {
                    a[r] -= sm[r];
                }
            }
            let (rh, rc) = (plan.r_hot[ci + k], plan.r_cold[ci + k]);
            for r in 0..LANES {
                total[r] += a[r] * select(on[r], rh, rc);
            }
        }
        let out = &mut phi[plan.feature[c] as usize];
        for r in 0..LANES {
            out[r] += total[r];
        }
    }
}

/// Every internal node's decision for every lane. The node's kind is tested once per node, so
/// the lane loops are branch-free.
fn decide_lanes(plan: &EdgePlan, tree: &Tree, x: &[[f64; LANES]], left: &mut [Mask]) {
    for &node in &plan.internal {
        let n = node as usize;
        let xs = &x[tree.feature[n] as usize];
        let fl = tree.flags[n];
        let t = tree.threshold[n];
        let dl = if fl & flags::DEFAULT_LEFT != 0 {
            u64::MAX
        } else {
            0
        };
        let mask = |b: bool| if b { u64::MAX } else { 0 };
        let mut out = [0u64; LANES];
        if fl & flags::CATEGORICAL != 0 {
            for r in 0..LANES {
                out[r] = mask(tree.goes_left(n, xs[r]));
            }
        } else {
            match (fl & flags::MISSING_MASK) >> flags::MISSING_SHIFT {
                0 => {
                    // NaN fails `<=`; it takes the default side.
                    for r in 0..LANES {
                        let v = xs[r];
                        out[r] = mask(v <= t) | (mask(v.is_nan()) & dl);
                    }
                }
                1 => {
                    // NaN compares as 0.
                    let zero_left = mask(0.0 <= t);
                    for r in 0..LANES {
                        let v = xs[r];
                        out[r] = mask(v <= t) | (mask(v.is_nan()) & zero_left);
                    }
                }
                _ => {
                    for r in 0..LANES {
                        out[r] = mask(tree.goes_left(n, xs[r]));
                    }
                }
            }
        }
        left[n] = out;
    }
}
