"""`QABiasReport`: the dataset-level bias report as a distilabel GlobalStep (thin adapter over report/)."""

# No `from __future__ import annotations`: distilabel inspects the real `StepInput` annotation of `process`.

from typing import TYPE_CHECKING, Any, Optional

from distilabel.mixins.runtime_parameters import RuntimeParameter
from distilabel.steps.base import GlobalStep, StepInput
from pydantic import Field, PrivateAttr

from distilabel_qabias import schema
from distilabel_qabias.report.model import BiasReport, build_report

if TYPE_CHECKING:
    from distilabel.typing import StepColumns, StepOutput

_HEADLINE = (
    ("summary", "rows"),
    ("summary", "documents"),
    ("summary", "hit_rows"),
    ("summary", "mean_coverage"),
    ("summary", "uniform_mean_coverage"),
    ("summary", "mean_gini"),
    ("summary", "mean_top10_share"),
    ("summary", "mean_position"),
    ("summary", "expected_mean_position"),
    ("position", "first_bin_ratio"),
    ("position", "last_bin_ratio"),
    ("convergence", "mean_pairwise_jaccard"),
    ("convergence", "random_pairwise_jaccard"),
    ("convergence", "hotspot_agreement"),
    ("dedup", "duplicate_rate"),
    ("artifacts", "ratio_to_sentence_share"),
    ("exposure", "hits_per_exposure"),
)


class QABiasReport(GlobalStep):
    """Builds the QA bias report over all rows and tags each row with its hotspot heat.

    `QABiasReport` reads the evidence columns written by `TagSpanCoverage` (plus, when present,
    the artifact, dedup, seed-prompt and chunk-offset columns) and computes coverage, saturation,
    concentration (Gini, entropy, top-10% share), the evidence position histogram against a
    uniform reference, salience lifts (headings, list items, table cells, numbers, markup),
    artifact hijack, convergence across seed prompts, dedup statistics and, with chunk offsets,
    exposure-normalised hit rates. The report is saved as the distilabel artifact
    `artifact_name` (report.json, report.md, PNG plots), so its headline numbers reach the
    auto-generated dataset card and the files are uploaded with `push_to_hub`. Rows are never
    dropped or reordered.

    Attributes:
        document_column: column with the full document the evidence offsets index. Defaults to `"document"`.
        question_column: column with the question (an example question per hotspot). Defaults to `"question"`.
        prompt_column: optional seed-prompt kind per row; enables the convergence section.
        document_id_column: optional document id; otherwise documents are identified by their text.
        chunk_start_column: optional start offset of the part of the document shown to the generator;
            without it, `qabias_chunk_start`/`qabias_chunk_end` are used when the rows carry them.
        chunk_end_column: optional end offset of that part (give both chunk columns or neither).
        artifact_name: name of the saved artifact. Defaults to `"qabias_report"`.
        grounded_only: rows with `qabias_grounded == False` do not count as hits. Defaults to `True`.
        position_bins: bins of the evidence position histogram. Defaults to `10`.

    Runtime parameters:
        - `grounded_only`: rows with `qabias_grounded == False` do not count as hits.
        - `position_bins`: bins of the evidence position histogram.

    Input columns:
        - document (`str`): the document (name set by `document_column`).
        - qabias_evidence_sentence (`int | None`): evidence sentence index from `TagSpanCoverage`.
        - qabias_evidence_start (`int | None`, optional): evidence offsets, used for the artifact hijack.
        - qabias_grounded (`bool`, optional): rows with False are not hits when `grounded_only`.
        - qabias_artifacts (`list`, optional): artifact spans of the document (tag mode) for salience and hijack.
        - qabias_cluster_id (`int`, optional): with `keep_row_after_convergence_filtering` and
            `qabias_cluster_prompts`, enables the dedup section.
        - prompt (`str`, optional): seed-prompt kind, when `prompt_column` is set.
        - chunk_start (`int`, optional): chunk offsets, when `chunk_start_column`/`chunk_end_column` are set
            (default: `qabias_chunk_start`/`qabias_chunk_end` when present).

    Output columns:
        - qabias_span_hits (`int`): how many rows of the same document draw on the same
          evidence sentence (0 for rows without a hit).

    Categories:
        - filtering

    Examples:
        Report on tagged QA rows:

        ```python
        from distilabel.pipeline import Pipeline
        from distilabel.steps import LoadDataFromDicts
        from distilabel_qabias import QABiasReport

        with Pipeline() as pipeline:
            rows = LoadDataFromDicts(data=[
                {"document": "Paris is in France. It is large.", "question": "Where is Paris?",
                 "qabias_evidence_sentence": 0},
            ])
            rows >> QABiasReport()

        distiset = pipeline.run(use_cache=False)
        # the report lies under distiset.artifacts_path / "q_a_bias_report_0" / "qabias_report"
        ```
    """

    document_column: str = "document"
    question_column: str = "question"
    prompt_column: Optional[str] = None
    document_id_column: Optional[str] = None
    chunk_start_column: Optional[str] = None
    chunk_end_column: Optional[str] = None
    artifact_name: str = "qabias_report"
    grounded_only: RuntimeParameter[bool] = Field(
        default=True, description="Rows with qabias_grounded == False do not count as hits."
    )
    position_bins: RuntimeParameter[int] = Field(
        default=10, description="Bins of the evidence position histogram."
    )

    _report: Optional[BiasReport] = PrivateAttr(default=None)

    @property
    def inputs(self) -> "StepColumns":
        optional = (self.prompt_column, self.document_id_column, self.chunk_start_column, self.chunk_end_column)
        return [self.document_column, schema.EVIDENCE_SENTENCE, *(c for c in optional if c)]

    @property
    def outputs(self) -> "StepColumns":
        return [schema.SPAN_HITS]

    @property
    def report(self) -> Optional[BiasReport]:
        """The report of the last `process` call (in this process; pipeline steps run in workers)."""
        return self._report

    @property
    def card_image_prefix(self) -> str:
        """Where the PNGs land in a Hub repo pushed by distilabel (``artifacts/<step>/<artifact>/``)."""
        return f"artifacts/{self.name}/{self.artifact_name}/"

    def process(self, inputs: StepInput) -> "StepOutput":  # type: ignore[override]
        report = build_report(
            inputs,
            document_column=self.document_column,
            question_column=self.question_column,
            prompt_column=self.prompt_column,
            document_id_column=self.document_id_column,
            chunk_start_column=self.chunk_start_column,
            chunk_end_column=self.chunk_end_column,
            grounded_only=self.grounded_only,
            position_bins=self.position_bins,
        )
        for row, hits in zip(inputs, report.span_hits):
            row[schema.SPAN_HITS] = hits
        self._report = report
        self.save_artifact(
            name=self.artifact_name,
            write_function=lambda path: report.write(path),
            metadata=self._card_metadata(report),
        )
        yield inputs

    def _card_metadata(self, report: BiasReport) -> dict[str, Any]:
        """Headline numbers shown in the card's Artifacts section (flat, rounded)."""
        data = report.to_dict()
        prefix = self.card_image_prefix
        metadata: dict[str, Any] = {
            "report": f"[report.md]({prefix}report.md) · [report.json]({prefix}report.json) · PNG plots"
        }
        for section, key in _HEADLINE:
            value = (data.get(section) or {}).get(key)
            if value is not None:
                metadata[f"{section}.{key}" if section != "summary" else key] = (
                    round(value, 3) if isinstance(value, float) else value
                )
        if report.is_empty:
            metadata["note"] = report.notes[0] if report.notes else "no hits"
        return metadata
