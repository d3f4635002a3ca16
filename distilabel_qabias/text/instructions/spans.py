"""Turn scored units into passage spans: flag, then grow over the rest of each passage (``growth``).

Paired chat blocks (``<|im_start|> ... <|im_end|>``, ``[INST] ... [/INST]``, ``<<SYS>> ... <</SYS>>``,
``<system> ... </system>``) are taken whole; wrappers around a span (brackets, ``**``, ``<!-- -->``, quotes) go with
it; a span made only of units pulled in over a paragraph break reports the passage it opens or closes.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from distilabel_qabias.text.instructions.model import (
    DEFAULT_THRESHOLD,
    DETECTORS,
    Classifier,
    InstructionSpan,
    ScoredUnit,
)
from distilabel_qabias.text.instructions.growth import (
    LEANING_FLOOR,
    fill_gaps,
    fill_leaning_gaps,
    grow,
    grow_long_passages,
    grow_over_leaning_lines,
)
from distilabel_qabias.text.instructions.learned import LearnedDetector, default_detector
from distilabel_qabias.text.instructions.score import add_learned, score_units
from distilabel_qabias.text.instructions.units import split_units

# paired chat blocks taken whole
_BLOCK_PAIRS = (
    (re.compile(r"<\|im_start\|>"), re.compile(r"<\|im_end\|>")),
    (re.compile(r"\[INST\]"), re.compile(r"\[/INST\]")),
    (re.compile(r"<<SYS>>"), re.compile(r"<</SYS>>")),
    (re.compile(r"<\s*(system|sys|assistant|user|instructions?|admin|prompt)\s*>", re.I), None),  # closer built per match
    (re.compile(r"<\|start_header_id\|>"), re.compile(r"<\|eot_id\|>")),
)
_MAX_BLOCK_CHARS = 3000
# units the shipped learned detector gives a probability below this are not scanned by the rule cues: of the units
# the rules flag (score 0.5 or more) on 1000 summaries injected from the HELDOUT3 templates, 8 of 882 fall below it
# with the shipped weights (6 with the 0.4.0 weights), and 78% of Wikipedia units do (so the rules run on a fifth
# of the units)
RULE_SCAN_FLOOR = 0.05

_WRAPPERS = (("<!--", "-->"), ("[", "]"), ("(", ")"), ("{", "}"), ("**", "**"), ("__", "__"), ('"', '"'), ("“", "”"))

def find_instruction_spans(
    text: str,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    extend_threshold: float | None = None,
    classifier: Classifier | None = None,
    learned: Classifier | None | bool = True,
    learned_starts: bool = True,
) -> list[InstructionSpan]:
    """Return the instruction-like passages of ``text`` as spans of the original text, in order.

    ``threshold``: a unit scoring at least this is instruction-like. ``extend_threshold`` (default
    ``threshold / 2``): neighbouring units scoring at least this join the passage. ``classifier``: optional
    ``callable(list[str]) -> list[float]`` scoring every unit; the higher of rule and classifier score counts.
    ``learned``: ``True`` (default) adds the detector shipped with the package (``learned.default_detector``),
    ``False``/``None`` uses the rules alone, a callable replaces it. By default the learned detector may start a
    passage where its unit stands out from the document; ``learned_starts=False`` lets it only extend a passage
    the rules found (fewer attacks found, less clean imperative prose lost: README "Measured").
    """
    return find_instruction_spans_batch([text], threshold=threshold, extend_threshold=extend_threshold,
                                        classifier=classifier, learned=learned, learned_starts=learned_starts)[0]


def find_instruction_spans_batch(
    texts: Sequence[str],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    extend_threshold: float | None = None,
    classifier: Classifier | None = None,
    learned: Classifier | None | bool = True,
    learned_starts: bool = True,
) -> list[list[InstructionSpan]]:
    """:func:`find_instruction_spans` for many texts at once: the learned detector scores the units of all of
    them in one vectorised call (faster than one call per text; same spans)."""
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, not {type(text).__name__}")
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be within [0, 1], got {threshold!r}")
    extend_threshold = threshold / 2 if extend_threshold is None else extend_threshold
    if learned is True:
        learned = default_detector()
    all_units = [split_units(text) for text in texts]
    views = _learned_views(learned, texts, all_units) if learned else [None] * len(texts)
    scored_texts = [score_units(text, classifier, units=units, scan=view.worth_scanning if view else None)
                    for text, units, view in zip(texts, all_units, views)]
    bridge_to = learned.extend_threshold if isinstance(learned, LearnedDetector) else None
    out = []
    for text, scored, view in zip(texts, scored_texts, views):
        if view is not None:
            scored = add_learned(text, scored, None, learned_starts=learned_starts, learned_scores=view.scores,
                                 declarative_scores=view.declarative, request_scores=view.request,
                                 leaning=view.leaning)
        out.append(_passages(text, scored, threshold, extend_threshold, view.probabilities if view else None,
                              bridge_to))
    return out


@dataclass(frozen=True)
class _LearnedView:
    """What the learned detector says of one text's units: its scores on the rule scale, the same against its
    declarative and extension thresholds, and (shipped detector only) the probabilities, the units the rule cues
    need to scan (probability at ``RULE_SCAN_FLOOR``) and the units that lean towards an instruction."""

    scores: Sequence[float]
    declarative: Sequence[float] | None = None
    request: Sequence[float] | None = None
    probabilities: np.ndarray | None = None
    worth_scanning: Sequence[bool] | None = None
    leaning: list[bool] | None = None


def _learned_views(learned: Classifier, texts: Sequence[str], all_units: list[list]) -> list[_LearnedView]:
    """Score the units of every text in one call and cut the scores per text."""
    pieces = [text[u.start : u.end] for text, units in zip(texts, all_units) for u in units]
    probabilities = None
    if isinstance(learned, LearnedDetector):
        # the shipped detector runs first on every unit; the rule cues then skip units it rules out
        probabilities = learned.probabilities(pieces)
        scores = learned.rule_scale(probabilities)
    else:
        scores = list(learned(pieces)) if pieces else []
    if len(scores) != len(pieces):
        raise ValueError(f"learned detector returned {len(scores)} scores for {len(pieces)} passages")
    if probabilities is not None:
        in_declarative = learned.rule_scale(probabilities, learned.declarative_threshold)
        as_request = learned.rule_scale(probabilities, learned.extend_threshold)
    views, offset = [], 0
    for units in all_units:
        cut = slice(offset, offset + len(units))
        offset += len(units)
        if probabilities is None:
            views.append(_LearnedView(scores[cut]))
            continue
        views.append(_LearnedView(scores[cut], in_declarative[cut], as_request[cut], probabilities[cut],
                                  probabilities[cut] >= RULE_SCAN_FLOOR, (probabilities[cut] >= LEANING_FLOOR).tolist()))
    return views


def _passages(
    text: str, scored: list[ScoredUnit], threshold: float, extend_threshold: float,
    probabilities: Sequence[float] | None = None, bridge_to: float | None = None,
) -> list[InstructionSpan]:
    flagged = [s.score >= threshold and s.score > 0 for s in scored]
    if not any(flagged):
        return []
    seeds = list(flagged)
    _take_blocks(text, scored, flagged)
    grow(text, scored, flagged, extend_threshold)
    grow_long_passages(scored, flagged)
    if probabilities is not None and bridge_to is not None:
        grow_over_leaning_lines(text, scored, flagged, seeds, probabilities, bridge_to)
        fill_leaning_gaps(flagged, probabilities)
    fill_gaps(scored, flagged)

    spans: list[InstructionSpan] = []
    i = 0
    while i < len(scored):
        if not flagged[i]:
            i += 1
            continue
        j = i
        while (
            j + 1 < len(scored)
            and flagged[j + 1]
            and scored[j + 1].unit.paragraph == scored[j].unit.paragraph
        ):
            j += 1
        members = scored[i : j + 1]
        best = max(members, key=lambda s: s.score)
        # the kind a rule cue names ("override", "role_token") says more than "learned"
        kinds = [s for s in members if s.kind and s.kind != "learned"]
        kind = max(kinds, key=lambda s: s.score).kind if kinds else best.kind
        start = scored[i].passage_start
        start, end = _take_wrappers(text, start, scored[j].unit.end)
        fired = {d for s in members if s.score > 0 for d in s.detector.split("+")}
        detector = "+".join(d for d in DETECTORS if d in fired) or best.detector
        spans.append(InstructionSpan(start, end, round(best.score, 4), kind or "model_address", detector))
        i = j + 1
    return _merge_overlaps(_score_pulled_in(spans))


def _score_pulled_in(spans: list[InstructionSpan]) -> list[InstructionSpan]:
    """A span made only of units the passage pulled in over a paragraph break (an end marker or "**" above a
    spoofed turn) scores nothing on its own: it reports the passage it opens (or closes) instead."""
    scored = [s for s in spans if s.score > 0]
    if len(scored) == len(spans):
        return spans
    out = []
    for span in spans:
        if span.score > 0:
            out.append(span)
            continue
        source = next((s for s in scored if s.start >= span.end), scored[-1])
        out.append(InstructionSpan(span.start, span.end, source.score, source.kind, source.detector))
    return out


def _take_blocks(text: str, scored: list[ScoredUnit], flagged: list[bool]) -> None:
    """Flag every unit between a flagged chat-block opener and its closer."""
    starts = [s.unit.start for s in scored]
    for opener, closer in _BLOCK_PAIRS:
        for match in opener.finditer(text):
            index = bisect.bisect_right(starts, match.start()) - 1
            if index < 0 or not flagged[index]:
                continue
            close_re = closer or re.compile(r"<\s*/\s*" + re.escape(match.group(1)) + r"\s*>", re.I)
            close = close_re.search(text, match.end(), match.end() + _MAX_BLOCK_CHARS)
            if not close:
                continue
            last = bisect.bisect_right(starts, close.start()) - 1
            for k in range(index, last + 1):
                flagged[k] = True


def _take_wrappers(text: str, start: int, end: int) -> tuple[int, int]:
    """Extend a span over a wrapper that encloses it: [ ... ], ** ... **, <!-- ... -->, " ... "."""
    for _ in range(3):
        before = start
        while before > 0 and text[before - 1] in " \t":
            before -= 1
        after = end
        while after < len(text) and text[after] in " \t":
            after += 1
        inner = text[start:end]
        for opener, closer in _WRAPPERS:
            opened_before = before >= len(opener) and text.startswith(opener, before - len(opener))
            closed_after = text.startswith(closer, after)
            if opened_before and closed_after:
                start, end = before - len(opener), after + len(closer)
                break
            if inner.startswith(opener) and not inner.endswith(closer) and closed_after:
                end = after + len(closer)
                break
            if inner.endswith(closer) and not inner.startswith(opener) and opened_before:
                start = before - len(opener)
                break
        else:
            break
    return start, end


def _merge_overlaps(spans: list[InstructionSpan]) -> list[InstructionSpan]:
    merged: list[InstructionSpan] = []
    for span in spans:
        if merged and span.start <= merged[-1].end:
            last = merged[-1]
            best = last if last.score >= span.score else span
            fired = set(last.detector.split("+")) | set(span.detector.split("+"))
            detector = "+".join(d for d in DETECTORS if d in fired)
            merged[-1] = InstructionSpan(last.start, max(last.end, span.end), best.score, best.kind, detector)
        else:
            merged.append(span)
    return merged

