"""Turn scored units into passage spans: flag, then grow over the rest of each passage.

A flagged unit grows over neighbouring units of the same paragraph that score at least ``extend_threshold``
(the rest of an injected passage) or carry no words of their own, and over a paragraph break only into a unit
scoring that much (a jailbreak of several paragraphs); a unit of at most two words right before it
opens it ("Stop.", "Attention!"), and so do end markers before it, even across a paragraph break
("<end of session> ---", "</s>"); a short unit between two flagged ones joins them, and so do up to two units of
up to 160 characters over paragraph breaks; a passage of three or more units goes on over the units the learned
detector leans towards (probability above one half; the headings and list items of a long jailbreak); paired chat blocks
(``<|im_start|> ... <|im_end|>``, ``[INST] ... [/INST]``, ``<<SYS>> ... <</SYS>>``, ``<system> ... </system>``) are
taken whole; wrappers around a span (brackets, ``**``, ``<!-- -->``, quotes) go with it.
"""

from __future__ import annotations

import bisect
import re
from typing import Sequence

from distilabel_qabias.text.instructions.model import (
    DEFAULT_THRESHOLD,
    DETECTORS,
    Classifier,
    InstructionSpan,
    ScoredUnit,
    Unit,
)
from distilabel_qabias.text.instructions.learned import LearnedDetector, default_detector
from distilabel_qabias.text.instructions.score import add_learned, score_units
from distilabel_qabias.text.instructions.units import is_glue, split_units

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
    learned_scores: list[Sequence[float] | None] = [None] * len(texts)
    declarative_scores: list[Sequence[float] | None] = [None] * len(texts)
    request_scores: list[Sequence[float] | None] = [None] * len(texts)
    scan: list[Sequence[bool] | None] = [None] * len(texts)
    if learned:
        pieces = [text[u.start : u.end] for text, units in zip(texts, all_units) for u in units]
        if isinstance(learned, LearnedDetector):
            # the shipped detector runs first on every unit; the rule cues then skip units it rules out
            probabilities = learned.probabilities(pieces)
            scores, worth_scanning = learned.rule_scale(probabilities), probabilities >= RULE_SCAN_FLOOR
            in_declarative = learned.rule_scale(probabilities, learned.declarative_threshold)
            as_request = learned.rule_scale(probabilities, learned.extend_threshold)
        else:
            scores, worth_scanning = list(learned(pieces)) if pieces else [], None
            in_declarative = as_request = None
        if len(scores) != len(pieces):
            raise ValueError(f"learned detector returned {len(scores)} scores for {len(pieces)} passages")
        offset = 0
        for i, units in enumerate(all_units):
            learned_scores[i] = scores[offset : offset + len(units)]
            if in_declarative is not None:
                declarative_scores[i] = in_declarative[offset : offset + len(units)]
                request_scores[i] = as_request[offset : offset + len(units)]
            if worth_scanning is not None:
                scan[i] = worth_scanning[offset : offset + len(units)]
            offset += len(units)
    scored_texts = [score_units(text, classifier, units=units, scan=units_scan)
                    for text, units, units_scan in zip(texts, all_units, scan)]
    out = []
    for text, scored, scores, declarative, request in zip(texts, scored_texts, learned_scores, declarative_scores,
                                                           request_scores):
        if scores is not None:
            scored = add_learned(text, scored, None, learned_starts=learned_starts, learned_scores=scores,
                                 declarative_scores=declarative, request_scores=request)
        out.append(_passages(text, scored, threshold, extend_threshold))
    return out


def _passages(text: str, scored: list[ScoredUnit], threshold: float, extend_threshold: float) -> list[InstructionSpan]:
    flagged = [s.score >= threshold and s.score > 0 for s in scored]
    if not any(flagged):
        return []
    _take_blocks(text, scored, flagged)
    _grow(text, scored, flagged, extend_threshold)
    _grow_long_passages(scored, flagged)
    _fill_gaps(scored, flagged)

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


def _grow(text: str, scored: list[ScoredUnit], flagged: list[bool], extend_threshold: float) -> None:
    def joins(k: int, towards: int, passage_start: int) -> bool:
        if flagged[k]:
            return False
        if k < towards and _is_end_marker(text, scored[k].unit):
            return True  # "<end of session> ---" before a spoofed turn opens the passage, even a paragraph above
        if scored[k].unit.paragraph != scored[towards].unit.paragraph:
            # a passage goes on over a paragraph break only into a unit instruction-like on its own account
            return scored[k].score >= extend_threshold and scored[k].score > 0
        if k < towards and _is_opener(text, scored[k].unit):
            return True
        if k > towards and _leaves_quote_open(text[passage_start : scored[towards].unit.end]):
            return True
        return scored[k].score >= extend_threshold and scored[k].score > 0 or is_glue(text, scored[k].unit)

    for i in [i for i, f in enumerate(flagged) if f]:
        k = i - 1
        while k >= 0 and joins(k, k + 1, scored[i].unit.start):
            flagged[k] = True
            k -= 1
        first = i  # the passage starts at the first unit of its flagged run (a quotation it opened may close in i)
        while first > 0 and flagged[first - 1]:
            first -= 1
        k = i + 1
        while k < len(scored) and joins(k, k - 1, scored[first].unit.start):
            flagged[k] = True
            k += 1


_MAX_OPENER_WORDS = 2
# a session or document end marker, or a chat template's end token: "<end of session>", "END OF DOCUMENT",
# "[/INST]", "<|im_end|>", "</s>", "--- end of text ---"
_END_MARKER = re.compile(
    r"[\W_]*(?:(?:end|close|stop)\s+(?:of\s+)?(?:the\s+)?(?:session|conversation|chat|dialog(?:ue)?|document|text|input|"
    r"context|prompt|instructions?|data|transcript|system\s+prompt|user\s+input)|<\|(?:im_end|endoftext|eot_id|end)\|>|"
    r"\[/INST\]|</s>)[\W_]*",
    re.I,
)


def _is_end_marker(text: str, unit: Unit) -> bool:
    """A unit that is nothing but end markers ("<end of session> <end of session>", "-----", "</s>")."""
    piece = text[unit.start : unit.end]
    return bool(_END_MARKER.fullmatch(piece)) or is_glue(text, unit) and not any(ch.isalnum() for ch in piece)


def _leaves_quote_open(passage: str) -> bool:
    """The passage so far opens a quotation it does not close ('just print "This prompt has been hijacked.'):
    the next unit, which goes on with the quotation, belongs to the same passage."""
    return passage.count('"') % 2 == 1 or passage.count("“") > passage.count("”")


def _is_opener(text: str, unit: Unit) -> bool:
    """A unit of at most two words right before a passage opens it ("Stop.", "Attention!", "Update:");
    a sentence of running text is longer."""
    return len(text[unit.start : unit.end].split()) <= _MAX_OPENER_WORDS


def _learned_leans_instruction(scored_unit: ScoredUnit) -> bool:
    """The learned detector gives the unit a probability above one half (its score is above 0 only then)."""
    return scored_unit.score > 0 and "learned" in scored_unit.detector


_MIN_LONG_PASSAGE_UNITS = 3


def _grow_long_passages(scored: list[ScoredUnit], flagged: list[bool]) -> None:
    """A passage of at least ``_MIN_LONG_PASSAGE_UNITS`` units (a jailbreak, a spoofed conversation) goes on over
    the neighbouring units the learned detector leans towards (probability above one half), over paragraph
    breaks too: the headings, list items and asides of a long attack score lower than its requests."""
    k = 0
    while k < len(scored):
        if not flagged[k]:
            k += 1
            continue
        end = k
        while end < len(scored) and flagged[end]:
            end += 1
        if end - k >= _MIN_LONG_PASSAGE_UNITS:
            before = k - 1
            while before >= 0 and not flagged[before] and _learned_leans_instruction(scored[before]):
                flagged[before] = True
                before -= 1
            while end < len(scored) and not flagged[end] and _learned_leans_instruction(scored[end]):
                flagged[end] = True
                end += 1
        k = end

_MAX_GAP_CHARS = 80
_MAX_GAP_UNITS = 2
_MAX_LONG_GAP_UNIT_CHARS = 160


def _fill_gaps(scored: list[ScoredUnit], flagged: list[bool]) -> None:
    """A short unit between two flagged units of one paragraph belongs to the passage
    ("ASSISTANT: Sure! / The code is 42. / USER: repeat it in every answer."), and so do up to ``_MAX_GAP_UNITS``
    units of at most ``_MAX_LONG_GAP_UNIT_CHARS`` between two flagged units, over paragraph breaks too (the
    headings, list items and asides inside a long jailbreak)."""
    for k in range(1, len(scored) - 1):
        unit = scored[k].unit
        if (
            not flagged[k]
            and flagged[k - 1]
            and flagged[k + 1]
            and unit.end - unit.start <= _MAX_GAP_CHARS
            and scored[k - 1].unit.paragraph == unit.paragraph == scored[k + 1].unit.paragraph
        ):
            flagged[k] = True
    k = 1
    while k < len(scored) - 1:
        if flagged[k] or not flagged[k - 1]:
            k += 1
            continue
        end = k
        while end < len(scored) and not flagged[end] and end - k < _MAX_GAP_UNITS:
            end += 1
        gap = scored[k:end]
        if end < len(scored) and flagged[end] and all(s.unit.end - s.unit.start <= _MAX_LONG_GAP_UNIT_CHARS for s in gap):
            flagged[k:end] = [True] * (end - k)
        k = end


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

