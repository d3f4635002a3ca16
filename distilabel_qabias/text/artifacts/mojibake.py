"""Broken encodings, decoded first: text that was UTF-8 read as Windows-125x, Latin-1, MacRoman or
another single-byte code page (``cafÃ©``, ``LiĂ¨ge``, ``wei√ü``), C1 controls, surrogate pairs and
terminal escapes.

ftfy does the decoding, with its encoding fixes only (quotes stay curly, no NFKC, no ligature or
width changes, no HTML unescaping); each line it changes is diffed back (rapidfuzz opcodes) into
exact edits on the original text, so offsets stay honest. This runs before anything is removed:
a soft hyphen or U+FFFD inside mojibake is part of what ftfy decodes.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Iterator

from distilabel_qabias.text.artifacts.edits import INVISIBLE, MOJIBAKE, Artifact

_PIECE_MAX = 10_000  # longer lines are fixed (and diffed) in pieces cut at spaces

# A line can hold a mojibake sentence next to correct text that no single code page can encode
# (``… Ã© … ṇ``); when ftfy leaves such a line looking broken, runs of tokens holding a Latin-1
# mojibake hint are fixed one by one instead, and the less broken result is kept. One trailing space is kept, which "Ã " (à whose no-break space became a space) needs.
_HINT = "[\x80-\x9f\xc2-\xf4\x1b\ud800-\udfff]"
_TOKEN = r"[^ \t\n\r]*" + _HINT + r"[^ \t\n\r]*"
_RUN_RE = re.compile(r"(?<![^ \t\n\r])" + _TOKEN + r"(?:[ \t]{1,3}" + _TOKEN + r")*(?: (?! ))?")


# what ftfy fixes without its badness check: terminal escapes, surrogates (and C1 controls, which it
# counts as bad anyway)
_ALWAYS_FIXED_RE = re.compile("[\x1b\x80-\x9f\ud800-\udfff]")


@lru_cache(maxsize=1)
def _ftfy_config():
    import ftfy

    return ftfy.TextFixerConfig(
        unescape_html=False,  # entities are an artifact type of their own
        remove_terminal_escapes=True,
        fix_encoding=True,
        restore_byte_a0=True,
        replace_lossy_sequences=True,
        decode_inconsistent_utf8=True,
        fix_c1_controls=True,
        fix_latin_ligatures=False,
        fix_character_width=False,
        uncurl_quotes=False,
        fix_line_breaks=False,
        fix_surrogates=True,
        remove_control_chars=False,  # invisible characters are removed after decoding
        normalization=None,
        explain=False,
    )


def find_mojibake(text: str) -> list[Artifact]:
    """Edits that decode every broken encoding ftfy recognises in ``text``, sorted."""
    if text.isascii() and "\x1b" not in text:
        return []
    from ftfy.badness import badness, is_bad

    edits: list[Artifact] = []
    for start, end in _pieces(text):
        piece = text[start:end]
        if piece.isascii() and "\x1b" not in piece:
            continue
        if not _ALWAYS_FIXED_RE.search(piece) and not _looks_bad(piece):
            continue  # ftfy's own gate: it decodes nothing that does not look bad
        fixed = _fix(piece)
        if is_bad(fixed):  # still broken: fix runs of suspicious tokens one by one, keep the better
            by_runs = _RUN_RE.sub(lambda m: _fix(m.group()), piece)
            if badness(by_runs) < badness(fixed):
                fixed = by_runs
        if fixed != piece:
            edits += _diff(text, start, piece, fixed)
    return edits


_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]+")
_BADNESS_REACH = 6  # every pattern of ftfy's badness check holds a non-ASCII character within 6 of its ends


def _looks_bad(line: str) -> bool:
    """``ftfy.badness.is_bad(line)``, checked on the neighbourhoods of non-ASCII characters only.

    Every pattern ftfy counts as bad is at most 7 characters long and holds a non-ASCII character,
    so it lies inside one neighbourhood; joining them with NUL can only add matches (an extra
    ftfy call that changes nothing), never lose one.
    """
    from ftfy.badness import is_bad

    spans: list[list[int]] = []
    for m in _NON_ASCII_RE.finditer(line):
        start, end = max(0, m.start() - _BADNESS_REACH), m.end() + _BADNESS_REACH
        if spans and start <= spans[-1][1]:
            spans[-1][1] = end
        else:
            spans.append([start, end])
    return is_bad("\x00".join(line[start:end] for start, end in spans))


def _fix(piece: str) -> str:
    import ftfy

    try:
        fixed = ftfy.fix_text(piece, _ftfy_config())
    except Exception:  # ftfy on hostile input: keep the piece, the other detectors still run
        return piece
    # a decoding into an unassigned code point ("Ţµ" read as UTF-8 is U+07B5) repairs nothing: the letters stay
    if fixed != piece and any(unicodedata.category(ch) == "Cn" for ch in set(fixed) - set(piece)):
        return piece
    return fixed


def _pieces(text: str) -> Iterator[tuple[int, int]]:
    """Lines (with their newline), long ones cut at spaces into pieces of at most ~10k characters."""
    start = 0
    n = len(text)
    while start < n:
        line_end = text.find("\n", start)
        line_end = n if line_end < 0 else line_end + 1
        while line_end - start > _PIECE_MAX:
            cut = text.rfind(" ", start + _PIECE_MAX // 2, start + _PIECE_MAX)
            cut = cut + 1 if cut >= 0 else start + _PIECE_MAX
            yield start, cut
            start = cut
        yield start, line_end
        start = line_end


def _diff(text: str, offset: int, piece: str, fixed: str) -> list[Artifact]:
    """Exact edits turning ``piece`` (at ``offset`` in ``text``) into ``fixed``."""
    from rapidfuzz.distance import Levenshtein

    head = 0
    limit = min(len(piece), len(fixed))
    while head < limit and piece[head] == fixed[head]:
        head += 1
    tail = 0
    while tail < limit - head and piece[-1 - tail] == fixed[-1 - tail]:
        tail += 1
    old, new = piece[head:len(piece) - tail], fixed[head:len(fixed) - tail]
    offset += head
    edits: list[Artifact] = []
    group_start = group_end = None
    replacement: list[str] = []
    for tag, i1, i2, j1, j2 in Levenshtein.opcodes(old, new):
        if tag == "equal":
            if group_start is not None:
                edits += _fix_edit(text, offset + group_start, offset + group_end, "".join(replacement))
                group_start, replacement = None, []
            continue
        if group_start is None:
            group_start = i1
        group_end = i2
        replacement.append(new[j1:j2])
    if group_start is not None:
        edits += _fix_edit(text, offset + group_start, offset + group_end, "".join(replacement))
    return edits


def _fix_edit(text: str, start: int, end: int, replacement: str) -> list[Artifact]:
    if start == end:  # a pure insertion: fold it into the previous character
        if start == 0:
            return []
        start, replacement = start - 1, text[start - 1] + replacement
    original = text[start:end]
    # control characters ftfy only drops are invisible; anything it decodes (C1 controls read as
    # Windows-1252, a lone surrogate marked U+FFFD) is mojibake
    removed_only = not replacement and all(unicodedata.category(c)[0] == "C" for c in original)
    kind = INVISIBLE if removed_only else MOJIBAKE
    return [Artifact(start, end, kind, replacement)]
