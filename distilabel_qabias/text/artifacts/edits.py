"""Edits on text: the :class:`Artifact` record, the occupancy set detectors add to, applying
edits, and composing edits made on a rewritten text back onto the original.

An edit replaces ``text[start:end]`` by ``replacement`` (usually ``""``); a list of edits is
sorted and non-overlapping, so every offset indexes the original text exactly.
"""

from __future__ import annotations

from typing import Callable, Iterable, NamedTuple

# Short stable codes: they are the ``type`` of each entry in ``qabias_artifacts``.
MOJIBAKE = "mojibake"
INVISIBLE = "invisible"
HTML_BLOCK = "html_block"
HTML_TAG = "html_tag"
HTML_ENTITY = "html_entity"
MARKDOWN_EMPHASIS = "markdown_emphasis"
MARKDOWN_LINK = "markdown_link"
MARKDOWN_IMAGE = "markdown_image"
MARKDOWN_HEADING = "markdown_heading"
MARKDOWN_TABLE = "markdown_table"
MARKDOWN_CODE = "markdown_code"
MARKDOWN_QUOTE = "markdown_quote"
MARKDOWN_LIST = "markdown_list"
MARKDOWN_RULE = "markdown_rule"
LATEX_COMMAND = "latex_command"
LATEX_ENVIRONMENT = "latex_environment"
LATEX_COMMENT = "latex_comment"
LATEX_MATH = "latex_math"
WIKI_CITATION = "wiki_citation"
WIKI_TEMPLATE = "wiki_template"
WIKI_LINK = "wiki_link"
WIKI_MARKUP = "wiki_markup"
BOILERPLATE = "boilerplate"

ARTIFACT_TYPES: tuple[str, ...] = (
    MOJIBAKE, INVISIBLE, HTML_BLOCK, HTML_TAG, HTML_ENTITY, MARKDOWN_EMPHASIS, MARKDOWN_LINK,
    MARKDOWN_IMAGE, MARKDOWN_HEADING, MARKDOWN_TABLE, MARKDOWN_CODE, MARKDOWN_QUOTE, MARKDOWN_LIST,
    MARKDOWN_RULE, LATEX_COMMAND, LATEX_ENVIRONMENT, LATEX_COMMENT, LATEX_MATH, WIKI_CITATION,
    WIKI_TEMPLATE, WIKI_LINK, WIKI_MARKUP, BOILERPLATE,
)


class Artifact(NamedTuple):
    """Replace ``original[start:end]`` by ``replacement`` (usually ``""``)."""

    start: int
    end: int
    type: str
    replacement: str = ""


class EditSet:
    """Accepted edits plus an occupancy mask of the text (one byte per character).

    Detectors run in order and an edit is accepted only where no earlier edit lies, so containers
    (script blocks, templates, boilerplate lines) win over what they contain.
    """

    def __init__(self, length: int):
        self.mask = bytearray(length + 1)
        self.items: list[Artifact] = []

    def _free(self, start: int, end: int) -> bool:
        if start == end:  # pure insertion: free unless strictly inside an accepted edit
            return not (start > 0 and self.mask[start - 1] and self.mask[start])
        return self.mask.find(1, start, end) < 0

    def add(self, *edits: Artifact) -> bool:
        """Accept all ``edits`` (one logical artifact, e.g. an opening and a closing tag) or none."""
        if not all(self._free(e.start, e.end) for e in edits):
            return False
        for e in edits:
            if e.end > e.start:
                self.mask[e.start:e.end] = b"\x01" * (e.end - e.start)
        self.items.extend(edits)
        return True

    def sorted(self) -> list[Artifact]:
        """Accepted edits in order; touching edits of one type merge (``<b><i>`` is one span)."""
        return merge_touching(sorted(self.items))


Detector = Callable[[str, EditSet], None]


def run_detectors(text: str, detectors: Iterable[Detector]) -> list[Artifact]:
    edits = EditSet(len(text))
    for detect in detectors:
        detect(text, edits)
    return edits.sorted()


def merge_touching(artifacts: Iterable[Artifact]) -> list[Artifact]:
    merged: list[Artifact] = []
    for a in artifacts:
        last = merged[-1] if merged else None
        if last is not None and last.end == a.start and last.type == a.type and a.start < a.end:
            merged[-1] = Artifact(last.start, a.end, a.type, last.replacement + a.replacement)
        else:
            merged.append(a)
    return merged


def apply_artifacts(text: str, artifacts: Iterable[Artifact]) -> str:
    """Apply sorted, non-overlapping ``artifacts`` to ``text``."""
    out: list[str] = []
    cursor = 0
    for a in artifacts:
        out.append(text[cursor:a.start])
        out.append(a.replacement)
        cursor = a.end
    out.append(text[cursor:])
    return "".join(out)


def compose(first: list[Artifact], rewritten: str, second: list[Artifact]) -> list[Artifact]:
    """Edits on the original text equivalent to applying ``first`` and then ``second``.

    ``rewritten`` is ``apply_artifacts(original, first)`` and ``second`` indexes it. A second edit
    that overlaps what a first edit wrote absorbs it: both become one edit of the second edit's
    type (an HTML block whose mojibake was decoded is one ``html_block``), so
    ``apply_artifacts(original, result) == apply_artifacts(rewritten, second)``.
    """
    if not first:
        return list(second)
    if not second:
        return list(first)
    # where each first edit's replacement sits in the rewritten text
    placed: list[tuple[int, int, Artifact]] = []
    shift = 0
    for a in first:
        start = a.start + shift
        placed.append((start, start + len(a.replacement), a))
        shift += len(a.replacement) - (a.end - a.start)
    # sweep both lists in order of their spans in the rewritten text, grouping overlaps
    events = sorted(
        [(s, e, 0, i) for i, (s, e, _) in enumerate(placed)] + [(a.start, a.end, 1, i) for i, a in enumerate(second)],
        key=lambda ev: (ev[0], ev[1], ev[2]),
    )
    groups: list[list[tuple[int, int, int, int]]] = []
    last_of_kind: list[tuple[int, int, int, int] | None] = [None, None]  # in the current group
    for ev in events:
        other = last_of_kind[1 - ev[2]]
        if groups and other is not None and _overlap(ev, other):
            groups[-1].append(ev)
        else:
            groups.append([ev])
            last_of_kind = [None, None]
        last_of_kind[ev[2]] = ev
    result: list[Artifact] = []
    prefix_delta = 0  # original minus rewritten length of the first edits already passed
    for group in groups:
        firsts = [placed[i][2] for _, _, kind, i in group if kind == 0]
        seconds = [second[i] for _, _, kind, i in group if kind == 1]
        inner_delta = sum((a.end - a.start) - len(a.replacement) for a in firsts)
        if not seconds:
            result.extend(firsts)
        elif not firsts:
            result.extend(Artifact(a.start + prefix_delta, a.end + prefix_delta, a.type, a.replacement) for a in seconds)
        else:
            low = min(ev[0] for ev in group)
            high = max(ev[1] for ev in group)
            shifted = [Artifact(a.start - low, a.end - low, a.type, a.replacement) for a in seconds]
            replacement = apply_artifacts(rewritten[low:high], shifted)
            kind = max(seconds, key=lambda a: a.end - a.start).type
            result.append(Artifact(low + prefix_delta, high + prefix_delta + inner_delta, kind, replacement))
        prefix_delta += inner_delta
    return merge_touching(result)


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """Spans of a first and a second edit share characters, or one is an insertion strictly inside the other."""
    if a[2] == b[2]:
        return False
    (s1, e1), (s2, e2) = a[:2], b[:2]
    if s1 == e1:
        return s2 < s1 < e2
    if s2 == e2:
        return s1 < s2 < e1
    return s1 < e2 and s2 < e1


# --- spacing around removed spans ------------------------------------------------------------

HORIZONTAL_SPACE = " \t"


def absorb_space_before(text: str, start: int, end: int | None = None) -> int:
    """Extend ``start`` left over horizontal spaces that follow a non-space character, so that
    ``word [12].`` loses the space too; not when the removed span is glued to a following word
    (``## {{x}}Title``), where the space still separates words."""
    if end is not None and end < len(text) and not (text[end].isspace() or text[end] in ".,;:!?)]}\"'”’"):
        return start
    s = start
    while s > 0 and text[s - 1] in HORIZONTAL_SPACE:
        s -= 1
    return s if s > 0 and text[s - 1] not in "\n" else start


def separator(text: str, start: int, end: int, sep: str) -> str:
    """``sep`` unless the removed span already touches whitespace or a text boundary."""
    if start == 0 or end >= len(text) or text[start - 1].isspace() or text[end].isspace():
        return ""
    return sep


def line_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span ``[start, end)`` extended by its trailing newline (whole-line removal)."""
    return start, end + 1 if end < len(text) and text[end] == "\n" else end
