"""Cut a text into units (sentence-like pieces within lines), the grain every detector scores."""

from __future__ import annotations

import bisect
import re

from distilabel_qabias.text.instructions.model import MAX_UNIT_CHARS, Unit

# units: sentence ends within lines; a unit never spans a newline
_LINE = re.compile(r"[^\n]+")
_SENTENCE_END = re.compile(r"(?:[.!?…]+[\"'”’)\]*_]*|[>\]])(?=\s)|\|>")
# a colon ends a unit when a new sentence follows it and a clause of its own precedes it ('... just print "X":
# The city ...'); after one or two words it is a label or a turn marker ("Note: ...", "User: ...") and does not
_COLON_END = re.compile(r"(?<=[a-z\"”]):(?=[ \t]+[A-Z][a-z])")
_MIN_WORDS_BEFORE_COLON = 3
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_HAS_WORD = re.compile(r"[^\W_]")
_LOWER = re.compile(r"[a-z]")
_SHOUTED = re.compile(r"[A-Z]{3,}")
_DIGIT = re.compile(r"\d")


def split_units(text: str) -> list[Unit]:
    """Cut ``text`` into units: sentence-like pieces within lines, at most ``MAX_UNIT_CHARS`` long."""
    units: list[Unit] = []
    blank_lines = [m.start() for m in _BLANK_LINE.finditer(text)]
    for line in _LINE.finditer(text):
        paragraph = bisect.bisect_left(blank_lines, line.start())
        cuts = [m.end() for m in _SENTENCE_END.finditer(text, line.start(), line.end())]
        cuts = sorted(cuts + _colon_cuts(text, line.start(), line.end(), cuts))
        piece_start = line.start()
        for cut in [*cuts, line.end()]:
            for s, e in _cap_length(text, piece_start, cut):
                s, e = _strip(text, s, e)
                if s < e:
                    units.append(Unit(s, e, paragraph))
            piece_start = cut
    return units


def _colon_cuts(text: str, start: int, end: int, cuts: list[int]) -> list[int]:
    out = []
    for match in _COLON_END.finditer(text, start, end):
        previous = max([start, *(c for c in cuts if c <= match.start())], default=start)
        if len(text[previous : match.start()].split()) >= _MIN_WORDS_BEFORE_COLON:
            out.append(match.end())
    return out


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _cap_length(text: str, start: int, end: int):
    while end - start > MAX_UNIT_CHARS:
        cut = text.rfind(" ", start + MAX_UNIT_CHARS // 2, start + MAX_UNIT_CHARS)
        cut = cut + 1 if cut > 0 else start + MAX_UNIT_CHARS
        yield start, cut
        start = cut
    yield start, end



def is_glue(text: str, unit: Unit) -> bool:
    """A unit with no words of its own ("-->", "**"), or a short shouted one ("IMPORTANT:", "NOTICE"; with
    digits only as a line of its own, so that "600 BCE." inside a paragraph is not glue)."""
    piece = text[unit.start : unit.end]
    if not _HAS_WORD.search(piece):
        return True
    if len(piece) > 40 or _LOWER.search(piece) or not _SHOUTED.search(piece):
        return False
    own_line = (unit.start == 0 or text[unit.start - 1] == "\n") and (unit.end == len(text) or text[unit.end] == "\n")
    return own_line or not _DIGIT.search(piece)

