import json

import numpy as np
import pytest

from distilabel_qabias import schema
from distilabel_qabias.convergence.dedup import deduplicate
from distilabel_qabias.convergence.graph import similar_pairs
from distilabel_qabias.convergence.fact_guard import FactCodes, NodeFacts
from distilabel_qabias.convergence.merge import merge_guarded, merge_in_order
from distilabel_qabias.convergence.normalize import (
    fact_signature,
    normalize_question,
    signature_conflict,
)
from distilabel_qabias.embedders import Embedder, load_embedder
from evaluation.questions import build_question_set, dedup_metrics


@pytest.fixture(scope="module")
def wordllama():
    return load_embedder("wordllama")


# --- normalisation and the entity guard ------------------------------------------------------


def test_normalisation_ignores_case_spacing_and_punctuation(wiki_docs):
    title = wiki_docs[0].title
    assert normalize_question(f"  What is {title}? ") == normalize_question(f"what is {title.upper()}")
    assert normalize_question("Who won the 1,000 m race?") == normalize_question("who won the 1000 m race")
    assert normalize_question("What is 3.5 times 2?") != normalize_question("What is 35 times 2?")


def test_invalid_values_have_reasons():
    assert schema.invalid_text_reason(None) == "missing"
    assert schema.invalid_text_reason(42) == "not_text"
    assert schema.invalid_text_reason(b"What?") == "not_text"
    assert schema.invalid_text_reason(" \n\t") == "empty"
    assert schema.invalid_text_reason("What?") is None


def test_entity_guard_on_real_titles(wiki_docs):
    people = [d.title for d in wiki_docs if d.topic == "People"][:2]
    a, b = people
    conflict = signature_conflict(fact_signature(f"Who was {a}?"), fact_signature(f"Who was {b}?"))
    assert conflict == "entity"
    assert signature_conflict(fact_signature(f"Who was {a}?"), fact_signature(f"Can you tell me who {a} was?")) is None
    last_name = a.split()[-1]
    assert signature_conflict(fact_signature(f"When was {a} born?"), fact_signature(f"When was {last_name} born?")) is None


@pytest.mark.parametrize(
    "left, right, reason",
    [
        ("What is the capital of India?", "What is the capital of Brazil?", "entity"),
        ("What happened in Paris in 1990?", "What happened in Paris in 1991?", "number"),
        ("Who was the first king of Spain?", "Who was the second king of Spain?", "number"),
        ("What happened in March?", "What happened in April?", "entity"),
        ("Where is Austria?", "Where is Australia?", "entity"),
        ("What is the capital of India?", "Which city is India's capital?", None),
        ("Which Indian city is the capital?", "What is the capital of India?", None),
        ("How many people lived there in two cities?", "How many people lived there in 2 cities?", None),
    ],
)
def test_signature_conflicts(left, right, reason):
    assert signature_conflict(fact_signature(left), fact_signature(right)) == reason


# --- clustering ------------------------------------------------------------------------------


def _check_one_kept_per_cluster(result):
    for cluster in result.clusters:
        kept = [m for m in cluster.members if m.score is None]
        assert len(kept) == 1 and kept[0].row == cluster.kept_row
    assert (result.is_kept == (result.duplicate_of < 0)).all()
    dup = result.duplicate_of >= 0
    assert (result.cluster_id[result.duplicate_of[dup]] == result.cluster_id[dup]).all()


def test_quality_targets_on_a_small_labelled_sample(wordllama):
    questions = build_question_set(80, seed=3)
    result = deduplicate([q.question for q in questions], embedder=wordllama)
    metrics = dedup_metrics(questions, result.cluster_id, result.is_kept)
    assert metrics.exact_pairs > 20 and metrics.exact_merged == 1.0
    assert metrics.twin_pairs > 20 and metrics.twin_merged <= 0.02
    assert metrics.paraphrase_merged >= 0.4  # the static model's tuned threshold trades recall for precision
    assert metrics.clusters_without_one_kept == 0
    _check_one_kept_per_cluster(result)


def test_same_template_different_entity_or_year_is_not_merged_even_when_embeddings_say_so(wordllama):
    questions = ["What happened to Vienna in 1990?", "What happened to Vienna in 1991?",
                 "What is the capital of India?", "What is the capital of Brazil?"]
    guarded = deduplicate(questions, embedder=wordllama, threshold=0.3)
    assert len(set(guarded.cluster_id.tolist())) == 4
    assert set(guarded.refused_counts()) >= {"number", "entity"}
    unguarded = deduplicate(questions, embedder=wordllama, threshold=0.3, entity_guard=False)
    assert len(set(unguarded.cluster_id.tolist())) < 4


def _fake_embedder(vectors_by_text):
    def encode(texts):
        return np.array([vectors_by_text[t] for t in texts], dtype=np.float32)

    dim = len(next(iter(vectors_by_text.values())))
    return Embedder(f"fake-{id(vectors_by_text)}", dim, encode)


def test_chaining_guard_stops_a_chain_whose_ends_differ():
    # a~b and b~c are 0.87, a~c is 0.5: single linkage would chain all three.
    angle = np.deg2rad([0.0, 30.0, 60.0])
    vectors = {t: [np.cos(x), np.sin(x), 0.0] for t, x in zip(["alpha red", "alpha green", "alpha blue"], angle)}
    texts = list(vectors)
    guarded = deduplicate(texts, embedder=_fake_embedder(vectors), threshold=0.8)
    assert guarded.n_clusters == 2
    assert guarded.refused_counts() == {"chaining": 1}
    chained = deduplicate(texts, embedder=_fake_embedder(vectors), threshold=0.8, chain_margin=0.5)
    assert chained.n_clusters == 1


def test_rethreshold_reuses_the_graph_and_matches_a_fresh_run(wiki_docs, wordllama):
    calls = []

    def encode(texts):
        calls.append(len(texts))
        return wordllama.encode(texts)

    embedder = Embedder("counting-wordllama", wordllama.dim, encode)
    questions = [q.question for q in build_question_set(40, seed=5)]
    base = deduplicate(questions, embedder=embedder, threshold=0.9, graph_margin=0.1)
    n_calls = len(calls)
    lower = base.rethreshold(0.82)
    assert len(calls) == n_calls  # no re-embedding
    fresh = deduplicate(questions, embedder=wordllama, threshold=0.82)
    assert np.array_equal(lower.cluster_id, fresh.cluster_id)
    assert lower.n_duplicates >= base.n_duplicates
    with pytest.raises(ValueError, match="floor"):
        base.rethreshold(0.5)


def test_approximate_search_finds_the_pairs_of_the_exhaustive_one(wordllama):
    questions = list(dict.fromkeys(q.question for q in build_question_set(300, seed=7)))
    vectors = wordllama.encode(questions)
    exhaustive = similar_pairs(vectors, 0.85)
    approximate = similar_pairs(vectors, 0.85, exact_limit=0)
    assert exhaustive.exhaustive and not approximate.exhaustive
    truth = set(zip(exhaustive.src.tolist(), exhaustive.dst.tolist()))
    found = set(zip(approximate.src.tolist(), approximate.dst.tolist()))
    assert len(truth) > 300
    assert found <= truth  # the index only misses pairs, it never invents them
    assert len(found) / len(truth) >= 0.95
    assert (np.diff(approximate.score) <= 0).all()  # most similar first
    # every pair is scored exactly, whichever search found it
    sims = np.einsum("ij,ij->i", vectors[approximate.src], vectors[approximate.dst])
    assert np.allclose(sims, approximate.score, atol=1e-5)


def test_fact_table_codes_agree_with_the_signatures(wordllama):
    questions = list(dict.fromkeys(q.question for q in build_question_set(60, seed=4)))
    signatures = [fact_signature(q) for q in questions]
    table = FactCodes(len(questions))
    table.fill(questions, np.arange(len(questions)))
    a, b = np.triu_indices(len(questions), 1)
    same_numbers = [signatures[i].numbers == signatures[j].numbers for i, j in zip(a.tolist(), b.tolist())]
    assert (table.number_code[a] == table.number_code[b]).tolist() == same_numbers
    same_entities = [signatures[i].entities == signatures[j].entities for i, j in zip(a.tolist(), b.tolist())]
    assert (table.entity_code[a] == table.entity_code[b]).tolist() == same_entities
    assert (table.entity_code == 0).tolist() == [not s.entities for s in signatures]
    assert not all(same_numbers) and not all(same_entities)


def test_guarded_merge_refuses_a_constructed_chain_and_explains_it():
    # Five questions about one fact drift step by step: each neighbour is 0.9 similar, the ends 0.
    angles = np.deg2rad(np.arange(5) * 25.0)
    vectors = np.stack([np.cos(angles), np.sin(angles), np.zeros(5)], axis=1).astype(np.float32)
    texts = [f"What is the colour of the sky {word}?" for word in ("today", "now", "here", "there", "then")]
    graph = similar_pairs(vectors, 0.5)
    merges = merge_guarded(vectors, graph, 0.88, chain_margin=0.0, facts=NodeFacts.of(texts, graph))
    assert len(set(merges.labels.tolist())) >= 2  # single linkage would make one cluster
    assert set(merges.refused_reason.tolist()) == {"chaining"}
    for a, b in zip(merges.forest_src.tolist(), merges.forest_dst.tolist()):
        assert merges.labels[a] == merges.labels[b]
    unguarded = merge_guarded(vectors, graph, 0.88, chain_margin=1.0, facts=None)
    assert len(set(unguarded.labels.tolist())) == 1


def test_per_document_and_question_answer_modes(wordllama):
    question = "What is the main subject of the text?"
    by_doc = deduplicate([question, question, question], documents=["doc a", "doc b", "doc a"], embedder=wordllama)
    assert by_doc.cluster_id.tolist() == [0, 1, 0]
    qa = deduplicate(["Which city is the capital?"] * 3, answers=["Paris", "Rome", "Paris."], embedder=wordllama)
    assert qa.cluster_id.tolist() == [0, 1, 0]


def test_representative_policies():
    texts = ["What is the tallest mountain?", "What is the tallest mountain?", "what is the tallest mountain"]
    wl = load_embedder("wordllama")
    grounded = deduplicate(texts, embedder=wl, representative="best_grounded", grounded=[False, True, True], alignment=[0.9, 0.5, 0.7])
    assert grounded.kept_row.tolist() == [2] and grounded.duplicate_of.tolist() == [2, 2, -1]
    longest = deduplicate(texts, embedder=wl, representative="longest_answer", answers=["Everest", "Mount Everest in Nepal", None])
    assert longest.cluster_id.tolist() == [0, 1, 2]  # different answers: different rows
    same_answers = deduplicate(texts, embedder=wl, representative="longest_answer", answers=["Everest"] * 3)
    assert same_answers.kept_row.tolist() == [0]
    with pytest.raises(ValueError):
        deduplicate(texts, embedder=wl, representative="random")


def test_bad_input_is_tagged_never_merged(wordllama):
    huge = "What is the history of the city? " * 5000
    questions = [None, "", "   ", 42, None, "", "What is a lighthouse?", huge, huge, "What is a lighthouse?"]
    result = deduplicate(questions, embedder=wordllama)
    reasons = result.row_reason
    assert reasons[:6] == ["missing", "empty", "empty", "not_text", "missing", "empty"]
    assert len(set(result.cluster_id[:6].tolist())) == 6  # each its own cluster
    assert result.is_kept[:6].all() and (result.cluster_size[:6] == 1).all()
    assert result.duplicate_of[9] == 6 and result.duplicate_of[8] == 7
    assert json.loads(result.to_json())["not_compared"] == {"empty": [1, 2, 5], "missing": [0, 4], "not_text": [3]}


def test_all_identical_single_and_empty_inputs(wordllama):
    same = deduplicate(["Who wrote the novel?"] * 500, embedder=wordllama)
    assert same.n_clusters == 1 and same.is_kept.sum() == 1 and same.duplicate_of[1:].tolist() == [0] * 499
    assert (same.duplicate_score[1:] == 1.0).all()
    one = deduplicate(["Who wrote the novel?"], embedder=wordllama)
    assert one.n_clusters == 1 and one.is_kept.tolist() == [True]
    none = deduplicate([], embedder=wordllama)
    assert none.n_clusters == 0 and none.to_dict()["rows"] == 0


def test_explanation_lists_members_scores_links_and_weakest_merges(wordllama, tmp_path):
    questions = [q.question for q in build_question_set(30, seed=11)]
    prompts = [f"seed {i % 3}" for i in range(len(questions))]
    result = deduplicate(questions, embedder=wordllama, prompts=prompts)
    explanation = json.loads(result.to_json())
    assert explanation["duplicates"] == result.n_duplicates > 0
    listed = {d["row"] for c in explanation["cluster_list"] for d in c["duplicates"]}
    assert listed == set(np.flatnonzero(result.duplicate_of >= 0).tolist())
    for cluster in explanation["cluster_list"]:
        members = {cluster["kept_row"]} | {d["row"] for d in cluster["duplicates"]}
        for dup in cluster["duplicates"]:
            assert dup["linked_to"] in members and dup["score"] >= -1
        assert len(cluster["prompts"]) == result.cluster_prompts[cluster["kept_row"]]
    result.write_json(tmp_path / "convergence.json")  # one cluster at a time, the same JSON
    assert json.loads((tmp_path / "convergence.json").read_text(encoding="utf-8")) == explanation
    weakest = explanation["least_similar_duplicates"]
    assert [w["score"] for w in weakest] == sorted(w["score"] for w in weakest)
    non_exact = result.duplicate_score[(result.duplicate_of >= 0) & ~result.exact]
    assert weakest[0]["score"] == pytest.approx(non_exact.min())


def test_whole_component_merging_gives_what_edge_by_edge_merging_gives(wordllama):
    # Components that no merge order could break up are joined in one step; the result must be the
    # one the guarded union-find reaches visiting every edge.
    questions = list(dict.fromkeys(q.question for q in build_question_set(150, seed=9)))
    vectors = wordllama.encode(questions)
    graph = similar_pairs(vectors, 0.8)
    facts = NodeFacts.of(questions, graph)
    fast = merge_guarded(vectors, graph, 0.86, chain_margin=0.0, facts=facts)
    usable = graph.above(0.86)
    slow = merge_in_order(vectors, graph.src[:usable], graph.dst[:usable], graph.score[:usable], 0.86, facts)

    def partition(labels):  # each node -> the first node of its cluster
        _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
        return first[inverse]

    assert len(np.unique(fast.labels)) < len(questions)
    assert np.array_equal(partition(fast.labels), partition(slow.labels))
    assert sorted(fast.refused_reason.tolist()) == sorted(slow.refused_reason.tolist())
    assert len(fast.forest_src) == len(questions) - len(np.unique(fast.labels))


def _pairs_in_child(vectors, queue):
    queue.put(len(similar_pairs(vectors, 0.5).score))


def test_neighbour_search_still_runs_in_a_process_forked_after_the_parent_used_faiss():
    """distilabel forks its step workers; faiss's OpenMP pool in the parent must not deadlock them."""
    import multiprocessing

    from distilabel_qabias.convergence.graph import thread_budget

    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((3000, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors[1::2] = vectors[::2] + 0.01 * rng.standard_normal((1500, 64)).astype(np.float32)
    with thread_budget(2):
        expected = len(similar_pairs(vectors, 0.5).score)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_pairs_in_child, args=(vectors, queue))
    child.start()
    child.join(120)
    hung = child.is_alive()
    if hung:
        child.kill()
    assert not hung and queue.get(timeout=5) == expected >= 1500
