"""The fact guard's view of the nodes: who states which numbers and names which entities.

Two clusters of questions may join only if they state the same numbers and no question of one names an
entity the other does not mention (:func:`~distilabel_qabias.convergence.normalize.entities_conflict`,
with the words of all the questions of a cluster that name the same entities). :class:`FactCodes` keeps
one integer code per node for its numbers and one for its entity set, so most edges are checked on whole
arrays; the word sets behind a code are rebuilt (:class:`NodeFacts`) only for the joins of clusters that
name different entity sets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from distilabel_qabias.convergence.graph import NeighbourGraph
from distilabel_qabias.convergence.normalize import (
    FactSignature,
    entities_conflict,
    fact_keys,
    fact_signature,
)

ClusterFacts = dict[frozenset[str], frozenset[str]]


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
        has_edge = np.zeros(len(texts), dtype=bool)
        has_edge[graph.src[:usable]] = True
        has_edge[graph.dst[:usable]] = True
        codes.fill(texts, np.flatnonzero(has_edge))
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


def entities_may_clash(signatures: list[FactSignature]) -> bool:
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


def cluster_facts(signatures: list[FactSignature]) -> ClusterFacts:
    """What the entity guard needs of a cluster: each distinct entity set its questions name, with the
    words of all the questions that name it."""
    facts: dict[frozenset[str], frozenset[str]] = {}
    for sig in signatures:
        if sig.entities:
            facts[sig.entities] = facts[sig.entities] | sig.words if sig.entities in facts else sig.words
    return facts


def merged_facts(a: ClusterFacts, b: ClusterFacts) -> ClusterFacts:
    """The facts of the union of two clusters: :func:`cluster_facts` of all their questions."""
    merged = dict(a)
    for entities, words in b.items():
        merged[entities] = merged[entities] | words if entities in merged else words
    return merged


def facts_conflict(a: ClusterFacts, b: ClusterFacts) -> bool:
    return any(
        entities_conflict(ents_a, words_a, ents_b, words_b)
        for ents_a, words_a in a.items() for ents_b, words_b in b.items()
    )
