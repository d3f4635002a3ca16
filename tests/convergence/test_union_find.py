"""The guarded union-find decides edges on whole arrays; it must give what the plain edge-by-edge loop gives."""

import numpy as np
import pytest

from distilabel_qabias.convergence import union_find
from distilabel_qabias.convergence.dedup import deduplicate
from distilabel_qabias.convergence.fact_guard import NodeFacts, cluster_facts, facts_conflict
from distilabel_qabias.convergence.graph import similar_pairs
from distilabel_qabias.convergence.memory import memory_settings
from distilabel_qabias.convergence.merge import merge_in_order
from distilabel_qabias.embedders import load_embedder
from evaluation.questions import build_question_set, scaled_questions


def plain_loop(vectors, src, dst, floor, facts):
    """Kruskal's loop, one edge at a time: joined edges, refused edges and their reasons."""
    n_nodes = len(vectors)
    root = np.arange(n_nodes)
    members = {node: [node] for node in range(n_nodes)}
    sums = vectors.astype(np.float32).copy()
    size = [1] * n_nodes
    number, entity = facts.number_code, facts.entity_code.copy()
    known_conflicts = {}
    joined, refused, reasons = [], [], []
    for edge, (a, b) in enumerate(zip(src.tolist(), dst.tolist())):
        root_a, root_b = int(root[a]), int(root[b])
        if root_a == root_b:
            continue
        if number[root_a] != number[root_b]:
            refused.append(edge), reasons.append("number")
            continue
        code_a, code_b = int(entity[root_a]), int(entity[root_b])
        if code_a and code_b and (code_a != code_b or code_a == -1):
            pair = (min(root_a, root_b), max(root_a, root_b))  # a pair of roots is compared once
            if pair not in known_conflicts:
                known_conflicts[pair] = facts_conflict(
                    *(cluster_facts([facts.signature(m) for m in members[r]]) for r in (root_a, root_b))
                )
            if known_conflicts[pair]:
                refused.append(edge), reasons.append("entity")
                continue
        if float(sums[root_a] @ sums[root_b]) / (size[root_a] * size[root_b]) < floor:
            refused.append(edge), reasons.append("chaining")
            continue
        if size[root_a] < size[root_b]:
            root_a, root_b = root_b, root_a
        code_a, code_b = int(entity[root_a]), int(entity[root_b])
        if code_b and code_b != code_a:
            entity[root_a] = code_b if not code_a else -1
        moved = members.pop(root_b)
        root[moved] = root_a
        members[root_a].extend(moved)
        sums[root_a] += sums[root_b]
        size[root_a] += size[root_b]
        joined.append(edge)
    return np.array(joined, dtype=np.int64), np.array(refused, dtype=np.int64), np.array(reasons)


@pytest.mark.parametrize("window", [union_find._WINDOW, 64])
def test_union_find_gives_the_plain_loops_clusters_refusals_and_forest(monkeypatch, window):
    if window != union_find._WINDOW:  # small windows: many edges wait, runs of edges go one by one
        monkeypatch.setattr(union_find, "_WINDOW", window)
        monkeypatch.setattr(union_find, "_FEW_DECIDED", 16)
        monkeypatch.setattr(union_find, "_BURST", 24)
    wordllama = load_embedder("wordllama")
    questions = list(dict.fromkeys(
        [q.question for q in build_question_set(600, seed=5)] + [q.strip() for q in scaled_questions(2000)]
    ))
    vectors = wordllama.encode(questions)
    graph = similar_pairs(vectors, 0.75)
    facts = NodeFacts.of(questions, graph)
    usable = graph.above(0.8)
    src, dst, score = graph.src[:usable], graph.dst[:usable], graph.score[:usable]
    merges = merge_in_order(vectors, src, dst, score, 0.8, facts)
    joined, refused, reasons = plain_loop(vectors, src, dst, 0.8, facts)

    assert len(joined) > 100 and {"number", "entity", "chaining"} <= set(reasons.tolist())
    assert np.array_equal(merges.forest_src, src[joined]) and np.array_equal(merges.forest_dst, dst[joined])
    assert np.array_equal(merges.refused_src, src[refused]) and np.array_equal(merges.refused_dst, dst[refused])
    assert merges.refused_reason.tolist() == reasons.tolist()


def test_dedup_leaves_numpys_huge_page_setting_and_the_collector_as_it_found_them():
    import gc

    from numpy._core.multiarray import _set_madvise_hugepage

    wordllama = load_embedder("wordllama")
    questions = [q.question for q in build_question_set(20, seed=3)]
    collector_was_on = gc.isenabled()
    try:
        for setting in (True, False):
            _set_madvise_hugepage(setting)
            (gc.enable if setting else gc.disable)()
            with memory_settings():
                assert _set_madvise_hugepage(False) is False  # switched off inside
                assert not gc.isenabled()
                deduplicate(questions, embedder=wordllama)
                assert _set_madvise_hugepage(False) is False  # a nested call leaves it off
                assert not gc.isenabled()
            assert _set_madvise_hugepage(True) is setting
            assert gc.isenabled() is setting
    finally:
        (gc.enable if collector_was_on else gc.disable)()
