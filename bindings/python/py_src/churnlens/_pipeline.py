"""The main job: score a customer export, explain each customer, log predictions and outcomes.

These are the Python faces of the core's streaming pipeline (``churnlens score`` in the CLI).
They bring arguments into the shapes the core takes (paths, bytes, file objects, DataFrames
as CSV bytes) and results into Python objects; mapping, validation, tiers and reasons are all
decided by the core, so a file scored here and with the CLI gives the same numbers.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Optional, Tuple, Union

import numpy as np

from . import _table
from ._churnlens import (
    Bundle,
    Mapping,
    OutcomeStore,
    Overrides,
    RunSummary,
    _run_csv,
    _score_frame,
)
from ._errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Progress", "score_csv", "report_csv", "score_frame", "FRAME_COLUMNS"]

#: The columns of :func:`score_frame`'s result before the optional SHAP columns, in order.
FRAME_COLUMNS = (
    "row",
    "customer_id",
    "status",
    "churn_probability",
    "risk_tier",
    "raises_risk",
    "lowers_risk",
    "top_drivers",
    "reject_codes",
    "reject_reasons",
)

#: Rows per chunk of the streaming pipeline (the core's default).
CHUNK_ROWS = 8192

BundleArg = Union[Bundle, str, "os.PathLike[str]"]
OverridesArg = Union[Overrides, Mapping, dict, str, "os.PathLike[str]", None]


class Progress(NamedTuple):
    """What a ``progress`` callback receives after each chunk of a run."""

    rows_read: int
    """Data rows read so far."""
    bytes_read: int
    """Input bytes consumed so far."""
    total_bytes: Optional[int]
    """The input's size when known (a path or bytes), else None."""


# --- argument shapes ------------------------------------------------------------------------


def _bundle(bundle: Any) -> Bundle:
    if isinstance(bundle, Bundle):
        return bundle
    if isinstance(bundle, (str, os.PathLike)):
        return Bundle.load(bundle)
    raise InputError(
        f"bundle must be a churnlens.Bundle or a bundle file path, got {type(bundle).__name__}"
    )


def _overrides(overrides: Any) -> Optional[Overrides]:
    if overrides is None or isinstance(overrides, Overrides):
        return overrides
    if isinstance(overrides, Mapping):
        return overrides.to_overrides()
    if isinstance(overrides, dict):
        return Overrides({str(k): (None if v is None else str(v)) for k, v in overrides.items()})
    if isinstance(overrides, (str, os.PathLike)):
        return Overrides.load(overrides)
    raise InputError(
        "overrides must be a churnlens.Overrides, a Mapping, a {feature: header} dict or the "
        f"path of a saved overrides file, got {type(overrides).__name__}"
    )


def _as_of(as_of: Any) -> Optional[str]:
    from ._intake import _as_of as convert  # noqa: PLC0415

    return convert(as_of)


class _BytesReader:
    """A file object whose ``read`` returns bytes, whatever the wrapped one returns."""

    def __init__(self, f: Any) -> None:
        self._f = f

    def read(self, n: int = -1) -> bytes:
        data = self._f.read(n)
        if isinstance(data, str):
            return data.encode("utf-8")
        return data


class _BytesWriter:
    """A file object that takes bytes, writing them to a binary or text file."""

    def __init__(self, f: Any) -> None:
        self._f = f
        self._text = isinstance(f, io.TextIOBase)
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    def write(self, data: bytes) -> int:
        if not self._text:
            try:
                self._f.write(data)
                return len(data)
            except TypeError:  # a text file that is not an io.TextIOBase
                self._text = True
        self._f.write(self._decoder.decode(data))
        return len(data)


def _source(data: Any) -> Tuple[Any, Optional[int], str]:
    """``(what the native run reads, its size if known, its name for the log)``."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        b = bytes(data)
        return b, len(b), "<bytes>"
    if isinstance(data, str) and ("\n" in data or "\r" in data):
        b = data.encode("utf-8")
        return b, len(b), "<text>"
    if isinstance(data, (str, os.PathLike)):
        try:
            size: Optional[int] = os.path.getsize(data)
        except OSError:
            size = None  # the native open names the file in its FileError
        return data, size, os.fspath(data)
    if hasattr(data, "read"):
        return _BytesReader(data), None, str(getattr(data, "name", "<stream>"))
    raise InputError(
        "expected a CSV file path, CSV text, its bytes or a file object, got "
        f"{type(data).__name__}"
    )


def _target(out: Any) -> Any:
    if out is None or isinstance(out, (str, os.PathLike)):
        return out
    if hasattr(out, "write"):
        return _BytesWriter(out)
    raise InputError(f"expected an output path or a file object, got {type(out).__name__}")


def _progress(progress: Optional[Callable[[Progress], Any]], total: Optional[int]) -> Any:
    if progress is None:
        return None
    if not callable(progress):
        raise InputError(f"progress must be callable, got {type(progress).__name__}")

    def call(rows: int, read: int) -> Any:
        return progress(Progress(rows, read, total))

    return call


def _binary_source(data: Any) -> Any:
    """What ``OutcomeStore.record_outcomes_csv`` reads: DataFrames and CSV text become bytes,
    file objects are made to return bytes; paths and bytes pass."""
    if _table._is_frame(data):
        return _table._as_pandas(data).to_csv(index=False).encode("utf-8")
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, str) and ("\n" in data or "\r" in data):
        return data.encode("utf-8")
    if hasattr(data, "read"):
        return _BytesReader(data)
    return data


def _training_frame(data: bytes) -> Any:
    """The exported training table (CSV bytes) as a DataFrame; ids and tiers stay text."""
    import pandas as pd  # noqa: PLC0415

    text = {c: str for c in ("customer_id", "tier", "scored_at", "observed_on", "model_hash",
                             "model_version")}
    return pd.read_csv(io.BytesIO(data), dtype=text, keep_default_na=False, na_values=[""])


# --- the runs --------------------------------------------------------------------------------


def score_csv(
    source: Any,
    bundle: BundleArg,
    *,
    out_csv: Any = None,
    out_jsonl: Any = None,
    rejects: Any = None,
    overrides: OverridesArg = None,
    top_k: int = 3,
    chunk_rows: int = CHUNK_ROWS,
    as_of: Any = None,
    outcomes: Optional[OutcomeStore] = None,
    progress: Optional[Callable[[Progress], Any]] = None,
    delimiter: Optional[str] = None,
    encoding: str = "auto",
    file_duplicates: bool = True,
    n_threads: Optional[int] = None,
) -> RunSummary:
    """Scores a customer export with a bundle, streaming: ``churnlens score`` in Python.

    ``source`` is a path, CSV text (a ``str`` with a line break), the file's bytes, or a file
    object (binary or text). The delimiter (``, ; tab |``) and the encoding (UTF-8 with or
    without BOM, UTF-16 with BOM, Windows-1252) are sniffed unless given. ``bundle`` is a
    :class:`Bundle` or its path.

    The file is read in chunks of ``chunk_rows`` rows, scored in parallel with the GIL
    released, and written in input order to the outputs given (each a path or a file object):
    ``out_csv`` (``row, line, customer_id, churn_probability, risk_tier, raises_risk,
    lowers_risk, top_drivers``), ``out_jsonl`` (one JSON object per customer with every reason)
    and ``rejects`` (each rejected row with its codes, reasons and original cells). Memory does
    not grow with the file. Every input row is in exactly one of the scored outputs or the
    rejects.

    ``overrides`` fix column-mapping decisions (an :class:`Overrides`, a :class:`Mapping`, a
    ``{feature: header}`` dict or a saved overrides file). ``top_k`` reasons are given each
    way. ``as_of`` (a date) turns dates into ages. ``outcomes`` (an :class:`OutcomeStore`) logs
    every prediction with an id, so that :meth:`OutcomeStore.performance` can later measure
    them. ``progress`` is called with a :class:`Progress` after each chunk; returning ``False``
    stops the run (``stopped_early`` is then set); an exception it raises (or Ctrl-C) stops the
    run and propagates. ``file_duplicates=False`` finds duplicate customer ids within chunks
    only (saves memory on huge files). ``n_threads`` pins the thread count.

    Returns a :class:`RunSummary`. Raises :class:`FileError`, :class:`CsvError`,
    :class:`EncodingError`, :class:`OverrideError`, :class:`InputError` (no model feature found
    in the file), :class:`UnsupportedError` (not a binary classifier), :class:`DatabaseError`.

    >>> import churnlens as cl
    >>> s = cl.score_csv("examples/demo/customers_export.csv",
    ...                  "examples/demo/telco_bundle.json", out_csv="scored.csv")  # doctest: +SKIP
    >>> s.rows_read == s.rows_scored + s.rows_rejected                           # doctest: +SKIP
    True
    >>> print(s.to_text())                                                        # doctest: +SKIP
    """
    data, total, name = _source(source)
    return _run_csv(
        data,
        _bundle(bundle),
        out_csv=_target(out_csv),
        out_jsonl=_target(out_jsonl),
        rejects=_target(rejects),
        overrides=_overrides(overrides),
        top_k=_count("top_k", top_k),
        chunk_rows=_count("chunk_rows", chunk_rows),
        as_of=_as_of(as_of),
        outcomes=_store(outcomes),
        progress=_progress(progress, total),
        delimiter=delimiter,
        encoding=encoding,
        file_duplicates=bool(file_duplicates),
        n_threads=n_threads,
        source_name=name,
        score=True,
    )


def report_csv(
    source: Any,
    bundle: BundleArg,
    *,
    overrides: OverridesArg = None,
    chunk_rows: int = CHUNK_ROWS,
    as_of: Any = None,
    progress: Optional[Callable[[Progress], Any]] = None,
    delimiter: Optional[str] = None,
    encoding: str = "auto",
    n_threads: Optional[int] = None,
) -> RunSummary:
    """Checks a customer export without scoring it (``churnlens report``): the column mapping,
    every cell validated, the data-quality report, streaming like :func:`score_csv`. Works for
    any model (no predictions, no SHAP). ``progress`` is called once, at the end.

    >>> s = cl.report_csv("customers.csv", "bundle.json")      # doctest: +SKIP
    >>> print(s.quality.to_text())                              # doctest: +SKIP
    """
    data, total, name = _source(source)
    return _run_csv(
        data,
        _bundle(bundle),
        overrides=_overrides(overrides),
        chunk_rows=_count("chunk_rows", chunk_rows),
        as_of=_as_of(as_of),
        progress=_progress(progress, total),
        delimiter=delimiter,
        encoding=encoding,
        n_threads=n_threads,
        source_name=name,
        score=False,
    )


def _count(name: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
        raise InputError(f"{name} must be a non-negative integer, got {v!r}")
    return int(v)


def _store(outcomes: Any) -> Optional[OutcomeStore]:
    if outcomes is None or isinstance(outcomes, OutcomeStore):
        return outcomes
    raise InputError(
        f"outcomes must be a churnlens.OutcomeStore, got {type(outcomes).__name__} "
        "(open one with churnlens.OutcomeStore(path))"
    )


def _frame_csv(df: Any) -> bytes:
    """A DataFrame as CSV bytes, its cells as the intake's Table conversion writes them."""
    headers, columns = _table.frame_columns(df)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(headers)
    w.writerows(zip(*columns))
    try:
        return buf.getvalue().encode("utf-8")
    except UnicodeEncodeError as e:  # lone surrogates, e.g. from bytes decoded with "surrogateescape"
        raise InputError(f"the DataFrame holds text that is not valid Unicode: {e}") from None


def _empty_frame(bundle: Bundle, shap: bool, index: Any) -> Any:
    import pandas as pd  # noqa: PLC0415

    cols = {c: pd.Series([], dtype=_text_dtype(), index=index) for c in FRAME_COLUMNS}
    cols["row"] = pd.Series([], dtype=np.int64, index=index)
    cols["churn_probability"] = pd.Series([], dtype=np.float64, index=index)
    if shap:
        for n in shap_columns(bundle):
            cols[n] = pd.Series([], dtype=np.float64, index=index)
    return pd.DataFrame(cols, index=index)


def _text_dtype() -> Any:
    """The dtype of the text columns: pandas' own string dtype from pandas 3 on (missing =
    NaN), ``object`` before (where ``"str"`` would turn None into ``"None"``). Given explicitly
    so that empty and non-empty results (Dask's ``meta``, Spark's Arrow batches) agree."""
    import pandas as pd  # noqa: PLC0415

    if int(pd.__version__.split(".", 1)[0]) >= 3:
        return pd.api.types.pandas_dtype("str")
    return np.dtype(object)


def _objects(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def shap_columns(bundle: Bundle) -> list:
    """Names of :func:`score_frame`'s SHAP columns for a bundle: ``shap_<feature>`` per model
    input, then ``shap_bias``."""
    return [f"shap_{n}" for n in bundle.schema.input_names] + ["shap_bias"]


def score_frame(
    df: Any,
    bundle: BundleArg,
    *,
    overrides: OverridesArg = None,
    top_k: int = 3,
    shap: bool = False,
    as_of: Any = None,
    first_row: int = 1,
    n_threads: Optional[int] = None,
    return_summary: bool = False,
) -> Union["pd.DataFrame", Tuple["pd.DataFrame", RunSummary]]:
    """Scores a DataFrame of customers: one output row per input row, in input order, none
    dropped.

    ``df`` is a pandas or polars DataFrame or a pyarrow Table holding the raw columns of an
    export (any headers the mapper recognises; values as text or numbers). Its cells go
    through the same mapping, normalisation and validation as a file's (they are written as
    CSV text by the rules of :mod:`churnlens._table` and read by the core's pipeline), so the
    results equal :func:`score_csv` of the same rows.

    The result has ``df``'s index and the columns ``row`` (``first_row`` for the first row,
    counting up), ``customer_id``, ``status`` (``"scored"`` or ``"rejected"``),
    ``churn_probability`` (NaN when rejected), ``risk_tier``, ``raises_risk`` and
    ``lowers_risk`` (the top ``top_k`` reasons each way as sentences, ``; ``-separated),
    ``top_drivers`` (``feature:SHAP`` pairs, log-odds), ``reject_codes`` and
    ``reject_reasons`` (rejected rows only); with ``shap=True`` also ``shap_<feature>`` per
    model input and ``shap_bias`` (log-odds; NaN when rejected; equal to
    ``bundle.model.shap_values`` of the validated inputs).

    ``overrides`` fix mapping decisions (see :func:`score_csv`); scale-out code passes the
    mapping resolved once on the driver so that every partition maps alike. Duplicate customer
    ids are found within ``df``. ``return_summary=True`` returns ``(frame, RunSummary)``.

    >>> out = cl.score_frame(customers, bundle, shap=True)                   # doctest: +SKIP
    >>> out[out.status == "scored"].nlargest(10, "churn_probability")        # doctest: +SKIP
    """
    import pandas as pd  # noqa: PLC0415

    if not _table._is_frame(df):
        raise InputError(
            f"expected a pandas/polars DataFrame or a pyarrow Table, got {type(df).__name__}"
        )
    b = _bundle(bundle)
    pdf = _table._as_pandas(df)
    first = _count("first_row", first_row)
    n = len(pdf)
    if pdf.shape[1] == 0:
        raise InputError("the DataFrame has no columns")
    if n == 0:
        frame = _empty_frame(b, shap, pdf.index)
        return (frame, None) if return_summary else frame
    cols, summary = _score_frame(
        _frame_csv(pdf),
        n,
        b,
        overrides=_overrides(overrides),
        top_k=_count("top_k", top_k),
        shap=bool(shap),
        as_of=_as_of(as_of),
        n_threads=n_threads,
    )
    rows = np.asarray(cols["row"], dtype=np.int64)
    if first != 1:
        rows = rows + (first - 1)
    data = {"row": rows}
    for c in FRAME_COLUMNS[1:]:
        if c == "churn_probability":
            data[c] = np.asarray(cols[c], dtype=np.float64)
        else:
            data[c] = pd.Series(_objects(cols[c]), dtype=_text_dtype())
    if shap:
        phi = cols["shap"]
        for j, name in enumerate(shap_columns(b)):
            data[name] = phi[:, j]
    frame = pd.DataFrame(data)
    frame.index = pdf.index
    return (frame, summary) if return_summary else frame
