"""What :mod:`churnlens.spark` and :mod:`churnlens.dask` share: the bundle as bytes and a
per-process cache of loaded bundles, the column mapping resolved once, and the row numbering.

Row numbers of a distributed run are ``partition * 2**33 + position + 1``: the position is the
row's 0-based place within its partition (counted across every batch of it), so numbers are
unique, increase in the DataFrame's order, are consecutive within a partition, and do not
depend on how the engine batches a partition. (Spark's ``monotonically_increasing_id()`` uses
the same layout, plus one.) A global consecutive numbering would need a pass to count the rows
of every partition first; pass ``keep=[...]`` to carry your own key columns instead.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ._churnlens import Bundle, Overrides
from ._errors import InputError
from ._pipeline import FRAME_COLUMNS, _bundle, _overrides, shap_columns

#: Rows a partition may hold before row numbers of consecutive partitions could collide.
PARTITION_STRIDE = 1 << 33

#: Rows of the input the driver maps columns from (the pipeline's own sample size).
SAMPLE_ROWS = 500

_lock = threading.Lock()
_bundles: Dict[str, Bundle] = {}


def bundle_payload(bundle: Any) -> Tuple[Bundle, bytes, str]:
    """``(bundle, its file bytes, their SHA-256)``: what is shipped to the workers once."""
    b = _bundle(bundle)
    data = b.to_json().encode("utf-8")
    return b, data, hashlib.sha256(data).hexdigest()


def cached_bundle(key: str, data: Any) -> Bundle:
    """The bundle with hash ``key``, parsed from ``data`` (bytes, or a zero-argument callable
    returning them, e.g. a Spark broadcast's ``.value``) the first time this process needs it
    and reused by every later partition."""
    b = _bundles.get(key)
    if b is not None:
        return b
    with _lock:
        b = _bundles.get(key)
        if b is None:
            raw = data() if callable(data) else data
            b = Bundle.from_bytes(bytes(raw))
            _bundles[key] = b
    return b


def resolve_overrides(sample: Any, bundle: Bundle, overrides: Any) -> str:
    """The mapping of a sample of the input (with the caller's overrides applied), as
    overrides JSON that pins every decision, so that every partition maps the same columns."""
    from ._intake import map_columns  # noqa: PLC0415

    mapping = map_columns(sample, bundle, overrides=_overrides(overrides))
    return mapping.to_overrides().to_json()


def output_columns(bundle: Bundle, shap: bool, keep: Sequence[str]) -> List[str]:
    cols = list(keep) + list(FRAME_COLUMNS)
    if shap:
        cols += shap_columns(bundle)
    return cols


def check_keep(keep: Optional[Sequence[str]], columns: Sequence[str], bundle: Bundle,
               shap: bool) -> List[str]:
    keep = [] if keep is None else [keep] if isinstance(keep, str) else list(keep)
    missing = [k for k in keep if k not in columns]
    if missing:
        raise InputError(f"keep names columns the DataFrame lacks: {missing}")
    clash = set(keep) & set(output_columns(bundle, shap, []))
    if clash:
        raise InputError(f"keep columns clash with churnlens output columns: {sorted(clash)}")
    return keep


def score_part(pdf: Any, bundle: Bundle, overrides_json: str, first_row: int, keep: List[str],
               top_k: int, shap: bool, as_of: Any, n_threads: Optional[int]) -> Any:
    """One partition (or batch of one) through :func:`churnlens.score_frame`."""
    import pandas as pd  # noqa: PLC0415

    from ._pipeline import score_frame  # noqa: PLC0415

    out = score_frame(
        pdf,
        bundle,
        overrides=Overrides.from_json(overrides_json),
        top_k=top_k,
        shap=shap,
        as_of=as_of,
        first_row=first_row,
        n_threads=n_threads,
    )
    if keep:
        kept = pdf[keep].reset_index(drop=True)
        out = pd.concat([kept, out.reset_index(drop=True)], axis=1)
        out.index = pdf.index
    return out
