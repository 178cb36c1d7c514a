"""Bundles: built from a freshly trained model and its training DataFrame, saved, loaded, used
to score, validate and report; and the demo bundle."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import churnlens as cl

from conftest import FIXTURES, REPO

xgb = pytest.importorskip("xgboost")
lgb = pytest.importorskip("lightgbm")

TELCO = REPO / "examples" / "data" / "telco.csv"
DEMO = REPO / "examples" / "demo" / "telco_bundle.json"


@pytest.fixture(scope="module")
def telco_frames():
    """The Telco table as a data scientist would load it: numbers, pandas categoricals, a
    Yes/No label; and a train/holdout split."""
    df = pd.read_csv(TELCO)
    df["TotalCharges"] = pd.to_numeric(df["TotalCharges"].str.strip().replace("", np.nan))
    for c in df.columns:
        if c not in ("customerID", "Churn") and not pd.api.types.is_numeric_dtype(df[c]):
            df[c] = df[c].astype("category")
    rng = np.random.default_rng(0)
    test = rng.random(len(df)) < 0.25
    return df, df[~test], df[test]


@pytest.fixture(scope="module")
def xgb_model(telco_frames):
    _, train, _ = telco_frames
    X = train.drop(columns=["customerID", "Churn"])
    y = (train.Churn == "Yes").astype(int)
    return xgb.XGBClassifier(
        n_estimators=60, max_depth=3, learning_rate=0.1, enable_categorical=True,
        tree_method="hist", max_cat_to_onehot=1, n_jobs=2,
    ).fit(X, y)


def test_build_save_load_score(xgb_model, telco_frames, tmp_path):
    df, train, holdout = telco_frames
    b = cl.Bundle.build(
        xgb_model, train, label="Churn", id_column="customerID", name="telco-test",
        description="a test", tiers={"low": 0.0, "medium": 0.3, "high": 0.6},
        holdout=holdout, sample_size=300, metrics={"note": 1},
    )
    assert repr(b) == '<churnlens.Bundle "telco-test": 19 inputs, reference, 300-row labelled sample, tiers>'
    meta = b.metadata
    assert meta["name"] == "telco-test" and meta["version"] == "1.0.0"
    assert meta["source"] == f"xgboost {xgb.__version__}"
    assert meta["created"].endswith("Z")
    assert meta["metrics"]["training_rows"] == len(train) and meta["metrics"]["note"] == 1
    assert meta["metrics"]["holdout_rows"] == len(holdout)
    assert 0.8 < meta["metrics"]["holdout_auc"] < meta["metrics"]["training_auc"] < 1.0
    s = b.schema
    assert s.identifier == "customerID" and s.label == "Churn"
    assert s.input_names == list(xgb_model.get_booster().feature_names)
    assert s.feature("Contract")["categories"] == ["Month-to-month", "One year", "Two year"]
    assert s.feature("Contract")["kind"] == "categorical"
    assert s.feature("tenure")["kind"] == "numeric"
    ref = b.reference
    assert ref["rows"] == len(train) and len(ref["features"]) == 19
    contract = [f for f in ref["features"] if f["name"] == "Contract"][0]
    assert {c["value"] for c in contract["categories"]} == {"Month-to-month", "One year", "Two year"}
    X, y = b.sample
    assert X.shape == (300, 19) and set(np.unique(y)) == {0.0, 1.0}
    assert b.tiers == [("low", 0.0), ("medium", 0.3), ("high", 0.6)]

    path = tmp_path / "telco.bundle.json"
    b.save(path)
    loaded = cl.Bundle.load(path)
    assert len(loaded.content_hash) == 64
    assert json.loads(path.read_text())["metadata"]["content_hash"] == loaded.content_hash
    assert loaded.schema == b.schema and loaded.reference == b.reference
    assert loaded.tiers == b.tiers and loaded.metadata["name"] == "telco-test"
    np.testing.assert_array_equal(loaded.sample[0], X)
    assert cl.Bundle.from_bytes(path.read_bytes()).content_hash == loaded.content_hash
    assert cl.Bundle.from_bytes(b.to_json().encode()).schema == b.schema

    # Scores like XGBoost: from the DataFrame, and from validated raw text.
    Xh = holdout.drop(columns=["customerID", "Churn"])
    want = xgb_model.predict_proba(Xh)[:, 1]
    np.testing.assert_allclose(loaded.model.predict(Xh), want, atol=1e-6)
    raw = pd.read_csv(TELCO).loc[holdout.index]  # strings as exported, "Yes"/"No", " " blanks
    v = cl.validate(raw, None, loaded)
    assert v.summary["accepted"] == len(raw)
    np.testing.assert_allclose(loaded.model.predict(v.features), want, atol=1e-6)
    assert (v.labels == (holdout.Churn == "Yes").to_numpy()).all()

    # The quality report of the holdout: no drift to speak of, an AUC estimate that drops
    # without tenure.
    r = cl.quality_report(raw, loaded)
    assert r.grade == "good" and r.missing_features == []
    from churnlens._churnlens import _auc

    want_auc = _auc(loaded.model.predict(X).tolist(), y.tolist())
    assert r.complete_auc == pytest.approx(want_auc, abs=1e-4)  # the report rounds
    r2 = cl.quality_report(raw.drop(columns=["tenure"]), loaded)
    assert r2.expected_auc < r.expected_auc


def test_build_with_label_array_words_and_paths(xgb_model, telco_frames, tmp_path):
    _, train, _ = telco_frames
    X = train.drop(columns=["customerID", "Churn"])
    path = tmp_path / "m.json"
    xgb_model.get_booster().save_model(path)
    words = train.Churn.map({"Yes": "Churned", "No": "Retained"}).to_numpy()
    by_path = cl.Bundle.build(path, X, label=words, sample_size=100, seed=3)
    by_bytes = cl.Bundle.build(path.read_bytes(), X, label=(train.Churn == "Yes").to_numpy(),
                               sample_size=100, seed=3)
    by_booster = cl.Bundle.build(xgb_model.get_booster(), X,
                                 label=(train.Churn == "Yes").astype(bool), sample_size=100, seed=3)
    for b in (by_path, by_bytes, by_booster):
        # The core's defaults: label and identifier named, default tiers written.
        assert b.schema.label == "Churn" and b.schema.identifier == "customerID"
        np.testing.assert_array_equal(b.sample[0], by_path.sample[0])
        np.testing.assert_array_equal(b.sample[1], by_path.sample[1])
        assert b.tiers == [("low", 0.0), ("medium", 0.25), ("high", 0.5)]
        assert b.metadata["name"] == "model"
    assert by_path.metadata["source"] == "XGBoost model (churnlens bundle build)"
    # Without a label: reference only, no sample, no AUC estimate.
    nolabel = cl.Bundle.build(xgb_model, X)
    assert nolabel.sample is None and nolabel.reference is not None
    assert cl.quality_report(X.head(50), nolabel).expected_auc is None
    # A numpy matrix of model inputs works too.
    from churnlens._input import to_matrix

    arr = cl.Bundle.build(xgb_model, to_matrix(X, nolabel.model))
    assert arr.reference == nolabel.reference


def test_build_errors(xgb_model, telco_frames):
    _, train, _ = telco_frames
    X = train.drop(columns=["customerID", "Churn"])
    with pytest.raises(cl.InputError, match="not a column"):
        cl.Bundle.build(xgb_model, train, label="churned")
    with pytest.raises(cl.InputError, match="0/1"):
        cl.Bundle.build(xgb_model, X, label=np.full(len(X), 2))
    with pytest.raises(cl.InputError, match="labels for"):
        cl.Bundle.build(xgb_model, X, label=np.zeros(3))
    with pytest.raises(cl.InputError, match="lacks"):
        cl.Bundle.build(xgb_model, X.drop(columns=["tenure"]))
    with pytest.raises(cl.InputError, match="churnlens.Model"):
        cl.Bundle.build(cl.Model.load(xgb_model), X)
    with pytest.raises(TypeError):
        cl.Bundle.build(42, X)
    with pytest.raises(cl.BundleError):
        cl.Bundle.build(xgb_model, X, tiers={"high": 1.5})
    with pytest.raises(cl.SchemaError):
        cl.Bundle.build(xgb_model, X, schema=cl.Schema(["a"]))


def test_build_lightgbm(telco_frames, tmp_path):
    _, train, holdout = telco_frames
    X = train.drop(columns=["customerID", "Churn"])
    y = (train.Churn == "Yes").astype(int)
    model = lgb.LGBMClassifier(n_estimators=50, num_leaves=15, verbose=-1, n_jobs=2).fit(X, y)
    b = cl.Bundle.build(model, train, label="Churn", id_column="customerID", holdout=holdout)
    assert b.metadata["source"] == f"lightgbm {lgb.__version__}"
    assert b.schema.feature("PaymentMethod")["categories"] == list(X.PaymentMethod.cat.categories)
    path = tmp_path / "lgb.bundle.json"
    b.save(path)
    loaded = cl.Bundle.load(path)
    Xh = holdout.drop(columns=["customerID", "Churn"])
    np.testing.assert_allclose(loaded.model.predict(Xh), model.predict_proba(Xh)[:, 1], atol=1e-12)
    raw = pd.read_csv(TELCO).loc[holdout.index]
    v = cl.validate(raw, None, loaded)
    np.testing.assert_allclose(loaded.model.predict(v.features), model.predict_proba(Xh)[:, 1],
                               atol=1e-12)


def test_categories_without_stored_labels(telco_frames):
    """A model trained from codes (no labels in the file): the training frame's categories name
    the codes, so text validates to the codes the model saw."""
    _, train, _ = telco_frames
    X = train.drop(columns=["customerID", "Churn"])
    codes = X.copy()
    cats = [c for c in X.columns if str(X[c].dtype) == "category"]
    for c in cats:
        codes[c] = X[c].cat.codes.astype(float)
    d = xgb.DMatrix(codes, label=(train.Churn == "Yes").astype(int),
                    feature_types=["c" if c in cats else "q" for c in X.columns],
                    enable_categorical=True)
    bst = xgb.train({"objective": "binary:logistic", "max_depth": 3, "max_cat_to_onehot": 1}, d, 20)
    assert cl.Model.load(bst).category_labels == [None] * X.shape[1]
    b = cl.Bundle.build(bst, X, label=(train.Churn == "Yes").astype(int))
    assert b.schema.feature("Contract")["categories"] == list(X.Contract.cat.categories)
    v = cl.validate(pd.read_csv(TELCO).loc[train.index], None, b)
    np.testing.assert_allclose(b.model.predict(v.features), bst.predict(d), atol=1e-6)


def test_demo_bundle_and_bare_models():
    b = cl.Bundle.load(DEMO)
    assert b.name == "telco-churn-demo" and len(b.content_hash) == 64
    X, y = b.sample
    want = json.loads((DEMO.parent / "telco_sample_predictions.json").read_text())
    np.testing.assert_allclose(b.model.predict(X), want["sample_predictions"], atol=1e-6)
    assert b.model is b.model  # made once
    bare = cl.Bundle.load(FIXTURES / "lgb_binary" / "model.txt")
    assert bare.reference is None and bare.sample is None and bare.tiers is None
    assert bare.schema.input_names == bare.model.feature_names
    assert bare.model_bytes == (FIXTURES / "lgb_binary" / "model.txt").read_bytes()


def test_bundle_errors(tmp_path):
    text = cl.Bundle.load(DEMO).to_json()
    tampered = text.replace('"telco-churn-demo"', '"telco-churn-dem0"', 1)
    with pytest.raises(cl.BundleError) as e:
        cl.Bundle.from_bytes(tampered.encode())
    assert e.value.field == "metadata.content_hash" and "changed" in str(e.value)
    with pytest.raises(cl.BundleError) as e:
        cl.Bundle.from_bytes(b'{"format": "churnlens.bundle", "format_version": 9}')
    assert e.value.field == "format_version"
    with pytest.raises(cl.ModelError):
        cl.Bundle.from_bytes(b"not a model")
    with pytest.raises(cl.FileError):
        cl.Bundle.load(tmp_path / "missing.json")
    b = cl.Bundle.load(FIXTURES / "xgb_binary" / "model.json")
    with pytest.raises(cl.BundleError):
        b.set_tiers([("high", 0.5), ("low", 0.0)])
    b.set_tiers([("low", 0.0), ("high", 0.5)])
    assert b.tiers == [("low", 0.0), ("high", 0.5)]
    n = b.schema.num_inputs
    with pytest.raises(cl.InputError):
        b.set_reference(np.zeros((4, n + 1)))
    with pytest.raises(cl.BundleError):
        b.set_sample(np.zeros((4, n)), np.array([0.0, 1.0, 2.0, 0.0]))
    b.set_sample(np.zeros((2, n)), np.array([0.0, 1.0]))
    b.set_reference(np.zeros((4, n)))
    b.set_metadata(name="x", metrics={"auc": 0.5})
    again = cl.Bundle.from_bytes(b.to_json().encode())
    assert again.metadata["name"] == "x" and again.metadata["metrics"] == {"auc": 0.5}
    assert again.sample[0].shape == (2, n)


def test_build_samples_evenly_by_default_and_is_reproducible(xgb_model, telco_frames):
    """Without a seed the sample is evenly spaced through the labelled rows (the core's rule,
    the CLI's too); with `created` fixed the bytes are the same every time."""
    _, train, _ = telco_frames
    X = train.drop(columns=["customerID", "Churn"])
    y = (train.Churn == "Yes").to_numpy()
    when = "2026-12-01T00:00:00Z"
    a = cl.Bundle.build(xgb_model, X, label=y, sample_size=40, created=when)
    assert a.to_json() == cl.Bundle.build(xgb_model, X, label=y, sample_size=40,
                                          created=when).to_json()
    assert a.metadata["created"] == when
    n = len(X)
    picks = [j * n // 40 for j in range(40)]
    from churnlens._input import to_matrix

    np.testing.assert_array_equal(a.sample[0], to_matrix(X, a.model)[picks])
    np.testing.assert_array_equal(a.sample[1], y[picks].astype(float))
    seeded = cl.Bundle.build(xgb_model, X, label=y, sample_size=40, created=when, seed=7)
    assert not np.array_equal(seeded.sample[0], a.sample[0])
    assert seeded.to_json() == cl.Bundle.build(xgb_model, X, label=y, sample_size=40,
                                               created=when, seed=7).to_json()


def test_build_refuses_models_that_are_not_binary_classifiers():
    path = FIXTURES / "xgb_multiclass" / "model.json"
    n = cl.Model.load(path).num_features
    with pytest.raises(cl.UnsupportedError, match="binary classification"):
        cl.Bundle.build(path, np.zeros((3, n)))


def test_build_matches_the_cli_byte_for_byte(tmp_path):
    """The CLI's `bundle build` and `Bundle.build` on the same model, data, created and seed
    write the same bytes: both are the core's BundleBuilder."""
    cli = REPO / "target" / "debug" / "churnlens"
    if not cli.exists():
        pytest.skip("the churnlens CLI is not built (cargo build -p churnlens-cli)")
    import shutil
    import subprocess

    model = tmp_path / "model.json"
    shutil.copy(FIXTURES / "xgb_binary" / "model.json", model)
    training = REPO / "tests" / "data" / "bundle_training.csv"
    common = dict(name="parity", source="parity", created="2026-12-01T00:00:00Z")
    for seed in (None, 7):
        out = tmp_path / f"cli-{seed}.json"
        args = [str(cli), "bundle", "build", "--model", str(model), "--training", str(training),
                "--out", str(out), "--sample-rows", "50", "--bins", "5", "--tiers", "0.3,0.6",
                "--name", "parity", "--source", "parity", "--created", common["created"]]
        if seed is not None:
            args += ["--seed", str(seed)]
        subprocess.run(args, check=True, capture_output=True)
        df = pd.read_csv(training, dtype={"customerID": str})
        b = cl.Bundle.build(model.read_bytes(), df, label="Churn", id_column="customerID",
                            sample_size=50, bins=5,
                            tiers={"low": 0.0, "medium": 0.3, "high": 0.6}, seed=seed, **common)
        assert b.to_json() == out.read_text(), f"seed {seed}"
