"""Neighbour graph of question vectors: every pair of nodes whose cosine similarity reaches a floor.

:func:`similar_pairs` searches a partition of up to ``exact_limit`` vectors exhaustively with faiss
(``IndexFlatIP.range_search``: every pair above the floor, however many). A larger one goes through
an inverted-file index: about sqrt(probes x N) faiss k-means cells, each vector filed in its closest cell
and compared with those of its ``probes`` closest cells whose centroid is nearly as close as the
closest one. A crowded cell (over four times the mean size: dense template regions) is cut into
k-means sub-cells of about the mean size (a sub-cell k-means leaves over twice that size is cut again),
and a vector probing it is compared with its three closest sub-cells only. The vectors that probe a
(sub-)cell are compared with its members in one matrix product (BLAS), and its own members with each
other once (a triangle of products over runs of members): on this machine faiss's own
``IndexIVFFlat.range_search`` (per-query list scans) took 2-3x longer for lower recall, and an HNSW
quantizer over finer cells lost recall (benchmarks/bench_dedup.py, README). Pairs found from either end
are kept once, most similar first.

Thread counts follow the cores this process may run on (:func:`available_cores`), so faiss and BLAS
never start more threads than there are cores.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Hashable, Iterator, Sequence

import numpy as np

from distilabel_qabias.threads import available_cores, single_thread_after_fork

# Partitions up to this size are compared exhaustively.
DEFAULT_EXACT_LIMIT = 8192
# Approximate search: lists each vector is compared with, and the most pairs a vector keeps per list
# (dense near-duplicate regions stay bounded in memory).
DEFAULT_PROBES = 8
DEFAULT_NEIGHBOURS = 64
# A vector probes a list only if the list's centroid is within this cosine of its closest centroid: the
# far lists hold almost none of its neighbours (at 100k: 35% less search for 99.4% of the connected
# pairs instead of 99.6%, benchmarks/bench_dedup.py).
DEFAULT_PROBE_MARGIN = 0.2
# A list over this many times the mean list size (a dense template region) is cut into k-means sub-lists
# of about the mean size; a vector probing it is compared with its closest sub-lists only: at most
# DEFAULT_SUB_PROBES of them, within DEFAULT_SUB_MARGIN cosine of its closest one.
DEFAULT_CROWDED = 4.0
DEFAULT_SUB_PROBES = 3
DEFAULT_SUB_MARGIN = 0.02
# A sub-list k-means leaves over SPLIT_OVER times the mean list size is cut again, at most SPLIT_DEPTH times
# (the search alone at 1M questions: 67.3 -> 52.0 s CPU, 99.50% of the connected pairs against 99.54%).
SPLIT_OVER = 2.0
SPLIT_DEPTH = 3
# A list's members are compared with each other in parts of about this many (the triangle of member pairs).
TRIANGLE_PART = 128


@dataclass(frozen=True)
class NeighbourGraph:
    """Edges ``src[i] - dst[i]`` (node ids, ``src < dst``) with cosine ``score[i] >= floor``, most similar first."""

    src: np.ndarray
    dst: np.ndarray
    score: np.ndarray
    floor: float
    exhaustive: bool  # True when every pair was compared

    def __len__(self) -> int:
        return len(self.score)

    def above(self, threshold: float) -> int:
        """How many leading edges score >= ``threshold``."""
        return int(np.searchsorted(-self.score, -np.float32(threshold), side="right"))


@contextmanager
def thread_budget(threads: int | None = None) -> Iterator[int]:
    """Run faiss and the BLAS behind numpy on ``threads`` threads (default :func:`available_cores`)."""
    import faiss
    from threadpoolctl import threadpool_limits

    single_thread_after_fork(_one_faiss_thread)
    threads = threads or available_cores()
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(threads)
    try:
        with threadpool_limits(limits=threads):
            yield threads
    finally:
        faiss.omp_set_num_threads(previous)


def _one_faiss_thread() -> None:
    import faiss

    faiss.omp_set_num_threads(1)


def _exhaustive_pairs(vectors: np.ndarray, floor: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    # faiss keeps inner products strictly above the radius.
    lims, scores, ids = index.range_search(vectors, float(np.nextafter(np.float32(floor), np.float32(-2))))
    src = np.repeat(np.arange(len(vectors)), np.diff(lims.astype(np.int64)))
    upper = ids > src
    return src[upper], ids[upper], scores[upper]


def _train_centroids(vectors: np.ndarray, count: int, seed: int) -> np.ndarray:
    """``count`` unit k-means centroids (faiss, spherical) of ``vectors``, trained on 16 per centroid: the
    cells only need to keep near neighbours together, so a rough fit serves."""
    import faiss

    count = max(1, min(count, len(vectors)))
    if count == len(vectors):
        return vectors.copy()
    rng = np.random.default_rng(seed)
    sample = vectors[np.sort(rng.choice(len(vectors), min(len(vectors), 16 * count), replace=False))]
    kmeans = faiss.Kmeans(
        vectors.shape[1], count, niter=4, spherical=True, seed=seed, max_points_per_centroid=16, min_points_per_centroid=4
    )
    kmeans.train(np.ascontiguousarray(sample))
    return kmeans.centroids


def _closest(queries: np.ndarray, centroids: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``count`` most similar centroids of each query (similarities, ids), by one matrix product."""
    import faiss

    index = faiss.IndexFlatIP(centroids.shape[1])
    index.add(centroids)
    return index.search(queries, min(count, len(centroids)))


def _probe_lists(vectors: np.ndarray, probes: int, margin: float, seed: int) -> np.ndarray:
    """The ``probes`` inverted lists closest to each vector (-1 for those more than ``margin`` below the
    closest): faiss k-means cells, sqrt(probes * N) of them, which balances placing the vectors
    (N x lists) against comparing them (N x probes x N / lists)."""
    n_lists = int(min(max(1, math.sqrt(probes * len(vectors))), len(vectors) // 8 or 1))
    sims, lists = _closest(vectors, _train_centroids(vectors, n_lists, seed), probes)
    lists[sims < sims[:, :1] - margin] = -1
    return lists.astype(np.int32)


def _cap_per_row(rows: np.ndarray, cols: np.ndarray, scores: np.ndarray, cap: int):
    """Keep each row's ``cap`` most similar columns (bounds memory inside dense near-duplicate regions)."""
    order = np.lexsort((-scores, rows))
    rows, cols, scores = rows[order], cols[order], scores[order]
    first_of_row = np.searchsorted(rows, rows, side="left")
    keep = (np.arange(len(rows)) - first_of_row) < cap
    return rows[keep], cols[keep], scores[keep]


def _balanced_centroids(points: np.ndarray, size: float, seed: int, depth: int = 0) -> np.ndarray:
    """Unit k-means centroids of ``points``, about one per ``size`` points. A cell that k-means leaves over
    ``SPLIT_OVER`` times ``size`` (a dense core of near-identical questions, which every question around it
    would be compared with in full) is cut again the same way, up to ``SPLIT_DEPTH`` times."""
    import faiss

    count = max(1, math.ceil(len(points) / size))
    kmeans = faiss.Kmeans(
        points.shape[1], count, niter=6, spherical=True, seed=seed, min_points_per_centroid=1, max_points_per_centroid=64
    )
    kmeans.train(np.ascontiguousarray(points))
    label = np.argmax(points @ kmeans.centroids.T, axis=1)
    cell_size = np.bincount(label, minlength=count)
    too_big = cell_size > SPLIT_OVER * size
    if depth == SPLIT_DEPTH or not too_big.any():
        return kmeans.centroids[cell_size > 0]
    parts = [kmeans.centroids[(cell_size > 0) & ~too_big]]
    parts += [_balanced_centroids(points[label == cell], size, seed, depth + 1) for cell in np.flatnonzero(too_big).tolist()]
    return np.concatenate(parts)


def _split_crowded_lists(
    vectors: np.ndarray, members: np.ndarray, queries: np.ndarray, size: float, sub_probes: int, sub_margin: float,
    seed: int,
) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]], np.ndarray, np.ndarray]:
    """One crowded list cut into k-means sub-lists of about ``size`` members. Returns each member's
    sub-list, the (members, other queries) pair of every sub-list, and the (query, sub-list) choices: a query
    is compared with its ``sub_probes`` closest sub-lists within ``sub_margin`` of its closest one
    (always its own sub-list when it is a member). ``queries`` (sorted ids) include every member."""
    centroids = _balanced_centroids(vectors[members], size, seed)
    sub_lists = len(centroids)
    sims = vectors[queries] @ centroids.T
    member_rows = np.searchsorted(queries, members)
    member_sub = np.argmax(sims[member_rows], axis=1)
    chosen = sims >= sims.max(axis=1, keepdims=True) - sub_margin
    if sub_probes < sub_lists:
        chosen &= sims >= -np.partition(-sims, sub_probes - 1, axis=1)[:, sub_probes - 1 : sub_probes]
    chosen[member_rows, member_sub] = True
    query_rows, query_sub = np.nonzero(chosen)
    chosen[member_rows, member_sub] = False
    other_sub, other_rows = np.nonzero(chosen.T)  # sub-list by sub-list
    by_member_sub = np.argsort(member_sub, kind="stable")
    member_bounds = np.searchsorted(member_sub[by_member_sub], np.arange(sub_lists + 1))
    other_bounds = np.searchsorted(other_sub, np.arange(sub_lists + 1))
    blocks = [
        (members[by_member_sub[member_bounds[s] : member_bounds[s + 1]]],
         queries[other_rows[other_bounds[s] : other_bounds[s + 1]]])
        for s in range(sub_lists)
    ]
    return member_sub, blocks, queries[query_rows], query_sub


def _approximate_pairs(
    vectors: np.ndarray, floor: float, *, probes: int, probe_margin: float, neighbours: int, seed: int,
    crowded: float = DEFAULT_CROWDED, sub_probes: int = DEFAULT_SUB_PROBES, sub_margin: float = DEFAULT_SUB_MARGIN,
    triangle_part: int = TRIANGLE_PART,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inverted-file search: each vector is filed in its closest list and compared with the lists of its
    ``probes`` closest ones. A list over ``crowded`` times the mean size is cut into sub-lists of about the
    mean size, and a vector probing it is compared with its ``sub_probes`` closest sub-lists only. A
    (sub-)list is compared with the other vectors probing it in one matrix product, into reused buffers, and
    its members with each other once, part by part (``triangle_part`` members). A pair that both of its ends
    find is kept from the end with the lower id only. When a (sub-)list has more pairs than ``neighbours``
    per vector probing it, it is compared in full and each vector keeps its ``neighbours`` most similar."""
    probe = _probe_lists(vectors, probes, probe_margin, seed)
    n_lists = int(probe.max()) + 1
    filed = np.argsort(probe[:, 0], kind="stable")
    filed_bounds = np.searchsorted(probe[filed, 0], np.arange(n_lists + 1))
    flat = probe.ravel()
    probing = np.flatnonzero(flat >= 0)
    probing = probing[np.argsort(flat[probing], kind="stable")]
    probing_bounds = np.searchsorted(flat[probing], np.arange(n_lists + 1))
    probing //= probe.shape[1]  # flat position -> vector
    del flat

    # Crowded lists (dense template regions) are compared sub-list by sub-list.
    sizes = np.diff(filed_bounds)
    mean_size = len(vectors) / n_lists
    sub_of = np.full(len(vectors), -1, dtype=np.int64)  # global sub-list of each vector filed in a crowded list
    split_blocks: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
    choices, next_sub = [], 0
    for lst in np.flatnonzero(sizes > crowded * mean_size).tolist():
        members = filed[filed_bounds[lst] : filed_bounds[lst + 1]]
        member_sub, split_blocks[lst], query, query_sub = _split_crowded_lists(
            vectors, members, probing[probing_bounds[lst] : probing_bounds[lst + 1]], mean_size, sub_probes, sub_margin, seed
        )
        sub_of[members] = next_sub + member_sub
        choices.append((query.astype(np.int64) << 32) + next_sub + query_sub)
        next_sub += len(split_blocks[lst])
    chosen_subs = np.sort(np.concatenate(choices)) if choices else np.empty(0, dtype=np.int64)

    def found_from_other_end(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """Whether ``dst``, as a query, is compared with ``src``: it probes src's list and, when that list
        is crowded, src's sub-list."""
        found = (probe[dst] == probe[src, :1]).any(axis=1)
        sub = sub_of[src]
        split = np.flatnonzero(found & (sub >= 0))
        if len(split):
            keys = (dst[split].astype(np.int64) << 32) + sub[split]
            at = np.minimum(np.searchsorted(chosen_subs, keys), len(chosen_subs) - 1)
            found[split] = chosen_subs[at] == keys
        return found

    def blocks_of(lst: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """(members, other queries) of each (sub-)list of ``lst``: the others probe it without being filed in it."""
        if lst in split_blocks:
            return split_blocks[lst]
        queries = probing[probing_bounds[lst] : probing_bounds[lst + 1]]
        return [(filed[filed_bounds[lst] : filed_bounds[lst + 1]], queries[probe[queries, 0] != lst])]

    most_members = most_queries = 1
    for lst in range(n_lists):
        for members, others in blocks_of(lst):
            most_members = max(most_members, len(members))
            most_queries = max(most_queries, len(members) + len(others))
    query_buffer = np.empty((most_queries, vectors.shape[1]), dtype=np.float32)
    member_buffer = np.empty((most_members, vectors.shape[1]), dtype=np.float32)
    sims_buffer = np.empty(most_queries * most_members, dtype=np.float32)
    above_buffer = np.empty(most_queries * most_members, dtype=bool)

    def above_floor(rows: np.ndarray, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, cosine) of the pairs of ``rows`` and ``columns`` (buffer views) at or above the floor."""
        shape = (len(rows), len(columns))
        sims = np.matmul(rows, columns.T, out=sims_buffer[: shape[0] * shape[1]].reshape(shape))
        # flatnonzero is about 8x faster than nonzero on a 2-D array
        above = np.greater_equal(sims, floor, out=above_buffer[: shape[0] * shape[1]].reshape(shape))
        row, column = np.divmod(np.flatnonzero(above), shape[1])
        return row, column, sims[row, column]

    found_src, found_dst, found_score = [], [], []
    for lst in range(n_lists):
        for members, others in blocks_of(lst):
            if not len(members):
                continue
            # Members highest id first, then the others: the members of each part (a run of ids) are compared
            # with themselves, the members of lower ids and the others, so two members meet once, lower id first.
            n_members, n_queries = len(members), len(members) + len(others)
            rows_of = np.concatenate((members[::-1], others))
            np.take(vectors, rows_of, axis=0, out=query_buffer[:n_queries])
            bounds = np.linspace(0, n_members, max(1, round(n_members / triangle_part)) + 1).astype(np.int64)
            pairs, found_full = [], 0
            for low, high in zip(bounds[:-1], bounds[1:]):
                first = n_members - high
                rows, cols, scores = above_floor(query_buffer[first:n_queries], query_buffer[first : n_members - low])
                # what the full product would have more: each lower-id member against this part, by symmetry
                found_full += len(rows) + int(np.searchsorted(rows, high) - np.searchsorted(rows, high - low))
                pairs.append((rows_of[first + rows], rows_of[first + cols], scores, rows < high))
            if found_full > neighbours * n_queries:
                # as many pairs as the full product (every query against every member), capped per query
                member_block = np.take(vectors, members, axis=0, out=member_buffer[:n_members])
                rows, cols, scores = _cap_per_row(*above_floor(query_buffer[:n_queries], member_block), neighbours)
                pairs = [(rows_of[rows], members[cols], scores, rows < n_members)]
            for src, dst, scores, between_members in pairs:
                # a member's pair with another member comes once here; a pair with another query
                # is kept from the lower-id end when the other end finds it too
                keep = src < dst
                with_others = np.flatnonzero(~between_members)
                keep[with_others] |= ~found_from_other_end(src[with_others], dst[with_others])
                found_src.append(src[keep])
                found_dst.append(dst[keep])
                found_score.append(scores[keep])
    return np.concatenate(found_src), np.concatenate(found_dst), np.concatenate(found_score)


def similar_pairs(
    vectors: np.ndarray,
    floor: float,
    *,
    partitions: Sequence[Hashable] | None = None,
    exact_limit: int = DEFAULT_EXACT_LIMIT,
    probes: int = DEFAULT_PROBES,
    probe_margin: float = DEFAULT_PROBE_MARGIN,
    neighbours: int = DEFAULT_NEIGHBOURS,
    seed: int = 0,
) -> NeighbourGraph:
    """Pairs of rows of ``vectors`` (unit rows) with cosine >= ``floor``, only within the same partition.

    Partitions up to ``exact_limit`` rows are searched exhaustively. Larger ones are filed into about
    sqrt(probes x N) lists; each vector is compared with the lists of its ``probes`` closest centroids
    (in a crowded list, with its closest sub-lists only), keeping at most ``neighbours`` pairs per vector
    and (sub-)list. benchmarks/bench_dedup.py
    prints the share of exhaustive pairs found (>= 0.95 at the defaults).
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    index_type = np.int32 if len(vectors) < 2**31 else np.int64
    if partitions is None:
        groups = [None] if len(vectors) > 1 else []
    else:
        code_of: dict[Hashable, int] = {}
        codes = np.fromiter((code_of.setdefault(key, len(code_of)) for key in partitions), np.int64, len(vectors))
        order = np.argsort(codes, kind="stable")
        groups = [g for g in np.split(order, np.flatnonzero(np.diff(codes[order])) + 1) if len(g) > 1]
    found = []
    exhaustive = True
    with thread_budget():
        for members in groups:
            part = vectors if members is None else vectors[members]
            if len(part) <= exact_limit or len(part) < 64:
                src, dst, score = _exhaustive_pairs(part, floor)
            else:
                exhaustive = False
                src, dst, score = _approximate_pairs(
                    part, floor, probes=probes, probe_margin=probe_margin, neighbours=neighbours, seed=seed,
                )
            if members is not None:
                src, dst = members[src], members[dst]
            low, high = np.minimum(src, dst).astype(index_type), np.maximum(src, dst).astype(index_type)
            found.append((low, high, score.astype(np.float32, copy=False)))
    if found:
        low, high, score = (np.concatenate(parts) for parts in zip(*found))
    else:
        low = high = np.empty(0, dtype=index_type)
        score = np.empty(0, dtype=np.float32)
    del found
    # Most similar first, ties in node order: pairs in node order, then a stable sort by score (at 13M
    # pairs 40% less time than one lexsort of the three keys).
    order = np.argsort(low.astype(np.int64) * len(vectors) + high)
    order = order[np.argsort(-score[order], kind="stable")]
    return NeighbourGraph(low[order], high[order], np.minimum(score[order], np.float32(1.0)), float(floor), exhaustive)
