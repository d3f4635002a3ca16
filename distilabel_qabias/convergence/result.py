"""What convergence dedup found: clusters, one representative each, and why (frozen dataclasses).

:class:`ConvergenceResult` holds per-row arrays (cluster, representative, similarity to it, the row
each duplicate joined through), the joins the guards refused, and the explanations built from them.
:meth:`ConvergenceResult.rethreshold` re-clusters the stored neighbour graph at another threshold
without embedding again.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Hashable, Literal

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import breadth_first_order

from distilabel_qabias.convergence.graph import NeighbourGraph
from distilabel_qabias.convergence.memory import memory_settings
from distilabel_qabias.convergence.fact_guard import FactCodes, NodeFacts
from distilabel_qabias.convergence.merge import Merges, merge_guarded
from distilabel_qabias.convergence.union_find import REFUSAL_REASONS

Representative = Literal["first", "best_grounded", "longest_answer"]
REPRESENTATIVES = ("first", "best_grounded", "longest_answer")


@dataclass
class DedupInputs:
    """Everything a clustering at any threshold needs, shared by the results of one graph."""

    questions: list[Any]
    answers: list[Any] | None
    prompts: list[Any] | None
    row_node: np.ndarray  # node per row, -1 for rows that were not compared
    row_reason: list[str | None]  # why a row was not compared (missing / not_text / empty / no_embedding)
    node_first_row: np.ndarray  # first row of each node (its rows are those with row_node equal to it)
    node_text: list[str]  # text whose fact signature guards the node (question [+ answer])
    vectors: np.ndarray
    graph: NeighbourGraph
    priority: np.ndarray  # higher = better representative; ties go to the first row
    representative: str
    embedder_name: str
    chain_margin: float
    entity_guard: bool
    timings: dict[str, float] = field(default_factory=dict)

    fact_codes: FactCodes | None = field(default=None, repr=False)  # fact codes per node, once
    _facts: tuple[float, NodeFacts] | None = field(default=None, repr=False)

    def facts_for(self, threshold: float) -> NodeFacts | None:
        """Fact signatures of every node with an edge >= ``threshold`` (None with the entity guard off)."""
        if not self.entity_guard:
            return None
        if self._facts is None or threshold < self._facts[0]:
            if self.fact_codes is None:
                self.fact_codes = FactCodes(len(self.node_text))
            self._facts = (threshold, NodeFacts.of(self.node_text, self.graph, threshold, self.fact_codes))
        return self._facts[1]


@dataclass(frozen=True)
class Member:
    row: int
    score: float | None  # cosine to the representative (None on the representative)
    exact: bool  # same normalised text as the representative
    linked_to: int | None  # row this one joined the cluster through (None on the representative)
    link_score: float | None


@dataclass(frozen=True)
class Cluster:
    cluster_id: int
    kept_row: int
    members: tuple[Member, ...]
    reason: str | None = None  # set for a row that was not compared

    @property
    def size(self) -> int:
        return len(self.members)


def hashable(value: Any) -> Hashable:
    """``value`` if it can key a dict, else its repr."""
    try:
        hash(value)
        return value
    except TypeError:
        return repr(value)


@dataclass(frozen=True, eq=False)
class ConvergenceResult:
    """Clusters of converged questions: per-row arrays, refused joins and explanations."""

    inputs: DedupInputs = field(repr=False)
    threshold: float
    n_clusters: int
    cluster_id: np.ndarray  # per row, 0.. in order of the cluster's first row
    cluster_size: np.ndarray
    kept_row: np.ndarray  # per cluster: its representative row
    duplicate_of: np.ndarray  # per row: the representative, -1 on representatives
    duplicate_score: np.ndarray  # cosine to the representative (1.0 for exact repeats), NaN on representatives
    exact: np.ndarray
    linked_to: np.ndarray  # the row a duplicate joined through, -1 on representatives
    link_score: np.ndarray
    cluster_prompts: np.ndarray  # distinct prompts of the row's cluster, -1 without prompts
    merges: Merges = field(repr=False)
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    @memory_settings()
    def at(cls, inputs: DedupInputs, threshold: float) -> "ConvergenceResult":
        """Cluster ``inputs`` at ``threshold``."""
        started = time.perf_counter()
        merges = merge_guarded(
            inputs.vectors, inputs.graph, threshold, chain_margin=inputs.chain_margin, facts=inputs.facts_for(threshold)
        )
        return cls.from_merges(inputs, threshold, merges, started)

    @classmethod
    def from_merges(
        cls, inputs: DedupInputs, threshold: float, merges: Merges, started: float | None = None
    ) -> "ConvergenceResult":
        """The result of clusters already merged (``merges.labels`` per node, joined along ``merges.forest_*``):
        representatives, scores, links and prompts; ``started`` times the clustering from then."""
        started = time.perf_counter() if started is None else started
        n_rows = len(inputs.row_node)
        rows = np.arange(n_rows)
        compared = inputs.row_node >= 0
        # A row that was not compared is a cluster of its own, keyed below every node label.
        labels = merges.labels[np.maximum(inputs.row_node, 0)] if len(merges.labels) else np.zeros(n_rows, np.int64)
        key = np.where(compared, labels, -1 - rows)
        _, first_row, inverse = np.unique(key, return_index=True, return_inverse=True)
        rank = np.empty(len(first_row), dtype=np.int64)
        rank[np.argsort(first_row, kind="stable")] = np.arange(len(first_row))
        cluster_id = rank[inverse.reshape(-1)]
        n_clusters = len(first_row)
        cluster_size = np.bincount(cluster_id, minlength=n_clusters)[cluster_id]

        order = np.lexsort((rows, -inputs.priority, cluster_id))  # highest priority, then the first row
        kept_row = order[np.r_[0, np.flatnonzero(np.diff(cluster_id[order])) + 1]] if n_rows else order
        representative = kept_row[cluster_id] if n_rows else np.empty(0, dtype=np.int64)
        is_kept = representative == rows
        duplicate_of = np.where(is_kept, -1, representative)

        duplicate_score = np.full(n_rows, np.nan)
        duplicates = np.flatnonzero(~is_kept)
        node, kept_node = inputs.row_node[duplicates], inputs.row_node[representative[duplicates]]
        for start in range(0, len(duplicates), 8192):
            part = slice(start, start + 8192)
            dots = np.einsum("ij,ij->i", inputs.vectors[node[part]], inputs.vectors[kept_node[part]])
            duplicate_score[duplicates[part]] = np.round(np.clip(dots.astype(np.float64), -1.0, 1.0), 6)
        same_node = node == kept_node
        duplicate_score[duplicates[same_node]] = 1.0
        exact = np.zeros(n_rows, dtype=bool)
        exact[duplicates[same_node]] = True
        linked_to, link_score = _links(inputs, merges, kept_row, duplicates, node, same_node, representative)
        return cls(
            inputs=inputs, threshold=float(threshold), n_clusters=n_clusters, cluster_id=cluster_id,
            cluster_size=cluster_size, kept_row=kept_row, duplicate_of=duplicate_of, duplicate_score=duplicate_score,
            exact=exact, linked_to=linked_to, link_score=link_score,
            cluster_prompts=_prompts_per_cluster(inputs.prompts, cluster_id, n_clusters), merges=merges,
            timings=dict(inputs.timings, clustering_s=time.perf_counter() - started),
        )

    def rethreshold(self, threshold: float) -> "ConvergenceResult":
        """A new result at ``threshold`` from the stored neighbour graph (no re-embedding); ``threshold``
        may go down to ``graph_floor``."""
        if threshold < self.graph_floor - 1e-9:
            raise ValueError(
                f"threshold {threshold} is below the neighbour graph floor {self.graph_floor:.3f}; "
                "run deduplicate() again with a lower threshold (or graph_margin) to go lower"
            )
        return ConvergenceResult.at(self.inputs, threshold)

    # ---- per row and per cluster ----------------------------------------------------------
    @property
    def is_kept(self) -> np.ndarray:
        """True on each cluster's representative."""
        return self.duplicate_of < 0

    @property
    def row_reason(self) -> list[str | None]:
        """Why a row was not compared (it is its own cluster), else None."""
        return self.inputs.row_reason

    @property
    def graph_floor(self) -> float:
        return self.inputs.graph.floor

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

    @cached_property
    def _rows_by_cluster(self) -> list[np.ndarray]:
        order = np.argsort(self.cluster_id, kind="stable")
        return np.split(order, np.flatnonzero(np.diff(self.cluster_id[order])) + 1) if len(order) else []

    def cluster(self, cluster_id: int) -> Cluster:
        """One cluster with its members, scores and links."""
        kept = int(self.kept_row[cluster_id])
        members = tuple(
            Member(int(r), None, False, None, None) if r == kept
            else Member(int(r), float(self.duplicate_score[r]), bool(self.exact[r]), int(self.linked_to[r]),
                        float(self.link_score[r]))
            for r in self._rows_by_cluster[cluster_id]
        )
        return Cluster(cluster_id, kept, members, self.inputs.row_reason[kept])

    @property
    def clusters(self) -> list[Cluster]:
        """Every cluster, in order of its first row (built on demand)."""
        return [self.cluster(c) for c in range(self.n_clusters)]

    def merged_clusters(self) -> list[Cluster]:
        """Clusters with more than one row."""
        sizes = np.bincount(self.cluster_id, minlength=self.n_clusters)
        return [self.cluster(int(c)) for c in np.flatnonzero(sizes > 1)]

    # ---- explanations ---------------------------------------------------------------------
    def text(self, row: int, max_chars: int = 300) -> str | None:
        """The compared text of ``row`` (question, ``|| answer`` in question+answer mode), cut at ``max_chars``."""
        question = self.inputs.questions[row]
        if not isinstance(question, str):
            return None
        answers = self.inputs.answers
        if answers is not None and isinstance(answers[row], str):
            question = f"{question} || {answers[row]}"
        return question if len(question) <= max_chars else question[:max_chars] + "…"

    def least_similar_duplicates(self, n: int = 10) -> list[tuple[int, int, float]]:
        """``(row, kept_row, cosine)`` for the ``n`` non-exact duplicates least similar to their representative."""
        rows = np.flatnonzero((self.duplicate_of >= 0) & (self.duplicate_score < 1.0))
        rows = rows[np.argsort(self.duplicate_score[rows], kind="stable")[:n]]
        return [(int(r), int(self.duplicate_of[r]), float(self.duplicate_score[r])) for r in rows]

    def closest_refused(self, n: int = 10) -> list[tuple[int, int, float, str]]:
        """``(row, row, cosine, reason)`` for the ``n`` most similar pairs the guards kept apart."""
        first = self.inputs.node_first_row
        m = self.merges
        return [
            (int(first[a]), int(first[b]), round(float(s), 6), str(reason))
            for a, b, s, reason in zip(m.refused_src[:n].tolist(), m.refused_dst[:n].tolist(),
                                       m.refused_score[:n].tolist(), m.refused_reason[:n].tolist())
        ]

    def refused_counts(self) -> dict[str, int]:
        reasons = self.merges.refused_reason
        counts = {reason: int(np.count_nonzero(reasons == reason)) for reason in sorted(REFUSAL_REASONS)}
        return {reason: count for reason, count in counts.items() if count}

    def to_dict(self, *, max_pairs: int = 20, with_clusters: bool = True) -> dict[str, Any]:
        """JSON-ready explanation: settings, counts, rows not compared (by reason), every multi-row cluster with its
        members (score to the representative, exact or not, the row it linked through and that link's score), the
        ``max_pairs`` least similar duplicates and the ``max_pairs`` most similar joins the guards refused."""
        inputs = self.inputs
        not_compared: dict[str, list[int]] = {}
        for row, why in enumerate(inputs.row_reason):
            if why:
                not_compared.setdefault(why, []).append(row)
        out = {
            "embedder": inputs.embedder_name,
            "threshold": self.threshold,
            "graph_floor": self.graph_floor,
            "graph_exhaustive": inputs.graph.exhaustive,
            "chain_margin": inputs.chain_margin,
            "entity_guard": inputs.entity_guard,
            "representative": inputs.representative,
            "rows": self.n_rows,
            "clusters": self.n_clusters,
            "duplicates": self.n_duplicates,
            "exact_duplicates": self.n_exact_duplicates,
            "duplicate_ratio": round(self.duplicate_ratio, 6),
            "not_compared": dict(sorted(not_compared.items())),
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
        }
        if with_clusters:
            out["cluster_list"] = [self._describe(c) for c in self.merged_clusters()]
        return out

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(**kwargs), ensure_ascii=False, indent=1)

    def write_json(self, path: Any, *, max_pairs: int = 20) -> None:
        """:meth:`to_json` written to ``path`` one cluster at a time, so the explanation of millions of rows is
        never held in memory whole (the same JSON, one cluster a line)."""
        head = json.dumps(self.to_dict(max_pairs=max_pairs, with_clusters=False), ensure_ascii=False, indent=1)
        sizes = np.bincount(self.cluster_id, minlength=self.n_clusters)
        with open(path, "w", encoding="utf-8") as out:
            out.write(head[: head.rindex("}")].rstrip() + ',\n "cluster_list": [')
            for i, cluster_id in enumerate(np.flatnonzero(sizes > 1).tolist()):
                out.write(("," if i else "") + "\n  " + json.dumps(self._describe(self.cluster(cluster_id)), ensure_ascii=False))
            out.write("\n ]\n}\n")

    def _describe(self, cluster: Cluster) -> dict[str, Any]:
        inputs = self.inputs
        out: dict[str, Any] = {"cluster_id": cluster.cluster_id, "size": cluster.size,
                               "kept_row": cluster.kept_row, "kept_text": self.text(cluster.kept_row)}
        if inputs.prompts is not None:
            out["prompts"] = sorted({str(inputs.prompts[m.row]) for m in cluster.members})
        out["duplicates"] = [
            {"row": m.row, "text": self.text(m.row), "score": m.score, "exact": m.exact,
             "linked_to": m.linked_to, "link_score": m.link_score}
            for m in cluster.members if m.row != cluster.kept_row
        ]
        return out


def _links(
    inputs: DedupInputs, merges: Merges, kept_row: np.ndarray, duplicates: np.ndarray, node: np.ndarray,
    same_node: np.ndarray, representative: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Which row each duplicate joined through, and that link's cosine: an exact repeat links to the
    representative or to the first row with its text; the first row of a node links one step along the
    merge forest towards the representative's node."""
    n_rows, n_nodes = len(inputs.row_node), len(inputs.node_first_row)
    linked_to = np.full(n_rows, -1, dtype=np.int64)
    link_score = np.full(n_rows, np.nan)
    first_of_node = inputs.node_first_row
    linked_to[duplicates[same_node]] = representative[duplicates[same_node]]
    link_score[duplicates[same_node]] = 1.0
    repeat = ~same_node & (first_of_node[np.maximum(node, 0)] != duplicates)
    linked_to[duplicates[repeat]] = first_of_node[node[repeat]]
    link_score[duplicates[repeat]] = 1.0
    if not len(merges.forest_src):
        return linked_to, link_score
    # One breadth-first search from a virtual root tied to every representative's node.
    kept_nodes = inputs.row_node[kept_row]
    kept_nodes = kept_nodes[kept_nodes >= 0]
    root = n_nodes
    a = np.concatenate([merges.forest_src, np.full(len(kept_nodes), root)])
    b = np.concatenate([merges.forest_dst, kept_nodes])
    weight = np.concatenate([merges.forest_score.astype(np.float64) + 2.0, np.ones(len(kept_nodes))])
    tree = sparse.coo_matrix((weight, (a, b)), shape=(n_nodes + 1, n_nodes + 1)).tocsr()
    tree = (tree + tree.T).tocsr()
    reached, predecessor = breadth_first_order(tree, root, directed=True, return_predecessors=True)
    members = reached[1:]
    towards = predecessor[members]
    inner = towards != root
    members, towards = members[inner], towards[inner]
    scores = np.asarray(tree[members, towards]).ravel() - 2.0
    rows = first_of_node[members]
    towards_row = first_of_node[towards]
    kept_of = representative[rows]
    linked_to[rows] = np.where(inputs.row_node[kept_of] == towards, kept_of, towards_row)
    link_score[rows] = np.round(scores, 6)
    return linked_to, link_score


def _prompts_per_cluster(prompts: list[Any] | None, cluster_id: np.ndarray, n_clusters: int) -> np.ndarray:
    n_rows = len(cluster_id)
    if prompts is None or not n_rows:
        return np.full(n_rows, -1, dtype=np.int64)
    codes: dict[Hashable, int] = {}
    prompt_code = np.fromiter((codes.setdefault(hashable(p), len(codes)) for p in prompts), dtype=np.int64, count=n_rows)
    width = max(len(codes), 1)
    pairs = np.unique(cluster_id * width + prompt_code)
    return np.bincount(pairs // width, minlength=n_clusters)[cluster_id]
