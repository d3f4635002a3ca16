"""A fix for distilabel 1.5.3's output writer, applied when a qabias Step is imported.

distilabel writes a leaf step's rows to parquet 50 at a time and keeps the column types of the first
50 when later rows have the same column names. A column that is None in all of them (pyarrow type
``null``) and holds a value later kills the run at its very end (``Unsupported cast from string to
null``), after every generation is done. Here the kept schema is widened instead (``null`` to the later
type, int to float), which is what distilabel already does when the column names differ.
"""

from __future__ import annotations

import functools


def widen_leaf_schemas() -> None:
    """Patch ``_WriteBuffer._write`` once per process; a no-op on a distilabel without that class."""
    try:
        from distilabel.pipeline.write_buffer import _WriteBuffer
    except ImportError:
        return
    original = _WriteBuffer._write
    if getattr(original, "qabias_widens", False):
        return

    @functools.wraps(original)
    def _write(self, step_name: str) -> None:
        import pyarrow as pa

        kept = self._buffer_last_schema.get(step_name)
        rows = self._buffers.get(step_name)
        if kept is not None and rows:
            try:
                incoming = pa.Table.from_pylist(rows).schema
                if set(incoming.names) == set(kept.names) and not kept.equals(incoming):
                    self._buffer_last_schema[step_name] = pa.unify_schemas([kept, incoming], promote_options="permissive")
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
                pass  # types that cannot be unified (str and int): distilabel's own path decides, as before
        original(self, step_name)

    _write.qabias_widens = True
    _WriteBuffer._write = _write
