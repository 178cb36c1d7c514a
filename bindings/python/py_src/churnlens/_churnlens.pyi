"""Type stubs of the native module ``churnlens._churnlens`` (hand-kept; see src/lib.rs)."""

import os
from typing import Any, List, Literal, Optional, Union

import numpy as np
import numpy.typing as npt

__version__: str

_Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview]
_Output = Literal["probability", "margin"]

class _Model:
    """The native model; use :class:`churnlens.Model`, which extends it."""

    def __new__(cls, source: _Source) -> "_Model": ...
    @property
    def feature_names(self) -> List[str]:
        """Feature names in the model's column order (``f0``... when the file has none)."""
    @property
    def feature_kinds(self) -> List[Literal["numeric", "categorical"]]: ...
    @property
    def num_features(self) -> int: ...
    @property
    def num_outputs(self) -> int:
        """1, or the number of classes."""
    @property
    def num_trees(self) -> int: ...
    @property
    def objective(self) -> str:
        """The objective as the file names it, e.g. ``binary:logistic``."""
    @property
    def format(self) -> Literal["xgboost", "lightgbm"]: ...
    @property
    def best_iteration(self) -> Optional[int]: ...
    @property
    def base_margin(self) -> npt.NDArray[np.float64]: ...
    @property
    def expected_value(self) -> Union[float, npt.NDArray[np.float64]]:
        """The SHAP bias: a float for single-output models, else one value per output."""
    def predict(
        self,
        X: Any,
        output: _Output = "probability",
        n_threads: Optional[int] = None,
    ) -> npt.NDArray[np.float64]:
        """Predictions, ``(n,)`` for single-output models, else ``(n, K)``.

        ``output="probability"`` applies the objective's transform (sigmoid, softmax, exp...);
        ``"margin"`` returns raw scores. ``n_threads=None`` (or 0) uses all cores.
        """
    def shap_values(self, X: Any, n_threads: Optional[int] = None) -> npt.NDArray[np.float64]:
        """Exact TreeSHAP values, ``(n, F+1)`` or ``(n, K, F+1)``; the last column is the bias."""
    def shap_interaction_values(
        self, X: Any, n_threads: Optional[int] = None
    ) -> npt.NDArray[np.float64]:
        """SHAP interaction values, ``(n, F+1, F+1)`` or ``(n, K, F+1, F+1)``."""

def _panic_for_tests() -> None: ...
