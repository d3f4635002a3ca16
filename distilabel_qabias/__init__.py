"""distilabel-qabias: steps that make synthetic question-answer data trustworthy.

The Steps are imported lazily so that the plain modules (``distilabel_qabias.text``,
``.coverage``, ``.convergence``) can be used without importing distilabel.
"""

from importlib import import_module
from typing import Any

__version__ = "0.5.0"

_LAZY = {
    "ScrubArtifacts": "distilabel_qabias.steps.scrub",
    "FilterInstructionSpans": "distilabel_qabias.steps.instructions",
    "SampleTargetSpans": "distilabel_qabias.steps.targets",
    "TagSpanCoverage": "distilabel_qabias.steps.coverage",
    "DeduplicateConvergentQuestions": "distilabel_qabias.steps.convergence",
    "QABiasReport": "distilabel_qabias.steps.report",
    "DropFlaggedRows": "distilabel_qabias.steps.drop",
    "SampleChunks": "distilabel_qabias.steps.chunks",
    "AssignPromptKinds": "distilabel_qabias.steps.chunks",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'distilabel_qabias' has no attribute {name!r}")
