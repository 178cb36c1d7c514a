"""churnlens against shap's TreeExplainer, and `Model.explain`.

shap 0.51 delegates XGBoost/LightGBM models to the libraries' own TreeSHAP; setting
``explainer.model.model_type = "internal"`` makes it run its own f64 C++ TreeSHAP instead, which
churnlens must match to 1e-9 (LightGBM; XGBoost inputs rounded to f32 first).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import churnlens as cl

from conftest import N_TRAIN, NUM_FEATURES, scaled_close

shap = pytest.importorskip("shap")
lgb = pytest.importorskip("lightgbm")
xgb = pytest.importorskip("xgboost")


def _lgb(data, params, target, rounds, tmp_path):
    """A scikit-learn wrapper (shap reads the number of classes from it) and its churnlens model."""
    X, y = data
    params = dict(params)
    params.pop("num_class", None)
    kind = lgb.LGBMRegressor if params["objective"] == "regression" else lgb.LGBMClassifier
    est = kind(n_estimators=rounds, num_leaves=15, random_state=1, n_jobs=2, verbose=-1, **params)
    est.fit(pd.DataFrame(X[:N_TRAIN, :8], columns=NUM_FEATURES), y[target][:N_TRAIN])
    path = tmp_path / "m.txt"
    est.booster_.save_model(str(path))
    return est, cl.Model.load(path)


@pytest.mark.parametrize(
    "params,target,rounds",
    [
        ({"objective": "binary"}, "churn", 20),
        ({"objective": "regression"}, "spend", 15),
        ({"objective": "multiclass", "num_class": 3}, "multi", 8),
    ],
    ids=["binary", "regression", "multiclass"],
)
def test_lightgbm_matches_shap_internal_f64(data, tmp_path, params, target, rounds):
    booster, m = _lgb(data, params, target, rounds, tmp_path)
    X = data[0][N_TRAIN : N_TRAIN + 60, :8]
    ex = shap.TreeExplainer(booster)
    ex.model.model_type = "internal"  # shap's own f64 TreeSHAP, not LightGBM's pred_contrib
    sv = np.asarray(ex.shap_values(X, check_additivity=False))
    K, F = m.num_outputs, m.num_features
    sv = sv.reshape(X.shape[0], F, K)
    got = m.shap_values(X).reshape(X.shape[0], K, F + 1)
    margin = m.predict(X, output="margin").reshape(-1, K)
    scaled_close(np.transpose(got[:, :, :F], (0, 2, 1)), sv, margin, 1e-9)
    ev = np.atleast_1d(ex.expected_value)
    np.testing.assert_allclose(np.atleast_1d(m.expected_value), ev, rtol=0, atol=1e-9)
    # interactions, against shap's own too
    Xi = X[:4]
    si = np.asarray(ex.shap_interaction_values(Xi)).reshape(Xi.shape[0], F, F, K)
    gi = m.shap_interaction_values(Xi).reshape(Xi.shape[0], K, F + 1, F + 1)
    scaled_close(np.transpose(gi[:, :, :F, :F], (0, 2, 3, 1)), si, margin[:4], 1e-9)


def test_xgboost_matches_shap_internal_f64_feature_columns(data, tmp_path):
    X, y = data
    bst = xgb.train(
        {"objective": "binary:logistic", "max_depth": 5, "nthread": 2, "seed": 1},
        xgb.DMatrix(X[:N_TRAIN, :8], label=y["churn"][:N_TRAIN], feature_names=NUM_FEATURES),
        25,
    )
    path = tmp_path / "m.json"
    bst.save_model(str(path))
    m = cl.Model.load(path)
    # f32 inputs: shap's `x <= nextafter(t, -inf)` then equals XGBoost's f32 `x < t`
    Xt = X[N_TRAIN : N_TRAIN + 60, :8].astype(np.float32)
    ex = shap.TreeExplainer(xgb.Booster(model_file=str(path)))
    ex.model.model_type = "internal"
    sv = np.asarray(ex.shap_values(Xt, check_additivity=False))
    got = m.shap_values(Xt)
    margin = m.predict(Xt, output="margin")
    scaled_close(got[:, :8], sv, margin, 1e-9)


def test_explain_matches_tree_explainer_layout(data, tmp_path):
    booster, m = _lgb(data, {"objective": "multiclass", "num_class": 3}, "multi", 6, tmp_path)
    X = data[0][N_TRAIN : N_TRAIN + 30, :8]
    want = shap.TreeExplainer(booster)(X)
    got = m.explain(X)
    assert isinstance(got, shap.Explanation)
    assert got.values.shape == want.values.shape == (30, 8, 3)
    assert np.asarray(got.base_values).shape == np.asarray(want.base_values).shape == (30, 3)
    np.testing.assert_allclose(got.values, want.values, rtol=0, atol=1e-9)
    np.testing.assert_allclose(got.base_values, want.base_values, rtol=0, atol=1e-9)
    assert list(got.feature_names) == NUM_FEATURES


def test_explain_binary_dataframe_and_plots(data, tmp_path):
    booster, m = _lgb(data, {"objective": "binary"}, "churn", 10, tmp_path)
    df = pd.DataFrame(data[0][N_TRAIN : N_TRAIN + 40, :8], columns=NUM_FEATURES)
    exp = m.explain(df[NUM_FEATURES[::-1]])  # column order does not matter
    assert exp.values.shape == (40, 8)
    assert exp.base_values.shape == (40,)
    want = shap.TreeExplainer(booster)(df)
    np.testing.assert_allclose(exp.values, want.values, rtol=0, atol=1e-9)
    np.testing.assert_allclose(exp.base_values, want.base_values, rtol=0, atol=1e-9)
    # the values sum to the margin
    np.testing.assert_allclose(exp.values.sum(1) + exp.base_values, m.predict(df, output="margin"), atol=1e-9)
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    shap.plots.waterfall(exp[0], show=False)
    shap.plots.beeswarm(exp, show=False)
    import matplotlib.pyplot as plt

    plt.close("all")


def test_expected_value_equals_bias_column(data, tmp_path):
    _, m = _lgb(data, {"objective": "binary"}, "churn", 10, tmp_path)
    phi = m.shap_values(data[0][:5, :8])
    assert isinstance(m.expected_value, float)
    assert np.all(phi[:, -1] == m.expected_value)
