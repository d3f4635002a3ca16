"""Build a :class:`~distilabel_qabias.report.model.BiasReport` from the report's input columns.

``build_report(columns, config)`` computes coverage, concentration, saturation, the evidence
position histogram, the heat strip, hotspots and per-document statistics here, and the sections
that need optional columns (salience, artifact hijack, convergence, dedup, exposure, grounding,
target adherence, instructions, keep flags) in :mod:`distilabel_qabias.report.sections`.
Plain module: no distilabel import and no row dicts (the Step hands over columns).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from distilabel_qabias.coverage import stats
from distilabel_qabias.report import sections
from distilabel_qabias.report.documents import Document, DocumentIndex, ReportColumns, index_documents, short
from distilabel_qabias.report.model import (
    BiasReport,
    Concentration,
    Coverage,
    DocumentStats,
    Heat,
    Hotspot,
    Position,
    ReportConfig,
    Saturation,
)


def build_report(
    columns: ReportColumns,
    config: ReportConfig = ReportConfig(),
    *,
    heat_documents: int = 40,
    top_hotspots: int = 10,
    seed: int = 0,
) -> BiasReport:
    """Build the bias report over the rows whose columns are ``columns``.

    Args:
        columns: the input columns, in row order.
        config: the columns' names (recorded in the report) and the binning; ``grounded_only``
            makes rows whose grounded flag is False count as no hit.
        heat_documents: documents shown in the coverage heat strip (the most-hit ones).
        top_hotspots: sentences listed in the hotspot table.
        seed: seed of the random-placement reference for the cross-prompt Jaccard.
    """
    n_rows = len(columns)
    index = index_documents(columns, grounded_only=config.grounded_only)
    docs = [d for d in index.documents if d.n]
    counts = {id(d): d.counts() for d in docs}
    span_hits = [0] * n_rows
    for doc in docs:
        doc_counts = counts[id(doc)]
        for row, hit in zip(doc.rows, doc.hits):
            if hit >= 0:
                span_hits[row] = int(doc_counts[hit])
    hit_docs = [d for d in docs if counts[id(d)].sum() > 0]
    per_document = tuple(_document_stats(d, counts[id(d)]) for d in docs)
    coverage = _coverage(n_rows, docs, hit_docs, per_document, counts, index)
    with_hits = [e for e in per_document if e.hit_rows]
    concentration = Concentration(
        mean_gini=stats.nanmean([e.gini for e in with_hits]),
        mean_entropy=stats.nanmean([e.entropy for e in with_hits]),
        mean_top10_share=stats.nanmean([e.top10_share for e in with_hits]),
    )
    report: dict[str, Any] = {
        "config": config,
        "coverage": coverage,
        "concentration": concentration,
        "per_document": per_document,
        "span_hits": tuple(span_hits),
        "grounding": sections.grounding(columns),
        "keep": sections.keep_flags(columns),
        "instructions": sections.instructions(index.documents) if columns.instruction_spans is not None else None,
    }
    report["notes"] = tuple(_notes(n_rows, coverage, index, columns, config))
    if not hit_docs:
        return BiasReport(**report)
    bins = config.position_bins
    rng = np.random.default_rng(seed)
    report.update(
        saturation=_saturation(docs),
        position=_position(hit_docs, counts, bins),
        heat=_heat(hit_docs, counts, config.heat_bins, heat_documents),
        salience=sections.salience(docs, counts, bins),
        artifacts=sections.artifact_hijack(docs, index.removed_artifact_spans) if columns.artifacts is not None else None,
        convergence=sections.convergence(docs, rng) if columns.prompts is not None else None,
        dedup=sections.dedup(columns),
        exposure=sections.exposure(docs, bins) if columns.chunk_starts is not None else None,
        targets=sections.target_adherence(docs) if columns.target_sentences is not None else None,
        hotspots=_hotspots(hit_docs, counts, top_hotspots, columns.questions),
    )
    return BiasReport(**report)


def _document_stats(doc: Document, counts: np.ndarray) -> DocumentStats:
    hits = np.asarray(doc.hits)
    hit_sentences = hits[hits >= 0]
    return DocumentStats(
        document=doc.label,
        sentences=doc.n,
        characters=len(doc.text),
        rows=len(doc.rows),
        hit_rows=int(hit_sentences.size),
        coverage=stats.coverage(counts),
        gini=stats.gini(counts),
        entropy=stats.normalized_entropy(counts),
        top10_share=stats.top_share(counts, 0.1),
        mean_position=float(doc.positions[hit_sentences].mean()) if hit_sentences.size else None,
    )


def _coverage(
    n_rows: int,
    docs: list[Document],
    hit_docs: list[Document],
    entries: Sequence[DocumentStats],
    counts: dict,
    index: DocumentIndex,
) -> Coverage:
    hit_rows = sum(e.hit_rows for e in entries)
    total_sentences = sum(d.n for d in docs)
    covered = sum(int(np.count_nonzero(counts[id(d)])) for d in docs)
    hit_arrays = [(d, np.asarray(d.hits)) for d in hit_docs]
    hit_positions = np.concatenate([d.positions[h[h >= 0]] for d, h in hit_arrays]) if hit_arrays else np.array([])
    expected_positions = [np.full(int((h >= 0).sum()), d.positions.mean()) for d, h in hit_arrays]
    return Coverage(
        rows=n_rows,
        documents=len(docs),
        documents_with_hits=len(hit_docs),
        hit_rows=hit_rows,
        rows_without_hit=n_rows - hit_rows,
        row_problems=dict(sorted(index.problems.items())),
        sentences=total_sentences,
        mean_sentences_per_document=total_sentences / len(docs) if docs else None,
        mean_rows_per_document=sum(len(d.rows) for d in docs) / len(docs) if docs else None,
        mean_coverage=stats.nanmean([e.coverage for e in entries]),
        uniform_mean_coverage=stats.nanmean(
            [float(stats.uniform_saturation(e.hit_rows, e.sentences)) for e in entries]
        ),
        pooled_coverage=covered / total_sentences if total_sentences else None,
        mean_position=float(hit_positions.mean()) if hit_positions.size else None,
        expected_mean_position=float(np.concatenate(expected_positions).mean()) if hit_positions.size else None,
    )


def _notes(n_rows: int, coverage: Coverage, index: DocumentIndex, columns: ReportColumns, config: ReportConfig) -> list[str]:
    notes = []
    if n_rows == 0:
        notes.append("The dataset is empty: there is nothing to report.")
    elif not coverage.hit_rows:
        notes.append(
            "No row has a usable evidence sentence, so coverage statistics are undefined; "
            "run TagSpanCoverage before QABiasReport."
        )
    if n_rows and columns.grounded is None and config.grounded_only:
        notes.append(
            "No grounded flag (qabias_grounded) in the data: every resolved evidence sentence counts as a hit, "
            "grounded or not. Run TagSpanCoverage, or map your grounding column onto qabias_grounded."
        )
    for problem, count in sorted(index.problems.items()):
        notes.append(f"{count} row(s): {problem}.")
    if index.removed_artifact_spans:
        notes.append(
            f"{index.removed_artifact_spans} artifact span(s) were removed by scrubbing; their offsets index "
            "the original text, not the document column, so the artifact hijack ignores them."
        )
    return notes


def _saturation(docs: list[Document]) -> Saturation:
    longest = max(len(d.rows) for d in docs)
    coverage_sum = np.zeros(longest)
    uniform_sum = np.zeros(longest)
    documents = np.zeros(longest, dtype=np.int64)
    for doc in docs:
        hits = np.asarray(doc.hits, dtype=np.int64)
        m = hits.size
        coverage_sum[:m] += stats.saturation(hits, doc.n)
        uniform_sum[:m] += stats.uniform_saturation(np.cumsum(hits >= 0), doc.n)
        documents[:m] += 1
    return Saturation(
        k=tuple(range(1, longest + 1)),
        mean_coverage=tuple((coverage_sum / documents).tolist()),
        uniform_coverage=tuple((uniform_sum / documents).tolist()),
        documents=tuple(documents.tolist()),
    )


def _position(hit_docs: list[Document], counts: dict, bins: int) -> Position:
    observed = np.zeros(bins)
    expected = np.zeros(bins)
    for doc in hit_docs:
        doc_counts = counts[id(doc)]
        sentence_bins = stats.position_bin(doc.positions, bins)
        observed += np.bincount(sentence_bins, weights=doc_counts, minlength=bins)
        expected += np.bincount(sentence_bins, minlength=bins) * doc_counts.sum() / doc.n
    observed_share = observed / observed.sum()
    expected_share = expected / expected.sum()
    ratio = np.divide(observed_share, expected_share, out=np.full(bins, np.nan), where=expected_share > 0)
    return Position(
        bins=bins,
        hits=tuple(observed.tolist()),
        observed_share=tuple(observed_share.tolist()),
        expected_share=tuple(expected_share.tolist()),
        ratio=tuple(ratio.tolist()),
        first_bin_ratio=float(ratio[0]),
        last_bin_ratio=float(ratio[-1]),
    )


def _heat(hit_docs: list[Document], counts: dict, bins: int, shown: int) -> Heat:
    strips = []
    for doc in hit_docs:
        overlap = stats.interval_bin_overlap(doc.starts, doc.ends, len(doc.text), bins)
        per_char = counts[id(doc)] @ overlap / (len(doc.text) / bins)
        strips.append(per_char / per_char.mean())
    matrix = np.vstack(strips)
    order = sorted(range(len(hit_docs)), key=lambda i: -int(counts[id(hit_docs[i])].sum()))[:shown]
    return Heat(
        bins=bins,
        aggregate=tuple(matrix.mean(axis=0).tolist()),
        documents=tuple(hit_docs[i].label for i in order),
        matrix=tuple(tuple(row) for row in matrix[order].tolist()),
    )


def _hotspots(hit_docs: list[Document], counts: dict, top: int, questions: Sequence[Any] | None) -> tuple[Hotspot, ...]:
    candidates = []
    for doc in hit_docs:
        doc_counts = counts[id(doc)]
        total = doc_counts.sum()
        for index in np.argsort(-doc_counts, kind="stable")[:top]:
            if doc_counts[index]:
                candidates.append((int(doc_counts[index]), doc, int(index), total))
    candidates.sort(key=lambda c: -c[0])
    hotspots = []
    for hits, doc, index, total in candidates[:top]:
        example_row = next(r for r, h in zip(doc.rows, doc.hits) if h == index)
        question = questions[example_row] if questions is not None else None
        hotspots.append(
            Hotspot(
                document=doc.label,
                sentence=index,
                hits=hits,
                share_of_document_hits=float(hits / total),
                position=float(doc.positions[index]),
                text=short(doc.sentences[index].text, 160),
                example_question=short(question, 160) if isinstance(question, str) else None,
            )
        )
    return tuple(hotspots)

