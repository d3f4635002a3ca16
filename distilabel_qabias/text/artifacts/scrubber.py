"""The scrubbing order: decode broken encodings, then remove invisible characters, then markup and
boilerplate; repeated until a round finds nothing, so scrubbing is idempotent.

Each stage finds edits on the text the previous stage left; :func:`compose` maps them back onto
the original, so every artifact's offsets index the text as given. Decoding first means a soft
hyphen or U+FFFD inside mojibake is decoded with it rather than removed; removing invisible
characters before markup means ``<\\u200bb>`` is seen as the tag it renders as. Repeating catches
residue that removing other residue leaves behind (``<<b>b>``, ``&amp;lt;``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from distilabel_qabias.text.artifacts import boilerplate, html_markup, latex, markdown, wiki
from distilabel_qabias.text.artifacts.edits import Artifact, Detector, apply_artifacts, compose, run_detectors
from distilabel_qabias.text.artifacts.invisible import find_invisible
from distilabel_qabias.text.artifacts.mojibake import find_mojibake

# Markup detectors in priority order: an edit is accepted only where no earlier one lies.
_MARKUP_DETECTORS: tuple[Detector, ...] = (
    # containers first: what they contain is dropped with them
    html_markup.detect_html_blocks,
    wiki.detect_wiki_templates,
    latex.detect_latex_comments,
    # whole lines
    boilerplate.detect_boilerplate,
    markdown.detect_markdown_tables,
    # structural markup
    wiki.detect_wiki_links,
    markdown.detect_markdown_links,
    wiki.detect_external_links,
    html_markup.detect_html_tags,
    latex.detect_latex,
    wiki.detect_citations,
    markdown.detect_line_markup,
    wiki.detect_wiki_headings,
    # inline residue
    html_markup.detect_entities,
    markdown.detect_emphasis,
    markdown.detect_code_spans,
)


def find_markup(text: str) -> list[Artifact]:
    """Markup and boilerplate edits in ``text``, sorted and non-overlapping."""
    return run_detectors(text, _MARKUP_DETECTORS)


# Decoding and invisible characters are decided line by line, from the line alone: a later round
# skips the lines either stage already found clean. Markup can span lines and always runs.
_LINE_STAGES: tuple[Callable[[str], list[Artifact]], ...] = (find_mojibake, find_invisible)
# Rounds after the first only find residue that removing other residue uncovered; deeper
# self-rebuilding nesting than this is left for the next call.
_MAX_ROUNDS = 8


class _LineStage:
    """A line-local stage that, after its first run, skips the lines it has already found clean."""

    def __init__(self, find: Callable[[str], list[Artifact]]):
        self.find = find
        self.clean_lines: set[str] = set()
        self.first_run: tuple[str, list[Artifact]] | None = None  # sorted into clean_lines when needed
        self.runs = 0

    def __call__(self, text: str) -> list[Artifact]:
        self.runs += 1
        if self.runs == 1:  # the whole text at once; most texts need no second round
            found = self.find(text)
            self.first_run = (text, found)
            return found
        if self.first_run is not None:
            self._remember_clean(*self.first_run)
            self.first_run = None
        found = []
        for start, end in _lines(text):
            line = text[start:end]
            if line in self.clean_lines:
                continue
            edits = self.find(line)
            if edits:
                found += [Artifact(a.start + start, a.end + start, a.type, a.replacement) for a in edits]
            else:
                self.clean_lines.add(line)
        return found

    def _remember_clean(self, text: str, found: list[Artifact]) -> None:
        edits = iter(found)
        edit = next(edits, None)
        for start, end in _lines(text):
            while edit is not None and edit.end < start:
                edit = next(edits, None)
            if edit is None or edit.start >= end:  # no edit touches this line
                self.clean_lines.add(text[start:end])


def _lines(text: str):
    start = 0
    while start < len(text):
        end = text.find("\n", start) + 1 or len(text)
        yield start, end
        start = end


@dataclass(frozen=True)
class ScrubResult:
    text: str
    artifacts: list[Artifact]
    original_length: int

    @property
    def artifact_chars(self) -> int:
        return sum(a.end - a.start for a in self.artifacts)


def _scrub(text: str) -> tuple[str, list[Artifact]]:
    artifacts: list[Artifact] = []
    current = text
    stages = [*(_LineStage(find) for find in _LINE_STAGES), find_markup]
    for _ in range(_MAX_ROUNDS):
        changed = False
        for stage in stages:
            found = stage(current)
            if not found:
                continue
            rewritten = apply_artifacts(current, found)
            if rewritten == current:
                continue
            artifacts = compose(artifacts, current, found)
            current, changed = rewritten, True
        if not changed:
            break
    return current, artifacts


def find_artifacts(text: str) -> list[Artifact]:
    """All artifacts in ``text``, sorted by offset and non-overlapping (offsets index ``text``).

    Raises ``TypeError`` for non-strings (callers that must not raise check first).
    """
    if not isinstance(text, str):
        raise TypeError(f"find_artifacts expects str, got {type(text).__name__}")
    return _scrub(text)[1]


def scrub_text(text: str) -> ScrubResult:
    """Remove every artifact from ``text``; the result lists them with offsets into ``text``."""
    if not isinstance(text, str):
        raise TypeError(f"scrub_text expects str, got {type(text).__name__}")
    cleaned, artifacts = _scrub(text)
    return ScrubResult(cleaned, artifacts, len(text))
