"""The exceptions churnlens raises.

Each mirrors a kind of ``churn_core::Error`` and carries the core's message, which says what went
wrong, where (file, line, byte, tree, node, field, row, column) and why. ``err.code`` holds the
core's error code (``"json"``, ``"model"``, ``"input"``, ...: the same strings as ``err.code`` in
the Node and WASM packages; docs/errors.md lists them all), ``err.kind`` is its older name, and
``err.position`` is a dict of the known parts of where the problem is (``file``, ``line``,
``row``, ``column``, ``tree``, ``node``, ``field``, ``byte``).
"""

from __future__ import annotations

from typing import Dict, Union

__all__ = [
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
]


class ChurnlensError(Exception):
    """Base class of every error churnlens raises."""

    kind: str = "churnlens"
    position: Dict[str, Union[str, int]]

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        # Errors from the core get theirs from churn_core::Error::position.
        self.position = {}

    @property
    def code(self) -> str:
        """The error code (``"json"``, ``"csv"``, ...): the same string in every runtime."""
        return self.kind


class ModelError(ChurnlensError, ValueError):
    """The bytes are not a valid model: unknown format, invalid JSON/UBJSON, or a model whose
    content is inconsistent. ``line``/``column`` (JSON) or ``offset`` (UBJSON) locate the problem
    when known."""

    kind = "model"


class UnsupportedError(ChurnlensError):
    """A valid model that uses a feature churnlens does not implement (the message says which,
    and what to do instead where there is an answer)."""

    kind = "unsupported"


class InputError(ChurnlensError, ValueError):
    """The input data does not fit the model: wrong number of columns, missing or unexpected
    DataFrame columns, a dtype that is not numeric, an invalid argument."""

    kind = "input"


class CsvError(InputError):
    """Delimited text could not be read into a table (unbalanced quotes and the like).
    ``line`` is the 1-based line of the problem (0 when unknown)."""

    kind = "csv"
    line: int = 0


class EncodingError(CsvError):
    """Input text is not in the expected character encoding (e.g. a file that is not UTF-8)."""

    kind = "encoding"


class RecordError(InputError):
    """A value in a record (an outcome row, a setting) is not valid."""

    kind = "record"


class SchemaError(ChurnlensError, ValueError):
    """A feature schema (built in, from a schema file, or inside a bundle) is not valid, or
    does not fit the model. ``field`` says where: a feature name and field, or a line and
    column of the file."""

    kind = "schema"
    field: str = ""


class VocabularyError(ChurnlensError, ValueError):
    """A vocabulary file (concepts and synonyms) is not valid. ``field`` names the concept or
    section."""

    kind = "vocabulary"
    field: str = ""


class OverrideError(ChurnlensError, ValueError):
    """A column-mapping override names a feature the schema lacks or a header the table lacks,
    or an overrides file is not valid JSON. ``feature`` names the feature when known (``line``
    and ``column`` locate a JSON syntax error)."""

    kind = "override"
    feature: str = ""


class BundleError(ChurnlensError, ValueError):
    """A model bundle is not valid: wrong layout, a bad field, a content hash that does not
    match (the file was changed after it was written), a reference or sample that does not fit
    the schema. ``field`` names the bundle field, e.g. ``metadata.content_hash``."""

    kind = "bundle"
    field: str = ""


class FileError(ChurnlensError, OSError):
    """A file could not be read or written. Also an ``OSError``: ``errno``, ``strerror`` and
    ``filename`` are set when the file could not be read."""

    kind = "io"

    def __str__(self) -> str:
        # OSError would print "[Errno N] strerror: filename"; keep the core's full message.
        if len(self.args) == 1 and isinstance(self.args[0], str):
            return self.args[0]
        return OSError.__str__(self)  # pragma: no cover


class DatabaseError(ChurnlensError):
    """The prediction and outcome database failed."""

    kind = "database"


class InternalError(ChurnlensError):
    """A bug in churnlens (a Rust panic, caught before it reached Python). Please report it."""

    kind = "internal"
