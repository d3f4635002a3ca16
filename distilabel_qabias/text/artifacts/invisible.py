"""Invisible characters: format, private-use, unassigned, surrogate and control characters (tab,
newline, CR and form feed excepted).

A zero-width (non-)joiner between two non-ASCII letters or symbols stays: it shapes Indic or Arabic
script and emoji sequences. U+FFFD stays too: it is visible, and it stands for a character that was
lost (``Sloven�ina``), so removing it would glue the letters around it into a wrong word.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from distilabel_qabias.text.artifacts.edits import INVISIBLE, Artifact

_JOINERS = "\u200c\u200d"


@lru_cache(maxsize=1)
def _invisible_re() -> re.Pattern[str]:
    """One run of invisible characters.

    The class is split at U+FFFF: sre looks BMP classes up in a bitmap, but checks astral ranges
    one by one, so the astral class sits behind a one-range guard.
    """
    # Planes 4-13 are unassigned and planes 15-16 private use throughout: only the rest is looked up.
    looked_up = (cp for block in (range(0x40000), range(0xE0000, 0xF0000)) for cp in block)
    found = [cp for cp in looked_up if unicodedata.category(chr(cp)) in ("Cc", "Cf", "Co", "Cn", "Cs")]
    ranges: list[tuple[int, int]] = []
    for cp in found:
        if chr(cp) in "\t\n\r\x0c":
            continue
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    ranges += [(0x40000, 0xDFFFF), (0xF0000, 0x10FFFF)]
    bmp = [r for r in ranges if r[1] <= 0xFFFF]
    astral = [r for r in ranges if r[0] > 0xFFFF]

    def char_class(ranges: list[tuple[int, int]]) -> str:
        return "[" + "".join(
            re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges
        ) + "]"

    return re.compile(f"(?:{char_class(bmp)}|(?=[\U00010000-\U0010FFFF]){char_class(astral)})+")


def _shapes_script(ch: str) -> bool:
    return not ch.isascii() and (ch.isalpha() or unicodedata.category(ch)[0] in "MS")


def find_invisible(text: str) -> list[Artifact]:
    """Edits removing every run of invisible characters in ``text``, sorted."""
    if text.isascii() and text.isprintable():
        return []
    n = len(text)
    edits: list[Artifact] = []
    for m in _invisible_re().finditer(text):
        run = m.group()
        if len(run) == 1 and run in _JOINERS and 0 < m.start() and m.end() < n:
            if _shapes_script(text[m.start() - 1]) and _shapes_script(text[m.end()]):
                continue
        edits.append(Artifact(m.start(), m.end(), INVISIBLE))
    return edits
