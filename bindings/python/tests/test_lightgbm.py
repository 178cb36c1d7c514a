"""churnlens against the real LightGBM, on freshly trained models.

LightGBM computes in f64, so predictions agree to rounding (1e-12) and contributions to 1e-9.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import churnlens as cl

from conftest import CAT_FEATURES, CAT_LEVELS, N_TRAIN, NUM_FEATURES, eval_rows, lgb_thresholds, scaled_close

lgb = pytest.importorskip("lightgbm")

TOL_PRED = 1e-12
TOL_SHAP = 1e-9

BASE = {"verbose": -1, "num_threads": 2, "num_leaves": 15, "min_data_in_leaf": 10, "seed": 1, "deterministic": True}

CASES = {
    # name: (params, target, rounds)
    "binary": ({"objective": "binary"}, "churn", 30),
    "multiclass": ({"objective": "multiclass", "num_class": 3}, "multi", 12),
    "multiclassova": ({"objective": "multiclassova", "num_class": 3}, "multi", 8),
    "regression": ({"objective": "regression"}, "spend", 25),
    "poisson": ({"objective": "poisson"}, "tickets", 20),
    "gamma": ({"objective": "gamma"}, "spend", 10),
    "xentropy": ({"objective": "cross_entropy"}, "churn", 10),
    "rf": (
        {"objective": "binary", "boosting": "rf", "bagging_fraction": 0.7, "bagging_freq": 1, "feature_fraction": 0.8},
        "churn",
        15,
    ),
    "dart": ({"objective": "binary", "boosting": "dart", "drop_rate": 0.3}, "churn", 15),
    "zero_as_missing": ({"objective": "binary", "zero_as_missing": True}, "churn", 20),
    "no_missing": ({"objective": "binary", "use_missing": False}, "churn", 20),
    "deep": ({"objective": "regression", "num_leaves": 200, "min_data_in_leaf": 1, "max_depth": -1}, "spend", 5),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request, data, tmp_path_factory):
    name = request.param
    params, target, rounds = CASES[name]
    X, y = data
    ds = lgb.Dataset(X[:N_TRAIN, :8], label=y[target][:N_TRAIN], feature_name=NUM_FEATURES, free_raw_data=False)
    p = dict(BASE)
    p.update(params)
    booster = lgb.train(p, ds, num_boost_round=rounds)
    path = tmp_path_factory.mktemp("lgb") / f"{name}.txt"
    booster.save_model(str(path))
    booster = lgb.Booster(model_file=str(path))
    Xe = eval_rows(X[N_TRAIN:, :8], lgb_thresholds(booster))
    if name in ("zero_as_missing", "no_missing"):
        Xe[::5, :] = np.where(np.isnan(Xe[::5, :]), 0.0, Xe[::5, :])  # zeros next to NaNs
        Xe[1::5, 4] = 0.0
    return name, p, path, booster, Xe


def _k(booster):
    return booster.num_model_per_iteration()


def test_metadata(case):
    name, params, path, booster, X = case
    m = cl.Model.load(path)
    assert m.format == "lightgbm"
    assert m.feature_names == NUM_FEATURES
    assert m.num_outputs == _k(booster)
    assert m.num_trees == booster.num_trees()
    assert m.base_margin.shape == (m.num_outputs,)


def test_margin_and_prediction(case):
    name, params, path, booster, X = case
    m = cl.Model.load(path)
    K = m.num_outputs
    raw = booster.predict(X, raw_score=True).reshape(-1, K)
    scaled_close(m.predict(X, output="margin").reshape(-1, K), raw, raw, TOL_PRED)
    got = m.predict(X)
    scaled_close(got.reshape(-1, K), booster.predict(X).reshape(-1, K), raw, TOL_PRED)
    assert np.array_equal(m.predict(np.asfortranarray(X)), got)
    for i in (0, 40, X.shape[0] - 1):
        assert np.array_equal(m.predict(X[i : i + 1]), got[i : i + 1])


def test_shap_values_match_pred_contrib(case):
    name, params, path, booster, X = case
    m = cl.Model.load(path)
    K, F = m.num_outputs, m.num_features
    raw = booster.predict(X, raw_score=True).reshape(-1, K)
    want = booster.predict(X, pred_contrib=True)
    got = m.shap_values(X)
    if K == 1:
        assert got.shape == want.shape == (X.shape[0], F + 1)
    else:
        # LightGBM lays multiclass contributions out flat: (n, K * (F+1))
        assert got.shape == (X.shape[0], K, F + 1)
        want = want.reshape(X.shape[0], K, F + 1)
    scaled_close(got, want, raw, TOL_SHAP)


def test_interactions_sum_to_shap_values(case):
    name, params, path, booster, X = case
    m = cl.Model.load(path)
    Xi = X[:5]
    inter = m.shap_interaction_values(Xi)
    phi = m.shap_values(Xi)
    assert inter.shape == phi.shape + (phi.shape[-1],)
    np.testing.assert_allclose(inter.sum(axis=-1), phi, rtol=0, atol=1e-9 * (1 + np.abs(phi).max()))
    # symmetric
    np.testing.assert_allclose(inter, np.swapaxes(inter, -1, -2), rtol=0, atol=1e-12)


def test_load_from_string_and_booster(case):
    name, params, path, booster, X = case
    a = cl.Model.load(path)
    b = cl.Model.load(booster)
    c = cl.Model.load(booster.model_to_string().encode())
    want = a.shap_values(X)
    assert np.array_equal(b.shap_values(X), want)
    assert np.array_equal(c.shap_values(X), want)


def test_categorical_pandas(data, tmp_path):
    X, y = data
    names = NUM_FEATURES + CAT_FEATURES
    df = pd.DataFrame(X, columns=names)
    for c, k in zip(CAT_FEATURES, CAT_LEVELS):
        df[c] = pd.Categorical(df[c].astype(int), categories=list(range(k)))
    clf = lgb.LGBMClassifier(n_estimators=20, num_leaves=15, verbose=-1, n_jobs=2, max_cat_to_onehot=4, cat_smooth=1.0)
    clf.fit(df.iloc[:N_TRAIN], y["churn"][:N_TRAIN])
    booster = clf.booster_
    path = tmp_path / "cat.txt"
    booster.save_model(str(path))
    m = cl.Model.load(path)
    assert m.feature_kinds == ["numeric"] * 8 + ["categorical"] * 2
    test = df.iloc[N_TRAIN:].copy()
    test.loc[test.index[::7], "plan"] = np.nan
    raw = booster.predict(test, raw_score=True).reshape(-1, 1)
    scaled_close(m.predict(test, output="margin").reshape(-1, 1), raw, raw, TOL_PRED)
    scaled_close(m.predict(test).reshape(-1, 1), booster.predict(test).reshape(-1, 1), raw, TOL_PRED)
    scaled_close(m.shap_values(test), booster.predict(test, pred_contrib=True), raw, TOL_SHAP)
    # the same rows as plain codes in a numpy matrix give the same bits
    codes = test.copy()
    for c in CAT_FEATURES:
        codes[c] = test[c].cat.codes.astype(float).where(test[c].cat.codes >= 0)
    assert np.array_equal(m.shap_values(codes.to_numpy(dtype=float)), m.shap_values(test))
    # and a DataFrame with its columns shuffled
    assert np.array_equal(m.shap_values(test[names[::-1]]), m.shap_values(test))


def test_linear_trees_are_unsupported(data, tmp_path):
    X, y = data
    booster = lgb.train(
        {"objective": "regression", "linear_tree": True, "verbose": -1, "num_threads": 2},
        lgb.Dataset(np.nan_to_num(X[:400, :8]), label=y["spend"][:400]),
        num_boost_round=3,
    )
    path = tmp_path / "linear.txt"
    booster.save_model(str(path))
    with pytest.raises(cl.UnsupportedError, match="linear"):
        cl.Model.load(path)


def test_sklearn_regressor_with_numpy_names(data):
    X, y = data
    reg = lgb.LGBMRegressor(n_estimators=10, verbose=-1, n_jobs=2)
    reg.fit(X[:N_TRAIN, :8], y["spend"][:N_TRAIN])
    m = cl.Model.load(reg)
    assert m.feature_names == [f"Column_{i}" for i in range(8)]
    Xt = X[N_TRAIN:, :8]
    assert np.abs(m.predict(Xt) - reg.predict(Xt)).max() <= 1e-9 * (1 + np.abs(reg.predict(Xt)).max())
