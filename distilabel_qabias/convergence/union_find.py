"""Guarded union-find: clusters joined along edges in Kruskal's order (most similar first), with the fact
guard and the chaining guard checked at every join.

:func:`guarded_union_find` gives exactly the clusters, refusals and merge forest of a plain loop that
takes the edges one by one, but decides most edges on whole arrays. The edges go in windows, decided
against the clusters as the window starts: an edge is refused there when its numbers differ, when the
word-by-word comparison of its two clusters already found a conflict, or when its average link is
clearly below the floor (and the two clusters need no new comparison). An edge that may join (or needs
a new word-by-word comparison, or lies within ``_LINK_SLACK`` of the floor) changes its two clusters,
so every later edge of the window that touches them - and, in turn, the clusters of those - waits for
the next window. The edges left are
decided in Kruskal's order against exactly the clusters the loop would see; as no two of them touch the
same cluster, their joins are independent and go in one step; only a new word-by-word comparison or a
link within the slack is decided in Python. A window that decides few edges (a run of edges on the same
growing clusters) is followed by a burst of edges taken one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from distilabel_qabias.convergence.fact_guard import (
    ClusterFacts,
    NodeFacts,
    cluster_facts,
    facts_conflict,
    merged_facts,
)

_SEVERAL = -1  # entity code of a cluster whose questions name several entity sets
NUMBER, ENTITY, CHAINING = 1, 2, 3  # refusal reasons, indices into REASONS
REASONS = ("", "number", "entity", "chaining")
REFUSAL_REASONS = REASONS[1:]
UNSURE, PASSES, FAILS = 0, 1, 2  # what a window knows of an average link
# Edges decided on whole arrays at a time; an average link this close to the floor is recomputed
# exactly as the loop does (the float32 products of a window differ from it by about 1e-6 at most).
_WINDOW = 2048
_LINK_SLACK = 1e-4
# Rounds of "waits for an edge that waits"; a window that decides fewer than _FEW_DECIDED edges is
# followed by _BURST edges one by one.
_WAIT_ROUNDS = 4
_FEW_DECIDED = 64
_BURST = 256
# A cluster of up to this many nodes has its facts built when it joins one whose facts are known.
_SMALL_CLUSTER = 8


@dataclass(frozen=True)
class UnionFindMerges:
    """Root per local node, and the edges (indices into the edge arrays) joined and refused, with why."""

    root: np.ndarray
    joined: np.ndarray
    refused: np.ndarray
    refused_reason: np.ndarray  # NUMBER | ENTITY | CHAINING


@dataclass
class _Clusters:
    """Clusters of the local nodes: a parent per node (union by size, so a root is a few steps away), and
    per root its size, codes, summed vectors and the members that name entities (for the word checks).

    Summed vectors are stored only for clusters of more than one member (a single node's is its own
    vector, read from ``base``): no copy of every node's vector."""

    base: np.ndarray  # vector (or summed vectors, in the merge pass) per node, indexed by global node id
    nodes: np.ndarray  # global node id per local node
    size: np.ndarray
    number: np.ndarray | None
    entity: np.ndarray | None
    named: np.ndarray | None  # per node: it names entities (None without the fact guard)
    parent: np.ndarray = field(init=False)
    named_members: dict[int, list[int]] = field(default_factory=dict)  # per root, once it has joined
    slot: np.ndarray = field(init=False)  # row of ``merged_sums`` per root, -1 for a single node
    merged_sums: np.ndarray = field(init=False)
    free_slots: list[int] = field(default_factory=list)
    used_slots: int = 0

    def __post_init__(self) -> None:
        self.parent = np.arange(len(self.nodes))
        self.slot = np.full(len(self.nodes), -1, dtype=np.int64)
        self.merged_sums = np.empty((0, self.base.shape[1]), dtype=self.base.dtype)

    def roots(self, local: np.ndarray) -> np.ndarray:
        """The root of each node of ``local`` (whose parents then point at it)."""
        parent = self.parent
        found = parent[local]
        while True:
            up = parent[found]
            if np.array_equal(up, found):
                break
            found = up
        parent[local] = found
        return found

    def root_of(self, node: int) -> int:
        parent = self.parent
        while (up := int(parent[node])) != node:
            node = up
        return node

    def members_naming(self, root: int) -> list[int]:
        """The members of a root's cluster that name entities."""
        found = self.named_members.get(root)
        return found if found is not None else [root] if self.named[root] else []

    def sums(self, roots: np.ndarray) -> np.ndarray:
        """Summed vectors of the clusters of ``roots`` (a copy)."""
        slots = self.slot[roots]
        merged = slots >= 0
        if not merged.any():
            return self.base[self.nodes[roots]]
        out = np.empty((len(roots), self.base.shape[1]), dtype=self.base.dtype)
        out[merged] = self.merged_sums[slots[merged]]
        single = ~merged
        out[single] = self.base[self.nodes[roots[single]]]
        return out

    def sum_of(self, root: int) -> np.ndarray:
        slot = self.slot[root]
        return self.merged_sums[slot] if slot >= 0 else self.base[self.nodes[root]]

    def join(self, absorbing: np.ndarray, absorbed: np.ndarray) -> None:
        """Each cluster of ``absorbed`` joins the one of ``absorbing`` at the same position (all roots distinct)."""
        if self.entity is not None:
            code_a, code_b = self.entity[absorbing], self.entity[absorbed]
            change = (code_b != 0) & (code_b != code_a)
            self.entity[absorbing[change]] = np.where(code_a[change] == 0, code_b[change], _SEVERAL)
            for a, b in zip(absorbing[code_b != 0].tolist(), absorbed[code_b != 0].tolist()):
                self._move_named(a, b)
        joined_sums = self.sums(absorbing)
        joined_sums += self.sums(absorbed)
        self.size[absorbing] += self.size[absorbed]
        slot_a, slot_b = self.slot[absorbing], self.slot[absorbed]
        self.slot[absorbed] = -1
        inherit = (slot_a < 0) & (slot_b >= 0)
        slot_a[inherit] = slot_b[inherit]
        self.free_slots.extend(slot_b[(slot_b >= 0) & ~inherit].tolist())
        new = np.flatnonzero(slot_a < 0)
        if len(new):
            slot_a[new] = self._allocate(len(new))
        self.slot[absorbing] = slot_a
        self.merged_sums[slot_a] = joined_sums
        self.parent[absorbed] = absorbing

    def join_one(self, a: int, b: int) -> None:
        """The cluster of root ``b`` joins the one of root ``a``."""
        if self.entity is not None:
            code_a, code_b = int(self.entity[a]), int(self.entity[b])
            if code_b and code_b != code_a:
                self.entity[a] = code_b if not code_a else _SEVERAL
            if code_b:
                self._move_named(a, b)
        joined_sums = self.sum_of(a) + self.sum_of(b)
        slot_a, slot_b = int(self.slot[a]), int(self.slot[b])
        if slot_a < 0:
            slot_a = slot_b if slot_b >= 0 else int(self._allocate(1)[0])
            self.slot[a] = slot_a
        elif slot_b >= 0:
            self.free_slots.append(slot_b)
        self.slot[b] = -1
        self.merged_sums[slot_a] = joined_sums
        self.size[a] += self.size[b]
        self.parent[b] = a

    def _move_named(self, a: int, b: int) -> None:
        """The members of ``b``'s cluster that name entities go to ``a``'s (called when there are any)."""
        moving = self.named_members.pop(b, None) or [b]
        found = self.named_members.get(a)
        if found is None:
            self.named_members[a] = ([a] if self.named[a] else []) + moving
        else:
            found.extend(moving)

    def _allocate(self, count: int) -> np.ndarray:
        reused = self.free_slots[-count:] if count <= len(self.free_slots) else list(self.free_slots)
        del self.free_slots[len(self.free_slots) - len(reused) :]
        fresh = count - len(reused)
        if self.used_slots + fresh > len(self.merged_sums):
            grown = np.empty((max(self.used_slots + fresh, 2 * len(self.merged_sums), 1024), self.base.shape[1]),
                             dtype=self.merged_sums.dtype)
            grown[: self.used_slots] = self.merged_sums[: self.used_slots]
            self.merged_sums = grown
        slots = np.concatenate([np.asarray(reused, dtype=np.int64),
                                np.arange(self.used_slots, self.used_slots + fresh)])
        self.used_slots += fresh
        return slots


def guarded_union_find(
    vectors: np.ndarray, src: np.ndarray, dst: np.ndarray, link_floor: float, facts: NodeFacts | None,
    stands_for: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, UnionFindMerges]:
    """Union-find over ``src - dst`` edges (most similar first) with both guards checked at every join:
    the local nodes (sorted node ids) and their :class:`UnionFindMerges`. ``stands_for=(sums, sizes)``:
    node i stands for ``sizes[i]`` nodes whose vectors sum to ``sums[i]``.

    Clusters of different numbers never join; clusters naming different entity sets are compared word
    by word (each cluster's entity code is 0 for none, -1 for several sets); the average link is the dot
    product of the clusters' summed vectors over the product of their sizes. The larger cluster absorbs
    the smaller one (the first edge end's on a tie)."""
    local = np.zeros(len(vectors), dtype=np.int64)  # node id -> local node
    local[src] = 1
    local[dst] = 1
    nodes = np.flatnonzero(local)
    n_local = len(nodes)
    local[nodes] = np.arange(n_local)
    local_src, local_dst = local[src], local[dst]
    del local
    base, sizes = (vectors, None) if stands_for is None else stands_for
    clusters = _Clusters(
        base, nodes, np.ones(n_local, dtype=np.int64) if sizes is None else sizes[nodes].astype(np.int64),
        None if facts is None else facts.number_code[nodes],
        None if facts is None else facts.entity_code[nodes].copy(),
        None if facts is None else facts.entity_code[nodes] > 0,
    )
    size, number, entity = clusters.size, clusters.number, clusters.entity
    entity_facts: dict[int, ClusterFacts] = {}  # per root, built when a join needs a word-by-word check
    known_conflicts: dict[int, bool] = {}  # per pair of roots (low * n_local + high)
    joined: list[np.ndarray] = []
    refused: list[np.ndarray] = []
    reasons: list[np.ndarray] = []

    def facts_of(cluster: int) -> ClusterFacts:
        found = entity_facts.get(cluster)
        if found is None:
            found = entity_facts[cluster] = cluster_facts(
                [facts.signature(int(nodes[n])) for n in clusters.members_naming(cluster)]
            )
        return found

    def carry_facts(absorbing: int, absorbed: int) -> None:
        """Called before a join: the joined cluster's facts from its parts' when one part's are known and
        the other part is small (or known too); else they are built again when needed."""
        known_a, known_b = absorbing in entity_facts, absorbed in entity_facts
        if (known_a or size[absorbing] <= _SMALL_CLUSTER) and (known_b or size[absorbed] <= _SMALL_CLUSTER):
            entity_facts[absorbing] = merged_facts(facts_of(absorbing), facts_of(absorbed))
        else:
            entity_facts.pop(absorbing, None)
        entity_facts.pop(absorbed, None)

    def refusal(root_a: int, root_b: int, word_check: bool, link: int) -> int:
        """Why the clusters of two roots may not join (0: they may), as the loop decides it; ``link`` is
        PASSES or FAILS when the average link is known to pass or fail, else UNSURE."""
        if word_check:
            # Conflicts only grow as clusters absorb others, so a refused pair of roots stays refused.
            pair = root_a * n_local + root_b if root_a < root_b else root_b * n_local + root_a
            conflict = known_conflicts.get(pair)
            if conflict is None:
                conflict = known_conflicts[pair] = facts_conflict(facts_of(root_a), facts_of(root_b))
            if conflict:
                return ENTITY
        if link == FAILS:
            return CHAINING
        if link == UNSURE:
            average = float(clusters.sum_of(root_a) @ clusters.sum_of(root_b)) / (int(size[root_a]) * int(size[root_b]))
            if average < link_floor:
                return CHAINING
        return 0

    def settle(edges: np.ndarray, roots_a: np.ndarray, roots_b: np.ndarray, word_check: np.ndarray,
               link: np.ndarray) -> None:
        """Refuse or join along edges between clusters that no other of these edges touches."""
        refuse = np.zeros(len(edges), dtype=np.int8)
        for i in np.flatnonzero(word_check | (link != PASSES)).tolist():
            refuse[i] = refusal(int(roots_a[i]), int(roots_b[i]), bool(word_check[i]), int(link[i]))
        no = refuse != 0
        refused.append(edges[no])
        reasons.append(refuse[no])
        edges, roots_a, roots_b = edges[~no], roots_a[~no], roots_b[~no]
        swap = size[roots_a] < size[roots_b]
        absorbing, absorbed = np.where(swap, roots_b, roots_a), np.where(swap, roots_a, roots_b)
        if entity_facts:
            for a, b in zip(absorbing.tolist(), absorbed.tolist()):
                if a in entity_facts or b in entity_facts:
                    carry_facts(a, b)
        clusters.join(absorbing, absorbed)
        joined.append(edges)

    def one_by_one(edges: np.ndarray) -> None:
        """The loop itself, for a run of edges on the same clusters."""
        joined_now, refused_now, reasons_now = [], [], []
        for edge, a, b in zip(edges.tolist(), local_src[edges].tolist(), local_dst[edges].tolist()):
            root_a, root_b = clusters.root_of(a), clusters.root_of(b)
            if root_a == root_b:
                continue
            why = 0
            if number is not None:
                code_a, code_b = int(entity[root_a]), int(entity[root_b])
                if number[root_a] != number[root_b]:
                    why = NUMBER
                else:
                    word_check = bool(code_a and code_b and (code_a != code_b or code_a == _SEVERAL))
                    why = refusal(root_a, root_b, word_check, UNSURE)
            else:
                why = refusal(root_a, root_b, False, UNSURE)
            if why:
                refused_now.append(edge)
                reasons_now.append(why)
                continue
            if size[root_a] < size[root_b]:
                root_a, root_b = root_b, root_a
            if root_a in entity_facts or root_b in entity_facts:
                carry_facts(root_a, root_b)
            clusters.join_one(root_a, root_b)
            joined_now.append(edge)
        joined.append(np.asarray(joined_now, dtype=np.int64))
        refused.append(np.asarray(refused_now, dtype=np.int64))
        reasons.append(np.asarray(reasons_now, dtype=np.int8))

    first_touch = np.full(n_local, np.iinfo(np.int64).max)  # scratch: earliest window position touching a root
    waiting = np.empty(0, dtype=np.int64)
    next_edge, n_edges, decided_last = 0, len(src), _WINDOW
    while next_edge < n_edges or len(waiting):
        fresh = np.arange(next_edge, min(n_edges, next_edge + max(0, _WINDOW - len(waiting))))
        next_edge += len(fresh)
        window = np.concatenate([waiting, fresh])
        if decided_last < _FEW_DECIDED:  # a run of edges on the same clusters: one by one is cheaper
            one_by_one(window[:_BURST])
            waiting = window[_BURST:]
            decided_last = _WINDOW
            continue
        roots_a, roots_b = clusters.roots(local_src[window]), clusters.roots(local_dst[window])
        apart = roots_a != roots_b
        window, roots_a, roots_b = window[apart], roots_a[apart], roots_b[apart]
        if not len(window):
            waiting = window
            continue
        refuse = np.zeros(len(window), dtype=np.int8)  # 0: may join, else the reason
        word_check = np.zeros(len(window), dtype=bool)
        if facts is not None:
            refuse[number[roots_a] != number[roots_b]] = NUMBER
            code_a, code_b = entity[roots_a], entity[roots_b]
            word_check = (refuse == 0) & (code_a != 0) & (code_b != 0) & ((code_a != code_b) | (code_a == _SEVERAL))
            checked = np.flatnonzero(word_check)
            if len(checked) and known_conflicts:  # pairs of clusters compared word by word before
                low = np.minimum(roots_a[checked], roots_b[checked])
                high = np.maximum(roots_a[checked], roots_b[checked])
                known = np.fromiter((known_conflicts.get(pair, 2) for pair in (low * n_local + high).tolist()),
                                    dtype=np.int8, count=len(checked))
                refuse[checked[known == 1]] = ENTITY
                word_check[checked[known != 2]] = False
        at = np.flatnonzero(refuse == 0)
        average = np.einsum("ij,ij->i", clusters.sums(roots_a[at]), clusters.sums(roots_b[at])).astype(np.float64)
        average /= size[roots_a[at]] * size[roots_b[at]]
        link = np.full(len(window), UNSURE, dtype=np.int8)
        link[at[average >= link_floor + _LINK_SLACK]] = PASSES
        link[at[average < link_floor - _LINK_SLACK]] = FAILS
        refuse[(link == FAILS) & ~word_check] = CHAINING  # the others are compared word by word first
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
        refused.append(window[refusals])
        reasons.append(refuse[refusals])
        ready = np.flatnonzero(decide & changes)
        settle(window[ready], roots_a[ready], roots_b[ready], word_check[ready], link[ready])
        waiting = window[waits]
    refused_edges = np.concatenate(refused + [np.empty(0, dtype=np.int64)])
    refused_reasons = np.concatenate(reasons + [np.empty(0, dtype=np.int8)])
    order = np.argsort(refused_edges, kind="stable")
    joined_edges = np.sort(np.concatenate(joined + [np.empty(0, dtype=np.int64)]))
    root = clusters.roots(np.arange(n_local))
    return nodes, UnionFindMerges(root, joined_edges, refused_edges[order], refused_reasons[order])
