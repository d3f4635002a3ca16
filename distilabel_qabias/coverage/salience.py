"""Salience features of sentences: heading, list item, table cell, number, markup, artifact.

Pure heuristics on the raw sentence text (a segmenter keeps a heading line or a list bullet inside
the sentence that follows it, so the patterns look at line starts inside the sentence) and on the
artifact spans a scrubber recorded for the document. The report compares the hit rate of sentences
with each feature against plain sentences: the paper's "markup hijacks question generation" claim
becomes a lift number.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Sequence

from distilabel_qabias.text.segment import Sentence

HEADING = "heading"
LIST_ITEM = "list_item"
TABLE_CELL = "table_cell"
NUMBER = "number"
MARKUP = "markup"
ARTIFACT = "artifact"
FEATURES: tuple[str, ...] = (HEADING, LIST_ITEM, TABLE_CELL, NUMBER, MARKUP, ARTIFACT)
PLAIN = "plain"

_HEADING = re.compile(
    r"(?m)^[ \t]{0,3}#{1,6}[ \t]+\S"  # markdown ATX
    r"|^[ \t]*={2,}[^=\n]+={2,}[ \t]*$"  # wikitext == Section ==
    r"|^[^\n]+\n[ \t]*(?:={3,}|-{3,})[ \t]*$"  # setext underline
    r"|<h[1-6][\s>]",
    re.IGNORECASE,
)
# A plain-text section title glued to the next sentence: a short capitalised first line without
# sentence punctuation, followed by a newline and more text ("History\nThe town was founded ...").
_TITLE_LINE = re.compile(r"\A[ \t]*[A-Z0-9][^\n.!?:;,]{0,58}[ \t]*\n\s*\S")
_LIST_ITEM = re.compile(r"(?m)^[ \t]*(?:[-*+\u2022\u2023\u25e6\u25aa\u2013]|\d{1,3}[.)])[ \t]+\S|<li[\s>]", re.IGNORECASE)
_TABLE_CELL = re.compile(
    r"(?m)^[ \t]*\|.*\|"  # markdown / pipe table row
    r"|[^|\n]\|[^|\n]+\|[^|\n]"  # two cell separators on one line
    r"|\t[^\t\n]*\t"  # tab-separated cells
    r"|<t[dh][\s>]|^\{\||^\|-|\|\|",  # HTML and wikitext tables
    re.IGNORECASE,
)
_LIST_STARTS = frozenset("-*+\u2022\u2023\u25e6\u25aa\u20130123456789")
_NUMBER = re.compile(r"\d")
_MARKUP = re.compile(
    r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>"  # HTML tags
    r"|&(?:[a-zA-Z]{2,8}|#\d{2,6}|#x[0-9a-fA-F]{2,5});"  # HTML entities
    r"|\*\*[^*\n]+\*\*|__[^_\n]+__"  # markdown bold
    r"|\[[^\]\n]+\]\([^)\s]+\)"  # markdown links
    r"|\[\[|\]\]|\{\{|\}\}"  # wikitext links / templates
    r"|`[^`\n]+`"  # inline code
    r"|\[\d{1,3}\]",  # citation markers [12]
)


@lru_cache(maxsize=65536)
def text_features(text: str) -> frozenset[str]:
    """Salience features visible in the raw text of one sentence."""
    if not isinstance(text, str) or not text:
        return frozenset()
    found = set()
    # Cheap character tests first: most prose sentences skip the slower patterns entirely.
    has = set(text).__contains__
    if (has("#") or has("=") or has("<") or has("\n")) and (_HEADING.search(text) or _TITLE_LINE.match(text)):
        found.add(HEADING)
    if (has("\n") or text.lstrip()[:1] in _LIST_STARTS or has("<")) and _LIST_ITEM.search(text):
        found.add(LIST_ITEM)
    if (has("|") or has("\t") or has("<")) and _TABLE_CELL.search(text):
        found.add(TABLE_CELL)
    if _NUMBER.search(text):
        found.add(NUMBER)
    if any(map(has, "<&*_[{`")) and _MARKUP.search(text):
        found.add(MARKUP)
    return frozenset(found)


def artifact_feature(artifact_type: str) -> str:
    """Map a scrubber artifact type onto a salience feature (types are free-form strings)."""
    kind = str(artifact_type).lower()
    if "head" in kind or "title" in kind:
        return HEADING
    if "list" in kind or "bullet" in kind:
        return LIST_ITEM
    if "table" in kind:
        return TABLE_CELL
    if any(word in kind for word in ("html", "markdown", "markup", "tag", "wiki", "link", "entity", "latex")):
        return MARKUP
    return ARTIFACT


def is_title_line(sentence: Sentence, document: str) -> bool:
    """A short capitalised sentence without sentence punctuation that stands alone on its line.

    Segmenters split at newlines, so section titles ("History", "Early life") arrive as sentences of
    their own; without the document a sentence cannot tell whether it filled its line.
    """
    text = sentence.text
    if len(text) > 80 or len(text.split()) > 10 or not text[:1].isupper() or text[-1] in ".!?:;,":
        return False
    line_start = document.rfind("\n", 0, sentence.start) + 1
    line_end = document.find("\n", sentence.end)
    line_end = len(document) if line_end < 0 else line_end
    return not document[line_start:sentence.start].strip() and not document[sentence.end:line_end].strip()


def sentence_features(
    sentences: Sequence[Sentence],
    artifact_spans: Iterable[tuple[int, int, str]] = (),
    document: str | None = None,
) -> list[frozenset[str]]:
    """Features of each sentence: from its text, its line (with ``document``) and the artifact spans it overlaps.

    ``artifact_spans`` are ``(start, end, type)`` offsets into ``document``; a sentence overlapping any
    of them also gets :data:`ARTIFACT`, whatever the artifact's type.
    """
    features = [set(text_features(s.text)) for s in sentences]
    if document is not None:
        for sentence, found in zip(sentences, features):
            if is_title_line(sentence, document):
                found.add(HEADING)
    spans = sorted((int(a), int(b), t) for a, b, t in artifact_spans if b > a)
    if spans and sentences:
        for sentence, found in zip(sentences, features):
            for start, end, kind in spans:
                if start >= sentence.end:
                    break
                if end > sentence.start:
                    found.add(ARTIFACT)
                    found.add(artifact_feature(kind))
    return [frozenset(f) for f in features]
