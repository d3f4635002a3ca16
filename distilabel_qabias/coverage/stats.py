"""Pure statistics over per-sentence hit counts (no distilabel import).

A *hit* is one QA row whose evidence lies in a sentence; ``counts[i]`` is the number of hits of
sentence ``i`` of one document, zero-hit sentences included. Functions return ``nan`` where a
statistic is undefined (no hits, fewer than two sentences) so callers can average with
``np.nanmean`` and serialise ``nan`` as null.
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import Iterable, Mapping, Sequence

import numpy as np

NAN = float("nan")


def _as_counts(counts: Sequence[float] | np.ndarray) -> np.ndarray:
    array = np.asarray(counts, dtype=np.float64).ravel()
    if array.size and array.min() < 0:
        raise ValueError("hit counts must be non-negative")
    return array


def coverage(counts: Sequence[float] | np.ndarray) -> float:
    """Share of sentences with at least one hit (``nan`` for a document without sentences)."""
    array = _as_counts(counts)
    return float(np.count_nonzero(array) / array.size) if array.size else NAN


def gini(counts: Sequence[float] | np.ndarray) -> float:
    """Gini coefficient of the hit counts: 0 = hits spread evenly, (n-1)/n = all hits on one sentence."""
    array = np.sort(_as_counts(counts))
    total = array.sum()
    n = array.size
    if n == 0 or total == 0:
        return NAN
    ranks = np.arange(1, n + 1)
    return float(2.0 * np.dot(ranks, array) / (n * total) - (n + 1) / n)


def normalized_entropy(counts: Sequence[float] | np.ndarray) -> float:
    """Shannon entropy of the hit distribution divided by log(n): 1 = uniform, 0 = one sentence."""
    array = _as_counts(counts)
    total = array.sum()
    if array.size < 2 or total == 0:
        return NAN
    p = array[array > 0] / total
    return float(-(p * np.log(p)).sum() / math.log(array.size))


def top_share(counts: Sequence[float] | np.ndarray, fraction: float = 0.1) -> float:
    """Share of all hits that fall on the top ``fraction`` of sentences (at least one sentence)."""
    array = _as_counts(counts)
    total = array.sum()
    if array.size == 0 or total == 0:
        return NAN
    k = max(1, math.ceil(fraction * array.size))
    return float(np.sort(array)[::-1][:k].sum() / total)


def saturation(hit_sequence: Sequence[int] | np.ndarray, n_sentences: int) -> np.ndarray:
    """Coverage after each of the first k questions, k = 1..len(hit_sequence).

    ``hit_sequence`` lists the evidence sentence of each question in generation order, ``-1`` for a
    question without evidence (it costs a generation but covers nothing).
    """
    hits = np.asarray(hit_sequence, dtype=np.int64).ravel()
    if n_sentences <= 0:
        return np.full(hits.size, NAN)
    seen = np.zeros(n_sentences, dtype=bool)
    first_time = np.zeros(hits.size, dtype=bool)
    for position, sentence in enumerate(hits):
        if sentence >= 0 and not seen[sentence]:
            seen[sentence] = True
            first_time[position] = True
    return np.cumsum(first_time) / n_sentences


def uniform_saturation(hits_so_far: Sequence[int] | np.ndarray, n_sentences: int) -> np.ndarray:
    """Expected coverage if each of ``hits_so_far[k]`` hits fell on a uniformly random sentence."""
    hits = np.asarray(hits_so_far, dtype=np.float64)
    if n_sentences <= 0:
        return np.full(hits.shape, NAN)
    return 1.0 - (1.0 - 1.0 / n_sentences) ** hits


def jaccard(a: set, b: set) -> float:
    union = len(a | b)
    return len(a & b) / union if union else NAN


def mean_pairwise_jaccard(sets: Sequence[set]) -> float:
    """Mean Jaccard similarity over all pairs of (non-empty) sets; ``nan`` with fewer than two."""
    values = [jaccard(a, b) for a, b in combinations([s for s in sets if s], 2)]
    return sum(values) / len(values) if values else NAN


def sparse_gini(nonzero_counts: Iterable[int], n_sentences: int) -> float:
    """:func:`gini` of ``n_sentences`` counts given only the non-zero ones (pure Python: fast on tiny inputs)."""
    values = sorted(v for v in nonzero_counts if v > 0)
    total = sum(values)
    if n_sentences <= 0 or total == 0:
        return NAN
    zeros = n_sentences - len(values)
    weighted = sum((zeros + rank) * v for rank, v in enumerate(values, start=1))
    return 2.0 * weighted / (n_sentences * total) - (n_sentences + 1) / n_sentences


def top_sentences(counts: Sequence[float] | np.ndarray | Mapping[int, int]) -> frozenset[int]:
    """Indices of the most-hit sentences (ties all count); empty when there are no hits.

    Accepts a dense count vector or a sparse ``{sentence: hits}`` mapping.
    """
    if isinstance(counts, Mapping):
        best = max(counts.values(), default=0)
        return frozenset(k for k, v in counts.items() if v == best) if best > 0 else frozenset()
    array = _as_counts(counts)
    if array.size == 0 or array.max() == 0:
        return frozenset()
    return frozenset(np.flatnonzero(array == array.max()).tolist())


def hotspot_agreement_pairs(tops: Sequence[frozenset[int]]) -> tuple[int, int]:
    """(agreeing pairs, pairs) over groups' most-hit sentence sets: a pair agrees when the sets overlap.

    Groups without hits (empty sets) take no part.
    """
    pairs = list(combinations([t for t in tops if t], 2))
    return sum(1 for a, b in pairs if a & b), len(pairs)


def random_pairwise_jaccard(
    hits_per_group: Sequence[int], n_sentences: int, *, draws: int = 16, rng: np.random.Generator
) -> float:
    """Expected mean pairwise Jaccard if each group placed its hits on uniformly random sentences.

    The reference that makes an observed Jaccard readable: short documents overlap by chance.
    """
    groups = [h for h in hits_per_group if h > 0]
    if len(groups) < 2 or n_sentences <= 0:
        return NAN
    members = []
    rows = np.arange(draws)[:, None]
    for h in groups:
        mask = np.zeros((draws, n_sentences), dtype=bool)
        mask[rows, rng.integers(0, n_sentences, size=(draws, h))] = True
        members.append(mask)
    values = [
        (a & b).sum(axis=1) / (a | b).sum(axis=1) for a, b in combinations(members, 2)
    ]
    return float(np.mean(values))


def position_bin(positions: Sequence[float] | np.ndarray, bins: int = 10) -> np.ndarray:
    """Bin index of relative positions in [0, 1] (1.0 falls in the last bin)."""
    array = np.clip(np.asarray(positions, dtype=np.float64), 0.0, 1.0)
    return np.minimum((array * bins).astype(np.int64), bins - 1)


def interval_bin_overlap(starts: np.ndarray, ends: np.ndarray, length: int, bins: int) -> np.ndarray:
    """Matrix (intervals x bins): characters of each interval that fall in each of ``bins`` equal bins of [0, length)."""
    edges = np.linspace(0.0, float(length), bins + 1)
    lo = np.maximum(starts[:, None].astype(np.float64), edges[None, :-1])
    hi = np.minimum(ends[:, None].astype(np.float64), edges[None, 1:])
    return np.clip(hi - lo, 0.0, None)


def safe_ratio(numerator: float, denominator: float) -> float:
    if denominator is None or numerator is None:
        return NAN
    if isinstance(denominator, float) and math.isnan(denominator):
        return NAN
    return float(numerator) / float(denominator) if denominator else NAN


def nanmean(values: Sequence[float]) -> float:
    array = np.asarray([v for v in values if v is not None], dtype=np.float64)
    array = array[~np.isnan(array)]
    return float(array.mean()) if array.size else NAN
