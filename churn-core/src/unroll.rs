//! Loops over lanes written out element by element in WebAssembly, for the prediction and
//! SHAP kernels.
//!
//! The kernels keep a handful of rows (lanes) or trees side by side in fixed-size arrays and
//! rely on every lane loop becoming straight-line code, so that the arrays live in registers
//! (or vectors). `std::array::from_fn` and plain `for` loops only become that when LLVM inlines
//! the closure and fully unrolls the loop, which it does at opt-level 3 but not when
//! optimising for size: the WebAssembly module is built at opt-level "s" (issue 6, 1 MB
//! budget), where SHAP ran three to ten times slower that way. These macros write the lanes out
//! with constant indices, which gives the same code at every opt-level. Lanes past the count
//! are behind `if k < n` tests on constants, which cost nothing after monomorphisation.
//!
//! Native builds (opt-level 3) keep `from_fn` and plain loops: there LLVM's loop vectoriser
//! packs the lanes into SIMD registers. The written-out form, left to the SLP vectoriser, was
//! 10-20% slower there on three of the criterion benchmarks (`benches/engine.rs`: xgb 100x4
//! predict and SHAP, one row of xgb 500x6) and faster on one (xgb 500x6 predict), 2026-11-29.

/// Runs `$body` with `$i` = 0, 1, ..., `$n - 1` (`$n` a constant): written out for the first
/// 16, a loop after that.
#[cfg(target_arch = "wasm32")]
macro_rules! unroll {
    ($i:ident in $n:expr => $body:block) => {{
        unroll!(@each $i $n $body; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
        let mut next = 16;
        while next < $n {
            let $i = next;
            $body
            next += 1;
        }
    }};
    (@each $i:ident $n:tt $body:block; $($k:literal)*) => {
        // Lanes past `$n` are never run, but the lint checks indices before branches fold.
        $(
            #[allow(unconditional_panic)]
            let () = if $k < $n {
                let $i: usize = $k;
                $body
            };
        )*
    };
}

/// `$init` (an array) with element `$i` set to `$e` for every `$i`: what
/// `std::array::from_fn(|$i| $e)` gives, written out as [`unroll!`] does. `$init` should be
/// all zero bits (`[0.0; L]`, `[0; N]`): an array that starts as a memset is split into
/// registers at every opt-level, while one filled from a value takes a loop.
#[cfg(target_arch = "wasm32")]
macro_rules! lanes {
    ($init:expr, |$i:ident| $e:expr) => {{
        let mut out = $init;
        let n = out.len();
        unroll!($i in n => {
            out[$i] = $e;
        });
        out
    }};
}

#[cfg(not(target_arch = "wasm32"))]
macro_rules! unroll {
    ($i:ident in $n:expr => $body:block) => {{
        // Lanes are indexed, as in the written-out form.
        #[allow(clippy::needless_range_loop)]
        for $i in 0..$n $body
    }};
}

#[cfg(not(target_arch = "wasm32"))]
macro_rules! lanes {
    ($init:expr, |$i:ident| $e:expr) => {
        $crate::unroll::like($init, std::array::from_fn(|$i| $e))
    };
}

/// `a`, typed like `_shape`: keeps the native [`lanes!`] typed by its `$init` like the written-out
/// one.
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
pub(crate) fn like<T, const N: usize>(_shape: [T; N], a: [T; N]) -> [T; N] {
    a
}
