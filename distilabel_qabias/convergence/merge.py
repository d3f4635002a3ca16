"""Guarded merging: which nodes of the neighbour graph form one cluster, and why others were kept apart.

Nodes join along edges >= ``threshold`` (union-find in Kruskal order, most similar first) under two
guards:

* *fact guard* - two clusters join only if they state the same numbers and no question of one names
  an entity that the other does not mention (:func:`~distilabel_qabias.convergence.normalize.entities_conflict`,
  with the words of all questions of a cluster that name the same entities);
* *chaining guard* - two clusters join only if their average-link similarity (the mean cosine over
  all cross pairs, from the clusters' summed vectors) is >= ``threshold - chain_margin``, so a chain
  a~b~c whose ends are far apart is cut even though every link passes.

Most of the work is done on whole arrays. Edges between questions that state different numbers are
refused first, in bulk (a cluster has one set of numbers); the rest fall into connected components
(scipy). A component that no merge order could break up - one entity set (or sets that cannot
clash), and every member so close to the centroid that no average link can fall below the floor -
is one cluster, joined along its maximum spanning forest: exactly what Kruskal would do, without
visiting its edges. Only the other components are merged edge by edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

from distilabel_qabias.convergence.fact_guard import NodeFacts, entities_may_clash
from distilabel_qabias.convergence.graph import NeighbourGraph
from distilabel_qabias.convergence.union_find import REASONS, guarded_union_find

# Two clusters join only if their average-link similarity is >= threshold - chain_margin; 0 (plain
# average linkage at the threshold) gave the best paraphrase/related-question trade-off in
# benchmarks/eval_dedup.py for MiniLM and WordLlama (0.05 merged far more different questions).
DEFAULT_CHAIN_MARGIN = 0.0
# Components up to this size that fail the centroid bound get their exact smallest pairwise cosine.
_PAIRWISE_CHECK_SIZE = 64
# Rows per piece when a vector of each member is needed (pieces this small reuse the same memory).
_CHUNK = 8192


@dataclass(frozen=True)
class Merges:
    """Cluster label per node, the edges that joined clusters, and the joins refused (most similar first)."""

    labels: np.ndarray
    forest_src: np.ndarray
    forest_dst: np.ndarray
    forest_score: np.ndarray
    refused_src: np.ndarray
    refused_dst: np.ndarray
    refused_score: np.ndarray
    refused_reason: np.ndarray  # "number" | "entity" | "chaining"


def merge_guarded(
    vectors: np.ndarray, graph: NeighbourGraph, threshold: float, *, chain_margin: float, facts: NodeFacts | None,
    stands_for: tuple[np.ndarray, np.ndarray] | None = None,
) -> Merges:
    """Clusters of the nodes (rows of ``vectors``) along ``graph`` edges >= ``threshold``; ``facts=None``
    turns the fact guard off. ``stands_for=(sums, sizes)``: node i stands for a cluster of ``sizes[i]``
    nodes whose vectors sum to ``sums[i]`` (a partition's cluster in the merge pass), so the chaining
    guard averages over the clusters' members, as one search over all of them would."""
    n_nodes = len(vectors)
    usable = graph.above(threshold)
    src, dst, score = graph.src[:usable], graph.dst[:usable], graph.score[:usable]
    refused = []
    if facts is not None and usable:
        # A cluster states one set of numbers, so an edge between different numbers is always refused.
        numbers = facts.number_code
        bad = numbers[src] != numbers[dst]
        refused.append((src[bad], dst[bad], score[bad], np.full(int(bad.sum()), "number", dtype="<U8")))
        src, dst, score = src[~bad], dst[~bad], score[~bad]
    link_floor = threshold - chain_margin
    n_components, component = connected_components(
        sparse.coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n_nodes, n_nodes)), directed=False
    )
    if stands_for is None:
        hard = _components_needing_order(vectors, component, n_components, link_floor, facts)
    else:  # the centroid bound holds for unit members only: every join is checked
        hard = np.bincount(component, minlength=n_components) > 1
    hard_edge = hard[component[src]]
    forest = [_spanning_forest(n_nodes, src[~hard_edge], dst[~hard_edge], score[~hard_edge])]
    labels = component.astype(np.int64)
    if hard_edge.any():
        ordered = merge_in_order(vectors, src[hard_edge], dst[hard_edge], score[hard_edge], link_floor, facts, stands_for)
        hard_nodes = np.flatnonzero(hard[component])
        labels[hard_nodes] = n_components + ordered.labels[hard_nodes]
        forest.append((ordered.forest_src, ordered.forest_dst, ordered.forest_score))
        refused.append((ordered.refused_src, ordered.refused_dst, ordered.refused_score, ordered.refused_reason))
    f_src, f_dst, f_score = (np.concatenate(parts) for parts in zip(*forest))
    if refused:
        r_src, r_dst, r_score, r_reason = (np.concatenate(parts) for parts in zip(*refused))
    else:
        r_src = r_dst = np.empty(0, dtype=np.int64)
        r_score, r_reason = np.empty(0, dtype=np.float32), np.empty(0, dtype="<U8")
    order = np.argsort(-r_score, kind="stable")
    return Merges(labels, f_src, f_dst, f_score, r_src[order], r_dst[order], r_score[order], r_reason[order])


def _components_needing_order(
    vectors: np.ndarray, component: np.ndarray, n_components: int, link_floor: float, facts: NodeFacts | None
) -> np.ndarray:
    """Per component: True when some merge order inside it could be refused, so it is merged edge by edge."""
    sizes = np.bincount(component, minlength=n_components)
    members = np.flatnonzero(sizes[component] > 1)
    members = members[np.argsort(component[members], kind="stable")]
    groups = component[members]
    starts = np.r_[0, np.flatnonzero(np.diff(groups)) + 1]
    hard = np.zeros(n_components, dtype=bool)
    if not len(members):
        return hard

    # Chaining: every member within angle t of the centroid puts every pair within 2t, so every
    # average link is >= cos(2t) = 2 cos(t)^2 - 1.
    local = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(members)]))
    sums = sparse.csr_matrix((np.ones(len(members), dtype=np.float32), (local, members)),
                             shape=(len(starts), len(vectors))) @ vectors
    centroids = sums / np.maximum(np.sqrt(np.einsum("ij,ij->i", sums, sums)), 1e-12)[:, None]
    closeness = np.empty(len(members), dtype=np.float32)
    for start in range(0, len(members), _CHUNK):  # small pieces: no copy of every member's vector at once
        part = slice(start, start + _CHUNK)
        closeness[part] = np.einsum("ij,ij->i", vectors[members[part]], centroids[local[part]])
    nearest_ok = np.minimum.reduceat(closeness, starts)
    bound_ok = (nearest_ok > 0) & (2 * nearest_ok.astype(np.float64) ** 2 - 1 >= link_floor)
    unsure = np.flatnonzero(~bound_ok)
    unsure_size = sizes[groups[starts[unsure]]]
    hard[groups[starts[unsure[unsure_size > _PAIRWISE_CHECK_SIZE]]]] = True
    for size in np.unique(unsure_size[unsure_size <= _PAIRWISE_CHECK_SIZE]).tolist():
        # The exact smallest pairwise cosine of every unsure component of this size, a batch at a time.
        same_size = unsure[unsure_size == size]
        for batch in np.array_split(same_size, max(1, len(same_size) * size // _CHUNK)):
            blocks = vectors[members[starts[batch][:, None] + np.arange(size)]]
            smallest = np.matmul(blocks, blocks.transpose(0, 2, 1)).min(axis=(1, 2))
            hard[groups[starts[batch[smallest < link_floor]]]] = True

    if facts is not None:
        # Entities: a component whose members name one entity set (or none) cannot clash.
        entity = facts.entity_code[members]
        named = entity > 0
        width = int(entity.max(initial=0)) + 1
        pairs = np.unique(groups[named] * width + entity[named])  # each (component, entity set) once
        several = np.flatnonzero(np.bincount(pairs // width, minlength=n_components) > 1)
        position = {int(c): i for i, c in enumerate(groups[starts].tolist())}
        for c in several:
            if hard[c]:
                continue
            start = starts[position[int(c)]]
            nodes = members[start : start + sizes[c]]
            hard[c] = entities_may_clash([facts.signature(int(n)) for n in nodes])
    return hard


def _spanning_forest(n_nodes: int, src: np.ndarray, dst: np.ndarray, score: np.ndarray):
    """The maximum spanning forest of the edges: the edges Kruskal joins clusters along."""
    if not len(src):
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0, dtype=np.float32)
    weights = sparse.coo_matrix((2.0 - score.astype(np.float64), (src, dst)), shape=(n_nodes, n_nodes)).tocsr()
    tree = minimum_spanning_tree(weights).tocoo()
    low, high = np.minimum(tree.row, tree.col), np.maximum(tree.row, tree.col)
    return low.astype(np.int64), high.astype(np.int64), (2.0 - tree.data).astype(np.float32)


def merge_in_order(
    vectors: np.ndarray, src: np.ndarray, dst: np.ndarray, score: np.ndarray, link_floor: float, facts: NodeFacts | None,
    stands_for: tuple[np.ndarray, np.ndarray] | None = None,
) -> Merges:
    """Clusters along ``src - dst`` edges (most similar first) with both guards checked at every join
    (:func:`~distilabel_qabias.convergence.union_find.guarded_union_find`); a node without an edge is its own."""
    nodes, found = guarded_union_find(vectors, src, dst, link_floor, facts, stands_for)
    cluster = np.arange(len(vectors))
    cluster[nodes] = nodes[found.root]
    joined, refused = found.joined, found.refused
    return Merges(
        cluster, src[joined], dst[joined], score[joined].astype(np.float32),
        src[refused], dst[refused], score[refused].astype(np.float32),
        np.array(REASONS, dtype="<U8")[found.refused_reason],
    )
