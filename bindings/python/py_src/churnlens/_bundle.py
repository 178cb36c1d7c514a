"""``Bundle.build``: a bundle from a trained model and its training DataFrame.

This module only converts: the model to its file's bytes, the DataFrame to model inputs exactly
as ``Model.predict`` reads them (:func:`churnlens._input.to_matrix`), labels to 0/1, category
names to a schema patch. The core's ``BundleBuilder`` (``churn_core::bundle::builder``) does the
rest (reference profile, labelled sample, metrics, tiers, metadata), the same code as
``churnlens bundle build`` and Node's ``buildBundle``: the same model, data, ``created`` and
``seed`` give the same bundle bytes.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _table
from ._churnlens import Bundle, Schema, _build_bundle, _parse_labels
from ._errors import InputError

Tiers = Union[Mapping[str, float], Sequence[Tuple[str, float]]]


def _source(model: Any) -> Tuple[bytes, str]:
    """The model file's bytes, and what produced it (for the metadata)."""
    from . import Model, _model_bytes  # noqa: PLC0415  (the package is initialised by now)

    if isinstance(model, Model):
        raise InputError(
            "Bundle.build needs the model file, not a loaded churnlens.Model (which keeps no "
            "copy of it): pass the trained booster, the file's path or its bytes"
        )
    top = type(model).__module__.split(".", 1)[0]
    produced = ""
    if top in ("xgboost", "lightgbm"):
        import importlib  # noqa: PLC0415

        produced = f"{top} {getattr(importlib.import_module(top), '__version__', '')}".strip()
    raw = _model_bytes(model)
    if isinstance(raw, (str, os.PathLike)):
        raw = Bundle.load(raw).model_bytes  # a bare model file (or a bundle's model)
    elif isinstance(raw, (bytearray, memoryview)):
        raw = bytes(raw)
    if not isinstance(raw, bytes):
        raise TypeError(
            "Bundle.build expects a trained xgboost/lightgbm booster or scikit-learn wrapper, a "
            f"model file path or its bytes, got {type(model).__name__}"
        )
    return raw, produced


def _label_values(y: Any, what: str) -> np.ndarray:
    """0/1 labels as float64, from numbers, booleans or words (Yes/No, Churned/Retained...);
    NaN where the label is missing."""
    if str(getattr(y, "dtype", "")) == "category":  # a pandas categorical: its labels, as text
        arr = np.asarray(_table._column_cells(y), dtype=object)
    elif hasattr(y, "to_numpy"):
        arr = np.asarray(y.to_numpy())
    else:
        arr = np.asarray(y)
    if arr.ndim != 1:
        raise InputError(f"{what} must be one-dimensional, got shape {arr.shape}")
    if arr.dtype.kind in "biuf":
        out = arr.astype(np.float64)
        missing = np.isnan(out)
    else:
        out = np.asarray(_parse_labels(_table._values(arr)), dtype=np.float64)
        missing = np.array([c is None or c != c or str(c).strip() == "" for c in arr.tolist()],
                           dtype=bool)
    # A missing label is an unlabelled row (NaN, as the core reads it); anything else must be
    # a label.
    bad = ~np.isin(out, (0.0, 1.0)) & ~missing
    if bad.any():
        examples = ", ".join(repr(v) for v in list(dict.fromkeys(arr[bad].tolist()))[:5])
        raise InputError(
            f"{what} must be 0/1 churn labels (numbers, booleans, or words such as Yes/No or "
            f"Churned/Retained); {int(bad.sum())} values are not, e.g. {examples}"
        )
    return out


def _category_names(model: Any, j: int, column: Any) -> Optional[List[str]]:
    """The names of the categories of input ``j``, in code order: the model's stored labels,
    else the training column's own categories (whose codes the model then saw)."""
    labels = model.category_labels[j]
    if labels is not None:
        return _table._values(np.asarray(labels, dtype=object))
    if column is not None and str(column.dtype) == "category":
        return _table._values(np.asarray(column.cat.categories, dtype=object))
    return None


def _inputs_frame(df: Any, model: Any, drop: Sequence[str]) -> Any:
    names = list(model.feature_names)
    cols = [str(c) for c in df.columns]
    if all(n in cols for n in names):
        return df[[df.columns[cols.index(n)] for n in names]]
    rest = df[[c for c, k in zip(df.columns, cols) if k not in drop]]
    generic = names == [f"f{i}" for i in range(len(names))]
    if generic and rest.shape[1] == len(names):
        out = rest.copy()
        out.columns = names
        return out
    missing = [n for n in names if n not in cols]
    raise InputError(
        f"the training DataFrame lacks {len(missing)} of the model's features: "
        f"{missing[:10]}{' ...' if len(missing) > 10 else ''}"
    )


def _tier_list(tiers: Tiers) -> List[Tuple[str, float]]:
    items = list(tiers.items()) if isinstance(tiers, Mapping) else [tuple(t) for t in tiers]
    return sorted(((str(n), float(p)) for n, p in items), key=lambda t: t[1])


def build(
    model: Any,
    data: Any,
    label: Any = None,
    *,
    name: str = "model",
    version: str = "1.0.0",
    description: str = "",
    id_column: Optional[str] = None,
    schema: Optional[Schema] = None,
    tiers: Optional[Tiers] = None,
    sample_size: int = 500,
    holdout: Any = None,
    bins: int = 10,
    seed: Optional[int] = None,
    metrics: Optional[Dict[str, float]] = None,
    created: Optional[str] = None,
    source: Optional[str] = None,
) -> Bundle:
    """Builds a bundle from a trained model and the DataFrame it was trained on.

    * ``model``: a trained ``xgboost``/``lightgbm`` Booster or scikit-learn wrapper, a model
      file's path, or its bytes. It must be a binary classifier with a logistic output
      (``binary:logistic``, LightGBM ``binary``); others raise ``UnsupportedModelError``.
    * ``data``: the training DataFrame (pandas, polars or pyarrow), holding the model's features
      by name (extra columns are ignored), or a 2-D array of model inputs.
    * ``label``: the churn label: a column name of ``data`` (kept in the schema as the label,
      so the quality report finds it in new tables) or an array; 0/1, booleans or words such as
      Yes/No. Without it the bundle has no labelled sample and no ``training_auc``.
    * ``id_column``: the customer-id column, named in the schema as the identifier
      (default ``customerID`` when the schema names none; the label defaults to ``Churn``).
    * ``schema``: a :class:`Schema` to use instead of the derived one (it must fit the model).
      The derived schema is the model's (``Schema.from_model``), with the category names of
      each categorical feature (the model's stored labels, else the training column's
      categories) so that text such as ``"Month-to-month"`` validates to the code the model
      was trained with.
    * ``tiers``: risk tiers, ``{"low": 0.0, "medium": 0.25, "high": 0.5}`` or a list of
      ``(name, min_probability)``; None writes the default tiers.
    * ``sample_size``: labelled rows kept for the estimated-AUC check (default 500), from
      ``holdout`` (a held-out DataFrame with the same label column: better) or else from
      ``data``: evenly spaced through the rows, or with ``seed`` (an int) a seeded shuffle
      whose rule is documented in the core (``churn_core::bundle::builder``).
    * ``bins``: quantile bins per numeric feature in the reference profile (default 10).
    * ``name``, ``version``, ``description``, ``metrics``: metadata. ``training_rows`` and,
      with labels, ``training_auc`` (in-sample) are added to the metrics; with a holdout,
      ``holdout_rows`` and ``holdout_auc``. Metrics given here win.
    * ``created``: the creation time written (ISO 8601; default now, UTC): fix it, and
      ``seed``, for reproducible bytes.
    * ``source``: what produced the model (default: the training library and its version
      when ``model`` is a booster, else the core's ``<format> model (churnlens bundle build)``).
    """
    raw, produced = _source(model)
    cl_model = Bundle.from_model_bytes(raw).model

    # Labels and the input columns.
    label_name = label if isinstance(label, str) else None
    frame = _table._is_frame(data)
    df = _table._as_pandas(data) if frame else None
    y = None
    if label_name is not None:
        if df is None or label_name not in [str(c) for c in df.columns]:
            raise InputError(f"label {label_name!r} is not a column of the training data")
        y = _label_values(df[label_name], f"label column {label_name!r}")
    elif label is not None:
        y = _label_values(label, "label")
    from ._input import to_matrix  # noqa: PLC0415

    drop = [c for c in (label_name, id_column) if c is not None]
    if df is not None:
        if id_column is not None and id_column not in [str(c) for c in df.columns]:
            raise InputError(f"id_column {id_column!r} is not a column of the training data")
        xdf = _inputs_frame(df, cl_model, drop)
        x = to_matrix(xdf, cl_model)
    else:
        xdf = None
        x = to_matrix(data, cl_model)
    x = np.ascontiguousarray(x, dtype=np.float64)

    # The derived schema's category names (the DataFrame's own, which only Python sees).
    schema_json = None
    if schema is None:
        patch: List[Dict[str, Any]] = []
        kinds = cl_model.feature_kinds
        for j, fname in enumerate(cl_model.feature_names):
            if kinds[j] != "categorical":
                continue
            column = xdf.iloc[:, j] if xdf is not None else None
            cats = _category_names(cl_model, j, column)
            if cats:
                patch.append({"name": fname, "categories": cats})
        if patch:
            schema_json = json.dumps({"features": patch})

    hx = hy = None
    if holdout is not None:
        if label_name is None:
            raise InputError("holdout needs label to be a column name")
        hdf = _table._as_pandas(holdout)
        if label_name not in [str(c) for c in hdf.columns]:
            raise InputError(f"label {label_name!r} is not a column of holdout")
        hy = _label_values(hdf[label_name], f"holdout label column {label_name!r}")
        hx = np.ascontiguousarray(to_matrix(_inputs_frame(hdf, cl_model, drop), cl_model),
                                  dtype=np.float64)

    return _build_bundle(
        raw,
        x,
        y,
        schema=schema,
        schema_json=schema_json,
        label_column=label_name,
        id_column=id_column,
        holdout_x=hx,
        holdout_labels=hy,
        sample_rows=int(sample_size),
        bins=int(bins),
        tiers=_tier_list(tiers) if tiers is not None else None,
        name=name,
        version=version,
        description=description,
        source=source if source is not None else (produced or None),
        created=created,
        seed=None if seed is None else int(seed),
        metrics={str(k): float(v) for k, v in (metrics or {}).items()} or None,
    )
