"""churnlens: score and explain churn models trained with XGBoost or LightGBM.

>>> import churnlens as cl
>>> model = cl.Model.load("model.json")          # doctest: +SKIP
>>> p = model.predict(df)                        # doctest: +SKIP
>>> phi = model.shap_values(df)                  # doctest: +SKIP

Predictions equal XGBoost's / LightGBM's, and SHAP values are exact TreeSHAP (XGBoost's
``pred_contribs``, LightGBM's ``pred_contrib``, shap's ``TreeExplainer``), computed by a pure-Rust
engine with the GIL released.

Before scoring a table from elsewhere (a CRM export, a warehouse query):

>>> bundle = cl.Bundle.load("telco_bundle.json")              # doctest: +SKIP
>>> mapping = cl.map_columns(df, bundle)                     # doctest: +SKIP
>>> checked = cl.validate(df, mapping, bundle)               # doctest: +SKIP
>>> p = bundle.model.predict(checked.features)               # doctest: +SKIP
>>> print(cl.quality_report(df, bundle).to_text())           # doctest: +SKIP

The main job, on a file or a DataFrame (the CLI's ``churnlens score``):

>>> summary = cl.score_csv("customers.csv", bundle, out_csv="scored.csv")   # doctest: +SKIP
>>> scored = cl.score_frame(df, bundle, shap=True)                          # doctest: +SKIP
>>> bundle.explain(checked.features[0]).to_text()                           # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Optional, Union

import numpy as np

from ._errors import (
    BundleError,
    ChurnlensError,
    CsvError,
    DatabaseError,
    EncodingError,
    FileError,
    InputError,
    InternalError,
    ModelError,
    OverrideError,
    RecordError,
    SchemaError,
    UnsupportedError,
    VocabularyError,
)
from ._churnlens import (
    Bundle,
    Explanation,
    Mapping,
    OutcomeStore,
    Overrides,
    Performance,
    QualityReport,
    Reason,
    RunSummary,
    Schema,
    Table,
    Validated,
    _Model,
    __version__,
)
from ._intake import map_columns, quality_report, validate
from ._pipeline import Progress, report_csv, score_csv, score_frame, shap_columns

if TYPE_CHECKING:  # pragma: no cover
    import shap

__all__ = [
    "Model",
    "Schema",
    "Overrides",
    "Mapping",
    "Table",
    "Validated",
    "QualityReport",
    "Bundle",
    "map_columns",
    "validate",
    "quality_report",
    "score_csv",
    "report_csv",
    "score_frame",
    "shap_columns",
    "Progress",
    "RunSummary",
    "Explanation",
    "Reason",
    "OutcomeStore",
    "Performance",
    "ChurnlensError",
    "ModelError",
    "UnsupportedError",
    "InputError",
    "CsvError",
    "EncodingError",
    "RecordError",
    "SchemaError",
    "VocabularyError",
    "OverrideError",
    "BundleError",
    "FileError",
    "DatabaseError",
    "InternalError",
    "__version__",
]


def _model_bytes(source: Any) -> Union[str, os.PathLike, bytes]:
    """Paths and bytes pass through; a trained booster (or a scikit-learn wrapper around one) is
    serialised in memory."""
    if isinstance(source, (str, os.PathLike, bytes, bytearray, memoryview)):
        return source
    top = type(source).__module__.split(".", 1)[0]
    if top == "xgboost":
        booster = source.get_booster() if hasattr(source, "get_booster") else source
        return bytes(booster.save_raw(raw_format="ubj"))
    if top == "lightgbm":
        booster = getattr(source, "booster_", source)
        return booster.model_to_string().encode("utf-8")
    return source  # the native constructor words the TypeError


class Model(_Model):
    """A tree-ensemble model (XGBoost JSON/UBJSON or LightGBM text), immutable and thread-safe.

    Create one with :meth:`Model.load`. Inputs ``X`` are 2-D NumPy arrays (``float64`` or
    ``float32``, any memory order, NaN = missing), pandas DataFrames (columns matched by name;
    ``category`` columns, and text columns of features whose labels the model stores, are read
    by label: see :mod:`churnlens._input`), polars DataFrames or pyarrow Tables.
    """

    __slots__ = ()

    @classmethod
    def load(cls, source: Any) -> "Model":
        """Loads a model from a path, from its bytes, or from a trained booster.

        ``source`` may be a ``str`` / ``os.PathLike`` path; ``bytes`` / ``bytearray`` /
        ``memoryview`` holding an XGBoost JSON or UBJSON model or a LightGBM text model (the
        format is sniffed; for LightGBM's ``model_to_string()`` pass ``text.encode()``); or an
        ``xgboost.Booster`` / ``lightgbm.Booster`` / scikit-learn wrapper, serialised in memory.

        Raises :class:`FileError` (an ``OSError``) when a file cannot be read,
        :class:`ModelError` when the bytes are not a valid model and :class:`UnsupportedError`
        when the model uses a feature churnlens does not implement.
        """
        return cls(_model_bytes(source))

    def explain(self, X: Any, n_threads: Optional[int] = None) -> "shap.Explanation":
        """SHAP values of ``X`` as a ``shap.Explanation``, ready for ``shap.plots``.

        Laid out as ``shap.TreeExplainer(model)(X)`` lays them out: ``values`` is ``(n, F)`` for
        single-output models and ``(n, F, K)`` otherwise, ``base_values`` ``(n,)`` or
        ``(n, K)``, ``data`` the input in the model's feature order. Values are in margin space
        (log-odds for classifiers), like XGBoost's and LightGBM's contributions.
        """
        try:
            import shap  # noqa: PLC0415
        except ImportError as e:
            raise ImportError(
                "Model.explain returns a shap.Explanation and needs the shap package "
                "(pip install shap); Model.shap_values works without it"
            ) from e
        from ._input import to_matrix  # noqa: PLC0415

        if isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype in (np.float64, np.float32):
            data = X
        else:
            data = to_matrix(X, self)
        phi = np.asarray(self.shap_values(data, n_threads=n_threads))
        F = self.num_features
        if phi.ndim == 2:
            values, base = phi[:, :F], phi[:, F]
        else:
            values = np.ascontiguousarray(np.transpose(phi[:, :, :F], (0, 2, 1)))
            base = phi[:, :, F]
        names = list(self.feature_names)
        display = X if _top_module(X) == "pandas" and hasattr(X, "columns") else None
        if display is not None:
            display = display[names].to_numpy()
        return shap.Explanation(
            values=values,
            base_values=base,
            data=np.asarray(data),
            display_data=display,
            feature_names=names,
        )

    def __copy__(self) -> "Model":
        return self  # immutable

    def __deepcopy__(self, memo: Any) -> "Model":
        return self

    def __reduce__(self):  # pragma: no cover - trivial
        raise TypeError(
            "churnlens.Model cannot be pickled; send the model file (or its bytes) and call "
            "Model.load in the other process"
        )


def _top_module(obj: Any) -> str:
    return type(obj).__module__.split(".", 1)[0]
