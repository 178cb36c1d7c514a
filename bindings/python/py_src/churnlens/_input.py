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
  with becomes NaN (missing) for LightGBM models and raises :class:`InputError` for XGBoost
  models. Without stored labels a column becomes its integer codes (missing = NaN), as XGBoost
  did before 3.1: the categories must then be those of training, in the same order. The rules
  are the core's (``churn_core::Model::category_inputs``); this module only hands it each
  column's categories and codes;
* text (object / string dtype) columns of a feature whose labels the model stores: read by
  label as above, as if they were ``category`` columns;
* polars DataFrames and pyarrow Tables / RecordBatches: converted to pandas (dictionary columns
  become pandas categoricals), then as above;
* NumPy arrays of other numeric dtypes (integers, booleans, float16, byte-swapped floats) and
  nested sequences: cast to ``float64``.

Nothing here computes: it only reorders and casts.

:func:`explain_input` brings what ``Bundle.explain`` accepts (one row as a dict, a pandas
Series or a sequence; many rows as a DataFrame or a 2-D array) into a float matrix in the
bundle's input order plus the text values in it, which the core reads with the bundle's schema
(``"Male"``, ``"Month-to-month"``, ``"Yes"``) as validation does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Optional, Sequence, Tuple

import numpy as np

from . import _table
from ._errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from ._churnlens import Bundle

#: ``(row, input, text)``: a text value the core reads with the bundle's schema.
TextCell = Tuple[int, int, str]

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
    labels: Optional[List[Any]] = None  # model.category_labels, read once and only if needed
    for j, name in enumerate(names):
        s = df[by_name[name]]
        if str(s.dtype) == "category":
            out[:, j] = _categories(model, j, name, s.cat.categories, s.cat.codes, "category")
            continue
        if not _is_numeric(s.dtype):
            if labels is None:
                labels = model.category_labels
            if labels[j] is not None:
                import pandas as pd  # noqa: PLC0415  (a DataFrame means pandas is there)

                codes, uniques = pd.factorize(s, use_na_sentinel=True)
                out[:, j] = _categories(model, j, name, uniques, codes, "text")
                continue
        out[:, j] = _column(s, name)
    return out


def _category_value(value: Any) -> Any:
    """A category as the core compares it with labels: text stays text, numbers (not booleans)
    become floats, anything else None (it matches no label)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        return None
    return float(value)


def _categories(model: Any, j: int, name: str, categories: Any, codes: Any, how: str) -> np.ndarray:
    """A labelled column as model inputs: the core maps each category to its label's index
    (or takes the codes when the model stores no labels)."""
    cats = [_category_value(c) for c in categories]
    codes = np.ascontiguousarray(codes, dtype=np.int64)
    try:
        return model._category_inputs(j, cats, codes)
    except InputError as e:
        fix = (
            f"X[{name!r}] = X[{name!r}].cat.set_categories(model.category_labels[j])"
            if how == "category"
            else f"X[{name!r}] = X[{name!r}].where(X[{name!r}].isin(model.category_labels[j]))"
        )
        raise InputError(
            f"{e}. To score them as missing, first do {fix} with "
            f"j = model.feature_names.index({name!r})"
        ) from None


def _is_numeric(dtype: Any) -> bool:
    """Whether a column holds numbers (booleans included; dates and times are not)."""
    if isinstance(dtype, np.dtype):
        return dtype.kind in _NUMERIC_KINDS
    try:
        import pandas as pd  # noqa: PLC0415  (only DataFrame users need pandas)
    except ImportError:  # pragma: no cover - a DataFrame without pandas cannot happen
        return False
    api = pd.api.types
    return (api.is_numeric_dtype(dtype) or api.is_bool_dtype(dtype)) and not (
        api.is_datetime64_any_dtype(dtype) or api.is_timedelta64_dtype(dtype)
    )


def _column(s: Any, name: str) -> np.ndarray:
    dtype = s.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in _NUMERIC_KINDS:
        return np.asarray(s.to_numpy(), dtype=np.float64)
    if _is_numeric(dtype):  # pandas nullable / extension dtypes (Int64, Float64, boolean, ...)
        try:
            return s.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as e:
            raise InputError(f"column {name!r} (dtype {dtype}) cannot be read as numbers: {e}") from None
    raise InputError(
        f"column {name!r} has dtype {dtype}, which is not numeric: convert it to numbers, or to "
        f"the pandas 'category' dtype for a categorical feature (text is read by label only when "
        f"the model stores the feature's category labels)"
    )


# --- Bundle.explain --------------------------------------------------------------------------


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, (float, np.floating)):
        return bool(np.isnan(v))
    return _table._scalar(v) == "" and not isinstance(v, (str, bytes))


def _row(values: Sequence[Any], r: int, out: np.ndarray, texts: List[TextCell]) -> None:
    """Row ``r`` of values: numbers as they are, missing values NaN, anything else text for the
    core to read (dates and the like as :mod:`churnlens._table` writes them)."""
    for j, v in enumerate(values):
        if _is_missing(v):
            out[r, j] = np.nan
        elif isinstance(v, (bool, np.bool_, int, float, np.number)):
            out[r, j] = float(v)
        else:
            out[r, j] = np.nan
            texts.append((r, j, v if isinstance(v, str) else _table._scalar(v)))


def _explain_frame(df: Any, bundle: "Bundle") -> Tuple[np.ndarray, List[TextCell]]:
    """A DataFrame's columns matched by name as ``Model.predict`` matches them; text columns
    become text values (in the core's reading of the bundle's schema, not the model's labels)."""
    import pandas as pd  # noqa: PLC0415

    df = _table._as_pandas(df)
    names = list(bundle.schema.input_names)
    keys = [str(c) for c in df.columns]
    text_cols = [
        c for c, k in zip(df.columns, keys)
        if k in names and str(df[c].dtype) != "category" and not _is_numeric(df[c].dtype)
    ]
    numbers = df.copy() if text_cols else df
    for c in text_cols:
        numbers[c] = pd.Series(np.nan, index=df.index, dtype=np.float64)
    m = np.ascontiguousarray(to_matrix(numbers, bundle.model), dtype=np.float64)
    texts: List[TextCell] = []
    for c in text_cols:
        j = names.index(str(c))
        for r, t in enumerate(_table._column_cells(df[c])):
            if t != "":
                texts.append((r, j, t))
    return m, texts


def explain_input(x: Any, bundle: "Bundle") -> Tuple[np.ndarray, List[TextCell], bool]:
    """``(float64 matrix in the bundle's input order, text values in it, whether x was one
    row)`` for ``Bundle.explain``."""
    names = list(bundle.schema.input_names)
    if isinstance(x, dict) or (_top_module(x) == "pandas" and type(x).__name__ == "Series"):
        keys = [str(k) for k in x.keys()]
        missing = [n for n in names if n not in keys]
        if missing:
            raise InputError(f"the row has no value for {missing[:10]}")
        by_name = dict(zip(keys, x.keys()))
        out = np.empty((1, len(names)), dtype=np.float64)
        texts: List[TextCell] = []
        _row([x[by_name[n]] for n in names], 0, out, texts)
        return out, texts, True
    if _table._is_frame(x):
        m, texts = _explain_frame(x, bundle)
        return m, texts, False
    if isinstance(x, (str, bytes)) or x is None or np.isscalar(x):
        raise InputError(f"expected one row or a 2-D table of model inputs, got {type(x).__name__}")
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):  # text among the values: read them one by one
        arr = np.asarray(x, dtype=object)
    single = arr.ndim == 1
    if single:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2:
        raise InputError(f"expected one row or a 2-D table of model inputs, got {arr.ndim}-D")
    if arr.shape[1] != len(names):
        what = "one row must have" if single else "rows must have"
        raise InputError(
            f"{what} the bundle's {len(names)} inputs ({names[:5]}...), got "
            f"{arr.shape[1]} values"
        )
    if arr.dtype == np.float64:
        return np.ascontiguousarray(arr), [], single
    out = np.empty(arr.shape, dtype=np.float64)
    texts = []
    for r in range(arr.shape[0]):
        _row(arr[r].tolist(), r, out, texts)
    return out, texts, single
