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
//! nearest deeper splits on the same feature (the nodes the edge *owns*). Two sweeps over the
//! internal nodes compute everything:
//!
//! 1. top-down: `o` per edge, and `G` per node (multiply by the edge's factor, divided by the
//!    previous factor of the same feature when the feature repeats: one precomputed ratio per
//!    combination of the two edges' states);
//! 2. bottom-up: `S = sum of v G` over the leaves below, and for each edge into a child,
//!    `A = S_child - sum S_owned`, added to `phi`.
//!
//! Leaves are never materialised. A leaf's `v G` is its parent's `G` times a per-point constant
//! chosen by the row's decisions, and since the leaf's own factor cancels in `A / F`, a leaf
//! edge contributes `v (o - z) sum_q w_q G_parent(t_q) / F_prev(t_q)`: one dot product per
//! parent, shared by its two children, instead of a pass over points per leaf.
//!
//! With `Q = ceil(U_max / 2)` Gauss-Legendre points (`U_max` = most distinct features on any
//! path of the tree) the quadrature is exact. Reciprocals of factors that are 0 (a cold split
//! below a zero-cover node) are taken as 0, which keeps products at their exact value 0 instead
//! of NaN: such a factor only ever meets a row whose `G` already holds it.
//!
//! Rows are processed [`LANES`] at a time: the tree's structure is shared, only `o` and the
//! decisions differ, so every inner loop runs over lanes and compiles to vector code (natively)
//! or to straight-line code (WebAssembly, built for size: `lanes!` writes the lanes out there,
//! see `unroll.rs`). The number of points is a compile-time constant of the sweeps (see
//! [`padded`]), so that loops over points unroll.

// Lane loops index fixed-size arrays on purpose: that shape is what auto-vectorises.
#![allow(clippy::needless_range_loop)]

use crate::model::tree::{flags, Tree};

/// Rows processed together.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) const LANES: usize = 16;
/// Eight in WebAssembly, where the lanes stay scalar code (no SIMD by default): measured in
/// Node, 8 lanes ran SHAP 10-20% faster than 16 and made the module 19 KB smaller; 4 lanes
/// were 39 KB smaller but 10-15% slower than 8. Each lane is computed on its own, so the bits
/// do not depend on the count.
#[cfg(target_arch = "wasm32")]
pub(crate) const LANES: usize = 8;

const NONE: u32 = u32::MAX;

/// [`EdgePlan::kind`] bits.
const LEFT_LEAF: u8 = 1;
const RIGHT_LEAF: u8 = 2;
/// The node's feature was split on above it: its children's factors divide out an earlier one.
const REPEAT: u8 = 4;
/// The edge into the node contributes nothing: the node splits on its parent's feature, so it
/// owns its own subtree sum.
const IDLE: u8 = 8;

/// Per-tree tables for the edge kernel. Only internal nodes are numbered (in pre-order, root 0);
/// leaves live in their parents' tables.
#[derive(Debug, Default)]
pub(crate) struct EdgePlan {
    /// Points stored per node: the `Q` of the tree rounded up to a size the kernel is compiled
    /// for (see [`padded`]); the extra points have weight 0.
    q_pad: usize,
    /// Per internal node: its index in the tree, for decisions.
    node: Vec<u32>,
    /// Per internal node: [`LEFT_LEAF`] | [`RIGHT_LEAF`] | [`REPEAT`] | [`IDLE`].
    kind: Vec<u8>,
    /// Per internal node (the edge from its parent; unused for the root).
    parent: Vec<u32>,
    is_left: Vec<bool>,
    /// Nearest ancestor edge whose parent splits on the same feature, or NONE.
    prev: Vec<u32>,
    /// Per internal node: the `prev` of its children.
    child_prev: Vec<u32>,
    /// Per internal node: the feature it splits on.
    feature: Vec<u32>,
    /// Per internal node: its right child if that is internal, else NONE (an internal left child
    /// is the next internal node).
    right: Vec<u32>,
    /// CSR: the internal nodes each edge owns (nearest deeper splits on its feature), all
    /// strictly below the edge's node.
    owned_bounds: Vec<u32>,
    owned: Vec<u32>,
    /// Per internal node and point (`[node * q_pad + k]`): what G is multiplied by on the way
    /// into the node when the row is on the path there (`ON`), off it there but on at `prev`
    /// (`OFF`), off at `prev` (`OFF_PREV`).
    grow: Vec<[f64; 3]>,
    /// Per internal node and point: the edge's contribution multipliers `w (o - z) / F` for a
    /// row on and off the path.
    mult: Vec<[f64; 2]>,
    /// Per internal node and point, for its leaf children: `v G_leaf / G` when the row goes left
    /// (`ON`: on at `prev` too), right (`OFF`: on at `prev` too), or is off at `prev`
    /// (`OFF_PREV`), summed over the leaf children; then `w / F_prev` for a row on and off at
    /// `prev` (`w` when the feature is new).
    leaf: Vec<[f64; 5]>,
    /// Per internal node: `sum of v (o - z)` over its leaf children for the same three cases.
    leaf_share: Vec<[f64; 3]>,
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
        let q_pad = padded(q);
        let rule = &rules[q];
        // Padding points: any point inside (0, 1) keeps every factor finite and nonzero, and
        // their zero weights make their contribution an exact 0.
        let points: Vec<(f64, f64)> = (0..q_pad)
            .map(|k| rule.get(k).copied().unwrap_or((0.5, 0.0)))
            .collect();
        let (mut plan, index) = EdgePlan::numbered(tree, q_pad);
        let ni = plan.node.len();
        // Per tree node (edge from its parent): combined zero fraction of the parent's feature
        // along the path, and the factor for a row on and off the path, per point.
        let mut zero = vec![1.0f64; n];
        let mut hot = vec![0.0f64; n * q_pad];
        let mut cold = vec![0.0f64; n * q_pad];
        let mut parent_node = vec![NONE; n];
        // Owner edge (internal index) of each internal node.
        let mut owner = vec![NONE; ni];
        let inv = |v: f64| if v != 0.0 { 1.0 / v } else { 0.0 };
        // Pre-order: parents come before children. The factor of an edge relative to prev's,
        // per point and state: both on, on at prev only, neither.
        let mut step = vec![[0.0; 3]; q_pad];
        for p in 0..n {
            if tree.is_leaf(p) {
                continue;
            }
            let ip = index[p] as usize;
            let f = tree.feature[p];
            plan.feature[ip] = f;
            // The nearest ancestor edge splitting on f: walk up from p. Depth is bounded by
            // MAX_DEPTH and this runs once per model.
            let mut prev = NONE;
            let mut c = p as u32;
            while c != 0 {
                let par = parent_node[c as usize];
                if tree.feature[par as usize] == f {
                    prev = c;
                    break;
                }
                c = par;
            }
            if prev == p as u32 {
                plan.kind[ip] |= IDLE;
            } else if prev != NONE {
                owner[ip] = index[prev as usize];
            }
            if prev != NONE {
                plan.kind[ip] |= REPEAT;
                plan.child_prev[ip] = index[prev as usize];
            }
            let cover = tree.cover[p];
            let (l, r) = (tree.left[p] as usize, tree.right[p] as usize);
            for (child, left) in [(l, true), (r, false)] {
                parent_node[child] = p as u32;
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
                for (k, &(t, w)) in points.iter().enumerate() {
                    let i = child * q_pad + k;
                    // hot >= t > 0; cold is 0 only when z is.
                    hot[i] = z + (1.0 - z) * t;
                    cold[i] = z * (1.0 - t);
                    step[k] = if prev == NONE {
                        [hot[i], cold[i], 0.0]
                    } else {
                        let j = prev as usize * q_pad + k;
                        [hot[i] / hot[j], cold[i] / hot[j], cold[i] * inv(cold[j])]
                    };
                    if !tree.is_leaf(child) {
                        let ic = index[child] as usize * q_pad + k;
                        plan.grow[ic] = step[k];
                        if prev == NONE {
                            // hot >= cold >= 0, so cold + (hot - cold) is within an ulp of hot.
                            plan.grow[ic][ON] = hot[i] - cold[i];
                        }
                        plan.mult[ic] = [w * (1.0 - z) / hot[i], -w * z * inv(cold[i])];
                    }
                }
                if tree.is_leaf(child) {
                    plan.add_leaf(ip, tree.value[child] * weight, left, z, &step);
                } else {
                    let ic = index[child] as usize;
                    plan.parent[ic] = ip as u32;
                    plan.is_left[ic] = left;
                    plan.prev[ic] = plan.child_prev[ip];
                    if !left {
                        plan.right[ip] = ic as u32;
                    }
                }
            }
            for (k, &(_, w)) in points.iter().enumerate() {
                let cell = &mut plan.leaf[ip * q_pad + k];
                if prev == NONE {
                    cell[3] = w;
                } else {
                    let j = prev as usize * q_pad + k;
                    cell[3] = w / hot[j];
                    cell[4] = w * inv(cold[j]);
                }
            }
        }
        plan.set_owned(&owner);
        plan
    }

    /// An empty plan with room for every internal node of `tree` (numbered in tree order),
    /// and each tree node's internal index (`NONE` for leaves).
    fn numbered(tree: &Tree, q_pad: usize) -> (EdgePlan, Vec<u32>) {
        let n = tree.num_nodes();
        let mut index = vec![NONE; n];
        let mut plan = EdgePlan {
            q_pad,
            ..EdgePlan::default()
        };
        for c in 0..n {
            if !tree.is_leaf(c) {
                index[c] = plan.node.len() as u32;
                plan.node.push(c as u32);
            }
        }
        let ni = plan.node.len();
        plan.kind = vec![0; ni];
        plan.parent = vec![NONE; ni];
        plan.is_left = vec![false; ni];
        plan.prev = vec![NONE; ni];
        plan.child_prev = vec![NONE; ni];
        plan.feature = vec![0; ni];
        plan.right = vec![NONE; ni];
        plan.grow = vec![[0.0; 3]; ni * q_pad];
        plan.mult = vec![[0.0; 2]; ni * q_pad];
        plan.leaf = vec![[0.0; 5]; ni * q_pad];
        plan.leaf_share = vec![[0.0; 3]; ni];
        (plan, index)
    }

    /// Adds leaf child (value `v`, zero fraction `z`) of internal node `ip` to the node's
    /// per-point leaf sums, with `step` the edge's factors per point.
    fn add_leaf(&mut self, ip: usize, v: f64, left: bool, z: f64, step: &[[f64; 3]]) {
        let q_pad = self.q_pad;
        self.kind[ip] |= if left { LEFT_LEAF } else { RIGHT_LEAF };
        // Row goes left / right (and is on at prev) / is off at prev.
        let (go_left, go_right) = if left { (ON, OFF) } else { (OFF, ON) };
        for k in 0..q_pad {
            let cell = &mut self.leaf[ip * q_pad + k];
            cell[0] += v * step[k][go_left];
            cell[1] += v * step[k][go_right];
            cell[2] += v * step[k][OFF_PREV];
        }
        let share = &mut self.leaf_share[ip];
        let (on, off) = (v * (1.0 - z), -v * z);
        share[0] += if left { on } else { off };
        share[1] += if left { off } else { on };
        share[2] += off;
    }

    /// The edges each internal node owns (`owner`: the owner of each, or `NONE`), as lists in
    /// `owned` delimited by `owned_bounds`.
    fn set_owned(&mut self, owner: &[u32]) {
        let ni = owner.len();
        let mut counts = vec![0u32; ni];
        for &o in owner.iter().filter(|&&o| o != NONE) {
            counts[o as usize] += 1;
        }
        self.owned_bounds.push(0);
        let mut acc = 0u32;
        for c in &counts {
            acc += c;
            self.owned_bounds.push(acc);
        }
        self.owned = vec![0; acc as usize];
        let mut fill: Vec<u32> = self.owned_bounds[..ni].to_vec();
        for (m, &o) in owner.iter().enumerate() {
            if o != NONE {
                self.owned[fill[o as usize] as usize] = m as u32;
                fill[o as usize] += 1;
            }
        }
    }
}

const ON: usize = 0;
const OFF: usize = 1;
const OFF_PREV: usize = 2;

/// Per lane 1.0 (true) or 0.0 (false). Selecting with `m * a + (1 - m) * b` is exact for finite
/// `a` and `b` (one term is an exact zero) and, unlike a branch per lane, vectorises.
type Mask<const L: usize> = [f64; L];

/// Scratch space for one lane group.
#[derive(Default)]
pub(crate) struct EdgeScratch<const L: usize> {
    /// Decision per internal node and lane: goes left.
    left: Vec<Mask<L>>,
    /// Per internal node and lane: the row satisfies every split on the edge's feature down to
    /// here.
    on: Vec<Mask<L>>,
    /// Per internal node and point: G (top-down), then S (bottom-up).
    acc: Vec<[f64; L]>,
}

/// `q` rounded up to a point count the kernel is compiled for; beyond 16, a multiple of 16
/// (run as several passes of 16 points). Each count costs two copies of [`sweeps`] in the
/// binary, so above 8 (paths with more than 16 distinct features) only a few are compiled.
/// Padding points have weight 0, so the padded count gives the same bits.
#[cfg(not(target_arch = "wasm32"))]
fn padded(q: usize) -> usize {
    match q {
        0..=8 => q.max(1),
        9..=10 => 10,
        11..=12 => 12,
        13..=16 => 16,
        _ => q.next_multiple_of(16),
    }
}

/// In WebAssembly only powers of two are compiled: there the lanes do not become vector code
/// (no SIMD by default), so the per-count copies buy ~30% of SHAP speed for ~200 KB of a
/// module whose budget is 1 MB (issue 6). Same bits as the other targets (see above).
#[cfg(target_arch = "wasm32")]
fn padded(q: usize) -> usize {
    match q {
        0..=16 => q.max(1).next_power_of_two(),
        _ => q.next_multiple_of(16),
    }
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
    let ni = plan.node.len();
    if ni == 0 {
        return;
    }
    s.left.resize(ni, [0.0; L]);
    s.on.resize(ni, [0.0; L]);
    decide_lanes(plan, tree, x, &mut s.left);
    macro_rules! dispatch {
        ($($q:literal)*) => {
            match plan.q_pad {
                $($q => sweeps::<L, $q>(plan, s, phi, 0),)*
                q => {
                    for pass in 0..q / 16 {
                        sweeps::<L, 16>(plan, s, phi, pass);
                    }
                }
            }
        };
    }
    #[cfg(not(target_arch = "wasm32"))]
    dispatch!(1 2 3 4 5 6 7 8 10 12);
    #[cfg(target_arch = "wasm32")]
    dispatch!(1 2 4 8);
}

/// The two sweeps over the points `Q * pass .. Q * (pass + 1)` of the plan.
///
/// Every lane expression builds a fresh local array from values loaded beforehand: stores
/// into the scratch could otherwise alias the plan's loads as far as LLVM knows, and it then
/// emits one scalar operation per lane instead of packed ones. Loops run point by point, so
/// that only a few vectors are live at a time.
#[inline(never)]
fn sweeps<const L: usize, const Q: usize>(
    plan: &EdgePlan,
    s: &mut EdgeScratch<L>,
    phi: &mut [[f64; L]],
    pass: usize,
) {
    let ni = plan.node.len();
    if s.acc.len() < ni * Q {
        s.acc.resize(ni * Q, [0.0; L]);
    }
    let (acc, _) = s.acc[..ni * Q].as_chunks_mut::<Q>();
    let on_all = &mut s.on[..ni];
    let left = &s.left[..ni];
    let stride = plan.q_pad / Q;
    let (grow, _) = plan.grow.as_chunks::<Q>();
    let (mult, _) = plan.mult.as_chunks::<Q>();
    let (leaf, _) = plan.leaf.as_chunks::<Q>();
    let at = |c: usize| c * stride + pass;

    // Sweep 1: o and G, top-down.
    acc[0] = [[1.0; L]; Q];
    for c in 1..ni {
        let p = plan.parent[c] as usize;
        let dec = left[p];
        let mut on: [f64; L] = if plan.is_left[c] {
            dec
        } else {
            lanes!([0.0; L], |r| 1.0 - dec[r])
        };
        let prev = plan.prev[c];
        let (head, tail) = acc.split_at_mut(c);
        let parent = &head[p];
        let out = &mut tail[0];
        let cf = &grow[at(c)];
        if prev == NONE {
            on_all[c] = on;
            for k in 0..Q {
                let (d, cc, g) = (cf[k][ON], cf[k][OFF], parent[k]);
                out[k] = lanes!([0.0; L], |r| g[r] * (cc + on[r] * d));
            }
        } else {
            let po = on_all[prev as usize];
            on = lanes!([0.0; L], |r| on[r] * po[r]);
            on_all[c] = on;
            // Exactly one of the three masks is 1 in each lane.
            let off: [f64; L] = lanes!([0.0; L], |r| po[r] - on[r]);
            let poff: [f64; L] = lanes!([0.0; L], |r| 1.0 - po[r]);
            for k in 0..Q {
                let (h, cc, pc, g) = (cf[k][ON], cf[k][OFF], cf[k][OFF_PREV], parent[k]);
                out[k] = lanes!([0.0; L], |r| g[r]
                    * (on[r] * h + off[r] * cc + poff[r] * pc));
            }
        }
    }

    // Sweep 2, bottom-up (children have larger indices than their parent): S at the node from
    // its children, the leaf children's contributions, then the edges into internal children,
    // whose owned nodes are below them and already final.
    for p in (0..ni).rev() {
        let kind = plan.kind[p];
        let dec = left[p];
        let lf = &leaf[at(p)];
        let (head, below) = acc.split_at_mut(p + 1);
        let node = &mut head[p];
        let mut total = [0.0; L];
        if kind & (LEFT_LEAF | RIGHT_LEAF) == 0 {
            let (a, b) = (&below[0], &below[plan.right[p] as usize - p - 1]);
            for k in 0..Q {
                let (a, b) = (a[k], b[k]);
                node[k] = lanes!([0.0; L], |r| a[r] + b[r]);
            }
        } else {
            // The internal child's S, if any.
            let inner = if kind & LEFT_LEAF == 0 {
                Some(&below[0])
            } else if kind & RIGHT_LEAF == 0 {
                Some(&below[plan.right[p] as usize - p - 1])
            } else {
                None
            };
            let share = plan.leaf_share[p];
            if kind & REPEAT == 0 {
                let undec: [f64; L] = lanes!([0.0; L], |r| 1.0 - dec[r]);
                let mut wg = [0.0; L];
                if let Some(inner) = inner {
                    for k in 0..Q {
                        let (x, y, w, g, base) = (lf[k][0], lf[k][1], lf[k][3], node[k], inner[k]);
                        wg = lanes!([0.0; L], |r| wg[r] + g[r] * w);
                        node[k] =
                            lanes!([0.0; L], |r| base[r] + g[r] * (dec[r] * x + undec[r] * y));
                    }
                } else {
                    for k in 0..Q {
                        let (x, y, w, g) = (lf[k][0], lf[k][1], lf[k][3], node[k]);
                        wg = lanes!([0.0; L], |r| wg[r] + g[r] * w);
                        node[k] = lanes!([0.0; L], |r| g[r] * (dec[r] * x + undec[r] * y));
                    }
                }
                total = lanes!([0.0; L], |r| wg[r]
                    * (dec[r] * share[0] + undec[r] * share[1]));
            } else {
                let po = on_all[plan.child_prev[p] as usize];
                let a: [f64; L] = lanes!([0.0; L], |r| dec[r] * po[r]);
                let b: [f64; L] = lanes!([0.0; L], |r| po[r] - a[r]);
                let c: [f64; L] = lanes!([0.0; L], |r| 1.0 - po[r]);
                let (mut wh, mut wc) = ([0.0; L], [0.0; L]);
                for k in 0..Q {
                    let (x, y, z, g) = (lf[k][0], lf[k][1], lf[k][2], node[k]);
                    let (h, cc) = (lf[k][3], lf[k][4]);
                    let base = inner.map_or([0.0; L], |s| s[k]);
                    wh = lanes!([0.0; L], |r| wh[r] + g[r] * h);
                    wc = lanes!([0.0; L], |r| wc[r] + g[r] * cc);
                    node[k] = lanes!([0.0; L], |r| base[r]
                        + g[r] * (a[r] * x + b[r] * y + c[r] * z));
                }
                total = lanes!([0.0; L], |r| {
                    (po[r] * wh[r] + c[r] * wc[r])
                        * (a[r] * share[0] + b[r] * share[1] + c[r] * share[2])
                });
            }
        }
        // Edges into internal children.
        for (child, is_leaf) in [
            (p + 1, kind & LEFT_LEAF != 0),
            (plan.right[p] as usize, kind & RIGHT_LEAF != 0),
        ] {
            if is_leaf || plan.kind[child] & IDLE != 0 {
                continue;
            }
            let sc = &below[child - p - 1];
            let owned = &plan.owned
                [plan.owned_bounds[child] as usize..plan.owned_bounds[child + 1] as usize];
            let cf = &mult[at(child)];
            // The on and off lanes' totals are kept apart so that the per-lane choice between
            // the two multipliers is made once per edge, not once per point.
            let mut hot = [0.0; L];
            let mut cold = [0.0; L];
            if owned.is_empty() {
                for k in 0..Q {
                    let (a, rh, rc) = (sc[k], cf[k][0], cf[k][1]);
                    hot = lanes!([0.0; L], |r| hot[r] + a[r] * rh);
                    cold = lanes!([0.0; L], |r| cold[r] + a[r] * rc);
                }
            } else {
                for k in 0..Q {
                    let mut a = sc[k];
                    for &m in owned {
                        let y = below[m as usize - p - 1][k];
                        a = lanes!([0.0; L], |r| a[r] - y[r]);
                    }
                    let (rh, rc) = (cf[k][0], cf[k][1]);
                    hot = lanes!([0.0; L], |r| hot[r] + a[r] * rh);
                    cold = lanes!([0.0; L], |r| cold[r] + a[r] * rc);
                }
            }
            let on = on_all[child];
            total = lanes!([0.0; L], |r| total[r]
                + (on[r] * hot[r] + (1.0 - on[r]) * cold[r]));
        }
        let out = &mut phi[plan.feature[p] as usize];
        let cur = *out;
        *out = lanes!([0.0; L], |r| cur[r] + total[r]);
    }
}

/// 1.0 where `b`, else 0.0, without a branch or an int-to-float conversion per lane.
#[inline(always)]
fn mask(b: bool) -> f64 {
    f64::from_bits(1.0f64.to_bits() & (b as u64).wrapping_neg())
}

/// Every internal node's decision for every lane. The node's kind is tested once per node, so
/// the lane loops are branch-free.
fn decide_lanes<const L: usize>(
    plan: &EdgePlan,
    tree: &Tree,
    x: &[[f64; L]],
    left: &mut [Mask<L>],
) {
    for (i, &node) in plan.node.iter().enumerate() {
        let n = node as usize;
        let xs = x[tree.feature[n] as usize];
        let fl = tree.flags[n];
        let t = tree.threshold[n];
        let missing = (fl & flags::MISSING_MASK) >> flags::MISSING_SHIFT;
        left[i] = if fl & flags::CATEGORICAL != 0 || missing > 1 {
            lanes!([0.0; L], |r| mask(tree.goes_left(n, xs[r])))
        } else {
            // NaN takes the default side (missing type 0) or compares as 0 (type 1).
            let nan_left = if missing == 0 {
                fl & flags::DEFAULT_LEFT != 0
            } else {
                0.0 <= t
            };
            if nan_left {
                lanes!([0.0; L], |r| mask((xs[r] <= t) | xs[r].is_nan()))
            } else {
                lanes!([0.0; L], |r| mask(xs[r] <= t))
            }
        };
    }
}
