#!/usr/bin/env bash
# Builds the npm package churnlens-wasm into pkg/:
#   pkg/web/      ES module for browsers (`<script type="module">`): call init() or initSync() first
#   pkg/bundler/  ES module for bundlers (webpack, Vite, Rollup) that import .wasm files
# Needs the wasm32-unknown-unknown target and wasm-bindgen-cli at the version pinned in
# Cargo.toml (.ci/wasm.sh installs both), and `npm ci` here first for wasm-opt (binaryen, a
# devDependency; CHURNLENS_WASM_OPT=off skips it). Sizes and speeds: README.md, "Size and speed".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# A target dir of its own, so that the profile below does not evict the native builds.
export CARGO_TARGET_DIR="${CHURNLENS_WASM_TARGET_DIR:-$root/target/wasm}"
# Release profile for the .wasm (profiles are workspace-wide, so it is set here, not in
# Cargo.toml): opt-level "s" with fat LTO, for issue 6's 1 MB budget (README.md, "Size and
# speed"). The prediction and SHAP kernels write their lane loops out in wasm
# (churn-core/src/unroll.rs), so SHAP and XGBoost prediction run as fast as at opt-level 3;
# LightGBM prediction is ~15% and the CSV pipeline 10-30% slower, the module 15% smaller.
# Override with CARGO_PROFILE_RELEASE_* variables (opt-level 3 needs CHURNLENS_WASM_MAX_BYTES).
export CARGO_PROFILE_RELEASE_OPT_LEVEL="${CARGO_PROFILE_RELEASE_OPT_LEVEL:-s}"
export CARGO_PROFILE_RELEASE_LTO="${CARGO_PROFILE_RELEASE_LTO:-fat}"
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS="${CARGO_PROFILE_RELEASE_CODEGEN_UNITS:-1}"
export CARGO_PROFILE_RELEASE_PANIC="${CARGO_PROFILE_RELEASE_PANIC:-abort}"

want="$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' "$here/Cargo.toml")"
have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')"
if [ "$have" != "$want" ]; then
  echo "build.sh: wasm-bindgen-cli $want is needed (found: ${have:-none});" \
       "run: cargo install wasm-bindgen-cli --version $want" >&2
  exit 1
fi

cd "$root"
# Dependencies (crates.io packages: serde_json, csv, sha2, wasm-bindgen...) are compiled at
# "z", smaller still and no slower, except libm (exp/log of every prediction) and miniz_oxide
# (toXlsx was 19% slower at "z"), which stay at 3. The workspace crates stay at "s": at "z"
# LLVM stops inlining even `Vec` indexing and SHAP ran 3-4 times slower.
# CHURNLENS_WASM_DEPS_OPT_LEVEL=s builds the dependencies like the workspace.
deps="${CHURNLENS_WASM_DEPS_OPT_LEVEL:-z}"
case "$deps" in [0-3]) ;; *) deps="\"$deps\"" ;; esac # numbers are TOML integers
cargo build -p churnlens-wasm --target wasm32-unknown-unknown --release \
  --config "profile.release.package.\"*\".opt-level=$deps" \
  --config 'profile.release.package.libm.opt-level=3' \
  --config 'profile.release.package.miniz_oxide.opt-level=3'
wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/churnlens_wasm.wasm"
rm -rf "$here/pkg"
for target in web bundler; do
  # No name section: function names only serve stack traces and cost ~200 KB.
  wasm-bindgen --target "$target" --weak-refs --remove-name-section \
    --out-dir "$here/pkg/$target" --out-name churnlens "$wasm"
done
# After a panic the glue resets the instance on the next call (src/lib.rs, `start`), but
# wasm-bindgen 0.2.130 checks for objects of the old instance *before* that reset, so the
# first call after a panic on an old object would reach the new instance with a dangling
# pointer. Running the reset guard first makes that call throw "Invalid stale object"
# (test/panic.test.mjs checks it).
for js in "$here/pkg/web/churnlens.js" "$here/pkg/bundler/churnlens_bg.js"; do
  sed -i 's/^\( *\)if (\(.*\)\.__wbg_inst !== undefined \&\& /\1__wbg_call_guard();\n&/' "$js"
  if ! grep -q '__wbg_call_guard();$' "$js" || ! grep -q 'function __wbg_call_guard' "$js"; then
    echo "build.sh: the stale-object patch no longer applies to $js (wasm-bindgen changed?)" >&2
    exit 1
  fi
done
# wasm-opt -Oz: 8.5% smaller and no slower (README.md, "Size and speed"). Both targets get the
# same module from wasm-bindgen, so it is optimised once when they are equal. No feature flags:
# binaryen's defaults validate this module, and more would let it emit instructions that older
# runtimes lack.
if [ "${CHURNLENS_WASM_OPT:-on}" != off ]; then
  opt="$here/node_modules/.bin/wasm-opt"
  if [ ! -x "$opt" ]; then
    echo "build.sh: wasm-opt is missing: run \`npm ci\` in bindings/wasm (binaryen is a" \
         "devDependency), or set CHURNLENS_WASM_OPT=off for an unoptimised module" >&2
    exit 1
  fi
  web="$here/pkg/web/churnlens_bg.wasm"
  bundler="$here/pkg/bundler/churnlens_bg.wasm"
  "$opt" -Oz "$web" -o "$web.opt"
  if cmp -s "$web" "$bundler"; then
    cp "$web.opt" "$bundler"
  else
    "$opt" -Oz "$bundler" -o "$bundler"
  fi
  mv "$web.opt" "$web"
fi
raw=$(stat -c %s "$here/pkg/web/churnlens_bg.wasm")
gz=$(gzip -9 -c "$here/pkg/web/churnlens_bg.wasm" | wc -c)
echo "churnlens_bg.wasm: $raw bytes raw, $gz bytes gzipped (-9)"
# Issue 6's budget: 1 MB (1,000,000 bytes) of .wasm.
limit="${CHURNLENS_WASM_MAX_BYTES:-1000000}"
if [ "$raw" -gt "$limit" ]; then
  echo "build.sh: the .wasm is over the $limit-byte budget ($raw bytes)" >&2
  exit 1
fi
