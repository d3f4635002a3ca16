"""Find passages of a document that address a language model rather than a human reader.

Offline and linear-time. The text is cut into units (``units.py``); each unit is scored by the rule cues
(``cues.py``, ``prefilter.py``, ``score.py``) and by a learned detector shipped with the package
(``learned.py``; a logistic regression over hashed character n-grams and shape features, trained by
``training/train_instruction_detector.py``; it scores a whole batch of documents in one vectorised call), and optionally by a user classifier (``classifier.py``); whether
the rest of a document is declarative prose, and whether a unit opens with a verb, is read by ``mood.py``; flagged
units grow into whole passages (``spans.py``), which are removed, masked or tagged (``filter.py``). Each span
says which detector fired and its score. Measured quality and speed: ``benchmarks/eval_instructions.py`` and
the README.
"""

from distilabel_qabias.text.instructions.classifier import load_classifier
from distilabel_qabias.text.instructions.filter import (
    apply_spans,
    filter_instructions,
    filter_instructions_batch,
    instruction_fraction,
)
from distilabel_qabias.text.instructions.learned import LearnedDetector, default_detector
from distilabel_qabias.text.instructions.model import (
    DEFAULT_PLACEHOLDER,
    DEFAULT_THRESHOLD,
    DETECTORS,
    KINDS,
    MAX_UNIT_CHARS,
    MODES,
    Classifier,
    InstructionFilterResult,
    InstructionSpan,
    ScoredUnit,
    Unit,
)
from distilabel_qabias.text.instructions.score import score_units
from distilabel_qabias.text.instructions.spans import find_instruction_spans, find_instruction_spans_batch
from distilabel_qabias.text.instructions.units import split_units

__all__ = [
    "DEFAULT_PLACEHOLDER", "DEFAULT_THRESHOLD", "DETECTORS", "KINDS", "MAX_UNIT_CHARS", "MODES", "Classifier",
    "InstructionFilterResult", "InstructionSpan", "LearnedDetector", "ScoredUnit", "Unit", "apply_spans",
    "default_detector", "filter_instructions", "filter_instructions_batch", "find_instruction_spans",
    "find_instruction_spans_batch", "instruction_fraction", "load_classifier",
    "score_units", "split_units",
]
