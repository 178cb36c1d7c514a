"""The exceptions churnlens raises.

Each mirrors a kind of ``churn_core::Error`` and carries the core's message, which says what went
wrong, where (file, line, byte, tree, node, field, row, column) and why. ``err.kind`` holds the
core's short kind name (``"json"``, ``"model"``, ``"input"``, ...).
"""

from __future__ import annotations

__all__ = [
    "ChurnlensError",
    "ModelError",
    "UnsupportedError",
    "InputError",
    "FileError",
    "InternalError",
]


class ChurnlensError(Exception):
    """Base class of every error churnlens raises."""

    kind: str = "churnlens"


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


class FileError(ChurnlensError, OSError):
    """A model file could not be read. Also an ``OSError``: ``errno``, ``strerror`` and
    ``filename`` are set."""

    kind = "io"

    def __str__(self) -> str:
        # OSError would print "[Errno N] strerror: filename"; keep the core's full message.
        if len(self.args) == 1 and isinstance(self.args[0], str):
            return self.args[0]
        return OSError.__str__(self)  # pragma: no cover


class InternalError(ChurnlensError):
    """A bug in churnlens (a Rust panic, caught before it reached Python). Please report it."""

    kind = "internal"
