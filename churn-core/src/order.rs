//! Sorting and map building for the intake, compiled once.
//!
//! Why this exists: every `sort_by` call site instantiates the standard library's sort for
//! its own element type and comparator (2-9 KB of WebAssembly each), and every
//! `collect::<BTreeMap<_, _>>()` instantiates another one to sort the pairs first. Eighteen
//! of them were ~100 KB of the WASM package's module. Here the standard sort runs on
//! positions with a `dyn` comparator, so it is compiled once; the elements then move into
//! place by swaps (a few dozen bytes per element type). The cost is an indirect call per
//! comparison, which the intake's short lists and one-off sorts do not notice; the prediction
//! and SHAP kernels do not sort.

use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Sorts `v` by `cmp`, stably (equal elements keep their order), like `slice::sort_by`.
pub(crate) fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let order = positions(v.len(), &mut |a, b| cmp(&v[a], &v[b]));
    permute(v, order);
}

/// Sorts `v` by its total order (stably, which `Ord` types cannot tell from unstably).
pub(crate) fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// Sorts `v` by the key `f` gives, stably, like `slice::sort_by_key`.
pub(crate) fn sort_by_key<T, K: Ord>(v: &mut [T], mut f: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| f(a).cmp(&f(b)));
}

/// A map of the pairs, the last value winning for a repeated key (as `collect` does).
pub(crate) fn map_of<K: Ord, V>(pairs: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    for (k, v) in pairs {
        map.insert(k, v);
    }
    map
}

/// `0..n` ordered by `cmp` on positions, stably. The one place the standard sort is compiled.
#[inline(never)]
fn positions(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

/// Rearranges `v` so that `v[i]` becomes the old `v[order[i]]`, following each cycle of the
/// permutation once; `order` must be a permutation of `0..v.len()` (it is marked as it goes).
fn permute<T>(v: &mut [T], mut order: Vec<usize>) {
    for start in 0..v.len() {
        let mut at = start;
        loop {
            let from = order[at];
            order[at] = at;
            if from == start {
                break;
            }
            v.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sort_by_is_the_standard_stable_sort(v in proptest::collection::vec((0u8..6, any::<u16>()), 0..200)) {
            let mut want = v.clone();
            want.sort_by_key(|a| a.0);
            let mut got = v.clone();
            sort_by(&mut got, |a, b| a.0.cmp(&b.0));
            prop_assert_eq!(got, want);
        }

        #[test]
        fn sort_and_sort_by_key_match_the_standard_ones(v in proptest::collection::vec(any::<i32>(), 0..200)) {
            let mut want = v.clone();
            want.sort();
            let mut got = v.clone();
            sort(&mut got);
            prop_assert_eq!(&got, &want);
            let mut want = v.clone();
            want.sort_by_key(|x| x.rem_euclid(7));
            let mut got = v.clone();
            sort_by_key(&mut got, |x| x.rem_euclid(7));
            prop_assert_eq!(got, want);
        }

        #[test]
        fn map_of_is_collect(v in proptest::collection::vec((0u8..20, any::<u32>()), 0..100)) {
            let want: BTreeMap<u8, u32> = v.iter().copied().collect();
            prop_assert_eq!(map_of(v), want);
        }
    }

    #[test]
    fn strings_move_without_loss() {
        let mut v: Vec<String> = ["pear", "fig", "apple", "fig", "kiwi"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        sort_by(&mut v, |a, b| a.len().cmp(&b.len()));
        assert_eq!(v, ["fig", "fig", "pear", "kiwi", "apple"]);
    }
}
