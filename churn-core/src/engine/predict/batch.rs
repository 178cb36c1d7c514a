//! The batch kernels: all trees laid out once as flat arrays ([`Batch`]: runs of complete
//! trees, chains of other trees, slow items), walked by groups of rows side by side.
//!
//! Split from the prediction entry points (`mod.rs`), which choose between these kernels and
//! the single-row forest walk.

use super::*;
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
pub(super) const LANES: usize = 8;

/// One group of [`LANES`] rows as the batch kernels read them: `cols[c][lane]`, with columns
/// `[x with NaN as -inf | x with NaN as +inf | 0]` (`2F + 1`). A split's column picks the half
/// that sends NaN the node's way, so every decision is the one comparison `x > thr` (go
/// right): no NaN test and no flag. Reading NaN as +inf is wrong only against `thr = +inf`,
/// and trees with such a split keep the general kernel.
///
/// Aligned so that a vector compare can read a column straight from memory.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(32))]
pub(crate) struct Group<T>(pub(super) [T; LANES]);

impl<T> std::ops::Deref for Group<T> {
    type Target = [T; LANES];
    #[inline(always)]
    fn deref(&self) -> &[T; LANES] {
        &self.0
    }
}

/// Most columns of the fixed-size group table (`F <= 127`), whose `u8`-masked index needs
/// no bounds check.
pub(super) const SMALL_COLS: usize = 256;

/// Widest group table of the batch kernels. In WebAssembly only the fixed-size table is
/// compiled: a second copy of the kernels for wider tables cost 15 KB of the 1 MB module
/// (issue 6), so models wider than that (more than 85 to 127 features, by their missing-value
/// columns) run tree by tree there, as categorical trees do: same bits, slower.
pub(super) const MAX_TABLE_COLS: usize = if cfg!(target_arch = "wasm32") {
    SMALL_COLS
} else {
    usize::MAX
};

/// Element access by an index that is in range by construction.
pub(super) trait Pick<E> {
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

pub(super) trait Cols<T> {
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
pub(super) enum Item {
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
pub(super) const COMPLETE_MAX_DEPTH: usize = 8;

/// Slots of a chain: 16384 x 20 bytes (f64) stays in L2 while a block's rows pass, and a chain
/// of that many nodes is long enough that rows finish it at nearly the same step.
pub(super) const CHAIN_NODES: usize = 16384;

/// The last slot of every chain.
pub(super) const SINK: usize = CHAIN_NODES - 1;

/// All trees laid out for batches, struct-of-arrays so that every access is one load with a
/// scaled index.
#[derive(Debug)]
pub(super) struct Batch<T> {
    /// Columns of a laid-out row before the NaN indicators: `2F + 1`.
    pub(super) cols: usize,
    /// Features with a NaN indicator column (+inf if NaN, else 0; split at 0), in column
    /// order after `cols`.
    pub(super) nan_cols: Vec<usize>,
    /// `(output, item)` in an order that adds each output's trees in tree order.
    pub(super) items: Vec<(u32, Item)>,
    /// Complete trees: threshold and column of each split, and leaf values.
    pub(super) thr: Vec<T>,
    pub(super) col: Vec<u16>,
    /// Runs for [`top_masks16`]: the top 15 thresholds of each tree (16 slots), each repeated
    /// for a half group, the operand of a vector compare.
    pub(super) top: Vec<[T; 4]>,
    pub(super) leaf: Vec<T>,
    /// Chains: threshold (`-inf` on leaves, which read the constant 0 column and so always go
    /// "right", to the next root), value, and `column | right << 16` of each node.
    pub(super) chain_thr: Vec<T>,
    pub(super) chain_value: Vec<T>,
    pub(super) chain_link: Vec<u32>,
    /// Per tree, the weight XGBoost multiplies its output by (DART), if not 1.
    pub(super) weight: Vec<Option<T>>,
    /// Outputs that some tree adds to: the others keep their base margin as it is.
    pub(super) touched: Vec<bool>,
    /// Every item is [`Item::Complete`]: [`Batch::row`] applies.
    pub(super) complete: bool,
}

#[derive(Debug)]
pub(super) enum Kernels {
    F32(Batch<f32>),
    F64(Batch<f64>),
}

impl<T: Lane> Batch<T> {
    /// The layout of `model`'s trees; a model whose table would be wider than `max_cols`
    /// columns runs every tree as [`Item::Slow`].
    pub(super) fn build(model: &Model, max_cols: usize) -> Batch<T> {
        let f = model.num_features;
        let k = model.num_outputs;
        let mut l = Layout {
            b: Batch {
                cols: 2 * f + 1,
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
            },
            indicator: vec![None; f],
            konst: (2 * f) as u16,
        };
        for (t, &w) in model.tree_weight.iter().enumerate() {
            l.b.touched[model.tree_group[t] as usize] = true;
            l.b.weight.push(match model.format {
                Format::XGBoost if w as f32 != 1.0 => Some(T::near(w as f32 as f64)),
                _ => None,
            });
        }
        for g in 0..k {
            // The open chain: its first slot and the next free one.
            let mut open: Option<(usize, usize)> = None;
            // Whether the last item is a run of complete trees still open to more.
            let mut run = false;
            for (t, tree) in model.trees.iter().enumerate() {
                if model.tree_group[t] as usize != g {
                    continue;
                }
                // Room for a NaN indicator column per feature.
                let fits = tree.plain && l.b.cols + f <= 1 << 16 && tree.packed.len() < SINK;
                if !fits {
                    (open, run) = (None, false);
                    l.b.items.push((g as u32, Item::Slow { tree: t as u32 }));
                } else if tree.balanced && tree.depth <= COMPLETE_MAX_DEPTH {
                    open = None;
                    l.add_complete(g, t, tree, run);
                    run = true;
                } else {
                    run = false;
                    open = l.add_to_chain(g, t, tree, open);
                }
            }
        }
        let mut b = l.b;
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

/// A [`Batch`] being laid out, with the NaN indicator column of each feature that has one.
pub(super) struct Layout<T> {
    pub(super) b: Batch<T>,
    pub(super) indicator: Vec<Option<u16>>,
    /// The constant-0 column.
    pub(super) konst: u16,
}

impl<T: Lane> Layout<T> {
    /// Column and threshold of a split: the half of the laid-out row that sends NaN where
    /// the node sends it, except that `x <= +inf` with NaN going right separates NaN from
    /// everything else (LightGBM writes such splits), which reads a NaN indicator column.
    pub(super) fn split(&mut self, p: &Packed) -> (u16, T) {
        let Layout { b, indicator, .. } = self;
        let (f, cols) = (indicator.len(), b.cols);
        let j = (p.meta & packed::FEATURE_MASK) as usize;
        let thr = T::down(p.value);
        if p.meta & packed::NAN_LEFT != 0 {
            (j as u16, thr)
        } else if thr < T::POS_INF {
            ((j + f) as u16, thr)
        } else {
            let nan_cols = &mut b.nan_cols;
            let c = *indicator[j].get_or_insert_with(|| {
                nan_cols.push(j);
                (cols + nan_cols.len() - 1) as u16
            });
            (c, T::ZERO)
        }
    }

    /// Leaf value `v` of tree `t`, times the tree's weight.
    pub(super) fn leaf_value(&self, t: usize, v: f64) -> T {
        match self.b.weight[t] {
            Some(w) => w * T::near(v),
            None => T::near(v),
        }
    }

    /// Lays out balanced tree `t` as a complete tree, joining the open run of complete trees
    /// (`run`) if padding it to the run's depth costs at most one step.
    pub(super) fn add_complete(&mut self, g: usize, t: usize, tree: &Tree, run: bool) {
        let b = &mut self.b;
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
                let item = Item::Complete {
                    depth: d as u32,
                    at: b.thr.len() as u32,
                    leaf: b.leaf.len() as u32,
                    trees: 1,
                    wide: b.top.len() as u32,
                };
                b.items.push((g as u32, item));
                d
            }
        };
        let at = b.thr.len();
        let leaf = b.leaf.len();
        let first_leaf = (1 << d) - 1;
        b.thr.resize(at + (1 << d), T::ZERO);
        b.col.resize(at + (1 << d), self.konst);
        b.leaf.resize(leaf + (1 << d), T::ZERO);
        // (tree node, position in the complete tree)
        let mut stack = vec![(0usize, 0usize)];
        while let Some((n, pos)) = stack.pop() {
            let p = &tree.packed[n];
            if pos >= first_leaf {
                self.b.leaf[leaf + pos - first_leaf] = self.leaf_value(t, tree.value[n]);
            } else if p.meta & packed::LEAF != 0 {
                // Pass-through: the constant column (0 > 0 is false) goes left,
                // and both subtrees end in copies of this leaf.
                stack.push((n, 2 * pos + 1));
                stack.push((n, 2 * pos + 2));
            } else {
                (self.b.col[at + pos], self.b.thr[at + pos]) = self.split(p);
                stack.push((n + 1, 2 * pos + 1));
                stack.push((p.right as usize, 2 * pos + 2));
            }
        }
        if T::MASKS && (MASK_DEPTH..=MASK_MAX_DEPTH).contains(&d) {
            let b = &mut self.b;
            b.top.extend(b.thr[at..at + 16].iter().map(|&t| [t; 4]));
        }
    }

    /// Appends tree `t` to the open chain (a new one when it does not fit); returns the chain
    /// still open after it.
    pub(super) fn add_to_chain(
        &mut self,
        g: usize,
        t: usize,
        tree: &Tree,
        open: Option<(usize, usize)>,
    ) -> Option<(usize, usize)> {
        let konst = self.konst;
        let neg_zero = -T::ZERO;
        let len = tree.packed.len();
        let b = &mut self.b;
        let (start, root) = match open {
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
                self.b.chain_thr[s] = T::NEG_INF;
                self.b.chain_value[s] = self.leaf_value(t, tree.value[n]);
                self.b.chain_link[s] = konst as u32 | (end as u32) << 16;
            } else {
                let (c, thr) = self.split(p);
                self.b.chain_thr[s] = thr;
                self.b.chain_value[s] = neg_zero;
                self.b.chain_link[s] = c as u32 | (root as u32 + p.right) << 16;
            }
        }
        // A chain whose last tree ends at the sink itself: its leaves already point there.
        (end != SINK).then_some((start, end))
    }
}

/// Leaf values of one group of rows in a complete tree of `2^depth = M` leaves: `depth` steps
/// of `i = 2i + 1 + (x > thr)`.
#[inline(always)]
pub(super) fn complete_lanes<T, S, C, G>(
    thr: &S,
    col: &C,
    leaves: &S,
    depth: u32,
    grp: &G,
) -> [T; LANES]
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
pub(super) const MASK_DEPTH: usize = 4;

/// Deepest complete tree whose top levels take [`top_masks16`]: at depth 8 the 4 scalar steps
/// left after them made the whole slower than 8 scalar steps (measured, 100 trees: +7%).
pub(super) const MASK_MAX_DEPTH: usize = 7;

/// `b` in the lanes where `s` is set, else `a`.
#[inline(always)]
pub(super) fn blend(s: &[i32; 4], a: &[i32; 4], b: &[i32; 4]) -> [i32; 4] {
    lanes!([0; 4], |l| (a[l] & !s[l]) | (b[l] & s[l]))
}

/// Positions at level 4 (`0..16`) of lanes `4h..4h + 4` of a group in a complete tree: the
/// top 15 splits compared for every lane, then each lane's path picked level by level with
/// mask selects. Written out level by level: as loops, LLVM turned the selects into scalar
/// code.
#[inline(always)]
pub(super) fn half_masks16<T: Lane, G: Cols<T> + ?Sized>(
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
pub(super) fn top_masks16<T: Lane, G: Cols<T> + ?Sized>(
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
pub(super) fn chain_lanes<T: Lane, G: Cols<T> + ?Sized>(
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
pub(super) fn load_sums<T: Lane, const N: usize>(
    acc: &[T],
    rows: Range<usize>,
    k: usize,
    g: usize,
) -> [T; N] {
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
pub(super) fn store_sums<T: Lane, const N: usize>(
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
pub(super) fn run_chain<T: Lane, G: Cols<T> + ?Sized>(
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
pub(super) fn run_complete<T: Lane, G: Cols<T> + ?Sized, const M: usize>(
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
pub(super) fn run_masks<T: Lane, G: Cols<T> + ?Sized, const M: usize>(
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
pub(super) const ROW_TREES: usize = 16;

/// Leaf values of one row (columns `x`, laid out as one lane of a [`Group`]) in `N` complete
/// trees of `M = 2^depth` slots, descended together.
#[inline(always)]
pub(super) fn row_trees<const M: usize, const N: usize, X: Pick<f32> + ?Sized>(
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
pub(super) fn row_run<const M: usize, X: Pick<f32> + ?Sized>(
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
pub(super) fn row_chunks<const M: usize, const N: usize, X: Pick<f32> + ?Sized>(
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
    pub(super) fn row(&self, row: &[f64], out: &mut [f64]) {
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
    pub(super) fn row_in<X: Pick<f32> + AsMut<[f32]> + ?Sized>(
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
    pub(super) fn complete_run<const M: usize>(
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
    pub(super) fn accumulate<G: Cols<T> + ?Sized>(
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
