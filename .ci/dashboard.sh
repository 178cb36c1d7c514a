#!/usr/bin/env bash
# In-browser dashboard (examples/dashboard): installs Debian's chromium when missing, builds
# the WASM package (web target) and the dashboard, and runs the end-to-end suite in headless
# chromium (playwright-core, no browser download). Expected values come from the churnlens
# CLI (debug build, sharing `cargo test`'s artifacts). Idempotent; a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
export PATH="$HOME/.cargo/bin:$PATH"

if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
chromium --version

# The WASM package: the same toolchain as .ci/wasm.sh (skipped when present). When wasm.sh ran
# first, the build below finds everything up to date and only re-runs wasm-bindgen.
rustup target add wasm32-unknown-unknown
want="$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' bindings/wasm/Cargo.toml)"
have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
if [[ "$have" != "$want" ]]; then
  # No --locked: one locked dependency version is missing from the registry mirror.
  cargo install wasm-bindgen-cli --version "$want"
fi
echo "--- wasm package"
(cd bindings/wasm && npm ci --no-audit --no-fund --loglevel=error)   # wasm-opt for build.sh
CHURNLENS_WASM_TARGET_DIR="$PWD/target/wasm" bash bindings/wasm/build.sh

echo "--- churnlens CLI (reference values for the e2e suite)"
cargo build -q -p churnlens-cli
export CHURNLENS_BIN="$PWD/target/debug/churnlens"

echo "--- dashboard build"
cd examples/dashboard
npm ci --no-audit --no-fund --loglevel=error
npm run build

echo "--- dashboard e2e (headless chromium)"
node --test --test-concurrency=1 e2e/
