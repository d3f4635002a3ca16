"""The document around a run of instruction-like units: does the run stand out from it?

The learned detector cannot tell an imperative addressed to a model from one addressed to a person; the register of
the rest of the document can. :func:`stands_out` keeps the detector's scores only for runs that stand apart from
encyclopedic or narrative text, and holds runs in declarative prose to the detector's lower declarative threshold.
"""

from __future__ import annotations

import re
from typing import Sequence

from distilabel_qabias.text.instructions.mood import is_imperative, opens_with_verb


MAX_INSTRUCTION_LIKE_REST = 0.34
# a document is declarative around a run when at most this share of its other units is instruction-like, none
# addresses the reader, and at least half of them are sentences of prose (a list of "Label: value" lines is not)
MAX_INSTRUCTION_LIKE_DECLARATIVE = 0.1
MIN_PROSE_DECLARATIVE = 0.5
MAX_OPENER_WORDS = 2
_PROSE_SENTENCE = re.compile(r"(?:\S+\s+){3,}\S*[.!?][\"'”’)\]]*\s*$")
MAX_GAP_UNITS = 2
LONG_RUN_UNITS = 3
# a run stands out only from a document with at least this many units outside it (one sentence is no context)
MIN_CONTEXT_UNITS = 2
SECOND_PERSON = re.compile(r"\b(?:you|your|yours|yourself)\b", re.I)


def stands_out(scores: list[float], pieces: list[str], declarative_scores: Sequence[float] | None = None,
                request_scores: Sequence[float] | None = None, leaning: Sequence[bool] | None = None) -> list[float]:
    """Keep a learned score only where its passage stands out from the rest of the document.

    The learned detector cannot tell an imperative addressed to a model ("Write a poem about ...") from one
    addressed to a person ("Fold in the flour ..."); the document's register can. Runs of units scoring above 0
    (gaps of up to ``MAX_GAP_UNITS`` units inside them, not counting units ``leaning`` towards an instruction, so a
    long jailbreak whose explanations score lower is one run, not several that each see the others as context) count only if ``MIN_CONTEXT_UNITS`` units outside them exist, fewer than a
    third of those score above 0, and fewer than a third address the reader ("you", "your"): an instruction
    inserted into encyclopedic or narrative text stands out, a recipe, a manual or an exam paper does not.
    Where the rest is declarative prose (``MAX_INSTRUCTION_LIKE_DECLARATIVE``, no "you", no sentence in the imperative
    (``mood.is_imperative``: recipe steps, manual steps), ``MIN_PROSE_DECLARATIVE``), the run's
    ``declarative_scores`` count instead (the detector's lower start threshold for declarative documents), if
    the run holds a unit of more than ``MAX_OPENER_WORDS`` words; there a unit that opens with a verb (a request
    among statements: "Develop a strategy for ...") counts with its ``request_scores`` (the extension threshold).
    """
    runs: list[tuple[int, int]] = []
    scoring: list[int] = []  # units scoring above 0 in each run
    gaps: list[int] = []  # the gap before each run
    gap = 0  # units since the last run that neither score nor lean towards an instruction
    for index, score in enumerate(scores):
        if score <= 0:
            gap += not (leaning is not None and leaning[index])
            continue
        if runs and gap <= MAX_GAP_UNITS:
            runs[-1] = (runs[-1][0], index + 1)
            scoring[-1] += 1
        else:
            runs.append((index, index + 1))
            scoring.append(1)
            gaps.append(gap)
        gap = 0
    # two long runs a few units apart are one jailbreak, not two that each see the other as their context
    for k in range(len(runs) - 1, 0, -1):
        if gaps[k] <= 2 * MAX_GAP_UNITS and min(scoring[k - 1], scoring[k]) >= LONG_RUN_UNITS:
            runs[k - 1 : k + 1] = [(runs[k - 1][0], runs[k][1])]
            scoring[k - 1 : k + 1] = [scoring[k - 1] + scoring[k]]
    kept = [0.0] * len(scores)
    if not runs:
        return kept
    positive = [score > 0 for score in scores]
    addresses = [bool(SECOND_PERSON.search(piece)) for piece in pieces]
    total_positive, total_addressing = sum(positive), sum(addresses)
    prose = [bool(_PROSE_SENTENCE.match(piece)) for piece in pieces] if declarative_scores is not None else []
    imperative = [is_imperative(piece) for piece in pieces] if declarative_scores is not None else []
    total_prose, total_imperative = sum(prose), sum(imperative)
    for start, end in runs:
        rest = len(scores) - (end - start)
        if rest < MIN_CONTEXT_UNITS:
            continue
        instruction_like = (total_positive - sum(positive[start:end])) / rest
        addressing = (total_addressing - sum(addresses[start:end])) / rest
        if instruction_like < MAX_INSTRUCTION_LIKE_REST and addressing < MAX_INSTRUCTION_LIKE_REST:
            declarative = declarative_scores is not None and addressing == 0 \
                and instruction_like <= MAX_INSTRUCTION_LIKE_DECLARATIVE \
                and (total_prose - sum(prose[start:end])) / rest >= MIN_PROSE_DECLARATIVE \
                and total_imperative == sum(imperative[start:end])
            # a unit of a word or two ("Stop.") opens a request, it is none on its own: a run of only such units
            # is not held to the lower threshold
            declarative = declarative and any(len(piece.split()) > MAX_OPENER_WORDS for piece in pieces[start:end])
            kept[start:end] = (declarative_scores if declarative else scores)[start:end]
            if declarative and request_scores is not None:
                for index in range(start, end):
                    if request_scores[index] > kept[index] and opens_with_verb(pieces[index]):
                        kept[index] = request_scores[index]
    return kept
