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

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

from distilabel_qabias.convergence.graph import NeighbourGraph
from distilabel_qabias.convergence.normalize import (
    FactSignature,
    entities_conflict,
    fact_keys,
    fact_signature,
)

# Two clusters join only if their average-link similarity is >= threshold - chain_margin; 0 (plain
# average linkage at the threshold) gave the best paraphrase/related-question trade-off in
# benchmarks/eval_dedup.py for MiniLM and WordLlama (0.05 merged far more different questions).
DEFAULT_CHAIN_MARGIN = 0.0
# Components up to this size that fail the centroid bound get their exact smallest pairwise cosine.
_PAIRWISE_CHECK_SIZE = 64
# Rows per piece when a vector of each member is needed (pieces this small reuse the same memory).
_CHUNK = 8192


class FactCodes:
    """Number and entity codes per node, filled as nodes are first needed and kept across thresholds:
    ``number_code`` is equal exactly when two questions state the same numbers, ``entity_code`` exactly
    when they name the same entity set (0: none; -2: not computed). Only the codes are kept - a
    signature's word sets (about 1 KB a question) are rebuilt for the few joins that need them."""

    def __init__(self, n_nodes: int):
        self.number_code = np.full(n_nodes, -2, dtype=np.int64)
        self.entity_code = np.full(n_nodes, -2, dtype=np.int64)
        self._numbers: dict[frozenset[str], int] = {}
        self._entities: dict[frozenset[str], int] = {frozenset(): 0}

    def fill(self, texts: Sequence[str], nodes: np.ndarray) -> None:
        missing = nodes[self.number_code[nodes] == -2]
        numbers, entities = [], []
        for node_entities, node_numbers in fact_keys([texts[node] for node in missing.tolist()]):
            numbers.append(self._numbers.setdefault(node_numbers, len(self._numbers)))
            entities.append(self._entities.setdefault(node_entities, len(self._entities)))
        self.number_code[missing] = numbers
        self.entity_code[missing] = entities


@dataclass(frozen=True)
class NodeFacts:
    """Fact codes of the nodes (those with an edge >= the threshold are filled) and their signatures on demand."""

    codes: FactCodes
    texts: Sequence[str]
    _signatures: dict[int, FactSignature] = field(default_factory=dict)

    @classmethod
    def of(
        cls, texts: Sequence[str], graph: NeighbourGraph, threshold: float | None = None,
        cache: FactCodes | None = None,
    ) -> "NodeFacts":
        """Codes of the nodes with an edge >= ``threshold`` (all edges when None); ``cache`` keeps them
        across calls."""
        usable = len(graph) if threshold is None else graph.above(threshold)
        codes = cache if cache is not None else FactCodes(len(texts))
        codes.fill(texts, np.unique(np.concatenate([graph.src[:usable], graph.dst[:usable]])))
        return cls(codes, texts)

    @property
    def number_code(self) -> np.ndarray:
        return self.codes.number_code

    @property
    def entity_code(self) -> np.ndarray:
        return self.codes.entity_code

    def signature(self, node: int) -> FactSignature:
        found = self._signatures.get(node)
        if found is None:
            found = self._signatures[node] = fact_signature(self.texts[node])
        return found


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
        ordered = _kruskal(vectors, src[hard_edge], dst[hard_edge], score[hard_edge], link_floor, facts, stands_for)
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
            hard[c] = _entities_may_clash([facts.signature(int(n)) for n in nodes])
    return hard


def _entities_may_clash(signatures: list[FactSignature]) -> bool:
    """Could two sub-clusters of these questions clash on entities? Each entity set is checked with the
    words *every* question naming it shares: a sub-cluster always mentions at least those."""
    shared: dict[frozenset[str], frozenset[str]] = {}
    for sig in signatures:
        if sig.entities:
            shared[sig.entities] = shared[sig.entities] & sig.words if sig.entities in shared else sig.words
    sets = list(shared.items())
    return any(
        entities_conflict(a, words_a, b, words_b)
        for i, (a, words_a) in enumerate(sets) for b, words_b in sets[i + 1 :]
    )


def _spanning_forest(n_nodes: int, src: np.ndarray, dst: np.ndarray, score: np.ndarray):
    """The maximum spanning forest of the edges: the edges Kruskal joins clusters along."""
    if not len(src):
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0, dtype=np.float32)
    weights = sparse.coo_matrix((2.0 - score.astype(np.float64), (src, dst)), shape=(n_nodes, n_nodes)).tocsr()
    tree = minimum_spanning_tree(weights).tocoo()
    low, high = np.minimum(tree.row, tree.col), np.maximum(tree.row, tree.col)
    return low.astype(np.int64), high.astype(np.int64), (2.0 - tree.data).astype(np.float32)


def _cluster_facts(signatures: list[FactSignature]) -> dict[frozenset[str], frozenset[str]]:
    """What the entity guard needs of a cluster: each distinct entity set its questions name, with the
    words of all the questions that name it."""
    facts: dict[frozenset[str], frozenset[str]] = {}
    for sig in signatures:
        if sig.entities:
            facts[sig.entities] = facts[sig.entities] | sig.words if sig.entities in facts else sig.words
    return facts


def _facts_conflict(a: dict[frozenset[str], frozenset[str]], b: dict[frozenset[str], frozenset[str]]) -> bool:
    return any(
        entities_conflict(ents_a, words_a, ents_b, words_b)
        for ents_a, words_a in a.items() for ents_b, words_b in b.items()
    )


_SEVERAL = -1  # entity code of a cluster whose questions name several entity sets
_NUMBER, _ENTITY, _CHAINING = 1, 2, 3  # refusal reasons, indices into _REASONS
_REASONS = ("", "number", "entity", "chaining")
# Edges decided on whole arrays at a time; an average link this close to the floor is recomputed
# exactly as the loop does (the float32 products of a window differ from it by about 1e-6 at most).
_WINDOW = 2048
_LINK_SLACK = 1e-4
# Rounds of "waits for an edge that waits"; a window that decides fewer than _FEW_DECIDED edges is
# followed by _BURST edges one by one.
_WAIT_ROUNDS = 4
_FEW_DECIDED = 64
_BURST = 256


def _kruskal(
    vectors: np.ndarray, src: np.ndarray, dst: np.ndarray, score: np.ndarray, link_floor: float, facts: NodeFacts | None,
    stands_for: tuple[np.ndarray, np.ndarray] | None = None,
) -> Merges:
    """Union-find over ``src - dst`` edges (most similar first) with both guards checked at every join.

    Each cluster keeps its member list (the smaller cluster is relabelled on a join), its summed vectors,
    its number code (merges need equal numbers) and its entity code (0: none, -1: several sets); only
    clusters naming different entity sets are compared word by word.

    The edges go in windows decided on whole arrays against the clusters as the window starts: an edge
    is refused there when its numbers differ or its average link is clearly below the floor. An edge
    that may join (or needs a word-by-word check, or lies within ``_LINK_SLACK`` of the floor) changes
    its two clusters, so every later edge of the window touching them - and, in turn, the clusters of
    those - waits for the next window. What is left is decided in Kruskal's order against exactly the
    clusters Kruskal would see, and the joins go one by one in order: the same clusters, refusals and
    forest as a plain edge-by-edge loop.
    """
    nodes, inverse = np.unique(np.concatenate([src, dst]), return_inverse=True)
    local_src, local_dst = inverse[: len(src)], inverse[len(src) :]
    n_local = len(nodes)
    label = np.arange(n_local)  # root per node
    members: dict[int, list[int]] = {}
    sums = vectors[nodes] if stands_for is None else stands_for[0][nodes]  # a copy: row r sums root r's cluster
    size_of = np.ones(n_local, dtype=np.int64) if stands_for is None else stands_for[1][nodes].copy()
    size = size_of.tolist()
    if facts is not None:
        number_of = facts.number_code[nodes]
        entity_of = facts.entity_code[nodes].copy()
        number, entity = number_of.tolist(), entity_of.tolist()
    entity_facts: dict[int, dict] = {}  # per root, built when a join needs a word-by-word check
    known_conflicts: dict[tuple[int, int], bool] = {}
    joined: list[int] = []
    refused_parts: list[np.ndarray] = []
    reason_parts: list[np.ndarray] = []
    refused: list[int] = []
    refused_reason: list[int] = []

    def facts_of(root: int) -> dict:
        found = entity_facts.get(root)
        if found is None:
            group = members.get(root) or [root]
            found = entity_facts[root] = _cluster_facts([facts.signature(int(nodes[n])) for n in group])
        return found

    def settle(edge: int, root_a: int, root_b: int, link_ok: bool = False) -> None:
        """Refuse or join along one edge between two different clusters, as Kruskal does (``link_ok``:
        the average link is known to pass)."""
        if facts is not None:
            if number[root_a] != number[root_b]:
                refused.append(edge)
                refused_reason.append(_NUMBER)
                return
            code_a, code_b = entity[root_a], entity[root_b]
            if code_a and code_b and (code_a != code_b or code_a == _SEVERAL):
                # Conflicts only grow as clusters absorb others, so a refused pair of roots stays refused.
                pair = (root_a, root_b) if root_a < root_b else (root_b, root_a)
                conflict = known_conflicts.get(pair)
                if conflict is None:
                    conflict = known_conflicts[pair] = _facts_conflict(facts_of(root_a), facts_of(root_b))
                if conflict:
                    refused.append(edge)
                    refused_reason.append(_ENTITY)
                    return
        size_a, size_b = size[root_a], size[root_b]
        if not link_ok and float(sums[root_a] @ sums[root_b]) / (size_a * size_b) < link_floor:
            refused.append(edge)
            refused_reason.append(_CHAINING)
            return
        if size_a < size_b:
            root_a, root_b = root_b, root_a
        group_a = members.get(root_a)
        if group_a is None:
            group_a = members[root_a] = [root_a]
        group_b = members.pop(root_b, None) or [root_b]
        label[group_b] = root_a
        group_a.extend(group_b)
        sums[root_a] += sums[root_b]
        size[root_a] = size_of[root_a] = size_a + size_b
        if facts is not None:
            code_a, code_b = entity[root_a], entity[root_b]
            if code_b and code_b != code_a:
                entity[root_a] = entity_of[root_a] = code_b if not code_a else _SEVERAL
            if entity_facts:
                entity_facts.pop(root_a, None)
                entity_facts.pop(root_b, None)
        joined.append(edge)

    first_touch = np.full(n_local, np.iinfo(np.int64).max)  # scratch: earliest window position touching a root
    waiting = np.empty(0, dtype=np.int64)
    next_edge, n_edges, decided_last = 0, len(src), _WINDOW
    while next_edge < n_edges or len(waiting):
        fresh = np.arange(next_edge, min(n_edges, next_edge + max(0, _WINDOW - len(waiting))))
        next_edge += len(fresh)
        window = np.concatenate([waiting, fresh])
        if decided_last < _FEW_DECIDED:  # a run of edges on the same clusters: one by one is cheaper
            burst, waiting = window[:_BURST], window[_BURST:]
            for edge, a, b in zip(burst.tolist(), local_src[burst].tolist(), local_dst[burst].tolist()):
                root_a, root_b = int(label[a]), int(label[b])
                if root_a != root_b:
                    settle(edge, root_a, root_b)
            decided_last = _WINDOW
            continue
        roots_a, roots_b = label[local_src[window]], label[local_dst[window]]
        apart = roots_a != roots_b
        window, roots_a, roots_b = window[apart], roots_a[apart], roots_b[apart]
        if not len(window):
            waiting = window
            continue
        refuse = np.zeros(len(window), dtype=np.int8)  # 0: may join, else the reason
        weighed = np.ones(len(window), dtype=bool)
        if facts is not None:
            refuse[number_of[roots_a] != number_of[roots_b]] = _NUMBER
            code_a, code_b = entity_of[roots_a], entity_of[roots_b]
            word_check = (code_a != 0) & (code_b != 0) & ((code_a != code_b) | (code_a == _SEVERAL))
            weighed = (refuse == 0) & ~word_check
        at = np.flatnonzero(weighed)
        link = np.einsum("ij,ij->i", sums[roots_a[at]], sums[roots_b[at]]).astype(np.float64)
        link /= size_of[roots_a[at]] * size_of[roots_b[at]]
        refuse[at[link < link_floor - _LINK_SLACK]] = _CHAINING
        passes = np.zeros(len(window), dtype=bool)
        passes[at[link >= link_floor + _LINK_SLACK]] = True
        # Edges that may change their clusters, and those that must wait for them (transitively).
        position = np.arange(len(window))
        changes = refuse == 0
        touched = changes
        for _ in range(_WAIT_ROUNDS):
            roots = np.concatenate([roots_a[touched], roots_b[touched]])
            np.minimum.at(first_touch, roots, np.concatenate([position[touched], position[touched]]))
            waits = (first_touch[roots_a] < position) | (first_touch[roots_b] < position)
            first_touch[roots] = np.iinfo(np.int64).max
            now_touched = changes | waits
            differ = np.flatnonzero(now_touched != touched)
            touched = now_touched
            if not len(differ):
                break
        else:  # not settled: everything from the first edge still in doubt waits
            waits[differ[0] :] = True
        decide = ~waits
        decided_last = int(decide.sum())
        refusals = decide & (refuse != 0)
        refused_parts.append(window[refusals])
        reason_parts.append(refuse[refusals])
        ready = np.flatnonzero(decide & changes)
        for edge, root_a, root_b, link_ok in zip(
            window[ready].tolist(), roots_a[ready].tolist(), roots_b[ready].tolist(), passes[ready].tolist()
        ):
            settle(edge, root_a, root_b, link_ok)
        waiting = window[waits]
    cluster = np.arange(len(vectors))
    cluster[nodes] = nodes[label]
    joined_edges = np.sort(np.asarray(joined, dtype=np.int64))
    refused_edges = np.concatenate(refused_parts + [np.asarray(refused, dtype=np.int64)])
    reasons = np.concatenate(reason_parts + [np.asarray(refused_reason, dtype=np.int8)])
    order = np.argsort(refused_edges, kind="stable")
    refused_edges, reasons = refused_edges[order], reasons[order]
    return Merges(
        cluster, src[joined_edges], dst[joined_edges], score[joined_edges].astype(np.float32),
        src[refused_edges], dst[refused_edges], score[refused_edges].astype(np.float32),
        np.array(_REASONS, dtype="<U8")[reasons],
    )
