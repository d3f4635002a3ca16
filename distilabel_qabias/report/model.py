"""The QA bias report: dataset-level coverage, position, salience, convergence and exposure statistics.

``build_report(rows, ...)`` reads the per-row evidence columns written by ``TagSpanCoverage`` (and,
when present, the artifact, dedup, prompt and chunk columns) and returns a :class:`BiasReport`.
Plain module: no distilabel import.

Definitions (one place, the Markdown repeats them for readers):

* a *hit* is a row whose evidence sentence resolves inside its document (and, with
  ``grounded_only``, whose ``qabias_grounded`` is not False); rows are questions in generation
  order (row order), per document;
* positions are sentence midpoints divided by the document length, for observed hits and for the
  uniform expectation alike, so the two histograms share one definition;
* documents are identified by their text, or by ``document_id_column`` when given.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Hashable, Iterable, Mapping, Sequence

import numpy as np

from distilabel_qabias import schema
from distilabel_qabias.coverage import salience, stats
from distilabel_qabias.text.segment import Sentence, split_sentences

REPORT_TITLE = "QA bias report"
_SIZE_BUCKETS: tuple[tuple[str, int, float], ...] = (
    ("1", 1, 1), ("2", 2, 2), ("3-5", 3, 5), ("6-10", 6, 10), ("11+", 11, math.inf)
)


@lru_cache(maxsize=8192)
def _sentences(text: str) -> tuple[Sentence, ...]:
    # Documents repeat across many rows and across report rebuilds; segment each text once.
    return tuple(split_sentences(text))


def _as_int(value: Any) -> int | None:
    if type(value) is int:  # the common case, first
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
        return int(value)
    return None


def _is_null(value: Any) -> bool:
    """None, NaN (pandas' null in float columns) or pandas.NA."""
    if value is None:
        return True
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    return type(value).__name__ == "NAType"


def _hashable(value: Any) -> Hashable:
    if type(value) in (str, int):
        return value
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


@dataclass
class _Document:
    label: str
    text: str
    sentences: tuple[Sentence, ...]
    rows: list[int] = field(default_factory=list)
    hits: list[int] = field(default_factory=list)  # evidence sentence per row, -1 = no hit
    evidence_spans: list[tuple[int, int] | None] = field(default_factory=list)
    prompts: list[Hashable] = field(default_factory=list)
    chunks: list[tuple[int, int] | None] = field(default_factory=list)
    artifact_spans: set[tuple[int, int, str]] = field(default_factory=set)
    has_artifact_column: bool = False

    def __post_init__(self) -> None:
        self.starts = np.fromiter((s.start for s in self.sentences), dtype=np.int64, count=len(self.sentences))
        self.ends = np.fromiter((s.end for s in self.sentences), dtype=np.int64, count=len(self.sentences))
        self.positions = (self.starts + self.ends) / 2.0 / max(len(self.text), 1)
        self.position_list = self.positions.tolist()  # for per-hit Python loops

    @property
    def n(self) -> int:
        return len(self.sentences)

    def counts(self, hits: Iterable[int] | None = None) -> np.ndarray:
        array = np.asarray(self.hits if hits is None else list(hits), dtype=np.int64)
        return np.bincount(array[array >= 0], minlength=self.n)

    def sentence_at(self, offset: int) -> int:
        """Index of the sentence containing ``offset`` (-1 when it falls between sentences or outside)."""
        index = int(np.searchsorted(self.ends, offset, side="right"))
        return index if index < self.n and self.starts[index] <= offset else -1


@dataclass
class BiasReport:
    """Dataset-level bias statistics; sections are plain dicts (``None`` when their inputs are absent).

    ``span_hits`` holds ``qabias_span_hits`` for each input row (not part of ``to_dict``).
    """

    config: dict[str, Any]
    summary: dict[str, Any]
    saturation: dict[str, Any] | None = None
    position: dict[str, Any] | None = None
    heat: dict[str, Any] | None = None
    salience: dict[str, Any] | None = None
    artifacts: dict[str, Any] | None = None
    convergence: dict[str, Any] | None = None
    dedup: dict[str, Any] | None = None
    exposure: dict[str, Any] | None = None
    hotspots: list[dict[str, Any]] = field(default_factory=list)
    per_document: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    span_hits: list[int] = field(default_factory=list, repr=False)

    @property
    def is_empty(self) -> bool:
        return not self.summary.get("hit_rows")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict: numpy scalars become Python numbers, NaN becomes None."""
        sections = {
            name: getattr(self, name)
            for name in (
                "config", "summary", "saturation", "position", "heat", "salience", "artifacts",
                "convergence", "dedup", "exposure", "hotspots", "per_document", "notes",
            )
        }
        return {"title": REPORT_TITLE, **_json_safe(sections)}

    def to_markdown(self, image_prefix: str = "qabias_report/", heading_level: int = 2) -> str:
        """Markdown section for a Hugging Face dataset card (image links are ``image_prefix`` + file name)."""
        from distilabel_qabias.report.render import render_markdown

        return render_markdown(self, image_prefix=image_prefix, heading_level=heading_level)

    def write(self, directory: str | Path, image_prefix: str = "") -> dict[str, Path]:
        """Write report.json, report.md and the PNG plots into ``directory``; returns name -> path.

        ``report.md`` sits next to the PNGs, so its image links are relative to it (prefix ``""``).
        """
        from distilabel_qabias.report.render import write_report

        return write_report(self, Path(directory), image_prefix=image_prefix)


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return _json_safe(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if value is None or isinstance(value, str):
        return value
    return str(value)


def build_report(
    rows: Sequence[Mapping[str, Any]],
    *,
    document_column: str = "document",
    question_column: str = "question",
    prompt_column: str | None = None,
    document_id_column: str | None = None,
    chunk_start_column: str | None = None,
    chunk_end_column: str | None = None,
    grounded_only: bool = True,
    position_bins: int = 10,
    heat_bins: int = 20,
    heat_documents: int = 40,
    top_hotspots: int = 10,
    seed: int = 0,
) -> BiasReport:
    """Build the bias report over ``rows`` (a list of dicts, e.g. a distilabel batch or ``Dataset.to_list()``).

    Args:
        rows: QA rows carrying ``document_column`` and ``qabias_evidence_sentence``.
        document_column: column holding the full document the evidence offsets index.
        question_column: optional; used for an example question per hotspot.
        prompt_column: optional seed-prompt kind per row; enables the convergence section.
        document_id_column: optional document id; otherwise documents are identified by their text.
        chunk_start_column, chunk_end_column: optional character offsets of the part of the document
            the generator was shown; enable exposure normalisation (both or neither). When neither is
            given and the rows carry ``qabias_chunk_start``/``qabias_chunk_end``, those are used.
        grounded_only: rows with ``qabias_grounded == False`` are not counted as hits.
        position_bins: bins of the positional histogram (10 = deciles).
        heat_bins, heat_documents: resolution and number of documents of the coverage heat strip.
        top_hotspots: sentences listed in the hotspot table.
        seed: seed of the random-placement reference for Jaccard.

    Raises:
        schema.MissingColumnsError: a required or configured column is missing.
        ValueError: only one of the chunk columns is given.
    """
    if (chunk_start_column is None) != (chunk_end_column is None):
        raise ValueError("give both chunk_start_column and chunk_end_column, or neither")
    rows = rows if isinstance(rows, Sequence) else list(rows)
    first = rows[0] if rows else {}
    if chunk_start_column is None and schema.CHUNK_START in first and schema.CHUNK_END in first:
        # Generators that record the chunk they showed (pipelines/self_study.py) get exposure stats by default.
        chunk_start_column, chunk_end_column = schema.CHUNK_START, schema.CHUNK_END
    required = [document_column, schema.EVIDENCE_SENTENCE]
    required += [c for c in (prompt_column, document_id_column, chunk_start_column, chunk_end_column) if c]
    schema.require_columns(rows, required, where="QABiasReport")
    config = {
        "document_column": document_column,
        "question_column": question_column,
        "prompt_column": prompt_column,
        "document_id_column": document_id_column,
        "chunk_start_column": chunk_start_column,
        "chunk_end_column": chunk_end_column,
        "grounded_only": grounded_only,
        "position_bins": position_bins,
        "heat_bins": heat_bins,
    }
    builder = _Builder(rows, config, question_column=question_column, seed=seed)
    return builder.build(heat_documents=heat_documents, top_hotspots=top_hotspots)


class _Builder:
    def __init__(self, rows: Sequence[Mapping[str, Any]], config: dict[str, Any], *, question_column: str, seed: int):
        self.rows = rows
        self.config = config
        self.question_column = question_column
        self.rng = np.random.default_rng(seed)
        first = rows[0] if rows else {}
        self.columns = set(first.keys())
        self.docs: dict[Hashable, _Document] = {}
        self.row_doc: list[_Document | None] = [None] * len(rows)
        self.problems: Counter[str] = Counter()
        self.removed_artifact_spans = 0
        self._random_jaccard_cache: dict[tuple, float] = {}

    # --- reading rows -------------------------------------------------------------------------
    def _read_rows(self) -> None:
        cfg = self.config
        doc_col, id_col = cfg["document_column"], cfg["document_id_column"]
        prompt_col = cfg["prompt_column"]
        cs_col, ce_col = cfg["chunk_start_column"], cfg["chunk_end_column"]
        has_grounded = schema.GROUNDED in self.columns and cfg["grounded_only"]
        has_artifacts = schema.ARTIFACTS in self.columns
        for i, row in enumerate(self.rows):
            text = row.get(doc_col)
            if text is None:
                self.problems["missing document"] += 1
                continue
            if not isinstance(text, str):
                self.problems["non-string document"] += 1
                continue
            if not text.strip():
                self.problems["empty document"] += 1
                continue
            doc_id = row.get(id_col) if id_col else None
            key = text if _is_null(doc_id) else ("id", _hashable(doc_id))  # rows without an id fall back to the text
            doc = self.docs.get(key)
            if doc is None:
                label = _short(text, 60) if _is_null(doc_id) else str(doc_id)
                doc = self.docs[key] = _Document(label, text, _sentences(text))
                if not doc.n:
                    self.problems["document without sentences"] += 1
            self.row_doc[i] = doc
            hit, span = self._resolve_evidence(row, doc)
            if hit >= 0 and has_grounded and row.get(schema.GROUNDED) is False:
                self.problems["ungrounded evidence (not counted)"] += 1
                hit, span = -1, None
            doc.rows.append(i)
            doc.hits.append(hit)
            doc.evidence_spans.append(span)
            doc.prompts.append(_hashable(row.get(prompt_col)) if prompt_col else None)
            if cs_col:
                doc.chunks.append(self._resolve_chunk(row.get(cs_col), row.get(ce_col), doc))
            if has_artifacts:
                self._read_artifacts(row.get(schema.ARTIFACTS), doc)

    def _resolve_evidence(self, row: Mapping[str, Any], doc: _Document) -> tuple[int, tuple[int, int] | None]:
        raw = row.get(schema.EVIDENCE_SENTENCE)
        start = _as_int(row.get(schema.EVIDENCE_START))
        end = _as_int(row.get(schema.EVIDENCE_END))
        offsets_ok = start is not None and end is not None and 0 <= start < end <= len(doc.text)
        index = _as_int(raw)
        if index is None:
            if not _is_null(raw):
                self.problems["evidence sentence is not an integer"] += 1
            return -1, None
        if not 0 <= index < doc.n:
            # The segmentation differs from the one that tagged the row: fall back to the offsets.
            index = doc.sentence_at(start) if offsets_ok else -1
            if index < 0:
                self.problems["evidence sentence outside the document's segmentation"] += 1
                return -1, None
            self.problems["evidence sentence re-resolved from offsets"] += 1
        sentence = doc.sentences[index]
        return index, (start, end) if offsets_ok else (sentence.start, sentence.end)

    def _resolve_chunk(self, start: Any, end: Any, doc: _Document) -> tuple[int, int] | None:
        start, end = _as_int(start), _as_int(end)
        if start is None or end is None or end <= start or start < 0:
            self.problems["missing or invalid chunk offsets"] += 1
            return None
        return start, min(end, len(doc.text))

    def _read_artifacts(self, items: Any, doc: _Document) -> None:
        if not isinstance(items, (list, tuple)):
            return
        doc.has_artifact_column = True
        for item in items:
            if not isinstance(item, Mapping) or item.get("field") != self.config["document_column"]:
                continue
            if item.get("removed"):
                # Offsets of removed spans index the original text, not the scrubbed document.
                self.removed_artifact_spans += 1
                continue
            start, end = _as_int(item.get("start")), _as_int(item.get("end"))
            if start is not None and end is not None and 0 <= start < end <= len(doc.text):
                doc.artifact_spans.add((start, end, str(item.get("type", ""))))

    # --- building -----------------------------------------------------------------------------
    def build(self, *, heat_documents: int, top_hotspots: int) -> BiasReport:
        n_rows = len(self.rows)
        if n_rows:
            self._read_rows()
        docs = [d for d in self.docs.values() if d.n]
        counts = {id(d): d.counts() for d in docs}
        span_hits = [0] * n_rows
        for doc in docs:
            doc_counts = counts[id(doc)]
            for row, hit in zip(doc.rows, doc.hits):
                if hit >= 0:
                    span_hits[row] = int(doc_counts[hit])
        hit_docs = [d for d in docs if counts[id(d)].sum() > 0]
        report = BiasReport(config=self.config, summary={}, span_hits=span_hits)
        report.per_document = [self._document_entry(d, counts[id(d)]) for d in docs]
        report.summary = self._summary(n_rows, docs, hit_docs, report.per_document, counts)
        report.notes = self._notes(n_rows, report.summary)
        if not hit_docs:
            return report
        bins = self.config["position_bins"]
        report.saturation = self._saturation(docs)
        report.position = self._position(hit_docs, counts, bins)
        report.heat = self._heat(hit_docs, counts, self.config["heat_bins"], heat_documents)
        report.salience = self._salience(docs, counts, bins)
        report.artifacts = self._artifacts(docs) if schema.ARTIFACTS in self.columns else None
        if self.config["prompt_column"]:
            report.convergence = self._convergence(docs)
        report.dedup = self._dedup()
        if self.config["chunk_start_column"]:
            report.exposure = self._exposure(docs, bins)
        report.hotspots = self._hotspots(hit_docs, counts, top_hotspots)
        return report

    def _document_entry(self, doc: _Document, counts: np.ndarray) -> dict[str, Any]:
        hits = np.asarray(doc.hits)
        hit_sentences = hits[hits >= 0]
        return {
            "document": doc.label,
            "sentences": doc.n,
            "characters": len(doc.text),
            "rows": len(doc.rows),
            "hit_rows": int(hit_sentences.size),
            "coverage": stats.coverage(counts),
            "gini": stats.gini(counts),
            "entropy": stats.normalized_entropy(counts),
            "top10_share": stats.top_share(counts, 0.1),
            "mean_position": float(doc.positions[hit_sentences].mean()) if hit_sentences.size else None,
        }

    def _summary(
        self, n_rows: int, docs: list[_Document], hit_docs: list[_Document], entries: list[dict], counts: dict
    ) -> dict:
        hit_rows = sum(e["hit_rows"] for e in entries)
        with_hits = [e for e in entries if e["hit_rows"]]
        total_sentences = sum(d.n for d in docs)
        covered = sum(int(np.count_nonzero(counts[id(d)])) for d in docs)
        hit_arrays = [(d, np.asarray(d.hits)) for d in hit_docs]
        hit_positions = np.concatenate([d.positions[h[h >= 0]] for d, h in hit_arrays]) if hit_arrays else np.array([])
        expected_positions = [np.full(int((h >= 0).sum()), d.positions.mean()) for d, h in hit_arrays]
        mean_position = float(hit_positions.mean()) if hit_positions.size else None
        expected_position = float(np.concatenate(expected_positions).mean()) if hit_positions.size else None
        return {
            "rows": n_rows,
            "documents": len(docs),
            "documents_with_hits": len(hit_docs),
            "hit_rows": hit_rows,
            "rows_without_hit": n_rows - hit_rows,
            "row_problems": dict(sorted(self.problems.items())),
            "sentences": total_sentences,
            "mean_sentences_per_document": total_sentences / len(docs) if docs else None,
            "mean_rows_per_document": sum(len(d.rows) for d in docs) / len(docs) if docs else None,
            "mean_coverage": stats.nanmean([e["coverage"] for e in entries]),
            "uniform_mean_coverage": stats.nanmean(
                [float(stats.uniform_saturation(e["hit_rows"], e["sentences"])) for e in entries]
            ),
            "pooled_coverage": covered / total_sentences if total_sentences else None,
            "mean_gini": stats.nanmean([e["gini"] for e in with_hits]),
            "mean_entropy": stats.nanmean([e["entropy"] for e in with_hits]),
            "mean_top10_share": stats.nanmean([e["top10_share"] for e in with_hits]),
            "mean_position": mean_position,
            "expected_mean_position": expected_position,
        }

    def _notes(self, n_rows: int, summary: dict) -> list[str]:
        notes = []
        if n_rows == 0:
            notes.append("The dataset is empty: there is nothing to report.")
        elif not summary["hit_rows"]:
            notes.append(
                "No row has a usable evidence sentence, so coverage statistics are undefined; "
                "run TagSpanCoverage before QABiasReport."
            )
        for problem, count in sorted(self.problems.items()):
            notes.append(f"{count} row(s): {problem}.")
        if self.removed_artifact_spans:
            notes.append(
                f"{self.removed_artifact_spans} artifact span(s) were removed by scrubbing; their offsets index "
                "the original text, not the document column, so the artifact hijack ignores them."
            )
        return notes

    def _saturation(self, docs: list[_Document]) -> dict[str, Any]:
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
        return {
            "k": list(range(1, longest + 1)),
            "mean_coverage": coverage_sum / documents,
            "uniform_coverage": uniform_sum / documents,
            "documents": documents,
        }

    def _position(self, hit_docs: list[_Document], counts: dict, bins: int) -> dict[str, Any]:
        observed = np.zeros(bins)
        expected = np.zeros(bins)
        sentences = np.zeros(bins)
        for doc in hit_docs:
            doc_counts = counts[id(doc)]
            sentence_bins = stats.position_bin(doc.positions, bins)
            observed += np.bincount(sentence_bins, weights=doc_counts, minlength=bins)
            expected += np.bincount(sentence_bins, minlength=bins) * doc_counts.sum() / doc.n
            sentences += np.bincount(sentence_bins, minlength=bins)
        observed_share = observed / observed.sum()
        expected_share = expected / expected.sum()
        ratio = np.divide(observed_share, expected_share, out=np.full(bins, np.nan), where=expected_share > 0)
        return {
            "bins": bins,
            "hits": observed,
            "observed_share": observed_share,
            "expected_share": expected_share,
            "ratio": ratio,
            "first_bin_ratio": ratio[0],
            "last_bin_ratio": ratio[-1],
        }

    def _heat(self, hit_docs: list[_Document], counts: dict, bins: int, shown: int) -> dict[str, Any]:
        strips = []
        for doc in hit_docs:
            overlap = stats.interval_bin_overlap(doc.starts, doc.ends, len(doc.text), bins)
            per_char = counts[id(doc)] @ overlap / (len(doc.text) / bins)
            strips.append(per_char / per_char.mean())
        matrix = np.vstack(strips)
        order = sorted(range(len(hit_docs)), key=lambda i: -int(counts[id(hit_docs[i])].sum()))[:shown]
        return {
            "bins": bins,
            "aggregate": matrix.mean(axis=0),
            "documents": [hit_docs[i].label for i in order],
            "matrix": matrix[order],
        }

    def _salience(self, docs: list[_Document], counts: dict, bins: int) -> dict[str, Any]:
        # Leading sentences carry more numbers and markup; the position-adjusted lift divides each
        # sentence's hits by the hits an average sentence at its position bin gets, so position
        # bias is not counted as salience.
        features, hits, position_bins = [], [], []
        for doc in docs:
            features += salience.sentence_features(doc.sentences, doc.artifact_spans, doc.text)
            hits.append(counts[id(doc)])
            position_bins.append(stats.position_bin(doc.positions, bins))
        hits_array = np.concatenate(hits).astype(np.float64)
        bin_array = np.concatenate(position_bins)
        per_bin = np.bincount(bin_array, weights=hits_array, minlength=bins) / np.maximum(
            np.bincount(bin_array, minlength=bins), 1
        )
        expected = per_bin[bin_array].tolist()
        totals = {name: [0, 0, 0.0, 0.0] for name in (*salience.FEATURES, salience.PLAIN)}
        for found, sentence_hits, sentence_expected in zip(features, hits_array.tolist(), expected):
            for name in found or (salience.PLAIN,):
                total = totals[name]
                total[0] += 1
                total[1] += sentence_hits > 0
                total[2] += sentence_hits
                total[3] += sentence_expected
        plain_n, plain_covered, plain_hits, plain_expected = totals[salience.PLAIN]
        plain_rate = plain_covered / plain_n if plain_n else math.nan
        plain_per_sentence = plain_hits / plain_n if plain_n else math.nan
        plain_adjusted = stats.safe_ratio(plain_hits, plain_expected)
        table = {}
        for name, (n, covered, feature_hits, feature_expected) in totals.items():
            coverage_rate = covered / n if n else math.nan
            hits_per_sentence = feature_hits / n if n else math.nan
            table[name] = {
                "sentences": n,
                "covered": covered,
                "hits": int(feature_hits),
                "coverage_rate": coverage_rate,
                "hits_per_sentence": hits_per_sentence,
                "coverage_lift": stats.safe_ratio(coverage_rate, plain_rate),
                "hits_lift": stats.safe_ratio(hits_per_sentence, plain_per_sentence),
                "position_adjusted_lift": stats.safe_ratio(stats.safe_ratio(feature_hits, feature_expected), plain_adjusted),
            }
        return table

    def _artifacts(self, docs: list[_Document]) -> dict[str, Any] | None:
        scoped = [d for d in docs if d.has_artifact_column]
        if not scoped:
            return None
        artifact_chars = text_chars = sentences = artifact_sentences = hit_rows = hijacked = 0
        types: Counter[str] = Counter()
        for doc in scoped:
            merged = _merge_intervals((s, e) for s, e, _ in doc.artifact_spans)
            types.update(t for _, _, t in doc.artifact_spans)
            artifact_chars += sum(e - s for s, e in merged)
            text_chars += len(doc.text)
            sentences += doc.n
            artifact_sentences += sum(_overlaps(merged, s.start, s.end) for s in doc.sentences)
            for span in doc.evidence_spans:
                if span is not None:
                    hit_rows += 1
                    hijacked += _overlaps(merged, *span)
        text_share = artifact_chars / text_chars if text_chars else math.nan
        sentence_share = artifact_sentences / sentences if sentences else math.nan
        qa_share = hijacked / hit_rows if hit_rows else math.nan
        return {
            "documents": len(scoped),
            "spans": sum(len(d.artifact_spans) for d in scoped),
            "types": dict(types.most_common()),
            "removed_spans_ignored": self.removed_artifact_spans,
            "text_share": text_share,
            "sentence_share": sentence_share,
            "hit_rows": hit_rows,
            "hijacked_rows": hijacked,
            "qa_share": qa_share,
            "ratio_to_text_share": stats.safe_ratio(qa_share, text_share),
            "ratio_to_sentence_share": stats.safe_ratio(qa_share, sentence_share),
        }

    def _convergence(self, docs: list[_Document]) -> dict[str, Any]:
        # Groups are tiny (a few hits per prompt and document): Counters beat numpy calls here.
        per_prompt: dict[Hashable, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        jaccards, random_jaccards = [], []
        agree = pairs = 0
        for doc in docs:
            by_prompt: dict[Hashable, list[int]] = defaultdict(list)
            for prompt, hit in zip(doc.prompts, doc.hits):
                if prompt is not None:
                    by_prompt[prompt].append(hit)
            hit_counters = []
            for prompt, hits in by_prompt.items():
                counter = Counter(h for h in hits if h >= 0)
                entry = per_prompt[prompt]
                entry["rows"].append(len(hits))
                entry["hit_rows"].append(sum(counter.values()))
                entry["coverage"].append(len(counter) / doc.n)
                entry["gini"].append(stats.sparse_gini(counter.values(), doc.n))
                entry["positions"].extend(doc.position_list[h] for h in hits if h >= 0)
                if counter:
                    hit_counters.append(counter)
            if len(hit_counters) < 2:
                continue
            jaccards.append(stats.mean_pairwise_jaccard([set(c) for c in hit_counters]))
            random_jaccards.append(self._random_jaccard(tuple(sorted(sum(c.values()) for c in hit_counters)), doc.n))
            doc_agree, doc_pairs = stats.hotspot_agreement_pairs([stats.top_sentences(c) for c in hit_counters])
            agree += doc_agree
            pairs += doc_pairs
        prompts = {
            str(prompt): {
                "rows": sum(entry["rows"]),
                "hit_rows": sum(entry["hit_rows"]),
                "documents": len(entry["rows"]),
                "mean_coverage": stats.nanmean(entry["coverage"]),
                "mean_gini": stats.nanmean(entry["gini"]),
                "mean_position": stats.nanmean(entry["positions"]),
            }
            for prompt, entry in sorted(per_prompt.items(), key=lambda item: str(item[0]))
        }
        mean_jaccard = stats.nanmean(jaccards)
        random_jaccard = stats.nanmean(random_jaccards)
        return {
            "prompts": prompts,
            "documents_compared": len(jaccards),
            "mean_pairwise_jaccard": mean_jaccard,
            "random_pairwise_jaccard": random_jaccard,
            "jaccard_ratio_to_random": stats.safe_ratio(mean_jaccard, random_jaccard),
            "hotspot_pairs": pairs,
            "hotspot_agreement": agree / pairs if pairs else None,
        }

    def _random_jaccard(self, hits_per_prompt: tuple[int, ...], n_sentences: int) -> float:
        # Documents share (sentence count, hits per prompt) shapes; simulate each shape once.
        key = (n_sentences, hits_per_prompt)
        if key not in self._random_jaccard_cache:
            self._random_jaccard_cache[key] = stats.random_pairwise_jaccard(
                hits_per_prompt, n_sentences, draws=64, rng=self.rng
            )
        return self._random_jaccard_cache[key]

    def _dedup(self) -> dict[str, Any] | None:
        cols = self.columns
        if not cols & {schema.CLUSTER_ID, schema.DUPLICATE_OF, schema.KEEP_CONVERGENCE}:
            return None
        if schema.KEEP_CONVERGENCE in cols:
            duplicates = sum(1 for r in self.rows if r.get(schema.KEEP_CONVERGENCE) is False)
        else:
            duplicates = sum(1 for r in self.rows if r.get(schema.DUPLICATE_OF) is not None)
        result: dict[str, Any] = {"duplicates": duplicates, "duplicate_rate": duplicates / len(self.rows)}
        if schema.CLUSTER_ID not in cols:
            return result
        prompt_col = self.config["prompt_column"]
        sizes: Counter[Hashable] = Counter()
        prompts: dict[Hashable, set] = defaultdict(set)
        reported_prompts: dict[Hashable, int] = {}
        for row in self.rows:
            cluster = _hashable(row.get(schema.CLUSTER_ID))
            if cluster is None:
                continue
            sizes[cluster] += 1
            if prompt_col and row.get(prompt_col) is not None:
                prompts[cluster].add(_hashable(row.get(prompt_col)))
            count = _as_int(row.get(schema.CLUSTER_PROMPTS))
            if count is not None:
                reported_prompts[cluster] = max(count, reported_prompts.get(cluster, 0))
        distribution = {
            label: sum(1 for s in sizes.values() if low <= s <= high) for label, low, high in _SIZE_BUCKETS
        }
        multi = [c for c, s in sizes.items() if s > 1]
        span_counts = {c: max(len(prompts.get(c, ())), reported_prompts.get(c, 0)) for c in multi}
        cross_prompt = sum(1 for c in multi if span_counts[c] > 1)
        result.update(
            {
                "clusters": len(sizes),
                "cluster_size_distribution": distribution,
                "largest_cluster": max(sizes.values()) if sizes else 0,
                "multi_row_clusters": len(multi),
                "cross_prompt_clusters": cross_prompt if (prompt_col or reported_prompts) else None,
                "cross_prompt_share": (cross_prompt / len(multi) if multi else None)
                if (prompt_col or reported_prompts)
                else None,
            }
        )
        return result

    def _exposure(self, docs: list[_Document], bins: int) -> dict[str, Any] | None:
        exposures_by_bin = np.zeros(bins)
        hits_by_bin = np.zeros(bins)
        sentences_by_bin = np.zeros(bins)
        rows_with_chunk = hits_inside = hits_outside = 0
        per_sentence_rates = []
        for doc in docs:
            chunked = [(hit, chunk) for hit, chunk in zip(doc.hits, doc.chunks) if chunk is not None]
            if not chunked:
                continue
            rows_with_chunk += len(chunked)
            chunk_starts = np.array([c[0] for _, c in chunked])
            chunk_ends = np.array([c[1] for _, c in chunked])
            # Exposed sentences of a row: those overlapping [chunk_start, chunk_end).
            lo = np.searchsorted(doc.ends, chunk_starts, side="right")
            hi = np.searchsorted(doc.starts, chunk_ends, side="left")
            diff = np.zeros(doc.n + 1, dtype=np.int64)
            np.add.at(diff, lo, 1)
            np.add.at(diff, hi, -1)
            exposures = np.cumsum(diff)[: doc.n]
            hits = np.array([h for h, _ in chunked])
            inside = (hits >= 0) & (hits >= lo) & (hits < hi)
            hits_inside += int(inside.sum())
            hits_outside += int(((hits >= 0) & ~inside).sum())
            inside_counts = np.bincount(hits[inside], minlength=doc.n)
            sentence_bins = stats.position_bin(doc.positions, bins)
            exposures_by_bin += np.bincount(sentence_bins, weights=exposures, minlength=bins)
            hits_by_bin += np.bincount(sentence_bins, weights=inside_counts, minlength=bins)
            sentences_by_bin += np.bincount(sentence_bins, minlength=bins)
            shown = exposures > 0
            per_sentence_rates.extend((inside_counts[shown] / exposures[shown]).tolist())
        if not rows_with_chunk:
            return None
        total_exposures = exposures_by_bin.sum()
        exposure_per_sentence = np.divide(
            exposures_by_bin, sentences_by_bin, out=np.full(bins, np.nan), where=sentences_by_bin > 0
        )
        relative_exposure = exposure_per_sentence / (total_exposures / sentences_by_bin.sum())
        hits_per_exposure = np.divide(
            hits_by_bin, exposures_by_bin, out=np.full(bins, np.nan), where=exposures_by_bin > 0
        )
        return {
            "rows_with_chunk": rows_with_chunk,
            "exposures": int(total_exposures),
            "hits_inside_chunk": hits_inside,
            "hits_outside_chunk": hits_outside,
            "hits_per_exposure": hits_inside / total_exposures if total_exposures else None,
            "mean_sentence_hits_per_exposure": stats.nanmean(per_sentence_rates),
            "relative_exposure_by_bin": relative_exposure,
            "hits_per_exposure_by_bin": hits_per_exposure,
        }

    def _hotspots(self, hit_docs: list[_Document], counts: dict, top: int) -> list[dict[str, Any]]:
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
            question = self.rows[example_row].get(self.question_column)
            hotspots.append(
                {
                    "document": doc.label,
                    "sentence": index,
                    "hits": hits,
                    "share_of_document_hits": hits / total,
                    "position": float(doc.positions[index]),
                    "text": _short(doc.sentences[index].text, 160),
                    "example_question": _short(question, 160) if isinstance(question, str) else None,
                }
            )
        return hotspots


def _short(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _merge_intervals(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _overlaps(merged: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in merged)
