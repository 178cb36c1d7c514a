#!/usr/bin/env python3
"""churnlens against XGBoost, LightGBM, shap and the other TreeSHAP packages, side by side.

One run builds the standard benchmark models on a synthetic churn-like table (30 features, some
with NaNs) and measures, in the same process and on the same rows:

* SHAP rows/s: churnlens vs XGBoost ``pred_contribs`` / LightGBM ``pred_contrib`` (the natives),
  ``shap.TreeExplainer`` (which delegates to the natives), shap's own C++ TreeSHAP
  (``model_type = "internal"``), ``fasttreeshap-fixed`` v1 and v2, ``treeshap`` (PyPI) and
  ``woodelf-explainer``, each where it installs and runs (otherwise reported as skipped);
* predict rows/s: churnlens vs XGBoost ``inplace_predict`` / LightGBM ``predict``;
* single-row latency of predict and of SHAP;
* with 1 and 2 threads, the median of several repeats, and the max |diff| of every method's
  output against the native one.

It prints the tables (ratios are churnlens / native: above 1 means churnlens is faster) and writes
everything to ``bench-results/compare.json``.

    .venv/bin/python benches/compare.py --quick            # < 2 minutes
    .venv/bin/python benches/compare.py                    # < 10 minutes
    .venv/bin/python benches/compare.py --install-peers    # pip install the optional peers first

Needs the churnlens wheel (``pip install ./bindings/python``), xgboost, lightgbm, shap, pandas.
The peers are optional; ``--install-peers`` installs the pinned versions below with ``--no-deps``
(they would otherwise pull in the full ``xgboost`` wheel next to ``xgboost-cpu``).
Trained models are cached in ``bench-results/models`` (``--retrain`` rebuilds them).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import timeit
import traceback
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
# OpenMP workers that spin while waiting (the default) collapse on a shared, oversubscribed
# machine: XGBoost's 2-thread inplace_predict fell from ~700k to ~300k (once 100) rows/s here.
# Passive waiting gives the OpenMP libraries (XGBoost, LightGBM, fasttreeshap) their best case.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "bench-results"
PEERS = {
    "fasttreeshap-fixed": "0.1.5",
    "treeshap": "0.1.2",
    "woodelf-explainer": "0.4.8",
    "treelite": "4.8.1",  # woodelf's model loader
}
N_FEATURES = 30
N_TRAIN = 20_000
THREADS = (1, 2)

MODES = {
    # seconds per timed repeat, repeats, rows for predict, max rows for SHAP, latency repeats
    # slow: a method whose first single-row call takes longer is timed on that call alone
    "quick": {"target": 0.2, "repeats": 3, "predict_rows": 20_000, "shap_rows": 2_000, "lat_repeats": 3, "slow": 2.0, "diff_rows": 64},
    "full": {"target": 0.8, "repeats": 5, "predict_rows": 100_000, "shap_rows": 8_000, "lat_repeats": 7, "slow": 30.0, "diff_rows": 512},
}


# ------------------------------------------------------------------------------------ data


def make_data(n: int, seed: int = 2026):
    """A churn-like table: 30 columns of tenure, charges, usage, support and account flags."""
    rng = np.random.default_rng(seed)
    tenure = rng.integers(0, 73, n).astype(float)
    monthly = np.round(rng.uniform(18, 120, n), 2)
    cols = {
        "tenure": tenure,
        "monthly_charges": monthly,
        "total_charges": np.round(tenure * monthly * rng.uniform(0.9, 1.1, n), 2),
        "contract": rng.integers(0, 3, n).astype(float),
        "payment_method": rng.integers(0, 4, n).astype(float),
        "paperless": rng.integers(0, 2, n).astype(float),
        "senior": (rng.random(n) < 0.16).astype(float),
        "partner": rng.integers(0, 2, n).astype(float),
        "dependents": rng.integers(0, 2, n).astype(float),
        "num_services": rng.integers(0, 9, n).astype(float),
        "support_tickets": rng.poisson(1.2, n).astype(float),
        "logins_30d": np.where(rng.random(n) < 0.3, 0, rng.poisson(14, n)).astype(float),
        "days_since_login": rng.exponential(9, n).round(),
        "avg_session_min": rng.gamma(2, 6, n).round(1),
        "discount_pct": np.where(rng.random(n) < 0.5, 0, rng.uniform(0, 30, n).round(1)),
        "seats": rng.integers(1, 51, n).astype(float),
        "age_days": rng.integers(30, 3651, n).astype(float),
        "nps": rng.integers(0, 11, n).astype(float),
        "late_payments": rng.poisson(0.4, n).astype(float),
        "refunds": rng.poisson(0.15, n).astype(float),
        "upgrades": rng.poisson(0.3, n).astype(float),
        "downgrades": rng.poisson(0.2, n).astype(float),
        "data_usage_gb": rng.lognormal(2, 1, n).round(2),
        "price_change_pct": rng.choice([0.0, 0.0, 0.0, 5.0, 10.0, -5.0], n),
        "region": rng.integers(0, 12, n).astype(float),
        "devices": rng.integers(1, 6, n).astype(float),
        "calls_to_support": rng.poisson(0.8, n).astype(float),
        "email_open_rate": rng.beta(2, 5, n).round(3),
        "feature_adoption": rng.uniform(0, 1, n).round(3),
        "outage_minutes": rng.exponential(20, n).round(),
    }
    names = list(cols)
    X = np.column_stack([cols[k] for k in names])
    z = (
        -0.04 * tenure
        + 0.02 * (monthly - 70)
        + 0.5 * cols["support_tickets"]
        - 0.05 * cols["logins_30d"]
        + 0.9 * (cols["contract"] == 0)
        + 0.4 * cols["late_payments"]
        - 0.15 * cols["nps"]
        + 0.03 * cols["days_since_login"]
        + 0.6 * cols["senior"] * (monthly > 80)
        + 0.02 * cols["price_change_pct"] * (tenure < 12)
        - 1.2 * cols["feature_adoption"]
        + rng.normal(0, 0.7, n)
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(float)
    # missing values, after the target was made: 5-30% in eight columns
    for name, frac in (
        ("total_charges", 0.05),
        ("support_tickets", 0.1),
        ("logins_30d", 0.15),
        ("days_since_login", 0.1),
        ("nps", 0.3),
        ("email_open_rate", 0.2),
        ("data_usage_gb", 0.08),
        ("avg_session_min", 0.12),
    ):
        X[rng.random(n) < frac, names.index(name)] = np.nan
    return X, y, names


# ---------------------------------------------------------------------------------- models

MODEL_SPECS = {
    "xgb_500x6": {"lib": "xgboost", "trees": 500, "depth": 6},
    "xgb_100x4": {"lib": "xgboost", "trees": 100, "depth": 4},
    "lgb_500x63": {"lib": "lightgbm", "trees": 500, "leaves": 63},
}


def build_models(X, y, names, retrain: bool):
    import lightgbm as lgb
    import xgboost as xgb

    cache = OUT_DIR / "models"
    cache.mkdir(parents=True, exist_ok=True)
    out = {}
    for key, spec in MODEL_SPECS.items():
        if spec["lib"] == "xgboost":
            path = cache / f"{key}-xgb{xgb.__version__}.json"
            if retrain or not path.exists():
                t0 = time.perf_counter()
                bst = xgb.train(
                    {
                        "objective": "binary:logistic",
                        "max_depth": spec["depth"],
                        "eta": 0.05,
                        "tree_method": "hist",
                        "nthread": 2,
                        "seed": 1,
                        "min_child_weight": 0.5,
                    },
                    xgb.DMatrix(X[:N_TRAIN], label=y[:N_TRAIN], feature_names=names),
                    num_boost_round=spec["trees"],
                )
                bst.save_model(str(path))
                print(f"  trained {key} in {time.perf_counter() - t0:.1f}s")
            out[key] = {"lib": "xgboost", "path": path, "spec": spec}
        else:
            path = cache / f"{key}-lgb{lgb.__version__}.txt"
            if retrain or not path.exists():
                t0 = time.perf_counter()
                booster = lgb.train(
                    {
                        "objective": "binary",
                        "num_leaves": spec["leaves"],
                        "learning_rate": 0.05,
                        "min_data_in_leaf": 5,
                        "num_threads": 2,
                        "seed": 1,
                        "verbose": -1,
                    },
                    lgb.Dataset(X[:N_TRAIN], label=y[:N_TRAIN], feature_name=names),
                    num_boost_round=spec["trees"],
                )
                booster.save_model(str(path))
                print(f"  trained {key} in {time.perf_counter() - t0:.1f}s")
            out[key] = {"lib": "lightgbm", "path": path, "spec": spec}
    return out


# ------------------------------------------------------------------------------ measuring


class Skip(Exception):
    pass


def limit_threads(n):
    """Caps OpenMP pools (XGBoost, LightGBM, fasttreeshap) for the duration of a measurement."""
    try:
        from threadpoolctl import threadpool_limits

        return threadpool_limits(limits=n)
    except ImportError:  # pragma: no cover
        import contextlib

        return contextlib.nullcontext()


def throughput(fn, X, mode, threads):
    """Median rows/s of fn over a row count chosen to take about mode['target'] seconds (calls
    on all the rows repeated as often as that takes, when one call is shorter).

    Slow methods (one call on a few rows already longer than two targets) are timed once, on
    the rows of that call, so that a peer at 1 row/s costs seconds, not minutes."""
    cfg = MODES[mode]
    with limit_threads(threads):
        t0 = time.perf_counter()
        out = fn(X[:1])  # warm-up (lazy set-up: plans, model conversion, thread pools)
        dt = time.perf_counter() - t0
        if dt > cfg["slow"]:
            # seconds per row (woodelf, fasttreeshap v2 on big models): the warm-up call, set-up
            # included, is the measurement
            return 1 / dt, 1, dt, out
        if dt > 2 * cfg["target"]:
            # very slow: one more single-row call is the measurement
            t0 = time.perf_counter()
            out = fn(X[:1])
            dt = time.perf_counter() - t0
            return 1 / dt, 1, dt, out
        n = 2
        while True:
            t0 = time.perf_counter()
            out = fn(X[:n])
            dt = time.perf_counter() - t0
            if dt > cfg["target"] / 4 or n >= len(X):
                break
            n = min(n * 4, len(X))
        if dt > 2 * cfg["target"]:
            return n / dt, n, dt, out
        rows = int(min(len(X), max(n, n / max(dt, 1e-9) * cfg["target"])))
        # A batch capped by the rows there are can take far less than the target (a 2,000-row
        # SHAP batch of a small model: ~5 ms), and one stall of a 2-core machine then decides
        # a repeat: repeat such calls so that each timed repeat still lasts about the target.
        loops = max(1, round(cfg["target"] / max(dt * rows / n, 1e-9)))
        times = []
        for _ in range(cfg["repeats"]):
            t0 = time.perf_counter()
            for _ in range(loops):
                out = fn(X[:rows])
            times.append((time.perf_counter() - t0) / loops)
    med = statistics.median(times)
    return rows / med, rows, med, out


def latency_us(fn, repeats):
    """Median microseconds per call."""
    t = timeit.Timer(fn)
    loops, _ = t.autorange()  # >= 0.2 s
    loops = max(1, loops // 2)
    return statistics.median(t.repeat(repeat=repeats, number=loops)) / loops * 1e6


def max_diff(got, want):
    """max |got - want| over the rows both have (want holds the first rows of the input)."""
    n = min(len(got), len(want))
    got = np.asarray(got, dtype=np.float64)[:n]
    want = np.asarray(want, dtype=np.float64)[:n]
    if got.shape != want.shape:
        return float("nan")
    d = np.abs(got - want)
    if np.isnan(d).any():
        return float("inf")
    return float(d.max()) if d.size else 0.0


# -------------------------------------------------------------------------- SHAP methods


def shap_methods(key, info, names, X):
    """[(method, threads_supported, factory(threads) -> fn(X) -> (n, F) contributions)]."""
    import churnlens as cl

    F = len(names)
    path = info["path"]
    lib = info["lib"]
    model = cl.Model.load(path)
    methods = [("churnlens", THREADS, lambda t: (lambda x: model.shap_values(x, n_threads=t)[:, :F]))]

    if lib == "xgboost":
        import xgboost as xgb

        def native(t):
            bst = xgb.Booster(model_file=str(path))
            bst.set_param({"nthread": t})
            return lambda x: bst.predict(xgb.DMatrix(x, feature_names=names, nthread=t), pred_contribs=True)[:, :F]

        methods.append(("xgboost pred_contribs", THREADS, native))
    else:
        import lightgbm as lgb

        def native(t):
            booster = lgb.Booster(model_file=str(path))
            return lambda x: booster.predict(x, pred_contrib=True, num_threads=t)[:, :F]

        methods.append(("lightgbm pred_contrib", THREADS, native))

    delegated = {}

    def shap_delegated(t):
        # one explainer (shap parses every tree up front), the booster's thread count set per run
        import shap

        if not delegated:
            if lib == "xgboost":
                import xgboost as xgb

                m = xgb.Booster(model_file=str(path))
            else:
                import lightgbm as lgb

                m = lgb.Booster(model_file=str(path))
            delegated["booster"] = m
            delegated["explainer"] = shap.TreeExplainer(m)
        if lib == "xgboost":
            delegated["booster"].set_param({"nthread": t})
        ex = delegated["explainer"]
        return lambda x: np.asarray(ex.shap_values(x, check_additivity=False))

    methods.append(("shap TreeExplainer", THREADS, shap_delegated))

    def shap_internal(t):
        import shap

        if lib == "xgboost":
            import xgboost as xgb

            ex = shap.TreeExplainer(xgb.Booster(model_file=str(path)))
            ex.model.model_type = "internal"
            # f32 inputs: shap's `x <= nextafter(t, -inf)` equals XGBoost's f32 `x < t` then
            return lambda x: np.asarray(ex.shap_values(x.astype(np.float32), check_additivity=False))
        import lightgbm as lgb

        ex = shap.TreeExplainer(lgb.Booster(model_file=str(path)))
        ex.model.model_type = "internal"
        return lambda x: np.asarray(ex.shap_values(x, check_additivity=False))

    methods.append(("shap internal C++ (f64)", (1,), shap_internal))

    fts_explainers = {}
    for alg in ("v1", "v2"):

        def fts(t, alg=alg):
            try:
                import fasttreeshap_fixed as fts_mod
            except ImportError as e:
                raise Skip(f"not installed ({e})") from None
            if alg not in fts_explainers:
                if lib == "xgboost":
                    import xgboost as xgb

                    m = xgb.Booster(model_file=str(path))
                else:
                    import lightgbm as lgb

                    m = lgb.Booster(model_file=str(path))
                fts_explainers[alg] = fts_mod.TreeExplainer(m, algorithm=alg, n_jobs=t)
            ex = fts_explainers[alg]
            ex.n_jobs = t
            return lambda x: np.asarray(ex.shap_values(x, check_additivity=False))

        methods.append((f"fasttreeshap-fixed {alg}", THREADS, fts))

    def treeshap_factory(t):
        try:
            import treeshap
        except ImportError as e:
            raise Skip(f"not installed ({e})") from None
        if lib == "xgboost":
            # treeshap 0.1.2 reads the XGBoost 1.x/2.x JSON schema: give it booleans for
            # default_left and a scalar base_score (XGBoost 3.x writes 0/1 and "[5E-1]").
            mj = json.loads(path.read_text())
            for tree in mj["learner"]["gradient_booster"]["model"]["trees"]:
                tree["default_left"] = [bool(v) for v in tree["default_left"]]
            lmp = mj["learner"]["learner_model_param"]
            lmp["base_score"] = lmp["base_score"].strip("[]")
            shim = OUT_DIR / "models" / f"{key}-treeshap-shim.json"
            shim.write_text(json.dumps(mj))
            ens = treeshap.TreeEnsemble.from_file(str(shim), "xgboost")
        else:
            try:
                ens = treeshap.TreeEnsemble.from_file(str(path), "lgbm")
            except Exception as e:  # noqa: BLE001
                raise Skip(f"cannot load the LightGBM model: {e}") from None
        explainer = treeshap.ShapExplainer(ens)
        return lambda x: np.asarray(explainer.explain(np.ascontiguousarray(x)).shap_values)

    # treeshap runs on its own rayon pool over all cores: no thread setting.
    methods.append(("treeshap (all cores)", (2,), treeshap_factory))

    def woodelf_factory(t):
        try:
            import pandas as pd
            from woodelf import WoodelfExplainer
        except ImportError as e:
            raise Skip(f"not installed ({e})") from None
        if lib == "xgboost":
            import xgboost as xgb

            m = xgb.Booster(model_file=str(path))
        else:
            import lightgbm as lgb

            m = lgb.Booster(model_file=str(path))
        ex = WoodelfExplainer(m)
        return lambda x: np.asarray(ex.shap_values(pd.DataFrame(x, columns=names), verbose=False))

    methods.append(("woodelf-explainer", (1,), woodelf_factory))
    return model, methods


# ---------------------------------------------------------------------------------- main


LOAD_AT_START = os.getloadavg() if hasattr(os, "getloadavg") else None


def lleaves_predict(key, info, Xp, cfg, record):
    """lleaves (LLVM-compiled LightGBM) in its own interpreter: see benches/lleaves_predict.py."""
    import subprocess
    import tempfile

    py = os.environ["CHURNLENS_LLEAVES_PYTHON"]
    cache = OUT_DIR / f"lleaves_{key}.o"
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        xp = Path(tmp) / "x.npy"
        np.save(xp, Xp)
        for t in THREADS:
            try:
                out = subprocess.run(
                    [py, str(ROOT / "benches" / "lleaves_predict.py"), str(info["path"]), str(xp),
                     str(cache), str(t), str(cfg["target"] * cfg["repeats"])],
                    check=True, capture_output=True, text=True, timeout=1800,
                ).stdout
                r = json.loads(out.strip().splitlines()[-1])
            except Exception as e:  # noqa: BLE001  (an optional peer that fails is skipped)
                record(model=key, task="predict", method="lleaves (compiled)", threads=t,
                       status=f"skipped: {type(e).__name__}")
                print(f"  {'lleaves (compiled)':<26} {t:>3} {'failed':>10}         {type(e).__name__}")
                return
            record(model=key, task="predict", method="lleaves (compiled)", threads=t,
                   rows_per_s=r["rows_per_s"], rows=r["rows"], seconds=r["seconds"],
                   max_abs_diff=r["max_abs_diff"], compile_seconds=r["compile_s"], status="ok")
            print(f"  {'lleaves (compiled)':<26} {t:>3} {fmt_rate(r['rows_per_s']):>10} {r['rows']:>6}  "
                  f"{r['max_abs_diff']:>20.3g}  (compile {r['compile_s']:.0f}s, cached after the first)")


def machine():
    cpu = platform.processor()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average_at_start": LOAD_AT_START,
        "load_average_at_end": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def versions():
    from importlib import metadata

    out = {}
    for name in ["churnlens", "numpy", "xgboost-cpu", "xgboost", "lightgbm", "shap", *PEERS]:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def install_peers():
    cmd = [sys.executable, "-m", "pip", "install", "--no-deps", *[f"{k}=={v}" for k, v in PEERS.items()]]
    print("+", " ".join(cmd))
    r = subprocess.run(cmd)
    if r.returncode != 0:
        print("  (some peers did not install; they will be reported as skipped)")


def fmt_rate(v):
    if v is None:
        return "-"
    return f"{v:,.0f}" if v >= 10 else f"{v:.2g}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="short repeats (< 2 minutes)")
    ap.add_argument("--install-peers", action="store_true", help="pip install the optional peers first")
    ap.add_argument("--retrain", action="store_true", help="rebuild the cached benchmark models")
    ap.add_argument("--models", default=",".join(MODEL_SPECS), help="comma-separated subset of models")
    ap.add_argument("--out", default=str(OUT_DIR / "compare.json"))
    args = ap.parse_args()
    mode = "quick" if args.quick else "full"
    cfg = MODES[mode]
    if args.install_peers:
        install_peers()
    t_start = time.perf_counter()
    import churnlens as cl
    import lightgbm as lgb
    import xgboost as xgb

    print(f"churnlens {cl.__version__} | mode {mode} | {machine()['cores']} cores | load {os.getloadavg()}")
    n_eval = max(cfg["predict_rows"], cfg["shap_rows"])
    X, y, names = make_data(N_TRAIN + n_eval)
    X_eval = X[N_TRAIN:]
    models = build_models(X, y, names, args.retrain)
    wanted = [m for m in args.models.split(",") if m]
    records = []

    def record(**kw):
        records.append(kw)
        return kw

    for key in wanted:
        info = models[key]
        t_model = time.perf_counter()
        print(f"\n== {key}: {info['lib']} {info['spec']}")
        Xs = np.ascontiguousarray(X_eval[: cfg["shap_rows"]])
        model, methods = shap_methods(key, info, names, Xs)
        # the native reference for the diffs: the first diff_rows rows (diffs are taken there)
        Xd = Xs[: cfg["diff_rows"]]
        if info["lib"] == "xgboost":
            bst = xgb.Booster(model_file=str(info["path"]))
            ref = bst.predict(xgb.DMatrix(Xd, feature_names=names), pred_contribs=True)[:, : len(names)]
        else:
            booster = lgb.Booster(model_file=str(info["path"]))
            ref = booster.predict(Xd, pred_contrib=True)[:, : len(names)]
        print(f"  {'SHAP method':<26} {'thr':>3} {'rows/s':>10} {'rows':>6}  {'max|diff| vs native':>20}")
        for name, supported, factory in methods:
            for t in THREADS:
                if t not in supported:
                    continue
                try:
                    t_m = time.perf_counter()
                    fn = factory(t)
                    rate, rows, sec, out = throughput(fn, Xs, mode, t)
                    diff = max_diff(out, ref)
                    record(model=key, task="shap", method=name, threads=t, rows_per_s=rate, rows=rows,
                           seconds=sec, max_abs_diff=diff, diff_rows=min(rows, len(ref)), status="ok")
                    print(f"  {name:<26} {t:>3} {fmt_rate(rate):>10} {rows:>6}  {diff:>20.3g}"
                          f"   ({time.perf_counter() - t_m:.1f}s)")
                except Skip as e:
                    record(model=key, task="shap", method=name, threads=t, status=f"skipped: {e}")
                    print(f"  {name:<26} {t:>3} {'skipped':>10}         {e}")
                    break
                except Exception as e:  # noqa: BLE001  (a peer that fails to run is skipped)
                    msg = f"{type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''}"
                    record(model=key, task="shap", method=name, threads=t, status=f"skipped: {msg}")
                    print(f"  {name:<26} {t:>3} {'failed':>10}         {msg}")
                    if os.environ.get("CHURNLENS_BENCH_DEBUG"):
                        traceback.print_exc()
                    break

        # predict throughput
        Xp = np.ascontiguousarray(X_eval[: cfg["predict_rows"]])
        if info["lib"] == "xgboost":
            bst = xgb.Booster(model_file=str(info["path"]))

            def native_predict(t):
                bst.set_param({"nthread": t})
                return lambda x: bst.inplace_predict(x, validate_features=False)

            native_name = "xgboost inplace_predict"
        else:
            booster = lgb.Booster(model_file=str(info["path"]))

            def native_predict(t):
                return lambda x: booster.predict(x, num_threads=t)

            native_name = "lightgbm predict"
        ref_p = native_predict(2)(Xp)
        print(f"  {'predict':<26} {'thr':>3} {'rows/s':>10} {'rows':>6}  {'max|diff| vs native':>20}")
        for name, factory in (("churnlens", lambda t: (lambda x: model.predict(x, n_threads=t))), (native_name, native_predict)):
            for t in THREADS:
                rate, rows, sec, out = throughput(factory(t), Xp, mode, t)
                diff = max_diff(out, ref_p)
                record(model=key, task="predict", method=name, threads=t, rows_per_s=rate, rows=rows,
                       seconds=sec, max_abs_diff=diff, status="ok")
                print(f"  {name:<26} {t:>3} {fmt_rate(rate):>10} {rows:>6}  {diff:>20.3g}")
        if info["lib"] == "lightgbm" and os.environ.get("CHURNLENS_LLEAVES_PYTHON"):
            lleaves_predict(key, info, Xp, cfg, record)

        # SHAP interaction values (XGBoost's pred_interactions; LightGBM has none)
        if info["lib"] == "xgboost":
            Xi = np.ascontiguousarray(X_eval[:256])
            bsti = xgb.Booster(model_file=str(info["path"]))
            bsti.set_param({"nthread": 1})
            ref_i = bsti.predict(xgb.DMatrix(Xi[:16], nthread=1), pred_interactions=True,
                                 validate_features=False)
            for name, fn in (
                ("churnlens", lambda x: model.shap_interaction_values(x, n_threads=1)),
                ("xgboost pred_interactions", lambda x: bsti.predict(
                    xgb.DMatrix(x, nthread=1), pred_interactions=True, validate_features=False)),
            ):
                rate, rows, sec, out = throughput(fn, Xi, mode, 1)
                got = np.asarray(out)[:16].reshape(len(np.asarray(out)[:16]), -1)
                diff = float(np.max(np.abs(got - ref_i[: len(got)].reshape(len(got), -1))))
                record(model=key, task="interactions", method=name, threads=1, rows_per_s=rate,
                       rows=rows, seconds=sec, max_abs_diff=diff, status="ok")
                print(f"  {'interactions ' + name:<26}   1 {fmt_rate(rate):>10} {rows:>6}  {diff:>20.3g}")

        # single-row latency
        x1 = np.ascontiguousarray(X_eval[5:6])
        if info["lib"] == "xgboost":
            bst1 = xgb.Booster(model_file=str(info["path"]))
            bst1.set_param({"nthread": 1})
            nat_pred = lambda: bst1.inplace_predict(x1, validate_features=False)  # noqa: E731
            nat_shap = lambda: bst1.predict(xgb.DMatrix(x1, nthread=1), pred_contribs=True, validate_features=False)  # noqa: E731
        else:
            b1 = lgb.Booster(model_file=str(info["path"]))
            nat_pred = lambda: b1.predict(x1, num_threads=1)  # noqa: E731
            nat_shap = lambda: b1.predict(x1, pred_contrib=True, num_threads=1)  # noqa: E731
        with limit_threads(1):
            lat = {
                ("predict", "churnlens"): latency_us(lambda: model.predict(x1), cfg["lat_repeats"]),
                ("predict", native_name.split()[0]): latency_us(nat_pred, cfg["lat_repeats"]),
                ("shap", "churnlens"): latency_us(lambda: model.shap_values(x1), cfg["lat_repeats"]),
                ("shap", native_name.split()[0]): latency_us(nat_shap, cfg["lat_repeats"]),
            }
        for (task, name), us in lat.items():
            record(model=key, task=f"latency_{task}_1row", method=name, threads=1, microseconds=us, status="ok")
            print(f"  1-row {task:<8} {name:<18} {us:>9.1f} us")
        print(f"  ({time.perf_counter() - t_model:.0f}s for {key})")

    # --------------------------------------------------------------------- summary tables
    def get(model, task, method, threads, field="rows_per_s"):
        for r in records:
            if (r["model"], r["task"], r["method"], r["threads"]) == (model, task, method, threads) and r["status"] == "ok":
                return r.get(field)
        return None

    lines = []
    lines.append("| model | measure | threads | churnlens | native | churnlens / native |")
    lines.append("|---|---|---:|---:|---:|---:|")
    for key in wanted:
        lib = models[key]["lib"]
        nshap = "xgboost pred_contribs" if lib == "xgboost" else "lightgbm pred_contrib"
        npred = "xgboost inplace_predict" if lib == "xgboost" else "lightgbm predict"
        for t in THREADS:
            a, b = get(key, "shap", "churnlens", t), get(key, "shap", nshap, t)
            lines.append(f"| {key} | SHAP rows/s vs {nshap.split()[1]} | {t} | {fmt_rate(a)} | {fmt_rate(b)} | "
                         f"{a / b:.1f}x |" if a and b else f"| {key} | SHAP | {t} | - | - | - |")
        for t in THREADS:
            a, b = get(key, "predict", "churnlens", t), get(key, "predict", npred, t)
            lines.append(f"| {key} | predict rows/s vs {npred.split()[1]} | {t} | {fmt_rate(a)} | {fmt_rate(b)} | "
                         f"{a / b:.1f}x |" if a and b else f"| {key} | predict | {t} | - | - | - |")
        for t in THREADS:
            a, b = get(key, "predict", "churnlens", t), get(key, "predict", "lleaves (compiled)", t)
            if a and b:
                lines.append(f"| {key} | predict rows/s vs lleaves (compiled) | {t} | {fmt_rate(a)} | {fmt_rate(b)} | "
                             f"{a / b:.2f}x |")
        for task in ("predict", "shap"):
            a = get(key, f"latency_{task}_1row", "churnlens", 1, "microseconds")
            b = get(key, f"latency_{task}_1row", lib, 1, "microseconds")
            lines.append(f"| {key} | 1-row {task} latency (us) | 1 | {a:.1f} | {b:.1f} | {b / a:.1f}x |")
    summary = "\n".join(lines)

    peers = ["churnlens", "NATIVE", "shap TreeExplainer", "shap internal C++ (f64)", "fasttreeshap-fixed v1",
             "fasttreeshap-fixed v2", "treeshap (all cores)", "woodelf-explainer"]
    plines = ["| model | threads | " + " | ".join(p.replace("NATIVE", "native") for p in peers) + " |",
              "|---|---:|" + "---:|" * len(peers)]
    for key in wanted:
        lib = models[key]["lib"]
        nshap = "xgboost pred_contribs" if lib == "xgboost" else "lightgbm pred_contrib"
        for t in THREADS:
            cells = []
            for p in peers:
                name = nshap if p == "NATIVE" else p
                rate = get(key, "shap", name, t)
                if rate is None:
                    rec = [r for r in records if (r["model"], r["task"], r["method"]) == (key, "shap", name)]
                    skipped = any(r["status"].startswith("skipped") for r in rec)
                    cells.append("skipped" if skipped else "")
                else:
                    d = get(key, "shap", name, t, "max_abs_diff")
                    cells.append(f"{fmt_rate(rate)} ({d:.0e})")
            plines.append(f"| {key} | {t} | " + " | ".join(cells) + " |")
    peer_table = "\n".join(plines)

    elapsed = time.perf_counter() - t_start
    print("\n## churnlens / native (above 1 = churnlens faster; latency: native us / churnlens us)\n")
    print(summary)
    print("\n## SHAP rows/s of every method (max |diff| vs native in brackets; blank = not applicable)\n")
    print(peer_table)
    xgb6 = get("xgb_500x6", "shap", "churnlens", 1), get("xgb_500x6", "shap", "xgboost pred_contribs", 1)
    lgb63 = get("lgb_500x63", "shap", "churnlens", 1), get("lgb_500x63", "shap", "lightgbm pred_contrib", 1)
    lat4 = get("xgb_100x4", "latency_predict_1row", "churnlens", 1, "microseconds")
    print("\n## targets (issue 8)")

    def ratio(a, b):
        return a / b if a and b else None

    def check(label, value, target, unit="x", higher=True):
        if value is None:
            print(f"  {label}: not measured (target {target}{unit})")
            return
        ok = value >= target if higher else value <= target
        sign = ">=" if higher else "<="
        print(f"  {label}: {value:.2f}{unit} (target {sign} {target}{unit}) {'met' if ok else 'NOT met'}")

    check("SHAP vs xgboost pred_contribs, 1 thread, 500x6", ratio(*xgb6), 10)
    check("SHAP vs lightgbm pred_contrib, 1 thread, 500x63", ratio(*lgb63), 20)
    exact_peers = ("shap TreeExplainer", "shap internal C++ (f64)", "fasttreeshap-fixed v1", "woodelf-explainer")
    for key in wanted:
        best = max((get(key, "shap", p_, 1) or 0.0 for p_ in exact_peers), default=0.0)
        check(f"SHAP vs the fastest exact peer, 1 thread, {key}", ratio(get(key, "shap", "churnlens", 1), best), 3)
        check(f"SHAP 2 threads / 1 thread, {key}",
              ratio(get(key, "shap", "churnlens", 2), get(key, "shap", "churnlens", 1)), 1.8)
    for key in ("xgb_500x6", "xgb_100x4"):
        check(f"interaction values vs xgboost pred_interactions, 1 thread, {key}",
              ratio(get(key, "interactions", "churnlens", 1),
                    get(key, "interactions", "xgboost pred_interactions", 1)), 10)
    check("predict vs xgboost inplace_predict, 1 thread, 500x6",
          ratio(get("xgb_500x6", "predict", "churnlens", 1), get("xgb_500x6", "predict", "xgboost inplace_predict", 1)), 2)
    check("predict vs lleaves (compiled), 1 thread, 500x63",
          ratio(get("lgb_500x63", "predict", "churnlens", 1), get("lgb_500x63", "predict", "lleaves (compiled)", 1)), 1)
    check("single-row predict latency from Python, 100x4", lat4, 5, " us", higher=False)
    print(f"\nfinished in {elapsed:.0f}s")

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "mode": mode,
                "settings": cfg,
                "machine": machine(),
                "versions": versions(),
                "models": {k: {"lib": v["lib"], **v["spec"], "file": v["path"].name} for k, v in models.items() if k in wanted},
                "data": {"features": N_FEATURES, "train_rows": N_TRAIN, "seed": 2026},
                "elapsed_s": elapsed,
                "results": records,
                "summary_markdown": summary,
                "peers_markdown": peer_table,
            },
            indent=1,
        )
    )
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
