import numpy as np
import pytest

from distilabel_qabias.embedders import Embedder, load_embedder
from distilabel_qabias.text.segment import split_sentences


def _sentences(wiki_docs, n=40):
    return [s.text for d in wiki_docs[:20] for s in split_sentences(d.text)][:n]


@pytest.mark.parametrize("name", ["wordllama", "tokenlearn"])
def test_static_embedders_load_offline_and_return_unit_rows(name, wiki_docs):
    embedder = load_embedder(name)
    texts = _sentences(wiki_docs)
    vectors = embedder.encode(texts)
    assert vectors.dtype == np.float32
    assert vectors.shape == (len(texts), embedder.dim)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert embedder.name == name
    assert load_embedder(name) is embedder  # loaded once per process


@pytest.mark.parametrize("name", ["wordllama", "tokenlearn"])
def test_blank_texts_get_zero_vectors_not_nan(name):
    vectors = load_embedder(name).encode(["", "   ", "What is the capital of France?"])
    assert np.isfinite(vectors).all()
    assert not vectors[0].any() and not vectors[1].any()
    assert np.linalg.norm(vectors[2]) == pytest.approx(1.0, abs=1e-4)


def test_paraphrase_is_closer_than_another_article(wiki_docs):
    embedder = load_embedder("wordllama")
    a, b = wiki_docs[0].title, wiki_docs[1].title
    v = embedder.encode([f"When was {a} founded?", f"In what year was {a} established?", f"What is the etymology of {b}?"])
    assert v[0] @ v[1] > v[0] @ v[2]


def test_cache_embeds_each_text_once(wiki_docs):
    calls = []

    def encode_batch(texts):
        calls.append(list(texts))
        return load_embedder("wordllama").encode(texts)

    embedder = Embedder("counting", 256, encode_batch)
    texts = _sentences(wiki_docs, 10)
    first = embedder.encode(texts + texts[:3])
    assert len(calls) == 1 and len(calls[0]) == len(set(texts))  # repeats inside a call are embedded once
    second = embedder.encode(list(reversed(texts)))
    assert len(calls) == 1  # all cached
    assert np.array_equal(second, first[: len(texts)][::-1])
    embedder.encode(texts[:2] + ["A sentence that was never embedded before."])
    assert calls[-1] == ["A sentence that was never embedded before."]


def test_empty_input_and_bad_name():
    assert load_embedder("wordllama").encode([]).shape == (0, 256)
    with pytest.raises(ValueError):
        load_embedder("")


@pytest.mark.slow
def test_minilm_loads_offline_from_the_bundled_package(wiki_docs):
    embedder = load_embedder()
    assert embedder.name == "minilm" and embedder.dim == 384
    title = wiki_docs[2].title
    v = embedder.encode([f"What is {title} known for?", f"What is {title} famous for?", "How do I bake bread?"])
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > 0.8 > v[0] @ v[2]


def _encode_in_child(texts, queue):
    queue.put(load_embedder("minilm").encode(texts).shape)


@pytest.mark.slow
def test_minilm_still_encodes_in_a_process_forked_after_the_parent_used_it(wiki_docs):
    """distilabel forks its step workers; torch's thread pool must not deadlock them."""
    import multiprocessing

    load_embedder("minilm").encode([d.text for d in wiki_docs[:32]])
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    texts = [s.text for d in wiki_docs[32:40] for s in split_sentences(d.text)]
    child = context.Process(target=_encode_in_child, args=(texts, queue))
    child.start()
    child.join(120)
    hung = child.is_alive()
    if hung:
        child.kill()
    assert not hung and queue.get(timeout=5) == (len(texts), 384)
