"""The report sections that need optional columns: salience, artifact hijack, convergence across
seed prompts, dedup, exposure, grounding, target adherence, instructions and keep flags.

Each function takes the grouped documents (:mod:`distilabel_qabias.report.documents`) or the
input columns and returns one section of :mod:`distilabel_qabias.report.model`, or None when
its inputs are absent. Plain module: no distilabel import, no row dicts.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Hashable, Iterable

import numpy as np

from distilabel_qabias.coverage import salience as salience_features
from distilabel_qabias.coverage import stats
from distilabel_qabias.report.documents import Document, ReportColumns, as_int, hashable
from distilabel_qabias.report.model import (
    ArtifactHijack,
    Convergence,
    Dedup,
    Exposure,
    Grounding,
    Instructions,
    KeepFlags,
    PromptStats,
    SalienceFeature,
    TargetAdherence,
)

_SIZE_BUCKETS: tuple[tuple[str, int, float], ...] = (
    ("1", 1, 1), ("2", 2, 2), ("3-5", 3, 5), ("6-10", 6, 10), ("11+", 11, math.inf)
)


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def salience(docs: list[Document], counts: dict, bins: int) -> dict[str, SalienceFeature]:
    """Hit rates of sentences with a feature against plain sentences, raw and position-adjusted.

    Leading sentences carry more numbers and markup; the position-adjusted lift divides each
    sentence's hits by the hits an average sentence at its position bin gets, so position bias is
    not counted as salience.
    """
    features, hits, position_bins = [], [], []
    for doc in docs:
        features += salience_features.sentence_features(doc.sentences, doc.artifact_spans, doc.text)
        hits.append(counts[id(doc)])
        position_bins.append(stats.position_bin(doc.positions, bins))
    hits_array = np.concatenate(hits).astype(np.float64)
    bin_array = np.concatenate(position_bins)
    per_bin = np.bincount(bin_array, weights=hits_array, minlength=bins) / np.maximum(
        np.bincount(bin_array, minlength=bins), 1
    )
    expected = per_bin[bin_array].tolist()
    totals = {name: [0, 0, 0.0, 0.0] for name in (*salience_features.FEATURES, salience_features.PLAIN)}
    for found, sentence_hits, sentence_expected in zip(features, hits_array.tolist(), expected):
        for name in found or (salience_features.PLAIN,):
            total = totals[name]
            total[0] += 1
            total[1] += sentence_hits > 0
            total[2] += sentence_hits
            total[3] += sentence_expected
    plain_n, plain_covered, plain_hits, plain_expected = totals[salience_features.PLAIN]
    plain_rate = plain_covered / plain_n if plain_n else math.nan
    plain_per_sentence = plain_hits / plain_n if plain_n else math.nan
    plain_adjusted = stats.safe_ratio(plain_hits, plain_expected)
    table = {}
    for name, (n, covered, feature_hits, feature_expected) in totals.items():
        coverage_rate = covered / n if n else math.nan
        hits_per_sentence = feature_hits / n if n else math.nan
        table[name] = SalienceFeature(
            sentences=n,
            covered=covered,
            hits=int(feature_hits),
            coverage_rate=coverage_rate,
            hits_per_sentence=hits_per_sentence,
            coverage_lift=stats.safe_ratio(coverage_rate, plain_rate),
            hits_lift=stats.safe_ratio(hits_per_sentence, plain_per_sentence),
            position_adjusted_lift=stats.safe_ratio(stats.safe_ratio(feature_hits, feature_expected), plain_adjusted),
        )
    return table


def artifact_hijack(docs: list[Document], removed_spans: int) -> ArtifactHijack | None:
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
    return ArtifactHijack(
        documents=len(scoped),
        spans=sum(len(d.artifact_spans) for d in scoped),
        types=dict(types.most_common()),
        removed_spans_ignored=removed_spans,
        text_share=text_share,
        sentence_share=sentence_share,
        hit_rows=hit_rows,
        hijacked_rows=hijacked,
        qa_share=qa_share,
        ratio_to_text_share=stats.safe_ratio(qa_share, text_share),
        ratio_to_sentence_share=stats.safe_ratio(qa_share, sentence_share),
    )


def convergence(docs: list[Document], rng: np.random.Generator) -> Convergence:
    # Groups are tiny (a few hits per prompt and document): Counters beat numpy calls here.
    per_prompt: dict[Hashable, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    jaccards, random_jaccards = [], []
    random_cache: dict[tuple, float] = {}
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
        # Documents share (sentence count, hits per prompt) shapes; simulate each shape once.
        shape = (doc.n, tuple(sorted(sum(c.values()) for c in hit_counters)))
        if shape not in random_cache:
            random_cache[shape] = stats.random_pairwise_jaccard(shape[1], doc.n, draws=64, rng=rng)
        random_jaccards.append(random_cache[shape])
        doc_agree, doc_pairs = stats.hotspot_agreement_pairs([stats.top_sentences(c) for c in hit_counters])
        agree += doc_agree
        pairs += doc_pairs
    prompts = {
        str(prompt): PromptStats(
            rows=sum(entry["rows"]),
            hit_rows=sum(entry["hit_rows"]),
            documents=len(entry["rows"]),
            mean_coverage=stats.nanmean(entry["coverage"]),
            mean_gini=stats.nanmean(entry["gini"]),
            mean_position=stats.nanmean(entry["positions"]),
        )
        for prompt, entry in sorted(per_prompt.items(), key=lambda item: str(item[0]))
    }
    mean_jaccard = stats.nanmean(jaccards)
    random_jaccard = stats.nanmean(random_jaccards)
    return Convergence(
        prompts=prompts,
        documents_compared=len(jaccards),
        mean_pairwise_jaccard=mean_jaccard,
        random_pairwise_jaccard=random_jaccard,
        jaccard_ratio_to_random=stats.safe_ratio(mean_jaccard, random_jaccard),
        hotspot_pairs=pairs,
        hotspot_agreement=agree / pairs if pairs else None,
    )


def dedup(c: ReportColumns) -> Dedup | None:
    if c.cluster_ids is None and c.duplicate_of is None and c.keep_convergence is None:
        return None
    n_rows = len(c)
    if c.keep_convergence is not None:
        duplicates = sum(1 for keep in c.keep_convergence if keep is False)
    else:
        duplicates = sum(1 for d in c.duplicate_of or () if d is not None)
    if c.cluster_ids is None:
        return Dedup(duplicates=duplicates, duplicate_rate=duplicates / n_rows)
    sizes: Counter[Hashable] = Counter()
    prompts: dict[Hashable, set] = defaultdict(set)
    reported_prompts: dict[Hashable, int] = {}
    for i, raw in enumerate(c.cluster_ids):
        cluster = hashable(raw)
        if cluster is None:
            continue
        sizes[cluster] += 1
        if c.prompts is not None and c.prompts[i] is not None:
            prompts[cluster].add(hashable(c.prompts[i]))
        count = as_int(c.cluster_prompts[i]) if c.cluster_prompts is not None else None
        if count is not None:
            reported_prompts[cluster] = max(count, reported_prompts.get(cluster, 0))
    distribution = {label: sum(1 for s in sizes.values() if low <= s <= high) for label, low, high in _SIZE_BUCKETS}
    multi = [cluster for cluster, size in sizes.items() if size > 1]
    spanned = {cluster: max(len(prompts.get(cluster, ())), reported_prompts.get(cluster, 0)) for cluster in multi}
    cross_prompt = sum(1 for cluster in multi if spanned[cluster] > 1)
    prompts_known = c.prompts is not None or bool(reported_prompts)
    return Dedup(
        duplicates=duplicates,
        duplicate_rate=duplicates / n_rows,
        clusters=len(sizes),
        cluster_size_distribution=distribution,
        largest_cluster=max(sizes.values()) if sizes else 0,
        multi_row_clusters=len(multi),
        cross_prompt_clusters=cross_prompt if prompts_known else None,
        cross_prompt_share=(cross_prompt / len(multi) if multi else None) if prompts_known else None,
    )


def exposure(docs: list[Document], bins: int) -> Exposure | None:
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
    hits_per_exposure = np.divide(hits_by_bin, exposures_by_bin, out=np.full(bins, np.nan), where=exposures_by_bin > 0)
    return Exposure(
        rows_with_chunk=rows_with_chunk,
        exposures=int(total_exposures),
        hits_inside_chunk=hits_inside,
        hits_outside_chunk=hits_outside,
        hits_per_exposure=hits_inside / total_exposures if total_exposures else None,
        mean_sentence_hits_per_exposure=stats.nanmean(per_sentence_rates),
        relative_exposure_by_bin=tuple(relative_exposure.tolist()),
        hits_per_exposure_by_bin=tuple(hits_per_exposure.tolist()),
    )


def grounding(c: ReportColumns) -> Grounding | None:
    if c.grounded is None:
        return None
    grounded = sum(1 for g in c.grounded if g is True)
    ungrounded = sum(1 for g in c.grounded if g is False)
    reasons: Counter[str] = Counter()
    if c.grounding_reasons is not None:
        reasons.update(str(r) for g, r in zip(c.grounded, c.grounding_reasons) if g is False and r is not None)
    return Grounding(
        rows=len(c),
        grounded=grounded,
        ungrounded=ungrounded,
        unknown=len(c) - grounded - ungrounded,
        grounded_share=_share(grounded, grounded + ungrounded),
        reasons=dict(reasons.most_common()),
    )


def target_adherence(docs: list[Document]) -> TargetAdherence | None:
    """Evidence sentence vs fixed target sentence, per row with a target (see :class:`TargetAdherence`)."""
    with_target = with_hit = on_target = within_one = 0
    chance_on = chance_near = 0.0
    for doc in docs:
        n = doc.n
        for hit, target in zip(doc.hits, doc.targets):
            if target < 0:
                continue
            with_target += 1
            if hit < 0:
                continue
            with_hit += 1
            on_target += hit == target
            within_one += abs(hit - target) <= 1
            chance_on += 1 / n
            chance_near += (min(target + 1, n - 1) - max(target - 1, 0) + 1) / n
    if not with_target:
        return None
    return TargetAdherence(
        rows_with_target=with_target,
        rows_with_hit=with_hit,
        on_target=on_target,
        within_one=within_one,
        on_target_share=_share(on_target, with_target),
        within_one_share=_share(within_one, with_target),
        on_target_share_of_hits=_share(on_target, with_hit),
        within_one_share_of_hits=_share(within_one, with_hit),
        chance_on_target=_share(chance_on, with_hit),
        chance_within_one=_share(chance_near, with_hit),
    )


def instructions(docs: list[Document]) -> Instructions:
    scanned = [d.instruction_kinds for d in docs if d.instruction_kinds is not None]
    kinds: Counter[str] = Counter()
    for found in scanned:
        kinds.update(found)
    return Instructions(
        documents_scanned=len(scanned),
        documents_with_spans=sum(1 for found in scanned if found),
        spans=sum(kinds.values()),
        kinds=dict(kinds.most_common()),
    )


def keep_flags(c: ReportColumns) -> KeepFlags | None:
    if c.kept is None:
        return None
    kept = sum(1 for k in c.kept if k)
    return KeepFlags(rows=len(c), kept=kept, kept_share=_share(kept, len(c)), rejected_by=dict(c.rejected_by or {}))


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

