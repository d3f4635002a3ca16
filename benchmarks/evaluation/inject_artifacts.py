"""Artifacts injected into real clean text, with ground truth, to measure the scrubber.

Each injector corrupts a clean text (a Wikipedia summary) with one kind of residue in several
surface forms and returns edits on the clean text; :func:`inject` applies them and returns the
corrupted text, the clean original (the target of scrubbing) and the injected spans in the
corrupted text. Visible words are never added: wrappers surround existing words, boilerplate and
templates are whole insertions, mojibake re-encodes an existing sentence, tables and lists re-lay
existing sentences.

Kinds are split in two: :data:`TUNED_KINDS` (the scrubber's rules were developed against these) and
:data:`HELDOUT_KINDS` (other kinds and surface forms, written before the scrubber was tuned and never
used to tune it). Evaluations report the two separately.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Sequence

TUNED = "tuned"
HELDOUT = "heldout"


@dataclass(frozen=True)
class InjectedSpan:
    start: int  # offsets into the corrupted text
    end: int
    kind: str


@dataclass(frozen=True)
class InjectedDocument:
    clean: str
    corrupted: str
    spans: tuple[InjectedSpan, ...]
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class _Edit:
    start: int  # offsets into the clean text; start == end inserts
    end: int
    text: str


_Injector = Callable[[str, random.Random], Optional[list[_Edit]]]

# --- positions in clean text -----------------------------------------------------------------

_WORD_RE = re.compile(r"(?<![\w'’\-])[^\W\d_](?:[^\W_]|['’\-]){2,}(?<=[^\W_])(?![\w'’\-])")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])[\"”’)]?(?= +[A-Z])")


def _words(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _WORD_RE.finditer(text)]


def _sentence_ends(text: str) -> list[int]:
    """Offsets right after a sentence's final punctuation (not the end of the text)."""
    return [m.end() for m in _SENTENCE_END_RE.finditer(text)]


def _sentences(text: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for end in _sentence_ends(text) + [len(text.rstrip())]:
        while start < end and text[start].isspace():
            start += 1
        if end > start:
            bounds.append((start, end))
        start = end
    return bounds


def _pick_words(text: str, rng: random.Random, k: int) -> list[tuple[int, int]]:
    words = _words(text)
    return sorted(rng.sample(words, min(k, len(words)))) if words else []


def _pick_phrase(text: str, rng: random.Random) -> Optional[tuple[int, int]]:
    """Two or three consecutive words within one sentence."""
    words = _words(text)
    if len(words) < 3:
        return None
    i = rng.randrange(len(words) - 2)
    j = i + rng.choice((1, 2))
    start, end = words[i][0], words[j][1]
    return None if any(c in text[start:end] for c in ".!?\n()[]\"") else (start, end)


def _wrap(spans: Iterable[tuple[int, int]], forms: Sequence[tuple[str, str]], rng: random.Random) -> list[_Edit]:
    edits = []
    for start, end in spans:
        left, right = rng.choice(forms)
        edits += [_Edit(start, start, left), _Edit(end, end, right)]
    return edits


def _at_sentence_ends(text: str, rng: random.Random, k: int, make: Callable[[random.Random], str]) -> list[_Edit]:
    ends = _sentence_ends(text) + [len(text.rstrip())]
    return [_Edit(p, p, make(rng)) for p in sorted(rng.sample(ends, min(k, len(ends))))]


def _relayout(text: str, rng: random.Random, render: Callable[[list[str]], tuple[str, str, str]]) -> Optional[list[_Edit]]:
    """Re-lay 2-3 consecutive sentences: ``render(sentences) -> (before, separator, after)``."""
    sentences = _sentences(text)
    if len(sentences) < 2:
        return None
    k = min(len(sentences), rng.choice((2, 3)))
    i = rng.randrange(len(sentences) - k + 1)
    chosen = sentences[i:i + k]
    if any(c in text[chosen[0][0]:chosen[-1][1]] for c in "|<>\n"):
        return None
    before, separator, after = render([text[s:e] for s, e in chosen])
    edits = [_Edit(chosen[0][0], chosen[0][0], before)]
    for (_, prev_end), (next_start, _) in zip(chosen, chosen[1:]):
        edits.append(_Edit(prev_end, next_start, separator))
    edits.append(_Edit(chosen[-1][1], chosen[-1][1], after))
    return edits


def _replace_chars(text: str, rng: random.Random, table: dict[str, Sequence[str]], k: int) -> Optional[list[_Edit]]:
    positions = [i for i, c in enumerate(text) if c in table]
    if not positions:
        return None
    return [_Edit(i, i + 1, rng.choice(table[text[i]])) for i in sorted(rng.sample(positions, min(k, len(positions))))]


# --- tuned kinds ------------------------------------------------------------------------------

def _html_inline(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    forms = [("<b>", "</b>"), ("<i>", "</i>"), ("<em>", "</em>"), ("<strong>", "</strong>"),
             ('<a href="https://en.wikipedia.org/wiki/Example">', "</a>"), ('<span class="highlight">', "</span>")]
    return _wrap(_pick_words(text, rng, 3), forms, rng) or None


def _html_block(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    ends = _sentence_ends(text)
    edits = [_Edit(0, 0, rng.choice(['<div class="mw-parser-output"><p>', "<p>", "<div>"]))]
    for p in sorted(rng.sample(ends, min(2, len(ends)))):
        nxt = p + len(text[p:]) - len(text[p:].lstrip(" "))
        edits.append(_Edit(p, nxt, rng.choice(["</p>\n<p>", "</p><p>", "<br>", "<br />\n"])))
    junk = rng.choice([
        "<script>window.dataLayer = window.dataLayer || []; if (a < b) { track('view'); }</script>",
        "<style>.infobox { float: right; width: 22em; }</style>",
        "<!-- Infobox begins here -->",
        '<script type="text/javascript">var wgPageName = "Main_Page";</script>',
    ])
    where = rng.choice([0] + ends) if ends else 0
    edits.append(_Edit(where, where, junk))
    edits.append(_Edit(len(text), len(text), rng.choice(["</p></div>", "</p>", "</div>"])))
    return edits


def _html_entity(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    table = {"&": ["&amp;"], "–": ["&ndash;"], "—": ["&mdash;"], '"': ["&quot;"], "\xa0": ["&nbsp;"], " ": ["&nbsp;"]}
    specials = {c: v for c, v in table.items() if c != " " and c in text}
    edits = _replace_chars(text, rng, specials, 3) if specials else []
    taken = {e.start for e in edits or []}
    spaces = [e for e in (_replace_chars(text, rng, {" ": table[" "]}, 2) or []) if e.start not in taken]
    return sorted((edits or []) + spaces, key=lambda e: e.start) or None


def _markdown_emphasis(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    forms = [("**", "**"), ("*", "*"), ("_", "_"), ("__", "__"), ("`", "`")]
    spans = _pick_words(text, rng, 2)
    phrase = _pick_phrase(text, rng)
    if phrase and not any(s < phrase[1] and phrase[0] < e for s, e in spans):
        spans = sorted(spans + [phrase])
    return _wrap(spans, forms, rng) or None


def _markdown_link(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    phrase = _pick_phrase(text, rng)
    if phrase is None:
        return None
    slug = re.sub(r"[^\w\-]+", "_", text[phrase[0]:phrase[1]])
    url = rng.choice([f"https://en.wikipedia.org/wiki/{slug}", f"https://en.wikipedia.org/wiki/{slug}_(disambiguation)",
                      f"/wiki/{slug}", f'https://example.org/{slug.lower()} "{slug}"'])
    edits = [_Edit(phrase[0], phrase[0], "["), _Edit(phrase[1], phrase[1], f"]({url})")]
    ends = [p for p in _sentence_ends(text) if not phrase[0] <= p <= phrase[1]]
    if ends:
        p = rng.choice(ends)
        edits.append(_Edit(p, p, rng.choice([" ![map](https://upload.wikimedia.org/map.png)", "\n\n![Figure 1](figure1.jpg)\n"])))
    return sorted(edits, key=lambda e: e.start)


def _markdown_heading(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    sentences = _sentences(text)
    if len(sentences) < 2:
        return None
    first_end, second_start = sentences[0][1], sentences[1][0]
    return [_Edit(0, 0, rng.choice(["# ", "## ", "### "])), _Edit(first_end, second_start, "\n\n")]


def _markdown_table(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    edits = _relayout(text, rng, lambda s: ("\n| ", " |\n| ", " |\n"))
    if edits is None:
        return None
    # one separator row, under the first row
    separator = rng.choice(["|---|", "| --- |", "|:---|"])
    edits[1] = _Edit(edits[1].start, edits[1].end, " |\n" + separator + "\n| ")
    return edits


def _latex(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    forms = [("\\textbf{", "}"), ("\\emph{", "}"), ("\\textit{", "}"), ("\\texttt{", "}")]
    edits = _wrap(_pick_words(text, rng, 2), forms, rng)
    cite_at = [p - 1 for p in _sentence_ends(text) + [len(text.rstrip())] if text[p - 1] == "."]
    for p in rng.sample(cite_at, min(2, len(cite_at))):
        edits.append(_Edit(p, p, rng.choice(["~\\cite{smith2020}", "\\cite{doe1999,roe2004}", " \\citep[p.~4]{lee2011}"])))
    ends = _sentence_ends(text)
    if ends:
        p = rng.choice(ends)
        edits.append(_Edit(p, p, rng.choice(["\n% TODO: check this date\n", " \\label{sec:intro}", "\n\\noindent "])))
    return sorted(edits, key=lambda e: e.start)


def _wiki_citation(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    def marker(r: random.Random) -> str:
        return r.choice([f"[{r.randint(1, 40)}]", f"[{r.randint(1, 40)}][{r.randint(41, 90)}]", "[citation needed]"])

    return _at_sentence_ends(text, rng, 3, marker) or None


def _wiki_template(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    edits = _at_sentence_ends(text, rng, 1, lambda r: r.choice([
        "{{cite web|url=https://example.org/a|title=Example|access-date=1 May 2020}}",
        "{{cite book |last=Smith |first=J. |title=A History |year=1999 |page=12}}",
        "{{sfn|Smith|1999|p=12}}",
    ]))
    edits.insert(0, _Edit(0, 0, rng.choice(["{{Short description|Topic of this article}}\n", "{{Use dmy dates|date=May 2020}}"])))
    return edits


def _boilerplate_nav(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    header = rng.choice([
        "Jump to navigation\nJump to search\n",
        "Skip to main content\n",
        "Jump to navigation Jump to search\n",
        "Home | About | Contact | News\n",
        "Main menu\nSearch\n",
    ])
    return [_Edit(0, 0, header)]


def _boilerplate_footer(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    lines = rng.sample([
        "We use cookies to improve your experience. By continuing to use this site you agree to our Cookie Policy.",
        "Share on Facebook | Share on Twitter | Email",
        "Subscribe to our newsletter for weekly updates.",
        'Retrieved from "https://en.wikipedia.org/w/index.php?title=Example&oldid=123456"',
        "© 2024 Example Media. All rights reserved. | Privacy Policy | Terms of Use",
        "Accept all cookies",
    ], 2)
    return [_Edit(len(text), len(text), "\n" + "\n".join(lines))]


def _sloppy_1252(s: str) -> str:
    import ftfy.bad_codecs  # noqa: F401  registers "sloppy-windows-1252"

    return s.encode("utf-8").decode("sloppy-windows-1252")


def _mojibake(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    sentences = [(s, e) for s, e in _sentences(text) if not text[s:e].isascii()]
    if not sentences:
        return None
    s, e = rng.choice(sentences)
    return [_Edit(s, e, _sloppy_1252(text[s:e]))]


def _invisible(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    words = [w for w in _words(text) if w[1] - w[0] >= 6]
    if not words:
        return None
    edits = []
    for start, end in sorted(rng.sample(words, min(3, len(words)))):
        p = rng.randrange(start + 2, end - 2)
        edits.append(_Edit(p, p, rng.choice(["\u200b", "\u00ad", "\u200c", "\u200d", "\u200b\u200b"])))
    if rng.random() < 0.5:
        edits.insert(0, _Edit(0, 0, "\ufeff"))
    return edits


# --- held-out kinds (never used to tune the scrubber) ------------------------------------------------

def _h_html_table(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    return _relayout(text, rng, lambda s: ("<table><tr><td>", "</td><td>" if rng.random() < 0.5 else "</td></tr>\n<tr><td>", "</td></tr></table>"))


def _h_html_uppercase(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    forms = [("<B>", "</B>"), ('<FONT COLOR="red">', "</FONT>"), ("<A HREF='/wiki/X' TARGET=_blank>", "</A>"),
             ('<span style="font-weight:bold">', "</span>"), ("<sup>", "</sup>"), ("<mark>", "</mark>")]
    edits = _wrap(_pick_words(text, rng, 2), forms, rng)
    ends = _sentence_ends(text)
    if ends:
        p = rng.choice(ends)
        edits.append(_Edit(p, p, rng.choice(["<BR>", "<br/>", "<hr>"])))
    return sorted(edits, key=lambda e: e.start) or None


def _h_numeric_entity(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    table = {"–": ["&#8211;", "&#x2013;"], "—": ["&#8212;", "&#x2014;"], "'": ["&#39;", "&#x27;"],
             '"': ["&#34;", "&quot;"], "\xa0": ["&#160;"], ",": ["&#44;"], "(": ["&lpar;"]}
    return _replace_chars(text, rng, {c: v for c, v in table.items() if c in text}, 3)


def _h_wiki_markup(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    forms = [("'''", "'''"), ("''", "''"), ("[[", "]]"), ("[[Article title|", "]]")]
    edits = _wrap(_pick_words(text, rng, 3), forms, rng)
    sentences = _sentences(text)
    if len(sentences) >= 2 and rng.random() < 0.5:
        edits = [e for e in edits if e.start >= sentences[1][0]]
        edits = [_Edit(0, 0, "== "), _Edit(sentences[0][1], sentences[1][0], " ==\n")] + edits
    return edits or None


def _h_mojibake_other(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    sentences = [(s, e) for s, e in _sentences(text) if not text[s:e].isascii()]
    if not sentences:
        return None
    s, e = rng.choice(sentences)
    broken = _sloppy_1252(_sloppy_1252(text[s:e])) if rng.random() < 0.5 else text[s:e].encode("utf-8").decode("latin-1")
    return [_Edit(s, e, broken)]


def _h_invisible_other(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    words = [w for w in _words(text) if w[1] - w[0] >= 5]
    if not words:
        return None
    chars = ["\u200e", "\u200f", "\u202a", "\u202c", "\u2060", "\u2063", "\ue000", "\ufeff", "\x07", "\u180e"]
    edits = []
    for start, end in sorted(rng.sample(words, min(3, len(words)))):
        p = rng.randrange(start + 1, end - 1)
        edits.append(_Edit(p, p, rng.choice(chars)))
    return edits


def _h_markdown_other(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    choice = rng.randrange(4)
    sentences = _sentences(text)
    if choice == 0 and len(sentences) >= 2:  # setext heading
        return [_Edit(sentences[0][1], sentences[1][0], "\n" + rng.choice(["=====", "-----"]) + "\n\n")]
    if choice == 1:  # bullet list
        return _relayout(text, rng, lambda s: ("\n- ", "\n- ", "\n"))
    if choice == 2 and len(sentences) >= 2:  # block quote
        return [_Edit(sentences[1][0] - 1 if sentences[1][0] else 0, sentences[1][0], "\n> ")]
    phrase = _pick_phrase(text, rng)
    if phrase is None:
        return None
    forms = [("[", "][1]"), ("~~", "~~"), ("***", "***")]
    left, right = rng.choice(forms)
    edits = [_Edit(phrase[0], phrase[0], left), _Edit(phrase[1], phrase[1], right)]
    if left == "[":
        edits.append(_Edit(len(text), len(text), "\n\n[1]: https://example.org/reference"))
    return edits


def _h_boilerplate_other(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    lines = rng.sample([
        "Back to top", "Print this page", "Advertisement",
        "Share this article: Facebook · Twitter · LinkedIn",
        "Follow us on Instagram",
        "This page was last edited on 3 May 2024, at 10:12 (UTC).",
        "Text is available under the Creative Commons Attribution-ShareAlike License 4.0; additional terms may apply.",
        "Click here to subscribe!",
        "Sign up for our free newsletter and never miss a story.",
    ], 2)
    where = rng.choice(["start", "end"])
    return [_Edit(0, 0, "\n".join(lines) + "\n")] if where == "start" else [_Edit(len(text), len(text), "\n" + "\n".join(lines))]


def _h_latex_other(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    forms = [("\\href{https://example.org}{", "}"), ("\\underline{", "}"), ("\\textit{\\textbf{", "}}"), ("$", "$")]
    edits = _wrap(_pick_words(text, rng, 2), forms, rng)
    ends = _sentence_ends(text)
    if ends:
        p = rng.choice(ends)
        edits.append(_Edit(p, p, rng.choice([" \\ref{fig:map}", "\n\\begin{center}\n", "~\\eqref{eq:1}", "\n\\bigskip\n"])))
    return sorted(edits, key=lambda e: e.start) or None


def _h_citation_other(text: str, rng: random.Random) -> Optional[list[_Edit]]:
    def marker(r: random.Random) -> str:
        return r.choice(["[when?]", "[clarification needed]", "[note 3]", f"[{r.randint(1, 30)}]:{r.randint(2, 300)}",
                         "[a]", f" [{r.randint(1, 30)}]", "[by whom?]", "[dubious – discuss]"])

    return _at_sentence_ends(text, rng, 3, marker) or None


INJECTORS: dict[str, tuple[str, _Injector]] = {
    "html_inline": (TUNED, _html_inline),
    "html_block": (TUNED, _html_block),
    "html_entity": (TUNED, _html_entity),
    "markdown_emphasis": (TUNED, _markdown_emphasis),
    "markdown_link": (TUNED, _markdown_link),
    "markdown_heading": (TUNED, _markdown_heading),
    "markdown_table": (TUNED, _markdown_table),
    "latex": (TUNED, _latex),
    "wiki_citation": (TUNED, _wiki_citation),
    "wiki_template": (TUNED, _wiki_template),
    "boilerplate_nav": (TUNED, _boilerplate_nav),
    "boilerplate_footer": (TUNED, _boilerplate_footer),
    "mojibake": (TUNED, _mojibake),
    "invisible": (TUNED, _invisible),
    "html_table": (HELDOUT, _h_html_table),
    "html_uppercase_attrs": (HELDOUT, _h_html_uppercase),
    "html_numeric_entity": (HELDOUT, _h_numeric_entity),
    "wiki_markup": (HELDOUT, _h_wiki_markup),
    "mojibake_double_latin1": (HELDOUT, _h_mojibake_other),
    "invisible_bidi_pua": (HELDOUT, _h_invisible_other),
    "markdown_setext_list_quote": (HELDOUT, _h_markdown_other),
    "boilerplate_other": (HELDOUT, _h_boilerplate_other),
    "latex_other": (HELDOUT, _h_latex_other),
    "citation_variants": (HELDOUT, _h_citation_other),
}
TUNED_KINDS: tuple[str, ...] = tuple(k for k, (split, _) in INJECTORS.items() if split == TUNED)
HELDOUT_KINDS: tuple[str, ...] = tuple(k for k, (split, _) in INJECTORS.items() if split == HELDOUT)


# kinds that re-lay a stretch of text (an edit of another kind inside it would break the structure)
_STRUCTURAL_KINDS = frozenset({"markdown_heading", "markdown_table", "html_table", "markdown_setext_list_quote", "wiki_markup"})


def _collide(e: _Edit, a: _Edit) -> bool:
    """Overlapping replacements, an insertion inside a replacement, or two insertions at one spot."""
    return (
        (e.start < a.end and a.start < e.end)
        or (e.start == e.end and a.start < e.start < a.end)
        or (a.start == a.end and e.start < a.start < e.end)
        or (e.start == e.end == a.start == a.end)
    )


def inject(clean: str, kinds: Sequence[str], *, seed: int = 0) -> Optional[InjectedDocument]:
    """Corrupt ``clean`` with each of ``kinds`` (edits that collide with earlier ones are skipped).

    Returns ``None`` when no kind applies (e.g. mojibake needs a non-ASCII sentence).
    """
    rng = random.Random(seed)
    accepted: list[tuple[_Edit, str]] = []
    regions: list[tuple[int, int]] = []  # spans re-laid by a structural kind (a table, a list, a heading)
    for kind in kinds:
        edits = INJECTORS[kind][1](clean, rng)
        if not edits:
            continue
        region = (min(e.start for e in edits), max(e.end for e in edits)) if kind in _STRUCTURAL_KINDS else None
        collides = any(_collide(e, a) for e in edits for a, _ in accepted) or any(
            lo < e.start < hi or lo < e.end < hi for e in edits for lo, hi in regions
        ) or (region is not None and any(region[0] <= a.start <= region[1] for a, _ in accepted))
        if not collides:
            accepted += [(e, kind) for e in edits]
            if region is not None:
                regions.append(region)
    if not accepted:
        return None
    accepted.sort(key=lambda pair: (pair[0].start, pair[0].end))
    parts: list[str] = []
    spans: list[InjectedSpan] = []
    cursor = length = 0
    for edit, kind in accepted:
        parts.append(clean[cursor:edit.start])
        length += edit.start - cursor
        parts.append(edit.text)
        spans.append(InjectedSpan(length, length + len(edit.text), kind))
        length += len(edit.text)
        cursor = edit.end
    parts.append(clean[cursor:])
    used = tuple(dict.fromkeys(kind for _, kind in accepted))
    return InjectedDocument(clean, "".join(parts), tuple(spans), used)


# --- scoring ---------------------------------------------------------------------------------------

def normalise_whitespace(text: str) -> str:
    return " ".join(text.split())


def similarity(a: str, b: str) -> float:
    """rapidfuzz normalised Indel similarity (0..1) after whitespace normalisation."""
    from rapidfuzz.distance import Indel

    return Indel.normalized_similarity(normalise_whitespace(a), normalise_whitespace(b))


@dataclass
class KindScore:
    kind: str
    split: str
    documents: int = 0
    similarity_before: float = 0.0  # mean similarity of the corrupted text to the clean original
    similarity_after: float = 0.0  # mean similarity of the scrubbed text to the clean original
    exact: float = 0.0  # share of documents scrubbed back to the clean text (whitespace aside)
    span_recall: float = 0.0  # share of injected (non-whitespace) spans that a detected artifact overlaps


def score_kind(documents: Sequence[str], kind: str, scrub: Callable[[str], tuple[str, list[tuple[int, int]]]], *, seed: int = 0) -> KindScore:
    """Inject ``kind`` into each document and score ``scrub(text) -> (clean_text, [(start, end), ...])``."""
    score = KindScore(kind, INJECTORS[kind][0])
    spans_total = spans_hit = 0
    for i, document in enumerate(documents):
        injected = inject(document, [kind], seed=seed * 1_000_003 + i)
        if injected is None:
            continue
        scrubbed, found = scrub(injected.corrupted)
        score.documents += 1
        score.similarity_before += similarity(injected.corrupted, document)
        score.similarity_after += similarity(scrubbed, document)
        score.exact += normalise_whitespace(scrubbed) == normalise_whitespace(document)
        covered = bytearray(len(injected.corrupted) + 1)
        for start, end in found:
            covered[start:end] = b"\x01" * (end - start)
        for span in injected.spans:
            if not injected.corrupted[span.start:span.end].strip():
                continue  # a re-laid line break, not residue
            spans_total += 1
            spans_hit += covered.find(1, span.start, span.end) >= 0
    if score.documents:
        score.similarity_before /= score.documents
        score.similarity_after /= score.documents
        score.exact /= score.documents
    score.span_recall = spans_hit / spans_total if spans_total else 0.0
    return score
