"""Find and scrub non-content residue in text: broken encodings, invisible characters, HTML,
Markdown, LaTeX and wiki markup, and boilerplate.

Detection returns :class:`Artifact` edits ``(start, end, type, replacement)`` on the ORIGINAL text,
sorted and non-overlapping; scrubbing only applies them, so every offset maps back exactly. Edits
remove the residue and keep the visible words: ``<b>word</b>`` is two edits (the tags),
``[text](url)`` removes ``[`` and ``](url)``, ``\\textbf{x}`` removes ``\\textbf{`` and ``}``.

Modules, one concern each: :mod:`.edits` (the edit record, occupancy, composition),
:mod:`.mojibake` (decoding, with ftfy), :mod:`.invisible`, :mod:`.html_markup`, :mod:`.markdown`,
:mod:`.latex`, :mod:`.wiki`, :mod:`.boilerplate`, and :mod:`.scrubber` (the order they run in).
Every regex ends each match attempt at the next ``<``, bracket or newline, or within a fixed bound:
no nested unbounded quantifier, so no catastrophic backtracking. Clean prose look-alikes that stay
(``x < y``, ``C++``, ``AT&T``, ``$5``, ``Sagittarius A*``, ``snake_case``, ``[sic]``, ``50%``) are
listed in each module's docstring.
"""

from distilabel_qabias.text.artifacts.edits import (
    ARTIFACT_TYPES,
    BOILERPLATE,
    HTML_BLOCK,
    HTML_ENTITY,
    HTML_TAG,
    INVISIBLE,
    LATEX_COMMAND,
    LATEX_COMMENT,
    LATEX_ENVIRONMENT,
    LATEX_MATH,
    MARKDOWN_CODE,
    MARKDOWN_EMPHASIS,
    MARKDOWN_HEADING,
    MARKDOWN_IMAGE,
    MARKDOWN_LINK,
    MARKDOWN_LIST,
    MARKDOWN_QUOTE,
    MARKDOWN_RULE,
    MARKDOWN_TABLE,
    MOJIBAKE,
    WIKI_CITATION,
    WIKI_LINK,
    WIKI_MARKUP,
    WIKI_TEMPLATE,
    Artifact,
    apply_artifacts,
)
from distilabel_qabias.text.artifacts.scrubber import ScrubResult, find_artifacts, scrub_text

__all__ = [
    "ARTIFACT_TYPES", "Artifact", "ScrubResult", "apply_artifacts", "find_artifacts", "scrub_text",
    "BOILERPLATE", "HTML_BLOCK", "HTML_ENTITY", "HTML_TAG", "INVISIBLE", "LATEX_COMMAND", "LATEX_COMMENT",
    "LATEX_ENVIRONMENT", "LATEX_MATH", "MARKDOWN_CODE", "MARKDOWN_EMPHASIS", "MARKDOWN_HEADING",
    "MARKDOWN_IMAGE", "MARKDOWN_LINK", "MARKDOWN_LIST", "MARKDOWN_QUOTE", "MARKDOWN_RULE", "MARKDOWN_TABLE",
    "MOJIBAKE", "WIKI_CITATION", "WIKI_LINK", "WIKI_MARKUP", "WIKI_TEMPLATE",
]
