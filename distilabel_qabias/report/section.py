"""Frozen report sections that read and write JSON: the (de)serialisation every section of
:mod:`distilabel_qabias.report.model` shares.

Lists become tuples (sections are immutable and hashable), numpy values become Python numbers, and
undefined numbers (NaN, inf) are ``null`` in JSON.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, ClassVar, Mapping

import numpy as np


def json_value(value: Any) -> Any:
    """JSON-safe value: numpy scalars become Python numbers, NaN/inf become None, tuples lists."""
    if isinstance(value, Section):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_value(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if value is None or isinstance(value, str):
        return value
    return str(value)


def frozen_value(value: Any) -> Any:
    """Lists (and arrays) from JSON or numpy become tuples, recursively; JSON null stays None."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return tuple(frozen_value(v) for v in value)
    return value


class Section:
    """Flat section: JSON keys are the field names; lists are stored as tuples."""

    _nested: ClassVar[Mapping[str, type]] = {}  # field -> section type of each value of a dict field

    def to_dict(self) -> dict[str, Any]:
        return {f.name: json_value(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]):
        values = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name not in data:
                continue
            value = data[f.name]
            nested = cls._nested.get(f.name)
            if nested is not None and value is not None:
                value = {str(k): nested.from_dict(v) for k, v in value.items()}
            values[f.name] = frozen_value(value) if not isinstance(value, Mapping) else dict(value)
        return cls(**values)
