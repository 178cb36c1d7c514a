#!/usr/bin/env bash
# Python binding CI: build the churnlens wheel (release) and run its pytest suite against the
# real xgboost / lightgbm / shap.
#
# Run from anywhere inside the repository; idempotent (reuses .venv, installs only what is
# missing, cargo rebuilds incrementally). Needs python3 >= 3.9 with venv, a Rust toolchain, and
# PyPI/crates.io access on the first run. Exits non-zero on any failure.
#
#   .ci/python.sh                 # everything
#   PYTEST_ARGS="-k parity" .ci/python.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"
REQS=(tests/fixtures/requirements.txt bindings/python/requirements-test.txt)
export PIP_DISABLE_PIP_VERSION_CHECK=1
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"

step() { printf '\n== %s (%ss)\n' "$*" "$SECONDS"; }

step "venv"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
"$PY" -c 'import sys; assert sys.version_info >= (3, 9), sys.version'

step "requirements"
# Install only when a pinned requirement is missing or at another version.
if ! "$PY" - "${REQS[@]}" <<'PYCHECK'
import sys
from importlib import metadata

bad = []
for path in sys.argv[1:]:
    for line in open(path):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, want = line.partition("==")
        try:
            have = metadata.version(name.strip())
        except metadata.PackageNotFoundError:
            have = None
        if want and have != want.strip():
            bad.append(f"{name.strip()} (have {have}, want {want.strip()})")
if bad:
    print("to install:", ", ".join(bad))
    sys.exit(1)
print("all pinned requirements present")
PYCHECK
then
    "$PY" -m pip install -q $(printf -- '-r %s ' "${REQS[@]}")
fi

step "wheel (release)"
WHEELS="$ROOT/target/wheels/ci-python"
rm -rf "$WHEELS"
"$VENV/bin/maturin" build --release --manifest-path bindings/python/Cargo.toml \
    --interpreter "$PY" --out "$WHEELS" --quiet
WHEEL="$(ls "$WHEELS"/churnlens-*.whl)"
echo "built $(basename "$WHEEL")"
# A stale `maturin develop` module in the source tree would shadow nothing (the tests import the
# installed package), but remove it so no one debugs an old binary by accident.
rm -f bindings/python/py_src/churnlens/_churnlens*.so
"$PY" -m pip install -q --force-reinstall --no-deps "$WHEEL"

step "pytest"
# tests/test_scale_out.py runs pyspark in local[2] mode (needs Java 17+, whose version is logged
# here; without Java those tests skip) and a 2-process dask LocalCluster; both were installed
# from requirements-test.txt. Select them with PYTEST_ARGS="-m spark" or "-m dask".
java -version 2>&1 | head -1 || echo "no java: the Spark tests will be skipped"
# Run from outside the source tree so that `import churnlens` is the installed wheel.
cd "$ROOT/bindings/python"
# shellcheck disable=SC2086
"$PY" -m pytest tests -q -p no:cacheprovider ${PYTEST_ARGS:-}

step "done"
