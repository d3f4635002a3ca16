"""Stratified choice of fixed target sentences for question generation (pure, no distilabel).

Left to itself a generator asks about the salient start of a document; giving it a fixed target
sentence, chosen evenly over the document, spreads coverage. The eligible sentences (not markup,
boilerplate, instruction-like or a fragment) are split, in document order, into ``n`` equal strata
and one sentence is drawn from each, so positions are covered uniformly. The draw is seeded by
``seed`` and the document's text, so reruns and replicas agree.
"""

from __future__ import annotations

import random
import re
import zlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Sequence

from distilabel_qabias.schema import Reason, invalid_text_reason
from distilabel_qabias.text.segment import Sentence, split_sentences

MIN_CHARS = 25
MIN_WORDS = 4
MAX_MARKUP_SHARE = 0.5  # a sentence more than half covered by artifacts is markup, not content
MIN_LETTER_SHARE = 0.5  # fewer letters than this (tables, rules, symbol runs) is not prose

_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


@dataclass(frozen=True)
class Span:
    start: int
    end: int


# Why a sentence is not eligible (counted in TargetSelection.skipped).
INSTRUCTION = "instruction"
ARTIFACT = "artifact"
MARKUP = "markup"
TOO_SHORT = "too_short"


@dataclass
class TargetSelection:
    targets: list[Sentence]
    reason: Optional[str] = None  # a Reason code, set when no target could be chosen
    detail: Optional[str] = None  # what the reason refers to
    skipped: dict[str, int] = field(default_factory=dict)  # sentences not eligible, by why


def spans_from_records(records: Any, *, field_name: Optional[str] = None) -> Optional[list[Span]]:
    """Spans from a ``qabias_artifacts`` / ``qabias_instruction_spans`` column value.

    Artifacts already removed (``removed: true``, scrub mode) are skipped: their offsets index the
    text before scrubbing, and they are no longer in the document. Returns ``None`` if ``records``
    is not a list (column absent or unreadable).
    """
    if not isinstance(records, list):
        return None
    spans = []
    for record in records:
        if not isinstance(record, Mapping):
            continue
        if record.get("removed") or (field_name and record.get("field", field_name) != field_name):
            continue
        start, end = record.get("start"), record.get("end")
        if isinstance(start, int) and isinstance(end, int) and end > start:
            spans.append(Span(start, end))
    return spans


def detect_artifact_spans(document: str) -> list[Span]:
    from distilabel_qabias.text.artifacts import find_artifacts

    return [Span(a.start, a.end) for a in find_artifacts(document)]


def detect_instruction_spans(document: str) -> list[Span]:
    from distilabel_qabias.text.instructions import find_instruction_spans

    return [Span(s.start, s.end) for s in find_instruction_spans(document)]


def _covered(sentence: Sentence, spans: Iterable[Span]) -> int:
    return sum(max(0, min(sentence.end, s.end) - max(sentence.start, s.start)) for s in spans)


def ineligibility(
    sentence: Sentence,
    artifacts: Sequence[Span],
    instructions: Sequence[Span],
    *,
    min_chars: int = MIN_CHARS,
    min_words: int = MIN_WORDS,
) -> Optional[str]:
    """Why ``sentence`` cannot be a target (``None`` if it can)."""
    text = sentence.text
    if any(s.start < sentence.end and sentence.start < s.end for s in instructions):
        return INSTRUCTION
    length = max(len(text), 1)
    if _covered(sentence, artifacts) / length > MAX_MARKUP_SHARE:
        return ARTIFACT
    if sum(c.isalpha() for c in text) / length < MIN_LETTER_SHARE:
        return MARKUP
    if len(text) < min_chars or len(_WORD.findall(text)) < min_words:
        return TOO_SHORT
    return None


def select_targets(
    document: Any,
    n: int,
    *,
    seed: int = 0,
    artifacts: Optional[Sequence[Span]] = None,
    instructions: Optional[Sequence[Span]] = None,
    min_chars: int = MIN_CHARS,
    min_words: int = MIN_WORDS,
) -> TargetSelection:
    """Choose up to ``n`` target sentences of ``document``, one per stratum, in document order.

    ``artifacts`` / ``instructions``: spans to avoid; ``None`` runs the detectors of
    ``distilabel_qabias.text.artifacts`` / ``.instructions``. Fewer eligible sentences than ``n``:
    all of them are returned. None at all, or unusable text (missing, not_text, empty): no targets
    and a ``reason`` code.
    """
    if n < 1:
        raise ValueError(f"the number of targets must be at least 1, got {n}")
    unusable = invalid_text_reason(document)
    if unusable:
        return TargetSelection([], unusable, "document")
    sentences = split_sentences(document)
    if artifacts is None:
        artifacts = detect_artifact_spans(document)
    if instructions is None:
        instructions = detect_instruction_spans(document)
    eligible: list[Sentence] = []
    skipped: dict[str, int] = {}
    for sentence in sentences:
        why = ineligibility(sentence, artifacts, instructions, min_chars=min_chars, min_words=min_words)
        if why is None:
            eligible.append(sentence)
        else:
            skipped[why] = skipped.get(why, 0) + 1
    if not eligible:
        detail = ", ".join(f"{count} {why}" for why, count in sorted(skipped.items()))
        return TargetSelection([], Reason.NO_ELIGIBLE_SENTENCE.value, detail or "no sentences", skipped)
    if len(eligible) <= n:
        return TargetSelection(eligible, skipped=skipped)
    rng = random.Random(seed * 1_000_003 + zlib.crc32(document.encode("utf-8")))
    chosen = []
    for stratum in range(n):
        lo = stratum * len(eligible) // n
        hi = (stratum + 1) * len(eligible) // n
        chosen.append(eligible[rng.randrange(lo, hi)])
    return TargetSelection(chosen, skipped=skipped)
