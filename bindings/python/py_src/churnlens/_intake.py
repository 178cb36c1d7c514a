"""Column mapping, validation and the data-quality report (the Python faces of the core's
``map_columns``, ``validate`` and ``quality_report``).

These functions only bring their arguments into the shapes the core takes (a
:class:`~churnlens.Table` of text cells, a schema, a date); every decision is made by the core.
"""

from __future__ import annotations

import datetime as _dt
import os
from typing import TYPE_CHECKING, Any, Optional, Sequence, Union

from . import _table
from ._churnlens import (
    Bundle,
    Mapping,
    Overrides,
    QualityReport,
    Schema,
    Table,
    Validated,
    _map_columns,
    _quality_report,
    _validate,
)
from ._errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from . import Model

#: Rows of a table the mapper looks at for value-based evidence (the core's default).
SAMPLE_ROWS = 500

Features = Union[Sequence[str], Schema, "Model", Bundle]


def map_columns(
    headers: Any,
    features: Features,
    samples: Any = None,
    overrides: Optional[Overrides] = None,
    *,
    threshold: Optional[float] = None,
) -> Mapping:
    """Maps a table's headers to a model's features.

    ``headers`` is a list of header names, or a whole table (a DataFrame, a
    :class:`Table`), whose first 500 rows then serve as ``samples``. ``features`` is a list of
    feature names, a :class:`Schema`, a :class:`Model` (its feature names and kinds) or a
    :class:`Bundle` (its schema). ``samples`` are data rows aligned with ``headers`` (lists of
    cells, a DataFrame or a Table) used as value evidence: a yes/no column is not a count, a
    sequential row number is not a customer id. ``overrides`` (an :class:`Overrides`) win over
    the mapper. ``threshold`` (0..1, default 0.80) is the confidence below which a match is
    refused: unmapped beats wrong.

    Raises :class:`OverrideError` when an override names a feature the schema lacks or a header
    the table lacks.
    """
    if isinstance(headers, Table) or _table._is_frame(headers):
        if _table._is_frame(headers):  # only the rows the mapper looks at become text
            headers = _table.head(headers, SAMPLE_ROWS)
        table = _table.to_table(headers)
        names = table.headers
        if samples is None:
            samples = table.sample(SAMPLE_ROWS)
    elif isinstance(headers, (str, bytes)):
        raise InputError(
            "headers must be a list of header names or a table, not a single string"
        )
    else:
        names = [str(h) for h in headers]
    if samples is not None:
        samples = _table.cells(samples)
    return _map_columns(names, features, samples, overrides, threshold)


def _as_of(as_of: Any) -> Optional[str]:
    if as_of is None:
        return None
    if isinstance(as_of, str):
        return as_of
    if isinstance(as_of, (_dt.date, _dt.datetime)):
        return as_of.isoformat()[:10]
    if hasattr(as_of, "isoformat"):  # pandas.Timestamp, numpy datetime64 via pandas
        return as_of.isoformat()[:10]
    raise InputError(f"as_of must be a date, a datetime or an ISO date string, got {as_of!r}")


def validate(
    data: Any,
    mapping: Optional[Mapping],
    schema: Features,
    as_of: Any = None,
    max_issues: Optional[int] = None,
) -> Validated:
    """Checks and normalises every cell; every row ends up accepted or rejected with reasons.

    ``data`` is a pandas/polars DataFrame, a pyarrow Table, a :class:`Table`, CSV text (a
    ``str`` with a line break) or the path of a UTF-8 CSV file (see :mod:`churnlens._table` for
    how DataFrame values become cells). ``mapping`` comes from :func:`map_columns` (``None``
    maps the table's headers to ``schema`` first). ``schema`` is what the columns must hold: a
    :class:`Schema`, a :class:`Bundle` (its schema), a :class:`Model` or a list of names.
    ``as_of`` (a date or ``"YYYY-MM-DD"``) turns dates into ages for date-derived features.
    ``max_issues`` caps the issues listed (default 10,000; the rest are still counted in
    ``summary``).

    Returns a :class:`Validated` whose ``features`` feed ``Model.predict`` directly.
    """
    table = _table.to_table(data)
    if max_issues is not None and max_issues < 0:
        raise InputError(f"max_issues must be >= 0, got {max_issues}")
    return _validate(table, mapping, schema, _as_of(as_of), max_issues)


def quality_report(
    data: Any,
    bundle: Union[Bundle, str, "os.PathLike[str]"],
    overrides: Optional[Overrides] = None,
) -> QualityReport:
    """The data-quality report of a table for a bundle: mapping with confidence, missing
    features, per-column completeness / validity / uniqueness / type consistency, drift against
    the training reference, a 0..1 score, suggestions, and the AUC to expect on data this
    incomplete next to the complete-data AUC.

    ``data`` as for :func:`validate`. ``bundle`` is a :class:`Bundle` or the path of a bundle
    (or bare model) file. ``overrides`` fix column-mapping decisions.
    """
    if not isinstance(bundle, Bundle):
        if isinstance(bundle, (str, os.PathLike)):
            bundle = Bundle.load(bundle)
        else:
            raise InputError(
                f"bundle must be a churnlens.Bundle or a bundle file path, got {type(bundle).__name__}"
            )
    return _quality_report(_table.to_table(data), bundle, overrides)
