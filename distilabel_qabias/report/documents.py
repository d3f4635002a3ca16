"""Group the report's input columns by document and resolve each row's evidence to a sentence.

``ReportColumns`` is what the report reads: one sequence per column, in row order (the Step
extracts them from its rows). ``index_documents`` segments each distinct document once, turns
every row into a hit sentence (or -1), and counts the rows it could not use, by cause.

Definitions: a *hit* is a row whose evidence sentence resolves inside its document (and, with
``grounded_only``, whose grounded flag is not False); positions are sentence midpoints divided by
the document length; documents are identified by their text, or by their id when given.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Hashable, Iterable, Optional, Sequence

import numpy as np

from distilabel_qabias.text.segment import Sentence, split_sentences

ArtifactSpan = tuple[Any, Any, str, bool]  # (start, end, type, removed) in the document field
InstructionSpan = tuple[Any, Any, str]  # (start, end, kind)

# Row problems: why a row's document could not be used, by reason code of the document cell.
DOCUMENT_PROBLEMS = {"missing": "missing document", "not_text": "non-string document", "empty": "empty document"}


@dataclass(frozen=True)
class ReportColumns:
    """The report's inputs, one sequence per column in row order; ``None`` = the column is absent.

    ``documents`` holds each row's document text, or None when unusable; ``document_reasons`` then
    says why (``missing``, ``not_text``, ``empty``; default ``missing`` for None). Evidence, chunk
    and target offsets may be any value: non-integers count as absent. ``artifacts`` holds, per
    row, the artifact spans recorded for the document field (None when the cell is not a list).
    ``kept`` is each row's combined keep flag and ``rejected_by`` how many rows each keep flag rejects.
    """

    documents: Sequence[Optional[str]]
    evidence_sentences: Sequence[Any]
    document_reasons: Optional[Sequence[Optional[str]]] = None
    evidence_starts: Optional[Sequence[Any]] = None
    evidence_ends: Optional[Sequence[Any]] = None
    grounded: Optional[Sequence[Any]] = None
    grounding_reasons: Optional[Sequence[Any]] = None
    questions: Optional[Sequence[Any]] = None
    document_ids: Optional[Sequence[Any]] = None
    prompts: Optional[Sequence[Any]] = None
    chunk_starts: Optional[Sequence[Any]] = None
    chunk_ends: Optional[Sequence[Any]] = None
    artifacts: Optional[Sequence[Optional[Sequence[ArtifactSpan]]]] = None
    instruction_spans: Optional[Sequence[Optional[Sequence[InstructionSpan]]]] = None
    cluster_ids: Optional[Sequence[Any]] = None
    cluster_prompts: Optional[Sequence[Any]] = None
    duplicate_of: Optional[Sequence[Any]] = None
    keep_convergence: Optional[Sequence[Any]] = None
    target_sentences: Optional[Sequence[Any]] = None
    target_starts: Optional[Sequence[Any]] = None
    kept: Optional[Sequence[bool]] = None
    rejected_by: Optional[dict[str, int]] = None

    def __post_init__(self) -> None:
        n = len(self.documents)
        for f in self.__dataclass_fields__:
            value = getattr(self, f)
            if f != "rejected_by" and value is not None and len(value) != n:
                raise ValueError(f"column {f!r} has {len(value)} values for {n} rows")
        if (self.chunk_starts is None) != (self.chunk_ends is None):
            raise ValueError("give both chunk_starts and chunk_ends, or neither")

    def __len__(self) -> int:
        return len(self.documents)


@lru_cache(maxsize=8192)
def _sentences(text: str) -> tuple[Sentence, ...]:
    # Documents repeat across many rows and across report rebuilds; segment each text once.
    return tuple(split_sentences(text))


def as_int(value: Any) -> int | None:
    """An integer cell as int (also numpy ints and integral floats from a parquet round trip), else None."""
    if type(value) is int:  # the common case, first
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
        return int(value)
    return None


def is_null(value: Any) -> bool:
    """None, NaN (pandas' null in float columns) or pandas.NA."""
    if value is None:
        return True
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    return type(value).__name__ == "NAType"


def hashable(value: Any) -> Hashable:
    if type(value) in (str, int):
        return value
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def short(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass(eq=False)
class Document:
    """One distinct document, its sentences and the rows that draw on it (parallel lists)."""

    label: str
    text: str
    sentences: tuple[Sentence, ...]
    rows: list[int] = field(default_factory=list)
    hits: list[int] = field(default_factory=list)  # evidence sentence per row, -1 = no hit
    evidence_spans: list[tuple[int, int] | None] = field(default_factory=list)
    prompts: list[Hashable] = field(default_factory=list)
    chunks: list[tuple[int, int] | None] = field(default_factory=list)
    targets: list[int] = field(default_factory=list)  # target sentence per row, -1 = none
    artifact_spans: set[tuple[int, int, str]] = field(default_factory=set)
    has_artifact_column: bool = False
    instruction_kinds: Counter[str] | None = None  # None = never scanned

    def __post_init__(self) -> None:
        self.starts = np.fromiter((s.start for s in self.sentences), dtype=np.int64, count=len(self.sentences))
        self.ends = np.fromiter((s.end for s in self.sentences), dtype=np.int64, count=len(self.sentences))
        self.positions = (self.starts + self.ends) / 2.0 / max(len(self.text), 1)
        self.position_list = self.positions.tolist()  # for per-hit Python loops

    @property
    def n(self) -> int:
        return len(self.sentences)

    def counts(self, hits: Iterable[int] | None = None) -> np.ndarray:
        array = np.asarray(self.hits if hits is None else list(hits), dtype=np.int64)
        return np.bincount(array[array >= 0], minlength=self.n)

    def sentence_at(self, offset: int | None) -> int:
        """Index of the sentence containing ``offset`` (-1 when it falls between sentences or outside)."""
        if offset is None:
            return -1
        index = int(np.searchsorted(self.ends, offset, side="right"))
        return index if index < self.n and self.starts[index] <= offset else -1


@dataclass
class DocumentIndex:
    """Every distinct document with its rows, each row's document (None when unusable) and the problems."""

    documents: list[Document]
    row_document: list[Document | None]
    problems: Counter[str]
    removed_artifact_spans: int


def index_documents(columns: ReportColumns, *, grounded_only: bool) -> DocumentIndex:
    c = columns
    n_rows = len(c)
    docs: dict[Hashable, Document] = {}
    row_document: list[Document | None] = [None] * n_rows
    problems: Counter[str] = Counter()
    removed = 0
    grounded = c.grounded if grounded_only else None
    for i, text in enumerate(c.documents):
        if text is None or not isinstance(text, str) or not text.strip():
            reason = c.document_reasons[i] if c.document_reasons is not None else None
            if reason is None:
                reason = "missing" if text is None else "not_text" if not isinstance(text, str) else "empty"
            problems[DOCUMENT_PROBLEMS.get(reason, f"{reason} document")] += 1
            continue
        doc_id = c.document_ids[i] if c.document_ids is not None else None
        key = text if is_null(doc_id) else ("id", hashable(doc_id))  # rows without an id fall back to the text
        doc = docs.get(key)
        if doc is None:
            label = short(text, 60) if is_null(doc_id) else str(doc_id)
            doc = docs[key] = Document(label, text, _sentences(text))
            if not doc.n:
                problems["document without sentences"] += 1
        row_document[i] = doc
        hit, span = _resolve_evidence(c, i, doc, problems)
        if hit >= 0 and grounded is not None and grounded[i] is False:
            problems["ungrounded evidence (not counted)"] += 1
            hit, span = -1, None
        doc.rows.append(i)
        doc.hits.append(hit)
        doc.evidence_spans.append(span)
        doc.prompts.append(hashable(c.prompts[i]) if c.prompts is not None else None)
        if c.chunk_starts is not None:
            doc.chunks.append(_resolve_chunk(c.chunk_starts[i], c.chunk_ends[i], doc, problems))  # type: ignore[index]
        if c.target_sentences is not None:
            doc.targets.append(_resolve_target(c, i, doc))
        if c.artifacts is not None:
            removed += _read_artifacts(c.artifacts[i], doc)
        if c.instruction_spans is not None:
            _read_instruction_spans(c.instruction_spans[i], doc)
    return DocumentIndex(list(docs.values()), row_document, problems, removed)


def _resolve_evidence(c: ReportColumns, i: int, doc: Document, problems: Counter[str]) -> tuple[int, tuple[int, int] | None]:
    raw = c.evidence_sentences[i]
    start = as_int(c.evidence_starts[i]) if c.evidence_starts is not None else None
    end = as_int(c.evidence_ends[i]) if c.evidence_ends is not None else None
    offsets_ok = start is not None and end is not None and 0 <= start < end <= len(doc.text)
    index = as_int(raw)
    if index is None:
        if not is_null(raw):
            problems["evidence sentence is not an integer"] += 1
        return -1, None
    if not 0 <= index < doc.n:
        # The segmentation differs from the one that tagged the row: fall back to the offsets.
        index = doc.sentence_at(start) if offsets_ok else -1
        if index < 0:
            problems["evidence sentence outside the document's segmentation"] += 1
            return -1, None
        problems["evidence sentence re-resolved from offsets"] += 1
    sentence = doc.sentences[index]
    return index, (start, end) if offsets_ok else (sentence.start, sentence.end)  # type: ignore[return-value]


def _resolve_chunk(start: Any, end: Any, doc: Document, problems: Counter[str]) -> tuple[int, int] | None:
    start, end = as_int(start), as_int(end)
    if start is None or end is None or end <= start or start < 0:
        problems["missing or invalid chunk offsets"] += 1
        return None
    return start, min(end, len(doc.text))


def _resolve_target(c: ReportColumns, i: int, doc: Document) -> int:
    index = as_int(c.target_sentences[i])  # type: ignore[index]
    if index is not None and 0 <= index < doc.n:
        return index
    if index is None:
        return -1
    start = as_int(c.target_starts[i]) if c.target_starts is not None else None
    return doc.sentence_at(start)


def _read_artifacts(spans: Any, doc: Document) -> int:
    """Add the kept (tag-mode) spans to the document; returns how many removed spans were skipped."""
    if spans is None:
        return 0
    doc.has_artifact_column = True
    removed = 0
    for start, end, kind, was_removed in spans:
        if was_removed:
            # Offsets of removed spans index the original text, not the scrubbed document.
            removed += 1
            continue
        start, end = as_int(start), as_int(end)
        if start is not None and end is not None and 0 <= start < end <= len(doc.text):
            doc.artifact_spans.add((start, end, str(kind)))
    return removed


def _read_instruction_spans(spans: Any, doc: Document) -> None:
    if spans is None or doc.instruction_kinds is not None:
        return  # one scan per document: the spans are a property of the document, repeated per row
    doc.instruction_kinds = Counter(str(kind) for _, _, kind in spans)
