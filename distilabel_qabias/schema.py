"""Every per-row column this package writes: name, type and meaning, in one place.

The names are part of the public contract (datasets pushed to the Hub carry them), so steps
import them from here instead of spelling strings, and the README table is rendered from
:func:`columns_markdown_table`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Iterable, Mapping, MutableMapping

from distilabel_qabias.errors import MissingColumnsError


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
INSTRUCTION_DETAIL = "qabias_instruction_detail"
# --- fixed targets (SampleTargetSpans) ------------------------------------------------------
TARGET_TEXT = "target_text"
TARGET_START = "qabias_target_start"
TARGET_END = "qabias_target_end"
TARGET_SENTENCE = "qabias_target_sentence"
TARGET_REASON = "qabias_target_reason"
TARGET_DETAIL = "qabias_target_detail"
# --- exposure (SampleChunks: the chunk of the document shown to the generator) ------------
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
GROUNDING_DETAIL = "qabias_grounding_detail"
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
# --- cells that were not text (any step that reads a text column) ---------------------------
NON_TEXT_CELLS = "qabias_non_text_cells"


class Reason(str, Enum):
    """Stable short codes written to the ``*_reason`` columns: group by them on a pushed dataset.

    Numbers and prose (scores, which document a duplicate repeats) go to the report or a detail
    column, never into a code. Each step adds the codes it needs under its own heading.
    """

    # any text cell
    MISSING = "missing"  # None, or the column is absent on this row
    NOT_TEXT = "not_text"  # not a str (its value is kept in qabias_non_text_cells), or unencodable text
    EMPTY = "empty"  # blank or whitespace only
    # FilterInstructionSpans
    MOSTLY_INSTRUCTIONS = "mostly_instructions"  # at least max_instruction_fraction of the document is instruction-like
    CLASSIFIER_ERROR = "classifier_error"  # the user classifier raised; rules and learned detector only (detail column)
    # TagSpanCoverage (qabias_grounding_reason; numbers go to qabias_grounding_detail)
    ANSWER_LONGER_THAN_DOCUMENT = "answer_longer_than_document"  # not a QA answer drawn from this document
    NO_CONTENT_WORDS = "no_content_words"  # the answer is only stop words and boilerplate
    CHUNK_OUTSIDE_DOCUMENT = "chunk_outside_document"  # restrict_to_chunk, and the chunk offsets select no sentence
    NO_SHARED_WORDS = "no_shared_words"  # no sentence shares a content word with the question or answer
    NUMBER_NOT_IN_DOCUMENT = "number_not_in_document"  # the answer states a number the document does not hold
    EVIDENCE_NOT_FOUND = "evidence_not_found"  # the quoted evidence is not in the document
    LOW_SUPPORT = "low_support"  # too little of the answer's content is in its best evidence
    OFF_TOPIC = "off_topic"  # a short answer found, but the pair's words are mostly not in the document
    # SampleTargetSpans (qabias_target_reason; details go to qabias_target_detail)
    DUPLICATE_DOCUMENT = "duplicate_document"  # the same text was already seen by this step
    NO_ELIGIBLE_SENTENCE = "no_eligible_sentence"  # every sentence is markup, instruction-like or a fragment
    # DeduplicateConvergentQuestions (qabias_convergence_reason)
    NO_EMBEDDING = "no_embedding"  # embeddings_column given, and the row's vector is missing, of another length or not finite

    def __str__(self) -> str:  # so f-strings and json write the code, not "Reason.MISSING"
        return self.value


# Kept as plain names: they are the values of the *_reason columns and artifact types.
REASON_MISSING = Reason.MISSING.value
REASON_NOT_TEXT = Reason.NOT_TEXT.value
REASON_EMPTY = Reason.EMPTY.value


def invalid_text_reason(value: Any) -> str | None:
    """Why ``value`` cannot be used as text, else None: the one rule every step applies.

    ``missing`` (None), ``not_text`` (not a str, or a str that cannot be encoded as UTF-8, such
    as a lone surrogate escape), ``empty`` (blank or whitespace only).
    """
    if value is None:
        return REASON_MISSING
    if not isinstance(value, str):
        return REASON_NOT_TEXT
    if not value.strip():
        return REASON_EMPTY
    if not is_encodable(value):
        return REASON_NOT_TEXT
    return None


def is_encodable(text: str) -> bool:
    """False for text that cannot be written as UTF-8 (lone surrogates such as ``"\\ud800"``)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def keep_flag(name: str) -> str:
    """distilabel-style keep flag name, e.g. ``keep_flag("grounding")`` -> ``keep_row_after_grounding_filtering``."""
    return f"{KEEP_FLAG_PREFIX}{name}{KEEP_FLAG_SUFFIX}"


KEEP_ARTIFACT = keep_flag("artifact")
KEEP_INSTRUCTION = keep_flag("instruction")
KEEP_GROUNDING = keep_flag("grounding")
KEEP_CONVERGENCE = keep_flag("convergence")

COLUMNS: tuple[Column, ...] = (
    Column(ARTIFACTS, "list of {field, type, start, end, removed}", "artifacts found in each scrubbed field; offsets index the field's original text; removed is true in remove mode", "ScrubArtifacts"),
    Column(KEEP_ARTIFACT, "bool", "false when a question or answer is dominated by artifacts or asks about markup rather than content", "ScrubArtifacts"),
    Column(INSTRUCTION_SPANS, "list of {start, end, score, kind, detector}", "passages addressed to a model rather than a reader; offsets index the original document; detector names the detectors that found it (rules, learned, classifier; "+"-joined)", "FilterInstructionSpans"),
    Column(INSTRUCTION_REASON, "str or null", "a code: mostly_instructions, missing, not_text, empty or classifier_error (null otherwise)", "FilterInstructionSpans"),
    Column(INSTRUCTION_DETAIL, "str or null", "the user classifier's error message when the reason is classifier_error (null otherwise)", "FilterInstructionSpans"),
    Column(KEEP_INSTRUCTION, "bool", "false when the document is mostly instruction-like text, or missing / not text", "FilterInstructionSpans"),
    Column(TARGET_TEXT, "str", "the fixed target sentence a question must be answered by", "SampleTargetSpans"),
    Column(TARGET_START, "int", "character offset of the target sentence in the document", "SampleTargetSpans"),
    Column(TARGET_END, "int", "end offset (exclusive) of the target sentence", "SampleTargetSpans"),
    Column(TARGET_SENTENCE, "int", "index of the target sentence in the document's segmentation", "SampleTargetSpans"),
    Column(TARGET_REASON, "str or null", "why a document got no target sentence: missing, not_text, empty, duplicate_document or no_eligible_sentence; null on target rows", "SampleTargetSpans"),
    Column(TARGET_DETAIL, "str or null", "what the reason refers to (the column, the earlier document, sentences skipped by kind)", "SampleTargetSpans"),
    Column(CHUNK_START, "int", "character offset in the document where the chunk shown to the question generator starts (exposure)", "SampleChunks"),
    Column(CHUNK_END, "int", "end offset (exclusive) of that chunk", "SampleChunks"),
    Column(EVIDENCE_START, "int or null", "character offset in the document of the span the QA pair draws on", "TagSpanCoverage"),
    Column(EVIDENCE_END, "int or null", "end offset (exclusive) of that span", "TagSpanCoverage"),
    Column(EVIDENCE_SENTENCE, "int or null", "index of the evidence sentence in the document's segmentation", "TagSpanCoverage"),
    Column(RELATIVE_POSITION, "float or null", "where the evidence sits in the document, 0 = start, 1 = end", "TagSpanCoverage"),
    Column(ALIGNMENT_SCORE, "float", "confidence of the alignment, 0..1", "TagSpanCoverage"),
    Column(GROUNDED, "bool", "the answer is supported by the document", "TagSpanCoverage"),
    Column(GROUNDING_REASON, "str or null", "why a row is not grounded: missing, not_text, empty, answer_longer_than_document, no_content_words, chunk_outside_document, no_shared_words, number_not_in_document, evidence_not_found, low_support or off_topic; null when grounded", "TagSpanCoverage"),
    Column(GROUNDING_DETAIL, "str or null", "the numbers behind the reason (which column, the missing numbers, the support score)", "TagSpanCoverage"),
    Column(KEEP_GROUNDING, "bool", "false when the row is not grounded, including a missing, non-text or empty document, question or answer", "TagSpanCoverage"),
    Column(SPAN_HITS, "int", "how many rows of the same document draw on the same evidence sentence (hotspot heat)", "QABiasReport"),
    Column(CLUSTER_ID, "int", "convergence cluster of the question", "DeduplicateConvergentQuestions"),
    Column(CLUSTER_SIZE, "int", "number of rows in that cluster", "DeduplicateConvergentQuestions"),
    Column(CLUSTER_PROMPTS, "int or null", "distinct seed prompts that fell into the cluster (when a prompt column is given)", "DeduplicateConvergentQuestions"),
    Column(DUPLICATE_OF, "int or null", "row index kept for this cluster (null on the kept row)", "DeduplicateConvergentQuestions"),
    Column(DUPLICATE_SCORE, "float or null", "similarity to the kept row (null on the kept row)", "DeduplicateConvergentQuestions"),
    Column(CONVERGENCE_REASON, "str or null", "why a question was not compared (missing, not_text, empty, no_embedding); it is its own cluster", "DeduplicateConvergentQuestions"),
    Column(KEEP_CONVERGENCE, "bool", "false on every cluster member but the kept one", "DeduplicateConvergentQuestions"),
    Column(KEEP, "bool", "all keep_row_after_*_filtering flags present on the row, AND-ed", "every step"),
    Column(NON_TEXT_CELLS, "str or null", "JSON object {column: original value} of cells a step needed as text that were not text; the cell itself is set to null so the dataset stays writable", "every step that reads text"),
)

COLUMNS_BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}


def require_columns(rows: Iterable[Mapping[str, Any]], columns: Iterable[str], where: str = "input") -> None:
    """Raise :class:`MissingColumnsError` if no row has one of ``columns``.

    A column present on some rows only is not an error: the rows without it are tagged
    ``missing`` by the step (``row.get``), like a None cell.
    """
    rows = list(rows)
    if not rows:
        return
    missing = [c for c in columns if not any(c in row for row in rows)]
    if missing:
        available = sorted({key for row in rows for key in row})
        raise MissingColumnsError(missing, available, where)


def is_keep_flag(column: str) -> bool:
    return column.startswith(KEEP_FLAG_PREFIX) and column.endswith(KEEP_FLAG_SUFFIX)


def combined_keep(row: Mapping[str, Any]) -> bool:
    """The AND of every keep flag on the row (missing/None count as keep).

    Anything that *reads* ``qabias_keep`` (the report, ``DropFlaggedRows``, the Hub push, the CLI
    filter) calls this instead of trusting the stored value: after distilabel's ``CombineOutputs``
    the stored value is whichever branch was merged last.
    """
    return all(value is not False for key, value in row.items() if is_keep_flag(key))


def update_keep(row: MutableMapping[str, Any]) -> None:
    """Recompute ``qabias_keep`` as :func:`combined_keep` of the row."""
    row[KEEP] = combined_keep(row)


def columns_markdown_table() -> str:
    lines = ["| column | type | meaning | written by |", "|---|---|---|---|"]
    lines += [f"| `{c.name}` | {c.type} | {c.meaning} | {c.written_by} |" for c in COLUMNS]
    return "\n".join(lines)
