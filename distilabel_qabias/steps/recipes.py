"""The Step lists behind ``qabias audit`` and ``qabias scrub``, shared by the CLI and the example pipelines.

Each step gets a stable ``name`` (the constants below), so callers find a step by name instead of by
list position or class name, and the same names appear in a Pipeline's cache and artifacts:

    steps = audit_steps(document_column="document")
    report = next(step for step in steps if step.name == AUDIT_REPORT)

In a Pipeline, connect them in order (``load >> steps[0] >> steps[1] ...``, or
``functools.reduce(operator.rshift, [load, *steps])``); build the steps inside the ``with Pipeline()``
block, as with any distilabel step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Optional

from distilabel_qabias.embedders import DEFAULT_EMBEDDER

if TYPE_CHECKING:
    from distilabel.steps.base import Step

# step names of audit_steps()
AUDIT_ARTIFACTS = "audit_artifacts"
AUDIT_COVERAGE = "audit_coverage"
AUDIT_CONVERGENCE = "audit_convergence"
AUDIT_REPORT = "audit_report"
AUDIT_DROP = "audit_drop_flagged_rows"
# step names of scrub_steps()
SCRUB_ARTIFACTS = "scrub_artifacts"
SCRUB_INSTRUCTIONS = "scrub_instruction_spans"
SCRUB_DROP = "scrub_drop_flagged_rows"


def audit_steps(
    *,
    question_column: str = "question",
    answer_column: Optional[str] = "answer",
    document_column: Optional[str] = None,
    prompt_column: Optional[str] = None,
    embedder: str = DEFAULT_EMBEDDER,
    drop_flagged: bool = False,
) -> list["Step"]:
    """Tag artifacts in questions/answers, evidence coverage (with a document), converged questions, the report.

    - ``ScrubArtifacts`` (tag mode) on the question and the answer: markup questions and answers are flagged.
    - ``TagSpanCoverage``, only with ``document_column`` (it aligns each answer to its document, so it
      needs ``answer_column``).
    - ``DeduplicateConvergentQuestions``: with grounding known, a cluster's representative is its
      best-grounded member, otherwise its first.
    - ``QABiasReport``, only with ``document_column``.
    - ``DropFlaggedRows`` last when ``drop_flagged``: every row whose keep flags are not all true goes.

    ``answer_column=None`` audits questions alone (artifacts and convergence).
    """
    from distilabel_qabias import DeduplicateConvergentQuestions, QABiasReport, ScrubArtifacts, TagSpanCoverage

    if document_column and not answer_column:
        raise ValueError("coverage (document_column) needs an answer_column: it aligns answers to documents")
    text_columns = [question_column, *([answer_column] if answer_column else [])]
    steps: list["Step"] = [ScrubArtifacts(
        name=AUDIT_ARTIFACTS, columns=text_columns, mode="tag", markup_question_columns=text_columns,
    )]
    if document_column:
        steps.append(TagSpanCoverage(
            name=AUDIT_COVERAGE, document_column=document_column, question_column=question_column,
            answer_column=answer_column,
        ))
    steps.append(DeduplicateConvergentQuestions(
        name=AUDIT_CONVERGENCE, question_column=question_column, prompt_column=prompt_column, embedder=embedder,
        representative="best_grounded" if document_column else "first",
    ))
    if document_column:
        steps.append(QABiasReport(
            name=AUDIT_REPORT, document_column=document_column, question_column=question_column,
            prompt_column=prompt_column,
        ))
    if drop_flagged:
        steps.append(_drop_flagged_rows(AUDIT_DROP))
    return steps


def scrub_steps(
    column: str,
    *,
    mode: Literal["remove", "tag"] = "remove",
    instructions: bool = True,
    drop_flagged: bool = False,
) -> list["Step"]:
    """Clean a document column: ``ScrubArtifacts``, then ``FilterInstructionSpans`` on the cleaned text.

    ``mode="remove"`` rewrites the text (instruction-span offsets then index the artifact-free text);
    ``"tag"`` only records what was found. ``drop_flagged`` appends ``DropFlaggedRows``.
    """
    from distilabel_qabias import ScrubArtifacts

    steps: list["Step"] = [ScrubArtifacts(name=SCRUB_ARTIFACTS, columns=[column], mode=mode)]
    if instructions:
        from distilabel_qabias import FilterInstructionSpans

        steps.append(FilterInstructionSpans(name=SCRUB_INSTRUCTIONS, document_column=column, mode=mode))
    if drop_flagged:
        steps.append(_drop_flagged_rows(SCRUB_DROP))
    return steps


def _drop_flagged_rows(name: str) -> "Step":
    from distilabel_qabias.steps.drop import DropFlaggedRows

    return DropFlaggedRows(name=name)
