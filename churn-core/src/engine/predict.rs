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

/// A number as the batch kernels compare and sum it: f32 for XGBoost, f64 for LightGBM.
///
/// XGBoost rounds inputs to f32 and sums tree outputs in f32, so on its inputs `x <= t` equals
/// `x <= down(t)` with `down(t)` the largest f32 not above `t`: thresholds, inputs, leaf values
/// and sums all fit in f32, which halves what a descent loads.
pub(crate) trait Lane:
    Copy
    + std::ops::Neg<Output = Self>
    + PartialOrd
    + std::ops::Add<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::fmt::Debug
    + Send
    + Sync
    + 'static
{
    const NEG_INF: Self;
    const POS_INF: Self;
    const ZERO: Self;
    /// Complete trees of depth 3 to [`MASK_MAX_DEPTH`] take [`top_masks16`] (see there).
    const MASKS: bool;
    /// The largest value not above `t`.
    fn down(t: f64) -> Self;
    /// `x` rounded to nearest (exact on inputs already rounded as the library rounds them).
    fn near(x: f64) -> Self;
    fn widen(self) -> f64;
    /// This type's row tables and sums in `s`.
    fn scratch(s: &mut Scratch) -> (&mut Vec<Group<Self>>, &mut Vec<Self>);
}

impl Lane for f32 {
    const NEG_INF: f32 = f32::NEG_INFINITY;
    const POS_INF: f32 = f32::INFINITY;
    const ZERO: f32 = 0.0;
    /// Measured on x86-64 (SSE2). Without vector instructions (wasm32 has no SIMD by default)
    /// the compares would run one lane at a time, several times the work of the descents.
    const MASKS: bool = cfg!(target_feature = "sse2");
    #[inline]
    fn down(t: f64) -> f32 {
        let r = t as f32;
        if r as f64 > t {
            r.next_down()
        } else {
            r
        }
    }
    #[inline]
    fn near(x: f64) -> f32 {
        x as f32
    }
    #[inline]
    fn widen(self) -> f64 {
        self as f64
    }
    fn scratch(s: &mut Scratch) -> (&mut Vec<Group<f32>>, &mut Vec<f32>) {
        (&mut s.x32, &mut s.acc32)
    }
}

impl Lane for f64 {
    const NEG_INF: f64 = f64::NEG_INFINITY;
    const POS_INF: f64 = f64::INFINITY;
    const ZERO: f64 = 0.0;
    /// Not measured: LightGBM's trees are seldom complete.
    const MASKS: bool = false;
    #[inline]
    fn down(t: f64) -> f64 {
        t
    }
    #[inline]
    fn near(x: f64) -> f64 {
        x
    }
    #[inline]
    fn widen(self) -> f64 {
        self
    }
    fn scratch(s: &mut Scratch) -> (&mut Vec<Group<f64>>, &mut Vec<f64>) {
        (&mut s.x64, &mut s.acc64)
    }
}

/// Rows interleaved through one tree by the batch kernels: 8 descents in flight hide the
/// latency of each one's dependent loads, and their indices still fit in registers.
const LANES: usize = 8;

/// One group of [`LANES`] rows as the batch kernels read them: `cols[c][lane]`, with columns
/// `[x with NaN as -inf | x with NaN as +inf | 0]` (`2F + 1`). A split's column picks the half
/// that sends NaN the node's way, so every decision is the one comparison `x > thr` (go
/// right): no NaN test and no flag. Reading NaN as +inf is wrong only against `thr = +inf`,
/// and trees with such a split keep the general kernel.
///
/// Aligned so that a vector compare can read a column straight from memory.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(32))]
pub(crate) struct Group<T>([T; LANES]);

impl<T> std::ops::Deref for Group<T> {
    type Target = [T; LANES];
    #[inline(always)]
    fn deref(&self) -> &[T; LANES] {
        &self.0
    }
}

/// Most columns of the fixed-size group table (`F <= 127`), whose `u8`-masked index needs
/// no bounds check.
const SMALL_COLS: usize = 256;

/// Widest group table of the batch kernels. In WebAssembly only the fixed-size table is
/// compiled: a second copy of the kernels for wider tables cost 15 KB of the 1 MB module
/// (issue 6), so models wider than that (more than 85 to 127 features, by their missing-value
/// columns) run tree by tree there, as categorical trees do: same bits, slower.
const MAX_TABLE_COLS: usize = if cfg!(target_arch = "wasm32") {
    SMALL_COLS
} else {
    usize::MAX
};

/// Element access by an index that is in range by construction.
trait Pick<E> {
    fn pick(&self, i: usize) -> E;
}

/// Arrays of a power-of-two size are indexed modulo their size: the index is in range anyway,
/// and the mask replaces a bounds check (and the register holding the length).
impl<E: Copy, const M: usize> Pick<E> for [E; M] {
    #[inline(always)]
    fn pick(&self, i: usize) -> E {
        self[i & (M - 1)]
    }
}

impl<E: Copy> Pick<E> for [E] {
    #[inline(always)]
    fn pick(&self, i: usize) -> E {
        self[i]
    }
}

trait Cols<T> {
    fn col(&self, c: usize) -> &Group<T>;
}

impl<T> Cols<T> for [Group<T>; SMALL_COLS] {
    #[inline(always)]
    fn col(&self, c: usize) -> &Group<T> {
        &self[c & (SMALL_COLS - 1)]
    }
}

impl<T> Cols<T> for [Group<T>] {
    #[inline(always)]
    fn col(&self, c: usize) -> &Group<T> {
        &self[c]
    }
}

/// How a tree (or a run of trees) runs in a batch, chosen at build time from its shape.
#[derive(Clone, Copy, Debug)]
enum Item {
    /// Consecutive trees of one output, each padded to a complete tree of `depth` levels in
    /// breadth-first order (children of `i` at `2i + 1` and `2i + 2`; a leaf above the last
    /// level passes rows through to copies of itself): every row takes exactly `depth` steps
    /// per tree, with no leaf test and no branch. Tree `i`'s splits at `at + i * 2^depth`
    /// (`2^depth` slots, the last unused), its leaves at `leaf + i * 2^depth`.
    Complete {
        depth: u32,
        at: u32,
        leaf: u32,
        trees: u32,
        /// Runs for [`top_masks16`]: where their trees' top thresholds start in `Batch::top`.
        wide: u32,
    },
    /// Consecutive trees of one output chained in `CHAIN_NODES` slots from `at`: depth-first
    /// nodes (left child next) whose leaves go on to the next tree's root, the last one to a
    /// sink that points to itself. A row walks the whole chain at its own pace, adding each
    /// node's value (its leaf value, or -0.0, which leaves every sum unchanged), so no row
    /// waits at every tree for the deepest row of its group. That wait is what makes
    /// leaf-wise (LightGBM) trees slow in lockstep: 8 rows took ~2x the steps they needed.
    Chain { at: u32 },
    /// Categorical or zero-as-missing splits, or a tree too big for a chain: the general
    /// decision of [`Tree::step`].
    Slow { tree: u32 },
}

/// Deepest tree padded to a complete one: 2^8 leaves stay small next to the tree's own nodes.
const COMPLETE_MAX_DEPTH: usize = 8;

/// Slots of a chain: 16384 x 20 bytes (f64) stays in L2 while a block's rows pass, and a chain
/// of that many nodes is long enough that rows finish it at nearly the same step.
const CHAIN_NODES: usize = 16384;

/// The last slot of every chain.
const SINK: usize = CHAIN_NODES - 1;

/// All trees laid out for batches, struct-of-arrays so that every access is one load with a
/// scaled index.
#[derive(Debug)]
struct Batch<T> {
    /// Columns of a laid-out row before the NaN indicators: `2F + 1`.
    cols: usize,
    /// Features with a NaN indicator column (+inf if NaN, else 0; split at 0), in column
    /// order after `cols`.
    nan_cols: Vec<usize>,
    /// `(output, item)` in an order that adds each output's trees in tree order.
    items: Vec<(u32, Item)>,
    /// Complete trees: threshold and column of each split, and leaf values.
    thr: Vec<T>,
    col: Vec<u16>,
    /// Runs for [`top_masks16`]: the top 15 thresholds of each tree (16 slots), each repeated
    /// for a half group, the operand of a vector compare.
    top: Vec<[T; 4]>,
    leaf: Vec<T>,
    /// Chains: threshold (`-inf` on leaves, which read the constant 0 column and so always go
    /// "right", to the next root), value, and `column | right << 16` of each node.
    chain_thr: Vec<T>,
    chain_value: Vec<T>,
    chain_link: Vec<u32>,
    /// Per tree, the weight XGBoost multiplies its output by (DART), if not 1.
    weight: Vec<Option<T>>,
    /// Outputs that some tree adds to: the others keep their base margin as it is.
    touched: Vec<bool>,
    /// Every item is [`Item::Complete`]: [`Batch::row`] applies.
    complete: bool,
}

#[derive(Debug)]
enum Kernels {
    F32(Batch<f32>),
    F64(Batch<f64>),
}

impl<T: Lane> Batch<T> {
    /// The layout of `model`'s trees; a model whose table would be wider than `max_cols`
    /// columns runs every tree as [`Item::Slow`].
    fn build(model: &Model, max_cols: usize) -> Batch<T> {
        let f = model.num_features;
        let cols = 2 * f + 1;
        let k = model.num_outputs;
        let mut b = Batch {
            cols,
            nan_cols: Vec::new(),
            items: Vec::new(),
            thr: Vec::new(),
            col: Vec::new(),
            top: Vec::new(),
            leaf: Vec::new(),
            chain_thr: Vec::new(),
            chain_value: Vec::new(),
            chain_link: Vec::new(),
            weight: Vec::with_capacity(model.trees.len()),
            touched: vec![false; k],
            complete: false,
        };
        let konst = (2 * f) as u16;
        // Column and threshold of a split: the half of the laid-out row that sends NaN where
        // the node sends it, except that `x <= +inf` with NaN going right separates NaN from
        // everything else (LightGBM writes such splits), which reads a NaN indicator column.
        let mut indicator: Vec<Option<u16>> = vec![None; f];
        let mut split = |p: &Packed, nan_cols: &mut Vec<usize>| -> (u16, T) {
            let j = (p.meta & packed::FEATURE_MASK) as usize;
            let thr = T::down(p.value);
            if p.meta & packed::NAN_LEFT != 0 {
                (j as u16, thr)
            } else if thr < T::POS_INF {
                ((j + f) as u16, thr)
            } else {
                let c = *indicator[j].get_or_insert_with(|| {
                    nan_cols.push(j);
                    (cols + nan_cols.len() - 1) as u16
                });
                (c, T::ZERO)
            }
        };
        for (t, &w) in model.tree_weight.iter().enumerate() {
            b.touched[model.tree_group[t] as usize] = true;
            b.weight.push(match model.format {
                Format::XGBoost if w as f32 != 1.0 => Some(T::near(w as f32 as f64)),
                _ => None,
            });
        }
        let neg_zero = -T::ZERO;
        for g in 0..k {
            // The open chain: its first slot and the next free one.
            let mut open: Option<(usize, usize)> = None;
            // Whether the last item is a run of complete trees still open to more.
            let mut run = false;
            for (t, tree) in model.trees.iter().enumerate() {
                if model.tree_group[t] as usize != g {
                    continue;
                }
                let weight = b.weight[t];
                let leaf_value = |v: f64| match weight {
                    Some(w) => w * T::near(v),
                    None => T::near(v),
                };
                // Room for a NaN indicator column per feature.
                let fits = tree.plain && cols + f <= 1 << 16 && tree.packed.len() < SINK;
                if !fits {
                    open = None;
                    run = false;
                    b.items.push((g as u32, Item::Slow { tree: t as u32 }));
                    continue;
                }
                if tree.balanced && tree.depth <= COMPLETE_MAX_DEPTH {
                    open = None;
                    // Join the open run if padding this tree to the run's depth costs at most
                    // one step.
                    let d = match b.items.last_mut() {
                        Some((h, Item::Complete { depth, trees, .. }))
                            if run
                                && *h as usize == g
                                && (tree.depth..=tree.depth + 1).contains(&(*depth as usize)) =>
                        {
                            *trees += 1;
                            *depth as usize
                        }
                        _ => {
                            // Depth 3 padded to depth 4: the masks take fewer instructions than
                            // three scalar steps (measured: -32% on 100 trees).
                            let d = if T::MASKS && tree.depth + 1 == MASK_DEPTH {
                                MASK_DEPTH
                            } else {
                                tree.depth
                            };
                            b.items.push((
                                g as u32,
                                Item::Complete {
                                    depth: d as u32,
                                    at: b.thr.len() as u32,
                                    leaf: b.leaf.len() as u32,
                                    trees: 1,
                                    wide: b.top.len() as u32,
                                },
                            ));
                            run = true;
                            d
                        }
                    };
                    let at = b.thr.len();
                    let leaf = b.leaf.len();
                    let first_leaf = (1 << d) - 1;
                    b.thr.resize(at + (1 << d), T::ZERO);
                    b.col.resize(at + (1 << d), konst);
                    b.leaf.resize(leaf + (1 << d), T::ZERO);
                    // (tree node, position in the complete tree)
                    let mut stack = vec![(0usize, 0usize)];
                    while let Some((n, pos)) = stack.pop() {
                        let p = &tree.packed[n];
                        if pos >= first_leaf {
                            b.leaf[leaf + pos - first_leaf] = leaf_value(tree.value[n]);
                        } else if p.meta & packed::LEAF != 0 {
                            // Pass-through: the constant column (0 > 0 is false) goes left,
                            // and both subtrees end in copies of this leaf.
                            stack.push((n, 2 * pos + 1));
                            stack.push((n, 2 * pos + 2));
                        } else {
                            (b.col[at + pos], b.thr[at + pos]) = split(p, &mut b.nan_cols);
                            stack.push((n + 1, 2 * pos + 1));
                            stack.push((p.right as usize, 2 * pos + 2));
                        }
                    }
                    if T::MASKS && (MASK_DEPTH..=MASK_MAX_DEPTH).contains(&d) {
                        b.top.extend(b.thr[at..at + 16].iter().map(|&t| [t; 4]));
                    }
                    continue;
                }
                run = false;
                let len = tree.packed.len();
                let (start, mut root) = match open {
                    Some((start, next)) if next + len <= SINK => (start, next),
                    _ => {
                        // A new chain, all sinks until filled.
                        let start = b.chain_thr.len();
                        b.chain_thr.resize(start + CHAIN_NODES, T::NEG_INF);
                        b.chain_value.resize(start + CHAIN_NODES, neg_zero);
                        b.chain_link
                            .resize(start + CHAIN_NODES, konst as u32 | (SINK as u32) << 16);
                        b.items.push((g as u32, Item::Chain { at: start as u32 }));
                        (start, 0)
                    }
                };
                let end = root + len;
                for (n, p) in tree.packed.iter().enumerate() {
                    let s = start + root + n;
                    if p.meta & packed::LEAF != 0 {
                        // On to the next tree's root: the slot after this tree, which stays a
                        // sink if no tree follows.
                        b.chain_thr[s] = T::NEG_INF;
                        b.chain_value[s] = leaf_value(tree.value[n]);
                        b.chain_link[s] = konst as u32 | (end as u32) << 16;
                    } else {
                        let (c, thr) = split(p, &mut b.nan_cols);
                        b.chain_thr[s] = thr;
                        b.chain_value[s] = neg_zero;
                        b.chain_link[s] = c as u32 | (root as u32 + p.right) << 16;
                    }
                }
                root = end;
                open = Some((start, root));
                // A chain whose last tree ends at the sink itself: its leaves already point
                // there.
                if root == SINK {
                    open = None;
                }
            }
        }
        if b.cols + b.nan_cols.len() > max_cols {
            b.items = (0..k)
                .flat_map(|g| {
                    let trees = model.tree_group.iter().enumerate();
                    trees
                        .filter(move |&(_, &h)| h as usize == g)
                        .map(move |(t, _)| (g as u32, Item::Slow { tree: t as u32 }))
                })
                .collect();
            // The layouts are not read by slow items.
            (b.thr, b.leaf, b.chain_thr, b.chain_value) = Default::default();
            (b.col, b.top, b.chain_link) = Default::default();
        }
        b.complete = b
            .items
            .iter()
            .all(|(_, i)| matches!(i, Item::Complete { .. }));
        b
    }
}

/// Leaf values of one group of rows in a complete tree of `2^depth = M` leaves: `depth` steps
/// of `i = 2i + 1 + (x > thr)`.
#[inline(always)]
fn complete_lanes<T, S, C, G>(thr: &S, col: &C, leaves: &S, depth: u32, grp: &G) -> [T; LANES]
where
    T: Lane,
    S: Pick<T> + ?Sized,
    C: Pick<u16> + ?Sized,
    G: Cols<T> + ?Sized,
{
    let mut idx = [0usize; LANES];
    for _ in 0..depth {
        unroll!(l in LANES => {
            let i = &mut idx[l];
            let x = grp.col(col.pick(*i) as usize)[l];
            *i = 2 * *i + 1 + (x > thr.pick(*i)) as usize;
        });
    }
    // Leaves are numbered from 2^depth - 1 on.
    let first = (1usize << depth) - 1;
    lanes!([T::ZERO; LANES], |l| leaves.pick(idx[l] - first))
}

/// Levels of a complete tree that [`top_masks16`] takes.
const MASK_DEPTH: usize = 4;

/// Deepest complete tree whose top levels take [`top_masks16`]: at depth 8 the 4 scalar steps
/// left after them made the whole slower than 8 scalar steps (measured, 100 trees: +7%).
const MASK_MAX_DEPTH: usize = 7;

/// `b` in the lanes where `s` is set, else `a`.
#[inline(always)]
fn blend(s: &[i32; 4], a: &[i32; 4], b: &[i32; 4]) -> [i32; 4] {
    lanes!([0; 4], |l| (a[l] & !s[l]) | (b[l] & s[l]))
}

/// Positions at level 4 (`0..16`) of lanes `4h..4h + 4` of a group in a complete tree: the
/// top 15 splits compared for every lane, then each lane's path picked level by level with
/// mask selects. Written out level by level: as loops, LLVM turned the selects into scalar
/// code.
#[inline(always)]
fn half_masks16<T: Lane, G: Cols<T> + ?Sized>(
    thr: &[[T; 4]; 16],
    col: &[u16; 16],
    grp: &G,
    h: usize,
) -> [i32; 4] {
    // -1 in the lanes that go right at split `n`.
    macro_rules! r {
        ($n:expr) => {{
            let x = grp.col(col[$n] as usize);
            lanes!([0; 4], |l| -((x[4 * h + l] > thr[$n][l]) as i32))
        }};
    }
    let b0 = r!(0);
    let b1 = blend(&b0, &r!(1), &r!(2));
    let l2 = [blend(&b0, &r!(3), &r!(5)), blend(&b0, &r!(4), &r!(6))];
    let b2 = blend(&b1, &l2[0], &l2[1]);
    let l3 = [
        blend(&b0, &r!(7), &r!(11)),
        blend(&b0, &r!(8), &r!(12)),
        blend(&b0, &r!(9), &r!(13)),
        blend(&b0, &r!(10), &r!(14)),
    ];
    let l3 = [blend(&b1, &l3[0], &l3[2]), blend(&b1, &l3[1], &l3[3])];
    let b3 = blend(&b2, &l3[0], &l3[1]);
    lanes!([0; 4], |l| (b0[l] & 8)
        | (b1[l] & 4)
        | (b2[l] & 2)
        | (b3[l] & 1))
}

/// Positions at level 4 (`0..16`) of two groups of rows in the top 4 levels of a complete
/// tree, found without dependent loads: 15 vector compares and 11 mask selects per half group
/// replace 4 scalar steps per lane. With two groups LLVM narrows the masks to bytes, so that
/// one select serves 16 rows.
#[inline(always)]
fn top_masks16<T: Lane, G: Cols<T> + ?Sized>(
    thr: &[[T; 4]; 16],
    col: &[u16; 16],
    a: &G,
    b: &G,
) -> [i32; 2 * LANES] {
    let q = [
        half_masks16(thr, col, a, 0),
        half_masks16(thr, col, a, 1),
        half_masks16(thr, col, b, 0),
        half_masks16(thr, col, b, 1),
    ];
    lanes!([0; 2 * LANES], |l| q[l / 4][l % 4])
}

/// One group of rows through a chain, adding to `acc`.
#[inline(always)]
fn chain_lanes<T: Lane, G: Cols<T> + ?Sized>(
    thr: &[T; CHAIN_NODES],
    value: &[T; CHAIN_NODES],
    link: &[u32; CHAIN_NODES],
    grp: &G,
    acc: &mut [T; LANES],
) {
    let mut idx = [0usize; LANES];
    loop {
        // Steps past the sink change nothing, so the exit test runs every few steps.
        for _ in 0..4 {
            unroll!(l in LANES => {
                let n = idx[l];
                let k = link.pick(n);
                let x = grp.col((k & 0xffff) as usize)[l];
                acc[l] = acc[l] + value.pick(n);
                idx[l] = std::hint::select_unpredictable(x > thr.pick(n), (k >> 16) as usize, n + 1);
            });
        }
        // Every index is at most SINK, so they sum to LANES * SINK only when all are there.
        let mut total = 0;
        unroll!(l in LANES => {
            total += idx[l];
        });
        if total == LANES * SINK {
            break;
        }
    }
}

/// The sums of output `g` (of `k`) of the rows `rows` (at most `N`) from `acc`; lanes past
/// the rows are 0. Written out lane by lane (see `unroll.rs`) so that the sums stay in
/// registers while the trees pass.
#[inline(always)]
fn load_sums<T: Lane, const N: usize>(acc: &[T], rows: Range<usize>, k: usize, g: usize) -> [T; N] {
    let mut sums = [T::ZERO; N];
    unroll!(l in N => {
        if rows.start + l < rows.end {
            sums[l] = acc[(rows.start + l) * k + g];
        }
    });
    sums
}

/// Writes back what [`load_sums`] read.
#[inline(always)]
fn store_sums<T: Lane, const N: usize>(
    sums: &[T; N],
    acc: &mut [T],
    rows: Range<usize>,
    k: usize,
    g: usize,
) {
    unroll!(l in N => {
        if rows.start + l < rows.end {
            acc[(rows.start + l) * k + g] = sums[l];
        }
    });
}

/// Adds a chain to the sums `acc` (`rows x k`, output `g`) of a block's rows, group by group.
/// Not inlined, so that a CPU profile shows the chain walk apart from the block's layout.
#[inline(never)]
fn run_chain<T: Lane, G: Cols<T> + ?Sized>(
    thr: &[T; CHAIN_NODES],
    value: &[T; CHAIN_NODES],
    link: &[u32; CHAIN_NODES],
    xs: &[&G],
    acc: &mut [T],
    k: usize,
    g: usize,
) {
    let n = acc.len() / k;
    for (gi, grp) in xs.iter().enumerate() {
        let rows = gi * LANES..((gi + 1) * LANES).min(n);
        let mut sums: [T; LANES] = load_sums(acc, rows.clone(), k, g);
        chain_lanes(thr, value, link, *grp, &mut sums);
        store_sums(&sums, acc, rows, k, g);
    }
}

/// Adds a run of complete trees to the sums `acc` (`rows x k`, output `g`) of a block's rows,
/// group by group so that the group's sums stay in registers; arrays of `M = 2^depth` slots.
#[allow(clippy::too_many_arguments)]
fn run_complete<T: Lane, G: Cols<T> + ?Sized, const M: usize>(
    b: &Batch<T>,
    at: usize,
    leaf: usize,
    trees: usize,
    xs: &[&G],
    acc: &mut [T],
    k: usize,
    g: usize,
) {
    let (thr, col, leaves) = b.complete_run::<M>(at, leaf, trees);
    let depth = M.trailing_zeros();
    let n = acc.len() / k;
    for (gi, grp) in xs.iter().enumerate() {
        let rows = gi * LANES..((gi + 1) * LANES).min(n);
        let mut sums: [T; LANES] = load_sums(acc, rows.clone(), k, g);
        for ((thr, col), leaves) in thr.iter().zip(col).zip(leaves) {
            let v = complete_lanes(thr, col, leaves, depth, *grp);
            unroll!(l in LANES => {
                sums[l] = sums[l] + v[l];
            });
        }
        store_sums(&sums, acc, rows, k, g);
    }
}

/// [`run_complete`] for runs of depth 4 to [`MASK_MAX_DEPTH`]: the top 4 levels by
/// [`top_masks16`], the rest in scalar steps as in [`complete_lanes`]. Two groups at a time,
/// each pair through all trees so that its sums stay in registers (tree by tree over the
/// block ran the same instructions ~15% slower).
#[allow(clippy::too_many_arguments)]
fn run_masks<T: Lane, G: Cols<T> + ?Sized, const M: usize>(
    b: &Batch<T>,
    at: usize,
    leaf: usize,
    trees: usize,
    wide: usize,
    xs: &[&G],
    acc: &mut [T],
    k: usize,
    g: usize,
) {
    let (top, _) = b.top[wide..wide + trees * 16].as_chunks::<16>();
    let (thr, col, leaves) = b.complete_run::<M>(at, leaf, trees);
    let depth = M.trailing_zeros();
    let n = acc.len() / k;
    for (pi, pair) in xs.chunks(2).enumerate() {
        // A last odd group runs as a pair with itself.
        let grps = [pair[0], pair[pair.len() - 1]];
        let rows = pi * 2 * LANES..((pi + 1) * 2 * LANES).min(n);
        let mut sums: [T; 2 * LANES] = load_sums(acc, rows.clone(), k, g);
        for (((top, thr), col), leaves) in top.iter().zip(thr).zip(col).zip(leaves) {
            let col_top = col.first_chunk::<16>().expect("depth >= 4");
            let pos = top_masks16(top, col_top, grps[0], grps[1]);
            if M == 16 {
                sums = lanes!([T::ZERO; 2 * LANES], |l| sums[l]
                    + leaves.pick(pos[l] as usize));
                continue;
            }
            unroll!(h in 2 => {
                let grp = grps[h];
                let mut idx: [usize; LANES] =
                    lanes!([0; LANES], |l| 15 + pos[h * LANES + l] as usize);
                for _ in 4..depth {
                    unroll!(l in LANES => {
                        let i = &mut idx[l];
                        let x = grp.col(col.pick(*i) as usize)[l];
                        *i = 2 * *i + 1 + (x > thr.pick(*i)) as usize;
                    });
                }
                unroll!(l in LANES => {
                    let s = &mut sums[h * LANES + l];
                    *s = *s + leaves.pick(idx[l] - (M - 1));
                });
            });
        }
        store_sums(&sums, acc, rows, k, g);
    }
}

/// Trees of a complete run that one row descends together: independent descents overlap
/// their dependent loads.
const ROW_TREES: usize = 16;

/// Leaf values of one row (columns `x`, laid out as one lane of a [`Group`]) in `N` complete
/// trees of `M = 2^depth` slots, descended together.
#[inline(always)]
fn row_trees<const M: usize, const N: usize, X: Pick<f32> + ?Sized>(
    thr: &[[f32; M]; N],
    col: &[[u16; M]; N],
    leaves: &[[f32; M]; N],
    x: &X,
) -> [f32; N] {
    let mut idx = [0usize; N];
    for _ in 0..M.trailing_zeros() {
        unroll!(j in N => {
            let i = &mut idx[j];
            let v = x.pick(col[j].pick(*i) as usize);
            *i = 2 * *i + 1 + (v > thr[j].pick(*i)) as usize;
        });
    }
    lanes!([0.0; N], |j| leaves[j].pick(idx[j] - (M - 1)))
}

/// Adds a run of complete trees of `M` slots to one row's sum, in tree order.
#[inline(always)]
fn row_run<const M: usize, X: Pick<f32> + ?Sized>(
    b: &Batch<f32>,
    at: usize,
    leaf: usize,
    trees: usize,
    x: &X,
    sum: &mut f32,
) {
    let (thr, col, leaves) = b.complete_run::<M>(at, leaf, trees);
    let mut s = *sum;
    let rest = row_chunks::<M, ROW_TREES, X>(thr, col, leaves, x, &mut s);
    let (thr, col, leaves) = (&thr[rest..], &col[rest..], &leaves[rest..]);
    let rest = row_chunks::<M, 4, X>(thr, col, leaves, x, &mut s);
    let (thr, col, leaves) = (&thr[rest..], &col[rest..], &leaves[rest..]);
    row_chunks::<M, 1, X>(thr, col, leaves, x, &mut s);
    *sum = s;
}

/// [`row_trees`] over the trees in whole chunks of `N`, adding to `s`; returns how many trees
/// it took.
#[inline(always)]
fn row_chunks<const M: usize, const N: usize, X: Pick<f32> + ?Sized>(
    thr: &[[f32; M]],
    col: &[[u16; M]],
    leaves: &[[f32; M]],
    x: &X,
    s: &mut f32,
) -> usize {
    let (thr, _) = thr.as_chunks::<N>();
    let (col, _) = col.as_chunks::<N>();
    let (leaves, _) = leaves.as_chunks::<N>();
    for ((thr, col), leaves) in thr.iter().zip(col).zip(leaves) {
        let v = row_trees(thr, col, leaves, x);
        unroll!(j in N => {
            *s += v[j];
        });
    }
    thr.len() * N
}

impl Batch<f32> {
    /// Adds every tree to the sums `out` of one XGBoost row (as given: rounded to f32 here)
    /// when every item is complete: the row is laid out once as one lane of the batch
    /// columns, so a step is a compare and an index update, with no NaN or leaf test.
    fn row(&self, row: &[f64], out: &mut [f64]) {
        let cols = self.cols + self.nan_cols.len();
        // Power-of-two tables on the stack: masked indices need no bounds check.
        if cols <= 64 {
            self.row_in(&mut [0.0; 64], row, out);
        } else if cols <= 128 {
            self.row_in(&mut [0.0; 128], row, out);
        } else if cols <= 256 {
            self.row_in(&mut [0.0; 256], row, out);
        } else {
            self.row_in(&mut vec![0.0; cols][..], row, out);
        }
    }

    #[inline(always)]
    fn row_in<X: Pick<f32> + AsMut<[f32]> + ?Sized>(
        &self,
        x: &mut X,
        row: &[f64],
        out: &mut [f64],
    ) {
        let f = row.len();
        {
            let x = x.as_mut();
            let (lo, rest) = x.split_at_mut(f);
            let (hi, rest) = rest.split_at_mut(f);
            for ((lo, hi), &v) in lo.iter_mut().zip(hi).zip(row) {
                let v32 = v as f32;
                (*lo, *hi) = if v.is_nan() {
                    (f32::NEG_INFINITY, f32::INFINITY)
                } else {
                    (v32, v32)
                };
            }
            rest[0] = 0.0;
            for (c, &j) in rest[1..].iter_mut().zip(&self.nan_cols) {
                *c = if row[j].is_nan() { f32::INFINITY } else { 0.0 };
            }
        }
        let x = &*x;
        // XGBoost sums in f32 from the f32-rounded base margin.
        let k = out.len();
        let mut small = [0.0f32; 16];
        let mut heap = Vec::new();
        let acc: &mut [f32] = if k <= small.len() {
            &mut small[..k]
        } else {
            heap.resize(k, 0.0);
            &mut heap
        };
        for (a, &o) in acc.iter_mut().zip(out.iter()) {
            *a = o as f32;
        }
        for &(g, item) in &self.items {
            let Item::Complete {
                depth,
                at,
                leaf,
                trees,
                ..
            } = item
            else {
                unreachable!("Batch::row needs complete items only")
            };
            let (at, leaf, trees) = (at as usize, leaf as usize, trees as usize);
            let run = match depth {
                0 => row_run::<1, X>,
                1 => row_run::<2, X>,
                2 => row_run::<4, X>,
                3 => row_run::<8, X>,
                4 => row_run::<16, X>,
                5 => row_run::<32, X>,
                6 => row_run::<64, X>,
                7 => row_run::<128, X>,
                _ => row_run::<256, X>,
            };
            run(self, at, leaf, trees, x, &mut acc[g as usize]);
        }
        for ((o, &a), &t) in out.iter_mut().zip(acc.iter()).zip(&self.touched) {
            if t {
                *o = a as f64;
            }
        }
    }
}

impl<T: Lane> Batch<T> {
    /// Thresholds, columns and leaves of a run of `trees` complete trees of `M` slots each.
    #[inline(always)]
    #[allow(clippy::type_complexity)]
    fn complete_run<const M: usize>(
        &self,
        at: usize,
        leaf: usize,
        trees: usize,
    ) -> (&[[T; M]], &[[u16; M]], &[[T; M]]) {
        let (thr, _) = self.thr[at..at + trees * M].as_chunks::<M>();
        let (col, _) = self.col[at..at + trees * M].as_chunks::<M>();
        let (leaves, _) = self.leaf[leaf..leaf + trees * M].as_chunks::<M>();
        (thr, col, leaves)
    }

    /// Adds every tree to the sums `acc` of the block's rows, laid out in `xs` (one table per
    /// group of [`LANES`] rows); `rows` holds the same rows as given, for the general kernel.
    fn accumulate<G: Cols<T> + ?Sized>(
        &self,
        model: &Model,
        xs: &[&G],
        rows: &[f64],
        acc: &mut [T],
    ) {
        let (f, k) = (model.num_features, model.num_outputs);
        let n = acc.len() / k;
        for &(g, item) in &self.items {
            let g = g as usize;
            match item {
                Item::Complete {
                    depth,
                    at,
                    leaf,
                    trees,
                    wide,
                } => {
                    let (at, leaf, trees) = (at as usize, leaf as usize, trees as usize);
                    if T::MASKS && (MASK_DEPTH..=MASK_MAX_DEPTH).contains(&(depth as usize)) {
                        let run = match depth {
                            4 => run_masks::<T, G, 16>,
                            5 => run_masks::<T, G, 32>,
                            6 => run_masks::<T, G, 64>,
                            _ => run_masks::<T, G, 128>,
                        };
                        run(self, at, leaf, trees, wide as usize, xs, acc, k, g);
                        continue;
                    }
                    let run = match depth {
                        0 => run_complete::<T, G, 1>,
                        1 => run_complete::<T, G, 2>,
                        2 => run_complete::<T, G, 4>,
                        3 => run_complete::<T, G, 8>,
                        4 => run_complete::<T, G, 16>,
                        5 => run_complete::<T, G, 32>,
                        6 => run_complete::<T, G, 64>,
                        7 => run_complete::<T, G, 128>,
                        _ => run_complete::<T, G, 256>,
                    };
                    run(self, at, leaf, trees, xs, acc, k, g);
                }
                Item::Chain { at } => {
                    let r = at as usize..at as usize + CHAIN_NODES;
                    let thr = self.chain_thr[r.clone()].try_into().expect("a chain");
                    let value = self.chain_value[r.clone()].try_into().expect("a chain");
                    let link = self.chain_link[r].try_into().expect("a chain");
                    run_chain(thr, value, link, xs, acc, k, g);
                }
                Item::Slow { tree } => {
                    let t = tree as usize;
                    let tree = &model.trees[t];
                    let weight = self.weight[t];
                    let mut add = |r: usize, v: f64| {
                        let v = match weight {
                            Some(w) => w * T::near(v),
                            None => T::near(v),
                        };
                        let a = &mut acc[r * k + g];
                        *a = *a + v;
                    };
                    let full = n - n % LOCKSTEP_ROWS;
                    for r in (0..full).step_by(LOCKSTEP_ROWS) {
                        let v: [f64; LOCKSTEP_ROWS] = rows_lockstep(tree, rows, f, r);
                        unroll!(i in LOCKSTEP_ROWS => {
                            add(r + i, v[i]);
                        });
                    }
                    for r in full..n {
                        add(r, tree.predict_value(&rows[r * f..(r + 1) * f]));
                    }
                }
            }
        }
    }
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
