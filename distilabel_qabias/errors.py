"""Errors a user can cause: each prints as one line naming the problem, never a traceback.

The CLI catches :class:`QABiasError` (and nothing broader) to print one line and exit non-zero;
anything else is a bug in this package and keeps its traceback (without locals).
"""

from __future__ import annotations

from typing import Iterable


class QABiasError(Exception):
    """Base class: a mistake in the user's input, options or environment, explained in one line."""


class MissingColumnsError(QABiasError, ValueError):
    """Rows lack a column a step needs; the message lists the columns that exist."""

    def __init__(self, missing: Iterable[str], available: Iterable[str], where: str = "input"):
        self.missing = sorted(set(missing))
        self.available = sorted(set(available))
        super().__init__(
            f"{where}: missing column(s) {', '.join(repr(c) for c in self.missing)}; "
            f"available columns: {', '.join(repr(c) for c in self.available) or '(none)'}"
        )


class InputError(QABiasError, ValueError):
    """An input file, dataset or value cannot be read or used as given."""


class OutputError(QABiasError):
    """An output location cannot be written (read-only, a directory, parent is a file, would overwrite input)."""


class HubPushError(QABiasError, RuntimeError):
    """A push to the Hugging Face Hub failed; the message never contains the token."""


class StepLoadError(QABiasError, RuntimeError):
    """A step could not load what it needs (an embedder, a classifier, an optional dependency)."""
