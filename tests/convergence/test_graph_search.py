"""The inverted-file neighbour search with crowded lists cut into sub-lists, on real questions."""

import numpy as np
import pytest

from distilabel_qabias.convergence import graph
from distilabel_qabias.convergence.graph import similar_pairs
from distilabel_qabias.embedders import load_embedder
from evaluation.questions import build_question_set


@pytest.fixture(scope="module")
def question_vectors():
    questions = list(dict.fromkeys(q.question for q in build_question_set(600, seed=3)))
    return load_embedder("wordllama").encode(questions)


def search(vectors, floor, **options):
    return graph._approximate_pairs(vectors, floor, probes=8, probe_margin=0.2, neighbours=64, seed=0, **options)


def pair_set(src, dst):
    return set(zip(np.minimum(src, dst).tolist(), np.maximum(src, dst).tolist()))


def test_crowded_lists_are_split_and_pairs_stay_exact_and_unique(question_vectors, monkeypatch):
    vectors = question_vectors
    splits = []
    split = graph._split_crowded_lists

    def counting_split(*args, **kwargs):
        splits.append(len(args[1]))
        return split(*args, **kwargs)

    monkeypatch.setattr(graph, "_split_crowded_lists", counting_split)
    src, dst, score = search(vectors, 0.8, crowded=1.5)
    assert splits, "no list was crowded enough to split"
    truth = similar_pairs(vectors, 0.8)
    assert truth.exhaustive
    expected = pair_set(truth.src, truth.dst)
    found = pair_set(src, dst)
    assert len(found) == len(src)  # a pair found from both ends is kept once
    assert not any(a == b for a, b in found)
    assert found <= expected
    assert len(found) / len(expected) >= 0.9
    assert np.allclose(np.einsum("ij,ij->i", vectors[src], vectors[dst]), score, atol=1e-5)
    assert (score >= 0.8).all()


def test_splitting_compares_fewer_pairs_for_nearly_the_same_graph(question_vectors, monkeypatch):
    vectors = question_vectors
    products = []
    matmul = np.matmul

    def counting_matmul(a, b, *args, **kwargs):
        products.append(a.shape[0] * b.shape[1])
        return matmul(a, b, *args, **kwargs)

    monkeypatch.setattr(graph.np, "matmul", counting_matmul)
    whole = pair_set(*search(vectors, 0.8, crowded=float("inf"))[:2])
    whole_products = sum(products)
    products.clear()
    split = pair_set(*search(vectors, 0.8, crowded=1.5)[:2])
    assert sum(products) < whole_products
    assert len(split & whole) / len(whole) >= 0.9


def test_a_pair_in_one_crowded_list_is_found_once_whichever_sub_lists_its_ends_probe(question_vectors):
    # With one sub-list probed, two members of a crowded list are compared only when one of them probes
    # the other's sub-list; the pair must still come out once, never twice.
    src, dst, _ = search(question_vectors, 0.75, crowded=1.0, sub_probes=1, sub_margin=0.0)
    codes = np.minimum(src, dst).astype(np.int64) * len(question_vectors) + np.maximum(src, dst)
    assert len(np.unique(codes)) == len(codes)
