#!/usr/bin/env bash
# Node package `churnlens` (bindings/node, napi-rs): npm packages from the lock file, the native
# addon in release mode, then `node --test` (API tests and the Node leg of the parity suite).
# Run from anywhere; idempotent.
set -euo pipefail
cd "$(dirname "$0")/../bindings/node"
export CARGO_TERM_COLOR=never
echo "node $(node --version), npm $(npm --version)"

npm ci --no-audit --no-fund --loglevel=error
npx napi build --platform --release

# napi build regenerates index.js and index.d.ts from src/lib.rs; the committed copies must
# match, so that the types users read are the types of the code.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1 \
  && ! git diff --quiet -- index.js index.d.ts; then
  git --no-pager diff --stat -- index.js index.d.ts
  echo "node.sh: index.js / index.d.ts are stale: run 'npm run build' in bindings/node and commit them" >&2
  exit 1
fi

node --test test/
