"""`QABiasReport`: the dataset-level bias report as a distilabel GlobalStep.

The Step reads the rows (the only place that knows the report's column names), hands plain
columns to :func:`distilabel_qabias.report.build_report`, tags each row with its hotspot heat and
the recomputed `qabias_keep`, and saves the report as a distilabel artifact.
"""

# No `from __future__ import annotations`: distilabel inspects the real `StepInput` annotation of `process`.

from collections import Counter
from dataclasses import replace
from itertools import count
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional

from distilabel.mixins.runtime_parameters import RuntimeParameter
from distilabel.steps.base import GlobalStep, StepInput
from pydantic import Field, PrivateAttr

from distilabel_qabias import schema
from distilabel_qabias.errors import InputError
from distilabel_qabias.report import BiasReport, ReportColumns, ReportConfig, build_report, write_report
from distilabel_qabias.steps.base import set_aside_non_text, text_cell

if TYPE_CHECKING:
    from distilabel.typing import StepColumns, StepOutput

DEFAULT_NAME = "qabias_report"

# Columns the report reads when present (besides the configured ones); all optional.
_OPTIONAL_INPUTS = (
    schema.EVIDENCE_START,
    schema.EVIDENCE_END,
    schema.GROUNDED,
    schema.GROUNDING_REASON,
    schema.ARTIFACTS,
    schema.INSTRUCTION_SPANS,
    schema.CLUSTER_ID,
    schema.CLUSTER_PROMPTS,
    schema.DUPLICATE_OF,
    schema.TARGET_SENTENCE,
    schema.TARGET_START,
    schema.KEEP_ARTIFACT,
    schema.KEEP_INSTRUCTION,
    schema.KEEP_GROUNDING,
    schema.KEEP_CONVERGENCE,
)


def _headline(report: BiasReport) -> Dict[str, Any]:
    """The numbers shown in the card's Artifacts section (flat keys, stable across versions)."""
    c, k = report.coverage, report.concentration
    values: Dict[str, Any] = {
        "rows": c.rows,
        "documents": c.documents,
        "hit_rows": c.hit_rows,
        "mean_coverage": c.mean_coverage,
        "uniform_mean_coverage": c.uniform_mean_coverage,
        "mean_gini": k.mean_gini,
        "mean_top10_share": k.mean_top10_share,
        "mean_position": c.mean_position,
        "expected_mean_position": c.expected_mean_position,
    }
    if report.position:
        values["position.first_bin_ratio"] = report.position.first_bin_ratio
        values["position.last_bin_ratio"] = report.position.last_bin_ratio
    if report.convergence:
        values["convergence.mean_pairwise_jaccard"] = report.convergence.mean_pairwise_jaccard
        values["convergence.random_pairwise_jaccard"] = report.convergence.random_pairwise_jaccard
        values["convergence.hotspot_agreement"] = report.convergence.hotspot_agreement
    if report.dedup:
        values["dedup.duplicate_rate"] = report.dedup.duplicate_rate
    if report.artifacts:
        values["artifacts.ratio_to_sentence_share"] = report.artifacts.ratio_to_sentence_share
    if report.exposure:
        values["exposure.hits_per_exposure"] = report.exposure.hits_per_exposure
    if report.targets:
        values["targets.on_target_share"] = report.targets.on_target_share
        values["targets.within_one_share"] = report.targets.within_one_share
    return values


class QABiasReport(GlobalStep):
    """Builds the QA bias report over all rows and tags each row with its hotspot heat.

    `QABiasReport` reads the evidence columns written by `TagSpanCoverage` (plus, when present,
    the artifact, instruction, dedup, target, seed-prompt, chunk-offset and keep-flag columns) and
    computes coverage, saturation, concentration (Gini, entropy, top-10% share), the evidence
    position histogram against a uniform reference, salience lifts (headings, list items, table
    cells, numbers, markup), artifact hijack, convergence across seed prompts, dedup statistics,
    exposure-normalised hit rates (with chunk offsets), grounding and target adherence (with
    `qabias_target_sentence`: share of questions whose evidence sentence is their target, and
    within one sentence of it). The report is saved as the distilabel artifact `artifact_name`
    (report.json, report.md, PNG plots), so its headline numbers reach the auto-generated dataset
    card and the files are uploaded with `push_to_hub`. `qabias_keep` is recomputed as the AND of
    every keep flag on the row (after `CombineOutputs` the stored value is whichever branch was
    merged last). Rows are never dropped or reordered. The default step name is `qabias_report`
    (`qabias_report_1`, ... for further reports in the same pipeline).

    Attributes:
        document_column: column with the full document the evidence offsets index. Defaults to `"document"`.
        question_column: column with the question (an example question per hotspot). Defaults to `"question"`.
        prompt_column: optional seed-prompt kind per row; enables the convergence section.
        document_id_column: optional document id; otherwise documents are identified by their text.
        chunk_start_column: optional start offset of the part of the document shown to the generator; without it, `qabias_chunk_start`/`qabias_chunk_end` are used when the rows carry them.
        chunk_end_column: optional end offset of that part (give both chunk columns or neither).
        artifact_name: name of the saved artifact. Defaults to `"qabias_report"`.
        grounded_only: (runtime parameter) rows with `qabias_grounded == False` do not count as hits. Defaults to `True`.
        position_bins: (runtime parameter) bins of the evidence position histogram. Defaults to `10`.

    Runtime parameters:
        - `grounded_only`: rows with `qabias_grounded == False` do not count as hits.
        - `position_bins`: bins of the evidence position histogram.

    Input columns:
        - document (`str`): the document the evidence offsets index (name set by `document_column`).
        - qabias_evidence_sentence (`int | None`): evidence sentence index from `TagSpanCoverage`.
        - question (`str`, optional): the question, quoted as an example per hotspot (`question_column`).
        - qabias_evidence_start (`int | None`, optional): evidence start offset, for the artifact hijack.
        - qabias_evidence_end (`int | None`, optional): evidence end offset, for the artifact hijack.
        - qabias_grounded (`bool`, optional): rows with False are not hits when `grounded_only`.
        - qabias_grounding_reason (`str | None`, optional): counted per code in the grounding section.
        - qabias_artifacts (`list`, optional): artifact spans of the document (tag mode), for salience and hijack.
        - qabias_instruction_spans (`list`, optional): passages addressed to a model, counted per document.
        - qabias_cluster_id (`int`, optional): convergence cluster; enables the dedup section.
        - qabias_cluster_prompts (`int`, optional): distinct seed prompts per cluster.
        - qabias_duplicate_of (`int | None`, optional): duplicates, when the convergence keep flag is absent.
        - qabias_target_sentence (`int`, optional): fixed target sentence; enables target adherence.
        - qabias_target_start (`int`, optional): target offset, when the target index does not fit the segmentation.
        - keep_row_after_artifact_filtering (`bool`, optional): keep flag of `ScrubArtifacts`, AND-ed into `qabias_keep`.
        - keep_row_after_instruction_filtering (`bool`, optional): keep flag of `FilterInstructionSpans`.
        - keep_row_after_grounding_filtering (`bool`, optional): keep flag of `TagSpanCoverage`.
        - keep_row_after_convergence_filtering (`bool`, optional): keep flag of `DeduplicateConvergentQuestions`.
        - prompt (`str`, optional): seed-prompt kind, when `prompt_column` is set.
        - document_id (`str`, optional): document id, when `document_id_column` is set.
        - qabias_chunk_start (`int`, optional): start of the chunk shown to the generator (or `chunk_start_column`).
        - qabias_chunk_end (`int`, optional): end of that chunk (or `chunk_end_column`).

    Output columns:
        - qabias_span_hits (`int`): how many rows of the same document draw on the same evidence sentence (0 without a hit).
        - qabias_keep (`bool`): all keep flags on the row, AND-ed (written when the rows carry keep flags).

    Categories:
        - save

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
        # the report lies under distiset.artifacts_path / "qabias_report" / "qabias_report"
        ```

        Columns under other names (`input_mappings`):

        ```python
        report = QABiasReport(input_mappings={"question": "instruction", "qabias_grounded": "is_grounded"})
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

    def model_post_init(self, __context: Any) -> None:
        if not self.name:  # a readable default instead of distilabel's `q_a_bias_report_0`
            from distilabel.pipeline.base import _GlobalPipelineManager

            self.name = _free_name(self.pipeline or _GlobalPipelineManager.get_pipeline())
        super().model_post_init(__context)

    @property
    def inputs(self) -> "StepColumns":
        columns: Dict[str, bool] = {self.document_column: True, schema.EVIDENCE_SENTENCE: True}
        for configured in (self.prompt_column, self.document_id_column, self.chunk_start_column, self.chunk_end_column):
            if configured:
                columns[configured] = True
        columns.setdefault(self.question_column, False)
        for optional in _OPTIONAL_INPUTS:
            columns.setdefault(optional, False)
        if not self.chunk_start_column:
            columns.setdefault(schema.CHUNK_START, False)
            columns.setdefault(schema.CHUNK_END, False)
        return columns

    @property
    def outputs(self) -> "StepColumns":
        return [schema.SPAN_HITS, schema.KEEP]

    @property
    def report(self) -> Optional[BiasReport]:
        """The report of the last `process` call (in this process; pipeline steps run in workers)."""
        return self._report

    @property
    def card_image_prefix(self) -> str:
        """Where the PNGs land in a Hub repo pushed by distilabel (``artifacts/<step>/<artifact>/``)."""
        return f"artifacts/{self.name}/{self.artifact_name}/"

    @property
    def config(self) -> ReportConfig:
        return ReportConfig(
            document_column=self.document_column,
            question_column=self.question_column,
            prompt_column=self.prompt_column,
            document_id_column=self.document_id_column,
            chunk_start_column=self.chunk_start_column,
            chunk_end_column=self.chunk_end_column,
            grounded_only=self.grounded_only,
            position_bins=self.position_bins,
        )

    def process(self, inputs: StepInput) -> "StepOutput":  # type: ignore[override]
        report = self.build(inputs)
        self._report = report
        self.save_artifact(
            name=self.artifact_name,
            write_function=lambda path: write_report(report, path),
            metadata=self._card_metadata(report),
        )
        yield inputs

    def build(self, rows: List[Dict[str, Any]]) -> BiasReport:
        """Build the report over ``rows`` and tag them in place (`qabias_span_hits`, `qabias_keep`)."""
        if (self.chunk_start_column is None) != (self.chunk_end_column is None):
            raise InputError("QABiasReport: give both chunk_start_column and chunk_end_column, or neither")
        required = [self.document_column, schema.EVIDENCE_SENTENCE]
        required += [c for c in (self.prompt_column, self.document_id_column, self.chunk_start_column, self.chunk_end_column) if c]
        schema.require_columns(rows, required, where="QABiasReport")
        set_aside_non_text(rows, [self.document_column, self.question_column])
        config = self.config
        if config.chunk_start_column is None and _present(rows, schema.CHUNK_START) and _present(rows, schema.CHUNK_END):
            # Generators that record the chunk they showed (SampleChunks) get exposure stats by default.
            config = replace(config, chunk_start_column=schema.CHUNK_START, chunk_end_column=schema.CHUNK_END)
        report = build_report(report_columns(rows, config), config)
        for row, hits in zip(rows, report.span_hits):
            row[schema.SPAN_HITS] = hits
        return report

    def _card_metadata(self, report: BiasReport) -> Dict[str, Any]:
        """Headline numbers shown in the card's Artifacts section (flat, rounded)."""
        prefix = self.card_image_prefix
        metadata: Dict[str, Any] = {
            "report": f"[report.md]({prefix}report.md) · [report.json]({prefix}report.json) · PNG plots"
        }
        for key, value in _headline(report).items():
            if value is not None and value == value:  # not None, not NaN
                metadata[key] = round(value, 3) if isinstance(value, float) else value
        if report.is_empty:
            metadata["note"] = report.notes[0] if report.notes else "no hits"
        return metadata


def _free_name(pipeline: Any) -> str:
    """``qabias_report``, or the first ``qabias_report_<n>`` no other step of ``pipeline`` uses."""
    taken = set(pipeline.dag.G.nodes) if pipeline is not None else set()
    if DEFAULT_NAME not in taken:
        return DEFAULT_NAME
    return next(f"{DEFAULT_NAME}_{i}" for i in count(1) if f"{DEFAULT_NAME}_{i}" not in taken)


def _present(rows: List[Dict[str, Any]], column: str) -> bool:
    return any(column in row for row in rows)


def _column(rows: List[Dict[str, Any]], column: Optional[str], present: set) -> Optional[List[Any]]:
    return [row.get(column) for row in rows] if column and column in present else None


def report_columns(rows: List[Dict[str, Any]], config: ReportConfig) -> ReportColumns:
    """The report's input columns from ``rows``; ``qabias_keep`` is rewritten on rows with keep flags."""
    present = {key for row in rows for key in row}
    documents, reasons = [], []
    for row in rows:
        text, reason = text_cell(row, config.document_column)
        documents.append(text)
        reasons.append(reason)
    kept, rejected_by = _keep(rows, present)
    return ReportColumns(
        documents=documents,
        document_reasons=reasons,
        evidence_sentences=[row.get(schema.EVIDENCE_SENTENCE) for row in rows],
        evidence_starts=_column(rows, schema.EVIDENCE_START, present),
        evidence_ends=_column(rows, schema.EVIDENCE_END, present),
        grounded=_column(rows, schema.GROUNDED, present),
        grounding_reasons=_column(rows, schema.GROUNDING_REASON, present),
        questions=_column(rows, config.question_column, present),
        document_ids=_column(rows, config.document_id_column, present),
        prompts=_column(rows, config.prompt_column, present),
        chunk_starts=_column(rows, config.chunk_start_column, present),
        chunk_ends=_column(rows, config.chunk_end_column, present),
        artifacts=_artifacts(rows, config.document_column) if schema.ARTIFACTS in present else None,
        instruction_spans=_instruction_spans(rows) if schema.INSTRUCTION_SPANS in present else None,
        cluster_ids=_column(rows, schema.CLUSTER_ID, present),
        cluster_prompts=_column(rows, schema.CLUSTER_PROMPTS, present),
        duplicate_of=_column(rows, schema.DUPLICATE_OF, present),
        keep_convergence=_column(rows, schema.KEEP_CONVERGENCE, present),
        target_sentences=_column(rows, schema.TARGET_SENTENCE, present),
        target_starts=_column(rows, schema.TARGET_START, present),
        kept=kept,
        rejected_by=rejected_by,
    )


def _keep(rows: List[Dict[str, Any]], present: set) -> tuple:
    """Each row's combined keep flag (written back to `qabias_keep`) and how many rows each flag rejects."""
    flags = sorted(c for c in present if schema.is_keep_flag(c))
    if not flags and schema.KEEP not in present:
        return None, None
    rejected: Counter = Counter()
    kept = []
    for row in rows:
        # schema.combined_keep(row), with the batch's flags found once instead of scanning every key of every row
        failed = [flag for flag in flags if row.get(flag) is False]
        row[schema.KEEP] = not failed
        kept.append(not failed)
        rejected.update(failed)
    return kept, {flag: rejected[flag] for flag in flags}


def _artifacts(rows: List[Dict[str, Any]], document_column: str) -> List[Optional[list]]:
    """Per row, the (start, end, type, removed) spans recorded for the document field; None if not a list."""
    out: List[Optional[list]] = []
    for row in rows:
        items = row.get(schema.ARTIFACTS)
        if not isinstance(items, (list, tuple)):
            out.append(None)
            continue
        out.append([
            (item.get("start"), item.get("end"), str(item.get("type", "")), bool(item.get("removed")))
            for item in items
            if isinstance(item, Mapping) and item.get("field") == document_column
        ])
    return out


def _instruction_spans(rows: List[Dict[str, Any]]) -> List[Optional[list]]:
    out: List[Optional[list]] = []
    for row in rows:
        items = row.get(schema.INSTRUCTION_SPANS)
        if not isinstance(items, (list, tuple)):
            out.append(None)
            continue
        out.append([(i.get("start"), i.get("end"), str(i.get("kind", ""))) for i in items if isinstance(i, Mapping)])
    return out
