"""Markdown residue: tables and rules, links and images (the link text stays), reference
definitions, headings, quotes, list bullets, code fences and spans, and emphasis delimiters
(Markdown ``*``/``_``/``~~`` and wiki ``''`` quotes, which pair up by the same rules).

Emphasis delimiters must be flanking on the outside and pair up on the same line, so
``Sagittarius A*``, ``*leuk-``, ``2 * 3``, ``a*b*c`` and ``snake_case`` stay; dunder names in code
context (``obj.__init__``, ``__init__(``, ``__all_names__``) stay too, while a bare ``__word__`` is
Markdown bold.
"""

from __future__ import annotations

import re
import unicodedata

from distilabel_qabias.text.artifacts.edits import (
    MARKDOWN_CODE,
    MARKDOWN_EMPHASIS,
    MARKDOWN_HEADING,
    MARKDOWN_IMAGE,
    MARKDOWN_LINK,
    MARKDOWN_LIST,
    MARKDOWN_QUOTE,
    MARKDOWN_RULE,
    MARKDOWN_TABLE,
    WIKI_MARKUP,
    Artifact,
    EditSet,
)
from distilabel_qabias.text.artifacts.wiki import CITATION_RE

_TABLE_SEPARATOR_RE = re.compile(
    r"^[ \t]*(?:\|[ \t]*)?:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*(?:\|[ \t]*)?\r?(?:\n|$)", re.M
)
_TABLE_ROW_RE = re.compile(r"^[ \t]*\|[^\n]*\|[ \t\r]*$", re.M)
_PIPE_RE = re.compile(r"[ \t]*(?<!\\)\|[ \t]*")
_RULE_RE = re.compile(r"^[ \t]{0,3}(?:(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}|(?:=[ \t]*){3,})\r?(?:\n|$)", re.M)


def detect_markdown_tables(text: str, edits: EditSet) -> None:
    if "|" not in text and "---" not in text:
        return
    separators = [m for m in _TABLE_SEPARATOR_RE.finditer(text)]
    rows = [m for m in _TABLE_ROW_RE.finditer(text)] if "|" in text else []
    # a row counts when a neighbouring line is another row or a separator line
    line_ends = {m.end() for m in rows} | {m.end() - (m.group().endswith("\n")) for m in separators}
    line_starts = {m.start() for m in rows} | {m.start() for m in separators}
    for m in separators:
        edits.add(Artifact(m.start(), m.end(), MARKDOWN_TABLE if "|" in m.group() else MARKDOWN_RULE))
    for m in rows:
        if (m.start() - 1) not in line_ends and (m.end() + 1) not in line_starts:
            continue
        row, base = m.group(), m.start()
        # pipes inside an accepted span (a template's "|url=") are not cell borders
        pipes = [p for p in _PIPE_RE.finditer(row) if not edits.mask[base + p.start() + p.group().index("|")]]
        group = []
        for i, p in enumerate(pipes):
            outer = i == 0 or i == len(pipes) - 1
            group.append(Artifact(base + p.start(), base + p.end(), MARKDOWN_TABLE, "" if outer else " "))
        edits.add(*group)
    for m in _RULE_RE.finditer(text):
        edits.add(Artifact(m.start(), m.end(), MARKDOWN_RULE))


_MD_LINK_RE = re.compile(
    r"(!?)\[([^\[\]\n]{0,500})\]\(([^()\s]{1,2000}(?:\([^()\s]{0,500}\)[^()\s]{0,500})?)"
    r"(?:[ \t]+(?:\"[^\"\n]{0,300}\"|'[^'\n]{0,300}'))?\)"
)
_MD_REF_LINK_RE = re.compile(r"(!?)\[([^\[\]\n]{1,500})\]\[([^\[\]\n]{0,100})\]")
_MD_REF_DEF_RE = re.compile(r"^[ \t]{0,3}\[[^\[\]\n]{1,100}\]:[ \t]*\S{1,2000}(?:[ \t][^\n]{0,300})?\r?(?:\n|$)", re.M)


def detect_markdown_links(text: str, edits: EditSet) -> None:
    """``[text](url)`` and ``[text][ref]`` keep the text; images and reference definitions go."""
    if "[" not in text:
        return
    for m in _MD_LINK_RE.finditer(text):
        if m.group(1):
            edits.add(Artifact(m.start(), m.end(), MARKDOWN_IMAGE))
        else:
            edits.add(Artifact(m.start(), m.start() + 1, MARKDOWN_LINK), Artifact(m.end(2), m.end(), MARKDOWN_LINK))
    for m in _MD_REF_DEF_RE.finditer(text):
        edits.add(Artifact(m.start(), m.end(), MARKDOWN_LINK))
    for m in _MD_REF_LINK_RE.finditer(text):
        if CITATION_RE.fullmatch(text, m.start(), m.end(2) + 1):
            continue  # "[17][53]": two citation markers, not a reference link
        if m.group(1):
            edits.add(Artifact(m.start(), m.end(), MARKDOWN_IMAGE))
        else:
            edits.add(Artifact(m.start(), m.start() + 1, MARKDOWN_LINK), Artifact(m.end(2), m.end(), MARKDOWN_LINK))


_MD_HEADING_RE = re.compile(r"^[ \t]{0,3}(?:#{1,6}[ \t]+)+(?=\S)", re.M)  # "## ## Title": all markers at once
_MD_HEADING_CLOSE_RE = re.compile(r"(?<![ \t])[ \t]+#{1,6}[ \t\r]*$", re.M)
_SETEXT_RE = re.compile(r"(?<=[^\n]\n)[ \t]{0,3}(?:={3,}|-{3,})[ \t]*\r?(?:\n|$)")
_MD_QUOTE_RE = re.compile(r"^[ \t]{0,3}>[ \t]?(?=\S)", re.M)
_MD_LIST_RE = re.compile(r"^[ \t]{0,6}[*+\-•][ \t]+(?=\S)", re.M)
_CODE_FENCE_RE = re.compile(r"^[ \t]{0,3}(?:```|~~~)[^\n`]{0,100}\r?(?:\n|$)", re.M)


def detect_line_markup(text: str, edits: EditSet) -> None:
    if "#" in text:
        for m in _MD_HEADING_RE.finditer(text):
            line_end = text.find("\n", m.end())
            closing = _MD_HEADING_CLOSE_RE.search(text, m.end(), len(text) if line_end < 0 else line_end)
            edits.add(Artifact(m.start(), m.end(), MARKDOWN_HEADING))
            if closing:
                edits.add(Artifact(closing.start(), closing.end(), MARKDOWN_HEADING))
    if "===" in text or "---" in text:
        for m in _SETEXT_RE.finditer(text):
            edits.add(Artifact(m.start(), m.end(), MARKDOWN_HEADING))
    if ">" in text:
        for m in _MD_QUOTE_RE.finditer(text):
            edits.add(Artifact(m.start(), m.end(), MARKDOWN_QUOTE))
    for m in _MD_LIST_RE.finditer(text):
        edits.add(Artifact(m.start(), m.end(), MARKDOWN_LIST))
    if "```" in text or "~~~" in text:
        for m in _CODE_FENCE_RE.finditer(text):
            edits.add(Artifact(m.start(), m.end(), MARKDOWN_CODE))


_DELIMITER_RE = re.compile(r"\n|(?<!\\)(?:\*{1,3}|_{1,3}|~~|'{5}|'{2,3}(?!'))")
_MAX_OPENERS_SEARCHED = 16


def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PS"


def detect_emphasis(text: str, edits: EditSet) -> None:
    if "*" not in text and "_" not in text and "~~" not in text and "''" not in text:
        return
    openers: list[tuple[str, int, int]] = []
    n = len(text)
    for m in _DELIMITER_RE.finditer(text):
        token = m.group()
        if token == "\n":  # emphasis never spans lines here
            openers.clear()
            continue
        before = text[m.start() - 1] if m.start() > 0 else " "
        after = text[m.end()] if m.end() < n else " "
        # no intraword delimiters at all (stricter than CommonMark for "*"): keeps a*b*c, snake_case
        can_open = not after.isspace() and not before.isalnum() and (
            not _is_punct(after) or before.isspace() or _is_punct(before)
        )
        can_close = not before.isspace() and not after.isalnum() and (
            not _is_punct(before) or after.isspace() or _is_punct(after)
        )
        if can_close and _close_emphasis(text, edits, openers, token, m.start(), m.end()):
            continue
        if can_open:
            openers.append((token, m.start(), m.end()))


def _close_emphasis(text: str, edits: EditSet, openers: list[tuple[str, int, int]], token: str, start: int, end: int) -> bool:
    """Pair the closing delimiter with the nearest open one of the same run; True if paired."""
    for depth in range(len(openers) - 1, max(-1, len(openers) - 1 - _MAX_OPENERS_SEARCHED), -1):
        opener, open_start, open_end = openers[depth]
        if opener != token:
            continue
        if token == "__" and _is_dunder(text, open_start, open_end, start, end):
            return False
        kind = WIKI_MARKUP if token[0] == "'" else MARKDOWN_EMPHASIS
        if edits.add(Artifact(open_start, open_end, kind), Artifact(start, end, kind)):
            del openers[depth:]
            return True
        return False
    return False


def _is_dunder(text: str, open_start: int, open_end: int, close_start: int, close_end: int) -> bool:
    """``obj.__init__``, ``__init__(``, ``__dunder_name__``: code, not bold."""
    inner = text[open_end:close_start]
    if not inner.replace("_", "").isalnum():
        return False
    return "_" in inner or text[open_start - 1:open_start] == "." or text[close_end:close_end + 1] == "("


_CODE_SPAN_RE = re.compile(r"(?<!`)`([^`\n]{1,300})`(?!`)")


def detect_code_spans(text: str, edits: EditSet) -> None:
    if "`" not in text:
        return
    for m in _CODE_SPAN_RE.finditer(text):
        edits.add(Artifact(m.start(), m.start() + 1, MARKDOWN_CODE), Artifact(m.end() - 1, m.end(), MARKDOWN_CODE))
