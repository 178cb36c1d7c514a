"""Times lleaves (an LLVM compiler for LightGBM models) on one model, for ``compare.py``.

Run by compare.py in a separate interpreter because lleaves 1.3 needs llvmlite < 0.44, while
shap's numba pins a newer llvmlite in the main venv. Make that interpreter with::

    python3 -m venv /tmp/llvenv
    /tmp/llvenv/bin/pip install lleaves==1.3.0 "llvmlite<0.44" numpy lightgbm==4.7.0

and point ``CHURNLENS_LLEAVES_PYTHON`` at ``/tmp/llvenv/bin/python``.

Usage: ``lleaves_predict.py MODEL.txt X.npy CACHE.o THREADS TARGET_SECONDS`` -> one JSON line
``{"compile_s", "rows_per_s", "rows", "seconds", "max_abs_diff"}`` (diff vs LightGBM).
"""

import json
import sys
import time

import lightgbm as lgb
import lleaves
import numpy as np


def main() -> None:
    model_path, x_path, cache, threads, target = sys.argv[1:6]
    threads, target = int(threads), float(target)
    x = np.load(x_path)
    t = time.perf_counter()
    model = lleaves.Model(model_file=model_path)
    # The compile (minutes for 500 trees) is cached, so only the first run pays it.
    model.compile(cache=cache)
    compile_s = time.perf_counter() - t
    want = lgb.Booster(model_file=model_path).predict(x[:512], num_threads=1)
    diff = float(np.max(np.abs(model.predict(x[:512], n_jobs=1) - want)))
    best, reps = float("inf"), 0
    t_all = time.perf_counter()
    while reps < 3 or time.perf_counter() - t_all < target:
        t = time.perf_counter()
        model.predict(x, n_jobs=threads)
        best = min(best, time.perf_counter() - t)
        reps += 1
    print(json.dumps({"compile_s": compile_s, "rows_per_s": len(x) / best, "rows": len(x),
                      "seconds": best, "max_abs_diff": diff}))


if __name__ == "__main__":
    main()
