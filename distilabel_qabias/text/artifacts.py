"""Find and scrub non-content residue in text: broken Unicode, markup, wiki residue, boilerplate.

Detection returns :class:`Artifact` edits ``(start, end, type, replacement)`` on the ORIGINAL
text, sorted and non-overlapping; scrubbing only applies them, so every offset maps back exactly.
Edits remove the residue and keep the visible words: ``<b>word</b>`` is two edits (the tags),
``[text](url)`` removes ``[`` and ``](url)``, ``\\textbf{x}`` removes ``\\textbf{`` and ``}``.

Detectors run in tiers; an edit is accepted only where no earlier edit lies (an occupancy mask),
so containers (script blocks, templates, boilerplate lines) win over what they contain. Touching
edits of one type are reported as one (``<b><i>`` is one ``html_tag`` span).

Decisions on look-alikes in real prose (measured on the Wikipedia summaries, see
``benchmarks/eval_scrub.py``):

* ``x < y``, ``C++``, ``#1 hit``, ``AT&T``, ``R&B;``, ``US$5`` and ``$5 and $10`` stay: a tag needs a
  letter right after ``<`` and a known HTML name or an attribute; an entity must exist and end in
  ``;``; inline math needs the LaTeX gate (a known LaTeX command somewhere in the text).
* Emphasis delimiters (``*``, ``_``, ``~~``, wiki ``''``) must be flanking on the outside and pair up
  on the same line, so ``Sagittarius A*``, ``*leuk-`` (reconstructed roots), ``2 * 3``, ``a*b*c`` and
  ``snake_case`` stay; dunder names in code context (``obj.__init__``, ``__init__(``, ``__all_names__``)
  stay too, while a bare ``__word__`` is Markdown bold.
* Brackets: numeric ``[12]``, ``[12]:45`` and the wiki "needed" tags (``[citation needed]``, ``[when?]``)
  are citations; letter footnotes ``[a]``/``[note 1]`` only right after punctuation (``.[a]``), so
  editorial brackets (``picture[s]``, ``[sic]``, ``[and]``) and IPA (``[b]``) stay.
* LaTeX comments (``%`` to end of line) only count in text that already has LaTeX commands, so
  ``50% of`` stays. Unknown backslash words (``C:\\Users``) stay.
* Invisible characters (format, private-use, unassigned, surrogates, C0/C1 controls except
  tab/newline/CR/FF) are removed, except a zero-width (non-)joiner between two non-ASCII letters
  or symbols, where it shapes Indic/Arabic script or emoji sequences.
* Encoding repair uses ftfy with encoding fixes only (no quote uncurling, no NFKC, no ligature or
  width changes, no line-break changes, no HTML unescaping), run on each run of tokens holding a
  mojibake hint (at most 10k characters) and diffed back (rapidfuzz opcodes) to exact spans, so
  offsets stay honest.

All regexes are written so that any match attempt ends at the next ``<``, bracket or newline, or
within a fixed bound; there is no nested unbounded quantifier, so no catastrophic backtracking.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, NamedTuple

# --- public types -------------------------------------------------------------------------

MOJIBAKE = "mojibake"
INVISIBLE = "invisible"
HTML_BLOCK = "html_block"
HTML_TAG = "html_tag"
HTML_ENTITY = "html_entity"
MARKDOWN_EMPHASIS = "markdown_emphasis"
MARKDOWN_LINK = "markdown_link"
MARKDOWN_IMAGE = "markdown_image"
MARKDOWN_HEADING = "markdown_heading"
MARKDOWN_TABLE = "markdown_table"
MARKDOWN_CODE = "markdown_code"
MARKDOWN_QUOTE = "markdown_quote"
MARKDOWN_LIST = "markdown_list"
MARKDOWN_RULE = "markdown_rule"
LATEX_COMMAND = "latex_command"
LATEX_ENVIRONMENT = "latex_environment"
LATEX_COMMENT = "latex_comment"
LATEX_MATH = "latex_math"
WIKI_CITATION = "wiki_citation"
WIKI_TEMPLATE = "wiki_template"
WIKI_LINK = "wiki_link"
WIKI_MARKUP = "wiki_markup"
BOILERPLATE = "boilerplate"

ARTIFACT_TYPES: tuple[str, ...] = (
    MOJIBAKE, INVISIBLE, HTML_BLOCK, HTML_TAG, HTML_ENTITY, MARKDOWN_EMPHASIS, MARKDOWN_LINK,
    MARKDOWN_IMAGE, MARKDOWN_HEADING, MARKDOWN_TABLE, MARKDOWN_CODE, MARKDOWN_QUOTE, MARKDOWN_LIST,
    MARKDOWN_RULE, LATEX_COMMAND, LATEX_ENVIRONMENT, LATEX_COMMENT, LATEX_MATH, WIKI_CITATION,
    WIKI_TEMPLATE, WIKI_LINK, WIKI_MARKUP, BOILERPLATE,
)


class Artifact(NamedTuple):
    """Replace ``original[start:end]`` by ``replacement`` (usually ``""``)."""

    start: int
    end: int
    type: str
    replacement: str = ""


@dataclass(frozen=True)
class ScrubResult:
    text: str
    artifacts: list[Artifact]
    original_length: int

    @property
    def artifact_chars(self) -> int:
        return sum(a.end - a.start for a in self.artifacts)


# --- edit collection ----------------------------------------------------------------------


class _Edits:
    """Accepted edits plus an occupancy mask of the original text (one byte per character)."""

    def __init__(self, length: int):
        self.mask = bytearray(length + 1)
        self.items: list[Artifact] = []

    def _free(self, start: int, end: int) -> bool:
        if start == end:  # pure insertion: free unless strictly inside an accepted edit
            return not (start > 0 and self.mask[start - 1] and self.mask[start])
        return self.mask.find(1, start, end) < 0

    def add(self, *edits: Artifact) -> bool:
        """Accept all ``edits`` (one logical artifact, e.g. an opening and a closing tag) or none."""
        if not all(self._free(e.start, e.end) for e in edits):
            return False
        for e in edits:
            if e.end > e.start:
                self.mask[e.start:e.end] = b"\x01" * (e.end - e.start)
        self.items.extend(edits)
        return True

    def sorted(self) -> list[Artifact]:
        """Accepted edits in order; touching edits of one type merge (``<b><i>`` is one span)."""
        merged: list[Artifact] = []
        for a in sorted(self.items):
            last = merged[-1] if merged else None
            if last is not None and last.end == a.start and last.type == a.type and a.start < a.end:
                merged[-1] = Artifact(last.start, a.end, a.type, last.replacement + a.replacement)
            else:
                merged.append(a)
        return merged


_Detector = Callable[[str, _Edits], None]


# --- helpers ------------------------------------------------------------------------------

_WS = " \t"


def _absorb_space_before(text: str, start: int, end: int | None = None) -> int:
    """Extend ``start`` left over horizontal spaces that follow a non-space character, so that
    ``word [12].`` loses the space too; not when the removed span is glued to a following word
    (``## {{x}}Title``), where the space still separates words."""
    if end is not None and end < len(text) and not (text[end].isspace() or text[end] in ".,;:!?)]}\"'”’"):
        return start
    s = start
    while s > 0 and text[s - 1] in _WS:
        s -= 1
    return s if s > 0 and text[s - 1] not in "\n" else start


def _separator(text: str, start: int, end: int, sep: str) -> str:
    """``sep`` unless the removed span already touches whitespace or a text boundary."""
    if start == 0 or end >= len(text) or text[start - 1].isspace() or text[end].isspace():
        return ""
    return sep


def _line_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span ``[start, end)`` extended by its trailing newline (whole-line removal)."""
    return start, end + 1 if end < len(text) and text[end] == "\n" else end


# --- tier 1: containers -------------------------------------------------------------------

_HTML_DROP_BLOCKS = ("script", "style", "noscript", "template", "ref", "svg", "iframe", "object", "head")
_BLOCK_OPEN_RE = re.compile(r"<(%s)\b[^<>]{0,2000}>" % "|".join(_HTML_DROP_BLOCKS), re.I)
_CLOSE_RES = {name: re.compile(r"</%s\s*>" % name, re.I) for name in _HTML_DROP_BLOCKS}


def _detect_html_blocks(text: str, edits: _Edits) -> None:
    if "<" not in text:
        return
    pos = 0
    while True:  # comments: once no closer follows, none follows any later opener either
        start = text.find("<!--", pos)
        if start < 0:
            break
        close = text.find("-->", start + 4)
        if close < 0:
            edits.add(Artifact(start, start + 4, HTML_BLOCK))
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


_TEMPLATE_TOKEN_RE = re.compile(r"\{\{|\}\}")


def _detect_wiki_templates(text: str, edits: _Edits) -> None:
    if "{{" not in text:
        return
    stack: list[int] = []
    for m in _TEMPLATE_TOKEN_RE.finditer(text):
        if m.group() == "{{":
            stack.append(m.start())
        elif stack:
            start = stack.pop()
            if not stack:  # outermost template: drop it with everything inside
                edits.add(Artifact(_absorb_space_before(text, start, m.end()), m.end(), WIKI_TEMPLATE))


_LATEX_GATE_RE = re.compile(
    r"\\(?:documentclass|usepackage|begin|end|section|subsection|subsubsection|chapter|paragraph|"
    r"textbf|textit|texttt|textsc|emph|underline|cite[pt]?|citeauthor|ref|eqref|autoref|cref|label|"
    r"footnote|href|url|item|maketitle|includegraphics|caption|noindent)(?![A-Za-z])"
)
_LATEX_COMMENT_RE = re.compile(r"(?<!\\)%[^\n]*")


def _detect_latex_comments(text: str, edits: _Edits) -> None:
    if "%" not in text or not _has_latex(text):
        return
    for m in _LATEX_COMMENT_RE.finditer(text):
        start = _absorb_space_before(text, m.start())
        if start > 0 and text[start - 1].isdigit():
            continue  # "58.5% of", "5 %": a percentage even in LaTeX-flavoured text
        line_start = text.rfind("\n", 0, start) + 1
        if text[line_start:start].strip() == "":  # a whole comment line goes with its newline
            edits.add(Artifact(*_line_span(text, line_start, m.end()), LATEX_COMMENT))
        else:
            edits.add(Artifact(start, m.end(), LATEX_COMMENT))


def _has_latex(text: str) -> bool:
    return "\\" in text and _LATEX_GATE_RE.search(text) is not None


# --- tier 2: lines ------------------------------------------------------------------------

_SOCIAL = r"(?:facebook|twitter|x|linkedin|pinterest|reddit|whatsapp|tumblr|telegram|instagram|youtube|e-?mail)"
_NAV_TOKEN = (
    r"(?:home|about(?: us)?|contact(?: us)?|news|blog|faq|help|search|menu|main menu|navigation menu|"
    r"privacy(?: policy)?|privacy notice|terms(?: of (?:use|service))?|terms (?:and|&) conditions|"
    r"cookie (?:policy|settings|preferences|notice)|accessibility|sitemap|site map|careers|disclaimers?|"
    r"about wikipedia|donate|create account|log ?in|log ?out|sign ?in|sign ?up|register|subscribe|"
    r"advertisement|advertise(?: with us)?|sponsored(?: content)?|back to top|scroll to top|"
    r"print(?: this (?:page|article))?|tweet|pin it|copy link|"
    r"share(?: (?:this|it))?(?: (?:article|story|post|page))?(?: (?:on|via|to) " + _SOCIAL + r")?:?|"
    r"(?:follow us|find us|like us) on " + _SOCIAL + r"|" + _SOCIAL + r"|"
    r"(?:jump|skip) to (?:main )?(?:navigation|search|content|footer)|skip navigation|toggle navigation)"
)
_SPACE_OR_TAG = r"(?:[ \t]|<[^<>\n]{0,200}>)*"  # HTML tags may share a boilerplate line (<li>Share</li>)
# spaces before a separator character can only go to the first group, after it to the second: a
# single space that either group could take would make a failing line backtrack 2^tokens ways
_NAV_SEP = _SPACE_OR_TAG + r"(?:[|·•»/,>\-–—]" + _SPACE_OR_TAG + r")?"
_BOILERPLATE_LINE = (
    r"(?:" + _NAV_TOKEN + r"(?:" + _NAV_SEP + _NAV_TOKEN + r"){0,30}"
    r"|(?:we|this (?:web)?site|our (?:web)?site|this page) uses? cookies\b[^\n]{0,400}"
    r"|by (?:continuing to (?:use|browse)|using) (?:this|our) (?:web)?site\b[^\n]{0,400}"
    r"|(?:accept|reject|allow|decline|manage)(?: all)? cookies\b[^\n]{0,100}"
    r"|(?:subscribe|sign up) (?:to|for) (?:our|the) (?:free )?(?:weekly |daily |monthly )?newsletter\b[^\n]{0,300}"
    r"|enter your e-?mail(?: address)?\b[^\n]{0,150}"
    r"|(?:don't|never) miss (?:a|an|another) (?:story|update|article)\b[^\n]{0,150}"
    r"|retrieved from\s+[\"“]?(?:https?://|www\.)[^\n]{0,500}"
    r"|retrieved (?:on )?(?:\d{1,2} [A-Za-z]{3,9}|[A-Za-z]{3,9} \d{1,2},?) \d{4}\.?"
    r"|this page was last (?:edited|modified) on\b[^\n]{0,200}"
    r"|text is available under the creative commons\b[^\n]{0,500}"
    r"|from wikipedia, the free encyclopedia"
    r"|this article is about\b[^\n]{0,300}"  # hatnotes: page chrome, not article content
    r"|for other uses,? see\b[^\n]{0,300}"
    r"|not to be confused with\b[^\n]{0,300}"
    r"|(?:hidden )?categories: [^\n]{0,500}"
    r"|(?:copyright )?(?:©|\(c\)|copyright) ?\d{4}\b[^\n]{0,300}"
    r"|[^\n]{0,150}\ball rights reserved\b[^\n]{0,300}"
    r"|(?:related|recommended) (?:articles|stories|posts|reading)|you (?:may|might) also like|read more(?: »)?"
    r"|(?:click|tap) here to (?:subscribe|sign up|share|print|read more|learn more|accept)\b[^\n]{0,200})"
)
_BOILERPLATE_LINE_RE = re.compile(
    r"^(?=[^\n]{0,600}$)" + _SPACE_OR_TAG + r"(?=[A-Za-z©(])" + _BOILERPLATE_LINE
    + r"(?:[ \t.!:]|<[^<>\n]{0,200}>)*\r?(?:\n|$)",
    re.I | re.M,
)
# A bar of three or more short items ("Home | News | Sport | About us") with a navigation word in it.
_NAV_BAR_RE = re.compile(r"^(?=[^\n]{0,300}$)[^|·•»\n]{1,40}(?:[|·•»][^|·•»\n]{1,40}){2,}\r?(?:\n|$)", re.M)
_NAV_TOKEN_RE = re.compile(_NAV_TOKEN, re.I)
# Boilerplate that shares a line with prose: nav phrases and strong banner sentences. They must
# start a line or follow a sentence end; that context is checked in Python so the regex can
# start with literal words (sre skips ahead on them) instead of a look-behind at every position.
_BOILERPLATE_INLINE_RE = re.compile(
    r"(?:(?:jump|skip) to (?:main )?(?:navigation|search|content)(?:[ \t]*(?:[|,][ \t]*)?|$)){1,4}"
    r"|(?:we|this (?:web)?site) uses? cookies\b[^\n.!?]{0,300}[.!?]?"
    r"|(?:subscribe|sign up) (?:to|for) our (?:free )?newsletter\b[^\n.!?]{0,200}[.!?]?"
    r"|(?:click|tap) here to (?:subscribe|sign up|share|accept)\b[^\n.!?]{0,200}[.!?]?"
    r"|share this (?:article|story|post)\b[^\n.!?]{0,100}[.!?]?",
    re.I | re.M,
)


_BOILERPLATE_INLINE_KEYS = ("to navigation", "to search", "to content", "to main", "cookies", "newsletter", "here to", "share this")


def _starts_sentence(text: str, pos: int) -> bool:
    while pos > 0 and text[pos - 1] in _WS:
        pos -= 1
    return pos == 0 or text[pos - 1] in "\n.!?:>}"  # after a sentence, or after markup (<br>, }})


def _is_nav_bar(line: str) -> bool:
    items = [item.strip() for item in re.split(r"[|·•»]", line)]
    return (
        all(0 < len(item.split()) <= 4 and item[-1] not in ".?!" for item in items)
        and any(_NAV_TOKEN_RE.fullmatch(item) for item in items)
    )


def _detect_boilerplate(text: str, edits: _Edits) -> None:
    for m in _BOILERPLATE_LINE_RE.finditer(text):
        if m.group().strip():
            edits.add(Artifact(m.start(), m.end(), BOILERPLATE))
    if "|" in text or "·" in text or "•" in text or "»" in text:
        for m in _NAV_BAR_RE.finditer(text):
            if _is_nav_bar(m.group()):
                edits.add(Artifact(m.start(), m.end(), BOILERPLATE))
    lowered = text.lower()
    if not any(key in lowered for key in _BOILERPLATE_INLINE_KEYS):
        return
    for m in _BOILERPLATE_INLINE_RE.finditer(text):
        if _starts_sentence(text, m.start()):
            start = _absorb_space_before(text, m.start())
            # take the space on one side only: before it mid-line, after it at a line start
            end = m.start() + len(m.group().rstrip()) if start < m.start() else m.end()
            edits.add(Artifact(start, end, BOILERPLATE))


_TABLE_SEPARATOR_RE = re.compile(
    r"^[ \t]*(?:\|[ \t]*)?:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*(?:\|[ \t]*)?\r?(?:\n|$)", re.M
)
_TABLE_ROW_RE = re.compile(r"^[ \t]*\|[^\n]*\|[ \t\r]*$", re.M)
_PIPE_RE = re.compile(r"[ \t]*(?<!\\)\|[ \t]*")
_RULE_RE = re.compile(r"^[ \t]{0,3}(?:(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}|(?:=[ \t]*){3,})\r?(?:\n|$)", re.M)


def _detect_markdown_tables(text: str, edits: _Edits) -> None:
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


# --- tier 3: broken Unicode (ftfy) -----------------------------------------------------------

# ftfy only has something to fix where one of these occurs: UTF-8 lead bytes read as Latin-1/cp1252
# (Â..ô), C1 controls, surrogates, U+FFFD runs, terminal escapes.
_HINT = "[\x80-\x9f\xc2-\xf4\x1b\ufffd\ud800-\udfff]"
_TOKEN = r"[^ \t\n\r]*" + _HINT + r"[^ \t\n\r]*"
# Runs of whitespace-separated tokens holding a mojibake hint, anchored at token starts so that each
# attempt costs at most one token; one trailing space is kept, which "Ã " (à whose no-break space
# became a space) needs.
_MOJIBAKE_RUN_RE = re.compile(r"(?<![^ \t\n\r])" + _TOKEN + r"(?:[ \t]{1,3}" + _TOKEN + r")*(?: (?! ))?")
_RUN_MAX = 10_000


@lru_cache(maxsize=1)
def _ftfy_config():
    import ftfy

    return ftfy.TextFixerConfig(
        unescape_html=False,  # entities are ours, with offsets
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
        remove_control_chars=False,  # invisible characters are ours
        normalization=None,
        explain=False,
    )


def _mojibake_runs(text: str) -> Iterable[tuple[int, int]]:
    """Pieces of at most ~10k characters, cut at spaces, of the runs ftfy should look at.

    ftfy gets these runs rather than whole lines: a line that mixes a mojibake sentence with correct
    text outside Latin-1 (e.g. "ṇ") cannot be re-encoded as a whole, and ftfy then leaves most of the
    mojibake in place.
    """
    for m in _MOJIBAKE_RUN_RE.finditer(text):
        start, end = m.span()
        while end - start > _RUN_MAX:
            cut = text.rfind(" ", start + _RUN_MAX // 2, start + _RUN_MAX)
            cut = cut + 1 if cut >= 0 else start + _RUN_MAX
            yield start, cut
            start = cut
        yield start, end


def _detect_mojibake(text: str, edits: _Edits) -> None:
    if text.isascii() and "\x1b" not in text:
        return
    import ftfy
    from rapidfuzz.distance import Levenshtein

    config = _ftfy_config()
    for start, end in _mojibake_runs(text):
        piece = text[start:end]
        try:
            fixed = ftfy.fix_text(piece, config)
        except Exception:  # ftfy on hostile input: keep the piece, other detectors still run
            continue
        if fixed == piece:
            continue
        group_start = group_end = None
        replacement: list[str] = []
        for tag, i1, i2, j1, j2 in Levenshtein.opcodes(piece, fixed):
            if tag == "equal":
                if group_start is not None:
                    _add_fix(text, edits, start + group_start, start + group_end, "".join(replacement))
                    group_start, replacement = None, []
                continue
            if group_start is None:
                group_start = i1
            group_end = i2
            replacement.append(fixed[j1:j2])
        if group_start is not None:
            _add_fix(text, edits, start + group_start, start + group_end, "".join(replacement))


def _add_fix(text: str, edits: _Edits, start: int, end: int, replacement: str) -> None:
    if start == end:  # a pure insertion: fold it into the previous character
        if start == 0:
            return
        start, replacement = start - 1, text[start - 1] + replacement
    original = text[start:end]
    kind = INVISIBLE if all(unicodedata.category(c)[0] == "C" for c in original) else MOJIBAKE
    edits.add(Artifact(start, end, kind, replacement))


# --- tier 4: structural markup ---------------------------------------------------------------

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


def _detect_html_tags(text: str, edits: _Edits) -> None:
    if "<" not in text:
        return
    for m in _TAG_RE.finditer(text):
        name = m.group(2).lower()
        attrs = m.group(3) or ""
        if name not in _HTML_TAGS and "=" not in attrs and "-" not in name:
            continue
        if name in _HTML_BLOCK_TAGS:
            replacement = _separator(text, m.start(), m.end(), "\n")
        elif name in _HTML_CELL_TAGS:
            replacement = _separator(text, m.start(), m.end(), " ")
        else:
            replacement = ""
        edits.add(Artifact(m.start(), m.end(), HTML_TAG, replacement))
    for m in _DECLARATION_RE.finditer(text):
        edits.add(Artifact(m.start(), m.end(), HTML_TAG))
    for m in _AUTOLINK_RE.finditer(text):  # keep the address, drop the brackets
        edits.add(Artifact(m.start(), m.start() + 1, MARKDOWN_LINK), Artifact(m.end() - 1, m.end(), MARKDOWN_LINK))


_MD_LINK_RE = re.compile(
    r"(!?)\[([^\[\]\n]{0,500})\]\(([^()\s]{1,2000}(?:\([^()\s]{0,500}\)[^()\s]{0,500})?)"
    r"(?:[ \t]+(?:\"[^\"\n]{0,300}\"|'[^'\n]{0,300}'))?\)"
)
_MD_REF_LINK_RE = re.compile(r"(!?)\[([^\[\]\n]{1,500})\]\[([^\[\]\n]{0,100})\]")
_MD_REF_DEF_RE = re.compile(r"^[ \t]{0,3}\[[^\[\]\n]{1,100}\]:[ \t]*\S{1,2000}(?:[ \t][^\n]{0,300})?\r?(?:\n|$)", re.M)
_WIKI_LINK_RE = re.compile(r"\[\[([^\[\]\n|]{1,300})(\|[^\[\]\n]{0,300})?\]\]")
_WIKI_DROP_NAMESPACES = ("file:", "image:", "category:", "media:")
_WIKI_EXTERNAL_RE = re.compile(r"\[(?:https?:)?//[^\s\[\]]{1,2000}([ \t]+[^\[\]\n]{1,300})?\]")


def _detect_links(text: str, edits: _Edits) -> None:
    if "[" not in text:
        return
    for m in _WIKI_LINK_RE.finditer(text):
        target, label = m.group(1), m.group(2)
        if target.strip().lower().startswith(_WIKI_DROP_NAMESPACES):
            edits.add(Artifact(m.start(), m.end(), WIKI_LINK))
        elif label:
            edits.add(Artifact(m.start(), m.start(2) + 1, WIKI_LINK), Artifact(m.end() - 2, m.end(), WIKI_LINK))
        else:
            edits.add(Artifact(m.start(), m.start() + 2, WIKI_LINK), Artifact(m.end() - 2, m.end(), WIKI_LINK))
    for m in _MD_LINK_RE.finditer(text):
        if m.group(1):
            edits.add(Artifact(m.start(), m.end(), MARKDOWN_IMAGE))
        else:
            edits.add(Artifact(m.start(), m.start() + 1, MARKDOWN_LINK), Artifact(m.end(2), m.end(), MARKDOWN_LINK))
    for m in _MD_REF_DEF_RE.finditer(text):
        edits.add(Artifact(m.start(), m.end(), MARKDOWN_LINK))
    for m in _MD_REF_LINK_RE.finditer(text):
        if _CITATION_RE.fullmatch(text, m.start(), m.end(2) + 1):
            continue  # "[17][53]": two citation markers, not a reference link
        if m.group(1):
            edits.add(Artifact(m.start(), m.end(), MARKDOWN_IMAGE))
        else:
            edits.add(Artifact(m.start(), m.start() + 1, MARKDOWN_LINK), Artifact(m.end(2), m.end(), MARKDOWN_LINK))
    for m in _WIKI_EXTERNAL_RE.finditer(text):
        if m.group(1):
            edits.add(Artifact(m.start(), m.start(1) + 1, WIKI_LINK), Artifact(m.end() - 1, m.end(), WIKI_LINK))
        else:
            edits.add(Artifact(_absorb_space_before(text, m.start(), m.end()), m.end(), WIKI_LINK))


_NEEDED = (
    r"citation needed|clarification needed|verification needed|better source needed|full citation needed|"
    r"page needed|year needed|date missing|when\?|who\?|where\?|which\?|why\?|how\?|by whom\?|"
    r"according to whom\?|dubious(?: [–-] discuss)?|discuss|original research\??|failed verification|"
    r"not in citation given|dead link|permanent dead link|needs update|update|vague|specify|sic\?|"
    r"citation needed\?|unreliable source\??|edit"
)
_CITATION_RE = re.compile(
    r"\[(?:\d{1,3}(?:[,–-]\d{1,3}){0,5}|(?:" + _NEEDED + r")(?:[ \t][^\[\]\n]{0,40})?)\]"
    r"(?::[ \t]?\d{1,4}(?:[–-]\d{1,4})?)?",
    re.I,
)
_FOOTNOTE_RE = re.compile(
    r"(?<=[.,;:!?)\"”’'\]])\[(?:[a-z]|[A-Z]|(?:note|nb|n|lower-alpha|upper-alpha|lower-roman) ?\d{1,3})\]"
)


def _detect_citations(text: str, edits: _Edits) -> None:
    if "[" not in text:
        return
    for m in _CITATION_RE.finditer(text):
        edits.add(Artifact(_absorb_space_before(text, m.start(), m.end()), m.end(), WIKI_CITATION))
    for m in _FOOTNOTE_RE.finditer(text):
        edits.add(Artifact(m.start(), m.end(), WIKI_CITATION))


_MD_HEADING_RE = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(?=\S)", re.M)
_MD_HEADING_CLOSE_RE = re.compile(r"(?<![ \t])[ \t]+#{1,6}[ \t\r]*$", re.M)
_SETEXT_RE = re.compile(r"(?<=[^\n]\n)[ \t]{0,3}(?:={3,}|-{3,})[ \t]*\r?(?:\n|$)")
_WIKI_HEADING_RE = re.compile(r"^(={2,6})[ \t]*([^=\n]{1,200}?)[ \t]*\1[ \t\r]*$", re.M)
_MD_QUOTE_RE = re.compile(r"^[ \t]{0,3}>[ \t]?(?=\S)", re.M)
_MD_LIST_RE = re.compile(r"^[ \t]{0,6}[*+\-•][ \t]+(?=\S)", re.M)
_CODE_FENCE_RE = re.compile(r"^[ \t]{0,3}(?:```|~~~)[^\n`]{0,100}\r?(?:\n|$)", re.M)


def _detect_line_markup(text: str, edits: _Edits) -> None:
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
    if "==" in text:
        for m in _WIKI_HEADING_RE.finditer(text):
            edits.add(Artifact(m.start(), m.start(2), WIKI_MARKUP), Artifact(m.end(2), m.end(), WIKI_MARKUP))
    if ">" in text:
        for m in _MD_QUOTE_RE.finditer(text):
            edits.add(Artifact(m.start(), m.end(), MARKDOWN_QUOTE))
    for m in _MD_LIST_RE.finditer(text):
        edits.add(Artifact(m.start(), m.end(), MARKDOWN_LIST))
    if "```" in text or "~~~" in text:
        for m in _CODE_FENCE_RE.finditer(text):
            edits.add(Artifact(m.start(), m.end(), MARKDOWN_CODE))


# LaTeX -----------------------------------------------------------------------------------

_LATEX_DROP_WITH_ARGS = frozenset(
    """cite citep citet citeauthor citeyear citealp nocite ref eqref pageref autoref cref Cref label
    includegraphics bibliography bibliographystyle addbibresource usepackage documentclass input include
    vspace hspace newcommand renewcommand setlength setcounter graphicspath hypersetup pagestyle
    thispagestyle numberwithin""".split()
)
_LATEX_KEEP_ARG = frozenset(
    """textbf textit texttt textsc textrm textsf textup textmd textnormal emph underline uline mbox text
    mathrm mathbf mathit mathsf mathtt section subsection subsubsection chapter paragraph subparagraph part
    title author caption footnote url""".split()
)
_LATEX_DROP_BARE = frozenset(
    """item maketitle noindent newline newpage clearpage centering tableofcontents bigskip medskip smallskip
    par hline toprule midrule bottomrule small large Large LARGE footnotesize normalsize tiny huge Huge
    raggedright raggedleft linebreak pagebreak appendix frontmatter mainmatter backmatter indent vfill hfill
    selectfont protect""".split()
)
_LATEX_CMD_RE = re.compile(r"\\([A-Za-z]{1,40})(\*?)")
_LATEX_OPTIONAL_RE = re.compile(r"[ \t]*\[[^\[\]{}\n]{0,300}\]")
_LATEX_ESCAPE_RE = re.compile(r"\\([%&_#$])|\\\\(?:\[[^\]\n]{0,20}\])?|(?<=\S)~(?=\S)")
# math content stops at the next backslash-bracket, so each attempt costs at most one formula
_LATEX_DISPLAY_MATH_RE = re.compile(
    r"\$\$([^$]{1,2000})\$\$|\\\[((?:[^\\\n]|\\[^\[\]\n]){0,2000})\\\]|\\\(((?:[^\\\n]|\\[^()\n]){0,500})\\\)"
)
_LATEX_INLINE_MATH_RE = re.compile(r"(?<![\w$\\])\$(?=[^\s$])([^$\n]{1,300})(?<=[^\s\\$])\$(?![\d$])")
_BRACE_RE = re.compile(r"\\[{}]|[{}]")


def _brace_partners(text: str) -> dict[int, int]:
    partners: dict[int, int] = {}
    stack: list[int] = []
    for m in _BRACE_RE.finditer(text):
        token = m.group()
        if token == "{":
            stack.append(m.start())
        elif token == "}" and stack:
            partners[stack.pop()] = m.start()
    return partners


def _detect_latex(text: str, edits: _Edits) -> None:
    if not _has_latex(text):
        return
    partners = _brace_partners(text)
    for m in _LATEX_CMD_RE.finditer(text):
        name, cursor = m.group(1), m.end()
        optional = _LATEX_OPTIONAL_RE.match(text, cursor)
        if optional:
            cursor = optional.end()
        has_arg = cursor < len(text) and text[cursor] == "{" and cursor in partners
        if name in ("begin", "end"):
            end = partners[cursor] + 1 if has_arg else m.end()
            more = _LATEX_OPTIONAL_RE.match(text, end) if name == "begin" else None
            end = more.end() if more else end
            edits.add(Artifact(m.start(), end, LATEX_ENVIRONMENT, _separator(text, m.start(), end, "\n")))
        elif name in _LATEX_DROP_WITH_ARGS:
            end = cursor
            for _ in range(3):  # \newcommand{\x}[1]{...} and friends take up to three groups
                if end < len(text) and text[end] == "{" and end in partners:
                    end = partners[end] + 1
                    optional = _LATEX_OPTIONAL_RE.match(text, end)
                    end = optional.end() if optional else end
                else:
                    break
            start = m.start()
            if start > 0 and text[start - 1] == "~":
                start -= 1
            edits.add(Artifact(_absorb_space_before(text, start, end), end, LATEX_COMMAND))
        elif name == "href" and has_arg:
            label = partners[cursor] + 1
            if label < len(text) and text[label] == "{" and label in partners:
                edits.add(Artifact(m.start(), label + 1, LATEX_COMMAND), Artifact(partners[label], partners[label] + 1, LATEX_COMMAND))
        elif has_arg and (name in _LATEX_KEEP_ARG or name not in _LATEX_DROP_BARE):
            closing = partners[cursor]
            edits.add(Artifact(m.start(), cursor + 1, LATEX_COMMAND), Artifact(closing, closing + 1, LATEX_COMMAND))
        elif name in _LATEX_DROP_BARE:
            end = m.end()
            if end < len(text) and text[end] in _WS:
                end += 1
            edits.add(Artifact(m.start(), end, LATEX_COMMAND, _separator(text, m.start(), end, " ")))
    for m in _LATEX_ESCAPE_RE.finditer(text):
        token = m.group()
        replacement = m.group(1) or ("\n" if token.startswith("\\\\") else " ")
        edits.add(Artifact(m.start(), m.end(), LATEX_COMMAND, replacement))
    for m in _LATEX_DISPLAY_MATH_RE.finditer(text):
        group = next(g for g in (1, 2, 3) if m.group(g) is not None)
        edits.add(Artifact(m.start(), m.start(group), LATEX_MATH), Artifact(m.end(group), m.end(), LATEX_MATH))
    if "$" in text:
        for m in _LATEX_INLINE_MATH_RE.finditer(text):
            edits.add(Artifact(m.start(), m.start() + 1, LATEX_MATH), Artifact(m.end() - 1, m.end(), LATEX_MATH))


# --- tier 5: inline residue ---------------------------------------------------------------------

_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _detect_entities(text: str, edits: _Edits) -> None:
    if "&" not in text:
        return
    for m in _ENTITY_RE.finditer(text):
        decoded = html.unescape(m.group())
        if decoded != m.group():
            edits.add(Artifact(m.start(), m.end(), HTML_ENTITY, decoded))


_DELIMITER_RE = re.compile(r"\n|(?<!\\)(?:\*{1,3}|_{1,3}|~~|'{5}|'{2,3}(?!'))")
_MAX_OPENERS_SEARCHED = 16


def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PS"


def _detect_emphasis(text: str, edits: _Edits) -> None:
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


def _close_emphasis(text: str, edits: _Edits, openers: list[tuple[str, int, int]], token: str, start: int, end: int) -> bool:
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


def _detect_code_spans(text: str, edits: _Edits) -> None:
    if "`" not in text:
        return
    for m in _CODE_SPAN_RE.finditer(text):
        edits.add(Artifact(m.start(), m.start() + 1, MARKDOWN_CODE), Artifact(m.end() - 1, m.end(), MARKDOWN_CODE))


@lru_cache(maxsize=1)
def _invisible_re() -> re.Pattern[str]:
    """Format, private-use, unassigned, surrogate and control characters (tab/LF/CR/FF excepted).

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

    one = f"(?:{char_class(bmp)}|(?=[\U00010000-\U0010FFFF]){char_class(astral)})"
    return re.compile(f"{one}+|\ufffd+")


_JOINERS = "\u200c\u200d"


def _shapes_script(ch: str) -> bool:
    return not ch.isascii() and (ch.isalpha() or unicodedata.category(ch)[0] in "MS")


def _detect_invisible(text: str, edits: _Edits) -> None:
    if text.isascii() and text.isprintable():
        return
    n = len(text)
    for m in _invisible_re().finditer(text):
        run = m.group()
        if run[0] == "\ufffd":
            edits.add(Artifact(m.start(), m.end(), MOJIBAKE))
            continue
        if len(run) == 1 and run in _JOINERS and 0 < m.start() and m.end() < n:
            if _shapes_script(text[m.start() - 1]) and _shapes_script(text[m.end()]):
                continue
        edits.add(Artifact(m.start(), m.end(), INVISIBLE))


# --- driver ---------------------------------------------------------------------------------

_DETECTORS: tuple[_Detector, ...] = (
    # containers first: what they contain is dropped with them
    _detect_html_blocks,
    _detect_wiki_templates,
    _detect_latex_comments,
    # whole lines
    _detect_boilerplate,
    _detect_markdown_tables,
    # encoding repair
    _detect_mojibake,
    # structural markup
    _detect_links,
    _detect_html_tags,
    _detect_latex,
    _detect_citations,
    _detect_line_markup,
    # inline residue
    _detect_entities,
    _detect_emphasis,
    _detect_code_spans,
    _detect_invisible,
)


def find_artifacts(text: str) -> list[Artifact]:
    """All artifacts in ``text``, sorted by offset and non-overlapping (offsets index ``text``).

    Raises ``TypeError`` for non-strings (callers that must not raise check first).
    """
    if not isinstance(text, str):
        raise TypeError(f"find_artifacts expects str, got {type(text).__name__}")
    if not text:
        return []
    edits = _Edits(len(text))
    for detect in _DETECTORS:
        detect(text, edits)
    return edits.sorted()


def apply_artifacts(text: str, artifacts: Iterable[Artifact]) -> str:
    """Apply sorted, non-overlapping ``artifacts`` (from :func:`find_artifacts`) to ``text``."""
    out: list[str] = []
    cursor = 0
    for a in artifacts:
        out.append(text[cursor:a.start])
        out.append(a.replacement)
        cursor = a.end
    out.append(text[cursor:])
    return "".join(out)


def scrub_text(text: str) -> ScrubResult:
    """Remove every artifact from ``text``; the result lists them with offsets into ``text``."""
    artifacts = find_artifacts(text)
    return ScrubResult(apply_artifacts(text, artifacts), artifacts, len(text))


# --- questions about markup ("hijacked" questions) ------------------------------------------------

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


# --- rows (what the ScrubArtifacts step does, without distilabel) ---------------------------------

SCRUB = "scrub"
TAG = "tag"
DEFAULT_MAX_ARTIFACT_SHARE = 0.5


def _dominated(result: ScrubResult, original: str, max_share: float) -> bool:
    visible = len(original.strip())
    return bool(visible) and result.artifact_chars / visible > max_share


def scrub_rows(
    rows: list[dict],
    *,
    columns: Iterable[str],
    mode: str = SCRUB,
    output_suffix: str | None = None,
    max_artifact_share: float = DEFAULT_MAX_ARTIFACT_SHARE,
    markup_question_columns: Iterable[str] = ("question", "answer"),
    drop_rows: bool = False,
) -> list[dict]:
    """Scrub (or only tag) ``columns`` of each row, in place, and return the rows.

    Writes ``qabias_artifacts`` (entries ``{field, type, start, end, removed}``, offsets into the
    field's original text; entries of other fields already on the row are kept), the keep flag
    ``keep_row_after_artifact_filtering`` and ``qabias_keep``. The flag is false when a field is
    missing or not text, when nothing but artifacts is left of it, or, for the generated questions
    and answers in ``markup_question_columns``, when artifacts cover more than
    ``max_artifact_share`` of it or it asks about markup; a false flag an earlier scrub left stays
    false. Rows are only removed when ``drop_rows``.
    """
    from distilabel_qabias import schema

    if mode not in (SCRUB, TAG):
        raise ValueError(f"mode must be {SCRUB!r} or {TAG!r}, got {mode!r}")
    columns = list(columns)
    schema.require_columns(rows, columns)
    qa = set(markup_question_columns)
    removed = mode == SCRUB
    for row in rows:
        previous = row.get(schema.ARTIFACTS)
        entries = [e for e in previous if isinstance(e, dict) and e.get("field") not in columns] if isinstance(previous, list) else []
        keep = row.get(schema.KEEP_ARTIFACT) is not False
        for column in columns:
            value = row.get(column)
            target = f"{column}{output_suffix}" if output_suffix else column
            if not isinstance(value, str):
                entries.append({"field": column, "type": schema.invalid_text_reason(value), "start": 0, "end": 0, "removed": False})
                row[target] = value
                keep = False
                continue
            result = scrub_text(value)
            entries += [{"field": column, "type": a.type, "start": a.start, "end": a.end, "removed": removed} for a in result.artifacts]
            row[target] = result.text if removed else value
            if value.strip() and not result.text.strip():
                keep = False  # nothing but artifacts
            if column in qa and (_dominated(result, value, max_artifact_share) or asks_about_markup(value)):
                keep = False
        row[schema.ARTIFACTS] = entries
        row[schema.KEEP_ARTIFACT] = keep
        schema.update_keep(row)
    return [r for r in rows if r[schema.KEEP_ARTIFACT]] if drop_rows else rows
