"""Sentence segmentation with exact character offsets into the original text.

FIRST VERSION (pysbd-based, slow); the coverage work replaces the internals. The API is fixed:
``split_sentences(text) -> list[Sentence]`` with ``text[s.start:s.end] == s.text``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int  # exclusive
    text: str  # == original[start:end], surrounding whitespace stripped


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=False)


def split_sentences(text: str) -> list[Sentence]:
    if not isinstance(text, str) or not text.strip():
        return []
    sentences: list[Sentence] = []
    cursor = 0
    for piece in _segmenter().segment(text):
        found = text.find(piece, cursor)
        start = found if found >= 0 else cursor
        end = start + len(piece)
        cursor = end
        stripped = piece.strip()
        if not stripped:
            continue
        lead = len(piece) - len(piece.lstrip())
        s, e = start + lead, start + lead + len(stripped)
        sentences.append(Sentence(len(sentences), s, e, text[s:e]))
    return sentences
