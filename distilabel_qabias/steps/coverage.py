"""`TagSpanCoverage`: tag each QA row with the document span it draws on and whether it is grounded."""

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Optional

from distilabel.mixins.runtime_parameters import RuntimeParameter
from distilabel.steps.base import Step, StepInput
from pydantic import Field, PrivateAttr

from distilabel_qabias import schema
from distilabel_qabias.coverage.align import DEFAULT_WEIGHTS, Alignment, align_batch

if TYPE_CHECKING:
    from distilabel.typing import StepColumns, StepOutput


class TagSpanCoverage(Step):
    """Tags every QA row with its evidence span in the document and whether the answer is grounded.

    Each row is aligned with the sentences of its document (`split_sentences`): lexical evidence
    (content-word overlap of the answer and question with each sentence, numbers and dates
    normalised so "1,000"/"one thousand" and "3 March 1921"/"March 3, 1921" match, rapidfuzz partial
    alignment of the answer), optionally blended with embedding similarity. The best sentence (widened
    to its neighbour when the answer straddles two) is the evidence. A row is grounded when the
    answer's content is found there and every number it states occurs in the document; otherwise
    `qabias_grounding_reason` says why. Bad rows (missing/empty/non-string document or answer, answer
    longer than the document) are tagged ungrounded with null offsets and a reason, never dropped.
    Rows sharing a document reuse one cached index of it.

    Attributes:
        document_column: column holding the source document. Defaults to `"document"`.
        question_column: column holding the question. Defaults to `"question"`.
        answer_column: column holding the answer. Defaults to `"answer"`.
        evidence_column: optional column with the quote (or list of quotes) the generator cited;
            when set, the quote must be found in the document and it sets the evidence span.
        chunk_start_column: optional column with the offset where the chunk shown to the generator
            starts (e.g. `qabias_chunk_start`); sentences outside the chunk are penalised.
        chunk_end_column: optional column with the end offset of that chunk.
        embedder: optional embedder name for `distilabel_qabias.embedders.load_embedder`
            ("minilm", "wordllama", "tokenlearn", a sentence-transformers id or path); `None` (default)
            aligns lexically only, which is the fast path.

    Runtime parameters:
        - `threshold`: minimum share of the answer's content the evidence must hold for a grounded row.
        - `restrict_to_chunk`: only align within the chunk shown to the generator.
        - `drop_ungrounded`: remove ungrounded rows instead of only flagging them (default: keep all).

    Input columns:
        - document (`str`): the document the QA pair was generated from.
        - question (`str`): the generated question.
        - answer (`str`): the generated answer.
        - evidence (`str` or `List[str]`, optional): quote(s) cited by the generator.
        - chunk start / end (`int`, optional): offsets of the chunk shown to the generator.

    Output columns:
        - qabias_evidence_start (`int` or `None`): character offset of the evidence span.
        - qabias_evidence_end (`int` or `None`): end offset (exclusive) of the evidence span.
        - qabias_evidence_sentence (`int` or `None`): index of the evidence sentence.
        - qabias_relative_position (`float` or `None`): where the evidence sits, 0 = start, 1 = end.
        - qabias_alignment_score (`float`): confidence of the alignment, 0..1.
        - qabias_grounded (`bool`): the answer is supported by the document.
        - qabias_grounding_reason (`str` or `None`): why a row is not grounded.
        - keep_row_after_grounding_filtering (`bool`): same as `qabias_grounded`.
        - qabias_keep (`bool`): all keep flags on the row, AND-ed.

    Categories:
        - filtering

    Examples:

        Tag generated QA pairs with their evidence span:

        ```python
        from distilabel.pipeline import Pipeline
        from distilabel.steps import LoadDataFromDicts
        from distilabel_qabias import TagSpanCoverage

        with Pipeline() as pipeline:
            data = LoadDataFromDicts(data=[{
                "document": "The Eiffel Tower is in Paris. It was completed in 1889.",
                "question": "When was the tower finished?",
                "answer": "According to the text, it was completed in 1889.",
            }])
            coverage = TagSpanCoverage()
            data >> coverage

        if __name__ == "__main__":
            distiset = pipeline.run(use_cache=False)
            # row: qabias_evidence_sentence == 1, qabias_grounded == True
        ```
    """

    document_column: str = "document"
    question_column: str = "question"
    answer_column: str = "answer"
    evidence_column: Optional[str] = None
    chunk_start_column: Optional[str] = None
    chunk_end_column: Optional[str] = None
    embedder: Optional[str] = None

    threshold: RuntimeParameter[float] = Field(
        default=DEFAULT_WEIGHTS.threshold,
        description="Minimum share of the answer's content the evidence must hold for a grounded row.",
    )
    restrict_to_chunk: RuntimeParameter[bool] = Field(
        default=False, description="Only align within the chunk shown to the generator."
    )
    drop_ungrounded: RuntimeParameter[bool] = Field(
        default=False, description="Remove ungrounded rows instead of only flagging them."
    )

    _embedder: Any = PrivateAttr(default=None)

    def load(self) -> None:
        super().load()
        if self.embedder is not None:
            from distilabel_qabias.embedders import load_embedder

            self._embedder = load_embedder(self.embedder)

    @property
    def inputs(self) -> "StepColumns":
        columns = {self.document_column: True, self.question_column: True, self.answer_column: True}
        for optional in (self.evidence_column, self.chunk_start_column, self.chunk_end_column):
            if optional:
                columns[optional] = False
        return columns

    @property
    def outputs(self) -> "StepColumns":
        return [
            schema.EVIDENCE_START,
            schema.EVIDENCE_END,
            schema.EVIDENCE_SENTENCE,
            schema.RELATIVE_POSITION,
            schema.ALIGNMENT_SCORE,
            schema.GROUNDED,
            schema.GROUNDING_REASON,
            schema.KEEP_GROUNDING,
            schema.KEEP,
        ]

    def process(self, inputs: StepInput) -> "StepOutput":  # type: ignore[override]
        schema.require_columns(inputs, [self.document_column, self.question_column, self.answer_column], self.name)
        yield tag_span_coverage(
            inputs,
            document_column=self.document_column,
            question_column=self.question_column,
            answer_column=self.answer_column,
            evidence_column=self.evidence_column,
            chunk_start_column=self.chunk_start_column,
            chunk_end_column=self.chunk_end_column,
            restrict_to_chunk=self.restrict_to_chunk,
            threshold=self.threshold,
            embedder=self._embedder,
            drop_ungrounded=self.drop_ungrounded,
        )


def _chunk(row: dict, start_column: Optional[str], end_column: Optional[str]) -> Optional[tuple[int, int]]:
    if not start_column and not end_column:
        return None
    start = row.get(start_column) if start_column else 0
    end = row.get(end_column) if end_column else None
    if not isinstance(start, int) or isinstance(start, bool):
        return None
    if end is None:
        end = 10**18
    if not isinstance(end, int) or isinstance(end, bool) or end <= start:
        return None
    return (start, end)


def tag_span_coverage(
    rows: list[dict],
    *,
    document_column: str = "document",
    question_column: str = "question",
    answer_column: str = "answer",
    evidence_column: Optional[str] = None,
    chunk_start_column: Optional[str] = None,
    chunk_end_column: Optional[str] = None,
    restrict_to_chunk: bool = False,
    threshold: float = DEFAULT_WEIGHTS.threshold,
    embedder: Any = None,
    drop_ungrounded: bool = False,
) -> list[dict]:
    """The step's work on a list of row dicts (usable without a pipeline); rows are updated in place."""
    weights = replace(DEFAULT_WEIGHTS, threshold=threshold)
    alignments: list[Alignment] = align_batch(
        [(row.get(document_column), row.get(question_column), row.get(answer_column)) for row in rows],
        evidences=[row.get(evidence_column) for row in rows] if evidence_column else None,
        chunks=[_chunk(row, chunk_start_column, chunk_end_column) for row in rows],
        restrict_to_chunk=restrict_to_chunk,
        embedder=embedder,
        weights=weights,
    )
    for row, alignment in zip(rows, alignments):
        row[schema.EVIDENCE_START] = alignment.start
        row[schema.EVIDENCE_END] = alignment.end
        row[schema.EVIDENCE_SENTENCE] = alignment.sentence
        row[schema.RELATIVE_POSITION] = alignment.relative_position
        row[schema.ALIGNMENT_SCORE] = alignment.score
        row[schema.GROUNDED] = alignment.grounded
        row[schema.GROUNDING_REASON] = alignment.reason
        row[schema.KEEP_GROUNDING] = alignment.grounded
        schema.update_keep(row)
    if drop_ungrounded:
        return [row for row in rows if row[schema.GROUNDED]]
    return rows
