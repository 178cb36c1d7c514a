"""Type stubs of the native module ``churnlens._churnlens`` (hand-kept; see src/lib.rs)."""

import os
from typing import (
    Any,
    Callable,
    Dict,
    List,
    Literal,
    Mapping as _Map,
    Optional,
    Sequence,
    Tuple,
    Union,
    overload,
)

import numpy as np
import numpy.typing as npt
import pandas

from churnlens import Model

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
    def category_labels(self) -> List[Optional[Union[List[str], List[float]]]]:
        """Per feature, the category labels the training library stored (XGBoost 3.1+ ``cats``,
        LightGBM ``pandas_categorical``): ``None``, or the labels whose i-th is code i."""
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
    def _category_inputs(
        self,
        feature: int,
        categories: Sequence[Optional[Union[str, float]]],
        codes: npt.NDArray[np.int64],
    ) -> npt.NDArray[np.float64]:
        """Model inputs of a categorical column (its categories and per-row codes, -1 =
        missing), by the model's stored labels: the core's ``Model::category_inputs``."""

def _panic_for_tests() -> None: ...

_Path = Union[str, "os.PathLike[str]"]
_Features = Union[Sequence[str], "Schema", _Model, "Bundle"]

class Schema:
    """The feature schema: what each column fed to a model must hold."""

    def __init__(self, names: Optional[Sequence[str]] = None) -> None:
        """Numeric, optional features with these names (empty without)."""
    def __eq__(self, other: object) -> bool: ...
    @staticmethod
    def from_model(model: _Model) -> "Schema":
        """One optional feature per model input, numeric or categorical."""
    @staticmethod
    def from_names(names: Sequence[str]) -> "Schema": ...
    @staticmethod
    def from_json(text: str) -> "Schema":
        """A complete schema from JSON (``{"features": [...]}``); raises SchemaError."""
    @staticmethod
    def from_toml(text: str) -> "Schema": ...
    @staticmethod
    def load(path: _Path) -> "Schema":
        """A schema file: TOML when the name ends in ``.toml``, JSON otherwise."""
    def to_json(self) -> str: ...
    def enrich_json(self, text: str) -> "Schema":
        """A new schema: this one with a JSON schema file's fields applied on top."""
    def enrich_toml(self, text: str) -> "Schema": ...
    def check_model(self, model: _Model) -> None:
        """Raises SchemaError unless the schema's inputs are the model's features."""
    @property
    def features(self) -> List[Dict[str, Any]]:
        """Every feature as a dict (name, kind, unit, min, max, categories, required, ...)."""
    def feature(self, name: str) -> Optional[Dict[str, Any]]: ...
    @property
    def input_names(self) -> List[str]: ...
    @property
    def num_inputs(self) -> int: ...
    @property
    def identifier(self) -> Optional[str]: ...
    @property
    def label(self) -> Optional[str]: ...
    def __len__(self) -> int: ...
    def __contains__(self, name: str) -> bool: ...

class Overrides:
    """Mapping decisions a person made: ``{feature: header}`` or ``{feature: None}``."""

    def __init__(self, columns: Optional[_Map[str, Optional[str]]] = None) -> None: ...
    def __eq__(self, other: object) -> bool: ...
    def set(self, feature: str, header: str) -> None: ...
    def keep_unmapped(self, feature: str) -> None: ...
    @property
    def columns(self) -> Dict[str, Optional[str]]: ...
    @staticmethod
    def from_json(text: str) -> "Overrides":
        """Parses overrides saved by ``to_json``; raises OverrideError."""
    @staticmethod
    def load(path: _Path) -> "Overrides": ...
    def to_json(self) -> str: ...
    def save(self, path: _Path) -> None: ...
    def __len__(self) -> int: ...

class Mapping:
    """Which header feeds each feature (from ``map_columns``)."""

    def as_dict(self) -> Dict[str, str]:
        """``{feature: header}`` for the mapped features."""
    @property
    def confidence(self) -> Dict[str, float]:
        """``{feature: confidence}`` (0..1) for the mapped features."""
    @property
    def alternatives(self) -> Dict[str, List[Tuple[str, float]]]:
        """``{feature: [(header, confidence), ...]}``: the other candidates, best first."""
    @property
    def unmapped(self) -> List[str]:
        """Headers no feature takes."""
    @property
    def missing(self) -> List[str]:
        """Features without a column."""
    @property
    def missing_required(self) -> List[str]: ...
    @property
    def ambiguous(self) -> List[str]:
        """Features whose best two headers were close (mapped or refused)."""
    @property
    def headers(self) -> List[str]: ...
    @property
    def threshold(self) -> float: ...
    @property
    def features(self) -> List[Dict[str, Any]]:
        """Every decision: feature, kind, required, concept, column, header, confidence,
        source, ambiguous, alternatives, note."""
    def get(self, feature: str) -> Dict[str, Any]: ...
    def header_of(self, feature: str) -> Optional[str]: ...
    def to_overrides(self) -> Overrides: ...
    def to_json(self) -> str: ...

class Table:
    """Header names and rows of raw text cells."""

    def __init__(
        self, headers: Sequence[str], rows: Sequence[Sequence[str]], first_row: int = 1
    ) -> None: ...
    @staticmethod
    def from_csv(text: str, delimiter: str = ",") -> "Table":
        """Parses CSV text; raises CsvError."""
    @staticmethod
    def read_csv(path: _Path, delimiter: str = ",") -> "Table":
        """Reads a UTF-8 CSV file; raises FileError or EncodingError."""
    @staticmethod
    def from_dataframe(df: Any) -> "Table":
        """A pandas/polars DataFrame or pyarrow Table written out as text cells."""
    @property
    def headers(self) -> List[str]: ...
    @property
    def rows(self) -> List[List[str]]: ...
    @property
    def first_row(self) -> int: ...
    @property
    def num_rows(self) -> int: ...
    @property
    def num_columns(self) -> int: ...
    def cell(self, row: int, column: int) -> Optional[str]: ...
    def sample(self, n: int) -> List[List[str]]: ...
    def __len__(self) -> int: ...

class Validated:
    """The result of ``validate``."""

    @property
    def features(self) -> npt.NDArray[np.float64]:
        """Model inputs of the accepted rows, ``(accepted, inputs)``; NaN = missing."""
    @property
    def feature_names(self) -> List[str]: ...
    @property
    def rows(self) -> npt.NDArray[np.int64]:
        """1-based data-row numbers of the accepted rows."""
    @property
    def customer_ids(self) -> List[Optional[str]]: ...
    @property
    def labels(self) -> npt.NDArray[np.float64]:
        """1.0 churned, 0.0 retained, NaN unknown."""
    @property
    def rejected(self) -> List[Dict[str, Any]]:
        """``{"row", "customer_id", "codes", "reasons"}`` per rejected row."""
    @property
    def issues(self) -> List[Dict[str, Any]]:
        """``{"code", "severity", "row", "customer_id", "column", "feature", "value",
        "message"}`` per issue."""
    @property
    def summary(self) -> Dict[str, Any]: ...
    def to_frame(self) -> pandas.DataFrame:
        """The accepted rows as a pandas DataFrame indexed by row number."""

class QualityReport:
    """The data-quality report of a table for a bundle."""

    @property
    def score(self) -> float: ...
    @property
    def grade(self) -> Literal["good", "fair", "poor"]: ...
    @property
    def rows(self) -> int: ...
    @property
    def rows_accepted(self) -> Optional[int]: ...
    @property
    def rows_rejected(self) -> Optional[int]: ...
    @property
    def missing_features(self) -> List[str]: ...
    @property
    def unmapped_columns(self) -> List[str]: ...
    @property
    def suggestions(self) -> List[Dict[str, Any]]: ...
    @property
    def column_quality(self) -> List[Dict[str, Any]]: ...
    @property
    def accuracy(self) -> Optional[Dict[str, Any]]: ...
    @property
    def expected_auc(self) -> Optional[float]: ...
    @property
    def complete_auc(self) -> Optional[float]: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def to_json(self) -> str: ...
    def to_text(self) -> str: ...

_Tiers = Union[_Map[str, float], Sequence[Tuple[str, float]]]

class Bundle:
    """A model with its schema, reference profile, labelled sample, tiers and metadata."""

    @staticmethod
    def load(path: _Path) -> "Bundle":
        """A bundle file, or a bare model file (schema from the model)."""
    @staticmethod
    def from_bytes(data: bytes) -> "Bundle": ...
    @staticmethod
    def from_model_bytes(model_bytes: bytes, schema: Optional[Schema] = None) -> "Bundle": ...
    @staticmethod
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
        tiers: Optional[_Tiers] = None,
        sample_size: int = 500,
        holdout: Any = None,
        bins: int = 10,
        seed: Optional[int] = None,
        metrics: Optional[_Map[str, float]] = None,
        created: Optional[str] = None,
        source: Optional[str] = None,
    ) -> "Bundle":
        """A bundle from a trained xgboost/lightgbm model (booster, scikit-learn wrapper, path
        or bytes) and its training DataFrame; see ``churnlens._bundle.build``."""
    def save(self, path: _Path) -> None: ...
    def to_json(self) -> str: ...
    @property
    def model(self) -> Model:
        """The embedded model as a ``churnlens.Model``."""
    @property
    def model_bytes(self) -> bytes: ...
    @property
    def schema(self) -> Schema: ...
    def set_schema(self, schema: Schema) -> None: ...
    @property
    def metadata(self) -> Dict[str, Any]: ...
    def set_metadata(
        self,
        *,
        name: Optional[str] = None,
        version: Optional[str] = None,
        created: Optional[str] = None,
        description: Optional[str] = None,
        source: Optional[str] = None,
        metrics: Optional[_Map[str, float]] = None,
    ) -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def content_hash(self) -> str: ...
    @property
    def reference(self) -> Optional[Dict[str, Any]]: ...
    def set_reference(self, x: npt.NDArray[np.float64], bins: int = 10) -> None: ...
    @property
    def sample(self) -> Optional[Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]]: ...
    def set_sample(self, x: npt.NDArray[np.float64], labels: npt.NDArray[np.float64]) -> None: ...
    @property
    def tiers(self) -> Optional[List[Tuple[str, float]]]: ...
    def set_tiers(self, tiers: _Tiers) -> None:
        """``[(name, min_probability), ...]`` or ``{name: min_probability}``, ascending."""
    @overload
    def explain(
        self,
        x: Union[Sequence[Union[float, str, None]], _Map[str, Union[float, str, None]], pandas.Series],
        top_k: Optional[int] = 3,
    ) -> "Explanation": ...
    @overload
    def explain(
        self,
        x: Union[pandas.DataFrame, npt.NDArray[Any], Sequence[Sequence[Union[float, str, None]]]],
        top_k: Optional[int] = 3,
    ) -> List["Explanation"]:
        """Reasons for rows in the schema's inputs: one row (a dict or pandas Series keyed by
        feature, or a 1-D sequence in input order) gives an :class:`Explanation`; a DataFrame
        with the features as columns or a 2-D array gives a list. Values are model inputs
        (numbers, NaN = missing) or text read with the schema as ``validate`` reads it
        (``"Male"``, ``"Month-to-month"``, ``"Yes"``). ``top_k=None`` lists every contributing
        feature.

        >>> e = bundle.explain(checked.features[0])
        >>> e.tier, e.raises[0].text
        ('high', 'Tenure (1 month) raises churn risk by 19.4 points')
        >>> bundle.explain(customers.iloc[0]).tier  # a row as exported: "Male", "Yes", ...
        'high'
        """

def _map_columns(
    headers: Sequence[str],
    features: _Features,
    samples: Optional[Sequence[Sequence[str]]] = None,
    overrides: Optional[Overrides] = None,
    threshold: Optional[float] = None,
) -> Mapping: ...
def _validate(
    table: Table,
    mapping: Optional[Mapping],
    schema: _Features,
    as_of: Optional[str] = None,
    max_issues: Optional[int] = None,
) -> Validated: ...
def _quality_report(
    table: Table, bundle: Bundle, overrides: Optional[Overrides] = None
) -> QualityReport: ...
def _parse_labels(
    cells: Sequence[str], categories: Optional[Sequence[str]] = None
) -> npt.NDArray[np.float64]: ...
def _auc(scores: Sequence[float], labels: Sequence[float]) -> Optional[float]: ...
def _build_bundle(
    model_bytes: bytes,
    x: npt.NDArray[np.float64],
    labels: Optional[npt.NDArray[np.float64]] = None,
    *,
    schema: Optional[Schema] = None,
    schema_json: Optional[str] = None,
    label_column: Optional[str] = None,
    id_column: Optional[str] = None,
    holdout_x: Optional[npt.NDArray[np.float64]] = None,
    holdout_labels: Optional[npt.NDArray[np.float64]] = None,
    sample_rows: int = 500,
    bins: int = 10,
    tiers: Optional[Sequence[Tuple[str, float]]] = None,
    name: Optional[str] = None,
    version: Optional[str] = None,
    description: Optional[str] = None,
    source: Optional[str] = None,
    created: Optional[str] = None,
    seed: Optional[int] = None,
    metrics: Optional[_Map[str, float]] = None,
) -> Bundle: ...

# --- the main job (issue 5) ---------------------------------------------------------------------

class RunSummary:
    """What a pipeline run learned (``score_csv``, ``report_csv``, ``score_frame``)."""

    @property
    def rows_read(self) -> int: ...
    @property
    def rows_scored(self) -> int: ...
    @property
    def rows_rejected(self) -> int: ...
    @property
    def chunks(self) -> int: ...
    @property
    def stopped_early(self) -> bool:
        """Whether the progress callback stopped the run."""
    @property
    def headers(self) -> List[str]: ...
    @property
    def delimiter(self) -> str: ...
    @property
    def encoding(self) -> str: ...
    @property
    def model(self) -> Dict[str, str]:
        """``{"name", "version", "content_hash"}``."""
    @property
    def mapping(self) -> Mapping: ...
    @property
    def quality(self) -> QualityReport: ...
    @property
    def quality_score(self) -> float: ...
    @property
    def validation(self) -> Dict[str, Any]: ...
    @property
    def issues(self) -> List[Dict[str, Any]]: ...
    @property
    def tiers(self) -> Dict[str, Dict[str, float]]:
        """``{tier: {"count", "percent", "min_probability"}}``, lowest tier first."""
    @property
    def tier_counts(self) -> List[Tuple[str, int]]: ...
    @property
    def base_probability(self) -> Optional[float]: ...
    @property
    def mean_probability(self) -> Optional[float]: ...
    @property
    def labelled(self) -> Optional[Dict[str, Any]]: ...
    @property
    def auc(self) -> Optional[float]:
        """AUC against the input's own churn labels, when it has them."""
    @property
    def timings(self) -> Dict[str, float]: ...
    @property
    def rows_per_second(self) -> float: ...
    @property
    def log(self) -> Optional[Dict[str, Any]]:
        """``{"database", "run_id", "logged", "without_id"}`` when logged to an OutcomeStore."""
    def to_dict(self) -> Dict[str, Any]: ...
    def to_json(self) -> str: ...
    def to_text(self, quality: bool = True) -> str: ...

class Reason:
    """One driver of a customer's churn risk."""

    @property
    def feature(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def value(self) -> str:
        """The customer's value as people read it (``34 months``, ``Month-to-month``)."""
    @property
    def input(self) -> Optional[float]: ...
    @property
    def direction(self) -> Literal["raises", "lowers"]: ...
    @property
    def contribution(self) -> float:
        """The SHAP value (log-odds)."""
    @property
    def points(self) -> float:
        """Percentage points of churn probability (proportional allocation)."""
    @property
    def text(self) -> str: ...
    def to_dict(self) -> Dict[str, Any]: ...

class Explanation:
    """Why one customer got their churn probability."""

    @property
    def probability(self) -> float:
        """The model's churn probability (``score_frame``'s ``churn_probability``)."""
    @property
    def tier(self) -> Optional[str]: ...
    @property
    def base_probability(self) -> float: ...
    @property
    def margin(self) -> float: ...
    @property
    def raises(self) -> List[Reason]: ...
    @property
    def lowers(self) -> List[Reason]: ...
    @property
    def other_points(self) -> float: ...
    def all_points(self) -> float: ...
    def summary(self) -> str: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def to_text(self) -> str: ...

class Performance:
    """Realised accuracy of logged predictions against recorded outcomes."""

    @property
    def rows(self) -> int: ...
    @property
    def churned(self) -> int: ...
    @property
    def unmatched_outcomes(self) -> int: ...
    @property
    def auc(self) -> Optional[float]: ...
    @property
    def brier(self) -> Optional[float]: ...
    @property
    def mean_predicted(self) -> Optional[float]: ...
    @property
    def observed_rate(self) -> Optional[float]: ...
    @property
    def model_hash(self) -> Optional[str]: ...
    @property
    def deciles(self) -> List[Dict[str, Any]]: ...
    @property
    def tiers(self) -> List[Dict[str, Any]]: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def to_json(self) -> str: ...
    def to_text(self) -> str: ...

class OutcomeStore:
    """The prediction and outcome log (SQLite; the CLI's ``--db``), or in memory.

    >>> db = OutcomeStore("churnlens-out/churnlens.db")
    >>> summary = score_csv("customers.csv", bundle, outcomes=db)
    >>> db.record_outcome("7590-VHVEG", True, date="2026-03-01")
    >>> db.performance().auc
    """

    def __init__(self, path: Optional[_Path] = None) -> None: ...
    @property
    def path(self) -> str: ...
    def record_outcome(
        self,
        customer_id: str,
        churned: Union[bool, int, str],
        date: Any = None,
        source: str = "python",
    ) -> None: ...
    def record_outcomes_csv(
        self, data: Any, date: Any = None, source: str = "python"
    ) -> Dict[str, int]: ...
    @overload
    def export_training(self, out: None = None, model_hash: Optional[str] = None) -> pandas.DataFrame:
        """The exported training table as a DataFrame."""
    @overload
    def export_training(self, out: Any, model_hash: Optional[str] = None) -> int:
        """A DataFrame when ``out`` is None, else the number of rows written to ``out``."""
    def performance(self, model_hash: Optional[str] = None) -> Performance: ...
    def counts(self) -> Dict[str, int]: ...
    def close(self) -> None: ...
    def __enter__(self) -> "OutcomeStore": ...
    def __exit__(self, *args: Any) -> bool: ...

def _run_csv(
    source: Any,
    bundle: Bundle,
    *,
    out_csv: Any = None,
    out_jsonl: Any = None,
    rejects: Any = None,
    overrides: Optional[Overrides] = None,
    top_k: int = 3,
    chunk_rows: int = 8192,
    as_of: Optional[str] = None,
    outcomes: Optional[OutcomeStore] = None,
    progress: Optional[Callable[[int, int], Any]] = None,
    delimiter: Optional[str] = None,
    encoding: str = "auto",
    file_duplicates: bool = True,
    n_threads: Optional[int] = None,
    source_name: Optional[str] = None,
    score: bool = True,
) -> RunSummary: ...
def _score_frame(
    csv: bytes,
    n_rows: int,
    bundle: Bundle,
    *,
    overrides: Optional[Overrides] = None,
    top_k: int = 3,
    shap: bool = False,
    as_of: Optional[str] = None,
    n_threads: Optional[int] = None,
    chunk_rows: int = 8192,
) -> Tuple[Dict[str, Any], RunSummary]: ...
