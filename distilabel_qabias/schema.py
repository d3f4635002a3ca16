"""Every per-row column this package writes: name, type and meaning, in one place.

The names are part of the public contract (datasets pushed to the Hub carry them), so steps
import them from here instead of spelling strings, and the README table is rendered from
:func:`columns_markdown_table`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, MutableMapping


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: str
    written_by: str


PREFIX = "qabias_"
KEEP_FLAG_PREFIX = "keep_row_after_"
KEEP_FLAG_SUFFIX = "_filtering"

# --- hygiene (ScrubArtifacts, FilterInstructionSpans) --------------------------------------
ARTIFACTS = "qabias_artifacts"
INSTRUCTION_SPANS = "qabias_instruction_spans"
INSTRUCTION_REASON = "qabias_instruction_reason"
# --- fixed targets (SampleTargetSpans) ------------------------------------------------------
TARGET_TEXT = "target_text"
TARGET_START = "qabias_target_start"
TARGET_END = "qabias_target_end"
TARGET_SENTENCE = "qabias_target_sentence"
TARGET_REASON = "qabias_target_reason"
# --- exposure (generators that show the model only a chunk, e.g. pipelines/self_study.py) ---
CHUNK_START = "qabias_chunk_start"
CHUNK_END = "qabias_chunk_end"
# --- coverage (TagSpanCoverage, QABiasReport) -----------------------------------------------
EVIDENCE_START = "qabias_evidence_start"
EVIDENCE_END = "qabias_evidence_end"
EVIDENCE_SENTENCE = "qabias_evidence_sentence"
RELATIVE_POSITION = "qabias_relative_position"
ALIGNMENT_SCORE = "qabias_alignment_score"
GROUNDED = "qabias_grounded"
GROUNDING_REASON = "qabias_grounding_reason"
SPAN_HITS = "qabias_span_hits"
# --- convergence (DeduplicateConvergentQuestions) ------------------------------------------
CLUSTER_ID = "qabias_cluster_id"
CLUSTER_SIZE = "qabias_cluster_size"
CLUSTER_PROMPTS = "qabias_cluster_prompts"
DUPLICATE_OF = "qabias_duplicate_of"
DUPLICATE_SCORE = "qabias_duplicate_score"
CONVERGENCE_REASON = "qabias_convergence_reason"
# --- all keep flags together ---------------------------------------------------------------
KEEP = "qabias_keep"


# Reasons a cell cannot be processed as text (values of the *_reason columns and artifact types).
REASON_MISSING = "missing"
REASON_NOT_TEXT = "not_text"
REASON_EMPTY = "empty"


def invalid_text_reason(value: Any) -> str | None:
    """Why ``value`` cannot be used as text: ``missing`` (None), ``not_text``, ``empty`` (blank), else None."""
    if value is None:
        return REASON_MISSING
    if not isinstance(value, str):
        return REASON_NOT_TEXT
    if not value.strip():
        return REASON_EMPTY
    return None


def keep_flag(name: str) -> str:
    """distilabel-style keep flag name, e.g. ``keep_flag("grounding")`` -> ``keep_row_after_grounding_filtering``."""
    return f"{KEEP_FLAG_PREFIX}{name}{KEEP_FLAG_SUFFIX}"


KEEP_ARTIFACT = keep_flag("artifact")
KEEP_INSTRUCTION = keep_flag("instruction")
KEEP_GROUNDING = keep_flag("grounding")
KEEP_CONVERGENCE = keep_flag("convergence")

COLUMNS: tuple[Column, ...] = (
    Column(ARTIFACTS, "list of {field, type, start, end, removed}", "artifacts found in each scrubbed field; offsets index the field's original text; removed is true in scrub mode", "ScrubArtifacts"),
    Column(KEEP_ARTIFACT, "bool", "false when a question or answer is dominated by artifacts or asks about markup rather than content", "ScrubArtifacts"),
    Column(INSTRUCTION_SPANS, "list of {start, end, score, kind}", "passages addressed to a model rather than a reader; offsets index the original document", "FilterInstructionSpans"),
    Column(INSTRUCTION_REASON, "str or null", "why the row is flagged: mostly_instructions, missing, not_text or classifier_error: ... (null otherwise)", "FilterInstructionSpans"),
    Column(KEEP_INSTRUCTION, "bool", "false when the document is mostly instruction-like text, or missing / not text", "FilterInstructionSpans"),
    Column(TARGET_TEXT, "str", "the fixed target sentence a question must be answered by", "SampleTargetSpans"),
    Column(TARGET_START, "int", "character offset of the target sentence in the document", "SampleTargetSpans"),
    Column(TARGET_END, "int", "end offset (exclusive) of the target sentence", "SampleTargetSpans"),
    Column(TARGET_SENTENCE, "int", "index of the target sentence in the document's segmentation", "SampleTargetSpans"),
    Column(TARGET_REASON, "str or null", "why a document got no target sentence (empty, no eligible sentence, duplicate); null on target rows", "SampleTargetSpans"),
    Column(CHUNK_START, "int", "character offset in the document where the chunk shown to the question generator starts (exposure)", "pipelines/self_study.py"),
    Column(CHUNK_END, "int", "end offset (exclusive) of that chunk", "pipelines/self_study.py"),
    Column(EVIDENCE_START, "int or null", "character offset in the document of the span the QA pair draws on", "TagSpanCoverage"),
    Column(EVIDENCE_END, "int or null", "end offset (exclusive) of that span", "TagSpanCoverage"),
    Column(EVIDENCE_SENTENCE, "int or null", "index of the evidence sentence in the document's segmentation", "TagSpanCoverage"),
    Column(RELATIVE_POSITION, "float or null", "where the evidence sits in the document, 0 = start, 1 = end", "TagSpanCoverage"),
    Column(ALIGNMENT_SCORE, "float", "confidence of the alignment, 0..1", "TagSpanCoverage"),
    Column(GROUNDED, "bool", "the answer is supported by the document", "TagSpanCoverage"),
    Column(GROUNDING_REASON, "str or null", "why a row is not grounded (missing document, empty answer, low alignment, ...)", "TagSpanCoverage"),
    Column(KEEP_GROUNDING, "bool", "keep flag for grounding", "TagSpanCoverage"),
    Column(SPAN_HITS, "int", "how many rows of the same document draw on the same evidence sentence (hotspot heat)", "QABiasReport"),
    Column(CLUSTER_ID, "int", "convergence cluster of the question", "DeduplicateConvergentQuestions"),
    Column(CLUSTER_SIZE, "int", "number of rows in that cluster", "DeduplicateConvergentQuestions"),
    Column(CLUSTER_PROMPTS, "int or null", "distinct seed prompts that fell into the cluster (when a prompt column is given)", "DeduplicateConvergentQuestions"),
    Column(DUPLICATE_OF, "int or null", "row index kept for this cluster (null on the kept row)", "DeduplicateConvergentQuestions"),
    Column(DUPLICATE_SCORE, "float or null", "similarity to the kept row (null on the kept row)", "DeduplicateConvergentQuestions"),
    Column(CONVERGENCE_REASON, "str or null", "why a question was not compared (missing, not_text, empty); it is its own cluster", "DeduplicateConvergentQuestions"),
    Column(KEEP_CONVERGENCE, "bool", "false on every cluster member but the kept one", "DeduplicateConvergentQuestions"),
    Column(KEEP, "bool", "all keep_row_after_*_filtering flags present on the row, AND-ed", "every step"),
)

COLUMNS_BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}


class MissingColumnsError(ValueError):
    """Raised when rows lack a column a step needs; the message lists the columns that exist."""

    def __init__(self, missing: Iterable[str], available: Iterable[str], where: str = "input"):
        self.missing = sorted(set(missing))
        self.available = sorted(set(available))
        super().__init__(
            f"{where}: missing column(s) {', '.join(repr(c) for c in self.missing)}; "
            f"available columns: {', '.join(repr(c) for c in self.available) or '(none)'}"
        )


def require_columns(rows: Iterable[Mapping[str, Any]], columns: Iterable[str], where: str = "input") -> None:
    """Raise :class:`MissingColumnsError` if the first row lacks any of ``columns``.

    Rows of one batch share a schema, so checking the first row is enough and keeps this O(1).
    """
    first = next(iter(rows), None)
    if first is None:
        return
    missing = [c for c in columns if c not in first]
    if missing:
        raise MissingColumnsError(missing, first.keys(), where)


def update_keep(row: MutableMapping[str, Any]) -> None:
    """Recompute ``qabias_keep`` as the AND of every keep flag on the row (missing/None count as keep)."""
    row[KEEP] = all(
        value is not False
        for key, value in row.items()
        if key.startswith(KEEP_FLAG_PREFIX) and key.endswith(KEEP_FLAG_SUFFIX)
    )


def columns_markdown_table() -> str:
    lines = ["| column | type | meaning | written by |", "|---|---|---|---|"]
    lines += [f"| `{c.name}` | {c.type} | {c.meaning} | {c.written_by} |" for c in COLUMNS]
    return "\n".join(lines)
