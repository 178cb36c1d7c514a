#!/usr/bin/env bash
# WASM package `churnlens-wasm` (bindings/wasm, wasm-bindgen): installs the wasm32 target and
# wasm-bindgen-cli at the crate's pinned version (skipped when present), runs the
# wasm-bindgen-test suite under node, builds the web + bundler package (build.sh) and runs
# `node --test` on it (API tests and the WASM leg of the parity suite). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
export PATH="$HOME/.cargo/bin:$PATH"

rustup target add wasm32-unknown-unknown
want="$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' bindings/wasm/Cargo.toml)"
have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
if [[ "$have" == "$want" ]]; then
  echo "wasm-bindgen-cli $want already installed"
else
  # No --locked: one locked dependency version is missing from the registry mirror.
  cargo install wasm-bindgen-cli --version "$want"
fi

# Headless Chromium for the browser test of the README page (Debian's package; the test skips
# when it is missing, so a failed install only costs that test).
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
    || echo "wasm.sh: chromium could not be installed; the browser test will be skipped" >&2
fi

# A target dir of its own (release profile overrides in build.sh would evict native builds).
export CARGO_TARGET_DIR="$PWD/target/wasm"
echo "--- wasm-bindgen-test (wasm32, in node)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test -p churnlens-wasm --target wasm32-unknown-unknown

echo "--- package build (web + bundler)"
# npm packages first: build.sh runs wasm-opt from binaryen (a devDependency).
(cd bindings/wasm && npm ci --no-audit --no-fund --loglevel=error)
CHURNLENS_WASM_TARGET_DIR="$CARGO_TARGET_DIR" bash bindings/wasm/build.sh

# test/intake.test.mjs reads the Node suite's CLI fixtures (bindings/node/test/fixtures) and,
# when the Node addon is built (node.sh runs first in .ci/run), checks that both packages give
# the same bytes and bits.
echo "--- node --test on the built package"
cd bindings/wasm
node --test test/
