"""Turns what users pass as ``X`` into a 2-D float matrix in the model's feature order.

The native code borrows 2-D ``float64``/``float32`` NumPy arrays directly (any memory order, no
copy) and calls :func:`to_matrix` for everything else:

* pandas DataFrames: columns are matched to ``model.feature_names`` by name, in any order; a
  mismatch raises :class:`InputError` listing the missing and unexpected columns. Nullable
  dtypes (``Int64``, ``Float64``, ``boolean``) turn ``pd.NA`` into NaN;
* pandas ``category`` columns: when the model stores the feature's category labels
  (``model.category_labels``: XGBoost 3.1+ ``cats``, LightGBM ``pandas_categorical``), each
  value becomes the index of its label there, as the libraries do, whatever the order or subset
  of the frame's own categories; missing values become NaN. A value the model was not trained
  with becomes NaN (missing) for LightGBM models, which is what LightGBM does, and raises
  :class:`InputError` for XGBoost models, which is what XGBoost means to do ("Found a category
  not in the training set"; XGBoost 3.2 only raises for values above the largest training
  label and silently maps the others to the next training label). Without stored labels a
  column becomes its integer codes (missing = NaN), as XGBoost did before 3.1: the categories
  must then be those of training, in the same order;
* polars DataFrames and pyarrow Tables / RecordBatches: converted to pandas (dictionary columns
  become pandas categoricals), then as above;
* NumPy arrays of other numeric dtypes (integers, booleans, float16, byte-swapped floats) and
  nested sequences: cast to ``float64``.

Nothing here computes: it only reorders and casts.
"""

from __future__ import annotations

from typing import Any, List, Sequence

import numpy as np

from ._errors import InputError

_NUMERIC_KINDS = "biuf"  # bool, signed, unsigned, float


def _shorten(names: Sequence[Any], limit: int = 10) -> str:
    shown = ", ".join(repr(n) for n in list(names)[:limit])
    if len(names) > limit:
        shown += f", ... ({len(names) - limit} more)"
    return "[" + shown + "]"


def _top_module(obj: Any) -> str:
    return type(obj).__module__.split(".", 1)[0]


def to_matrix(X: Any, model: Any) -> np.ndarray:
    """Returns ``X`` as a 2-D float64 array whose columns are ``model.feature_names``."""
    top = _top_module(X)
    if top == "pandas":
        if hasattr(X, "columns") and hasattr(X, "dtypes"):
            return _from_pandas(X, model)
        raise InputError(
            f"expected a 2-D table, got a pandas {type(X).__name__}; for one row pass "
            "X.to_frame().T (a Series) or X[[...]] (a DataFrame)"
        )
    if top == "polars":
        if type(X).__name__ == "LazyFrame":
            raise InputError("got a polars LazyFrame: call .collect() first")
        if hasattr(X, "to_pandas") and hasattr(X, "columns") and hasattr(X, "schema"):
            return _from_pandas(X.to_pandas(), model)
    if top == "pyarrow" and hasattr(X, "to_pandas") and hasattr(X, "column_names"):
        return _from_pandas(X.to_pandas(), model)
    return _from_array(X, model)


def _from_array(X: Any, model: Any) -> np.ndarray:
    if isinstance(X, (str, bytes)) or X is None or np.isscalar(X):
        raise InputError(f"expected a 2-D array or a DataFrame, got {type(X).__name__}")
    try:
        arr = np.asarray(X)
    except Exception as e:  # ragged lists and the like
        raise InputError(f"cannot read the input as a 2-D array: {e}") from None
    if arr.ndim != 2:
        hint = ""
        if arr.ndim == 1:
            hint = "; for one row use X.reshape(1, -1)"
        raise InputError(
            f"expected a 2-D array (rows x {model.num_features} features), got {arr.ndim}-D with "
            f"shape {arr.shape}{hint}"
        )
    if arr.dtype.kind not in _NUMERIC_KINDS:
        raise InputError(
            f"expected numbers (float64, float32, integers or booleans), got an array of dtype "
            f"{arr.dtype}; convert it with X.astype(float) where that is meaningful"
        )
    # float32 stays float32 (the core widens exactly); everything else becomes float64.
    target = np.float32 if arr.dtype == np.float32 else np.float64
    return np.asarray(arr, dtype=np.dtype(target).newbyteorder("="))


def _from_pandas(df: Any, model: Any) -> np.ndarray:
    names: List[str] = list(model.feature_names)
    columns = list(df.columns)
    keys = [str(c) for c in columns]
    seen = set()
    dupes = [k for k in keys if k in seen or seen.add(k)]
    if dupes:
        raise InputError(f"the DataFrame has duplicate columns {_shorten(sorted(set(dupes)))}")
    by_name = dict(zip(keys, columns))
    missing = [n for n in names if n not in by_name]
    if missing:
        wanted = set(names)
        unexpected = [k for k in keys if k not in wanted]
        raise InputError(
            f"the DataFrame's columns do not match the model's {len(names)} features: "
            f"missing {_shorten(missing)}, unexpected {_shorten(unexpected)}"
        )
    extra = [k for k in keys if k not in set(names)]
    if extra:
        raise InputError(
            f"the DataFrame has columns the model does not use: unexpected {_shorten(extra)} "
            f"(select the model's features with X[model.feature_names])"
        )
    n = len(df)
    out = np.empty((n, len(names)), dtype=np.float64, order="F")
    labels = None  # model.category_labels, read once and only when a column is categorical
    for j, name in enumerate(names):
        s = df[by_name[name]]
        if str(s.dtype) == "category":
            if labels is None:
                labels = model.category_labels
            out[:, j] = _categories(s, name, labels[j], model.format == "xgboost")
        else:
            out[:, j] = _column(s, name)
    return out


def _label_key(value: Any, numeric: bool) -> Any:
    """How a category of the frame is compared with the model's labels: strings with string
    labels, numbers (as float) with numeric labels; anything else matches nothing."""
    if numeric:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
            return None
        return float(value)
    return str(value) if isinstance(value, str) else None


def _categories(s: Any, name: str, labels: Any, strict: bool) -> np.ndarray:
    """A pandas categorical column as model inputs: label indices (or codes without labels)."""
    codes = np.asarray(s.cat.codes, dtype=np.int64)
    present = codes >= 0
    out = np.full(len(codes), np.nan)
    if labels is None:
        out[present] = codes[present]
        return out
    numeric = bool(labels) and not isinstance(labels[0], str)
    index = {lab: i for i, lab in enumerate(labels)}
    cats = list(s.cat.categories)
    lut = np.full(len(cats) + 1, np.nan)  # the extra slot keeps an empty lookup valid
    for k, c in enumerate(cats):
        i = index.get(_label_key(c, numeric))
        if i is not None:
            lut[k] = i
    out[present] = lut[codes[present]]
    if strict:
        unseen = present & np.isnan(out)
        if unseen.any():
            bad = sorted({repr(cats[k]) for k in np.unique(codes[unseen])})
            shown = ", ".join(bad[:10]) + (f", ... ({len(bad) - 10} more)" if len(bad) > 10 else "")
            raise InputError(
                f"column {name!r} has categories the model was not trained with: {shown} "
                f"(XGBoost refuses them too: 'Found a category not in the training set'). "
                f"To score them as missing, first do "
                f"X[{name!r}] = X[{name!r}].cat.set_categories(model.category_labels[j]) "
                f"with j = model.feature_names.index({name!r})"
            )
    return out


def _column(s: Any, name: str) -> np.ndarray:
    dtype = s.dtype
    kind = getattr(dtype, "kind", "O")
    if kind in _NUMERIC_KINDS and isinstance(dtype, np.dtype):
        return np.asarray(s.to_numpy(), dtype=np.float64)
    # pandas nullable / extension dtypes (Int64, Float64, boolean, pyarrow numbers)
    is_numeric = False
    try:
        import pandas as pd  # noqa: PLC0415  (only DataFrame users need pandas)

        api = pd.api.types
        is_numeric = (api.is_numeric_dtype(dtype) or api.is_bool_dtype(dtype)) and not (
            api.is_datetime64_any_dtype(dtype) or api.is_timedelta64_dtype(dtype)
        )
    except ImportError:  # pragma: no cover - a DataFrame without pandas cannot happen
        pass
    if is_numeric:
        try:
            return s.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as e:
            raise InputError(f"column {name!r} (dtype {dtype}) cannot be read as numbers: {e}") from None
    raise InputError(
        f"column {name!r} has dtype {dtype}, which is not numeric: convert it to numbers, or to "
        f"the pandas 'category' dtype for a categorical feature"
    )
