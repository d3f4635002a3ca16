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


@pytest.mark.parametrize("size", [10, 40])
def test_a_dense_cell_is_cut_again_so_sub_lists_stay_near_the_asked_size(question_vectors, size):
    # Plain k-means leaves a dense core of near-identical questions in one big cell, which every question
    # probing it is compared with in full; the balanced centroids cut such a cell again.
    import faiss

    vectors = question_vectors
    centroids = graph._balanced_centroids(vectors, size, seed=0)
    largest = np.bincount(np.argmax(vectors @ centroids.T, axis=1)).max()
    count = int(np.ceil(len(vectors) / size))
    plain = faiss.Kmeans(vectors.shape[1], count, niter=6, spherical=True, seed=0, min_points_per_centroid=1,
                         max_points_per_centroid=64)
    plain.train(vectors)
    plain_largest = np.bincount(np.argmax(vectors @ plain.centroids.T, axis=1)).max()
    assert largest <= 0.75 * plain_largest
    assert largest <= 4 * size
    assert np.allclose(np.linalg.norm(centroids, axis=1), 1.0, atol=1e-4)


def test_a_pair_in_one_crowded_list_is_found_once_whichever_sub_lists_its_ends_probe(question_vectors):
    # With one sub-list probed, two members of a crowded list are compared only when one of them probes
    # the other's sub-list; the pair must still come out once, never twice.
    src, dst, _ = search(question_vectors, 0.75, crowded=1.0, sub_probes=1, sub_margin=0.0)
    codes = np.minimum(src, dst).astype(np.int64) * len(question_vectors) + np.maximum(src, dst)
    assert len(np.unique(codes)) == len(codes)


@pytest.mark.parametrize("crowded", [float("inf"), 1.0])
def test_members_compared_in_a_triangle_give_every_pair_an_exhaustive_search_gives(question_vectors, crowded):
    # Every list and sub-list probed: the inverted file compares every pair, a list's members with each
    # other in parts of 3 (a triangle of products), and must give exactly the exhaustive range search's pairs.
    floor = 0.75
    src, dst, score = graph._approximate_pairs(
        question_vectors, floor, probes=10_000, probe_margin=2.0, neighbours=10_000, seed=0,
        crowded=crowded, sub_probes=10_000, sub_margin=2.0, triangle_part=3,
    )
    truth = graph._exhaustive_pairs(question_vectors, floor)
    expected = dict(zip(zip(truth[0].tolist(), truth[1].tolist()), truth[2].tolist()))
    found = dict(zip(zip(np.minimum(src, dst).tolist(), np.maximum(src, dst).tolist()), score.tolist()))
    assert len(found) == len(src) and len(expected) > 100
    assert found.keys() == expected.keys()
    assert np.allclose([found[p] for p in expected], list(expected.values()), atol=1e-5)


def test_the_per_vector_cap_keeps_the_same_pairs_with_members_compared_in_a_triangle(question_vectors, monkeypatch):
    # A (sub-)list whose pairs pass the cap is compared in full again, so the cap sees each vector's every pair.
    def pairs_with_part(part):
        src, dst, score = graph._approximate_pairs(
            question_vectors, 0.7, probes=8, probe_margin=0.2, neighbours=2, seed=0, crowded=1.5, triangle_part=part)
        return dict(zip(zip(np.minimum(src, dst).tolist(), np.maximum(src, dst).tolist()), score.tolist()))

    capped = []
    cap_per_row = graph._cap_per_row

    def counting_cap(*args):
        capped.append(len(args[0]))
        return cap_per_row(*args)

    monkeypatch.setattr(graph, "_cap_per_row", counting_cap)
    whole = pairs_with_part(10**9)  # one part: every query against every member, as before the triangle
    capped.clear()
    triangle = pairs_with_part(3)
    assert capped, "no list had more pairs than the cap"
    assert whole.keys() == triangle.keys()
    assert np.allclose([whole[p] for p in whole], [triangle[p] for p in whole], atol=1e-5)
