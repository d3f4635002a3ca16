"""Load a user-supplied classifier (``"package.module:function"``) that scores units beside the rules."""

from __future__ import annotations

import importlib

from distilabel_qabias.text.instructions.model import Classifier

def load_classifier(path: str) -> Classifier:
    """Import ``"package.module:function"`` (or ``"package.module.function"``) and check it is callable."""
    if not isinstance(path, str) or not path.strip():
        raise ValueError(f"classifier must be an import path like 'package.module:function', got {path!r}")
    module_name, sep, attr = path.partition(":")
    if not sep:
        module_name, _, attr = path.rpartition(".")
    if not module_name or not attr:
        raise ValueError(f"classifier must be an import path like 'package.module:function', got {path!r}")
    try:
        target = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(f"cannot import classifier module {module_name!r}: {error}") from error
    for part in attr.split("."):
        if not hasattr(target, part):
            raise ValueError(f"module {module_name!r} has no attribute {attr!r} (classifier {path!r})")
        target = getattr(target, part)
    if not callable(target):
        raise ValueError(f"classifier {path!r} is not callable")
    return target

