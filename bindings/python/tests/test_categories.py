"""Categorical DataFrame columns are read by label, as XGBoost (3.1+) and LightGBM read them.

Both libraries store the training categories in the model file (XGBoost ``cats``, LightGBM
``pandas_categorical``) and map a new frame's values by label, so a frame built with
``astype("category")`` (categories taken from the new data only: a subset, in another order)
scores the same as the training frame. churnlens does the same through
``Model.category_labels``. What the libraries do with a category they never saw, checked here
against the real libraries:

* LightGBM 4.7 sets the frame's categories to the training ones, so an unseen value becomes
  missing (NaN);
* XGBoost 3.2 means to refuse it ("Found a category not in the training set") and does for a
  value that sorts after every training label, but maps one that sorts between training labels
  to the next training label (a binary search without an equality check). churnlens refuses
  every unseen value for XGBoost models, with a message that says how to score them as missing.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import churnlens as cl

xgb = pytest.importorskip("xgboost")
lgb = pytest.importorskip("lightgbm")

PLANS = ["basic", "pro", "team", "enterprise", "free"]
REGIONS = ["north", "south", "east", "west"]
SEATS = [1, 5, 10, 25, 100]


def _frame(n: int = 3000, seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    plan = rng.choice(PLANS, n)
    region = rng.choice(REGIONS, n)
    seats = rng.choice(SEATS, n)
    tenure = rng.integers(0, 72, n).astype(float)
    z = (
        np.array([PLANS.index(p) for p in plan]) * 0.8
        - 1.5
        + np.array([REGIONS.index(r) for r in region]) * 0.5
        - 0.03 * tenure
        + np.log(seats) * 0.3
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    df = pd.DataFrame(
        {
            "tenure": tenure,
            "plan": pd.Categorical(plan, categories=PLANS),
            "region": pd.Categorical(region, categories=REGIONS),
            "seats": pd.Categorical(seats, categories=SEATS),
        }
    )
    df.loc[rng.random(n) < 0.05, "plan"] = None
    return df, y


@pytest.fixture(scope="module")
def trained():
    df, y = _frame()
    xg = xgb.XGBClassifier(
        n_estimators=40, max_depth=4, enable_categorical=True, tree_method="hist",
        max_cat_to_onehot=1, n_jobs=2,
    ).fit(df, y)
    lg = lgb.LGBMClassifier(
        n_estimators=40, num_leaves=15, min_data_per_group=5, cat_smooth=1.0, verbose=-1,
        n_jobs=2,
    ).fit(df, y)
    return df, y, xg, lg


def _new_categories(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with each categorical column rebuilt from its values: categories are those
    present, in sorted order (a subset and a reordering of the training ones)."""
    out = df.copy()
    for c in out.columns:
        if str(out[c].dtype) == "category":
            out[c] = pd.Categorical(np.asarray(out[c], dtype=object))
    return out


def _auc(y, p):
    order = np.argsort(p, kind="mergesort")
    ranks = np.empty(len(p))
    ranks[order] = np.arange(1, len(p) + 1)
    pos = y == 1
    return (ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * (~pos).sum())


def test_labels_are_read_from_both_libraries(trained):
    _, _, xg, lg = trained
    for m in (cl.Model.load(xg), cl.Model.load(lg)):
        labels = m.category_labels
        assert len(labels) == m.num_features == 4
        assert labels[0] is None  # tenure: numeric
        assert labels[1] == PLANS
        assert labels[2] == REGIONS
        assert labels[3] == [float(s) for s in SEATS]


def test_models_without_labels_give_none(data):
    X, y = data
    bst = xgb.train({"max_depth": 2}, xgb.DMatrix(X, label=y["churn"]), 2)
    m = cl.Model.load(bst)
    assert m.category_labels == [None] * X.shape[1]


@pytest.mark.parametrize("lib", ["xgboost", "lightgbm"])
def test_subset_and_reordered_categories_score_like_the_library(trained, lib):
    df, y, xg, lg = trained
    native = xg if lib == "xgboost" else lg
    m = cl.Model.load(native)
    rows = df.sample(400, random_state=1)
    rows = rows[rows.plan.isin(["team", "free"]) | rows.plan.isna() | (np.arange(len(rows)) % 3 == 0)]
    rows = rows[rows.seats != 1]
    new = _new_categories(rows)
    # Really another encoding: sorted, and without seats == 1 every seats code moves down.
    assert list(new.plan.cat.categories) == sorted(PLANS)
    assert list(new.seats.cat.categories) == SEATS[1:]
    want = native.predict_proba(new)[:, 1]
    np.testing.assert_allclose(m.predict(new), want, rtol=0, atol=1e-6)
    # ...and the same as the training encoding of the same rows.
    np.testing.assert_allclose(m.predict(new), m.predict(rows), rtol=0, atol=0)
    # SHAP values follow the labels too.
    np.testing.assert_allclose(m.shap_values(new), m.shap_values(rows), rtol=0, atol=0)


@pytest.mark.parametrize("lib", ["xgboost", "lightgbm"])
def test_auc_with_a_new_encoding_equals_the_library(trained, lib):
    """The bug this fixes: by codes, a frame whose categories came from new data was scored
    with the wrong categories (AUC 0.404 against the library's 0.855 in the bug report)."""
    df, y, xg, lg = trained
    native = xg if lib == "xgboost" else lg
    m = cl.Model.load(native)
    rows = df.iloc[2000:]
    # A plausible new export: categories in reverse order of the training ones.
    new = rows.copy()
    for c in ("plan", "region", "seats"):
        new[c] = new[c].cat.reorder_categories(list(new[c].cat.categories)[::-1])
    p = m.predict(new)
    want = native.predict_proba(new)[:, 1]
    assert _auc(y[2000:], p) == pytest.approx(_auc(y[2000:], want), abs=1e-9)
    np.testing.assert_allclose(p, want, rtol=0, atol=1e-6)
    # What reading the codes would have given: different predictions.
    codes = new.copy()
    for c in ("plan", "region", "seats"):
        codes[c] = new[c].cat.codes.replace(-1, np.nan).astype(float)
    assert np.abs(m.predict(codes) - want).max() > 0.05


def test_unseen_category_is_missing_for_lightgbm(trained):
    df, _, _, lg = trained
    m = cl.Model.load(lg)
    new = pd.DataFrame(
        {
            "tenure": [3.0, 10.0, 40.0, 5.0, 60.0],
            "plan": pd.Categorical(["gold", "pro", "zzz", None, "aaa"]),
            "region": pd.Categorical(["east", "moon", "north", "west", "south"]),
            "seats": pd.Categorical([5, 7, 100, 1, 3]),
        }
    )
    want = lg.predict_proba(new)[:, 1]
    np.testing.assert_allclose(m.predict(new), want, rtol=0, atol=1e-12)
    # LightGBM's rule: as if the unseen values were missing.
    as_nan = new.copy()
    for c in ("plan", "region", "seats"):
        as_nan[c] = new[c].cat.set_categories(lg.booster_.pandas_categorical[["plan", "region", "seats"].index(c)])
    np.testing.assert_allclose(m.predict(as_nan), want, rtol=0, atol=1e-12)


def test_unseen_category_is_refused_for_xgboost(trained):
    _, _, xg, _ = trained
    m = cl.Model.load(xg)
    for unseen in ("zzz", "gold", "aaa"):
        new = pd.DataFrame(
            {
                "tenure": [3.0, 10.0],
                "plan": pd.Categorical(["pro", unseen]),
                "region": pd.Categorical(["east", "west"]),
                "seats": pd.Categorical([5, 10]),
            }
        )
        with pytest.raises(cl.InputError) as e:
            m.predict(new)
        msg = str(e.value)
        assert repr(unseen) in msg and "'plan'" in msg and "set_categories" in msg
        if unseen == "zzz":
            # XGBoost refuses a value above every training label...
            with pytest.raises(xgb.core.XGBoostError, match="not in the training set"):
                xg.predict_proba(new)
        # The advice in the message works, and scores the value as missing.
        j = m.feature_names.index("plan")
        fixed = new.copy()
        fixed["plan"] = fixed["plan"].cat.set_categories(m.category_labels[j])
        assert fixed["plan"].isna().tolist() == [False, True]
        np.testing.assert_allclose(m.predict(fixed), xg.predict_proba(fixed)[:, 1], atol=1e-6)


def test_xgboost_maps_some_unseen_values_to_the_next_label(trained):
    """Documents XGBoost 3.2's behaviour that churnlens does not copy: 'gold' (between 'free'
    and 'pro' in sorted order) is scored as 'pro'."""
    df, _, xg, _ = trained
    if xgb.__version__ != "3.2.0":
        pytest.skip("checks XGBoost 3.2.0 specifically")
    def one(plan):
        return pd.DataFrame({"tenure": [10.0], "plan": pd.Categorical([plan]),
                             "region": pd.Categorical(["east"]), "seats": pd.Categorical([5])})

    gold, pro = one("gold"), one("pro")
    assert xg.predict_proba(gold)[0, 1] == xg.predict_proba(pro)[0, 1]
    assert xg.predict_proba(one("basic"))[0, 1] != xg.predict_proba(pro)[0, 1]  # plan matters


def test_declared_but_unused_categories_are_fine(trained):
    """XGBoost also refuses unseen categories that no row uses; churnlens only looks at the
    values present."""
    df, _, xg, lg = trained
    rows = df.iloc[:50].copy()
    rows["plan"] = rows["plan"].cat.add_categories(["platinum"])
    for native in (xg, lg):
        m = cl.Model.load(native)
        np.testing.assert_allclose(m.predict(rows), native.predict_proba(df.iloc[:50])[:, 1], atol=1e-6)


@pytest.mark.parametrize("lib", ["xgboost", "lightgbm"])
def test_saved_models_keep_their_labels(trained, tmp_path, lib):
    df, _, xg, lg = trained
    if lib == "xgboost":
        path = tmp_path / "m.json"
        xg.get_booster().save_model(path)
        ubj = tmp_path / "m.ubj"
        xg.get_booster().save_model(ubj)
        paths = [path, ubj]
    else:
        path = tmp_path / "m.txt"
        lg.booster_.save_model(path)
        paths = [path]
    native = xg if lib == "xgboost" else lg
    new = _new_categories(df.iloc[:300])
    for p in paths:
        m = cl.Model.load(p)
        assert m.category_labels[1] == PLANS
        np.testing.assert_allclose(m.predict(new), native.predict_proba(new)[:, 1], atol=1e-6)


def test_polars_and_arrow_categoricals(trained):
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    df, y, _, _ = trained
    strings = df[["tenure", "plan", "region"]]
    xg = xgb.XGBClassifier(n_estimators=20, max_depth=3, enable_categorical=True,
                           tree_method="hist", max_cat_to_onehot=1, n_jobs=2).fit(strings, y)
    m = cl.Model.load(xg)
    rows = strings.iloc[:300]
    want = xg.predict_proba(rows)[:, 1]
    # polars Categorical: categories in order of appearance, not the training order.
    pframe = pl.DataFrame(
        {
            "tenure": rows.tenure.to_numpy(),
            "plan": pl.Series(rows.plan.astype(object).where(rows.plan.notna(), None).tolist(),
                              dtype=pl.Categorical),
            "region": pl.Series(rows.region.astype(str).tolist(), dtype=pl.Categorical),
        }
    )
    np.testing.assert_allclose(m.predict(pframe), want, atol=1e-6)
    # pyarrow dictionary columns built from the new data's own categories.
    table = pa.Table.from_pandas(_new_categories(rows), preserve_index=False)
    assert pa.types.is_dictionary(table.schema.field("plan").type)
    np.testing.assert_allclose(m.predict(table), want, atol=1e-6)


def test_without_labels_codes_are_used(data):
    """A model trained from integer codes stores no labels: a categorical column is read by its
    codes, as before (and as XGBoost does for such a model)."""
    X, y = data
    d = xgb.DMatrix(X[:900], label=y["churn"][:900], feature_types=["q"] * 8 + ["c"] * 2,
                    enable_categorical=True)
    bst = xgb.train({"objective": "binary:logistic", "max_depth": 3, "max_cat_to_onehot": 1}, d, 10)
    m = cl.Model.load(bst)
    assert m.category_labels == [None] * 10
    names = m.feature_names
    df = pd.DataFrame(X[900:950], columns=names)
    for j, k in ((8, 4), (9, 12)):
        df[names[j]] = pd.Categorical.from_codes(
            np.nan_to_num(X[900:950, j], nan=-1).astype(int), categories=[f"c{i}" for i in range(k)]
        )
    want = bst.predict(xgb.DMatrix(X[900:950], feature_types=["q"] * 8 + ["c"] * 2, enable_categorical=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(m.predict(df), want, atol=1e-6)


# --- text (object / string dtype) columns --------------------------------------------------


def _as_text(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with every categorical column as plain values (object dtype), as read from a
    CSV or built from dicts: strings for plan and region, integers for seats."""
    out = df.copy()
    for c in out.columns:
        if str(out[c].dtype) == "category":
            out[c] = pd.Series(np.asarray(out[c], dtype=object), index=out.index, dtype=object)
    return out


@pytest.mark.parametrize("lib", ["xgboost", "lightgbm"])
def test_text_columns_are_read_by_label(trained, lib):
    df, _, xg, lg = trained
    native = xg if lib == "xgboost" else lg
    m = cl.Model.load(native)
    rows = df.iloc[:400]
    text = _as_text(rows)
    assert text.plan.dtype == object and text.plan.isna().any()
    np.testing.assert_allclose(m.predict(text), native.predict_proba(rows)[:, 1], rtol=0, atol=1e-6)
    # The same inputs as the categorical frame, bit for bit, and the same SHAP values.
    np.testing.assert_array_equal(m.predict(text), m.predict(rows))
    np.testing.assert_array_equal(m.shap_values(text), m.shap_values(rows))
    # pandas' string dtypes too ("str" is what pandas 3 infers for text), and a frame built
    # from plain lists, seats as an object column of ints (read by its numeric labels).
    for dtype in ("string", "str"):
        strings = text.astype({"plan": dtype, "region": dtype})
        np.testing.assert_array_equal(m.predict(strings), m.predict(rows))
    inferred = pd.DataFrame({c: text[c].tolist() for c in text.columns}).astype({"seats": object})
    assert str(inferred.plan.dtype) != "category"
    np.testing.assert_array_equal(m.predict(inferred), m.predict(rows))


def test_unseen_text_is_missing_for_lightgbm_and_refused_for_xgboost(trained):
    _, _, xg, lg = trained
    new = pd.DataFrame(
        {
            "tenure": [3.0, 10.0],
            "plan": ["pro", "gold"],
            "region": ["east", "west"],
            "seats": [5, 10],
        }
    )
    as_nan = new.assign(plan=["pro", None])
    lm = cl.Model.load(lg)
    np.testing.assert_array_equal(lm.predict(new), lm.predict(as_nan))
    xm = cl.Model.load(xg)
    with pytest.raises(cl.InputError) as e:
        xm.predict(new)
    msg = str(e.value)
    assert "'gold'" in msg and "'plan'" in msg and ".isin(model.category_labels[j])" in msg
    # The advice in the message works.
    j = xm.feature_names.index("plan")
    fixed = new.copy()
    fixed["plan"] = fixed["plan"].where(fixed["plan"].isin(xm.category_labels[j]))
    np.testing.assert_array_equal(xm.predict(fixed), xm.predict(as_nan))


def test_text_without_labels_is_refused(data):
    X, y = data
    bst = xgb.train({"max_depth": 2}, xgb.DMatrix(X, label=y["churn"]), 2)
    m = cl.Model.load(bst)
    df = pd.DataFrame(X[:5], columns=m.feature_names).astype({m.feature_names[0]: object})
    df[m.feature_names[0]] = ["a", "b", "c", "d", "e"]
    with pytest.raises(cl.InputError, match="not numeric"):
        m.predict(df)
