"""LaTeX residue: commands (the argument of formatting commands stays, citations and labels go
with theirs), environments, escapes, math delimiters and comments.

Everything here is gated on the text holding a known LaTeX command somewhere (``\\section``,
``\\cite``, ...), so ``$5 and $10``, ``50% of`` and ``C:\\Users`` stay in plain prose.
"""

from __future__ import annotations

import re

from distilabel_qabias.text.artifacts.edits import (
    HORIZONTAL_SPACE,
    LATEX_COMMAND,
    LATEX_COMMENT,
    LATEX_ENVIRONMENT,
    LATEX_MATH,
    Artifact,
    EditSet,
    absorb_space_before,
    line_span,
    separator,
)

_LATEX_GATE_RE = re.compile(
    r"\\(?:documentclass|usepackage|begin|end|section|subsection|subsubsection|chapter|paragraph|"
    r"textbf|textit|texttt|textsc|emph|underline|cite[pt]?|citeauthor|ref|eqref|autoref|cref|label|"
    r"footnote|href|url|item|maketitle|includegraphics|caption|noindent)(?![A-Za-z])"
)
_LATEX_COMMENT_RE = re.compile(r"(?<!\\)%[^\n]*")


def detect_latex_comments(text: str, edits: EditSet) -> None:
    if "%" not in text or not _has_latex(text):
        return
    for m in _LATEX_COMMENT_RE.finditer(text):
        start = absorb_space_before(text, m.start())
        if start > 0 and text[start - 1].isdigit():
            continue  # "58.5% of", "5 %": a percentage even in LaTeX-flavoured text
        line_start = text.rfind("\n", 0, start) + 1
        if text[line_start:start].strip() == "":  # a whole comment line goes with its newline
            edits.add(Artifact(*line_span(text, line_start, m.end()), LATEX_COMMENT))
        else:
            edits.add(Artifact(start, m.end(), LATEX_COMMENT))


def _has_latex(text: str) -> bool:
    return "\\" in text and _LATEX_GATE_RE.search(text) is not None


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


def detect_latex(text: str, edits: EditSet) -> None:
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
            edits.add(Artifact(m.start(), end, LATEX_ENVIRONMENT, separator(text, m.start(), end, "\n")))
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
            edits.add(Artifact(absorb_space_before(text, start, end), end, LATEX_COMMAND))
        elif name == "href" and has_arg:
            label = partners[cursor] + 1
            if label < len(text) and text[label] == "{" and label in partners:
                edits.add(Artifact(m.start(), label + 1, LATEX_COMMAND), Artifact(partners[label], partners[label] + 1, LATEX_COMMAND))
        elif has_arg and (name in _LATEX_KEEP_ARG or name not in _LATEX_DROP_BARE):
            closing = partners[cursor]
            edits.add(Artifact(m.start(), cursor + 1, LATEX_COMMAND), Artifact(closing, closing + 1, LATEX_COMMAND))
        elif name in _LATEX_DROP_BARE:
            end = m.end()
            if end < len(text) and text[end] in HORIZONTAL_SPACE:
                end += 1
            edits.add(Artifact(m.start(), end, LATEX_COMMAND, separator(text, m.start(), end, " ")))
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

