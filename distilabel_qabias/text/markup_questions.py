"""Questions (or answers) about a document's markup rather than its content: "hijacked" questions
such as "What does the <div> tag contain?", "What is written in bold in the heading?" or "What is
the URL of the link?", which a generator asks when it sees residue instead of prose.
"""

from __future__ import annotations

import re

_TAG_NAMES = r"(?:div|span|p|a|b|i|u|em|strong|h[1-6]|li|ul|ol|table|td|th|tr|img|title|meta|body|head|html|script|style|section|header|footer|nav|br|hr|code|pre|sup|sub|font)"
_MARKUP_QUESTION_RE = re.compile(
    r"<\s*/?\s*[A-Za-z][A-Za-z0-9]{0,15}[^<>]{0,60}>\s*(?:tags?|elements?|attributes?)\b"  # "the <div> tag"
    r"|\b(?:the|a|an|this|that|each|every)\s+" + _TAG_NAMES + r"\s+(?:tags?|elements?)\b"  # "the div element"
    r"|\b(?:html|xml|css|markdown|latex|wiki(?:text)?|markup)\s+(?:tags?|elements?|attributes?|syntax|code|formatting|markup|commands?)\b"
    r"|\b(?:written|shown|displayed|formatted|highlighted|marked|printed|emphasi[sz]ed|set|appears?)\s+in\s+"
    r"(?:bold|italics?|underline|(?:a\s+)?(?:bold|larger|monospace|different)\s+font|the\s+(?:heading|header|title\s+tag))\b"
    r"|\bin\s+bold\b|\bbold(?:ed|face)?\s+(?:text|words?|phrases?|heading|part)\b|\bitali(?:cs|cized?)\s+(?:text|words?|phrases?)\b"
    r"|\b(?:urls?|href|hyperlinks?|link\s+targets?|anchor\s+text|alt\s+text)\s+(?:of|for|in)\s+the\b"
    r"|\bwhat\s+(?:is|are)\s+the\s+(?:urls?|hrefs?|hyperlinks?|web\s+address(?:es)?)\b"
    r"|\b(?:link|hyperlink)\s+(?:point|lead|go|link)s?\s+to\b"
    r"|\b(?:heading|header)\s+(?:level|tag|marker|syntax)\b|\bin\s+the\s+(?:section\s+)?(?:heading|header)\b"
    r"|\b(?:bullet\s+points?|list\s+items?|table\s+(?:cells?|headers?)|citation\s+(?:markers?|numbers?)|reference\s+numbers?|code\s+blocks?|footnote\s+(?:markers?|numbers?))\b",
    re.I,
)


def asks_about_markup(text: str) -> bool:
    """True when a question (or answer) is about the document's markup rather than its content,
    e.g. "What does the <div> tag contain?", "What is written in bold in the heading?",
    "What is the URL of the link?"."""
    return isinstance(text, str) and _MARKUP_QUESTION_RE.search(text) is not None
