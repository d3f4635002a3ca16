import multiprocessing
import os

import numpy as np
import pytest

from distilabel_qabias import embedders
from distilabel_qabias.embedders import DEFAULT_EMBEDDER, Embedder, embedding_threads, load_embedder
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


def test_a_full_cache_starts_again_without_mixing_up_rows(wiki_docs, monkeypatch):
    monkeypatch.setattr(embedders, "MAX_CACHED_ROWS", 8)
    embedder = Embedder("small-cache", 256, lambda texts: load_embedder("wordllama").encode(texts))
    texts = _sentences(wiki_docs, 12)
    embedder.encode(texts[:6])
    mixed = texts[:2] + texts[6:12]  # two cached rows, six new ones: more than the cache has room for
    assert np.allclose(embedder.encode(mixed), load_embedder("wordllama").encode(mixed), atol=1e-6)
    assert np.allclose(embedder.encode(texts[:2]), load_embedder("wordllama").encode(texts[:2]), atol=1e-6)


def test_empty_input_and_bad_name():
    assert load_embedder("wordllama").encode([]).shape == (0, 256)
    with pytest.raises(ValueError):
        load_embedder("")
    with pytest.raises(ValueError, match="distilabel Embeddings"):
        load_embedder(42)


def test_an_embedder_passes_through():
    embedder = load_embedder("wordllama")
    assert load_embedder(embedder) is embedder


def test_threads_follow_the_available_cores_unless_configured(monkeypatch):
    monkeypatch.delenv("QABIAS_EMBED_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert embedding_threads() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("QABIAS_EMBED_THREADS", "1")
    assert embedding_threads() == 1


@pytest.mark.slow
def test_minilm_loads_offline_from_the_bundled_package(wiki_docs):
    embedder = load_embedder("minilm")
    assert embedder.name == "minilm" and embedder.dim == 384
    title = wiki_docs[2].title
    v = embedder.encode([f"What is {title} known for?", f"What is {title} famous for?", "How do I bake bread?"])
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > 0.8 > v[0] @ v[2]


def _encode_in_child(name, texts, queue):
    queue.put(load_embedder(name).encode(texts).shape)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["minilm", "minilm-int8"])
def test_minilm_still_encodes_in_a_process_forked_after_the_parent_used_it(name, wiki_docs):
    """distilabel forks its step workers; torch's thread pool or an ONNX Runtime session must not deadlock them."""
    load_embedder(name).encode([d.text for d in wiki_docs[:32]])
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    texts = [s.text for d in wiki_docs[32:40] for s in split_sentences(d.text)]
    child = context.Process(target=_encode_in_child, args=(name, texts, queue))
    child.start()
    child.join(120)
    hung = child.is_alive()
    if hung:
        child.kill()
    assert not hung and queue.get(timeout=5) == (len(texts), 384)


# --- MiniLM with int8 matrix products (the default) -----------------------------------------------


@pytest.mark.slow
def test_minilm_int8_the_default_agrees_with_float32_minilm(wiki_docs):
    fast, exact = load_embedder(), load_embedder("minilm")
    assert DEFAULT_EMBEDDER == "minilm-int8" and fast.name == "minilm-int8" and exact.name == "minilm" and fast.dim == exact.dim == 384
    texts = _sentences(wiki_docs, 120) + [f"When was {d.title} founded?" for d in wiki_docs[:40]] + ["", "x" * 5000]
    a, b = fast.encode(texts), exact.encode(texts)
    agreement = (a * b).sum(axis=1)
    assert agreement[:-2].min() > 0.95 and agreement[:-2].mean() > 0.99  # int8 moves vectors only slightly
    assert not a[-2].any() and np.linalg.norm(a[-1]) == pytest.approx(1.0, abs=1e-4)  # blank -> 0; long text truncated
    title = wiki_docs[2].title
    v = fast.encode([f"What is {title} known for?", f"What is {title} famous for?", "How do I bake bread?"])
    assert v[0] @ v[1] > 0.8 > v[0] @ v[2]


@pytest.mark.slow
def test_minilm_int8_gives_a_text_the_same_vector_whatever_its_batch(wiki_docs):
    """Activation scales are fixed at export: dynamic quantisation took them from each batch (cosine moved up to 0.02)."""
    embedder = load_embedder("minilm-int8")
    questions = [f"{form} {d.title}?" for d in wiki_docs[:60] for form in ("What is", "Who founded", "Where is")]
    long_texts = [d.text for d in wiki_docs[60:90]]  # longer batch-mates widen every activation range
    alone = np.concatenate([_fresh(embedder, [q]) for q in questions[:40]])
    in_batch = _fresh(embedder, questions)
    shuffled_order = np.random.default_rng(0).permutation(len(questions))
    shuffled = _fresh(embedder, [questions[i] for i in shuffled_order])[np.argsort(shuffled_order)]
    with_long_texts = _fresh(embedder, long_texts + questions[:40])[len(long_texts) :]
    for other in (in_batch[:40], shuffled[:40], with_long_texts):
        assert (alone * other).sum(axis=1).min() > 1 - 1e-5
        assert np.abs(alone - other).max() < 1e-4


def _fresh(embedder, texts):
    embedder.clear_cache()
    return embedder.encode(texts)


@pytest.mark.slow
def test_minilm_int8_gives_the_same_vectors_when_texts_are_tokenised_in_chunks(wiki_docs, monkeypatch):
    from distilabel_qabias import onnx_encoder

    embedder = load_embedder("minilm-int8")
    texts = _sentences(wiki_docs, 60) + [f"Who founded {d.title}?" for d in wiki_docs[:20]]
    whole = _fresh(embedder, texts)
    monkeypatch.setattr(onnx_encoder, "CHUNK_SIZE", 7)  # many chunks, each split into batches of one token length
    assert np.abs(_fresh(embedder, texts) - whole).max() < 1e-5


@pytest.mark.slow
def test_int8_export_is_cached_and_reused(tmp_path, monkeypatch):
    import onnx

    from distilabel_qabias.onnx_encoder import quantized_onnx_model

    monkeypatch.setenv("QABIAS_CACHE_DIR", str(tmp_path / "cache"))
    model_dir = embedders._minilm_dir()
    first = quantized_onnx_model(model_dir)
    assert first.parent == tmp_path / "cache" and first.stat().st_size > 10_000_000
    stamp = first.stat().st_mtime_ns
    assert quantized_onnx_model(model_dir) == first and first.stat().st_mtime_ns == stamp
    assert list((tmp_path / "cache").iterdir()) == [first]  # no export leftovers
    graph = onnx.load(str(first), load_external_data=False).graph
    operators = {node.op_type for node in graph.node}
    assert "DynamicQuantizeLinear" not in operators and {"QuantizeLinear", "MatMulIntegerToFloat"} <= operators
    assert [tensor.name for tensor in graph.input] == ["input_ids"]  # batches of one token length: no padding, no mask


def test_a_missing_dependency_is_one_line():
    from distilabel_qabias.errors import StepLoadError
    from distilabel_qabias.onnx_encoder import calibration_texts, require

    with pytest.raises(StepLoadError, match="pip install onnx_runtime_not_installed") as error:
        require("onnx_runtime_not_installed")
    assert "\n" not in str(error.value)
    require("numpy")  # present: no error
    texts = calibration_texts()
    assert len(texts) > 50 and not any(t.startswith("#") for t in texts)


# --- any distilabel Embeddings -------------------------------------------------------------------


def _counting_distilabel_embeddings():
    """A real distilabel ``Embeddings`` subclass (as a user would write one) over the static WordLlama model."""
    from distilabel.models.embeddings.base import Embeddings

    class CountingWordLlama(Embeddings):
        loads: int = 0
        batch_sizes: list = []

        @property
        def model_name(self) -> str:
            return "counting-wordllama"

        def load(self) -> None:
            super().load()
            self.loads += 1

        def encode(self, inputs):
            self.batch_sizes.append(len(inputs))
            return (2.0 * load_embedder("wordllama").encode(inputs)).tolist()  # not unit length: we normalise

    return CountingWordLlama()


def test_a_distilabel_embeddings_is_loaded_once_and_called_in_batches(wiki_docs):
    model = _counting_distilabel_embeddings()
    embedder = load_embedder(model)
    assert load_embedder(model) is embedder and model.loads == 1
    assert embedder.dim == 256 and embedder.name == "CountingWordLlama:counting-wordllama"
    texts = [s.text for d in wiki_docs[:150] for s in split_sentences(d.text)][:600]
    assert len(set(texts)) > embedders.DISTILABEL_BATCH
    model.batch_sizes.clear()
    vectors = embedder.encode(texts + [""])
    assert max(model.batch_sizes) <= embedders.DISTILABEL_BATCH and sum(model.batch_sizes) == len(set(texts))
    assert np.allclose(vectors[:-1], load_embedder("wordllama").encode(texts), atol=1e-5)
    assert not vectors[-1].any()
    assert load_embedder(_counting_distilabel_embeddings()) is not embedder  # another instance, another embedder


@pytest.mark.slow
def test_distilabel_sentence_transformer_embeddings_match_our_minilm(wiki_docs):
    from distilabel.models.embeddings import SentenceTransformerEmbeddings

    model = SentenceTransformerEmbeddings(model=str(embedders._minilm_dir()), device="cpu")
    texts = _sentences(wiki_docs, 30)
    theirs = load_embedder(model).encode(texts)
    ours = load_embedder("minilm").encode(texts)
    assert np.allclose(theirs, ours, atol=1e-4)
