"""Score and explain a Spark DataFrame with a churnlens bundle, partition by partition.

>>> from churnlens.spark import score_spark
>>> scored = score_spark(spark.table("crm.customers"), "telco_bundle.json", shap=True)  # doctest: +SKIP
>>> scored.where("status = 'rejected'").select("row", "reject_reasons").show()        # doctest: +SKIP

How it runs (``pip install churnlens[spark]``; the executors need the churnlens wheel too):

* the bundle file's bytes are broadcast once; each Python worker parses them the first time
  one of its tasks needs them and keeps the bundle in a module-level cache keyed by the bytes'
  SHA-256, so later tasks (Spark reuses Python workers) skip the parse;
* the column mapping is resolved once, on the driver, from the DataFrame's columns and its
  first 500 rows, and handed to every partition as overrides that pin each decision, so every
  partition maps the same columns whatever its own rows look like;
* ``mapInPandas`` feeds each partition's Arrow batches to :func:`churnlens.score_frame`, which
  runs the same pipeline as ``churnlens score``: mapping, validation, prediction, TreeSHAP,
  tiers and reasons. Every input row comes out exactly once: scored, or rejected with its
  reasons.

The output has :func:`churnlens.score_frame`'s columns (``row``, ``customer_id``, ``status``,
``churn_probability``, ``risk_tier``, ``raises_risk``, ``lowers_risk``, ``top_drivers``,
``reject_codes``, ``reject_reasons``, and with ``shap=True`` ``shap_<feature>`` and
``shap_bias``), preceded by the ``keep`` columns passed through from the input. ``row`` is
``partition * 2**33 + position in partition + 1`` (see :mod:`churnlens._scaleout`).
Duplicate customer ids are found within each Arrow batch (``maxRecordsPerBatch`` rows), not
across the whole DataFrame.
"""

from __future__ import annotations

from typing import Any, Iterator, Optional, Sequence

from . import _scaleout
from ._pipeline import FRAME_COLUMNS, _as_of, _count

__all__ = ["score_spark", "output_schema"]


def output_schema(bundle: Any, *, shap: bool = False, keep_fields: Sequence[Any] = ()) -> Any:
    """The Spark schema of :func:`score_spark`'s result (``keep_fields`` are the input's
    ``StructField`` s passed through in front)."""
    from pyspark.sql import types as T  # noqa: PLC0415

    b = _scaleout._bundle(bundle)
    fields = list(keep_fields)
    for c in FRAME_COLUMNS:
        if c == "row":
            fields.append(T.StructField(c, T.LongType(), False))
        elif c == "churn_probability":
            fields.append(T.StructField(c, T.DoubleType(), True))
        else:
            fields.append(T.StructField(c, T.StringType(), True))
    if shap:
        fields += [T.StructField(c, T.DoubleType(), True) for c in _scaleout.shap_columns(b)]
    return T.StructType(fields)


def score_spark(
    sdf: Any,
    bundle: Any,
    *,
    top_k: int = 3,
    shap: bool = False,
    overrides: Any = None,
    keep: Optional[Sequence[str]] = None,
    as_of: Any = None,
    n_threads: Optional[int] = 1,
) -> Any:
    """Scores a Spark DataFrame of customers; returns a Spark DataFrame, one row per input row.

    ``bundle`` is a :class:`churnlens.Bundle` or a bundle path readable on the driver.
    ``overrides`` fix mapping decisions before the driver resolves the rest. ``keep`` names
    input columns to pass through (e.g. a key to join the results back on). ``n_threads``
    is churnlens's thread count inside each task (default 1: Spark already runs one task per
    core; ``None`` uses every core of the executor).
    """
    b, data, key = _scaleout.bundle_payload(bundle)
    columns = list(sdf.columns)
    keep = _scaleout.check_keep(keep, columns, b, shap)
    top_k = _count("top_k", top_k)
    as_of = _as_of(as_of)
    sample = sdf.limit(_scaleout.SAMPLE_ROWS).toPandas()
    overrides_json = _scaleout.resolve_overrides(sample, b, overrides)
    shared = sdf.sparkSession.sparkContext.broadcast(data)
    schema = output_schema(b, shap=shap, keep_fields=[sdf.schema[k] for k in keep])
    names = _scaleout.output_columns(b, shap, keep)

    def score_partition(batches: Iterator[Any]) -> Iterator[Any]:
        from pyspark import TaskContext  # noqa: PLC0415

        from churnlens import _scaleout as so  # noqa: PLC0415

        model = so.cached_bundle(key, lambda: shared.value)
        ctx = TaskContext.get()
        part = ctx.partitionId() if ctx is not None else 0
        done = 0
        for pdf in batches:
            if len(pdf) == 0:
                continue
            first = part * so.PARTITION_STRIDE + done + 1
            out = so.score_part(pdf, model, overrides_json, first, keep, top_k, shap, as_of,
                                n_threads)
            done += len(pdf)
            yield out[names]

    return sdf.mapInPandas(score_partition, schema)
