"""Shared data and helpers for the churnlens Python tests.

Models are trained here, freshly, with the real xgboost and lightgbm from PyPI, on a small
synthetic churn-like table with NaNs; each test compares churnlens with the library's own
outputs (and shap's) on rows that include held-out data, NaNs and exact split thresholds.
"""

from __future__ import annotations

import os
import pathlib

os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures"
PARITY = REPO / "tests" / "parity"

NUM_FEATURES = [
    "tenure",
    "monthly_charges",
    "total_charges",
    "support_tickets",
    "logins_30d",
    "seats",
    "discount_pct",
    "age_days",
]
CAT_FEATURES = ["plan", "region"]
CAT_LEVELS = [4, 12]
N_ROWS = 1200
N_TRAIN = 900


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def make_data(seed: int = 7):
    """(X with 8 numeric + 2 categorical-code columns, dict of targets)."""
    rng = np.random.default_rng(seed)
    n = N_ROWS
    tenure = rng.integers(0, 73, n).astype(np.float64)
    monthly = np.round(rng.uniform(18.0, 120.0, n), 2)
    total = np.round(tenure * monthly * rng.uniform(0.9, 1.1, n), 2)
    support = rng.poisson(1.2, n).astype(np.float64)
    logins = np.where(rng.random(n) < 0.35, 0.0, rng.poisson(14.0, n)).astype(np.float64)
    seats = rng.integers(1, 51, n).astype(np.float64)
    discount = np.where(rng.random(n) < 0.5, 0.0, np.round(rng.uniform(0.0, 30.0, n), 1))
    age_days = rng.integers(30, 3651, n).astype(np.float64)
    plan = rng.integers(0, CAT_LEVELS[0], n).astype(np.float64)
    region = rng.integers(0, CAT_LEVELS[1], n).astype(np.float64)
    region_effect = np.array([0.0, 0.3, 0.9, -0.4, 0.1, 0.8, -0.6, 0.7, 0.0, -0.2, 0.5, -0.8])
    plan_effect = np.array([0.6, 0.1, -0.3, -0.9])
    z = (
        -0.045 * tenure
        + 0.022 * (monthly - 70.0)
        + 0.45 * support
        - 0.06 * logins
        + 0.02 * discount
        - 0.01 * seats
        + 0.8 * (tenure < 6)
        + plan_effect[plan.astype(int)]
        + region_effect[region.astype(int)]
        + rng.normal(0.0, 0.6, n)
    )
    churn = (rng.random(n) < _sigmoid(z)).astype(np.float64)
    down = (rng.random(n) < _sigmoid(-1.0 + 0.05 * discount + 0.03 * (monthly - 70.0))).astype(int)
    multi = np.where(churn == 1, 2, down).astype(np.float64)
    spend = np.maximum(
        monthly * (1.0 - discount / 100.0) * seats**0.3 + rng.normal(0.0, 8.0, n), 1.0
    )
    tickets = rng.poisson(np.exp(-0.5 + 0.35 * support + 0.01 * (monthly - 70.0))).astype(np.float64)
    X = np.column_stack(
        [tenure, monthly, total, support, logins, seats, discount, age_days, plan, region]
    )
    for col in (2, 3, 4, 6):
        X[rng.random(n) < 0.10, col] = np.nan
    return X, {"churn": churn, "multi": multi, "spend": spend, "tickets": tickets}


DATA = make_data()


def eval_rows(X_test: np.ndarray, thresholds=(), seed: int = 3) -> np.ndarray:
    """Held-out rows, plus rows with NaNs, an all-NaN row, extreme values and rows that sit
    exactly on split thresholds (where f32/f64 and <=/< mistakes would show)."""
    rng = np.random.default_rng(seed)
    rows = [X_test[:40]]
    nan_rows = X_test[40:46].copy()
    for r in nan_rows:
        r[rng.random(r.shape[0]) < 0.4] = np.nan
    rows.append(nan_rows)
    rows.append(np.full((1, X_test.shape[1]), np.nan))
    rows.append(np.full((1, X_test.shape[1]), 1e30))
    rows.append(np.full((1, X_test.shape[1]), -1e30))
    thr = list(thresholds)
    for i in range(min(len(thr), 30)):
        f, t = thr[i]
        r = X_test[60 + i].copy()
        r[f] = t
        rows.append(r[None, :])
    return np.vstack(rows)


def xgb_thresholds(booster) -> list:
    """(feature, threshold) of some numeric splits of an XGBoost booster."""
    import json

    gb = json.loads(bytes(booster.save_raw(raw_format="json")))["learner"]["gradient_booster"]
    model = gb["gbtree"]["model"] if "gbtree" in gb else gb["model"]
    out = []
    for tree in model["trees"]:
        kinds = tree.get("split_type") or [0] * len(tree["left_children"])
        for i, left in enumerate(tree["left_children"]):
            if left != -1 and kinds[i] == 0:
                out.append((tree["split_indices"][i], tree["split_conditions"][i]))
    return out[::7]


def lgb_thresholds(booster) -> list:
    dump = booster.dump_model()
    out = []

    def walk(node):
        if "split_feature" in node:
            if node.get("decision_type") == "<=":
                out.append((node["split_feature"], float(node["threshold"])))
            walk(node["left_child"])
            walk(node["right_child"])

    for t in dump["tree_info"]:
        walk(t["tree_structure"])
    return out[::7]


def scaled_close(got, want, margin, tol):
    """|got - want| <= tol * (1 + |margin of the row|), NaN == NaN."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, (got.shape, want.shape)
    m = np.abs(np.asarray(margin, dtype=np.float64)).reshape(got.shape[0], -1).max(axis=1)
    scale = (1.0 + m).reshape((-1,) + (1,) * (got.ndim - 1))
    diff = np.abs(got - want)
    both_nan = np.isnan(got) & np.isnan(want)
    bad = ~((diff <= tol * scale) | both_nan)
    assert not bad.any(), (
        f"{bad.sum()} values differ beyond {tol:g} x (1+|margin|); worst "
        f"{np.nanmax(np.where(both_nan, 0, diff / scale)):.3e} at {np.argwhere(bad)[:3].tolist()}"
    )


@pytest.fixture(scope="session")
def data():
    return DATA


@pytest.fixture
def tmp_model_dir(tmp_path):
    return tmp_path
