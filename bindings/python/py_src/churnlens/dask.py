"""Score and explain a Dask DataFrame with a churnlens bundle, partition by partition.

>>> import dask.dataframe as dd
>>> from churnlens.dask import score_dask
>>> ddf = dd.read_csv("exports/customers-*.csv", dtype=str, keep_default_na=False)  # doctest: +SKIP
>>> scored = score_dask(ddf, "telco_bundle.json")                                    # doctest: +SKIP
>>> scored[scored.risk_tier == "high"].to_parquet("high_risk/")                      # doctest: +SKIP

How it runs (``pip install churnlens[dask]``; every worker needs the churnlens wheel):

* the bundle file's bytes become one node of the task graph, so each worker receives them
  once; each worker process parses them the first time it needs them and keeps the bundle in
  a module-level cache keyed by the bytes' SHA-256;
* the column mapping is resolved once, on the client, from the first partition's first 500
  rows, and handed to every partition as overrides that pin each decision;
* ``map_partitions`` runs :func:`churnlens.score_frame` on each partition, with ``meta`` set
  to its (empty) result, so nothing is computed to learn the output's shape. Every input row
  comes out exactly once: scored, or rejected with its reasons.

The output has :func:`churnlens.score_frame`'s columns, preceded by the ``keep`` columns, and
the input's index and divisions. ``row`` is ``partition * 2**33 + position in partition + 1``
(see :mod:`churnlens._scaleout`). Duplicate customer ids are found within each partition.
"""

from __future__ import annotations

import warnings
from typing import Any, List, Optional, Sequence

from . import _scaleout
from ._pipeline import _as_of, _count, _empty_frame

__all__ = ["score_dask"]


def _score_partition(pdf: Any, data: bytes, key: str, overrides_json: str, keep: List[str],
                     top_k: int, shap: bool, as_of: Any, n_threads: Optional[int],
                     partition_info: Any = None) -> Any:
    bundle = _scaleout.cached_bundle(key, data)
    part = partition_info["number"] if partition_info else 0
    first = part * _scaleout.PARTITION_STRIDE + 1
    if len(pdf) == 0:
        return _meta(bundle, shap, pdf[keep], pdf.index)
    return _scaleout.score_part(pdf, bundle, overrides_json, first, keep, top_k, shap, as_of,
                                n_threads)


def _meta(bundle: Any, shap: bool, kept: Any, index: Any) -> Any:
    import pandas as pd  # noqa: PLC0415

    out = _empty_frame(bundle, shap, index)
    return pd.concat([kept.iloc[:0].set_axis(index[:0]), out], axis=1) if kept.shape[1] else out


def score_dask(
    ddf: Any,
    bundle: Any,
    *,
    top_k: int = 3,
    shap: bool = False,
    overrides: Any = None,
    keep: Optional[Sequence[str]] = None,
    as_of: Any = None,
    n_threads: Optional[int] = 1,
) -> Any:
    """Scores a Dask DataFrame of customers; returns a lazy Dask DataFrame, one row per input
    row (arguments as for :func:`churnlens.spark.score_spark`). ``n_threads`` is churnlens's
    thread count inside each task (default 1: run one worker thread per core; ``None`` uses
    every core of the worker)."""
    import dask  # noqa: PLC0415

    b, data, key = _scaleout.bundle_payload(bundle)
    keep = _scaleout.check_keep(keep, list(ddf.columns), b, shap)
    top_k = _count("top_k", top_k)
    as_of = _as_of(as_of)
    with warnings.catch_warnings():
        # A first partition shorter than the sample is fine: the mapper sees what there is.
        warnings.filterwarnings("ignore", message="Insufficient elements", category=UserWarning)
        sample = ddf.head(_scaleout.SAMPLE_ROWS, npartitions=1, compute=True)
    overrides_json = _scaleout.resolve_overrides(sample, b, overrides)
    meta = _meta(b, shap, ddf._meta[keep], ddf._meta.index)
    shared = dask.delayed(data, pure=True, name=f"churnlens-bundle-{key[:16]}")
    return ddf.map_partitions(
        _score_partition,
        shared,
        key,
        overrides_json,
        keep,
        top_k,
        shap,
        as_of,
        n_threads,
        meta=meta,
        align_dataframes=False,
        enforce_metadata=False,
    )
