"""Explainable convergence clustering: which generated questions ask the same thing, and which row to keep.

Pipeline of :func:`deduplicate`:

1. **Exact repeats.** Rows whose normalised question (and answer, when given) are equal - within the
   same document when ``documents`` is given - collapse into one *node*; each node is embedded once.
   Missing, non-string and blank questions are never compared: each becomes its own cluster, tagged
   with a reason.
2. **Neighbour graph.** :func:`similar_pairs` finds every pair of nodes with cosine similarity >=
   ``graph_floor`` (a little below the threshold, so the result can be re-thresholded without
   re-embedding). Up to ``exact_limit`` nodes it compares all pairs in blocks; above that it buckets
   nodes around k-means leaders (each node joins its closest leaders) and compares all pairs
   inside each bucket, in blocks - never an N x N matrix. Each node keeps at most
   ``max_neighbours`` edges per bucket so a dense region cannot blow up memory.
3. **Union-find with two guards.** Edges >= ``threshold`` are visited from the most to the least
   similar (Kruskal order). Two clusters are joined only if

   * *chaining guard* - their average-link similarity (mean cosine over all cross pairs, computed
     exactly from the clusters' summed vectors, i.e. the similarity of each side to the other's
     centroid) is >= ``threshold - chain_margin``. A chain a~b~c whose ends are far apart is cut
     even though every link passes; and
   * *entity guard* - no question of one cluster asks about a different named entity, number or
     date than a question of the other (:func:`~distilabel_qabias.convergence.normalize.signature_conflict`).

   Refused joins are recorded with their reason.
4. **Representative.** One row per cluster is kept (``keep="first" | "best_grounded" |
   "longest_answer"``); every other member records the kept row and its cosine similarity to it.

The :class:`ConvergenceResult` lists clusters with members, scores and the link each member joined
by, the least similar merges and the closest refused joins (to tune the threshold), and
:meth:`ConvergenceResult.rethreshold` recomputes everything from the stored graph.
"""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Hashable, Literal, Sequence

import numpy as np

from distilabel_qabias import schema
from distilabel_qabias.embedders import Embedder, load_embedder
from distilabel_qabias.convergence.normalize import (
    MAX_COMPARED_CHARS,
    FactSignature,
    entities_conflict,
    fact_signature,
    normalize_question,
)

KeepPolicy = Literal["first", "best_grounded", "longest_answer"]
KEEP_POLICIES = ("first", "best_grounded", "longest_answer")

# Two clusters join only if their average-link similarity is >= threshold - chain_margin; 0 (plain
# average linkage at the threshold) gave the best paraphrase/related-question trade-off in
# benchmarks/eval_dedup.py for MiniLM and WordLlama (0.05 merged far more different questions).
DEFAULT_CHAIN_MARGIN = 0.0
# The graph keeps edges this far below the threshold, so rethreshold() can also go down.
DEFAULT_GRAPH_MARGIN = 0.06


# --------------------------------------------------------------------------------------------
# neighbour graph
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeighbourGraph:
    """Edges ``src[i] - dst[i]`` (node ids, ``src < dst``) with cosine ``score[i] >= floor``, most similar first."""

    src: np.ndarray
    dst: np.ndarray
    score: np.ndarray
    floor: float
    exhaustive: bool  # True when every pair was compared (no bucketing)

    def __len__(self) -> int:
        return len(self.score)


def _block_pairs(
    vectors: np.ndarray, members: np.ndarray, floor: float, max_neighbours: int, block_rows: int = 1024
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs of ``members`` with cosine >= ``floor``, ``block_rows`` query rows at a time."""
    found_src, found_dst, found_score = [], [], []
    member_vectors = vectors[members]
    for start in range(0, len(members) - 1, block_rows):
        sims = member_vectors[start : start + block_rows] @ member_vectors[start + 1 :].T
        rows, cols = np.nonzero(sims >= floor)
        cols_abs = cols + start + 1
        upper = cols_abs > rows + start  # each unordered pair once
        rows, cols, cols_abs = rows[upper], cols[upper], cols_abs[upper]
        scores = sims[rows, cols]
        if len(rows) > max_neighbours * (len(sims) or 1):
            rows, cols_abs, scores = _cap_per_row(rows, cols_abs, scores, max_neighbours)
        found_src.append(members[rows + start])
        found_dst.append(members[cols_abs])
        found_score.append(scores)
    if not found_src:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0, dtype=np.float32)
    return np.concatenate(found_src), np.concatenate(found_dst), np.concatenate(found_score)


def _cap_per_row(rows: np.ndarray, cols: np.ndarray, scores: np.ndarray, cap: int):
    """Keep each row's ``cap`` most similar columns (bounds memory inside dense near-duplicate regions)."""
    order = np.lexsort((-scores, rows))
    rows, cols, scores = rows[order], cols[order], scores[order]
    first_of_row = np.searchsorted(rows, rows, side="left")
    keep = (np.arange(len(rows)) - first_of_row) < cap
    return rows[keep], cols[keep], scores[keep]


def _leaders(vectors: np.ndarray, count: int, rng: np.random.Generator, iterations: int = 2) -> np.ndarray:
    """``count`` unit centroids: a random sample refined by a few k-means steps on a subsample."""
    centroids = vectors[rng.choice(len(vectors), count, replace=False)].copy()
    sample = vectors[rng.choice(len(vectors), min(len(vectors), 16 * count), replace=False)]
    for _ in range(iterations):
        nearest = np.argmax(sample @ centroids.T, axis=1)
        sums = np.zeros_like(centroids)
        np.add.at(sums, nearest, sample)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        moved = norms[:, 0] > 0
        centroids[moved] = sums[moved] / norms[moved]
    return centroids


def _bucket_pairs(
    vectors: np.ndarray,
    members: np.ndarray,
    floor: float,
    *,
    max_bucket: int,
    probes: int,
    probe_margin: float,
    max_neighbours: int,
    rng: np.random.Generator,
    depth: int = 0,
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    if len(members) <= max_bucket or depth >= 3:
        return [_block_pairs(vectors, members, floor, max_neighbours)]
    count = int(min(max(8, 2 * math.sqrt(len(members))), len(members) // 4))
    centroids = _leaders(vectors[members], count, rng)
    owners, buckets = [], []
    for start in range(0, len(members), 8192):
        sims = vectors[members[start : start + 8192]] @ centroids.T
        top = np.argpartition(-sims, min(probes, count - 1), axis=1)[:, :probes]
        top_sims = np.take_along_axis(sims, top, axis=1)
        # A node also joins the runner-up leaders when they are almost as close as its best one.
        near = top_sims >= top_sims.max(axis=1, keepdims=True) - probe_margin
        rows, slots = np.nonzero(near)
        owners.append(members[rows + start])
        buckets.append(top[rows, slots])
    owner = np.concatenate(owners)
    bucket = np.concatenate(buckets)
    order = np.argsort(bucket, kind="stable")
    owner, bucket = owner[order], bucket[order]
    found = []
    for group in np.split(owner, np.flatnonzero(np.diff(bucket)) + 1):
        if len(group) < 2:
            continue
        no_progress = len(group) > 0.9 * len(members)
        found += _bucket_pairs(
            vectors, group, floor, max_bucket=max_bucket, probes=probes, probe_margin=probe_margin,
            max_neighbours=max_neighbours, rng=rng, depth=3 if no_progress else depth + 1,
        )
    return found


def similar_pairs(
    vectors: np.ndarray,
    floor: float,
    *,
    partitions: Sequence[Hashable] | None = None,
    exact_limit: int = 8192,
    max_bucket: int = 2048,
    probes: int = 4,
    probe_margin: float = 0.2,
    max_neighbours: int = 16,
    seed: int = 0,
) -> NeighbourGraph:
    """Pairs of rows of ``vectors`` (unit rows) with cosine >= ``floor``, only within the same partition.

    Partitions up to ``exact_limit`` rows are compared exhaustively. Larger ones are bucketed: each row
    joins up to ``probes`` of its closest k-means leaders (those within ``probe_margin`` of the closest),
    and pairs are only looked for inside a bucket. On 54k dense question variants this keeps ~95% of
    the pairs >= 0.86 connected (benchmarks/bench_dedup.py prints the figure). Memory stays
    O(N * max_neighbours + block * bucket): no N x N matrix is ever built.
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    rng = np.random.default_rng(seed)
    if partitions is None:
        groups = [np.arange(len(vectors))]
    else:
        by_partition: dict[Hashable, list[int]] = defaultdict(list)
        for node, key in enumerate(partitions):
            by_partition[key].append(node)
        groups = [np.asarray(nodes) for nodes in by_partition.values() if len(nodes) > 1]
    found = []
    exhaustive = True
    for members in groups:
        if len(members) <= exact_limit:
            found.append(_block_pairs(vectors, members, floor, max_neighbours))
        else:
            exhaustive = False
            found += _bucket_pairs(
                vectors, members, floor, max_bucket=max_bucket, probes=probes, probe_margin=probe_margin,
                max_neighbours=max_neighbours, rng=rng,
            )
    if found:
        src = np.concatenate([f[0] for f in found]).astype(np.int64)
        dst = np.concatenate([f[1] for f in found]).astype(np.int64)
        score = np.concatenate([f[2] for f in found]).astype(np.float32)
    else:
        src = dst = np.empty(0, dtype=np.int64)
        score = np.empty(0, dtype=np.float32)
    low, high = np.minimum(src, dst), np.maximum(src, dst)
    _, first = np.unique(low * max(len(vectors), 1) + high, return_index=True)  # a pair may sit in two buckets
    order = first[np.argsort(-score[first], kind="stable")]
    return NeighbourGraph(low[order], high[order], score[order], float(floor), exhaustive)


# --------------------------------------------------------------------------------------------
# union-find with guards
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Merges:
    labels: np.ndarray  # cluster root per node
    forest: list[tuple[int, int, float]]  # the edges that joined clusters (a spanning forest)
    refused: list[tuple[int, int, float, str]]  # (node a, node b, score, reason), most similar first


class _ClusterFacts:
    """What the entity guard needs of a cluster, kept small: merges require equal numbers, so a cluster
    has one number set; entity-free questions never conflict, so only distinct entity sets are kept,
    each with the words of the questions that carry it."""

    __slots__ = ("numbers", "entities")

    def __init__(self, signature: FactSignature):
        self.numbers = signature.numbers
        self.entities = {signature.entities: signature.words} if signature.entities else {}

    def conflict(self, other: "_ClusterFacts") -> str | None:
        if self.numbers != other.numbers:
            return "number"
        for ents_a, words_a in self.entities.items():
            for ents_b, words_b in other.entities.items():
                if entities_conflict(ents_a, words_a, ents_b, words_b):
                    return "entity"
        return None

    def absorb(self, other: "_ClusterFacts") -> None:
        for ents, words in other.entities.items():
            self.entities[ents] = self.entities.get(ents, frozenset()) | words


def _union_find(
    vectors: np.ndarray,
    graph: NeighbourGraph,
    threshold: float,
    chain_margin: float,
    signature_of,
    entity_guard: bool = True,
) -> _Merges:
    parent = np.arange(len(vectors))
    size = np.ones(len(vectors), dtype=np.int64)
    sums: dict[int, np.ndarray] = {}
    facts: dict[int, _ClusterFacts] = {}
    forest: list[tuple[int, int, float]] = []
    refused: list[tuple[int, int, float, str]] = []
    known_conflicts: dict[tuple[int, int], str] = {}
    link_floor = threshold - chain_margin

    def find(node: int) -> int:
        root = node
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    def facts_of(root: int) -> _ClusterFacts:
        found = facts.get(root)
        if found is None:
            found = facts[root] = _ClusterFacts(signature_of(root))
        return found

    usable = int(np.searchsorted(-graph.score, -threshold, side="right"))
    for a, b, score in zip(graph.src[:usable].tolist(), graph.dst[:usable].tolist(), graph.score[:usable].tolist()):
        root_a, root_b = find(a), find(b)
        if root_a == root_b:
            continue
        if entity_guard:
            # Conflicts only grow as clusters absorb others, so a refused pair of roots stays refused.
            pair = (root_a, root_b) if root_a < root_b else (root_b, root_a)
            conflict = known_conflicts.get(pair)
            if conflict is None:
                conflict = known_conflicts[pair] = facts_of(root_a).conflict(facts_of(root_b)) or ""
            if conflict:
                refused.append((a, b, score, conflict))
                continue
        sum_a = sums.get(root_a, vectors[root_a])
        sum_b = sums.get(root_b, vectors[root_b])
        average_link = float(sum_a @ sum_b) / (size[root_a] * size[root_b])
        if average_link < link_floor:
            refused.append((a, b, score, "chaining"))
            continue
        if size[root_a] < size[root_b]:
            root_a, root_b = root_b, root_a
        parent[root_b] = root_a
        size[root_a] += size[root_b]
        sums[root_a] = sum_a + sum_b
        sums.pop(root_b, None)
        if entity_guard:
            facts[root_a].absorb(facts.pop(root_b))
        forest.append((a, b, score))
    labels = np.fromiter((find(n) for n in range(len(vectors))), dtype=np.int64, count=len(vectors))
    return _Merges(labels, forest, refused)


def _links_towards(kept_node: int, adjacency: dict[int, list[tuple[int, float]]]) -> dict[int, tuple[int, float]]:
    """For each node of the kept node's tree: the neighbour one step closer to the kept node, and the edge score."""
    links: dict[int, tuple[int, float]] = {}
    frontier = [kept_node]
    seen = {kept_node}
    while frontier:
        nxt = []
        for node in frontier:
            for neighbour, score in adjacency.get(node, ()):
                if neighbour not in seen:
                    seen.add(neighbour)
                    links[neighbour] = (node, score)
                    nxt.append(neighbour)
        frontier = nxt
    return links


# --------------------------------------------------------------------------------------------
# result
# --------------------------------------------------------------------------------------------


@dataclass
class _Inputs:
    """Everything rethreshold() needs, shared between results of different thresholds."""

    questions: list[Any]
    answers: list[Any] | None
    prompts: list[Any] | None
    row_node: np.ndarray  # node per row, -1 for rows that were not compared
    row_reason: list[str | None]
    node_rows: list[list[int]]  # rows of each node, in row order
    node_text: list[str]  # text whose signature guards the node (question [+ answer])
    vectors: np.ndarray
    graph: NeighbourGraph
    priority: np.ndarray  # higher = better representative; ties go to the first row
    keep: str
    embedder_name: str
    chain_margin: float
    entity_guard: bool
    signatures: dict[int, FactSignature] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def signature_of(self, node: int) -> FactSignature:
        sig = self.signatures.get(node)
        if sig is None:
            sig = self.signatures[node] = fact_signature(self.node_text[node])
        return sig


@dataclass(frozen=True)
class Member:
    row: int
    score: float | None  # cosine to the kept row (None on the kept row)
    exact: bool  # same normalised text as the kept row
    linked_to: int | None  # row this one joined the cluster through (None on the kept row)
    link_score: float | None


@dataclass(frozen=True)
class Cluster:
    cluster_id: int
    kept_row: int
    members: tuple[Member, ...]
    reason: str | None = None  # set for rows that were not compared (missing/not_text/empty)

    @property
    def size(self) -> int:
        return len(self.members)


class ConvergenceResult:
    """Clusters of converged questions with per-row outputs and explanations; see module docstring."""

    def __init__(self, inputs: _Inputs, threshold: float):
        self._inputs = inputs
        self.threshold = float(threshold)
        started = time.perf_counter()
        merges = _union_find(
            inputs.vectors, inputs.graph, self.threshold, inputs.chain_margin, inputs.signature_of, inputs.entity_guard
        )
        self._refused = merges.refused
        self._build_clusters(merges)
        self.timings = dict(inputs.timings, clustering_s=time.perf_counter() - started)

    # ---- construction -------------------------------------------------------------------
    def _build_clusters(self, merges: _Merges) -> None:
        """Per-row arrays, vectorised (1M rows take about a second); Cluster objects are built on demand."""
        inputs = self._inputs
        n_rows = len(inputs.row_node)
        rows = np.arange(n_rows)
        compared = inputs.row_node >= 0
        # Uncompared rows get a key of their own, below all node roots.
        key = np.where(compared, merges.labels[np.maximum(inputs.row_node, 0)] if len(merges.labels) else 0, -1 - rows)
        _, first_row, inverse = np.unique(key, return_index=True, return_inverse=True)
        rank = np.empty(len(first_row), dtype=np.int64)
        rank[np.argsort(first_row, kind="stable")] = np.arange(len(first_row))
        self.cluster_id = rank[inverse.reshape(-1)]
        self.n_clusters = len(first_row)
        sizes = np.bincount(self.cluster_id, minlength=self.n_clusters)
        self.cluster_size = sizes[self.cluster_id]

        # Kept row: highest priority, then the first row.
        order = np.lexsort((rows, -inputs.priority, self.cluster_id))
        self.kept_row = order[np.r_[0, np.flatnonzero(np.diff(self.cluster_id[order])) + 1]] if n_rows else order
        self.duplicate_of = self.kept_row[self.cluster_id] if n_rows else np.empty(0, dtype=np.int64)
        is_kept = self.duplicate_of == rows
        self.duplicate_of = np.where(is_kept, -1, self.duplicate_of)

        self.duplicate_score = np.full(n_rows, np.nan, dtype=np.float64)
        self.linked_to = np.full(n_rows, -1, dtype=np.int64)
        self.link_score = np.full(n_rows, np.nan, dtype=np.float64)
        duplicates = np.flatnonzero(~is_kept)
        node = inputs.row_node[duplicates]
        kept_node = inputs.row_node[self.duplicate_of[duplicates]]
        for start in range(0, len(duplicates), 65536):
            part = slice(start, start + 65536)
            dots = np.einsum("ij,ij->i", inputs.vectors[node[part]], inputs.vectors[kept_node[part]])
            self.duplicate_score[duplicates[part]] = np.round(np.clip(dots.astype(np.float64), -1.0, 1.0), 6)
        exact = node == kept_node
        self.duplicate_score[duplicates[exact]] = 1.0
        self.exact = np.zeros(n_rows, dtype=bool)
        self.exact[duplicates[exact]] = True
        self._link_members(merges, duplicates, node, exact)

        self.cluster_prompts = np.full(n_rows, -1, dtype=np.int64)
        if inputs.prompts is not None and n_rows:
            codes: dict[Hashable, int] = {}
            prompt_code = np.fromiter((codes.setdefault(_hashable(p), len(codes)) for p in inputs.prompts), dtype=np.int64, count=n_rows)
            pairs = np.unique(self.cluster_id * max(len(codes), 1) + prompt_code)
            distinct = np.bincount(pairs // max(len(codes), 1), minlength=self.n_clusters)
            self.cluster_prompts = distinct[self.cluster_id]

    def _link_members(self, merges: _Merges, duplicates: np.ndarray, node: np.ndarray, exact: np.ndarray) -> None:
        """Which row each duplicate joined through: an exact repeat links to the kept row or to the first row
        with its text; the first row of a node links one step along the merge tree towards the kept row."""
        inputs = self._inputs
        first_of_node = np.fromiter((r[0] for r in inputs.node_rows), dtype=np.int64, count=len(inputs.node_rows))
        self.linked_to[duplicates[exact]] = self.duplicate_of[duplicates[exact]]
        self.link_score[duplicates[exact]] = 1.0
        repeat = ~exact & (first_of_node[np.maximum(node, 0)] != duplicates)
        self.linked_to[duplicates[repeat]] = first_of_node[node[repeat]]
        self.link_score[duplicates[repeat]] = 1.0
        adjacency: dict[int, list[tuple[int, float]]] = defaultdict(list)
        for a, b, score in merges.forest:
            adjacency[a].append((b, score))
            adjacency[b].append((a, score))
        seen_clusters = set()
        for a, _, _ in merges.forest:
            cluster = self.cluster_id[first_of_node[a]]
            if cluster in seen_clusters:
                continue
            seen_clusters.add(cluster)
            kept = int(self.kept_row[cluster])
            kept_node = int(inputs.row_node[kept])
            for member, (towards, score) in _links_towards(kept_node, adjacency).items():
                row = first_of_node[member]
                self.linked_to[row] = kept if towards == kept_node else first_of_node[towards]
                self.link_score[row] = round(float(score), 6)

    @cached_property
    def _rows_by_cluster(self) -> list[np.ndarray]:
        order = np.argsort(self.cluster_id, kind="stable")
        return np.split(order, np.flatnonzero(np.diff(self.cluster_id[order])) + 1) if len(order) else []

    def cluster(self, cluster_id: int) -> Cluster:
        """One cluster with its members, scores and links."""
        rows = self._rows_by_cluster[cluster_id]
        kept = int(self.kept_row[cluster_id])
        members = tuple(
            Member(int(r), None, False, None, None) if r == kept
            else Member(int(r), float(self.duplicate_score[r]), bool(self.exact[r]), int(self.linked_to[r]),
                        float(self.link_score[r]))
            for r in rows
        )
        reason = self._inputs.row_reason[kept] if self._inputs.row_node[kept] < 0 else None
        return Cluster(cluster_id, kept, members, reason)

    @property
    def clusters(self) -> list[Cluster]:
        """Every cluster, in order of its first row (built on demand)."""
        return [self.cluster(c) for c in range(self.n_clusters)]

    def merged_clusters(self) -> list[Cluster]:
        """Clusters with more than one row."""
        return [self.cluster(int(c)) for c in np.flatnonzero(np.bincount(self.cluster_id, minlength=self.n_clusters) > 1)]

    # ---- per-row outputs ----------------------------------------------------------------
    @property
    def keep(self) -> np.ndarray:
        return self.duplicate_of < 0

    def row_columns(self, row: int) -> dict[str, Any]:
        """The qabias_* convergence columns of ``row`` (schema names)."""
        duplicate_of = int(self.duplicate_of[row])
        prompts = int(self.cluster_prompts[row])
        return {
            schema.CLUSTER_ID: int(self.cluster_id[row]),
            schema.CLUSTER_SIZE: int(self.cluster_size[row]),
            schema.DUPLICATE_OF: duplicate_of if duplicate_of >= 0 else None,
            schema.DUPLICATE_SCORE: None if duplicate_of < 0 else float(self.duplicate_score[row]),
            schema.KEEP_CONVERGENCE: duplicate_of < 0,
            schema.CLUSTER_PROMPTS: prompts if prompts >= 0 else None,
            schema.CONVERGENCE_REASON: self._inputs.row_reason[row],
        }

    # ---- explanations -------------------------------------------------------------------
    @property
    def n_rows(self) -> int:
        return len(self.cluster_id)

    @property
    def n_duplicates(self) -> int:
        return int((self.duplicate_of >= 0).sum())

    @property
    def n_exact_duplicates(self) -> int:
        return int(self.exact.sum())

    @property
    def duplicate_ratio(self) -> float:
        return self.n_duplicates / self.n_rows if self.n_rows else 0.0

    def text(self, row: int, max_chars: int = 300) -> str | None:
        """The compared text of ``row`` (question, ``|| answer`` in question+answer mode), cut at ``max_chars``."""
        question = self._inputs.questions[row]
        if not isinstance(question, str):
            return None
        if self._inputs.answers is not None and isinstance(self._inputs.answers[row], str):
            question = f"{question} || {self._inputs.answers[row]}"
        return question if len(question) <= max_chars else question[:max_chars] + "…"

    def least_similar_duplicates(self, n: int = 10) -> list[tuple[int, int, float]]:
        """``(row, kept_row, cosine)`` for the ``n`` non-exact duplicates least similar to their kept row."""
        rows = np.flatnonzero((self.duplicate_of >= 0) & (self.duplicate_score < 1.0))
        rows = rows[np.argsort(self.duplicate_score[rows], kind="stable")[:n]]
        return [(int(r), int(self.duplicate_of[r]), float(self.duplicate_score[r])) for r in rows]

    def closest_refused(self, n: int = 10) -> list[tuple[int, int, float, str]]:
        """``(row, row, cosine, reason)`` for the ``n`` most similar pairs the guards kept apart."""
        rows = self._inputs.node_rows
        return [(rows[a][0], rows[b][0], round(float(s), 6), reason) for a, b, s, reason in self._refused[:n]]

    def refused_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for *_, reason in self._refused:
            counts[reason] += 1
        return dict(counts)

    def rethreshold(self, threshold: float) -> ConvergenceResult:
        """A new result at ``threshold`` from the stored neighbour graph (no re-embedding).

        ``threshold`` may go down to the graph floor (``self.graph_floor``).
        """
        if threshold < self._inputs.graph.floor - 1e-9:
            raise ValueError(
                f"threshold {threshold} is below the neighbour graph floor {self._inputs.graph.floor:.3f}; "
                "run deduplicate() again with a lower threshold (or graph_margin) to go lower"
            )
        return ConvergenceResult(self._inputs, threshold)

    @property
    def graph_floor(self) -> float:
        return self._inputs.graph.floor

    def to_dict(self, *, max_pairs: int = 20) -> dict[str, Any]:
        """JSON-ready explanation: settings, counts, rows not compared (by reason), every multi-row cluster with its
        members (score to the kept row, exact or not, the row it linked through and that link's score), the
        ``max_pairs`` least similar duplicates and the ``max_pairs`` most similar joins the guards refused."""

        def describe(cluster: Cluster) -> dict[str, Any]:
            out: dict[str, Any] = {
                "cluster_id": cluster.cluster_id,
                "size": cluster.size,
                "kept_row": cluster.kept_row,
                "kept_text": self.text(cluster.kept_row),
            }
            if cluster.reason:
                out["reason"] = cluster.reason
            if self._inputs.prompts is not None:
                out["prompts"] = sorted({str(self._inputs.prompts[m.row]) for m in cluster.members})
            out["duplicates"] = [
                {"row": m.row, "text": self.text(m.row), "score": m.score, "exact": m.exact,
                 "linked_to": m.linked_to, "link_score": m.link_score}
                for m in cluster.members if m.row != cluster.kept_row
            ]
            return out

        return {
            "embedder": self._inputs.embedder_name,
            "threshold": self.threshold,
            "graph_floor": self.graph_floor,
            "graph_exhaustive": self._inputs.graph.exhaustive,
            "chain_margin": self._inputs.chain_margin,
            "entity_guard": self._inputs.entity_guard,
            "keep": self._inputs.keep,
            "rows": self.n_rows,
            "clusters": self.n_clusters,
            "duplicates": self.n_duplicates,
            "exact_duplicates": self.n_exact_duplicates,
            "duplicate_ratio": round(self.duplicate_ratio, 6),
            "not_compared": {
                reason: [row for row, why in enumerate(self._inputs.row_reason) if why == reason]
                for reason in sorted({why for why in self._inputs.row_reason if why})
            },
            "refused_joins": self.refused_counts(),
            "least_similar_duplicates": [
                {"row": r, "kept_row": k, "score": s, "text": self.text(r), "kept_text": self.text(k)}
                for r, k, s in self.least_similar_duplicates(max_pairs)
            ],
            "closest_refused": [
                {"row_a": a, "row_b": b, "score": s, "reason": reason, "text_a": self.text(a), "text_b": self.text(b)}
                for a, b, s, reason in self.closest_refused(max_pairs)
            ],
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "cluster_list": [describe(c) for c in self.merged_clusters()],
        }

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(**kwargs), ensure_ascii=False, indent=1)

    def __repr__(self) -> str:
        return (
            f"ConvergenceResult(rows={self.n_rows}, clusters={self.n_clusters}, duplicates={self.n_duplicates}, "
            f"threshold={self.threshold}, embedder={self._inputs.embedder_name!r})"
        )


def _hashable(value: Any) -> Hashable:
    try:
        hash(value)
        return value
    except TypeError:
        return repr(value)


# --------------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------------


def _priority(
    n_rows: int,
    keep: str,
    answers: Sequence[Any] | None,
    grounded: Sequence[Any] | None,
    alignment: Sequence[Any] | None,
) -> np.ndarray:
    priority = np.zeros(n_rows, dtype=np.float64)
    if keep == "best_grounded":
        for row in range(n_rows):
            is_grounded = grounded is not None and grounded[row] is True
            score = alignment[row] if alignment is not None else None
            score = float(score) if isinstance(score, (int, float)) and not isinstance(score, bool) and math.isfinite(score) else 0.0
            priority[row] = (2.0 if is_grounded else 0.0) + min(max(score, 0.0), 1.0)
    elif keep == "longest_answer":
        if answers is None:
            raise ValueError('keep="longest_answer" needs answers')
        for row in range(n_rows):
            answer = answers[row]
            priority[row] = len(answer.strip()) if isinstance(answer, str) else -1.0
    elif keep != "first":
        raise ValueError(f"keep must be one of {KEEP_POLICIES}, got {keep!r}")
    return priority


def deduplicate(
    questions: Sequence[Any],
    *,
    answers: Sequence[Any] | None = None,
    documents: Sequence[Any] | None = None,
    prompts: Sequence[Any] | None = None,
    embedder: str | Embedder = "minilm",
    threshold: float | None = None,
    keep: KeepPolicy = "first",
    grounded: Sequence[Any] | None = None,
    alignment: Sequence[Any] | None = None,
    chain_margin: float = DEFAULT_CHAIN_MARGIN,
    entity_guard: bool = True,
    graph_margin: float = DEFAULT_GRAPH_MARGIN,
    exact_limit: int = 8192,
    seed: int = 0,
) -> ConvergenceResult:
    """Cluster converged questions (question + answer when ``answers`` is given, within a document when
    ``documents`` is given) and pick one row to keep per cluster.

    Args:
        questions: one value per row; missing, non-string and blank values are tagged, never merged.
        answers: per-row answers; rows are then similar by the mean of question and answer cosines.
        documents: per-row document (any hashable value); rows of different documents never merge.
        prompts: per-row seed prompt; counted per cluster (``cluster_prompts``).
        embedder: an :class:`Embedder` or a name for :func:`load_embedder`.
        threshold: cosine from which two rows are duplicates; defaults to the embedder's tuned one.
        keep: ``"first"``, ``"best_grounded"`` (``grounded`` True first, then the highest ``alignment``)
            or ``"longest_answer"``.
        chain_margin: clusters join only if their average-link cosine is >= ``threshold - chain_margin``.
        entity_guard: refuse joins of questions naming different entities, numbers or dates.
        graph_margin: the neighbour graph keeps edges down to ``threshold - graph_margin`` for rethreshold().
        exact_limit: partitions up to this many distinct texts are compared exhaustively.
        seed: seed of the bucketing of larger partitions.
    """
    n_rows = len(questions)
    for name, column in (("answers", answers), ("documents", documents), ("prompts", prompts), ("grounded", grounded), ("alignment", alignment)):
        if column is not None and len(column) != n_rows:
            raise ValueError(f"{name} has {len(column)} values for {n_rows} questions")
    model = load_embedder(embedder) if isinstance(embedder, str) else embedder
    threshold = model.default_threshold if threshold is None else float(threshold)
    if not -1.0 <= threshold <= 1.0:
        raise ValueError(f"threshold is a cosine similarity in [-1, 1], got {threshold}")
    priority = _priority(n_rows, keep, answers, grounded, alignment)
    timings: dict[str, float] = {}

    started = time.perf_counter()
    row_node = np.full(n_rows, -1, dtype=np.int64)
    row_reason: list[str | None] = [None] * n_rows
    node_of_key: dict[tuple, int] = {}
    node_rows: list[list[int]] = []
    node_question: list[str] = []
    node_answer: list[str] = []
    node_partition: list[Hashable] = []
    for row in range(n_rows):
        question = questions[row]
        reason = schema.invalid_text_reason(question)
        if reason is not None:
            row_reason[row] = reason
            continue
        question = question[:MAX_COMPARED_CHARS] if len(question) > MAX_COMPARED_CHARS else question
        answer = ""
        if answers is not None:
            answer = answers[row] if isinstance(answers[row], str) else ""
            answer = answer[:MAX_COMPARED_CHARS]
        partition = _hashable(documents[row]) if documents is not None else None
        key = (partition, normalize_question(question), normalize_question(answer) if answers is not None else None)
        node = node_of_key.get(key)
        if node is None:
            node = node_of_key[key] = len(node_rows)
            node_rows.append([])
            node_question.append(question.strip())
            node_answer.append(answer.strip())
            node_partition.append(partition)
        node_rows[node].append(row)
        row_node[row] = node
    timings["exact_s"] = time.perf_counter() - started

    started = time.perf_counter()
    vectors = model.encode(node_question)
    if answers is not None:
        # Concatenated unit halves scaled by 1/sqrt(2): the cosine is the mean of question and answer cosines.
        vectors = np.hstack([vectors, model.encode(node_answer)]) / np.sqrt(np.float32(2.0))
    timings["embedding_s"] = time.perf_counter() - started

    started = time.perf_counter()
    graph = similar_pairs(
        vectors,
        max(-1.0, threshold - graph_margin),
        partitions=node_partition if documents is not None else None,
        exact_limit=exact_limit,
        seed=seed,
    )
    timings["neighbours_s"] = time.perf_counter() - started

    node_text = node_question if answers is None else [f"{q}\n{a}" for q, a in zip(node_question, node_answer)]
    inputs = _Inputs(
        questions=list(questions), answers=None if answers is None else list(answers),
        prompts=None if prompts is None else list(prompts), row_node=row_node, row_reason=row_reason,
        node_rows=node_rows, node_text=node_text, vectors=vectors, graph=graph, priority=priority, keep=keep,
        embedder_name=model.name, chain_margin=float(chain_margin), entity_guard=entity_guard, timings=timings,
    )
    return ConvergenceResult(inputs, threshold)
