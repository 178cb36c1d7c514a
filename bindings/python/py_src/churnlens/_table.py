"""Turns what users pass as a table into a :class:`churnlens.Table` of text cells.

The intake stages (column mapping, validation, the quality report) read raw text cells, the way
they arrive in a CSV export, so that one set of rules (in the Rust core) decides what ``"$1,200"``,
``"N/A"`` or ``"Yes"`` mean for every runtime. A DataFrame is therefore written out as text,
cell by cell:

* missing values (``None``, ``NaN``, ``pd.NA``, ``NaT``) become ``""`` (blank = missing);
* strings are kept as they are (spaces included);
* integers as decimal digits; booleans as ``"True"`` / ``"False"``;
* floats in their shortest round-trip form, whole numbers without a fraction (``2.0`` ->
  ``"2"``, ``29.85`` -> ``"29.85"``, ``1e-07`` -> ``"1e-07"``); ``inf`` stays ``"inf"``, which
  the validator reports as not a number;
* dates as ISO ``YYYY-MM-DD`` and datetimes as ``YYYY-MM-DDTHH:MM:SS`` (the validator reads the
  date part);
* ``category`` columns: each value as its category would be written by the rules above (the
  label, not the code);
* anything else with ``str()``.

Column names become their ``str()``; the index is not a column (``df.reset_index()`` keeps it).
polars DataFrames and pyarrow Tables go through ``to_pandas()`` first.
"""

from __future__ import annotations

import datetime as _dt
import os
from typing import Any, List, Tuple

import numpy as np

from ._errors import InputError


def _top_module(obj: Any) -> str:
    return type(obj).__module__.split(".", 1)[0]


def _is_frame(obj: Any) -> bool:
    top = _top_module(obj)
    if top == "pandas":
        return hasattr(obj, "columns") and hasattr(obj, "dtypes")
    if top == "polars":
        return hasattr(obj, "to_pandas") and hasattr(obj, "columns")
    if top == "pyarrow":
        return hasattr(obj, "to_pandas") and hasattr(obj, "column_names")
    return False


def _as_pandas(df: Any) -> Any:
    top = _top_module(df)
    if top == "polars" and type(df).__name__ == "LazyFrame":
        raise InputError("got a polars LazyFrame: call .collect() first")
    if top in ("polars", "pyarrow"):
        return df.to_pandas()
    return df


def _floats(arr: np.ndarray) -> np.ndarray:
    """Shortest round-trip text of a float array; whole numbers without ``.0``; NaN blank."""
    arr = np.asarray(arr)
    out = arr.astype(str).astype(object)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(arr) & (arr == np.floor(arr)) & (np.abs(arr) < 2.0**53)
    if whole.any():
        out[whole] = arr[whole].astype(np.int64).astype(str)
    out[np.isnan(arr)] = ""
    return out


def _scalar(v: Any) -> str:
    """One cell of an object column."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return "True" if v else "False"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return str(_floats(np.array([v]))[0])
    if isinstance(v, _dt.datetime) or _top_module(v) == "pandas" and hasattr(v, "isoformat"):
        try:
            import pandas as pd  # noqa: PLC0415

            if v is pd.NaT or pd.isna(v):
                return ""
        except ImportError:  # pragma: no cover
            pass
        if getattr(v, "hour", 0) == 0 and getattr(v, "minute", 0) == 0 and \
                getattr(v, "second", 0) == 0 and getattr(v, "microsecond", 0) == 0:
            return v.date().isoformat() if hasattr(v, "date") else v.isoformat()
        return v.replace(tzinfo=None).isoformat(timespec="seconds")
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, np.datetime64):
        return "" if np.isnat(v) else _datetimes(np.array([v]))[0]
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="replace")
    try:
        import pandas as pd  # noqa: PLC0415

        if v is pd.NA:
            return ""
    except ImportError:  # pragma: no cover
        pass
    return str(v)


def _datetimes(arr: np.ndarray) -> List[str]:
    days = arr.astype("datetime64[D]")
    midnight = bool(np.all((arr == days) | np.isnat(arr)))
    text = np.datetime_as_string(days if midnight else arr.astype("datetime64[s]"))
    return ["" if t == "NaT" else t for t in text.tolist()]


def _values(values: Any) -> List[str]:
    """Text cells of a 1-D array of any dtype."""
    arr = np.asarray(values)
    kind = arr.dtype.kind
    if kind == "f":
        return _floats(arr).tolist()
    if kind in "iu":
        return arr.astype(str).tolist()
    if kind == "b":
        return np.where(arr, "True", "False").tolist()
    if kind == "M":
        return _datetimes(arr)
    if kind in "US":
        return [_scalar(v) for v in arr.tolist()]
    return [_scalar(v) for v in arr.tolist()]


def _column_cells(s: Any) -> List[str]:
    import pandas as pd  # noqa: PLC0415  (only DataFrame users need pandas)

    dtype = s.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cats = _values(np.asarray(s.cat.categories))
        lut = np.array(cats + [""], dtype=object)  # code -1 (missing) -> the last slot
        return lut[np.asarray(s.cat.codes)].tolist()
    if isinstance(dtype, np.dtype):
        if dtype.kind == "M":
            return _datetimes(s.to_numpy())
        return _values(s.to_numpy())
    if isinstance(dtype, pd.DatetimeTZDtype):
        return _datetimes(s.dt.tz_localize(None).to_numpy())
    # Extension dtypes (Int64, Float64, boolean, string, pyarrow-backed): element by element.
    return [_scalar(v) for v in s.to_numpy(dtype=object, na_value=None).tolist()]


def frame_columns(df: Any) -> Tuple[List[str], List[List[str]]]:
    """``(headers, columns)``: a DataFrame's column names and its cells as text, column by
    column (the rules are in this module's docs)."""
    if not _is_frame(df):
        raise InputError(
            f"expected a pandas/polars DataFrame or a pyarrow Table, got {type(df).__name__}"
        )
    df = _as_pandas(df)
    headers = [str(c) for c in df.columns]
    columns = [_column_cells(df.iloc[:, j]) for j in range(df.shape[1])]
    return headers, columns


def head(df: Any, n: int) -> Any:
    """The first ``n`` rows of a pandas/polars DataFrame or a pyarrow Table."""
    if _top_module(df) == "pyarrow":
        return df.slice(0, n)
    return df.head(n)


def to_table(data: Any) -> Any:
    """A :class:`churnlens.Table` from a Table, a DataFrame, a path (``str`` without a line
    break, or ``os.PathLike``) of a UTF-8 CSV file, or CSV text (a ``str`` with a line break)."""
    from ._churnlens import Table  # noqa: PLC0415

    if isinstance(data, Table):
        return data
    if _is_frame(data):
        return Table.from_dataframe(data)
    if isinstance(data, os.PathLike):
        return Table.read_csv(data)
    if isinstance(data, str):
        if "\n" in data or "\r" in data:
            return Table.from_csv(data)
        return Table.read_csv(data)
    if isinstance(data, (bytes, bytearray, memoryview)):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as e:
            from ._errors import EncodingError  # noqa: PLC0415

            raise EncodingError(f"the CSV bytes are not UTF-8 text: {e}") from None
        return Table.from_csv(text)
    raise InputError(
        "expected a table: a pandas/polars DataFrame, a pyarrow Table, a churnlens.Table, a "
        f"CSV file path or CSV text; got {type(data).__name__}"
    )


def cells(rows: Any) -> List[List[str]]:
    """Sample rows as lists of text cells (from a DataFrame, a Table or nested sequences)."""
    from ._churnlens import Table  # noqa: PLC0415

    if isinstance(rows, Table):
        return rows.rows
    if _is_frame(rows):
        return Table.from_dataframe(rows).rows
    return [_values(np.asarray(list(r), dtype=object)) for r in rows]
