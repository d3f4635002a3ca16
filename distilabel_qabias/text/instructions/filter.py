"""Apply spans to a text: remove, mask or tag them, and judge whether the text is mostly instructions."""

from __future__ import annotations

from typing import Sequence

from distilabel_qabias.text.instructions.model import (
    DEFAULT_PLACEHOLDER,
    DEFAULT_THRESHOLD,
    MODES,
    Classifier,
    InstructionFilterResult,
    InstructionSpan,
)
from distilabel_qabias.text.instructions.spans import find_instruction_spans_batch

def apply_spans(text: str, spans: Sequence[InstructionSpan], mode: str = "remove", placeholder: str = DEFAULT_PLACEHOLDER) -> str:
    """Remove (``"remove"``), mask (``"mask"``) or keep (``"tag"``) the spans of ``text``.

    Removal keeps one separator where a passage sat between two pieces of text (the one with more line
    breaks), so "A. <passage> B." becomes "A. B." and a removed paragraph leaves one paragraph break;
    a passage at the start or end of the text takes its surrounding whitespace with it.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if mode == "tag" or not spans:
        return text
    regions: list[list[int]] = []
    for span in sorted(spans, key=lambda s: s.start):
        if span.end <= span.start:
            continue
        # spans separated by whitespace only are removed (or masked) as one region
        if regions and (span.start <= regions[-1][1] or not text[regions[-1][1] : span.start].strip()):
            regions[-1][1] = max(regions[-1][1], span.end)
        else:
            regions.append([span.start, span.end])
    pieces: list[str] = []
    cursor = 0
    for start, end in regions:
        if mode == "mask":
            pieces += [text[cursor:start], placeholder]
            cursor = end
            continue
        left = start
        while left > cursor and text[left - 1].isspace():
            left -= 1
        right = end
        while right < len(text) and text[right].isspace():
            right += 1
        left_ws, right_ws = text[left:start], text[end:right]
        if left == 0 or right == len(text):
            separator = ""
        else:
            separator = left_ws if left_ws.count("\n") >= right_ws.count("\n") else right_ws
        pieces += [text[cursor:left], separator]
        cursor = right
    pieces.append(text[cursor:])
    return "".join(pieces)


def instruction_fraction(text: str, spans: Sequence[InstructionSpan]) -> float:
    """Share of the non-space characters of ``text`` that lie inside ``spans``."""
    total = sum(1 for ch in text if not ch.isspace())
    if total == 0:
        return 0.0
    inside = sum(1 for s in spans for ch in text[s.start : s.end] if not ch.isspace())
    return min(1.0, inside / total)


def filter_instructions(
    text: str,
    *,
    mode: str = "remove",
    placeholder: str = DEFAULT_PLACEHOLDER,
    threshold: float = DEFAULT_THRESHOLD,
    max_instruction_fraction: float = 0.5,
    classifier: Classifier | None = None,
    learned: Classifier | None | bool = True,
    learned_starts: bool = True,
) -> InstructionFilterResult:
    """Find instruction-like spans and remove/mask them; ``keep`` is false when at least
    ``max_instruction_fraction`` of the document's non-space characters are instruction-like.
    ``classifier``, ``learned`` and ``learned_starts`` as in :func:`find_instruction_spans`."""
    return filter_instructions_batch([text], mode=mode, placeholder=placeholder, threshold=threshold,
                                     max_instruction_fraction=max_instruction_fraction, classifier=classifier,
                                     learned=learned, learned_starts=learned_starts)[0]


def filter_instructions_batch(
    texts: Sequence[str],
    *,
    mode: str = "remove",
    placeholder: str = DEFAULT_PLACEHOLDER,
    threshold: float = DEFAULT_THRESHOLD,
    max_instruction_fraction: float = 0.5,
    classifier: Classifier | None = None,
    learned: Classifier | None | bool = True,
    learned_starts: bool = True,
) -> list[InstructionFilterResult]:
    """:func:`filter_instructions` for many texts at once (the learned detector scores them in one call)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    all_spans = find_instruction_spans_batch(texts, threshold=threshold, classifier=classifier, learned=learned,
                                             learned_starts=learned_starts)
    results = []
    for text, spans in zip(texts, all_spans):
        fraction = instruction_fraction(text, spans)
        results.append(InstructionFilterResult(
            text=apply_spans(text, spans, mode, placeholder),
            spans=spans,
            instruction_fraction=round(fraction, 4),
            keep=not (spans and fraction >= max_instruction_fraction),
        ))
    return results
