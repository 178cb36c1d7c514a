"""What `X` may be: array layouts and dtypes, DataFrames, Arrow, polars; and what it may not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import churnlens as cl

from conftest import FIXTURES, NUM_FEATURES


@pytest.fixture(scope="module", params=["xgb_binary/model.json", "lgb_binary/model.txt", "xgb_multiclass/model.json"])
def model(request):
    return cl.Model.load(FIXTURES / request.param)


@pytest.fixture(scope="module")
def X(model):
    rng = np.random.default_rng(5)
    X = rng.uniform(0, 100, (70, model.num_features))
    X[rng.random(X.shape) < 0.15] = np.nan
    return X


def test_layouts_and_dtypes_agree(model, X):
    want = model.shap_values(X)
    p = model.predict(X)
    variants = {
        "fortran": np.asfortranarray(X),
        "strided rows": np.repeat(X, 2, axis=0)[::2],
        "strided columns": np.repeat(X, 2, axis=1)[:, ::2],
        "negative strides": X[::-1][::-1],
        "transposed view": np.ascontiguousarray(X.T).T,
        "big-endian": X.astype(">f8"),
        "read-only": np.frombuffer(X.tobytes(), dtype=np.float64).reshape(X.shape),
    }
    for name, v in variants.items():
        assert np.array_equal(model.shap_values(v), want, equal_nan=True), name
        assert np.array_equal(model.predict(v), p), name
    # the reversed view of reversed rows gives rows in reverse order
    assert np.array_equal(model.predict(X[::-1]), p[::-1])


def test_float32_input(model, X):
    x32 = X.astype(np.float32)
    got = model.shap_values(x32)
    assert got.dtype == np.float64
    assert np.array_equal(got, model.shap_values(x32.astype(np.float64)))
    if model.format == "xgboost":  # XGBoost rounds inputs to f32 anyway
        assert np.array_equal(got, model.shap_values(X))


def test_integer_bool_and_list_inputs(model):
    F = model.num_features
    ints = np.arange(3 * F, dtype=np.int64).reshape(3, F)
    want = model.predict(ints.astype(np.float64))
    assert np.array_equal(model.predict(ints), want)
    assert np.array_equal(model.predict(ints.astype(np.uint8)), want)
    assert np.array_equal(model.predict(ints.tolist()), want)
    assert np.array_equal(model.predict(ints.astype(np.float16)), model.predict(ints.astype(np.float16).astype(np.float64)))
    b = ints % 2 == 0
    assert np.array_equal(model.predict(b), model.predict(b.astype(np.float64)))


def test_output_shapes(model, X):
    n, F, K = X.shape[0], model.num_features, model.num_outputs
    single = K == 1
    assert model.predict(X).shape == ((n,) if single else (n, K))
    assert model.predict(X, output="margin").shape == ((n,) if single else (n, K))
    assert model.shap_values(X).shape == ((n, F + 1) if single else (n, K, F + 1))
    assert model.shap_interaction_values(X[:3]).shape == ((3, F + 1, F + 1) if single else (3, K, F + 1, F + 1))
    for arr in (model.predict(X), model.shap_values(X)):
        assert arr.dtype == np.float64 and arr.flags.c_contiguous and arr.flags.writeable


def test_zero_rows(model):
    F, K = model.num_features, model.num_outputs
    empty = np.empty((0, F))
    assert model.predict(empty).shape == ((0,) if K == 1 else (0, K))
    assert model.predict(empty, output="margin").shape[0] == 0
    assert model.shap_values(empty).shape == ((0, F + 1) if K == 1 else (0, K, F + 1))
    assert model.shap_interaction_values(empty).shape[0] == 0
    assert model.predict(pd.DataFrame(empty, columns=model.feature_names)).shape[0] == 0


def test_nan_and_inf(model):
    F = model.num_features
    rows = np.array([[np.nan] * F, [np.inf] * F, [-np.inf] * F, [np.finfo(np.float64).max] * F, [1e-320] * F])
    p = model.predict(rows)
    phi = model.shap_values(rows)
    assert np.isfinite(p).all() and np.isfinite(phi).all()
    # +/-inf behave like huge finite values (they go right / left of every threshold)
    assert np.array_equal(model.predict(rows[1:2]), model.predict(np.full((1, F), 1e300)))
    assert np.array_equal(model.predict(rows[2:3]), model.predict(np.full((1, F), -1e300)))


def test_nan_and_inf_against_xgboost(tmp_path):
    xgb = pytest.importorskip("xgboost")
    m = cl.Model.load(FIXTURES / "xgb_binary/model.json")
    bst = xgb.Booster(model_file=str(FIXTURES / "xgb_binary/model.json"))
    F = m.num_features
    rows = np.array([[np.nan] * F, [np.inf] * F, [-np.inf] * F, [0.0] * F])
    want = bst.inplace_predict(rows, validate_features=False)
    np.testing.assert_allclose(m.predict(rows), want, rtol=0, atol=1e-7)


def test_wrong_shapes_are_input_errors(model):
    F = model.num_features
    with pytest.raises(cl.InputError, match=f"expects {F} features"):
        model.predict(np.zeros((2, F + 1)))
    with pytest.raises(cl.InputError, match=f"expects {F} features"):
        model.shap_values(np.zeros((2, F - 1)))
    with pytest.raises(cl.InputError, match="2-D"):
        model.predict(np.zeros(F))
    with pytest.raises(cl.InputError, match="2-D"):
        model.predict(np.zeros((2, 3, F)))
    with pytest.raises(cl.InputError, match="2-D"):
        model.predict(np.float64(1.0))
    with pytest.raises(cl.InputError):
        model.predict([[1.0, 2.0], [3.0]])  # ragged
    with pytest.raises(cl.InputError):
        model.predict(None)
    with pytest.raises(cl.InputError):
        model.predict("a string")
    # an InputError is also a ValueError
    with pytest.raises(ValueError):
        model.predict(np.zeros((1, F + 3)))
    # the single-row fast path checks the width too
    with pytest.raises(cl.InputError, match=f"expects {F} features"):
        model.predict(np.zeros((1, F + 1)))


def test_wrong_dtypes_are_input_errors(model):
    F = model.num_features
    for bad in (
        np.array([["a"] * F]),
        np.zeros((1, F), dtype=object),
        np.zeros((1, F), dtype=np.complex128),
        np.zeros((1, F), dtype="datetime64[s]"),
    ):
        with pytest.raises(cl.InputError, match="dtype"):
            model.predict(bad)


def test_bad_arguments(model, X):
    with pytest.raises(cl.InputError, match="output"):
        model.predict(X, output="probabilities")
    with pytest.raises(cl.InputError, match="n_threads"):
        model.predict(X, n_threads=-2)
    with pytest.raises(cl.InputError, match="n_threads"):
        model.shap_values(X, n_threads=10**6)
    with pytest.raises(TypeError):
        model.predict(X, n_threads="two")


def test_n_threads_give_identical_results(model, X):
    want = model.shap_values(X)
    for n in (None, 0, 1, 2, 3):
        assert np.array_equal(model.shap_values(X, n_threads=n), want)
        assert np.array_equal(model.predict(X, n_threads=n), model.predict(X))
    assert np.array_equal(model.shap_interaction_values(X[:5], n_threads=1), model.shap_interaction_values(X[:5]))


# ---------------------------------------------------------------------------------- DataFrames


@pytest.fixture(scope="module")
def lgb_model():
    return cl.Model.load(FIXTURES / "lgb_binary/model.txt")


def _frame(X, names=NUM_FEATURES):
    return pd.DataFrame(X, columns=names)


def test_dataframe_columns_in_any_order(lgb_model):
    rng = np.random.default_rng(1)
    X = rng.uniform(0, 80, (25, 8))
    X[rng.random(X.shape) < 0.2] = np.nan
    df = _frame(X)
    want = lgb_model.shap_values(X)
    assert np.array_equal(lgb_model.shap_values(df), want)
    perm = rng.permutation(8)
    shuffled = df[[NUM_FEATURES[i] for i in perm]]
    assert np.array_equal(lgb_model.shap_values(shuffled), want)
    assert np.array_equal(lgb_model.predict(shuffled), lgb_model.predict(X))
    # a non-default index does not matter
    assert np.array_equal(lgb_model.predict(shuffled.set_index(np.arange(100, 125))), lgb_model.predict(X))


def test_dataframe_column_mismatch_lists_missing_and_unexpected(lgb_model):
    df = _frame(np.zeros((2, 8)))
    bad = df.drop(columns=["tenure", "seats"]).assign(customer_id=1, Tenure=3.0)
    with pytest.raises(cl.InputError) as e:
        lgb_model.predict(bad)
    msg = str(e.value)
    assert "missing ['tenure', 'seats']" in msg
    assert "unexpected ['customer_id', 'Tenure']" in msg
    with pytest.raises(cl.InputError, match="unexpected \\['customer_id'\\]"):
        lgb_model.predict(df.assign(customer_id=1))
    with pytest.raises(cl.InputError, match="duplicate"):
        lgb_model.predict(pd.concat([df, df[["tenure"]]], axis=1))


def test_dataframe_dtypes(lgb_model):
    rng = np.random.default_rng(2)
    X = np.round(rng.uniform(0, 50, (30, 8)))
    X[::4, 2] = np.nan
    df = _frame(X)
    want = lgb_model.predict(X)
    mixed = df.copy()
    mixed["tenure"] = mixed["tenure"].astype(np.int32)
    mixed["seats"] = mixed["seats"].astype("Int64")  # nullable integer
    mixed["total_charges"] = mixed["total_charges"].astype("Float64")  # pd.NA for the NaNs
    mixed["logins_30d"] = mixed["logins_30d"].astype(np.float32)
    assert mixed["total_charges"].isna().sum() == 8
    assert np.array_equal(lgb_model.predict(mixed), lgb_model.predict(X.astype(np.float64)))
    with pytest.raises(cl.InputError, match="'tenure' has dtype"):
        lgb_model.predict(df.assign(tenure=df["tenure"].astype(str)))
    with pytest.raises(cl.InputError, match="'tenure' has dtype"):
        lgb_model.predict(df.assign(tenure=pd.Timestamp("2020-01-01")))
    assert want.shape == (30,)


def test_dataframe_categorical_columns_become_codes(lgb_model):
    X = np.zeros((6, 8))
    df = _frame(X)
    df["seats"] = pd.Categorical(["a", "b", "c", None, "a", "c"], categories=["a", "b", "c"])
    codes = X.copy()
    codes[:, 5] = [0, 1, 2, np.nan, 0, 2]
    assert np.array_equal(lgb_model.shap_values(df), lgb_model.shap_values(codes))


def test_pandas_series_is_refused(lgb_model):
    with pytest.raises(cl.InputError, match="Series"):
        lgb_model.predict(_frame(np.zeros((2, 8))).iloc[0])


def test_pyarrow_and_polars(lgb_model):
    rng = np.random.default_rng(3)
    X = rng.uniform(0, 50, (20, 8))
    X[::3, 1] = np.nan
    df = _frame(X)
    want = lgb_model.shap_values(X)
    pa = pytest.importorskip("pyarrow")
    table = pa.Table.from_pandas(df[NUM_FEATURES[::-1]], preserve_index=False)
    assert np.array_equal(lgb_model.shap_values(table), want)
    assert np.array_equal(lgb_model.shap_values(table.to_batches()[0]), want)
    pl = pytest.importorskip("polars")
    pdf = pl.from_pandas(df[NUM_FEATURES[::-1]])
    assert np.array_equal(lgb_model.shap_values(pdf), want)
    with pytest.raises(cl.InputError, match="collect"):
        lgb_model.predict(pdf.lazy())
