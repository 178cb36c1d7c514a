//! Flat, validated decision trees shared by every model format.
//!
//! A tree is a struct of arrays indexed by node, root at 0, nodes in depth-first pre-order (left
//! child first) so that a descent walks forward through memory. Each format's comparison rule is
//! folded in at load time, so one decision function serves XGBoost and LightGBM alike:
//!
//! * numeric node: go left iff `x <= threshold`, after the model's input rounding (XGBoost rounds
//!   inputs to f32 and compares `x < t`; that equals `x <= t.next_down()` on f32-valued inputs);
//! * missing values follow [`Missing`] and the node's default direction;
//! * categorical node: a category in the node's set goes to the side given by
//!   [`flags::CAT_IN_SET_LEFT`]; negative, huge and non-listed categories go to the other side.

use crate::error::{Error, Location, Result};

/// Marks a missing child: the node is a leaf.
pub(crate) const LEAF: u32 = u32::MAX;

/// Deepest tree accepted. Far beyond any trained model (depth 60-170 is the deepest seen in
/// user reports), and small enough that per-path buffers stay tiny and a hostile 100k-deep
/// chain is refused at load time instead of making SHAP quadratic in its depth.
pub const MAX_DEPTH: usize = 1024;

/// Node flag bits.
pub(crate) mod flags {
    /// Missing values take the left child.
    pub const DEFAULT_LEFT: u8 = 1;
    /// The split tests membership in a category set.
    pub const CATEGORICAL: u8 = 2;
    /// Missing handling, two bits: see [`super::Missing`].
    pub const MISSING_SHIFT: u8 = 2;
    pub const MISSING_MASK: u8 = 0b1100;
    /// Categorical: members of the set go left (LightGBM) rather than right (XGBoost).
    pub const CAT_IN_SET_LEFT: u8 = 16;
    /// Categorical: the category is `trunc(x)` and only `trunc(x) < 0` is invalid (LightGBM);
    /// otherwise any `x < 0` is invalid (XGBoost).
    pub const CAT_TRUNCATE: u8 = 32;
    /// Categorical (XGBoost < 1.7): negative codes and codes past the node's bit field (32 x
    /// the words needed for its largest category) take the default child.
    pub const CAT_OUT_OF_RANGE_DEFAULT: u8 = 64;
}

/// How a numeric split treats missing values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    /// NaN takes the default child (XGBoost; LightGBM missing type `NaN`).
    Nan = 0,
    /// NaN is replaced by 0.0 and compared like any number (LightGBM missing type `None`).
    AsZero = 1,
    /// NaN and values within ±1e-35 take the default child (LightGBM missing type `Zero`).
    Zero = 2,
}

/// LightGBM's `kZeroThreshold`: a double initialised from the float literal `1e-35f`.
const ZERO_THRESHOLD: f64 = 1e-35_f32 as f64;

/// A validated tree. Built only through [`RawTree::validate`].
#[derive(Clone, Debug)]
pub struct Tree {
    pub(crate) left: Vec<u32>,
    pub(crate) right: Vec<u32>,
    pub(crate) feature: Vec<u32>,
    pub(crate) threshold: Vec<f64>,
    pub(crate) flags: Vec<u8>,
    /// Categorical nodes: index of the node's set in `cat_bounds`.
    pub(crate) cat_set: Vec<u32>,
    /// Leaf output (shrinkage applied); internal nodes hold 0.
    pub(crate) value: Vec<f64>,
    /// Hessian sum (XGBoost) or row count (LightGBM): TreeSHAP's cover.
    pub(crate) cover: Vec<f64>,
    /// Sorted category values of set `s`: `cat_values[cat_bounds[s]..cat_bounds[s + 1]]`.
    pub(crate) cat_bounds: Vec<u32>,
    pub(crate) cat_values: Vec<u32>,
    pub(crate) depth: usize,
    /// The same tree packed for prediction: one 16-byte node per cache-line quarter.
    pub(crate) packed: Vec<Packed>,
    /// Most leaves sit near the maximum depth, so a fixed number of branch-free steps beats
    /// testing for a leaf at every level (measured: XGBoost depth-limited trees gain ~30%,
    /// LightGBM leaf-wise trees lose).
    pub(crate) balanced: bool,
    /// No node needs the full decision ([`packed::SLOW`]): descents can skip that test.
    pub(crate) plain: bool,
}

/// A node packed for descent. In pre-order the left child is the next node, so only the right
/// child is stored. `meta` holds the feature (low 24 bits) and [`packed`] flags (high 8 bits);
/// `value` is the threshold of a split. A leaf has threshold NaN and itself as right child, so
/// a step from a leaf stays there without a test (its output is in [`Tree::value`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Packed {
    pub value: f64,
    pub meta: u32,
    pub right: u32,
}

/// Flags of [`Packed::meta`].
pub(crate) mod packed {
    pub const SHIFT: u32 = 24;
    pub const FEATURE_MASK: u32 = (1 << SHIFT) - 1;
    pub const LEAF: u32 = 1 << SHIFT;
    /// Missing values go left. For LightGBM missing type None (NaN compared as 0) this is
    /// folded at load time: `0 <= threshold`.
    pub const NAN_LEFT: u32 = 2 << SHIFT;
    /// Needs the full decision (categorical, LightGBM missing type Zero).
    pub const SLOW: u32 = 4 << SHIFT;
}

/// A tree as read from a file, before validation. Children are file indices, negative = none.
#[derive(Clone, Debug, Default)]
pub(crate) struct RawTree {
    pub left: Vec<i64>,
    pub right: Vec<i64>,
    pub feature: Vec<i64>,
    pub threshold: Vec<f64>,
    pub flags: Vec<u8>,
    pub cat_set: Vec<u32>,
    pub value: Vec<f64>,
    pub cover: Vec<f64>,
    /// Category sets referenced by `cat_set`, each sorted and deduplicated.
    pub cat_sets: Vec<Vec<u32>>,
}

impl RawTree {
    /// Checks the structure and builds the flat tree.
    ///
    /// Iterative throughout: a node reached twice (cycle, shared child), a child out of range,
    /// a feature out of range, a NaN threshold, a bad cover or a tree deeper than [`MAX_DEPTH`]
    /// is an error naming the tree, the node (as numbered in the file) and the field.
    /// Nodes not reachable from the root (XGBoost keeps pruned nodes) are dropped.
    pub(crate) fn validate(self, tree: usize, num_features: usize) -> Result<Tree> {
        self.check_lengths(tree)?;
        let at = || Location::tree(tree);
        let Preorder {
            new_index,
            order,
            depth_of,
            max_depth,
        } = self.preorder(tree)?;

        let m = order.len();
        let mut out = Tree {
            left: Vec::with_capacity(m),
            right: Vec::with_capacity(m),
            feature: Vec::with_capacity(m),
            threshold: Vec::with_capacity(m),
            flags: Vec::with_capacity(m),
            cat_set: Vec::with_capacity(m),
            value: Vec::with_capacity(m),
            cover: Vec::with_capacity(m),
            cat_bounds: vec![0],
            cat_values: Vec::new(),
            depth: max_depth,
            packed: Vec::new(),
            balanced: false,
            plain: false,
        };
        let mut set_map: Vec<u32> = vec![LEAF; self.cat_sets.len()];
        for &node in &order {
            let cover = self.cover[node];
            if !cover.is_finite() || cover < 0.0 {
                return Err(Error::model(
                    at().node(node).field("cover"),
                    format!("cover must be a finite non-negative number, found {cover}"),
                ));
            }
            out.cover.push(cover);
            let is_leaf = self.left[node] < 0;
            if is_leaf {
                let v = self.value[node];
                if !v.is_finite() {
                    return Err(Error::model(
                        at().node(node).field("leaf value"),
                        format!("leaf value must be finite, found {v}"),
                    ));
                }
                out.left.push(LEAF);
                out.right.push(LEAF);
                out.feature.push(0);
                out.threshold.push(0.0);
                out.flags.push(0);
                out.cat_set.push(0);
                out.value.push(v);
                continue;
            }
            self.copy_split(&mut out, tree, node, &new_index, &mut set_map, num_features)?;
        }
        out.packed = out.pack();
        out.plain = out.packed.iter().all(|p| p.meta & packed::SLOW == 0);
        let (mut leaves, mut depth_sum) = (0usize, 0usize);
        for (i, &node) in order.iter().enumerate() {
            if self.left[node] < 0 {
                leaves += 1;
                depth_sum += depth_of[i] as usize;
            }
        }
        out.balanced = 4 * depth_sum >= 3 * leaves * max_depth;
        Ok(out)
    }
}

/// A tree's reachable nodes in the new pre-order numbering.
struct Preorder {
    /// New index of each node of the file (`LEAF` when unreachable).
    new_index: Vec<u32>,
    /// The file's node at each new index.
    order: Vec<usize>,
    /// Depth of each node, by new index.
    depth_of: Vec<u32>,
    max_depth: usize,
}

impl RawTree {
    /// Every per-node array has one entry per node.
    fn check_lengths(&self, tree: usize) -> Result<()> {
        let n = self.left.len();
        let at = || Location::tree(tree);
        if n == 0 {
            return Err(Error::model(at(), "tree has no nodes"));
        }
        for (name, len) in [
            ("right_children", self.right.len()),
            ("split_indices", self.feature.len()),
            ("split_conditions", self.threshold.len()),
            ("decision flags", self.flags.len()),
            ("categorical sets", self.cat_set.len()),
            ("leaf values", self.value.len()),
            ("cover", self.cover.len()),
        ] {
            if len != n {
                return Err(Error::model(
                    at().field(name),
                    format!("has {len} entries but the tree has {n} nodes"),
                ));
            }
        }

        Ok(())
    }

    /// Depth-first from the root, numbering nodes in pre-order; a node reached twice, a child
    /// out of range or a tree deeper than [`MAX_DEPTH`] is an error.
    fn preorder(&self, tree: usize) -> Result<Preorder> {
        let n = self.left.len();
        let at = || Location::tree(tree);
        let mut new_index = vec![LEAF; n];
        let mut order: Vec<usize> = Vec::new();
        let mut depth_of: Vec<u32> = Vec::new();
        let mut stack: Vec<(usize, u32)> = vec![(0, 0)];
        let mut max_depth = 0usize;
        while let Some((node, depth)) = stack.pop() {
            if new_index[node] != LEAF {
                return Err(Error::model(
                    at().node(node),
                    "node is reached twice (the tree has a cycle or a shared child)",
                ));
            }
            if depth as usize > MAX_DEPTH {
                return Err(Error::model(
                    at().node(node),
                    format!("tree is deeper than the supported maximum of {MAX_DEPTH} levels"),
                ));
            }
            max_depth = max_depth.max(depth as usize);
            new_index[node] = order.len() as u32;
            order.push(node);
            depth_of.push(depth);
            let (l, r) = (self.left[node], self.right[node]);
            if l < 0 && r < 0 {
                continue;
            }
            for (name, child) in [("left_children", l), ("right_children", r)] {
                if child < 0 || child as u64 >= n as u64 {
                    return Err(Error::model(
                        at().node(node).field(name),
                        format!("child index {child} is outside 0..{n}"),
                    ));
                }
            }
            // Push right first so the left subtree is numbered first.
            stack.push((r as usize, depth + 1));
            stack.push((l as usize, depth + 1));
        }

        Ok(Preorder {
            new_index,
            order,
            depth_of,
            max_depth,
        })
    }

    /// Appends split `node` (children renumbered, category set copied once) to `out`.
    fn copy_split(
        &self,
        out: &mut Tree,
        tree: usize,
        node: usize,
        new_index: &[u32],
        set_map: &mut [u32],
        num_features: usize,
    ) -> Result<()> {
        let at = || Location::tree(tree);
        out.left.push(new_index[self.left[node] as usize]);
        out.right.push(new_index[self.right[node] as usize]);
        let f = self.feature[node];
        if f < 0 || f as u64 >= num_features as u64 {
            return Err(Error::model(
                at().node(node).field("split feature"),
                format!("feature index {f} is outside 0..{num_features}"),
            ));
        }
        out.feature.push(f as u32);
        let fl = self.flags[node];
        if (fl & flags::MISSING_MASK) >> flags::MISSING_SHIFT > 2 {
            return Err(Error::model(
                at().node(node).field("decision_type"),
                "unknown missing-value type",
            ));
        }
        out.flags.push(fl);
        out.value.push(0.0);
        if fl & flags::CATEGORICAL != 0 {
            out.threshold.push(0.0);
            let s = self.cat_set[node] as usize;
            let Some(set) = self.cat_sets.get(s) else {
                return Err(Error::model(
                    at().node(node).field("categories"),
                    format!("category set {s} does not exist"),
                ));
            };
            if set_map[s] == LEAF {
                set_map[s] = (out.cat_bounds.len() - 1) as u32;
                out.cat_values.extend_from_slice(set);
                out.cat_bounds.push(out.cat_values.len() as u32);
            }
            out.cat_set.push(set_map[s]);
        } else {
            let t = self.threshold[node];
            if t.is_nan() {
                return Err(Error::model(
                    at().node(node).field("threshold"),
                    "threshold is NaN",
                ));
            }
            out.threshold.push(t);
            out.cat_set.push(0);
        }
        Ok(())
    }
}

impl Tree {
    fn pack(&self) -> Vec<Packed> {
        (0..self.num_nodes())
            .map(|n| {
                if self.is_leaf(n) {
                    // A leaf points to itself and no value compares <= NaN, so a fixed number
                    // of steps (the depth) can run without testing for leaves.
                    return Packed {
                        value: f64::NAN,
                        meta: packed::LEAF,
                        right: n as u32,
                    };
                }
                debug_assert_eq!(self.left[n] as usize, n + 1, "pre-order");
                let fl = self.flags[n];
                let t = self.threshold[n];
                let mut meta = self.feature[n];
                let missing = (fl & flags::MISSING_MASK) >> flags::MISSING_SHIFT;
                if fl & flags::CATEGORICAL != 0 || missing == Missing::Zero as u8 {
                    meta |= packed::SLOW;
                } else if (missing == Missing::Nan as u8 && fl & flags::DEFAULT_LEFT != 0)
                    || (missing == Missing::AsZero as u8 && 0.0 <= t)
                {
                    meta |= packed::NAN_LEFT;
                }
                Packed {
                    value: t,
                    meta,
                    right: self.right[n],
                }
            })
            .collect()
    }

    /// One step of a descent: the next node from `n` (a leaf stays where it is). Written so
    /// that the common case compiles to conditional moves, not branches.
    #[inline(always)]
    pub(crate) fn step(&self, n: usize, row: &[f64]) -> usize {
        let p = self.packed[n];
        let x = row[(p.meta & packed::FEATURE_MASK) as usize];
        let left = if p.meta & packed::SLOW == 0 {
            (x <= p.value) | (x.is_nan() & (p.meta & packed::NAN_LEFT != 0))
        } else {
            self.goes_left(n, x)
        };
        if left {
            n + 1
        } else {
            p.right as usize
        }
    }

    /// The output of the leaf a row falls into, by the packed nodes: `depth` branch-free steps
    /// when the tree is balanced, else until a leaf is reached.
    #[inline]
    pub(crate) fn predict_value(&self, row: &[f64]) -> f64 {
        let mut n = 0usize;
        if self.balanced {
            for _ in 0..self.depth {
                n = self.step(n, row);
            }
        } else {
            while self.packed[n].meta & packed::LEAF == 0 {
                n = self.step(n, row);
            }
        }
        self.value[n]
    }

    /// Number of (reachable) nodes.
    pub fn num_nodes(&self) -> usize {
        self.left.len()
    }

    /// Number of leaves.
    pub fn num_leaves(&self) -> usize {
        self.left.iter().filter(|&&l| l == LEAF).count()
    }

    /// Longest root-to-leaf path, in edges.
    pub fn depth(&self) -> usize {
        self.depth
    }

    #[inline]
    pub(crate) fn is_leaf(&self, node: usize) -> bool {
        self.left[node] == LEAF
    }

    /// Whether a row with value `x` for this node's feature goes to the left child.
    /// `x` must already carry the model's input rounding.
    #[inline]
    pub(crate) fn goes_left(&self, node: usize, x: f64) -> bool {
        let fl = self.flags[node];
        if fl & flags::CATEGORICAL != 0 {
            return self.categorical_left(node, x, fl);
        }
        let mut x = x;
        match (fl & flags::MISSING_MASK) >> flags::MISSING_SHIFT {
            0 => {
                if x.is_nan() {
                    return fl & flags::DEFAULT_LEFT != 0;
                }
            }
            1 => {
                if x.is_nan() {
                    x = 0.0;
                }
            }
            _ => {
                if x.is_nan() || (-ZERO_THRESHOLD..=ZERO_THRESHOLD).contains(&x) {
                    return fl & flags::DEFAULT_LEFT != 0;
                }
            }
        }
        x <= self.threshold[node]
    }

    #[cold]
    fn categorical_left(&self, node: usize, x: f64, fl: u8) -> bool {
        let in_set_left = fl & flags::CAT_IN_SET_LEFT != 0;
        if x.is_nan() {
            // XGBoost: the default child; LightGBM: always right.
            return if fl & flags::CAT_TRUNCATE != 0 {
                false
            } else {
                fl & flags::DEFAULT_LEFT != 0
            };
        }
        let s = self.cat_set[node] as usize;
        let lo = self.cat_bounds[s] as usize;
        let hi = self.cat_bounds[s + 1] as usize;
        let set = &self.cat_values[lo..hi];
        if fl & flags::CAT_OUT_OF_RANGE_DEFAULT != 0 {
            let words = set.last().map_or(0, |&m| m as u64 / 32 + 1);
            if x < 0.0 || x >= (words * 32) as f64 {
                return fl & flags::DEFAULT_LEFT != 0;
            }
        }
        let valid = if fl & flags::CAT_TRUNCATE != 0 {
            // C++ `static_cast<int>`: truncation; out of int range counts as negative.
            x > -1.0 && x < 2147483648.0
        } else {
            (0.0..16777216.0).contains(&x)
        };
        let in_set = valid && set.binary_search(&(x.trunc() as u32)).is_ok();
        in_set == in_set_left
    }

    /// The leaf a row falls into. `row` holds the rounded feature values.
    #[cfg(test)]
    #[inline]
    pub(crate) fn leaf(&self, row: &[f64]) -> usize {
        let mut node = 0usize;
        while !self.is_leaf(node) {
            let x = row[self.feature[node] as usize];
            node = if self.goes_left(node, x) {
                self.left[node] as usize
            } else {
                self.right[node] as usize
            };
        }
        node
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stump(flag: u8, threshold: f64) -> Tree {
        RawTree {
            left: vec![1, -1, -1],
            right: vec![2, -1, -1],
            feature: vec![0, 0, 0],
            threshold: vec![threshold, 0.0, 0.0],
            flags: vec![flag, 0, 0],
            cat_set: vec![0, 0, 0],
            value: vec![0.0, -1.0, 1.0],
            cover: vec![2.0, 1.0, 1.0],
            cat_sets: vec![vec![1, 3]],
        }
        .validate(0, 1)
        .unwrap()
    }

    #[test]
    fn missing_types_route_like_lightgbm() {
        let none = stump((Missing::AsZero as u8) << flags::MISSING_SHIFT, 0.5);
        assert_eq!(none.leaf(&[f64::NAN]), 1, "NaN compares as 0 <= 0.5");
        let zero = stump((Missing::Zero as u8) << flags::MISSING_SHIFT, -0.5);
        assert_eq!(zero.leaf(&[0.0]), 2, "zero is missing and defaults right");
        assert_eq!(zero.leaf(&[1e-36]), 2);
        assert_eq!(zero.leaf(&[-1.0]), 1);
        let nan = stump(flags::DEFAULT_LEFT, -0.5);
        assert_eq!(nan.leaf(&[f64::NAN]), 1);
        assert_eq!(nan.leaf(&[0.0]), 2);
    }

    #[test]
    fn categorical_sides_follow_each_format() {
        let xgb = stump(flags::CATEGORICAL, 0.0);
        assert_eq!(xgb.leaf(&[3.0]), 2, "XGBoost: in the set goes right");
        assert_eq!(xgb.leaf(&[2.0]), 1);
        assert_eq!(xgb.leaf(&[-0.5]), 1, "negative is invalid and goes left");
        let lgb = stump(
            flags::CATEGORICAL | flags::CAT_IN_SET_LEFT | flags::CAT_TRUNCATE,
            0.0,
        );
        assert_eq!(lgb.leaf(&[3.0]), 1, "LightGBM: in the set goes left");
        assert_eq!(lgb.leaf(&[1.7]), 1, "truncated to 1");
        assert_eq!(lgb.leaf(&[f64::NAN]), 2);
        assert_eq!(lgb.leaf(&[-3.0]), 2);
        assert_eq!(lgb.leaf(&[1e12]), 2);
    }

    #[test]
    fn cycles_and_shared_children_are_refused() {
        let raw = RawTree {
            left: vec![1, 0],
            right: vec![1, 0],
            feature: vec![0, 0],
            threshold: vec![0.0, 0.0],
            flags: vec![0, 0],
            cat_set: vec![0, 0],
            value: vec![0.0, 0.0],
            cover: vec![1.0, 1.0],
            cat_sets: vec![],
        };
        let err = raw.validate(4, 1).unwrap_err().to_string();
        assert!(err.contains("tree 4"), "{err}");
        assert!(err.contains("reached twice"), "{err}");
    }
}
