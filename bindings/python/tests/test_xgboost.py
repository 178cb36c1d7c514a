"""churnlens against the real XGBoost, on freshly trained models.

XGBoost computes in f32 (inputs rounded to f32, tree outputs summed in f32, contributions in f32);
churnlens reproduces the rounding of inputs and of the margin sum, so predictions agree to f32
precision and contributions to the f32 error of XGBoost's own TreeSHAP.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import churnlens as cl

from conftest import CAT_FEATURES, CAT_LEVELS, N_TRAIN, NUM_FEATURES, eval_rows, scaled_close, xgb_thresholds

xgb = pytest.importorskip("xgboost")

TOL_PRED = 1e-6
TOL_SHAP = 2e-5

CASES = {
    # name: (params, target, rounds, file extension)
    "binary": ({"objective": "binary:logistic"}, "churn", 30, "json"),
    "binary_ubj": ({"objective": "binary:logistic", "max_depth": 6}, "churn", 30, "ubj"),
    "logitraw": ({"objective": "binary:logitraw"}, "churn", 15, "json"),
    "base_score": ({"objective": "binary:logistic", "base_score": 0.3}, "churn", 10, "json"),
    "multiclass": ({"objective": "multi:softprob", "num_class": 3}, "multi", 15, "json"),
    "multi_softmax": ({"objective": "multi:softmax", "num_class": 3}, "multi", 10, "ubj"),
    "regression": ({"objective": "reg:squarederror"}, "spend", 25, "json"),
    "poisson": ({"objective": "count:poisson"}, "tickets", 20, "json"),
    "gamma": ({"objective": "reg:gamma"}, "spend", 15, "ubj"),
    "tweedie": ({"objective": "reg:tweedie", "tweedie_variance_power": 1.4}, "spend", 15, "json"),
    "dart": (
        {"objective": "binary:logistic", "booster": "dart", "rate_drop": 0.3, "skip_drop": 0.0},
        "churn",
        20,
        "json",
    ),
    "deep": ({"objective": "reg:squarederror", "max_depth": 12, "min_child_weight": 0}, "spend", 8, "json"),
}


def _train(params, target, rounds, data, *, categorical=False, feature_names=True):
    X, y = data
    names = NUM_FEATURES + CAT_FEATURES
    if categorical:
        df = pd.DataFrame(X[:N_TRAIN], columns=names)
        for c, k in zip(CAT_FEATURES, CAT_LEVELS):
            df[c] = pd.Categorical(df[c].astype(int), categories=list(range(k)))
        d = xgb.DMatrix(df, label=y[target][:N_TRAIN], enable_categorical=True)
    else:
        d = xgb.DMatrix(
            X[:N_TRAIN, :8], label=y[target][:N_TRAIN], feature_names=NUM_FEATURES if feature_names else None
        )
    p = {"tree_method": "hist", "seed": 1, "nthread": 2, "max_depth": 4, "eta": 0.3}
    p.update(params)
    return xgb.train(p, d, num_boost_round=rounds)


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request, data, tmp_path_factory):
    name = request.param
    params, target, rounds, ext = CASES[name]
    bst = _train(params, target, rounds, data)
    path = tmp_path_factory.mktemp("xgb") / f"{name}.{ext}"
    bst.save_model(str(path))
    booster = xgb.Booster(model_file=str(path))
    X = eval_rows(data[0][N_TRAIN:, :8], xgb_thresholds(booster))
    return name, params, path, booster, X


def _dm(X):
    return xgb.DMatrix(X, missing=np.nan, feature_names=NUM_FEATURES if X.shape[1] == 8 else None)


def _xgb(booster, X, **kw):
    out = np.asarray(booster.predict(_dm(X), **kw))
    return out.reshape(X.shape[0], -1)


def test_metadata(case):
    name, params, path, booster, X = case
    m = cl.Model.load(path)
    assert m.format == "xgboost"
    assert m.num_features == 8
    assert m.feature_names == NUM_FEATURES
    assert m.num_outputs == params.get("num_class", 1)
    assert m.objective == params["objective"]
    assert m.num_trees == len(booster.get_dump())
    assert repr(m).startswith("<churnlens.Model XGBoost")


def test_margin_and_prediction(case):
    name, params, path, booster, X = case
    m = cl.Model.load(path)
    K = m.num_outputs
    margin = _xgb(booster, X, output_margin=True)
    got_margin = m.predict(X, output="margin")
    assert got_margin.shape == ((X.shape[0],) if K == 1 else (X.shape[0], K))
    scaled_close(got_margin.reshape(-1, K), margin, margin, TOL_PRED)
    got = m.predict(X)
    if params["objective"] == "multi:softmax":
        # XGBoost returns the class; churnlens returns the softmax probabilities (argmax = class).
        cls = _xgb(booster, X).reshape(-1)
        assert np.array_equal(np.argmax(got, axis=1), cls.astype(int))
        b2 = booster.copy()
        b2.set_param({"objective": "multi:softprob"})
        scaled_close(got, _xgb(b2, X), margin, TOL_PRED)
    else:
        scaled_close(got.reshape(-1, K), _xgb(booster, X), margin, TOL_PRED)
    # float32 input gives the same bits (XGBoost rounds inputs to f32 anyway)
    assert np.array_equal(m.predict(X.astype(np.float32)), got)
    # one row at a time (the single-row fast path) gives the same bits as the batch
    for i in (0, 41, X.shape[0] - 1):
        assert np.array_equal(m.predict(X[i : i + 1]), got[i : i + 1])


def test_shap_values_match_pred_contribs(case):
    name, params, path, booster, X = case
    m = cl.Model.load(path)
    K, F = m.num_outputs, m.num_features
    margin = _xgb(booster, X, output_margin=True)
    want = np.asarray(booster.predict(_dm(X), pred_contribs=True))
    got = m.shap_values(X)
    assert got.shape == want.shape == ((X.shape[0], F + 1) if K == 1 else (X.shape[0], K, F + 1))
    scaled_close(got, want, margin, TOL_SHAP)
    # additivity in f64 and the bias column
    total = got.sum(axis=-1).reshape(-1, K)
    scaled_close(total, m.predict(X, output="margin").reshape(-1, K), margin, 1e-5)
    ev = np.atleast_1d(m.expected_value)
    assert np.array_equal(got[..., F].reshape(-1, K), np.broadcast_to(ev, (X.shape[0], K)))


def test_interactions_match_pred_interactions(case):
    name, params, path, booster, X = case
    m = cl.Model.load(path)
    K, F = m.num_outputs, m.num_features
    Xi = X[:6]
    margin = _xgb(booster, Xi, output_margin=True)
    want = np.asarray(booster.predict(_dm(Xi), pred_interactions=True))
    got = m.shap_interaction_values(Xi)
    assert got.shape == want.shape
    scaled_close(got, want, margin, TOL_SHAP)
    # rows of the interaction matrix sum to the SHAP values
    scaled_close(got.sum(axis=-1), m.shap_values(Xi), margin, 1e-9)


def test_load_from_bytes_and_booster_give_the_same_model(case):
    name, params, path, booster, X = case
    a = cl.Model.load(path)
    b = cl.Model.load(path.read_bytes())
    c = cl.Model.load(bytearray(path.read_bytes()))
    d = cl.Model.load(booster)
    e = cl.Model.load(str(path))
    want = a.shap_values(X)
    for other in (b, c, d, e):
        assert np.array_equal(other.shap_values(X), want)


def _categorical_frame(X):
    names = NUM_FEATURES + CAT_FEATURES
    df = pd.DataFrame(X, columns=names)
    for c, k in zip(CAT_FEATURES, CAT_LEVELS):
        col = df[c]
        df[c] = pd.Categorical(col.where(col.isna(), col.round()).astype("Int64"), categories=list(range(k)))
    return df


@pytest.mark.parametrize("onehot", [1, 16], ids=["partition", "onehot"])
def test_categorical_dataframe(data, tmp_path, onehot):
    bst = _train({"objective": "binary:logistic", "max_cat_to_onehot": onehot}, "churn", 20, data, categorical=True)
    path = tmp_path / "cat.json"
    bst.save_model(str(path))
    m = cl.Model.load(path)
    assert m.feature_kinds == ["numeric"] * 8 + ["categorical"] * 2
    Xt = data[0][N_TRAIN:].copy()
    Xt[::9, 8] = np.nan  # missing categories
    df = _categorical_frame(Xt)
    d = xgb.DMatrix(df, enable_categorical=True)
    margin = bst.predict(d, output_margin=True).reshape(-1, 1)
    scaled_close(m.predict(df, output="margin").reshape(-1, 1), margin, margin, TOL_PRED)
    scaled_close(m.predict(df).reshape(-1, 1), bst.predict(d).reshape(-1, 1), margin, TOL_PRED)
    scaled_close(m.shap_values(df), bst.predict(d, pred_contribs=True), margin, TOL_SHAP)
    # shuffled columns give the same result
    shuffled = df[list(reversed(df.columns))]
    assert np.array_equal(m.shap_values(shuffled), m.shap_values(df))


def test_no_feature_names_default_to_f_names(data, tmp_path):
    bst = _train({"objective": "binary:logistic"}, "churn", 5, data, feature_names=False)
    path = tmp_path / "anon.json"
    bst.save_model(str(path))
    m = cl.Model.load(path)
    assert m.feature_names == [f"f{i}" for i in range(8)]
    X = data[0][N_TRAIN:, :8]
    want = bst.predict(xgb.DMatrix(X), output_margin=True, validate_features=False)
    scaled_close(m.predict(X, output="margin"), want, want, TOL_PRED)


def test_gblinear_is_unsupported(data, tmp_path):
    X, y = data
    bst = xgb.train({"booster": "gblinear"}, xgb.DMatrix(X[:200, :8], label=y["churn"][:200]), 3)
    path = tmp_path / "linear.json"
    bst.save_model(str(path))
    with pytest.raises(cl.UnsupportedError, match="gblinear"):
        cl.Model.load(path)


def test_sklearn_wrapper_loads(data):
    X, y = data
    clf = xgb.XGBClassifier(n_estimators=10, max_depth=3, tree_method="hist", n_jobs=2)
    clf.fit(X[:N_TRAIN, :8], y["churn"][:N_TRAIN])
    m = cl.Model.load(clf)
    Xt = X[N_TRAIN:, :8]
    p = clf.predict_proba(Xt)[:, 1]
    assert np.abs(m.predict(Xt) - p).max() <= 1e-6
