"""The bias report's metrics as per-document numerators and denominators, for intervals over
documents and paired comparisons between arms (:mod:`distilabel_qabias.report.intervals`).

Each document's rows get a report of their own (``build_report`` on that document's columns), so
every metric is defined exactly as in the dataset-level report; :func:`metric_ratios` then turns
the per-document reports into one :class:`~distilabel_qabias.report.intervals.Ratio` per metric,
whose pooled value is the dataset-level metric (a mean over documents, or a pooled share).
Plain module: no distilabel import and no row dicts.
"""

from __future__ import annotations

import math
from dataclasses import fields, replace
from typing import Callable, Hashable, Mapping, Optional, Sequence

from distilabel_qabias.report.build import build_report
from distilabel_qabias.report.documents import ReportColumns
from distilabel_qabias.report.intervals import Ratio
from distilabel_qabias.report.model import BiasReport, ReportConfig

# metric key -> what it is (used as the row label of result tables; keys are stable JSON keys)
METRICS: dict[str, str] = {
    "coverage": "coverage (share of sentences hit)",
    "uniform_coverage": "reference: same hits spread uniformly",
    "coverage_minus_uniform": "coverage minus uniform reference",
    "coverage_over_uniform": "coverage / uniform reference",
    "gini": "Gini of hits over sentences",
    "cross_prompt_jaccard": "cross-prompt overlap (Jaccard of hit sentences)",
    "random_jaccard": "reference: same hits placed at random",
    "jaccard_minus_random": "cross-prompt overlap minus random reference",
    "hijack_rate": "hijack rate (share of hits on markup)",
    "markup_share": "reference: markup share of the sentences",
    "hijack_minus_markup": "hijack rate minus markup share (hit-weighted)",
    "duplicate_rate": "duplicate rate (converged questions)",
    "grounded_share": "grounded share of rows",
    "on_target_share": "target adherence: evidence is the target",
    "within_one_share": "target adherence: evidence within one sentence",
    "chance_on_target": "reference: on target by chance",
}


def split_by_document(columns: ReportColumns, keys: Sequence[Hashable]) -> dict[Hashable, ReportColumns]:
    """One ``ReportColumns`` per distinct key (rows kept in order); ``keys`` has one key per row."""
    if len(keys) != len(columns):
        raise ValueError(f"{len(keys)} document keys for {len(columns)} rows")
    rows_of: dict[Hashable, list[int]] = {}
    for i, key in enumerate(keys):
        rows_of.setdefault(key, []).append(i)
    sequences = [f.name for f in fields(columns) if f.name != "rejected_by" and getattr(columns, f.name) is not None]
    return {
        key: replace(columns, rejected_by=None, **{name: [getattr(columns, name)[i] for i in rows] for name in sequences})
        for key, rows in rows_of.items()
    }


def document_reports(
    columns: ReportColumns, keys: Sequence[Hashable], config: ReportConfig = ReportConfig(), *, seed: int = 0
) -> dict[Hashable, BiasReport]:
    """A bias report per document (see the module docstring)."""
    return {key: build_report(part, config, seed=seed) for key, part in split_by_document(columns, keys).items()}


def _num(value: Optional[float]) -> float:
    return math.nan if value is None else float(value)


def _per_document(reports: Sequence[BiasReport], pick: Callable[[BiasReport], tuple[float, float]]) -> Ratio:
    pairs = [pick(r) for r in reports]
    return Ratio.of([p[0] for p in pairs], [p[1] for p in pairs])


def _mean(value: Callable[[BiasReport], Optional[float]]) -> Callable[[BiasReport], tuple[float, float]]:
    return lambda r: (_num(value(r)), 1.0)


def _hijack(r: BiasReport, minus_markup: bool) -> tuple[float, float]:
    a = r.artifacts
    if a is None or not a.hit_rows:
        return math.nan, math.nan
    return (a.hijacked_rows - a.hit_rows * a.sentence_share if minus_markup else a.hijacked_rows), a.hit_rows


def _saturation(r: BiasReport, k: int) -> tuple[float, float]:
    s = r.saturation
    if s is None:  # no hit in this document: coverage stays 0 for every k it has rows for
        return (0.0, 1.0) if r.coverage.rows >= k else (math.nan, math.nan)
    return (s.mean_coverage[k - 1], 1.0) if len(s.k) >= k else (math.nan, math.nan)


def _position(r: BiasReport, b: int, observed: bool) -> tuple[float, float]:
    p = r.position
    if p is None:
        return 0.0, 0.0
    hits = sum(p.hits)
    share = p.observed_share[b] if observed else p.expected_share[b]
    return share * hits, hits


def metric_ratios(
    reports: Mapping[Hashable, BiasReport], order: Sequence[Hashable], *, saturation_k: int = 0, position_bins: int = 0
) -> dict[str, Ratio]:
    """Every metric as a :class:`Ratio` over the documents in ``order`` (a document missing from
    ``reports`` counts as undefined). Target adherence only when some report has a targets section;
    ``saturation_k{k}`` for k = 1..saturation_k; ``position_observed_{b}`` / ``position_expected_{b}``
    for the evidence position histogram bins."""
    docs = [reports.get(key) or BiasReport() for key in order]
    ratios: dict[str, Ratio] = {
        "coverage": _per_document(docs, _mean(lambda r: r.coverage.mean_coverage)),
        "uniform_coverage": _per_document(docs, _mean(lambda r: r.coverage.uniform_mean_coverage)),
        "coverage_minus_uniform": _per_document(
            docs, _mean(lambda r: _num(r.coverage.mean_coverage) - _num(r.coverage.uniform_mean_coverage))
        ),
        "coverage_over_uniform": _per_document(
            docs, lambda r: (_num(r.coverage.mean_coverage), _num(r.coverage.uniform_mean_coverage))
        ),
        "gini": _per_document(docs, _mean(lambda r: r.concentration.mean_gini)),
        "cross_prompt_jaccard": _per_document(docs, _mean(lambda r: r.convergence and r.convergence.mean_pairwise_jaccard)),
        "random_jaccard": _per_document(docs, _mean(lambda r: r.convergence and r.convergence.random_pairwise_jaccard)),
        "jaccard_minus_random": _per_document(
            docs,
            _mean(
                lambda r: _num(r.convergence.mean_pairwise_jaccard) - _num(r.convergence.random_pairwise_jaccard)
                if r.convergence
                else None
            ),
        ),
        "hijack_rate": _per_document(docs, lambda r: _hijack(r, False)),
        "markup_share": _per_document(
            docs, lambda r: (r.artifacts.sentence_share * r.coverage.sentences, r.coverage.sentences) if r.artifacts else (math.nan, math.nan)
        ),
        "hijack_minus_markup": _per_document(docs, lambda r: _hijack(r, True)),
        "duplicate_rate": _per_document(docs, lambda r: (r.dedup.duplicates, r.coverage.rows) if r.dedup else (math.nan, math.nan)),
        "grounded_share": _per_document(
            docs, lambda r: (r.grounding.grounded, r.grounding.grounded + r.grounding.ungrounded) if r.grounding else (math.nan, math.nan)
        ),
    }
    if any(r.targets is not None for r in docs):
        ratios["on_target_share"] = _per_document(
            docs, lambda r: (r.targets.on_target, r.targets.rows_with_target) if r.targets else (math.nan, math.nan)
        )
        ratios["within_one_share"] = _per_document(
            docs, lambda r: (r.targets.within_one, r.targets.rows_with_target) if r.targets else (math.nan, math.nan)
        )
        ratios["chance_on_target"] = _per_document(
            docs,
            lambda r: (r.targets.chance_on_target * r.targets.rows_with_hit, r.targets.rows_with_hit)
            if r.targets and r.targets.chance_on_target is not None
            else (math.nan, math.nan),
        )
    for k in range(1, saturation_k + 1):
        ratios[f"saturation_k{k}"] = _per_document(docs, lambda r, k=k: _saturation(r, k))
    for b in range(position_bins):
        ratios[f"position_observed_{b}"] = _per_document(docs, lambda r, b=b: _position(r, b, True))
        ratios[f"position_expected_{b}"] = _per_document(docs, lambda r, b=b: _position(r, b, False))
    return ratios
