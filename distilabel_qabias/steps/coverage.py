"""`TagSpanCoverage`: tag each QA row with the document span it draws on and whether it is grounded."""

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Optional, Union

from distilabel.mixins.runtime_parameters import RuntimeParameter
from distilabel.models.embeddings.base import Embeddings
from distilabel.steps.base import Step, StepInput
from pydantic import Field, PrivateAttr

from distilabel_qabias import schema
from distilabel_qabias.coverage.align import DEFAULT_WEIGHTS, Alignment, align_batch
from distilabel_qabias.steps.base import Row, set_aside_non_text, set_keep, text_cell

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
    `qabias_grounding_reason` holds a short code (`low_support`, `number_not_in_document`, ...) and
    `qabias_grounding_detail` the numbers behind it. A missing, non-text or empty document,
    question or answer is tagged `missing` / `not_text` / `empty` with null offsets, and an answer
    much longer than its document `answer_longer_than_document`. Flagged rows stay in the dataset;
    add `DropFlaggedRows` to remove them. Rows sharing a document reuse one cached index of it, and
    the work per row is bounded (long text without sentence punctuation is cut into pieces).

    Attributes:
        document_column: column holding the source document. Defaults to `"document"`.
        question_column: column holding the question. Defaults to `"question"`.
        answer_column: column holding the answer. Defaults to `"answer"`.
        evidence_column: optional column with the quote (or list of quotes) the generator cited;
            when set, the quote must be found in the document and it sets the evidence span.
        chunk_start_column: optional column with the offset where the chunk shown to the generator
            starts (e.g. `qabias_chunk_start`); sentences outside the chunk are penalised.
        chunk_end_column: optional column with the end offset of that chunk.
        embedder: optional embedder blended with the lexical evidence, for paraphrases: a name for
            `distilabel_qabias.embedders.load_embedder` ("minilm", "wordllama", "tokenlearn", a
            sentence-transformers id or path) or a distilabel `Embeddings` instance (e.g.
            `SentenceTransformerEmbeddings`). `None` (default) aligns lexically only, the fast path.
        threshold: runtime parameter, see below.
        restrict_to_chunk: runtime parameter, see below.

    Runtime parameters:
        - `threshold`: minimum share of the answer's content the evidence must hold for a grounded
            row. Defaults to `0.45`.
        - `restrict_to_chunk`: only align within the chunk shown to the generator. Defaults to `False`.

    Input columns:
        - document (`str`): the document the QA pair was generated from.
        - question (`str`): the generated question.
        - answer (`str`): the generated answer.
        - evidence (`str` or `List[str]`, optional): quote(s) cited by the generator.
        - chunk_start (`int`, optional): offset where the chunk shown to the generator starts.
        - chunk_end (`int`, optional): offset where that chunk ends (exclusive).

    Output columns:
        - qabias_evidence_start (`int` or `None`): character offset of the evidence span.
        - qabias_evidence_end (`int` or `None`): end offset (exclusive) of the evidence span.
        - qabias_evidence_sentence (`int` or `None`): index of the evidence sentence.
        - qabias_relative_position (`float` or `None`): where the evidence sits, 0 = start, 1 = end.
        - qabias_alignment_score (`float`): confidence of the alignment, 0..1.
        - qabias_grounded (`bool`): the answer is supported by the document.
        - qabias_grounding_reason (`str` or `None`): why a row is not grounded, a short code.
        - qabias_grounding_detail (`str` or `None`): the numbers behind the reason.
        - keep_row_after_grounding_filtering (`bool`): same as `qabias_grounded`.
        - qabias_keep (`bool`): all keep flags on the row, AND-ed.

    Categories:
        - filtering

    References:
        - [Self-Study Reconsidered](https://arxiv.org/abs/2606.32002)

    Citations:
        ```
        @misc{selfstudyreconsidered2026,
            title={Self-Study Reconsidered},
            year={2026},
            eprint={2606.32002},
            archivePrefix={arXiv},
            url={https://arxiv.org/abs/2606.32002},
        }
        ```

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

        Blend in the embeddings of a distilabel `Embeddings` model for paraphrased answers:

        ```python
        from distilabel.models import SentenceTransformerEmbeddings
        from distilabel_qabias import TagSpanCoverage

        coverage = TagSpanCoverage(
            embedder=SentenceTransformerEmbeddings(model="sentence-transformers/all-MiniLM-L6-v2")
        )
        ```
    """

    document_column: str = "document"
    question_column: str = "question"
    answer_column: str = "answer"
    evidence_column: Optional[str] = None
    chunk_start_column: Optional[str] = None
    chunk_end_column: Optional[str] = None
    embedder: Optional[Union[str, Embeddings]] = None

    threshold: RuntimeParameter[float] = Field(
        default=DEFAULT_WEIGHTS.threshold,
        description="Minimum share of the answer's content the evidence must hold for a grounded row.",
    )
    restrict_to_chunk: RuntimeParameter[bool] = Field(
        default=False, description="Only align within the chunk shown to the generator."
    )

    _embedder: Any = PrivateAttr(default=None)

    def load(self) -> None:
        super().load()
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"{self.name}: threshold must be within [0, 1], got {self.threshold!r}")
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
            schema.GROUNDING_DETAIL,
            schema.KEEP_GROUNDING,
            schema.KEEP,
        ]

    def process(self, inputs: StepInput) -> "StepOutput":  # type: ignore[override]
        text_columns = [self.document_column, self.question_column, self.answer_column]
        schema.require_columns(inputs, text_columns, self.name)
        set_aside_non_text(inputs, text_columns)
        alignments: list[Optional[Alignment]] = [None] * len(inputs)
        usable = []
        for position, row in enumerate(inputs):
            problem = _unusable_text(row, text_columns)
            if problem:
                alignments[position] = Alignment.failed(*problem)
            else:
                usable.append(position)
        aligned = align_batch(
            [tuple(inputs[i][c] for c in text_columns) for i in usable],
            evidences=[inputs[i].get(self.evidence_column) for i in usable] if self.evidence_column else None,
            chunks=[_chunk(inputs[i], self.chunk_start_column, self.chunk_end_column) for i in usable],
            restrict_to_chunk=self.restrict_to_chunk,
            embedder=self._embedder,
            weights=replace(DEFAULT_WEIGHTS, threshold=self.threshold),
        )
        for position, alignment in zip(usable, aligned):
            alignments[position] = alignment
        for row, alignment in zip(inputs, alignments):
            row[schema.EVIDENCE_START] = alignment.start
            row[schema.EVIDENCE_END] = alignment.end
            row[schema.EVIDENCE_SENTENCE] = alignment.sentence
            row[schema.RELATIVE_POSITION] = alignment.relative_position
            row[schema.ALIGNMENT_SCORE] = alignment.score
            row[schema.GROUNDED] = alignment.grounded
            row[schema.GROUNDING_REASON] = alignment.reason
            row[schema.GROUNDING_DETAIL] = alignment.detail
            set_keep(row, schema.KEEP_GROUNDING, alignment.grounded)
        yield inputs


def _unusable_text(row: Row, columns: list[str]) -> Optional[tuple[str, str]]:
    """``(reason code, column)`` for the first of ``columns`` that is not usable text, else ``None``."""
    for column in columns:
        _, reason = text_cell(row, column)
        if reason:
            return reason, f"column '{column}'"
    return None


def _chunk(row: Row, start_column: Optional[str], end_column: Optional[str]) -> Optional[tuple[int, int]]:
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
