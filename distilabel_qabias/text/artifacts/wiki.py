"""Wikitext residue: templates (dropped with everything inside), internal and external links (the
label stays), citation markers, footnote markers and section headings.

Citations are numeric (``[12]``, ``[12]:45``) or the "needed" tags (``[citation needed]``,
``[when?]``); letter footnotes (``[a]``, ``[note 1]``) count only right after punctuation, so
editorial brackets (``picture[s]``, ``[sic]``) and IPA (``[b]``) stay.
"""

from __future__ import annotations

import re

from distilabel_qabias.text.artifacts.edits import (
    WIKI_CITATION,
    WIKI_LINK,
    WIKI_MARKUP,
    WIKI_TEMPLATE,
    Artifact,
    EditSet,
    absorb_space_before,
)

_TEMPLATE_TOKEN_RE = re.compile(r"\{\{|\}\}")


def detect_wiki_templates(text: str, edits: EditSet) -> None:
    if "{{" not in text:
        return
    stack: list[int] = []
    for m in _TEMPLATE_TOKEN_RE.finditer(text):
        if m.group() == "{{":
            stack.append(m.start())
        elif stack:
            start = stack.pop()
            if not stack:  # outermost template: drop it with everything inside
                edits.add(Artifact(absorb_space_before(text, start, m.end()), m.end(), WIKI_TEMPLATE))


_WIKI_LINK_RE = re.compile(r"\[\[([^\[\]\n|]{1,300})(\|[^\[\]\n]{0,300})?\]\]")
_WIKI_DROP_NAMESPACES = ("file:", "image:", "category:", "media:")
_WIKI_EXTERNAL_RE = re.compile(r"\[(?:https?:)?//[^\s\[\]]{1,2000}([ \t]+[^\[\]\n]{1,300})?\]")


def detect_wiki_links(text: str, edits: EditSet) -> None:
    """``[[target|label]]`` keeps the label; file, image and category links go entirely."""
    if "[[" not in text:
        return
    for m in _WIKI_LINK_RE.finditer(text):
        target, label = m.group(1), m.group(2)
        if target.strip().lower().startswith(_WIKI_DROP_NAMESPACES):
            edits.add(Artifact(m.start(), m.end(), WIKI_LINK))
        elif label:
            edits.add(Artifact(m.start(), m.start(2) + 1, WIKI_LINK), Artifact(m.end() - 2, m.end(), WIKI_LINK))
        else:
            edits.add(Artifact(m.start(), m.start() + 2, WIKI_LINK), Artifact(m.end() - 2, m.end(), WIKI_LINK))


def detect_external_links(text: str, edits: EditSet) -> None:
    """``[https://x.org label]`` keeps the label; a bare ``[https://x.org]`` goes."""
    if "[" not in text:
        return
    for m in _WIKI_EXTERNAL_RE.finditer(text):
        if m.group(1):
            edits.add(Artifact(m.start(), m.start(1) + 1, WIKI_LINK), Artifact(m.end() - 1, m.end(), WIKI_LINK))
        else:
            edits.add(Artifact(absorb_space_before(text, m.start(), m.end()), m.end(), WIKI_LINK))


_NEEDED = (
    r"citation needed|clarification needed|verification needed|better source needed|full citation needed|"
    r"page needed|year needed|date missing|when\?|who\?|where\?|which\?|why\?|how\?|by whom\?|"
    r"according to whom\?|dubious(?: [–-] discuss)?|discuss|original research\??|failed verification|"
    r"not in citation given|dead link|permanent dead link|needs update|update|vague|specify|sic\?|"
    r"citation needed\?|unreliable source\??|edit"
)
CITATION_RE = re.compile(
    r"\[(?:\d{1,3}(?:[,–-]\d{1,3}){0,5}|(?:" + _NEEDED + r")(?:[ \t][^\[\]\n]{0,40})?)\]"
    r"(?::[ \t]?\d{1,4}(?:[–-]\d{1,4})?)?",
    re.I,
)
_FOOTNOTE_RE = re.compile(
    r"(?<=[.,;:!?)\"”’'\]])\[(?:[a-z]|[A-Z]|(?:note|nb|n|lower-alpha|upper-alpha|lower-roman) ?\d{1,3})\]"
)


def detect_citations(text: str, edits: EditSet) -> None:
    if "[" not in text:
        return
    for m in CITATION_RE.finditer(text):
        edits.add(Artifact(absorb_space_before(text, m.start(), m.end()), m.end(), WIKI_CITATION))
    for m in _FOOTNOTE_RE.finditer(text):
        edits.add(Artifact(m.start(), m.end(), WIKI_CITATION))


_WIKI_HEADING_RE = re.compile(r"^(={2,6})[ \t]*([^=\n]{1,200}?)[ \t]*\1[ \t\r]*$", re.M)


def detect_wiki_headings(text: str, edits: EditSet) -> None:
    if "==" in text:
        for m in _WIKI_HEADING_RE.finditer(text):
            edits.add(Artifact(m.start(), m.start(2), WIKI_MARKUP), Artifact(m.end(2), m.end(), WIKI_MARKUP))
