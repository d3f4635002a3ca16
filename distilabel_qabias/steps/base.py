"""What every qabias Step does to a row, in one place: read text cells by one rule, keep
non-text values without breaking distilabel's writer, and maintain the keep flags.

Only the Steps (this package's ``steps/``) read or write rows; the plain modules under ``text/``,
``coverage/``, ``convergence/`` and ``report/`` work on strings, spans and arrays.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, MutableMapping

from distilabel_qabias import schema
from distilabel_qabias.steps.write_buffer import widen_leaf_schemas

Row = MutableMapping[str, Any]

widen_leaf_schemas()  # every qabias Step imports this module, so any pipeline using one gets the fix


def text_cell(row: Row, column: str) -> tuple[str | None, str | None]:
    """``(text, None)`` for a usable text cell, else ``(None, reason)`` with a :class:`schema.Reason` code.

    A cell that :func:`set_aside_non_text` moved away reads as ``not_text`` (not ``missing``), so every
    step downstream gives the same reason.
    """
    value = row.get(column)
    if value is None and column in _set_aside(row):
        return None, schema.REASON_NOT_TEXT
    reason = schema.invalid_text_reason(value)
    return (None, reason) if reason else (value, None)


def set_aside_non_text(rows: Iterable[Row], columns: Iterable[str], unencodable: bool = True) -> None:
    """Move every non-str value of ``columns`` into ``qabias_non_text_cells`` and null the cell.

    distilabel writes each batch with pyarrow, which cannot store a column that mixes str with
    int/list/dict, nor a string holding a lone surrogate: one such cell loses the whole run. The
    original value is kept as JSON (surrogates as ``\\udXXX`` escapes, a value JSON cannot hold as
    its ``repr``), so nothing the user gave is lost. ``unencodable=False`` leaves unencodable
    strings in place, for a step that repairs them (``ScrubArtifacts``).
    """
    columns = list(columns)
    for row in rows:
        moved = {c: row[c] for c in columns if _must_move(row.get(c), unencodable)}
        if moved:
            kept = _set_aside(row)
            kept.update(moved)
            encoded = json.dumps(kept, ensure_ascii=False, default=repr)
            if not schema.is_encodable(encoded):
                encoded = json.dumps(kept, ensure_ascii=True, default=repr)
            row[schema.NON_TEXT_CELLS] = encoded
            for column in moved:
                row[column] = None
        else:
            row.setdefault(schema.NON_TEXT_CELLS, row.get(schema.NON_TEXT_CELLS))


def _must_move(value: Any, unencodable: bool) -> bool:
    if value is None:
        return False
    if not isinstance(value, str):
        return True
    return unencodable and not schema.is_encodable(value)


def _set_aside(row: Row) -> dict[str, Any]:
    stored = row.get(schema.NON_TEXT_CELLS)
    return json.loads(stored) if isinstance(stored, str) and stored else {}


def set_keep(row: Row, flag: str, keep: bool) -> None:
    """Write one ``keep_row_after_*_filtering`` flag and recompute ``qabias_keep`` from all of them."""
    row[flag] = bool(keep)
    schema.update_keep(row)
