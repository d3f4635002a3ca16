"""The QA bias report as typed, immutable data: one frozen dataclass per section.

``BiasReport.to_dict()`` gives the JSON written to ``report.json`` (and pushed with datasets);
``BiasReport.from_dict()`` reads it back, so code that consumes a saved report uses the same
attributes as code that holds the live object. A section is ``None`` when its inputs were absent.
Numbers that are undefined (no hits, empty denominators) are NaN in memory and ``null`` in JSON.

Plain module: no distilabel import, no row dicts; JSON handling in :mod:`distilabel_qabias.report.section`;
built by :mod:`distilabel_qabias.report.build`, rendered by :mod:`distilabel_qabias.report.render`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping, Optional

from distilabel_qabias.report.section import Section, json_value

REPORT_TITLE = "QA bias report"

Vector = tuple[Optional[float], ...]


@dataclass(frozen=True)
class ReportConfig(Section):
    """How the report was built: the columns it read and its binning (JSON ``config``)."""

    document_column: str = "document"
    question_column: str = "question"
    prompt_column: Optional[str] = None
    document_id_column: Optional[str] = None
    chunk_start_column: Optional[str] = None
    chunk_end_column: Optional[str] = None
    grounded_only: bool = True
    position_bins: int = 10
    heat_bins: int = 20


@dataclass(frozen=True)
class Coverage(Section):
    """How much of each document the questions reach, and where on average (JSON ``summary``, with
    :class:`Concentration`). ``row_problems`` counts rows that could not be used, by cause."""

    rows: int = 0
    documents: int = 0
    documents_with_hits: int = 0
    hit_rows: int = 0
    rows_without_hit: int = 0
    row_problems: Mapping[str, int] = field(default_factory=dict)
    sentences: int = 0
    mean_sentences_per_document: Optional[float] = None
    mean_rows_per_document: Optional[float] = None
    mean_coverage: Optional[float] = None
    uniform_mean_coverage: Optional[float] = None
    pooled_coverage: Optional[float] = None
    mean_position: Optional[float] = None
    expected_mean_position: Optional[float] = None


@dataclass(frozen=True)
class Concentration(Section):
    """How unevenly hits spread over a document's sentences, averaged over documents with hits."""

    mean_gini: Optional[float] = None
    mean_entropy: Optional[float] = None
    mean_top10_share: Optional[float] = None


@dataclass(frozen=True)
class Saturation(Section):
    """Mean coverage after the first ``k`` questions of each document, observed and uniform."""

    k: tuple[int, ...]
    mean_coverage: Vector
    uniform_coverage: Vector
    documents: tuple[int, ...]


@dataclass(frozen=True)
class Position(Section):
    """Evidence position histogram against the uniform-over-sentences expectation."""

    bins: int
    hits: Vector
    observed_share: Vector
    expected_share: Vector
    ratio: Vector
    first_bin_ratio: Optional[float]
    last_bin_ratio: Optional[float]


@dataclass(frozen=True)
class Heat(Section):
    """Relative hit density along each document (1 = even spread): all documents and the busiest ones."""

    bins: int
    aggregate: Vector
    documents: tuple[str, ...]
    matrix: tuple[Vector, ...]


@dataclass(frozen=True)
class SalienceFeature(Section):
    """Hit rates of sentences carrying one feature, and their lift over plain sentences."""

    sentences: int
    covered: int
    hits: int
    coverage_rate: Optional[float]
    hits_per_sentence: Optional[float]
    coverage_lift: Optional[float]
    hits_lift: Optional[float]
    position_adjusted_lift: Optional[float]


@dataclass(frozen=True)
class ArtifactHijack(Section):
    """Share of QA rows whose evidence overlaps an artifact span, against the artifacts' share of text."""

    documents: int
    spans: int
    types: Mapping[str, int]
    removed_spans_ignored: int
    text_share: Optional[float]
    sentence_share: Optional[float]
    hit_rows: int
    hijacked_rows: int
    qa_share: Optional[float]
    ratio_to_text_share: Optional[float]
    ratio_to_sentence_share: Optional[float]


@dataclass(frozen=True)
class PromptStats(Section):
    """Coverage of one seed-prompt kind, averaged over the documents it was used on."""

    rows: int
    hit_rows: int
    documents: int
    mean_coverage: Optional[float]
    mean_gini: Optional[float]
    mean_position: Optional[float]


@dataclass(frozen=True)
class Convergence(Section):
    """Whether different seed prompts draw on the same sentences, against random placement."""

    _nested: ClassVar[Mapping[str, type]] = {"prompts": PromptStats}

    prompts: Mapping[str, PromptStats]
    documents_compared: int
    mean_pairwise_jaccard: Optional[float]
    random_pairwise_jaccard: Optional[float]
    jaccard_ratio_to_random: Optional[float]
    hotspot_pairs: int
    hotspot_agreement: Optional[float]


_CLUSTER_FIELDS = (
    "clusters", "cluster_size_distribution", "largest_cluster", "multi_row_clusters",
    "cross_prompt_clusters", "cross_prompt_share",
)


@dataclass(frozen=True)
class Dedup(Section):
    """Converged (duplicate) questions; the cluster fields need ``qabias_cluster_id`` (None without it)."""

    duplicates: int
    duplicate_rate: Optional[float]
    clusters: Optional[int] = None
    cluster_size_distribution: Optional[Mapping[str, int]] = None
    largest_cluster: Optional[int] = None
    multi_row_clusters: Optional[int] = None
    cross_prompt_clusters: Optional[int] = None
    cross_prompt_share: Optional[float] = None

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        if self.clusters is None:  # JSON without cluster ids carries the duplicate counts only
            for name in _CLUSTER_FIELDS:
                del data[name]
        return data


@dataclass(frozen=True)
class Exposure(Section):
    """How often each position was shown to the generator, and hits per exposure."""

    rows_with_chunk: int
    exposures: int
    hits_inside_chunk: int
    hits_outside_chunk: int
    hits_per_exposure: Optional[float]
    mean_sentence_hits_per_exposure: Optional[float]
    relative_exposure_by_bin: Vector
    hits_per_exposure_by_bin: Vector


@dataclass(frozen=True)
class Grounding(Section):
    """The ``qabias_grounded`` flag over all rows, and the reason codes of ungrounded rows."""

    rows: int
    grounded: int
    ungrounded: int
    unknown: int
    grounded_share: Optional[float]
    reasons: Mapping[str, int]


@dataclass(frozen=True)
class TargetAdherence(Section):
    """Whether questions written for a fixed target sentence draw their evidence from it.

    Shares are over rows with a target (a row without a hit misses it) and, ``*_of_hits``, over
    those of them with a hit; ``chance_*`` is the same share if the hit sentence were uniformly random.
    """

    rows_with_target: int
    rows_with_hit: int
    on_target: int
    within_one: int
    on_target_share: Optional[float]
    within_one_share: Optional[float]
    on_target_share_of_hits: Optional[float]
    within_one_share_of_hits: Optional[float]
    chance_on_target: Optional[float]
    chance_within_one: Optional[float]


@dataclass(frozen=True)
class Instructions(Section):
    """Passages addressed to a model (``qabias_instruction_spans``), counted per distinct document."""

    documents_scanned: int
    documents_with_spans: int
    spans: int
    kinds: Mapping[str, int]


@dataclass(frozen=True)
class KeepFlags(Section):
    """Rows passing every ``keep_row_after_*_filtering`` flag, and how many rows each flag rejects."""

    rows: int
    kept: int
    kept_share: Optional[float]
    rejected_by: Mapping[str, int]


@dataclass(frozen=True)
class Hotspot(Section):
    """One of the most-hit sentences of the dataset."""

    document: str
    sentence: int
    hits: int
    share_of_document_hits: Optional[float]
    position: Optional[float]
    text: str
    example_question: Optional[str]


@dataclass(frozen=True)
class DocumentStats(Section):
    """Coverage and concentration of one document."""

    document: str
    sentences: int
    characters: int
    rows: int
    hit_rows: int
    coverage: Optional[float]
    gini: Optional[float]
    entropy: Optional[float]
    top10_share: Optional[float]
    mean_position: Optional[float]


_SECTIONS: dict[str, type] = {
    "saturation": Saturation,
    "position": Position,
    "heat": Heat,
    "artifacts": ArtifactHijack,
    "convergence": Convergence,
    "dedup": Dedup,
    "exposure": Exposure,
    "grounding": Grounding,
    "targets": TargetAdherence,
    "instructions": Instructions,
    "keep": KeepFlags,
}


@dataclass(frozen=True)
class BiasReport:
    """Dataset-level bias statistics. Sections are ``None`` when their inputs are absent.

    ``span_hits`` holds ``qabias_span_hits`` for each input row, in row order; it is not part of
    ``to_dict`` (the rows carry it).
    """

    config: ReportConfig = field(default_factory=ReportConfig)
    coverage: Coverage = field(default_factory=Coverage)
    concentration: Concentration = field(default_factory=Concentration)
    saturation: Optional[Saturation] = None
    position: Optional[Position] = None
    heat: Optional[Heat] = None
    salience: Optional[Mapping[str, SalienceFeature]] = None
    artifacts: Optional[ArtifactHijack] = None
    convergence: Optional[Convergence] = None
    dedup: Optional[Dedup] = None
    exposure: Optional[Exposure] = None
    grounding: Optional[Grounding] = None
    targets: Optional[TargetAdherence] = None
    instructions: Optional[Instructions] = None
    keep: Optional[KeepFlags] = None
    hotspots: tuple[Hotspot, ...] = ()
    per_document: tuple[DocumentStats, ...] = ()
    notes: tuple[str, ...] = ()
    span_hits: tuple[int, ...] = field(default=(), repr=False, compare=False)

    @property
    def is_empty(self) -> bool:
        """True when no row has a usable evidence sentence (coverage is undefined)."""
        return not self.coverage.hit_rows

    def with_notes(self, *notes: str) -> "BiasReport":
        """A copy with ``notes`` appended (e.g. what a later filter removed)."""
        return dataclasses.replace(self, notes=(*self.notes, *notes))

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``report.json``: plain types, NaN as None."""
        data: dict[str, Any] = {
            "title": REPORT_TITLE,
            "config": self.config.to_dict(),
            "summary": {**self.coverage.to_dict(), **self.concentration.to_dict()},
        }
        data["saturation"] = json_value(self.saturation)
        data["position"] = json_value(self.position)
        data["heat"] = json_value(self.heat)
        data["salience"] = json_value(self.salience)
        for name in ("artifacts", "convergence", "dedup", "exposure", "grounding", "targets", "instructions", "keep"):
            data[name] = json_value(getattr(self, name))
        data["hotspots"] = json_value(self.hotspots)
        data["per_document"] = json_value(self.per_document)
        data["notes"] = list(self.notes)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "BiasReport":
        """Read a report back from :meth:`to_dict` output (``json.load`` of ``report.json``).

        Keys this version does not know are ignored; sections missing from older files are None.
        """
        summary = data.get("summary") or {}
        sections = {
            name: section.from_dict(data[name]) for name, section in _SECTIONS.items() if data.get(name) is not None
        }
        salience = data.get("salience")
        return cls(
            config=ReportConfig.from_dict(data.get("config") or {}),
            coverage=Coverage.from_dict(summary),
            concentration=Concentration.from_dict(summary),
            salience={k: SalienceFeature.from_dict(v) for k, v in salience.items()} if salience is not None else None,
            hotspots=tuple(Hotspot.from_dict(h) for h in data.get("hotspots") or ()),
            per_document=tuple(DocumentStats.from_dict(d) for d in data.get("per_document") or ()),
            notes=tuple(data.get("notes") or ()),
            **sections,
        )
