"""Spark and Dask scale-out (issue 10): ``churnlens.spark.score_spark`` in ``local[2]`` and
``churnlens.dask.score_dask`` on a 2-process ``LocalCluster`` give, row for row, what a single
process gets from ``churnlens.score_frame`` on the same rows, and a partition full of bad
rows comes back as rejected rows with their reasons, none lost.

Select with ``pytest -m spark`` / ``-m dask``; each engine starts once per module.
"""

from __future__ import annotations

import csv
import os
import shutil
import sys

import numpy as np
import pandas as pd
import pytest

import churnlens as cl
from churnlens import _scaleout

from conftest import REPO

BUNDLE = REPO / "examples" / "demo" / "telco_bundle.json"
EXPORT = REPO / "examples" / "demo" / "customers_export.csv"
STRIDE = _scaleout.PARTITION_STRIDE


def export_frame() -> pd.DataFrame:
    with open(EXPORT, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    head = rows[0]
    return pd.DataFrame([(r + [""] * len(head))[: len(head)] for r in rows[1:]], columns=head)


def bad_rows(good: pd.DataFrame) -> pd.DataFrame:
    """Forty rows a scorer must reject: text tenure, blank monthly charge, unknown contract,
    and a few all-blank rows."""
    bad = good.head(40).copy()
    bad["Account ID"] = [f"BAD-{i:03d}" for i in range(40)]
    bad.loc[bad.index[:10], "Tenure (Months)"] = "about a year"
    bad.loc[bad.index[10:20], "Monthly Charges ($)"] = ""
    bad.loc[bad.index[20:30], "Contract Term"] = "Lifetime deal"
    bad.iloc[30:, :] = ""
    return bad.reset_index(drop=True)


@pytest.fixture(scope="module")
def bundle():
    return cl.Bundle.load(BUNDLE)


@pytest.fixture(scope="module")
def parts():
    """The input as partitions: three of the demo export, then one of bad rows only."""
    good = export_frame()
    return [good.iloc[:400], good.iloc[400:700], good.iloc[700:], bad_rows(good)]


def expected(parts, bundle, shap, overrides=None):
    """score_frame on each partition's rows, numbered as the scale-out modules number them."""
    out = [
        cl.score_frame(p, bundle, shap=shap, first_row=i * STRIDE + 1, overrides=overrides)
        .reset_index(drop=True)
        for i, p in enumerate(parts)
    ]
    return pd.concat(out, ignore_index=True)


def assert_same(got: pd.DataFrame, want: pd.DataFrame):
    got = got.sort_values("row").reset_index(drop=True)
    assert got.row.tolist() == want.row.tolist()
    for c in want.columns:
        a, b = got[c].to_numpy(), want[c].to_numpy()
        if want[c].dtype.kind == "f":
            assert np.array_equal(a.astype(float), b.astype(float), equal_nan=True), c
        elif c != "row":
            norm = lambda v: [None if x is None or x != x else x for x in v]  # noqa: E731
            assert norm(a) == norm(b), c


def check_rows(got: pd.DataFrame, parts, bundle):
    """Every row once; the bad partition is all rejected with reasons; apart from duplicate
    ids split across partitions, the results are a single process's on the whole input."""
    total = sum(len(p) for p in parts)
    assert len(got) == total and got.row.is_unique
    bad = got[got.row >= 3 * STRIDE]
    assert len(bad) == len(parts[3]) and (bad.status == "rejected").all()
    assert bad.reject_reasons.str.len().gt(0).all()
    codes = set(";".join(bad.reject_codes).split(";"))
    assert {"type_mismatch", "missing_required", "empty_row"} <= codes, codes
    whole = cl.score_frame(pd.concat(parts, ignore_index=True), bundle)
    mine = got.sort_values("row").reset_index(drop=True)
    differ = mine.status.to_numpy() != whole.status.to_numpy()
    assert set(whole.reject_codes[differ]) <= {"duplicate_id"}
    same = ~differ
    assert np.array_equal(
        mine.churn_probability[same].to_numpy(), whole.churn_probability[same].to_numpy(),
        equal_nan=True,
    )


# --- Spark -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs a Java runtime")
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("churnlens-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def spark_frame(spark, parts):
    """One Spark partition per part, in order (an RDD union keeps its inputs' partitions;
    a DataFrame union of local data would be merged by the optimizer)."""
    from pyspark.sql import types as T

    columns = list(parts[0].columns)
    schema = T.StructType([T.StructField(c, T.StringType(), True) for c in columns])
    sc = spark.sparkContext
    rdds = [sc.parallelize([tuple(r) for r in p.itertuples(index=False)], 1) for p in parts]
    return spark.createDataFrame(sc.union(rdds), schema)


@pytest.mark.spark
@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_spark_equals_score_frame(spark, parts, bundle):
    from churnlens.spark import score_spark

    sdf = spark_frame(spark, parts)
    assert sdf.rdd.getNumPartitions() == 4
    scored = score_spark(sdf, BUNDLE, shap=True, keep=["Account ID"])
    got = scored.toPandas()
    assert list(got.columns[:2]) == ["Account ID", "row"]
    assert got["Account ID"].tolist() == pd.concat(parts)["Account ID"].tolist()
    want = expected(parts, bundle, shap=True)
    assert_same(got.drop(columns=["Account ID"]), want)
    check_rows(got, parts, bundle)


@pytest.mark.spark
@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_spark_batches_and_mapping(spark, parts, bundle):
    """Small Arrow batches: row numbers still count through a partition; a mapping override
    given on the driver reaches every partition."""
    from churnlens.spark import score_spark

    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "64")
    try:
        sdf = spark_frame(spark, parts[:2])
        got = score_spark(sdf, bundle, overrides={"gender": None}).toPandas()
    finally:
        spark.conf.unset("spark.sql.execution.arrow.maxRecordsPerBatch")
    assert got.row.tolist() == list(range(1, 401)) + list(range(STRIDE + 1, STRIDE + 301))
    assert_same(got, expected(parts[:2], bundle, shap=False, overrides={"gender": None}))
    mapped = expected(parts[:2], bundle, shap=False)
    assert (got.churn_probability != mapped.churn_probability).sum() > 100  # gender unread


# --- Dask ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dask_client():
    pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.mark.dask
def test_dask_equals_score_frame(dask_client, parts, bundle):
    import dask.dataframe as dd

    from churnlens.dask import score_dask

    whole = pd.concat(parts, ignore_index=True)
    bounds = np.cumsum([0] + [len(p) for p in parts])
    divisions = list(bounds[:-1]) + [bounds[-1] - 1]
    ddf = dd.from_pandas(whole, npartitions=1).repartition(divisions=divisions)
    assert [len(ddf.partitions[i].compute()) for i in range(4)] == [len(p) for p in parts]
    scored = score_dask(ddf, bundle, shap=True, keep=["Account ID"])
    empty = scored._meta
    assert list(empty.columns) == (
        ["Account ID"] + list(cl._pipeline.FRAME_COLUMNS) + cl.shap_columns(bundle)
    )
    got = scored.compute()
    assert got.dtypes.to_dict() == empty.dtypes.to_dict()
    want = expected(parts, bundle, shap=True)
    assert_same(got.drop(columns=["Account ID"]), want)
    check_rows(got, parts, bundle)
    # each worker parsed the bundle once, however many partitions it scored
    loaded = dask_client.run(lambda: len(__import__("churnlens._scaleout")._scaleout._bundles))
    assert set(loaded.values()) <= {0, 1}
