"""`SampleTargetSpans`: fan each document out into rows with a fixed target sentence, spread evenly."""

import hashlib
from typing import TYPE_CHECKING, Any, Optional

from distilabel.mixins.runtime_parameters import RuntimeParameter
from distilabel.steps.base import Step, StepInput
from pydantic import Field, PrivateAttr

from distilabel_qabias import schema
from distilabel_qabias.coverage.targets import MIN_CHARS, MIN_WORDS, select_targets, spans_from_records
from distilabel_qabias.steps.base import Row, set_aside_non_text, text_cell

if TYPE_CHECKING:
    from distilabel.typing import StepColumns, StepOutput


class SampleTargetSpans(Step):
    """Emits `num_targets` rows per document, each with a target sentence to ask about.

    Generators left to themselves ask about a document's salient start. This step fixes the target:
    the eligible sentences of each document are split, in order, into `num_targets` strata and one
    sentence is drawn (seeded) from each, so targets cover positions uniformly. Sentences that are
    markup or boilerplate (mostly covered by `qabias_artifacts` in tag mode, or mostly non-letters),
    overlap an instruction-like span (`qabias_instruction_spans`), or are short fragments are never
    targets. When those columns are absent the detectors of `distilabel_qabias.text.artifacts` and
    `.instructions` run here.

    The row count changes by design (fan-out): one input row becomes one row per target, in
    document order, and input order is kept. A document with fewer eligible sentences than
    `num_targets` yields one row per eligible sentence. A document without targets yields exactly
    one row with null target columns and a code in `qabias_target_reason`, so nothing disappears
    silently: `missing`, `not_text` or `empty` (unusable document), `no_eligible_sentence`, or
    `duplicate_document` (a repeated document when `skip_duplicate_documents`);
    `qabias_target_detail` says more (the skipped sentences by kind, the earlier document).
    Duplicate detection is per step instance (each replica sees its own batches).

    Attributes:
        document_column: column holding the document. Defaults to `"document"`.
        artifacts_column: column with artifacts found by `ScrubArtifacts`. Defaults to `qabias_artifacts`.
        instruction_spans_column: column with spans found by `FilterInstructionSpans`. Defaults to
            `qabias_instruction_spans`.
        min_chars: shortest eligible sentence, in characters. Defaults to `25`.
        min_words: fewest words an eligible sentence has. Defaults to `4`.
        num_targets: runtime parameter, see below.
        seed: runtime parameter, see below.
        skip_duplicate_documents: runtime parameter, see below.

    Runtime parameters:
        - `num_targets`: target sentences per document (at least 1). Defaults to `4`.
        - `seed`: seed of the draw within each stratum. Defaults to `0`.
        - `skip_duplicate_documents`: emit one tagged row instead of targets for a document already
            seen. Defaults to `True`.

    Input columns:
        - document (`str`): the document.
        - qabias_artifacts (`List[Dict]`, optional): artifacts from `ScrubArtifacts`.
        - qabias_instruction_spans (`List[Dict]`, optional): spans from `FilterInstructionSpans`.

    Output columns:
        - target_text (`str` or `None`): the target sentence.
        - qabias_target_start (`int` or `None`): its character offset in the document.
        - qabias_target_end (`int` or `None`): its end offset (exclusive).
        - qabias_target_sentence (`int` or `None`): its index in the document's segmentation.
        - qabias_target_reason (`str` or `None`): why the document got no target, a short code.
        - qabias_target_detail (`str` or `None`): what the reason refers to.

    Categories:
        - columns

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

        Generate one question per target sentence:

        ```python
        from distilabel.pipeline import Pipeline
        from distilabel.steps import LoadDataFromDicts
        from distilabel.steps.tasks import TextGeneration
        from distilabel_qabias import SampleTargetSpans

        with Pipeline() as pipeline:
            data = LoadDataFromDicts(data=[{"document": "..."}])
            targets = SampleTargetSpans(num_targets=4)
            ask = TextGeneration(
                llm=...,
                template=(
                    "{{ document }}\\n\\n"
                    "Ask one question that is answered by this sentence: {{ target_text }}"
                ),
                columns=["document", "target_text"],
            )
            data >> targets >> ask
        ```
    """

    document_column: str = "document"
    artifacts_column: str = schema.ARTIFACTS
    instruction_spans_column: str = schema.INSTRUCTION_SPANS
    min_chars: int = MIN_CHARS
    min_words: int = MIN_WORDS

    num_targets: RuntimeParameter[int] = Field(default=4, ge=1, description="Target sentences per document.")
    seed: RuntimeParameter[int] = Field(default=0, description="Seed of the draw within each stratum.")
    skip_duplicate_documents: RuntimeParameter[bool] = Field(
        default=True, description="Emit one tagged row instead of targets for a document already seen."
    )

    _seen: dict = PrivateAttr(default_factory=dict)

    @property
    def inputs(self) -> "StepColumns":
        return {self.document_column: True, self.artifacts_column: False, self.instruction_spans_column: False}

    @property
    def outputs(self) -> "StepColumns":
        return [schema.TARGET_TEXT, schema.TARGET_START, schema.TARGET_END, schema.TARGET_SENTENCE,
                schema.TARGET_REASON, schema.TARGET_DETAIL]

    def process(self, inputs: StepInput) -> "StepOutput":  # type: ignore[override]
        schema.require_columns(inputs, [self.document_column], self.name)
        set_aside_non_text(inputs, [self.document_column])
        out: list[Row] = []
        for row in inputs:
            targets, reason, detail = self._targets(row)
            if not targets:
                out.append({**row, schema.TARGET_TEXT: None, schema.TARGET_START: None, schema.TARGET_END: None,
                            schema.TARGET_SENTENCE: None, schema.TARGET_REASON: reason, schema.TARGET_DETAIL: detail})
            for sentence in targets:
                out.append({**row, schema.TARGET_TEXT: sentence.text, schema.TARGET_START: sentence.start,
                            schema.TARGET_END: sentence.end, schema.TARGET_SENTENCE: sentence.index,
                            schema.TARGET_REASON: None, schema.TARGET_DETAIL: None})
        yield out

    def _targets(self, row: Row) -> tuple[list[Any], Optional[str], Optional[str]]:
        """``(target sentences, reason code, detail)`` for one row."""
        document, unusable = text_cell(row, self.document_column)
        if unusable:
            return [], unusable, f"column '{self.document_column}'"
        if self.skip_duplicate_documents:
            digest = hashlib.blake2b(document.encode("utf-8"), digest_size=16).hexdigest()
            if digest in self._seen:
                return [], schema.Reason.DUPLICATE_DOCUMENT.value, f"same text as document #{self._seen[digest]} seen by this step"
            self._seen[digest] = len(self._seen)
        selection = select_targets(
            document,
            self.num_targets,
            seed=self.seed,
            artifacts=spans_from_records(row.get(self.artifacts_column), field_name=self.document_column),
            instructions=spans_from_records(row.get(self.instruction_spans_column)),
            min_chars=self.min_chars,
            min_words=self.min_words,
        )
        return selection.targets, selection.reason, selection.detail
