"""HTML residue: blocks dropped with their content (script, style, comments, ``<ref>``), tags
(the words between them stay), declarations, autolinks and character entities.

A tag needs a letter right after ``<`` and a known HTML name, a custom-element dash or an attribute,
so ``x < y`` stays; an entity must exist and end in ``;``, so ``AT&T`` and ``R&B;`` stay.
"""

from __future__ import annotations

import html
import re

from distilabel_qabias.text.artifacts.edits import (
    HTML_BLOCK,
    HTML_ENTITY,
    HTML_TAG,
    MARKDOWN_LINK,
    Artifact,
    EditSet,
    separator,
)

_HTML_DROP_BLOCKS = ("script", "style", "noscript", "template", "ref", "svg", "iframe", "object", "head")
_BLOCK_OPEN_RE = re.compile(r"<(%s)\b[^<>]{0,2000}>" % "|".join(_HTML_DROP_BLOCKS), re.I)
_CLOSE_RES = {name: re.compile(r"</%s\s*>" % name, re.I) for name in _HTML_DROP_BLOCKS}


def detect_html_blocks(text: str, edits: EditSet) -> None:
    if "<" not in text:
        return
    pos = 0
    while True:  # comments: once no closer follows, none follows any later opener either
        start = text.find("<!--", pos)
        if start < 0:
            break
        close = text.find("-->", start + 4)
        if close < 0:  # every opener left is unclosed: drop each marker, keep the text
            while start >= 0:
                edits.add(Artifact(start, start + 4, HTML_BLOCK))
                start = text.find("<!--", start + 4)
            break
        edits.add(Artifact(start, close + 3, HTML_BLOCK))
        pos = close + 3
    no_closer_after: dict[str, int] = {}
    for m in _BLOCK_OPEN_RE.finditer(text):
        name = m.group(1).lower()
        if m.group(0).endswith("/>"):  # <ref name="x"/>
            edits.add(Artifact(m.start(), m.end(), HTML_BLOCK))
            continue
        if m.start() >= no_closer_after.get(name, len(text) + 1):
            continue
        close = _CLOSE_RES[name].search(text, m.end())
        if close is None:
            no_closer_after[name] = m.start()
            continue
        edits.add(Artifact(m.start(), close.end(), HTML_BLOCK))


_HTML_TAGS = frozenset(
    """a abbr acronym address area article aside audio b base basefont bdi bdo big blink blockquote body br
    button canvas caption center cite code col colgroup data datalist dd del details dfn dialog dir div dl dt
    em embed fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup
    hr html i img input ins kbd label legend li link main map mark marquee menu meta meter nav nobr noframes
    object ol optgroup option output p param picture pre progress q rp rt ruby s samp section select small
    source span strike strong sub summary sup table tbody td textarea tfoot th thead time title tr track tt u
    ul var video wbr math mi mo mn msup msub mrow mfrac nowiki gallery poem references onlyinclude
    includeonly noinclude syntaxhighlight""".split()
)
_HTML_BLOCK_TAGS = frozenset(
    """address article aside blockquote body br caption center dd details dialog dir div dl dt fieldset
    figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li main menu nav ol p pre section
    summary table tbody tfoot thead tr ul references gallery poem""".split()
)
_HTML_CELL_TAGS = frozenset({"td", "th"})
_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]{0,30}(?:[:-][A-Za-z0-9]{1,30}){0,3})(\s[^<>]{0,2000})?(/?)>")
_DECLARATION_RE = re.compile(r"<![A-Za-z][^<>]{0,500}>|<\?[A-Za-z][^<>]{0,500}\?>|<!\[CDATA\[|\]\]>")
_AUTOLINK_RE = re.compile(r"<(?:https?://|mailto:)[^\s<>]{1,2000}>")


def detect_html_tags(text: str, edits: EditSet) -> None:
    if "<" not in text:
        return
    for m in _TAG_RE.finditer(text):
        name = m.group(2).lower()
        attrs = m.group(3) or ""
        if name not in _HTML_TAGS and "=" not in attrs and "-" not in name:
            continue
        if name in _HTML_BLOCK_TAGS:
            replacement = separator(text, m.start(), m.end(), "\n")
        elif name in _HTML_CELL_TAGS:
            replacement = separator(text, m.start(), m.end(), " ")
        else:
            replacement = ""
        edits.add(Artifact(m.start(), m.end(), HTML_TAG, replacement))
    for m in _DECLARATION_RE.finditer(text):
        edits.add(Artifact(m.start(), m.end(), HTML_TAG))
    for m in _AUTOLINK_RE.finditer(text):  # keep the address, drop the brackets
        edits.add(Artifact(m.start(), m.start() + 1, MARKDOWN_LINK), Artifact(m.end() - 1, m.end(), MARKDOWN_LINK))


_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def detect_entities(text: str, edits: EditSet) -> None:
    if "&" not in text:
        return
    for m in _ENTITY_RE.finditer(text):
        decoded = html.unescape(m.group())
        if decoded != m.group():
            edits.add(Artifact(m.start(), m.end(), HTML_ENTITY, decoded))

