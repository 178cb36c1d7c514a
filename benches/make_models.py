"""Builds the standard benchmark models and inputs for churnlens's benchmarks.

One synthetic churn-like table (30 features, ~8% missing values, integer and continuous
columns) and three models trained on it:
  xgb_500x6.json   XGBoost, 500 trees, max_depth 6   (binary:logistic, hist)
  xgb_100x4.json   XGBoost, 100 trees, max_depth 4
  lgb_500x63.txt   LightGBM, 500 trees, 63 leaves
plus X.f64 (little-endian float64, rows x 30, NaN = missing) for scoring.

Run: .venv/bin/python benches/make_models.py [--out benches/models]
Deterministic (fixed seeds). Used by benches/engine.rs (criterion) and benches/compare.py.
"""
import argparse
import json
import os

import numpy as np

N_FEATURES = 30


def make_table(n_rows, seed):
    rng = np.random.default_rng(seed)
    X = np.empty((n_rows, N_FEATURES))
    for j in range(N_FEATURES):
        kind = j % 3
        if kind == 0:  # counts / tenure-like integers
            X[:, j] = rng.poisson(3 + j, n_rows)
        elif kind == 1:  # money-like continuous
            X[:, j] = np.round(rng.lognormal(3, 0.7, n_rows), 2)
        else:  # scores in [0, 1]
            X[:, j] = rng.random(n_rows)
    logit = (
        -0.08 * X[:, 0] + 0.02 * X[:, 1] - 1.5 * X[:, 2] + 0.3 * np.sin(X[:, 4])
        + 0.05 * X[:, 3] - 0.8 * (X[:, 5] > 0.5) + 0.01 * X[:, 7] * X[:, 8]
        + rng.normal(0, 1, n_rows)
    )
    y = (logit > np.median(logit)).astype(int)
    mask = rng.random(X.shape) < 0.08
    X[mask] = np.nan
    return X, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "models"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    import lightgbm as lgb
    import xgboost as xgb

    X, y = make_table(20_000, 7)
    names = [f"f{j}" for j in range(N_FEATURES)]
    dtrain = xgb.DMatrix(X, label=y, feature_names=names)
    for trees, depth in [(500, 6), (100, 4)]:
        booster = xgb.train(
            {"objective": "binary:logistic", "max_depth": depth, "eta": 0.05,
             "tree_method": "hist", "seed": 1, "nthread": 2},
            dtrain, num_boost_round=trees)
        booster.save_model(os.path.join(args.out, f"xgb_{trees}x{depth}.json"))
    ds = lgb.Dataset(X, label=y, feature_name=names)
    booster = lgb.train(
        {"objective": "binary", "num_leaves": 63, "learning_rate": 0.05, "verbose": -1,
         "seed": 1, "num_threads": 2, "min_data_in_leaf": 20},
        ds, num_boost_round=500)
    booster.save_model(os.path.join(args.out, "lgb_500x63.txt"))
    Xs, _ = make_table(4_000, 11)
    Xs.astype("<f8").tofile(os.path.join(args.out, "X.f64"))
    with open(os.path.join(args.out, "X.json"), "w") as f:
        json.dump({"rows": Xs.shape[0], "cols": Xs.shape[1], "dtype": "<f8"}, f)
    print("wrote", sorted(os.listdir(args.out)))


if __name__ == "__main__":
    main()
